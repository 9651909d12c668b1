/* SPDX-License-Identifier: MIT */
/*
 * kbench-opts: kbench's command line (see kbench(1)), the suite file it
 * names (a path, or a shipped suite: installed ones for an installed
 * kbench, the source tree's for one in the build tree), and the parts a
 * run uses: the drivers, kprof, libkalloc, libksamp (options first, then
 * the build tree, then the installed layout).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "kbench-internal.h"

#ifndef KB_PKGDATADIR
#define KB_PKGDATADIR "/usr/local/share/kprof"
#endif
#ifndef KB_LIBDIR
#define KB_LIBDIR "/usr/local/lib"
#endif
#ifndef KB_BINDIR
#define KB_BINDIR "/usr/local/bin"
#endif
#ifndef KB_SRCDIR
#define KB_SRCDIR "."
#endif

void kb__usage(FILE *f)
{
	fprintf(f, "usage: kbench run --suite quick|full|FILE --out DIR [--bindir DIR] [--kprof PATH]\n"
	   "                  [--kalloc PATH] [--ksamp PATH] [--reps N] [--count N]\n"
	   "                  [--backends LIST] [--broker BACKEND=ADDR]... [--commit SHA]\n"
	   "                  [--start-brokers] [--no-profile] [--ci-reports [--source-root DIR]]\n"
	   "       kbench list --suite quick|full|FILE     print the cases without running them\n"
	   "See kbench(1).\n");
}

char *kb__find_suite(const char *name)
{
	char *c1, *c2, *c3, *found;

	if (strchr(name, '/') || kb__isfile(name, R_OK)) {
		struct stat st;

		if (stat(name, &st))
			kb_die("suite file %s: %s", name, strerror(errno));
		if (!kb__isfile(name, R_OK))
			kb_die("suite file %s: not a readable regular file", name);
		return strdup(name);
	}
	c1 = kb__fmt("%s/suites/%s.suite", KB_PKGDATADIR, name);
	c2 = kb__fmt("%s/suites/%s.suite", kb__exedir, name);
	c3 = kb__fmt("%s/bench/suites/%s.suite", KB_SRCDIR, name);
	/* an installed kbench reads the installed suites, a build-tree one the
	   source tree's */
	if (!strcmp(kb__exedir, KB_BINDIR))
		found = kb__find(R_OK, c2, c1, c3, (char *)NULL);
	else
		found = kb__find(R_OK, c2, c3, c1, (char *)NULL);
	free(c1);
	free(c2);
	free(c3);
	if (!found)
		kb_die("no suite named '%s' (looked in %s/suites and %s/bench/suites; give a file path)", name,
		       KB_PKGDATADIR, KB_SRCDIR);
	return found;
}

