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
# "kind bytes blocks function" (function without its C++ argument list).
leaks_of() {
	awk '/^(Direct|Indirect) leak of/ {
		kind = ($1 == "Direct") ? "definite" : "indirect"; bytes = $4; blocks = $7
		getline; fn = $4; sub(/\(.*/, "", fn); print kind, bytes, blocks, fn }' "$1" | sort
}
# json_total FILE KEY: the bytes (or blocks with a third argument) of
# "KEY":{"blocks":N,"bytes":M} in a leaks.json.
json_total() {
	sed -n "s/.*\"$2\":{\"blocks\":\([0-9]*\),\"bytes\":\([0-9]*\)}.*/\1 \2/p" "$1" | head -n 1
}
