/* SPDX-License-Identifier: MIT */
/*
 * kalloc-glue: the drivers' view of libkalloc.so, through the no-link
 * kalloc.h API (every call is a no-op when the library is not preloaded).
 * Phases: "warmup" before each repetition's warm-up, "steady" for its
 * measured part; each thread reports its measured messages with
 * kalloc_messages() before the phase ends, so libkalloc's stats.json gives
 * allocations, bytes and live growth per message for the steady phases
 * (kbench(1) folds them into its results). When the library also exports
 * kalloc_v1_totals(&allocs, &bytes), the driver reads it at the phase
 * boundaries and reports allocs_per_msg/bytes_per_msg in its own JSON.
 */
#include "config.h"

#include <kalloc.h>

#include "kalloc-glue.h"

bool kb_kalloc_loaded(void)
{
	return kalloc_loaded() != 0;
}

void kb_kalloc_phase(const char *name)
{
	kalloc_phase(name);
}

void kb_kalloc_messages(uint64_t n)
{
	if (n)
		kalloc_messages(n);
}

bool kb_kalloc_totals(uint64_t *allocs, uint64_t *bytes)
{
	/* Running totals are not part of kalloc.h (yet): use them when the
	   preloaded library exports them, under the same versioned naming
	   as its other entry points. */
	static void *cache;
	int (*f)(uint64_t *, uint64_t *) =
		(int (*)(uint64_t *, uint64_t *))kalloc__lookup(&cache, "kalloc_v1_totals");

	return f && f(allocs, bytes) == 0;
}
