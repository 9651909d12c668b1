/* SPDX-License-Identifier: MIT */
/*
 * workload: programs with a known truth for the libksamp tests. Each
 * scenario burns CPU (or sleeps) in functions with distinct names for
 * known amounts of thread CPU time, so a profile's attribution can be
 * checked against what really happened. Prints "key value" lines that the
 * test driver (ksamp-e2e.c) reads. Built with plain -O2 -g (workload) and
 * with frame pointers (workload-fp).
 *
 * Why one file of this size: one program, so that every scenario of
 * ksamp-e2e runs the same binary (and its -fp twin) with known truths.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "ksamp.h"

static volatile uint64_t sink;

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Burn sec seconds of this thread's CPU time (or of wall time). */
__attribute__((noinline)) static void burn(double sec, int wall)
{
	clockid_t c = wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID;
	double end = clock_s(c) + sec;
	uint64_t x = sink;

	do {
		for (int i = 0; i < 20000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		sink = x;
	} while (clock_s(c) < end);
	__asm__ volatile("" ::: "memory");
}

/* The named functions a profile must attribute time to. */
#define NAMED(fn)                                                  \
	__attribute__((noinline)) void fn(double sec, int wall);   \
	__attribute__((noinline)) void fn(double sec, int wall)    \
	{                                                          \
		burn(sec, wall);                                   \
		__asm__ volatile("" ::: "memory");                 \
	}
NAMED(func_three)
NAMED(func_one)
NAMED(worker_a)
NAMED(worker_b)
NAMED(worker_c)
NAMED(worker_d)
NAMED(busy_part)
NAMED(short_worker)
NAMED(forked_child_work)
NAMED(exec_child_work)
NAMED(parent_work)
NAMED(own_handler_work)
NAMED(before_start)
NAMED(between_start_stop)
NAMED(after_stop)
NAMED(toggle_on_1)
NAMED(toggle_off)
NAMED(toggle_on_2)
NAMED(deep_leaf)
NAMED(blocked_worker)
NAMED(m_main)
NAMED(m_pthread)
NAMED(m_c11)
NAMED(m_clone)
NAMED(m_raw)
NAMED(m_blocked)
NAMED(tiny_worker)
NAMED(ten_ms_worker)

__attribute__((noinline)) void nap_part(double sec);
__attribute__((noinline)) void nap_part(double sec)
{
	struct timespec ts = {(time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9)};

	/* Interrupted by wall-mode signals: carry on with what remains. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void print_cpu(void)
{
	printf("cpu_ns %.0f\n", clock_s(CLOCK_PROCESS_CPUTIME_ID) * 1e9);
}

/* 3:1 on one thread, in chunks long compared to the sampling period. */
/*
 * 3:1 on one thread. 5 s of CPU: when the machine is busy, the kernel
 * checks CPU timers only at ticks where the thread is running, so one
 * sample may carry several periods (overruns) and the effective sample
 * count drops; 5 s keeps the 3-point tolerance beyond 3 sigma even then.
 */
static int ratio1(void)
{
	for (int i = 0; i < 25; i++) {
		func_three(0.150, 0);
		func_one(0.050, 0);
	}
	print_cpu();
	return 0;
}

struct share {
	void (*fn)(double, int);
	double sec;
};

static void *share_main(void *p)
{
	struct share *s = p;
	char name[16];

	snprintf(name, sizeof(name), "share-%d", (int)(s->sec * 1000));
	pthread_setname_np(pthread_self(), name);
	s->fn(s->sec, 0);
	return NULL;
}

/* Four threads with 10/20/30/40 % of the CPU time, running concurrently. */
static int threads4(void)
{
	/* 6 s of CPU in all, for the same reason as ratio1. */
	struct share s[4] = {{worker_a, 0.60}, {worker_b, 1.20}, {worker_c, 1.80}, {worker_d, 2.40}};
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, share_main, &s[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	print_cpu();
	return 0;
}

/* Half busy, half asleep (by the wall clock). */
static int wall(void)
{
	for (int i = 0; i < 6; i++) {
		busy_part(0.1, 1);
		nap_part(0.1);
	}
	print_cpu();
	return 0;
}

static void *short_main(void *p)
{
	short_worker(0.003, 0);
	return p;
}

static void *exiting_main(void *p)
{
	short_worker(0.002, 0);
	pthread_exit(p);
}

/* Many short-lived threads; at the end only main's timer may remain. */
static int shortthreads(void)
{
	pthread_t t[4];
	char line[256];
	int timers = 0;
	FILE *f;

	for (int wave = 0; wave < 60; wave++) {
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, i & 1 ? exiting_main : short_main, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
	}
	f = fopen("/proc/self/timers", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "ID:", 3))
				timers++;
		fclose(f);
		printf("timers %d\n", timers);
	}
	print_cpu();
	return 0;
}

static void *blocked_main(void *p)
{
	blocked_worker(0.3, 0);
	return p;
}

/* A thread created with every signal blocked, as librdkafka does. */
static int blocked(void)
{
	sigset_t all, old;
	pthread_t t;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&t, NULL, blocked_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_join(t, NULL);
	print_cpu();
	return 0;
}

/* ---- threads made every way ---------------------------------------------- */

static double thread_cpu_ns(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID) * 1e9;
}

