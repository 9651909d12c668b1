/* SPDX-License-Identifier: MIT */
/*
 * pprof: an in-memory profile.proto builder with interning and sample
 * merging, a minimal protobuf wire writer (varints, length-delimited
 * fields, packed repeated scalars) and a zlib gzip writer. Tables are
 * growable arrays indexed by small open-addressing hash sets that store
 * array positions, so ids are simply position + 1 and never move.
 *
 * Why one file of this size: the builder's tables are encoded straight by
 * the wire writer and compressed by the gzip writer, one format end to end
 * behind pprof.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ku.h"
#include "pprof.h"
#include "procmaps.h"

/* ---- growable arrays --------------------------------------------------- */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* ---- hash set of positions -------------------------------------------- */

/* Slots hold position + 1 (0 = empty); keys live in the owner's arrays. */
struct ku__set {
	uint32_t *slot;
	size_t cap; /* power of two */
	size_t n;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	h ^= 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

/* Insert position pos with hash h; the set must not already contain it. */
static int set_rehash(struct ku__set *s, size_t ncap, uint64_t (*hash)(const void *, size_t), const void *ctx);

static int set_put(struct ku__set *s, uint64_t h, size_t pos)
{
	size_t mask = s->cap - 1, i = h & mask;

	while (s->slot[i])
		i = (i + 1) & mask;
	s->slot[i] = (uint32_t)(pos + 1);
	s->n++;
	return 0;
}

static int set_rehash(struct ku__set *s, size_t ncap, uint64_t (*hash)(const void *, size_t), const void *ctx)
{
	struct ku__set ns = {calloc(ncap, sizeof(uint32_t)), ncap, 0};

	if (!ns.slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			set_put(&ns, hash(ctx, s->slot[i] - 1), s->slot[i] - 1);
	free(s->slot);
	*s = ns;
	return 0;
}

/* Make room for one more entry (load factor <= 1/2). */
static int set_reserve(struct ku__set *s, uint64_t (*hash)(const void *, size_t), const void *ctx)
{
	if ((s->n + 1) * 2 <= s->cap)
		return 0;
	return set_rehash(s, s->cap ? s->cap * 2 : 64, hash, ctx);
}

/*
 * Find the position whose key equals the probe (eq(ctx, pos) != 0);
 * returns position or -1.
 */
static long set_find(const struct ku__set *s, uint64_t h, int (*eq)(const void *, size_t, const void *),
			 const void *ctx, const void *probe)
{
	size_t mask, i;

	if (!s->cap)
		return -1;
	mask = s->cap - 1;
	for (i = h & mask; s->slot[i]; i = (i + 1) & mask)
		if (eq(ctx, s->slot[i] - 1, probe))
			return (long)s->slot[i] - 1;
	return -1;
}

/* ---- the builder ------------------------------------------------------- */

struct ku__vt {
	int64_t type, unit;
};

struct ku__mapping {
	uint64_t start, limit, offset;
	int64_t filename, build_id;
	bool fn, files, lines, inl;
};

struct ku__function {
	int64_t name, system_name, filename, start_line;
};

struct ku__location {
	uint64_t mapping_id, address;
	size_t line0, nlines; /* into p->lines */
};

struct ku__label {
	int64_t key, str, num, num_unit;
};

struct ku__sample {
	size_t loc0, nlocs;	/* into p->locids */
	size_t val0;		/* into p->values, n_types entries */
	size_t lab0, nlabels;	/* into p->labels */
	uint64_t hash;
};

struct ku_pprof {
	size_t n_types;
	struct ku__vt *types;
	struct ku__vt period_type;
	bool has_period, verbatim;
	int64_t period, time_nanos, duration_nanos, drop, keep, default_type;

	char **str;
	size_t nstr, capstr;
	struct ku__set strset;

	struct ku__mapping *maps;
	size_t nmaps, capmaps;

	struct ku__function *funcs;
	size_t nfuncs, capfuncs;
	struct ku__set funcset;

	struct ku__location *locs;
	size_t nlocs, caplocs;
	struct ku__set locset;
	struct ku_pprof_line *lines;
	size_t nlines, caplines;

	struct ku__sample *samples;
	size_t nsamples, capsamples;
	struct ku__set sampset;
	uint64_t *locids;
	size_t nlocids, caplocids;
	int64_t *values;
	size_t nvalues, capvalues;
	struct ku__label *labels;
	size_t nlabels, caplabels;

	int64_t *comments;
	size_t ncomments, capcomments;
};

static uint64_t str_hash_pos(const void *ctx, size_t pos)
{
	const struct ku_pprof *p = ctx;

	return hash_bytes(p->str[pos], strlen(p->str[pos]), 0);
}

static int str_eq(const void *ctx, size_t pos, const void *probe)
{
	const struct ku_pprof *p = ctx;

	return !strcmp(p->str[pos], probe);
}

int64_t ku_pprof_string(struct ku_pprof *p, const char *s)
{
	uint64_t h;
	long pos;
	char *copy;
	int rc;

	if (!s || !*s)
		return 0;
	h = hash_bytes(s, strlen(s), 0);
	pos = set_find(&p->strset, h, str_eq, p, s);
	if (pos >= 0)
		return pos;
	if ((rc = set_reserve(&p->strset, str_hash_pos, p)) < 0)
		return rc;
	if ((rc = GROW(p->str, p->capstr, p->nstr + 1)) < 0)
		return rc;
	if (!(copy = strdup(s)))
		return -ENOMEM;
	p->str[p->nstr] = copy;
	set_put(&p->strset, h, p->nstr);
	return (int64_t)p->nstr++;
}

int ku_pprof_new(struct ku_pprof **out, const struct ku_pprof_value_type *sample_types,
		 size_t n_types, const struct ku_pprof_value_type *period_type, int64_t period)
{
	struct ku_pprof *p;
	int64_t a, b;

	if (!out || !sample_types || !n_types)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->types = calloc(n_types, sizeof(*p->types));
	p->str = calloc(16, sizeof(char *));
	if (!p->types || !p->str || !(p->str[0] = strdup("")))
		goto nomem;
	p->capstr = 16;
	p->nstr = 1;
	p->n_types = n_types;
	for (size_t i = 0; i < n_types; i++) {
		if ((a = ku_pprof_string(p, sample_types[i].type)) < 0 ||
		    (b = ku_pprof_string(p, sample_types[i].unit)) < 0)
			goto nomem;
		p->types[i].type = a;
		p->types[i].unit = b;
	}
	if (period_type) {
		if ((a = ku_pprof_string(p, period_type->type)) < 0 ||
		    (b = ku_pprof_string(p, period_type->unit)) < 0)
			goto nomem;
		p->period_type.type = a;
		p->period_type.unit = b;
		p->has_period = true;
		p->period = period;
	}
	*out = p;
	return 0;
nomem:
	ku_pprof_free(p);
	return -ENOMEM;
}

void ku_pprof_free(struct ku_pprof *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstr; i++)
		free(p->str[i]);
	free(p->str);
	free(p->strset.slot);
	free(p->types);
	free(p->maps);
	free(p->funcs);
	free(p->funcset.slot);
	free(p->locs);
	free(p->locset.slot);
	free(p->lines);
	free(p->samples);
	free(p->sampset.slot);
	free(p->locids);
	free(p->values);
	free(p->labels);
	free(p->comments);
	free(p);
}

void ku_pprof_set_verbatim(struct ku_pprof *p, bool on)
{
	if (p)
		p->verbatim = on;
}

int ku_pprof_mapping(struct ku_pprof *p, const struct ku_pprof_mapping *m, uint64_t *id)
{
	struct ku__mapping *d;
	int64_t fn, bid;
	int rc;

	if (!p || !m || m->limit < m->start)
		return -EINVAL;
	if ((fn = ku_pprof_string(p, m->filename)) < 0 || (bid = ku_pprof_string(p, m->build_id)) < 0)
		return -ENOMEM;
	if ((rc = GROW(p->maps, p->capmaps, p->nmaps + 1)) < 0)
		return rc;
	d = &p->maps[p->nmaps++];
	*d = (struct ku__mapping){m->start, m->limit, m->offset, fn, bid,
				  m->has_functions, m->has_filenames, m->has_line_numbers,
				  m->has_inline_frames};
	if (id)
		*id = p->nmaps;
	return 0;
}

int ku_pprof_map(struct ku_pprof *p, const struct ku_maps *maps, const struct ku_map *m, uint64_t *ids,
		 bool symbolized, uint64_t *id)
{
	size_t idx = (size_t)(m - maps->map);
	char hex[2 * KU_BUILD_ID_MAX + 1];
	struct ku_pprof_mapping pm;
	int rc;

	if (idx >= maps->n)
		return -EINVAL;
	if (!ids[idx]) {
		memset(&pm, 0, sizeof(pm));
		pm.start = m->start;
		pm.limit = m->end;
		pm.offset = m->offset;
		pm.filename = m->path;
		pm.build_id = m->build_id_len ? ku_procmaps_build_id_hex(m->build_id, m->build_id_len, hex) : NULL;
		pm.has_functions = pm.has_filenames = pm.has_line_numbers = pm.has_inline_frames = symbolized;
		if ((rc = ku_pprof_mapping(p, &pm, &ids[idx])) < 0)
			return rc;
	}
	*id = ids[idx];
	return 0;
}

static uint64_t func_hash(const struct ku__function *f)
{
	uint64_t h = mix(0, (uint64_t)f->name);

	h = mix(h, (uint64_t)f->system_name);
	h = mix(h, (uint64_t)f->filename);
	return mix(h, (uint64_t)f->start_line);
}

static uint64_t func_hash_pos(const void *ctx, size_t pos)
{
	return func_hash(&((const struct ku_pprof *)ctx)->funcs[pos]);
}

static int func_eq(const void *ctx, size_t pos, const void *probe)
{
	return !memcmp(&((const struct ku_pprof *)ctx)->funcs[pos], probe, sizeof(struct ku__function));
}

int ku_pprof_function(struct ku_pprof *p, const char *name, const char *system_name,
		      const char *filename, int64_t start_line, uint64_t *id)
{
	struct ku__function f;
	uint64_t h;
	long pos;
	int rc;

	if (!p)
		return -EINVAL;
	memset(&f, 0, sizeof(f));
	if ((f.name = ku_pprof_string(p, name)) < 0 ||
	    (f.system_name = ku_pprof_string(p, system_name ? system_name : name)) < 0 ||
	    (f.filename = ku_pprof_string(p, filename)) < 0)
		return -ENOMEM;
	f.start_line = start_line;
	h = func_hash(&f);
	pos = set_find(&p->funcset, h, func_eq, p, &f);
	if (pos < 0) {
		if ((rc = set_reserve(&p->funcset, func_hash_pos, p)) < 0 ||
		    (rc = GROW(p->funcs, p->capfuncs, p->nfuncs + 1)) < 0)
			return rc;
		p->funcs[p->nfuncs] = f;
		set_put(&p->funcset, h, p->nfuncs);
		pos = (long)p->nfuncs++;
	}
	if (id)
		*id = (uint64_t)pos + 1;
	return 0;
}

static uint64_t loc_hash_pos(const void *ctx, size_t pos)
{
	const struct ku__location *l = &((const struct ku_pprof *)ctx)->locs[pos];

	return mix(mix(0, l->mapping_id), l->address);
}

static int loc_eq(const void *ctx, size_t pos, const void *probe)
{
	const struct ku__location *l = &((const struct ku_pprof *)ctx)->locs[pos];
	const uint64_t *k = probe;

	return l->mapping_id == k[0] && l->address == k[1];
}

int ku_pprof_location(struct ku_pprof *p, uint64_t mapping_id, uint64_t address,
		      const struct ku_pprof_line *lines, size_t nlines, uint64_t *id)
{
	uint64_t key[2] = {mapping_id, address};
	uint64_t h = mix(mix(0, mapping_id), address);
	long pos;
	int rc;

	if (!p || mapping_id > p->nmaps || (nlines && !lines))
		return -EINVAL;
	for (size_t i = 0; i < nlines; i++)
		if (!lines[i].function_id || lines[i].function_id > p->nfuncs)
			return -EINVAL;
	pos = p->verbatim ? -1 : set_find(&p->locset, h, loc_eq, p, key);
	if (pos < 0) {
		if ((!p->verbatim && (rc = set_reserve(&p->locset, loc_hash_pos, p)) < 0) ||
		    (rc = GROW(p->locs, p->caplocs, p->nlocs + 1)) < 0 ||
		    (rc = GROW(p->lines, p->caplines, p->nlines + nlines)) < 0)
			return rc;
		if (nlines)
			memcpy(p->lines + p->nlines, lines, nlines * sizeof(*lines));
		p->locs[p->nlocs] = (struct ku__location){mapping_id, address, p->nlines, nlines};
		p->nlines += nlines;
		if (!p->verbatim)
			set_put(&p->locset, h, p->nlocs);
		pos = (long)p->nlocs++;
	}
	if (id)
		*id = (uint64_t)pos + 1;
	return 0;
}

/* A sample probe: the key being looked up, not yet stored. */
struct ku__sprobe {
	const uint64_t *locs;
	size_t nlocs;
	const struct ku__label *labels;
	size_t nlabels;
};

static uint64_t sample_hash(const struct ku__sprobe *k)
{
	uint64_t h = hash_bytes(k->locs, k->nlocs * sizeof(uint64_t), k->nlocs);

	return hash_bytes(k->labels, k->nlabels * sizeof(struct ku__label), h);
}

static uint64_t sample_hash_pos(const void *ctx, size_t pos)
{
	return ((const struct ku_pprof *)ctx)->samples[pos].hash;
}

static int sample_eq(const void *ctx, size_t pos, const void *probe)
{
	const struct ku_pprof *p = ctx;
	const struct ku__sample *s = &p->samples[pos];
	const struct ku__sprobe *k = probe;

	return s->nlocs == k->nlocs && s->nlabels == k->nlabels &&
	       (!k->nlocs || !memcmp(p->locids + s->loc0, k->locs, k->nlocs * sizeof(uint64_t))) &&
	       (!k->nlabels || !memcmp(p->labels + s->lab0, k->labels, k->nlabels * sizeof(struct ku__label)));
}

/* Intern one label into its stored form. */
static int label_intern(struct ku_pprof *p, const struct ku_pprof_label *in, struct ku__label *out)
{
	memset(out, 0, sizeof(*out));
	if (!in->key || !*in->key)
		return -EINVAL;
	if ((out->key = ku_pprof_string(p, in->key)) < 0)
		return -ENOMEM;
	if (in->str) {
		if ((out->str = ku_pprof_string(p, in->str)) < 0)
			return -ENOMEM;
	} else {
		out->num = in->num;
		if ((out->num_unit = ku_pprof_string(p, in->num_unit)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int sample_add(struct ku_pprof *p, const uint64_t *locs, size_t nlocs, const int64_t *values,
			  const struct ku__label *lab, size_t nlabels)
{
	struct ku__sprobe k = {locs, nlocs, lab, nlabels};
	struct ku__sample *s;
	uint64_t h = sample_hash(&k);
	long pos;
	int rc;

	pos = p->verbatim ? -1 : set_find(&p->sampset, h, sample_eq, p, &k);
	if (pos >= 0) {
		int64_t *v = p->values + p->samples[pos].val0;

		for (size_t i = 0; i < p->n_types; i++)
			v[i] += values[i];
		return 0;
	}
	if ((!p->verbatim && (rc = set_reserve(&p->sampset, sample_hash_pos, p)) < 0) ||
	    (rc = GROW(p->samples, p->capsamples, p->nsamples + 1)) < 0 ||
	    (rc = GROW(p->locids, p->caplocids, p->nlocids + nlocs)) < 0 ||
	    (rc = GROW(p->values, p->capvalues, p->nvalues + p->n_types)) < 0 ||
	    (rc = GROW(p->labels, p->caplabels, p->nlabels + nlabels)) < 0)
		return rc;
	s = &p->samples[p->nsamples];
	*s = (struct ku__sample){p->nlocids, nlocs, p->nvalues, p->nlabels, nlabels, h};
	if (nlocs)
		memcpy(p->locids + p->nlocids, locs, nlocs * sizeof(*locs));
	memcpy(p->values + p->nvalues, values, p->n_types * sizeof(*values));
	if (nlabels)
		memcpy(p->labels + p->nlabels, lab, nlabels * sizeof(*lab));
	p->nlocids += nlocs;
	p->nvalues += p->n_types;
	p->nlabels += nlabels;
	if (p->verbatim)
		p->nsamples++;
	else
		set_put(&p->sampset, h, p->nsamples++);
	return 0;
}

int ku_pprof_sample(struct ku_pprof *p, const uint64_t *locs, size_t nlocs, const int64_t *values,
		    const struct ku_pprof_label *labels, size_t nlabels)
{
	struct ku__label small[32], *lab = small;
	int rc = 0;

	if (!p || !values || (nlocs && !locs) || (nlabels && !labels))
		return -EINVAL;
	for (size_t i = 0; i < nlocs; i++)
		if (!locs[i] || locs[i] > p->nlocs)
			return -EINVAL;
	/* Few labels (the interposers' case) need no allocation. */
	if (nlabels > KU_ARRAY_SIZE(small) && !(lab = malloc(nlabels * sizeof(*lab))))
		return -ENOMEM;
	for (size_t i = 0; i < nlabels && !rc; i++)
		rc = label_intern(p, &labels[i], &lab[i]);
	if (!rc)
		rc = sample_add(p, locs, nlocs, values, lab, nlabels);
	if (lab != small)
		free(lab);
	return rc;
}

size_t ku_pprof_sample_count(const struct ku_pprof *p)
{
	return p ? p->nsamples : 0;
}

int ku_pprof_comment(struct ku_pprof *p, const char *text)
{
	int64_t s;
	int rc;

	if (!p || !text)
		return -EINVAL;
	if ((s = ku_pprof_string(p, text)) < 0)
		return (int)s;
	if ((rc = GROW(p->comments, p->capcomments, p->ncomments + 1)) < 0)
		return rc;
	p->comments[p->ncomments++] = s;
	return 0;
}

int ku_pprof_drop_frames(struct ku_pprof *p, const char *regex)
{
	int64_t s;

	if (!p)
		return -EINVAL;
	if ((s = ku_pprof_string(p, regex)) < 0)
		return (int)s;
	p->drop = s;
	return 0;
}

int ku_pprof_keep_frames(struct ku_pprof *p, const char *regex)
{
	int64_t s;

	if (!p)
		return -EINVAL;
	if ((s = ku_pprof_string(p, regex)) < 0)
		return (int)s;
	p->keep = s;
	return 0;
}

int ku_pprof_default_sample_type(struct ku_pprof *p, const char *type)
{
	int64_t s;

	if (!p)
		return -EINVAL;
	if ((s = ku_pprof_string(p, type)) < 0)
		return (int)s;
	p->default_type = s;
	return 0;
}

void ku_pprof_set_time(struct ku_pprof *p, int64_t time_nanos, int64_t duration_nanos)
{
	if (!p)
		return;
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
}

/* ---- protobuf wire writer ---------------------------------------------- */

struct ku__buf {
	uint8_t *d;
	size_t n, cap;
	int err;
};

static void put(struct ku__buf *b, const void *src, size_t n)
{
	if (b->err || !n)
		return;
	if (GROW(b->d, b->cap, b->n + n) < 0) {
		b->err = -ENOMEM;
		return;
	}
	memcpy(b->d + b->n, src, n);
	b->n += n;
}

static void varint(struct ku__buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;

	while (v >= 0x80) {
		t[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (uint8_t)v;
	put(b, t, n);
}

/* Wire types: 0 varint, 2 length-delimited. */
static void key(struct ku__buf *b, unsigned field, unsigned wt)
{
	varint(b, (uint64_t)field << 3 | wt);
}

/* A scalar field; proto3 omits zero values. int64 negatives take 10 bytes. */
static void field_u(struct ku__buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	key(b, field, 0);
	varint(b, v);
}

static void field_bytes(struct ku__buf *b, unsigned field, const void *d, size_t n)
{
	key(b, field, 2);
	varint(b, n);
	put(b, d, n);
}

/* Emit scratch as a length-delimited sub-message of field, then clear it. */
static void field_msg(struct ku__buf *b, unsigned field, struct ku__buf *scratch)
{
	if (scratch->err)
		b->err = scratch->err;
	field_bytes(b, field, scratch->d, scratch->n);
	scratch->n = 0;
}

static void packed(struct ku__buf *b, unsigned field, const uint64_t *v, size_t n, struct ku__buf *tmp)
{
	if (!n)
		return;
	tmp->n = 0;
	for (size_t i = 0; i < n; i++)
		varint(tmp, v[i]);
	if (tmp->err)
		b->err = tmp->err;
	field_bytes(b, field, tmp->d, tmp->n);
	tmp->n = 0;
}

static void value_type(struct ku__buf *b, unsigned field, const struct ku__vt *vt, struct ku__buf *m)
{
	field_u(m, 1, (uint64_t)vt->type);
	field_u(m, 2, (uint64_t)vt->unit);
	field_msg(b, field, m);
}

int ku_pprof_encode(const struct ku_pprof *p, uint8_t **buf, size_t *len)
{
	struct ku__buf b = {0}, m = {0}, sub = {0}, tmp = {0};
	int rc;

	if (!p || !buf || !len)
		return -EINVAL;
	for (size_t i = 0; i < p->n_types; i++)
		value_type(&b, 1, &p->types[i], &m);
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct ku__sample *s = &p->samples[i];

		packed(&m, 1, p->locids + s->loc0, s->nlocs, &tmp);
		packed(&m, 2, (const uint64_t *)(p->values + s->val0), p->n_types, &tmp);
		for (size_t j = 0; j < s->nlabels; j++) {
			const struct ku__label *l = &p->labels[s->lab0 + j];

			field_u(&sub, 1, (uint64_t)l->key);
			field_u(&sub, 2, (uint64_t)l->str);
			field_u(&sub, 3, (uint64_t)l->num);
			field_u(&sub, 4, (uint64_t)l->num_unit);
			field_msg(&m, 3, &sub);
		}
		field_msg(&b, 2, &m);
	}
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct ku__mapping *d = &p->maps[i];

		field_u(&m, 1, i + 1);
		field_u(&m, 2, d->start);
		field_u(&m, 3, d->limit);
		field_u(&m, 4, d->offset);
		field_u(&m, 5, (uint64_t)d->filename);
		field_u(&m, 6, (uint64_t)d->build_id);
		field_u(&m, 7, d->fn);
		field_u(&m, 8, d->files);
		field_u(&m, 9, d->lines);
		field_u(&m, 10, d->inl);
		field_msg(&b, 3, &m);
	}
	for (size_t i = 0; i < p->nlocs; i++) {
		const struct ku__location *l = &p->locs[i];

		field_u(&m, 1, i + 1);
		field_u(&m, 2, l->mapping_id);
		field_u(&m, 3, l->address);
		for (size_t j = 0; j < l->nlines; j++) {
			field_u(&sub, 1, p->lines[l->line0 + j].function_id);
			field_u(&sub, 2, (uint64_t)p->lines[l->line0 + j].line);
			field_msg(&m, 4, &sub);
		}
		field_msg(&b, 4, &m);
	}
	for (size_t i = 0; i < p->nfuncs; i++) {
		const struct ku__function *f = &p->funcs[i];

		field_u(&m, 1, i + 1);
		field_u(&m, 2, (uint64_t)f->name);
		field_u(&m, 3, (uint64_t)f->system_name);
		field_u(&m, 4, (uint64_t)f->filename);
		field_u(&m, 5, (uint64_t)f->start_line);
		field_msg(&b, 5, &m);
	}
	for (size_t i = 0; i < p->nstr; i++)
		field_bytes(&b, 6, p->str[i], strlen(p->str[i]));
	field_u(&b, 7, (uint64_t)p->drop);
	field_u(&b, 8, (uint64_t)p->keep);
	field_u(&b, 9, (uint64_t)p->time_nanos);
	field_u(&b, 10, (uint64_t)p->duration_nanos);
	if (p->has_period) {
		value_type(&b, 11, &p->period_type, &m);
		field_u(&b, 12, (uint64_t)p->period);
	}
	packed(&b, 13, (const uint64_t *)p->comments, p->ncomments, &tmp);
	field_u(&b, 14, (uint64_t)p->default_type);
	rc = b.err ? b.err : m.err ? m.err : sub.err ? sub.err : tmp.err;
	free(m.d);
	free(sub.d);
	free(tmp.d);
	if (rc) {
		free(b.d);
		return rc;
	}
	*buf = b.d ? b.d : malloc(1);
	*len = b.n;
	return *buf ? 0 : -ENOMEM;
}

/* ---- gzip writer ------------------------------------------------------- */

static int write_all(int fd, const uint8_t *d, size_t n)
{
	while (n) {
		ssize_t w = write(fd, d, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		d += w;
		n -= (size_t)w;
	}
	return 0;
}

int ku_pprof_write_fd(const struct ku_pprof *p, int fd)
{
	uint8_t *raw, out[65536];
	size_t len;
	z_stream z;
	int rc, zr;

	if (fd < 0)
		return -EBADF;
	if ((rc = ku_pprof_encode(p, &raw, &len)) < 0)
		return rc;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: gzip header and trailer instead of zlib's. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(raw);
		return -ENOMEM;
	}
	z.next_in = raw;
	z.avail_in = (uInt)len;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			rc = -EIO;
			break;
		}
		if ((rc = write_all(fd, out, sizeof(out) - z.avail_out)) < 0)
			break;
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
	free(raw);
	return rc;
}

int ku_pprof_write_raw_fd(const struct ku_pprof *p, int fd)
{
	uint8_t *raw;
	size_t len;
	int rc;

	if (fd < 0)
		return -EBADF;
	if ((rc = ku_pprof_encode(p, &raw, &len)) < 0)
		return rc;
	rc = write_all(fd, raw, len);
	free(raw);
	return rc;
}

int ku_pprof_write_gz(const struct ku_pprof *p, const char *path)
{
	static unsigned long seq;
	char *tmp;
	size_t n;
	int fd, rc;

	if (!p || !path || !*path)
		return -EINVAL;
	n = strlen(path) + 64;
	if (!(tmp = malloc(n)))
		return -ENOMEM;
	snprintf(tmp, n, "%s.tmp.%ld.%lu", path, (long)getpid(),
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	rc = ku_pprof_write_fd(p, fd);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}
