/* SPDX-License-Identifier: MIT */
/*
 * die: the one fatal-error exit of bench/'s programs (the drivers, kbench,
 * bench_connect). kb_die() prints "PROG: message" on stderr, runs the
 * program's cleanup (the drivers stop the helper processes of their
 * backends) and exits with status 2: bad flags, unknown backend,
 * unreachable broker, a run that cannot be done.
 */
#ifndef KB_DIE_H
#define KB_DIE_H

/* Once at start: the name messages begin with, and the cleanup to run
 * before exiting (NULL: none). prog must outlive the program. */
void kb_die_init(const char *prog, void (*cleanup)(void));
/* The name given to kb_die_init() ("kprof-bench" before). */
const char *kb_prog(void);
void kb_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
