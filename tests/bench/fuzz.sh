#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz.sh: runs the drivers' libFuzzer targets for a bounded time each
# (KPROF_FUZZ_SECONDS, default 10): the JSON parser (seeded with result
# and golden JSON files), the binary message parser (seeded with bytes a
# message starts with) and the MQTT broker address parser (seeded with
# the address forms bench/transport.c accepts and refuses). Built only
# with --enable-fuzzing; a crash, leak or timeout fails.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
secs=${KPROF_FUZZ_SECONDS:-10}
mkdir "$TAP_TMP/json" "$TAP_TMP/message" "$TAP_TMP/transport"
cp "$top_srcdir"/tests/kbench/data/*.json "$TAP_TMP/json/"
printf '{"a":[1,2.5e-3,"\\u00e9\\ud83d\\ude00",true,null,{"b":{}}]}' >"$TAP_TMP/json/small"
# a whole message: magic, flags (correlation id), one metadata entry
# k=v, 4 payload bytes (the layout in bench/message.h)
python3 -c 'import struct, sys
m = struct.pack("<BBH16sqqQII16s", 0xB7, 1, 1, bytes(range(16)), 1, 2, 3, 4, 4, bytes(16))
m += struct.pack("<BH", 1, 1) + b"kv" + b"data"
sys.stdout.buffer.write(m)' >"$TAP_TMP/message/seed" || bail_out "message seed"
n=0
# the first byte picks --transport: 0 none, 1 tcp, 2 ws (fuzz_transport.c)
for a in '0tcp://127.0.0.1:1883' '0ws://localhost:15675/ws' '2127.0.0.1:15675' '1[::1]:1883' \
	'0ws://h:99999/x' '0mqtt://a:1' '2ws://:1/' '1tcp://a:1,b:2'; do
	n=$((n + 1))
	printf "\\00${a%"${a#?}"}" >"$TAP_TMP/transport/seed$n"
	printf '%s' "${a#?}" >>"$TAP_TMP/transport/seed$n"
done
for t in json message transport; do
	run_fuzzer "$top_builddir/tests/bench/fuzz_$t" "$TAP_TMP/$t" "$secs" 65536
done
done_testing
