/* SPDX-License-Identifier: MIT */
/*
 * backend-mqtt: paho.mqtt.c (asynchronous API, MQTT 3.1.1) against
 * mosquitto. --brokers is host:port (default 127.0.0.1:1883) or a
 * tcp:// URI; --qos picks 0, 1 or 2 for publishing and subscribing.
 *
 * Publisher: MQTTAsync_sendMessage; paho reports every message through
 * onSuccess (QoS 0: written to the socket; 1/2: PUBACK/PUBCOMP) or
 * onFailure, and at most `window` messages may be outstanding. Consumer:
 * paho's messageArrived callback (its own thread) copies each message
 * into a queue that poll() drains. MQTT 3.1.1 has no negative
 * acknowledgement: a nack puts the message back at the tail of the local
 * queue, flagged redelivered (documented in bench_pub(1)). A lost
 * connection fails the connection: no automatic reconnect.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <MQTTAsync.h>

#include "backend-internal.h"
#include "ku.h"

struct mqtt_node {
	struct mqtt_node *next;
	size_t len;
	bool redelivered;
	char data[];
};

struct kb_conn {
	struct kb_conn_base base;
	enum kb_role role;
	struct kb_opts opts;
	MQTTAsync client;
	char *topic;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state; /* 0 pending, 1 ok, -1 failed (connect/subscribe) */
	int down;
	char why[200];
	uint64_t sent, done_ok, done_fail;
	struct mqtt_node *head, *tail;
	struct kb_stats st;
};

