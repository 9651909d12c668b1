/* SPDX-License-Identifier: MIT */
/*
 * unwind: capture the return addresses of the calling thread (or of the
 * code a signal interrupted) as raw program counters. Three back ends
 * behind one seam: the CFI walk (unwind-cfi.c, the default "auto": the
 * objects' own .eh_frame compiled into compact tables by cfi.c, exact on
 * code built without frame pointers, with a frame-pointer step where an
 * address has no CFI), a frame-pointer walk (unwind-fp.c, cheap,
 * bounds-checked so a frame without a frame pointer ends the walk instead
 * of faulting) and libunwind (unwind-libunwind.c, exact, several times
 * slower). Addresses are recorded raw; turning them into names is
 * symbolize.h's job, offline or at exit.
 *
 * Conventions: pcs[0] is the innermost (leaf) frame. Every pc after the
 * first is a return address, i.e. it points just after the call; a
 * symbolizer should look up pc - 1 for those. Functions return the number
 * of frames stored (>= 0) or a negative errno.
 */
#ifndef KU_UNWIND_H
#define KU_UNWIND_H

#include <stddef.h>
#include <stdint.h>

#include "cfi.h"

enum ku_unwind_method {
	KU_UNWIND_FP = 0,	 /* frame-pointer chain walk */
	KU_UNWIND_LIBUNWIND = 1, /* libunwind, DWARF CFI */
	KU_UNWIND_AUTO = 2,	 /* compiled CFI tables, frame-pointer fallback */
};

/*
 * Parse "auto", "fp" or "libunwind" (as in KALLOC_UNWIND / KSAMP_UNWIND).
 * Returns 0, or -EINVAL for anything else (*out untouched). "auto" falls
 * back to "fp" on architectures without CFI tables (ku_cfi_supported).
 */
int ku_unwind_parse(const char *name, enum ku_unwind_method *out);

/* "auto", "fp" or "libunwind". */
const char *ku_unwind_name(enum ku_unwind_method m);

/*
 * Highest address (exclusive) of the calling thread's stack, as
 * pthread_getattr_np reports it; 0 when unknown. NOT async-signal-safe
 * and may allocate (glibc reads /proc/self/maps for the main thread):
 * call it once per thread outside signal handlers and cache the result.
 */
uintptr_t ku_unwind_stack_top(void);

/*
 * Bounds [*lo, *hi) of the stack that contains address sp, found in
 * /proc/self/maps with plain open/read/close: no allocation, no locks, so
 * it may be called from inside malloc (pthread_getattr_np may not: glibc
 * holds the thread's descriptor lock while it allocates, and an
 * allocation hook that calls it again from there deadlocks). The mapping
 * must be private anonymous memory or the main thread's [stack]; for the
 * latter *lo is where the stack may grow to (RLIMIT_STACK, capped at
 * 64 MiB and at the mapping below). Returns 0, -ENOENT when sp is in no
 * such mapping (e.g. a stack carved out of the heap or a file mapping),
 * or -errno from open/read. Not async-signal-safe only in that it is slow.
 */
int ku_unwind_stack_bounds(uintptr_t sp, uintptr_t *lo, uintptr_t *hi);

/*
 * Walk the frame-pointer chain starting from the caller of this function.
 * skip: innermost frames to drop (0 keeps the direct caller's return
 * address as pcs[0]). stack_top: value from ku_unwind_stack_top(), or 0
 * for "unknown" (then a frame step larger than 1 MiB ends the walk).
 * Frames must lie strictly above the current stack pointer and below
 * stack_top, so a garbage frame pointer never causes a fault.
 * Async-signal-safe; takes no lock; does not allocate.
 */
int ku_unwind_fp(uintptr_t *pcs, int max, int skip, uintptr_t stack_top);

/*
 * Same walk starting from an interrupted context (signal handler's
 * ucontext_t *): pcs[0] is the interrupted pc. Async-signal-safe.
 * Returns -ENOTSUP on architectures without a known register layout.
 */
int ku_unwind_fp_context(const void *ucontext, uintptr_t *pcs, int max,
			 uintptr_t stack_top);

/* Set libunwind up for our use (per-thread caches): once, before walks. */
void ku_unwind_libunwind_init(void);

/*
 * libunwind walk from the caller of this function (skip as above).
 * Thread-safe; libunwind's local unwinder is async-signal-safe when its
 * caches are warm, but may allocate on first use in a thread.
 */
int ku_unwind_libunwind(uintptr_t *pcs, int max, int skip);

/*
 * libunwind walk from an interrupted context (ucontext_t *, as passed to
 * an SA_SIGINFO handler). pcs[0] is the interrupted pc.
 */
int ku_unwind_libunwind_context(void *ucontext, uintptr_t *pcs, int max);

/* ---- the CFI walk (unwind-cfi.c) ---------------------------------------- */

