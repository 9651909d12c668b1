# SPDX-License-Identifier: MIT
# tests/bench/: histogram, JSON, message model, backends and drivers.
BENCH_TEST_LIBS = lib/libku.la
BENCH_TEST_CPP = $(KU_CPPFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/bench
BENCH_TEST_CC = $(AM_CFLAGS) $(SAN_CFLAGS)

check_PROGRAMS += tests/bench/test-hist tests/bench/test-json
TESTS += tests/bench/test-hist tests/bench/test-json
tests_bench_test_hist_SOURCES = tests/bench/test-hist.c
tests_bench_test_hist_CPPFLAGS = $(BENCH_TEST_CPP)
tests_bench_test_hist_CFLAGS = $(BENCH_TEST_CC)
tests_bench_test_hist_LDADD = $(BENCH_TEST_LIBS)
tests_bench_test_hist_LDFLAGS = -no-install
tests_bench_test_json_SOURCES = tests/bench/test-json.c
tests_bench_test_json_CPPFLAGS = $(BENCH_TEST_CPP)
tests_bench_test_json_CFLAGS = $(BENCH_TEST_CC)
tests_bench_test_json_LDADD = $(BENCH_TEST_LIBS)
tests_bench_test_json_LDFLAGS = -no-install

# libFuzzer targets (CC=clang ./configure --enable-fuzzing): parsers of
# untrusted input.
if ENABLE_FUZZING
check_PROGRAMS += tests/bench/fuzz_json
tests_bench_fuzz_json_SOURCES = tests/bench/fuzz_json.c lib/json-write.c lib/json-parse.c lib/ku.c
tests_bench_fuzz_json_CPPFLAGS = $(KU_CPPFLAGS)
tests_bench_fuzz_json_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_bench_fuzz_json_LDFLAGS = $(FUZZ_CFLAGS)
endif

check_PROGRAMS += tests/bench/test-message tests/bench/test-memory tests/bench/jget
TESTS += tests/bench/test-message tests/bench/test-memory
tests_bench_test_message_SOURCES = tests/bench/test-message.c
tests_bench_test_message_CPPFLAGS = $(BENCH_TEST_CPP)
tests_bench_test_message_CFLAGS = $(BENCH_TEST_CC)
tests_bench_test_message_LDADD = bench/libkbench.la
tests_bench_test_message_LDFLAGS = -no-install
tests_bench_test_memory_SOURCES = tests/bench/test-memory.c
tests_bench_test_memory_CPPFLAGS = $(BENCH_TEST_CPP)
tests_bench_test_memory_CFLAGS = $(BENCH_TEST_CC)
tests_bench_test_memory_LDADD = bench/libkbench.la
tests_bench_test_memory_LDFLAGS = -no-install
# jget FILE PATH: prints one value of a JSON document (shell tests).
tests_bench_jget_SOURCES = tests/bench/jget.c
tests_bench_jget_CPPFLAGS = $(BENCH_TEST_CPP)
tests_bench_jget_CFLAGS = $(BENCH_TEST_CC)
tests_bench_jget_LDADD = lib/libku.la
tests_bench_jget_LDFLAGS = -no-install

# Shell tests: drivers on the memory backend and bad input; Kafka through
# the mock cluster; AMQP and MQTT against private brokers (scripts/brokers).
TESTS += tests/bench/drivers.sh tests/bench/kafka.sh tests/bench/amqp.sh tests/bench/mqtt.sh
EXTRA_DIST += tests/bench/drivers.sh tests/bench/kafka.sh tests/bench/amqp.sh tests/bench/mqtt.sh \
	tests/bench/lib.sh tests/bench/golden/e2e-metrics.keys tests/bench/golden/e2e-config.keys \
	tests/bench/golden/hist.log
# the MQTT broker addresses, TCP and WebSocket (bench/transport.c)
check_PROGRAMS += tests/bench/test-transport
TESTS += tests/bench/test-transport
tests_bench_test_transport_SOURCES = tests/bench/test-transport.c bench/transport.c
tests_bench_test_transport_CPPFLAGS = $(BENCH_TEST_CPP)
tests_bench_test_transport_CFLAGS = $(BENCH_TEST_CC)
tests_bench_test_transport_LDFLAGS = -no-install

if ENABLE_FUZZING
check_PROGRAMS += tests/bench/fuzz_transport
tests_bench_fuzz_transport_SOURCES = tests/bench/fuzz_transport.c bench/transport.c
tests_bench_fuzz_transport_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/bench
tests_bench_fuzz_transport_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_bench_fuzz_transport_LDFLAGS = $(FUZZ_CFLAGS)
check_PROGRAMS += tests/bench/fuzz_message
tests_bench_fuzz_message_SOURCES = tests/bench/fuzz_message.c bench/message.c
tests_bench_fuzz_message_CPPFLAGS = $(KU_CPPFLAGS) -I$(top_srcdir)/bench
tests_bench_fuzz_message_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_bench_fuzz_message_LDFLAGS = $(FUZZ_CFLAGS)
TESTS += tests/bench/fuzz.sh
endif
EXTRA_DIST += tests/bench/fuzz.sh
