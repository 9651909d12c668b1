#!/bin/bash
# SPDX-License-Identifier: MIT
# features.sh: what each optional feature costs, per backend. For memory,
# kafka (kb-mockcluster, started by the driver) and amqp (a private
# rabbitmq-server, when installed) it runs bench_sub (publisher and
# consumer, 100-byte payloads) N rounds; in every round the base case and
# each feature case run back to back in a rotating order:
#   base, --correlation-id, --ack, --ack --nack-rate 0.01, --log info
# (--log writes one line per message to a file). Each feature case is
# compared with the base case of the same round (paired ratios), and the
# table gives the median and min..max of
#   throughput cost  = 1 - msgs/s(feature) / msgs/s(base)
#   CPU cost         = CPU-ns/msg(feature) / CPU-ns/msg(base) - 1
# (CPU-ns/msg: CPU time of the driver process per delivered message; the
# Kafka mock cluster and the broker run in other processes.) The verdict
# compares the median CPU cost with the targets: correlation ID <= 2%,
# ack and nack <= 10%, logging <= 5%. CPU per message is the steadier of
# the two figures on a shared machine; throughput is shown beside it.
# Run from the build tree:  bash SRCDIR/bench/perf/features.sh [ROUNDS]
# (bash: arrays and here-strings; started with sh, it runs itself again
# under bash)
# Environment: BACKENDS ("memory kafka amqp"), MEM_COUNT (2000000),
# KAFKA_COUNT (200000), AMQP_COUNT (20000).
# Not part of `make check`: figures depend on the machine and its load.
set -u
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-$PWD}
rounds=${1:-5}
B=$build/bench
BROKERS=$src/scripts/brokers
[ -x "$B/bench_sub" ] || { echo "features.sh: run from the build tree (no $B/bench_sub)" >&2; exit 2; }
case $rounds in '' | *[!0-9]* | 0) echo "features.sh: ROUNDS: expected a positive number" >&2; exit 2 ;; esac

T=$(mktemp -d /tmp/kprof-features.XXXXXX)
rmq=
cleanup() {
	[ -n "$rmq" ] && "$BROKERS" stop rabbitmq "$T/rmq" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

names=(base correlation-id ack nack-0.01 log-info)
flags=("" "--correlation-id" "--ack" "--ack --nack-rate 0.01" "--log info --log-file $T/log")
target=("" 2 10 10 5)

jnum() { sed -n "s/.*\"$2\": *\([-0-9.eE+]*\).*/\1/p" "$1" | head -1; }
# stats V...: "median min max" of percentages
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.1f %.1f %.1f", m, v[1], v[NR]}'; }

# one BACKEND ADDR COUNT CASE: prints "msgs/s cpu-ns/msg"
one() {
	local be=$1 addr=$2 count=$3 k=$4 thr cpu
	# shellcheck disable=SC2086
	"$B/bench_sub" --backend "$be" ${addr:+--brokers "$addr"} --topic "kprof-features-$$" --size 100 \
		--count "$count" --warmup 0.2 --reps 1 --quiet --json "$T/r.json" ${flags[$k]} >"$T/r.out" 2>&1 || {
		echo "features.sh: bench_sub --backend $be ${flags[$k]} failed:" >&2
		cat "$T/r.out" >&2
		return 1
	}
	rm -f "$T/log"
	thr=$(jnum "$T/r.json" throughput_msgs_per_sec)
	cpu=$(jnum "$T/r.json" cpu_usage_percent)
	awk "BEGIN{printf \"%.1f %.1f\", $thr, $cpu / 100 * 1e9 / $thr}"
}

printf '%-7s %-15s %12s %8s %10s %-14s %10s %-14s %7s %s\n' backend feature "msgs/s" "cpu-ns" "thr cost %" "(spread)" \
	"cpu cost %" "(spread)" target verdict
# run BACKEND ADDR COUNT
run() {
	local be=$1 addr=$2 count=$3 r j k n=${#names[@]} res
	declare -A thr cpu
	for ((r = 0; r < rounds; r++)); do
		for ((j = 0; j < n; j++)); do
			k=$(((j + r) % n))
			res=$(one "$be" "$addr" "$count" "$k") || return 1
			read -r "thr[$r,$k]" "cpu[$r,$k]" <<<"$res"
		done
		echo "  $be round $((r + 1))/$rounds done" >&2
	done
	for ((k = 0; k < n; k++)); do
		local tc=() cc=() tv=() cv=()
		for ((r = 0; r < rounds; r++)); do
			tv+=("${thr[$r,$k]}") cv+=("${cpu[$r,$k]}")
			tc+=("$(awk "BEGIN{print (1 - ${thr[$r,$k]} / ${thr[$r,0]}) * 100}")")
			cc+=("$(awk "BEGIN{print (${cpu[$r,$k]} / ${cpu[$r,0]} - 1) * 100}")")
		done
		read -r tm _ _ <<<"$(stats "${tv[@]}")"
		read -r cm _ _ <<<"$(stats "${cv[@]}")"
		if ((k == 0)); then
			printf '%-7s %-15s %12.0f %8.1f\n' "$be" "${names[k]}" "$tm" "$cm"
			continue
		fi
		read -r a lo hi <<<"$(stats "${tc[@]}")"
		read -r b clo chi <<<"$(stats "${cc[@]}")"
		printf '%-7s %-15s %12.0f %8.1f %10s %-14s %10s %-14s %7s %s\n' "$be" "${names[k]}" "$tm" "$cm" "$a" "$lo..$hi" \
			"$b" "$clo..$chi" "<=${target[k]}%" "$(awk "BEGIN{print ($b <= ${target[k]}) ? \"ok\" : \"OVER\"}")"
	done
}

echo "features.sh: $rounds rounds, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for be in ${BACKENDS:-memory kafka amqp}; do
	case $be in
	memory) run memory "" "${MEM_COUNT:-2000000}" || exit 1 ;;
	kafka)
		[ -x "$B/kb-mockcluster" ] || { echo "features.sh: kafka skipped (built without librdkafka)" >&2; continue; }
		run kafka "" "${KAFKA_COUNT:-200000}" || exit 1
		;;
	amqp)
		port=$("$BROKERS" start rabbitmq "$T/rmq")
		case $? in 0) rmq=1 ;; 3) echo "features.sh: amqp skipped (no rabbitmq-server)" >&2; continue ;; *) exit 1 ;; esac
		run amqp "127.0.0.1:$port" "${AMQP_COUNT:-20000}" || exit 1
		"$BROKERS" stop rabbitmq "$T/rmq" >/dev/null 2>&1
		rmq=
		;;
	*) echo "features.sh: unknown backend '$be'" >&2; exit 2 ;;
	esac
done
