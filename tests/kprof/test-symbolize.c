/* SPDX-License-Identifier: MIT */
/*
 * test-symbolize: lib/symbolize against this very program: a static
 * function's address (found through /proc/self/maps, as the interposers
 * do) resolves to its name, file and line; code inlined into another
 * function gives two frames, innermost first, and a chain three deep
 * three frames, each with its own name and the line of its own call
 * (also when the room given is smaller than the chain, and with
 * KU_SYM_NO_INLINE); C++ names demangle; build IDs read; missing files
 * and build-ID mismatches are reported.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize.h"
#include "tap.h"

struct kan_test_map {
	uint64_t start, end, offset;
	char path[4096];
};

static int kan_test_find_map(uint64_t addr, struct kan_test_map *m)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4600];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long s, e, o;
		int n = 0;
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &s, &e, &o, &n) < 3 || !n)
			continue;
		if (addr < s || addr >= e)
			continue;
		m->start = s;
		m->end = e;
		m->offset = o;
		snprintf(m->path, sizeof(m->path), "%s", line + n);
		m->path[strcspn(m->path, "\n")] = '\0';
		found = 1;
	}
	fclose(f);
	return found;
}

static const int kan_test_target_line = __LINE__ + 2;
__attribute__((noinline)) static int kan_test_target(int x)
{
	return x * 7 + 3;
}

/* A return address inside code inlined into kan_test_outer (labels as
 * values would block inlining with some compilers). */
static uintptr_t kan_test_inline_pc;
__attribute__((noinline)) static int kan_test_probe(int x)
{
	kan_test_inline_pc = (uintptr_t)__builtin_return_address(0) - 1; /* on the call */
	return x + 1;
}

static inline __attribute__((always_inline)) int kan_test_inlined(int x)
{
	return kan_test_probe(x) * 5;
}

__attribute__((noinline)) static int kan_test_outer(int x)
{
	return kan_test_inlined(x) + 2;
}

/* Three deep: kan_test_inner inlined into kan_test_mid inlined into
 * kan_test_deep. kan_test_l records the line of each call. */
static uintptr_t kan_test_deep_pc;
static int kan_test_l[3];
__attribute__((noinline)) static int kan_test_probe2(int x)
{
	kan_test_deep_pc = (uintptr_t)__builtin_return_address(0) - 1;
	return x - 1;
}

static inline __attribute__((always_inline)) int kan_test_inner(int x)
{
	int r;

	kan_test_l[0] = __LINE__, r = kan_test_probe2(x) * 3;
	return r;
}

static inline __attribute__((always_inline)) int kan_test_mid(int x)
{
	int r;

	kan_test_l[1] = __LINE__, r = kan_test_inner(x) + 4;
	return r;
}

__attribute__((noinline)) static int kan_test_deep(int x)
{
	int r;

	kan_test_l[2] = __LINE__, r = kan_test_mid(x) * 2;
	return r;
}

static int kan_test_ends(const char *s, const char *suf)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suf);

	return s && a >= b && !strcmp(s + a - b, suf);
}

