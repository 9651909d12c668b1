#!/bin/sh
# SPDX-License-Identifier: MIT
# MQTT over WebSocket, C (paho.mqtt.c) and JavaScript (mqtt.js), against
# RabbitMQ's rabbitmq_web_mqtt listener started by scripts/brokers
# (rabbitmq-ws; or KPROF_TEST_MQTT_WS=HOST:PORT, path /ws): messages of
# 0, 100, 10 KiB and 1 MiB arrive intact, in order, none lost or
# duplicated; the round trip of bench_e2e over WebSocket; connection
# latency of bench_connect and kb-js over WebSocket; a WebSocket
# connection cut by kb-proxy reconnects and the recovery time is
# reported; bad addresses and an unreachable ws:// address exit 2 within
# 2 s with one line.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
. "$top_srcdir/tests/clients/lib.sh"
B="$top_builddir/bench"
need_built "$B/bench_pub" "$B/bench_sub" "$B/bench_e2e" "$B/bench_connect" "$B/kb-proxy"
JS="$top_srcdir/clients/js/kb-js.js"
export NODE_PATH="$top_builddir/clients/js/node_modules" KPROF_KB_PROXY="$B/kb-proxy"
have_js=""
if command -v node >/dev/null 2>&1 && [ -d "$NODE_PATH/mqtt" ]; then have_js=1; fi

ms() { date +%s%3N; }

# exit2 [-2] NAME CMD...: status 2, one line on stderr (-2: kb-js adds its
# usage line to a usage error), within 2 s
exit2() {
	max=1
	if [ "$1" = -2 ]; then max=2; shift; fi
	name=$1; shift
	t0=$(ms)
	"$@" >/dev/null 2>"$T/err"; st=$?
	t=$(($(ms) - t0))
	if [ $st -eq 2 ] && [ "$(wc -l <"$T/err")" -le "$max" ] && [ -s "$T/err" ] && [ $t -lt 2000 ]; then
		ok "$name: exit 2 in $t ms: $(head -1 "$T/err")"
	else
		not_ok "$name: exit 2 within 2 s with one line"; diag "status $st after $t ms" "$(cat "$T/err")"
	fi
}

# An address where nothing listens: a port of our own, closed again.
dead=$(awk 'BEGIN { srand(); print 40000 + int(rand() * 9000) }')
exit2 "C, unreachable ws:// address" "$B/bench_pub" --backend mqtt --brokers "ws://127.0.0.1:$dead/ws" --count 10 --reps 1
exit2 "C, wss:// refused" "$B/bench_pub" --backend mqtt --brokers "wss://127.0.0.1:$dead/ws" --count 10
exit2 "C, ws transport on amqp" "$B/bench_pub" --backend amqp --transport ws --count 10
exit2 "C, scheme contradicts --transport" "$B/bench_e2e" --backend mqtt --transport tcp --brokers "ws://127.0.0.1:$dead"
exit2 "C, bad --transport" "$B/bench_sub" --backend mqtt --transport quic
exit2 "bench_connect, unreachable ws:// address" "$B/bench_connect" latency --backend mqtt --transport ws \
	--brokers "127.0.0.1:$dead" --count 5
if [ -n "$have_js" ]; then
	exit2 "JS, unreachable ws:// address" node "$JS" pub --backend mqtt --brokers "ws://127.0.0.1:$dead/ws" --count 10
	exit2 -2 "JS, ws transport on amqp" node "$JS" pub --backend amqp --brokers "127.0.0.1:$dead" --transport ws
	exit2 -2 "JS, scheme contradicts --transport" node "$JS" pub --backend mqtt --transport tcp --brokers "ws://127.0.0.1:$dead"
else
	skip "JS drivers: node or the mqtt package is missing (make clients-js)"
fi

