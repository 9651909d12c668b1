#!/bin/sh
# SPDX-License-Identifier: MIT
# A stand-in for bench_pub/bench_e2e with fixed, predictable figures, so the
# golden test of kbench's merge does not depend on timings. It writes what
# a driver writes (--json), and, when run under the interposers' variables,
# what libkalloc (KALLOC_OUT.*) and libksamp (KSAMP_OUT) would write.
set -u
prog=$(basename "$0")
backend=memory size=100 batch=1 clients=1 reps=1 json= ack=false
while [ $# -gt 0 ]; do
	case $1 in
	--backend) backend=$2; shift ;;
	--size) size=$2; shift ;;
	--batch) batch=$2; shift ;;
	--clients) clients=$2; shift ;;
	--reps) reps=$2; shift ;;
	--json) json=$2; shift ;;
	--ack) ack=true ;;
	--count|--duration|--warmup|--rate|--brokers) shift ;;
	esac
	shift
done
case $(basename "$json") in rep-*.json) n=${json##*rep-}; n=${n%.json} ;; *) n=0 ;; esac
name=${prog#bench_}
base=$((1000000 / size * batch + n * 1000))
[ "$ack" = true ] && base=$((base / 2))
# FAKE_SCALE=P: a build P% as fast (for A/B tests)
base=$((base * ${FAKE_SCALE:-100} / 100))
{
	printf '{"schema":"kprof-bench/1","timestamp":"2026-01-01T00:00:00Z","git_commit":"0123456789ab",'
	printf '"compiler":"cc 1.0","host":{"hostname":"testhost","cpus":2,"model":"test cpu","kernel":"6.0"},'
	printf '"benchmarks":[{"name":"%s","backend":"%s","config":{"backend":"%s","brokers":"","topic":"t%s",' "$name" "$backend" "$backend" "$$"
	printf '"size":%s,"batch":%s,"clients":%s,"ack":%s,"reps":%s,"log":"warn"},' "$size" "$batch" "$clients" "$ack" "$reps"
	printf '"metrics":{"throughput_msgs_per_sec":%s,"latency_p50_ns":%s,"latency_p99_ns":%s,"latency_kind":"x","kalloc_loaded":false},' \
		"$((base + 1))" "$((size + n))" "$((size * 10 + n))"
	printf '"repetitions":['
	i=0
	while [ $i -lt "$reps" ]; do
		[ $i -gt 0 ] && printf ','
		printf '{"throughput_msgs_per_sec":%s,"latency_p50_ns":%s,"latency_p99_ns":%s}' \
			"$((base + i))" "$((size + n))" "$((size * 10 + n + i))"
		i=$((i + 1))
	done
	printf ']}]}\n'
} >"$json"
if [ -n "${KALLOC_OUT:-}" ]; then
	printf '{"total_allocs":4000,"total_bytes":400000,"peak_live_bytes":65536,"phases":[' >"$KALLOC_OUT.stats.json"
	printf '{"name":"main","messages":0,"allocs":100,"bytes":1000,"live_start_bytes":0,"live_end_bytes":500},' >>"$KALLOC_OUT.stats.json"
	printf '{"name":"steady","messages":1000,"allocs":%s,"bytes":%s,"live_start_bytes":500,"live_end_bytes":500},' \
		"$((batch * 1000))" "$((size * 1000))" >>"$KALLOC_OUT.stats.json"
	printf '{"name":"steady","messages":1000,"allocs":%s,"bytes":%s,"live_start_bytes":500,"live_end_bytes":1500}]}\n' \
		"$((batch * 3000))" "$((size * 3000))" >>"$KALLOC_OUT.stats.json"
	printf '{"definitely_lost":{"blocks":2,"bytes":48},"indirectly_lost":{"blocks":1,"bytes":16},"still_reachable":{"blocks":0,"bytes":0},"leaks":[]}\n' \
		>"$KALLOC_OUT.leaks.json"
	printf 'definitely lost: 48 bytes in 2 blocks\n' >"$KALLOC_OUT.leaks.txt"
	cp "$FAKE_DATA/heap.pb.gz" "$KALLOC_OUT.heap.pb.gz"
fi
if [ -n "${KSAMP_OUT:-}" ]; then
	cp "$FAKE_DATA/cpu.pb.gz" "$KSAMP_OUT"
fi
echo "$prog: $backend size $size batch $batch: done"
exit 0
