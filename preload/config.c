/* SPDX-License-Identifier: MIT */
/*
 * config: libkalloc's KALLOC_* variables, read once at initialisation
 * (libkalloc(7) documents them), and the KALLOC_OUT_OWNER entry that
 * keeps the programs this one executes from writing over its files.
 * Runs with the thread's guard set: nothing here is tracked.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kalloc-internal.h"
#include "ku.h"
#include "signame.h"

static int kalloc__parse_long(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}


void kalloc__config_read(void)
{
	struct kalloc__config *c = &kalloc__cfg;
	const char *v;
	long long n;

	c->mode = KALLOC_MODE_FULL;
	ku_unwind_parse("auto", &c->unwind);
	c->depth = 64;
	c->sample_bytes = 524288;
	c->leak_exitcode = -1;
	c->quiet = 0;
	c->signo = 0;
	c->timeline_ms = 10;
	c->keep = 10;
	c->interval_ns = 0;
	snprintf(c->prefix, sizeof(c->prefix), "kalloc.%d", (int)getpid());
	c->suppressions[0] = '\0';

	if ((v = secure_getenv("KALLOC_MODE")) && *v) {
		if (strcmp(v, "full") == 0)
			c->mode = KALLOC_MODE_FULL;
		else if (strcmp(v, "sample") == 0)
			c->mode = KALLOC_MODE_SAMPLE;
		else if (strcmp(v, "count") == 0)
			c->mode = KALLOC_MODE_COUNT;
		else
			kalloc__warn(NULL, "KALLOC_MODE='%.64s' is not full, sample or count; using full", v);
	}
	if ((v = secure_getenv("KALLOC_UNWIND")) && *v && ku_unwind_parse(v, &c->unwind) != 0)
		kalloc__warn(NULL, "KALLOC_UNWIND='%.64s' is not auto, fp or libunwind; using auto", v);
	if ((v = secure_getenv("KALLOC_DEPTH")) && *v) {
		if (kalloc__parse_long(v, 1, KALLOC__MAX_DEPTH, &n) == 0)
			c->depth = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_DEPTH='%.64s' is not a number from 1 to %d; using 64", v,
				     KALLOC__MAX_DEPTH);
	}
	if ((v = secure_getenv("KALLOC_SAMPLE_BYTES")) && *v) {
		if (kalloc__parse_long(v, 1, (long long)1 << 40, &n) == 0)
			c->sample_bytes = n;
		else
			kalloc__warn(NULL, "KALLOC_SAMPLE_BYTES='%.64s' is not a positive number; using 524288", v);
	}
	if ((v = secure_getenv("KALLOC_LEAK_EXITCODE")) && *v) {
		if (kalloc__parse_long(v, 0, 255, &n) == 0)
			c->leak_exitcode = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_LEAK_EXITCODE='%.64s' is not a number from 0 to 255; ignored", v);
	}
	if ((v = secure_getenv("KALLOC_QUIET")) && *v) {
		if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			c->quiet = 1;
		else if (strcmp(v, "verbose") == 0)
			c->quiet = -1;
		else if (!(strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0))
			kalloc__warn(NULL, "KALLOC_QUIET='%.64s' is not 0, 1 or verbose; using 0", v);
	}
	if ((v = secure_getenv("KALLOC_SIGNAL")) && *v) {
		int s = ku_signal_parse(v, NULL, 0);

		if (s > 0)
			c->signo = s;
		else
			kalloc__warn(NULL, "KALLOC_SIGNAL='%.64s' is not a usable signal name (e.g. USR2); no snapshots", v);
	}
	if ((v = secure_getenv("KALLOC_TIMELINE")) && *v) {
		if (kalloc__parse_long(v, 0, 60000, &n) == 0)
			c->timeline_ms = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_TIMELINE='%.64s' is not a period in milliseconds from 0 (off) to 60000;"
				     " using 10", v);
	}
	if ((v = secure_getenv("KALLOC_INTERVAL")) && *v) {
		char *end;
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (errno == 0 && end != v && *end == '\0' && d >= 0.01 && d <= 31536000.0)
			c->interval_ns = (uint64_t)(d * 1e9);
		else
			kalloc__warn(NULL, "KALLOC_INTERVAL='%.64s' is not a number of seconds from 0.01 to 31536000;"
				     " no interval snapshots", v);
	}
	if ((v = secure_getenv("KALLOC_KEEP")) && *v) {
		if (kalloc__parse_long(v, 0, 1000000, &n) == 0)
			c->keep = (int)n;
		else
			kalloc__warn(NULL, "KALLOC_KEEP='%.64s' is not a number from 0 (all) to 1000000; using 10", v);
	}
	if ((v = secure_getenv("KALLOC_OUT")) && *v) {
		const char *owner = secure_getenv("KALLOC_OUT_OWNER");

		if (strlen(v) >= sizeof(c->prefix) - 64) {
			kalloc__warn(NULL, "KALLOC_OUT is too long; using %s", c->prefix);
		} else if (owner && *owner && kalloc__parse_long(owner, 1, 1 << 30, &n) == 0 &&
			   n != (long long)getpid()) {
			/* A program started (exec) by the traced one: its own files. */
			snprintf(c->prefix, sizeof(c->prefix), "%s.%d", v, (int)getpid());
			c->descendant = 1;
		} else {
			snprintf(c->prefix, sizeof(c->prefix), "%s", v);
			c->claim_out = 1;
		}
	}
	if ((v = secure_getenv("KALLOC_SUPPRESSIONS")) && *v) {
		if (strlen(v) >= sizeof(c->suppressions))
			kalloc__warn(NULL, "KALLOC_SUPPRESSIONS path is too long; ignored");
		else
			snprintf(c->suppressions, sizeof(c->suppressions), "%s", v);
	}
}

extern char **environ;

/*
 * Programs this one executes inherit KALLOC_OUT; KALLOC_OUT_OWNER=<pid>
 * tells them to write <prefix>.<pid> instead of overwriting our files.
 * setenv() would allocate (the variable string, a search-tree node, a new
 * environ array) with the interposed malloc, and those blocks would show
 * up as the program's. Instead the entry lives in static storage and the
 * new environ array on memory kalloc maps itself. glibc never frees or
 * reallocates an environ array it did not allocate (a later setenv copies
 * it into one of its own) and never frees the strings, so nothing the
 * program does with its environment can reach these blocks.
 */
void kalloc__claim_out(void)
{
	static const char key[] = "KALLOC_OUT_OWNER=";
	static char entry[sizeof(key) + 24];
	char **env = environ, **nenv;
	size_t n = 0, i, j = 0;

	snprintf(entry, sizeof(entry), "%s%d", key, (int)getpid());
	while (env && env[n])
		n++;
	nenv = kalloc__map((n + 2) * sizeof(*nenv));
	if (!nenv) {
		kalloc__warn(NULL, "cannot map memory for KALLOC_OUT_OWNER; programs it executes share %s",
			     kalloc__cfg.prefix);
		return;
	}
	for (i = 0; i < n; i++)
		if (strncmp(env[i], key, sizeof(key) - 1) != 0)
			nenv[j++] = env[i];
	nenv[j++] = entry;
	nenv[j] = NULL; /* fresh mapping: already zero, said for the reader */
	environ = nenv;
}
