/* SPDX-License-Identifier: MIT */
/*
 * kalloc: the allocation entry points of libkalloc.so and the machinery
 * around them: lazy initialisation (with a static bootstrap buffer serving
 * dlsym's own calloc), the per-thread re-entrancy guard and counters in
 * initial-exec TLS, the thread registry, fork handling and the exported
 * kalloc_v1_* functions that <kalloc.h> finds at run time.
 *
 * Hot path (every mode): one TLS load and a predictable branch on the
 * thread's gate, the real allocator call, then per-thread counters. Full
 * mode adds a frame-pointer walk, a lock-free stack-table look-up and one
 * insert into a lock-striped table; sample mode adds only a byte countdown
 * (and, on free, a look-up in a small counting filter).
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
#include "signame.h"
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

kalloc__lock_t kalloc__threads_lock;
struct kalloc__thread *kalloc__threads;
static pthread_key_t kalloc__key;
static int kalloc__key_ok;

/* Counters of threads that have exited, and of allocations made after a
 * thread's exit handlers ran (updated atomically). */
static struct {
	uint64_t allocs, bytes, frees;
} kalloc__retired;
static int64_t kalloc__live;	  /* folded live bytes, atomic */
static uint64_t kalloc__peak;	  /* maximum of kalloc__live seen */
static uint64_t kalloc__phase_peak; /* same, since the current phase began */
static uint64_t kalloc__messages; /* kalloc_messages() sum, atomic */
static uint64_t kalloc__unknown_frees;
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
	char buf[512];
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
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
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

/* ---- configuration ------------------------------------------------------- */

static int kalloc__parse_long(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}


static void kalloc__config_read(void)
{
	struct kalloc__config *c = &kalloc__cfg;
	const char *v;
	long long n;

	c->mode = KALLOC_MODE_FULL;
	ku_unwind_parse("auto", &c->unwind);
	c->depth = 64;
	c->sample_bytes = 524288;
	c->leak_exitcode = -1;
	c->quiet = 0;
	c->signo = 0;
	c->timeline_ms = 10;
	c->keep = 10;
	c->interval_ns = 0;
	snprintf(c->prefix, sizeof(c->prefix), "kalloc.%d", (int)getpid());
	c->suppressions[0] = '\0';

	if ((v = secure_getenv("KALLOC_MODE")) && *v) {
		if (strcmp(v, "full") == 0)
			c->mode = KALLOC_MODE_FULL;
		else if (strcmp(v, "sample") == 0)
			c->mode = KALLOC_MODE_SAMPLE;
		else if (strcmp(v, "count") == 0)
			c->mode = KALLOC_MODE_COUNT;
		else
			kalloc__warn(NULL, "KALLOC_MODE='%.64s' is not full, sample or count; using full", v);
	}
	if ((v = secure_getenv("KALLOC_UNWIND")) && *v && ku_unwind_parse(v, &c->unwind) != 0)
		kalloc__warn(NULL, "KALLOC_UNWIND='%.64s' is not auto, fp or libunwind; using auto", v);
	if ((v = secure_getenv("KALLOC_DEPTH")) && *v) {
		if (kalloc__parse_long(v, 1, KALLOC__MAX_DEPTH, &n) == 0)
			c->depth = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_DEPTH='%.64s' is not a number from 1 to %d; using 64", v,
				     KALLOC__MAX_DEPTH);
	}
	if ((v = secure_getenv("KALLOC_SAMPLE_BYTES")) && *v) {
		if (kalloc__parse_long(v, 1, (long long)1 << 40, &n) == 0)
			c->sample_bytes = n;
		else
			kalloc__warn(NULL, "KALLOC_SAMPLE_BYTES='%.64s' is not a positive number; using 524288", v);
	}
	if ((v = secure_getenv("KALLOC_LEAK_EXITCODE")) && *v) {
		if (kalloc__parse_long(v, 0, 255, &n) == 0)
			c->leak_exitcode = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_LEAK_EXITCODE='%.64s' is not a number from 0 to 255; ignored", v);
	}
	if ((v = secure_getenv("KALLOC_QUIET")) && *v) {
		if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			c->quiet = 1;
		else if (strcmp(v, "verbose") == 0)
			c->quiet = -1;
		else if (!(strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0))
			kalloc__warn(NULL, "KALLOC_QUIET='%.64s' is not 0, 1 or verbose; using 0", v);
	}
	if ((v = secure_getenv("KALLOC_SIGNAL")) && *v) {
		int s = ku_signal_parse(v, NULL, 0);

		if (s > 0)
			c->signo = s;
		else
			kalloc__warn(NULL, "KALLOC_SIGNAL='%.64s' is not a usable signal name (e.g. USR2); no snapshots", v);
	}
	if ((v = secure_getenv("KALLOC_TIMELINE")) && *v) {
		if (kalloc__parse_long(v, 0, 60000, &n) == 0)
			c->timeline_ms = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_TIMELINE='%.64s' is not a period in milliseconds from 0 (off) to 60000;"
				     " using 10", v);
	}
	if ((v = secure_getenv("KALLOC_INTERVAL")) && *v) {
		char *end;
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (errno == 0 && end != v && *end == '\0' && d >= 0.01 && d <= 31536000.0)
			c->interval_ns = (uint64_t)(d * 1e9);
		else
			kalloc__warn(NULL, "KALLOC_INTERVAL='%.64s' is not a number of seconds from 0.01 to 31536000;"
				     " no interval snapshots", v);
	}
	if ((v = secure_getenv("KALLOC_KEEP")) && *v) {
		if (kalloc__parse_long(v, 0, 1000000, &n) == 0)
			c->keep = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_KEEP='%.64s' is not a number from 0 (all) to 1000000; using 10", v);
	}
	if ((v = secure_getenv("KALLOC_OUT")) && *v) {
		const char *owner = secure_getenv("KALLOC_OUT_OWNER");

		if (strlen(v) >= sizeof(c->prefix) - 64) {
			kalloc__warn(NULL, "KALLOC_OUT is too long; using %s", c->prefix);
		} else if (owner && *owner && kalloc__parse_long(owner, 1, 1 << 30, &n) == 0 &&
			   n != (long long)getpid()) {
			/* A program started (exec) by the traced one: its own files. */
			snprintf(c->prefix, sizeof(c->prefix), "%s.%d", v, (int)getpid());
		} else {
			snprintf(c->prefix, sizeof(c->prefix), "%s", v);
			c->claim_out = 1;
		}
	}
	if ((v = secure_getenv("KALLOC_SUPPRESSIONS")) && *v) {
		if (strlen(v) >= sizeof(c->suppressions))
			kalloc__warn(NULL, "KALLOC_SUPPRESSIONS path is too long; ignored");
		else
			snprintf(c->suppressions, sizeof(c->suppressions), "%s", v);
	}
}

