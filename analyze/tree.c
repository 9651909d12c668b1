/* SPDX-License-Identifier: MIT */
/*
 * tree: build the call tree of kan_tree.h. Each sample walks from the root
 * down its stack, finding or creating the child (parent, name) through one
 * hash table (lib/hmap.h), so a profile of N samples with depth D costs
 * O(N * D) hash probes and memory proportional to distinct tree paths.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

int64_t kan_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int kan_tree_init(struct kan_tree *t)
{
	memset(t, 0, sizeof(*t));
	t->capnodes = 1024;
	t->nodes = calloc(t->capnodes, sizeof(*t->nodes));
	if (!t->nodes)
		return -ENOMEM;
	t->nnodes = 1; /* root */
	return 0;
}

void kan_tree_free(struct kan_tree *t)
{
	free(t->nodes);
	free(t->names);
	free(t->kinds);
	ku_hmap_free(&t->children);
	ku_hmap_free(&t->namemap);
	memset(t, 0, sizeof(*t));
}

struct name_probe {
	const struct kan_tree *t;
	const char *name;
};

static int name_eq(const void *ctx, uint32_t id)
{
	const struct name_probe *n = ctx;

	return !strcmp(n->t->names[id], n->name);
}

long kan_tree_name(struct kan_tree *t, const char *name, uint8_t kind)
{
	struct name_probe probe = { t, name };
	uint64_t h = ku_hash_bytes(name, strlen(name));
	uint32_t id;
	size_t slot;
	int r = ku_hmap_find_hashed(&t->namemap, h, name_eq, &probe, &id, &slot);

	if (r)
		return r > 0 ? (long)id : -1;
	if (t->nnames == t->capnames) {
		size_t nc = t->capnames ? t->capnames * 2 : 1024;
		const char **nn = realloc(t->names, nc * sizeof(*nn));
		if (!nn)
			return -1;
		t->names = nn;
		uint8_t *nk = realloc(t->kinds, nc);
		if (!nk)
			return -1;
		t->kinds = nk;
		t->capnames = nc;
	}
	t->names[t->nnames] = name;
	t->kinds[t->nnames] = kind;
	ku_hmap_set(&t->namemap, slot, h, (uint32_t)t->nnames);
	return (long)t->nnames++;
}

/* Append a child without looking for an existing one (the caller knows
 * there is none). */
static long new_child(struct kan_tree *t, uint32_t parent, uint32_t name)
{
	if (t->nnodes >= UINT32_MAX - 1)
		return -1;
	if (t->nnodes == t->capnodes) {
		size_t nc = t->capnodes * 2;
		struct kan_node *nn = realloc(t->nodes, nc * sizeof(*nn));
		if (!nn)
			return -1;
		t->nodes = nn;
		t->capnodes = nc;
	}
	uint32_t id = (uint32_t)t->nnodes++;
	struct kan_node *n = &t->nodes[id];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->parent = parent;
	n->depth = t->nodes[parent].depth + 1;
	n->sibling = t->nodes[parent].child;
	t->nodes[parent].child = id;
	if (n->depth > t->max_depth)
		t->max_depth = n->depth;
	return id;
}

static uint64_t hkey(uint32_t parent, uint32_t name)
{
	return (uint64_t)parent << 32 | name;
}

/* Index the nodes that exist (built by the sorted insertion below) so
 * that later additions can find children by (parent, name); child()
 * keeps the index complete from then on. */
static int hbuild(struct kan_tree *t)
{
	if (ku_hmap_reserve(&t->children, t->nnodes + 1))
		return -ENOMEM;
	for (size_t i = 1; i < t->nnodes; i++)
		if (ku_hmap_put(&t->children, hkey(t->nodes[i].parent, t->nodes[i].name), (uint32_t)i) < 0)
			return -ENOMEM;
	return 0;
}

/* The child of parent named name, created when missing. */
static long child(struct kan_tree *t, uint32_t parent, uint32_t name)
{
	uint64_t key = hkey(parent, name);
	uint32_t id;
	size_t slot;
	int r = ku_hmap_find(&t->children, key, &id, &slot);

	if (r)
		return r > 0 ? (long)id : -1;
	long c = new_child(t, parent, name);
	if (c >= 0)
		ku_hmap_set(&t->children, slot, key, (uint32_t)c);
	return c;
}

static const uint32_t *sp_paths;
static const size_t *sp_off;

static int cmp_path(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const uint32_t *px = sp_paths + sp_off[x], *py = sp_paths + sp_off[y];
	size_t nx = sp_off[x + 1] - sp_off[x], ny = sp_off[y + 1] - sp_off[y];
	size_t n = nx < ny ? nx : ny;

	for (size_t i = 0; i < n; i++)
		if (px[i] != py[i])
			return px[i] < py[i] ? -1 : 1;
	return nx < ny ? -1 : nx > ny;
}

