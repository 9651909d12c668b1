/* SPDX-License-Identifier: MIT */
/*
 * core: bench_core, the cost of the message model's building blocks with
 * no broker: UUID generation and formatting, message creation (UUID,
 * correlation ID, metadata), serialization, parsing and topic routing.
 * Each operation runs --count times per repetition after a warm-up; ops are
 * timed in chunks of 64 (a clock read per op would cost as much as the op),
 * so the latency percentiles are those of per-chunk means.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "kalloc-glue.h"
#include "ku.h"
#include "message.h"
#include "result.h"
#include "router.h"

#define CORE_CHUNK 64

struct core_ctx {
	const struct kb_cfg *c;
	struct kb_msg msg, parsed;
	uint8_t *buf;
	size_t cap;
	long len;
	uint8_t *payload;
	char scratch[24 * KB_MSG_MAX_META];
	char uuid_text[37];
	unsigned sink;
};

static const char *const core_filters[] = {
	"sensors/+/de/+/temp", "sensors/#", "sensors/eu/fr/#", "logs/+/error",
	"sensors/eu/de/berlin/humidity", "+/eu/+/+/temp", "orders/#", "sensors/us/+/+/temp",
};
static const char *const core_topics[] = {
	"sensors/eu/de/berlin/temp", "sensors/us/ca/sf/temp", "logs/api/error", "orders/42/created",
};

static void op_uuid_v4(struct core_ctx *x, uint64_t i)
{
	kb_uuid_v4(&x->msg.id);
	x->sink += x->msg.id.b[0];
}

static void op_uuid_format(struct core_ctx *x, uint64_t i)
{
	x->msg.id.b[0] = (uint8_t)i;
	kb_uuid_format(&x->msg.id, x->uuid_text);
	x->sink += (unsigned char)x->uuid_text[0];
}

static void op_msg_create(struct core_ctx *x, uint64_t i)
{
	struct kb_msg *m = &x->msg;

	kb_uuid_v4(&m->id);
	m->flags = 0;
	if (x->c->corr) {
		kb_uuid_v4(&m->corr);
		m->flags |= KB_MSG_F_CORR;
	}
	m->intended_ns = m->sent_ns = i;
	m->seq = i;
	m->payload = x->payload;
	m->len = (uint32_t)x->c->size;
	if (x->c->metadata)
		kb_msg_fill_meta(m, x->c->metadata, x->scratch, sizeof(x->scratch));
	x->sink += m->id.b[1];
}

static void op_serialize(struct core_ctx *x, uint64_t i)
{
	x->msg.seq = i;
	x->len = kb_msg_serialize(&x->msg, x->buf, x->cap);
	x->sink += (unsigned)x->len;
}

static void op_parse(struct core_ctx *x, uint64_t i)
{
	x->sink += (unsigned)kb_msg_parse(x->buf, (size_t)x->len, &x->parsed) + x->parsed.nmeta;
}

static void op_router(struct core_ctx *x, uint64_t i)
{
	const char *t = core_topics[i % (sizeof(core_topics) / sizeof(core_topics[0]))];

	for (size_t k = 0; k < sizeof(core_filters) / sizeof(core_filters[0]); k++)
		x->sink += kb_topic_match(core_filters[k], t);
}

static const struct {
	const char *name;
	void (*fn)(struct core_ctx *, uint64_t);
} core_ops[] = {
	{ "uuid_v4", op_uuid_v4 },       { "uuid_format", op_uuid_format }, { "msg_create", op_msg_create },
	{ "serialize", op_serialize },   { "parse", op_parse },             { "router_match_8", op_router },
};

int kb_core_run(struct kb_cfg *c)
{
	struct core_ctx x = { .c = c };
	struct ku_json_writer w;
	int rc;

	x.payload = malloc(c->size ? c->size : 1);
	if (!x.payload) {
		fprintf(stderr, "%s: out of memory\n", c->prog);
		return 2;
	}
	memset(x.payload, 'x', c->size);
	op_msg_create(&x, 0);
	x.cap = kb_msg_size(&x.msg);
	x.buf = malloc(x.cap);
	if (!x.buf) {
		fprintf(stderr, "%s: out of memory\n", c->prog);
		return 2;
	}
	x.len = kb_msg_serialize(&x.msg, x.buf, x.cap);
	ku_json_writer_init(&w, KU_JSON_PRETTY);
	kb_result_begin(&w, c);
	for (size_t k = 0; k < sizeof(core_ops) / sizeof(core_ops[0]); k++) {
		double thr[1000], cpu[1000], apm[1000], bpm[1000];
		bool have_alloc = true;
		struct ku_hist *h, *hall;
		uint64_t reps_lat[1000][3];
		char name[64];

		ku_hist_new(&h, KU_HIST_DEFAULT_HIGHEST, 3);
		ku_hist_new(&hall, KU_HIST_DEFAULT_HIGHEST, 3);
		for (unsigned r = 0; r < c->reps; r++) {
			uint64_t warm = c->count / 10 + CORE_CHUNK, t0, cpu0, a0 = 0, b0 = 0, a1 = 0, b1 = 0, el;
			bool ha;

			kb_kalloc_phase("warmup");
			for (uint64_t i = 0; i < warm; i++)
				core_ops[k].fn(&x, i);
			ku_hist_reset(h);
			kb_kalloc_phase("steady");
			ha = kb_kalloc_totals(&a0, &b0);
			cpu0 = kb_cpu_ns();
			t0 = ku_now_ns();
			for (uint64_t i = 0; i < c->count;) {
				uint64_t n = c->count - i < CORE_CHUNK ? c->count - i : CORE_CHUNK, s = ku_now_ns();

				for (uint64_t j = 0; j < n; j++)
					core_ops[k].fn(&x, i + j);
				ku_hist_record(h, (ku_now_ns() - s) / n);
				i += n;
			}
			el = ku_now_ns() - t0;
			kb_kalloc_messages(c->count);
			ha = ha && kb_kalloc_totals(&a1, &b1);
			have_alloc = have_alloc && ha;
			thr[r] = (double)c->count / ((double)el / 1e9);
			cpu[r] = (double)(kb_cpu_ns() - cpu0) / (double)el * 100;
			apm[r] = ha ? (double)(a1 - a0) / (double)c->count : 0;
			bpm[r] = ha ? (double)(b1 - b0) / (double)c->count : 0;
			reps_lat[r][0] = ku_hist_percentile(h, 50);
			reps_lat[r][1] = ku_hist_percentile(h, 99);
			reps_lat[r][2] = h->max;
			ku_hist_merge(hall, h);
		}
		snprintf(name, sizeof(name), "%s%s", c->name ? c->name : "core/", core_ops[k].name);
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "name", name);
		ku_json_kv_string(&w, "backend", "none");
		kb_result_config(&w, c, c->realtime);
		ku_json_key(&w, "metrics");
		ku_json_object_begin(&w);
		{
			double tcopy[1000];

			memcpy(tcopy, thr, sizeof(double) * c->reps);
			ku_json_kv_double(&w, "throughput_msgs_per_sec", kb_median(tcopy, c->reps));
			ku_json_kv_double(&w, "ns_per_op", 1e9 / kb_median(tcopy, c->reps));
		}
		kb_result_latency(&w, "latency", hall);
		ku_json_kv_string(&w, "latency_kind", "per_op_mean_of_64");
		ku_json_kv_double(&w, "cpu_usage_percent", kb_median(cpu, c->reps));
		ku_json_kv_uint(&w, "peak_rss_bytes", kb_peak_rss());
		ku_json_kv_double(&w, "error_rate", 0);
		if (have_alloc) {
			ku_json_kv_double(&w, "allocs_per_msg", kb_median(apm, c->reps));
			ku_json_kv_double(&w, "bytes_per_msg", kb_median(bpm, c->reps));
		}
		if (!strcmp(core_ops[k].name, "msg_create") || !strcmp(core_ops[k].name, "serialize")) {
			ku_json_kv_uint(&w, "message_bytes", (uint64_t)x.len);
			ku_json_kv_uint(&w, "overhead_bytes", (uint64_t)x.len - c->size);
		}
		ku_json_kv_uint(&w, "messages", c->count * c->reps);
		ku_json_object_end(&w);
		ku_json_key(&w, "repetitions");
		ku_json_array_begin(&w);
		for (unsigned r = 0; r < c->reps; r++) {
			ku_json_object_begin(&w);
			ku_json_kv_double(&w, "throughput_msgs_per_sec", thr[r]);
			ku_json_kv_uint(&w, "latency_p50_ns", reps_lat[r][0]);
			ku_json_kv_uint(&w, "latency_p99_ns", reps_lat[r][1]);
			ku_json_kv_uint(&w, "latency_max_ns", reps_lat[r][2]);
			ku_json_kv_double(&w, "cpu_usage_percent", cpu[r]);
			if (have_alloc) {
				ku_json_kv_double(&w, "allocs_per_msg", apm[r]);
				ku_json_kv_double(&w, "bytes_per_msg", bpm[r]);
			}
			ku_json_object_end(&w);
		}
		ku_json_array_end(&w);
		ku_json_object_end(&w);
		if (!c->quiet)
			fprintf(stderr, "%s: %-16s %8.1f ns/op  %12.0f ops/s%s\n", c->prog, core_ops[k].name,
				1e9 / thr[0], thr[0], x.sink == 0xdeadbeef ? " " : "");
		ku_hist_free(h);
		ku_hist_free(hall);
	}
	rc = kb_result_finish(&w, c) ? 2 : 0;
	ku_json_writer_free(&w);
	free(x.buf);
	free(x.payload);
	return rc;
}
