/* SPDX-License-Identifier: MIT */
/*
 * messaging: the run of bench_pub, bench_sub and bench_e2e (see
 * messaging.h): connect every client, run the repetitions with their
 * producer and consumer threads (producer.c, consumer.c), turn what the
 * threads counted into the figures of each repetition, hand everything to
 * the result writer (result.h) and close. A repetition's figures:
 * throughput and bytes/s over the measured part (from the start barrier to
 * the last message consumed, or the last batch published for bench_pub),
 * CPU time of the process over the same interval, allocations per message
 * when libkalloc offers its totals, latency percentiles of the merged
 * per-thread histograms.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "kalloc-glue.h"
#include "ku.h"
#include "messaging-internal.h"
#include "messaging.h"
#include "result.h"

/* What the threads of every repetition counted, summed. */
struct sums {
	struct kb_run_totals t;
	struct ku_hist *lat_all, *unc_all;
	char err[512];
};

/* Connects every client, consumers first so that nothing published is
 * missed; any failure ends the program (kb_die). */
static void connect_clients(struct kb_run *run, bool consumers)
{
	struct kb_cfg *c = run->cfg;
	char err[512] = "";

	for (unsigned i = 0; i < c->clients; i++) {
		struct kb_opts o = {
			.brokers = c->brokers, .qos = c->qos, .ack = c->ack, .queue_depth = c->queue_depth,
			.window = c->window, .partitions = c->partitions, .timeout_ms = (int)(c->timeout * 1000),
			.client_index = (int)i, .purge = c->mode == KB_MODE_PUB, .spin = c->realtime,
		};
		struct kb_prod *p = &run->prod[i];
		uint64_t t0;
		int rc;

		if (c->clients == 1)
			snprintf(p->topic, sizeof(p->topic), "%s", c->topic);
		else
			snprintf(p->topic, sizeof(p->topic), "%s.%u", c->topic, i);
		o.topic = p->topic;
		p->run = run;
		p->idx = (int)i;
		p->target = c->duration_set ? 0 : c->count / c->clients + (i < c->count % c->clients);
		if (consumers) {
			struct kb_cons *cs = &run->cons[i];

			cs->run = run;
			cs->idx = (int)i;
			cs->track = calloc(c->clients, sizeof(*cs->track));
			if (!cs->track || ku_hist_new(&cs->lat, KU_HIST_DEFAULT_HIGHEST, 3) ||
			    ku_hist_new(&cs->lat_unc, KU_HIST_DEFAULT_HIGHEST, 3))
				kb_die("out of memory");
			t0 = ku_now_ns();
			rc = c->be->open(&cs->conn, KB_SUB, &o, err, sizeof(err));
			if (rc)
				kb_die("%s", err);
			run->connect_ns_sum += ku_now_ns() - t0;
			run->connect_ns_max = ku_now_ns() - t0 > run->connect_ns_max ? ku_now_ns() - t0 : run->connect_ns_max;
			run->nconnect++;
		}
		t0 = ku_now_ns();
		rc = c->be->open(&p->conn, KB_PUB, &o, err, sizeof(err));
		if (rc)
			kb_die("%s", err);
		run->connect_ns_sum += ku_now_ns() - t0;
		if (ku_now_ns() - t0 > run->connect_ns_max)
			run->connect_ns_max = ku_now_ns() - t0;
		run->nconnect++;
		if (kb__prod_init(p))
			kb_die("out of memory for %u x %" PRIu64 "-byte messages", c->batch, c->size);
	}
	if (!c->max_lag_set && consumers && !strcmp(c->backend, "kafka") && !c->brokers) {
		/* mock partitions keep about 5 MiB: stay well inside */
		uint64_t per = (4u << 20) / (kb_msg_size(&run->prod[0].proto) + 64);

		if (per == 0)
			kb_die("kafka: the mock cluster keeps only about 5 MiB per partition, so %zu-byte "
			       "messages would be dropped before they are consumed; use --brokers with a real cluster",
			       kb_msg_size(&run->prod[0].proto));

		c->max_lag = (per < 1 ? 1 : per) * (uint64_t)c->partitions;
	}
}

static void progress(const struct kb_cfg *c, struct kb_run *run, unsigned rep, uint64_t t0, bool tty)
{
	uint64_t sent = 0, now = ku_now_ns();

	for (unsigned i = 0; i < c->clients; i++)
		sent += atomic_load_explicit(&run->prod[i].sent, memory_order_relaxed);
	if (tty && now - t0 > 2000000000ull)
		fprintf(stderr, "\r%s: rep %u/%u: %" PRIu64 " msgs, %.0f msg/s   ", c->prog, rep + 1, c->reps, sent,
			(double)sent / ((double)(now - t0) / 1e9));
}

