/* SPDX-License-Identifier: MIT */
/*
 * history: `kprof history add|show|dashboard|export DB ...`, a store of
 * benchmark runs in SQLite. Every run keeps its commit, time, host and all
 * metrics with their repetitions, so any two runs can be compared with the
 * same test as `kprof compare`; a regression marker is set on a run when a
 * metric got significantly worse than in the previous run of the same
 * benchmark. Writers take the database lock up front (BEGIN IMMEDIATE) and
 * wait for it (busy timeout), so concurrent `history add` processes
 * serialize instead of losing runs. The dashboard is one HTML file with
 * pre-drawn SVG charts; export writes github-action-benchmark JSON.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "ku.h"
#include "kprof.h"
#include "results.h"
#include "stats.h"

#define KAN_HIST_SCHEMA_VERSION "1"
#define KAN_HIST_BUSY_MS 30000

static const char kan__schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	"INSERT OR IGNORE INTO meta(key, value) VALUES('kprof_history_schema', '" KAN_HIST_SCHEMA_VERSION "');"
	"CREATE TABLE IF NOT EXISTS runs("
	" id INTEGER PRIMARY KEY, timestamp TEXT, git_commit TEXT, host TEXT, compiler TEXT,"
	" suite TEXT, source TEXT, added_at TEXT);"
	"CREATE TABLE IF NOT EXISTS benchmarks("
	" id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, name TEXT, backend TEXT, config TEXT, label TEXT);"
	"CREATE TABLE IF NOT EXISTS results("
	" run_id INTEGER NOT NULL REFERENCES runs(id), bench_id INTEGER NOT NULL REFERENCES benchmarks(id),"
	" metric TEXT NOT NULL, value REAL, reps TEXT, PRIMARY KEY(run_id, bench_id, metric));"
	"CREATE INDEX IF NOT EXISTS results_by_bench ON results(bench_id, metric, run_id);";

struct kan__hopts {
	const char *db, *out, *format, *filter, *commit;
	int force; /* add a run even when the same one is already stored */
	const char *metrics[16];
	size_t nmetrics;
	long last, run;
	double threshold, alpha;
};

static int kan__db_err(sqlite3 *db, const char *path, const char *what)
{
	int code = sqlite3_errcode(db);

	if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		return kan_die("history: %s: not a usable kprof history database (%s)", path, sqlite3_errmsg(db));
	return kan_die("history: %s: %s: %s", path, what, sqlite3_errmsg(db));
}

/* Open DB; create the schema when create is set. 0 or exit status 2. */
/*
 * sqlite3_exec that waits out SQLITE_BUSY the busy handler does not cover:
 * switching a fresh file to WAL, or a first read while another process
 * recovers the WAL, can return BUSY at once. Retries for up to
 * KAN_HIST_BUSY_MS, then returns the last result.
 */
