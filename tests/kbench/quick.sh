#!/bin/sh
# SPDX-License-Identifier: MIT
# The quick suite end to end on the embedded backends (memory, kafka mock
# cluster) with the real drivers, libkalloc and libksamp, at a reduced
# message count: results.json, per-case artifacts, report, summary, the CI
# reports (--ci-reports: leaks.sarif, leaks.junit.xml); then
# compare (A/A and a synthetic regression with a differential flame graph),
# history, and a backend without broker skipped with a visible note.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
KBENCH=$top_builddir/bench/kbench
need_built "$KBENCH" "$top_builddir/bench/bench_pub" "$top_builddir/bench/bench_e2e"

"$KBENCH" run --suite quick --out run --reps 2 --count 2000 --ci-reports --source-root "$top_srcdir" \
	>summary.txt 2>progress.txt
st=$?
is "$st" 0 "kbench run --suite quick exits 0"
[ $st -eq 0 ] || diag "$(grep -i 'fail\|note' progress.txt | head -10)"
check "summary line: $(grep '^kbench: suite' summary.txt)" grep -q '^kbench: suite quick: 18 cases run, 0 failed' summary.txt
grep -q '^written:' summary.txt && grep -q "results .*/run/results.json" summary.txt \
	&& grep -q "report .*/run/report.html" summary.txt
check "summary lists the paths written" test $? -eq 0
grep -q 'pub/memory size=100 batch=1 clients=1 .*/s ' summary.txt && grep -q 'pub/kafka size=1024 batch=100 clients=1 .*/s ' summary.txt
check "summary table has memory and kafka rows" test $? -eq 0

# --ci-reports: the leak reports of every case as SARIF and JUnit XML
grep -q "ci reports .*/run/leaks.sarif .*/run/leaks.junit.xml" summary.txt
check "summary lists the CI reports" test $? -eq 0
if command -v python3 >/dev/null 2>&1; then
	python3 "$top_srcdir/tests/kprof/ci/sarif-check.py" "$top_srcdir/tests/kprof/ci/sarif-schema-2.1.0.json" \
		run/leaks.sarif >sarif.res 2>sarif.err
	st=$?
	check "run/leaks.sarif is SARIF 2.1.0 ($(tail -n 1 sarif.res)$(cat sarif.err))" test "$st" -eq 0
else
	not_ok "python3 missing: run/leaks.sarif not checked"
fi
n=$(${XMLLINT:-xmllint} --xpath 'count(/testsuites/testsuite)' run/leaks.junit.xml 2>&1)
is "$n" 18 "run/leaks.junit.xml: a test suite per case"
is "$(${XMLLINT:-xmllint} --xpath 'string(/testsuites/testsuite[@name="pub-memory-s100-b1-c1"]/@tests)' run/leaks.junit.xml 2>&1)" \
	1 "run/leaks.junit.xml: suites named by case"

test -s run/results.json && grep -q '"schema": "kprof-bench/1"' run/results.json
check "results.json is kprof-bench/1" test $? -eq 0
n=$(grep -c '"case": ' run/results.json)
is "$n" 18 "18 benchmarks in results.json"
n=$(grep -c '"throughput_msgs_per_sec"' run/results.json)
check "every benchmark has throughput in metrics and repetitions ($n)" test "$n" -ge 48
missing=
for c in pub-memory-s100-b1-c1 pub-kafka-s1024-b100-c1 e2e-memory-s100-b1-c1 e2e-kafka-s100-b1-c1; do
	for f in cpu.pb.gz cpu.svg heap.pb.gz leaks.txt stats.json; do
		test -s "run/$c/$f" || missing="$missing $c/$f"
	done
done
is "${missing:-none}" none "per-case artifacts: cpu.pb.gz cpu.svg heap.pb.gz leaks.txt stats.json"
grep -q '"flame": "pub-memory-s100-b1-c1/cpu.svg"' run/results.json && grep -q '"heap_profile": ' run/results.json
check "results.json links each case's artifacts" test $? -eq 0
if [ -n "$PPROF" ] && [ -x "$PPROF" ]; then
	"$PPROF" -top run/pub-memory-s100-b1-c1/cpu.pb.gz >top.txt 2>&1
	check "pprof reads a case's CPU profile" test $? -eq 0
	"$PPROF" -top run/pub-kafka-s100-b1-c1/heap.pb.gz >htop.txt 2>&1
	check "pprof reads a case's heap profile" test $? -eq 0
