/* SPDX-License-Identifier: MIT */
/*
 * kbench-internal: what the files of kbench share. kbench.c is main; it
 * calls the others, which never call back:
 *
 *   kbench-opts.c     the command line, the suite file, where the parts are
 *   kbench-brokers.c  private brokers (--start-brokers), and the backends
 *                     skipped for want of a broker
 *   kbench-case.c     running cases: the plain processes of each, then the
 *                     runs under libkalloc and libksamp
 *   kbench-ab.c       kbench ab: two builds' plain runs interleaved
 *   kbench-results.c  results.json from what the cases wrote, the summary
 *   kbench-util.c     child processes with a time limit, files, signals
 *   kbench-suite.c    suite files into cases (kbench.h)
 *   kbench-ci.c       the CI reports of a run (kbench-ci.h)
 *
 * kbench-ab.c uses the case runner, the results writer and the brokers;
 * every file uses kbench-util.c.
 */
#ifndef KB_KBENCH_INTERNAL_H
#define KB_KBENCH_INTERNAL_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "kbench.h"

#define KB_NBACKENDS 4	/* memory kafka amqp mqtt, in kb__backend_names order */
#define KB_BROKER_WS KB_NBACKENDS /* started[] slot of the MQTT-over-WebSocket broker */
#define KB_NBROKERS (KB_NBACKENDS + 1)
#define KB_MAX_SKIPS 8	/* backend notes of one run */
#define KB_MAX_METRICS 64 /* metrics of one benchmark object */
#define KB_MAX_REPS 100	/* plain processes of one case */

enum kb_cmd { KB_CMD_RUN, KB_CMD_LIST, KB_CMD_AB };

struct kb_opts_run {
	enum kb_cmd cmd;
	const char *suite, *out, *bindir, *kprof, *kalloc, *ksamp, *backends, *count, *commit;
	const char *ab_base, *ab_new, *threshold; /* kbench ab */
	int processes;
	const char *brokers[KB_NBACKENDS]; /* --broker B=ADDR */
	const char *mqtt_ws;               /* --broker mqtt-ws=ADDR: the WebSocket listener */
	int reps, quiet, no_profile, start_brokers;
	int ci_reports;          /* --ci-reports: leaks.sarif, leaks.junit.xml */
	const char *source_root; /* --source-root, for them */
};

/* A backend the run leaves out, and why (printed, in results.json, in the
 * report). */
struct kb_skip {
	char backend[16];
	char why[256];
};

/* What one case produced. */
struct kb_result {
	const struct kb_case *c;
	int ok;        /* plain repetitions succeeded */
	char why[600]; /* failure text */
	struct ku_json *reps[KB_MAX_REPS];
	int nreps;
	struct ku_json *kalloc_json;
	struct ku_json *stats, *leaks;
	int has_cpu, has_flame, has_heap, has_leaks_txt, has_mem_svg;
	double seconds;
	/* summary for the table */
	double thr, p50, p99, allocs, bytes, leaked;
};

/* A private broker started through scripts/brokers. */
struct kb_broker {
	char *script, *kind, *dir;
	char addr[64];
	char tcp_addr[64]; /* rabbitmq-ws: the same node's MQTT TCP listener */
	int running, failed;
};

/* The programs and libraries a run uses (new strings; NULL: not found). */
struct kb_parts {
	char *bindir, *kprof, *kalloc, *ksamp;
};

extern const char *const kb__backend_names[KB_NBACKENDS];
extern char kb__exedir[PATH_MAX];		 /* the directory of this kbench */
extern volatile sig_atomic_t kb__interrupted; /* SIGINT, SIGTERM, SIGHUP seen */

/* kbench-opts.c */
void kb__usage(FILE *f);
/* argv[1] is the command (run, list, ab); the options are checked and
 * filled into *o. Mistakes end the program with exit status 2. */
void kb__opts_parse(int argc, char **argv, struct kb_opts_run *o);
/* Path of the suite NAME (a file, or a shipped suite), new string. */
char *kb__find_suite(const char *name);
/* Options first, then the build tree, then the installed layout; sets
 * o->bindir to the absolute driver directory. */
