/* SPDX-License-Identifier: MIT */
/*
 * kbench: run a benchmark suite. For every case of the suite's matrix the
 * driver runs plain N times (timing: each repetition is a separate process,
 * so the repetitions are independent samples for kprof compare), then once
 * under libkalloc (allocations and bytes per message, leaks, heap profile)
 * and once under libksamp (CPU profile, drawn as a flame graph by kprof).
 * Everything lands in OUT/<case>/, the merged kprof-bench/1 document in
 * OUT/results.json and the page in OUT/report.html. Backends that cannot
 * run here (not built, no broker) are skipped with a note that is printed,
 * written into results.json and shown in the report.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "kbench.h"
#include "kbench-ci.h"

#ifndef KB_PKGDATADIR
#define KB_PKGDATADIR "/usr/local/share/kprof"
#endif
#ifndef KB_LIBDIR
#define KB_LIBDIR "/usr/local/lib"
#endif
#ifndef KB_BINDIR
#define KB_BINDIR "/usr/local/bin"
#endif
#ifndef KB_SRCDIR
#define KB_SRCDIR "."
#endif

extern char **environ;

struct kb_opts_run {
	const char *suite, *out, *bindir, *kprof, *kalloc, *ksamp, *backends, *count, *commit;
	const char *ab_base, *ab_new, *threshold; /* kbench ab */
	int processes;
	const char *brokers[4]; /* memory kafka amqp mqtt: --broker B=ADDR */
	int reps, quiet, no_profile, start_brokers;
	int ci_reports;          /* --ci-reports: leaks.sarif, leaks.junit.xml */
	const char *source_root; /* --source-root, for them */
};

static const char *const kb__backend_names[] = { "memory", "kafka", "amqp", "mqtt" };

struct kb_skip {
	char backend[16];
	char why[256];
};

static char kb__exedir[PATH_MAX];
static volatile sig_atomic_t kb__interrupted;

static void kb__on_signal(int sig)
{
	kb__interrupted = sig;
}

static void kb_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void kb_die(const char *fmt, ...)
{
	va_list ap;

	fputs("kbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static char *kb_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *kb_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		kb_die("out of memory");
	return s;
}

static int kb_isfile(const char *p, int mode)
{
	struct stat st;

	return p && !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, mode);
}

static int kb_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0777) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

/* First existing candidate (NULL-terminated list), as a new string. */
static char *kb_find(int mode, ...)
{
	va_list ap;
	const char *c;
	char *found = NULL;

	va_start(ap, mode);
	while ((c = va_arg(ap, const char *)))
		if (!found && kb_isfile(c, mode))
			found = realpath(c, NULL);
	va_end(ap);
	return found;
}

static double kb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs argv with extra environment (NAME=VALUE, NULL-terminated), stdout
 * and stderr into logpath, in its own process group, killed after timeout.
 * Returns the exit status, 128+signal, or -ETIMEDOUT / -errno. */
static int kb_spawn_out(char *const *argv, const char *const *extra_env, const char *logpath,
			const char *outpath, double timeout_s);

static int kb_spawn(char *const *argv, const char *const *extra_env, const char *logpath, double timeout_s)
{
	return kb_spawn_out(argv, extra_env, logpath, NULL, timeout_s);
}

/* As kb_spawn, with stdout into outpath when it is not NULL. */
static int kb_spawn_out(char *const *argv, const char *const *extra_env, const char *logpath,
			const char *outpath, double timeout_s)
{
	pid_t pid;
	int st;
	double t0 = kb_now();

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (outpath) {
			int ofd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

			if (ofd >= 0)
				dup2(ofd, 1);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		for (size_t i = 0; extra_env && extra_env[i]; i++)
			putenv((char *)extra_env[i]);
		execv(argv[0], argv);
		fprintf(stderr, "kbench: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (kb_now() - t0 > timeout_s || kb__interrupted) {
			kill(-pid, SIGTERM);
			usleep(500000);
			kill(-pid, SIGKILL);
			waitpid(pid, &st, 0);
			return kb__interrupted ? -EINTR : -ETIMEDOUT;
		}
		usleep(10000);
	}
	/* a helper the driver left behind (mock cluster) must not outlive it */
	kill(-pid, SIGKILL);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* Last non-empty line of a log, for notes. */
static void kb_log_tail(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
}

static int kb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double kb_median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), kb_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Flat metric list of one benchmark object of a driver's JSON. */
struct kb_flat {
	char name[96];
	double v;
};

static size_t kb_flatten(const struct ku_json *metrics, struct kb_flat *out, size_t max)
{
	size_t n = 0;

	if (!metrics || metrics->type != KU_JSON_OBJECT)
		return 0;
	for (size_t i = 0; i < ku_json_count(metrics) && n < max; i++) {
		const struct ku_json *v = &metrics->kids[i];

		if (v->type == KU_JSON_NUMBER && isfinite(v->number)) {
			snprintf(out[n].name, sizeof(out[n].name), "%s", v->key);
			out[n++].v = v->number;
		} else if (v->type == KU_JSON_OBJECT && !strncmp(v->key, "latency", 7)) {
			for (size_t j = 0; j < v->len && n < max; j++) {
				const struct ku_json *w = &v->kids[j];
				size_t kl = strlen(w->key);

				if (w->type != KU_JSON_NUMBER || !isfinite(w->number))
					continue;
				if (kl > 3 && !strcmp(w->key + kl - 3, "_ns"))
					snprintf(out[n].name, sizeof(out[n].name), "latency_%s", w->key);
				else
					snprintf(out[n].name, sizeof(out[n].name), "latency_%s_ns", w->key);
				out[n++].v = w->number;
			}
		}
	}
	return n;
}

