/* SPDX-License-Identifier: MIT */
/*
 * tap.h: a tiny TAP producer for tests/ (header-only). Every check prints
 * "ok N - name" or "not ok N - name" plus a diagnostic with the expected
 * and actual values; tap_done() prints the plan and returns the exit code.
 */
#ifndef KPROF_TAP_H
#define KPROF_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap__n, tap__failed;

static inline int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap__n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap__failed++;
	return cond;
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static inline void tap_skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap__n, why);
	fflush(stdout);
}

#define tap_is_int(got, want, ...)                                                    \
	do {                                                                          \
		long long tap__g = (long long)(got), tap__w = (long long)(want);      \
		if (!tap_ok(tap__g == tap__w, __VA_ARGS__))                           \
			tap_diag("  got %lld, expected %lld", tap__g, tap__w);        \
	} while (0)

#define tap_is_str(got, want, ...)                                                    \
	do {                                                                          \
		const char *tap__g = (got), *tap__w = (want);                         \
		if (!tap_ok(tap__g && tap__w && !strcmp(tap__g, tap__w), __VA_ARGS__)) \
			tap_diag("  got '%s', expected '%s'", tap__g ? tap__g : "(null)", \
				 tap__w ? tap__w : "(null)");                         \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap__n);
	return tap__failed ? 1 : 0;
}

#endif
