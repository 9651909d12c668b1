/* SPDX-License-Identifier: MIT */
/*
 * harness: see harness.h. The comparison itself runs where the point is
 * (in a signal handler for the asynchronous mode): both walks, a compare,
 * counters and a copy of the stacks into preallocated slots, no lock, no
 * allocation. Names are looked up at the end, on the main thread, with
 * lib/symbolize (libdw; libc's static functions such as clone3 from its
 * separate debug file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "procmaps.h"
#include "symbolize.h"
#include "unwind.h"

#define UW_MAX 1024	 /* frames per walk */
#define UW_KEEP 128	 /* frames kept of a walk that differs */
#define UW_DIFFS 1024	 /* differences kept */
#define UW_ROOTS 8192	 /* distinct outermost frames counted */

enum { UW_SYNC, UW_ASYNC, UW_MODES };
static const char *const uw_mode_name[UW_MODES] = {"sync", "async"};

struct uw_count {
	uint64_t points, same, root_unknown;
};

struct uw_diff {
	int mode, na, nb;
	uintptr_t a[UW_KEEP], b[UW_KEEP];
};

struct uw_root {
	uintptr_t addr; /* look-up address of the outermost frame (0: free) */
	uint64_t n[UW_MODES];
};

static struct uw_count uw_counts[UW_MODES];
static struct uw_diff uw_diffs[UW_DIFFS];
static unsigned uw_ndiffs;
static struct uw_root uw_roots[UW_ROOTS];
static __thread uintptr_t uw_top;
static __thread timer_t uw_timer;
static __thread int uw_timer_on;
static __thread unsigned uw_seed;
static __thread int uw_async_n;
static int uw_scale_v = 1;
static long uw_async_ns = 200000;

/* gdb's side: every uw_gdb_every-th point stores the CFI walk here and
 * calls uw_gdb_mark(), where gdb-compare.py compares its backtrace from
 * frame uw_gdb_skip on. */
uintptr_t uw_gdb_pcs[UW_MAX];
int uw_gdb_n, uw_gdb_skip;
static int uw_gdb_every;
static unsigned long uw_gdb_tick;
static pthread_mutex_t uw_gdb_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void uw_gdb_mark(void);
__attribute__((noinline)) void uw_gdb_mark(void)
{
	__asm__ volatile("" ::: "memory");
}

int uw_scale(void)
{
	return uw_scale_v;
}

static void uw_root_add(int mode, uintptr_t addr)
{
	size_t h = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 40) % UW_ROOTS;

	for (size_t i = 0; i < UW_ROOTS; i++, h = (h + 1) % UW_ROOTS) {
		uintptr_t v = __atomic_load_n(&uw_roots[h].addr, __ATOMIC_ACQUIRE), z = 0;

		if (v == 0 && __atomic_compare_exchange_n(&uw_roots[h].addr, &z, addr, 0, __ATOMIC_ACQ_REL,
							  __ATOMIC_ACQUIRE))
			v = addr;
		else if (v == 0)
			v = z;
		if (v == addr) {
			__atomic_fetch_add(&uw_roots[h].n[mode], 1, __ATOMIC_RELAXED);
			return;
		}
	}
	__atomic_fetch_add(&uw_counts[mode].root_unknown, 1, __ATOMIC_RELAXED);
}

/* Compare walk a (CFI) with walk b (libunwind). first_exact: a[0] is an
 * interrupted pc, not a return address. Async-signal-safe. */
static void uw_record(int mode, const uintptr_t *a, int na, const uintptr_t *b, int nb, int first_exact)
{
	int same = na == nb && na > 0 && !memcmp(a, b, (size_t)na * sizeof(*a));

	__atomic_fetch_add(&uw_counts[mode].points, 1, __ATOMIC_RELAXED);
	if (same)
		__atomic_fetch_add(&uw_counts[mode].same, 1, __ATOMIC_RELAXED);
	if (na > 0)
		uw_root_add(mode, a[na - 1] - (na == 1 && first_exact ? 0 : 1));
	else
		__atomic_fetch_add(&uw_counts[mode].root_unknown, 1, __ATOMIC_RELAXED);
	if (!same) {
		unsigned i = __atomic_fetch_add(&uw_ndiffs, 1, __ATOMIC_RELAXED);

		if (i < UW_DIFFS) {
			struct uw_diff *d = &uw_diffs[i];

			d->mode = mode;
			d->na = na;
			d->nb = nb;
			memcpy(d->a, a, (size_t)(na < 0 ? 0 : na < UW_KEEP ? na : UW_KEEP) * sizeof(*a));
			memcpy(d->b, b, (size_t)(nb < 0 ? 0 : nb < UW_KEEP ? nb : UW_KEEP) * sizeof(*b));
		}
	}
}

