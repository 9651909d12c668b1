/* SPDX-License-Identifier: MIT */
/*
 * backend-kafka: librdkafka producer and consumer. Without --brokers the
 * first connection starts bench/kb-mockcluster (librdkafka's mock cluster)
 * as a child process, asks it to create each topic with the requested
 * partitions, and stops it at exit (kb_backend_shutdown_all, atexit, and
 * SIGTERM for the child if its stdin pipe is not enough).
 *
 * Publisher: rd_kafka_producev with a copied value; a full local queue is
 * back-pressure (we serve delivery reports and retry until timeout_ms).
 * acks=all with --ack (else acks=1); delivery reports count confirmed and
 * failed messages; flush() waits for all of them. message.timeout.ms is the
 * run's timeout, so a dead broker surfaces as failed deliveries.
 * Consumer: a manually assigned consumer reading every partition from the
 * beginning (fresh mock topics). Kafka has no per-message negative
 * acknowledgement: a nack republishes the message to its partition with the
 * redelivered flag set (the retry-topic pattern, on the same topic); acks
 * commit offsets asynchronously after each polled batch.
 * "All brokers down" reported by librdkafka fails the connection.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "backend-internal.h"
#include "ku.h"
#include "message.h"

#ifndef KB_MOCKCLUSTER_PATH
#define KB_MOCKCLUSTER_PATH "kb-mockcluster"
#endif

static struct {
	pthread_mutex_t lock;
	pid_t pid;
	FILE *in, *out;
	char bootstrap[512];
	int registered;
} kmock = { .lock = PTHREAD_MUTEX_INITIALIZER, .pid = -1 };

struct kb_conn {
	struct kb_conn_base base;
	enum kb_role role;
	struct kb_opts opts;
	rd_kafka_t *rk;
	rd_kafka_t *redo; /* consumer: producer used to republish nacked messages */
	rd_kafka_queue_t *q;
	char *topic;
	int partitions;
	_Atomic int down; /* all brokers down */
	_Atomic uint64_t confirmed, failed;
	char dr_err[200];
	struct kb_stats st;
	rd_kafka_message_t **batch;
};

static void kmock__stop(void)
{
	pthread_mutex_lock(&kmock.lock);
	if (kmock.pid > 0) {
		int status;

		if (kmock.in)
			fclose(kmock.in);
		kmock.in = NULL;
		for (int i = 0; i < 200; i++) {
			if (waitpid(kmock.pid, &status, WNOHANG) == kmock.pid)
				goto reaped;
			usleep(10000);
		}
		kill(kmock.pid, SIGTERM);
		waitpid(kmock.pid, &status, 0);
reaped:
		kmock.pid = -1;
		if (kmock.out)
			fclose(kmock.out);
		kmock.out = NULL;
	}
	pthread_mutex_unlock(&kmock.lock);
}

static void kmock__helper_path(char *out, size_t len)
{
	const char *env = getenv("KPROF_MOCKCLUSTER");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, len, "%s/kb-mockcluster", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "%s", KB_MOCKCLUSTER_PATH);
}

/* poll() for up to ms, again after a signal (a profiler's in wall mode
 * interrupts blocked threads: poll is never restarted). */
static int kmock__wait_readable(struct pollfd *pfd, int ms)
{
	uint64_t end = ku_now_ns() + (uint64_t)ms * 1000000u, now;
	int rc;

	for (;;) {
		rc = poll(pfd, 1, ms);
		if (rc >= 0 || errno != EINTR)
			return rc;
		now = ku_now_ns();
		if (now >= end)
			return 0;
		ms = (int)((end - now) / 1000000u) + 1;
	}
}

