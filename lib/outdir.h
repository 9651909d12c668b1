/* SPDX-License-Identifier: MIT */
/*
 * outdir: where the interposers' output files go when the place asked
 * for refuses them. A program that starts as root and drops privileges
 * (setuid to a daemon user) can no longer write into the directory it
 * was started in; libkalloc and libksamp then write the same file names
 * into a per-user fallback directory, /tmp/<lib>-<euid>/, and say so in
 * one line. Policy (kept in man/libkalloc.7 and man/libksamp.7):
 *
 *   1. try the requested path;
 *   2. if that fails with EACCES, EPERM or EROFS, make /tmp/<lib>-<euid>/
 *      (mode 0700; an existing one is used only if it is a directory, not
 *      a symlink, owned by the effective uid and not writable by others)
 *      and write the file there under its own name; later files of the
 *      same report go there directly;
 *   3. otherwise (or if the fallback fails too) the file is lost, and the
 *      report's one message names every output type lost.
 *
 * The fallback directory sits in sticky /tmp, so no other user can swap
 * it for a symlink once it has been checked.
 *
 * Use: ku_outdir_init() at the start of a report, ku_outdir_write() (or
 * ku_outdir_where() + ku_outdir_fallback() + ku_outdir_done() for a
 * writer that keeps a FILE open) for every file, then ku_outdir_message()
 * for the line to print. No allocation, no lock: fixed buffers only, so
 * the interposers may call it while their own malloc is not usable. Not
 * thread-safe: one struct per report, under the report's lock.
 * Errors are negative errno values (lib/ku.h).
 */
#ifndef KU_OUTDIR_H
#define KU_OUTDIR_H

#include <stddef.h>

#define KU_OUTDIR_MAX 4200 /* longest path handled, NUL included */

struct ku_outdir {
	const char *lib;	   /* "kalloc", "ksamp": the fallback is /tmp/<lib>-<euid> */
	int moved;		   /* 1: files now go to the fallback directory */
	int dir_err;		   /* < 0: the fallback directory is unusable (why) */
	int refused;		   /* the errno (< 0) that refused the requested place */
	char refused_dir[KU_OUTDIR_MAX]; /* the directory that refused */
	char fallback[64];	   /* "/tmp/kalloc-1000" */
	char written[512];	   /* names written ("leaks.txt, stats.json") */
	char lost[512];		   /* names lost, with why */
	char first[KU_OUTDIR_MAX]; /* the first path written, for "see ..." */
	char failed[KU_OUTDIR_MAX]; /* the first path that failed otherwise */
	int failed_err;		   /* and why (< 0) */
};

/* Resets od for a report of the library named lib (a string literal). */
void ku_outdir_init(struct ku_outdir *od, const char *lib);

/* Whether a write error (negative errno) lets the fallback be tried. */
int ku_outdir_refusal(int err);

/* The path to write `path` to now: path itself, or its file name in the
 * fallback directory once the report has moved there. Returns buf (n bytes). */
const char *ku_outdir_where(const struct ku_outdir *od, const char *path, char *buf, size_t n);

/* `path` was refused with err (negative errno). When err is a refusal and
 * the report has not moved yet, makes (or checks) the fallback directory
 * and returns 0 with the new path in buf; else returns err, or the error
 * that made the fallback directory unusable. */
int ku_outdir_fallback(struct ku_outdir *od, const char *path, int err, char *buf, size_t n);

/* Records the outcome for one output: name is the output type
 * ("heap.pb.gz"), used the path written (err == 0) or the one that failed
 * (err < 0: the output is lost; may be NULL). */
void ku_outdir_done(struct ku_outdir *od, const char *name, const char *used, int err);

/* Writes one output through fn(path, arg) (0 or a negative errno; fn must
 * leave nothing behind when it fails), applying the policy; records the
 * outcome under name; the path actually written goes to used (may be
 * NULL). Returns 0 or the final negative errno. */
int ku_outdir_write(struct ku_outdir *od, const char *path, const char *name,
		    int (*fn)(const char *path, void *arg), void *arg, char *used, size_t n);

/* The one line to print about this report, without the library's prefix
 * and newline ("cannot write to /var/lib/x (Permission denied): wrote
 * leaks.txt, stats.json in /tmp/kalloc-1000/ instead"; a single file is
 * named by its whole path), or "" when every
 * file went where it was asked. Returns buf. */
const char *ku_outdir_message(const struct ku_outdir *od, char *buf, size_t n);

#endif
