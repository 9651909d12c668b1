/* SPDX-License-Identifier: MIT */
/*
 * kprof leaks: the leak report of a libkalloc run, from PREFIX.leaks.json
 * (reachability-classified, as LeakSanitizer does), or from a heap profile
 * (heap.pb.gz: whatever was still in use at exit, unclassified). The
 * report can be filtered again with a suppressions file in the
 * KALLOC_SUPPRESSIONS syntax — "leak:PATTERN" lines, '#' comments; a
 * pattern with glob characters (* ? [) is matched with fnmatch against
 * each frame's function, object path and object base name, any other
 * pattern as a substring of the function or object — so a report can be
 * re-triaged without re-running the program. --fail makes the exit status
 * 1 when definite or indirect leaks (or, for heap profiles, in-use blocks)
 * remain. Several reports can be read at once (one program each); the CI
 * formats (SARIF, JUnit XML, GitHub annotations) are written by
 * leaks-ci.c from the model in leaks.h.
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ci.h"
#include "cli.h"
#include "json.h"
#include "kprof.h"
#include "escape.h"
#include "leaks.h"
#include "ku.h"
#include "tree.h"

static const char *const leak_kind[] = { "definite", "indirect", "inuse" };

struct kan__supp {
	char **pat;
	size_t n;
};

static void supp_free(struct kan__supp *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->pat[i]);
	free(s->pat);
}

static int supp_load(const char *path, struct kan__supp *s)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0;

	if (!f)
		return kan_die("leaks: %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e;
		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*p || *p == '#')
			continue;
		if (strncmp(p, "leak:", 5) || !p[5]) {
			fclose(f);
			return kan_die("leaks: %s:%d: expected 'leak:<function or library pattern>', got '%.60s'", path,
				       lineno, p);
		}
		char **np = realloc(s->pat, (s->n + 1) * sizeof(*np));
		if (!np || !(np[s->n] = strdup(p + 5))) {
			if (np)
				s->pat = np;
			fclose(f);
			return kan_die("out of memory");
		}
		s->pat = np;
		s->n++;
	}
	fclose(f);
	return 0;
}

static const char *supp_match(const struct kan__supp *s, const struct kan_leak *l)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *pat = s->pat[i];
		int sub = strpbrk(pat, "*?[") == NULL;
		for (size_t k = 0; k < l->nframes; k++) {
			const char *fn = l->frames[k].function, *obj = l->frames[k].object;
			const char *base = obj ? strrchr(obj, '/') : NULL;
			base = base ? base + 1 : obj;
			if (sub ? ((fn && strstr(fn, pat)) || (obj && *obj && strstr(obj, pat)))
				: ((fn && !fnmatch(pat, fn, 0)) ||
				   (obj && *obj && (!fnmatch(pat, obj, 0) || !fnmatch(pat, base, 0)))))
				return pat;
		}
	}
	return NULL;
}

static uint64_t as_u64(const struct ku_json *v)
{
	int64_t x = ku_json_as_int(v, 0);

	return x > 0 ? (uint64_t)x : 0;
}

void kan_leak_report_free(struct kan_leak_report *r)
{
	for (size_t i = 0; i < r->nleaks; i++)
		free(r->leaks[i].frames);
	free(r->leaks);
	for (size_t i = 0; i < r->nsupp; i++)
		free(r->supp[i].frames);
	free(r->supp);
}

int kan_leaks_from_json(const char *path, const struct ku_json *root, struct kan_leak_report *r)
{
	const struct ku_json *leaks = ku_json_get(root, "leaks");

	if (!root || root->type != KU_JSON_OBJECT || !ku_json_get(root, "definitely_lost") ||
	    (leaks && leaks->type != KU_JSON_ARRAY))
		return kan_die("leaks: %s: not a kprof leak report (no definitely_lost/leaks)", path);
	r->checked = ku_json_as_bool(ku_json_get(root, "checked"), true);
	r->reason = ku_json_as_string(ku_json_get(root, "reason"), NULL);
	r->program = ku_json_as_string(ku_json_get(root, "program"), NULL);
	r->blocks[KAN_LEAK_DEFINITE] = as_u64(ku_json_get(ku_json_get(root, "definitely_lost"), "blocks"));
	r->bytes[KAN_LEAK_DEFINITE] = as_u64(ku_json_get(ku_json_get(root, "definitely_lost"), "bytes"));
	r->blocks[KAN_LEAK_INDIRECT] = as_u64(ku_json_get(ku_json_get(root, "indirectly_lost"), "blocks"));
	r->bytes[KAN_LEAK_INDIRECT] = as_u64(ku_json_get(ku_json_get(root, "indirectly_lost"), "bytes"));
	r->reach_blocks = as_u64(ku_json_get(ku_json_get(root, "still_reachable"), "blocks"));
	r->reach_bytes = as_u64(ku_json_get(ku_json_get(root, "still_reachable"), "bytes"));
	r->supp_blocks = as_u64(ku_json_get(ku_json_get(root, "suppressed"), "blocks"));
	r->supp_bytes = as_u64(ku_json_get(ku_json_get(root, "suppressed"), "bytes"));
	size_t n = ku_json_count(leaks);
	r->leaks = calloc(n + 1, sizeof(*r->leaks));
	if (!r->leaks)
		return kan_die("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct ku_json *l = ku_json_at(leaks, i), *st = ku_json_get(l, "stack");
		const char *kind = ku_json_as_string(ku_json_get(l, "kind"), "");
		struct kan_leak *d = &r->leaks[r->nleaks];
		if (!l || l->type != KU_JSON_OBJECT)
			return kan_die("leaks: %s: leaks[%zu] is not an object", path, i);
		if (!strcmp(kind, "definite"))
			d->kind = KAN_LEAK_DEFINITE;
		else if (!strcmp(kind, "indirect"))
			d->kind = KAN_LEAK_INDIRECT;
		else
			return kan_die("leaks: %s: leaks[%zu] has unknown kind '%s'", path, i, kind);
		d->blocks = as_u64(ku_json_get(l, "blocks"));
		d->bytes = as_u64(ku_json_get(l, "bytes"));
		d->nframes = ku_json_count(st);
		d->frames = calloc(d->nframes + 1, sizeof(*d->frames));
		if (!d->frames)
			return kan_die("out of memory");
		r->nleaks++;
		for (size_t k = 0; k < d->nframes; k++) {
			const struct ku_json *fr = ku_json_at(st, k);
			d->frames[k].function = ku_json_as_string(ku_json_get(fr, "function"), NULL);
			d->frames[k].file = ku_json_as_string(ku_json_get(fr, "file"), NULL);
			d->frames[k].object = ku_json_as_string(ku_json_get(fr, "object"), NULL);
			d->frames[k].line = ku_json_as_int(ku_json_get(fr, "line"), 0);
		}
	}
	return 0;
}

static int cmp_leak(const void *a, const void *b)
{
	const struct kan_leak *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->blocks > y->blocks ? -1 : x->blocks < y->blocks;
}

static int cmp_str0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_stack(const void *a, const void *b)
{
	const struct kan_leak *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->nframes != y->nframes)
		return x->nframes < y->nframes ? -1 : 1;
	for (size_t i = 0; i < x->nframes; i++) {
		const struct kan_leak_frame *f = &x->frames[i], *g = &y->frames[i];
		if ((c = cmp_str0(f->function, g->function)) || (c = cmp_str0(f->file, g->file)) ||
		    (c = cmp_str0(f->object, g->object)))
			return c;
		if (f->line != g->line)
			return f->line < g->line ? -1 : 1;
	}
	return 0;
}

/* heap profile -> report: every sample still in use is one group. */
static int report_from_heap(const char *path, struct kan_profile *p, struct kan_leak_report *r)
{
	int si_b = kan_profile_sample_index(p, "inuse_space"), si_o = kan_profile_sample_index(p, "inuse_objects");

	if (si_b < 0 || si_o < 0 || strcmp(p->sample_types[si_b].type, "inuse_space") ||
	    strcmp(p->sample_types[si_o].type, "inuse_objects"))
		return kan_die("leaks: %s: not a heap profile (no inuse_space/inuse_objects sample types)", path);
	if (kan_profile_frames(p))
		return kan_die("out of memory");
	r->from_heap = 1;
	r->checked = 1;
	r->leaks = calloc(p->nsamples + 1, sizeof(*r->leaks));
	if (!r->leaks)
		return kan_die("out of memory");
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct kan_sample *s = &p->samples[i];
		int64_t b = p->values[i * p->nsample_types + (size_t)si_b];
		int64_t o = p->values[i * p->nsample_types + (size_t)si_o];
		if (b <= 0 && o <= 0)
			continue;
		struct kan_leak *d = &r->leaks[r->nleaks];
		size_t n = 0;
		for (uint32_t k = 0; k < s->nlocs; k++) {
			const struct kan_location *l = &p->locations[p->sample_locs[s->loc_off + k]];
			n += l->nlines ? l->nlines : 1;
		}
		d->kind = KAN_LEAK_INUSE;
		d->blocks = o > 0 ? (uint64_t)o : 0;
		d->bytes = b > 0 ? (uint64_t)b : 0;
		d->frames = calloc(n + 1, sizeof(*d->frames));
		if (!d->frames)
			return kan_die("out of memory");
		r->nleaks++;
		for (uint32_t k = 0; k < s->nlocs; k++) {
			size_t li = p->sample_locs[s->loc_off + k], nf;
			const struct kan_location *l = &p->locations[li];
			const uint32_t *f = kan_loc_frames(p, li, &nf);
			const char *obj = l->mapping ? p->mappings[l->mapping - 1].file : NULL;
			for (size_t q = 0; q < nf; q++) {
				struct kan_leak_frame *fr = &d->frames[d->nframes++];
				fr->function = p->frame_names[f[q]];
				fr->object = obj;
				if (q < l->nlines) {
					const struct kan_line *ln = &p->lines[l->line_off + q];
					fr->file = p->functions[ln->function].filename;
					fr->line = ln->line;
				}
			}
		}
	}
	return 0;
}

