/* SPDX-License-Identifier: MIT */
/*
 * compare: `kprof compare BASE.json NEW.json`. Benchmarks are matched by
 * name, backend and configuration; for each metric the repetitions of both
 * runs go through kan_stats_compare() (Mann-Whitney U plus a threshold on
 * the relative change of medians, direction-aware). The output says which
 * test decided and why. Exit status 1 when a significant regression beyond
 * the threshold was found, 0 otherwise, 2 on bad input. With markdown
 * output the regressed cases that have CPU profiles on both sides get a
 * differential flame graph (`kprof diff`), linked from the table.
 *
 * Why one file of this size: the text, markdown, JSON and CI outputs all
 * print the same private row model; the CI writers are the part that
 * could move to a compare-ci.c as leaks-ci.c did for leaks.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include "ci.h"
#include "cli.h"
#include "json.h"
#include "kprof.h"
#include "history.h"
#include "results.h"
#include "stats.h"

/* Metrics that decide by default: the ones a change is judged on. Tail
 * maxima are reported with --metrics all but are too noisy to gate on. */
static const char *const gate_metrics[] = {
	"throughput_msgs_per_sec", "latency_p50_ns", "latency_p99_ns",
	"allocs_per_msg", "bytes_per_msg", "peak_rss_bytes", NULL
};

struct kan__row {
	const struct kan_bench *base, *cur;
	const char *metric;
	struct kan_cmp c;
	size_t nb, nn;
	char *diff_svg; /* differential flame graph written for this row */
};

struct kan__cmpopts {
	double threshold, alpha;
	const char *format, *out, *diff_dir;
	char **metrics; /* NULL: default gate set; "all": every common metric */
	size_t nmetrics;
	int all;
	struct kan_srcroots *roots; /* CI formats: file names relative to these */
};

int kan_parse_fraction(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (*end == '%') {
		v /= 100;
		end++;
	} else if (v >= 1) {
		v /= 100; /* "5" means 5% */
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int want_metric(const struct kan__cmpopts *o, const char *m)
{
	if (o->all)
		return 1;
	if (o->nmetrics) {
		for (size_t i = 0; i < o->nmetrics; i++)
			if (!strcmp(o->metrics[i], m))
				return 1;
		return 0;
	}
	for (size_t i = 0; gate_metrics[i]; i++)
		if (!strcmp(gate_metrics[i], m))
			return 1;
	return 0;
}

static char *artifact(const struct kan_run *r, const char *rel)
{
	char *p;

	if (!rel)
		return NULL;
	if (rel[0] == '/')
		p = strdup(rel);
	else if (asprintf(&p, "%s/%s", r->dir, rel) < 0)
		p = NULL;
	if (p && access(p, R_OK)) {
		free(p);
		p = NULL;
	}
	return p;
}

/* Run `kprof diff BASE NEW -o OUT` as a child of this very binary, quietly. */
static int flame_diff(const char *a, const char *b, const char *out)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/proc/self/exe", "kprof", "diff", a, b, "-o", out, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static void slugify(const char *s, char *out, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; s[i] && j + 1 < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')
			out[j++] = c;
		else if (j && out[j - 1] != '_')
			out[j++] = '_';
	}
	out[j] = 0;
}

static const char *short_commit(const char *c, char *buf)
{
	if (!c || !*c)
		return "unknown";
	snprintf(buf, 13, "%s", c);
	return buf;
}

static void change_text(double ch, char *buf, size_t len)
{
	if (isinf(ch))
		snprintf(buf, len, "%s", ch > 0 ? "+inf" : "-inf");
	else
		snprintf(buf, len, "%+.1f%%", ch * 100);
}

static void p_text(const struct kan__row *r, char *buf, size_t len)
{
	if (r->c.method == KAN_METHOD_THRESHOLD)
		snprintf(buf, len, "-");
	else if (r->c.p < 0.0001)
		snprintf(buf, len, "<0.0001");
	else
		snprintf(buf, len, "%.4f", r->c.p);
}

static const char *method_short(enum kan_method m)
{
	switch (m) {
	case KAN_METHOD_EXACT: return "exact U";
	case KAN_METHOD_NORMAL: return "normal U";
	case KAN_METHOD_THRESHOLD: return "threshold";
	}
	return "?";
}

struct kan__summary {
	size_t regressed, improved, same, noise;
};

/* Host descriptions differ (both known): timings are not comparable as such. */
static int hosts_differ(const struct kan_run *a, const struct kan_run *b)
{
	return a->host && b->host && strcmp(a->host, b->host);
}

