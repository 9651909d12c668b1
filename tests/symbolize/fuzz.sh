#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz.sh: runs fuzz-plt (the PLT stub decoder, lib/elfplt.c) for a
# bounded time (KPROF_FUZZ_SECONDS, default 20), seeded with whole ELF
# files: a test program (symchain: lazy .plt), libc (IRELATIVE slots) and
# librabbitmq (IBT .plt.sec). Built only with --enable-fuzzing; a crash,
# leak or timeout fails.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
secs=${KPROF_FUZZ_SECONDS:-20}
bin=$top_builddir/tests/symbolize/fuzz-plt
mkdir "$TAP_TMP/corpus"
n=0
for obj in "$top_builddir/tests/symbolize/symchain" $(ldconfig -p | awk '($1 == "libc.so.6" || $1 == "librabbitmq.so.4") && /x86-64/ { print $NF }'); do
	n=$((n + 1))
	cp "$obj" "$TAP_TMP/corpus/seed$n"
done
check "seeds: symchain, libc, librabbitmq ($n files)" [ "$n" -ge 3 ]
run_fuzzer "$bin" "$TAP_TMP/corpus" "$secs" 4194304
done_testing
