/* SPDX-License-Identifier: MIT */
/* forkexec: fork + exec of `sh -c "echo child $0"`, posix_spawn of the same,
 * and a child that exits with status 3; prints what it observed. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	char *argv[] = {"sh", "-c", "echo child $0; exit 5", "exec", NULL};
	char *argv2[] = {"sh", "-c", "echo spawned $0", "spawn", NULL};
	char *buf = malloc(4096);
	pid_t pid;
	int st;

	strcpy(buf, "parent");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp("sh", argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("exec child status %d\n", WEXITSTATUS(st));
	fflush(stdout);
	if (posix_spawnp(&pid, "sh", NULL, NULL, argv2, environ) != 0)
		return 1;
	waitpid(pid, &st, 0);
	printf("spawn status %d\n", WEXITSTATUS(st));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *p = malloc(10);
		free(p);
		exit(3);
	}
	waitpid(pid, &st, 0);
	printf("fork child status %d, %s\n", WEXITSTATUS(st), buf);
	free(buf);
	return 0;
}
