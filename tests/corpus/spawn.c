/* SPDX-License-Identifier: MIT */
/*
 * spawn: every way of starting a process or a thread that is not
 * fork + pthread_create: vfork + exec, posix_spawn, clone with a new
 * stack and CLONE_VM (a raw thread that allocates), clone without
 * CLONE_VM (a fork by another name) that allocates and exits.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int in_clone(void *arg)
{
	int *out = arg;
	char *p = malloc(300);

	memset(p, 9, 300);
	*out = p[299];
	free(p);
	return 0;
}

int main(void)
{
	char *argv_echo[] = {"echo", "from posix_spawn", NULL};
	char *stack = malloc(1 << 20);
	int st, got = 0;
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execlp("echo", "echo", "from vfork", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("vfork child status %d\n", WEXITSTATUS(st));
	fflush(stdout);
	if (posix_spawnp(&pid, "echo", NULL, NULL, argv_echo, environ) == 0) {
		waitpid(pid, &st, 0);
		printf("posix_spawn child status %d\n", WEXITSTATUS(st));
	}
	fflush(stdout);
	/* A thread made by clone itself (CLONE_VM | CLONE_THREAD is what
	 * pthread_create does; here without CLONE_THREAD so it can be waited). */
	pid = clone(in_clone, stack + (1 << 20), CLONE_VM | SIGCHLD, &got);
	if (pid > 0) {
		waitpid(pid, &st, 0);
		printf("clone(CLONE_VM) status %d value %d\n", WEXITSTATUS(st), got);
	}
	got = 0;
	pid = clone(in_clone, stack + (1 << 20), SIGCHLD, &got);
	if (pid > 0) {
		waitpid(pid, &st, 0);
		printf("clone(fork-like) status %d value seen by parent %d\n", WEXITSTATUS(st), got);
	}
	free(stack);
	return 0;
}
