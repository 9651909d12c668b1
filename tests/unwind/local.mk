# SPDX-License-Identifier: MIT
# tests/unwind/: the CFI unwinder against libunwind and gdb on programs
# compiled at test time by compare.sh (several compilers and flags), the
# libunwind back end's safety under libkalloc, and the CFI parser's
# libFuzzer target.
UNWIND_CORPUS_FILES = tests/unwind/harness.h tests/unwind/harness.c tests/unwind/corpus.c \
	tests/unwind/corpus-cxx.cc tests/unwind/plugin.c tests/unwind/gdb-compare.py
UNWIND_SH_TESTS = tests/unwind/compare.sh
TESTS += $(UNWIND_SH_TESTS)
EXTRA_DIST += $(UNWIND_SH_TESTS) $(UNWIND_CORPUS_FILES)
