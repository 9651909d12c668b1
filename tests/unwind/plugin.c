/* SPDX-License-Identifier: MIT */
/*
 * plugin: the library corpus.c loads with dlopen. It recurses a little,
 * sorts with a comparator of its own and calls back into the program, so
 * points see frames of an object loaded after start-up on both sides of
 * program frames.
 */
#include <stdint.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))

unsigned long plugin_run(void (*cb)(int), int depth, int rounds);

static void (*plugin_cb)(int);
static volatile unsigned long plugin_sink;
static unsigned plugin_tick;

static int plugin_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	if (++plugin_tick % 11 == 0)
		plugin_cb((int)x);
	return (x > y) - (x < y);
}

NOINLINE static unsigned long plugin_rec(int d)
{
	volatile int keep = d;

	if (d == 0) {
		long v[300];
		unsigned seed = 9;

		for (int i = 0; i < 300; i++)
			v[i] = rand_r(&seed) % 1000;
		qsort(v, 300, sizeof(v[0]), plugin_cmp);
		plugin_cb(-1);
		return (unsigned long)v[150];
	}
	return plugin_rec(d - 1) + (unsigned long)keep;
}

unsigned long plugin_run(void (*cb)(int), int depth, int rounds)
{
	unsigned long s = 0;

	plugin_cb = cb;
	for (int r = 0; r < rounds; r++)
		s += plugin_rec(depth);
	plugin_sink = s;
	return s;
}