# The broker: rabbitmq-server with rabbitmq_web_mqtt.
ws=${KPROF_TEST_MQTT_WS:-}
if [ -z "$ws" ]; then
	mkdir -p "$T/rabbitmq-ws"
	port=$("$top_srcdir/scripts/brokers" start rabbitmq-ws "$T/rabbitmq-ws" 2>"$T/broker.err"); st=$?
	if [ $st -eq 3 ]; then
		skip "rabbitmq-ws: $(cat "$T/broker.err")"
		done_testing
	elif [ $st -ne 0 ]; then
		not_ok "scripts/brokers start rabbitmq-ws"; diag "$(cat "$T/broker.err")"
		"$top_srcdir/scripts/brokers" stop rabbitmq-ws "$T/rabbitmq-ws" >/dev/null 2>&1
		done_testing
	fi
	started="$started rabbitmq-ws"
	ws=127.0.0.1:$port
fi
url="ws://$ws/ws"
m='this.benchmarks[0].metrics'

# intact WHO SIZE COUNT FILE: every message once, in order, byte for byte
intact() {
	who=$1 sz=$2 want=$3 note=${5:+ (attempt $5)}
	set -- $(jget "$4" "$m.messages" "$m.lost" "$m.duplicates" "$m.reordered" "$m.corrupt" \
		'this.benchmarks[0].config.transport')
	if [ "$1" = "$want" ] && [ "$2" = 0 ] && [ "$3" = 0 ] && [ "$4" = 0 ] && [ "$5" = 0 ] && [ "$6" = ws ]; then
		ok "$who $sz-byte messages over WebSocket: $1 intact, in order, each once$note"
	else
		not_ok "$who $sz-byte messages over WebSocket intact, in order, each once"
		diag "received $1 of $want, lost $2, duplicates $3, reordered $4, corrupt $5, transport $6"
	fi
}

# paho.mqtt.c 1.3.12 keeps WebSocket frame state in globals shared by the
# connections of a process (its issue #721): with a publisher and a
# consumer of 1 MiB messages over WebSocket in one process (bench_sub) a
# frame now and then goes missing, a PUBACK with it, even with one
# message in flight; one client alone is fine (doc/clients.md). So the
# C 1 MiB case sends 10 messages, one in flight, and may take three
# attempts; the test name says how many it took.
for size in 0 100 10240 1048576; do
	n=400 win=10000 tries=1
	[ "$size" -ge 1048576 ] && n=10 win=1 tries=3
	try=1
	while :; do
		"$B/bench_sub" --backend mqtt --brokers "$url" --qos 1 --size "$size" --count "$n" --window "$win" --reps 1 \
			--warmup 0 --verify --quiet --json "$T/c-$size.json" 2>"$T/err"; st=$?
		[ $st -ne 0 ] && [ $try -lt $tries ] || break
		diag "C $size bytes, attempt $try: $(cat "$T/err")"
		try=$((try + 1))
	done
	if [ $st -eq 0 ] && [ $try -gt 1 ]; then
		intact C "$size" "$n" "$T/c-$size.json" "$try"
	elif [ $st -eq 0 ]; then
		intact C "$size" "$n" "$T/c-$size.json"
	else
		not_ok "C bench_sub over WebSocket, $size bytes ($try attempts)"; diag "$(cat "$T/err")"
	fi
	if [ -z "$have_js" ]; then
		skip "JS $size bytes: node or the mqtt package is missing"
	elif [ "$size" -lt 8 ]; then
		exit2 -2 "JS refuses $size-byte messages (the payload carries the sequence number)" \
			node "$JS" sub --backend mqtt --brokers "$url" --size "$size" --count "$n"
	elif node "$JS" sub --backend mqtt --brokers "$url" --size "$size" --count "$n" --quiet \
		--json "$T/js-$size.json" 2>"$T/err"; then
		intact JS "$size" "$n" "$T/js-$size.json"
	else
		not_ok "JS sub over WebSocket, $size bytes"; diag "$(cat "$T/err")"
	fi
done

