#!/bin/bash
# SPDX-License-Identifier: MIT
# corpus.sh: real programs and program shapes, each run plain and then
# under libkalloc.so (KALLOC_MODE full, sample, count) and libksamp.so
# (KSAMP_MODE cpu, wall) with the default unwinder. Every run must give
# the plain run's exit status, stdout, and stderr (less the libraries'
# summary lines, one per process), within a time limit (a timeout is a
# failure: a hang), and leave its files where they belong, readable by
# `kprof top`; for the endings that write nothing (_exit, abort, SIGSEGV:
# see HOW A PROCESS ENDS in libkalloc(7) and libksamp(7)) it checks that
# exactly nothing was written. One TAP line per program and
# configuration, with what differed.
#   KPROF_CORPUS_ONLY="name ..."  run only these cases
#   KPROF_CORPUS_TIMEOUT=S        the limit of each run (default 60)
set -u
. "$top_srcdir/tests/tap.sh"
need_built "$KPROF_LIBKALLOC"
need_built "$KPROF_LIBKSAMP"
need_built "$KPROF_BIN"
CB=$(cd "$top_builddir/tests/corpus" && pwd)
CS=$top_srcdir/tests/corpus
for p in cxx-async aligned forkmt sigjmp dlchurn ending spawn threads300 ownprof dropprivs; do
	need_built "$CB/$p"
done
need_built "$CB/.libs/libchurn.so"
tap_tmpdir
T=$TAP_TMP
LIMIT=${KPROF_CORPUS_TIMEOUT:-60}
ulimit -c 0
# Lines the libraries may add to a program's stderr: libkalloc's summary,
# one per process that writes files.
SUMMARY_RE='^kalloc: [0-9]+ allocations, [0-9]+ bytes, peak [0-9]+ live bytes.*; (see .*|no file written)$'

# Per case, set before calling `case_run` and reset after it:
#   WRITES=no     the program ends without writing (abort, _exit, ...)
#   KALLOC_WRITES, KSAMP_WRITES   the same for one library only
#   KSAMP_LINE=re a line libksamp adds to stderr for this program (its
#                 documented warning), required once per run
#   CONFIGS="..." the configurations to run (default: all five)
#   IN=file       the program's standard input (default /dev/null)
#   SUMMARY=no    the program closes stderr at exit (gnulib's close_stdout):
#                 no summary line can be printed
reset_case() {
	WRITES=yes KALLOC_WRITES= KSAMP_WRITES= KSAMP_LINE= IN= SUMMARY=yes CONFIGS="kfull ksample kcount scpu swall"
}
reset_case

# run DIR CFG CMD...: one run in DIR (its cwd), status in $rc. The
# library is preloaded under `timeout`, never into it. (A program run
# through /bin/sh -c would write nothing of its own: dash leaves by
# _exit; bash -c is used where a shell is needed.)
run() {
	local d=$1 cfg=$2 lib=
	shift 2
	mkdir -p "$d"
	case $cfg in
	k*) lib=$KPROF_LIBKALLOC ;;
	s*) lib=$KPROF_LIBKSAMP ;;
	esac
	# (the outer braces keep the shell's "Aborted"/"Terminated" notices
	# about the signal endings off the test's stderr)
	{ (
		cd "$d" || exit 99
		case $cfg in
		plain) exec timeout -k 5 "$LIMIT" "$@" ;;
		k*) KALLOC_MODE=${cfg#k} KALLOC_OUT=$d/k exec timeout -k 5 "$LIMIT" env LD_PRELOAD="$lib" "$@" ;;
		s*) KSAMP_MODE=${cfg#s} KSAMP_OUT=$d/cpu.pb.gz exec timeout -k 5 "$LIMIT" env LD_PRELOAD="$lib" "$@" ;;
		esac
	) >"$d/out" 2>"$d/err" <"${IN:-/dev/null}"; } 2>/dev/null
	rc=$?
}

# top FILE: kprof top reads it
top_ok() { "$KPROF_BIN" top "$1" >"$1.top" 2>&1; }

