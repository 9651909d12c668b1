#!/bin/sh
# SPDX-License-Identifier: MIT
# kafka.sh: the kafka backend against librdkafka's mock cluster (started by
# the driver in a helper process): integrity with partitions and clients,
# nack redelivery, publisher confirms, size 0, the helper never outliving
# the driver, and a cluster that dies mid-run (error, exit 2, no hang).
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/bench/lib.sh"
tap_tmpdir
T=$TAP_TMP
if ! "$BENCH/bench_pub" --help | grep -q 'built: .*kafka'; then
	skip "kafka backend not built (librdkafka missing)"
	done_testing
fi

run_to 60 "$BENCH/bench_sub" --backend kafka --count 40000 --clients 2 --partitions 3 --verify \
	--metadata 2 --correlation-id --warmup 0.2 --reps 1 --quiet --json "$T/sub.json"
is "$rc" 0 "bench_sub kafka, 2 clients x 3 partitions exits 0"
is "$(m "$T/sub.json" messages)" 40000 "every message consumed"
integrity "$T/sub.json" "kafka sub (order checked per partition)"
c=$(m "$T/sub.json" connect_ns)
check "connection time reported ($c ns)" test "$c" -gt 0

run_to 60 "$BENCH/bench_e2e" --backend kafka --rate 20000 --count 10000 --ack --nack-rate 0.05 --verify \
	--warmup 0.2 --reps 1 --quiet --json "$T/e2e.json"
is "$rc" 0 "bench_e2e kafka with ack/nack exits 0"
integrity "$T/e2e.json" "kafka e2e with nacks"
n=$(m "$T/e2e.json" nacks); r=$(m "$T/e2e.json" redeliveries)
check "nacks ($n) all redelivered ($r)" test "$n" -gt 0 -a "$n" = "$r"

run_to 60 "$BENCH/bench_pub" --backend kafka --count 50000 --batch 1000 --ack --warmup 0.2 --reps 1 --quiet --json "$T/pub.json"
is "$rc" 0 "bench_pub kafka with confirms exits 0"
is "$(m "$T/pub.json" messages)" 50000 "50000 confirmed"
is "$(m "$T/pub.json" latency_kind)" publish_confirm_per_batch "latency is publish+confirm per batch"

run_to 60 "$BENCH/bench_sub" --backend kafka --size 0 --count 2000 --verify --warmup 0 --reps 1 --quiet --json "$T/s0.json"
is "$rc" 0 "size 0 over kafka"
integrity "$T/s0.json" "kafka size 0"

# 16 MiB: published fine; consuming it from the mock cluster is refused up
# front (its partitions keep ~5 MiB, the message would be dropped unread)
run_to 60 "$BENCH/bench_pub" --backend kafka --size 16MiB --count 3 --warmup 0 --reps 1 --quiet --json "$T/p16.json"
is "$rc" 0 "bench_pub kafka with 16 MiB messages exits 0"
is "$(m "$T/p16.json" messages)" 3 "three 16 MiB messages published"
run_to 60 "$BENCH/bench_sub" --backend kafka --size 16MiB --count 3 --warmup 0 --reps 1 --quiet 2>"$T/err"
if [ "$rc" = 2 ] && grep -q "keeps only about 5 MiB" "$T/err"; then ok "bench_sub kafka 16 MiB on the mock cluster: clear error, exit 2"; else
	not_ok "bench_sub kafka 16 MiB on the mock cluster: clear error, exit 2"; diag "rc=$rc" "$(cat "$T/err")"; fi

# the helper runs as a child of the driver; kill it mid-run: the driver must
# report the error and exit 2 well before its 30 s duration (watchdog: 40 s)
timeout -k 5 40 "$BENCH/bench_sub" --backend kafka --duration 30 --timeout 3 --warmup 0 --reps 1 --rate 5000 \
	--quiet --json "$T/dead.json" 2>"$T/err" &
wd=$!
drv= helper=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	drv=$(pgrep -P $wd | head -1)
	[ -n "$drv" ] && helper=$(pgrep -P "$drv" -x kb-mockcluster)
	[ -n "$helper" ] && break
	sleep 0.2
done
check "the driver runs the mock cluster in a child process ($helper)" test -n "$helper"
sleep 1
[ -n "$helper" ] && kill -KILL "$helper"
t0=$(date +%s)
wait $wd
rc=$?
took=$(($(date +%s) - t0))
if [ "$rc" = 2 ] && [ "$took" -lt 25 ]; then
	ok "cluster killed mid-run: exit 2 after ${took}s: $(tail -1 "$T/err")"
else
	not_ok "cluster killed mid-run: exit 2 without hanging"
	diag "rc=$rc took=${took}s" "$(cat "$T/err")"
fi
e=$("$JGET" "$T/dead.json" benchmarks.0.error)
check "partial results still written, with the error ($e)" test -n "$e"
done_testing
