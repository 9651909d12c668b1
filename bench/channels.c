/* SPDX-License-Identifier: MIT */
/*
 * channels: memory per channel / subscription / topic, for bench_connect.
 * Each backend opens one connection with its client library, takes a
 * baseline, opens n channels (waiting until the broker confirmed each one),
 * and measures the growth of the malloc heap (mallinfo2: bytes in use,
 * including mmapped blocks) and of the resident set. The client libraries
 * are used directly here because channel multiplexing is exactly what the
 * generic publisher/consumer interface of bench/backend.h hides.
 * Background threads of the libraries allocate too; that is part of what a
 * channel costs, so it is counted.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "bench_connect.h"
#include "kalloc.h"
#include "ku.h"

#if KB_HAVE_KAFKA
#include <librdkafka/rdkafka.h>
#endif
#if KB_HAVE_AMQP
#include <amqp.h>
#include <amqp_tcp_socket.h>
#endif
#if KB_HAVE_MQTT
#include <MQTTAsync.h>
#endif

static int ch_err(char *err, size_t len, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int ch_err(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

struct ch_snap {
	int64_t heap, rss;
	uint64_t t;
};

static void ch_snap(struct ch_snap *s)
{
	struct mallinfo2 mi = mallinfo2();
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	s->heap = (int64_t)(mi.uordblks + mi.hblkhd);
	s->rss = (int64_t)resident * sysconf(_SC_PAGESIZE);
	s->t = ku_now_ns();
}

/* Begin: baseline and, under libkalloc, a phase of its own. */
static void ch_begin(struct ch_snap *s, long n)
{
	char phase[64];

	snprintf(phase, sizeof(phase), "channels-%ld", n);
	kalloc_phase(phase);
	ch_snap(s);
}

static void ch_end(const struct ch_snap *s0, long n, struct kb_channels_result *res)
{
	struct ch_snap s1;

	ch_snap(&s1);
	kalloc_messages((uint64_t)n);
	kalloc_phase("teardown");
	res->heap_bytes = s1.heap - s0->heap;
	res->rss_bytes = s1.rss - s0->rss;
	res->open_ns = s1.t - s0->t;
}

static int ch_split(const char *brokers, const char *defhost, int defport, char *host, size_t hlen, int *port)
{
	const char *colon;

	if (!brokers || !*brokers) {
		snprintf(host, hlen, "%s", defhost);
		*port = defport;
		return 0;
	}
	colon = strrchr(brokers, ':');
	if (!colon || colon == brokers || (size_t)(colon - brokers) >= hlen)
		return -EINVAL;
	memcpy(host, brokers, (size_t)(colon - brokers));
	host[colon - brokers] = '\0';
	*port = atoi(colon + 1);
	return *port > 0 && *port < 65536 ? 0 : -EINVAL;
}

/* ---- AMQP: channels on one connection ------------------------------------------ */

#if KB_HAVE_AMQP
static int ch_amqp(const char *brokers, long n, int timeout_ms, struct kb_channels_result *res, char *err,
		      size_t errlen)
{
	char host[256];
	int port;
	amqp_connection_state_t conn;
	amqp_socket_t *sock;
	amqp_rpc_reply_t r;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct ch_snap s0;
	int rc = 0;

	if (ch_split(brokers, "127.0.0.1", 5672, host, sizeof(host), &port) < 0)
		return ch_err(err, errlen, -EINVAL, "bad --brokers '%s' (HOST:PORT)", brokers);
	conn = amqp_new_connection();
	sock = amqp_tcp_socket_new(conn);
	if (!sock || amqp_socket_open_noblock(sock, host, port, &tv) != AMQP_STATUS_OK) {
		amqp_destroy_connection(conn);
		return ch_err(err, errlen, -ECONNREFUSED, "cannot connect to %s:%d", host, port);
	}
	/* channel_max 0: take the broker's limit (RabbitMQ: 2047). */
	r = amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		amqp_destroy_connection(conn);
		return ch_err(err, errlen, -EACCES, "AMQP login to %s:%d failed", host, port);
	}
	if (n > amqp_get_channel_max(conn) && amqp_get_channel_max(conn) > 0) {
		rc = ch_err(err, errlen, -ERANGE, "the broker allows %d channels per connection",
			       amqp_get_channel_max(conn));
		goto out;
	}
	res->unit = "channel";
	ch_begin(&s0, n);
	for (long i = 1; i <= n; i++) {
		amqp_channel_open(conn, (amqp_channel_t)i);
		r = amqp_get_rpc_reply(conn);
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			rc = ch_err(err, errlen, -EIO, "opening channel %ld failed", i);
			goto out;
		}
	}
	ch_end(&s0, n, res);
out:
	amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(conn);
	return rc;
}
#endif

/* ---- MQTT: subscriptions of one client ------------------------------------------ */

#if KB_HAVE_MQTT
struct ch_mqtt {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	long done, failed;
	bool connected, conn_failed;
};