static void print_text(FILE *f, const struct kan__cmpopts *o, const struct kan_run *base,
		       const struct kan_run *cur, struct kan__row *rows, size_t nrows,
		       const struct kan__summary *s, char **only_base, size_t nob, char **only_new,
		       size_t non)
{
	char c1[16], c2[16];
	const struct kan_bench *last = NULL;
	int threshold_note = 0;

	fprintf(f, "kprof compare: base %s (commit %s%s%s)\n", base->path,
		short_commit(base->git_commit, c1), base->timestamp ? ", " : "",
		base->timestamp ? base->timestamp : "");
	fprintf(f, "               new  %s (commit %s%s%s)\n", cur->path,
		short_commit(cur->git_commit, c2), cur->timestamp ? ", " : "",
		cur->timestamp ? cur->timestamp : "");
	fprintf(f, "test: Mann-Whitney U, two-sided, alpha %g; effect threshold %g%% on the change of medians\n",
		o->alpha, o->threshold * 100);
	if (hosts_differ(base, cur))
		fprintf(f, "warning: different hosts (%s / %s): timing differences may be the machines'\n",
			base->host, cur->host);
	fputc('\n', f);
	for (size_t i = 0; i < nrows; i++) {
		struct kan__row *r = &rows[i];
		char bv[48], nv[48], ch[24], p[24];

		if (r->cur != last) {
			fprintf(f, "%s\n", r->cur->label);
			last = r->cur;
		}
		change_text(r->c.change, ch, sizeof(ch));
		p_text(r, p, sizeof(p));
		fprintf(f, "  %-24s %14s -> %-14s %8s  p=%-8s %-9s n=%zu/%zu  %s%s\n", r->metric,
			kan_metric_fmt(r->metric, r->c.base_median, bv, sizeof(bv)),
			kan_metric_fmt(r->metric, r->c.new_median, nv, sizeof(nv)), ch, p,
			method_short(r->c.method), r->nb, r->nn,
			r->c.verdict == KAN_REGRESSED ? "REGRESSED" : kan_stats_verdict_name(r->c.verdict),
			r->c.verdict == KAN_NOISE ? " (beyond threshold, not significant)" : "");
		if (r->diff_svg)
			fprintf(f, "  %-24s differential flame graph: %s\n", "", r->diff_svg);
		if (r->c.method == KAN_METHOD_THRESHOLD)
			threshold_note = 1;
	}
	if (threshold_note) {
		size_t quiet = 0;

		fprintf(f, "\nnotes:\n");
		for (size_t i = 0; i < nrows; i++) {
			if (rows[i].c.method != KAN_METHOD_THRESHOLD)
				continue;
			if (rows[i].c.verdict == KAN_SAME) {
				quiet++;
				continue;
			}
			fprintf(f, "  - %s %s: %s (n=%zu/%zu)\n", rows[i].cur->label, rows[i].metric,
				rows[i].c.why, rows[i].nb, rows[i].nn);
		}
		if (quiet)
			fprintf(f, "  - %zu unchanged row%s decided on the threshold alone (single values or too few repetitions)\n",
				quiet, quiet == 1 ? " was" : "s were");
	}
	for (size_t i = 0; i < nob; i++)
		fprintf(f, "only in base: %s\n", only_base[i]);
	for (size_t i = 0; i < non; i++)
		fprintf(f, "only in new: %s\n", only_new[i]);
	fprintf(f, "\nsummary: %zu regressed, %zu improved, %zu unchanged, %zu beyond threshold but not significant\n",
		s->regressed, s->improved, s->same, s->noise);
}

/* Markdown links are relative to the file written with -o when the graph
 * lies below it (the uploaded CI artifact keeps working). */
static const char *md_base;

static const char *link_path(const char *p)
{
	size_t n = md_base ? strlen(md_base) : 0;

	if (n && !strncmp(p, md_base, n) && p[n] == '/')
		return p + n + 1;
	return p;
}

static void md_row(FILE *f, const struct kan__row *r)
{
	char bv[48], nv[48], ch[24], p[24];
	static const char *const icon[] = { "unchanged", ":rocket: improved", ":x: **regressed**", "noise" };

	change_text(r->c.change, ch, sizeof(ch));
	p_text(r, p, sizeof(p));
	fprintf(f, "| %s | `%s` | %s | %s | %s | %s | %s (%zu/%zu) | %s",
		r->cur->label, r->metric,
		kan_metric_fmt(r->metric, r->c.base_median, bv, sizeof(bv)),
		kan_metric_fmt(r->metric, r->c.new_median, nv, sizeof(nv)), ch, p,
		method_short(r->c.method), r->nb, r->nn, icon[r->c.verdict]);
	if (r->diff_svg)
		fprintf(f, " ([flame diff](%s))", link_path(r->diff_svg));
	fprintf(f, " |\n");
}

