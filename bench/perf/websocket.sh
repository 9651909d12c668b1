#!/bin/bash
# SPDX-License-Identifier: MIT
# websocket.sh: what MQTT over WebSocket costs against MQTT over TCP, for
# the C client (paho.mqtt.c) and the JavaScript one (mqtt.js), against one
# RabbitMQ node that serves both transports (rabbitmq_web_mqtt; started
# with scripts/brokers rabbitmq-ws, or MQTT=H:P MQTT_WS=H:P given):
# JS runs twice over WebSocket: as mqtt.js comes (its ws package offers
# permessage-deflate, RabbitMQ accepts, every frame is compressed) and
# with --ws-deflate off (frames as paho sends them).
#   - publish throughput at QoS 0 (C: until written to the socket; mqtt.js:
#     until its write callback) and QoS 1 (until PUBACK), bench_pub and
#     kb-js pub, median of REPS repetitions;
#   - round trip (bench_e2e, kb-js e2e) at RATE msg/s, latency from the
#     intended send time (no coordinated omission), p50 and p99, medians;
#   - WebSocket framing on the wire, bytes per message in each direction:
#     the C publisher through kb-proxy, bytes counted by the proxy for two
#     message counts, the difference divided by the difference of counts
#     (so the connection and WebSocket handshakes cancel out), WebSocket
#     minus TCP;
#   - allocations and bytes allocated per message of the C publisher
#     under libkalloc (count mode), WebSocket minus TCP. kb-js cannot
#     count messages for libkalloc, so there is no JavaScript figure.
# Every configuration runs in one invocation, interleaved (C and JS,
# TCP and WebSocket, QoS 0 and 1 of one round back to back), ROUNDS rounds.
# Run from the build tree:  bash SRCDIR/bench/perf/websocket.sh
# Environment: SIZE (256), COUNT (20000 messages per publish repetition),
# REPS (5), RATE (1000), E2E_COUNT (5000), ROUNDS (1), OUT (directory kept
# with every result file; default a temporary one, removed).
# Not part of `make check`: the figures depend on the machine and its load.
set -u
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-$PWD}
B=$build/bench
size=${SIZE:-256} count=${COUNT:-20000} reps=${REPS:-5} rate=${RATE:-1000} e2e=${E2E_COUNT:-5000}
rounds=${ROUNDS:-1}
KALLOC=$build/preload/.libs/libkalloc.so
die() { echo "websocket.sh: $1" >&2; exit "${2:-1}"; }
for p in "$B/bench_pub" "$B/bench_e2e" "$B/kb-proxy" "$KALLOC"; do
	[ -e "$p" ] || die "run from the build tree ($p is missing)" 2
done
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read the result files" 2
js=""
if command -v node >/dev/null 2>&1 && [ -d "$build/clients/js/node_modules/mqtt" ]; then
	js=$src/clients/js/kb-js.js
	export NODE_PATH=$build/clients/js/node_modules
else
	echo "websocket.sh: no node or mqtt.js (make clients-js): C figures only" >&2
fi

if [ -n "${OUT:-}" ]; then T=$OUT; mkdir -p "$T" || exit 2; keep=1; else T=$(mktemp -d /tmp/kprof-ws.XXXXXX); keep=0; fi
started=""
cleanup() {
	[ -n "$started" ] && "$src/scripts/brokers" stop rabbitmq-ws "$T/broker" >/dev/null 2>&1
	[ $keep -eq 1 ] || rm -rf "$T"
}
trap cleanup EXIT
if [ -z "${MQTT:-}" ] || [ -z "${MQTT_WS:-}" ]; then
	echo "websocket.sh: starting RabbitMQ with rabbitmq_web_mqtt ..." >&2
	ws=$("$src/scripts/brokers" start rabbitmq-ws "$T/broker" 2>"$T/broker.err") ||
		{ "$src/scripts/brokers" stop rabbitmq-ws "$T/broker" >/dev/null 2>&1; die "$(cat "$T/broker.err")"; }
	started=1
	MQTT=127.0.0.1:$(cat "$T/broker/mqtt_port") MQTT_WS=127.0.0.1:$ws
fi

