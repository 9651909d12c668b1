/* SPDX-License-Identifier: MIT */
/*
 * test-hist: the log-linear histogram against a sorted-array reference
 * (every percentile within the stated precision), merge equality, clamping,
 * and the text log round trip with corrupt-input rejection.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The reference percentile: the ceil(p/100*n)-th smallest value. */
static uint64_t ref_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t k;
	double t = p / 100.0 * (double)n;

	k = (size_t)t;
	if ((double)k < t)
		k++;
	if (k < 1)
		k = 1;
	return sorted[k - 1];
}

static int same_hist(const struct ku_hist *a, const struct ku_hist *b)
{
	return a->nbins == b->nbins && a->count == b->count && a->min == b->min && a->max == b->max &&
	       !memcmp(a->counts, b->counts, a->nbins * sizeof(*a->counts));
}

int main(void)
{
	static const double ps[] = { 0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100 };
	enum { N = 200000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	struct ku_hist *h, *a, *b, *both, *back, *other;
	int bad = 0;
	char err[128];

	tap_is_int(ku_hist_new(&h, 1, 3), -EINVAL, "highest < 2 rejected");
	tap_is_int(ku_hist_new(&h, 1000, 0), -EINVAL, "sigfigs 0 rejected");
	tap_is_int(ku_hist_new(&h, 1000, 6), -EINVAL, "sigfigs 6 rejected");
	tap_is_int(ku_hist_new(&h, KU_HIST_DEFAULT_HIGHEST, 3), 0, "new 1h/3 sigfigs");
	tap_ok(ku_hist_precision(h) <= 0.001, "stated precision %g <= 0.1%%", ku_hist_precision(h));
	tap_is_int(ku_hist_percentile(h, 50), 0, "empty histogram percentile is 0");

	/* log-uniform values from 1 ns to ~1 s: every bucket gets exercised */
	for (size_t i = 0; i < N; i++) {
		int bits = (int)(xorshift() % 30) + 1;

		vals[i] = (xorshift() & ((1ull << bits) - 1)) + 1;
		ku_hist_record(h, vals[i]);
	}
	qsort(vals, N, sizeof(*vals), cmp_u64);
	tap_is_int(h->count, N, "count");
	tap_is_int(h->min, vals[0], "min exact");
	tap_is_int(h->max, vals[N - 1], "max exact");
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t want = ref_percentile(vals, N, ps[i]), got = ku_hist_percentile(h, ps[i]);
		double rel = want ? ((double)got - (double)want) / (double)want : 0;

		if (rel < 0)
			rel = -rel;
		if (!tap_ok(rel <= ku_hist_precision(h), "p%g: %llu vs reference %llu (rel err %.5f)", ps[i],
			    (unsigned long long)got, (unsigned long long)want, rel))
			bad++;
	}
	/* equivalence ranges: every value is inside its own bin, bins are tight */
	for (uint64_t v = 0; v < 5000000 && !bad; v += 1 + v / 333) {
		uint64_t lo = ku_hist_lowest_equivalent(h, v), hi = ku_hist_highest_equivalent(h, v);

		if (lo > v || hi < v || (double)(hi - lo + 1) > (double)(v > 2048 ? v : 2048) * ku_hist_precision(h) + 1)
			bad++;
	}
	tap_ok(!bad, "bins contain their values and are within precision");
	{
		double sum = 0;

		for (size_t i = 0; i < N; i++)
			sum += (double)vals[i];
		tap_ok(ku_hist_mean(h) > sum / N * 0.9999 && ku_hist_mean(h) < sum / N * 1.0001, "mean exact");
	}

	/* merge(a, b) == record(a ∪ b) */
	ku_hist_new(&a, KU_HIST_DEFAULT_HIGHEST, 3);
	ku_hist_new(&b, KU_HIST_DEFAULT_HIGHEST, 3);
	ku_hist_new(&both, KU_HIST_DEFAULT_HIGHEST, 3);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = xorshift() % 100000000;

		ku_hist_record((i & 1) ? a : b, v);
		ku_hist_record(both, v);
	}
	tap_is_int(ku_hist_merge(a, b), 0, "merge returns 0");
	tap_ok(same_hist(a, both), "merged histogram equals the histogram of both streams");
	tap_is_int(ku_hist_percentile(a, 99.9), ku_hist_percentile(both, 99.9), "merged p99.9 equal");

	/* merge across layouts: values kept within the coarser precision */
	ku_hist_new(&other, 1000000000ull, 2);
	tap_is_int(ku_hist_merge(other, both), 0, "merge into 2-sigfig histogram");
	tap_is_int(other->count, both->count, "cross-layout merge keeps the count");
	{
		double p50 = (double)ku_hist_percentile(other, 50), want = (double)ku_hist_percentile(both, 50);

		tap_ok(p50 > want * (1 - 2 * ku_hist_precision(other)) && p50 < want * (1 + 2 * ku_hist_precision(other)),
		       "cross-layout p50 %.0f near %.0f", p50, want);
	}

	/* clamping */
	tap_is_int(ku_hist_record(other, 5000000000ull), -ERANGE, "value above highest reports -ERANGE");
	tap_is_int(other->clamped, 1, "clamped counted");
	tap_is_int(ku_hist_percentile(other, 100), 1000000000ull, "clamped value recorded as highest");

	/* text log round trip */
	{
		char *text = NULL;
		size_t tlen = 0;
		FILE *f = open_memstream(&text, &tlen);
		int rc;

		tap_is_int(ku_hist_log_write(both, f), 0, "log write");
		fclose(f);
		f = fmemopen(text, tlen, "r");
		rc = ku_hist_log_read(f, &back, err, sizeof(err));
		fclose(f);
		tap_is_int(rc, 0, "log read back");
		tap_ok(back && same_hist(back, both), "log round trip is exact");
		tap_ok(back && back->sum == both->sum, "log round trip keeps the sum");
		ku_hist_free(back);

		/* corrupt a count: rejected with a line number */
		{
			char *nl = strchr(text, '\n');
			char *second = nl ? strchr(nl + 1, ' ') : NULL;

			second = second ? strchr(second + 1, ' ') : NULL;
			if (second)
				second[1] = second[1] == '9' ? '8' : '9';
			f = fmemopen(text, tlen, "r");
			rc = ku_hist_log_read(f, &back, err, sizeof(err));
			fclose(f);
			tap_is_int(rc, -EINVAL, "corrupt count rejected");
			tap_ok(strstr(err, "disagree") != NULL, "error names the problem: %s", err);
		}
		f = fmemopen(text, tlen / 2, "r");
		rc = ku_hist_log_read(f, &back, err, sizeof(err));
		fclose(f);
		tap_is_int(rc, -EINVAL, "truncated log rejected (%s)", err);
		f = fmemopen((char *)"kprof-hist/1 sigfigs=9 highest=10 count=0 clamped=0 min=0 max=0 sum=0\nend\n", 71, "r");
		rc = ku_hist_log_read(f, &back, err, sizeof(err));
		fclose(f);
		tap_is_int(rc, -EINVAL, "bad sigfigs in header rejected");
		free(text);
	}

	/* golden text log (format documented in kprof-formats(7)) */
	{
		static const uint64_t fixed[] = { 0, 1, 1, 2047, 2048, 2049, 5000, 123456789, 3600000000001ull };
		struct ku_hist *g;
		char *text = NULL, path[4096], want[4096];
		size_t tlen = 0, wlen = 0;
		const char *src = getenv("top_srcdir");
		FILE *f;

		ku_hist_new(&g, KU_HIST_DEFAULT_HIGHEST, 3);
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			ku_hist_record(g, fixed[i]);
		f = open_memstream(&text, &tlen);
		ku_hist_log_write(g, f);
		fclose(f);
		snprintf(path, sizeof(path), "%s/tests/bench/golden/hist.log", src ? src : ".");
		f = fopen(path, "r");
		if (f) {
			wlen = fread(want, 1, sizeof(want) - 1, f);
			want[wlen] = '\0';
			fclose(f);
			tap_ok(wlen == tlen && !memcmp(want, text, tlen), "text log matches the golden file");
			if (wlen != tlen || memcmp(want, text, tlen))
				tap_diag("got:\n%s", text);
		} else {
			tap_skip("golden file not found (top_srcdir unset)");
		}
		free(text);
		ku_hist_free(g);
	}

	ku_hist_reset(both);
	tap_is_int(both->count, 0, "reset clears the count");
	tap_is_int(ku_hist_percentile(both, 99), 0, "reset clears the bins");
	ku_hist_free(h);
	ku_hist_free(a);
	ku_hist_free(b);
	ku_hist_free(both);
	ku_hist_free(other);
	free(vals);
	return tap_done();
}