static void print_md(FILE *f, const struct kan__cmpopts *o, const struct kan_run *base,
		     const struct kan_run *cur, struct kan__row *rows, size_t nrows,
		     const struct kan__summary *s, char **only_base, size_t nob, char **only_new,
		     size_t non)
{
	char c1[16], c2[16];
	size_t changed = 0, quiet = 0;

	if (s->regressed)
		fprintf(f, "### :x: kprof compare: %zu regression%s\n\n", s->regressed, s->regressed == 1 ? "" : "s");
	else
		fprintf(f, "### :white_check_mark: kprof compare: no regression\n\n");
	fprintf(f, "Base `%s` → new `%s`. Mann-Whitney U (two-sided, α = %g) and a %g%% threshold on the change of medians; "
		"a row is flagged only when both agree.\n\n",
		short_commit(base->git_commit, c1), short_commit(cur->git_commit, c2), o->alpha,
		o->threshold * 100);
	fprintf(f, "%zu regressed, %zu improved, %zu unchanged, %zu beyond threshold but not significant.\n\n",
		s->regressed, s->improved, s->same, s->noise);
	if (hosts_differ(base, cur))
		fprintf(f, "> **Note:** the runs come from different hosts (`%s` / `%s`); timing differences may be the machines'.\n\n",
			base->host, cur->host);
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].c.verdict != KAN_SAME)
			changed++;
		else
			quiet++;
	if (changed) {
		fprintf(f, "| Benchmark | Metric | Base | New | Change | p | Test (n) | Verdict |\n");
		fprintf(f, "|---|---|---:|---:|---:|---:|---|---|\n");
		for (size_t i = 0; i < nrows; i++)
			if (rows[i].c.verdict != KAN_SAME)
				md_row(f, &rows[i]);
		fprintf(f, "\n");
	}
	if (quiet) {
		fprintf(f, "<details><summary>%zu unchanged</summary>\n\n", quiet);
		fprintf(f, "| Benchmark | Metric | Base | New | Change | p | Test (n) | Verdict |\n");
		fprintf(f, "|---|---|---:|---:|---:|---:|---|---|\n");
		for (size_t i = 0; i < nrows; i++)
			if (rows[i].c.verdict == KAN_SAME)
				md_row(f, &rows[i]);
		fprintf(f, "\n</details>\n\n");
	}
	{
		int any = 0;

		for (size_t i = 0; i < nrows; i++) {
			if (rows[i].c.method != KAN_METHOD_THRESHOLD || rows[i].c.verdict == KAN_SAME)
				continue;
			if (!any)
				fprintf(f, "Notes:\n");
			any = 1;
			fprintf(f, "- %s `%s`: %s.\n", rows[i].cur->label, rows[i].metric, rows[i].c.why);
		}
		if (any)
			fprintf(f, "\n");
	}
	for (size_t i = 0; i < nob; i++)
		fprintf(f, "- only in base: %s\n", only_base[i]);
	for (size_t i = 0; i < non; i++)
		fprintf(f, "- only in new: %s\n", only_new[i]);
}

static void run_json(struct ku_json_writer *w, const char *key, const struct kan_run *r)
{
	ku_json_key(w, key);
	ku_json_object_begin(w);
	ku_json_kv_string(w, "path", r->path);
	ku_json_kv_string(w, "git_commit", r->git_commit);
	ku_json_kv_string(w, "timestamp", r->timestamp);
	ku_json_kv_string(w, "host", r->host);
	ku_json_object_end(w);
}

