/* SPDX-License-Identifier: MIT */
/*
 * cfi: .eh_frame compiled into compact unwind tables (see cfi.h).
 *
 * Building (normal context, under the builder lock): each object the
 * dynamic linker reports is read in place, in its own loaded segments.
 * .eh_frame_hdr gives the start of .eh_frame; every FDE's CFA program is
 * run once by a small interpreter that follows the CFA, the return
 * address column and the frame-pointer register (rbp), and emits one row
 * per address where that state changes. Rows are written straight into
 * reserved memory, sorted (an end marker at each FDE's end, so gaps
 * without CFI read as "no CFI"), equal neighbours merged. Nothing here
 * calls malloc: libkalloc builds tables from inside malloc.
 *
 * Reading (ku_cfi_find, async-signal-safe): a word-sized direct-mapped
 * cache, then a binary search over the objects of the current snapshot
 * and one over that object's rows. Snapshots, tables and palette entries
 * are written once, published with release stores and never freed.
 *
 * The maths and the rule set are documented in man/libkalloc.7
 * ("UNWINDING") and doc/unwinding.md.
 */
#include "config.h"

#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include "cfi.h"
#include "ku.h"
#include "procmaps.h"

/* ---- memory ------------------------------------------------------------- */

#define KU__CFI_RESERVE ((size_t)1 << 30)   /* address space for everything */
#define KU__CFI_RULES_MAX 65536u	    /* palette (indices fit 16 bits) */
#define KU__CFI_RULE_SLOTS (2 * KU__CFI_RULES_MAX)
#define KU__CFI_KNOWN_MAX 8192u		    /* tables kept for reuse */
#define KU__CFI_IMAGES_MAX 64u

struct ku__cfi_row {
	uint32_t off;  /* pc - object text start */
	uint32_t rule; /* palette index (bit 31 set while building: FDE row) */
};

struct ku__cfi_obj {
	uintptr_t lo, hi; /* code [lo, hi); rows are relative to lo */
	const struct ku__cfi_row *rows;
	uint32_t nrows;
};

struct ku__cfi_snap {
	uint32_t n;  /* objects, sorted by lo */
	uint32_t nx; /* other executable ranges (JIT), sorted */
	const struct ku__cfi_obj *obj;
	const uintptr_t *x; /* nx pairs lo, hi */
};

/* A table kept so that an object loaded again reuses it. */
struct ku__cfi_known {
	uint64_t key;
	const struct ku__cfi_row *rows;
	uint32_t nrows;
};

static struct {
	int ready;
	int lock; /* builder lock: never taken by readers */
	uint8_t *mem;
	size_t used; /* bump pointer into mem (after the fixed areas) */
	size_t fixed;
	struct ku_cfi_rule *rule;     /* palette */
	uint32_t *rule_slot;	      /* palette hash: index + 1, 0 empty */
	uint32_t nrules;
	uint64_t *cache;	      /* pc << 16 | rule index, 0 empty */
	struct ku__cfi_known *known;
	uint32_t nknown;
	struct ku__cfi_snap *snap;    /* published */
	struct ku__cfi_obj image[KU__CFI_IMAGES_MAX];
	uint32_t nimages;	      /* published */
	uint64_t gen;
	struct ku_cfi_stats st;
} ku__cfi;

/* Published once by ku_cfi_init for the inline probe in cfi.h. */
uint64_t *ku__cfi_cache;
const struct ku_cfi_rule *ku__cfi_rules;

int ku_cfi_supported(void)
{
#if defined(__x86_64__)
	return 1;
#else
	return 0;
#endif
}

