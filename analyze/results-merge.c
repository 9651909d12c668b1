/* SPDX-License-Identifier: MIT */
/*
 * results-merge: `kprof merge` of kprof-bench/1 files (runs on several
 * hosts, or several runs on one). Benchmarks are matched by name, backend
 * and config (the config object's text); a benchmark found in several
 * inputs gets the repetitions of all of them, and each figure of its
 * metrics that every pooled repetition carries becomes the median over
 * them, as kbench does for the processes of one case. Everything else of
 * a benchmark is kept from its first input, and "merged_from" records
 * every input (path, host, timestamp, commit) so nothing is lost.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "ku.h"
#include "kprof.h"
#include "results.h"

struct kan__mb {
	char *key;
	const struct ku_json *first;            /* the benchmark object first seen */
	const struct ku_json **reps;            /* pooled repetition objects */
	size_t nreps, cap;
	size_t nsources;
};

static char *mb_key(const struct ku_json *b)
{
	struct ku_json_writer w;
	const char *cfg;
	size_t len;
	char *key = NULL;

	ku_json_writer_init(&w, 0);
	ku_json_array_begin(&w);
	ku_json_string(&w, ku_json_as_string(ku_json_get(b, "name"), ""));
	ku_json_string(&w, ku_json_as_string(ku_json_get(b, "backend"), ""));
	if (ku_json_get(b, "config"))
		ku_json_write_value(&w, ku_json_get(b, "config"));
	else
		ku_json_null(&w);
	ku_json_array_end(&w);
	cfg = ku_json_writer_text(&w, &len);
	if (!ku_json_writer_error(&w) && cfg)
		key = strndup(cfg, len);
	ku_json_writer_free(&w);
	return key;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of metric `name` over the pooled repetitions; NAN when one lacks it. */
static double mb_median(const struct kan__mb *m, const char *name, double *scratch)
{
	for (size_t i = 0; i < m->nreps; i++) {
		const struct ku_json *v = ku_json_get(m->reps[i], name);

		if (!v || v->type != KU_JSON_NUMBER)
			return NAN;
		scratch[i] = v->number;
	}
	qsort(scratch, m->nreps, sizeof(*scratch), dcmp);
	return m->nreps % 2 ? scratch[m->nreps / 2] : (scratch[m->nreps / 2 - 1] + scratch[m->nreps / 2]) / 2;
}

static void mb_write(struct ku_json_writer *w, const struct kan__mb *m, double *scratch)
{
	const struct ku_json *b = m->first;

	ku_json_object_begin(w);
	for (size_t i = 0; i < b->len; i++) {
		const struct ku_json *kv = &b->kids[i];

		if (!strcmp(kv->key, "repetitions")) {
			ku_json_key(w, "repetitions");
			ku_json_array_begin(w);
			for (size_t r = 0; r < m->nreps; r++)
				ku_json_write_value(w, m->reps[r]);
			ku_json_array_end(w);
		} else if (!strcmp(kv->key, "metrics") && kv->type == KU_JSON_OBJECT && m->nsources > 1 &&
			   m->nreps > 0) {
			ku_json_key(w, "metrics");
			ku_json_object_begin(w);
			for (size_t k = 0; k < kv->len; k++) {
				const struct ku_json *mv = &kv->kids[k];
				double med = mv->type == KU_JSON_NUMBER ? mb_median(m, mv->key, scratch) : NAN;

				ku_json_key(w, mv->key);
				if (isnan(med))
					ku_json_write_value(w, mv);
				else
					ku_json_double(w, med);
			}
			ku_json_object_end(w);
		} else {
			ku_json_key(w, kv->key);
			ku_json_write_value(w, kv);
		}
	}
	if (m->nsources > 1)
		ku_json_kv_uint(w, "merged_sources", m->nsources);
	ku_json_object_end(w);
}

int kan_results_merge(int n, char **paths, const char *out)
{
	struct ku_json **doc = calloc((size_t)n, sizeof(*doc));
	struct kan__mb *mb = NULL;
	size_t nmb = 0, capmb = 0, maxreps = 0;
	struct ku_json_writer w;
	char err[512], ts[32];
	double *scratch = NULL;
	int rc = 2;

	if (!doc)
		return kan_die("out of memory");
	for (int i = 0; i < n; i++) {
		const struct ku_json *bs;

		if (ku_json_parse_file(paths[i], &doc[i], err, sizeof(err))) {
			kan_die("merge: %s", err);
			goto done;
		}
		if (strcmp(ku_json_as_string(ku_json_get(doc[i], "schema"), ""), "kprof-bench/1")) {
			kan_die("merge: %s: not a kprof-bench/1 result file", paths[i]);
			goto done;
		}
		bs = ku_json_get(doc[i], "benchmarks");
		if (!bs || bs->type != KU_JSON_ARRAY) {
			kan_die("merge: %s: no \"benchmarks\" array", paths[i]);
			goto done;
		}
		for (size_t k = 0; k < bs->len; k++) {
			const struct ku_json *b = &bs->kids[k], *reps = ku_json_get(b, "repetitions");
			char *key = b->type == KU_JSON_OBJECT ? mb_key(b) : NULL;
			struct kan__mb *m = NULL;

			if (!key) {
				kan_die("merge: %s: benchmark %zu is not an object", paths[i], k);
				goto done;
			}
			for (size_t j = 0; j < nmb && !m; j++)
				if (!strcmp(mb[j].key, key))
					m = &mb[j];
			if (m) {
				free(key);
			} else {
				if (nmb == capmb) {
					size_t nc = capmb ? 2 * capmb : 16;
					struct kan__mb *t = realloc(mb, nc * sizeof(*mb));

					if (!t) {
						free(key);
						kan_die("out of memory");
						goto done;
					}
					mb = t;
					capmb = nc;
				}
				m = &mb[nmb++];
				memset(m, 0, sizeof(*m));
				m->key = key;
				m->first = b;
			}
			m->nsources++;
			for (size_t r = 0; reps && reps->type == KU_JSON_ARRAY && r < reps->len; r++) {
				if (m->nreps == m->cap) {
					size_t nc = m->cap ? 2 * m->cap : 8;
					const struct ku_json **t = realloc(m->reps, nc * sizeof(*t));

					if (!t) {
						kan_die("out of memory");
						goto done;
					}
					m->reps = t;
					m->cap = nc;
				}
				m->reps[m->nreps++] = &reps->kids[r];
			}
			if (m->nreps > maxreps)
				maxreps = m->nreps;
		}
	}
	scratch = malloc((maxreps ? maxreps : 1) * sizeof(*scratch));
	if (!scratch) {
		kan_die("out of memory");
		goto done;
	}

	time_t now = time(NULL);
	struct tm tm;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	ku_json_writer_init(&w, KU_JSON_PRETTY);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-bench/1");
	ku_json_kv_string(&w, "timestamp", ts);
	/* The first input's provenance, as the merged file's own. */
	for (size_t i = 0; i < doc[0]->len; i++) {
		const struct ku_json *kv = &doc[0]->kids[i];

		if (!strcmp(kv->key, "git_commit") || !strcmp(kv->key, "compiler") || !strcmp(kv->key, "host")) {
			ku_json_key(&w, kv->key);
			ku_json_write_value(&w, kv);
		}
	}
	ku_json_key(&w, "merged_from");
	ku_json_array_begin(&w);
	for (int i = 0; i < n; i++) {
		static const char *const keep[] = { "timestamp", "git_commit", "host", "suite" };

		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "path", paths[i]);
		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (ku_json_get(doc[i], keep[k])) {
				ku_json_key(&w, keep[k]);
				ku_json_write_value(&w, ku_json_get(doc[i], keep[k]));
			}
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_key(&w, "benchmarks");
	ku_json_array_begin(&w);
	for (size_t j = 0; j < nmb; j++)
		mb_write(&w, &mb[j], scratch);
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	if (ku_json_writer_error(&w)) {
		kan_die("merge: cannot format the merged results: %s", ku_strerror(ku_json_writer_error(&w)));
	} else {
		int e = ku_json_writer_save(&w, out);

		if (e)
			kan_die("merge: cannot write %s: %s", out, ku_strerror(e));
		else
			rc = 0;
	}
	ku_json_writer_free(&w);
done:
	for (size_t j = 0; j < nmb; j++) {
		free(mb[j].key);
		free(mb[j].reps);
	}
	free(mb);
	free(scratch);
	for (int i = 0; i < n; i++)
		ku_json_free(doc[i]);
	free(doc);
	return rc;
}
