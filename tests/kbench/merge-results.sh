#!/bin/sh
# SPDX-License-Identifier: MIT
# kprof merge of kprof-bench/1 files: the same benchmark from two hosts
# pools its repetitions and its figures become medians over them; other
# benchmarks are kept as they are; every input is recorded; bad input and
# mixing results with profiles give a clear error and exit 2.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
K=$KPROF_BIN
cat >a.json <<'J'
{"schema":"kprof-bench/1","timestamp":"2026-01-01T00:00:00Z","git_commit":"aaa","host":{"name":"h1","cpus":2},
 "benchmarks":[
  {"name":"pub","backend":"memory","config":{"size":100,"batch":1},"metrics":{"throughput_msgs_per_sec":200,"latency_p99_ns":50,"note":"x"},
   "repetitions":[{"throughput_msgs_per_sec":100,"latency_p99_ns":40},{"throughput_msgs_per_sec":200,"latency_p99_ns":50},{"throughput_msgs_per_sec":300,"latency_p99_ns":60}]},
  {"name":"sub","backend":"memory","config":{"size":100},"metrics":{"throughput_msgs_per_sec":7},"repetitions":[{"throughput_msgs_per_sec":7}]}]}
J
cat >b.json <<'J'
{"schema":"kprof-bench/1","timestamp":"2026-01-02T00:00:00Z","git_commit":"bbb","host":{"name":"h2","cpus":4},
 "benchmarks":[
  {"name":"pub","backend":"memory","config":{"size":100,"batch":1},"metrics":{"throughput_msgs_per_sec":450,"latency_p99_ns":75},
   "repetitions":[{"throughput_msgs_per_sec":400,"latency_p99_ns":70},{"throughput_msgs_per_sec":500,"latency_p99_ns":80}]},
  {"name":"pub","backend":"memory","config":{"size":1000,"batch":1},"metrics":{"throughput_msgs_per_sec":9},"repetitions":[{"throughput_msgs_per_sec":9}]}]}
J
"$K" merge a.json b.json -o m.json
is "$?" 0 "merge of two result files exits 0"
# Flatten the fields under test with the tree's own JSON reader: kprof
# compare of the merged file against itself lists every benchmark once.
count=$(grep -c '"name": "pub"\|"name": "sub"' m.json)
is "$count" 3 "three distinct benchmarks (pub size 100 pooled, pub size 1000, sub)"
is "$(grep -c '"path":' m.json)" 2 "merged_from records both inputs"
is "$(grep -c '"merged_sources": 2' m.json)" 1 "one benchmark came from both inputs"
# Pooled: 100 200 300 400 500 -> median 300; p99 40 50 60 70 80 -> 60.
# The metrics object of the pooled benchmark (repetitions hold the same
# numbers, so read exactly that object).
metric() {
	python3 -c 'import json, sys
d = json.load(open("m.json"))
b = [b for b in d["benchmarks"] if b["name"] == "pub" and b["config"]["size"] == 100][0]
print("%g %d" % (b["metrics"][sys.argv[1]], len(b["repetitions"])))' "$1"
}
if command -v python3 >/dev/null 2>&1; then
	is "$(metric throughput_msgs_per_sec)" "300 5" "pooled throughput is the median of the 5 repetitions"
	is "$(metric latency_p99_ns)" "60 5" "pooled p99 is the median of the 5 repetitions"
else
	skip "python3 not installed (reads the merged metrics)"
	skip "python3 not installed (reads the merged metrics)"
fi
check "non-numeric metric kept" grep -q '"note": "x"' m.json
is "$(grep -c '"throughput_msgs_per_sec": 9' m.json)" 2 "a benchmark of one input only keeps its figures"
"$K" compare m.json m.json >cmp.txt 2>&1
is "$?" 0 "the merged file is read by kprof compare"
printf '{"schema":"kprof-bench/1","benchmarks":[' >trunc.json
"$K" merge a.json trunc.json -o x.json 2>err.txt
is "$?" 2 "truncated input: exit 2"
check "truncated input: the error names the file and position" grep -q 'trunc.json:1:' err.txt
check "truncated input: nothing written" [ ! -e x.json ]
printf '\037\213garbage' >p.pb.gz
"$K" merge a.json p.pb.gz -o x.json 2>err.txt
is "$?" 2 "results and a profile together: exit 2"
check "mixing is refused with a clear message" grep -q 'cannot mix' err.txt
done_testing