/* Flags of a thread made by clone() itself, as a runtime of its own would. */
#define CLONE_THREAD_FLAGS                                                                            \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |            \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

/*
 * A thread made with clone(): its own stack (mmap), no TLS of its own
 * (no CLONE_SETTLS: it shares its creator's, so it calls nothing in libc
 * that touches TLS on success paths). *tid is set before clone returns
 * and cleared, with a futex wake, when the thread ends.
 */
struct cthread {
	void *stack;
	size_t size;
	_Atomic pid_t tid;
};

static int cthread_start(struct cthread *c, int (*fn)(void *), void *arg)
{
	c->size = 256 << 10;
	c->stack = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (c->stack == MAP_FAILED)
		return -1;
	return clone(fn, (char *)c->stack + c->size, CLONE_THREAD_FLAGS, arg, &c->tid, NULL, &c->tid) > 0 ? 0 : -1;
}

static void cthread_join(struct cthread *c)
{
	pid_t t;

	while ((t = atomic_load(&c->tid)) != 0)
		syscall(SYS_futex, &c->tid, FUTEX_WAIT, t, NULL, NULL, 0);
	munmap(c->stack, c->size);
}

#if defined(__x86_64__)
/*
 * A thread made by the clone system call itself, bypassing libc's clone()
 * (only the discovery pass over /proc/self/task can find it). The child
 * pops fn and arg from its new stack, calls fn and exits.
 */
static int rawthread_start(struct cthread *c, int (*fn)(void *), void *arg)
{
	void **sp;
	long ret;

	c->size = 256 << 10;
	c->stack = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (c->stack == MAP_FAILED)
		return -1;
	sp = (void **)((char *)c->stack + c->size);
	*--sp = arg;
	*--sp = (void *)fn;
	register long r10 __asm__("r10") = (long)&c->tid;
	register long r8 __asm__("r8") = 0;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "pop %%rax\n\t"
			 "pop %%rdi\n\t"
			 "call *%%rax\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov $60, %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:\n\t"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"((long)CLONE_THREAD_FLAGS), "S"(sp), "d"(&c->tid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret > 0 ? 0 : -1;
}
#endif

/* Thread CPU time, measured by each thread at its end. */
static double m_cpu[8];

static void *m_pthread_main(void *p)
{
	pthread_setname_np(pthread_self(), "m-pthread");
	m_pthread(0.40, 0);
	m_cpu[1] = thread_cpu_ns();
	return p;
}

