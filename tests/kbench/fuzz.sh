#!/bin/sh
# SPDX-License-Identifier: MIT
# The libFuzzer targets of the results loader, the suite parser and the
# history store's text helpers, run for a few seconds each from the
# shipped files (and a few lines written here) as seeds (--enable-fuzzing).
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
secs=${KPROF_FUZZ_SECONDS:-5}
mkdir "$TAP_TMP/results" "$TAP_TMP/suites"
cp "$top_srcdir"/tests/kbench/data/*.json "$TAP_TMP/results/"
cp "$top_srcdir"/bench/suites/*.suite "$TAP_TMP/suites/"
mkdir "$TAP_TMP/history"
printf 'postgresql://kprof:secret@127.0.0.1:5432/bench?sslmode=disable&password=x' >"$TAP_TMP/history/uri"
printf '990.5,1000,1.5e+06,nan,-inf' >"$TAP_TMP/history/reps"
printf 'FATAL:  database "x" does not exist\n\tdetail\n' >"$TAP_TMP/history/message"
for t in results suites history; do
	run_fuzzer "$top_builddir/tests/kbench/fuzz-${t%s}" "$TAP_TMP/$t" "$secs" 65536
done
done_testing
