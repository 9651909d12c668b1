#!/bin/sh
# SPDX-License-Identifier: MIT
# corpus.sh: every program of the leak corpus under libkalloc.so (full
# mode), built with plain -O2 -g (no frame pointers) and the default
# unwinder. The leak report must match the program's .exp file exactly:
# one line per leak group, "kind bytes blocks stack", the stack from the
# allocating function to main (or start_thread), as gdb shows it (less
# the tail-call frames gdb infers from the debug info: a function that
# ends by jumping to another has no frame on the stack); clean
# programs report nothing; totals in leaks.json agree with leaks.txt.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP

for prog in leak-malloc leak-calloc leak-realloc leak-aligned leak-strdup leak-new \
	leak-thread leak-indirect clean cleanxx reach-threads; do
	kalloc "$T/$prog" "$KC/corpus/$prog" >"$T/$prog.out" 2>"$T/$prog.err"
	rc=$?
	is "$rc" 0 "$prog: exit status 0 under kalloc"
	is "$(cat "$T/$prog.err")" "" "$prog: nothing on stderr with KALLOC_QUIET=1"
	got=$(leaks_of "$T/$prog.leaks.txt")
	want=$(sort "$KS/corpus/$prog.exp")
	is "$got" "$want" "$prog: leak report matches $prog.exp"
	def=$(awk '$1 == "definite" { b += $2; n += $3 } END { printf "%d %d", n, b }' "$KS/corpus/$prog.exp")
	ind=$(awk '$1 == "indirect" { b += $2; n += $3 } END { printf "%d %d", n, b }' "$KS/corpus/$prog.exp")
	is "$(json_total "$T/$prog.leaks.json" definitely_lost)" "$def" "$prog: leaks.json definitely_lost"
	is "$(json_total "$T/$prog.leaks.json" indirectly_lost)" "$ind" "$prog: leaks.json indirectly_lost"
done

# Blocks held only on the stacks of threads that never allocated (made by
# thrd_create and by clone(), alive at exit) are still reachable.
set -- $(json_total "$T/reach-threads.leaks.json" still_reachable)
check "reach-threads: the 1000 and 2000 bytes held by a thrd_create and a clone() thread are still reachable (${2:-0} bytes)" \
	[ "${2:-0}" -ge 3000 ]
check "reach-threads: every thread's stack was read" sh -c "! grep -q 'could not be scanned' '$T/reach-threads.leaks.txt'"
# libkalloc's own service thread is none of the program's: the scan leaves
# it out. Sampling every millisecond, it was often caught spinning on the
# registry lock the scan holds, and counted as a stack that could not be
# read (18 runs in 20).
KALLOC_TIMELINE=1 kalloc "$T/rt1" "$KC/corpus/reach-threads" >/dev/null 2>&1
check "reach-threads, KALLOC_TIMELINE=1: every thread's stack was read" sh -c "! grep -q 'could not be scanned' '$T/rt1.leaks.txt'"

# Still-reachable blocks are counted but not reported.
set -- $(json_total "$T/clean.leaks.json" still_reachable)
check "clean: still-reachable blocks are counted (${1:-0} >= 14)" [ "${1:-0}" -ge 14 ]
check "leak-malloc: the global's block is still reachable, not a leak" \
	grep -q '^still reachable: [1-9][0-9]* bytes' "$T/leak-malloc.leaks.txt"

# kalloc's own work is never tracked: in a clean program every block
# still reachable at exit is the program's (13 of its own, one stdio
# buffer), and no profile frame is in libkalloc.so or in code it called
# (its constructor used to setenv() KALLOC_OUT_OWNER through malloc).
set -- $(json_total "$T/clean.leaks.json" still_reachable)
is "${1:-0}" 14 "clean: exactly the program's 14 blocks are still reachable"
need_built "$KPROF_BIN"
for prog in clean cleanxx; do
	"$KPROF_BIN" folded "$T/$prog.heap.pb.gz" >"$T/$prog.folded" 2>&1
	check "$prog: heap.pb.gz has stacks" [ -s "$T/$prog.folded" ]
	is "$(grep -E 'kalloc|environ|tsearch' "$T/$prog.folded")" "" \
		"$prog: no frame of libkalloc's own in heap.pb.gz"
done
if [ -n "$PPROF" ]; then
	"$PPROF" -raw "$T/clean.heap.pb.gz" >"$T/clean.raw" 2>/dev/null
	m=$(awk '/^Mappings/ { on = 1; next } on && /libkalloc/ { sub(":", "", $1); print $1 }' "$T/clean.raw")
	n=$(awk -v m="M=${m:-none}" '/^Locations/ { on = 1; next } /^Mappings/ { on = 0 } on && $3 == m' "$T/clean.raw" | wc -l)
	is "$n" 0 "clean: pprof -raw shows no location in libkalloc.so"
else
	skip "pprof not installed"
fi
# The environment of the traced program still works as usual: its own
# setenv/unsetenv, and the owner entry programs it executes inherit.
owner=$(KALLOC_OUT=$T/envp KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC \
	sh -c 'export KPROF_T1=one; unset HOME; exec env' | grep -c -E '^(KPROF_T1=one|KALLOC_OUT_OWNER=[0-9]+)$')
is "$owner" 2 "environment after kalloc's constructor: program's setenv and KALLOC_OUT_OWNER"

# The allocation site carries file:line from the debug info.
check "leak-malloc: site symbolized with file:line" \
	grep -q 'in leak_malloc .*leak-malloc\.c:[0-9]' "$T/leak-malloc.leaks.txt"
# C++ names are demangled.
check "leak-new: C++ names demangled" grep -q 'in leak_new_array()' "$T/leak-new.leaks.txt"

# Fork: the child's leak goes to <prefix>.<childpid>, the parent's report is clean.
kalloc "$T/fork" "$KC/corpus/leak-fork" >"$T/fork.out" 2>"$T/fork.err"
is "$?" 0 "leak-fork: exit status 0"
child=$(cat "$T/fork.out")
check "leak-fork: child wrote its own report ($T/fork.$child.leaks.txt)" [ -s "$T/fork.$child.leaks.txt" ]
is "$(leaks_of "$T/fork.$child.leaks.txt" 2>/dev/null)" "$(cat "$KS/corpus/leak-fork.child.exp")" \
	"leak-fork: child's leak set"
is "$(leaks_of "$T/fork.leaks.txt")" "" "leak-fork: parent's report is clean"

# Leak groups are ordered by bytes, biggest first.
kalloc "$T/order" "$KC/corpus/leak-aligned" >/dev/null 2>&1
first=$(awk '/^Direct leak of/ { print $4; exit }' "$T/order.leaks.txt")
is "$first" 256 "leak groups are ordered biggest first"

# libunwind back end gives the same report.
KALLOC_UNWIND=libunwind kalloc "$T/lu" "$KC/corpus/leak-indirect" >/dev/null 2>&1
is "$(leaks_of "$T/lu.leaks.txt")" "$(sort "$KS/corpus/leak-indirect.exp")" \
	"KALLOC_UNWIND=libunwind: same leak set"
# The analyzer reads libkalloc's report.
"$KPROF_BIN" leaks "$T/leak-indirect" >"$T/kl.txt" 2>&1
check "kprof leaks PREFIX reads the report: definitely lost 32 bytes" \
	grep -q '^definitely lost: 32 bytes in 1 blocks' "$T/kl.txt"
done_testing
