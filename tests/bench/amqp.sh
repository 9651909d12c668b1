#!/bin/sh
# SPDX-License-Identifier: MIT
# amqp.sh: the amqp backend against a private rabbitmq-server (one start
# for the whole file): integrity with metadata and correlation IDs, two
# clients, ack/nack redelivery, publisher confirms, and a broker stopped
# mid-run (error, exit 2, no hang). Then checks nothing of the broker is
# left running.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/bench/lib.sh"
tap_tmpdir
T=$TAP_TMP
broker_up rabbitmq amqp librabbitmq

run_to 60 "$BENCH/bench_sub" $A --count 20000 --batch 50 --verify --metadata 4 --correlation-id --warmup 0.2 --json "$T/sub.json"
is "$rc" 0 "bench_sub amqp exits 0"
is "$(m "$T/sub.json" messages)" 20000 "every message consumed"
integrity "$T/sub.json" "amqp sub"
c=$(m "$T/sub.json" connect_ns)
check "connection time reported ($c ns)" test "$c" -gt 0

run_to 60 "$BENCH/bench_sub" $A --count 10000 --clients 2 --batch 20 --verify --warmup 0 --json "$T/sub2.json"
is "$rc" 0 "two clients exit 0"
integrity "$T/sub2.json" "amqp sub, 2 clients"

run_to 60 "$BENCH/bench_e2e" $A --count 5000 --rate 5000 --ack --nack-rate 0.05 --verify --warmup 0 --json "$T/e2e.json"
is "$rc" 0 "bench_e2e amqp with ack/nack exits 0"
integrity "$T/e2e.json" "amqp e2e with nacks"
n=$(m "$T/e2e.json" nacks); r=$(m "$T/e2e.json" redeliveries)
check "nacks ($n) all redelivered by the broker ($r)" test "$n" -gt 0 -a "$n" = "$r"

run_to 60 "$BENCH/bench_pub" $A --count 10000 --batch 100 --ack --warmup 0 --json "$T/pub.json"
is "$rc" 0 "bench_pub amqp with publisher confirms exits 0"
is "$(m "$T/pub.json" messages)" 10000 "10000 confirmed"

for size in 0 16MiB; do
	run_to 60 "$BENCH/bench_sub" $A --size $size --count 3 --verify --warmup 0 --json "$T/s$size.json"
	is "$rc" 0 "size $size exits 0"
	is "$(m "$T/s$size.json" messages)" 3 "size $size: every message consumed and verified"
done

# the broker goes away mid-run
timeout -k 5 40 "$BENCH/bench_sub" $A --duration 30 --timeout 3 --rate 2000 --warmup 0 --log info --log-file "$T/flow.log" \
	--json "$T/dead.json" 2>"$T/err" &
wd=$!
# messages are flowing once the per-message log has lines
for i in $(seq 1 100); do [ -s "$T/flow.log" ] && break; sleep 0.2; done
check "messages flowing before the broker goes away" test -s "$T/flow.log"
"$BROKERS" stop rabbitmq "$D" >/dev/null 2>&1
t0=$(date +%s)
wait $wd
rc=$?
took=$(($(date +%s) - t0))
if [ "$rc" = 2 ] && [ "$took" -lt 25 ]; then
	ok "broker stopped mid-run: exit 2 after ${took}s: $(tail -1 "$T/err")"
else
	not_ok "broker stopped mid-run: exit 2 without hanging"
	diag "rc=$rc took=${took}s" "$(cat "$T/err")"
fi
check "no broker process left (process group $pgid)" sh -c "! pgrep -g $pgid >/dev/null"
check "its epmd is gone (port $((port + 1)))" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$((port + 1))) 2>/dev/null"
done_testing
