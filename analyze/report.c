/* SPDX-License-Identifier: MIT */
/*
 * report: `kprof report RESULTS_DIR [-o report.html]`, one self-contained
 * page for a kbench run: what ran where, a table of every case with its
 * throughput, latency percentiles, CPU and memory per message, links to
 * its flame graph, profiles and leak report, and the charts (throughput
 * and p99 per case, backend comparison, feature impact, memory per
 * message). The charts are shared with the history dashboard.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kprof.h"
#include "results.h"

#define KAN_REPORT_MAX_BARS 60

static const char *const features[] = { "correlation_id", "metadata", "ack", "nack_rate", "rate", NULL };

static double mval(const struct kan_bench *b, const char *name)
{
	const struct kan_metric *m = kan_bench_metric(b, name);

	return m ? m->value : NAN;
}

/* Config text without its feature tokens (the "shape" of a case), and
 * whether any feature was on. */
static int shape_of(const char *config, char *out, size_t len)
{
	char *dup = strdup(config ? config : ""), *save = NULL;
	size_t o = 0;
	int feat = 0;

	out[0] = 0;
	for (char *t = dup ? strtok_r(dup, " ", &save) : NULL; t; t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '=');
		int is_feat = 0;

		if (eq) {
			*eq = 0;
			for (size_t i = 0; features[i]; i++)
				if (!strcmp(t, features[i]))
					is_feat = 1;
			if (is_feat && (strcmp(eq + 1, "0") && strcmp(eq + 1, "false") && strcmp(eq + 1, "null") &&
					strcmp(eq + 1, "")))
				feat = 1;
			*eq = '=';
		}
		if (!is_feat)
			o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s%s", o ? " " : "", t);
	}
	free(dup);
	return feat;
}

static void bars_metric(FILE *f, const struct kan_run *r, const char *title, const char *metric)
{
	const char **labels = calloc(r->nb + 1, sizeof(*labels));
	double *v = calloc(r->nb + 1, sizeof(*v));
	size_t n = 0;

	if (!labels || !v)
		goto out;
	for (size_t i = 0; i < r->nb && n < KAN_REPORT_MAX_BARS; i++) {
		double x = mval(&r->b[i], metric);

		if (!isfinite(x))
			continue;
		labels[n] = r->b[i].label;
		v[n++] = x;
	}
	if (n)
		kan_svg_bars(f, title, metric, NULL, labels, v, n);
out:
	free(labels);
	free(v);
}

static void backend_chart(FILE *f, const struct kan_run *r)
{
	/* geometric mean of throughput over all cases of one name+backend */
	char **labels = calloc(r->nb + 1, sizeof(*labels));
	double *logsum = calloc(r->nb + 1, sizeof(*logsum));
	size_t *cnt = calloc(r->nb + 1, sizeof(*cnt)), n = 0;
	char (*keys)[160] = calloc(r->nb + 1, sizeof(*keys));

	if (!labels || !logsum || !cnt || !keys)
		goto out;
	for (size_t i = 0; i < r->nb; i++) {
		double x = mval(&r->b[i], "throughput_msgs_per_sec");
		char key[160];
		size_t j;

		if (!(x > 0))
			continue;
		snprintf(key, sizeof(key), "%s/%s", r->b[i].name, r->b[i].backend);
		for (j = 0; j < n; j++)
			if (!strcmp(keys[j], key))
				break;
		if (j == n)
			snprintf(keys[n++], sizeof(keys[0]), "%s", key);
		logsum[j] += log(x);
		cnt[j]++;
	}
	for (size_t j = 0; j < n; j++) {
		if (asprintf(&labels[j], "%s (%zu case%s)", keys[j], cnt[j], cnt[j] == 1 ? "" : "s") < 0)
			labels[j] = NULL;
		logsum[j] = exp(logsum[j] / (double)cnt[j]);
	}
	if (n)
		kan_svg_bars(f, "Backend comparison: throughput, geometric mean over cases", "throughput_msgs_per_sec", NULL,
			     (const char *const *)labels, logsum, n);
out:
	for (size_t j = 0; labels && j < n; j++)
		free(labels[j]);
	free(labels);
	free(logsum);
	free(cnt);
	free(keys);
}

static void feature_chart(FILE *f, const struct kan_run *r)
{
	const char **labels = calloc(r->nb + 1, sizeof(*labels));
	double *v = calloc(r->nb + 1, sizeof(*v));
	size_t n = 0;

	if (!labels || !v)
		goto out;
	for (size_t i = 0; i < r->nb && n < KAN_REPORT_MAX_BARS; i++) {
		const struct kan_bench *b = &r->b[i];
		char shape[512], other[512];
		double x = mval(b, "throughput_msgs_per_sec");

		if (!shape_of(b->config, shape, sizeof(shape)) || !isfinite(x))
			continue;
		for (size_t j = 0; j < r->nb; j++) {
			const struct kan_bench *c = &r->b[j];
			double y = mval(c, "throughput_msgs_per_sec");

			if (c == b || strcmp(c->name, b->name) || strcmp(c->backend, b->backend) || !(y > 0))
				continue;
			if (shape_of(c->config, other, sizeof(other)) || strcmp(shape, other))
				continue;
			labels[n] = b->label;
			v[n++] = (x - y) / y * 100;
			break;
		}
	}
	if (n)
		kan_svg_bars(f, "Feature impact: throughput change vs the same case without the feature", NULL, "%", labels, v, n);
	else
		fprintf(f, "<p class=\"note\">No feature variants (ack, correlation id, metadata, ...) next to a plain case in this run.</p>\n");
out:
	free(labels);
	free(v);
}