/* ---- threads --------------------------------------------------------------- */

static void kalloc__pending_flush(struct kalloc__pending *e)
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

void kalloc__pending_each(void (*fn)(uint32_t id, uint64_t n, uint64_t bytes, void *arg), void *arg)
{
	struct kalloc__thread *t;
	size_t i;

	kalloc__lock(&kalloc__threads_lock);
	for (t = kalloc__threads; t; t = t->next)
		for (i = 0; i < KU_ARRAY_SIZE(t->pending); i++) {
			uint32_t id = __atomic_load_n(&t->pending[i].id, __ATOMIC_RELAXED);
			uint32_t n = __atomic_load_n(&t->pending[i].n, __ATOMIC_RELAXED);
			uint64_t b = __atomic_load_n(&t->pending[i].bytes, __ATOMIC_RELAXED);

			if (id && n && id <= kalloc__stack_count())
				fn(id, n, b, arg);
		}
	kalloc__unlock(&kalloc__threads_lock);
}

static void kalloc__fold(struct kalloc__thread *t)
{
	size_t i;

	for (i = 0; i < KU_ARRAY_SIZE(t->pending); i++)
		kalloc__pending_flush(&t->pending[i]);
	__atomic_fetch_add(&kalloc__retired.allocs, t->allocs, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kalloc__retired.bytes, t->bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kalloc__retired.frees, t->frees, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kalloc__live, t->live_delta, __ATOMIC_RELAXED);
	kalloc__tl_thread_exit(t);
	t->allocs = t->bytes = t->frees = 0;
	t->live_delta = 0;
}