static int print_json(FILE *f, const struct kan__cmpopts *o, const struct kan_run *base,
		      const struct kan_run *cur, struct kan__row *rows, size_t nrows,
		      const struct kan__summary *s, char **only_base, size_t nob, char **only_new,
		      size_t non)
{
	struct ku_json_writer w;
	int rc;

	ku_json_writer_init(&w, KU_JSON_PRETTY);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-compare/1");
	run_json(&w, "base", base);
	run_json(&w, "new", cur);
	ku_json_kv_bool(&w, "same_host", !hosts_differ(base, cur));
	ku_json_kv_string(&w, "test", "mann-whitney-u-two-sided");
	ku_json_kv_double(&w, "alpha", o->alpha);
	ku_json_kv_double(&w, "threshold", o->threshold);
	ku_json_key(&w, "summary");
	ku_json_object_begin(&w);
	ku_json_kv_uint(&w, "regressed", s->regressed);
	ku_json_kv_uint(&w, "improved", s->improved);
	ku_json_kv_uint(&w, "same", s->same);
	ku_json_kv_uint(&w, "noise", s->noise);
	ku_json_object_end(&w);
	ku_json_key(&w, "comparisons");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < nrows; i++) {
		const struct kan__row *r = &rows[i];

		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "benchmark", r->cur->label);
		ku_json_kv_string(&w, "key", r->cur->key);
		ku_json_kv_string(&w, "metric", r->metric);
		ku_json_kv_string(&w, "better", kan_stats_direction(r->metric) == KAN_DIR_BIGGER ? "bigger" : "smaller");
		ku_json_kv_double(&w, "base_median", r->c.base_median);
		ku_json_kv_double(&w, "new_median", r->c.new_median);
		ku_json_kv_double(&w, "change", r->c.change);
		ku_json_kv_uint(&w, "n_base", r->nb);
		ku_json_kv_uint(&w, "n_new", r->nn);
		ku_json_kv_string(&w, "method", kan_stats_method_name(r->c.method));
		ku_json_kv_string(&w, "why", r->c.why);
		if (r->c.method == KAN_METHOD_THRESHOLD) {
			ku_json_key(&w, "u");
			ku_json_null(&w);
			ku_json_key(&w, "p");
			ku_json_null(&w);
		} else {
			ku_json_kv_double(&w, "u", r->c.u);
			ku_json_kv_double(&w, "p", r->c.p);
		}
		ku_json_kv_string(&w, "verdict", kan_stats_verdict_name(r->c.verdict));
		if (r->diff_svg)
			ku_json_kv_string(&w, "flame_diff", r->diff_svg);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_key(&w, "only_in_base");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < nob; i++)
		ku_json_string(&w, only_base[i]);
	ku_json_array_end(&w);
	ku_json_key(&w, "only_in_new");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < non; i++)
		ku_json_string(&w, only_new[i]);
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	rc = ku_json_writer_print(&w, f);
	ku_json_writer_free(&w);
	return rc;
}

/* ---- CI formats: SARIF, JUnit XML, GitHub workflow commands ------------- */

static const struct kan_sarif_rule regression_rule = {
	"kprof/regression", "BenchmarkRegression", "Benchmark metric regressed",
	"A benchmark metric got worse between the base and the new run: the Mann-Whitney U test on the "
	"repetitions is significant at alpha and the change of medians exceeds the threshold (or, with too few "
	"repetitions for the test, the change exceeds the threshold alone). Direction-aware: throughput down, "
	"latency or memory up.",
	"Look at the differential flame graph of the case (red grew, blue shrank), and at doc/regressions.md "
	"for the investigation playbook. A change that is meant is accepted by updating the baseline.",
	"error"
};

/* "pub/memory size=100 batch=1 clients=1: throughput_msgs_per_sec regressed
 * by -8.7% (1M msg/s -> 914k msg/s; exact U, p=<0.0001, n=10/10: why)" */
static void row_text(FILE *f, const struct kan__row *r)
{
	static const char *const verb[] = { "unchanged,", "improved by", "regressed by", "changed by" };
	char bv[48], nv[48], ch[24], p[24];

	change_text(r->c.change, ch, sizeof(ch));
	p_text(r, p, sizeof(p));
	fprintf(f, "%s: %s %s %s%s (%s -> %s; %s, p=%s, n=%zu/%zu: %s)", r->cur->label, r->metric, verb[r->c.verdict],
		ch, r->c.verdict == KAN_NOISE ? ", not significant" : "",
		kan_metric_fmt(r->metric, r->c.base_median, bv, sizeof(bv)),
		kan_metric_fmt(r->metric, r->c.new_median, nv, sizeof(nv)), method_short(r->c.method), p, r->nb,
		r->nn, r->c.why);
}

static char *row_string(const struct kan__row *r, const char *more)
{
	char *s = NULL;
	size_t n;
	FILE *m = open_memstream(&s, &n);

	if (!m)
		return NULL;
	row_text(m, r);
	if (r->diff_svg)
		fprintf(m, "; differential flame graph: %s", link_path(r->diff_svg));
	if (more)
		fputs(more, m);
	return fclose(m) ? NULL : s;
}

