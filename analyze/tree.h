/* SPDX-License-Identifier: MIT */
/*
 * tree: stacks of one or two profiles merged into a call tree (a trie from
 * the root frame down), the shared input of flame graphs, differential
 * flame graphs and folded output. Frames are matched by name, so two
 * profiles from different programs or runs line up. Slot 0 holds the
 * values of the first profile added, slot 1 those of the second (diff).
 *
 * Values are sums of one sample type; sums saturate instead of wrapping,
 * so hostile counts cannot produce nonsense signs.
 */
#ifndef KAN_TREE_H
#define KAN_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "profile.h"

struct kan_node {
	uint32_t name;    /* index into tree->names */
	uint32_t parent;  /* 0 for children of the root; root is node 0 */
	uint32_t child;   /* first child (0 = none), sorted by name after kan_tree_sort */
	uint32_t sibling; /* next sibling (0 = none) */
	uint32_t depth;   /* root = 0 */
	int64_t cum[2], self[2];
};

struct kan_tree {
	struct kan_node *nodes;
	size_t nnodes, capnodes;
	const char **names;
	uint8_t *kinds;
	size_t nnames, capnames;
	int64_t total[2];
	uint32_t max_depth;
	/* private: (parent, name) -> node (built once a second profile is
	   added) and name hash -> index into names */
	struct ku_hmap children, namemap;
};

int kan_tree_init(struct kan_tree *t);
void kan_tree_free(struct kan_tree *t);
/* Add every sample of p (value of sample type index si) into slot. If
 * inverted, stacks are added leaf first (icicle of callers). */
int kan_tree_add(struct kan_tree *t, struct kan_profile *p, int si, int slot, int inverted);
/* Order children by name (stable output, as flamegraph.pl does). */
void kan_tree_sort(struct kan_tree *t);

/* Index of a frame name in t->names, adding it when new; -1 on ENOMEM. */
long kan_tree_name(struct kan_tree *t, const char *name, uint8_t kind);

int64_t kan_sat_add(int64_t a, int64_t b);

#endif