/* Starts the helper once; returns its bootstrap address. lock held. */
static int kmock__start(char *err, size_t errlen)
{
	int in[2], out[2];
	char path[PATH_MAX + 32];
	struct pollfd pfd;

	if (kmock.pid > 0)
		return 0;
	kmock__helper_path(path, sizeof(path));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		snprintf(err, errlen, "kafka: pipe: %s", strerror(errno));
		return -errno;
	}
	kmock.pid = fork();
	if (kmock.pid < 0) {
		snprintf(err, errlen, "kafka: fork: %s", strerror(errno));
		return -errno;
	}
	if (kmock.pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		/* not profiled: the helper is the broker, not the client */
		unsetenv("LD_PRELOAD");
		execl(path, "kb-mockcluster", (char *)NULL);
		fprintf(stderr, "kafka: cannot run the mock cluster helper %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	kmock.in = fdopen(in[1], "w");
	kmock.out = fdopen(out[0], "r");
	pfd.fd = out[0];
	pfd.events = POLLIN;
	if (!kmock.in || !kmock.out || kmock__wait_readable(&pfd, 10000) <= 0 ||
	    !fgets(kmock.bootstrap, sizeof(kmock.bootstrap), kmock.out) || !strchr(kmock.bootstrap, ':')) {
		snprintf(err, errlen, "kafka: the mock cluster helper (%s) did not start", path);
		pthread_mutex_unlock(&kmock.lock);
		kmock__stop();
		pthread_mutex_lock(&kmock.lock);
		return -ECHILD;
	}
	kmock.bootstrap[strcspn(kmock.bootstrap, "\n")] = '\0';
	if (!kmock.registered) {
		atexit(kmock__stop);
		kmock.registered = 1;
	}
	return 0;
}

static int kmock__topic(const char *topic, int partitions, char *err, size_t errlen)
{
	char reply[256];

	fprintf(kmock.in, "topic %s %d\n", topic, partitions);
	fflush(kmock.in);
	if (!fgets(reply, sizeof(reply), kmock.out) || strncmp(reply, "ok", 2)) {
		snprintf(err, errlen, "kafka: mock cluster cannot create topic %s: %s", topic, reply);
		return -EIO;
	}
	return 0;
}

static void kafka__error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kb_conn *c = opaque;

	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__FATAL) {
		kb__conn_seterr(c, "kafka: %s", reason);
		atomic_store(&c->down, 1);
	}
}

static void kafka__dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kb_conn *c = opaque;

	if (m->err) {
		if (!atomic_fetch_add(&c->failed, 1))
			snprintf(c->dr_err, sizeof(c->dr_err), "%s", rd_kafka_err2str(m->err));
	} else {
		atomic_fetch_add(&c->confirmed, 1);
	}
}

static int kafka__conf(struct kb_conn *c, rd_kafka_conf_t *conf, const char *bootstrap, char *err, size_t errlen,
		       const char *const *kv)
{
	char e[512], tmo[32];

	snprintf(tmo, sizeof(tmo), "%d", c->opts.timeout_ms > 0 ? c->opts.timeout_ms : 10000);
	const char *common[] = {
		"bootstrap.servers", bootstrap, "log_level", "2", "socket.connection.setup.timeout.ms", tmo,
		"message.max.bytes", "100000000", "receive.message.max.bytes", "200000000", NULL,
	};
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *p = pass ? kv : common; p && *p; p += 2)
			if (rd_kafka_conf_set(conf, p[0], p[1], e, sizeof(e)) != RD_KAFKA_CONF_OK) {
				snprintf(err, errlen, "kafka: %s", e);
				return -EINVAL;
			}
	rd_kafka_conf_set_error_cb(conf, kafka__error_cb);
	rd_kafka_conf_set_opaque(conf, c);
	return 0;
}

static rd_kafka_t *kafka__producer(struct kb_conn *c, const char *bootstrap, char *err, size_t errlen)
{
	char tmo[32], e[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;

	snprintf(tmo, sizeof(tmo), "%d", c->opts.timeout_ms > 0 ? c->opts.timeout_ms : 10000);
	const char *kv[] = {
		"acks", c->opts.ack ? "all" : "1", "linger.ms", "5", "batch.num.messages", "10000",
		"queue.buffering.max.messages", "1000000", "queue.buffering.max.kbytes", "1048576",
		"message.timeout.ms", tmo, NULL,
	};
	if (kafka__conf(c, conf, bootstrap, err, errlen, kv)) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, kafka__dr_cb);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (!rk)
		snprintf(err, errlen, "kafka: %s", e);
	return rk;
}

