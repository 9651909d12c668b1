/* SPDX-License-Identifier: MIT */
/*
 * kprof merge: sum profiles of many runs or hosts into one. The inputs
 * must have the same sample types (type and unit, in order). Functions,
 * mappings and locations are united by content, and samples with the same
 * stack and labels are added together, so merging a profile with itself
 * doubles every value and keeps the shape. Bench result JSON is not a
 * profile: such inputs get a clear error pointing at compare/history.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ku.h"
#include "hmap.h"
#include "kprof.h"
#include "pprof-write.h"
#include "results.h"
#include "tree.h"

/* A map from byte strings to indices (content-addressed dedup): entry e
 * is the byte string keys[e] (klen[e] bytes, copied) with the caller's
 * value vals[e]; the table holds each key's hash and its entry. */
struct kan__bmap {
	struct ku_hmap h;
	char **keys;
	size_t *klen;
	uint32_t *vals;
	size_t n, cap;
};

struct bprobe {
	const struct kan__bmap *m;
	const char *k;
	size_t n;
};

static int bmap_eq(const void *ctx, uint32_t e)
{
	const struct bprobe *b = ctx;

	return b->m->klen[e] == b->n && !memcmp(b->m->keys[e], b->k, b->n);
}

/* Returns the existing value, or stores val and returns it; -1 ENOMEM. */
static long bmap_get(struct kan__bmap *m, const char *k, size_t n, uint32_t val, int *added)
{
	struct bprobe probe = { m, k, n };
	uint64_t h = ku_hash_bytes(k, n);
	uint32_t e;
	size_t slot;
	int r = ku_hmap_find_hashed(&m->h, h, bmap_eq, &probe, &e, &slot);

	*added = 0;
	if (r < 0)
		return -1;
	if (r)
		return m->vals[e];
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 1024;
		char **nk = realloc(m->keys, nc * sizeof(*nk));

		if (nk)
			m->keys = nk;
		size_t *nl = nk ? realloc(m->klen, nc * sizeof(*nl)) : NULL;

		if (nl)
			m->klen = nl;
		uint32_t *nv = nl ? realloc(m->vals, nc * sizeof(*nv)) : NULL;

		if (!nv)
			return -1;
		m->vals = nv;
		m->cap = nc;
	}
	char *c = malloc(n ? n : 1);
	if (!c)
		return -1;
	memcpy(c, k, n);
	m->keys[m->n] = c;
	m->klen[m->n] = n;
	m->vals[m->n] = val;
	ku_hmap_set(&m->h, slot, h, (uint32_t)m->n++);
	*added = 1;
	return val;
}

static void bmap_free(struct kan__bmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->klen);
	free(m->vals);
	ku_hmap_free(&m->h);
}

/* key builder */
struct kan__key {
	char *d;
	size_t n, cap;
	int err;
};

static void kput(struct kan__key *k, const void *p, size_t n)
{
	if (k->n + n > k->cap) {
		size_t nc = k->cap ? k->cap * 2 : 256;
		while (nc < k->n + n)
			nc *= 2;
		char *nd = realloc(k->d, nc);
		if (!nd) {
			k->err = 1;
			return;
		}
		k->d = nd;
		k->cap = nc;
	}
	memcpy(k->d + k->n, p, n);
	k->n += n;
}