static int m_c11_main(void *p)
{
	prctl(PR_SET_NAME, (unsigned long)"m-c11", 0, 0, 0);
	m_c11(0.50, 0);
	m_cpu[2] = thread_cpu_ns();
	return p ? 1 : 0;
}

static int m_clone_main(void *p)
{
	prctl(PR_SET_NAME, (unsigned long)"m-clone", 0, 0, 0);
	m_clone(0.45, 0);
	m_cpu[3] = thread_cpu_ns();
	return p ? 1 : 0;
}

static int m_raw_main(void *p)
{
	prctl(PR_SET_NAME, (unsigned long)"m-raw", 0, 0, 0);
	m_raw(0.35, 0);
	m_cpu[4] = thread_cpu_ns();
	return p ? 1 : 0;
}

static void *m_blocked_main(void *p)
{
	pthread_setname_np(pthread_self(), "m-blocked");
	m_blocked(0.30, 0);
	m_cpu[5] = thread_cpu_ns();
	return p;
}

/*
 * One thread made each way, all running at once: pthread_create,
 * thrd_create, clone(), the raw clone system call (x86-64), a pthread
 * born with every signal blocked, the main thread, and (when the test
 * preloads libearly.so) one made by a constructor before libksamp's.
 * Prints each one's CPU time ("cpu_<name> ns") and the process's.
 */
static int methods(void)
{
	void (*early_join)(double *) = (void (*)(double *))dlsym(RTLD_DEFAULT, "ksamp_test_early_join");
	static const char *names[] = {"m_main", "m_pthread", "m_c11", "m_clone", "m_raw", "m_blocked", "m_early"};
	struct cthread ct, rt;
	sigset_t all, old;
	pthread_t pt, bt;
	thrd_t c11;
	int res, raw = 0;

	prctl(PR_SET_NAME, (unsigned long)"m-main", 0, 0, 0);
	if (pthread_create(&pt, NULL, m_pthread_main, NULL) || thrd_create(&c11, m_c11_main, NULL) != thrd_success ||
	    cthread_start(&ct, m_clone_main, NULL))
		return 3;
#if defined(__x86_64__)
	raw = rawthread_start(&rt, m_raw_main, NULL) == 0;
#endif
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&bt, NULL, m_blocked_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	m_main(0.20, 0);
	m_cpu[0] = thread_cpu_ns();
	pthread_join(pt, NULL);
	thrd_join(c11, &res);
	cthread_join(&ct);
	if (raw)
		cthread_join(&rt);
	pthread_join(bt, NULL);
	if (early_join)
		early_join(&m_cpu[6]);
	for (int i = 0; i < 7; i++)
		if (m_cpu[i] > 0)
			printf("cpu_%s %.0f\n", names[i], m_cpu[i]);
	print_cpu();
	return 0;
}

/*
 * Every thread blocks SIGPROF, the main thread first: made by
 * pthread_create (3), thrd_create (2) and clone (1), each printing one
 * line. Nothing may be lost or changed.
 */
static void block_sigprof(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGPROF);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

static _Atomic int sb_lines;

static void sb_line(const char *who)
{
	char b[64];
	int n = snprintf(b, sizeof(b), "line %s\n", who);

	if (write(1, b, (size_t)n) == n)
		atomic_fetch_add(&sb_lines, 1);
}

static void *sb_pthread(void *p)
{
	block_sigprof();
	busy_part(0.05, 0);
	sb_line("pthread");
	return p;
}

static int sb_c11(void *p)
{
	block_sigprof();
	busy_part(0.05, 0);
	sb_line("c11");
	return p ? 1 : 0;
}

static int sb_clone(void *p)
{
	block_sigprof();
	busy_part(0.05, 0);
	sb_line("clone");
	return p ? 1 : 0;
}

