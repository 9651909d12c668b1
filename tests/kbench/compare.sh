#!/bin/sh
# SPDX-License-Identifier: MIT
# kprof compare: golden text/markdown/json outputs of a fixed pair of result
# files (a 10% throughput drop, an improved p99, a threshold-only allocation
# change, a 3-repetition case, benchmarks on one side only), exit statuses,
# options and bad input.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
data=$top_srcdir/tests/kbench/data
cp "$data/base.json" "$data/new.json" "$TAP_TMP/"
cd "$TAP_TMP" || exit 1

for fmt in text markdown json; do
	case $fmt in text) g=compare.txt ;; markdown) g=compare.md ;; json) g=compare.json ;; esac
	"$KPROF_BIN" compare base.json new.json --format $fmt >out.$fmt 2>err.$fmt
	st=$?
	is "$st" 1 "compare --format $fmt exits 1 on a significant regression"
	if diff -u "$data/$g" out.$fmt >diff.$fmt; then ok "compare --format $fmt matches $g"
	else not_ok "compare --format $fmt matches $g"; diag "$(head -40 diff.$fmt)"; fi
done
grep -q 'test: Mann-Whitney U' out.text && grep -q 'exact U' out.text \
	&& grep -q 'too few repetitions for the U test' out.text && grep -q 'a single repetition' out.text
check "text says which test decided and why" test $? -eq 0

"$KPROF_BIN" compare base.json base.json >aa.txt 2>&1
is "$?" 0 "A/A compare of a file with itself exits 0"
grep -q 'summary: 0 regressed, 0 improved' aa.txt
check "A/A compare reports nothing" test $? -eq 0

# A 10% threshold hides the 8.7% throughput drop and the 8% e2e drop but
# not the +16.7% allocations.
"$KPROF_BIN" compare base.json new.json --threshold 10% --format json >t10.json
is "$?" 1 "--threshold 10%: still a regression (allocations +16.7%)"
n=$(grep -c '"verdict": "regressed"' t10.json)
is "$n" 1 "--threshold 10%: one regressed row"
"$KPROF_BIN" compare base.json new.json --threshold 20% >/dev/null
is "$?" 0 "--threshold 20%: no regression, exit 0"
"$KPROF_BIN" compare base.json new.json --metrics latency_p99_ns >m.txt
is "$?" 0 "--metrics latency_p99_ns: only the improved p99 counts"
grep -q 'throughput' m.txt
check "--metrics restricts the table" test $? -ne 0
"$KPROF_BIN" compare base.json new.json --format markdown -o pr.md >/dev/null
cmp -s pr.md "$data/compare.md"
check "-o FILE writes the same markdown" test $? -eq 0

# bad input: one clear line, exit 2
printf '{"schema":"other/1","benchmarks":[]}' >other.json
printf '{"schema":"kprof-bench/1","benchmarks":[' >trunc.json
for bad in missing.json other.json trunc.json; do
	"$KPROF_BIN" compare base.json $bad >/dev/null 2>err
	st=$?
	lines=$(wc -l <err)
	if [ $st -eq 2 ] && [ "$lines" -eq 1 ] && grep -q "^kprof: compare: $bad" err; then
		ok "bad input $bad: exit 2, one line: $(cat err)"
	else
		not_ok "bad input $bad: exit 2 with one line (got $st: $(cat err))"
	fi
done
"$KPROF_BIN" compare base.json new.json --threshold lots >/dev/null 2>err
is "$?" 2 "bad --threshold is a usage error"
"$KPROF_BIN" compare base.json new.json --format yaml >/dev/null 2>err
is "$?" 2 "unknown --format is a usage error"
# odd but valid JSON: wrong types where objects are expected are ignored
printf '%s' '{"schema":"kprof-bench/1","benchmarks":[{"name":"x","metrics":[1,2],"repetitions":[1,[2],"a"]},{"name":null,"config":[1],"metrics":{"latency":{"p99":"a"}}}]}' >odd.json
"$KPROF_BIN" compare odd.json odd.json --format markdown >/dev/null 2>err
is "$?" 0 "odd metric and repetition types: no crash, nothing to compare"
"$KPROF_BIN" compare base.json new.json -o "$TAP_TMP/no/such/dir/out.md" >/dev/null 2>err
is "$?" 2 "-o into a missing directory: exit 2"
done_testing
