/* SPDX-License-Identifier: MIT */
/*
 * hmap: open-addressing hash table (see hmap.h). Growing doubles the slot
 * arrays and re-places every entry by its stored key or hash, so no
 * caller callback is needed then.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "hmap.h"

uint64_t ku_hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static int resize(struct ku_hmap *m, size_t cap)
{
	uint64_t *nk = malloc(cap * sizeof(*nk));
	uint32_t *nv = calloc(cap, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i]) {
			size_t j = ku_hmap_mix(m->keys[i]) & (cap - 1);

			while (nv[j])
				j = (j + 1) & (cap - 1);
			nk[j] = m->keys[i];
			nv[j] = m->vals[i];
		}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = cap;
	return 0;
}

int ku_hmap_reserve(struct ku_hmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 16;

	while (cap < n * 2) {
		if (cap > SIZE_MAX / 4 / sizeof(uint64_t))
			return -ENOMEM;
		cap *= 2;
	}
	return cap == m->cap ? 0 : resize(m, cap);
}

void ku_hmap_free(struct ku_hmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
}

int ku_hmap_put(struct ku_hmap *m, uint64_t key, uint32_t val)
{
	uint32_t old;
	size_t slot;
	int r = ku_hmap_find(m, key, &old, &slot);

	if (r)
		return r;
	ku_hmap_set(m, slot, key, val);
	return 0;
}
