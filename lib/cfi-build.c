/* SPDX-License-Identifier: MIT */
/*
 * cfi-build: one object's .eh_frame compiled into a compact unwind table
 * (see cfi.h for the model, doc/unwinding.md for the rules). .eh_frame_hdr
 * gives the start of .eh_frame and, in its sorted search table, the FDEs
 * in address order; every FDE's CFA program is run once by a small
 * interpreter that follows the CFA, the return-address column and the
 * frame-pointer register (rbp), and emits one row per address where that
 * state changes. Rows are written straight into reserved memory (an end
 * marker at each FDE's end, so gaps without CFI read as "no CFI"), sorted
 * if the FDEs were not, equal neighbours merged.
 *
 * Every read is bounds-checked against the object's loaded segment:
 * hostile or truncated CFI ends the object's table where the damage
 * starts and sets *bad, never a read outside [mem_lo, mem_hi). Normal
 * context, builder lock held (cfi.c); no malloc.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cfi-int.h"
#include "cfi.h"
#include "ku.h"

/* ---- reading .eh_frame, bounds-checked ---------------------------------- */

struct ku__cur {
	const uint8_t *p, *end; /* readable [p, end) */
	const uint8_t *lo;	/* start of the readable memory (for indirections) */
	int bad;
};

static uint64_t rd(struct ku__cur *c, size_t n)
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

