/* SPDX-License-Identifier: MIT */
/* Corpus: a buffer grown by realloc from 16 to 4096 bytes, then lost. Only
 * the final 4096-byte block leaks; its site is the realloc call. At -O2
 * grow() calls realloc as a tail call (a jump), so grow has no frame of
 * its own then: the true stack is realloc <- leak_realloc <- main. */
#include <stdlib.h>
#include "corpus.h"

static NOINLINE char *grow(char *p, size_t n)
{
	return realloc(p, n);
}

static NOINLINE void leak_realloc(void)
{
	char *p = NULL;
	size_t n;

	for (n = 16; n <= 4096; n *= 2) {
		p = grow(p, n);
		memset(p, 'r', n);
	}
	/* A block shrunk and freed through realloc(p, 0) is not a leak. */
	p = realloc(malloc(64), 0);
	(void)p;
}

int main(void)
{
	leak_realloc();
	SCRUB();
	return 0;
}
