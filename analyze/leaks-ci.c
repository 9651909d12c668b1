/* SPDX-License-Identifier: MIT */
/*
 * leaks-ci: leak reports in the formats CI systems read (leaks.h, ci.h):
 * SARIF 2.1.0 — one result per leak group, rule per kind, the allocating
 * frame as the primary location, the stack as a code flow and a SARIF
 * stack, groups suppressed with --suppressions kept with a suppression —,
 * JUnit XML — a test suite per program, a failing test case per leak
 * group, a passing one for a program without leaks —, and GitHub
 * workflow commands — an ::error (definite) or ::warning (indirect, in
 * use) annotation at the allocating line. kprof-formats(7) describes all
 * three.
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "json.h"
#include "leaks.h"

static const struct kan_sarif_rule leak_rules[KAN_LEAK_NKINDS] = {
	[KAN_LEAK_DEFINITE] = {
		"kprof/definite-leak", "DefiniteLeak", "Memory definitely lost",
		"A heap block that no pointer in the program's roots or reachable memory points to when the "
		"program exits: it can never be freed (LeakSanitizer's direct leak, memcheck's definitely lost).",
		"Free the block on every path that drops the last pointer to it. The location is the program's "
		"own frame that allocated it; the code flow is the whole allocation stack.",
		"error" },
	[KAN_LEAK_INDIRECT] = {
		"kprof/indirect-leak", "IndirectLeak", "Memory indirectly lost",
		"A heap block reachable only from blocks that are themselves lost (the nodes of a list whose "
		"head leaked). It goes away when the definite leak that holds it is fixed.",
		"Fix the definite leak that points to this block, or free it with its owner.",
		"warning" },
	[KAN_LEAK_INUSE] = {
		"kprof/in-use-at-exit", "InUseAtExit", "Memory still in use at exit",
		"A heap block still allocated when the program exited, from a heap profile: not classified by "
		"reachability, so it may be a leak or memory the program meant to keep.",
		"Run under libkalloc in full mode for a reachability-classified report.",
		"warning" },
};

static const char *const leak_title[KAN_LEAK_NKINDS] = { "Direct leak", "Indirect leak", "In use at exit" };
static const char *const leak_kind[KAN_LEAK_NKINDS] = { "definite", "indirect", "inuse" };

static const char *base_name(const char *p)
{
	const char *b = p ? strrchr(p, '/') : NULL;

	return b ? b + 1 : p;
}

static int nonempty(const char *s)
{
	return s && *s;
}

/* Allocator and runtime frames: never the place to fix a leak. */
static int runtime_frame(const struct kan_leak_frame *f)
{
	static const char *const fns[] = {
		"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc",
		"memalign", "valloc", "pvalloc", "strdup", "strndup", "__strdup", "__strndup", "wcsdup",
		"asprintf", "vasprintf", "__asprintf", "__vasprintf_internal", "getline", "getdelim",
		"__libc_*", "__GI_*", "_int_malloc", "_int_realloc", "tcache_*", "operator new*",
		"operator delete*", "_Znw*", "_Zna*", "_ZnwmRKSt9nothrow_t", "kalloc_*", "kalloc__*",
		"je_*", "tc_*", "mi_*", "__interceptor_*", "___interceptor_*",
	};
	static const char *const objs[] = {
		"libkalloc.so*", "libc.so*", "libc-*.so", "libstdc++.so*", "libgcc_s.so*", "ld-linux*",
		"ld-*.so*", "libjemalloc.so*", "libtcmalloc*.so*", "libmimalloc.so*", "libasan.so*",
		"liblsan.so*", "libm.so*", "libpthread.so*", "libdl.so*",
	};
	const char *fn = f->function, *obj = base_name(f->object);

	if (nonempty(fn))
		for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
			if (!fnmatch(fns[i], fn, 0))
				return 1;
	if (nonempty(obj))
		for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
			if (!fnmatch(objs[i], obj, 0))
				return 1;
	return 0;
}

long kan_leak_site(const struct kan_leak *l, const struct kan_srcroots *roots)
{
	long own = -1;

	for (size_t k = 0; k < l->nframes; k++) {
		const struct kan_leak_frame *f = &l->frames[k];

		if (runtime_frame(f))
			continue;
		char rb[KAN_PATH_BUF];

		if (kan_srcroots_rel(roots, f->file, rb))
			return (long)k;
		if (own < 0)
			own = (long)k;
	}
	if (own >= 0)
		return own;
	return l->nframes ? 0 : -1;
}

