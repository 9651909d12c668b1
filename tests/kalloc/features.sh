#!/bin/sh
# SPDX-License-Identifier: MIT
# features.sh: per-message statistics (kalloc.h phases), count and sample
# modes, KALLOC_DEPTH, KALLOC_SIGNAL snapshots, the summary line.
set -u
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/kalloc/lib.sh"
tap_tmpdir
T=$TAP_TMP

# field LINE KEY: a number field of a one-line JSON object.
field() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" | head -n 1; }
phase() { grep "^{\"name\":\"$2\"" "$1"; }

kalloc "$T/m" "$KC/msgs" >/dev/null 2>&1
is "$?" 0 "msgs: exit 0"
S=$T/m.stats.json
w=$(phase "$S" warmup)
s=$(phase "$S" steady)
is "$(field "$w" messages)" 100 "warmup: 100 messages"
is "$(field "$w" allocs_per_msg)" 3 "warmup: 3 allocations per message"
is "$(field "$w" bytes_per_msg)" 192 "warmup: 192 bytes per message"
g=$(field "$w" live_growth_per_msg)
check "warmup: live growth per message is one 64-byte block ($g usable bytes)" \
	awk -v g="$g" 'BEGIN { exit !(g >= 64 && g <= 96) }'
is "$(field "$s" messages)" 1000 "steady: 1000 messages"
is "$(field "$s" allocs_per_msg)" 2 "steady: 2 allocations per message"
is "$(field "$s" bytes_per_msg)" 200 "steady: 200 bytes per message"
is "$(field "$s" live_growth_per_msg)" 0 "steady: no live growth"
pk=$(field "$s" peak_live_bytes)
check "steady: peak live bytes recorded ($pk > 0)" [ "${pk:-0}" -gt 0 ]
site=$(grep -A1 "^{\"name\":\"steady\"" "$S" | tail -n 1)
is "$(field "$site" allocs_per_msg)" 1 "steady: top site makes 1 allocation per message"
is "$(field "$site" bytes_per_msg)" 100 "steady: top site allocates 100 bytes per message"
check "steady: top site is handle_message" sh -c "printf '%s' '$site' | grep -q '\"stack\":\[{\"function\":\"handle_message\"'"
# Counts are written as integers, ratios with full precision.
b=$(phase "$S" bulk)
is "$(field "$b" bytes_per_msg)" 1234567 "bulk: 7-digit bytes per message written exactly"
site=$(grep -A1 "^{\"name\":\"bulk\"" "$S" | tail -n 1)
is "$(field "$site" bytes)" 3703701 "bulk: top site's 7-digit byte count written as an integer"
is "$(field "$site" allocs)" 3 "bulk: top site's allocations"
t3=$(phase "$S" third)
is "$(field "$t3" allocs_per_msg)" 0.3333333333333333 "third: 1/3 allocation per message, round-trip precision"
is "$(field "$t3" bytes_per_msg)" 33.333333333333336 "third: 100/3 bytes per message, round-trip precision"
check "stats.json: no number in exponent notation" sh -c "! grep -q '[0-9]e[-+][0-9]' '$S'"
# A program in a locale with a decimal comma: stats.json still has '.'.
if command -v localedef >/dev/null 2>&1 && localedef -i de_DE -f UTF-8 "$T/de_DE.UTF-8" >/dev/null 2>&1; then
	LOCPATH=$T LC_ALL=de_DE.UTF-8 kalloc "$T/de" "$KC/msgs" >/dev/null 2>&1
	is "$(field "$(phase "$T/de.stats.json" third)" bytes_per_msg)" 33.333333333333336 \
		"decimal-comma locale: ratios still written with '.'"
else
	skip "decimal-comma locale: localedef cannot build de_DE.UTF-8"
fi
check "stats.json has the contract's top-level fields" \
	grep -q '"total_allocs":[0-9]*,"total_bytes":[0-9]*,"total_frees":[0-9]*,"peak_live_bytes":[0-9]*' "$S"

