/* SPDX-License-Identifier: MIT */
/*
 * backend: the one small interface every broker backend implements
 * (memory, kafka, amqp, mqtt; one file each). A connection is either a
 * publisher or a consumer of one topic. Messages are opaque byte strings
 * (the drivers put serialized kb_msg in them).
 *
 * Contract for every backend:
 * - open() connects (or fails within opts->timeout_ms with a one-line
 *   reason in err) and, for consumers, subscribes; the time it took is
 *   reported by the drivers as connection establishment time.
 * - publish() sends a batch; it may block for back-pressure but gives up
 *   with -ETIMEDOUT after opts->timeout_ms without progress. With
 *   opts->ack the backend asks the broker for confirmations and counts the
 *   confirmed/failed messages (flush() waits for all of them).
 * - poll() delivers up to max messages to cb, waiting at most timeout_ms
 *   for the first one; returns the number delivered, 0 on timeout or a
 *   negative errno when the connection is lost. With opts->ack the
 *   callback's return value settles the message: 0 acknowledges it, 1
 *   rejects it (nack) and the broker redelivers it later with
 *   kb_delivery.redelivered set. The data pointer is valid only during the
 *   callback.
 * - All functions return 0 / a count or a negative errno; kb_conn_error()
 *   gives the last error text of the connection.
 */
#ifndef KB_BACKEND_H
#define KB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kb_role { KB_PUB, KB_SUB };

struct kb_opts {
	const char *brokers;  /* address list, NULL = backend default */
	const char *topic;
	int qos;              /* mqtt: 0, 1 or 2 */
	bool ack;             /* publisher confirms / consumer acknowledgements */
	unsigned queue_depth; /* memory: bound of each subscriber queue (messages) */
	unsigned window;      /* outstanding unconfirmed messages allowed */
	int partitions;       /* kafka: partitions of the topic */
	int timeout_ms;       /* connect / progress timeout */
	int client_index;     /* which client of the run (ids, partitions) */
	bool purge;           /* publisher: delete what it published at close
				 (bench_pub, where nobody consumes) */
	bool spin;            /* consumer: busy-poll, never sleep while waiting
				 (memory backend; set by --realtime) */
};

struct kb_buf {
	const void *data;
	size_t len;
};

struct kb_delivery {
	const void *data;
	size_t len;
	int partition;    /* kafka partition, else 0 */
	bool redelivered; /* the broker delivered it before (after a nack) */
};

/* Return 0 to ack, 1 to nack (only meaningful with opts->ack). */
typedef int (*kb_deliver_fn)(void *arg, const struct kb_delivery *d);

struct kb_conn;

struct kb_stats {
	uint64_t published; /* messages accepted by publish() */
	uint64_t confirmed; /* with ack: positively confirmed by the broker */
	uint64_t failed;    /* with ack: negatively confirmed / delivery errors */
	uint64_t acked, nacked;
	uint64_t dropped;   /* memory: published to a topic without subscribers */
};

struct kb_backend {
	const char *name;
	bool networked; /* connection time is meaningful */
	int (*open)(struct kb_conn **out, enum kb_role role, const struct kb_opts *o, char *err,
		    size_t errlen);
	int (*publish)(struct kb_conn *c, const struct kb_buf *msgs, size_t n);
	int (*poll)(struct kb_conn *c, kb_deliver_fn cb, void *arg, int max, int timeout_ms);
	/* Waits until every published message is confirmed (or failed). */
	int (*flush)(struct kb_conn *c, int timeout_ms);
	void (*stats)(struct kb_conn *c, struct kb_stats *st);
	void (*close)(struct kb_conn *c);
	/* Optional: called once per process at exit (kafka stops its mock
	   cluster helper). */
	void (*shutdown)(void);
};

/* Finds a backend by name; NULL when unknown or not built. */
const struct kb_backend *kb_backend_find(const char *name);
/* "memory kafka amqp mqtt" limited to what is built. */
const char *kb_backend_list(void);
const char *kb_conn_error(struct kb_conn *c);
void kb_backend_shutdown_all(void);

extern const struct kb_backend kb_backend_memory;
extern const struct kb_backend kb_backend_kafka;
extern const struct kb_backend kb_backend_amqp;
extern const struct kb_backend kb_backend_mqtt;

#endif
