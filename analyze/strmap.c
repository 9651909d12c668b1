/* SPDX-License-Identifier: MIT */
/*
 * strmap: string -> index map (see strmap.h). FNV-1a hashing; the table
 * doubles when it would become more than half full.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static uint64_t strmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int strmap_grow(struct kan_strmap *m)
{
	size_t nc = m->cap ? m->cap * 2 : 1024;
	const char **nk = calloc(nc, sizeof(*nk));
	uint32_t *nv = calloc(nc, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = strmap_hash(m->keys[i]) & (nc - 1);
			while (nk[j])
				j = (j + 1) & (nc - 1);
			nk[j] = m->keys[i];
			nv[j] = m->vals[i];
		}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = nc;
	return 0;
}

int kan_strmap_find(struct kan_strmap *m, const char *key, uint32_t *val, size_t *slot)
{
	if (m->n * 2 >= m->cap && strmap_grow(m))
		return -ENOMEM;
	size_t j = strmap_hash(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (!strcmp(m->keys[j], key)) {
			*val = m->vals[j];
			return 1;
		}
		j = (j + 1) & (m->cap - 1);
	}
	*slot = j;
	return 0;
}

void kan_strmap_put(struct kan_strmap *m, size_t slot, const char *key, uint32_t val)
{
	m->keys[slot] = key;
	m->vals[slot] = val;
	m->n++;
}

void kan_strmap_free(struct kan_strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
