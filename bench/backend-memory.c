/* SPDX-License-Identifier: MIT */
/*
 * backend-memory: an in-process broker. Consumers subscribe with a topic
 * filter (MQTT wildcards '+' and '#') and each gets its own bounded queue
 * (fan-out: every matching queue receives a copy). A queue is a set of
 * lock-free single-producer/single-consumer byte rings, one per publishing
 * connection, so the hot path has no lock and no shared write: the
 * producer copies a batch of records into the ring and publishes them with
 * one release store; the consumer reads them in place. Back-pressure: a
 * full ring (by bytes or by queue_depth messages) makes publish() wait, up
 * to timeout_ms. Nack: the consumer keeps a private redelivery list served
 * before the rings, so a rejected message comes back flagged redelivered.
 * Order is kept per publisher and queue, except for redelivered messages.
 *
 * The routing table (subscriptions) is guarded by one mutex and a
 * generation counter; a publisher re-resolves its topic only when the
 * generation changed, so subscribing never stalls the data path.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend-internal.h"
#include "ku.h"
#include "router.h"

#define MEM_MAX_PUBLISHERS 256
#define MEM_RING_BYTES (4u << 20)
#define MEM_HEAP_THRESHOLD (MEM_RING_BYTES / 8) /* bigger records go by pointer */
#define MEM_REC_WRAP 0xFFFFFFFFu
#define MEM_REC_HEAP 1u

struct mem_ring {
	_Alignas(64) _Atomic uint64_t tail; /* bytes written (producer) */
	_Atomic uint64_t produced;          /* messages written */
	uint64_t head_cache;
	uint64_t consumed_cache;
	_Alignas(64) _Atomic uint64_t head; /* bytes read (consumer) */
	_Atomic uint64_t consumed;          /* messages read */
	_Alignas(64) uint8_t *buf;
	uint64_t mask;
};

struct mem_redeliver {
	struct mem_redeliver *next;
	size_t len;
	uint8_t data[];
};

struct mem_queue {
	char *filter;
	unsigned depth;
	int refs;                 /* consumer + publisher caches; broker lock */
	_Atomic int closed;       /* consumer gone: publishers drop */
	_Atomic int nrings;       /* highest publisher index + 1 with a ring */
	struct mem_ring *_Atomic rings[MEM_MAX_PUBLISHERS];
	struct mem_queue *next;   /* broker subscription list */
	unsigned rr;              /* consumer: round-robin start */
	struct mem_redeliver *redo_head, *redo_tail;
};

static struct {
	pthread_mutex_t lock;
	struct mem_queue *subs;
	_Atomic uint64_t gen;
	unsigned char pub_used[MEM_MAX_PUBLISHERS];
} mem = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct kb_conn {
	struct kb_conn_base base;
	enum kb_role role;
	struct kb_opts opts;
	char *topic;
	int pid;                  /* publisher index */
	uint64_t gen;             /* routing generation of the cache */
	struct mem_queue **route; /* matching queues */
	int nroute, route_cap;
	struct mem_queue *q;      /* consumer */
	struct kb_stats st;
};

static void mem__queue_unref(struct mem_queue *q)
{
	/* broker lock held */
	if (--q->refs > 0)
		return;
	for (int i = 0; i < MEM_MAX_PUBLISHERS; i++) {
		struct mem_ring *r = atomic_load(&q->rings[i]);

		if (!r)
			continue;
		/* free heap records still queued */
		for (uint64_t h = atomic_load(&r->head), t = atomic_load(&r->tail); h < t;) {
			uint8_t *rec = r->buf + (h & r->mask);
			uint32_t len, flags;

			memcpy(&len, rec, 4);
			memcpy(&flags, rec + 4, 4);
			if (len == MEM_REC_WRAP) {
				h += r->mask + 1 - (h & r->mask);
				continue;
			}
			if (flags & MEM_REC_HEAP) {
				void *p;

				memcpy(&p, rec + 8, sizeof(p));
				free(p);
				h += 16;
			} else {
				h += 8 + ((len + 7u) & ~7u);
			}
		}
		free(r->buf);
		free(r);
	}
	while (q->redo_head) {
		struct mem_redeliver *n = q->redo_head->next;

		free(q->redo_head);
		q->redo_head = n;
	}
	free(q->filter);
	free(q);
}

