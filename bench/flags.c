/* SPDX-License-Identifier: MIT */
/* flags: the drivers' command line into struct kb_cfg (see flags.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "die.h"
#include "flags.h"
#include "message.h"

const char *const kb_log_level_names[5] = { "error", "warn", "info", "debug", "trace" };

static void usage(const struct kb_cfg *c, FILE *f)
{
	fprintf(f,
		"usage: %s [--backend B] [--brokers ADDR] [--topic T] [--size BYTES] [--batch N]\n"
		"       [--clients N] [--count N | --duration S] [--warmup S] [--rate MSG_PER_S]\n"
		"       [--correlation-id] [--metadata N] [--ack] [--nack-rate R] [--log LEVEL]\n"
		"       [--log-file F] [--json FILE] [--reps N] [--qos 0|1|2] [--partitions N]\n"
		"       [--queue-depth N] [--window N] [--max-lag N] [--timeout S] [--verify]\n"
		"       [--name NAME] [--realtime] [--quiet] [--transport tcp|ws]\n"
		"backends built: %s (see %s(1))\n",
		c->prog, kb_backend_list(), c->prog);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	errno = 0;
	if (!s || !*s || *s == '-')
		kb_die("--%s: expected a non-negative integer, got '%s'", opt, s ? s : "");
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
		kb_die("--%s: expected an integer in 0..%" PRIu64 ", got '%s'", opt, max, s);
	return v * mult;
}

static double parse_double(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		kb_die("--%s: expected a number in %g..%g, got '%s'", opt, lo, hi, s);
	return v;
}

enum {
	OPT_BACKEND = 256, OPT_BROKERS, OPT_TOPIC, OPT_SIZE, OPT_BATCH, OPT_CLIENTS, OPT_COUNT,
	OPT_DURATION, OPT_WARMUP, OPT_RATE, OPT_CORR, OPT_META, OPT_ACK, OPT_NACK, OPT_LOG,
	OPT_LOGFILE, OPT_JSON, OPT_REPS, OPT_QOS, OPT_PARTS, OPT_DEPTH, OPT_WINDOW, OPT_TIMEOUT,
	OPT_VERIFY, OPT_NAME, OPT_QUIET, OPT_REALTIME, OPT_HELP, OPT_VERSION, OPT_MAXLAG, OPT_TRANSPORT,
};

void kb_flags_transport(const char *backend, const char **brokers, const char *transport, enum kb_transport *t,
			char *uri, size_t urilen)
{
	struct kb_addr a;
	char err[200];
	bool ws_asked = (transport && !strcmp(transport, "ws")) || (*brokers && !strncasecmp(*brokers, "ws://", 5));

	*t = KB_TRANSPORT_TCP;
	if (strcmp(backend, "mqtt")) {
		if (transport && kb_transport_parse(transport, t) < 0)
			kb_die("--transport: expected tcp or ws");
		if (ws_asked)
			kb_die("the ws transport is for the mqtt backend only (got --backend %s)", backend);
		return;
	}
	if (kb_addr_parse(*brokers, transport, &a, err, sizeof(err)) < 0)
		kb_die("%s", err);
	*t = a.transport;
	/* one spelling for paho and the result: tcp://HOST:PORT or ws://HOST:PORT/PATH */
	if (*brokers || a.transport == KB_TRANSPORT_WS) {
		if (kb_addr_uri(&a, NULL, uri, urilen) < 0)
			kb_die("--brokers: address too long");
		*brokers = uri;
	}
}

