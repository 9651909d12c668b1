/* SPDX-License-Identifier: MIT */
/*
 * history-text: the text helpers of the history store (history.h), apart
 * from any database so that a fuzz target can take them alone: a DB
 * argument without its password, one-line messages, the identity text of
 * a run, uids, and repetitions as stored; and freeing loaded runs, which
 * the store and its backends both do (so a backend never calls its store).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "history.h"

int kan__hist_is_uri(const char *db)
{
	return !strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11);
}

char *kan_hist_display(const char *db)
{
	const char *auth, *end, *at = NULL, *colon, *p;
	char *s, *w;

	if (!kan__hist_is_uri(db))
		return strdup(db);
	if (!(s = malloc(strlen(db) * 2 + 8)))
		return NULL;
	/* scheme://[user[:password]@]host[:port][,...][/db][?k=v&...] */
	auth = strstr(db, "://") + 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	w = s;
	if (colon) {
		memcpy(w, db, (size_t)(colon - db));
		w += colon - db;
		memcpy(w, ":***", 4);
		w += 4;
		p = at;
	} else {
		p = db;
	}
	/* up to the query string as it is; then password=... hidden */
	while (*p && *p != '?')
		*w++ = *p++;
	while (*p) {
		*w++ = *p++; /* '?' or '&' */
		if (!strncmp(p, "password=", 9)) {
			memcpy(w, "password=***", 12);
			w += 12;
			p += strcspn(p, "&#");
		}
		while (*p && *p != '&')
			*w++ = *p++;
	}
	*w = 0;
	return s;
}

void kan__hist_newer(char *err, size_t len, long found)
{
	snprintf(err, len, "history schema version %ld was written by a newer kprof (this one knows up to %d): "
		 "upgrade kprof", found, KAN_HIST_SCHEMA);
}

void kan__hist_oneline(char *dst, size_t len, const char *msg)
{
	size_t n = 0;
	int blank = 0;

	if (!len)
		return;
	/* runs of blanks and line breaks become one space */
	for (const char *p = msg ? msg : ""; *p && n + 1 < len; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			blank = n > 0;
			continue;
		}
		if (blank && n + 2 < len)
			dst[n++] = ' ';
		blank = 0;
		dst[n++] = *p;
	}
	dst[n] = 0;
}

static size_t ident_part(char *buf, size_t cap, size_t len, const char *v)
{
	int w = v ? snprintf(buf + len, cap > len ? cap - len : 0, "%zu:%s|", strlen(v), v)
		  : snprintf(buf + len, cap > len ? cap - len : 0, "-|");

	return len + (size_t)(w > 0 ? w : 0);
}

char *kan__hist_ident(const char *timestamp, const char *commit, const char *host, const char *suite)
{
	size_t cap, len = 0;
	char *s;

	if (!timestamp)
		return NULL;
	cap = 4 * 24 + strlen(timestamp) + (commit ? strlen(commit) : 0) + (host ? strlen(host) : 0) +
	      (suite ? strlen(suite) : 0);
	if (!(s = malloc(cap)))
		return NULL;
	/* the same text the migration computes in SQL (history-sqlite.c,
	   history-pg.c): byte length, colon, value, bar; "-" for NULL */
	len = ident_part(s, cap, len, timestamp);
	len = ident_part(s, cap, len, commit);
	len = ident_part(s, cap, len, host);
	len = ident_part(s, cap, len, suite);
	if (len >= cap) {
		free(s);
		return NULL;
	}
	s[len - 1] = 0; /* no trailing bar */
	return s;
}

char *kan__hist_uid(void)
{
	unsigned char b[16];
	char *s = malloc(33);
	size_t got = 0;

	if (!s)
		return NULL;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* no entropy source: time and address still differ per run */
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			for (size_t i = got; i < sizeof(b); i++)
				b[i] = (unsigned char)((uint64_t)ts.tv_nsec >> (i % 8 * 8) ^ (uintptr_t)s >> (i % 4 * 8) ^ i);
			break;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	return s;
}

char *kan_hist_reps_text(const double *v, size_t n)
{
	size_t cap = n * 26 + 1, len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	s[0] = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%.17g", i ? "," : "", v[i]);
	return s;
}

size_t kan_hist_reps_parse(const char *s, double **out)
{
	size_t n = 0, cap = 0;
	double *v = NULL;

	while (s && *s) {
		char *end;
		double d = strtod(s, &end);

		if (end == s)
			break;
		if (n == cap) {
			double *p = realloc(v, (cap = cap ? cap * 2 : 8) * sizeof(*v));

			if (!p)
				break;
			v = p;
		}
		v[n++] = d;
		s = *end == ',' ? end + 1 : end;
	}
	*out = v;
	return n;
}

void kan_hist_runs_free(struct kan_hrun *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].timestamp);
		free(r[i].commit);
		free(r[i].host);
		free(r[i].compiler);
		free(r[i].suite);
		free(r[i].source);
		free(r[i].added_at);
		free(r[i].branch);
		free(r[i].runner);
		free(r[i].uid);
		free(r[i].ident);
	}
	free(r);
}
