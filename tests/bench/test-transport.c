/* SPDX-License-Identifier: MIT */
/*
 * test-transport: MQTT broker addresses, TCP and WebSocket
 * (bench/transport.c): what each accepted form resolves to, the URI paho
 * and mqtt.js are given (with and without a proxy in front), and every
 * rejected form with its reason.
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "transport.h"

struct good {
	const char *brokers, *transport, *uri, *proxied;
};

struct bad {
	const char *brokers, *transport, *why;
};

int main(void)
{
	static const struct good good[] = {
		{ "127.0.0.1:1883", NULL, "tcp://127.0.0.1:1883", "tcp://127.0.0.1:9" },
		{ "localhost", NULL, "tcp://localhost:1883", "tcp://127.0.0.1:9" },
		{ NULL, NULL, "tcp://127.0.0.1:1883", "tcp://127.0.0.1:9" },
		{ NULL, "ws", "ws://127.0.0.1:15675/ws", "ws://127.0.0.1:9/ws" },
		{ "tcp://h:1", "tcp", "tcp://h:1", "tcp://127.0.0.1:9" },
		{ "MQTT://h:2", NULL, "tcp://h:2", "tcp://127.0.0.1:9" },
		{ "ws://h:3", NULL, "ws://h:3/ws", "ws://127.0.0.1:9/ws" },
		{ "ws://h:3/mqtt", "ws", "ws://h:3/mqtt", "ws://127.0.0.1:9/mqtt" },
		{ "h:4", "ws", "ws://h:4/ws", "ws://127.0.0.1:9/ws" },
		{ "[::1]:5", "ws", "ws://[::1]:5/ws", "ws://127.0.0.1:9/ws" },
		{ "ws://[::1]/a/b?c=d", NULL, "ws://[::1]:15675/a/b?c=d", "ws://127.0.0.1:9/a/b?c=d" },
	};
	static const struct bad bad[] = {
		{ "wss://h:1", NULL, "TLS is not supported" },
		{ "ssl://h:1", NULL, "TLS is not supported" },
		{ "http://h:1", NULL, "unknown scheme" },
		{ "ws://h:1", "tcp", "contradicts --transport tcp" },
		{ "tcp://h:1", "ws", "contradicts --transport ws" },
		{ "h:1", "quic", "expected tcp or ws" },
		{ "h:1/ws", NULL, "a path needs the ws transport" },
		{ "h:0", NULL, "port must be 1..65535" },
		{ "h:65536", NULL, "port must be 1..65535" },
		{ "h:12x", NULL, "port must be 1..65535" },
		{ "h:", NULL, "port must be 1..65535" },
		{ "ws://", NULL, "no host" },
		{ ":1883", NULL, "no host" },
		{ "a b:1", NULL, "bad character in host name" },
		{ "fe80::1:5", NULL, "IPv6 address in brackets" },
		{ "::1:5", NULL, "no host" },
		{ "[::1", NULL, "unterminated IPv6 address" },
		{ "[zz]:1", NULL, "bad IPv6 address" },
		{ "[::1]x", NULL, "expected ':' after ']'" },
		{ "h:1,h:2", NULL, "not a list" },
		{ "ws://h:1/a b", NULL, "bad character in path" },
	};
	struct kb_addr a;
	enum kb_transport t;
	char err[200], uri[600], lp[300];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good *g = &good[i];
		int rc = kb_addr_parse(g->brokers, g->transport, &a, err, sizeof(err));

		if (!tap_ok(rc == 0, "'%s' --transport %s parses", g->brokers ? g->brokers : "(none)",
			    g->transport ? g->transport : "(none)"))
			tap_diag("%s", err);
		tap_ok(kb_addr_uri(&a, NULL, uri, sizeof(uri)) == 0 && !strcmp(uri, g->uri), "  URI %s (got %s)", g->uri,
		       uri);
		tap_ok(kb_addr_uri(&a, "127.0.0.1:9", uri, sizeof(uri)) == 0 && !strcmp(uri, g->proxied),
		       "  through a proxy: %s (got %s)", g->proxied, uri);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad *b = &bad[i];
		int rc;

		err[0] = 0;
		rc = kb_addr_parse(b->brokers, b->transport, &a, err, sizeof(err));
		tap_ok(rc < 0 && strstr(err, b->why) && !strchr(err, '\n'), "'%s' refused: %s (said: %s)", b->brokers,
		       b->why, err);
	}
	memset(lp, 'p', sizeof(lp) - 1);
	lp[0] = '/';
	lp[sizeof(lp) - 1] = 0;
	snprintf(uri, sizeof(uri), "ws://h:1%s", lp);
	tap_ok(kb_addr_parse(uri, NULL, &a, err, sizeof(err)) < 0 && strstr(err, "path longer"), "a %zu-character path is refused",
	       strlen(lp));
	tap_ok(kb_transport_parse("ws", &t) == 0 && t == KB_TRANSPORT_WS && !strcmp(kb_transport_name(t), "ws"),
	       "transport names round-trip");
	tap_ok(kb_transport_parse("WS", &t) < 0, "transport names are lower case");
	return tap_done();
}