void kb__find_parts(struct kb_opts_run *o, struct kb_parts *parts);

/* kbench-brokers.c */
/* For amqp and mqtt cases without --broker: start a private broker
 * (--start-brokers) or add a skip note. */
void kb__brokers_up(struct kb_opts_run *o, const struct kb_case *cases, size_t ncases,
		    struct kb_broker started[KB_NBROKERS], struct kb_skip *skips, size_t *nskips);
void kb__stop_broker(struct kb_broker *b);

/* kbench-case.c */
/* One plain driver process of case c (bindir's driver), its result into
 * runs/rep-N.json (N = r->nreps + 1). 0, or -1 with r->why set. */
int kb__run_plain(const struct kb_case *c, struct kb_result *r, const char *bindir, const char *runs,
		  const char *broker);
/* The --broker address for the backend (and transport) of c, or NULL. */
const char *kb__broker_for(const struct kb_opts_run *o, const struct kb_case *c);
/* c is skipped by one of the notes: its backend's, or "mqtt-ws" for MQTT
 * over WebSocket. */
int kb__case_skipped(const struct kb_case *c, const struct kb_skip *skips, size_t nskips);
/* Every case not skipped, into res[ncases]: the plain processes, then the
 * libkalloc and libksamp runs. *nran and *nfailed count them; a backend
 * that turns out not to be built becomes a skip note. */
void kb__run_cases(const struct kb_opts_run *o, const struct kb_suite *s, const struct kb_parts *parts,
		   const struct kb_case *cases, size_t ncases, struct kb_result *res, struct kb_skip *skips,
		   size_t *nskips, size_t *nran, size_t *nfailed);
void kb__result_free(struct kb_result *r);

/* kbench-ab.c: the exit status of kprof compare (1: a regression), 2 on
 * interruption or without a verdict. */
int kb__ab(const struct kb_opts_run *o, const struct kb_suite *s, const char *suite_path,
	   const struct kb_case *cases, size_t ncases, const char *kprof, const struct kb_skip *skips,
	   size_t nskips, struct kb_broker *started, double t0);

/* kbench-results.c */
/* The merged kprof-bench/1 document of res (cases run from bindir). */
void kb__write_results(const char *path, const struct kb_opts_run *o, const char *bindir,
		       const struct kb_suite *suite, const char *suite_path, const char *kalloc,
		       const char *ksamp, double t0, const struct kb_skip *skips, size_t nskips,
		       struct kb_result *res, const struct kb_case *cases, size_t ncases);
/* The table of every case that ran and the paths written, on stdout
 * (ci_written: the number of CI reports kb_ci_reports wrote). */
void kb__print_summary(const struct kb_opts_run *o, const struct kb_suite *suite, const struct kb_result *res,
		       const struct kb_case *cases, size_t ncases, const struct kb_skip *skips, size_t nskips,
		       size_t nran, size_t nfailed, double t0, int ci_written);

/* kbench-util.c */
char *kb__fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* never NULL */
int kb__isfile(const char *p, int mode);
int kb__mkdirs(const char *path);
/* First existing candidate (NULL-terminated list), as a new string. */
char *kb__find(int mode, ...);
double kb__now(void);
void kb__init_exedir(void);
void kb__catch_signals(void);
/* Runs argv with extra environment (NAME=VALUE, NULL-terminated), stdout
 * and stderr into logpath, in its own process group, killed after timeout.
 * Returns the exit status, 128+signal, or -ETIMEDOUT / -errno. */
int kb__spawn(char *const *argv, const char *const *extra_env, const char *logpath, double timeout_s);
/* As kb__spawn, with stdout into outpath when it is not NULL. */
int kb__spawn_out(char *const *argv, const char *const *extra_env, const char *logpath, const char *outpath,
		  double timeout_s);
/* Last non-empty line of a log, for notes. */
void kb__log_tail(const char *path, char *buf, size_t len);

#endif
