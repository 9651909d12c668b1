/* SPDX-License-Identifier: MIT */
/*
 * compact: sample compaction while a profile.proto stream is read (see
 * load.h). Writers that do not aggregate (one Sample message per tick)
 * make files of millions of samples over a few thousand distinct stacks;
 * keeping each would make the loader's memory grow with the sample count.
 * Here the (inflated) bytes are fed in chunks as they arrive: every
 * top-level field but a Sample is kept verbatim, and a Sample is reduced
 * to its key (all its fields but the values, byte for byte: locations,
 * labels, anything unknown) and its values, which are added (saturating,
 * as kan_profile_stacks() does) to those of the first Sample with the
 * same key and value count. The result is a profile.proto message with
 * one Sample per key, after the other fields: what any command that adds
 * values per stack reads the same, in memory proportional to the distinct
 * samples, the strings and the locations rather than to the sample count.
 *
 * Nothing is judged here: a field this code cannot frame stops the
 * compaction and the rest of the bytes are kept as they came, so that the
 * decoder (pprof-read.c) gives the same error it gives without it; bytes
 * that are no protobuf at all (gperftools' legacy format) pass unchanged.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "load.h"

struct kan_compact {
	uint8_t *out; /* kept fields */
	size_t nout, capout;
	uint8_t *win; /* bytes of a field not complete yet */
	size_t nwin, capwin;
	int passthrough;
	/* distinct samples: key bytes in keys[], values in vals[] */
	struct ku_hmap map;
	struct ent {
		size_t key_off, key_len, val_off;
		uint32_t nvals;
	} *ents;
	size_t nents, capents;
	uint8_t *keys;
	size_t nkeys, capkeys;
	int64_t *vals;
	size_t nvals, capvals;
	uint64_t *scratch; /* values of the sample being read */
	size_t capscratch;
	uint8_t *kbuf; /* key of the sample being read */
	size_t capkbuf;
	size_t nsamples;
};

static int reserve(void *bufp, size_t *cap, size_t need, size_t es)
{
	void **buf = bufp;
	size_t nc = *cap ? *cap : 4096 / es + 1;

	if (need <= *cap)
		return 0;
	while (nc < need) {
		if (nc > SIZE_MAX / 2 / es)
			return -ENOMEM;
		nc *= 2;
	}
	void *nb = realloc(*buf, nc * es);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = nc;
	return 0;
}

static int put(struct kan_compact *c, const uint8_t *p, size_t n)
{
	if (reserve(&c->out, &c->capout, c->nout + n, 1))
		return -ENOMEM;
	memcpy(c->out + c->nout, p, n);
	c->nout += n;
	return 0;
}

/* Varint at *p (< end): 1 read, 0 incomplete, -1 malformed. */
static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	const uint8_t *q = *p;

	for (int shift = 0; shift < 64; shift += 7) {
		if (q >= end)
			return 0;
		uint8_t b = *q++;
		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			*p = q;
			return 1;
		}
	}
	return -1;
}

/* Frame one field at p: 1 (its end in *next, number, wire type and for
 * wire type 2 its payload), 0 incomplete, -1 not a field of profile.proto. */
static int frame(const uint8_t *p, const uint8_t *end, const uint8_t **next, uint32_t *num, int *wt,
		 const uint8_t **data, size_t *len)
{
	uint64_t key, v;
	int k = varint(&p, end, &key);

	if (k <= 0)
		return k;
	if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
		return -1;
	*num = (uint32_t)(key >> 3);
	*wt = (int)(key & 7);
	switch (*wt) {
	case 0:
		if ((k = varint(&p, end, &v)) <= 0)
			return k;
		break;
	case 1:
	case 5: {
		size_t w = *wt == 1 ? 8 : 4;
		if ((size_t)(end - p) < w)
			return 0;
		p += w;
		break;
	}
	case 2:
		if ((k = varint(&p, end, &v)) <= 0)
			return k;
		if (v > (uint64_t)(end - p))
			return v > KAN_MAX_INPUT_BYTES ? -1 : 0;
		*data = p;
		*len = (size_t)v;
		p += v;
		break;
	default:
		return -1;
	}
	*next = p;
	return 1;
}

static size_t put_varint(uint8_t *b, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	return n;
}

struct key_probe {
	const struct kan_compact *c;
	const uint8_t *key;
	size_t len;
	uint32_t nvals;
};

static int key_eq(const void *ctx, uint32_t i)
{
	const struct key_probe *k = ctx;
	const struct ent *e = &k->c->ents[i];

	return e->key_len == k->len && e->nvals == k->nvals && !memcmp(k->c->keys + e->key_off, k->key, k->len);
}

/* One Sample message: 0 merged, 1 not understood (keep it as it is), or
 * -ENOMEM. */
