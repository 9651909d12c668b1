/* SPDX-License-Identifier: MIT */
/*
 * symbolize: addresses in ELF objects to function/file/line, through
 * elfutils' libdwfl in "offline" mode: each object is reported once at a
 * synthetic address, file offsets are turned into ELF virtual addresses
 * with the program headers, and libdwfl finds symbol tables (.symtab, then
 * .dynsym) and separate debug files (build ID, .gnu_debuglink) on the
 * local disk only: never through debuginfod, whose client (libcurl and a
 * TLS stack) libdwfl would otherwise load into the traced process at exit,
 * or a network round trip per object when DEBUGINFOD_URLS is set. Inlined
 * frames come from the DWARF scope chain at the address. See symbolize.h
 * for the contract; nothing here is global, so the interposers can use it
 * at exit and free it.
 *
 * Why one file of this size: the libdwfl session, its per-object cache and
 * the inline-chain walk share one private state that no other file needs.
 */
#include "config.h"

#include <dlfcn.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "arena.h"
#include "elfplt.h"
#include "hmap.h"
#include "symbolize.h"

typedef char *(*ku__demangle_fn)(const char *, char *, size_t *, int *);

/* One address range of a subprogram that has code. */
struct ku__sym_range {
	Dwarf_Addr low, high; /* [low, high), DWARF addresses (before bias) */
	Dwarf_Die die;        /* the concrete DW_TAG_subprogram */
};

/* The subprograms of one compile unit, sorted by low address (built on
 * the unit's first look-up). */
struct ku__sym_cuidx {
	Dwarf_Off cu_off;
	struct ku__sym_range *r;
	size_t n;
};

struct ku__sym_obj {
	char *path;     /* as asked */
	char *build_id; /* as asked (may be NULL) */
	Dwfl_Module *mod;
	int err; /* < 0: remembered failure for this object */
	struct ku__sym_cuidx *cus;
	size_t ncus, capcus;
};

struct ku_sym {
	unsigned flags;
	Dwfl *dwfl;
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	struct ku__sym_obj *objs;
	size_t nobjs, capobjs;
	/* interned names: bytes in the arena, hash -> index in strs */
	struct ku_arena strings;
	struct ku_hmap strmap;
	const char **strs;
	size_t nstrs, capstrs;
	ku__demangle_fn demangle;
	void *cxx_handle;
	int demangle_tried;
};

struct ku__sym_key {
	const struct ku_sym *s;
	const char *str;
	size_t len;
};

static int sym_key_eq(const void *ctx, uint32_t i)
{
	const struct ku__sym_key *k = ctx;
	const char *o = k->s->strs[i];

	return !strncmp(o, k->str, k->len) && o[k->len] == '\0';
}

/* The one copy of str[0..len) this symbolizer keeps (names live as long
 * as it does); NULL when out of memory. */
static const char *sym_intern_n(struct ku_sym *s, const char *str, size_t len)
{
	struct ku__sym_key k = { s, str, len };
	uint64_t h = ku_hash_bytes(str, len);
	uint32_t i;
	size_t slot;
	int r = ku_hmap_find_hashed(&s->strmap, h, sym_key_eq, &k, &i, &slot);

	if (r == 1)
		return s->strs[i];
	if (r < 0 || s->nstrs >= UINT32_MAX - 1)
		return NULL;
	if (s->nstrs == s->capstrs) {
		size_t ncap = s->capstrs ? s->capstrs * 2 : 256;
		const char **n = realloc(s->strs, ncap * sizeof(*n));

		if (!n)
			return NULL;
		s->strs = n;
		s->capstrs = ncap;
	}
	const char *d = ku_arena_strndup(&s->strings, str, len);
	if (!d)
		return NULL;
	s->strs[s->nstrs] = d;
	ku_hmap_set(&s->strmap, slot, h, (uint32_t)s->nstrs++);
	return d;
}