else
	skip "pprof not installed"
	skip "pprof not installed"
fi
test -s run/report.html && grep -q 'pub/kafka size=1024 batch=100 clients=1' run/report.html \
	&& grep -q 'href="pub-memory-s100-b1-c1/cpu.svg"' run/report.html
check "report.html has every case and links its flame graph" test $? -eq 0
missing=
for c in pub-memory-s100-b1-c1 pub-kafka-s1024-b100-c1 e2e-memory-s100-b1-c1; do
	test -s "run/$c/timeline.json" && xmllint --noout "run/$c/mem.svg" 2>/dev/null || missing="$missing $c"
done
is "${missing:-none}" none "per-case memory timeline: timeline.json and a well-formed mem.svg"
grep -q '<img alt="memory timeline" [^>]*src="pub-memory-s100-b1-c1/mem.svg"' run/report.html && grep -q '<th>Temporary allocs/msg</th>' run/report.html
check "report.html shows each case's memory timeline and temporary allocs/msg" test $? -eq 0
n=$(grep -c '"temp_allocs_per_msg": ' run/results.json)
check "results.json: temporary allocations per message ($n cases)" test "$n" -ge 1
grep -q 'Feature impact: throughput change' run/report.html && grep -q 'pub/memory size=1024 batch=100 clients=1 +ack' run/report.html
check "report.html charts the feature impact (ack, correlation id + metadata)" test $? -eq 0

"$KPROF_BIN" compare run/results.json run/results.json >aa.txt 2>&1
is "$?" 0 "compare of a run with itself: no regression"

# A synthetic regression of the same run: throughput of one case x0.8,
# profiles of both sides present, so markdown links a differential flame graph.
if command -v python3 >/dev/null 2>&1; then
	mkdir run2
	python3 - run/results.json run2/results.json "$TAP_TMP/run" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    a = b.get("artifacts", {})
    for k in list(a):
        a[k] = sys.argv[3] + "/" + a[k]
    if b["case"] == "pub-memory-s100-b1-c1":
        b["metrics"]["throughput_msgs_per_sec"] *= 0.8
        for r in b["repetitions"]:
            r["throughput_msgs_per_sec"] *= 0.8
        b["repetitions"] += [dict(r) for r in b["repetitions"]] * 2
d["git_commit"] = "synthetic"
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
	"$KPROF_BIN" compare run/results.json run2/results.json --format markdown >pr.md 2>err.txt
	is "$?" 1 "synthetic 20% drop: compare exits 1"
	grep -q 'pub/memory size=100 batch=1 clients=1 | `throughput_msgs_per_sec` .*regressed' pr.md
	check "markdown names the regressed case" test $? -eq 0
	svg=$(sed -n 's/.*\[flame diff\](\([^)]*\)).*/\1/p' pr.md | head -1)
	if [ -n "$svg" ] && [ -s "$svg" ] && grep -q '<svg' "$svg"; then
		ok "markdown links a differential flame graph: $svg"
	else
		not_ok "markdown links a differential flame graph (got '$svg'; $(cat err.txt))"
	fi
else
	skip "python3 missing: synthetic regression not built"
	skip "python3 missing"
	skip "python3 missing"
fi

"$KPROF_BIN" history add h.db run/results.json >/dev/null
is "$?" 0 "history add of a kbench run"
"$KPROF_BIN" history dashboard h.db -o dash.html 2>/dev/null && grep -q 'pub/kafka' dash.html
check "dashboard of a kbench run" test $? -eq 0

# a backend without broker is skipped with a note, never silently
cat >amqp.suite <<'S'
backends = memory amqp
count = 500
reps = 1
profile = none
[pub]
S
"$KBENCH" run --suite ./amqp.suite --out skip >skip.txt 2>skip.err
is "$?" 0 "a suite with an unavailable backend still runs the others"
grep -q '^note: amqp skipped: no broker address' skip.txt && grep -q 'kbench: note: amqp skipped' skip.err
check "the skipped backend is named on stdout and stderr" test $? -eq 0
grep -q '"amqp skipped: no broker address' skip/results.json && grep -q '"case": "pub-memory-s100-b1-c1"' skip/results.json
check "results.json carries the note and the memory case" test $? -eq 0
grep -q 'amqp skipped' skip/report.html
check "report shows the note" test $? -eq 0
done_testing
