#!/bin/sh
# SPDX-License-Identifier: MIT
# kalloc.sh: inline chains in what libkalloc writes, on the corpus built
# at -O2 (with frame pointers, so that the stacks are whole whatever the
# unwinder): every frame of every leak stack, heap profile location and
# stats.json top site in the program equals addr2line -i at that address,
# frame for frame; the known chains are there in order (the bsearch
# comparator's leak: bcmp_ < bsearch < sorter < main; the std::string of a
# Widget: basic_string < Widget::Widget < make_widget < main); leaks.json
# marks each inlined frame; a suppression naming an inlined function
# applies; kprof leaks shows the same chains from leaks.json and from
# heap.pb.gz.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/symbolize/lib.sh"
need_built "$KPROF_LIBKALLOC"
for tool in addr2line readelf; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool (binutils) not installed"
		exit 0
	fi
done
tap_tmpdir
T=$TAP_TMP
S=$top_srcdir/tests/symbolize/corpus
kalloc() {
	_p=$1
	shift
	KALLOC_OUT=$_p KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC "$@"
}

for prog in search-cc-fp widget-cxx-fp; do
	bin=$SB/corpus/$prog
	if [ ! -x "$bin" ]; then
		not_ok "$prog built"
		continue
	fi
	plain=$("$bin")
	out=$(kalloc "$T/$prog" "$bin")
	is "$?" 0 "$prog: exit status 0 under libkalloc"
	is "$out" "$plain" "$prog: output unchanged under libkalloc"
	# every pc of the program in the leak report: its frames are addr2line's
	report_chains "$T/$prog.leaks.txt" "$bin" | awk -F'\t' '!seen[$1]++' >"$T/$prog.txtchains"
	to_vaddr "$bin" 1 <"$T/$prog.txtchains" >"$T/$prog.calls"
	check_chains "$prog: leaks.txt, every program frame equals addr2line -i's" "$bin" "$T/$prog.calls"
	# leaks.json: the same frames as leaks.txt
	json_frames "$T/$prog.leaks.json" >"$T/$prog.jframes"
	grep -E ' (true|false)$' "$T/$prog.jframes" | sed 's/ \(true\|false\)$//' >"$T/$prog.jnames"
	awk '/^    #[0-9]+ 0x/ { l = $0; sub(/^    #[0-9]+ 0x[0-9a-f]+ in /, "", l)
		for (k = length(l); k > 0; k--) if (substr(l, k, 2) == " (") { l = substr(l, 1, k - 1); break }
		print l }' "$T/$prog.leaks.txt" >"$T/$prog.tnames"
	check "$prog: leaks.json stacks have leaks.txt's frames ($(wc -l <"$T/$prog.tnames") frames)" \
		cmp -s "$T/$prog.jnames" "$T/$prog.tnames"
	# heap profile: every location in the program equals addr2line -i's
	if [ -n "$PPROF" ]; then
		raw_locations "$T/$prog.heap.pb.gz" "$bin" | to_vaddr "$bin" 0 >"$T/$prog.hloc"
		check_chains "$prog: heap.pb.gz, every location's Lines equal addr2line -i's" "$bin" "$T/$prog.hloc"
		"$PPROF" -top "$T/$prog.heap.pb.gz" >"$T/$prog.ptop" 2>&1
		is "$?" 0 "$prog: pprof -top opens the heap profile"
	else
		skip "pprof not installed"
		skip "pprof not installed"
	fi
done

# The chains themselves, from the source.
sl=$(line_of "$S/search.c" 'leak_sink = malloc(16);')
bl=$(line_of "$S/search.c" 'int *r = bsearch(&k')
ml=$(line_of "$S/search.c" 's += sorter(i);')
l4=$(line_of "$S/search.c" 'char *p = malloc(n);')
l0=$(line_of "$S/search.c" 'return level1((size_t)i);')
dl=$(line_of "$S/search.c" 's += deep_alloc(i)[0];')
check "leaks.txt: the bsearch comparator's leak is bcmp_ < bsearch < sorter, one pc" \
	grep -Eq "	bcmp_ [|] [^ ]*/search\.c:$sl [|] bsearch [|] [^ ]*/stdlib-bsearch\.h:[0-9]+ [|] sorter [|] [^ ]*/search\.c:$bl\$" \
	"$T/search-cc-fp.txtchains"
grep -A4 'allocated from:' "$T/search-cc-fp.leaks.txt" | grep -A3 ' in bcmp_ ' | head -n 4 >"$T/bcmp.txt"
is "$(sed 's/^    \(#[0-9]*\) 0x[0-9a-f]* in \([^ ]*\) [^ ]*\/\([^/ ]*\) .*/\1 \2 \3/' "$T/bcmp.txt")" \
"#0 bcmp_ search.c:$sl
#1 bsearch stdlib-bsearch.h:33
#2 sorter search.c:$bl
#3 main search.c:$ml" "leaks.txt: frames #0-#3 of the bsearch comparator's leak"
check "leaks.txt: the 4-deep helpers' leak: level4 < level3 < level2 < level1 < deep_alloc < main" \
	grep -Eq "^    #4 0x[0-9a-f]+ in deep_alloc [^ ]*/search\.c:$l0 " "$T/search-cc-fp.leaks.txt"
