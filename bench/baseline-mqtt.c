/* SPDX-License-Identifier: MIT */
/*
 * baseline-mqtt: the simplest paho.mqtt.c (MQTTAsync) publish loop, the
 * reference that bench_pub --backend mqtt is compared against
 * (bench/perf/baselines.sh). Connects with a clean session, publishes
 * COUNT messages of SIZE bytes at QoS 0 with at most 10000 in flight (as
 * bench_pub does by default), waits until paho reported every message
 * sent, and prints
 *   baseline-mqtt: COUNT msgs in SECONDS s, RATE msg/s
 * Usage: baseline-mqtt HOST:PORT COUNT SIZE. Exit 2 on bad arguments or
 * an unreachable broker, 1 when a publish failed.
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <MQTTAsync.h>

#define WINDOW 10000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long done_ok, done_fail;
static int state; /* 0 connecting, 1 connected, -1 failed */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_state(int s)
{
	pthread_mutex_lock(&lock);
	state = s;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void on_connect(void *ctx, MQTTAsync_successData *d)
{
	(void)ctx, (void)d;
	set_state(1);
}

static void on_connect_fail(void *ctx, MQTTAsync_failureData *d)
{
	(void)ctx, (void)d;
	set_state(-1);
}

static void on_sent(void *ctx, MQTTAsync_successData *d)
{
	(void)ctx, (void)d;
	pthread_mutex_lock(&lock);
	done_ok++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void on_send_fail(void *ctx, MQTTAsync_failureData *d)
{
	(void)ctx, (void)d;
	pthread_mutex_lock(&lock);
	done_fail++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static int on_arrived(void *ctx, char *topic, int len, MQTTAsync_message *m)
{
	(void)ctx, (void)len;
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

int main(int argc, char **argv)
{
	MQTTAsync client;
	MQTTAsync_createOptions cr = MQTTAsync_createOptions_initializer;
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	char uri[300], id[64], *end, *payload;
	long count, size;
	double t0, t1;

	if (argc != 4 || strlen(argv[1]) > 256) {
		fprintf(stderr, "usage: baseline-mqtt HOST:PORT COUNT SIZE\n");
		return 2;
	}
	count = strtol(argv[2], &end, 10);
	if (*end || count < 1) {
		fprintf(stderr, "baseline-mqtt: COUNT: expected a positive number, got '%s'\n", argv[2]);
		return 2;
	}
	size = strtol(argv[3], &end, 10);
	if (*end || size < 0 || size > (1L << 24)) {
		fprintf(stderr, "baseline-mqtt: SIZE: expected 0..16777216, got '%s'\n", argv[3]);
		return 2;
	}
	payload = malloc(size ? (size_t)size : 1);
	if (!payload)
		return 2;
	memset(payload, 'x', (size_t)size);
	snprintf(uri, sizeof(uri), "tcp://%s", argv[1]);
	snprintf(id, sizeof(id), "kprof-baseline-%ld", (long)getpid());

	cr.maxBufferedMessages = WINDOW;
	if (MQTTAsync_createWithOptions(&client, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &cr) !=
	    MQTTASYNC_SUCCESS) {
		fprintf(stderr, "baseline-mqtt: bad broker address '%s'\n", uri);
		return 2;
	}
	MQTTAsync_setCallbacks(client, NULL, NULL, on_arrived, NULL);
	co.keepAliveInterval = 30;
	co.cleansession = 1;
	co.connectTimeout = 10;
	co.maxInflight = WINDOW;
	co.onSuccess = on_connect;
	co.onFailure = on_connect_fail;
	if (MQTTAsync_connect(client, &co) != MQTTASYNC_SUCCESS) {
		fprintf(stderr, "baseline-mqtt: cannot connect to %s\n", uri);
		return 2;
	}
	pthread_mutex_lock(&lock);
	while (state == 0)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	if (state < 0) {
		fprintf(stderr, "baseline-mqtt: cannot connect to %s\n", uri);
		return 2;
	}

	ro.onSuccess = on_sent;
	ro.onFailure = on_send_fail;
	t0 = now_s();
	for (long i = 0; i < count; i++) {
		MQTTAsync_message m = MQTTAsync_message_initializer;

		pthread_mutex_lock(&lock);
		while (i - done_ok - done_fail >= WINDOW)
			pthread_cond_wait(&cond, &lock);
		pthread_mutex_unlock(&lock);
		m.payload = payload;
		m.payloadlen = (int)size;
		m.qos = 0;
		if (MQTTAsync_sendMessage(client, "kprof-baseline", &m, &ro) != MQTTASYNC_SUCCESS) {
			fprintf(stderr, "baseline-mqtt: publish failed after %ld messages\n", i);
			return 1;
		}
	}
	pthread_mutex_lock(&lock);
	while (done_ok + done_fail < count)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	t1 = now_s();
	printf("baseline-mqtt: %ld msgs in %.3f s, %.0f msg/s\n", count, t1 - t0, count / (t1 - t0));

	MQTTAsync_disconnectOptions dopt = MQTTAsync_disconnectOptions_initializer;
	dopt.timeout = 1000;
	MQTTAsync_disconnect(client, &dopt);
	MQTTAsync_destroy(&client);
	free(payload);
	return done_fail ? 1 : 0;
}
