# SPDX-License-Identifier: MIT
# tests/clients/: kb-proxy, bench_connect, the JavaScript drivers and the
# C-vs-JS table.
