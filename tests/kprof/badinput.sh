#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad input: empty, not-a-profile, truncated, corrupt gzip, huge varints and
# lengths, unknown, self-referencing, duplicate and zero ids, string indices
# out of range, value-count mismatches, and broken gperftools files. Every
# one must give exit status 2 and exactly one line "kprof: ..." on stderr
# (never a crash, a hang or a partial output), for top, folded and flame.
# Files are built here with printf (octal escapes), so each case documents
# its bytes.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
G=$top_srcdir/tests/kprof/golden
T=$TAP_TMP

# a valid header: sample_type {type=1 unit=2}, strings "", "a", "b"
HDR='\012\004\010\001\020\002\062\000\062\001a\062\001b'
# 64-bit little-endian word for 0..255
w() { printf "\\$(printf %03o "$1")\\000\\000\\000\\000\\000\\000\\000"; }
legacy_hdr() { w 0; w 3; w 0; w "$1"; w 0; }
legacy_trailer() { w 0; w 1; w 0; }

: >"$T/empty"
printf 'hello, this is not a profile\n' >"$T/text"
printf '{"schema":"kprof-bench/1","results":[]}\n' >"$T/json"
head -c 1000 "$G/go.cpu.pb.gz" >"$T/truncated-gzip"
cp "$G/go.cpu.pb.gz" "$T/corrupt-gzip"
printf '\377\377\377\377\377\377\377\377' | dd of="$T/corrupt-gzip" bs=1 seek=600 conv=notrunc 2>/dev/null
gzip -dc "$G/go.cpu.pb.gz" | head -c 1500 >"$T/truncated-proto"
printf '' | gzip -c >"$T/empty-gzip"
printf '\020\377\377\377\377\377\377\377\377\377\377\377\001' >"$T/huge-varint"
printf '\022\377\377\377\377\017\010\001' >"$T/huge-length"
printf "$HDR"'\022\004\010\005\020\001' >"$T/unknown-location"
printf "$HDR"'\042\006\010\001\042\002\010\001\022\004\010\001\020\001' >"$T/cyclic-id"
printf "$HDR"'\052\002\010\001\052\002\010\001' >"$T/duplicate-id"
printf "$HDR"'\052\002\020\001' >"$T/zero-id"
printf '\012\004\010\143\020\002\062\000\062\001a' >"$T/string-oob"
printf "$HDR"'\022\004\020\001\020\001' >"$T/value-count"
printf '\062\001x\012\002\010\000' >"$T/bad-string0"
printf "$HDR"'\032\002\010\001\042\004\010\001\020\007' >"$T/unknown-mapping"
printf '\013\010\001\014' >"$T/group-wiretype"
{ legacy_hdr 100; w 1; w 200; w 1; w 2; w 3; } >"$T/legacy-truncated"
{ legacy_hdr 100; w 1; w 1; w 16; } >"$T/legacy-no-trailer"
{ legacy_hdr 100; printf '\377\377\377\377\377\377\377\177'; w 1; w 16; legacy_trailer; } >"$T/legacy-huge-count"
{ legacy_hdr 0; legacy_trailer; } >"$T/legacy-zero-period"
mkdir "$T/directory"

# expect NAME FILE REGEX: kprof top/folded/flame all fail cleanly
expect() {
	name=$1 file=$2 re=$3
	for cmd in top folded flame; do
		if [ $cmd = flame ]; then
			"$KPROF_BIN" flame "$file" -o "$T/out.svg" >"$T/out" 2>"$T/err"
		else
			"$KPROF_BIN" $cmd "$file" >"$T/out" 2>"$T/err"
		fi
		rc=$?
		lines=$(wc -l <"$T/err")
		if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q '^kprof: ' "$T/err" && grep -Eq "$re" "$T/err" &&
			[ ! -s "$T/out" ]; then
			ok "$name: $cmd exits 2 with one clear line"
		else
			not_ok "$name: $cmd (exit $rc, $lines stderr lines)"
			diag "$(head -5 "$T/err")"
		fi
	done
}

