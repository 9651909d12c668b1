/* SPDX-License-Identifier: MIT */
/*
 * unwind-cfi: the stack walk over the compiled CFI tables of cfi.c (see
 * unwind.h). One step per frame: look up the rule of the frame's pc (a
 * return address is looked up at pc - 1, inside its call instruction),
 * compute the canonical frame address from SP or FP, read the return
 * address just below it and the caller's FP where the rule says it was
 * saved. A signal trampoline's frame is crossed by reading the registers
 * from the ucontext the kernel left at SP. Where an address has no CFI
 * (JIT code, hand-written assembly) the frame pointer is followed, and
 * counted.
 *
 * EVERYTHING IN THIS FILE IS ASYNC-SIGNAL-SAFE: no allocation, no lock,
 * no system call except sigaltstack(2) and process_vm_readv(2) (only when
 * a stack's bounds are unknown). Every read is checked against the stack
 * ranges the caller gives, so garbage in a frame ends the walk instead of
 * faulting, and a frame must lie above the one before it.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "cfi.h"
#include "ku.h"
#include "unwind.h"

static struct ku_unwind_counts ku__counts;

#define KU__COUNT(f) __atomic_fetch_add(&ku__counts.f, 1, __ATOMIC_RELAXED)

void ku_unwind_counts_get(struct ku_unwind_counts *c)
{
	c->fp_steps = __atomic_load_n(&ku__counts.fp_steps, __ATOMIC_RELAXED);
	c->unsup_steps = __atomic_load_n(&ku__counts.unsup_steps, __ATOMIC_RELAXED);
	c->not_code = __atomic_load_n(&ku__counts.not_code, __ATOMIC_RELAXED);
	c->unreadable = __atomic_load_n(&ku__counts.unreadable, __ATOMIC_RELAXED);
	c->no_progress = __atomic_load_n(&ku__counts.no_progress, __ATOMIC_RELAXED);
	c->signal_frames = __atomic_load_n(&ku__counts.signal_frames, __ATOMIC_RELAXED);
	c->unknown_stack = __atomic_load_n(&ku__counts.unknown_stack, __ATOMIC_RELAXED);
	c->truncated = __atomic_load_n(&ku__counts.truncated, __ATOMIC_RELAXED);
}

/* Reading state of one walk: a copy of the first range (kept in
 * registers), the stacks, and for unknown bounds the last page found
 * readable. */
struct ku__mem {
	uintptr_t lo, hi; /* the first range: [lo, hi - 8] readable; lo 0: none */
	struct ku_unwind_stacks *st;
	uintptr_t page;
};

/* A page is readable when the kernel can copy a byte from it. */
static int ku__page_ok(uintptr_t page)
{
	char b;
	struct iovec l = {&b, 1}, r = {(void *)page, 1};

	return process_vm_readv(getpid(), &l, 1, &r, 1, 0) == 1;
}

static __attribute__((noinline)) int ku__read_slow(struct ku__mem *m, uintptr_t a, uintptr_t *v)
{
	struct ku_unwind_stacks *st = m->st;

	if (st->n) {
		for (int i = 0; i < st->n; i++)
			if (st->r[i].lo && a >= st->r[i].lo && a < st->r[i].hi &&
			    st->r[i].hi - a >= sizeof(uintptr_t)) {
				*v = *(const uintptr_t *)a;
				return 1;
			}
		return 0;
	}
	if ((a & (sizeof(uintptr_t) - 1)) != 0)
		return 0;
	if ((a & ~(uintptr_t)4095) != m->page) {
		if (!ku__page_ok(a & ~(uintptr_t)4095))
			return 0;
		m->page = a & ~(uintptr_t)4095;
	}
	*v = *(const uintptr_t *)a;
	return 1;
}

static inline __attribute__((always_inline)) int ku__read(struct ku__mem *m, uintptr_t a, uintptr_t *v)
{
	if (KU_LIKELY(a - m->lo <= m->hi)) {
		*v = *(const uintptr_t *)a;
		return 1;
	}
	return ku__read_slow(m, a, v);
}

/* Copy the first range into m: a - lo <= hi then tests lo <= a <= end - 8
 * in one comparison (hi holds the span). */
static void ku__mem_load(struct ku__mem *m)
{
	struct ku_unwind_stacks *st = m->st;

	/* No first range: match only the address of a word of ours, which
	 * is as harmless to read as anything. */
	m->lo = (uintptr_t)&m->page;
	m->hi = 0;
	if (st->n >= 1 && st->r[0].lo && st->r[0].hi >= st->r[0].lo + sizeof(uintptr_t)) {
		m->lo = st->r[0].lo;
		m->hi = st->r[0].hi - sizeof(uintptr_t) - st->r[0].lo;
	}
}

/* A new stack pointer sp: give a range without a lower bound its bound. */
static void ku__enter(struct ku_unwind_stacks *st, uintptr_t sp)
{
	for (int i = 0; i < st->n; i++)
		if (!st->r[i].lo && sp < st->r[i].hi && st->r[i].hi - sp < ((uintptr_t)1 << 30))
			st->r[i].lo = sp;
}

#if defined(__x86_64__)
#define KU__UC_PC offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP])
#define KU__UC_SP offsetof(ucontext_t, uc_mcontext.gregs[REG_RSP])
#define KU__UC_FP offsetof(ucontext_t, uc_mcontext.gregs[REG_RBP])
#endif

