/* SPDX-License-Identifier: MIT */
/*
 * test-message: the message model (UUID v4, serialization round trip,
 * bounds checks on hostile input) and the MQTT-style topic router.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "router.h"
#include "tap.h"

int main(void)
{
	struct kb_msg m, p;
	struct kb_uuid u, u2;
	char text[37], scratch[24 * 8];
	uint8_t buf[1024], payload[300];
	long len;
	int versions = 1, distinct = 1;

	/* UUID v4 */
	for (int i = 0; i < 1000; i++) {
		kb_uuid_v4(&u);
		kb_uuid_v4(&u2);
		versions &= (u.b[6] >> 4) == 4 && (u.b[8] >> 6) == 2;
		distinct &= memcmp(u.b, u2.b, 16) != 0;
	}
	tap_ok(versions, "UUIDs carry version 4 and the RFC 4122 variant");
	tap_ok(distinct, "consecutive UUIDs differ");
	kb_uuid_format(&u, text);
	tap_is_int(strlen(text), 36, "canonical form is 36 characters");
	tap_ok(text[8] == '-' && text[13] == '-' && text[14] == '4' && text[18] == '-' && text[23] == '-',
	       "canonical form %s", text);
	tap_is_int(kb_uuid_parse(text, &u2), 0, "parse canonical form");
	tap_ok(!memcmp(u.b, u2.b, 16), "format/parse round trip");
	for (int i = 0; i < 16; i++)
		u2.b[i] = (uint8_t)(i * 17 + (i & 1) * 0x0a);
	kb_uuid_format(&u2, text);
	tap_is_str(text, "001b223d-445f-6681-88a3-aac5cce7ee09", "format of a known UUID (every hex digit)");
	tap_is_int(kb_uuid_parse("0123", &u2), -EINVAL, "short UUID rejected");
	text[13] = 'x';
	tap_is_int(kb_uuid_parse(text, &u2), -EINVAL, "bad UUID separator rejected");

	/* serialization round trip */
	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	kb_uuid_v4(&m.id);
	kb_uuid_v4(&m.corr);
	m.flags = KB_MSG_F_CORR;
	m.intended_ns = 123456789;
	m.sent_ns = 123456999;
	m.seq = 42;
	m.producer = 0x10003;
	m.payload = payload;
	m.len = sizeof(payload);
	kb_msg_fill_meta(&m, 8, scratch, sizeof(scratch));
	tap_is_int(m.nmeta, 8, "8 metadata entries generated");
	len = kb_msg_serialize(&m, buf, sizeof(buf));
	tap_is_int(len, (long)kb_msg_size(&m), "serialized length equals kb_msg_size");
	tap_is_int(kb_msg_serialize(&m, buf, (size_t)len - 1), -ENOBUFS, "too small a buffer is refused");
	tap_is_int(kb_msg_parse(buf, (size_t)len, &p), 0, "parse");
	tap_ok(!memcmp(p.id.b, m.id.b, 16) && !memcmp(p.corr.b, m.corr.b, 16), "ids intact");
	tap_ok(p.intended_ns == m.intended_ns && p.sent_ns == m.sent_ns && p.seq == 42 && p.producer == 0x10003,
	       "header fields intact");
	tap_ok(p.len == sizeof(payload) && !memcmp(p.payload, payload, sizeof(payload)), "payload intact");
	{
		int same = p.nmeta == m.nmeta;

		for (unsigned i = 0; same && i < p.nmeta; i++)
			same = p.meta[i].klen == m.meta[i].klen && p.meta[i].vlen == m.meta[i].vlen &&
			       !memcmp(p.meta[i].key, m.meta[i].key, m.meta[i].klen) &&
			       !memcmp(p.meta[i].val, m.meta[i].val, m.meta[i].vlen);
		tap_ok(same, "metadata intact");
	}
	/* overhead: fixed header, +16 with a correlation id, +3+k+v per entry */
	m.nmeta = 0;
	m.flags = 0;
	tap_is_int(kb_msg_size(&m) - m.len, KB_MSG_HEADER, "overhead without options is %d bytes", KB_MSG_HEADER);
	tap_ok(KB_MSG_HEADER <= 64, "overhead within the 64-byte stretch target");
	m.flags = KB_MSG_F_CORR;
	tap_is_int(kb_msg_size(&m) - m.len, KB_MSG_HEADER + 16, "correlation id adds 16 bytes");

	/* hostile input: every truncation, bad magic, bad flags, lengths */
	{
		int bad = 0;

		m.nmeta = 8;
		len = kb_msg_serialize(&m, buf, sizeof(buf));
		for (long n = 0; n < len; n++)
			if (kb_msg_parse(buf, (size_t)n, &p) != -EINVAL)
				bad++;
		tap_ok(!bad, "every truncation rejected (%d accepted)", bad);
		tap_is_int(kb_msg_parse(buf, (size_t)len + 1, &p), -EINVAL, "trailing byte rejected");
		buf[0] ^= 0xff;
		tap_is_int(kb_msg_parse(buf, (size_t)len, &p), -EINVAL, "bad magic rejected");
		buf[0] ^= 0xff;
		buf[1] |= 0x80;
		tap_is_int(kb_msg_parse(buf, (size_t)len, &p), -EINVAL, "unknown flag rejected");
		buf[1] &= 0x7f;
		buf[48] ^= 1; /* payload length */
		tap_is_int(kb_msg_parse(buf, (size_t)len, &p), -EINVAL, "wrong payload length rejected");
		buf[48] ^= 1;
		buf[2] = 200; /* too many metadata entries */
		tap_is_int(kb_msg_parse(buf, (size_t)len, &p), -EINVAL, "metadata count over the limit rejected");
		buf[2] = 8;
		buf[KB_MSG_HEADER + 16 + 1] = 0xff; /* first value length */
		tap_is_int(kb_msg_parse(buf, (size_t)len, &p), -EINVAL, "corrupt metadata value length rejected");
	}
	/* empty payload */
	m.len = 0;
	m.nmeta = 0;
	len = kb_msg_serialize(&m, buf, sizeof(buf));
	tap_ok(len == KB_MSG_HEADER + 16 && kb_msg_parse(buf, (size_t)len, &p) == 0 && p.len == 0, "empty payload");

	/* router */
	{
		static const struct { const char *f, *t; int want; } cases[] = {
			{ "a/b/c", "a/b/c", 1 }, { "a/b/c", "a/b", 0 }, { "a/b", "a/b/c", 0 },
			{ "a/+/c", "a/x/c", 1 }, { "a/+/c", "a/x/y/c", 0 }, { "+", "a", 1 },
			{ "+", "a/b", 0 }, { "+/+", "a/b", 1 }, { "#", "a/b/c", 1 },
			{ "a/#", "a", 1 }, { "a/#", "a/b/c", 1 }, { "a/#", "ab", 0 },
			{ "a/+", "a/", 1 }, { "sport/+/player1", "sport/tennis/player1", 1 },
			{ "abc", "abd", 0 }, { "ab", "abc", 0 }, { "+/b/#", "x/b", 1 },
		};
		int ok = 1;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (kb_topic_match(cases[i].f, cases[i].t) != cases[i].want) {
				ok = 0;
				tap_diag("  match('%s', '%s') != %d", cases[i].f, cases[i].t, cases[i].want);
			}
		tap_ok(ok, "topic matching table (MQTT 3.1.1 4.7)");
		tap_ok(kb_filter_valid("a/+/b/#") && kb_filter_valid("#") && kb_filter_valid("+"), "valid filters");
		tap_ok(!kb_filter_valid("a/#/b") && !kb_filter_valid("a+/b") && !kb_filter_valid("a/b#") &&
			       !kb_filter_valid(""),
		       "invalid filters rejected");
	}
	return tap_done();
}
