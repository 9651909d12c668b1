#!/bin/sh
# SPDX-License-Identifier: MIT
# real.sh: real programs run under libkalloc.so (full mode) must behave
# exactly as without it: same stdout, same stderr, same exit status. Also
# checks that each run wrote its reports and that programs they execute
# write their own (<prefix>.<pid>) instead of overwriting the parent's.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
cd "$T" || exit 1

# same NAME CMD...: run CMD plain and under kalloc, compare everything.
same() {
	_name=$1
	shift
	"$@" >"$T/plain.out" 2>"$T/plain.err"
	_rc1=$?
	kalloc "$T/$_name" "$@" >"$T/k.out" 2>"$T/k.err"
	_rc2=$?
	is "$_rc2" "$_rc1" "$_name: same exit status ($_rc1)"
	if cmp -s "$T/plain.out" "$T/k.out"; then ok "$_name: same stdout"; else
		not_ok "$_name: same stdout"
		diff -u "$T/plain.out" "$T/k.out" | head -n 20 | sed 's/^/# /'
	fi
	if cmp -s "$T/plain.err" "$T/k.err"; then ok "$_name: same stderr"; else
		not_ok "$_name: same stderr"
		diff -u "$T/plain.err" "$T/k.err" | head -n 20 | sed 's/^/# /'
	fi
	check "$_name: wrote $_name.leaks.json and $_name.stats.json" \
		test -s "$T/$_name.leaks.json" -a -s "$T/$_name.stats.json"
}

PY=/usr/bin/python3
if [ -x "$PY" ]; then
	same python "$PY" -c 'import json, collections, threading
d = collections.Counter(w for w in ("a b c a b a " * 5000).split())
t = [threading.Thread(target=lambda: sum(range(100000))) for _ in range(4)]
[x.start() for x in t]; [x.join() for x in t]
print(json.dumps(sorted(d.items())))'
	same python-exit3 "$PY" -c 'import sys; sys.stderr.write("bye\n"); sys.exit(3)'
else
	skip "python3 not installed"
fi

if command -v git >/dev/null 2>&1; then
	export GIT_CONFIG_NOSYSTEM=1 HOME=$T GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
	git init -q repo && cd repo && git config user.email t@example.com && git config user.name T &&
		seq 1 1000 >f && git add f && git commit -q -m one && seq 1 2000 >f && git commit -q -am two
	same git-log git log --stat --format='%H %s'
	same git-version git --version
	same git-bad git log no-such-revision
	cd "$T" || exit 1
else
	skip "git not installed"
fi

if command -v gcc >/dev/null 2>&1; then
	printf '#include <stdio.h>\nint main(void) { printf("%%d\\n", 6 * 7); return 0; }\n' >prog.c
	same gcc-compile gcc -O2 -Wall -o prog prog.c
	is "$(./prog)" 42 "the program gcc built under kalloc works"
	ls "$T"/gcc-compile.*.leaks.json >/dev/null 2>&1
	check "gcc's children (cc1, as, ld) wrote gcc-compile.<pid>.* files" [ $? -eq 0 ]
	printf 'int main(void) { return x; }\n' >bad.c
	same gcc-error gcc -c bad.c -o bad.o
else
	skip "gcc not installed"
fi

awk 'BEGIN { srand(7); for (i = 0; i < 300000; i++) printf "%d %s\n", int(rand() * 1000000), substr("abcdefghij", i % 10 + 1) }' >big.txt
same sort sort -k1,1n -k2 big.txt
same sort-S sort -S 1M -r big.txt

same mt "$KC/mt"
same dlopen "$KC/dl"
same forkexec "$KC/forkexec"
check "forkexec: the forked child wrote forkexec.<pid>.* " ls "$T"/forkexec.*.stats.json
done_testing
