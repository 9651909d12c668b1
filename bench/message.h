/* SPDX-License-Identifier: MIT */
/*
 * message: the benchmark message model. A message has a UUID (v4), an
 * optional correlation ID, metadata key/values, two timestamps, a producer
 * id and sequence number (so consumers can check loss, duplication and
 * order), and a payload, with one compact little-endian serialization:
 *
 *   off size field
 *     0    1 magic 0xB7
 *     1    1 flags: bit0 correlation id present, bit1 redelivered,
 *            bit2 warm-up message
 *     2    2 number of metadata entries
 *     4   16 uuid
 *    20    8 intended send time, ns (CLOCK_MONOTONIC)
 *    28    8 actual send time, ns (CLOCK_MONOTONIC)
 *    36    8 sequence number (per producer)
 *    44    4 producer id
 *    48    4 payload length
 *    52   16 correlation id (only when flag bit0)
 *    ..      metadata entries: u8 key length, u16 value length, key, value
 *    ..      payload
 *
 * The fixed overhead is 52 bytes (68 with a correlation ID) plus 3 bytes
 * and the text per metadata entry. kb_msg_parse is zero-copy (keys, values
 * and payload point into the buffer) and bounds-checked against hostile
 * input. Error convention: 0 or a negative errno.
 */
#ifndef KB_MESSAGE_H
#define KB_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KB_MSG_MAGIC 0xB7
#define KB_MSG_HEADER 52
#define KB_MSG_MAX_META 64
#define KB_MSG_MAX_PAYLOAD (64u << 20)

#define KB_MSG_F_CORR 0x01u
#define KB_MSG_F_REDELIVERED 0x02u
#define KB_MSG_F_WARMUP 0x04u /* sent during warm-up: excluded from figures */

struct kb_uuid {
	uint8_t b[16];
};

struct kb_meta {
	const char *key; /* not NUL-terminated after parse */
	const char *val;
	uint8_t klen;
	uint16_t vlen;
};

struct kb_msg {
	struct kb_uuid id;
	struct kb_uuid corr; /* valid when flags & KB_MSG_F_CORR */
	uint8_t flags;
	uint16_t nmeta;
	uint64_t intended_ns; /* when the schedule wanted it sent */
	uint64_t sent_ns;     /* when it was handed to the client library */
	uint64_t seq;
	uint32_t producer;
	uint32_t len;
	const void *payload;
	struct kb_meta meta[KB_MSG_MAX_META];
};

/* Per-thread xoshiro256** PRNG seeded from getrandom(2); fast UUID v4. */
uint64_t kb_rand64(void);
void kb_uuid_v4(struct kb_uuid *u);
/* Writes the 36-character canonical form plus NUL into out[37]. */
void kb_uuid_format(const struct kb_uuid *u, char out[37]);
/* Parses the canonical form; 0 or -EINVAL. */
int kb_uuid_parse(const char *s, struct kb_uuid *u);

/* Bytes kb_msg_serialize needs for m. */
size_t kb_msg_size(const struct kb_msg *m);
/* Serializes m into buf[0..cap); returns the length, or -ENOBUFS / -EINVAL
   (key longer than 255, value longer than 65535, payload too big). */
long kb_msg_serialize(const struct kb_msg *m, void *buf, size_t cap);
/* Parses buf[0..len) into m (pointers into buf); 0 or -EINVAL (bad magic,
   truncated, lengths that do not add up, trailing bytes). */
int kb_msg_parse(const void *buf, size_t len, struct kb_msg *m);
/* Reads just the header fields a consumer needs (no metadata walk). */
int kb_msg_peek(const void *buf, size_t len, uint32_t *producer, uint64_t *seq,
		uint64_t *intended_ns, uint64_t *sent_ns);
/* Sets the redelivered flag in a serialized message (backends that
   emulate nack by republishing). */
void kb_msg_mark_redelivered(void *buf, size_t len);

/* Fills m->meta with n generated entries "k<i>"="v<i>-xxxxxxxx" from
   static storage owned by the caller (scratch: at least 24*n bytes). */
void kb_msg_fill_meta(struct kb_msg *m, unsigned n, char *scratch, size_t scratch_len);

#endif
