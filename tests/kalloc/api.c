/* SPDX-License-Identifier: MIT */
/* api: <kalloc.h> inside a process running under libkalloc.so (run by
 * run-preloaded.sh). Checks that the library is found, that a snapshot
 * writes its files with the leak set of that moment, that messages and
 * phases reach stats.json, and the no-op behaviour promised when the
 * symbols are absent (the program runs itself again without the preload). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kalloc.h"
#include "../tap.h"

void *volatile lost; /* global: a write-only static could be optimized away */

static int exists(const char *prefix, int n, const char *suffix)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s.%d.%s", prefix, n, suffix);
	return stat(path, &st) == 0 && st.st_size > 0;
}

static long json_number(const char *prefix, int n, const char *suffix, const char *key)
{
	char path[4096], buf[65536], *p;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "%s.%d.%s", prefix, n, suffix);
	f = fopen(path, "r");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strstr(buf, key);
	if (!p)
		return -1;
	p = strstr(p, "\"bytes\":");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

/* Whole text of snapshot n's file (static buffer), "" when unreadable. */
static const char *slurp(const char *prefix, int n, const char *suffix)
{
	static char buf[65536];
	char path[4096];
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%d.%s", prefix, n, suffix);
	f = fopen(path, "r");
	if (f) {
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[len] = '\0';
	return buf;
}

/* Without libkalloc.so: every function is a no-op with its documented
 * result. The exit status has one bit per broken promise. */
static int unloaded(void)
{
	uint64_t a = 7, b = 9;
	int bad = 0;

	kalloc_messages(3);
	kalloc_phase("nowhere");
	bad |= kalloc_loaded() ? 1 : 0;
	bad |= kalloc_snapshot() != -1 ? 2 : 0;
	bad |= kalloc_totals(&a, &b) != -1 ? 4 : 0;
	bad |= a != 7 || b != 9 ? 8 : 0;
	return bad;
}

int main(int argc, char **argv)
{
	const char *prefix = getenv("KALLOC_OUT");
	int n1, n2, n3;

	if (argc > 1 && !strcmp(argv[1], "--unloaded"))
		return unloaded();

	tap_ok(prefix != NULL, "KALLOC_OUT is set by the wrapper");
	if (!prefix)
		return tap_done();
	tap_ok(kalloc_loaded(), "kalloc_loaded() sees the preloaded library");
	lost = malloc(4321);
	n1 = kalloc_snapshot();
	tap_is_int(n1, 1, "first snapshot is number 1");
	tap_ok(exists(prefix, 1, "leaks.txt") && exists(prefix, 1, "leaks.json") &&
		       exists(prefix, 1, "stats.json") && exists(prefix, 1, "heap.pb.gz"),
	       "snapshot 1 wrote leaks.txt, leaks.json, stats.json, heap.pb.gz");
	tap_is_int(json_number(prefix, 1, "leaks.json", "\"definitely_lost\""), 0,
		   "a block held by a global is not lost at snapshot 1");
	lost = NULL;
	n2 = kalloc_snapshot();
	tap_is_int(n2, 2, "second snapshot is number 2");
	tap_is_int(json_number(prefix, 2, "leaks.json", "\"definitely_lost\""), 4321,
		   "the same block is definitely lost once the global is cleared");
	{
		uint64_t a0 = 0, b0 = 0, a1 = 0, b1 = 0;
		void *volatile q;

		tap_is_int(kalloc_totals(&a0, &b0), 0, "kalloc_totals returns 0");
		q = malloc(1000);
		free(q);
		kalloc_totals(&a1, &b1);
		tap_is_int(a1 - a0, 1, "one malloc counted by kalloc_totals");
		tap_is_int(b1 - b0, 1000, "its 1000 bytes counted");
	}
	kalloc_messages(5);
	kalloc_phase("after");
	n3 = kalloc_snapshot();
	tap_is_int(n3, 3, "third snapshot is number 3");
	tap_ok(strstr(slurp(prefix, 3, "stats.json"), "{\"name\":\"main\",\"messages\":5,") != NULL,
	       "kalloc_messages(5) counted in the phase that was open (main)");
	tap_ok(strstr(slurp(prefix, 3, "stats.json"), "{\"name\":\"after\",\"messages\":0,") != NULL,
	       "kalloc_phase(\"after\") started a phase of that name");
	{
		pid_t pid = fork();
		int st = -1;

		if (pid == 0) {
			char *args[] = { argv[0], "--unloaded", NULL };

			unsetenv("LD_PRELOAD");
			execv("/proc/self/exe", args);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			st = -1;
		else
			st = WEXITSTATUS(st);
		tap_is_int(st, 0, "without libkalloc.so: not loaded, snapshot and totals -1, outputs untouched");
	}
	return tap_done();
}
