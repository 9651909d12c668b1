/* SPDX-License-Identifier: MIT */
/*
 * kbench-results: what the cases wrote, merged into one kprof-bench/1
 * results.json (format in kprof-formats(7)): per benchmark the drivers'
 * metrics (medians over the plain processes when there are several),
 * every repetition of every process, memory per message from the
 * libkalloc run, leak totals and the paths of the artifacts; and the
 * summary table kbench prints at the end.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "host.h"
#include "kbench-internal.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Flat metric list of one benchmark object of a driver's JSON. */
struct kb_flat {
	char name[96];
	double v;
};

static size_t flatten(const struct ku_json *metrics, struct kb_flat *out, size_t max)
{
	size_t n = 0;

	if (!metrics || metrics->type != KU_JSON_OBJECT)
		return 0;
	for (size_t i = 0; i < ku_json_count(metrics) && n < max; i++) {
		const struct ku_json *v = &metrics->kids[i];

		if (v->type == KU_JSON_NUMBER && isfinite(v->number)) {
			snprintf(out[n].name, sizeof(out[n].name), "%s", v->key);
			out[n++].v = v->number;
		} else if (v->type == KU_JSON_OBJECT && !strncmp(v->key, "latency", 7)) {
			for (size_t j = 0; j < v->len && n < max; j++) {
				const struct ku_json *w = &v->kids[j];
				size_t kl = strlen(w->key);

				if (w->type != KU_JSON_NUMBER || !isfinite(w->number))
					continue;
				if (kl > 3 && !strcmp(w->key + kl - 3, "_ns"))
					snprintf(out[n].name, sizeof(out[n].name), "latency_%s", w->key);
				else
					snprintf(out[n].name, sizeof(out[n].name), "latency_%s_ns", w->key);
				out[n++].v = w->number;
			}
		}
	}
	return n;
}

