/* SPDX-License-Identifier: MIT */
/*
 * driver: flags, run loop and result JSON shared by the four drivers.
 *
 * A run opens one publisher (and, for bench_sub/bench_e2e, one consumer)
 * connection per client, then repeats: warm-up (messages flagged warm-up,
 * excluded from every figure), a barrier, the measured part (--count
 * messages in total or --duration seconds), drain. Client i publishes to
 * TOPIC (one client) or TOPIC.i and its consumer reads that topic, so each
 * pair is one ordered stream. Every message carries its producer, rep and
 * sequence number: consumers count loss, duplicates, reordering (per
 * partition) and redeliveries exactly, with one bit per message.
 *
 * Latency: bench_pub times each publish() call of --batch messages (plus
 * the wait for broker confirmations with --ack); bench_sub and bench_e2e
 * time each message from its intended send time (the constant-rate
 * schedule, so a stalled sender cannot hide its stall: no coordinated
 * omission) to its delivery, and also from its actual send time
 * ("uncorrected"). Per-thread histograms are merged at the end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "driver-internal.h"
#include "hist.h"
#include "json.h"
#include "ku.h"
#include "message.h"

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

/* ---- flags ----------------------------------------------------------- */

static void usage(const struct kb_cfg *c, FILE *f)
{
	fprintf(f,
		"usage: %s [--backend B] [--brokers ADDR] [--topic T] [--size BYTES] [--batch N]\n"
		"       [--clients N] [--count N | --duration S] [--warmup S] [--rate MSG_PER_S]\n"
		"       [--correlation-id] [--metadata N] [--ack] [--nack-rate R] [--log LEVEL]\n"
		"       [--log-file F] [--json FILE] [--reps N] [--qos 0|1|2] [--partitions N]\n"
		"       [--queue-depth N] [--window N] [--max-lag N] [--timeout S] [--verify]\n"
		"       [--name NAME] [--realtime] [--quiet]\n"
		"backends built: %s (see %s(1))\n",
		c->prog, kb_backend_list(), c->prog);
}

static void die(const struct kb_cfg *c, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(const struct kb_cfg *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	kb_backend_shutdown_all();
	exit(2);
}

static uint64_t parse_u64(const struct kb_cfg *c, const char *opt, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	errno = 0;
	if (!s || !*s || *s == '-')
		die(c, "--%s: expected a non-negative integer, got '%s'", opt, s ? s : "");
	v = strtoull(s, &end, 10);
	if (!strcmp(end, "KiB"))
		mult = 1024, end += 3;
	else if (!strcmp(end, "MiB"))
		mult = 1024 * 1024, end += 3;
	else if (*end == 'k' || *end == 'K')
		mult = 1000, end++;
	else if (*end == 'M')
		mult = 1000000, end++;
	else if (*end == 'G')
		mult = 1000000000, end++;
	if (errno || *end || v > max / mult)
		die(c, "--%s: expected an integer in 0..%" PRIu64 ", got '%s'", opt, max, s);
	return v * mult;
}

static double parse_double(const struct kb_cfg *c, const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		die(c, "--%s: expected a number in %g..%g, got '%s'", opt, lo, hi, s);
	return v;
}

enum {
	OPT_BACKEND = 256, OPT_BROKERS, OPT_TOPIC, OPT_SIZE, OPT_BATCH, OPT_CLIENTS, OPT_COUNT,
	OPT_DURATION, OPT_WARMUP, OPT_RATE, OPT_CORR, OPT_META, OPT_ACK, OPT_NACK, OPT_LOG,
	OPT_LOGFILE, OPT_JSON, OPT_REPS, OPT_QOS, OPT_PARTS, OPT_DEPTH, OPT_WINDOW, OPT_TIMEOUT,
	OPT_VERIFY, OPT_NAME, OPT_QUIET, OPT_REALTIME, OPT_HELP, OPT_VERSION, OPT_MAXLAG,
};

static void parse_flags(struct kb_cfg *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, 0, OPT_BACKEND },
		{ "brokers", required_argument, 0, OPT_BROKERS },
		{ "topic", required_argument, 0, OPT_TOPIC },
		{ "size", required_argument, 0, OPT_SIZE },
		{ "batch", required_argument, 0, OPT_BATCH },
		{ "clients", required_argument, 0, OPT_CLIENTS },
		{ "count", required_argument, 0, OPT_COUNT },
		{ "duration", required_argument, 0, OPT_DURATION },
		{ "warmup", required_argument, 0, OPT_WARMUP },
		{ "rate", required_argument, 0, OPT_RATE },
		{ "correlation-id", no_argument, 0, OPT_CORR },
		{ "metadata", required_argument, 0, OPT_META },
		{ "ack", no_argument, 0, OPT_ACK },
		{ "nack-rate", required_argument, 0, OPT_NACK },
		{ "log", required_argument, 0, OPT_LOG },
		{ "log-file", required_argument, 0, OPT_LOGFILE },
		{ "json", required_argument, 0, OPT_JSON },
		{ "reps", required_argument, 0, OPT_REPS },
		{ "qos", required_argument, 0, OPT_QOS },
		{ "partitions", required_argument, 0, OPT_PARTS },
		{ "queue-depth", required_argument, 0, OPT_DEPTH },
		{ "window", required_argument, 0, OPT_WINDOW },
		{ "timeout", required_argument, 0, OPT_TIMEOUT },
		{ "verify", no_argument, 0, OPT_VERIFY },
		{ "name", required_argument, 0, OPT_NAME },
		{ "max-lag", required_argument, 0, OPT_MAXLAG },
		{ "quiet", no_argument, 0, OPT_QUIET },
		{ "realtime", no_argument, 0, OPT_REALTIME },
		{ "help", no_argument, 0, OPT_HELP },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 },
	};
	int o;

	c->backend = "memory";
	c->topic = "kprof-bench";
	c->size = 100;
	c->batch = 1;
	c->clients = 1;
	c->warmup = 0.5;
	c->metadata = 0;
	c->log_level = -1;
	c->log_file = "/dev/null";
	c->reps = 3;
	c->partitions = 1;
	c->queue_depth = 65536;
	c->window = 10000;
	c->timeout = 10;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case OPT_BACKEND: c->backend = optarg; break;
		case OPT_BROKERS: c->brokers = optarg; break;
		case OPT_TOPIC:
			if (!*optarg || strlen(optarg) > 200)
				die(c, "--topic: expected 1..200 characters");
			c->topic = optarg;
			break;
		case OPT_SIZE: c->size = parse_u64(c, "size", optarg, KB_MSG_MAX_PAYLOAD); break;
		case OPT_BATCH: c->batch = (unsigned)parse_u64(c, "batch", optarg, 65536); break;
		case OPT_CLIENTS: c->clients = (unsigned)parse_u64(c, "clients", optarg, 64); break;
		case OPT_COUNT:
			c->count = parse_u64(c, "count", optarg, 1ull << 40);
			c->count_set = true;
			break;
		case OPT_DURATION:
			c->duration = parse_double(c, "duration", optarg, 0.001, 86400);
			c->duration_set = true;
			break;
		case OPT_WARMUP: c->warmup = parse_double(c, "warmup", optarg, 0, 3600); break;
		case OPT_RATE: c->rate = parse_double(c, "rate", optarg, 0, 1e9); break;
		case OPT_CORR: c->corr = true; break;
		case OPT_META: c->metadata = (unsigned)parse_u64(c, "metadata", optarg, KB_MSG_MAX_META); break;
		case OPT_ACK: c->ack = true; break;
		case OPT_NACK: c->nack_rate = parse_double(c, "nack-rate", optarg, 0, 0.9); break;
		case OPT_LOG:
			c->log_level = -2;
			for (int i = 0; i < 5; i++)
				if (!strcmp(optarg, level_names[i]))
					c->log_level = i;
			if (!strcmp(optarg, "off"))
				c->log_level = -1;
			if (c->log_level == -2)
				die(c, "--log: expected off, error, warn, info, debug or trace, got '%s'", optarg);
			break;
		case OPT_LOGFILE: c->log_file = optarg; break;
		case OPT_JSON: c->json = optarg; break;
		case OPT_REPS: c->reps = (unsigned)parse_u64(c, "reps", optarg, 1000); break;
		case OPT_QOS: c->qos = (int)parse_u64(c, "qos", optarg, 2); break;
		case OPT_PARTS: c->partitions = (int)parse_u64(c, "partitions", optarg, 64); break;
		case OPT_DEPTH: c->queue_depth = (unsigned)parse_u64(c, "queue-depth", optarg, 1u << 24); break;
		case OPT_WINDOW: c->window = (unsigned)parse_u64(c, "window", optarg, 1u << 20); break;
		case OPT_TIMEOUT: c->timeout = parse_double(c, "timeout", optarg, 0.1, 3600); break;
		case OPT_VERIFY: c->verify = true; break;
		case OPT_NAME: c->name = optarg; break;
		case OPT_MAXLAG:
			c->max_lag = parse_u64(c, "max-lag", optarg, 1ull << 40);
			c->max_lag_set = true;
			break;
		case OPT_QUIET: c->quiet = true; break;
		case OPT_REALTIME: c->realtime = true; break;
		case OPT_HELP:
			usage(c, stdout);
			exit(0);
		case OPT_VERSION:
			printf("%s (kprof) %s\n", c->prog, PACKAGE_VERSION);
			exit(0);
		default:
			if (optopt >= OPT_BACKEND)
				die(c, "option '%s' needs a value (see --help)", argv[optind - 1]);
			die(c, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(c, "unexpected argument '%s' (see --help)", argv[optind]);
	if (c->count_set && c->duration_set)
		die(c, "--count and --duration are exclusive");
	if (!c->count_set && !c->duration_set)
		c->count = c->mode == KB_MODE_CORE ? 1000000 : 100000;
	if (c->count_set && c->count == 0)
		die(c, "--count: must be at least 1");
	if (c->batch == 0 || c->clients == 0 || c->reps == 0 || c->partitions == 0 || c->queue_depth == 0 ||
	    c->window == 0)
		die(c, "--batch, --clients, --reps, --partitions, --queue-depth and --window must be at least 1");
	if (c->nack_rate > 0)
		c->ack = true; /* rejecting needs acknowledgements */
	if (c->mode != KB_MODE_CORE) {
		c->be = kb_backend_find(c->backend);
		if (!c->be)
			die(c, "unknown backend '%s' (built: %s)", c->backend, kb_backend_list());
		if ((uint64_t)c->size * c->batch > (256ull << 20))
			die(c, "--size x --batch exceeds 256 MiB per client");
	}
}