/* pthread key destructor: the thread is exiting. */
static void kalloc__thread_exit(void *arg)
{
	struct kalloc__thread *t = &kalloc__t;

	(void)arg;
	if (t->registered != 1)
		return;
	kalloc__lock(&kalloc__threads_lock);
	kalloc__fold(t);
	if (t->prev)
		t->prev->next = t->next;
	else
		kalloc__threads = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->registered = 2;
	t->gate = 0;
	kalloc__unlock(&kalloc__threads_lock);
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
static int64_t kalloc__sample_interval(struct kalloc__thread *t)
{
	double u = (double)(kalloc__rand(t) >> 11) * 0x1.0p-53;

	if (u <= 0)
		u = 0x1.0p-53;
	return (int64_t)(-log(u) * (double)kalloc__cfg.sample_bytes) + 1;
}

static void kalloc__register(struct kalloc__thread *t)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t lo, hi;

	kalloc__guard_enter();
	/*
	 * Not pthread_getattr_np: this runs inside malloc, possibly called by
	 * pthread_getattr_np itself, which holds the thread's descriptor lock
	 * while it allocates; asking it again would take that lock twice.
	 * A stack kalloc cannot bound (one the program carved out of the heap
	 * or a file mapping) is left at 0: frame walks then stop at the step
	 * limit, and a leak scan from another thread cannot read this stack.
	 */
	t->stack_lo = t->stack_hi = 0;
	if (ku_unwind_stack_bounds(sp, &lo, &hi) == 0) {
		t->stack_lo = lo;
		t->stack_hi = hi;
	}
	t->tp = (uintptr_t)pthread_self();
	t->tid = (pid_t)syscall(SYS_gettid);
	t->rng = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ull ^ ku_now_ns() ^ (uint64_t)t->tid << 32;
	if (!t->rng)
		t->rng = 1;
	t->sample_left = kalloc__sample_interval(t);
	kalloc__lock(&kalloc__threads_lock);
	t->prev = NULL;
	t->next = kalloc__threads;
	if (kalloc__threads)
		kalloc__threads->prev = t;
	kalloc__threads = t;
	t->registered = 1;
	kalloc__unlock(&kalloc__threads_lock);
	if (kalloc__key_ok)
		pthread_setspecific(kalloc__key, t);
	kalloc__guard_leave();
}