# case_run NAME CMD...: the plain run, then one TAP line per configuration.
case_run() {
	local name=$1 cfg d why n w
	shift
	if [ -n "${KPROF_CORPUS_ONLY:-}" ] && ! printf ' %s ' "$KPROF_CORPUS_ONLY" | grep -q " $name "; then
		reset_case
		return
	fi
	run "$T/$name/plain" plain "$@"
	local prc=$rc
	if [ "$prc" = 124 ] || [ "$prc" = 137 ]; then
		not_ok "$name: the plain run ends within ${LIMIT}s"
		reset_case
		return
	fi
	for cfg in $CONFIGS; do
		d=$T/$name/$cfg
		run "$d" "$cfg" "$@"
		why=
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			why="$why; hung (killed after ${LIMIT}s)"
		elif [ "$rc" != "$prc" ]; then
			why="$why; exit status $rc, plain $prc"
		fi
		cmp -s "$T/$name/plain/out" "$d/out" || why="$why; stdout differs: $(diff "$T/$name/plain/out" "$d/out" | head -n 4 | tr '\n' '|')"
		grep -Ev "$SUMMARY_RE" "$d/err" >"$d/err.prog"
		if [ -n "$KSAMP_LINE" ] && [ "${cfg#s}" != "$cfg" ]; then
			n=$(grep -Ec "$KSAMP_LINE" "$d/err.prog")
			[ "$n" -ge 1 ] || why="$why; libksamp's warning missing ($KSAMP_LINE)"
			grep -Ev "$KSAMP_LINE" "$d/err.prog" >"$d/err.prog2"
			mv "$d/err.prog2" "$d/err.prog"
		fi
		cmp -s "$T/$name/plain/err" "$d/err.prog" || why="$why; stderr differs: $(diff "$T/$name/plain/err" "$d/err.prog" | head -n 4 | tr '\n' '|')"
		case $cfg in
		k*) w=${KALLOC_WRITES:-$WRITES} ;;
		s*) w=${KSAMP_WRITES:-$WRITES} ;;
		esac
		case $cfg:$w in
		kfull:yes | ksample:yes)
			for f in heap.pb.gz leaks.txt leaks.json stats.json; do
				[ -s "$d/k.$f" ] || why="$why; no k.$f"
			done
			[ -s "$d/k.heap.pb.gz" ] && ! top_ok "$d/k.heap.pb.gz" && why="$why; kprof top cannot read k.heap.pb.gz: $(head -n 2 "$d/k.heap.pb.gz.top" | tr '\n' '|')"
			n=$(grep -Ec "$SUMMARY_RE" "$d/err")
			case $SUMMARY:$n in
			yes:1) ;;
			no:0) ;;
			*) why="$why; $n summary lines" ;;
			esac
			;;
		kcount:yes)
			for f in leaks.txt leaks.json stats.json; do
				[ -s "$d/k.$f" ] || why="$why; no k.$f"
			done
			[ -e "$d/k.heap.pb.gz" ] && why="$why; a heap profile in count mode"
			;;
		s*:yes)
			if [ ! -s "$d/cpu.pb.gz" ]; then
				why="$why; no cpu.pb.gz"
			elif ! top_ok "$d/cpu.pb.gz"; then
				why="$why; kprof top cannot read cpu.pb.gz: $(head -n 2 "$d/cpu.pb.gz.top" | tr '\n' '|')"
			fi
			;;
		k*:no)
			ls "$d"/k.* >/dev/null 2>&1 && why="$why; files written: $(cd "$d" && echo k.*)"
			grep -Eq "$SUMMARY_RE" "$d/err" && why="$why; a summary line for files not written"
			;;
		s*:no)
			[ -e "$d/cpu.pb.gz" ] && why="$why; cpu.pb.gz written"
			;;
		esac
		if [ -z "$why" ]; then
			ok "$name $cfg: same status ($prc), stdout and stderr; files as documented"
		else
			not_ok "$name $cfg: ${why#; }"
		fi
	done
	reset_case
}

# ---- inputs, made once -------------------------------------------------
mkdir -p "$T/in"
awk 'BEGIN { srand(11); for (i = 0; i < 200000; i++) printf "%d %s %d\n", int(rand() * 1000000), substr("kprofcorpus", i % 11 + 1), i }' >"$T/in/big.txt"
seq 1 400000 | awk '{ print $1, $1 * 7 % 1000, "line" }' >"$T/in/data.txt"
cat >"$T/in/prog.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(void)
{
	int v[100];
	for (int i = 0; i < 100; i++)
		v[i] = (i * 37) % 101;
	qsort(v, 100, sizeof v[0], cmp);
	printf("%d %d\n", v[0], v[99]);
	return 0;
}
EOF
cat >"$T/in/Makefile" <<'EOF'
PARTS = p1 p2 p3 p4 p5 p6
all: $(PARTS)
	@cat $(PARTS)
$(PARTS):
	@seq 1 20000 | sort -r | awk -v t=$@ 'NR % 5000 == 0 { print t, $$1 }' > $@
EOF
cat >"$T/in/q.sql" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT INTO t SELECT x, 'key' || (x % 97), x * 1.5 FROM c;
CREATE INDEX tk ON t(k);
SELECT k, count(*), sum(v) FROM t GROUP BY k ORDER BY k LIMIT 5;
SELECT count(*) FROM t WHERE k = 'key42';
SELECT no_such_function(1);
EOF