# Round trip on a constant-rate schedule, latency from the intended send time.
if "$B/bench_e2e" --backend mqtt --brokers "$ws" --transport ws --qos 1 --rate 500 --count 500 --warmup 0.2 \
	--reps 1 --quiet --json "$T/e2e.json" 2>"$T/err"; then
	set -- $(jget "$T/e2e.json" "$m.messages" "$m.lost" "$m.latency_p50_ns" "$m.latency_p99_ns" \
		"$m.latency_uncorrected_p50_ns")
	if [ "$1" = 500 ] && [ "$2" = 0 ] && gt "$3" 0 && ! gt "$3" "$4" && number "$5"; then
		ok "C round trip over WebSocket: p50 $(($3 / 1000)) us, p99 $(($4 / 1000)) us"
	else
		not_ok "C round trip over WebSocket"; diag "messages $1 lost $2 p50 $3 p99 $4 uncorrected p50 $5"
	fi
else
	not_ok "bench_e2e over WebSocket ran"; diag "$(cat "$T/err")"
fi

# Connection establishment over WebSocket (TCP connect, HTTP upgrade, CONNACK).
# connect WHO FILE CMD...: p50 > 0, p50 <= p99, config.transport ws
connect() {
	who=$1 f=$2; shift 2
	if "$@" --json "$f" 2>"$T/err"; then
		set -- $(jget "$f" "$m.latency_p50_ns" "$m.latency_p99_ns" 'this.benchmarks[0].config.transport')
		if gt "$1" 0 && ! gt "$1" "$2" && [ "$3" = ws ]; then
			ok "$who connection over WebSocket: p50 $(awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }') ms"
		else
			not_ok "$who connection latency over WebSocket"; diag "p50 $1 p99 $2 transport $3"
		fi
	else
		not_ok "$who connection latency over WebSocket ran"; diag "$(cat "$T/err")"
	fi
}
connect C "$T/c-conn.json" "$B/bench_connect" latency --backend mqtt --brokers "$ws" --transport ws --count 10 --quiet
if [ -n "$have_js" ]; then
	connect JS "$T/js-conn.json" node "$JS" connect --backend mqtt --brokers "$url" --count 10 --quiet
else
	skip "JS connection latency: node or the mqtt package is missing"
fi

# recovery WHO FILE CMD...: a cut WebSocket reconnects, recovery time reported
recovery() {
	who=$1 f=$2; shift 2
	if "$@" --json "$f" 2>"$T/err"; then
		set -- $(jget "$f" "$m.cuts" "$m.recoveries" "$m.reconnects" "$m.lost" "$m.acked" "$m.recovery_ns" \
			'this.benchmarks[0].config.transport')
		if [ "$1" = 2 ] && gt "$2" 0 && gt "$3" 0 && [ "$4" = 0 ] && gt "$5" 0 && gt "$6" 0 && [ "$7" = ws ]; then
			ok "$who recovery over WebSocket: $1 cuts, $3 reconnects, recovery $(awk -v n="$6" 'BEGIN { printf "%.0f", n / 1e6 }') ms, $5 acked, none lost"
		else
			not_ok "$who recovery over WebSocket"
			diag "cuts $1 recoveries $2 reconnects $3 lost $4 acked $5 recovery_ns $6 transport $7"
		fi
	else
		not_ok "$who recovery over WebSocket ran"; diag "$(cat "$T/err")"
	fi
}
# paho reconnects about 2 s after a cut: cuts 3 s apart
recovery C "$T/c-rec.json" "$B/bench_connect" recovery --backend mqtt --brokers "$url" --cuts 2 --interval 3000 \
	--timeout 10 --quiet
if [ -n "$have_js" ]; then
	recovery JS "$T/js-rec.json" node "$JS" recovery --backend mqtt --brokers "$url" --cuts 2 --interval 500 --quiet
else
	skip "JS recovery: node or the mqtt package is missing"
fi

done_testing
