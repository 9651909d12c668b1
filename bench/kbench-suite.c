/* SPDX-License-Identifier: MIT */
/*
 * kbench-suite: the suite file parser and matrix expansion. A suite is
 * "key = value" lines ('#' comments), global settings first, then optional
 * "[DRIVER]" blocks (pub, sub, e2e, core) whose settings override the
 * global ones for that driver. A driver may have several blocks: each is
 * its own matrix (e.g. a small feature matrix next to the size matrix). List values are separated by spaces or
 * commas. Unknown keys and bad values are errors with FILE:LINE, so a typo
 * never silently shrinks a benchmark matrix.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbench.h"

static const char *const drivers[] = { "pub", "sub", "e2e", "core", NULL };
static const char *const backends[] = { "memory", "kafka", "amqp", "mqtt", NULL };
static const char *const features[] = { "none", "ack", "correlation_id", "metadata", "nack_rate", "rate", "qos", NULL };

static int in(const char *s, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (!strcmp(s, set[i]))
			return 1;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static void list_free(struct kb_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static int list_parse(struct kb_list *l, char *val, const char *what, char *err, size_t errlen)
{
	char *save = NULL;

	list_free(l);
	for (char *t = strtok_r(val, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
		if (l->n == KB_SUITE_MAX_LIST) {
			snprintf(err, errlen, "too many %s (at most %d)", what, KB_SUITE_MAX_LIST);
			return -E2BIG;
		}
		l->v[l->n++] = strdup(t);
	}
	if (!l->n) {
		snprintf(err, errlen, "empty list for %s", what);
		return -EINVAL;
	}
	return 0;
}

static int positive_ints(const struct kb_list *l, const char *what, char *err, size_t errlen)
{
	for (size_t i = 0; i < l->n; i++) {
		char *end;
		long v = strtol(l->v[i], &end, 10);

		if (*end || v <= 0) {
			snprintf(err, errlen, "%s: '%s' is not a positive integer", what, l->v[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static int number(const char *v, const char *what, char *err, size_t errlen)
{
	char *end;
	double d = strtod(v, &end);

	if (end == v || *end || d < 0) {
		snprintf(err, errlen, "%s: '%s' is not a non-negative number", what, v);
		return -EINVAL;
	}
	return 0;
}

static int set(struct kb_suite *s, struct kb_suite_block *b, const char *key, char *val, char *err,
		   size_t errlen)
{
	char **str = NULL;
	int rc;

	if (!strcmp(key, "backends")) {
		if ((rc = list_parse(&b->backends, val, key, err, errlen)))
			return rc;
		for (size_t i = 0; i < b->backends.n; i++)
			if (!in(b->backends.v[i], backends)) {
				snprintf(err, errlen, "unknown backend '%s' (memory, kafka, amqp, mqtt)", b->backends.v[i]);
				return -EINVAL;
			}
		return 0;
	}
	if (!strcmp(key, "sizes") || !strcmp(key, "batches") || !strcmp(key, "clients")) {
		struct kb_list *l = key[0] == 's' ? &b->sizes : key[0] == 'b' ? &b->batches : &b->clients;

		if ((rc = list_parse(l, val, key, err, errlen)))
			return rc;
		return positive_ints(l, key, err, errlen);
	}
	if (!strcmp(key, "transports")) {
		if ((rc = list_parse(&b->transports, val, key, err, errlen)))
			return rc;
		for (size_t i = 0; i < b->transports.n; i++)
			if (strcmp(b->transports.v[i], "tcp") && strcmp(b->transports.v[i], "ws")) {
				snprintf(err, errlen, "unknown transport '%s' (tcp, ws)", b->transports.v[i]);
				return -EINVAL;
			}
		return 0;
	}
	if (!strcmp(key, "features")) {
		if ((rc = list_parse(&b->features, val, key, err, errlen)))
			return rc;
		/* each entry: none, or FEATURE[=VALUE] joined with '+' */
		for (size_t i = 0; i < b->features.n; i++) {
			char *dup = strdup(b->features.v[i]), *save = NULL;

			for (char *t = strtok_r(dup, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
				char *eq = strchr(t, '=');

				if (eq)
					*eq = 0;
				if (!in(t, features)) {
					snprintf(err, errlen, "unknown feature '%s' (none, ack, correlation_id, metadata=N, "
						 "nack_rate=R, rate=R, qos=N, joined with +)", t);
					free(dup);
					return -EINVAL;
				}
				if (eq && number(eq + 1, t, err, errlen)) {
					free(dup);
					return -EINVAL;
				}
				if (!eq && (!strcmp(t, "metadata") || !strcmp(t, "nack_rate") || !strcmp(t, "rate"))) {
					snprintf(err, errlen, "feature '%s' needs a value (%s=N)", t, t);
					free(dup);
					return -EINVAL;
				}
			}
			free(dup);
		}
		return 0;
	}
	if (!strcmp(key, "reps") || !strcmp(key, "processes")) {
		char *end;
		long v = strtol(val, &end, 10);

		if (*end || v <= 0 || v > 100) {
			snprintf(err, errlen, "%s: '%s' is not an integer in 1..100", key, val);
			return -EINVAL;
		}
		if (key[0] == 'r')
			b->reps = (int)v;
		else
			b->processes = (int)v;
		return 0;
	}
	if (!strcmp(key, "count"))
		str = &b->count;
	else if (!strcmp(key, "duration"))
		str = &b->duration;
	else if (!strcmp(key, "warmup"))
		str = &b->warmup;
	else if (!strcmp(key, "rate"))
		str = &b->rate;
	else if (!strcmp(key, "timeout"))
		str = &b->timeout;
	if (str) {
		if (number(val, key, err, errlen))
			return -EINVAL;
		free(*str);
		*str = strdup(val);
		return 0;
	}
	if (!strcmp(key, "extra")) {
		free(b->extra);
		b->extra = strdup(val);
		return 0;
	}
	if (b == &s->global) {
		if (!strcmp(key, "name")) {
			free(s->name);
			s->name = strdup(val);
			return 0;
		}
		if (!strcmp(key, "description")) {
			free(s->description);
			s->description = strdup(val);
			return 0;
		}
		if (!strcmp(key, "profile")) {
			char *save = NULL;

			s->profile_kalloc = s->profile_ksamp = 0;
			for (char *t = strtok_r(val, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
				if (!strcmp(t, "kalloc"))
					s->profile_kalloc = 1;
				else if (!strcmp(t, "ksamp"))
					s->profile_ksamp = 1;
				else if (strcmp(t, "none")) {
					snprintf(err, errlen, "profile: unknown '%s' (kalloc, ksamp or none)", t);
					return -EINVAL;
				}
			}
			return 0;
		}
		if (!strcmp(key, "kalloc_mode")) {
			if (strcmp(val, "full") && strcmp(val, "sample") && strcmp(val, "count")) {
				snprintf(err, errlen, "kalloc_mode: '%s' (full, sample or count)", val);
				return -EINVAL;
			}
			free(s->kalloc_mode);
			s->kalloc_mode = strdup(val);
			return 0;
		}
	}
	snprintf(err, errlen, "unknown key '%s'%s", key, b == &s->global ? "" : " in a driver block");
	return -EINVAL;
}

