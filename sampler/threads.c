/* SPDX-License-Identifier: MIT */
/*
 * threads: which threads libksamp samples, and how each gets its timer.
 *
 * Every thread of the process gets a POSIX timer on its own CPU-time clock
 * (CLOCK_MONOTONIC in wall mode) that sends SIGPROF to that thread only
 * (SIGEV_THREAD_ID). No single hook sees every thread, so three lead here:
 *  - from inside: threads started by the interposed pthread_create and
 *    thrd_create make their own timer before the program's function runs,
 *    unblock SIGPROF (librdkafka starts its threads with every signal
 *    blocked) and, at their end, turn an expiration that was due but not
 *    yet delivered into a sample (ksamp__thread_end);
 *  - from the parent: clone() with CLONE_THREAD, interposed, gives the
 *    new tid its timer as soon as clone returns;
 *  - from outside: a discovery pass lists /proc/self/task and gives every
 *    thread it does not know a timer on that thread's clock, made from
 *    its tid (((~tid) << 3) | 6: CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED) and
 *    aimed at it. This finds threads made before the constructor ran (by
 *    other constructors, by LD_PRELOAD neighbours), by glibc's internal
 *    calls (its timer and aio helper threads), by syscall(SYS_clone3) and
 *    by anything else that bypasses the symbols. Such a thread's signal
 *    mask cannot be changed from outside: one found with SIGPROF blocked
 *    is counted, and the profile says so.
 * The pass runs in the constructor, then on a thread of libksamp's own
 * that is started only once the process has a second thread, so a
 * single-threaded program stays single-threaded (unshare(CLONE_NEWUSER)
 * and setns() refuse multithreaded callers). A thread rather than a
 * signal: a wall-clock signal would cut the program's sleeps and polls
 * short (EINTR), and a CPU-time one never fires while every known thread
 * sleeps and only unknown ones run. The discovery thread has no timer,
 * blocks every signal (so the program's process-directed signals never
 * land on it), is named as a service thread (lib/svcthread.h), whose
 * kind every pass leaves out, holds no lock while it sleeps, scans at most every 20 ms
 * and backs off to every second while nothing changes, stops at exit, and
 * leaves by itself when it is the last thread standing (main called
 * pthread_exit): it never keeps the process alive.
 *
 * Timers of threads that ended without passing through our wrapper are
 * found by the pass (listed no more, and tgkill(0) says ESRCH) and
 * deleted. Writers of the registry hold reg, a mutex taken with
 * every signal blocked, so that no handler on the holding thread can ever
 * wait for it (a SIGINT handler that calls exit, for one); fork takes it
 * too, so a child never inherits a half-done pass or its open directory.
 * The SIGPROF handler and ksamp__arm_all read slots without it (see
 * ksamp-int.h for the slot states).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ksamp-int.h"
#include "ku.h"
#include "svcthread.h"
#include "unwind.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define KSAMP__IDX_CAP (2 * KSAMP__THREADS_MAX) /* tid index, a power of two */
/*
 * Discovery pass interval: 20 ms after a pass that found a change (a new
 * thread, or one that ended), doubling up to 1 s while nothing changes;
 * the first pass waits 20 ms too, by which time the threads that started
 * the discovery thread have given themselves a timer. A pass costs 80 to
 * 150 us of CPU time on a busy 2-core VM, most of it the wake-up itself,
 * so a steady process pays about 0.01% of one CPU for it, and a thread
 * made behind libksamp's back is found within a second at worst.
 */
#define KSAMP__SCAN_MIN_MS 20
#define KSAMP__SCAN_MAX_MS 1000

struct ksamp__thread ksamp__threads[KSAMP__THREADS_MAX];

static pthread_mutex_t reg = PTHREAD_MUTEX_INITIALIZER;
static sigset_t fork_mask; /* the forking thread's mask, under reg */
static uint16_t idx[KSAMP__IDX_CAP]; /* slot + 1 by tid, linear probing */
static uint16_t free_slots[KSAMP__THREADS_MAX];
static int nfree = -1; /* -1: the free list is not built yet */
static int hiwater;     /* slots at or above are free */
static uint32_t gen;
static struct ksamp__acct ksamp__acct;
/* Threads the discovery pass found and saw end before their creator
 * (clone) got to them: counted once, by how they were made. */
