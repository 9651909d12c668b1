/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the text helpers of the history store
 * (analyze/history-text.c) on arbitrary bytes: a DB argument made fit to
 * print (a postgresql:// URI's password must never survive), a server
 * message cut to one line, the identity text of a run, and stored
 * repetitions, which must read back as written.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *d, line[64], *id;
	double *v = NULL, *w = NULL;
	size_t n, m;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	/* the URI as a user could type it, with "postgresql://" in front too */
	for (int k = 0; k < 2; k++) {
		char *arg = s;

		if (k && asprintf(&arg, "postgresql://%s", s) < 0)
			break;
		if ((d = kan_hist_display(arg))) {
			/* scheme://user:PASSWORD@host: the password is gone */
			const char *auth = strstr(arg, "://");

			if (kan__hist_is_uri(arg) && auth) {
				const char *end = auth + 3 + strcspn(auth + 3, "/?#"), *at = NULL, *colon;

				for (const char *p = auth + 3; p < end; p++)
					if (*p == '@')
						at = p;
				colon = at ? memchr(auth + 3, ':', (size_t)(at - auth - 3)) : NULL;
				if (colon && at - colon > 4) {
					char pw[64];

					snprintf(pw, sizeof(pw), ":%.*s@", (int)(at - colon - 1 < 60 ? at - colon - 1 : 60),
						 colon + 1);
					/* searched in the printed authority only: the same
					   text may stand in a path or query */
					const char *da = strstr(d, "://");
					char *dauth = da ? strndup(d, (size_t)(da + 3 - d) + strcspn(da + 3, "/?#")) : NULL;

					if (dauth && strlen(pw) == (size_t)(at - colon + 1) && strstr(dauth, pw))
						__builtin_trap();
					free(dauth);
				}
			}
			free(d);
		}
		if (k)
			free(arg);
	}
	kan__hist_oneline(line, sizeof(line), s);
	if (strchr(line, '\n') || strchr(line, '\r'))
		__builtin_trap();
	id = kan__hist_ident(size ? s : NULL, s, size > 1 ? s + 1 : NULL, NULL);
	if (!size != !id)
		__builtin_trap();
	free(id);
	n = kan_hist_reps_parse(s, &v);
	if (n) {
		char *t = kan_hist_reps_text(v, n);

		m = t ? kan_hist_reps_parse(t, &w) : n;
		if (t && m != n)
			__builtin_trap();
		for (size_t i = 0; t && i < n; i++)
			if (!(v[i] == w[i] || (isnan(v[i]) && isnan(w[i]))))
				__builtin_trap();
		free(t);
	}
	free(v);
	free(w);
	free(s);
	return 0;
}
