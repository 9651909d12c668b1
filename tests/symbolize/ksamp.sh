#!/bin/sh
# SPDX-License-Identifier: MIT
# ksamp.sh: inline chains in CPU profiles. libksamp on the corpus (built at
# -O2 with frame pointers): every location in the program has the Line
# entries addr2line -i gives at its address, innermost first, each with its
# own function (read back with pprof -raw; pprof -traces shows the inlined
# frames; pprof -top opens the profile); kprof top, folded and flame show
# each inlined function as a frame of its own. Then kprof's own
# symbolization of an address-only profile (gperftools' libprofiler.so,
# when installed) gives the same chains, in its outputs and in the pprof
# file kprof convert writes.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/symbolize/lib.sh"
need_built "$KPROF_LIBKSAMP"
for tool in addr2line readelf; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool (binutils) not installed"
		exit 0
	fi
done
tap_tmpdir
T=$TAP_TMP
S=$top_srcdir/tests/symbolize/corpus
search=$SB/corpus/search-cc-fp
widget=$SB/corpus/widget-cxx-fp
lk=$(line_of "$S/search.c" 'spin_sink += mix(')
lc=$(line_of "$S/search.c" 'int x = key_of(a), y = key_of(b);')
lq=$(line_of "$S/search.c" 'return compare_keys(a, b);')
# the qsort comparator's hot loop, as a location's Lines (innermost first)
hot="	mix [|] [^ ]*/search\.c:[0-9]+ [|] key_of [|] [^ ]*/search\.c:$lk [|] compare_keys [|] [^ ]*/search\.c:$lc [|] qcmp [|] [^ ]*/search\.c:$lq\$"

KSAMP_OUT=$T/s.pb.gz KSAMP_HZ=250 LD_PRELOAD=$KPROF_LIBKSAMP "$search" 6000 >/dev/null
is "$?" 0 "search under libksamp: exit status 0"
KSAMP_OUT=$T/w.pb.gz KSAMP_HZ=250 LD_PRELOAD=$KPROF_LIBKSAMP "$widget" 8000 >/dev/null
is "$?" 0 "widget under libksamp: exit status 0"
if [ -n "$PPROF" ]; then
	for p in s:search w:widget; do
		f=${p%%:*} bin=$SB/corpus/${p#*:}-c*-fp
		"$PPROF" -top "$T/$f.pb.gz" >"$T/$f.ptop" 2>&1
		is "$?" 0 "$(basename $bin): pprof -top opens the profile"
		raw_locations "$T/$f.pb.gz" "$(echo $bin)" >"$T/$f.loc"
		# the leaf's address is the pc itself, callers' are already pc - 1
		to_vaddr $bin 0 <"$T/$f.loc" >"$T/$f.vloc"
		MIN=3 check_chains "$(basename $bin): every location's Lines equal addr2line -i's" $bin "$T/$f.vloc"
		n=$(awk -F' [|] ' 'NF >= 7' "$T/$f.loc" | wc -l)
		check "$(basename $bin): locations with >= 3 Lines ($n)" [ "$n" -ge 1 ]
	done
	check "search: a location with the Lines mix, key_of, compare_keys, qcmp" grep -Eq "$hot" "$T/s.loc"
	"$PPROF" -traces "$T/s.pb.gz" 2>/dev/null | sed 's/^ *[0-9.]*m*s  *//; s/^ *//' >"$T/s.traces"
	check "pprof -traces: mix, key_of, compare_keys (inline) then qcmp" \
		sh -c "tr '\n' '|' <'$T/s.traces' | grep -q 'mix (inline)|key_of (inline)|compare_keys (inline)|qcmp|'"
	check "pprof -top: mix has flat time" grep -Eq '^ +[1-9][0-9.]*m?s .* mix( \(inline\))?$' "$T/s.ptop"
	check "widget: C++ inlined frames have their demangled names" \
		grep -Eq '	[^|]*std::[^|]* [|] [^|]* [|] [^|]*std::' "$T/w.loc"
else
	for i in 1 2 3 4 5 6 7 8 9 10; do skip "pprof not installed"; done
fi

# kprof on the libksamp profile: the inlined functions are frames.
"$KPROF_BIN" folded "$T/s.pb.gz" >"$T/s.folded"
check "kprof folded: ...;qcmp;compare_keys;key_of;mix" grep -q ';qcmp;compare_keys;key_of;mix [0-9]' "$T/s.folded"
"$KPROF_BIN" top "$T/s.pb.gz" -n 20 >"$T/s.top"
check "kprof top: mix has flat time" grep -Eq '^ *[1-9][0-9.]*m?s .* mix$' "$T/s.top"
"$KPROF_BIN" top "$T/s.pb.gz" --cum -n 20 >"$T/s.cum"
for f in key_of compare_keys qcmp; do
	check "kprof top --cum: $f (inlined or not) holds mix's time" grep -Eq "^ .* $f\$" "$T/s.cum"
done
"$KPROF_BIN" flame "$T/s.pb.gz" -o "$T/s.svg"
check "kprof flame: compare_keys and key_of are boxes of their own" \
	sh -c "grep -q '<title>compare_keys&#10;' '$T/s.svg' && grep -q '<title>key_of&#10;' '$T/s.svg'"

# An address-only profile: gperftools' libprofiler records pcs only;
# kprof symbolizes them with lib/symbolize.
PROFILER=
for p in /usr/lib/x86_64-linux-gnu/libprofiler.so.0 /usr/lib/x86_64-linux-gnu/libprofiler.so \
	/usr/lib/libprofiler.so.0 /usr/local/lib/libprofiler.so; do
	[ -e "$p" ] && PROFILER=$p && break
done
if [ -n "$PROFILER" ]; then
	CPUPROFILE=$T/g.prof CPUPROFILE_FREQUENCY=250 LD_PRELOAD=$PROFILER "$search" 6000 >/dev/null 2>&1
	"$KPROF_BIN" folded "$T/g.prof" >"$T/g.folded"
	check "address-only (gperftools) profile, kprof folded: qcmp;compare_keys;key_of;mix" \
		grep -q 'qcmp;compare_keys;key_of;mix [0-9]' "$T/g.folded"
	"$KPROF_BIN" convert "$T/g.prof" -o "$T/g.pb.gz"
	is "$?" 0 "kprof convert: the address-only profile to pprof"
	if [ -n "$PPROF" ]; then
		raw_locations "$T/g.pb.gz" "$search" | to_vaddr "$search" 0 >"$T/g.vloc"
		MIN=5 check_chains "kprof's symbolization: every location's Lines equal addr2line -i's" "$search" "$T/g.vloc"
		raw_locations "$T/g.pb.gz" "$search" >"$T/g.loc"
		check "kprof's symbolization: a location with the Lines mix, key_of, compare_keys, qcmp" \
			grep -Eq "$hot" "$T/g.loc"
	else
		skip "pprof not installed"
		skip "pprof not installed"
	fi
else
	for i in 1 2 3 4; do skip "libprofiler.so (google-perftools) not installed"; done
fi
done_testing