/* ---- logging: one line per message at the chosen level --------------- */

/* The driver's logger keeps lines up to KB_LOG_THRESHOLD ("info"): --log
   debug measures a filtered call, --log info a formatted and written one. */
#define KB_LOG_THRESHOLD 2

struct kb_log {
	int fd;
	size_t len;
	int64_t wall_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC at open, ns */
	size_t plen;	  /* " LEVEL PROG[TID] ", formatted once per thread */
	uint64_t sec;	  /* the second whose digits are in secs[] */
	size_t slen;
	char secs[24];
	char prefix[160];
	char buf[65536];
};

static void log_flush(struct kb_log *lg)
{
	size_t off = 0;

	while (off < lg->len) {
		ssize_t k = write(lg->fd, lg->buf + off, lg->len - off);

		if (k <= 0)
			break;
		off += (size_t)k;
	}
	lg->len = 0;
}

static __thread long tid;

/* Decimal digits of v at p, returns the end (no NUL). */
static char *utoa(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* One line per message, formatted by hand (snprintf alone would cost more
   than the rest of a memory-backend message):
   SECONDS.MICROS LEVEL PROG[TID] WHAT id=UUID producer=N seq=N bytes=N topic=T
   The time is the caller's monotonic timestamp (it has one already) moved
   to the wall clock by an offset taken at open, so a line costs no clock
   read; the constant middle is formatted once per thread. */
static void log_msg(const struct kb_cfg *c, struct kb_log *lg, const char *what, const void *data,
			size_t len, uint64_t mono_ns)
{
	uint32_t producer = 0;
	uint64_t seq = 0, a, b, wall;
	uint32_t us;
	char *p;

	if (c->log_level < 0 || c->log_level > KB_LOG_THRESHOLD || !lg)
		return;
	if (sizeof(lg->buf) - lg->len < 512 + lg->plen + strlen(c->topic))
		log_flush(lg);
	p = lg->buf + lg->len;
	wall = mono_ns + (uint64_t)lg->wall_off;
	if (wall / 1000000000u != lg->sec || !lg->slen) {
		lg->sec = wall / 1000000000u;
		lg->slen = (size_t)(utoa(lg->secs, lg->sec) - lg->secs);
		lg->secs[lg->slen++] = '.';
	}
	memcpy(p, lg->secs, lg->slen);
	p += lg->slen;
	us = (uint32_t)(wall % 1000000000u / 1000);
	p[0] = (char)('0' + us / 100000);
	p[1] = (char)('0' + us / 10000 % 10);
	p[2] = (char)('0' + us / 1000 % 10);
	p[3] = (char)('0' + us / 100 % 10);
	p[4] = (char)('0' + us / 10 % 10);
	p[5] = (char)('0' + us % 10);
	p += 6;
	memcpy(p, lg->prefix, lg->plen);
	p += lg->plen;
	p = put_str(p, what);
	p = put_str(p, " id=");
	if (len >= KB_MSG_HEADER) {
		char id[37];

		kb_uuid_format((const struct kb_uuid *)((const uint8_t *)data + 4), id);
		memcpy(p, id, 36);
		p += 36;
		kb_msg_peek(data, len, &producer, &seq, &a, &b);
	} else {
		*p++ = '-';
	}
	p = put_str(p, " producer=");
	p = utoa(p, producer & 0xffff);
	p = put_str(p, " seq=");
	p = utoa(p, seq);
	p = put_str(p, " bytes=");
	p = utoa(p, len);
	p = put_str(p, " topic=");
	p = put_str(p, c->topic);
	*p++ = '\n';
	lg->len = (size_t)(p - lg->buf);
}

static struct kb_log *log_open(const struct kb_cfg *c)
{
	struct kb_log *lg;

	if (c->log_level < 0)
		return NULL;
	lg = malloc(sizeof(*lg));
	if (!lg)
		return NULL;
	lg->len = 0;
	lg->slen = 0;
	{
		struct timespec rt, mt;
		int n;

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mt);
		lg->wall_off = ((int64_t)rt.tv_sec - (int64_t)mt.tv_sec) * 1000000000 + (rt.tv_nsec - mt.tv_nsec);
		if (!tid)
			tid = (long)syscall(SYS_gettid);
		n = snprintf(lg->prefix, sizeof(lg->prefix), " %s %.100s[%ld] ", level_names[c->log_level], c->prog,
			     tid);
		lg->plen = n < 0 ? 0 : (size_t)n >= sizeof(lg->prefix) ? sizeof(lg->prefix) - 1 : (size_t)n;
	}
	lg->fd = open(c->log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (lg->fd < 0) {
		free(lg);
		return NULL;
	}
	return lg;
}

static void log_close(struct kb_log *lg)
{
	if (!lg)
		return;
	log_flush(lg);
	close(lg->fd);
	free(lg);
}

/* ---- run state ------------------------------------------------------- */

struct kb_prod {
	struct kb_run *run;
	int idx;
	struct kb_conn *conn;
	char topic[256];
	uint64_t target; /* measured messages, 0 in duration mode */
	pthread_t th;
	/* per rep */
	_Atomic uint64_t sent; /* measured messages published */
	uint64_t sent_bytes, errors, t_start, t_end;
	struct ku_hist *lat;
	_Atomic int done;
	int fail;
	char err[300];
	/* buffers */
	uint8_t *arena;
	size_t stride;
	struct kb_buf *bufs;
	uint8_t *payload;
	char meta_scratch[24 * KB_MSG_MAX_META];
	struct kb_msg proto;
};

struct kb_track {
	uint64_t *bits;
	uint64_t nbits;
	uint64_t last[64];
	uint64_t seen_last; /* bit i: last[i] valid */
};

struct kb_cons {
	struct kb_run *run;
	int idx;
	struct kb_conn *conn;
	pthread_t th;
	struct kb_track *track; /* per producer */
	struct ku_hist *lat, *lat_unc;
	uint64_t received, deliveries, dup, redeliveries, reordered, corrupt, warm, stale, nacks;
	uint64_t bytes, first_ns, last_ns;
	_Atomic uint64_t progress; /* deliveries so far, for the publisher's lag bound */
	int fail, timed_out;
	char err[300];
	struct kb_log *log;
};

struct kb_run {
	struct kb_cfg *cfg;
	unsigned rep;
	struct kb_prod *prod;
	struct kb_cons *cons;
	pthread_barrier_t barrier;
	_Atomic int producers_done;
	uint64_t connect_ns_sum, connect_ns_max;
	unsigned nconnect;
};

static void fill_payload(uint8_t *p, size_t len, uint64_t seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31u + seq);
}