static const struct kb_flat *kb_flat_get(const struct kb_flat *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

#define KB_MAX_METRICS 64
#define KB_MAX_REPS 100

struct kb_result {
	const struct kb_case *c;
	int ok;                 /* plain repetitions succeeded */
	char why[600];          /* failure text */
	struct ku_json *reps[KB_MAX_REPS];
	int nreps;
	struct ku_json *kalloc_json;
	struct ku_json *stats, *leaks;
	int has_cpu, has_flame, has_heap, has_leaks_txt, has_mem_svg;
	double seconds;
	/* summary for the table */
	double thr, p50, p99, allocs, bytes, leaked;
};

static void kb_result_free(struct kb_result *r)
{
	for (int i = 0; i < r->nreps; i++)
		ku_json_free(r->reps[i]);
	ku_json_free(r->kalloc_json);
	ku_json_free(r->stats);
	ku_json_free(r->leaks);
}

static char **kb_case_argv(const struct kb_case *c, const char *bindir, const char *json, const char *broker)
{
	char **argv = calloc((size_t)c->argc + 8, sizeof(*argv));
	int n = 0;

	argv[n++] = kb_fmt("%s/%s", bindir, c->argv[0]);
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

static void kb_argv_free(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Per-message memory of a kalloc stats.json: the phases named steady (one
 * per repetition) pooled, else the phase with most messages. NAN when the
 * driver counted no messages. */
static void kb_stats_per_msg(const struct ku_json *stats, double *allocs, double *bytes, double *growth)
{
	const struct ku_json *phases = ku_json_get(stats, "phases"), *best = NULL;
	double a = 0, b = 0, g = 0, m = 0, most = 0;

	*allocs = *bytes = *growth = NAN;
	for (size_t i = 0; i < ku_json_count(phases); i++) {
		const struct ku_json *p = ku_json_at(phases, i);
		const char *name = ku_json_as_string(ku_json_get(p, "name"), "");
		double msgs = ku_json_as_double(ku_json_get(p, "messages"), 0);

		if (msgs > most) {
			most = msgs;
			best = p;
		}
		if (strcmp(name, "steady") && strcmp(name, "measure"))
			continue;
		m += msgs;
		a += ku_json_as_double(ku_json_get(p, "allocs"), 0);
		b += ku_json_as_double(ku_json_get(p, "bytes"), 0);
		g += ku_json_as_double(ku_json_get(p, "live_end_bytes"), 0) -
		     ku_json_as_double(ku_json_get(p, "live_start_bytes"), 0);
	}
	if (m > 0) {
		*allocs = a / m;
		*bytes = b / m;
		*growth = g / m;
	} else if (best) {
		*allocs = ku_json_as_double(ku_json_get(best, "allocs_per_msg"), NAN);
		*bytes = ku_json_as_double(ku_json_get(best, "bytes_per_msg"), NAN);
		*growth = ku_json_as_double(ku_json_get(best, "live_growth_per_msg"), NAN);
	}
}

static int kb_rename_if(const char *from, const char *to)
{
	if (access(from, F_OK))
		return 0;
	return rename(from, to) ? 0 : 1;
}

/* dir/kalloc.NAME (what libkalloc wrote) becomes dir/NAME; 1 when it was
 * there. With doc, the moved file is parsed into *doc (NULL when it is
 * missing or not JSON). */
static int kb_take_kalloc(const char *dir, const char *name, struct ku_json **doc)
{
	char *from = kb_fmt("%s/kalloc.%s", dir, name), *to = kb_fmt("%s/%s", dir, name), err[256];
	int moved = kb_rename_if(from, to);

	if (doc && moved && ku_json_parse_file(to, doc, err, sizeof(err)))
		*doc = NULL;
	free(from);
	free(to);
	return moved;
}

/* One plain driver process of case c: bindir's driver, result into
 * runs/rep-N.json (N = r->nreps + 1). 0, or -1 with r->why set. */
static int kb_run_plain(const struct kb_case *c, struct kb_result *r, const char *bindir, const char *runs,
			const char *broker)
{
	char *json = kb_fmt("%s/rep-%d.json", runs, r->nreps + 1), *log = kb_fmt("%s/rep-%d.log", runs, r->nreps + 1);
	char **argv = kb_case_argv(c, bindir, json, broker);
	int st = kb_spawn(argv, NULL, log, c->timeout_s), rc = 0;
	char err[512];

	kb_argv_free(argv);
	if (st) {
		char tail[512];

		kb_log_tail(log, tail, sizeof(tail));
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

static const char *kb_broker_for(const struct kb_opts_run *o, const struct kb_case *c)
{
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(c->backend, kb__backend_names[i]))
			return o->brokers[i];
	return NULL;
}

static void kb_run_case(const struct kb_opts_run *o, const struct kb_suite *s, const struct kb_case *c,
			struct kb_result *r, const char *kprof, const char *kalloc, const char *ksamp, int idx,
			int total)
{
	char *dir = kb_fmt("%s/%s", o->out, c->id), *runs = kb_fmt("%s/runs", dir);
	const char *broker = NULL;
	double t0 = kb_now();
	char err[512];

	for (size_t i = 0; i < 4; i++)
		if (!strcmp(c->backend, kb__backend_names[i]))
			broker = o->brokers[i];
	memset(r, 0, sizeof(*r));
	r->c = c;
	r->thr = r->p50 = r->p99 = r->allocs = r->bytes = r->leaked = NAN;
	kb_mkdirs(runs);
	fprintf(stderr, "[%*d/%d] %-52s", total >= 100 ? 3 : total >= 10 ? 2 : 1, idx, total, c->label);
	for (int rep = 0; rep < c->processes; rep++) {
		if (kb_run_plain(c, r, o->bindir, runs, broker)) {
			fprintf(stderr, " failed\n");
			goto out;
		}
		fputc('.', stderr);
	}
	r->ok = 1;
	if (s->profile_kalloc && kalloc && !o->no_profile) {
		char *json = kb_fmt("%s/kalloc.json", dir), *log = kb_fmt("%s/kalloc.log", dir);
		char **argv = kb_case_argv(c, o->bindir, json, broker);
		char *env[] = { kb_fmt("LD_PRELOAD=%s", kalloc), kb_fmt("KALLOC_OUT=%s/kalloc", dir),
				kb_fmt("KALLOC_MODE=%s", s->kalloc_mode ? s->kalloc_mode : "full"),
				kb_fmt("KALLOC_QUIET=1"), NULL };
		int st = kb_spawn(argv, (const char *const *)env, log, c->timeout_s * 4);
		kb_argv_free(argv);
		if (st == 0 && ku_json_parse_file(json, &r->kalloc_json, err, sizeof(err)))
			r->kalloc_json = NULL;
		r->has_heap = kb_take_kalloc(dir, "heap.pb.gz", NULL);
		r->has_leaks_txt = kb_take_kalloc(dir, "leaks.txt", NULL);
		kb_take_kalloc(dir, "leaks.json", &r->leaks);
		kb_take_kalloc(dir, "stats.json", &r->stats);
		if (kb_take_kalloc(dir, "timeline.json", NULL) && kprof) {
			/* the memory timeline, drawn beside the flame graph */
			char *tl = kb_fmt("%s/timeline.json", dir), *svg = kb_fmt("%s/mem.svg", dir);
			char *title = kb_fmt("Memory: %s", c->label), *tlog = kb_fmt("%s/timeline.log", dir);
			char *targv[] = { (char *)kprof, "timeline", tl, "-o", svg, "--title", title, NULL };

			r->has_mem_svg = kb_spawn(targv, NULL, tlog, 120) == 0 && kb_isfile(svg, R_OK);
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
		char *json = kb_fmt("%s/ksamp.json", dir), *log = kb_fmt("%s/ksamp.log", dir);
		char *cpu = kb_fmt("%s/cpu.pb.gz", dir), *svg = kb_fmt("%s/cpu.svg", dir);
		char **argv = kb_case_argv(c, o->bindir, json, broker);
		const char *hz = getenv("KSAMP_HZ");
		char *env[] = { kb_fmt("LD_PRELOAD=%s", ksamp), kb_fmt("KSAMP_OUT=%s", cpu),
				kb_fmt("KSAMP_HZ=%s", hz ? hz : "199"), NULL };
		int st = kb_spawn(argv, (const char *const *)env, log, c->timeout_s * 2);

		kb_argv_free(argv);
		r->has_cpu = kb_isfile(cpu, R_OK);
		if (r->has_cpu && kprof) {
			char *title = kb_fmt("CPU: %s", c->label), *flog = kb_fmt("%s/flame.log", dir);
			char *fargv[] = { (char *)kprof, "flame", cpu, "-o", svg, "--title", title, NULL };

			r->has_flame = kb_spawn(fargv, NULL, flog, 120) == 0 && kb_isfile(svg, R_OK);
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
	r->seconds = kb_now() - t0;
	free(dir);
	free(runs);
}

/* ---- merge ------------------------------------------------------------ */

/* One "artifacts" entry, key: "ID/FILE", when the case produced it. */
static void kb_artifact(struct ku_json_writer *w, int have, const char *key, const char *id, const char *file)
{
	char *p;

	if (!have)
		return;
	p = kb_fmt("%s/%s", id, file);
	ku_json_kv_string(w, key, p);
	free(p);
}

static void kb_write_bench(struct ku_json_writer *w, const struct kb_result *r, size_t bi, struct kb_result *sum)
{
	const struct ku_json *b0 = ku_json_at(ku_json_get(r->reps[0], "benchmarks"), bi);
	size_t maxreps = 0, nrep = 0, nsum = 0;
	struct kb_flat *per, sumf[KB_MAX_METRICS];
	size_t *nper;
	struct kb_flat kflat[KB_MAX_METRICS];
	size_t nk = 0;
	const struct ku_json *kb = ku_json_at(ku_json_get(r->kalloc_json, "benchmarks"), bi);
	double permsg[3];
	double *tmp;
	const char *id = r->c->id;

	/* repetitions: every driver process contributes its own repetitions
	   (or its metrics, when it reports none) */
	for (int i = 0; i < r->nreps; i++) {
		const struct ku_json *b = ku_json_at(ku_json_get(r->reps[i], "benchmarks"), bi);
		size_t n = ku_json_count(ku_json_get(b, "repetitions"));

		maxreps += n ? n : 1;
	}
	per = calloc(maxreps * KB_MAX_METRICS, sizeof(*per));
	nper = calloc(maxreps, sizeof(*nper));
	tmp = calloc(maxreps + (size_t)r->nreps, sizeof(*tmp));
	if (!per || !nper || !tmp)
		kb_die("out of memory");
	for (int i = 0; i < r->nreps; i++) {
		const struct ku_json *b = ku_json_at(ku_json_get(r->reps[i], "benchmarks"), bi);
		const struct ku_json *reps = ku_json_get(b, "repetitions");

		if (ku_json_count(reps) && reps->type == KU_JSON_ARRAY) {
			for (size_t k = 0; k < reps->len; k++, nrep++)
				nper[nrep] = kb_flatten(&reps->kids[k], per + nrep * KB_MAX_METRICS, KB_MAX_METRICS);
		} else {
			nper[nrep] = kb_flatten(ku_json_get(b, "metrics"), per + nrep * KB_MAX_METRICS, KB_MAX_METRICS);
			nrep++;
		}
	}
	/* summary: the driver's own figures with one process, else per-metric
	   medians of the processes' figures */
	nsum = kb_flatten(ku_json_get(b0, "metrics"), sumf, KB_MAX_METRICS);
	if (r->nreps > 1)
		for (size_t m = 0; m < nsum; m++) {
			size_t n = 0;

			for (int i = 0; i < r->nreps; i++) {
				struct kb_flat f[KB_MAX_METRICS];
				size_t nf = kb_flatten(ku_json_get(ku_json_at(ku_json_get(r->reps[i], "benchmarks"), bi), "metrics"),
						       f, KB_MAX_METRICS);
				const struct kb_flat *x = kb_flat_get(f, nf, sumf[m].name);

				if (x)
					tmp[n++] = x->v;
			}
			sumf[m].v = kb_median(tmp, n);
		}
	if (kb)
		nk = kb_flatten(ku_json_get(kb, "metrics"), kflat, KB_MAX_METRICS);
	kb_stats_per_msg(r->stats, &permsg[0], &permsg[1], &permsg[2]);
	ku_json_object_begin(w);
	ku_json_kv_string(w, "name", ku_json_as_string(ku_json_get(b0, "name"), r->c->driver));
	ku_json_kv_string(w, "backend", ku_json_as_string(ku_json_get(b0, "backend"), r->c->backend));
	ku_json_kv_string(w, "case", id);
	ku_json_kv_string(w, "label", r->c->label);
	ku_json_key(w, "config");
	if (ku_json_get(b0, "config"))
		ku_json_write_value(w, ku_json_get(b0, "config"));
	else {
		ku_json_object_begin(w);
		ku_json_object_end(w);
	}
	ku_json_key(w, "metrics");
	ku_json_object_begin(w);
	for (size_t m = 0; m < nsum; m++) {
		ku_json_kv_double(w, sumf[m].name, sumf[m].v);
		if (bi == 0) {
			if (!strcmp(sumf[m].name, "throughput_msgs_per_sec"))
				sum->thr = sumf[m].v;
			else if (!strcmp(sumf[m].name, "latency_p50_ns"))
				sum->p50 = sumf[m].v;
			else if (!strcmp(sumf[m].name, "latency_p99_ns"))
				sum->p99 = sumf[m].v;
		}
	}
	/* memory per message: the driver's own figures under kalloc, else stats.json */
	{
		static const char *const mm[] = { "allocs_per_msg", "bytes_per_msg", "live_growth_per_msg" };

		for (size_t k = 0; k < 3; k++) {
			const struct kb_flat *f = kb_flat_get(kflat, nk, mm[k]);
			double v = f ? f->v : permsg[k];

			if (kb_flat_get(sumf, nsum, mm[k]) || !isfinite(v))
				continue;
			ku_json_kv_double(w, mm[k], v);
			if (bi == 0 && k == 0)
				sum->allocs = v;
			if (bi == 0 && k == 1)
				sum->bytes = v;
		}
		if (r->stats && ku_json_get(r->stats, "peak_live_bytes"))
			ku_json_kv_double(w, "peak_live_bytes", ku_json_as_double(ku_json_get(r->stats, "peak_live_bytes"), 0));
		/* temporary allocations (full mode) per message counted */
		if (r->stats && !strcmp(ku_json_as_string(ku_json_get(r->stats, "mode"), ""), "full") &&
		    ku_json_as_double(ku_json_get(r->stats, "messages"), 0) > 0 && ku_json_get(r->stats, "total_temporary"))
			ku_json_kv_double(w, "temp_allocs_per_msg",
					  ku_json_as_double(ku_json_get(r->stats, "total_temporary"), 0) /
						  ku_json_as_double(ku_json_get(r->stats, "messages"), 1));
	}
	ku_json_object_end(w);
	ku_json_key(w, "repetitions");
	ku_json_array_begin(w);
	for (size_t i = 0; i < nrep; i++) {
		ku_json_object_begin(w);
		for (size_t m = 0; m < nper[i]; m++)
			ku_json_kv_double(w, per[i * KB_MAX_METRICS + m].name, per[i * KB_MAX_METRICS + m].v);
		ku_json_object_end(w);
	}
	ku_json_array_end(w);
	if (r->leaks) {
		double bytes = ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "definitely_lost"), "bytes"), 0) +
			       ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "indirectly_lost"), "bytes"), 0);
		double blocks = ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "definitely_lost"), "blocks"), 0) +
				ku_json_as_double(ku_json_get(ku_json_get(r->leaks, "indirectly_lost"), "blocks"), 0);

		ku_json_key(w, "leaks");
		ku_json_object_begin(w);
		ku_json_kv_double(w, "bytes", bytes);
		ku_json_kv_double(w, "blocks", blocks);
		ku_json_object_end(w);
		if (bi == 0)
			sum->leaked = bytes;
	}
	ku_json_key(w, "artifacts");
	ku_json_object_begin(w);
	kb_artifact(w, r->has_cpu, "cpu_profile", id, "cpu.pb.gz");
	kb_artifact(w, r->has_flame, "flame", id, "cpu.svg");
	kb_artifact(w, r->has_heap, "heap_profile", id, "heap.pb.gz");
	kb_artifact(w, r->has_mem_svg, "memory_timeline", id, "mem.svg");
	kb_artifact(w, r->has_leaks_txt, "leaks", id, "leaks.txt");
	kb_artifact(w, r->stats != NULL, "stats", id, "stats.json");
	kb_artifact(w, 1, "runs", id, "runs");
	ku_json_object_end(w);
	ku_json_object_end(w);
	free(per);
	free(nper);
	free(tmp);
}

