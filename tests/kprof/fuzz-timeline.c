/* SPDX-License-Identifier: MIT */
/*
 * fuzz-timeline: libFuzzer target for the timeline.json reader
 * (kan_timeline_parse), then the SVG chart of what was read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kan_timeline tl;
	char err[256];
	FILE *f;

	if (kan_timeline_parse((const char *)data, size, &tl, err, sizeof(err)) != 0)
		return 0;
	f = fopen("/dev/null", "w");
	if (f) {
		kan_timeline_svg(&tl, "fuzz", f);
		fclose(f);
	}
	kan_timeline_free(&tl);
	return 0;
}