static int prod_init(struct kb_prod *p)
{
	const struct kb_cfg *c = p->run->cfg;
	struct kb_msg *m = &p->proto;
	size_t max;

	memset(m, 0, sizeof(*m));
	if (c->metadata)
		kb_msg_fill_meta(m, c->metadata, p->meta_scratch, sizeof(p->meta_scratch));
	m->flags = c->corr ? KB_MSG_F_CORR : 0;
	m->len = (uint32_t)c->size;
	p->payload = malloc(c->size ? c->size : 1);
	if (!p->payload)
		return -ENOMEM;
	fill_payload(p->payload, c->size, 0);
	m->payload = p->payload;
	max = kb_msg_size(m);
	p->stride = (max + 63) & ~(size_t)63;
	p->arena = malloc(p->stride * c->batch);
	p->bufs = calloc(c->batch, sizeof(*p->bufs));
	if (!p->arena || !p->bufs)
		return -ENOMEM;
	return ku_hist_new(&p->lat, KU_HIST_DEFAULT_HIGHEST, KU_HIST_DEFAULT_SIGFIGS);
}

/* Builds and publishes n messages. Returns 0 or the backend's error. */
static int send_batch(struct kb_prod *p, unsigned n, uint64_t seq0, bool warm, uint64_t intended,
			  struct kb_log *lg)
{
	const struct kb_cfg *c = p->run->cfg;
	struct kb_msg *m = &p->proto;
	uint64_t now = ku_now_ns(), t0;
	int rc;

	m->producer = (p->run->rep << 16) | (uint32_t)p->idx;
	m->flags = (uint8_t)((c->corr ? KB_MSG_F_CORR : 0) | (warm ? KB_MSG_F_WARMUP : 0));
	m->intended_ns = intended ? intended : now;
	m->sent_ns = now;
	for (unsigned k = 0; k < n; k++) {
		uint8_t *slot = p->arena + (size_t)k * p->stride;
		long len;

		m->seq = seq0 + k;
		kb_uuid_v4(&m->id);
		if (c->corr)
			kb_uuid_v4(&m->corr);
		len = kb_msg_serialize(m, slot, p->stride);
		if (len < 0)
			return (int)len;
		if (c->verify)
			fill_payload(slot + len - m->len, m->len, m->seq);
		p->bufs[k].data = slot;
		p->bufs[k].len = (size_t)len;
		if (!warm)
			p->sent_bytes += (size_t)len;
		log_msg(c, lg, "publish", slot, (size_t)len, now);
	}
	t0 = ku_now_ns();
	rc = p->run->cfg->be->publish(p->conn, p->bufs, n);
	if (!rc && c->ack && c->mode == KB_MODE_PUB)
		rc = p->run->cfg->be->flush(p->conn, (int)(c->timeout * 1000));
	if (!warm && !rc && c->mode == KB_MODE_PUB)
		ku_hist_record(p->lat, ku_now_ns() - t0);
	return rc;
}

/* --realtime: the calling producer/consumer thread goes to SCHED_FIFO
   and, when the process may run on 2+ CPUs, onto a CPU of its own
   (producer i on the (2i)-th allowed CPU, its consumer on the next one),
   so that a spinning sender and a busy-polling consumer never share a
   CPU or wait behind ordinary tasks. Returns 0 or -errno; a thread that
   may not use SCHED_FIFO keeps running with normal scheduling and the
   driver says so once (the JSON records "realtime": false then). */