static void ku__cfi_lock(void)
{
	while (__atomic_exchange_n(&ku__cfi.lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static int ku__cfi_trylock(void)
{
	return !__atomic_exchange_n(&ku__cfi.lock, 1, __ATOMIC_ACQUIRE);
}

static void ku__cfi_unlock(void)
{
	__atomic_store_n(&ku__cfi.lock, 0, __ATOMIC_RELEASE);
}

void ku_cfi_after_fork_child(void)
{
	/* A fork while another thread built tables: that thread is gone. */
	ku__cfi.lock = 0;
}

/* Bump allocation from the reservation; NULL when it is exhausted. */
static void *ku__cfi_alloc(size_t len)
{
	size_t at = (ku__cfi.used + 15) & ~(size_t)15;

	if (at > KU__CFI_RESERVE || len > KU__CFI_RESERVE - at)
		return NULL;
	ku__cfi.used = at + len;
	return ku__cfi.mem + at;
}

static uint32_t ku__cfi_intern(const struct ku_cfi_rule *r);

int ku_cfi_init(void)
{
	static const struct ku_cfi_rule fixed[] = {
		{0, 0, KU_CFA_NONE, KU_FP_SAME},
		{0, 0, KU_CFA_UNSUP, KU_FP_SAME},
		{0, 0, KU_CFA_END, KU_FP_SAME},
		{0, 0, KU_CFA_SIGNAL, KU_FP_SAME},
	};
	void *m;
	size_t off = 0;

	if (__atomic_load_n(&ku__cfi.ready, __ATOMIC_ACQUIRE))
		return 0;
	ku__cfi_lock();
	if (ku__cfi.ready) {
		ku__cfi_unlock();
		return 0;
	}
	m = mmap(NULL, KU__CFI_RESERVE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (m == MAP_FAILED) {
		int e = -errno;

		ku__cfi_unlock();
		return e;
	}
	ku__cfi.mem = m;
	ku__cfi.rule = (struct ku_cfi_rule *)(ku__cfi.mem + off);
	off += KU__CFI_RULES_MAX * sizeof(struct ku_cfi_rule);
	ku__cfi.rule_slot = (uint32_t *)(ku__cfi.mem + off);
	off += KU__CFI_RULE_SLOTS * sizeof(uint32_t);
	ku__cfi.cache = (uint64_t *)(ku__cfi.mem + off);
	off += ((size_t)1 << KU__CFI_CACHE_BITS) * sizeof(uint64_t);
	ku__cfi.known = (struct ku__cfi_known *)(ku__cfi.mem + off);
	off += KU__CFI_KNOWN_MAX * sizeof(struct ku__cfi_known);
	ku__cfi.used = ku__cfi.fixed = off;
	for (size_t i = 0; i < KU_ARRAY_SIZE(fixed); i++)
		ku__cfi_intern(&fixed[i]);
	ku__cfi_rules = ku__cfi.rule;
	__atomic_store_n(&ku__cfi_cache, ku__cfi.cache, __ATOMIC_RELEASE);
	__atomic_store_n(&ku__cfi.ready, 1, __ATOMIC_RELEASE);
	ku__cfi_unlock();
	return 0;
}

/* ---- the rule palette (builder lock held) ------------------------------- */

static uint32_t ku__cfi_rule_hash(const struct ku_cfi_rule *r)
{
	uint64_t v;

	memcpy(&v, r, sizeof(v));
	v *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(v >> 40);
}

/* Index of rule r in the palette, added if new; the UNSUP index (1) when
 * the palette is full. */
static uint32_t ku__cfi_intern(const struct ku_cfi_rule *r)
{
	uint32_t i = ku__cfi_rule_hash(r) & (KU__CFI_RULE_SLOTS - 1), s;

	while ((s = ku__cfi.rule_slot[i]) != 0) {
		if (!memcmp(&ku__cfi.rule[s - 1], r, sizeof(*r)))
			return s - 1;
		i = (i + 1) & (KU__CFI_RULE_SLOTS - 1);
	}
	if (ku__cfi.nrules >= KU__CFI_RULES_MAX - 1)
		return 1;
	ku__cfi.rule[ku__cfi.nrules] = *r;
	/* Entries are complete before any row that names them is published
	 * (the snapshot's release store orders both). */
	ku__cfi.rule_slot[i] = ++ku__cfi.nrules;
	return ku__cfi.nrules - 1;
}

/* ---- reading .eh_frame, bounds-checked ---------------------------------- */

struct ku__cur {
	const uint8_t *p, *end; /* readable [p, end) */
	const uint8_t *lo;	/* start of the readable memory (for indirections) */
	int bad;
};

static uint64_t ku__rd(struct ku__cur *c, size_t n)
{
	uint64_t v = 0;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return 0;
	}
	memcpy(&v, c->p, n); /* little-endian hosts only (x86-64) */
	c->p += n;
	return v;
}

static uint64_t ku__uleb(struct ku__cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t b = (uint8_t)ku__rd(c, 1);

		if (c->bad)
			return 0;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
		if (shift > 70) {
			c->bad = 1;
			return 0;
		}
	}
}

static int64_t ku__sleb(struct ku__cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = (uint8_t)ku__rd(c, 1);
		if (c->bad)
			return 0;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (shift > 70) {
			c->bad = 1;
			return 0;
		}
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

#define KU__PE_OMIT 0xff

/* A DW_EH_PE-encoded pointer. datarel: base for DW_EH_PE_datarel. No
 * application (pc-relative etc.) when raw is set (FDE address ranges). */
static uintptr_t ku__enc(struct ku__cur *c, uint8_t enc, uintptr_t datarel, int raw)
{
	uintptr_t at = (uintptr_t)c->p, v;

	switch (enc & 0x0f) {
	case 0x00: v = (uintptr_t)ku__rd(c, 8); break;
	case 0x01: v = (uintptr_t)ku__uleb(c); break;
	case 0x02: v = (uintptr_t)ku__rd(c, 2); break;
	case 0x03: v = (uintptr_t)ku__rd(c, 4); break;
	case 0x04: v = (uintptr_t)ku__rd(c, 8); break;
	case 0x09: v = (uintptr_t)ku__sleb(c); break;
	case 0x0a: v = (uintptr_t)(int64_t)(int16_t)ku__rd(c, 2); break;
	case 0x0b: v = (uintptr_t)(int64_t)(int32_t)ku__rd(c, 4); break;
	case 0x0c: v = (uintptr_t)ku__rd(c, 8); break;
	default: c->bad = 1; return 0;
	}
	if (raw || c->bad)
		return v;
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += at; break;
	case 0x30: v += datarel; break;
	default: c->bad = 1; return 0;
	}
	if (enc & 0x80) { /* indirect: only for pointers we never follow */
		c->bad = 1;
		return 0;
	}
	return v;
}

/* ---- the CFA interpreter ------------------------------------------------ */

enum { KU__R_SAME, KU__R_UNDEF, KU__R_OFFSET, KU__R_OTHER };
enum { KU__C_REG, KU__C_DEREF, KU__C_PLT, KU__C_OTHER };

#define KU__REG_FP 6 /* rbp */
#define KU__REG_SP 7 /* rsp */

struct ku__state {
	uint8_t cfa_kind, ra_kind, fp_kind, plt_k;
	uint32_t cfa_reg;
	int64_t cfa_off, ra_off, fp_off;
};

struct ku__cie {
	const uint8_t *start; /* its length field: identity */
	uint64_t caf;
	int64_t daf;
	uint64_t ra_reg;
	uint8_t fde_enc;
	uint8_t has_aug_data;
	uint8_t signal;
	const uint8_t *insn, *insn_end;
};

/* The builder's view of one object. */
struct ku__build {
	uintptr_t text_lo, text_hi;
	struct ku__cfi_row *rows;
	size_t nrows, cap;
	int overflow;
	uint64_t fdes, unsup;
	struct ku__state init; /* after the CIE's initial instructions */
};

static uint32_t ku__compile(const struct ku__cie *cie, const struct ku__state *s)
{
	struct ku_cfi_rule r = {0, 0, KU_CFA_UNSUP, KU_FP_SAME};

	if (cie->signal)
		r.cfa_type = KU_CFA_SIGNAL;
	else if (s->ra_kind == KU__R_UNDEF)
		r.cfa_type = KU_CFA_END;
	else if (s->ra_kind != KU__R_OFFSET || s->ra_off != -8)
		return 1;
	else if (s->cfa_off < INT32_MIN || s->cfa_off > INT32_MAX)
		return 1;
	else if (s->cfa_kind == KU__C_REG && s->cfa_reg == KU__REG_SP)
		r.cfa_type = KU_CFA_SP;
	else if (s->cfa_kind == KU__C_REG && s->cfa_reg == KU__REG_FP)
		r.cfa_type = KU_CFA_FP;
	else if (s->cfa_kind == KU__C_DEREF)
		r.cfa_type = KU_CFA_DEREF;
	else if (s->cfa_kind == KU__C_PLT) {
		r.cfa_type = KU_CFA_PLT;
		r.fp_off = s->plt_k;
	} else
		return 1;
	if (r.cfa_type == KU_CFA_SIGNAL || r.cfa_type == KU_CFA_END)
		return ku__cfi_intern(&r);
	r.cfa_off = (int32_t)s->cfa_off;
	if (s->fp_kind == KU__R_OFFSET) {
		if (s->fp_off < INT16_MIN || s->fp_off > INT16_MAX || r.cfa_type == KU_CFA_PLT)
			return 1;
		r.fp_type = KU_FP_OFFSET;
		r.fp_off = (int16_t)s->fp_off;
	} else if (s->fp_kind == KU__R_OTHER) {
		return 1;
	}
	return ku__cfi_intern(&r);
}

static void ku__emit(struct ku__build *b, uintptr_t pc, uint32_t rule, int fde_row)
{
	uint32_t off = (uint32_t)(pc - b->text_lo), v = rule | (fde_row ? 0x80000000u : 0);

	/* Two rows of one FDE at one address: the later state wins. */
	if (fde_row && b->nrows && b->rows[b->nrows - 1].off == off &&
	    (b->rows[b->nrows - 1].rule & 0x80000000u)) {
		b->rows[b->nrows - 1].rule = v;
		return;
	}
	if (b->nrows >= b->cap) {
		b->overflow = 1;
		return;
	}
	b->rows[b->nrows].off = off;
	b->rows[b->nrows].rule = v;
	b->nrows++;
}

/*
 * Recognise the two CFA expressions the compact form keeps: *(rbp + k)
 * (gcc's stack realignment, main with AVX locals) and the lazy PLT's
 * rsp + n + ((rip & 15) >= k) << 3.
 */
static void ku__cfa_expr(struct ku__state *s, const uint8_t *e, size_t len)
{
	struct ku__cur c = {e, e + len, e, 0};
	uint8_t op = (uint8_t)ku__rd(&c, 1);

	s->cfa_kind = KU__C_OTHER;
	if (op == 0x70 + KU__REG_FP) { /* DW_OP_breg6 k; DW_OP_deref */
		int64_t k = ku__sleb(&c);

		if (!c.bad && ku__rd(&c, 1) == 0x06 && !c.bad && c.p == c.end) {
			s->cfa_kind = KU__C_DEREF;
			s->cfa_off = k;
		}
	} else if (op == 0x70 + KU__REG_SP) {
		int64_t n = ku__sleb(&c);
		uint8_t k;

		if (c.bad || ku__rd(&c, 1) != 0x80 || ku__sleb(&c) != 0 || ku__rd(&c, 1) != 0x3f ||
		    ku__rd(&c, 1) != 0x1a)
			return;
		k = (uint8_t)ku__rd(&c, 1);
		if (c.bad || k < 0x30 || k > 0x4f)
			return;
		if (ku__rd(&c, 1) != 0x2a || ku__rd(&c, 1) != 0x33 || ku__rd(&c, 1) != 0x24 ||
		    ku__rd(&c, 1) != 0x22 || c.bad || c.p != c.end)
			return;
		s->cfa_kind = KU__C_PLT;
		s->cfa_off = n;
		s->plt_k = (uint8_t)(k - 0x30);
	}
}

#define KU__REMEMBER_MAX 16

/*
 * Run CFA instructions [p, end). With b->rows == NULL (the CIE's initial
 * instructions) only the state changes; otherwise rows are emitted for
 * [*loc, pc_end). Returns 0, or -1 on malformed or unsupported input
 * (the caller ends the FDE there).
 */
static int ku__run(struct ku__build *b, const struct ku__cie *cie, struct ku__state *s, const uint8_t *p,
		   const uint8_t *end, uintptr_t *loc, uintptr_t pc_end, int emit)
{
	struct ku__cur c = {p, end, p, 0};
	struct ku__state stack[KU__REMEMBER_MAX];
	int depth = 0;

	while (c.p < c.end && !c.bad) {
		uint8_t op = (uint8_t)ku__rd(&c, 1), low = op & 0x3f;
		uint64_t reg = 0, delta = 0;
		int64_t off = 0;
		int advance = 0;

		switch (op >> 6) {
		case 1: delta = low; advance = 1; break;
		case 2:
			reg = low;
			off = (int64_t)ku__uleb(&c) * cie->daf;
			goto set_offset;
		case 3:
			reg = low;
			goto restore;
		default: break;
		}
		if (op >> 6)
			goto next;
		switch (op) {
		case 0x00: break; /* nop */
		case 0x01: {	  /* set_loc */
			uintptr_t to = ku__enc(&c, cie->fde_enc, 0, 0);

			if (c.bad || to < *loc)
				return -1;
			delta = (to - *loc);
			if (cie->caf != 1)
				return -1;
			advance = 1;
			break;
		}
		case 0x02: delta = ku__rd(&c, 1); advance = 1; break;
		case 0x03: delta = ku__rd(&c, 2); advance = 1; break;
		case 0x04: delta = ku__rd(&c, 4); advance = 1; break;
		case 0x05:
			reg = ku__uleb(&c);
			off = (int64_t)ku__uleb(&c) * cie->daf;
			goto set_offset;
		case 0x06: reg = ku__uleb(&c); goto restore;
		case 0x07: /* undefined */
			reg = ku__uleb(&c);
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_UNDEF;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_SAME; /* undefined rbp: treat as unchanged */
			break;
		case 0x08: /* same_value */
			reg = ku__uleb(&c);
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_OTHER;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_SAME;
			break;
		case 0x09: /* register */
			reg = ku__uleb(&c);
			(void)ku__uleb(&c);
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_OTHER;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_OTHER;
			break;
		case 0x0a: /* remember_state */
			if (depth >= KU__REMEMBER_MAX)
				return -1;
			stack[depth++] = *s;
			break;
		case 0x0b: /* restore_state */
			if (depth <= 0)
				return -1;
			{
				/* The location is not part of the saved state. */
				*s = stack[--depth];
			}
			break;
		case 0x0c: /* def_cfa */
			s->cfa_kind = KU__C_REG;
			s->cfa_reg = (uint32_t)ku__uleb(&c);
			s->cfa_off = (int64_t)ku__uleb(&c);
			break;
		case 0x0d: /* def_cfa_register */
			if (s->cfa_kind != KU__C_REG)
				s->cfa_off = 0;
			s->cfa_kind = KU__C_REG;
			s->cfa_reg = (uint32_t)ku__uleb(&c);
			break;
		case 0x0e: s->cfa_off = (int64_t)ku__uleb(&c); break; /* def_cfa_offset */
		case 0x0f: {					  /* def_cfa_expression */
			uint64_t len = ku__uleb(&c);

			if (c.bad || len > (uint64_t)(c.end - c.p))
				return -1;
			ku__cfa_expr(s, c.p, (size_t)len);
			c.p += len;
			break;
		}
		case 0x10: /* expression */
		case 0x16: /* val_expression */
		{
			uint64_t len;

			reg = ku__uleb(&c);
			len = ku__uleb(&c);
			if (c.bad || len > (uint64_t)(c.end - c.p))
				return -1;
			c.p += len;
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_OTHER;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_OTHER;
			break;
		}
		case 0x11: /* offset_extended_sf */
			reg = ku__uleb(&c);
			off = ku__sleb(&c) * cie->daf;
			goto set_offset;
		case 0x12: /* def_cfa_sf */
			s->cfa_kind = KU__C_REG;
			s->cfa_reg = (uint32_t)ku__uleb(&c);
			s->cfa_off = ku__sleb(&c) * cie->daf;
			break;
		case 0x13: s->cfa_off = ku__sleb(&c) * cie->daf; break; /* def_cfa_offset_sf */
		case 0x14: /* val_offset */
		case 0x15: /* val_offset_sf */
			reg = ku__uleb(&c);
			if (op == 0x14)
				(void)ku__uleb(&c);
			else
				(void)ku__sleb(&c);
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_OTHER;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_OTHER;
			break;
		case 0x2e: (void)ku__uleb(&c); break; /* GNU_args_size */
		case 0x2f: /* GNU_negative_offset_extended */
			reg = ku__uleb(&c);
			off = -(int64_t)ku__uleb(&c) * cie->daf;
			goto set_offset;
		default:
			return -1;
		}
		goto next;
	set_offset:
		if (reg == cie->ra_reg) {
			s->ra_kind = KU__R_OFFSET;
			s->ra_off = off;
		} else if (reg == KU__REG_FP) {
			s->fp_kind = KU__R_OFFSET;
			s->fp_off = off;
		}
		goto next;
	restore:
		if (reg == cie->ra_reg) {
			s->ra_kind = b->init.ra_kind;
			s->ra_off = b->init.ra_off;
		} else if (reg == KU__REG_FP) {
			s->fp_kind = b->init.fp_kind;
			s->fp_off = b->init.fp_off;
		}
	next:
		if (c.bad)
			return -1;
		if (advance && emit) {
			uintptr_t to;

			if (delta > (uint64_t)(pc_end - *loc) / (cie->caf ? cie->caf : 1))
				to = pc_end;
			else
				to = *loc + delta * cie->caf;
			if (to > *loc) {
				ku__emit(b, *loc, ku__compile(cie, s), 1);
				*loc = to;
			}
			if (*loc >= pc_end)
				return 0;
		}
	}
	return c.bad ? -1 : 0;
}

/* Parse the CIE whose length field is at p; 0 or -1. */
static int ku__parse_cie(const uint8_t *p, const uint8_t *lo, const uint8_t *hi, struct ku__cie *cie)
{
	struct ku__cur c = {p, hi, lo, 0};
	uint64_t len = ku__rd(&c, 4);
	const uint8_t *aug, *body_end;
	uint8_t version;

	if (c.bad)
		return -1;
	if (len == 0xffffffffu)
		len = ku__rd(&c, 8);
	if (c.bad || len < 4 || len > (uint64_t)(hi - c.p))
		return -1;
	body_end = c.p + len;
	c.end = body_end;
	if (ku__rd(&c, 4) != 0 || c.bad)
		return -1;
	memset(cie, 0, sizeof(*cie));
	cie->start = p;
	version = (uint8_t)ku__rd(&c, 1);
	if (c.bad || (version != 1 && version != 3 && version != 4))
		return -1;
	aug = c.p;
	while (c.p < c.end && *c.p)
		c.p++;
	if (c.p >= c.end)
		return -1;
	c.p++;
	if (version == 4) {
		(void)ku__rd(&c, 1); /* address size */
		(void)ku__rd(&c, 1); /* segment selector size */
	}
	cie->caf = ku__uleb(&c);
	cie->daf = ku__sleb(&c);
	cie->ra_reg = version == 1 ? ku__rd(&c, 1) : ku__uleb(&c);
	cie->fde_enc = 0; /* absptr */
	if (aug[0] == 'z') {
		uint64_t alen = ku__uleb(&c);
		const uint8_t *aend;

		if (c.bad || alen > (uint64_t)(c.end - c.p))
			return -1;
		aend = c.p + alen;
		cie->has_aug_data = 1;
		for (const uint8_t *a = aug + 1; *a && !c.bad; a++) {
			switch (*a) {
			case 'L': (void)ku__rd(&c, 1); break;
			case 'R': cie->fde_enc = (uint8_t)ku__rd(&c, 1); break;
			case 'P': {
				uint8_t enc = (uint8_t)ku__rd(&c, 1);

				(void)ku__enc(&c, enc & 0x7f, 0, 1);
				break;
			}
			case 'S': cie->signal = 1; break;
			case 'B': case 'G': break;
			default: goto aug_done; /* unknown: the rest is skipped by length */
			}
		}
	aug_done:
		if (c.bad || c.p > aend)
			return -1;
		c.p = aend;
	} else if (aug[0] != 0) {
		return -1; /* "eh" and other old augmentations: not used on x86-64 */
	}
	if (c.bad || cie->caf == 0)
		return -1;
	cie->insn = c.p;
	cie->insn_end = body_end;
	return 0;
}

/* Initial state of every frame: CFA = rsp + 8, return address at CFA - 8
 * until the CIE says otherwise. */
static void ku__state_reset(struct ku__state *s)
{
	memset(s, 0, sizeof(*s));
	s->cfa_kind = KU__C_REG;
	s->cfa_reg = KU__REG_SP;
	s->cfa_off = 8;
	s->ra_kind = KU__R_UNDEF;
	s->fp_kind = KU__R_SAME;
}

/* Sort rows by (off, FDE row after end marker): heapsort, no memory. */
static int ku__row_less(const struct ku__cfi_row *a, const struct ku__cfi_row *b)
{
	if (a->off != b->off)
		return a->off < b->off;
	return (a->rule >> 31) < (b->rule >> 31);
}

static void ku__sift(struct ku__cfi_row *r, size_t i, size_t n)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct ku__cfi_row t;

		if (l < n && ku__row_less(&r[m], &r[l]))
			m = l;
		if (l + 1 < n && ku__row_less(&r[m], &r[l + 1]))
			m = l + 1;
		if (m == i)
			return;
		t = r[i];
		r[i] = r[m];
		r[m] = t;
		i = m;
	}
}

