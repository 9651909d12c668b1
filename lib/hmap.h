/* SPDX-License-Identifier: MIT */
/*
 * hmap: the one hash table of the tree. Open addressing with linear
 * probing, at most half full, a power-of-two number of slots; a slot holds
 * a 64-bit key and a 32-bit value (any value but UINT32_MAX).
 *
 * Two ways to key it:
 * - integer keys (ids, addresses, packed pairs): ku_hmap_get(),
 *   ku_hmap_put(), ku_hmap_find() + ku_hmap_set();
 * - keys the caller keeps itself (strings, byte strings, stacks), usually
 *   in an array the value indexes: the table holds each key's 64-bit hash
 *   (ku_hash_bytes() or the caller's own) and the value, and asks the
 *   caller's eq(ctx, value) whether that entry is the key looked for:
 *   ku_hmap_find_hashed() + ku_hmap_set().
 * One table uses one way. Find-then-set lets the caller append the key to
 * its own arrays (which may fail) between the look-up and the insertion;
 * no other change to the table may come between them.
 *
 * Ownership: the table owns its slot arrays only. A zeroed struct is an
 * empty table; ku_hmap_free() returns it to that state. Errors: -ENOMEM.
 * Not thread-safe; no allocation besides the slot arrays (malloc), so not
 * for code that runs inside a signal handler.
 */
#ifndef KU_HMAP_H
#define KU_HMAP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

struct ku_hmap {
	uint64_t *keys; /* key, or the key's hash */
	uint32_t *vals; /* value + 1; 0 marks an empty slot */
	size_t cap, n;	/* cap: 0 or a power of two, n <= cap / 2 */
};

/* Where a key (or hash) starts probing: the bits of a 64-bit finalizer
 * (MurmurHash3's fmix64), so that sequential ids and packed pairs spread. */
static inline uint64_t ku_hmap_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* FNV-1a of n bytes: the hash for string and byte-string keys. */
uint64_t ku_hash_bytes(const void *p, size_t n);

/* Room for n entries without growing; 0 or -ENOMEM. */
int ku_hmap_reserve(struct ku_hmap *m, size_t n);
void ku_hmap_free(struct ku_hmap *m);

/* Integer keys: the value of key, or -1. */
static inline long ku_hmap_get(const struct ku_hmap *m, uint64_t key)
{
	size_t j;

	if (!m->cap)
		return -1;
	for (j = ku_hmap_mix(key) & (m->cap - 1); m->vals[j]; j = (j + 1) & (m->cap - 1))
		if (m->keys[j] == key)
			return (long)m->vals[j] - 1;
	return -1;
}

/* Integer keys. 1: found, *val set. 0: absent, and *slot is where
 * ku_hmap_set() records it (room was made for one more). -ENOMEM.
 * (Inline, as the look-ups are the hot part of their callers' loops.) */
static inline int ku_hmap_find(struct ku_hmap *m, uint64_t key, uint32_t *val, size_t *slot)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap && ku_hmap_reserve(m, m->n + 1))
		return -ENOMEM;
	for (j = ku_hmap_mix(key) & (m->cap - 1); m->vals[j]; j = (j + 1) & (m->cap - 1))
		if (m->keys[j] == key) {
			*val = m->vals[j] - 1;
			return 1;
		}
	*slot = j;
	return 0;
}

/* Keys the caller keeps: as ku_hmap_find(), for the key whose hash is
 * hash and for which eq(ctx, value) is true (inline, so that a constant
 * eq is inlined too). */
static inline int ku_hmap_find_hashed(struct ku_hmap *m, uint64_t hash, int (*eq)(const void *ctx, uint32_t val),
				      const void *ctx, uint32_t *val, size_t *slot)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap && ku_hmap_reserve(m, m->n + 1))
		return -ENOMEM;
	for (j = ku_hmap_mix(hash) & (m->cap - 1); m->vals[j]; j = (j + 1) & (m->cap - 1))
		if (m->keys[j] == hash && eq(ctx, m->vals[j] - 1)) {
			*val = m->vals[j] - 1;
			return 1;
		}
	*slot = j;
	return 0;
}

/* Records key (or hash) -> val in the slot a find returned. */
static inline void ku_hmap_set(struct ku_hmap *m, size_t slot, uint64_t key, uint32_t val)
{
	m->keys[slot] = key;
	m->vals[slot] = val + 1;
	m->n++;
}

/* Integer keys: 0 added, 1 already there (value unchanged), -ENOMEM. */
int ku_hmap_put(struct ku_hmap *m, uint64_t key, uint32_t val);

/* Every entry: for (i = 0; i < m->cap; i++) if (m->vals[i]) the key is
 * m->keys[i] and the value m->vals[i] - 1. */

#endif