void kalloc__totals(struct kalloc__totals *out)
{
	struct kalloc__thread *t;
	int64_t live;

	kalloc__lock(&kalloc__threads_lock);
	out->allocs = __atomic_load_n(&kalloc__retired.allocs, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&kalloc__retired.bytes, __ATOMIC_RELAXED);
	out->frees = __atomic_load_n(&kalloc__retired.frees, __ATOMIC_RELAXED);
	out->temps = kalloc__tl_retired_temps();
	live = __atomic_load_n(&kalloc__live, __ATOMIC_RELAXED);
	for (t = kalloc__threads; t; t = t->next) {
		out->allocs += __atomic_load_n(&t->allocs, __ATOMIC_RELAXED);
		out->temps += __atomic_load_n(&t->temps, __ATOMIC_RELAXED);
		out->bytes += __atomic_load_n(&t->bytes, __ATOMIC_RELAXED);
		out->frees += __atomic_load_n(&t->frees, __ATOMIC_RELAXED);
		live += __atomic_load_n(&t->live_delta, __ATOMIC_RELAXED);
	}
	kalloc__unlock(&kalloc__threads_lock);
	out->live = live < 0 ? 0 : live;
	out->peak = __atomic_load_n(&kalloc__peak, __ATOMIC_RELAXED);
	if ((uint64_t)out->live > out->peak)
		out->peak = (uint64_t)out->live;
	out->messages = __atomic_load_n(&kalloc__messages, __ATOMIC_RELAXED);
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

uint64_t kalloc__phase_peak_swap(uint64_t live)
{
	return __atomic_exchange_n(&kalloc__phase_peak, live, __ATOMIC_RELAXED);
}

uint64_t kalloc__unknown_free_count(void)
{
	return __atomic_load_n(&kalloc__unknown_frees, __ATOMIC_RELAXED);
}

/* ---- fork ----------------------------------------------------------------- */

static void kalloc__atfork_prepare(void)
{
	kalloc__guard_enter();
	kalloc__lock(&kalloc__threads_lock);
	kalloc__stacks_lock();
	kalloc__table_lock_all();
}

static void kalloc__atfork_parent(void)
{
	kalloc__table_unlock_all();
	kalloc__stacks_unlock();
	kalloc__unlock(&kalloc__threads_lock);
	kalloc__guard_leave();
}

static void kalloc__atfork_child(void)
{
	struct kalloc__thread *t = &kalloc__t, *o;
	size_t len = strlen(kalloc__cfg.prefix);

	kalloc__table_reset_locks();
	kalloc__stacks_reset_lock();
	ku_cfi_after_fork_child();
	/* Only this thread exists now: fold the others' counters. */
	for (o = kalloc__threads; o; o = o->next)
		if (o != t)
			kalloc__fold(o);
	kalloc__threads = NULL;
	kalloc__threads_lock.v = 0;
	if (t->registered == 1) {
		t->next = t->prev = NULL;
		kalloc__threads = t;
		t->tid = (pid_t)syscall(SYS_gettid);
	}
	/* The child writes its own files: <prefix>.<childpid>. */
	snprintf(kalloc__cfg.prefix + len, sizeof(kalloc__cfg.prefix) - len, ".%d", (int)getpid());
	kalloc__signal_after_fork();
	kalloc__tl_after_fork();
	kalloc__guard_leave();
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
	if (pthread_key_create(&kalloc__key, kalloc__thread_exit) == 0)
		kalloc__key_ok = 1;
	pthread_atfork(kalloc__atfork_prepare, kalloc__atfork_parent, kalloc__atfork_child);
	if (mode != KALLOC_MODE_OFF)
		kalloc__phase_init();
	kalloc__mode = mode;
	__atomic_store_n(&kalloc__init_state, 2, __ATOMIC_RELEASE);
	kalloc__unlock(&kalloc__init_lock);
	t->guard--;
	if (mode != KALLOC_MODE_OFF && t->guard == 0)
		kalloc__register(t);
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

/* ---- entry points ------------------------------------------------------------ */

KALLOC__EXPORT void *malloc(size_t size)
{
	int track = kalloc__enter();
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, 16);
	p = kalloc__real.malloc(size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void free(void *p)
{
	if (!p)
		return;
	if (KU_UNLIKELY(kalloc__is_boot(p)))
		return;
	if (kalloc__enter() && !kalloc__untrack(p, "free"))
		return;
	kalloc__real.free(p);
}

KALLOC__EXPORT void *calloc(size_t n, size_t size)
{
	int track = kalloc__enter();
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (kalloc__booting())
		return kalloc__boot_alloc(total, 16);
	p = kalloc__real.calloc(n, size);
	if (track && p)
		KALLOC__TRACK(p, total);
	return p;
}

KALLOC__EXPORT void *realloc(void *old, size_t size)
{
	int track;
	void *p;

	if (KU_UNLIKELY(old && kalloc__is_boot(old))) {
		size_t os = kalloc__boot_size(old);

		p = malloc(size);
		if (p)
			memcpy(p, old, os < size ? os : size);
		return p;
	}
	track = kalloc__enter();
	if (kalloc__booting())
		return kalloc__boot_alloc(size, 16);
	if (!track)
		return kalloc__real.realloc(old, size);
	if (old) {
		size_t osize = 0;
		uint32_t oid = 0;
		int known = 1, mode = kalloc__mode;
		int64_t ous = mode == KALLOC_MODE_FULL ? 0 : (int64_t)kalloc__usable(old);

		kalloc__guard_enter(); /* no tracking from signal handlers meanwhile */
		if (mode == KALLOC_MODE_FULL) {
			known = kalloc__table_remove((uintptr_t)old, &osize, &oid);
			if (known)
				kalloc__tl_free(&kalloc__t, (uintptr_t)old, osize, oid);
			ous = (int64_t)osize;
			if (!known) {
				__atomic_fetch_add(&kalloc__unknown_frees, 1, __ATOMIC_RELAXED);
				kalloc__warn(&kalloc__unknown_once,
					     "realloc(%p): pointer not allocated by malloc or already freed; passed on",
					     old);
			}
		} else if (mode == KALLOC_MODE_SAMPLE && kalloc__table_maybe((uintptr_t)old)) {
			known = kalloc__table_remove((uintptr_t)old, &osize, &oid) ? 2 : 1;
		}
		kalloc__guard_leave();
		p = kalloc__real.realloc(old, size);
		if (!p && size) {
			/* Failed: the old block is still live. */
			kalloc__guard_enter();
			if ((known && mode == KALLOC_MODE_FULL) || known == 2)
				kalloc__table_insert((uintptr_t)old, osize, oid);
			if (known && mode == KALLOC_MODE_FULL && oid)
				kalloc__tl_site_alloc(oid, osize);
			kalloc__guard_leave();
			return NULL;
		}
		{
			struct kalloc__thread *t = &kalloc__t;

			if (t->registered == 1) {
				t->frees++;
				t->live_delta -= ous;
			} else {
				__atomic_fetch_add(&kalloc__retired.frees, 1, __ATOMIC_RELAXED);
				__atomic_fetch_sub(&kalloc__live, ous, __ATOMIC_RELAXED);
			}
		}
		if (!p)
			return NULL; /* realloc(p, 0) freed it */
	} else {
		p = kalloc__real.realloc(NULL, size);
		if (!p)
			return NULL;
	}
	KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, total);
}

KALLOC__EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int track = kalloc__enter(), r;

	if (kalloc__booting()) {
		if (align < sizeof(void *) || (align & (align - 1)))
			return EINVAL;
		*out = kalloc__boot_alloc(size, align);
		return *out ? 0 : ENOMEM;
	}
	r = kalloc__real.posix_memalign(out, align, size);
	if (track && r == 0 && *out)
		KALLOC__TRACK(*out, size);
	return r;
}

KALLOC__EXPORT void *aligned_alloc(size_t align, size_t size)
{
	int track = kalloc__enter();
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, align);
	p = kalloc__real.aligned_alloc ? kalloc__real.aligned_alloc(align, size)
				       : kalloc__real.memalign(align, size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *memalign(size_t align, size_t size)
{
	int track = kalloc__enter();
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, align);
	p = kalloc__real.memalign(align, size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *valloc(size_t size)
{
	int track = kalloc__enter();
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, (size_t)pg);
	p = kalloc__real.valloc ? kalloc__real.valloc(size) : kalloc__real.memalign((size_t)pg, size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *pvalloc(size_t size)
{
	int track = kalloc__enter();
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded = size ? (size + pg - 1) & ~(pg - 1) : pg;
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(rounded, pg);
	p = kalloc__real.pvalloc ? kalloc__real.pvalloc(size) : kalloc__real.memalign(pg, rounded);
	if (track && p)
		KALLOC__TRACK(p, rounded);
	return p;
}

KALLOC__EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (kalloc__is_boot(p))
		return kalloc__boot_size(p);
	if (kalloc__booting() || !kalloc__real.malloc_usable_size)
		return 0;
	return kalloc__real.malloc_usable_size(p);
}

/*
 * strdup and strndup are interposed too: glibc's versions are built
 * without frame pointers, so a frame-pointer walk from malloc would skip
 * their caller, which is the allocation site the user wants to see.
 */
KALLOC__EXPORT char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	int track = kalloc__enter();
	char *p;

	if (kalloc__booting())
		p = kalloc__boot_alloc(n, 16);
	else
		p = kalloc__real.malloc(n);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	if (track && !kalloc__booting())
		KALLOC__TRACK(p, n);
	return p;
}

KALLOC__EXPORT char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	int track = kalloc__enter();
	char *p;

	if (kalloc__booting())
		p = kalloc__boot_alloc(n + 1, 16);
	else
		p = kalloc__real.malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	if (track && !kalloc__booting())
		KALLOC__TRACK(p, n + 1);
	return p;
}

/* ---- C++ operators ------------------------------------------------------------
 * Interposed for the same reason as strdup: libstdc++'s operator new has
 * no frame pointer, so the walk would lose the line that called new. On
 * failure the throwing forms defer to the real operator so that the
 * new-handler loop and std::bad_alloc behave exactly as without kalloc.
 */
typedef void *(*kalloc__new_fn)(size_t);
typedef void *(*kalloc__new_al_fn)(size_t, size_t);

static void *kalloc__new_failed(const char *sym, size_t size)
{
	kalloc__new_fn f = (kalloc__new_fn)dlsym(RTLD_NEXT, sym);

	if (!f) {
		kalloc__warn(NULL, "out of memory in operator new(%zu) and no C++ runtime found", size);
		abort();
	}
	return f(size);
}

static void *kalloc__new_al_failed(const char *sym, size_t size, size_t al)
{
	kalloc__new_al_fn f = (kalloc__new_al_fn)dlsym(RTLD_NEXT, sym);

	if (!f) {
		kalloc__warn(NULL, "out of memory in operator new(%zu) and no C++ runtime found", size);
		abort();
	}
	return f(size, al);
}

#define KALLOC__NEW(sym, nothrow)                                                     \
	KALLOC__EXPORT void *sym(size_t size);                                        \
	KALLOC__EXPORT void *sym(size_t size)                                         \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p = kalloc__booting() ? kalloc__boot_alloc(size, 16)            \
					    : kalloc__real.malloc(size ? size : 1);   \
		if (!p)                                                               \
			return nothrow ? NULL : kalloc__new_failed(#sym, size);       \
		if (track && !kalloc__booting())                                      \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}
#define KALLOC__NEW_NT(sym)                                                           \
	KALLOC__EXPORT void *sym(size_t size, const void *nt);                        \
	KALLOC__EXPORT void *sym(size_t size, const void *nt)                         \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p;                                                              \
		(void)nt;                                                             \
		p = kalloc__booting() ? kalloc__boot_alloc(size, 16)                  \
				      : kalloc__real.malloc(size ? size : 1);         \
		if (p && track && !kalloc__booting())                                 \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}
