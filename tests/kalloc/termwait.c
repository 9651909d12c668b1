/* SPDX-License-Identifier: MIT */
/*
 * termwait: how a program stopped by a termination signal ended, as its
 * parent sees it (services.sh). A shell's $? is 128+N both for a child
 * killed by signal N and for one that called exit(128+N); systemd, a
 * shell running it in the foreground and make tell the two apart, and
 * libkalloc.so and libksamp.so promise the first (the signal re-raised
 * with its default disposition), so the test needs waitpid's answer.
 *
 *   termwait SIG PROG ARGS...
 *
 * Runs PROG with SIG (a number) at its default disposition and unblocked,
 * waits for the line "ready" on its standard output (10 s at most), lets
 * it run 300 ms more, sends SIG, reaps it and prints "signal N" (killed by
 * signal N) or "exit N". A program still running 30 s after the signal is
 * killed with SIGKILL ("signal 9"): a failure, not a hang. Status 0, or 2
 * when PROG cannot be run.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Reads the child's output until "ready" (or EOF, or 10 s). */
static int wait_ready(int fd)
{
	char buf[256];
	size_t have = 0;
	int i;

	for (i = 0; i < 100; i++) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "ready\n"))
			return 0;
		if (have == sizeof(buf) - 1)
			have = 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int sig, fd[2], st = 0, i;
	sigset_t set;
	pid_t pid;

	if (argc < 3 || (sig = atoi(argv[1])) <= 0 || sig >= NSIG) {
		fprintf(stderr, "usage: termwait SIG PROG ARGS...\n");
		return 2;
	}
	if (pipe(fd) != 0) {
		perror("termwait: pipe");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("termwait: fork");
		return 2;
	}
	if (pid == 0) {
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[2], argv + 2);
		perror("termwait: exec");
		_exit(127);
	}
	close(fd[1]);
	if (wait_ready(fd[0]) != 0)
		fprintf(stderr, "termwait: no \"ready\" from %s; sending the signal anyway\n", argv[2]);
	nap_ms(300);
	kill(pid, sig);
	for (i = 0; i < 3000; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0) {
			perror("termwait: waitpid");
			return 2;
		}
		nap_ms(10);
	}
	if (i == 3000) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(fd[0]);
	if (WIFSIGNALED(st))
		printf("signal %d\n", WTERMSIG(st));
	else
		printf("exit %d\n", WEXITSTATUS(st));
	return 0;
}
