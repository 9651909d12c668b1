/* SPDX-License-Identifier: MIT */
/*
 * hist: log-linear mergeable histogram (see hist.h for the contract).
 *
 * Layout, with s = sub_bits, S = 2^s sub-buckets and H = S/2:
 * bins 0..S-1 hold the values 0..S-1 exactly; bucket b >= 1 covers
 * [2^(s-1+b), 2^(s+b)) with H bins of width 2^b, stored after the exact
 * range. A bin is thus at most 1/H of the values in it wide, which is the
 * relative precision promised in hist.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static int hist__msb(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

static uint32_t hist__bin(const struct ku_hist *h, uint64_t v)
{
	const int s = h->sub_bits;
	int b;

	if (v < (1ull << s))
		return (uint32_t)v;
	b = hist__msb(v) - s + 1;
	return (uint32_t)((1ull << s) + ((uint64_t)(b - 1) << (s - 1)) + ((v >> b) - (1ull << (s - 1))));
}

static uint64_t hist__bin_low(const struct ku_hist *h, uint32_t bin)
{
	const int s = h->sub_bits;
	const uint64_t half = 1ull << (s - 1);
	uint64_t rel, b, sub;

	if (bin < (1ull << s))
		return bin;
	rel = bin - (1ull << s);
	b = rel / half + 1;
	sub = rel % half + half;
	return sub << b;
}

static uint64_t hist__bin_high(const struct ku_hist *h, uint32_t bin)
{
	const int s = h->sub_bits;
	uint64_t b;

	if (bin < (1ull << s))
		return bin;
	b = (bin - (1ull << s)) / (1ull << (s - 1)) + 1;
	return hist__bin_low(h, bin) + (1ull << b) - 1;
}

int ku_hist_new(struct ku_hist **out, uint64_t highest, int sigfigs)
{
	struct ku_hist *h;
	uint64_t target = 1;
	int s = 1, buckets;
	uint64_t nbins;

	*out = NULL;
	if (highest < 2 || highest > (UINT64_MAX >> 1) || sigfigs < 1 || sigfigs > 5)
		return -EINVAL;
	for (int i = 0; i < sigfigs; i++)
		target *= 10;
	while ((1ull << (s - 1)) < target)
		s++;
	buckets = hist__msb(highest) - s + 1;
	if (buckets < 0)
		buckets = 0;
	nbins = (1ull << s) + (uint64_t)buckets * (1ull << (s - 1));
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->counts = calloc(nbins, sizeof(*h->counts));
	if (!h->counts) {
		free(h);
		return -ENOMEM;
	}
	h->highest = highest;
	h->sigfigs = sigfigs;
	h->sub_bits = s;
	h->buckets = buckets;
	h->nbins = (uint32_t)nbins;
	h->min = UINT64_MAX;
	*out = h;
	return 0;
}

void ku_hist_free(struct ku_hist *h)
{
	if (!h)
		return;
	free(h->counts);
	free(h);
}

void ku_hist_reset(struct ku_hist *h)
{
	memset(h->counts, 0, (size_t)h->nbins * sizeof(*h->counts));
	h->count = h->clamped = h->max = 0;
	h->min = UINT64_MAX;
	h->sum = 0;
}

int ku_hist_record_n(struct ku_hist *h, uint64_t v, uint64_t n)
{
	int rc = 0;

	if (__builtin_expect(v > h->highest, 0)) {
		v = h->highest;
		h->clamped += n;
		rc = -ERANGE;
	}
	h->counts[hist__bin(h, v)] += n;
	h->count += n;
	h->sum += (double)v * (double)n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	return rc;
}

int ku_hist_record(struct ku_hist *h, uint64_t v)
{
	return ku_hist_record_n(h, v, 1);
}

int ku_hist_merge(struct ku_hist *dst, const struct ku_hist *src)
{
	int rc = 0;

	if (!src->count)
		return 0;
	for (uint32_t i = 0; i < src->nbins; i++) {
		uint64_t c = src->counts[i], v;

		if (!c)
			continue;
		if (src->sub_bits == dst->sub_bits && i < dst->nbins) {
			dst->counts[i] += c;
			continue;
		}
		v = hist__bin_low(src, i) + (hist__bin_high(src, i) - hist__bin_low(src, i)) / 2;
		if (v > dst->highest) {
			v = dst->highest;
			dst->clamped += c;
			rc = -ERANGE;
		}
		dst->counts[hist__bin(dst, v)] += c;
	}
	dst->count += src->count;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min > dst->highest ? dst->highest : src->min;
	if (src->max > dst->max)
		dst->max = src->max > dst->highest ? dst->highest : src->max;
	return rc;
}

uint64_t ku_hist_percentile(const struct ku_hist *h, double p)
{
	uint64_t target, seen = 0;

	if (!h->count)
		return 0;
	if (!(p > 0))
		return h->min;
	if (p >= 100)
		return h->max;
	{
		double t = p / 100.0 * (double)h->count;

		target = (uint64_t)t;
		if ((double)target < t)
			target++;
	}
	if (target < 1)
		target = 1;
	if (target > h->count)
		target = h->count;
	for (uint32_t i = 0; i < h->nbins; i++) {
		seen += h->counts[i];
		if (seen >= target) {
			uint64_t v = hist__bin_high(h, i);

			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double ku_hist_mean(const struct ku_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}

/* Newton's method, so that lib/ needs no libm. */
static double hist__sqrt(double x)
{
	double r = x > 1 ? x / 2 : 1;

	if (!(x > 0))
		return 0;
	for (int i = 0; i < 200; i++) {
		double n = (r + x / r) / 2;

		if (n == r)
			break;
		r = n;
	}
	return r;
}