static int kan__exec_retry(sqlite3 *db, const char *sql)
{
	int rc;

	for (int waited = 0;; waited += 10) {
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= KAN_HIST_BUSY_MS)
			return rc;
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static int kan__db_open(const char *path, int create, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	{
		struct stat st;

		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return kan_die("history: %s: is a directory, not a database file", path);
	}
	if (!create && access(path, F_OK))
		return kan_die("history: %s: no such database (create it with kprof history add)", path);
	rc = sqlite3_open_v2(path, &db, create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY,
			     NULL);
	if (rc != SQLITE_OK) {
		kan_die("history: %s: cannot open: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return 2;
	}
	sqlite3_busy_timeout(db, KAN_HIST_BUSY_MS);
	/* Validate before anything: a corrupt or foreign file says so here. */
	if (kan__exec_retry(db, "SELECT count(*) FROM sqlite_master") != SQLITE_OK) {
		rc = kan__db_err(db, path, "cannot read");
		sqlite3_close(db);
		return rc;
	}
	if (create) {
		if (kan__exec_retry(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") != SQLITE_OK ||
		    kan__exec_retry(db, "BEGIN IMMEDIATE") != SQLITE_OK ||
		    sqlite3_exec(db, kan__schema, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			rc = kan__db_err(db, path, "cannot create the schema");
			sqlite3_close(db);
			return rc;
		}
	}
	{
		sqlite3_stmt *st = NULL;
		int ok = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='kprof_history_schema'", -1, &st,
					    NULL) == SQLITE_OK &&
			 sqlite3_step(st) == SQLITE_ROW;
		const char *ver = ok ? (const char *)sqlite3_column_text(st, 0) : NULL;

		if (!ok || !ver || strcmp(ver, KAN_HIST_SCHEMA_VERSION)) {
			if (sqlite3_errcode(db) == SQLITE_NOTADB || sqlite3_errcode(db) == SQLITE_CORRUPT)
				rc = kan__db_err(db, path, "cannot read");
			else if (ok)
				rc = kan_die("history: %s: history schema version %s, this kprof reads %s", path,
					     ver ? ver : "?", KAN_HIST_SCHEMA_VERSION);
			else
				rc = kan_die("history: %s: not a kprof history database (no kprof tables)", path);
			sqlite3_finalize(st);
			sqlite3_close(db);
			return rc;
		}
		sqlite3_finalize(st);
	}
	*out = db;
	return 0;
}

static char *kan__reps_text(const struct kan_metric *m)
{
	size_t cap = m->nreps * 26 + 1, len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	s[0] = 0;
	for (size_t i = 0; i < m->nreps; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%.17g", i ? "," : "", m->reps[i]);
	return s;
}

static size_t kan__reps_parse(const char *s, double **out)
{
	size_t n = 0, cap = 0;
	double *v = NULL;

	while (s && *s) {
		char *end;
		double d = strtod(s, &end);

		if (end == s)
			break;
		if (n == cap) {
			double *p = realloc(v, (cap = cap ? cap * 2 : 8) * sizeof(*v));

			if (!p)
				break;
			v = p;
		}
		v[n++] = d;
		s = *end == ',' ? end + 1 : end;
	}
	*out = v;
	return n;
}

static int kan__add_one(sqlite3 *db, const struct kan__hopts *o, const char *file)
{
	struct kan_run *r = NULL;
	sqlite3_stmt *ins_run = NULL, *ins_bench = NULL, *get_bench = NULL, *ins_res = NULL;
	char err[512], now[32];
	sqlite3_int64 run_id;
	size_t nmetrics = 0;
	time_t t = time(NULL);
	struct tm tm;
	int rc = 2;

	if (kan_run_load(file, &r, err, sizeof(err)))
		return kan_die("history: %s", err);
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (kan__exec_retry(db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		rc = kan__db_err(db, o->db, "cannot lock");
		goto out;
	}
	/* The same results file added twice (a re-run CI job) is one run. The
	   check sits inside the write transaction, so two concurrent adds of
	   one file cannot both pass it. */
	if (!o->force && r->timestamp) {
		sqlite3_stmt *dup = NULL;
		const char *commit = o->commit ? o->commit : r->git_commit;
		int found = 0;
		long long id = 0;

		if (sqlite3_prepare_v2(db, "SELECT id FROM runs WHERE timestamp IS ? AND git_commit IS ? AND host IS ?"
					   " AND suite IS ?", -1, &dup, NULL) != SQLITE_OK)
			goto dberr;
		sqlite3_bind_text(dup, 1, r->timestamp, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(dup, 2, commit, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(dup, 3, r->host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(dup, 4, r->suite, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(dup) == SQLITE_ROW) {
			found = 1;
			id = sqlite3_column_int64(dup, 0);
		}
		sqlite3_finalize(dup);
		if (found) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			printf("%s is already in %s as run %lld (same time, commit, host and suite): not added again"
			       " (--force adds it anyway)\n", file, o->db, id);
			rc = 0;
			goto out;
		}
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO runs(timestamp, git_commit, host, compiler, suite, source, added_at)"
				   " VALUES(?,?,?,?,?,?,?)", -1, &ins_run, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO benchmarks(key, name, backend, config, label) VALUES(?,?,?,?,?)",
			       -1, &ins_bench, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id FROM benchmarks WHERE key=?", -1, &get_bench, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO results(run_id, bench_id, metric, value, reps) VALUES(?,?,?,?,?)",
			       -1, &ins_res, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(ins_run, 1, r->timestamp ? r->timestamp : now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_run, 2, o->commit ? o->commit : r->git_commit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_run, 3, r->host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_run, 4, r->compiler, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_run, 5, r->suite, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_run, 6, file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins_run, 7, now, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(ins_run) != SQLITE_DONE)
		goto dberr;
	run_id = sqlite3_last_insert_rowid(db);
	for (size_t i = 0; i < r->nb; i++) {
		const struct kan_bench *b = &r->b[i];
		sqlite3_int64 bid;

		sqlite3_reset(ins_bench);
		sqlite3_bind_text(ins_bench, 1, b->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_bench, 2, b->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_bench, 3, b->backend, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_bench, 4, b->config, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_bench, 5, b->label, -1, SQLITE_STATIC);
		if (sqlite3_step(ins_bench) != SQLITE_DONE)
			goto dberr;
		sqlite3_reset(get_bench);
		sqlite3_bind_text(get_bench, 1, b->key, -1, SQLITE_STATIC);
		if (sqlite3_step(get_bench) != SQLITE_ROW)
			goto dberr;
		bid = sqlite3_column_int64(get_bench, 0);
		for (size_t j = 0; j < b->nm; j++) {
			char *reps = kan__reps_text(&b->m[j]);

			sqlite3_reset(ins_res);
			sqlite3_bind_int64(ins_res, 1, run_id);
			sqlite3_bind_int64(ins_res, 2, bid);
			sqlite3_bind_text(ins_res, 3, b->m[j].name, -1, SQLITE_STATIC);
			sqlite3_bind_double(ins_res, 4, b->m[j].value);
			sqlite3_bind_text(ins_res, 5, reps, -1, free);
			if (sqlite3_step(ins_res) != SQLITE_DONE)
				goto dberr;
			nmetrics++;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	printf("added run %lld from %s (commit %.12s, %zu benchmarks, %zu metrics) to %s\n", (long long)run_id,
	       file, o->commit ? o->commit : r->git_commit ? r->git_commit : "unknown", r->nb, nmetrics, o->db);
	rc = 0;
	goto out;
dberr:
	rc = kan__db_err(db, o->db, "cannot add");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(ins_run);
	sqlite3_finalize(ins_bench);
	sqlite3_finalize(get_bench);
	sqlite3_finalize(ins_res);
	kan_run_free(r);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

struct kan__hrun {
	long long id;
	char *timestamp, *commit, *host;
};

struct kan__hpoint {
	size_t run;    /* index into the runs array */
	double value;
	double *reps;
	size_t nreps;
	int regressed; /* vs the previous point of the same series */
	double change; /* vs previous point */
};

struct kan__hseries {
	long long bench_id;
	char *label, *metric;
	struct kan__hpoint *p;
	size_t n;
};

struct kan__hist {
	struct kan__hrun *runs;
	size_t nruns;
	long long first_run; /* id of runs[0] */
};

static char *kan__col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? strdup(s) : NULL;
}

static void kan__hist_free(struct kan__hist *h)
{
	for (size_t i = 0; i < h->nruns; i++) {
		free(h->runs[i].timestamp);
		free(h->runs[i].commit);
		free(h->runs[i].host);
	}
	free(h->runs);
}

/* The last `last` runs (all when last <= 0), oldest first. */
static int kan__load_runs(sqlite3 *db, long last, struct kan__hist *h)
{
	sqlite3_stmt *st = NULL;

	memset(h, 0, sizeof(*h));
	if (sqlite3_prepare_v2(db, "SELECT id, timestamp, git_commit, host FROM"
				   " (SELECT * FROM runs ORDER BY id DESC LIMIT ?) ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, last > 0 ? last : -1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct kan__hrun *r = realloc(h->runs, (h->nruns + 1) * sizeof(*r));

		if (!r)
			break;
		h->runs = r;
		r = &h->runs[h->nruns++];
		r->id = sqlite3_column_int64(st, 0);
		r->timestamp = kan__col(st, 1);
		r->commit = kan__col(st, 2);
		r->host = kan__col(st, 3);
	}
	sqlite3_finalize(st);
	return 0;
}

static size_t kan__run_index(const struct kan__hist *h, long long id)
{
	size_t lo = 0, hi = h->nruns;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->runs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->nruns && h->runs[lo].id == id ? lo : (size_t)-1;
}

static void kan__series_free(struct kan__hseries *s, size_t n)
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

/* One series per benchmark for metric, over the loaded runs, with markers. */
static int kan__load_series(sqlite3 *db, const struct kan__hist *h, const char *metric, const struct kan__hopts *o,
			    struct kan__hseries **out, size_t *nout)
{
	sqlite3_stmt *st = NULL;
	struct kan__hseries *s = NULL;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (!h->nruns)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT r.bench_id, b.label, r.run_id, r.value, r.reps FROM results r"
				   " JOIN benchmarks b ON b.id = r.bench_id WHERE r.metric = ? AND r.run_id >= ?"
				   " ORDER BY b.label, r.bench_id, r.run_id", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, h->runs[0].id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long bid = sqlite3_column_int64(st, 0);
		const char *label = (const char *)sqlite3_column_text(st, 1);
		size_t ri = kan__run_index(h, sqlite3_column_int64(st, 2));
		struct kan__hseries *cur;
		struct kan__hpoint *p;

		if (ri == (size_t)-1)
			continue;
		if (o->filter && label && !strstr(label, o->filter))
			continue;
		if (!n || s[n - 1].bench_id != bid) {
			struct kan__hseries *ns = realloc(s, (n + 1) * sizeof(*s));

			if (!ns)
				break;
			s = ns;
			cur = &s[n++];
			memset(cur, 0, sizeof(*cur));
			cur->bench_id = bid;
			cur->label = strdup(label ? label : "?");
			cur->metric = strdup(metric);
		}
		cur = &s[n - 1];
		p = realloc(cur->p, (cur->n + 1) * sizeof(*p));
		if (!p)
			break;
		cur->p = p;
		p = &cur->p[cur->n++];
		memset(p, 0, sizeof(*p));
		p->run = ri;
		p->value = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
		p->nreps = kan__reps_parse((const char *)sqlite3_column_text(st, 4), &p->reps);
		p->change = NAN;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		enum kan_dir dir = kan_stats_direction(metric);

		for (size_t j = 1; j < s[i].n; j++) {
			struct kan__hpoint *a = &s[i].p[j - 1], *b = &s[i].p[j];
			struct kan_cmp c;

			if (!a->nreps || !b->nreps)
				continue;
			if (kan_stats_compare(a->reps, a->nreps, b->reps, b->nreps, dir, o->threshold, o->alpha, &c))
				continue;
			b->change = c.change;
			b->regressed = c.verdict == KAN_REGRESSED;
		}
	}
	*out = s;
	*nout = n;
	return 0;
}

static void kan__spark(FILE *f, const struct kan__hseries *s, size_t width)
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

static int kan__show(sqlite3 *db, const struct kan__hopts *o)
{
	struct kan__hist h;
	sqlite3_stmt *st = NULL;
	long long total = 0, nbench = 0;

	if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM benchmarks)", -1, &st,
			       NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return kan__db_err(db, o->db, "cannot read");
	}
	total = sqlite3_column_int64(st, 0);
	nbench = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (kan__load_runs(db, o->last, &h))
		return kan__db_err(db, o->db, "cannot read runs");
	printf("%s: %lld run%s, %lld benchmark%s\n", o->db, total, total == 1 ? "" : "s", nbench, nbench == 1 ? "" : "s");
	if (!h.nruns) {
		printf("no runs yet: add one with kprof history add %s results.json\n", o->db);
		kan__hist_free(&h);
		return 0;
	}
	printf("\nlast %zu run%s:\n", h.nruns > 10 ? 10 : h.nruns, h.nruns == 1 ? "" : "s");
	for (size_t i = h.nruns > 10 ? h.nruns - 10 : 0; i < h.nruns; i++)
		printf("  #%-5lld %-22s commit %-12.12s %s\n", h.runs[i].id, h.runs[i].timestamp ? h.runs[i].timestamp : "-",
		       h.runs[i].commit ? h.runs[i].commit : "unknown", h.runs[i].host ? h.runs[i].host : "");
	printf("\ntrends over the last %zu runs (\"!\" marks a significant regression against the previous run,\n"
	       "Mann-Whitney U at alpha %g and a %g%% threshold):\n", h.nruns, o->alpha, o->threshold * 100);
	for (size_t k = 0; k < o->nmetrics; k++) {
		struct kan__hseries *s;
		size_t n;

		if (kan__load_series(db, &h, o->metrics[k], o, &s, &n)) {
			kan__hist_free(&h);
			return kan__db_err(db, o->db, "cannot read results");
		}
		printf("\n%s:\n", o->metrics[k]);
		if (!n)
			printf("  (no data)\n");
		for (size_t i = 0; i < n; i++) {
			const struct kan__hpoint *lp = &s[i].p[s[i].n - 1];
			char v[48];
			size_t nreg = 0;
			long long last_reg = -1;

			for (size_t j = 0; j < s[i].n; j++)
				if (s[i].p[j].regressed) {
					nreg++;
					last_reg = (long long)j;
				}
			printf("  %-46.46s ", s[i].label);
			kan__spark(stdout, &s[i], 30);
			printf(" %14s", kan_metric_fmt(o->metrics[k], lp->value, v, sizeof(v)));
			if (isfinite(lp->change))
				printf(" %+6.1f%%", lp->change * 100);
			else
				printf(" %7s", "");
			if (nreg)
				printf("  %zu regression%s, last at run #%lld (commit %.12s)", nreg, nreg == 1 ? "" : "s",
				       h.runs[s[i].p[last_reg].run].id,
				       h.runs[s[i].p[last_reg].run].commit ? h.runs[s[i].p[last_reg].run].commit : "unknown");
			printf("\n");
		}
		kan__series_free(s, n);
	}
	kan__hist_free(&h);
	return 0;
}

/* The newest run as a kan_run, for the report charts of the dashboard. */
static int kan__latest_run(sqlite3 *db, struct kan_run **out)
{
	sqlite3_stmt *st = NULL;
	struct kan_run *r = calloc(1, sizeof(*r));
	long long run_id = -1;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	if (sqlite3_prepare_v2(db, "SELECT id, timestamp, git_commit, host, compiler, suite, source FROM runs"
				   " ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		free(r);
		return -EIO;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		run_id = sqlite3_column_int64(st, 0);
		r->timestamp = kan__col(st, 1);
		r->git_commit = kan__col(st, 2);
		r->host = kan__col(st, 3);
		r->compiler = kan__col(st, 4);
		r->suite = kan__col(st, 5);
		r->path = kan__col(st, 6);
	}
	sqlite3_finalize(st);
	r->dir = strdup(".");
	if (run_id < 0) {
		*out = r;
		return 0;
	}
	if (sqlite3_prepare_v2(db, "SELECT b.id, b.key, b.name, b.backend, b.config, b.label, r.metric, r.value, r.reps"
				   " FROM results r JOIN benchmarks b ON b.id = r.bench_id WHERE r.run_id = ?"
				   " ORDER BY b.label, b.id", -1, &st, NULL) != SQLITE_OK) {
		kan_run_free(r);
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, run_id);
	{
		long long cur = -1;

		while (sqlite3_step(st) == SQLITE_ROW) {
			long long bid = sqlite3_column_int64(st, 0);
			struct kan_bench *b;
			struct kan_metric *m;

			if (bid != cur) {
				struct kan_bench *nb = realloc(r->b, (r->nb + 1) * sizeof(*nb));

				if (!nb)
					break;
				r->b = nb;
				b = &r->b[r->nb++];
				memset(b, 0, sizeof(*b));
				b->key = kan__col(st, 1);
				b->name = kan__col(st, 2);
				b->backend = kan__col(st, 3);
				b->config = kan__col(st, 4);
				b->label = kan__col(st, 5);
				b->leak_bytes = NAN;
				cur = bid;
			}
			b = &r->b[r->nb - 1];
			m = realloc(b->m, (b->nm + 1) * sizeof(*m));
			if (!m)
				break;
			b->m = m;
			m = &b->m[b->nm++];
			m->name = kan__col(st, 6);
			m->value = sqlite3_column_type(st, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 7);
			m->nreps = kan__reps_parse((const char *)sqlite3_column_text(st, 8), &m->reps);
		}
	}
	sqlite3_finalize(st);
	*out = r;
	return 0;
}

static int kan__dashboard(sqlite3 *db, const struct kan__hopts *o)
{
	static const char *const trend_metrics[] = { "throughput_msgs_per_sec", "latency_p99_ns", "bytes_per_msg" };
	static const char *const trend_titles[] = { "Throughput trends", "p99 latency trends",
						    "Memory per message trends (bytes allocated per message)" };
	struct kan__hist h;
	struct kan_run *latest = NULL;
	FILE *f;
	char *tmp = NULL;
	size_t max_charts = 40;

	if (!o->out)
		return kan_die("history: dashboard needs -o FILE.html");
	if (kan__load_runs(db, o->last, &h))
		return kan__db_err(db, o->db, "cannot read runs");
	if (kan__latest_run(db, &latest)) {
		kan__hist_free(&h);
		return kan__db_err(db, o->db, "cannot read the latest run");
	}
	if (asprintf(&tmp, "%s.tmp.%ld", o->out, (long)getpid()) < 0 || !(f = fopen(tmp, "w"))) {
		kan__hist_free(&h);
		kan_run_free(latest);
		free(tmp);
		return kan_die("history: %s: %s", o->out, strerror(errno));
	}
	kan_html_head(f, "kprof benchmark dashboard");
	fprintf(f, "<header><h1>kprof benchmark dashboard</h1><p>");
	kan_html_escape(f, o->db);
	fprintf(f, " · %zu run%s shown", h.nruns, h.nruns == 1 ? "" : "s");
	if (h.nruns) {
		fprintf(f, " · from ");
		kan_html_escape(f, h.runs[0].timestamp ? h.runs[0].timestamp : "?");
		fprintf(f, " to ");
		kan_html_escape(f, h.runs[h.nruns - 1].timestamp ? h.runs[h.nruns - 1].timestamp : "?");
		fprintf(f, " · latest commit <code>");
		kan_html_escape(f, h.runs[h.nruns - 1].commit ? h.runs[h.nruns - 1].commit : "unknown");
		fprintf(f, "</code>");
	}
	fprintf(f, "</p></header>\n<main>\n");
	if (!h.nruns)
		fprintf(f, "<p>No runs yet: add one with <code>kprof history add DB results.json</code>.</p>\n");

	/* Regression markers first: they are why one opens this page. */
	fprintf(f, "<h2 id=\"regressions\">Regressions</h2>\n");
	{
		int any = 0;

		for (size_t k = 0; k < KU_ARRAY_SIZE(trend_metrics); k++) {
			struct kan__hseries *s;
			size_t n;

			if (kan__load_series(db, &h, trend_metrics[k], o, &s, &n))
				continue;
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < s[i].n; j++) {
					const struct kan__hrun *run = &h.runs[s[i].p[j].run];

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
			kan__series_free(s, n);
		}
		if (any)
			fprintf(f, "</table>\n");
		else
			fprintf(f, "<p>No significant regression between consecutive runs (Mann-Whitney U, α = %g, threshold %g%%).</p>\n",
				o->alpha, o->threshold * 100);
	}

	for (size_t k = 0; k < KU_ARRAY_SIZE(trend_metrics); k++) {
		struct kan__hseries *s;
		size_t n;

		if (kan__load_series(db, &h, trend_metrics[k], o, &s, &n))
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
				x[j] = (double)h.runs[s[i].p[j].run].id;
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
		kan__series_free(s, n);
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
	kan__hist_free(&h);
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

static int kan__export(sqlite3 *db, const struct kan__hopts *o)
{
	int bigger;
	struct ku_json_writer w;
	sqlite3_stmt *st = NULL;
	long long run_id = o->run;
	int rc;

	if (!o->format || (strcmp(o->format, "gab-bigger") && strcmp(o->format, "gab-smaller")))
		return kan_die("history: export needs --format gab-bigger|gab-smaller (github-action-benchmark "
			       "customBiggerIsBetter / customSmallerIsBetter)");
	bigger = !strcmp(o->format, "gab-bigger");
	if (run_id <= 0) {
		if (sqlite3_prepare_v2(db, "SELECT max(id) FROM runs", -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return kan__db_err(db, o->db, "cannot read runs");
		}
		run_id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (run_id <= 0)
			return kan_die("history: %s: no runs to export", o->db);
	}
	if (sqlite3_prepare_v2(db, "SELECT b.label, r.metric, r.value, r.reps FROM results r JOIN benchmarks b"
				   " ON b.id = r.bench_id WHERE r.run_id = ? ORDER BY b.label, r.metric", -1, &st,
			       NULL) != SQLITE_OK)
		return kan__db_err(db, o->db, "cannot read results");
	sqlite3_bind_int64(st, 1, run_id);
	ku_json_writer_init(&w, KU_JSON_PRETTY);
	ku_json_array_begin(&w);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 0);
		const char *metric = (const char *)sqlite3_column_text(st, 1);
		double v = sqlite3_column_double(st, 2), *reps = NULL;
		size_t nreps;
		char name[512], extra[64];

		if (!metric || (kan_stats_direction(metric) == KAN_DIR_BIGGER) != bigger)
			continue;
		if (sqlite3_column_type(st, 2) == SQLITE_NULL || !isfinite(v))
			continue;
		if (o->nmetrics) {
			int want = 0;

			for (size_t i = 0; i < o->nmetrics; i++)
				want |= !strcmp(o->metrics[i], metric);
			if (!want)
				continue;
		}
		if (o->filter && label && !strstr(label, o->filter))
			continue;
		nreps = kan__reps_parse((const char *)sqlite3_column_text(st, 3), &reps);
		snprintf(name, sizeof(name), "%s %s", label ? label : "?", metric);
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "name", name);
		ku_json_kv_string(&w, "unit", kan_metric_unit(metric));
		ku_json_kv_double(&w, "value", v);
		if (nreps > 1) {
			double lo = reps[0], hi = reps[0];

			for (size_t i = 1; i < nreps; i++) {
				lo = fmin(lo, reps[i]);
				hi = fmax(hi, reps[i]);
			}
			snprintf(extra, sizeof(extra), "± %.4g", (hi - lo) / 2);
			ku_json_kv_string(&w, "range", extra);
			snprintf(extra, sizeof(extra), "%zu repetitions", nreps);
			ku_json_kv_string(&w, "extra", extra);
		}
		ku_json_object_end(&w);
		free(reps);
	}
	sqlite3_finalize(st);
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

static int kan__husage(void)
{
	return kan_die("usage: kprof history add DB results.json... [--commit C] [--force] | show DB [--last N] [--metric M]"
		       " [--benchmark FILTER] | dashboard DB -o dashboard.html [--last N] | export DB --format "
		       "gab-bigger|gab-smaller [-o FILE] [--run ID]");
}

int kan_cmd_history(int argc, char **argv)
{
	struct kan__hopts o = { .threshold = 0.05, .alpha = 0.05 };
	const char *sub, *files[4096];
	size_t nfiles = 0;
	sqlite3 *db = NULL;
	int rc = 0;

	if (argc < 2)
		return kan__husage();
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		printf("usage: kprof history add DB results.json... [--commit C] [--force]\n"
		       "       kprof history show DB [--last N] [--metric M]... [--benchmark FILTER]\n"
		       "       kprof history dashboard DB -o dashboard.html [--last N] [--benchmark FILTER]\n"
		       "       kprof history export DB --format gab-bigger|gab-smaller [-o FILE] [--run ID] [--metric M]\n");
		return 0;
	}
	if (strcmp(sub, "add") && strcmp(sub, "show") && strcmp(sub, "dashboard") && strcmp(sub, "export"))
		return kan_die("history: unknown subcommand '%s' (add, show, dashboard, export)", sub);
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
		else if (!strcmp(a, "--metric") && i + 1 < argc) {
			if (o.nmetrics < KU_ARRAY_SIZE(o.metrics))
				o.metrics[o.nmetrics++] = argv[++i];
		} else if ((!strcmp(a, "--last") || !strcmp(a, "--run")) && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v <= 0)
				return kan_die("history: bad %s '%s' (want a positive number)", a, argv[i]);
			if (!strcmp(a, "--last"))
				o.last = v;
			else
				o.run = v;
		} else if (!strcmp(a, "--threshold") && i + 1 < argc) {
			if (kan__parse_fraction(argv[++i], &o.threshold))
				return kan_die("history: bad --threshold '%s'", argv[i]);
		} else if (a[0] == '-' && a[1]) {
			return kan__husage();
		} else if (!o.db) {
			o.db = a;
		} else if (nfiles < KU_ARRAY_SIZE(files)) {
			files[nfiles++] = a;
		} else {
			return kan_die("history: too many files in one call");
		}
	}
	if (!o.db)
		return kan__husage();
	if (!strcmp(sub, "add")) {
		if (!nfiles)
			return kan_die("history: add needs at least one results.json");
		/* every file must read before the database is created or touched */
		for (size_t i = 0; i < nfiles; i++) {
			struct kan_run *r = NULL;
			char err[512];

			if (kan_run_load(files[i], &r, err, sizeof(err)))
				return kan_die("history: %s (nothing added)", err);
			kan_run_free(r);
		}
		if ((rc = kan__db_open(o.db, 1, &db)))
			return rc;
		for (size_t i = 0; i < nfiles && !rc; i++)
			rc = kan__add_one(db, &o, files[i]);
	} else {
		if (nfiles)
			return kan__husage();
		if ((rc = kan__db_open(o.db, 0, &db)))
			return rc;
		if (!o.nmetrics && strcmp(sub, "export")) {
			o.metrics[o.nmetrics++] = "throughput_msgs_per_sec";
			o.metrics[o.nmetrics++] = "latency_p99_ns";
		}
		if (!strcmp(sub, "show")) {
			if (!o.last)
				o.last = 30;
			rc = kan__show(db, &o);
		} else if (!strcmp(sub, "dashboard")) {
			rc = kan__dashboard(db, &o);
		} else {
			rc = kan__export(db, &o);
		}
	}
	sqlite3_close(db);
	return rc;
}
