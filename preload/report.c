/* SPDX-License-Identifier: MIT */
/*
 * report: what libkalloc.so writes, at exit and on snapshots:
 * <prefix>.leaks.txt and .leaks.json (leaks grouped by allocation stack,
 * biggest first, symbolized), <prefix>.heap.pb.gz (pprof heap profile),
 * stats.json (stats.c) and timeline.json (timeline.c), plus the one-line
 * summary on stderr. Runs with the caller's guard set: everything it
 * allocates (symbolizer, stdio, pprof builder) bypasses tracking.
 * Formats are documented in kprof-formats(7).
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ku.h"
#include "outdir.h"
#include "report-internal.h"
#include "timeline.h"

/* ---- output helpers ------------------------------------------------------- */

/* Where this report's files go (lib/outdir.h: the requested prefix, or
 * /tmp/kalloc-<euid>/ when it is refused), what was written and lost.
 * Used under kalloc__report_lock only. */
static struct ku_outdir kalloc__od;
/* The output the summary line points at, and where it was written. */
static const char *kalloc__see_name;
static char kalloc__see[KU_OUTDIR_MAX];
static int kalloc__leaks_on_stderr;

struct kalloc__out {
	FILE *f;
	const char *name;
	char path[KU_OUTDIR_MAX], tmp[KU_OUTDIR_MAX + 32];
	int to_stderr;
};

int kalloc__write_fail_once; /* shared with timeline.c: one warning in all */

static FILE *kalloc__open_tmp(struct kalloc__out *o)
{
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp%d", o->path, (int)getpid());
	return fopen(o->tmp, "we");
}

/* Opens <prefix>.<suffix> (through a temporary file renamed into place)
 * where the outdir policy says; with stderr_fallback, a file that cannot
 * be written anywhere goes to stderr instead. */
static int kalloc__open(struct kalloc__out *o, const char *prefix, const char *suffix, int stderr_fallback)
{
	char want[KU_OUTDIR_MAX];
	int err;

	memset(o, 0, sizeof(*o));
	o->name = suffix;
	snprintf(want, sizeof(want), "%s.%s", prefix, suffix);
	ku_outdir_where(&kalloc__od, want, o->path, sizeof(o->path));
	o->f = kalloc__open_tmp(o);
	if (!o->f) {
		err = -errno;
		if (ku_outdir_fallback(&kalloc__od, want, err, o->path, sizeof(o->path)) == 0) {
			o->f = kalloc__open_tmp(o);
			err = o->f ? 0 : -errno;
		}
	}
	if (!o->f) {
		ku_outdir_done(&kalloc__od, suffix, o->path, err);
		if (!stderr_fallback)
			return -1;
		o->f = stderr;
		o->to_stderr = 1;
		kalloc__leaks_on_stderr = 1;
	}
	return 0;
}

static int kalloc__close(struct kalloc__out *o)
{
	int err;

	if (o->to_stderr) {
		fflush(stderr);
		return -1;
	}
	err = ferror(o->f) ? -EIO : 0;
	if (fclose(o->f) != 0 && !err)
		err = -errno;
	if (!err && rename(o->tmp, o->path) != 0)
		err = -errno;
	if (err) {
		unlink(o->tmp);
		ku_outdir_done(&kalloc__od, o->name, o->path, err);
		return -1;
	}
	ku_outdir_done(&kalloc__od, o->name, o->path, 0);
	if (kalloc__see_name && strcmp(o->name, kalloc__see_name) == 0)
		snprintf(kalloc__see, sizeof(kalloc__see), "%s", o->path);
	return 0;
}

/* A document the writer holds, into <prefix>.<suffix> (lib/json.h's
 * writer is the project's one: UTF-8, locale, non-finite numbers). */
void kalloc__save_json(const char *prefix, const char *suffix, struct ku_json_writer *w)
{
	struct kalloc__out o;
	int err = ku_json_writer_error(w);

	if (err) {
		ku_outdir_done(&kalloc__od, suffix, NULL, err);
		return;
	}
	if (kalloc__open(&o, prefix, suffix, 0) != 0)
		return;
	ku_json_writer_print(w, o.f);
	kalloc__close(&o);
}

/* ---- suppressions -------------------------------------------------------- */

struct kalloc__supp {
	char (*pat)[256];
	int n;
	uint64_t *hits;
};

