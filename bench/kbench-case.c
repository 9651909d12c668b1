/* SPDX-License-Identifier: MIT */
/*
 * kbench-case: running the cases of a suite. Each case runs its driver
 * plain --processes times (each process a separate sample for kprof
 * compare, its JSON in CASE/runs/rep-N.json), then once under libkalloc
 * (CASE/heap.pb.gz, leaks.txt, leaks.json, stats.json, timeline.json drawn
 * into mem.svg by kprof timeline) and once under
 * libksamp (CASE/cpu.pb.gz, drawn into cpu.svg by kprof flame). A case
 * whose plain runs fail is not profiled.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbench-internal.h"

void kb__result_free(struct kb_result *r)
{
	for (int i = 0; i < r->nreps; i++)
		ku_json_free(r->reps[i]);
	ku_json_free(r->kalloc_json);
	ku_json_free(r->stats);
	ku_json_free(r->leaks);
}

static char **case_argv(const struct kb_case *c, const char *bindir, const char *json, const char *broker)
{
	char **argv = calloc((size_t)c->argc + 8, sizeof(*argv));
	int n = 0;

	argv[n++] = kb__fmt("%s/%s", bindir, c->argv[0]);
	for (int i = 1; i < c->argc; i++)
		argv[n++] = strdup(c->argv[i]);
	if (broker) {
		argv[n++] = strdup("--brokers");
		argv[n++] = strdup(broker);
	}
	argv[n++] = strdup("--json");
	argv[n++] = strdup(json);
	argv[n] = NULL;
	return argv;
}

static void argv_free(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static int rename_if(const char *from, const char *to)
{
	if (access(from, F_OK))
		return 0;
	return rename(from, to) ? 0 : 1;
}

/* dir/kalloc.NAME (what libkalloc wrote) becomes dir/NAME; 1 when it was
 * there. With doc, the moved file is parsed into *doc (NULL when it is
 * missing or not JSON). */
static int take_kalloc(const char *dir, const char *name, struct ku_json **doc)
{
	char *from = kb__fmt("%s/kalloc.%s", dir, name), *to = kb__fmt("%s/%s", dir, name), err[256];
	int moved = rename_if(from, to);

	if (doc && moved && ku_json_parse_file(to, doc, err, sizeof(err)))
		*doc = NULL;
	free(from);
	free(to);
	return moved;
}

int kb__run_plain(const struct kb_case *c, struct kb_result *r, const char *bindir, const char *runs,
			const char *broker)
{
	char *json = kb__fmt("%s/rep-%d.json", runs, r->nreps + 1), *log = kb__fmt("%s/rep-%d.log", runs, r->nreps + 1);
	char **argv = case_argv(c, bindir, json, broker);
	int st = kb__spawn(argv, NULL, log, c->timeout_s), rc = 0;
	char err[512];

	argv_free(argv);
	if (st) {
		char tail[512];

		kb__log_tail(log, tail, sizeof(tail));
		snprintf(r->why, sizeof(r->why), "%s", st == -ETIMEDOUT ? "timed out"
			 : tail[0] ? tail : "driver failed without a message");
		if (st > 0 && st < 128 && !tail[0])
			snprintf(r->why, sizeof(r->why), "exit status %d", st);
		else if (st >= 128)
			snprintf(r->why, sizeof(r->why), "killed by signal %d%s%s", st - 128, tail[0] ? ": " : "", tail);
		rc = -1;
	} else if (r->nreps >= KB_MAX_REPS) {
		snprintf(r->why, sizeof(r->why), "more than %d processes", KB_MAX_REPS);
		rc = -1;
	} else if (ku_json_parse_file(json, &r->reps[r->nreps], err, sizeof(err))) {
		snprintf(r->why, sizeof(r->why), "unreadable result: %.250s", err);
		rc = -1;
	} else {
		r->nreps++;
	}
	free(json);
	free(log);
	return rc;
}

static int case_ws(const struct kb_case *c)
{
	return c->transport && !strcmp(c->transport, "ws");
}

