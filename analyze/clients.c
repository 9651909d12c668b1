/* SPDX-License-Identifier: MIT */
/*
 * clients: `kprof clients A.json B.json` — the side-by-side table of two
 * client implementations measured under the same harness (typically the C
 * drivers against the JavaScript drivers of clients/js), per backend and
 * benchmark, with the improvement of A over B and how sure we are of it.
 *
 * Benchmarks are paired by kind (the benchmark name without a "bench_"
 * prefix and without a "/backend/language" suffix: pub, sub, e2e,
 * connect, recovery, channels), backend, transport (tcp when a result
 * does not say: MQTT over WebSocket pairs only with WebSocket), and the
 * workload keys both sides set (size, batch, clients, channels, rate, ack,
 * qos). For every metric both sides have:
 * medians, the improvement of A over B (positive = A better: for
 * throughput A/B - 1, for latency, CPU and memory 1 - A/B), a 95%
 * percentile-bootstrap interval of that improvement over the repetitions
 * (fixed seed, so the table is reproducible), and the two-sided
 * Mann-Whitney p-value (analyze/stats.c). With a single repetition on
 * either side there is no interval and the table says so. The maths is in
 * doc/clients.md.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kprof.h"
#include "results.h"
#include "stats.h"

#define KAN_CL_BOOT 2000

static const char *const cl_default_metrics[] = {
	"throughput_msgs_per_sec", "latency_p50_ns", "latency_p99_ns", "cpu_usage_percent", "peak_rss_bytes",
	"recovery_ns", "recovery_max_ns", "heap_bytes_per_channel", "rss_bytes_per_channel", NULL,
};

static const char *const cl_workload_keys[] = { "size", "batch", "clients", "channels", "rate", "ack", "qos", NULL };

struct kan_cl_row {
	const struct kan_bench *a, *b;
	const char *metric;
	double ma, mb, improvement, lo, hi, p;
	size_t na, nb;
};

/* "bench_pub" -> "pub", "pub/kafka/js" -> "pub". */
static void cl_kind(const char *name, char *out, size_t len)
{
	if (!strncmp(name, "bench_", 6))
		name += 6;
	snprintf(out, len, "%s", name);
	out[strcspn(out, "/")] = '\0';
}

/* Value of key in a canonical "k=v k=v" config text, or NULL. */
static const char *cl_config_value(const char *config, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = config; p && *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " ");

			snprintf(buf, len, "%.*s", (int)n, p + kl + 1);
			return buf;
		}
		p = strchr(p, ' ');
	}
	return NULL;
}

static bool cl_match(const struct kan_bench *a, const struct kan_bench *b)
{
	char ka[64], kb[64], va[64], vb[64];

	cl_kind(a->name, ka, sizeof(ka));
	cl_kind(b->name, kb, sizeof(kb));
	if (strcmp(ka, kb) || strcmp(a->backend, b->backend))
		return false;
	if (strcmp(cl_config_value(a->config, "transport", va, sizeof(va)) ? va : "tcp",
		   cl_config_value(b->config, "transport", vb, sizeof(vb)) ? vb : "tcp"))
		return false;
	for (size_t i = 0; cl_workload_keys[i]; i++) {
		const char *x = cl_config_value(a->config, cl_workload_keys[i], va, sizeof(va));
		const char *y = cl_config_value(b->config, cl_workload_keys[i], vb, sizeof(vb));

		if (x && y && strcmp(x, y))
			return false;
	}
	return true;
}

/* Improvement of a over b, positive when a is better. */
static double cl_improvement(const char *metric, double a, double b)
{
	if (b == 0 || !isfinite(a) || !isfinite(b))
		return NAN;
	if (kan_stats_direction(metric) == KAN_DIR_BIGGER)
		return a / b - 1;
	return 1 - a / b;
}

