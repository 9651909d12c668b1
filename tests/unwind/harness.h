/* SPDX-License-Identifier: MIT */
/*
 * harness: compares lib/unwind's CFI walk with libunwind (and, under gdb,
 * with gdb's backtrace) at many points of the corpus programs of
 * tests/unwind/ (see compare.sh). Two modes:
 * - synchronous: uw_point() walks from its caller with
 *   ku_unwind(KU_UNWIND_AUTO) and with ku_unwind_libunwind, the same skip;
 * - asynchronous: between uw_async_begin() and uw_async_end() a per-thread
 *   high-resolution timer sends SIGPROF at random instructions, and the
 *   handler compares ku_unwind_cfi_context with ku_unwind_libunwind_context
 *   on the interrupted context.
 * Every walk of the CFI unwinder must also reach the root of its thread
 * (_start, or clone3 for threads). uw_finish() prints one summary line per
 * mode and every difference (symbolized), for compare.sh to judge:
 *   uw: mode=sync points=N same=N noncode=N root=N
 *   uw: diff mode=... first=I ... (then the two stacks)
 * noncode: walks where libunwind went on past the CFI walk's end with
 * addresses outside all executable mappings (libunwind is wrong there).
 * Environment: UW_SCALE (work multiplier, default 1), UW_GDB=K (every K-th
 * synchronous point calls uw_gdb_mark(), where gdb compares its own
 * backtrace; no asynchronous points), UW_ASYNC_US (mean sampling period,
 * default 200).
 */
#ifndef UW_HARNESS_H
#define UW_HARNESS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Once, at the start of main, before threads. */
void uw_init(void);
/* First thing in every new thread (caches the thread's stack end). */
void uw_thread_start(void);
/* After dlopen/dlclose: bring the unwind tables up to date. */
void uw_dlchanged(void);
/* A synchronous comparison point: walks from the caller. */
void uw_point(void);
/* Sampling of this thread at random instructions, on and off. */
void uw_async_begin(void);
void uw_async_end(void);
/* Has this thread taken want asynchronous points? Always under gdb,
 * where the sampler is off (every signal would stop the program). */
int uw_async_done(int want);
/* Work multiplier from UW_SCALE. */
int uw_scale(void);
/* Summary and differences on stdout; returns main's exit status. */
int uw_finish(void);

#ifdef __cplusplus
}
#endif

#endif
