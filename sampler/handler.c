/* SPDX-License-Identifier: MIT */
/*
 * handler: the SIGPROF handler of libksamp and the sample table it fills.
 *
 * EVERYTHING IN THIS FILE EXCEPT ksamp__table_init() IS ASYNC-SIGNAL-SAFE.
 * It runs on top of whatever the interrupted thread was doing, so it calls
 * no malloc and takes no lock: it saves errno, unwinds into a buffer on
 * its own stack frame, and stores the stack in a fixed-size hash table
 * mapped at start-up. Inserting is lock-free: an empty entry is claimed
 * with a compare-and-swap, filled, then published (release); a matching
 * published entry only gets its counter incremented. Nothing is ever
 * evicted or overwritten: when the table or its pc arena is full the
 * sample is counted in `lost` and dropped. Readers (writer.c) see only
 * published entries.
 */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>
#include <ucontext.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ksamp-int.h"
#include "ku.h"

struct ksamp__table ksamp__tab;
_Atomic int ksamp__enabled;
_Atomic int ksamp__dead;
/* Process CPU time (ns) when sampling was last turned off, 0 while on;
 * and the total spent off before that. */
static _Atomic uint64_t off_since, off_total;

/* The stack end of this thread for the frame-pointer walk; 0: unknown. */
static __thread uintptr_t ksamp__stack_top_tls __attribute__((tls_model("initial-exec")));
/* This thread's id, cached; 0 until first needed. */
static __thread pid_t ksamp__tid_tls __attribute__((tls_model("initial-exec")));

/* Async-signal-safe. */
void ksamp__set_stack_top(uintptr_t top)
{
	ksamp__stack_top_tls = top;
	ksamp__tid_tls = (pid_t)syscall(SYS_gettid);
}