#define KALLOC__NEW_AL(sym, nothrow)                                                  \
	KALLOC__EXPORT void *sym(size_t size, size_t al);                             \
	KALLOC__EXPORT void *sym(size_t size, size_t al)                              \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p = NULL;                                                       \
		if (kalloc__booting())                                                \
			p = kalloc__boot_alloc(size, al);                             \
		else if (kalloc__real.posix_memalign(&p, al < sizeof(void *) ? sizeof(void *) : al, \
						     size ? size : 1) != 0)           \
			p = NULL;                                                     \
		if (!p)                                                               \
			return nothrow ? NULL : kalloc__new_al_failed(#sym, size, al); \
		if (track && !kalloc__booting())                                      \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}
#define KALLOC__NEW_AL_NT(sym)                                                        \
	KALLOC__EXPORT void *sym(size_t size, size_t al, const void *nt);             \
	KALLOC__EXPORT void *sym(size_t size, size_t al, const void *nt)              \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p = NULL;                                                       \
		(void)nt;                                                             \
		if (kalloc__booting())                                                \
			p = kalloc__boot_alloc(size, al);                             \
		else if (kalloc__real.posix_memalign(&p, al < sizeof(void *) ? sizeof(void *) : al, \
						     size ? size : 1) != 0)           \
			p = NULL;                                                     \
		if (p && track && !kalloc__booting())                                 \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}

