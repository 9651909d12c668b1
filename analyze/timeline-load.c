/* SPDX-License-Identifier: MIT */
/* timeline-load: <prefix>.timeline.json into struct kan_timeline (timeline.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "timeline.h"

static int tl_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A non-negative integer member (or array element) into *out. */
static int tl_uint(const struct ku_json *v, uint64_t *out)
{
	if (!v || v->type != KU_JSON_NUMBER || !v->is_uint)
		return -1;
	*out = v->uinteger;
	return 0;
}

static int tl_uint_key(const struct ku_json *o, const char *key, uint64_t *out, char *err, size_t errlen)
{
	if (tl_uint(ku_json_get(o, key), out))
		return tl_err(err, errlen, "\"%s\" is missing or not a non-negative integer", key);
	return 0;
}

void kan_timeline_free(struct kan_timeline *tl)
{
	size_t i;

	for (i = 0; i < tl->nph; i++)
		free(tl->ph[i].name);
	free(tl->pt);
	free(tl->ph);
	free(tl->hist);
	memset(tl, 0, sizeof(*tl));
}

static int tl_fill(const struct ku_json *r, struct kan_timeline *tl, char *err, size_t errlen)
{
	const struct ku_json *tot, *peak, *s, *ph, *h, *v;
	uint64_t u;
	size_t i, n;
	int rc;

	if (!r || r->type != KU_JSON_OBJECT)
		return tl_err(err, errlen, "not a JSON object");
	if (strcmp(ku_json_as_string(ku_json_get(r, "schema"), ""), "kprof-timeline/1") != 0)
		return tl_err(err, errlen, "not a kprof timeline (schema is not \"kprof-timeline/1\")");
	snprintf(tl->mode, sizeof(tl->mode), "%s", ku_json_as_string(ku_json_get(r, "mode"), "?"));
	tl->pid = ku_json_as_int(ku_json_get(r, "pid"), 0);
	if ((rc = tl_uint_key(r, "duration_ns", &tl->duration_ns, err, errlen)) ||
	    (rc = tl_uint_key(r, "interval_ns", &tl->interval_ns, err, errlen)))
		return rc;
	tot = ku_json_get(r, "totals");
	if (!tot || tot->type != KU_JSON_OBJECT)
		return tl_err(err, errlen, "\"totals\" is missing");
	if ((rc = tl_uint_key(tot, "allocs", &tl->allocs, err, errlen)) ||
	    (rc = tl_uint_key(tot, "bytes", &tl->bytes, err, errlen)) ||
	    (rc = tl_uint_key(tot, "frees", &tl->frees, err, errlen)) ||
	    (rc = tl_uint_key(tot, "messages", &tl->messages, err, errlen)) ||
	    (rc = tl_uint_key(tot, "peak_live_bytes", &tl->peak_live, err, errlen)))
		return rc;
	v = ku_json_get(tot, "live_bytes");
	if (!v || v->type != KU_JSON_NUMBER || !v->is_int)
		return tl_err(err, errlen, "\"live_bytes\" is missing or not an integer");
	tl->live = v->integer;
	v = ku_json_get(tot, "temporary");
	if (v && v->type != KU_JSON_NULL) {
		if (tl_uint(v, &tl->temps))
			return tl_err(err, errlen, "\"temporary\" is not a non-negative integer or null");
		tl->has_temps = 1;
	}
	peak = ku_json_get(r, "peak");
	if (!peak || peak->type != KU_JSON_OBJECT)
		return tl_err(err, errlen, "\"peak\" is missing");
	if ((rc = tl_uint_key(peak, "live_bytes", &tl->peak_bytes, err, errlen)) ||
	    (rc = tl_uint_key(peak, "t_ns", &tl->peak_t_ns, err, errlen)) ||
	    (rc = tl_uint_key(peak, "messages", &tl->peak_messages, err, errlen)))
		return rc;

	s = ku_json_get(r, "samples");
	if (!s || s->type != KU_JSON_ARRAY)
		return tl_err(err, errlen, "\"samples\" is missing or not an array");
	n = ku_json_count(s);
	if (n > KAN_TL_MAX_POINTS)
		return tl_err(err, errlen, "more than %u samples", KAN_TL_MAX_POINTS);
	if (n && !(tl->pt = calloc(n, sizeof(*tl->pt))))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ku_json *row = ku_json_at(s, i);
		uint64_t f[6];
		size_t k;

		if (!row || row->type != KU_JSON_ARRAY || ku_json_count(row) != 6)
			return tl_err(err, errlen, "sample %zu is not an array of 6 numbers", i);
		for (k = 0; k < 6; k++)
			if (tl_uint(ku_json_at(row, k), &f[k]) || (k == 1 && f[k] > (uint64_t)INT64_MAX))
				return tl_err(err, errlen, "sample %zu: field %zu is not a non-negative integer", i, k);
		if (i && f[0] < tl->pt[i - 1].t_ns)
			return tl_err(err, errlen, "sample %zu: time goes backwards", i);
		tl->pt[i] = (struct kan_tl_point){f[0], (int64_t)f[1], f[2], f[3], f[4], f[5]};
		tl->npt = i + 1;
	}

	ph = ku_json_get(r, "phases");
	if (ph && ph->type != KU_JSON_ARRAY)
		return tl_err(err, errlen, "\"phases\" is not an array");
	n = ku_json_count(ph);
	if (n > KAN_TL_MAX_POINTS)
		return tl_err(err, errlen, "too many phases");
	if (n && !(tl->ph = calloc(n, sizeof(*tl->ph))))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ku_json *p = ku_json_at(ph, i);
		const char *name = ku_json_as_string(ku_json_get(p, "name"), NULL);

		if (!name || tl_uint(ku_json_get(p, "t_ns"), &tl->ph[i].t_ns) ||
		    tl_uint(ku_json_get(p, "messages"), &tl->ph[i].messages))
			return tl_err(err, errlen, "phase %zu needs a name, t_ns and messages", i);
		if (!(tl->ph[i].name = strdup(name)))
			return -ENOMEM;
		tl->nph = i + 1;
	}

	h = ku_json_get(r, "size_histogram");
	if (h && h->type != KU_JSON_ARRAY)
		return tl_err(err, errlen, "\"size_histogram\" is not an array");
	n = ku_json_count(h);
	if (n > 65)
		return tl_err(err, errlen, "more than 65 size classes");
	if (n && !(tl->hist = calloc(n, sizeof(*tl->hist))))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ku_json *b = ku_json_at(h, i);

		if (tl_uint(ku_json_get(b, "min"), &tl->hist[i].min) ||
		    tl_uint(ku_json_get(b, "max"), &tl->hist[i].max) ||
		    tl_uint(ku_json_get(b, "count"), &u) || tl->hist[i].max < tl->hist[i].min)
			return tl_err(err, errlen, "size class %zu needs min <= max and a count", i);
		tl->hist[i].count = u;
		tl->nhist = i + 1;
	}
	return 0;
}

