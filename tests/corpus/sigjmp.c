/* SPDX-License-Identifier: MIT */
/*
 * sigjmp: siglongjmp out of signal handlers, as interpreters and
 * fault-tolerant servers do: a SIGUSR1 raised between allocations, and a
 * SIGSEGV from touching a guard page, both left by siglongjmp, hundreds
 * of times, with blocks allocated on both sides of every jump.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t jumps;

static void on_signal(int sig)
{
	(void)sig;
	jumps++;
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa;
	char *guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile int rounds = 0;
	void *volatile keep = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	for (int i = 0; i < 400; i++) {
		if (sigsetjmp(env, 1) == 0) {
			keep = malloc(64 + (size_t)i);
			if (i % 2)
				raise(SIGUSR1);
			else
				guard[i] = 1; /* SIGSEGV */
			puts("not reached");
		}
		free(keep);
		keep = malloc(32);
		free(keep);
		rounds++;
	}
	printf("rounds %d jumps %d\n", (int)rounds, (int)jumps);
	return 0;
}
