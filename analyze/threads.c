/* SPDX-License-Identifier: MIT */
/*
 * threads: the per-thread views of kprof top, flame and folded. Filtering
 * zeroes the values of the samples of other threads, so every later step
 * (distinct stacks, flat/cum, call tree) leaves them out unchanged; the
 * by-thread view appends one location per thread to each sample's stack,
 * as its outermost frame, so the call tree and the flame graph get one
 * root per thread and everything else stays as it was.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kprof.h"
#include "strmap.h"
#include "threads.h"

const char *kan_thread_of(const struct kan_profile *p, size_t i, char *buf, size_t size)
{
	const struct kan_sample *s = &p->samples[i];
	const struct kan_label *id = NULL;

	for (uint32_t k = 0; k < s->nlabels; k++) {
		const struct kan_label *l = &p->labels[s->label_off + k];

		if (!strcmp(l->key, "thread_name") && l->str && l->str[0])
			return l->str;
		if (!strcmp(l->key, "thread_id") && !l->str)
			id = l;
	}
	if (id) {
		snprintf(buf, size, "thread %" PRId64, id->num);
		return buf;
	}
	return "[no thread label]";
}

int kan_thread_filter(struct kan_profile *p, const char *re, const char *what)
{
	regex_t rx;
	char buf[64], msg[256], names[512];
	size_t kept = 0, nl = 0, nn = 0, slot;
	struct kan_strmap seen = { 0 };
	uint32_t v;
	int rc;

	if ((rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &rx, msg, sizeof(msg));
		regfree(&rx);
		return kan_die("%s: --thread '%s': %s", what, re, msg);
	}
	names[0] = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const char *t = kan_thread_of(p, i, buf, sizeof(buf));

		if (regexec(&rx, t, 0, NULL, 0) == 0) {
			kept++;
			continue;
		}
		memset(p->values + i * p->nsample_types, 0, p->nsample_types * sizeof(*p->values));
		/* Remember a few names for the message when nothing matches. */
		if (nn < 12 && kan_strmap_find(&seen, t, &v, &slot) == 0) {
			const char *key = kan_profile_strdup(p, t, strlen(t));

			if (!key)
				continue;
			kan_strmap_put(&seen, slot, key, (uint32_t)nn);
			if (nl < sizeof(names))
				nl += (size_t)snprintf(names + nl, sizeof(names) - nl, "%s%s", nn ? ", " : "", t);
			nn++;
		}
	}
	regfree(&rx);
	kan_strmap_free(&seen);
	if (!kept)
		return kan_die("%s: no samples of a thread matching '%s' (threads here: %s%s)", what, re,
			       nn ? names : "none", nn == 12 ? ", ..." : "");
	return 0;
}

int kan_thread_roots(struct kan_profile *p, const char *what)
{
	struct kan_strmap ids = { 0 };
	uint32_t *root = malloc((p->nsamples ? p->nsamples : 1) * sizeof(*root));
	uint64_t next_fn = 0, next_loc = 0;
	char buf[64], name[600];
	int r = 2;

	if (!root)
		goto oom;
	for (size_t i = 0; i < p->nfunctions; i++)
		if (p->functions[i].id > next_fn)
			next_fn = p->functions[i].id;
	for (size_t i = 0; i < p->nlocations; i++)
		if (p->locations[i].id > next_loc)
			next_loc = p->locations[i].id;
	for (size_t i = 0; i < p->nsamples; i++) {
		const char *t = kan_thread_of(p, i, buf, sizeof(buf));
		uint32_t loc;
		size_t slot;
		int f;

		snprintf(name, sizeof(name), "%s%s", t[0] == '[' || !strncmp(t, "thread ", 7) ? "" : "thread ", t);
		if ((f = kan_strmap_find(&ids, name, &loc, &slot)) < 0)
			goto oom;
		if (!f) {
			const char *s = kan_profile_strdup(p, name, strlen(name));
			struct kan_line line;
			long fn, l;

			if (!s || (fn = kan_profile_add_function(p, ++next_fn, s, s, "", 0)) < 0)
				goto oom;
			line.function = (uint32_t)fn;
			line.line = 0;
			if ((l = kan_profile_add_location(p, ++next_loc, 0, 0, &line, 1)) < 0)
				goto oom;
			loc = (uint32_t)l;
			kan_strmap_put(&ids, slot, s, loc);
		}
		root[i] = loc;
	}
	if (kan_profile_set_roots(p, root) < 0)
		goto oom;
	r = 0;
	goto out;
oom:
	r = kan_die("%s: out of memory", what);
out:
	free(root);
	kan_strmap_free(&ids);
	return r;
}
