#!/bin/sh
# SPDX-License-Identifier: MIT
# kbench's merge, golden: stand-in drivers with fixed figures (and fake
# interposer outputs) run through a suite with two processes per case, so
# results.json (medians over processes, pooled repetitions, per-message
# memory pooled over the steady phases, leak totals, artifact links, notes
# for a skipped backend) and the summary table are exactly predictable.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
data=$top_srcdir/tests/kbench/data
KBENCH=$top_builddir/bench/kbench
mkdir bin
cp "$data/fake-driver.sh" bin/bench_pub
cp "$data/fake-driver.sh" bin/bench_e2e
chmod +x bin/bench_pub bin/bench_e2e
: >fake-kalloc.so
: >fake-ksamp.so
FAKE_DATA=$data
export FAKE_DATA
cat >m.suite <<'S'
name = merge
backends = memory amqp
sizes = 100 1000
count = 10
reps = 3
processes = 2
[pub]
features = none ack
[e2e]
sizes = 100
S
"$KBENCH" run --suite ./m.suite --out out --bindir bin --kprof "$KPROF_BIN" \
	--kalloc fake-kalloc.so --ksamp fake-ksamp.so >summary.raw 2>progress.txt
is "$?" 0 "kbench run with stand-in drivers"

# normalize what legitimately changes between runs: time, paths, duration
norm() {
	sed -e "s|$TAP_TMP|@TMP@|g" -e 's/"timestamp": "[^"]*"/"timestamp": "@TIME@"/' \
		-e 's/"seconds": [0-9.e+-]*/"seconds": 0/' -e 's/"topic": "t[0-9]*"/"topic": "t"/' \
		-e 's/ [0-9]*s$/ @SECS@/' "$1"
}
norm out/results.json >results.json
norm summary.raw >summary.txt
for f in results.json summary.txt; do
	if diff -u "$data/kbench-$f" "$f" >diff.txt; then ok "$f matches the golden file"
	else not_ok "$f matches the golden file"; diag "$(head -60 diff.txt)"; fi
done
missing=
for c in pub-memory-s100-b1-c1 pub-memory-s1000-b1-c1-ack e2e-memory-s100-b1-c1; do
	for f in cpu.pb.gz cpu.svg heap.pb.gz leaks.txt leaks.json stats.json runs/rep-1.json runs/rep-2.json; do
		test -s "out/$c/$f" || missing="$missing $c/$f"
	done
done
is "${missing:-none}" none "every case has its artifacts"
grep -q 'kbench: note: amqp skipped: no broker address' progress.txt
check "the skipped backend is announced on stderr" test $? -eq 0
test -s out/report.html && grep -q 'href="pub-memory-s1000-b1-c1-ack/cpu.svg"' out/report.html
check "report.html links the flame graphs" test $? -eq 0
# the merged file is what compare reads: A/A gives nothing, and the medians
# of the pooled repetitions are what compare tests
"$KPROF_BIN" compare out/results.json out/results.json --format json >cmp.json
is "$?" 0 "compare of the merged file with itself"
grep -q '"n_base": 6' cmp.json
check "compare sees 2 processes x 3 repetitions = 6" test $? -eq 0
done_testing
