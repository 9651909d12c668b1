/* SPDX-License-Identifier: MIT */
/*
 * kprof-clients: runs `kprof clients` (analyze/clients.c) on its own, so
 * the tests exercise the table whether or not the kprof dispatcher lists
 * the subcommand.
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

int main(int argc, char **argv)
{
	return kan_cmd_clients(argc, argv);
}