# get FILE KEY...: metrics of the first benchmark, one per line ("nan" when absent)
get() {
	python3 - "$@" <<'EOF'
import json, sys
try:
    m = json.load(open(sys.argv[1]))["benchmarks"][0]["metrics"]
except Exception:
    m = {}
for k in sys.argv[2:]:
    print(m.get(k, "nan"))
EOF
}
# med V...: median of the numbers given
med() { printf '%s\n' "$@" | grep -v nan | sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
addr() { [ "$1" = ws ] && echo "$MQTT_WS" || echo "$MQTT"; }
ack() { [ "$1" = 1 ] && echo --ack; }

declare -A thr p50 p99
langs="c"
[ -n "$js" ] && langs="c js jsraw" # jsraw: kb-js --ws-deflate off
dfl() { [ "$1" = jsraw ] && echo "--ws-deflate off"; }
for round in $(seq "$rounds"); do
	for q in 0 1; do
		for tr in tcp ws; do
			for l in $langs; do
				[ $l = jsraw ] && [ $tr = tcp ] && continue # the same as js
				k=$l-$tr-$q-$round
				echo "websocket.sh: round $round: $l over $tr, QoS $q" >&2
				if [ $l = c ]; then
					"$B/bench_pub" --backend mqtt --brokers "$(addr $tr)" --transport $tr --qos $q $(ack $q) \
						--size "$size" --count "$count" --reps "$reps" --warmup 0.5 --quiet --json "$T/pub-$k.json"
					"$B/bench_e2e" --backend mqtt --brokers "$(addr $tr)" --transport $tr --qos $q --size "$size" \
						--rate "$rate" --count "$e2e" --reps "$reps" --warmup 0.5 --quiet --json "$T/e2e-$k.json"
				else
					node "$js" pub --backend mqtt --brokers "$(addr $tr)" --transport $tr --qos $q --size "$size" \
						$(dfl $l) --count "$count" --reps "$reps" --quiet --json "$T/pub-$k.json"
					node "$js" e2e --backend mqtt --brokers "$(addr $tr)" --transport $tr --qos $q --size "$size" \
						$(dfl $l) --rate "$rate" --count "$e2e" --reps "$reps" --quiet --json "$T/e2e-$k.json"
				fi
			done
		done
	done
done
for q in 0 1; do
	for tr in tcp ws; do
		for l in $langs; do
			a=() b=() c=()
			for round in $(seq "$rounds"); do
				k=$l-$tr-$q-$round
				[ $l = jsraw ] && [ $tr = tcp ] && k=js-$tr-$q-$round
				a+=("$(get "$T/pub-$k.json" throughput_msgs_per_sec)")
				{ read -r x; read -r y; } < <(get "$T/e2e-$k.json" latency_p50_ns latency_p99_ns)
				b+=("$x") c+=("$y")
			done
			thr[$l-$tr-$q]=$(med "${a[@]}") p50[$l-$tr-$q]=$(med "${b[@]}") p99[$l-$tr-$q]=$(med "${c[@]}")
		done
	done
done

# Wire bytes per message through kb-proxy (QoS 1).
wire() { # wire LANG TR N: "UP DOWN" bytes through the proxy for N messages
	local out
	coproc PROXY { "$B/kb-proxy" --target "$(addr "$2")"; }
	read -r out <&"${PROXY[0]}"
	local via=${out#listening }
	if [ "$1" = c ]; then
		"$B/bench_pub" --backend mqtt --brokers "$via" --transport "$2" --qos 1 --ack --size "$size" --count "$3" \
			--reps 1 --warmup 0 --quiet --json "$T/wire-$1-$2-$3.json"
	else
		node "$js" pub --backend mqtt --brokers "$via" --transport "$2" --qos 1 --size "$size" --count "$3" $(dfl "$1") \
			--reps 1 --warmup 0 --quiet --json "$T/wire-$1-$2-$3.json"
	fi || echo "websocket.sh: wire $1 $2 $3 failed" >&2
	echo stats >&"${PROXY[1]}"
	read -r out <&"${PROXY[0]}"
	echo quit >&"${PROXY[1]}"
	wait "$PROXY_PID" 2>/dev/null
	out=${out#*bytes_up=}
	echo "${out%% *} $(echo "$out" | sed 's/.*bytes_down=\([0-9]*\).*/\1/')"
}
declare -A up down
for l in $langs; do
	for tr in tcp ws; do
		[ $l = jsraw ] && [ $tr = tcp ] && { up[$l-$tr]=${up[js-tcp]} down[$l-$tr]=${down[js-tcp]}; continue; }
		read -r u1 d1 < <(wire $l $tr 1000)
		read -r u2 d2 < <(wire $l $tr 3000)
		up[$l-$tr]=$(awk -v a="$u1" -v b="$u2" 'BEGIN { printf "%.2f", (b - a) / 2000 }')
		down[$l-$tr]=$(awk -v a="$d1" -v b="$d2" 'BEGIN { printf "%.2f", (b - a) / 2000 }')
	done
done

# Allocations per message under libkalloc (C publisher).
declare -A apm bpm
for q in 0 1; do
	for tr in tcp ws; do
		KALLOC_MODE=count KALLOC_QUIET=1 KALLOC_OUT=$T/ka-$tr-$q LD_PRELOAD=$KALLOC \
			"$B/bench_pub" --backend mqtt --brokers "$(addr $tr)" --transport $tr --qos $q $(ack $q) --size "$size" \
			--count "$count" --reps 3 --warmup 0.5 --quiet --json "$T/ka-$tr-$q.json"
		{ read -r apm[$tr-$q]; read -r bpm[$tr-$q]; } < <(get "$T/ka-$tr-$q.json" allocs_per_msg bytes_per_msg)
	done
done

fmt_thr() { awk -v v="$1" 'BEGIN { if (v == "nan") print "n/a"; else printf "%.0f", v }'; }
fmt_us() { awk -v v="$1" 'BEGIN { if (v == "nan") print "n/a"; else printf "%.0f", v / 1000 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "n/a"; else printf "%+.1f%%", (a / b - 1) * 100 }'; }
echo
echo "MQTT over TCP and over WebSocket, RabbitMQ $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo '?')" \
	"(one node, both listeners), $size-byte messages, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
echo "publish: $count messages x $reps repetitions; round trip: $e2e messages at $rate msg/s x $reps; medians over $rounds round(s)"
echo
echo "| client | QoS | publish msg/s TCP | WS | WS vs TCP | round trip p50 us TCP | WS | p99 us TCP | WS |"
echo "|---|---|---|---|---|---|---|---|---|"
for l in $langs; do
	name=C; [ $l = js ] && name=JS; [ $l = jsraw ] && name="JS, deflate off"
	for q in 0 1; do
		echo "| $name | $q | $(fmt_thr "${thr[$l-tcp-$q]}") | $(fmt_thr "${thr[$l-ws-$q]}") |" \
			"$(pct "${thr[$l-ws-$q]}" "${thr[$l-tcp-$q]}") | $(fmt_us "${p50[$l-tcp-$q]}") | $(fmt_us "${p50[$l-ws-$q]}") |" \
			"$(fmt_us "${p99[$l-tcp-$q]}") | $(fmt_us "${p99[$l-ws-$q]}") |"
	done
done
if [ -n "$js" ]; then
	echo
	echo "| C vs JS (C/JS - 1) | QoS | publish TCP | publish WS | WS, deflate off | round trip p50 TCP | p50 WS | WS, deflate off |"
	echo "|---|---|---|---|---|---|---|---|"
	for q in 0 1; do
		echo "| C/JS - 1 | $q | $(pct "${thr[c-tcp-$q]}" "${thr[js-tcp-$q]}") | $(pct "${thr[c-ws-$q]}" "${thr[js-ws-$q]}") |" \
			"$(pct "${thr[c-ws-$q]}" "${thr[jsraw-ws-$q]}") | $(pct "${p50[c-tcp-$q]}" "${p50[js-tcp-$q]}") |" \
			"$(pct "${p50[c-ws-$q]}" "${p50[js-ws-$q]}") | $(pct "${p50[c-ws-$q]}" "${p50[jsraw-ws-$q]}") |"
	done
fi
echo
echo "WebSocket framing, publisher at QoS 1, bytes on the wire per message (WebSocket minus TCP):"
for l in $langs; do
	name=C; [ $l = js ] && name=JS; [ $l = jsraw ] && name="JS, deflate off"
	echo "  $name client->broker: TCP ${up[$l-tcp]}, WS ${up[$l-ws]}, framing" \
		"$(awk -v a="${up[$l-ws]}" -v b="${up[$l-tcp]}" 'BEGIN { printf "%+.2f", a - b }');" \
		"broker->client: TCP ${down[$l-tcp]}, WS ${down[$l-ws]}, framing" \
		"$(awk -v a="${down[$l-ws]}" -v b="${down[$l-tcp]}" 'BEGIN { printf "%+.2f", a - b }')"
done
echo "C publisher under libkalloc (count mode), per message:"
for q in 0 1; do
	echo "  QoS $q: allocations/message TCP ${apm[tcp-$q]}, WS ${apm[ws-$q]};" \
		"bytes allocated/message TCP ${bpm[tcp-$q]}, WS ${bpm[ws-$q]}"
done
[ $keep -eq 1 ] && echo "websocket.sh: result files in $T" >&2
exit 0
