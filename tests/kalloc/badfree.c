/* SPDX-License-Identifier: MIT */
/* badfree: frees a pointer twice and a pointer that malloc never returned,
 * then keeps working. Run only under libkalloc.so (plain glibc may abort,
 * which is exactly what the interposer must prevent). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *p = malloc(32), *q;
	static char not_heap[64];

	free(p);
	free(p); /* double free */
	free(not_heap + 16); /* foreign pointer */
	q = malloc(64);
	snprintf(q, 64, "still running");
	puts(q);
	free(q);
	return 0;
}
