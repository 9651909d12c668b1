#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the analyzer's libFuzzer targets for a bounded time each
# (KPROF_FUZZ_SECONDS, default 20), seeded with the golden profiles, a
# profile with hostile names and a gzip bomb (tests/kprof/gen/hostile.py;
# the leak-report target with the golden and hostile leak reports).
# Built only with --enable-fuzzing; a crash, leak or timeout fails.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
secs=${KPROF_FUZZ_SECONDS:-20}
for t in pprof legacy leaks timeline; do
	bin=$top_builddir/tests/kprof/fuzz-$t
	mkdir -p "$TAP_TMP/corpus-$t"
	if [ $t = timeline ]; then
		cp "$top_srcdir"/tests/kprof/golden/*.timeline.json "$TAP_TMP/corpus-$t/"
	elif [ $t = leaks ]; then
		cp "$top_srcdir"/tests/kprof/golden/kalloc.leaks*.json "$TAP_TMP/corpus-$t/"
		python3 "$top_srcdir/tests/kprof/ci/hostile-leaks.py" "$TAP_TMP/corpus-$t/hostile.json" 2>/dev/null
	else
		cp "$top_srcdir"/tests/kprof/golden/*.pb.gz "$top_srcdir"/tests/kprof/golden/*.prof "$TAP_TMP/corpus-$t/"
		gzip -dc "$top_srcdir/tests/kprof/golden/ksamp.cpu.pb.gz" >"$TAP_TMP/corpus-$t/ksamp.pb"
		# hostile names (ill-formed UTF-8, controls, NUL), gzipped and
		# not, and a gzip bomb (20 MiB of valid empty strings in 20 kB)
		# that the target's 4 MiB inflate cap refuses
		python3 "$top_srcdir/tests/kprof/gen/hostile.py" names "$TAP_TMP/corpus-$t/names.pb.gz" ||
			bail_out "hostile.py names failed"
		gzip -dc "$TAP_TMP/corpus-$t/names.pb.gz" >"$TAP_TMP/corpus-$t/names.pb"
		python3 "$top_srcdir/tests/kprof/gen/hostile.py" bomb "$TAP_TMP/corpus-$t/bomb.pb.gz" 20 ||
			bail_out "hostile.py bomb failed"
	fi
	run_fuzzer "$bin" "$TAP_TMP/corpus-$t" "$secs" 65536
done
done_testing
