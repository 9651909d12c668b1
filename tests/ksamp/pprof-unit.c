/* SPDX-License-Identifier: MIT */
/*
 * pprof-unit: lib/pprof.c builds, encodes and writes profiles that an
 * independent decoder (pbdecode.h) and, when installed, the real pprof
 * tool read back with exactly the content that was put in: interning,
 * id assignment, deduplication, sample merging, negative values, labels,
 * comments, period and times; errors (-EINVAL, -ENOSPC, -ENOENT) leave no
 * partial file behind.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ku.h"
#include "pprof.h"
#include "pbdecode.h"
#include "../tap.h"

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Run a shell command, capture its stdout into buf; returns exit status. */
static int run(const char *cmd, char *buf, size_t cap)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0, k;

	if (!f)
		return -1;
	while (n + 1 < cap && (k = fread(buf + n, 1, cap - n - 1, f)) > 0)
		n += k;
	buf[n] = 0;
	k = (size_t)pclose(f);
	return WIFEXITED((int)k) ? WEXITSTATUS((int)k) : -1;
}

/*
 * The encoding is deterministic: compare it byte for byte with the golden
 * file (KSAMP_REGOLDEN=1 rewrites it after a deliberate format change).
 */
static void check_golden(const uint8_t *raw, size_t len)
{
	const char *src = getenv("top_srcdir");
	char path[4096];
	uint8_t buf[8192];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/ksamp/golden/unit.pb", src ? src : ".");
	if (getenv("KSAMP_REGOLDEN") && (f = fopen(path, "wb"))) {
		fwrite(raw, 1, len, f);
		fclose(f);
	}
	if ((f = fopen(path, "rb"))) {
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
	}
	if (!tap_ok(n == len && !memcmp(buf, raw, len), "encoding matches tests/ksamp/golden/unit.pb"))
		tap_diag("  %zu bytes encoded, %zu in the golden file", len, n);
}