int main(void)
{
	struct ku_sym *s;
	struct ku_sym_frame fr[KU_SYM_CHAIN_MAX];
	struct kan_test_map m;
	size_t n = 0;
	uint64_t addr = (uint64_t)(uintptr_t)&kan_test_target;
	char bid[128];

	tap_is_int(ku_sym_new(&s, 0), 0, "ku_sym_new");
	tap_ok(kan_test_find_map(addr, &m), "found the mapping of a static function in /proc/self/maps");
	tap_is_int(ku_sym_lookup_addr(s, m.path, NULL, addr, m.start, m.offset, fr, 8, &n), 0, "lookup succeeds");
	tap_is_int(n, 1, "one frame for a function start");
	tap_is_str(fr[0].function, "kan_test_target", "static function named from .symtab");
	tap_ok(kan_test_ends(fr[0].file, "test-symbolize.c"), "source file from DWARF (%s)", fr[0].file ? fr[0].file : "none");
	tap_ok(fr[0].line >= kan_test_target_line && fr[0].line <= kan_test_target_line + 2, "line %d near %d",
	       fr[0].line, kan_test_target_line);
	tap_is_int(fr[0].inlined, 0, "a physical frame is not inlined");
	/* the same address again comes from the cache and gives the same strings */
	const char *first = fr[0].function;
	ku_sym_lookup_addr(s, m.path, NULL, addr + 1, m.start, m.offset, fr, 8, &n);
	tap_ok(fr[0].function == first, "strings are interned (same pointer on a repeat lookup)");
	tap_is_int(fr[0].sym_offset, 1, "offset into the symbol");

	/* inlined code: innermost frame first */
	volatile int one = 1; /* no constant propagation into a clone */
	tap_is_int(kan_test_target(one), 10, "target() ran");
	tap_is_int(kan_test_outer(one), 12, "outer() ran");
	addr = (uint64_t)kan_test_inline_pc;
	kan_test_find_map(addr, &m);
	ku_sym_lookup_addr(s, m.path, NULL, addr, m.start, m.offset, fr, 8, &n);
	tap_is_int(n, 2, "inlined code gives two frames");
	if (n == 2) {
		tap_is_str(fr[0].function, "kan_test_inlined", "innermost frame is the inlined function");
		tap_is_int(fr[0].inlined, 1, "marked inlined");
		tap_is_str(fr[1].function, "kan_test_outer", "then the function it was inlined into");
		tap_ok(fr[1].line > fr[0].line, "caller line is the call site (%d > %d)", fr[1].line, fr[0].line);
	} else {
		for (int i = 0; i < 4; i++)
			tap_ok(0, "inline frames (got %zu frames)", n);
	}
	/* KU_SYM_NO_INLINE: one frame */
	struct ku_sym *s2;
	ku_sym_new(&s2, KU_SYM_NO_INLINE);
	ku_sym_lookup_addr(s2, m.path, NULL, addr, m.start, m.offset, fr, 8, &n);
	tap_ok(n == 1 && fr[0].function && !strcmp(fr[0].function, "kan_test_outer"), "KU_SYM_NO_INLINE gives the physical frame");
	ku_sym_free(s2);

	/* three deep: every frame with its own name and line, in order */
	tap_is_int(kan_test_deep(one), 8, "deep() ran");
	addr = (uint64_t)kan_test_deep_pc;
	kan_test_find_map(addr, &m);
	ku_sym_lookup_addr(s, m.path, NULL, addr, m.start, m.offset, fr, KU_SYM_CHAIN_MAX, &n);
	tap_is_int(n, 3, "a chain three deep gives three frames");
	if (n == 3) {
		static const char *const names[] = {"kan_test_inner", "kan_test_mid", "kan_test_deep"};

		for (int i = 0; i < 3; i++) {
			tap_is_str(fr[i].function, names[i], "frame %d is %s", i, names[i]);
			tap_is_int(fr[i].line, kan_test_l[i], "frame %d at its own call's line", i);
			tap_ok(kan_test_ends(fr[i].file, "test-symbolize.c"), "frame %d in test-symbolize.c", i);
			tap_is_int(fr[i].inlined, i < 2, "frame %d inlined flag", i);
		}
	} else {
		for (int i = 0; i < 12; i++)
			tap_ok(0, "three frames expected, got %zu", n);
	}
	/* room for two: the innermost inlined frame and the physical one,
	 * which keeps its own line */
	ku_sym_lookup_addr(s, m.path, NULL, addr, m.start, m.offset, fr, 2, &n);
	tap_ok(n == 2 && fr[0].function && !strcmp(fr[0].function, "kan_test_inner") && fr[1].function &&
		       !strcmp(fr[1].function, "kan_test_deep") && fr[1].line == kan_test_l[2],
	       "max 2: innermost inlined frame, then the physical one at its own line");
	ku_sym_new(&s2, KU_SYM_NO_INLINE);
	ku_sym_lookup_addr(s2, m.path, NULL, addr, m.start, m.offset, fr, KU_SYM_CHAIN_MAX, &n);
	tap_ok(n == 1 && fr[0].function && !strcmp(fr[0].function, "kan_test_deep") && fr[0].line == kan_test_l[2],
	       "KU_SYM_NO_INLINE: the physical frame at the outermost call site (line %d)", n ? fr[0].line : 0);
	ku_sym_free(s2);

	tap_is_str(ku_sym_demangle(s, "_ZN6broker13route_messageEi"), "broker::route_message(int)", "C++ demangling");
	tap_is_str(ku_sym_demangle(s, "plain_c"), "plain_c", "C names are left alone");
	tap_is_str(ku_sym_demangle(s, "_Znot valid"), "_Znot valid", "invalid mangled names are left alone");

	int r = ku_sym_build_id(s, m.path, bid, sizeof(bid));
	tap_ok(r == 0 && strlen(bid) >= 16 && strspn(bid, "0123456789abcdef") == strlen(bid), "build ID of the test program (%s)",
	       r == 0 ? bid : "none");
	if (r == 0) {
		tap_is_int(ku_sym_lookup(s, m.path, bid, 0x10, fr, 8, &n), 0, "lookup with the matching build ID");
		tap_is_int(ku_sym_lookup(s, m.path, "00ff00ff00ff00ff00ff", 0x10, fr, 8, &n), -ESTALE,
			   "a different build ID at that path is stale");
	}
	tap_is_int(ku_sym_lookup(s, "/nonexistent/libfoo.so", NULL, 0x1000, fr, 8, &n), -ENOENT, "missing object: -ENOENT");
	tap_is_int(ku_sym_lookup(s, "/etc/hostname", NULL, 0x10, fr, 8, &n) < 0, 1, "a non-ELF file is an error");
	ku_sym_free(s);
	ku_sym_free(NULL);
	return tap_done();
}
