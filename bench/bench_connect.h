/* SPDX-License-Identifier: MIT */
/*
 * bench_connect.h: the parts of bench_connect that measure memory per
 * channel (bench/channels.c). One "channel" is the unit a user of each
 * client multiplies by the thousand: an AMQP channel on one connection
 * (rabbitmq-c), an MQTT subscription on one client (paho), a Kafka topic
 * produced to by one producer (librdkafka), a subscription of the
 * in-process memory broker. Error convention: 0 or a negative errno with
 * a one-line reason in err.
 */
#ifndef KB_BENCH_CONNECT_H
#define KB_BENCH_CONNECT_H

#include <stdint.h>
#include <stddef.h>

struct kb_channels_result {
	const char *unit;   /* "channel", "subscription", "topic" */
	int64_t heap_bytes; /* growth of the malloc heap while opening them */
	int64_t rss_bytes;  /* growth of the resident set */
	uint64_t open_ns;   /* time to open all of them */
};

/* Opens `n` channels of `backend` on one connection to `brokers`, measures,
 * closes everything. When libkalloc is preloaded the opening is its own
 * phase "channels-<n>" with n messages, so stats.json gives allocations and
 * bytes per channel. */
int kb_channels_measure(const char *backend, const char *brokers, const char *topic, long n,
			int timeout_ms, struct kb_channels_result *res, char *err, size_t errlen);

#endif
