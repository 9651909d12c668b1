/* SPDX-License-Identifier: MIT */
/*
 * forkmt: fork without exec from a parent whose threads keep allocating
 * (the child must find the allocator's and the interposer's locks free),
 * children that allocate and exit normally, and one that leaves by _exit.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		void *p[16];
		for (int i = 0; i < 16; i++)
			p[i] = malloc(16 + (size_t)i * 40);
		for (int i = 0; i < 16; i++)
			free(p[i]);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	int ok = 0, n = 8;
	size_t want = 0;

	for (int i = 0; i < 1000; i++)
		want += (unsigned char)(char)i;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int k = 0; k < n; k++) {
		pid_t pid = fork();

		if (pid == 0) {
			char *s = malloc(1000);
			size_t sum = 0;

			for (int i = 0; i < 1000; i++)
				s[i] = (char)i;
			for (int i = 0; i < 1000; i++)
				sum += (unsigned char)s[i];
			free(s);
			if (k == n - 1)
				_exit(sum == want ? 0 : 1);
			exit(sum == want ? 0 : 1);
		}
		int st;
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("children ok: %d of %d\n", ok, n);
	return ok == n ? 0 : 1;
}