void kb__opts_parse(int argc, char **argv, struct kb_opts_run *o)
{
	if (!strcmp(argv[1], "list"))
		o->cmd = KB_CMD_LIST;
	else if (!strcmp(argv[1], "ab"))
		o->cmd = KB_CMD_AB;
	else if (!strcmp(argv[1], "run"))
		o->cmd = KB_CMD_RUN;
	else {
		fprintf(stderr, "kbench: unknown command '%s'\n", argv[1]);
		kb__usage(stderr);
		exit(2);
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

#define KB_OPT(name, field) if (!strcmp(a, name)) { if (!v) kb_die("%s needs a value", name); o->field = v; i++; continue; }
		KB_OPT("--suite", suite)
		KB_OPT("--out", out)
		KB_OPT("--bindir", bindir)
		KB_OPT("--kprof", kprof)
		KB_OPT("--kalloc", kalloc)
		KB_OPT("--ksamp", ksamp)
		KB_OPT("--backends", backends)
		KB_OPT("--count", count)
		KB_OPT("--commit", commit)
		KB_OPT("--base", ab_base)
		KB_OPT("--new", ab_new)
		KB_OPT("--threshold", threshold)
		KB_OPT("--source-root", source_root)
#undef KB_OPT
		if (!strcmp(a, "--reps") && v) {
			char *end;
			long r = strtol(v, &end, 10);

			if (*end || r <= 0 || r > 1000)
				kb_die("--reps: '%s' is not an integer in 1..%d", v, 1000);
			o->reps = (int)r;
			i++;
		} else if (!strcmp(a, "--processes") && v) {
			char *end;
			long r = strtol(v, &end, 10);

			if (*end || r <= 0 || r > KB_MAX_REPS)
				kb_die("--processes: '%s' is not an integer in 1..%d", v, KB_MAX_REPS);
			o->processes = (int)r;
			i++;
		} else if (!strcmp(a, "--broker") && v && !strncmp(v, "mqtt-ws=", 8) && v[8]) {
			o->mqtt_ws = v + 8; /* MQTT over WebSocket: HOST:PORT[/PATH] or ws://... */
			i++;
		} else if (!strcmp(a, "--broker") && v) {
			const char *eq = strchr(v, '=');
			size_t k;

			for (k = 0; k < KB_NBACKENDS; k++)
				if (eq && (size_t)(eq - v) == strlen(kb__backend_names[k]) &&
				    !strncmp(v, kb__backend_names[k], (size_t)(eq - v)))
					break;
			if (k == KB_NBACKENDS || !eq[1])
				kb_die("--broker: want BACKEND=ADDRESS (kafka, amqp, mqtt or mqtt-ws), got '%s'", v);
			o->brokers[k] = eq + 1;
			i++;
		} else if (!strcmp(a, "--start-brokers")) {
			o->start_brokers = 1;
		} else if (!strcmp(a, "--ci-reports")) {
			o->ci_reports = 1;
		} else if (!strcmp(a, "--no-profile")) {
			o->no_profile = 1;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = 1;
		} else {
			fprintf(stderr, "kbench: unknown or incomplete option '%s'\n", a);
			kb__usage(stderr);
			exit(2);
		}
	}
	if (!o->suite)
		kb_die("run needs --suite quick|full|FILE");
	if (o->cmd != KB_CMD_LIST && !o->out)
		kb_die("%s needs --out DIR", argv[1]);
	if (o->cmd == KB_CMD_AB && (!o->ab_base || !o->ab_new))
		kb_die("ab needs --base BINDIR and --new BINDIR (the drivers of the two builds)");
	if (o->count) {
		char *end;

		if (strtod(o->count, &end) <= 0 || *end)
			kb_die("--count: '%s' is not a positive number", o->count);
	}
}

void kb__find_parts(struct kb_opts_run *o, struct kb_parts *parts)
{
	char *b1 = kb__fmt("%s/bench_pub", kb__exedir), *b2 = kb__fmt("%s/bench_pub", KB_BINDIR);
	char *k1 = kb__fmt("%s/../analyze/kprof", kb__exedir), *k2 = kb__fmt("%s/kprof", kb__exedir);
	char *k3 = kb__fmt("%s/kprof", KB_BINDIR);
	char *a1 = kb__fmt("%s/../preload/.libs/libkalloc.so", kb__exedir), *a2 = kb__fmt("%s/libkalloc.so", KB_LIBDIR);
	char *s1 = kb__fmt("%s/../sampler/.libs/libksamp.so", kb__exedir), *s2 = kb__fmt("%s/libksamp.so", KB_LIBDIR);

	if (o->bindir)
		parts->bindir = realpath(o->bindir, NULL);
	else if (kb__isfile(b1, X_OK))
		parts->bindir = strdup(kb__exedir);
	else if (kb__isfile(b2, X_OK))
		parts->bindir = strdup(KB_BINDIR);
	else
		parts->bindir = strdup(kb__exedir);
	if (!parts->bindir)
		kb_die("--bindir %s: %s", o->bindir, strerror(errno));
	o->bindir = parts->bindir;
	parts->kprof = o->kprof ? kb__find(X_OK, o->kprof, (char *)NULL) : kb__find(X_OK, k1, k2, k3, (char *)NULL);
	parts->kalloc = o->kalloc ? kb__find(R_OK, o->kalloc, (char *)NULL) : kb__find(R_OK, a1, a2, (char *)NULL);
	parts->ksamp = o->ksamp ? kb__find(R_OK, o->ksamp, (char *)NULL) : kb__find(R_OK, s1, s2, (char *)NULL);
	if (o->kprof && !parts->kprof)
		kb_die("--kprof %s: not an executable file", o->kprof);
	if (o->kalloc && !parts->kalloc)
		kb_die("--kalloc %s: not a readable file", o->kalloc);
	if (o->ksamp && !parts->ksamp)
		kb_die("--ksamp %s: not a readable file", o->ksamp);
	free(b1);
	free(b2);
	free(k1);
	free(k2);
	free(k3);
	free(a1);
	free(a2);
	free(s1);
	free(s2);
}
