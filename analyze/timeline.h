/* SPDX-License-Identifier: MIT */
/*
 * timeline: the analyzer's model of <prefix>.timeline.json (written by
 * libkalloc.so, kprof-formats(7)), its loader and its SVG chart. The model
 * is apart from both: timeline-load.c reads the file, timeline-svg.c
 * draws it (kprof timeline, kprof report), mem.c reads figures from it.
 *
 * Ownership: a loaded timeline owns its arrays and strings;
 * kan_timeline_free() releases them. The loader trusts nothing in the
 * file: a wrong schema, a sample row that is not six non-negative
 * integers, time going backwards, a phase without a name give -EINVAL and
 * a one-line reason in errbuf. Error convention: 0 or a negative errno.
 */
#ifndef KAN_TIMELINE_H
#define KAN_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KAN_TL_MAX_POINTS (1u << 20)

struct kan_tl_point {
	uint64_t t_ns;
	int64_t live;
	uint64_t allocs, temps, rss, messages;
};

struct kan_tl_phase {
	char *name;
	uint64_t t_ns, messages;
};

struct kan_tl_bucket {
	uint64_t min, max, count;
};

struct kan_timeline {
	char mode[16];
	int64_t pid;
	uint64_t duration_ns, interval_ns;
	/* totals */
	uint64_t allocs, bytes, frees, messages, peak_live;
	int64_t live;
	int has_temps; /* full mode: temps is known */
	uint64_t temps;
	/* the global peak */
	uint64_t peak_bytes, peak_t_ns, peak_messages;
	struct kan_tl_point *pt;
	size_t npt;
	struct kan_tl_phase *ph;
	size_t nph;
	struct kan_tl_bucket *hist;
	size_t nhist;
};

int kan_timeline_parse(const char *text, size_t len, struct kan_timeline *tl, char *err, size_t errlen);
/* err gets "PATH: reason". */
int kan_timeline_load(const char *path, struct kan_timeline *tl, char *err, size_t errlen);
void kan_timeline_free(struct kan_timeline *tl);

/* PREFIX, or any of its files (PREFIX.heap.pb.gz, ...): PREFIX.<suffix>
 * path for "timeline.json". */
void kan_timeline_path(const char *arg, char *out, size_t size);

/* The highest RSS of the series (0 when none). */
uint64_t kan_timeline_peak_rss(const struct kan_timeline *tl);

/* A self-contained SVG: live bytes and RSS over time, phases shaded, the
 * peak marked; below it live bytes over messages when there are any.
 * 0 or -EIO. */
int kan_timeline_svg(const struct kan_timeline *tl, const char *title, FILE *out);

#endif
