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

#include "escape.h"
#include "kprof.h"

/* The message is one line whatever the file names and values in it hold
 * (escape.h, KAN_ESC_MESSAGE). */
int kan_die(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("kprof: ", stderr);
	kan_escape(stderr, buf, KAN_ESC_MESSAGE);
	fputc('\n', stderr);
	return 2;
}
