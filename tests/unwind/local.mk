# SPDX-License-Identifier: MIT
# tests/unwind/: the CFI unwinder against libunwind and gdb on programs
# compiled at test time by compare.sh (several compilers and flags), the
# libunwind back end's safety under libkalloc, and the CFI parser's
# libFuzzer target.
UNWIND_CORPUS_FILES = tests/unwind/harness.h tests/unwind/harness.c tests/unwind/corpus.c \
	tests/unwind/corpus-cxx.cc tests/unwind/plugin.c tests/unwind/gdb-compare.py
UNWIND_SH_TESTS = tests/unwind/compare.sh

# libunwind-safety.sh's helper: plain build, run under libkalloc.so.
check_PROGRAMS += tests/unwind/forkmt
tests_unwind_forkmt_SOURCES = tests/unwind/forkmt.c
tests_unwind_forkmt_LDFLAGS = $(AM_LDFLAGS) -no-install
UNWIND_SH_TESTS += tests/unwind/libunwind-safety.sh

TESTS += $(UNWIND_SH_TESTS)
EXTRA_DIST += $(UNWIND_SH_TESTS) $(UNWIND_CORPUS_FILES)

# libFuzzer target of the CFI compiler (CC=clang ./configure
# --enable-fuzzing), run for a bounded time by fuzz.sh in make check.
EXTRA_DIST += tests/unwind/fuzz.sh tests/unwind/mkseed.py
if ENABLE_FUZZING
check_PROGRAMS += tests/unwind/fuzz-cfi
tests_unwind_fuzz_cfi_SOURCES = tests/unwind/fuzz-cfi.c lib/cfi.c lib/cfi-build.c lib/procmaps.c lib/ku.c
tests_unwind_fuzz_cfi_CPPFLAGS = $(KU_CPPFLAGS)
tests_unwind_fuzz_cfi_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_unwind_fuzz_cfi_LDFLAGS = $(FUZZ_CFLAGS) -no-install
TESTS += tests/unwind/fuzz.sh
endif
