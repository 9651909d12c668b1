/* SPDX-License-Identifier: MIT */
/*
 * fuzz_transport: libFuzzer target for the MQTT broker address parser
 * (bench/transport.c). The first byte picks --transport (none, tcp, ws,
 * or the rest as its value), the rest is --brokers. An accepted address
 * formats into a URI that parses back to the same address; a refused one
 * leaves a one-line reason. Never a crash or an out-of-bounds access.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tr[] = { NULL, "tcp", "ws" };
	struct kb_addr a, b;
	char *s, err[200], uri[700];
	const char *t;

	if (size == 0 || size > 4096)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	t = data[0] < 3 ? tr[data[0]] : NULL;
	err[0] = 0;
	if (kb_addr_parse(s, t, &a, err, sizeof(err)) == 0) {
		if (kb_addr_uri(&a, NULL, uri, sizeof(uri)) < 0)
			abort();
		if (kb_addr_parse(uri, kb_transport_name(a.transport), &b, err, sizeof(err)) < 0 ||
		    memcmp(&a, &b, sizeof(a)))
			abort();
	} else if (!err[0] || strchr(err, '\n')) {
		abort();
	}
	free(s);
	return 0;
}
