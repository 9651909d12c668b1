/* SPDX-License-Identifier: MIT */
/*
 * bench_connect: what a messaging client pays around its connections, as
 * opposed to per message.
 *
 *   latency   connection establishment time (p50/p99 over many connects):
 *             open() of a publisher through bench/backend.h and close().
 *   recovery  the broker "drops" the publisher's connection: the
 *             publisher talks to the broker through kb-proxy, a thread
 *             sends `cut` every --interval ms while the publisher keeps
 *             publishing with confirmations. On a failure the publisher
 *             reconnects and re-sends what was not confirmed. Recovery time
 *             is from the cut to the first confirmed message after it. A
 *             consumer attached directly to the broker then checks that no
 *             confirmed message was lost (duplicates are allowed and counted:
 *             delivery is at-least-once).
 *   channels  memory per channel / topic / subscription for 1, 100, 1000
 *             of them (bench/channels.c), measured as heap growth
 *             (mallinfo2) and, under libkalloc, per phase via kalloc.h.
 *
 * Results are kprof-bench/1 JSON (doc/clients.md), so kbench, kprof
 * compare and kprof clients read them like any driver's.
 *
 * Why one file of this size (~800 lines): the three modes share the
 * options, the connection helper and the result writer and nothing else
 * uses them; the recovery mode (kb-proxy control, the cutter thread, the
 * lost/duplicate check) is most of it and reads best next to them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "bench_connect.h"
#include "die.h"
#include "flags.h"
#include "hist.h"
#include "host.h"
#include "json.h"
#include "ku.h"

struct kb_connect_opts {
	const char *mode, *backend, *brokers, *topic, *json, *proxy, *channels;
	const struct kb_backend *be;
	enum kb_transport transport; /* --transport, or the scheme of --brokers */
	char uri[512];               /* ws: the URI brokers points to */
	long count, cuts, interval_ms, down_ms, reps, timeout_ms;
	bool quiet;
};

/* ---- result JSON -------------------------------------------------------------- */

/* The document's header: schema, timestamp, commit, compiler, host. */
static void bc_header(struct ku_json_writer *w)
{
	char ts[32];
	time_t t = time(NULL);
	const char *commit = getenv("KPROF_GIT_COMMIT");

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	ku_json_kv_string(w, "schema", "kprof-bench/1");
	ku_json_kv_string(w, "timestamp", ts);
	ku_json_kv_string(w, "git_commit", commit && *commit ? commit : "unknown");
#ifdef __clang__
	ku_json_kv_string(w, "compiler", "clang " __clang_version__);
#else
	ku_json_kv_string(w, "compiler", "gcc " __VERSION__);
#endif
	kb_host_json(w);
}

/* Start a result document: the header, then the benchmarks array. */
static void bc_doc_begin(struct ku_json_writer *w)
{
	ku_json_writer_init(w, KU_JSON_PRETTY);
	ku_json_object_begin(w);
	bc_header(w);
	ku_json_key(w, "benchmarks");
	ku_json_array_begin(w);
}

/* Open one benchmark object with the fields every mode shares. */
static void bc_bench_begin(struct ku_json_writer *w, const struct kb_connect_opts *o, const char *name)
{
	ku_json_object_begin(w);
	ku_json_kv_string(w, "name", name);
	ku_json_kv_string(w, "backend", o->backend);
	ku_json_kv_string(w, "language", "c");
	ku_json_kv_string(w, "driver", "bench_connect");
}

static void bc_config(struct ku_json_writer *w, const struct kb_connect_opts *o)
{
	ku_json_key(w, "config");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "mode", o->mode);
	ku_json_kv_string(w, "backend", o->backend);
	ku_json_kv_string(w, "brokers", o->brokers);
	ku_json_kv_string(w, "transport", kb_transport_name(o->transport));
	if (!strcmp(o->mode, "latency"))
		ku_json_kv_int(w, "count", o->count);
	if (!strcmp(o->mode, "recovery")) {
		ku_json_kv_int(w, "cuts", o->cuts);
		ku_json_kv_int(w, "interval_ms", o->interval_ms);
		ku_json_kv_int(w, "down_ms", o->down_ms);
	}
	ku_json_kv_int(w, "reps", o->reps);
	ku_json_kv_int(w, "timeout_ms", o->timeout_ms);
	ku_json_object_end(w);
}