static int sample(struct kan_compact *c, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len, *next, *data = NULL;
	size_t nkey = 0, nv = 0, flen;
	uint32_t num;
	int wt, k;

	if (reserve(&c->kbuf, &c->capkbuf, len, 1))
		return -ENOMEM;
	while (p < end) {
		if ((k = frame(p, end, &next, &num, &wt, &data, &flen)) <= 0)
			return 1;
		if (num != 2) {
			memcpy(c->kbuf + nkey, p, (size_t)(next - p));
			nkey += (size_t)(next - p);
		} else if (wt == 0 || wt == 2) {
			const uint8_t *q = wt == 0 ? p : data, *qe = wt == 0 ? next : data + flen;
			uint64_t v, key;
			if (wt == 0 && varint(&q, qe, &key) <= 0)
				return 1;
			while (q < qe) {
				if (varint(&q, qe, &v) <= 0)
					return 1;
				if (reserve(&c->scratch, &c->capscratch, nv + 1, sizeof(*c->scratch)))
					return -ENOMEM;
				c->scratch[nv++] = v;
			}
		} else {
			return 1;
		}
		p = next;
	}
	if (nv > UINT32_MAX || c->nents >= UINT32_MAX - 1)
		return 1;
	struct key_probe probe = { c, c->kbuf, nkey, (uint32_t)nv };
	uint64_t h = ku_hash_bytes(c->kbuf, nkey) ^ nv;
	uint32_t idx;
	size_t slot;
	int r = ku_hmap_find_hashed(&c->map, h, key_eq, &probe, &idx, &slot);
	if (r < 0)
		return -ENOMEM;
	if (r) {
		int64_t *sum = c->vals + c->ents[idx].val_off;
		for (size_t i = 0; i < nv; i++) {
			int64_t v = (int64_t)c->scratch[i], t;
			if (__builtin_add_overflow(sum[i], v, &t))
				t = v > 0 ? INT64_MAX : INT64_MIN;
			sum[i] = t;
		}
		return 0;
	}
	if (reserve(&c->ents, &c->capents, c->nents + 1, sizeof(*c->ents)) ||
	    reserve(&c->keys, &c->capkeys, c->nkeys + nkey, 1) ||
	    reserve(&c->vals, &c->capvals, c->nvals + nv, sizeof(*c->vals)))
		return -ENOMEM;
	c->ents[c->nents] = (struct ent){ c->nkeys, nkey, c->nvals, (uint32_t)nv };
	memcpy(c->keys + c->nkeys, c->kbuf, nkey);
	c->nkeys += nkey;
	for (size_t i = 0; i < nv; i++)
		c->vals[c->nvals++] = (int64_t)c->scratch[i];
	ku_hmap_set(&c->map, slot, h, (uint32_t)c->nents++);
	return 0;
}

int kan_compact_new(struct kan_compact **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

/* Frames the complete fields at the front of p[0..n): how many bytes were
 * used, or -ENOMEM. */
static long consume(struct kan_compact *c, const uint8_t *p, size_t n)
{
	const uint8_t *q = p, *end = p + n;

	while (q < end && !c->passthrough) {
		const uint8_t *next, *data = NULL;
		size_t len = 0;
		uint32_t num;
		int wt, k = frame(q, end, &next, &num, &wt, &data, &len);

		if (k == 0)
			break;
		if (k < 0) {
			c->passthrough = 1;
			break;
		}
		if (num == 2 && wt == 2) {
			c->nsamples++;
			k = sample(c, data, len);
			if (k < 0)
				return k;
			if (k == 1 && put(c, q, (size_t)(next - q)))
				return -ENOMEM;
		} else if (put(c, q, (size_t)(next - q))) {
			return -ENOMEM;
		}
		q = next;
	}
	if (c->passthrough && q < end) {
		if (put(c, q, (size_t)(end - q)))
			return -ENOMEM;
		q = end;
	}
	return (long)(q - p);
}

int kan_compact_feed(struct kan_compact *c, const uint8_t *p, size_t n)
{
	long used;

	if (c->nwin == 0) {
		/* the usual case: frame in place, keep only an incomplete tail */
		if ((used = consume(c, p, n)) < 0)
			return (int)used;
		p += used;
		n -= (size_t)used;
		if (n && (reserve(&c->win, &c->capwin, n, 1) || !memcpy(c->win, p, n)))
			return -ENOMEM;
		c->nwin = n;
		return 0;
	}
	if (reserve(&c->win, &c->capwin, c->nwin + n, 1))
		return -ENOMEM;
	memcpy(c->win + c->nwin, p, n);
	c->nwin += n;
	if ((used = consume(c, c->win, c->nwin)) < 0)
		return (int)used;
	memmove(c->win, c->win + used, c->nwin - (size_t)used);
	c->nwin -= (size_t)used;
	return 0;
}

int kan_compact_finish(struct kan_compact *c, uint8_t **out, size_t *outlen, size_t *nsamples, size_t *nmerged)
{
	uint8_t hdr[32];

	/* an incomplete last field: kept, for the decoder to report */
	if (c->nwin && put(c, c->win, c->nwin))
		return -ENOMEM;
	c->nwin = 0;
	for (size_t i = 0; i < c->nents; i++) {
		const struct ent *e = &c->ents[i];
		size_t vlen = 0, n;
		for (uint32_t k = 0; k < e->nvals; k++)
			vlen += put_varint(hdr, (uint64_t)c->vals[e->val_off + k]);
		size_t body = e->key_len + (e->nvals ? 1 + put_varint(hdr, vlen) + vlen : 0);
		n = put_varint(hdr + 1, body);
		hdr[0] = 2 << 3 | 2;
		if (put(c, hdr, n + 1) || put(c, c->keys + e->key_off, e->key_len))
			return -ENOMEM;
		if (e->nvals) {
			hdr[0] = 2 << 3 | 2;
			n = put_varint(hdr + 1, vlen);
			if (put(c, hdr, n + 1))
				return -ENOMEM;
			for (uint32_t k = 0; k < e->nvals; k++) {
				n = put_varint(hdr, (uint64_t)c->vals[e->val_off + k]);
				if (put(c, hdr, n))
					return -ENOMEM;
			}
		}
	}
	if (nsamples)
		*nsamples = c->nsamples;
	if (nmerged)
		*nmerged = c->nents;
	*out = c->out;
	*outlen = c->nout;
	c->out = NULL;
	c->nout = c->capout = 0;
	return 0;
}

void kan_compact_free(struct kan_compact *c)
{
	if (!c)
		return;
	free(c->out);
	free(c->win);
	ku_hmap_free(&c->map);
	free(c->ents);
	free(c->keys);
	free(c->vals);
	free(c->scratch);
	free(c->kbuf);
	free(c);
}
