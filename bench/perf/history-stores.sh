#!/bin/bash
# SPDX-License-Identifier: MIT
# history-stores.sh: the two history stores side by side, in one run,
# interleaved round by round:
#   add   `kprof history add` of one result with 1,000 metrics (100
#         benchmarks x 10 metrics x 5 repetitions) into a store that holds
#         a few runs already (--force: every round adds a run)
#   show  `kprof history show --last 100` of a store of 10,000 runs (2
#         benchmarks x 3 metrics each, made with history add and copied to
#         PostgreSQL with history copy)
# SQLite is a file in a temporary directory; PostgreSQL a private server
# (scripts/pgserver) on 127.0.0.1 with its default durability (fsync on),
# reached over TCP with a password, one connection per command as in CI.
# Prints per store the median and spread of ROUNDS timings, and the ratio
# PostgreSQL/SQLite.
# Run from the build tree:  bash SRCDIR/bench/perf/history-stores.sh [ROUNDS]
# Not part of `make check`: figures depend on the machine and its load.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-$PWD}
rounds=${1:-11}
K=$build/analyze/kprof
PGS=$src/scripts/pgserver
[ -x "$K" ] || { echo "history-stores.sh: run from the build tree (no $K)" >&2; exit 2; }
case $rounds in '' | *[!0-9]* | 0) echo "history-stores.sh: ROUNDS: expected a positive number" >&2; exit 2 ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kprof-hstores.XXXXXX")
trap '"$PGS" stop "$tmp/server" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
cd "$tmp" || exit 1
"$PGS" start server >/dev/null || exit 1
eval "$("$PGS" env server | sed 's/^/export /')"
psql -X -q -d postgres -c 'CREATE DATABASE adds' -c 'CREATE DATABASE shows' || exit 1
unset GITHUB_HEAD_REF GITHUB_REF_NAME CI_COMMIT_REF_NAME RUNNER_NAME CI_RUNNER_DESCRIPTION KPROF_HISTORY_URL

# big.json: 100 benchmarks x 10 metrics
awk 'BEGIN {
	srand(1);
	split("throughput_msgs_per_sec bytes_per_sec latency_p50_ns latency_p90_ns latency_p95_ns latency_p99_ns latency_p999_ns latency_max_ns cpu_usage_percent peak_rss_bytes", m, " ");
	printf "{\"schema\":\"kprof-bench/1\",\"timestamp\":\"2027-03-01T00:00:00Z\",\"git_commit\":\"%040d\",\"host\":{\"hostname\":\"perf\"},\"benchmarks\":[", 1;
	for (b = 0; b < 100; b++) {
		printf "%s{\"name\":\"pub\",\"backend\":\"memory\",\"config\":{\"size\":%d,\"batch\":1,\"clients\":1},\"metrics\":{", (b ? "," : ""), 100 + b;
		for (k = 1; k <= 10; k++) printf "%s\"%s\":%.1f", (k > 1 ? "," : ""), m[k], 1000 + k * 100 + b;
		printf "},\"repetitions\":[";
		for (r = 0; r < 5; r++) {
			printf "%s{", (r ? "," : "");
			for (k = 1; k <= 10; k++) printf "%s\"%s\":%.1f", (k > 1 ? "," : ""), m[k], (1000 + k * 100 + b) * (1 + 0.01 * rand());
			printf "}";
		}
		printf "]}";
	}
	print "]}";
}' >big.json
# 10,000 small runs
mkdir runs
awk 'BEGIN {
	srand(2);
	for (r = 1; r <= 10000; r++) {
		f = sprintf("runs/r%05d.json", r);
		printf("{\"schema\":\"kprof-bench/1\",\"timestamp\":\"2027-%02d-%02dT%02d:%02d:%02dZ\",\"git_commit\":\"%040d\",\"host\":{\"hostname\":\"ci\"},\"benchmarks\":[", 1 + int(r / 3600) % 12, 1 + int(r / 1440) % 28, int(r / 60) % 24, r % 60, int(r / 7) % 60, r) > f;
		for (b = 0; b < 2; b++) {
			printf("%s{\"name\":\"pub\",\"backend\":\"%s\",\"config\":{\"size\":100,\"batch\":1,\"clients\":1},\"metrics\":{\"throughput_msgs_per_sec\":%.1f,\"latency_p99_ns\":%.1f,\"bytes_per_msg\":180},\"repetitions\":[", (b ? "," : ""), (b ? "kafka" : "memory"), 1e6 - b * 7e5, 5000 + b * 80000) > f;
			for (i = 0; i < 5; i++) printf("%s{\"throughput_msgs_per_sec\":%.1f,\"latency_p99_ns\":%.1f}", (i ? "," : ""), (1e6 - b * 7e5) * (1 + 0.01 * rand()), (5000 + b * 80000) * (1 + 0.01 * rand())) > f;
			printf "]}" > f;
		}
		print "]}" > f;
		close(f);
	}
}'
echo "filling the 10,000-run stores..." >&2
ls runs/*.json | xargs -n 2000 "$K" history add shows.db >/dev/null || exit 1
"$K" history copy shows.db postgresql:///shows >/dev/null || exit 1
"$K" history add adds.db big.json >/dev/null && "$K" history add postgresql:///adds big.json >/dev/null || exit 1

now() { date +%s%N; }
# time_ms CMD...: wall milliseconds of one run (output discarded)
time_ms() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1 || { echo "history-stores.sh: failed: $*" >&2; exit 1; }
	t1=$(now)
	echo $(((t1 - t0) / 1000))
}
: >add.sqlite; : >add.pg; : >show.sqlite; : >show.pg
for ((i = 0; i < rounds; i++)); do
	time_ms "$K" history add adds.db big.json --force >>add.sqlite
	time_ms "$K" history add postgresql:///adds big.json --force >>add.pg
	time_ms "$K" history show shows.db --last 100 >>show.sqlite
	time_ms "$K" history show postgresql:///shows --last 100 >>show.pg
done
# stats FILE: median min max in ms (input in µs)
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%8.1f %8.1f %8.1f", v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000 }'; }
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '%-44s %-10s %8s %8s %8s\n' "operation ($rounds rounds, interleaved)" store "median" "min" "max"
for op in add show; do
	name=$([ $op = add ] && echo "history add, 1,000 metrics" || echo "history show --last 100, 10,000 runs")
	printf '%-44s %-10s %s ms\n' "$name" SQLite "$(stats $op.sqlite)"
	printf '%-44s %-10s %s ms\n' "" PostgreSQL "$(stats $op.pg)"
	printf '%-44s %-10s %8s\n' "" "PG/SQLite" "$(awk -v a="$(med $op.pg)" -v b="$(med $op.sqlite)" 'BEGIN { printf "%.2f", a / b }')"
done
