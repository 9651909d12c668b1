/* SPDX-License-Identifier: MIT */
/*
 * messaging: the run of bench_pub, bench_sub and bench_e2e. A run opens
 * one publisher (and, but for bench_pub, one consumer) connection per
 * client, then repeats: warm-up, a barrier, the measured part, drain.
 * Client i publishes to TOPIC (one client) or TOPIC.i and its consumer
 * reads that topic, so each pair is one ordered stream. Per-thread
 * histograms are merged at the end; the result goes to --json
 * (result.h) and a line per repetition to stderr.
 */
#ifndef KB_MESSAGING_H
#define KB_MESSAGING_H

#include "flags.h"

/* The driver's exit status: 0 success, 1 integrity failure (messages
 * lost, duplicated, corrupt or out of order), 2 the run failed. */
int kb_messaging_run(struct kb_cfg *c);

#endif
