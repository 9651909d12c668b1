/* SPDX-License-Identifier: MIT */
/*
 * kbench-util: what every file of kbench needs (see kbench-internal.h):
 * child processes in their own process group with a time limit (a helper
 * a driver leaves behind is killed with it), strings and files, the
 * signals that interrupt a run, and where this kbench lives.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "kbench-internal.h"

const char *const kb__backend_names[KB_NBACKENDS] = { "memory", "kafka", "amqp", "mqtt" };
char kb__exedir[PATH_MAX];
volatile sig_atomic_t kb__interrupted;

static void on_signal(int sig)
{
	kb__interrupted = sig;
}

/* A signal ends the run in order: children are stopped, partial results
 * written. */
void kb__catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void kb__init_exedir(void)
{
	ssize_t n = readlink("/proc/self/exe", kb__exedir, sizeof(kb__exedir) - 1);
	char *slash;

	if (n > 0) {
		kb__exedir[n] = 0;
		if ((slash = strrchr(kb__exedir, '/')))
			*slash = 0;
	} else {
		snprintf(kb__exedir, sizeof(kb__exedir), ".");
	}
}

char *kb__fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		kb_die("out of memory");
	return s;
}

int kb__isfile(const char *p, int mode)
{
	struct stat st;

	return p && !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, mode);
}

int kb__mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0777) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

char *kb__find(int mode, ...)
{
	va_list ap;
	const char *c;
	char *found = NULL;

	va_start(ap, mode);
	while ((c = va_arg(ap, const char *)))
		if (!found && kb__isfile(c, mode))
			found = realpath(c, NULL);
	va_end(ap);
	return found;
}

double kb__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int kb__spawn(char *const *argv, const char *const *extra_env, const char *logpath, double timeout_s)
{
	return kb__spawn_out(argv, extra_env, logpath, NULL, timeout_s);
}

int kb__spawn_out(char *const *argv, const char *const *extra_env, const char *logpath, const char *outpath,
		  double timeout_s)
{
	pid_t pid;
	int st;
	double t0 = kb__now();

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (outpath) {
			int ofd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

			if (ofd >= 0)
				dup2(ofd, 1);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		for (size_t i = 0; extra_env && extra_env[i]; i++)
			putenv((char *)extra_env[i]);
		execv(argv[0], argv);
		fprintf(stderr, "kbench: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (kb__now() - t0 > timeout_s || kb__interrupted) {
			kill(-pid, SIGTERM);
			usleep(500000);
			kill(-pid, SIGKILL);
			waitpid(pid, &st, 0);
			return kb__interrupted ? -EINTR : -ETIMEDOUT;
		}
		usleep(10000);
	}
	/* a helper the driver left behind (mock cluster) must not outlive it */
	kill(-pid, SIGKILL);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

void kb__log_tail(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
}
