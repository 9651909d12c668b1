#!/bin/sh
# SPDX-License-Identifier: MIT
# badinput.sh: bad environment, unwritable output, broken suppression
# files, double and foreign frees. Each gives one clear line on stderr; the
# program still runs to its normal end and nothing that could be written
# is lost.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
P=$KC/corpus/leak-malloc

# warn_for VAR=VALUE EXPECTED-SUBSTRING
warn_for() {
	env KALLOC_OUT="$T/w" KALLOC_QUIET=1 "$1" LD_PRELOAD="$KPROF_LIBKALLOC" "$P" >/dev/null 2>"$T/w.err"
	_rc=$?
	is "$_rc" 0 "$1: program still exits 0"
	is "$(wc -l <"$T/w.err" | tr -d ' ')" 1 "$1: exactly one line on stderr"
	check "$1: the line says '$2'" grep -q -- "$2" "$T/w.err"
	is "$(leaks_of "$T/w.leaks.txt")" "definite 100 1 leak_malloc main" "$1: report still written with defaults"
}
warn_for KALLOC_MODE=fast "KALLOC_MODE='fast' is not full, sample or count; using full"
warn_for KALLOC_DEPTH=abc "KALLOC_DEPTH='abc' is not a number"
warn_for KALLOC_DEPTH=100000 "KALLOC_DEPTH='100000' is not a number from 1 to 256"
warn_for KALLOC_UNWIND=dwarf "KALLOC_UNWIND='dwarf' is not auto, fp or libunwind"
warn_for KALLOC_SAMPLE_BYTES=-5 "KALLOC_SAMPLE_BYTES='-5' is not a positive number"
warn_for KALLOC_LEAK_EXITCODE=many "KALLOC_LEAK_EXITCODE='many' is not a number"
warn_for KALLOC_SIGNAL=NOPE "KALLOC_SIGNAL='NOPE' is not a usable signal"
KALLOC_OUT=$T/q KALLOC_QUIET=maybe LD_PRELOAD="$KPROF_LIBKALLOC" "$P" >/dev/null 2>"$T/q.err"
is "$?" 0 "KALLOC_QUIET=maybe: program still exits 0"
check "KALLOC_QUIET=maybe: warning line" grep -q "^kalloc: KALLOC_QUIET='maybe' is not 0, 1 or verbose; using 0" "$T/q.err"
check "KALLOC_QUIET=maybe: default applies (summary line printed)" grep -q '^kalloc: .* definitely lost 100 bytes in 1 blocks' "$T/q.err"

# Unwritable output: one warning, the leak report goes to stderr instead.
KALLOC_OUT=/nonexistent/dir/x KALLOC_QUIET=1 LD_PRELOAD="$KPROF_LIBKALLOC" "$P" >"$T/u.out" 2>"$T/u.err"
is "$?" 0 "unwritable KALLOC_OUT: program exits 0"
is "$(grep -c '^kalloc: cannot write' "$T/u.err")" 1 "unwritable KALLOC_OUT: one warning line"
check "unwritable KALLOC_OUT: warning names the file and the reason" \
	grep -q 'cannot write /nonexistent/dir/x.leaks.txt: No such file or directory' "$T/u.err"
check "unwritable KALLOC_OUT: the leak report is on stderr instead" \
	grep -q 'Direct leak of 100 bytes in 1 blocks' "$T/u.err"

# Suppressions: a file with a bad line still applies its good lines.
printf '# comment\n\nnot-a-rule\nleak:leak_mal*\n' >"$T/supp"
KALLOC_SUPPRESSIONS=$T/supp kalloc "$T/s" "$P" >/dev/null 2>"$T/s.err"
is "$?" 0 "bad suppression line: program exits 0"
check "bad suppression line: warning with file:line" grep -q "$T/supp:3: expected 'leak:" "$T/s.err"
is "$(leaks_of "$T/s.leaks.txt")" "" "the good line suppresses the leak"
check "suppressed bytes are counted" grep -q '^suppressed: 100 bytes in 1 blocks' "$T/s.leaks.txt"
KALLOC_SUPPRESSIONS=$T/missing kalloc "$T/m" "$P" >/dev/null 2>"$T/m.err"
check "missing suppression file: one warning" grep -q "cannot read suppressions $T/missing" "$T/m.err"
is "$(leaks_of "$T/m.leaks.txt")" "definite 100 1 leak_malloc main" "missing suppression file: nothing suppressed"

# Double free and a foreign pointer: warned once, ignored, program goes on.
kalloc "$T/b" "$KC/badfree" >"$T/b.out" 2>"$T/b.err"
is "$?" 0 "double free + foreign free: program exits 0"
is "$(cat "$T/b.out")" "still running" "double free + foreign free: program keeps working"
is "$(grep -c 'pointer not allocated by malloc or already freed' "$T/b.err")" 1 "one warning for both"
check "stats.json counts both bad frees" grep -q '"unknown_frees":2' "$T/b.stats.json"

# Leak exit code: only when definite leaks exist; output is flushed first.
KALLOC_LEAK_EXITCODE=23 kalloc "$T/e" "$P" >/dev/null 2>&1
is "$?" 23 "KALLOC_LEAK_EXITCODE=23 with a leak: exit status 23"
KALLOC_LEAK_EXITCODE=23 kalloc "$T/e2" "$KC/corpus/clean" >"$T/e2.out" 2>&1
is "$?" 0 "KALLOC_LEAK_EXITCODE=23 without leaks: exit status untouched"
KALLOC_LEAK_EXITCODE=9 kalloc "$T/e4" sh -c 'echo buffered' >"$T/e4.out" 2>&1
is "$(cat "$T/e4.out")" "buffered" "stdout written before the leak exit code applies"
done_testing
