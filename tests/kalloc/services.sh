#!/bin/sh
# SPDX-License-Identifier: MIT
# services.sh: long-running programs. KALLOC_INTERVAL and KSAMP_INTERVAL
# numbered snapshots that pprof opens, KALLOC_KEEP/KSAMP_KEEP, kprof top
# --diff and kprof diff between two snapshots, files on SIGTERM, SIGINT
# and SIGHUP under each library and both, the program still killed by the
# signal, a program's own SIGTERM handler kept, and bad values.
set -u
. "${top_srcdir:-.}/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
M=$KC/memtime
PPROF=${KPROF_PPROF:-/usr/local/bin/pprof}

# 5.5 s with one-second intervals, each library on its own (with both
# preloaded, libkalloc.so would also count libksamp's writer at work).
env KALLOC_OUT="$T/g" KALLOC_QUIET=1 KALLOC_INTERVAL=1 KALLOC_KEEP=0 LD_PRELOAD="$KPROF_LIBKALLOC" \
	"$M" grow 5.5 >/dev/null 2>"$T/g.err"
is "$?" 0 "memtime grow 5.5 under libkalloc.so, KALLOC_INTERVAL=1"
env KSAMP_OUT="$T/cpu.pb.gz" KSAMP_INTERVAL=1 KSAMP_KEEP=0 LD_PRELOAD="$KPROF_LIBKSAMP" "$M" grow 5.5 >/dev/null 2>>"$T/g.err"
is "$?" 0 "memtime grow 5.5 under libksamp.so, KSAMP_INTERVAL=1"
nk=$(ls "$T"/g.[0-9]*.heap.pb.gz 2>/dev/null | wc -l)
ns=$(ls "$T"/cpu.[0-9]*.pb.gz 2>/dev/null | wc -l)
check "at least 4 heap snapshots ($nk)" test "$nk" -ge 4
check "at least 4 CPU profiles ($ns)" test "$ns" -ge 4
bad=0
for f in "$T"/g.[0-9]*.heap.pb.gz "$T"/cpu.[0-9]*.pb.gz; do
	HOME=$T "$PPROF" -top "$f" >"$T/p.txt" 2>&1 || { bad=$((bad + 1)); diag "pprof cannot open $f:" "$(head -n 3 "$T/p.txt")"; }
done
is "$bad" 0 "pprof opens every snapshot"
check "each heap snapshot has its timeline" test -s "$T/g.1.timeline.json" -a -s "$T/g.4.timeline.json"
left=$(ls "$T" | grep tmp)
is "${left:-none}" none "no temporary file left"

"$KPROF_BIN" top --diff "$T/g.1.heap.pb.gz" --absolute --sample-type inuse_space -n 3 "$T/g.4.heap.pb.gz" >"$T/diff.txt" 2>&1
is "$?" 0 "kprof top --diff between two snapshots"
first=$(awk '/^flat delta/ { getline; print; exit }' "$T/diff.txt")
if printf '%s\n' "$first" | grep -Eq '^ *\+.* grower$'; then
	ok "the site that grew comes first, with a positive delta"
else
	not_ok "the site that grew comes first, with a positive delta"
	diag "$(cat "$T/diff.txt")"
fi

# The same two snapshots as a differential flame graph, one command.
# kprof(1): colours come from the change of each frame's self share, red
# grew, blue shrank, the strongest colour for the largest change. grower
# kept 1000 bytes a ms in between; big_a held the same 100000 bytes in
# both, a smaller share of the new total.
"$KPROF_BIN" diff "$T/g.1.heap.pb.gz" "$T/g.4.heap.pb.gz" -o "$T/diff.svg" 2>"$T/diff.err"
is "$?" 0 "kprof diff between two snapshots"
check "kprof diff: live bytes compared (inuse_space, the heap profile's default)" \
	grep -q 'id="subtitle".*g\.1\.heap\.pb\.gz .* g\.4\.heap\.pb\.gz .* inuse_space: base ' "$T/diff.svg"
# frame_fill NAME, frame_self NAME: the fill ("R,G,B") of the frame called
# NAME, and the change of its self share given by its tooltip ("+6.38").
frame_fill() { sed -n "s/^<g><title>$1&#10;.*fill=\"rgb(\([0-9,]*\))\".*/\1/p" "$T/diff.svg" | head -n 1; }
frame_self() { sed -n "s/^<g><title>$1&#10;.*, self \([-+][0-9.]*\)%<.*/\1/p" "$T/diff.svg" | head -n 1; }
is "$(frame_fill grower)" 255,90,90 "kprof diff: the site that grew (grower) is drawn in the strongest red"
gs=$(frame_self grower)
check "kprof diff: its tooltip gives a positive change of share (${gs:-none}%)" \
	awk -v d="${gs:-0}" 'BEGIN { exit !(d + 0 > 0) }'
is "$(frame_fill big_a)" 90,90,255 "kprof diff: the site that did not grow (big_a) is not marked as growth (blue)"

