#!/bin/sh
# SPDX-License-Identifier: MIT
# `kprof clients` on fixed inputs: text, markdown and json tables compared
# with golden files (the bootstrap has a fixed seed, so the intervals are
# reproducible), pairing rules (an AMQP case with another message size is
# not paired), and bad input.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
G="$top_srcdir/tests/clients/golden"
. "$top_srcdir/tests/clients/lib.sh"
for fmt in text:txt markdown:md json:json; do
	f=${fmt%%:*} ext=${fmt#*:}
	if table "$G/c-pub.json" "$G/js-pub.json" --format "$f" >"$TAP_TMP/out.$ext" 2>"$TAP_TMP/err" &&
	   diff -u "$G/table.$ext" "$TAP_TMP/out.$ext" >"$TAP_TMP/diff"; then
		ok "$f table matches tests/clients/golden/table.$ext"
	else
		not_ok "$f table matches tests/clients/golden/table.$ext"; diag "$(cat "$TAP_TMP/err" "$TAP_TMP/diff")"
	fi
done
n=$(grep -c '^amqp' "$TAP_TMP/out.txt")
is "$n" 0 "cases with different workloads are not paired"
# The same table straight from the kprof binary, with its default format.
"$KPROF_BIN" clients "$G/c-pub.json" "$G/js-pub.json" >"$TAP_TMP/k.txt" 2>&1
if diff -u "$G/table.txt" "$TAP_TMP/k.txt" >"$TAP_TMP/diff"; then
	ok "kprof clients gives the same table"
else
	not_ok "kprof clients gives the same table"; diag "$(cat "$TAP_TMP/diff")"
fi
# Bad input: one line, exit 2.
table "$G/c-pub.json" >/dev/null 2>"$TAP_TMP/err"; st=$?
[ $st -eq 2 ] && [ "$(wc -l <"$TAP_TMP/err")" -eq 1 ] && ok "one file: exit 2, one line" || not_ok "one file: exit 2, one line ($st)"
printf '{"schema": "kprof-bench/1", "benchmarks": [' >"$TAP_TMP/trunc.json"
table "$G/c-pub.json" "$TAP_TMP/trunc.json" >/dev/null 2>"$TAP_TMP/err"; st=$?
[ $st -eq 2 ] && grep -q 'trunc.json' "$TAP_TMP/err" && ok "truncated file: exit 2 naming it" || { not_ok "truncated file: exit 2 naming it"; diag "$st $(cat "$TAP_TMP/err")"; }
table "$G/c-pub.json" "$TAP_TMP/missing.json" >/dev/null 2>"$TAP_TMP/err"; is "$?" 2 "missing file: exit 2"
table "$G/c-pub.json" "$G/js-pub.json" --format yaml >/dev/null 2>"$TAP_TMP/err"; is "$?" 2 "unknown format: exit 2"
printf '{"schema": "kprof-bench/1", "benchmarks": [{"name": "sub", "backend": "memory", "metrics": {"throughput_msgs_per_sec": 1}}]}' >"$TAP_TMP/other.json"
table "$G/c-pub.json" "$TAP_TMP/other.json" >/dev/null 2>"$TAP_TMP/err"; st=$?
[ $st -eq 2 ] && grep -q 'no benchmark' "$TAP_TMP/err" && ok "nothing to pair: exit 2 with the reason" || not_ok "nothing to pair: exit 2 with the reason"
done_testing
