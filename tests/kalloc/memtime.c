/* SPDX-License-Identifier: MIT */
/*
 * memtime: deterministic programs for the timeline, peak-attribution,
 * temporary-allocation, service and per-message tests (timeline.sh,
 * heaptrack.sh, services.sh, permsg.sh). Every allocation site is a named function that is never
 * inlined, and every block escapes through ESCAPE(), so the compiler can
 * neither fold a site into its caller nor drop a malloc/free pair (gcc -O2
 * removes free(calloc(1, n)) otherwise). Modes:
 *   none        allocates nothing (heaptrack's own baseline)
 *   ht          fixed figures, no sleeps: compared with heaptrack
 *   rfr         memory rises (big_a, 10 MB), falls, rises again (small_b,
 *               4 MB) with small_b making far more calls and bytes over
 *               its lifetime; prints the realtime (ns) at which each
 *               plateau is reached
 *   grow SECS   runs SECS seconds; grower() keeps 1000 bytes a ms
 *   term        allocates, prints "ready", waits for a signal forever
 *   ownterm     the same with its own SIGTERM handler, which exits 7
 *   mainexit MS main leaks 12345 bytes (leaker), starts a worker that burns
 *               MS ms of CPU in busy_worker() (none when MS is 0), and
 *               calls pthread_exit; the worker prints "worker done"
 *   forkmainexit  forks; the child does "mainexit 200"; the parent prints
 *               the child's status ("child status N") and returns 0
 *   msgs N      N messages (at most MSGS_MAX), each counted with
 *               kalloc_messages(1) once handled: msg_body(200) held while
 *               the message is handled, msg_meta(48) freed at once (a
 *               temporary allocation), msg_keep(1000) kept to the end (the
 *               live heap grows by 1000 bytes a message). Per message: 3
 *               calls, 1248 bytes, 1 temporary. The first half runs
 *               without a pause, the second half naps 1 ms a message, so
 *               that messages are not proportional to time.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kalloc.h"

#define SITE __attribute__((noinline, noclone, used))
/* The block is used as far as the compiler knows. */
#define ESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")

static void nap_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static unsigned long long realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

void *big_a(size_t n);
void *small_b(size_t n);
void *leaker(size_t n);
void *grower(size_t n);
void *tmp_c(size_t n);
void *regrow(void *p, size_t n);
void *msg_body(size_t n);
void *msg_meta(size_t n);
void *msg_keep(size_t n);

SITE void *big_a(size_t n)
{
	void *p = malloc(n);

	ESCAPE(p);
	memset(p, 1, n);
	return p;
}

SITE void *small_b(size_t n)
{
	void *p = malloc(n);

	ESCAPE(p);
	memset(p, 2, n);
	return p;
}

SITE void *tmp_c(size_t n)
{
	void *p = calloc(1, n);

	ESCAPE(p);
	return p;
}

SITE void *leaker(size_t n)
{
	void *p = malloc(n);

	ESCAPE(p);
	memset(p, 3, n);
	return p;
}

SITE void *grower(size_t n)
{
	void *p = malloc(n);

	ESCAPE(p);
	memset(p, 4, n);
	return p;
}

SITE void *regrow(void *p, size_t n)
{
	void *q = realloc(p, n);

	ESCAPE(q);
	return q;
}

SITE void *msg_body(size_t n)
{
	void *p = malloc(n);

	ESCAPE(p);
	memset(p, 5, n);
	return p;
}

SITE void *msg_meta(size_t n)
{
	void *p = calloc(1, n);

	ESCAPE(p);
	return p;
}

SITE void *msg_keep(size_t n)
{
	void *p = malloc(n);

	ESCAPE(p);
	memset(p, 6, n);
	return p;
}

static void *volatile sink;

static SITE int mode_ht(void)
{
	void *a[100], *b[500], *p = NULL;
	int i;

	for (i = 0; i < 100; i++)
		a[i] = big_a(100 * 1024);   /* peak: 10240000 bytes from big_a */
	for (i = 0; i < 100; i++)
		free(a[i]);                 /* a[99] is temporary */
	for (i = 0; i < 20000; i++)
		free(tmp_c(200));           /* 20000 temporary */
	for (i = 0; i < 500; i++)
		b[i] = small_b(1000);
	for (i = 499; i >= 0; i--)
		free(b[i]);                 /* b[499] is temporary */
	for (i = 1; i <= 50; i++)
		p = regrow(p, (size_t)i * 64); /* each realloc moves away the last block: temporary when it moves */
	free(p);
	for (i = 0; i < 3; i++)
		sink = leaker(300);         /* 900 bytes leaked */
	return 0;
}

