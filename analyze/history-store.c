/* SPDX-License-Identifier: MIT */
/*
 * history-store: the part of the history store both backends share
 * (history.h): which backend a DB argument names, run identity and uids,
 * repetitions text, a results file turned into the rows a backend stores
 * and back, trend series with regression markers, the compare baseline
 * and the copy of a whole history between two stores.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "kprof.h"
#include "stats.h"
#include "strmap.h"

const struct kan_hstore_ops *kan_hist_backend(const char *db)
{
	return kan__hist_is_uri(db) ? &kan__hpg_ops : &kan__hsqlite_ops;
}

int kan_hist_open(const char *db, enum kan_hmode mode, struct kan_hstore **out)
{
	const struct kan_hstore_ops *ops = kan_hist_backend(db);
	char err[512] = "", *disp;
	int rc;

	*out = NULL;
	rc = ops->open(db, mode, out, err, sizeof(err));
	if (!rc)
		return 0;
	disp = kan_hist_display(db);
	/* libpq quotes a URI it cannot parse: never with its password */
	for (char *at = err; disp && strcmp(disp, db) && (at = strstr(at, db));) {
		char tail[sizeof(err)];

		snprintf(tail, sizeof(tail), "%s", at + strlen(db));
		snprintf(at, sizeof(err) - (size_t)(at - err), "%s%s", disp, tail);
		at += strlen(disp) < strlen(at) ? strlen(disp) : strlen(at);
	}
	kan_die("history: %s: %s", disp ? disp : "?", err[0] ? err : "cannot open");
	free(disp);
	return 2;
}

void kan_hist_close(struct kan_hstore *s)
{
	if (s)
		s->ops->close(s);
}

/* ---- adding ------------------------------------------------------------ */

int kan_hist_add(struct kan_hstore *s, const struct kan_hrun *meta, const struct kan_run *r, long long *id,
		 size_t *nmetrics)
{
	struct kan_strmap keys = { 0 };
	struct kan_strmap *mets = NULL;
	struct kan_hbench *b = calloc(r->nb ? r->nb : 1, sizeof(*b));
	size_t nb = 0, nrows = 0, total = 0;
	struct kan_hrow *rows;
	struct kan_hrun m = *meta;
	char *uid = NULL;
	int rc = -ENOMEM;

	for (size_t i = 0; i < r->nb; i++)
		total += r->b[i].nm;
	rows = calloc(total ? total : 1, sizeof(*rows));
	mets = calloc(r->nb ? r->nb : 1, sizeof(*mets));
	if (!b || !rows || !mets)
		goto out;
	if (!m.uid && !(m.uid = uid = kan__hist_uid()))
		goto out;
	/* Benchmarks unique by key (the first one's names win), results unique
	   by (benchmark, metric) (the last value wins), as the first store's
	   INSERT OR IGNORE / INSERT OR REPLACE did. */
	for (size_t i = 0; i < r->nb; i++) {
		const struct kan_bench *src = &r->b[i];
		uint32_t bi;
		size_t slot;
		int f = kan_strmap_find(&keys, src->key ? src->key : "", &bi, &slot);

		if (f < 0)
			goto out;
		if (!f) {
			bi = (uint32_t)nb;
			b[nb++] = (struct kan_hbench){ .key = src->key ? src->key : "", .name = src->name,
						       .backend = src->backend, .config = src->config,
						       .label = src->label };
			kan_strmap_put(&keys, slot, b[bi].key, bi);
		}
		for (size_t j = 0; j < src->nm; j++) {
			const struct kan_metric *mt = &src->m[j];
			uint32_t ri;
			int g = kan_strmap_find(&mets[bi], mt->name, &ri, &slot);

			if (g < 0)
				goto out;
			if (!g) {
				ri = (uint32_t)nrows++;
				kan_strmap_put(&mets[bi], slot, mt->name, ri);
			} else {
				free((char *)rows[ri].reps);
			}
			rows[ri] = (struct kan_hrow){ .bench = bi, .metric = mt->name, .value = mt->value,
						      .reps = kan_hist_reps_text(mt->reps, mt->nreps) };
			if (!rows[ri].reps)
				goto out;
		}
	}
	rc = s->ops->add(s, &(struct kan_hadd){ .run = &m, .b = b, .nb = nb, .rows = rows, .nrows = nrows }, id);
	if (nmetrics)
		*nmetrics = nrows;
out:
	if (rc == -ENOMEM)
		snprintf(s->err, sizeof(s->err), "out of memory");
	for (size_t i = 0; rows && i < nrows; i++)
		free((char *)rows[i].reps);
	for (size_t i = 0; mets && i < r->nb; i++)
		kan_strmap_free(&mets[i]);
	kan_strmap_free(&keys);
	free(mets);
	free(rows);
	free(b);
	free(uid);
	return rc;
}

