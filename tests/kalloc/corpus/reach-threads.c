/* SPDX-License-Identifier: MIT */
/*
 * Corpus: blocks referenced only from the stacks of threads libkalloc never
 * saw allocate: one made by thrd_create, one by clone() (its own stack,
 * no TLS of its own). Both threads are alive, waiting, when the program
 * exits and the leak scan runs: their blocks (1000 and 2000 bytes) are
 * still reachable, not lost. One 48-byte block is really leaked.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <threads.h>
#include <unistd.h>
#include "corpus.h"

static void *volatile handoff[2];
static _Atomic int parked;
static int never; /* futex word nobody wakes */

/* Keep the pointer in this frame only, then wait for ever. */
static NOINLINE void hold(int k)
{
	void *volatile mine = handoff[k];

	handoff[k] = NULL;
	atomic_fetch_add(&parked, 1);
	for (;;)
		syscall(SYS_futex, &never, FUTEX_WAIT, 0, NULL, NULL, 0);
	(void)mine;
}

static int c11_main(void *arg)
{
	(void)arg;
	hold(0);
	return 0;
}

static int clone_main(void *arg)
{
	(void)arg;
	hold(1);
	return 0;
}

static NOINLINE void thrd_block(void)
{
	handoff[0] = malloc(1000);
}

static NOINLINE void clone_block(void)
{
	handoff[1] = malloc(2000);
}

static NOINLINE void real_leak(void)
{
	volatile char *p = malloc(48);

	p[0] = 1;
}

int main(void)
{
	size_t size = 256 << 10;
	char *stack;
	thrd_t t;

	thrd_block();
	clone_block();
	if (thrd_create(&t, c11_main, NULL) != thrd_success)
		return 1;
	stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED ||
	    clone(clone_main, stack + size,
		  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, NULL) < 0)
		return 1;
	while (atomic_load(&parked) < 2)
		sched_yield();
	real_leak();
	SCRUB();
	return 0;
}
