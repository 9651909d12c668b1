#!/bin/sh
# SPDX-License-Identifier: MIT
# permsg.sh: the per-message figures of kprof mem (text and --json) and
# the chart of live bytes over messages of kprof timeline, on memtime msgs
# 1000: 1000 messages counted with kalloc_messages(1), each making three
# calls from three sites (msg_body 200 bytes freed at the end of the
# message, msg_meta 48 bytes freed at once: a temporary allocation,
# msg_keep 1000 bytes kept to the end). The program allocates nothing
# else (its stdout buffer is static), so the figures are exact: per
# message 3 calls, 1248 bytes, 1 temporary; per site 1 call and its own
# size. The chart is read back through its axes; the tolerance is said
# where it is checked.
set -u
. "${top_srcdir:-.}/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
M=$KC/memtime
JGET=$top_builddir/tests/bench/jget
need_built "$M" "$JGET" "$KPROF_BIN"

KALLOC_TIMELINE=10 kalloc "$T/p" "$M" msgs 1000 >/dev/null 2>"$T/p.err"
is "$?" 0 "memtime msgs 1000 runs under libkalloc.so"
is "$("$JGET" "$T/p.timeline.json" totals.messages)" 1000 "kalloc_messages() counted 1000 messages"

# Text. Summary lines, then one row per site in each section: the
# per-message columns are the last three numbers before the site.
"$KPROF_BIN" mem "$T/p" >"$T/mem.txt" 2>"$T/mem.err"
is "$?" 0 "kprof mem"
check "summary: 3 calls a message" grep -q '^  calls to allocation functions  3000 (3\.000/msg)$' "$T/mem.txt"
check "summary: 1 temporary allocation a message" \
	grep -q '^  temporary allocations          1000 (33\.33%, 1\.000/msg)$' "$T/mem.txt"
check "summary: 1248 bytes a message" grep -q '^  bytes allocated  .* (1248\.0/msg)$' "$T/mem.txt"
is "$(grep -c '  calls/msg   temp/msg  bytes/msg  site$' "$T/mem.txt")" 4 \
	"every section has the columns calls/msg, temp/msg, bytes/msg"
# per_msg SECTION SITE: "calls/msg temp/msg bytes/msg" of SITE's row in
# the section whose title starts with SECTION.
per_msg() {
	awk -v sec="$1" -v site="$2" '
	/^[A-Z]/ { in_sec = index($0, sec) == 1; next }
	in_sec && (i = index($0, "  " site " <")) > 0 {
		n = split(substr($0, 1, i), f, " ")
		print f[n - 2], f[n - 1], f[n]; exit
	}' "$T/mem.txt"
}
is "$(per_msg "MOST CALLS" msg_keep)" "1.000 0.000 1000.0" "most calls: msg_keep, 1 call and 1000 bytes a message"
is "$(per_msg "MOST CALLS" msg_body)" "1.000 0.000 200.0" "most calls: msg_body, 1 call and 200 bytes a message"
is "$(per_msg "MOST CALLS" msg_meta)" "1.000 1.000 48.0" "most calls: msg_meta, 1 call, 1 temporary, 48 bytes a message"
is "$(per_msg "MOST TEMPORARY" msg_meta)" "1.000 1.000 48.0" "most temporary: msg_meta, 1 temporary a message"
is "$(per_msg "PEAK MEMORY" msg_keep)" "1.000 0.000 1000.0" "peak consumers: msg_keep, 1000 bytes a message"
is "$(per_msg "MOST LEAKED" msg_keep)" "1.000 0.000 1000.0" "most leaked: msg_keep, 1000 bytes a message"

# JSON: the same figures, as numbers (compared to three decimals).
"$KPROF_BIN" mem --json "$T/p" >"$T/mem.json" 2>"$T/memj.err"
is "$?" 0 "kprof mem --json"
num() { awk -v v="$1" 'BEGIN { if (v == "") print "missing"; else printf "%.3f\n", v }'; }
jnum() { num "$("$JGET" "$T/mem.json" "$1" 2>/dev/null)"; }
is "$("$JGET" "$T/mem.json" summary.messages)" 1000 "json: summary.messages"
is "$(jnum summary.calls_per_msg)" 3.000 "json: summary.calls_per_msg"
is "$(jnum summary.bytes_per_msg)" 1248.000 "json: summary.bytes_per_msg"
is "$(jnum summary.temporary_per_msg)" 1.000 "json: summary.temporary_per_msg"
# site SECTION NAME: the index of NAME's entry in SECTION (missing if none).
site() {
	i=0
	while "$JGET" "$T/mem.json" "$1.$i" >/dev/null 2>&1; do
		if [ "$("$JGET" "$T/mem.json" "$1.$i.stack.0")" = "$2" ]; then
			echo "$1.$i"
			return
		fi
		i=$((i + 1))
	done
	echo "$1.missing"
}
# fields SECTION NAME: its calls_per_msg temporary_per_msg bytes_per_msg.
fields() {
	s=$(site "$1" "$2")
	echo "$(jnum "$s.calls_per_msg") $(jnum "$s.temporary_per_msg") $(jnum "$s.bytes_per_msg")"
}
is "$(fields most_calls msg_keep)" "1.000 0.000 1000.000" "json: most_calls msg_keep per message"
is "$(fields most_calls msg_body)" "1.000 0.000 200.000" "json: most_calls msg_body per message"
is "$(fields most_calls msg_meta)" "1.000 1.000 48.000" "json: most_calls msg_meta per message"
is "$(fields most_temporary msg_meta)" "1.000 1.000 48.000" "json: most_temporary msg_meta per message"
is "$(fields peak_consumers msg_keep)" "1.000 0.000 1000.000" "json: peak_consumers msg_keep per message"
is "$(fields most_leaked msg_keep)" "1.000 0.000 1000.000" "json: most_leaked msg_keep per message"

