/* SPDX-License-Identifier: MIT */
/*
 * kprof: the analysis CLI. Each subcommand lives in its own file and has
 * the signature below: it gets argv starting at the subcommand name and
 * returns the process exit status (0 ok, 1 "found something" where the
 * command defines it — leaks --fail, compare regressions —, 2 usage or
 * input error, after one clear line on stderr).
 */
#ifndef KAN_KPROF_H
#define KAN_KPROF_H

typedef int (*kan_cmd_fn)(int argc, char **argv);

int kan_cmd_top(int argc, char **argv);      /* analyze/top.c */
int kan_cmd_flame(int argc, char **argv);    /* analyze/flame.c */
int kan_cmd_diff(int argc, char **argv);     /* analyze/flame.c (differential) */
int kan_cmd_folded(int argc, char **argv);   /* analyze/folded.c */
int kan_cmd_leaks(int argc, char **argv);    /* analyze/leaks.c */
int kan_cmd_convert(int argc, char **argv);  /* analyze/convert.c */
int kan_cmd_merge(int argc, char **argv);    /* analyze/merge.c */
int kan_cmd_compare(int argc, char **argv);  /* analyze/compare.c */
int kan_cmd_history(int argc, char **argv);  /* analyze/history.c */
int kan_cmd_report(int argc, char **argv);   /* analyze/report.c */
int kan_cmd_clients(int argc, char **argv);  /* analyze/clients.c */
int kan_cmd_mem(int argc, char **argv);      /* analyze/mem.c */
int kan_cmd_timeline(int argc, char **argv); /* analyze/timeline-svg.c */

/* Print "kprof: <msg>\n" on stderr; returns 2 so callers can `return kan_die(...)`
 * (analyze/die.c). */
int kan_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
