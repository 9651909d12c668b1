/* SPDX-License-Identifier: MIT */
/*
 * report: what libkalloc.so writes, at exit and on snapshots:
 * <prefix>.leaks.txt and .leaks.json (leaks grouped by allocation stack,
 * biggest first, symbolized), <prefix>.stats.json (totals and per-phase
 * figures per message) and <prefix>.heap.pb.gz (pprof heap profile), plus
 * the one-line summary on stderr. Also the phase bookkeeping behind
 * kalloc_phase(). Runs with the caller's guard set: everything it
 * allocates (symbolizer, stdio, pprof builder) bypasses tracking.
 * Formats are documented in kprof-formats(7).
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfi.h"
#include "kalloc-internal.h"
#include "ku.h"
#include "pprof.h"
#include "procmaps.h"
#include "symbolize.h"
#include "timeline.h"

#define KALLOC__TOP_SITES 10
#define KALLOC__MAX_PHASES 256

/* ---- phases -------------------------------------------------------------- */

struct kalloc__site {
	uint32_t stack;
	double allocs, bytes;
};

struct kalloc__phase {
	char name[64];
	uint64_t t0, t1;
	struct kalloc__totals start, end;
	uint64_t peak;
	int closed;
	int ntop;
	struct kalloc__site top[KALLOC__TOP_SITES];
};

static struct kalloc__phase *kalloc__phases;
static int kalloc__nphases;
static kalloc__lock_t kalloc__phase_lock;
static int kalloc__phase_once;

/*
 * Cumulative allocations per stack: the shared counters plus what live
 * threads still hold in their pending caches (full mode).
 */
struct kalloc__eff {
	uint64_t *allocs, *bytes;
	uint32_t n;
	size_t len;
};

static void kalloc__eff_add(uint32_t id, uint64_t n, uint64_t bytes, void *arg)
{
	struct kalloc__eff *e = arg;

	if (id <= e->n) {
		e->allocs[id] += n;
		e->bytes[id] += bytes;
	}
}

static int kalloc__eff_get(struct kalloc__eff *e)
{
	uint32_t id;

	e->n = kalloc__stack_count();
	e->len = ((size_t)(e->n + 1) * 2 * sizeof(uint64_t) + 4095) & ~(size_t)4095;
	e->allocs = kalloc__map(e->len);
	if (!e->allocs)
		return -1;
	e->bytes = e->allocs + e->n + 1;
	for (id = 1; id <= e->n; id++) {
		const struct kalloc__stack *s = kalloc__stack_get(id);

		e->allocs[id] = __atomic_load_n(&s->allocs, __ATOMIC_RELAXED);
		e->bytes[id] = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
	}
	kalloc__pending_each(kalloc__eff_add, e);
	return 0;
}

static void kalloc__eff_free(struct kalloc__eff *e)
{
	kalloc__unmap(e->allocs, e->len);
	e->allocs = e->bytes = NULL;
}

static double kalloc__stack_allocs(const struct kalloc__stack *s, const struct kalloc__eff *e, uint32_t id)
{
	return kalloc__mode == KALLOC_MODE_SAMPLE ? s->est_allocs - s->base_est_allocs
						  : (double)(e->allocs[id] - s->base_allocs);
}

static double kalloc__stack_bytes(const struct kalloc__stack *s, const struct kalloc__eff *e, uint32_t id)
{
	return kalloc__mode == KALLOC_MODE_SAMPLE ? s->est_bytes - s->base_est_bytes
						  : (double)(e->bytes[id] - s->base_bytes);
}

