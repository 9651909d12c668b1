#!/bin/sh
# SPDX-License-Identifier: MIT
# drivers.sh: the drivers on the memory backend (integrity, features,
# result JSON shape against golden key lists), sizes 0 and 16 MiB, and bad
# input (flags, unknown backend, unreachable brokers: exit 2 in time).
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/bench/lib.sh"
tap_tmpdir
T=$TAP_TMP
G=$top_srcdir/tests/bench/golden

# e2e with every feature on, two clients, two repetitions
run_to 60 "$BENCH/bench_e2e" --backend memory --count 100000 --clients 2 --batch 8 --verify \
	--correlation-id --metadata 3 --ack --nack-rate 0.02 --reps 2 --warmup 0.1 --quiet --json "$T/e2e.json"
is "$rc" 0 "bench_e2e memory with all features exits 0"
integrity "$T/e2e.json" "e2e memory"
is "$(m "$T/e2e.json" messages)" 200000 "every measured message counted (2 reps x 100000)"
n=$(m "$T/e2e.json" nacks); r=$(m "$T/e2e.json" redeliveries)
check "nacks happened ($n) and each was redelivered ($r)" test "$n" -gt 0 -a "$n" = "$r"
is "$("$JGET" "$T/e2e.json" schema)" kprof-bench/1 "schema"
is "$("$JGET" "$T/e2e.json" benchmarks.0.name)" e2e "benchmark name"
is "$("$JGET" "$T/e2e.json" benchmarks.0.config.metadata)" 3 "config records every flag"
is "$("$JGET" "$T/e2e.json" benchmarks.0.repetitions.1.messages)" 100000 "per-repetition figures"
p50=$(m "$T/e2e.json" latency_p50_ns); p99=$(m "$T/e2e.json" latency_p99_ns); mx=$(m "$T/e2e.json" latency_max_ns)
check "latency percentiles ordered ($p50 <= $p99 <= $mx)" test "$p50" -gt 0 -a "$p50" -le "$p99" -a "$p99" -le "$mx"
"$JGET" --keys "$T/e2e.json" benchmarks.0.metrics >"$T/metrics.keys"
"$JGET" --keys "$T/e2e.json" benchmarks.0.config >"$T/config.keys"
for k in metrics config; do
	if diff -u "$G/e2e-$k.keys" "$T/$k.keys" >"$T/diff" 2>&1; then ok "e2e $k keys match golden"; else
		not_ok "e2e $k keys match golden"; diag "$(cat "$T/diff")"; fi
done

# publisher and subscriber, duration mode
run_to 30 "$BENCH/bench_pub" --backend memory --duration 0.3 --warmup 0 --reps 1 --batch 32 --quiet --json "$T/pub.json"
is "$rc" 0 "bench_pub --duration exits 0"
t=$(m "$T/pub.json" throughput_msgs_per_sec)
check "bench_pub reports a throughput ($t)" awk "BEGIN{exit !($t > 1000)}"
is "$(m "$T/pub.json" latency_kind)" publish_call_per_batch "bench_pub says what its latency is"
run_to 30 "$BENCH/bench_sub" --backend memory --duration 0.3 --warmup 0.1 --reps 1 --verify --quiet --json "$T/sub.json"
is "$rc" 0 "bench_sub --duration exits 0"
integrity "$T/sub.json" "sub memory, duration mode"

# constant rate: the schedule is kept. Independent of machine speed: the
# n-th message is never sent before start + (n-1)/rate, so the rate can
# never exceed 20000 * N/(N-1); and the last one was consumed at most
# max latency (measured from its intended send time) after its intended
# time, so the rate is at least N / ((N-1)/rate + max latency + slack for
# the start barrier). A loaded machine widens the band, a broken schedule
# (sending early, or miscounting intended times) falls outside it.
run_to 30 "$BENCH/bench_e2e" --backend memory --rate 20000 --count 10000 --warmup 0 --reps 1 --quiet --json "$T/rate.json"
is "$rc" 0 "bench_e2e --rate 20000 exits 0"
t=$(m "$T/rate.json" throughput_msgs_per_sec)
mx=$(m "$T/rate.json" latency_max_ns)
lo=$(awk "BEGIN{printf \"%.0f\", 10000 / (9999 / 20000 + $mx / 1e9 + 0.1)}")
check "--rate 20000 never runs ahead of the schedule ($t <= 20200)" awk "BEGIN{exit !($t <= 20200)}"
check "--rate 20000 keeps up as far as its latency says ($t >= $lo, max latency $mx ns)" \
	awk "BEGIN{exit !($t >= $lo)}"

