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
 * remain.
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "json.h"
#include "kprof.h"
#include "ku.h"
#include "tree.h"

enum { KAN_LEAK_DEFINITE, KAN_LEAK_INDIRECT, KAN_LEAK_INUSE, KAN_LEAK_NKINDS };

static const char *const kan__leak_kind[] = { "definite", "indirect", "inuse" };

struct kan__frame {
	const char *function, *file, *object;
	int64_t line;
};

struct kan__leak {
	int kind;
	uint64_t blocks, bytes;
	struct kan__frame *frames;
	size_t nframes;
};

struct kan__report {
	const char *source;
	int checked;
	const char *reason;
	uint64_t blocks[KAN_LEAK_NKINDS], bytes[KAN_LEAK_NKINDS];
	uint64_t reach_blocks, reach_bytes;
	uint64_t supp_blocks, supp_bytes;
	struct kan__leak *leaks;
	size_t nleaks;
	int from_heap;
};

struct kan__supp {
	char **pat;
	size_t n;
};

static void kan__supp_free(struct kan__supp *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->pat[i]);
	free(s->pat);
}

static int kan__supp_load(const char *path, struct kan__supp *s)
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

static int kan__supp_match(const struct kan__supp *s, const struct kan__leak *l)
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
				return 1;
		}
	}
	return 0;
}

static uint64_t kan__u(const struct ku_json *v)
{
	int64_t x = ku_json_as_int(v, 0);

	return x > 0 ? (uint64_t)x : 0;
}

static void kan__report_free(struct kan__report *r)
{
	for (size_t i = 0; i < r->nleaks; i++)
		free(r->leaks[i].frames);
	free(r->leaks);
}

