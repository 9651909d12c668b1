/* SPDX-License-Identifier: MIT */
/*
 * kprof convert: IN (any format kprof reads: pprof, gzipped or not, or
 * gperftools' legacy CPU format) to OUT, chosen by --format or by OUT's
 * name: "*.folded"/"*.txt" give folded stacks, "*.pb" plain profile.proto,
 * anything else gzipped profile.proto. Address-only input is symbolized on
 * the way (when the objects exist here), so the output opens in pprof or
 * speedscope without the binaries.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folded.h"
#include "ku.h"
#include "kprof.h"
#include "pprof-write.h"

static int ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

int kan_cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "sample-type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *format = NULL, *type = NULL;
	int c, si, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': format = optarg; break;
		case 't': type = optarg; break;
		case 'h':
			printf("usage: kprof convert IN -o OUT [--format pprof|pprof-raw|folded] [--sample-type T]\n");
			return 0;
		default: return kan_die("convert: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc || !out)
		return kan_die("convert: usage: kprof convert IN -o OUT [--format pprof|pprof-raw|folded]");
	if (!format)
		format = ends(out, ".folded") || ends(out, ".txt") ? "folded"
			 : ends(out, ".pb")                              ? "pprof-raw"
										   : "pprof";
	if (strcmp(format, "folded") && strcmp(format, "pprof") && strcmp(format, "pprof-raw"))
		return kan_die("convert: unknown --format '%s' (pprof, pprof-raw or folded)", format);
	struct kan_profile *p;
	if (kan_load(argv[optind], &p))
		return 2;
	if (!strcmp(format, "folded")) {
		if (kan_pick_type(p, argv[optind], type, &si)) {
			kan_profile_free(p);
			return 2;
		}
		FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
		if (!f) {
			kan_profile_free(p);
			return kan_die("convert: %s: %s", out, strerror(errno));
		}
		r = kan_folded_write(p, si, f);
		if ((f != stdout ? fclose(f) : fflush(f)) && !r)
			r = -EIO;
	} else {
		r = kan_profile_frames(p); /* symbolize address-only locations */
		if (!r)
			r = kan_pprof_write(p, out, !strcmp(format, "pprof"));
	}
	kan_profile_free(p);
	if (r)
		return kan_die("convert: %s: %s", out, ku_strerror(r));
	return 0;
}