int ku_unwind_cfi(const struct ku_unwind_regs *r, struct ku_unwind_stacks *st, uintptr_t *restrict pcs, int max)
{
#if defined(__x86_64__)
	struct ku__mem m = {0, 0, st, 0};
	uintptr_t pc = r->pc, sp = r->sp, fp = r->fp;
	int exact = r->exact, n = 0;

	if (!st->n)
		KU__COUNT(unknown_stack);
	ku__enter(st, sp);
	ku__mem_load(&m);
	while (n < max) {
		struct ku_cfi_rule rule;
		uintptr_t cfa, ra, nfp = fp;
		int k = ku_cfi_find_inline(exact ? pc : pc - 1, &rule);

		if (KU_UNLIKELY(k == 0)) {
			KU__COUNT(not_code);
			st->stop = KU_UNWIND_STOP_NOT_CODE;
			return n;
		}
		pcs[n++] = pc;
		/* Tests in the order of frequency: an if chain predicts better
		 * than a jump table when most frames share one rule type. */
		if (KU_LIKELY(rule.cfa_type == KU_CFA_SP)) {
			cfa = sp + (uintptr_t)(intptr_t)rule.cfa_off;
		} else if (rule.cfa_type == KU_CFA_FP) {
			cfa = fp + (uintptr_t)(intptr_t)rule.cfa_off;
		} else if (rule.cfa_type == KU_CFA_END) {
			st->stop = KU_UNWIND_STOP_END;
			return n;
		} else if (rule.cfa_type == KU_CFA_DEREF) {
			if (!ku__read(&m, fp + (uintptr_t)(intptr_t)rule.cfa_off, &cfa))
				goto unreadable;
		} else if (rule.cfa_type == KU_CFA_PLT) {
			cfa = sp + (uintptr_t)(intptr_t)rule.cfa_off + ((pc & 15) >= (uintptr_t)rule.fp_off ? 8 : 0);
		} else if (rule.cfa_type == KU_CFA_SIGNAL) {
			uintptr_t npc, nsp;

			if (!ku__read(&m, sp + KU__UC_PC, &npc) || !ku__read(&m, sp + KU__UC_SP, &nsp) ||
			    !ku__read(&m, sp + KU__UC_FP, &nfp))
				goto unreadable;
			KU__COUNT(signal_frames);
			pc = npc;
			sp = nsp;
			fp = nfp;
			exact = 1;
			ku__enter(st, sp);
			ku__mem_load(&m);
			continue;
		} else { /* NONE, UNSUP: the frame pointer, if it looks like one */
			KU__COUNT(fp_steps);
			if (rule.cfa_type == KU_CFA_UNSUP)
				KU__COUNT(unsup_steps);
			if (fp <= sp || (fp & (sizeof(uintptr_t) - 1)) != 0 || !ku__read(&m, fp, &nfp) ||
			    !ku__read(&m, fp + sizeof(uintptr_t), &ra))
				goto unreadable;
			cfa = fp + 2 * sizeof(uintptr_t);
			goto step;
		}
		if (!ku__read(&m, cfa - sizeof(uintptr_t), &ra))
			goto unreadable;
		if (rule.fp_type == KU_FP_OFFSET && !ku__read(&m, cfa + (uintptr_t)(intptr_t)rule.fp_off, &nfp))
			goto unreadable;
	step:
		if (KU_UNLIKELY(cfa <= sp)) {
			KU__COUNT(no_progress);
			st->stop = KU_UNWIND_STOP_NO_PROGRESS;
			return n;
		}
		if (KU_UNLIKELY(ra < 4096)) {
			st->stop = KU_UNWIND_STOP_END; /* a zeroed return address: outermost */
			return n;
		}
		pc = ra;
		sp = cfa;
		fp = nfp;
		exact = 0;
	}
	KU__COUNT(truncated);
	st->stop = KU_UNWIND_STOP_DEPTH;
	return n;
unreadable:
	KU__COUNT(unreadable);
	st->stop = KU_UNWIND_STOP_UNREADABLE;
	return n;
#else
	(void)r;
	(void)st;
	(void)pcs;
	(void)max;
	return -ENOTSUP;
#endif
}

int ku_unwind_cfi_context(const void *ucontext, uintptr_t *pcs, int max, uintptr_t stack_top)
{
#if defined(__x86_64__)
	const ucontext_t *uc = ucontext;
	struct ku_unwind_regs r;
	struct ku_unwind_stacks st;
	stack_t ss;

	if (max <= 0)
		return 0;
	r.pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	r.sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	r.fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
	r.exact = 1;
	st.n = 0;
	if (stack_top && r.sp < stack_top && stack_top - r.sp < ((uintptr_t)1 << 30)) {
		st.r[0].lo = r.sp;
		st.r[0].hi = stack_top;
		st.n = 1;
	} else if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK) &&
		   r.sp >= (uintptr_t)ss.ss_sp && r.sp < (uintptr_t)ss.ss_sp + ss.ss_size) {
		/* Interrupted on a signal stack: it, then the thread's stack. */
		st.r[0].lo = r.sp;
		st.r[0].hi = (uintptr_t)ss.ss_sp + ss.ss_size;
		st.n = 1;
		if (stack_top) {
			st.r[1].lo = 0;
			st.r[1].hi = stack_top;
			st.n = 2;
		}
	}
	return ku_unwind_cfi(&r, &st, pcs, max);
#else
	(void)ucontext;
	(void)pcs;
	(void)max;
	(void)stack_top;
	return -ENOTSUP;
#endif
}