static void ch_mqtt_signal(struct ch_mqtt *m, long *field)
{
	pthread_mutex_lock(&m->lock);
	(*field)++;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void ch_mqtt_sub_ok(void *ctx, MQTTAsync_successData *d)
{
	(void)d;
	ch_mqtt_signal(ctx, &((struct ch_mqtt *)ctx)->done);
}

static void ch_mqtt_sub_fail(void *ctx, MQTTAsync_failureData *d)
{
	(void)d;
	ch_mqtt_signal(ctx, &((struct ch_mqtt *)ctx)->failed);
}

static void ch_mqtt_conn_ok(void *ctx, MQTTAsync_successData *d)
{
	struct ch_mqtt *m = ctx;

	(void)d;
	pthread_mutex_lock(&m->lock);
	m->connected = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void ch_mqtt_conn_fail(void *ctx, MQTTAsync_failureData *d)
{
	struct ch_mqtt *m = ctx;

	(void)d;
	pthread_mutex_lock(&m->lock);
	m->conn_failed = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static int ch_mqtt_arrived(void *ctx, char *topic, int len, MQTTAsync_message *msg)
{
	(void)ctx;
	(void)len;
	MQTTAsync_freeMessage(&msg);
	MQTTAsync_free(topic);
	return 1;
}

/* Wait until pred holds or the deadline passes (lock held by caller). */
static bool ch_mqtt_wait(struct ch_mqtt *m, bool (*pred)(struct ch_mqtt *, long), long arg, int timeout_ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while (!pred(m, arg))
		if (pthread_cond_timedwait(&m->cond, &m->lock, &dl) == ETIMEDOUT)
			return pred(m, arg);
	return true;
}

static bool ch_mqtt_connected(struct ch_mqtt *m, long n)
{
	(void)n;
	return m->connected || m->conn_failed;
}

static bool ch_mqtt_all(struct ch_mqtt *m, long n)
{
	return m->done + m->failed >= n;
}

static int ch_mqtt(const char *brokers, const char *topic, long n, int timeout_ms,
		      struct kb_channels_result *res, char *err, size_t errlen)
{
	char host[256], uri[600], cid[64], t[256];
	int port, rc = 0;
	MQTTAsync client;
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	MQTTAsync_disconnectOptions dopt = MQTTAsync_disconnectOptions_initializer;
	struct ch_mqtt m = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct ch_snap s0;

	if (brokers && strstr(brokers, "://")) { /* a URI, ws:// from --transport ws */
		snprintf(uri, sizeof(uri), "%s", brokers);
	} else {
		if (ch_split(brokers, "127.0.0.1", 1883, host, sizeof(host), &port) < 0)
			return ch_err(err, errlen, -EINVAL, "bad --brokers '%s' (HOST:PORT)", brokers);
		snprintf(uri, sizeof(uri), "tcp://%s:%d", host, port);
	}
	snprintf(cid, sizeof(cid), "kb-channels-%d", (int)getpid());
	if (MQTTAsync_create(&client, uri, cid, MQTTCLIENT_PERSISTENCE_NONE, NULL) != MQTTASYNC_SUCCESS)
		return ch_err(err, errlen, -ENOMEM, "cannot create an MQTT client for %s", uri);
	MQTTAsync_setCallbacks(client, &m, NULL, ch_mqtt_arrived, NULL);
	co.keepAliveInterval = 30;
	co.cleansession = 1;
	co.connectTimeout = timeout_ms / 1000 > 0 ? timeout_ms / 1000 : 1;
	co.onSuccess = ch_mqtt_conn_ok;
	co.onFailure = ch_mqtt_conn_fail;
	co.context = &m;
	pthread_mutex_lock(&m.lock);
	if (MQTTAsync_connect(client, &co) != MQTTASYNC_SUCCESS ||
	    !ch_mqtt_wait(&m, ch_mqtt_connected, 0, timeout_ms) || !m.connected) {
		pthread_mutex_unlock(&m.lock);
		MQTTAsync_destroy(&client);
		return ch_err(err, errlen, -ECONNREFUSED, "cannot connect to %s", uri);
	}
	pthread_mutex_unlock(&m.lock);
	res->unit = "subscription";
	ch_begin(&s0, n);
	for (long i = 0; i < n; i++) {
		MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;

		ro.onSuccess = ch_mqtt_sub_ok;
		ro.onFailure = ch_mqtt_sub_fail;
		ro.context = &m;
		snprintf(t, sizeof(t), "%s/%ld", topic, i);
		if (MQTTAsync_subscribe(client, t, 1, &ro) != MQTTASYNC_SUCCESS) {
			rc = ch_err(err, errlen, -EIO, "subscribe %ld failed", i);
			break;
		}
	}
	if (!rc) {
		pthread_mutex_lock(&m.lock);
		if (!ch_mqtt_wait(&m, ch_mqtt_all, n, timeout_ms))
			rc = ch_err(err, errlen, -ETIMEDOUT, "only %ld of %ld subscriptions confirmed", m.done, n);
		else if (m.failed)
			rc = ch_err(err, errlen, -EIO, "%ld subscriptions refused by the broker", m.failed);
		pthread_mutex_unlock(&m.lock);
	}
	if (!rc)
		ch_end(&s0, n, res);
	dopt.timeout = 1000;
	MQTTAsync_disconnect(client, &dopt);
	for (int i = 0; i < 100 && MQTTAsync_isConnected(client); i++)
		usleep(10000);
	MQTTAsync_destroy(&client);
	return rc;
}
#endif

/* ---- Kafka: topics of one producer --------------------------------------------- */

#if KB_HAVE_KAFKA
static int ch_kafka(const char *brokers, const char *topic, long n, int timeout_ms,
		       struct kb_channels_result *res, char *err, size_t errlen)
{
	char e[512], t[256], tmo[32];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	struct ch_snap s0;
	int rc = 0;

	if (!brokers)
		return ch_err(err, errlen, -EINVAL, "kafka channels need --brokers (a cluster or the mock cluster)");
	snprintf(tmo, sizeof(tmo), "%d", timeout_ms);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, e, sizeof(e)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "message.timeout.ms", tmo, e, sizeof(e)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "linger.ms", "0", e, sizeof(e)) != RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		return ch_err(err, errlen, -EINVAL, "%s", e);
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (!rk)
		return ch_err(err, errlen, -ENOMEM, "%s", e);
	/* Connected and warm: one metadata round trip before the baseline. */
	{
		const struct rd_kafka_metadata *md;

		if (rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_destroy(rk);
			return ch_err(err, errlen, -ECONNREFUSED, "no metadata from %s within %d ms", brokers,
					 timeout_ms);
		}
		rd_kafka_metadata_destroy(md);
	}
	res->unit = "topic";
	ch_begin(&s0, n);
	/* A topic costs its handle, its metadata and its partition state: one
	   message each, then wait for all deliveries. */
	for (long i = 0; i < n && !rc; i++) {
		snprintf(t, sizeof(t), "%s-%ld", topic, i);
		for (int tries = 0;; tries++) {
			rd_kafka_resp_err_t r = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(t), RD_KAFKA_V_VALUE("x", 1),
								  RD_KAFKA_V_END);

			if (r == RD_KAFKA_RESP_ERR_NO_ERROR)
				break;
			if (r != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries > 1000) {
				rc = ch_err(err, errlen, -EIO, "produce to %s: %s", t, rd_kafka_err2str(r));
				break;
			}
			rd_kafka_poll(rk, 10);
		}
	}
	if (!rc && rd_kafka_flush(rk, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
		rc = ch_err(err, errlen, -ETIMEDOUT, "%d messages not delivered within %d ms", rd_kafka_outq_len(rk),
			       timeout_ms);
	if (!rc)
		ch_end(&s0, n, res);
	rd_kafka_destroy(rk);
	return rc;
}
#endif

/* ---- memory: subscriptions of the in-process broker -------------------------------- */

static int ch_memory(const char *topic, long n, int timeout_ms, struct kb_channels_result *res, char *err,
			size_t errlen)
{
	const struct kb_backend *be = kb_backend_find("memory");
	struct kb_conn **subs = calloc((size_t)n, sizeof(*subs));
	struct ch_snap s0;
	int rc = 0;
	long i;

	if (!be || !subs) {
		free(subs);
		return ch_err(err, errlen, -ENOENT, "memory backend not available");
	}
	res->unit = "subscription";
	ch_begin(&s0, n);
	for (i = 0; i < n; i++) {
		struct kb_opts o = { .topic = topic, .timeout_ms = timeout_ms, .queue_depth = 1024, .client_index = (int)i };

		rc = be->open(&subs[i], KB_SUB, &o, err, errlen);
		if (rc < 0)
			break;
	}
	if (!rc)
		ch_end(&s0, n, res);
	while (i-- > 0)
		if (subs[i])
			be->close(subs[i]);
	free(subs);
	return rc;
}

int kb_channels_measure(const char *backend, const char *brokers, const char *topic, long n, int timeout_ms,
			struct kb_channels_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	if (!strcmp(backend, "memory"))
		return ch_memory(topic, n, timeout_ms, res, err, errlen);
#if KB_HAVE_AMQP
	if (!strcmp(backend, "amqp"))
		return ch_amqp(brokers, n, timeout_ms, res, err, errlen);
#endif
#if KB_HAVE_MQTT
	if (!strcmp(backend, "mqtt"))
		return ch_mqtt(brokers, topic, n, timeout_ms, res, err, errlen);
#endif
#if KB_HAVE_KAFKA
	if (!strcmp(backend, "kafka"))
		return ch_kafka(brokers, topic, n, timeout_ms, res, err, errlen);
#endif
	return ch_err(err, errlen, -ENOENT, "backend '%s' is not built", backend);
}
