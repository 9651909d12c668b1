#!/bin/sh
# SPDX-License-Identifier: MIT
# Golden outputs: kprof top/folded/leaks on profiles written by Go's
# runtime/pprof, gperftools' libprofiler.so, libksamp and libkalloc
# (tests/kprof/golden/; the *.inline.* ones carry inline chains) and by
# `pprof -proto`, compared with diff -u against the expected files
# beside them. KPROF_REGEN=1 rewrites the expected files instead.
# The gperftools profile is address-only and its binary is not shipped, so
# it is read with KPROF_NO_SYMBOLIZE=1: frames are object+offset, the same
# on every machine.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
G=$top_srcdir/tests/kprof/golden
# relative names, so outputs that name their input do not depend on srcdir
cd "$G" || exit 1

# case NAME ARGS...: run kprof ARGS, compare stdout with $G/NAME
case_() {
	name=$1; shift
	if ! "$KPROF_BIN" "$@" >"$TAP_TMP/$name" 2>"$TAP_TMP/$name.err"; then
		not_ok "$name: kprof $* failed"
		diag "$(cat "$TAP_TMP/$name.err")"
		return
	fi
	if [ -n "${KPROF_REGEN:-}" ]; then
		cp "$TAP_TMP/$name" "$G/$name"
		ok "$name regenerated"
		return
	fi
	if diff -u "$G/$name" "$TAP_TMP/$name" >"$TAP_TMP/$name.diff"; then
		ok "$name matches"
	else
		not_ok "$name differs from golden"
		diag "$(head -40 "$TAP_TMP/$name.diff")"
	fi
}

# kprof mem on a libkalloc.so run of tests/kalloc/memtime rfr
case_ memtime.mem.txt mem memtime -n 5
case_ memtime.mem.json mem memtime --json -n 5
case_ go.cpu.top top go.cpu.pb.gz -n 15
case_ go.cpu.cum.top top go.cpu.pb.gz --cum -n 10
case_ go.cpu.folded folded go.cpu.pb.gz
case_ go.cpu.diff.top top go.cpu.b.pb.gz --diff go.cpu.pb.gz --cum -n 12
case_ go.heap.alloc_space.top top go.heap.pb.gz --sample-type alloc_space -n 10
case_ go.heap.folded folded go.heap.pb.gz
# written by `pprof -proto go.cpu.b.pb.gz`: the same stacks as its input
case_ pprof-proto.cpu.folded folded pprof-proto.cpu.pb.gz
case_ pprof-proto.cpu.top top pprof-proto.cpu.pb.gz
export KPROF_NO_SYMBOLIZE=1
case_ gperf.cpu.top top gperf.cpu.prof
case_ gperf.cpu.folded folded gperf.cpu.prof
unset KPROF_NO_SYMBOLIZE
case_ ksamp.cpu.top top ksamp.cpu.pb.gz
case_ ksamp.cpu.folded folded ksamp.cpu.pb.gz
case_ ksamp.samples.top top ksamp.cpu.pb.gz --sample-type samples
# libksamp profile of threads made every way (tests/ksamp 'methods'), by thread
case_ ksamp.threads.bythread.top top --by-thread ksamp.threads.pb.gz
case_ ksamp.threads.mc.top top --thread '^m-c' ksamp.threads.pb.gz -n 8
case_ ksamp.threads.folded folded --by-thread --thread 'raw|early' ksamp.threads.pb.gz
case_ kalloc.leaks.txt leaks kalloc.leaks.json
# inline chains (tests/symbolize/corpus/search.c, gcc -O2): locations with
# several Lines, leak stacks with inlined frames
case_ ksamp.inline.top top ksamp.inline.cpu.pb.gz -n 12
case_ ksamp.inline.cum.top top ksamp.inline.cpu.pb.gz --cum -n 12
case_ ksamp.inline.folded folded ksamp.inline.cpu.pb.gz
case_ kalloc.inline.leaks.txt leaks kalloc.inline.leaks.json
case_ kalloc.leaks.supp.json leaks kalloc.leaks.json --suppressions kalloc.supp --format json

# Figures that must agree with the Go profile's own structure, independent
# of the golden files: hashLoop is the hottest function, main.main's cum
# is 1s of 1.02s (checked against pprof -top when the profile was made).
line=$(grep ' main\.main$' "$G/go.cpu.cum.top" 2>/dev/null)
is "$(echo "$line" | awk '{print $4, $5}')" "1s 98.04%" "go.cpu: main.main cum matches pprof -top"
# the folded lines sum to the profile total (1.02 s = 102 samples of 10 ms)
is "$(awk '{s += $NF} END {print s}' "$G/go.cpu.folded")" "1020000000" "go.cpu.folded sums to the total"
is "$(awk '{s += $NF} END {print s}' "$G/gperf.cpu.folded")" "960000000" "gperf.cpu.folded sums to 192 samples x 5 ms"

# pprof agrees on the totals of what we read, when it is installed
if [ -n "$PPROF" ] && [ -x "$PPROF" ]; then
	t=$("$PPROF" -top go.cpu.pb.gz 2>/dev/null | sed -n 's/.* of \(.*\) total/\1/p')
	is "$t" "1.02s" "pprof -top total for go.cpu.pb.gz"
	t=$("$PPROF" -top ksamp.cpu.pb.gz 2>/dev/null | sed -n 's/.* of \(.*\) total/\1/p')
	is "$t" "$(sed -n 's/.* of \(.*\) total/\1/p' "$G/ksamp.cpu.top" | sed 's/ms$//' | awk '{printf "%gms", $1}')" \
		"pprof -top total for ksamp.cpu.pb.gz matches kprof"
	# an inlined frame's flat and cum (pprof marks it "(inline)")
	for f in mix key_of compare_keys; do
		t=$("$PPROF" -top ksamp.inline.cpu.pb.gz 2>/dev/null | awk -v f="$f" '$(NF-1) == f && $NF == "(inline)" { print $1, $4 }')
		is "${t:-none}" "$(awk -v f="$f" '$NF == f { print $1, $4 }' "$G/ksamp.inline.top")" \
			"ksamp.inline: pprof -top and kprof top agree on inlined $f (flat, cum)"
	done
else
	for i in 1 2 3 4 5; do skip "pprof not installed"; done
fi
done_testing
