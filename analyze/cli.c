/* SPDX-License-Identifier: MIT */
/* cli: helpers shared by the analyzer's subcommands (see cli.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "kprof.h"
#include "load.h"

int kan_load(const char *path, struct kan_profile **p)
{
	char err[1200];

	if (kan_profile_load(path, p, err, sizeof(err)))
		return kan_die("%s", err);
	return 0;
}

int kan_load_merged(const char *path, struct kan_profile **p)
{
	char err[1200];

	if (kan_profile_load_merged(path, p, err, sizeof(err)))
		return kan_die("%s", err);
	return 0;
}

int kan_pick_type(struct kan_profile *p, const char *path, const char *type, int *si)
{
	*si = kan_profile_sample_index(p, type);
	if (*si >= 0)
		return 0;
	if (p->nsample_types == 0)
		return kan_die("%s: profile has no sample types", path);
	char list[512] = "";
	for (size_t i = 0; i < p->nsample_types; i++) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s", i ? ", " : "", p->sample_types[i].type);
	}
	return kan_die("%s: no sample type '%s' (have: %s)", path, type, list);
}

void kan_folded_name(FILE *f, const char *name)
{
	kan_escape(f, name, KAN_ESC_FOLDED);
}

int kan_opt_long(const char *cmd, const char *flag, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	/* strtol skips leading blanks: we do not */
	if (end == s || *end || errno == ERANGE || v < min || v > max || isspace((unsigned char)*s))
		return kan_die("%s: %s wants a whole number from %ld to %ld, not '%s'", cmd, flag, min, max, s);
	*out = v;
	return 0;
}

int kan_opt_double(const char *cmd, const char *flag, const char *s, double min, double max, int open, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || isspace((unsigned char)*s) || (open ? v <= min || v >= max
									      : v < min || v > max))
		return kan_die("%s: %s wants a number %s %g %s %g%s, not '%s'", cmd, flag, open ? "between" : "from", min,
			       open ? "and" : "to", max, open ? " (both excluded)" : "", s);
	*out = v;
	return 0;
}

int kan_is_bench_json(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	size_t i = 0;
	while (i < n && isspace((unsigned char)buf[i]))
		i++;
	return i < n && buf[i] == '{' && strstr(buf, "kprof-bench/") != NULL;
}