/* Hand a walk to gdb (every uw_gdb_every-th call). Inlined, so that
 * gdb's frames are uw_gdb_mark's and its caller's. */
static inline __attribute__((always_inline)) void uw_gdb(const uintptr_t *a, int na, int skip)
{
	if (!uw_gdb_every || __atomic_add_fetch(&uw_gdb_tick, 1, __ATOMIC_RELAXED) % (unsigned long)uw_gdb_every)
		return;
	/* gdb stops one thread at a time, but the globals are shared. A
	 * handler may interrupt a holder on its own thread: then skip. */
	if (pthread_mutex_trylock(&uw_gdb_lock) != 0)
		return;
	memcpy(uw_gdb_pcs, a, (size_t)na * sizeof(*a));
	uw_gdb_n = na;
	uw_gdb_skip = skip;
	uw_gdb_mark();
	pthread_mutex_unlock(&uw_gdb_lock);
}

__attribute__((noinline)) void uw_point(void)
{
	uintptr_t a[UW_MAX], b[UW_MAX];
	/* skip 1 in both: the first frame is the return address into this
	 * function, which differs between the two call sites. */
	int na = ku_unwind(KU_UNWIND_AUTO, a, UW_MAX, 1, uw_top);
	int nb = ku_unwind_libunwind(b, UW_MAX, 1);

	uw_record(UW_SYNC, a, na, b, nb, 0);
	if (na > 0)
		uw_gdb(a, na, 2); /* gdb: #0 uw_gdb_mark, #1 uw_point */
	__asm__ volatile("" ::: "memory");
}

static void uw_arm(void)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	/* One shot, re-armed with a random delay, so points do not lock
	 * into step with a loop. */
	its.it_value.tv_nsec = uw_async_ns / 2 + (long)(rand_r(&uw_seed) % (unsigned)uw_async_ns);
	timer_settime(uw_timer, 0, &its, NULL);
}

static void uw_on_prof(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a[UW_MAX], b[UW_MAX];
	int e = errno, na, nb;

	(void)sig;
	(void)si;
	if (!uw_timer_on)
		return;
	na = ku_unwind_cfi_context(uc, a, UW_MAX, uw_top);
	nb = ku_unwind_libunwind_context(uc, b, UW_MAX);
	uw_record(UW_ASYNC, a, na, b, nb, 1);
	uw_async_n++;
	uw_arm();
	errno = e;
}

void uw_async_begin(void)
{
	struct sigevent sev;

	if (uw_gdb_every)
		return;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev._sigev_un._tid = gettid(); /* sigev_notify_thread_id */
	if (timer_create(CLOCK_MONOTONIC, &sev, &uw_timer) != 0) {
		perror("uw: timer_create");
		exit(3);
	}
	uw_seed = (unsigned)gettid();
	uw_timer_on = 1;
	uw_arm();
}

void uw_async_end(void)
{
	if (!uw_timer_on)
		return;
	uw_timer_on = 0;
	timer_delete(uw_timer);
}

int uw_async_done(int want)
{
	return uw_gdb_every || uw_async_n >= want;
}

void uw_thread_start(void)
{
	uw_top = ku_unwind_stack_top();
}

void uw_dlchanged(void)
{
	int rc = ku_cfi_sync();

	if (rc < 0) {
		fprintf(stderr, "uw: ku_cfi_sync: %d\n", rc);
		exit(3);
	}
}

void uw_init(void)
{
	struct sigaction sa;
	const char *s;
	int rc;

	if ((s = getenv("UW_SCALE")) && atoi(s) > 0)
		uw_scale_v = atoi(s);
	if ((s = getenv("UW_GDB")) && atoi(s) > 0)
		uw_gdb_every = atoi(s);
	if ((s = getenv("UW_ASYNC_US")) && atoi(s) > 0)
		uw_async_ns = 1000L * atoi(s);
	ku_unwind_libunwind_init();
	if ((rc = ku_cfi_init()) < 0 || (rc = ku_cfi_sync()) < 0) {
		fprintf(stderr, "uw: cannot build the unwind tables: %d\n", rc);
		exit(3);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = uw_on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPROF, &sa, NULL);
	uw_thread_start();
}

/* ---- the report (normal context) --------------------------------------- */

static struct ku_maps uw_maps;
static struct ku_sym *uw_sym;

