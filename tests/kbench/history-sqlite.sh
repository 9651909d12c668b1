#!/bin/bash
# SPDX-License-Identifier: MIT
# kprof history on SQLite files: the checks every store passes
# (history-lib.sh: branch and runner, filters, compare --baseline-from,
# copy, a newer schema refused) and the migration of a file written by the
# first kprof history (schema version 1). history.sh has the rest.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kbench/history-lib.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
unset GITHUB_HEAD_REF GITHUB_REF_NAME CI_COMMIT_REF_NAME RUNNER_NAME CI_RUNNER_DESCRIPTION KPROF_HISTORY_URL
HDB=

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP the sqlite3 shell is missing (scripts/deps installs it)"
	exit 0
fi
hist_set_version() { sqlite3 "$1" "UPDATE meta SET value = '$2' WHERE key = 'kprof_history_schema'"; }

history_store_checks

# --- a version 1 file, as the first kprof history wrote it --------------------
# Its two runs 1 and 2 are the same results file (2 added with --force).
sqlite3 v1.db >/dev/null <<'EOF'
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
INSERT INTO meta(key, value) VALUES('kprof_history_schema', '1');
CREATE TABLE runs( id INTEGER PRIMARY KEY, timestamp TEXT, git_commit TEXT, host TEXT, compiler TEXT, suite TEXT, source TEXT, added_at TEXT);
CREATE TABLE benchmarks( id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, name TEXT, backend TEXT, config TEXT, label TEXT);
CREATE TABLE results( run_id INTEGER NOT NULL REFERENCES runs(id), bench_id INTEGER NOT NULL REFERENCES benchmarks(id), metric TEXT NOT NULL, value REAL, reps TEXT, PRIMARY KEY(run_id, bench_id, metric));
CREATE INDEX results_by_bench ON results(bench_id, metric, run_id);
PRAGMA journal_mode=WAL;
INSERT INTO runs VALUES(1, '2026-12-01T10:00:00Z', '1111111111111111111111111111111111111111', 'ci, 2 cpus, test cpu, Linux 6.1.0', 'gcc 12.2.0', NULL, 'w1.json', '2026-12-01T11:00:00Z');
INSERT INTO runs VALUES(2, '2026-12-01T10:00:00Z', '1111111111111111111111111111111111111111', 'ci, 2 cpus, test cpu, Linux 6.1.0', 'gcc 12.2.0', NULL, 'w1.json', '2026-12-01T11:00:00Z');
INSERT INTO benchmarks VALUES(1, 'pub/memory size=100', 'pub', 'memory', 'size=100', 'pub/memory size=100');
INSERT INTO results VALUES(1, 1, 'throughput_msgs_per_sec', 1000, '990,1000,1010');
INSERT INTO results VALUES(2, 1, 'throughput_msgs_per_sec', 1001, '991,1001,1011');
EOF
"$KPROF_BIN" history show v1.db >v1.out 2>&1
st=$?
is "$st" 0 "show of a version 1 file"
v=$(sqlite3 v1.db "SELECT value FROM meta WHERE key = 'kprof_history_schema'")
is "$v" 2 "the file is migrated to version 2 on open"
grep -q '^v1.db: 2 runs, 1 benchmark$' v1.out && grep -q '^  #2 .* commit 111111111111 ci$' v1.out
r=$?
check "its runs are all there, runner taken from the host" test $r -eq 0
n=$(sqlite3 v1.db "SELECT count(DISTINCT uid) || ' ' || count(ident) FROM runs")
is "$n" "2 1" "every run got a uid; of the two equal runs only the first an identity"
"$KPROF_BIN" history add v1.db w1.json >v1-add.out 2>&1
st=$?
grep -q '^w1.json is already in v1.db as run 1 ' v1-add.out
r=$?
check "the identity of runs stored by version 1 still holds (exit $st): $(cat v1-add.out)" test $r -eq 0 -a "$st" -eq 0
"$KPROF_BIN" history add v1.db w4.json >/dev/null 2>&1
st=$?
n=$(sqlite3 v1.db "SELECT count(*) FROM runs")
check "and new runs are added after them (exit $st, $n runs)" test "$st" -eq 0 -a "$n" -eq 3
cp v1.db vx.db
sqlite3 vx.db "UPDATE meta SET value = 'x' WHERE key = 'kprof_history_schema'"
one_line_exit2 "a schema version that is no number" "$KPROF_BIN" history show vx.db
done_testing
