/* SPDX-License-Identifier: MIT */
/*
 * transport: one broker address of the MQTT backend, `--brokers` and
 * `--transport` together, as the parts a driver needs: the transport (TCP
 * or WebSocket), host, port and WebSocket request path. bench_pub,
 * bench_sub, bench_e2e and bench_connect resolve their flags through it,
 * so `--brokers ws://HOST:PORT/PATH` and `--brokers HOST:PORT --transport
 * ws` mean the same thing everywhere, and bench_connect can put kb-proxy
 * between host:port and keep the scheme and path.
 *
 * Accepted addresses (input is untrusted: a command line or a suite file):
 *   HOST:PORT  tcp://HOST:PORT  mqtt://HOST:PORT  ws://HOST:PORT[/PATH]
 * HOST may be a name, an IPv4 address or a bracketed IPv6 address; PORT
 * 1..65535; PATH at most 200 printable characters without spaces
 * (default "/ws", RabbitMQ web MQTT's; mosquitto accepts any path).
 * wss:// is refused: the drivers speak no TLS. No allocation; error text
 * of at most one line in err. Functions return 0 or a negative errno.
 */
#ifndef KB_TRANSPORT_H
#define KB_TRANSPORT_H

#include <stddef.h>

enum kb_transport { KB_TRANSPORT_TCP, KB_TRANSPORT_WS };

#define KB_ADDR_HOST_MAX 256
#define KB_ADDR_PATH_MAX 201

struct kb_addr {
	enum kb_transport transport;
	char host[KB_ADDR_HOST_MAX]; /* as written, brackets of IPv6 kept */
	int port;                    /* 1..65535 */
	char path[KB_ADDR_PATH_MAX]; /* WebSocket request path, "" for TCP */
};

/* "tcp" or "ws" into *t; -EINVAL for anything else. */
int kb_transport_parse(const char *name, enum kb_transport *t);
const char *kb_transport_name(enum kb_transport t);

/* Parses one address. transport: the --transport value or NULL (then the
 * scheme decides, TCP without one); a scheme that contradicts it is an
 * error. brokers NULL or "" means 127.0.0.1 on the default port (1883
 * for TCP, 15675, RabbitMQ web MQTT's, for WebSocket). A bare HOST takes
 * the default port too. */
int kb_addr_parse(const char *brokers, const char *transport, struct kb_addr *a, char *err, size_t errlen);

/* The URI paho.mqtt.c and mqtt.js take: "tcp://H:P" or "ws://H:P/PATH".
 * hostport, when not NULL, replaces "H:P" (a proxy in front of the broker).
 * -ENAMETOOLONG when len is too small. */
int kb_addr_uri(const struct kb_addr *a, const char *hostport, char *buf, size_t len);

#endif