/* leaks.json (libkalloc) -> report. Strings stay owned by the DOM. */
static int kan__from_json(const char *path, const struct ku_json *root, struct kan__report *r)
{
	const struct ku_json *leaks = ku_json_get(root, "leaks");

	if (!root || root->type != KU_JSON_OBJECT || !ku_json_get(root, "definitely_lost") ||
	    (leaks && leaks->type != KU_JSON_ARRAY))
		return kan_die("leaks: %s: not a kprof leak report (no definitely_lost/leaks)", path);
	r->checked = ku_json_as_bool(ku_json_get(root, "checked"), true);
	r->reason = ku_json_as_string(ku_json_get(root, "reason"), NULL);
	r->blocks[KAN_LEAK_DEFINITE] = kan__u(ku_json_get(ku_json_get(root, "definitely_lost"), "blocks"));
	r->bytes[KAN_LEAK_DEFINITE] = kan__u(ku_json_get(ku_json_get(root, "definitely_lost"), "bytes"));
	r->blocks[KAN_LEAK_INDIRECT] = kan__u(ku_json_get(ku_json_get(root, "indirectly_lost"), "blocks"));
	r->bytes[KAN_LEAK_INDIRECT] = kan__u(ku_json_get(ku_json_get(root, "indirectly_lost"), "bytes"));
	r->reach_blocks = kan__u(ku_json_get(ku_json_get(root, "still_reachable"), "blocks"));
	r->reach_bytes = kan__u(ku_json_get(ku_json_get(root, "still_reachable"), "bytes"));
	r->supp_blocks = kan__u(ku_json_get(ku_json_get(root, "suppressed"), "blocks"));
	r->supp_bytes = kan__u(ku_json_get(ku_json_get(root, "suppressed"), "bytes"));
	size_t n = ku_json_count(leaks);
	r->leaks = calloc(n + 1, sizeof(*r->leaks));
	if (!r->leaks)
		return kan_die("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct ku_json *l = ku_json_at(leaks, i), *st = ku_json_get(l, "stack");
		const char *kind = ku_json_as_string(ku_json_get(l, "kind"), "");
		struct kan__leak *d = &r->leaks[r->nleaks];
		if (!l || l->type != KU_JSON_OBJECT)
			return kan_die("leaks: %s: leaks[%zu] is not an object", path, i);
		if (!strcmp(kind, "definite"))
			d->kind = KAN_LEAK_DEFINITE;
		else if (!strcmp(kind, "indirect"))
			d->kind = KAN_LEAK_INDIRECT;
		else
			return kan_die("leaks: %s: leaks[%zu] has unknown kind '%s'", path, i, kind);
		d->blocks = kan__u(ku_json_get(l, "blocks"));
		d->bytes = kan__u(ku_json_get(l, "bytes"));
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

static int kan__cmp_leak(const void *a, const void *b)
{
	const struct kan__leak *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->blocks > y->blocks ? -1 : x->blocks < y->blocks;
}

static int kan__strcmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int kan__cmp_stack(const void *a, const void *b)
{
	const struct kan__leak *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->nframes != y->nframes)
		return x->nframes < y->nframes ? -1 : 1;
	for (size_t i = 0; i < x->nframes; i++) {
		const struct kan__frame *f = &x->frames[i], *g = &y->frames[i];
		if ((c = kan__strcmp0(f->function, g->function)) || (c = kan__strcmp0(f->file, g->file)) ||
		    (c = kan__strcmp0(f->object, g->object)))
			return c;
		if (f->line != g->line)
			return f->line < g->line ? -1 : 1;
	}
	return 0;
}

/* heap profile -> report: every sample still in use is one group. */
static int kan__from_heap(const char *path, struct kan_profile *p, struct kan__report *r)
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
		struct kan__leak *d = &r->leaks[r->nleaks];
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
				struct kan__frame *fr = &d->frames[d->nframes++];
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

static void kan__apply(struct kan__report *r, const struct kan__supp *s)
{
	size_t k = 0;

	if (r->from_heap)
		memset(r->blocks, 0, sizeof(r->blocks)), memset(r->bytes, 0, sizeof(r->bytes));
	for (size_t i = 0; i < r->nleaks; i++) {
		struct kan__leak *l = &r->leaks[i];
		if (s->n && kan__supp_match(s, l)) {
			r->supp_blocks += l->blocks;
			r->supp_bytes += l->bytes;
			if (!r->from_heap) {
				r->blocks[l->kind] -= l->blocks < r->blocks[l->kind] ? l->blocks : r->blocks[l->kind];
				r->bytes[l->kind] -= l->bytes < r->bytes[l->kind] ? l->bytes : r->bytes[l->kind];
			}
			free(l->frames);
			continue;
		}
		if (r->from_heap) {
			r->blocks[l->kind] += l->blocks;
			r->bytes[l->kind] += l->bytes;
		}
		r->leaks[k++] = *l;
	}
	r->nleaks = k;
	/* Groups whose symbolized stacks are equal are one group to a reader
	 * (an unrolled loop calls from several addresses of one line). */
	qsort(r->leaks, r->nleaks, sizeof(*r->leaks), kan__cmp_stack);
	k = 0;
	for (size_t i = 0; i < r->nleaks; i++) {
		if (k && !kan__cmp_stack(&r->leaks[k - 1], &r->leaks[i])) {
			r->leaks[k - 1].blocks += r->leaks[i].blocks;
			r->leaks[k - 1].bytes += r->leaks[i].bytes;
			free(r->leaks[i].frames);
			continue;
		}
		r->leaks[k++] = r->leaks[i];
	}
	r->nleaks = k;
	qsort(r->leaks, r->nleaks, sizeof(*r->leaks), kan__cmp_leak);
}

static void kan__print_text(const struct kan__report *r)
{
	printf("leak report: %s\n", r->source);
	if (!r->checked) {
		printf("not checked: %s\n", r->reason ? r->reason : "unknown reason");
		return;
	}
	if (r->from_heap) {
		printf("in use at exit (not classified by reachability): %" PRIu64 " bytes in %" PRIu64 " blocks\n",
		       r->bytes[KAN_LEAK_INUSE], r->blocks[KAN_LEAK_INUSE]);
	} else {
		printf("definitely lost: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->bytes[KAN_LEAK_DEFINITE],
		       r->blocks[KAN_LEAK_DEFINITE]);
		printf("indirectly lost: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->bytes[KAN_LEAK_INDIRECT],
		       r->blocks[KAN_LEAK_INDIRECT]);
		printf("still reachable: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->reach_bytes, r->reach_blocks);
	}
	printf("suppressed: %" PRIu64 " bytes in %" PRIu64 " blocks\n", r->supp_bytes, r->supp_blocks);
	for (size_t i = 0; i < r->nleaks; i++) {
		const struct kan__leak *l = &r->leaks[i];
		printf("\n%s of %" PRIu64 " bytes in %" PRIu64 " block%s allocated from:\n",
		       l->kind == KAN_LEAK_DEFINITE ? "Direct leak" : l->kind == KAN_LEAK_INDIRECT ? "Indirect leak"
												   : "In use",
		       l->bytes, l->blocks, l->blocks == 1 ? "" : "s");
		for (size_t k = 0; k < l->nframes; k++) {
			const struct kan__frame *f = &l->frames[k];
			printf("    #%zu %s", k, f->function && *f->function ? f->function : "??");
			if (f->file && *f->file) {
				printf(" %s", f->file);
				if (f->line > 0)
					printf(":%" PRId64, f->line);
			}
			if (f->object && *f->object) {
				const char *b = strrchr(f->object, '/');
				printf(" (%s)", b ? b + 1 : f->object);
			}
			putchar('\n');
		}
	}
	if (!r->nleaks)
		printf("\nno leaks\n");
}

static void kan__print_json(const struct kan__report *r)
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
		const struct kan__leak *l = &r->leaks[i];
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "kind", kan__leak_kind[l->kind]);
		ku_json_kv_uint(&w, "blocks", l->blocks);
		ku_json_kv_uint(&w, "bytes", l->bytes);
		ku_json_key(&w, "stack");
		ku_json_array_begin(&w);
		for (size_t k = 0; k < l->nframes; k++) {
			const struct kan__frame *f = &l->frames[k];
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
		printf("%s\n", ku_json_writer_text(&w, NULL));
	ku_json_writer_free(&w);
}

static int kan__exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int kan__ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

int kan_cmd_leaks(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "suppressions", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "fail", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *supp_path = NULL, *format = "text";
	int c, fail = 0, rc = 2;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': supp_path = optarg; break;
		case 'f': format = optarg; break;
		case 'F': fail = 1; break;
		case 'h':
			printf("usage: kprof leaks PREFIX|PREFIX.leaks.json|heap.pb.gz [--suppressions F] "
			       "[--format text|json] [--fail]\n");
			return 0;
		default: return kan_die("leaks: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json"))
		return kan_die("leaks: --format must be text or json, not '%s'", format);
	if (optind + 1 != argc)
		return kan_die("leaks: usage: kprof leaks PREFIX|heap.pb.gz [--suppressions F] [--format text|json] [--fail]");
	const char *arg = argv[optind];
	struct kan__supp supp = { 0 };
	struct kan__report r = { 0 };
	struct ku_json *root = NULL;
	struct kan_profile *prof = NULL;
	char *jpath = NULL;

	if (supp_path && kan__supp_load(supp_path, &supp))
		goto out;
	if (kan__ends(arg, ".json") && kan__exists(arg)) {
		jpath = strdup(arg);
	} else if (kan__exists(arg)) {
		if (kan_load(arg, &prof))
			goto out;
		if (kan__from_heap(arg, prof, &r))
			goto out;
	} else {
		size_t n = strlen(arg) + sizeof(".leaks.json");
		jpath = malloc(n);
		if (jpath)
			snprintf(jpath, n, "%s.leaks.json", arg);
		if (jpath && !kan__exists(jpath)) {
			char hp[4096];
			snprintf(hp, sizeof(hp), "%s.heap.pb.gz", arg);
			if (kan__exists(hp)) {
				free(jpath);
				jpath = NULL;
				if (kan_load(hp, &prof) || kan__from_heap(hp, prof, &r))
					goto out;
			} else {
				kan_die("leaks: %s: no such file, and no %s.leaks.json or %s.heap.pb.gz", arg, arg, arg);
				goto out;
			}
		}
	}
	if (jpath) {
		char err[512];
		if (ku_json_parse_file(jpath, &root, err, sizeof(err))) {
			kan_die("leaks: %s", err);
			goto out;
		}
		if (kan__from_json(jpath, root, &r))
			goto out;
	}
	r.source = jpath ? jpath : arg;
	kan__apply(&r, &supp);
	if (!strcmp(format, "json"))
		kan__print_json(&r);
	else
		kan__print_text(&r);
	if (fflush(stdout)) {
		kan_die("leaks: write error");
		goto out;
	}
	rc = 0;
	if (fail && r.checked &&
	    (r.blocks[KAN_LEAK_DEFINITE] || r.blocks[KAN_LEAK_INDIRECT] || r.blocks[KAN_LEAK_INUSE] ||
	     r.bytes[KAN_LEAK_DEFINITE] || r.bytes[KAN_LEAK_INDIRECT] || r.bytes[KAN_LEAK_INUSE]))
		rc = 1;
out:
	kan__report_free(&r);
	kan__supp_free(&supp);
	ku_json_free(root);
	kan_profile_free(prof);
	free(jpath);
	return rc;
}
