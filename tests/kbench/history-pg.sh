#!/bin/bash
# SPDX-License-Identifier: MIT
# kprof history on PostgreSQL, on a private server started for this test
# (scripts/pgserver: initdb and pg_ctl into a temporary directory, an
# unprivileged user, a random port on 127.0.0.1), stopped at the end
# whatever happens. The whole of history.sh and the checks of every store
# (history-lib.sh) run against it; then what only a server has: 8
# concurrent writers x 50 runs, the server stopped in the middle of a
# write, connection errors, copies to and from SQLite, KPROF_HISTORY_URL.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kbench/history-lib.sh"
tap_tmpdir
PGS="$top_srcdir/scripts/pgserver"
SRV="$TAP_TMP/server"
trap '"$PGS" stop "$SRV" >/dev/null 2>&1; rm -rf "$TAP_TMP"' EXIT
trap 'exit 1' INT TERM HUP
cd "$TAP_TMP" || exit 1
unset GITHUB_HEAD_REF GITHUB_REF_NAME CI_COMMIT_REF_NAME RUNNER_NAME CI_RUNNER_DESCRIPTION KPROF_HISTORY_URL

# durability is not under test here: no fsync, so the 1000-run part is quick
port=$(PGSERVER_OPTS="-c fsync=off -c synchronous_commit=off" "$PGS" start "$SRV" 2>server.err)
st=$?
if [ $st -eq 3 ]; then
	echo "1..0 # SKIP PostgreSQL server binaries missing ($(cat server.err)); scripts/deps installs postgresql"
	exit 0
fi
if [ $st -ne 0 ]; then
	echo "Bail out! the private PostgreSQL server did not start: $(cat server.err)"
	exit 1
fi
eval "$("$PGS" env "$SRV" | sed 's/^/export /')"
PSQL="psql -X -q -A -t -v ON_ERROR_STOP=1"
mkdb() { $PSQL -d postgres -c "CREATE DATABASE \"$1\"" >/dev/null; }
sql() { $PSQL -d "$1" -c "$2"; }

"$KPROF_BIN" history show postgresql:///postgres >probe.out 2>&1
if grep -q 'built without PostgreSQL support' probe.out; then
	one_line_exit2 "a kprof without libpq refuses postgresql:// in one line" \
		"$KPROF_BIN" history show postgresql:///postgres
	skip "this kprof was built without libpq: the PostgreSQL store is not tested"
	done_testing
fi

# --- the existing history test set, on PostgreSQL ------------------------------
for d in fresh.db big.db conc.db where.db copy.db; do mkdb "$d"; done
HDB=postgresql:///
. "$top_srcdir/tests/kbench/history.sh"
cd "$TAP_TMP" || exit 1

# --- the checks of every store ------------------------------------------------------
hist_set_version() { sql "${1#postgresql:///}" "UPDATE kprof.meta SET value = '$2' WHERE key = 'kprof_history_schema'"; }
history_store_checks
n=$(sql where.db "SELECT count(*) FROM kprof.runs")
is "$n" 7 "the runs are in the server's tables (kprof.runs)"

# --- 8 concurrent writers x 50 runs --------------------------------------------------
mkdb many
mkdir many && cd many || exit 1
for i in $(seq 1 400); do
	hist_results "$(printf 'm%03d' "$i")" "$(printf '2027-01-%02dT%02d:%02d:00Z' $((i / 100 + 1)) $((i / 60 % 24)) $((i % 60)))"
done
# writer K adds its 50 runs and, racing writer K+1, the first 10 of those
writer() {
	local k=$1 i j
	for i in $(seq $((k * 50 + 1)) $((k * 50 + 50))) $(seq $(((k + 1) % 8 * 50 + 1)) $(((k + 1) % 8 * 50 + 10))); do
		j=$(printf 'm%03d.json' "$i")
		"$KPROF_BIN" history add postgresql:///many "$j" >>"out.$k" 2>>"err.$k" || echo "add $j failed" >>"err.$k"
	done
}
pids=
for k in 0 1 2 3 4 5 6 7; do
	writer $k &
	pids="$pids $!"