KALLOC__NEW(_Znwm, 0)
KALLOC__NEW(_Znam, 0)
KALLOC__NEW_NT(_ZnwmRKSt9nothrow_t)
KALLOC__NEW_NT(_ZnamRKSt9nothrow_t)
KALLOC__NEW_AL(_ZnwmSt11align_val_t, 0)
KALLOC__NEW_AL(_ZnamSt11align_val_t, 0)
KALLOC__NEW_AL_NT(_ZnwmSt11align_val_tRKSt9nothrow_t)
KALLOC__NEW_AL_NT(_ZnamSt11align_val_tRKSt9nothrow_t)

#define KALLOC__DELETE(sym, ...)                                                      \
	KALLOC__EXPORT void sym(void *p, ##__VA_ARGS__);                              \
	KALLOC__EXPORT void sym(void *p, ##__VA_ARGS__)                               \
	{                                                                             \
		free(p);                                                              \
	}
KALLOC__DELETE(_ZdlPv)
KALLOC__DELETE(_ZdaPv)
KALLOC__DELETE(_ZdlPvm, size_t s)
KALLOC__DELETE(_ZdaPvm, size_t s)
KALLOC__DELETE(_ZdlPvRKSt9nothrow_t, const void *nt)
KALLOC__DELETE(_ZdaPvRKSt9nothrow_t, const void *nt)
KALLOC__DELETE(_ZdlPvSt11align_val_t, size_t al)
KALLOC__DELETE(_ZdaPvSt11align_val_t, size_t al)
KALLOC__DELETE(_ZdlPvmSt11align_val_t, size_t s, size_t al)
KALLOC__DELETE(_ZdaPvmSt11align_val_t, size_t s, size_t al)
KALLOC__DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, size_t al, const void *nt)
KALLOC__DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, size_t al, const void *nt)

/* ---- per-message API (found by <kalloc.h> with dlsym) ------------------------- */

KALLOC__EXPORT void kalloc_v1_messages(uint64_t n);
KALLOC__EXPORT void kalloc_v1_messages(uint64_t n)
{
	__atomic_fetch_add(&kalloc__messages, n, __ATOMIC_RELAXED);
}

