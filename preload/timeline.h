/* SPDX-License-Identifier: MIT */
/*
 * timeline: memory over time in libkalloc.so (timeline.c). The hot-path
 * pieces are here, inline, a handful of instructions each; everything
 * else (the sampling thread, peak attribution, the per-site figures, the
 * termination signals, interval snapshots and <prefix>.timeline.json) is
 * out of line in timeline.c.
 *
 * Temporary allocation (heaptrack's definition, per thread): a block freed
 * (or moved by realloc) by the thread that allocated it before that thread
 * allocated anything else. Frees of other blocks in between do not matter:
 * after p = malloc(); q = malloc(); free(p); free(q), q is temporary and p
 * is not. heaptrack applies the rule to the whole process at once (one
 * event stream); the two agree for single-threaded programs. Full mode
 * only (it needs the block's stack).
 */
#ifndef KALLOC_TIMELINE_H
#define KALLOC_TIMELINE_H

#include "kalloc-internal.h"
#include "ku.h"

/* After a full-mode allocation recorded in the thread's pending entry e. */
static inline __attribute__((always_inline)) void kalloc__tl_alloc(struct kalloc__thread *t,
								   struct kalloc__pending *e, uintptr_t p,
								   size_t size)
{
	__atomic_store_n(&e->live, e->live + (int64_t)size, __ATOMIC_RELAXED);
	t->last_alloc = ~p; /* complemented: not a pointer the leak scan would follow */
	t->hist[size ? 64 - __builtin_clzll((unsigned long long)size) : 0]++;
}

void kalloc__tl_free_slow(struct kalloc__thread *t, uint32_t id, size_t size, uint64_t tmp);

/* A full-mode free of a block of size bytes from stack id at p. */
static inline __attribute__((always_inline)) void kalloc__tl_free(struct kalloc__thread *t, uintptr_t p,
								  size_t size, uint32_t id)
{
	struct kalloc__pending *e = &t->pending[id & (KU_ARRAY_SIZE(t->pending) - 1)];
	uint64_t tmp = ~p == t->last_alloc;

	/* Frees of other blocks in between do not matter; the block itself
	 * is gone (its address may come back from another thread). */
	t->last_alloc = tmp ? 0 : t->last_alloc;
	if (KU_LIKELY(e->id == id && id)) {
		__atomic_store_n(&e->live, e->live - (int64_t)size, __ATOMIC_RELAXED);
		__atomic_store_n(&e->temps, e->temps + tmp, __ATOMIC_RELAXED);
		__atomic_store_n(&t->temps, t->temps + tmp, __ATOMIC_RELAXED);
	} else {
		kalloc__tl_free_slow(t, id, size, tmp);
	}
}

/* Allocation from stack id by a thread that cannot use its pending cache. */
void kalloc__tl_site_alloc(uint32_t id, size_t size);
/* Fold a pending entry's live bytes and temporary count into its stack. */
void kalloc__tl_fold(struct kalloc__pending *e);
/* Fold an exiting thread's temporary count and size classes. */
void kalloc__tl_thread_exit(struct kalloc__thread *t);
/* The global live bytes just rose to now, above the last peak (called by
 * kalloc__live_flush): records the peak and who holds it. */
void kalloc__tl_peak(struct kalloc__thread *t, int64_t now);
/* The thread's flush threshold after a flush that left the global at now
 * with the peak at peak: the headroom to the peak, at most max. */
int64_t kalloc__tl_flush_at(int64_t now, uint64_t peak, int64_t max);
/* Temporary allocations of exited threads. */
uint64_t kalloc__tl_retired_temps(void);

/* Start-up (constructor), after fork in the child, phases. */
void kalloc__tl_start(void);
void kalloc__tl_after_fork(void);
void kalloc__tl_phase(const char *name);
/* libkalloc's service thread: is it running, its tid (0: none), and a
 * snapshot asked of it (async-signal-safe; signal.c). */
int kalloc__tl_running(void);
pid_t kalloc__tl_tid(void);
void kalloc__tl_ask_snapshot(void);

/* The final files on a termination signal (kalloc.c). */
void kalloc__final_report(void);

/* Per-site figures for the report: temps[id] and peak[id] (live bytes at
 * the global peak) for ids 1..n, on memory mapped for the purpose. */
struct kalloc__tl_sites {
	uint64_t *temps, *peak;
	uint32_t n;
	size_t len;
};
int kalloc__tl_sites_get(struct kalloc__tl_sites *s);
void kalloc__tl_sites_free(struct kalloc__tl_sites *s);
/* Write <prefix>.timeline.json (report.c calls it with its lock held). */
void kalloc__tl_write(const char *prefix);

#endif