int kb_suite_load(const char *path, struct kb_suite *s, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct kb_suite_block *cur;
	char line[4096], why[512];
	int lineno = 0, rc = 0;

	memset(s, 0, sizeof(*s));
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	s->path = strdup(path);
	s->profile_kalloc = s->profile_ksamp = 1;
	cur = &s->global;
	while (fgets(line, sizeof(line), f)) {
		char *p, *eq, *hash;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -EINVAL;
			break;
		}
		if ((hash = strchr(line, '#')))
			*hash = 0;
		p = trim(line);
		if (!*p)
			continue;
		if (*p == '[') {
			char *end = strchr(p, ']');

			if (!end || end[1]) {
				snprintf(err, errlen, "%s:%d: bad block header (want [pub], [sub], [e2e] or [core])", path, lineno);
				rc = -EINVAL;
				break;
			}
			*end = 0;
			p = trim(p + 1);
			if (!in(p, drivers)) {
				snprintf(err, errlen, "%s:%d: unknown driver '%s' (pub, sub, e2e, core)", path, lineno, p);
				rc = -EINVAL;
				break;
			}
			if (s->ndrivers == KB_SUITE_MAX_DRIVERS) {
				snprintf(err, errlen, "%s:%d: more than %d driver blocks", path, lineno, KB_SUITE_MAX_DRIVERS);
				rc = -E2BIG;
				break;
			}
			cur = &s->drivers[s->ndrivers++];
			cur->driver = strdup(p);
			continue;
		}
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'key = value' or '[driver]'", path, lineno);
			rc = -EINVAL;
			break;
		}
		*eq = 0;
		if ((rc = set(s, cur, trim(p), trim(eq + 1), why, sizeof(why)))) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			break;
		}
	}
	fclose(f);
	if (!rc && !s->ndrivers) {
		snprintf(err, errlen, "%s: no driver block ([pub], [sub], [e2e] or [core]): nothing to run", path);
		rc = -EINVAL;
	}
	if (!rc && !s->name) {
		const char *base = strrchr(path, '/');
		char *dot;

		s->name = strdup(base ? base + 1 : path);
		if ((dot = strrchr(s->name, '.')))
			*dot = 0;
	}
	if (rc)
		kb_suite_free(s);
	return rc;
}