int kb__case_skipped(const struct kb_case *c, const struct kb_skip *skips, size_t nskips)
{
	for (size_t k = 0; k < nskips; k++)
		if (!strcmp(skips[k].backend, c->backend) || (case_ws(c) && !strcmp(skips[k].backend, "mqtt-ws")))
			return 1;
	return 0;
}

const char *kb__broker_for(const struct kb_opts_run *o, const struct kb_case *c)
{
	if (case_ws(c))
		return o->mqtt_ws;
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(c->backend, kb__backend_names[i]))
			return o->brokers[i];
	return NULL;
}

static void run_case(const struct kb_opts_run *o, const struct kb_suite *s, const struct kb_case *c,
			struct kb_result *r, const char *kprof, const char *kalloc, const char *ksamp, int idx,
			int total)
{
	char *dir = kb__fmt("%s/%s", o->out, c->id), *runs = kb__fmt("%s/runs", dir);
	const char *broker = kb__broker_for(o, c);
	double t0 = kb__now();
	char err[512];

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->thr = r->p50 = r->p99 = r->allocs = r->bytes = r->leaked = NAN;
	kb__mkdirs(runs);
	fprintf(stderr, "[%*d/%d] %-52s", total >= 100 ? 3 : total >= 10 ? 2 : 1, idx, total, c->label);
	for (int rep = 0; rep < c->processes; rep++) {
		if (kb__run_plain(c, r, o->bindir, runs, broker)) {
			fprintf(stderr, " failed\n");
			goto out;
		}
		fputc('.', stderr);
	}
	r->ok = 1;
	if (s->profile_kalloc && kalloc && !o->no_profile) {
		char *json = kb__fmt("%s/kalloc.json", dir), *log = kb__fmt("%s/kalloc.log", dir);
		char **argv = case_argv(c, o->bindir, json, broker);
		char *env[] = { kb__fmt("LD_PRELOAD=%s", kalloc), kb__fmt("KALLOC_OUT=%s/kalloc", dir),
				kb__fmt("KALLOC_MODE=%s", s->kalloc_mode ? s->kalloc_mode : "full"),
				kb__fmt("KALLOC_QUIET=1"), NULL };
		int st = kb__spawn(argv, (const char *const *)env, log, c->timeout_s * 4);
		argv_free(argv);
		if (st == 0 && ku_json_parse_file(json, &r->kalloc_json, err, sizeof(err)))
			r->kalloc_json = NULL;
		r->has_heap = take_kalloc(dir, "heap.pb.gz", NULL);
		r->has_leaks_txt = take_kalloc(dir, "leaks.txt", NULL);
		take_kalloc(dir, "leaks.json", &r->leaks);
		take_kalloc(dir, "stats.json", &r->stats);
		if (take_kalloc(dir, "timeline.json", NULL) && kprof) {
			/* the memory timeline, drawn beside the flame graph */
			char *tl = kb__fmt("%s/timeline.json", dir), *svg = kb__fmt("%s/mem.svg", dir);
			char *title = kb__fmt("Memory: %s", c->label), *tlog = kb__fmt("%s/timeline.log", dir);
			char *targv[] = { (char *)kprof, "timeline", tl, "-o", svg, "--title", title, NULL };

			r->has_mem_svg = kb__spawn(targv, NULL, tlog, 120) == 0 && kb__isfile(svg, R_OK);
			free(tl);
			free(svg);
			free(title);
			free(tlog);
		}
		fputs(st == 0 ? " kalloc" : " kalloc(failed)", stderr);
		for (size_t i = 0; env[i]; i++)
			free(env[i]);
		free(json);
		free(log);
	}
	if (s->profile_ksamp && ksamp && !o->no_profile) {
		char *json = kb__fmt("%s/ksamp.json", dir), *log = kb__fmt("%s/ksamp.log", dir);
		char *cpu = kb__fmt("%s/cpu.pb.gz", dir), *svg = kb__fmt("%s/cpu.svg", dir);
		char **argv = case_argv(c, o->bindir, json, broker);
		const char *hz = getenv("KSAMP_HZ");
		char *env[] = { kb__fmt("LD_PRELOAD=%s", ksamp), kb__fmt("KSAMP_OUT=%s", cpu),
				kb__fmt("KSAMP_HZ=%s", hz ? hz : "199"), NULL };
		int st = kb__spawn(argv, (const char *const *)env, log, c->timeout_s * 2);

		argv_free(argv);
		r->has_cpu = kb__isfile(cpu, R_OK);
		if (r->has_cpu && kprof) {
			char *title = kb__fmt("CPU: %s", c->label), *flog = kb__fmt("%s/flame.log", dir);
			char *fargv[] = { (char *)kprof, "flame", cpu, "-o", svg, "--title", title, NULL };

			r->has_flame = kb__spawn(fargv, NULL, flog, 120) == 0 && kb__isfile(svg, R_OK);
			free(title);
			free(flog);
		}
		fputs(st == 0 && r->has_cpu ? (r->has_flame ? " ksamp+flame" : " ksamp") : " ksamp(failed)", stderr);
		for (size_t i = 0; env[i]; i++)
			free(env[i]);
		free(json);
		free(log);
		free(cpu);
		free(svg);
	}
	fputc('\n', stderr);
out:
	r->seconds = kb__now() - t0;
	free(dir);
	free(runs);
}

