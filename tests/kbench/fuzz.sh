#!/bin/sh
# SPDX-License-Identifier: MIT
# The libFuzzer targets of the results loader and the suite parser, run for
# a few seconds each from the shipped files as seeds (--enable-fuzzing).
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
secs=${KPROF_FUZZ_SECONDS:-5}
mkdir "$TAP_TMP/results" "$TAP_TMP/suites"
cp "$top_srcdir"/tests/kbench/data/*.json "$TAP_TMP/results/"
cp "$top_srcdir"/bench/suites/*.suite "$TAP_TMP/suites/"
for t in results suites; do
	bin=$top_builddir/tests/kbench/fuzz-${t%s}
	need_built "$bin"
	"$bin" -max_total_time="$secs" -rss_limit_mb=1024 "$TAP_TMP/$t" >"$TAP_TMP/$t.log" 2>&1
	st=$?
	is "$st" 0 "fuzz-${t%s}: ${secs}s without a crash, leak or timeout"
	[ $st -eq 0 ] || diag "$(tail -20 "$TAP_TMP/$t.log")"
done
done_testing
