#!/bin/sh
# SPDX-License-Identifier: MIT
# pprof.sh: heap.pb.gz is a valid gzipped profile.proto with the four
# sample types, and the standalone pprof tool (when installed) opens it,
# shows the allocating functions by name and honours -sample_index.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP

kalloc "$T/h" "$KC/corpus/leak-aligned" >/dev/null 2>&1
check "heap.pb.gz written" [ -s "$T/h.heap.pb.gz" ]
check "heap.pb.gz is gzip" gzip -t "$T/h.heap.pb.gz"
raw=$(gzip -dc "$T/h.heap.pb.gz" | tr -c '[:print:]' '\n')
for t in alloc_objects alloc_space inuse_objects inuse_space count bytes leak_posix_memalign; do
	if printf '%s\n' "$raw" | grep -q "$t"; then ok "string table has $t"; else not_ok "string table has $t"; fi
done

if [ -z "$PPROF" ] || [ ! -x "$PPROF" ]; then
	skip "pprof not installed (configure found none)"
	done_testing
fi
HOME=$T "$PPROF" -top -sample_index=inuse_space "$T/h.heap.pb.gz" >"$T/top.txt" 2>"$T/top.err"
is "$?" 0 "pprof -top -sample_index=inuse_space opens the profile"
check "pprof shows leak_aligned_alloc with 256B in use" grep -Eq '256B .* leak_aligned_alloc$' "$T/top.txt"
check "pprof shows leak_posix_memalign with 200B in use" grep -Eq '200B .* leak_posix_memalign$' "$T/top.txt"
check "pprof reads the type" grep -q 'Type: inuse_space' "$T/top.txt"
HOME=$T "$PPROF" -top -sample_index=alloc_objects "$T/h.heap.pb.gz" >"$T/ao.txt" 2>&1
check "pprof -sample_index=alloc_objects counts the freed memalign too" grep -Eq '^ +1 .* no_leak_memalign$' "$T/ao.txt"
HOME=$T "$PPROF" -raw "$T/h.heap.pb.gz" >"$T/raw.txt" 2>&1
is "$?" 0 "pprof -raw parses every record"
check "sample types in order (full mode: temp_objects and peak_space before the inuse pair)" \
	grep -q 'alloc_objects/count alloc_space/bytes temp_objects/count peak_space/bytes inuse_objects/count inuse_space/bytes' "$T/raw.txt"
check "the profile is named after the program" grep -q '^File: leak-aligned' "$T/top.txt"

# Sample mode with libunwind through libstdc++ (built without frame pointers).
KALLOC_UNWIND=libunwind KALLOC_MODE=sample KALLOC_SAMPLE_BYTES=4096 kalloc "$T/s" "$KC/mt" >/dev/null 2>&1
HOME=$T "$PPROF" -top -cum -sample_index=alloc_space "$T/s.heap.pb.gz" >"$T/s.txt" 2>&1
is "$?" 0 "pprof opens a sample-mode profile"
check "sample-mode profile attributes allocations to work(int)" grep -q 'work(int)$' "$T/s.txt"
done_testing
