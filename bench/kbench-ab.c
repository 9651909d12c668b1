/* SPDX-License-Identifier: MIT */
/*
 * kbench-ab: kbench ab, the plain runs of every case alternating the
 * drivers of two builds process by process (A B, B A, A B, ...) so that
 * drift of the machine during the run hits both sides alike; then
 * OUT/base/results.json and OUT/new/results.json, and kprof compare of
 * the two (markdown into OUT/compare.md, the table on stdout).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "kbench-internal.h"

int kb__ab(const struct kb_opts_run *o, const struct kb_suite *s, const char *suite_path,
		 const struct kb_case *cases, size_t ncases, const char *kprof, const struct kb_skip *skips,
		 size_t nskips, struct kb_broker *started, double t0)
{
	struct kb_result *rb = calloc(ncases ? ncases : 1, sizeof(*rb)), *rn = calloc(ncases ? ncases : 1, sizeof(*rn));
	char *dirb = kb__fmt("%s/base", o->out), *dirn = kb__fmt("%s/new", o->out);
	char *base = realpath(o->ab_base, NULL), *cur = realpath(o->ab_new, NULL);
	size_t nfailed = 0;
	int rc = 0;

	if (!rb || !rn)
		kb_die("out of memory");
	if (!base || !cur)
		kb_die("--%s %s: %s", base ? "new" : "base", base ? o->ab_new : o->ab_base, strerror(errno));
	kb__mkdirs(dirb);
	kb__mkdirs(dirn);
	for (size_t i = 0; i < ncases && !kb__interrupted; i++) {
		const struct kb_case *c = &cases[i];
		char *pb = kb__fmt("%s/%s", base, c->argv[0]), *pn = kb__fmt("%s/%s", cur, c->argv[0]);
		char *runb = kb__fmt("%s/%s/runs", dirb, c->id), *runn = kb__fmt("%s/%s/runs", dirn, c->id);
		const char *broker = kb__broker_for(o, c);
		int skipped = 0;

		rb[i].c = rn[i].c = c;
		skipped = kb__case_skipped(c, skips, nskips);
		if (!skipped && (!kb__isfile(pb, X_OK) || !kb__isfile(pn, X_OK))) {
			fprintf(stderr, "kbench: note: %s skipped: %s not in both --base and --new\n", c->id, c->argv[0]);
			skipped = 1;
		}
		if (!skipped) {
			kb__mkdirs(runb);
			kb__mkdirs(runn);
			fprintf(stderr, "[%*zu/%zu] %-52s", ncases >= 100 ? 3 : ncases >= 10 ? 2 : 1, i + 1, ncases, c->label);
			rb[i].ok = rn[i].ok = 1;
			for (int p = 0; p < c->processes && rb[i].ok && rn[i].ok && !kb__interrupted; p++) {
				int first_new = p % 2; /* ABBA order */

				if (first_new ? kb__run_plain(c, &rn[i], cur, runn, broker) : kb__run_plain(c, &rb[i], base, runb, broker))
					(first_new ? &rn[i] : &rb[i])->ok = 0;
				else if (first_new ? kb__run_plain(c, &rb[i], base, runb, broker)
						   : kb__run_plain(c, &rn[i], cur, runn, broker))
					(first_new ? &rb[i] : &rn[i])->ok = 0;
				fputs(first_new ? "ba" : "ab", stderr);
			}
			if (!rb[i].ok || !rn[i].ok) {
				nfailed++;
				fprintf(stderr, " failed: %s\n", rb[i].ok ? rn[i].why : rb[i].why);
			} else {
				fputc('\n', stderr);
			}
		}
		free(pb);
		free(pn);
		free(runb);
		free(runn);
	}
	for (size_t k = 0; k < KB_NBROKERS; k++)
		kb__stop_broker(&started[k]);
	{
		char *fb = kb__fmt("%s/results.json", dirb), *fn = kb__fmt("%s/results.json", dirn);

		kb__write_results(fb, o, base, s, suite_path, NULL, NULL, t0, skips, nskips, rb, cases, ncases);
		kb__write_results(fn, o, cur, s, suite_path, NULL, NULL, t0, skips, nskips, rn, cases, ncases);
		if (kprof) {
			char *md = kb__fmt("%s/compare.md", o->out), *log = kb__fmt("%s/compare.log", o->out);
			char *margv[] = { (char *)kprof, "compare", fb, fn, "--format", "markdown", "-o", md, "--threshold",
					  (char *)(o->threshold ? o->threshold : "5%"), NULL };
			char *targv[] = { (char *)kprof, "compare", fb, fn, "--threshold",
					  (char *)(o->threshold ? o->threshold : "5%"), NULL };
			pid_t pid;
			int st = 2;

			kb__spawn(margv, NULL, log, 300);
			printf("\n");
			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				execv(kprof, targv);
				_exit(127);
			}
			if (pid > 0 && waitpid(pid, &st, 0) == pid)
				rc = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
			else
				rc = 2;
			printf("\nwritten:\n  %-12s %s\n  %-12s %s\n  %-12s %s\n", "base", fb, "new", fn, "markdown", md);
			free(md);
			free(log);
		} else {
			printf("kbench: kprof not found: compare %s and %s yourself\n", fb, fn);
		}
		free(fb);
		free(fn);
	}
	if (nfailed && rc == 0)
		rc = 1;
	if (kb__interrupted)
		rc = 2;
	for (size_t i = 0; i < ncases; i++) {
		kb__result_free(&rb[i]);
		kb__result_free(&rn[i]);
	}
	free(rb);
	free(rn);
	free(dirb);
	free(dirn);
	free(base);
	free(cur);
	return rc;
}
