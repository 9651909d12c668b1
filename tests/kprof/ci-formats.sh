#!/bin/bash
# SPDX-License-Identifier: MIT
# CI report formats of kprof leaks and kprof compare (kprof-formats(7)):
#  - SARIF of the leak corpus (tests/kalloc/corpus, run under libkalloc)
#    validates against the OASIS SARIF 2.1.0 schema (tests/kprof/ci/) and,
#    field by field, has one result per leak group with the right rule,
#    and a primary location at the allocating line of the program's own
#    source, relative to the source root;
#  - JUnit XML is well-formed (xmllint) with the right numbers of tests,
#    failures and skipped cases for runs with and without leaks, with
#    suppressions, and for compares with and without a regression;
#  - GitHub annotations read back (as the runner reads them) to the same
#    file, line and text, one line per finding;
#  - hostile names (ill-formed UTF-8, markup, newlines, %, ::, commas)
#    still give valid files;
#  - golden files (diff -u) for all three formats of both commands.
# KPROF_REGEN=1 rewrites the golden files.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
T=$TAP_TMP
CI=$top_srcdir/tests/kprof/ci
KC=$top_builddir/tests/kalloc/corpus
KS=$top_srcdir/tests/kalloc/corpus
SRC=$(cd "$top_srcdir" && pwd -P)
XMLLINT=${XMLLINT:-xmllint}
K=$KPROF_BIN
version=$("$K" --version | sed 's/^kprof //')

# A python3 with the jsonschema module (Debian's python3-jsonschema) when
# there is one: the schema check needs it, the field checks do not.
PY=python3
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p; break; fi
done
# sarif_check FILE: results as "rule uri line name suppressed level" lines
# into FILE.res; 0 when valid.
sarif_check() { "$PY" "$CI/sarif-check.py" "$CI/sarif-schema-2.1.0.json" "$1" >"$1.res" 2>"$1.err"; }
# xq FILE XPATH: a number or string from an XML file
xq() { "$XMLLINT" --xpath "$2" "$1" 2>/dev/null; }

# ---- the leak corpus --------------------------------------------------
progs="leak-malloc leak-calloc leak-realloc leak-aligned leak-strdup leak-new leak-thread leak-indirect clean cleanxx"
inputs=""
for p in $progs; do
	KALLOC_OUT=$T/$p KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC "$KC/$p" >/dev/null 2>&1
	if [ ! -s "$T/$p.leaks.json" ]; then
		not_ok "$p: libkalloc wrote no $p.leaks.json"
		continue
	fi
	inputs="$inputs $T/$p"
done
# every group of the .exp files, as "kind function"
cat $(for p in $progs; do echo "$KS/$p.exp"; done) | awk 'NF { print $1, $4 }' | sort >"$T/want.groups"
ngroups=$(wc -l <"$T/want.groups")

