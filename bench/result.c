/* SPDX-License-Identifier: MIT */
/*
 * result: the drivers' kprof-bench/1 documents. The header (schema,
 * timestamp, commit, compiler, tool, host), the config object (every
 * flag), latency percentiles of a histogram, the whole document of a
 * messaging run from its figures, and the measurements of the process the
 * figures use (peak RSS, CPU time). Field names are the contract's (see
 * bench_pub(1) and kprof-formats(7)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "host.h"
#include "ku.h"
#include "result.h"

void kb_result_begin(struct ku_json_writer *w, const struct kb_cfg *c)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	const char *commit = getenv("KPROF_GIT_COMMIT");

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!commit || !*commit)
		commit = KB_GIT_COMMIT;
	ku_json_object_begin(w);
	ku_json_kv_string(w, "schema", "kprof-bench/1");
	ku_json_kv_string(w, "timestamp", ts);
	ku_json_kv_string(w, "git_commit", commit);
#if defined(__clang__)
	ku_json_kv_string(w, "compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
	ku_json_kv_string(w, "compiler", "gcc " __VERSION__);
#else
	ku_json_kv_string(w, "compiler", "unknown");
#endif
	ku_json_kv_string(w, "tool", c->prog);
	ku_json_kv_string(w, "version", PACKAGE_VERSION);
	kb_host_json(w);
	ku_json_key(w, "benchmarks");
	ku_json_array_begin(w);
}

void kb_result_config(struct ku_json_writer *w, const struct kb_cfg *c, bool realtime)
{
	ku_json_key(w, "config");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "backend", c->mode == KB_MODE_CORE ? "none" : c->backend);
	ku_json_kv_string(w, "brokers", c->brokers ? c->brokers : "");
	ku_json_kv_string(w, "transport", kb_transport_name(c->transport));
	ku_json_kv_string(w, "topic", c->topic);
	ku_json_kv_uint(w, "size", c->size);
	ku_json_kv_uint(w, "batch", c->batch);
	ku_json_kv_uint(w, "clients", c->clients);
	ku_json_kv_uint(w, "count", c->duration_set ? 0 : c->count);
	ku_json_kv_double(w, "duration", c->duration);
	ku_json_kv_double(w, "warmup", c->warmup);
	ku_json_kv_double(w, "rate", c->rate);
	ku_json_kv_bool(w, "correlation_id", c->corr);
	ku_json_kv_uint(w, "metadata", c->metadata);
	ku_json_kv_bool(w, "ack", c->ack);
	ku_json_kv_double(w, "nack_rate", c->nack_rate);
	ku_json_kv_string(w, "log", c->log_level < 0 ? "off" : kb_log_level_names[c->log_level]);
	ku_json_kv_uint(w, "reps", c->reps);
	ku_json_kv_int(w, "qos", c->qos);
	ku_json_kv_int(w, "partitions", c->partitions);
	ku_json_kv_bool(w, "verify", c->verify);
	ku_json_kv_bool(w, "realtime", realtime);
	ku_json_kv_uint(w, "max_lag", c->max_lag);
	ku_json_object_end(w);
}

int kb_result_finish(struct ku_json_writer *w, const struct kb_cfg *c)
{
	int rc;

	ku_json_array_end(w);
	ku_json_object_end(w);
	if (!c->json)
		return 0;
	rc = ku_json_writer_save(w, c->json);
	if (rc) {
		fprintf(stderr, "%s: cannot write %s: %s\n", c->prog, c->json, ku_strerror(rc));
		return rc;
	}
	return 0;
}

void kb_result_latency(struct ku_json_writer *w, const char *prefix, const struct ku_hist *h)
{
	static const struct { const char *k; double p; } ps[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p95", 95 }, { "p99", 99 }, { "p999", 99.9 },
	};
	char key[64];

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		snprintf(key, sizeof(key), "%s_%s_ns", prefix, ps[i].k);
		ku_json_kv_uint(w, key, ku_hist_percentile(h, ps[i].p));
	}
	snprintf(key, sizeof(key), "%s_max_ns", prefix);
	ku_json_kv_uint(w, key, h->count ? h->max : 0);
	snprintf(key, sizeof(key), "%s_mean_ns", prefix);
	ku_json_kv_double(w, key, ku_hist_mean(h));
	snprintf(key, sizeof(key), "%s_count", prefix);
	ku_json_kv_uint(w, key, h->count);
}

double kb_median(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n ? (n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

uint64_t kb_peak_rss(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_maxrss * 1024;
}

uint64_t kb_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_utime.tv_sec * 1000000000u + (uint64_t)ru.ru_utime.tv_usec * 1000u +
	       (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u;
}

int kb_result_messaging(const struct kb_cfg *c, const struct kb_rep_fig *fig, const struct kb_run_totals *t)
{
	struct ku_json_writer w;
	int rc;
	unsigned nr = 0;
	double thr[1000], bps[1000], cpu[1000], apm[1000], bpm[1000];
	bool have_alloc = true;
	char name[128];

	for (unsigned r = 0; r < c->reps; r++) {
		if (!fig[r].elapsed_ns)
			continue;
		thr[nr] = fig[r].thr;
		bps[nr] = fig[r].bps;
		cpu[nr] = fig[r].cpu;
		apm[nr] = fig[r].allocs_per_msg;
		bpm[nr] = fig[r].bytes_per_msg;
		have_alloc = have_alloc && fig[r].have_alloc;
		nr++;
	}
	snprintf(name, sizeof(name), "%s", c->name ? c->name : c->mode == KB_MODE_PUB ? "pub" : c->mode == KB_MODE_SUB ? "sub" : "e2e");
	ku_json_writer_init(&w, KU_JSON_PRETTY);
	kb_result_begin(&w, c);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "name", name);
	ku_json_kv_string(&w, "backend", c->backend);
	kb_result_config(&w, c, t->realtime);
	ku_json_key(&w, "metrics");
	ku_json_object_begin(&w);
	ku_json_kv_double(&w, "throughput_msgs_per_sec", kb_median(thr, nr));
	ku_json_kv_double(&w, "bytes_per_sec", kb_median(bps, nr));
	kb_result_latency(&w, "latency", t->lat);
	if (t->consumers)
		kb_result_latency(&w, "latency_uncorrected", t->unc);
	ku_json_kv_string(&w, "latency_kind", c->mode == KB_MODE_PUB ? (c->ack ? "publish_confirm_per_batch" : "publish_call_per_batch")
					 : c->mode == KB_MODE_E2E ? "intended_send_to_consume" : "send_to_consume");
	ku_json_kv_double(&w, "cpu_usage_percent", kb_median(cpu, nr));
	ku_json_kv_uint(&w, "peak_rss_bytes", kb_peak_rss());
	ku_json_kv_double(&w, "error_rate", t->attempts ? (double)t->errors / (double)t->attempts : (t->failed ? 1.0 : 0.0));
	if (have_alloc && nr) {
		ku_json_kv_double(&w, "allocs_per_msg", kb_median(apm, nr));
		ku_json_kv_double(&w, "bytes_per_msg", kb_median(bpm, nr));
	}
	ku_json_kv_bool(&w, "kalloc_loaded", t->kalloc_loaded);
	if (t->networked) {
		ku_json_kv_uint(&w, "connect_ns", t->connect_ns);
		ku_json_kv_uint(&w, "connect_max_ns", t->connect_max_ns);
	}
	ku_json_kv_uint(&w, "messages", t->msgs);
	ku_json_kv_uint(&w, "message_bytes", t->message_bytes);
	ku_json_kv_uint(&w, "errors", t->errors);
	if (t->consumers) {
		ku_json_kv_uint(&w, "lost", t->lost);
		ku_json_kv_uint(&w, "duplicates", t->dup);
		ku_json_kv_uint(&w, "reordered", t->reordered);
		ku_json_kv_uint(&w, "corrupt", t->corrupt);
		ku_json_kv_uint(&w, "redeliveries", t->redeliveries);
		ku_json_kv_uint(&w, "nacks", t->nacks);
		ku_json_kv_uint(&w, "warmup_messages", t->warm);
	}
	ku_json_object_end(&w);
	if (t->failed)
		ku_json_kv_string(&w, "error", t->error);
	ku_json_key(&w, "repetitions");
	ku_json_array_begin(&w);
	for (unsigned r = 0; r < c->reps; r++) {
		static const char *const keys[6] = { "p50", "p90", "p95", "p99", "p999", "max" };
		char key[64];

		if (!fig[r].elapsed_ns)
			continue;
		ku_json_object_begin(&w);
		ku_json_kv_double(&w, "throughput_msgs_per_sec", fig[r].thr);
		ku_json_kv_double(&w, "bytes_per_sec", fig[r].bps);
		for (int k = 0; k < 6; k++) {
			snprintf(key, sizeof(key), "latency_%s_ns", keys[k]);
			ku_json_kv_uint(&w, key, fig[r].lat[k]);
		}
		if (t->consumers)
			for (int k = 0; k < 6; k++) {
				snprintf(key, sizeof(key), "latency_uncorrected_%s_ns", keys[k]);
				ku_json_kv_uint(&w, key, fig[r].unc[k]);
			}
		ku_json_kv_double(&w, "cpu_usage_percent", fig[r].cpu);
		if (fig[r].have_alloc) {
			ku_json_kv_double(&w, "allocs_per_msg", fig[r].allocs_per_msg);
			ku_json_kv_double(&w, "bytes_per_msg", fig[r].bytes_per_msg);
		}
		ku_json_kv_uint(&w, "messages", fig[r].msgs);
		ku_json_kv_double(&w, "elapsed_ns", fig[r].elapsed_ns);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	rc = kb_result_finish(&w, c);
	ku_json_writer_free(&w);
	return rc ? 2 : 0;
}
