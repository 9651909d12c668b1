/* SPDX-License-Identifier: MIT */
/* Corpus: calloc(10, 12) leaked three times from one site (360 bytes, 3 blocks). */
#include <stdlib.h>
#include "corpus.h"

static NOINLINE void leak_calloc(void)
{
	volatile char *p = calloc(10, 12);

	p[0] = 1;
}

volatile int rounds = 3; /* keeps the loop from being unrolled */

int main(void)
{
	int i;

	for (i = 0; i < rounds; i++)
		leak_calloc();
	SCRUB();
	return 0;
}
