/* SPDX-License-Identifier: MIT */
/*
 * results-load: read a kprof-bench/1 file into the model of results.h.
 * Accepts what the drivers write (one or more benchmarks with metrics and
 * repetitions) and what kbench writes (the same plus artifacts, notes and
 * suite). Repetitions may be an array of per-repetition metric objects or
 * an object of per-metric arrays; a metric without repetitions gets its
 * summary value as a single repetition. Benchmarks are identified across
 * runs by name, backend and the configuration minus the keys that change
 * from run to run without changing the experiment (output paths, broker
 * addresses, topic names, log level, repetition count).
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "results.h"
#include "stats.h"

const char *const kan_key_metrics[] = {
	"throughput_msgs_per_sec", "bytes_per_sec",
	"latency_p50_ns", "latency_p90_ns", "latency_p95_ns", "latency_p99_ns",
	"latency_p999_ns", "latency_max_ns",
	"cpu_usage_percent", "peak_rss_bytes", "error_rate",
	"allocs_per_msg", "bytes_per_msg", "live_growth_per_msg",
	NULL
};

static const char *const volatile_keys[] = {
	"json", "log", "brokers", "topic", "out", "reps", "repetitions", "seed", NULL
};

static int is_volatile(const char *k)
{
	for (size_t i = 0; volatile_keys[i]; i++)
		if (!strcmp(k, volatile_keys[i]))
			return 1;
	return 0;
}

static char *strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Growable string. */
struct kan__sb {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct kan__sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct kan__sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = (b->cap ? b->cap * 2 : 64) + (size_t)n;
			char *p = realloc(b->s, cap);

			if (!p)
				return;
			b->s = p;
			b->cap = cap;
		}
	}
}

static void value_text(struct kan__sb *b, const struct ku_json *v)
{
	switch (v->type) {
	case KU_JSON_STRING: sb_printf(b, "%s", v->str); break;
	case KU_JSON_NUMBER:
		if (v->is_int)
			sb_printf(b, "%lld", (long long)v->integer);
		else
			sb_printf(b, "%.15g", v->number);
		break;
	case KU_JSON_BOOL: sb_printf(b, "%s", v->boolean ? "true" : "false"); break;
	case KU_JSON_NULL: sb_printf(b, "null"); break;
	default: sb_printf(b, "..."); break;
	}
}

static int cmp_kids(const void *a, const void *b)
{
	const struct ku_json *x = *(const struct ku_json *const *)a, *y = *(const struct ku_json *const *)b;

	return strcmp(x->key, y->key);
}

static int truthy(const struct ku_json *v)
{
	if (!v)
		return 0;
	switch (v->type) {
	case KU_JSON_BOOL: return v->boolean;
	case KU_JSON_NUMBER: return v->number != 0;
	case KU_JSON_STRING: return v->str[0] && strcmp(v->str, "0") && strcmp(v->str, "false");
	default: return 0;
	}
}

