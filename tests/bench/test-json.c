/* SPDX-License-Identifier: MIT */
/*
 * test-json: writer output (compact and pretty, escaping, numbers), parser
 * round trips, lookups, and rejection of bad input with line:column errors.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "ku.h"
#include "tap.h"

static int parse_fails(const char *text, const char *want_pos)
{
	struct ku_json *r;
	char err[200], name[64];
	int rc = ku_json_parse(text, strlen(text), &r, err, sizeof(err));

	snprintf(name, sizeof(name), "%s", text);
	for (char *c = name; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = '|';
	text = name;

	if (rc == 0) {
		ku_json_free(r);
		tap_ok(0, "rejects %s", text);
		return 0;
	}
	if (want_pos && strncmp(err, want_pos, strlen(want_pos))) {
		tap_ok(0, "rejects %s at %s", text, want_pos);
		tap_diag("  error was: %s", err);
		return 0;
	}
	tap_ok(r == NULL && err[0], "rejects '%s': %s", text, err);
	return 1;
}

int main(void)
{
	struct ku_json_writer w;
	struct ku_json *r, *r2;
	char err[200];
	const char *text;
	size_t len;

	ku_json_writer_init(&w, 0);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "s", "a\"b\\c\n\x01\xc3\xa9");
	ku_json_kv_int(&w, "i", -9223372036854775807ll - 1);
	ku_json_kv_uint(&w, "u", 18446744073709551615ull);
	ku_json_kv_double(&w, "d", 0.1);
	ku_json_kv_double(&w, "nan", 0.0 / 0.0);
	ku_json_kv_bool(&w, "t", true);
	ku_json_key(&w, "a");
	ku_json_array_begin(&w);
	ku_json_int(&w, 1);
	ku_json_null(&w);
	ku_json_object_begin(&w);
	ku_json_object_end(&w);
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	text = ku_json_writer_text(&w, &len);
	tap_is_int(ku_json_writer_error(&w), 0, "writer: no error");
	tap_is_str(text,
		   "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\",\"i\":-9223372036854775808,"
		   "\"u\":18446744073709551615,\"d\":0.1,\"nan\":null,\"t\":true,\"a\":[1,null,{}]}",
		   "writer: compact output");

	tap_is_int(ku_json_parse(text, len, &r, err, sizeof(err)), 0, "parse writer output");
	tap_is_str(ku_json_as_string(ku_json_get(r, "s"), NULL), "a\"b\\c\n\x01\xc3\xa9", "string round trip");
	tap_ok(ku_json_get(r, "i")->is_int && ku_json_get(r, "i")->integer == -9223372036854775807ll - 1,
	       "int64 min exact");
	tap_ok(ku_json_get(r, "u")->is_uint && ku_json_get(r, "u")->uinteger == 18446744073709551615ull,
	       "uint64 max exact");
	tap_ok(ku_json_as_double(ku_json_get(r, "d"), 0) == 0.1, "double round trip");
	tap_ok(!ku_json_get(r, "d")->is_int, "0.1 is not integral");
	tap_is_int(ku_json_get(r, "nan")->type, KU_JSON_NULL, "NaN written as null");
	tap_is_int(ku_json_count(ku_json_get(r, "a")), 3, "array length");
	tap_is_int(ku_json_as_int(ku_json_at(ku_json_get(r, "a"), 0), -1), 1, "array element");
	tap_ok(ku_json_at(ku_json_get(r, "a"), 3) == NULL, "out-of-range index is NULL");
	tap_ok(ku_json_get(ku_json_get(r, "missing"), "x") == NULL, "lookup chain through NULL");
	tap_is_int(ku_json_as_int(ku_json_get(r, "s"), 42), 42, "type mismatch gives default");

	/* DOM -> pretty writer -> DOM gives identical compact text */
	{
		struct ku_json_writer p, c;

		ku_json_writer_init(&p, KU_JSON_PRETTY);
		ku_json_write_value(&p, r);
		tap_ok(strchr(ku_json_writer_text(&p, NULL), '\n') != NULL, "pretty output has newlines");
		tap_is_int(ku_json_parse(p.buf, p.len, &r2, err, sizeof(err)), 0, "pretty output parses");
		ku_json_writer_init(&c, 0);
		ku_json_write_value(&c, r2);
		tap_is_str(ku_json_writer_text(&c, NULL), text, "round trip through pretty form is exact");
		ku_json_writer_free(&p);
		ku_json_writer_free(&c);
		ku_json_free(r2);
	}
	ku_json_free(r);
	ku_json_writer_free(&w);

	/* grammar misuse is sticky */
	ku_json_writer_init(&w, 0);
	ku_json_object_begin(&w);
	ku_json_int(&w, 1);
	tap_is_int(ku_json_writer_error(&w), -EINVAL, "value without key is an error");
	ku_json_writer_free(&w);
	ku_json_writer_init(&w, 0);
	ku_json_array_begin(&w);
	ku_json_object_end(&w);
	tap_is_int(ku_json_writer_error(&w), -EINVAL, "mismatched close is an error");
	ku_json_writer_free(&w);

	/* parser details */
	text = " {\"k\": \"\\ud83d\\ude00\\u00e9\\/\", \"k\": 2, \"big\": 9223372036854775807, \"e\": 1e3, \"z\": \"a\\u0000b\"} ";
	tap_is_int(ku_json_parse(text, strlen(text), &r, err, sizeof(err)), 0, "parse escapes");
	tap_is_str(ku_json_as_string(ku_json_get(r, "k"), NULL), "\xf0\x9f\x98\x80\xc3\xa9/", "surrogate pair decoded");
	tap_is_int(ku_json_count(r), 5, "duplicate keys kept");
	tap_ok(ku_json_get(r, "big")->integer == 9223372036854775807ll, "int64 max exact");
	tap_is_int(ku_json_as_int(ku_json_get(r, "e"), 0), 1000, "1e3 integral");
	tap_is_int(ku_json_get(r, "z")->len, 3, "embedded NUL kept with length");
	ku_json_free(r);
	tap_is_int(ku_json_parse("[1,2]xx", 5, &r, err, sizeof(err)), 0, "length bounds the input");
	ku_json_free(r);

	parse_fails("", "1:1:");
	parse_fails("{\"a\":1,}", "1:8:");
	parse_fails("{\"a\" 1}", "1:6:");
	parse_fails("[1,\n2,\n03]", "3:2:");
	parse_fails("[1.]", NULL);
	parse_fails("[-]", NULL);
	parse_fails("\"abc", NULL);
	parse_fails("\"a\tb\"", NULL);
	parse_fails("\"\\x\"", NULL);
	parse_fails("\"\\ud800\"", NULL);
	parse_fails("\"\\udc00\"", NULL);
	parse_fails("\"\\u12g4\"", NULL);
	parse_fails("tru", NULL);
	parse_fails("nul", NULL);
	parse_fails("[1] [2]", "1:5:");
	parse_fails("{\"a\":[1,2}", NULL);
	{
		enum { D = KU_JSON_MAX_DEPTH + 10 };
		char *deep = malloc(2 * D + 1);
		int rc;

		memset(deep, '[', D);
		memset(deep + D, ']', D);
		deep[2 * D] = '\0';
		rc = ku_json_parse(deep, 2 * D, &r, err, sizeof(err));
		tap_is_int(rc, -E2BIG, "nesting beyond the limit rejected: %s", err);
		memset(deep, '[', 100);
		memset(deep + 100, ']', 100);
		rc = ku_json_parse(deep, 200, &r, err, sizeof(err));
		tap_is_int(rc, 0, "nesting of 100 accepted");
		ku_json_free(r);
		free(deep);
	}
	/* every prefix of a valid document is either valid or rejected cleanly */
	{
		const char *doc = "{\"a\":[1,2.5e-3,\"x\\u00e9\",true,false,null,{\"b\":{}}],\"c\":-0}";
		int ok = 1;

		for (size_t n = 0; n < strlen(doc); n++) {
			if (ku_json_parse(doc, n, &r, err, sizeof(err)) == 0) {
				ok = 0;
				ku_json_free(r);
			}
		}
		tap_ok(ok, "every proper prefix rejected");
	}
	/* save: atomic file write, then parse_file reads it back */
	{
		char path[] = "/tmp/kprof-json-XXXXXX";
		int fd = mkstemp(path);

		close(fd);
		ku_json_writer_init(&w, KU_JSON_PRETTY);
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "schema", "x");
		tap_is_int(ku_json_writer_save(&w, path), -EINVAL, "save refuses an unfinished document");
		ku_json_object_end(&w);
		tap_is_int(ku_json_writer_save(&w, path), 0, "save");
		tap_is_int(ku_json_parse_file(path, &r, err, sizeof(err)), 0, "parse_file");
		tap_is_str(ku_json_as_string(ku_json_get(r, "schema"), NULL), "x", "saved content");
		ku_json_free(r);
		ku_json_writer_free(&w);
		unlink(path);
		tap_ok(ku_json_parse_file(path, &r, err, sizeof(err)) == -ENOENT && strstr(err, path),
		       "missing file: %s", err);
	}
	/* Ill-formed UTF-8 becomes U+FFFD, one per maximal subpart; what is
	   well-formed (up to 4 bytes, U+10FFFF) passes through. */
	{
		static const struct {
			const char *in, *want, *name;
		} u[] = {
			{ "caf\xc3\xa9 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"",
			  "well-formed 2-, 4-byte and U+10FFFF pass" },
			{ "a\xff" "b", "\"a\xef\xbf\xbd" "b\"", "0xFF" },
			{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "overlong C0 AF: two replacements" },
			{ "\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "overlong E0 80 AF: three" },
			{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "surrogate ED A0 80: three" },
			{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "above U+10FFFF: four" },
			{ "\xe2\x82x", "\"\xef\xbf\xbdx\"", "truncated E2 82 then x: one" },
			{ "\xf0\x9f\x98", "\"\xef\xbf\xbd\"", "truncated at the end: one" },
			{ "\x80<\n", "\"\xef\xbf\xbd<\\n\"", "lone continuation byte, then escapes" },
		};
		for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
			ku_json_writer_init(&w, 0);
			ku_json_string(&w, u[i].in);
			tap_is_str(ku_json_writer_text(&w, NULL), u[i].want, "UTF-8: %s", u[i].name);
			tap_is_int(ku_json_parse(w.buf, w.len, &r, err, sizeof(err)), 0, "UTF-8: %s parses", u[i].name);
			ku_json_free(r);
			ku_json_writer_free(&w);
		}
	}
	return tap_done();
}
