#!/bin/sh
# SPDX-License-Identifier: MIT
# kbench ab: plain runs of two builds interleaved process by process, then
# kprof compare. With stand-in drivers: the same build twice is no
# regression (exit 0), a build 20% slower is one (exit 1), and the
# processes alternate in ABBA order.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
data=$top_srcdir/tests/kbench/data
KBENCH=$top_builddir/bench/kbench
FAKE_DATA=$data
export FAKE_DATA
mkdir a b
cp "$data/fake-driver.sh" a/bench_pub
printf '#!/bin/sh\nFAKE_SCALE=80 exec "%s/a/bench_pub" "$@"\n' "$TAP_TMP" >b/bench_pub
chmod +x a/bench_pub b/bench_pub
cat >ab.suite <<'S'
backends = memory
sizes = 100 1000
count = 10
reps = 3
[pub]
S
"$KBENCH" ab --suite ./ab.suite --out same --base a --new a --kprof "$KPROF_BIN" >same.txt 2>same.err
is "$?" 0 "the same build against itself: exit 0"
grep -q '^summary: 0 regressed, 0 improved' same.txt
check "A/A: nothing flagged" test $? -eq 0
grep -q 'pub/memory size=100 batch=1 clients=1 *abbaab$' same.err
check "3 processes a side in ABBA order (default for ab)" test $? -eq 0
n=$(ls same/base/pub-memory-s100-b1-c1/runs/rep-*.json same/new/pub-memory-s100-b1-c1/runs/rep-*.json | wc -l)
is "$n" 6 "3 result files per side"

"$KBENCH" ab --suite ./ab.suite --out slow --base a --new b --kprof "$KPROF_BIN" --processes 2 >slow.txt 2>slow.err
is "$?" 1 "a build 20% slower: exit 1"
grep -A1 '^pub/memory size=100 batch=1 clients=1$' slow.txt | grep -q 'throughput_msgs_per_sec .*-20.0% .*exact U .*n=6/6  REGRESSED'
check "the 20% throughput drop is flagged (exact U, 2 processes x 3 repetitions a side)" test $? -eq 0
test -s slow/compare.md && grep -q 'regressed' slow/compare.md
check "markdown written next to the two results files" test $? -eq 0
grep -q '"n_base"' slow/base/results.json
check "base results are plain kprof-bench/1 files" test $? -ne 0
grep -q '"schema": "kprof-bench/1"' slow/base/results.json && grep -q '"schema": "kprof-bench/1"' slow/new/results.json
check "both sides written as kprof-bench/1" test $? -eq 0
"$KBENCH" ab --suite ./ab.suite --out x --base a >/dev/null 2>err
is "$?" 2 "ab without --new is a usage error"
done_testing
