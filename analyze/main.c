/* SPDX-License-Identifier: MIT */
/* kprof: dispatch to the subcommand named by argv[1]. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kprof.h"
#include "load.h"

static const struct {
	const char *name;
	kan_cmd_fn fn;
	const char *usage;
} kan_cmds[] = {
	{ "top", kan_cmd_top, "top PROFILE [-n N] [--cum] [--sample-type T] [--diff BASE [--absolute]]" },
	{ "flame", kan_cmd_flame, "flame PROFILE -o out.svg [--title T] [--inverted]" },
	{ "diff", kan_cmd_diff, "diff BASE NEW -o diff.svg" },
	{ "folded", kan_cmd_folded, "folded PROFILE" },
	{ "mem", kan_cmd_mem, "mem PREFIX [-n N] [--json]" },
	{ "timeline", kan_cmd_timeline, "timeline PREFIX -o mem.svg [--title T]" },
	{ "leaks", kan_cmd_leaks, "leaks PREFIX|heap.pb.gz... [--suppressions F] [--format text|json|sarif|junit|github]\n"
				   "             [--source-root DIR] [-o FILE] [--fail]" },
	{ "convert", kan_cmd_convert, "convert IN -o OUT" },
	{ "merge", kan_cmd_merge, "merge A B ... -o OUT" },
	{ "compare", kan_cmd_compare, "compare BASE.json NEW.json [--threshold 5%] [--format text|markdown|json|sarif|junit|github]" },
	{ "history", kan_cmd_history, "history add DB results.json | show DB | dashboard DB -o dashboard.html" },
	{ "report", kan_cmd_report, "report RESULTS_DIR -o report.html" },
	{ "clients", kan_cmd_clients, "clients C.json JS.json [--format text|markdown|json]" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kprof [--max-inflate SIZE] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(kan_cmds) / sizeof(kan_cmds[0]); i++)
		fprintf(f, "  kprof %s\n", kan_cmds[i].usage);
	fprintf(f, "\nSee kprof(1) and kprof-formats(7).\n");
}

int main(int argc, char **argv)
{
	/* options for every command come before it */
	while (argc >= 2 && !strncmp(argv[1], "--max-inflate", 13)) {
		const char *v = argv[1][13] == '=' ? argv[1] + 14 : argv[1][13] ? NULL : argc > 2 ? argv[2] : NULL;
		size_t cap;

		if (!v || kan_parse_size(v, &cap))
			return kan_die("--max-inflate wants a size from 1 to 2G (e.g. 512M), not '%s'", v ? v : "");
		kan_set_max_inflate(cap);
		int used = argv[1][13] == '=' ? 1 : 2;
		argc -= used;
		argv += used;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kprof %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(kan_cmds) / sizeof(kan_cmds[0]); i++)
		if (!strcmp(argv[1], kan_cmds[i].name))
			return kan_cmds[i].fn(argc - 1, argv + 1);
	kan_die("unknown command '%s' (try kprof --help)", argv[1]);
	return 2;
}