static int print_sarif(FILE *f, const struct kan__cmpopts *o, const struct kan_run *base,
		       const struct kan_run *cur, struct kan__row *rows, size_t nrows,
		       const struct kan__summary *s)
{
	struct ku_json_writer w;
	char *abs = realpath(cur->path, NULL), rb[KAN_PATH_BUF];
	const char *where = cur->suite_file && kan_srcroots_rel(o->roots, cur->suite_file, rb) ? cur->suite_file
											   : abs ? abs : cur->path;
	int rc;

	ku_json_writer_init(&w, KU_JSON_PRETTY);
	kan_sarif_begin(&w, &regression_rule, 1, o->roots);
	for (size_t i = 0; i < nrows; i++) {
		const struct kan__row *r = &rows[i];
		char *msg, fp[20];

		if (r->c.verdict != KAN_REGRESSED)
			continue;
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "ruleId", regression_rule.id);
		ku_json_kv_int(&w, "ruleIndex", 0);
		ku_json_kv_string(&w, "level", "error");
		msg = row_string(r, ".");
		kan_sarif_message(&w, "message", msg ? msg : r->metric);
		free(msg);
		/* A regression has no source line: the location is the suite file
		   (when it is in the repository) or the new results file, and the
		   benchmark and metric its logical location. */
		ku_json_key(&w, "locations");
		ku_json_array_begin(&w);
		ku_json_object_begin(&w);
		kan_sarif_physical(&w, o->roots, where, 0);
		ku_json_key(&w, "logicalLocations");
		ku_json_array_begin(&w);
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "name", r->metric);
		ku_json_kv_string(&w, "fullyQualifiedName", r->cur->label);
		ku_json_kv_string(&w, "kind", "member");
		ku_json_object_end(&w);
		ku_json_array_end(&w);
		ku_json_object_end(&w);
		ku_json_array_end(&w);
		snprintf(fp, sizeof(fp), "%016llx",
			 (unsigned long long)kan_fnv1a(kan_fnv1a(KAN_FNV1A_INIT, r->cur->key), r->metric));
		ku_json_key(&w, "partialFingerprints");
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "kprofBenchmarkMetric/v1", fp);
		ku_json_object_end(&w);
		if (r->diff_svg) {
			char *uri = kan_uri(link_path(r->diff_svg));

			ku_json_key(&w, "attachments");
			ku_json_array_begin(&w);
			ku_json_object_begin(&w);
			kan_sarif_message(&w, "description", "differential flame graph (red grew, blue shrank)");
			ku_json_key(&w, "artifactLocation");
			ku_json_object_begin(&w);
			ku_json_kv_string(&w, "uri", uri ? uri : "");
			ku_json_object_end(&w);
			ku_json_object_end(&w);
			ku_json_array_end(&w);
			free(uri);
		}
		ku_json_key(&w, "properties");
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "benchmark", r->cur->label);
		ku_json_kv_string(&w, "key", r->cur->key);
		ku_json_kv_string(&w, "metric", r->metric);
		ku_json_kv_double(&w, "base_median", r->c.base_median);
		ku_json_kv_double(&w, "new_median", r->c.new_median);
		ku_json_kv_double(&w, "change", r->c.change);
		ku_json_kv_string(&w, "method", kan_stats_method_name(r->c.method));
		if (r->c.method == KAN_METHOD_THRESHOLD) {
			ku_json_key(&w, "p");
			ku_json_null(&w);
		} else {
			ku_json_kv_double(&w, "p", r->c.p);
		}
		ku_json_kv_uint(&w, "n_base", r->nb);
		ku_json_kv_uint(&w, "n_new", r->nn);
		if (r->diff_svg)
			ku_json_kv_string(&w, "flame_diff", link_path(r->diff_svg));
		ku_json_object_end(&w);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w); /* results */
	ku_json_key(&w, "invocations");
	ku_json_array_begin(&w);
	ku_json_object_begin(&w);
	ku_json_kv_bool(&w, "executionSuccessful", true);
	ku_json_object_end(&w);
	ku_json_array_end(&w);
	ku_json_key(&w, "properties");
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "base", base->path);
	ku_json_kv_string(&w, "new", cur->path);
	ku_json_kv_string(&w, "test", "mann-whitney-u-two-sided");
	ku_json_kv_double(&w, "alpha", o->alpha);
	ku_json_kv_double(&w, "threshold", o->threshold);
	ku_json_kv_uint(&w, "regressed", s->regressed);
	ku_json_kv_uint(&w, "improved", s->improved);
	ku_json_kv_uint(&w, "same", s->same);
	ku_json_kv_uint(&w, "noise", s->noise);
	ku_json_object_end(&w);
	ku_json_object_end(&w); /* run */
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	rc = ku_json_writer_print(&w, f);
	ku_json_writer_free(&w);
	free(abs);
	return rc;
}