static const struct kb_flat *flat_get(const struct kb_flat *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

/* Per-message memory of a kalloc stats.json: the phases named steady (one
 * per repetition) pooled, else the phase with most messages. NAN when the
 * driver counted no messages. */
static void stats_per_msg(const struct ku_json *stats, double *allocs, double *bytes, double *growth)
{
	const struct ku_json *phases = ku_json_get(stats, "phases"), *best = NULL;
	double a = 0, b = 0, g = 0, m = 0, most = 0;

	*allocs = *bytes = *growth = NAN;
	for (size_t i = 0; i < ku_json_count(phases); i++) {
		const struct ku_json *p = ku_json_at(phases, i);
		const char *name = ku_json_as_string(ku_json_get(p, "name"), "");
		double msgs = ku_json_as_double(ku_json_get(p, "messages"), 0);

		if (msgs > most) {
			most = msgs;
			best = p;
		}
		if (strcmp(name, "steady") && strcmp(name, "measure"))
			continue;
		m += msgs;
		a += ku_json_as_double(ku_json_get(p, "allocs"), 0);
		b += ku_json_as_double(ku_json_get(p, "bytes"), 0);
		g += ku_json_as_double(ku_json_get(p, "live_end_bytes"), 0) -
		     ku_json_as_double(ku_json_get(p, "live_start_bytes"), 0);
	}
	if (m > 0) {
		*allocs = a / m;
		*bytes = b / m;
		*growth = g / m;
	} else if (best) {
		*allocs = ku_json_as_double(ku_json_get(best, "allocs_per_msg"), NAN);
		*bytes = ku_json_as_double(ku_json_get(best, "bytes_per_msg"), NAN);
		*growth = ku_json_as_double(ku_json_get(best, "live_growth_per_msg"), NAN);
	}
}

/* One "artifacts" entry, key: "ID/FILE", when the case produced it. */
static void artifact(struct ku_json_writer *w, int have, const char *key, const char *id, const char *file)
{
	char *p;

	if (!have)
		return;
	p = kb__fmt("%s/%s", id, file);
	ku_json_kv_string(w, key, p);
	free(p);
}

static void write_bench(struct ku_json_writer *w, const struct kb_result *r, size_t bi, struct kb_result *sum)
{
	const struct ku_json *b0 = ku_json_at(ku_json_get(r->reps[0], "benchmarks"), bi);
	size_t maxreps = 0, nrep = 0, nsum = 0;
	struct kb_flat *per, sumf[KB_MAX_METRICS];
	size_t *nper;
	struct kb_flat kflat[KB_MAX_METRICS];
	size_t nk = 0;
	const struct ku_json *kb = ku_json_at(ku_json_get(r->kalloc_json, "benchmarks"), bi);
	double permsg[3];
	double *tmp;
	const char *id = r->c->id;

	/* repetitions: every driver process contributes its own repetitions
	   (or its metrics, when it reports none) */
	for (int i = 0; i < r->nreps; i++) {
		const struct ku_json *b = ku_json_at(ku_json_get(r->reps[i], "benchmarks"), bi);
		size_t n = ku_json_count(ku_json_get(b, "repetitions"));

		maxreps += n ? n : 1;
	}
	per = calloc(maxreps * KB_MAX_METRICS, sizeof(*per));
	nper = calloc(maxreps, sizeof(*nper));
	tmp = calloc(maxreps + (size_t)r->nreps, sizeof(*tmp));
	if (!per || !nper || !tmp)
		kb_die("out of memory");
	for (int i = 0; i < r->nreps; i++) {
		const struct ku_json *b = ku_json_at(ku_json_get(r->reps[i], "benchmarks"), bi);
		const struct ku_json *reps = ku_json_get(b, "repetitions");

		if (ku_json_count(reps) && reps->type == KU_JSON_ARRAY) {
			for (size_t k = 0; k < reps->len; k++, nrep++)
				nper[nrep] = flatten(&reps->kids[k], per + nrep * KB_MAX_METRICS, KB_MAX_METRICS);
		} else {
			nper[nrep] = flatten(ku_json_get(b, "metrics"), per + nrep * KB_MAX_METRICS, KB_MAX_METRICS);
			nrep++;
		}
	}
	/* summary: the driver's own figures with one process, else per-metric
	   medians of the processes' figures */
	nsum = flatten(ku_json_get(b0, "metrics"), sumf, KB_MAX_METRICS);
	if (r->nreps > 1)
		for (size_t m = 0; m < nsum; m++) {
			size_t n = 0;

			for (int i = 0; i < r->nreps; i++) {
				struct kb_flat f[KB_MAX_METRICS];
				size_t nf = flatten(ku_json_get(ku_json_at(ku_json_get(r->reps[i], "benchmarks"), bi), "metrics"),
						       f, KB_MAX_METRICS);
				const struct kb_flat *x = flat_get(f, nf, sumf[m].name);

				if (x)
					tmp[n++] = x->v;
			}
			sumf[m].v = median(tmp, n);
		}
	if (kb)
		nk = flatten(ku_json_get(kb, "metrics"), kflat, KB_MAX_METRICS);
	stats_per_msg(r->stats, &permsg[0], &permsg[1], &permsg[2]);
	ku_json_object_begin(w);
	ku_json_kv_string(w, "name", ku_json_as_string(ku_json_get(b0, "name"), r->c->driver));
	ku_json_kv_string(w, "backend", ku_json_as_string(ku_json_get(b0, "backend"), r->c->backend));
	ku_json_kv_string(w, "case", id);
	ku_json_kv_string(w, "label", r->c->label);
	ku_json_key(w, "config");
	if (ku_json_get(b0, "config"))
		ku_json_write_value(w, ku_json_get(b0, "config"));
	else {
		ku_json_object_begin(w);
		ku_json_object_end(w);
	}
	ku_json_key(w, "metrics");
	ku_json_object_begin(w);
	for (size_t m = 0; m < nsum; m++) {
		ku_json_kv_double(w, sumf[m].name, sumf[m].v);
		if (bi == 0) {
			if (!strcmp(sumf[m].name, "throughput_msgs_per_sec"))
				sum->thr = sumf[m].v;
			else if (!strcmp(sumf[m].name, "latency_p50_ns"))
				sum->p50 = sumf[m].v;
			else if (!strcmp(sumf[m].name, "latency_p99_ns"))
				sum->p99 = sumf[m].v;
		}
	}
	/* memory per message: the driver's own figures under kalloc, else stats.json */
	{
		static const char *const mm[] = { "allocs_per_msg", "bytes_per_msg", "live_growth_per_msg" };

		for (size_t k = 0; k < 3; k++) {
			const struct kb_flat *f = flat_get(kflat, nk, mm[k]);
			double v = f ? f->v : permsg[k];

			if (flat_get(sumf, nsum, mm[k]) || !isfinite(v))
				continue;
			ku_json_kv_double(w, mm[k], v);
			if (bi == 0 && k == 0)
				sum->allocs = v;
			if (bi == 0 && k == 1)
				sum->bytes = v;
		}
		if (r->stats && ku_json_get(r->stats, "peak_live_bytes"))
			ku_json_kv_double(w, "peak_live_bytes", ku_json_as_double(ku_json_get(r->stats, "peak_live_bytes"), 0));
		/* temporary allocations (full mode) per message counted */
		if (r->stats && !strcmp(ku_json_as_string(ku_json_get(r->stats, "mode"), ""), "full") &&
		    ku_json_as_double(ku_json_get(r->stats, "messages"), 0) > 0 && ku_json_get(r->stats, "total_temporary"))
			ku_json_kv_double(w, "temp_allocs_per_msg",
					  ku_json_as_double(ku_json_get(r->stats, "total_temporary"), 0) /
						  ku_json_as_double(ku_json_get(r->stats, "messages"), 1));
	}
	ku_json_object_end(w);
	ku_json_key(w, "repetitions");
	ku_json_array_begin(w);
	for (size_t i = 0; i < nrep; i++) {
		ku_json_object_begin(w);
		for (size_t m = 0; m < nper[i]; m++)
			ku_json_kv_double(w, per[i * KB_MAX_METRICS + m].name, per[i * KB_MAX_METRICS + m].v);
		ku_json_object_end(w);
	}
	ku_json_array_end(w);
	if (r->leaks) {
		double bytes = ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "definitely_lost"), "bytes"), 0) +
			       ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "indirectly_lost"), "bytes"), 0);
		double blocks = ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "definitely_lost"), "blocks"), 0) +
				ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "indirectly_lost"), "blocks"), 0);

		ku_json_key(w, "leaks");
		ku_json_object_begin(w);
		ku_json_kv_double(w, "bytes", bytes);
		ku_json_kv_double(w, "blocks", blocks);
		ku_json_object_end(w);
		if (bi == 0)
			sum->leaked = bytes;
	}
	ku_json_key(w, "artifacts");
	ku_json_object_begin(w);
	artifact(w, r->has_cpu, "cpu_profile", id, "cpu.pb.gz");
	artifact(w, r->has_flame, "flame", id, "cpu.svg");
	artifact(w, r->has_heap, "heap_profile", id, "heap.pb.gz");
	artifact(w, r->has_mem_svg, "memory_timeline", id, "mem.svg");
	artifact(w, r->has_leaks_txt, "leaks", id, "leaks.txt");
	artifact(w, r->stats != NULL, "stats", id, "stats.json");
	artifact(w, 1, "runs", id, "runs");
	ku_json_object_end(w);
	ku_json_object_end(w);
	free(per);
	free(nper);
	free(tmp);
}

