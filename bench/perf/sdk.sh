#!/bin/bash
# SPDX-License-Identifier: MIT
# sdk.sh: the C drivers against the JavaScript SDKs (clients/js), end to
# end, ending in the `kprof clients` table:
#   1. kbench runs bench/suites/sdk.suite twice, with the C drivers
#      (BUILD/bench) and with kb-js (BUILD/clients/js/bin): publishing
#      with acknowledgements one at a time and in batches of 100, 1,000
#      and 10,000 (MQTT over TCP and over WebSocket, AMQP), and the MQTT
#      round trip over both transports;
#   2. memory per channel for 1,000 channels (AMQP channels, MQTT
#      subscriptions): bench_connect channels and kb-js channels;
#   3. recovery after kb-proxy cuts the connection (AMQP, MQTT over
#      WebSocket): bench_connect recovery and kb-js recovery;
#   4. kprof merge pools each side, kprof clients pairs them (A = C,
#      B = JS: improvement > 0 means the C client is better).
# One RabbitMQ node with rabbitmq_web_mqtt serves AMQP, MQTT over TCP and
# MQTT over WebSocket (scripts/brokers rabbitmq-ws), or give AMQP=H:P
# MQTT=H:P MQTT_WS=H:P. Run from the build tree:
#   bash SRCDIR/bench/perf/sdk.sh [--short] [--no-profile] [--out DIR]
# --short: the same suite with 100 messages per repetition, 3
# repetitions, no profiling passes, 100 channels and one cut (make check
# runs it: tests/clients/sdk.sh). Without --short the suite's own figures
# (3 s per repetition, 5 repetitions, libkalloc and libksamp passes) and
# 5 cuts: about 40 minutes on two cores; --no-profile leaves out the
# libkalloc and libksamp passes (about 15 minutes).
# Exit status: 0 the table was written (DIR/clients.txt, clients.md,
# clients.json); 1 a step failed; 2 usage or missing parts; 3 the broker
# or node is not installed.
set -u
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-$PWD}
short=0 out=sdk-results noprof=0
die() { echo "sdk.sh: $1" >&2; exit "${2:-1}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=1 ;;
	--no-profile) noprof=1 ;;
	--out) [ $# -ge 2 ] || die "--out needs a directory" 2; out=$2; shift ;;
	-h | --help) sed -n '3,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (--short, --no-profile, --out DIR)" 2 ;;
	esac
	shift
done
B=$build/bench KPROF=$build/analyze/kprof JSBIN=$build/clients/js/bin
for p in "$B/kbench" "$B/bench_pub" "$B/bench_connect" "$B/kb-proxy" "$KPROF"; do
	[ -x "$p" ] || die "run from the build tree ($p is missing)" 2
done
command -v node >/dev/null 2>&1 || die "node is not installed" 3
[ -x "$JSBIN/bench_pub" ] && [ -d "$build/clients/js/node_modules/mqtt" ] ||
	die "the JavaScript drivers are not installed (make clients-js)" 2
export NODE_PATH=$build/clients/js/node_modules KPROF_KB_PROXY=$B/kb-proxy
JS=$src/clients/js/kb-js.js
mkdir -p "$out" || die "cannot create $out" 2
out=$(cd "$out" && pwd)

started=""
cleanup() { [ -n "$started" ] && "$src/scripts/brokers" stop rabbitmq-ws "$out/broker" >/dev/null 2>&1; }
trap cleanup EXIT
if [ -z "${AMQP:-}" ] || [ -z "${MQTT:-}" ] || [ -z "${MQTT_WS:-}" ]; then
	echo "sdk.sh: starting RabbitMQ with rabbitmq_web_mqtt ..." >&2
	ws=$("$src/scripts/brokers" start rabbitmq-ws "$out/broker" 2>"$out/broker.err"); st=$?
	[ $st -eq 3 ] && die "$(cat "$out/broker.err")" 3
	[ $st -eq 0 ] || { "$src/scripts/brokers" stop rabbitmq-ws "$out/broker" >/dev/null 2>&1; die "$(cat "$out/broker.err")"; }
	started=1
	AMQP=127.0.0.1:$(cat "$out/broker/port") MQTT=127.0.0.1:$(cat "$out/broker/mqtt_port") MQTT_WS=127.0.0.1:$ws