static void junit_skipped(FILE *f, const char *label, const char *why)
{
	fputs("  <testsuite name=\"", f);
	kan_xml_attr(f, label);
	fputs("\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"0\">\n    <testcase classname=\"", f);
	kan_xml_attr(f, label);
	fprintf(f, "\" name=\"compared\" time=\"0\">\n      <skipped message=\"%s\"/>\n    </testcase>\n  </testsuite>\n",
		why);
}

/* A test suite per benchmark, a test case per metric (a regression is a
 * failure); benchmarks on one side only are skipped test cases. */
static void print_junit(FILE *f, struct kan__row *rows, size_t nrows, const struct kan__summary *s,
			char **only_base, size_t nob, char **only_new, size_t non)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"kprof compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
		nrows + nob + non, s->regressed, nob + non);
	for (size_t i = 0; i < nrows;) {
		size_t j = i, fails = 0;

		while (j < nrows && rows[j].cur == rows[i].cur)
			fails += rows[j++].c.verdict == KAN_REGRESSED;
		fputs("  <testsuite name=\"", f);
		kan_xml_attr(f, rows[i].cur->label);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"0\">\n", j - i, fails);
		for (size_t k = i; k < j; k++) {
			const struct kan__row *r = &rows[k];
			char *text = row_string(r, NULL);

			fputs("    <testcase classname=\"", f);
			kan_xml_attr(f, r->cur->label);
			fputs("\" name=\"", f);
			kan_xml_attr(f, r->metric);
			fputs("\" time=\"0\">\n", f);
			if (r->c.verdict == KAN_REGRESSED) {
				fputs("      <failure type=\"regression\" message=\"", f);
				kan_xml_attr(f, text);
				fputs("\">", f);
				kan_xml_text(f, text);
				fputs("</failure>\n", f);
			} else {
				fputs("      <system-out>", f);
				kan_xml_text(f, text);
				fputs("</system-out>\n", f);
			}
			fputs("    </testcase>\n", f);
			free(text);
		}
		fputs("  </testsuite>\n", f);
		i = j;
	}
	for (size_t i = 0; i < nob; i++)
		junit_skipped(f, only_base[i], "only in the base run");
	for (size_t i = 0; i < non; i++)
		junit_skipped(f, only_new[i], "only in the new run: nothing to compare with");
	fputs("</testsuites>\n", f);
}

/* One ::error annotation per regression (no file: a benchmark has no
 * source line), titled with the benchmark and metric. */
static void print_github(FILE *f, struct kan__row *rows, size_t nrows)
{
	for (size_t i = 0; i < nrows; i++) {
		char *title = NULL, *msg;
		size_t n;
		FILE *m;

		if (rows[i].c.verdict != KAN_REGRESSED)
			continue;
		if ((m = open_memstream(&title, &n))) {
			fprintf(m, "Regression: %s %s", rows[i].cur->label, rows[i].metric);
			if (fclose(m))
				title = NULL;
		}
		msg = row_string(&rows[i], NULL);
		kan_gh_command(f, "error", NULL, 0, title, msg ? msg : rows[i].metric);
		free(title);
		free(msg);
	}
}

static int usage(void)
{
	return kan_die("usage: kprof compare BASE.json|--baseline-from DB [--branch B] [--host H] NEW.json "
		       "[--threshold 5%%] [--alpha 0.05] [--format text|markdown|json|sarif|junit|github] "
		       "[--source-root DIR] [--metrics all|M1,M2] "
		       "[--diff-dir DIR] [-o FILE]");
}