static const char *sym_intern(struct ku_sym *s, const char *str)
{
	return str ? sym_intern_n(s, str, strlen(str)) : NULL;
}

/* CRC-32 of the whole file at fd (what .gnu_debuglink records); -1 on error. */
static int sym_file_crc(int fd, uint32_t *out)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, (uInt)n);
	if (n < 0 || lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	*out = (uint32_t)crc;
	return 0;
}

/*
 * Dwfl_Callbacks.find_debuginfo: the build-ID tree under the debug
 * directories (libdwfl's own look-up, which stays local), then the
 * .gnu_debuglink name next to the object, in its .debug directory and
 * under /usr/lib/debug, as gdb and libdwfl search them; a candidate must
 * carry the CRC the link records. Unlike dwfl_standard_find_debuginfo it
 * never falls back to debuginfod.
 */
static int sym_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			      GElf_Addr base, const char *file_name, const char *debuglink_file,
			      GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	char dir[4096], cand[8192];
	const char *slash;
	int fd, i;

	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					  debuglink_crc, debuginfo_file_name);
	if (fd >= 0 || !debuglink_file || !file_name || !(slash = strrchr(file_name, '/')))
		return fd;
	if ((size_t)(slash - file_name) >= sizeof(dir))
		return -1;
	memcpy(dir, file_name, (size_t)(slash - file_name));
	dir[slash - file_name] = '\0';
	for (i = 0; i < 3; i++) {
		uint32_t crc;

		if (i == 0)
			snprintf(cand, sizeof(cand), "%s/%s", dir, debuglink_file);
		else if (i == 1)
			snprintf(cand, sizeof(cand), "%s/.debug/%s", dir, debuglink_file);
		else
			snprintf(cand, sizeof(cand), "/usr/lib/debug%s/%s", dir, debuglink_file);
		if (strcmp(cand, file_name) == 0)
			continue;
		fd = open(cand, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (sym_file_crc(fd, &crc) == 0 && crc == debuglink_crc) {
			if (debuginfo_file_name) {
				free(*debuginfo_file_name);
				*debuginfo_file_name = strdup(cand);
			}
			return fd;
		}
		close(fd);
	}
	return -1;
}

/* Dwfl_Callbacks.find_elf: objects are reported by path, so there is
 * nothing to find elsewhere (dwfl_build_id_find_elf would ask debuginfod). */
static int sym_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			char **file_name, Elf **elfp)
{
	(void)mod;
	(void)userdata;
	(void)modname;
	(void)base;
	(void)file_name;
	*elfp = NULL;
	return -1;
}

int ku_sym_new(struct ku_sym **out, unsigned flags)
{
	struct ku_sym *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->flags = flags;
	s->debuginfo_path = NULL; /* libdwfl default: .debug, /usr/lib/debug */
	s->cb.find_elf = sym_find_elf;
	s->cb.find_debuginfo = sym_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path;
	s->dwfl = dwfl_begin(&s->cb);
	if (!s->dwfl) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void ku_sym_free(struct ku_sym *s)
{
	if (!s)
		return;
	dwfl_end(s->dwfl);
	for (size_t i = 0; i < s->nobjs; i++) {
		free(s->objs[i].path);
		free(s->objs[i].build_id);
		for (size_t j = 0; j < s->objs[i].ncus; j++)
			free(s->objs[i].cus[j].r);
		free(s->objs[i].cus);
	}
	free(s->objs);
	ku_arena_free(&s->strings);
	ku_hmap_free(&s->strmap);
	free(s->strs);
	if (s->cxx_handle)
		dlclose(s->cxx_handle);
	free(s);
}

static void sym_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Build ID of a reported module as hex; 0 or -ENODATA. */
static int sym_mod_build_id(Dwfl_Module *mod, char *buf, size_t size)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);

	if (len <= 0)
		return -ENODATA;
	if (size < (size_t)len * 2 + 1)
		return -ENOSPC;
	sym_hex(bits, (size_t)len, buf);
	return 0;
}