# Count mode: same counters, no stacks, no leak check.
KALLOC_MODE=count kalloc "$T/c" "$KC/msgs" >/dev/null 2>&1
is "$?" 0 "count mode: exit 0"
s=$(phase "$T/c.stats.json" steady)
is "$(field "$s" allocs_per_msg)" 2 "count mode: steady allocations per message"
is "$(field "$s" bytes_per_msg)" 200 "count mode: steady bytes per message"
check "count mode: leaks.json says not checked" grep -q '"checked":false' "$T/c.leaks.json"
check "count mode: no heap profile" [ ! -e "$T/c.heap.pb.gz" ]

# Sample mode: the estimate of allocated bytes is unbiased (within 15%).
KALLOC_MODE=sample kalloc "$T/s" "$KC/perf/malloc_bench" --pairs 200000 >/dev/null 2>&1
is "$?" 0 "sample mode: exit 0"
total=$(field "$(head -n 1 "$T/s.stats.json")" total_bytes)
est=$(sed -n 's/^ {"allocs":[-0-9.e+]*,"bytes":\([-0-9.e+]*\),.*/\1/p' "$T/s.stats.json" | awk '{ s += $1 } END { printf "%.0f", s }')
check "sample mode: estimated bytes $est vs exact $total" \
	awk -v e="$est" -v t="$total" 'BEGIN { exit !(t > 0 && e > 0.85 * t && e < 1.15 * t) }'
check "sample mode: heap profile written" [ -s "$T/s.heap.pb.gz" ]

# KALLOC_DEPTH=1: one frame per stack.
KALLOC_DEPTH=1 kalloc "$T/d" "$KC/corpus/leak-malloc" >/dev/null 2>&1
is "$(grep -c '^    #' "$T/d.leaks.txt")" 1 "KALLOC_DEPTH=1: one frame per leak stack"

# Summary line on stderr unless quiet.
KALLOC_OUT=$T/q LD_PRELOAD=$KPROF_LIBKALLOC "$KC/corpus/leak-malloc" 2>"$T/q.err"
is "$(grep -c '^kalloc: .*definitely lost 100 bytes in 1 blocks.*see '"$T"'/q.leaks.txt' "$T/q.err")" 1 \
	"summary line on stderr at exit"

# KALLOC_SIGNAL: a snapshot on demand while the program runs.
KALLOC_SIGNAL=USR2 KALLOC_OUT=$T/sig KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC sleep 4 &
pid=$!
# Wait until the handler is installed (SIGUSR2 = 12: bit 11 of SigCgt).
i=0
while [ $i -lt 100 ]; do
	mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
	[ -n "$mask" ] && [ $(((0x$mask >> 11) & 1)) -eq 1 ] && break
	sleep 0.05
	i=$((i + 1))
done
kill -USR2 "$pid"
i=0
while [ ! -s "$T/sig.1.stats.json" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "KALLOC_SIGNAL=USR2: snapshot sig.1.* written while running" [ -s "$T/sig.1.leaks.json" -a -s "$T/sig.1.stats.json" ]
kill -USR2 "$pid"
i=0
while [ ! -s "$T/sig.2.stats.json" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "second signal: snapshot sig.2.*" [ -s "$T/sig.2.leaks.txt" ]
wait "$pid"
is "$?" 0 "the signalled program exits normally"
check "final report at exit as usual" [ -s "$T/sig.leaks.txt" ]

# Both interposers at once, pthread_getattr_np first in every thread
# (tests/kalloc/getattr; its alarm ends a hang with SIGALRM).
need_built "$KPROF_LIBKSAMP"
KALLOC_OUT=$T/both KALLOC_QUIET=1 KSAMP_OUT=$T/both.cpu.pb.gz LD_PRELOAD="$KPROF_LIBKALLOC $KPROF_LIBKSAMP" \
	"$KC/getattr" >"$T/both.tap" 2>&1
is "$?" 0 "libkalloc.so + libksamp.so: pthread_getattr_np first in every thread, no hang"
check "libkalloc.so + libksamp.so: all of getattr's checks pass" \
	sh -c "! grep -q '^not ok' '$T/both.tap' && grep -q '^1\.\.3' '$T/both.tap'"
done_testing