/* "leak-indirect": the program's base name; kbench's per-case
 * CASE/leaks.json is named by its case directory. */
static char *suite_name(const struct kan_leak_report *r)
{
	const char *src = r->source, *b = base_name(src);
	size_t n;

	if (!strcmp(b, "leaks.json") && b > src + 1) {
		const char *e = b - 1, *s = e;

		while (s > src && s[-1] != '/')
			s--;
		if (s < e)
			return strndup(s, (size_t)(e - s));
	}
	if (nonempty(r->program))
		return strdup(base_name(r->program));
	n = strlen(b);
	if (n > 11 && !strcmp(b + n - 11, ".leaks.json"))
		n -= 11;
	return strndup(b, n);
}

/* "#0 make_node tests/x.c:18 (prog)" */
static void frame_line(FILE *f, const struct kan_leak_frame *fr, size_t k, const struct kan_srcroots *roots)
{
	char rb[KAN_PATH_BUF];
	const char *rel = kan_srcroots_rel(roots, fr->file, rb);

	fprintf(f, "#%zu %s", k, nonempty(fr->function) ? fr->function : "??");
	if (nonempty(fr->file)) {
		fprintf(f, " %s", rel ? rel : fr->file);
		if (fr->line > 0)
			fprintf(f, ":%" PRId64, fr->line);
	}
	if (nonempty(fr->object))
		fprintf(f, " (%s)", base_name(fr->object));
}

/* "Direct leak of 32 bytes in 1 block", "In use at exit: 24 bytes in 1 block" */
static void print_title(FILE *f, const struct kan_leak *l)
{
	fprintf(f, "%s%s %" PRIu64 " byte%s in %" PRIu64 " block%s", leak_title[l->kind],
		l->kind == KAN_LEAK_INUSE ? ":" : " of", l->bytes, l->bytes == 1 ? "" : "s", l->blocks,
		l->blocks == 1 ? "" : "s");
}

/* "Direct leak of 32 bytes in 1 block allocated in make_node at
 * tests/x.c:18 (program leak-indirect)" */
static void summary(FILE *f, const struct kan_leak_report *r, const struct kan_leak *l, long site,
		    const struct kan_srcroots *roots)
{
	print_title(f, l);
	if (site >= 0) {
		const struct kan_leak_frame *fr = &l->frames[site];
		char rb[KAN_PATH_BUF];
	const char *rel = kan_srcroots_rel(roots, fr->file, rb);

		fprintf(f, " allocated in %s", nonempty(fr->function) ? fr->function : "??");
		if (nonempty(fr->file)) {
			fprintf(f, " at %s", rel ? rel : fr->file);
			if (fr->line > 0)
				fprintf(f, ":%" PRId64, fr->line);
		} else if (nonempty(fr->object)) {
			fprintf(f, " in %s", base_name(fr->object));
		}
	}
	if (nonempty(r->program))
		fprintf(f, " (program %s)", base_name(r->program));
}

/* A malloc'd string from a printer, "" when out of memory. */
#define KAN__STR(var, ...)                                          \
	do {                                                        \
		size_t len_;                                        \
		FILE *m_ = open_memstream(&(var), &len_);           \
		if (m_) {                                           \
			__VA_ARGS__;                                \
			if (fclose(m_))                             \
				(var) = NULL;                       \
		} else {                                            \
			(var) = NULL;                               \
		}                                                   \
	} while (0)

static void stack_text(FILE *m, const struct kan_leak *l, const struct kan_srcroots *roots)
{
	for (size_t k = 0; k < l->nframes; k++) {
		fputs("    ", m);
		frame_line(m, &l->frames[k], k, roots);
		putc('\n', m);
	}
}

/* ---- SARIF ------------------------------------------------------------ */

static void sarif_frame_location(struct ku_json_writer *w, const struct kan_leak_frame *fr, size_t k,
				 const struct kan_srcroots *roots)
{
	char *text = NULL;

	ku_json_object_begin(w);
	kan_sarif_physical(w, roots, fr->file, fr->line);
	if (nonempty(fr->function)) {
		ku_json_key(w, "logicalLocations");
		ku_json_array_begin(w);
		ku_json_object_begin(w);
		ku_json_kv_string(w, "name", fr->function);
		ku_json_kv_string(w, "kind", "function");
		ku_json_object_end(w);
		ku_json_array_end(w);
	}
	KAN__STR(text, frame_line(m_, fr, k, roots));
	kan_sarif_message(w, "message", text ? text : "");
	free(text);
	ku_json_object_end(w);
}

