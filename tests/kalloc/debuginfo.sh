#!/bin/sh
# SPDX-License-Identifier: MIT
# debuginfo.sh: where libkalloc's report finds debug information. Local
# only: a separate debug file named by .gnu_debuglink (next to the object
# or in its .debug directory) gives file:line, and an object with no debug
# information anywhere never makes the traced process load the debuginfod
# client (libdebuginfod, libcurl), even with DEBUGINFOD_URLS set.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
if ! command -v objcopy >/dev/null 2>&1; then
	echo "1..0 # SKIP objcopy not installed"
	exit 0
fi

# Debug information only in a separate file, found through .gnu_debuglink.
for where in same dotdebug; do
	mkdir -p "$T/$where/.debug"
	cp "$KC/corpus/leak-malloc" "$T/$where/lm"
	dbg=$T/$where/lm.debug
	[ "$where" = dotdebug ] && dbg=$T/$where/.debug/lm.debug
	objcopy --only-keep-debug "$T/$where/lm" "$dbg" &&
		objcopy --strip-debug --add-gnu-debuglink="$dbg" "$T/$where/lm" "$T/$where/lm.s" &&
		mv "$T/$where/lm.s" "$T/$where/lm"
	check "$where: the program itself has no DWARF left" \
		sh -c "! readelf -S '$T/$where/lm' | grep -q debug_info"
	kalloc "$T/$where/out" "$T/$where/lm" >/dev/null 2>&1
	check "$where: leak site has file:line from the separate debug file" \
		grep -q 'in leak_malloc .*leak-malloc\.c:[0-9]' "$T/$where/out.leaks.txt"
done
# A debug file whose CRC does not match the link is not used.
cp "$T/same/lm" "$T/same/lm2"
echo garbage >>"$T/same/lm.debug"
kalloc "$T/same/bad" "$T/same/lm2" >/dev/null 2>&1
check "a debug file with the wrong CRC is ignored (symbol, no line)" \
	sh -c "grep -q 'in leak_malloc (' '$T/same/bad.leaks.txt' && ! grep -q 'leak-malloc\.c:' '$T/same/bad.leaks.txt'"

# No debug information anywhere: symbols from .symtab, and no debuginfod.
cp "$KC/corpus/leak-malloc" "$T/nodbg"
strip -g "$T/nodbg"
DEBUGINFOD_URLS=http://127.0.0.1:9 DEBUGINFOD_CACHE_PATH=$T/cache LD_DEBUG=files \
	KALLOC_OUT=$T/nd KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC "$T/nodbg" >/dev/null 2>"$T/nd.ld"
check "no debug info: leak site still named from the symbol table" \
	grep -q 'in leak_malloc (' "$T/nd.leaks.txt"
is "$(grep -c 'file=libdebuginfod' "$T/nd.ld")" 0 "DEBUGINFOD_URLS set: libdebuginfod is never loaded"
is "$(grep -c 'file=libcurl' "$T/nd.ld")" 0 "DEBUGINFOD_URLS set: libcurl is never loaded"
done_testing
