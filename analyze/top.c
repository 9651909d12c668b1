/* SPDX-License-Identifier: MIT */
/*
 * kprof top: the flat/cumulative table of `pprof -top`, per function name.
 * flat is the value of samples whose leaf frame is the function; cum the
 * value of samples in which it appears at all (counted once per sample, so
 * recursion does not inflate it). With --diff BASE, each function's
 * figures are compared after scaling BASE to NEW's total, so two runs of
 * different lengths compare by share, and rows are ordered by the size of
 * the change. --absolute compares the figures as they are: what two heap
 * snapshots of one process need ("what grew since the last one").
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "kprof.h"
#include "profile.h"
#include "strmap.h"
#include "threads.h"
#include "tree.h"

struct kan__row {
	const char *name;
	int64_t flat, cum;
	double dflat, dcum; /* diff: new - scaled base */
	double bflat, bcum; /* diff: scaled base */
};

/* A name as the last column of a table row: escaped, so that one entry is
 * one line whatever bytes the name holds (escape.h). */
static void name_line(const char *name)
{
	kan_escape(stdout, name, KAN_ESC_TEXT);
	putchar('\n');
}

static int sort_cum;

static int cmp_row(const void *a, const void *b)
{
	const struct kan__row *x = a, *y = b;

	if (sort_cum && x->cum != y->cum)
		return x->cum > y->cum ? -1 : 1;
	if (!sort_cum && x->flat != y->flat)
		return x->flat > y->flat ? -1 : 1;
	return strcmp(x->name, y->name); /* ties by name, as pprof */
}