/* Canonical config text and a short label. */
static void config(struct kan_bench *b, const struct ku_json *cfg)
{
	static const char *const feats[] = { "correlation_id", "metadata", "ack", "nack_rate", "rate", NULL };
	static const char *const shape[] = { "size", "batch", "clients", NULL };
	struct kan__sb c = { 0 }, l = { 0 };
	size_t n = ku_json_count(cfg);
	const struct ku_json **kids = NULL;

	if (cfg && cfg->type == KU_JSON_OBJECT && n) {
		kids = calloc(n, sizeof(*kids));
		if (kids) {
			for (size_t i = 0; i < n; i++)
				kids[i] = &cfg->kids[i];
			qsort(kids, n, sizeof(*kids), cmp_kids);
		}
	}
	sb_printf(&c, "%s", "");
	for (size_t i = 0; kids && i < n; i++) {
		const struct ku_json *v = kids[i];

		if (is_volatile(v->key) || v->type == KU_JSON_OBJECT || v->type == KU_JSON_ARRAY)
			continue;
		if (!strcmp(v->key, "backend") || !strcmp(v->key, "name"))
			continue;
		sb_printf(&c, "%s%s=", c.len ? " " : "", v->key);
		value_text(&c, v);
	}
	sb_printf(&l, "%s/%s", b->name, b->backend);
	for (size_t i = 0; shape[i]; i++) {
		const struct ku_json *v = ku_json_get(cfg, shape[i]);

		if (v) {
			sb_printf(&l, " %s=", shape[i]);
			value_text(&l, v);
		}
	}
	for (size_t i = 0; feats[i]; i++) {
		const struct ku_json *v = ku_json_get(cfg, feats[i]);

		if (!truthy(v))
			continue;
		if (v->type == KU_JSON_BOOL)
			sb_printf(&l, " +%s", feats[i]);
		else {
			sb_printf(&l, " +%s=", feats[i]);
			value_text(&l, v);
		}
	}
	free(kids);
	b->config = c.s ? c.s : strdup("");
	b->label = l.s ? l.s : strdup(b->name);
	{
		struct kan__sb k = { 0 };

		sb_printf(&k, "%s|%s|%s", b->name, b->backend, b->config);
		b->key = k.s;
	}
}