static void block_free(struct kb_suite_block *b)
{
	list_free(&b->backends);
	list_free(&b->sizes);
	list_free(&b->batches);
	list_free(&b->clients);
	list_free(&b->features);
	list_free(&b->transports);
	free(b->driver);
	free(b->count);
	free(b->duration);
	free(b->warmup);
	free(b->rate);
	free(b->timeout);
	free(b->extra);
}

void kb_suite_free(struct kb_suite *s)
{
	block_free(&s->global);
	for (size_t i = 0; i < s->ndrivers; i++)
		block_free(&s->drivers[i]);
	free(s->name);
	free(s->path);
	free(s->description);
	free(s->kalloc_mode);
	memset(s, 0, sizeof(*s));
}

static const struct kb_list *pick(const struct kb_list *a, const struct kb_list *b, const struct kb_list *def)
{
	return a->n ? a : b->n ? b : def;
}

static const char *pick_s(const char *a, const char *b)
{
	return a ? a : b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void arg(struct kb_case *c, const char *a)
{
	if (c->argc < (int)(sizeof(c->argv) / sizeof(c->argv[0])) - 1)
		c->argv[c->argc++] = strdup(a);
}

static int backend_wanted(const char *b, const char *only)
{
	size_t n = strlen(b);

	if (!only)
		return 1;
	for (const char *p = only; (p = strstr(p, b)); p += n)
		if ((p == only || p[-1] == ',' || p[-1] == ' ') && (p[n] == 0 || p[n] == ',' || p[n] == ' '))
			return 1;
	return 0;
}

int kb_suite_cases(const struct kb_suite *s, const char *only, int reps_override, const char *count_override,
		   struct kb_case **out, size_t *nout)
{
	static const struct kb_list def_backends = { { "memory" }, 1 }, def_one = { { "1" }, 1 },
				    def_size = { { "100" }, 1 }, def_feat = { { "none" }, 1 },
				    no_backend = { { "-" }, 1 }, def_transport = { { "-" }, 1 };
	struct kb_case *c = NULL;
	size_t n = 0;

	for (size_t d = 0; d < s->ndrivers; d++) {
		const struct kb_suite_block *b = &s->drivers[d], *g = &s->global;
		int core = !strcmp(b->driver, "core");
		const struct kb_list *be = core ? &no_backend : pick(&b->backends, &g->backends, &def_backends);
		const struct kb_list *sz = pick(&b->sizes, &g->sizes, &def_size);
		const struct kb_list *ba = core ? &def_one : pick(&b->batches, &g->batches, &def_one);
		const struct kb_list *cl = core ? &def_one : pick(&b->clients, &g->clients, &def_one);
		const struct kb_list *fe = core ? &def_feat : pick(&b->features, &g->features, &def_feat);
		const struct kb_list *tr = core ? &def_transport : pick(&b->transports, &g->transports, &def_transport);
		const char *count = count_override ? count_override : pick_s(b->count, g->count);
		const char *duration = count_override ? NULL : pick_s(b->duration, g->duration);
		const char *warmup = pick_s(b->warmup, g->warmup), *rate = pick_s(b->rate, g->rate);
		const char *timeout = pick_s(b->timeout, g->timeout), *extra = pick_s(b->extra, g->extra);
		int reps = reps_override ? reps_override : b->reps ? b->reps : g->reps ? g->reps : 5;
		int procs = b->processes ? b->processes : g->processes ? g->processes : 1;
		char repstr[16];

		snprintf(repstr, sizeof(repstr), "%d", reps);

		if (n + be->n * sz->n * ba->n * cl->n * fe->n * tr->n > KB_SUITE_MAX_CASES) {
			kb_cases_free(c, n);
			return -E2BIG;
		}
		for (size_t ib = 0; ib < be->n; ib++) {
			if (!core && !backend_wanted(be->v[ib], only))
				continue;
			for (size_t is = 0; is < sz->n; is++)
				for (size_t ia = 0; ia < ba->n; ia++)
					for (size_t ic = 0; ic < cl->n; ic++)
						for (size_t ife = 0; ife < fe->n * tr->n; ife++) {
							struct kb_case *k, *nc;
							char id[256], label[256], *dup, *save = NULL;
							const char *tname = tr->v[ife / fe->n];

							/* WebSocket is an MQTT transport: the other
							   backends run once, over TCP, without the flag */
							if (strcmp(tname, "-") && strcmp(be->v[ib], "mqtt")) {
								if (ife / fe->n)
									continue;
								tname = "-";
							}
							nc = realloc(c, (n + 1) * sizeof(*c));

							if (!nc) {
								kb_cases_free(c, n);
								return -ENOMEM;
							}
							c = nc;
							k = &c[n++];
							memset(k, 0, sizeof(*k));
							k->driver = strdup(b->driver);
							k->backend = strdup(be->v[ib]);
							k->reps = reps;
							k->processes = procs;
							k->timeout_s = timeout ? strtod(timeout, NULL) : 120;
							if (core) {
								snprintf(id, sizeof(id), "core-s%s", sz->v[is]);
								snprintf(label, sizeof(label), "core size=%s", sz->v[is]);
							} else {
								snprintf(id, sizeof(id), "%s-%s-s%s-b%s-c%s", b->driver, be->v[ib],
									 sz->v[is], ba->v[ia], cl->v[ic]);
								snprintf(label, sizeof(label), "%s/%s size=%s batch=%s clients=%s",
									 b->driver, be->v[ib], sz->v[is], ba->v[ia], cl->v[ic]);
							}
							{
								char prog[64];

								snprintf(prog, sizeof(prog), "bench_%s", b->driver);
								arg(k, prog);
							}
							if (!core) {
								arg(k, "--backend");
								arg(k, be->v[ib]);
								arg(k, "--batch");
								arg(k, ba->v[ia]);
								arg(k, "--clients");
								arg(k, cl->v[ic]);
							}
							arg(k, "--size");
							arg(k, sz->v[is]);
							arg(k, "--reps");
							arg(k, repstr);
							if (count) {
								arg(k, "--count");
								arg(k, count);
							} else if (duration) {
								arg(k, "--duration");
								arg(k, duration);
							}
							if (warmup) {
								arg(k, "--warmup");
								arg(k, warmup);
							}
							if (rate && strcmp(rate, "0")) {
								arg(k, "--rate");
								arg(k, rate);
							}
							if (strcmp(tname, "-")) {
								size_t il = strlen(id), ll = strlen(label);

								k->transport = strdup(tname);
								arg(k, "--transport");
								arg(k, tname);
								if (!strcmp(tname, "ws")) {
									snprintf(id + il, sizeof(id) - il, "-ws");
									snprintf(label + ll, sizeof(label) - ll, " over ws");
								}
							}
							dup = strdup(fe->v[ife % fe->n]);
							for (char *t = strtok_r(dup, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
								char *eq = strchr(t, '='), flag[64];
								size_t il = strlen(id), ll = strlen(label);

								if (!strcmp(t, "none"))
									continue;
								if (eq)
									*eq = 0;
								snprintf(flag, sizeof(flag), "--%s", t);
								for (char *q = flag; *q; q++)
									if (*q == '_')
										*q = '-';
								arg(k, flag);
								if (eq)
									arg(k, eq + 1);
								snprintf(id + il, sizeof(id) - il, "-%s%s%s", t, eq ? "" : "", eq ? eq + 1 : "");
								snprintf(label + ll, sizeof(label) - ll, " +%s%s%s", t, eq ? "=" : "", eq ? eq + 1 : "");
							}
							free(dup);
							if (extra) {
								char *ed = strdup(extra), *es = NULL;

								for (char *t = strtok_r(ed, " \t", &es); t; t = strtok_r(NULL, " \t", &es))
									arg(k, t);
								free(ed);
							}
							for (char *q = id; *q; q++)
								if (!isalnum((unsigned char)*q) && *q != '-' && *q != '.')
									*q = '_';
							k->id = strdup(id);
							k->label = strdup(label);
						}
		}
	}
	if (n > 1) {
		const char **ids = malloc(n * sizeof(*ids));
		int dup = 0;

		if (!ids) {
			kb_cases_free(c, n);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			ids[i] = c[i].id;
		qsort(ids, n, sizeof(*ids), cmp_str);
		for (size_t i = 1; i < n && !dup; i++)
			dup = !strcmp(ids[i - 1], ids[i]);
		free(ids);
		if (dup) {
			kb_cases_free(c, n);
			return -EEXIST; /* two blocks produce the same case */
		}
	}
	*out = c;
	*nout = n;
	return 0;
}

void kb_cases_free(struct kb_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < c[i].argc; j++)
			free(c[i].argv[j]);
		free(c[i].id);
		free(c[i].label);
		free(c[i].driver);
		free(c[i].backend);
		free(c[i].transport);
	}
	free(c);
}