static void sarif_result(struct ku_json_writer *w, const struct kan_leak_report *r, const struct kan_leak *l,
			 const struct kan_srcroots *roots)
{
	long site = kan_leak_site(l, roots);
	char *msg = NULL, fp[20];
	uint64_t h = kan_fnv1a(KAN_FNV1A_INIT, leak_kind[l->kind]);

	ku_json_object_begin(w);
	ku_json_kv_string(w, "ruleId", leak_rules[l->kind].id);
	ku_json_kv_int(w, "ruleIndex", l->kind);
	ku_json_kv_string(w, "level", leak_rules[l->kind].level);
	KAN__STR(msg, summary(m_, r, l, site, roots); fputc('.', m_));
	kan_sarif_message(w, "message", msg ? msg : leak_title[l->kind]);
	free(msg);
	ku_json_key(w, "locations");
	ku_json_array_begin(w);
	if (site >= 0) {
		sarif_frame_location(w, &l->frames[site], (size_t)site, roots);
	} else {
		ku_json_object_begin(w);
		kan_sarif_message(w, "message", "no allocation stack recorded");
		ku_json_object_end(w);
	}
	ku_json_array_end(w);
	/* Stable across runs and line moves: the kind and the functions of
	 * the stack (object names where a function is unknown). */
	for (size_t k = 0; k < l->nframes; k++)
		h = kan_fnv1a(h, nonempty(l->frames[k].function) ? l->frames[k].function
								     : base_name(l->frames[k].object));
	snprintf(fp, sizeof(fp), "%016" PRIx64, h);
	ku_json_key(w, "partialFingerprints");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "kprofLeakStack/v1", fp);
	ku_json_object_end(w);
	if (l->nframes) {
		/* The code flow runs in execution order: outermost caller first,
		   the allocating call last. */
		ku_json_key(w, "codeFlows");
		ku_json_array_begin(w);
		ku_json_object_begin(w);
		kan_sarif_message(w, "message", "allocation stack, outermost caller first");
		ku_json_key(w, "threadFlows");
		ku_json_array_begin(w);
		ku_json_object_begin(w);
		ku_json_key(w, "locations");
		ku_json_array_begin(w);
		for (size_t k = l->nframes; k-- > 0;) {
			ku_json_object_begin(w);
			ku_json_key(w, "location");
			sarif_frame_location(w, &l->frames[k], k, roots);
			ku_json_kv_uint(w, "nestingLevel", l->nframes - 1 - k);
			ku_json_kv_uint(w, "executionOrder", l->nframes - k);
			if ((long)k == site)
				ku_json_kv_string(w, "importance", "essential");
			ku_json_object_end(w);
		}
		ku_json_array_end(w);
		ku_json_object_end(w);
		ku_json_array_end(w);
		ku_json_object_end(w);
		ku_json_array_end(w);
		/* ... and as a SARIF call stack, top (leaf) first. */
		ku_json_key(w, "stacks");
		ku_json_array_begin(w);
		ku_json_object_begin(w);
		kan_sarif_message(w, "message", "allocation stack");
		ku_json_key(w, "frames");
		ku_json_array_begin(w);
		for (size_t k = 0; k < l->nframes; k++) {
			ku_json_object_begin(w);
			ku_json_key(w, "location");
			sarif_frame_location(w, &l->frames[k], k, roots);
			if (nonempty(l->frames[k].object))
				ku_json_kv_string(w, "module", base_name(l->frames[k].object));
			ku_json_object_end(w);
		}
		ku_json_array_end(w);
		ku_json_object_end(w);
		ku_json_array_end(w);
	}
	if (l->suppressed_by) {
		char *why = NULL;

		KAN__STR(why, fprintf(m_, "leak:%s", l->suppressed_by);
			 if (r->supp_file) fprintf(m_, " in %s", r->supp_file));
		ku_json_key(w, "suppressions");
		ku_json_array_begin(w);
		ku_json_object_begin(w);
		ku_json_kv_string(w, "kind", "external");
		ku_json_kv_string(w, "status", "accepted");
		ku_json_kv_string(w, "justification", why ? why : "suppressed");
		ku_json_object_end(w);
		ku_json_array_end(w);
		free(why);
	}
	ku_json_key(w, "properties");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "kind", leak_kind[l->kind]);
	ku_json_kv_uint(w, "bytes", l->bytes);
	ku_json_kv_uint(w, "blocks", l->blocks);
	if (nonempty(r->program))
		ku_json_kv_string(w, "program", r->program);
	ku_json_kv_string(w, "report", r->source);
	ku_json_object_end(w);
	ku_json_object_end(w);
}