static void kb_host(struct ku_json_writer *w)
{
	struct utsname u;
	char host[256] = "", model[256] = "";
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		char line[512];

		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
				snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = 0;
				break;
			}
		fclose(f);
	}
	gethostname(host, sizeof(host) - 1);
	uname(&u);
	ku_json_key(w, "host");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "hostname", host);
	ku_json_kv_int(w, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	ku_json_kv_string(w, "model", model);
	ku_json_kv_string(w, "kernel", u.release);
	ku_json_object_end(w);
}

static void kb_fmt_num(char *buf, size_t len, double v, const char *kind)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (!strcmp(kind, "thr"))
		snprintf(buf, len, v >= 1e6 ? "%.2fM/s" : v >= 1e3 ? "%.1fk/s" : "%.0f/s",
			 v >= 1e6 ? v / 1e6 : v >= 1e3 ? v / 1e3 : v);
	else if (!strcmp(kind, "ns"))
		snprintf(buf, len, v >= 1e6 ? "%.2f ms" : v >= 1e3 ? "%.1f us" : "%.0f ns",
			 v >= 1e6 ? v / 1e6 : v >= 1e3 ? v / 1e3 : v);
	else if (!strcmp(kind, "bytes"))
		snprintf(buf, len, v >= 1048576 ? "%.1f MiB" : v >= 10240 ? "%.1f KiB" : v >= 100 || v == rint(v) ? "%.0f B" : "%.1f B",
			 v >= 1048576 ? v / 1048576 : v >= 10240 ? v / 1024 : v);
	else
		snprintf(buf, len, "%.2f", v);
}