static int kafka__open(struct kb_conn **out, enum kb_role role, const struct kb_opts *o, char *err, size_t errlen)
{
	struct kb_conn *c = calloc(1, sizeof(*c));
	const char *bootstrap = o->brokers;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt;
	rd_kafka_resp_err_t kerr;
	int rc = 0;

	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "kafka: out of memory");
		return -ENOMEM;
	}
	c->base.be = &kb_backend_kafka;
	c->role = role;
	c->opts = *o;
	c->topic = strdup(o->topic);
	if (!bootstrap) {
		pthread_mutex_lock(&kmock.lock);
		rc = kmock__start(err, errlen);
		if (!rc)
			rc = kmock__topic(o->topic, o->partitions > 0 ? o->partitions : 1, err, errlen);
		bootstrap = kmock.bootstrap;
		pthread_mutex_unlock(&kmock.lock);
		if (rc)
			goto fail;
	}
	if (role == KB_PUB) {
		c->rk = kafka__producer(c, bootstrap, err, errlen);
		if (!c->rk) {
			rc = -EINVAL;
			goto fail;
		}
	} else {
		char group[128], e[512];
		rd_kafka_conf_t *conf = rd_kafka_conf_new();

		snprintf(group, sizeof(group), "kprof-bench-%ld-%d", (long)getpid(), o->client_index);
		const char *kv[] = {
			"group.id", group, "enable.auto.commit", "false", "auto.offset.reset", "earliest",
			"enable.partition.eof", "false", "fetch.wait.max.ms", "10", "fetch.max.bytes", "100000000", "max.partition.fetch.bytes", "100000000",
			NULL,
		};
		if (kafka__conf(c, conf, bootstrap, err, errlen, kv)) {
			rd_kafka_conf_destroy(conf);
			rc = -EINVAL;
			goto fail;
		}
		c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
		if (!c->rk) {
			snprintf(err, errlen, "kafka: %s", e);
			rc = -EINVAL;
			goto fail;
		}
		rd_kafka_poll_set_consumer(c->rk);
	}
	/* metadata: proves the cluster is reachable and gives the partitions */
	rkt = rd_kafka_topic_new(c->rk, o->topic, NULL);
	kerr = rd_kafka_metadata(c->rk, 0, rkt, &md, o->timeout_ms > 0 ? o->timeout_ms : 10000);
	rd_kafka_topic_destroy(rkt);
	if (kerr || !md || md->topic_cnt < 1 || md->topics[0].err) {
		snprintf(err, errlen, "kafka: cannot reach brokers at %s within %d ms: %s", bootstrap, o->timeout_ms,
			 kerr ? rd_kafka_err2str(kerr) : md && md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "no metadata");
		if (md)
			rd_kafka_metadata_destroy(md);
		rc = -EHOSTUNREACH;
		goto fail;
	}
	c->partitions = md->topics[0].partition_cnt;
	rd_kafka_metadata_destroy(md);
	if (role == KB_SUB) {
		rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(c->partitions);

		for (int p = 0; p < c->partitions; p++)
			rd_kafka_topic_partition_list_add(parts, o->topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
		kerr = rd_kafka_assign(c->rk, parts);
		rd_kafka_topic_partition_list_destroy(parts);
		if (kerr) {
			snprintf(err, errlen, "kafka: assign: %s", rd_kafka_err2str(kerr));
			rc = -EIO;
			goto fail;
		}
		c->q = rd_kafka_queue_get_consumer(c->rk);
		c->batch = calloc(4096, sizeof(*c->batch));
		if (o->ack) {
			c->redo = kafka__producer(c, bootstrap, err, errlen);
			if (!c->redo) {
				rc = -EINVAL;
				goto fail;
			}
		}
	}
	*out = c;
	return 0;
fail:
	if (c->q)
		rd_kafka_queue_destroy(c->q);
	if (c->redo)
		rd_kafka_destroy(c->redo);
	if (c->rk) {
		if (role == KB_SUB)
			rd_kafka_consumer_close(c->rk);
		rd_kafka_destroy(c->rk);
	}
	free(c->batch);
	free(c->topic);
	free(c);
	return rc ? rc : -EIO;
}

static int kafka__produce(struct kb_conn *c, rd_kafka_t *rk, const void *data, size_t len, int partition)
{
	uint64_t deadline = 0;

	for (;;) {
		rd_kafka_resp_err_t e;

		if (atomic_load(&c->down))
			return -ENOTCONN;
		e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(c->topic), RD_KAFKA_V_PARTITION(partition),
				      RD_KAFKA_V_VALUE((void *)data, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				      RD_KAFKA_V_END);
		if (!e)
			return 0;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			kb__conn_seterr(c, "kafka: produce: %s", rd_kafka_err2str(e));
			return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? -EMSGSIZE : -EIO;
		}
		if (!deadline)
			deadline = ku_now_ns() + (uint64_t)c->opts.timeout_ms * 1000000u;
		else if (ku_now_ns() > deadline) {
			kb__conn_seterr(c, "kafka: local queue full for %d ms (broker not accepting)", c->opts.timeout_ms);
			return -ETIMEDOUT;
		}
		rd_kafka_poll(rk, 1);
	}
}

