# SPDX-License-Identifier: MIT
# tests/clients/: kb-proxy, bench_connect, the JavaScript drivers and the
# C-vs-JS table.
check_PROGRAMS += tests/clients/test-proxy
tests_clients_test_proxy_SOURCES = tests/clients/test-proxy.c tests/tap.h
tests_clients_test_proxy_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_clients_test_proxy_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_clients_test_proxy_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
TESTS += tests/clients/test-proxy