static atomic_int rt_refused;

static int realtime_thread(const struct kb_cfg *c, unsigned slot)
{
	struct sched_param sp = { .sched_priority = 10 };
	cpu_set_t allowed, one;
	int rc, n, want, seen = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && (n = CPU_COUNT(&allowed)) >= 2) {
		want = (int)(slot % (unsigned)n);
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &allowed))
				continue;
			if (seen++ == want) {
				CPU_ZERO(&one);
				CPU_SET(cpu, &one);
				pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
				break;
			}
		}
	}
	rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (rc && atomic_exchange(&rt_refused, 1) == 0 && !c->quiet)
		fprintf(stderr, "%s: --realtime: SCHED_FIFO refused (%s); normal scheduling\n", c->prog, strerror(rc));
	return -rc;
}

static void sleep_until(uint64_t t)
{
	for (;;) {
		uint64_t now = ku_now_ns();

		if (now >= t)
			return;
		if (t - now > 100000) {
			struct timespec ts = { 0, (long)(t - now - 20000) };

			nanosleep(&ts, NULL);
		} else {
			__builtin_ia32_pause();
		}
	}
}

/* Keeps the publisher at most --max-lag messages ahead of its consumer
   (bench_sub/bench_e2e): a broker that drops what its consumers have not
   read yet (the Kafka mock cluster keeps ~5 MiB per partition) would
   otherwise turn a throughput run into message loss. */