int kan_tree_add(struct kan_tree *t, struct kan_profile *p, int si, int slot, int inverted)
{
	uint32_t *map = NULL, *paths = NULL, *rep = NULL, *order = NULL, *cur = NULL;
	size_t *off = NULL;
	int64_t *sum = NULL;
	size_t cap = 0, total = 0;
	int r = -ENOMEM;

	if (kan_profile_frames(p))
		return -ENOMEM;
	/* A fresh tree is built by sorted insertion and needs no hash; adding
	 * to an existing one (the NEW side of a diff) looks children up. */
	int fresh = t->nnodes == 1;
	if (!fresh && !t->children.cap && hbuild(t))
		return -ENOMEM;
	map = malloc((p->nframes ? p->nframes : 1) * sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (size_t i = 0; i < p->nframes; i++) {
		long id = kan_tree_name(t, p->frame_names[i], p->frame_kind[i]);
		if (id < 0)
			goto out;
		map[i] = (uint32_t)id;
	}
	long nst = kan_profile_stacks(p, si, &rep, &sum);
	if (nst < 0)
		goto out;
	/* root-first name paths of every distinct stack */
	off = malloc(((size_t)nst + 1) * sizeof(*off));
	order = malloc(((size_t)nst + 1) * sizeof(*order));
	if (!off || !order)
		goto out;
	for (long st = 0; st < nst; st++) {
		const struct kan_sample *s = &p->samples[rep[st]];
		size_t start = total;
		off[st] = total;
		order[st] = (uint32_t)st;
		for (uint32_t k = 0; k < s->nlocs; k++) {
			size_t nf;
			const uint32_t *f = kan_loc_frames(p, p->sample_locs[s->loc_off + k], &nf);
			if (total + nf > cap) {
				size_t nc = cap ? cap * 2 : 4096;
				while (nc < total + nf)
					nc *= 2;
				uint32_t *np = realloc(paths, nc * sizeof(*np));
				if (!np)
					goto out;
				paths = np;
				cap = nc;
			}
			for (size_t q = 0; q < nf; q++)
				paths[total++] = map[f[q]];
		}
		if (!inverted) /* collected leaf first; the tree grows from the root */
			for (size_t a = start, b = total; a + 1 < b; a++, b--) {
				uint32_t tmp = paths[a];
				paths[a] = paths[b - 1];
				paths[b - 1] = tmp;
			}
	}
	off[nst] = total;
	sp_paths = paths;
	sp_off = off;
	qsort(order, (size_t)nst, sizeof(*order), cmp_path);
	size_t maxd = 0;
	for (long st = 0; st < nst; st++)
		if (off[st + 1] - off[st] > maxd)
			maxd = off[st + 1] - off[st];
	cur = malloc((maxd + 1) * sizeof(*cur));
	if (!cur)
		goto out;
	/* Consecutive sorted paths share their common prefix: those nodes
	 * are reused from the previous path without any lookup. */
	size_t prev_n = 0;
	const uint32_t *prev = NULL;
	for (long k = 0; k < nst; k++) {
		uint32_t st = order[k];
		const uint32_t *pp = paths + off[st];
		size_t n = off[st + 1] - off[st], lcp = 0;
		int64_t v = sum[st];
		if (prev)
			while (lcp < n && lcp < prev_n && pp[lcp] == prev[lcp])
				lcp++;
		uint32_t node = lcp ? cur[lcp - 1] : 0;
		t->nodes[0].cum[slot] = kan_sat_add(t->nodes[0].cum[slot], v);
		for (size_t q = 0; q < n; q++) {
			if (q >= lcp) {
				long c = fresh ? new_child(t, node, pp[q]) : child(t, node, pp[q]);
				if (c < 0)
					goto out;
				cur[q] = (uint32_t)c;
			}
			node = cur[q];
			t->nodes[node].cum[slot] = kan_sat_add(t->nodes[node].cum[slot], v);
		}
		t->nodes[node].self[slot] = kan_sat_add(t->nodes[node].self[slot], v);
		t->total[slot] = kan_sat_add(t->total[slot], v);
		prev = pp;
		prev_n = n;
	}
	r = 0;
out:
	free(map);
	free(paths);
	free(off);
	free(order);
	free(cur);
	free(rep);
	free(sum);
	return r;
}

static struct kan_tree *sort_tree;

static int cmp_child(const void *a, const void *b)
{
	const struct kan_node *x = &sort_tree->nodes[*(const uint32_t *)a];
	const struct kan_node *y = &sort_tree->nodes[*(const uint32_t *)b];

	return strcmp(sort_tree->names[x->name], sort_tree->names[y->name]);
}

void kan_tree_sort(struct kan_tree *t)
{
	uint32_t *buf = NULL;
	size_t cap = 0;

	sort_tree = t;
	for (size_t i = 0; i < t->nnodes; i++) {
		size_t n = 0;
		for (uint32_t c = t->nodes[i].child; c; c = t->nodes[c].sibling) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				uint32_t *nb = realloc(buf, nc * sizeof(*nb));
				if (!nb) {
					free(buf);
					return; /* unsorted but valid */
				}
				buf = nb;
				cap = nc;
			}
			buf[n++] = c;
		}
		if (n < 2)
			continue;
		qsort(buf, n, sizeof(*buf), cmp_child);
		t->nodes[i].child = buf[0];
		for (size_t k = 0; k + 1 < n; k++)
			t->nodes[buf[k]].sibling = buf[k + 1];
		t->nodes[buf[n - 1]].sibling = 0;
	}
	free(buf);
}