static void ku__sort_rows(struct ku__cfi_row *r, size_t n)
{
	size_t i;
	int sorted = 1;

	for (i = 1; i < n && sorted; i++)
		if (ku__row_less(&r[i], &r[i - 1]))
			sorted = 0;
	if (sorted)
		return;
	for (i = n / 2; i-- > 0;)
		ku__sift(r, i, n);
	for (i = n; i-- > 1;) {
		struct ku__cfi_row t = r[0];

		r[0] = r[i];
		r[i] = t;
		ku__sift(r, 0, i);
	}
}

/*
 * Compile the .eh_frame entry at p (a CIE is skipped: FDEs parse the CIE
 * they name). Returns the next entry, or NULL at the terminator or where
 * the section is damaged.
 */
static const uint8_t *ku__fde(struct ku__build *b, struct ku__cie *cie_cache, const uint8_t *p,
			      const uint8_t *lo, const uint8_t *hi, int *bad)
{
	struct ku__cur e = {p, hi, lo, 0};
	uint64_t len = ku__rd(&e, 4), id;
	const uint8_t *end, *idp;
	uintptr_t pc_lo, pc_range, loc, pc_end;
	struct ku__state s;
	struct ku__cie *cie = cie_cache;

	if (len == 0)
		return NULL; /* terminator */
	if (len == 0xffffffffu)
		len = ku__rd(&e, 8);
	if (e.bad || len < 4 || len > (uint64_t)(hi - e.p)) {
		*bad = 1;
		return NULL;
	}
	end = e.p + len;
	idp = e.p;
	e.end = end;
	id = ku__rd(&e, 4);
	if (id == 0)
		return end; /* a CIE */
	if (id > (uint64_t)(idp - lo)) {
		*bad = 1;
		return end;
	}
	if (cie->start != idp - id && ku__parse_cie(idp - id, lo, hi, cie) < 0) {
		cie->start = NULL;
		*bad = 1;
		return end;
	}
	pc_lo = ku__enc(&e, cie->fde_enc, 0, 0);
	pc_range = ku__enc(&e, cie->fde_enc & 0x0f, 0, 1);
	if (e.bad) {
		*bad = 1;
		return end;
	}
	if (cie->has_aug_data) {
		uint64_t alen = ku__uleb(&e);

		if (e.bad || alen > (uint64_t)(e.end - e.p)) {
			*bad = 1;
			return end;
		}
		e.p += alen;
	}
	/* FDEs for code outside the object (or empty) are ignored. */
	if (pc_range == 0 || pc_lo < b->text_lo || pc_lo >= b->text_hi || pc_range > b->text_hi - pc_lo)
		return end;
	pc_end = pc_lo + pc_range;
	b->fdes++;
	ku__state_reset(&s);
	b->init = s;
	loc = pc_lo;
	if (ku__run(b, cie, &s, cie->insn, cie->insn_end, &loc, pc_end, 0) < 0) {
		*bad = 1;
		return end;
	}
	b->init = s;
	if (ku__run(b, cie, &s, e.p, end, &loc, pc_end, 1) < 0) {
		/* The rest of this FDE is beyond the compact form. */
		ku__emit(b, loc, 1, 1);
		b->unsup++;
		loc = pc_end;
	}
	if (loc < pc_end)
		ku__emit(b, loc, ku__compile(cie, &s), 1);
	ku__emit(b, pc_end, 0, 0);
	return end;
}