/* Groups whose symbolized stacks are equal are one group to a reader (an
 * unrolled loop calls from several addresses of one line); biggest first. */
static void merge_stacks(struct kan_leak *v, size_t *n)
{
	size_t k = 0;

	qsort(v, *n, sizeof(*v), cmp_stack);
	for (size_t i = 0; i < *n; i++) {
		if (k && !cmp_stack(&v[k - 1], &v[i])) {
			v[k - 1].blocks += v[i].blocks;
			v[k - 1].bytes += v[i].bytes;
			free(v[i].frames);
			continue;
		}
		v[k++] = v[i];
	}
	*n = k;
	qsort(v, *n, sizeof(*v), cmp_leak);
}

/* Suppressed groups leave the report's totals and its list of leaks, as
 * in the text report, and are kept apart for the CI formats, which show
 * them as suppressed. */
static int apply_supp(struct kan_leak_report *r, const struct kan__supp *s)
{
	size_t k = 0;

	if (r->from_heap)
		memset(r->blocks, 0, sizeof(r->blocks)), memset(r->bytes, 0, sizeof(r->bytes));
	if (s->n && !(r->supp = calloc(r->nleaks + 1, sizeof(*r->supp))))
		return kan_die("out of memory");
	for (size_t i = 0; i < r->nleaks; i++) {
		struct kan_leak *l = &r->leaks[i];
		const char *pat = s->n ? supp_match(s, l) : NULL;

		if (pat) {
			r->supp_blocks += l->blocks;
			r->supp_bytes += l->bytes;
			if (!r->from_heap) {
				r->blocks[l->kind] -= l->blocks < r->blocks[l->kind] ? l->blocks : r->blocks[l->kind];
				r->bytes[l->kind] -= l->bytes < r->bytes[l->kind] ? l->bytes : r->bytes[l->kind];
			}
			l->suppressed_by = pat;
			r->supp[r->nsupp++] = *l;
			continue;
		}
		if (r->from_heap) {
			r->blocks[l->kind] += l->blocks;
			r->bytes[l->kind] += l->bytes;
		}
		r->leaks[k++] = *l;
	}
	r->nleaks = k;
	merge_stacks(r->leaks, &r->nleaks);
	if (r->supp)
		merge_stacks(r->supp, &r->nsupp);
	return 0;
}