static void fmt_num(char *buf, size_t len, double v, const char *kind)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (!strcmp(kind, "thr"))
		snprintf(buf, len, v >= 1e6 ? "%.2fM/s" : v >= 1e3 ? "%.1fk/s" : "%.0f/s",
			 v >= 1e6 ? v / 1e6 : v >= 1e3 ? v / 1e3 : v);
	else if (!strcmp(kind, "ns"))
		snprintf(buf, len, v >= 1e6 ? "%.2f ms" : v >= 1e3 ? "%.1f us" : "%.0f ns",
			 v >= 1e6 ? v / 1e6 : v >= 1e3 ? v / 1e3 : v);
	else if (!strcmp(kind, "bytes"))
		snprintf(buf, len, v >= 1048576 ? "%.1f MiB" : v >= 10240 ? "%.1f KiB" : v >= 100 || v == rint(v) ? "%.0f B" : "%.1f B",
			 v >= 1048576 ? v / 1048576 : v >= 10240 ? v / 1024 : v);
	else
		snprintf(buf, len, "%.2f", v);
}

void kb__write_results(const char *path, const struct kb_opts_run *o, const char *bindir,
			     const struct kb_suite *suite, const char *suite_path, const char *kalloc,
			     const char *ksamp, double t0, const struct kb_skip *skips, size_t nskips,
			     struct kb_result *res, const struct kb_case *cases, size_t ncases)
{
	struct ku_json_writer w;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	const struct ku_json *first = NULL;
	int rc;

