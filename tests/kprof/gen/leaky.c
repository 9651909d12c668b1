/* SPDX-License-Identifier: MIT */
/*
 * leaky: leaks on purpose, for the leak tests: three 100-byte messages
 * dropped (definite), a 4-node list whose head is dropped (1 definite,
 * 3 indirect), and one block kept in a global (still reachable).
 */
#include <stdlib.h>
#include <string.h>

/* Unoptimized whatever CFLAGS say: an optimizer may drop unused blocks or
 * leave a dropped pointer in a register that a leak checker must treat as
 * a root, and the test counts exact figures. */
#if defined(__clang__)
#define LEAKY_FN __attribute__((noinline, optnone))
#else
#define LEAKY_FN __attribute__((noinline, optimize("O0")))
#endif

struct node {
	struct node *next;
	char pad[40];
};

void *leaky_keep;

LEAKY_FN static void *make_msg(size_t n)
{
	char *p = malloc(n);

	if (p)
		memset(p, 1, n);
	return p;
}

LEAKY_FN static struct node *make_list(int n)
{
	struct node *h = NULL;

	for (int i = 0; i < n; i++) {
		struct node *x = malloc(sizeof(*x));
		if (!x)
			break;
		x->next = h;
		h = x;
	}
	return h;
}

LEAKY_FN int main(void)
{
	for (int i = 0; i < 3; i++)
		make_msg(100);
	make_list(4);
	leaky_keep = make_msg(64);
	return 0;
}