static uint64_t uleb(struct ku__cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t b = (uint8_t)rd(c, 1);

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

static int64_t sleb(struct ku__cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = (uint8_t)rd(c, 1);
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
static uintptr_t read_encoded(struct ku__cur *c, uint8_t enc, uintptr_t datarel, int raw)
{
	uintptr_t at = (uintptr_t)c->p, v;

	switch (enc & 0x0f) {
	case 0x00: v = (uintptr_t)rd(c, 8); break;
	case 0x01: v = (uintptr_t)uleb(c); break;
	case 0x02: v = (uintptr_t)rd(c, 2); break;
	case 0x03: v = (uintptr_t)rd(c, 4); break;
	case 0x04: v = (uintptr_t)rd(c, 8); break;
	case 0x09: v = (uintptr_t)sleb(c); break;
	case 0x0a: v = (uintptr_t)(int64_t)(int16_t)rd(c, 2); break;
	case 0x0b: v = (uintptr_t)(int64_t)(int32_t)rd(c, 4); break;
	case 0x0c: v = (uintptr_t)rd(c, 8); break;
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

static uint32_t compile(const struct ku__cie *cie, const struct ku__state *s)
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

static void emit_row(struct ku__build *b, uintptr_t pc, uint32_t rule, int fde_row)
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
static void cfa_expr(struct ku__state *s, const uint8_t *e, size_t len)
{
	struct ku__cur c = {e, e + len, e, 0};
	uint8_t op = (uint8_t)rd(&c, 1);

	s->cfa_kind = KU__C_OTHER;
	if (op == 0x70 + KU__REG_FP) { /* DW_OP_breg6 k; DW_OP_deref */
		int64_t k = sleb(&c);

		if (!c.bad && rd(&c, 1) == 0x06 && !c.bad && c.p == c.end) {
			s->cfa_kind = KU__C_DEREF;
			s->cfa_off = k;
		}
	} else if (op == 0x70 + KU__REG_SP) {
		int64_t n = sleb(&c);
		uint8_t k;

		if (c.bad || rd(&c, 1) != 0x80 || sleb(&c) != 0 || rd(&c, 1) != 0x3f ||
		    rd(&c, 1) != 0x1a)
			return;
		k = (uint8_t)rd(&c, 1);
		if (c.bad || k < 0x30 || k > 0x4f)
			return;
		if (rd(&c, 1) != 0x2a || rd(&c, 1) != 0x33 || rd(&c, 1) != 0x24 ||
		    rd(&c, 1) != 0x22 || c.bad || c.p != c.end)
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
static int run_insns(struct ku__build *b, const struct ku__cie *cie, struct ku__state *s, const uint8_t *p,
		     const uint8_t *end, uintptr_t *loc, uintptr_t pc_end, int emit)
{
	struct ku__cur c = {p, end, p, 0};
	struct ku__state stack[KU__REMEMBER_MAX];
	int depth = 0;

	while (c.p < c.end && !c.bad) {
		uint8_t op = (uint8_t)rd(&c, 1), low = op & 0x3f;
		uint64_t reg = 0, delta = 0;
		int64_t off = 0;
		int advance = 0;

		switch (op >> 6) {
		case 1: delta = low; advance = 1; break;
		case 2:
			reg = low;
			off = (int64_t)uleb(&c) * cie->daf;
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
			uintptr_t to = read_encoded(&c, cie->fde_enc, 0, 0);

			if (c.bad || to < *loc)
				return -1;
			delta = (to - *loc);
			if (cie->caf != 1)
				return -1;
			advance = 1;
			break;
		}
		case 0x02: delta = rd(&c, 1); advance = 1; break;
		case 0x03: delta = rd(&c, 2); advance = 1; break;
		case 0x04: delta = rd(&c, 4); advance = 1; break;
		case 0x05:
			reg = uleb(&c);
			off = (int64_t)uleb(&c) * cie->daf;
			goto set_offset;
		case 0x06: reg = uleb(&c); goto restore;
		case 0x07: /* undefined */
			reg = uleb(&c);
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_UNDEF;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_SAME; /* undefined rbp: treat as unchanged */
			break;
		case 0x08: /* same_value */
			reg = uleb(&c);
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_OTHER;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_SAME;
			break;
		case 0x09: /* register */
			reg = uleb(&c);
			(void)uleb(&c);
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
			s->cfa_reg = (uint32_t)uleb(&c);
			s->cfa_off = (int64_t)uleb(&c);
			break;
		case 0x0d: /* def_cfa_register */
			if (s->cfa_kind != KU__C_REG)
				s->cfa_off = 0;
			s->cfa_kind = KU__C_REG;
			s->cfa_reg = (uint32_t)uleb(&c);
			break;
		case 0x0e: s->cfa_off = (int64_t)uleb(&c); break; /* def_cfa_offset */
		case 0x0f: {					  /* def_cfa_expression */
			uint64_t len = uleb(&c);

			if (c.bad || len > (uint64_t)(c.end - c.p))
				return -1;
			cfa_expr(s, c.p, (size_t)len);
			c.p += len;
			break;
		}
		case 0x10: /* expression */
		case 0x16: /* val_expression */
		{
			uint64_t len;

			reg = uleb(&c);
			len = uleb(&c);
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
			reg = uleb(&c);
			off = sleb(&c) * cie->daf;
			goto set_offset;
		case 0x12: /* def_cfa_sf */
			s->cfa_kind = KU__C_REG;
			s->cfa_reg = (uint32_t)uleb(&c);
			s->cfa_off = sleb(&c) * cie->daf;
			break;
		case 0x13: s->cfa_off = sleb(&c) * cie->daf; break; /* def_cfa_offset_sf */
		case 0x14: /* val_offset */
		case 0x15: /* val_offset_sf */
			reg = uleb(&c);
			if (op == 0x14)
				(void)uleb(&c);
			else
				(void)sleb(&c);
			if (reg == cie->ra_reg)
				s->ra_kind = KU__R_OTHER;
			else if (reg == KU__REG_FP)
				s->fp_kind = KU__R_OTHER;
			break;
		case 0x2e: (void)uleb(&c); break; /* GNU_args_size */
		case 0x2f: /* GNU_negative_offset_extended */
			reg = uleb(&c);
			off = -(int64_t)uleb(&c) * cie->daf;
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
				emit_row(b, *loc, compile(cie, s), 1);
				*loc = to;
			}
			if (*loc >= pc_end)
				return 0;
		}
	}
	return c.bad ? -1 : 0;
}

/* Parse the CIE whose length field is at p; 0 or -1. */
static int parse_cie(const uint8_t *p, const uint8_t *lo, const uint8_t *hi, struct ku__cie *cie)
{
	struct ku__cur c = {p, hi, lo, 0};
	uint64_t len = rd(&c, 4);
	const uint8_t *aug, *body_end;
	uint8_t version;

	if (c.bad)
		return -1;
	if (len == 0xffffffffu)
		len = rd(&c, 8);
	if (c.bad || len < 4 || len > (uint64_t)(hi - c.p))
		return -1;
	body_end = c.p + len;
	c.end = body_end;
	if (rd(&c, 4) != 0 || c.bad)
		return -1;
	memset(cie, 0, sizeof(*cie));
	cie->start = p;
	version = (uint8_t)rd(&c, 1);
	if (c.bad || (version != 1 && version != 3 && version != 4))
		return -1;
	aug = c.p;
	while (c.p < c.end && *c.p)
		c.p++;
	if (c.p >= c.end)
		return -1;
	c.p++;
	if (version == 4) {
		(void)rd(&c, 1); /* address size */
		(void)rd(&c, 1); /* segment selector size */
	}
	cie->caf = uleb(&c);
	cie->daf = sleb(&c);
	cie->ra_reg = version == 1 ? rd(&c, 1) : uleb(&c);
	cie->fde_enc = 0; /* absptr */
	if (aug[0] == 'z') {
		uint64_t alen = uleb(&c);
		const uint8_t *aend;

		if (c.bad || alen > (uint64_t)(c.end - c.p))
			return -1;
		aend = c.p + alen;
		cie->has_aug_data = 1;
		for (const uint8_t *a = aug + 1; *a && !c.bad; a++) {
			switch (*a) {
			case 'L': (void)rd(&c, 1); break;
			case 'R': cie->fde_enc = (uint8_t)rd(&c, 1); break;
			case 'P': {
				uint8_t enc = (uint8_t)rd(&c, 1);

				(void)read_encoded(&c, enc & 0x7f, 0, 1);
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
static void state_reset(struct ku__state *s)
{
	memset(s, 0, sizeof(*s));
	s->cfa_kind = KU__C_REG;
	s->cfa_reg = KU__REG_SP;
	s->cfa_off = 8;
	s->ra_kind = KU__R_UNDEF;
	s->fp_kind = KU__R_SAME;
}

/* Sort rows by (off, FDE row after end marker): heapsort, no memory. */
static int row_less(const struct ku__cfi_row *a, const struct ku__cfi_row *b)
{
	if (a->off != b->off)
		return a->off < b->off;
	return (a->rule >> 31) < (b->rule >> 31);
}

static void sift(struct ku__cfi_row *r, size_t i, size_t n)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct ku__cfi_row t;

		if (l < n && row_less(&r[m], &r[l]))
			m = l;
		if (l + 1 < n && row_less(&r[m], &r[l + 1]))
			m = l + 1;
		if (m == i)
			return;
		t = r[i];
		r[i] = r[m];
		r[m] = t;
		i = m;
	}
}

static void sort_rows(struct ku__cfi_row *r, size_t n)
{
	size_t i;
	int sorted = 1;

	for (i = 1; i < n && sorted; i++)
		if (row_less(&r[i], &r[i - 1]))
			sorted = 0;
	if (sorted)
		return;
	for (i = n / 2; i-- > 0;)
		sift(r, i, n);
	for (i = n; i-- > 1;) {
		struct ku__cfi_row t = r[0];

		r[0] = r[i];
		r[i] = t;
		sift(r, 0, i);
	}
}

/*
 * Compile the .eh_frame entry at p (a CIE is skipped: FDEs parse the CIE
 * they name). Returns the next entry, or NULL at the terminator or where
 * the section is damaged.
 */
static const uint8_t *parse_fde(struct ku__build *b, struct ku__cie *cie_cache, const uint8_t *p,
				const uint8_t *lo, const uint8_t *hi, int *bad)
{
	struct ku__cur e = {p, hi, lo, 0};
	uint64_t len = rd(&e, 4), id;
	const uint8_t *end, *idp;
	uintptr_t pc_lo, pc_range, loc, pc_end;
	struct ku__state s;
	struct ku__cie *cie = cie_cache;

	if (len == 0)
		return NULL; /* terminator */
	if (len == 0xffffffffu)
		len = rd(&e, 8);
	if (e.bad || len < 4 || len > (uint64_t)(hi - e.p)) {
		*bad = 1;
		return NULL;
	}
	end = e.p + len;
	idp = e.p;
	e.end = end;
	id = rd(&e, 4);
	if (id == 0)
		return end; /* a CIE */
	if (id > (uint64_t)(idp - lo)) {
		*bad = 1;
		return end;
	}
	if (cie->start != idp - id && parse_cie(idp - id, lo, hi, cie) < 0) {
		cie->start = NULL;
		*bad = 1;
		return end;
	}
	pc_lo = read_encoded(&e, cie->fde_enc, 0, 0);
	pc_range = read_encoded(&e, cie->fde_enc & 0x0f, 0, 1);
	if (e.bad) {
		*bad = 1;
		return end;
	}
	if (cie->has_aug_data) {
		uint64_t alen = uleb(&e);

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
	state_reset(&s);
	b->init = s;
	loc = pc_lo;
	if (run_insns(b, cie, &s, cie->insn, cie->insn_end, &loc, pc_end, 0) < 0) {
		*bad = 1;
		return end;
	}
	b->init = s;
	if (run_insns(b, cie, &s, e.p, end, &loc, pc_end, 1) < 0) {
		/* The rest of this FDE is beyond the compact form. */
		emit_row(b, loc, 1, 1);
		b->unsup++;
		loc = pc_end;
	}
	if (loc < pc_end)
		emit_row(b, loc, compile(cie, &s), 1);
	emit_row(b, pc_end, 0, 0);
	return end;
}

/*
 * Compile the .eh_frame found through hdr. Readable memory [mem_lo,
 * mem_hi); code [text_lo, text_hi). Rows go to the reservation. Returns
 * the number of rows (>= 0) with *rows set, -EINVAL when the CFI cannot
 * be used at all, -ENOMEM when memory ran out. *bad set when part of the
 * CFI was malformed.
 */
long ku__cfi_build(const uint8_t *hdr, uintptr_t mem_lo, uintptr_t mem_hi, uintptr_t text_lo, uintptr_t text_hi,
		   const struct ku__cfi_row **rows, int *bad, uint64_t *fdes, uint64_t *unsup)
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
	if (rd(&c, 1) != 1 || c.bad)
		return -EINVAL;
	ptr_enc = (uint8_t)rd(&c, 1);
	count_enc = (uint8_t)rd(&c, 1);
	table_enc = (uint8_t)rd(&c, 1);
	if (c.bad || ptr_enc == KU__PE_OMIT)
		return -EINVAL;
	eh = (const uint8_t *)read_encoded(&c, ptr_enc, (uintptr_t)hdr, 0);
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
		uintptr_t count = read_encoded(&c, count_enc, (uintptr_t)hdr, 0);

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
			parse_fde(&b, &cie, p, lo, hi, bad);
		}
	} else {
		for (p = eh; p && p + 4 <= hi && !b.overflow;)
			p = parse_fde(&b, &cie, p, lo, hi, bad);
	}
	if (b.overflow)
		*bad = 1;

	/* Sort, keep the last row at each address, merge equal neighbours. */
	sort_rows(b.rows, b.nrows);
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
	ku__cfi_trim(b.rows + n);
	*fdes += b.fdes;
	*unsup += b.unsup;
	*rows = b.rows;
	return (long)n;
}

