/* SPDX-License-Identifier: MIT */
/*
 * history store: where `kprof history` keeps benchmark runs, behind one
 * small table of operations with two implementations, SQLite
 * (history-sqlite.c, a file path) and PostgreSQL (history-pg.c, a
 * postgresql:// or postgres:// URI through libpq), in the manner of
 * mimalloc's prim.h. A backend only stores and fetches rows in its own SQL
 * dialect: it creates and migrates its schema, adds one run in one
 * transaction, and reads runs, metric points and the results of a run.
 * Everything else is here once (history-store.c): choosing the backend,
 * run identity, repetitions text, trend series with regression markers,
 * loading a run back as a kan_run, the compare baseline, and copying a
 * whole history from one store to another.
 *
 * Errors: functions return 0, or a negative value after one line (no
 * newline) in s->err; opening returns the line through err. The commands
 * print it as "history: WHERE: what: line" and exit 2.
 *
 * Run identity: a run is "the same" as a stored one when timestamp,
 * commit, host and suite are all equal (NULL equals NULL), the rule of the
 * first SQLite store. The rule is kept as a canonical text (ident) under a
 * unique index, so a concurrent add of the same results file conflicts in
 * the database instead of in a check-then-insert race. Every stored run
 * also has a random uid that copies keep, so copying twice adds nothing.
 */
#ifndef KAN_HISTORY_H
#define KAN_HISTORY_H

#include <stddef.h>

#include "results.h"

/* The schema this kprof writes; older ones are migrated on open, newer
 * ones are refused (exit 2, "upgrade kprof"). */
#define KAN_HIST_SCHEMA 2

enum kan_hmode {
	KAN_HIST_READ,   /* must exist; migrated if older */
	KAN_HIST_CREATE, /* created when missing */
};

/* One stored run (all strings may be NULL; owned by the holder). */
struct kan_hrun {
	long long id;
	char *timestamp, *commit, *host, *compiler, *suite, *source, *added_at;
	char *branch, *runner; /* where it came from: CI branch, runner name */
	char *uid;             /* random, kept by copies */
	char *ident;           /* identity text (NULL: never a duplicate) */
};

/* Which runs to read: NULL members match everything. host is the runner
 * name (the CI runner, else the hostname the results file names). */
struct kan_hfilter {
	const char *branch, *host;
};

/* What a backend stores for one run: benchmarks unique by key, results
 * unique by (benchmark, metric). */
struct kan_hbench {
	const char *key, *name, *backend, *config, *label;
};
struct kan_hrow {
	size_t bench;       /* index into the benchmarks */
	const char *metric;
	double value;       /* NAN stored as NULL */
	const char *reps;   /* kan_hist_reps_text() */
};
struct kan_hadd {
	const struct kan_hrun *run; /* id ignored */
	const struct kan_hbench *b;
	size_t nb;
	const struct kan_hrow *rows;
	size_t nrows;
};

/* One result row as read back, for the callbacks below. */
struct kan_hresult {
	long long bench_id, run_id;
	const char *key, *name, *backend, *config, *label; /* key..config: results op only */
	const char *metric;
	double value;      /* NAN when NULL */
	const char *reps;
};
/* Return non-zero to stop (the op then returns -ENOMEM). */
typedef int (*kan_hresult_fn)(void *ctx, const struct kan_hresult *r);

struct kan_hstore;

struct kan_hstore_ops {
	const char *name; /* "SQLite", "PostgreSQL" */
	/* Open, creating or migrating the schema. 0, or negative with err. */
	int (*open)(const char *where, enum kan_hmode mode, struct kan_hstore **out, char *err, size_t errlen);
	void (*close)(struct kan_hstore *s);
	/* Runs matching f, and benchmarks in the store. */
	int (*count)(struct kan_hstore *s, const struct kan_hfilter *f, long long *runs, long long *benchmarks);
	/* The newest `last` runs matching f (all when last <= 0), oldest first. */
	int (*runs)(struct kan_hstore *s, const struct kan_hfilter *f, long last, struct kan_hrun **out, size_t *n);
	/* Values of metric for runs >= from matching f, ordered by label,
	 * benchmark id, run id (label, bench_id, run_id, value, reps set). */
	int (*points)(struct kan_hstore *s, const struct kan_hfilter *f, const char *metric, long long from,
		      kan_hresult_fn fn, void *ctx);
	/* Every result of run id, ordered by label, benchmark id, metric. */
	int (*results)(struct kan_hstore *s, long long id, kan_hresult_fn fn, void *ctx);
	/* One run in one transaction: 0 added (*id its id), 1 already stored
	 * by uid or identity (*id the stored one, nothing written). */
	int (*add)(struct kan_hstore *s, const struct kan_hadd *a, long long *id);
};

