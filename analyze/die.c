/* SPDX-License-Identifier: MIT */
/*
 * die: the analyzer's one error printer (kprof.h). A file of its own so
 * that the arrows run one way: main.c calls the subcommands, they call
 * kan_die, which calls nobody back. Fuzz targets, which link single
 * subcommands without it, bring their own quiet one.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "kprof.h"

int kan_die(const char *fmt, ...)
{
	va_list ap;

	fputs("kprof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}
