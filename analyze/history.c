/* SPDX-License-Identifier: MIT */
/*
 * history: the `kprof history add|show|dashboard|export|copy` command. A
 * history keeps every benchmark run with its commit, time, host, branch,
 * runner and all metrics with their repetitions, so any two runs can be
 * compared with the same test as `kprof compare`; a regression marker is
 * set on a run when a metric got significantly worse than in the previous
 * run of the same benchmark. Where the runs live (an SQLite file or a
 * PostgreSQL database) is the store's business (history.h); this file
 * turns arguments and CI variables into store calls and prints the
 * answers. The dashboard is history-dashboard.c; export writes
 * github-action-benchmark JSON.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "history.h"
#include "json.h"
#include "ku.h"
#include "kprof.h"
#include "results.h"
#include "stats.h"

struct kan__hopts {
	const char *db, *out, *format, *filter, *commit;
	char *disp;        /* db for messages (no password) */
	struct kan_hfilter f;
	const char *branch, *runner; /* add: where the run came from */
	int force;         /* add a run even when the same one is already stored */
	const char *metrics[16];
	size_t nmetrics;
	long last, run;
	double threshold, alpha;
};

/* The first of the variables that is set and not empty. */
static const char *env_first(const char *const *names)
{
	for (; *names; names++) {
		const char *v = getenv(*names);

		if (v && *v)
			return v;
	}
	return NULL;
}

/* Branch and runner of an add: flags, else the CI's variables, else (the
 * runner) the hostname the results file names, else this machine's. */
static void where_from(struct kan__hopts *o, const struct kan_run *r, const char **branch, const char **runner,
		       char *host, size_t hostlen)
{
	/* GitHub: the pull request's source branch, else the pushed ref;
	   GitLab: the branch or tag */
	static const char *const branch_vars[] = { "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", NULL };
	static const char *const runner_vars[] = { "RUNNER_NAME", "CI_RUNNER_DESCRIPTION", NULL };

	*branch = o->branch ? o->branch : env_first(branch_vars);
	*runner = o->runner ? o->runner : env_first(runner_vars);
	if (*runner)
		return;
	/* the results file's host text starts with its hostname
	   (results-load.c: "HOSTNAME, N cpus, ...") */
	if (r->host && r->host[0] && strcspn(r->host, ",") < hostlen) {
		snprintf(host, hostlen, "%.*s", (int)strcspn(r->host, ","), r->host);
		*runner = host;
	} else if (!gethostname(host, hostlen)) {
		host[hostlen - 1] = 0;
		*runner = host;
	}
}

static int add_one(struct kan_hstore *s, struct kan__hopts *o, const char *file)
{
	struct kan_run *r = NULL;
	struct kan_hrun m = { 0 };
	const char *branch, *runner;
	char err[512], now[32], host[256];
	long long id = 0;
	size_t nmetrics = 0;
	time_t t = time(NULL);
	struct tm tm;
	int rc;

	if (kan_run_load(file, &r, err, sizeof(err)))
		return kan_die("history: %s", err);
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	where_from(o, r, &branch, &runner, host, sizeof(host));
	m.timestamp = r->timestamp ? r->timestamp : now;
	m.commit = o->commit ? (char *)o->commit : r->git_commit;
	m.host = r->host;
	m.compiler = r->compiler;
	m.suite = r->suite;
	m.source = (char *)file;
	m.added_at = now;
	m.branch = (char *)branch;
	m.runner = (char *)runner;
	/* The same results file added twice (a re-run CI job) is one run;
	   a file without a time of its own is always a new run. */
	if (!o->force && r->timestamp && !(m.ident = kan__hist_ident(m.timestamp, m.commit, m.host, m.suite))) {
		kan_run_free(r);
		return kan_die("history: out of memory");
	}
	rc = kan_hist_add(s, &m, r, &id, &nmetrics);
	if (rc < 0) {
		rc = kan_die("history: %s: cannot add %s: %s", o->disp, file, s->err);
	} else if (rc == 1) {
		printf("%s is already in %s as run %lld (same time, commit, host and suite): not added again"
		       " (--force adds it anyway)\n", file, o->disp, id);
		rc = 0;
	} else {
		printf("added run %lld from %s (commit %.12s, %zu benchmarks, %zu metrics) to %s\n", id, file,
		       m.commit ? m.commit : "unknown", r->nb, nmetrics, o->disp);
	}
	free(m.ident);
	kan_run_free(r);
	return rc;
}

