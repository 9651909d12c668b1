#!/bin/sh
# SPDX-License-Identifier: MIT
# chains.sh: lib/symbolize's inline chains (through tests/symbolize/symchain)
# against addr2line -a -f -i -C, frame for frame, at every instruction and
# every call site (return address - 1) inside the functions of the corpus
# (C with bsearch/qsort callbacks and 4-deep inline helpers, C++ with
# std::string in a constructor, templates, std::sort, std::map,
# make_shared), built at -O2 and -O3 by $CC/$CXX and by clang. Where
# addr2line is wrong (binutils 2.40 misses most inline chains in clang's
# DWARF 5, and names some inlined frames after the physical function) the
# chain must equal llvm-symbolizer's. The agreement rates are printed; a
# few facts are also checked against the source itself (the chain at the
# allocation in the bsearch comparator, in the 4-deep helpers, in the
# Widget constructor).
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/symbolize/lib.sh"
tap_tmpdir
T=$TAP_TMP

for tool in addr2line objdump nm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool (binutils) not installed"
		exit 0
	fi
done
check "symchain built" [ -x "$SYMCHAIN" ]
bins=$(corpus_bins)
n=$(echo "$bins" | grep -c .)
check "corpus built ($n programs)" [ "$n" -ge 6 ]

# addresses BIN: "kind hexaddr" for every instruction (insn) and every
# call's last byte (call) inside a function symbol's extent (the padding
# between functions belongs to none).
addresses() {
	nm -S --defined-only "$1" | awk '$3 ~ /^[tTwW]$/ && NF >= 4 { print $1, $2 }' >"$T/syms"
	objdump -d --insn-width=16 -j .text "$1" | awk -F'\t' -v syms="$T/syms" '
	function h2d(h,  i, v) { v = 0; h = tolower(h)
		for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v }
	function d2h(v,  s) { s = ""; do { s = substr("0123456789abcdef", v % 16 + 1, 1) s; v = int(v / 16) } while (v > 0)
		return s }
	BEGIN { while ((getline l < syms) > 0) { split(l, f, " "); size[h2d(f[1])] = h2d(f[2]) } }
	/^[0-9a-f]+ <.*>:$/ { split($0, f, " "); s = h2d(f[1]); e = (s in size) ? s + size[s] : s; next }
	/^ *[0-9a-f]+:\t/ { a = $1; sub(/^ */, "", a); sub(/:$/, "", a); a = h2d(a)
		if (a < s || a >= e) next
		print "insn", d2h(a)
		if ($3 ~ /^call/) print "call", d2h(a + split($2, b, " ") - 1) }' | sort -u -k2,2
}
tot=0 exact=0 frames=0 agree=0 deep=0
for bin in $bins; do
	name=$(basename "$bin")
	addresses "$bin" >"$T/$name.addr"
	cut -d' ' -f2 "$T/$name.addr" >"$T/$name.hex"
	"$SYMCHAIN" "$bin" <"$T/$name.hex" | records >"$T/$name.ours"
	addr2line -a -f -i -C -e "$bin" <"$T/$name.hex" | records >"$T/$name.a2l"
	if [ -n "$LLVM_SYMBOLIZER" ]; then
		sed 's/^/0x/' "$T/$name.hex" | "$LLVM_SYMBOLIZER" --output-style=GNU --obj="$bin" -a -f -i -C |
			records >"$T/$name.llv"
	else
		: >"$T/$name.llv"
	fi
	cut -d' ' -f1 "$T/$name.addr" | paste -d'	' - "$T/$name.ours" "$T/$name.a2l" "$T/$name.llv" |
		awk -f "$SS/chains.awk" >"$T/$name.cmp"
	set -- $(tail -n 1 "$T/$name.cmp")
	# total N call C exact E frames F agree A callagree CA deep D maxdepth M
	t=$2 c=$4 e=$6 f=$8 a=${10} ca=${12} d=${14} md=${16}
	is "$(wc -l <"$T/$name.ours")" "$t" "$name: one chain per address from symchain"
	diag "$name: $t addresses ($c call sites), $d with >= 3 frames (up to $md):" \
		"  equal to addr2line -C, names and lines: $e ($((e * 1000 / t / 10)).$((e * 1000 / t % 10))%)" \
		"  same frames and file:lines as addr2line: $f ($((f * 1000 / t / 10)).$((f * 1000 / t % 10))%)" \
		"  equal to addr2line or llvm-symbolizer:   $a ($((a * 1000 / t / 10)).$((a * 1000 / t % 10))%; call sites $ca of $c)"
	case $name in
	*clang*)
		if [ -n "$LLVM_SYMBOLIZER" ]; then
			is "$a" "$t" "$name: every chain equals addr2line's or llvm-symbolizer's"
		else
			skip "$name: llvm-symbolizer not installed (addr2line misses clang's inline chains)"
		fi ;;
	*)
		if [ -n "$LLVM_SYMBOLIZER" ]; then
			is "$a" "$t" "$name: every chain equals addr2line's or llvm-symbolizer's"
		else
			check "$name: >= 99% of chains equal addr2line's ($a of $t)" [ $((a * 100)) -ge $((t * 99)) ]
		fi
		check "$name: >= 99% have addr2line's frames and file:lines ($f of $t)" [ $((f * 100)) -ge $((t * 99)) ] ;;
	esac
	check "$name: deep inline chains are in the corpus ($d with >= 3 frames, up to $md)" [ "$d" -ge 3 -a "$md" -ge 5 ]
	if grep -q '^fail' "$T/$name.cmp"; then
		diag "$(grep '^fail' "$T/$name.cmp" | head -n 9 | cut -c1-400)"
	fi
	tot=$((tot + t)) exact=$((exact + e)) frames=$((frames + f)) agree=$((agree + a)) deep=$((deep + d))
