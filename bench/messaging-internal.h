/* SPDX-License-Identifier: MIT */
/*
 * messaging-internal: the state of a messaging run (bench_pub, bench_sub,
 * bench_e2e) that messaging.c shares with its threads: one producer
 * (producer.c) and, but for bench_pub, one consumer (consumer.c) per
 * client, and the --realtime set-up both use (realtime.c).
 *
 * Threads: the producer writes its own struct kb_prod, the consumer its
 * struct kb_cons; the fields marked _Atomic are read across threads
 * (sent, done, progress). messaging.c reads the rest after joining them.
 */
#ifndef KB_MESSAGING_INTERNAL_H
#define KB_MESSAGING_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "backend.h"
#include "flags.h"
#include "hist.h"
#include "message.h"
#include "msglog.h"

struct kb_prod {
	struct kb_run *run;
	int idx;
	struct kb_conn *conn;
	char topic[256];
	uint64_t target; /* measured messages, 0 in duration mode */
	pthread_t th;
	/* per rep */
	_Atomic uint64_t sent; /* measured messages published */
	uint64_t sent_bytes, errors, t_start, t_end;
	struct ku_hist *lat;
	_Atomic int done;
	int fail;
	char err[300];
	/* buffers */
	uint8_t *arena;
	size_t stride;
	struct kb_buf *bufs;
	uint8_t *payload;
	char meta_scratch[24 * KB_MSG_MAX_META];
	struct kb_msg proto;
};

struct kb_track {
	uint64_t *bits;
	uint64_t nbits;
	uint64_t last[64];
	uint64_t seen_last; /* bit i: last[i] valid */
};

struct kb_cons {
	struct kb_run *run;
	int idx;
	struct kb_conn *conn;
	pthread_t th;
	struct kb_track *track; /* per producer */
	struct ku_hist *lat, *lat_unc;
	uint64_t received, deliveries, dup, redeliveries, reordered, corrupt, warm, stale, nacks;
	uint64_t bytes, first_ns, last_ns;
	_Atomic uint64_t progress; /* deliveries so far, for the publisher's lag bound */
	int fail, timed_out;
	char err[300];
	struct kb_log *log;
};

struct kb_run {
	struct kb_cfg *cfg;
	unsigned rep;
	struct kb_prod *prod;
	struct kb_cons *cons;
	pthread_barrier_t barrier;
	_Atomic int producers_done;
	uint64_t connect_ns_sum, connect_ns_max;
	unsigned nconnect;
	atomic_int rt_refused; /* a thread was refused SCHED_FIFO (--realtime) */
};

/* Buffers and the message template of producer p; 0 or -ENOMEM. */
int kb__prod_init(struct kb_prod *p);
/* Thread bodies: warm-up, the two start barriers, the measured part. */
void *kb__prod_main(void *arg);
void *kb__cons_main(void *arg);
/* --realtime for the calling thread: SCHED_FIFO and, with 2+ CPUs, a CPU
 * of its own (slot 2i for producer i, 2i + 1 for its consumer). A refusal
 * is said once and recorded in run->rt_refused. 0 or -errno. */
int kb__realtime_thread(struct kb_run *run, unsigned slot);

#endif
