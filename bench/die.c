/* SPDX-License-Identifier: MIT */
/* die: "PROG: message", cleanup, exit 2 (see die.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "die.h"

static const char *prog = "kprof-bench";
static void (*cleanup)(void);

void kb_die_init(const char *name, void (*fn)(void))
{
	prog = name;
	cleanup = fn;
}

const char *kb_prog(void)
{
	return prog;
}

void kb_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cleanup)
		cleanup();
	exit(2);
}
