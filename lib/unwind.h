/* SPDX-License-Identifier: MIT */
/*
 * unwind: capture the return addresses of the calling thread (or of the
 * code a signal interrupted) as raw program counters. Two back ends behind
 * one seam: a frame-pointer walk (unwind-fp.c, cheap, bounds-checked so a
 * frame without a frame pointer ends the walk instead of faulting) and
 * libunwind (unwind-libunwind.c, exact through code built without frame
 * pointers, about ten times slower). Addresses are recorded raw; turning
 * them into names is symbolize.h's job, offline or at exit.
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

enum ku_unwind_method {
	KU_UNWIND_FP = 0,	 /* frame-pointer chain walk */
	KU_UNWIND_LIBUNWIND = 1, /* libunwind, DWARF CFI */
};

/*
 * Parse "fp" or "libunwind" (as in KALLOC_UNWIND / KSAMP_UNWIND).
 * Returns 0, or -EINVAL for anything else (*out untouched).
 */
int ku_unwind_parse(const char *name, enum ku_unwind_method *out);

/* "fp" or "libunwind". */
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

/* Dispatch on m; skip/stack_top as above (stack_top ignored by libunwind). */
int ku_unwind(enum ku_unwind_method m, uintptr_t *pcs, int max, int skip,
	      uintptr_t stack_top);

#endif
