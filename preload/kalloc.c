/* SPDX-License-Identifier: MIT */
/*
 * kalloc: the allocation path of libkalloc.so: lazy initialisation (with
 * a static bootstrap buffer serving dlsym's own calloc), the per-thread
 * re-entrancy guard and counters in initial-exec TLS, tracking, the
 * constructor and destructor, and, included at the end, the interposed
 * entry points (override.c) so that the hot path is inlined into them.
 * The configuration is in config.c, the thread registry and fork
 * handling in threads.c.
 *
 * Hot path (every mode): one TLS load and a predictable branch on the
 * thread's gate, the real allocator call, then per-thread counters. Full
 * mode adds a stack walk (lib/unwind.h: CFI tables by default, with the
 * thread's memo of its last walk), a lock-free stack-table look-up and
 * one insert into a lock-striped table; sample mode adds only a byte
 * countdown (and, on free, a look-up in a small counting filter).
 *
 * Why one file of this size (~800 lines with override.c included): the
 * hot path has to be inlined into every entry point, so the entry points
 * and what they call share one translation unit, as mimalloc does.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cfi.h"
#include "kalloc-internal.h"
#include "ku.h"
#include "timeline.h"

#define KALLOC__EXPORT __attribute__((visibility("default")))
#define KALLOC__NOINLINE __attribute__((noinline))

/* Frames between the unwinder's caller (kalloc__track) and the program:
 * kalloc__track itself and the entry point. */
#define KALLOC__SKIP 2

/* Live-byte deltas are folded into the global figure past this much. */
#define KALLOC__LIVE_FLUSH (64 * 1024)

struct kalloc__config kalloc__cfg;
volatile int kalloc__mode = KALLOC_MODE_OFF;
struct kalloc__real kalloc__real;

static __thread struct kalloc__thread kalloc__t __attribute__((tls_model("initial-exec")));

/* 0: not started, 1: running, 2: done. */
static int kalloc__init_state;
static __thread int kalloc__in_init __attribute__((tls_model("initial-exec")));
static kalloc__lock_t kalloc__init_lock;

/* The process-wide counters (kalloc-internal.h): defined here, beside the
 * hot path that updates them. */
struct kalloc__counts kalloc__retired;
int64_t kalloc__live;
uint64_t kalloc__peak;
uint64_t kalloc__phase_peak;
uint64_t kalloc__messages;
uint64_t kalloc__unknown_frees;
static int kalloc__unknown_once;

/* ---- small utilities ----------------------------------------------------- */

void kalloc__lock_slow(kalloc__lock_t *l)
{
	unsigned spins = 0;

	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED)) {
			if (++spins > 64) {
				sched_yield();
				spins = 0;
			} else {
				__builtin_ia32_pause();
			}
		}
	}
}

void *kalloc__map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void kalloc__unmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

void kalloc__warn(int *once, const char *fmt, ...)
{
	char buf[2048]; /* room for a path or two */
	va_list ap;
	int n, e = errno;

	if (once && __atomic_exchange_n(once, 1, __ATOMIC_RELAXED))
		return;
	n = snprintf(buf, sizeof(buf), "kalloc: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (ku_stderr_usable() && write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nothing sensible to do */
	}
	errno = e;
}

struct kalloc__thread *kalloc__self(void)
{
	return &kalloc__t;
}

void kalloc__guard_enter(void)
{
	struct kalloc__thread *t = &kalloc__t;

	t->guard++;
	t->gate = 0;
}

void kalloc__guard_leave(void)
{
	struct kalloc__thread *t = &kalloc__t;

	if (--t->guard == 0)
		t->gate = t->registered == 1;
}

/* ---- bootstrap buffer: dlsym's calloc before the real allocator is known */

#define KALLOC__BOOT_SIZE (128 * 1024)
static char kalloc__boot[KALLOC__BOOT_SIZE] __attribute__((aligned(64)));
static size_t kalloc__boot_used;

static int kalloc__is_boot(const void *p)
{
	return (const char *)p >= kalloc__boot && (const char *)p < kalloc__boot + KALLOC__BOOT_SIZE;
}

