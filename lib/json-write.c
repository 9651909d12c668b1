/* SPDX-License-Identifier: MIT */
/*
 * json-write: the streaming JSON writer (contract in json.h), the one
 * every part of the project writes JSON with, the interposers included:
 * UTF-8 whatever bytes a string holds, numbers the same in every locale,
 * null for what is not a finite number. The parser is json-parse.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "ku.h"

/* ---- writer ---------------------------------------------------------- */

void ku_json_writer_init(struct ku_json_writer *w, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	w->flags = flags;
	w->buf = malloc(256);
	if (!w->buf) {
		w->err = -ENOMEM;
		w->buf = (char *)"";
		return;
	}
	w->cap = 256;
	w->buf[0] = '\0';
}

void ku_json_writer_free(struct ku_json_writer *w)
{
	if (w->cap)
		free(w->buf);
	w->buf = NULL;
	w->cap = w->len = 0;
}

int ku_json_writer_error(const struct ku_json_writer *w)
{
	return w->err;
}

const char *ku_json_writer_text(const struct ku_json_writer *w, size_t *len)
{
	if (len)
		*len = w->len;
	return w->buf ? w->buf : "";
}

int ku_json_writer_print(const struct ku_json_writer *w, FILE *f)
{
	if (w->err)
		return w->err;
	fwrite(w->buf, 1, w->len, f);
	fputc('\n', f);
	return 0;
}

static void jw__put(struct ku_json_writer *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap;
		char *nb;

		while (w->len + n + 1 > cap)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->err = -ENOMEM;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void jw__puts(struct ku_json_writer *w, const char *s)
{
	jw__put(w, s, strlen(s));
}

static void jw__indent(struct ku_json_writer *w, int depth)
{
	if (w->brk) {
		jw__put(w, "\n", 1);
		jw__puts(w, w->brk);
		w->brk = NULL;
		return;
	}
	if (!(w->flags & KU_JSON_PRETTY))
		return;
	jw__put(w, "\n", 1);
	for (int i = 0; i < depth; i++)
		jw__put(w, "  ", 2);
}

/* Called before every value: separators, and the grammar check. */
static void jw__before_value(struct ku_json_writer *w)
{
	if (w->err)
		return;
	if (w->depth == 0) {
		if (w->n[0]++ > 0)
			w->err = -EINVAL;
		return;
	}
	if (w->kind[w->depth] == 'o') {
		if (!w->key_pending)
			w->err = -EINVAL;
		w->key_pending = false;
		return;
	}
	if (w->n[w->depth]++ > 0)
		jw__put(w, ",", 1);
	jw__indent(w, w->depth);
}

static void jw__open(struct ku_json_writer *w, char kind)
{
	jw__before_value(w);
	if (w->err)
		return;
	if (w->depth + 1 >= KU_JSON_WRITER_MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	w->depth++;
	w->kind[w->depth] = kind;
	w->n[w->depth] = 0;
	jw__put(w, kind == 'o' ? "{" : "[", 1);
}

static void jw__close(struct ku_json_writer *w, char kind)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->kind[w->depth] != kind || w->key_pending) {
		w->err = -EINVAL;
		return;
	}
	if (w->n[w->depth])
		jw__indent(w, w->depth - 1);
	w->depth--;
	jw__put(w, kind == 'o' ? "}" : "]", 1);
}

void ku_json_object_begin(struct ku_json_writer *w) { jw__open(w, 'o'); }
void ku_json_object_end(struct ku_json_writer *w) { jw__close(w, 'o'); }
void ku_json_array_begin(struct ku_json_writer *w) { jw__open(w, 'a'); }
void ku_json_array_end(struct ku_json_writer *w) { jw__close(w, 'a'); }

static void jw__quoted(struct ku_json_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	jw__put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		const char *e = NULL;

		if (c >= 0x80) {
			/* JSON text is UTF-8 (RFC 8259 8.1): a name read from a
			   binary can be any bytes, so each ill-formed sequence
			   becomes one U+FFFD and the document stays valid */
			size_t bad, len;

			if (c == 0xC0 && i + 1 < n && (unsigned char)s[i + 1] == 0x80) {
				/* NUL inside a name, as the analyzer's model keeps
				   it (C0 80, modified UTF-8): JSON can say it */
				jw__put(w, s + run, i - run);
				jw__puts(w, "\\u0000");
				i++;
				run = i + 1;
				continue;
			}
			len = ku_utf8_seq(s + i, n - i, &bad);
			if (len) {
				i += len - 1;
				continue;
			}
			jw__put(w, s + run, i - run);
			jw__puts(w, KU_UTF8_REPLACEMENT);
			i += bad - 1;
			run = i + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw__put(w, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esc[6] = '\0';
			e = esc;
		}
		jw__puts(w, e);
	}
	jw__put(w, s + run, n - run);
	jw__put(w, "\"", 1);
}

void ku_json_key(struct ku_json_writer *w, const char *key)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->kind[w->depth] != 'o' || w->key_pending || !key) {
		w->err = -EINVAL;
		return;
	}
	if (w->n[w->depth]++ > 0)
		jw__put(w, ",", 1);
	jw__indent(w, w->depth);
	jw__quoted(w, key, strlen(key));
	jw__puts(w, (w->flags & KU_JSON_PRETTY) ? ": " : ":");
	w->key_pending = true;
}

void ku_json_stringn(struct ku_json_writer *w, const char *s, size_t n)
{
	jw__before_value(w);
	jw__quoted(w, s, n);
}