void kan_report_charts(FILE *f, const struct kan_run *r)
{
	size_t nbytes = 0;

	fprintf(f, "<h2 id=\"charts\">Throughput and latency</h2>\n<div class=\"charts\">\n");
	bars_metric(f, r, "Throughput per case", "throughput_msgs_per_sec");
	bars_metric(f, r, "p99 latency per case", "latency_p99_ns");
	fprintf(f, "</div>\n<h2>Backends and features</h2>\n<div class=\"charts\">\n");
	backend_chart(f, r);
	feature_chart(f, r);
	fprintf(f, "</div>\n<h2>Memory per message</h2>\n<div class=\"charts\">\n");
	for (size_t i = 0; i < r->nb; i++)
		if (isfinite(mval(&r->b[i], "bytes_per_msg")) || isfinite(mval(&r->b[i], "allocs_per_msg")))
			nbytes++;
	if (nbytes) {
		bars_metric(f, r, "Bytes allocated per message", "bytes_per_msg");
		bars_metric(f, r, "Allocations per message", "allocs_per_msg");
	} else {
		fprintf(f, "<p class=\"note\">No per-message memory figures (the cases did not run under libkalloc).</p>\n");
	}
	fprintf(f, "</div>\n");
}

static void html_link(FILE *f, const char *prefix, const char *rel, const char *text)
{
	if (!rel)
		return;
	fprintf(f, "<a href=\"");
	if (prefix && rel[0] != '/') {
		kan_html_escape(f, prefix);
		fputc('/', f);
	}
	kan_html_escape(f, rel);
	fprintf(f, "\">%s</a> ", text);
}

/* Each case's memory timeline (kprof timeline, drawn by kbench), shown. */
static void report_timelines(FILE *f, const struct kan_run *r, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < r->nb; i++)
		n += r->b[i].mem_timeline != NULL;
	if (!n)
		return;
	fprintf(f, "<h2 id=\"memory\">Memory timelines</h2>\n<p>Live heap bytes and RSS over time and over messages "
		   "under libkalloc.so, the peak marked (<code>kprof timeline</code>).</p>\n");
	for (i = 0; i < r->nb; i++) {
		const struct kan_bench *b = &r->b[i];

		if (!b->mem_timeline)
			continue;
		fprintf(f, "<figure><img alt=\"memory timeline\" style=\"max-width:100%%\" src=\"");
		if (prefix && b->mem_timeline[0] != '/') {
			kan_html_escape(f, prefix);
			fputc('/', f);
		}
		kan_html_escape(f, b->mem_timeline);
		fprintf(f, "\"><figcaption>");
		kan_html_escape(f, b->label);
		fprintf(f, " ");
		html_link(f, prefix, b->flame, "(flame graph)");
		fprintf(f, "</figcaption></figure>\n");
	}
}

