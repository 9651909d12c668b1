/* SPDX-License-Identifier: MIT */
/*
 * pprof-write: encode a struct kan_profile as profile.proto (optionally
 * gzipped), for `kprof convert` and `kprof merge`. Entries are renumbered
 * (id = index + 1) so ids are always unique and non-zero, strings are
 * deduplicated into the string table with "" at index 0, and samples'
 * location ids and values are written packed — the shape pprof, Go and
 * speedscope all read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "profile.h"

struct kan__buf {
	uint8_t *d;
	size_t n, cap;
	int err;
};

static void kan__put(struct kan__buf *b, const void *p, size_t n)
{
	if (b->err || n == 0)
		return;
	if (b->n + n > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		while (nc < b->n + n)
			nc *= 2;
		uint8_t *nd = realloc(b->d, nc);
		if (!nd) {
			b->err = -ENOMEM;
			return;
		}
		b->d = nd;
		b->cap = nc;
	}
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void kan__uv(struct kan__buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;

	while (v >= 0x80) {
		t[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (uint8_t)v;
	kan__put(b, t, n);
}

static void kan__fv(struct kan__buf *b, uint32_t field, uint64_t v)
{
	if (!v)
		return;
	kan__uv(b, (uint64_t)field << 3);
	kan__uv(b, v);
}

static void kan__fbytes(struct kan__buf *b, uint32_t field, const void *p, size_t n)
{
	kan__uv(b, (uint64_t)field << 3 | 2);
	kan__uv(b, n);
	kan__put(b, p, n);
}

/* string interning into the table */
struct kan__strtab {
	const char **keys;
	uint32_t *vals;
	size_t cap, n;
	const char **list;
	size_t listcap;
	int err;
};

