#!/bin/sh
# SPDX-License-Identifier: MIT
# kbench --start-brokers: a private mosquitto is started for the mqtt cases
# through scripts/brokers, used, and stopped at the end (SKIP when
# mosquitto is not installed).
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
KBENCH=$top_builddir/bench/kbench
need_built "$KBENCH" "$top_builddir/bench/bench_pub"
if ! command -v mosquitto >/dev/null 2>&1 && ! [ -x /usr/sbin/mosquitto ]; then
	skip "mosquitto not installed: --start-brokers not exercised"
	done_testing
fi
cat >mq.suite <<'S'
backends = mqtt
count = 500
reps = 2
profile = none
[pub]
S
KBENCH_BROKERS_SCRIPT=$top_srcdir/scripts/brokers "$KBENCH" run --suite ./mq.suite --out out \
	--start-brokers >out.txt 2>err.txt
is "$?" 0 "kbench run --start-brokers with an mqtt case"
grep -q 'kbench: mosquitto listening on 127.0.0.1:[0-9]' err.txt
check "a private mosquitto was started" test $? -eq 0
grep -q '"case": "pub-mqtt-s100-b1-c1"' out/results.json && grep -q '"throughput_msgs_per_sec"' out/results.json
check "the mqtt case ran against it" test $? -eq 0
grep -q 'skipped' out.txt
check "no skip note" test $? -ne 0
left=$(pgrep -f "$TAP_TMP/out/brokers" | wc -l)
is "$left" 0 "the broker was stopped at the end"
# without a broker script the backend is skipped, with the reason
KBENCH_BROKERS_SCRIPT=/nonexistent "$KBENCH" run --suite ./mq.suite --out out2 --start-brokers >out2.txt 2>&1
is "$?" 0 "no broker script: the run still completes"
grep -q 'note: mqtt skipped: scripts/brokers not found' out2.txt
check "and says why mqtt was skipped" test $? -eq 0
done_testing