/* ---- private brokers (--start-brokers) ---------------------------------- */

struct kb_broker {
	char *script, *kind, *dir;
	char addr[64];
	int running, failed;
};

static char *kb_brokers_script(void)
{
	const char *env = getenv("KBENCH_BROKERS_SCRIPT");
	char *c1 = kb_fmt("%s/scripts/brokers", KB_SRCDIR), *c2 = kb_fmt("%s/brokers", KB_PKGDATADIR), *found;

	found = env ? kb_find(X_OK, env, (char *)NULL) : kb_find(X_OK, c1, c2, (char *)NULL);
	free(c1);
	free(c2);
	return found;
}

/* Starts rabbitmq (k == 2, amqp) or mosquitto (k == 3, mqtt) through
 * scripts/brokers in OUT/brokers/KIND; on success sets o->brokers[k]. A
 * failure becomes a skip note with the reason. */
static void kb_start_broker(struct kb_opts_run *o, size_t k, struct kb_broker *b, struct kb_skip *skips,
			    size_t *nskips)
{
	char *outp, *logp, port[32] = "", why[256] = "";
	FILE *f;
	int st;

	b->kind = strdup(k == 2 ? "rabbitmq" : "mosquitto");
	b->script = kb_brokers_script();
	b->dir = kb_fmt("%s/brokers/%s", o->out, b->kind);
	if (!b->script) {
		snprintf(why, sizeof(why), "scripts/brokers not found (set KBENCH_BROKERS_SCRIPT)");
	} else {
		char *argv[] = { b->script, "start", b->kind, b->dir, NULL };

		kb_mkdirs(b->dir);
		outp = kb_fmt("%s.port", b->dir);
		logp = kb_fmt("%s.log", b->dir);
		fprintf(stderr, "kbench: starting a private %s for %s ...\n", b->kind, kb__backend_names[k]);
		st = kb_spawn_out(argv, NULL, logp, outp, 180);
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

			kb_log_tail(logp, tail, sizeof(tail));
			snprintf(why, sizeof(why), "%s did not start: %.180s", b->kind, tail[0] ? tail : "no message");
		}
		free(outp);
		free(logp);
	}
	if (!b->running && *nskips < 8) {
		struct kb_skip *sk = &skips[(*nskips)++];

		b->failed = 1;
		snprintf(sk->backend, sizeof(sk->backend), "%s", kb__backend_names[k]);
		snprintf(sk->why, sizeof(sk->why), "%s skipped: %s", kb__backend_names[k], why);
		fprintf(stderr, "kbench: note: %s\n", sk->why);
	}
}

