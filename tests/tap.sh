# SPDX-License-Identifier: MIT
# tap.sh: sourced by shell tests (which run under `set -u`). ok/not_ok/
# skip/diag and done_testing, bail_out and need_built for what make check
# always builds, plus paths to the built parts (set by make check's
# AM_TESTS_ENVIRONMENT; defaults for running a test by hand from the build
# tree). Never read $? after a command substitution (bash gives the
# status of the substitution): let `check` run the command, or capture
# the status first. tests/lint.sh enforces it.
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${KPROF_LIBKALLOC:=$top_builddir/preload/.libs/libkalloc.so}"
: "${KPROF_LIBKSAMP:=$top_builddir/sampler/.libs/libksamp.so}"
: "${KPROF_BIN:=$top_builddir/analyze/kprof}"
# Optional tools configure looked for: empty when not found.
: "${PPROF:=}" "${XMLLINT:=}" "${CHROMIUM:=}" "${AWK:=awk}"
tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# check NAME CMD...: ok when CMD succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
# is GOT WANT NAME
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; diag "  got '$1', expected '$2'"; fi; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; exit $?; }
# bail_out REASON: the whole file cannot run (a broken build, not a
# missing optional tool): the TAP driver reports an error.
bail_out() { echo "Bail out! $*"; exit 1; }
# need_built FILE...: every FILE exists, else bail out. For the parts
# make check builds itself: a missing one is a broken build, never a skip.
need_built() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || bail_out "$f is missing (make check builds it)"
	done
}
# run_fuzzer BIN CORPUS SECONDS MAX_LEN: runs the libFuzzer target BIN
# from the seed directory CORPUS for SECONDS; one TAP line: ok with the run
# count, or not ok with the end of its log (a crash, leak, timeout or an
# RSS over 2 GiB). Artifacts land in $TAP_TMP.
run_fuzzer() {
	local bin=$1 corpus=$2 secs=$3 maxlen=$4 name log
	name=$(basename "$bin")
	log=$TAP_TMP/$name.log
	need_built "$bin"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
		-artifact_prefix="$TAP_TMP/" "$corpus" >"$log" 2>&1; then
		ok "$name ran ${secs}s without a finding ($(grep -o 'Done [0-9]* runs' "$log"))"
	else
		not_ok "$name found a problem"
		diag "$(tail -40 "$log")"
	fi
}
# A private scratch directory, removed at exit.
tap_tmpdir() { TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kprof-test.XXXXXX"); trap 'rm -rf "$TAP_TMP"' EXIT; }
