/* SPDX-License-Identifier: MIT */
/* ci: escapers, source roots and SARIF scaffolding of the CI report formats (see ci.h). */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ci.h"
#include "escape.h"
#include "kprof.h"
#include "ku.h"

int kan_ci_format(const char *name)
{
	if (!strcmp(name, "sarif"))
		return KAN_CI_SARIF;
	if (!strcmp(name, "junit"))
		return KAN_CI_JUNIT;
	if (!strcmp(name, "github"))
		return KAN_CI_GITHUB;
	return 0;
}

/* The escapers are escape.c's: these name its modes for the CI formats. */
void kan_xml_text(FILE *f, const char *s)
{
	kan_escape(f, s, KAN_ESC_XML_TEXT);
}

void kan_xml_attr(FILE *f, const char *s)
{
	kan_escape(f, s, KAN_ESC_XML_ATTR);
}

void kan_gh_data(FILE *f, const char *s)
{
	kan_escape(f, s, KAN_ESC_GH_DATA);
}

void kan_gh_prop(FILE *f, const char *s)
{
	kan_escape(f, s, KAN_ESC_GH_PROP);
}

void kan_gh_command(FILE *f, const char *cmd, const char *file, int64_t line, const char *title,
		    const char *msg)
{
	int sep = 0;

	fprintf(f, "::%s", cmd);
	if (file && *file) {
		fputs(" file=", f);
		kan_gh_prop(f, file);
		sep = 1;
		if (line > 0)
			fprintf(f, ",line=%lld", (long long)line);
	}
	if (title && *title) {
		fputs(sep ? ",title=" : " title=", f);
		kan_gh_prop(f, title);
	}
	fputs("::", f);
	kan_gh_data(f, msg);
	putc('\n', f);
}

static int srcroot_push(struct kan_srcroots *r, const char *dir)
{
	size_t n = strlen(dir);
	char **d;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->dir[i]) == n && !strncmp(r->dir[i], dir, n))
			return 0;
	d = realloc(r->dir, (r->n + 1) * sizeof(*d));
	if (!d)
		return kan_die("out of memory");
	r->dir = d;
	if (!(r->dir[r->n] = strndup(dir, n)))
		return kan_die("out of memory");
	r->n++;
	return 0;
}

int kan_srcroots_add(struct kan_srcroots *r, const char *dir)
{
	char real[PATH_MAX];

	if (!dir || dir[0] != '/')
		return kan_die("--source-root '%s': want an absolute directory (the one the build used)",
			       dir ? dir : "");
	if (srcroot_push(r, dir))
		return 2;
	r->ngiven++;
	if (realpath(dir, real) && srcroot_push(r, real))
		return 2;
	return 0;
}

int kan_srcroots_default(struct kan_srcroots *r)
{
	char cwd[PATH_MAX];

	if (r->ngiven)
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return kan_die("cannot get the current directory for --source-root");
	return kan_srcroots_add(r, cwd);
}

void kan_srcroots_free(struct kan_srcroots *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->dir[i]);
	free(r->dir);
	memset(r, 0, sizeof(*r));
}

static const char *under(const struct kan_srcroots *r, const char *file)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t n = strlen(r->dir[i]);

		if (n == 1 && r->dir[i][0] == '/')
			return file[1] ? file + 1 : NULL;
		if (!strncmp(file, r->dir[i], n) && file[n] == '/' && file[n + 1])
			return file + n + 1;
	}
	return NULL;
}

/* An absolute path without "." and ".." components: file itself when it
 * has none, else its realpath when it exists, else the path cleaned
 * lexically, into out (PATH_MAX bytes). Debug information joins a unit's
 * directory and a relative source name as they are ("/b/_build/sub/../../
 * src/f.c" in a VPATH build); a root is compared with the clean path. */
static const char *clean_abs(const char *file, char *out)
{
	const char *p = file;
	size_t o = 0;

	while ((p = strstr(p, "/.")))
		if (p[2] == '/' || !p[2] || (p[2] == '.' && (p[3] == '/' || !p[3])))
			break;
		else
			p += 2;
	if (!p)
		return file;
	if (realpath(file, out))
		return out;
	for (p = file; *p;) {
		const char *e;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o + 1 + n >= PATH_MAX)
				return file;
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* realpath(base/file) into buf when that exists and lies under a root:
 * the part under it (moved to the start of buf). */
static const char *resolve(const struct kan_srcroots *r, const char *base, const char *file, char *buf)
{
	char path[PATH_MAX * 2], real[PATH_MAX];
	const char *rel;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", base, file) >= sizeof(path) || !realpath(path, real) ||
	    !(rel = under(r, real)) || strlen(rel) >= KAN_PATH_BUF)
		return NULL;
	memcpy(buf, rel, strlen(rel) + 1);
	return buf;
}

