# SPDX-License-Identifier: MIT
# tests/kbench/: compare statistics, compare/history/report outputs,
# rendering in headless Chromium, the suite runner end to end.
check_PROGRAMS += tests/kbench/stats
tests_kbench_stats_SOURCES = tests/kbench/stats.c analyze/stats.c analyze/stats.h
tests_kbench_stats_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/analyze -I$(top_srcdir)/tests
tests_kbench_stats_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_kbench_stats_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS)
tests_kbench_stats_LDADD = -lm
TESTS += tests/kbench/stats
TESTS += tests/kbench/compare.sh
EXTRA_DIST += tests/kbench/compare.sh tests/kbench/data/base.json tests/kbench/data/new.json \
	tests/kbench/data/compare.txt tests/kbench/data/compare.md tests/kbench/data/compare.json
TESTS += tests/kbench/history.sh
EXTRA_DIST += tests/kbench/history.sh
TESTS += tests/kbench/render.sh
EXTRA_DIST += tests/kbench/render.sh
TESTS += tests/kbench/suite.sh tests/kbench/quick.sh
EXTRA_DIST += tests/kbench/suite.sh tests/kbench/quick.sh

# libFuzzer targets (CC=clang ./configure --enable-fuzzing): the results
# loader (untrusted JSON from other machines) and the suite parser.
EXTRA_DIST += tests/kbench/fuzz.sh
if ENABLE_FUZZING
check_PROGRAMS += tests/kbench/fuzz-result tests/kbench/fuzz-suite
tests_kbench_fuzz_result_SOURCES = tests/kbench/fuzz-results.c analyze/results-load.c \
	analyze/stats.c lib/json-write.c lib/json-parse.c lib/ku.c
tests_kbench_fuzz_result_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/analyze
tests_kbench_fuzz_result_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_kbench_fuzz_result_LDFLAGS = $(FUZZ_CFLAGS) -no-install
tests_kbench_fuzz_result_LDADD = -lm
tests_kbench_fuzz_suite_SOURCES = tests/kbench/fuzz-suite.c bench/kbench-suite.c
tests_kbench_fuzz_suite_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/bench
tests_kbench_fuzz_suite_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_kbench_fuzz_suite_LDFLAGS = $(FUZZ_CFLAGS) -no-install
TESTS += tests/kbench/fuzz.sh
endif
TESTS += tests/kbench/merge.sh
EXTRA_DIST += tests/kbench/merge.sh tests/kbench/data/fake-driver.sh tests/kbench/data/cpu.pb.gz \
	tests/kbench/data/heap.pb.gz tests/kbench/data/kbench-results.json tests/kbench/data/kbench-summary.txt
TESTS += tests/kbench/brokers.sh
EXTRA_DIST += tests/kbench/brokers.sh
TESTS += tests/kbench/compare-rates.sh
EXTRA_DIST += tests/kbench/compare-rates.sh
TESTS += tests/kbench/ab.sh
EXTRA_DIST += tests/kbench/ab.sh
TESTS += tests/kbench/merge-results.sh
EXTRA_DIST += tests/kbench/merge-results.sh
# kprof history on both stores: history-lib.sh holds the checks every
# store passes; history-pg.sh runs history.sh and those on a private
# PostgreSQL server (scripts/pgserver).
TESTS += tests/kbench/history-sqlite.sh tests/kbench/history-pg.sh
EXTRA_DIST += tests/kbench/history-lib.sh tests/kbench/history-sqlite.sh tests/kbench/history-pg.sh
dist_noinst_SCRIPTS += scripts/pgserver
if ENABLE_FUZZING
# the text helpers of the history store (URIs, messages, identity, reps)
check_PROGRAMS += tests/kbench/fuzz-history
tests_kbench_fuzz_history_SOURCES = tests/kbench/fuzz-history.c analyze/history-text.c analyze/history.h
tests_kbench_fuzz_history_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/analyze
tests_kbench_fuzz_history_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_kbench_fuzz_history_LDFLAGS = $(FUZZ_CFLAGS) -no-install
tests_kbench_fuzz_history_LDADD = -lm
endif
EXTRA_DIST += tests/kbench/fuzz-history.c