static void kstr(struct kan__key *k, const char *s)
{
	kput(k, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void ku64(struct kan__key *k, uint64_t v)
{
	kput(k, &v, sizeof(v));
}

struct kan__merge {
	struct kan_profile *out;
	struct kan__bmap funcs, maps, locs, samples;
	struct kan__key key;
};

static int merge_one(struct kan__merge *m, const struct kan_profile *p)
{
	uint32_t *fmap = calloc(p->nfunctions + 1, sizeof(*fmap));
	uint32_t *mmap = calloc(p->nmappings + 1, sizeof(*mmap));
	uint32_t *lmap = calloc(p->nlocations + 1, sizeof(*lmap));
	uint32_t *locs = NULL;
	struct kan_line *lines = NULL;
	size_t caplocs = 0, caplines = 0;
	int added, r = -ENOMEM;
	long v;

	if (!fmap || !mmap || !lmap)
		goto out;
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct kan_function *f = &p->functions[i];
		m->key.n = 0;
		kstr(&m->key, f->name);
		kstr(&m->key, f->system_name);
		kstr(&m->key, f->filename);
		ku64(&m->key, (uint64_t)f->start_line);
		if (m->key.err || (v = bmap_get(&m->funcs, m->key.d, m->key.n, (uint32_t)m->out->nfunctions, &added)) < 0)
			goto out;
		if (added && kan_profile_add_function(m->out, 0, f->name, f->system_name, f->filename, f->start_line) < 0)
			goto out;
		fmap[i] = (uint32_t)v;
	}
	for (size_t i = 0; i < p->nmappings; i++) {
		const struct kan_mapping *mp = &p->mappings[i];
		m->key.n = 0;
		kstr(&m->key, mp->file);
		kstr(&m->key, mp->build_id);
		ku64(&m->key, mp->start);
		ku64(&m->key, mp->limit);
		ku64(&m->key, mp->offset);
		if (m->key.err || (v = bmap_get(&m->maps, m->key.d, m->key.n, (uint32_t)m->out->nmappings, &added)) < 0)
			goto out;
		if (added) {
			struct kan_mapping c = *mp;
			c.id = 0;
			if (kan_profile_add_mapping(m->out, &c) < 0)
				goto out;
		}
		mmap[i] = (uint32_t)v + 1;
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		const struct kan_location *l = &p->locations[i];
		uint32_t mi = l->mapping ? mmap[l->mapping - 1] : 0;
		if (l->nlines > caplines) {
			struct kan_line *nl = realloc(lines, l->nlines * sizeof(*nl));
			if (!nl)
				goto out;
			lines = nl;
			caplines = l->nlines;
		}
		m->key.n = 0;
		ku64(&m->key, mi);
		ku64(&m->key, l->address);
		for (uint32_t k = 0; k < l->nlines; k++) {
			lines[k].function = fmap[p->lines[l->line_off + k].function];
			lines[k].line = p->lines[l->line_off + k].line;
			ku64(&m->key, lines[k].function);
			ku64(&m->key, (uint64_t)lines[k].line);
		}
		if (m->key.err || (v = bmap_get(&m->locs, m->key.d, m->key.n, (uint32_t)m->out->nlocations, &added)) < 0)
			goto out;
		if (added && kan_profile_add_location(m->out, 0, mi, l->address, lines, l->nlines) < 0)
			goto out;
		lmap[i] = (uint32_t)v;
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct kan_sample *s = &p->samples[i];
		if (s->nlocs > caplocs) {
			uint32_t *nl = realloc(locs, s->nlocs * sizeof(*nl));
			if (!nl)
				goto out;
			locs = nl;
			caplocs = s->nlocs;
		}
		m->key.n = 0;
		for (uint32_t k = 0; k < s->nlocs; k++) {
			locs[k] = lmap[p->sample_locs[s->loc_off + k]];
			ku64(&m->key, locs[k]);
		}
		kstr(&m->key, "|");
		for (uint32_t k = 0; k < s->nlabels; k++) {
			const struct kan_label *l = &p->labels[s->label_off + k];
			kstr(&m->key, l->key);
			kstr(&m->key, l->str ? l->str : "");
			ku64(&m->key, (uint64_t)l->num);
			kstr(&m->key, l->num_unit ? l->num_unit : "");
		}
		const int64_t *vals = p->values + i * p->nsample_types;
		if (m->key.err || (v = bmap_get(&m->samples, m->key.d, m->key.n, (uint32_t)m->out->nsamples, &added)) < 0)
			goto out;
		if (added) {
			if (kan_profile_add_sample(m->out, locs, s->nlocs, vals, p->labels + s->label_off, s->nlabels) < 0)
				goto out;
		} else {
			int64_t *dst = m->out->values + (size_t)v * m->out->nsample_types;
			for (size_t k = 0; k < p->nsample_types; k++)
				dst[k] = kan_sat_add(dst[k], vals[k]);
		}
	}
	r = 0;
out:
	free(fmap);
	free(mmap);
	free(lmap);
	free(locs);
	free(lines);
	return r;
}

int kan_cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int c, rc = 2;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': printf("usage: kprof merge A B ... -o OUT\n"); return 0;
		default: return kan_die("merge: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	int n = argc - optind;
	if (n < 1 || !out)
		return kan_die("merge: usage: kprof merge A B ... -o OUT");
	int nbench = 0;
	for (int i = 0; i < n; i++)
		nbench += kan_is_bench_json(argv[optind + i]) != 0;
	if (nbench == n)
		return kan_results_merge(n, argv + optind, out);
	if (nbench)
		return kan_die("merge: cannot mix bench result JSON and profiles in one merge");
	struct kan_profile **in = calloc((size_t)n, sizeof(*in));
	struct kan__merge m = { 0 };
	if (!in || kan_profile_new(&m.out)) {
		free(in);
		return kan_die("out of memory");
	}
	for (int i = 0; i < n; i++) {
		const char *path = argv[optind + i];
		if (kan_load(path, &in[i]))
			goto done;
		struct kan_profile *p = in[i];
		if (i == 0) {
			for (size_t k = 0; k < p->nsample_types; k++)
				if (kan_profile_add_sample_type(m.out, p->sample_types[k].type, p->sample_types[k].unit))
					goto oom;
			m.out->period_type = p->period_type;
			m.out->period = p->period;
			m.out->default_sample_type = p->default_sample_type;
			m.out->drop_frames = p->drop_frames;
			m.out->keep_frames = p->keep_frames;
		} else {
			int same = p->nsample_types == m.out->nsample_types;
			for (size_t k = 0; same && k < p->nsample_types; k++)
				same = !strcmp(p->sample_types[k].type, m.out->sample_types[k].type) &&
				       !strcmp(p->sample_types[k].unit, m.out->sample_types[k].unit);
			if (!same) {
				kan_die("merge: %s has different sample types from %s", path, argv[optind]);
				goto done;
			}
		}
		if (p->time_nanos && (!m.out->time_nanos || p->time_nanos < m.out->time_nanos))
			m.out->time_nanos = p->time_nanos;
		m.out->duration_nanos = kan_sat_add(m.out->duration_nanos, p->duration_nanos);
		if (kan_profile_frames(p) || merge_one(&m, p))
			goto oom;
	}
	int r = kan_pprof_write(m.out, out, 1);
	if (r) {
		kan_die("merge: %s: %s", out, ku_strerror(r));
		goto done;
	}
	rc = 0;
	goto done;
oom:
	rc = kan_die("out of memory");
done:
	bmap_free(&m.funcs);
	bmap_free(&m.maps);
	bmap_free(&m.locs);
	bmap_free(&m.samples);
	free(m.key.d);
	kan_profile_free(m.out);
	for (int i = 0; i < n; i++)
		kan_profile_free(in[i]);
	free(in);
	return rc;
}