static pid_t gone[64];
static unsigned ngone;
/* Threads that passed ksamp__thread_end and are still on their way out
 * (TLS destructors, glibc's exit path): listed in /proc/self/task a little
 * longer, they are not new threads. */
static pid_t ending[64];
static unsigned nending;

static int in(const pid_t *ring, size_t n, pid_t tid)
{
	for (size_t k = 0; k < n; k++)
		if (ring[k] == tid)
			return (int)k;
	return -1;
}

/* The discovery thread: 0 none, 1 running, 2 stopping or stopped, 3 failed. */
static _Atomic int helper_state;
static _Atomic pid_t helper_tid;  /* while it runs its loop */
static _Atomic pid_t helper_was;  /* its tid, even after: passes leave it out */
static pthread_t discovery_thread;
static _Atomic uint32_t helper_wake; /* futex word */

/* The per-thread CPU clock of any thread of this process. */
static clockid_t clock_of(pid_t tid)
{
	return (clockid_t)(((~(unsigned)tid) << 3) | 6u);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ksamp__thread_cpu_ns(pid_t tid)
{
	return clock_ns(clock_of(tid));
}

static void reg_lock(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	pthread_mutex_lock(&reg);
}

static void reg_unlock(const sigset_t *old)
{
	pthread_mutex_unlock(&reg);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- the registry (all under reg) --------------------------------- */

static void reg_reset(void)
{
	memset(idx, 0, sizeof(idx));
	for (int i = 0; i < KSAMP__THREADS_MAX; i++) {
		atomic_store(&ksamp__threads[i].state, KSAMP__T_FREE);
		free_slots[i] = (uint16_t)(KSAMP__THREADS_MAX - 1 - i); /* lowest index on top */
	}
	nfree = KSAMP__THREADS_MAX;
	hiwater = 0;
	memset(&ksamp__acct, 0, sizeof(ksamp__acct));
	memset(gone, 0, sizeof(gone));
	ngone = 0;
	memset(ending, 0, sizeof(ending));
	nending = 0;
}

static size_t home(pid_t tid)
{
	return (size_t)(((uint32_t)tid * 2654435761u) >> 7) & (KSAMP__IDX_CAP - 1);
}

static int find(pid_t tid)
{
	for (size_t i = home(tid);; i = (i + 1) & (KSAMP__IDX_CAP - 1)) {
		int s = idx[i];

		if (!s)
			return -1;
		if (ksamp__threads[s - 1].tid == tid)
			return s - 1;
	}
}

static void idx_put(pid_t tid, int slot)
{
	size_t i = home(tid);

	while (idx[i])
		i = (i + 1) & (KSAMP__IDX_CAP - 1);
	idx[i] = (uint16_t)(slot + 1);
}

/* Remove tid, shifting back the entries that probed past it. */
static void idx_del(pid_t tid)
{
	size_t mask = KSAMP__IDX_CAP - 1, i = home(tid), j;

	while (idx[i] && ksamp__threads[idx[i] - 1].tid != tid)
		i = (i + 1) & mask;
	if (!idx[i])
		return;
	for (j = i;;) {
		size_t k;

		j = (j + 1) & mask;
		if (!idx[j])
			break;
		k = home(ksamp__threads[idx[j] - 1].tid);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		idx[i] = idx[j];
		i = j;
	}
	idx[i] = 0;
}

/* Take a LIVE slot for teardown; waits out ksamp__arm_all. */
static void claim(struct ksamp__thread *t)
{
	for (;;) {
		int expect = KSAMP__T_LIVE;

		if (atomic_compare_exchange_strong(&t->state, &expect, KSAMP__T_BUSY))
			return;
		sched_yield();
	}
}

static void release(struct ksamp__thread *t)
{
	int slot = (int)(t - ksamp__threads);

	idx_del(t->tid);
	atomic_store_explicit(&t->state, KSAMP__T_FREE, memory_order_release);
	free_slots[nfree++] = (uint16_t)slot;
}

static struct ksamp__thread *add_locked(pid_t tid, enum ksamp__how how, uintptr_t top, int self,
					uint64_t cpu_before, int blocked)
{
	struct sigevent sev;
	struct ksamp__thread *t;
	int i = find(tid), slot, k;

	if (self && (k = in(ending, KU_ARRAY_SIZE(ending), tid)) >= 0)
		ending[k] = 0; /* a new thread with an old tid */
	if (i >= 0) {
		/* Known already (the discovery pass got there first): the
		 * thread itself now takes over its end. */
		t = &ksamp__threads[i];
		if (t->how == KSAMP__HOW_SCAN && how != KSAMP__HOW_SCAN) {
			/* Count it by how it was made, not by who saw it first. */
			ksamp__acct.seen[t->how]--;
			ksamp__acct.seen[how]++;
			t->how = (uint8_t)how;
		}
		if (self && !t->hooked) {
			t->hooked = 1;
			t->blocked = 0; /* the thread unblocked SIGPROF itself */
			if (top)
				t->stack_top = top;
		}
		return t;
	}
	if (how != KSAMP__HOW_SCAN && (k = in(gone, KU_ARRAY_SIZE(gone), tid)) >= 0) {
		/* Seen, and gone, already: recount it, no timer. */
		gone[k] = 0;
		ksamp__acct.seen[KSAMP__HOW_SCAN]--;
		ksamp__acct.seen[how]++;
		return NULL;
	}
	ksamp__acct.seen[how]++;
	if (nfree <= 0) {
		ksamp__acct.no_slot++;
		return NULL;
	}
	slot = free_slots[--nfree];
	if (slot + 1 > hiwater)
		hiwater = slot + 1;
	t = &ksamp__threads[slot];
	atomic_store(&t->state, KSAMP__T_BUSY);
	t->tid = tid;
	t->how = (uint8_t)how;
	t->hooked = (uint8_t)self;
	t->blocked = (uint8_t)(blocked == 1);
	t->cpu_last_ns = cpu_before;
	t->stack_top = top;
	t->seen = gen;
	t->cpu_before_ns = cpu_before;
	atomic_store(&t->samples, 0);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev.sigev_value.sival_ptr = t;
	sev.sigev_notify_thread_id = tid;
	if (timer_create(ksamp__cfg.mode == KSAMP__WALL ? CLOCK_MONOTONIC : clock_of(tid), &sev, &t->timer) !=
	    0) {
		/* EINVAL: the tid is gone (a clone child or a listed thread
		 * that ended before we got to it). */
		if (errno == EINVAL && !self) {
			ksamp__acct.ended_early++;
			if (how == KSAMP__HOW_SCAN)
				gone[ngone++ % KU_ARRAY_SIZE(gone)] = tid;
		} else {
			ksamp__acct.timer_failed++;
			ksamp__acct.timer_errno = errno;
		}
		atomic_store(&t->state, KSAMP__T_FREE);
		free_slots[nfree++] = (uint16_t)slot;
		return NULL;
	}
	ksamp__acct.before_ns += cpu_before;
	idx_put(tid, slot);
	atomic_store_explicit(&t->state, KSAMP__T_LIVE, memory_order_release);
	if (atomic_load(&ksamp__enabled) && !atomic_load(&ksamp__dead)) {
		struct itimerspec its;

		ksamp__timer_spec(&its, 1, ku_now_ns() ^ ((uint64_t)tid << 32) ^ (uint64_t)slot);
		timer_settime(t->timer, 0, &its, NULL);
	}
	return t;
}

struct ksamp__thread *ksamp__thread_add(pid_t tid, enum ksamp__how how, uintptr_t stack_top, int self,
					uint64_t cpu_before_ns, int blocked)
{
	struct ksamp__thread *t;
	sigset_t old;

	reg_lock(&old);
	if (nfree < 0)
		reg_reset();
	t = add_locked(tid, how, stack_top, self, cpu_before_ns, blocked);
	reg_unlock(&old);
	return t;
}

/*
 * The calling thread is ending (its wrapper, SIGPROF blocked by the
 * caller; was_blocked: the program had it blocked already). Deletes its
 * timer and returns how many expirations were due and not delivered. The
 * kernel checks CPU timers only at its tick, on the thread that is
 * running then: an expiration that falls due in a thread's last tick is
 * never delivered, which loses about half a tick per thread (20% of the
 * samples of 10 ms threads at 99 Hz). timer_gettime gives 1 ns as the
 * time left of an expiration that is due but not yet taken (timer_settime
 * would move it on silently); one already queued is taken off the queue
 * with its overrun count.
 */
uint64_t ksamp__thread_end(pid_t tid, int was_blocked)
{
	static const struct timespec zero_ts = {0, 0};
	struct itimerspec left;
	struct ksamp__thread *t;
	uint64_t due = 0;
	sigset_t mask, prof;
	siginfo_t si;
	int i;

	reg_lock(&mask);
	i = nfree < 0 ? -1 : find(tid);
	if (i < 0) {
		reg_unlock(&mask);
		return 0;
	}
	t = &ksamp__threads[i];
	claim(t);
	if (ksamp__cfg.mode == KSAMP__CPU && timer_gettime(t->timer, &left) == 0 && left.it_value.tv_sec == 0 &&
	    left.it_value.tv_nsec == 1)
		due = 1;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	/* Before the timer goes (recent kernels drop its queued signal with
	 * it). If the tick fired it between the two calls, it counts once. */
	if (sigtimedwait(&prof, &si, &zero_ts) == SIGPROF && si.si_code == SI_TIMER &&
	    si.si_value.sival_ptr == (void *)t && 1 + (uint64_t)(si.si_overrun > 0 ? si.si_overrun : 0) > due)
		due = 1 + (uint64_t)(si.si_overrun > 0 ? si.si_overrun : 0);
	timer_delete(t->timer);
	if (was_blocked || t->blocked) {
		ksamp__acct.blocked++;
		ksamp__acct.blocked_cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID);
		due = 0; /* held back for as long as it was blocked: not an end effect */
	}
	ksamp__acct.exit_due += due;
	release(t);
	ending[nending++ % KU_ARRAY_SIZE(ending)] = tid;
	reg_unlock(&mask);
	return due;
}

/* ---- what /proc/self/task says ------------------------------------------- */

/* 1 when thread tid has SIGPROF blocked, 0 when not, -1 when unknown. */
static int blocks_sigprof(pid_t tid)
{
	char path[64], buf[4096], *p;
	unsigned long long m;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	if (ku_read_small(path, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\nSigBlk:")))
		return -1;
	m = strtoull(p + 8, NULL, 16);
	return (int)((m >> (SIGPROF - 1)) & 1);
}

/*
 * Top of the stack of thread tid, for the frame-pointer walk of a thread
 * whose TLS we cannot use: its stack pointer from /proc/self/task/<tid>/
 * syscall (given while it is blocked in the kernel, "running" otherwise),
 * then the mapping around it. 0 when unknown.
 */
static uintptr_t stack_top_of(pid_t tid)
{
	char path[64], buf[512], *tok, *save = NULL, *last[2] = {NULL, NULL};
	uintptr_t lo, hi, sp;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	if (ku_read_small(path, buf, sizeof(buf)) <= 0 || !strncmp(buf, "running", 7))
		return 0;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		last[0] = last[1];
		last[1] = tok;
	}
	if (!last[0])
		return 0;
	sp = (uintptr_t)strtoull(last[0], NULL, 16); /* "... sp pc" */
	return sp && ku_unwind_stack_bounds(sp, &lo, &hi) == 0 ? hi : 0;
}

/* 1 when the main thread has ended (zombie), as /proc/self/stat says. */
static int leader_gone(void)
{
	char buf[1024], *p;

	if (ku_read_small("/proc/self/stat", buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')))
		return 0;
	return p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

struct ksamp__pass {
	int changed;	 /* new or ended threads */
	int others;	 /* listed threads other than the discovery thread and main */
	pid_t helper, pid;
	struct ksamp__census *census; /* the last look at write time */
	pid_t self;		      /* census: the calling thread, whose mask is... */
	const sigset_t *self_mask;    /* ...this one (the lock blocks everything) */
	int noadd;		      /* only look: timers for no new thread */
};

static void pass_one(pid_t tid, void *arg)
{
	struct ksamp__pass *p = arg;
	struct ksamp__thread *t;
	int i;

	if (tid == p->helper || tid == atomic_load(&helper_was))
		return;
	i = find(tid);
	/* A service thread of libksamp or libkalloc (lib/svcthread.h) is
	 * none of the program's: no timer, not counted, no CPU time of the
	 * program's; it is looked at by name each pass, never registered. */
	if (i < 0 && ku_svc_is_service(tid)) {
		if (p->census)
			p->census->helper_cpu_ns += ksamp__thread_cpu_ns(tid);
		return;
	}
	if (tid != p->pid)
		p->others++;
	if (i < 0 && in(ending, KU_ARRAY_SIZE(ending), tid) >= 0)
		return;
	if (p->census) {
		struct ksamp__census *c = p->census;

		if (i < 0) {
			c->untimed++;
			c->untimed_cpu_ns += ksamp__thread_cpu_ns(tid);
		} else if (tid == p->self ? sigismember(p->self_mask, SIGPROF) == 1 : blocks_sigprof(tid) == 1) {
			c->live_blocked++;
			c->live_blocked_cpu_ns += ksamp__thread_cpu_ns(tid);
		}
		return;
	}
	if (i >= 0) {
		t = &ksamp__threads[i];
		t->seen = gen;
		if (t->blocked) /* its CPU time, for the count when it ends */
			t->cpu_last_ns = ksamp__thread_cpu_ns(tid);
		return;
	}
	p->changed = 1;
	if (!p->noadd)
		add_locked(tid, KSAMP__HOW_SCAN, stack_top_of(tid), 0, ksamp__thread_cpu_ns(tid),
			  blocks_sigprof(tid));
}

/*
 * One discovery pass (under reg): timers for threads we do not
 * know, and deletion of the timers of threads that are gone. Returns the
 * pass's findings.
 */
static void pass_locked(struct ksamp__pass *p)
{
	if (nfree < 0)
		reg_reset();
	gen++;
	ksamp__acct.scans++;
	if (ku_each_task(pass_one, p) < 0)
		return;
	/* Not listed this time: gone, unless the listing skipped it (it
	 * can, when threads end while it is read), so ask the kernel. */
	for (int i = 0; i < hiwater; i++) {
		struct ksamp__thread *t = &ksamp__threads[i];
		int st = atomic_load(&t->state);

		if ((st != KSAMP__T_LIVE && st != KSAMP__T_ARMING) || t->seen == gen)
			continue;
		if (syscall(SYS_tgkill, p->pid, t->tid, 0) == 0 || errno != ESRCH)
			continue;
		claim(t);
		timer_delete(t->timer);
		if (t->how == KSAMP__HOW_SCAN && !t->hooked)
			gone[ngone++ % KU_ARRAY_SIZE(gone)] = t->tid;
		/* Found blocked and never sampled: blocked to its end. */
		if (t->blocked && !atomic_load(&t->samples)) {
			ksamp__acct.blocked++;
			ksamp__acct.blocked_cpu_ns += t->cpu_last_ns;
		}
		release(t);
		p->changed = 1;
	}
}

void ksamp__discover_now(void)
{
	struct ksamp__pass p = {0, 0, atomic_load(&helper_tid), getpid(), NULL, 0, NULL, 0};
	sigset_t old;

	if (!ksamp__ready || atomic_load(&ksamp__dead))
		return;
	reg_lock(&old);
	pass_locked(&p);
	reg_unlock(&old);
	if (p.others)
		ksamp__discovery_start();
}

/* ---- the discovery thread ------------------------------------------------ */

static void *helper_main(void *unused)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	int ms = KSAMP__SCAN_MIN_MS;

	(void)unused;
	prctl(PR_SET_NAME, (unsigned long)KU_SVC_PREFIX "threads", 0, 0, 0);
	atomic_store(&helper_tid, self);
	atomic_store(&helper_was, self);
	for (;;) {
		struct ksamp__pass p = {0, 0, self, getpid(), NULL, 0, NULL, 0};
		struct timespec ts;
		sigset_t old;

		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		if (atomic_load(&helper_state) == 1)
			syscall(SYS_futex, &helper_wake, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		if (atomic_load(&helper_state) != 1 || atomic_load(&ksamp__dead))
			break;
		atomic_store(&helper_wake, 0);
		reg_lock(&old);
		pass_locked(&p);
		reg_unlock(&old);
		/* Only main is left and it has ended (pthread_exit): go, so
		 * that glibc sees its last thread end and exits. */
		if (!p.others && leader_gone())
			break;
		ms = p.changed ? KSAMP__SCAN_MIN_MS : ms * 2 > KSAMP__SCAN_MAX_MS ? KSAMP__SCAN_MAX_MS : ms * 2;
	}
	{
		sigset_t old;

		reg_lock(&old);
		ksamp__acct.helper_cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID);
		atomic_store(&helper_tid, 0);
		reg_unlock(&old);
	}
	return NULL;
}

/* Start the discovery thread, once (normal context). */
void ksamp__discovery_start(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int expect = 0, rc;

	if (!ksamp__ready || atomic_load(&ksamp__dead) || atomic_load(&helper_state) != 0 ||
	    !ksamp__real_pthread_create ||
	    !atomic_compare_exchange_strong(&helper_state, &expect, 1))
		return;
	/* Born with every signal blocked, so none is ever delivered to it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	rc = ksamp__real_pthread_create(&discovery_thread, &attr, helper_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		atomic_store(&helper_state, 3);
		ksamp__warn("cannot start the thread discovery thread; threads not made by pthread_create, "
			    "thrd_create or clone are sampled only if they existed at start",
			    strerror(rc));
	}
}

/* Stop the discovery thread and wait for it (normal context, at exit). */
void ksamp__discovery_stop(void)
{
	int expect = 1;

	if (!atomic_compare_exchange_strong(&helper_state, &expect, 2))
		return;
	atomic_store(&helper_wake, 1);
	syscall(SYS_futex, &helper_wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	if (!pthread_equal(pthread_self(), discovery_thread))
		pthread_join(discovery_thread, NULL);
}

/*
 * fork: the registry is locked across it (the discovery thread is then
 * between passes, holding no descriptor). The child's only thread starts
 * afresh: no timers (they are not inherited), no discovery thread until
 * it makes a second thread.
 */
void ksamp__threads_atfork(int phase)
{
	sigset_t old;

	if (phase == 0) {
		reg_lock(&old);
		fork_mask = old;
		return;
	}
	if (phase == 2) {
		pthread_mutex_init(&reg, NULL);
		reg_reset();
		atomic_store(&helper_state, 0);
		atomic_store(&helper_tid, 0);
		atomic_store(&helper_was, 0);
		atomic_store(&helper_wake, 0);
		old = fork_mask;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return;
	}
	old = fork_mask;
	reg_unlock(&old);
}

/*
 * The registry's figures for the profile's comments, with a last look at
 * /proc/self/task: live threads without a timer, and live threads that
 * have SIGPROF blocked now, with their CPU time.
 */
void ksamp__threads_census(struct ksamp__census *c)
{
	struct ksamp__pass p = {0, 0, atomic_load(&helper_tid), getpid(), c, (pid_t)syscall(SYS_gettid), NULL, 1};
	sigset_t old;
	pid_t h;

	memset(c, 0, sizeof(*c));
	reg_lock(&old);
	p.self_mask = &old;
	if (nfree >= 0 && ksamp__ready && !atomic_load(&ksamp__dead)) {
		/* A last pass first: threads that ended are counted as such. */
		struct ksamp__pass q = {0, 0, p.helper, p.pid, NULL, 0, NULL, 1};

		pass_locked(&q);
		ku_each_task(pass_one, &p);
	}
	c->a = ksamp__acct;
	h = atomic_load(&helper_tid);
	c->helper_cpu_ns += ksamp__acct.helper_cpu_ns + (h ? ksamp__thread_cpu_ns(h) : 0);
	reg_unlock(&old);
	c->off_ns = ksamp__off_ns();
}
