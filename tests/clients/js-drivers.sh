#!/bin/sh
# SPDX-License-Identifier: MIT
# The JavaScript drivers (clients/js/kb-js.js) against real brokers:
# mosquitto and rabbitmq-server started by scripts/brokers, Kafka through
# the mock cluster helper. Each mode must write valid kprof-bench/1 JSON;
# bad flags and an unreachable broker must fail with exit status 2 and one
# line. Then the C driver and the JS driver run the same workload and
# `kprof clients` builds the comparison table from the two real runs.
# Already running brokers can be given with KPROF_TEST_MQTT, KPROF_TEST_AMQP,
# KPROF_TEST_KAFKA (HOST:PORT).
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
. "$top_srcdir/tests/clients/lib.sh"
JS="$top_srcdir/clients/js/kb-js.js"
CHECK="$top_srcdir/tests/clients/check-result.js"
NODE_PATH="$top_builddir/clients/js/node_modules"; export NODE_PATH

if ! command -v node >/dev/null 2>&1; then
	skip "node is not installed (scripts/deps installs nodejs)"
	done_testing
fi
if node -e 'require("kafkajs"); require("amqplib"); require("mqtt")' 2>"$T/req.err"; then
	ok "npm packages installed in the build tree ($NODE_PATH)"
else
	not_ok "npm packages installed in the build tree (make clients-js)"; diag "$(head -3 "$T/req.err")"
	done_testing
fi

# Bad input: exit 2 and exactly one error line (plus the usage line).
expect_fail() {
	name=$1; shift
	timeout 30 node "$JS" "$@" >"$T/out" 2>"$T/err"; st=$?
	if [ $st -eq 2 ] && [ "$(grep -c '^kb-js: ' "$T/err")" -eq 1 ]; then ok "$name: exit 2, $(head -1 "$T/err")"
	else not_ok "$name"; diag "status $st" "$(cat "$T/err")"; fi
}
expect_fail "unknown backend" pub --backend nats --brokers 127.0.0.1:4222
expect_fail "bad --size" pub --backend mqtt --brokers 127.0.0.1:1883 --size lots
expect_fail "unknown flag" pub --backend mqtt --brokers 127.0.0.1:1883 --frobnicate 1
expect_fail "unreachable broker" pub --backend amqp --brokers 127.0.0.1:1 --timeout 3

run_modes() {
	be=$1 addr=$2
	for spec in "pub 2000 2" "sub 1000 1" "e2e 400 1" "connect 20 1"; do
		set -- $spec
		mode=$1 count=$2 reps=$3
		extra=""
		[ "$mode" = e2e ] && extra="--rate 2000 --warmup 0.1"
		if timeout 120 node "$JS" "$mode" --backend "$be" --brokers "$addr" --count "$count" --reps "$reps" \
			--size 256 $extra --quiet --json "$T/js-$be-$mode.json" 2>"$T/err"; then
			if out=$(node "$CHECK" "$T/js-$be-$mode.json" "$mode" "$reps" "$count"); then
				ok "js $mode/$be: valid kprof-bench/1 result"
			else
				not_ok "js $mode/$be: valid kprof-bench/1 result"; diag "$out"
			fi
		else
			not_ok "js $mode/$be ran"; diag "$(tail -3 "$T/err")"
		fi
	done
}

# js_recovery BACKEND ADDR: kb-js recovery through kb-proxy; every
# acknowledged message must reach the consumer.
KPROF_KB_PROXY="$top_builddir/bench/kb-proxy"; export KPROF_KB_PROXY
js_recovery() {
	if timeout 120 node "$JS" recovery --backend "$1" --brokers "$2" --cuts 2 --interval 400 --quiet \
		--json "$T/js-$1-rec.json" 2>"$T/err"; then
		out=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1])).benchmarks[0].metrics;
