# SPDX-License-Identifier: MIT
# bench/kbench.mk: the kbench suite runner and its suites. kbench finds the
# drivers, kprof and the interposers next to itself (build tree) or in the
# installed layout (the paths compiled in below); suites are installed to
# $(pkgdatadir)/suites.
bin_PROGRAMS += bench/kbench
bench_kbench_SOURCES = bench/kbench.h bench/kbench-internal.h bench/kbench.c bench/kbench-opts.c \
	bench/kbench-brokers.c bench/kbench-case.c bench/kbench-ab.c bench/kbench-results.c \
	bench/kbench-util.c bench/kbench-suite.c bench/kbench-ci.h bench/kbench-ci.c $(KB_BASE_SOURCES)
bench_kbench_CPPFLAGS = $(KU_CPPFLAGS) \
	-DKB_PKGDATADIR='"$(pkgdatadir)"' -DKB_LIBDIR='"$(libdir)"' \
	-DKB_BINDIR='"$(bindir)"' -DKB_SRCDIR='"$(abs_top_srcdir)"'
bench_kbench_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
bench_kbench_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
bench_kbench_LDADD = lib/libku.la -lm

suitesdir = $(pkgdatadir)/suites
dist_suites_DATA = bench/suites/quick.suite bench/suites/full.suite bench/suites/sdk.suite


dist_noinst_SCRIPTS += scripts/bench-ci
EXTRA_DIST += .github/workflows/bench.yml doc/benchmarking.md doc/targets.md \
	doc/profiling.md doc/ci.md doc/regressions.md
dist_man1_MANS += man/kbench.1
