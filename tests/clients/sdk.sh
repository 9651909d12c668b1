#!/bin/sh
# SPDX-License-Identifier: MIT
# The sdk suite end to end in its short form (bench/perf/sdk.sh --short):
# kbench runs bench/suites/sdk.suite with the C drivers and with kb-js,
# bench_connect and kb-js add channels and recovery, and `kprof clients`
# pairs C with JS. Checks that every part of the table is there (single
# publish and batches of 100, 1,000 and 10,000 over TCP and WebSocket,
# the WebSocket round trip, channels, recovery over WebSocket), each row
# with an improvement and an interval, and that no case failed. One
# RabbitMQ node with rabbitmq_web_mqtt (scripts/brokers rabbitmq-ws), or
# KPROF_TEST_AMQP, KPROF_TEST_MQTT and KPROF_TEST_MQTT_WS=HOST:PORT.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
. "$top_srcdir/tests/clients/lib.sh"
need_built "$top_builddir/bench/kbench" "$top_builddir/bench/bench_pub" "$top_builddir/bench/bench_connect" \
	"$top_builddir/bench/kb-proxy" "$KPROF_BIN"
if ! command -v node >/dev/null 2>&1 || [ ! -d "$top_builddir/clients/js/node_modules/mqtt" ]; then
	skip "sdk suite: node or the npm packages are missing (make clients-js)"
	done_testing
fi
if [ -n "${KPROF_TEST_AMQP:-}" ] && [ -n "${KPROF_TEST_MQTT:-}" ] && [ -n "${KPROF_TEST_MQTT_WS:-}" ]; then
	export AMQP=$KPROF_TEST_AMQP MQTT=$KPROF_TEST_MQTT MQTT_WS=$KPROF_TEST_MQTT_WS
fi

t0=$(date +%s)
BUILD=$top_builddir bash "$top_srcdir/bench/perf/sdk.sh" --short --out "$T/sdk" >"$T/table" 2>"$T/err"; st=$?
secs=$(($(date +%s) - t0))
if [ $st -eq 3 ]; then
	skip "sdk suite: $(tail -1 "$T/err")"
	done_testing
fi
is "$st" 0 "bench/perf/sdk.sh --short ran in $secs s"
[ $st -eq 0 ] || diag "$(tail -15 "$T/err")"

# no case failed in either kbench run
for side in c js; do
	set -- $(jget "$T/sdk/$side/results.json" 'this.benchmarks.length' \
		'this.notes.length')
	if [ "$1" = 14 ] && [ "$2" = 0 ]; then
		ok "$side: all 14 cases of the sdk suite ran"
	else
		not_ok "$side: all 14 cases of the sdk suite ran"; diag "benchmarks $1, notes $2 (failed or skipped cases)"
	fi
done

# row CASE METRIC: one table row for CASE (as kprof clients prints it)
# and METRIC with an improvement and a bootstrap interval
row() {
	if grep -E "^$1 +$2 " "$T/table" | grep -Eq '[-+][0-9.]+% \[[-+][0-9.]+%, [-+][0-9.]+%\]'; then
		ok "table: $1, $2, improvement and interval"
	else
		not_ok "table: $1, $2, improvement and interval"; diag "$(grep -E "^$1 " "$T/table" | head -3)"
	fi
}
for b in 1 100 1000 10000; do
	row "mqtt +pub size=256 batch=$b" throughput
	row "mqtt +pub size=256 batch=$b over ws" throughput
	row "amqp +pub size=256 batch=$b" throughput
done
row "mqtt +e2e size=256 batch=1 over ws" "latency p50"
row "mqtt +e2e size=256 batch=1" "latency p99"
row "amqp +channels channels=100" "heap/channel"
row "mqtt +channels channels=100" "heap/channel"
check "table: recovery over WebSocket, C and JS figures" grep -Eq '^mqtt +recovery over ws +recovery +[0-9.]+ (m?s|us) +[0-9.]+ (m?s|us) ' "$T/table"
check "table: AMQP recovery" grep -Eq '^amqp +recovery +recovery ' "$T/table"
# pairs by transport: each "over ws" and TCP throughput row holds the medians
# of the C and the JS benchmark of that transport (not the first of the
# other transport that matches otherwise)
node -e '
const fs = require("fs"), [dir] = process.argv.slice(1);
const t = JSON.parse(fs.readFileSync(dir + "/clients.json"));
const side = (f) => JSON.parse(fs.readFileSync(dir + "/" + f + "/results.json")).benchmarks;
const med = (b) => b.metrics.throughput_msgs_per_sec;
let bad = 0, n = 0;
for (const r of t.rows) {
	if (r.backend !== "mqtt" || r.metric !== "throughput_msgs_per_sec" || !/^pub /.test(r.case)) continue;
	const tr = / over ws$/.test(r.case) ? "ws" : "tcp", batch = Number(/batch=(\d+)/.exec(r.case)[1]);
	const pick = (bs) => bs.find((b) => b.backend === "mqtt" && /^pub/.test(b.name) && b.config.batch === batch &&
		(b.config.transport || "tcp") === tr);
	const c = pick(side("c")), j = pick(side("js"));
	n++;
	if (!c || !j || Math.abs(med(c) - r.a) > 1e-6 * r.a || Math.abs(med(j) - r.b) > 1e-6 * r.b) {
		bad++;
		console.log("# " + r.case + ": table " + r.a + " / " + r.b + ", results " + (c && med(c)) + " / " + (j && med(j)));
	}
}
console.log(n === 8 && !bad ? "ok" : "# rows " + n + ", mismatched " + bad);
' "$T/sdk" >"$T/pairs" 2>&1
if [ "$(tail -1 "$T/pairs")" = ok ]; then
	ok "table: every MQTT publish row pairs C and JS of the same transport"
else
	not_ok "table: every MQTT publish row pairs C and JS of the same transport"; diag "$(cat "$T/pairs")"
fi
check "markdown and JSON tables written" test -s "$T/sdk/clients.md" -a -s "$T/sdk/clients.json"
done_testing
