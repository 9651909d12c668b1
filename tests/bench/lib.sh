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