static int mem__open(struct kb_conn **out, enum kb_role role, const struct kb_opts *o, char *err,
		     size_t errlen)
{
	struct kb_conn *c;

	*out = NULL;
	if (!o->topic || !*o->topic) {
		snprintf(err, errlen, "memory: empty topic");
		return -EINVAL;
	}
	if (role == KB_PUB && (strchr(o->topic, '+') || strchr(o->topic, '#'))) {
		snprintf(err, errlen, "memory: cannot publish to a filter with wildcards: %s", o->topic);
		return -EINVAL;
	}
	if (role == KB_SUB && !kb_filter_valid(o->topic)) {
		snprintf(err, errlen, "memory: invalid topic filter: %s", o->topic);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->topic = strdup(o->topic))) {
		free(c);
		snprintf(err, errlen, "memory: out of memory");
		return -ENOMEM;
	}
	c->base.be = &kb_backend_memory;
	c->role = role;
	c->opts = *o;
	c->pid = -1;
	c->gen = UINT64_MAX;
	pthread_mutex_lock(&mem.lock);
	if (role == KB_PUB) {
		for (int i = 0; i < MEM_MAX_PUBLISHERS; i++)
			if (!mem.pub_used[i]) {
				mem.pub_used[i] = 1;
				c->pid = i;
				break;
			}
	} else {
		struct mem_queue *q = calloc(1, sizeof(*q));

		if (q && (q->filter = strdup(o->topic))) {
			q->depth = o->queue_depth ? o->queue_depth : 65536;
			q->refs = 1;
			q->next = mem.subs;
			mem.subs = q;
			c->q = q;
			atomic_fetch_add(&mem.gen, 1);
		} else {
			free(q);
		}
	}
	pthread_mutex_unlock(&mem.lock);
	if ((role == KB_PUB && c->pid < 0) || (role == KB_SUB && !c->q)) {
		snprintf(err, errlen, role == KB_PUB ? "memory: more than %d publishers" : "memory: out of memory",
			 MEM_MAX_PUBLISHERS);
		free(c->topic);
		free(c);
		return role == KB_PUB ? -EMFILE : -ENOMEM;
	}
	*out = c;
	return 0;
}

/* Re-resolves the publisher's topic against the subscriptions. */
static int mem__resolve(struct kb_conn *c)
{
	int rc = 0;

	pthread_mutex_lock(&mem.lock);
	for (int i = 0; i < c->nroute; i++)
		mem__queue_unref(c->route[i]);
	c->nroute = 0;
	c->gen = atomic_load(&mem.gen);
	for (struct mem_queue *q = mem.subs; q; q = q->next) {
		if (atomic_load(&q->closed) || !kb_topic_match(q->filter, c->topic))
			continue;
		if (!atomic_load(&q->rings[c->pid])) {
			struct mem_ring *r = calloc(1, sizeof(*r));

			if (!r || !(r->buf = malloc(MEM_RING_BYTES))) {
				free(r);
				rc = -ENOMEM;
				break;
			}
			r->mask = MEM_RING_BYTES - 1;
			atomic_store_explicit(&q->rings[c->pid], r, memory_order_release);
			if (atomic_load(&q->nrings) < c->pid + 1)
				atomic_store(&q->nrings, c->pid + 1);
		}
		if (c->nroute == c->route_cap) {
			int cap = c->route_cap ? c->route_cap * 2 : 4;
			struct mem_queue **nr = realloc(c->route, (size_t)cap * sizeof(*nr));

			if (!nr) {
				rc = -ENOMEM;
				break;
			}
			c->route = nr;
			c->route_cap = cap;
		}
		q->refs++;
		c->route[c->nroute++] = q;
	}
	pthread_mutex_unlock(&mem.lock);
	return rc;
}

static inline uint64_t mem__rec_size(size_t len)
{
	return len >= MEM_HEAP_THRESHOLD ? 16 : 8 + ((len + 7u) & ~(uint64_t)7u);
}

/* Waits for room for `bytes` more bytes and one more message. */
static int mem__wait_room(struct kb_conn *c, struct mem_queue *q, struct mem_ring *r, uint64_t tail,
			  uint64_t produced, uint64_t bytes, uint64_t *deadline)
{
	const uint64_t cap = r->mask + 1;
	unsigned spins = 0;

	for (;;) {
		if (tail + bytes - r->head_cache <= cap && produced - r->consumed_cache < q->depth)
			return 0;
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		r->consumed_cache = atomic_load_explicit(&r->consumed, memory_order_acquire);
		if (tail + bytes - r->head_cache <= cap && produced - r->consumed_cache < q->depth)
			return 0;
		if (atomic_load(&q->closed))
			return -EPIPE;
		if (++spins < 64) {
			__builtin_ia32_pause();
			continue;
		}
		if (!*deadline)
			*deadline = ku_now_ns() + (uint64_t)(c->opts.timeout_ms > 0 ? c->opts.timeout_ms : 10000) * 1000000u;
		if (ku_now_ns() > *deadline)
			return -ETIMEDOUT;
		if (spins < 1000) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
	}
}

