# SPDX-License-Identifier: MIT
# tests/symbolize/: lib/symbolize's inline chains, checked frame for frame
# against addr2line -i (and llvm-symbolizer) on a corpus with deep inline
# chains, and end to end in what libkalloc, libksamp and kprof write.
#
# The corpus is built by explicit rules, not as check_PROGRAMS, because
# its optimization levels are the point: automake puts the user's CFLAGS
# (by default -O2) after per-target flags, which would turn -O3 into -O2.
# Each program is built with $(CC)/$(CXX) at -O2, -O3 and -O2 with frame
# pointers (the one run under the interposers, so that any unwinder gives
# whole stacks), and with clang/clang++ at -O2 and -O3 when installed.
check_PROGRAMS += tests/symbolize/symchain
tests_symbolize_symchain_SOURCES = tests/symbolize/symchain.c
tests_symbolize_symchain_CPPFLAGS = $(KU_CPPFLAGS)
tests_symbolize_symchain_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(LIBDW_CFLAGS)
tests_symbolize_symchain_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_symbolize_symchain_LDADD = lib/libku.la $(LIBDW_LIBS)

SYMC = tests/symbolize/corpus
SYMC_SRC = $(top_srcdir)/$(SYMC)
SYMC_CC = $(SYMC)/search-cc-O2 $(SYMC)/search-cc-O3 $(SYMC)/search-cc-fp
SYMC_CXX = $(SYMC)/widget-cxx-O2 $(SYMC)/widget-cxx-O3 $(SYMC)/widget-cxx-fp
SYMC_CLANG = $(SYMC)/search-clang-O2 $(SYMC)/search-clang-O3 $(SYMC)/widget-clang-O2 $(SYMC)/widget-clang-O3
SYMC_BUILT = $(SYMC_CC) $(SYMC_CXX)
if HAVE_CLANG
SYMC_BUILT += $(SYMC_CLANG)
endif
check_SCRIPTS += $(SYMC_BUILT)
CLEANFILES += $(SYMC_CC) $(SYMC_CXX) $(SYMC_CLANG)
SYMC_V = $(SYMC_V_@AM_V@)
SYMC_V_ = $(SYMC_V_@AM_DEFAULT_V@)
SYMC_V_0 = @echo "  CORPUS  " $@;

$(SYMC)/search-cc-O2: $(SYMC_SRC)/search.c
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CC) -g -O2 -o $@ $(SYMC_SRC)/search.c
$(SYMC)/search-cc-O3: $(SYMC_SRC)/search.c
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CC) -g -O3 -o $@ $(SYMC_SRC)/search.c
$(SYMC)/search-cc-fp: $(SYMC_SRC)/search.c
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CC) -g -O2 -fno-omit-frame-pointer -o $@ $(SYMC_SRC)/search.c
$(SYMC)/search-clang-O2: $(SYMC_SRC)/search.c
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CLANG) -g -O2 -o $@ $(SYMC_SRC)/search.c
$(SYMC)/search-clang-O3: $(SYMC_SRC)/search.c
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CLANG) -g -O3 -o $@ $(SYMC_SRC)/search.c
$(SYMC)/widget-cxx-O2: $(SYMC_SRC)/widget.cc
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CXX) -g -O2 -o $@ $(SYMC_SRC)/widget.cc
$(SYMC)/widget-cxx-O3: $(SYMC_SRC)/widget.cc
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CXX) -g -O3 -o $@ $(SYMC_SRC)/widget.cc
$(SYMC)/widget-cxx-fp: $(SYMC_SRC)/widget.cc
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CXX) -g -O2 -fno-omit-frame-pointer -o $@ $(SYMC_SRC)/widget.cc
$(SYMC)/widget-clang-O2: $(SYMC_SRC)/widget.cc
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CLANGXX) -g -O2 -o $@ $(SYMC_SRC)/widget.cc
$(SYMC)/widget-clang-O3: $(SYMC_SRC)/widget.cc
	$(SYMC_V)$(MKDIR_P) $(SYMC) && $(CLANGXX) -g -O3 -o $@ $(SYMC_SRC)/widget.cc

SYMBOLIZE_TESTS = tests/symbolize/chains.sh tests/symbolize/kalloc.sh tests/symbolize/ksamp.sh
TESTS += $(SYMBOLIZE_TESTS)
EXTRA_DIST += $(SYMBOLIZE_TESTS) tests/symbolize/lib.sh tests/symbolize/chains.awk $(SYMC)/search.c $(SYMC)/widget.cc

# libFuzzer target of the PLT stub decoder (CC=clang ./configure
# --enable-fuzzing), run for a bounded time by fuzz.sh in make check.
EXTRA_DIST += tests/symbolize/fuzz.sh
if ENABLE_FUZZING
check_PROGRAMS += tests/symbolize/fuzz-plt
tests_symbolize_fuzz_plt_SOURCES = tests/symbolize/fuzz-plt.c lib/elfplt.c
tests_symbolize_fuzz_plt_CPPFLAGS = $(KU_CPPFLAGS)
tests_symbolize_fuzz_plt_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(LIBDW_CFLAGS)
tests_symbolize_fuzz_plt_LDFLAGS = $(FUZZ_CFLAGS) -no-install
tests_symbolize_fuzz_plt_LDADD = $(LIBDW_LIBS)
TESTS += tests/symbolize/fuzz.sh
endif