static int sigprofall(void)
{
	pthread_t pt[3];
	thrd_t ct[2];
	struct cthread c;
	int r;

	block_sigprof();
	for (int i = 0; i < 3; i++)
		pthread_create(&pt[i], NULL, sb_pthread, NULL);
	for (int i = 0; i < 2; i++)
		thrd_create(&ct[i], sb_c11, NULL);
	if (cthread_start(&c, sb_clone, NULL))
		return 3;
	busy_part(0.1, 0);
	sb_line("main");
	for (int i = 0; i < 3; i++)
		pthread_join(pt[i], NULL);
	for (int i = 0; i < 2; i++)
		thrd_join(ct[i], &r);
	cthread_join(&c);
	printf("lines %d\n", atomic_load(&sb_lines));
	print_cpu();
	return 0;
}

/* Count this process's POSIX timers (-1: /proc/self/timers unreadable). */
static int count_timers(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/self/timers", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "ID:", 3))
			n++;
	fclose(f);
	return n;
}

static _Atomic int many_ran;

static void *many_pthread(void *p)
{
	tiny_worker(0.0003, 0);
	atomic_fetch_add(&many_ran, 1);
	return p;
}

static int many_c11(void *p)
{
	tiny_worker(0.0003, 0);
	atomic_fetch_add(&many_ran, 1);
	return p ? 1 : 0;
}

/*
 * 500 short-lived threads, 10 at a time: 200 by pthread_create, 200 by
 * thrd_create, 100 by clone(). Then a pause for the discovery pass to
 * delete the timers of the clone() threads (they end without passing
 * through libksamp), and a count of the timers left.
 */
static int manythreads(void)
{
	int made = 0, r;

	for (int wave = 0; wave < 50; wave++) {
		pthread_t pt[4];
		thrd_t ct[4];
		struct cthread c[2];
		int np = 0, nc = 0, ncl = 0;

		for (int i = 0; i < 4; i++)
			np += pthread_create(&pt[np], NULL, many_pthread, NULL) == 0;
		for (int i = 0; i < 4; i++)
			nc += thrd_create(&ct[nc], many_c11, NULL) == thrd_success;
		for (int i = 0; i < 2; i++)
			ncl += cthread_start(&c[ncl], many_c11, NULL) == 0;
		for (int i = 0; i < np; i++)
			pthread_join(pt[i], NULL);
		for (int i = 0; i < nc; i++)
			thrd_join(ct[i], &r);
		for (int i = 0; i < ncl; i++)
			cthread_join(&c[i]);
		made += np + nc + ncl;
	}
	printf("made %d\nran %d\n", made, atomic_load(&many_ran));
	usleep(700000);
	printf("timers %d\n", count_timers());
	print_cpu();
	return 0;
}

static _Atomic uint64_t ten_ms_cpu;

static void *ten_ms_main(void *p)
{
	pthread_setname_np(pthread_self(), "ten-ms");
	ten_ms_worker(0.010, 0);
	atomic_fetch_add(&ten_ms_cpu, (uint64_t)thread_cpu_ns());
	return p;
}

static void *mainexit_worker(void *p)
{
	busy_part(0.3, 0);
	printf("worker done\n");
	print_cpu();
	return p;
}

/* main calls pthread_exit while a worker runs: the process must end when
 * the worker does (libksamp's discovery thread must not keep it alive). */
static int mainexit(void)
{
	pthread_t t;

	pthread_create(&t, NULL, mainexit_worker, NULL);
	pthread_exit(NULL);
}

/* 300 threads of 10 ms of CPU time each, two at a time; prints the sum of
 * their CPU times. */