/* Close phase ph at the current totals: its top sites by bytes. */
static void kalloc__phase_close(struct kalloc__phase *ph, int rebase)
{
	struct kalloc__eff eff;
	uint32_t id, n;

	if (kalloc__eff_get(&eff) != 0)
		eff.n = 0;
	n = eff.n;
	kalloc__totals(&ph->end);
	ph->t1 = ku_now_ns();
	ph->peak = kalloc__phase_peak_swap((uint64_t)ph->end.live);
	if ((uint64_t)ph->end.live > ph->peak)
		ph->peak = (uint64_t)ph->end.live;
	if ((uint64_t)ph->start.live > ph->peak)
		ph->peak = (uint64_t)ph->start.live;
	ph->ntop = 0;
	for (id = 1; id <= n; id++) {
		struct kalloc__stack *s = kalloc__stack_get(id);
		double b = kalloc__stack_bytes(s, &eff, id), a = kalloc__stack_allocs(s, &eff, id);
		int k;

		if (a <= 0)
			goto rebase;
		if (ph->ntop == KALLOC__TOP_SITES && b <= ph->top[ph->ntop - 1].bytes)
			goto rebase;
		k = ph->ntop < KALLOC__TOP_SITES ? ph->ntop++ : ph->ntop - 1;
		while (k > 0 && ph->top[k - 1].bytes < b) {
			ph->top[k] = ph->top[k - 1];
			k--;
		}
		ph->top[k].stack = id;
		ph->top[k].allocs = a;
		ph->top[k].bytes = b;
rebase:
		if (rebase) {
			s->base_allocs = eff.allocs[id];
			s->base_bytes = eff.bytes[id];
			s->base_est_allocs = s->est_allocs;
			s->base_est_bytes = s->est_bytes;
		}
	}
	kalloc__eff_free(&eff);
	ph->closed = 1;
}

static void kalloc__phase_open(const char *name)
{
	struct kalloc__phase *ph = &kalloc__phases[kalloc__nphases++];

	memset(ph, 0, sizeof(*ph));
	snprintf(ph->name, sizeof(ph->name), "%s", name);
	kalloc__totals(&ph->start);
	ph->t0 = ku_now_ns();
	kalloc__phase_peak_swap((uint64_t)ph->start.live);
}

static kalloc__lock_t kalloc__report_lock;

static int kalloc__phases_ready(void)
{
	if (kalloc__phases)
		return 1;
	kalloc__phases = kalloc__map(sizeof(struct kalloc__phase) * KALLOC__MAX_PHASES);
	if (!kalloc__phases)
		return 0;
	/* The implicit first phase runs from start-up to the first call. */
	memset(&kalloc__phases[0], 0, sizeof(kalloc__phases[0]));
	snprintf(kalloc__phases[0].name, sizeof(kalloc__phases[0].name), "main");
	kalloc__phases[0].t0 = ku_now_ns();
	kalloc__nphases = 1;
	return 1;
}

void kalloc__phase_init(void)
{
	kalloc__lock(&kalloc__phase_lock);
	kalloc__phases_ready();
	kalloc__unlock(&kalloc__phase_lock);
}

void kalloc__phase_begin(const char *name)
{
	struct kalloc__phase *cur;

	kalloc__lock(&kalloc__phase_lock);
	if (!kalloc__phases_ready()) {
		kalloc__unlock(&kalloc__phase_lock);
		return;
	}
	if (kalloc__nphases >= KALLOC__MAX_PHASES) {
		kalloc__unlock(&kalloc__phase_lock);
		kalloc__warn(&kalloc__phase_once, "more than %d phases; \"%s\" and later ones are counted in the last",
			     KALLOC__MAX_PHASES, name);
		return;
	}
	cur = &kalloc__phases[kalloc__nphases - 1];
	kalloc__phase_close(cur, 1);
	/* An implicit first phase in which nothing happened is dropped. */
	if (kalloc__nphases == 1 && cur->end.allocs == 0 && cur->end.messages == 0)
		kalloc__nphases = 0;
	kalloc__phase_open(name);
	kalloc__unlock(&kalloc__phase_lock);
}

/* ---- output helpers ------------------------------------------------------- */

struct kalloc__out {
	FILE *f;
	char path[4200], tmp[4300];
	int to_stderr;
};