void kb__run_cases(const struct kb_opts_run *o, const struct kb_suite *s, const struct kb_parts *parts,
		   const struct kb_case *cases, size_t ncases, struct kb_result *res, struct kb_skip *skips,
		   size_t *nskips, size_t *nran, size_t *nfailed)
{
	for (size_t i = 0; i < ncases; i++) {
		const struct kb_case *c = &cases[i];
		char *prog = kb__fmt("%s/%s", o->bindir, c->argv[0]);
		int skipped = 0;

		res[i].c = c;
		res[i].thr = res[i].p50 = res[i].p99 = res[i].allocs = res[i].bytes = res[i].leaked = NAN;
		skipped = kb__case_skipped(c, skips, *nskips);
		if (!skipped && !kb__isfile(prog, X_OK)) {
			struct kb_skip *sk = *nskips < KB_MAX_SKIPS ? &skips[(*nskips)++] : NULL;

			if (sk) {
				snprintf(sk->backend, sizeof(sk->backend), "%s", c->backend);
				snprintf(sk->why, sizeof(sk->why), "%s cases skipped: driver %s not found (--bindir DIR)",
					 c->driver, prog);
				fprintf(stderr, "kbench: note: %s\n", sk->why);
			}
		}
		if (skipped || !kb__isfile(prog, X_OK)) {
			free(prog);
			continue;
		}
		free(prog);
		if (kb__interrupted)
			break;
		run_case(o, s, c, &res[i], parts->kprof, parts->kalloc, parts->ksamp, (int)i + 1, (int)ncases);
		(*nran)++;
		if (!res[i].ok) {
			/* a backend that is not built or cannot start fails every case:
			   say so once and skip the rest of it */
			if (strstr(res[i].why, "unknown backend") || strstr(res[i].why, "not built") ||
			    strstr(res[i].why, "not compiled")) {
				if (*nskips < KB_MAX_SKIPS) {
					struct kb_skip *sk = &skips[(*nskips)++];

					snprintf(sk->backend, sizeof(sk->backend), "%s", c->backend);
					snprintf(sk->why, sizeof(sk->why), "%s skipped: %.200s", c->backend, res[i].why);
					fprintf(stderr, "kbench: note: %s\n", sk->why);
				}
				res[i].why[0] = 0;
			} else {
				(*nfailed)++;
				fprintf(stderr, "kbench: case %s failed: %s (log in %s/%s/runs)\n", c->id, res[i].why, o->out,
					c->id);
			}
		}
	}
}