/* Copies one record into the ring at *tail (room already checked). */
static int mem__put(struct mem_ring *r, uint64_t *tail, const struct kb_buf *m)
{
	uint64_t size = mem__rec_size(m->len), cap = r->mask + 1;
	uint8_t *rec;
	uint32_t len32 = (uint32_t)m->len, flags = 0;

	if ((*tail & r->mask) + size > cap) { /* wrap marker, restart at 0 */
		uint32_t wrap = MEM_REC_WRAP;

		memcpy(r->buf + (*tail & r->mask), &wrap, 4);
		*tail += cap - (*tail & r->mask);
	}
	rec = r->buf + (*tail & r->mask);
	if (m->len >= MEM_HEAP_THRESHOLD) {
		void *p = malloc(m->len ? m->len : 1);

		if (!p)
			return -ENOMEM;
		memcpy(p, m->data, m->len);
		flags = MEM_REC_HEAP;
		memcpy(rec + 8, &p, sizeof(p));
	} else {
		memcpy(rec + 8, m->data, m->len);
	}
	memcpy(rec, &len32, 4);
	memcpy(rec + 4, &flags, 4);
	*tail += size;
	return 0;
}

static int mem__publish(struct kb_conn *c, const struct kb_buf *msgs, size_t n)
{
	uint64_t deadline = 0;
	int rc;

	if (c->role != KB_PUB)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (msgs[i].len > 0xFFFFFFF0u) {
			kb__conn_seterr(c, "memory: message of %zu bytes too large", msgs[i].len);
			return -EMSGSIZE;
		}
	if (atomic_load_explicit(&mem.gen, memory_order_acquire) != c->gen && (rc = mem__resolve(c))) {
		kb__conn_seterr(c, "memory: %s", ku_strerror(rc));
		return rc;
	}
	if (c->nroute == 0) {
		c->st.dropped += n;
		c->st.published += n;
		return 0;
	}
	for (int k = 0; k < c->nroute; k++) {
		struct mem_queue *q = c->route[k];
		struct mem_ring *r = atomic_load_explicit(&q->rings[c->pid], memory_order_relaxed);
		uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
		uint64_t produced = atomic_load_explicit(&r->produced, memory_order_relaxed);
		const uint64_t cap = r->mask + 1;

		for (size_t i = 0; i < n; i++) {
			uint64_t sz = mem__rec_size(msgs[i].len);
			uint64_t wrap = (tail & r->mask) + sz > cap ? cap - (tail & r->mask) : 0;

			if (tail + wrap + sz - r->head_cache > cap || produced - r->consumed_cache >= q->depth) {
				/* make what we have visible, then wait for room */
				atomic_store_explicit(&r->produced, produced, memory_order_release);
				atomic_store_explicit(&r->tail, tail, memory_order_release);
				rc = mem__wait_room(c, q, r, tail, produced, wrap + sz, &deadline);
				deadline = 0;
				if (rc == -EPIPE) {
					c->st.dropped += n - i;
					break;
				}
				if (rc) {
					kb__conn_seterr(c, "memory: queue '%s' full for %d ms (consumer stalled)",
							q->filter, c->opts.timeout_ms);
					return rc;
				}
			}
			if ((rc = mem__put(r, &tail, &msgs[i]))) {
				kb__conn_seterr(c, "memory: out of memory");
				atomic_store_explicit(&r->produced, produced, memory_order_release);
				atomic_store_explicit(&r->tail, tail, memory_order_release);
				return rc;
			}
			produced++;
		}
		atomic_store_explicit(&r->produced, produced, memory_order_release);
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	c->st.published += n;
	return 0;
}

static int mem__poll(struct kb_conn *c, kb_deliver_fn cb, void *arg, int max, int timeout_ms)
{
	struct mem_queue *q = c->q;
	int got = 0;
	unsigned spins = 0;
	uint64_t deadline = 0;

	if (c->role != KB_SUB)
		return -EINVAL;
	for (;;) {
		/* redeliveries first (only ever filled in ack mode) */
		for (int left = max - got; left > 0 && q->redo_head; left--) {
			struct mem_redeliver *rd = q->redo_head;
			struct kb_delivery d = { rd->data, rd->len, 0, true };

			q->redo_head = rd->next;
			if (!q->redo_head)
				q->redo_tail = NULL;
			got++;
			if (cb(arg, &d) == 1) {
				c->st.nacked++;
				rd->next = NULL;
				if (q->redo_tail)
					q->redo_tail->next = rd;
				else
					q->redo_head = rd;
				q->redo_tail = rd;
				continue;
			}
			c->st.acked++;
			free(rd);
		}
		int nr = atomic_load_explicit(&q->nrings, memory_order_acquire);

		for (int k = 0; k < nr && got < max; k++) {
			unsigned idx = (q->rr + (unsigned)k) % (unsigned)nr;
			struct mem_ring *r = atomic_load_explicit(&q->rings[idx], memory_order_acquire);
			uint64_t head, tail, consumed;

			if (!r)
				continue;
			head = atomic_load_explicit(&r->head, memory_order_relaxed);
			tail = atomic_load_explicit(&r->tail, memory_order_acquire);
			consumed = atomic_load_explicit(&r->consumed, memory_order_relaxed);
			while (head < tail && got < max) {
				uint8_t *rec = r->buf + (head & r->mask);
				uint32_t len, flags;
				struct kb_delivery d = { 0 };
				void *heap = NULL;
				int verdict;

				memcpy(&len, rec, 4);
				if (len == MEM_REC_WRAP) {
					head += r->mask + 1 - (head & r->mask);
					continue;
				}
				memcpy(&flags, rec + 4, 4);
				d.len = len;
				if (flags & MEM_REC_HEAP) {
					memcpy(&heap, rec + 8, sizeof(heap));
					d.data = heap;
				} else {
					d.data = rec + 8;
				}
				verdict = cb(arg, &d);
				got++;
				if (c->opts.ack) {
					if (verdict == 1) {
						struct mem_redeliver *rd = malloc(sizeof(*rd) + len);

						c->st.nacked++;
						if (rd) {
							rd->next = NULL;
							rd->len = len;
							memcpy(rd->data, d.data, len);
							if (q->redo_tail)
								q->redo_tail->next = rd;
							else
								q->redo_head = rd;
							q->redo_tail = rd;
						}
					} else {
						c->st.acked++;
					}
				}
				free(heap);
				head += mem__rec_size(len);
				consumed++;
				/* release the space as we go so the producer never
				   waits for a whole batch */
				if ((consumed & 63) == 0) {
					atomic_store_explicit(&r->head, head, memory_order_release);
					atomic_store_explicit(&r->consumed, consumed, memory_order_release);
				}
			}
			atomic_store_explicit(&r->head, head, memory_order_release);
			atomic_store_explicit(&r->consumed, consumed, memory_order_release);
		}
		q->rr++;
		if (got > 0 || timeout_ms == 0)
			return got;
		if (++spins < 2048) {
			__builtin_ia32_pause();
			continue;
		}
		if (!deadline)
			deadline = ku_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
		if (timeout_ms >= 0 && ku_now_ns() >= deadline)
			return 0;
		if (c->opts.spin) {
			/* a consumer on a CPU of its own: a sleep would cost more
			   than the wait */
			__builtin_ia32_pause();
			continue;
		}
		if (spins < 4096) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
	}
}

static int mem__flush(struct kb_conn *c, int timeout_ms)
{
	/* delivery into the queues is synchronous: nothing in flight */
	return 0;
}

static void mem__stats(struct kb_conn *c, struct kb_stats *st)
{
	*st = c->st;
	if (c->role == KB_PUB)
		st->confirmed = c->st.published - c->st.dropped;
}

static void mem__close(struct kb_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&mem.lock);
	if (c->role == KB_PUB) {
		for (int i = 0; i < c->nroute; i++)
			mem__queue_unref(c->route[i]);
		mem.pub_used[c->pid] = 0;
		/* the rings of this publisher index stay with their queues and
		   are reused by the next publisher taking the index: they are
		   empty or hold messages still to be consumed, in order */
	} else {
		struct mem_queue **pp = &mem.subs;

		while (*pp && *pp != c->q)
			pp = &(*pp)->next;
		if (*pp)
			*pp = c->q->next;
		atomic_store(&c->q->closed, 1);
		atomic_fetch_add(&mem.gen, 1);
		mem__queue_unref(c->q);
	}
	pthread_mutex_unlock(&mem.lock);
	free(c->route);
	free(c->topic);
	free(c);
}

const struct kb_backend kb_backend_memory = {
	.name = "memory",
	.networked = false,
	.open = mem__open,
	.publish = mem__publish,
	.poll = mem__poll,
	.flush = mem__flush,
	.stats = mem__stats,
	.close = mem__close,
};