/*
 * Compile the .eh_frame found through hdr. Readable memory [mem_lo,
 * mem_hi); code [text_lo, text_hi). Rows go to the reservation. Returns
 * the number of rows (>= 0) with *rows set, -EINVAL when the CFI cannot
 * be used at all, -ENOMEM when memory ran out. *bad set when part of the
 * CFI was malformed.
 */
static long ku__build_table(const uint8_t *hdr, uintptr_t mem_lo, uintptr_t mem_hi, uintptr_t text_lo,
			    uintptr_t text_hi, const struct ku__cfi_row **rows, int *bad)
{
	const uint8_t *lo = (const uint8_t *)mem_lo, *hi = (const uint8_t *)mem_hi;
	struct ku__cur c = {hdr, hi, lo, 0};
	struct ku__build b;
	struct ku__cie cie;
	const uint8_t *eh, *p;
	size_t cap, n, k;
	uint8_t ptr_enc, count_enc, table_enc;

	*bad = 0;
	if (hdr < lo || hdr >= hi || text_hi <= text_lo || text_hi - text_lo > UINT32_MAX)
		return -EINVAL;
	if (ku__rd(&c, 1) != 1 || c.bad)
		return -EINVAL;
	ptr_enc = (uint8_t)ku__rd(&c, 1);
	count_enc = (uint8_t)ku__rd(&c, 1);
	table_enc = (uint8_t)ku__rd(&c, 1);
	if (c.bad || ptr_enc == KU__PE_OMIT)
		return -EINVAL;
	eh = (const uint8_t *)ku__enc(&c, ptr_enc, (uintptr_t)hdr, 0);
	if (c.bad || eh < lo || eh >= hi)
		return -EINVAL;

	/* Rows: at most one per instruction byte plus two per FDE, so the
	 * section's size bounds them; reserved, touched only as written. */
	memset(&b, 0, sizeof(b));
	b.text_lo = text_lo;
	b.text_hi = text_hi;
	cap = (size_t)(hi - eh) + 64;
	if (cap > ((size_t)1 << 26))
		cap = (size_t)1 << 26;
	b.rows = ku__cfi_alloc(cap * sizeof(struct ku__cfi_row));
	if (!b.rows)
		return -ENOMEM;
	b.cap = cap;
	cie.start = NULL;

	if (table_enc == 0x3b && count_enc != KU__PE_OMIT) {
		/* The sorted search table: FDEs in address order, rows need no
		 * sort. Entries are (initial location, FDE), each a 4-byte
		 * offset from the header. */
		uintptr_t count = ku__enc(&c, count_enc, (uintptr_t)hdr, 0);

		if (c.bad || count > (uintptr_t)(hi - c.p) / 8) {
			*bad = 1;
			count = 0;
		}
		for (uintptr_t i = 0; i < count && !b.overflow; i++) {
			int32_t rel;

			memcpy(&rel, c.p + 8 * i + 4, 4);
			p = hdr + rel;
			if (p < lo || p >= hi || p + 4 > hi) {
				*bad = 1;
				continue;
			}
			ku__fde(&b, &cie, p, lo, hi, bad);
		}
	} else {
		for (p = eh; p && p + 4 <= hi && !b.overflow;)
			p = ku__fde(&b, &cie, p, lo, hi, bad);
	}
	if (b.overflow)
		*bad = 1;

	/* Sort, keep the last row at each address, merge equal neighbours. */
	ku__sort_rows(b.rows, b.nrows);
	for (n = 0, k = 0; k < b.nrows; k++) {
		uint32_t r = b.rows[k].rule & 0x7fffffffu;

		if (k + 1 < b.nrows && b.rows[k + 1].off == b.rows[k].off)
			continue;
		if (r == 1)
			b.unsup++;
		if (n && b.rows[n - 1].rule == r)
			continue;
		if (n == 0 && r == 0)
			continue; /* a leading "no CFI" row says nothing */
		b.rows[n].off = b.rows[k].off;
		b.rows[n].rule = r;
		n++;
	}
	/* Give back what the estimate reserved beyond the rows kept. */
	ku__cfi.used = (size_t)((const uint8_t *)(b.rows + n) - ku__cfi.mem);
	ku__cfi.st.fdes += b.fdes;
	ku__cfi.st.unsup_rows += b.unsup;
	*rows = b.rows;
	return (long)n;
}