/* Not async-signal-safe (mmap is, but this is only called at start-up). */
int ksamp__table_init(void)
{
	size_t n = ksamp__cfg.table_entries;
	void *e, *a;

	e = mmap(NULL, n * sizeof(struct ksamp__entry), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (e == MAP_FAILED)
		return -errno;
	a = mmap(NULL, ksamp__cfg.arena_pcs * sizeof(uintptr_t), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a == MAP_FAILED) {
		int rc = -errno;

		munmap(e, n * sizeof(struct ksamp__entry));
		return rc;
	}
	ksamp__tab.entry = e;
	ksamp__tab.mask = n - 1;
	ksamp__tab.arena = a;
	ksamp__tab.arena_cap = ksamp__cfg.arena_pcs;
	return 0;
}

/*
 * Async-signal-safe. Only called in a fork child, where no other thread
 * exists: the pages are handed back and read as zeros again.
 */
void ksamp__table_reset(void)
{
	madvise(ksamp__tab.entry, (ksamp__tab.mask + 1) * sizeof(struct ksamp__entry), MADV_DONTNEED);
	madvise(ksamp__tab.arena, ksamp__tab.arena_cap * sizeof(uintptr_t), MADV_DONTNEED);
	atomic_store(&ksamp__tab.arena_used, 0);
	atomic_store(&ksamp__tab.lost, 0);
	atomic_store(&ksamp__tab.truncated, 0);
	atomic_store(&ksamp__tab.handled, 0);
}

/* Async-signal-safe. */
static uint64_t sample_hash(pid_t tid, const char *name, const uintptr_t *pcs, int n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)tid;

	for (int i = 0; i < KSAMP__NAME_LEN && name[i]; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ull;
	}

	for (int i = 0; i < n; i++) {
		h ^= pcs[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h ? h : 1;
}

/* Async-signal-safe: the buffer and the entry stay on this thread. */
static int same(const struct ksamp__entry *e, uint64_t h, pid_t tid, const char *name, const uintptr_t *pcs,
		int n)
{
	return e->hash == h && e->tid == tid && e->depth == (uint32_t)n && !memcmp(e->name, name, KSAMP__NAME_LEN) &&
	       !memcmp(ksamp__tab.arena + e->pcs_off, pcs, (size_t)n * sizeof(*pcs));
}

/*
 * Async-signal-safe; lock-free. The thread's name is part of the key: it
 * is read at every sample, so a thread that names itself after it started
 * (librdkafka's rdk:* threads do) has each sample under the name it had
 * then.
 */
static void store(pid_t tid, const uintptr_t *pcs, int n, uint64_t weight)
{
	struct ksamp__table *t = &ksamp__tab;
	char name[KSAMP__NAME_LEN];
	uint64_t h;

	memset(name, 0, sizeof(name));
	if (prctl(PR_GET_NAME, (unsigned long)name, 0, 0, 0) != 0)
		name[0] = 0;
	name[KSAMP__NAME_LEN - 1] = 0;
	h = sample_hash(tid, name, pcs, n);
	size_t i = h & t->mask;

	for (int probe = 0; probe < 128; probe++, i = (i + 1) & t->mask) {
		struct ksamp__entry *e = &t->entry[i];
		uint32_t st = atomic_load_explicit(&e->state, memory_order_acquire);

		if (st == KSAMP__EMPTY) {
			size_t off = atomic_fetch_add(&t->arena_used, (size_t)n);
			uint32_t expect = KSAMP__EMPTY;

			if (off + (size_t)n > t->arena_cap)
				break; /* arena full: lost */
			if (!atomic_compare_exchange_strong(&e->state, &expect, KSAMP__WRITING)) {
				/* Someone claimed it first; the arena span stays unused. */
				st = expect;
				if (st != KSAMP__READY || !same(e, h, tid, name, pcs, n))
					continue;
				atomic_fetch_add(&e->count, weight);
				atomic_fetch_add(&e->signals, 1);
				return;
			}
			memcpy(t->arena + off, pcs, (size_t)n * sizeof(*pcs));
			e->hash = h;
			e->tid = tid;
			e->depth = (uint32_t)n;
			e->pcs_off = (uint32_t)off;
			memcpy(e->name, name, KSAMP__NAME_LEN);
			atomic_store_explicit(&e->count, weight, memory_order_relaxed);
			atomic_store_explicit(&e->signals, 1, memory_order_relaxed);
			atomic_store_explicit(&e->state, KSAMP__READY, memory_order_release);
			return;
		}
		if (st == KSAMP__READY && same(e, h, tid, name, pcs, n)) {
			atomic_fetch_add(&e->count, weight);
			atomic_fetch_add(&e->signals, 1);
			return;
		}
		/* WRITING (being filled by another thread) or another stack. */
	}
	atomic_fetch_add(&t->lost, weight);
}

/* Async-signal-safe. */
void ksamp__record(pid_t tid, const uintptr_t *pcs, int n, uint64_t weight)
{
	if (n > 0)
		store(tid, pcs, n, weight);
}

/*
 * Async-signal-safe. The registry slot whose timer sent this signal (its
 * sigev_value), or NULL for a signal from elsewhere.
 */
static struct ksamp__thread *slot_of(const siginfo_t *si)
{
	uintptr_t p, base = (uintptr_t)ksamp__threads;

	if (!si || si->si_code != SI_TIMER)
		return NULL;
	p = (uintptr_t)si->si_value.sival_ptr;
	if (p < base || p >= base + sizeof(ksamp__threads) || (p - base) % sizeof(struct ksamp__thread))
		return NULL;
	return (struct ksamp__thread *)p;
}

/*
 * Async-signal-safe. libunwind walk of the interrupted stack through
 * unw_backtrace(), whose fast path caches a frame description per address
 * in a per-thread table (no lock, no sigprocmask once warm) and steps over
 * the signal frame itself: about ten times cheaper per frame than a
 * unw_step() loop. The walk starts in this handler, so the frames up to
 * and including the signal trampoline are dropped by finding the
 * interrupted pc; when it is not found, unw_step() from the context is
 * used instead. pcs must have room for max + KSAMP__SKIP_MAX entries.
 */
#define KSAMP__SKIP_MAX 16
static int unwind_libunwind(void *uc, uintptr_t *pcs, int max)
{
#if defined(__x86_64__)
	uintptr_t ip = (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	uintptr_t ip = (uintptr_t)((ucontext_t *)uc)->uc_mcontext.pc;
#else
	uintptr_t ip = 0;
#endif
	int n = ip ? unw_backtrace((void **)pcs, max + KSAMP__SKIP_MAX) : 0;

	for (int i = 0; i < n && i < KSAMP__SKIP_MAX; i++)
		if (pcs[i] == ip) {
			n -= i;
			if (n > max)
				n = max;
			memmove(pcs, pcs + i, (size_t)n * sizeof(*pcs));
			return n;
		}
	return ku_unwind_libunwind_context(uc, pcs, max);
}

/*
 * The program's SIGPROF action, double-buffered: a writer (normal
 * context, serialized by prog_lock) fills the slot not in use and then
 * publishes it; the handler reads the published one. prog_kind: 0 the
 * default action (foreign signals are then taken as samples, as before
 * the program said anything), 1 a handler or SIG_IGN.
 */
static struct sigaction prog_act[2];
static _Atomic int prog_cur, prog_kind, prog_lock;

/* Normal context. */
void ksamp__prog_prof_set(const struct sigaction *act)
{
	int next;

	while (atomic_exchange_explicit(&prog_lock, 1, memory_order_acquire))
		;
	next = !atomic_load_explicit(&prog_cur, memory_order_relaxed);
	prog_act[next] = *act;
	atomic_store_explicit(&prog_cur, next, memory_order_release);
	atomic_store_explicit(&prog_kind, act->sa_handler != SIG_DFL, memory_order_release);
	atomic_store_explicit(&prog_lock, 0, memory_order_release);
}

/* Normal context. SIG_DFL until the program sets something. */
void ksamp__prog_prof_get(struct sigaction *act)
{
	if (!atomic_load_explicit(&prog_kind, memory_order_acquire) &&
	    prog_act[atomic_load_explicit(&prog_cur, memory_order_acquire)].sa_handler == SIG_DFL) {
		memset(act, 0, sizeof(*act));
		act->sa_handler = SIG_DFL;
		sigemptyset(&act->sa_mask);
		return;
	}
	*act = prog_act[atomic_load_explicit(&prog_cur, memory_order_acquire)];
}

/*
 * Async-signal-safe. A SIGPROF that is not a sample goes to the program's
 * own handler, when it has one (its sa_mask is not applied: SIGPROF itself
 * is blocked meanwhile, as for any handler without SA_NODEFER). Returns 1
 * when the signal was the program's (handled or ignored).
 */
static int pass_on(int sig, siginfo_t *si, void *uc)
{
	struct sigaction a;

	if (!atomic_load_explicit(&prog_kind, memory_order_acquire))
		return 0;
	a = prog_act[atomic_load_explicit(&prog_cur, memory_order_acquire)];
	if (a.sa_handler == SIG_IGN || a.sa_handler == SIG_DFL)
		return a.sa_handler == SIG_IGN;
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, si, uc);
	else
		a.sa_handler(sig);
	return 1;
}

/* Async-signal-safe. The SA_SIGINFO handler for the sampling signal. */
void ksamp__on_sigprof(int sig, siginfo_t *si, void *uc)
{
	uintptr_t pcs[KSAMP__DEPTH_MAX + KSAMP__SKIP_MAX];
	int saved, n, max = ksamp__cfg.depth;
	uint64_t weight = 1;
	pid_t tid = ksamp__tid_tls;
	uintptr_t top = ksamp__stack_top_tls;
	struct ksamp__thread *th;

	/* Not from one of our timers: the program's, if it wants SIGPROF
	 * (its own profiler, a runtime's), with errno as it was. */
	if (KU_UNLIKELY(!slot_of(si)) && pass_on(sig, si, uc))
		return;
	saved = errno;
	if (!atomic_load_explicit(&ksamp__enabled, memory_order_relaxed) ||
	    atomic_load_explicit(&ksamp__dead, memory_order_relaxed))
		goto out;
	/* Expirations that happened while this signal was pending. */
	if (si && si->si_code == SI_TIMER && si->si_overrun > 0)
		weight += (uint64_t)si->si_overrun;
	/*
	 * Whose sample: the timer's thread. A thread whose TLS is not its own
	 * (clone() without CLONE_SETTLS shares its creator's) or not set up
	 * by us (found in /proc/self/task) has another tid there: use the
	 * slot's tid and stack bound, never the TLS ones.
	 */
	if ((th = slot_of(si))) {
		atomic_fetch_add_explicit(&th->samples, weight, memory_order_relaxed);
		if (th->tid != tid) {
			tid = th->tid;
			top = th->stack_top;
		}
	}
	if (KU_LIKELY(ksamp__cfg.unwind == KU_UNWIND_AUTO))
		n = ku_unwind_cfi_context(uc, pcs, max, top);
	else if (ksamp__cfg.unwind == KU_UNWIND_LIBUNWIND)
		n = unwind_libunwind(uc, pcs, max);
	else
		n = ku_unwind_fp_context(uc, pcs, max, top);
	if (n <= 0) {
		atomic_fetch_add(&ksamp__tab.lost, weight);
		goto out;
	}
	if (n == max)
		atomic_fetch_add_explicit(&ksamp__tab.truncated, 1, memory_order_relaxed);
	if (!tid)
		tid = ksamp__tid_tls = (pid_t)syscall(SYS_gettid);
	store(tid, pcs, n, weight);
	atomic_fetch_add_explicit(&ksamp__tab.handled, 1, memory_order_relaxed);
out:
	errno = saved;
}

/*
 * Async-signal-safe. The timer setting for one thread: the period, and a
 * first expiry drawn uniformly in (0, period]. Without the random phase a
 * thread that lives for less CPU time than one period would never be
 * sampled, and short-lived threads would be missing from profiles; with
 * it, each thread's expected sample count is exactly its time / period.
 */
void ksamp__timer_spec(struct itimerspec *its, int on, uint64_t seed)
{
	uint64_t ns = 1000000000ull / (uint64_t)ksamp__cfg.hz, first;

	memset(its, 0, sizeof(*its));
	if (!on)
		return;
	seed ^= seed >> 33;
	seed *= 0xff51afd7ed558ccdull;
	seed ^= seed >> 33;
	seed *= 0xc4ceb9fe1a85ec53ull;
	seed ^= seed >> 33;
	first = 1 + seed % ns;
	its->it_interval.tv_sec = (time_t)(ns / 1000000000ull);
	its->it_interval.tv_nsec = (long)(ns % 1000000000ull);
	its->it_value.tv_sec = (time_t)(first / 1000000000ull);
	its->it_value.tv_nsec = (long)(first % 1000000000ull);
}

/*
 * Async-signal-safe (timer_settime is on the POSIX list): arm or disarm
 * the timer of every live registered thread. A slot is held in ARMING
 * while its timer is set, so that the registry (threads.c), which waits
 * for LIVE before it deletes a timer, never lets this touch a timer id
 * that was deleted and perhaps reused by the program. Returns how many
 * were set.
 */
int ksamp__arm_all(int on)
{
	struct itimerspec its;
	struct timespec now;
	int k = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int i = 0; i < KSAMP__THREADS_MAX; i++) {
		struct ksamp__thread *t = &ksamp__threads[i];
		int expect = KSAMP__T_LIVE;

		if (atomic_load_explicit(&t->state, memory_order_acquire) != KSAMP__T_LIVE ||
		    !atomic_compare_exchange_strong(&t->state, &expect, KSAMP__T_ARMING))
			continue;
		ksamp__timer_spec(&its, on, (uint64_t)now.tv_nsec * 31 + (uint64_t)i * 0x9e3779b97f4a7c15ull);
		if (timer_settime(t->timer, 0, &its, NULL) == 0)
			k++;
		atomic_store_explicit(&t->state, KSAMP__T_LIVE, memory_order_release);
	}
	return k;
}

/* Async-signal-safe (clock_gettime is). */
static uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 1;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + 1; /* never 0: 0 means "on" */
}

/* Async-signal-safe. */
void ksamp__set_sampling(int on)
{
	if (on) {
		uint64_t since = atomic_exchange(&off_since, 0);

		if (since)
			atomic_fetch_add(&off_total, process_cpu_ns() - since);
	} else {
		uint64_t zero = 0;

		atomic_compare_exchange_strong(&off_since, &zero, process_cpu_ns());
	}
	atomic_store(&ksamp__enabled, on);
	ksamp__arm_all(on);
}

/* Async-signal-safe. Process CPU time spent with sampling off so far. */
uint64_t ksamp__off_ns(void)
{
	uint64_t since = atomic_load(&off_since), total = atomic_load(&off_total);

	return since ? total + (process_cpu_ns() - since) : total;
}

/* Async-signal-safe. KSAMP_SIGNAL: flip sampling on or off. */
void ksamp__on_toggle(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	int on = !atomic_load(&ksamp__enabled);

	(void)sig;
	(void)si;
	(void)uc;
	if (!atomic_load(&ksamp__dead))
		ksamp__set_sampling(on);
	errno = saved;
}
