/* SPDX-License-Identifier: MIT */
/*
 * test-memory: the in-process broker through the backend interface:
 * fan-out with wildcards, ordering, back-pressure with timeout, nack and
 * redelivery, 16 MiB messages, and a two-thread stream with no loss.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "ku.h"
#include "tap.h"

struct sink {
	uint64_t n, next, bad_order, redelivered, bytes;
	int nack_seq; /* nack this value once */
	int nacked;
};

static int collect(void *arg, const struct kb_delivery *d)
{
	struct sink *s = arg;
	uint64_t v = 0;

	if (d->len >= 8)
		memcpy(&v, d->data, 8);
	if (d->redelivered) {
		s->redelivered++;
		s->n++;
		return 0;
	}
	if (s->nack_seq >= 0 && v == (uint64_t)s->nack_seq && !s->nacked) {
		s->nacked = 1;
		return 1;
	}
	if (v != s->next)
		s->bad_order++;
	s->next = v + 1;
	s->n++;
	s->bytes += d->len;
	return 0;
}

static const struct kb_opts base = { .topic = "a/x/c", .queue_depth = 1 << 16, .timeout_ms = 2000 };

static struct kb_conn *open_conn(enum kb_role role, const char *topic, unsigned depth, bool ack, int timeout_ms)
{
	struct kb_opts o = base;
	struct kb_conn *c = NULL;
	char err[256];

	o.topic = topic;
	o.queue_depth = depth;
	o.ack = ack;
	o.timeout_ms = timeout_ms;
	if (kb_backend_memory.open(&c, role, &o, err, sizeof(err)))
		tap_diag("open %s: %s", topic, err);
	return c;
}

static int publish_seq(struct kb_conn *p, uint64_t from, uint64_t n)
{
	struct kb_buf b[64];
	uint64_t v[64];

	while (n) {
		size_t k = n < 64 ? (size_t)n : 64;

		for (size_t i = 0; i < k; i++) {
			v[i] = from + i;
			b[i].data = &v[i];
			b[i].len = 8;
		}
		int rc = kb_backend_memory.publish(p, b, k);
		if (rc)
			return rc;
		from += k;
		n -= k;
	}
	return 0;
}

static void drain(struct kb_conn *c, struct sink *s)
{
	while (kb_backend_memory.poll(c, collect, s, 1000, 0) > 0)
		;
}

struct stream {
	struct kb_conn *p;
	uint64_t n;
	int rc;
};

static void *producer(void *arg)
{
	struct stream *st = arg;

	st->rc = publish_seq(st->p, 0, st->n);
	return NULL;
}

