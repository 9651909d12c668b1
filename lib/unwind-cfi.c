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
#include <string.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "cfi.h"
#include "ku.h"
#include "unwind.h"

static struct ku_unwind_counts counts;

/* The System V x86-64 ABI's red zone below the stack pointer. */
#define KU__RED_ZONE 128

/* Frames of a new walk held aside while it may still meet the memo. */
#define KU__MEMO_HEAD 16

#define KU__COUNT(f) __atomic_fetch_add(&counts.f, 1, __ATOMIC_RELAXED)

void ku_unwind_counts_get(struct ku_unwind_counts *c)
{
	c->fp_steps = __atomic_load_n(&counts.fp_steps, __ATOMIC_RELAXED);
	c->unsup_steps = __atomic_load_n(&counts.unsup_steps, __ATOMIC_RELAXED);
	c->not_code = __atomic_load_n(&counts.not_code, __ATOMIC_RELAXED);
	c->unreadable = __atomic_load_n(&counts.unreadable, __ATOMIC_RELAXED);
	c->no_progress = __atomic_load_n(&counts.no_progress, __ATOMIC_RELAXED);
	c->signal_frames = __atomic_load_n(&counts.signal_frames, __ATOMIC_RELAXED);
	c->unknown_stack = __atomic_load_n(&counts.unknown_stack, __ATOMIC_RELAXED);
	c->truncated = __atomic_load_n(&counts.truncated, __ATOMIC_RELAXED);
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
static int page_ok(uintptr_t page)
{
	char b;
	struct iovec l = {&b, 1}, r = {(void *)page, 1};

	return process_vm_readv(getpid(), &l, 1, &r, 1, 0) == 1;
}

static __attribute__((noinline)) int mem_read_slow(struct ku__mem *m, uintptr_t a, uintptr_t *v)
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
		if (!page_ok(a & ~(uintptr_t)4095))
			return 0;
		m->page = a & ~(uintptr_t)4095;
	}
	*v = *(const uintptr_t *)a;
	return 1;
}

static inline __attribute__((always_inline)) int mem_read(struct ku__mem *m, uintptr_t a, uintptr_t *v)
{
	if (KU_LIKELY(a - m->lo <= m->hi)) {
		*v = *(const uintptr_t *)a;
		return 1;
	}
	return mem_read_slow(m, a, v);
}

/* Copy the first range into m: a - lo <= hi then tests lo <= a <= end - 8
 * in one comparison (hi holds the span). */
static void mem_load(struct ku__mem *m)
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
static void enter(struct ku_unwind_stacks *st, uintptr_t sp)
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

#if defined(__x86_64__)
/* Registers of one frame. */
struct ku__frame {
	uintptr_t pc, sp, fp;
	int exact;
};

/*
 * One step: from frame *f with its rule to the caller's registers.
 * Returns -1 to go on, or the reason the walk ends (enum ku_unwind_stop).
 */
static inline __attribute__((always_inline)) int step_frame(struct ku__mem *m, struct ku_unwind_stacks *st,
							 const struct ku_cfi_rule *rule, struct ku__frame *f)
{
	uintptr_t cfa, ra, nfp = f->fp;

	/* Tests in the order of frequency: an if chain predicts better than
	 * a jump table when most frames share one rule type. */
	if (KU_LIKELY(rule->cfa_type == KU_CFA_SP)) {
		cfa = f->sp + (uintptr_t)(intptr_t)rule->cfa_off;
	} else if (rule->cfa_type == KU_CFA_FP) {
		cfa = f->fp + (uintptr_t)(intptr_t)rule->cfa_off;
	} else if (rule->cfa_type == KU_CFA_END) {
		return KU_UNWIND_STOP_END;
	} else if (rule->cfa_type == KU_CFA_DEREF) {
		if (!mem_read(m, f->fp + (uintptr_t)(intptr_t)rule->cfa_off, &cfa))
			return KU_UNWIND_STOP_UNREADABLE;
	} else if (rule->cfa_type == KU_CFA_PLT) {
		cfa = f->sp + (uintptr_t)(intptr_t)rule->cfa_off + ((f->pc & 15) >= (uintptr_t)rule->fp_off ? 8 : 0);
	} else if (rule->cfa_type == KU_CFA_SIGNAL) {
		uintptr_t npc, nsp;

		if (!mem_read(m, f->sp + KU__UC_PC, &npc) || !mem_read(m, f->sp + KU__UC_SP, &nsp) ||
		    !mem_read(m, f->sp + KU__UC_FP, &nfp))
			return KU_UNWIND_STOP_UNREADABLE;
		KU__COUNT(signal_frames);
		f->pc = npc;
		f->sp = nsp;
		f->fp = nfp;
		f->exact = 1;
		enter(st, nsp);
		mem_load(m);
		return -1;
	} else { /* NONE, UNSUP: the frame pointer, if it looks like one */
		KU__COUNT(fp_steps);
		if (rule->cfa_type == KU_CFA_UNSUP)
			KU__COUNT(unsup_steps);
		if (f->fp <= f->sp || (f->fp & (sizeof(uintptr_t) - 1)) != 0 || !mem_read(m, f->fp, &nfp) ||
		    !mem_read(m, f->fp + sizeof(uintptr_t), &ra))
			return KU_UNWIND_STOP_UNREADABLE;
		cfa = f->fp + 2 * sizeof(uintptr_t);
		goto step;
	}
	if (!mem_read(m, cfa - sizeof(uintptr_t), &ra))
		return KU_UNWIND_STOP_UNREADABLE;
	if (rule->fp_type == KU_FP_OFFSET && !mem_read(m, cfa + (uintptr_t)(intptr_t)rule->fp_off, &nfp))
		return KU_UNWIND_STOP_UNREADABLE;
step:
	if (KU_UNLIKELY(cfa <= f->sp)) {
		KU__COUNT(no_progress);
		return KU_UNWIND_STOP_NO_PROGRESS;
	}
	if (KU_UNLIKELY(ra < 4096))
		return KU_UNWIND_STOP_END; /* a zeroed return address: outermost */
	f->pc = ra;
	f->sp = cfa;
	f->fp = nfp;
	f->exact = 0;
	return -1;
}

