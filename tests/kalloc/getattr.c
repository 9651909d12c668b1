/* SPDX-License-Identifier: MIT */
/*
 * getattr: pthread_getattr_np as the first thing a thread does, run under
 * libkalloc.so (by run-preloaded.sh). glibc's pthread_getattr_np holds the
 * thread's descriptor lock while it allocates (the affinity mask, and
 * fopen("/proc/self/maps") for the main thread), so an interposer that
 * asks pthread_getattr_np for the stack bounds while registering a thread
 * from inside malloc takes that lock a second time and hangs forever. The
 * threads here have not allocated before the call, so their first malloc
 * comes from inside pthread_getattr_np. alarm() turns a hang into a killed
 * process, i.e. a failed test, after 15 s instead of a stuck make check.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"

#define NTHREADS 8

/* 1 when the calling thread's stack, as pthread_getattr_np reports it,
 * contains a local variable of the caller. */
static int stack_ok(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	uintptr_t here = (uintptr_t)&attr;
	int ok;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	ok = pthread_attr_getstack(&attr, &addr, &size) == 0 && here >= (uintptr_t)addr &&
	     here < (uintptr_t)addr + size;
	pthread_attr_destroy(&attr);
	return ok;
}

static void *worker(void *arg)
{
	int *res = arg;
	char *p;

	*res = stack_ok();
	p = malloc(100);
	if (!p) {
		*res = 0;
		return NULL;
	}
	memset(p, 1, 100);
	free(p);
	/* A second call, after the thread is known to the interposer. */
	if (!stack_ok())
		*res = 0;
	return NULL;
}

/* A thread with a stack the program supplies. */
static void *small(void *arg)
{
	*(int *)arg = stack_ok();
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	int res[NTHREADS], i, started = 0, good = 0;
	pthread_attr_t attr;
	void *stk;
	int sres = 0;

	alarm(15);
	tap_ok(stack_ok(), "pthread_getattr_np in main, first thing");
	memset(res, 0, sizeof(res));
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, worker, &res[i]) == 0)
			started++;
		else
			break;
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		good += res[i];
	}
	tap_ok(started == NTHREADS && good == NTHREADS,
	       "pthread_getattr_np first in %d new threads (%d of %d right)", NTHREADS, good, started);

	stk = NULL;
	if (posix_memalign(&stk, 4096, 1 << 18) == 0 && pthread_attr_init(&attr) == 0) {
		pthread_t t;

		if (pthread_attr_setstack(&attr, stk, 1 << 18) == 0 &&
		    pthread_create(&t, &attr, small, &sres) == 0)
			pthread_join(t, NULL);
		pthread_attr_destroy(&attr);
	}
	free(stk);
	tap_ok(sres, "pthread_getattr_np first in a thread on a program-supplied stack");
	alarm(0);
	return tap_done();
}