KALLOC__EXPORT void kalloc_v1_phase(const char *name);
KALLOC__EXPORT void kalloc_v1_phase(const char *name)
{
	if (kalloc__mode == KALLOC_MODE_OFF)
		return;
	kalloc__guard_enter();
	kalloc__phase_begin(name ? name : "");
	kalloc__tl_phase(name ? name : "");
	kalloc__guard_leave();
}

/* Running totals: allocations and bytes allocated so far, all threads. */
KALLOC__EXPORT int kalloc_v1_totals(uint64_t *allocs, uint64_t *bytes);
KALLOC__EXPORT int kalloc_v1_totals(uint64_t *allocs, uint64_t *bytes)
{
	struct kalloc__totals t;

	if (kalloc__mode == KALLOC_MODE_OFF)
		return -1;
	kalloc__totals(&t);
	if (allocs)
		*allocs = t.allocs;
	if (bytes)
		*bytes = t.bytes;
	return 0;
}

static unsigned kalloc__snapshots;

/* Write <prefix>.<n>.* now; returns n, or -1 when tracking is off. */
KALLOC__EXPORT int kalloc_v1_snapshot(void);
KALLOC__EXPORT int kalloc_v1_snapshot(void)
{
	char prefix[sizeof(kalloc__cfg.prefix) + 16];
	struct kalloc__roots roots;
	unsigned n;

	KALLOC__SAVE_REGS(&roots);
	/* Called by the program: its frames start above ours. A call from the
	 * snapshot thread (guard set) has no program frames at all. */
	roots.sp = kalloc__t.guard ? 0 : (uintptr_t)__builtin_frame_address(0);
	if (kalloc__mode == KALLOC_MODE_OFF)
		return -1;
	n = __atomic_add_fetch(&kalloc__snapshots, 1, __ATOMIC_RELAXED);
	snprintf(prefix, sizeof(prefix), "%s.%u", kalloc__cfg.prefix, n);
	kalloc__guard_enter();
	kalloc__report(prefix, 0, &roots);
	kalloc__guard_leave();
	return (int)n;
}

/* ---- constructor / destructor ---------------------------------------------------- */

extern char **environ;

/*
 * Programs this one executes inherit KALLOC_OUT; KALLOC_OUT_OWNER=<pid>
 * tells them to write <prefix>.<pid> instead of overwriting our files.
 * setenv() would allocate (the variable string, a search-tree node, a new
 * environ array) with the interposed malloc, and those blocks would show
 * up as the program's. Instead the entry lives in static storage and the
 * new environ array on memory kalloc maps itself. glibc never frees or
 * reallocates an environ array it did not allocate (a later setenv copies
 * it into one of its own) and never frees the strings, so nothing the
 * program does with its environment can reach these blocks.
 */
static void kalloc__claim_out(void)
{
	static const char key[] = "KALLOC_OUT_OWNER=";
	static char entry[sizeof(key) + 24];
	char **env = environ, **nenv;
	size_t n = 0, i, j = 0;

	snprintf(entry, sizeof(entry), "%s%d", key, (int)getpid());
	while (env && env[n])
		n++;
	nenv = kalloc__map((n + 2) * sizeof(*nenv));
	if (!nenv) {
		kalloc__warn(NULL, "cannot map memory for KALLOC_OUT_OWNER; programs it executes share %s",
			     kalloc__cfg.prefix);
		return;
	}
	for (i = 0; i < n; i++)
		if (strncmp(env[i], key, sizeof(key) - 1) != 0)
			nenv[j++] = env[i];
	nenv[j++] = entry;
	nenv[j] = NULL; /* fresh mapping: already zero, said for the reader */
	environ = nenv;
}

__attribute__((constructor)) static void kalloc__ctor(void)
{
	if (__atomic_load_n(&kalloc__init_state, __ATOMIC_ACQUIRE) != 2)
		kalloc__init();
	if (kalloc__mode != KALLOC_MODE_OFF && kalloc__cfg.claim_out)
		kalloc__claim_out();
	if (kalloc__mode != KALLOC_MODE_OFF && kalloc__cfg.signo) {
		kalloc__guard_enter();
		kalloc__signal_setup(kalloc__cfg.signo);
		kalloc__guard_leave();
	}
	if (kalloc__mode != KALLOC_MODE_OFF) {
		kalloc__guard_enter();
		kalloc__tl_start();
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
