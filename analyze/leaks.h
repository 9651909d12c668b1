/* SPDX-License-Identifier: MIT */
/*
 * leaks: the model of a leak report as `kprof leaks` reads it (leaks.c:
 * from libkalloc's PREFIX.leaks.json or a heap profile, filtered with
 * suppressions, groups with equal symbolized stacks merged, biggest
 * first) and the CI formats it is written in (leaks-ci.c: SARIF, JUnit
 * XML, GitHub workflow commands; see ci.h and kprof-formats(7)).
 *
 * Strings are borrowed: they belong to the parsed leaks.json DOM or the
 * loaded profile, which outlive the report.
 */
#ifndef KAN_LEAKS_H
#define KAN_LEAKS_H

#include <stdint.h>
#include <stdio.h>

#include "ci.h"

enum { KAN_LEAK_DEFINITE, KAN_LEAK_INDIRECT, KAN_LEAK_INUSE, KAN_LEAK_NKINDS };

struct kan_leak_frame {
	const char *function, *file, *object; /* NULL or "" when unknown */
	int64_t line;                         /* <= 0 when unknown */
};

struct kan_leak {
	int kind; /* KAN_LEAK_* */
	uint64_t blocks, bytes;
	struct kan_leak_frame *frames; /* leaf (allocating call) first */
	size_t nframes;
	const char *suppressed_by; /* the matching "leak:" pattern, for suppressed groups */
};

struct kan_leak_report {
	const char *source;  /* the file read */
	const char *program; /* the program that ran, NULL when unknown */
	int checked;         /* 0: libkalloc could not check (reason says why) */
	const char *reason;
	uint64_t blocks[KAN_LEAK_NKINDS], bytes[KAN_LEAK_NKINDS];
	uint64_t reach_blocks, reach_bytes;
	uint64_t supp_blocks, supp_bytes; /* suppressed by libkalloc and here */
	struct kan_leak *leaks;           /* reported groups */
	size_t nleaks;
	struct kan_leak *supp;            /* groups suppressed here (--suppressions) */
	size_t nsupp;
	const char *supp_file;            /* the --suppressions file, or NULL */
	int from_heap;                    /* a heap profile: KAN_LEAK_INUSE only */
};

struct ku_json;

/* leaks.json (libkalloc's, or kprof leaks --format json) -> *r (zeroed by
 * the caller); strings stay owned by root. 0, or 2 after a message. */
int kan_leaks_from_json(const char *path, const struct ku_json *root, struct kan_leak_report *r);
/* Without suppressions: groups with equal stacks merged, biggest first
 * (kprof leaks does this with its --suppressions). 0, or 2. */
int kan_leaks_finish(struct kan_leak_report *r);
void kan_leak_report_free(struct kan_leak_report *r);

/* The frame a finding is reported at: the first frame, leaf first, that
 * is the program's own code — not the allocator or the C/C++ runtime
 * (malloc and friends, operator new, strdup, libkalloc, libc, libstdc++,
 * the dynamic loader, other malloc libraries) — preferring one whose
 * source file lies in the repository (roots); -1 when the stack is empty. */
long kan_leak_site(const struct kan_leak *l, const struct kan_srcroots *roots);

/* The CI formats of n reports (one program each) on f. 0, or -EIO. */
int kan_leaks_write_ci(FILE *f, int format, const struct kan_leak_report *const *r, size_t n,
		       const struct kan_srcroots *roots);

#endif