/* Function containing the look-up address addr ("" when unknown). */
static const char *uw_fn(uintptr_t addr, uint64_t *off, const char **obj)
{
	const struct ku_map *m = ku_procmaps_find(&uw_maps, addr);
	struct ku_sym_frame f[16];
	size_t n = 0;

	*off = 0;
	*obj = m && m->path[0] ? (strrchr(m->path, '/') ? strrchr(m->path, '/') + 1 : m->path) : "?";
	if (!m || !m->path[0] || m->path[0] == '[' ||
	    ku_sym_lookup_addr(uw_sym, m->path, NULL, addr, m->start, m->offset, f, 16, &n) < 0 || n == 0 ||
	    !f[n - 1].function)
		return "";
	*off = f[n - 1].sym_offset;
	return f[n - 1].function;
}

static void uw_print_frame(const char *tag, int i, uintptr_t pc, int exact)
{
	uint64_t off;
	const char *obj, *fn = uw_fn(pc - (exact ? 0 : 1), &off, &obj);

	printf("uw:   %s #%-3d 0x%012lx %s+0x%lx (%s)\n", tag, i, (unsigned long)pc, *fn ? fn : "??",
	       (unsigned long)off + (exact ? 0 : 1), obj);
}

static int uw_is_root(const char *fn)
{
	return !strcmp(fn, "_start") || !strcmp(fn, "clone3") || !strcmp(fn, "__clone3") ||
	       !strcmp(fn, "clone") || !strcmp(fn, "__clone");
}

int uw_finish(void)
{
	uint64_t root[UW_MODES] = {0, 0}, noncode[UW_MODES] = {0, 0};
	unsigned nd = __atomic_load_n(&uw_ndiffs, __ATOMIC_RELAXED), shown = 0;

	if (ku_procmaps_read(0, 0, &uw_maps) < 0 || ku_sym_new(&uw_sym, KU_SYM_NO_INLINE | KU_SYM_NO_LINES) < 0) {
		fprintf(stderr, "uw: cannot symbolize\n");
		return 3;
	}
	for (size_t i = 0; i < UW_ROOTS; i++) {
		uint64_t off;
		const char *obj, *fn;

		if (!uw_roots[i].addr)
			continue;
		fn = uw_fn(uw_roots[i].addr, &off, &obj);
		for (int m = 0; m < UW_MODES; m++) {
			if (uw_is_root(fn))
				root[m] += uw_roots[i].n[m];
			else if (uw_roots[i].n[m])
				printf("uw: not-root mode=%s n=%lu at %s+0x%lx (%s)\n", uw_mode_name[m],
				       (unsigned long)uw_roots[i].n[m], *fn ? fn : "??", (unsigned long)off, obj);
		}
	}
	for (unsigned i = 0; i < nd && i < UW_DIFFS; i++) {
		const struct uw_diff *d = &uw_diffs[i];
		int first = 0, exact = d->mode == UW_ASYNC, code = 0;

		while (first < d->na && first < d->nb && d->a[first] == d->b[first])
			first++;
		/* The CFI walk stopped where libunwind went on with addresses
		 * outside all code: by the contract (a walk never emits a
		 * frame that is not code) the CFI walk is the right one. */
		if (first == d->na && d->nb <= UW_KEEP) {
			for (int k = first; k < d->nb; k++) {
				const struct ku_map *mp = ku_procmaps_find(&uw_maps, d->b[k]);

				code += mp && (mp->prot & KU_MAP_X);
			}
			if (!code) {
				noncode[d->mode]++;
				printf("uw: noncode %u mode=%s: libunwind went on with %d frames outside all code\n", i,
				       uw_mode_name[d->mode], d->nb - first);
			}
		}
		printf("uw: diff %u mode=%s cfi=%d libunwind=%d first=%d\n", i, uw_mode_name[d->mode], d->na, d->nb,
		       first);
		/* The first five in full, the others from one frame before the
		 * first difference, a few frames long. */
		shown++;
		for (int k = shown <= 5 ? 0 : first ? first - 1 : 0, e = shown <= 5 ? UW_KEEP : k + 4; k < e; k++) {
			if (k < d->na && k < UW_KEEP)
				uw_print_frame(k < first ? "both     " : "cfi      ", k, d->a[k], exact && k == 0);
			if (k >= first && k < d->nb && k < UW_KEEP)
				uw_print_frame("libunwind", k, d->b[k], exact && k == 0);
			if (k >= d->na && k >= d->nb)
				break;
		}
	}
	for (int m = 0; m < UW_MODES; m++)
		printf("uw: mode=%s points=%lu same=%lu noncode=%lu root=%lu\n", uw_mode_name[m],
		       (unsigned long)uw_counts[m].points, (unsigned long)uw_counts[m].same, (unsigned long)noncode[m],
		       (unsigned long)root[m]);
	printf("uw: differences=%u (kept %u)\n", nd, nd < UW_DIFFS ? nd : UW_DIFFS);
	ku_sym_free(uw_sym);
	ku_procmaps_free(&uw_maps);
	fflush(stdout);
	return 0;
}
