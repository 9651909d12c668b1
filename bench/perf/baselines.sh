#!/bin/bash
# SPDX-License-Identifier: MIT
# baselines.sh: how much the benchmark harness costs over the plainest use
# of each client library. For every broker available it runs, interleaved,
# N rounds of
#   bench_pub --backend B (one publisher, no acks, COUNT messages)
#   the simplest publish loop of the same library sending the same number
#   of messages of the same size on the wire (bench_pub's 100-byte payload
#   plus its header: the size is taken from bench_pub's JSON)
# and prints the median and spread of each side and the ratio
# harness/baseline (1.0 = the harness publishes as fast as the bare loop).
#   kafka: bench_pub vs kcat (or kafkacat) -P, against the same
#          kb-mockcluster; kcat's figure includes its start-up and metadata
#          round trip (~10 ms), so it is timed over many messages
#   amqp:  bench_pub vs bench/baseline-amqp on a private rabbitmq-server
#   mqtt:  bench_pub vs bench/baseline-mqtt (QoS 0) on a private mosquitto
# Run from the build tree:  bash SRCDIR/bench/perf/baselines.sh [ROUNDS]
# (bash: arrays and here-strings; started with sh, it runs itself again
# under bash)
# Environment: KAFKA_COUNT (200000), AMQP_COUNT (50000), MQTT_COUNT
# (50000), SIZE (100), BACKENDS ("kafka amqp mqtt").
# Not part of `make check`: figures depend on the machine and its load.
set -u
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-$PWD}
rounds=${1:-5}
size=${SIZE:-100}
B=$build/bench
BROKERS=$src/scripts/brokers
[ -x "$B/bench_pub" ] || { echo "baselines.sh: run from the build tree (no $B/bench_pub)" >&2; exit 2; }
case $rounds in '' | *[!0-9]* | 0) echo "baselines.sh: ROUNDS: expected a positive number" >&2; exit 2 ;; esac

