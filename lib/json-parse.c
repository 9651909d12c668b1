/* SPDX-License-Identifier: MIT */
/*
 * json-parse: the recursive-descent DOM parser and the accessors of its
 * tree (contract in json.h). Written for hostile input: every read is
 * bounds checked against the given length, recursion is capped at
 * KU_JSON_MAX_DEPTH, sizes are checked for overflow, and on any error the
 * partial tree is freed. Numbers are read the same in every locale. The
 * writer is json-write.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "ku.h"

/* ---- parser ---------------------------------------------------------- */

struct jp {
	const char *s;
	size_t len, pos;
	char *errbuf;
	size_t errlen;
	int err;
};

static void jp__fail(struct jp *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void jp__fail(struct jp *p, int err, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	char msg[160];
	va_list ap;

	if (p->err)
		return;
	p->err = err;
	if (!p->errbuf || !p->errlen)
		return;
	for (size_t i = 0; i < p->pos && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->errbuf, p->errlen, "%u:%u: %s", line, col, msg);
}

static void jp__ws(struct jp *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static const char *jp__what(struct jp *p)
{
	return p->pos >= p->len ? "unexpected end of input" : "unexpected character";
}

static int jp__hex4(struct jp *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4) {
		jp__fail(p, -EINVAL, "truncated \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else {
			p->pos--;
			jp__fail(p, -EINVAL, "bad hex digit in \\u escape");
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* Parses a string at p->pos (which is at the opening quote). */
static char *jp__string(struct jp *p, size_t *outlen)
{
	size_t cap = 16, n = 0;
	char *out = malloc(cap);

	if (!out) {
		jp__fail(p, -ENOMEM, "out of memory");
		return NULL;
	}
	p->pos++; /* opening quote */
	for (;;) {
		unsigned char c;
		char enc[4];
		size_t k = 0;

		if (p->pos >= p->len) {
			jp__fail(p, -EINVAL, "unterminated string");
			goto fail;
		}
		c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			jp__fail(p, -EINVAL, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			enc[k++] = (char)c;
			p->pos++;
		} else {
			unsigned cp;

			if (++p->pos >= p->len) {
				jp__fail(p, -EINVAL, "unterminated escape");
				goto fail;
			}
			c = (unsigned char)p->s[p->pos++];
			switch (c) {
			case '"': enc[k++] = '"'; break;
			case '\\': enc[k++] = '\\'; break;
			case '/': enc[k++] = '/'; break;
			case 'b': enc[k++] = '\b'; break;
			case 'f': enc[k++] = '\f'; break;
			case 'n': enc[k++] = '\n'; break;
			case 'r': enc[k++] = '\r'; break;
			case 't': enc[k++] = '\t'; break;
			case 'u':
				if (jp__hex4(p, &cp))
					goto fail;
				if (cp >= 0xDC00 && cp <= 0xDFFF) {
					jp__fail(p, -EINVAL, "lone low surrogate in \\u escape");
					goto fail;
				}
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					unsigned lo;

					if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
						jp__fail(p, -EINVAL, "high surrogate without low surrogate");
						goto fail;
					}
					p->pos += 2;
					if (jp__hex4(p, &lo))
						goto fail;
					if (lo < 0xDC00 || lo > 0xDFFF) {
						jp__fail(p, -EINVAL, "high surrogate without low surrogate");
						goto fail;
					}
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				}
				if (cp < 0x80) {
					enc[k++] = (char)cp;
				} else if (cp < 0x800) {
					enc[k++] = (char)(0xC0 | (cp >> 6));
					enc[k++] = (char)(0x80 | (cp & 0x3F));
				} else if (cp < 0x10000) {
					enc[k++] = (char)(0xE0 | (cp >> 12));
					enc[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
					enc[k++] = (char)(0x80 | (cp & 0x3F));
				} else {
					enc[k++] = (char)(0xF0 | (cp >> 18));
					enc[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
					enc[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
					enc[k++] = (char)(0x80 | (cp & 0x3F));
				}
				break;
			default:
				p->pos--;
				jp__fail(p, -EINVAL, "invalid escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
				goto fail;
			}
		}
		if (n + k + 1 > cap) {
			char *nb;

			cap *= 2;
			nb = realloc(out, cap);
			if (!nb) {
				jp__fail(p, -ENOMEM, "out of memory");
				goto fail;
			}
			out = nb;
		}
		memcpy(out + n, enc, k);
		n += k;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
fail:
	free(out);
	return NULL;
}

static void jp__free_value(struct ku_json *v)
{
	free(v->key);
	free(v->str);
	for (size_t i = 0; i < (v->type >= KU_JSON_ARRAY ? v->len : 0); i++)
		jp__free_value(&v->kids[i]);
	free(v->kids);
}

static int jp__is_digit(struct jp *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

/* strtod of a JSON number (n bytes in buf, NUL-terminated) whatever the
 * locale: its '.' becomes the locale's decimal point first. */
static double jp__strtod(char *buf, size_t n)
{
	const char *dp = ku_decimal_point();
	char *dot, small[96], *tmp = small;
	size_t dl, at;
	double d;

	if (!dp || !(dot = memchr(buf, '.', n)))
		return strtod(buf, NULL);
	dl = strlen(dp);
	at = (size_t)(dot - buf);
	if (n + dl >= sizeof(small) && !(tmp = malloc(n + dl)))
		return strtod(buf, NULL); /* out of memory: the locale's reading */
	memcpy(tmp, buf, at);
	memcpy(tmp + at, dp, dl);
	memcpy(tmp + at + dl, dot + 1, n - at); /* the rest and the NUL */
	d = strtod(tmp, NULL);
	if (tmp != small)
		free(tmp);
	return d;
}

static void jp__number(struct jp *p, struct ku_json *v)
{
	size_t start = p->pos;
	bool integral = true;
	char small[64], *buf = small;
	size_t n;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (!jp__is_digit(p)) {
		jp__fail(p, -EINVAL, "bad number: digit expected");
		return;
	}
	if (p->s[p->pos] == '0') {
		p->pos++;
		if (jp__is_digit(p)) {
			jp__fail(p, -EINVAL, "bad number: leading zero");
			return;
		}
	} else {
		while (jp__is_digit(p))
			p->pos++;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		integral = false;
		p->pos++;
		if (!jp__is_digit(p)) {
			jp__fail(p, -EINVAL, "bad number: digit expected after '.'");
			return;
		}
		while (jp__is_digit(p))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		integral = false;
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!jp__is_digit(p)) {
			jp__fail(p, -EINVAL, "bad number: digit expected in exponent");
			return;
		}
		while (jp__is_digit(p))
			p->pos++;
	}
	n = p->pos - start;
	if (n >= sizeof(small)) {
		buf = malloc(n + 1);
		if (!buf) {
			jp__fail(p, -ENOMEM, "out of memory");
			return;
		}
	}
	memcpy(buf, p->s + start, n);
	buf[n] = '\0';
	v->type = KU_JSON_NUMBER;
	v->number = jp__strtod(buf, n);
	if (integral) {
		long long ll;

		errno = 0;
		ll = strtoll(buf, NULL, 10);
		if (errno == 0) {
			v->is_int = true;
			v->integer = ll;
		}
		if (buf[0] != '-') {
			unsigned long long ull;

			errno = 0;
			ull = strtoull(buf, NULL, 10);
			if (errno == 0) {
				v->is_uint = true;
				v->uinteger = ull;
			}
		}
	} else if (v->number == (double)(int64_t)v->number && v->number > -9007199254740992.0 &&
		   v->number < 9007199254740992.0) {
		v->is_int = true;
		v->integer = (int64_t)v->number;
		if (v->integer >= 0) {
			v->is_uint = true;
			v->uinteger = (uint64_t)v->integer;
		}
	}
	if (buf != small)
		free(buf);
}

static int jp__literal(struct jp *p, const char *lit)
{
	size_t n = strlen(lit);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n)) {
		jp__fail(p, -EINVAL, "invalid literal (expected %s)", lit);
		return -1;
	}
	p->pos += n;
	return 0;
}

static void jp__value(struct jp *p, struct ku_json *v, int depth);

static void jp__container(struct jp *p, struct ku_json *v, int depth, bool object)
{
	size_t cap = 0;
	char close = object ? '}' : ']';

	v->type = object ? KU_JSON_OBJECT : KU_JSON_ARRAY;
	if (depth >= KU_JSON_MAX_DEPTH) {
		jp__fail(p, -E2BIG, "nesting deeper than %d", KU_JSON_MAX_DEPTH);
		return;
	}
	p->pos++;
	jp__ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return;
	}
	for (;;) {
		struct ku_json kid;

		memset(&kid, 0, sizeof(kid));
		jp__ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				jp__fail(p, -EINVAL, "%s: object key expected", jp__what(p));
				return;
			}
			kid.key = jp__string(p, &kid.keylen);
			if (!kid.key)
				return;
			jp__ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				jp__fail(p, -EINVAL, "%s: ':' expected", jp__what(p));
				free(kid.key);
				return;
			}
			p->pos++;
		}
		jp__value(p, &kid, depth + 1);
		if (v->len == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct ku_json *nk = ncap < SIZE_MAX / sizeof(*nk) ? realloc(v->kids, ncap * sizeof(*nk)) : NULL;

			if (!nk) {
				jp__fail(p, -ENOMEM, "out of memory");
				jp__free_value(&kid);
				return;
			}
			v->kids = nk;
			cap = ncap;
		}
		v->kids[v->len++] = kid; /* owned by v from here, freed with it */
		if (p->err)
			return;
		jp__ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return;
		}
		jp__fail(p, -EINVAL, "%s: ',' or '%c' expected", jp__what(p), close);
		return;
	}
}