/* Resets the per-repetition state of every client and starts the threads. */
static void start_threads(struct kb_run *run, bool consumers)
{
	const struct kb_cfg *c = run->cfg;

	for (unsigned i = 0; i < c->clients; i++) {
		struct kb_prod *p = &run->prod[i];

		atomic_store(&p->sent, 0);
		atomic_store(&p->done, 0);
		p->sent_bytes = p->errors = 0;
		p->fail = 0;
		p->err[0] = '\0';
		ku_hist_reset(p->lat);
		if (consumers) {
			struct kb_cons *cs = &run->cons[i];

			for (unsigned k = 0; k < c->clients; k++) {
				free(cs->track[k].bits);
				memset(&cs->track[k], 0, sizeof(cs->track[k]));
			}
			cs->received = cs->deliveries = cs->dup = cs->redeliveries = cs->reordered = 0;
			cs->corrupt = cs->warm = cs->stale = cs->nacks = cs->bytes = cs->first_ns = cs->last_ns = 0;
			cs->fail = cs->timed_out = 0;
			atomic_store(&cs->progress, 0);
			cs->err[0] = '\0';
			ku_hist_reset(cs->lat);
			ku_hist_reset(cs->lat_unc);
			pthread_create(&cs->th, NULL, kb__cons_main, cs);
		}
	}
	for (unsigned i = 0; i < c->clients; i++)
		pthread_create(&run->prod[i].th, NULL, kb__prod_main, &run->prod[i]);
}

/* Repetition rep: threads, barriers, figures into *f, counts into *s.
 * Returns false when a client failed (s->err says why). */
static bool run_rep(struct kb_run *run, bool consumers, unsigned rep, unsigned nonce, struct kb_rep_fig *f,
		    struct sums *s)
{
	const struct kb_cfg *c = run->cfg;
	bool tty = isatty(2) && !c->quiet, failed = false, have_alloc;
	uint64_t t0, cpu0, a0 = 0, b0 = 0, a1, b1, t_end = 0, msgs = 0, bytes = 0;
	struct ku_hist *rl, *ru;
	static const double ps[6] = { 50, 90, 95, 99, 99.9, 100 };

	ku_hist_new(&rl, KU_HIST_DEFAULT_HIGHEST, 3);
	ku_hist_new(&ru, KU_HIST_DEFAULT_HIGHEST, 3);
	/* a per-process nonce keeps messages left over by an earlier run
	   (same broker, same topic) out of this run's figures */
	run->rep = ((nonce + rep) & 0xffff) ? (nonce + rep) & 0xffff : 1;
	pthread_barrier_init(&run->barrier, NULL, c->clients + 1);
	kb_kalloc_phase("warmup");
	start_threads(run, consumers);
	pthread_barrier_wait(&run->barrier);
	kb_kalloc_phase("steady");
	have_alloc = kb_kalloc_totals(&a0, &b0);
	cpu0 = kb_cpu_ns();
	t0 = ku_now_ns();
	pthread_barrier_wait(&run->barrier);
	for (unsigned i = 0; i < c->clients; i++) {
		while (!atomic_load(&run->prod[i].done)) {
			struct timespec ts = { 0, 100000000 };

			nanosleep(&ts, NULL);
			progress(c, run, rep, t0, tty);
		}
		pthread_join(run->prod[i].th, NULL);
	}
	for (unsigned i = 0; consumers && i < c->clients; i++)
		pthread_join(run->cons[i].th, NULL);
	if (tty && ku_now_ns() - t0 > 2000000000ull)
		fputc('\n', stderr);
	f->cpu = (double)(kb_cpu_ns() - cpu0);
	have_alloc = have_alloc && kb_kalloc_totals(&a1, &b1);
	for (unsigned i = 0; i < c->clients; i++) {
		struct kb_prod *p = &run->prod[i];
		uint64_t sent = atomic_load(&p->sent);

		s->t.attempts += sent + p->errors;
		s->t.errors += p->errors;
		if (p->fail && !failed) {
			failed = true;
			snprintf(s->err, sizeof(s->err), "%s", p->err);
		}
		if (!consumers) {
			msgs += sent;
			bytes += p->sent_bytes;
			if (p->t_end > t_end)
				t_end = p->t_end;
			ku_hist_merge(rl, p->lat);
		} else {
			struct kb_cons *cs = &run->cons[i];
			uint64_t l = sent > cs->received ? sent - cs->received : 0;

			msgs += cs->received;
			bytes += cs->bytes;
			s->t.lost += l;
			s->t.errors += l + cs->corrupt + cs->dup;
			s->t.dup += cs->dup;
			s->t.reordered += cs->reordered;
			s->t.corrupt += cs->corrupt;
			s->t.redeliveries += cs->redeliveries;
			s->t.nacks += cs->nacks;
			s->t.warm += cs->warm;
			if (cs->last_ns > t_end)
				t_end = cs->last_ns;
			ku_hist_merge(rl, cs->lat);
			ku_hist_merge(ru, cs->lat_unc);
			if ((cs->fail || (cs->timed_out && !p->fail)) && !failed) {
				failed = true;
				snprintf(s->err, sizeof(s->err), "%s", cs->err);
			}
		}
	}
	if (!t_end || t_end < t0)
		t_end = ku_now_ns();
	f->elapsed_ns = (double)(t_end - t0);
	f->msgs = msgs;
	f->thr = (double)msgs / (f->elapsed_ns / 1e9);
	f->bps = (double)bytes / (f->elapsed_ns / 1e9);
	f->cpu = f->cpu / f->elapsed_ns * 100.0;
	f->have_alloc = have_alloc && msgs;
	if (f->have_alloc) {
		f->allocs_per_msg = (double)(a1 - a0) / (double)msgs;
		f->bytes_per_msg = (double)(b1 - b0) / (double)msgs;
	}
	for (int k = 0; k < 6; k++) {
		f->lat[k] = ku_hist_percentile(rl, ps[k]);
		f->unc[k] = ku_hist_percentile(ru, ps[k]);
	}
	ku_hist_merge(s->lat_all, rl);
	ku_hist_merge(s->unc_all, ru);
	ku_hist_free(rl);
	ku_hist_free(ru);
	s->t.msgs += msgs;
	pthread_barrier_destroy(&run->barrier);
	if (!c->quiet)
		fprintf(stderr, "%s: %s rep %u/%u: %" PRIu64 " msgs in %.3f s, %.0f msg/s, p99 %" PRIu64 " ns\n", c->prog,
			c->backend, rep + 1, c->reps, msgs, f->elapsed_ns / 1e9, f->thr, f->lat[3]);
	return !failed;
}