static int cmp_diff(const void *a, const void *b)
{
	const struct kan__row *x = a, *y = b;
	double dx = sort_cum ? x->dcum : x->dflat, dy = sort_cum ? y->dcum : y->dflat;

	dx = dx < 0 ? -dx : dx;
	dy = dy < 0 ? -dy : dy;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* flat/cum per frame of p for sample type si. */
static int flat_cum(struct kan_profile *p, int si, int64_t **flat, int64_t **cum, int64_t *total)
{
	uint32_t *stamp;

	if (kan_profile_frames(p))
		return -1;
	*flat = calloc(p->nframes + 1, sizeof(**flat));
	*cum = calloc(p->nframes + 1, sizeof(**cum));
	stamp = calloc(p->nframes + 1, sizeof(*stamp));
	if (!*flat || !*cum || !stamp) {
		free(stamp);
		return -1;
	}
	*total = 0;
	uint32_t *rep;
	int64_t *sum;
	long nst = kan_profile_stacks(p, si, &rep, &sum);
	if (nst < 0) {
		free(stamp);
		return -1;
	}
	for (long st = 0; st < nst; st++) {
		size_t i = (size_t)st;
		const struct kan_sample *s = &p->samples[rep[st]];
		int64_t v = sum[st];
		int leaf = 1;

		*total = kan_sat_add(*total, v);
		for (uint32_t k = 0; k < s->nlocs; k++) {
			size_t nf;
			const uint32_t *f = kan_loc_frames(p, p->sample_locs[s->loc_off + k], &nf);
			for (size_t q = 0; q < nf; q++) {
				uint32_t fr = f[q];
				if (leaf) {
					(*flat)[fr] = kan_sat_add((*flat)[fr], v);
					leaf = 0;
				}
				if (stamp[fr] != i + 1) {
					stamp[fr] = (uint32_t)(i + 1);
					(*cum)[fr] = kan_sat_add((*cum)[fr], v);
				}
			}
		}
	}
	free(stamp);
	free(rep);
	free(sum);
	return 0;
}

static double pct(double v, double total)
{
	return total != 0 ? 100.0 * v / total : 0.0;
}

static const char *type_label(const struct kan_profile *p, int si)
{
	return p->sample_types[si].type;
}

static int top_diff(struct kan_profile *np, int nsi, struct kan_profile *bp, const char *base_path,
			 const char *type, long n, int absolute)
{
	int bsi;
	int64_t *nflat, *ncum, *bflat, *bcum, ntot, btot;
	struct kan_tree names;
	int rc = 2;

	if (kan_pick_type(bp, base_path, type ? type : np->sample_types[nsi].type, &bsi))
		return 2;
	if (strcmp(bp->sample_types[bsi].unit, np->sample_types[nsi].unit))
		return kan_die("--diff: units differ (%s vs %s)", bp->sample_types[bsi].unit,
			       np->sample_types[nsi].unit);
	if (flat_cum(np, nsi, &nflat, &ncum, &ntot) || flat_cum(bp, bsi, &bflat, &bcum, &btot))
		return kan_die("out of memory");
	/* Unite names of both profiles: reuse the tree's name table. */
	if (kan_tree_init(&names))
		return kan_die("out of memory");
	size_t nrows = np->nframes + bp->nframes;
	struct kan__row *rows = calloc(nrows + 1, sizeof(*rows));
	if (!rows)
		goto oom;
	double scale = absolute ? 1.0 : btot != 0 ? (double)ntot / (double)btot : 0.0;
	/* rows indexed by the union name id: add NEW first, then BASE */
	struct kan_profile *ps[2] = { np, bp };
	for (int w = 0; w < 2; w++) {
		struct kan_profile *p = ps[w];
		for (size_t i = 0; i < p->nframes; i++) {
			size_t before = names.nnames;
			long id = kan_tree_name(&names, p->frame_names[i], p->frame_kind[i]);
			if (id < 0)
				goto oom;
			if ((size_t)id == before)
				rows[id].name = p->frame_names[i];
			if (w == 0) {
				rows[id].flat = nflat[i];
				rows[id].cum = ncum[i];
			} else {
				rows[id].bflat = (double)bflat[i] * scale;
				rows[id].bcum = (double)bcum[i] * scale;
			}
		}
	}
	nrows = names.nnames;
	for (size_t i = 0; i < nrows; i++) {
		rows[i].dflat = (double)rows[i].flat - rows[i].bflat;
		rows[i].dcum = (double)rows[i].cum - rows[i].bcum;
	}
	qsort(rows, nrows, sizeof(*rows), cmp_diff);
	const char *unit = np->sample_types[nsi].unit;
	char a[32], b[32], c[32];
	kan_format_value(ntot, unit, a, sizeof(a));
	kan_format_value(btot, unit, b, sizeof(b));
	fputs("Type: ", stdout);
	name_line(type_label(np, nsi));
	if (absolute)
		printf("New total %s, base total %s (absolute figures)\n", a, b);
	else
		printf("New total %s, base total %s (base scaled by %.4g to compare shares)\n", a, b, scale);
	printf("Showing top %ld changes out of %zu functions\n", n < (long)nrows ? n : (long)nrows, nrows);
	printf("%10s %8s %8s %8s %10s %8s  %s\n", "flat delta", "delta%", "base%", "new%", "cum delta", "delta%",
	       "function");
	for (size_t i = 0; i < nrows && (long)i < n; i++) {
		const struct kan__row *r = &rows[i];
		kan_format_value((int64_t)(r->dflat >= 0 ? r->dflat + 0.5 : r->dflat - 0.5), unit, a, sizeof(a));
		kan_format_value((int64_t)(r->dcum >= 0 ? r->dcum + 0.5 : r->dcum - 0.5), unit, c, sizeof(c));
		char sa[40], sc[40];
		snprintf(sa, sizeof(sa), "%s%s", r->dflat > 0 ? "+" : "", a);
		snprintf(sc, sizeof(sc), "%s%s", r->dcum > 0 ? "+" : "", c);
		printf("%10s %+7.2f%% %7.2f%% %7.2f%% %10s %+7.2f%%  ", sa, pct(r->dflat, (double)ntot),
		       pct(r->bflat, (double)ntot), pct((double)r->flat, (double)ntot), sc,
		       pct(r->dcum, (double)ntot));
		name_line(r->name);
	}
	rc = 0;
	goto done;
oom:
	rc = kan_die("out of memory");
done:
	free(rows);
	free(nflat);
	free(ncum);
	free(bflat);
	free(bcum);
	kan_tree_free(&names);
	return rc;
}

/* One (thread, leaf frame) share of a sample, for the per-thread table. */
struct kan__tl {
	uint32_t thread, leaf;
	int64_t tid, v;
};

static int cmp_tl(const void *a, const void *b)
{
	const struct kan__tl *x = a, *y = b;

	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->leaf != y->leaf)
		return x->leaf < y->leaf ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

struct kan__trow {
	const char *name;
	int64_t v, hot_v;
	uint32_t hot, ntids;
};

static int cmp_trow(const void *a, const void *b)
{
	const struct kan__trow *x = a, *y = b;

	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * --by-thread: one row per thread (by name; "threads" counts the thread
 * ids under it), with its total and its hottest function by flat value.
 */
static int top_threads(struct kan_profile *p, int si, long n)
{
	struct kan_strmap names = { 0 };
	struct kan__tl *tl = NULL;
	struct kan__trow *rows = NULL;
	const char **keys = NULL;
	size_t nt = 0, ntl = 0;
	int64_t total = 0;
	char buf[64], a[32], b[32];
	int rc = 2;

	if (kan_profile_frames(p))
		goto oom;
	tl = calloc(p->nsamples + 1, sizeof(*tl));
	keys = calloc(p->nsamples + 1, sizeof(*keys));
	if (!tl || !keys)
		goto oom;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct kan_sample *s = &p->samples[i];
		int64_t v = p->values[i * p->nsample_types + (size_t)si], tid = -1;
		const char *t = kan_thread_of(p, i, buf, sizeof(buf));
		uint32_t idx, leaf = UINT32_MAX;
		size_t slot, nf;
		int f;

		if (!v)
			continue;
		if ((f = kan_strmap_find(&names, t, &idx, &slot)) < 0)
			goto oom;
		if (!f) {
			if (!(keys[nt] = kan_profile_strdup(p, t, strlen(t))))
				goto oom;
			kan_strmap_put(&names, slot, keys[nt], (uint32_t)nt);
			idx = (uint32_t)nt++;
		}
		for (uint32_t k = 0; k < s->nlabels; k++)
			if (!strcmp(p->labels[s->label_off + k].key, "thread_id") && !p->labels[s->label_off + k].str)
				tid = p->labels[s->label_off + k].num;
		if (s->nlocs) {
			const uint32_t *fr = kan_loc_frames(p, p->sample_locs[s->loc_off], &nf);

			if (nf)
				leaf = fr[0];
		}
		tl[ntl++] = (struct kan__tl){ idx, leaf, tid, v };
		total = kan_sat_add(total, v);
	}
	qsort(tl, ntl, sizeof(*tl), cmp_tl);
	rows = calloc(nt + 1, sizeof(*rows));
	if (!rows)
		goto oom;
	for (size_t i = 0; i < nt; i++)
		rows[i].name = keys[i];
	for (size_t i = 0; i < ntl;) {
		struct kan__trow *r = &rows[tl[i].thread];
		size_t j = i;
		int64_t lv = 0;

		/* one run per (thread, leaf); tids sorted within it */
		while (j < ntl && tl[j].thread == tl[i].thread && tl[j].leaf == tl[i].leaf)
			lv = kan_sat_add(lv, tl[j++].v);
		r->v = kan_sat_add(r->v, lv);
		if (lv > r->hot_v || (lv == r->hot_v && r->hot_v == 0)) {
			r->hot_v = lv;
			r->hot = tl[i].leaf;
		}
		i = j;
	}
	/* distinct thread ids per row: sort by (thread, tid) */
	for (size_t i = 0; i < ntl; i++)
		tl[i].leaf = 0;
	qsort(tl, ntl, sizeof(*tl), cmp_tl);
	for (size_t i = 0; i < ntl; i++)
		if (i == 0 || tl[i].thread != tl[i - 1].thread || tl[i].tid != tl[i - 1].tid)
			rows[tl[i].thread].ntids++;
	qsort(rows, nt, sizeof(*rows), cmp_trow);
	const char *unit = p->sample_types[si].unit;
	kan_format_value(total, unit, b, sizeof(b));
	fputs("Type: ", stdout);
	name_line(type_label(p, si));
	printf("Showing %zu of %zu threads, %s total\n", (size_t)n < nt ? (size_t)n : nt, nt, b);
	printf("%10s %6s %7s  %-16s  %s\n", "flat", "flat%", "threads", "thread", "hottest function (flat, share of thread)");
	for (size_t i = 0; i < nt && (long)i < n; i++) {
		const struct kan__trow *r = &rows[i];

		kan_format_value(r->v, unit, a, sizeof(a));
		printf("%10s %5.2f%% %7u  ", a, pct((double)r->v, (double)total), r->ntids);
		for (size_t w = kan_escape(stdout, r->name, KAN_ESC_TEXT); w < 16; w++)
			putchar(' ');
		fputs("  ", stdout);
		if (r->hot == UINT32_MAX)
			fputs("[no stack]", stdout);
		else
			kan_escape(stdout, p->frame_names[r->hot], KAN_ESC_TEXT);
		printf(" (%.1f%%)\n", pct((double)r->hot_v, (double)r->v));
	}
	rc = 0;
	goto out;
oom:
	rc = kan_die("top: out of memory");
out:
	free(tl);
	free(keys);
	free(rows);
	kan_strmap_free(&names);
	return rc;
}

int kan_cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cum", no_argument, NULL, 'c' },
		{ "sample-type", required_argument, NULL, 't' },
		{ "diff", required_argument, NULL, 'd' },
		{ "absolute", no_argument, NULL, 'a' },
		{ "thread", required_argument, NULL, 'T' },
		{ "by-thread", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *type = NULL, *base = NULL, *thread = NULL;
	long n = 20;
	int c, si, rc, by_thread = 0, absolute = 0;

	optind = 1;
	opterr = 0;
	sort_cum = 0;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (kan_opt_long("top", "-n", optarg, 1, KAN_OPT_COUNT_MAX, &n))
				return 2;
			break;
		case 'c': sort_cum = 1; break;
		case 't': type = optarg; break;
		case 'd': base = optarg; break;
		case 'T': thread = optarg; break;
		case 'B': by_thread = 1; break;
		case 'a': absolute = 1; break;
		case 'h':
			printf("usage: kprof top PROFILE [-n N] [--cum] [--sample-type T] [--diff BASE [--absolute]] [--thread REGEX] "
			       "[--by-thread]\n");
			return 0;
		default:
			return kan_die("top: unknown or incomplete option '%s' (see kprof --help)", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return kan_die("top: expected one PROFILE (usage: kprof top PROFILE [-n N] [--cum] [--sample-type T])");
	if (by_thread && base)
		return kan_die("top: --by-thread and --diff do not go together");
	const char *path = argv[optind];
	struct kan_profile *p, *bp = NULL;
	if (kan_load_merged(path, &p))
		return 2;
	if (kan_pick_type(p, path, type, &si) || (thread && kan_thread_filter(p, thread, "top"))) {
		kan_profile_free(p);
		return 2;
	}
	if (base) {
		if (kan_load_merged(base, &bp) || (thread && kan_thread_filter(bp, thread, "top"))) {
			kan_profile_free(bp);
			kan_profile_free(p);
			return 2;
		}
		rc = top_diff(p, si, bp, base, type, n, absolute);
		kan_profile_free(bp);
		kan_profile_free(p);
		return rc;
	}
	if (by_thread) {
		rc = top_threads(p, si, n);
		kan_profile_free(p);
		return rc;
	}
	int64_t *flat, *cum, total;
	if (flat_cum(p, si, &flat, &cum, &total)) {
		kan_profile_free(p);
		return kan_die("out of memory");
	}
	struct kan__row *rows = calloc(p->nframes + 1, sizeof(*rows));
	if (!rows) {
		kan_profile_free(p);
		return kan_die("out of memory");
	}
	size_t nrows = 0;
	for (size_t i = 0; i < p->nframes; i++) {
		if (!flat[i] && !cum[i])
			continue;
		rows[nrows].name = p->frame_names[i];
		rows[nrows].flat = flat[i];
		rows[nrows].cum = cum[i];
		nrows++;
	}
	qsort(rows, nrows, sizeof(*rows), cmp_row);
	size_t shown = (size_t)n < nrows ? (size_t)n : nrows;
	int64_t shown_flat = 0;
	for (size_t i = 0; i < shown; i++)
		shown_flat = kan_sat_add(shown_flat, rows[i].flat);
	const char *unit = p->sample_types[si].unit;
	char a[32], b[32], d[32];
	kan_format_value(shown_flat, unit, a, sizeof(a));
	kan_format_value(total, unit, b, sizeof(b));
	fputs("Type: ", stdout);
	name_line(type_label(p, si));
	if (p->duration_nanos > 0) {
		kan_format_value(p->duration_nanos, "nanoseconds", d, sizeof(d));
		printf("Duration: %s, Total samples = %s\n", d, b);
	}
	printf("Showing nodes accounting for %s, %.2f%% of %s total\n", a, pct((double)shown_flat, (double)total),
	       b);
	if (shown < nrows)
		printf("Showing top %zu nodes out of %zu\n", shown, nrows);
	printf("%10s %6s %6s %10s %6s\n", "flat", "flat%", "sum%", "cum", "cum%");
	int64_t sum = 0;
	for (size_t i = 0; i < shown; i++) {
		sum = kan_sat_add(sum, rows[i].flat);
		kan_format_value(rows[i].flat, unit, a, sizeof(a));
		kan_format_value(rows[i].cum, unit, b, sizeof(b));
		printf("%10s %6.2f%% %6.2f%% %10s %6.2f%%  ", a, pct((double)rows[i].flat, (double)total),
		       pct((double)sum, (double)total), b, pct((double)rows[i].cum, (double)total));
		name_line(rows[i].name);
	}
	free(rows);
	free(flat);
	free(cum);
	kan_profile_free(p);
	return 0;
}
