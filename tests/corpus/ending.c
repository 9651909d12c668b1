/* SPDX-License-Identifier: MIT */
/*
 * ending: a program that allocates from two threads, prints, and ends the
 * way its argument says: exit, _exit, abort, segv (a real fault), term or
 * int (kill(getpid()) with the default disposition). The interposers'
 * man pages say what each ending writes; corpus.sh checks exactly that.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *work(void *arg)
{
	char *p = malloc(5000);

	memset(p, 1, 5000);
	return p; /* freed by main */
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "exit";
	pthread_t t;
	void *r;
	volatile long sum = 0;

	pthread_create(&t, NULL, work, NULL);
	pthread_join(t, &r);
	free(r);
	for (long i = 0; i < 20000000; i++) /* some CPU time for the sampler */
		sum += i ^ (sum >> 3);
	printf("ending by %s\n", how);
	fflush(stdout);
	if (!strcmp(how, "_exit"))
		_exit(7);
	if (!strcmp(how, "abort"))
		abort();
	if (!strcmp(how, "segv")) {
		volatile int *volatile bad = (volatile int *)16;
		*bad = 1;
	}
	if (!strcmp(how, "term"))
		kill(getpid(), SIGTERM);
	if (!strcmp(how, "int"))
		kill(getpid(), SIGINT);
	sleep(1); /* a signal sent to ourselves arrives before this ends */
	return 3;
}
