/* SPDX-License-Identifier: MIT */
/*
 * consumer: the consuming thread of a messaging run (bench_sub,
 * bench_e2e), one per client, reading the topic of its producer. Every
 * message carries its producer, repetition and sequence number: the
 * consumer counts loss, duplicates (one bit per sequence number),
 * reordering (per partition), corruption (--verify checks every byte) and
 * redeliveries exactly, rejects --nack-rate of them, and records the
 * latency from the intended send time (the schedule: no coordinated
 * omission) and from the actual send time ("uncorrected").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "kalloc-glue.h"
#include "ku.h"
#include "messaging-internal.h"

static int track_set(struct kb_track *t, uint64_t seq)
{
	if (seq >= t->nbits) {
		uint64_t n = t->nbits ? t->nbits : 4096;
		uint64_t *nb;

		while (n <= seq)
			n *= 2;
		if (n > (1ull << 40))
			return -1;
		nb = realloc(t->bits, n / 8);
		if (!nb)
			return -1;
		memset((uint8_t *)nb + t->nbits / 8, 0, (n - t->nbits) / 8);
		t->bits = nb;
		t->nbits = n;
	}
	if (t->bits[seq >> 6] & (1ull << (seq & 63)))
		return 1;
	t->bits[seq >> 6] |= 1ull << (seq & 63);
	return 0;
}

static bool verify(const struct kb_cfg *c, const void *data, size_t len)
{
	struct kb_msg m;
	const uint8_t *pl;

	if (kb_msg_parse(data, len, &m))
		return false;
	if ((m.id.b[6] >> 4) != 4 || (m.id.b[8] >> 6) != 2)
		return false;
	if (!!(m.flags & KB_MSG_F_CORR) != c->corr || m.nmeta != c->metadata || m.len != c->size)
		return false;
	for (unsigned i = 0; i < m.nmeta; i++) {
		char k[8], v[8];
		int kl = snprintf(k, sizeof(k), "k%u", i), vl = snprintf(v, sizeof(v), "v%u-", i);

		if (m.meta[i].klen != kl || memcmp(m.meta[i].key, k, (size_t)kl) || m.meta[i].vlen != vl + 8 ||
		    memcmp(m.meta[i].val, v, (size_t)vl))
			return false;
	}
	pl = m.payload;
	for (size_t i = 0; i < m.len; i++)
		if (pl[i] != (uint8_t)(i * 31u + m.seq))
			return false;
	return true;
}

static int cons_cb(void *arg, const struct kb_delivery *d)
{
	struct kb_cons *cs = arg;
	struct kb_run *run = cs->run;
	const struct kb_cfg *c = run->cfg;
	uint64_t now = ku_now_ns(), seq, intended, sent;
	uint32_t producer;
	unsigned pidx, part;
	bool redelivered;
	uint8_t flags;
	struct kb_track *t;
	int r;

	cs->deliveries++;
	if ((cs->deliveries & 255) == 0)
		atomic_store_explicit(&cs->progress, cs->deliveries, memory_order_relaxed);
	if (kb_msg_peek(d->data, d->len, &producer, &seq, &intended, &sent)) {
		cs->corrupt++;
		return 0;
	}
	flags = ((const uint8_t *)d->data)[1];
	if ((producer >> 16) != (run->rep & 0xffff)) {
		cs->stale++;
		return 0;
	}
	redelivered = d->redelivered || (flags & KB_MSG_F_REDELIVERED);
	if (redelivered)
		cs->redeliveries++;
	if (flags & KB_MSG_F_WARMUP) {
		cs->warm++;
		return 0;
	}
	if (c->nack_rate > 0 && !redelivered && (double)(kb_rand64() >> 11) * 0x1p-53 < c->nack_rate) {
		cs->nacks++;
		return 1;
	}
	pidx = producer & 0xffff;
	if (pidx >= c->clients || (c->verify && !verify(c, d->data, d->len))) {
		cs->corrupt++;
		return 0;
	}
	t = &cs->track[pidx];
	r = track_set(t, seq);
	if (r != 0) {
		cs->dup++;
		return 0;
	}
	cs->received++;
	cs->bytes += d->len;
	part = (unsigned)d->partition & 63;
	if (!redelivered) {
		if ((t->seen_last >> part) & 1) {
			if (seq < t->last[part])
				cs->reordered++;
		}
		t->seen_last |= 1ull << part;
		t->last[part] = seq;
		ku_hist_record(cs->lat, now - intended);
		ku_hist_record(cs->lat_unc, now - sent);
	}
	if (!cs->first_ns)
		cs->first_ns = now;
	cs->last_ns = now;
	if (cs->log)
		kb_log_msg(c, cs->log, "consume", d->data, d->len, now);
	return 0;
}

static uint64_t expected(struct kb_run *run, int idx)
{
	return atomic_load(&run->prod[idx].sent);
}

void *kb__cons_main(void *arg)
{
	struct kb_cons *cs = arg;
	struct kb_run *run = cs->run;
	const struct kb_cfg *c = run->cfg;
	uint64_t idle_since = ku_now_ns(), timeout = (uint64_t)(c->timeout * 1e9);

	cs->log = kb_log_open(c);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (c->realtime)
		kb__realtime_thread(run, 2 * (unsigned)cs->idx + 1);
	for (;;) {
		int rc = c->be->poll(cs->conn, cons_cb, cs, 4096, 50);
		bool pdone = atomic_load(&run->prod[cs->idx].done);

		if (rc < 0) {
			cs->fail = rc;
			snprintf(cs->err, sizeof(cs->err), "consumer %d: %s", cs->idx, kb_conn_error(cs->conn));
			break;
		}
		if (rc > 0) {
			idle_since = ku_now_ns();
			atomic_store_explicit(&cs->progress, cs->deliveries, memory_order_relaxed);
		}
		if (pdone && cs->received >= expected(run, cs->idx))
			break;
		if (ku_now_ns() - idle_since > timeout) {
			cs->timed_out = 1;
			snprintf(cs->err, sizeof(cs->err), "consumer %d: no message for %.1f s (%s)", cs->idx, c->timeout,
				 pdone ? "messages lost" : "broker or publisher stalled");
			break;
		}
	}
	kb_kalloc_messages(cs->received);
	kb_log_close(cs->log);
	cs->log = NULL;
	return NULL;
}