void ku_json_string(struct ku_json_writer *w, const char *s)
{
	if (!s) {
		ku_json_null(w);
		return;
	}
	ku_json_stringn(w, s, strlen(s));
}

void ku_json_int(struct ku_json_writer *w, int64_t v)
{
	char b[32];

	jw__before_value(w);
	snprintf(b, sizeof(b), "%" PRId64, v);
	jw__puts(w, b);
}

void ku_json_uint(struct ku_json_writer *w, uint64_t v)
{
	char b[32];

	jw__before_value(w);
	snprintf(b, sizeof(b), "%" PRIu64, v);
	jw__puts(w, b);
}

void ku_json_newline(struct ku_json_writer *w, const char *indent)
{
	if (!(w->flags & KU_JSON_PRETTY))
		w->brk = indent ? indent : "";
}


char *ku_json_fmt_double(char *buf, size_t size, double v)
{
	const char *dp;
	char *q;
	int prec;

	if (!isfinite(v))
		return NULL;
	/* printf and strtod agree on the locale, so the round trip is
	 * checked before the decimal point is made a '.' */
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, size, "%.17g", v);
	if ((dp = ku_decimal_point()) != NULL && (q = strstr(buf, dp)) != NULL) {
		size_t dl = strlen(dp);

		*q = '.';
		memmove(q + 1, q + dl, strlen(q + dl) + 1);
	}
	return buf;
}

void ku_json_double(struct ku_json_writer *w, double v)
{
	char b[48];

	if (!ku_json_fmt_double(b, sizeof(b), v)) {
		ku_json_null(w);
		return;
	}
	jw__before_value(w);
	jw__puts(w, b);
}

void ku_json_whole(struct ku_json_writer *w, double v)
{
	char b[32];

	if (!isfinite(v) || (v < 0 ? -v : v) >= 0x1.0p63) {
		ku_json_double(w, v);
		return;
	}
	jw__before_value(w);
	snprintf(b, sizeof(b), "%.0f", v); /* no decimal point: the same in every locale */
	jw__puts(w, b);
}

void ku_json_bool(struct ku_json_writer *w, bool v)
{
	jw__before_value(w);
	jw__puts(w, v ? "true" : "false");
}

void ku_json_null(struct ku_json_writer *w)
{
	jw__before_value(w);
	jw__puts(w, "null");
}

void ku_json_kv_string(struct ku_json_writer *w, const char *key, const char *s)
{
	ku_json_key(w, key);
	ku_json_string(w, s);
}

void ku_json_kv_int(struct ku_json_writer *w, const char *key, int64_t v)
{
	ku_json_key(w, key);
	ku_json_int(w, v);
}

void ku_json_kv_uint(struct ku_json_writer *w, const char *key, uint64_t v)
{
	ku_json_key(w, key);
	ku_json_uint(w, v);
}

void ku_json_kv_double(struct ku_json_writer *w, const char *key, double v)
{
	ku_json_key(w, key);
	ku_json_double(w, v);
}

void ku_json_kv_bool(struct ku_json_writer *w, const char *key, bool v)
{
	ku_json_key(w, key);
	ku_json_bool(w, v);
}

int ku_json_writer_save(const struct ku_json_writer *w, const char *path)
{
	size_t plen = strlen(path);
	char *tmp;
	int fd, rc = 0;
	size_t off = 0;

	if (w->err)
		return w->err;
	if (w->depth != 0 || w->n[0] == 0)
		return -EINVAL;
	tmp = malloc(plen + 16);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, plen + 16, "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	while (off < w->len + 1) {
		/* the text, then a newline instead of the NUL */
		const char *p = off < w->len ? w->buf + off : "\n";
		size_t n = off < w->len ? w->len - off : 1;
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)k;
	}
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

void ku_json_write_value(struct ku_json_writer *w, const struct ku_json *v)
{
	if (!v) {
		ku_json_null(w);
		return;
	}
	switch (v->type) {
	case KU_JSON_NULL: ku_json_null(w); break;
	case KU_JSON_BOOL: ku_json_bool(w, v->boolean); break;
	case KU_JSON_NUMBER:
		if (v->is_int)
			ku_json_int(w, v->integer);
		else if (v->is_uint)
			ku_json_uint(w, v->uinteger);
		else
			ku_json_double(w, v->number);
		break;
	case KU_JSON_STRING: ku_json_stringn(w, v->str, v->len); break;
	case KU_JSON_ARRAY:
		ku_json_array_begin(w);
		for (size_t i = 0; i < v->len; i++)
			ku_json_write_value(w, &v->kids[i]);
		ku_json_array_end(w);
		break;
	case KU_JSON_OBJECT:
		ku_json_object_begin(w);
		for (size_t i = 0; i < v->len; i++) {
			/* keys may hold NUL: write them the long way */
			if (!w->err && (w->depth == 0 || w->kind[w->depth] != 'o' || w->key_pending)) {
				w->err = -EINVAL;
				return;
			}
			if (w->n[w->depth]++ > 0)
				jw__put(w, ",", 1);
			jw__indent(w, w->depth);
			jw__quoted(w, v->kids[i].key, v->kids[i].keylen);
			jw__puts(w, (w->flags & KU_JSON_PRETTY) ? ": " : ":");
			w->key_pending = true;
			ku_json_write_value(w, &v->kids[i]);
		}
		ku_json_object_end(w);
		break;
	}
}