static void sarif_totals(struct ku_json_writer *w, const char *key, uint64_t blocks, uint64_t bytes)
{
	ku_json_key(w, key);
	ku_json_object_begin(w);
	ku_json_kv_uint(w, "blocks", blocks);
	ku_json_kv_uint(w, "bytes", bytes);
	ku_json_object_end(w);
}

static int sarif(FILE *f, const struct kan_leak_report *const *r, size_t n, const struct kan_srcroots *roots)
{
	struct ku_json_writer w;
	int rc, unchecked = 0;

	ku_json_writer_init(&w, KU_JSON_PRETTY);
	kan_sarif_begin(&w, leak_rules, KAN_LEAK_NKINDS, roots);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < r[i]->nleaks; k++)
			sarif_result(&w, r[i], &r[i]->leaks[k], roots);
		for (size_t k = 0; k < r[i]->nsupp; k++)
			sarif_result(&w, r[i], &r[i]->supp[k], roots);
		unchecked |= !r[i]->checked;
	}
	ku_json_array_end(&w); /* results */
	ku_json_key(&w, "invocations");
	ku_json_array_begin(&w);
	ku_json_object_begin(&w);
	ku_json_kv_bool(&w, "executionSuccessful", true);
	if (unchecked) {
		ku_json_key(&w, "toolExecutionNotifications");
		ku_json_array_begin(&w);
		for (size_t i = 0; i < n; i++) {
			char *msg = NULL;

			if (r[i]->checked)
				continue;
			KAN__STR(msg, fprintf(m_, "%s: not checked: %s", r[i]->source,
					      r[i]->reason ? r[i]->reason : "unknown reason"));
			ku_json_object_begin(&w);
			ku_json_kv_string(&w, "level", "warning");
			kan_sarif_message(&w, "message", msg ? msg : "not checked");
			ku_json_object_end(&w);
			free(msg);
		}
		ku_json_array_end(&w);
	}
	ku_json_object_end(&w);
	ku_json_array_end(&w);
	/* The totals of every report, as the text report gives them. */
	ku_json_key(&w, "properties");
	ku_json_object_begin(&w);
	ku_json_key(&w, "reports");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "source", r[i]->source);
		if (nonempty(r[i]->program))
			ku_json_kv_string(&w, "program", r[i]->program);
		ku_json_kv_bool(&w, "checked", r[i]->checked);
		if (r[i]->from_heap) {
			sarif_totals(&w, "in_use_at_exit", r[i]->blocks[KAN_LEAK_INUSE], r[i]->bytes[KAN_LEAK_INUSE]);
		} else {
			sarif_totals(&w, "definitely_lost", r[i]->blocks[KAN_LEAK_DEFINITE],
				     r[i]->bytes[KAN_LEAK_DEFINITE]);
			sarif_totals(&w, "indirectly_lost", r[i]->blocks[KAN_LEAK_INDIRECT],
				     r[i]->bytes[KAN_LEAK_INDIRECT]);
			sarif_totals(&w, "still_reachable", r[i]->reach_blocks, r[i]->reach_bytes);
		}
		sarif_totals(&w, "suppressed", r[i]->supp_blocks, r[i]->supp_bytes);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	ku_json_object_end(&w); /* run */
	ku_json_array_end(&w);  /* runs */
	ku_json_object_end(&w);
	rc = ku_json_writer_print(&w, f);
	ku_json_writer_free(&w);
	return rc;
}

/* ---- JUnit XML ---------------------------------------------------------- */

/* "definite leak in make_node at tests/x.c:18": the same from run to run
 * (no sizes), so CI can follow a test case's history. */
