/* SPDX-License-Identifier: MIT */
/*
 * pbdecode.h: a small, independent profile.proto reader for the ksamp
 * tests (header-only). It checks the wire format strictly (every varint
 * and length in bounds, ids unique and non-zero, string_table[0] empty,
 * each sample's value count equal to the sample type count, references
 * resolvable) so that a test fails on a malformed profile even where the
 * pprof tool is not installed. It deliberately shares no code with
 * lib/pprof.c.
 */
#ifndef KSAMP_PBDECODE_H
#define KSAMP_PBDECODE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PB_MAXV 8
#define PB_MAXL 8

struct pb_vt {
	int64_t type, unit;
};
struct pb_label {
	int64_t key, str, num, num_unit;
};
struct pb_sample {
	uint64_t *locs;
	size_t nlocs;
	int64_t vals[PB_MAXV];
	size_t nvals;
	struct pb_label labels[PB_MAXL];
	size_t nlabels;
};
struct pb_mapping {
	uint64_t id, start, limit, offset;
	int64_t filename, build_id;
	int has_functions;
};
struct pb_location {
	uint64_t id, mapping_id, address;
	uint64_t funcs[8]; /* function ids of the lines, innermost first */
	int64_t lines[8];
	size_t nlines;
};
struct pb_function {
	uint64_t id;
	int64_t name, system_name, filename, start_line;
};
struct pb_profile {
	char **str;
	size_t nstr;
	struct pb_vt types[PB_MAXV];
	size_t ntypes;
	struct pb_sample *samples;
	size_t nsamples;
	struct pb_mapping *maps;
	size_t nmaps;
	struct pb_location *locs;
	size_t nlocs;
	struct pb_function *funcs;
	size_t nfuncs;
	int64_t comments[64];
	size_t ncomments;
	int64_t drop, keep, time_nanos, duration_nanos, period, default_type;
	struct pb_vt period_type;
	int time_seen;
	char err[200];
};

struct pb__rd {
	const uint8_t *p, *end;
	int bad;
};