int main(void)
{
	struct ku_pprof_value_type types[] = {{"samples", "count"}, {"cpu", "nanoseconds"}};
	struct ku_pprof_value_type pt = {"cpu", "nanoseconds"};
	struct ku_pprof *p = NULL;
	struct pb_profile pr;
	uint64_t map1, map2, fmain, fwork, fwork2, finl, l1, l2, l3, l1b;
	char dir[] = "/tmp/kprof-pprof-unit.XXXXXX", path[256], cmd[1024], out[65536];
	uint8_t *raw;
	size_t len;
	int rc;

	tap_is_int(ku_pprof_new(&p, types, 0, NULL, 0), -EINVAL, "no sample types is -EINVAL");
	rc = ku_pprof_new(&p, types, 2, &pt, 10101010);
	tap_is_int(rc, 0, "ku_pprof_new");
	if (rc)
		return tap_done();
	tap_is_int(ku_pprof_string(p, ""), 0, "\"\" is string 0");
	tap_is_int(ku_pprof_string(p, NULL), 0, "NULL is string 0");
	tap_is_int(ku_pprof_string(p, "cpu"), ku_pprof_string(p, "cpu"), "strings are interned");

	struct ku_pprof_mapping m = {0x400000, 0x401000, 0, "/usr/bin/app", "0123abcd", true, true, true, false};
	tap_is_int(ku_pprof_mapping(p, &m, &map1), 0, "mapping 1");
	m.start = 0x7f0000000000;
	m.limit = 0x7f0000100000;
	m.offset = 0x1000;
	m.filename = "/lib/libc.so.6";
	m.build_id = NULL;
	tap_is_int(ku_pprof_mapping(p, &m, &map2), 0, "mapping 2");
	tap_ok(map1 == 1 && map2 == 2, "mapping ids are 1 and 2");
	m.limit = 0;
	tap_is_int(ku_pprof_mapping(p, &m, NULL), -EINVAL, "limit < start is -EINVAL");

	ku_pprof_function(p, "main", NULL, "app.c", 10, &fmain);
	ku_pprof_function(p, "work", "_Z4workv", "app.c", 20, &fwork);
	ku_pprof_function(p, "work", "_Z4workv", "app.c", 20, &fwork2);
	ku_pprof_function(p, "inl", NULL, "app.h", 3, &finl);
	tap_ok(fmain == 1 && fwork == 2 && fwork2 == 2 && finl == 3, "function ids 1,2,(2),3 (deduplicated)");

	struct ku_pprof_line lm = {fmain, 12}, lw[2] = {{finl, 4}, {fwork, 22}}, bad = {99, 1};
	tap_is_int(ku_pprof_location(p, map1, 0x400100, &lm, 1, &l1), 0, "location main");
	tap_is_int(ku_pprof_location(p, map1, 0x400200, lw, 2, &l2), 0, "location work+inline");
	tap_is_int(ku_pprof_location(p, map2, 0x7f0000000100, NULL, 0, &l3), 0, "unsymbolized location");
	tap_is_int(ku_pprof_location(p, map1, 0x400100, NULL, 0, &l1b), 0, "same address again");
	tap_ok(l1 == 1 && l2 == 2 && l3 == 3 && l1b == 1, "location ids 1,2,3, same address gives 1");
	tap_is_int(ku_pprof_location(p, map1, 0x400300, &bad, 1, NULL), -EINVAL, "unknown function is -EINVAL");
	tap_is_int(ku_pprof_location(p, 7, 0x400300, NULL, 0, NULL), -EINVAL, "unknown mapping is -EINVAL");

	uint64_t st1[] = {l2, l1}, st2[] = {l3, l2, l1}, stbad[] = {l1, 42};
	int64_t v1[] = {1, 10101010}, v2[] = {-5, -1};
	struct ku_pprof_label lab[] = {{"thread", "worker-1", 0, NULL}, {"tid", NULL, 4242, NULL}};
	struct ku_pprof_label lab2[] = {{"thread", "worker-2", 0, NULL}, {"tid", NULL, 4243, NULL}};
	tap_is_int(ku_pprof_sample(p, st1, 2, v1, lab, 2), 0, "sample 1");
	tap_is_int(ku_pprof_sample(p, st1, 2, v1, lab, 2), 0, "sample 1 again");
	tap_is_int(ku_pprof_sample(p, st1, 2, v1, lab2, 2), 0, "sample 1, other thread");
	tap_is_int(ku_pprof_sample(p, st2, 3, v2, NULL, 0), 0, "sample 2 (negative values)");
	tap_is_int(ku_pprof_sample(p, stbad, 2, v1, NULL, 0), -EINVAL, "unknown location is -EINVAL");
	tap_is_int(ku_pprof_sample_count(p), 3, "identical samples merged");
	ku_pprof_comment(p, "lost samples: 7");
	ku_pprof_comment(p, "hz: 99");
	ku_pprof_drop_frames(p, "^ksamp_");
	ku_pprof_set_time(p, 1700000000123456789LL, 2500000000LL);

	tap_is_int(ku_pprof_encode(p, &raw, &len), 0, "encode");
	rc = pb_parse(&pr, raw, len);
	tap_ok(rc == 0, "decoder accepts the encoding (%s)", pr.err);
	check_golden(raw, len);
	free(raw);
	tap_ok(pr.ntypes == 2 && !strcmp(pb_str(&pr, pr.types[0].type), "samples") &&
		       !strcmp(pb_str(&pr, pr.types[1].unit), "nanoseconds"),
	       "sample types samples/count, cpu/nanoseconds");
	tap_ok(!strcmp(pb_str(&pr, pr.period_type.type), "cpu") && pr.period == 10101010, "period type and period");
	tap_ok(pr.time_nanos == 1700000000123456789LL && pr.duration_nanos == 2500000000LL, "time and duration");
	tap_ok(pr.default_type == 0, "default_sample_type unset");
	tap_ok(!strcmp(pb_str(&pr, pr.drop), "^ksamp_"), "drop_frames");
	tap_ok(pr.ncomments == 2 && pb_comment_has(&pr, "lost samples: 7"), "comments");
	tap_is_int(pr.nsamples, 3, "3 samples decoded");
	tap_ok(pr.nsamples == 3 && pr.samples[0].vals[0] == 2 && pr.samples[0].vals[1] == 20202020,
	       "merged values summed");
	tap_ok(pr.nsamples == 3 && pr.samples[2].vals[0] == -5 && pr.samples[2].vals[1] == -1,
	       "negative values round-trip");
	if (pr.nsamples == 3) {
		int64_t num = 0;
		const char *t = pb_label(&pr, &pr.samples[1], "thread", NULL);

		tap_ok(t && !strcmp(t, "worker-2"), "string label");
		pb_label(&pr, &pr.samples[1], "tid", &num);
		tap_is_int(num, 4243, "numeric label");
		tap_ok(pb_sample_has(&pr, &pr.samples[0], "inl") && pb_sample_has(&pr, &pr.samples[0], "main"),
		       "inline and caller frames resolve by name");
		tap_ok(pr.samples[2].nlocs == 3 && pr.samples[2].locs[0] == l3, "leaf first");
	}
	tap_ok(pr.nmaps == 2 && !strcmp(pb_str(&pr, pr.maps[0].build_id), "0123abcd") && pr.maps[0].has_functions &&
		       pr.maps[1].offset == 0x1000,
	       "mappings with build id, flags and offset");
	tap_ok(pr.nfuncs == 3 && !strcmp(pb_str(&pr, pr.funcs[1].system_name), "_Z4workv") &&
		       pr.funcs[1].start_line == 20 && !strcmp(pb_str(&pr, pr.funcs[0].system_name), "main"),
	       "function names, system names, start lines");
	pb_free(&pr);

	if (!mkdtemp(dir))
		return tap_ok(0, "mkdtemp"), tap_done();
	snprintf(path, sizeof(path), "%s/p.pb.gz", dir);
	tap_is_int(ku_pprof_write_gz(p, path), 0, "write_gz");
	rc = pb_load(&pr, path);
	tap_ok(rc == 0 && pr.nsamples == 3 && pr.nlocs == 3, "gzip file decodes (%s)", pr.err);
	pb_free(&pr);
	tap_is_int(count_files(dir), 1, "no temporary file left");

	int full = open("/dev/full", O_WRONLY);
	if (full >= 0) {
		tap_is_int(ku_pprof_write_fd(p, full), -ENOSPC, "/dev/full reports -ENOSPC");
		close(full);
	} else {
		tap_skip("/dev/full not available");
	}
	snprintf(cmd, sizeof(cmd), "%s/missing/p.pb.gz", dir);
	tap_is_int(ku_pprof_write_gz(p, cmd), -ENOENT, "missing directory is -ENOENT");
	tap_is_int(count_files(dir), 1, "failed writes leave nothing");

	const char *pprof = getenv("PPROF");
	if (pprof && *pprof) {
		snprintf(cmd, sizeof(cmd), "'%s' -raw '%s' 2>&1", pprof, path);
		rc = run(cmd, out, sizeof(out));
		tap_ok(rc == 0 && strstr(out, "_Z4workv") && strstr(out, "0123abcd"), "pprof -raw reads it");
		if (rc)
			tap_diag("%s", out);
		snprintf(cmd, sizeof(cmd), "'%s' -top -sample_index=cpu '%s' 2>&1", pprof, path);
		rc = run(cmd, out, sizeof(out));
		tap_ok(rc == 0 && strstr(out, "inl") && strstr(out, "30.30ms"), "pprof -top shows inl with 30.30ms");
		if (rc)
			tap_diag("%s", out);
		snprintf(cmd, sizeof(cmd), "'%s' -tags '%s' 2>&1", pprof, path);
		rc = run(cmd, out, sizeof(out));
		tap_ok(rc == 0 && strstr(out, "worker-2"), "pprof -tags shows thread labels");
	} else {
		tap_skip("pprof not installed");
	}
	ku_pprof_free(p);

	/* Many distinct samples: hash tables grow, ids stay dense. */
	rc = ku_pprof_new(&p, types, 1, NULL, 0);
	uint64_t f, loc[3];
	int ok = rc == 0;
	ku_pprof_function(p, "f", NULL, NULL, 0, &f);
	struct ku_pprof_line ln = {f, 0};
	for (int i = 0; ok && i < 20000; i++) {
		int64_t one = 1;
		ok = !ku_pprof_location(p, 0, 0x1000 + (uint64_t)i, &ln, 1, &loc[0]) &&
		     !ku_pprof_location(p, 0, 0x1000 + (uint64_t)i % 97, &ln, 1, &loc[1]) &&
		     !ku_pprof_location(p, 0, 0x1000 + (uint64_t)i % 13, &ln, 1, &loc[2]) &&
		     !ku_pprof_sample(p, loc, 3, &one, NULL, 0) && !ku_pprof_sample(p, loc, 3, &one, NULL, 0);
	}
	tap_ok(ok, "20000 samples added twice");
	tap_is_int(ku_pprof_sample_count(p), 20000, "20000 distinct samples");
	ok = !ku_pprof_encode(p, &raw, &len) && !pb_parse(&pr, raw, len);
	tap_ok(ok && pr.nsamples == 20000 && pr.nlocs == 20000 && pr.samples[19999].vals[0] == 2,
	       "large profile round-trips");
	if (ok)
		free(raw);
	pb_free(&pr);
	ku_pprof_free(p);

	if (!getenv("KEEP")) unlink(path);
	rmdir(dir);
	return tap_done();
}