/* ---- reading ----------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct kan__loadctx {
	struct kan_run *r;
	long long cur;
};

static int load_row(void *ctx, const struct kan_hresult *x)
{
	struct kan__loadctx *c = ctx;
	struct kan_run *r = c->r;
	struct kan_bench *b;
	struct kan_metric *m;

	if (x->bench_id != c->cur || !r->nb) {
		struct kan_bench *nb = realloc(r->b, (r->nb + 1) * sizeof(*nb));

		if (!nb)
			return -1;
		r->b = nb;
		b = &r->b[r->nb++];
		memset(b, 0, sizeof(*b));
		b->key = dup_or_null(x->key);
		b->name = dup_or_null(x->name);
		b->backend = dup_or_null(x->backend);
		b->config = dup_or_null(x->config);
		b->label = dup_or_null(x->label);
		b->leak_bytes = NAN;
		c->cur = x->bench_id;
	}
	b = &r->b[r->nb - 1];
	m = realloc(b->m, (b->nm + 1) * sizeof(*m));
	if (!m)
		return -1;
	b->m = m;
	m = &b->m[b->nm++];
	m->name = dup_or_null(x->metric);
	m->value = x->value;
	m->nreps = kan_hist_reps_parse(x->reps, &m->reps);
	return 0;
}

int kan_hist_load_run(struct kan_hstore *s, const struct kan_hrun *meta, const char *label, struct kan_run **out)
{
	struct kan_run *r = calloc(1, sizeof(*r));
	struct kan__loadctx c = { .r = r, .cur = -1 };
	int rc;

	*out = NULL;
	if (!r) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return -ENOMEM;
	}
	r->timestamp = dup_or_null(meta->timestamp);
	r->git_commit = dup_or_null(meta->commit);
	r->host = dup_or_null(meta->host);
	r->compiler = dup_or_null(meta->compiler);
	r->suite = dup_or_null(meta->suite);
	r->path = dup_or_null(label ? label : meta->source);
	r->dir = strdup(".");
	if ((rc = s->ops->results(s, meta->id, load_row, &c))) {
		kan_run_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static size_t run_index(const struct kan_hrun *runs, size_t nruns, long long id)
{
	size_t lo = 0, hi = nruns;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (runs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nruns && runs[lo].id == id ? lo : (size_t)-1;
}

void kan_hist_series_free(struct kan_hseries *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < s[i].n; j++)
			free(s[i].p[j].reps);
		free(s[i].p);
		free(s[i].label);
		free(s[i].metric);
	}
	free(s);
}

struct kan__seriesctx {
	const struct kan_hrun *runs;
	size_t nruns;
	const char *metric, *filter;
	struct kan_hseries *s;
	size_t n;
};

static int series_row(void *ctx, const struct kan_hresult *x)
{
	struct kan__seriesctx *c = ctx;
	size_t ri = run_index(c->runs, c->nruns, x->run_id);
	struct kan_hseries *cur;
	struct kan_hpoint *p;

	if (ri == (size_t)-1)
		return 0;
	if (c->filter && x->label && !strstr(x->label, c->filter))
		return 0;
	if (!c->n || c->s[c->n - 1].bench_id != x->bench_id) {
		struct kan_hseries *ns = realloc(c->s, (c->n + 1) * sizeof(*ns));

		if (!ns)
			return -1;
		c->s = ns;
		cur = &c->s[c->n++];
		memset(cur, 0, sizeof(*cur));
		cur->bench_id = x->bench_id;
		cur->label = strdup(x->label ? x->label : "?");
		cur->metric = strdup(c->metric);
	}
	cur = &c->s[c->n - 1];
	p = realloc(cur->p, (cur->n + 1) * sizeof(*p));
	if (!p)
		return -1;
	cur->p = p;
	p = &cur->p[cur->n++];
	memset(p, 0, sizeof(*p));
	p->run = ri;
	p->value = x->value;
	p->nreps = kan_hist_reps_parse(x->reps, &p->reps);
	p->change = NAN;
	return 0;
}

int kan_hist_series(struct kan_hstore *s, const struct kan_hfilter *f, const struct kan_hrun *runs, size_t nruns,
		    const char *metric, const char *filter, double threshold, double alpha, struct kan_hseries **out,
		    size_t *nout)
{
	struct kan__seriesctx c = { .runs = runs, .nruns = nruns, .metric = metric, .filter = filter };
	enum kan_dir dir = kan_stats_direction(metric);
	int rc;

	*out = NULL;
	*nout = 0;
	if (!nruns)
		return 0;
	if ((rc = s->ops->points(s, f, metric, runs[0].id, series_row, &c))) {
		kan_hist_series_free(c.s, c.n);
		return rc;
	}
	for (size_t i = 0; i < c.n; i++) {
		for (size_t j = 1; j < c.s[i].n; j++) {
			struct kan_hpoint *a = &c.s[i].p[j - 1], *b = &c.s[i].p[j];
			struct kan_cmp cmp;

			if (!a->nreps || !b->nreps)
				continue;
			if (kan_stats_compare(a->reps, a->nreps, b->reps, b->nreps, dir, threshold, alpha, &cmp))
				continue;
			b->change = cmp.change;
			b->regressed = cmp.verdict == KAN_REGRESSED;
		}
	}
	*out = c.s;
	*nout = c.n;
	return 0;
}

/* ---- compare baseline and copy ---------------------------------------- */

