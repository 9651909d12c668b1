#!/bin/sh
# SPDX-License-Identifier: MIT
# outdir.sh: a program started as root that drops to another user before
# it exits can no longer write where its output was asked for. libkalloc
# and libksamp then write the same file names into /tmp/<lib>-<euid>/
# and say so in one line; when that fails too, the line names every
# output type lost, and the summary names no file that was not written.
# Needs root (to drop privileges); skipped otherwise.
set -u
. "$top_srcdir/tests/tap.sh"
need_built "$KPROF_LIBKALLOC"
need_built "$KPROF_LIBKSAMP"
need_built "$KPROF_BIN"
P=$top_builddir/tests/corpus/dropprivs
need_built "$P"
tap_tmpdir
T=$TAP_TMP

# --- messages never go into a file that took descriptor 2 (the program
# closed stderr and opened its data file); the files are still written.
R=$top_builddir/tests/corpus/reusefd2
need_built "$R"
KALLOC_OUT=$T/fd2 LD_PRELOAD=$KPROF_LIBKALLOC "$R" "$T/fd2.data"
is "$?" 0 "kalloc: a program writing its data to a reused descriptor 2 exits 0"
is "$(cat "$T/fd2.data")" "data" "kalloc: no summary line in the program's data file"
check "kalloc: its files are written all the same" test -s "$T/fd2.leaks.txt"
KSAMP_OUT=$T/no-such-dir/cpu.pb.gz LD_PRELOAD=$KPROF_LIBKSAMP "$R" "$T/fd2s.data"
is "$?" 0 "ksamp: a program writing its data to a reused descriptor 2 exits 0"
is "$(cat "$T/fd2s.data")" "data" "ksamp: no warning in the program's data file"

if [ "$(id -u)" != 0 ]; then
	skip "not root: cannot drop privileges"
	done_testing
fi
chmod 755 "$T"
mkdir "$T/out" && chmod 755 "$T/out"
# Two unprivileged ids of our own, so that no other user's files in /tmp
# are touched: one whose fallback directory works, one whose fallback
# directory is taken (a root-owned directory of that name).
U1=64711 U2=64712
FB1=/tmp/kalloc-$U1 FB2=/tmp/kalloc-$U2 SB1=/tmp/ksamp-$U1
rm -rf "$FB1" "$SB1"
mkdir -p "$FB2" && chmod 755 "$FB2"
trap 'rm -rf "$TAP_TMP" "$FB1" "$FB2" "$SB1"' EXIT
name=drop.$$

# --- libkalloc, fallback works
KALLOC_OUT=$T/out/$name LD_PRELOAD=$KPROF_LIBKALLOC "$P" $U1 $U1 >"$T/k.out" 2>"$T/k.err"
is "$?" 0 "kalloc: the program exits 0 after dropping privileges"
is "$(cat "$T/k.out")" "running as uid $U1" "kalloc: its stdout is untouched"
diag "$(cat "$T/k.err")"
for s in leaks.txt leaks.json stats.json heap.pb.gz; do
	check "kalloc: $s written in the fallback $FB1/" test -s "$FB1/$name.$s"
	check "kalloc: no $s left in the refused directory" test ! -e "$T/out/$name.$s"
done
check "kalloc: the fallback directory is private (0700, owned by $U1)" \
	test "$(stat -c '%a %u' "$FB1")" = "700 $U1"
is "$(grep -c "cannot write in $T/out (Permission denied): wrote .* in $FB1/ instead" "$T/k.err")" 1 \
	"kalloc: one line names the refused directory and the fallback"
check "kalloc: the summary points at the file written" grep -q "see $FB1/$name.leaks.txt\$" "$T/k.err"
is "$(grep -c 'leak report follows' "$T/k.err")" 0 "kalloc: no leak report dumped on stderr"
check "kalloc: the leak made before the drop is reported" grep -q '^Direct leak of 4242 bytes' "$FB1/$name.leaks.txt"
"$KPROF_BIN" top "$FB1/$name.heap.pb.gz" >"$T/top" 2>&1
is "$?" 0 "kalloc: kprof top reads the fallback heap.pb.gz"
check "kalloc: kprof top shows the allocating function" grep -q leak_before_drop "$T/top"