static void print_text(FILE *out, const struct kan_leak_report *r)
{
	fprintf(out, "leak report: %s\n", r->source);
	if (!r->checked) {
		fprintf(out, "not checked: %s\n", r->reason ? r->reason : "unknown reason");
		return;
	}
	if (r->from_heap) {
		fprintf(out, "in use at exit (not classified by reachability): %" PRIu64 " bytes in %" PRIu64 " blocks\n",
		       r->bytes[KAN_LEAK_INUSE], r->blocks[KAN_LEAK_INUSE]);
	} else {
		fprintf(out, "definitely lost: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->bytes[KAN_LEAK_DEFINITE],
		       r->blocks[KAN_LEAK_DEFINITE]);
		fprintf(out, "indirectly lost: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->bytes[KAN_LEAK_INDIRECT],
		       r->blocks[KAN_LEAK_INDIRECT]);
		fprintf(out, "still reachable: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->reach_bytes, r->reach_blocks);
	}
	fprintf(out, "suppressed: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->supp_bytes, r->supp_blocks);
	for (size_t i = 0; i < r->nleaks; i++) {
		const struct kan_leak *l = &r->leaks[i];
		fprintf(out, "\n%s of %" PRIu64 " bytes in %" PRIu64 " block%s allocated from:\n",
		       l->kind == KAN_LEAK_DEFINITE ? "Direct leak" : l->kind == KAN_LEAK_INDIRECT ? "Indirect leak"
												   : "In use",
		       l->bytes, l->blocks, l->blocks == 1 ? "" : "s");
		for (size_t k = 0; k < l->nframes; k++) {
			const struct kan_leak_frame *f = &l->frames[k];
			fprintf(out, "    #%zu ", k);
			kan_escape(out, f->function && *f->function ? f->function : "??", KAN_ESC_TEXT);
			if (f->file && *f->file) {
				putc(' ', out);
				kan_escape(out, f->file, KAN_ESC_TEXT);
				if (f->line > 0)
					fprintf(out, ":%" PRId64, f->line);
			}
			if (f->object && *f->object) {
				const char *b = strrchr(f->object, '/');
				fputs(" (", out);
				kan_escape(out, b ? b + 1 : f->object, KAN_ESC_TEXT);
				putc(')', out);
			}
			putc('\n', out);
		}
	}
	if (!r->nleaks)
		fprintf(out, "\nno leaks\n");
}

static void print_json(FILE *out, const struct kan_leak_report *r)
{
	struct ku_json_writer w;

	ku_json_writer_init(&w, KU_JSON_PRETTY);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-leaks/1");
	ku_json_kv_string(&w, "source", r->source);
	ku_json_kv_bool(&w, "checked", r->checked);
	if (!r->checked && r->reason)
		ku_json_kv_string(&w, "reason", r->reason);
	static const char *const keys[] = { "definitely_lost", "indirectly_lost", "in_use_at_exit" };
	for (int k = 0; k < KAN_LEAK_NKINDS; k++) {
		if (k == KAN_LEAK_INUSE && !r->from_heap)
			continue;
		ku_json_key(&w, keys[k]);
		ku_json_object_begin(&w);
		ku_json_kv_uint(&w, "blocks", r->blocks[k]);
		ku_json_kv_uint(&w, "bytes", r->bytes[k]);
		ku_json_object_end(&w);
	}
	ku_json_key(&w, "still_reachable");
	ku_json_object_begin(&w);
	ku_json_kv_uint(&w, "blocks", r->reach_blocks);
	ku_json_kv_uint(&w, "bytes", r->reach_bytes);
	ku_json_object_end(&w);
	ku_json_key(&w, "suppressed");
	ku_json_object_begin(&w);
	ku_json_kv_uint(&w, "blocks", r->supp_blocks);
	ku_json_kv_uint(&w, "bytes", r->supp_bytes);
	ku_json_object_end(&w);
	ku_json_key(&w, "leaks");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < r->nleaks; i++) {
		const struct kan_leak *l = &r->leaks[i];
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "kind", leak_kind[l->kind]);
		ku_json_kv_uint(&w, "blocks", l->blocks);
		ku_json_kv_uint(&w, "bytes", l->bytes);
		ku_json_key(&w, "stack");
		ku_json_array_begin(&w);
		for (size_t k = 0; k < l->nframes; k++) {
			const struct kan_leak_frame *f = &l->frames[k];
			ku_json_object_begin(&w);
			ku_json_kv_string(&w, "function", f->function ? f->function : "");
			ku_json_kv_string(&w, "file", f->file ? f->file : "");
			ku_json_kv_int(&w, "line", f->line);
			ku_json_kv_string(&w, "object", f->object ? f->object : "");
			ku_json_object_end(&w);
		}
		ku_json_array_end(&w);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	if (ku_json_writer_error(&w))
		kan_die("leaks: cannot write JSON: %s", ku_strerror(ku_json_writer_error(&w)));
	else
		fprintf(out, "%s\n", ku_json_writer_text(&w, NULL));
	ku_json_writer_free(&w);
}

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

int kan_leaks_finish(struct kan_leak_report *r)
{
	static const struct kan__supp none = { 0 };

	return apply_supp(r, &none);
}

/* One input of kprof leaks, loaded: the report borrows from root/prof. */
struct kan__input {
	struct kan_leak_report r;
	struct ku_json *root;
	struct kan_profile *prof;
	char *jpath;
};

static void input_free(struct kan__input *in)
{
	kan_leak_report_free(&in->r);
	ku_json_free(in->root);
	kan_profile_free(in->prof);
	free(in->jpath);
}

/* PREFIX, PREFIX.leaks.json or a heap profile -> in->r (suppressions
 * applied). 0 or 2 after a message. */
static int load_input(const char *arg, const struct kan__supp *supp, const char *supp_path,
		      struct kan__input *in)
{
	struct kan_leak_report *r = &in->r;

	if (ends_with(arg, ".json") && exists(arg)) {
		if (!(in->jpath = strdup(arg)))
			return kan_die("out of memory");
	} else if (exists(arg)) {
		if (kan_load(arg, &in->prof) || report_from_heap(arg, in->prof, r))
			return 2;
	} else {
		size_t n = strlen(arg) + sizeof(".leaks.json");

		if (!(in->jpath = malloc(n)))
			return kan_die("out of memory");
		snprintf(in->jpath, n, "%s.leaks.json", arg);
		if (!exists(in->jpath)) {
			char hp[4096];

			snprintf(hp, sizeof(hp), "%s.heap.pb.gz", arg);
			free(in->jpath);
			in->jpath = NULL;
			if (!exists(hp))
				return kan_die("leaks: %s: no such file, and no %s.leaks.json or %s.heap.pb.gz", arg, arg,
					       arg);
			if (kan_load(hp, &in->prof) || report_from_heap(hp, in->prof, r))
				return 2;
		}
	}
	if (in->jpath) {
		char err[512];

		if (ku_json_parse_file(in->jpath, &in->root, err, sizeof(err)))
			return kan_die("leaks: %s", err);
		if (kan_leaks_from_json(in->jpath, in->root, r))
			return 2;
	}
	r->source = in->jpath ? in->jpath : arg;
	r->supp_file = supp_path;
	return apply_supp(r, supp);
}

#define KAN__LEAKS_USAGE                                                                                   \
	"usage: kprof leaks PREFIX|PREFIX.leaks.json|heap.pb.gz... [--suppressions F]\n"                    \
	"       [--format text|json|sarif|junit|github] [--source-root DIR]... [-o FILE] [--fail]\n"

int kan_cmd_leaks(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "suppressions", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "source-root", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *supp_path = NULL, *format = "text", *out_path = NULL;
	struct kan_srcroots roots = { 0 };
	struct kan__supp supp = { 0 };
	struct kan__input *in = NULL;
	const struct kan_leak_report **rp = NULL;
	size_t nin = 0;
	int c, fail = 0, rc = 2, ci;
	FILE *out = stdout;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 's': supp_path = optarg; break;
		case 'f': format = optarg; break;
		case 'o': out_path = optarg; break;
		case 'r':
			if (kan_srcroots_add(&roots, optarg))
				goto out;
			break;
		case 'F': fail = 1; break;
		case 'h':
			printf(KAN__LEAKS_USAGE);
			kan_srcroots_free(&roots);
			return 0;
		default:
			kan_die("leaks: unknown or incomplete option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	ci = kan_ci_format(format);
	if (strcmp(format, "text") && strcmp(format, "json") && !ci) {
		kan_die("leaks: --format must be text, json, sarif, junit or github, not '%s'", format);
		goto out;
	}
	if (optind >= argc) {
		kan_die("leaks: usage: kprof leaks PREFIX... [--suppressions F] [--format F] [-o FILE] [--fail] "
			"(see kprof leaks --help)");
		goto out;
	}
	if (optind + 1 != argc && !strcmp(format, "json")) {
		kan_die("leaks: --format json takes one report (sarif, junit, github and text take several)");
		goto out;
	}
	if (ci && kan_srcroots_default(&roots))
		goto out;
	if (supp_path && supp_load(supp_path, &supp))
		goto out;
	nin = (size_t)(argc - optind);
	in = calloc(nin, sizeof(*in));
	rp = calloc(nin, sizeof(*rp));
	if (!in || !rp) {
		kan_die("out of memory");
		goto out;
	}
	for (size_t i = 0; i < nin; i++) {
		if (load_input(argv[optind + (int)i], &supp, supp_path, &in[i]))
			goto out;
		rp[i] = &in[i].r;
	}
	if (out_path && !(out = fopen(out_path, "w"))) {
		out = stdout;
		kan_die("leaks: %s: %s", out_path, strerror(errno));
		goto out;
	}
	if (ci) {
		if (kan_leaks_write_ci(out, ci, rp, nin, &roots)) {
			kan_die("leaks: cannot write the %s report", format);
			goto out;
		}
	} else {
		for (size_t i = 0; i < nin; i++) {
			if (i)
				putc('\n', out);
			if (!strcmp(format, "json"))
				print_json(out, rp[i]);
			else
				print_text(out, rp[i]);
		}
	}
	if (fflush(out) || ferror(out)) {
		kan_die("leaks: %s: write error", out_path ? out_path : "standard output");
		goto out;
	}
	rc = 0;
	for (size_t i = 0; fail && i < nin; i++) {
		const struct kan_leak_report *r = rp[i];

		if (r->checked &&
		    (r->blocks[KAN_LEAK_DEFINITE] || r->blocks[KAN_LEAK_INDIRECT] || r->blocks[KAN_LEAK_INUSE] ||
		     r->bytes[KAN_LEAK_DEFINITE] || r->bytes[KAN_LEAK_INDIRECT] || r->bytes[KAN_LEAK_INUSE]))
			rc = 1;
	}
out:
	if (out != stdout && fclose(out) && rc != 2)
		rc = kan_die("leaks: %s: write error", out_path);
	for (size_t i = 0; in && i < nin; i++)
		input_free(&in[i]);
	free(in);
	free(rp);
	supp_free(&supp);
	kan_srcroots_free(&roots);
	return rc;
}
