/* SPDX-License-Identifier: MIT */
/*
 * results: the bench-results side of kprof (compare, history, report).
 * A kprof-bench/1 file (bench/kbench output or a single driver's --json)
 * is loaded into a flat model: a run holds benchmarks, a benchmark holds
 * metrics, a metric holds its summary value and its repetitions. Charts
 * for report and dashboard are drawn by results-svg.c into self-contained
 * SVG (no script, no network), so a page renders the same everywhere.
 */
#ifndef KAN_RESULTS_H
#define KAN_RESULTS_H

#include <stddef.h>
#include <stdio.h>

struct kan_metric {
	char *name;      /* kprof-bench/1 metric name, e.g. throughput_msgs_per_sec */
	double value;    /* the summary figure (metrics object) */
	double *reps;    /* per-repetition values; at least the summary value */
	size_t nreps;
};

struct kan_bench {
	char *key;       /* identity across runs: name, backend and config */
	char *name, *backend;
	char *config;    /* canonical "k=v k=v" text, volatile keys dropped */
	char *label;     /* short human label: name/backend + salient config */
	struct kan_metric *m;
	size_t nm;
	/* artifact paths relative to the results file (NULL when absent) */
	char *cpu_profile, *flame, *heap_profile, *leaks, *stats, *mem_timeline;
	double leak_bytes; /* definite+indirect leaked bytes, NAN when unknown */
};

struct kan_run {
	char *path, *dir;  /* file loaded and its directory */
	char *timestamp, *git_commit, *host, *compiler, *suite;
	char *suite_file;  /* kbench's suite file, NULL when not recorded */
	struct kan_bench *b;
	size_t nb;
	char **notes;      /* skipped backends and other notes */
	size_t nnotes;
};

/* Load a kprof-bench/1 file (a results.json or a driver's --json). Returns
 * 0, or a negative errno with a one-line reason in err (size errlen). */
int kan_run_load(const char *path, struct kan_run **out, char *err, size_t errlen);
void kan_run_free(struct kan_run *r);

struct kan_bench *kan_run_find(const struct kan_run *r, const char *key);
const struct kan_metric *kan_bench_metric(const struct kan_bench *b, const char *name);

/* kprof merge of kprof-bench/1 files into out (results-merge.c): returns
 * the exit status (0, or 2 after one line on stderr). */
int kan_results_merge(int n, char **paths, const char *out);

/* Metric display: unit label and scaling ("msg/s", "µs", ...). */
const char *kan_metric_unit(const char *metric);
/* Format a metric value for humans into buf (e.g. "1.23M msg/s", "45.6 µs"). */
const char *kan_metric_fmt(const char *metric, double v, char *buf, size_t len);

/* Metrics compare and history look at, in display order. */
extern const char *const kan_key_metrics[];

/* "5%", "0.05" or "5" (meaning 5%) → 0.05. 0 or -EINVAL. */
int kan_parse_fraction(const char *s, double *out);

/* HTML helpers (results-svg.c). */
void kan_html_escape(FILE *f, const char *s);
void kan_html_head(FILE *f, const char *title);
void kan_html_tail(FILE *f);

struct kan_series {
	const char *name;
	const double *x, *y;   /* x may be NULL: 0, 1, 2, ... */
	size_t n;
	const int *marks;      /* optional: non-zero marks a point (regression) */
};
/* Line chart of one or more series. */
void kan_svg_lines(FILE *f, const char *title, const char *ylabel,
		   const struct kan_series *s, size_t ns);
/* Horizontal bar chart. Values are labelled with kan_metric_fmt() when
 * metric is not NULL, else as a number with an SI suffix and unit. */
void kan_svg_bars(FILE *f, const char *title, const char *metric, const char *unit,
		  const char *const *labels, const double *v, size_t n);

/* The charts of a run (report.c): throughput and p99 per case, backend
 * comparison, feature impact, memory per message. Used by report and by
 * the dashboard for the newest run. */
void kan_report_charts(FILE *f, const struct kan_run *r);

#endif