int kalloc__write_fail_once; /* shared with timeline.c: one warning in all */

static int kalloc__open(struct kalloc__out *o, const char *prefix, const char *suffix, int stderr_fallback)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s.%s", prefix, suffix);
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp%d", o->path, (int)getpid());
	o->f = fopen(o->tmp, "we");
	if (!o->f) {
		kalloc__warn(&kalloc__write_fail_once, "cannot write %s: %s%s", o->path, strerror(errno),
			     stderr_fallback ? "; leak report follows on stderr" : "");
		if (!stderr_fallback)
			return -1;
		o->f = stderr;
		o->to_stderr = 1;
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
	err = ferror(o->f);
	if (fclose(o->f) != 0)
		err = 1;
	if (err || rename(o->tmp, o->path) != 0) {
		kalloc__warn(&kalloc__write_fail_once, "cannot write %s: %s", o->path, strerror(errno ? errno : EIO));
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

static void kalloc__json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ---- symbolization ------------------------------------------------------- */

/*
 * Each distinct pc resolves once to its chain of source frames (inlined
 * callees first, the physical function last), kept in a cache keyed by
 * pc. Frames live in chunks that never move, so a chain stays valid
 * while the symbol table lives.
 */
struct kalloc__frame {
	const char *function; /* NULL: unknown */
	const char *file;
	int line;
};

struct kalloc__pcinfo {
	uintptr_t pc;
	const char *object; /* mapping path or "" */
	uintptr_t map_start;
	uint64_t map_offset;
	int nframes;
	const struct kalloc__frame *f; /* nframes of them, innermost first */
};

#define KALLOC__FRAME_CHUNK 65536 /* frames per chunk */
struct kalloc__fchunk {
	struct kalloc__fchunk *next;
	size_t used;
	struct kalloc__frame f[KALLOC__FRAME_CHUNK];
};

struct kalloc__symtab {
	struct ku_sym *sym;
	struct ku_maps maps;
	struct kalloc__pcinfo *cache;
	size_t cap;
	struct kalloc__fchunk *chunks;
	struct ku_pprof *prof;
};

static int kalloc__symtab_init(struct kalloc__symtab *st)
{
	memset(st, 0, sizeof(*st));
	if (ku_procmaps_read(0, KU_PROCMAPS_BUILD_IDS, &st->maps) != 0)
		memset(&st->maps, 0, sizeof(st->maps));
	if (ku_sym_new(&st->sym, 0) != 0)
		st->sym = NULL;
	st->cap = 1 << 14;
	st->cache = kalloc__map(st->cap * sizeof(*st->cache));
	return st->cache ? 0 : -ENOMEM;
}

static void kalloc__symtab_free(struct kalloc__symtab *st)
{
	ku_sym_free(st->sym);
	ku_procmaps_free(&st->maps);
	kalloc__unmap(st->cache, st->cap * sizeof(*st->cache));
	while (st->chunks) {
		struct kalloc__fchunk *n = st->chunks->next;

		kalloc__unmap(st->chunks, sizeof(*st->chunks));
		st->chunks = n;
	}
	memset(st, 0, sizeof(*st));
}

/* Room for n frames that never moves; NULL when out of memory. */
static struct kalloc__frame *kalloc__frames(struct kalloc__symtab *st, size_t n)
{
	struct kalloc__fchunk *c = st->chunks;

	if (!c || KALLOC__FRAME_CHUNK - c->used < n) {
		c = kalloc__map(sizeof(*c));
		if (!c)
			return NULL;
		c->next = st->chunks;
		c->used = 0;
		st->chunks = c;
	}
	c->used += n;
	return c->f + c->used - n;
}

static const struct kalloc__pcinfo *kalloc__resolve(struct kalloc__symtab *st, uintptr_t pc)
{
	static const struct kalloc__frame unknown = {NULL, NULL, 0};
	size_t i = (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 40) & (st->cap - 1), probes = 0;
	struct kalloc__pcinfo *e;
	const struct ku_map *m;
	char bid[2 * KU_BUILD_ID_MAX + 1];
	struct ku_sym_frame fr[KU_SYM_CHAIN_MAX];
	struct kalloc__frame *f;
	size_t n = 0, k;

	while (st->cache[i].pc && st->cache[i].pc != pc && probes++ < st->cap / 2)
		i = (i + 1) & (st->cap - 1);
	e = &st->cache[i];
	if (e->pc == pc)
		return e;
	if (e->pc) { /* cache full: use a scratch entry */
		static struct kalloc__pcinfo scratch;

		e = &scratch;
	}
	memset(e, 0, sizeof(*e));
	e->pc = pc;
	e->nframes = 1;
	e->f = &unknown;
	e->object = "";
	m = ku_procmaps_find(&st->maps, pc);
	if (!m)
		return e;
	e->object = m->path;
	e->map_start = m->start;
	e->map_offset = m->offset;
	if (!st->sym || !m->path[0] || m->path[0] == '[')
		return e;
	/* pc is a return address: look up the call instruction before it. */
	if (ku_sym_lookup_addr(st->sym, m->path,
			       m->build_id_len ? ku_procmaps_build_id_hex(m->build_id, m->build_id_len, bid) : NULL,
			       pc - 1, m->start, m->offset, fr, KU_SYM_CHAIN_MAX, &n) != 0 ||
	    n == 0 || !(f = kalloc__frames(st, n)))
		return e;
	for (k = 0; k < n; k++) {
		f[k].function = fr[k].function;
		f[k].file = fr[k].file;
		f[k].line = fr[k].line;
	}
	e->f = f;
	e->nframes = (int)n;
	return e;
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

static void kalloc__print_stack_txt(FILE *f, struct kalloc__symtab *st, uint32_t id)
{
	const struct kalloc__stack *s = kalloc__stack_get(id);
	const uintptr_t *pcs = kalloc__stack_pcs(s);
	uint32_t d;
	int k, no = 0;

	if (!id || !s->depth) {
		fprintf(f, "    #0 <no stack recorded>\n");
		return;
	}
	for (d = 0; d < s->depth; d++) {
		const struct kalloc__pcinfo *pi = kalloc__resolve(st, pcs[d]);

		for (k = 0; k < pi->nframes; k++) {
			const struct kalloc__frame *fr = &pi->f[k];
			const char *obj = pi->object && *pi->object ? pi->object : "?";

			fprintf(f, "    #%d 0x%lx in %s", no++, (unsigned long)pcs[d],
				fr->function ? fr->function : "??");
			if (fr->file)
				fprintf(f, " %s:%d", fr->file, fr->line);
			fprintf(f, " (%s+0x%lx)\n", obj,
				(unsigned long)(pcs[d] - pi->map_start + pi->map_offset));
		}
	}
}

static void kalloc__print_stack_json(FILE *f, struct kalloc__symtab *st, uint32_t id)
{
	const struct kalloc__stack *s = kalloc__stack_get(id);
	const uintptr_t *pcs = kalloc__stack_pcs(s);
	uint32_t d;
	int k, first = 1;

	fputc('[', f);
	for (d = 0; id && d < s->depth; d++) {
		const struct kalloc__pcinfo *pi = kalloc__resolve(st, pcs[d]);

		for (k = 0; k < pi->nframes; k++) {
			const struct kalloc__frame *fr = &pi->f[k];
			char addr[32];

			fprintf(f, "%s{\"function\":", first ? "" : ",");
			first = 0;
			snprintf(addr, sizeof(addr), "0x%lx", (unsigned long)pcs[d]);
			kalloc__json_str(f, fr->function ? fr->function : addr);
			fputs(",\"file\":", f);
			kalloc__json_str(f, fr->file ? fr->file : "");
			fprintf(f, ",\"line\":%d,\"object\":", fr->line);
			kalloc__json_str(f, pi->object ? pi->object : "");
			fprintf(f, ",\"address\":\"%s\",\"inlined\":%s}", addr, k + 1 < pi->nframes ? "true" : "false");
		}
	}
	fputc(']', f);
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
	if (kalloc__open(&o, prefix, "leaks.json", 0) == 0) {
		FILE *f = o.f;

		fprintf(f, "{\"schema\":\"kprof-leaks/1\",\"pid\":%d,\"program\":", (int)getpid());
		kalloc__json_str(f, exe);
		fprintf(f, ",\n\"definitely_lost\":{\"blocks\":%llu,\"bytes\":%llu},\n",
			(unsigned long long)r->blocks[KALLOC_DEFINITE], (unsigned long long)r->bytes[KALLOC_DEFINITE]);
		fprintf(f, "\"indirectly_lost\":{\"blocks\":%llu,\"bytes\":%llu},\n",
			(unsigned long long)r->blocks[KALLOC_INDIRECT], (unsigned long long)r->bytes[KALLOC_INDIRECT]);
		fprintf(f, "\"still_reachable\":{\"blocks\":%llu,\"bytes\":%llu},\n",
			(unsigned long long)r->blocks[KALLOC_REACHABLE], (unsigned long long)r->bytes[KALLOC_REACHABLE]);
		fprintf(f, "\"suppressed\":{\"blocks\":%llu,\"bytes\":%llu},\n\"leaks\":[",
			(unsigned long long)r->supp_blocks, (unsigned long long)r->supp_bytes);
		for (i = 0; i < r->ng; i++) {
			const struct kalloc__group *g = &r->g[i];

			fprintf(f, "%s\n{\"kind\":\"%s\",\"blocks\":%llu,\"bytes\":%llu,\"stack\":", i ? "," : "",
				g->kind == KALLOC_DEFINITE ? "definite" : "indirect", (unsigned long long)g->blocks,
				(unsigned long long)g->bytes);
			kalloc__print_stack_json(f, st, g->stack);
			fputc('}', f);
		}
		fputs("]}\n", f);
		kalloc__close(&o);
	}
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
	if (kalloc__open(&o, prefix, "leaks.json", 0) == 0) {
		fprintf(o.f, "{\"schema\":\"kprof-leaks/1\",\"pid\":%d,\"checked\":false,\"reason\":\"%s\",\n"
			     "\"definitely_lost\":{\"blocks\":0,\"bytes\":0},\n"
			     "\"indirectly_lost\":{\"blocks\":0,\"bytes\":0},\n"
			     "\"still_reachable\":{\"blocks\":0,\"bytes\":0},\n\"leaks\":[]}\n",
			(int)getpid(), why);
		kalloc__close(&o);
	}
}

/* ---- stats.json ------------------------------------------------------------- */

/*
 * "unwind": which unwinder, what its tables cost (memory, build time) and
 * how walks ended. Written inside the top-level object, before "phases".
 */
static void kalloc__write_unwind_stats(FILE *f)
{
	struct ku_cfi_stats cs;
	struct ku_unwind_counts uc;

	ku_cfi_stats_get(&cs);
	ku_unwind_counts_get(&uc);
	fprintf(f,
		"\"unwind\":{\"method\":\"%s\",\"tables\":{\"objects\":%llu,\"objects_without_cfi\":%llu,"
		"\"objects_malformed\":%llu,\"fdes\":%llu,\"rows\":%llu,\"rules\":%llu,\"bytes\":%llu,"
		"\"build_ns\":%llu,\"syncs\":%llu},\"walks\":{\"fp_steps\":%llu,\"unsupported_steps\":%llu,"
		"\"ended_outside_code\":%llu,\"ended_unreadable\":%llu,\"ended_no_progress\":%llu,"
		"\"signal_frames\":%llu,\"unknown_stack\":%llu,\"truncated\":%llu}},",
		ku_unwind_name(kalloc__cfg.unwind), (unsigned long long)cs.objects,
		(unsigned long long)cs.objects_nocfi, (unsigned long long)cs.objects_bad, (unsigned long long)cs.fdes,
		(unsigned long long)cs.rows, (unsigned long long)cs.rules, (unsigned long long)cs.bytes,
		(unsigned long long)cs.build_ns, (unsigned long long)cs.syncs, (unsigned long long)uc.fp_steps,
		(unsigned long long)uc.unsup_steps, (unsigned long long)uc.not_code, (unsigned long long)uc.unreadable,
		(unsigned long long)uc.no_progress, (unsigned long long)uc.signal_frames,
		(unsigned long long)uc.unknown_stack, (unsigned long long)uc.truncated);
}

/* The verbose form of the summary (KALLOC_QUIET=verbose): the unwinder. */
void kalloc__summary_unwind(void)
{
	struct ku_cfi_stats cs;
	struct ku_unwind_counts uc;

	if (kalloc__cfg.unwind != KU_UNWIND_AUTO)
		return;
	ku_cfi_stats_get(&cs);
	ku_unwind_counts_get(&uc);
	kalloc__warn(NULL,
		     "unwind tables: %llu objects, %llu rows, %llu KiB, built in %.1f ms (%llu syncs); walks: %llu "
		     "frame-pointer steps, %llu ended outside code, %llu at unreadable memory, %llu truncated",
		     (unsigned long long)cs.objects, (unsigned long long)cs.rows, (unsigned long long)(cs.bytes / 1024),
		     (double)cs.build_ns / 1e6, (unsigned long long)cs.syncs, (unsigned long long)uc.fp_steps,
		     (unsigned long long)uc.not_code, (unsigned long long)uc.unreadable,
		     (unsigned long long)uc.truncated);
}

static const char *kalloc__mode_name(void)
{
	switch (kalloc__mode) {
	case KALLOC_MODE_FULL:
		return "full";
	case KALLOC_MODE_SAMPLE:
		return "sample";
	case KALLOC_MODE_COUNT:
		return "count";
	default:
		return "off";
	}
}

static double kalloc__per(double v, uint64_t msgs)
{
	return msgs ? v / (double)msgs : 0.0;
}

/*
 * A count in stats.json: exact in full mode, an estimate in sample mode;
 * either way a whole number, never in exponent notation (%.6g would write
 * 1351680 as 1.35168e+06). Non-finite values (which JSON cannot carry)
 * are written as 0.
 */
static void kalloc__json_count(FILE *f, double v)
{
	if (!isfinite(v) || fabs(v) >= 0x1.0p63)
		v = 0;
	fprintf(f, "%.0f", v);
}

/* A ratio in stats.json: the shortest decimal that reads back as the
 * same double (at most 17 significant digits), with a '.' whatever
 * decimal point the program's locale (LC_NUMERIC) uses. */
static void kalloc__json_ratio(FILE *f, double v)
{
	char buf[48];
	const char *dp = localeconv()->decimal_point;
	size_t dl = dp ? strlen(dp) : 0;
	char *q;
	int prec;

	if (!isfinite(v))
		v = 0;
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	if (dl && strcmp(dp, ".") != 0 && (q = strstr(buf, dp)) != NULL) {
		*q = '.';
		memmove(q + 1, q + dl, strlen(q + dl) + 1);
	}
	fputs(buf, f);
}

static void kalloc__write_stats(const char *prefix, struct kalloc__symtab *st, int final)
{
	struct kalloc__out o;
	struct kalloc__totals tot;
	struct kalloc__phase *ph, last;
	int i, j, n;

	kalloc__lock(&kalloc__phase_lock);
	if (!kalloc__phases_ready()) {
		kalloc__unlock(&kalloc__phase_lock);
		return;
	}
	/* Close the running phase into a copy (a snapshot must not end it). */
	n = kalloc__nphases;
	last = kalloc__phases[n - 1];
	kalloc__phase_close(&last, 0);
	if (!final)
		kalloc__phase_peak_swap(last.peak); /* keep the running phase's peak */
	kalloc__totals(&tot);
	if (kalloc__open(&o, prefix, "stats.json", 0) != 0) {
		kalloc__unlock(&kalloc__phase_lock);
		return;
	}
	fprintf(o.f,
		"{\"schema\":\"kprof-stats/1\",\"pid\":%d,\"mode\":\"%s\",\"total_allocs\":%llu,"
		"\"total_bytes\":%llu,\"total_frees\":%llu,\"peak_live_bytes\":%llu,\"live_bytes\":%lld,"
		"\"messages\":%llu,\"unknown_frees\":%llu,\"total_temporary\":%llu,",
		(int)getpid(), kalloc__mode_name(), (unsigned long long)tot.allocs, (unsigned long long)tot.bytes,
		(unsigned long long)tot.frees, (unsigned long long)tot.peak, (long long)tot.live,
		(unsigned long long)tot.messages, (unsigned long long)kalloc__unknown_free_count(),
		(unsigned long long)tot.temps);
	kalloc__write_unwind_stats(o.f);
	fputs("\n\"phases\":[", o.f);
	for (i = 0; i < n; i++) {
		uint64_t msgs, allocs, bytes;
		int64_t growth;

		ph = i == n - 1 ? &last : &kalloc__phases[i];
		msgs = ph->end.messages - ph->start.messages;
		allocs = ph->end.allocs - ph->start.allocs;
		bytes = ph->end.bytes - ph->start.bytes;
		growth = ph->end.live - ph->start.live;
		fprintf(o.f, "%s\n{\"name\":", i ? "," : "");
		kalloc__json_str(o.f, ph->name);
		fprintf(o.f, ",\"messages\":%llu,\"allocs\":%llu,\"bytes\":%llu,\"allocs_per_msg\":",
			(unsigned long long)msgs, (unsigned long long)allocs, (unsigned long long)bytes);
		kalloc__json_ratio(o.f, kalloc__per((double)allocs, msgs));
		fputs(",\"bytes_per_msg\":", o.f);
		kalloc__json_ratio(o.f, kalloc__per((double)bytes, msgs));
		fputs(",\"live_growth_per_msg\":", o.f);
		kalloc__json_ratio(o.f, kalloc__per((double)growth, msgs));
		fprintf(o.f,
			",\"live_start_bytes\":%lld,\"live_end_bytes\":%lld,\"peak_live_bytes\":%llu,"
			"\"duration_ns\":%llu,\"top_sites\":[",
			(long long)ph->start.live, (long long)ph->end.live, (unsigned long long)ph->peak,
			(unsigned long long)(ph->t1 - ph->t0));
		for (j = 0; j < ph->ntop; j++) {
			fprintf(o.f, "%s\n {\"allocs\":", j ? "," : "");
			kalloc__json_count(o.f, ph->top[j].allocs);
			fputs(",\"bytes\":", o.f);
			kalloc__json_count(o.f, ph->top[j].bytes);
			fputs(",\"allocs_per_msg\":", o.f);
			kalloc__json_ratio(o.f, kalloc__per(ph->top[j].allocs, msgs));
			fputs(",\"bytes_per_msg\":", o.f);
			kalloc__json_ratio(o.f, kalloc__per(ph->top[j].bytes, msgs));
			fputs(",\"stack\":", o.f);
			kalloc__print_stack_json(o.f, st, ph->top[j].stack);
			fputc('}', o.f);
		}
		fputs("]}", o.f);
	}
	fputs("]}\n", o.f);
	kalloc__unlock(&kalloc__phase_lock);
	kalloc__close(&o);
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
	size_t i;

	if (!m)
		return 0;
	i = (size_t)(m - st->maps.map);
	if (!ids[i]) {
		struct ku_pprof_mapping pm;
		char bid[2 * KU_BUILD_ID_MAX + 1];

		memset(&pm, 0, sizeof(pm));
		pm.start = m->start;
		pm.limit = m->end;
		pm.offset = m->offset;
		pm.filename = m->path;
		pm.build_id = m->build_id_len ? ku_procmaps_build_id_hex(m->build_id, m->build_id_len, bid) : NULL;
		pm.has_functions = st->sym != NULL;
		pm.has_filenames = st->sym != NULL;
		pm.has_line_numbers = st->sym != NULL;
		pm.has_inline_frames = st->sym != NULL;
		if (ku_pprof_mapping(pp, &pm, &ids[i]) != 0)
			ids[i] = 0;
	}
	return ids[i];
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
	char path[4200], comment[128];
	void *mem;
	int err;

	mem = kalloc__map(len);
	if (!mem) {
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
	err = ku_pprof_write_gz(pp, path);
	if (err)
		kalloc__warn(&kalloc__write_fail_once, "cannot write %s: %s", path, ku_strerror(err));
out:
	ku_pprof_free(pp);
	kalloc__tl_sites_free(&tls);
	kalloc__eff_free(&eff);
	kalloc__unmap(mem, len);
}

/* ---- entry --------------------------------------------------------------------- */

uint64_t kalloc__report(const char *prefix, int final, const struct kalloc__roots *roots)
{
	struct kalloc__symtab st;
	struct kalloc__leakset ls;
	struct kalloc__leakrep r;
	struct kalloc__supp sp;
	struct kalloc__totals tot;
	int have_st, scanned = 0;

	if (!prefix)
		prefix = kalloc__cfg.prefix;
	kalloc__lock(&kalloc__report_lock);
	if (!final && kalloc__final_begun()) {
		/* The process is exiting: a snapshot now would be cut short. */
		kalloc__unlock(&kalloc__report_lock);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	memset(&ls, 0, sizeof(ls));
	have_st = kalloc__symtab_init(&st) == 0;
	kalloc__supp_load(&sp);
	if (kalloc__mode == KALLOC_MODE_FULL && have_st && kalloc__leaks_scan(&ls, roots) == 0) {
		scanned = 1;
		kalloc__leaks_group(&ls, &st, &sp, &r);
		kalloc__write_leaks(prefix, &st, &r);
	} else {
		kalloc__write_no_leaks(prefix);
	}
	kalloc__tl_write(prefix);
	if (have_st) {
		kalloc__write_stats(prefix, &st, final);
		if (kalloc__mode != KALLOC_MODE_COUNT)
			kalloc__write_heap(prefix, &st);
	}
	kalloc__totals(&tot);
	if (!kalloc__cfg.quiet) {
		if (scanned)
			kalloc__warn(NULL,
				     "%llu allocations, %llu bytes, peak %llu live bytes; definitely lost %llu bytes in %llu blocks,"
				     " indirectly lost %llu bytes in %llu blocks, still reachable %llu bytes in %llu blocks%s; see %s.leaks.txt",
				     (unsigned long long)tot.allocs, (unsigned long long)tot.bytes, (unsigned long long)tot.peak,
				     (unsigned long long)r.bytes[KALLOC_DEFINITE], (unsigned long long)r.blocks[KALLOC_DEFINITE],
				     (unsigned long long)r.bytes[KALLOC_INDIRECT], (unsigned long long)r.blocks[KALLOC_INDIRECT],
				     (unsigned long long)r.bytes[KALLOC_REACHABLE], (unsigned long long)r.blocks[KALLOC_REACHABLE],
				     final ? "" : " (snapshot)", prefix);
		else
			kalloc__warn(NULL, "%llu allocations, %llu bytes, peak %llu live bytes (%s mode)%s; see %s.stats.json",
				     (unsigned long long)tot.allocs, (unsigned long long)tot.bytes,
				     (unsigned long long)tot.peak, kalloc__mode_name(), final ? "" : " (snapshot)", prefix);
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
