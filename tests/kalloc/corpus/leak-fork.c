/* SPDX-License-Identifier: MIT */
/* Corpus: the parent leaks nothing; a forked child leaks 77 bytes in
 * child_leak() and exits normally, so it writes <prefix>.<childpid>.*.
 * Prints the child's pid on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "corpus.h"

static NOINLINE void child_leak(void)
{
	volatile char *p = malloc(77);

	p[0] = 1;
}

char *tmp; /* reachable in parent and child */

int main(void)
{
	pid_t pid;
	int st;

	tmp = malloc(1000);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		child_leak();
		SCRUB();
		exit(0);
	}
	free(tmp);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	printf("%d\n", (int)pid);
	SCRUB();
	return 0;
}
