/* SPDX-License-Identifier: MIT */
/*
 * kalloc.h: per-message allocation accounting with libkalloc.so.
 *
 * Nothing to link: each function looks up the preloaded library's entry
 * point once with dlsym(RTLD_DEFAULT, ...) and does nothing when the
 * program runs without LD_PRELOAD=libkalloc.so. On glibc older than 2.34
 * link with -ldl. Thread-safe; cheap enough to call once per message
 * (one relaxed atomic add once the look-up is cached).
 *
 *   kalloc_phase("steady");         start a named phase (stats.json)
 *   kalloc_messages(1);             one more message handled
 *   kalloc_snapshot();              write <prefix>.<n>.* now
 *   kalloc_totals(&allocs, &bytes); running totals
 *
 * See kalloc(3) and libkalloc(7).
 */
#ifndef KALLOC_H
#define KALLOC_H

#include <dlfcn.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Resolve name once; NULL when libkalloc.so is not loaded. */
static inline void *kalloc__lookup(void **cache, const char *name)
{
	void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);

	if (!f) {
		f = dlsym(RTLD_DEFAULT, name);
		__atomic_store_n(cache, f ? f : (void *)cache, __ATOMIC_RELEASE);
	}
	return f == (void *)cache ? (void *)0 : f;
}

/* Add n to the message counter of the current phase. */
static inline void kalloc_messages(uint64_t n)
{
	static void *cache;
	void (*f)(uint64_t) = (void (*)(uint64_t))kalloc__lookup(&cache, "kalloc_v1_messages");

	if (f)
		f(n);
}

/*
 * End the current phase and start one called name (copied; at most 63
 * bytes are kept). Before the first call the phase is named "main".
 */
static inline void kalloc_phase(const char *name)
{
	static void *cache;
	void (*f)(const char *) = (void (*)(const char *))kalloc__lookup(&cache, "kalloc_v1_phase");

	if (f)
		f(name);
}

/*
 * Write a snapshot of every report (<prefix>.<n>.leaks.txt, ...) now.
 * Returns n (1, 2, ...), or -1 without libkalloc.so.
 */
static inline int kalloc_snapshot(void)
{
	static void *cache;
	int (*f)(void) = (int (*)(void))kalloc__lookup(&cache, "kalloc_v1_snapshot");

	return f ? f() : -1;
}

/*
 * Allocations and bytes allocated so far by all threads (exact when the
 * other threads are quiescent). Returns 0, or -1 without libkalloc.so
 * (*allocs and *bytes untouched).
 */
static inline int kalloc_totals(uint64_t *allocs, uint64_t *bytes)
{
	static void *cache;
	int (*f)(uint64_t *, uint64_t *) =
		(int (*)(uint64_t *, uint64_t *))kalloc__lookup(&cache, "kalloc_v1_totals");

	return f ? f(allocs, bytes) : -1;
}

/* 1 when the program runs under libkalloc.so. */
static inline int kalloc_loaded(void)
{
	static void *cache;

	return kalloc__lookup(&cache, "kalloc_v1_messages") != (void *)0;
}

#ifdef __cplusplus
}
#endif

#endif
