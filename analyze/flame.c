/* SPDX-License-Identifier: MIT */
/*
 * kprof flame / kprof diff: interactive flame graphs (svg.c) of one
 * profile, or of the change from BASE to NEW. The subtitle names the
 * input, sample type and total, so a graph stays self-describing when it
 * travels without its profile. --thread REGEX draws the samples of the
 * matching threads only, --by-thread gives each thread a root of its own
 * (threads.h); the subtitle says so.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kprof.h"
#include "svg.h"
#include "threads.h"
#include "tree.h"

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int flame(int argc, char **argv, int diff)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, 'T' },
		{ "inverted", no_argument, NULL, 'i' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "sample-type", required_argument, NULL, 't' },
		{ "width", required_argument, NULL, 'w' },
		{ "minwidth", required_argument, NULL, 'm' },
		{ "thread", required_argument, NULL, 'H' },
		{ "by-thread", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = diff ? "diff" : "flame";
	const char *out = NULL, *type = NULL, *thread = NULL;
	int by_thread = 0;
	struct kan_svg_opts so = { .width = 1200, .min_width = 0.1, .diff = diff };
	int c, reverse = 0, rc = 2;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'T': so.title = optarg; break;
		case 'i': so.inverted = 1; break;
		case 'r': reverse = 1; break;
		case 't': type = optarg; break;
		case 'H': thread = optarg; break;
		case 'B': by_thread = 1; break;
		case 'w':
			if (kan_opt_double(cmd, "--width", optarg, 200, 100000, 0, &so.width))
				return 2;
			break;
		case 'm':
			if (kan_opt_double(cmd, "--minwidth", optarg, 0, 100, 0, &so.min_width))
				return 2;
			break;
		case 'h':
			printf(diff ? "usage: kprof diff BASE NEW -o diff.svg [--title T] [--inverted] [--sample-type T] "
				      "[--thread REGEX] [--by-thread]\n"
				    : "usage: kprof flame PROFILE -o out.svg [--title T] [--inverted] [--reverse] "
				      "[--sample-type T] [--width PX] [--minwidth PX] [--thread REGEX] [--by-thread]\n");
			return 0;
		default: return kan_die("%s: unknown or incomplete option '%s'", cmd, argv[optind - 1]);
		}
	}
	int want = diff ? 2 : 1;
	if (argc - optind != want || !out)
		return kan_die(diff ? "diff: usage: kprof diff BASE NEW -o diff.svg"
				    : "flame: usage: kprof flame PROFILE -o out.svg [--title T] [--inverted]");
	struct kan_profile *p[2] = { NULL, NULL };
	int si[2] = { 0, 0 };
	struct kan_tree t;
	char sub[1024], a[40], b[40];
	FILE *f = NULL;

	if (kan_tree_init(&t))
		return kan_die("out of memory");
	for (int k = 0; k < want; k++) {
		const char *path = argv[optind + k];
		if (kan_load_merged(path, &p[k]))
			goto out;
		if (kan_pick_type(p[k], path, k == 1 && !type ? p[0]->sample_types[si[0]].type : type, &si[k]))
			goto out;
		if ((thread && kan_thread_filter(p[k], thread, cmd)) || (by_thread && kan_thread_roots(p[k], cmd)))
			goto out;
		if (kan_tree_add(&t, p[k], si[k], k, reverse)) {
			rc = kan_die("out of memory");
			goto out;
		}
	}
	if (diff && strcmp(p[0]->sample_types[si[0]].unit, p[1]->sample_types[si[1]].unit)) {
		rc = kan_die("diff: units differ (%s vs %s)", p[0]->sample_types[si[0]].unit,
			     p[1]->sample_types[si[1]].unit);
		goto out;
	}
	kan_tree_sort(&t);
	const struct kan_profile *np = p[want - 1];
	so.unit = np->sample_types[si[want - 1]].unit;
	kan_format_value(t.total[0], so.unit, a, sizeof(a));
	if (diff) {
		kan_format_value(t.total[1], so.unit, b, sizeof(b));
		snprintf(sub, sizeof(sub), "%s \xe2\x86\x92 %s \xe2\x80\x94 %s: base %s, new %s", base(argv[optind]),
			 base(argv[optind + 1]), np->sample_types[si[1]].type, a, b);
	} else {
		snprintf(sub, sizeof(sub), "%s \xe2\x80\x94 %s, total %s", base(argv[optind]),
			 np->sample_types[si[0]].type, a);
	}
	if (thread || by_thread) {
		size_t l = strlen(sub);

		snprintf(sub + l, sizeof(sub) - l, "%s%s%s%s", thread ? "; threads matching " : "", thread ? thread : "",
			 thread && by_thread ? "," : "", by_thread ? " one root per thread" : "");
	}
	so.subtitle = sub;
	f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!f) {
		rc = kan_die("%s: %s: %s", cmd, out, strerror(errno));
		goto out;
	}
	int r = kan_svg_write(&t, &so, f);
	if ((f != stdout ? fclose(f) : fflush(f)) && !r)
		r = -EIO;
	f = NULL;
	if (r) {
		rc = kan_die("%s: %s: %s", cmd, out, r == -ENOMEM ? "out of memory" : "write error");
		goto out;
	}
	rc = 0;
out:
	kan_tree_free(&t);
	kan_profile_free(p[0]);
	kan_profile_free(p[1]);
	return rc;
}

int kan_cmd_flame(int argc, char **argv)
{
	return flame(argc, argv, 0);
}

int kan_cmd_diff(int argc, char **argv)
{
	return flame(argc, argv, 1);
}
