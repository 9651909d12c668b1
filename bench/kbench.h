/* SPDX-License-Identifier: MIT */
/*
 * kbench: the suite runner. A suite (bench/suites/NAME.suite, format in
 * kbench(1)) names drivers and the matrix to run them over; kbench-suite.c
 * parses it into cases, kbench.c runs every case plain (repetitions, for
 * timing), under libkalloc (memory per message, leaks) and under libksamp
 * (CPU profile, flame graph), and merges everything into results.json
 * (kprof-bench/1) and report.html.
 */
#ifndef KB_KBENCH_H
#define KB_KBENCH_H

#include <stddef.h>

#define KB_SUITE_MAX_LIST 16
#define KB_SUITE_MAX_DRIVERS 16 /* driver blocks */
#define KB_SUITE_MAX_CASES 20000 /* a bigger matrix is a typo, not a plan */

/* One list-valued suite setting, e.g. sizes = 100 1024 10240. */
struct kb_list {
	char *v[KB_SUITE_MAX_LIST];
	size_t n;
};

/* Settings of one driver block; unset lists inherit the global block. */
struct kb_suite_block {
	char *driver;             /* pub, sub, e2e, core */
	struct kb_list backends, sizes, batches, clients, features;
	struct kb_list transports; /* tcp, ws (MQTT over WebSocket; mqtt cases only) */
	char *count, *duration, *warmup, *rate, *timeout, *extra;
	int reps;                 /* 0: inherit; passed to the driver (--reps) */
	int processes;            /* 0: inherit; separate plain runs */
};

struct kb_suite {
	char *name, *path, *description;
	struct kb_suite_block global;
	struct kb_suite_block drivers[KB_SUITE_MAX_DRIVERS];
	size_t ndrivers;
	int profile_kalloc, profile_ksamp; /* run the instrumented passes */
	char *kalloc_mode;
};

/* One case of the matrix: a driver command line minus --json. */
struct kb_case {
	char *id;     /* directory name: pub-memory-s100-b1-c1[-ack] */
	char *label;  /* human label */
	char *driver, *backend;
	char *transport; /* NULL: no --transport; "tcp" or "ws" */
	char *argv[48];
	int argc;
	int reps;      /* repetitions inside one driver process (--reps) */
	int processes; /* plain driver processes, each with reps repetitions */
	double timeout_s;
};

/* Parses a suite file. 0, or -errno with "FILE:LINE: reason" in err. */
int kb_suite_load(const char *path, struct kb_suite *s, char *err, size_t errlen);
void kb_suite_free(struct kb_suite *s);

/* Expands the matrix into cases (allocated array); -E2BIG beyond
 * KB_SUITE_MAX_CASES, -EEXIST when two blocks produce the same case,
 * -ENOMEM. reps_override and
 * count_override (NULL: keep) come from the command line; backends, when
 * non-NULL, restricts the backends ("memory,kafka"). */
int kb_suite_cases(const struct kb_suite *s, const char *backends, int reps_override,
		   const char *count_override, struct kb_case **out, size_t *n);
void kb_cases_free(struct kb_case *c, size_t n);

#endif
