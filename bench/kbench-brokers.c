/* SPDX-License-Identifier: MIT */
/*
 * kbench-brokers: the backends that need a server (amqp, mqtt). With
 * --broker BACKEND=ADDR their cases run against it; with --start-brokers
 * a private rabbitmq-server or mosquitto is started through
 * scripts/brokers in OUT/brokers/ and stopped at the end; otherwise, or
 * when the start fails, the backend is skipped with a note saying why.
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

/* Starts rabbitmq (k == 2, amqp) or mosquitto (k == 3, mqtt) through
 * scripts/brokers in OUT/brokers/KIND; on success sets o->brokers[k]. A
 * failure becomes a skip note with the reason. */
static void start_broker(struct kb_opts_run *o, size_t k, struct kb_broker *b, struct kb_skip *skips,
			    size_t *nskips)
{
	char *outp, *logp, port[32] = "", why[256] = "";
	FILE *f;
	int st;

	b->kind = strdup(k == 2 ? "rabbitmq" : "mosquitto");
	b->script = brokers_script();
	b->dir = kb__fmt("%s/brokers/%s", o->out, b->kind);
	if (!b->script) {
		snprintf(why, sizeof(why), "scripts/brokers not found (set KBENCH_BROKERS_SCRIPT)");
	} else {
		char *argv[] = { b->script, "start", b->kind, b->dir, NULL };

		kb__mkdirs(b->dir);
		outp = kb__fmt("%s.port", b->dir);
		logp = kb__fmt("%s.log", b->dir);
		fprintf(stderr, "kbench: starting a private %s for %s ...\n", b->kind, kb__backend_names[k]);
		st = kb__spawn_out(argv, NULL, logp, outp, 180);
		if ((f = fopen(outp, "r"))) {
			if (!fgets(port, sizeof(port), f))
				port[0] = 0;
			port[strcspn(port, "\n")] = 0;
			fclose(f);
		}
		if (st == 0 && port[0]) {
			snprintf(b->addr, sizeof(b->addr), "127.0.0.1:%s", port);
			o->brokers[k] = b->addr;
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
		snprintf(sk->backend, sizeof(sk->backend), "%s", kb__backend_names[k]);
		snprintf(sk->why, sizeof(sk->why), "%s skipped: %s", kb__backend_names[k], why);
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
		    struct kb_broker started[KB_NBACKENDS], struct kb_skip *skips, size_t *nskips)
{
	for (size_t k = 2; k < KB_NBACKENDS; k++) {
		int used = 0;

		for (size_t i = 0; i < ncases; i++)
			used |= !strcmp(cases[i].backend, kb__backend_names[k]);
		if (used && !o->brokers[k] && o->start_brokers)
			start_broker(o, k, &started[k], skips, nskips);
		if (used && !o->brokers[k] && !started[k].failed) {
			struct kb_skip *sk = &skips[(*nskips)++];

			snprintf(sk->backend, sizeof(sk->backend), "%s", kb__backend_names[k]);
			snprintf(sk->why, sizeof(sk->why), "%s skipped: no broker address (pass --broker %s=HOST:PORT, "
				 "or --start-brokers to start a private one)", kb__backend_names[k], kb__backend_names[k]);
			fprintf(stderr, "kbench: note: %s\n", sk->why);
		}
	}
}