# shellcheck disable=SC2086
"$K" leaks $inputs --format sarif --source-root "$SRC" -o "$T/corpus.sarif"
is "$?" 0 "leaks --format sarif of the corpus exits 0 (no --fail)"
if sarif_check "$T/corpus.sarif"; then ok "corpus SARIF: UTF-8, JSON, SARIF 2.1.0 structure"
else not_ok "corpus SARIF: UTF-8, JSON, SARIF 2.1.0 structure"; diag "$(cat "$T/corpus.sarif.err")"; fi
is "$(tail -n 1 "$T/corpus.sarif.res")" "schema: valid" "corpus SARIF validates against the SARIF 2.1.0 JSON schema"
is "$(grep -c '^kprof/' "$T/corpus.sarif.res")" "$ngroups" "corpus SARIF: one result per leak group ($ngroups)"
got=$(awk -F'\t' '/^kprof\// { k = $1 == "kprof/definite-leak" ? "definite" : $1 == "kprof/indirect-leak" ? "indirect" : $1
	n = $4; sub(/\(.*/, "", n); print k, n }' "$T/corpus.sarif.res" | sort)
is "$got" "$(cat "$T/want.groups")" "corpus SARIF: rule ids and allocating functions match the .exp files"
is "$(awk -F'\t' '/^kprof\// && $6 != ($1 == "kprof/definite-leak" ? "error" : "warning")' "$T/corpus.sarif.res")" "" \
	"corpus SARIF: definite leaks are errors, indirect ones warnings"
# Every primary location is a corpus source file named relative to the
# source root, and its line is the allocating call in that file.
bad=""
while IFS=$'\t' read -r rule uri line name supp level; do
	case $rule in kprof/*) ;; *) continue ;; esac
	case $uri in
	tests/kalloc/corpus/*.c | tests/kalloc/corpus/*.cc) ;;
	*) bad="$bad [$name: uri $uri]"; continue ;;
	esac
	src=$(sed -n "${line}p" "$SRC/$uri")
	# leak-realloc.c's grow() reaches realloc by a tail call (no frame of
	# its own at -O2): its call is the program's allocating line.
	if ! printf '%s\n' "$src" | grep -Eq 'malloc|calloc|realloc|aligned_alloc|memalign|strn?dup|new |grow\('; then
		bad="$bad [$name: $uri:$line is '$src']"
	fi
done <"$T/corpus.sarif.res"
is "$bad" "" "corpus SARIF: every location is the allocating line of the program's source, repository-relative"
check "corpus SARIF: SRCROOT is the source root" grep -q "\"uri\": \"file://$SRC/\"" "$T/corpus.sarif"
# leak-indirect.c: both groups at make_node's malloc, line 21
is "$(awk -F'\t' '$2 == "tests/kalloc/corpus/leak-indirect.c" { print $1, $3 }' "$T/corpus.sarif.res" | sort | tr '\n' ' ')" \
	"kprof/definite-leak 21 kprof/indirect-leak 21 " "leak-indirect: both groups at leak-indirect.c:21"
# without a source root that covers them the files are absolute file URIs
"$K" leaks "$T/leak-malloc" --format sarif --source-root /nonexistent -o "$T/abs.sarif"
sarif_check "$T/abs.sarif"
is "$(awk -F'\t' '/^kprof/ { print $2 }' "$T/abs.sarif.res")" "file://$SRC/tests/kalloc/corpus/leak-malloc.c" \
	"outside every source root: an absolute file URI"
# A build with a relative source directory (../../src/x.c, as compiled in a
# VPATH build): the name resolves against the directory kprof runs in.
mkdir -p "$T/x/y"
relname=$("$PY" -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' \
	"$SRC/tests/kalloc/corpus/leak-malloc.c" "$T/x/y")
sed "s|\"file\":\"[^\"]*leak-malloc.c\"|\"file\":\"$relname\"|g" "$T/leak-malloc.leaks.json" >"$T/x/y/rel.leaks.json"
(cd "$T/x/y" && "$K" leaks rel.leaks.json --format github --source-root "$SRC") >"$T/rel.gh"
is "$(sed 's/,title=.*//' "$T/rel.gh")" "::error file=tests/kalloc/corpus/leak-malloc.c,line=$(awk -F'\t' '/^kprof/ { print $3 }' "$T/abs.sarif.res")" \
	"a relative name from a VPATH build ($relname) maps into the repository"
"$K" leaks "$T/leak-malloc" --format sarif --source-root relative/dir >/dev/null 2>"$T/rel.err"
is "$?" 2 "--source-root must be absolute (exit 2)"

# JUnit: a run with leaks, one without, the whole corpus
"$K" leaks "$T/leak-indirect" --format junit --source-root "$SRC" -o "$T/li.xml"
check "JUnit of a run with leaks is well-formed" "$XMLLINT" --noout "$T/li.xml"
is "$(xq "$T/li.xml" 'string(/testsuites/@tests)') $(xq "$T/li.xml" 'string(/testsuites/@failures)') $(xq "$T/li.xml" 'count(//testcase)') $(xq "$T/li.xml" 'count(//failure)')" \
	"2 2 2 2" "JUnit leak-indirect: 2 tests, 2 failures"
is "$(xq "$T/li.xml" 'string(//testcase[failure/@type="definite"]/@name)')" \
	"definite leak in make_node at tests/kalloc/corpus/leak-indirect.c:21" "JUnit: test case named by kind, function, file:line"
check "JUnit: the failure carries the stack" grep -Eq '#[0-9]+ main tests/kalloc/corpus/leak-indirect.c:46' "$T/li.xml"
"$K" leaks "$T/clean" --format junit --source-root "$SRC" -o "$T/clean.xml"
check "JUnit of a run without leaks is well-formed" "$XMLLINT" --noout "$T/clean.xml"
is "$(xq "$T/clean.xml" 'string(/testsuites/@tests)') $(xq "$T/clean.xml" 'string(/testsuites/@failures)') $(xq "$T/clean.xml" 'string(//testcase/@name)')" \
	"1 0 no leaks" "JUnit clean: 1 passing test case"
# shellcheck disable=SC2086
"$K" leaks $inputs --format junit --source-root "$SRC" -o "$T/corpus.xml"
check "JUnit of the corpus is well-formed" "$XMLLINT" --noout "$T/corpus.xml"
is "$(xq "$T/corpus.xml" 'count(//testsuite)') $(xq "$T/corpus.xml" 'string(/testsuites/@tests)') $(xq "$T/corpus.xml" 'string(/testsuites/@failures)')" \
	"10 $((ngroups + 2)) $ngroups" "JUnit corpus: a suite per program, a failure per group, clean ones pass"

# GitHub annotations
"$K" leaks "$T/leak-indirect" "$T/clean" --format github --source-root "$SRC" >"$T/li.gh"
if "$PY" "$CI/gh-check.py" "$T/li.gh" >"$T/li.gh.json" 2>"$T/li.gh.err"; then ok "github: every line is a workflow command"
else not_ok "github: every line is a workflow command"; diag "$(cat "$T/li.gh.err")"; fi
is "$("$PY" -c 'import json,sys
for l in open(sys.argv[1]): d = json.loads(l); print(d["cmd"], d["file"], d["line"], d["title"])' "$T/li.gh.json")" \
	"error tests/kalloc/corpus/leak-indirect.c 21 Direct leak of 32 bytes in 1 block
warning tests/kalloc/corpus/leak-indirect.c 21 Indirect leak of 160 bytes in 5 blocks" \
	"github: ::error for the definite leak, ::warning for the indirect one, at file and line; nothing for clean"

# Suppressions: the same groups as the text report leaves out
"$K" leaks "$T/leak-indirect" --suppressions "$top_srcdir/tests/kprof/golden/kalloc.supp" >"$T/supp.txt"
check "text report: leak:make_list suppresses both groups" grep -q '^suppressed: 192 bytes in 6 blocks' "$T/supp.txt"
"$K" leaks "$T/leak-indirect" --suppressions "$top_srcdir/tests/kprof/golden/kalloc.supp" --format sarif \
	--source-root "$SRC" --fail -o "$T/supp.sarif"
is "$?" 0 "--fail: suppressed leaks do not fail"
sarif_check "$T/supp.sarif"
is "$(awk -F'\t' '/^kprof/ { print $5 }' "$T/supp.sarif.res" | tr '\n' ' ')" "1 1 " \
	"SARIF: suppressed groups are results with suppressions"
check "SARIF: the suppression names its pattern" grep -q '"justification": "leak:make_list in ' "$T/supp.sarif"
"$K" leaks "$T/leak-indirect" --suppressions "$top_srcdir/tests/kprof/golden/kalloc.supp" --format junit \
	--source-root "$SRC" -o "$T/supp.xml"
is "$(xq "$T/supp.xml" 'string(/testsuites/@tests)') $(xq "$T/supp.xml" 'string(/testsuites/@failures)') $(xq "$T/supp.xml" 'count(//skipped)')" \
	"2 0 2" "JUnit: suppressed groups are skipped, not failed"
"$K" leaks "$T/leak-indirect" --suppressions "$top_srcdir/tests/kprof/golden/kalloc.supp" --format github >"$T/supp.gh"
is "$(wc -c <"$T/supp.gh")" 0 "github: no annotation for suppressed groups"
"$K" leaks "$T/leak-indirect" --format github --fail >/dev/null
is "$?" 1 "--fail with --format github: exit 1 on leaks"

# A report libkalloc could not check (count mode) is said so, not passed.
KALLOC_MODE=count KALLOC_OUT=$T/count KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC "$KC/leak-malloc" >/dev/null 2>&1
"$K" leaks "$T/count" --format junit -o "$T/count.xml"
is "$(xq "$T/count.xml" 'string(/testsuites/@tests)') $(xq "$T/count.xml" 'string(/testsuites/@skipped)') $(xq "$T/count.xml" 'string(//testcase/@name)')" \
	"1 1 leak check" "JUnit of an unchecked report: one skipped test case"
"$K" leaks "$T/count" --format github >"$T/count.gh"
check "github: an unchecked report is a warning saying why" grep -q '^::warning title=kprof leaks::.*not checked: leak checking needs KALLOC_MODE=full' "$T/count.gh"
"$K" leaks "$T/count" --format sarif -o "$T/count.sarif"
sarif_check "$T/count.sarif"
check "SARIF of an unchecked report: valid, with a tool notification" grep -q '"toolExecutionNotifications"' "$T/count.sarif"

# The allocating frame is the program's own: allocator and runtime frames
# at the leaf (another allocator's malloc, operator new, strdup in libc)
# and a library frame outside the repository are passed over.
cat >"$T/deep.leaks.json" <<'EOF'
{"schema":"kprof-leaks/1","program":"/src/build/app","definitely_lost":{"blocks":2,"bytes":80},
"indirectly_lost":{"blocks":0,"bytes":0},"still_reachable":{"blocks":0,"bytes":0},"suppressed":{"blocks":0,"bytes":0},
"leaks":[{"kind":"definite","blocks":1,"bytes":48,"stack":[
 {"function":"malloc","file":"","line":0,"object":"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"},
 {"function":"operator new(unsigned long)","file":"../../../../libstdc++-v3/libsupc++/new_op.cc","line":50,"object":"/usr/lib/x86_64-linux-gnu/libstdc++.so.6"},
 {"function":"rd_kafka_conf_new","file":"/usr/src/librdkafka/rdkafka_conf.c","line":2231,"object":"/usr/lib/x86_64-linux-gnu/librdkafka.so.1"},
 {"function":"kb_kafka_open","file":"/src/bench/backend-kafka.c","line":120,"object":"/src/build/app"},
 {"function":"main","file":"/src/bench/main.c","line":9,"object":"/src/build/app"}]},
 {"kind":"definite","blocks":1,"bytes":32,"stack":[
 {"function":"__strdup","file":"./string/strdup.c","line":42,"object":"/usr/lib/x86_64-linux-gnu/libc.so.6"},
 {"function":"opaque","file":"","line":0,"object":"/usr/lib/libthird.so"},
 {"function":"main","file":"/src/bench/main.c","line":11,"object":"/src/build/app"}]}]}
EOF
"$K" leaks "$T/deep.leaks.json" --format sarif --source-root /src -o "$T/deep.sarif"
sarif_check "$T/deep.sarif"
is "$(awk -F'\t' '/^kprof/ { print $4, $2 ":" $3 }' "$T/deep.sarif.res" | tr '\n' ' ')" \
	"kb_kafka_open bench/backend-kafka.c:120 main bench/main.c:11 " \
	"SARIF: the location is the first frame of the program's own code in the repository"
"$K" leaks "$T/deep.leaks.json" --format github --source-root /nowhere >"$T/deep.gh"
is "$(sed 's/,title=.*//' "$T/deep.gh" | tr '\n' ' ')" \
	"::error title=Direct leak of 48 bytes in 1 block::Direct leak of 48 bytes in 1 block allocated in rd_kafka_conf_new at /usr/src/librdkafka/rdkafka_conf.c:2231 (program app). Stack:%0A    #0 malloc (libjemalloc.so.2)%0A    #1 operator new(unsigned long) ../../../../libstdc++-v3/libsupc++/new_op.cc:50 (libstdc++.so.6)%0A    #2 rd_kafka_conf_new /usr/src/librdkafka/rdkafka_conf.c:2231 (librdkafka.so.1)%0A    #3 kb_kafka_open /src/bench/backend-kafka.c:120 (app)%0A    #4 main /src/bench/main.c:9 (app) ::error title=Direct leak of 32 bytes in 1 block::Direct leak of 32 bytes in 1 block allocated in opaque in libthird.so (program app). Stack:%0A    #0 __strdup ./string/strdup.c:42 (libc.so.6)%0A    #1 opaque (libthird.so)%0A    #2 main /src/bench/main.c:11 (app) " \
	"github: nothing in the repository: the first non-runtime frame, no file= outside it"

# ---- hostile names ----------------------------------------------------
# Function, file and program names with ill-formed UTF-8, markup, quotes,
# newlines, CR, %, ::, commas and colons, a tab and a C0 control.
H=$T/hostile.leaks.json
"$PY" "$CI/hostile-leaks.py" "$H"
for fmt in sarif junit github; do
	"$K" leaks "$H" --format $fmt --source-root /src -o "$T/hostile.$fmt" 2>"$T/hostile.$fmt.err"
	is "$?" 0 "hostile names: leaks --format $fmt exits 0"
done
if sarif_check "$T/hostile.sarif"; then ok "hostile SARIF: UTF-8, JSON, SARIF structure"
else not_ok "hostile SARIF: UTF-8, JSON, SARIF structure"; diag "$(cat "$T/hostile.sarif.err")"; fi
is "$(tail -n 1 "$T/hostile.sarif.res")" "schema: valid" "hostile SARIF validates against the schema"
is "$(awk -F'\t' '/^kprof/ { print $2 ":" $3 }' "$T/hostile.sarif.res" | sort | tr '\n' ' ')" \
	"%ED%A0%80.c:9 dir%20with%20space/evil%25%2Cx%3Ay%3Cz%3E.c:7 " "hostile SARIF: file names percent-encoded into URIs"
is "$("$PY" -c 'import json,sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for r in sorted(d["runs"][0]["results"], key=lambda r: r["message"]["text"]):
    print(ascii(r["locations"][0]["logicalLocations"][0]["name"]))' "$T/hostile.sarif")" \
	"'bad\ufffd\ufffdutf8\ufffd\ufffd\r\t\x01end'
'evil<b>&amp;\"\\'</b>\\n::error file=x::pwned%0A'" \
	"hostile SARIF: names read back exactly, ill-formed UTF-8 as one U+FFFD per maximal subpart"
check "hostile JUnit is well-formed XML" "$XMLLINT" --noout "$T/hostile.junit"
is "$(xq "$T/hostile.junit" 'string(/testsuites/@failures)') $(xq "$T/hostile.junit" 'string(//property[@name="program"]/@value)')" \
	"2 /bin/pro�g<&>\"x\"" "hostile JUnit: 2 failures, the program name read back (U+FFFD for the bad byte)"
is "$(xq "$T/hostile.junit" 'string(//testcase[contains(@name, "evil")]/@name)')" \
	"definite leak in evil<b>&amp;\"'</b>
::error file=x::pwned%0A at dir with space/evil%,x:y<z>.c:7" "hostile JUnit: the name reads back exactly, newline included"
if "$PY" "$CI/gh-check.py" "$T/hostile.github" >"$T/hostile.gh.json" 2>"$T/hostile.gh.err"; then
	ok "hostile github: every line is one well-formed workflow command"
else not_ok "hostile github: every line is one well-formed workflow command"; diag "$(cat "$T/hostile.gh.err")"; fi
is "$(wc -l <"$T/hostile.github")" 2 "hostile github: one line per leak group (no injected line)"
is "$("$PY" -c 'import json,sys
for l in sorted(open(sys.argv[1], encoding="utf-8")):
    d = json.loads(l); print(ascii((d["file"], d["line"], d["msg"][48:90])))' "$T/hostile.gh.json")" \
	"('dir with space/evil%,x:y<z>.c', '7', 'evil<b>&amp;\"\\'</b>\\n::error file=x::pwned%0')
('\ufffd\ufffd\ufffd.c', '9', 'bad\ufffd\ufffdutf8\ufffd\ufffd\r\t\x01end at \ufffd\ufffd\ufffd.c:9 (program pro\ufffd')" \
	"hostile github: file, line and message read back as the runner unescapes them"

# The same names in a heap profile: the in-use report in the CI formats,
# and the flame graph (one XML escaper for both) stay valid.
"$PY" "$CI/hostile-pprof.py" "$T/hostile.pb.gz"
"$K" leaks "$T/hostile.pb.gz" --format sarif --source-root /src -o "$T/hheap.sarif"
sarif_check "$T/hheap.sarif"
is "$(tail -n 1 "$T/hheap.sarif.res"):$(awk -F'\t' '/^kprof/ { print $1, $2, $3 }' "$T/hheap.sarif.res")" \
	"schema: valid:kprof/in-use-at-exit %C0%AF%3Cdir%3E/x.c 7" "hostile heap profile: SARIF valid, in-use result at the bad file"
"$K" leaks "$T/hostile.pb.gz" --format junit -o "$T/hheap.xml"
check "hostile heap profile: JUnit well-formed" "$XMLLINT" --noout "$T/hheap.xml"
"$K" flame "$T/hostile.pb.gz" -o "$T/hostile.svg"
check "hostile heap profile: the flame graph is well-formed XML" "$XMLLINT" --noout "$T/hostile.svg"

# ---- compare ----------------------------------------------------------
D=$top_srcdir/tests/kbench/data
mkdir -p "$T/cmp" && cp "$D/base.json" "$D/new.json" "$T/cmp/" && cd "$T/cmp" || exit 1
for fmt in sarif junit github; do
	"$K" compare base.json new.json --format $fmt --source-root "$T/cmp" -o "out.$fmt" 2>"err.$fmt"
	is "$?" 1 "compare --format $fmt exits 1 on a regression"
	"$K" compare base.json base.json --format $fmt --source-root "$T/cmp" -o "aa.$fmt" 2>"aaerr.$fmt"
	is "$?" 0 "compare --format $fmt: A/A exits 0"
done
sarif_check out.sarif
is "$(tail -n 1 out.sarif.res)" "schema: valid" "compare SARIF validates against the schema"
is "$(grep -c '^kprof/regression' out.sarif.res)" 3 "compare SARIF: one result per regression (3)"
sarif_check aa.sarif
is "$(grep -c '^kprof/regression' aa.sarif.res)" 0 "compare SARIF A/A: no result"
check "compare JUnit is well-formed" "$XMLLINT" --noout out.junit
check "compare JUnit A/A is well-formed" "$XMLLINT" --noout aa.junit
is "$(xq out.junit 'string(/testsuites/@tests)') $(xq out.junit 'string(/testsuites/@failures)') $(xq out.junit 'string(/testsuites/@skipped)') $(xq out.junit 'count(//failure)')" \
	"13 3 2 3" "compare JUnit: 11 metric test cases + 2 one-sided, 3 failures"
is "$(xq aa.junit 'string(/testsuites/@tests)') $(xq aa.junit 'string(/testsuites/@failures)')" "13 0" \
	"compare JUnit A/A: 13 test cases, no failure"
is "$(xq out.junit 'string(//testcase[failure]/@name)')" "throughput_msgs_per_sec" "compare JUnit: the failing case names the metric"
"$PY" "$CI/gh-check.py" out.github >out.gh.json 2>out.gh.err
is "$?" 0 "compare github: well-formed workflow commands"
is "$("$PY" -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["title"])' out.gh.json)" \
	"Regression: pub/memory size=100 batch=1 clients=1 throughput_msgs_per_sec
Regression: pub/kafka size=100 batch=1 clients=1 allocs_per_msg
Regression: e2e/memory size=100 batch=1 clients=1 throughput_msgs_per_sec" "compare github: an ::error per regression, titled benchmark and metric"
is "$(wc -c <aa.github)" 0 "compare github A/A: nothing"

# With CPU profiles on both sides the regression links its differential
# flame graph (relative to the report written with -o).
"$PY" - "$D/cpu.pb.gz" <<'EOF'
import json, sys
for f in ("base.json", "new.json"):
    d = json.load(open(f))
    d["benchmarks"][0]["artifacts"] = {"cpu_profile": sys.argv[1]}
    json.dump(d, open("fg-" + f, "w"))
EOF
mkdir -p rep
"$K" compare fg-base.json fg-new.json --format sarif --source-root "$T/cmp" --diff-dir rep/compare \
	-o rep/compare.sarif 2>fg.err
check "compare SARIF with a flame graph: the graph was drawn" test -s rep/compare/pub_memory_size_100_batch_1_clients_1.diff.svg
check "compare SARIF: the result links it as an attachment" \
	grep -q '"uri": "compare/pub_memory_size_100_batch_1_clients_1.diff.svg"' rep/compare.sarif
sarif_check rep/compare.sarif
is "$(tail -n 1 rep/compare.sarif.res)" "schema: valid" "compare SARIF with attachment validates"
"$K" compare fg-base.json fg-new.json --format github --diff-dir rep/compare -o rep/compare.github
check "compare github: the annotation names the flame graph" \
	grep -q 'differential flame graph: compare/pub_memory_size_100_batch_1_clients_1.diff.svg' rep/compare.github

# A kbench run names its suite file: in the repository, that is where the
# regressions are located.
"$PY" -c 'import json, sys
d = json.load(open("new.json")); d["kbench"] = {"suite_file": sys.argv[1] + "/bench/suites/quick.suite"}
json.dump(d, open("suite-new.json", "w"))' "$SRC"
"$K" compare base.json suite-new.json --format sarif --source-root "$SRC" -o suite.sarif
sarif_check suite.sarif
is "$(awk -F'\t' '/^kprof/ { print $2 }' suite.sarif.res | sort -u)" "bench/suites/quick.suite" \
	"compare SARIF: regressions located at the suite file when it is in the repository"

# Hostile benchmark names in compare
"$PY" - <<'EOF'
import json
for f in ("base.json", "new.json"):
    d = json.load(open(f))
    d["benchmarks"][0]["name"] = "pu<b>&\"\n::error::x%,:"
    d["benchmarks"][0]["backend"] = "mem\udcffory"
    s = json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogateescape")
    open("h-" + f, "wb").write(s)
EOF
for fmt in sarif junit github; do
	"$K" compare h-base.json h-new.json --format $fmt --source-root "$T/cmp" -o "h.$fmt" 2>/dev/null
	is "$?" 1 "hostile compare --format $fmt exits 1 (the regression is still found)"
done
sarif_check h.sarif
is "$(tail -n 1 h.sarif.res)" "schema: valid" "hostile compare SARIF validates"
check "hostile compare JUnit is well-formed" "$XMLLINT" --noout h.junit
is "$(xq h.junit 'string(/testsuites/@failures)')" 3 "hostile compare JUnit: 3 failures"
"$PY" "$CI/gh-check.py" h.github >h.gh.json 2>/dev/null
is "$?:$(wc -l <h.github)" "0:3" "hostile compare github: 3 well-formed lines"

# ---- golden files -----------------------------------------------------
# golden NAME: compare $T/gold.NAME with $CI/NAME (version normalized)
golden() {
	sed -e "s/\"$version\"/\"@VERSION@\"/g" -e "s|$T|@TMP@|g" "$T/gold.$1" >"$T/gold.$1.n"
	if [ -n "${KPROF_REGEN:-}" ]; then
		cp "$T/gold.$1.n" "$CI/$1"
		ok "$1 regenerated"
	elif diff -u "$CI/$1" "$T/gold.$1.n" >"$T/gold.$1.diff"; then
		ok "$1 matches"
	else
		not_ok "$1 differs from golden"
		diag "$(head -40 "$T/gold.$1.diff")"
	fi
}
cd "$top_srcdir/tests/kprof/golden" || exit 1
"$K" leaks kalloc.leaks.json --format sarif --source-root /build >"$T/gold.kalloc.leaks.sarif"
golden kalloc.leaks.sarif
"$K" leaks kalloc.leaks.json --format junit --source-root /build --suppressions kalloc.supp >"$T/gold.kalloc.leaks.junit.xml"
golden kalloc.leaks.junit.xml
"$K" leaks kalloc.leaks.json --format github --source-root /build >"$T/gold.kalloc.leaks.github"
golden kalloc.leaks.github
cd "$T/cmp" || exit 1
"$K" compare base.json new.json --format sarif --source-root "$T" >"$T/gold.compare.sarif"
golden compare.sarif
"$K" compare base.json new.json --format junit >"$T/gold.compare.junit.xml"
golden compare.junit.xml
"$K" compare base.json new.json --format github >"$T/gold.compare.github"
golden compare.github
done_testing
