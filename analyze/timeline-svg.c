/* SPDX-License-Identifier: MIT */
/*
 * timeline-svg: the memory chart of a timeline (timeline.h) as a
 * self-contained SVG (no script, no external resource): live bytes and
 * RSS over time, kalloc_phase() phases shaded and named, the global peak
 * marked with its time, size and message count; below, when the program
 * counted messages, live bytes over messages. Every point carries a
 * tooltip. Also `kprof timeline PREFIX -o mem.svg`.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "kprof.h"
#include "profile.h"
#include "timeline.h"

#define KAN_TL_W 960.0
#define KAN_TL_H 260.0
#define KAN_TL_LEFT 80.0
#define KAN_TL_RIGHT 20.0
#define KAN_TL_TOP 40.0

static void tl_esc(FILE *f, const char *s)
{
	kan_escape(f, s, KAN_ESC_XML_ATTR);
}

/* A round step of about range/5. */
static double tl_step(double range)
{
	double s = 1, r = range / 5;

	if (r <= 0)
		return 1;
	while (s * 10 <= r)
		s *= 10;
	while (s > r && s > 1e-9)
		s /= 10;
	if (s * 5 <= r)
		return s * 5;
	if (s * 2 <= r)
		return s * 2;
	return s;
}

struct kan__tl_axes {
	double x0, y0, w, h; /* plot area */
	double xmax, ymax;
};

static double tl_x(const struct kan__tl_axes *a, double v)
{
	return a->x0 + (a->xmax > 0 ? v / a->xmax : 0) * a->w;
}

static double tl_y(const struct kan__tl_axes *a, double v)
{
	return a->y0 + a->h - (a->ymax > 0 ? v / a->ymax : 0) * a->h;
}

static void tl_frame(FILE *f, const struct kan__tl_axes *a, const char *xlabel, int xsec)
{
	double st = tl_step(a->ymax), v;
	char buf[32];

	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n",
		a->x0, a->y0, a->w, a->h);
	for (v = 0; v <= a->ymax * 1.0001; v += st) {
		kan_format_value((int64_t)v, "bytes", buf, sizeof(buf));
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"ax\">%s</text>\n",
			a->x0, a->x0 + a->w, tl_y(a, v), tl_y(a, v), a->x0 - 4, tl_y(a, v) + 4, buf);
	}
	st = tl_step(a->xmax);
	for (v = 0; v <= a->xmax * 1.0001; v += st) {
		if (xsec)
			snprintf(buf, sizeof(buf), "%g s", v / 1e9);
		else
			snprintf(buf, sizeof(buf), "%.0f", v);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"ax\">%s</text>\n",
			tl_x(a, v), a->y0 + a->h + 14, buf);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"ax\">%s</text>\n",
		a->x0 + a->w / 2, a->y0 + a->h + 30, xlabel);
}

/* A polyline of field (0 live, 1 rss) against x (0 time, 1 messages). */
static void tl_line(FILE *f, const struct kan_timeline *tl, const struct kan__tl_axes *a, int field, int xm,
		    const char *color, const char *id)
{
	size_t i;

	fprintf(f, "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", id, color);
	for (i = 0; i < tl->npt; i++) {
		const struct kan_tl_point *p = &tl->pt[i];
		double x = xm ? (double)p->messages : (double)p->t_ns;
		double y = field ? (double)p->rss : (double)(p->live > 0 ? p->live : 0);

		fprintf(f, "%s%.1f,%.1f", i ? " " : "", tl_x(a, x), tl_y(a, y));
	}
	fputs("\"/>\n", f);
}

