# SPDX-License-Identifier: MIT
# history-lib.sh: checks of `kprof history` that every store must pass,
# sourced by history-sqlite.sh and history-pg.sh after tap.sh. A store is
# named by a prefix: hdb NAME gives "${HDB}NAME" (an SQLite file when HDB
# is empty, a database of the private server when it is postgresql:///);
# the caller makes the databases exist and provides
#   hist_set_version DB N   write schema version N into DB's meta table
#
# hist_results N TS [SRC]: results file N.json, SRC (default base.json of
# tests/kbench/data) with the timestamp TS.
hist_results() {
	sed "s/\"timestamp\": \"[^\"]*\"/\"timestamp\": \"$2\"/" "$top_srcdir/tests/kbench/data/${3:-base.json}" >"$1.json"
}

hdb() { printf '%s%s' "$HDB" "$1"; }

# one_line_exit2 NAME CMD...: CMD exits 2 after exactly one line on stderr
one_line_exit2() {
	local name=$1 st lines
	shift
	"$@" >/dev/null 2>one.err
	st=$?
	lines=$(wc -l <one.err)
	if [ "$st" -eq 2 ] && [ "$lines" -eq 1 ]; then
		ok "$name: $(cat one.err)"
	else
		not_ok "$name: exit 2 with one line (got $st, $lines lines: $(cat one.err))"
	fi
}

