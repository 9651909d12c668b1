# SPDX-License-Identifier: MIT
# tests/ksamp/: lib/pprof.c unit test and libksamp.so end-to-end tests.
noinst_HEADERS += tests/ksamp/pbdecode.h
check_PROGRAMS += tests/ksamp/pprof-unit
tests_ksamp_pprof_unit_SOURCES = tests/ksamp/pprof-unit.c
tests_ksamp_pprof_unit_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(ZLIB_CFLAGS)
tests_ksamp_pprof_unit_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_ksamp_pprof_unit_LDADD = lib/libku.la $(ZLIB_LIBS)
TESTS += tests/ksamp/pprof-unit
