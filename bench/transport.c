/* SPDX-License-Identifier: MIT */
/* transport: MQTT broker addresses, TCP or WebSocket (see transport.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "transport.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int kb_transport_parse(const char *name, enum kb_transport *t)
{
	if (name && !strcmp(name, "tcp"))
		*t = KB_TRANSPORT_TCP;
	else if (name && !strcmp(name, "ws"))
		*t = KB_TRANSPORT_WS;
	else
		return -EINVAL;
	return 0;
}

const char *kb_transport_name(enum kb_transport t)
{
	return t == KB_TRANSPORT_WS ? "ws" : "tcp";
}

/* Prefix match of a scheme, case-insensitive as in RFC 3986. */
static size_t scheme(const char *s, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(s, name, n) ? 0 : n;
}

static int parse_port(const char *s, size_t n, int *port)
{
	int v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

static bool host_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '.' || ch == '_';
}

/* At most 60 characters of s for an error message, on one printable line. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s && s[i] && i < len - 1 && i < 60; i++)
		buf[i] = (unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	buf[i] = 0;
	return buf;
}

int kb_addr_parse(const char *brokers_in, const char *transport, struct kb_addr *a, char *err, size_t errlen)
{
	enum kb_transport want = KB_TRANSPORT_TCP, got = KB_TRANSPORT_TCP;
	char brokers[64], tshown[64];
	const char *s = brokers_in ? brokers_in : "", *hp, *slash, *colon = NULL;
	bool have_scheme = false;
	size_t n, hlen;

	memset(a, 0, sizeof(*a));
	shown(brokers_in, brokers, sizeof(brokers));
	if (transport && kb_transport_parse(transport, &want) < 0)
		return fail(err, errlen, "--transport: expected tcp or ws, got '%s'", shown(transport, tshown, sizeof(tshown)));
	if ((n = scheme(s, "ws://")) || (n = scheme(s, "tcp://")) || (n = scheme(s, "mqtt://"))) {
		got = n == 5 ? KB_TRANSPORT_WS : KB_TRANSPORT_TCP;
		have_scheme = true;
		s += n;
	} else if (scheme(s, "wss://") || scheme(s, "ssl://") || scheme(s, "mqtts://")) {
		return fail(err, errlen, "'%s': TLS is not supported (use ws:// or tcp://)", brokers);
	} else if (strstr(s, "://")) {
		return fail(err, errlen, "'%s': unknown scheme (tcp://, mqtt:// or ws://)", brokers);
	}
	if (have_scheme && transport && got != want)
		return fail(err, errlen, "--brokers '%s' contradicts --transport %s", brokers, shown(transport, tshown, sizeof(tshown)));
	a->transport = have_scheme ? got : want;
	if (strchr(s, ','))
		return fail(err, errlen, "'%s': one MQTT broker address, not a list", brokers);
	hp = s;
	slash = strchr(hp, '/');
	hlen = slash ? (size_t)(slash - hp) : strlen(hp);
	if (slash && a->transport != KB_TRANSPORT_WS)
		return fail(err, errlen, "'%s': a path needs the ws transport", brokers);
	if (hlen == 0 && !*s && !have_scheme) {
		snprintf(a->host, sizeof(a->host), "127.0.0.1");
	} else if (hlen && hp[0] == '[') {
		const char *close = memchr(hp, ']', hlen);

		if (!close || close == hp + 1)
			return fail(err, errlen, "'%s': unterminated IPv6 address", brokers);
		for (const char *p = hp + 1; p < close; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
			      *p == ':' || *p == '.'))
				return fail(err, errlen, "'%s': bad IPv6 address", brokers);
		if ((size_t)(close - hp) + 1 >= sizeof(a->host))
			return fail(err, errlen, "'%s': host name too long", brokers);
		memcpy(a->host, hp, (size_t)(close - hp) + 1);
		if (close + 1 < hp + hlen) {
			if (close[1] != ':')
				return fail(err, errlen, "'%s': expected ':' after ']'", brokers);
			colon = close + 1;
		}
	} else {
		const char *end = hp + hlen;

		colon = memchr(hp, ':', hlen);
		n = colon ? (size_t)(colon - hp) : hlen;
		if (n == 0)
			return fail(err, errlen, "'%s': no host", brokers);
		if (n >= sizeof(a->host))
			return fail(err, errlen, "'%s': host name too long", brokers);
		for (size_t i = 0; i < n; i++)
			if (!host_char((unsigned char)hp[i]))
				return fail(err, errlen, "'%s': bad character in host name", brokers);
		memcpy(a->host, hp, n);
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return fail(err, errlen, "'%s': write an IPv6 address in brackets", brokers);
	}
	if (colon) {
		const char *end = hp + hlen;

		if (parse_port(colon + 1, (size_t)(end - colon - 1), &a->port) < 0)
			return fail(err, errlen, "'%s': port must be 1..65535", brokers);
	} else {
		a->port = a->transport == KB_TRANSPORT_WS ? 15675 : 1883;
	}
	if (a->transport == KB_TRANSPORT_WS) {
		const char *p = slash ? slash : "/ws";

		if (strlen(p) >= sizeof(a->path))
			return fail(err, errlen, "'%s': path longer than %d characters", brokers,
				    KB_ADDR_PATH_MAX - 1);
		for (const char *q = p; *q; q++)
			if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f)
				return fail(err, errlen, "'%s': bad character in path", brokers);
		strcpy(a->path, p);
	}
	return 0;
}

int kb_addr_uri(const struct kb_addr *a, const char *hostport, char *buf, size_t len)
{
	int n;

	if (hostport)
		n = snprintf(buf, len, "%s://%s%s", kb_transport_name(a->transport), hostport, a->path);
	else
		n = snprintf(buf, len, "%s://%s:%d%s", kb_transport_name(a->transport), a->host, a->port, a->path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
