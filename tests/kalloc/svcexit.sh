#!/bin/sh
# SPDX-License-Identifier: MIT
# svcexit.sh: the service threads of libkalloc.so and libksamp.so
# (lib/svcthread.h) never keep a process alive. main calls pthread_exit,
# with and without a worker still running, under each library with its
# interval snapshots on, and under both: the process ends as it does
# without them (status 0, soon after its last thread), and the final
# files are written. Then the same in the child of a fork.
set -u
. "${top_srcdir:-.}/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP
M=$KC/memtime
need_built "$M"
need_built "$KPROF_LIBKALLOC"
need_built "$KPROF_LIBKSAMP"

now() { date +%s.%N; }

# run NAME PRELOAD ARGS...: memtime with a 30 s watchdog (a process kept
# alive is killed: status 137); prints "status seconds".
run() {
	name=$1 pre=$2
	shift 2
	t0=$(now)
	env KALLOC_OUT="$T/$name" KALLOC_QUIET=1 KALLOC_INTERVAL=1 KSAMP_OUT="$T/$name.cpu.pb.gz" KSAMP_INTERVAL=1 \
		LD_PRELOAD="$pre" "$M" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	(sleep 30; kill -KILL $pid 2>/dev/null) >/dev/null 2>&1 &
	wd=$!
	wait $pid
	rc=$?
	kill $wd 2>/dev/null
	echo "$rc $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')"
}

# The program's own time, without any library, side by side.
set -- $(run plain "" mainexit 400)
is "$1" 0 "without a library: main's pthread_exit, the worker ends the process (status 0)"
plain=$2

for lib in kalloc ksamp both; do
	case $lib in
	kalloc) pre=$KPROF_LIBKALLOC ;;
	ksamp) pre=$KPROF_LIBKSAMP ;;
	both) pre="$KPROF_LIBKALLOC $KPROF_LIBKSAMP" ;;
	esac
	set -- $(run "w$lib" "$pre" mainexit 400)
	is "$1" 0 "$lib: main calls pthread_exit, a worker runs on: status 0 (not killed)"
	check "$lib: the process ended with its last thread ($2 s, $plain s without)" \
		awk -v t="$2" -v p="$plain" 'BEGIN { exit !(t < p + 5) }'
	check "$lib: the worker finished" grep -q "worker done" "$T/w$lib.out"
	check "$lib: nothing on stderr" test ! -s "$T/w$lib.err"
	if [ $lib != ksamp ]; then
		check "$lib: final files written" test -s "$T/w$lib.heap.pb.gz" -a -s "$T/w$lib.leaks.json" \
			-a -s "$T/w$lib.stats.json" -a -s "$T/w$lib.timeline.json"
		check "$lib: the 12345-byte leak is reported" grep -q '"bytes":12345' "$T/w$lib.leaks.json"
	fi
	if [ $lib != kalloc ]; then
		"$KPROF_BIN" top "$T/w$lib.cpu.pb.gz" -n 5 >"$T/w$lib.top" 2>&1
		is "$?" 0 "$lib: the final profile is written and reads"
		check "$lib: the worker is in it" grep -q busy_worker "$T/w$lib.top"
	fi
	# main alone: nothing else runs after its pthread_exit
	set -- $(run "m$lib" "$pre" mainexit 0)
	is "$1" 0 "$lib: main alone calls pthread_exit: status 0"
	check "$lib: it ended at once ($2 s)" awk -v t="$2" -v p="$plain" 'BEGIN { exit !(t < p + 5) }'
	if [ $lib != ksamp ]; then
		check "$lib: final files written" test -s "$T/m$lib.heap.pb.gz" -a -s "$T/m$lib.leaks.json"
	else
		check "$lib: final profile written" test -s "$T/m$lib.cpu.pb.gz"
	fi
done

# fork: the child's service threads are its own, and leave too.
set -- $(run fork "$KPROF_LIBKALLOC $KPROF_LIBKSAMP" forkmainexit)
is "$1" 0 "fork: the parent ends (status 0)"
is "$(cat "$T/fork.out")" "$(printf 'worker done\nchild status 0')" "fork: the child's main calls pthread_exit, it ends with status 0"
check "fork: the child's files are written" sh -c "ls '$T'/fork.[0-9]*.heap.pb.gz >/dev/null 2>&1 && ls '$T'/fork.cpu.pb.gz.[0-9]* >/dev/null 2>&1"
done_testing
