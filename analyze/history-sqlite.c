/* SPDX-License-Identifier: MIT */
/*
 * history-sqlite: the SQLite backend of the history store (history.h), an
 * embedded file for one machine. Writers take the database lock up front
 * (BEGIN IMMEDIATE) and wait for it (busy timeout, plus a retry loop for
 * the SQLITE_BUSY the busy handler does not cover), so concurrent `history
 * add` processes serialize instead of losing runs; the WAL journal lets
 * readers go on meanwhile. A file that is not a kprof history (corrupt,
 * foreign, a directory) is refused and never written to.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "ku.h"

#define KAN_SQ_BUSY_MS 30000

struct kan__sq {
	struct kan_hstore base;
	sqlite3 *db;
};

/*
 * Schema steps: step i takes a store from version i to i + 1. Version 1 is
 * the first kprof history file; version 2 adds where a run came from
 * (branch, runner: the hostname for older runs), a uid kept by copies and the identity text under a
 * unique index. The identity backfill is the SQL twin of kan__hist_ident():
 * only the oldest of runs already stored twice (--force) keeps it.
 */
static const char *const sq_steps[] = {
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
	"INSERT INTO meta(key, value) VALUES('kprof_history_schema', '1');"
	"CREATE TABLE runs("
	" id INTEGER PRIMARY KEY, timestamp TEXT, git_commit TEXT, host TEXT, compiler TEXT,"
	" suite TEXT, source TEXT, added_at TEXT);"
	"CREATE TABLE benchmarks("
	" id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, name TEXT, backend TEXT, config TEXT, label TEXT);"
	"CREATE TABLE results("
	" run_id INTEGER NOT NULL REFERENCES runs(id), bench_id INTEGER NOT NULL REFERENCES benchmarks(id),"
	" metric TEXT NOT NULL, value REAL, reps TEXT, PRIMARY KEY(run_id, bench_id, metric));"
	"CREATE INDEX results_by_bench ON results(bench_id, metric, run_id);",

	"ALTER TABLE runs ADD COLUMN branch TEXT;"
	"ALTER TABLE runs ADD COLUMN runner TEXT;"
	"ALTER TABLE runs ADD COLUMN uid TEXT;"
	"ALTER TABLE runs ADD COLUMN ident TEXT;"
	"UPDATE runs SET uid = lower(hex(randomblob(16))),"
	" runner = CASE WHEN instr(host, ',') > 0 THEN substr(host, 1, instr(host, ',') - 1) ELSE host END;"
	"UPDATE runs SET ident ="
	" CASE WHEN timestamp IS NULL THEN '-' ELSE length(CAST(timestamp AS BLOB)) || ':' || timestamp END || '|' ||"
	" CASE WHEN git_commit IS NULL THEN '-' ELSE length(CAST(git_commit AS BLOB)) || ':' || git_commit END || '|' ||"
	" CASE WHEN host IS NULL THEN '-' ELSE length(CAST(host AS BLOB)) || ':' || host END || '|' ||"
	" CASE WHEN suite IS NULL THEN '-' ELSE length(CAST(suite AS BLOB)) || ':' || suite END"
	" WHERE id IN (SELECT min(id) FROM runs WHERE timestamp IS NOT NULL GROUP BY timestamp, git_commit, host, suite);"
	"CREATE UNIQUE INDEX runs_uid ON runs(uid);"
	"CREATE UNIQUE INDEX runs_ident ON runs(ident);"
	"CREATE INDEX runs_by_branch ON runs(branch, id);"
	"UPDATE meta SET value = '2' WHERE key = 'kprof_history_schema';",
};
_Static_assert(KU_ARRAY_SIZE(sq_steps) == KAN_HIST_SCHEMA, "one schema step per version");

static int sq_fail(struct kan__sq *s, const char *what)
{
	snprintf(s->base.err, sizeof(s->base.err), "%s: %s", what, sqlite3_errmsg(s->db));
	return -EIO;
}