static int wait_lag(struct kb_prod *p, uint64_t published)
{
	const struct kb_cfg *c = p->run->cfg;
	struct kb_cons *cs;
	uint64_t deadline = 0;

	if (!c->max_lag || c->mode == KB_MODE_PUB)
		return 0;
	cs = &p->run->cons[p->idx];
	while (published > atomic_load_explicit(&cs->progress, memory_order_relaxed) + c->max_lag) {
		struct timespec ts = { 0, 50000 };

		if (!deadline)
			deadline = ku_now_ns() + (uint64_t)(c->timeout * 1e9);
		if (ku_now_ns() > deadline) {
			snprintf(p->err, sizeof(p->err), "client %d: consumer more than %" PRIu64 " messages behind for %.1f s",
				 p->idx, c->max_lag, c->timeout);
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void *prod_main(void *arg)
{
	struct kb_prod *p = arg;
	struct kb_run *run = p->run;
	const struct kb_cfg *c = run->cfg;
	struct kb_log *lg = log_open(c);
	uint64_t warm_seq = 0, sent = 0, start, period = 0;
	int rc = 0;

	/* precise wake-ups for the schedule (default slack is 50 us) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (c->realtime)
		realtime_thread(c, 2 * (unsigned)p->idx);

	if (c->warmup > 0) {
		uint64_t until = ku_now_ns() + (uint64_t)(c->warmup * 1e9);
		uint64_t wstart = ku_now_ns();

		if (c->rate > 0)
			period = (uint64_t)(1e9 * c->clients / c->rate * c->batch);
		while (ku_now_ns() < until) {
			uint64_t intended = 0;

			if (period) {
				intended = wstart + warm_seq / c->batch * period;
				sleep_until(intended);
			}
			rc = wait_lag(p, warm_seq + c->batch);
			if (!rc)
				rc = send_batch(p, c->batch, warm_seq, true, intended, lg);
			if (rc)
				break;
			warm_seq += c->batch;
		}
	}
	/* two rounds: the main thread starts the "steady" phase and takes its
	   snapshots between them, before any measured message is sent */
	pthread_barrier_wait(&run->barrier);
	pthread_barrier_wait(&run->barrier);
	start = p->t_start = ku_now_ns();
	if (c->rate > 0)
		period = (uint64_t)(1e9 * c->clients / c->rate * c->batch);
	while (!rc) {
		unsigned n = c->batch;
		uint64_t intended = 0;

		if (p->target) {
			if (sent >= p->target)
				break;
			if (p->target - sent < n)
				n = (unsigned)(p->target - sent);
		} else if (ku_now_ns() - start >= (uint64_t)(c->duration * 1e9)) {
			break;
		}
		if (period) {
			intended = start + sent / c->batch * period;
			sleep_until(intended);
		}
		rc = wait_lag(p, warm_seq + sent + n);
		if (!rc)
			rc = send_batch(p, n, sent, false, intended, lg);
		if (rc) {
			p->errors += n;
			break;
		}
		sent += n;
		atomic_store_explicit(&p->sent, sent, memory_order_relaxed);
	}
	if (!rc) {
		rc = c->be->flush(p->conn, (int)(c->timeout * 1000));
		if (rc == -ETIMEDOUT)
			snprintf(p->err, sizeof(p->err), "client %d: confirmations still outstanding after %.1f s: %s",
				 p->idx, c->timeout, kb_conn_error(p->conn));
	}
	if (rc) {
		p->fail = rc;
		if (!p->err[0])
			snprintf(p->err, sizeof(p->err), "client %d: publish failed: %s", p->idx, kb_conn_error(p->conn));
	}
	kb_kalloc_messages(c->mode == KB_MODE_PUB ? sent : 0);
	p->t_end = ku_now_ns();
	log_close(lg);
	atomic_store(&p->done, 1);
	return NULL;
}

/* ---- consumer -------------------------------------------------------- */

static int track_set(struct kb_track *t, uint64_t seq)
{
	if (seq >= t->nbits) {
		uint64_t n = t->nbits ? t->nbits : 4096;
		uint64_t *nb;

		while (n <= seq)
			n *= 2;
		if (n > (1ull << 40))
			return -1;
		nb = realloc(t->bits, n / 8);
		if (!nb)
			return -1;
		memset((uint8_t *)nb + t->nbits / 8, 0, (n - t->nbits) / 8);
		t->bits = nb;
		t->nbits = n;
	}
	if (t->bits[seq >> 6] & (1ull << (seq & 63)))
		return 1;
	t->bits[seq >> 6] |= 1ull << (seq & 63);
	return 0;
}

static bool verify(const struct kb_cfg *c, const void *data, size_t len)
{
	struct kb_msg m;
	const uint8_t *pl;

	if (kb_msg_parse(data, len, &m))
		return false;
	if ((m.id.b[6] >> 4) != 4 || (m.id.b[8] >> 6) != 2)
		return false;
	if (!!(m.flags & KB_MSG_F_CORR) != c->corr || m.nmeta != c->metadata || m.len != c->size)
		return false;
	for (unsigned i = 0; i < m.nmeta; i++) {
		char k[8], v[8];
		int kl = snprintf(k, sizeof(k), "k%u", i), vl = snprintf(v, sizeof(v), "v%u-", i);

		if (m.meta[i].klen != kl || memcmp(m.meta[i].key, k, (size_t)kl) || m.meta[i].vlen != vl + 8 ||
		    memcmp(m.meta[i].val, v, (size_t)vl))
			return false;
	}
	pl = m.payload;
	for (size_t i = 0; i < m.len; i++)
		if (pl[i] != (uint8_t)(i * 31u + m.seq))
			return false;
	return true;
}

static int cons_cb(void *arg, const struct kb_delivery *d)
{
	struct kb_cons *cs = arg;
	struct kb_run *run = cs->run;
	const struct kb_cfg *c = run->cfg;
	uint64_t now = ku_now_ns(), seq, intended, sent;
	uint32_t producer;
	unsigned pidx, part;
	bool redelivered;
	uint8_t flags;
	struct kb_track *t;
	int r;

	cs->deliveries++;
	if ((cs->deliveries & 255) == 0)
		atomic_store_explicit(&cs->progress, cs->deliveries, memory_order_relaxed);
	if (kb_msg_peek(d->data, d->len, &producer, &seq, &intended, &sent)) {
		cs->corrupt++;
		return 0;
	}
	flags = ((const uint8_t *)d->data)[1];
	if ((producer >> 16) != (run->rep & 0xffff)) {
		cs->stale++;
		return 0;
	}
	redelivered = d->redelivered || (flags & KB_MSG_F_REDELIVERED);
	if (redelivered)
		cs->redeliveries++;
	if (flags & KB_MSG_F_WARMUP) {
		cs->warm++;
		return 0;
	}
	if (c->nack_rate > 0 && !redelivered && (double)(kb_rand64() >> 11) * 0x1p-53 < c->nack_rate) {
		cs->nacks++;
		return 1;
	}
	pidx = producer & 0xffff;
	if (pidx >= c->clients || (c->verify && !verify(c, d->data, d->len))) {
		cs->corrupt++;
		return 0;
	}
	t = &cs->track[pidx];
	r = track_set(t, seq);
	if (r != 0) {
		cs->dup++;
		return 0;
	}
	cs->received++;
	cs->bytes += d->len;
	part = (unsigned)d->partition & 63;
	if (!redelivered) {
		if ((t->seen_last >> part) & 1) {
			if (seq < t->last[part])
				cs->reordered++;
		}
		t->seen_last |= 1ull << part;
		t->last[part] = seq;
		ku_hist_record(cs->lat, now - intended);
		ku_hist_record(cs->lat_unc, now - sent);
	}
	if (!cs->first_ns)
		cs->first_ns = now;
	cs->last_ns = now;
	log_msg(c, cs->log, "consume", d->data, d->len, now);
	return 0;
}

static uint64_t expected(struct kb_run *run, int idx)
{
	return atomic_load(&run->prod[idx].sent);
}

static void *cons_main(void *arg)
{
	struct kb_cons *cs = arg;
	struct kb_run *run = cs->run;
	const struct kb_cfg *c = run->cfg;
	uint64_t idle_since = ku_now_ns(), timeout = (uint64_t)(c->timeout * 1e9);

	cs->log = log_open(c);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (c->realtime)
		realtime_thread(c, 2 * (unsigned)cs->idx + 1);
	for (;;) {
		int rc = c->be->poll(cs->conn, cons_cb, cs, 4096, 50);
		bool pdone = atomic_load(&run->prod[cs->idx].done);

		if (rc < 0) {
			cs->fail = rc;
			snprintf(cs->err, sizeof(cs->err), "consumer %d: %s", cs->idx, kb_conn_error(cs->conn));
			break;
		}
		if (rc > 0) {
			idle_since = ku_now_ns();
			atomic_store_explicit(&cs->progress, cs->deliveries, memory_order_relaxed);
		}
		if (pdone && cs->received >= expected(run, cs->idx))
			break;
		if (ku_now_ns() - idle_since > timeout) {
			cs->timed_out = 1;
			snprintf(cs->err, sizeof(cs->err), "consumer %d: no message for %.1f s (%s)", cs->idx, c->timeout,
				 pdone ? "messages lost" : "broker or publisher stalled");
			break;
		}
	}
	kb_kalloc_messages(cs->received);
	log_close(cs->log);
	cs->log = NULL;
	return NULL;
}

/* ---- host and JSON header -------------------------------------------- */

void kb__json_begin(struct ku_json_writer *w, const struct kb_cfg *c)
{
	char ts[32], model[256] = "unknown", host[256] = "unknown", line[512];
	time_t now = time(NULL);
	struct tm tm;
	struct utsname u;
	const char *commit = getenv("KPROF_GIT_COMMIT");
	FILE *f;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((f = fopen("/proc/cpuinfo", "r"))) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
				snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	gethostname(host, sizeof(host) - 1);
	if (uname(&u))
		strcpy(u.release, "unknown");
	if (!commit || !*commit)
		commit = KB_GIT_COMMIT;
	ku_json_object_begin(w);
	ku_json_kv_string(w, "schema", "kprof-bench/1");
	ku_json_kv_string(w, "timestamp", ts);
	ku_json_kv_string(w, "git_commit", commit);
#if defined(__clang__)
	ku_json_kv_string(w, "compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
	ku_json_kv_string(w, "compiler", "gcc " __VERSION__);
#else
	ku_json_kv_string(w, "compiler", "unknown");
#endif
	ku_json_kv_string(w, "tool", c->prog);
	ku_json_kv_string(w, "version", PACKAGE_VERSION);
	ku_json_key(w, "host");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "hostname", host);
	ku_json_kv_int(w, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	ku_json_kv_string(w, "model", model);
	ku_json_kv_string(w, "kernel", u.release);
	ku_json_object_end(w);
	ku_json_key(w, "benchmarks");
	ku_json_array_begin(w);
}

void kb__json_config(struct ku_json_writer *w, const struct kb_cfg *c)
{
	ku_json_key(w, "config");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "backend", c->mode == KB_MODE_CORE ? "none" : c->backend);
	ku_json_kv_string(w, "brokers", c->brokers ? c->brokers : "");
	ku_json_kv_string(w, "topic", c->topic);
	ku_json_kv_uint(w, "size", c->size);
	ku_json_kv_uint(w, "batch", c->batch);
	ku_json_kv_uint(w, "clients", c->clients);
	ku_json_kv_uint(w, "count", c->duration_set ? 0 : c->count);
	ku_json_kv_double(w, "duration", c->duration);
	ku_json_kv_double(w, "warmup", c->warmup);
	ku_json_kv_double(w, "rate", c->rate);
	ku_json_kv_bool(w, "correlation_id", c->corr);
	ku_json_kv_uint(w, "metadata", c->metadata);
	ku_json_kv_bool(w, "ack", c->ack);
	ku_json_kv_double(w, "nack_rate", c->nack_rate);
	ku_json_kv_string(w, "log", c->log_level < 0 ? "off" : level_names[c->log_level]);
	ku_json_kv_uint(w, "reps", c->reps);
	ku_json_kv_int(w, "qos", c->qos);
	ku_json_kv_int(w, "partitions", c->partitions);
	ku_json_kv_bool(w, "verify", c->verify);
	ku_json_kv_bool(w, "realtime", c->realtime && !atomic_load(&rt_refused));
	ku_json_kv_uint(w, "max_lag", c->max_lag);
	ku_json_object_end(w);
}

int kb__json_finish(struct ku_json_writer *w, const struct kb_cfg *c)
{
	int rc;

	ku_json_array_end(w);
	ku_json_object_end(w);
	if (!c->json)
		return 0;
	rc = ku_json_writer_save(w, c->json);
	if (rc) {
		fprintf(stderr, "%s: cannot write %s: %s\n", c->prog, c->json, ku_strerror(rc));
		return rc;
	}
	return 0;
}

void kb__json_latency(struct ku_json_writer *w, const char *prefix, const struct ku_hist *h)
{
	static const struct { const char *k; double p; } ps[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p95", 95 }, { "p99", 99 }, { "p999", 99.9 },
	};
	char key[64];

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		snprintf(key, sizeof(key), "%s_%s_ns", prefix, ps[i].k);
		ku_json_kv_uint(w, key, ku_hist_percentile(h, ps[i].p));
	}
	snprintf(key, sizeof(key), "%s_max_ns", prefix);
	ku_json_kv_uint(w, key, h->count ? h->max : 0);
	snprintf(key, sizeof(key), "%s_mean_ns", prefix);
	ku_json_kv_double(w, key, ku_hist_mean(h));
	snprintf(key, sizeof(key), "%s_count", prefix);
	ku_json_kv_uint(w, key, h->count);
}

double kb__median(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n ? (n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

uint64_t kb__peak_rss(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_maxrss * 1024;
}

uint64_t kb__cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_utime.tv_sec * 1000000000u + (uint64_t)ru.ru_utime.tv_usec * 1000u +
	       (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u;
}

/* ---- the messaging run ----------------------------------------------- */

struct kb_rep_fig {
	double thr, bps, cpu, elapsed_ns;
	uint64_t msgs, errors;
	double allocs_per_msg, bytes_per_msg;
	bool have_alloc;
	uint64_t lat[6], unc[6];
};

static void progress(const struct kb_cfg *c, struct kb_run *run, unsigned rep, uint64_t t0, bool tty)
{
	uint64_t sent = 0, now = ku_now_ns();

	for (unsigned i = 0; i < c->clients; i++)
		sent += atomic_load_explicit(&run->prod[i].sent, memory_order_relaxed);
	if (tty && now - t0 > 2000000000ull)
		fprintf(stderr, "\r%s: rep %u/%u: %" PRIu64 " msgs, %.0f msg/s   ", c->prog, rep + 1, c->reps, sent,
			(double)sent / ((double)(now - t0) / 1e9));
}

static int messaging(struct kb_cfg *c)
{
	struct kb_run run = { .cfg = c };
	struct ku_json_writer w;
	struct ku_hist *lat_all, *unc_all;
	struct kb_rep_fig *fig = calloc(c->reps, sizeof(*fig));
	bool consumers = c->mode != KB_MODE_PUB, tty = isatty(2) && !c->quiet, failed = false;
	uint64_t tot_msgs = 0, tot_err = 0, tot_attempt = 0, lost = 0, dup = 0, reord = 0, corrupt = 0, redel = 0,
		 nacks = 0, warm = 0;
	char err[512] = "";
	int exit_code = 0;
	unsigned nonce = (unsigned)(kb_rand64() & 0xffff);

	run.prod = calloc(c->clients, sizeof(*run.prod));
	run.cons = calloc(c->clients, sizeof(*run.cons));
	if (!fig || !run.prod || !run.cons || ku_hist_new(&lat_all, KU_HIST_DEFAULT_HIGHEST, 3) ||
	    ku_hist_new(&unc_all, KU_HIST_DEFAULT_HIGHEST, 3))
		die(c, "out of memory");

	/* connect: consumers first, so nothing published is missed */
	for (unsigned i = 0; i < c->clients; i++) {
		struct kb_opts o = {
			.brokers = c->brokers, .qos = c->qos, .ack = c->ack, .queue_depth = c->queue_depth,
			.window = c->window, .partitions = c->partitions, .timeout_ms = (int)(c->timeout * 1000),
			.client_index = (int)i, .purge = c->mode == KB_MODE_PUB, .spin = c->realtime,
		};
		struct kb_prod *p = &run.prod[i];
		uint64_t t0;
		int rc;

		if (c->clients == 1)
			snprintf(p->topic, sizeof(p->topic), "%s", c->topic);
		else
			snprintf(p->topic, sizeof(p->topic), "%s.%u", c->topic, i);
		o.topic = p->topic;
		p->run = &run;
		p->idx = (int)i;
		p->target = c->duration_set ? 0 : c->count / c->clients + (i < c->count % c->clients);
		if (consumers) {
			struct kb_cons *cs = &run.cons[i];

			cs->run = &run;
			cs->idx = (int)i;
			cs->track = calloc(c->clients, sizeof(*cs->track));
			if (!cs->track || ku_hist_new(&cs->lat, KU_HIST_DEFAULT_HIGHEST, 3) ||
			    ku_hist_new(&cs->lat_unc, KU_HIST_DEFAULT_HIGHEST, 3))
				die(c, "out of memory");
			t0 = ku_now_ns();
			rc = c->be->open(&cs->conn, KB_SUB, &o, err, sizeof(err));
			if (rc)
				die(c, "%s", err);
			run.connect_ns_sum += ku_now_ns() - t0;
			run.connect_ns_max = ku_now_ns() - t0 > run.connect_ns_max ? ku_now_ns() - t0 : run.connect_ns_max;
			run.nconnect++;
		}
		t0 = ku_now_ns();
		rc = c->be->open(&p->conn, KB_PUB, &o, err, sizeof(err));
		if (rc)
			die(c, "%s", err);
		run.connect_ns_sum += ku_now_ns() - t0;
		if (ku_now_ns() - t0 > run.connect_ns_max)
			run.connect_ns_max = ku_now_ns() - t0;
		run.nconnect++;
		if (prod_init(p))
			die(c, "out of memory for %u x %" PRIu64 "-byte messages", c->batch, c->size);
	}

	if (!c->max_lag_set && consumers && !strcmp(c->backend, "kafka") && !c->brokers) {
		/* mock partitions keep about 5 MiB: stay well inside */
		uint64_t per = (4u << 20) / (kb_msg_size(&run.prod[0].proto) + 64);

		if (per == 0)
			die(c, "kafka: the mock cluster keeps only about 5 MiB per partition, so %zu-byte "
				   "messages would be dropped before they are consumed; use --brokers with a real cluster",
				kb_msg_size(&run.prod[0].proto));

		c->max_lag = (per < 1 ? 1 : per) * (uint64_t)c->partitions;
	}
	/* no page faults on the measured path */
	if (c->realtime && mlockall(MCL_CURRENT | MCL_FUTURE) != 0 && !c->quiet)
		fprintf(stderr, "%s: --realtime: mlockall: %s\n", c->prog, strerror(errno));
	for (unsigned rep = 0; rep < c->reps && !failed; rep++) {
		uint64_t t0, cpu0, a0 = 0, b0 = 0, a1, b1, t_end = 0, msgs = 0, bytes = 0;
		bool have_alloc;
		struct kb_rep_fig *f = &fig[rep];
		struct ku_hist *rl, *ru;

		ku_hist_new(&rl, KU_HIST_DEFAULT_HIGHEST, 3);
		ku_hist_new(&ru, KU_HIST_DEFAULT_HIGHEST, 3);
		/* a per-process nonce keeps messages left over by an earlier run
		   (same broker, same topic) out of this run's figures */
		run.rep = ((nonce + rep) & 0xffff) ? (nonce + rep) & 0xffff : 1;
		pthread_barrier_init(&run.barrier, NULL, c->clients + 1);
		kb_kalloc_phase("warmup");
		for (unsigned i = 0; i < c->clients; i++) {
			struct kb_prod *p = &run.prod[i];

			atomic_store(&p->sent, 0);
			atomic_store(&p->done, 0);
			p->sent_bytes = p->errors = 0;
			p->fail = 0;
			p->err[0] = '\0';
			ku_hist_reset(p->lat);
			if (consumers) {
				struct kb_cons *cs = &run.cons[i];

				for (unsigned k = 0; k < c->clients; k++) {
					free(cs->track[k].bits);
					memset(&cs->track[k], 0, sizeof(cs->track[k]));
				}
				cs->received = cs->deliveries = cs->dup = cs->redeliveries = cs->reordered = 0;
				cs->corrupt = cs->warm = cs->stale = cs->nacks = cs->bytes = cs->first_ns = cs->last_ns = 0;
				cs->fail = cs->timed_out = 0;
				atomic_store(&cs->progress, 0);
				cs->err[0] = '\0';
				ku_hist_reset(cs->lat);
				ku_hist_reset(cs->lat_unc);
				pthread_create(&cs->th, NULL, cons_main, cs);
			}
		}
		for (unsigned i = 0; i < c->clients; i++)
			pthread_create(&run.prod[i].th, NULL, prod_main, &run.prod[i]);
		pthread_barrier_wait(&run.barrier);
		kb_kalloc_phase("steady");
		have_alloc = kb_kalloc_totals(&a0, &b0);
		cpu0 = kb__cpu_ns();
		t0 = ku_now_ns();
		pthread_barrier_wait(&run.barrier);
		for (unsigned i = 0; i < c->clients; i++) {
			while (!atomic_load(&run.prod[i].done)) {
				struct timespec ts = { 0, 100000000 };

				nanosleep(&ts, NULL);
				progress(c, &run, rep, t0, tty);
			}
			pthread_join(run.prod[i].th, NULL);
		}
		for (unsigned i = 0; consumers && i < c->clients; i++)
			pthread_join(run.cons[i].th, NULL);
		if (tty && ku_now_ns() - t0 > 2000000000ull)
			fputc('\n', stderr);
		f->cpu = (double)(kb__cpu_ns() - cpu0);
		have_alloc = have_alloc && kb_kalloc_totals(&a1, &b1);
		for (unsigned i = 0; i < c->clients; i++) {
			struct kb_prod *p = &run.prod[i];
			uint64_t s = atomic_load(&p->sent);

			tot_attempt += s + p->errors;
			tot_err += p->errors;
			if (p->fail && !failed) {
				failed = true;
				snprintf(err, sizeof(err), "%s", p->err);
			}
			if (!consumers) {
				msgs += s;
				bytes += p->sent_bytes;
				if (p->t_end > t_end)
					t_end = p->t_end;
				ku_hist_merge(rl, p->lat);
			} else {
				struct kb_cons *cs = &run.cons[i];
				uint64_t l = s > cs->received ? s - cs->received : 0;

				msgs += cs->received;
				bytes += cs->bytes;
				lost += l;
				tot_err += l + cs->corrupt + cs->dup;
				dup += cs->dup;
				reord += cs->reordered;
				corrupt += cs->corrupt;
				redel += cs->redeliveries;
				nacks += cs->nacks;
				warm += cs->warm;
				if (cs->last_ns > t_end)
					t_end = cs->last_ns;
				ku_hist_merge(rl, cs->lat);
				ku_hist_merge(ru, cs->lat_unc);
				if ((cs->fail || (cs->timed_out && !p->fail)) && !failed) {
					failed = true;
					snprintf(err, sizeof(err), "%s", cs->err);
				}
			}
		}
		if (!t_end || t_end < t0)
			t_end = ku_now_ns();
		f->elapsed_ns = (double)(t_end - t0);
		f->msgs = msgs;
		f->thr = (double)msgs / (f->elapsed_ns / 1e9);
		f->bps = (double)bytes / (f->elapsed_ns / 1e9);
		f->cpu = f->cpu / f->elapsed_ns * 100.0;
		f->have_alloc = have_alloc && msgs;
		if (f->have_alloc) {
			f->allocs_per_msg = (double)(a1 - a0) / (double)msgs;
			f->bytes_per_msg = (double)(b1 - b0) / (double)msgs;
		}
		static const double ps[6] = { 50, 90, 95, 99, 99.9, 100 };
		for (int k = 0; k < 6; k++) {
			f->lat[k] = ku_hist_percentile(rl, ps[k]);
			f->unc[k] = ku_hist_percentile(ru, ps[k]);
		}
		ku_hist_merge(lat_all, rl);
		ku_hist_merge(unc_all, ru);
		ku_hist_free(rl);
		ku_hist_free(ru);
		tot_msgs += msgs;
		pthread_barrier_destroy(&run.barrier);
		if (!c->quiet)
			fprintf(stderr, "%s: %s rep %u/%u: %" PRIu64 " msgs in %.3f s, %.0f msg/s, p99 %" PRIu64 " ns\n",
				c->prog, c->backend, rep + 1, c->reps, msgs, f->elapsed_ns / 1e9, f->thr,
				c->mode == KB_MODE_PUB ? f->lat[3] : f->lat[3]);
	}

	kb_kalloc_phase("teardown");

	/* result JSON */
	{
		unsigned nr = 0;
		double thr[1000], bps[1000], cpu[1000], apm[1000], bpm[1000];
		bool have_alloc = true;
		char name[128];

		for (unsigned r = 0; r < c->reps; r++) {
			if (!fig[r].elapsed_ns)
				continue;
			thr[nr] = fig[r].thr;
			bps[nr] = fig[r].bps;
			cpu[nr] = fig[r].cpu;
			apm[nr] = fig[r].allocs_per_msg;
			bpm[nr] = fig[r].bytes_per_msg;
			have_alloc = have_alloc && fig[r].have_alloc;
			nr++;
		}
		snprintf(name, sizeof(name), "%s", c->name ? c->name : c->mode == KB_MODE_PUB ? "pub" : c->mode == KB_MODE_SUB ? "sub" : "e2e");
		ku_json_writer_init(&w, KU_JSON_PRETTY);
		kb__json_begin(&w, c);
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "name", name);
		ku_json_kv_string(&w, "backend", c->backend);
		kb__json_config(&w, c);
		ku_json_key(&w, "metrics");
		ku_json_object_begin(&w);
		ku_json_kv_double(&w, "throughput_msgs_per_sec", kb__median(thr, nr));
		ku_json_kv_double(&w, "bytes_per_sec", kb__median(bps, nr));
		kb__json_latency(&w, "latency", lat_all);
		if (consumers)
			kb__json_latency(&w, "latency_uncorrected", unc_all);
		ku_json_kv_string(&w, "latency_kind", c->mode == KB_MODE_PUB ? (c->ack ? "publish_confirm_per_batch" : "publish_call_per_batch")
						 : c->mode == KB_MODE_E2E ? "intended_send_to_consume" : "send_to_consume");
		ku_json_kv_double(&w, "cpu_usage_percent", kb__median(cpu, nr));
		ku_json_kv_uint(&w, "peak_rss_bytes", kb__peak_rss());
		ku_json_kv_double(&w, "error_rate", tot_attempt ? (double)tot_err / (double)tot_attempt : (failed ? 1.0 : 0.0));
		if (have_alloc && nr) {
			ku_json_kv_double(&w, "allocs_per_msg", kb__median(apm, nr));
			ku_json_kv_double(&w, "bytes_per_msg", kb__median(bpm, nr));
		}
		ku_json_kv_bool(&w, "kalloc_loaded", kb_kalloc_loaded());
		if (c->be->networked) {
			ku_json_kv_uint(&w, "connect_ns", run.nconnect ? run.connect_ns_sum / run.nconnect : 0);
			ku_json_kv_uint(&w, "connect_max_ns", run.connect_ns_max);
		}
		ku_json_kv_uint(&w, "messages", tot_msgs);
		ku_json_kv_uint(&w, "message_bytes", run.prod[0].stride ? kb_msg_size(&run.prod[0].proto) : 0);
		ku_json_kv_uint(&w, "errors", tot_err);
		if (consumers) {
			ku_json_kv_uint(&w, "lost", lost);
			ku_json_kv_uint(&w, "duplicates", dup);
			ku_json_kv_uint(&w, "reordered", reord);
			ku_json_kv_uint(&w, "corrupt", corrupt);
			ku_json_kv_uint(&w, "redeliveries", redel);
			ku_json_kv_uint(&w, "nacks", nacks);
			ku_json_kv_uint(&w, "warmup_messages", warm);
		}
		ku_json_object_end(&w);
		if (failed)
			ku_json_kv_string(&w, "error", err);
		ku_json_key(&w, "repetitions");
		ku_json_array_begin(&w);
		for (unsigned r = 0; r < c->reps; r++) {
			static const char *const keys[6] = { "p50", "p90", "p95", "p99", "p999", "max" };
			char key[64];

			if (!fig[r].elapsed_ns)
				continue;
			ku_json_object_begin(&w);
			ku_json_kv_double(&w, "throughput_msgs_per_sec", fig[r].thr);
			ku_json_kv_double(&w, "bytes_per_sec", fig[r].bps);
			for (int k = 0; k < 6; k++) {
				snprintf(key, sizeof(key), "latency_%s_ns", keys[k]);
				ku_json_kv_uint(&w, key, fig[r].lat[k]);
			}
			if (consumers)
				for (int k = 0; k < 6; k++) {
					snprintf(key, sizeof(key), "latency_uncorrected_%s_ns", keys[k]);
					ku_json_kv_uint(&w, key, fig[r].unc[k]);
				}
			ku_json_kv_double(&w, "cpu_usage_percent", fig[r].cpu);
			if (fig[r].have_alloc) {
				ku_json_kv_double(&w, "allocs_per_msg", fig[r].allocs_per_msg);
				ku_json_kv_double(&w, "bytes_per_msg", fig[r].bytes_per_msg);
			}
			ku_json_kv_uint(&w, "messages", fig[r].msgs);
			ku_json_kv_double(&w, "elapsed_ns", fig[r].elapsed_ns);
			ku_json_object_end(&w);
		}
		ku_json_array_end(&w);
		ku_json_object_end(&w);
		if (kb__json_finish(&w, c))
			exit_code = 2;
		ku_json_writer_free(&w);
	}
	if (failed) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, c->backend, err);
		exit_code = 2;
	} else if (lost || dup || corrupt || reord) {
		fprintf(stderr,
			"%s: %s: integrity failure: %" PRIu64 " lost, %" PRIu64 " duplicated, %" PRIu64
			" corrupt, %" PRIu64 " out of order\n",
			c->prog, c->backend, lost, dup, corrupt, reord);
		if (!exit_code)
			exit_code = 1;
	}
	for (unsigned i = 0; i < c->clients; i++) {
		struct kb_prod *p = &run.prod[i];

		if (consumers) {
			c->be->close(run.cons[i].conn);
			for (unsigned k = 0; k < c->clients; k++)
				free(run.cons[i].track[k].bits);
			free(run.cons[i].track);
			ku_hist_free(run.cons[i].lat);
			ku_hist_free(run.cons[i].lat_unc);
		}
		c->be->close(p->conn);
		free(p->arena);
		free(p->bufs);
		free(p->payload);
		ku_hist_free(p->lat);
	}
	free(run.prod);
	free(run.cons);
	free(fig);
	ku_hist_free(lat_all);
	ku_hist_free(unc_all);
	return exit_code;
}

int kb_driver_main(enum kb_mode mode, int argc, char **argv)
{
	struct kb_cfg c = { .mode = mode };
	const char *slash = strrchr(argv[0], '/');
	int rc;

	c.prog = slash ? slash + 1 : argv[0];
	signal(SIGPIPE, SIG_IGN);
	parse_flags(&c, argc, argv);
	if (c.reps > 1000)
		c.reps = 1000;
	if (mode == KB_MODE_CORE)
		rc = kb__core_run(&c);
	else
		rc = messaging(&c);
	kb_backend_shutdown_all();
	return rc;
}
