#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile input: whatever bytes a profile holds, every text kprof writes is
# valid for its format (kprof-formats(7), "Escaping"), and nothing is lost
# silently. The profile of tests/kprof/gen/hostile.py has names with
# ill-formed UTF-8, an overlong and a surrogate sequence, markup, quotes,
# a newline, controls, an embedded NUL and folded separators; one name is
# well-formed non-ASCII and must come out unchanged.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
T=$TAP_TMP
K=$KPROF_BIN
GEN=$top_srcdir/tests/kprof/gen/hostile.py
need_built "$K"
command -v python3 >/dev/null 2>&1 || bail_out "python3 is needed to write the hostile profiles"

python3 "$GEN" names "$T/n.pb.gz" || bail_out "hostile.py names failed"
nnames=7 # distinct function names in the profile

# utf8 FILE: 0 when FILE is valid UTF-8
utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }

# text table: one line per entry, controls escaped
"$K" top "$T/n.pb.gz" -n 100 >"$T/top" 2>"$T/top.err"
is "$?" 0 "top of the hostile profile"
check "top: valid UTF-8" utf8 "$T/top"
is "$(grep -cE '^ +[0-9.]+[A-Za-z]* +[0-9.]+% ' "$T/top")" "$nnames" "top: one row per function"
is "$(wc -l <"$T/top" | tr -d ' ')" $((nnames + 3)) "top: one line per row (3 header lines)"
check "top: newline and control shown escaped" grep -qF 'bad\xff\xfe<b>&amp;\n\x01name' "$T/top"
check "top: name after an embedded NUL kept" grep -qF 'nul\0after_nul' "$T/top"
check "top: backslash, tab and CR escaped" grep -qF "quote\"'\\\\back\\ttab\\r" "$T/top"
check "top: well-formed UTF-8 kept as it is" grep -q "café_€\$" "$T/top"
check "top: no raw control character" sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$T/top'"

# folded stacks: one line per stack, count last
"$K" folded "$T/n.pb.gz" >"$T/folded"
is "$?" 0 "folded of the hostile profile"
check "folded: valid UTF-8" utf8 "$T/folded"
is "$(wc -l <"$T/folded" | tr -d ' ')" 7 "folded: one line per stack"
is "$(awk '{s += $NF} END {print s}' "$T/folded")" 1936 "folded: counts sum to the total"
check "folded: ';' inside a name is ':', a count-like tail is '_'" grep -q 'main;semi:colon_123 80$' "$T/folded"
check "folded: the NUL is '?' and the rest of the name is kept" grep -q '^main;nul?after_nul 32$' "$T/folded"
check "folded: ill-formed UTF-8 is U+FFFD" grep -q "^main;bad��<b>&amp:??name 16\$" "$T/folded"

# SVG and HTML: valid UTF-8, well-formed XML
"$K" flame "$T/n.pb.gz" -o "$T/f.svg" --title "$(printf 'title \001\377 <x>')"
is "$?" 0 "flame of the hostile profile"
check "flame: valid UTF-8" utf8 "$T/f.svg"
check "flame: NUL shown as U+FFFD, the rest kept" grep -q "<title>nul�after_nul" "$T/f.svg"
"$K" diff "$T/n.pb.gz" "$T/n.pb.gz" -o "$T/d.svg"
is "$?" 0 "diff of the hostile profile"
check "diff: valid UTF-8" utf8 "$T/d.svg"
if [ -n "$XMLLINT" ]; then
	check "flame: well-formed XML" "$XMLLINT" --noout "$T/f.svg"
	check "diff: well-formed XML" "$XMLLINT" --noout "$T/d.svg"
else
	skip "xmllint not installed (Debian: libxml2-utils)"
	skip "xmllint not installed (Debian: libxml2-utils)"
fi

# JSON: valid, and the NUL is kept as \u0000
"$K" leaks "$T/n.pb.gz" --format json >"$T/l.json"
is "$?" 0 "leaks --format json of the hostile profile"
check "leaks json: valid UTF-8" utf8 "$T/l.json"
check "leaks json: parses, NUL kept as U+0000, ill-formed as U+FFFD" python3 -c '
import json, sys
names = {f["function"] for l in json.load(open(sys.argv[1]))["leaks"] for f in l["stack"]}
assert "nul\0after_nul" in names, names
assert "bad\ufffd\ufffd<b>&amp;\n\x01name" in names, names
assert "caf\xe9_\u20ac" in names, names' "$T/l.json"
"$K" leaks "$T/n.pb.gz" >"$T/l.txt"
check "leaks text: frames escaped" grep -qF '#0 nul\0after_nul' "$T/l.txt"
check "leaks text: valid UTF-8" utf8 "$T/l.txt"

# a profile kprof writes back keeps the whole name
"$K" merge "$T/n.pb.gz" -o "$T/m.pb.gz"
is "$?" 0 "merge writes the hostile profile back"
"$K" top "$T/m.pb.gz" -n 100 >"$T/top2"
check "merge: the same table after a round trip" diff -u "$T/top" "$T/top2"

