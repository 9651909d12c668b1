/* SPDX-License-Identifier: MIT */
/*
 * symtab: the recorded stacks of libkalloc, symbolized for its reports:
 * each distinct pc resolves once (lib/symbolize.c) to its chain of source
 * frames, kept in a cache on memory libkalloc maps itself; and the two
 * ways a stack is printed (leaks.txt lines, a JSON array of frames).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report-internal.h"

int kalloc__symtab_init(struct kalloc__symtab *st)
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

void kalloc__symtab_free(struct kalloc__symtab *st)
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

const struct kalloc__pcinfo *kalloc__resolve(struct kalloc__symtab *st, uintptr_t pc)
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

void kalloc__print_stack_txt(FILE *f, struct kalloc__symtab *st, uint32_t id)
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

void kalloc__print_stack_json(struct ku_json_writer *w, struct kalloc__symtab *st, uint32_t id)
{
	const struct kalloc__stack *s = kalloc__stack_get(id);
	const uintptr_t *pcs = kalloc__stack_pcs(s);
	uint32_t d;
	int k;

	ku_json_array_begin(w);
	for (d = 0; id && d < s->depth; d++) {
		const struct kalloc__pcinfo *pi = kalloc__resolve(st, pcs[d]);

		for (k = 0; k < pi->nframes; k++) {
			const struct kalloc__frame *fr = &pi->f[k];
			char addr[32];

			snprintf(addr, sizeof(addr), "0x%lx", (unsigned long)pcs[d]);
			ku_json_object_begin(w);
			ku_json_kv_string(w, "function", fr->function ? fr->function : addr);
			ku_json_kv_string(w, "file", fr->file ? fr->file : "");
			ku_json_kv_int(w, "line", fr->line);
			ku_json_kv_string(w, "object", pi->object ? pi->object : "");
			ku_json_kv_string(w, "address", addr);
			ku_json_kv_bool(w, "inlined", k + 1 < pi->nframes);
			ku_json_object_end(w);
		}
	}
	ku_json_array_end(w);
}