static Dwfl_Module *sym_report(struct ku_sym *s, const char *path)
{
	Dwfl_Module *mod;

	if (access(path, R_OK) != 0)
		return NULL;
	dwfl_report_begin_add(s->dwfl);
	mod = dwfl_report_offline(s->dwfl, path, path, -1);
	dwfl_report_end(s->dwfl, NULL, NULL);
	return mod;
}

static int sym_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/* Find or open the object; returns its entry (err set on failure). */
static struct ku__sym_obj *sym_obj(struct ku_sym *s, const char *path, const char *build_id)
{
	if (build_id && !*build_id)
		build_id = NULL;
	for (size_t i = 0; i < s->nobjs; i++)
		if (!strcmp(s->objs[i].path, path) && sym_streq(s->objs[i].build_id, build_id))
			return &s->objs[i];
	if (s->nobjs == s->capobjs) {
		size_t ncap = s->capobjs ? s->capobjs * 2 : 16;
		struct ku__sym_obj *n = realloc(s->objs, ncap * sizeof(*n));

		if (!n)
			return NULL;
		s->objs = n;
		s->capobjs = ncap;
	}
	struct ku__sym_obj *o = &s->objs[s->nobjs];
	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	o->build_id = build_id ? strdup(build_id) : NULL;
	if (!o->path || (build_id && !o->build_id)) {
		free(o->path);
		free(o->build_id);
		return NULL;
	}
	s->nobjs++;

