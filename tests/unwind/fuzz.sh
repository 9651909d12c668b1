#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz.sh: runs fuzz-cfi (the CFI compiler, lib/cfi.c) for a bounded time
# (KPROF_FUZZ_SECONDS, default 20), seeded with the read-only segments
# holding .eh_frame_hdr and .eh_frame of a small program and of libc, laid
# out as the loader maps them (mkseed.py). Built only with
# --enable-fuzzing; a crash, leak or timeout fails.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
secs=${KPROF_FUZZ_SECONDS:-20}
bin=$top_builddir/tests/unwind/fuzz-cfi
mkdir "$TAP_TMP/corpus"
libc=$(ldd "$bin" | awk '$1 ~ /^libc\.so/ { print $3 }')
n=0
for obj in "$top_builddir/tests/unwind/forkmt" "$libc"; do
	n=$((n + 1))
	if python3 "$top_srcdir/tests/unwind/mkseed.py" "$obj" "$TAP_TMP/corpus/seed$n" 2>"$TAP_TMP/seed.err"; then
		ok "seed from $(basename "$obj")"
	else
		not_ok "seed from $obj"
		diag "$(cat "$TAP_TMP/seed.err")"
	fi
done
run_fuzzer "$bin" "$TAP_TMP/corpus" "$secs" 4194304
done_testing
