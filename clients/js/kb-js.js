#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// kb-js: the JavaScript benchmark driver. It measures the npm clients that
// JavaScript users of these brokers actually run (kafkajs, amqplib, mqtt)
// under the same rules as the C drivers: same flags, warm-up excluded,
// repetitions kept, latency percentiles in nanoseconds, CPU from
// process.cpuUsage(), peak RSS from VmHWM, and the same result JSON
// (schema kprof-bench/1). The driver protocol it follows is written down
// in doc/clients.md; kbench runs it like any other driver.
//
//   kb-js.js pub|sub|e2e|connect --backend kafka|amqp|mqtt --brokers ADDR ...
//
// Exit status: 0 ok, 1 the run completed with errors (error_rate > 0 and
// --max-error-rate exceeded), 2 bad flags, unknown backend, unreachable
// broker or a run that could not complete.
//
// Why one file of this size: npm users run it as one script (doc/clients.md),
// each backend a short section of it.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

// The npm packages live in the build tree (make clients-js); NODE_PATH or
// KPROF_NODE_MODULES points there.
if (process.env.KPROF_NODE_MODULES) module.paths.unshift(process.env.KPROF_NODE_MODULES);

const MODES = ['pub', 'sub', 'e2e', 'connect', 'channels', 'recovery'];
const BACKENDS = ['kafka', 'amqp', 'mqtt'];

class UsageError extends Error {}
class RunError extends Error {}

function die(msg, code) {
	process.stderr.write(`kb-js: ${msg}\n`);
	process.exit(code);
}

const USAGE = `usage: kb-js.js MODE --backend kafka|amqp|mqtt --brokers HOST:PORT|ws://HOST:PORT/PATH [options]
modes: pub (publish throughput, publish->ack latency), sub (consume
throughput), e2e (publish->consume latency at a constant rate),
connect (connection establishment latency), channels (memory per AMQP
channel / MQTT subscription / Kafka topic, for --channels 1,100,1000),
recovery (amqp, mqtt: reconnect after kb-proxy cuts the connection;
--cuts N --interval MS --proxy PATH)
options: --topic T --size BYTES --batch N --clients N --count N | --duration S
         --warmup S --rate MSG_PER_S --reps N --timeout S --json FILE --quiet
         mqtt only: --transport tcp|ws (MQTT over WebSocket), --qos 0|1 (default 1),
         --ws-deflate on|off (permessage-deflate over WebSocket; on, mqtt.js's default)
See doc/clients.md.`;

// ---- flags ------------------------------------------------------------------

// One MQTT broker address, --brokers and --transport together, by the
// rules of bench/transport.c: HOST:PORT, tcp:// or mqtt://HOST:PORT,
// ws://HOST:PORT[/PATH] (path /ws by default, RabbitMQ web MQTT's); a
// scheme that contradicts --transport is an error, TLS is refused.
function parseMqttAddr(brokers, transport) {
	if (transport !== null && transport !== 'tcp' && transport !== 'ws')
		throw new UsageError(`--transport: expected tcp or ws, got '${transport}'`);
	let s = brokers, scheme = null;
	const m = /^([A-Za-z]+):\/\//.exec(s);
	if (m) {
		const name = m[1].toLowerCase();
		if (name === 'wss' || name === 'ssl' || name === 'mqtts')
			throw new UsageError(`'${brokers}': TLS is not supported (use ws:// or tcp://)`);
		if (name !== 'ws' && name !== 'tcp' && name !== 'mqtt')
			throw new UsageError(`'${brokers}': unknown scheme (tcp://, mqtt:// or ws://)`);
		scheme = name === 'ws' ? 'ws' : 'tcp';
		s = s.slice(m[0].length);
	}
	if (scheme && transport && scheme !== transport)
		throw new UsageError(`--brokers '${brokers}' contradicts --transport ${transport}`);
	const t = scheme || transport || 'tcp';
	const slash = s.indexOf('/');
	const hp = slash >= 0 ? s.slice(0, slash) : s;
	let p = slash >= 0 ? s.slice(slash) : '';
	if (p && t !== 'ws') throw new UsageError(`'${brokers}': a path needs the ws transport`);
	const a = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?$/.exec(hp);
	if (!a) throw new UsageError(`--brokers: '${brokers}' is not [SCHEME://]HOST:PORT[/PATH]`);
	const port = a[2] !== undefined ? Number(a[2]) : (t === 'ws' ? 15675 : 1883);
	if (port < 1 || port > 65535) throw new UsageError(`'${brokers}': port must be 1..65535`);
	if (t === 'ws' && !p) p = '/ws';
	if (/[\s\x7f-\uffff]/.test(p) || p.length > 200) throw new UsageError(`'${brokers}': bad path`);
	return { transport: t, host: a[1], port, path: t === 'ws' ? p : '' };
}

// The URL mqtt.js connects to; hostport replaces HOST:PORT (kb-proxy).
function mqttUrl(a, hostport) {
	return `${a.transport === 'ws' ? 'ws' : 'mqtt'}://${hostport || `${a.host}:${a.port}`}${a.path}`;
}

function parseNumber(name, v, { min = 0, integer = true } = {}) {
	if (v === undefined) throw new UsageError(`--${name} needs a value`);
	if (!/^[0-9]+(\.[0-9]+)?([eE][0-9]+)?$/.test(v)) throw new UsageError(`--${name}: '${v}' is not a number`);
	const n = Number(v);
	if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
		throw new UsageError(`--${name}: '${v}' out of range`);
	return n;
}

