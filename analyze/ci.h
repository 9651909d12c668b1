/* SPDX-License-Identifier: MIT */
/*
 * ci: what the CI report formats of `kprof leaks` and `kprof compare`
 * share — SARIF 2.1.0 (GitHub code scanning), JUnit XML (GitLab, Jenkins
 * and most others) and GitHub Actions workflow commands; the formats are
 * described in kprof-formats(7).
 *
 * Names come from binaries and result files and can hold any bytes, so
 * every writer here keeps its output valid whatever it is given: ill-formed
 * UTF-8 becomes U+FFFD (ku_utf8_seq, one per maximal subpart), characters
 * XML 1.0 forbids become U+FFFD too, markup is escaped, and workflow
 * command values are percent-escaped as the Actions runner unescapes them,
 * so a name can never end a command line or start a new one.
 *
 * File names are reported relative to the repository root: a source root
 * (--source-root DIR, repeatable; default the current directory) is the
 * absolute directory a build used, and a file under it is named by the
 * rest of its path. SARIF names the first root SRCROOT in
 * originalUriBaseIds, as code scanning expects.
 *
 * Output goes to a FILE; write errors are the caller's to check (ferror).
 */
#ifndef KAN_CI_H
#define KAN_CI_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"

enum kan_ci_format { KAN_CI_SARIF = 1, KAN_CI_JUNIT, KAN_CI_GITHUB };

/* "sarif", "junit" or "github" -> the format, anything else 0. */
int kan_ci_format(const char *name);

/* XML 1.0 character data: & < > escaped, newlines and tabs kept, CR as
 * &#13;. */
void kan_xml_text(FILE *f, const char *s);
/* XML 1.0 attribute value (double-quoted): also " ' and TAB/LF/CR as
 * character references, so attribute-value normalization keeps them. */
void kan_xml_attr(FILE *f, const char *s);

/* GitHub Actions workflow command value: % CR LF escaped as %25 %0D %0A
 * (the message after "::"); a property value (file=, title=) also escapes
 * ':' and ',' as %3A and %2C. Ill-formed UTF-8 becomes U+FFFD. */
void kan_gh_data(FILE *f, const char *s);
void kan_gh_prop(FILE *f, const char *s);
/* One command line: "::CMD file=F,line=L,title=T::MSG\n"; file, title
 * may be NULL and line <= 0 leaves line out (and file NULL leaves both). */
void kan_gh_command(FILE *f, const char *cmd, const char *file, int64_t line, const char *title,
		    const char *msg);

/* Source roots: absolute directories whose files are named relative to
 * them. Each root is kept as given (a build path need not exist here) and,
 * when it exists, also as its realpath. */
struct kan_srcroots {
	char **dir;
	size_t n, ngiven;
};
/* 0, or 2 after a message (relative or empty DIR, out of memory). */
int kan_srcroots_add(struct kan_srcroots *r, const char *dir);
/* The current directory when nothing was added: 0 or 2. */
int kan_srcroots_default(struct kan_srcroots *r);
void kan_srcroots_free(struct kan_srcroots *r);
/* The repository-relative name of file, or NULL when it lies outside: an
 * absolute file under a root loses the root. A relative one (as compiled:
 * relative to a compilation directory kprof does not know) counts when it
 * exists under a root as it is, or when it resolves, against a root or
 * against the current directory (kprof run where the build ran), to an
 * existing file under a root; a leading "./" is dropped. The result points
 * into file or into buf (KAN_PATH_BUF bytes). */
#define KAN_PATH_BUF 4096
const char *kan_srcroots_rel(const struct kan_srcroots *r, const char *file, char *buf);
/* An absolute name for file: file itself, or a relative one resolved
 * against the current directory (into buf, KAN_PATH_BUF bytes) when it
 * exists there; NULL otherwise. */
const char *kan_abs_path(const char *file, char *buf);

/* Percent-encoded URI reference for a relative path ("a b.c" -> "a%20b.c")
 * or, for an absolute one, a file:// URI. Bytes outside RFC 3986's
 * unreserved set and '/' are percent-encoded, so any file name gives a
 * valid URI. malloc'd, NULL when out of memory. */
char *kan_uri(const char *path);

/* SARIF rule (reportingDescriptor). */
struct kan_sarif_rule {
	const char *id, *name, *short_desc, *full_desc, *help, *level;
};
/* Writes the SARIF log up to the open "results" array of its one run:
 * $schema, version, tool.driver (name kprof, version, rules),
 * originalUriBaseIds (SRCROOT = the first root). */
void kan_sarif_begin(struct ku_json_writer *w, const struct kan_sarif_rule *rules, size_t nrules,
		     const struct kan_srcroots *roots);
/* Writes "physicalLocation" for file:line (line <= 0: no region): relative
 * to SRCROOT when under a root, an absolute file URI otherwise; returns 0
 * and writes nothing when file is empty or relative outside the roots. */
int kan_sarif_physical(struct ku_json_writer *w, const struct kan_srcroots *roots, const char *file,
		       int64_t line);
/* Writes a {"text": ...} message member named key. */
void kan_sarif_message(struct ku_json_writer *w, const char *key, const char *text);

/* 64-bit FNV-1a, for stable partialFingerprints. */
uint64_t kan_fnv1a(uint64_t h, const char *s);
#define KAN_FNV1A_INIT 14695981039346656037ull

#endif
