/* SPDX-License-Identifier: MIT */
/* msglog: the drivers' per-message log (see msglog.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "message.h"
#include "msglog.h"

/* The driver's logger keeps lines up to KB_LOG_THRESHOLD ("info"): --log
   debug measures a filtered call, --log info a formatted and written one. */
#define KB_LOG_THRESHOLD 2

struct kb_log {
	int fd;
	size_t len;
	int64_t wall_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC at open, ns */
	size_t plen;	  /* " LEVEL PROG[TID] ", formatted once per thread */
	uint64_t sec;	  /* the second whose digits are in secs[] */
	size_t slen;
	char secs[24];
	char prefix[160];
	char buf[65536];
};

static void log_flush(struct kb_log *lg)
{
	size_t off = 0;

	while (off < lg->len) {
		ssize_t k = write(lg->fd, lg->buf + off, lg->len - off);

		if (k <= 0)
			break;
		off += (size_t)k;
	}
	lg->len = 0;
}

static __thread long tid;

/* Decimal digits of v at p, returns the end (no NUL). */
static char *utoa(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* One line per message, formatted by hand (snprintf alone would cost more
   than the rest of a memory-backend message):
   SECONDS.MICROS LEVEL PROG[TID] WHAT id=UUID producer=N seq=N bytes=N topic=T
   The time is the caller's monotonic timestamp (it has one already) moved
   to the wall clock by an offset taken at open, so a line costs no clock
   read; the constant middle is formatted once per thread. */
void kb_log_msg(const struct kb_cfg *c, struct kb_log *lg, const char *what, const void *data,
			size_t len, uint64_t mono_ns)
{
	uint32_t producer = 0;
	uint64_t seq = 0, a, b, wall;
	uint32_t us;
	char *p;

	if (c->log_level < 0 || c->log_level > KB_LOG_THRESHOLD || !lg)
		return;
	if (sizeof(lg->buf) - lg->len < 512 + lg->plen + strlen(c->topic))
		log_flush(lg);
	p = lg->buf + lg->len;
	wall = mono_ns + (uint64_t)lg->wall_off;
	if (wall / 1000000000u != lg->sec || !lg->slen) {
		lg->sec = wall / 1000000000u;
		lg->slen = (size_t)(utoa(lg->secs, lg->sec) - lg->secs);
		lg->secs[lg->slen++] = '.';
	}
	memcpy(p, lg->secs, lg->slen);
	p += lg->slen;
	us = (uint32_t)(wall % 1000000000u / 1000);
	p[0] = (char)('0' + us / 100000);
	p[1] = (char)('0' + us / 10000 % 10);
	p[2] = (char)('0' + us / 1000 % 10);
	p[3] = (char)('0' + us / 100 % 10);
	p[4] = (char)('0' + us / 10 % 10);
	p[5] = (char)('0' + us % 10);
	p += 6;
	memcpy(p, lg->prefix, lg->plen);
	p += lg->plen;
	p = put_str(p, what);
	p = put_str(p, " id=");
	if (len >= KB_MSG_HEADER) {
		char id[37];

		kb_uuid_format((const struct kb_uuid *)((const uint8_t *)data + 4), id);
		memcpy(p, id, 36);
		p += 36;
		kb_msg_peek(data, len, &producer, &seq, &a, &b);
	} else {
		*p++ = '-';
	}
	p = put_str(p, " producer=");
	p = utoa(p, producer & 0xffff);
	p = put_str(p, " seq=");
	p = utoa(p, seq);
	p = put_str(p, " bytes=");
	p = utoa(p, len);
	p = put_str(p, " topic=");
	p = put_str(p, c->topic);
	*p++ = '\n';
	lg->len = (size_t)(p - lg->buf);
}

struct kb_log *kb_log_open(const struct kb_cfg *c)
{
	struct kb_log *lg;

	if (c->log_level < 0)
		return NULL;
	lg = malloc(sizeof(*lg));
	if (!lg)
		return NULL;
	lg->len = 0;
	lg->slen = 0;
	{
		struct timespec rt, mt;
		int n;

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mt);
		lg->wall_off = ((int64_t)rt.tv_sec - (int64_t)mt.tv_sec) * 1000000000 + (rt.tv_nsec - mt.tv_nsec);
		if (!tid)
			tid = (long)syscall(SYS_gettid);
		n = snprintf(lg->prefix, sizeof(lg->prefix), " %s %.100s[%ld] ", kb_log_level_names[c->log_level], c->prog,
			     tid);
		lg->plen = n < 0 ? 0 : (size_t)n >= sizeof(lg->prefix) ? sizeof(lg->prefix) - 1 : (size_t)n;
	}
	lg->fd = open(c->log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (lg->fd < 0) {
		free(lg);
		return NULL;
	}
	return lg;
}

void kb_log_close(struct kb_log *lg)
{
	if (!lg)
		return;
	log_flush(lg);
	close(lg->fd);
	free(lg);
}
