/* SPDX-License-Identifier: MIT */
/*
 * legacy: reader for the gperftools (libprofiler.so, CPUPROFILE=) binary
 * CPU profile format. The file is a sequence of machine words (4 or 8
 * bytes, in the writer's byte order, both detected from the header):
 *
 *   header   0, 3, 0, sampling period in microseconds, 0
 *   record   count, depth, pc[depth]      (repeated)
 *   trailer  0, 1, 0
 *   then the text of /proc/self/maps of the profiled process.
 *
 * Records become samples with types samples/count and cpu/nanoseconds
 * (count * period), as pprof does; every pc but the first is a return
 * address and is moved back by one byte so it lands on the call. Mappings
 * come from the maps text (executable ones only); every distinct pc is a
 * location, symbolized later from its mapping.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "load.h"

struct kan__lw {
	const uint8_t *d;
	size_t nwords, ws;
	int big;
};

static uint64_t word(const struct kan__lw *w, size_t i)
{
	const uint8_t *p = w->d + i * w->ws;
	uint64_t v = 0;

	if (w->big)
		for (size_t k = 0; k < w->ws; k++)
			v = v << 8 | p[k];
	else
		for (size_t k = w->ws; k-- > 0;)
			v = v << 8 | p[k];
	return v;
}

/* Detect word size and byte order from the header: 0 or -1. */
static int legacy_layout(const uint8_t *d, size_t len, struct kan__lw *w)
{
	static const size_t sizes[] = { 8, 4 };

	for (size_t s = 0; s < 2; s++) {
		for (int big = 0; big < 2; big++) {
			struct kan__lw t = { d, len / sizes[s], sizes[s], big };
			if (t.nwords < 5)
				continue;
			if (word(&t, 0) == 0 && word(&t, 1) == 3 && word(&t, 2) == 0 &&
			    word(&t, 4) == 0) {
				*w = t;
				return 0;
			}
		}
	}
	return -1;
}

int kan_legacy_sniff(const uint8_t *data, size_t len)
{
	struct kan__lw w;

	return legacy_layout(data, len, &w) == 0;
}

/* Parse one /proc/PID/maps line; executable file mappings only. */
static void legacy_maps_line(struct kan_profile *p, const char *line, size_t len)
{
	char buf[4096 + 256], perms[8] = "", path[4096];
	unsigned long long start, end, off;
	int consumed = 0;

	if (len >= sizeof(buf))
		return;
	memcpy(buf, line, len);
	buf[len] = '\0';
	path[0] = '\0';
	if (sscanf(buf, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &consumed) < 4 || !consumed)
		return;
	const char *pp = buf + consumed;
	while (*pp == ' ')
		pp++;
	snprintf(path, sizeof(path), "%s", pp);
	if (!strchr(perms, 'x') || !path[0] || end <= start)
		return;
	struct kan_mapping m = { 0 };
	m.start = start;
	m.limit = end;
	m.offset = off;
	m.file = kan_profile_strdup(p, path, strlen(path));
	m.build_id = "";
	if (m.file)
		kan_profile_add_mapping(p, &m);
}

static uint32_t legacy_mapping_of(const struct kan_profile *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nmappings; i++)
		if (addr >= p->mappings[i].start && addr < p->mappings[i].limit)
			return (uint32_t)i + 1;
	return 0;
}

int kan_legacy_decode(const uint8_t *data, size_t len, struct kan_profile *p, char *err, size_t errlen)
{
	struct kan__lw w;
	struct ku_hmap am = { 0 }; /* address -> location index */
	uint32_t *locs = NULL;
	size_t caplocs = 0, i;
	int e = 0;

	if (legacy_layout(data, len, &w)) {
		snprintf(err, errlen, "not a gperftools CPU profile");
		return -EINVAL;
	}
	uint64_t period_us = word(&w, 3);
	if (period_us == 0 || period_us > 1000000000ull) {
		snprintf(err, errlen, "gperftools CPU profile: bad sampling period %" PRIu64 " us", period_us);
		return -EINVAL;
	}
	int64_t period_ns = (int64_t)period_us * 1000;
	if ((e = kan_profile_add_sample_type(p, "samples", "count")) ||
	    (e = kan_profile_add_sample_type(p, "cpu", "nanoseconds")))
		goto out;
	p->period = period_ns;
	p->period_type.type = "cpu";
	p->period_type.unit = "nanoseconds";

	/* locate the trailer first: the maps text that follows gives mappings */
	size_t end_words = 0;
	for (i = 5; i + 2 <= w.nwords;) {
		uint64_t count = word(&w, i), depth = word(&w, i + 1);
		if (count == 0 && depth == 1 && i + 2 < w.nwords && word(&w, i + 2) == 0) {
			end_words = i + 3;
			break;
		}
		if (depth > w.nwords - i - 2) {
			snprintf(err, errlen, "gperftools CPU profile: record at byte %zu runs past the end", i * w.ws);
			e = -EINVAL;
			goto out;
		}
		if (depth > 4096) {
			snprintf(err, errlen, "gperftools CPU profile: stack depth %" PRIu64 " is implausible", depth);
			e = -EINVAL;
			goto out;
		}
		i += 2 + (size_t)depth;
	}
	if (!end_words) {
		snprintf(err, errlen, "gperftools CPU profile: truncated (no end-of-data trailer)");
		e = -EINVAL;
		goto out;
	}
	const char *text = (const char *)data + end_words * w.ws;
	size_t tlen = len - end_words * w.ws;
	while (tlen) {
		const char *nl = memchr(text, '\n', tlen);
		size_t ll = nl ? (size_t)(nl - text) : tlen;
		legacy_maps_line(p, text, ll);
		if (!nl)
			break;
		tlen -= ll + 1;
		text = nl + 1;
	}

	for (i = 5; i + 3 <= end_words;) {
		uint64_t count = word(&w, i), depth = word(&w, i + 1);
		if (count == 0 && depth == 1)
			break;
		if (depth > caplocs) {
			uint32_t *nl = realloc(locs, (size_t)depth * sizeof(*nl));
			if (!nl) {
				e = -ENOMEM;
				goto out;
			}
			locs = nl;
			caplocs = (size_t)depth;
		}
		for (size_t k = 0; k < depth; k++) {
			uint64_t pc = word(&w, i + 2 + k);
			if (k > 0 && pc > 0)
				pc--;
			uint32_t li;
			size_t slot;
			int fr = ku_hmap_find(&am, pc, &li, &slot);
			if (fr < 0) {
				e = -ENOMEM;
				goto out;
			}
			if (!fr) {
				long nl = kan_profile_add_location(p, 0, legacy_mapping_of(p, pc), pc, NULL, 0);
				if (nl < 0) {
					e = (int)nl;
					goto out;
				}
				li = (uint32_t)nl;
				ku_hmap_set(&am, slot, pc, li);
			}
			locs[k] = li;
		}
		if (count > (uint64_t)INT64_MAX / (uint64_t)period_ns) {
			snprintf(err, errlen, "gperftools CPU profile: sample count %" PRIu64 " is implausible", count);
			e = -EINVAL;
			goto out;
		}
		int64_t vals[2] = { (int64_t)count, (int64_t)count * period_ns };
		long si = kan_profile_add_sample(p, locs, (uint32_t)depth, vals, NULL, 0);
		if (si < 0) {
			e = (int)si;
			goto out;
		}
		i += 2 + (size_t)depth;
	}
out:
	if (e == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	ku_hmap_free(&am);
	free(locs);
	return e;
}