static char *case_name(const struct kan_leak *l, const struct kan_srcroots *roots)
{
	long site = kan_leak_site(l, roots);
	const struct kan_leak_frame *fr = site >= 0 ? &l->frames[site] : NULL;
	char rb[KAN_PATH_BUF];
	const char *rel = fr ? kan_srcroots_rel(roots, fr->file, rb) : NULL;
	char *name = NULL;

	KAN__STR(name, fprintf(m_, "%s leak in %s", leak_kind[l->kind],
			       fr && nonempty(fr->function) ? fr->function : "??");
		 if (fr && nonempty(fr->file)) {
			 fprintf(m_, " at %s", rel ? rel : fr->file);
			 if (fr->line > 0)
				 fprintf(m_, ":%" PRId64, fr->line);
		 });
	return name;
}

static void junit_case(FILE *f, const char *suite, const struct kan_leak_report *r, const struct kan_leak *l,
		       const struct kan_srcroots *roots, const char *name, size_t dup)
{
	long site = kan_leak_site(l, roots);
	const struct kan_leak_frame *fr = site >= 0 ? &l->frames[site] : NULL;
	char rb[KAN_PATH_BUF];
	const char *rel = fr ? kan_srcroots_rel(roots, fr->file, rb) : NULL;
	char *msg = NULL, *stack = NULL;

	fputs("    <testcase classname=\"", f);
	kan_xml_attr(f, suite);
	fputs("\" name=\"", f);
	kan_xml_attr(f, name ? name : "leak");
	if (dup > 1)
		fprintf(f, " [%zu]", dup);
	putc('"', f);
	if (rel) {
		fputs(" file=\"", f);
		kan_xml_attr(f, rel);
		putc('"', f);
		if (fr->line > 0)
			fprintf(f, " line=\"%" PRId64 "\"", fr->line);
	}
	fputs(" time=\"0\">\n", f);
	KAN__STR(msg, summary(m_, r, l, site, roots));
	KAN__STR(stack, stack_text(m_, l, roots));
	if (l->suppressed_by) {
		fputs("      <skipped message=\"suppressed by leak:", f);
		kan_xml_attr(f, l->suppressed_by);
		if (r->supp_file) {
			fputs(" in ", f);
			kan_xml_attr(f, r->supp_file);
		}
		fputs(": ", f);
		kan_xml_attr(f, msg);
		fputs("\"/>\n", f);
	} else {
		fprintf(f, "      <failure type=\"%s\" message=\"", leak_kind[l->kind]);
		kan_xml_attr(f, msg);
		fputs("\">", f);
		kan_xml_text(f, msg);
		fputs(".\nAllocation stack, leaf first:\n", f);
		kan_xml_text(f, stack);
		fputs("</failure>\n", f);
	}
	fputs("    </testcase>\n", f);
	free(msg);
	free(stack);
}