static void kalloc__supp_load(struct kalloc__supp *sp)
{
	FILE *f;
	char line[512];
	int lineno = 0, cap = 0;

	memset(sp, 0, sizeof(*sp));
	if (!kalloc__cfg.suppressions[0])
		return;
	f = fopen(kalloc__cfg.suppressions, "re");
	if (!f) {
		kalloc__warn(NULL, "cannot read suppressions %s: %s; none used", kalloc__cfg.suppressions,
			     strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s || *s == '#')
			continue;
		if (strncmp(s, "leak:", 5) != 0 || !s[5] || strlen(s + 5) >= 256) {
			kalloc__warn(NULL, "%s:%d: expected 'leak:<function or library pattern>', got '%.60s'; line ignored",
				     kalloc__cfg.suppressions, lineno, s);
			continue;
		}
		if (sp->n == cap) {
			int ncap = cap ? cap * 2 : 16;
			char(*np)[256] = realloc(sp->pat, (size_t)ncap * sizeof(*np));
			uint64_t *nh = realloc(sp->hits, (size_t)ncap * sizeof(*nh));

			if (!np || !nh) {
				free(np ? np : sp->pat);
				free(nh ? nh : sp->hits);
				memset(sp, 0, sizeof(*sp));
				break;
			}
			sp->pat = np;
			sp->hits = nh;
			cap = ncap;
		}
		snprintf(sp->pat[sp->n], 256, "%s", s + 5);
		sp->hits[sp->n++] = 0;
	}
	fclose(f);
}

static int kalloc__supp_match(struct kalloc__supp *sp, struct kalloc__symtab *st, const struct kalloc__stack *s)
{
	const uintptr_t *pcs = kalloc__stack_pcs(s);
	uint32_t d;
	int i, k;

	for (i = 0; i < sp->n; i++) {
		const char *pat = sp->pat[i];
		int sub = strpbrk(pat, "*?[") == NULL; /* plain text matches as a substring, like LSan */

		for (d = 0; d < s->depth; d++) {
			const struct kalloc__pcinfo *pi = kalloc__resolve(st, pcs[d]);

			for (k = 0; k < pi->nframes; k++) {
				const char *fn = pi->f[k].function, *obj = pi->object;
				const char *base = obj ? strrchr(obj, '/') : NULL;

				base = base ? base + 1 : obj;
				if (sub ? ((fn && strstr(fn, pat)) || (obj && *obj && strstr(obj, pat)))
					: ((fn && fnmatch(pat, fn, 0) == 0) ||
					   (obj && *obj && (fnmatch(pat, obj, 0) == 0 || fnmatch(pat, base, 0) == 0)))) {
					sp->hits[i]++;
					return 1;
				}
			}
		}
	}
	return 0;
}

/* ---- leak report ---------------------------------------------------------- */

struct kalloc__group {
	int kind;
	uint32_t stack;
	uint64_t blocks, bytes;
};