int main(void)
{
	struct kb_conn *s1, *s2, *s3, *p;
	struct sink k1 = { .nack_seq = -1 }, k2 = { .nack_seq = -1 }, k3 = { .nack_seq = -1 };
	struct kb_stats st;
	char err[256];

	/* fan-out */
	s1 = open_conn(KB_SUB, "a/+/c", 1 << 16, false, 1000);
	s2 = open_conn(KB_SUB, "a/#", 1 << 16, false, 1000);
	s3 = open_conn(KB_SUB, "b/#", 1 << 16, false, 1000);
	p = open_conn(KB_PUB, "a/x/c", 0, false, 1000);
	tap_ok(s1 && s2 && s3 && p, "open three subscribers and a publisher");
	tap_is_int(publish_seq(p, 0, 1000), 0, "publish 1000");
	drain(s1, &k1);
	drain(s2, &k2);
	drain(s3, &k3);
	tap_is_int(k1.n, 1000, "'a/+/c' got every message");
	tap_is_int(k2.n, 1000, "'a/#' got every message");
	tap_is_int(k3.n, 0, "'b/#' got none");
	tap_is_int(k1.bad_order + k2.bad_order, 0, "order kept per queue");
	kb_backend_memory.close(s3);
	kb_backend_memory.close(s2);
	kb_backend_memory.close(s1);

	/* no subscriber: dropped and counted */
	tap_is_int(publish_seq(p, 0, 10), 0, "publish with no subscriber");
	kb_backend_memory.stats(p, &st);
	tap_is_int(st.dropped, 10, "messages without subscriber counted as dropped");
	kb_backend_memory.close(p);

	/* back-pressure: depth 10, nobody consuming: the 11th waits, then times out */
	s1 = open_conn(KB_SUB, "bp", 10, false, 200);
	p = open_conn(KB_PUB, "bp", 0, false, 200);
	{
		uint64_t t0 = ku_now_ns();
		int rc = publish_seq(p, 0, 11);
		double ms = (double)(ku_now_ns() - t0) / 1e6;

		tap_is_int(rc, -ETIMEDOUT, "publish beyond the queue depth times out");
		tap_ok(ms >= 150 && ms < 2000, "after about the timeout (%.0f ms)", ms);
		tap_ok(strstr(kb_conn_error(p), "full") != NULL, "error says why: %s", kb_conn_error(p));
	}
	memset(&k1, 0, sizeof(k1));
	k1.nack_seq = -1;
	drain(s1, &k1);
	tap_is_int(k1.n, 10, "the 10 queued messages are delivered");
	kb_backend_memory.close(p);
	kb_backend_memory.close(s1);

	/* nack: message 5 comes back once, flagged redelivered */
	s1 = open_conn(KB_SUB, "nack", 1024, true, 1000);
	p = open_conn(KB_PUB, "nack", 0, false, 1000);
	publish_seq(p, 0, 20);
	memset(&k1, 0, sizeof(k1));
	k1.nack_seq = 5;
	drain(s1, &k1);
	tap_is_int(k1.n, 20, "20 accepted deliveries after one nack");
	tap_is_int(k1.redelivered, 1, "one redelivery, flagged");
	kb_backend_memory.stats(s1, &st);
	tap_ok(st.nacked == 1 && st.acked == 20, "stats: %llu acked, %llu nacked", (unsigned long long)st.acked,
	       (unsigned long long)st.nacked);
	kb_backend_memory.close(p);
	kb_backend_memory.close(s1);

	/* 16 MiB message and an empty one */
	s1 = open_conn(KB_SUB, "big", 16, false, 1000);
	p = open_conn(KB_PUB, "big", 0, false, 1000);
	{
		size_t n = 16u << 20;
		uint8_t *big = malloc(n);
		struct kb_buf b[2] = { { big, n }, { "", 0 } };

		memset(big, 0xab, n);
		memset(big, 0, 8);
		tap_is_int(kb_backend_memory.publish(p, b, 2), 0, "publish 16 MiB and 0-byte messages");
		memset(&k1, 0, sizeof(k1));
		k1.nack_seq = -1;
		drain(s1, &k1);
		tap_ok(k1.n == 2 && k1.bytes == n, "both delivered, %llu bytes", (unsigned long long)k1.bytes);
		free(big);
	}
	kb_backend_memory.close(p);
	kb_backend_memory.close(s1);

	/* a stream between two threads through a small queue */
	{
		struct stream sm = { .n = 2000000 };
		pthread_t th;
		uint64_t idle = 0;

		s1 = open_conn(KB_SUB, "stream", 256, false, 5000);
		sm.p = open_conn(KB_PUB, "stream", 0, false, 5000);
		memset(&k1, 0, sizeof(k1));
		k1.nack_seq = -1;
		pthread_create(&th, NULL, producer, &sm);
		while (k1.n < sm.n && idle < 100) {
			int got = kb_backend_memory.poll(s1, collect, &k1, 4096, 50);

			idle = got > 0 ? 0 : idle + 1;
		}
		pthread_join(th, NULL);
		tap_is_int(sm.rc, 0, "producer finished");
		tap_is_int(k1.n, sm.n, "2M messages through a 256-deep queue, none lost");
		tap_is_int(k1.bad_order, 0, "in order");
		kb_backend_memory.close(sm.p);
		kb_backend_memory.close(s1);
	}

	/* bad input */
	{
		struct kb_opts o = base;
		struct kb_conn *c;

		o.topic = "a/#/b";
		tap_is_int(kb_backend_memory.open(&c, KB_SUB, &o, err, sizeof(err)), -EINVAL, "bad filter: %s", err);
		o.topic = "a/+";
		tap_is_int(kb_backend_memory.open(&c, KB_PUB, &o, err, sizeof(err)), -EINVAL, "publish to a wildcard: %s",
			   err);
	}
	return tap_done();
}
