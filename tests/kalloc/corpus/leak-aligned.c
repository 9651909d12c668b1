/* SPDX-License-Identifier: MIT */
/* Corpus: posix_memalign(64, 200) and aligned_alloc(128, 256) leaks; a
 * memalign block that is freed is not reported. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include "corpus.h"

static NOINLINE void leak_posix_memalign(void)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, 200) != 0 || ((uintptr_t)p & 63))
		abort();
}

static NOINLINE void leak_aligned_alloc(void)
{
	void *p = aligned_alloc(128, 256);

	if (!p || ((uintptr_t)p & 127))
		abort();
}

static NOINLINE void no_leak_memalign(void)
{
	void *p = memalign(32, 48);

	if (!p || ((uintptr_t)p & 31))
		abort();
	free(p);
}

int main(void)
{
	leak_posix_memalign();
	leak_aligned_alloc();
	no_leak_memalign();
	SCRUB();
	return 0;
}