# ---- installed programs -------------------------------------------------
# The interpreter itself, not a version manager's shell wrapper.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
if [ -n "$PY" ]; then
	case_run python3 "$PY" -c '
import json, collections, threading, sys
d = collections.Counter(w for w in ("a b c a b a " * 3000).split())
out = []
def work(n): out.append(sum(i * i for i in range(n)))
t = [threading.Thread(target=work, args=(50000,)) for _ in range(4)]
[x.start() for x in t]; [x.join() for x in t]
print(json.dumps(sorted(d.items())), sorted(out)[0])
sys.stderr.write("to stderr\n")
sys.exit(3)'
else
	skip "python3 not installed"
fi
if command -v perl >/dev/null 2>&1; then
	case_run perl perl -e 'my %h; $h{"k" . ($_ % 101)} .= "x" x ($_ % 7) for 1 .. 30000;
my @k = sort { length($h{$b}) <=> length($h{$a}) or $a cmp $b } keys %h;
my $s = join ",", map { sprintf "%s=%d", $_, length $h{$_} } @k[0 .. 4];
$s =~ s/k(\d+)/K$1/g; print "$s\n"; warn "perl warns\n"; exit 2'
else
	skip "perl not installed"
fi
if command -v node >/dev/null 2>&1; then
	case_run node node -e '
const m = new Map();
for (let i = 0; i < 50000; i++) m.set("k" + (i % 211), (m.get("k" + (i % 211)) || 0) + i);
const a = [...m.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3);
Promise.all([1, 2, 3].map(n => new Promise(r => setTimeout(() => r(n * n), 5))))
  .then(v => { console.log(JSON.stringify(a), v.join(" ")); console.error("node stderr"); });'
else
	skip "node not installed (apt-get install nodejs): no JavaScript runtime in the corpus"
fi
if command -v sqlite3 >/dev/null 2>&1; then
	IN=$T/in/q.sql case_run sqlite3 sqlite3 :memory:
else
	skip "sqlite3 not installed"
fi
if command -v git >/dev/null 2>&1; then
	(
		export GIT_CONFIG_NOSYSTEM=1 HOME=$T/in GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
		cd "$T/in" && git init -q repo && cd repo && git config user.email t@example.com && git config user.name T &&
			seq 1 1000 >f && git add f && git commit -q -m one && seq 1 2000 >f && seq 5 9 >g && git add g &&
			git commit -q -am two
	) >/dev/null 2>&1
	GIT_CONFIG_NOSYSTEM=1 HOME=$T/in case_run git bash -c "git -C '$T/in/repo' log --stat --format='%H %s' && git -C '$T/in/repo' diff HEAD~1 --stat && git -C '$T/in/repo' show no-such-rev"
else
	skip "git not installed"
fi
if command -v gcc >/dev/null 2>&1; then
	case_run gcc bash -c "gcc -O2 -Wall -o prog '$T/in/prog.c' && ./prog && gcc -c -x c - -o bad.o <<EOF
int main(void) { return x; }
EOF"
else
	skip "gcc not installed"
fi
if command -v make >/dev/null 2>&1; then
	# The corpus's make is its own, not a sub-make of make check's.
	MAKEFLAGS= MAKELEVEL= MFLAGS= case_run make-j2 make -s -j2 --no-print-directory -f "$T/in/Makefile"
else
	skip "make not installed"
fi
SUMMARY=no case_run sort sort --parallel=2 -S 8M -k1,1n -k3,3n "$T/in/big.txt"
if command -v xz >/dev/null 2>&1; then
	SUMMARY=no case_run xz-T2 xz -T2 --block-size=1MiB -3 -c "$T/in/data.txt"
else
	skip "xz not installed"
fi
if command -v zstd >/dev/null 2>&1; then
	case_run zstd-T2 zstd -T2 -B1MiB -3 -q -c "$T/in/data.txt"
else
	skip "zstd not installed"
fi
case_run bash-subshells bash -c '
x=$(for i in 1 2 3 4; do echo $((i * i)); done | paste -sd+); echo "sum $((x))"
( cd / && pwd; ( echo nested; exit 3 ); echo "inner status $?" )
f() { local v=$1; echo "f:$v"; }
for i in $(seq 1 20); do f "$i" & done | sort -t: -k2n | tail -n 2; wait
a=$( { echo one; echo two >&2; } 2>&1 | wc -l ); echo "lines $a"
echo "to stderr" >&2; exit 4'