static void jp__value(struct jp *p, struct ku_json *v, int depth)
{
	char c;

	jp__ws(p);
	if (p->pos >= p->len) {
		jp__fail(p, -EINVAL, "unexpected end of input: value expected");
		return;
	}
	c = p->s[p->pos];
	switch (c) {
	case '{':
		jp__container(p, v, depth, true);
		break;
	case '[':
		jp__container(p, v, depth, false);
		break;
	case '"':
		v->type = KU_JSON_STRING;
		v->str = jp__string(p, &v->len);
		if (!v->str)
			v->len = 0;
		break;
	case 't':
		if (!jp__literal(p, "true")) {
			v->type = KU_JSON_BOOL;
			v->boolean = true;
		}
		break;
	case 'f':
		if (!jp__literal(p, "false"))
			v->type = KU_JSON_BOOL;
		break;
	case 'n':
		if (!jp__literal(p, "null"))
			v->type = KU_JSON_NULL;
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			jp__number(p, v);
		else
			jp__fail(p, -EINVAL, "unexpected character: value expected");
	}
}

int ku_json_parse(const char *text, size_t len, struct ku_json **root, char *errbuf, size_t errlen)
{
	struct jp p = { .s = text, .len = len, .errbuf = errbuf, .errlen = errlen };
	struct ku_json *v;

	*root = NULL;
	if (errbuf && errlen)
		errbuf[0] = '\0';
	v = calloc(1, sizeof(*v));
	if (!v) {
		jp__fail(&p, -ENOMEM, "out of memory");
		return p.err;
	}
	jp__value(&p, v, 0);
	if (!p.err) {
		jp__ws(&p);
		if (p.pos < p.len)
			jp__fail(&p, -EINVAL, "trailing characters after the document");
	}
	if (p.err) {
		jp__free_value(v);
		free(v);
		return p.err;
	}
	*root = v;
	return 0;
}

