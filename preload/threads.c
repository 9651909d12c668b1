/* SPDX-License-Identifier: MIT */
/*
 * threads: libkalloc's thread registry and fork handling. A thread
 * registers on its first tracked allocation (its stack bounds for the
 * unwinder and the leak scan, its sampling state) and is folded into the
 * retired counters by its pthread key destructor; kalloc__totals sums
 * the live threads and the retired ones. Around fork, every lock the
 * allocation path can hold is taken, and the child keeps only itself and
 * writes its own files. None of this is on the allocation fast path.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cfi.h"
#include "kalloc-internal.h"
#include "ku.h"
#include "timeline.h"

kalloc__lock_t kalloc__threads_lock;
struct kalloc__thread *kalloc__threads;
static pthread_key_t kalloc__key;
static int kalloc__key_ok;

void kalloc__pending_each(void (*fn)(uint32_t id, uint64_t n, uint64_t bytes, void *arg), void *arg)
{
	struct kalloc__thread *t;
	size_t i;

	kalloc__lock(&kalloc__threads_lock);
	for (t = kalloc__threads; t; t = t->next)
		for (i = 0; i < KU_ARRAY_SIZE(t->pending); i++) {
			uint32_t id = __atomic_load_n(&t->pending[i].id, __ATOMIC_RELAXED);
			uint32_t n = __atomic_load_n(&t->pending[i].n, __ATOMIC_RELAXED);
			uint64_t b = __atomic_load_n(&t->pending[i].bytes, __ATOMIC_RELAXED);

			if (id && n && id <= kalloc__stack_count())
				fn(id, n, b, arg);
		}
	kalloc__unlock(&kalloc__threads_lock);
}

static void kalloc__fold(struct kalloc__thread *t)
{
	size_t i;

	for (i = 0; i < KU_ARRAY_SIZE(t->pending); i++)
		kalloc__pending_flush(&t->pending[i]);
	__atomic_fetch_add(&kalloc__retired.allocs, t->allocs, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kalloc__retired.bytes, t->bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kalloc__retired.frees, t->frees, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kalloc__live, t->live_delta, __ATOMIC_RELAXED);
	kalloc__tl_thread_exit(t);
	t->allocs = t->bytes = t->frees = 0;
	t->live_delta = 0;
}

/* pthread key destructor: the thread is exiting. */
static void kalloc__thread_exit(void *arg)
{
	struct kalloc__thread *t = kalloc__self();

	(void)arg;
	if (t->registered != 1)
		return;
	kalloc__lock(&kalloc__threads_lock);
	kalloc__fold(t);
	if (t->prev)
		t->prev->next = t->next;
	else
		kalloc__threads = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->registered = 2;
	t->gate = 0;
	kalloc__unlock(&kalloc__threads_lock);
}



void kalloc__register(struct kalloc__thread *t)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t lo, hi;

	kalloc__guard_enter();
	/*
	 * Not pthread_getattr_np: this runs inside malloc, possibly called by
	 * pthread_getattr_np itself, which holds the thread's descriptor lock
	 * while it allocates; asking it again would take that lock twice.
	 * A stack kalloc cannot bound (one the program carved out of the heap
	 * or a file mapping) is left at 0: frame walks then stop at the step
	 * limit, and a leak scan from another thread cannot read this stack.
	 */
	t->stack_lo = t->stack_hi = 0;
	if (ku_unwind_stack_bounds(sp, &lo, &hi) == 0) {
		t->stack_lo = lo;
		t->stack_hi = hi;
	}
	t->tp = (uintptr_t)pthread_self();
	t->tid = (pid_t)syscall(SYS_gettid);
	t->rng = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ull ^ ku_now_ns() ^ (uint64_t)t->tid << 32;
	if (!t->rng)
		t->rng = 1;
	t->sample_left = kalloc__sample_interval(t);
	kalloc__lock(&kalloc__threads_lock);
	t->prev = NULL;
	t->next = kalloc__threads;
	if (kalloc__threads)
		kalloc__threads->prev = t;
	kalloc__threads = t;
	t->registered = 1;
	kalloc__unlock(&kalloc__threads_lock);
	if (kalloc__key_ok)
		pthread_setspecific(kalloc__key, t);
	kalloc__guard_leave();
}