/* ---- look-up (async-signal-safe) ---------------------------------------- */

static const struct ku__cfi_obj *ku__obj_find(const struct ku__cfi_obj *o, uint32_t n, uintptr_t pc)
{
	uint32_t a = 0, z = n;

	while (a < z) {
		uint32_t m = a + (z - a) / 2;

		if (o[m].lo <= pc)
			a = m + 1;
		else
			z = m;
	}
	if (a == 0 || pc >= o[a - 1].hi)
		return NULL;
	return &o[a - 1];
}

static uint32_t ku__row_find(const struct ku__cfi_obj *o, uintptr_t pc)
{
	uint32_t off = (uint32_t)(pc - o->lo), a = 0, z = o->nrows;

	while (a < z) {
		uint32_t m = a + (z - a) / 2;

		if (o->rows[m].off <= off)
			a = m + 1;
		else
			z = m;
	}
	return a ? o->rows[a - 1].rule : 0;
}

static inline size_t ku__cache_slot(uintptr_t pc)
{
	return (size_t)(((uint64_t)pc * 0x9e3779b97f4a7c15ull) >> (64 - KU__CFI_CACHE_BITS));
}

int ku_cfi_find(uintptr_t pc, struct ku_cfi_rule *rule)
{
	const struct ku__cfi_snap *s;
	const struct ku__cfi_obj *o;
	uint64_t *slot, v;
	uint32_t idx, ni;

	if (KU_UNLIKELY(!ku__cfi.cache))
		return 0;
	slot = &ku__cfi.cache[ku__cache_slot(pc)];
	v = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (KU_LIKELY(v && (v >> 16) == (uint64_t)pc)) {
		*rule = ku__cfi.rule[v & 0xffff];
		return 1;
	}
	s = __atomic_load_n(&ku__cfi.snap, __ATOMIC_ACQUIRE);
	o = s ? ku__obj_find(s->obj, s->n, pc) : NULL;
	if (!o && (ni = __atomic_load_n(&ku__cfi.nimages, __ATOMIC_ACQUIRE)) != 0)
		o = ku__obj_find(ku__cfi.image, ni, pc);
	if (o) {
		idx = ku__row_find(o, pc);
		*rule = ku__cfi.rule[idx];
		if ((uint64_t)pc >> 47 == 0)
			__atomic_store_n(slot, (uint64_t)pc << 16 | idx, __ATOMIC_RELAXED);
		return 1;
	}
	if (s && s->nx) {
		uint32_t a = 0, z = s->nx;

		while (a < z) {
			uint32_t m = a + (z - a) / 2;

			if (s->x[2 * m] <= pc)
				a = m + 1;
			else
				z = m;
		}
		if (a && pc < s->x[2 * (a - 1) + 1]) {
			*rule = ku__cfi.rule[0];
			return 2;
		}
	}
	return 0;
}

