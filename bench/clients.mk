# SPDX-License-Identifier: MIT
# bench/clients.mk: cross-client comparison and connection benchmarks:
# kb-proxy (loopback TCP proxy that cuts connections on command),
# bench_connect (connect latency, recovery, memory per channel), the
# JavaScript drivers in clients/js and the `kprof clients` table.
bin_PROGRAMS += bench/kb-proxy
bench_kb_proxy_SOURCES = bench/kb-proxy.c
bench_kb_proxy_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
bench_kb_proxy_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install

# `kprof clients A.json B.json`: the C-vs-JS table (analyze/clients.c).
analyze_kprof_SOURCES += analyze/clients.c