	o->mod = sym_report(s, path);
	if (o->mod && build_id) {
		char have[256];

		if (sym_mod_build_id(o->mod, have, sizeof(have)) == 0 && strcasecmp(have, build_id) != 0)
			o->mod = NULL; /* a different file now lives at that path */
	}
	if (!o->mod && build_id && strlen(build_id) > 2 && strlen(build_id) < 200) {
		/* The object itself is gone or changed: its debug file by build ID
		 * still has symbols and program headers. */
		char dbg[300];

		snprintf(dbg, sizeof(dbg), "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id, build_id + 2);
		o->mod = sym_report(s, dbg);
		if (!o->mod)
			o->err = access(path, F_OK) == 0 ? -ESTALE : -ENOENT;
	} else if (!o->mod) {
		o->err = -ENOENT;
	}
	return o;
}

int ku_sym_build_id(struct ku_sym *s, const char *path, char *buf, size_t size)
{
	struct ku__sym_obj *o = sym_obj(s, path, NULL);

	if (!o)
		return -ENOMEM;
	if (o->err)
		return o->err;
	return sym_mod_build_id(o->mod, buf, size);
}

static void sym_load_demangler(struct ku_sym *s)
{
	s->demangle_tried = 1;
	s->demangle = (ku__demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
	if (s->demangle)
		return;
	s->cxx_handle = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (s->cxx_handle)
		s->demangle = (ku__demangle_fn)dlsym(s->cxx_handle, "__cxa_demangle");
}

const char *ku_sym_demangle(struct ku_sym *s, const char *name)
{
	if (!name || name[0] != '_' || name[1] != 'Z' || (s->flags & KU_SYM_NO_DEMANGLE))
		return name;
	if (!s->demangle_tried)
		sym_load_demangler(s);
	if (!s->demangle)
		return name;
	int status = -1;
	char *d = s->demangle(name, NULL, NULL, &status);
	if (!d || status != 0) {
		free(d);
		return name;
	}
	const char *r = sym_intern(s, d);
	free(d);
	return r ? r : name;
}

/* ELF virtual address of a file offset, through the PT_LOAD headers. */
static int sym_off_to_vaddr(Elf *elf, uint64_t off, uint64_t *vaddr)
{
	size_t nph;

	if (elf_getphdrnum(elf, &nph) != 0)
		return -EINVAL;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		if (off >= ph->p_offset && off < ph->p_offset + (ph->p_memsz > ph->p_filesz ? ph->p_memsz : ph->p_filesz)) {
			*vaddr = off - ph->p_offset + ph->p_vaddr;
			return 0;
		}
	}
	return -ERANGE;
}

/*
 * Name of a subprogram or inlined instance as DWARF spells it: its linkage
 * name (mangled), else DW_AT_name. Both are looked for through
 * DW_AT_abstract_origin and DW_AT_specification, since an inlined
 * instance names neither itself: its abstract origin does, or the
 * in-class declaration that origin specifies.
 */
static const char *sym_die_rawname(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *n = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		n = dwarf_formstring(&attr);
	if (n)
		return n;
	n = dwarf_diename(die);
	if (!n && dwarf_attr_integrate(die, DW_AT_name, &attr))
		n = dwarf_formstring(&attr);
	return n;
}

static const char *sym_die_name(struct ku_sym *s, Dwarf_Die *die)
{
	return ku_sym_demangle(s, sym_die_rawname(die));
}

/* 1 when sym is a compiler clone of the function DWARF calls name:
 * "sorter.part.0", "main.cold", "_ZL3fooi.isra.0" of "_ZL3fooi". */
static int sym_is_clone(const char *sym, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return sym && n && !strncmp(sym, name, n) && sym[n] == '.';
}

/* A source path as addr2line and llvm-symbolizer print it: libdw joins the
 * file with its line-table directory, which is relative when the compiler
 * was given a relative path (a VPATH build: "../../src/x.c"); such a path
 * is relative to the unit's DW_AT_comp_dir, so it is joined with that. */
static const char *sym_path(struct ku_sym *s, Dwarf_Die *cudie, const char *f)
{
	Dwarf_Attribute attr;
	const char *dir;
	char buf[4096];

	if (!f || f[0] == '/' || !cudie)
		return sym_intern(s, f);
	dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
	if (!dir || !*dir)
		return sym_intern(s, f);
	size_t dl = strlen(dir);
	if ((size_t)snprintf(buf, sizeof buf, "%s%s%s", dir, dir[dl - 1] == '/' ? "" : "/", f) >= sizeof buf)
		return sym_intern(s, f);
	return sym_intern(s, buf);
}

/* Call site (file, line) recorded on an inlined_subroutine DIE. */
static void sym_call_site(struct ku_sym *s, Dwarf_Die *cudie, Dwarf_Die *inl, const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;
	Dwarf_Files *files;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_attr(inl, DW_AT_call_line, &attr) && dwarf_formudata(&attr, &w) == 0)
		*line = (int)w;
	if (dwarf_attr(inl, DW_AT_call_file, &attr) && dwarf_formudata(&attr, &w) == 0 &&
	    dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && w < nfiles)
		*file = sym_path(s, cudie, dwarf_filesrc(files, w, NULL, NULL));
}

/* The compile unit covering addr. libdw finds it through .debug_aranges;
 * compilers that do not emit that section (clang) need a walk over the
 * units' address ranges. */
static Dwarf_Die *sym_cu(Dwfl_Module *mod, Dwarf_Addr addr, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);

	if (cu)
		return cu;
	cu = NULL;
	while ((cu = dwfl_module_nextcu(mod, cu, bias)) != NULL)
		if (dwarf_haspc(cu, addr - *bias) > 0)
			return cu;
	return NULL;
}

/*
 * Scopes: where the code at an address sits in the DWARF tree. libdw's
 * dwarf_getscopes() is not used: it prunes every DIE without addresses,
 * so it never finds functions that clang nests in DW_TAG_namespace or in
 * a class, and past the first inlined instance it continues through that
 * instance's abstract origin, which loses every caller between it and
 * the physical function. Instead, each compile unit gets, on its first
 * look-up, a sorted table of its subprograms' address ranges wherever
 * they sit (namespaces, classes, nested in other functions); a look-up
 * finds the subprogram by binary search and descends from it through the
 * scopes (inlined instances, lexical blocks) that contain the address:
 * the concrete nesting that addr2line -i, llvm-symbolizer and gdb show.
 */