static int kafka__publish(struct kb_conn *c, const struct kb_buf *msgs, size_t n)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = kafka__produce(c, c->rk, msgs[i].data, msgs[i].len, RD_KAFKA_PARTITION_UA)))
			return rc;
	c->st.published += n;
	rd_kafka_poll(c->rk, 0);
	if (atomic_load(&c->failed)) {
		kb__conn_seterr(c, "kafka: %llu deliveries failed: %s", (unsigned long long)atomic_load(&c->failed),
				c->dr_err);
		return -EIO;
	}
	return 0;
}

static int kafka__poll(struct kb_conn *c, kb_deliver_fn cb, void *arg, int max, int timeout_ms)
{
	ssize_t n;
	int got = 0;

	if (max > 4096)
		max = 4096;
	if (atomic_load(&c->down))
		return -ENOTCONN;
	/* consume_batch_queue waits for a full batch or the timeout: wait
	   for the first message alone, then take what is already there */
	c->batch[0] = rd_kafka_consume_queue(c->q, timeout_ms);
	if (!c->batch[0])
		return atomic_load(&c->down) ? -ENOTCONN : 0;
	n = max > 1 ? rd_kafka_consume_batch_queue(c->q, 0, c->batch + 1, (size_t)max - 1) : 0;
	if (n >= 0)
		n++;
	if (n < 0) {
		rd_kafka_message_destroy(c->batch[0]);
		kb__conn_seterr(c, "kafka: consume: %s", rd_kafka_err2str(rd_kafka_last_error()));
		return -EIO;
	}
	for (ssize_t i = 0; i < n; i++) {
		rd_kafka_message_t *m = c->batch[i];

		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				kb__conn_seterr(c, "kafka: consume: %s", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		struct kb_delivery d = { m->payload, m->len, m->partition, false };

		got++;
		if (cb(arg, &d) == 1 && c->opts.ack) {
			/* republish a copy flagged redelivered */
			void *copy = malloc(m->len);

			c->st.nacked++;
			if (copy) {
				memcpy(copy, m->payload, m->len);
				kb_msg_mark_redelivered(copy, m->len);
				rd_kafka_producev(c->redo, RD_KAFKA_V_TOPIC(c->topic), RD_KAFKA_V_PARTITION(m->partition),
						  RD_KAFKA_V_VALUE(copy, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
						  RD_KAFKA_V_END);
			}
		} else if (c->opts.ack) {
			c->st.acked++;
		}
		rd_kafka_message_destroy(m);
	}
	if (c->opts.ack && got) {
		rd_kafka_commit_queue(c->rk, NULL, NULL, NULL, NULL); /* async: errors are not fatal here */
		rd_kafka_poll(c->redo, 0);
	}
	if (atomic_load(&c->down))
		return -ENOTCONN;
	return got;
}

static int kafka__flush(struct kb_conn *c, int timeout_ms)
{
	rd_kafka_t *rk = c->role == KB_PUB ? c->rk : c->redo;

	if (!rk)
		return 0;
	rd_kafka_flush(rk, timeout_ms);
	if (rd_kafka_outq_len(rk) > 0) {
		kb__conn_seterr(c, "kafka: %d messages unconfirmed after %d ms", rd_kafka_outq_len(rk), timeout_ms);
		return -ETIMEDOUT;
	}
	if (atomic_load(&c->failed)) {
		kb__conn_seterr(c, "kafka: %llu deliveries failed: %s", (unsigned long long)atomic_load(&c->failed),
				c->dr_err);
		return -EIO;
	}
	return 0;
}

static void kafka__stats(struct kb_conn *c, struct kb_stats *st)
{
	*st = c->st;
	st->confirmed = atomic_load(&c->confirmed);
	st->failed = atomic_load(&c->failed);
}

static void kafka__close(struct kb_conn *c)
{
	if (!c)
		return;
	if (c->redo) {
		rd_kafka_flush(c->redo, 1000);
		rd_kafka_destroy(c->redo);
	}
	if (c->q)
		rd_kafka_queue_destroy(c->q);
	if (c->role == KB_SUB)
		rd_kafka_consumer_close(c->rk);
	else
		rd_kafka_flush(c->rk, 100);
	rd_kafka_destroy(c->rk);
	free(c->batch);
	free(c->topic);
	free(c);
}

const struct kb_backend kb_backend_kafka = {
	.name = "kafka",
	.networked = true,
	.open = kafka__open,
	.publish = kafka__publish,
	.poll = kafka__poll,
	.flush = kafka__flush,
	.stats = kafka__stats,
	.close = kafka__close,
	.shutdown = kmock__stop,
};
