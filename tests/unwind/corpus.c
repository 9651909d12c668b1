/* SPDX-License-Identifier: MIT */
/*
 * corpus: the C program of the unwinder comparison (compare.sh builds it
 * with several compilers and flags; harness.h says what is compared).
 * Points are placed where unwinders go wrong: in callbacks called from
 * inside libc (qsort, qsort_r, bsearch, tsearch, twalk), in signal
 * handlers (the walk crosses __restore_rt back into the interrupted
 * code, on the thread's stack and on a sigaltstack), in a dlopen'ed
 * library that calls back into the program (also after dlclose and a
 * new dlopen), at the bottom of deep recursion, after tail calls, in
 * frames realigned for over-aligned locals or grown by alloca, after a
 * longjmp, and in threads. Then the same code runs CPU-bound under the
 * asynchronous sampler. Usage: corpus PLUGIN.so
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <search.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;
static __thread int points_on = 1; /* 0 in the asynchronous phase */
static unsigned every = 7;	    /* a point at every n-th callback */
static __thread unsigned tick;

/* A point at every 'every'-th call. */
static void maybe_point(void)
{
	if (points_on && ++tick % every == 0)
		uw_point();
}

/* ---- callbacks from libc ------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	maybe_point();
	return (x > y) - (x < y);
}

static int cmp_int_r(const void *a, const void *b, void *arg)
{
	maybe_point();
	sink += (uintptr_t)arg;
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static void fill(int *v, int n, unsigned seed)
{
	for (int i = 0; i < n; i++)
		v[i] = (int)(rand_r(&seed) % 100000);
}

NOINLINE static void sort_some(int n, unsigned seed)
{
	int *v = malloc((size_t)n * sizeof(*v));

	fill(v, n, seed);
	qsort(v, (size_t)n, sizeof(*v), cmp_int);
	fill(v, n, seed + 1);
	qsort_r(v, (size_t)n, sizeof(*v), cmp_int_r, (void *)1);
	for (int i = 0; i < n; i += 3) {
		int key = v[i];

		sink += bsearch(&key, v, (size_t)n, sizeof(*v), cmp_int) != NULL;
	}
	free(v);
}

static int cmp_str(const void *a, const void *b)
{
	maybe_point();
	return strcmp(a, b);
}

static void walk_action(const void *node, VISIT which, int depth)
{
	(void)node;
	if (which == leaf || which == postorder) {
		sink += (unsigned long)depth;
		maybe_point();
	}
}

NOINLINE static void tree_some(int n, unsigned seed)
{
	void *root = NULL;
	char (*keys)[16] = malloc((size_t)n * sizeof(*keys));

	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%u", rand_r(&seed) % 100000);
		tsearch(keys[i], &root, cmp_str);
	}
	twalk(root, walk_action);
	for (int i = 0; i < n; i++)
		sink += tfind(keys[i], &root, cmp_str) != NULL;
	for (int i = 0; i < n; i++)
		tdelete(keys[i], &root, cmp_str);
	free(keys);
}

/* ---- recursion, tail calls, odd frames ---------------------------------- */

NOINLINE static unsigned long deep(int d, int every_level)
{
	volatile int keep = d;

	if (d == 0) {
		uw_point();
		return 1;
	}
	if (every_level && d % every_level == 0)
		maybe_point();
	return deep(d - 1, every_level) + (unsigned long)keep;
}

NOINLINE static unsigned long ping(int d);
NOINLINE static unsigned long pong(int d)
{
	volatile int k = 1;

	return d ? ping(d - 1) + (unsigned long)k : (uw_point(), 0);
}
NOINLINE static unsigned long ping(int d)
{
	volatile int k = 2;

	return pong(d) * (unsigned long)k;
}

/* Tail calls at -O2: leaf_tail's caller chain skips tail_mid and tail_top. */
NOINLINE void tail_leaf(int x);
NOINLINE void tail_leaf(int x)
{
	sink += (unsigned long)x;
	uw_point();
}
NOINLINE void tail_mid(int x);
NOINLINE void tail_mid(int x)
{
	sink += 1;
	tail_leaf(x + 1);
}
NOINLINE void tail_top(int x);
NOINLINE void tail_top(int x)
{
	sink += 2;
	tail_mid(x * 2);
}

/* An over-aligned local: gcc realigns the stack (CFA by expression). */
NOINLINE static void aligned_frame(int n)
{
	double v[8] __attribute__((aligned(64)));

	for (int i = 0; i < 8; i++)
		v[i] = n * i;
	__asm__ volatile("" : : "r"(v) : "memory");
	uw_point();
	sink += (unsigned long)v[3];
}

NOINLINE static void alloca_frame(int n)
{
	char *p = __builtin_alloca((size_t)n);

	memset(p, n, (size_t)n);
	__asm__ volatile("" : : "r"(p) : "memory");
	uw_point();
	sink += (unsigned long)p[n / 2];
}

NOINLINE static void vla_frame(int n)
{
	char vla[n];

	memset(vla, 1, sizeof(vla));
	__asm__ volatile("" : : "r"(vla) : "memory");
	aligned_frame(n);
	sink += (unsigned long)vla[0];
}

static jmp_buf jb;

NOINLINE static void jump_back(int d)
{
	if (d > 100)
		return;
	if (d <= 0)
		longjmp(jb, 1);
	jump_back(d - 1);
	sink++;
}

NOINLINE static void after_longjmp(void)
{
	if (setjmp(jb) == 0)
		jump_back(5);
	uw_point();
}