/*
 * sqlite3_exec that waits out SQLITE_BUSY the busy handler does not cover:
 * switching a fresh file to WAL, or a first read while another process
 * recovers the WAL, can return BUSY at once. Retries for up to
 * KAN_SQ_BUSY_MS, then returns the last result.
 */
static int sq_exec_retry(sqlite3 *db, const char *sql)
{
	int rc;

	for (int waited = 0;; waited += 10) {
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= KAN_SQ_BUSY_MS)
			return rc;
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void sq_unreadable(sqlite3 *db, char *err, size_t len)
{
	int code = sqlite3_errcode(db);

	if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		snprintf(err, len, "not a usable kprof history database (%s)", sqlite3_errmsg(db));
	else
		snprintf(err, len, "cannot read: %s", sqlite3_errmsg(db));
}

/*
 * The schema version: 0 for a file without tables (new), -1 for tables
 * that are not kprof's, -2 for an error (err set), else the version.
 */
static long sq_version(sqlite3 *db, char *err, size_t len)
{
	sqlite3_stmt *st = NULL;
	long v = -2;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sqlite_master),"
				   " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
			       -1, &st, NULL) != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW)
		goto fail;
	if (!sqlite3_column_int64(st, 0)) {
		sqlite3_finalize(st);
		return 0;
	}
	if (!sqlite3_column_int64(st, 1)) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'kprof_history_schema'", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		char *end = NULL;

		v = t ? strtol(t, &end, 10) : 0;
		if (!t || end == t || *end || v <= 0)
			v = -1;
	} else if (rc == SQLITE_DONE) {
		v = -1;
	} else {
		goto fail;
	}
	sqlite3_finalize(st);
	return v;
fail:
	sq_unreadable(db, err, len);
	sqlite3_finalize(st);
	return -2;
}

/* Bring the schema from its version to KAN_HIST_SCHEMA in one write
 * transaction (a concurrent opener may have done it meanwhile). */
