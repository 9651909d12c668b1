/* SPDX-License-Identifier: MIT */
/*
 * producer: the publishing thread of a messaging run, one per client.
 * Warm-up (messages flagged warm-up, excluded from every figure), the two
 * start barriers, then the measured part: --count messages in total or
 * --duration seconds, in batches of --batch, on the constant-rate
 * schedule of --rate when given (each batch at its intended send time, so
 * a stalled sender cannot hide its stall), never more than --max-lag
 * messages ahead of its consumer. bench_pub times each publish() call
 * (plus the wait for confirmations with --ack).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "kalloc-glue.h"
#include "ku.h"
#include "messaging-internal.h"

static void fill_payload(uint8_t *p, size_t len, uint64_t seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31u + seq);
}

int kb__prod_init(struct kb_prod *p)
{
	const struct kb_cfg *c = p->run->cfg;
	struct kb_msg *m = &p->proto;
	size_t max;

	memset(m, 0, sizeof(*m));
	if (c->metadata)
		kb_msg_fill_meta(m, c->metadata, p->meta_scratch, sizeof(p->meta_scratch));
	m->flags = c->corr ? KB_MSG_F_CORR : 0;
	m->len = (uint32_t)c->size;
	p->payload = malloc(c->size ? c->size : 1);
	if (!p->payload)
		return -ENOMEM;
	fill_payload(p->payload, c->size, 0);
	m->payload = p->payload;
	max = kb_msg_size(m);
	p->stride = (max + 63) & ~(size_t)63;
	p->arena = malloc(p->stride * c->batch);
	p->bufs = calloc(c->batch, sizeof(*p->bufs));
	if (!p->arena || !p->bufs)
		return -ENOMEM;
	return ku_hist_new(&p->lat, KU_HIST_DEFAULT_HIGHEST, KU_HIST_DEFAULT_SIGFIGS);
}

/* Builds and publishes n messages. Returns 0 or the backend's error. */
static int send_batch(struct kb_prod *p, unsigned n, uint64_t seq0, bool warm, uint64_t intended,
			  struct kb_log *lg)
{
	const struct kb_cfg *c = p->run->cfg;
	struct kb_msg *m = &p->proto;
	uint64_t now = ku_now_ns(), t0;
	int rc;

	m->producer = (p->run->rep << 16) | (uint32_t)p->idx;
	m->flags = (uint8_t)((c->corr ? KB_MSG_F_CORR : 0) | (warm ? KB_MSG_F_WARMUP : 0));
	m->intended_ns = intended ? intended : now;
	m->sent_ns = now;
	for (unsigned k = 0; k < n; k++) {
		uint8_t *slot = p->arena + (size_t)k * p->stride;
		long len;

		m->seq = seq0 + k;
		kb_uuid_v4(&m->id);
		if (c->corr)
			kb_uuid_v4(&m->corr);
		len = kb_msg_serialize(m, slot, p->stride);
		if (len < 0)
			return (int)len;
		if (c->verify)
			fill_payload(slot + len - m->len, m->len, m->seq);
		p->bufs[k].data = slot;
		p->bufs[k].len = (size_t)len;
		if (!warm)
			p->sent_bytes += (size_t)len;
		if (lg)
			kb_log_msg(c, lg, "publish", slot, (size_t)len, now);
	}
	t0 = ku_now_ns();
	rc = p->run->cfg->be->publish(p->conn, p->bufs, n);
	if (!rc && c->ack && c->mode == KB_MODE_PUB)
		rc = p->run->cfg->be->flush(p->conn, (int)(c->timeout * 1000));
	if (!warm && !rc && c->mode == KB_MODE_PUB)
		ku_hist_record(p->lat, ku_now_ns() - t0);
	return rc;
}

static void sleep_until(uint64_t t)
{
	for (;;) {
		uint64_t now = ku_now_ns();

		if (now >= t)
			return;
		if (t - now > 100000) {
			struct timespec ts = { 0, (long)(t - now - 20000) };

			nanosleep(&ts, NULL);
		} else {
			__builtin_ia32_pause();
		}
	}
}