# --realtime: SCHED_FIFO where permitted, otherwise said once and recorded
run_to 30 "$BENCH/bench_e2e" --backend memory --rate 100000 --count 20000 --warmup 0 --reps 1 --realtime \
	--json "$T/rt.json" 2>"$T/rt.err" >/dev/null
is "$rc" 0 "bench_e2e --realtime exits 0"
integrity "$T/rt.json" "e2e --realtime"
rt=$("$JGET" "$T/rt.json" benchmarks.0.config.realtime)
if [ "$rt" = true ]; then
	check "--realtime took effect, no refusal printed" sh -c "! grep -q refused \"$T/rt.err\""
else
	check "--realtime refused ($rt): said so on stderr" grep -q "SCHED_FIFO refused" "$T/rt.err"
fi

# refused (an unprivileged user with RLIMIT_RTPRIO 0): said, recorded, run completes
mkdir "$T/nobody" && chmod 777 "$T/nobody" && chmod go+x "$T"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v prlimit >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c 'test -x "$1" && test -w "$2"' sh "$BENCH/bench_e2e" "$T/nobody" 2>/dev/null; then
	run_to 30 setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --rtprio=0 "$BENCH/bench_e2e" \
		--backend memory --rate 100000 --count 2000 --warmup 0 --reps 1 --realtime --json "$T/nobody/rt.json" \
		2>"$T/rtn.err" >/dev/null
	is "$rc" 0 "--realtime refused: the run still completes"
	is "$("$JGET" "$T/nobody/rt.json" benchmarks.0.config.realtime)" false "--realtime refused: config says realtime false"
	check "--realtime refused: said once on stderr" test "$(grep -c 'SCHED_FIFO refused' "$T/rtn.err")" = 1
else
	skip "--realtime refusal: needs root, setpriv, prlimit and a build and temporary tree an unprivileged user can reach"
fi

# --log info: one line per publish and per consume, wall-clock time
run_to 30 "$BENCH/bench_sub" --count 1000 --warmup 0 --reps 1 --quiet --log info --log-file "$T/msgs.log" --json "$T/log.json"
is "$rc" 0 "bench_sub --log info exits 0"
is "$(grep -c ' info bench_sub\[[0-9]*\] publish id=[0-9a-f-]\{36\} producer=0 seq=[0-9]* bytes=152 topic=kprof-bench$' "$T/msgs.log")" 1000 "a log line per published message"
is "$(grep -c ' consume id=' "$T/msgs.log")" 1000 "a log line per consumed message"
lt=$(head -1 "$T/msgs.log" | cut -d. -f1)
check "log time is the wall clock ($lt vs $(date +%s))" awk "BEGIN{d = $lt - $(date +%s); exit !(d > -60 && d < 5)}"

# sizes 0 and 16 MiB
run_to 30 "$BENCH/bench_sub" --size 0 --count 1000 --warmup 0 --reps 1 --verify --quiet --json "$T/s0.json"
is "$rc" 0 "size 0 runs"
integrity "$T/s0.json" "size 0"
run_to 60 "$BENCH/bench_sub" --size 16MiB --count 20 --warmup 0 --reps 1 --verify --quiet --json "$T/s16.json"
is "$rc" 0 "size 16 MiB runs"
is "$(m "$T/s16.json" messages)" 20 "20 messages of 16 MiB delivered"
integrity "$T/s16.json" "size 16 MiB"