static uint64_t kan__h(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t kan__si(struct kan__strtab *t, const char *s)
{
	if (!s || !*s || t->err)
		return 0;
	if (t->n * 2 + 2 >= t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 1024;
		const char **nk = calloc(nc, sizeof(*nk));
		uint32_t *nv = calloc(nc, sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			t->err = -ENOMEM;
			return 0;
		}
		for (size_t i = 0; i < t->cap; i++)
			if (t->keys[i]) {
				size_t j = kan__h(t->keys[i]) & (nc - 1);
				while (nk[j])
					j = (j + 1) & (nc - 1);
				nk[j] = t->keys[i];
				nv[j] = t->vals[i];
			}
		free(t->keys);
		free(t->vals);
		t->keys = nk;
		t->vals = nv;
		t->cap = nc;
	}
	size_t j = kan__h(s) & (t->cap - 1);
	while (t->keys[j]) {
		if (!strcmp(t->keys[j], s))
			return t->vals[j];
		j = (j + 1) & (t->cap - 1);
	}
	if (t->n + 1 >= t->listcap) {
		size_t nc = t->listcap ? t->listcap * 2 : 1024;
		const char **nl = realloc(t->list, nc * sizeof(*nl));
		if (!nl) {
			t->err = -ENOMEM;
			return 0;
		}
		t->list = nl;
		t->listcap = nc;
	}
	t->n++;
	t->list[t->n] = s; /* index 0 is "" */
	t->keys[j] = s;
	t->vals[j] = (uint32_t)t->n;
	return t->n;
}

static void kan__value_type(struct kan__buf *b, struct kan__buf *tmp, struct kan__strtab *t, uint32_t field,
			    const struct kan_value_type *vt)
{
	tmp->n = 0;
	kan__fv(tmp, 1, kan__si(t, vt->type));
	kan__fv(tmp, 2, kan__si(t, vt->unit));
	kan__fbytes(b, field, tmp->d ? tmp->d : (const uint8_t *)"", tmp->n);
}

static int kan__encode(const struct kan_profile *p, struct kan__buf *b)
{
	struct kan__strtab t = { 0 };
	struct kan__buf tmp = { 0 }, packed = { 0 };
	int r;

	for (size_t i = 0; i < p->nsample_types; i++)
		kan__value_type(b, &tmp, &t, 1, &p->sample_types[i]);
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct kan_sample *s = &p->samples[i];
		tmp.n = 0;
		packed.n = 0;
		for (uint32_t k = 0; k < s->nlocs; k++)
			kan__uv(&packed, (uint64_t)p->sample_locs[s->loc_off + k] + 1);
		if (packed.n)
			kan__fbytes(&tmp, 1, packed.d, packed.n);
		packed.n = 0;
		for (size_t k = 0; k < p->nsample_types; k++)
			kan__uv(&packed, (uint64_t)p->values[i * p->nsample_types + k]);
		if (packed.n)
			kan__fbytes(&tmp, 2, packed.d, packed.n);
		for (uint32_t k = 0; k < s->nlabels; k++) {
			const struct kan_label *l = &p->labels[s->label_off + k];
			struct kan__buf lb = { 0 };
			kan__fv(&lb, 1, kan__si(&t, l->key));
			kan__fv(&lb, 2, kan__si(&t, l->str));
			kan__fv(&lb, 3, (uint64_t)l->num);
			kan__fv(&lb, 4, kan__si(&t, l->num_unit));
			kan__fbytes(&tmp, 3, lb.d ? lb.d : (const uint8_t *)"", lb.n);
			if (lb.err)
				tmp.err = lb.err;
			free(lb.d);
		}
		kan__fbytes(b, 2, tmp.d ? tmp.d : (const uint8_t *)"", tmp.n);
	}
	for (size_t i = 0; i < p->nmappings; i++) {
		const struct kan_mapping *m = &p->mappings[i];
		tmp.n = 0;
		kan__fv(&tmp, 1, i + 1);
		kan__fv(&tmp, 2, m->start);
		kan__fv(&tmp, 3, m->limit);
		kan__fv(&tmp, 4, m->offset);
		kan__fv(&tmp, 5, kan__si(&t, m->file));
		kan__fv(&tmp, 6, kan__si(&t, m->build_id));
		kan__fv(&tmp, 7, (uint64_t)m->has_functions);
		kan__fbytes(b, 3, tmp.d, tmp.n);
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		const struct kan_location *l = &p->locations[i];
		tmp.n = 0;
		kan__fv(&tmp, 1, i + 1);
		kan__fv(&tmp, 2, l->mapping);
		kan__fv(&tmp, 3, l->address);
		for (uint32_t k = 0; k < l->nlines; k++) {
			const struct kan_line *ln = &p->lines[l->line_off + k];
			packed.n = 0;
			kan__fv(&packed, 1, (uint64_t)ln->function + 1);
			kan__fv(&packed, 2, (uint64_t)ln->line);
			kan__fbytes(&tmp, 4, packed.d ? packed.d : (const uint8_t *)"", packed.n);
		}
		kan__fbytes(b, 4, tmp.d, tmp.n);
	}
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct kan_function *f = &p->functions[i];
		tmp.n = 0;
		kan__fv(&tmp, 1, i + 1);
		kan__fv(&tmp, 2, kan__si(&t, f->name));
		kan__fv(&tmp, 3, kan__si(&t, f->system_name));
		kan__fv(&tmp, 4, kan__si(&t, f->filename));
		kan__fv(&tmp, 5, (uint64_t)f->start_line);
		kan__fbytes(b, 5, tmp.d, tmp.n);
	}
	kan__fv(b, 7, kan__si(&t, p->drop_frames));
	kan__fv(b, 8, kan__si(&t, p->keep_frames));
	kan__fv(b, 9, (uint64_t)p->time_nanos);
	kan__fv(b, 10, (uint64_t)p->duration_nanos);
	if (p->period_type.type)
		kan__value_type(b, &tmp, &t, 11, &p->period_type);
	kan__fv(b, 12, (uint64_t)p->period);
	for (size_t i = 0; i < p->ncomments; i++) {
		uint64_t si = kan__si(&t, p->comments[i]);
		if (si) {
			kan__uv(b, 13 << 3);
			kan__uv(b, si);
		}
	}
	kan__fv(b, 14, kan__si(&t, p->default_sample_type));
	kan__fbytes(b, 6, "", 0);
	for (size_t i = 1; i <= t.n; i++)
		kan__fbytes(b, 6, t.list[i], strlen(t.list[i]));
	r = b->err ? b->err : tmp.err ? tmp.err : packed.err ? packed.err : t.err;
	free(tmp.d);
	free(packed.d);
	free(t.keys);
	free(t.vals);
	free(t.list);
	return r;
}

static int kan__write_all(int fd, const uint8_t *d, size_t n)
{
	while (n) {
		ssize_t w = write(fd, d, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		d += w;
		n -= (size_t)w;
	}
	return 0;
}

int kan_pprof_write(const struct kan_profile *p, const char *path, int gzip)
{
	struct kan__buf b = { 0 };
	uint8_t *out = NULL;
	size_t outlen = 0;
	int r = kan__encode(p, &b);

	if (r)
		goto done;
	if (gzip) {
		z_stream zs;
		memset(&zs, 0, sizeof(zs));
		if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			r = -ENOMEM;
			goto done;
		}
		outlen = deflateBound(&zs, b.n) + 64;
		out = malloc(outlen);
		if (!out) {
			deflateEnd(&zs);
			r = -ENOMEM;
			goto done;
		}
		zs.next_in = b.d;
		zs.avail_in = (uInt)b.n;
		zs.next_out = out;
		zs.avail_out = (uInt)outlen;
		int zr = deflate(&zs, Z_FINISH);
		outlen = zs.total_out;
		deflateEnd(&zs);
		if (zr != Z_STREAM_END) {
			r = -EIO;
			goto done;
		}
	}
	int fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (fd < 0) {
		r = -errno;
		goto done;
	}
	r = gzip ? kan__write_all(fd, out, outlen) : kan__write_all(fd, b.d, b.n);
	if (fd != 1 && close(fd) != 0 && !r)
		r = -errno;
done:
	free(b.d);
	free(out);
	return r;
}