history_store_checks() {
	local db db2 st st_files out n m r
	db=$(hdb where.db)
	db2=$(hdb copy.db)
	hist_results w1 2026-12-01T10:00:00Z
	hist_results w2 2026-12-02T10:00:00Z new.json
	hist_results w3 2026-12-03T10:00:00Z
	hist_results w4 2026-12-04T10:00:00Z
	hist_results w5 2026-12-05T10:00:00Z
	hist_results w6 2026-12-06T10:00:00Z new.json

	# --- branch and runner, from flags and from CI variables ----------------
	"$KPROF_BIN" history add "$db" w1.json --branch main --runner r-a >/dev/null 2>add.err
	st=$?
	is "$st" 0 "add with --branch and --runner"
	GITHUB_REF_NAME=feature RUNNER_NAME=r-b "$KPROF_BIN" history add "$db" w2.json >/dev/null 2>>add.err
	st=$?
	is "$st" 0 "add with GitHub's GITHUB_REF_NAME and RUNNER_NAME"
	CI_COMMIT_REF_NAME=main CI_RUNNER_DESCRIPTION=r-c "$KPROF_BIN" history add "$db" w3.json >/dev/null 2>>add.err
	st=$?
	is "$st" 0 "add with GitLab's CI_COMMIT_REF_NAME and CI_RUNNER_DESCRIPTION"
	"$KPROF_BIN" history add "$db" w4.json >/dev/null 2>>add.err
	st=$?
	is "$st" 0 "add without any: no branch, the results file's hostname as runner"
	GITHUB_HEAD_REF=topic GITHUB_REF_NAME=12/merge "$KPROF_BIN" history add "$db" w5.json --runner r-a \
		>/dev/null 2>>add.err
	st=$?
	is "$st" 0 "add of a pull request run (GITHUB_HEAD_REF)"
	[ -s add.err ] && diag "$(cat add.err)"

	"$KPROF_BIN" history show "$db" --branch main >show-main.out 2>&1
	st=$?
	is "$st" 0 "show --branch main"
	grep -q "^$db: 5 runs, " show-main.out && grep -q '^2 runs on branch main$' show-main.out
	r=$?
	check "show --branch main: 2 of 5 runs ($(sed -n 2p show-main.out))" test $r -eq 0
	n=$(grep -c '^  #[0-9]' show-main.out)
	is "$n" 2 "show --branch main lists two runs"
	grep -q '^  #1 .* r-a  branch main$' show-main.out && grep -q '^  #3 .* r-c  branch main$' show-main.out
	r=$?
	check "the runs carry runner and branch (flags; GitLab variables)" test $r -eq 0
	"$KPROF_BIN" history show "$db" >show-all.out 2>&1
	grep -q '^  #2 .* r-b  branch feature$' show-all.out && grep -q '^  #4 .* commit 111111111111 ci$' show-all.out \
		&& grep -q '^  #5 .* r-a  branch topic$' show-all.out
	r=$?
	check "GitHub variables, the hostname fallback, GITHUB_HEAD_REF before GITHUB_REF_NAME" test $r -eq 0
	"$KPROF_BIN" history show "$db" --host r-a >show-host.out 2>&1
	n=$(grep -c '^  #[0-9]' show-host.out)
	is "$n" 2 "show --host r-a: the two runs of runner r-a"
	"$KPROF_BIN" history show "$db" --host ci --branch main >show-none.out 2>&1
	st=$?
	grep -q '^no runs match$' show-none.out
	r=$?
	check "a filter nothing matches says so (exit $st)" test $r -eq 0 -a "$st" -eq 0
	"$KPROF_BIN" history dashboard "$db" --branch main -o main.html 2>/dev/null
	st=$?
	is "$st" 0 "dashboard --branch main"
	grep -q 'branch main · 2 runs shown' main.html
	r=$?
	check "the dashboard says which runs it shows" test $r -eq 0
	"$KPROF_BIN" history export "$db" --branch feature --format gab-bigger >feature.json 2>&1
	"$KPROF_BIN" history export "$db" --run 2 --format gab-bigger >run2.json 2>&1
	cmp -s feature.json run2.json && grep -q '"value"' run2.json
	r=$?
	check "export --branch feature exports the newest run of that branch" test $r -eq 0

	# --- compare against the newest run of a branch --------------------------
	"$KPROF_BIN" compare --baseline-from "$db" --branch main w6.json >cmp.out 2>cmp.err
	st=$?
	grep -q "^kprof compare: base $db run #3 " cmp.out
	r=$?
	check "compare --baseline-from --branch main takes run #3 as base ($(head -1 cmp.out))" test $r -eq 0
	"$KPROF_BIN" compare w3.json w6.json >cmp-files.out 2>&1
	st_files=$?
	check "a regression against it (exit $st), as compare of the two files finds (exit $st_files)" \
		test "$st" -eq 1 -a "$st_files" -eq 1
	"$KPROF_BIN" history add "$db" w6.json --branch main >/dev/null 2>&1
	"$KPROF_BIN" compare --baseline-from "$db" --branch main w6.json >cmp2.out 2>&1
	grep -q "^kprof compare: base $db run #3 " cmp2.out
	r=$?
	check "a run already added is not its own baseline" test $r -eq 0
	one_line_exit2 "no run on the branch" "$KPROF_BIN" compare --baseline-from "$db" --branch nope w6.json
	one_line_exit2 "--branch without --baseline-from" "$KPROF_BIN" compare w3.json w6.json --branch main

	# --- copy ------------------------------------------------------------------
	# a run stored twice on purpose has no identity: only its uid tells the
	# copy that it is there already
	"$KPROF_BIN" history add "$db" w4.json --force >/dev/null 2>&1
	"$KPROF_BIN" history copy "$db" "$db2" >copy.out 2>&1
	st=$?
	is "$st" 0 "copy to another store"
	grep -q "^copied 7 runs from $db to $db2 (0 already there)$" copy.out
	r=$?
	check "copy says what it did: $(cat copy.out)" test $r -eq 0
	"$KPROF_BIN" history copy "$db" "$db2" >copy2.out 2>&1
	grep -q "^copied 0 runs from $db to $db2 (7 already there)$" copy2.out
	r=$?
	check "copying again adds nothing: $(cat copy2.out)" test $r -eq 0
	"$KPROF_BIN" history show "$db" --metric throughput_msgs_per_sec --metric latency_p50_ns >a.out 2>&1
	"$KPROF_BIN" history show "$db2" --metric throughput_msgs_per_sec --metric latency_p50_ns >b.out 2>&1
	sed "s|$db2|DB|" b.out >b.norm
	sed "s|$db|DB|" a.out | diff -u - b.norm >copy.diff
	r=$?
	check "the copy shows the same runs, branches, runners, trends" test $r -eq 0
	[ -s copy.diff ] && diag "$(head -20 copy.diff)"
	"$KPROF_BIN" history add "$db2" w1.json >again.out 2>&1
	grep -q 'is already in .* as run 1 ' again.out
	r=$?
	check "a copied run keeps its identity: $(cat again.out)" test $r -eq 0

	# --- a schema from a newer kprof ------------------------------------------
	hist_set_version "$db2" 99
	one_line_exit2 "show of a newer schema" "$KPROF_BIN" history show "$db2"
	grep -q 'version 99 was written by a newer kprof' one.err
	r=$?
	check "and it says to upgrade kprof" test $r -eq 0
	one_line_exit2 "add into a newer schema" "$KPROF_BIN" history add "$db2" w4.json --force
	hist_set_version "$db2" 2
	"$KPROF_BIN" history show "$db2" | head -1 | grep -q "^$db2: 7 runs"
	r=$?
	check "nothing was added to the newer schema" test $r -eq 0
}