int kan_cmd_compare(int argc, char **argv)
{
	struct kan__cmpopts o = { .threshold = 0.05, .alpha = 0.05, .format = "text" };
	const char *pos[2] = { 0 }, *from = NULL; /* --baseline-from: the base is a history's run */
	struct kan_hfilter hf = { 0 };
	size_t npos = 0, nrows = 0, nob = 0, non = 0;
	struct kan_run *base = NULL, *cur = NULL;
	struct kan__row *rows = NULL;
	struct kan__summary s = { 0 };
	char **only_base = NULL, **only_new = NULL, err[512], *mlist = NULL, *mdup = NULL, *mdbase = NULL;
	FILE *out = stdout;
	int rc = 2;
	struct kan_srcroots roots = { 0 };

	o.roots = &roots;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "--threshold") || !strcmp(a, "-t")) && i + 1 < argc) {
			if (kan_parse_fraction(argv[++i], &o.threshold))
				return kan_die("compare: bad --threshold '%s' (want e.g. 5%% or 0.05)", argv[i]);
		} else if (!strcmp(a, "--alpha") && i + 1 < argc) {
			if (kan_opt_double("compare", "--alpha", argv[++i], 0, 1, 1, &o.alpha))
				return 2;
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			o.format = argv[++i];
			if (!strcmp(o.format, "md"))
				o.format = "markdown";
			if (strcmp(o.format, "text") && strcmp(o.format, "markdown") && strcmp(o.format, "json") &&
			    !kan_ci_format(o.format))
				return kan_die("compare: unknown --format '%s' (text, markdown, json, sarif, junit or github)",
					       o.format);
		} else if (!strcmp(a, "--source-root") && i + 1 < argc) {
			i++; /* added below, once the command line is known to be good */
		} else if (!strcmp(a, "--metrics") && i + 1 < argc) {
			mlist = argv[++i];
		} else if (!strcmp(a, "--diff-dir") && i + 1 < argc) {
			o.diff_dir = argv[++i];
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			o.out = argv[++i];
		} else if (!strcmp(a, "--baseline-from") && i + 1 < argc) {
			from = argv[++i];
		} else if (!strcmp(a, "--branch") && i + 1 < argc) {
			hf.branch = argv[++i];
		} else if (!strcmp(a, "--host") && i + 1 < argc) {
			hf.host = argv[++i];
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: kprof compare BASE.json NEW.json [--threshold 5%%] [--alpha 0.05]\n"
			       "       kprof compare --baseline-from DB [--branch B] [--host H] NEW.json [options]\n"
			       "       [--format text|markdown|json|sarif|junit|github] [--source-root DIR]...\n"
			       "       [--metrics all|M1,M2] [--diff-dir DIR] [-o FILE]\n"
			       "exit status: 0 no regression, 1 significant regression beyond threshold, 2 error\n");
			return 0;
		} else if (a[0] == '-' && a[1]) {
			return usage();
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			return usage();
		}
	}
	if (from && npos == 1) {
		/* the newest run of the history (on --branch, from --host) */
		pos[1] = pos[0];
		pos[0] = from;
	} else if (npos != 2 || from || hf.branch || hf.host) {
		return usage();
	}
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--source-root") && kan_srcroots_add(&roots, argv[++i]))
			goto done;
	if (kan_ci_format(o.format) && kan_srcroots_default(&roots))
		goto done;
	if (mlist) {
		if (!strcmp(mlist, "all")) {
			o.all = 1;
		} else {
			char *save = NULL;

			mdup = strdup(mlist);
			for (char *t = strtok_r(mdup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				char **m = realloc(o.metrics, (o.nmetrics + 1) * sizeof(*m));

				if (!m)
					break;
				o.metrics = m;
				o.metrics[o.nmetrics++] = t;
			}
		}
	}
	if (!from && kan_run_load(pos[0], &base, err, sizeof(err))) {
		kan_die("compare: %s", err);
		goto done;
	}
	if (kan_run_load(pos[1], &cur, err, sizeof(err))) {
		kan_die("compare: %s", err);
		goto done;
	}
	if (from && kan_hist_baseline(from, &hf, cur, &base))
		goto done;
	for (size_t i = 0; i < base->nb; i++) {
		if (!kan_run_find(cur, base->b[i].key)) {
			only_base = realloc(only_base, (nob + 1) * sizeof(*only_base));
			only_base[nob++] = base->b[i].label;
		}
	}
	for (size_t i = 0; i < cur->nb; i++) {
		const struct kan_bench *nb = &cur->b[i], *bb = kan_run_find(base, nb->key);

		if (!bb) {
			only_new = realloc(only_new, (non + 1) * sizeof(*only_new));
			only_new[non++] = nb->label;
			continue;
		}
		for (size_t j = 0; j < nb->nm; j++) {
			const struct kan_metric *mn = &nb->m[j], *mb = kan_bench_metric(bb, mn->name);
			struct kan__row *r;

			if (!mb || !mb->nreps || !mn->nreps || !want_metric(&o, mn->name))
				continue;
			rows = realloc(rows, (nrows + 1) * sizeof(*rows));
			if (!rows) {
				kan_die("compare: out of memory");
				goto done;
			}
			r = &rows[nrows++];
			memset(r, 0, sizeof(*r));
			r->base = bb;
			r->cur = nb;
			r->metric = mn->name;
			r->nb = mb->nreps;
			r->nn = mn->nreps;
			kan_stats_compare(mb->reps, mb->nreps, mn->reps, mn->nreps, kan_stats_direction(mn->name),
					  o.threshold, o.alpha, &r->c);
			switch (r->c.verdict) {
			case KAN_SAME: s.same++; break;
			case KAN_IMPROVED: s.improved++; break;
			case KAN_REGRESSED: s.regressed++; break;
			case KAN_NOISE: s.noise++; break;
			}
		}
	}
	if (!nrows && !base->nb)
		fprintf(stderr, "kprof: compare: warning: %s has no benchmarks\n", base->path);
	else if (!nrows)
		fprintf(stderr, "kprof: compare: warning: no benchmark in common between %s and %s\n", base->path, pos[1]);

	/* Differential flame graphs of regressed cases (markdown and the CI
	 * formats, which link them, or asked for). */
	if (!strcmp(o.format, "markdown") || kan_ci_format(o.format) || o.diff_dir) {
		char *dd = NULL;

		if (o.diff_dir)
			dd = strdup(o.diff_dir);
		else if (asprintf(&dd, "%s/compare", cur->dir) < 0)
			dd = NULL;
		for (size_t i = 0; dd && i < nrows; i++) {
			struct kan__row *r = &rows[i];
			char *a, *b, slug[200], *svg = NULL;
			int done_before = 0;

			if (r->c.verdict != KAN_REGRESSED)
				continue;
			for (size_t k = 0; k < i; k++)
				if (rows[k].cur == r->cur && rows[k].diff_svg) {
					r->diff_svg = strdup(rows[k].diff_svg);
					done_before = 1;
				}
			if (done_before)
				continue;
			a = artifact(base, r->base->cpu_profile);
			b = artifact(cur, r->cur->cpu_profile);
			if (a && b) {
				slugify(r->cur->label, slug, sizeof(slug));
				mkdir(dd, 0777);
				if (asprintf(&svg, "%s/%s.diff.svg", dd, slug) >= 0 && !flame_diff(a, b, svg))
					r->diff_svg = svg;
				else {
					fprintf(stderr, "kprof: compare: could not draw the differential flame graph %s\n",
						svg ? svg : slug);
					free(svg);
				}
			}
			free(a);
			free(b);
		}
		free(dd);
	}

	if (o.out) {
		char *slash;

		mdbase = strdup(o.out);
		slash = mdbase ? strrchr(mdbase, '/') : NULL;
		if (slash)
			*slash = 0;
		else if (mdbase)
			mdbase[0] = 0; /* the current directory: relative paths stay */
		md_base = mdbase;
	}
	if (o.out && !(out = fopen(o.out, "w"))) {
		out = stdout;
		kan_die("compare: %s: %s", o.out, strerror(errno));
		goto done;
	}
	if (!strcmp(o.format, "json")) {
		if (print_json(out, &o, base, cur, rows, nrows, &s, only_base, nob, only_new, non)) {
			kan_die("compare: JSON output failed");
			goto done;
		}
	} else if (!strcmp(o.format, "markdown")) {
		print_md(out, &o, base, cur, rows, nrows, &s, only_base, nob, only_new, non);
	} else if (!strcmp(o.format, "sarif")) {
		if (print_sarif(out, &o, base, cur, rows, nrows, &s)) {
			kan_die("compare: SARIF output failed");
			goto done;
		}
	} else if (!strcmp(o.format, "junit")) {
		print_junit(out, rows, nrows, &s, only_base, nob, only_new, non);
	} else if (!strcmp(o.format, "github")) {
		print_github(out, rows, nrows);
	} else {
		print_text(out, &o, base, cur, rows, nrows, &s, only_base, nob, only_new, non);
	}
	if (out != stdout && fclose(out)) {
		out = stdout;
		kan_die("compare: %s: write failed", o.out);
		goto done;
	}
	out = stdout;
	rc = s.regressed ? 1 : 0;
done:
	if (out != stdout)
		fclose(out);
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].diff_svg);
	free(rows);
	free(only_base);
	free(only_new);
	free(o.metrics);
	free(mdup);
	free(mdbase);
	md_base = NULL;
	kan_run_free(base);
	kan_run_free(cur);
	kan_srcroots_free(&roots);
	return rc;
}