static void spark(FILE *f, const struct kan_hseries *s, size_t width)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	size_t start = s->n > width ? s->n - width : 0;
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = start; i < s->n; i++)
		if (isfinite(s->p[i].value)) {
			lo = fmin(lo, s->p[i].value);
			hi = fmax(hi, s->p[i].value);
		}
	for (size_t i = start; i < s->n; i++) {
		double v = s->p[i].value;
		int k = !isfinite(v) ? 0 : hi > lo ? (int)lround((v - lo) / (hi - lo) * 7) : 3;

		fputs(s->p[i].regressed ? "!" : blocks[k], f);
	}
	for (size_t i = s->n - start; i < width; i++)
		fputc(' ', f);
}

static int show(struct kan_hstore *st, const struct kan__hopts *o)
{
	struct kan_hrun *runs = NULL;
	size_t nruns = 0;
	long long total = 0, nbench = 0, matching = 0;

	if (st->ops->count(st, NULL, &total, &nbench) || (o->f.branch || o->f.host ?
							     st->ops->count(st, &o->f, &matching, &nbench) : 0) ||
	    st->ops->runs(st, &o->f, o->last, &runs, &nruns))
		return kan_die("history: %s: %s", o->disp, st->err);
	printf("%s: %lld run%s, %lld benchmark%s\n", o->disp, total, total == 1 ? "" : "s", nbench,
	       nbench == 1 ? "" : "s");
	if (o->f.branch || o->f.host)
		printf("%lld run%s%s%s%s%s\n", matching, matching == 1 ? "" : "s", o->f.branch ? " on branch " : "",
		       o->f.branch ? o->f.branch : "", o->f.host ? " from host " : "", o->f.host ? o->f.host : "");
	if (!nruns) {
		if (o->f.branch || o->f.host)
			printf("no runs match\n");
		else
			printf("no runs yet: add one with kprof history add %s results.json\n", o->disp);
		kan_hist_runs_free(runs, nruns);
		return 0;
	}
	printf("\nlast %zu run%s:\n", nruns > 10 ? 10 : nruns, nruns == 1 ? "" : "s");
	for (size_t i = nruns > 10 ? nruns - 10 : 0; i < nruns; i++) {
		const struct kan_hrun *r = &runs[i];

		printf("  #%-5lld %-22s commit %-12.12s %s", r->id, r->timestamp ? r->timestamp : "-",
		       r->commit ? r->commit : "unknown", r->runner ? r->runner : r->host ? r->host : "");
		if (r->branch)
			printf("  branch %s", r->branch);
		printf("\n");
	}
	printf("\ntrends over the last %zu runs (\"!\" marks a significant regression against the previous run,\n"
	       "Mann-Whitney U at alpha %g and a %g%% threshold):\n", nruns, o->alpha, o->threshold * 100);
	for (size_t k = 0; k < o->nmetrics; k++) {
		struct kan_hseries *s;
		size_t n;

		if (kan_hist_series(st, &o->f, runs, nruns, o->metrics[k], o->filter, o->threshold, o->alpha, &s, &n)) {
			kan_hist_runs_free(runs, nruns);
			return kan_die("history: %s: %s", o->disp, st->err);
		}
		printf("\n%s:\n", o->metrics[k]);
		if (!n)
			printf("  (no data)\n");
		for (size_t i = 0; i < n; i++) {
			const struct kan_hpoint *lp = &s[i].p[s[i].n - 1];
			char v[48];
			size_t nreg = 0;
			long long last_reg = -1;

			for (size_t j = 0; j < s[i].n; j++)
				if (s[i].p[j].regressed) {
					nreg++;
					last_reg = (long long)j;
				}
			printf("  %-46.46s ", s[i].label);
			spark(stdout, &s[i], 30);
			printf(" %14s", kan_metric_fmt(o->metrics[k], lp->value, v, sizeof(v)));
			if (isfinite(lp->change))
				printf(" %+6.1f%%", lp->change * 100);
			else
				printf(" %7s", "");
			if (nreg)
				printf("  %zu regression%s, last at run #%lld (commit %.12s)", nreg, nreg == 1 ? "" : "s",
				       runs[s[i].p[last_reg].run].id,
				       runs[s[i].p[last_reg].run].commit ? runs[s[i].p[last_reg].run].commit : "unknown");
			printf("\n");
		}
		kan_hist_series_free(s, n);
	}
	kan_hist_runs_free(runs, nruns);
	return 0;
}

struct kan__exportctx {
	const struct kan__hopts *o;
	struct ku_json_writer *w;
	int bigger;
};

