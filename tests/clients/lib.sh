# SPDX-License-Identifier: MIT
# Shell code the tests/clients/*.sh tests share, sourced after tests/tap.sh
# and tap_tmpdir: the temporary directory and its cleanup (brokers this
# test started, the Kafka mock cluster helper), brokers started through
# scripts/brokers or given as KPROF_TEST_MQTT / KPROF_TEST_AMQP /
# KPROF_TEST_KAFKA=HOST:PORT, small JSON and number helpers, and the
# comparison table (`kprof clients`).
T=$TAP_TMP
started=""
mock_pid=""
cleanup() {
	for s in $started; do "$top_srcdir/scripts/brokers" stop "$s" "$T/$s" >/dev/null 2>&1; done
	[ -n "${mock_pid:-}" ] && kill "$mock_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# table ARGS...: the C-vs-JS comparison table, through the kprof dispatcher.
table() { "$KPROF_BIN" clients "$@"; }

# jget FILE EXPR...: values from a result file, one per line, in one
# interpreter start (node, else python3 with the same expressions).
jget() {
	f=$1; shift
	if command -v node >/dev/null 2>&1; then
		node -e 'let r; try { r = JSON.parse(require("fs").readFileSync(process.argv[1])); } catch (e) { r = {}; }
for (const x of process.argv.slice(2)) { let v; try { v = (function () { return eval(x); }).call(r); } catch (e) {} console.log(v === undefined ? "undefined" : v); }' "$f" "$@"
	else
		python3 -c 'import json,sys
try: r = json.load(open(sys.argv[1]))
except Exception: r = {}
for x in sys.argv[2:]:
    try: print(eval(x.replace("this.", "r.").replace(".length", ".__len__()")))
    except Exception: print("undefined")' "$f" "$@"
	fi
}
# gt A B: A > B (numbers)
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
# number S: S is a decimal number (not empty, not "undefined")
number() { printf '%s\n' "$1" | grep -Eq '^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$'; }

# broker NAME VAR: HOST:PORT of a given (VAR) or newly started broker,
# empty when it could not be started. Runs in the test's shell (not in a
# command substitution) so that the cleanup knows what to stop.
broker() {
	name=$1 var=$2 addr=""
	eval "given=\${$var:-}"
	if [ -n "$given" ]; then addr=$given; return; fi
	mkdir -p "$T/$name"
	if port=$("$top_srcdir/scripts/brokers" start "$name" "$T/$name" 2>"$T/$name.err"); then
		started="$started $name"
		addr="127.0.0.1:$port"
	else
		"$top_srcdir/scripts/brokers" stop "$name" "$T/$name" >/dev/null 2>&1
	fi
}

have_starter() { [ -x "$top_srcdir/scripts/brokers" ]; }

# want_mqtt, want_amqp: true when the broker is given or can be started;
# otherwise print the TAP skip line saying why and return false.
want_mqtt() {
	if [ -z "${KPROF_TEST_MQTT:-}" ] && command -v mosquitto >/dev/null 2>&1 && ! have_starter; then
		skip "mqtt: scripts/brokers is missing, cannot start mosquitto"
		return 1
	elif command -v mosquitto >/dev/null 2>&1 || [ -n "${KPROF_TEST_MQTT:-}" ]; then
		return 0
	fi
	skip "mqtt: mosquitto is not installed"
	return 1
}
want_amqp() {
	if [ -z "${KPROF_TEST_AMQP:-}" ] && [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && ! have_starter; then
		skip "amqp: scripts/brokers is missing, cannot start rabbitmq-server"
		return 1
	elif command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] ||
	     [ -n "${KPROF_TEST_AMQP:-}" ]; then
		return 0
	fi
	skip "amqp: rabbitmq-server is not installed"
	return 1
}

# mock_kafka: sets kafka to KPROF_TEST_KAFKA, else to the address of
# librdkafka's mock cluster started in its helper process (stopped by the
# cleanup), else to "".
mock_kafka() {
	kafka=${KPROF_TEST_KAFKA:-}
	if [ -z "$kafka" ] && [ -x "$top_builddir/bench/kb-mockcluster" ]; then
		mkfifo "$T/mock.in"
		"$top_builddir/bench/kb-mockcluster" <"$T/mock.in" >"$T/mock.addr" 2>"$T/mock.err" &
		mock_pid=$!
		exec 9>"$T/mock.in"
		for i in $(seq 50); do [ -s "$T/mock.addr" ] && break; sleep 0.1; done
		kafka=$(head -1 "$T/mock.addr" | grep -oE '[0-9.]+:[0-9]+' | head -1)
	fi
}
