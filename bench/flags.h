/* SPDX-License-Identifier: MIT */
/*
 * flags: the drivers' command line (the contract's common flags plus the
 * drivers' own), parsed into one struct kb_cfg that every other part of a
 * driver reads. Bad flags end the program through kb_die() (exit 2);
 * --help and --version print and exit 0.
 */
#ifndef KB_FLAGS_H
#define KB_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "transport.h"

enum kb_mode { KB_MODE_PUB, KB_MODE_SUB, KB_MODE_E2E, KB_MODE_CORE };

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
	enum kb_transport transport; /* --transport, or the scheme of --brokers */
	char broker_uri[512];        /* ws: the URI brokers points to */
};

/* Names of the log levels 0 (error) .. 4 (trace). */
extern const char *const kb_log_level_names[5];

/* Parses argv into c; c->mode and c->prog are the caller's. Sets the
 * defaults, checks ranges and combinations, finds the backend (not for
 * bench_core) and caps --reps at 1000. */
void kb_flags_parse(struct kb_cfg *c, int argc, char **argv);

/* Resolves --transport (NULL when not given) and --brokers of `backend`
 * into *t; for mqtt points *brokers at the URI written into uri
 * (tcp://HOST:PORT, ws://HOST:PORT/PATH; left NULL for TCP when not
 * given). Bad or contradictory values end the program (kb_die, exit 2):
 * ws is for the mqtt backend only. bench_connect shares it. */
void kb_flags_transport(const char *backend, const char **brokers, const char *transport, enum kb_transport *t,
			char *uri, size_t urilen);

#endif
