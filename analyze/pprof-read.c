/* SPDX-License-Identifier: MIT */
/*
 * pprof-read: a profile.proto decoder into struct kan_profile. Written for
 * hostile input: every length is checked against the bytes left, varints
 * longer than 10 bytes or overflowing 64 bits are errors, ids must be
 * non-zero, unique and refer to existing entries, string indices must be
 * in range, and every sample must carry one value per sample type (the
 * same rules the pprof tool applies). Unknown fields are skipped, as
 * protobuf requires, so profiles from newer writers still load.
 *
 * The string table can come anywhere in the message, so the top level is
 * scanned once to index strings and validate framing, then once per kind
 * of entry in dependency order (mappings, functions, locations, samples).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "load.h"

struct kan__pb {
	const uint8_t *p, *end;
};

struct kan__field {
	uint32_t num;
	int wt;
	uint64_t v;          /* varint / fixed value */
	const uint8_t *data; /* wire type 2 */
	size_t len;
};

/* id -> index of the entry, for mappings, functions and locations. */
struct kan__idmap {
	struct ku_hmap ids;
	uint32_t *dense; /* id -> index + 1 when ids are small (the usual 1..n) */
	uint64_t ndense;
};

struct kan__rd {
	struct kan_profile *p;
	const uint8_t *data;
	size_t len;
	/* the string table: 4 bytes per entry, since a hostile file can hold
	   hundreds of millions of them (each 2 bytes); a string is copied into
	   the profile when first used, and found again through str_map */
	uint32_t *str_off; /* offset of the entry's field in data */
	size_t nstrs;
	struct ku_hmap str_map; /* index -> position in str_cache */
	const char **str_cache;
	size_t ncache, capcache;
	struct kan__idmap maps, funcs, locs;
	char *err;
	size_t errlen;
};

