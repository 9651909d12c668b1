#!/bin/sh
# SPDX-License-Identifier: MIT
# fulldisk.sh: interval snapshots of libkalloc.so and libksamp.so on a
# disk that fills up and frees again (a 256 KiB tmpfs). A full disk loses
# only the snapshots written meanwhile: the program runs on with its
# output and exit status unchanged, one warning per library, no temporary
# file left, every snapshot that is there opens, and once there is room
# again the next snapshots and the final files are written.
set -u
. "${top_srcdir:-.}/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
M=$KC/memtime
need_built "$M"
need_built "$KPROF_LIBKALLOC"
need_built "$KPROF_LIBKSAMP"

D=$T/disk
mkdir "$D"
if [ "$(id -u)" != 0 ]; then
	skip "a tmpfs mount needs root"
	done_testing
fi
mount -t tmpfs -o size=256k tmpfs "$D"
rc=$?
if [ $rc -ne 0 ]; then
	skip "mount -t tmpfs failed (status $rc): no small disk to fill"
	done_testing
fi
trap 'umount "$D"; rm -rf "$T"' EXIT

# The newest numbered snapshot of each library (0: none).
newest_k() { n=$(ls "$D" | sed -n 's/^k\.\([0-9]*\)\.heap\.pb\.gz$/\1/p' | sort -n | tail -n 1); echo "${n:-0}"; }
newest_c() { n=$(ls "$D" | sed -n 's/^c\.\([0-9]*\)\.pb\.gz$/\1/p' | sort -n | tail -n 1); echo "${n:-0}"; }

env KALLOC_OUT="$D/k" KALLOC_QUIET=1 KALLOC_INTERVAL=0.3 KALLOC_KEEP=2 KSAMP_OUT="$D/c.pb.gz" KSAMP_INTERVAL=0.3 \
	KSAMP_KEEP=2 LD_PRELOAD="$KPROF_LIBKALLOC $KPROF_LIBKSAMP" "$M" grow 300 >"$T/out" 2>"$T/err" &
pid=$!
i=0
while { [ "$(newest_k)" -lt 2 ] || [ "$(newest_c)" -lt 2 ]; } && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "two snapshots of each library before the disk fills (k.$(newest_k), c.$(newest_c))" \
	test "$(newest_k)" -ge 2 -a "$(newest_c)" -ge 2
# Fill the disk, and keep it full for 2 s: a snapshot that fails removes
# its temporary files, and the next dd takes that room again.
dd if=/dev/zero of="$D/fill.0" bs=4k 2>/dev/null
fillrc=$?
check "the disk is full (dd failed: $fillrc)" test "$fillrc" -ne 0
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.2
	dd if=/dev/zero of="$D/fill.$i" bs=1k 2>/dev/null
done
kn=$(newest_k)
cn=$(newest_c)
check "the program runs on while the disk is full" kill -0 $pid
check "the snapshots from before are kept (k.$kn, c.$cn)" test -s "$D/k.$kn.heap.pb.gz" -a -s "$D/c.$cn.pb.gz"
rm -f "$D"/fill.*
# Room again: newer snapshots of both (the numbers of the lost ones are
# skipped).
i=0
while { [ "$(newest_k)" -le $((kn + 2)) ] || [ "$(newest_c)" -le $((cn + 2)) ]; } && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "libkalloc writes snapshots again once there is room (k.$(newest_k) after k.$kn)" test "$(newest_k)" -gt $((kn + 2))
check "libksamp writes profiles again once there is room (c.$(newest_c) after c.$cn)" test "$(newest_c)" -gt $((cn + 2))
kill -TERM $pid
wait $pid
is "$?" 143 "SIGTERM ends it with status 143, as without the libraries"
check "final files written" test -s "$D/k.heap.pb.gz" -a -s "$D/k.leaks.json" -a -s "$D/c.pb.gz"
is "$(ls "$D" | grep -c tmp)" 0 "no temporary file left"
is "$(grep -c '^kalloc: cannot write' "$T/err")" 1 "libkalloc: one warning for the full disk"
is "$(grep -c '^libksamp: cannot write' "$T/err")" 1 "libksamp: one warning for the full disk"
is "$(grep -v -c -e 'cannot write' "$T/err")" 0 "nothing else on stderr"
diag "$(cat "$T/err")"
is "$(cat "$T/out")" "" "the program's output is unchanged (none)"
# Every snapshot that is there is whole.
bad=0
n=0
for f in "$D"/k.[0-9]*.heap.pb.gz "$D"/c.[0-9]*.pb.gz "$D/k.heap.pb.gz" "$D/c.pb.gz"; do
	n=$((n + 1))
	"$KPROF_BIN" top "$f" -n 1 >/dev/null 2>&1 || { bad=$((bad + 1)); diag "cannot read $f"; }
done
is "$bad" 0 "every profile on the disk reads ($n)"
# json_ok FILE: it parses and has the field its kind always has.
json_ok() {
	case $1 in
	*.leaks.json) key=definitely_lost ;;
	*.stats.json) key=total_allocs ;;
	*) key=schema ;;
	esac
	"$top_builddir/tests/bench/jget" "$1" "$key" >/dev/null 2>&1
}
bad=0
for f in "$D"/k.[0-9]*.leaks.json "$D"/k.[0-9]*.stats.json "$D"/k.[0-9]*.timeline.json; do
	json_ok "$f" || { bad=$((bad + 1)); diag "not whole: $f"; }
done
is "$bad" 0 "every JSON file on the disk parses"
done_testing
