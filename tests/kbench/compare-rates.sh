#!/bin/sh
# SPDX-License-Identifier: MIT
# The error rates of the shipped CLI, end to end: two result files with 200
# benchmarks each (10 repetitions, Gaussian noise of 3%) are compared with
# `kprof compare --format json`. Identical distributions (A/A) must give at
# most 1% regressions; a 10% throughput drop must be flagged in at least 95%
# of the benchmarks. Both rates are printed.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
AWK=${AWK:-awk}

# gen FILE SEED FACTOR: 200 benchmarks, 10 repetitions of throughput each
gen() {
	$AWK -v seed="$2" -v factor="$3" 'BEGIN {
		srand(seed);
		printf "{\"schema\":\"kprof-bench/1\",\"git_commit\":\"%s\",\"benchmarks\":[", seed;
		for (b = 0; b < 200; b++) {
			printf "%s{\"name\":\"pub\",\"backend\":\"memory\",\"config\":{\"size\":%d},\"metrics\":{},\"repetitions\":[", b ? "," : "", b + 1;
			for (i = 0; i < 10; i++) {
				u = rand(); if (u < 1e-12) u = 1e-12;
				z = sqrt(-2 * log(u)) * cos(6.283185307179586 * rand());
				printf "%s{\"throughput_msgs_per_sec\":%.3f}", i ? "," : "", 1e6 * factor * (1 + 0.03 * z);
			}
			printf "]}";
		}
		print "]}";
	}' >"$1"
}
gen base.json 11 1
gen same.json 12 1
gen slow.json 13 0.9

"$KPROF_BIN" compare base.json same.json --format json >aa.json
st=$?
alarms=$(grep -c '"verdict": "regressed"' aa.json)
rows=$(grep -c '"metric": "throughput_msgs_per_sec"' aa.json)
is "$rows" 200 "A/A: 200 benchmarks compared"
diag "A/A false-alarm rate: $alarms/200"
check "A/A: $alarms false alarms in 200 (at most 2 = 1%)" test "$alarms" -le 2
if [ "$alarms" -eq 0 ]; then is "$st" 0 "A/A: exit status 0"; else is "$st" 1 "A/A: exit status 1 with an alarm"; fi

"$KPROF_BIN" compare base.json slow.json --format json >shift.json
st=$?
found=$(grep -c '"verdict": "regressed"' shift.json)
diag "10% shift detection rate: $found/200"
check "10% drop: flagged in $found of 200 (at least 190 = 95%)" test "$found" -ge 190
is "$st" 1 "10% drop: exit status 1"
grep -q '"method": "mann-whitney-exact"' shift.json
check "10 vs 10 distinct values: the exact U distribution decided" test $? -eq 0
done_testing