/* ---- the object list ---------------------------------------------------- */

struct ku__sync {
	struct ku__cfi_obj *obj;
	uint32_t n, cap;
	const struct ku__cfi_snap *old;
	int removed_unknown;
};

static uint64_t ku__key(const char *name, uintptr_t hdr_vaddr, uintptr_t text_size)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; name && *name; name++) {
		h ^= (uint8_t)*name;
		h *= 0x100000001b3ull;
	}
	h ^= hdr_vaddr * 0x9e3779b97f4a7c15ull;
	h ^= text_size << 17;
	return h ? h : 1;
}

static int ku__sync_one(struct dl_phdr_info *info, size_t size, void *data)
{
	struct ku__sync *sy = data;
	uintptr_t text_lo = UINTPTR_MAX, text_hi = 0, mem_lo = 0, mem_hi = 0, hdr = 0, hdr_vaddr = 0;
	struct ku__cfi_obj *o;
	const struct ku__cfi_row *rows = NULL;
	uint64_t key;
	long nrows = 0;
	int bad = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && ph->p_memsz) {
			uintptr_t a = info->dlpi_addr + ph->p_vaddr;

			if (a < text_lo)
				text_lo = a;
			if (a + ph->p_memsz > text_hi)
				text_hi = a + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_EH_FRAME) {
			hdr = info->dlpi_addr + ph->p_vaddr;
			hdr_vaddr = ph->p_vaddr;
		}
	}
	if (text_hi <= text_lo)
		return 0; /* no code */
	if (sy->n >= sy->cap)
		return 1;
	/* Still loaded where it was: keep its entry. */
	if (sy->old) {
		const struct ku__cfi_obj *p = ku__obj_find(sy->old->obj, sy->old->n, text_lo);

		if (p && p->lo == text_lo && p->hi == text_hi) {
			sy->obj[sy->n++] = *p;
			return 0;
		}
	}
	if (!hdr) {
		ku__cfi.st.objects_nocfi++;
		goto add;
	}
	/* The segment holding .eh_frame_hdr (and, in practice, .eh_frame). */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && hdr >= a && hdr < a + ph->p_memsz) {
			mem_lo = a;
			mem_hi = a + ph->p_filesz;
		}
	}
	if (!mem_hi || hdr >= mem_hi) {
		ku__cfi.st.objects_bad++;
		goto add;
	}
	key = ku__key(info->dlpi_name, hdr_vaddr, text_hi - text_lo);
	for (uint32_t i = 0; i < ku__cfi.nknown; i++)
		if (ku__cfi.known[i].key == key) {
			rows = ku__cfi.known[i].rows;
			nrows = ku__cfi.known[i].nrows;
			goto add;
		}
	nrows = ku__build_table((const uint8_t *)hdr, mem_lo, mem_hi, text_lo, text_hi, &rows, &bad);
	if (bad)
		ku__cfi.st.objects_bad++;
	if (nrows < 0) {
		if (nrows != -ENOMEM && !bad)
			ku__cfi.st.objects_bad++;
		rows = NULL;
		nrows = 0;
		goto add;
	}
	if (ku__cfi.nknown < KU__CFI_KNOWN_MAX) {
		ku__cfi.known[ku__cfi.nknown].key = key;
		ku__cfi.known[ku__cfi.nknown].rows = rows;
		ku__cfi.known[ku__cfi.nknown].nrows = (uint32_t)nrows;
		ku__cfi.nknown++;
	}
