/* SPDX-License-Identifier: MIT */
/* Corpus: strdup of a 12-character string (13 bytes) and strndup(s, 5)
 * (6 bytes) leaked; the allocation site is the caller of strdup. */
#include <stdlib.h>
#include <string.h>
#include "corpus.h"

static NOINLINE void leak_strdup(void)
{
	char *volatile s = strdup("hello, world");

	(void)s;
}

static NOINLINE void leak_strndup(void)
{
	char *volatile s = strndup("abcdefghij", 5);

	(void)s;
}

int main(void)
{
	leak_strdup();
	leak_strndup();
	SCRUB();
	return 0;
}
