#!/bin/sh
# SPDX-License-Identifier: MIT
# kprof top/flame/folded --thread REGEX and --by-thread on a libksamp
# profile of threads made every way (golden/ksamp.threads.pb.gz): the
# per-thread figures add up, agree with the real pprof's -tags and
# -tagfocus, a filter keeps exactly the matching threads, the flame graph
# gets one root per thread, and bad or empty filters fail clearly.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
T=$TAP_TMP
P=$top_srcdir/tests/kprof/golden/ksamp.threads.pb.gz
K=$KPROF_BIN

# ms of a pprof-style value ("505.05ms", "2.60s", "0")
ms() { awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); n = v + 0;
	printf "%.1f", u == "s" ? n * 1000 : u == "us" ? n / 1000 : u == "ns" ? n / 1e6 : n }'; }

"$K" top --by-thread "$P" >"$T/bt" 2>"$T/bt.err"
is "$?" 0 "top --by-thread exits 0"
rows=$(awk 'NR > 3 && NF >= 5' "$T/bt" | wc -l)
is "$rows" 8 "one row per thread (8 names)"
sum=$(awk 'NR > 3 && NF >= 5 { print $1 }' "$T/bt" | while read -r v; do ms "$v"; echo; done |
	awk '{ s += $1 } END { printf "%.0f", s }')
tot=$(ms "$(sed -n 's/^Showing .* threads, \([^ ]*\) total$/\1/p' "$T/bt")")
# (the total is printed with three digits: 2.60s)
check "the rows add up to the total ($sum of $tot ms)" awk -v a="$sum" -v b="$tot" 'BEGIN { exit !(a >= b * 0.99 && a <= b * 1.01) }'
c11=$(awk '$4 == "m-c11" { print $1 }' "$T/bt")
if [ -n "${PPROF:-}" ]; then
	want=$("$PPROF" -tags "$P" 2>/dev/null | awk '$NF == "m-c11" { print $1 }')
	is "$(ms "$c11")" "$(ms "$want")" "m-c11's row agrees with pprof -tags ($want)"
	pt=$("$PPROF" -top -tagfocus=thread_name=m-c11 "$P" 2>/dev/null | sed -n 's/^Showing nodes accounting for \([^,]*\),.*/\1/p')
	kt=$("$K" top --thread '^m-c11$' "$P" | sed -n 's/.*Total samples = \([^ ]*\)$/\1/p')
	# (pprof prints two digits here: 0.51s)
	check "top --thread '^m-c11\$' total $kt agrees with pprof -tagfocus ($pt)" \
		awk -v a="$(ms "$kt")" -v b="$(ms "$pt")" 'BEGIN { exit !(b > 0 && a >= b * 0.98 && a <= b * 1.02) }'
else
	skip "pprof not installed"
	skip "pprof not installed"
fi

# The filter: only matching threads, and each whole.
"$K" folded --thread 'clone|raw' "$P" >"$T/f"
"$K" folded --by-thread --thread 'clone|raw' "$P" >"$T/fb"
is "$(cut -d';' -f1 "$T/fb" | sort -u | tr '\n' ' ')" "thread m-clone thread m-raw " \
	"folded --by-thread --thread 'clone|raw': roots for those two threads only"
is "$(awk '{ s += $NF } END { print s }' "$T/f")" "$(awk '{ s += $NF } END { print s }' "$T/fb")" \
	"a root per thread changes no value"
a=$(awk '$4 == "m-clone" || $4 == "m-raw" { print $1 }' "$T/bt" | while read -r v; do ms "$v"; echo; done |
	awk '{ s += $1 } END { printf "%.0f", s }')
b=$(awk '{ s += $NF } END { printf "%.0f", s / 1e6 }' "$T/f")
is "$b" "$a" "the filtered total is the sum of the two threads' rows"

# Flame graph: one root per thread, named in the subtitle.
"$K" flame --by-thread "$P" -o "$T/bt.svg"
is "$?" 0 "flame --by-thread exits 0"
n=$(grep -o '<title>thread m-[a-z0-9]*' "$T/bt.svg" | sort -u | wc -l)
is "$n" 7 "the flame graph has a root for each of the 7 named m-* threads"
check "subtitle says one root per thread" grep -q 'one root per thread' "$T/bt.svg"
"$K" flame --thread m-early "$P" -o "$T/e.svg"
check "flame --thread m-early: m_early is drawn" grep -q '<title>m_early' "$T/e.svg"
check "flame --thread m-early: m_c11 is not" sh -c "! grep -q '<title>m_c11' '$T/e.svg'"

# Bad input: clear errors, exit 2.
"$K" top --thread '(' "$P" >/dev/null 2>"$T/err"
is "$?" 2 "a bad regular expression exits 2"
check "and says what is wrong" grep -q "top: --thread '(':" "$T/err"
"$K" flame --thread nosuchthread "$P" -o "$T/x.svg" 2>"$T/err"
is "$?" 2 "a filter that matches no thread exits 2"
check "and lists the threads there are" grep -q "threads here: .*m-c11" "$T/err"
"$K" top --by-thread --diff "$P" "$P" >/dev/null 2>"$T/err"
is "$?" 2 "--by-thread with --diff is refused"
# A profile without thread labels: one "[no thread label]" thread.
"$K" top --by-thread "$top_srcdir/tests/kprof/golden/go.cpu.pb.gz" >"$T/go" 2>&1
check "a profile without thread labels: one '[no thread label]' row" grep -q '\[no thread label\]' "$T/go"
done_testing
