# SPDX-License-Identifier: MIT
# bench/clients.mk: cross-client comparison and connection benchmarks:
# kb-proxy (loopback TCP proxy that cuts connections on command),
# bench_connect (connect latency, recovery, memory per channel), the
# JavaScript drivers in clients/js and the `kprof clients` table.