int ku_json_parse_file(const char *path, struct ku_json **root, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, err[200];
	size_t n = 0, cap = 0;
	int rc;

	*root = NULL;
	if (!f) {
		rc = -errno;
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		size_t k;

		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: read error", path);
		fclose(f);
		free(buf);
		return rc;
	}
	fclose(f);
	rc = ku_json_parse(buf, n, root, err, sizeof(err));
	if (rc && errbuf && errlen)
		snprintf(errbuf, errlen, "%s:%s", path, err);
	free(buf);
	return rc;
}

void ku_json_free(struct ku_json *root)
{
	if (!root)
		return;
	jp__free_value(root);
	free(root);
}

const struct ku_json *ku_json_get(const struct ku_json *obj, const char *key)
{
	size_t n;

	if (!obj || obj->type != KU_JSON_OBJECT || !key)
		return NULL;
	n = strlen(key);
	for (size_t i = 0; i < obj->len; i++)
		if (obj->kids[i].keylen == n && !memcmp(obj->kids[i].key, key, n))
			return &obj->kids[i];
	return NULL;
}

const struct ku_json *ku_json_at(const struct ku_json *arr, size_t i)
{
	if (!arr || (arr->type != KU_JSON_ARRAY && arr->type != KU_JSON_OBJECT) || i >= arr->len)
		return NULL;
	return &arr->kids[i];
}

size_t ku_json_count(const struct ku_json *v)
{
	return v && (v->type == KU_JSON_ARRAY || v->type == KU_JSON_OBJECT) ? v->len : 0;
}

const char *ku_json_as_string(const struct ku_json *v, const char *def)
{
	return v && v->type == KU_JSON_STRING ? v->str : def;
}

double ku_json_as_double(const struct ku_json *v, double def)
{
	return v && v->type == KU_JSON_NUMBER ? v->number : def;
}

int64_t ku_json_as_int(const struct ku_json *v, int64_t def)
{
	return v && v->type == KU_JSON_NUMBER && v->is_int ? v->integer : def;
}

bool ku_json_as_bool(const struct ku_json *v, bool def)
{
	return v && v->type == KU_JSON_BOOL ? v->boolean : def;
}
