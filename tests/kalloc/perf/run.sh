#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh: kalloc's overhead, measured side by side in one run. Runs
# malloc_bench (10M malloc/free pairs, 2 threads, sizes 16-4096, three
# frames deep) plain and under each KALLOC_MODE, interleaved round-robin
# REPS times, and prints the median wall time and median CPU time (user +
# sys) of each with its ratio to plain. LeakSanitizer (liblsan.so.0) and
# heaptrack are added when installed (KALLOC_BENCH_OTHERS=0 skips them;
# KALLOC_BENCH_CONFIGS="plain full" runs just those). KPROF_LIBKALLOC_BASE=
# another build's libkalloc.so adds base-full and base-count beside them, and
# timeline-off (count mode, KALLOC_TIMELINE=0): what a change costs, in one run.
# Then the memory overhead per live allocation in full mode: 1M blocks of
# 32 bytes held, peak RSS under kalloc minus plain, divided by 1M.
# Not part of make check (it takes minutes). Usage, from the build tree:
#   sh tests/kalloc/perf/run.sh [REPS] [PAIRS]
set -u
: "${top_builddir:=$(pwd)}"
LIB=${KPROF_LIBKALLOC:-$top_builddir/preload/.libs/libkalloc.so}
B=$top_builddir/tests/kalloc/perf/malloc_bench
REPS=${1:-5}
PAIRS=${2:-10000000}
T=$(mktemp -d "${TMPDIR:-/tmp}/kalloc-bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
[ -x "$B" ] || { echo "run.sh: $B not built (make check builds it)" >&2; exit 1; }
[ -f "$LIB" ] || { echo "run.sh: $LIB not built" >&2; exit 1; }

configs=${KALLOC_BENCH_CONFIGS:-plain count sample full}
if [ -n "${KPROF_LIBKALLOC_BASE:-}" ] && [ -z "${KALLOC_BENCH_CONFIGS:-}" ]; then
	configs="$configs base-count base-full timeline-off"
fi
LSAN=$(ls /usr/lib/*/liblsan.so.0 2>/dev/null | head -n 1)
if [ "${KALLOC_BENCH_OTHERS:-1}" = 1 ] && [ -z "${KALLOC_BENCH_CONFIGS:-}" ]; then
	[ -n "$LSAN" ] && configs="$configs lsan"
	command -v heaptrack >/dev/null 2>&1 && configs="$configs heaptrack"
fi

# one CONFIG: run once, append "wall cpu" to $T/CONFIG.
one() {
	case $1 in
	plain) set -- env ;;
	count | sample | full) set -- env KALLOC_MODE=$1 KALLOC_QUIET=1 KALLOC_OUT=$T/out LD_PRELOAD=$LIB ;;
	base-count | base-full) set -- env KALLOC_MODE=${1#base-} KALLOC_QUIET=1 KALLOC_OUT=$T/out LD_PRELOAD=$KPROF_LIBKALLOC_BASE ;;
	timeline-off) set -- env KALLOC_MODE=count KALLOC_TIMELINE=0 KALLOC_QUIET=1 KALLOC_OUT=$T/out LD_PRELOAD=$LIB ;;
	lsan) set -- env LSAN_OPTIONS=detect_leaks=1 LD_PRELOAD=$LSAN ;;
	heaptrack) set -- heaptrack -o "$T/ht" ;;
	esac
	_c=$1
	/usr/bin/time -f '%U %S' -o "$T/time" "$@" "$B" --pairs "$PAIRS" >"$T/bench.out" 2>"$T/bench.err" || {
		echo "run.sh: $* failed" >&2
		cat "$T/bench.err" >&2
		return 1
	}
	# heaptrack prints its own lines on stdout too: take the benchmark's.
	printf '%s %s\n' "$(grep -E '^[0-9.]+ -?[0-9]+$' "$T/bench.out" | tail -n 1 | cut -d' ' -f1)" "$(awk '{ print $1 + $2 }' "$T/time")" >>"$T/$cfg"
}

for r in $(seq 1 "$REPS"); do
	for cfg in $configs; do
		one "$cfg" || exit 1
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pw=$(cut -d' ' -f1 "$T/plain" | median)
pc=$(cut -d' ' -f2 "$T/plain" | median)
echo "malloc_bench: $PAIRS malloc/free pairs, 2 threads, sizes 16-4096, 3 frames deep; median of $REPS interleaved runs"
printf '%-10s %10s %8s %10s %8s\n' config wall_s ratio cpu_s ratio
for cfg in $configs; do
	w=$(cut -d' ' -f1 "$T/$cfg" | median)
	c=$(cut -d' ' -f2 "$T/$cfg" | median)
	awk -v n="$cfg" -v w="$w" -v c="$c" -v pw="$pw" -v pc="$pc" \
		'BEGIN { printf "%-10s %10.3f %7.2fx %10.3f %7.2fx\n", n, w, w / pw, c, c / pc }'
done

# Memory per live allocation in full mode (peak RSS, 1M live 32-byte blocks).
N=1000000
rp=$("$B" --hold $N | cut -d' ' -f2)
rf=$(env KALLOC_MODE=full KALLOC_QUIET=1 KALLOC_OUT="$T/out" LD_PRELOAD="$LIB" "$B" --hold $N | cut -d' ' -f2)
awk -v a="$rp" -v b="$rf" -v n=$N 'BEGIN { printf "full mode, %d live blocks: peak RSS %d KiB plain, %d KiB kalloc: %.1f bytes per live allocation (table and stacks included)\n", n, a, b, (b - a) * 1024 / n }'
