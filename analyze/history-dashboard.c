/* SPDX-License-Identifier: MIT */
/*
 * history-dashboard: `kprof history dashboard`, one self-contained HTML
 * file (inline SVG, no script, no network) drawn from a history store:
 * regressions first, then throughput, p99 and memory trends per
 * benchmark with regression markers, and the report charts of the newest
 * run. Reads through the store interface (history.h) only, so it looks
 * the same whichever backend holds the runs.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "kprof.h"
#include "ku.h"

int kan_hist_dashboard(struct kan_hstore *st, const struct kan_hdash *o)
{
	static const char *const trend_metrics[] = { "throughput_msgs_per_sec", "latency_p99_ns", "bytes_per_msg" };
	static const char *const trend_titles[] = { "Throughput trends", "p99 latency trends",
						    "Memory per message trends (bytes allocated per message)" };
	struct kan_hrun *runs = NULL;
	size_t nruns = 0;
	struct kan_run *latest = NULL;
	FILE *f;
	char *tmp = NULL;
	size_t max_charts = 40;

	if (!o->out)
		return kan_die("history: dashboard needs -o FILE.html");
	if (st->ops->runs(st, o->f, o->last, &runs, &nruns))
		return kan_die("history: %s: %s", o->db, st->err);
	if (nruns && kan_hist_load_run(st, &runs[nruns - 1], NULL, &latest)) {
		kan_hist_runs_free(runs, nruns);
		return kan_die("history: %s: cannot read the latest run: %s", o->db, st->err);
	}
	if (asprintf(&tmp, "%s.tmp.%ld", o->out, (long)getpid()) < 0 || !(f = fopen(tmp, "w"))) {
		kan_hist_runs_free(runs, nruns);
		kan_run_free(latest);
		free(tmp);
		return kan_die("history: %s: %s", o->out, strerror(errno));
	}
	kan_html_head(f, "kprof benchmark dashboard");
	fprintf(f, "<header><h1>kprof benchmark dashboard</h1><p>");
	kan_html_escape(f, o->db);
	if (o->f && o->f->branch) {
		fprintf(f, " · branch ");
		kan_html_escape(f, o->f->branch);
	}
	if (o->f && o->f->host) {
		fprintf(f, " · host ");
		kan_html_escape(f, o->f->host);
	}
	fprintf(f, " · %zu run%s shown", nruns, nruns == 1 ? "" : "s");
	if (nruns) {
		fprintf(f, " · from ");
		kan_html_escape(f, runs[0].timestamp ? runs[0].timestamp : "?");
		fprintf(f, " to ");
		kan_html_escape(f, runs[nruns - 1].timestamp ? runs[nruns - 1].timestamp : "?");
		fprintf(f, " · latest commit <code>");
		kan_html_escape(f, runs[nruns - 1].commit ? runs[nruns - 1].commit : "unknown");
		fprintf(f, "</code>");
	}
	fprintf(f, "</p></header>\n<main>\n");
	if (!nruns)
		fprintf(f, "<p>No runs yet: add one with <code>kprof history add DB results.json</code>.</p>\n");

	/* Regression markers first: they are why one opens this page. */
	fprintf(f, "<h2 id=\"regressions\">Regressions</h2>\n");
	{
		int any = 0;

		for (size_t k = 0; k < KU_ARRAY_SIZE(trend_metrics); k++) {
			struct kan_hseries *s;
			size_t n;

			if (kan_hist_series(st, o->f, runs, nruns, trend_metrics[k], o->filter, o->threshold, o->alpha, &s, &n))
				continue;
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < s[i].n; j++) {
					const struct kan_hrun *run = &runs[s[i].p[j].run];

					if (!s[i].p[j].regressed)
						continue;
					if (!any)
						fprintf(f, "<table><tr><th>Run</th><th>Commit</th><th>Time</th><th>Benchmark</th>"
							   "<th>Metric</th><th>Change vs previous run</th></tr>\n");
					any = 1;
					fprintf(f, "<tr class=\"reg\"><td>#%lld</td><td><code>%.12s</code></td><td>", run->id,
						run->commit ? run->commit : "unknown");
					kan_html_escape(f, run->timestamp ? run->timestamp : "");
					fprintf(f, "</td><td>");
					kan_html_escape(f, s[i].label);
					fprintf(f, "</td><td>%s</td><td class=\"num\">%+.1f%%</td></tr>\n", trend_metrics[k],
						s[i].p[j].change * 100);
				}
			kan_hist_series_free(s, n);
		}
		if (any)
			fprintf(f, "</table>\n");
		else
			fprintf(f, "<p>No significant regression between consecutive runs (Mann-Whitney U, α = %g, threshold %g%%).</p>\n",
				o->alpha, o->threshold * 100);
	}

	for (size_t k = 0; k < KU_ARRAY_SIZE(trend_metrics); k++) {
		struct kan_hseries *s;
		size_t n;

		if (kan_hist_series(st, o->f, runs, nruns, trend_metrics[k], o->filter, o->threshold, o->alpha, &s, &n))
			continue;
		if (!n && k > 1) /* no run measured memory: no empty section */
			continue;
		fprintf(f, "<h2>%s</h2>\n<div class=\"charts\">\n", trend_titles[k]);
		for (size_t i = 0; i < n && i < max_charts; i++) {
			double *x = malloc(s[i].n * sizeof(*x)), *y = malloc(s[i].n * sizeof(*y));
			int *marks = malloc(s[i].n * sizeof(*marks));
			struct kan_series ser;

			if (!x || !y || !marks) {
				free(x);
				free(y);
				free(marks);
				break;
			}
			for (size_t j = 0; j < s[i].n; j++) {
				x[j] = (double)runs[s[i].p[j].run].id;
				y[j] = s[i].p[j].value;
				marks[j] = s[i].p[j].regressed;
			}
			ser = (struct kan_series){ .name = trend_metrics[k], .x = x, .y = y, .n = s[i].n, .marks = marks };
			kan_svg_lines(f, s[i].label, kan_metric_unit(trend_metrics[k]), &ser, 1);
			free(x);
			free(y);
			free(marks);
		}
		fprintf(f, "</div>\n");
		if (n > max_charts)
			fprintf(f, "<p class=\"note\">%zu more benchmarks not drawn; narrow with <code>--benchmark FILTER</code>.</p>\n",
				n - max_charts);
		kan_hist_series_free(s, n);
	}
	if (latest && latest->nb) {
		fprintf(f, "<h2>Latest run</h2>\n<p>Run of ");
		kan_html_escape(f, latest->timestamp ? latest->timestamp : "?");
		fprintf(f, ", commit <code>");
		kan_html_escape(f, latest->git_commit ? latest->git_commit : "unknown");
		fprintf(f, "</code>.</p>\n");
		kan_report_charts(f, latest);
	}
	fprintf(f, "</main>\n");
	kan_html_tail(f);
	kan_hist_runs_free(runs, nruns);
	kan_run_free(latest);
	if (fclose(f) || rename(tmp, o->out)) {
		unlink(tmp);
		free(tmp);
		return kan_die("history: %s: write failed", o->out);
	}
	free(tmp);
	fprintf(stderr, "kprof: history: wrote %s\n", o->out);
	return 0;
}
