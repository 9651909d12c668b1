/* SPDX-License-Identifier: MIT */
/*
 * symbolize: turn an address inside a loaded object into function, source
 * file and line (with inlined frames), from the object's ELF symbol tables
 * and DWARF line info (elfutils libdw). Used by the analyzer for
 * address-only profiles and by both interposers at exit.
 *
 * A symbolizer is an object with a per-object cache (one ELF/DWARF handle
 * per file path, opened on first use). There is no global state, no
 * atexit handler and no signal use: it is safe to create late in a
 * process's life, on any normal thread, and ku_sym_free() releases
 * everything. One thread at a time may use a given symbolizer.
 *
 * Look-ups never fail hard: an address that cannot be resolved still gives
 * one frame with function == NULL (callers print "0x<addr>" or the object
 * name). Static functions are found through .symtab, falling back to
 * .dynsym; separate debug files are found by build ID under
 * /usr/lib/debug/.build-id (and by .gnu_debuglink). C++ names are
 * demangled with __cxa_demangle when libstdc++ is available at run time
 * (found with dlsym/dlopen; no C++ link is needed).
 *
 * Errors: functions return 0 or a negative errno (ku_strerror()).
 */
#ifndef KU_SYMBOLIZE_H
#define KU_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

struct ku_sym;

/*
 * One resolved frame. Strings belong to the symbolizer and stay valid
 * until ku_sym_free(). For inlined code, a look-up returns the whole
 * chain, as addr2line -i and gdb show it: innermost (the inlined callee)
 * first, then each function it was inlined into, the physical function
 * last; only the last one has inlined == 0. Each frame has its own
 * position: the innermost one the line table's row for the address,
 * every other one the call site (DW_AT_call_file, DW_AT_call_line) of
 * the inlined instance just inside it. Inlined frames are named from
 * DWARF (linkage name, demangled, else DW_AT_name, following
 * DW_AT_abstract_origin and DW_AT_specification); the physical frame by
 * the symbol table, except compiler clones DWARF knows the source
 * function of ("f.part.0" is f) and code no symbol covers, which take the
 * DWARF name.
 */
struct ku_sym_frame {
	const char *function; /* demangled name, or NULL when unknown */
	const char *file;     /* source file, or NULL without line info */
	int line;             /* 0 when unknown */
	int inlined;          /* 1 when this frame was inlined into the next */
	uint64_t sym_offset;  /* address minus the symbol start (0 if unknown) */
};

/* Room for a whole chain: a look-up never needs more frames than this
 * (deeper chains keep their innermost KU_SYM_CHAIN_MAX - 1 inlined frames
 * and the physical one). C++ template code nests a dozen deep. */
#define KU_SYM_CHAIN_MAX 64

/* Flags for ku_sym_new(). */
enum {
	KU_SYM_NO_DEMANGLE = 1 << 0, /* keep mangled C++ names */
	KU_SYM_NO_INLINE = 1 << 1,   /* skip inline frames (cheaper) */
	KU_SYM_NO_LINES = 1 << 2,    /* functions only, no DWARF line lookup */
};

/* Create a symbolizer. *out is set on success. */
int ku_sym_new(struct ku_sym **out, unsigned flags);

/* Release the symbolizer and every string it returned. NULL is fine. */
void ku_sym_free(struct ku_sym *s);

/*
 * Resolve a file offset inside the object at `path` (as found in
 * /proc/PID/maps or a pprof mapping). build_id may be NULL or a hex
 * string; when given and the file at `path` has a different build ID, the
 * file is not trusted (only a debug file with that build ID is used) and
 * -ESTALE is returned if none exists.
 *
 * frames/max: room for the result, innermost first; *n is set to the
 * number written (at least 1 on success; with max == 0 nothing is written).
 * With fewer than the chain's frames, the innermost max - 1 inlined frames
 * and the physical one (with its own line) are written.
 * Returns 0, or -ENOENT when the object cannot be opened (frames unset).
 */
int ku_sym_lookup(struct ku_sym *s, const char *path, const char *build_id, uint64_t file_offset,
		  struct ku_sym_frame *frames, size_t max, size_t *n);

/*
 * Same for a runtime address, with the mapping it was found in
 * (map_start: mapping start address, map_offset: file offset of that
 * start). Computes file_offset = addr - map_start + map_offset.
 */
int ku_sym_lookup_addr(struct ku_sym *s, const char *path, const char *build_id, uint64_t addr,
		       uint64_t map_start, uint64_t map_offset, struct ku_sym_frame *frames, size_t max,
		       size_t *n);

/*
 * Build ID of the object at path as lower-case hex in buf (NUL-terminated).
 * Returns 0, -ENOENT (no such file / not ELF), -ENODATA (no build ID) or
 * -ENOSPC (buf too small: 2 * id bytes + 1 needed).
 */
int ku_sym_build_id(struct ku_sym *s, const char *path, char *buf, size_t size);

/*
 * Demangle a C++ symbol (Itanium ABI, "_Z..."). Returns a string owned by
 * the symbolizer, or `name` itself when it is not mangled or demangling is
 * unavailable.
 */
const char *ku_sym_demangle(struct ku_sym *s, const char *name);

#endif
