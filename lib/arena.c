/* SPDX-License-Identifier: MIT */
/* arena: chunked allocation freed all at once (see arena.h). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

struct ku_arena_chunk {
	struct ku_arena_chunk *next;
	size_t used, size;
	_Alignas(16) char data[];
};

void *ku_arena_alloc(struct ku_arena *a, size_t size, size_t align)
{
	struct ku_arena_chunk *c = a->chunks;
	size_t off = c ? (c->used + align - 1) & ~(align - 1) : 0;

	if (!c || off > c->size || c->size - off < size) {
		size_t sz = a->chunk_size ? a->chunk_size : 256 * 1024;

		if (size > sz)
			sz = size;
		if (sz > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + sz);
		if (!c)
			return NULL;
		c->size = sz;
		c->used = 0;
		c->next = a->chunks;
		a->chunks = c;
		off = 0;
	}
	c->used = off + size;
	return c->data + off;
}

const char *ku_arena_strndup(struct ku_arena *a, const char *s, size_t len)
{
	char *d;

	if (!s || len == SIZE_MAX)
		return NULL;
	d = ku_arena_alloc(a, len + 1, 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void ku_arena_free(struct ku_arena *a)
{
	for (struct ku_arena_chunk *c = a->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	a->chunks = NULL;
}
