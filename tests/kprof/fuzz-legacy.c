/* SPDX-License-Identifier: MIT */
/*
 * fuzz-legacy: libFuzzer target for the gperftools legacy CPU profile
 * reader alone (kan_legacy_decode), fed directly so that inputs need not
 * first pass the format sniffing; then the frames and call tree of what
 * was read.
 */
#include "config.h"

#include <stdlib.h>

#include "load.h"
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
	struct kan_tree t;
	char err[256];

	if (kan_profile_new(&p))
		return 0;
	kan_legacy_sniff(data, size);
	if (kan_legacy_decode(data, size, p, err, sizeof(err)) == 0 && kan_tree_init(&t) == 0) {
		kan_tree_add(&t, p, 1, 0, 0);
		kan_tree_free(&t);
	}
	kan_profile_free(p);
	return 0;
}