static SITE int mode_rfr(void)
{
	void *a[100], *b[1000];
	int i;

	kalloc_phase("rise1");
	for (i = 0; i < 100; i++)
		a[i] = big_a(100 * 1024);
	printf("peak1 %llu\n", realtime_ns());
	nap_ms(300);
	kalloc_phase("fall");
	for (i = 0; i < 100; i++)
		free(a[i]);
	for (i = 0; i < 100000; i++)
		free(small_b(100)); /* 10 MB over its lifetime, never held */
	nap_ms(300);
	kalloc_phase("rise2");
	for (i = 0; i < 1000; i++)
		b[i] = small_b(4096);
	printf("peak2 %llu\n", realtime_ns());
	fflush(stdout);
	nap_ms(300);
	kalloc_phase("end");
	for (i = 0; i < 1000; i++)
		free(b[i]);
	nap_ms(100);
	return 0;
}

static SITE int mode_grow(double secs)
{
	struct timespec t0, t;
	void *keep = big_a(100000);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		sink = grower(1000);
		free(small_b(64));
		nap_ms(1);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > secs)
			break;
	}
	free(keep);
	return 0;
}

#define MSGS_MAX 100000

static SITE int mode_msgs(long n)
{
	static void *keep[MSGS_MAX];
	long i;

	if (n < 1 || n > MSGS_MAX)
		return 2;
	for (i = 0; i < n; i++) {
		void *body = msg_body(200);

		free(msg_meta(48)); /* nothing allocated in between: temporary */
		keep[i] = msg_keep(1000);
		ESCAPE(keep[i]);
		free(body);         /* msg_meta and msg_keep came in between */
		kalloc_messages(1);
		if (i >= n / 2)
			nap_ms(1);
	}
	return 0;
}

static void on_term(int s)
{
	(void)s;
	exit(7);
}

static SITE int mode_term(int own)
{
	volatile unsigned long spin = 0;

	if (own)
		signal(SIGTERM, on_term);
	sink = leaker(300);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		free(small_b(64));
		spin++;
		if ((spin & 1023) == 0)
			nap_ms(1);
	}
	return 0;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void *busy_worker(void *arg);

SITE void *busy_worker(void *arg)
{
	double until = cpu_s() + (double)(long)arg / 1000.0;
	volatile unsigned long spin = 0;

	while (cpu_s() < until) {
		free(small_b(64));
		for (int i = 0; i < 10000; i++)
			spin++;
	}
	printf("worker done\n");
	fflush(stdout);
	return NULL;
}

static SITE int mode_mainexit(long ms)
{
	pthread_t t;

	ESCAPE(leaker(12345)); /* no pointer kept: a definite leak */
	sink = grower(4000);   /* reachable from a global */
	if (ms > 0 && pthread_create(&t, NULL, busy_worker, (void *)ms) != 0)
		return 3;
	pthread_exit(NULL);
}

static SITE int mode_forkmainexit(void)
{
	int st;
	pid_t pid;

	sink = grower(100);
	pid = fork();
	if (pid < 0)
		return 3;
	if (pid == 0)
		mode_mainexit(200);
	alarm(30); /* a child that never ends fails the test, it does not hang it */
	if (waitpid(pid, &st, 0) != pid)
		return 4;
	printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

int main(int argc, char **argv)
{
	static char obuf[4096];

	/* stdio would malloc its buffer at the first printf: a block that
	 * stays live to the end and would change every figure. */
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (argc >= 2 && strcmp(argv[1], "none") == 0)
		return 0;
	if (argc >= 2 && strcmp(argv[1], "ht") == 0)
		return mode_ht();
	if (argc >= 2 && strcmp(argv[1], "rfr") == 0)
		return mode_rfr();
	if (argc >= 3 && strcmp(argv[1], "grow") == 0)
		return mode_grow(atof(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "term") == 0)
		return mode_term(0);
	if (argc >= 2 && strcmp(argv[1], "ownterm") == 0)
		return mode_term(1);
	if (argc >= 3 && strcmp(argv[1], "mainexit") == 0)
		return mode_mainexit(atol(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "forkmainexit") == 0)
		return mode_forkmainexit();
	if (argc >= 3 && strcmp(argv[1], "msgs") == 0)
		return mode_msgs(atol(argv[2]));
	fprintf(stderr, "usage: memtime none|ht|rfr|grow SECS|term|ownterm|mainexit MS|forkmainexit|msgs N\n");
	return 2;
}
