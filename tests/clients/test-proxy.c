/* SPDX-License-Identifier: MIT */
/*
 * test-proxy: kb-proxy end to end. An echo server runs in this process; the
 * proxy runs as a child with its stdin/stdout on pipes and a control
 * socket. Checks data integrity (with back-pressure), half-close, cut,
 * block/unblock, an unreachable target, bad commands on both command
 * channels, a control client that vanishes mid-line, and that neither the
 * proxy nor this process leaks file descriptors along the way.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static int echo_fd;
static pid_t proxy_pid;
static FILE *proxy_out;
static int proxy_in = -1;

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1;
}

static void *echo_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[16384];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		ssize_t off = 0;

		while (off < n) {
			ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);

			if (w <= 0)
				goto out;
			off += w;
		}
	}
	if (n == 0)
		shutdown(fd, SHUT_WR);
out:
	close(fd);
	return NULL;
}

static void *echo_server(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(echo_fd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			return NULL;
		pthread_create(&t, NULL, echo_conn, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

static int listen_any(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	listen(fd, 64);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int dial(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 5 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static pid_t spawn_proxy(char *const argv[], int *in, FILE **out)
{
	int pin[2], pout[2];
	pid_t pid;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	*in = pin[1];
	*out = fdopen(pout[0], "r");
	return pid;
}

/* Send one command on stdin, return its reply line (static buffer). */
static const char *cmd(const char *c)
{
	static char line[512];

	if (write(proxy_in, c, strlen(c)) < 0 || write(proxy_in, "\n", 1) < 0)
		return "(write failed)";
	if (!fgets(line, sizeof(line), proxy_out))
		return "(no reply)";
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static long stat_of(const char *reply, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(reply, pat);
	return p ? atol(p + strlen(pat)) : -1;
}

/* Poll `stats` until KEY reaches WANT (connections close asynchronously). */
static long wait_stat(const char *key, long want)
{
	long v = -1;

	for (int i = 0; i < 200; i++) {
		v = stat_of(cmd("stats"), key);
		if (v == want)
			break;
		usleep(10000);
	}
	return v;
}

struct pump {
	int fd;
	const unsigned char *data;
	size_t len;
};

static void *pump_writer(void *arg)
{
	struct pump *p = arg;
	size_t off = 0;

	while (off < p->len) {
		ssize_t w = send(p->fd, p->data + off, p->len - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(p->fd, SHUT_WR);
	return NULL;
}

/* Read until EOF or error; returns bytes read, *err = errno of the end. */
static size_t drain(int fd, unsigned char *buf, size_t cap, int *err)
{
	size_t got = 0;

	*err = 0;
	for (;;) {
		ssize_t n = recv(fd, buf ? buf + got : (unsigned char[4096]){ 0 },
				 buf ? cap - got : 4096, 0);

		if (n < 0) {
			*err = errno;
			return got;
		}
		if (n == 0)
			return got;
		if (buf)
			got += (size_t)n;
	}
}

static const char *ctl_send(int fd, const char *c, size_t len)
{
	static char line[512];
	size_t n = 0;

	send(fd, c, len, MSG_NOSIGNAL);
	while (n < sizeof(line) - 1) {
		ssize_t r = recv(fd, line + n, 1, 0);

		if (r <= 0)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return line;
}

static const char *ctl_cmd(int fd, const char *c)
{
	return ctl_send(fd, c, strlen(c));
}

static int run_status(char *const argv[], char *errline, size_t cap)
{
	int perr[2], st;
	pid_t pid;
	ssize_t n;

	if (pipe2(perr, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, 0);
		dup2(nul, 1);
		dup2(perr[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(perr[1]);
	size_t got = 0;
	while (got < cap - 1 && (n = read(perr[0], errline + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	errline[got] = '\0';
	close(perr[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	const char *builddir = getenv("top_builddir");
	char proxy[4096], target[64], ctlpath[108], line[512], *tmp;
	int echo_port, proxy_port = 0, fds0, proxy_fds0, err;
	pthread_t echo_t;
	unsigned char *data, *back;
	const size_t big = 4u << 20;

	signal(SIGPIPE, SIG_IGN);
	snprintf(proxy, sizeof(proxy), "%s/bench/kb-proxy", builddir ? builddir : ".");
	echo_fd = listen_any(&echo_port);
	pthread_create(&echo_t, NULL, echo_server, NULL);
	snprintf(target, sizeof(target), "127.0.0.1:%d", echo_port);
	tmp = strdup("/tmp/kb-proxy-test.XXXXXX");
	if (!mkdtemp(tmp))
		return 99;
	snprintf(ctlpath, sizeof(ctlpath), "%s/ctl", tmp);

	/* Argument errors: one line on stderr, exit status 2. */
	{
		char *a1[] = { proxy, NULL };
		char *a2[] = { proxy, "--target", "127.0.0.1:99999", NULL };
		char *a3[] = { proxy, "--target", target, "--listen", "nohost.invalid:1", NULL };
		int st = run_status(a1, line, sizeof(line));

		tap_ok(st == 2 && strstr(line, "--target") && strchr(line, '\n') == line + strlen(line) - 1,
		       "no --target: exit 2 with one error line (got %d: %.*s)", st, (int)strcspn(line, "\n"), line);
		st = run_status(a2, line, sizeof(line));
		tap_ok(st == 2 && strstr(line, "bad --target"), "port out of range rejected (got %d)", st);
		st = run_status(a3, line, sizeof(line));
		tap_ok(st != 0 && st < 128, "unresolvable --listen fails cleanly (got %d)", st);
	}

	fds0 = count_fds();
	{
		char *argv[] = { proxy, "--target", target, "--control", ctlpath, NULL };

		proxy_pid = spawn_proxy(argv, &proxy_in, &proxy_out);
	}
	if (!fgets(line, sizeof(line), proxy_out) || sscanf(line, "listening 127.0.0.1:%d", &proxy_port) != 1) {
		tap_ok(0, "proxy announces its port (got '%s')", line);
		return tap_done();
	}
	tap_ok(proxy_port > 0, "proxy announces its port %d", proxy_port);
	proxy_fds0 = (int)stat_of(cmd("stats"), "fds");
	tap_ok(proxy_fds0 > 0, "stats reports the proxy's fd count (%d)", proxy_fds0);

	/* 4 MiB each way at once: the 64 KiB buffers must apply back-pressure. */
	data = malloc(big);
	back = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	{
		struct pump p = { .fd = dial(proxy_port), .data = data, .len = big };
		pthread_t t;
		size_t got;

		pthread_create(&t, NULL, pump_writer, &p);
		got = drain(p.fd, back, big, &err);
		pthread_join(t, NULL);
		tap_ok(got == big && !memcmp(data, back, big), "4 MiB echoed intact through the proxy (%zu bytes)", got);
		tap_ok(err == 0, "half-close forwarded: client reads a clean EOF (errno %d)", err);
		close(p.fd);
	}
	tap_is_int(wait_stat("active", 0), 0, "finished connection is released");
	{
		const char *s = cmd("stats");

		tap_ok(stat_of(s, "bytes_up") == (long)big && stat_of(s, "bytes_down") == (long)big,
		       "byte counters: %s", s);
	}

	/* cut: every open connection is reset, on both sides. */
	{
		int c[3];
		const char *r;

		for (int i = 0; i < 3; i++) {
			c[i] = dial(proxy_port);
			send(c[i], "x", 1, 0);
			recv(c[i], line, 1, 0); /* the round trip proves the pair is up */
		}
		r = cmd("cut");
		tap_is_str(r, "ok cut 3", "cut reports the connections it dropped");
		int resets = 0;
		for (int i = 0; i < 3; i++) {
			drain(c[i], NULL, 0, &err);
			resets += err == ECONNRESET;
			close(c[i]);
		}
		tap_is_int(resets, 3, "every cut client sees ECONNRESET");
		tap_is_int(wait_stat("active", 0), 0, "no connection left after cut");
	}

	/* block refuses new connections, unblock accepts them again. */
	{
		int c;

		tap_is_str(cmd("block"), "ok blocked", "block acknowledged");
		c = dial(proxy_port);
		drain(c, NULL, 0, &err);
		tap_ok(err == ECONNRESET || c < 0, "blocked: new connection is refused (errno %d)", err);
		if (c >= 0)
			close(c);
		tap_is_int(stat_of(cmd("stats"), "refused"), 1, "refused count");
		tap_is_str(cmd("unblock"), "ok unblocked", "unblock acknowledged");
		c = dial(proxy_port);
		send(c, "ping", 4, 0);
		tap_ok(recv(c, line, 4, MSG_WAITALL) == 4 && !memcmp(line, "ping", 4), "unblocked: traffic flows again");
		close(c);
	}

	/* Bad commands on stdin: one error line each, the proxy carries on. */
	{
		char longcmd[1200];

		tap_is_str(cmd("frobnicate now"), "error unknown command 'frobnicate' (try help)",
			   "unknown command answered with an error line");
		memset(longcmd, 'a', sizeof(longcmd) - 1);
		longcmd[sizeof(longcmd) - 1] = '\0';
		tap_ok(!strncmp(cmd(longcmd), "error command too long", 22), "overlong command rejected");
		tap_ok(!strncmp(cmd("stats"), "ok accepted=", 12), "still answering after bad input");
	}

	/* The control socket speaks the same protocol; a vanishing client is fine. */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), s2;

		strcpy(sun.sun_path, ctlpath);
		tap_ok(connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0, "control socket accepts");
		tap_ok(!strncmp(ctl_cmd(s, "stats\n"), "ok accepted=", 12), "stats over the control socket");
		tap_ok(!strncmp(ctl_cmd(s, "bogus\n"), "error unknown command 'bogus'", 29),
		       "bad command over the control socket");
		tap_is_str(ctl_send(s, "he\0lp\n", 6), "error binary data in command",
			   "NUL byte in a command rejected");
		s2 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		connect(s2, (struct sockaddr *)&sun, sizeof(sun));
		send(s2, "sta", 3, 0); /* half a command, then gone */
		close(s2);
		close(s);
		tap_ok(!strncmp(cmd("stats"), "ok accepted=", 12), "proxy alive after control clients closed mid-line");
	}

	/* Target down: the client is reset, the failure is counted. */
	{
		int c;

		shutdown(echo_fd, SHUT_RDWR); /* wakes the accept loop, which ends */
		pthread_join(echo_t, NULL);
		close(echo_fd);
		c = dial(proxy_port);
		drain(c, NULL, 0, &err);
		tap_ok(err == ECONNRESET, "unreachable target: client reset (errno %d)", err);
		close(c);
		tap_is_int(wait_stat("failed", 1), 1, "failed upstream connect counted");
	}

	/* No descriptor leaked by the proxy after all of the above. */
	tap_is_int(wait_stat("fds", proxy_fds0), proxy_fds0, "proxy fd count back to its start value");

	/* quit: one reply, exit status 0, control socket removed. */
	{
		int st;
		struct stat sb;

		tap_is_str(cmd("quit"), "ok bye", "quit acknowledged");
		waitpid(proxy_pid, &st, 0);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "proxy exits with status 0");
		tap_ok(stat(ctlpath, &sb) < 0 && errno == ENOENT, "control socket removed at exit");
		fclose(proxy_out);
		close(proxy_in);
	}

	/* EOF on stdin ends the proxy too (its controller went away). */
	{
		char *argv[] = { proxy, "--target", target, NULL };
		int st;

		proxy_pid = spawn_proxy(argv, &proxy_in, &proxy_out);
		fgets(line, sizeof(line), proxy_out);
		close(proxy_in);
		waitpid(proxy_pid, &st, 0);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "stdin EOF: clean exit");
		fclose(proxy_out);
	}
	tap_is_int(count_fds(), fds0 - 1, "this test leaked no descriptors (listener closed)");
	rmdir(tmp);
	free(tmp);
	free(data);
	free(back);
	return tap_done();
}
