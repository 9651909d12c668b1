/* SPDX-License-Identifier: MIT */
/*
 * unwind-libunwind: stack walks through libunwind's local unwinder, which
 * follows DWARF call-frame information and so is exact through code built
 * without frame pointers (glibc, most distribution libraries). Slower than
 * unwind-fp.c by an order of magnitude; chosen with KALLOC_UNWIND or
 * KSAMP_UNWIND=libunwind.
 */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>

#include "unwind.h"

/* Deepest walk through libunwind (KALLOC_DEPTH and KSAMP_DEPTH are lower). */
#define KU__LIBUNWIND_MAX 1024

void ku_unwind_libunwind_init(void)
{
	/*
	 * libunwind's default global cache takes a lock with every signal
	 * blocked (two sigprocmask calls per frame) and, held by another
	 * thread at fork, deadlocks the child. A per-thread cache takes no
	 * lock, is safe in signal handlers and several times faster.
	 */
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

__attribute__((noinline)) int ku_unwind_libunwind(uintptr_t *pcs, int max, int skip)
{
	void *buf[KU__LIBUNWIND_MAX];
	int n, want = max + skip + 1;

	if (max <= 0)
		return 0;
	if (want > KU__LIBUNWIND_MAX)
		want = KU__LIBUNWIND_MAX;
	/*
	 * unw_backtrace's fast path keeps a per-thread cache of frame
	 * descriptions and needs neither a lock nor sigprocmask once warm; a
	 * unw_step() loop blocks every signal around each frame's look-up.
	 * buf[0] is this function's own return address: skip it as well.
	 */
	n = unw_backtrace(buf, want);
	n -= skip + 1;
	if (n <= 0)
		return 0;
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++)
		pcs[i] = (uintptr_t)buf[skip + 1 + i];
	__asm__ volatile("" ::: "memory");
	return n;
}

int ku_unwind_libunwind_context(void *ucontext, uintptr_t *pcs, int max)
{
	unw_cursor_t cur;
	int n = 0;

	if (max <= 0)
		return 0;
	/* On x86-64 and aarch64 Linux unw_context_t is a ucontext_t. */
	if (unw_init_local2(&cur, (unw_context_t *)ucontext, UNW_INIT_SIGNAL_FRAME) != 0)
		return -EFAULT;
	do {
		unw_word_t ip;

		if (unw_get_reg(&cur, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		pcs[n++] = (uintptr_t)ip;
	} while (n < max && unw_step(&cur) > 0);
	return n;
}