# --- libkalloc, fallback taken by someone else
KALLOC_OUT=$T/out/$name LD_PRELOAD=$KPROF_LIBKALLOC "$P" $U2 $U2 >"$T/k2.out" 2>"$T/k2.err"
is "$?" 0 "kalloc, no fallback: the program exits 0"
diag "$(grep -v '^ *#\|^$\|leak of\|^[a-z ]*:' "$T/k2.err")"
check "kalloc, no fallback: the line says why the fallback failed" \
	grep -q "cannot write in $T/out (Permission denied), nor in $FB2/ (not a private directory of this user)" "$T/k2.err"
check "kalloc, no fallback: the line names every output type lost" \
	grep -q "lost: leaks.txt, leaks.json, timeline.json, stats.json, heap.pb.gz" "$T/k2.err"
check "kalloc, no fallback: the leak report is on stderr" grep -q '^Direct leak of 4242 bytes' "$T/k2.err"
is "$(grep -c 'see ' "$T/k2.err")" 0 "kalloc, no fallback: the summary names no file"
check "kalloc, no fallback: nothing written in the taken directory" sh -c "! ls '$FB2'/* >/dev/null 2>&1"

# --- libksamp, fallback works
KSAMP_OUT=$T/out/cpu.$name.pb.gz LD_PRELOAD=$KPROF_LIBKSAMP "$P" $U1 $U1 >"$T/s.out" 2>"$T/s.err"
is "$?" 0 "ksamp: the program exits 0 after dropping privileges"
diag "$(cat "$T/s.err")"
check "ksamp: the profile is in the fallback $SB1/" test -s "$SB1/cpu.$name.pb.gz"
check "ksamp: the fallback directory is private" test "$(stat -c '%a %u' "$SB1")" = "700 $U1"
is "$(grep -c "cannot write in $T/out (Permission denied): wrote $SB1/cpu.$name.pb.gz instead\$" "$T/s.err")" 1 \
	"ksamp: one line names the refused directory and the fallback"
"$KPROF_BIN" top "$SB1/cpu.$name.pb.gz" >"$T/stop" 2>&1
is "$?" 0 "ksamp: kprof top reads the fallback profile"
# --- a real daemon: mosquitto, started as root, becomes user mosquitto
# (its default when the configuration names no user) and is stopped by
# SIGTERM; its files must be in /tmp/kalloc-<uid of mosquitto>/.
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if [ ! -x "$MOSQ" ]; then
	skip "mosquitto not installed: no real daemon dropping privileges"
elif ! MU=$(id -u mosquitto 2>/dev/null); then
	skip "no user mosquitto: mosquitto would keep running as root"
else
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$T/mosq.conf"
	chmod 644 "$T/mosq.conf"
	MFB=/tmp/kalloc-$MU
	timeout -k 5 60 env KALLOC_OUT="$T/out/mosq.$$" LD_PRELOAD="$KPROF_LIBKALLOC" "$MOSQ" -c "$T/mosq.conf" \
		>"$T/mosq.out" 2>"$T/mosq.err" &
	mpid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'running' "$T/mosq.err"; do sleep 0.1; i=$((i + 1)); done
	check "mosquitto under libkalloc starts and runs as user mosquitto" \
		test "$(ps -o user= -C mosquitto | grep -c mosquitto)" -ge 1
	pkill -TERM -P "$mpid" mosquitto
	wait "$mpid"
	is "$?" 0 "mosquitto exits 0 on SIGTERM"
	diag "$(grep kalloc "$T/mosq.err")"
	for s in leaks.txt leaks.json stats.json heap.pb.gz; do
		check "mosquitto: $s in $MFB/" test -s "$MFB/mosq.$$.$s"
	done
	check "mosquitto: the line names the fallback" grep -q "^kalloc: cannot write in $T/out (Permission denied): wrote .* in $MFB/ instead" "$T/mosq.err"
	check "mosquitto: the summary names the file written" grep -q "see $MFB/mosq.$$.leaks.txt\$" "$T/mosq.err"
	"$KPROF_BIN" top "$MFB/mosq.$$.heap.pb.gz" --cum --sample-type alloc_space >"$T/mtop" 2>&1
	is "$?" 0 "mosquitto: kprof top reads its heap profile"
	check "mosquitto: the profile shows the allocations made from its main" grep -q ' main$' "$T/mtop"
	rm -f "$MFB"/mosq.$$.*
fi
done_testing
