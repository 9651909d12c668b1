/* SPDX-License-Identifier: MIT */
/*
 * kalloc-internal: what the files of libkalloc.so share. The interposer is
 * split by concern: kalloc.c (entry points, initialisation, threads, fork),
 * table.c (live-block table keyed by pointer), stacks.c (deduplicated
 * allocation stacks), leaks.c (reachability scan), report.c (files written
 * at exit and on snapshots), signal.c (the snapshot signal handler).
 *
 * Memory rule: nothing here allocates with the interposed malloc. Tables
 * live on memory mapped with kalloc__map(); code that must call libc
 * functions that allocate (symbolizer, stdio, pprof builder) runs with the
 * calling thread's guard set, so those allocations go straight to the real
 * allocator and are not tracked.
 */
#ifndef KALLOC_INTERNAL_H
#define KALLOC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unwind.h"

#define KALLOC__MAX_DEPTH 256
#define KALLOC__CACHELINE 64
#define KALLOC__LAST_PCS 32 /* per-thread cached stack, a power of two */
#define KALLOC__HIST 65	    /* size classes: 0, then [2^(k-1), 2^k) for k = 1..64 */

enum kalloc__mode {
	KALLOC_MODE_OFF = 0, /* disabled after an internal fault: pass-through */
	KALLOC_MODE_COUNT,
	KALLOC_MODE_SAMPLE,
	KALLOC_MODE_FULL,
};