static int tenms(void)
{
	for (int i = 0; i < 150; i++) {
		pthread_t t[2];

		for (int k = 0; k < 2; k++)
			pthread_create(&t[k], NULL, ten_ms_main, NULL);
		for (int k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
	}
	printf("ten_ms_cpu_ns %llu\n", (unsigned long long)atomic_load(&ten_ms_cpu));
	print_cpu();
	return 0;
}

/*
 * fork+exec under fire: each child is sampled (fast timer) until it execs
 * a CPU-bound program whose environment has no libksamp, so a timer or a
 * pending SIGPROF surviving exec would kill it. Also one plain fork child.
 */
static int forkexec(const char *self)
{
	char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
	int killed = 0, bad = 0;

	for (int i = 0; i < 12; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			forked_child_work(0.01 + 0.002 * i, 0);
			if (i % 3 == 0)
				execle(self, self, "exec_child", (char *)NULL, envp);
			else if (i % 3 == 1)
				execve(self, (char *const[]){(char *)self, "exec_child", NULL}, envp);
			else
				execvp(self, (char *const[]){(char *)self, "exec_child", NULL});
			_exit(127);
		}
		parent_work(0.01, 0);
		if (waitpid(pid, &st, 0) != pid)
			bad++;
		else if (WIFSIGNALED(st))
			killed++, printf("child_signal %d\n", WTERMSIG(st));
		else if (WEXITSTATUS(st) != 0)
			bad++;
	}
	/* A forked child that does not exec writes <out>.<pid>. */
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		forked_child_work(0.2, 0);
		exit(0);
	}
	waitpid(pid, &st, 0);
	printf("fork_child %ld\n", (long)pid);
	printf("killed %d\nbad %d\n", killed, bad);
	print_cpu();
	return 0;
}

/* Stress: many distinct stacks on 8 threads while main flushes and
 * stops/starts sampling over and over. */
static volatile int stress_stop;

__attribute__((noinline)) static void stress_rec(int d)
{
	volatile int keep = 1;

	if (d > 0) {
		stress_rec(d - 1);
		sink += (uint64_t)keep;
		return;
	}
	for (int i = 0; i < 2000; i++)
		sink = sink * 7 + 1;
}

static void *stress_main(void *p)
{
	unsigned seed = (unsigned)(uintptr_t)p;

	while (!stress_stop) {
		void *m;

		stress_rec((int)(rand_r(&seed) % 60));
		m = malloc(64 + seed % 512);
		free(m);
	}
	return NULL;
}

static int stress(void)
{
	pthread_t t[8];
	int bad = 0;

	for (uintptr_t i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, stress_main, (void *)i);
	for (int i = 0; i < 20; i++) {
		usleep(50000);
		bad += ksamp_flush() != 0;
		if (i % 4 == 0)
			bad += ksamp_stop() != 0 || ksamp_start() != 0;
	}
	stress_stop = 1;
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("api_failures %d\n", bad);
	print_cpu();
	return 0;
}

/* Exec without fork (a launcher): the new image has no profiler and must
 * not inherit a running timer (setitimer's ITIMER_PROF would kill it). */
static int execself(const char *self)
{
	char *const envp[] = {"PATH=/usr/bin:/bin", NULL};

	parent_work(0.1, 0);
	execve(self, (char *const[]){(char *)self, "exec_child", NULL}, envp);
	return 127;
}

static volatile sig_atomic_t own_signals;

static void own_handler(int sig)
{
	(void)sig;
	own_signals++;
}

/* A program with its own SIGPROF profiler. */
static int ownsigprof(void)
{
	struct sigaction sa;
	struct itimerval it = {{0, 10000}, {0, 10000}};

	/* Resetting every signal to its default (as daemons do) is harmless. */
	signal(SIGPROF, SIG_DFL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPROF, &sa, NULL);
	busy_part(0.1, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = own_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGPROF, &sa, NULL) != 0)
		return 2;
	setitimer(ITIMER_PROF, &it, NULL);
	own_handler_work(0.3, 0);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_PROF, &it, NULL);
	printf("own_signals %d\n", (int)own_signals);
	print_cpu();
	return 0;
}

__attribute__((noinline)) static int recurse(int n)
{
	volatile int keep = 1; /* lives across the call: no tail-call folding */
	int r;

	if (n == 0) {
		deep_leaf(0.3, 0);
		return 0;
	}
	r = recurse(n - 1);
	return r + keep;
}

static int deep(void)
{
	printf("depth %d\n", recurse(1000));
	print_cpu();
	return 0;
}

