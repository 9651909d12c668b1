/* SPDX-License-Identifier: MIT */
/* Corpus: a 6-node linked list (nodes of 32 bytes) whose head is lost:
 * the head is definitely lost (32 bytes, 1 block), the 5 nodes it points
 * to are indirectly lost (160 bytes, 5 blocks). A second list kept in a
 * global is still reachable. At -O2 lose_list() calls make_list as a
 * tail call (a jump: gdb shows it as a "tail call frame" inferred from
 * the debug info, not a frame on the stack), so the true stack of the
 * leak is make_node <- make_list <- main. */
#include <stdlib.h>
#include "corpus.h"

struct node {
	struct node *next;
	long pad[3];
};

struct node *kept; /* not static: a write-only static would be optimized away */

static NOINLINE struct node *make_node(struct node *next)
{
	struct node *n = malloc(sizeof(*n));

	n->next = next;
	n->pad[0] = n->pad[1] = n->pad[2] = 0;
	return n;
}

static NOINLINE struct node *make_list(int n)
{
	struct node *head = NULL;

	while (n-- > 0)
		head = make_node(head);
	return head;
}

static NOINLINE void lose_list(void)
{
	volatile struct node *l = make_list(6);

	(void)l;
}

int main(void)
{
	lose_list();
	kept = make_list(3);
	SCRUB();
	return 0;
}
