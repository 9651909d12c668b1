/* SPDX-License-Identifier: MIT */
/*
 * kalloc-glue: the drivers' view of libkalloc.so when it is preloaded
 * (phases and per-message counters through the no-link kalloc.h API;
 * every call is a no-op without the library).
 */
#ifndef KB_KALLOC_GLUE_H
#define KB_KALLOC_GLUE_H

#include <stdbool.h>
#include <stdint.h>

bool kb_kalloc_loaded(void);
void kb_kalloc_phase(const char *name);
void kb_kalloc_messages(uint64_t n);
/* Allocations and bytes allocated so far by the process, for
   allocs_per_msg/bytes_per_msg in the driver's own JSON; false while
   libkalloc offers these figures only in its stats.json. */
bool kb_kalloc_totals(uint64_t *allocs, uint64_t *bytes);

#endif
