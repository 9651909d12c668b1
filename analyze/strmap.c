/* SPDX-License-Identifier: MIT */
/* strmap: string -> value map on lib/hmap.h (see strmap.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct probe {
	const struct kan_strmap *m;
	const char *key;
};

static int key_eq(const void *ctx, uint32_t e)
{
	const struct probe *p = ctx;

	return !strcmp(p->m->keys[e], p->key);
}

int kan_strmap_find(struct kan_strmap *m, const char *key, uint32_t *val, size_t *slot)
{
	struct probe p = { m, key };
	uint32_t e;
	int r = ku_hmap_find_hashed(&m->h, ku_hash_bytes(key, strlen(key)), key_eq, &p, &e, slot);

	if (r < 0)
		return r;
	if (r) {
		*val = m->vals[e];
		return 1;
	}
	/* room for the entry kan_strmap_put() will add, so that it cannot fail */
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		const char **nk = realloc(m->keys, nc * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		m->keys = nk;
		uint32_t *nv = realloc(m->vals, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		m->vals = nv;
		m->cap = nc;
	}
	return 0;
}

void kan_strmap_put(struct kan_strmap *m, size_t slot, const char *key, uint32_t val)
{
	m->keys[m->n] = key;
	m->vals[m->n] = val;
	ku_hmap_set(&m->h, slot, ku_hash_bytes(key, strlen(key)), (uint32_t)m->n++);
}

void kan_strmap_free(struct kan_strmap *m)
{
	ku_hmap_free(&m->h);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