/* Keeps the publisher at most --max-lag messages ahead of its consumer
   (bench_sub/bench_e2e): a broker that drops what its consumers have not
   read yet (the Kafka mock cluster keeps ~5 MiB per partition) would
   otherwise turn a throughput run into message loss. */
static int wait_lag(struct kb_prod *p, uint64_t published)
{
	const struct kb_cfg *c = p->run->cfg;
	struct kb_cons *cs;
	uint64_t deadline = 0;

	if (!c->max_lag || c->mode == KB_MODE_PUB)
		return 0;
	cs = &p->run->cons[p->idx];
	while (published > atomic_load_explicit(&cs->progress, memory_order_relaxed) + c->max_lag) {
		struct timespec ts = { 0, 50000 };

		if (!deadline)
			deadline = ku_now_ns() + (uint64_t)(c->timeout * 1e9);
		if (ku_now_ns() > deadline) {
			snprintf(p->err, sizeof(p->err), "client %d: consumer more than %" PRIu64 " messages behind for %.1f s",
				 p->idx, c->max_lag, c->timeout);
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

void *kb__prod_main(void *arg)
{
	struct kb_prod *p = arg;
	struct kb_run *run = p->run;
	const struct kb_cfg *c = run->cfg;
	struct kb_log *lg = kb_log_open(c);
	uint64_t warm_seq = 0, sent = 0, start, period = 0;
	int rc = 0;

	/* precise wake-ups for the schedule (default slack is 50 us) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (c->realtime)
		kb__realtime_thread(run, 2 * (unsigned)p->idx);

	if (c->warmup > 0) {
		uint64_t until = ku_now_ns() + (uint64_t)(c->warmup * 1e9);
		uint64_t wstart = ku_now_ns();

		if (c->rate > 0)
			period = (uint64_t)(1e9 * c->clients / c->rate * c->batch);
		while (ku_now_ns() < until) {
			uint64_t intended = 0;

			if (period) {
				intended = wstart + warm_seq / c->batch * period;
				sleep_until(intended);
			}
			rc = wait_lag(p, warm_seq + c->batch);
			if (!rc)
				rc = send_batch(p, c->batch, warm_seq, true, intended, lg);
			if (rc)
				break;
			warm_seq += c->batch;
		}
	}
	/* two rounds: the main thread starts the "steady" phase and takes its
	   snapshots between them, before any measured message is sent */
	pthread_barrier_wait(&run->barrier);
	pthread_barrier_wait(&run->barrier);
	start = p->t_start = ku_now_ns();
	if (c->rate > 0)
		period = (uint64_t)(1e9 * c->clients / c->rate * c->batch);
	while (!rc) {
		unsigned n = c->batch;
		uint64_t intended = 0;

		if (p->target) {
			if (sent >= p->target)
				break;
			if (p->target - sent < n)
				n = (unsigned)(p->target - sent);
		} else if (ku_now_ns() - start >= (uint64_t)(c->duration * 1e9)) {
			break;
		}
		if (period) {
			intended = start + sent / c->batch * period;
			sleep_until(intended);
		}
		rc = wait_lag(p, warm_seq + sent + n);
		if (!rc)
			rc = send_batch(p, n, sent, false, intended, lg);
		if (rc) {
			p->errors += n;
			break;
		}
		sent += n;
		atomic_store_explicit(&p->sent, sent, memory_order_relaxed);
	}
	if (!rc) {
		rc = c->be->flush(p->conn, (int)(c->timeout * 1000));
		if (rc == -ETIMEDOUT)
			snprintf(p->err, sizeof(p->err), "client %d: confirmations still outstanding after %.1f s: %s",
				 p->idx, c->timeout, kb_conn_error(p->conn));
	}
	if (rc) {
		p->fail = rc;
		if (!p->err[0])
			snprintf(p->err, sizeof(p->err), "client %d: publish failed: %s", p->idx, kb_conn_error(p->conn));
	}
	kb_kalloc_messages(c->mode == KB_MODE_PUB ? sent : 0);
	p->t_end = ku_now_ns();
	kb_log_close(lg);
	atomic_store(&p->done, 1);
	return NULL;
}