static void close_clients(struct kb_run *run, bool consumers)
{
	const struct kb_cfg *c = run->cfg;

	for (unsigned i = 0; i < c->clients; i++) {
		struct kb_prod *p = &run->prod[i];

		if (consumers) {
			c->be->close(run->cons[i].conn);
			for (unsigned k = 0; k < c->clients; k++)
				free(run->cons[i].track[k].bits);
			free(run->cons[i].track);
			ku_hist_free(run->cons[i].lat);
			ku_hist_free(run->cons[i].lat_unc);
		}
		c->be->close(p->conn);
		free(p->arena);
		free(p->bufs);
		free(p->payload);
		ku_hist_free(p->lat);
	}
}

int kb_messaging_run(struct kb_cfg *c)
{
	struct kb_run run = { .cfg = c };
	struct sums s = { .t = { 0 } };
	struct kb_rep_fig *fig = calloc(c->reps, sizeof(*fig));
	bool consumers = c->mode != KB_MODE_PUB;
	int exit_code = 0;
	unsigned nonce = (unsigned)(kb_rand64() & 0xffff);

	run.prod = calloc(c->clients, sizeof(*run.prod));
	run.cons = calloc(c->clients, sizeof(*run.cons));
	if (!fig || !run.prod || !run.cons || ku_hist_new(&s.lat_all, KU_HIST_DEFAULT_HIGHEST, 3) ||
	    ku_hist_new(&s.unc_all, KU_HIST_DEFAULT_HIGHEST, 3))
		kb_die("out of memory");
	connect_clients(&run, consumers);
	/* no page faults on the measured path */
	if (c->realtime && mlockall(MCL_CURRENT | MCL_FUTURE) != 0 && !c->quiet)
		fprintf(stderr, "%s: --realtime: mlockall: %s\n", c->prog, strerror(errno));
	for (unsigned rep = 0; rep < c->reps && !s.t.failed; rep++)
		s.t.failed = !run_rep(&run, consumers, rep, nonce, &fig[rep], &s);
	kb_kalloc_phase("teardown");

	s.t.connect_ns = run.nconnect ? run.connect_ns_sum / run.nconnect : 0;
	s.t.connect_max_ns = run.connect_ns_max;
	s.t.message_bytes = run.prod[0].stride ? kb_msg_size(&run.prod[0].proto) : 0;
	s.t.lat = s.lat_all;
	s.t.unc = s.unc_all;
	s.t.consumers = consumers;
	s.t.networked = c->be->networked;
	s.t.kalloc_loaded = kb_kalloc_loaded();
	s.t.realtime = c->realtime && !atomic_load(&run.rt_refused);
	s.t.error = s.err;
	exit_code = kb_result_messaging(c, fig, &s.t);
	if (s.t.failed) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, c->backend, s.err);
		exit_code = 2;
	} else if (s.t.lost || s.t.dup || s.t.corrupt || s.t.reordered) {
		fprintf(stderr,
			"%s: %s: integrity failure: %" PRIu64 " lost, %" PRIu64 " duplicated, %" PRIu64
			" corrupt, %" PRIu64 " out of order\n",
			c->prog, c->backend, s.t.lost, s.t.dup, s.t.corrupt, s.t.reordered);
		if (!exit_code)
			exit_code = 1;
	}
	close_clients(&run, consumers);
	free(run.prod);
	free(run.cons);
	free(fig);
	ku_hist_free(s.lat_all);
	ku_hist_free(s.unc_all);
	return exit_code;
}
