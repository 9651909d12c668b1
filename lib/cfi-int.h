/* SPDX-License-Identifier: MIT */
/*
 * cfi-int.h: what cfi.c (object list, palette, memory, look-up) and
 * cfi-build.c (the .eh_frame compiler) share. Internal to lib/. Every
 * function here runs with the builder lock held, in normal context.
 */
#ifndef KU_CFI_INT_H
#define KU_CFI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cfi.h"

/* One table row: the rule from off on, up to the next row. */
struct ku__cfi_row {
	uint32_t off;  /* pc - object text start */
	uint32_t rule; /* palette index (bit 31 set while building: FDE row) */
};

/* Bump allocation from the reservation; NULL when it is exhausted. */
void *ku__cfi_alloc(size_t len);

/* Give the reservation back from end on (the last allocation's tail). */
void ku__cfi_trim(const void *end);

/* Index of rule r in the palette, added if new; 1 (UNSUP) when full.
 * Indices 0..3 are NONE, UNSUP, END and SIGNAL. */
uint32_t ku__cfi_intern(const struct ku_cfi_rule *r);

/*
 * Compile the .eh_frame found through hdr. Readable memory [mem_lo,
 * mem_hi); code [text_lo, text_hi). Returns the number of rows (>= 0)
 * with *rows set, -EINVAL when the CFI cannot be used at all, -ENOMEM
 * when the reservation ran out. *bad is set when part of the CFI was
 * malformed; *fdes and *unsup are added to.
 */
long ku__cfi_build(const uint8_t *hdr, uintptr_t mem_lo, uintptr_t mem_hi, uintptr_t text_lo, uintptr_t text_hi,
		   const struct ku__cfi_row **rows, int *bad, uint64_t *fdes, uint64_t *unsup);

#endif