int kan_timeline_svg(const struct kan_timeline *tl, const char *title, FILE *f)
{
	struct kan__tl_axes a;
	uint64_t rss = kan_timeline_peak_rss(tl), tmax = tl->duration_ns, mmax = tl->messages;
	double ymax = (double)(rss > tl->peak_live ? rss : tl->peak_live);
	int msgs = tl->messages > 0 && tl->npt > 1;
	double height = KAN_TL_TOP + KAN_TL_H + 50 + (msgs ? KAN_TL_H + 60 : 0) + 10;
	char pk[32], t[64];
	size_t i;

	if (ymax <= 0)
		ymax = 1;
	for (i = 0; i < tl->npt; i++) {
		if (tl->pt[i].t_ns > tmax)
			tmax = tl->pt[i].t_ns;
		if (tl->pt[i].messages > mmax)
			mmax = tl->pt[i].messages;
	}
	if (tmax == 0)
		tmax = 1;
	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\" class=\"kprof-timeline\">\n"
		   "<style>text{font-family:Verdana,sans-serif;font-size:11px;fill:#222}.ax{font-size:10px;fill:#555}"
		   ".t{font-size:15px}.ph{font-size:10px;fill:#666}</style>\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		KAN_TL_W, height, KAN_TL_W, height);
	fputs("<text x=\"480\" y=\"20\" text-anchor=\"middle\" class=\"t\">", f);
	tl_esc(f, title && *title ? title : "Memory over time");
	fputs("</text>\n", f);

	a.x0 = KAN_TL_LEFT;
	a.y0 = KAN_TL_TOP;
	a.w = KAN_TL_W - KAN_TL_LEFT - KAN_TL_RIGHT;
	a.h = KAN_TL_H;
	a.xmax = (double)tmax;
	a.ymax = ymax * 1.05;
	/* phases: shaded bands, alternately */
	for (i = 0; i < tl->nph; i++) {
		double x1 = tl_x(&a, (double)tl->ph[i].t_ns);
		double x2 = tl_x(&a, i + 1 < tl->nph ? (double)tl->ph[i + 1].t_ns : (double)tmax);

		fprintf(f, "<g class=\"phase\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			   "<title>phase ",
			x1, a.y0, x2 > x1 ? x2 - x1 : 0, a.h, i % 2 ? "#e8eef8" : "#f4f4f4");
		tl_esc(f, tl->ph[i].name);
		fprintf(f, " from %.3f s</title></rect><text x=\"%.1f\" y=\"%.1f\" class=\"ph\">", (double)tl->ph[i].t_ns / 1e9,
			x1 + 3, a.y0 + 12);
		tl_esc(f, tl->ph[i].name);
		fputs("</text></g>\n", f);
	}
	tl_frame(f, &a, "time", 1);
	tl_line(f, tl, &a, 1, 0, "#e08020", "rss");
	tl_line(f, tl, &a, 0, 0, "#2060c0", "live");
	kan_format_value((int64_t)tl->peak_bytes, "bytes", pk, sizeof(pk));
	snprintf(t, sizeof(t), "%.3f s", (double)tl->peak_t_ns / 1e9);
	fprintf(f, "<g id=\"peak\" data-t-ns=\"%llu\" data-bytes=\"%llu\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
		   "fill=\"#d02020\"><title>peak: %s live at %s, message %llu</title></circle>"
		   "<text x=\"%.1f\" y=\"%.1f\" fill=\"#d02020\">peak %s at %s</text></g>\n",
		(unsigned long long)tl->peak_t_ns, (unsigned long long)tl->peak_bytes, tl_x(&a, (double)tl->peak_t_ns),
		tl_y(&a, (double)tl->peak_bytes), pk, t, (unsigned long long)tl->peak_messages,
		tl_x(&a, (double)tl->peak_t_ns) + 6, tl_y(&a, (double)tl->peak_bytes) - 6, pk, t);
	fprintf(f, "<g class=\"legend\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"30\" y2=\"30\" stroke=\"#2060c0\" "
		   "stroke-width=\"2\"/><text x=\"%.1f\" y=\"34\">live heap bytes</text>"
		   "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"30\" y2=\"30\" stroke=\"#e08020\" stroke-width=\"2\"/>"
		   "<text x=\"%.1f\" y=\"34\">RSS</text></g>\n",
		a.x0, a.x0 + 20, a.x0 + 24, a.x0 + 140, a.x0 + 160, a.x0 + 164);

	if (msgs) {
		a.y0 = KAN_TL_TOP + KAN_TL_H + 60;
		a.xmax = (double)mmax;
		a.ymax = (double)(tl->peak_live > 0 ? tl->peak_live : 1) * 1.05;
		tl_frame(f, &a, "messages", 0);
		tl_line(f, tl, &a, 0, 1, "#2060c0", "live-per-message");
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#d02020\"><title>peak: %s live at message "
			   "%llu</title></circle>\n",
			tl_x(&a, (double)tl->peak_messages), tl_y(&a, (double)tl->peak_bytes), pk,
			(unsigned long long)tl->peak_messages);
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* A prefix, or a path to one of its files: the timeline's path. */
static void tl_path(const char *arg, char *out, size_t size)
{
	static const char *const sfx[] = {".timeline.json", ".heap.pb.gz", ".stats.json", ".leaks.json", ".leaks.txt"};
	size_t n = strlen(arg), i;

	if (n >= 13 && strcmp(arg + n - 13, "timeline.json") == 0) {
		snprintf(out, size, "%s", arg); /* the file itself (kbench's <case>/timeline.json) */
		return;
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t l = strlen(sfx[i]);

		if (n > l && strcmp(arg + n - l, sfx[i]) == 0) {
			snprintf(out, size, "%.*s.timeline.json", (int)(n - l), arg);
			return;
		}
	}
	snprintf(out, size, "%s.timeline.json", arg);
}

int kan_cmd_timeline(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"title", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *title = NULL;
	struct kan_timeline tl;
	char path[4200], err[512];
	FILE *f;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'T': title = optarg; break;
		case 'h':
			printf("usage: kprof timeline PREFIX -o mem.svg [--title T]\n");
			return 0;
		default:
			return kan_die("timeline: unknown or incomplete option '%s' (see kprof --help)", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc || !out)
		return kan_die("timeline: usage: kprof timeline PREFIX -o mem.svg [--title T]");
	tl_path(argv[optind], path, sizeof(path));
	if (kan_timeline_load(path, &tl, err, sizeof(err)))
		return kan_die("%s", err);
	f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
	if (!f) {
		kan_timeline_free(&tl);
		return kan_die("%s: %s", out, strerror(errno));
	}
	rc = kan_timeline_svg(&tl, title ? title : argv[optind], f);
	if (f != stdout && fclose(f) != 0)
		rc = -EIO;
	kan_timeline_free(&tl);
	if (rc)
		return kan_die("%s: write error", out);
	return 0;
}

void kan_timeline_path(const char *arg, char *out, size_t size)
{
	tl_path(arg, out, size);
}