static int api(void)
{
	before_start(0.15, 0);
	printf("start %d\n", ksamp_start());
	between_start_stop(0.15, 0);
	printf("stop %d\n", ksamp_stop());
	after_stop(0.15, 0);
	printf("flush %d\n", ksamp_flush());
	print_cpu();
	return 0;
}

static int toggle(void)
{
	toggle_on_1(0.15, 0);
	raise(SIGUSR1);
	toggle_off(0.15, 0);
	raise(SIGUSR1);
	toggle_on_2(0.15, 0);
	print_cpu();
	return 0;
}

/* Benchmark: a fixed amount of work at call depth d; prints the cost. */
__attribute__((noinline)) static uint64_t fixed_work(long iters, int d)
{
	volatile int keep = 1;
	uint64_t x = sink;

	if (d > 1)
		return fixed_work(iters, d - 1) + (uint64_t)keep;
	for (long i = 0; i < iters; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
	return 0;
}

static int work(long iters, int d)
{
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

	fixed_work(iters, d);
	printf("wall_ns %.0f\ncpu_ns %.0f\n", (clock_s(CLOCK_MONOTONIC) - w0) * 1e9,
	       (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e9);
	return 0;
}

struct work4_arg {
	long iters;
	int depth;
};

static void *work4_main(void *p)
{
	struct work4_arg *a = p;

	fixed_work(a->iters, a->depth);
	return NULL;
}

/* Benchmark: the same fixed work split over 4 threads running at once. */
static int work4(long iters, int d)
{
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	struct work4_arg a = {iters / 4, d};
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work4_main, &a);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("wall_ns %.0f\ncpu_ns %.0f\n", (clock_s(CLOCK_MONOTONIC) - w0) * 1e9,
	       (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e9);
	return 0;
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(s, "ratio1"))
		return ratio1();
	if (!strcmp(s, "threads4"))
		return threads4();
	if (!strcmp(s, "wall"))
		return wall();
	if (!strcmp(s, "shortthreads"))
		return shortthreads();
	if (!strcmp(s, "stress"))
		return stress();
	if (!strcmp(s, "execself"))
		return execself(argv[0]);
	if (!strcmp(s, "blocked"))
		return blocked();
	if (!strcmp(s, "methods"))
		return methods();
	if (!strcmp(s, "sigprofall"))
		return sigprofall();
	if (!strcmp(s, "manythreads"))
		return manythreads();
	if (!strcmp(s, "tenms"))
		return tenms();
	if (!strcmp(s, "mainexit"))
		return mainexit();
	if (!strcmp(s, "forkexec"))
		return forkexec(argv[0]);
	if (!strcmp(s, "exec_child"))
		return exec_child_work(0.15, 0), 0;
	if (!strcmp(s, "ownsigprof"))
		return ownsigprof();
	if (!strcmp(s, "deep"))
		return deep();
	if (!strcmp(s, "api"))
		return api();
	if (!strcmp(s, "toggle"))
		return toggle();
	if (!strcmp(s, "burn")) /* benchmark: burn N seconds of CPU */
		return busy_part(argc > 2 ? atof(argv[2]) : 1.0, 0), 0;
	if (!strcmp(s, "work")) /* benchmark: work ITERATIONS [DEPTH] */
		return work(argc > 2 ? atol(argv[2]) : 100000000L, argc > 3 ? atoi(argv[3]) : 1);
	if (!strcmp(s, "work4")) /* benchmark: the same on 4 threads */
		return work4(argc > 2 ? atol(argv[2]) : 100000000L, argc > 3 ? atoi(argv[3]) : 1);
	fprintf(stderr, "usage: workload ratio1|threads4|wall|shortthreads|blocked|methods|sigprofall|manythreads|tenms|mainexit|forkexec|execself|stress|ownsigprof|deep|api|toggle|burn [sec]|work|work4 [iterations [depth]]\n");
	return 2;
}