expect empty "$T/empty" 'empty file'
expect text "$T/text" 'not a pprof profile'
expect json "$T/json" 'not a pprof profile'
expect truncated-gzip "$T/truncated-gzip" 'corrupt or truncated gzip'
expect corrupt-gzip "$T/corrupt-gzip" 'gzip|pprof|malformed'
expect truncated-proto "$T/truncated-proto" 'not a pprof profile|malformed'
expect empty-gzip "$T/empty-gzip" 'empty profile'
expect huge-varint "$T/huge-varint" 'malformed'
expect huge-length "$T/huge-length" 'malformed'
expect unknown-location "$T/unknown-location" 'unknown location id 5'
expect cyclic-id "$T/cyclic-id" 'unknown function id 1'
expect duplicate-id "$T/duplicate-id" 'duplicate function id 1'
expect zero-id "$T/zero-id" 'function with id 0'
expect string-oob "$T/string-oob" 'string 99'
expect value-count "$T/value-count" '2 values but the profile has 1 sample type'
expect bad-string0 "$T/bad-string0" 'string_table\[0\]'
expect unknown-mapping "$T/unknown-mapping" 'unknown mapping id 7'
expect group-wiretype "$T/group-wiretype" 'not a pprof profile'
expect legacy-truncated "$T/legacy-truncated" 'runs past the end'
expect legacy-no-trailer "$T/legacy-no-trailer" 'no end-of-data trailer'
expect legacy-huge-count "$T/legacy-huge-count" 'implausible'
expect legacy-zero-period "$T/legacy-zero-period" 'bad sampling period'
expect directory "$T/directory" 'Is a directory'
expect missing "$T/no-such-file" 'No such file'

# Huge but valid values: sums saturate, no crash, exit 0.
printf "$HDR"'\022\012\020\377\377\377\377\377\377\377\377\177\022\012\020\377\377\377\377\377\377\377\377\177' >"$T/huge-values"
"$KPROF_BIN" top "$T/huge-values" >"$T/out" 2>"$T/err"
is "$?" 0 "huge sample values: top succeeds"
check "huge sample values: total saturates at INT64_MAX" grep -q '9223372036854775807 total' "$T/out"

# merge takes profiles or bench results, not both; a result file without
# benchmarks is refused
"$KPROF_BIN" merge "$T/json" "$G/go.cpu.pb.gz" -o "$T/m.pb.gz" 2>"$T/err"
is "$?" 2 "merge of bench JSON and a profile exits 2"
check "merge of bench JSON and a profile says why" grep -q "cannot mix" "$T/err"
"$KPROF_BIN" merge "$T/json" "$T/json" -o "$T/m.json" 2>"$T/err"
is "$?" 2 "merge of result files without benchmarks exits 2"
check "merge of result files without benchmarks says why" grep -q 'no "benchmarks" array' "$T/err"
# usage errors
"$KPROF_BIN" top 2>"$T/err"; is "$?" 2 "top without a profile: exit 2"
"$KPROF_BIN" top "$G/go.cpu.pb.gz" --sample-type nope 2>"$T/err"; is "$?" 2 "unknown sample type: exit 2"
check "unknown sample type lists the available ones" grep -q 'have: samples, cpu' "$T/err"
"$KPROF_BIN" flame "$G/go.cpu.pb.gz" 2>"$T/err"; is "$?" 2 "flame without -o: exit 2"
"$KPROF_BIN" diff "$G/go.cpu.pb.gz" "$G/go.heap.pb.gz" -o "$T/d.svg" 2>"$T/err"; is "$?" 2 "diff of cpu and heap: exit 2"
"$KPROF_BIN" leaks "$T/nope" 2>"$T/err"; is "$?" 2 "leaks of a missing prefix: exit 2"
"$KPROF_BIN" leaks "$T/json" 2>"$T/err"; is "$?" 2 "leaks of a non-leak JSON: exit 2"
done_testing