done
wait $pids
cat err.* >errs 2>/dev/null
check "no writer failed" test ! -s errs
[ -s errs ] && diag "$(head -5 errs)"
n=$(sql many "SELECT count(*) || ' ' || count(DISTINCT ident) || ' ' || count(DISTINCT \"timestamp\") FROM kprof.runs")
is "$n" "400 400 400" "8 writers x 50 runs (plus 80 racing re-adds): all 400 stored, each once"
n=$(sql many "SELECT count(*) FROM kprof.results")
m=$(sql many "SELECT count(*) FROM kprof.results WHERE run_id = (SELECT min(id) FROM kprof.runs)")
check "every run has all its results ($n = 400 x $m)" test "$n" -eq $((400 * m)) -a "$m" -gt 0
n=$(cat out.* | grep -c 'not added again')
is "$n" 80 "the 80 re-adds were each told the run is already there"
n=$(sql many "SELECT count(*) FROM kprof.benchmarks")
m=$(grep -c '"name"' "$top_srcdir/tests/kbench/data/base.json")
check "benchmarks stored once each ($n)" test "$n" -gt 0 -a "$n" -le "$m"
cd "$TAP_TMP" || exit 1

# --- the server stops in the middle of a write -----------------------------------------
mkdb crash
hist_results c1 2027-02-01T10:00:00Z
hist_results c2 2027-02-02T10:00:00Z new.json
"$KPROF_BIN" history add postgresql:///crash c1.json >/dev/null 2>&1
before=$(sql crash "SELECT count(*) || '/' || (SELECT count(*) FROM kprof.results) || '/' || (SELECT count(*) FROM kprof.benchmarks) FROM kprof.runs")
# A session holds the results table, so the writer stops inside its
# transaction: its run row is written, its results wait for the lock.
$PSQL -d crash -c "BEGIN; LOCK TABLE kprof.results IN EXCLUSIVE MODE; SELECT pg_sleep(60);" >/dev/null 2>&1 &
locker=$!
for i in $(seq 1 100); do
	n=$(sql crash "SELECT count(*) FROM pg_locks WHERE relation = 'kprof.results'::regclass AND mode = 'ExclusiveLock' AND granted")
	[ "$n" = 1 ] && break
	sleep 0.1
done
"$KPROF_BIN" history add postgresql:///crash c2.json >crash.out 2>crash.err &
writer_pid=$!
waiting=0
for i in $(seq 1 200); do
	n=$(sql crash "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kprof' AND wait_event_type = 'Lock'")
	[ "$n" = 1 ] && { waiting=1; break; }
	sleep 0.1
done
check "the writer is inside its transaction, waiting" test "$waiting" -eq 1
"$PGS" halt "$SRV" 2>halt.err
st=$?
is "$st" 0 "the server is stopped (fast shutdown ends every session)"
wait "$writer_pid"
st=$?
wait "$locker" 2>/dev/null
check "the writer exits non-zero (exit $st)" test "$st" -ne 0
lines=$(wc -l <crash.err)
grep -q '^kprof: history: postgresql:///crash: cannot add c2.json: .*\(terminat\|closed\)' crash.err
r=$?
check "with one clear line ($lines): $(cat crash.err)" test $r -eq 0 -a "$lines" -eq 1
"$PGS" resume "$SRV" 2>resume.err
st=$?
is "$st" 0 "the server is started again"
after=$(sql crash "SELECT count(*) || '/' || (SELECT count(*) FROM kprof.results) || '/' || (SELECT count(*) FROM kprof.benchmarks) FROM kprof.runs")
is "$after" "$before" "nothing half-written is visible: runs/results/benchmarks as before ($before)"
"$KPROF_BIN" history add postgresql:///crash c2.json >/dev/null 2>&1
st=$?
n=$(sql crash "SELECT count(*) FROM kprof.runs")
check "the same add goes through afterwards (exit $st, $n runs)" test "$st" -eq 0 -a "$n" -eq 2

# --- errors: one line, exit 2 -------------------------------------------------------------
one_line_exit2 "a bad URI" "$KPROF_BIN" history show "postgresql://kprof@127.0.0.1:notaport/x"
one_line_exit2 "a URI with an unknown parameter" "$KPROF_BIN" history show "postgresql:///x?frobnicate=1"
PGPASSWORD=wrong "$KPROF_BIN" history show "postgresql://kprof:secret-pw@127.0.0.1:$PGPORT/fresh.db" >/dev/null 2>pw.err
st=$?
if [ $st -eq 2 ] && [ "$(wc -l <pw.err)" -eq 1 ] && grep -q 'password authentication failed' pw.err; then
	ok "a wrong password: $(cat pw.err)"