double ku_hist_stddev(const struct ku_hist *h)
{
	double mean = ku_hist_mean(h), acc = 0;

	if (!h->count)
		return 0.0;
	for (uint32_t i = 0; i < h->nbins; i++) {
		double mid, d;

		if (!h->counts[i])
			continue;
		mid = ((double)hist__bin_low(h, i) + (double)hist__bin_high(h, i)) / 2.0;
		d = mid - mean;
		acc += d * d * (double)h->counts[i];
	}
	return hist__sqrt(acc / (double)h->count);
}

uint64_t ku_hist_lowest_equivalent(const struct ku_hist *h, uint64_t v)
{
	if (v > h->highest)
		v = h->highest;
	return hist__bin_low(h, hist__bin(h, v));
}

uint64_t ku_hist_highest_equivalent(const struct ku_hist *h, uint64_t v)
{
	if (v > h->highest)
		v = h->highest;
	return hist__bin_high(h, hist__bin(h, v));
}

double ku_hist_precision(const struct ku_hist *h)
{
	return 1.0 / (double)(1ull << (h->sub_bits - 1));
}

int ku_hist_log_write(const struct ku_hist *h, FILE *f)
{
	fprintf(f,
		"kprof-hist/1 sigfigs=%d highest=%" PRIu64 " count=%" PRIu64 " clamped=%" PRIu64
		" min=%" PRIu64 " max=%" PRIu64 " sum=%.17g\n",
		h->sigfigs, h->highest, h->count, h->clamped, h->count ? h->min : 0, h->max, h->sum);
	for (uint32_t i = 0; i < h->nbins; i++)
		if (h->counts[i])
			fprintf(f, "%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", hist__bin_low(h, i),
				hist__bin_high(h, i), h->counts[i]);
	fputs("end\n", f);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

static int hist__fail(char *errbuf, size_t errlen, unsigned line, const char *msg)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%u: %s", line, msg);
	return -EINVAL;
}

int ku_hist_log_read(FILE *f, struct ku_hist **out, char *errbuf, size_t errlen)
{
	char buf[512];
	unsigned line = 0;
	int sigfigs, rc;
	uint64_t highest, count, clamped, min, max, total = 0;
	double sum;
	struct ku_hist *h;

	*out = NULL;
	do {
		if (!fgets(buf, sizeof(buf), f))
			return hist__fail(errbuf, errlen, line + 1, "missing kprof-hist/1 header");
		line++;
	} while (buf[0] == '#');
	if (sscanf(buf,
		   "kprof-hist/1 sigfigs=%d highest=%" SCNu64 " count=%" SCNu64 " clamped=%" SCNu64
		   " min=%" SCNu64 " max=%" SCNu64 " sum=%lf",
		   &sigfigs, &highest, &count, &clamped, &min, &max, &sum) != 7)
		return hist__fail(errbuf, errlen, line, "bad header (expected kprof-hist/1 sigfigs=... sum=...)");
	rc = ku_hist_new(&h, highest, sigfigs);
	if (rc == -EINVAL)
		return hist__fail(errbuf, errlen, line, "bad sigfigs or highest in header");
	if (rc)
		return rc;
	for (;;) {
		uint64_t lo, hi, c;
		char extra;
		uint32_t bin;

		if (!fgets(buf, sizeof(buf), f)) {
			ku_hist_free(h);
			return hist__fail(errbuf, errlen, line + 1, "truncated: missing end line");
		}
		line++;
		if (buf[0] == '#')
			continue;
		if (!strcmp(buf, "end\n") || !strcmp(buf, "end"))
			break;
		if (sscanf(buf, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &lo, &hi, &c, &extra) != 3 ||
		    lo > h->highest) {
			ku_hist_free(h);
			return hist__fail(errbuf, errlen, line, "bad bin line (expected LOW HIGH COUNT)");
		}
		bin = hist__bin(h, lo);
		if (hist__bin_low(h, bin) != lo || hist__bin_high(h, bin) != hi || c == 0 ||
		    total + c < total) {
			ku_hist_free(h);
			return hist__fail(errbuf, errlen, line, "bin does not match the header's layout");
		}
		h->counts[bin] += c;
		total += c;
	}
	if (total != count || clamped > count || (count && (min > max || max > highest))) {
		ku_hist_free(h);
		return hist__fail(errbuf, errlen, line, "bin counts disagree with the header");
	}
	h->count = count;
	h->clamped = clamped;
	h->min = count ? min : UINT64_MAX;
	h->max = max;
	h->sum = sum;
	*out = h;
	return 0;
}