static int export_row(void *ctx, const struct kan_hresult *x)
{
	struct kan__exportctx *c = ctx;
	const struct kan__hopts *o = c->o;
	struct ku_json_writer *w = c->w;
	double *reps = NULL;
	size_t nreps;
	char name[512], extra[64];

	if (!x->metric || (kan_stats_direction(x->metric) == KAN_DIR_BIGGER) != c->bigger)
		return 0;
	if (!isfinite(x->value))
		return 0;
	if (o->nmetrics) {
		int want = 0;

		for (size_t i = 0; i < o->nmetrics; i++)
			want |= !strcmp(o->metrics[i], x->metric);
		if (!want)
			return 0;
	}
	if (o->filter && x->label && !strstr(x->label, o->filter))
		return 0;
	nreps = kan_hist_reps_parse(x->reps, &reps);
	snprintf(name, sizeof(name), "%s %s", x->label ? x->label : "?", x->metric);
	ku_json_object_begin(w);
	ku_json_kv_string(w, "name", name);
	ku_json_kv_string(w, "unit", kan_metric_unit(x->metric));
	ku_json_kv_double(w, "value", x->value);
	if (nreps > 1) {
		double lo = reps[0], hi = reps[0];

		for (size_t i = 1; i < nreps; i++) {
			lo = fmin(lo, reps[i]);
			hi = fmax(hi, reps[i]);
		}
		snprintf(extra, sizeof(extra), "± %.4g", (hi - lo) / 2);
		ku_json_kv_string(w, "range", extra);
		snprintf(extra, sizeof(extra), "%zu repetitions", nreps);
		ku_json_kv_string(w, "extra", extra);
	}
	ku_json_object_end(w);
	free(reps);
	return 0;
}

static int export(struct kan_hstore *st, const struct kan__hopts *o)
{
	struct ku_json_writer w;
	struct kan__exportctx c = { .o = o, .w = &w };
	long long run_id = o->run;
	int rc;

	if (!o->format || (strcmp(o->format, "gab-bigger") && strcmp(o->format, "gab-smaller")))
		return kan_die("history: export needs --format gab-bigger|gab-smaller (github-action-benchmark "
			       "customBiggerIsBetter / customSmallerIsBetter)");
	c.bigger = !strcmp(o->format, "gab-bigger");
	if (run_id <= 0) {
		struct kan_hrun *runs = NULL;
		size_t n = 0;

		if (st->ops->runs(st, &o->f, 1, &runs, &n))
			return kan_die("history: %s: %s", o->disp, st->err);
		run_id = n ? runs[0].id : 0;
		kan_hist_runs_free(runs, n);
		if (run_id <= 0)
			return kan_die("history: %s: no runs to export", o->disp);
	}
	ku_json_writer_init(&w, KU_JSON_PRETTY);
	ku_json_array_begin(&w);
	if (st->ops->results(st, run_id, export_row, &c)) {
		ku_json_writer_free(&w);
		return kan_die("history: %s: %s", o->disp, st->err);
	}
	ku_json_array_end(&w);
	rc = ku_json_writer_error(&w);
	if (!rc) {
		if (o->out)
			rc = ku_json_writer_save(&w, o->out);
		else
			printf("%s\n", ku_json_writer_text(&w, NULL));
	}
	ku_json_writer_free(&w);
	if (rc)
		return kan_die("history: export: %s", o->out ? o->out : "stdout");
	return 0;
}

#define KAN__HUSAGE                                                                                            \
	"usage: kprof history add [DB] results.json... [--commit C] [--branch B] [--runner R] [--force]\n"     \
	"       kprof history show [DB] [--last N] [--metric M]... [--benchmark FILTER] [--branch B] [--host H]\n" \
	"       kprof history dashboard [DB] -o dashboard.html [--last N] [--benchmark FILTER] [--branch B]"    \
	" [--host H]\n"                                                                                        \
	"       kprof history export [DB] --format gab-bigger|gab-smaller [-o FILE] [--run ID] [--metric M]"   \
	" [--branch B] [--host H]\n"                                                                           \
	"       kprof history copy FROM TO [--branch B] [--host H]\n"                                           \
	"DB: an SQLite file, or postgresql://USER@HOST/DATABASE (default: $KPROF_HISTORY_URL)\n"

