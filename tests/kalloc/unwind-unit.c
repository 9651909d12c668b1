/* SPDX-License-Identifier: MIT */
/* unwind-unit: lib/unwind on a known call chain a -> b -> c, both back
 * ends, skip counts, the parser, and a walk that starts from a garbage
 * frame pointer (must stop, not fault). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "../tap.h"
#include "unwind.h"

#define NOINLINE __attribute__((noinline))

static uintptr_t pcs[64];
static int npcs;
static enum ku_unwind_method method;
static uintptr_t top;

static NOINLINE void c(void)
{
	npcs = ku_unwind(method, pcs, 64, 0, top);
	__asm__ volatile("" ::: "memory");
}
static NOINLINE void b(void)
{
	c();
	__asm__ volatile("" ::: "memory");
}
static NOINLINE void a(void)
{
	b();
	__asm__ volatile("" ::: "memory");
}

/* Is pc inside function f (assume functions are shorter than 256 bytes)? */
static int in(uintptr_t pc, void (*f)(void))
{
	return pc > (uintptr_t)f && pc < (uintptr_t)f + 256;
}

static volatile int got_signal_frames;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	uintptr_t v[64];

	(void)sig;
	(void)si;
	got_signal_frames = ku_unwind_fp_context(uc, v, 64, top);
}

struct bounds {
	int rc;
	uintptr_t lo, hi, here, alo, ahi;
};

static void *thread_bounds(void *arg)
{
	struct bounds *b = arg;
	pthread_attr_t attr;
	void *addr;
	size_t size;

	b->here = (uintptr_t)&attr;
	b->rc = ku_unwind_stack_bounds(b->here, &b->lo, &b->hi);
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
			b->alo = (uintptr_t)addr;
			b->ahi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

int main(void)
{
	enum ku_unwind_method m;
	int i;

	tap_is_int(ku_unwind_parse("fp", &m), 0, "parse fp");
	tap_is_int(m, KU_UNWIND_FP, "fp is KU_UNWIND_FP");
	tap_is_int(ku_unwind_parse("libunwind", &m), 0, "parse libunwind");
	tap_is_int(m, KU_UNWIND_LIBUNWIND, "libunwind is KU_UNWIND_LIBUNWIND");
	tap_is_int(ku_unwind_parse("dwarf", &m), -EINVAL, "unknown method is -EINVAL");
	tap_is_int(ku_unwind_parse(NULL, &m), -EINVAL, "NULL is -EINVAL");
	top = ku_unwind_stack_top();
	tap_ok(top > (uintptr_t)&m, "stack top lies above a local variable");
	{
		uintptr_t lo = 0, hi = 0, here = (uintptr_t)&m;
		pthread_t th;
		struct bounds tb;
		void *heap = malloc(64);

		tap_is_int(ku_unwind_stack_bounds(here, &lo, &hi), 0, "stack bounds of the main thread");
		tap_ok(lo <= here && here < hi && hi == top,
		       "main thread: [lo, hi) holds a local and ends where pthread_getattr_np says");
		tap_is_int(ku_unwind_stack_bounds((uintptr_t)heap, &lo, &hi), -ENOENT,
			   "a heap address is no stack");
		tap_is_int(ku_unwind_stack_bounds((uintptr_t)main, &lo, &hi), -ENOENT,
			   "a code address is no stack");
		free(heap);
		memset(&tb, 0, sizeof(tb));
		if (pthread_create(&th, NULL, thread_bounds, &tb) == 0)
			pthread_join(th, NULL);
		tap_is_int(tb.rc, 0, "stack bounds of a new thread");
		tap_ok(tb.lo <= tb.here && tb.here < tb.hi && tb.alo <= tb.lo && tb.hi <= tb.ahi && tb.hi == tb.ahi,
		       "new thread: [lo, hi) holds a local, within what pthread_getattr_np says, same end");
	}
	for (i = 0; i < 2; i++) {
		method = i ? KU_UNWIND_LIBUNWIND : KU_UNWIND_FP;
		npcs = 0;
		a();
		tap_ok(npcs >= 4, "%s: at least 4 frames (got %d)", ku_unwind_name(method), npcs);
		tap_ok(npcs >= 4 && in(pcs[0], c) && in(pcs[1], b) && in(pcs[2], a) && pcs[3] > (uintptr_t)main && pcs[3] < (uintptr_t)main + 4096,
		       "%s: frames are c, b, a, main", ku_unwind_name(method));
	}
	/* Garbage frame pointers: the walk ends without a fault. */
	{
		ucontext_t uc;
		uintptr_t v[8];
		int n;

		memset(&uc, 0, sizeof(uc));
#if defined(__x86_64__)
		uc.uc_mcontext.gregs[REG_RIP] = 0x401000;
		uc.uc_mcontext.gregs[REG_RBP] = (greg_t)0xfffffffffffffff0ull;
		uc.uc_mcontext.gregs[REG_RSP] = (greg_t)(uintptr_t)&uc;
		n = ku_unwind_fp_context(&uc, v, 8, top);
		tap_is_int(n, 1, "garbage frame pointer: only the interrupted pc");
		uc.uc_mcontext.gregs[REG_RBP] = 0x1234;
		n = ku_unwind_fp_context(&uc, v, 8, 0);
		tap_is_int(n, 1, "frame pointer below the stack pointer: only the pc");
#else
		(void)v;
		(void)n;
		tap_skip("register layout test is x86-64 only");
		tap_skip("register layout test is x86-64 only");
#endif
	}
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_usr1;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		tap_ok(got_signal_frames >= 2, "walk from a signal context finds the interrupted frames (%d)",
		       got_signal_frames);
	}
	tap_is_int(ku_unwind_fp(pcs, 0, 0, top), 0, "max 0 stores nothing");
	return tap_done();
}