function parseArgs(argv) {
	if (argv.length === 0) throw new UsageError('missing MODE (pub, sub, e2e or connect)');
	if (argv[0] === '-h' || argv[0] === '--help') {
		process.stdout.write(USAGE + '\n');
		process.exit(0);
	}
	const mode = argv[0];
	if (!MODES.includes(mode)) throw new UsageError(`unknown mode '${mode}' (pub, sub, e2e, connect)`);
	const o = {
		mode, backend: null, brokers: null, topic: null, size: 100, batch: 1, clients: 1,
		count: null, duration: null, warmup: 0.5, rate: 0, reps: 1, timeout: 10, json: null,
		quiet: false, ack: false, channels: '1,100,1000', cuts: 5, interval: 300, transport: null, qos: null, wsDeflate: true,
		proxy: process.env.KPROF_KB_PROXY || 'kb-proxy',
	};
	const num = { size: [1, true], batch: [1, true], clients: [1, true], count: [1, true],
		duration: [0, false], warmup: [0, false], rate: [0, false], reps: [1, true], timeout: [0, false],
		cuts: [1, true], interval: [1, true] };
	for (let i = 1; i < argv.length; i++) {
		let a = argv[i];
		let v;
		if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
		a = a.slice(2);
		const eq = a.indexOf('=');
		if (eq >= 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
		if (a === 'quiet' || a === 'ack') { o[a] = true; continue; }
		if (a === 'correlation-id' || a === 'metadata' || a === 'nack-rate' || a === 'partitions')
			throw new UsageError(`--${a} is not supported by the JavaScript drivers (they publish with acknowledgements, ` +
				'MQTT at QoS 1 unless --qos 0, one partition)');
		if (v === undefined) v = argv[++i];
		if (a === 'qos') {
			if (v !== '0' && v !== '1') throw new UsageError(`--qos: expected 0 or 1, got '${v}'`);
			o.qos = Number(v);
			continue;
		}
		if (a === 'ws-deflate') {
			if (v !== 'on' && v !== 'off') throw new UsageError(`--ws-deflate: expected on or off, got '${v}'`);
			o.wsDeflate = v === 'on';
			continue;
		}
		if (a === 'transport') {
			if (v !== 'tcp' && v !== 'ws') throw new UsageError(`--transport: expected tcp or ws, got '${v}'`);
			o.transport = v;
			continue;
		}
		if (a in num) {
			o[a] = parseNumber(a, v, { min: num[a][0], integer: num[a][1] });
		} else if (a === 'channels') {
			if (!/^[0-9]+(,[0-9]+)*$/.test(v || '') || v.split(',').some((x) => Number(x) < 1 || Number(x) > 100000))
				throw new UsageError(`--channels: '${v}' is not a list of counts 1..100000`);
			o.channels = v;
		} else if (a === 'backend' || a === 'brokers' || a === 'topic' || a === 'json' || a === 'proxy') {
			if (v === undefined || v === '') throw new UsageError(`--${a} needs a value`);
			o[a] = v;
		} else {
			throw new UsageError(`unknown flag '--${a}'`);
		}
	}
	if (!o.backend) throw new UsageError('--backend is required (kafka, amqp, mqtt)');
	if (!BACKENDS.includes(o.backend))
		throw new UsageError(`unknown backend '${o.backend}' (the JavaScript drivers cover kafka, amqp, mqtt)`);
	if (!o.brokers && o.backend !== 'kafka')
		throw new UsageError(`--brokers HOST:PORT is required for ${o.backend} (scripts/brokers starts one)`);
	if (o.backend === 'mqtt') {
		o.addr = parseMqttAddr(o.brokers, o.transport);
		o.transport = o.addr.transport;
		if (o.qos === null) o.qos = 1;
	} else {
		if (o.transport === 'ws' || /^ws:\/\//i.test(o.brokers || ''))
			throw new UsageError(`the ws transport is for the mqtt backend only (got --backend ${o.backend})`);
		if (o.qos !== null) throw new UsageError('--qos is for the mqtt backend only');
		o.transport = 'tcp';
		if (o.brokers && !/^[^:\s]+:[0-9]{1,5}(,[^:\s]+:[0-9]{1,5})*$/.test(o.brokers))
			throw new UsageError(`--brokers: '${o.brokers}' is not HOST:PORT[,HOST:PORT...]`);
	}
	if (o.qos === 0 && (o.mode === 'recovery' || o.mode === 'sub'))
		throw new UsageError(`${o.mode} counts acknowledged messages: QoS 1 only`);
	if (o.count !== null && o.duration !== null) throw new UsageError('--count and --duration are exclusive');
	if (o.count === null && o.duration === null) o.count = o.mode === 'connect' ? 100 : 10000;
	if (o.size < 8 && (o.mode === 'e2e' || o.mode === 'pub' || o.mode === 'sub'))
		throw new UsageError('--size must be at least 8 (the payload carries a sequence number)');
	if (o.size > 64 << 20) throw new UsageError('--size above 64 MiB is not supported');
	if (o.mode === 'e2e' && !o.rate) o.rate = 1000;
	if (o.clients > 1 && o.mode !== 'pub') throw new UsageError(`--clients above 1 is only supported by pub, not ${o.mode}`);
	if (o.duration !== null && (o.mode === 'sub' || o.mode === 'channels' || o.mode === 'recovery'))
		throw new UsageError(`${o.mode} takes --count, not --duration`);
	if (o.rate && o.mode === 'pub') throw new UsageError('pub publishes as fast as acknowledgements allow; --rate is for e2e');
	if (!o.topic) o.topic = `kb-js-${o.mode}-${process.pid}-${Date.now() % 100000}`;
	return o;
}

// ---- measurement --------------------------------------------------------------

const now = () => process.hrtime.bigint();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Exact percentiles: every sample is kept (8 bytes each), sorted once.
class Samples {
	constructor() { this.a = new Float64Array(1024); this.n = 0; }
	add(ns) {
		if (this.n === this.a.length) {
			const b = new Float64Array(this.a.length * 2);
			b.set(this.a);
			this.a = b;
		}
		this.a[this.n++] = ns;
	}
	percentiles() {
		const s = this.a.subarray(0, this.n).slice().sort();
		// Nearest rank: the smallest sample with at least q of them at or below it.
		const at = (q) => (s.length ? Math.round(s[Math.max(0, Math.ceil(q * s.length) - 1)]) : 0);
		let sum = 0;
		for (let i = 0; i < s.length; i++) sum += s[i];
		return {
			latency_count: s.length,
			latency_min_ns: s.length ? Math.round(s[0]) : 0,
			latency_mean_ns: s.length ? Math.round(sum / s.length) : 0,
			latency_p50_ns: at(0.5), latency_p90_ns: at(0.9), latency_p95_ns: at(0.95),
			latency_p99_ns: at(0.99), latency_p999_ns: at(0.999),
			latency_max_ns: s.length ? Math.round(s[s.length - 1]) : 0,
		};
	}
}

function peakRss() {
	try {
		const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
		if (m) return Number(m[1]) * 1024;
	} catch (e) { /* not Linux: fall through */ }
	return process.resourceUsage().maxRSS * 1024;
}

// Payload: [0..8) sequence number, [8..16) send time (ns, monotonic), rest filler.
function payload(size, seq, t) {
	const b = Buffer.alloc(size, 0x61);
	b.writeUInt32LE(seq >>> 0, 0);
	b.writeUInt32LE(Math.floor(seq / 0x100000000), 4);
	if (size >= 16) b.writeBigUInt64LE(t, 8);
	return b;
}
const seqOf = (b) => b.readUInt32LE(0) + b.readUInt32LE(4) * 0x100000000;
const timeOf = (b) => (b.length >= 16 ? b.readBigUInt64LE(8) : 0n);

function withTimeout(p, s, what) {
	let t;
	return Promise.race([p, new Promise((_, rej) => {
		t = setTimeout(() => rej(new RunError(`${what}: no answer within ${s} s`)), s * 1000);
	})]).finally(() => clearTimeout(t));
}

// ---- backends -----------------------------------------------------------------
// Each backend: { lib, version, connect(o, role) -> client, publish(client,
// topic, bufs) -> Promise (resolves when the broker acknowledged), subscribe(
// client, topic, onMessage) -> Promise, prepare(o), close(client) }.

function libVersion(name) {
	try { return require(`${name}/package.json`).version; } catch (e) { return 'unknown'; }
}

function brokerList(o) { return o.brokers.split(','); }

const backends = {
	kafka: {
		lib: 'kafkajs',
		load() {
			const k = require('kafkajs');
			this.k = k;
		},
		async connect(o, role) {
			const { Kafka, logLevel } = this.k;
			const kafka = new Kafka({
				clientId: `kb-js-${process.pid}`, brokers: brokerList(o), logLevel: logLevel.NOTHING,
				connectionTimeout: o.timeout * 1000, retry: { retries: 3, initialRetryTime: 100 },
			});
			if (role === 'pub') {
				const p = kafka.producer({ allowAutoTopicCreation: true });
				await p.connect();
				return { kafka, p };
			}
			if (role === 'connect') {
				const a = kafka.admin();
				await a.connect();
				await a.describeCluster(); // a metadata round trip: the connection is usable
				return { kafka, a };
			}
			const c = kafka.consumer({ groupId: `kb-js-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 50 });
			await c.connect();
			return { kafka, c };
		},
		async prepare(o) {
			const { Kafka, logLevel } = this.k;
			const a = new Kafka({ clientId: 'kb-js-admin', brokers: brokerList(o), logLevel: logLevel.NOTHING }).admin();
			await a.connect();
			try {
				await a.createTopics({ topics: [{ topic: o.topic, numPartitions: 1 }], waitForLeaders: true });
			} catch (e) {
				// librdkafka's mock cluster names no controller; it creates
				// topics on first use, which the producer asks for.
				await a.fetchTopicMetadata({ topics: [] });
			} finally {
				await a.disconnect();
			}
		},
		publish(cl, topic, bufs) {
			return cl.p.send({ topic, acks: -1, messages: bufs.map((value) => ({ value })) });
		},
		async subscribe(cl, topic, onMessage) {
			await cl.c.subscribe({ topic, fromBeginning: true });
			let joined;
			const ready = new Promise((r) => { joined = r; });
			cl.c.on(cl.c.events.GROUP_JOIN, () => joined());
			await cl.c.run({ eachBatchAutoResolve: true, eachBatch: async ({ batch }) => {
				for (const m of batch.messages) onMessage(m.value);
			} });
			await ready;
		},
		async close(cl) {
			if (cl.p) await cl.p.disconnect();
			if (cl.c) await cl.c.disconnect();
			if (cl.a) await cl.a.disconnect();
		},
	},

	amqp: {
		lib: 'amqplib',
		load() { this.amqp = require('amqplib'); },
		async connect(o, role) {
			const conn = await this.amqp.connect(`amqp://guest:guest@${brokerList(o)[0]}/`, { timeout: o.timeout * 1000, noDelay: true });
			conn.on('error', () => {}); // reported through the pending operations
			const closed = new Promise((res) => conn.once('close', () => res(new RunError('connection closed'))));
			const ch = role === 'pub' ? await conn.createConfirmChannel() : await conn.createChannel();
			ch.on('error', () => {});
			return { conn, ch, closed };
		},
		async prepare(o) {
			const cl = await this.connect(o, 'sub');
			await cl.ch.assertQueue(o.topic, { durable: false, autoDelete: false });
			await cl.ch.purgeQueue(o.topic);
			await this.close(cl);
		},
		publish(cl, topic, bufs) {
			const ps = bufs.map((b) => new Promise((res, rej) => {
				cl.ch.sendToQueue(topic, b, {}, (err) => (err ? rej(err) : res()));
			}));
			return Promise.all(ps);
		},
		async subscribe(cl, topic, onMessage) {
			await cl.ch.prefetch(1000);
			await cl.ch.consume(topic, (m) => {
				if (!m) return;
				onMessage(m.content);
				cl.ch.ack(m);
			}, { noAck: false });
		},
		async cleanup(o) {
			const cl = await this.connect(o, 'sub');
			await cl.ch.deleteQueue(o.topic);
			await this.close(cl);
		},
		async close(cl) {
			try { await cl.ch.close(); } catch (e) { /* already closed */ }
			await cl.conn.close();
		},
	},

	mqtt: {
		lib: 'mqtt',
		load() { this.mqtt = require('mqtt'); },
		connect(o, role) {
			return new Promise((res, rej) => {
				const c = this.mqtt.connect(mqttUrl(o.addr, o.via), {
					clientId: `kb-js-${role}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
					reconnectPeriod: 0, connectTimeout: o.timeout * 1000, clean: true,
					// the ws package offers permessage-deflate unless told not to
					...(o.transport === 'ws' ? { wsOptions: { perMessageDeflate: o.wsDeflate } } : {}),
				});
				c.once('connect', () => {
					c.removeAllListeners('error');
					c.on('error', () => {});
					const closed = new Promise((r) => c.once('close', () => r(new RunError('connection closed'))));
					res({ c, closed, qos: o.qos });
				});
				c.once('error', (e) => { c.end(true); rej(e); });
				c.once('close', () => rej(new RunError('connection closed before CONNACK')));
			});
		},
		async prepare() {},
		publish(cl, topic, bufs) {
			return Promise.all(bufs.map((b) => new Promise((res, rej) => {
				cl.c.publish(topic, b, { qos: cl.qos }, (err) => (err ? rej(err) : res()));
			})));
		},
		subscribe(cl, topic, onMessage) {
			cl.c.on('message', (t, m) => onMessage(m));
			return new Promise((res, rej) => {
				cl.c.subscribe(topic, { qos: cl.qos }, (err) => (err ? rej(err) : res()));
			});
		},
		close(cl) { return new Promise((res) => cl.c.end(false, {}, () => res())); },
	},
};

// ---- one repetition per mode ----------------------------------------------------

// Publishers: `clients` connections, each sending batches of `batch` messages
// with at most one batch outstanding (like the C driver with --batch). Time
// to acknowledgement of each batch is recorded once per message.
async function runPub(be, o, rep) {
	const cls = [];
	for (let i = 0; i < o.clients; i++) cls.push(await withTimeout(be.connect(o, 'pub'), o.timeout, 'connect'));
	const lat = new Samples();
	let sent = 0, acked = 0, errors = 0, seq = 0;
	const total = o.count;
	const wantStop = (t0) => (total !== null ? sent >= total : Number(now() - t0) / 1e9 >= o.duration);

	if (o.warmup > 0) { // warm-up: same traffic, not measured
		const tw = now();
		while (Number(now() - tw) / 1e9 < o.warmup) {
			const bufs = [];
			for (let j = 0; j < o.batch; j++) bufs.push(payload(o.size, seq++, now()));
			await be.publish(cls[0], o.topic, bufs);
		}
	}
	const cpu0 = process.cpuUsage();
	const t0 = now();
	await Promise.all(cls.map(async (cl) => {
		while (!wantStop(t0)) {
			const n = total !== null ? Math.min(o.batch, total - sent) : o.batch;
			if (n <= 0) break;
			sent += n;
			const bufs = [];
			const ts = now();
			for (let j = 0; j < n; j++) bufs.push(payload(o.size, seq++, ts));
			try {
				await withTimeout(be.publish(cl, o.topic, bufs), o.timeout, 'publish acknowledgement');
				const d = Number(now() - ts);
				for (let j = 0; j < n; j++) lat.add(d);
				acked += n;
			} catch (e) {
				errors += n;
				if (e instanceof RunError) throw e;
			}
		}
	}));
	const wall = Number(now() - t0) / 1e9;
	const cpu = process.cpuUsage(cpu0);
	for (const cl of cls) await be.close(cl);
	return figures(o, acked, errors, wall, cpu, lat);
}

function figures(o, n, errors, wall, cpu, lat) {
	return Object.assign({
		messages: n,
		duration_sec: wall,
		throughput_msgs_per_sec: wall > 0 ? n / wall : 0,
		bytes_per_sec: wall > 0 ? (n * o.size) / wall : 0,
		cpu_usage_percent: wall > 0 ? ((cpu.user + cpu.system) / 1e6 / wall) * 100 : 0,
		peak_rss_bytes: peakRss(),
		error_rate: n + errors > 0 ? errors / (n + errors) : 0,
		errors,
	}, lat ? lat.percentiles() : {});
}

// Consumers: the consumer subscribes, then this process publishes the
// messages (each batch acknowledged) while it consumes; throughput from
// the first delivery to the last, latency from the send time carried in
// each message to its delivery.
async function runSub(be, o, rep) {
	const n = o.count !== null ? o.count : 10000;
	if (rep > 0 || !o._prepared) { await be.prepare(o); o._prepared = true; }
	const pub = await withTimeout(be.connect(o, 'pub'), o.timeout, 'connect');
	const sub = await withTimeout(be.connect(o, 'sub'), o.timeout, 'connect');
	let got = 0, first = 0n, last = 0n, dup = 0, distinct = 0, reordered = 0, corrupt = 0, prev = -1;
	const lat = new Samples(); // send time (in the payload) to delivery, as bench_sub
	const seen = new Uint8Array(n);
	const fill = Buffer.alloc(o.size, 0x61); // what payload() writes after the header
	let done;
	const finished = new Promise((r) => { done = r; });
	const cpu0 = process.cpuUsage();
	await withTimeout(be.subscribe(sub, o.topic, (m) => {
		const t = now();
		if (!first) first = t;
		last = t;
		const s = seqOf(m);
		// intact: the size sent and every byte after the sequence number and send time
		const head = Math.min(16, o.size);
		if (m.length !== o.size || m.compare(fill, head, o.size, head, m.length) !== 0) corrupt++;
		if (s < n) {
			if (seen[s]) dup++;
			else { seen[s] = 1; distinct++; if (s < prev) reordered++; prev = s; }
		}
		const sent = timeOf(m);
		if (sent > 0n) lat.add(Number(t - sent));
		if (++got >= n) done();
	}), o.timeout, 'subscribe');
	for (let i = 0; i < n; i += o.batch) {
		const bufs = [];
		for (let j = i; j < Math.min(n, i + o.batch); j++) bufs.push(payload(o.size, j, now()));
		await withTimeout(be.publish(pub, o.topic, bufs), o.timeout, 'publish acknowledgement');
	}
	await withTimeout(finished, Math.max(o.timeout, 30), `consume ${n} messages (got ${got})`);
	const wall = Number(last - first) / 1e9;
	const cpu = process.cpuUsage(cpu0);
	await be.close(sub);
	await be.close(pub);
	const r = figures(o, got, 0, wall, cpu, lat);
	Object.assign(r, { duplicates: dup, lost: n - distinct, reordered, corrupt });
	return r;
}

// End to end: a constant-rate schedule; latency is measured from the
// *intended* send time, so a stalled publisher is charged for the delay
// (no coordinated omission). The uncorrected figures are kept too.
async function runE2e(be, o, rep) {
	if (rep > 0 || !o._prepared) { await be.prepare(o); o._prepared = true; }
	const pub = await withTimeout(be.connect(o, 'pub'), o.timeout, 'connect');
	const sub = await withTimeout(be.connect(o, 'sub'), o.timeout, 'connect');
	const n = o.count !== null ? o.count : Math.max(1, Math.round(o.duration * o.rate));
	const warm = Math.round(o.warmup * o.rate);
	const lat = new Samples(), raw = new Samples();
	let got = 0, done;
	const finished = new Promise((r) => { done = r; });
	const sched = new Map();
	await withTimeout(be.subscribe(sub, o.topic, (m) => {
		const t = now();
		const s = seqOf(m);
		const intended = sched.get(s);
		if (intended === undefined) return;
		sched.delete(s);
		if (s >= warm) {
			lat.add(Number(t - intended));
			raw.add(Number(t - timeOf(m)));
		}
		if (++got >= n + warm) done();
	}), o.timeout, 'subscribe');
	const period = 1e9 / o.rate;
	const cpu0 = process.cpuUsage();
	const t0 = now();
	let errors = 0;
	const pending = [];
	for (let i = 0; i < n + warm; i++) {
		const intended = t0 + BigInt(Math.round(i * period));
		let t = now();
		if (t < intended) {
			const ms = Number(intended - t) / 1e6;
			if (ms >= 1) await sleep(ms);
			else await new Promise((r) => setImmediate(r));
			while ((t = now()) < intended) await new Promise((r) => setImmediate(r));
		}
		sched.set(i, intended);
		pending.push(be.publish(pub, o.topic, [payload(o.size, i, t)]).catch(() => { errors++; }));
		if (pending.length >= 1000) await Promise.all(pending.splice(0));
	}
	await Promise.all(pending);
	await withTimeout(finished, Math.max(o.timeout, 30), `receive ${n + warm} messages (got ${got})`);
	const wall = Number(now() - t0) / 1e9;
	const cpu = process.cpuUsage(cpu0);
	await be.close(sub);
	await be.close(pub);
	const r = figures(o, got - Math.min(got, warm), errors, wall, cpu, lat);
	const u = raw.percentiles();
	r.uncorrected_latency_p50_ns = u.latency_p50_ns;
	r.uncorrected_latency_p99_ns = u.latency_p99_ns;
	r.uncorrected_latency_max_ns = u.latency_max_ns;
	return r;
}

// Connection establishment: connect until the connection is usable (Kafka:
// a metadata round trip; AMQP: connection + channel open; MQTT: CONNACK),
// then close, `count` times.
async function runConnect(be, o, rep) {
	const lat = new Samples();
	let errors = 0, ok = 0;
	const cpu0 = process.cpuUsage();
	const t0 = now();
	for (let i = 0; (o.count !== null ? i < o.count : Number(now() - t0) / 1e9 < o.duration); i++) {
		const ts = now();
		try {
			const cl = await withTimeout(be.connect(o, 'connect'), o.timeout, 'connect');
			lat.add(Number(now() - ts));
			ok++;
			await be.close(cl);
		} catch (e) {
			errors++;
			if (ok === 0 && errors >= 3) throw new RunError(`cannot connect to ${o.brokers}: ${e.message}`);
		}
	}
	const wall = Number(now() - t0) / 1e9;
	const r = figures(o, ok, errors, wall, process.cpuUsage(cpu0), lat);
	r.connects_per_sec = r.throughput_msgs_per_sec;
	return r;
}

// Memory per channel: one connection, then n channels (AMQP channels,
// MQTT subscriptions, Kafka topics produced to), each confirmed by the
// broker; growth of the JS heap plus external memory (after a full GC on
// both ends, so garbage is not counted) and of the RSS, divided by n.
const gc = (() => {
	try {
		require('v8').setFlagsFromString('--expose-gc');
		return require('vm').runInNewContext('gc');
	} catch (e) {
		return () => {};
	}
})();

function memNow() {
	gc();
	const m = process.memoryUsage();
	return { heap: m.heapUsed + m.external, rss: m.rss, t: now() };
}

async function runChannels(be, o, n) {
	const units = { amqp: 'channel', mqtt: 'subscription', kafka: 'topic' };
	const base = await withTimeout(be.connect(o, o.backend === 'kafka' ? 'pub' : 'sub'), o.timeout, 'connect');
	const held = [];
	if (o.backend === 'kafka') await be.publish(base, `${o.topic}-warm`, [payload(16, 0, 0n)]);
	const m0 = memNow();
	for (let i = 0; i < n; i++) {
		if (o.backend === 'amqp') held.push(await base.conn.createChannel());
		else if (o.backend === 'mqtt') {
			await new Promise((res, rej) => base.c.subscribe(`${o.topic}/${i}`, { qos: base.qos }, (e) => (e ? rej(e) : res())));
		}
		else await withTimeout(be.publish(base, `${o.topic}-${i}`, [Buffer.from('x')]), o.timeout, 'produce');
	}
	const m1 = memNow();
	for (const ch of held) await ch.close().catch(() => {});
	await be.close(base);
	return {
		channels: n, unit: units[o.backend],
		heap_bytes_per_channel: (m1.heap - m0.heap) / n,
		rss_bytes_per_channel: (m1.rss - m0.rss) / n,
		open_ns_per_channel: Number(m1.t - m0.t) / n,
		peak_rss_bytes: peakRss(),
	};
}

// Recovery: the publisher talks to the broker through kb-proxy and
// publishes one message at a time, each awaited until the broker
// acknowledged it; every --interval ms the proxy cuts all connections. On
// a failure the publisher reconnects and re-sends the same message.
// Recovery time is from the cut to the first acknowledged message after
// it; a consumer attached directly to the broker must then have received
// every acknowledged message. Same procedure as bench_connect recovery.
async function runRecovery(be, o) {
	if (o.backend === 'kafka') {
		throw new RunError('recovery through a TCP proxy does not apply to kafka: clients reconnect to the ' +
			'address each broker advertises, which bypasses the proxy');
	}
	const { spawn } = require('child_process');
	const readline = require('readline');
	// kb-proxy forwards bytes: over WebSocket it cuts the WebSocket's TCP
	// connection, and the publisher keeps the scheme and path (o.via).
	const target = o.addr ? `${o.addr.host}:${o.addr.port}` : brokerList(o)[0];
	const proxy = spawn(o.proxy, ['--target', target], { stdio: ['pipe', 'pipe', 'inherit'] });
	const spawnErr = new Promise((_, rej) => proxy.once('error', (e) => rej(new RunError(`cannot run kb-proxy (${o.proxy}): ${e.message}`))));
	const lines = readline.createInterface({ input: proxy.stdout });
	const waiting = [];
	lines.on('line', (l) => { const w = waiting.shift(); if (w) w(l); });
	const nextLine = () => new Promise((r) => waiting.push(r));
	const command = (c) => { const p = nextLine(); proxy.stdin.write(c + '\n'); return p; };
	try {
		const first = await Promise.race([nextLine(), spawnErr]);
		const m = /^listening (\S+)$/.exec(first || '');
		if (!m) throw new RunError(`kb-proxy said '${first}'`);
		const viaProxy = Object.assign({}, o, { brokers: m[1], via: m[1] });

		await be.prepare(o);
		const n = 1 << 22;
		const seen = new Uint8Array(n);
		let received = 0, duplicates = 0;
		const sub = await withTimeout(be.connect(o, 'sub'), o.timeout, 'connect');
		await be.subscribe(sub, o.topic, (msg) => {
			const id = seqOf(msg);
			if (id >= n) return;
			if (seen[id]) duplicates++; else received++;
			seen[id] = 1;
		});
		const cuts = [];
		let cutting = true;
		const cutter = (async () => {
			for (let i = 0; i < o.cuts && cutting; i++) {
				await sleep(o.interval);
				if (!cutting) break;
				const t = now();
				const r = await command('cut');
				if (!/^ok cut/.test(r)) throw new RunError(`kb-proxy: ${r}`);
				cuts.push(t);
			}
		})();
		let pub = await withTimeout(be.connect(viaProxy, 'pub'), o.timeout, 'connect through kb-proxy');
		let id = 0, acked = 0, reconnects = 0, failures = 0, down = false, downSince = 0n;
		const rec = new Samples();
		const recs = [];
		for (;;) {
			if (cuts.length >= o.cuts && !down && Number(now() - cuts[cuts.length - 1]) > 300e6) break;
			if (!pub) {
				try {
					pub = await withTimeout(be.connect(viaProxy, 'pub'), o.timeout, 'reconnect');
					reconnects++;
				} catch (e) {
					if (Number(now() - downSince) > 3e9 * o.timeout) throw new RunError(`could not reconnect: ${e.message}`);
					await sleep(1);
					continue;
				}
			}
			try {
				await Promise.race([be.publish(pub, o.topic, [payload(64, id, 0n)]), pub.closed.then((e) => { throw e; }),
					sleep(o.timeout * 1000).then(() => { throw new RunError('no acknowledgement'); })]);
				acked++;
				id++;
				if (down) {
					let cutAt = downSince;
					for (let i = cuts.length - 1; i >= 0; i--) if (cuts[i] <= downSince) { cutAt = cuts[i]; break; }
					const d = Number(now() - cutAt);
					rec.add(d);
					recs.push({ recovery_ns: d });
					down = false;
				}
			} catch (e) {
				failures++;
				if (!down) { down = true; downSince = now(); }
				const old = pub;
				pub = null;
				be.close(old).catch(() => {});
			}
		}
		cutting = false;
		await cutter;
		if (pub) await be.close(pub).catch(() => {});
		const deadline = Date.now() + o.timeout * 1000;
		while (Date.now() < deadline) {
			let all = true;
			for (let i = 0; i < id && all; i++) all = seen[i] === 1;
			if (all) break;
			await sleep(20);
		}
		let lost = 0;
		for (let i = 0; i < id; i++) lost += seen[i] ? 0 : 1;
		await be.close(sub).catch(() => {});
		const p = rec.percentiles();
		const metrics = {};
		for (const k of Object.keys(p)) if (k.startsWith('latency_') && k.endsWith('_ns')) metrics[k.replace('latency_', 'recovery_')] = p[k];
		metrics.recovery_ns = median(recs.map((x) => x.recovery_ns)); // the repetitions are the recoveries
		Object.assign(metrics, { cuts: cuts.length, recoveries: recs.length, reconnects, failed_sends: failures, acked,
			received, lost, duplicates, peak_rss_bytes: peakRss() });
		return { metrics, repetitions: recs };
	} finally {
		proxy.stdin.end(); // EOF ends the proxy
	}
}

async function mainRecovery(o, be) {
	let res;
	try {
		res = await runRecovery(be, o);
		if (be.cleanup) await be.cleanup(o).catch(() => {});
	} catch (e) {
		die(`recovery on ${o.backend} at ${o.brokers} failed: ${e.message || e}`, 2);
	}
	const r = header();
	r.benchmarks = [{ name: `recovery/${o.backend}/js`, driver: 'kb-js', language: 'js',
		client: `${be.lib} ${libVersion(be.lib)}`, mode: 'recovery', backend: o.backend,
		config: { mode: 'recovery', backend: o.backend, brokers: o.brokers, transport: o.transport, cuts: o.cuts,
			interval_ms: o.interval },
		metrics: res.metrics, repetitions: res.repetitions }];
	writeResult(o, r);
	const m = res.metrics;
	if (!o.quiet)
		process.stderr.write(`kb-js: recovery/${o.backend}: ${m.cuts} cuts, ${m.reconnects} reconnects, recovery p50 ` +
			`${(m.recovery_p50_ns / 1e6).toFixed(1)} ms max ${(m.recovery_max_ns / 1e6).toFixed(1)} ms; ${m.acked} acked, ` +
			`${m.lost} lost, ${m.duplicates} duplicates\n`);
	process.exit(m.lost ? 1 : 0);
}

// ---- result JSON ------------------------------------------------------------------

function gitCommit() {
	if (process.env.KPROF_GIT_COMMIT) return process.env.KPROF_GIT_COMMIT;
	try {
		const head = fs.readFileSync(path.join(__dirname, '..', '..', '.git', 'HEAD'), 'utf8').trim();
		if (!head.startsWith('ref: ')) return head;
		return fs.readFileSync(path.join(__dirname, '..', '..', '.git', head.slice(5)), 'utf8').trim();
	} catch (e) {
		return 'unknown';
	}
}

function median(xs) {
	const s = xs.slice().sort((a, b) => a - b);
	if (!s.length) return 0;
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function result(o, be, reps) {
	const metrics = {};
	for (const k of Object.keys(reps[0])) {
		if (typeof reps[0][k] !== 'number') continue;
		const vals = reps.map((r) => r[k]);
		metrics[k] = k === 'peak_rss_bytes' || k.endsWith('max_ns') ? Math.max(...vals) : median(vals);
	}
	// ack and qos say what the latency measures (every message is
	// acknowledged by the broker; MQTT at QoS 1), so that comparisons pair
	// like with like.
	const config = { mode: o.mode, backend: o.backend, brokers: o.brokers, transport: o.transport, topic: o.topic, size: o.size,
		batch: o.batch, clients: o.clients, count: o.count, duration: o.duration, warmup: o.warmup,
		rate: o.rate, reps: o.reps, timeout: o.timeout, ack: o.backend !== 'mqtt' || o.qos > 0, correlation_id: false, metadata: 0 };
	if (o.backend === 'mqtt') config.qos = o.qos;
	if (o.transport === 'ws') config.ws_deflate = o.wsDeflate;
	return {
		...header(),
		benchmarks: [{
			name: `${o.mode}/${o.backend}/js`,
			driver: 'kb-js',
			language: 'js',
			client: `${be.lib} ${libVersion(be.lib)}`,
			mode: o.mode,
			backend: o.backend,
			config,
			metrics,
			repetitions: reps,
		}],
	};
}

function header() {
	return {
		schema: 'kprof-bench/1',
		timestamp: new Date().toISOString(),
		git_commit: gitCommit(),
		compiler: `node ${process.version} (v8 ${process.versions.v8})`,
		host: { cpus: os.cpus().length, model: (os.cpus()[0] || {}).model || 'unknown',
			kernel: `${os.type()} ${os.release()}`, hostname: os.hostname() },
	};
}

function writeResult(o, r) {
	const out = JSON.stringify(r, null, 2) + '\n';
	if (!o.json) return process.stdout.write(out);
	try {
		fs.writeFileSync(o.json, out);
	} catch (e) {
		die(`cannot write ${o.json}: ${e.message}`, 2);
	}
}

async function mainChannels(o, be) {
	const r = header();
	r.benchmarks = [];
	try {
		for (const n of o.channels.split(',').map(Number)) {
			const reps = [];
			for (let k = 0; k < o.reps; k++) reps.push(await runChannels(be, o, n));
			const metrics = {};
			for (const key of Object.keys(reps[0])) {
				if (typeof reps[0][key] === 'number') metrics[key] = median(reps.map((x) => x[key]));
			}
			r.benchmarks.push({ name: `channels/${o.backend}/js`, driver: 'kb-js', language: 'js',
				client: `${be.lib} ${libVersion(be.lib)}`, mode: 'channels', backend: o.backend,
				unit: reps[0].unit, config: { mode: 'channels', backend: o.backend, brokers: o.brokers, transport: o.transport, channels: n },
				metrics, repetitions: reps.map((x) => { const y = Object.assign({}, x); delete y.unit; return y; }) });
			if (!o.quiet)
				process.stderr.write(`kb-js: channels/${o.backend}: ${n} ${reps[0].unit}s: ` +
					`${metrics.heap_bytes_per_channel.toFixed(0)} heap bytes and ${metrics.rss_bytes_per_channel.toFixed(0)} RSS bytes each\n`);
		}
	} catch (e) {
		die(`channels on ${o.backend} at ${o.brokers} failed: ${e.message || e}`, 2);
	}
	writeResult(o, r);
	process.exit(0);
}

// Kafka without --brokers, as the C drivers do: librdkafka's mock cluster
// in its helper process (bench/kb-mockcluster; $KPROF_MOCKCLUSTER), which
// exits when our end of its stdin closes, i.e. when this process ends.
async function startMockCluster(o) {
	const { spawn } = require('child_process');
	const readline = require('readline');
	const exe = process.env.KPROF_MOCKCLUSTER || path.join(__dirname, '..', '..', 'bench', 'kb-mockcluster');
	const helper = spawn(exe, [], { stdio: ['pipe', 'pipe', 'ignore'] });
	const lines = readline.createInterface({ input: helper.stdout });
	const queue = [];
	let waiter = null;
	lines.on('line', (l) => { if (waiter) { const w = waiter; waiter = null; w(l); } else queue.push(l); });
	const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => { waiter = r; }));
	const failed = new Promise((_, rej) => {
		helper.once('error', (e) => rej(new Error(`cannot run the mock cluster helper ${exe} (set KPROF_MOCKCLUSTER): ${e.message}`)));
		helper.once('exit', (c) => rej(new Error(`the mock cluster helper ${exe} exited with status ${c}`)));
	});
	try {
		const addr = await withTimeout(Promise.race([next(), failed]), 10, 'mock cluster helper');
		if (!/^[^\s:]+:[0-9]+$/.test(addr || '')) throw new Error(`mock cluster helper said '${addr}'`);
		helper.stdin.write(`topic ${o.topic} 1\n`);
		const r = await withTimeout(Promise.race([next(), failed]), 10, 'mock cluster topic');
		if (!/^ok/.test(r)) throw new Error(`mock cluster: ${r}`);
		helper.unref();
		helper.stdout.unref && helper.stdout.unref();
		return addr;
	} catch (e) {
		helper.kill();
		die(e.message, 2);
	}
}

async function main() {
	let o;
	try {
		o = parseArgs(process.argv.slice(2));
	} catch (e) {
		if (e instanceof UsageError) die(`${e.message}\n${USAGE.split('\n')[0]}`, 2);
		throw e;
	}
	const be = backends[o.backend];
	if (!o.brokers) o.brokers = await startMockCluster(o); // kafka only
	try {
		be.load();
	} catch (e) {
		die(`npm package '${be.lib}' is not installed (run: npm ci in clients/js, or scripts/deps): ${e.message}`, 2);
	}
	if (o.mode === 'channels') return mainChannels(o, be);
	if (o.mode === 'recovery') return mainRecovery(o, be);
	const run = { pub: runPub, sub: runSub, e2e: runE2e, connect: runConnect }[o.mode];
	const reps = [];
	try {
		if (o.mode === 'pub') await withTimeout(be.prepare(o), o.timeout, `connect to ${o.brokers}`);
		for (let r = 0; r < o.reps; r++) {
			reps.push(await run(be, o, r));
			if (!o.quiet && process.stderr.isTTY) process.stderr.write(`kb-js: repetition ${r + 1}/${o.reps} done\n`);
		}
		if (be.cleanup) await be.cleanup(o).catch(() => {});
	} catch (e) {
		die(`${o.mode} on ${o.backend} at ${o.brokers} failed: ${e.message || e}`, 2);
	}
	const out = JSON.stringify(result(o, be, reps), null, 2) + '\n';
	if (o.json) {
		try {
			fs.writeFileSync(o.json, out);
		} catch (e) {
			die(`cannot write ${o.json}: ${e.message}`, 2);
		}
	} else {
		process.stdout.write(out);
	}
	const m = result(o, be, reps).benchmarks[0].metrics;
	if (!o.quiet)
		process.stderr.write(`kb-js: ${o.mode}/${o.backend}: ${m.throughput_msgs_per_sec.toFixed(0)} msg/s` +
			(m.latency_p50_ns !== undefined ? `, p50 ${(m.latency_p50_ns / 1e3).toFixed(1)} us, p99 ${(m.latency_p99_ns / 1e3).toFixed(1)} us` : '') +
			`, cpu ${m.cpu_usage_percent.toFixed(0)}%, peak rss ${(m.peak_rss_bytes / 1048576).toFixed(1)} MiB\n`);
	// Client libraries may keep timers alive (reconnect logic); the run is over.
	process.exit(0);
}

main().catch((e) => die(`internal error: ${e && e.stack ? e.stack : e}`, 2));
