#!/bin/sh
# SPDX-License-Identifier: MIT
# Live end-to-end: profiles made now by gperftools' libprofiler.so and by
# libksamp of tests/kprof/cpuburn (C++), and the leak report of libkalloc
# on tests/kprof/leaky. Checks symbolization of address-only profiles
# (static functions, demangled C++), conversion to pprof readable by the
# pprof tool, and leak classification, suppressions and --fail through
# kprof. The gperftools part says SKIP when libprofiler.so is not
# installed; libksamp and libkalloc are built by make check.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
T=$TAP_TMP
B=$top_builddir/tests/kprof

names() {
	for n in 'broker::Codec<unsigned long>::encode(unsigned long, int)' 'broker::route_message(int)' \
		checksum_static main; do
		if grep -qF "  $n" "$1"; then ok "$2: $n"; else not_ok "$2: $n"; diag "$(cat "$1")"; fi
	done
}

PROFILER=
for p in /usr/lib/x86_64-linux-gnu/libprofiler.so.0 /usr/lib/x86_64-linux-gnu/libprofiler.so \
	/usr/lib/libprofiler.so.0 /usr/local/lib/libprofiler.so; do
	[ -e "$p" ] && PROFILER=$p && break
done
if [ -n "$PROFILER" ]; then
	CPUPROFILE=$T/g.prof CPUPROFILE_FREQUENCY=500 LD_PRELOAD=$PROFILER "$B/cpuburn" 0.6 >/dev/null 2>&1
	"$KPROF_BIN" top "$T/g.prof" -n 30 >"$T/g.top"
	is "$?" 0 "gperftools profile: top"
	names "$T/g.top" "gperftools, symbolized"
	"$KPROF_BIN" convert "$T/g.prof" -o "$T/g.pb.gz"
	is "$?" 0 "gperftools -> pprof"
	if [ -n "$PPROF" ]; then
		"$PPROF" -top "$T/g.pb.gz" >"$T/g.pprof" 2>&1
		check "pprof reads the converted profile with names" grep -q 'broker::route_message' "$T/g.pprof"
	else
		skip "pprof not installed"
	fi
else
	for i in 1 2 3 4 5 6 7; do skip "libprofiler.so (google-perftools) not installed"; done
fi

need_built "$KPROF_LIBKSAMP" "$KPROF_LIBKALLOC"
KSAMP_OUT=$T/k.pb.gz KSAMP_HZ=250 LD_PRELOAD=$KPROF_LIBKSAMP "$B/cpuburn" 0.6 >/dev/null 2>&1
"$KPROF_BIN" top "$T/k.pb.gz" -n 30 >"$T/k.top"
is "$?" 0 "libksamp profile: top"
for n in 'broker::Codec<unsigned long>::encode(unsigned long, int)' checksum_static; do
	if grep -qF "  $n" "$T/k.top"; then ok "libksamp: $n"; else not_ok "libksamp: $n"; diag "$(cat "$T/k.top")"; fi
done

KALLOC_OUT=$T/lk KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC "$B/leaky"
"$KPROF_BIN" leaks "$T/lk" >"$T/lk.txt"
is "$?" 0 "leaks without --fail exits 0"
check "definite leaks counted" grep -q '^definitely lost: 348 bytes in 4 blocks$' "$T/lk.txt"
check "indirect leaks counted" grep -q '^indirectly lost: 144 bytes in 3 blocks$' "$T/lk.txt"
# (at least the 64-byte global; the C library may keep blocks of its own)
check "still reachable counted" grep -Eq '^still reachable: ([6-9][0-9]|[0-9]{3,}) bytes in [1-9][0-9]* blocks$' "$T/lk.txt"
check "leak stacks are symbolized with lines" grep -Eq '#0 make_msg .*leaky\.c:[0-9]+ \(leaky\)' "$T/lk.txt"
"$KPROF_BIN" leaks "$T/lk" --fail >/dev/null
is "$?" 1 "--fail exits 1 with leaks"
printf '# everything made by make_*\nleak:make_*\n' >"$T/supp"
"$KPROF_BIN" leaks "$T/lk" --fail --suppressions "$T/supp" --format json >"$T/lk.json"
is "$?" 0 "--fail exits 0 when all leaks are suppressed"
check "JSON: suppressed totals" grep -q '"blocks": 7' "$T/lk.json"
printf 'leak:make_list\n' >"$T/supp2"
"$KPROF_BIN" leaks "$T/lk.leaks.json" --suppressions "$T/supp2" >"$T/lk2.txt"
check "substring suppression keeps the others" grep -q '^definitely lost: 300 bytes in 3 blocks$' "$T/lk2.txt"
printf 'leak:make_list\nbogus line\n' >"$T/supp3"
"$KPROF_BIN" leaks "$T/lk" --suppressions "$T/supp3" 2>"$T/err" >/dev/null
is "$?" 2 "bad suppressions line: exit 2"
check "bad suppressions line is named" grep -q 'supp3:2: expected' "$T/err"
"$KPROF_BIN" leaks "$T/lk.heap.pb.gz" >"$T/heap.txt"
check "heap profile: in-use blocks at exit" grep -q '^in use at exit (not classified by reachability): ' "$T/heap.txt"
check "heap profile: the dropped messages" grep -q '^In use of 300 bytes in 3 blocks allocated from:$' "$T/heap.txt"
check "heap profile: the dropped list" grep -q '^In use of 192 bytes in 4 blocks allocated from:$' "$T/heap.txt"
done_testing
