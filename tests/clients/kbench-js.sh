#!/bin/sh
# SPDX-License-Identifier: MIT
# The JavaScript drivers under kbench: the same suite runs once with the C
# drivers (--bindir bench) and once with kb-js (--bindir clients/js/bin,
# the wrappers make generates), on the Kafka mock cluster; both results
# files are kprof-bench/1 and `kprof clients` pairs their cases.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
T=$TAP_TMP
KB="$top_builddir/bench/kbench"
. "$top_srcdir/tests/clients/lib.sh"
if ! command -v node >/dev/null 2>&1; then
	skip "node is not installed (scripts/deps installs nodejs)"
	done_testing
fi
if [ ! -x "$top_builddir/bench/kb-mockcluster" ]; then
	skip "kafka: bench/kb-mockcluster not built (librdkafka missing)"
	done_testing
fi
cat >"$T/clients.suite" <<'SUITE'
name = clients
description = C and JavaScript publishers, Kafka mock cluster
backends = kafka
sizes = 256
batches = 10
clients = 1
features = ack
count = 500
reps = 3
profile = none
timeout = 60

[pub]
SUITE
for side in c js; do
	case $side in c) bindir="$top_builddir/bench" ;; js) bindir="$top_builddir/clients/js/bin" ;; esac
	if timeout 180 "$KB" run --suite "$T/clients.suite" --out "$T/$side" --bindir "$bindir" --no-profile \
		>"$T/$side.out" 2>&1 && [ -s "$T/$side/results.json" ]; then
		ok "kbench ran the $side drivers"
	else
		not_ok "kbench ran the $side drivers"; diag "$(tail -15 "$T/$side.out")"
	fi
done
n=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
const b=r.benchmarks.filter(x => x.name === "pub/kafka/js" && x.metrics.throughput_msgs_per_sec > 0 && x.repetitions.length === 3);
console.log(r.schema === "kprof-bench/1" ? b.length : -1)' "$T/js/results.json" 2>&1)
is "$n" 1 "kbench results.json holds the JS case with 3 repetitions"
if table "$T/c/results.json" "$T/js/results.json" >"$T/table" 2>"$T/err"; then
	grep -q '^kafka .*pub size=256 batch=10 .*throughput' "$T/table" && grep -q 'C vs JS' "$T/table" \
		&& ok "kprof clients pairs the kbench runs: kafka pub C vs JS" \
		|| { not_ok "kprof clients pairs the kbench runs"; diag "$(cat "$T/table")"; }
	diag "$(cat "$T/table")"
else
	not_ok "kprof clients on the two kbench runs"; diag "$(cat "$T/err")"
fi
done_testing
