/* SPDX-License-Identifier: MIT */
/*
 * message: UUIDs from a per-thread PRNG and the compact binary message
 * serialization (layout in message.h). Hot path: no allocation, fixed
 * offsets, one memcpy per field.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "message.h"

static __thread uint64_t rs[4];
static __thread int rs_init;

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void seed(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid();
	}
	seed ^= (uint64_t)(uintptr_t)&rs; /* distinct per thread */
	for (int i = 0; i < 4; i++)
		rs[i] = splitmix(&seed);
	rs_init = 1;
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t kb_rand64(void)
{
	uint64_t *s = rs, r, t;

	if (__builtin_expect(!rs_init, 0))
		seed();
	r = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

void kb_uuid_v4(struct kb_uuid *u)
{
	uint64_t a = kb_rand64(), b = kb_rand64();

	memcpy(u->b, &a, 8);
	memcpy(u->b + 8, &b, 8);
	u->b[6] = (uint8_t)((u->b[6] & 0x0F) | 0x40); /* version 4 */
	u->b[8] = (uint8_t)((u->b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
}

/* two hex digits per byte from one table load; the dashes are fixed */
static const char hex2[513] =
#define KB_H16(x) #x "0" #x "1" #x "2" #x "3" #x "4" #x "5" #x "6" #x "7" #x "8" #x "9" #x "a" #x "b" #x "c" #x "d" #x "e" #x "f"
	KB_H16(0) KB_H16(1) KB_H16(2) KB_H16(3) KB_H16(4) KB_H16(5) KB_H16(6) KB_H16(7)
	KB_H16(8) KB_H16(9) KB_H16(a) KB_H16(b) KB_H16(c) KB_H16(d) KB_H16(e) KB_H16(f);
#undef KB_H16

void kb_uuid_format(const struct kb_uuid *u, char out[37])
{
	static const unsigned char pos[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };

	for (int i = 0; i < 16; i++)
		memcpy(out + pos[i], hex2 + 2 * u->b[i], 2);
	out[8] = out[13] = out[18] = out[23] = '-';
	out[36] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int kb_uuid_parse(const char *s, struct kb_uuid *u)
{
	int j = 0;

	for (int i = 0; i < 36; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		hi = hexval(s[i]);
		lo = hi < 0 ? -1 : hexval(s[i + 1]);
		if (lo < 0)
			return -EINVAL;
		u->b[j++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return s[36] == '\0' ? 0 : -EINVAL;
}

size_t kb_msg_size(const struct kb_msg *m)
{
	size_t n = KB_MSG_HEADER + ((m->flags & KB_MSG_F_CORR) ? 16 : 0) + m->len;

	for (unsigned i = 0; i < m->nmeta; i++)
		n += 3 + m->meta[i].klen + m->meta[i].vlen;
	return n;
}

static inline void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8); /* little-endian hosts only (x86-64, arm64) */
}

static inline uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

long kb_msg_serialize(const struct kb_msg *m, void *buf, size_t cap)
{
	uint8_t *p = buf;
	size_t need = kb_msg_size(m);
	uint16_t nmeta = m->nmeta;

	if (m->len > KB_MSG_MAX_PAYLOAD || m->nmeta > KB_MSG_MAX_META)
		return -EINVAL;
	if (need > cap)
		return -ENOBUFS;
	p[0] = KB_MSG_MAGIC;
	p[1] = m->flags & (KB_MSG_F_CORR | KB_MSG_F_REDELIVERED | KB_MSG_F_WARMUP);
	memcpy(p + 2, &nmeta, 2);
	memcpy(p + 4, m->id.b, 16);
	put64(p + 20, m->intended_ns);
	put64(p + 28, m->sent_ns);
	put64(p + 36, m->seq);
	memcpy(p + 44, &m->producer, 4);
	memcpy(p + 48, &m->len, 4);
	p += KB_MSG_HEADER;
	if (m->flags & KB_MSG_F_CORR) {
		memcpy(p, m->corr.b, 16);
		p += 16;
	}
	for (unsigned i = 0; i < m->nmeta; i++) {
		const struct kb_meta *e = &m->meta[i];

		p[0] = e->klen;
		memcpy(p + 1, &e->vlen, 2);
		memcpy(p + 3, e->key, e->klen);
		memcpy(p + 3 + e->klen, e->val, e->vlen);
		p += 3 + e->klen + e->vlen;
	}
	if (m->len)
		memcpy(p, m->payload, m->len);
	return (long)need;
}

int kb_msg_parse(const void *buf, size_t len, struct kb_msg *m)
{
	const uint8_t *p = buf, *end = p + len;
	uint16_t nmeta;

	if (len < KB_MSG_HEADER || p[0] != KB_MSG_MAGIC || (p[1] & ~(KB_MSG_F_CORR | KB_MSG_F_REDELIVERED | KB_MSG_F_WARMUP)))
		return -EINVAL;
	memcpy(&nmeta, p + 2, 2);
	if (nmeta > KB_MSG_MAX_META)
		return -EINVAL;
	m->flags = p[1];
	m->nmeta = nmeta;
	memcpy(m->id.b, p + 4, 16);
	m->intended_ns = get64(p + 20);
	m->sent_ns = get64(p + 28);
	m->seq = get64(p + 36);
	m->producer = get32(p + 44);
	m->len = get32(p + 48);
	p += KB_MSG_HEADER;
	if (m->flags & KB_MSG_F_CORR) {
		if (end - p < 16)
			return -EINVAL;
		memcpy(m->corr.b, p, 16);
		p += 16;
	}
	for (unsigned i = 0; i < nmeta; i++) {
		struct kb_meta *e = &m->meta[i];

		if (end - p < 3)
			return -EINVAL;
		e->klen = p[0];
		memcpy(&e->vlen, p + 1, 2);
		p += 3;
		if ((size_t)(end - p) < (size_t)e->klen + e->vlen)
			return -EINVAL;
		e->key = (const char *)p;
		e->val = (const char *)p + e->klen;
		p += e->klen + e->vlen;
	}
	if ((size_t)(end - p) != m->len)
		return -EINVAL;
	m->payload = p;
	return 0;
}

int kb_msg_peek(const void *buf, size_t len, uint32_t *producer, uint64_t *seq,
		uint64_t *intended_ns, uint64_t *sent_ns)
{
	const uint8_t *p = buf;

	if (len < KB_MSG_HEADER || p[0] != KB_MSG_MAGIC)
		return -EINVAL;
	*producer = get32(p + 44);
	*seq = get64(p + 36);
	*intended_ns = get64(p + 20);
	*sent_ns = get64(p + 28);
	return 0;
}

void kb_msg_mark_redelivered(void *buf, size_t len)
{
	if (len >= KB_MSG_HEADER)
		((uint8_t *)buf)[1] |= KB_MSG_F_REDELIVERED;
}

void kb_msg_fill_meta(struct kb_msg *m, unsigned n, char *scratch, size_t scratch_len)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;

	if (n > KB_MSG_MAX_META)
		n = KB_MSG_MAX_META;
	m->nmeta = 0;
	for (unsigned i = 0; i < n; i++) {
		char *k = scratch + off, *v = scratch + off + 8;
		unsigned kl = 0, vl = 0;
		uint32_t r = (uint32_t)kb_rand64();

		if (scratch_len - off < 24)
			break;
		/* "k<i>" = "v<i>-<8 hex digits>", formatted by hand: this runs
		   once per message when metadata is on */
		k[kl++] = 'k';
		v[vl++] = 'v';
		if (i >= 10) {
			k[kl++] = (char)('0' + i / 10);
			v[vl++] = (char)('0' + i / 10);
		}
		k[kl++] = (char)('0' + i % 10);
		v[vl++] = (char)('0' + i % 10);
		v[vl++] = '-';
		for (int d = 7; d >= 0; d--)
			v[vl++] = hex[(r >> (4 * d)) & 15];
		m->meta[i].key = k;
		m->meta[i].klen = (uint8_t)kl;
		m->meta[i].val = v;
		m->meta[i].vlen = (uint16_t)vl;
		off += 24;
		m->nmeta++;
	}
}
