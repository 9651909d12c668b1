/* SPDX-License-Identifier: MIT */
/*
 * test-hmap: lib/hmap.h and lib/arena.h, the hash table and the string
 * arena the analyzer's model, readers, call tree and merge are built on.
 * Integer keys against a plain array of what was put (many entries, so the
 * table grows several times; keys 0 and UINT64_MAX too), duplicate
 * detection, find-then-set, keys the caller keeps (strings looked up by
 * pointer and length, as an interning symbolizer does), iteration, and
 * the arena's alignment, big objects and copies of unterminated text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "hmap.h"
#include "tap.h"

#define N 50000

static uint64_t key_of(size_t i)
{
	/* spread and clustered keys alike: every 4th a small sequential id */
	return i % 4 == 0 ? i : (uint64_t)i * 0x9e3779b97f4a7c15ull;
}

struct names {
	const char **v;
	const char *probe;
	size_t len;
};

static int name_eq(const void *ctx, uint32_t i)
{
	const struct names *n = ctx;

	return !strncmp(n->v[i], n->probe, n->len) && n->v[i][n->len] == '\0';
}

int main(void)
{
	struct ku_hmap m = { 0 };
	size_t wrong = 0, seen = 0, i;
	uint32_t val;
	size_t slot;

	/* integer keys */
	for (i = 0; i < N; i++)
		if (ku_hmap_put(&m, key_of(i), (uint32_t)(i * 3)) != 0)
			wrong++;
	tap_is_int(wrong, 0, "%d distinct keys put", N);
	tap_is_int(m.n, N, "the table counts them");
	tap_ok(m.cap >= 2 * (size_t)N && (m.cap & (m.cap - 1)) == 0, "at most half full, power-of-two slots (%zu)",
	       m.cap);
	for (i = 0, wrong = 0; i < N; i++)
		if (ku_hmap_get(&m, key_of(i)) != (long)(i * 3))
			wrong++;
	tap_is_int(wrong, 0, "every key gives its value back");
	for (i = 0, wrong = 0; i < N; i++)
		if (ku_hmap_get(&m, key_of(i) + (i % 4 == 0 ? 4 * N : 1)) != -1)
			wrong++;
	tap_is_int(wrong, 0, "keys never put are not found");
	tap_is_int(ku_hmap_put(&m, key_of(7), 1), 1, "putting a key again says so");
	tap_is_int(ku_hmap_get(&m, key_of(7)), 21, "and keeps the first value");
	tap_is_int(ku_hmap_put(&m, UINT64_MAX, UINT32_MAX - 1), 0, "UINT64_MAX is a key like any other");
	tap_is_int(ku_hmap_get(&m, UINT64_MAX), UINT32_MAX - 1, "with the largest value");
	tap_is_int(ku_hmap_find(&m, 4 * (uint64_t)N + 3, &val, &slot), 0, "find of a new key: absent");
	ku_hmap_set(&m, slot, 4 * (uint64_t)N + 3, 42);
	tap_is_int(ku_hmap_get(&m, 4 * (uint64_t)N + 3), 42, "set records it where find said");
	for (i = 0; i < m.cap; i++)
		seen += m.vals[i] != 0;
	tap_is_int(seen, N + 2, "iteration sees every entry once");
	ku_hmap_free(&m);
	tap_ok(m.cap == 0 && m.n == 0 && ku_hmap_get(&m, 0) == -1, "free leaves an empty table");
	tap_is_int(ku_hmap_put(&m, 0, 5), 0, "and it can be used again");
	tap_is_int(ku_hmap_get(&m, 0), 5, "key 0 works");
	ku_hmap_free(&m);

	/* keys the caller keeps: interned strings, probed by pointer and length */
	{
		static const char text[] = "alpha beta gamma alpha delta beta";
		struct ku_arena a = { .chunk_size = 16 };
		const char *v[8];
		struct names nm = { v, NULL, 0 };
		size_t nv = 0, p = 0, added = 0;

		while (p < sizeof(text) - 1) {
			size_t len = strcspn(text + p, " ");
			uint64_t h = ku_hash_bytes(text + p, len);
			int r;

			nm.probe = text + p;
			nm.len = len;
			r = ku_hmap_find_hashed(&m, h, name_eq, &nm, &val, &slot);
			if (r == 0) {
				v[nv] = ku_arena_strndup(&a, text + p, len);
				ku_hmap_set(&m, slot, h, (uint32_t)nv++);
				added++;
			}
			p += len + (text[p + len] == ' ');
		}
		tap_is_int(added, 4, "six words, four distinct ones interned");
		nm.probe = "gamma";
		nm.len = 5;
		tap_ok(ku_hmap_find_hashed(&m, ku_hash_bytes("gamma", 5), name_eq, &nm, &val, &slot) == 1 &&
			       !strcmp(v[val], "gamma"),
		       "a string finds its entry");
		nm.probe = "gam";
		nm.len = 3;
		tap_is_int(ku_hmap_find_hashed(&m, ku_hash_bytes("gam", 3), name_eq, &nm, &val, &slot), 0,
			   "a prefix of it does not");
		tap_ok(!strcmp(v[0], "alpha") && !strcmp(v[3], "delta"), "the arena's copies are terminated strings");
		ku_hmap_free(&m);
		ku_arena_free(&a);
		tap_ok(a.chunks == NULL, "arena freed");
	}

	/* the arena */
	{
		struct ku_arena a = { 0 };
		char *big, *x;
		uint64_t *u;
		int aligned = 1;

		for (i = 0; i < 1000; i++) {
			x = ku_arena_alloc(&a, 1 + i % 7, 1);
			u = ku_arena_alloc(&a, sizeof(*u), 8);
			if (!x || !u || ((uintptr_t)u & 7))
				aligned = 0;
			else
				*u = i;
		}
		tap_ok(aligned, "objects come aligned as asked");
		big = ku_arena_alloc(&a, 1 << 20, 16);
		tap_ok(big && !((uintptr_t)big & 15), "an object bigger than a chunk gets one of its own");
		if (big)
			memset(big, 1, 1 << 20);
		x = (char *)ku_arena_strndup(&a, "hello, world", 5);
		tap_is_str(x, "hello", "strndup copies len bytes and terminates");
		tap_ok(ku_arena_strndup(&a, NULL, 3) == NULL, "strndup(NULL) is NULL");
		ku_arena_free(&a);
	}
	return tap_done();
}