/*
 * Does the memo's walk from its frame j on still hold, entered with the
 * frame pointer fp? The recorded walk read a few words of the stack per
 * frame: the return address just below each CFA (the next frame's pc),
 * the saved frame pointer where the rule says (the next frame's fp), the
 * word a realigned frame's CFA is loaded from (the next frame's sp). If
 * those words still hold the values found then, and the registers the
 * walk is entered with are the same, it would find the same frames:
 * compare the words, no look-ups. The words lie in this thread's stack
 * at or above the memo's lowest frame, which stayed mapped (the caller
 * keeps memos of walks on the thread's own stack only). fp is compared
 * only where the walk reads it before restoring it.
 */
static inline int memo_valid(const struct ku_unwind_memo *mo, int j, uintptr_t fp)
{
	const struct ku_unwind_memo_check *c = &mo->chk[j], *end = &mo->chk[mo->n - 1];
	const uintptr_t *pc = &mo->pc[j + 1];

	if (mo->f[j].fp_live && fp != mo->f[j].fp)
		return 0;
	for (; c < end; c++, pc++) {
		if (*(const uintptr_t *)c->ra != *pc)
			return 0;
		if (c->fp && *(const uintptr_t *)c->fp != mo->f[pc - mo->pc].fp)
			return 0;
		if (KU_UNLIKELY(c->cfa != 0) && *(const uintptr_t *)c->cfa != mo->f[pc - mo->pc].sp)
			return 0;
	}
	return 1;
}

/* After a walk is recorded: the words each step read, the pcs in a row,
 * and which frames' continuation reads the fp register they were entered
 * with. */
static void memo_finish(struct ku_unwind_memo *mo)
{
	int live = 0; /* of the frame above: the outermost uses nothing */

	for (int i = mo->n - 1; i >= 0; i--) {
		const struct ku_unwind_memo_frame *a = &mo->f[i];
		struct ku_unwind_memo_check *c = &mo->chk[i];
		uint8_t t = a->rule.cfa_type;

		mo->pc[i] = a->pc;
		if (t == KU_CFA_FP || t == KU_CFA_DEREF || t == KU_CFA_NONE || t == KU_CFA_UNSUP)
			live = 1;
		else if (a->rule.fp_type == KU_FP_OFFSET)
			live = 0;
		mo->f[i].fp_live = (uint8_t)live;
		if (i + 1 >= mo->n)
			continue;
		c->cfa = t == KU_CFA_DEREF ? a->fp + (uintptr_t)(intptr_t)a->rule.cfa_off : 0;
		if (t == KU_CFA_NONE || t == KU_CFA_UNSUP) {
			c->ra = a->fp + sizeof(uintptr_t);
			c->fp = a->fp;
		} else {
			c->ra = mo->f[i + 1].sp - sizeof(uintptr_t);
			c->fp = a->rule.fp_type == KU_FP_OFFSET ? mo->f[i + 1].sp + (uintptr_t)(intptr_t)a->rule.fp_off
								 : 0;
		}
	}
}
#endif

/*
 * The walk. With a memo (per-thread storage of the last walk), the walk
 * stops as soon as it reaches a frame of the last walk with the same
 * registers whose continuation still holds, and copies the rest.
 */