static int sq_migrate(sqlite3 *db, char *err, size_t len)
{
	long v;

	if (sq_exec_retry(db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		snprintf(err, len, "cannot lock: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	v = sq_version(db, err, len);
	if (v == -1)
		snprintf(err, len, "not a kprof history database (no kprof tables)");
	else if (v > KAN_HIST_SCHEMA)
		kan__hist_newer(err, len, v);
	if (v < 0 || v > KAN_HIST_SCHEMA) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -EINVAL;
	}
	for (; v < KAN_HIST_SCHEMA; v++)
		if (sqlite3_exec(db, sq_steps[v], NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, len, "cannot %s the schema: %s", v ? "migrate" : "create", sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -EIO;
		}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, len, "cannot write the schema: %s", sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	return 0;
}

static int sq_connect(const char *path, int flags, sqlite3 **out, char *err, size_t len)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);

	*out = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, len, "cannot open: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, KAN_SQ_BUSY_MS);
	/* Validate before anything: a corrupt or foreign file says so here. */
	if (sq_exec_retry(db, "SELECT count(*) FROM sqlite_master") != SQLITE_OK) {
		sq_unreadable(db, err, len);
		sqlite3_close(db);
		return -EIO;
	}
	*out = db;
	return 0;
}

static int sq_open(const char *path, enum kan_hmode mode, struct kan_hstore **out, char *err, size_t len)
{
	struct kan__sq *s;
	sqlite3 *db = NULL;
	struct stat st;
	long v;

	*out = NULL;
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(err, len, "is a directory, not a database file");
		return -EISDIR;
	}
	if (mode == KAN_HIST_READ && access(path, F_OK)) {
		snprintf(err, len, "no such database (create it with kprof history add)");
		return -ENOENT;
	}
	if (sq_connect(path, mode == KAN_HIST_CREATE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
							 : SQLITE_OPEN_READONLY, &db, err, len))
		return -EIO;
	v = sq_version(db, err, len);
	if (v == -1 || (v == 0 && mode == KAN_HIST_READ))
		snprintf(err, len, "not a kprof history database (no kprof tables)");
	else if (v > KAN_HIST_SCHEMA)
		kan__hist_newer(err, len, v);
	if (v < 0 || v > KAN_HIST_SCHEMA || (v == 0 && mode == KAN_HIST_READ)) {
		sqlite3_close(db);
		return -EINVAL;
	}
	if (v < KAN_HIST_SCHEMA) {
		/* an older (or new) file: migrated by whoever opens it first */
		if (mode == KAN_HIST_READ) {
			sqlite3_close(db);
			if (sq_connect(path, SQLITE_OPEN_READWRITE, &db, err, len)) {
				snprintf(err, len, "history schema version %ld needs migrating to %d and the file is not "
					 "writable here", v, KAN_HIST_SCHEMA);
				return -EACCES;
			}
		}
		if ((mode == KAN_HIST_CREATE && sq_exec_retry(db, "PRAGMA journal_mode=WAL") != SQLITE_OK) ||
		    sq_migrate(db, err, len)) {
			if (!err[0])
				snprintf(err, len, "cannot create the schema: %s", sqlite3_errmsg(db));
			sqlite3_close(db);
			return -EIO;
		}
	}
	if (mode == KAN_HIST_CREATE)
		sq_exec_retry(db, "PRAGMA synchronous=NORMAL");
	if (!(s = calloc(1, sizeof(*s)))) {
		sqlite3_close(db);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	s->base.ops = &kan__hsqlite_ops;
	s->db = db;
	*out = &s->base;
	return 0;
}

static void sq_close(struct kan_hstore *hs)
{
	struct kan__sq *s = (struct kan__sq *)hs;

	sqlite3_close(s->db);
	free(s);
}

static void sq_bind(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* ?1 branch, ?2 host (NULL: any) */
#define KAN_SQ_FILTER "(?1 IS NULL OR u.branch = ?1) AND (?2 IS NULL OR u.runner = ?2)"

static void sq_bind_filter(sqlite3_stmt *st, const struct kan_hfilter *f)
{
	sq_bind(st, 1, f ? f->branch : NULL);
	sq_bind(st, 2, f ? f->host : NULL);
}

static int sq_count(struct kan_hstore *hs, const struct kan_hfilter *f, long long *runs, long long *benchmarks)
{
	struct kan__sq *s = (struct kan__sq *)hs;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT (SELECT count(*) FROM runs u WHERE " KAN_SQ_FILTER "),"
				      " (SELECT count(*) FROM benchmarks)", -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "cannot read");
	sq_bind_filter(st, f);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sq_fail(s, "cannot read");
	}
	*runs = sqlite3_column_int64(st, 0);
	*benchmarks = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

static char *sq_col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v ? strdup(v) : NULL;
}

static int sq_runs(struct kan_hstore *hs, const struct kan_hfilter *f, long last, struct kan_hrun **out,
		   size_t *n)
{
	struct kan__sq *s = (struct kan__sq *)hs;
	sqlite3_stmt *st = NULL;
	struct kan_hrun *runs = NULL;
	size_t nr = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT id, timestamp, git_commit, host, compiler, suite, source, added_at,"
				      " branch, runner, uid, ident FROM (SELECT * FROM runs u WHERE " KAN_SQ_FILTER
				      " ORDER BY id DESC LIMIT ?3) ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "cannot read runs");
	sq_bind_filter(st, f);
	sqlite3_bind_int64(st, 3, last > 0 ? last : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kan_hrun *r;

		if (nr == cap) {
			r = realloc(runs, (cap = cap ? cap * 2 : 64) * sizeof(*r));
			if (!r) {
				rc = SQLITE_NOMEM;
				break;
			}
			runs = r;
		}
		r = &runs[nr++];
		r->id = sqlite3_column_int64(st, 0);
		r->timestamp = sq_col(st, 1);
		r->commit = sq_col(st, 2);
		r->host = sq_col(st, 3);
		r->compiler = sq_col(st, 4);
		r->suite = sq_col(st, 5);
		r->source = sq_col(st, 6);
		r->added_at = sq_col(st, 7);
		r->branch = sq_col(st, 8);
		r->runner = sq_col(st, 9);
		r->uid = sq_col(st, 10);
		r->ident = sq_col(st, 11);
	}
	if (rc != SQLITE_DONE) {
		sq_fail(s, "cannot read runs");
		sqlite3_finalize(st);
		kan_hist_runs_free(runs, nr);
		return -EIO;
	}
	sqlite3_finalize(st);
	*out = runs;
	*n = nr;
	return 0;
}