static int same_dir(const char *a, const char *b)
{
	struct stat x, y;

	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int kan_cmd_report(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	char *file = NULL, *outpath = NULL, *tmp = NULL, err[512], *outdir = NULL, *prefix = NULL;
	struct kan_run *r = NULL;
	struct stat st;
	FILE *f = NULL;
	int rc = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: kprof report RESULTS_DIR|results.json [-o report.html]\n");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1])
			return kan_die("usage: kprof report RESULTS_DIR|results.json [-o report.html]");
		else if (!in)
			in = argv[i];
		else
			return kan_die("usage: kprof report RESULTS_DIR|results.json [-o report.html]");
	}
	if (!in)
		return kan_die("usage: kprof report RESULTS_DIR|results.json [-o report.html]");
	if (stat(in, &st))
		return kan_die("report: %s: %s", in, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (asprintf(&file, "%s/results.json", in) < 0)
			return kan_die("report: out of memory");
	} else {
		file = strdup(in);
	}
	if (kan_run_load(file, &r, err, sizeof(err))) {
		kan_die("report: %s", err);
		goto done;
	}
	if (out)
		outpath = strdup(out);
	else if (asprintf(&outpath, "%s/report.html", r->dir) < 0)
		outpath = NULL;
	{
		char *d = strdup(outpath), *slash = strrchr(d, '/');

		if (slash)
			*slash = 0;
		outdir = slash ? d : (free(d), strdup("."));
	}
	/* links are relative to the results directory; from elsewhere, absolute */
	if (!same_dir(outdir, r->dir))
		prefix = realpath(r->dir, NULL);
	if (asprintf(&tmp, "%s.tmp.%ld", outpath, (long)getpid()) < 0 || !(f = fopen(tmp, "w"))) {
		kan_die("report: %s: %s", outpath, strerror(errno));
		goto done;
	}
	kan_html_head(f, "kprof benchmark report");
	fprintf(f, "<header><h1>kprof benchmark report");
	if (r->suite) {
		fprintf(f, ": suite ");
		kan_html_escape(f, r->suite);
	}
	fprintf(f, "</h1><p>");
	kan_html_escape(f, r->timestamp ? r->timestamp : "unknown time");
	fprintf(f, " · commit <code>");
	kan_html_escape(f, r->git_commit ? r->git_commit : "unknown");
	fprintf(f, "</code> · ");
	kan_html_escape(f, r->host ? r->host : "unknown host");
	if (r->compiler) {
		fprintf(f, " · ");
		kan_html_escape(f, r->compiler);
	}
	fprintf(f, " · %zu case%s</p></header>\n<main>\n", r->nb, r->nb == 1 ? "" : "s");
	if (r->nnotes) {
		fprintf(f, "<h2>Notes</h2>\n<ul>\n");
		for (size_t i = 0; i < r->nnotes; i++) {
			fprintf(f, "<li class=\"note\">");
			kan_html_escape(f, r->notes[i]);
			fprintf(f, "</li>\n");
		}
		fprintf(f, "</ul>\n");
	}
	fprintf(f, "<h2 id=\"cases\">Cases</h2>\n<table>\n<tr><th>Case</th><th>Throughput</th><th>p50</th><th>p99</th>"
		   "<th>p99.9</th><th>CPU</th><th>Allocs/msg</th><th>Bytes/msg</th><th>Temporary allocs/msg</th>"
		   "<th>Leaked</th><th>Reps</th>"
		   "<th>Artifacts</th></tr>\n");
	for (size_t i = 0; i < r->nb; i++) {
		const struct kan_bench *b = &r->b[i];
		static const char *const cols[] = { "throughput_msgs_per_sec", "latency_p50_ns", "latency_p99_ns",
						    "latency_p999_ns", "cpu_usage_percent", "allocs_per_msg",
						    "bytes_per_msg", "temp_allocs_per_msg" };
		const struct kan_metric *tm = kan_bench_metric(b, "throughput_msgs_per_sec");
		char buf[64];

		fprintf(f, "<tr><td>");
		kan_html_escape(f, b->label);
		fprintf(f, "</td>");
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			double v = mval(b, cols[c]);

			if (!strcmp(cols[c], "allocs_per_msg") || !strcmp(cols[c], "temp_allocs_per_msg"))
				snprintf(buf, sizeof(buf), isfinite(v) ? "%.2f" : "-", v);
			else
				kan_metric_fmt(cols[c], v, buf, sizeof(buf));
			fprintf(f, "<td class=\"num\">");
			kan_html_escape(f, buf);
			fprintf(f, "</td>");
		}
		if (isnan(b->leak_bytes))
			fprintf(f, "<td class=\"num\">-</td>");
		else
			fprintf(f, "<td class=\"num%s\">%.0f B</td>", b->leak_bytes > 0 ? " reg" : "", b->leak_bytes);
		fprintf(f, "<td class=\"num\">%zu</td><td>", tm ? tm->nreps : 0);
		html_link(f, prefix, b->flame, "flame graph");
		html_link(f, prefix, b->mem_timeline, "memory timeline");
		html_link(f, prefix, b->cpu_profile, "cpu.pb.gz");
		html_link(f, prefix, b->heap_profile, "heap.pb.gz");
		html_link(f, prefix, b->leaks, "leaks");
		html_link(f, prefix, b->stats, "stats");
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
	report_timelines(f, r, prefix);
	kan_report_charts(f, r);
	fprintf(f, "<h2>Reproduce</h2>\n<p>Compare with another run: <code>kprof compare BASE/results.json ");
	kan_html_escape(f, file);
	fprintf(f, "</code>; keep it in a history: <code>kprof history add history.db ");
	kan_html_escape(f, file);
	fprintf(f, "</code>.</p>\n</main>\n");
	kan_html_tail(f);
	if (fclose(f)) {
		f = NULL;
		kan_die("report: %s: write failed", outpath);
		goto done;
	}
	f = NULL;
	if (rename(tmp, outpath)) {
		kan_die("report: %s: %s", outpath, strerror(errno));
		goto done;
	}
	fprintf(stderr, "kprof: report: wrote %s\n", outpath);
	rc = 0;
done:
	if (f) {
		fclose(f);
		unlink(tmp);
	}
	free(tmp);
	free(file);
	free(outpath);
	free(outdir);
	free(prefix);
	kan_run_free(r);
	return rc;
}