done
diag "all: $tot addresses, $deep with >= 3 frames; equal to addr2line -C $exact," \
	"same frames and lines as addr2line $frames, equal to addr2line or llvm-symbolizer $agree"

# Compiler clones (f.part.0, f.cold, f.constprop.0): at each clone
# symbol's address the physical frame is named as addr2line names it: the
# function the clone was made from when DWARF gives that function's name
# (C's DW_AT_name, C++'s linkage name), else the symbol ("[clone .cold]").
# llvm-symbolizer keeps the symbol's name, so the comparison above
# cannot tell.
for bin in $bins; do
	nm --defined-only "$bin" | awk '$2 ~ /^[tT]$/ && $3 ~ /\.(part|cold|isra|constprop|lto_priv)(\.[0-9]+)*$/ { print $1, $3 }' |
		while read -r a sym; do
			want=$(addr2line -f -i -C -e "$bin" "0x$a" | tail -n 2 | head -n 1)
			got=$(echo "$a" | "$SYMCHAIN" "$bin" | tail -n 2 | head -n 1)
			echo "$(basename "$bin") $sym|$want|$got"
		done
done >"$T/clones"
nclones=$(wc -l <"$T/clones")
nsrc=$(awk -F'|' '{ split($1, w, " ") } index(w[2], $2) != 1 && $2 !~ /\[clone /' "$T/clones" | wc -l)
badclones=$(awk -F'|' '$2 != $3' "$T/clones")
check "clones are named as addr2line names them ($nclones clone symbols, $nsrc by their source function)" \
	[ "$nclones" -ge 1 -a "$nsrc" -ge 1 -a -z "$badclones" ]
[ -n "$badclones" ] && diag "$badclones"

# PLT stubs: no symbol covers them (addr2line says "??"), yet every call
# into a shared library runs through one. Each stub, at its first and its
# last byte, is named as objdump -d -C names it ("malloc@plt"), in the
# corpus and in the Debian-built client libraries (IBT .plt.sec stubs,
# IRELATIVE slots in libc); the header entry is "[plt]".
plt_objs=$bins
for lib in libc.so.6 librdkafka.so.1 librabbitmq.so.4 libpaho-mqtt3as.so.1 libstdc++.so.6; do
	p=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
	[ -n "$p" ] && plt_objs="$plt_objs
$p"
done
: >"$T/plt.bad"
nplt=0 nplt_objs=0
for obj in $plt_objs; do
	objdump -d -C -j .plt -j .plt.sec -j .plt.got "$obj" 2>/dev/null |
		sed -n 's/^0*\([0-9a-f][0-9a-f]*\) <\(.*\)>:$/\1\t\2/p' |
		sed 's/\t.*@plt-0x[0-9a-f]*$/\t[plt]/' >"$T/plt.ref"
	[ -s "$T/plt.ref" ] || continue
	nplt_objs=$((nplt_objs + 1))
	# every stub at its start and at start + 15 (x86-64 PLT entries are
	# 16 bytes; .plt.got's 8-byte ones are checked at their start only)
	awk -F'\t' '{ print $1 }' "$T/plt.ref" | "$SYMCHAIN" "$obj" | paste - - - | cut -f2 >"$T/plt.ours"
	paste "$T/plt.ref" "$T/plt.ours" | awk -F'\t' -v o="$(basename "$obj")" '$2 != $3 { print o ": 0x" $1 " objdump " $2 " ours " $3 }' >>"$T/plt.bad"
	nplt=$((nplt + $(wc -l <"$T/plt.ref")))
	objdump -d -j .plt -j .plt.sec "$obj" 2>/dev/null | awk '/^Disassembly of section/ { next } /^[0-9a-f]+ </ { print }' |
		sed -n 's/^\([0-9a-f]*\) .*/\1/p' | awk '{ print $1 }' >"$T/plt.starts"
	while read -r a; do hexsub "$a" -15; done <"$T/plt.starts" >"$T/plt.ends"
	"$SYMCHAIN" "$obj" <"$T/plt.ends" | paste - - - | cut -f2 >"$T/plt.ours_end"
	"$SYMCHAIN" "$obj" <"$T/plt.starts" | paste - - - | cut -f2 >"$T/plt.ours_start"
	paste "$T/plt.starts" "$T/plt.ours_start" "$T/plt.ours_end" |
		awk -F'\t' -v o="$(basename "$obj")" '$2 != $3 { print o ": 0x" $1 " +15 is " $3 ", not " $2 }' >>"$T/plt.bad"
