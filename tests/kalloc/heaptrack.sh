#!/bin/sh
# SPDX-License-Identifier: MIT
# heaptrack.sh: libkalloc.so against heaptrack on one deterministic program
# (memtime ht). heaptrack's figures include its own runtime: libstdc++,
# which its preload library pulls in, allocates a 72704-byte emergency
# pool at start-up and frees it at exit. That block is measured on a
# program that allocates nothing (memtime none) and subtracted from the
# calls and the peak. It is not subtracted from the temporary count: it is
# temporary only in a program that allocates nothing (heaptrack's rule is
# "freed before the next allocation"); there the per-function counts are
# compared, and their sum. Leaked bytes need no correction.
set -u
. "${top_srcdir:-.}/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
M=$KC/memtime
JGET=$top_builddir/tests/bench/jget
if ! command -v heaptrack >/dev/null 2>&1 || ! command -v heaptrack_print >/dev/null 2>&1; then
	echo "1..0 # SKIP heaptrack or heaptrack_print not installed (Debian package heaptrack)"
	exit 0
fi

heaptrack -o "$T/hp" "$M" ht >"$T/hp.log" 2>&1
check "heaptrack ran the program" test -s "$T/hp.zst"
heaptrack -o "$T/hb" "$M" none >"$T/hb.log" 2>&1
check "heaptrack ran the empty baseline" test -s "$T/hb.zst"
heaptrack_print -f "$T/hp.zst" >"$T/hp.txt" 2>/dev/null
heaptrack_print -f "$T/hb.zst" >"$T/hb.txt" 2>/dev/null
kalloc "$T/k" "$M" ht
check "kalloc wrote the timeline" test -s "$T/k.timeline.json"
"$KPROF_BIN" mem --json "$T/k" >"$T/k.mem.json" 2>"$T/k.mem.err"
check "kprof mem --json" test -s "$T/k.mem.json"

# heaptrack_print's summary: "calls to allocation functions: N (...)".
ht_num() { sed -n "s/^$2: \([0-9]*\).*/\1/p" "$1" | head -n 1; }
# The exact peak from heaptrack's own trace (heaptrack_print rounds it to
# four digits): "a SIZE TRACE" defines allocation info i (0, 1, ...),
# "+ I" allocates and "- I" frees one block of info I (hexadecimal).
trace_peak() {
	zstdcat "$1" | awk 'function hex(s,  i, v) { v = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
	$1 == "a" { sz[n++] = hex($2) } $1 == "+" { cur += sz[hex($2)]; if (cur > pk) pk = cur }
	$1 == "-" { cur -= sz[hex($2)] } END { print pk + 0 }'
}

hc=$(ht_num "$T/hp.txt" "calls to allocation functions")
bc=$(ht_num "$T/hb.txt" "calls to allocation functions")
kc=$("$JGET" "$T/k.timeline.json" totals.allocs)
is "$kc" "$((hc - bc))" "allocation calls: kalloc = heaptrack - its runtime's ($hc - $bc)"
is "$kc" 20653 "allocation calls: the program's own count"

hp=$(trace_peak "$T/hp.zst")
bp=$(trace_peak "$T/hb.zst")
kp=$("$JGET" "$T/k.timeline.json" totals.peak_live_bytes)
is "$kp" "$((hp - bp))" "peak heap consumption: kalloc = heaptrack - its runtime's ($hp - $bp)"
is "$kp" 10240000 "peak heap consumption: 100 x 100 KiB"
is "$(awk -v v=$((kp + bp)) 'BEGIN { printf "%.2fM", v / 1e6 }')" "$(sed -n 's/^peak heap memory consumption: //p' "$T/hp.txt")" \
	"peak plus heaptrack's runtime, rounded, is heaptrack_print's figure"

hl=$(sed -n 's/^total memory leaked: //p' "$T/hp.txt")
kl=$("$JGET" "$T/k.timeline.json" totals.live_bytes)
is "${kl}B" "$hl" "leaked bytes agree ($hl)"

# Temporary allocations per function: heaptrack's "MOST TEMPORARY" merged
# entries ("N temporary allocations of M ... from" then the function).
awk '/^MOST TEMPORARY/ { s = 1; next } /^[A-Z][A-Z ]+$/ { s = 0 }
	s && /temporary allocations of .* from$/ { n = $1; getline; print $1, n }' "$T/hp.txt" | sort >"$T/ht.temps"
for f in tmp_c regrow big_a small_b; do
	h=$(awk -v f=$f '$1 == f { print $2 }' "$T/ht.temps")
	k=$("$KPROF_BIN" mem --json -n 100 "$T/k" | awk -v f=$f '
		/"temporary":/ { t = $2; sub(/,/, "", t) } /"stack":/ { getline; g = $1; gsub(/[",]/, "", g); if (g == f) { print t; exit } }')
	is "$k" "$h" "temporary allocations from $f agree"
done
hsum=$(awk '$1 ~ /^(tmp_c|regrow|big_a|small_b|leaker)$/ { s += $2 } END { print s + 0 }' "$T/ht.temps")
kt=$("$JGET" "$T/k.timeline.json" totals.temporary)
is "$kt" "$hsum" "temporary allocations: kalloc = heaptrack's for the program's functions"
is "$kt" 20052 "temporary allocations: 20000 + 50 reallocs + a[99] + b[499]"

# The top peak consumer: same function and caller.
hpk=$(awk '/^PEAK MEMORY CONSUMERS/ { getline; getline; f = $1 } f && /consumed over .* from:$/ { getline; print f, $1; exit }' "$T/hp.txt")
kpk=$("$JGET" "$T/k.mem.json" peak_consumers.0.stack.0) && kpk="$kpk $("$JGET" "$T/k.mem.json" peak_consumers.0.stack.1)"
is "$kpk" "$hpk" "top peak consumer is the same stack ($hpk)"
is "$kpk" "big_a mode_ht" "top peak consumer is big_a called from mode_ht"
done_testing