static int junit(FILE *f, const struct kan_leak_report *const *r, size_t n, const struct kan_srcroots *roots)
{
	size_t tests = 0, failures = 0, skipped = 0;

	for (size_t i = 0; i < n; i++) {
		size_t t = r[i]->nleaks + r[i]->nsupp;

		tests += t ? t : 1;
		failures += r[i]->nleaks;
		skipped += r[i]->nsupp + (!r[i]->checked && !t);
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"kprof leaks\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
		tests, failures, skipped);
	for (size_t i = 0; i < n; i++) {
		const struct kan_leak_report *p = r[i];
		size_t t = p->nleaks + p->nsupp;
		char *suite = suite_name(p);
		const char *sn = suite ? suite : "leaks";

		fputs("  <testsuite name=\"", f);
		kan_xml_attr(f, sn);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\" file=\"", t ? t : 1,
			p->nleaks, p->nsupp + (!p->checked && !t));
		kan_xml_attr(f, p->source);
		fputs("\">\n    <properties>\n", f);
		if (nonempty(p->program)) {
			fputs("      <property name=\"program\" value=\"", f);
			kan_xml_attr(f, p->program);
			fputs("\"/>\n", f);
		}
		if (p->from_heap) {
			fprintf(f, "      <property name=\"in_use_at_exit\" value=\"%" PRIu64 " bytes in %" PRIu64 " blocks\"/>\n",
				p->bytes[KAN_LEAK_INUSE], p->blocks[KAN_LEAK_INUSE]);
		} else {
			fprintf(f, "      <property name=\"definitely_lost\" value=\"%" PRIu64 " bytes in %" PRIu64 " blocks\"/>\n",
				p->bytes[KAN_LEAK_DEFINITE], p->blocks[KAN_LEAK_DEFINITE]);
			fprintf(f, "      <property name=\"indirectly_lost\" value=\"%" PRIu64 " bytes in %" PRIu64 " blocks\"/>\n",
				p->bytes[KAN_LEAK_INDIRECT], p->blocks[KAN_LEAK_INDIRECT]);
			fprintf(f, "      <property name=\"still_reachable\" value=\"%" PRIu64 " bytes in %" PRIu64 " blocks\"/>\n",
				p->reach_bytes, p->reach_blocks);
		}
		fprintf(f, "      <property name=\"suppressed\" value=\"%" PRIu64 " bytes in %" PRIu64 " blocks\"/>\n",
			p->supp_bytes, p->supp_blocks);
		fputs("    </properties>\n", f);
		if (!t) {
			fputs("    <testcase classname=\"", f);
			kan_xml_attr(f, sn);
			fprintf(f, "\" name=\"%s\" time=\"0\"", p->checked ? "no leaks" : "leak check");
			if (!p->checked) {
				fputs(">\n      <skipped message=\"not checked: ", f);
				kan_xml_attr(f, p->reason ? p->reason : "unknown reason");
				fputs("\"/>\n    </testcase>\n", f);
			} else {
				fputs("/>\n", f);
			}
		}
		/* Equal names in one suite (one allocating line reached by two
		   stacks) get " [2]", " [3]"... */
		char **names = calloc(t + 1, sizeof(*names));
		for (size_t k = 0; k < t; k++) {
			const struct kan_leak *l = k < p->nleaks ? &p->leaks[k] : &p->supp[k - p->nleaks];
			size_t dup = 1;

			if (names)
				names[k] = case_name(l, roots);
			for (size_t k2 = 0; names && names[k] && k2 < k; k2++)
				dup += names[k2] && !strcmp(names[k2], names[k]);
			junit_case(f, sn, p, l, roots, names ? names[k] : NULL, dup);
		}
		for (size_t k = 0; names && k < t; k++)
			free(names[k]);
		free(names);
		fputs("  </testsuite>\n", f);
		free(suite);
	}
	fputs("</testsuites>\n", f);
	return 0;
}

/* ---- GitHub workflow commands ------------------------------------------ */

static int github(FILE *f, const struct kan_leak_report *const *r, size_t n, const struct kan_srcroots *roots)
{
	for (size_t i = 0; i < n; i++) {
		if (!r[i]->checked) {
			char *msg = NULL;

			KAN__STR(msg, fprintf(m_, "%s: not checked: %s", r[i]->source,
					      r[i]->reason ? r[i]->reason : "unknown reason"));
			kan_gh_command(f, "warning", NULL, 0, "kprof leaks", msg ? msg : "not checked");
			free(msg);
		}
		for (size_t k = 0; k < r[i]->nleaks; k++) {
			const struct kan_leak *l = &r[i]->leaks[k];
			long site = kan_leak_site(l, roots);
			const struct kan_leak_frame *fr = site >= 0 ? &l->frames[site] : NULL;
			char rb[KAN_PATH_BUF];
	const char *rel = fr ? kan_srcroots_rel(roots, fr->file, rb) : NULL;
			char *msg = NULL, *title = NULL;

			KAN__STR(title, print_title(m_, l));
			KAN__STR(msg, summary(m_, r[i], l, site, roots); fputs(". Stack:\n", m_);
				 stack_text(m_, l, roots));
			if (msg) {
				size_t len = strlen(msg);
				if (len && msg[len - 1] == '\n')
					msg[len - 1] = 0;
			}
			kan_gh_command(f, l->kind == KAN_LEAK_DEFINITE ? "error" : "warning", rel,
				       fr ? fr->line : 0, title, msg ? msg : "leak");
			free(msg);
			free(title);
		}
	}
	return 0;
}

int kan_leaks_write_ci(FILE *f, int format, const struct kan_leak_report *const *r, size_t n,
		       const struct kan_srcroots *roots)
{
	int rc;

	switch (format) {
	case KAN_CI_SARIF: rc = sarif(f, r, n, roots); break;
	case KAN_CI_JUNIT: rc = junit(f, r, n, roots); break;
	case KAN_CI_GITHUB: rc = github(f, r, n, roots); break;
	default: return -EINVAL;
	}
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}
