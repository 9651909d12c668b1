# SPDX-License-Identifier: MIT
# lib.sh: sourced by the bench shell tests, after tests/tap.sh.
BENCH=$top_builddir/bench
JGET=$top_builddir/tests/bench/jget
BROKERS=$top_srcdir/scripts/brokers

# m FILE KEY: a metric of the first benchmark
m() { "$JGET" "$1" "benchmarks.0.metrics.$2"; }

# run_to SECONDS CMD...: runs CMD with a watchdog; sets rc, took (seconds)
run_to() {
	local limit=$1 t0
	shift
	t0=$(date +%s)
	timeout -k 5 "$limit" "$@"
	rc=$?
	took=$(($(date +%s) - t0))
}

# integrity FILE LABEL: lost, duplicates, corrupt, reordered all 0
integrity() {
	local f=$1 what=$2 k v bad=
	for k in lost duplicates corrupt reordered; do
		v=$(m "$f" $k)
		[ "$v" = 0 ] || bad="$bad $k=$v"
	done
	if [ -z "$bad" ]; then ok "$what: nothing lost, duplicated, corrupted or reordered"; else
		not_ok "$what: integrity"; diag "$bad"; fi
}

# broker_up KIND BACKEND WHAT: for a broker test file: SKIP the file when
# BACKEND was not built (WHAT names the missing library) or the KIND server
# is not installed; else start a private KIND in $T/KIND, stop it at exit,
# and set port, pgid, D and A (the drivers' common flags).
broker_up() {
	local kind=$1 backend=$2 lib=$3
	if ! "$BENCH/bench_pub" --help | grep -q "built: .*$backend"; then
		skip "$backend backend not built ($lib missing)"
		done_testing
	fi
	D=$T/$kind
	port=$("$BROKERS" start "$kind" "$D" 2>"$T/start.err")
	case $? in
	0) ok "$kind started on port $port" ;;
	3) skip "$kind not installed: $(cat "$T/start.err")"; done_testing ;;
	*) not_ok "$kind started"; diag "$(cat "$T/start.err")"; done_testing ;;
	esac
	pgid=$(cat "$D/pgid")
	trap '"$BROKERS" stop '"$kind"' "$D" >/dev/null 2>&1; rm -rf "$TAP_TMP"' EXIT
	A="--backend $backend --brokers 127.0.0.1:$port --quiet --reps 1"
}
