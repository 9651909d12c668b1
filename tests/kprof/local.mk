# SPDX-License-Identifier: MIT
# tests/kprof/: the analyzer's tests (see each file's header).
check_PROGRAMS += tests/kprof/test-symbolize tests/kprof/test-hmap tests/kprof/cpuburn tests/kprof/leaky
# lib/hmap.h and lib/arena.h, which the model, readers and tree are built on
tests_kprof_test_hmap_SOURCES = tests/kprof/test-hmap.c
tests_kprof_test_hmap_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/tests
tests_kprof_test_hmap_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_kprof_test_hmap_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_kprof_test_hmap_LDADD = lib/libku.la
tests_kprof_test_symbolize_SOURCES = tests/kprof/test-symbolize.c
tests_kprof_test_symbolize_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/tests
tests_kprof_test_symbolize_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) -g -O1 -fno-omit-frame-pointer
tests_kprof_test_symbolize_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_kprof_test_symbolize_LDADD = lib/libku.la
# Programs profiled by the live tests: always with debug info and frame
# pointers, never sanitized (they run under the interposers).
tests_kprof_cpuburn_SOURCES = tests/kprof/gen/cpuburn.cc
tests_kprof_cpuburn_CXXFLAGS = -g -O1 -fno-omit-frame-pointer
tests_kprof_cpuburn_LDFLAGS = -no-install
tests_kprof_leaky_SOURCES = tests/kprof/gen/leaky.c
tests_kprof_leaky_CFLAGS = -g -O0 -fno-omit-frame-pointer
tests_kprof_leaky_LDFLAGS = -no-install

TESTS += tests/kprof/test-symbolize tests/kprof/test-hmap tests/kprof/golden-outputs.sh tests/kprof/badinput.sh tests/kprof/svg.sh \
	tests/kprof/live.sh tests/kprof/roundtrip.sh tests/kprof/scale.sh tests/kprof/ci-formats.sh tests/kprof/threads.sh tests/kprof/hostile.sh
EXTRA_DIST += tests/kprof/golden-outputs.sh tests/kprof/badinput.sh tests/kprof/svg.sh tests/kprof/live.sh \
	tests/kprof/roundtrip.sh tests/kprof/scale.sh tests/kprof/threads.sh tests/kprof/gen/goprof.go tests/kprof/golden \
	tests/kprof/hostile.sh tests/kprof/gen/hostile.py tests/kprof/gen/pbwire.py
# CI report formats: the OASIS SARIF 2.1.0 schema, the checkers and the golden files
EXTRA_DIST += tests/kprof/ci-formats.sh tests/kprof/ci

# Performance benchmark (not part of make check): generator + script.
check_PROGRAMS += tests/kprof/perf/genprof
tests_kprof_perf_genprof_SOURCES = tests/kprof/perf/genprof.c $(KAN_CORE_SOURCES)
tests_kprof_perf_genprof_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/analyze
tests_kprof_perf_genprof_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_kprof_perf_genprof_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_kprof_perf_genprof_LDADD = lib/libku.la $(ZLIB_LIBS) $(LIBDW_LIBS)
EXTRA_DIST += tests/kprof/perf/bench.sh

# libFuzzer targets (CC=clang ./configure --enable-fuzzing): the profile
# readers, run for a bounded time by fuzz.sh in make check.
EXTRA_DIST += tests/kprof/fuzz.sh tests/kprof/fuzz-timeline.c
if ENABLE_FUZZING
check_PROGRAMS += tests/kprof/fuzz-pprof tests/kprof/fuzz-legacy tests/kprof/fuzz-leaks
KAN_FUZZ_SOURCES = $(KAN_CORE_SOURCES) lib/ku.c lib/pprof.c lib/procmaps.c lib/symbolize.c lib/elfplt.c lib/arena.c lib/hmap.c
tests_kprof_fuzz_pprof_SOURCES = tests/kprof/fuzz-pprof.c $(KAN_FUZZ_SOURCES)
tests_kprof_fuzz_pprof_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/analyze
tests_kprof_fuzz_pprof_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(LIBDW_CFLAGS)
tests_kprof_fuzz_pprof_LDFLAGS = $(FUZZ_CFLAGS) -no-install
tests_kprof_fuzz_pprof_LDADD = $(ZLIB_LIBS) $(LIBDW_LIBS)
tests_kprof_fuzz_legacy_SOURCES = tests/kprof/fuzz-legacy.c $(KAN_FUZZ_SOURCES)
tests_kprof_fuzz_legacy_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/analyze
tests_kprof_fuzz_legacy_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(LIBDW_CFLAGS)
tests_kprof_fuzz_legacy_LDFLAGS = $(FUZZ_CFLAGS) -no-install
tests_kprof_fuzz_legacy_LDADD = $(ZLIB_LIBS) $(LIBDW_LIBS)
# the leak-report reader and the CI writers (SARIF, JUnit XML, GitHub)
tests_kprof_fuzz_leaks_SOURCES = tests/kprof/fuzz-leaks.c analyze/leaks.h analyze/leaks.c analyze/leaks-ci.c \
	analyze/ci.h analyze/ci.c analyze/cli.h analyze/cli.c $(KAN_FUZZ_SOURCES) lib/json-write.c lib/json-parse.c
tests_kprof_fuzz_leaks_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/analyze
tests_kprof_fuzz_leaks_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(LIBDW_CFLAGS)
tests_kprof_fuzz_leaks_LDFLAGS = $(FUZZ_CFLAGS) -no-install
tests_kprof_fuzz_leaks_LDADD = $(ZLIB_LIBS) $(LIBDW_LIBS)
check_PROGRAMS += tests/kprof/fuzz-timeline
tests_kprof_fuzz_timeline_SOURCES = tests/kprof/fuzz-timeline.c analyze/timeline-load.c analyze/timeline-svg.c analyze/die.c \
	$(KAN_FUZZ_SOURCES) lib/json-write.c lib/json-parse.c
tests_kprof_fuzz_timeline_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/analyze
tests_kprof_fuzz_timeline_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(LIBDW_CFLAGS)
tests_kprof_fuzz_timeline_LDFLAGS = $(FUZZ_CFLAGS) -no-install
tests_kprof_fuzz_timeline_LDADD = $(ZLIB_LIBS) $(LIBDW_LIBS) -lm
TESTS += tests/kprof/fuzz.sh
endif
