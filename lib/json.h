/* SPDX-License-Identifier: MIT */
/*
 * json: a streaming JSON writer and a DOM parser, used by the benchmark
 * drivers (result JSON), the analyzer (stats/leaks/bench JSON) and kbench.
 *
 * Writer: output accumulates in a growable buffer owned by the writer. Errors
 * are sticky: after the first failure (out of memory, or a call that breaks
 * the JSON grammar such as a value where a key is expected) every call is a
 * no-op and ku_json_writer_error() returns the negative errno. Commas, colons
 * and indentation are inserted automatically. Numbers are written the same
 * whatever the program's locale (LC_NUMERIC), with a '.' (the parser reads
 * them back the same way): the interposers write from inside programs that
 * set a locale of their own. Non-finite doubles are written as null (JSON
 * has no NaN/Inf), by every writer of the project: this is the only one.
 * Strings are written as valid UTF-8 whatever
 * bytes they hold: each ill-formed sequence becomes U+FFFD (ku_utf8_seq),
 * control characters are escaped, and the pair C0 80 (a NUL inside a name
 * as the analyzer's model keeps it, analyze/profile.h) is written \u0000.
 *
 * Parser: RFC 8259 text (UTF-8; \u escapes including surrogate pairs are
 * decoded to UTF-8; strings may contain NUL, hence the explicit length).
 * Nesting deeper than KU_JSON_MAX_DEPTH, trailing garbage, truncated input,
 * invalid escapes and control characters are errors reported as
 * "LINE:COLUMN: message" in errbuf. The parser never reads past len and needs
 * no NUL terminator. Object members keep document order; duplicate keys are
 * kept (ku_json_get returns the first).
 *
 * Error convention (as all of lib/): 0 or a negative errno.
 */
#ifndef KU_JSON_H
#define KU_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- writer ---------------------------------------------------------- */

#define KU_JSON_PRETTY 1u /* newline + two-space indentation */

#define KU_JSON_WRITER_MAX_DEPTH 64

struct ku_json_writer {
	char *buf; /* NUL-terminated output, owned by the writer */
	size_t len, cap;
	unsigned flags;
	int err;   /* sticky negative errno, 0 when fine */
	int depth; /* current nesting */
	/* per level: 'o' object, 'a' array; n = members written so far;
	   key = a key was just written and its value is pending */
	char kind[KU_JSON_WRITER_MAX_DEPTH];
	uint32_t n[KU_JSON_WRITER_MAX_DEPTH];
	bool key_pending;
	const char *brk; /* ku_json_newline: before the next key or element */
};

void ku_json_writer_init(struct ku_json_writer *w, unsigned flags);
void ku_json_writer_free(struct ku_json_writer *w);
/* 0 or the first error (-ENOMEM, -EINVAL on grammar misuse). */
int ku_json_writer_error(const struct ku_json_writer *w);
/* The text so far (never NULL after init); *len may be NULL. */
const char *ku_json_writer_text(const struct ku_json_writer *w, size_t *len);
/* Prints the document and a newline to f when the writer has no error;
   returns that error (0 or a negative errno). */
int ku_json_writer_print(const struct ku_json_writer *w, FILE *f);
/* Writes the complete document (plus a final newline) to path atomically
   (temporary file + rename). Fails with -EINVAL when containers are open. */
int ku_json_writer_save(const struct ku_json_writer *w, const char *path);

void ku_json_object_begin(struct ku_json_writer *w);
void ku_json_object_end(struct ku_json_writer *w);
void ku_json_array_begin(struct ku_json_writer *w);
void ku_json_array_end(struct ku_json_writer *w);
/* A member key inside an object; the next call must write its value. */
void ku_json_key(struct ku_json_writer *w, const char *key);
void ku_json_string(struct ku_json_writer *w, const char *s); /* NULL -> null */
void ku_json_stringn(struct ku_json_writer *w, const char *s, size_t n);
void ku_json_int(struct ku_json_writer *w, int64_t v);
void ku_json_uint(struct ku_json_writer *w, uint64_t v);
/* Shortest text that reads back as the same double (15 to 17 significant
 * digits), '.' as decimal point; null when v is not finite. */
