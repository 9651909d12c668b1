/* SPDX-License-Identifier: MIT */
/*
 * strmap: a map from NUL-terminated strings to dense uint32 indices, for
 * the analyzer's interning tables (frame names of a profile, names of a
 * call tree). Open addressing with linear probing, at most half full.
 *
 * Ownership: keys are not copied; they must outlive the map (they live in
 * a profile's arena). Values are the caller's indices. Lookup and insert
 * are split so that the caller can first append the key to its own arrays
 * (which may fail) and then record it.
 */
#ifndef KAN_STRMAP_H
#define KAN_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct kan_strmap {
	const char **keys; /* NULL = empty slot */
	uint32_t *vals;
	size_t cap, n;     /* cap is 0 or a power of two */
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
