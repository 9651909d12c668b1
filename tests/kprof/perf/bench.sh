#!/bin/sh
# SPDX-License-Identifier: MIT
# Analyzer benchmark (not part of make check): on synthetic profiles of
# 1,000,000 samples over 100,000 distinct stacks (tests/kprof/perf/genprof),
# one with a Sample message per sample and one aggregated, time and peak
# RSS of `kprof top`, `kprof flame` and `kprof folded` against `pprof -top`
# and, when installed, flamegraph.pl on the folded equivalent. Runs are
# interleaved and repeated (REPS, default 3); medians are reported, with
# the ratio to kprof. Run from the build tree:
#   sh ../tests/kprof/perf/bench.sh [REPS]
set -eu
reps=${1:-3}
B=${top_builddir:-$(pwd)}
K=$B/analyze/kprof
W=$(mktemp -d "${TMPDIR:-/tmp}/kprof-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
# optional tools: empty when not installed
PPROF=${PPROF:-}
if [ -z "$PPROF" ] && command -v pprof >/dev/null 2>&1; then PPROF=$(command -v pprof); fi
FG=
if command -v flamegraph.pl >/dev/null 2>&1; then FG=$(command -v flamegraph.pl); fi

"$B/tests/kprof/perf/genprof" "$W/raw.pb.gz"
"$B/tests/kprof/perf/genprof" "$W/agg.pb.gz" 1000000 100000 --aggregate
"$K" folded "$W/agg.pb.gz" >"$W/agg.folded"

# run NAME CMD...: append "wall_s maxrss_kb user_s sys_s" to $W/NAME
run() {
	name=$1; shift
	/usr/bin/time -f "%e %M %U %S" -o "$W/t" "$@" >/dev/null 2>&1 || echo "fail" >>"$W/$name.fail"
	cat "$W/t" >>"$W/$name"
}
for i in $(seq "$reps"); do
	for f in raw agg; do
		run "$f.kprof-top" "$K" top "$W/$f.pb.gz"
		[ -n "$PPROF" ] && run "$f.pprof-top" "$PPROF" -top "$W/$f.pb.gz"
		run "$f.kprof-flame" "$K" flame "$W/$f.pb.gz" -o "$W/$f.svg"
		run "$f.kprof-folded" "$K" folded "$W/$f.pb.gz"
	done
	[ -n "$FG" ] && run "agg.flamegraph.pl" sh -c "'$FG' '$W/agg.folded' >'$W/fg.svg'"
done
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# wall time depends on the machine's load; CPU time (user + sys) less so
printf '%-22s %8s %8s %10s %9s\n' "run" "wall s" "CPU s" "max RSS MB" "CPU ratio"
for f in raw agg; do
	base=$(awk '{print $3 + $4}' "$W/$f.kprof-top" | med)
	fbase=$(awk '{print $3 + $4}' "$W/$f.kprof-flame" | med)
	for t in kprof-top pprof-top kprof-flame kprof-folded flamegraph.pl; do
		[ -f "$W/$f.$t" ] || continue
		s=$(awk '{print $1}' "$W/$f.$t" | med)
		c=$(awk '{print $3 + $4}' "$W/$f.$t" | med)
		m=$(awk '{print $2}' "$W/$f.$t" | sort -n | tail -1)
		case $t in flamegraph.pl) b=$fbase ;; *flame*) b=$fbase ;; *) b=$base ;; esac
		printf '%-22s %8s %8s %10d %8.1fx%s\n' "$f.$t" "$s" "$c" $((m / 1024)) "$(echo "$c $b" | awk '{print $1 / $2}')" \
			"$([ -f "$W/$f.$t.fail" ] && echo ' (FAILED)')"
	done
done
[ -n "$FG" ] || echo "flamegraph.pl: not installed (no Debian package), not compared"
echo "profiles: raw $(stat -c %s "$W/raw.pb.gz") bytes, agg $(stat -c %s "$W/agg.pb.gz") bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"