void ku_json_double(struct ku_json_writer *w, double v);
/* A count that may be an estimate (a double): a whole number, never in
 * exponent notation below 2^63; null when v is not finite. */
void ku_json_whole(struct ku_json_writer *w, double v);
void ku_json_bool(struct ku_json_writer *w, bool v);
void ku_json_null(struct ku_json_writer *w);

/* Convenience: key + value in one call. */
void ku_json_kv_string(struct ku_json_writer *w, const char *key, const char *s);
void ku_json_kv_int(struct ku_json_writer *w, const char *key, int64_t v);
void ku_json_kv_uint(struct ku_json_writer *w, const char *key, uint64_t v);
void ku_json_kv_double(struct ku_json_writer *w, const char *key, double v);
void ku_json_kv_bool(struct ku_json_writer *w, const char *key, bool v);

/* Hand layout for compact documents read line by line: the next key or
 * array element starts on a new line (after its comma), then indent (may
 * be ""). Whitespace only, so the document means the same. */
void ku_json_newline(struct ku_json_writer *w, const char *indent);

/* The text of a double as ku_json_double writes it (buf: 32 bytes or
 * more). Returns buf, or NULL when v is not finite. */
char *ku_json_fmt_double(char *buf, size_t size, double v);

/* ---- DOM ------------------------------------------------------------- */

#define KU_JSON_MAX_DEPTH 512

enum ku_json_type {
	KU_JSON_NULL,
	KU_JSON_BOOL,
	KU_JSON_NUMBER,
	KU_JSON_STRING,
	KU_JSON_ARRAY,
	KU_JSON_OBJECT,
};

struct ku_json {
	enum ku_json_type type;
	char *key;     /* member name when the parent is an object, else NULL */
	size_t keylen;
	bool boolean;  /* KU_JSON_BOOL */
	double number; /* KU_JSON_NUMBER, always set */
	bool is_int;   /* number is integral and exactly representable as int64 */
	int64_t integer; /* exact value when is_int (parsed from the text, not
			    from the double: 2^63-1 survives) */
	bool is_uint;      /* integral and exactly representable as uint64 */
	uint64_t uinteger; /* exact value when is_uint (2^64-1 survives) */
	char *str;       /* KU_JSON_STRING, NUL-terminated */
	size_t len;      /* string length in bytes, or number of children */
	struct ku_json *kids; /* KU_JSON_ARRAY / KU_JSON_OBJECT children */
};

/* Parses text[0..len). On success *root owns the whole tree (free it with
   ku_json_free). On failure returns -EINVAL (syntax), -ENOMEM or -E2BIG
   (too deep), sets *root = NULL and writes "LINE:COL: message" into errbuf
   (if errbuf is non-NULL and errlen > 0). */
int ku_json_parse(const char *text, size_t len, struct ku_json **root, char *errbuf,
		  size_t errlen);
/* Reads and parses a file; errbuf gets "PATH:LINE:COL: message" or
   "PATH: strerror". */
int ku_json_parse_file(const char *path, struct ku_json **root, char *errbuf, size_t errlen);
void ku_json_free(struct ku_json *root);

/* Lookups; all accept NULL and return NULL / the default on a type
   mismatch, so chains like ku_json_get(ku_json_get(r, "a"), "b") are safe. */
const struct ku_json *ku_json_get(const struct ku_json *obj, const char *key);
const struct ku_json *ku_json_at(const struct ku_json *arr, size_t i);
/* Number of children of an array/object, 0 for anything else. */
size_t ku_json_count(const struct ku_json *v);
const char *ku_json_as_string(const struct ku_json *v, const char *def);
double ku_json_as_double(const struct ku_json *v, double def);
int64_t ku_json_as_int(const struct ku_json *v, int64_t def);
bool ku_json_as_bool(const struct ku_json *v, bool def);

/* Writes a parsed value (and its subtree) through a writer: round trips. */
void ku_json_write_value(struct ku_json_writer *w, const struct ku_json *v);

#endif