/* ---- signals ------------------------------------------------------------ */

static void on_usr1(int sig)
{
	(void)sig;
	uw_point();
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	deep(3, 0);
}

static volatile int alarm_points;

/* Timer signal at random instructions of CPU-bound code: the handler's
 * point walks across the signal frame into whatever was interrupted. */
static void on_alrm(int sig)
{
	(void)sig;
	alarm_points++;
	uw_point();
}

NOINLINE static void raise_from(int d, int sig)
{
	volatile int k = d;

	if (d > 0) {
		raise_from(d - 1, sig);
		sink += (unsigned long)k;
		return;
	}
	raise(sig);
}

/* CPU-bound work the timers interrupt: libc, libm and our own code. */
NOINLINE static double burn_math(int n)
{
	double s = 0;

	for (int i = 1; i < n; i++)
		s += sin(i * 0.001) * exp(-i * 1e-6) + sqrt((double)i);
	return s;
}

NOINLINE static void burn_strings(int n)
{
	char a[512], b[512];

	for (int i = 0; i < n; i++) {
		int len = snprintf(a, sizeof(a), "%d-%x-%g-%s", i, i * 7, i * 0.5, "abcdefghij");

		memcpy(b, a, (size_t)len + 1);
		sink += strlen(b) + (unsigned long)(strstr(b, "ghij") - b) + (unsigned long)strcmp(a, b);
		free(strdup(a));
	}
}

static void cpu_work(int rounds, unsigned seed)
{
	for (int r = 0; r < rounds; r++) {
		sort_some(2000, seed + (unsigned)r);
		tree_some(300, seed + (unsigned)r);
		sink += deep(200, 0);
		sink += (unsigned long)burn_math(20000);
		burn_strings(300);
		vla_frame(100 + r % 50);
		alloca_frame(64 + r % 100);
		tail_top(r);
	}
}

static void signals(void)
{
	struct sigaction sa;
	stack_t ss;
	static char altstack[256 * 1024];
	timer_t t;
	struct sigevent sev;
	struct itimerspec its = {{0, 700000}, {0, 700000}};

	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < 20; i++)
		raise_from(i % 5, SIGUSR1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	for (int i = 0; i < 20; i++)
		raise_from(i % 3, SIGUSR2);
	/* The same on a signal stack. */
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	for (int i = 0; i < 20; i++)
		raise_from(i % 4, SIGUSR2);
	/* Timer signals in CPU-bound code, handler points. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alrm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	timer_create(CLOCK_MONOTONIC, &sev, &t);
	timer_settime(t, 0, &its, NULL);
	points_on = 0;
	for (int r = 0; alarm_points < 300 * uw_scale() && r < 1000; r++)
		cpu_work(1, 77u + (unsigned)r);
	points_on = 1;
	timer_delete(t);
	signal(SIGALRM, SIG_DFL);
}

/* ---- dlopen ------------------------------------------------------------- */

typedef unsigned long (*plugin_run_fn)(void (*cb)(int), int depth, int rounds);

static void from_plugin(int d)
{
	sink += (unsigned long)d;
	uw_point();
}

static void plugin(const char *path, int rounds)
{
	for (int pass = 0; pass < 2; pass++) {
		/* A library loaded after start-up, then unloaded and loaded
		 * again (maybe elsewhere): the tables must follow. */
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		plugin_run_fn run;

		if (!h) {
			fprintf(stderr, "corpus: dlopen %s: %s\n", path, dlerror());
			exit(3);
		}
		uw_dlchanged();
		run = (plugin_run_fn)dlsym(h, "plugin_run");
		if (!run) {
			fprintf(stderr, "corpus: no plugin_run\n");
			exit(3);
		}
		sink += run(from_plugin, 4 + pass, rounds);
		if (pass == 0) {
			dlclose(h);
			uw_dlchanged();
		}
	}
}

/* ---- threads ------------------------------------------------------------ */

static void *thread_main(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;

	uw_thread_start();
	for (int r = 0; r < 2 * uw_scale(); r++) {
		sort_some(300, seed + (unsigned)r);
		tree_some(100, seed + (unsigned)r);
		deep(30, 7);
		tail_top(r);
	}
	uw_async_begin();
	points_on = 0;
	for (int r = 0; !uw_async_done(400 * uw_scale()) && r < 100000; r++)
		cpu_work(1, seed + (unsigned)r);
	uw_async_end();
	return NULL;
}

static void threads(void)
{
	pthread_t t[3];

	for (uintptr_t i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)(i + 11)) != 0)
			exit(3);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
}

int main(int argc, char **argv)
{
	int s;

	if (argc < 2) {
		fprintf(stderr, "usage: corpus PLUGIN.so\n");
		return 2;
	}
	uw_init();
	s = uw_scale();
	for (int r = 0; r < 3 * s; r++) {
		sort_some(400, 1u + (unsigned)r);
		tree_some(200, 5u + (unsigned)r);
	}
	for (int r = 0; r < 10 * s; r++) {
		deep(300, 37);
		ping(40);
		tail_top(r);
		aligned_frame(r);
		alloca_frame(16 + r);
		vla_frame(8 + r);
		after_longjmp();
	}
	signals();
	plugin(argv[1], 2 * s);
	threads();
	uw_async_begin();
	points_on = 0;
	for (int r = 0; !uw_async_done(1000 * s) && r < 100000; r++)
		cpu_work(1, 3u + (unsigned)r);
	points_on = 1;
	uw_async_end();
	return uw_finish();
}
