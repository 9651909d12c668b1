#!/bin/sh
# SPDX-License-Identifier: MIT
# convert and merge: pprof -> pprof (gzipped and raw) and -> folded keep
# every stack and value; gperftools -> pprof keeps them too; merging a
# profile with itself doubles every value; merging two runs adds them;
# profiles with different sample types are refused. The pprof tool reads
# what kprof writes.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
G=$top_srcdir/tests/kprof/golden
T=$TAP_TMP
K=$KPROF_BIN

"$K" convert "$G/go.cpu.pb.gz" -o "$T/a.pb.gz"; is "$?" 0 "pprof -> pprof.gz"
"$K" folded "$T/a.pb.gz" >"$T/a.folded"
check "pprof.gz round trip keeps the stacks" diff -u "$G/go.cpu.folded" "$T/a.folded"
"$K" convert "$G/go.cpu.pb.gz" -o "$T/a.pb"; is "$?" 0 "pprof -> raw pprof"
is "$(head -c 2 "$T/a.pb" | od -An -tx1 | tr -d ' ')" "0a04" "raw output is not gzipped (starts with sample_type samples/count)"
"$K" folded "$T/a.pb" >"$T/b.folded"
check "raw round trip keeps the stacks" diff -u "$G/go.cpu.folded" "$T/b.folded"
"$K" convert "$G/go.cpu.pb.gz" -o "$T/c.folded"
check "pprof -> folded equals kprof folded" diff -u "$G/go.cpu.folded" "$T/c.folded"
"$K" top "$T/a.pb.gz" -n 15 | diff -u "$G/go.cpu.top" - >/dev/null
is "$?" 0 "top of the converted profile is unchanged"
KPROF_NO_SYMBOLIZE=1 "$K" convert "$G/gperf.cpu.prof" -o "$T/g.pb.gz"
KPROF_NO_SYMBOLIZE=1 "$K" folded "$T/g.pb.gz" >"$T/g.folded"
check "gperftools -> pprof keeps the stacks" diff -u "$G/gperf.cpu.folded" "$T/g.folded"

# gperftools files of other word sizes and byte orders (built here): 32-bit
# little-endian and 64-bit big-endian, period 10 ms, one record of count 3
# with leaf pc 0x401000 and return address 0x402001 (moved back to 0x402000).
maps='00400000-00500000 r-xp 00000000 08:01 123 /nonexistent/prog\n'
printf '\000\000\000\000\003\000\000\000\000\000\000\000\020\047\000\000\000\000\000\000''\003\000\000\000\002\000\000\000\000\020\100\000\001\040\100\000''\000\000\000\000\001\000\000\000\000\000\000\000'"$maps" >"$T/le32.prof"
z='\000\000\000\000'
printf "$z$z$z"'\000\000\000\003'"$z$z$z"'\000\000\047\020'"$z$z" >"$T/be64.prof"
printf "$z"'\000\000\000\003'"$z"'\000\000\000\002'"$z"'\000\100\020\000'"$z"'\000\100\040\001' >>"$T/be64.prof"
printf "$z$z$z"'\000\000\000\001'"$z$z$maps" >>"$T/be64.prof"
for f in le32 be64; do
	out=$("$K" folded "$T/$f.prof" 2>&1)
	is "$out" "prog+0x2000;prog+0x1000 30000000" "gperftools $f profile read"
done

"$K" merge "$G/go.cpu.pb.gz" "$G/go.cpu.pb.gz" -o "$T/m2.pb.gz"; is "$?" 0 "merge A A"
"$K" folded "$T/m2.pb.gz" >"$T/m2.folded"
awk '{ $NF = $NF * 2; print }' "$G/go.cpu.folded" >"$T/m2.want"
check "merge A A doubles every stack" diff -u "$T/m2.want" "$T/m2.folded"
"$K" merge "$G/go.cpu.pb.gz" "$G/go.cpu.b.pb.gz" -o "$T/ab.pb.gz"; is "$?" 0 "merge A B"
sum() { "$K" folded "$1" | awk '{s += $NF} END {print s}'; }
is "$(sum "$T/ab.pb.gz")" "$(($(sum "$G/go.cpu.pb.gz") + $(sum "$G/go.cpu.b.pb.gz")))" "merge A B adds the totals"
"$K" merge "$G/go.cpu.pb.gz" "$G/go.heap.pb.gz" -o "$T/x.pb.gz" 2>"$T/err"
is "$?" 2 "merge of cpu and heap profiles is refused"
check "and says why" grep -q 'different sample types' "$T/err"

if [ -n "$PPROF" ]; then
	t=$("$PPROF" -top "$T/m2.pb.gz" 2>/dev/null | sed -n 's/.* of \(.*\) total/\1/p')
	is "$t" "2.04s" "pprof reads the merged profile (total 2 x 1.02s)"
	t=$("$PPROF" -top "$T/g.pb.gz" 2>/dev/null | sed -n 's/.* of \(.*\) total/\1/p')
	is "$t" "960ms" "pprof reads the converted gperftools profile"
else
	skip "pprof not installed"
	skip "pprof not installed"
fi
done_testing
