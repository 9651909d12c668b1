/* SPDX-License-Identifier: MIT */
/*
 * malloc_bench: the allocation-heavy workload behind kalloc's overhead
 * figures. T threads perform N malloc/free pairs in total; sizes are mixed
 * 16-4096 bytes from a fixed pseudo-random sequence; every allocation is
 * made three frames deep (level1 -> level2 -> level3 -> malloc) and each
 * thread keeps a window of 128 live blocks, freeing the oldest, so frees
 * are not simply LIFO. With --hold N it instead allocates N 32-byte blocks
 * and keeps them (for the memory overhead per live allocation).
 * Prints: elapsed seconds and the process's peak RSS (VmHWM) in KiB.
 *   malloc_bench [--pairs N] [--threads T] [--hold N]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))
#define WINDOW 128

static long pairs_per_thread;

static NOINLINE void *level3(size_t n)
{
	void *p = malloc(n);

	__asm__ volatile("" ::"r"(p) : "memory");
	return p;
}
static NOINLINE void *level2(size_t n)
{
	void *p = level3(n);

	__asm__ volatile("" ::: "memory");
	return p;
}
static NOINLINE void *level1(size_t n)
{
	void *p = level2(n);

	__asm__ volatile("" ::: "memory");
	return p;
}

static void *run(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)arg;
	void *win[WINDOW] = {0};
	long i;

	for (i = 0; i < pairs_per_thread; i++) {
		size_t n;
		int k = (int)(i & (WINDOW - 1));

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		n = 16 + (size_t)(s % 4081);
		free(win[k]);
		win[k] = level1(n);
		((char *)win[k])[0] = (char)i;
	}
	for (i = 0; i < WINDOW; i++)
		free(win[i]);
	return NULL;
}

static long vm_hwm_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	long pairs = 10000000, hold = 0;
	int threads = 2, i;
	struct timespec a, b;
	pthread_t th[64];

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pairs") == 0)
			pairs = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--threads") == 0)
			threads = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--hold") == 0)
			hold = atol(argv[i + 1]);
		else {
			fprintf(stderr, "malloc_bench: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (threads < 1 || threads > 64 || pairs < 0 || hold < 0) {
		fprintf(stderr, "malloc_bench: bad arguments\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (hold) {
		void **v = malloc(sizeof(void *) * (size_t)hold);
		long j;

		for (j = 0; j < hold; j++)
			v[j] = level1(32);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%.3f %ld\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
		       vm_hwm_kib());
		for (j = 0; j < hold; j++)
			free(v[j]);
		free(v);
		return 0;
	}
	pairs_per_thread = pairs / threads;
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, run, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.3f %ld\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, vm_hwm_kib());
	return 0;
}
