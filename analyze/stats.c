/* SPDX-License-Identifier: MIT */
/*
 * stats: Mann-Whitney U test and the compare verdict (see stats.h).
 * The exact null distribution of U is the coefficient list of the Gaussian
 * binomial [m+n choose m]_q, built as a product of (1 - q^(n+i)) / (1 - q^i)
 * for i = 1..m; each partial product is itself a Gaussian binomial, so the
 * running coefficients stay non-negative and doubles hold them exactly
 * enough for the tail probabilities that matter (p around 1e-6 and up).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

enum kan_dir kan_stats_direction(const char *metric)
{
	if (strstr(metric, "throughput") || strstr(metric, "per_sec") || strstr(metric, "ops_per"))
		return KAN_DIR_BIGGER;
	return KAN_DIR_SMALLER;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double kan_stats_median(const double *v, size_t n)
{
	double *s, m;

	if (n == 0)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

double kan_stats_min_p(size_t na, size_t nb)
{
	/* 2 / C(na+nb, na), computed in logs to stay finite. */
	double lc;

	if (na == 0 || nb == 0)
		return 1;
	lc = lgamma((double)(na + nb + 1)) - lgamma((double)(na + 1)) - lgamma((double)(nb + 1));
	return fmin(1.0, 2.0 * exp(-lc));
}

struct kan__obs {
	double v;
	int group; /* 0: a, 1: b */
};

static int cmp_obs(const void *a, const void *b)
{
	return cmp_double(&((const struct kan__obs *)a)->v, &((const struct kan__obs *)b)->v);
}

/* P(U <= k) and P(U >= k) under H0 for sizes m, n, U integer. */
static int exact_tails(size_t m, size_t n, long k, double *lo, double *hi)
{
	size_t top = m * n;
	double *c = calloc(top + 1, sizeof(*c)), total = 0, below = 0, above = 0;

	if (!c)
		return -ENOMEM;
	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		size_t up = n + i, deg = i * n; /* degree after this step */
		/* multiply by (1 - q^up), high to low */
		for (size_t j = deg + i < top ? deg + i : top; j >= up; j--) {
			c[j] -= c[j - up];
			if (j == up)
				break;
		}
		/* divide by (1 - q^i): running sum with stride i */
		for (size_t j = i; j <= top; j++)
			c[j] += c[j - i];
		for (size_t j = deg + 1; j <= top; j++)
			c[j] = 0;
	}
	for (size_t j = 0; j <= top; j++) {
		if (c[j] < 0)
			c[j] = 0;
		total += c[j];
		if ((long)j <= k)
			below += c[j];
		if ((long)j >= k)
			above += c[j];
	}
	free(c);
	*lo = below / total;
	*hi = above / total;
	return 0;
}

int kan_stats_mwu(const double *a, size_t na, const double *b, size_t nb,
		  double *u, double *p, int *exact)
{
	size_t n = na + nb;
	struct kan__obs *o;
	double ra = 0, ties = 0;
	int has_ties = 0;

	if (na == 0 || nb == 0)
		return -EINVAL;
	o = malloc(n * sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < na; i++)
		o[i] = (struct kan__obs){ a[i], 0 };
	for (size_t i = 0; i < nb; i++)
		o[na + i] = (struct kan__obs){ b[i], 1 };
	qsort(o, n, sizeof(*o), cmp_obs);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double rank;

		while (j + 1 < n && o[j + 1].v == o[i].v)
			j++;
		rank = (double)(i + j + 2) / 2; /* mean of ranks i+1 .. j+1 */
		for (size_t k = i; k <= j; k++)
			if (o[k].group == 0)
				ra += rank;
		if (j > i) {
			double t = (double)(j - i + 1);

			has_ties = 1;
			ties += t * t * t - t;
		}
		i = j + 1;
	}
	free(o);
	*u = ra - (double)na * (double)(na + 1) / 2;

	if (!has_ties && na <= KAN_STATS_EXACT_MAX && nb <= KAN_STATS_EXACT_MAX) {
		double lo, hi;
		int rc = exact_tails(na, nb, lround(*u), &lo, &hi);

		if (rc)
			return rc;
		*p = fmin(1.0, 2 * fmin(lo, hi));
		*exact = 1;
		return 0;
	}
	{
		double mn = (double)na * (double)nb, N = (double)n;
		double mu = mn / 2;
		double var = mn / 12 * ((N + 1) - ties / (N * (N - 1)));
		double d = fabs(*u - mu) - 0.5;

		*exact = 0;
		if (var <= 0) {
			*p = 1;
			return 0;
		}
		if (d < 0)
			d = 0;
		*p = fmin(1.0, erfc(d / sqrt(var) / M_SQRT2));
	}
	return 0;
}

int kan_stats_compare(const double *base, size_t nb, const double *cur, size_t nn,
		      enum kan_dir dir, double threshold, double alpha, struct kan_cmp *out)
{
	int beyond, bad;

	if (nb == 0 || nn == 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->base_median = kan_stats_median(base, nb);
	out->new_median = kan_stats_median(cur, nn);
	if (out->base_median != 0)
		out->change = (out->new_median - out->base_median) / fabs(out->base_median);
	else if (out->new_median == 0)
		out->change = 0;
	else
		out->change = out->new_median > 0 ? INFINITY : -INFINITY;
	beyond = fabs(out->change) > threshold;
	bad = (dir == KAN_DIR_BIGGER) ? out->change < 0 : out->change > 0;
	out->u = out->p = NAN;

	if (nb < 2 || nn < 2 || kan_stats_min_p(nb, nn) >= alpha) {
		out->method = KAN_METHOD_THRESHOLD;
		out->why = (nb < 2 || nn < 2)
			? "a single repetition on one side: no test possible, threshold on medians only"
			: "too few repetitions for the U test to reach significance: threshold on medians only";
		out->verdict = beyond ? (bad ? KAN_REGRESSED : KAN_IMPROVED) : KAN_SAME;
		return 0;
	}
	{
		int exact, rc = kan_stats_mwu(base, nb, cur, nn, &out->u, &out->p, &exact);

		if (rc)
			return rc;
		out->method = exact ? KAN_METHOD_EXACT : KAN_METHOD_NORMAL;
		out->why = exact ? "no ties and small samples: exact distribution of U"
				 : (nb > KAN_STATS_EXACT_MAX || nn > KAN_STATS_EXACT_MAX)
				   ? "large samples: normal approximation of U"
				   : "tied values: normal approximation of U with tie correction";
	}
	if (!beyond)
		out->verdict = KAN_SAME;
	else if (out->p < alpha)
		out->verdict = bad ? KAN_REGRESSED : KAN_IMPROVED;
	else
		out->verdict = KAN_NOISE;
	return 0;
}

const char *kan_stats_verdict_name(enum kan_verdict v)
{
	switch (v) {
	case KAN_SAME: return "same";
	case KAN_IMPROVED: return "improved";
	case KAN_REGRESSED: return "regressed";
	case KAN_NOISE: return "noise";
	}
	return "?";
}

const char *kan_stats_method_name(enum kan_method m)
{
	switch (m) {
	case KAN_METHOD_EXACT: return "mann-whitney-exact";
	case KAN_METHOD_NORMAL: return "mann-whitney-normal";
	case KAN_METHOD_THRESHOLD: return "threshold-only";
	}
	return "?";
}
