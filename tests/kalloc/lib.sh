# SPDX-License-Identifier: MIT
# lib.sh: sourced by the tests/kalloc/*.sh scripts (after tests/tap.sh).
# make check always builds libkalloc.so: without it the build is broken,
# and the file bails out instead of skipping.
KC=$top_builddir/tests/kalloc
KS=$top_srcdir/tests/kalloc
need_built "$KPROF_LIBKALLOC"
# kalloc PREFIX CMD...: run CMD under libkalloc.so writing PREFIX.*, quiet.
kalloc() {
	_p=$1
	shift
	KALLOC_OUT=$_p KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC "$@"
}
# leaks_of FILE: one line per reported leak group of a leaks.txt,
# "kind bytes blocks stack": the stack's functions (without their C++
# argument lists), allocating function first, up to main or start_thread
# (the frames below them are libc's and vary with its version).
leaks_of() {
	awk 'function out() { if (on) print kind, bytes, blocks st; on = 0 }
	/^(Direct|Indirect) leak of/ {
		out(); kind = ($1 == "Direct") ? "definite" : "indirect"; bytes = $4; blocks = $7
		st = ""; on = 1; done = 0; next }
	on && /^ *#[0-9]+ / { if (done) next
		fn = $4; sub(/\(.*/, "", fn); st = st " " fn
		if (fn == "main" || fn == "start_thread") done = 1; next }
	on && /^$/ { out() }
	END { out() }' "$1" | sort
}
# json_total FILE KEY: the bytes (or blocks with a third argument) of
# "KEY":{"blocks":N,"bytes":M} in a leaks.json.
json_total() {
	sed -n "s/.*\"$2\":{\"blocks\":\([0-9]*\),\"bytes\":\([0-9]*\)}.*/\1 \2/p" "$1" | head -n 1
}