add:
	o = &sy->obj[sy->n++];
	o->lo = text_lo;
	o->hi = text_hi;
	o->rows = rows;
	o->nrows = (uint32_t)nrows;
	return 0;
}

static int ku__count_one(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	(*(uint32_t *)data)++;
	return 0;
}

/* The dynamic linker's load and unload counters (glibc >= 2.4). */
static int ku__adds_subs(struct dl_phdr_info *info, size_t size, void *data)
{
	uint64_t *v = data;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		v[0] = info->dlpi_adds;
		v[1] = info->dlpi_subs;
	}
	return 1; /* the first object is enough */
}

static uint64_t ku__seen_adds_subs[2];

static int ku__obj_cmp_swap(struct ku__cfi_obj *o, uint32_t n)
{
	/* Insertion sort: a few dozen objects, mostly in order already. */
	for (uint32_t i = 1; i < n; i++) {
		struct ku__cfi_obj t = o[i];
		uint32_t j = i;

		while (j > 0 && o[j - 1].lo > t.lo) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = t;
	}
	return 0;
}

/* Executable mappings no object covers (JIT code, trampolines). */
static uint32_t ku__exec_ranges(const struct ku__cfi_obj *o, uint32_t n, uintptr_t **out)
{
	struct ku_maps m;
	uint32_t k = 0;
	uintptr_t *x;

	*out = NULL;
	if (ku_procmaps_read(0, 0, &m) < 0)
		return 0;
	x = ku__cfi_alloc(m.n * 2 * sizeof(uintptr_t) + 16);
	if (x) {
		for (size_t i = 0; i < m.n; i++) {
			const struct ku_map *e = &m.map[i];
			const struct ku__cfi_obj *p;

			if (!(e->prot & KU_MAP_X) || !strcmp(e->path, "[vsyscall]"))
				continue;
			p = ku__obj_find(o, n, e->start);
			if (p && e->end <= p->hi)
				continue;
			x[2 * k] = e->start;
			x[2 * k + 1] = e->end;
			k++;
		}
		*out = x;
	}
	ku_procmaps_free(&m);
	return k;
}

