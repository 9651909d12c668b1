/* SPDX-License-Identifier: MIT */
/*
 * cfi: the call-frame information of every loaded object, compiled once
 * into compact unwind tables, and the look-up the unwinder uses on every
 * frame. As the Linux kernel's ORC tables do, each object's .eh_frame is
 * turned into a sorted array of rows, one per address range with one
 * simple rule: where the canonical frame address (CFA) is (SP or FP plus
 * an offset, *(FP + offset) for realigned frames, the PLT formula, a
 * kernel signal frame), that the return address sits just below the CFA,
 * and where the caller's frame pointer was saved. Rules are interned in
 * one palette, so a row is 8 bytes (offset, rule index). A direct-mapped
 * cache of pc -> rule, one machine word per slot, sits in front of the
 * binary searches.
 *
 * Life cycle and contexts:
 * - ku_cfi_init() and ku_cfi_sync() run in normal context only (start-up,
 *   after dlopen/dlclose, and in libkalloc when a pc of an unknown object
 *   turns up). They take the builder lock, never malloc (all memory comes
 *   from address space reserved with mmap), and publish a new snapshot of
 *   the object list with a release store. Nothing published is ever
 *   freed or changed, so a reader needs no lock.
 * - ku_cfi_find() is async-signal-safe and lock-free: it may run in a
 *   signal handler that interrupted ku_cfi_sync() on the same thread. An
 *   address whose object has no table yet is reported as unknown; tables
 *   are never built inside it.
 *
 * Hostile input: an .eh_frame that is truncated, loops or points outside
 * its object makes that object's table stop where the damage starts (or
 * the object is skipped) and is counted in ku_cfi_stats.objects_bad; the
 * parser never reads outside the object's loaded segments.
 *
 * Supported on x86-64 (the only rule set implemented); elsewhere
 * ku_cfi_supported() is 0 and the unwinder uses frame pointers.
 */
#ifndef KU_CFI_H
#define KU_CFI_H

#include <stddef.h>
#include <stdint.h>

/* Where the CFA of a frame is. */
enum ku_cfa_type {
	KU_CFA_NONE = 0,  /* no CFI covers this address: frame-pointer step */
	KU_CFA_SP = 1,	  /* CFA = SP + cfa_off */
	KU_CFA_FP = 2,	  /* CFA = FP + cfa_off */
	KU_CFA_DEREF = 3, /* CFA = *(FP + cfa_off) (stack realignment) */
	KU_CFA_PLT = 4,	  /* CFA = SP + cfa_off + ((pc & 15) >= fp_off ? 8 : 0) */
	KU_CFA_SIGNAL = 5, /* a signal trampoline: registers are in the ucontext at SP */
	KU_CFA_END = 6,	  /* return address undefined: outermost frame */
	KU_CFA_UNSUP = 7, /* CFI the compact form cannot express: frame-pointer step */
};

/* Where the caller's frame pointer is. */
enum ku_fp_rule {
	KU_FP_SAME = 0,	  /* unchanged (or undefined) */
	KU_FP_OFFSET = 1, /* saved at CFA + fp_off */
};

/* One compiled rule. */
struct ku_cfi_rule {
	int32_t cfa_off;
	int16_t fp_off;
	uint8_t cfa_type; /* enum ku_cfa_type */
	uint8_t fp_type;  /* enum ku_fp_rule */
};

/* What the tables hold and cost; filled by ku_cfi_stats_get(). */
struct ku_cfi_stats {
	uint64_t objects;	 /* objects with a table */
	uint64_t objects_nocfi;	 /* executable objects without .eh_frame_hdr */
	uint64_t objects_bad;	 /* objects whose CFI was malformed (table cut or skipped) */
	uint64_t fdes;		 /* FDEs compiled */
	uint64_t rows;		 /* rows in all tables */
	uint64_t rules;		 /* distinct rules in the palette */
	uint64_t unsup_rows;	 /* rows whose CFI the compact form cannot express */
	uint64_t bytes;		 /* memory the tables, palette, cache and snapshots use */
	uint64_t build_ns;	 /* CPU time spent building tables (and syncing) */
	uint64_t syncs;		 /* object-list refreshes */
};

