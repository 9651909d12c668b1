#!/bin/sh
# SPDX-License-Identifier: MIT
# Correctness at scale (times are measured by perf/bench.sh, not here): a
# synthetic profile of 100,000 samples over 10,000 distinct stacks, written
# once with a Sample message per sample and once aggregated, must give the
# same table, the same folded stacks and the same flame graph; the folded
# values sum to the total; narrow frames are elided and counted.
# Memory follows the distinct stacks, not the samples: ten times the
# samples over the same 10,000 stacks (1,000,000 Sample messages) must not
# raise the peak RSS of top and flame by more than a third, and stays under
# half the inflated size of that profile, which a reader keeping every
# sample could not do (before compaction: 7.3x the RSS for 10x samples).
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
T=$TAP_TMP
K=$KPROF_BIN
GEN=$top_builddir/tests/kprof/perf/genprof

"$GEN" "$T/raw.pb.gz" 100000 10000 && "$GEN" "$T/agg.pb.gz" 100000 10000 --aggregate
is "$?" 0 "profiles generated"
"$K" top "$T/raw.pb.gz" -n 25 --sample-type samples >"$T/raw.top"
"$K" top "$T/agg.pb.gz" -n 25 --sample-type samples >"$T/agg.top"
check "top: same table from both" diff -u "$T/raw.top" "$T/agg.top"
check "top: total is 100000 samples" grep -q ' of 100000 total$' "$T/raw.top"
"$K" folded "$T/raw.pb.gz" --sample-type samples >"$T/raw.folded"
"$K" folded "$T/agg.pb.gz" --sample-type samples >"$T/agg.folded"
check "folded: same stacks from both" cmp -s "$T/raw.folded" "$T/agg.folded"
is "$(wc -l <"$T/raw.folded" | tr -d ' ')" 10000 "folded: one line per distinct stack"
is "$(awk '{s += $NF} END {print s}' "$T/raw.folded")" 100000 "folded: values sum to the total"
"$K" flame "$T/raw.pb.gz" -o "$T/raw.svg" && "$K" flame "$T/agg.pb.gz" -o "$T/agg.svg"
is "$?" 0 "flame of both"
grep -v 'id="subtitle"' "$T/raw.svg" >"$T/raw.body"; grep -v 'id="subtitle"' "$T/agg.svg" >"$T/agg.body"
check "flame: same SVG from both (but the file name)" cmp -s "$T/raw.body" "$T/agg.body"
check "flame: elided frames counted" grep -Eq '[0-9]+ frames narrower than 0.1 px not drawn' "$T/raw.svg"
if [ -n "$XMLLINT" ]; then
	check "flame: well-formed XML" "$XMLLINT" --noout --huge "$T/raw.svg"
else
	skip "xmllint not installed"
fi

# peak RSS in kB of a command (stdout discarded)
rss() { /usr/bin/time -f %M -o "$T/rss" "$@" >/dev/null 2>"$T/rss.err" && tail -1 "$T/rss"; }
"$GEN" "$T/ten.pb.gz" 1000000 10000
is "$?" 0 "profile of 10x the samples over the same stacks generated"
if [ -x /usr/bin/time ]; then
	inflated=$(gzip -dc "$T/ten.pb.gz" | wc -c)
	for cmd in top flame; do
		if [ $cmd = flame ]; then o="-o $T/x.svg"; else o=; fi
		# shellcheck disable=SC2086
		r1=$(rss "$K" $cmd "$T/raw.pb.gz" $o)
		# shellcheck disable=SC2086
		r10=$(rss "$K" $cmd "$T/ten.pb.gz" $o)
		if [ -n "$r1" ] && [ -n "$r10" ] && [ $((r10 * 3)) -le $((r1 * 4)) ]; then
			ok "$cmd: 10x the samples, peak RSS ${r1} -> ${r10} kB (at most 4/3)"
		else
			not_ok "$cmd: 10x the samples, peak RSS '${r1}' -> '${r10}' kB (at most 4/3)"
		fi
		if [ -n "$r10" ] && [ $((r10 * 1024 * 2)) -lt "$inflated" ]; then
			ok "$cmd: peak RSS ${r10} kB under half the inflated profile ($((inflated / 1024)) kB)"
		else
			not_ok "$cmd: peak RSS '${r10}' kB not under half the inflated profile ($((inflated / 1024)) kB)"
		fi
	done
else
	skip "/usr/bin/time not installed: peak RSS not measured"
fi
"$K" merge "$T/raw.pb.gz" "$T/agg.pb.gz" -o "$T/m.pb.gz"
is "$("$K" folded "$T/m.pb.gz" --sample-type samples | awk '{s += $NF} END {print s}')" 200000 "merge of both sums"
done_testing