static void *kalloc__boot_alloc(size_t size, size_t align)
{
	size_t off, start;

	if (align < 16)
		align = 16;
	for (;;) {
		size_t old = __atomic_load_n(&kalloc__boot_used, __ATOMIC_RELAXED);

		start = (old + 16 + align - 1) & ~(align - 1);
		off = start + ((size + 15) & ~(size_t)15);
		if (off > KALLOC__BOOT_SIZE || size > KALLOC__BOOT_SIZE)
			return NULL;
		if (__atomic_compare_exchange_n(&kalloc__boot_used, &old, off, 0, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			break;
	}
	memcpy(kalloc__boot + start - sizeof(size_t), &size, sizeof(size_t));
	return kalloc__boot + start; /* static storage: already zeroed */
}

static size_t kalloc__boot_size(const void *p)
{
	size_t s;

	memcpy(&s, (const char *)p - sizeof(size_t), sizeof(size_t));
	return s;
}

/* ---- initialisation ------------------------------------------------------ */

static void *kalloc__sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void kalloc__usable_probe(void);

static void kalloc__init(void)
{
	struct kalloc__thread *t = &kalloc__t;
	int mode;

	if (__atomic_load_n(&kalloc__init_state, __ATOMIC_ACQUIRE) == 2)
		return;
	kalloc__lock(&kalloc__init_lock);
	if (kalloc__init_state == 2) {
		kalloc__unlock(&kalloc__init_lock);
		return;
	}
	kalloc__init_state = 1;
	kalloc__in_init = 1;
	t->guard++;
	t->gate = 0;

	kalloc__real.malloc = kalloc__sym("malloc");
	kalloc__real.free = kalloc__sym("free");
	kalloc__real.calloc = kalloc__sym("calloc");
	kalloc__real.realloc = kalloc__sym("realloc");
	kalloc__real.posix_memalign = kalloc__sym("posix_memalign");
	kalloc__real.aligned_alloc = kalloc__sym("aligned_alloc");
	kalloc__real.memalign = kalloc__sym("memalign");
	kalloc__real.valloc = kalloc__sym("valloc");
	kalloc__real.pvalloc = kalloc__sym("pvalloc");
	kalloc__real.malloc_usable_size = kalloc__sym("malloc_usable_size");
	kalloc__in_init = 0;

	ku_stderr_remember();
	kalloc__config_read();
	mode = kalloc__cfg.mode;
	if (!kalloc__real.malloc || !kalloc__real.free || !kalloc__real.calloc || !kalloc__real.realloc) {
		kalloc__warn(NULL, "cannot find the allocator below libkalloc.so; aborting");
		abort();
	}
	if (!kalloc__real.malloc_usable_size)
		kalloc__warn(NULL, "the allocator below has no malloc_usable_size; live bytes are not counted");
	else if (mode != KALLOC_MODE_FULL)
		kalloc__usable_probe();
	if (kalloc__table_init() != 0 || kalloc__stacks_init() != 0) {
		kalloc__warn(NULL, "cannot map memory for tracking tables; tracking disabled");
		mode = KALLOC_MODE_OFF;
	}
	if (mode == KALLOC_MODE_FULL || mode == KALLOC_MODE_SAMPLE) {
		int rc = 0;

		/* Unwind tables of every object loaded so far, on kalloc's own
		 * memory; later objects are added when a walk meets them. */
		if (kalloc__cfg.unwind == KU_UNWIND_AUTO && (rc = ku_cfi_sync()) < 0) {
			kalloc__warn(NULL, "cannot build the unwind tables (%s); using frame pointers",
				     ku_strerror(rc));
			kalloc__cfg.unwind = KU_UNWIND_FP;
		}
		if (kalloc__cfg.unwind == KU_UNWIND_LIBUNWIND)
			ku_unwind_libunwind_init();
	}
	kalloc__threads_init();
	if (mode != KALLOC_MODE_OFF)
		kalloc__phase_init();
	kalloc__mode = mode;
	__atomic_store_n(&kalloc__init_state, 2, __ATOMIC_RELEASE);
	kalloc__unlock(&kalloc__init_lock);
	t->guard--;
	if (mode != KALLOC_MODE_OFF && t->guard == 0)
		kalloc__register(t);
}

/* ---- sampling and the live-byte peak (hot path helpers) ------------------- */

/* A pending per-stack count into its stack (the thread moves to another
 * stack in that slot, or folds). */
void kalloc__pending_flush(struct kalloc__pending *e)
{
	if (e->id && e->n) {
		struct kalloc__stack *s = kalloc__stack_get(e->id);

		__atomic_fetch_add(&s->allocs, e->n, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->bytes, e->bytes, __ATOMIC_RELAXED);
	}
	kalloc__tl_fold(e);
	e->id = e->n = 0;
	e->bytes = 0;
}

static uint64_t kalloc__rand(struct kalloc__thread *t)
{
	uint64_t x = t->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return t->rng = x;
}

/* Bytes until the next sample: exponential with mean KALLOC_SAMPLE_BYTES,
 * which makes sampling a Poisson process over allocated bytes. */
int64_t kalloc__sample_interval(struct kalloc__thread *t)
{
	double u = (double)(kalloc__rand(t) >> 11) * 0x1.0p-53;

	if (u <= 0)
		u = 0x1.0p-53;
	return (int64_t)(-log(u) * (double)kalloc__cfg.sample_bytes) + 1;
}

/* Fold this thread's live delta into the global and raise the peak. */
static KALLOC__NOINLINE void kalloc__live_flush(struct kalloc__thread *t)
{
	int64_t now = __atomic_add_fetch(&kalloc__live, t->live_delta, __ATOMIC_RELAXED);
	uint64_t peak = __atomic_load_n(&kalloc__peak, __ATOMIC_RELAXED);
	int raised = 0;

	t->live_delta = 0;
	while (now > 0 && (uint64_t)now > peak &&
	       !(raised = __atomic_compare_exchange_n(&kalloc__peak, &peak, (uint64_t)now, 1, __ATOMIC_RELAXED,
						      __ATOMIC_RELAXED)))
		;
	if (raised) {
		/* No tracking from a signal handler while the peak is taken. */
		t->guard++;
		t->gate = 0;
		kalloc__tl_peak(t, now);
		if (--t->guard == 0)
			t->gate = t->registered == 1;
		peak = (uint64_t)now;
	}
	/* The next flush comes when this thread alone could pass the peak. */
	t->flush_at = kalloc__tl_flush_at(now, peak, KALLOC__LIVE_FLUSH);
	peak = __atomic_load_n(&kalloc__phase_peak, __ATOMIC_RELAXED);
	while (now > 0 && (uint64_t)now > peak &&
	       !__atomic_compare_exchange_n(&kalloc__phase_peak, &peak, (uint64_t)now, 1, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

/* ---- tracking --------------------------------------------------------------- */

/*
 * Count and sample modes need the usable size of every block at malloc
 * and at free. Over glibc's allocator it is the size word of the chunk
 * header below the block (flags in the low 3 bits, IS_MMAPPED = 2) minus
 * the header: read inline, that saves two calls per malloc/free pair,
 * about a third of count mode's cost. Enabled only when the allocator
 * below is libc's own and the inline reading agrees with its
 * malloc_usable_size on a range of sizes (kalloc__usable_probe);
 * otherwise, and for every other allocator, the call is made.
 */
static int kalloc__glibc_chunks;

static inline size_t kalloc__glibc_usable(const void *p)
{
	size_t h = ((const size_t *)p)[-1];

	return (h & ~(size_t)7) - ((h & 2) ? 2 * sizeof(size_t) : sizeof(size_t));
}

static inline size_t kalloc__usable(void *p)
{
	if (KU_LIKELY(kalloc__glibc_chunks))
		return kalloc__glibc_usable(p);
	return kalloc__real.malloc_usable_size ? kalloc__real.malloc_usable_size(p) : 0;
}

/* Runs once in kalloc__init, with the guard set. */
static void kalloc__usable_probe(void)
{
	static const size_t sizes[] = { 1, 24, 25, 100, 1000, 4096, 70000, 300000, 2000000 };
	Dl_info info;

	if (!kalloc__real.malloc_usable_size || !dladdr((void *)kalloc__real.malloc, &info) || !info.dli_fname ||
	    !strstr(info.dli_fname, "/libc.so.6"))
		return;
	for (size_t i = 0; i < KU_ARRAY_SIZE(sizes); i++) {
		void *p = kalloc__real.malloc(sizes[i]);
		int same;

		if (!p)
			return;
		same = kalloc__glibc_usable(p) == kalloc__real.malloc_usable_size(p);
		kalloc__real.free(p);
		if (!same)
			return;
	}
	kalloc__glibc_chunks = 1;
}

/* Stack ranges for a walk that starts on a signal stack (a handler that
 * allocates, with SA_ONSTACK): the signal stack, then the thread's. */
static KALLOC__NOINLINE void kalloc__altstack(struct ku_unwind_stacks *st, uintptr_t here, uintptr_t top)
{
	stack_t ss;

	st->n = 0;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK) && here >= (uintptr_t)ss.ss_sp &&
	    here < (uintptr_t)ss.ss_sp + ss.ss_size) {
		st->r[0].lo = here;
		st->r[0].hi = (uintptr_t)ss.ss_sp + ss.ss_size;
		st->n = 1;
		if (top) {
			st->r[1].lo = 0;
			st->r[1].hi = top;
			st->n = 2;
		}
	}
}

/*
 * The frame-pointer walk of lib/unwind-fp.c, expanded in the function that
 * records the stack (kalloc__track, kalloc__sample_hit): no call, no
 * dispatch on the method, a known skip count. That function's own frame is
 * the first link; its return address points into the entry point, so the
 * program's frames start one link up. Same checks as ku_unwind_fp: a frame
 * must be aligned, above the previous one and below the stack top (or,
 * with no known top, at most 1 MiB above it).
 */
static inline __attribute__((always_inline)) int kalloc__walk(uintptr_t *pcs, int max, uintptr_t top,
								 const uintptr_t *last, uintptr_t *diff)
{
	/* Our own frame is certainly valid: step over it without checks. */
	uintptr_t floor = (uintptr_t)__builtin_frame_address(0);
	uintptr_t fp = ((const uintptr_t *)floor)[0], lim, ret, d = 0;
	int n = 0;

	/* d: whether the stack differs from the thread's cached one (see
	 * kalloc__stack_id; the index wraps, which only matters for stacks
	 * deeper than the cache, and those never match anyway). */
	if (KU_LIKELY(top)) {
		if (top <= floor || top - floor < 4 * sizeof(uintptr_t)) {
			*diff = 1;
			return 0; /* not on the thread's stack (signal stack) */
		}
		lim = top - 2 * sizeof(uintptr_t);
		while (n < max && fp > floor && fp <= lim && (fp & (sizeof(uintptr_t) - 1)) == 0) {
			ret = ((const uintptr_t *)fp)[1];
			if (ret < 4096)
				break;
			d |= ret ^ last[n & (KALLOC__LAST_PCS - 1)];
			pcs[n++] = ret;
			floor = fp;
			fp = ((const uintptr_t *)fp)[0];
		}
		*diff = d;
		return n;
	}
	while (n < max && fp > floor && fp - floor <= ((uintptr_t)1 << 20) &&
	       (fp & (sizeof(uintptr_t) - 1)) == 0) {
		ret = ((const uintptr_t *)fp)[1];
		if (ret < 4096)
			break;
		d |= ret ^ last[n & (KALLOC__LAST_PCS - 1)];
		pcs[n++] = ret;
		floor = fp;
		fp = ((const uintptr_t *)fp)[0];
	}
	*diff = d;
	return n;
}

/*
 * The CFI walk from the program's frame. Expanded in the function that
 * records the stack, like kalloc__walk: that function's frame links to
 * the entry point's, whose saved frame pointer and return address are the
 * program's registers at the call (kalloc is built with frame pointers,
 * the program need not be). A walk that meets code of an object loaded
 * since the last table sync (dlopen, a library's constructor allocating)
 * syncs and walks again.
 */
static inline __attribute__((always_inline)) int kalloc__walk_cfi(struct kalloc__thread *t, uintptr_t *pcs,
								     int max)
{
	const uintptr_t *f0 = __builtin_frame_address(0);
	const uintptr_t *f1 = (const uintptr_t *)f0[0];
	struct ku_unwind_regs r;
	struct ku_unwind_stacks st;
	uintptr_t here = (uintptr_t)f0;
	int n;

	r.pc = f1[1];
	r.sp = (uintptr_t)f1 + 2 * sizeof(uintptr_t);
	r.fp = f1[0];
	r.exact = 0;
	st.n = 0;
	if (KU_LIKELY(here >= t->stack_lo && here < t->stack_hi)) {
		st.r[0].lo = here;
		st.r[0].hi = t->stack_hi;
		st.n = 1;
	} else {
		kalloc__altstack(&st, here, t->stack_hi);
	}
	n = ku_unwind_cfi_memo(&r, &st, pcs, max, st.n == 1 ? &t->memo : NULL);
	if (KU_UNLIKELY(st.stop == KU_UNWIND_STOP_NOT_CODE) && ku_cfi_sync_if_changed() == 1) {
		if (st.n)
			st.r[0].lo = here;
		n = ku_unwind_cfi_memo(&r, &st, pcs, max, st.n == 1 ? &t->memo : NULL);
	}
	return n;
}

/*
 * Stack of the allocation being recorded, and its id: the thread's
 * one-entry cache when the walk saw exactly the cached stack, else the
 * shared stack table. The caller must be called straight from the entry
 * point (the walk skips exactly one frame, that caller's).
 */
static inline __attribute__((always_inline)) uint32_t kalloc__stack_here(struct kalloc__thread *t,
									  uintptr_t *pcs)
{
	uintptr_t diff = 1;
	uint32_t id;
	int n, i;

	if (KU_LIKELY(kalloc__cfg.unwind == KU_UNWIND_AUTO)) {
		n = kalloc__walk_cfi(t, pcs, kalloc__cfg.depth);
		if (n <= KALLOC__LAST_PCS)
			for (i = 0, diff = 0; i < n; i++)
				diff |= pcs[i] ^ t->last_pcs[i];
	} else if (KU_LIKELY(kalloc__cfg.unwind == KU_UNWIND_FP)) {
		n = kalloc__walk(pcs, kalloc__cfg.depth, t->stack_hi, t->last_pcs, &diff);
	} else {
		n = ku_unwind(kalloc__cfg.unwind, pcs, kalloc__cfg.depth, KALLOC__SKIP, t->stack_hi);
		if (n < 0)
			n = 0;
		if (n <= KALLOC__LAST_PCS)
			for (i = 0, diff = 0; i < n; i++)
				diff |= pcs[i] ^ t->last_pcs[i];
	}
	if (!diff && n == t->last_n && t->last_id)
		return t->last_id;
	id = kalloc__stack_intern(pcs, n);
	if (id && n <= KALLOC__LAST_PCS) {
		memcpy(t->last_pcs, pcs, (size_t)n * sizeof(*pcs));
		t->last_n = n;
		t->last_id = id;
	}
	return id;
}

static KALLOC__NOINLINE void kalloc__sample_hit(struct kalloc__thread *t, void *p, size_t size)
{
	uintptr_t pcs[KALLOC__MAX_DEPTH];
	uint32_t id;

	t->guard++; /* see kalloc__track */
	t->gate = 0;
	t->sample_left = kalloc__sample_interval(t);
	/* Called straight from the entry point, like kalloc__track. */
	id = kalloc__stack_here(t, pcs);
	if (id) {
		struct kalloc__stack *s = kalloc__stack_get(id);
		double prob = -expm1(-(double)size / (double)kalloc__cfg.sample_bytes);
		double w = prob > 0 ? 1.0 / prob : 1.0;

		kalloc__stacks_lock();
		s->allocs++;
		s->bytes += size;
		s->est_allocs += w;
		s->est_bytes += w * (double)size;
		kalloc__stacks_unlock();
	}
	kalloc__table_insert((uintptr_t)p, size, id);
	if (--t->guard == 0)
		t->gate = t->registered == 1;
}

/*
 * Count one allocation of size bytes (live: what it adds to the live
 * bytes) in the thread's counters, or in the shared ones for a thread not
 * (or no longer) registered. Expanded in its callers: the hot path.
 */
static inline __attribute__((always_inline)) void kalloc__count_alloc(struct kalloc__thread *t, size_t size,
								   int64_t live)
{
	if (KU_LIKELY(t->registered == 1)) {
		/* Separate scalar stores: a vectorised read-modify-write of the
		 * pair stalls on store forwarding from the previous call. */
		__atomic_store_n(&t->allocs, t->allocs + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&t->bytes, t->bytes + size, __ATOMIC_RELAXED);
		t->live_delta += live;
		if (KU_UNLIKELY(t->live_delta > t->flush_at))
			kalloc__live_flush(t);
	} else {
		__atomic_fetch_add(&kalloc__retired.allocs, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&kalloc__retired.bytes, size, __ATOMIC_RELAXED);
		__atomic_fetch_add(&kalloc__live, live, __ATOMIC_RELAXED);
	}
}

/*
 * Account one allocation of size bytes at p. Called directly from every
 * entry point (never through another kalloc function), so that the
 * program's frame is always KALLOC__SKIP frames up.
 */
static KALLOC__NOINLINE void kalloc__track(void *p, size_t size)
{
	struct kalloc__thread *t = &kalloc__t;
	int mode = kalloc__mode;

	/* Live bytes: requested sizes in full mode (the table knows them at
	 * free), usable sizes otherwise (the allocator tells them at free). */
	int64_t live = mode == KALLOC_MODE_FULL ? (int64_t)size : (int64_t)kalloc__usable(p);

	if (mode == KALLOC_MODE_FULL) {
		uintptr_t pcs[KALLOC__MAX_DEPTH];

		/* A signal handler that allocates while this thread holds a
		 * table lock must not track (it would wait for itself). */
		t->guard++;
		t->gate = 0;
		uint32_t id = kalloc__stack_here(t, pcs);

		if (id && t->registered == 1) {
			struct kalloc__pending *e = &t->pending[id & (KU_ARRAY_SIZE(t->pending) - 1)];

			if (KU_UNLIKELY(e->id != id)) {
				kalloc__pending_flush(e);
				e->id = id;
				t->pending_used |= 1ull << (id & (KU_ARRAY_SIZE(t->pending) - 1));
			}
			/* Relaxed stores: report code may read these concurrently. */
			__atomic_store_n(&e->n, e->n + 1, __ATOMIC_RELAXED);
			__atomic_store_n(&e->bytes, e->bytes + size, __ATOMIC_RELAXED);
			kalloc__tl_alloc(t, e, (uintptr_t)p, size);
		} else if (id) {
			struct kalloc__stack *s = kalloc__stack_get(id);

			__atomic_fetch_add(&s->allocs, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&s->bytes, size, __ATOMIC_RELAXED);
			kalloc__tl_site_alloc(id, size);
		}
		kalloc__table_insert((uintptr_t)p, size, id);
		if (--t->guard == 0)
			t->gate = t->registered == 1;
	}
	/* After the site's share: a new peak found here includes this block. */
	kalloc__count_alloc(t, size, live);
	__asm__ volatile("" ::: "memory");
}

/*
 * Count and sample modes: counters (and the sampling countdown) inline in
 * the entry point; a sampled allocation calls kalloc__sample_hit, which,
 * like kalloc__track, sits exactly one frame below the entry point.
 */
static inline __attribute__((always_inline)) void kalloc__light(void *p, size_t size, int mode)
{
	struct kalloc__thread *t = &kalloc__t;
	int64_t live = (int64_t)kalloc__usable(p);

	kalloc__count_alloc(t, size, live);
	if (mode == KALLOC_MODE_SAMPLE) {
		t->sample_left -= (int64_t)size;
		if (KU_UNLIKELY(t->sample_left <= 0))
			kalloc__sample_hit(t, p, size);
	}
}

/* Account an allocation; must be expanded in the entry point itself. */
#define KALLOC__TRACK(p, size)                                                          \
	do {                                                                            \
		int kalloc__m = kalloc__mode;                                           \
		if (kalloc__m == KALLOC_MODE_FULL)                                      \
			kalloc__track((p), (size));                                     \
		else if (kalloc__m != KALLOC_MODE_OFF)                                  \
			kalloc__light((p), (size), kalloc__m);                          \
	} while (0)

/*
 * Account a free of p. Returns 0 when p must not be passed to the real
 * free (a pointer full mode does not know: double free or foreign).
 */
static inline __attribute__((always_inline)) int kalloc__untrack(void *p, const char *what)
{
	struct kalloc__thread *t = &kalloc__t;
	int mode = kalloc__mode;
	size_t size;
	uint32_t id;
	int64_t us;

	if (mode == KALLOC_MODE_FULL) {
		int known;

		t->guard++; /* see kalloc__track */
		t->gate = 0;
		known = kalloc__table_remove((uintptr_t)p, &size, &id);
		if (known)
			kalloc__tl_free(t, (uintptr_t)p, size, id);
		if (--t->guard == 0)
			t->gate = t->registered == 1;
		if (!known) {
			__atomic_fetch_add(&kalloc__unknown_frees, 1, __ATOMIC_RELAXED);
			kalloc__warn(&kalloc__unknown_once,
				     "%s(%p): pointer not allocated by malloc or already freed (double free?); ignored"
				     " (further ones are counted, not shown)",
				     what, p);
			return 0;
		}
		us = (int64_t)size;
	} else {
		if (mode == KALLOC_MODE_SAMPLE && kalloc__table_maybe((uintptr_t)p)) {
			t->guard++;
			t->gate = 0;
			kalloc__table_remove((uintptr_t)p, &size, &id);
			if (--t->guard == 0)
				t->gate = t->registered == 1;
		}
		us = (int64_t)kalloc__usable(p);
	}
	if (KU_LIKELY(t->registered == 1)) {
		t->frees++;
		t->live_delta -= us;
		if (KU_UNLIKELY(t->live_delta < -KALLOC__LIVE_FLUSH))
			kalloc__live_flush(t);
	} else {
		__atomic_fetch_add(&kalloc__retired.frees, 1, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&kalloc__live, us, __ATOMIC_RELAXED);
	}
	return 1;
}

/*
 * Slow-path gate: returns 1 when the caller should track, 0 when it must
 * go straight to the real allocator (guard set, disabled). Initialises the
 * library and registers the thread on first use.
 */
static KALLOC__NOINLINE int kalloc__enter_slow(struct kalloc__thread *t)
{
	if (t->guard || kalloc__in_init)
		return 0;
	if (__atomic_load_n(&kalloc__init_state, __ATOMIC_ACQUIRE) != 2)
		kalloc__init();
	if (kalloc__mode == KALLOC_MODE_OFF)
		return 0;
	if (t->registered == 0)
		kalloc__register(t);
	return t->guard == 0;
}

static inline int kalloc__enter(void)
{
	struct kalloc__thread *t = &kalloc__t;

	if (KU_LIKELY(t->gate))
		return 1;
	return kalloc__enter_slow(t);
}

/* The real allocator is unknown only while dlsym runs inside kalloc__init. */
static inline int kalloc__booting(void)
{
	return KU_UNLIKELY(kalloc__real.malloc == NULL);
}

/* ---- constructor / destructor ---------------------------------------------------- */

__attribute__((constructor)) static void kalloc__ctor(void)
{
	if (__atomic_load_n(&kalloc__init_state, __ATOMIC_ACQUIRE) != 2)
		kalloc__init();
	if (kalloc__mode != KALLOC_MODE_OFF && kalloc__cfg.claim_out)
		kalloc__claim_out();
	if (kalloc__mode != KALLOC_MODE_OFF) {
		kalloc__guard_enter();
		kalloc__tl_start();
		if (kalloc__cfg.signo)
			kalloc__signal_setup(kalloc__cfg.signo); /* on the timeline's thread */
		kalloc__guard_leave();
	}
}

static int kalloc__done;

int kalloc__final_begun(void)
{
	return __atomic_load_n(&kalloc__done, __ATOMIC_RELAXED);
}

/*
 * The final files, written by the timeline thread when SIGTERM, SIGINT or
 * SIGHUP stops the process (timeline.c): as at exit, except that the
 * thread has no program frames (its stack is not a root) and the exit
 * status is the signal's, whatever KALLOC_LEAK_EXITCODE says.
 */
void kalloc__final_report(void)
{
	struct kalloc__roots roots;

	memset(&roots, 0, sizeof(roots));
	if (kalloc__mode == KALLOC_MODE_OFF || __atomic_exchange_n(&kalloc__done, 1, __ATOMIC_RELAXED))
		return;
	kalloc__report(NULL, 1, &roots);
	kalloc__mode = KALLOC_MODE_OFF;
}

__attribute__((destructor)) static void kalloc__dtor(void)
{
	struct kalloc__roots roots;
	uint64_t definite;

	KALLOC__SAVE_REGS(&roots);
	roots.sp = (uintptr_t)__builtin_frame_address(0);
	if (kalloc__mode == KALLOC_MODE_OFF || __atomic_exchange_n(&kalloc__done, 1, __ATOMIC_RELAXED))
		return;
	kalloc__guard_enter();
	definite = kalloc__report(NULL, 1, &roots);
	/* Later destructors and exit handlers (some registered by libraries
	 * the symbolizer loaded just now) free memory kalloc did not track:
	 * from here on everything passes straight through. */
	kalloc__mode = KALLOC_MODE_OFF;
	kalloc__guard_leave();
	if (definite && kalloc__cfg.leak_exitcode >= 0) {
		fflush(NULL);
		_exit(kalloc__cfg.leak_exitcode);
	}
}

/* The interposed entry points: in this unit, so that the hot path above
 * is inlined into them (as mimalloc includes alloc-override.c). */
#include "override.c"
