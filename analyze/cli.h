/* SPDX-License-Identifier: MIT */
/*
 * cli: helpers shared by the analyzer's subcommands: loading a profile
 * with a one-line error, choosing a sample type, and frame-name escaping
 * for folded output. Functions that report errors print them through
 * kan_die() and return its status (2), so callers can return it as is.
 */
#ifndef KAN_CLI_H
#define KAN_CLI_H

#include <stdio.h>

#include "profile.h"

/* Load PATH into *p; on failure prints "kprof: PATH: reason", returns 2. */
int kan_load(const char *path, struct kan_profile **p);

/* The same for commands that only add values per stack (top, flame,
 * diff, folded): equal samples merged while the file is read, so memory
 * follows the distinct stacks, not the sample count (load.h). */
int kan_load_merged(const char *path, struct kan_profile **p);

/* Sample type index for `type` (NULL = default); on failure prints the
 * available types and returns 2. */
int kan_pick_type(struct kan_profile *p, const char *path, const char *type, int *si);

/* Write a frame name for folded output, escaped as kprof-formats(7) says
 * (escape.h, KAN_ESC_FOLDED): ';' becomes ':', newlines, NUL and other
 * control characters become '?', ill-formed UTF-8 U+FFFD, and a name
 * ending in a space followed by digits gets that space replaced by '_' so
 * that readers do not take the digits for a count. */
void kan_folded_name(FILE *f, const char *name);

/* Numeric option values, for every numeric option of every command: the
 * whole of s must be a decimal number within [min, max] (kan_opt_long: an
 * integer, overflow is out of range; kan_opt_double: finite, and with
 * open set, both bounds excluded). On failure prints one line naming the
 * command, the flag and the range ("top: -n wants a whole number from 1
 * to 1000000000, not '99999999999999999999'") and returns 2; 0 on success.
 * The ranges are listed in kprof(1). */
#define KAN_OPT_COUNT_MAX 1000000000L /* -n and the like: rows, runs */
int kan_opt_long(const char *cmd, const char *flag, const char *s, long min, long max, long *out);
int kan_opt_double(const char *cmd, const char *flag, const char *s, double min, double max, int open, double *out);

/* 1 when path looks like kprof bench result JSON (schema kprof-bench/...). */
int kan_is_bench_json(const char *path);

#endif