static int add_metric(struct kan_bench *b, const char *name, double value)
{
	struct kan_metric *m = realloc(b->m, (b->nm + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	b->m = m;
	m = &b->m[b->nm];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (!m->name)
		return -ENOMEM;
	m->value = value;
	b->nm++;
	return 0;
}

static struct kan_metric *metric_mut(struct kan_bench *b, const char *name)
{
	for (size_t i = 0; i < b->nm; i++)
		if (!strcmp(b->m[i].name, name))
			return &b->m[i];
	return NULL;
}

static int push_rep(struct kan_metric *m, double v)
{
	double *r = realloc(m->reps, (m->nreps + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	m->reps = r;
	r[m->nreps++] = v;
	return 0;
}

static int num(const struct ku_json *v, double *out)
{
	if (!v || v->type != KU_JSON_NUMBER)
		return 0;
	*out = v->number;
	return isfinite(*out);
}

/* Latency may be given as a nested object {"p50_ns":..} or {"p50":..}:
 * flatten to latency_p50_ns. */
static int flatten_latency(struct kan_bench *b, const struct ku_json *lat)
{
	for (size_t i = 0; i < ku_json_count(lat); i++) {
		const struct ku_json *v = &lat->kids[i];
		char name[96];
		double d;
		size_t kl = strlen(v->key);

		if (!num(v, &d))
			continue;
		if (kl > 3 && !strcmp(v->key + kl - 3, "_ns"))
			snprintf(name, sizeof(name), "latency_%s", v->key);
		else
			snprintf(name, sizeof(name), "latency_%s_ns", v->key);
		if (!metric_mut(b, name) && add_metric(b, name, d))
			return -ENOMEM;
	}
	return 0;
}

static int load_bench(struct kan_bench *b, const struct ku_json *j)
{
	const struct ku_json *metrics = ku_json_get(j, "metrics"), *reps = ku_json_get(j, "repetitions");
	const struct ku_json *art = ku_json_get(j, "artifacts");
	int rc;

	b->name = strdup(ku_json_as_string(ku_json_get(j, "name"), "bench"));
	b->backend = strdup(ku_json_as_string(ku_json_get(j, "backend"),
		ku_json_as_string(ku_json_get(ku_json_get(j, "config"), "backend"), "-")));
	if (!b->name || !b->backend)
		return -ENOMEM;
	config(b, ku_json_get(j, "config"));
	if (!b->key || !b->config || !b->label)
		return -ENOMEM;
	if (ku_json_as_string(ku_json_get(j, "label"), NULL)) {
		/* kbench's label names the case as the suite does */
		char *l = strdup(ku_json_as_string(ku_json_get(j, "label"), NULL));

		if (!l)
			return -ENOMEM;
		free(b->label);
		b->label = l;
	}
	b->leak_bytes = NAN;
	if (metrics && metrics->type != KU_JSON_OBJECT)
		metrics = NULL;
	for (size_t i = 0; i < ku_json_count(metrics); i++) {
		const struct ku_json *v = &metrics->kids[i];
		double d;

		if (v->type == KU_JSON_OBJECT && !strncmp(v->key, "latency", 7)) {
			if ((rc = flatten_latency(b, v)))
				return rc;
			continue;
		}
		if (!num(v, &d))
			continue;
		if ((rc = add_metric(b, v->key, d)))
			return rc;
	}
	if (reps && reps->type == KU_JSON_ARRAY) {
		for (size_t r = 0; r < reps->len; r++) {
			const struct ku_json *rep = &reps->kids[r];

			if (rep->type != KU_JSON_OBJECT)
				continue;
			for (size_t i = 0; i < ku_json_count(rep); i++) {
				const struct ku_json *v = &rep->kids[i];
				struct kan_metric *m;
				double d;

				if (!num(v, &d))
					continue;
				m = metric_mut(b, v->key);
				if (!m) {
					/* a metric reported only per repetition */
					if ((rc = add_metric(b, v->key, NAN)))
						return rc;
					m = &b->m[b->nm - 1];
				}
				if ((rc = push_rep(m, d)))
					return rc;
			}
		}
	} else if (reps && reps->type == KU_JSON_OBJECT) {
		for (size_t i = 0; i < reps->len; i++) {
			const struct ku_json *arr = &reps->kids[i];
			struct kan_metric *m = metric_mut(b, arr->key);

			if (arr->type != KU_JSON_ARRAY)
				continue;
			if (!m) {
				if ((rc = add_metric(b, arr->key, NAN)))
					return rc;
				m = &b->m[b->nm - 1];
			}
			for (size_t r = 0; r < arr->len; r++) {
				double d;

				if (num(&arr->kids[r], &d) && (rc = push_rep(m, d)))
					return rc;
			}
		}
	}
	for (size_t i = 0; i < b->nm; i++) {
		struct kan_metric *m = &b->m[i];

		if (isnan(m->value) && m->nreps) {
			/* summary of a per-repetition-only metric: its median */
			m->value = kan_stats_median(m->reps, m->nreps);
		}
		if (!m->nreps && !isnan(m->value) && (rc = push_rep(m, m->value)))
			return rc;
	}
	b->cpu_profile = strdup_or_null(ku_json_as_string(ku_json_get(art, "cpu_profile"), NULL));
	b->flame = strdup_or_null(ku_json_as_string(ku_json_get(art, "flame"), NULL));
	b->heap_profile = strdup_or_null(ku_json_as_string(ku_json_get(art, "heap_profile"), NULL));
	b->leaks = strdup_or_null(ku_json_as_string(ku_json_get(art, "leaks"), NULL));
	b->stats = strdup_or_null(ku_json_as_string(ku_json_get(art, "stats"), NULL));
	b->mem_timeline = strdup_or_null(ku_json_as_string(ku_json_get(art, "memory_timeline"), NULL));
	{
		const struct ku_json *lk = ku_json_get(j, "leaks");

		if (lk)
			b->leak_bytes = ku_json_as_double(ku_json_get(lk, "bytes"), NAN);
	}
	return 0;
}

static char *host_text(const struct ku_json *h)
{
	struct kan__sb s = { 0 };

	if (!h)
		return NULL;
	if (h->type == KU_JSON_STRING)
		return strdup(h->str);
	sb_printf(&s, "%s", ku_json_as_string(ku_json_get(h, "hostname"),
			       ku_json_as_string(ku_json_get(h, "name"), "host")));
	if (ku_json_get(h, "cpus"))
		sb_printf(&s, ", %lld cpus", (long long)ku_json_as_int(ku_json_get(h, "cpus"), 0));
	if (ku_json_get(h, "model"))
		sb_printf(&s, ", %s", ku_json_as_string(ku_json_get(h, "model"), ""));
	if (ku_json_get(h, "kernel"))
		sb_printf(&s, ", Linux %s", ku_json_as_string(ku_json_get(h, "kernel"), ""));
	return s.s;
}

int kan_run_load(const char *path, struct kan_run **out, char *err, size_t errlen)
{
	struct ku_json *root = NULL;
	const struct ku_json *benches, *notes;
	struct kan_run *r;
	const char *schema;
	int rc;

	*out = NULL;
	rc = ku_json_parse_file(path, &root, err, errlen);
	if (rc)
		return rc;
	if (root->type != KU_JSON_OBJECT) {
		snprintf(err, errlen, "%s: not a kprof-bench/1 file (top level is not an object)", path);
		ku_json_free(root);
		return -EINVAL;
	}
	schema = ku_json_as_string(ku_json_get(root, "schema"), NULL);
	if (!schema || strncmp(schema, "kprof-bench/", 12)) {
		snprintf(err, errlen, "%s: not a kprof-bench/1 file (schema is %s)", path,
			 schema ? schema : "missing");
		ku_json_free(root);
		return -EINVAL;
	}
	if (strcmp(schema, "kprof-bench/1")) {
		snprintf(err, errlen, "%s: unsupported schema %s (this kprof reads kprof-bench/1)", path, schema);
		ku_json_free(root);
		return -EINVAL;
	}
	benches = ku_json_get(root, "benchmarks");
	if (!benches || benches->type != KU_JSON_ARRAY) {
		snprintf(err, errlen, "%s: no \"benchmarks\" array", path);
		ku_json_free(root);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto oom;
	r->path = strdup(path);
	{
		char *tmp = strdup(path);

		r->dir = tmp ? strdup(dirname(tmp)) : NULL;
		free(tmp);
	}
	r->timestamp = strdup_or_null(ku_json_as_string(ku_json_get(root, "timestamp"), NULL));
	r->git_commit = strdup_or_null(ku_json_as_string(ku_json_get(root, "git_commit"), NULL));
	r->compiler = strdup_or_null(ku_json_as_string(ku_json_get(root, "compiler"), NULL));
	r->suite = strdup_or_null(ku_json_as_string(ku_json_get(root, "suite"), NULL));
	r->suite_file = strdup_or_null(ku_json_as_string(ku_json_get(ku_json_get(root, "kbench"), "suite_file"),
							     ku_json_as_string(ku_json_get(root, "suite_file"), NULL)));
	r->host = host_text(ku_json_get(root, "host"));
	if (!r->path || !r->dir)
		goto oom;
	r->b = calloc(benches->len ? benches->len : 1, sizeof(*r->b));
	if (!r->b)
		goto oom;
	for (size_t i = 0; i < benches->len; i++) {
		if (benches->kids[i].type != KU_JSON_OBJECT) {
			snprintf(err, errlen, "%s: benchmarks[%zu] is not an object", path, i);
			ku_json_free(root);
			kan_run_free(r);
			return -EINVAL;
		}
		r->nb++;
		if ((rc = load_bench(&r->b[i], &benches->kids[i])))
			goto oom;
	}
	notes = ku_json_get(root, "notes");
	if (ku_json_count(notes) && notes->type == KU_JSON_ARRAY) {
		r->notes = calloc(notes->len, sizeof(*r->notes));
		if (!r->notes)
			goto oom;
		for (size_t i = 0; i < notes->len; i++) {
			const char *s = ku_json_as_string(&notes->kids[i], NULL);

			if (s && (r->notes[r->nnotes] = strdup(s)))
				r->nnotes++;
		}
	}
	ku_json_free(root);
	*out = r;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
	ku_json_free(root);
	kan_run_free(r);
	return -ENOMEM;
}

void kan_run_free(struct kan_run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nb; i++) {
		struct kan_bench *b = &r->b[i];

		for (size_t j = 0; j < b->nm; j++) {
			free(b->m[j].name);
			free(b->m[j].reps);
		}
		free(b->m);
		free(b->key);
		free(b->name);
		free(b->backend);
		free(b->config);
		free(b->label);
		free(b->cpu_profile);
		free(b->flame);
		free(b->heap_profile);
		free(b->mem_timeline);
		free(b->leaks);
		free(b->stats);
	}
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->b);
	free(r->path);
	free(r->dir);
	free(r->timestamp);
	free(r->git_commit);
	free(r->host);
	free(r->compiler);
	free(r->suite);
	free(r->suite_file);
	free(r);
}

struct kan_bench *kan_run_find(const struct kan_run *r, const char *key)
{
	for (size_t i = 0; i < r->nb; i++)
		if (!strcmp(r->b[i].key, key))
			return &r->b[i];
	return NULL;
}

const struct kan_metric *kan_bench_metric(const struct kan_bench *b, const char *name)
{
	for (size_t i = 0; i < b->nm; i++)
		if (!strcmp(b->m[i].name, name))
			return &b->m[i];
	return NULL;
}

const char *kan_metric_unit(const char *m)
{
	size_t n = strlen(m);

	if (strstr(m, "msgs_per_sec"))
		return "msg/s";
	if (!strcmp(m, "bytes_per_sec"))
		return "B/s";
	if (n > 3 && !strcmp(m + n - 3, "_ns"))
		return "ns";
	if (strstr(m, "percent"))
		return "%";
	if (!strcmp(m, "allocs_per_msg"))
		return "allocs/msg";
	if (strstr(m, "per_msg"))
		return "B/msg";
	if (strstr(m, "bytes"))
		return "B";
	if (!strcmp(m, "error_rate"))
		return "";
	return "";
}

const char *kan_metric_fmt(const char *m, double v, char *buf, size_t len)
{
	const char *unit = kan_metric_unit(m);
	static const char *const si[] = { "", "k", "M", "G", "T" };
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB" };

	if (isnan(v)) {
		snprintf(buf, len, "-");
	} else if (!strcmp(unit, "ns")) {
		if (fabs(v) >= 1e9)
			snprintf(buf, len, "%.3g s", v / 1e9);
		else if (fabs(v) >= 1e6)
			snprintf(buf, len, "%.3g ms", v / 1e6);
		else if (fabs(v) >= 1e3)
			snprintf(buf, len, "%.3g us", v / 1e3);
		else
			snprintf(buf, len, "%.3g ns", v);
	} else if (!strcmp(unit, "B/msg")) {
		if (fabs(v) >= 1048576)
			snprintf(buf, len, "%.4g MiB/msg", v / 1048576);
		else if (fabs(v) >= 10240)
			snprintf(buf, len, "%.4g KiB/msg", v / 1024);
		else
			snprintf(buf, len, "%.4g B/msg", v);
	} else if (!strcmp(unit, "B") || !strcmp(unit, "B/s")) {
		int i = 0;

		while (fabs(v) >= 1024 && i < 4) {
			v /= 1024;
			i++;
		}
		snprintf(buf, len, "%.4g %s%s", v, bin[i], unit[1] ? "/s" : "");
	} else if (!strcmp(unit, "msg/s")) {
		int i = 0;

		while (fabs(v) >= 1000 && i < 4) {
			v /= 1000;
			i++;
		}
		snprintf(buf, len, "%.3g%s msg/s", v, si[i]);
	} else if (!strcmp(unit, "%")) {
		snprintf(buf, len, "%.3g%%", v);
	} else {
		snprintf(buf, len, "%.4g%s%s", v, unit[0] ? " " : "", unit);
	}
	return buf;
}
