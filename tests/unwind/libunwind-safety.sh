#!/bin/sh
# SPDX-License-Identifier: MIT
# libunwind-safety.sh: KALLOC_UNWIND=libunwind is safe and usable.
# - A multithreaded program that forks while its threads allocate: every
#   child exits normally and in time (libunwind's global lock, held by a
#   thread at fork, used to deadlock the child with every signal blocked).
# - rt_sigprocmask calls per malloc, counted with strace -f -c: libunwind's
#   global cache blocks signals around every frame; the per-thread cache
#   makes none. Must be far below one per frame (a malloc here is more
#   than 15 frames deep): fewer than one per 10 mallocs.
# The default unwinder (auto) is run the same way for comparison.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
P=$top_builddir/tests/unwind/forkmt

for u in libunwind auto; do
	KALLOC_UNWIND=$u KALLOC_OUT="$T/f-$u" KALLOC_QUIET=1 LD_PRELOAD="$KPROF_LIBKALLOC" \
		timeout -s KILL 300 "$P" fork 30 >"$T/f-$u.out" 2>"$T/f-$u.err"
	rc=$?
	is "$rc" 0 "KALLOC_UNWIND=$u: a multithreaded program that forks 30 times exits 0"
	is "$(cat "$T/f-$u.out")" "forks 30 hung 0 bad 0" "KALLOC_UNWIND=$u: every child exits 0 in time"
done

if command -v strace >/dev/null 2>&1; then
	for u in libunwind auto; do
		KALLOC_UNWIND=$u KALLOC_OUT="$T/s-$u" KALLOC_QUIET=1 \
			strace -f -c -e trace=rt_sigprocmask -o "$T/s-$u.strace" \
			env LD_PRELOAD="$KPROF_LIBKALLOC" "$P" malloc 1000 >"$T/s-$u.out" 2>&1
		is "$(cat "$T/s-$u.out")" "mallocs 1000" "KALLOC_UNWIND=$u under strace: 1000 mallocs"
		calls=$(awk '$NF == "rt_sigprocmask" { print ($4 ~ /^[0-9]+$/) ? $4 : $(NF-2) }' "$T/s-$u.strace")
		: "${calls:=0}"
		check "KALLOC_UNWIND=$u: $calls rt_sigprocmask calls for 1000 mallocs (< 500: a few per new frame while the per-thread cache warms, none once warm; 38 per malloc before)" [ "$calls" -lt 500 ]
		diag "$(cat "$T/s-$u.strace")"
	done
else
	not_ok "strace is installed (scripts/deps)"
fi
done_testing