	for (size_t i = 0; i < ncases && !first; i++)
		if (res[i].ok && res[i].nreps)
			first = res[i].reps[0];
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ku_json_writer_init(&w, KU_JSON_PRETTY);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-bench/1");
	ku_json_kv_string(&w, "timestamp", ts);
	ku_json_kv_string(&w, "suite", suite->name);
	ku_json_kv_string(&w, "git_commit", o->commit ? o->commit
			  : getenv("KBENCH_COMMIT") ? getenv("KBENCH_COMMIT")
			  : ku_json_as_string(ku_json_get(first, "git_commit"), "unknown"));
	ku_json_kv_string(&w, "compiler", ku_json_as_string(ku_json_get(first, "compiler"), NULL));
	if (first && ku_json_get(first, "host")) {
		ku_json_key(&w, "host");
		ku_json_write_value(&w, ku_json_get(first, "host"));
	} else {
		kb_host_json(&w);
	}
	ku_json_key(&w, "kbench");
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "suite_file", suite_path);
	ku_json_kv_string(&w, "bindir", bindir);
	ku_json_kv_string(&w, "kalloc", kalloc);
	ku_json_kv_string(&w, "ksamp", ksamp);
	ku_json_kv_double(&w, "seconds", kb__now() - t0);
	ku_json_object_end(&w);
	ku_json_key(&w, "notes");
	ku_json_array_begin(&w);
	for (size_t k = 0; k < nskips; k++)
		ku_json_string(&w, skips[k].why);
	for (size_t i = 0; i < ncases; i++)
		if (res[i].why[0] && !res[i].ok) {
			char *n = kb__fmt("case %s failed: %s", cases[i].id, res[i].why);

			ku_json_string(&w, n);
			free(n);
		}
	ku_json_array_end(&w);
	ku_json_key(&w, "benchmarks");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < ncases; i++) {
		size_t nb;

		if (!res[i].ok || !res[i].nreps)
			continue;
		nb = ku_json_count(ku_json_get(res[i].reps[0], "benchmarks"));
		for (size_t b = 0; b < nb; b++)
			write_bench(&w, &res[i], b, &res[i]);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	rc = ku_json_writer_error(&w);
	if (!rc)
		rc = ku_json_writer_save(&w, path);
	ku_json_writer_free(&w);
	if (rc)
		kb_die("%s: cannot write (%s)", path, strerror(-rc));
}

void kb__print_summary(const struct kb_opts_run *o, const struct kb_suite *suite, const struct kb_result *res,
		       const struct kb_case *cases, size_t ncases, const struct kb_skip *skips, size_t nskips,
		       size_t nran, size_t nfailed, double t0, int ci_written)
{
	double secs = kb__now() - t0;
	int w = 20;
	char *rep;

	printf("\nkbench: suite %s: %zu case%s run, %zu failed, %zu backend note%s, %.0fs\n\n", suite->name, nran,
	       nran == 1 ? "" : "s", nfailed, nskips, nskips == 1 ? "" : "s", secs);
	for (size_t i = 0; i < ncases; i++)
		if (res[i].ok && (int)strlen(cases[i].label) > w)
			w = (int)strlen(cases[i].label);
	if (w > 72)
		w = 72;
	printf("%-*s %11s %10s %10s %11s %10s %9s\n", w, "case", "throughput", "p50", "p99", "allocs/msg",
	       "bytes/msg", "leaked");
	for (size_t i = 0; i < ncases; i++) {
		char a[32], b[32], c[32], d[32], e[32], f[32];

		if (!res[i].ok)
			continue;
		fmt_num(a, sizeof(a), res[i].thr, "thr");
		fmt_num(b, sizeof(b), res[i].p50, "ns");
		fmt_num(c, sizeof(c), res[i].p99, "ns");
		fmt_num(d, sizeof(d), res[i].allocs, "num");
		fmt_num(e, sizeof(e), res[i].bytes, "bytes");
		fmt_num(f, sizeof(f), res[i].leaked, "bytes");
		printf("%-*.*s %11s %10s %10s %11s %10s %9s\n", w, w, cases[i].label, a, b, c, d, e, f);
	}
	for (size_t i = 0; i < ncases; i++)
		if (!res[i].ok && res[i].why[0])
			printf("%-*.*s FAILED: %s\n", w, w, cases[i].label, res[i].why);
	for (size_t k = 0; k < nskips; k++)
		printf("note: %s\n", skips[k].why);
	printf("\nwritten:\n");
	printf("  %-12s %s/results.json\n", "results", o->out);
	rep = kb__fmt("%s/report.html", o->out);
	if (kb__isfile(rep, R_OK))
		printf("  %-12s %s\n", "report", rep);
	free(rep);
	if (ci_written == 2)
		printf("  %-12s %s/leaks.sarif %s/leaks.junit.xml\n", "ci reports", o->out, o->out);
	printf("  %-12s %s/<case>/{cpu.pb.gz,cpu.svg,heap.pb.gz,leaks.txt,stats.json,runs/}\n", "per case", o->out);
	for (size_t i = 0; i < ncases; i++)
		if (res[i].has_flame) {
			printf("  %-12s %s/%s/cpu.svg\n", "e.g. flame", o->out, cases[i].id);
			break;
		}
	printf("\nnext: kprof compare BASE/results.json %s/results.json; kprof history add history.db %s/results.json\n",
	       o->out, o->out);
}
