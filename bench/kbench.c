/* SPDX-License-Identifier: MIT */
/*
 * kbench: run a benchmark suite. For every case of the suite's matrix the
 * driver runs plain N times (timing: each repetition is a separate process,
 * so the repetitions are independent samples for kprof compare), then once
 * under libkalloc (allocations and bytes per message, leaks, heap profile)
 * and once under libksamp (CPU profile, drawn as a flame graph by kprof).
 * Everything lands in OUT/<case>/, the merged kprof-bench/1 document in
 * OUT/results.json and the page in OUT/report.html. Backends that cannot
 * run here (not built, no broker) are skipped with a note that is printed,
 * written into results.json and shown in the report.
 *
 * This file is the order of things; each step lives in a file of its own
 * (kbench-internal.h lists them).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "die.h"
#include "kbench-ci.h"
#include "kbench-internal.h"

/* The cases of the suite, after --backends, --reps, --count, --processes. */
static struct kb_case *expand(const struct kb_opts_run *o, const struct kb_suite *suite, const char *suite_path,
			      size_t *ncases)
{
	struct kb_case *cases = NULL;
	int rc = kb_suite_cases(suite, o->backends, o->reps, o->count, &cases, ncases);

	if (rc == -E2BIG)
		kb_die("%s: the matrix expands to more than %d cases", suite_path, KB_SUITE_MAX_CASES);
	if (rc == -EEXIST)
		kb_die("%s: two driver blocks produce the same case", suite_path);
	if (rc)
		kb_die("out of memory");
	for (size_t i = 0; i < *ncases; i++) {
		if (o->processes)
			cases[i].processes = o->processes;
		else if (o->cmd == KB_CMD_AB && cases[i].processes < 3)
			cases[i].processes = 3; /* interleaving needs a few processes a side */
	}
	return cases;
}

static void list(const struct kb_suite *suite, const char *suite_path, const struct kb_case *cases, size_t ncases)
{
	printf("suite %s (%s): %zu case%s\n", suite->name, suite_path, ncases, ncases == 1 ? "" : "s");
	for (size_t i = 0; i < ncases; i++) {
		printf("  %-40s %d reps:", cases[i].id, cases[i].reps);
		for (int j = 0; j < cases[i].argc; j++)
			printf(" %s", cases[i].argv[j]);
		printf("\n");
	}
}

/* --out: created, a directory, made absolute. */
static void prepare_out(struct kb_opts_run *o)
{
	struct stat st;
	char *abs;
	int rc = kb__mkdirs(o->out);

	if (rc)
		kb_die("--out %s: %s", o->out, strerror(-rc));
	if (stat(o->out, &st) || !S_ISDIR(st.st_mode))
		kb_die("--out %s: not a directory", o->out);
	abs = realpath(o->out, NULL);
	if (!abs)
		kb_die("--out %s: %s", o->out, strerror(errno));
	o->out = abs;
}