void kb_flags_parse(struct kb_cfg *c, int argc, char **argv)
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
		{ "transport", required_argument, 0, OPT_TRANSPORT },
		{ "help", no_argument, 0, OPT_HELP },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 },
	};
	const char *transport = NULL;
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
				kb_die("--topic: expected 1..200 characters");
			c->topic = optarg;
			break;
		case OPT_SIZE: c->size = parse_u64("size", optarg, KB_MSG_MAX_PAYLOAD); break;
		case OPT_BATCH: c->batch = (unsigned)parse_u64("batch", optarg, 65536); break;
		case OPT_CLIENTS: c->clients = (unsigned)parse_u64("clients", optarg, 64); break;
		case OPT_COUNT:
			c->count = parse_u64("count", optarg, 1ull << 40);
			c->count_set = true;
			break;
		case OPT_DURATION:
			c->duration = parse_double("duration", optarg, 0.001, 86400);
			c->duration_set = true;
			break;
		case OPT_WARMUP: c->warmup = parse_double("warmup", optarg, 0, 3600); break;
		case OPT_RATE: c->rate = parse_double("rate", optarg, 0, 1e9); break;
		case OPT_CORR: c->corr = true; break;
		case OPT_META: c->metadata = (unsigned)parse_u64("metadata", optarg, KB_MSG_MAX_META); break;
		case OPT_ACK: c->ack = true; break;
		case OPT_NACK: c->nack_rate = parse_double("nack-rate", optarg, 0, 0.9); break;
		case OPT_LOG:
			c->log_level = -2;
			for (int i = 0; i < 5; i++)
				if (!strcmp(optarg, kb_log_level_names[i]))
					c->log_level = i;
			if (!strcmp(optarg, "off"))
				c->log_level = -1;
			if (c->log_level == -2)
				kb_die("--log: expected off, error, warn, info, debug or trace, got '%s'", optarg);
			break;
		case OPT_LOGFILE: c->log_file = optarg; break;
		case OPT_JSON: c->json = optarg; break;
		case OPT_REPS: c->reps = (unsigned)parse_u64("reps", optarg, 1000); break;
		case OPT_QOS: c->qos = (int)parse_u64("qos", optarg, 2); break;
		case OPT_PARTS: c->partitions = (int)parse_u64("partitions", optarg, 64); break;
		case OPT_DEPTH: c->queue_depth = (unsigned)parse_u64("queue-depth", optarg, 1u << 24); break;
		case OPT_WINDOW: c->window = (unsigned)parse_u64("window", optarg, 1u << 20); break;
		case OPT_TIMEOUT: c->timeout = parse_double("timeout", optarg, 0.1, 3600); break;
		case OPT_VERIFY: c->verify = true; break;
		case OPT_NAME: c->name = optarg; break;
		case OPT_MAXLAG:
			c->max_lag = parse_u64("max-lag", optarg, 1ull << 40);
			c->max_lag_set = true;
			break;
		case OPT_QUIET: c->quiet = true; break;
		case OPT_REALTIME: c->realtime = true; break;
		case OPT_TRANSPORT: transport = optarg; break;
		case OPT_HELP:
			usage(c, stdout);
			exit(0);
		case OPT_VERSION:
			printf("%s (kprof) %s\n", c->prog, PACKAGE_VERSION);
			exit(0);
		default:
			if (optopt >= OPT_BACKEND)
				kb_die("option '%s' needs a value (see --help)", argv[optind - 1]);
			kb_die("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		kb_die("unexpected argument '%s' (see --help)", argv[optind]);
	if (c->count_set && c->duration_set)
		kb_die("--count and --duration are exclusive");
	if (!c->count_set && !c->duration_set)
		c->count = c->mode == KB_MODE_CORE ? 1000000 : 100000;
	if (c->count_set && c->count == 0)
		kb_die("--count: must be at least 1");
	if (c->batch == 0 || c->clients == 0 || c->reps == 0 || c->partitions == 0 || c->queue_depth == 0 ||
	    c->window == 0)
		kb_die("--batch, --clients, --reps, --partitions, --queue-depth and --window must be at least 1");
	if (c->nack_rate > 0)
		c->ack = true; /* rejecting needs acknowledgements */
	if (c->mode != KB_MODE_CORE) {
		c->be = kb_backend_find(c->backend);
		if (!c->be)
			kb_die("unknown backend '%s' (built: %s)", c->backend, kb_backend_list());
		if ((uint64_t)c->size * c->batch > (256ull << 20))
			kb_die("--size x --batch exceeds 256 MiB per client");
		kb_flags_transport(c->backend, &c->brokers, transport, &c->transport, c->broker_uri,
				   sizeof(c->broker_uri));
	}
	if (c->reps > 1000)
		c->reps = 1000;
}
