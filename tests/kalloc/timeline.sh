#!/bin/sh
# SPDX-License-Identifier: MIT
# timeline.sh: <prefix>.timeline.json, peak attribution, kprof mem and
# kprof timeline on memtime rfr: memory rises (big_a, 10 MB), falls,
# rises again (small_b, 4 MB), and small_b makes far more calls and bytes
# over its lifetime than big_a. The timing checks hold on a busy machine:
# a late sampler still sees each plateau.
set -u
. "${top_srcdir:-.}/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
M=$KC/memtime
JGET=$top_builddir/tests/bench/jget
PPROF=${KPROF_PPROF:-/usr/local/bin/pprof}
IV=50 # ms

KALLOC_TIMELINE=$IV kalloc "$T/r" "$M" rfr >"$T/rfr.out" 2>"$T/rfr.err"
is "$?" 0 "memtime rfr runs under libkalloc.so"
check "timeline.json written" test -s "$T/r.timeline.json"
is "$("$JGET" "$T/r.timeline.json" schema)" "kprof-timeline/1" "schema"
is "$("$JGET" "$T/r.timeline.json" interval_ns)" "$((IV * 1000000))" "interval_ns is KALLOC_TIMELINE"
is "$("$JGET" "$T/r.timeline.json" peak.live_bytes)" 10240000 "global peak: 10 MB"
is "$("$JGET" "$T/r.timeline.json" totals.peak_live_bytes)" 10240000 "totals agree with the peak record"
is "$("$JGET" "$T/r.timeline.json" totals.temporary)" 100002 "temporary: 100000 + a[99] + b[999]"
is "$("$JGET" "$T/r.timeline.json" totals.live_bytes)" 0 "nothing live at exit"

# Phases and the series, in the timeline's time base.
phase_t() { "$JGET" "$T/r.timeline.json" phases | tr '{' '\n' | sed -n "s/.*\"name\":\"$1\",\"t_ns\":\([0-9]*\).*/\1/p"; }
t_r1=$(phase_t rise1)
t_fall=$(phase_t fall)
t_r2=$(phase_t rise2)
t_end=$(phase_t end)
check "phases recorded (rise1 $t_r1, fall $t_fall, rise2 $t_r2, end $t_end)" test -n "$t_r1" -a -n "$t_fall" -a -n "$t_r2" -a -n "$t_end"
start=$("$JGET" "$T/r.timeline.json" start_unix_ns)
p1=$(($(sed -n 's/^peak1 //p' "$T/rfr.out") - start))
p2=$(($(sed -n 's/^peak2 //p' "$T/rfr.out") - start))
pt=$("$JGET" "$T/r.timeline.json" peak.t_ns)
check "the global peak is recorded in the first rise, before the program saw it ($t_r1 <= $pt <= $p1)" \
	test "$t_r1" -le "$pt" -a "$pt" -le "$p1"
"$JGET" "$T/r.timeline.json" samples | sed 's/^\[\[//; s/\]\]$//; s/\],\[/\n/g' | tr ',' ' ' >"$T/series"
check "series has points" test "$(wc -l <"$T/series")" -gt 20
# The first sample taken after the program printed that it reached a
# plateau must show it. Not "within IV ms of the print": on a busy machine
# the sampling thread may run late, and then the first sample it takes
# still shows the plateau (each lasts 300 ms); one that is missed, stale
# or late past the plateau fails. It must come before the next phase
# starts: kalloc_phase() takes a sample of its own, which is not the
# sampler's.
after() { awk -v t0="$1" '$1 >= t0 { print $1, $2; exit }' "$T/series"; }
set -- $(after "$p1")
check "first rise: the first sample after it shows 10240000 bytes (t $1 < fall $t_fall, value ${2:-none})" \
	test "${2:-0}" = 10240000 -a "${1:-0}" -lt "$t_fall"
set -- $(after "$p2")
check "second rise: the first sample after it shows 4096000 bytes (t $1 < end $t_end, value ${2:-none})" \
	test "${2:-0}" = 4096000 -a "${1:-0}" -ge "$t_r2" -a "${1:-0}" -lt "$t_end"
m2=$(awk -v a="$t_r2" -v b="$t_end" '$1 >= a && $1 <= b && $2 > m { m = $2 } END { print m + 0 }' "$T/series")
is "$m2" 4096000 "second peak: 4 MB, a local maximum"
v=$(awk -v a="$t_fall" -v b="$t_r2" '$1 > a && $1 < b && $2 == 0 { n++ } END { print n + 0 }' "$T/series")
check "the fall between the peaks is in the series ($v points at 0)" test "$v" -ge 2
check "RSS is sampled" test "$(awk '$5 > 0 { n++ } END { print n + 0 }' "$T/series")" -gt 0

