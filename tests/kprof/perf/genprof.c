/* SPDX-License-Identifier: MIT */
/*
 * genprof: writes a large synthetic CPU profile for the analyzer's
 * performance benchmark (tests/kprof/perf/bench.sh): by default 1,000,000
 * samples over 100,000 distinct stacks of depth 10..40, drawn from 5,000
 * functions with C, C++, library and runtime-looking names; stack
 * popularity is skewed (a few hot stacks, a long tail) as in real
 * profiles. Deterministic (fixed seed).
 *
 *   genprof OUT.pb.gz [SAMPLES [STACKS [--aggregate]]]
 *
 * Without --aggregate every sample is its own Sample message (the worst
 * case for a reader); with it, equal stacks are one message with a count,
 * as Go's runtime/pprof and libksamp write them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof-write.h"

static uint64_t kan_rng = 0x9e3779b97f4a7c15ull;

static uint64_t kan_next(void)
{
	kan_rng ^= kan_rng << 13;
	kan_rng ^= kan_rng >> 7;
	kan_rng ^= kan_rng << 17;
	return kan_rng;
}

int main(int argc, char **argv)
{
	long nsamples = argc > 2 ? atol(argv[2]) : 1000000;
	long nstacks = argc > 3 ? atol(argv[3]) : 100000;
	int aggregate = argc > 4 && !strcmp(argv[4], "--aggregate");
	const long nfuncs = 5000;
	struct kan_profile *p;
	char name[128];

	if (argc < 2 || nsamples <= 0 || nstacks <= 0) {
		fprintf(stderr, "usage: genprof OUT.pb.gz [SAMPLES [STACKS [--aggregate]]]\n");
		return 2;
	}
	if (kan_profile_new(&p) || kan_profile_add_sample_type(p, "samples", "count") ||
	    kan_profile_add_sample_type(p, "cpu", "nanoseconds"))
		return 1;
	p->period = 10000000;
	p->period_type.type = "cpu";
	p->period_type.unit = "nanoseconds";
	struct kan_mapping m = { .start = 0x400000, .limit = 0x800000, .file = "/usr/bin/broker-client", .has_functions = 1 };
	kan_profile_add_mapping(p, &m);
	for (long i = 0; i < nfuncs; i++) {
		switch (i % 4) {
		case 0: snprintf(name, sizeof(name), "broker::Component%ld::handle(Message const&, int)", i); break;
		case 1: snprintf(name, sizeof(name), "encode_frame_%ld", i); break;
		case 2: snprintf(name, sizeof(name), "rd_kafka_op_%ld", i); break;
		default: snprintf(name, sizeof(name), "route_%ld_message", i); break;
		}
		const char *n = kan_profile_strdup(p, name, strlen(name));
		long f = kan_profile_add_function(p, 0, n, n, "src/broker.cc", i);
		struct kan_line ln = { (uint32_t)f, 10 + i % 300 };
		kan_profile_add_location(p, 0, 1, 0x400000 + (uint64_t)i * 64, &ln, 1);
	}
	/* stacks: level-dependent pools so prefixes are shared like a real
	 * call tree; stored leaf first */
	uint32_t *stacks = malloc((size_t)nstacks * 40 * sizeof(*stacks));
	uint8_t *depth = malloc((size_t)nstacks);
	if (!stacks || !depth)
		return 1;
	for (long s = 0; s < nstacks; s++) {
		int d = 10 + (int)(kan_next() % 31);
		uint32_t path[40];
		uint64_t h = 1;
		for (int l = 0; l < d; l++) {
			/* few choices near the root, more deeper down */
			uint64_t choices = l < 3 ? 2 : l < 8 ? 6 : 40;
			uint64_t c = kan_next() % choices;
			h = h * 1000003 + c + 1;
			path[l] = (uint32_t)((h >> 7) % (uint64_t)nfuncs);
		}
		depth[s] = (uint8_t)d;
		for (int l = 0; l < d; l++)
			stacks[s * 40 + l] = path[d - 1 - l];
	}
	int64_t *counts = calloc((size_t)nstacks, sizeof(*counts));
	if (!counts)
		return 1;
	for (long i = 0; i < nsamples; i++) {
		/* skewed: squares of uniform numbers favour low stack ids */
		double u = (double)(kan_next() >> 11) / 9007199254740992.0;
		long s = (long)(u * u * (double)nstacks);
		if (i < nstacks)
			s = i; /* every stack appears at least once */
		if (aggregate) {
			counts[s]++;
			continue;
		}
		int64_t v[2] = { 1, 10000000 };
		if (kan_profile_add_sample(p, stacks + s * 40, depth[s], v, NULL, 0) < 0)
			return 1;
	}
	if (aggregate)
		for (long s = 0; s < nstacks; s++) {
			int64_t v[2] = { counts[s], counts[s] * 10000000 };
			if (counts[s] && kan_profile_add_sample(p, stacks + s * 40, depth[s], v, NULL, 0) < 0)
				return 1;
		}
	int r = kan_pprof_write(p, argv[1], 1);
	if (r) {
		fprintf(stderr, "genprof: %s: write failed (%d)\n", argv[1], r);
		return 1;
	}
	free(stacks);
	free(depth);
	free(counts);
	kan_profile_free(p);
	return 0;
}