static void kb_stop_broker(struct kb_broker *b)
{
	if (b->running) {
		char *argv[] = { b->script, "stop", b->kind, b->dir, NULL };
		char *logp = kb_fmt("%s.stop.log", b->dir);

		if (kb_spawn(argv, NULL, logp, 120))
			fprintf(stderr, "kbench: warning: stopping %s failed, see %s\n", b->kind, logp);
		free(logp);
		b->running = 0;
	}
	free(b->script);
	free(b->kind);
	free(b->dir);
	b->script = b->kind = b->dir = NULL;
}

/* Writes the merged kprof-bench/1 document of res (cases run from bindir). */
static void kb_write_results(const char *path, const struct kb_opts_run *o, const char *bindir,
			     const struct kb_suite *suite, const char *suite_path, const char *kalloc,
			     const char *ksamp, double t0, const struct kb_skip *skips, size_t nskips,
			     struct kb_result *res, const struct kb_case *cases, size_t ncases)
{
	struct ku_json_writer w;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	const struct ku_json *first = NULL;
	int rc;

	for (size_t i = 0; i < ncases && !first; i++)
		if (res[i].ok && res[i].nreps)
			first = res[i].reps[0];
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ku_json_writer_init(&w, KU_JSON_PRETTY);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-bench/1");
	ku_json_kv_string(&w, "timestamp", ts);
	ku_json_kv_string(&w, "suite", suite->name);
	ku_json_kv_string(&w, "git_commit", o->commit ? o->commit
			  : getenv("KBENCH_COMMIT") ? getenv("KBENCH_COMMIT")
			  : ku_json_as_string(ku_json_get(first, "git_commit"), "unknown"));
	ku_json_kv_string(&w, "compiler", ku_json_as_string(ku_json_get(first, "compiler"), NULL));
	if (first && ku_json_get(first, "host")) {
		ku_json_key(&w, "host");
		ku_json_write_value(&w, ku_json_get(first, "host"));
	} else {
		kb_host(&w);
	}
	ku_json_key(&w, "kbench");
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "suite_file", suite_path);
	ku_json_kv_string(&w, "bindir", bindir);
	ku_json_kv_string(&w, "kalloc", kalloc);
	ku_json_kv_string(&w, "ksamp", ksamp);
	ku_json_kv_double(&w, "seconds", kb_now() - t0);
	ku_json_object_end(&w);
	ku_json_key(&w, "notes");
	ku_json_array_begin(&w);
	for (size_t k = 0; k < nskips; k++)
		ku_json_string(&w, skips[k].why);
	for (size_t i = 0; i < ncases; i++)
		if (res[i].why[0] && !res[i].ok) {
			char *n = kb_fmt("case %s failed: %s", cases[i].id, res[i].why);

			ku_json_string(&w, n);
			free(n);
		}
	ku_json_array_end(&w);
	ku_json_key(&w, "benchmarks");
	ku_json_array_begin(&w);
	for (size_t i = 0; i < ncases; i++) {
		size_t nb;

		if (!res[i].ok || !res[i].nreps)
			continue;
		nb = ku_json_count(ku_json_get(res[i].reps[0], "benchmarks"));
		for (size_t b = 0; b < nb; b++)
			kb_write_bench(&w, &res[i], b, &res[i]);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	rc = ku_json_writer_error(&w);
	if (!rc)
		rc = ku_json_writer_save(&w, path);
	ku_json_writer_free(&w);
	if (rc)
		kb_die("%s: cannot write (%s)", path, strerror(-rc));
}

/* kbench ab: the plain runs of every case, alternating the drivers of two
 * builds process by process (A B, B A, A B, ...) so that drift of the
 * machine during the run hits both sides alike; then kprof compare. */
