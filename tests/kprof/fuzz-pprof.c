/* SPDX-License-Identifier: MIT */
/*
 * fuzz-pprof: libFuzzer target for the analyzer's profile reader: any
 * bytes through kan_profile_parse (gzip detection, profile.proto decoder,
 * gperftools sniffing), then everything the commands do with a loaded
 * profile: frames, distinct stacks, the call tree, and re-encoding.
 * Symbolization is off (KPROF_NO_SYMBOLIZE) so runs touch no files. The
 * inflate cap is 4 MiB here, so that gzip bombs in the corpus (fuzz.sh
 * seeds one) hit the cap instead of the fuzzer's memory limit.
 *
 * Sample compaction (compact.c, what top/flame/diff/folded read through)
 * is checked against the plain reader: the bytes fed in chunks of varying
 * size, the result must load exactly when the input does, with the same
 * total per sample type.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "load.h"
#include "pprof-write.h"
#include "tree.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("KPROF_NO_SYMBOLIZE", "1", 1);
	kan_set_max_inflate((size_t)4 << 20);
	return 0;
}

/* Sum of sample type si over all samples; *big set when a partial sum
 * leaves +-2^62 (saturation may then differ with the order of additions). */
static int64_t total(const struct kan_profile *p, size_t si, int *big)
{
	int64_t t = 0;

	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t v = p->values[i * p->nsample_types + si];
		if (v > (INT64_C(1) << 62) || v < -(INT64_C(1) << 62) || __builtin_add_overflow(t, v, &t) ||
		    t > (INT64_C(1) << 62) || t < -(INT64_C(1) << 62))
			*big = 1;
	}
	return t;
}

/* The compacted bytes load exactly when data loads, to the same totals. */
static void check_compact(const uint8_t *data, size_t size, const struct kan_profile *orig)
{
	struct kan_compact *c;
	struct kan_profile *p = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0, step = 1 + (size ? data[0] % 61 : 0);
	char err[256];

	if ((size >= 2 && data[0] == 0x1f && data[1] == 0x8b) || kan_legacy_sniff(data, size) || !size)
		return; /* gzip: inflated first by the loader; legacy: never compacted */
	if (kan_compact_new(&c))
		return;
	for (size_t off = 0; off < size; off += step)
		if (kan_compact_feed(c, data + off, size - off < step ? size - off : step))
			goto out;
	if (kan_compact_finish(c, &out, &outlen, NULL, NULL))
		goto out;
	int ok = outlen && kan_profile_parse(out, outlen, &p, err, sizeof(err)) == 0;
	if (ok != (orig != NULL))
		__builtin_trap();
	if (ok) {
		if (p->nsample_types != orig->nsample_types || p->nsamples > orig->nsamples)
			__builtin_trap();
		for (size_t si = 0; si < p->nsample_types; si++) {
			int big = 0;
			int64_t a = total(orig, si, &big), b = total(p, si, &big);
			if (!big && a != b)
				__builtin_trap();
		}
	}
out:
	kan_profile_free(p);
	free(out);
	kan_compact_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kan_profile *p;
	char err[256];

	if (kan_profile_parse(data, size, &p, err, sizeof(err)) != 0) {
		check_compact(data, size, NULL);
		return 0;
	}
	check_compact(data, size, p);
	for (size_t si = 0; si < p->nsample_types; si++) {
		struct kan_tree t;
		if (kan_tree_init(&t) == 0) {
			kan_tree_add(&t, p, (int)si, 0, (int)(si & 1));
			kan_tree_add(&t, p, (int)si, 1, 0);
			kan_tree_sort(&t);
			kan_tree_free(&t);
		}
	}
	kan_pprof_write(p, "/dev/null", (int)(size & 1));
	kan_profile_free(p);
	return 0;
}