void kalloc__totals(struct kalloc__totals *out)
{
	struct kalloc__thread *t;
	int64_t live;

	kalloc__lock(&kalloc__threads_lock);
	out->allocs = __atomic_load_n(&kalloc__retired.allocs, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&kalloc__retired.bytes, __ATOMIC_RELAXED);
	out->frees = __atomic_load_n(&kalloc__retired.frees, __ATOMIC_RELAXED);
	out->temps = kalloc__tl_retired_temps();
	live = __atomic_load_n(&kalloc__live, __ATOMIC_RELAXED);
	for (t = kalloc__threads; t; t = t->next) {
		out->allocs += __atomic_load_n(&t->allocs, __ATOMIC_RELAXED);
		out->temps += __atomic_load_n(&t->temps, __ATOMIC_RELAXED);
		out->bytes += __atomic_load_n(&t->bytes, __ATOMIC_RELAXED);
		out->frees += __atomic_load_n(&t->frees, __ATOMIC_RELAXED);
		live += __atomic_load_n(&t->live_delta, __ATOMIC_RELAXED);
	}
	kalloc__unlock(&kalloc__threads_lock);
	out->live = live < 0 ? 0 : live;
	out->peak = __atomic_load_n(&kalloc__peak, __ATOMIC_RELAXED);
	if ((uint64_t)out->live > out->peak)
		out->peak = (uint64_t)out->live;
	out->messages = __atomic_load_n(&kalloc__messages, __ATOMIC_RELAXED);
}


uint64_t kalloc__phase_peak_swap(uint64_t live)
{
	return __atomic_exchange_n(&kalloc__phase_peak, live, __ATOMIC_RELAXED);
}

uint64_t kalloc__unknown_free_count(void)
{
	return __atomic_load_n(&kalloc__unknown_frees, __ATOMIC_RELAXED);
}

/* ---- fork ----------------------------------------------------------------- */

static void kalloc__atfork_prepare(void)
{
	kalloc__guard_enter();
	kalloc__lock(&kalloc__threads_lock);
	kalloc__stacks_lock();
	kalloc__table_lock_all();
}

static void kalloc__atfork_parent(void)
{
	kalloc__table_unlock_all();
	kalloc__stacks_unlock();
	kalloc__unlock(&kalloc__threads_lock);
	kalloc__guard_leave();
}

static void kalloc__atfork_child(void)
{
	struct kalloc__thread *t = kalloc__self(), *o;
	size_t len = strlen(kalloc__cfg.prefix);

	kalloc__table_reset_locks();
	kalloc__stacks_reset_lock();
	ku_cfi_after_fork_child();
	/* Only this thread exists now: fold the others' counters. */
	for (o = kalloc__threads; o; o = o->next)
		if (o != t)
			kalloc__fold(o);
	kalloc__threads = NULL;
	kalloc__threads_lock.v = 0;
	if (t->registered == 1) {
		t->next = t->prev = NULL;
		kalloc__threads = t;
		t->tid = (pid_t)syscall(SYS_gettid);
	}
	/* The child writes its own files: <prefix>.<childpid>. */
	snprintf(kalloc__cfg.prefix + len, sizeof(kalloc__cfg.prefix) - len, ".%d", (int)getpid());
	/* Its stderr may be a pipe its parent reads ($(cmd 2>&1)): files
	 * only, no summary line. */
	kalloc__cfg.descendant = 1;
	kalloc__tl_after_fork();
	kalloc__guard_leave();
}

void kalloc__threads_init(void)
{
	if (pthread_key_create(&kalloc__key, kalloc__thread_exit) == 0)
		kalloc__key_ok = 1;
	pthread_atfork(kalloc__atfork_prepare, kalloc__atfork_parent, kalloc__atfork_child);
}
