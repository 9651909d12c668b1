/* SPDX-License-Identifier: MIT */
/*
 * sigmalloc: a program whose signal handler calls malloc and free, run
 * under libkalloc.so (by run-preloaded.sh). A fast interval timer
 * interrupts the main thread again and again while it is inside kalloc's
 * own table work (free() of pointers kalloc does not know: a look-up under
 * the shard lock that never reaches the allocator below, so glibc's own
 * locks cannot be what hangs), with the handler's blocks in the same shard.
 * If kalloc tracked the handler's allocation it would wait for the lock its
 * own thread holds, forever; a watchdog thread turns such a hang into a
 * failed test after 15 s instead of a stuck make check. Afterwards the
 * state is read back: the block's contents, and kalloc's own count of the
 * frees it ignored (a snapshot's stats.json), before and after the block
 * itself is freed.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kalloc.h"
#include "../tap.h"

static volatile sig_atomic_t handled, bad;

static void on_alarm(int sig)
{
	unsigned char *p = malloc(48);

	(void)sig;
	if (!p) {
		bad = 1;
		return;
	}
	memset(p, 0x5a, 48);
	if (p[47] != 0x5a)
		bad = 1;
	free(p);
	handled++;
}

static void *watchdog(void *arg)
{
	static const char msg[] = "not ok 1 - no deadlock: still running after 15 s\n1..1\n";
	struct timespec ts = {15, 0};

	(void)arg;
	while (nanosleep(&ts, &ts) != 0)
		;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* exiting anyway */
	}
	_exit(1);
}

/* "unknown_frees" of snapshot n's stats.json, -1 when unreadable. */
static long long unknown_frees(int n)
{
	const char *prefix = getenv("KALLOC_OUT");
	char path[4096], buf[4096], *p;
	size_t len;
	FILE *f;

	if (!prefix || n < 0)
		return -1;
	snprintf(path, sizeof(path), "%s.%d.stats.json", prefix, n);
	if (!(f = fopen(path, "r")))
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strstr(buf, "\"unknown_frees\":");
	return p ? strtoll(p + 16, NULL, 10) : -1;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + 3);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct sigaction sa;
	struct itimerval it = {{0, 50}, {0, 50}};
	pthread_t wd;
	unsigned char *block;
	long frees = 0;
	double t0;
	size_t i, changed = 0;

	block = malloc(4096);
	tap_ok(block != NULL, "a block to aim the unknown frees into");
	if (!block)
		return tap_done();
	for (i = 0; i < 4096; i++)
		block[i] = pattern(i);
	pthread_create(&wd, NULL, watchdog, NULL);
	pthread_detach(wd);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);

	t0 = now();
	/* Interior pointers of a live block: never the start of any block,
	 * so kalloc ignores each free after looking it up under the lock. */
	while (handled < 3000 && now() - t0 < 8) {
		int k;

		for (k = 1; k < 250; k++)
			free(block + 16 * k);
		frees += 249;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	tap_diag("%ld unknown frees, %d signals handled in %.2f s", frees, (int)handled, now() - t0);
	tap_ok(handled > 0, "the handler ran and allocated (%d times) without a deadlock", (int)handled);
	tap_ok(!bad, "every block the handler got was usable");
	for (i = 0; i < 4096; i++)
		changed += block[i] != pattern(i);
	tap_is_int(changed, 0, "the program's own block is still intact after %ld frees into it", frees);
	tap_is_int(unknown_frees(kalloc_snapshot()), frees, "kalloc ignored and counted every one of the %ld frees", frees);
	free(block);
	tap_is_int(unknown_frees(kalloc_snapshot()), frees, "the block itself is freed normally (not one more unknown free)");
	return tap_done();
}
