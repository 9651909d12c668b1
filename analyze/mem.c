/* SPDX-License-Identifier: MIT */
/*
 * kprof mem: heaptrack_print's view of a libkalloc.so run, from
 * <prefix>.timeline.json and <prefix>.heap.pb.gz: a summary (calls,
 * temporary allocations, peak, RSS, leaked, per message), then the
 * allocation sites ranked four ways (live bytes at the global peak, calls,
 * temporary allocations, bytes still live at exit) with per-message
 * columns when the program counted messages, and the allocation-size
 * histogram. --json writes the same as one document (kprof-formats(7),
 * "kprof-mem/1").
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "json.h"
#include "kprof.h"
#include "profile.h"
#include "timeline.h"

#define KAN_MEM_FRAMES 4 /* frames shown per site in text */

enum { KAN_MEM_CALLS, KAN_MEM_BYTES, KAN_MEM_TEMPS, KAN_MEM_PEAK, KAN_MEM_LEAK, KAN_MEM_LEAKN, KAN_MEM_N };

struct kan__site {
	size_t sample;
	int64_t v[KAN_MEM_N];
};

static int mem_key;

static int mem_cmp(const void *a, const void *b)
{
	const struct kan__site *x = a, *y = b;

	if (x->v[mem_key] != y->v[mem_key])
		return x->v[mem_key] > y->v[mem_key] ? -1 : 1;
	if (x->v[KAN_MEM_BYTES] != y->v[KAN_MEM_BYTES])
		return x->v[KAN_MEM_BYTES] > y->v[KAN_MEM_BYTES] ? -1 : 1;
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

/* Frame names of sample s, leaf first, through fn. */
static void mem_frames(const struct kan_profile *p, size_t s, void (*fn)(const char *name, void *arg), void *arg,
		       size_t max)
{
	const struct kan_sample *sm = &p->samples[s];
	size_t k, j, n = 0;

	for (k = 0; k < sm->nlocs && n < max; k++) {
		size_t nf;
		const uint32_t *f = kan_loc_frames(p, p->sample_locs[sm->loc_off + k], &nf);

		for (j = 0; j < nf && n < max; j++, n++)
			fn(p->frame_names[f[j]], arg);
	}
}

static void mem_txt_frame(const char *name, void *arg)
{
	int *first = arg;

	fputs(*first ? "" : " < ", stdout);
	kan_escape(stdout, name, KAN_ESC_TEXT);
	*first = 0;
}

static void mem_json_frame(const char *name, void *arg)
{
	ku_json_string(arg, name);
}

static const char *const mem_title[] = {
	[KAN_MEM_PEAK] = "PEAK MEMORY CONSUMERS (live bytes at the global peak)",
	[KAN_MEM_CALLS] = "MOST CALLS TO ALLOCATION FUNCTIONS",
	[KAN_MEM_TEMPS] = "MOST TEMPORARY ALLOCATIONS",
	[KAN_MEM_LEAK] = "MOST LEAKED (still live at exit)",
};
static const char *const mem_key_json[] = {
	[KAN_MEM_PEAK] = "peak_consumers",
	[KAN_MEM_CALLS] = "most_calls",
	[KAN_MEM_TEMPS] = "most_temporary",
	[KAN_MEM_LEAK] = "most_leaked",
};

static void mem_fmt(int64_t v, const char *unit, char *buf, size_t n)
{
	kan_format_value(v, unit, buf, n);
}

static void mem_section_txt(const struct kan_profile *p, struct kan__site *s, size_t n, int key, long top,
			    const struct kan_timeline *tl, int have_temps)
{
	double m = (double)tl->messages;
	size_t i, shown = 0;
	char b1[32], b2[32];

	mem_key = key;
	qsort(s, n, sizeof(*s), mem_cmp);
	printf("\n%s\n", mem_title[key]);
	printf("%10s %10s %10s %10s", key == KAN_MEM_PEAK ? "at peak" : key == KAN_MEM_LEAK ? "leaked" : "bytes",
	       "calls", "temporary", "allocated");
	if (m > 0)
		printf(" %10s %10s %10s", "calls/msg", "temp/msg", "bytes/msg");
	printf("  site\n");
	for (i = 0; i < n && (long)shown < top; i++) {
		int first = 1;

		if (s[i].v[key] <= 0)
			break;
		mem_fmt(key == KAN_MEM_PEAK ? s[i].v[KAN_MEM_PEAK] : key == KAN_MEM_LEAK ? s[i].v[KAN_MEM_LEAK]
									     : s[i].v[KAN_MEM_BYTES],
			"bytes", b1, sizeof(b1));
		mem_fmt(s[i].v[KAN_MEM_BYTES], "bytes", b2, sizeof(b2));
		if (have_temps)
			printf("%10s %10" PRId64 " %10" PRId64 " %10s", b1, s[i].v[KAN_MEM_CALLS], s[i].v[KAN_MEM_TEMPS],
			       b2);
		else
			printf("%10s %10" PRId64 " %10s %10s", b1, s[i].v[KAN_MEM_CALLS], "-", b2);
		if (m > 0 && have_temps)
			printf(" %10.3f %10.3f %10.1f", (double)s[i].v[KAN_MEM_CALLS] / m,
			       (double)s[i].v[KAN_MEM_TEMPS] / m, (double)s[i].v[KAN_MEM_BYTES] / m);
		else if (m > 0)
			printf(" %10.3f %10s %10.1f", (double)s[i].v[KAN_MEM_CALLS] / m, "-",
			       (double)s[i].v[KAN_MEM_BYTES] / m);
		printf("  ");
		mem_frames(p, s[i].sample, mem_txt_frame, &first, KAN_MEM_FRAMES);
		printf("\n");
		shown++;
	}
	if (!shown)
		printf("  (none)\n");
}

static void mem_section_json(struct ku_json_writer *w, const struct kan_profile *p, struct kan__site *s,
			     size_t n, int key, long top, const struct kan_timeline *tl, int have_temps)
{
	double m = (double)tl->messages;
	size_t i, shown = 0;

	mem_key = key;
	qsort(s, n, sizeof(*s), mem_cmp);
	ku_json_key(w, mem_key_json[key]);
	ku_json_array_begin(w);
	for (i = 0; i < n && (long)shown < top && s[i].v[key] > 0; i++, shown++) {
		ku_json_object_begin(w);
		ku_json_kv_int(w, "calls", s[i].v[KAN_MEM_CALLS]);
		ku_json_kv_int(w, "bytes", s[i].v[KAN_MEM_BYTES]);
		ku_json_key(w, "temporary");
		if (have_temps)
			ku_json_int(w, s[i].v[KAN_MEM_TEMPS]);
		else
			ku_json_null(w);
		ku_json_key(w, "peak_bytes");
		if (have_temps)
			ku_json_int(w, s[i].v[KAN_MEM_PEAK]);
		else
			ku_json_null(w);
		ku_json_kv_int(w, "leaked_bytes", s[i].v[KAN_MEM_LEAK]);
		ku_json_kv_int(w, "leaked_blocks", s[i].v[KAN_MEM_LEAKN]);
		if (m > 0) {
			ku_json_kv_double(w, "calls_per_msg", (double)s[i].v[KAN_MEM_CALLS] / m);
			ku_json_kv_double(w, "bytes_per_msg", (double)s[i].v[KAN_MEM_BYTES] / m);
			if (have_temps)
				ku_json_kv_double(w, "temporary_per_msg", (double)s[i].v[KAN_MEM_TEMPS] / m);
		}
		ku_json_key(w, "stack");
		ku_json_array_begin(w);
		mem_frames(p, s[i].sample, mem_json_frame, w, SIZE_MAX);
		ku_json_array_end(w);
		ku_json_object_end(w);
	}
	ku_json_array_end(w);
}

int kan_cmd_mem(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const int keys[] = {KAN_MEM_PEAK, KAN_MEM_CALLS, KAN_MEM_TEMPS, KAN_MEM_LEAK};
	struct kan_timeline tl;
	struct kan_profile *p = NULL;
	struct kan__site *sites = NULL;
	size_t nsites = 0, i, k;
	char tpath[4200], hpath[4200], err[512], b1[32], b2[32];
	long top = 10;
	int c, json = 0, si[KAN_MEM_N], have_temps = 0, rc = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (kan_opt_long("mem", "-n", optarg, 1, KAN_OPT_COUNT_MAX, &top))
				return 2;
			break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: kprof mem PREFIX [-n N] [--json]\n");
			return 0;
		default:
			return kan_die("mem: unknown or incomplete option '%s' (see kprof --help)", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return kan_die("mem: usage: kprof mem PREFIX [-n N] [--json]");
	kan_timeline_path(argv[optind], tpath, sizeof(tpath));
	if (kan_timeline_load(tpath, &tl, err, sizeof(err)))
		return kan_die("%s", err);
	snprintf(hpath, sizeof(hpath), "%.*s.heap.pb.gz", (int)(strlen(tpath) - strlen(".timeline.json")), tpath);
	if (strcmp(tl.mode, "count") != 0) {
		if (kan_load(hpath, &p)) {
			kan_timeline_free(&tl);
			return 2;
		}
		si[KAN_MEM_CALLS] = kan_profile_sample_index(p, "alloc_objects");
		si[KAN_MEM_BYTES] = kan_profile_sample_index(p, "alloc_space");
		si[KAN_MEM_TEMPS] = kan_profile_sample_index(p, "temp_objects");
		si[KAN_MEM_PEAK] = kan_profile_sample_index(p, "peak_space");
		si[KAN_MEM_LEAK] = kan_profile_sample_index(p, "inuse_space");
		si[KAN_MEM_LEAKN] = kan_profile_sample_index(p, "inuse_objects");
		if (si[KAN_MEM_CALLS] < 0 || si[KAN_MEM_BYTES] < 0 || si[KAN_MEM_LEAK] < 0 || si[KAN_MEM_LEAKN] < 0) {
			rc = kan_die("mem: %s: not a heap profile (no alloc_objects/alloc_space/inuse_space)", hpath);
			goto out;
		}
		have_temps = si[KAN_MEM_TEMPS] >= 0 && si[KAN_MEM_PEAK] >= 0;
		if (kan_profile_frames(p) || (p->nsamples && !(sites = calloc(p->nsamples, sizeof(*sites))))) {
			rc = kan_die("out of memory");
			goto out;
		}
		for (i = 0; i < p->nsamples; i++) {
			const int64_t *v = p->values + i * p->nsample_types;

			sites[nsites].sample = i;
			for (k = 0; k < KAN_MEM_N; k++)
				sites[nsites].v[k] = si[k] >= 0 ? v[si[k]] : 0;
			nsites++;
		}
	}

	if (json) {
		struct ku_json_writer w;

		ku_json_writer_init(&w, KU_JSON_PRETTY);
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "schema", "kprof-mem/1");
		ku_json_kv_string(&w, "mode", tl.mode);
		ku_json_key(&w, "summary");
		ku_json_object_begin(&w);
		ku_json_kv_uint(&w, "calls", tl.allocs);
		ku_json_key(&w, "temporary");
		if (tl.has_temps)
			ku_json_uint(&w, tl.temps);
		else
			ku_json_null(&w);
		ku_json_kv_uint(&w, "bytes", tl.bytes);
		ku_json_kv_uint(&w, "peak_live_bytes", tl.peak_live);
		ku_json_kv_uint(&w, "peak_t_ns", tl.peak_t_ns);
		ku_json_kv_uint(&w, "peak_messages", tl.peak_messages);
		ku_json_kv_uint(&w, "peak_rss_bytes", kan_timeline_peak_rss(&tl));
		ku_json_kv_int(&w, "leaked_bytes", tl.live);
		ku_json_kv_uint(&w, "messages", tl.messages);
		ku_json_kv_uint(&w, "duration_ns", tl.duration_ns);
		if (tl.messages) {
			ku_json_kv_double(&w, "calls_per_msg", (double)tl.allocs / (double)tl.messages);
			ku_json_kv_double(&w, "bytes_per_msg", (double)tl.bytes / (double)tl.messages);
			if (tl.has_temps)
				ku_json_kv_double(&w, "temporary_per_msg", (double)tl.temps / (double)tl.messages);
		}
		ku_json_object_end(&w);
		for (k = 0; k < 4 && p; k++)
			if (keys[k] != KAN_MEM_TEMPS && keys[k] != KAN_MEM_PEAK ? 1 : have_temps)
				mem_section_json(&w, p, sites, nsites, keys[k], top, &tl, have_temps);
		ku_json_key(&w, "size_histogram");
		ku_json_array_begin(&w);
		for (i = 0; i < tl.nhist; i++) {
			ku_json_object_begin(&w);
			ku_json_kv_uint(&w, "min", tl.hist[i].min);
			ku_json_kv_uint(&w, "max", tl.hist[i].max);
			ku_json_kv_uint(&w, "count", tl.hist[i].count);
			ku_json_object_end(&w);
		}
		ku_json_array_end(&w);
		ku_json_object_end(&w);
		if (ku_json_writer_error(&w))
			rc = kan_die("out of memory");
		else
			printf("%s\n", ku_json_writer_text(&w, NULL));
		ku_json_writer_free(&w);
		goto out;
	}

	printf("kprof mem: %s (%s mode, %.3f s, %" PRIu64 " messages)\n", tpath, tl.mode, (double)tl.duration_ns / 1e9,
	       tl.messages);
	printf("\nSUMMARY\n");
	printf("  calls to allocation functions  %" PRIu64, tl.allocs);
	if (tl.messages)
		printf(" (%.3f/msg)", (double)tl.allocs / (double)tl.messages);
	printf("\n");
	if (tl.has_temps) {
		printf("  temporary allocations          %" PRIu64 " (%.2f%%", tl.temps,
		       tl.allocs ? 100.0 * (double)tl.temps / (double)tl.allocs : 0.0);
		if (tl.messages)
			printf(", %.3f/msg", (double)tl.temps / (double)tl.messages);
		printf(")\n");
	} else {
		printf("  temporary allocations          unknown (%s mode; full mode counts them)\n", tl.mode);
	}
	mem_fmt((int64_t)tl.bytes, "bytes", b1, sizeof(b1));
	printf("  bytes allocated                %s", b1);
	if (tl.messages)
		printf(" (%.1f/msg)", (double)tl.bytes / (double)tl.messages);
	printf("\n");
	mem_fmt((int64_t)tl.peak_live, "bytes", b1, sizeof(b1));
	printf("  peak heap memory consumption   %s at %.3f s (after %" PRIu64 " messages)\n", b1,
	       (double)tl.peak_t_ns / 1e9, tl.peak_messages);
	mem_fmt((int64_t)kan_timeline_peak_rss(&tl), "bytes", b2, sizeof(b2));
	printf("  peak RSS (sampled)             %s\n", b2);
	mem_fmt(tl.live, "bytes", b1, sizeof(b1));
	printf("  total memory leaked            %s (still live at exit; kprof leaks: by reachability)\n", b1);
	if (p) {
		for (k = 0; k < 4; k++)
			if ((keys[k] != KAN_MEM_TEMPS && keys[k] != KAN_MEM_PEAK) || have_temps)
				mem_section_txt(p, sites, nsites, keys[k], top, &tl, have_temps);
	} else {
		printf("\n(no allocation sites in %s mode)\n", tl.mode);
	}
	printf("\nSIZE HISTOGRAM (requested sizes)\n");
	if (!tl.nhist)
		printf("  (none: full mode records it)\n");
	for (i = 0; i < tl.nhist; i++) {
		uint64_t mx = 0;
		size_t j, bar;

		for (j = 0; j < tl.nhist; j++)
			if (tl.hist[j].count > mx)
				mx = tl.hist[j].count;
		bar = mx ? (size_t)(40.0 * (double)tl.hist[i].count / (double)mx + 0.5) : 0;
		printf("  %10" PRIu64 " - %-10" PRIu64 " %12" PRIu64 " ", tl.hist[i].min, tl.hist[i].max, tl.hist[i].count);
		for (j = 0; j < bar; j++)
			putchar('#');
		putchar('\n');
	}
out:
	free(sites);
	if (p)
		kan_profile_free(p);
	kan_timeline_free(&tl);
	return rc;
}