int kan_timeline_parse(const char *text, size_t len, struct kan_timeline *tl, char *err, size_t errlen)
{
	struct ku_json *r = NULL;
	int rc;

	memset(tl, 0, sizeof(*tl));
	rc = ku_json_parse(text, len, &r, err, errlen);
	if (rc)
		return rc;
	rc = tl_fill(r, tl, err, errlen);
	ku_json_free(r);
	if (rc)
		kan_timeline_free(tl);
	return rc;
}

int kan_timeline_load(const char *path, struct kan_timeline *tl, char *err, size_t errlen)
{
	struct ku_json *r = NULL;
	char e[256] = "";
	int rc;

	memset(tl, 0, sizeof(*tl));
	rc = ku_json_parse_file(path, &r, err, errlen);
	if (rc)
		return rc;
	rc = tl_fill(r, tl, e, sizeof(e));
	ku_json_free(r);
	if (rc) {
		kan_timeline_free(tl);
		snprintf(err, errlen, "%s: %s", path, rc == -ENOMEM ? "out of memory" : e);
	}
	return rc;
}

uint64_t kan_timeline_peak_rss(const struct kan_timeline *tl)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < tl->npt; i++)
		if (tl->pt[i].rss > m)
			m = tl->pt[i].rss;
	return m;
}
