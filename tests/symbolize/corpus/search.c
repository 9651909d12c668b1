/* SPDX-License-Identifier: MIT */
/*
 * Inline-chain corpus, C: allocations and work inside callbacks that the
 * compiler inlines through <stdlib.h>'s inline bsearch wrapper, and
 * chains of static inline helpers three to five deep, some of them in
 * qsort comparators (called from libc, so the chain ends in the
 * comparator's own physical frame). Built at -O2 and -O3 by gcc and clang.
 * The bsearch comparator's blocks (through leak_sink, overwritten) and
 * deep_alloc's (dropped by main) are leaks with known stacks; the qsort
 * comparator's are kept in keep[], still reachable. "search N" runs N
 * rounds (for CPU profiles); the default is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NKEYS 64

static int keys[NKEYS];
void *keep[4096]; /* not static: its stores (and so its mallocs) stay */
unsigned nkeep;
void *volatile leak_sink;
volatile unsigned long spin_sink;

static void remember(void *p)
{
	keep[nkeep++ % 4096] = p;
}

/* bsearch's comparator: inlined into bsearch, which is inlined into
 * sorter (glibc's bits/stdlib-bsearch.h at -O2). */
static int bcmp_(const void *a, const void *b)
{
	leak_sink = malloc(16);
	return *(const int *)a - *(const int *)b;
}

__attribute__((noinline)) int sorter(int k)
{
	int *r = bsearch(&k, keys, NKEYS, sizeof(int), bcmp_);

	return r ? (int)(r - keys) : -1;
}

/* Four levels of helpers ending in an allocation; always_inline so the
 * chain is the same whatever the compiler's heuristics. */
static inline __attribute__((always_inline)) char *level4(size_t n)
{
	char *p = malloc(n);

	if (p)
		memset(p, 'x', n);
	return p;
}

static inline __attribute__((always_inline)) char *level3(size_t n)
{
	return level4(n + 1);
}

static inline __attribute__((always_inline)) char *level2(size_t n)
{
	char *p = level3(n * 2);

	return p;
}

static inline __attribute__((always_inline)) char *level1(size_t n)
{
	return level2(n + 3);
}

__attribute__((noinline)) char *deep_alloc(int i)
{
	return level1((size_t)i);
}

/* A qsort comparator calling an inline chain that allocates and spins. */
static inline __attribute__((always_inline)) unsigned long mix(unsigned long x)
{
	for (int i = 0; i < 64; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x;
}

static inline __attribute__((always_inline)) int key_of(const int *p)
{
	spin_sink += mix((unsigned long)*p);
	return *p;
}

static inline __attribute__((always_inline)) int compare_keys(const int *a, const int *b)
{
	int x = key_of(a), y = key_of(b);

	if (x == 7 && nkeep < 4000)
		remember(level3(24));
	return (x > y) - (x < y);
}

static int qcmp(const void *a, const void *b)
{
	return compare_keys(a, b);
}

__attribute__((noinline)) void sort_records(int *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), qcmp);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 1;
	int v[200];
	long s = 0;

	for (int i = 0; i < NKEYS; i++)
		keys[i] = i * 2;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 10; i++)
			s += sorter(i);
		for (int i = 0; i < 5; i++)
			s += deep_alloc(i)[0];
		for (int i = 0; i < 200; i++)
			v[i] = (i * 37) % 200;
		sort_records(v, 200);
		s += v[0];
	}
	leak_sink = NULL;
	printf("%ld\n", s);
	return 0;
}
