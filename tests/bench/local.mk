# SPDX-License-Identifier: MIT
# tests/bench/: histogram, JSON, message model, backends and drivers.
BENCH_TEST_LDADD = lib/libku.la
BENCH_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/bench
BENCH_TEST_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)

check_PROGRAMS += tests/bench/test-hist tests/bench/test-json
TESTS += tests/bench/test-hist tests/bench/test-json
tests_bench_test_hist_SOURCES = tests/bench/test-hist.c
tests_bench_test_hist_CPPFLAGS = $(BENCH_TEST_CPPFLAGS)
tests_bench_test_hist_CFLAGS = $(BENCH_TEST_CFLAGS)
tests_bench_test_hist_LDADD = $(BENCH_TEST_LDADD)
tests_bench_test_hist_LDFLAGS = -no-install
tests_bench_test_json_SOURCES = tests/bench/test-json.c
tests_bench_test_json_CPPFLAGS = $(BENCH_TEST_CPPFLAGS)
tests_bench_test_json_CFLAGS = $(BENCH_TEST_CFLAGS)
tests_bench_test_json_LDADD = $(BENCH_TEST_LDADD)
tests_bench_test_json_LDFLAGS = -no-install

# libFuzzer targets (CC=clang ./configure --enable-fuzzing): parsers of
# untrusted input.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/bench/fuzz_json
tests_bench_fuzz_json_SOURCES = tests/bench/fuzz_json.c lib/json.c
tests_bench_fuzz_json_CPPFLAGS = $(AM_CPPFLAGS)
tests_bench_fuzz_json_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_bench_fuzz_json_LDFLAGS = $(FUZZ_CFLAGS)
endif
