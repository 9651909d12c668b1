# SPDX-License-Identifier: MIT
# tests/clients/: kb-proxy, bench_connect, the JavaScript drivers and the
# C-vs-JS table.
check_PROGRAMS += tests/clients/test-proxy
tests_clients_test_proxy_SOURCES = tests/clients/test-proxy.c tests/tap.h
tests_clients_test_proxy_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_clients_test_proxy_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_clients_test_proxy_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
TESTS += tests/clients/test-proxy

TESTS += tests/clients/js-drivers.sh
EXTRA_DIST += tests/clients/lib.sh tests/clients/js-drivers.sh tests/clients/check-result.js
TESTS += tests/clients/connect.sh
EXTRA_DIST += tests/clients/connect.sh
TESTS += tests/clients/table-golden.sh
EXTRA_DIST += tests/clients/table-golden.sh tests/clients/golden/c-pub.json tests/clients/golden/js-pub.json \
	tests/clients/golden/table.txt tests/clients/golden/table.md tests/clients/golden/table.json
TESTS += tests/clients/kbench-js.sh
EXTRA_DIST += tests/clients/kbench-js.sh
# MQTT over WebSocket against rabbitmq_web_mqtt (scripts/brokers rabbitmq-ws)
TESTS += tests/clients/ws.sh tests/clients/sdk.sh
EXTRA_DIST += tests/clients/ws.sh tests/clients/sdk.sh
