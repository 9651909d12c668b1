/* SPDX-License-Identifier: MIT */
/* driver-internal: the parsed flags and helpers shared by driver.c and core.c. */
#ifndef KB_DRIVER_INTERNAL_H
#define KB_DRIVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "driver.h"
#include "hist.h"
#include "json.h"

#ifndef KB_GIT_COMMIT
#define KB_GIT_COMMIT "unknown"
#endif

struct kb_cfg {
	enum kb_mode mode;
	const char *prog;
	const char *backend;
	const struct kb_backend *be;
	const char *brokers, *topic, *name, *json, *log_file;
	uint64_t size, count, max_lag;
	unsigned batch, clients, metadata, reps, queue_depth, window;
	double duration, warmup, rate, nack_rate, timeout;
	int log_level; /* -1 off, 0 error .. 4 trace */
	int qos, partitions;
	bool corr, ack, quiet, verify, count_set, duration_set, max_lag_set;
	bool realtime; /* --realtime: SCHED_FIFO + pinning + mlockall when permitted */
};

int kb__core_run(struct kb_cfg *c);
void kb__json_config(struct ku_json_writer *w, const struct kb_cfg *c);
void kb__json_latency(struct ku_json_writer *w, const char *prefix, const struct ku_hist *h);
/* Opens the result document (schema, host, ...) up to the benchmarks array. */
void kb__json_begin(struct ku_json_writer *w, const struct kb_cfg *c);
/* Closes it and saves it to --json when given; 0 or -errno (reported). */
int kb__json_finish(struct ku_json_writer *w, const struct kb_cfg *c);
double kb__median(double *v, unsigned n);
uint64_t kb__peak_rss(void);
uint64_t kb__cpu_ns(void);

#endif