static uint64_t cl_rand(uint64_t *s)
{
	/* splitmix64: small, good enough for resampling, reproducible */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int cl_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* 95% percentile-bootstrap interval of the improvement of medians. */
static void cl_bootstrap(const char *metric, const struct kan_metric *a, const struct kan_metric *b, double *lo,
			     double *hi)
{
	double *ra = malloc(a->nreps * sizeof(double)), *rb = malloc(b->nreps * sizeof(double));
	double *imp = malloc(KAN_CL_BOOT * sizeof(double));
	uint64_t seed = 0x6b70726f66ull;
	size_t n = 0;

	*lo = *hi = NAN;
	if (!ra || !rb || !imp || a->nreps < 2 || b->nreps < 2)
		goto out;
	for (int i = 0; i < KAN_CL_BOOT; i++) {
		double v;

		for (size_t j = 0; j < a->nreps; j++)
			ra[j] = a->reps[cl_rand(&seed) % a->nreps];
		for (size_t j = 0; j < b->nreps; j++)
			rb[j] = b->reps[cl_rand(&seed) % b->nreps];
		v = cl_improvement(metric, kan_stats_median(ra, a->nreps), kan_stats_median(rb, b->nreps));
		if (isfinite(v))
			imp[n++] = v;
	}
	if (n < KAN_CL_BOOT / 2)
		goto out;
	qsort(imp, n, sizeof(double), cl_cmp_double);
	*lo = imp[(size_t)(0.025 * (double)(n - 1))];
	*hi = imp[(size_t)ceil(0.975 * (double)(n - 1))];
out:
	free(ra);
	free(rb);
	free(imp);
}

static const char *cl_label(const char *path, const char *def, char *buf, size_t len)
{
	struct ku_json *root = NULL;
	const char *lang = NULL;

	if (ku_json_parse_file(path, &root, NULL, 0) == 0) {
		const struct ku_json *b0 = ku_json_at(ku_json_get(root, "benchmarks"), 0);

		lang = ku_json_as_string(ku_json_get(b0, "language"), NULL);
		/* kbench keeps the name, not the language: "pub/kafka/js" */
		if (!lang) {
			const char *name = ku_json_as_string(ku_json_get(b0, "name"), "");
			size_t n = strlen(name);

			if (n > 3 && !strcmp(name + n - 3, "/js"))
				lang = "js";
		}
	}
	if (lang && !strcmp(lang, "c"))
		snprintf(buf, len, "C");
	else if (lang && !strcmp(lang, "js"))
		snprintf(buf, len, "JS");
	else if (lang)
		snprintf(buf, len, "%s", lang);
	else if (root)
		snprintf(buf, len, "C"); /* the project's own drivers do not say */
	else
		snprintf(buf, len, "%s", def);
	ku_json_free(root);
	return buf;
}

static const char *cl_metric_name(const char *m)
{
	static const struct {
		const char *key, *label;
	} names[] = {
		{ "throughput_msgs_per_sec", "throughput" }, { "latency_p50_ns", "latency p50" },
		{ "latency_p99_ns", "latency p99" },          { "cpu_usage_percent", "CPU" },
		{ "peak_rss_bytes", "peak RSS" },             { "recovery_ns", "recovery" },
		{ "recovery_max_ns", "recovery max" },        { "heap_bytes_per_channel", "heap/channel" },
		{ "rss_bytes_per_channel", "RSS/channel" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].key, m))
			return names[i].label;
	return m;
}

/* Three significant digits with a unit that fits the metric. Kept here
 * rather than shared, so the table's text (and its golden files) only
 * changes when this command changes. */
static const char *cl_fmt(const char *metric, double v, char *buf, size_t len)
{
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static const char *const times[] = { "ns", "us", "ms", "s" };
	const char *unit = "";
	double x = v;
	size_t i = 0;

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (strstr(metric, "per_sec")) {
		static const char *const si[] = { "", "k", "M", "G" };

		while (fabs(x) >= 1000 && i < 3) {
			x /= 1000;
			i++;
		}
		snprintf(buf, len, "%.3g%s msg/s", x, si[i]);
		if (!strstr(metric, "msgs"))
			snprintf(buf, len, "%.3g%s/s", x, si[i]);
		return buf;
	}
	if (strlen(metric) > 3 && !strcmp(metric + strlen(metric) - 3, "_ns")) {
		while (fabs(x) >= 1000 && i < 3) {
			x /= 1000;
			i++;
		}
		unit = times[i];
	} else if (strstr(metric, "bytes")) {
		while (fabs(x) >= 1024 && i < 4) {
			x /= 1024;
			i++;
		}
		unit = bytes[i];
	} else if (strstr(metric, "percent")) {
		unit = "%";
	}
	snprintf(buf, len, "%.3g%s%s", x, *unit && strcmp(unit, "%") ? " " : "", unit);
	return buf;
}

static void cl_pct(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%+.1f%%", v * 100);
}