# gzip bomb: 200 MiB of valid empty strings in a 200 kB file. Refused at
# the inflate cap (64 MiB here: 64x the input, at least 64 MiB) with one
# line and exit 2, in bounded memory (without the cap: 1.8 GB, exit 0).
python3 "$GEN" bomb "$T/bomb.pb.gz" 200 || bail_out "hostile.py bomb failed"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M -o "$T/rss" "$K" top "$T/bomb.pb.gz" >"$T/out" 2>"$T/err"
	rc=$?
	rss=$(tail -1 "$T/rss")
	check "bomb: peak RSS ${rss} kB stays under 160 MB (cap 64 MiB)" test "$rss" -lt 160000
else
	"$K" top "$T/bomb.pb.gz" >"$T/out" 2>"$T/err"
	rc=$?
	skip "/usr/bin/time not installed: peak RSS not measured"
fi
is "$rc" 2 "bomb: top exits 2"
check "bomb: one line naming the cap and how to raise it" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] &&
	grep -q 'inflates beyond the cap of 64 MiB (64x the input, at least 64 MiB; raise it with --max-inflate or KPROF_MAX_INFLATE)' '$T/err'"
check "bomb: nothing on stdout" test ! -s "$T/out"
python3 "$GEN" bomb "$T/small.pb.gz" 2 || bail_out "hostile.py bomb failed"
KPROF_MAX_INFLATE=1M "$K" folded "$T/small.pb.gz" >"$T/out" 2>"$T/err"
is "$?" 2 "KPROF_MAX_INFLATE=1M: a 2 MiB profile is refused"
check "KPROF_MAX_INFLATE=1M: says which cap" grep -q 'beyond the cap of 1 MiB (KPROF_MAX_INFLATE)' "$T/err"
KPROF_MAX_INFLATE=4M "$K" folded "$T/small.pb.gz" >"$T/out" 2>"$T/err"
is "$?" 0 "KPROF_MAX_INFLATE=4M: the same profile loads"
KPROF_MAX_INFLATE=4M "$K" --max-inflate 1M folded "$T/small.pb.gz" >"$T/out" 2>"$T/err"
is "$?" 2 "--max-inflate wins over KPROF_MAX_INFLATE"
check "--max-inflate: says which cap" grep -q 'beyond the cap of 1 MiB (--max-inflate)' "$T/err"
KPROF_MAX_INFLATE=lots "$K" top "$T/n.pb.gz" >"$T/out" 2>"$T/err"
is "$?" 2 "KPROF_MAX_INFLATE=lots: exit 2"
check "KPROF_MAX_INFLATE=lots: says what it wants" grep -q "KPROF_MAX_INFLATE='lots' is not a size from 1 to 2G" "$T/err"
for v in 0 3G -5 99999999999999999999 1X; do
	"$K" --max-inflate "$v" top "$T/n.pb.gz" >"$T/out" 2>"$T/err"
	rc=$?
	check "--max-inflate $v: exit 2 with the range" sh -c "[ $rc -eq 2 ] && grep -q 'from 1 to 2G' '$T/err'"
done

# numeric flags: overflow, negative and garbage refused with the flag and
# its range (kprof(1)); in range accepted
# flag_bad NAME RANGE CMD...: exit 2, one line naming the flag and RANGE
flag_bad() {
	name=$1 range=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF -- "$range" "$T/err" && [ ! -s "$T/out" ]; then
		ok "$name: refused with the range"
	else
		not_ok "$name: exit $rc"
		diag "$(cat "$T/err")"
	fi
}
G=$top_srcdir/tests/kprof/golden
for v in 99999999999999999999 -5 0 5x '' ' 7' 1e3; do
	flag_bad "top -n '$v'" "-n wants a whole number from 1 to 1000000000, not '$v'" "$K" top "$G/go.cpu.pb.gz" -n "$v"
done
flag_bad "mem -n overflow" "mem: -n wants a whole number from 1 to 1000000000" "$K" mem "$T/none" -n 99999999999999999999
flag_bad "flame --width 1e999" "flame: --width wants a number from 200 to 100000, not '1e999'" \
	"$K" flame "$G/go.cpu.pb.gz" -o "$T/w.svg" --width 1e999
flag_bad "flame --minwidth nan" "flame: --minwidth wants a number from 0 to 100, not 'nan'" \
	"$K" flame "$G/go.cpu.pb.gz" -o "$T/w.svg" --minwidth nan
flag_bad "diff --minwidth -1" "diff: --minwidth wants a number from 0 to 100, not '-1'" \
	"$K" diff "$G/go.cpu.pb.gz" "$G/go.cpu.pb.gz" -o "$T/w.svg" --minwidth -1
flag_bad "compare --alpha 1" "compare: --alpha wants a number between 0 and 1 (both excluded), not '1'" \
	"$K" compare "$T/a.json" "$T/b.json" --alpha 1
flag_bad "history --last overflow" "history: --last wants a whole number from 1 to 1000000000" \
	"$K" history show "$T/h.db" --last 99999999999999999999
"$K" top "$G/go.cpu.pb.gz" -n 1000000000 >"$T/out" 2>"$T/err"
is "$?" 0 "top -n 1000000000 (the maximum) accepted"
"$K" flame "$G/go.cpu.pb.gz" -o "$T/w.svg" --width 200 --minwidth 0
is "$?" 0 "flame --width 200 --minwidth 0 (the minimums) accepted"

# error messages stay one line whatever the file name or value holds
"$K" top "$T/$(printf 'no\nsuch')" >"$T/out" 2>"$T/err"
rc=$?
check "a file name with a newline: exit 2, one line, the newline escaped" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -qF 'no\\nsuch: No such file' '$T/err'"

done_testing