static double sq_value(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static int sq_points(struct kan_hstore *hs, const struct kan_hfilter *f, const char *metric, long long from,
		     kan_hresult_fn fn, void *ctx)
{
	struct kan__sq *s = (struct kan__sq *)hs;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT r.bench_id, b.label, r.run_id, r.value, r.reps FROM results r"
				      " JOIN benchmarks b ON b.id = r.bench_id JOIN runs u ON u.id = r.run_id"
				      " WHERE r.metric = ?3 AND r.run_id >= ?4 AND " KAN_SQ_FILTER
				      " ORDER BY b.label, r.bench_id, r.run_id", -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "cannot read results");
	sq_bind_filter(st, f);
	sq_bind(st, 3, metric);
	sqlite3_bind_int64(st, 4, from);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kan_hresult x = {
			.bench_id = sqlite3_column_int64(st, 0),
			.label = (const char *)sqlite3_column_text(st, 1),
			.run_id = sqlite3_column_int64(st, 2),
			.metric = metric,
			.value = sq_value(st, 3),
			.reps = (const char *)sqlite3_column_text(st, 4),
		};

		if (fn(ctx, &x)) {
			sqlite3_finalize(st);
			snprintf(s->base.err, sizeof(s->base.err), "out of memory");
			return -ENOMEM;
		}
	}
	if (rc != SQLITE_DONE) {
		sq_fail(s, "cannot read results");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	return 0;
}

static int sq_results(struct kan_hstore *hs, long long id, kan_hresult_fn fn, void *ctx)
{
	struct kan__sq *s = (struct kan__sq *)hs;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT b.id, b.key, b.name, b.backend, b.config, b.label, r.metric, r.value,"
				      " r.reps FROM results r JOIN benchmarks b ON b.id = r.bench_id WHERE r.run_id = ?"
				      " ORDER BY b.label, b.id, r.metric", -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "cannot read results");
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kan_hresult x = {
			.bench_id = sqlite3_column_int64(st, 0),
			.run_id = id,
			.key = (const char *)sqlite3_column_text(st, 1),
			.name = (const char *)sqlite3_column_text(st, 2),
			.backend = (const char *)sqlite3_column_text(st, 3),
			.config = (const char *)sqlite3_column_text(st, 4),
			.label = (const char *)sqlite3_column_text(st, 5),
			.metric = (const char *)sqlite3_column_text(st, 6),
			.value = sq_value(st, 7),
			.reps = (const char *)sqlite3_column_text(st, 8),
		};

		if (fn(ctx, &x)) {
			sqlite3_finalize(st);
			snprintf(s->base.err, sizeof(s->base.err), "out of memory");
			return -ENOMEM;
		}
	}
	if (rc != SQLITE_DONE) {
		sq_fail(s, "cannot read results");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	return 0;
}