static int sym_range_cmp(const void *a, const void *b)
{
	const struct ku__sym_range *x = a, *y = b;

	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	return x->high > y->high ? -1 : x->high < y->high; /* outer first */
}

/* DIEs that may own subprograms (definitions) below them. */
static int sym_may_own(int tag)
{
	switch (tag) {
	case DW_TAG_compile_unit:
	case DW_TAG_partial_unit:
	case DW_TAG_module:
	case DW_TAG_namespace:
	case DW_TAG_class_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_interface_type:
	case DW_TAG_subprogram:
	case DW_TAG_lexical_block:
		return 1;
	default:
		return 0;
	}
}

static int sym_index_add(struct ku__sym_cuidx *ix, size_t *cap, Dwarf_Die *die, Dwarf_Addr low, Dwarf_Addr high)
{
	if (ix->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ku__sym_range *n = realloc(ix->r, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ix->r = n;
		*cap = ncap;
	}
	ix->r[ix->n++] = (struct ku__sym_range){low, high, *die};
	return 0;
}

/* Walk the DIE tree below parent, adding every subprogram with code.
 * Depth is bounded against hostile nesting. */
static int sym_index_walk(struct ku__sym_cuidx *ix, size_t *cap, Dwarf_Die *parent, int depth)
{
	Dwarf_Die child;

	if (depth > 64 || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child);

		if (tag == DW_TAG_subprogram) {
			Dwarf_Addr base, low, high;
			ptrdiff_t off = 0;

			while ((off = dwarf_ranges(&child, off, &base, &low, &high)) > 0)
				if (high > low && sym_index_add(ix, cap, &child, low, high) < 0)
					return -ENOMEM;
		}
		if (sym_may_own(tag) && dwarf_haschildren(&child) > 0 &&
		    sym_index_walk(ix, cap, &child, depth + 1) < 0)
			return -ENOMEM;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static struct ku__sym_cuidx *sym_index(struct ku__sym_obj *o, Dwarf_Die *cudie)
{
	Dwarf_Off off = dwarf_dieoffset(cudie);
	struct ku__sym_cuidx *ix;
	size_t cap = 0;

	for (size_t i = 0; i < o->ncus; i++)
		if (o->cus[i].cu_off == off)
			return &o->cus[i];
	if (o->ncus == o->capcus) {
		size_t ncap = o->capcus ? o->capcus * 2 : 8;
		struct ku__sym_cuidx *n = realloc(o->cus, ncap * sizeof(*n));

		if (!n)
			return NULL;
		o->cus = n;
		o->capcus = ncap;
	}
	ix = &o->cus[o->ncus];
	memset(ix, 0, sizeof(*ix));
	ix->cu_off = off;
	if (sym_index_walk(ix, &cap, cudie, 0) < 0) {
		free(ix->r);
		return NULL;
	}
	qsort(ix->r, ix->n, sizeof(*ix->r), sym_range_cmp);
	o->ncus++;
	return ix;
}

/* Scopes that may contain inlined instances below a subprogram. */
static int sym_is_scope(int tag)
{
	switch (tag) {
	case DW_TAG_inlined_subroutine:
	case DW_TAG_lexical_block:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
	case DW_TAG_with_stmt:
		return 1;
	default:
		return 0;
	}
}

#define KU__SYM_DEPTH 256

/*
 * The chain of scopes at pc, innermost first, ending with the subprogram
 * (chain[n - 1]). A lexical block without addresses of its own is looked
 * through. Returns the count (0: no subprogram covers pc).
 */
static int sym_chain(struct ku__sym_obj *o, Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die *chain)
{
	struct ku__sym_cuidx *ix = sym_index(o, cudie);
	Dwarf_Die *path = chain, cur, child;
	size_t lo = 0, hi, best = SIZE_MAX;
	int n = 0;

	if (!ix || !ix->n)
		return 0;
	/* last range starting at or below pc; among the few before it, the
	 * innermost one that contains pc (ranges nest only for nested
	 * functions) */
	hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->r[mid].low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, k = 0; i-- > 0 && k < 16; k++)
		if (pc < ix->r[i].high && (best == SIZE_MAX || ix->r[i].high - ix->r[i].low <
								  ix->r[best].high - ix->r[best].low))
			best = i;
	if (best == SIZE_MAX)
		return 0;
	cur = ix->r[best].die;
	path[n++] = cur;
	/* descend: the first child scope that contains pc, repeatedly */
	while (n < KU__SYM_DEPTH && dwarf_child(&cur, &child) == 0) {
		int found = 0;

		do {
			int tag = dwarf_tag(&child);

			if (!sym_is_scope(tag) && tag != DW_TAG_subprogram)
				continue;
			if (dwarf_hasattr(&child, DW_AT_low_pc) || dwarf_hasattr(&child, DW_AT_ranges)) {
				if (dwarf_haspc(&child, pc) <= 0)
					continue;
			} else if (tag != DW_TAG_lexical_block || dwarf_haschildren(&child) <= 0) {
				continue;
			} else {
				/* an address-less block: look through it if a
				 * scope inside contains pc */
				Dwarf_Die g;
				int hit = 0;

				if (dwarf_child(&child, &g) == 0)
					do
						hit = sym_is_scope(dwarf_tag(&g)) && dwarf_haspc(&g, pc) > 0;
					while (!hit && dwarf_siblingof(&g, &g) == 0);
				if (!hit)
					continue;
			}
			found = 1;
			break;
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
		cur = child;
		path[n++] = cur;
	}
	for (int i = 0; i < n / 2; i++) { /* innermost first */
		Dwarf_Die t = path[i];

		path[i] = path[n - 1 - i];
		path[n - 1 - i] = t;
	}
	return n;
}

int ku_sym_lookup(struct ku_sym *s, const char *path, const char *build_id, uint64_t file_offset,
		  struct ku_sym_frame *frames, size_t max, size_t *n)
{
	struct ku__sym_obj *o;
	GElf_Addr bias = 0;
	Elf *elf;
	uint64_t vaddr;

	*n = 0;
	if (!s || !path)
		return -EINVAL;
	o = sym_obj(s, path, build_id);
	if (!o)
		return -ENOMEM;
	if (o->err)
		return o->err;
	if (max == 0)
		return 0;
	elf = dwfl_module_getelf(o->mod, &bias);
	if (!elf)
		return -ENOENT;
	if (sym_off_to_vaddr(elf, file_offset, &vaddr) != 0)
		vaddr = file_offset;
	Dwarf_Addr addr = vaddr + bias;

	/* A PLT stub: no symbol covers it and DWARF has no line for it; it
	 * is named after the function it jumps to, as objdump, perf and gdb
	 * name it ("malloc@plt"). */
	{
		char pltname[512];
		uint64_t entry;
		int literal;

		if (ku_elf_plt_name(elf, vaddr, pltname, sizeof pltname, &entry, &literal) == 1) {
			struct ku_sym_frame f = { 0 };

			if (literal) {
				f.function = sym_intern(s, pltname);
			} else {
				const char *dm = ku_sym_demangle(s, pltname);
				char full[1024];

				snprintf(full, sizeof full, "%s@plt", dm ? dm : pltname);
				f.function = sym_intern(s, full);
			}
			f.sym_offset = vaddr - entry;
			frames[0] = f;
			*n = 1;
			return 0;
		}
	}

	/* The physical function, from the symbol table (its DWARF name, when
	 * there is one, replaces it below). */
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *symname = dwfl_module_addrinfo(o->mod, addr, &off, &sym, NULL, NULL, NULL);
	Dwarf_Addr symstart = addr - off;
	struct ku_sym_frame phys = { 0 };
	if (symname) {
		/* drop a symbol version ("memcpy@@GLIBC_2.14") before demangling */
		const char *at = strchr(symname, '@');
		if (at && at != symname) {
			const char *bare = sym_intern_n(s, symname, (size_t)(at - symname));
			if (bare)
				symname = bare;
		}
	}
	phys.function = symname ? sym_intern(s, ku_sym_demangle(s, symname)) : NULL;
	phys.sym_offset = symname ? off : 0;

	Dwarf_Addr cubias = 0;
	Dwarf_Die *cudie = NULL;
	if (s->flags & KU_SYM_NO_LINES) {
		frames[0] = phys;
		*n = 1;
		return 0;
	}
	cudie = sym_cu(o->mod, addr, &cubias);
	Dwarf_Line *ln = cudie ? dwarf_getsrc_die(cudie, addr - cubias) : NULL;
	if (ln) {
		int lineno = 0;
		const char *f = dwarf_linesrc(ln, NULL, NULL);
		dwarf_lineno(ln, &lineno);
		phys.file = sym_path(s, cudie, f);
		phys.line = lineno;
	}

	/*
	 * Each inlined_subroutine in the chain is a frame whose position is
	 * (file, line): the line table's for the innermost one, and for every
	 * other frame the call site (DW_AT_call_file/DW_AT_call_line) recorded
	 * on the inlined instance just inside it. The physical function gets
	 * the outermost call site. Its name stays the symbol table's (the
	 * name the object exports: malloc, not glibc's __libc_malloc; C++
	 * names whole even where DWARF has only "Widget") unless DWARF knows
	 * better: no symbol covers the address, the symbol starts outside the
	 * subprogram (it names other code), or it is a compiler clone of the
	 * subprogram ("f.part.0", "f.cold" are f in the source). Frames beyond
	 * max - 1 inlined ones are left out, innermost kept; the physical
	 * frame is always last and keeps its own line.
	 */
	size_t k = 0;
	Dwarf_Die chain[KU__SYM_DEPTH];
	int nchain = cudie ? sym_chain(o, cudie, addr - cubias, chain) : 0;
	const char *file = phys.file;
	int line = phys.line;
	for (int i = 0; i < nchain; i++) {
		int tag = dwarf_tag(&chain[i]);

		if (tag == DW_TAG_subprogram) {
			const char *raw = sym_die_rawname(&chain[i]);

			if (raw && (!symname || symstart < cubias || dwarf_haspc(&chain[i], symstart - cubias) <= 0 ||
				    sym_is_clone(symname, raw)))
				phys.function = sym_intern(s, ku_sym_demangle(s, raw));
			break;
		}
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		if (k + 1 < max && !(s->flags & KU_SYM_NO_INLINE)) {
			frames[k].function = sym_intern(s, sym_die_name(s, &chain[i]));
			frames[k].file = file;
			frames[k].line = line;
			frames[k].inlined = 1;
			frames[k].sym_offset = 0;
			k++;
		}
		sym_call_site(s, cudie, &chain[i], &file, &line);
	}
	phys.file = file;
	phys.line = line;
	frames[k++] = phys;
	*n = k;
	return 0;
}

int ku_sym_lookup_addr(struct ku_sym *s, const char *path, const char *build_id, uint64_t addr,
		       uint64_t map_start, uint64_t map_offset, struct ku_sym_frame *frames, size_t max,
		       size_t *n)
{
	if (addr < map_start) {
		*n = 0;
		return -EINVAL;
	}
	return ku_sym_lookup(s, path, build_id, addr - map_start + map_offset, frames, max, n);
}
