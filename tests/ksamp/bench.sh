#!/bin/sh
# SPDX-License-Identifier: MIT
# libksamp benchmark (not part of make check). Overhead on a CPU-bound
# program (fixed work, so extra CPU is the profiler's), measured side by
# side in one run: no profiler, libksamp and gperftools' libprofiler.so at
# 99 Hz and at the highest rate the kernel's tick allows for CPU timers
# (measured first), runs interleaved, median of REPS (default 5); the same
# work split over 4 threads at 99 Hz; and bench_pub on the Kafka backend
# (against a mock cluster in a process of its own) at 99 Hz: CPU time per
# message over the benchmark's own window. Then the cost of one sample at
# depths 20 and 200 for both unwinders.
# Usage: tests/ksamp/bench.sh [BUILD_DIR]   (env: REPS, ITER, KAFKA_COUNT)
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
# report BASE CONFIG... : per config the median, its overhead against
# BASE's median, and the median of the per-repetition ratios (each run
# against the BASE run of the same round: the pairs share the machine's
# load, so this is the steadier figure on a busy machine).
report() {
	b=$1
	bm=$(median <"$T/$b")
	for c in "$@"; do
		[ -s "$T/$c" ] || continue
		m=$(median <"$T/$c")
		pr=$(paste "$T/$c" "$T/$b" | awk '$2 > 0 { printf "%.6f\n", ($1 - $2) * 100 / $2 }' | median)
		awk -v c="$c" -v m="$m" -v b="$bm" -v p="$pr" -v u="$UNIT" \
			'BEGIN { printf "%-20s %12.1f %8.2f%% %8.2f%%\n", c, m / u, (m - b) * 100 / b, p }'
	done
}
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
printf '%-20s %12s %9s %9s   (CPU time of fixed work, median of %s, depth 20)\n' config cpu_ms overhead paired "$REPS"
UNIT=1e6
report none ksamp99 gperf99 ksampmax gperfmax ksampmax-libunwind ksampmax-fp

# The same fixed work on 4 threads at once.
for r in $(seq "$REPS"); do
	run4() { name=$1; shift; env "$@" "$W" work4 "$ITER" 20 2>/dev/null | sed -n 's/^cpu_ns //p' >>"$T/$name"; }
	run4 t4none
	run4 t4ksamp99 KSAMP_HZ=99 KSAMP_OUT=$T/k.pb.gz LD_PRELOAD=$L
	[ -n "$GP" ] && run4 t4gperf99 CPUPROFILE_FREQUENCY=99 CPUPROFILE=$T/g.prof LD_PRELOAD=$GP
done
printf '%-20s %12s %9s %9s   (the same work on 4 threads)\n' config cpu_ms overhead paired
report t4none t4ksamp99 t4gperf99

# bench_pub on Kafka: CPU time per message in the benchmark's window
# (cpu_usage_percent x duration / messages, from its JSON).
P=$B/bench/bench_pub
MC=$B/bench/kb-mockcluster
if [ -x "$P" ] && [ -x "$MC" ] && "$P" --help 2>&1 | grep -q kafka; then
	mkfifo "$T/mc.in"
	"$MC" <"$T/mc.in" >"$T/mc.out" &
	mc=$!
	exec 7>"$T/mc.in"
	for i in $(seq 100); do [ -s "$T/mc.out" ] && break; sleep 0.1; done
	addr=$(head -n 1 "$T/mc.out")
	num() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" "$2" | head -n 1; }
	runk() {
		name=$1; shift
		env "$@" "$P" --backend kafka --brokers "$addr" --count "${KAFKA_COUNT:-400000}" --warmup 0.2 \
			--reps 1 --quiet --json "$T/k.json" >/dev/null 2>&1 || return 0
		awk -v c="$(num cpu_usage_percent "$T/k.json")" -v t="$(num throughput_msgs_per_sec "$T/k.json")" \
			'BEGIN { if (t > 0) printf "%.3f\n", c / 100 * 1e9 / t }' >>"$T/$name"
	}
	for r in $(seq "$REPS"); do
		runk kpnone
		runk kpksamp99 KSAMP_HZ=99 KSAMP_OUT=$T/kp.pb.gz LD_PRELOAD=$L
	done
	exec 7>&-
	wait "$mc" || echo "note: the mock cluster ended with status $?" >&2
	printf '%-20s %12s %9s %9s   (bench_pub --backend kafka, CPU ns per message)\n' config cpu_ns/msg overhead paired
	UNIT=1
	report kpnone kpksamp99
else
	echo "bench_pub without the kafka backend: no Kafka figures"
fi

echo "cost of one sample in microseconds (median of 5 x 20000 signals):"
"$C" 20000
for u in auto fp libunwind; do
	KSAMP_UNWIND=$u KSAMP_DEPTH=512 KSAMP_HZ=1 KSAMP_OUT=$T/c.pb.gz LD_PRELOAD=$L "$C" 20000 ksamp
done
