/* SPDX-License-Identifier: MIT */
/*
 * fuzz-leaks: libFuzzer target for the leak-report reader and the CI
 * writers: any bytes through the JSON parser and kan_leaks_from_json,
 * then SARIF, JUnit XML and GitHub commands. Beyond "no crash, no leak":
 * the SARIF is valid UTF-8 and parses back as JSON; the JUnit XML is
 * valid UTF-8 without characters XML forbids, and its '<' and '&' are only
 * the writer's own markup and entity references; the GitHub output has
 * exactly one command line per finding (no name can inject one).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "json.h"
#include "kprof.h"
#include "ku.h"
#include "leaks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The analyzer's error printer (analyze/die.c), quiet: errors are expected here. */
int kan_die(const char *fmt, ...)
{
	(void)fmt;
	return 2;
}

static void check_utf8(const char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = ku_utf8_seq(s + i, n - i, NULL)))
			abort();
}

static int starts(const char *s, const char *end, const char *const *set)
{
	for (size_t i = 0; set[i]; i++) {
		size_t l = strlen(set[i]);

		if ((size_t)(end - s) >= l && !memcmp(s, set[i], l))
			return 1;
	}
	return 0;
}

static void check_xml(const char *s, size_t n)
{
	static const char *const tags[] = { "<?xml ", "<testsuites ", "</testsuites>", "<testsuite ",
					    "</testsuite>", "<properties>", "</properties>", "<property ",
					    "<testcase ", "</testcase>", "<failure ", "</failure>", "<skipped ", NULL };
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#10;", "&#9;", "&#13;", NULL };
	const char *end = s + n;

	check_utf8(s, n);
	for (const char *p = s; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			abort();
		if (c == '<' && !starts(p, end, tags))
			abort();
		if (c == '&' && !starts(p, end, ents))
			abort();
	}
}

static char *run(int format, const struct kan_leak_report *r, const struct kan_srcroots *roots, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);
	const struct kan_leak_report *rp[1] = { r };

	if (!m)
		return NULL;
	if (kan_leaks_write_ci(m, format, rp, 1, roots))
		abort();
	if (fclose(m))
		return NULL;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ku_json *root;
	struct kan_leak_report r;
	struct kan_srcroots roots = { 0 };
	char err[128], *out;
	size_t len, lines = 0, want;

	if (ku_json_parse((const char *)data, size, &root, err, sizeof(err)))
		return 0;
	memset(&r, 0, sizeof(r));
	r.source = "fuzz.leaks.json";
	if (kan_leaks_from_json(r.source, root, &r) || kan_leaks_finish(&r))
		goto out;
	if (kan_srcroots_add(&roots, "/src"))
		goto out;
	if ((out = run(KAN_CI_SARIF, &r, &roots, &len))) {
		struct ku_json *back;

		check_utf8(out, len);
		if (ku_json_parse(out, len, &back, err, sizeof(err)))
			abort();
		ku_json_free(back);
		free(out);
	}
	if ((out = run(KAN_CI_JUNIT, &r, &roots, &len))) {
		check_xml(out, len);
		free(out);
	}
	if ((out = run(KAN_CI_GITHUB, &r, &roots, &len))) {
		check_utf8(out, len);
		for (size_t i = 0; i < len; i++) {
			if (out[i] == '\r')
				abort();
			if (out[i] == '\n')
				lines++;
			if ((i == 0 || out[i - 1] == '\n') && strncmp(out + i, "::error ", 8) &&
			    strncmp(out + i, "::warning ", 10))
				abort();
		}
		want = r.nleaks + !r.checked;
		if (lines != want)
			abort();
		free(out);
	}
out:
	kan_srcroots_free(&roots);
	kan_leak_report_free(&r);
	ku_json_free(root);
	return 0;
}