static int kalloc__blk_kind_stack(const void *a, const void *b)
{
	const struct kalloc__block *x = a, *y = b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

static int kalloc__group_cmp(const void *a, const void *b)
{
	const struct kalloc__group *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->kind != y->kind)
		return y->kind - x->kind; /* definite first */
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

struct kalloc__leakrep {
	struct kalloc__group *g;
	size_t ng;
	uint64_t blocks[4], bytes[4];	/* reported (not suppressed) */
	uint64_t supp_blocks, supp_bytes;
	uint64_t unread_threads;
	size_t glen;
};

static void kalloc__leaks_group(struct kalloc__leakset *ls, struct kalloc__symtab *st,
				struct kalloc__supp *sp, struct kalloc__leakrep *r)
{
	size_t i, j, nleak = 0;

	memset(r, 0, sizeof(*r));
	r->blocks[KALLOC_REACHABLE] = ls->blocks[KALLOC_REACHABLE];
	r->bytes[KALLOC_REACHABLE] = ls->bytes[KALLOC_REACHABLE];
	r->unread_threads = ls->unread_threads;
	/* Leaked blocks to the front, then sorted by (kind, stack). */
	for (i = 0; i < ls->n; i++)
		if (ls->b[i].kind != KALLOC_REACHABLE) {
			struct kalloc__block t = ls->b[nleak];

			ls->b[nleak++] = ls->b[i];
			ls->b[i] = t;
		}
	qsort(ls->b, nleak, sizeof(*ls->b), kalloc__blk_kind_stack);
	r->glen = ((nleak + 1) * sizeof(struct kalloc__group) + 4095) & ~(size_t)4095;
	r->g = kalloc__map(r->glen);
	if (!r->g)
		return;
	for (i = 0; i < nleak; i = j) {
		struct kalloc__group g = {ls->b[i].kind, ls->b[i].stack, 0, 0};

		for (j = i; j < nleak && ls->b[j].kind == g.kind && ls->b[j].stack == g.stack; j++) {
			g.blocks++;
			g.bytes += ls->b[j].size;
		}
		if (sp->n && g.stack && kalloc__supp_match(sp, st, kalloc__stack_get(g.stack))) {
			r->supp_blocks += g.blocks;
			r->supp_bytes += g.bytes;
			continue;
		}
		r->blocks[g.kind] += g.blocks;
		r->bytes[g.kind] += g.bytes;
		r->g[r->ng++] = g;
	}
	qsort(r->g, r->ng, sizeof(*r->g), kalloc__group_cmp);
}

static const char *kalloc__exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* "NAME":{"blocks":N,"bytes":N} on a line of its own. */
static void kalloc__json_blocks(struct ku_json_writer *w, const char *name, uint64_t blocks, uint64_t bytes)
{
	ku_json_newline(w, "");
	ku_json_key(w, name);
	ku_json_object_begin(w);
	ku_json_kv_uint(w, "blocks", blocks);
	ku_json_kv_uint(w, "bytes", bytes);
	ku_json_object_end(w);
}

/* leaks.json: the report r, or (why != NULL) why there is none. */
static void kalloc__write_leaks_json(const char *prefix, const char *why, const char *exe, struct kalloc__symtab *st,
				     const struct kalloc__leakrep *r)
{
	static const struct kalloc__leakrep none;
	struct ku_json_writer w;

	if (!r)
		r = &none;
	ku_json_writer_init(&w, 0);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-leaks/1");
	ku_json_kv_int(&w, "pid", (int64_t)getpid());
	if (why) {
		ku_json_kv_bool(&w, "checked", false);
		ku_json_kv_string(&w, "reason", why);
	} else {
		ku_json_kv_string(&w, "program", exe);
	}
	kalloc__json_blocks(&w, "definitely_lost", r->blocks[KALLOC_DEFINITE], r->bytes[KALLOC_DEFINITE]);
	kalloc__json_blocks(&w, "indirectly_lost", r->blocks[KALLOC_INDIRECT], r->bytes[KALLOC_INDIRECT]);
	kalloc__json_blocks(&w, "still_reachable", r->blocks[KALLOC_REACHABLE], r->bytes[KALLOC_REACHABLE]);
	if (!why)
		kalloc__json_blocks(&w, "suppressed", r->supp_blocks, r->supp_bytes);
	ku_json_newline(&w, "");
	ku_json_key(&w, "leaks");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < r->ng; i++) {
		const struct kalloc__group *g = &r->g[i];

		ku_json_newline(&w, "");
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "kind", g->kind == KALLOC_DEFINITE ? "definite" : "indirect");
		ku_json_kv_uint(&w, "blocks", g->blocks);
		ku_json_kv_uint(&w, "bytes", g->bytes);
		ku_json_key(&w, "stack");
		kalloc__print_stack_json(&w, st, g->stack);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	kalloc__save_json(prefix, "leaks.json", &w);
	ku_json_writer_free(&w);
}

