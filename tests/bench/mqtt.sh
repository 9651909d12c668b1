#!/bin/sh
# SPDX-License-Identifier: MIT
# mqtt.sh: the mqtt backend against a private mosquitto (one start for the
# file): integrity at QoS 0, 1 and 2, nack (local redelivery), publisher
# confirms, and a broker killed mid-run (error, exit 2, no hang).
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/bench/lib.sh"
tap_tmpdir
T=$TAP_TMP
broker_up mosquitto mqtt paho.mqtt.c

for q in 0 1 2; do
	run_to 60 "$BENCH/bench_sub" $A --qos $q --count 5000 --verify --metadata 2 --warmup 0.1 --json "$T/q$q.json"
	is "$rc" 0 "bench_sub mqtt QoS $q exits 0"
	is "$(m "$T/q$q.json" messages)" 5000 "QoS $q: every message consumed"
	integrity "$T/q$q.json" "mqtt QoS $q"
done

run_to 60 "$BENCH/bench_e2e" $A --qos 1 --count 5000 --rate 5000 --ack --nack-rate 0.05 --verify --warmup 0 --json "$T/e2e.json"
is "$rc" 0 "bench_e2e mqtt with ack/nack exits 0"
integrity "$T/e2e.json" "mqtt e2e with nacks"
n=$(m "$T/e2e.json" nacks); r=$(m "$T/e2e.json" redeliveries)
check "nacks ($n) all redelivered ($r)" test "$n" -gt 0 -a "$n" = "$r"

run_to 60 "$BENCH/bench_pub" $A --qos 1 --count 5000 --batch 50 --ack --warmup 0 --json "$T/pub.json"
is "$rc" 0 "bench_pub mqtt QoS 1 with confirms exits 0"
is "$(m "$T/pub.json" messages)" 5000 "5000 confirmed"

for size in 0 16MiB; do
	run_to 60 "$BENCH/bench_sub" $A --qos 1 --size $size --count 3 --verify --warmup 0 --json "$T/s$size.json"
	is "$rc" 0 "size $size exits 0"
	is "$(m "$T/s$size.json" messages)" 3 "size $size: every message consumed and verified"
done

timeout -k 5 40 "$BENCH/bench_sub" $A --duration 30 --timeout 3 --rate 2000 --warmup 0 --log info --log-file "$T/flow.log" \
	--json "$T/dead.json" 2>"$T/err" &
wd=$!
# messages are flowing once the per-message log has lines
for i in $(seq 1 100); do [ -s "$T/flow.log" ] && break; sleep 0.2; done
check "messages flowing before the broker goes away" test -s "$T/flow.log"
kill -KILL "-$pgid"
t0=$(date +%s)
wait $wd
rc=$?
took=$(($(date +%s) - t0))
if [ "$rc" = 2 ] && [ "$took" -lt 25 ]; then
	ok "broker killed mid-run: exit 2 after ${took}s: $(tail -1 "$T/err")"
else
	not_ok "broker killed mid-run: exit 2 without hanging"
	diag "rc=$rc took=${took}s" "$(cat "$T/err")"
fi
done_testing