const char *kan_srcroots_rel(const struct kan_srcroots *r, const char *file, char *buf)
{
	char cwd[PATH_MAX];
	const char *rel;

	if (!file || !*file)
		return NULL;
	if (file[0] == '/') {
		char clean[PATH_MAX];
		const char *c = clean_abs(file, clean), *u = under(r, c);

		if (!u || c == file)
			return u;
		if (strlen(u) >= KAN_PATH_BUF)
			return NULL;
		memcpy(buf, u, strlen(u) + 1);
		return buf;
	}
	while (file[0] == '.' && file[1] == '/')
		file += 2;
	if (!*file)
		return NULL;
	/* Relative names are also what other projects' debug information
	   holds (glibc's "./nptl/pthread_create.c"): one counts only when the
	   file is there under a root. */
	if (!(file[0] == '.' && file[1] == '.' && (file[2] == '/' || !file[2]))) {
		for (size_t i = 0; i < r->n; i++) {
			char path[PATH_MAX];

			if ((size_t)snprintf(path, sizeof(path), "%s/%s", r->dir[i], file) < sizeof(path) &&
			    access(path, F_OK) == 0)
				return file;
		}
	}
	for (size_t i = 0; i < r->n; i++)
		if ((rel = resolve(r, r->dir[i], file, buf)))
			return rel;
	if (getcwd(cwd, sizeof(cwd)) && (rel = resolve(r, cwd, file, buf)))
		return rel;
	return NULL;
}

const char *kan_abs_path(const char *file, char *buf)
{
	char real[PATH_MAX];

	if (!file || !*file)
		return NULL;
	if (file[0] == '/') {
		const char *c = clean_abs(file, real);

		if (c == file)
			return file;
		if (strlen(c) >= KAN_PATH_BUF)
			return NULL;
		memcpy(buf, c, strlen(c) + 1);
		return buf;
	}
	if (!realpath(file, real) || strlen(real) >= KAN_PATH_BUF)
		return NULL;
	memcpy(buf, real, strlen(real) + 1);
	return buf;
}

char *kan_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *out = malloc(n * 3 + 8), *o = out;

	if (!out)
		return NULL;
	if (path[0] == '/')
		o += sprintf(o, "file://");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~' || c == '/') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = 0;
	return out;
}

void kan_sarif_message(struct ku_json_writer *w, const char *key, const char *text)
{
	ku_json_key(w, key);
	ku_json_object_begin(w);
	ku_json_kv_string(w, "text", text);
	ku_json_object_end(w);
}

void kan_sarif_begin(struct ku_json_writer *w, const struct kan_sarif_rule *rules, size_t nrules,
		     const struct kan_srcroots *roots)
{
	ku_json_object_begin(w);
	ku_json_kv_string(w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	ku_json_kv_string(w, "version", "2.1.0");
	ku_json_key(w, "runs");
	ku_json_array_begin(w);
	ku_json_object_begin(w);
	ku_json_key(w, "tool");
	ku_json_object_begin(w);
	ku_json_key(w, "driver");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "name", "kprof");
	ku_json_kv_string(w, "version", PACKAGE_VERSION);
	ku_json_kv_string(w, "semanticVersion", PACKAGE_VERSION);
	ku_json_key(w, "rules");
	ku_json_array_begin(w);
	for (size_t i = 0; i < nrules; i++) {
		const struct kan_sarif_rule *r = &rules[i];

		ku_json_object_begin(w);
		ku_json_kv_string(w, "id", r->id);
		ku_json_kv_string(w, "name", r->name);
		kan_sarif_message(w, "shortDescription", r->short_desc);
		kan_sarif_message(w, "fullDescription", r->full_desc);
		kan_sarif_message(w, "help", r->help);
		ku_json_key(w, "defaultConfiguration");
		ku_json_object_begin(w);
		ku_json_kv_string(w, "level", r->level);
		ku_json_object_end(w);
		ku_json_object_end(w);
	}
	ku_json_array_end(w);
	ku_json_object_end(w); /* driver */
	ku_json_object_end(w); /* tool */
	if (roots->n) {
		size_t n = strlen(roots->dir[0]);
		char *dir = malloc(n + 2), *uri;

		if (dir) {
			memcpy(dir, roots->dir[0], n);
			dir[n] = '/';
			dir[n + (n && dir[n - 1] == '/' ? 0 : 1)] = '\0';
		}
		uri = dir ? kan_uri(dir) : NULL;
		ku_json_key(w, "originalUriBaseIds");
		ku_json_object_begin(w);
		ku_json_key(w, "SRCROOT");
		ku_json_object_begin(w);
		ku_json_kv_string(w, "uri", uri ? uri : "file:///");
		ku_json_object_end(w);
		ku_json_object_end(w);
		free(uri);
		free(dir);
	}
	ku_json_key(w, "results");
	ku_json_array_begin(w);
}

int kan_sarif_physical(struct ku_json_writer *w, const struct kan_srcroots *roots, const char *file,
		       int64_t line)
{
	char rb[KAN_PATH_BUF], ab[KAN_PATH_BUF];
	const char *rel = kan_srcroots_rel(roots, file, rb), *abs = rel ? NULL : kan_abs_path(file, ab);
	char *uri;

	if (!rel && !abs)
		return 0;
	uri = kan_uri(rel ? rel : abs);
	ku_json_key(w, "physicalLocation");
	ku_json_object_begin(w);
	ku_json_key(w, "artifactLocation");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "uri", uri ? uri : "");
	if (rel)
		ku_json_kv_string(w, "uriBaseId", "SRCROOT");
	ku_json_object_end(w);
	if (line > 0) {
		ku_json_key(w, "region");
		ku_json_object_begin(w);
		ku_json_kv_int(w, "startLine", line);
		ku_json_object_end(w);
	}
	ku_json_object_end(w);
	free(uri);
	return 1;
}

uint64_t kan_fnv1a(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull; /* a separator: "ab","c" != "a","bc" */
}