static void kalloc__write_leaks(const char *prefix, struct kalloc__symtab *st, struct kalloc__leakrep *r)
{
	struct kalloc__out o;
	char exe[1024];
	size_t i;

	kalloc__exe(exe, sizeof(exe));
	if (kalloc__open(&o, prefix, "leaks.txt", 1) == 0) {
		FILE *f = o.f;

		fprintf(f, "kalloc leak report: pid %d, %s\n", (int)getpid(), exe);
		fprintf(f, "definitely lost: %llu bytes in %llu blocks\n",
			(unsigned long long)r->bytes[KALLOC_DEFINITE], (unsigned long long)r->blocks[KALLOC_DEFINITE]);
		fprintf(f, "indirectly lost: %llu bytes in %llu blocks\n",
			(unsigned long long)r->bytes[KALLOC_INDIRECT], (unsigned long long)r->blocks[KALLOC_INDIRECT]);
		fprintf(f, "still reachable: %llu bytes in %llu blocks\n",
			(unsigned long long)r->bytes[KALLOC_REACHABLE], (unsigned long long)r->blocks[KALLOC_REACHABLE]);
		fprintf(f, "suppressed: %llu bytes in %llu blocks\n", (unsigned long long)r->supp_bytes,
			(unsigned long long)r->supp_blocks);
		if (r->unread_threads)
			fprintf(f, "threads whose stack could not be scanned (running throughout): %llu\n",
				(unsigned long long)r->unread_threads);
		for (i = 0; i < r->ng; i++) {
			const struct kalloc__group *g = &r->g[i];

			fprintf(f, "\n%s leak of %llu bytes in %llu blocks allocated from:\n",
				g->kind == KALLOC_DEFINITE ? "Direct" : "Indirect", (unsigned long long)g->bytes,
				(unsigned long long)g->blocks);
			kalloc__print_stack_txt(f, st, g->stack);
		}
		kalloc__close(&o);
	}
	kalloc__write_leaks_json(prefix, NULL, exe, st, r);
}

/* Leak files when no leak check was possible (count and sample modes). */
static void kalloc__write_no_leaks(const char *prefix)
{
	struct kalloc__out o;
	const char *why = "leak checking needs KALLOC_MODE=full";

	if (kalloc__open(&o, prefix, "leaks.txt", 0) == 0) {
		fprintf(o.f, "kalloc leak report: pid %d\nnot checked: %s\n", (int)getpid(), why);
		kalloc__close(&o);
	}
	kalloc__write_leaks_json(prefix, why, NULL, NULL, NULL);
}

/* ---- heap.pb.gz --------------------------------------------------------------- */

struct kalloc__inuse {
	double *objs, *bytes;
};

static void kalloc__inuse_cb(uintptr_t p, size_t size, uint32_t stack, void *arg)
{
	struct kalloc__inuse *iu = arg;
	double w = 1.0;

	(void)p;
	if (kalloc__mode == KALLOC_MODE_SAMPLE) {
		double prob = -expm1(-(double)size / (double)kalloc__cfg.sample_bytes);

		w = prob > 0 ? 1.0 / prob : 1.0;
	}
	iu->objs[stack] += w;
	iu->bytes[stack] += w * (double)size;
}

static uint64_t kalloc__pprof_mapping_id(struct ku_pprof *pp, struct kalloc__symtab *st, uint64_t *ids,
					 uintptr_t pc)
{
	const struct ku_map *m = ku_procmaps_find(&st->maps, pc);
	uint64_t id;

	return m && ku_pprof_map(pp, &st->maps, m, ids, st->sym != NULL, &id) == 0 ? id : 0;
}

static int kalloc__write_pprof(const char *path, void *pp)
{
	return ku_pprof_write_gz(pp, path);
}

