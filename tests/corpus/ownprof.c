/* SPDX-License-Identifier: MIT */
/* ownprof: a program with its own profiler: a SIGPROF handler and an
 * ITIMER_PROF timer (as gperftools' profiler, or a Go or OCaml runtime,
 * install); it must keep getting its ticks under any interposer. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t ticks;

static void on_prof(int sig)
{
	(void)sig;
	ticks++;
}

int main(void)
{
	struct sigaction sa;
	struct itimerval it = {{0, 2000}, {0, 2000}};
	volatile unsigned long x = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prof;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
	for (unsigned long i = 0; i < 300000000UL && ticks < 20; i++) {
		x += i;
		if ((i & 0xffff) == 0)
			free(malloc(64));
	}
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_PROF, &it, NULL);
	printf("own SIGPROF handler got ticks: %s\n", ticks >= 20 ? "yes" : "no");
	return ticks >= 20 ? 0 : 1;
}
