// SPDX-License-Identifier: MIT
// check-result.js FILE MODE REPS [COUNT]: validate a kprof-bench/1 file
// written by a driver. Prints one line per problem and exits 1 when there
// is any; prints "valid" and exits 0 otherwise.
'use strict';
const fs = require('fs');
const [file, mode, reps, count] = process.argv.slice(2);
const bad = [];
const need = (cond, what) => { if (!cond) bad.push(what); };
let r;
try {
	r = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
	console.log(`not JSON: ${e.message}`);
	process.exit(1);
}
need(r.schema === 'kprof-bench/1', `schema is ${r.schema}`);
need(typeof r.timestamp === 'string' && !isNaN(Date.parse(r.timestamp)), 'timestamp');
need(typeof r.git_commit === 'string' && r.git_commit.length > 0, 'git_commit');
need(typeof r.compiler === 'string', 'compiler');
need(r.host && r.host.cpus > 0 && typeof r.host.kernel === 'string', 'host');
need(Array.isArray(r.benchmarks) && r.benchmarks.length >= 1, 'benchmarks');
const b = (r.benchmarks || [])[0] || {};
const m = b.metrics || {};
const num = (k) => typeof m[k] === 'number' && Number.isFinite(m[k]);
need(typeof b.name === 'string' && typeof b.backend === 'string', 'name/backend');
need(b.config && typeof b.config === 'object', 'config');
need(Array.isArray(b.repetitions) && b.repetitions.length === Number(reps),
	`repetitions: ${b.repetitions && b.repetitions.length}, expected ${reps}`);
need(num('throughput_msgs_per_sec') && m.throughput_msgs_per_sec > 0, 'throughput_msgs_per_sec > 0');
need(num('peak_rss_bytes') && m.peak_rss_bytes > 1 << 20, 'peak_rss_bytes > 1 MiB');
need(num('cpu_usage_percent') && m.cpu_usage_percent >= 0, 'cpu_usage_percent');
need(num('error_rate') && m.error_rate === 0, `error_rate ${m.error_rate}`);
{
	const ps = ['latency_p50_ns', 'latency_p90_ns', 'latency_p95_ns', 'latency_p99_ns', 'latency_p999_ns', 'latency_max_ns'];
	need(ps.every(num), 'latency percentiles present');
	need(m.latency_p50_ns > 0, 'latency_p50_ns > 0');
	for (let i = 1; i < ps.length; i++) need(m[ps[i - 1]] <= m[ps[i]], `${ps[i - 1]} <= ${ps[i]}`);
}
if (count !== undefined) need(m.messages === Number(count), `messages ${m.messages}, expected ${count}`);
if (mode === 'sub') need(m.duplicates === 0, `duplicates ${m.duplicates}`);
for (const p of bad) console.log(p);
if (!bad.length) console.log('valid');
process.exit(bad.length ? 1 : 0);
