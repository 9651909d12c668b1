#!/bin/sh
# SPDX-License-Identifier: MIT
# kprof history: add/show/dashboard/export on a fresh database and on one
# with 1000 runs, regression markers, two concurrent writers losing
# nothing, and clear errors for corrupt or foreign database files.
set -u
. "$top_srcdir/tests/tap.sh"
# The store under test: SQLite files here; history-pg.sh sources this file
# with HDB=postgresql:/// for the same checks on PostgreSQL databases.
: "${HDB:=}"
[ -n "${TAP_TMP:-}" ] || tap_tmpdir
# runs get their branch and runner from CI variables: not from this CI's
unset GITHUB_HEAD_REF GITHUB_REF_NAME CI_COMMIT_REF_NAME RUNNER_NAME CI_RUNNER_DESCRIPTION KPROF_HISTORY_URL
cd "$TAP_TMP" || exit 1
AWK=${AWK:-awk}

# gen FIRST LAST THROUGHPUT_FACTOR_FROM FACTOR: run-N.json files with two
# benchmarks, 5 repetitions each, 1% noise; runs >= FROM get their
# throughput multiplied by FACTOR.
gen() {
	$AWK -v first="$1" -v last="$2" -v from="$3" -v factor="$4" -v seed="$5" 'BEGIN {
		srand(seed);
		for (r = first; r <= last; r++) {
			f = sprintf("run-%04d.json", r);
			k = (r >= from) ? factor : 1;
			printf "{\"schema\":\"kprof-bench/1\",\"timestamp\":\"2026-%02d-%02dT%02d:%02d:00Z\",", 1 + int(r / 600) % 12, 1 + int(r / 24) % 28, r % 24, r % 60 > f;
			printf "\"git_commit\":\"%040d\",\"host\":{\"hostname\":\"ci\",\"cpus\":2},\"benchmarks\":[", r > f;
			for (b = 0; b < 2; b++) {
				base = b ? 250000 : 1000000;
				printf "%s{\"name\":\"pub\",\"backend\":\"%s\",\"config\":{\"size\":100,\"batch\":1,\"clients\":1},", b ? "," : "", b ? "kafka" : "memory" > f;
				printf "\"metrics\":{\"throughput_msgs_per_sec\":%.1f,\"latency_p99_ns\":%.1f,\"bytes_per_msg\":%.2f},\"repetitions\":[", base * k, 5000 + b * 80000, 180 + b * 40 > f;
				for (i = 0; i < 5; i++)
					printf "%s{\"throughput_msgs_per_sec\":%.1f,\"latency_p99_ns\":%.1f}", i ? "," : "", base * k * (1 + 0.01 * (rand() + rand() + rand() - 1.5)), (5000 + b * 80000) * (1 + 0.01 * (rand() - 0.5)) > f;
				printf "]}" > f;
			}
			print "]}" > f;
			close(f);
		}
	}'
}

# --- fresh database ------------------------------------------------------
gen 1 6 6 0.85 1
"$KPROF_BIN" history add "${HDB}fresh.db" run-0001.json >add.out 2>&1
is "$?" 0 "add to a new database"
check "add says what it stored: $(cat add.out)" \
	grep -q "^added run 1 from run-0001.json (commit 000000000000, 2 benchmarks, 6 metrics) to ${HDB}fresh.db\$" add.out
"$KPROF_BIN" history show "${HDB}fresh.db" >show1.out 2>&1
is "$?" 0 "show a one-run database"
grep -q "^${HDB}fresh.db: 1 run, 2 benchmarks\$" show1.out
check "show counts runs and benchmarks" test $? -eq 0
"$KPROF_BIN" history add "${HDB}fresh.db" run-0002.json run-0003.json run-0004.json run-0005.json run-0006.json >/dev/null
is "$?" 0 "add five more runs in one call"
"$KPROF_BIN" history show "${HDB}fresh.db" >show6.out 2>&1
grep -q "^${HDB}fresh.db: 6 runs, 2 benchmarks\$" show6.out
check "six runs stored" test $? -eq 0
# run 6 drops throughput by 15%: both benchmarks get a marker at run #6
n=$(grep -c '1 regression, last at run #6 (commit 000000000000)' show6.out)
is "$n" 2 "show marks the 15% drop of run 6 on both benchmarks"
grep -q 'pub/memory size=100 batch=1 clients=1 .*!' show6.out
check "the trend line carries the marker" test $? -eq 0
grep 'latency_p99_ns' -A3 show6.out | grep -q 'regression'
check "p99 did not change: no marker there" test $? -ne 0

