/* SPDX-License-Identifier: MIT */
/*
 * report-internal: what the files behind libkalloc's reports share.
 * report.c writes the files (leaks, heap profile) and is the entry point;
 * stats.c keeps the phases and writes stats.json; symtab.c symbolizes
 * recorded stacks once per pc and prints them. All of it runs with the
 * caller's guard set, on a normal thread, never in a signal handler.
 */
#ifndef KALLOC_REPORT_INTERNAL_H
#define KALLOC_REPORT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "kalloc-internal.h"
#include "pprof.h"
#include "procmaps.h"
#include "symbolize.h"

/* ---- symtab.c ---- */

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

/* A symbol table over this moment's maps; -ENOMEM when none. */
int kalloc__symtab_init(struct kalloc__symtab *st);
void kalloc__symtab_free(struct kalloc__symtab *st);
/* The frames of pc, a return address (cached; valid while st lives). */
const struct kalloc__pcinfo *kalloc__resolve(struct kalloc__symtab *st, uintptr_t pc);
/* Stack id as leaks.txt's "#N 0x... in f file:line (object+0x...)" lines. */
void kalloc__print_stack_txt(FILE *f, struct kalloc__symtab *st, uint32_t id);
/* Stack id as a JSON array of frames (kprof-formats(7)). */
void kalloc__print_stack_json(struct ku_json_writer *w, struct kalloc__symtab *st, uint32_t id);

/* ---- stats.c ---- */

/*
 * Cumulative allocations per stack: the shared counters plus what live
 * threads still hold in their pending caches (full mode).
 */
struct kalloc__eff {
	uint64_t *allocs, *bytes;
	uint32_t n;
	size_t len;
};

/* The counters of every stack now; 0 or -ENOMEM (e zeroed then). */
int kalloc__eff_get(struct kalloc__eff *e);
void kalloc__eff_free(struct kalloc__eff *e);
/* <prefix>.stats.json; a snapshot (final 0) leaves the running phase open. */
void kalloc__write_stats(const char *prefix, struct kalloc__symtab *st, int final);

/* ---- report.c ---- */

/* The document w holds, into <prefix>.<suffix> (temporary file, rename;
 * one warning for all files that cannot be written). */
void kalloc__save_json(const char *prefix, const char *suffix, struct ku_json_writer *w);

#endif
