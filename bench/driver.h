/* SPDX-License-Identifier: MIT */
/*
 * driver: what bench_pub, bench_sub, bench_e2e and bench_core share —
 * the contract's flags, the run loop (warm-up, count or duration,
 * repetitions), metrics and the kprof-bench/1 result JSON. Each program's
 * main() is one call to kb_driver_main().
 *
 * Exit status: 0 success; 1 the run completed but messages were lost,
 * duplicated or corrupted (integrity failure); 2 bad flags, unknown
 * backend, unreachable broker, or a run that could not complete (broker
 * died, no progress within --timeout).
 */
#ifndef KB_DRIVER_H
#define KB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kb_mode { KB_MODE_PUB, KB_MODE_SUB, KB_MODE_E2E, KB_MODE_CORE };

int kb_driver_main(enum kb_mode mode, int argc, char **argv);

/* Figures of libkalloc when it is preloaded (kalloc-glue.c): phases and
   per-message counters through the no-link kalloc.h API. */
bool kb_kalloc_loaded(void);
void kb_kalloc_phase(const char *name);
void kb_kalloc_messages(uint64_t n);
/* Allocations and bytes allocated so far by the process, for
   allocs_per_msg/bytes_per_msg in the driver's own JSON; false while
   libkalloc offers these figures only in its stats.json. */
bool kb_kalloc_totals(uint64_t *allocs, uint64_t *bytes);

#endif
