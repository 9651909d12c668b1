/* SPDX-License-Identifier: MIT */
/* Corpus: no leaks. Blocks kept through a global, a static list, a
 * thread-local pointer and an interior pointer are still reachable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corpus.h"

/* Not static: stores to write-only statics may be optimized away. */
void *global_block;
char *interior; /* points into the middle of a block */
__thread void *tls_block;
struct node {
	struct node *next;
} *list;

int main(void)
{
	int i;
	char *s;

	global_block = malloc(123);
	interior = (char *)malloc(256) + 100;
	tls_block = calloc(1, 40);
	for (i = 0; i < 10; i++) {
		struct node *n = malloc(sizeof(*n));

		n->next = list;
		list = n;
	}
	for (i = 0; i < 1000; i++) {
		s = malloc((size_t)i + 1);
		memset(s, 'a', (size_t)i);
		s = realloc(s, (size_t)i * 2 + 2);
		free(s);
	}
	s = strdup("temporary");
	free(s);
	printf("clean\n");
	SCRUB();
	return 0;
}