static void cl_case(const struct kan_bench *b, char *buf, size_t len)
{
	char kind[64], v[64];
	size_t off;

	cl_kind(b->name, kind, sizeof(kind));
	off = (size_t)snprintf(buf, len, "%s", kind);
	static const char *const shown[] = { "size", "batch", "channels", NULL };

	for (size_t i = 0; shown[i] && off < len; i++)
		if (cl_config_value(b->config, shown[i], v, sizeof(v)))
			off += (size_t)snprintf(buf + off, len - off, " %s=%s", shown[i], v);
	if (off < len && cl_config_value(b->config, "transport", v, sizeof(v)) && strcmp(v, "tcp"))
		off += (size_t)snprintf(buf + off, len - off, " over %s", v);
}

int kan_cmd_clients(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text", *metric_list = NULL;
	const char *metrics[32];
	size_t nmetrics = 0;
	struct kan_run *ra = NULL, *rb = NULL;
	struct kan_cl_row *rows = NULL;
	size_t nrows = 0, cap = 0, npairs = 0;
	char err[512], la[32], lb[32];
	char *mlist = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'm': metric_list = optarg; break;
		case 'h':
			printf("usage: kprof clients A.json B.json [--format text|markdown|json] [--metrics M,M...]\n");
			return 0;
		default: return kan_die("usage: kprof clients A.json B.json [--format text|markdown|json] [--metrics M,M...]");
		}
	}
	if (strcmp(format, "text") && strcmp(format, "markdown") && strcmp(format, "json"))
		return kan_die("clients: unknown --format '%s' (text, markdown, json)", format);
	if (argc - optind != 2)
		return kan_die("clients: need exactly two result files (A.json B.json), got %d", argc - optind);
	if (metric_list) {
		mlist = strdup(metric_list);
		for (char *s = NULL, *t = strtok_r(mlist, ",", &s); t && nmetrics < 31; t = strtok_r(NULL, ",", &s))
			metrics[nmetrics++] = t;
	} else {
		for (size_t i = 0; cl_default_metrics[i]; i++)
			metrics[nmetrics++] = cl_default_metrics[i];
	}
	if ((rc = kan_run_load(argv[optind], &ra, err, sizeof(err))) < 0) {
		free(mlist);
		return kan_die("clients: %s", err);
	}
	if ((rc = kan_run_load(argv[optind + 1], &rb, err, sizeof(err))) < 0) {
		kan_run_free(ra);
		free(mlist);
		return kan_die("clients: %s", err);
	}
	cl_label(argv[optind], "A", la, sizeof(la));
	cl_label(argv[optind + 1], "B", lb, sizeof(lb));
	if (!strcmp(la, lb)) {
		snprintf(la + strlen(la), sizeof(la) - strlen(la), "(A)");
		snprintf(lb + strlen(lb), sizeof(lb) - strlen(lb), "(B)");
	}

	for (size_t i = 0; i < ra->nb; i++) {
		const struct kan_bench *a = &ra->b[i], *b = NULL;

		for (size_t j = 0; j < rb->nb && !b; j++)
			if (cl_match(a, &rb->b[j]))
				b = &rb->b[j];
		if (!b)
			continue;
		npairs++;
		for (size_t k = 0; k < nmetrics; k++) {
			const struct kan_metric *x = kan_bench_metric(a, metrics[k]), *y = kan_bench_metric(b, metrics[k]);
			struct kan_cl_row *r;
			double u;
			int exact;

			if (!x || !y)
				continue;
			if (nrows == cap) {
				cap = cap ? cap * 2 : 16;
				rows = realloc(rows, cap * sizeof(*rows));
				if (!rows)
					return kan_die("clients: out of memory");
			}
			r = &rows[nrows++];
			r->a = a;
			r->b = b;
			r->metric = metrics[k];
			r->ma = kan_stats_median(x->reps, x->nreps);
			r->mb = kan_stats_median(y->reps, y->nreps);
			r->na = x->nreps;
			r->nb = y->nreps;
			r->improvement = cl_improvement(r->metric, r->ma, r->mb);
			cl_bootstrap(r->metric, x, y, &r->lo, &r->hi);
			if (kan_stats_mwu(x->reps, x->nreps, y->reps, y->nreps, &u, &r->p, &exact) < 0 || x->nreps < 2 ||
			    y->nreps < 2)
				r->p = NAN;
		}
	}
	if (!nrows) {
		kan_run_free(ra);
		kan_run_free(rb);
		free(mlist);
		if (npairs)
			return kan_die("clients: %zu benchmark pair(s), but none has a metric of the list on both sides",
				       npairs);
		return kan_die("clients: no benchmark of %s matches one of %s (same kind, backend and workload)",
			       argv[optind], argv[optind + 1]);
	}

	if (!strcmp(format, "json")) {
		struct ku_json_writer w;

		ku_json_writer_init(&w, KU_JSON_PRETTY);
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "a", la);
		ku_json_kv_string(&w, "b", lb);
		ku_json_kv_string(&w, "interval", "95% percentile bootstrap of the improvement of medians");
		ku_json_key(&w, "rows");
		ku_json_array_begin(&w);
		for (size_t i = 0; i < nrows; i++) {
			const struct kan_cl_row *r = &rows[i];
			char cs[160];

			cl_case(r->a, cs, sizeof(cs));
			ku_json_object_begin(&w);
			ku_json_kv_string(&w, "backend", r->a->backend);
			ku_json_kv_string(&w, "case", cs);
			ku_json_kv_string(&w, "metric", r->metric);
			ku_json_kv_double(&w, "a", r->ma);
			ku_json_kv_double(&w, "b", r->mb);
			ku_json_kv_int(&w, "a_reps", (int64_t)r->na);
			ku_json_kv_int(&w, "b_reps", (int64_t)r->nb);
#define KAN_CL_NUM(key, v)                             \
	do {                                           \
		if (isfinite(v))                       \
			ku_json_kv_double(&w, key, v); \
		else {                                 \
			ku_json_key(&w, key);          \
			ku_json_null(&w);              \
		}                                      \
	} while (0)
			KAN_CL_NUM("improvement", r->improvement);
			KAN_CL_NUM("ci_low", r->lo);
			KAN_CL_NUM("ci_high", r->hi);
			KAN_CL_NUM("p_value", r->p);
#undef KAN_CL_NUM
			ku_json_object_end(&w);
		}
		ku_json_array_end(&w);
		ku_json_object_end(&w);
		fputs(ku_json_writer_text(&w, NULL), stdout);
		fputc('\n', stdout);
		ku_json_writer_free(&w);
	} else {
		bool md = !strcmp(format, "markdown");
		char hdr_a[64], hdr_b[64], hdr_i[64];

		snprintf(hdr_a, sizeof(hdr_a), "%s", la);
		snprintf(hdr_b, sizeof(hdr_b), "%s", lb);
		snprintf(hdr_i, sizeof(hdr_i), "%s vs %s", la, lb);
		if (md) {
			printf("| backend | case | metric | %s | %s | %s | 95%% CI | p |\n", hdr_a, hdr_b, hdr_i);
			printf("|---|---|---|---:|---:|---:|---|---:|\n");
		} else {
			printf("%-7s %-24s %-13s %14s %14s %11s %-21s %6s\n", "backend", "case", "metric", hdr_a, hdr_b, hdr_i,
			       "95% CI", "p");
		}
		for (size_t i = 0; i < nrows; i++) {
			const struct kan_cl_row *r = &rows[i];
			char cs[160], va[48], vb[48], imp[32], lo[32], hi[32], ci[72], p[16];

			cl_case(r->a, cs, sizeof(cs));
			cl_fmt(r->metric, r->ma, va, sizeof(va));
			cl_fmt(r->metric, r->mb, vb, sizeof(vb));
			cl_pct(imp, sizeof(imp), r->improvement);
			cl_pct(lo, sizeof(lo), r->lo);
			cl_pct(hi, sizeof(hi), r->hi);
			if (isfinite(r->lo))
				snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
			else
				snprintf(ci, sizeof(ci), "n/a (%zu/%zu reps)", r->na, r->nb);
			if (isfinite(r->p))
				snprintf(p, sizeof(p), "%.3f", r->p);
			else
				snprintf(p, sizeof(p), "-");
			if (md)
				printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", r->a->backend, cs,
				       cl_metric_name(r->metric), va, vb, imp, ci, p);
			else
				printf("%-7s %-24s %-13s %14s %14s %11s %-21s %6s\n", r->a->backend, cs,
				       cl_metric_name(r->metric), va, vb, imp, ci, p);
		}
		if (!md)
			printf("\n%s vs %s: positive = %s better (throughput %s/%s-1; latency, CPU, memory 1-%s/%s); "
			       "medians of repetitions; 95%% percentile bootstrap; p = Mann-Whitney U, two-sided.\n",
			       la, lb, la, la, lb, la, lb);
	}
	free(rows);
	kan_run_free(ra);
	kan_run_free(rb);
	free(mlist);
	return 0;
}