# Without kalloc_messages() there is nothing to divide by: no columns.
kalloc "$T/h" "$M" ht >/dev/null 2>&1
"$KPROF_BIN" mem "$T/h" >"$T/h.txt" 2>&1
is "$?" 0 "kprof mem on a program that counts no messages"
is "$(grep -c '/msg' "$T/h.txt")" 0 "no per-message figures without messages"
"$KPROF_BIN" mem --json "$T/h" >"$T/h.json" 2>&1
is "$(grep -c '_per_msg' "$T/h.json")" 0 "json: no per-message fields without messages"

# The chart of live bytes over messages. The first 500 messages run
# without a pause and the last 500 nap 1 ms each, so a line drawn over
# time instead would not follow the messages. Each point of the
# live-per-message line is read back in messages and bytes through the
# axes of that chart (the first and last tick of the messages axis, the
# zero and the highest gridline of the bytes axis, whose label is exact
# to 0.01 kB) and must be 1000 bytes a message: within 2000 bytes, one
# message's allocations (1248 bytes: a sample may fall inside a message)
# plus the rounding of the coordinates to 0.1 px (up to about 400 bytes
# at 1 MB on 260 px). Drawn over time, the line is off by hundreds of kB.
"$KPROF_BIN" timeline "$T/p" -o "$T/p.svg" 2>"$T/tl.err"
is "$?" 0 "kprof timeline"
check "a second chart with the axis labelled messages" grep -q 'class="ax">messages</text>' "$T/p.svg"
awk '
function attr(name,  s) {
	if (!match($0, " " name "=\"[^\"]*\""))
		return ""
	s = substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
	return s
}
function label(  s) {
	s = $0
	sub(/.*class="ax">/, "", s)
	sub(/<\/text>.*/, "", s)
	return s
}
function bytes(s) {
	if (s ~ /GB$/) return (s + 0) * 1073741824
	if (s ~ /MB$/) return (s + 0) * 1048576
	if (s ~ /kB$/) return (s + 0) * 1024
	return s + 0
}
/fill="none" stroke="#888"/ { frame++; next }
frame == 2 && /stroke="#eee"/ {
	v = bytes(label()); y = attr("y1")
	if (v == 0) ybot = y
	if (v > vtop) { vtop = v; ytop = y }
	next
}
frame == 2 && /text-anchor="middle" class="ax">[0-9]+<\/text>/ {
	if (xa == "") { xa = attr("x"); ma = label() + 0 }
	xb = attr("x"); mb = label() + 0
	next
}
/id="live-per-message"/ { pts = attr("points") }
END {
	if (pts == "" || xa == "" || xb == xa || ybot == "" || ytop == ybot) { print "unreadable"; exit }
	n = split(pts, p, " ")
	for (i = 1; i <= n; i++) {
		split(p[i], c, ",")
		printf "%.1f %.0f\n", ma + (c[1] - xa) * (mb - ma) / (xb - xa), (ybot - c[2]) * vtop / (ybot - ytop)
	}
}' "$T/p.svg" >"$T/points"
check "the live-per-message line has points ($(wc -l <"$T/points"))" test "$(wc -l <"$T/points")" -ge 20
worst=$(awk '$1 == "unreadable" { bad = 1; exit }
	{ d = $2 - 1000 * $1; if (d < 0) d = -d; if (d > w) { w = d; at = $0 } }
	END { if (bad) print "unreadable"; else if (NR) printf "%.0f (at %s)\n", w, at }' "$T/points")
check "every point is 1000 bytes a message, within 2000 bytes (worst: ${worst:-none})" \
	awk -v w="${worst:-x}" 'BEGIN { exit !(w ~ /^[0-9]/ && w + 0 <= 2000) }'
is "$(tail -n 1 "$T/points" | awk '{ printf "%.0f %.0f", $1, $2 / 1000 }')" "1000 1000" \
	"the line ends at 1000 messages and 1000 kB (the sample at exit)"
done_testing