const bad=[]; if(m.cuts!==2)bad.push("cuts "+m.cuts); if(!(m.reconnects>=1&&m.recoveries>=1))bad.push("no reconnect");
if(m.lost!==0)bad.push("lost "+m.lost); if(!(m.acked>50))bad.push("acked "+m.acked); if(!(m.recovery_ns>0))bad.push("no recovery time");
console.log(bad.length?bad.join(", "):`${m.reconnects} reconnects, recovery ${(m.recovery_ns/1e6).toFixed(1)} ms, ${m.acked} acked, 0 lost`);process.exit(bad.length?1:0)' "$T/js-$1-rec.json")
		if [ $? -eq 0 ]; then ok "js recovery/$1: $out"; else not_ok "js recovery/$1"; diag "$out"; fi
	else
		not_ok "js recovery/$1 ran"; diag "$(tail -3 "$T/err")"
	fi
	if timeout 120 node "$JS" channels --backend "$1" --brokers "$2" --channels 1,100 --quiet --json "$T/js-$1-ch.json" 2>"$T/err" &&
	   node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));const b=r.benchmarks;
process.exit(r.schema==="kprof-bench/1"&&b.length===2&&b[1].config.channels===100&&Number.isFinite(b[1].metrics.heap_bytes_per_channel)?0:1)' "$T/js-$1-ch.json"; then
		ok "js channels/$1: 1 and 100 $(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).benchmarks[0].unit)' "$T/js-$1-ch.json")s measured"
	else
		not_ok "js channels/$1"; diag "$(tail -3 "$T/err")"
	fi
}

mqtt=""; amqp=""
if want_mqtt; then
	broker mosquitto KPROF_TEST_MQTT; mqtt=$addr
	if [ -n "$mqtt" ]; then run_modes mqtt "$mqtt"; js_recovery mqtt "$mqtt"; else not_ok "mosquitto started"; diag "$(cat "$T/mosquitto.err" 2>/dev/null)"; fi
fi
if want_amqp; then
	broker rabbitmq KPROF_TEST_AMQP; amqp=$addr
	if [ -n "$amqp" ]; then run_modes amqp "$amqp"; js_recovery amqp "$amqp"; else not_ok "rabbitmq-server started"; diag "$(cat "$T/rabbitmq.err" 2>/dev/null)"; fi
fi

# Kafka: librdkafka's mock cluster in its helper process.
mock_kafka
if [ -n "$kafka" ]; then
	run_modes kafka "$kafka"
else
	skip "kafka: no mock cluster helper (bench/kb-mockcluster not built)"
fi

# The comparison table from two real runs: C driver and JS driver, same
# workload, on the first broker available.
be=""; addr=""
qos=""
if [ -n "$mqtt" ]; then be=mqtt addr=$mqtt qos="--qos 1"; elif [ -n "$amqp" ]; then be=amqp addr=$amqp; fi
if [ -z "$be" ]; then
	skip "comparison table: no broker available"
else
	need_built "$top_builddir/bench/bench_pub"
	if timeout 120 "$top_builddir/bench/bench_pub" --backend "$be" --brokers "$addr" --count 2000 --size 256 \
		--reps 3 --ack $qos --json "$T/c.json" >/dev/null 2>"$T/err" &&
	   timeout 120 node "$JS" pub --backend "$be" --brokers "$addr" --count 2000 --size 256 --reps 3 --quiet \
		--json "$T/js.json" 2>>"$T/err"; then
		ok "C and JS publishers ran the same workload on $be"
		table "$T/c.json" "$T/js.json" >"$T/table" 2>"$T/err"; st=$?
		is "$st" 0 "kprof clients exits 0"
		if grep -q "^$be .*throughput .*msg/s .*msg/s .*%" "$T/table" && grep -q 'C vs JS' "$T/table"; then
			ok "table has the $be throughput row, C vs JS"
		else
			not_ok "table has the $be throughput row, C vs JS"; diag "$(cat "$T/table" "$T/err")"
		fi
		grep -q "^$be .*latency p99" "$T/table" && ok "table has latency p99" || not_ok "table has latency p99"
		grep -q '\[[-+][0-9.]*%, [-+][0-9.]*%\]' "$T/table" && ok "improvements carry a bootstrap interval" \
			|| not_ok "improvements carry a bootstrap interval"
		diag "$(cat "$T/table")"
		table "$T/c.json" "$T/js.json" --format json >"$T/table.json"
		node -e 'const t=JSON.parse(require("fs").readFileSync(process.argv[1]));if(!(t.a==="C"&&t.b==="JS"&&t.rows.length>=3))process.exit(1)' "$T/table.json" \
			&& ok "json table: C vs JS rows" || not_ok "json table: C vs JS rows"
	else
		not_ok "C and JS publishers ran"; diag "$(tail -5 "$T/err")"
	fi
fi
done_testing