int main(int argc, char **argv)
{
	struct kb_opts_run o = { 0 };
	struct kb_suite suite;
	struct kb_case *cases;
	struct kb_result *res;
	struct kb_parts parts = { 0 };
	struct kb_skip skips[KB_MAX_SKIPS];
	struct kb_broker started[KB_NBROKERS] = { 0 };
	size_t ncases = 0, nskips = 0, nfailed = 0, nran = 0;
	char err[512], *suite_path;
	int status;
	double t0 = kb__now();

	kb_die_init("kbench", NULL);
	kb__init_exedir();
	if (argc < 2) {
		kb__usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		kb__usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kbench %s\n", PACKAGE_VERSION);
		return 0;
	}
	kb__opts_parse(argc, argv, &o);
	suite_path = kb__find_suite(o.suite);
	if (kb_suite_load(suite_path, &suite, err, sizeof(err)))
		kb_die("%s", err);
	if (o.backends) {
		char *dup = strdup(o.backends), *save = NULL;

		for (char *t = strtok_r(dup, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
			size_t k;

			for (k = 0; k < KB_NBACKENDS && strcmp(t, kb__backend_names[k]); k++)
				;
			if (k == KB_NBACKENDS)
				kb_die("--backends: unknown backend '%s' (memory, kafka, amqp, mqtt)", t);
		}
		free(dup);
	}
	cases = expand(&o, &suite, suite_path, &ncases);
	if (o.cmd == KB_CMD_LIST) {
		list(&suite, suite_path, cases, ncases);
		kb_cases_free(cases, ncases);
		kb_suite_free(&suite);
		free(suite_path);
		return 0;
	}
	if (!ncases)
		kb_die("suite %s has no case for backends '%s'", suite.name, o.backends ? o.backends : "(all)");
	kb__find_parts(&o, &parts);
	prepare_out(&o);
	fprintf(stderr, "kbench: suite %s (%s), %zu case%s, output in %s\n", suite.name, suite_path, ncases,
		ncases == 1 ? "" : "s", o.out);
	if (!parts.kalloc && suite.profile_kalloc && !o.no_profile)
		fprintf(stderr, "kbench: note: libkalloc.so not found (--kalloc PATH): no memory figures\n");
	if (!parts.ksamp && suite.profile_ksamp && !o.no_profile)
		fprintf(stderr, "kbench: note: libksamp.so not found (--ksamp PATH): no CPU profiles\n");
	if (!parts.kprof)
		fprintf(stderr, "kbench: note: kprof not found (--kprof PATH): no flame graphs, no report\n");
	kb__catch_signals();
	/* Backends that cannot run here are skipped up front, with the reason;
	   with --start-brokers, private brokers are started for them first. */
	kb__brokers_up(&o, cases, ncases, started, skips, &nskips);
	if (o.cmd == KB_CMD_AB) {
		status = kb__ab(&o, &suite, suite_path, cases, ncases, parts.kprof, skips, nskips, started, t0);
		goto done;
	}

	res = calloc(ncases, sizeof(*res));
	if (!res)
		kb_die("out of memory");
	kb__run_cases(&o, &suite, &parts, cases, ncases, res, skips, &nskips, &nran, &nfailed);
	for (size_t k = 0; k < KB_NBROKERS; k++)
		kb__stop_broker(&started[k]);
	if (kb__interrupted) {
		fprintf(stderr, "kbench: interrupted (signal %d); partial results in %s\n", (int)kb__interrupted, o.out);
		nfailed++;
	}
	{
		char *path = kb__fmt("%s/results.json", o.out);

		kb__write_results(path, &o, o.bindir, &suite, suite_path, parts.kalloc, parts.ksamp, t0, skips, nskips,
				  res, cases, ncases);
		free(path);
	}
	if (parts.kprof) {
		char *rep = kb__fmt("%s/report.html", o.out), *log = kb__fmt("%s/report.log", o.out);
		char *rargv[] = { parts.kprof, "report", (char *)o.out, "-o", rep, NULL };

		if (kb__spawn(rargv, NULL, log, 120))
			fprintf(stderr, "kbench: note: kprof report failed, see %s\n", log);
		free(rep);
		free(log);
	}
	int ci_written = o.ci_reports ? kb_ci_reports(parts.kprof, o.out, o.source_root) : 0;

	if (!o.quiet)
		kb__print_summary(&o, &suite, res, cases, ncases, skips, nskips, nran, nfailed, t0, ci_written);
	for (size_t i = 0; i < ncases; i++)
		kb__result_free(&res[i]);
	free(res);
	status = nfailed ? 1 : 0;
done:
	kb_cases_free(cases, ncases);
	kb_suite_free(&suite);
	free(suite_path);
	free(parts.kprof);
	free(parts.kalloc);
	free(parts.ksamp);
	free(parts.bindir);
	free((char *)o.out);
	return status;
}