fi
echo "sdk.sh: amqp $AMQP, mqtt $MQTT, mqtt over WebSocket ws://$MQTT_WS/ws" >&2

suite=$src/bench/suites/sdk.suite
kb=(--broker "amqp=$AMQP" --broker "mqtt=$MQTT" --broker "mqtt-ws=$MQTT_WS")
reps=5 channels=1000 cuts=5 wsgap=3000
[ $noprof -eq 1 ] && kb+=(--no-profile)
if [ $short -eq 1 ]; then
	sed -e 's/^duration = .*/count = 100/' -e 's/^warmup = .*/warmup = 0/' -e 's/^reps = .*/reps = 3/' \
		"$suite" >"$out/sdk-short.suite"
	suite=$out/sdk-short.suite
	[ $noprof -eq 1 ] || kb+=(--no-profile)
	reps=3 channels=100 cuts=1 wsgap=1000 # one cut: the gap only delays it
fi

failed=0
step() { # step NAME CMD...: run, log to DIR/NAME.log
	name=$1; shift
	echo "sdk.sh: $name" >&2
	if ! "$@" >"$out/$name.log" 2>&1; then
		echo "sdk.sh: $name failed:" >&2
		tail -5 "$out/$name.log" >&2
		failed=1
		return 1
	fi
}

step kbench-c "$B/kbench" run --suite "$suite" --bindir "$B" --out "$out/c" "${kb[@]}"
step kbench-js "$B/kbench" run --suite "$suite" --bindir "$JSBIN" --out "$out/js" "${kb[@]}"

# Memory per channel and recovery: bench_connect (C) and kb-js (JS), the
# same procedures; repetitions pooled by kprof merge (fixed topics, so
# that the configurations match).
cfiles=("$out/c/results.json") jfiles=("$out/js/results.json")
for be in amqp mqtt; do
	[ $be = amqp ] && addr=$AMQP || addr=$MQTT
	for r in $(seq "$reps"); do
		step "channels-c-$be-$r" "$B/bench_connect" channels --backend $be --brokers "$addr" --topic kb-sdk-ch \
			--channels "$channels" --quiet --json "$out/channels-c-$be-$r.json" &&
			cfiles+=("$out/channels-c-$be-$r.json")
	done
	step "channels-js-$be" node "$JS" channels --backend $be --brokers "$addr" --topic kb-sdk-ch \
		--channels "$channels" --reps "$reps" --quiet --json "$out/channels-js-$be.json" &&
		jfiles+=("$out/channels-js-$be.json")
done
# recovery: AMQP, and MQTT over WebSocket; cuts 3 s apart (paho.mqtt.c
# reconnects about 2 s after a cut)
for be in amqp mqtt; do
	if [ $be = amqp ]; then set -- --backend amqp --brokers "$AMQP" --interval 500
	else set -- --backend mqtt --brokers "ws://$MQTT_WS/ws" --interval "$wsgap"; fi
	step "recovery-c-$be" "$B/bench_connect" recovery "$@" --cuts "$cuts" --topic kb-sdk-rec-c \
		--quiet --json "$out/recovery-c-$be.json" && cfiles+=("$out/recovery-c-$be.json")
	step "recovery-js-$be" node "$JS" recovery "$@" --cuts "$cuts" --topic kb-sdk-rec-js \
		--quiet --json "$out/recovery-js-$be.json" && jfiles+=("$out/recovery-js-$be.json")
done

step merge-c "$KPROF" merge "${cfiles[@]}" -o "$out/c.json"
step merge-js "$KPROF" merge "${jfiles[@]}" -o "$out/js.json"
for f in text markdown json; do
	ext=$f; [ $f = text ] && ext=txt; [ $f = markdown ] && ext=md
	step "clients-$ext" "$KPROF" clients "$out/c.json" "$out/js.json" --format $f && cp "$out/clients-$ext.log" "$out/clients.$ext"
done
[ -s "$out/clients.txt" ] && cat "$out/clients.txt"
echo "sdk.sh: results in $out (c.json, js.json, clients.txt, clients.md, clients.json)" >&2
exit $failed
