#!/bin/sh
# SPDX-License-Identifier: MIT
# kbench suite files: the shipped suites expand to the documented matrices,
# driver blocks override global settings, and every mistake in a suite
# file is reported as FILE:LINE with exit status 2.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
KBENCH=$top_builddir/bench/kbench

"$KBENCH" list --suite quick >quick.txt 2>&1
is "$?" 0 "kbench list --suite quick"
is "$(head -1 quick.txt | sed 's/ (.*)//')" "suite quick: 18 cases" "quick: 18 cases"
n=$(grep -c -- '--backend memory' quick.txt)
is "$n" 10 "quick: 10 memory cases (2 of them feature variants)"
n=$(grep -c -- '--backend kafka' quick.txt)
is "$n" 8 "quick: 8 kafka cases"
grep -q 'e2e-memory-s100-b1-c1 .*bench_e2e .*--rate 20000' quick.txt
check "quick: the [e2e] block sets its rate" test $? -eq 0
grep -q 'pub-memory-s1024-b100-c1-correlation_id-metadata8 .*--correlation-id --metadata 8' quick.txt
check "quick: a second [pub] block adds the feature variants" test $? -eq 0
"$KBENCH" list --suite full >full.txt 2>&1
is "$?" 0 "kbench list --suite full"
# pub: 4 backends x 3 sizes x 4 batches x 5 clients x 3 features = 720
n=$(grep -c ' bench_pub ' full.txt)
is "$n" 720 "full: publisher matrix backends x sizes x batches x clients x features"
"$KBENCH" list --suite quick --backends kafka >k.txt
is "$(head -1 k.txt | sed 's/ (.*)//')" "suite quick: 8 cases" "--backends kafka restricts the matrix"

cat >my.suite <<'S'
# a comment
name = mine
sizes = 100, 200
count = 1000
reps = 3
[pub]
backends = memory
features = none ack correlation_id+metadata=4
[core]
S
"$KBENCH" list --suite ./my.suite >my.txt 2>&1
is "$?" 0 "a suite file given by path"
is "$(head -1 my.txt | sed 's/ (.*)//')" "suite mine: 8 cases" "2 sizes x 3 features + 2 core cases"
grep -q 'pub-memory-s200-b1-c1-correlation_id-metadata4 .*--correlation-id --metadata 4' my.txt
check "feature combinations become flags and case ids" test $? -eq 0
grep -q 'core-s100 .*bench_core --size 100 --reps 3 --count 1000' my.txt
check "core cases take no backend" test $? -eq 0

bad() { # bad NAME LINE_NO TEXT: suite with TEXT must fail with my.suite:LINE
	printf '%s\n' "$3" >bad.suite
	"$KBENCH" list --suite ./bad.suite >/dev/null 2>err
	st=$?
	if [ $st -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q "^kbench: ./bad.suite:$2: " err; then
		ok "$1: $(cat err)"
	else
		not_ok "$1: exit 2 with ./bad.suite:$2 (got $st: $(cat err))"
	fi
}
bad "unknown key" 2 "$(printf '[pub]\nsize = 100')"
bad "bad size" 1 "$(printf 'sizes = 100 big\n[pub]')"
bad "unknown backend" 1 "$(printf 'backends = memory zeromq\n[pub]')"
bad "unknown feature" 2 "$(printf '[pub]\nfeatures = none turbo')"
bad "feature without value" 2 "$(printf '[pub]\nfeatures = metadata')"
bad "unknown driver block" 1 "[publisher]"
bad "line without =" 2 "$(printf '[pub]\nbackends memory')"
bad "reps out of range" 1 "$(printf 'reps = 0\n[pub]')"
printf '[pub]\nsizes = 100 200\n[pub]\nsizes = 200\n' >dup.suite
"$KBENCH" list --suite ./dup.suite >/dev/null 2>err
st=$?
if [ $st -eq 2 ] && grep -q 'two driver blocks produce the same case' err; then ok "overlapping blocks: $(cat err)"
else not_ok "overlapping blocks are refused (got $st: $(cat err))"; fi
printf 'name = empty\n' >empty.suite
"$KBENCH" list --suite ./empty.suite >/dev/null 2>err
is "$?" 2 "a suite without driver block is refused"
"$KBENCH" list --suite nosuch >/dev/null 2>err
is "$?" 2 "unknown suite name"
check "unknown suite name: $(cat err)" grep -q "no suite named 'nosuch'" err
"$KBENCH" run --suite quick >/dev/null 2>err
is "$?" 2 "run without --out is a usage error"
"$KBENCH" run --suite quick --out x --backends memory,zmq >/dev/null 2>err
is "$?" 2 "unknown backend in --backends"
touch plainfile
"$KBENCH" run --suite quick --out plainfile >/dev/null 2>err
is "$?" 2 "--out naming a file: $(cat err)"
"$KBENCH" frob >/dev/null 2>&1
is "$?" 2 "unknown command"
done_testing