else
	not_ok "a wrong password: exit 2, one line (got $st: $(cat pw.err))"
fi
grep -q 'secret-pw' pw.err
r=$?
check "the password is not printed" test $r -ne 0
one_line_exit2 "a missing database" "$KPROF_BIN" history add postgresql:///nosuchdb w1.json
grep -q 'database "nosuchdb" does not exist' one.err
r=$?
check "says which database is missing" test $r -eq 0
one_line_exit2 "no server on that port" "$KPROF_BIN" history show "postgresql://127.0.0.1:1/fresh.db"
mkdb empty
one_line_exit2 "a database without a history" "$KPROF_BIN" history show postgresql:///empty
grep -q 'no kprof history in this database' one.err
r=$?
check "says there is no history there" test $r -eq 0
n=$(sql empty "SELECT count(*) FROM pg_namespace WHERE nspname = 'kprof'")
is "$n" 0 "and show created nothing"
hist_set_version postgresql:///fresh.db 3
one_line_exit2 "a schema from a newer kprof" "$KPROF_BIN" history show postgresql:///fresh.db
grep -q 'version 3 was written by a newer kprof' one.err
r=$?
check "says to upgrade kprof" test $r -eq 0
hist_set_version postgresql:///fresh.db 2

# --- copies between SQLite and PostgreSQL, both ways ---------------------------------
"$KPROF_BIN" history copy "$(hdb where.db)" lite.db >c1.out 2>&1
st=$?
grep -q "^copied 7 runs from postgresql:///where.db to lite.db (0 already there)$" c1.out
r=$?
check "PostgreSQL to SQLite (exit $st): $(cat c1.out)" test $r -eq 0 -a "$st" -eq 0
mkdb back
"$KPROF_BIN" history copy lite.db postgresql:///back >c2.out 2>&1
st=$?
grep -q "^copied 7 runs from lite.db to postgresql:///back (0 already there)$" c2.out
r=$?
check "SQLite to PostgreSQL (exit $st): $(cat c2.out)" test $r -eq 0 -a "$st" -eq 0
"$KPROF_BIN" history copy lite.db postgresql:///back >c3.out 2>&1
grep -q "(7 already there)$" c3.out
r=$?
check "again: nothing copied ($(cat c3.out))" test $r -eq 0
for d in postgresql:///where.db lite.db postgresql:///back; do
	"$KPROF_BIN" history show "$d" --metric throughput_msgs_per_sec --metric latency_p50_ns | sed "s|$d|DB|" >"show.$(echo "$d" | tr -c 'a-z\n' _)"
done
diff -u show.postgresql____where_db show.lite_db >c.diff && diff -u show.lite_db show.postgresql____back >>c.diff
r=$?
check "the same history in all three stores" test $r -eq 0
[ -s c.diff ] && diag "$(head -20 c.diff)"
"$KPROF_BIN" history export lite.db --format gab-smaller >e1.json
"$KPROF_BIN" history export postgresql:///back --format gab-smaller >e2.json
cmp -s e1.json e2.json && grep -q '"value"' e1.json
r=$?
check "the same export from either store" test $r -eq 0
"$KPROF_BIN" history dashboard lite.db -o d1.html 2>/dev/null
"$KPROF_BIN" history dashboard postgresql:///back -o d2.html 2>/dev/null
sed 's|lite.db|DB|' d1.html >d1.norm
sed 's|postgresql:///back|DB|' d2.html | cmp -s - d1.norm
r=$?
check "the same dashboard from either store" test $r -eq 0

# --- KPROF_HISTORY_URL ------------------------------------------------------------------
mkdb env
KPROF_HISTORY_URL=postgresql:///env "$KPROF_BIN" history add w1.json >env.out 2>&1
st=$?
grep -q '^added run 1 from w1.json .* to postgresql:///env$' env.out
r=$?
check "add takes the store from KPROF_HISTORY_URL (exit $st)" test $r -eq 0 -a "$st" -eq 0
KPROF_HISTORY_URL=postgresql:///env "$KPROF_BIN" history show | head -1 | grep -q '^postgresql:///env: 1 run, '
r=$?
check "show too" test $r -eq 0
done_testing
