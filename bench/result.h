/* SPDX-License-Identifier: MIT */
/*
 * result: the kprof-bench/1 result documents of the drivers (bench_pub,
 * bench_sub, bench_e2e write theirs with kb_result_messaging(), bench_core
 * builds its own from the pieces). Writing never calls back into the
 * driver: everything a document holds comes in through the arguments.
 */
#ifndef KB_RESULT_H
#define KB_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "flags.h"
#include "hist.h"
#include "json.h"

#ifndef KB_GIT_COMMIT
#define KB_GIT_COMMIT "unknown"
#endif

/* Figures of one repetition of a messaging run. */
struct kb_rep_fig {
	double thr, bps, cpu, elapsed_ns; /* msg/s, bytes/s, CPU %, ns (0: not run) */
	uint64_t msgs, errors;
	double allocs_per_msg, bytes_per_msg; /* when have_alloc */
	bool have_alloc;
	uint64_t lat[6], unc[6]; /* p50 p90 p95 p99 p99.9 max, ns (unc: from the actual send) */
};

/* A messaging run over all its repetitions. */
struct kb_run_totals {
	uint64_t msgs, errors, attempts;
	uint64_t lost, dup, reordered, corrupt, redeliveries, nacks, warm; /* consumers only */
	uint64_t connect_ns, connect_max_ns; /* mean and max per connection (networked backends) */
	uint64_t message_bytes;		     /* one serialized message */
	const struct ku_hist *lat, *unc;     /* every repetition merged */
	bool consumers, networked, kalloc_loaded, failed, realtime;
	const char *error; /* the first failure, when failed */
};

/* Opens the document in w (schema, timestamp, git_commit, compiler, tool,
 * version, host) up to the open "benchmarks" array. */
void kb_result_begin(struct ku_json_writer *w, const struct kb_cfg *c);
/* "config": every flag; realtime is whether --realtime took effect. */
void kb_result_config(struct ku_json_writer *w, const struct kb_cfg *c, bool realtime);
/* PREFIX_p50_ns ... PREFIX_p999_ns, PREFIX_max_ns, PREFIX_mean_ns, PREFIX_count. */
void kb_result_latency(struct ku_json_writer *w, const char *prefix, const struct ku_hist *h);
/* Closes the array and the document and saves it to --json when given;
 * 0, or -errno after saying so on stderr. */
int kb_result_finish(struct ku_json_writer *w, const struct kb_cfg *c);
/* The whole document of a messaging run; 0, or 2 when it could not be
 * written. */
int kb_result_messaging(const struct kb_cfg *c, const struct kb_rep_fig *fig, const struct kb_run_totals *t);

/* Median of v[0..n) (sorts v); 0 for n == 0. */
double kb_median(double *v, unsigned n);
/* Peak resident set of this process, bytes. */
uint64_t kb_peak_rss(void);
/* User + system CPU time of this process, ns. */
uint64_t kb_cpu_ns(void);

#endif