static int fail(struct kan__rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct kan__rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int varint(struct kan__pb *b, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (b->p >= b->end)
			return -1;
		uint8_t c = *b->p++;
		if (shift == 63 && c > 1)
			return -1; /* overflows 64 bits */
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* Next field of the message in b; 1 = got one, 0 = end, -1 = malformed. */
static int next(struct kan__pb *b, struct kan__field *f)
{
	uint64_t key;

	if (b->p >= b->end)
		return 0;
	if (varint(b, &key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
		return -1;
	f->num = (uint32_t)(key >> 3);
	f->wt = (int)(key & 7);
	f->data = NULL;
	f->len = 0;
	f->v = 0;
	switch (f->wt) {
	case 0:
		return varint(b, &f->v) ? -1 : 1;
	case 1:
		if (b->end - b->p < 8)
			return -1;
		memcpy(&f->v, b->p, 8);
		b->p += 8;
		return 1;
	case 5: {
		uint32_t w;
		if (b->end - b->p < 4)
			return -1;
		memcpy(&w, b->p, 4);
		f->v = w;
		b->p += 4;
		return 1;
	}
	case 2: {
		uint64_t len;
		if (varint(b, &len) || len > (uint64_t)(b->end - b->p))
			return -1;
		f->data = b->p;
		f->len = (size_t)len;
		b->p += len;
		return 1;
	}
	default:
		return -1; /* groups (3, 4) and 6, 7 are not used by profile.proto */
	}
}

/* Iterate the elements of a repeated scalar field that may be packed.
 * Calls push(ctx, value) per element. 0 or -1 when malformed. */
static int repeated(const struct kan__field *f, int (*push)(void *, uint64_t), void *ctx)
{
	if (f->wt == 0)
		return push(ctx, f->v);
	if (f->wt != 2)
		return -1;
	struct kan__pb b = { f->data, f->data + f->len };
	while (b.p < b.end) {
		uint64_t v;
		if (varint(&b, &v) || push(ctx, v))
			return -1;
	}
	return 0;
}

/* ---- id maps ------------------------------------------------------------- */

static int idmap_init(struct kan__idmap *m, size_t n)
{
	return ku_hmap_reserve(&m->ids, n);
}

static void idmap_free(struct kan__idmap *m)
{
	ku_hmap_free(&m->ids);
	free(m->dense);
}

/* After all puts: a direct table when the largest id is small. */
static void idmap_densify(struct kan__idmap *m, size_t n)
{
	const struct ku_hmap *h = &m->ids;
	uint64_t max = 0;

	for (size_t i = 0; i < h->cap; i++)
		if (h->vals[i] && h->keys[i] > max)
			max = h->keys[i];
	if (max > (uint64_t)n * 4 + 1024)
		return;
	m->dense = calloc((size_t)max + 1, sizeof(*m->dense));
	if (!m->dense)
		return; /* the hash still works */
	m->ndense = max + 1;
	for (size_t i = 0; i < h->cap; i++)
		if (h->vals[i])
			m->dense[h->keys[i]] = h->vals[i];
}

/* 0 added, 1 duplicate, -ENOMEM (id != 0 is the caller's check). */
static int idmap_put(struct kan__idmap *m, uint64_t id, uint32_t val)
{
	return ku_hmap_put(&m->ids, id, val);
}

static long idmap_get(const struct kan__idmap *m, uint64_t id)
{
	if (m->dense)
		return id < m->ndense ? (long)m->dense[id] - 1 : -1;
	if (!id)
		return -1;
	return ku_hmap_get(&m->ids, id);
}

/* ---- strings --------------------------------------------------------------- */

static int string_at(struct kan__rd *r, uint64_t idx, const char **out, const char *what)
{
	if (idx == 0 && r->nstrs == 0) {
		*out = "";
		return 0;
	}
	if (idx >= r->nstrs)
		return fail(r, "%s refers to string %" PRIu64 " of %zu", what, idx, r->nstrs);
	long c = ku_hmap_get(&r->str_map, idx);
	if (c < 0) {
		struct kan__pb b = { r->data + r->str_off[idx], r->data + r->len };
		struct kan__field f;
		if (next(&b, &f) != 1 || f.wt != 2)
			return fail(r, "%s refers to a malformed string", what); /* framed in pass 1: cannot happen */
		const char *src = (const char *)f.data, *dup;
		size_t len = f.len;

		/* a NUL inside a string is kept (as C0 80, see profile.h), not
		   allowed to cut the name short */
		dup = memchr(src, 0, len) ? kan_profile_strdup_nul(r->p, src, len) : kan_profile_strdup(r->p, src, len);
		if (!dup)
			return -ENOMEM;
		if (r->ncache == r->capcache) {
			size_t nc = r->capcache ? r->capcache * 2 : 256;
			const char **ncache = realloc(r->str_cache, nc * sizeof(*ncache));
			if (!ncache)
				return -ENOMEM;
			r->str_cache = ncache;
			r->capcache = nc;
		}
		if (ku_hmap_put(&r->str_map, idx, (uint32_t)r->ncache) < 0)
			return -ENOMEM;
		r->str_cache[r->ncache] = dup;
		c = (long)r->ncache++;
	}
	*out = r->str_cache[c];
	return 0;
}

/* ---- messages -------------------------------------------------------------- */

static int value_type(struct kan__rd *r, const struct kan__field *outer, struct kan_value_type *vt)
{
	struct kan__pb b = { outer->data, outer->data + outer->len };
	struct kan__field f;
	uint64_t type = 0, unit = 0;
	int k;

	while ((k = next(&b, &f)) == 1) {
		if (f.num == 1 && f.wt == 0)
			type = f.v;
		else if (f.num == 2 && f.wt == 0)
			unit = f.v;
	}
	if (k < 0)
		return fail(r, "malformed value type");
	int e = string_at(r, type, &vt->type, "value type");
	return e ? e : string_at(r, unit, &vt->unit, "value type unit");
}

static int mapping(struct kan__rd *r, const struct kan__field *outer)
{
	struct kan__pb b = { outer->data, outer->data + outer->len };
	struct kan__field f;
	struct kan_mapping m = { 0 };
	uint64_t file = 0, bid = 0;
	int k, e;

	while ((k = next(&b, &f)) == 1) {
		if (f.wt != 0)
			continue;
		switch (f.num) {
		case 1: m.id = f.v; break;
		case 2: m.start = f.v; break;
		case 3: m.limit = f.v; break;
		case 4: m.offset = f.v; break;
		case 5: file = f.v; break;
		case 6: bid = f.v; break;
		case 7: m.has_functions = f.v != 0; break;
		}
	}
	if (k < 0)
		return fail(r, "malformed mapping");
	if (!m.id)
		return fail(r, "mapping with id 0");
	if ((e = string_at(r, file, &m.file, "mapping file")) || (e = string_at(r, bid, &m.build_id, "mapping build id")))
		return e;
	long idx = kan_profile_add_mapping(r->p, &m);
	if (idx < 0)
		return (int)idx;
	e = idmap_put(&r->maps, m.id, (uint32_t)idx);
	if (e < 0)
		return e;
	if (e)
		return fail(r, "duplicate mapping id %" PRIu64, m.id);
	return 0;
}

static int function(struct kan__rd *r, const struct kan__field *outer)
{
	struct kan__pb b = { outer->data, outer->data + outer->len };
	struct kan__field f;
	uint64_t id = 0, name = 0, sys = 0, file = 0;
	int64_t start = 0;
	const char *sn, *ss, *sf;
	int k, e;

	while ((k = next(&b, &f)) == 1) {
		if (f.wt != 0)
			continue;
		switch (f.num) {
		case 1: id = f.v; break;
		case 2: name = f.v; break;
		case 3: sys = f.v; break;
		case 4: file = f.v; break;
		case 5: start = (int64_t)f.v; break;
		}
	}
	if (k < 0)
		return fail(r, "malformed function");
	if (!id)
		return fail(r, "function with id 0");
	if ((e = string_at(r, name, &sn, "function name")) || (e = string_at(r, sys, &ss, "function system name")) ||
	    (e = string_at(r, file, &sf, "function file")))
		return e;
	long idx = kan_profile_add_function(r->p, id, sn, ss, sf, start);
	if (idx < 0)
		return (int)idx;
	e = idmap_put(&r->funcs, id, (uint32_t)idx);
	if (e < 0)
		return e;
	if (e)
		return fail(r, "duplicate function id %" PRIu64, id);
	return 0;
}

struct kan__u64vec {
	uint64_t *v;
	size_t n, cap;
};

static int u64reserve(struct kan__u64vec *a, size_t need)
{
	size_t nc = a->cap ? a->cap : 64;

	while (nc < need)
		nc *= 2;
	uint64_t *nv = realloc(a->v, nc * sizeof(*nv));
	if (!nv)
		return -1;
	a->v = nv;
	a->cap = nc;
	return 0;
}

static int u64push(void *ctx, uint64_t x)
{
	struct kan__u64vec *a = ctx;

	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		uint64_t *nv = realloc(a->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = x;
	return 0;
}

struct kan__scratch {
	struct kan__u64vec ids, vals;
	struct kan_line *lines;
	size_t nlines, caplines;
	uint32_t *locs;
	size_t caplocs;
	struct kan_label *labels;
	size_t nlabels, caplabels;
};

static int location(struct kan__rd *r, const struct kan__field *outer, struct kan__scratch *s)
{
	struct kan__pb b = { outer->data, outer->data + outer->len };
	struct kan__field f;
	uint64_t id = 0, mid = 0, addr = 0;
	int k;

	s->nlines = 0;
	while ((k = next(&b, &f)) == 1) {
		if (f.num == 1 && f.wt == 0)
			id = f.v;
		else if (f.num == 2 && f.wt == 0)
			mid = f.v;
		else if (f.num == 3 && f.wt == 0)
			addr = f.v;
		else if (f.num == 4 && f.wt == 2) {
			struct kan__pb lb = { f.data, f.data + f.len };
			struct kan__field g;
			uint64_t fid = 0;
			int64_t line = 0;
			int kk;
			while ((kk = next(&lb, &g)) == 1) {
				if (g.num == 1 && g.wt == 0)
					fid = g.v;
				else if (g.num == 2 && g.wt == 0)
					line = (int64_t)g.v;
			}
			if (kk < 0)
				return fail(r, "malformed line in location %" PRIu64, id);
			long fi = idmap_get(&r->funcs, fid);
			if (fi < 0)
				return fail(r, "location refers to unknown function id %" PRIu64, fid);
			if (s->nlines == s->caplines) {
				size_t nc = s->caplines ? s->caplines * 2 : 16;
				struct kan_line *nl = realloc(s->lines, nc * sizeof(*nl));
				if (!nl)
					return -ENOMEM;
				s->lines = nl;
				s->caplines = nc;
			}
			if (s->nlines >= UINT32_MAX)
				return fail(r, "too many lines in a location");
			s->lines[s->nlines].function = (uint32_t)fi;
			s->lines[s->nlines].line = line;
			s->nlines++;
		}
	}
	if (k < 0)
		return fail(r, "malformed location");
	if (!id)
		return fail(r, "location with id 0");
	uint32_t mi = 0;
	if (mid) {
		long m = idmap_get(&r->maps, mid);
		if (m < 0)
			return fail(r, "location %" PRIu64 " refers to unknown mapping id %" PRIu64, id, mid);
		mi = (uint32_t)m + 1;
	}
	long idx = kan_profile_add_location(r->p, id, mi, addr, s->lines, (uint32_t)s->nlines);
	if (idx < 0)
		return (int)idx;
	int e = idmap_put(&r->locs, id, (uint32_t)idx);
	if (e < 0)
		return e;
	if (e)
		return fail(r, "duplicate location id %" PRIu64, id);
	return 0;
}

static int label(struct kan__rd *r, const struct kan__field *outer, struct kan_label *l)
{
	struct kan__pb b = { outer->data, outer->data + outer->len };
	struct kan__field f;
	uint64_t key = 0, str = 0, unit = 0;
	int k, e;

	memset(l, 0, sizeof(*l));
	while ((k = next(&b, &f)) == 1) {
		if (f.wt != 0)
			continue;
		if (f.num == 1)
			key = f.v;
		else if (f.num == 2)
			str = f.v;
		else if (f.num == 3)
			l->num = (int64_t)f.v;
		else if (f.num == 4)
			unit = f.v;
	}
	if (k < 0)
		return fail(r, "malformed label");
	if ((e = string_at(r, key, &l->key, "label key")))
		return e;
	if (str && (e = string_at(r, str, &l->str, "label value")))
		return e;
	if (unit && (e = string_at(r, unit, &l->num_unit, "label unit")))
		return e;
	return 0;
}

static int sample(struct kan__rd *r, const struct kan__field *outer, struct kan__scratch *s)
{
	struct kan__pb b = { outer->data, outer->data + outer->len };
	struct kan__field f;
	int k, e;

	s->ids.n = 0;
	s->vals.n = 0;
	s->nlabels = 0;
	while ((k = next(&b, &f)) == 1) {
		if (f.num == 1 && f.wt == 2) {
			/* packed ids, the common case: decode inline */
			struct kan__pb pb = { f.data, f.data + f.len };
			if (s->ids.cap - s->ids.n < f.len && u64reserve(&s->ids, s->ids.n + f.len))
				return -ENOMEM;
			while (pb.p < pb.end) {
				uint64_t v;
				if (*pb.p < 0x80) {
					v = *pb.p++;
				} else if (pb.end - pb.p >= 2 && pb.p[1] < 0x80) {
					v = (uint64_t)(pb.p[0] & 0x7f) | (uint64_t)pb.p[1] << 7;
					pb.p += 2;
				} else if (varint(&pb, &v))
					return fail(r, "malformed sample location ids");
				s->ids.v[s->ids.n++] = v;
			}
		} else if (f.num == 1) {
			if (repeated(&f, u64push, &s->ids))
				return fail(r, "malformed sample location ids");
		} else if (f.num == 2) {
			if (repeated(&f, u64push, &s->vals))
				return fail(r, "malformed sample values");
		} else if (f.num == 3 && f.wt == 2) {
			if (s->nlabels == s->caplabels) {
				size_t nc = s->caplabels ? s->caplabels * 2 : 8;
				struct kan_label *nl = realloc(s->labels, nc * sizeof(*nl));
				if (!nl)
					return -ENOMEM;
				s->labels = nl;
				s->caplabels = nc;
			}
			if ((e = label(r, &f, &s->labels[s->nlabels])))
				return e;
			s->nlabels++;
		}
	}
	if (k < 0)
		return fail(r, "malformed sample");
	if (s->vals.n != r->p->nsample_types)
		return fail(r, "sample has %zu values but the profile has %zu sample types", s->vals.n,
				 r->p->nsample_types);
	if (s->ids.n > UINT32_MAX || s->nlabels > UINT32_MAX)
		return fail(r, "sample too large");
	if (s->ids.n > s->caplocs) {
		uint32_t *nl = realloc(s->locs, s->ids.n * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		s->locs = nl;
		s->caplocs = s->ids.n;
	}
	for (size_t i = 0; i < s->ids.n; i++) {
		long li = idmap_get(&r->locs, s->ids.v[i]);
		if (li < 0)
			return fail(r, "sample refers to unknown location id %" PRIu64, s->ids.v[i]);
		s->locs[i] = (uint32_t)li;
	}
	long idx = kan_profile_add_sample(r->p, s->locs, (uint32_t)s->ids.n, (const int64_t *)s->vals.v, s->labels,
					  (uint32_t)s->nlabels);
	return idx < 0 ? (int)idx : 0;
}

struct kan__strvec {
	struct kan__rd *r;
	const char **v;
	size_t n, cap;
	int err;
};

static int comment_push(void *ctx, uint64_t idx)
{
	struct kan__strvec *c = ctx;
	const char *s;

	if (string_at(c->r, idx, &s, "comment")) {
		c->err = 1;
		return -1;
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 8;
		const char **nv = realloc(c->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		c->v = nv;
		c->cap = nc;
	}
	c->v[c->n++] = s;
	return 0;
}

int kan_pprof_decode(const uint8_t *data, size_t len, struct kan_profile *p, char *err, size_t errlen)
{
	struct kan__rd r = { .p = p, .data = data, .len = len, .err = err, .errlen = errlen };
	struct kan__scratch s = { 0 };
	struct kan__strvec comments = { .r = &r };
	struct kan__pb b;
	struct kan__field f;
	size_t nmap = 0, nfunc = 0, nloc = 0, nsample = 0, nfields = 0;
	int k, e = 0, seen_time = 0;

	/* pass 1: framing, string table, counts */
	b = (struct kan__pb){ data, data + len };
	while ((k = next(&b, &f)) == 1) {
		nfields++;
		if (f.num == 6) {
			if (f.wt != 2) {
				e = fail(&r, "not a pprof profile (bad string table entry)");
				goto out;
			}
			r.nstrs++;
		} else if (f.num == 3)
			nmap++;
		else if (f.num == 5)
			nfunc++;
		else if (f.num == 4)
			nloc++;
		else if (f.num == 2)
			nsample++;
		else if (f.num == 9) {
			if (seen_time++) {
				e = fail(&r, "time_nanos set twice (concatenated profiles?)");
				goto out;
			}
		}
		if (f.num >= 1 && f.num <= 6 && f.wt != 2) {
			e = fail(&r, "not a pprof profile (field %u has wire type %d)", f.num, f.wt);
			goto out;
		}
	}
	if (k < 0 || nfields == 0) {
		e = fail(&r, "not a pprof profile (malformed protobuf)");
		goto out;
	}
	if (r.nstrs == 0 && (nsample || nloc || nfunc)) {
		e = fail(&r, "not a pprof profile (no string table)");
		goto out;
	}
	if (len > UINT32_MAX) {
		e = fail(&r, "profile larger than 4 GiB");
		goto out;
	}
	r.str_off = malloc((r.nstrs + 1) * sizeof(*r.str_off));
	if (!r.str_off || idmap_init(&r.maps, nmap) ||
	    idmap_init(&r.funcs, nfunc) || idmap_init(&r.locs, nloc)) {
		e = -ENOMEM;
		goto out;
	}
	size_t si = 0;
	b = (struct kan__pb){ data, data + len };
	size_t len0 = 0;
	for (const uint8_t *at = b.p; next(&b, &f) == 1; at = b.p)
		if (f.num == 6) {
			if (si == 0)
				len0 = f.len;
			r.str_off[si++] = (uint32_t)(at - data);
		}
	if (r.nstrs && len0 != 0) {
		e = fail(&r, "not a pprof profile (string_table[0] is not empty)");
		goto out;
	}

	/* pass 2: header fields */
	b = (struct kan__pb){ data, data + len };
	while (next(&b, &f) == 1) {
		switch (f.num) {
		case 1: {
			struct kan_value_type vt;
			if ((e = value_type(&r, &f, &vt)))
				goto out;
			if ((e = kan_profile_add_sample_type(p, vt.type, vt.unit))) {
				if (e == -E2BIG)
					e = fail(&r, "more than %d sample types", KAN_MAX_SAMPLE_TYPES);
				goto out;
			}
			break;
		}
		case 7:
		case 8:
		case 14:
			if (f.wt == 0) {
				const char *str;
				if ((e = string_at(&r, f.v, &str, "profile field")))
					goto out;
				if (f.num == 7)
					p->drop_frames = str;
				else if (f.num == 8)
					p->keep_frames = str;
				else
					p->default_sample_type = *str ? str : NULL;
			}
			break;
		case 9: p->time_nanos = (int64_t)f.v; break;
		case 10: p->duration_nanos = (int64_t)f.v; break;
		case 11:
			if (f.wt == 2 && (e = value_type(&r, &f, &p->period_type)))
				goto out;
			break;
		case 12: p->period = (int64_t)f.v; break;
		case 13:
			if (repeated(&f, comment_push, &comments)) {
				e = comments.err ? -EINVAL : fail(&r, "malformed comments");
				goto out;
			}
			break;
		}
	}
	if (nsample && p->nsample_types == 0) {
		e = fail(&r, "profile has samples but no sample types");
		goto out;
	}
	p->comments = comments.v;
	p->ncomments = comments.n;
	comments.v = NULL;

	/* passes 3-6: entries in dependency order */
	static const uint32_t order[] = { 3, 5, 4, 2 };
	for (size_t o = 0; o < 4; o++) {
		if (order[o] == 4)
			idmap_densify(&r.funcs, nfunc);
		if (order[o] == 2)
			idmap_densify(&r.locs, nloc);
		b = (struct kan__pb){ data, data + len };
		while (next(&b, &f) == 1) {
			if (f.num != order[o])
				continue;
			switch (f.num) {
			case 3: e = mapping(&r, &f); break;
			case 5: e = function(&r, &f); break;
			case 4: e = location(&r, &f, &s); break;
			case 2: e = sample(&r, &f, &s); break;
			}
			if (e)
				goto out;
		}
	}
out:
	if (e == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(r.str_off);
	ku_hmap_free(&r.str_map);
	free(r.str_cache);
	idmap_free(&r.maps);
	idmap_free(&r.funcs);
	idmap_free(&r.locs);
	free(s.ids.v);
	free(s.vals.v);
	free(s.lines);
	free(s.locs);
	free(s.labels);
	free(comments.v);
	return e;
}