T=$(mktemp -d /tmp/kprof-baselines.XXXXXX)
mc_pid= rmq= mqt=
cleanup() {
	[ -n "$mc_pid" ] && { exec 7>&-; kill "$mc_pid" 2>/dev/null; wait "$mc_pid" 2>/dev/null; }
	[ -n "$rmq" ] && "$BROKERS" stop rabbitmq "$T/rmq" >/dev/null 2>&1
	[ -n "$mqt" ] && "$BROKERS" stop mosquitto "$T/mqt" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# jnum FILE KEY: the first numeric KEY in a bench JSON
jnum() { sed -n "s/.*\"$2\": *\([-0-9.eE+]*\).*/\1/p" "$1" | head -1; }
now() { date +%s.%N; }
# stats V...: "median min max"
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.0f %.0f %.0f", m, v[1], v[NR]}'; }

# pub BACKEND ADDR COUNT: one bench_pub run; prints msg/s
pub() {
	"$B/bench_pub" --backend "$1" --brokers "$2" --topic kprof-baseline --size "$size" --count "$3" \
		--warmup 0 --reps 1 --quiet --json "$T/pub.json" >"$T/pub.out" 2>&1 || {
		echo "baselines.sh: bench_pub --backend $1 failed:" >&2
		cat "$T/pub.out" >&2
		return 1
	}
	jnum "$T/pub.json" throughput_msgs_per_sec
}

rows=()
# compare NAME BASELINE-FUNCTION BACKEND ADDR COUNT
compare() {
	local name=$1 basefn=$2 be=$3 addr=$4 count=$5 h b hs=() bs=() i
	wire=$size
	for ((i = 1; i <= rounds; i++)); do
		# alternate which side goes first, so drift in load hits both
		if ((i % 2)); then
			h=$(pub "$be" "$addr" "$count") || return 1
			wire=$(jnum "$T/pub.json" message_bytes)
			b=$($basefn "$addr" "$count" "$wire") || return 1
		else
			b=$($basefn "$addr" "$count" "$wire") || return 1
			h=$(pub "$be" "$addr" "$count") || return 1
		fi
		hs+=("$h") bs+=("$b")
		printf '  %-6s round %d/%d: bench_pub %.0f msg/s, %s %s msg/s\n' "$be" "$i" "$rounds" "$h" "$name" "$b" >&2
	done
	read -r hm hlo hhi <<<"$(stats "${hs[@]}")"
	read -r bm blo bhi <<<"$(stats "${bs[@]}")"
	rows+=("$(printf '%-6s %-16s %6d %5d %10d %19s %10d %19s %6.2f' "$be" "$name" "$count" "$wire" \
		"$hm" "$hlo..$hhi" "$bm" "$blo..$bhi" "$(awk "BEGIN{print $hm / $bm}")")")
}

base_kcat() {
	local t0 t1
	awk -v n="$2" -v s="$3" 'BEGIN{l=sprintf("%*s", s, ""); gsub(/ /, "x", l); for (i = 0; i < n; i++) print l}' >"$T/lines"
	t0=$(now)
	"$KCAT" -P -b "$1" -t kprof-baseline -p 0 <"$T/lines" 2>"$T/kcat.err" || {
		echo "baselines.sh: $KCAT failed: $(head -1 "$T/kcat.err")" >&2
		return 1
	}
	t1=$(now)
	awk "BEGIN{printf \"%.0f\", $2 / ($t1 - $t0)}"
}
base_prog() { # base_prog PROG ADDR COUNT SIZE
	local out
	out=$("$B/$1" "$2" "$3" "$4") || { echo "baselines.sh: $1 failed" >&2; return 1; }
	awk '{print $(NF-1)}' <<<"$out"
}
base_amqp() { base_prog baseline-amqp "$@"; }
base_mqtt() { base_prog baseline-mqtt "$@"; }

echo "baselines.sh: $rounds interleaved rounds per backend, $size-byte payloads, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for be in ${BACKENDS:-kafka amqp mqtt}; do
	case $be in
	kafka)
		KCAT=$(command -v kcat || command -v kafkacat || true)
		if [ -z "$KCAT" ] || [ ! -x "$B/kb-mockcluster" ]; then
			echo "baselines.sh: kafka skipped (no kcat/kafkacat or no kb-mockcluster)" >&2
			continue
		fi
		# the mock cluster serves until its stdin (fd 7 here) closes
		mkfifo "$T/mc.in" || exit 1
		"$B/kb-mockcluster" <"$T/mc.in" >"$T/mc.out" 2>"$T/mc.err" &
		mc_pid=$!
		exec 7>"$T/mc.in"
		for ((i = 0; i < 100; i++)); do [ -s "$T/mc.out" ] && break; sleep 0.1; done
		addr=$(head -1 "$T/mc.out")
		[ -n "$addr" ] || { echo "baselines.sh: kb-mockcluster printed no address: $(cat "$T/mc.err")" >&2; exit 1; }
		echo "topic kprof-baseline 1" >&7
		for ((i = 0; i < 100; i++)); do [ "$(sed -n 2p "$T/mc.out")" ] && break; sleep 0.1; done
		[ "$(sed -n 2p "$T/mc.out")" = ok ] || { echo "baselines.sh: kb-mockcluster: $(sed -n 2p "$T/mc.out")" >&2; exit 1; }
		compare "$(basename "$KCAT")" base_kcat kafka "$addr" "${KAFKA_COUNT:-200000}" || exit 1
		exec 7>&-
		wait "$mc_pid" 2>/dev/null
		mc_pid=
		;;
	amqp)
		if [ ! -x "$B/baseline-amqp" ]; then echo "baselines.sh: amqp skipped (built without rabbitmq-c)" >&2; continue; fi
		port=$("$BROKERS" start rabbitmq "$T/rmq")
		case $? in 0) rmq=1 ;; 3) echo "baselines.sh: amqp skipped (no rabbitmq-server)" >&2; continue ;; *) exit 1 ;; esac
		compare baseline-amqp base_amqp amqp "127.0.0.1:$port" "${AMQP_COUNT:-50000}" || exit 1
		"$BROKERS" stop rabbitmq "$T/rmq" >/dev/null 2>&1
		rmq=
		;;
	mqtt)
		if [ ! -x "$B/baseline-mqtt" ]; then echo "baselines.sh: mqtt skipped (built without paho)" >&2; continue; fi
		port=$("$BROKERS" start mosquitto "$T/mqt")
		case $? in 0) mqt=1 ;; 3) echo "baselines.sh: mqtt skipped (no mosquitto)" >&2; continue ;; *) exit 1 ;; esac
		compare baseline-mqtt base_mqtt mqtt "127.0.0.1:$port" "${MQTT_COUNT:-50000}" || exit 1
		"$BROKERS" stop mosquitto "$T/mqt" >/dev/null 2>&1
		mqt=
		;;
	*)
		echo "baselines.sh: unknown backend '$be'" >&2
		exit 2
		;;
	esac
done

printf '%-6s %-16s %6s %5s %10s %19s %10s %19s %6s\n' backend baseline count bytes "pub msg/s" "(min..max)" \
	"base msg/s" "(min..max)" ratio
printf '%s\n' "${rows[@]}"
