/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json: libFuzzer target for the JSON parser. Any input must either
 * parse, write back and re-parse to the same text, or fail cleanly with an
 * error message; never crash, leak or read out of bounds. What the writer
 * writes is valid UTF-8 whatever bytes the strings held.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ku.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ku_json *r, *r2;
	struct ku_json_writer w, w2;
	char err[128];

	if (ku_json_parse((const char *)data, size, &r, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	ku_json_writer_init(&w, 0);
	ku_json_write_value(&w, r);
	if (ku_json_parse(w.buf, w.len, &r2, err, sizeof(err)))
		abort();
	for (size_t i = 0, n; i < w.len; i += n)
		if (!(n = ku_utf8_seq(w.buf + i, w.len - i, NULL)))
			abort();
	ku_json_writer_init(&w2, 0);
	ku_json_write_value(&w2, r2);
	if (w.len != w2.len || memcmp(w.buf, w2.buf, w.len))
		abort();
	ku_json_writer_free(&w);
	ku_json_writer_free(&w2);
	ku_json_free(r);
	ku_json_free(r2);
	return 0;
}