static int kb_ab(const struct kb_opts_run *o, const struct kb_suite *s, const char *suite_path,
		 const struct kb_case *cases, size_t ncases, const char *kprof, const struct kb_skip *skips,
		 size_t nskips, struct kb_broker *started, double t0)
{
	struct kb_result *rb = calloc(ncases ? ncases : 1, sizeof(*rb)), *rn = calloc(ncases ? ncases : 1, sizeof(*rn));
	char *dirb = kb_fmt("%s/base", o->out), *dirn = kb_fmt("%s/new", o->out);
	char *base = realpath(o->ab_base, NULL), *cur = realpath(o->ab_new, NULL);
	size_t nfailed = 0;
	int rc = 0;

	if (!rb || !rn)
		kb_die("out of memory");
	if (!base || !cur)
		kb_die("--%s %s: %s", base ? "new" : "base", base ? o->ab_new : o->ab_base, strerror(errno));
	kb_mkdirs(dirb);
	kb_mkdirs(dirn);
	for (size_t i = 0; i < ncases && !kb__interrupted; i++) {
		const struct kb_case *c = &cases[i];
		char *pb = kb_fmt("%s/%s", base, c->argv[0]), *pn = kb_fmt("%s/%s", cur, c->argv[0]);
		char *runb = kb_fmt("%s/%s/runs", dirb, c->id), *runn = kb_fmt("%s/%s/runs", dirn, c->id);
		const char *broker = kb_broker_for(o, c);
		int skipped = 0;

		rb[i].c = rn[i].c = c;
		for (size_t k = 0; k < nskips; k++)
			skipped |= !strcmp(skips[k].backend, c->backend);
		if (!skipped && (!kb_isfile(pb, X_OK) || !kb_isfile(pn, X_OK))) {
			fprintf(stderr, "kbench: note: %s skipped: %s not in both --base and --new\n", c->id, c->argv[0]);
			skipped = 1;
		}
		if (!skipped) {
			kb_mkdirs(runb);
			kb_mkdirs(runn);
			fprintf(stderr, "[%*zu/%zu] %-52s", ncases >= 100 ? 3 : ncases >= 10 ? 2 : 1, i + 1, ncases, c->label);
			rb[i].ok = rn[i].ok = 1;
			for (int p = 0; p < c->processes && rb[i].ok && rn[i].ok && !kb__interrupted; p++) {
				int first_new = p % 2; /* ABBA order */

				if (first_new ? kb_run_plain(c, &rn[i], cur, runn, broker) : kb_run_plain(c, &rb[i], base, runb, broker))
					(first_new ? &rn[i] : &rb[i])->ok = 0;
				else if (first_new ? kb_run_plain(c, &rb[i], base, runb, broker)
						   : kb_run_plain(c, &rn[i], cur, runn, broker))
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
	for (size_t k = 0; k < 4; k++)
		kb_stop_broker(&started[k]);
	{
		char *fb = kb_fmt("%s/results.json", dirb), *fn = kb_fmt("%s/results.json", dirn);

		kb_write_results(fb, o, base, s, suite_path, NULL, NULL, t0, skips, nskips, rb, cases, ncases);
		kb_write_results(fn, o, cur, s, suite_path, NULL, NULL, t0, skips, nskips, rn, cases, ncases);
		if (kprof) {
			char *md = kb_fmt("%s/compare.md", o->out), *log = kb_fmt("%s/compare.log", o->out);
			char *margv[] = { (char *)kprof, "compare", fb, fn, "--format", "markdown", "-o", md, "--threshold",
					  (char *)(o->threshold ? o->threshold : "5%"), NULL };
			char *targv[] = { (char *)kprof, "compare", fb, fn, "--threshold",
					  (char *)(o->threshold ? o->threshold : "5%"), NULL };
			pid_t pid;
			int st = 2;

			kb_spawn(margv, NULL, log, 300);
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
		kb_result_free(&rb[i]);
		kb_result_free(&rn[i]);
	}
	free(rb);
	free(rn);
	free(dirb);
	free(dirn);
	free(base);
	free(cur);
	return rc;
}

static void kb_usage(FILE *f)
{
fprintf(f, "usage: kbench run --suite quick|full|FILE --out DIR [--bindir DIR] [--kprof PATH]\n"
	   "                  [--kalloc PATH] [--ksamp PATH] [--reps N] [--count N]\n"
	   "                  [--backends LIST] [--broker BACKEND=ADDR]... [--commit SHA]\n"
	   "                  [--start-brokers] [--no-profile] [--ci-reports [--source-root DIR]]\n"
	   "       kbench list --suite quick|full|FILE     print the cases without running them\n"
	   "See kbench(1).\n");
}

static char *kb_find_suite(const char *name)
{
	char *c1, *c2, *c3, *found;

	if (strchr(name, '/') || kb_isfile(name, R_OK)) {
		struct stat st;

		if (stat(name, &st))
			kb_die("suite file %s: %s", name, strerror(errno));
		if (!kb_isfile(name, R_OK))
			kb_die("suite file %s: not a readable regular file", name);
		return strdup(name);
	}
	c1 = kb_fmt("%s/suites/%s.suite", KB_PKGDATADIR, name);
	c2 = kb_fmt("%s/suites/%s.suite", kb__exedir, name);
	c3 = kb_fmt("%s/bench/suites/%s.suite", KB_SRCDIR, name);
	/* an installed kbench reads the installed suites, a build-tree one the
	   source tree's */
	if (!strcmp(kb__exedir, KB_BINDIR))
		found = kb_find(R_OK, c2, c1, c3, (char *)NULL);
	else
		found = kb_find(R_OK, c2, c3, c1, (char *)NULL);
	free(c1);
	free(c2);
	free(c3);
	if (!found)
		kb_die("no suite named '%s' (looked in %s/suites and %s/bench/suites; give a file path)", name,
		       KB_PKGDATADIR, KB_SRCDIR);
	return found;
}

int main(int argc, char **argv)
{
	struct kb_opts_run o = { 0 };
	struct kb_suite suite;
	struct kb_case *cases = NULL;
	struct kb_result *res;
	int status;
	struct kb_skip skips[8];
	struct kb_broker started[4] = { 0 };
	size_t ncases = 0, nskips = 0, nfailed = 0, nran = 0;
	char err[512], *suite_path, *kprof, *kalloc, *ksamp, *bindir;
	int list_only, ab;
	double t0 = kb_now();

	{
		ssize_t n = readlink("/proc/self/exe", kb__exedir, sizeof(kb__exedir) - 1);
		char *slash;

		if (n > 0) {
			kb__exedir[n] = 0;
			if ((slash = strrchr(kb__exedir, '/')))
				*slash = 0;
		} else {
			snprintf(kb__exedir, sizeof(kb__exedir), ".");
		}
	}
	if (argc < 2) {
		kb_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		kb_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kbench %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "run") && strcmp(argv[1], "list") && strcmp(argv[1], "ab")) {
		fprintf(stderr, "kbench: unknown command '%s'\n", argv[1]);
		kb_usage(stderr);
		return 2;
	}
	list_only = !strcmp(argv[1], "list");
	ab = !strcmp(argv[1], "ab");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

#define KB_OPT(name, field) if (!strcmp(a, name)) { if (!v) kb_die("%s needs a value", name); o.field = v; i++; continue; }
		KB_OPT("--suite", suite)
		KB_OPT("--out", out)
		KB_OPT("--bindir", bindir)
		KB_OPT("--kprof", kprof)
		KB_OPT("--kalloc", kalloc)
		KB_OPT("--ksamp", ksamp)
		KB_OPT("--backends", backends)
		KB_OPT("--count", count)
		KB_OPT("--commit", commit)
		KB_OPT("--base", ab_base)
		KB_OPT("--new", ab_new)
		KB_OPT("--threshold", threshold)
		KB_OPT("--source-root", source_root)
#undef KB_OPT
		if (!strcmp(a, "--reps") && v) {
			char *end;
			long r = strtol(v, &end, 10);

			if (*end || r <= 0 || r > 1000)
				kb_die("--reps: '%s' is not an integer in 1..%d", v, 1000);
			o.reps = (int)r;
			i++;
		} else if (!strcmp(a, "--processes") && v) {
			char *end;
			long r = strtol(v, &end, 10);

			if (*end || r <= 0 || r > KB_MAX_REPS)
				kb_die("--processes: '%s' is not an integer in 1..%d", v, KB_MAX_REPS);
			o.processes = (int)r;
			i++;
		} else if (!strcmp(a, "--broker") && v) {
			const char *eq = strchr(v, '=');
			size_t k;

			for (k = 0; k < 4; k++)
				if (eq && (size_t)(eq - v) == strlen(kb__backend_names[k]) &&
				    !strncmp(v, kb__backend_names[k], (size_t)(eq - v)))
					break;
			if (k == 4 || !eq[1])
				kb_die("--broker: want BACKEND=ADDRESS (kafka, amqp or mqtt), got '%s'", v);
			o.brokers[k] = eq + 1;
			i++;
		} else if (!strcmp(a, "--start-brokers")) {
			o.start_brokers = 1;
		} else if (!strcmp(a, "--ci-reports")) {
			o.ci_reports = 1;
		} else if (!strcmp(a, "--no-profile")) {
			o.no_profile = 1;
		} else if (!strcmp(a, "--quiet")) {
			o.quiet = 1;
		} else {
			fprintf(stderr, "kbench: unknown or incomplete option '%s'\n", a);
			kb_usage(stderr);
			return 2;
		}
	}
	if (!o.suite)
		kb_die("run needs --suite quick|full|FILE");
	if (!list_only && !o.out)
		kb_die("%s needs --out DIR", argv[1]);
	if (ab && (!o.ab_base || !o.ab_new))
		kb_die("ab needs --base BINDIR and --new BINDIR (the drivers of the two builds)");
	if (o.count) {
		char *end;

		if (strtod(o.count, &end) <= 0 || *end)
			kb_die("--count: '%s' is not a positive number", o.count);
	}
	suite_path = kb_find_suite(o.suite);
	if (kb_suite_load(suite_path, &suite, err, sizeof(err)))
		kb_die("%s", err);
	if (o.backends) {
		char *dup = strdup(o.backends), *save = NULL;

		for (char *t = strtok_r(dup, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
			size_t k;

			for (k = 0; k < 4 && strcmp(t, kb__backend_names[k]); k++)
				;
			if (k == 4)
				kb_die("--backends: unknown backend '%s' (memory, kafka, amqp, mqtt)", t);
		}
		free(dup);
	}
	{
		int rc = kb_suite_cases(&suite, o.backends, o.reps, o.count, &cases, &ncases);

		if (rc == -E2BIG)
			kb_die("%s: the matrix expands to more than %d cases", suite_path, KB_SUITE_MAX_CASES);
		if (rc == -EEXIST)
			kb_die("%s: two driver blocks produce the same case", suite_path);
		if (rc)
			kb_die("out of memory");
	}
	for (size_t i = 0; i < ncases; i++) {
		if (o.processes)
			cases[i].processes = o.processes;
		else if (ab && cases[i].processes < 3)
			cases[i].processes = 3; /* interleaving needs a few processes a side */
	}
	if (list_only) {
		printf("suite %s (%s): %zu case%s\n", suite.name, suite_path, ncases, ncases == 1 ? "" : "s");
		for (size_t i = 0; i < ncases; i++) {
			printf("  %-40s %d reps:", cases[i].id, cases[i].reps);
			for (int j = 0; j < cases[i].argc; j++)
				printf(" %s", cases[i].argv[j]);
			printf("\n");
		}
		kb_cases_free(cases, ncases);
		kb_suite_free(&suite);
		free(suite_path);
		return 0;
	}
	if (!ncases)
		kb_die("suite %s has no case for backends '%s'", suite.name, o.backends ? o.backends : "(all)");

	/* Find the parts: options, then the build tree, then the installed layout. */
	{
		char *b1 = kb_fmt("%s/bench_pub", kb__exedir), *b2 = kb_fmt("%s/bench_pub", KB_BINDIR);

		if (o.bindir)
			bindir = realpath(o.bindir, NULL);
		else if (kb_isfile(b1, X_OK))
			bindir = strdup(kb__exedir);
		else if (kb_isfile(b2, X_OK))
			bindir = strdup(KB_BINDIR);
		else
			bindir = strdup(kb__exedir);
		free(b1);
		free(b2);
		if (!bindir)
			kb_die("--bindir %s: %s", o.bindir, strerror(errno));
		o.bindir = bindir;
	}
	{
		char *k1 = kb_fmt("%s/../analyze/kprof", kb__exedir), *k2 = kb_fmt("%s/kprof", kb__exedir);
		char *k3 = kb_fmt("%s/kprof", KB_BINDIR);
		char *a1 = kb_fmt("%s/../preload/.libs/libkalloc.so", kb__exedir), *a2 = kb_fmt("%s/libkalloc.so", KB_LIBDIR);
		char *s1 = kb_fmt("%s/../sampler/.libs/libksamp.so", kb__exedir), *s2 = kb_fmt("%s/libksamp.so", KB_LIBDIR);

		kprof = o.kprof ? kb_find(X_OK, o.kprof, (char *)NULL) : kb_find(X_OK, k1, k2, k3, (char *)NULL);
		kalloc = o.kalloc ? kb_find(R_OK, o.kalloc, (char *)NULL) : kb_find(R_OK, a1, a2, (char *)NULL);
		ksamp = o.ksamp ? kb_find(R_OK, o.ksamp, (char *)NULL) : kb_find(R_OK, s1, s2, (char *)NULL);
		if (o.kprof && !kprof)
			kb_die("--kprof %s: not an executable file", o.kprof);
		if (o.kalloc && !kalloc)
			kb_die("--kalloc %s: not a readable file", o.kalloc);
		if (o.ksamp && !ksamp)
			kb_die("--ksamp %s: not a readable file", o.ksamp);
		free(k1); free(k2); free(k3); free(a1); free(a2); free(s1); free(s2);
	}
	{
		struct stat st;
		int rc = kb_mkdirs(o.out);

		if (rc)
			kb_die("--out %s: %s", o.out, strerror(-rc));
		if (stat(o.out, &st) || !S_ISDIR(st.st_mode))
			kb_die("--out %s: not a directory", o.out);
	}
	{
		char *abs = realpath(o.out, NULL);

		if (!abs)
			kb_die("--out %s: %s", o.out, strerror(errno));
		o.out = abs;
	}
	fprintf(stderr, "kbench: suite %s (%s), %zu case%s, output in %s\n", suite.name, suite_path, ncases,
		ncases == 1 ? "" : "s", o.out);
	if (!kalloc && suite.profile_kalloc && !o.no_profile)
		fprintf(stderr, "kbench: note: libkalloc.so not found (--kalloc PATH): no memory figures\n");
	if (!ksamp && suite.profile_ksamp && !o.no_profile)
		fprintf(stderr, "kbench: note: libksamp.so not found (--ksamp PATH): no CPU profiles\n");
	if (!kprof)
		fprintf(stderr, "kbench: note: kprof not found (--kprof PATH): no flame graphs, no report\n");

	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = kb__on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	/* Backends that cannot run here are skipped up front, with the reason;
	   with --start-brokers, private brokers are started for them first. */
	for (size_t k = 2; k < 4; k++) {
		int used = 0;

		for (size_t i = 0; i < ncases; i++)
			used |= !strcmp(cases[i].backend, kb__backend_names[k]);
		if (used && !o.brokers[k] && o.start_brokers)
			kb_start_broker(&o, k, &started[k], skips, &nskips);
		if (used && !o.brokers[k] && !started[k].failed) {
			struct kb_skip *sk = &skips[nskips++];

			snprintf(sk->backend, sizeof(sk->backend), "%s", kb__backend_names[k]);
			snprintf(sk->why, sizeof(sk->why), "%s skipped: no broker address (pass --broker %s=HOST:PORT, "
				 "or --start-brokers to start a private one)", kb__backend_names[k], kb__backend_names[k]);
			fprintf(stderr, "kbench: note: %s\n", sk->why);
		}
	}
	if (ab) {
		status = kb_ab(&o, &suite, suite_path, cases, ncases, kprof, skips, nskips, started, t0);
		goto done;
	}
	res = calloc(ncases, sizeof(*res));
	if (!res)
		kb_die("out of memory");
	for (size_t i = 0; i < ncases; i++) {
		const struct kb_case *c = &cases[i];
		char *prog = kb_fmt("%s/%s", o.bindir, c->argv[0]);
		int skipped = 0;

		res[i].c = c;
		res[i].thr = res[i].p50 = res[i].p99 = res[i].allocs = res[i].bytes = res[i].leaked = NAN;
		for (size_t k = 0; k < nskips; k++)
			skipped |= !strcmp(skips[k].backend, c->backend);
		if (!skipped && !kb_isfile(prog, X_OK)) {
			struct kb_skip *sk = nskips < 8 ? &skips[nskips++] : NULL;

			if (sk) {
				snprintf(sk->backend, sizeof(sk->backend), "%s", c->backend);
				snprintf(sk->why, sizeof(sk->why), "%s cases skipped: driver %s not found (--bindir DIR)",
					 c->driver, prog);
				fprintf(stderr, "kbench: note: %s\n", sk->why);
			}
		}
		free(prog);
		if (skipped)
			continue;
		{
			char *p2 = kb_fmt("%s/%s", o.bindir, c->argv[0]);

			if (!kb_isfile(p2, X_OK)) {
				free(p2);
				continue;
			}
			free(p2);
		}
		if (kb__interrupted)
			break;
		kb_run_case(&o, &suite, c, &res[i], kprof, kalloc, ksamp, (int)i + 1, (int)ncases);
		nran++;
		if (!res[i].ok) {
			/* a backend that is not built or cannot start fails every case:
			   say so once and skip the rest of it */
			if (strstr(res[i].why, "unknown backend") || strstr(res[i].why, "not built") ||
			    strstr(res[i].why, "not compiled")) {
				if (nskips < 8) {
					struct kb_skip *sk = &skips[nskips++];

					snprintf(sk->backend, sizeof(sk->backend), "%s", c->backend);
					snprintf(sk->why, sizeof(sk->why), "%s skipped: %.200s", c->backend, res[i].why);
					fprintf(stderr, "kbench: note: %s\n", sk->why);
				}
				res[i].why[0] = 0;
			} else {
				nfailed++;
				fprintf(stderr, "kbench: case %s failed: %s (log in %s/%s/runs)\n", c->id, res[i].why, o.out,
					c->id);
			}
		}
	}

	for (size_t k = 0; k < 4; k++)
		kb_stop_broker(&started[k]);
	if (kb__interrupted) {
		fprintf(stderr, "kbench: interrupted (signal %d); partial results in %s\n", (int)kb__interrupted, o.out);
		nfailed++;
	}

	/* results.json */
	{
		char *path = kb_fmt("%s/results.json", o.out);

		kb_write_results(path, &o, o.bindir, &suite, suite_path, kalloc, ksamp, t0, skips, nskips, res, cases,
				 ncases);
		free(path);
	}
	/* report.html */
	if (kprof) {
		char *rep = kb_fmt("%s/report.html", o.out), *log = kb_fmt("%s/report.log", o.out);
		char *rargv[] = { kprof, "report", (char *)o.out, "-o", rep, NULL };

		if (kb_spawn(rargv, NULL, log, 120))
			fprintf(stderr, "kbench: note: kprof report failed, see %s\n", log);
		free(rep);
		free(log);
	}

	int ci_written = o.ci_reports ? kb_ci_reports(kprof, o.out, o.source_root) : 0;

	/* Summary table and the paths of everything written. */
	if (!o.quiet) {
		double secs = kb_now() - t0;

		printf("\nkbench: suite %s: %zu case%s run, %zu failed, %zu backend note%s, %.0fs\n\n", suite.name, nran,
		       nran == 1 ? "" : "s", nfailed, nskips, nskips == 1 ? "" : "s", secs);
		int w = 20;

		for (size_t i = 0; i < ncases; i++)
			if (res[i].ok && (int)strlen(cases[i].label) > w)
				w = (int)strlen(cases[i].label);
		if (w > 72)
			w = 72;
		printf("%-*s %11s %10s %10s %11s %10s %9s\n", w, "case", "throughput", "p50", "p99", "allocs/msg",
		       "bytes/msg", "leaked");
		for (size_t i = 0; i < ncases; i++) {
			char a[32], b[32], c[32], d[32], e[32], f[32];

			if (!res[i].ok)
				continue;
			kb_fmt_num(a, sizeof(a), res[i].thr, "thr");
			kb_fmt_num(b, sizeof(b), res[i].p50, "ns");
			kb_fmt_num(c, sizeof(c), res[i].p99, "ns");
			kb_fmt_num(d, sizeof(d), res[i].allocs, "num");
			kb_fmt_num(e, sizeof(e), res[i].bytes, "bytes");
			kb_fmt_num(f, sizeof(f), res[i].leaked, "bytes");
			printf("%-*.*s %11s %10s %10s %11s %10s %9s\n", w, w, cases[i].label, a, b, c, d, e, f);
		}
		for (size_t i = 0; i < ncases; i++)
			if (!res[i].ok && res[i].why[0])
				printf("%-*.*s FAILED: %s\n", w, w, cases[i].label, res[i].why);
		for (size_t k = 0; k < nskips; k++)
			printf("note: %s\n", skips[k].why);
		printf("\nwritten:\n");
		printf("  %-12s %s/results.json\n", "results", o.out);
		{
			char *rep = kb_fmt("%s/report.html", o.out);

			if (kb_isfile(rep, R_OK))
				printf("  %-12s %s\n", "report", rep);
			free(rep);
		}
		if (ci_written == 2)
			printf("  %-12s %s/leaks.sarif %s/leaks.junit.xml\n", "ci reports", o.out, o.out);
		printf("  %-12s %s/<case>/{cpu.pb.gz,cpu.svg,heap.pb.gz,leaks.txt,stats.json,runs/}\n", "per case", o.out);
		for (size_t i = 0; i < ncases; i++)
			if (res[i].has_flame) {
				printf("  %-12s %s/%s/cpu.svg\n", "e.g. flame", o.out, cases[i].id);
				break;
			}
		printf("\nnext: kprof compare BASE/results.json %s/results.json; kprof history add history.db %s/results.json\n",
		       o.out, o.out);
	}
	for (size_t i = 0; i < ncases; i++)
		kb_result_free(&res[i]);
	free(res);
	status = nfailed ? 1 : 0;
done:
	kb_cases_free(cases, ncases);
	kb_suite_free(&suite);
	free(suite_path);
	free(kprof);
	free(kalloc);
	free(ksamp);
	free(bindir);
	free((char *)o.out);
	return status;
}