"$KPROF_BIN" history dashboard "${HDB}fresh.db" -o fresh.html 2>/dev/null
is "$?" 0 "dashboard of the fresh database"
grep -q '<svg' fresh.html && grep -q 'class="reg"' fresh.html && ! grep -qi 'https\?://[^"]*\.\(js\|css\)' fresh.html \
	&& ! grep -q '<script[^>]*src=' fresh.html && ! grep -q '<link' fresh.html
check "dashboard: inline SVG charts, regression rows, no external resources" test $? -eq 0
npaths=$(grep -o '<path d="M[0-9.]* [0-9.]*L[^"]*"' fresh.html | wc -l)
check "dashboard: trend lines drawn ($npaths polylines)" test "$npaths" -ge 4
for t in 'Throughput trends' 'p99 latency trends' 'Backend comparison' 'Feature impact\|No feature variants' 'Bytes allocated per message'; do
	grep -q "$t" fresh.html
	check "dashboard section: $t" test $? -eq 0
done

"$KPROF_BIN" history export "${HDB}fresh.db" --format gab-bigger >big.json
is "$?" 0 "export gab-bigger"
"$KPROF_BIN" history export "${HDB}fresh.db" --format gab-smaller -o small.json
is "$?" 0 "export gab-smaller -o FILE"
n=$(grep -c '"name":' big.json)
is "$n" 2 "customBiggerIsBetter: one throughput entry per benchmark"
n=$(grep -c '"name":' small.json)
is "$n" 4 "customSmallerIsBetter: p99 and bytes/msg per benchmark"
grep -q '"unit": "msg/s"' big.json && grep -q '"value": ' big.json && grep -q '"unit": "ns"' small.json
check "export entries carry name, unit, value" test $? -eq 0
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    assert isinstance(d, list) and d and all(set(("name","unit","value")) <= set(e) for e in d)' big.json small.json
	check "export is a JSON array of {name, unit, value}" test $? -eq 0
else
	skip "python3 missing: JSON structure of export not checked"
fi

# --- 1000 runs -----------------------------------------------------------
mkdir big && cd big || exit 1
gen 1 1000 900 0.8 2
ls run-*.json >list
"$KPROF_BIN" history add "${HDB}big.db" $(cat list) >add.out 2>&1
is "$?" 0 "add 1000 runs"
n=$(grep -c '^added run' add.out)
is "$n" 1000 "1000 'added run' lines"
"$KPROF_BIN" history show "${HDB}big.db" >show.out 2>&1
is "$?" 0 "show the 1000-run database"
grep -q "^${HDB}big.db: 1000 runs, 2 benchmarks\$" show.out
check "1000 runs stored" test $? -eq 0
"$KPROF_BIN" history show "${HDB}big.db" --last 200 >show200.out 2>&1
n=$(grep -c 'last at run #900 ' show200.out)
is "$n" 2 "the drop at run 900 is marked on both benchmarks"
"$KPROF_BIN" history dashboard "${HDB}big.db" -o big.html 2>/dev/null
is "$?" 0 "dashboard of 1000 runs"
size=$(wc -c <big.html)
check "dashboard of 1000 runs is one bounded file ($size bytes)" test "$size" -gt 10000 -a "$size" -lt 5000000
grep -q 'class="reg"><td>#900<' big.html
check "dashboard lists the regression at run #900" test $? -eq 0
cd ..

