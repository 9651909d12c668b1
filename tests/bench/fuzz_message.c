/* SPDX-License-Identifier: MIT */
/*
 * fuzz_message: libFuzzer target for the binary message parser. Any input
 * either is rejected or parses into a message that serializes back to
 * exactly the same bytes; never a crash or an out-of-bounds read.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_msg m;
	uint8_t *out;
	long n;

	if (kb_msg_parse(data, size, &m))
		return 0;
	if (kb_msg_size(&m) != size)
		abort();
	out = malloc(size ? size : 1);
	n = kb_msg_serialize(&m, out, size);
	if (n != (long)size || memcmp(out, data, size))
		abort();
	free(out);
	return 0;
}
