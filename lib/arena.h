/* SPDX-License-Identifier: MIT */
/*
 * arena: strings (and other small objects) that live and die together,
 * carved from big chunks instead of one malloc each: the strings of a
 * loaded profile, the interned names of a symbolizer. Nothing is freed
 * one by one; ku_arena_free() releases everything at once.
 *
 * A zeroed struct is an empty arena with chunks of 256 KiB; set
 * chunk_size before the first allocation for another size (an object
 * bigger than a chunk gets a chunk of its own). Pointers stay valid until
 * ku_arena_free(). Errors: NULL (out of memory). Not thread-safe; it
 * allocates with malloc, so it is for code that may call malloc (the
 * interposers only at exit, on a normal thread, as lib/symbolize.c does).
 */
#ifndef KU_ARENA_H
#define KU_ARENA_H

#include <stddef.h>

struct ku_arena_chunk;

struct ku_arena {
	struct ku_arena_chunk *chunks; /* newest first */
	size_t chunk_size;	       /* 0: 256 KiB */
};

/* size bytes aligned to align (a power of two, at most 16). */
void *ku_arena_alloc(struct ku_arena *a, size_t size, size_t align);
/* A NUL-terminated copy of s[0..len) (s need not be terminated). */
const char *ku_arena_strndup(struct ku_arena *a, const char *s, size_t len);
void ku_arena_free(struct ku_arena *a);

#endif
