/* SPDX-License-Identifier: MIT */
/*
 * libearly: a library whose constructor starts a thread that burns CPU
 * time, preloaded next to libksamp.so by the 'methods' test so that a
 * thread exists before libksamp's own constructor runs (as with an
 * LD_PRELOAD neighbour that starts a thread). The workload finds
 * ksamp_test_early_join with dlsym, waits for the thread and gets its
 * CPU time.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <time.h>

static volatile uint64_t early_sink;
static pthread_t early_thread;
static double early_cpu;
static int early_started;

static double early_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((noinline)) void m_early(double sec);
__attribute__((noinline)) void m_early(double sec)
{
	double end = early_clock() + sec;
	uint64_t x = early_sink;

	do {
		for (int i = 0; i < 20000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		early_sink = x;
	} while (early_clock() < end);
	__asm__ volatile("" ::: "memory");
}

static void *early_main(void *p)
{
	prctl(PR_SET_NAME, (unsigned long)"m-early", 0, 0, 0);
	m_early(0.40);
	early_cpu = early_clock() * 1e9;
	return p;
}

__attribute__((constructor)) static void early_init(void)
{
	early_started = pthread_create(&early_thread, NULL, early_main, NULL) == 0;
}

__attribute__((visibility("default"))) void ksamp_test_early_join(double *cpu_ns);
__attribute__((visibility("default"))) void ksamp_test_early_join(double *cpu_ns)
{
	if (early_started)
		pthread_join(early_thread, NULL);
	early_started = 0;
	*cpu_ns = early_cpu;
}
