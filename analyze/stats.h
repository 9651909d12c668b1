/* SPDX-License-Identifier: MIT */
/*
 * stats: the statistics behind `kprof compare` and the regression markers
 * of `kprof history`. Two samples of repetitions (base, new) of one metric
 * are compared with the Mann-Whitney U test (exact distribution for small
 * samples without ties, normal approximation with tie and continuity
 * correction otherwise) and an effect-size threshold on the relative change
 * of the medians. A change is reported only when it is both significant
 * and larger than the threshold, so noise does not raise alarms and small
 * but real drifts do not either. The maths is described in
 * doc/regressions.md and kprof(1).
 */
#ifndef KAN_STATS_H
#define KAN_STATS_H

#include <stddef.h>

/* Which way is better for a metric. */
enum kan_dir {
	KAN_DIR_BIGGER = 1,  /* throughput */
	KAN_DIR_SMALLER = -1 /* latency, allocations, memory, errors, CPU */
};

/* Direction of a metric from its name (kprof-bench/1 metric names):
 * "*throughput*", "*per_sec*" are bigger-is-better, everything else is
 * smaller-is-better. */
enum kan_dir kan_stats_direction(const char *metric);

/* Median of n values (the array is copied, not reordered). n == 0 → NAN. */
double kan_stats_median(const double *v, size_t n);

/* Mann-Whitney U test of two independent samples, two-sided.
 * Fills *u (U statistic of sample a) and *p (two-sided p-value).
 * *exact is set to 1 when the exact null distribution was used (both
 * samples <= KAN_STATS_EXACT_MAX and no ties), 0 for the normal
 * approximation. Returns 0, or -EINVAL when a sample is empty. */
#define KAN_STATS_EXACT_MAX 50
int kan_stats_mwu(const double *a, size_t na, const double *b, size_t nb,
		  double *u, double *p, int *exact);

/* Smallest two-sided p-value the U test can reach for sample sizes na, nb
 * (2 / C(na+nb, na)); when it is above alpha the test cannot say anything
 * and the verdict falls back to the threshold alone. */
double kan_stats_min_p(size_t na, size_t nb);

enum kan_verdict {
	KAN_SAME = 0,       /* no significant change beyond the threshold */
	KAN_IMPROVED = 1,   /* significant change in the good direction */
	KAN_REGRESSED = 2,  /* significant change in the bad direction */
	KAN_NOISE = 3       /* beyond threshold but not significant */
};

enum kan_method {
	KAN_METHOD_EXACT,     /* exact Mann-Whitney U */
	KAN_METHOD_NORMAL,    /* normal approximation, tie corrected */
	KAN_METHOD_THRESHOLD  /* too few repetitions: threshold on medians only */
};

struct kan_cmp {
	double base_median, new_median;
	double change;     /* (new - base) / |base|; NAN when base is 0 */
	double u, p;       /* NAN with KAN_METHOD_THRESHOLD */
	enum kan_method method;
	enum kan_verdict verdict;
	const char *why;   /* static text: why this method was used */
};

/* Compare the repetitions of one metric. threshold is a fraction (0.05),
 * alpha the significance level (0.05). A sample of one value is allowed
 * (threshold only). Returns 0 or -EINVAL (empty sample). */
int kan_stats_compare(const double *base, size_t nb, const double *cur, size_t nn,
		      enum kan_dir dir, double threshold, double alpha, struct kan_cmp *out);

const char *kan_stats_verdict_name(enum kan_verdict v);
const char *kan_stats_method_name(enum kan_method m);

#endif
