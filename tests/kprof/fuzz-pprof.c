/* SPDX-License-Identifier: MIT */
/*
 * fuzz-pprof: libFuzzer target for the analyzer's profile reader: any
 * bytes through kan_profile_parse (gzip detection, profile.proto decoder,
 * gperftools sniffing), then everything the commands do with a loaded
 * profile: frames, distinct stacks, the call tree, and re-encoding.
 * Symbolization is off (KPROF_NO_SYMBOLIZE) so runs touch no files.
 */
#include "config.h"

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
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kan_profile *p;
	char err[256];

	if (kan_profile_parse(data, size, &p, err, sizeof(err)) != 0)
		return 0;
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
