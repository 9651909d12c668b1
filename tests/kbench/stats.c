/* SPDX-License-Identifier: MIT */
/*
 * stats: the Mann-Whitney U test against values computed by hand, and the
 * compare verdict's error rates on synthetic repetitions: identical
 * distributions (A/A) must raise an alarm in at most 1% of 200 trials, a
 * 10% throughput drop with 10 repetitions and 3% noise must be caught in
 * at least 95% of 200 trials. Both rates are printed.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "stats.h"
#include "tap.h"

/* xorshift64* and Box-Muller: deterministic, independent of libc rand. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double unif(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return ((rng_state * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(void)
{
	double u = unif(), v = unif();

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void sample(double *x, size_t n, double mean, double rel_noise)
{
	for (size_t i = 0; i < n; i++)
		x[i] = mean * (1 + rel_noise * gauss());
}

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

int main(void)
{
	double u, p;
	int exact;

	{
		double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };

		kan_stats_mwu(a, 3, b, 3, &u, &p, &exact);
		tap_ok(exact && u == 0 && near(p, 0.1, 1e-12), "3 vs 3 fully separated: U=0, exact p=2/20 (got U=%g p=%g)", u, p);
	}
	{
		double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };

		kan_stats_mwu(a, 5, b, 5, &u, &p, &exact);
		tap_ok(exact && near(p, 2.0 / 252, 1e-12), "5 vs 5 separated: exact p=2/252 (got %g)", p);
		kan_stats_mwu(b, 5, a, 5, &u, &p, &exact);
		tap_ok(u == 25 && near(p, 2.0 / 252, 1e-12), "U of the larger sample is 25, p symmetric (got U=%g)", u);
	}
	{
		/* one swap: a = {1,2,3,4,6}, b = {5,7,8,9,10}: U=1, P(U<=1) = 2/252 */
		double a[] = { 1, 2, 3, 4, 6 }, b[] = { 5, 7, 8, 9, 10 };

		kan_stats_mwu(a, 5, b, 5, &u, &p, &exact);
		tap_ok(u == 1 && near(p, 4.0 / 252, 1e-12), "one inversion: U=1, exact p=4/252 (got U=%g p=%g)", u, p);
	}
	{
		double a[] = { 1, 2, 3, 4, 5, 6 }, b[] = { 1, 2, 3, 4, 5, 6 };

		kan_stats_mwu(a, 6, b, 6, &u, &p, &exact);
		tap_ok(!exact && u == 18 && p == 1, "identical samples with ties: normal approximation, U=18, p=1 (got %g)", p);
	}
	{
		/* ties: a={1,1,2,2}, b={2,3,3,3}; ranks 1.5 1.5 4 4 and 4 7 7 7
		 * Ra = 1.5+1.5+4+4 = 11, U = 11 - 10 = 1; mu = 8; tie term: (2^3-2)+(3^3-3)+(3^3-3) = 54
		 * var = 16/12 * (9 - 54/56) = 10.7142857; z = (7 - 0.5)/sqrt(var) = 1.98575
		 * p = erfc(z/sqrt2) = 0.047063 */
		double a[] = { 1, 1, 2, 2 }, b[] = { 2, 3, 3, 3 };

		kan_stats_mwu(a, 4, b, 4, &u, &p, &exact);
		tap_ok(!exact && u == 1 && near(p, 0.047063, 2e-5), "tied samples: tie-corrected normal p=0.04706 (got U=%g p=%.6f)", u, p);
	}
	{
		/* exact and normal agree for larger samples without ties */
		double a[20], b[20], pe, pn, ue;
		int ex;

		for (int i = 0; i < 20; i++) {
			a[i] = 2 * i;
			b[i] = 2 * i + 7.5;
		}
		kan_stats_mwu(a, 20, b, 20, &ue, &pe, &ex);
		{
			double mu = 200, var = 400.0 / 12 * 41, z = (fabs(ue - mu) - 0.5) / sqrt(var);

			pn = erfc(z / M_SQRT2);
		}
		tap_ok(ex && near(pe, pn, 0.01), "20 vs 20: exact p %.5f close to normal p %.5f", pe, pn);
	}
	tap_ok(near(kan_stats_min_p(3, 3), 0.1, 1e-12) && near(kan_stats_min_p(10, 10), 2 / 184756.0, 1e-15),
	       "smallest reachable p: 2/C(6,3) and 2/C(20,10)");
	tap_ok(kan_stats_direction("throughput_msgs_per_sec") == KAN_DIR_BIGGER &&
	       kan_stats_direction("latency_p99_ns") == KAN_DIR_SMALLER &&
	       kan_stats_direction("allocs_per_msg") == KAN_DIR_SMALLER,
	       "directions: throughput bigger-is-better, latency and allocations smaller-is-better");

	{
		struct kan_cmp c;
		double a[3] = { 100, 101, 99 }, b[3] = { 80, 81, 79 }, one = 100, one2 = 94;

		kan_stats_compare(a, 3, b, 3, KAN_DIR_BIGGER, 0.05, 0.05, &c);
		tap_ok(c.method == KAN_METHOD_THRESHOLD && c.verdict == KAN_REGRESSED,
		       "3 repetitions: the U test cannot reach 0.05, threshold only says regressed (%s)", c.why);
		kan_stats_compare(&one, 1, &one2, 1, KAN_DIR_BIGGER, 0.05, 0.05, &c);
		tap_ok(c.method == KAN_METHOD_THRESHOLD && c.verdict == KAN_REGRESSED && near(c.change, -0.06, 1e-12),
		       "single values: -6%% beyond a 5%% threshold is a regression");
		kan_stats_compare(&one, 1, &one2, 1, KAN_DIR_SMALLER, 0.05, 0.05, &c);
		tap_ok(c.verdict == KAN_IMPROVED, "the same drop of a latency is an improvement");
	}
	{
		/* overlapping distributions beyond threshold: not significant -> noise */
		struct kan_cmp c;
		double a[5] = { 100, 130, 70, 120, 80 }, b[5] = { 90, 125, 60, 110, 75 };

		kan_stats_compare(a, 5, b, 5, KAN_DIR_BIGGER, 0.05, 0.05, &c);
		tap_ok(c.verdict == KAN_NOISE && c.p > 0.05, "big spread: -10%% median change with p=%.3f is noise, not an alarm", c.p);
	}

	/* Error rates over 200 random trials, 10 repetitions, 3% noise. */
	{
		const int trials = 200, n = 10;
		int alarms = 0, detected = 0;
		double base[10], cur[10];
		struct kan_cmp c;

		for (int t = 0; t < trials; t++) {
			sample(base, n, 1e6, 0.03);
			sample(cur, n, 1e6, 0.03);
			kan_stats_compare(base, n, cur, n, KAN_DIR_BIGGER, 0.05, 0.05, &c);
			alarms += c.verdict == KAN_REGRESSED;
		}
		for (int t = 0; t < trials; t++) {
			sample(base, n, 1e6, 0.03);
			sample(cur, n, 0.9e6, 0.03);
			kan_stats_compare(base, n, cur, n, KAN_DIR_BIGGER, 0.05, 0.05, &c);
			detected += c.verdict == KAN_REGRESSED;
		}
		tap_diag("A/A false-alarm rate: %d/%d = %.1f%%", alarms, trials, 100.0 * alarms / trials);
		tap_diag("10%% shift detection rate: %d/%d = %.1f%%", detected, trials, 100.0 * detected / trials);
		tap_ok(alarms <= trials / 100, "A/A: %d false alarms in %d trials (at most 1%%)", alarms, trials);
		tap_ok(detected >= trials * 95 / 100, "10%% regression detected in %d of %d trials (at least 95%%)", detected, trials);
	}
	/* latency direction: a 10% increase of p99 is caught */
	{
		int detected = 0;
		double base[10], cur[10];
		struct kan_cmp c;

		for (int t = 0; t < 200; t++) {
			sample(base, 10, 50000, 0.03);
			sample(cur, 10, 55000, 0.03);
			kan_stats_compare(base, 10, cur, 10, KAN_DIR_SMALLER, 0.05, 0.05, &c);
			detected += c.verdict == KAN_REGRESSED;
		}
		tap_diag("10%% latency increase detection rate: %d/200", detected);
		tap_ok(detected >= 190, "10%% latency increase detected in %d of 200 trials", detected);
	}
	return tap_done();
}