# bench_core
run_to 60 "$BENCH/bench_core" --count 20000 --reps 1 --quiet --json "$T/core.json"
is "$rc" 0 "bench_core exits 0"
is "$("$JGET" "$T/core.json" benchmarks.3.name)" core/serialize "bench_core serialize benchmark"
is "$("$JGET" "$T/core.json" benchmarks.2.metrics.overhead_bytes)" 52 "message overhead is 52 bytes"

# bad input: exit 2 with one clear line
bad() {
	local want=$1
	shift
	run_to 30 "$@" >"$T/out" 2>"$T/err"
	if [ "$rc" = 2 ] && grep -q -- "$want" "$T/err" && [ "$(wc -l <"$T/err")" -le 2 ]; then
		ok "$* -> exit 2: $(head -1 "$T/err")"
	else
		not_ok "$* -> exit 2 with '$want'"
		diag "rc=$rc" "$(cat "$T/err")"
	fi
}
bad "unknown backend 'nope'" "$BENCH/bench_pub" --backend nope
bad "expected a non-negative integer" "$BENCH/bench_pub" --size -5
bad "expected an integer" "$BENCH/bench_pub" --size 12abc
bad "must be at least 1" "$BENCH/bench_sub" --count 0
bad "exclusive" "$BENCH/bench_e2e" --count 10 --duration 1
bad "expected a number in 0..0.9" "$BENCH/bench_e2e" --nack-rate 0.95
bad "unknown option" "$BENCH/bench_e2e" --bogus
bad "unexpected argument" "$BENCH/bench_e2e" extra
bad "expected an integer in 0..67108864" "$BENCH/bench_pub" --size 100MiB
bad "expected off, error" "$BENCH/bench_pub" --log loud
"$BENCH/bench_pub" --help >"$T/help" 2>&1
check "--help exits 0 and lists the backends" grep -q "backends built: memory" "$T/help"

# unreachable brokers: clear error, exit 2, within the timeout
for be in kafka amqp mqtt; do
	if ! grep -q "$be" "$T/help"; then skip "$be backend not built"; continue; fi
	run_to 30 "$BENCH/bench_pub" --backend $be --brokers 127.0.0.1:1 --timeout 2 --count 10 --quiet 2>"$T/err"
	if [ "$rc" = 2 ] && [ "$took" -le 10 ] && grep -q "$be:" "$T/err"; then
		ok "$be: unreachable broker -> exit 2 in ${took}s: $(head -1 "$T/err")"
	else
		not_ok "$be: unreachable broker -> exit 2 within 10 s"
		diag "rc=$rc took=${took}s" "$(cat "$T/err")"
	fi
done

# under libkalloc: phases and messages reach its stats.json (not with a
# sanitized driver: the ASan runtime must come first in the process)
need_built "$KPROF_LIBKALLOC"
if ldd "$BENCH/bench_sub" 2>/dev/null | grep -q libasan; then
	skip "bench_sub is built with ASan: no LD_PRELOAD of libkalloc"
else
	run_to 60 env KALLOC_OUT="$T/ka" KALLOC_MODE=count KALLOC_QUIET=1 LD_PRELOAD="$KPROF_LIBKALLOC" \
		"$BENCH/bench_sub" --count 20000 --warmup 0.1 --reps 2 --quiet --json "$T/ka.json"
	is "$rc" 0 "bench_sub under libkalloc exits 0"
	is "$(m "$T/ka.json" kalloc_loaded)" true "the driver sees libkalloc"
	steady=0 i=0
	while name=$("$JGET" "$T/ka.stats.json" phases.$i.name 2>/dev/null); do
		[ "$name" = steady ] && steady=$((steady + $("$JGET" "$T/ka.stats.json" phases.$i.messages)))
		i=$((i + 1))
	done
	is "$steady" 40000 "stats.json: steady phases count the 2 x 20000 measured messages"
	[ "$steady" = 40000 ] || diag "$(grep -o '"name":"[a-z]*","messages":[0-9]*' "$T/ka.stats.json")"
fi
done_testing