/* 1 when CFI unwinding is implemented for this architecture. */
int ku_cfi_supported(void);

/*
 * Reserve the table memory. Idempotent. Normal context. 0 or -errno.
 */
int ku_cfi_init(void);

/*
 * Bring the object list up to date with the dynamic linker's (new objects
 * get tables, unloaded ones leave the list; a table is kept and reused if
 * the same object comes back). Normal context; takes the builder lock and
 * the dynamic linker's lock (dl_iterate_phdr). 0 or -errno.
 */
int ku_cfi_sync(void);

/*
 * As ku_cfi_sync(), but gives up with -EBUSY instead of waiting when
 * another thread is building (libkalloc calls it from inside malloc).
 */
int ku_cfi_sync_try(void);

/*
 * Sync (as ku_cfi_sync_try) only when the dynamic linker loaded or
 * unloaded something since the last sync: cheap enough to call whenever a
 * walk meets an address of no known object. Returns 1 when it synced, 0
 * when nothing changed, or a negative errno. Normal context.
 */
int ku_cfi_sync_if_changed(void);

/* In a fork child: forget a builder lock held by a thread that is gone. */
void ku_cfi_after_fork_child(void);

/* Number of completed syncs; cheap, lock-free. */
uint64_t ku_cfi_generation(void);

/*
 * Rule for code address pc. Returns 1 with *rule filled when pc lies in
 * a known object (rule->cfa_type may be KU_CFA_NONE where the object has
 * no CFI for pc), 2 when pc lies in other executable memory known from
 * /proc/self/maps (JIT code: *rule is KU_CFA_NONE), 0 when pc is not known
 * code. Async-signal-safe, lock-free.
 */
int ku_cfi_find(uintptr_t pc, struct ku_cfi_rule *rule);

/* The cache probe of ku_cfi_find, expanded in the walk (internal). */
#define KU__CFI_CACHE_BITS 13 /* 8192 words = 64 KiB */
extern uint64_t *ku__cfi_cache __attribute__((visibility("hidden"))); /* pc << 16 | rule, 0 empty */
extern const struct ku_cfi_rule *ku__cfi_rules __attribute__((visibility("hidden"))); /* palette */

static inline __attribute__((always_inline)) int ku_cfi_find_inline(uintptr_t pc, struct ku_cfi_rule *rule)
{
	const uint64_t *c = ku__cfi_cache;

	if (__builtin_expect(c != NULL, 1)) {
		uint64_t v = __atomic_load_n(&c[((uint64_t)pc * 0x9e3779b97f4a7c15ull) >> (64 - KU__CFI_CACHE_BITS)],
					     __ATOMIC_RELAXED);

		if (__builtin_expect(v != 0 && (v >> 16) == (uint64_t)pc, 1)) {
			*rule = ku__cfi_rules[v & 0xffff];
			return 1;
		}
	}
	return ku_cfi_find(pc, rule);
}

/* Fill *st. Any context (plain loads). */
void ku_cfi_stats_get(struct ku_cfi_stats *st);

/*
 * Compile one object's CFI from memory, for tests and the fuzz target:
 * hdr points at its .eh_frame_hdr, the object's readable memory is
 * [mem_lo, mem_hi), its code [text_lo, text_hi). On success the table is
 * registered as an extra object (found by ku_cfi_find) and the number of
 * rows is returned; -EINVAL for CFI too damaged to use, -ENOMEM when the
 * reserved memory is exhausted. Normal context.
 */
long ku_cfi_add_image(const uint8_t *hdr, uintptr_t mem_lo, uintptr_t mem_hi, uintptr_t text_lo,
		      uintptr_t text_hi);

/* Drop every object registered by ku_cfi_add_image (tests, fuzzing). */
void ku_cfi_forget_images(void);

#endif
