/* SPDX-License-Identifier: MIT */
/*
 * hist: a log-linear, mergeable histogram of non-negative integers
 * (latencies in nanoseconds), in the manner of HdrHistogram.
 *
 * Values are grouped into power-of-two buckets, each split linearly into
 * 2^sub_bits sub-buckets, where sub_bits is the smallest number of bits such
 * that 2^(sub_bits-1) >= 10^sigfigs. Any recorded value v is therefore
 * represented by a bin [lo, hi] with (hi - lo + 1) <= v / 10^sigfigs: with
 * the default 3 significant figures the relative error of every reported
 * value is below 0.1% (1/1024 exactly). Values below 2^sub_bits are exact.
 *
 * Recording is O(1), branch-light and allocation-free; a histogram is not
 * thread-safe: keep one per thread and merge at the end (merging two
 * histograms gives exactly the histogram of both streams). Values above the
 * configured highest value are clamped to it and counted in `clamped`.
 *
 * The text log format written by ku_hist_log_write is documented in
 * kprof-formats(7), "histogram logs".
 *
 * Error convention: 0 or a negative errno.
 */
#ifndef KU_HIST_H
#define KU_HIST_H

#include <stdint.h>
#include <stdio.h>

struct ku_hist {
	uint64_t highest;  /* largest trackable value */
	int sigfigs;       /* 1..5 */
	int sub_bits;      /* log2(sub-buckets per bucket) */
	int buckets;       /* number of power-of-two buckets */
	uint32_t nbins;    /* length of counts[] */
	uint64_t count;    /* values recorded (including clamped) */
	uint64_t clamped;  /* values above highest, recorded as highest */
	uint64_t min, max; /* exact extremes of recorded values (min = UINT64_MAX when empty) */
	double sum;        /* for the mean */
	uint64_t *counts;
};

/* Default range for latencies: 1 ns .. 1 hour, 3 significant figures. */
#define KU_HIST_DEFAULT_HIGHEST 3600000000000ull
#define KU_HIST_DEFAULT_SIGFIGS 3

/* Creates a histogram for values 0..highest (highest >= 2) with sigfigs in
   1..5. Returns 0, -EINVAL or -ENOMEM. */
int ku_hist_new(struct ku_hist **out, uint64_t highest, int sigfigs);
void ku_hist_free(struct ku_hist *h);
void ku_hist_reset(struct ku_hist *h);

/* Records v (n times). Returns 0, or -ERANGE when v was clamped. */
int ku_hist_record(struct ku_hist *h, uint64_t v);
int ku_hist_record_n(struct ku_hist *h, uint64_t v, uint64_t n);

/* Adds every value of src to dst. Same layout: bin-wise add; otherwise each
   src bin is re-recorded at its midpoint (-ERANGE if any got clamped). */
int ku_hist_merge(struct ku_hist *dst, const struct ku_hist *src);

/* The value at percentile p (0..100): the highest value equivalent to the
   bin holding the ceil(p/100 * count)-th smallest value, capped at max (so
   p = 100 gives max exactly and p = 0 gives min). 0 when empty. */
uint64_t ku_hist_percentile(const struct ku_hist *h, double p);
double ku_hist_mean(const struct ku_hist *h);
double ku_hist_stddev(const struct ku_hist *h);

/* The bin around v: lowest and highest values indistinguishable from v. */
uint64_t ku_hist_lowest_equivalent(const struct ku_hist *h, uint64_t v);
uint64_t ku_hist_highest_equivalent(const struct ku_hist *h, uint64_t v);
/* Relative precision guaranteed for every value: 1 / 2^(sub_bits-1). */
double ku_hist_precision(const struct ku_hist *h);

/* Text log: a header line and one line per non-empty bin (see
   kprof-formats(7)). ku_hist_log_read parses what ku_hist_log_write wrote
   into a new histogram; errbuf gets "LINE: message" on -EINVAL. */
int ku_hist_log_write(const struct ku_hist *h, FILE *f);
int ku_hist_log_read(FILE *f, struct ku_hist **out, char *errbuf, size_t errlen);

#endif