static uint64_t bc_peak_rss(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %" SCNu64 " kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

static double bc_cpu_sec(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void bc_hist_metrics(struct ku_json_writer *w, const char *prefix, const struct ku_hist *h)
{
	static const struct {
		const char *name;
		double p;
	} ps[] = { { "p50", 50 }, { "p90", 90 }, { "p95", 95 }, { "p99", 99 }, { "p999", 99.9 }, { "max", 100 } };
	char key[64];

	for (size_t i = 0; i < KU_ARRAY_SIZE(ps); i++) {
		snprintf(key, sizeof(key), "%s_%s_ns", prefix, ps[i].name);
		ku_json_kv_uint(w, key, ku_hist_percentile(h, ps[i].p));
	}
	snprintf(key, sizeof(key), "%s_mean_ns", prefix);
	ku_json_kv_double(w, key, ku_hist_mean(h));
}

static void bc_save(struct ku_json_writer *w, const struct kb_connect_opts *o)
{
	int rc;

	if (o->json) {
		rc = ku_json_writer_save(w, o->json);
		if (rc < 0)
			kb_die("cannot write %s: %s", o->json, ku_strerror(rc));
	} else {
		fputs(ku_json_writer_text(w, NULL), stdout);
		fputc('\n', stdout);
	}
}

static struct kb_conn *bc_open(const struct kb_connect_opts *o, enum kb_role role, const char *brokers,
				    const char *topic, char *err, size_t errlen)
{
	struct kb_opts bo = {
		.brokers = brokers, .topic = topic, .qos = 1, .ack = true, .window = 1,
		.partitions = 1, .timeout_ms = (int)o->timeout_ms,
	};
	struct kb_conn *c = NULL;

	if (o->be->open(&c, role, &bo, err, errlen) < 0)
		return NULL;
	return c;
}

/* ---- latency ------------------------------------------------------------------- */

static int bc_latency(const struct kb_connect_opts *o)
{
	struct ku_json_writer w;
	struct ku_hist *all;
	char err[256];

	ku_hist_new(&all, KU_HIST_DEFAULT_HIGHEST, KU_HIST_DEFAULT_SIGFIGS);
	bc_doc_begin(&w);
	bc_bench_begin(&w, o, "connect");
	bc_config(&w, o);
	ku_json_key(&w, "repetitions");
	ku_json_array_begin(&w);
	for (long r = 0; r < o->reps; r++) {
		struct ku_hist *h;
		long ok = 0, errors = 0;
		double cpu0 = bc_cpu_sec();
		uint64_t t0 = ku_now_ns(), wall;

		ku_hist_new(&h, KU_HIST_DEFAULT_HIGHEST, KU_HIST_DEFAULT_SIGFIGS);
		for (long i = 0; i < o->count; i++) {
			uint64_t ts = ku_now_ns();
			struct kb_conn *c = bc_open(o, KB_PUB, o->brokers, o->topic, err, sizeof(err));

			if (!c) {
				if (!ok && ++errors >= 3)
					kb_die("cannot connect to %s (%s): %s", o->brokers ? o->brokers : "default",
						    o->backend, err);
				continue;
			}
			ku_hist_record(h, ku_now_ns() - ts);
			ok++;
			o->be->close(c);
		}
		wall = ku_now_ns() - t0;
		ku_json_object_begin(&w);
		ku_json_kv_int(&w, "connects", ok);
		ku_json_kv_double(&w, "connects_per_sec", ok / (wall / 1e9));
		ku_json_kv_double(&w, "throughput_msgs_per_sec", ok / (wall / 1e9));
		bc_hist_metrics(&w, "latency", h);
		ku_json_kv_double(&w, "cpu_usage_percent", (bc_cpu_sec() - cpu0) / (wall / 1e9) * 100);
		ku_json_kv_uint(&w, "peak_rss_bytes", bc_peak_rss());
		ku_json_kv_double(&w, "error_rate", ok + errors ? (double)errors / (double)(ok + errors) : 0);
		ku_json_object_end(&w);
		ku_hist_merge(all, h);
		ku_hist_free(h);
	}
	ku_json_array_end(&w);
	ku_json_key(&w, "metrics");
	ku_json_object_begin(&w);
	bc_hist_metrics(&w, "latency", all);
	ku_json_kv_uint(&w, "peak_rss_bytes", bc_peak_rss());
	ku_json_object_end(&w);
	ku_json_object_end(&w);
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	bc_save(&w, o);
	if (!o->quiet)
		fprintf(stderr, "bench_connect: connect/%s: p50 %.1f us, p99 %.1f us over %" PRIu64 " connects\n",
			o->backend, ku_hist_percentile(all, 50) / 1e3, ku_hist_percentile(all, 99) / 1e3,
			all->count);
	ku_json_writer_free(&w);
	ku_hist_free(all);
	return 0;
}

/* ---- recovery --------------------------------------------------------------------- */

struct kb_bc_proxy {
	pid_t pid;
	FILE *in, *out;
	char addr[128];
	pthread_mutex_t lock;
};

static int bc_proxy_start(struct kb_bc_proxy *p, const char *exe, const char *target)
{
	int pin[2], pout[2];
	char line[96];

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0)
		return -errno;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		execl(exe, exe, "--target", target, (char *)NULL);
		fprintf(stderr, "bench_connect: cannot run %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	p->in = fdopen(pin[1], "w");
	p->out = fdopen(pout[0], "r");
	pthread_mutex_init(&p->lock, NULL);
	if (!fgets(line, sizeof(line), p->out) || strncmp(line, "listening ", 10))
		return -EPROTO;
	line[strcspn(line, "\n")] = '\0';
	snprintf(p->addr, sizeof(p->addr), "%s", line + 10);
	return 0;
}

/* One command, one reply line (serialized: two threads use the proxy). */
static int bc_proxy_cmd(struct kb_bc_proxy *p, const char *cmd, char *reply, size_t len)
{
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	if (fprintf(p->in, "%s\n", cmd) < 0 || fflush(p->in) != 0 || !fgets(reply, (int)len, p->out))
		rc = -EPIPE;
	else
		reply[strcspn(reply, "\n")] = '\0';
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static void bc_proxy_stop(struct kb_bc_proxy *p)
{
	int st;

	if (p->pid <= 0)
		return;
	if (p->in)
		fclose(p->in); /* EOF on its stdin ends the proxy */
	if (p->out)
		fclose(p->out);
	waitpid(p->pid, &st, 0);
	p->pid = 0;
}

struct bc_recovery {
	const struct kb_connect_opts *o;
	struct kb_bc_proxy *proxy;
	volatile bool stop;
	pthread_mutex_t lock;
	uint64_t cut_ns[1024]; /* when each cut happened */
	long ncut;
};

static void *bc_cutter(void *arg)
{
	struct bc_recovery *rc = arg;
	char reply[128];

	for (long i = 0; i < rc->o->cuts && !rc->stop; i++) {
		struct timespec ts = { rc->o->interval_ms / 1000, (rc->o->interval_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		if (rc->stop)
			break;
		if (rc->o->down_ms)
			bc_proxy_cmd(rc->proxy, "block", reply, sizeof(reply));
		pthread_mutex_lock(&rc->lock);
		rc->cut_ns[rc->ncut] = ku_now_ns();
		pthread_mutex_unlock(&rc->lock);
		if (bc_proxy_cmd(rc->proxy, "cut", reply, sizeof(reply)) < 0 || strncmp(reply, "ok cut", 6))
			break;
		pthread_mutex_lock(&rc->lock);
		rc->ncut++;
		pthread_mutex_unlock(&rc->lock);
		if (rc->o->down_ms) {
			struct timespec d = { rc->o->down_ms / 1000, (rc->o->down_ms % 1000) * 1000000L };

			nanosleep(&d, NULL);
			bc_proxy_cmd(rc->proxy, "unblock", reply, sizeof(reply));
		}
	}
	return NULL;
}

struct kb_bc_seen {
	uint8_t *seen;
	uint64_t n, received, duplicates, foreign;
};

static int bc_on_msg(void *arg, const struct kb_delivery *d)
{
	struct kb_bc_seen *s = arg;
	uint64_t id;

	if (d->len < 16 || memcmp(d->data, "kbconn01", 8)) {
		s->foreign++;
		return 0;
	}
	memcpy(&id, (const char *)d->data + 8, 8);
	if (id >= s->n) {
		s->foreign++;
		return 0;
	}
	if (s->seen[id])
		s->duplicates++;
	else
		s->received++;
	s->seen[id] = 1;
	return 0;
}

/* Publish one message and wait for its confirmation: 0, or <0 when the
   connection failed or the broker refused it. */
static int bc_send_confirmed(const struct kb_connect_opts *o, struct kb_conn *c, uint64_t id)
{
	char msg[64];
	struct kb_buf b = { msg, sizeof(msg) };
	struct kb_stats before, after;
	int rc;

	memset(msg, 'r', sizeof(msg));
	memcpy(msg, "kbconn01", 8);
	memcpy(msg + 8, &id, 8);
	o->be->stats(c, &before);
	rc = o->be->publish(c, &b, 1);
	if (rc < 0)
		return rc;
	rc = o->be->flush(c, (int)o->timeout_ms);
	if (rc < 0)
		return rc;
	o->be->stats(c, &after);
	if (after.failed > before.failed || after.confirmed <= before.confirmed)
		return -EIO;
	return 0;
}

static int bc_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t bc_median(const uint64_t *v, size_t n)
{
	uint64_t *c = malloc(n * sizeof(*c)), m;

	if (!c)
		return v[0];
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), bc_cmp_u64);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

static int bc_recovery(const struct kb_connect_opts *o)
{
	struct bc_recovery rc = { .o = o };
	struct kb_bc_proxy proxy = { 0 };
	struct kb_bc_seen seen = { 0 };
	struct kb_conn *pub = NULL, *sub;
	struct ku_hist *h;
	struct ku_json_writer w;
	pthread_t cutter;
	char err[256], topic[128];
	uint64_t id = 0, acked = 0, reconnects = 0, failures = 0;
	uint64_t cap = 1u << 22;
	uint64_t *recov = calloc((size_t)o->cuts + 1, sizeof(*recov));
	long nrecov = 0;
	int r;
	struct kb_addr addr;
	char target[300], via[600];

	if (!o->be->networked)
		kb_die("recovery needs a networked backend (amqp, mqtt), not '%s'", o->backend);
	if (!strcmp(o->backend, "kafka"))
		kb_die("recovery through a TCP proxy does not apply to kafka: clients reconnect to the "
			    "address each broker advertises, which bypasses the proxy");
	if (!o->brokers)
		kb_die("recovery needs --brokers HOST:PORT (the proxy forwards to it)");
	snprintf(topic, sizeof(topic), "%s", o->topic);
	/* The consumer attaches first, directly to the broker. */
	sub = bc_open(o, KB_SUB, o->brokers, topic, err, sizeof(err));
	if (!sub)
		kb_die("cannot connect to %s (%s): %s", o->brokers, o->backend, err);
	/* kb-proxy forwards bytes: in front of a WebSocket listener it cuts the
	   WebSocket's TCP connection, and the publisher keeps scheme and path. */
	snprintf(target, sizeof(target), "%s", o->brokers);
	if (!strcmp(o->backend, "mqtt")) {
		if (kb_addr_parse(o->brokers, NULL, &addr, err, sizeof(err)) < 0)
			kb_die("--brokers: %s", err);
		snprintf(target, sizeof(target), "%s:%d", addr.host, addr.port);
	}
	r = bc_proxy_start(&proxy, o->proxy, target);
	if (r < 0)
		kb_die("cannot start kb-proxy (%s): %s", o->proxy, ku_strerror(r));
	rc.proxy = &proxy;
	pthread_mutex_init(&rc.lock, NULL);
	seen.n = cap;
	seen.seen = calloc(cap, 1);
	ku_hist_new(&h, KU_HIST_DEFAULT_HIGHEST, KU_HIST_DEFAULT_SIGFIGS);

	snprintf(via, sizeof(via), "%s", proxy.addr);
	if (o->transport == KB_TRANSPORT_WS && kb_addr_uri(&addr, proxy.addr, via, sizeof(via)) < 0)
		kb_die("--brokers: address too long");
	pub = bc_open(o, KB_PUB, via, topic, err, sizeof(err));
	if (!pub)
		kb_die("cannot connect through kb-proxy %s: %s", proxy.addr, err);
	pthread_create(&cutter, NULL, bc_cutter, &rc);
	bool down = false;
	uint64_t down_since = 0;

	/* Publish with confirmations until every cut happened and the
	   publisher has been up for a while since the last one. */
	while (id < cap) {
		long ncut;
		uint64_t last_cut;

		pthread_mutex_lock(&rc.lock);
		ncut = rc.ncut;
		last_cut = ncut ? rc.cut_ns[ncut - 1] : 0;
		pthread_mutex_unlock(&rc.lock);
		if (ncut >= o->cuts && !down && ku_now_ns() - last_cut > 300000000ull)
			break;
		if (!pub) {
			pub = bc_open(o, KB_PUB, via, topic, err, sizeof(err));
			if (!pub) {
				if (ku_now_ns() - down_since > (uint64_t)o->timeout_ms * 3000000ull)
					kb_die("could not reconnect within %ld ms: %s", o->timeout_ms * 3, err);
				usleep(1000);
				continue;
			}
			reconnects++;
		}
		if (bc_send_confirmed(o, pub, id) == 0) {
			acked++;
			id++;
			if (down) {
				/* Recovered: time from the cut that broke the connection
				   (the latest one before the failure was seen). */
				uint64_t cut_at = down_since, t = ku_now_ns();

				pthread_mutex_lock(&rc.lock);
				for (long i = rc.ncut - 1; i >= 0; i--)
					if (rc.cut_ns[i] <= down_since) {
						cut_at = rc.cut_ns[i];
						break;
					}
				pthread_mutex_unlock(&rc.lock);
				ku_hist_record(h, t - cut_at);
				if (nrecov < o->cuts)
					recov[nrecov++] = t - cut_at;
				down = false;
			}
			continue;
		}
		/* The connection failed (or the broker refused the message):
		   drop it, reconnect, re-send the same id. */
		failures++;
		if (!down) {
			down = true;
			down_since = ku_now_ns();
		}
		o->be->close(pub);
		pub = NULL;
	}
	rc.stop = true;
	pthread_join(cutter, NULL);
	if (pub)
		o->be->close(pub);

	/* Everything confirmed must reach the consumer. */
	for (uint64_t idle_since = ku_now_ns(); ku_now_ns() - idle_since < (uint64_t)o->timeout_ms * 1000000ull;) {
		uint64_t before = seen.received;
		int n = o->be->poll(sub, bc_on_msg, &seen, 1000, 100);

		if (n < 0)
			kb_die("consumer connection lost: %s", kb_conn_error(sub));
		if (seen.received != before)
			idle_since = ku_now_ns();
		bool all = true;

		for (uint64_t i = 0; i < id && all; i++)
			all = seen.seen[i];
		if (all)
			break;
	}
	uint64_t lost = 0;

	for (uint64_t i = 0; i < id; i++)
		lost += !seen.seen[i];
	o->be->close(sub);
	bc_proxy_stop(&proxy);

	bc_doc_begin(&w);
	bc_bench_begin(&w, o, "recovery");
	bc_config(&w, o);
	ku_json_key(&w, "metrics");
	ku_json_object_begin(&w);
	bc_hist_metrics(&w, "recovery", h);
	/* The repetitions are the individual recoveries; their median here. */
	ku_json_kv_uint(&w, "recovery_ns", nrecov ? bc_median(recov, (size_t)nrecov) : 0);
	ku_json_kv_int(&w, "cuts", rc.ncut);
	ku_json_kv_int(&w, "recoveries", nrecov);
	ku_json_kv_uint(&w, "reconnects", reconnects);
	ku_json_kv_uint(&w, "failed_sends", failures);
	ku_json_kv_uint(&w, "acked", acked);
	ku_json_kv_uint(&w, "received", seen.received);
	ku_json_kv_uint(&w, "lost", lost);
	ku_json_kv_uint(&w, "duplicates", seen.duplicates);
	ku_json_kv_uint(&w, "peak_rss_bytes", bc_peak_rss());
	ku_json_object_end(&w);
	ku_json_key(&w, "repetitions");
	ku_json_array_begin(&w);
	for (long i = 0; i < nrecov; i++) {
		ku_json_object_begin(&w);
		ku_json_kv_uint(&w, "recovery_ns", recov[i]);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	bc_save(&w, o);
	if (!o->quiet)
		fprintf(stderr,
			"bench_connect: recovery/%s: %ld cuts, %" PRIu64 " reconnects, recovery p50 %.1f ms max %.1f ms; "
			"%" PRIu64 " acked, %" PRIu64 " lost, %" PRIu64 " duplicates\n",
			o->backend, rc.ncut, reconnects, ku_hist_percentile(h, 50) / 1e6,
			ku_hist_percentile(h, 100) / 1e6, acked, lost, seen.duplicates);
	ku_json_writer_free(&w);
	ku_hist_free(h);
	free(seen.seen);
	free(recov);
	return lost ? 1 : 0;
}

/* ---- channels ---------------------------------------------------------------------- */

static void bc_channels_metrics(struct ku_json_writer *w, long n, const struct kb_channels_result *res)
{
	ku_json_object_begin(w);
	ku_json_kv_int(w, "channels", n);
	ku_json_kv_double(w, "heap_bytes_per_channel", res->heap_bytes / (double)n);
	ku_json_kv_double(w, "rss_bytes_per_channel", res->rss_bytes / (double)n);
	ku_json_kv_double(w, "open_ns_per_channel", res->open_ns / (double)n);
	ku_json_kv_int(w, "heap_bytes", res->heap_bytes);
	ku_json_kv_int(w, "rss_bytes", res->rss_bytes);
	ku_json_kv_uint(w, "peak_rss_bytes", bc_peak_rss());
	ku_json_object_end(w);
}

static int bc_channels(const struct kb_connect_opts *o)
{
	long counts[16];
	size_t ncounts = 0;
	struct ku_json_writer w;
	char *list = strdup(o->channels), *save = NULL;

	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(t, &end, 10);

		if (*end || v < 1 || v > 100000 || ncounts == KU_ARRAY_SIZE(counts))
			kb_die("--channels: '%s' is not a list of counts 1..100000 (at most 16)", o->channels);
		counts[ncounts++] = v;
	}
	free(list);
	if (!ncounts)
		kb_die("--channels needs at least one count");

	bc_doc_begin(&w);
	for (size_t i = 0; i < ncounts; i++) {
		struct kb_channels_result res;
		char err[256];
		int rc = kb_channels_measure(o->backend, o->brokers, o->topic, counts[i], (int)o->timeout_ms, &res,
					     err, sizeof(err));

		if (rc < 0)
			kb_die("channels/%s with %ld: %s", o->backend, counts[i], err);
		bc_bench_begin(&w, o, "channels");
		ku_json_kv_string(&w, "unit", res.unit);
		ku_json_key(&w, "config");
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "mode", "channels");
		ku_json_kv_string(&w, "backend", o->backend);
		ku_json_kv_string(&w, "brokers", o->brokers);
		ku_json_kv_string(&w, "transport", kb_transport_name(o->transport));
		ku_json_kv_int(&w, "channels", counts[i]);
		ku_json_object_end(&w);
		ku_json_key(&w, "metrics");
		bc_channels_metrics(&w, counts[i], &res);
		/* this run is one repetition: kprof merge pools the repetitions of
		   several runs (bench/perf/sdk.sh) */
		ku_json_key(&w, "repetitions");
		ku_json_array_begin(&w);
		bc_channels_metrics(&w, counts[i], &res);
		ku_json_array_end(&w);
		ku_json_object_end(&w);
		if (!o->quiet)
			fprintf(stderr, "bench_connect: channels/%s: %ld %ss: %.0f heap bytes and %.0f RSS bytes each\n",
				o->backend, counts[i], res.unit, res.heap_bytes / (double)counts[i],
				res.rss_bytes / (double)counts[i]);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	bc_save(&w, o);
	ku_json_writer_free(&w);
	return 0;
}

/* ---- main ------------------------------------------------------------------------------ */

static void bc_usage(FILE *f)
{
	fprintf(f,
		"usage: bench_connect latency|recovery|channels --backend B [--brokers ADDR] [options]\n"
		"  latency:  [--count N (200)] [--reps N (1)]\n"
		"  recovery: [--cuts N (5)] [--interval MS (300)] [--down MS (0)] [--proxy PATH]\n"
		"  channels: [--channels 1,100,1000]\n"
		"  common:   [--topic T] [--transport tcp|ws] [--timeout S (10)] [--json FILE] [--quiet]\n"
		"backends: %s\n",
		kb_backend_list());
}

static long bc_num(const char *flag, const char *v, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max)
		kb_die("%s: '%s' is not a number in %ld..%ld", flag, v, min, max);
	return n;
}

/* kb-proxy next to this executable (build tree and installed layout). */
static const char *bc_default_proxy(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	char *slash;

	if (n <= 0)
		return "kb-proxy";
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash + 1, "kb-proxy");
	return path;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' }, { "brokers", required_argument, NULL, 'B' },
		{ "topic", required_argument, NULL, 't' },   { "count", required_argument, NULL, 'n' },
		{ "cuts", required_argument, NULL, 'c' },    { "interval", required_argument, NULL, 'i' },
		{ "down", required_argument, NULL, 'd' },    { "reps", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' }, { "json", required_argument, NULL, 'j' },
		{ "proxy", required_argument, NULL, 'p' },   { "channels", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },         { "help", no_argument, NULL, 'h' },
		{ "transport", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	struct kb_connect_opts o = {
		.count = 200, .cuts = 5, .interval_ms = 300, .reps = 1, .timeout_ms = 10000,
		.channels = "1,100,1000",
	};
	char topic[128];
	const char *transport = NULL;
	int c, rc;

	kb_die_init("bench_connect", kb_backend_shutdown_all);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		bc_usage(stdout);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		bc_usage(stderr);
		return 2;
	}
	o.mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o.backend = optarg; break;
		case 'B': o.brokers = optarg; break;
		case 't': o.topic = optarg; break;
		case 'n': o.count = bc_num("--count", optarg, 1, 10000000); break;
		case 'c': o.cuts = bc_num("--cuts", optarg, 1, 1000); break;
		case 'i': o.interval_ms = bc_num("--interval", optarg, 1, 600000); break;
		case 'd': o.down_ms = bc_num("--down", optarg, 0, 600000); break;
		case 'r': o.reps = bc_num("--reps", optarg, 1, 1000); break;
		case 'T': o.timeout_ms = bc_num("--timeout", optarg, 1, 3600) * 1000; break;
		case 'j': o.json = optarg; break;
		case 'p': o.proxy = optarg; break;
		case 'C': o.channels = optarg; break;
		case 'q': o.quiet = true; break;
		case 'X': transport = optarg; break;
		case 'h': bc_usage(stdout); return 0;
		default: bc_usage(stderr); return 2;
		}
	}
	if (optind != argc)
		kb_die("unexpected argument '%s'", argv[optind]);
	if (strcmp(o.mode, "latency") && strcmp(o.mode, "recovery") && strcmp(o.mode, "channels"))
		kb_die("unknown mode '%s' (latency, recovery, channels)", o.mode);
	if (!o.backend)
		kb_die("--backend is required (%s)", kb_backend_list());
	o.be = kb_backend_find(o.backend);
	if (!o.be)
		kb_die("unknown or unavailable backend '%s' (built: %s)", o.backend, kb_backend_list());
	kb_flags_transport(o.backend, &o.brokers, transport, &o.transport, o.uri, sizeof(o.uri));
	if (!o.topic) {
		snprintf(topic, sizeof(topic), "kb-connect-%s-%d", o.mode, (int)getpid());
		o.topic = topic;
	}
	if (!o.proxy)
		o.proxy = bc_default_proxy();
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(o.mode, "latency"))
		rc = bc_latency(&o);
	else if (!strcmp(o.mode, "recovery"))
		rc = bc_recovery(&o);
	else
		rc = bc_channels(&o);
	kb_backend_shutdown_all();
	return rc;
}