static inline uint64_t pb__varint(struct pb__rd *r)
{
	uint64_t v = 0;

	for (int s = 0; s < 70; s += 7) {
		if (r->p >= r->end) {
			r->bad = 1;
			return 0;
		}
		uint8_t c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

/* Read one field key; returns field number, 0 at end. Length-delimited
 * payloads are returned in *sub. */
static inline unsigned pb__next(struct pb__rd *r, unsigned *wt, uint64_t *v, struct pb__rd *sub)
{
	uint64_t k;

	if (r->bad || r->p >= r->end)
		return 0;
	k = pb__varint(r);
	*wt = k & 7;
	if (*wt == 0) {
		*v = pb__varint(r);
	} else if (*wt == 2) {
		uint64_t n = pb__varint(r);
		if (n > (uint64_t)(r->end - r->p)) {
			r->bad = 1;
			return 0;
		}
		sub->p = r->p;
		sub->end = r->p + n;
		sub->bad = 0;
		r->p += n;
	} else {
		r->bad = 1; /* profile.proto uses no fixed32/64 */
		return 0;
	}
	return r->bad ? 0 : (unsigned)(k >> 3);
}

/* A repeated scalar: packed (wt 2) or a single value (wt 0). */
static inline int pb__scalars(unsigned wt, uint64_t v, struct pb__rd *sub, uint64_t *out, size_t cap, size_t *n)
{
	if (wt == 0) {
		if (*n >= cap)
			return -1;
		out[(*n)++] = v;
		return 0;
	}
	while (sub->p < sub->end) {
		uint64_t x = pb__varint(sub);
		if (sub->bad || *n >= cap)
			return -1;
		out[(*n)++] = x;
	}
	return 0;
}

#define PB__FAIL(pr, ...) do { snprintf((pr)->err, sizeof((pr)->err), __VA_ARGS__); return -1; } while (0)
#define PB__PUSH(arr, n) ((arr) = realloc((arr), ((n) + 1) * sizeof(*(arr))), memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])

static inline int pb__vt(struct pb__rd *r, struct pb_vt *vt)
{
	unsigned f, wt;
	uint64_t v = 0;
	struct pb__rd s = {0};

	while ((f = pb__next(r, &wt, &v, &s)))
		if (f == 1) vt->type = (int64_t)v;
		else if (f == 2) vt->unit = (int64_t)v;
	return r->bad ? -1 : 0;
}

static inline int pb_parse(struct pb_profile *pr, const uint8_t *d, size_t n)
{
	struct pb__rd r = {d, d + n, 0}, s = {0}, t = {0};
	unsigned f, wt, f2, wt2;
	uint64_t v = 0, v2 = 0, tmp[4096];
	size_t nt;

	memset(pr, 0, sizeof(*pr));
	while ((f = pb__next(&r, &wt, &v, &s))) {
		switch (f) {
		case 1:
			if (wt != 2 || pr->ntypes >= PB_MAXV || pb__vt(&s, &pr->types[pr->ntypes++]))
				PB__FAIL(pr, "bad sample_type");
			break;
		case 2: {
			struct pb_sample *sm = PB__PUSH(pr->samples, pr->nsamples);
			while ((f2 = pb__next(&s, &wt2, &v2, &t))) {
				if (f2 == 1) {
					nt = 0;
					if (pb__scalars(wt2, v2, &t, tmp, 4096, &nt))
						PB__FAIL(pr, "bad location_id list");
					sm->locs = realloc(sm->locs, (sm->nlocs + nt + 1) * sizeof(uint64_t));
					memcpy(sm->locs + sm->nlocs, tmp, nt * sizeof(uint64_t));
					sm->nlocs += nt;
				} else if (f2 == 2) {
					if (pb__scalars(wt2, v2, &t, (uint64_t *)sm->vals, PB_MAXV, &sm->nvals))
						PB__FAIL(pr, "bad value list");
				} else if (f2 == 3) {
					struct pb__rd u = {0};
					unsigned f3, wt3;
					uint64_t v3 = 0;
					if (sm->nlabels >= PB_MAXL)
						PB__FAIL(pr, "too many labels");
					struct pb_label *l = &sm->labels[sm->nlabels++];
					while ((f3 = pb__next(&t, &wt3, &v3, &u)))
						if (f3 == 1) l->key = (int64_t)v3;
						else if (f3 == 2) l->str = (int64_t)v3;
						else if (f3 == 3) l->num = (int64_t)v3;
						else if (f3 == 4) l->num_unit = (int64_t)v3;
					if (t.bad)
						PB__FAIL(pr, "bad label");
				}
			}
			if (s.bad)
				PB__FAIL(pr, "bad sample");
			break;
		}
		case 3: {
			struct pb_mapping *m = PB__PUSH(pr->maps, pr->nmaps);
			while ((f2 = pb__next(&s, &wt2, &v2, &t)))
				switch (f2) {
				case 1: m->id = v2; break;
				case 2: m->start = v2; break;
				case 3: m->limit = v2; break;
				case 4: m->offset = v2; break;
				case 5: m->filename = (int64_t)v2; break;
				case 6: m->build_id = (int64_t)v2; break;
				case 7: m->has_functions = (int)v2; break;
				}
			if (s.bad)
				PB__FAIL(pr, "bad mapping");
			break;
		}
		case 4: {
			struct pb_location *l = PB__PUSH(pr->locs, pr->nlocs);
			while ((f2 = pb__next(&s, &wt2, &v2, &t))) {
				if (f2 == 1) l->id = v2;
				else if (f2 == 2) l->mapping_id = v2;
				else if (f2 == 3) l->address = v2;
				else if (f2 == 4) {
					struct pb__rd u = {0};
					unsigned f3, wt3;
					uint64_t v3 = 0;
					if (l->nlines >= 8)
						PB__FAIL(pr, "too many lines");
					while ((f3 = pb__next(&t, &wt3, &v3, &u)))
						if (f3 == 1) l->funcs[l->nlines] = v3;
						else if (f3 == 2) l->lines[l->nlines] = (int64_t)v3;
					l->nlines++;
				}
			}
			if (s.bad)
				PB__FAIL(pr, "bad location");
			break;
		}
		case 5: {
			struct pb_function *fn = PB__PUSH(pr->funcs, pr->nfuncs);
			while ((f2 = pb__next(&s, &wt2, &v2, &t)))
				if (f2 == 1) fn->id = v2;
				else if (f2 == 2) fn->name = (int64_t)v2;
				else if (f2 == 3) fn->system_name = (int64_t)v2;
				else if (f2 == 4) fn->filename = (int64_t)v2;
				else if (f2 == 5) fn->start_line = (int64_t)v2;
			if (s.bad)
				PB__FAIL(pr, "bad function");
			break;
		}
		case 6: {
			if (wt != 2)
				PB__FAIL(pr, "bad string");
			char **slot = PB__PUSH(pr->str, pr->nstr);
			*slot = strndup((const char *)s.p, (size_t)(s.end - s.p));
			break;
		}
		case 7: pr->drop = (int64_t)v; break;
		case 8: pr->keep = (int64_t)v; break;
		case 9:
			if (pr->time_seen++)
				PB__FAIL(pr, "time_nanos twice (concatenated profiles)");
			pr->time_nanos = (int64_t)v;
			break;
		case 10: pr->duration_nanos = (int64_t)v; break;
		case 11:
			if (pb__vt(&s, &pr->period_type))
				PB__FAIL(pr, "bad period_type");
			break;
		case 12: pr->period = (int64_t)v; break;
		case 13: {
			nt = 0;
			if (pb__scalars(wt, v, &s, tmp, 64, &nt) || pr->ncomments + nt > 64)
				PB__FAIL(pr, "bad comments");
			for (size_t i = 0; i < nt; i++)
				pr->comments[pr->ncomments++] = (int64_t)tmp[i];
			break;
		}
		case 14: pr->default_type = (int64_t)v; break;
		default:
			PB__FAIL(pr, "unknown field %u", f);
		}
	}
	if (r.bad)
		PB__FAIL(pr, "truncated or malformed wire data");
	/* Semantic checks, as pprof makes them. */
	if (!pr->nstr || pr->str[0][0])
		PB__FAIL(pr, "string_table[0] is not empty");
#define PB__STR(i) ((i) >= 0 && (uint64_t)(i) < pr->nstr)
	for (size_t i = 0; i < pr->nsamples; i++) {
		if (pr->samples[i].nvals != pr->ntypes)
			PB__FAIL(pr, "sample %zu has %zu values for %zu types", i, pr->samples[i].nvals, pr->ntypes);
		for (size_t j = 0; j < pr->samples[i].nlocs; j++) {
			size_t k;
			for (k = 0; k < pr->nlocs && pr->locs[k].id != pr->samples[i].locs[j]; k++)
				;
			if (k == pr->nlocs)
				PB__FAIL(pr, "sample %zu references unknown location", i);
		}
		for (size_t j = 0; j < pr->samples[i].nlabels; j++)
			if (!PB__STR(pr->samples[i].labels[j].key) || !PB__STR(pr->samples[i].labels[j].str))
				PB__FAIL(pr, "bad label string");
	}
#define PB__UNIQ(arr, n, what)                                                      \
	for (size_t i = 0; i < (n); i++) {                                          \
		if (!(arr)[i].id)                                                   \
			PB__FAIL(pr, "%s with id 0", what);                         \
		for (size_t j = 0; j < i; j++)                                      \
			if ((arr)[j].id == (arr)[i].id)                             \
				PB__FAIL(pr, "duplicate %s id %llu", what,          \
					 (unsigned long long)(arr)[i].id);          \
	}
	PB__UNIQ(pr->maps, pr->nmaps, "mapping")
	PB__UNIQ(pr->locs, pr->nlocs, "location")
	PB__UNIQ(pr->funcs, pr->nfuncs, "function")
	for (size_t i = 0; i < pr->nfuncs; i++)
		if (!PB__STR(pr->funcs[i].name) || !PB__STR(pr->funcs[i].filename))
			PB__FAIL(pr, "function with bad string index");
	for (size_t i = 0; i < pr->nlocs; i++)
		for (size_t j = 0; j < pr->locs[i].nlines; j++) {
			size_t k;
			for (k = 0; k < pr->nfuncs && pr->funcs[k].id != pr->locs[i].funcs[j]; k++)
				;
			if (k == pr->nfuncs)
				PB__FAIL(pr, "location line references unknown function");
		}
	return 0;
}

/* Read a gzipped (or plain) profile file. Returns 0 or -1 with pr->err. */
static inline int pb_load(struct pb_profile *pr, const char *path)
{
	gzFile g = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	uint8_t *d;
	int k, rc;

	memset(pr, 0, sizeof(*pr));
	if (!g)
		PB__FAIL(pr, "cannot open %.150s", path);
	d = malloc(cap);
	while ((k = gzread(g, d + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)k;
		if (n == cap)
			d = realloc(d, cap *= 2);
	}
	gzclose(g);
	if (k < 0) {
		free(d);
		PB__FAIL(pr, "gzip error in %.150s", path);
	}
	rc = pb_parse(pr, d, n);
	free(d);
	return rc;
}

static inline const char *pb_str(const struct pb_profile *pr, int64_t i)
{
	return i >= 0 && (uint64_t)i < pr->nstr ? pr->str[i] : "?";
}

static inline const struct pb_location *pb_loc(const struct pb_profile *pr, uint64_t id)
{
	for (size_t i = 0; i < pr->nlocs; i++)
		if (pr->locs[i].id == id)
			return &pr->locs[i];
	return NULL;
}

static inline const char *pb_func_name(const struct pb_profile *pr, uint64_t id)
{
	for (size_t i = 0; i < pr->nfuncs; i++)
		if (pr->funcs[i].id == id)
			return pb_str(pr, pr->funcs[i].name);
	return "?";
}

/* Does any frame (any inline line) of sample s belong to function name? */
static inline int pb_sample_has(const struct pb_profile *pr, const struct pb_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlocs; i++) {
		const struct pb_location *l = pb_loc(pr, s->locs[i]);
		for (size_t j = 0; l && j < l->nlines; j++)
			if (!strcmp(pb_func_name(pr, l->funcs[j]), name))
				return 1;
	}
	return 0;
}

/* The string value of label key in sample s, or NULL; numeric via *num. */
static inline const char *pb_label(const struct pb_profile *pr, const struct pb_sample *s, const char *key,
				   int64_t *num)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (!strcmp(pb_str(pr, s->labels[i].key), key)) {
			if (num)
				*num = s->labels[i].num;
			return s->labels[i].str ? pb_str(pr, s->labels[i].str) : "";
		}
	return NULL;
}

static inline int pb_comment_has(const struct pb_profile *pr, const char *needle)
{
	for (size_t i = 0; i < pr->ncomments; i++)
		if (strstr(pb_str(pr, pr->comments[i]), needle))
			return 1;
	return 0;
}

static inline void pb_free(struct pb_profile *pr)
{
	for (size_t i = 0; i < pr->nstr; i++)
		free(pr->str[i]);
	for (size_t i = 0; i < pr->nsamples; i++)
		free(pr->samples[i].locs);
	free(pr->str);
	free(pr->samples);
	free(pr->maps);
	free(pr->locs);
	free(pr->funcs);
	memset(pr, 0, sizeof(*pr));
}

#endif
