/* SPDX-License-Identifier: MIT */
/* stress: the interposer under load, in-process (run by run-preloaded.sh).
 * Threads allocate, write, verify and free with every entry point while
 * others come and go and the main thread forks; every block's contents
 * and alignment are checked, and a forked child must be able to allocate
 * and exit cleanly while the parent's threads hold the allocator busy.
 * Edge cases are checked against kalloc's own view (a snapshot's
 * stats.json) as well as the return values. */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kalloc.h"
#include "../tap.h"

#define NTHREADS 4
#define ROUNDS 20000
#define SLOTS 64

static int errors[NTHREADS];
static volatile int stop;
static int churned;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg, i;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(id + 1);
	unsigned char *slot[SLOTS] = {0};
	size_t len[SLOTS] = {0};

	for (i = 0; i < ROUNDS; i++) {
		int k = (int)(rnd(&seed) % SLOTS), op = (int)(rnd(&seed) % 6);
		size_t n = (size_t)(rnd(&seed) % 2048) + 1;
		unsigned char tag = (unsigned char)(k + id * 7);
		void *p = NULL;

		if (slot[k]) {
			size_t j;

			for (j = 0; j < len[k]; j++)
				if (slot[k][j] != tag) {
					errors[id]++;
					break;
				}
		}
		switch (op) {
		case 0:
			p = malloc(n);
			break;
		case 1:
			p = calloc(1, n);
			if (p && ((unsigned char *)p)[n - 1] != 0)
				errors[id]++;
			break;
		case 2:
			if (slot[k]) {
				p = realloc(slot[k], n);
				slot[k] = NULL;
			} else {
				p = realloc(NULL, n);
			}
			break;
		case 3:
			if (posix_memalign(&p, 64, n) != 0 || ((uintptr_t)p & 63))
				errors[id]++;
			break;
		case 4:
			p = aligned_alloc(256, (n + 255) & ~(size_t)255);
			if (!p || ((uintptr_t)p & 255))
				errors[id]++;
			n = (n + 255) & ~(size_t)255;
			break;
		default:
			p = memalign(32, n);
			if (!p || ((uintptr_t)p & 31))
				errors[id]++;
			break;
		}
		if (!p) {
			errors[id]++;
			continue;
		}
		if (malloc_usable_size(p) < n)
			errors[id]++;
		free(slot[k]);
		memset(p, tag, n);
		slot[k] = p;
		len[k] = n;
	}
	for (i = 0; i < SLOTS; i++)
		free(slot[i]);
	return NULL;
}

/* Threads that come and go while the others run: one at a time, each a
 * full worker, until the main workers are done. */
static void *churn(void *arg)
{
	(void)arg;
	while (!stop) {
		pthread_t t;

		if (pthread_create(&t, NULL, worker, (void *)(intptr_t)(NTHREADS - 1)) != 0)
			break;
		pthread_join(t, NULL);
		churned++;
	}
	return NULL;
}

/* "unknown_frees" of a new snapshot's stats.json, -1 when unreadable. */
static long long snapshot_unknown_frees(void)
{
	const char *prefix = getenv("KALLOC_OUT");
	char path[4096], buf[4096], *p;
	int n = kalloc_snapshot();
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

int main(void)
{
	pthread_t th[NTHREADS], ch;
	int i, forks_ok = 0, total = 0;

	for (i = 0; i < NTHREADS - 1; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	pthread_create(&ch, NULL, churn, NULL);
	for (i = 0; i < 5; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			/* The allocator must be usable in the child at once. */
			char *p = malloc(1000), *q;
			int same = 1;

			if (!p)
				_exit(1);
			memset(p, 1, 1000);
			q = realloc(p, 5000);
			if (!q)
				_exit(1);
			for (int k = 0; k < 1000; k++)
				same &= q[k] == 1;
			free(q);
			_exit(same ? 0 : 1);
		}
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			forks_ok++;
	}
	for (i = 0; i < NTHREADS - 1; i++)
		pthread_join(th[i], NULL);
	stop = 1;
	pthread_join(ch, NULL);
	for (i = 0; i < NTHREADS; i++)
		total += errors[i];
	tap_is_int(total, 0, "%d threads x %d rounds: contents, alignment, usable sizes intact", NTHREADS,
		   ROUNDS);
	tap_ok(churned >= 1, "threads came and went meanwhile (%d)", churned);
	tap_is_int(forks_ok, 5, "children forked while threads allocate can allocate, realloc and exit");
	tap_is_int(snapshot_unknown_frees(), 0, "kalloc saw no bad free in all that");
	tap_ok(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) is 0");
	{
		void *p = NULL, *q;
		volatile size_t huge = (size_t)1 << 62;
		uint64_t a0 = 0, b0 = 0, a1 = 0, b1 = 0;

		tap_is_int(posix_memalign(&p, 3, 10), 22, "posix_memalign with a bad alignment gives EINVAL");
		tap_ok(calloc(huge, 16) == NULL, "calloc overflow returns NULL");
		tap_ok(reallocarray(NULL, huge, 16) == NULL, "reallocarray overflow returns NULL");
		kalloc_totals(&a0, &b0);
		p = malloc(0);
		q = malloc(0);
		kalloc_totals(&a1, &b1);
		tap_ok(p != NULL && q != NULL && p != q, "malloc(0) returns a unique pointer each time");
		tap_is_int(a1 - a0, 2, "both malloc(0) calls counted as allocations");
		free(p);
		free(q);
		free(NULL);
		tap_is_int(snapshot_unknown_frees(), 0, "free(NULL) is harmless: not taken for a bad free");
		p = malloc(64);
		tap_ok(p != NULL, "the allocator still works after free(NULL)");
		free(p);
	}
	return tap_done();
}