done
check "PLT stubs named as objdump names them ($nplt stubs in $nplt_objs objects, start and last byte)" \
	[ "$nplt_objs" -ge 4 -a "$nplt" -ge 200 -a ! -s "$T/plt.bad" ]
[ -s "$T/plt.bad" ] && diag "$(head -n 9 "$T/plt.bad")"

# Facts from the source, whatever the reference tools say.
S=$top_srcdir/tests/symbolize/corpus
# chain_names FILE: the function names of each record, " > "-joined, one per line
chain_names() {
	awk -F' [|] ' '{ s = ""; for (i = 2; i <= NF; i += 2) s = s (i > 2 ? " > " : "") $i; print s }' "$1"
}
chain_full() {
	awk -F' [|] ' '{ s = ""; for (i = 2; i < NF; i += 2) s = s (i > 2 ? " > " : "") $i " " $(i + 1); print s }' "$1"
}
sl=$(line_of "$S/search.c" 'leak_sink = malloc(16);')
bl=$(line_of "$S/search.c" 'int *r = bsearch(&k')
l4=$(line_of "$S/search.c" 'char *p = malloc(n);')
l3=$(line_of "$S/search.c" 'return level4(n + 1);')
l2=$(line_of "$S/search.c" 'char *p = level3(n * 2);')
l1=$(line_of "$S/search.c" 'return level2(n + 3);')
l0=$(line_of "$S/search.c" 'return level1((size_t)i);')
lk=$(line_of "$S/search.c" 'spin_sink += mix(')
lc=$(line_of "$S/search.c" 'int x = key_of(a), y = key_of(b);')
lq=$(line_of "$S/search.c" 'return compare_keys(a, b);')
wl=$(line_of "$S/widget.cc" 'Widget(const char *n, int i) : name(n), id(i) {}')
ml=$(line_of "$S/widget.cc" 'return new Widget(name, id);')
# has NAME FILE ERE: some chain of FILE matches ERE
has() {
	if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1"; diag "no chain matches $3"; fi
}
for bin in $bins; do
	name=$(basename "$bin")
	chain_full "$T/$name.ours" >"$T/$name.full"
	case $name in
	search-*)
		has "$name: malloc in the bsearch comparator: bcmp_ < bsearch < sorter" "$T/$name.full" \
			"^bcmp_ [^ ]*/search\.c:$sl > bsearch [^ ]*/stdlib-bsearch\.h:[0-9]+ > sorter [^ ]*/search\.c:$bl\$"
		has "$name: malloc four helpers deep: level4 < level3 < level2 < level1 < deep_alloc" "$T/$name.full" \
			"^level4 [^ ]*/search\.c:$l4 > level3 [^ ]*/search\.c:$l3 > level2 [^ ]*/search\.c:$l2 > level1 [^ ]*/search\.c:$l1 > deep_alloc [^ ]*/search\.c:$l0\$"
		has "$name: the qsort comparator's loop: mix < key_of < compare_keys < qcmp" "$T/$name.full" \
			"^mix [^ ]*/search\.c:[0-9]+ > key_of [^ ]*/search\.c:$lk > compare_keys [^ ]*/search\.c:$lc > qcmp [^ ]*/search\.c:$lq\$"
		;;
	widget-*)
		has "$name: std::string built in a constructor: basic_string < Widget::Widget < make_widget" "$T/$name.full" \
			"::basic_string(<std::allocator<char> >)?\(char const\*, std::allocator<char> const&\) [^ ]*/basic_string\.h:[0-9]+ > Widget::Widget\(char const\*, int\) [^ ]*/widget\.cc:$wl > make_widget\(char const\*, int\) [^ ]*/widget\.cc:$ml\$"
		;;
	esac
done
done_testing
