/* SPDX-License-Identifier: MIT */
/*
 * forkmt: helper of libunwind-safety.sh.
 *   forkmt fork N    four threads allocate without pause while the main
 *                    thread forks N times; each child allocates and exits
 *                    0. A child that has not exited after 20 s is killed
 *                    and counted. Prints "forks N hung H bad B".
 *   forkmt malloc N  N mallocs (and frees) 12 frames deep; prints "mallocs N".
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static void *volatile sink;

static void *churn(void *arg)
{
	(void)arg;
	while (!stop) {
		void *p = malloc(64);

		sink = p;
		free(p);
	}
	return NULL;
}

static __attribute__((noinline)) void nest(int d)
{
	if (d > 0) {
		nest(d - 1);
		__asm__ volatile("" ::: "memory");
		return;
	}
	sink = malloc(32);
	free(sink);
}

static int forks(int n)
{
	pthread_t t[4];
	int hung = 0, bad = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		int st = 0, done = 0;

		if (pid == 0) {
			nest(5);
			_exit(0);
		}
		for (int w = 0; w < 2000 && !done; w++) {
			done = waitpid(pid, &st, WNOHANG) == pid;
			if (!done)
				usleep(10000);
		}
		if (!done) {
			hung++;
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			bad++;
		}
	}
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("forks %d hung %d bad %d\n", n, hung, bad);
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 10;

	if (argc > 1 && !strcmp(argv[1], "fork"))
		return forks(n);
	if (argc > 1 && !strcmp(argv[1], "malloc")) {
		for (int i = 0; i < n; i++)
			nest(10);
		printf("mallocs %d\n", n);
		return 0;
	}
	fprintf(stderr, "usage: forkmt fork N | malloc N\n");
	return 2;
}