static inline __attribute__((always_inline)) int walk(const struct ku_unwind_regs *r,
							 struct ku_unwind_stacks *st, uintptr_t *restrict pcs,
							 int max, struct ku_unwind_memo *mo)
{
#if defined(__x86_64__)
	struct ku__mem m = {0, 0, st, 0};
	struct ku__frame f = {r->pc, r->sp, r->fp, r->exact};
	struct ku_unwind_memo_frame head[KU__MEMO_HEAD];
	int n = 0, j = 0, tries = mo && mo->n ? 2 : 0, recording = mo != NULL, stop;

	/* The same walk as last time, from its first frame: check, copy. */
	if (mo && mo->n && mo->pc[0] == f.pc && mo->f[0].sp == f.sp && !f.exact && memo_valid(mo, 0, f.fp)) {
		n = mo->n <= max ? mo->n : max;
		memcpy(pcs, mo->pc, (size_t)n * sizeof(*pcs));
		mo->hits++;
		st->stop = mo->n > max ? KU_UNWIND_STOP_DEPTH : mo->stop;
		return n;
	}
	if (!st->n)
		KU__COUNT(unknown_stack);
	enter(st, f.sp);
	mem_load(&m);
	while (n < max) {
		struct ku_cfi_rule rule;
		int k;

		if (tries) {
			/* A frame of the last walk at this stack pointer? */
			while (j < mo->n && mo->f[j].sp < f.sp)
				j++;
			if (j < mo->n && mo->f[j].sp == f.sp && mo->f[j].pc == f.pc && !f.exact && n < KU__MEMO_HEAD) {
				tries--;
				if (memo_valid(mo, j, f.fp)) {
					int tail = mo->n - j, keep = n + tail;

					memcpy(pcs + n, &mo->pc[j], (size_t)(keep <= max ? tail : max - n) * sizeof(*pcs));
					mo->hits++;
					if (n == 0 && j == 0) {
						/* The same walk again: nothing to change. */
					} else if (keep <= KU_UNWIND_MEMO_FRAMES) {
						memmove(&mo->f[n], &mo->f[j], (size_t)tail * sizeof(mo->f[0]));
						memcpy(mo->f, head, (size_t)n * sizeof(head[0]));
						mo->n = keep;
						memo_finish(mo);
					} else {
						mo->n = 0;
					}
					st->stop = keep > max ? KU_UNWIND_STOP_DEPTH : mo->stop;
					if (keep > max)
						KU__COUNT(truncated);
					return keep < max ? keep : max;
				}
				if (!tries) {
					/* Give up matching: record in place from now on. */
					memcpy(mo->f, head, (size_t)n * sizeof(head[0]));
				}
			}
			if (tries && n >= KU__MEMO_HEAD - 1) {
				tries = 0;
				memcpy(mo->f, head, (size_t)n * sizeof(head[0]));
			}
		}
		k = ku_cfi_find_inline(f.exact ? f.pc : f.pc - 1, &rule);
		if (KU_UNLIKELY(k == 0)) {
			KU__COUNT(not_code);
			stop = KU_UNWIND_STOP_NOT_CODE;
			goto out;
		}
		pcs[n] = f.pc;
		if (recording) {
			struct ku_unwind_memo_frame *mf = tries ? &head[n] : n < KU_UNWIND_MEMO_FRAMES ? &mo->f[n] : NULL;

			if (mf) {
				mf->pc = f.pc;
				mf->sp = f.sp;
				mf->fp = f.fp;
				mf->rule = rule;
				if (f.exact && n) /* only a first frame may be exact */
					recording = 0;
			} else {
				recording = 0;
			}
		}
		n++;
		if ((stop = step_frame(&m, st, &rule, &f)) >= 0)
			goto out;
	}
	KU__COUNT(truncated);
	stop = KU_UNWIND_STOP_DEPTH;
out:
	st->stop = stop;
	if (mo) {
		/* Only walks that ended cleanly are worth repeating. */
		if (tries)
			memcpy(mo->f, head, (size_t)n * sizeof(head[0]));
		mo->n = recording && stop == KU_UNWIND_STOP_END && n <= KU_UNWIND_MEMO_FRAMES && n &&
				mo->f[n - 1].rule.cfa_type == KU_CFA_END
			? n
			: 0;
		mo->stop = stop;
		if (mo->n)
			memo_finish(mo);
	}
	return n;
#else
	(void)r;
	(void)st;
	(void)pcs;
	(void)max;
	(void)mo;
	return -ENOTSUP;
#endif
}

int ku_unwind_cfi(const struct ku_unwind_regs *r, struct ku_unwind_stacks *st, uintptr_t *restrict pcs, int max)
{
	return walk(r, st, pcs, max, NULL);
}

int ku_unwind_cfi_memo(const struct ku_unwind_regs *r, struct ku_unwind_stacks *st, uintptr_t *restrict pcs,
		       int max, struct ku_unwind_memo *memo)
{
	return walk(r, st, pcs, max, memo);
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
	/*
	 * The interrupted function may keep data in the 128-byte red zone
	 * below its stack pointer, which the kernel leaves intact: in an
	 * epilogue right after "pop %rbp" the CFI still places the saved rbp
	 * there. So the first frame may read from sp - 128 on.
	 */
	if (stack_top && r.sp < stack_top && stack_top - r.sp < ((uintptr_t)1 << 30) && r.sp > KU__RED_ZONE) {
		st.r[0].lo = r.sp - KU__RED_ZONE;
		st.r[0].hi = stack_top;
		st.n = 1;
	} else if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK) &&
		   r.sp >= (uintptr_t)ss.ss_sp && r.sp < (uintptr_t)ss.ss_sp + ss.ss_size) {
		/* Interrupted on a signal stack: it, then the thread's stack. */
		st.r[0].lo = r.sp - KU__RED_ZONE >= (uintptr_t)ss.ss_sp ? r.sp - KU__RED_ZONE : r.sp;
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
