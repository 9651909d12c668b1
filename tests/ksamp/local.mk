# SPDX-License-Identifier: MIT
# tests/ksamp/: lib/pprof.c unit test and libksamp.so end-to-end tests.
noinst_HEADERS += tests/ksamp/pbdecode.h
check_PROGRAMS += tests/ksamp/pprof-unit
tests_ksamp_pprof_unit_SOURCES = tests/ksamp/pprof-unit.c
tests_ksamp_pprof_unit_CPPFLAGS = $(KU_CPPFLAGS)
tests_ksamp_pprof_unit_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(ZLIB_CFLAGS)
tests_ksamp_pprof_unit_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_ksamp_pprof_unit_LDADD = lib/libku.la $(ZLIB_LIBS)
TESTS += tests/ksamp/pprof-unit

# End-to-end: workload (known-truth programs, built as programs are:
# plain -O2 -g, no frame pointers) run under libksamp.so by ksamp-e2e, one
# scenario per .sh wrapper; workload-fp, the same with frame pointers,
# for the KSAMP_UNWIND=fp checks.
check_PROGRAMS += tests/ksamp/workload tests/ksamp/workload-fp tests/ksamp/ksamp-e2e
tests_ksamp_workload_SOURCES = tests/ksamp/workload.c
tests_ksamp_workload_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sampler
tests_ksamp_workload_CFLAGS = $(AM_CFLAGS) -g -O2
tests_ksamp_workload_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_ksamp_workload_fp_SOURCES = tests/ksamp/workload.c
tests_ksamp_workload_fp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sampler
tests_ksamp_workload_fp_CFLAGS = $(AM_CFLAGS) -g -O2 -fno-omit-frame-pointer
tests_ksamp_workload_fp_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_ksamp_workload_fp_LDADD = -ldl
tests_ksamp_workload_LDADD = -ldl
# A library that starts a thread in its constructor (the 'methods' test
# preloads it after libksamp.so, so that its constructor runs first).
check_LTLIBRARIES += tests/ksamp/libearly.la
tests_ksamp_libearly_la_SOURCES = tests/ksamp/libearly.c
tests_ksamp_libearly_la_CFLAGS = $(AM_CFLAGS) -fno-omit-frame-pointer
tests_ksamp_libearly_la_LDFLAGS = -module -avoid-version -shared -rpath $(abs_builddir)/tests/ksamp
tests_ksamp_ksamp_e2e_SOURCES = tests/ksamp/ksamp-e2e.c
tests_ksamp_ksamp_e2e_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(ZLIB_CFLAGS)
tests_ksamp_ksamp_e2e_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_ksamp_ksamp_e2e_LDADD = $(ZLIB_LIBS) -lm
KSAMP_E2E_TESTS = tests/ksamp/attribution.sh tests/ksamp/wall.sh tests/ksamp/threads.sh \
	tests/ksamp/forkexec.sh tests/ksamp/sigprof.sh tests/ksamp/depth.sh tests/ksamp/api.sh \
	tests/ksamp/config.sh tests/ksamp/kalloc.sh tests/ksamp/stress.sh tests/ksamp/speedscope.sh \
	tests/ksamp/methods.sh tests/ksamp/sigprofall.sh tests/ksamp/manythreads.sh tests/ksamp/tenms.sh \
	tests/ksamp/kafka.sh tests/ksamp/mainexit.sh
TESTS += $(KSAMP_E2E_TESTS)
EXTRA_DIST += $(KSAMP_E2E_TESTS)

# Benchmarks (built by make check, not run by it): tests/ksamp/bench.sh.
check_PROGRAMS += tests/ksamp/sample-cost
tests_ksamp_sample_cost_SOURCES = tests/ksamp/sample-cost.c
tests_ksamp_sample_cost_CPPFLAGS = $(KU_CPPFLAGS)
tests_ksamp_sample_cost_CFLAGS = $(AM_CFLAGS) -fno-omit-frame-pointer
tests_ksamp_sample_cost_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_ksamp_sample_cost_LDADD = lib/libku_inject.la
EXTRA_DIST += tests/ksamp/bench.sh
EXTRA_DIST += tests/ksamp/golden/unit.pb