static int sq_add(struct kan_hstore *hs, const struct kan_hadd *a, long long *id)
{
	struct kan__sq *s = (struct kan__sq *)hs;
	const struct kan_hrun *m = a->run;
	sqlite3_stmt *ins_run = NULL, *ins_bench = NULL, *get_bench = NULL, *ins_res = NULL;
	sqlite3_int64 *bid = calloc(a->nb ? a->nb : 1, sizeof(*bid));
	int rc = -EIO;

	if (!bid) {
		snprintf(s->base.err, sizeof(s->base.err), "out of memory");
		return -ENOMEM;
	}
	if (sq_exec_retry(s->db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		sq_fail(s, "cannot lock");
		free(bid);
		return -EIO;
	}
	/* A run already stored (same uid, or same identity: a re-run CI job)
	   is ignored by the unique indexes, inside the write transaction. */
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO runs(timestamp, git_commit, host, compiler, suite,"
				      " source, added_at, branch, runner, uid, ident) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &ins_run, NULL) != SQLITE_OK)
		goto dberr;
	sq_bind(ins_run, 1, m->timestamp);
	sq_bind(ins_run, 2, m->commit);
	sq_bind(ins_run, 3, m->host);
	sq_bind(ins_run, 4, m->compiler);
	sq_bind(ins_run, 5, m->suite);
	sq_bind(ins_run, 6, m->source);
	sq_bind(ins_run, 7, m->added_at);
	sq_bind(ins_run, 8, m->branch);
	sq_bind(ins_run, 9, m->runner);
	sq_bind(ins_run, 10, m->uid);
	sq_bind(ins_run, 11, m->ident);
	if (sqlite3_step(ins_run) != SQLITE_DONE)
		goto dberr;
	if (!sqlite3_changes(s->db)) {
		sqlite3_stmt *dup = NULL;

		if (sqlite3_prepare_v2(s->db, "SELECT id FROM runs WHERE uid = ? OR ident = ? ORDER BY id LIMIT 1", -1,
				       &dup, NULL) != SQLITE_OK)
			goto dberr;
		sq_bind(dup, 1, m->uid);
		sq_bind(dup, 2, m->ident);
		*id = sqlite3_step(dup) == SQLITE_ROW ? sqlite3_column_int64(dup, 0) : -1;
		sqlite3_finalize(dup);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		rc = 1;
		goto out;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO benchmarks(key, name, backend, config, label)"
				      " VALUES(?,?,?,?,?)", -1, &ins_bench, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT id FROM benchmarks WHERE key = ?", -1, &get_bench, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO results(run_id, bench_id, metric, value, reps)"
				      " VALUES(?,?,?,?,?)", -1, &ins_res, NULL) != SQLITE_OK)
		goto dberr;
	for (size_t i = 0; i < a->nb; i++) {
		const struct kan_hbench *b = &a->b[i];

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
		bid[i] = sqlite3_column_int64(get_bench, 0);
	}
	for (size_t i = 0; i < a->nrows; i++) {
		const struct kan_hrow *r = &a->rows[i];

		sqlite3_reset(ins_res);
		sqlite3_bind_int64(ins_res, 1, *id);
		sqlite3_bind_int64(ins_res, 2, bid[r->bench]);
		sqlite3_bind_text(ins_res, 3, r->metric, -1, SQLITE_STATIC);
		if (isnan(r->value))
			sqlite3_bind_null(ins_res, 4);
		else
			sqlite3_bind_double(ins_res, 4, r->value);
		sqlite3_bind_text(ins_res, 5, r->reps, -1, SQLITE_STATIC);
		if (sqlite3_step(ins_res) != SQLITE_DONE)
			goto dberr;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	rc = 0;
	goto out;
dberr:
	sq_fail(s, "cannot add");
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	rc = -EIO;
out:
	sqlite3_finalize(ins_run);
	sqlite3_finalize(ins_bench);
	sqlite3_finalize(get_bench);
	sqlite3_finalize(ins_res);
	free(bid);
	return rc;
}

const struct kan_hstore_ops kan__hsqlite_ops = {
	.name = "SQLite",
	.open = sq_open,
	.close = sq_close,
	.count = sq_count,
	.runs = sq_runs,
	.points = sq_points,
	.results = sq_results,
	.add = sq_add,
};