static int usage(void)
{
	return kan_die("usage: kprof history add|show|dashboard|export|copy [DB] ... (kprof history --help)");
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int kan_cmd_history(int argc, char **argv)
{
	struct kan__hopts o = { .threshold = 0.05, .alpha = 0.05 };
	const char *sub, *pos[4096], **files, *env = getenv("KPROF_HISTORY_URL");
	size_t npos = 0, nfiles;
	struct kan_hstore *st = NULL;
	int rc = 0;

	if (argc < 2)
		return usage();
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		fputs(KAN__HUSAGE, stdout);
		return 0;
	}
	if (strcmp(sub, "add") && strcmp(sub, "show") && strcmp(sub, "dashboard") && strcmp(sub, "export") &&
	    strcmp(sub, "copy"))
		return kan_die("history: unknown subcommand '%s' (add, show, dashboard, export, copy)", sub);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-o") && i + 1 < argc)
			o.out = argv[++i];
		else if (!strcmp(a, "--format") && i + 1 < argc)
			o.format = argv[++i];
		else if (!strcmp(a, "--commit") && i + 1 < argc)
			o.commit = argv[++i];
		else if (!strcmp(a, "--force"))
			o.force = 1;
		else if ((!strcmp(a, "--benchmark") || !strcmp(a, "--filter")) && i + 1 < argc)
			o.filter = argv[++i];
		else if (!strcmp(a, "--branch") && i + 1 < argc)
			o.branch = o.f.branch = argv[++i];
		else if (!strcmp(a, "--host") && i + 1 < argc)
			o.f.host = argv[++i];
		else if (!strcmp(a, "--runner") && i + 1 < argc)
			o.runner = argv[++i];
		else if (!strcmp(a, "--metric") && i + 1 < argc) {
			if (o.nmetrics < KU_ARRAY_SIZE(o.metrics))
				o.metrics[o.nmetrics++] = argv[++i];
		} else if ((!strcmp(a, "--last") || !strcmp(a, "--run")) && i + 1 < argc) {
			long v;

			if (kan_opt_long("history", a, argv[++i], 1, KAN_OPT_COUNT_MAX, &v))
				return 2;
			if (!strcmp(a, "--last"))
				o.last = v;
			else
				o.run = v;
		} else if (!strcmp(a, "--threshold") && i + 1 < argc) {
			if (kan_parse_fraction(argv[++i], &o.threshold))
				return kan_die("history: bad --threshold '%s'", argv[i]);
		} else if (a[0] == '-' && a[1]) {
			return usage();
		} else if (npos < KU_ARRAY_SIZE(pos)) {
			pos[npos++] = a;
		} else {
			return kan_die("history: too many files in one call");
		}
	}
	if (!strcmp(sub, "copy")) {
		if (npos != 2)
			return kan_die("history: copy needs FROM and TO (SQLite files or postgresql:// URIs)");
		return kan_hist_copy(pos[0], pos[1], &o.f);
	}
	/* DB: the first argument, or $KPROF_HISTORY_URL when there is none
	   (add: when the first argument is a results file) */
	if (env && *env && (!npos || (!strcmp(sub, "add") && ends_with(pos[0], ".json")))) {
		o.db = env;
		files = pos;
		nfiles = npos;
	} else if (npos) {
		o.db = pos[0];
		files = pos + 1;
		nfiles = npos - 1;
	} else {
		return kan_die("history: which history? give DB (an SQLite file or a postgresql:// URI) or set "
			       "KPROF_HISTORY_URL");
	}
	if (!(o.disp = kan_hist_display(o.db)))
		return kan_die("history: out of memory");
	if (!strcmp(sub, "add")) {
		if (!nfiles) {
			rc = kan_die("history: add needs at least one results.json");
			goto out;
		}
		/* every file must read before the database is created or touched */
		for (size_t i = 0; i < nfiles; i++) {
			struct kan_run *r = NULL;
			char err[512];

			if (kan_run_load(files[i], &r, err, sizeof(err))) {
				rc = kan_die("history: %s (nothing added)", err);
				goto out;
			}
			kan_run_free(r);
		}
		if ((rc = kan_hist_open(o.db, KAN_HIST_CREATE, &st)))
			goto out;
		for (size_t i = 0; i < nfiles && !rc; i++)
			rc = add_one(st, &o, files[i]);
	} else {
		if (nfiles) {
			rc = usage();
			goto out;
		}
		if ((rc = kan_hist_open(o.db, KAN_HIST_READ, &st)))
			goto out;
		if (!o.nmetrics && strcmp(sub, "export")) {
			o.metrics[o.nmetrics++] = "throughput_msgs_per_sec";
			o.metrics[o.nmetrics++] = "latency_p99_ns";
		}
		if (!strcmp(sub, "show")) {
			if (!o.last)
				o.last = 30;
			rc = show(st, &o);
		} else if (!strcmp(sub, "dashboard")) {
			struct kan_hdash d = { .db = o.disp, .out = o.out, .filter = o.filter, .f = &o.f,
					       .last = o.last, .threshold = o.threshold, .alpha = o.alpha };

			rc = kan_hist_dashboard(st, &d);
		} else {
			rc = export(st, &o);
		}
	}
out:
	kan_hist_close(st);
	free(o.disp);
	return rc;
}
