/* SPDX-License-Identifier: MIT */
/*
 * strmap: a map from NUL-terminated strings to uint32 values, for the
 * analyzer's interning tables (names of a history store's benchmarks and
 * metrics). A thin layer over lib/hmap.h, the one hash table: the table
 * holds each key's hash and the index of an entry here (key, value).
 *
 * Ownership: keys are not copied; they must outlive the map. Lookup and
 * insert are split so that the caller can first append the key to its own
 * arrays (which may fail) and then record it.
 */
#ifndef KAN_STRMAP_H
#define KAN_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"

struct kan_strmap {
	struct ku_hmap h;  /* key hash -> entry */
	const char **keys; /* entry -> key */
	uint32_t *vals;	   /* entry -> value */
	size_t n, cap;	   /* entries */
};

/*
 * Look key up. 1: found, *val set. 0: absent, *slot is where
 * kan_strmap_put() records it (room was made for one more entry).
 * -ENOMEM when growing failed.
 */
int kan_strmap_find(struct kan_strmap *m, const char *key, uint32_t *val, size_t *slot);
/* Record key -> val in the slot kan_strmap_find() returned (no other
 * change to the map in between). */
void kan_strmap_put(struct kan_strmap *m, size_t slot, const char *key, uint32_t val);
void kan_strmap_free(struct kan_strmap *m);

#endif