/* Backends embed this first. */
struct kan_hstore {
	const struct kan_hstore_ops *ops;
	char err[512];
};

extern const struct kan_hstore_ops kan__hsqlite_ops; /* history-sqlite.c */
extern const struct kan_hstore_ops kan__hpg_ops;     /* history-pg.c, or history-nopg.c without libpq */

/* ---- history-store.c -------------------------------------------------- */

/* The backend for a DB argument: a postgresql:// or postgres:// URI, else
 * an SQLite path. */
const struct kan_hstore_ops *kan_hist_backend(const char *db);
/* history-text.c: is db a postgresql:// or postgres:// URI */
int kan__hist_is_uri(const char *db);
/* DB for messages: a URI's password replaced by "***". Malloc'd. */
char *kan_hist_display(const char *db);
/* Open db (kan_hist_backend). 0 or the exit status 2 after one line on
 * stderr ("history: DISPLAY: ..."). */
int kan_hist_open(const char *db, enum kan_hmode mode, struct kan_hstore **out);
void kan_hist_close(struct kan_hstore *s);

/* Schema helpers for backends: the one-line refusal of a newer schema,
 * and a libpq/SQLite message cut to one line (trailing blanks dropped). */
void kan__hist_newer(char *err, size_t len, long found);
void kan__hist_oneline(char *dst, size_t len, const char *msg);
/* Identity text of a run, NULL when it has none (no timestamp). Malloc'd. */
char *kan__hist_ident(const char *timestamp, const char *commit, const char *host, const char *suite);
/* A fresh random uid (32 hex digits). Malloc'd. */
char *kan__hist_uid(void);

/* Repetitions as stored: comma-separated "%.17g". */
char *kan_hist_reps_text(const double *v, size_t n);
size_t kan_hist_reps_parse(const char *s, double **out);

void kan_hist_runs_free(struct kan_hrun *r, size_t n);

/* Add a loaded results file as run meta (meta->uid, ident may be NULL:
 * then a uid is made; ident is taken as given). 0 added, 1 already there,
 * negative on error (s->err). */
int kan_hist_add(struct kan_hstore *s, const struct kan_hrun *meta, const struct kan_run *r, long long *id,
		 size_t *nmetrics);
/* The results of stored run id as a kan_run (path = label, dir "."). */
int kan_hist_load_run(struct kan_hstore *s, const struct kan_hrun *meta, const char *label, struct kan_run **out);

/* Trend series of one metric over loaded runs, with markers. */
struct kan_hpoint {
	size_t run;    /* index into the runs array */
	double value;
	double *reps;
	size_t nreps;
	int regressed; /* vs the previous point of the same series */
	double change; /* vs previous point, NAN when unknown */
};
struct kan_hseries {
	long long bench_id;
	char *label, *metric;
	struct kan_hpoint *p;
	size_t n;
};
/* filter: benchmark label substring (NULL: all). */
int kan_hist_series(struct kan_hstore *s, const struct kan_hfilter *f, const struct kan_hrun *runs, size_t nruns,
		    const char *metric, const char *filter, double threshold, double alpha, struct kan_hseries **out,
		    size_t *nout);
void kan_hist_series_free(struct kan_hseries *s, size_t n);

/* kprof compare --baseline-from DB: the newest run matching f that is not
 * cur itself (same identity). Exit status (0, or 2 after one line). */
int kan_hist_baseline(const char *db, const struct kan_hfilter *f, const struct kan_run *cur, struct kan_run **out);

/* kprof history copy FROM TO: every run of from not yet in to (by uid or
 * identity), oldest first, one transaction per run. Exit status. */
int kan_hist_copy(const char *from, const char *to, const struct kan_hfilter *f);

/* ---- history-dashboard.c ---------------------------------------------- */

struct kan_hdash {
	const char *db, *out, *filter;
	const struct kan_hfilter *f;
	long last;
	double threshold, alpha;
};
int kan_hist_dashboard(struct kan_hstore *s, const struct kan_hdash *d);

#endif