static void kalloc__write_heap(const char *prefix, struct kalloc__symtab *st)
{
	static const struct ku_pprof_value_type types[] = {
		{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
	/* Full mode: temporary allocations and the live bytes at the global
	 * peak too, before the inuse pair (pprof shows the last by default). */
	static const struct ku_pprof_value_type types_full[] = {
		{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"temp_objects", "count"},
		{"peak_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
	struct kalloc__tl_sites tls = {0};
	int full = kalloc__mode == KALLOC_MODE_FULL && kalloc__tl_sites_get(&tls) == 0 && tls.n >= kalloc__stack_count();
	static const struct ku_pprof_value_type period = {"space", "bytes"};
	struct ku_pprof *pp = NULL;
	struct kalloc__inuse iu;
	struct kalloc__eff eff = {0};
	uint32_t nst = kalloc__stack_count(), id;
	uint64_t *mapids, locs[KALLOC__MAX_DEPTH];
	size_t len = ((size_t)(nst + 1) * 2 * sizeof(double) + st->maps.n * sizeof(uint64_t) + 4095) & ~(size_t)4095;
	char path[KU_OUTDIR_MAX], comment[128];
	void *mem;
	int err;

	mem = kalloc__map(len);
	if (!mem) {
		ku_outdir_done(&kalloc__od, "heap.pb.gz", NULL, -ENOMEM);
		kalloc__tl_sites_free(&tls);
		return;
	}
	if (kalloc__eff_get(&eff) != 0 || eff.n < nst)
		kalloc__eff_free(&eff);
	iu.objs = mem;
	iu.bytes = iu.objs + nst + 1;
	mapids = (uint64_t *)(iu.bytes + nst + 1);
	kalloc__table_lock_all();
	kalloc__table_each(kalloc__inuse_cb, &iu);
	kalloc__table_unlock_all();
	err = ku_pprof_new(&pp, full ? types_full : types, full ? 6 : 4, &period,
			   kalloc__mode == KALLOC_MODE_SAMPLE ? kalloc__cfg.sample_bytes : 1);
	if (err)
		goto out;
	snprintf(comment, sizeof(comment), "kalloc mode=%s unwind=%s sample_bytes=%lld", kalloc__mode_name(),
		 ku_unwind_name(kalloc__cfg.unwind), (long long)kalloc__cfg.sample_bytes);
	ku_pprof_comment(pp, comment);
	{
		/* pprof names a profile after its first mapping: the program. */
		char exe[1024];
		size_t i;

		kalloc__exe(exe, sizeof(exe));
		for (i = 0; i < st->maps.n; i++)
			if ((st->maps.map[i].prot & KU_MAP_X) && strcmp(st->maps.map[i].path, exe) == 0) {
				kalloc__pprof_mapping_id(pp, st, mapids, st->maps.map[i].start);
				break;
			}
	}
	for (id = 1; id <= nst; id++) {
		struct kalloc__stack *s = kalloc__stack_get(id);
		const uintptr_t *pcs = kalloc__stack_pcs(s);
		int64_t v[6];
		uint32_t d;
		size_t nl = 0;

		if (kalloc__mode == KALLOC_MODE_SAMPLE) {
			v[0] = (int64_t)(s->est_allocs + 0.5);
			v[1] = (int64_t)(s->est_bytes + 0.5);
		} else {
			v[0] = eff.allocs ? (int64_t)eff.allocs[id] : (int64_t)s->allocs;
			v[1] = eff.allocs ? (int64_t)eff.bytes[id] : (int64_t)s->bytes;
		}
		v[2] = (int64_t)(iu.objs[id] + 0.5);
		v[3] = (int64_t)(iu.bytes[id] + 0.5);
		if (!v[0] && !v[2])
			continue;
		if (full) {
			v[5] = v[3];
			v[4] = v[2];
			v[2] = (int64_t)tls.temps[id];
			v[3] = (int64_t)tls.peak[id];
		}
		for (d = 0; d < s->depth && nl < KALLOC__MAX_DEPTH; d++) {
			const struct kalloc__pcinfo *pi = kalloc__resolve(st, pcs[d]);
			struct ku_pprof_line lines[KU_SYM_CHAIN_MAX];
			size_t k, n = 0;
			uint64_t mid = kalloc__pprof_mapping_id(pp, st, mapids, pcs[d]), fid;

			for (k = 0; k < (size_t)pi->nframes; k++) {
				if (!pi->f[k].function)
					continue;
				if (ku_pprof_function(pp, pi->f[k].function, NULL, pi->f[k].file, 0, &fid) != 0)
					continue;
				lines[n].function_id = fid;
				lines[n].line = pi->f[k].line;
				n++;
			}
			/* pprof expects call addresses for callers: use pc - 1. */
			if (ku_pprof_location(pp, mid, pcs[d] - 1, lines, n, &locs[nl]) == 0)
				nl++;
		}
		ku_pprof_sample(pp, locs, nl, v, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s.heap.pb.gz", prefix);
	ku_outdir_write(&kalloc__od, path, "heap.pb.gz", kalloc__write_pprof, pp, NULL, 0);
out:
	if (err)
		ku_outdir_done(&kalloc__od, "heap.pb.gz", NULL, err);
	ku_pprof_free(pp);
	kalloc__tl_sites_free(&tls);
	kalloc__eff_free(&eff);
	kalloc__unmap(mem, len);
}

/* ---- entry --------------------------------------------------------------------- */

static kalloc__lock_t kalloc__report_lock;

uint64_t kalloc__report(const char *prefix, int final, const struct kalloc__roots *roots)
{
	struct kalloc__symtab st;
	struct kalloc__leakset ls;
	struct kalloc__leakrep r;
	struct kalloc__supp sp;
	struct kalloc__totals tot;
	int have_st, scanned = 0;
	char msg[1024], see[KU_OUTDIR_MAX + 16];

	if (!prefix)
		prefix = kalloc__cfg.prefix;
	kalloc__lock(&kalloc__report_lock);
	if (!final && kalloc__final_begun()) {
		/* The process is exiting: a snapshot now would be cut short. */
		kalloc__unlock(&kalloc__report_lock);
		return 0;
	}
	kalloc__leaks_on_stderr = 0;
	memset(&r, 0, sizeof(r));
	memset(&ls, 0, sizeof(ls));
	ku_outdir_init(&kalloc__od, "kalloc");
	kalloc__see[0] = 0;
	have_st = kalloc__symtab_init(&st) == 0;
	kalloc__supp_load(&sp);
	if (kalloc__mode == KALLOC_MODE_FULL && have_st && kalloc__leaks_scan(&ls, roots) == 0) {
		scanned = 1;
		kalloc__see_name = "leaks.txt";
		kalloc__leaks_group(&ls, &st, &sp, &r);
		kalloc__write_leaks(prefix, &st, &r);
	} else {
		kalloc__see_name = "stats.json";
		kalloc__write_no_leaks(prefix);
	}
	kalloc__tl_write(prefix);
	if (have_st) {
		kalloc__write_stats(prefix, &st, final);
		if (kalloc__mode != KALLOC_MODE_COUNT)
			kalloc__write_heap(prefix, &st);
	} else {
		ku_outdir_done(&kalloc__od, "stats.json", NULL, -ENOMEM);
		if (kalloc__mode != KALLOC_MODE_COUNT)
			ku_outdir_done(&kalloc__od, "heap.pb.gz", NULL, -ENOMEM);
	}
	/* One line for every file that did not go where it was asked. */
	ku_outdir_message(&kalloc__od, msg, sizeof(msg));
	if (msg[0])
		kalloc__warn(final ? NULL : &kalloc__write_fail_once, "%s%s", msg,
			     kalloc__leaks_on_stderr ? "; the leak report is above on stderr" : "");
	if (!kalloc__see[0] && kalloc__od.first[0])
		snprintf(kalloc__see, sizeof(kalloc__see), "%s", kalloc__od.first);
	if (kalloc__see[0])
		snprintf(see, sizeof(see), "; see %s", kalloc__see);
	else
		snprintf(see, sizeof(see), "; no file written");
	kalloc__totals(&tot);
	/* One summary line for the run: the descendants' files are named
	 * <prefix>.<pid>.* and their stderr may be data (a pipe). */
	if (!kalloc__cfg.quiet && !kalloc__cfg.descendant) {
		if (scanned)
			kalloc__warn(NULL,
				     "%llu allocations, %llu bytes, peak %llu live bytes; definitely lost %llu bytes in %llu blocks,"
				     " indirectly lost %llu bytes in %llu blocks, still reachable %llu bytes in %llu blocks%s%s",
				     (unsigned long long)tot.allocs, (unsigned long long)tot.bytes, (unsigned long long)tot.peak,
				     (unsigned long long)r.bytes[KALLOC_DEFINITE], (unsigned long long)r.blocks[KALLOC_DEFINITE],
				     (unsigned long long)r.bytes[KALLOC_INDIRECT], (unsigned long long)r.blocks[KALLOC_INDIRECT],
				     (unsigned long long)r.bytes[KALLOC_REACHABLE], (unsigned long long)r.blocks[KALLOC_REACHABLE],
				     final ? "" : " (snapshot)", see);
		else
			kalloc__warn(NULL, "%llu allocations, %llu bytes, peak %llu live bytes (%s mode)%s%s",
				     (unsigned long long)tot.allocs, (unsigned long long)tot.bytes,
				     (unsigned long long)tot.peak, kalloc__mode_name(), final ? "" : " (snapshot)", see);
	}
	if (kalloc__cfg.quiet < 0)
		kalloc__summary_unwind();
	kalloc__unmap(r.g, r.glen);
	kalloc__leaks_free(&ls);
	free(sp.pat);
	free(sp.hits);
	if (have_st)
		kalloc__symtab_free(&st);
	kalloc__unlock(&kalloc__report_lock);
	return r.blocks[KALLOC_DEFINITE];
}