# KEEP. Each program runs until its fourth snapshot is there, however
# slow the machine (a snapshot symbolizes and writes five files: under
# load a fixed run time gave fewer than three), then is stopped.
# keep_run LIB VAR FILE: memtime grow under LIB with VAR=0.5, KEEP 2,
# until FILE exists (60 s at most), then SIGTERM.
keep_run() {
	env KALLOC_OUT="$T/k" KALLOC_QUIET=1 KSAMP_OUT="$T/kc.pb.gz" "$2=0.5" KALLOC_KEEP=2 KSAMP_KEEP=2 \
		LD_PRELOAD="$1" "$M" grow 120 >/dev/null 2>&1 &
	kpid=$!
	i=0
	while [ ! -e "$3" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	kill -TERM $kpid
	wait $kpid
}
keep_run "$KPROF_LIBKALLOC" KALLOC_INTERVAL "$T/k.4.heap.pb.gz"
keep_run "$KPROF_LIBKSAMP" KSAMP_INTERVAL "$T/kc.4.pb.gz"
newest=$(ls "$T" | sed -n 's/^k\.\([0-9]*\)\.heap\.pb\.gz$/\1/p' | sort -n | tail -n 1)
check "more than two snapshots were written (newest: ${newest:-none})" test "${newest:-0}" -ge 3
is "$(ls "$T"/k.[0-9]*.heap.pb.gz | wc -l)" 2 "KALLOC_KEEP=2 keeps two heap snapshots"
is "$(ls "$T"/k.[0-9]*.stats.json | wc -l)" 2 "KALLOC_KEEP=2 keeps two of each file"
is "$(ls "$T"/kc.[0-9]*.pb.gz | wc -l)" 2 "KSAMP_KEEP=2 keeps two CPU profiles"
check "the newest are kept" test -s "$(ls "$T"/k.[0-9]*.heap.pb.gz | sort -t. -k2 -n | tail -n 1)"

# Termination signals at their default disposition, under each library
# and both: the final files are written and the program is still killed
# by the signal, as without the libraries. termwait (termwait.c) runs
# memtime term, waits for its "ready", sends the signal and prints
# waitpid's answer, "signal N" or "exit N": a shell's $? of 128+N would
# not tell a re-raised signal from exit(128+N).
TW=$KC/termwait
need_built "$TW"
# term_run NAME SIGNO LD_PRELOAD [mode]: how memtime ended.
term_run() {
	"$TW" "$2" env KALLOC_OUT="$T/$1" KALLOC_QUIET=1 KSAMP_OUT="$T/$1.cpu.pb.gz" LD_PRELOAD="$3" \
		"$M" "${4:-term}" 2>"$T/$1.err"
}
for s in TERM:15 INT:2 HUP:1; do
	sig=${s%:*} n=${s#*:}
	is "$(term_run "p$sig" "$n" "")" "signal $n" "without a library: SIG$sig kills memtime (signal $n)"
	is "$(term_run "k$sig" "$n" "$KPROF_LIBKALLOC")" "signal $n" "libkalloc: SIG$sig still kills the program"
	check "libkalloc: files written on SIG$sig" test -s "$T/k$sig.heap.pb.gz" -a -s "$T/k$sig.leaks.json" \
		-a -s "$T/k$sig.stats.json" -a -s "$T/k$sig.timeline.json"
	check "libkalloc: SIG$sig: the leak is reported" grep -q '"bytes":300' "$T/k$sig.leaks.json"
	is "$(term_run "s$sig" "$n" "$KPROF_LIBKSAMP")" "signal $n" "libksamp: SIG$sig still kills the program"
	check "libksamp: profile written on SIG$sig" test -s "$T/s$sig.cpu.pb.gz"
	HOME=$T "$PPROF" -top "$T/s$sig.cpu.pb.gz" >/dev/null 2>&1
	is "$?" 0 "libksamp: SIG$sig: pprof opens the profile"
	is "$(term_run "b$sig" "$n" "$KPROF_LIBKALLOC $KPROF_LIBKSAMP")" "signal $n" "both libraries: SIG$sig still kills the program"
	check "both libraries: SIG$sig: both write their files" test -s "$T/b$sig.heap.pb.gz" -a -s "$T/b$sig.cpu.pb.gz"
done
is "$(term_run own 15 "$KPROF_LIBKALLOC $KPROF_LIBKSAMP" ownterm)" "exit 7" "a program's own SIGTERM handler is kept (exit 7)"
check "its exit path writes the files" test -s "$T/own.heap.pb.gz" -a -s "$T/own.cpu.pb.gz"
# An ignored signal stays ignored (a job started with & ignores SIGINT).
env KALLOC_OUT="$T/i" KALLOC_QUIET=1 KSAMP_OUT="$T/i.pb.gz" LD_PRELOAD="$KPROF_LIBKALLOC $KPROF_LIBKSAMP" \
	"$M" term >"$T/ready.i" 2>/dev/null &
ipid=$!
sleep 0.5
kill -INT $ipid
sleep 0.5
check "an ignored SIGINT is still ignored" kill -0 $ipid
kill -KILL $ipid
wait $ipid 2>/dev/null

# Bad values: one warning each, the defaults.
for v in KALLOC_INTERVAL=soon KALLOC_INTERVAL=0 KALLOC_KEEP=-1 KSAMP_INTERVAL=1x KSAMP_KEEP=lots; do
	env KALLOC_OUT="$T/b" KALLOC_QUIET=1 KSAMP_OUT="$T/b.pb.gz" "$v" LD_PRELOAD="$KPROF_LIBKALLOC $KPROF_LIBKSAMP" \
		"$M" ht >/dev/null 2>"$T/b.err"
	rc=$?
	is "$rc:$(grep -c "${v%%=*}" "$T/b.err")" "0:1" "$v: runs, one warning"
done
check "KALLOC_INTERVAL=soon: no snapshot" sh -c "! ls '$T'/b.[0-9]* >/dev/null 2>&1"
done_testing