int kan_hist_baseline(const char *db, const struct kan_hfilter *f, const struct kan_run *cur, struct kan_run **out)
{
	struct kan_hstore *s = NULL;
	struct kan_hrun *runs = NULL;
	size_t n = 0, nloaded = 0;
	char *disp = kan_hist_display(db), *ident = kan__hist_ident(cur->timestamp, cur->git_commit, cur->host,
								       cur->suite), *label = NULL;
	int rc;

	*out = NULL;
	if ((rc = kan_hist_open(db, KAN_HIST_READ, &s)))
		goto out;
	/* the newest two: when cur was added already, the one before it */
	if (s->ops->runs(s, f, 2, &runs, &n)) {
		rc = kan_die("history: %s: cannot read runs: %s", disp, s->err);
		goto out;
	}
	nloaded = n;
	while (n && ident && runs[n - 1].ident && !strcmp(runs[n - 1].ident, ident))
		n--;
	if (!n) {
		rc = kan_die("compare: %s: no run%s%s%s%s to take as baseline", disp, f->branch ? " on branch " : "",
			     f->branch ? f->branch : "", f->host ? " from host " : "", f->host ? f->host : "");
		goto out;
	}
	if (asprintf(&label, "%s run #%lld", disp, runs[n - 1].id) < 0)
		label = NULL;
	if (kan_hist_load_run(s, &runs[n - 1], label, out)) {
		rc = kan_die("history: %s: cannot read run %lld: %s", disp, runs[n - 1].id, s->err);
		goto out;
	}
	rc = 0;
out:
	kan_hist_runs_free(runs, nloaded);
	kan_hist_close(s);
	free(label);
	free(ident);
	free(disp);
	return rc;
}

int kan_hist_copy(const char *from, const char *to, const struct kan_hfilter *f)
{
	struct kan_hstore *src = NULL, *dst = NULL;
	struct kan_hrun *runs = NULL;
	size_t n = 0, copied = 0, present = 0;
	char *dfrom = kan_hist_display(from), *dto = kan_hist_display(to);
	int rc;

	if ((rc = kan_hist_open(from, KAN_HIST_READ, &src)) || (rc = kan_hist_open(to, KAN_HIST_CREATE, &dst)))
		goto out;
	if (src->ops->runs(src, f, 0, &runs, &n)) {
		rc = kan_die("history: %s: cannot read runs: %s", dfrom, src->err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct kan_run *r = NULL;
		long long id;
		int added;

		if (kan_hist_load_run(src, &runs[i], NULL, &r)) {
			rc = kan_die("history: %s: cannot read run %lld: %s", dfrom, runs[i].id, src->err);
			goto out;
		}
		added = kan_hist_add(dst, &runs[i], r, &id, NULL);
		kan_run_free(r);
		if (added < 0) {
			rc = kan_die("history: %s: cannot add run %lld of %s (%zu copied before it): %s", dto,
				     runs[i].id, dfrom, copied, dst->err);
			goto out;
		}
		if (added)
			present++;
		else
			copied++;
	}
	printf("copied %zu run%s from %s to %s (%zu already there)\n", copied, copied == 1 ? "" : "s", dfrom, dto,
	       present);
	rc = 0;
out:
	kan_hist_runs_free(runs, n);
	kan_hist_close(src);
	kan_hist_close(dst);
	free(dfrom);
	free(dto);
	return rc;
}
