/* SPDX-License-Identifier: MIT */
/* escape: one escaper for every text format the analyzer writes (see escape.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "escape.h"
#include "ku.h"

/* Where a folded-stack name's trailing " <digits>" starts (its space), or
 * (size_t)-1: flamegraph.pl would read the digits as the count column. */
static size_t count_like_tail(const char *s, size_t n)
{
	size_t tail = n;

	while (tail > 0 && isdigit((unsigned char)s[tail - 1]))
		tail--;
	return (tail < n && tail > 0 && s[tail - 1] == ' ') ? tail - 1 : (size_t)-1;
}

static size_t ascii(FILE *f, unsigned char c, enum kan_esc mode)
{
	static const char hex[] = "0123456789abcdef";

	switch (mode) {
	case KAN_ESC_TEXT:
	case KAN_ESC_MESSAGE:
		if (c == '\\' && mode == KAN_ESC_TEXT)
			return fputs("\\\\", f), 2;
		if (c == '\n')
			return fputs("\\n", f), 2;
		if (c == '\t')
			return fputs("\\t", f), 2;
		if (c == '\r')
			return fputs("\\r", f), 2;
		if (c == 0)
			return fputs("\\0", f), 2;
		if (c < 0x20 || c == 0x7f)
			return fprintf(f, "\\x%c%c", hex[c >> 4], hex[c & 15]), 4;
		break;
	case KAN_ESC_FOLDED:
		if (c == ';')
			c = ':';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		break;
	case KAN_ESC_XML_TEXT:
	case KAN_ESC_XML_ATTR: {
		int attr = mode == KAN_ESC_XML_ATTR;
		switch (c) {
		case '&': return fputs("&amp;", f), 1;
		case '<': return fputs("&lt;", f), 1;
		case '>': return fputs("&gt;", f), 1;
		case '"': return fputs(attr ? "&quot;" : "\"", f), 1;
		case '\'': return fputs(attr ? "&apos;" : "'", f), 1;
		case '\n': return fputs(attr ? "&#10;" : "\n", f), 1;
		case '\t': return fputs(attr ? "&#9;" : "\t", f), 1;
		case '\r': return fputs("&#13;", f), 1;
		default:
			if (c < 0x20)
				return fputs(KU_UTF8_REPLACEMENT, f), 1;
		}
		break;
	}
	case KAN_ESC_GH_DATA:
	case KAN_ESC_GH_PROP:
		if (c == '%')
			return fputs("%25", f), 3;
		if (c == '\r')
			return fputs("%0D", f), 3;
		if (c == '\n')
			return fputs("%0A", f), 3;
		if (mode == KAN_ESC_GH_PROP && c == ':')
			return fputs("%3A", f), 3;
		if (mode == KAN_ESC_GH_PROP && c == ',')
			return fputs("%2C", f), 3;
		break;
	}
	putc(c, f);
	return 1;
}

size_t kan_escape(FILE *f, const char *s, enum kan_esc mode)
{
	size_t n = s ? strlen(s) : 0, out = 0;
	size_t fix = mode == KAN_ESC_FOLDED ? count_like_tail(s, n) : (size_t)-1;

	if (mode == KAN_ESC_FOLDED && n == 0)
		return fputs("[unknown]", f), 9;
	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t bad = 1, len;

		if (u[0] < 0x80) {
			out += i == fix ? (putc('_', f), 1) : ascii(f, u[0], mode);
			i++;
			continue;
		}
		if (u[0] == 0xC0 && i + 1 < n && u[1] == 0x80) {
			/* NUL inside a name, as the model keeps it (profile.h) */
			out += ascii(f, 0, mode);
			i += 2;
			continue;
		}
		len = ku_utf8_seq(s + i, n - i, &bad);
		if (!len) {
			if (mode == KAN_ESC_TEXT || mode == KAN_ESC_MESSAGE) {
				for (size_t k = 0; k < bad; k++)
					fprintf(f, "\\x%02x", u[k]);
				out += 4 * bad;
			} else {
				fputs(KU_UTF8_REPLACEMENT, f);
				out++;
			}
			i += bad;
			continue;
		}
		if ((mode == KAN_ESC_TEXT || mode == KAN_ESC_MESSAGE) && len == 2 && u[0] == 0xC2 && u[1] < 0xA0) {
			fprintf(f, "\\u%04x", u[1]); /* C1 control */
			out += 6;
		} else if ((mode == KAN_ESC_XML_TEXT || mode == KAN_ESC_XML_ATTR) && len == 3 && u[0] == 0xEF &&
			   u[1] == 0xBF && u[2] >= 0xBE) {
			fputs(KU_UTF8_REPLACEMENT, f); /* U+FFFE, U+FFFF: not XML characters */
			out++;
		} else {
			fwrite(s + i, 1, len, f);
			out++;
		}
		i += len;
	}
	return out;
}

int kan_text_clean(const char *s)
{
	for (size_t i = 0, n = strlen(s); i < n;) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t len;

		if (u[0] < 0x80) {
			if (u[0] < 0x20 || u[0] == 0x7f || u[0] == '\\')
				return 0;
			i++;
			continue;
		}
		len = ku_utf8_seq(s + i, n - i, NULL);
		if (!len || (len == 2 && u[0] == 0xC2 && u[1] < 0xA0))
			return 0;
		i += len;
	}
	return 1;
}
