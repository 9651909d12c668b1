/* SPDX-License-Identifier: MIT */
/* kbench-ci: leaks.sarif and leaks.junit.xml of a run (see kbench-ci.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kbench-ci.h"

extern char **environ;

/* Runs argv with stdin and stdout on /dev/null, stderr appended to log. */
static int ci_run(char **argv, const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	if (posix_spawn_file_actions_init(&fa))
		return -1;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int kb_ci_reports(const char *kprof, const char *out, const char *source_root)
{
	static const char *const fmt[][2] = { { "sarif", "leaks.sarif" }, { "junit", "leaks.junit.xml" } };
	char *pattern = NULL, *log = NULL;
	glob_t g = { 0 };
	int written = 0;

	if (!kprof) {
		fprintf(stderr, "kbench: note: kprof not found (--kprof PATH): no CI reports\n");
		return 0;
	}
	if (asprintf(&pattern, "%s/*/leaks.json", out) < 0 || asprintf(&log, "%s/ci-reports.log", out) < 0)
		goto done;
	if (glob(pattern, 0, NULL, &g) || !g.gl_pathc) {
		fprintf(stderr, "kbench: note: no case has a leaks.json (profile = none or --no-profile): no CI reports\n");
		goto done;
	}
	for (size_t f = 0; f < sizeof(fmt) / sizeof(fmt[0]); f++) {
		/* kprof leaks CASE/leaks.json... --format F [--source-root D] -o OUT/F */
		size_t n = 0;
		char **argv = calloc(g.gl_pathc + 10, sizeof(*argv)), *path = NULL;

		if (!argv || asprintf(&path, "%s/%s", out, fmt[f][1]) < 0) {
			free(argv);
			break;
		}
		argv[n++] = (char *)kprof;
		argv[n++] = "leaks";
		for (size_t i = 0; i < g.gl_pathc; i++)
			argv[n++] = g.gl_pathv[i];
		argv[n++] = "--format";
		argv[n++] = (char *)fmt[f][0];
		if (source_root) {
			argv[n++] = "--source-root";
			argv[n++] = (char *)source_root;
		}
		argv[n++] = "-o";
		argv[n++] = path;
		if (ci_run(argv, log) == 0)
			written++;
		else
			fprintf(stderr, "kbench: note: kprof leaks --format %s failed, see %s\n", fmt[f][0], log);
		free(path);
		free(argv);
	}
	if (log) {
		struct stat st;

		if (!stat(log, &st) && st.st_size == 0)
			unlink(log); /* kprof said nothing */
	}
done:
	globfree(&g);
	free(pattern);
	free(log);
	return written;
}