static void mqtt__on_ok(void *ctx, MQTTAsync_successData *resp)
{
	struct kb_conn *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->state = 1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void mqtt__on_fail(void *ctx, MQTTAsync_failureData *resp)
{
	struct kb_conn *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->state = -1;
	snprintf(c->why, sizeof(c->why), "%s (code %d)", resp && resp->message ? resp->message : MQTTAsync_strerror(resp ? resp->code : -1),
		 resp ? resp->code : 0);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void mqtt__sent_ok(void *ctx, MQTTAsync_successData *resp)
{
	struct kb_conn *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->done_ok++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void mqtt__sent_fail(void *ctx, MQTTAsync_failureData *resp)
{
	struct kb_conn *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->done_fail++;
	if (!c->why[0])
		snprintf(c->why, sizeof(c->why), "delivery failed (code %d)", resp ? resp->code : 0);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void mqtt__lost(void *ctx, char *cause)
{
	struct kb_conn *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->down = 1;
	snprintf(c->why, sizeof(c->why), "connection lost%s%s", cause ? ": " : "", cause ? cause : "");
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static int mqtt__arrived(void *ctx, char *topic, int topiclen, MQTTAsync_message *m)
{
	struct kb_conn *c = ctx;
	struct mqtt_node *n = malloc(sizeof(*n) + (size_t)m->payloadlen);

	if (n) {
		n->next = NULL;
		n->len = (size_t)m->payloadlen;
		n->redelivered = m->dup != 0;
		memcpy(n->data, m->payload, n->len);
		pthread_mutex_lock(&c->lock);
		if (c->tail)
			c->tail->next = n;
		else
			c->head = n;
		c->tail = n;
		pthread_cond_signal(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static void mqtt__deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Waits for the pending connect/subscribe; lock held. */
static int mqtt__wait_state(struct kb_conn *c, int ms)
{
	struct timespec ts;

	mqtt__deadline(&ts, ms);
	while (c->state == 0)
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
			return -ETIMEDOUT;
	return c->state > 0 ? 0 : -EIO;
}

static int mqtt__open(struct kb_conn **out, enum kb_role role, const struct kb_opts *o, char *err, size_t errlen)
{
	struct kb_conn *c = calloc(1, sizeof(*c));
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	MQTTAsync_createOptions cr = MQTTAsync_createOptions_initializer;
	char uri[300], id[64];
	int rc, tmo = o->timeout_ms > 0 ? o->timeout_ms : 10000;

	*out = NULL;
	if (!c || !(c->topic = strdup(o->topic))) {
		free(c);
		snprintf(err, errlen, "mqtt: out of memory");
		return -ENOMEM;
	}
	c->base.be = &kb_backend_mqtt;
	c->role = role;
	c->opts = *o;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (!o->brokers)
		snprintf(uri, sizeof(uri), "tcp://127.0.0.1:1883");
	else if (strstr(o->brokers, "://"))
		snprintf(uri, sizeof(uri), "%s", o->brokers);
	else
		snprintf(uri, sizeof(uri), "tcp://%s", o->brokers);
	snprintf(id, sizeof(id), "kprof-%ld-%s%d-%08x", (long)getpid(), role == KB_PUB ? "p" : "s", o->client_index,
		 (unsigned)(ku_now_ns() & 0xffffffffu));
	cr.sendWhileDisconnected = 0;
	cr.maxBufferedMessages = (int)(o->window ? o->window : 10000);
	rc = MQTTAsync_createWithOptions(&c->client, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &cr);
	if (rc != MQTTASYNC_SUCCESS) {
		snprintf(err, errlen, "mqtt: bad broker address '%s': %s", uri, MQTTAsync_strerror(rc));
		goto fail_nocli;
	}
	MQTTAsync_setCallbacks(c->client, c, mqtt__lost, mqtt__arrived, NULL);
	co.keepAliveInterval = 30;
	co.cleansession = 1;
	co.connectTimeout = (tmo + 999) / 1000;
	co.maxInflight = (int)(o->window ? o->window : 10000);
	co.onSuccess = mqtt__on_ok;
	co.onFailure = mqtt__on_fail;
	co.context = c;
	pthread_mutex_lock(&c->lock);
	rc = MQTTAsync_connect(c->client, &co);
	if (rc == MQTTASYNC_SUCCESS)
		rc = mqtt__wait_state(c, tmo + 1000);
	pthread_mutex_unlock(&c->lock);
	if (rc) {
		snprintf(err, errlen, "mqtt: cannot connect to %s within %d ms: %s", uri, tmo,
			 c->why[0] ? c->why : rc == -ETIMEDOUT ? "timed out" : MQTTAsync_strerror(rc));
		goto fail;
	}
	if (role == KB_SUB) {
		MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;

		ro.onSuccess = mqtt__on_ok;
		ro.onFailure = mqtt__on_fail;
		ro.context = c;
		pthread_mutex_lock(&c->lock);
		c->state = 0;
		rc = MQTTAsync_subscribe(c->client, c->topic, o->qos, &ro);
		if (rc == MQTTASYNC_SUCCESS)
			rc = mqtt__wait_state(c, tmo);
		pthread_mutex_unlock(&c->lock);
		if (rc) {
			snprintf(err, errlen, "mqtt: subscribe to '%s' failed: %s", c->topic, c->why[0] ? c->why : "timed out");
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	MQTTAsync_destroy(&c->client);
fail_nocli:
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->topic);
	free(c);
	return -EHOSTUNREACH;
}

/* Waits until at most `limit` messages are outstanding; lock held. */
static int mqtt__wait_window(struct kb_conn *c, uint64_t limit, int ms)
{
	struct timespec ts;

	mqtt__deadline(&ts, ms);
	while (c->sent - c->done_ok - c->done_fail > limit) {
		if (c->down)
			return -ENOTCONN;
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT) {
			kb__conn_seterr(c, "mqtt: %llu messages unconfirmed after %d ms",
					(unsigned long long)(c->sent - c->done_ok - c->done_fail), ms);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

static int mqtt__publish(struct kb_conn *c, const struct kb_buf *msgs, size_t n)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int rc = 0;

	ro.onSuccess = mqtt__sent_ok;
	ro.onFailure = mqtt__sent_fail;
	ro.context = c;
	for (size_t i = 0; i < n; i++) {
		MQTTAsync_message m = MQTTAsync_message_initializer;
		int prc;

		pthread_mutex_lock(&c->lock);
		if (c->down) {
			kb__conn_seterr(c, "mqtt: %s", c->why);
			pthread_mutex_unlock(&c->lock);
			return -ENOTCONN;
		}
		if (c->sent - c->done_ok - c->done_fail >= c->opts.window)
			rc = mqtt__wait_window(c, c->opts.window - 1, c->opts.timeout_ms);
		if (!rc)
			c->sent++;
		pthread_mutex_unlock(&c->lock);
		if (rc) {
			if (rc == -ENOTCONN)
				kb__conn_seterr(c, "mqtt: %s", c->why);
			return rc;
		}
		m.payload = (void *)msgs[i].data;
		m.payloadlen = (int)msgs[i].len;
		m.qos = c->opts.qos;
		prc = MQTTAsync_sendMessage(c->client, c->topic, &m, &ro);
		if (prc != MQTTASYNC_SUCCESS) {
			pthread_mutex_lock(&c->lock);
			c->sent--;
			pthread_mutex_unlock(&c->lock);
			kb__conn_seterr(c, "mqtt: publish failed: %s", MQTTAsync_strerror(prc));
			return prc == MQTTASYNC_DISCONNECTED ? -ENOTCONN : -EIO;
		}
		c->st.published++;
	}
	return 0;
}

static int mqtt__poll(struct kb_conn *c, kb_deliver_fn cb, void *arg, int max, int timeout_ms)
{
	struct mqtt_node *list, *last = NULL;
	struct timespec ts;
	int got = 0;

	pthread_mutex_lock(&c->lock);
	if (!c->head && !c->down && timeout_ms > 0) {
		mqtt__deadline(&ts, timeout_ms);
		while (!c->head && !c->down)
			if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
				break;
	}
	if (!c->head && c->down) {
		kb__conn_seterr(c, "mqtt: %s", c->why);
		pthread_mutex_unlock(&c->lock);
		return -ENOTCONN;
	}
	/* take up to max nodes */
	list = c->head;
	for (struct mqtt_node *n = c->head; n && got < max; n = n->next) {
		last = n;
		got++;
	}
	if (last) {
		c->head = last->next;
		if (!c->head)
			c->tail = NULL;
		last->next = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	for (struct mqtt_node *n = list; last && n;) {
		struct mqtt_node *next = n->next;
		struct kb_delivery d = { n->data, n->len, 0, n->redelivered };

		if (cb(arg, &d) == 1 && c->opts.ack) {
			c->st.nacked++;
			n->redelivered = true;
			n->next = NULL;
			pthread_mutex_lock(&c->lock);
			if (c->tail)
				c->tail->next = n;
			else
				c->head = n;
			c->tail = n;
			pthread_mutex_unlock(&c->lock);
		} else {
			if (c->opts.ack)
				c->st.acked++;
			free(n);
		}
		n = next;
	}
	return got;
}

static int mqtt__flush(struct kb_conn *c, int timeout_ms)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = mqtt__wait_window(c, 0, timeout_ms);
	if (!rc && c->done_fail) {
		kb__conn_seterr(c, "mqtt: %llu messages failed: %s", (unsigned long long)c->done_fail, c->why);
		rc = -EIO;
	} else if (rc == -ENOTCONN) {
		kb__conn_seterr(c, "mqtt: %s", c->why);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static void mqtt__stats(struct kb_conn *c, struct kb_stats *st)
{
	pthread_mutex_lock(&c->lock);
	*st = c->st;
	st->confirmed = c->done_ok;
	st->failed = c->done_fail;
	pthread_mutex_unlock(&c->lock);
}

static void mqtt__close(struct kb_conn *c)
{
	if (!c)
		return;
	if (!c->down) {
		MQTTAsync_disconnectOptions dopt = MQTTAsync_disconnectOptions_initializer;

		dopt.timeout = 0; /* flush() already waited for what matters */
		MQTTAsync_disconnect(c->client, &dopt);
		for (int i = 0; i < 100 && MQTTAsync_isConnected(c->client); i++)
			usleep(10000);
	}
	MQTTAsync_destroy(&c->client);
	while (c->head) {
		struct mqtt_node *n = c->head->next;

		free(c->head);
		c->head = n;
	}
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->topic);
	free(c);
}

const struct kb_backend kb_backend_mqtt = {
	.name = "mqtt",
	.networked = true,
	.open = mqtt__open,
	.publish = mqtt__publish,
	.poll = mqtt__poll,
	.flush = mqtt__flush,
	.stats = mqtt__stats,
	.close = mqtt__close,
};