# ---- program shapes (tests/corpus/*.c) ----------------------------------
case_run cxx-async "$CB/cxx-async"
case_run aligned "$CB/aligned"
case_run forkmt "$CB/forkmt"
case_run sigjmp "$CB/sigjmp"
case_run dlchurn "$CB/dlchurn" "$CB/.libs/libchurn.so"
case_run spawn "$CB/spawn"
case_run threads300 "$CB/threads300"
# Its own SIGPROF handler gets its own ticks (libksamp shares the signal).
case_run ownprof "$CB/ownprof"
case_run ending-exit "$CB/ending" exit
case_run ending-sigterm "$CB/ending" term
case_run ending-sigint "$CB/ending" int
WRITES=no case_run ending-_exit "$CB/ending" _exit
WRITES=no case_run ending-abort "$CB/ending" abort
WRITES=no case_run ending-sigsegv "$CB/ending" segv
if [ "$(id -u)" = 0 ]; then
	# A daemon's start: root drops to another user before it exits; its
	# directory is open to it (the refused case is outdir.sh's).
	for c in plain kfull ksample kcount scpu swall; do mkdir -p "$T/dropprivs/$c" && chmod 1777 "$T/dropprivs/$c"; done
	chmod 755 "$T" "$T/dropprivs"
	case_run dropprivs "$CB/dropprivs" 64713 64713
else
	skip "not root: the daemon that drops privileges needs root"
fi

# ---- a Go program (cgo, so dynamically linked) --------------------------
if command -v go >/dev/null 2>&1; then
	mkdir -p "$T/go" && cp "$CS/go/main.go" "$T/go/"
	(cd "$T/go" && GOCACHE=$(cd "$CB" && pwd)/gocache GO111MODULE=off GOPATH=$T/go/path CGO_ENABLED=1 \
		go build -o "$T/go/gohello" main.go) >"$T/go/build.log" 2>&1
	if [ -x "$T/go/gohello" ]; then
		# The Go runtime leaves by the exit_group system call, so no
		# exit handler runs and nothing is written at exit (see HOW A
		# PROCESS ENDS in libkalloc(7) and libksamp(7)); what matters
		# here is that it runs unchanged, its SIGPROF handler and
		# goroutine stacks included.
		WRITES=no case_run go "$T/go/gohello"
	else
		not_ok "the Go program builds"
		diag "$(tail -n 5 "$T/go/build.log")"
	fi
else
	skip "go not installed (apt-get install golang-go): no Go program in the corpus"
fi

# ---- the benchmark driver on every backend ------------------------------
BENCH=$(cd "$top_builddir/bench" && pwd)
need_built "$BENCH/bench_pub"
BROKERS=$top_srcdir/scripts/brokers
built=$("$BENCH/bench_pub" --help 2>&1 | sed -n 's/^backends built: //p')
has() { case " $built " in *" $1 "*) return 0 ;; esac; return 1; }
P="--quiet --reps 1 --warmup 0 --json out.json"
case_run bench_pub-memory "$BENCH/bench_pub" --backend memory --count 20000 $P
if has kafka; then
	case_run bench_pub-kafka "$BENCH/bench_pub" --backend kafka --count 5000 $P
else
	skip "kafka backend not built (librdkafka missing)"
fi
# broker KIND BACKEND: start a private server (never under the libraries).
broker() {
	local port
	if ! has "$2"; then
		skip "$2 backend not built"
		return 1
	fi
	port=$("$BROKERS" start "$1" "$T/$1" 2>"$T/$1.start.err")
	case $? in
	0) echo "$port" >"$T/$1.port"; return 0 ;;
	3) skip "$1 not installed: $(cat "$T/$1.start.err")"; return 1 ;;
	*) not_ok "$1 starts"; diag "$(cat "$T/$1.start.err")"; return 1 ;;
	esac
}
trap '"$BROKERS" stop rabbitmq "$T/rabbitmq" >/dev/null 2>&1; "$BROKERS" stop mosquitto "$T/mosquitto" >/dev/null 2>&1; rm -rf "$TAP_TMP"' EXIT
if broker mosquitto mqtt; then
	# Not in wall mode: paho.mqtt.c's MQTTAsync takes the EINTR of its
	# 10 ms poll() for an error and sleeps, so a connect interrupted by
	# every wall-clock sample never completes (see EINTR in libksamp(7)).
	CONFIGS="kfull ksample kcount scpu" case_run bench_pub-mqtt "$BENCH/bench_pub" --backend mqtt --brokers "127.0.0.1:$(cat "$T/mosquitto.port")" \
		--qos 1 --count 3000 $P
	"$BROKERS" stop mosquitto "$T/mosquitto" >/dev/null 2>&1
fi
if broker rabbitmq amqp; then
	case_run bench_pub-amqp "$BENCH/bench_pub" --backend amqp --brokers "127.0.0.1:$(cat "$T/rabbitmq.port")" \
		--count 3000 $P
	"$BROKERS" stop rabbitmq "$T/rabbitmq" >/dev/null 2>&1
fi
done_testing
