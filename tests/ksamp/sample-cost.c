/* SPDX-License-Identifier: MIT */
/*
 * sample-cost: benchmark (not run by make check) of what one libksamp
 * sample costs, split into its parts, at call depths 20 and 200:
 * delivering a signal to the thread and returning from an empty handler,
 * a frame-pointer walk from a signal context, a libunwind walk and a CFI
 * table walk (the default, "auto") from a signal context. Each figure is the median of 5 runs of N signals.
 * Prints one "name depth microseconds" line per figure.
 * With "sample-cost N ksamp" under LD_PRELOAD=libksamp.so (KSAMP_HZ=1),
 * the signals go to libksamp's own handler instead: the whole cost of one
 * sample (unwind with KSAMP_UNWIND, hash, store) plus its delivery.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cfi.h"
#include "unwind.h"

static int mode; /* 0 empty handler, 1 fp, 2 libunwind, 3 cfi (auto) */
static uintptr_t top;
static volatile int got;

static void handler(int sig, siginfo_t *si, void *uc)
{
	uintptr_t pcs[512];

	(void)sig;
	(void)si;
	if (mode == 1)
		got = ku_unwind_fp_context(uc, pcs, 512, top);
	else if (mode == 2)
		got = ku_unwind_libunwind_context(uc, pcs, 512);
	else if (mode == 3)
		got = ku_unwind_cfi_context(uc, pcs, 512, top);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Signal ourselves n times at the bottom of a d-deep stack. */
__attribute__((noinline)) static double at_depth(int d, int n)
{
	volatile int keep = 1;

	if (d > 1)
		return at_depth(d - 1, n) + keep - 1;
	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	double t0 = now_us();

	for (int i = 0; i < n; i++)
		syscall(SYS_tgkill, pid, tid, SIGPROF);
	return (now_us() - t0) / n;
}

int main(int argc, char **argv)
{
	static const char *names[] = {"signal", "fp", "libunwind", "auto"};
	static const int depths[] = {20, 200};
	struct sigaction sa;
	int n = argc > 1 ? atoi(argv[1]) : 20000;

	if (argc > 2 && !strcmp(argv[2], "ksamp")) {
		const char *u = getenv("KSAMP_UNWIND");

		for (size_t di = 0; di < 2; di++) {
			double r[5];

			at_depth(depths[di], n / 10);
			for (int k = 0; k < 5; k++)
				r[k] = at_depth(depths[di], n);
			qsort(r, 5, sizeof(r[0]), cmp);
			printf("ksamp-%s %d %.2f\n", u ? u : "fp", depths[di], r[2]);
		}
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	top = ku_unwind_stack_top();
	if (ku_cfi_sync() < 0) {
		fprintf(stderr, "sample-cost: cannot build the unwind tables\n");
		return 1;
	}
	for (size_t di = 0; di < 2; di++)
		for (mode = 0; mode < 4; mode++) {
			double r[5];

			at_depth(depths[di], n / 10); /* warm caches */
			for (int k = 0; k < 5; k++)
				r[k] = at_depth(depths[di], n);
			qsort(r, 5, sizeof(r[0]), cmp);
			printf("%s %d %.2f (frames %d)\n", names[mode], depths[di], r[2], mode ? got : 0);
		}
	return 0;
}