/* A tiny spinlock (never held across a call that could re-enter malloc). */
typedef struct {
	int v;
} kalloc__lock_t;
void kalloc__lock_slow(kalloc__lock_t *l);
/* Uncontended case inline: one exchange; waiting is out of line. */
static inline void kalloc__lock(kalloc__lock_t *l)
{
	if (__builtin_expect(__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE) != 0, 0))
		kalloc__lock_slow(l);
}
static inline void kalloc__unlock(kalloc__lock_t *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

/*
 * Per-thread state, in initial-exec TLS. The owner updates its counters
 * with relaxed stores; report code sums them with relaxed loads under the
 * registry lock (figures are read while threads may still run, so they
 * are exact only when the process is quiescent, as at exit).
 */
struct kalloc__thread {
	int gate;       /* 1: fast path allowed (registered, not guarded) */
	int guard;      /* nesting depth of kalloc's own work */
	int registered; /* 1 while linked in the registry, 2 after thread exit */
	int pad_;
	int64_t sample_left; /* bytes until the next sample (sample mode) */
	uint64_t rng;
	uint64_t allocs, bytes, frees;
	int64_t live_delta; /* usable bytes not yet folded into the global */
	uintptr_t stack_lo, stack_hi; /* this thread's stack, from /proc/self/maps; 0 if unknown */
	uintptr_t tp;                 /* pthread_self(): TCB and static TLS */
	pid_t tid;
	/*
	 * Full mode: allocation counts per stack not yet added to the shared
	 * stack entry (a direct-mapped cache by stack id), so that threads
	 * allocating from the same stack do not fight over its cache line.
	 */
	struct kalloc__pending {
		uint32_t id;
		uint32_t n;
		uint64_t bytes;
		int64_t live;	/* requested bytes still live (timeline.c) */
		uint64_t temps; /* temporary allocations (timeline.c) */
	} pending[64];
	/* Full mode: the last block this thread allocated, complemented so
	 * that the leak scan does not take it for a pointer (0 after its free),
	 * for the temporary-allocation test; the live delta past which
	 * kalloc__live_flush runs (the peak's headroom, at most 64 KiB). */
	uintptr_t last_alloc;
	int64_t flush_at;
	uint64_t temps;
	/*
	 * The last stack this thread recorded and its id: a program allocates
	 * from a loop far more often than from a new place, and comparing a
	 * few words here is much cheaper than hashing and probing the shared
	 * stack table. Stacks deeper than the array are never cached.
	 */
	uint32_t last_id;
	int last_n;
	uintptr_t last_pcs[KALLOC__LAST_PCS];
	struct kalloc__thread *next, *prev;
	/* The last CFI walk, reused where the next one meets it. Last in the
	 * struct: the hot fields above stay together. */
	struct ku_unwind_memo memo;
	/* Allocations by size class (timeline.c), full mode. */
	uint64_t hist[KALLOC__HIST];
	uint64_t pending_used; /* bit i: pending[i] was used since its last fold */
};

/* Settings, parsed once from the environment. */
struct kalloc__config {
	enum kalloc__mode mode;
	enum ku_unwind_method unwind;
	int depth;
	int64_t sample_bytes;
	int leak_exitcode; /* -1: leave the exit status alone */
	int quiet;
	int signo;	  /* 0: no snapshot signal */
	int claim_out;	  /* this process owns KALLOC_OUT (sets KALLOC_OUT_OWNER) */
	int descendant;	  /* forked, or executed by a process that owns KALLOC_OUT: no summary line */
	int timeline_ms;  /* KALLOC_TIMELINE: sampling period; 0: no time series */
	int keep;	  /* KALLOC_KEEP: interval snapshots kept */
	uint64_t interval_ns; /* KALLOC_INTERVAL; 0: no interval snapshots */
	char prefix[4096];
	char suppressions[4096];
};

extern struct kalloc__config kalloc__cfg;

/* report.c: the unwinder's line of the verbose summary; the mode's name. */
void kalloc__summary_unwind(void);
/* "full", "sample", "count" or "off": KALLOC_MODE as the files say it. */
const char *kalloc__mode_name(void);
extern volatile int kalloc__mode; /* enum kalloc__mode; OFF disables */

/* Guard: while set, this thread's allocations bypass tracking. */
struct kalloc__thread *kalloc__self(void);
void kalloc__guard_enter(void);
void kalloc__guard_leave(void);

/* One warning line on stderr (at most once per key when once != NULL). */
void kalloc__warn(int *once, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Anonymous private mapping; NULL on failure. */
void *kalloc__map(size_t len);
void kalloc__unmap(void *p, size_t len);

/* Real allocator below us. */
struct kalloc__real {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
};
extern struct kalloc__real kalloc__real;

/* Process-wide counters (kalloc.c, beside the hot path that updates them;
 * threads.c folds exited threads into them and sums them). Atomic. */
struct kalloc__counts {
	uint64_t allocs, bytes, frees;
};
extern struct kalloc__counts kalloc__retired; /* exited threads, and allocations after a thread's exit */
extern int64_t kalloc__live;		      /* folded live bytes */
extern uint64_t kalloc__peak;		      /* maximum of kalloc__live seen */
extern uint64_t kalloc__phase_peak;	      /* same, since the current phase began */
extern uint64_t kalloc__messages;	      /* kalloc_messages() sum */
extern uint64_t kalloc__unknown_frees;	      /* frees of pointers kalloc never saw */
/* A pending per-stack count into the stack table (kalloc.c). */
void kalloc__pending_flush(struct kalloc__pending *e);
/* Bytes until the thread's next sample (kalloc.c). */
int64_t kalloc__sample_interval(struct kalloc__thread *t);

/* config.c: the KALLOC_* variables into kalloc__cfg; KALLOC_OUT_OWNER for
 * the programs this one executes (from the constructor). */
void kalloc__config_read(void);
void kalloc__claim_out(void);

/* Thread registry and fork handling (threads.c). */
extern kalloc__lock_t kalloc__threads_lock;
extern struct kalloc__thread *kalloc__threads;
/* The key whose destructor retires a thread, and the fork handlers. */
void kalloc__threads_init(void);
/* Registers the calling thread t (its first tracked allocation). */
void kalloc__register(struct kalloc__thread *t);
struct kalloc__totals {
	uint64_t allocs, bytes, frees;
	uint64_t temps; /* temporary allocations (full mode) */
	int64_t live;
	uint64_t peak;
	uint64_t messages;
};
/* Sum of all threads' counters plus those of exited threads. */
void kalloc__totals(struct kalloc__totals *t);
/* Calls fn for every pending per-stack count of every live thread
 * (holding the registry lock; exact when the threads are quiescent). */
void kalloc__pending_each(void (*fn)(uint32_t id, uint64_t n, uint64_t bytes, void *arg), void *arg);
/* Peak live bytes since the last call; the new phase starts at live. */
uint64_t kalloc__phase_peak_swap(uint64_t live);
/* free()/realloc() calls on pointers full mode did not know. */
uint64_t kalloc__unknown_free_count(void);

/* ---- table.c: live blocks keyed by address ------------------------- */
int kalloc__table_init(void);
/* Insert; 0 or -ENOMEM (the block is then not tracked). */
int kalloc__table_insert(uintptr_t p, size_t size, uint32_t stack);
/* Remove; returns 1 and fills size/stack when present, else 0. */
int kalloc__table_remove(uintptr_t p, size_t *size, uint32_t *stack);
/* Fibonacci hashing: slots and filter buckets take the product's top bits. */
static inline uint64_t kalloc__hash(uintptr_t p)
{
	return (uint64_t)(p >> 4) * 0x9e3779b97f4a7c15ull;
}
/* Sample mode's counting filter: one byte per bucket of addresses. */
#define KALLOC__FILTER_BITS 14 /* 16 KiB: stays in the L1 cache */
extern uint8_t *kalloc__filter;
/* Quick negative test for sample mode: 0 means "certainly not present".
 * Inline: it is all that free() of an unsampled block costs. */
static inline int kalloc__table_maybe(uintptr_t p)
{
	return __atomic_load_n(&kalloc__filter[kalloc__hash(p) >> (64 - KALLOC__FILTER_BITS)],
			       __ATOMIC_RELAXED) != 0;
}
void kalloc__table_lock_all(void);
void kalloc__table_unlock_all(void);
void kalloc__table_reset_locks(void);
/* Entries while all locks are held: calls fn for each live block. */
size_t kalloc__table_count(void);
void kalloc__table_each(void (*fn)(uintptr_t p, size_t size, uint32_t stack, void *arg), void *arg);
/* Bytes of memory the table maps (for the overhead figure). */
size_t kalloc__table_footprint(void);

/* ---- stacks.c: deduplicated stacks ---------------------------------- */
struct kalloc__stack {
	uint64_t hash;
	uint32_t off; /* index of pcs[0] in the pc arena */
	uint32_t depth;
	uint64_t allocs, bytes;	  /* cumulative (full mode: exact) */
	double est_allocs, est_bytes; /* sample mode: unbiased estimates */
	uint64_t base_allocs, base_bytes; /* at the start of the current phase */
	double base_est_allocs, base_est_bytes;
	/* timeline.c, full mode: temporary allocations and live bytes folded
	 * from the threads' pending caches; the live bytes this stack held at
	 * the global peak numbered peak_stamp (see timeline.c). */
	uint64_t temps;
	int64_t live, peak_live;
	uint64_t peak_stamp;
};
int kalloc__stacks_init(void);
/* Intern pcs[0..n); returns the id (>= 1), or 0 when the table is full. */
uint32_t kalloc__stack_intern(const uintptr_t *pcs, int n);
struct kalloc__stack *kalloc__stack_get(uint32_t id);
const uintptr_t *kalloc__stack_pcs(const struct kalloc__stack *s);
uint32_t kalloc__stack_count(void); /* ids are 1..count */
void kalloc__stacks_lock(void);
void kalloc__stacks_unlock(void);
void kalloc__stacks_reset_lock(void);
size_t kalloc__stacks_footprint(void);

/* ---- leaks.c: reachability ------------------------------------------ */
enum { KALLOC_REACHABLE = 1, KALLOC_INDIRECT = 2, KALLOC_DEFINITE = 3 };
struct kalloc__block {
	uintptr_t p;
	uint64_t size : 40;
	uint64_t kind : 8;
	uint32_t stack;
};
struct kalloc__leakset {
	struct kalloc__block *b; /* sorted by address */
	size_t n;
	size_t maplen;
	uint64_t blocks[4], bytes[4]; /* indexed by kind */
	uint64_t unread_threads;      /* threads whose stack could not be scanned */
};
/*
 * Where the calling thread's own stack roots start: the frame of kalloc's
 * outermost function on this thread (everything deeper is kalloc's own
 * scratch, full of stale pointers), plus the callee-saved registers the
 * program had when it called in. sp == 0: the calling thread is not a
 * program thread (the service thread), scan none of its stack.
 */
struct kalloc__roots {
	uintptr_t sp;
	uintptr_t regs[8];
	int nregs;
};
/* Fill r->regs with the callee-saved registers now (call at entry). */
#if defined(__x86_64__)
#define KALLOC__SAVE_REGS(r)                                                                       \
	do {                                                                                       \
		__asm__ volatile("movq %%rbx, 0(%0)\n\tmovq %%rbp, 8(%0)\n\tmovq %%r12, 16(%0)\n\t"   \
				 "movq %%r13, 24(%0)\n\tmovq %%r14, 32(%0)\n\tmovq %%r15, 40(%0)"     \
				 :                                                                 \
				 : "r"((r)->regs)                                                  \
				 : "memory");                                                      \
		(r)->nregs = 6;                                                                    \
	} while (0)
#else
#define KALLOC__SAVE_REGS(r) ((r)->nregs = 0)
#endif
/* Scan roots and classify every live block. Takes and drops table locks. */
int kalloc__leaks_scan(struct kalloc__leakset *ls, const struct kalloc__roots *roots);
void kalloc__leaks_free(struct kalloc__leakset *ls);

/* ---- report.c -------------------------------------------------------- */
/* 1 once the final files are being written (exit or termination signal). */
int kalloc__final_begun(void);
/* Set after the first "cannot write" warning of any output file. */
extern int kalloc__write_fail_once;
/* Write every output file under prefix (NULL: configured prefix). At exit
 * final = 1 (summary line, exit code). Returns number of definite leaks. */
uint64_t kalloc__report(const char *prefix, int final, const struct kalloc__roots *roots);
/* Start the implicit first phase (at initialisation). */
void kalloc__phase_init(void);
/* Phase bookkeeping (called by kalloc_phase). */
void kalloc__phase_begin(const char *name);

/* ---- signal.c -------------------------------------------------------- */
/* KALLOC_SIGNAL's handler; call after kalloc__tl_start (timeline.c),
 * whose service thread writes the snapshots. */
int kalloc__signal_setup(int signo);

#endif