grep -A6 'allocated from:' "$T/search-cc-fp.leaks.txt" | grep -A5 ' in level4 ' | head -n 6 |
	sed 's/^    #[0-9]* 0x[0-9a-f]* in \([^ ]*\) .*/\1/' >"$T/deep.txt"
is "$(tr '\n' ' ' <"$T/deep.txt")" "level4 level3 level2 level1 deep_alloc main " \
	"leaks.txt: every helper of the 4-deep chain, in order"
is "$(grep -A3 '^bcmp_ ' "$T/search-cc-fp.jframes" | sed 's/ .*:[0-9]* / /' | head -n 4 | tr '\n' ' ')" \
	"bcmp_ true bsearch true sorter false main false " "leaks.json: inlined frames marked, the physical one not"
json_frames "$T/search-cc-fp.stats.json" >"$T/stats.frames"
check "stats.json top sites: bcmp_ < bsearch < sorter" \
	sh -c "grep -A2 '^bcmp_ ' '$T/stats.frames' | sed 's/ [^ ]*\$//; s/ .*\// /' | tr '\n' ' ' | grep -q 'bcmp_ search.c:$sl bsearch stdlib-bsearch.h:33 sorter search.c:$bl'"
if [ -n "$PPROF" ]; then
	check "heap.pb.gz: one location with the Lines bcmp_, bsearch, sorter" \
		grep -Eq "	bcmp_ [|] [^ ]*/search\.c:$sl [|] bsearch [|] [^ ]*/stdlib-bsearch\.h:[0-9]+ [|] sorter [|] [^ ]*/search\.c:$bl\$" \
		"$T/search-cc-fp.hloc"
else
	skip "pprof not installed"
fi
wl=$(line_of "$S/widget.cc" 'Widget(const char *n, int i) : name(n), id(i) {}')
nl=$(line_of "$S/widget.cc" 'return new Widget(name, id);')
check "leaks.txt: the leaked Widget's name: basic_string < Widget::Widget < make_widget" \
	grep -Eq "::basic_string(<std::allocator<char> >)?\(char const\*, std::allocator<char> const&\) [|] [^ ]*/basic_string\.h:[0-9]+ [|] Widget::Widget\(char const\*, int\) [|] [^ ]*/widget\.cc:$wl [|] make_widget\(char const\*, int\) [|] [^ ]*/widget\.cc:$nl\$" \
	"$T/widget-cxx-fp.txtchains"

# Suppressions see inlined frames: "leak:bsearch" names a frame that
# exists only as inlined code.
printf 'leak:bsearch\n' >"$T/supp"
KALLOC_SUPPRESSIONS=$T/supp kalloc "$T/supp-run" "$SB/corpus/search-cc-fp" >/dev/null
check "KALLOC_SUPPRESSIONS: leak:bsearch suppresses the comparator's leak" \
	sh -c "! grep -q ' in bcmp_ ' '$T/supp-run.leaks.txt' && grep -q ' in level4 ' '$T/supp-run.leaks.txt'"

# kprof leaks: the chains from leaks.json, and from the heap profile.
if [ -x "$KPROF_BIN" ]; then
	"$KPROF_BIN" leaks "$T/search-cc-fp" >"$T/kl.txt" 2>&1
	is "$(grep -A3 ' bcmp_ ' "$T/kl.txt" | head -n 4 | sed 's/^ *\(#[0-9]*\) \([^ ]*\) [^ ]*\/\([^/ ]*\) .*/\1 \2 \3/')" \
"#0 bcmp_ search.c:$sl
#1 bsearch stdlib-bsearch.h:33
#2 sorter search.c:$bl
#3 main search.c:$ml" "kprof leaks PREFIX: frames #0-#3 of the comparator's leak"
	"$KPROF_BIN" leaks "$T/search-cc-fp.heap.pb.gz" >"$T/kh.txt" 2>&1
	is "$(grep -A3 ' bcmp_ ' "$T/kh.txt" | head -n 4 | sed 's/^ *\(#[0-9]*\) \([^ ]*\) [^ ]*\/\([^/ ]*\) .*/\1 \2 \3/')" \
"#0 bcmp_ search.c:$sl
#1 bsearch stdlib-bsearch.h:33
#2 sorter search.c:$bl
#3 main search.c:$ml" "kprof leaks heap.pb.gz: the same frames from the profile's Lines"
	"$KPROF_BIN" leaks "$T/search-cc-fp" --suppressions "$T/supp" >"$T/ks.txt" 2>&1
	check "kprof leaks --suppressions leak:bsearch matches the inlined frame" \
		sh -c "! grep -q ' bcmp_ ' '$T/ks.txt' && grep -q ' level4 ' '$T/ks.txt'"
else
	for i in 1 2 3; do not_ok "kprof not built ($KPROF_BIN)"; done
fi
done_testing
