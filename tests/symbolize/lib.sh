# SPDX-License-Identifier: MIT
# lib.sh: sourced by tests/symbolize/*.sh (after tests/tap.sh).
SB=$top_builddir/tests/symbolize
SS=$top_srcdir/tests/symbolize
SYMCHAIN=$SB/symchain
# The corpus as built (clang variants only when configure found clang).
corpus_bins() {
	for _b in "$SB"/corpus/search-* "$SB"/corpus/widget-*; do
		[ -x "$_b" ] && echo "$_b"
	done
}
# line_of FILE TEXT: the number of the first line of FILE containing TEXT.
line_of() {
	grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1
}
# off2vaddr BIN HEX: the ELF virtual address (hex, no 0x) of file offset
# HEX (no 0x) of BIN, through its PT_LOAD headers.
off2vaddr() {
	readelf -lW "$1" | awk -v off="$2" '
	function h2d(h,  i, v) { v = 0; sub(/^0x/, "", h); h = tolower(h)
		for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v }
	function d2h(v,  s) { s = ""; do { s = substr("0123456789abcdef", v % 16 + 1, 1) s; v = int(v / 16) } while (v > 0)
		return s }
	$1 == "LOAD" { o = h2d($2); va = h2d($3); fs = h2d($5); x = h2d(off)
		if (x >= o && x < o + fs) { print d2h(x - o + va); exit } }'
}
# hexsub HEX N: HEX - N, in hex (no 0x)
hexsub() {
	awk -v h="$1" -v n="$2" 'BEGIN { v = 0; sub(/^0x/, "", h); h = tolower(h)
		for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		v -= n; s = ""; do { s = substr("0123456789abcdef", v % 16 + 1, 1) s; v = int(v / 16) } while (v > 0); print s }'
}
# report_chains FILE PROGRAM: from a libkalloc leaks.txt, one line per
# distinct (group, pc) in PROGRAM's object: "OFFSET<TAB>chain", OFFSET the
# file offset of the pc (hex), chain "fn | file:line | fn | file:line ...",
# innermost first: every frame the report gives that pc.
report_chains() {
	awk -v prog="$2" '
	function flush() { if (pc != "" && obj == prog) print off "\t" chain; pc = ""; chain = "" }
	/^    #[0-9]+ 0x[0-9a-f]+ in / {
		l = $0; sub(/^    #[0-9]+ /, "", l); p = l; sub(/ .*/, "", p)
		sub(/^0x[0-9a-f]+ in /, "", l)
		i = 0; for (k = length(l); k > 0; k--) if (substr(l, k, 2) == " (") { i = k; break }
		where = substr(l, i + 2); sub(/\)$/, "", where); l = substr(l, 1, i - 1)
		o = where; sub(/\+0x[0-9a-f]+$/, "", o); x = where; sub(/^.*\+0x/, "", x)
		pos = "??:0"
		if (match(l, / [^ ]+:[0-9]+$/)) { pos = substr(l, RSTART + 1); l = substr(l, 1, RSTART - 1) }
		if (p != pc) { flush(); pc = p; obj = o; off = x }
		chain = chain (chain == "" ? "" : " | ") l " | " pos
		next }
	{ flush() }
	END { flush() }' "$1"
}
# json_frames FILE: the frames of every stack array of a leaks.json or
# stats.json, one per line: "function file:line inlined", or "function
# inlined" without a file, as leaks.txt has them.
json_frames() {
	sed 's/"stack":\[/\n\n/g' "$1" |
		grep -o -e '^$' -e '{"function":"[^"]*","file":"[^"]*","line":[0-9]*,"object":"[^"]*","address":"[^"]*","inlined":[a-z]*}' |
		sed 's/^{"function":"\([^"]*\)","file":"\([^"]*\)","line":\([0-9]*\),.*"inlined":\([a-z]*\)}$/\1 \2:\3 \4/; s/ :0 \(true\|false\)$/ \1/'
}
# raw_locations FILE PROGRAM: the locations of `pprof -raw FILE` in
# PROGRAM's mapping, one per line: "FILEOFFSET<TAB>chain" as
# report_chains prints it, from the location's Line entries (pprof shows
# a shortened name and, in parentheses, the one the profile holds).
raw_locations() {
	"$PPROF" -raw "$1" 2>/dev/null | awk -v prog="$2" '
	function h2d(h,  i, v) { v = 0; sub(/^0x/, "", h); h = tolower(h)
		for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v }
	function d2h(v,  s) { s = ""; do { s = substr("0123456789abcdef", v % 16 + 1, 1) s; v = int(v / 16) } while (v > 0)
		return s }
	function line(l,  sys, pos) { sub(/^ +/, "", l); sys = ""
		if (match(l, / s=[0-9]+\(/)) { sys = substr(l, RSTART + RLENGTH); sub(/\)$/, "", sys); l = substr(l, 1, RSTART - 1) }
		else sub(/ s=[0-9]+$/, "", l)
		pos = l; sub(/^.* /, "", pos); sub(/ [^ ]*$/, "", l)
		return (sys != "" ? sys : l) " | " pos }
	/^Locations/ { sec = "L"; next }
	/^Mappings/ { sec = "M"; next }
	sec == "L" && /^ +[0-9]+: 0x/ { n++; addr[n] = $2; m = $3; sub(/^M=/, "", m); map[n] = m
		l = $0; sub(/^ +[0-9]+: 0x[0-9a-f]+ M=[0-9]+ /, "", l); ch[n] = line(l); next }
	sec == "L" && /^ +[^ ]/ { ch[n] = ch[n] " | " line($0); next }
	sec == "M" && /^[0-9]+: 0x/ { split($1, id, ":"); split($2, r, "/"); mstart[id[1]] = h2d(r[1]); moff[id[1]] = h2d(r[3]); mfile[id[1]] = $3 }
	END { for (i = 1; i <= n; i++) if (mfile[map[i]] == prog)
		print d2h(h2d(addr[i]) - mstart[map[i]] + moff[map[i]]) "\t" ch[i] }'
}
# records: addr2line/llvm-symbolizer -a -f -i output, one chain per line,
# "0xADDR | fn | file:line ...", without discriminators, "no line" spelled
# one way, addresses without zero padding.
records() {
	sed 's/ (discriminator [0-9]*)$//; s/^.*:[?0]$/??:0/; s/^0x0*\([0-9a-f]\)/0x\1/' |
		awk '/^0x[0-9a-f]+$/ { if (r != "") print r; r = $0; next } /^$/ { next } { r = r " | " $0 } END { if (r != "") print r }'
}
# plt_names BIN < records: the same records where the address is in a PLT
# stub named by objdump -d -C ("malloc@plt"; the header entry, which it
# names "qsort@plt-0x10", is "[plt]"): those are the stub's name, not the
# "??" of addr2line or the "_init" of llvm-symbolizer (no symbol covers a
# stub; objdump, perf and gdb name it after its target).
plt_names() {
	objdump -d -C -j .plt -j .plt.sec -j .plt.got "$1" 2>/dev/null |
		sed -n 's/^\([0-9a-f]*\) <\(.*\)>:$/\1\t\2/p' >"$TAP_TMP/plt.$$"
	awk -F'\t' -v stubs="$TAP_TMP/plt.$$" '
	function h2d(h,  i, v) { v = 0; sub(/^0x/, "", h); h = tolower(h)
		for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v }
	BEGIN { while ((getline l < stubs) > 0) { split(l, f, "\t"); n++; at[n] = h2d(f[1])
		nm[n] = f[2] ~ /@plt-0x[0-9a-f]+$/ ? "[plt]" : f[2] } }
	{ split($0, r, " [|] "); a = h2d(r[1]); best = 0
	  for (i = 1; i <= n; i++) if (at[i] <= a && a - at[i] < 16 && (!best || at[i] > at[best])) best = i
	  if (best) { print r[1] " | " nm[best] " | ??:0"; next }
	  print }'
}
LLVM_SYMBOLIZER=${LLVM_SYMBOLIZER:-$(command -v llvm-symbolizer)}
# compare_refs BIN KIND < "HEXVADDR<TAB>chain" lines: chains.awk's verdict
# on each chain against addr2line's and llvm-symbolizer's at HEXVADDR.
# What a profile names "object+0xOFFSET" (no symbol covers it) is
# addr2line's "??"; a PLT stub is objdump's name for it (plt_names).
compare_refs() {
	_d=$TAP_TMP/cmp.$$
	cat >"$_d.in"
	cut -f1 "$_d.in" >"$_d.hex"
	awk -F'\t' '{ a = $1; sub(/^0*/, "", a); print "0x" (a == "" ? "0" : a) " | " $2 }' "$_d.in" |
		sed 's/ [|] [^|]*:0 [|] / | ??:0 | /g; s/ [|] [^|]*:0$/ | ??:0/; s/ [|] [^ |]*+0x[0-9a-f]* [|] / | ?? | /g' >"$_d.ours"
	addr2line -a -f -i -C -e "$1" <"$_d.hex" | records | plt_names "$1" >"$_d.a2l"
	if [ -n "$LLVM_SYMBOLIZER" ]; then
		sed 's/^/0x/' "$_d.hex" | "$LLVM_SYMBOLIZER" --output-style=GNU --obj="$1" -a -f -i -C | records |
			plt_names "$1" >"$_d.llv"
	else
		: >"$_d.llv"
	fi
	awk -v k="$2" '{ print k }' "$_d.in" | paste -d'	' - "$_d.ours" "$_d.a2l" "$_d.llv" |
		awk -f "$top_srcdir/tests/symbolize/chains.awk"
}
# check_chains NAME BIN FILE: FILE holds "HEXVADDR<TAB>chain" lines; every
# chain must equal addr2line -i's (or llvm-symbolizer's) frame for frame,
# and there must be at least MIN (default 2) of them.
check_chains() {
	compare_refs "$2" call <"$3" >"$3.cmp"
	set -- "$1" "$2" "$3" $(tail -n 1 "$3.cmp")
	# $4... = total N call C exact E frames F agree A ...
	check "$1 (${13} of $5 equal to addr2line -i or llvm-symbolizer, $9 exactly to addr2line)" \
		[ "${5:-0}" -ge "${MIN:-2}" -a "${13}" = "$5" ]
	if grep -q '^fail' "$3.cmp"; then
		diag "$(grep '^fail' "$3.cmp" | head -n 9 | cut -c1-400)"
	fi
}
# to_vaddr BIN DELTA < "HEXOFF<TAB>chain": the same with ELF virtual
# addresses, minus DELTA (1 for return addresses).
to_vaddr() {
	while IFS='	' read -r _off _chain; do
		printf '%s\t%s\n' "$(hexsub "$(off2vaddr "$1" "$_off")" "$2")" "$_chain"
	done
}
