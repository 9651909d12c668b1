#!/bin/sh
# SPDX-License-Identifier: MIT
# arrows.sh: the calls between the files of analyze/ and bench/ run one
# way (HACKING.md, "One-way arrows"). From the objects make check built:
# file A calls file B when A needs a global symbol B defines (nm); any
# cycle of such calls (a strongly connected set of files) is listed. A
# control graph with a known cycle proves the check can fail.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP python3 not found"; exit 0; }
command -v nm >/dev/null 2>&1 || { echo "1..0 # SKIP nm not found"; exit 0; }

cat >"$TAP_TMP/scc.py" <<'PY'
import collections, sys
# input: "FILE<TAB>D|U<TAB>SYMBOL" lines; output: one line per cycle
defs, refs, files = {}, collections.defaultdict(set), set()
for line in sys.stdin:
    f, kind, sym = line.rstrip("\n").split("\t")
    files.add(f)
    if kind == "D":
        defs.setdefault(sym, f)
    else:
        refs[f].add(sym)
graph = {f: sorted({defs[s] for s in refs[f] if s in defs and defs[s] != f}) for f in sorted(files)}
index, low, stack, on, count = {}, {}, [], set(), [0]
def visit(v):
    # iterative Tarjan
    work = [(v, 0)]
    while work:
        v, i = work.pop()
        if i == 0:
            index[v] = low[v] = count[0]; count[0] += 1
            stack.append(v); on.add(v)
        for k in range(i, len(graph[v])):
            w = graph[v][k]
            if w not in index:
                work.append((v, k + 1)); work.append((w, 0)); break
            if w in on:
                low[v] = min(low[v], index[w])
        else:
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    print("cycle: " + " ".join(sorted(comp)))
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
for f in sorted(files):
    if f not in index:
        visit(f)
PY

# nm_edges OBJ...: the FILE/D|U/SYMBOL lines of the objects.
nm_edges() {
	local o
	for o in "$@"; do
		nm "$o" | "$AWK" -v f="$(basename "$o" .o)" '
			NF == 3 && $2 ~ /^[TDBRVWC]$/ { print f "\tD\t" $3 }
			NF == 2 && $1 == "U" { print f "\tU\t" $2 }'
	done
}

# The control: a -> b -> a is a cycle, c -> a is not part of it.
printf 'a\tD\tfa\na\tU\tfb\nb\tD\tfb\nb\tU\tfa\nc\tD\tmain\nc\tU\tfa\n' | python3 "$TAP_TMP/scc.py" >"$TAP_TMP/control"
is "$(cat "$TAP_TMP/control")" "cycle: a b" "control: the cycle a <-> b is found"

# group NAME GLOB...: the objects of one program (or library and its users).
group() {
	local name=$1 n
	shift
	# shellcheck disable=SC2086
	set -- $(for g in "$@"; do ls $g 2>/dev/null; done)
	n=$#
	[ "$n" -gt 0 ] || bail_out "$name: no objects (make check builds them)"
	nm_edges "$@" | python3 "$TAP_TMP/scc.py" >"$TAP_TMP/$name.out"
	if [ -s "$TAP_TMP/$name.out" ]; then
		not_ok "$name: no call cycle between its $n files"
		diag "$(cat "$TAP_TMP/$name.out")"
	else
		ok "$name: no call cycle between its $n files"
	fi
}
B=$top_builddir
group kprof "$B/analyze/kprof-*.o"
group libkbench+drivers "$B/bench/.libs/libkbench_la-*.o" "$B/bench/bench_*.o"
group kbench "$B/bench/kbench-*.o"
group bench_connect "$B/bench/bench_connect-*.o"
done_testing
