/* SPDX-License-Identifier: MIT */
/* Corpus: one 100-byte malloc leak, one 50-byte block still reachable from a global. */
#include <stdlib.h>
#include "corpus.h"

void *still_reachable;
void *volatile sink; /* a pointer published here is not optimized away */

static NOINLINE void leak_malloc(void)
{
	char *p = malloc(100);

	memset(p, 'x', 100);
	sink = p;
	sink = NULL;
}

static NOINLINE void keep_global(void)
{
	still_reachable = malloc(50);
}

int main(void)
{
	leak_malloc();
	keep_global();
	SCRUB();
	return 0;
}