/* Registers a walk starts from. exact: pc is where execution is (an
 * interrupted instruction), not a return address. */
struct ku_unwind_regs {
	uintptr_t pc, sp, fp;
	int exact;
};

/*
 * Memory a walk may read: up to two stacks (the thread's and a signal
 * stack), each [lo, hi). A range with lo == 0 gets its lower bound from
 * the first stack pointer the walk finds in it (below hi, within 1 GiB).
 * n == 0: bounds unknown; every page is then checked readable with
 * process_vm_readv before it is read (slow, but never faults).
 */
struct ku_unwind_stacks {
	struct {
		uintptr_t lo, hi;
	} r[2];
	int n;
	int stop; /* out: why the walk ended (enum ku_unwind_stop) */
};

enum ku_unwind_stop {
	KU_UNWIND_STOP_END = 0,	    /* outermost frame reached */
	KU_UNWIND_STOP_NOT_CODE,    /* a return address outside all known code */
	KU_UNWIND_STOP_UNREADABLE,  /* memory outside the stack */
	KU_UNWIND_STOP_NO_PROGRESS, /* a frame that did not move up */
	KU_UNWIND_STOP_DEPTH,	    /* max frames stored */
};

/* Why walks ended early or took a detour; process-wide, relaxed atomics. */
struct ku_unwind_counts {
	uint64_t fp_steps;	/* frames crossed by the frame-pointer fallback */
	uint64_t unsup_steps;	/* of which where CFI exists but is not compact */
	uint64_t not_code;	/* walks ended at an address outside all code */
	uint64_t unreadable;	/* walks ended at memory outside the stack */
	uint64_t no_progress;	/* walks ended by a frame that did not move up */
	uint64_t signal_frames;	/* signal frames crossed */
	uint64_t unknown_stack; /* walks with unknown stack bounds */
	uint64_t truncated;	/* walks cut at the depth limit */
};

/*
 * Walk from *r with the compiled CFI tables (ku_cfi_sync must have run).
 * pcs[0] is r->pc. A return address outside all known code ends the walk
 * without being stored; the outermost frame (_start, clone3: return
 * address undefined in their CFI) ends it cleanly. Async-signal-safe, no
 * lock, no allocation; reads only memory in *st. Returns frames stored.
 */
int ku_unwind_cfi(const struct ku_unwind_regs *r, struct ku_unwind_stacks *st, uintptr_t *pcs, int max);

/*
 * A thread's last walk, so that the next one can stop where it meets it
 * (allocation stacks repeat; their outer frames nearly always do). Per
 * thread, zero-initialised, never shared. A frame: its registers and the
 * rule that led to the next one.
 */
#define KU_UNWIND_MEMO_FRAMES 64
struct ku_unwind_memo_frame {
	uintptr_t pc, sp, fp;
	struct ku_cfi_rule rule;
	uint8_t fp_live; /* the walk from here reads fp before restoring it */
};
/* The stack words a step read: the return address, the saved frame
 * pointer (0: none), the realigned CFA (0: none). */
struct ku_unwind_memo_check {
	uintptr_t ra, fp, cfa;
};
struct ku_unwind_memo {
	int n;	  /* frames; 0: nothing to reuse */
	int stop; /* how that walk ended */
	uint64_t hits; /* walks finished from the memo (statistics, tests) */
	struct ku_unwind_memo_frame f[KU_UNWIND_MEMO_FRAMES];
	struct ku_unwind_memo_check chk[KU_UNWIND_MEMO_FRAMES];
	uintptr_t pc[KU_UNWIND_MEMO_FRAMES];
};

/*
 * ku_unwind_cfi with the calling thread's memo: the same frames, found
 * faster when they repeat. Async-signal-safe as long as the memo is not
 * used by a walk this one interrupted (the caller's re-entrancy guard).
 * Pass a memo only for walks that start on the thread's own stack (st
 * with one range): a memo is checked by reading the stack words it
 * recorded, which must still be mapped.
 */
int ku_unwind_cfi_memo(const struct ku_unwind_regs *r, struct ku_unwind_stacks *st, uintptr_t *pcs, int max,
		       struct ku_unwind_memo *memo);

/*
 * Same from an interrupted context (ucontext_t * of an SA_SIGINFO
 * handler). stack_top: the thread's stack end, 0 when unknown; a signal
 * stack in use is found with sigaltstack(2). Async-signal-safe.
 */
int ku_unwind_cfi_context(const void *ucontext, uintptr_t *pcs, int max, uintptr_t stack_top);

/* Snapshot of the counters. */
void ku_unwind_counts_get(struct ku_unwind_counts *c);

/* Dispatch on m; skip/stack_top as above (stack_top ignored by libunwind). */
int ku_unwind(enum ku_unwind_method m, uintptr_t *pcs, int max, int skip,
	      uintptr_t stack_top);

#endif
