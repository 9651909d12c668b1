/* SPDX-License-Identifier: MIT */
/*
 * kprof folded: Brendan Gregg's folded stack format, one line per distinct
 * stack, "root;child;leaf value", in name order (the order stackcollapse
 * scripts produce), frames escaped as kprof-formats(7) describes. The same
 * writer serves `kprof convert IN -o OUT.folded`.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folded.h"
#include "kprof.h"
#include "threads.h"
#include "tree.h"

int kan_folded_write(struct kan_profile *p, int si, FILE *out)
{
	struct kan_tree t;
	uint32_t *stack = NULL;
	int r;

	if (kan_tree_init(&t))
		return -ENOMEM;
	r = kan_tree_add(&t, p, si, 0, 0);
	if (r)
		goto out;
	kan_tree_sort(&t);
	stack = malloc((t.max_depth + 2) * sizeof(*stack));
	if (!stack) {
		r = -ENOMEM;
		goto out;
	}
	/* iterative depth-first walk; stack[d] is the node at depth d */
	uint32_t node = t.nodes[0].child;
	while (node) {
		const struct kan_node *n = &t.nodes[node];
		stack[n->depth] = node;
		if (n->self[0]) {
			for (uint32_t d = 1; d <= n->depth; d++) {
				if (d > 1)
					putc(';', out);
				kan_folded_name(out, t.names[t.nodes[stack[d]].name]);
			}
			fprintf(out, " %" PRId64 "\n", n->self[0]);
		}
		if (n->child) {
			node = n->child;
			continue;
		}
		while (node && !t.nodes[node].sibling)
			node = t.nodes[node].parent;
		if (node)
			node = t.nodes[node].sibling;
	}
	r = ferror(out) ? -EIO : 0;
out:
	free(stack);
	kan_tree_free(&t);
	return r;
}

int kan_cmd_folded(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sample-type", required_argument, NULL, 't' },
		{ "thread", required_argument, NULL, 'H' },
		{ "by-thread", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *type = NULL, *thread = NULL;
	int c, si, by_thread = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': type = optarg; break;
		case 'H': thread = optarg; break;
		case 'B': by_thread = 1; break;
		case 'h': printf("usage: kprof folded PROFILE [--sample-type T] [--thread REGEX] [--by-thread]\n"); return 0;
		default: return kan_die("folded: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return kan_die("folded: expected one PROFILE (usage: kprof folded PROFILE [--sample-type T])");
	struct kan_profile *p;
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (kan_load_merged(argv[optind], &p))
		return 2;
	if (kan_pick_type(p, argv[optind], type, &si) || (thread && kan_thread_filter(p, thread, "folded")) ||
	    (by_thread && kan_thread_roots(p, "folded"))) {
		kan_profile_free(p);
		return 2;
	}
	int r = kan_folded_write(p, si, stdout);
	kan_profile_free(p);
	if (fflush(stdout) || r)
		return kan_die("folded: %s", r == -ENOMEM ? "out of memory" : "write error");
	return 0;
}
