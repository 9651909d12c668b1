/* SPDX-License-Identifier: MIT */
/*
 * unwind-memo-unit: the per-thread memo of the CFI walk (libkalloc's fast
 * path) must give exactly the frames a walk without it gives. Built with
 * plain -O2 and no frame pointers. At each probe point the registers of
 * the probe's caller are taken (memo_probe, a few instructions of
 * assembly) and two walks start from them: ku_unwind_cfi_memo with this
 * thread's memo, and ku_unwind_cfi without. The call patterns make the
 * memo hit in full, hit part-way (same outer frames, other inner ones),
 * miss (recursion of changing depth, deeper than the memo), and cross
 * libc frames (qsort comparators) and threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"
#include "tap.h"
#include "unwind.h"

struct regs {
	uintptr_t pc, sp, fp;
};

/* The caller's registers at the return address of this call. */
void memo_probe(struct regs *out);
__asm__(".text\n"
	".globl memo_probe\n"
	".type memo_probe, @function\n"
	"memo_probe:\n"
	".cfi_startproc\n"
	"\tmov (%rsp), %rax\n"
	"\tmov %rax, 0(%rdi)\n"
	"\tlea 8(%rsp), %rax\n"
	"\tmov %rax, 8(%rdi)\n"
	"\tmov %rbp, 16(%rdi)\n"
	"\tret\n"
	".cfi_endproc\n"
	".size memo_probe, .-memo_probe\n");

static __thread struct ku_unwind_memo memo;
static __thread uintptr_t stack_hi;
static _Atomic long probes, mismatches, frames_seen, rooted;

static void compare(const struct regs *r)
{
	uintptr_t a[256], b[256];
	struct ku_unwind_regs u = {r->pc, r->sp, r->fp, 0};
	struct ku_unwind_stacks s1, s2;
	int n1, n2;

	s1.n = s2.n = 1;
	s1.r[0].lo = s2.r[0].lo = r->sp;
	s1.r[0].hi = s2.r[0].hi = stack_hi;
	n1 = ku_unwind_cfi_memo(&u, &s1, a, 256, &memo);
	n2 = ku_unwind_cfi(&u, &s2, b, 256);
	probes++;
	frames_seen += n2;
	if (s2.stop == KU_UNWIND_STOP_END)
		rooted++;
	if (n1 != n2 || memcmp(a, b, (size_t)n1 * sizeof(a[0])) != 0 || s1.stop != s2.stop) {
		if (mismatches++ < 5) {
			tap_diag("mismatch: memo %d frames (stop %d), plain %d frames (stop %d)", n1, s1.stop, n2,
				 s2.stop);
			for (int i = 0; i < (n1 > n2 ? n1 : n2) && i < 12; i++)
				tap_diag("  #%d %#lx %#lx", i, i < n1 ? (unsigned long)a[i] : 0UL,
					 i < n2 ? (unsigned long)b[i] : 0UL);
		}
	}
}

#define NI __attribute__((noinline))
static volatile int sink;

NI static void at_point(void)
{
	struct regs r;

	memo_probe(&r);
	compare(&r);
	sink++;
}

/* Two call chains of the same shape from different call sites. */
NI static void leaf_a(int k)
{
	if (k & 1)
		at_point();
	else
		at_point();
	sink += k;
}
NI static void mid_a(int k) { leaf_a(k); sink++; }
NI static void mid_b(int k) { leaf_a(k + 1); sink++; }
NI static void top(int k)
{
	if (k % 3 == 0)
		mid_a(k);
	else
		mid_b(k);
	sink++;
}

/* Recursion of changing depth, some deeper than the memo holds. */
NI static void deep(int d)
{
	if (d > 0) {
		deep(d - 1);
		sink++;
	} else {
		at_point();
	}
}

/* A function that keeps many values live, so rbp holds data. */
NI static long busy(long x, int k)
{
	long a = x * 3, b = x ^ 7, c = x + 11, d = x * x, e = x - 5, f = x | 9, g = x & 77;

	for (int i = 0; i < k; i++) {
		a += b * c;
		b ^= d + e;
		c -= f * g;
		d += a;
		e ^= b;
		f += c;
		g -= d;
	}
	at_point();
	return a + b + c + d + e + f + g;
}

static int cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	if (((a ^ b) & 15) == 0)
		at_point();
	return (a > b) - (a < b);
}

static void *worker(void *arg)
{
	int v[300];
	uintptr_t lo;

	(void)arg;
	if (ku_unwind_stack_bounds((uintptr_t)__builtin_frame_address(0), &lo, (uintptr_t *)&stack_hi) != 0)
		return (void *)1;
	for (int i = 0; i < 2000; i++)
		top(i);
	for (int i = 0; i < 200; i++)
		deep(i % 90);
	for (int i = 0; i < 300; i++)
		v[i] = (i * 7919) % 1000;
	qsort(v, 300, sizeof(v[0]), cmp);
	for (int i = 0; i < 500; i++)
		sink += (int)busy(i, i % 5);
	return NULL;
}

int main(void)
{
	pthread_t th[2];
	void *ret[2] = {NULL, NULL};
	uint64_t hits_main;
	long main_probes;

	tap_ok(ku_cfi_sync() == 0, "unwind tables built");
	tap_ok(worker(NULL) == NULL, "the main thread's stack bounds are known");
	hits_main = memo.hits;
	main_probes = probes;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], &ret[i]);
	tap_ok(ret[0] == NULL && ret[1] == NULL, "the threads' stack bounds are known");
	tap_ok(mismatches == 0, "the memo walk equals the plain walk at every probe (%ld probes, %ld mismatches)",
	       (long)probes, (long)mismatches);
	tap_ok(probes > 6000, "probes taken: %ld", (long)probes);
	tap_ok(hits_main > (uint64_t)main_probes / 4, "the memo finished %llu of the main thread's %ld walks",
	       (unsigned long long)hits_main, main_probes);
	tap_ok(rooted * 10 >= probes * 9, "walks reaching the root (_start, clone3): %ld of %ld", (long)rooted,
	       (long)probes);
	return tap_done();
}
