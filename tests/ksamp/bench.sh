#!/bin/sh
# SPDX-License-Identifier: MIT
# libksamp benchmark (not part of make check). Overhead on a CPU-bound
# program (fixed work, so extra CPU is the profiler's), measured side by
# side in one run: no profiler, libksamp and gperftools' libprofiler.so at
# 99 Hz and at the highest rate the kernel's tick allows for CPU timers
# (measured first), runs interleaved, median of REPS (default 5). Then the
# cost of one sample at depths 20 and 200 for both unwinders.
# Usage: tests/ksamp/bench.sh [BUILD_DIR]   (env: REPS, ITER)
set -eu
B=${1:-${top_builddir:-.}}
W=$B/tests/ksamp/workload
L=$B/sampler/.libs/libksamp.so
C=$B/tests/ksamp/sample-cost
GP=${GPERF_PROFILER:-$(ls /usr/lib/*/libprofiler.so.0 2>/dev/null | head -n1)}
REPS=${REPS:-5}
ITER=${ITER:-800000000}
T=$(mktemp -d /tmp/ksamp-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
for f in "$W" "$L" "$C"; do
	[ -e "$f" ] || { echo "bench.sh: $f is missing (make check builds it)" >&2; exit 1; }
done

# The kernel tick: how often can a CPU-time timer fire per CPU second?
KSAMP_HZ=1000 KSAMP_OUT=$T/tick.pb.gz LD_PRELOAD=$L "$W" burn 1 >/dev/null
sig=$(gzip -dc "$T/tick.pb.gz" | grep -ao 'signals handled: [0-9]*' | sed 's/.*: //')
MAX=$(( (sig + 5) / 10 * 10 ))
echo "kernel tick: $sig CPU-timer signals per CPU second at KSAMP_HZ=1000 -> max rate $MAX Hz"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # name, then env assignments; prints cpu_ns of the work
	name=$1; shift
	env "$@" "$W" work "$ITER" 20 2>/dev/null | sed -n 's/^cpu_ns //p' >>"$T/$name"
}
for r in $(seq "$REPS"); do
	run none
	run ksamp99 KSAMP_HZ=99 KSAMP_OUT=$T/k.pb.gz LD_PRELOAD=$L
	[ -n "$GP" ] && run gperf99 CPUPROFILE_FREQUENCY=99 CPUPROFILE=$T/g.prof LD_PRELOAD=$GP
	run ksampmax KSAMP_HZ=$MAX KSAMP_OUT=$T/k.pb.gz LD_PRELOAD=$L
	[ -n "$GP" ] && run gperfmax CPUPROFILE_FREQUENCY=$MAX CPUPROFILE=$T/g.prof LD_PRELOAD=$GP
	run ksampmax-libunwind KSAMP_HZ=$MAX KSAMP_UNWIND=libunwind KSAMP_OUT=$T/k.pb.gz LD_PRELOAD=$L
	run ksampmax-fp KSAMP_HZ=$MAX KSAMP_UNWIND=fp KSAMP_OUT=$T/k.pb.gz LD_PRELOAD=$L
done
base=$(median <"$T/none")
printf '%-20s %12s %9s   (CPU time of fixed work, median of %s, depth 20)\n' config cpu_ms overhead "$REPS"
for c in none ksamp99 gperf99 ksampmax gperfmax ksampmax-libunwind ksampmax-fp; do
	[ -s "$T/$c" ] || continue
	m=$(median <"$T/$c")
	awk -v c="$c" -v m="$m" -v b="$base" 'BEGIN { printf "%-20s %12.1f %8.2f%%\n", c, m / 1e6, (m - b) * 100 / b }'
done

echo "cost of one sample in microseconds (median of 5 x 20000 signals):"
"$C" 20000
for u in auto fp libunwind; do
	KSAMP_UNWIND=$u KSAMP_DEPTH=512 KSAMP_HZ=1 KSAMP_OUT=$T/c.pb.gz LD_PRELOAD=$L "$C" 20000 ksamp
done
