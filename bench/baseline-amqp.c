/* SPDX-License-Identifier: MIT */
/*
 * baseline-amqp: the simplest rabbitmq-c publish loop, the reference that
 * bench_pub --backend amqp is compared against (bench/perf/baselines.sh).
 * Connects, declares a private non-durable queue, publishes COUNT
 * messages of SIZE bytes on the default exchange without confirms (as
 * bench_pub does without --ack), deletes the queue, and prints
 *   baseline-amqp: COUNT msgs in SECONDS s, RATE msg/s
 * Usage: baseline-amqp HOST:PORT COUNT SIZE. Exit 2 on bad arguments or
 * an unreachable broker.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <amqp.h>
#include <amqp_tcp_socket.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rpc_ok(amqp_connection_state_t conn, const char *what)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);

	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return 1;
	fprintf(stderr, "baseline-amqp: %s failed (reply type %d)\n", what, (int)r.reply_type);
	return 0;
}

int main(int argc, char **argv)
{
	char host[256], queue[64], *colon, *end;
	long count, size, port;
	amqp_connection_state_t conn;
	amqp_socket_t *sock;
	amqp_bytes_t body;
	double t0, t1;

	if (argc != 4 || strlen(argv[1]) >= sizeof(host) || !(colon = strrchr(argv[1], ':'))) {
		fprintf(stderr, "usage: baseline-amqp HOST:PORT COUNT SIZE\n");
		return 2;
	}
	memcpy(host, argv[1], (size_t)(colon - argv[1]));
	host[colon - argv[1]] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "baseline-amqp: bad port '%s'\n", colon + 1);
		return 2;
	}
	count = strtol(argv[2], &end, 10);
	if (*end || count < 1) {
		fprintf(stderr, "baseline-amqp: COUNT: expected a positive number, got '%s'\n", argv[2]);
		return 2;
	}
	size = strtol(argv[3], &end, 10);
	if (*end || size < 0 || size > (1L << 24)) {
		fprintf(stderr, "baseline-amqp: SIZE: expected 0..16777216, got '%s'\n", argv[3]);
		return 2;
	}
	body.len = (size_t)size;
	body.bytes = malloc(size ? (size_t)size : 1);
	if (!body.bytes)
		return 2;
	memset(body.bytes, 'x', (size_t)size);
	snprintf(queue, sizeof(queue), "kprof-baseline-%ld", (long)getpid());

	conn = amqp_new_connection();
	sock = amqp_tcp_socket_new(conn);
	if (!sock || amqp_socket_open(sock, host, (int)port) != AMQP_STATUS_OK) {
		fprintf(stderr, "baseline-amqp: cannot connect to %s:%ld\n", host, port);
		return 2;
	}
	if (amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type !=
	    AMQP_RESPONSE_NORMAL) {
		fprintf(stderr, "baseline-amqp: login failed\n");
		return 2;
	}
	amqp_channel_open(conn, 1);
	if (!rpc_ok(conn, "channel.open"))
		return 2;
	amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue), 0, 0, 0, 1, amqp_empty_table);
	if (!rpc_ok(conn, "queue.declare"))
		return 2;

	t0 = now_s();
	for (long i = 0; i < count; i++) {
		if (amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, NULL, body) !=
		    AMQP_STATUS_OK) {
			fprintf(stderr, "baseline-amqp: publish failed after %ld messages\n", i);
			return 1;
		}
	}
	t1 = now_s();
	printf("baseline-amqp: %ld msgs in %.3f s, %.0f msg/s\n", count, t1 - t0, count / (t1 - t0));

	amqp_queue_delete(conn, 1, amqp_cstring_bytes(queue), 0, 0);
	amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(conn);
	free(body.bytes);
	return 0;
}