/* CPU time of this thread: what building costs, whatever the load. */
static uint64_t ku__cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int ku__sync_locked(void)
{
	struct ku__sync sy;
	struct ku__cfi_snap *s;
	uint32_t count = 0;
	uint64_t t0 = ku__cpu_ns();
	uintptr_t *x;
	int shrunk = 0;

	dl_iterate_phdr(ku__adds_subs, ku__seen_adds_subs);
	dl_iterate_phdr(ku__count_one, &count);
	memset(&sy, 0, sizeof(sy));
	sy.cap = count + 8;
	sy.old = ku__cfi.snap;
	s = ku__cfi_alloc(sizeof(*s));
	sy.obj = ku__cfi_alloc(sy.cap * sizeof(*sy.obj));
	if (!s || !sy.obj)
		return -ENOMEM;
	dl_iterate_phdr(ku__sync_one, &sy);
	ku__obj_cmp_swap(sy.obj, sy.n);
	/* Overlapping ranges would break the search: drop the later one. */
	for (uint32_t i = 1; i < sy.n; i++)
		if (sy.obj[i].lo < sy.obj[i - 1].hi) {
			memmove(&sy.obj[i], &sy.obj[i + 1], (sy.n - i - 1) * sizeof(*sy.obj));
			sy.n--;
			i--;
		}
	if (sy.old) {
		/* Any object gone? Then cached rules may name its addresses. */
		for (uint32_t i = 0; i < sy.old->n && !shrunk; i++) {
			const struct ku__cfi_obj *p = ku__obj_find(sy.obj, sy.n, sy.old->obj[i].lo);

			if (!p || p->lo != sy.old->obj[i].lo || p->hi != sy.old->obj[i].hi)
				shrunk = 1;
		}
	}
	s->n = sy.n;
	s->obj = sy.obj;
	s->nx = ku__exec_ranges(sy.obj, sy.n, &x);
	s->x = x;
	__atomic_store_n(&ku__cfi.snap, s, __ATOMIC_RELEASE);
	if (shrunk)
		for (size_t i = 0; i < ((size_t)1 << KU__CFI_CACHE_BITS); i++)
			__atomic_store_n(&ku__cfi.cache[i], 0, __ATOMIC_RELAXED);
	ku__cfi.st.objects = 0;
	ku__cfi.st.rows = 0;
	for (uint32_t i = 0; i < sy.n; i++)
		if (sy.obj[i].rows) {
			ku__cfi.st.objects++;
			ku__cfi.st.rows += sy.obj[i].nrows;
		}
	ku__cfi.st.build_ns += ku__cpu_ns() - t0;
	ku__cfi.st.syncs++;
	__atomic_store_n(&ku__cfi.gen, ku__cfi.gen + 1, __ATOMIC_RELEASE);
	return 0;
}

int ku_cfi_sync(void)
{
	int rc;

	if (!ku_cfi_supported())
		return -ENOTSUP;
	if ((rc = ku_cfi_init()) < 0)
		return rc;
	ku__cfi_lock();
	rc = ku__sync_locked();
	ku__cfi_unlock();
	return rc;
}

int ku_cfi_sync_try(void)
{
	int rc;

	if (!ku_cfi_supported() || !__atomic_load_n(&ku__cfi.ready, __ATOMIC_ACQUIRE))
		return -ENOTSUP;
	if (!ku__cfi_trylock())
		return -EBUSY;
	rc = ku__sync_locked();
	ku__cfi_unlock();
	return rc;
}

int ku_cfi_sync_if_changed(void)
{
	uint64_t now[2] = {0, 0};
	int rc;

	if (!__atomic_load_n(&ku__cfi.ready, __ATOMIC_ACQUIRE))
		return 0;
	dl_iterate_phdr(ku__adds_subs, now);
	if (now[0] == __atomic_load_n(&ku__seen_adds_subs[0], __ATOMIC_RELAXED) &&
	    now[1] == __atomic_load_n(&ku__seen_adds_subs[1], __ATOMIC_RELAXED))
		return 0;
	rc = ku_cfi_sync_try();
	return rc == 0 ? 1 : rc;
}

uint64_t ku_cfi_generation(void)
{
	return __atomic_load_n(&ku__cfi.gen, __ATOMIC_ACQUIRE);
}

void ku_cfi_stats_get(struct ku_cfi_stats *st)
{
	*st = ku__cfi.st;
	st->rules = ku__cfi.nrules;
	if (!__atomic_load_n(&ku__cfi.ready, __ATOMIC_ACQUIRE)) {
		st->bytes = 0;
		return;
	}
	/* What was written; the rest of the reservation is never touched. */
	st->bytes = ku__cfi.used - ku__cfi.fixed + ku__cfi.nrules * sizeof(struct ku_cfi_rule) +
		    ((size_t)1 << KU__CFI_CACHE_BITS) * sizeof(uint64_t) +
		    ku__cfi.nknown * sizeof(struct ku__cfi_known);
}

long ku_cfi_add_image(const uint8_t *hdr, uintptr_t mem_lo, uintptr_t mem_hi, uintptr_t text_lo,
		      uintptr_t text_hi)
{
	const struct ku__cfi_row *rows;
	long n;
	int bad, rc;

	if ((rc = ku_cfi_init()) < 0)
		return rc;
	ku__cfi_lock();
	if (ku__cfi.nimages >= KU__CFI_IMAGES_MAX ||
	    (ku__cfi.nimages && ku__cfi.image[ku__cfi.nimages - 1].hi > text_lo)) {
		ku__cfi_unlock();
		return -ENOSPC;
	}
	n = ku__build_table(hdr, mem_lo, mem_hi, text_lo, text_hi, &rows, &bad);
	if (n >= 0) {
		struct ku__cfi_obj *o = &ku__cfi.image[ku__cfi.nimages];

		o->lo = text_lo;
		o->hi = text_hi;
		o->rows = rows;
		o->nrows = (uint32_t)n;
		__atomic_store_n(&ku__cfi.nimages, ku__cfi.nimages + 1, __ATOMIC_RELEASE);
		if (bad)
			ku__cfi.st.objects_bad++;
	}
	ku__cfi_unlock();
	return n >= 0 && bad ? -EINVAL : n;
}

void ku_cfi_forget_images(void)
{
	ku__cfi_lock();
	__atomic_store_n(&ku__cfi.nimages, 0, __ATOMIC_RELEASE);
	if (ku__cfi.cache)
		for (size_t i = 0; i < ((size_t)1 << KU__CFI_CACHE_BITS); i++)
			__atomic_store_n(&ku__cfi.cache[i], 0, __ATOMIC_RELAXED);
	ku__cfi.used = ku__cfi.fixed + 0; /* tests only: drop everything built */
	ku__cfi.nknown = 0;
	__atomic_store_n(&ku__cfi.snap, NULL, __ATOMIC_RELEASE);
	ku__cfi_unlock();
}