# Attribution: who held memory at the global peak, not who allocated most.
HOME=$T "$PPROF" -top -sample_index=peak_space "$T/r.heap.pb.gz" >"$T/peak.txt" 2>&1
check "pprof: peak_space's top site is big_a" sh -c "grep -A1 ' flat%' '$T/peak.txt' | tail -n 1 | grep -q ' big_a$'"
HOME=$T "$PPROF" -top -sample_index=alloc_space "$T/r.heap.pb.gz" >"$T/alloc.txt" 2>&1
check "pprof: alloc_space's top site is small_b (the biggest lifetime total)" \
	sh -c "grep -A1 ' flat%' '$T/alloc.txt' | tail -n 1 | grep -q ' small_b$'"
HOME=$T "$PPROF" -raw "$T/r.heap.pb.gz" >"$T/raw.txt" 2>&1
check "heap profile sample types (inuse_space stays last)" \
	grep -q 'alloc_objects/count alloc_space/bytes temp_objects/count peak_space/bytes inuse_objects/count inuse_space/bytes' "$T/raw.txt"
"$KPROF_BIN" mem --json "$T/r" >"$T/mem.json"
is "$?" 0 "kprof mem --json"
is "$("$JGET" "$T/mem.json" peak_consumers.0.stack.0)" big_a "kprof mem: top peak consumer big_a"
is "$("$JGET" "$T/mem.json" peak_consumers.0.peak_bytes)" 10240000 "kprof mem: it held 10 MB at the peak"
is "$("$JGET" "$T/mem.json" most_calls.0.stack.0)" small_b "kprof mem: most calls from small_b"
is "$("$JGET" "$T/mem.json" most_temporary.0.temporary)" 100000 "kprof mem: most temporary: 100000"
is "$("$JGET" "$T/mem.json" size_histogram | tr '{' '\n' | grep -c count)" 3 "size histogram: three classes"
"$KPROF_BIN" mem "$T/r.heap.pb.gz" >"$T/mem.txt"
is "$?" 0 "kprof mem (text) takes a file of the prefix too"
for sec in SUMMARY "PEAK MEMORY CONSUMERS" "MOST CALLS" "MOST TEMPORARY" "MOST LEAKED" "SIZE HISTOGRAM"; do
	check "kprof mem: section $sec" grep -q "^$sec" "$T/mem.txt"
done

# The chart.
"$KPROF_BIN" timeline "$T/r" -o "$T/mem.svg"
is "$?" 0 "kprof timeline -o mem.svg"
check "the SVG is well-formed XML" xmllint --noout "$T/mem.svg"
check "the SVG marks the peak at its time" grep -q "id=\"peak\" data-t-ns=\"$pt\" data-bytes=\"10240000\"" "$T/mem.svg"
is "$(grep -c 'class="phase"' "$T/mem.svg")" 5 "phases shaded (main, rise1, fall, rise2, end)"
check "the SVG is self-contained" sh -c "! grep -q 'href=\"http' '$T/mem.svg'"

# Other modes and settings.
KALLOC_MODE=count kalloc "$T/c" "$M" rfr >/dev/null 2>&1
is "$("$JGET" "$T/c.timeline.json" totals.temporary)" null "count mode: temporary allocations unknown (null)"
check "count mode: the peak in usable bytes is at least the requested" test "$("$JGET" "$T/c.timeline.json" peak.live_bytes)" -ge 10240000
"$KPROF_BIN" mem "$T/c" >"$T/cmem.txt" 2>&1
is "$?" 0 "kprof mem in count mode"
KALLOC_TIMELINE=0 kalloc "$T/o" "$M" ht >/dev/null 2>&1
is "$("$JGET" "$T/o.timeline.json" samples)" "[]" "KALLOC_TIMELINE=0: no series"
is "$("$JGET" "$T/o.timeline.json" peak.live_bytes)" 10240000 "KALLOC_TIMELINE=0: the peak is still exact"
KALLOC_TIMELINE=soon kalloc "$T/w" "$M" ht >/dev/null 2>"$T/w.err"
is "$(grep -c 'KALLOC_TIMELINE' "$T/w.err")" 1 "KALLOC_TIMELINE=soon: one warning"
check "KALLOC_TIMELINE=soon: the default period" test "$("$JGET" "$T/w.timeline.json" interval_ns)" = 10000000

# Bad input for the readers.
printf '{"schema":"kprof-timeline/2"}' >"$T/bad.timeline.json"
"$KPROF_BIN" mem "$T/bad" >/dev/null 2>"$T/bad.err"
is "$?" 2 "kprof mem: wrong schema is an error"
check "kprof mem: says why" grep -q 'schema' "$T/bad.err"
head -c 200 "$T/r.timeline.json" >"$T/trunc.timeline.json"
"$KPROF_BIN" timeline "$T/trunc" -o "$T/t.svg" 2>"$T/trunc.err"
is "$?" 2 "kprof timeline: truncated file is an error"
sed 's/"samples":\[\[/"samples":[[-/' "$T/r.timeline.json" >"$T/neg.timeline.json"
"$KPROF_BIN" timeline "$T/neg" -o "$T/n.svg" 2>"$T/neg.err"
is "$?" 2 "kprof timeline: a negative time is an error"
"$KPROF_BIN" mem "$T/missing" >/dev/null 2>&1
is "$?" 2 "kprof mem: a missing prefix is an error"
done_testing
