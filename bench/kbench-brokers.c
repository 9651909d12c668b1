/* SPDX-License-Identifier: MIT */
/*
 * kbench-brokers: the backends that need a server (amqp, mqtt). With
 * --broker BACKEND=ADDR their cases run against it; with --start-brokers
 * a private rabbitmq-server or mosquitto is started through
 * scripts/brokers in OUT/brokers/ and stopped at the end; otherwise, or
 * when the start fails, the backend is skipped with a note saying why.
 * MQTT over WebSocket cases (transports = ws) use --broker mqtt-ws=ADDR,
 * or with --start-brokers a private RabbitMQ with rabbitmq_web_mqtt
 * (scripts/brokers rabbitmq-ws), whose MQTT TCP listener then serves the
 * TCP cases too, so the two transports are measured against one broker.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbench-internal.h"

#ifndef KB_PKGDATADIR
#define KB_PKGDATADIR "/usr/local/share/kprof"
#endif
#ifndef KB_SRCDIR
#define KB_SRCDIR "."
#endif

static char *brokers_script(void)
{
	const char *env = getenv("KBENCH_BROKERS_SCRIPT");
	char *c1 = kb__fmt("%s/scripts/brokers", KB_SRCDIR), *c2 = kb__fmt("%s/brokers", KB_PKGDATADIR), *found;

	found = env ? kb__find(X_OK, env, (char *)NULL) : kb__find(X_OK, c1, c2, (char *)NULL);
	free(c1);
	free(c2);
	return found;
}

/* The first line of a small file, newline removed ("" when missing). */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* Starts KIND (rabbitmq, mosquitto, rabbitmq-ws) for `backend` (amqp,
 * mqtt, mqtt-ws) through scripts/brokers in OUT/brokers/KIND; on success
 * sets *addr. A failure becomes a skip note with the reason. */
static void start_broker(struct kb_opts_run *o, const char *kind, const char *backend, const char **addr,
			 struct kb_broker *b, struct kb_skip *skips, size_t *nskips)
{
	char *outp, *logp, port[32] = "", why[256] = "";
	int st;

	b->kind = strdup(kind);
	b->script = brokers_script();
	b->dir = kb__fmt("%s/brokers/%s", o->out, b->kind);
	if (!b->script) {
		snprintf(why, sizeof(why), "scripts/brokers not found (set KBENCH_BROKERS_SCRIPT)");
	} else {
		char *argv[] = { b->script, "start", b->kind, b->dir, NULL };

		kb__mkdirs(b->dir);
		outp = kb__fmt("%s.port", b->dir);
		logp = kb__fmt("%s.log", b->dir);
		fprintf(stderr, "kbench: starting a private %s for %s ...\n", b->kind, backend);
		st = kb__spawn_out(argv, NULL, logp, outp, 180);
		first_line(outp, port, sizeof(port));
		if (st == 0 && port[0]) {
			snprintf(b->addr, sizeof(b->addr), "127.0.0.1:%s", port);
			*addr = b->addr;
			b->running = 1;
			fprintf(stderr, "kbench: %s listening on %s\n", b->kind, b->addr);
		} else if (st == 3) {
			snprintf(why, sizeof(why), "%s is not installed", b->kind);
		} else {
			char tail[200];

			kb__log_tail(logp, tail, sizeof(tail));
			snprintf(why, sizeof(why), "%s did not start: %.180s", b->kind, tail[0] ? tail : "no message");
		}
		free(outp);
		free(logp);
	}
	if (!b->running && *nskips < KB_MAX_SKIPS) {
		struct kb_skip *sk = &skips[(*nskips)++];

		b->failed = 1;
		snprintf(sk->backend, sizeof(sk->backend), "%s", backend);
		snprintf(sk->why, sizeof(sk->why), "%s skipped: %s", backend, why);
		fprintf(stderr, "kbench: note: %s\n", sk->why);
	}
}

void kb__stop_broker(struct kb_broker *b)
{
	if (b->running) {
		char *argv[] = { b->script, "stop", b->kind, b->dir, NULL };
		char *logp = kb__fmt("%s.stop.log", b->dir);

		if (kb__spawn(argv, NULL, logp, 120))
			fprintf(stderr, "kbench: warning: stopping %s failed, see %s\n", b->kind, logp);
		free(logp);
		b->running = 0;
	}
	free(b->script);
	free(b->kind);
	free(b->dir);
	b->script = b->kind = b->dir = NULL;
}
void kb__brokers_up(struct kb_opts_run *o, const struct kb_case *cases, size_t ncases,
		    struct kb_broker started[KB_NBROKERS], struct kb_skip *skips, size_t *nskips)
{
	int ws = 0;

	for (size_t i = 0; i < ncases; i++)
		ws |= cases[i].transport && !strcmp(cases[i].transport, "ws");
	if (ws && !o->mqtt_ws && o->start_brokers) {
		struct kb_broker *b = &started[KB_BROKER_WS];

		start_broker(o, "rabbitmq-ws", "mqtt-ws", &o->mqtt_ws, b, skips, nskips);
		if (b->running && !o->brokers[3]) {
			char *p = kb__fmt("%s/mqtt_port", b->dir), port[32];

			first_line(p, port, sizeof(port));
			free(p);
			if (port[0]) {
				snprintf(b->tcp_addr, sizeof(b->tcp_addr), "127.0.0.1:%s", port);
				o->brokers[3] = b->tcp_addr;
				fprintf(stderr, "kbench: the mqtt TCP cases use the same node, %s\n", b->tcp_addr);
			}
		}
	}
	if (ws && !o->mqtt_ws && !started[KB_BROKER_WS].failed && *nskips < KB_MAX_SKIPS) {
		struct kb_skip *sk = &skips[(*nskips)++];

		snprintf(sk->backend, sizeof(sk->backend), "mqtt-ws");
		snprintf(sk->why, sizeof(sk->why), "mqtt over WebSocket skipped: no broker address (pass --broker "
			 "mqtt-ws=HOST:PORT, or --start-brokers to start RabbitMQ with rabbitmq_web_mqtt)");
		fprintf(stderr, "kbench: note: %s\n", sk->why);
	}
	for (size_t k = 2; k < KB_NBACKENDS; k++) {
		int used = 0;

		for (size_t i = 0; i < ncases; i++)
			used |= !strcmp(cases[i].backend, kb__backend_names[k]);
		if (used && !o->brokers[k] && o->start_brokers)
			start_broker(o, k == 2 ? "rabbitmq" : "mosquitto", kb__backend_names[k], &o->brokers[k], &started[k],
				     skips, nskips);
		if (used && !o->brokers[k] && !started[k].failed) {
			struct kb_skip *sk = &skips[(*nskips)++];

			snprintf(sk->backend, sizeof(sk->backend), "%s", kb__backend_names[k]);
			snprintf(sk->why, sizeof(sk->why), "%s skipped: no broker address (pass --broker %s=HOST:PORT, "
				 "or --start-brokers to start a private one)", kb__backend_names[k], kb__backend_names[k]);
			fprintf(stderr, "kbench: note: %s\n", sk->why);
		}
	}
}