# --- two concurrent writers ----------------------------------------------
mkdir conc && cd conc || exit 1
gen 1 60 100 1 3
writer() { # writer FIRST LAST: one process per add
	i=$1
	while [ $i -le $2 ]; do
		"$KPROF_BIN" history add "${HDB}conc.db" "$(printf 'run-%04d.json' $i)" >/dev/null 2>>"err.$1" || echo fail >>"err.$1"
		i=$((i + 1))
	done
}
writer 1 30 &
p1=$!
writer 31 60 &
p2=$!
wait $p1 $p2
"$KPROF_BIN" history show "${HDB}conc.db" >conc.out 2>&1
grep -q "^${HDB}conc.db: 60 runs, 2 benchmarks\$" conc.out
conc_rc=$?
check "two concurrent writers x 30 adds: 60 runs, none lost ($(head -1 conc.out))" test $conc_rc -eq 0
[ -s err.1 ] && diag "$(cat err.1)"
[ -s err.31 ] && diag "$(cat err.31)"
check "no writer failed" test ! -s err.1 -a ! -s err.31
# the same file twice is one run (a re-run CI job), --force adds it anyway
"$KPROF_BIN" history add "${HDB}conc.db" run-0007.json >again.out 2>&1
is "$?" 0 "adding a stored run again is not an error"
check "and says so: $(cat again.out)" \
	grep -q "is already in ${HDB}conc.db as run [0-9]* (same time, commit, host and suite): not added again" again.out
"$KPROF_BIN" history show "${HDB}conc.db" | head -1 | grep -q "^${HDB}conc.db: 60 runs"
check "still 60 runs" test $? -eq 0
"$KPROF_BIN" history add "${HDB}conc.db" run-0007.json --force >/dev/null
"$KPROF_BIN" history show "${HDB}conc.db" | head -1 | grep -q "^${HDB}conc.db: 61 runs"
check "--force adds it anyway" test $? -eq 0
cd ..

# the file or database-specific checks of each store follow in its own file
[ -z "$HDB" ] || return 0

# --- corrupt and foreign files -------------------------------------------
head -c 8192 /dev/urandom >junk.db
sum_before=$(cksum <junk.db)
"$KPROF_BIN" history show junk.db >/dev/null 2>err
st=$?
if [ $st -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q 'junk.db: not a usable kprof history database' err; then
	ok "random bytes: exit 2, $(cat err)"
else
	not_ok "random bytes: exit 2 with one clear line (got $st: $(cat err))"
fi
"$KPROF_BIN" history add junk.db run-0001.json >/dev/null 2>err
is "$?" 2 "add into a corrupt file fails instead of overwriting it"
test "$(cksum <junk.db)" = "$sum_before"
check "the corrupt file is left untouched" test $? -eq 0
cp fresh.db trunc.db
dd if=/dev/urandom of=trunc.db bs=1 seek=0 count=100 conv=notrunc 2>/dev/null
"$KPROF_BIN" history show trunc.db >/dev/null 2>err
st=$?
if [ $st -eq 2 ] && [ "$(wc -l <err)" -eq 1 ]; then ok "database with a clobbered header: $(cat err)"
else not_ok "database with a clobbered header: exit 2, one line (got $st: $(cat err))"; fi
printf 'hello\n' >text.db
"$KPROF_BIN" history dashboard text.db -o x.html >/dev/null 2>err
is "$?" 2 "a text file is refused"
test ! -e x.html
check "no dashboard written from a bad database" test $? -eq 0
"$KPROF_BIN" history show nothere.db >/dev/null 2>err
is "$?" 2 "show of a missing database fails"
check "missing database: $(cat err)" grep -q 'no such database' err
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 foreign.db 'CREATE TABLE t(x); INSERT INTO t VALUES(1);'
	"$KPROF_BIN" history show foreign.db >/dev/null 2>err
	st=$?
	if [ $st -eq 2 ] && grep -q 'not a kprof history database' err; then ok "foreign SQLite file: $(cat err)"
	else not_ok "foreign SQLite file refused (got $st: $(cat err))"; fi
else
	skip "sqlite3 shell missing: foreign database case not checked"
fi
printf '{"schema":"kprof-bench/1"}' >nobench.json
"$KPROF_BIN" history add new.db run-0001.json nobench.json >/dev/null 2>err
is "$?" 2 "a bad results file among several: exit 2"
check "and no database was created: $(cat err)" test ! -e new.db
mkdir dir.db
"$KPROF_BIN" history add dir.db run-0001.json >/dev/null 2>err
is "$?" 2 "a directory is not a database: $(cat err)"
"$KPROF_BIN" history frobnicate fresh.db >/dev/null 2>&1
is "$?" 2 "unknown subcommand is a usage error"
done_testing
