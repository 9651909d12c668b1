/* SPDX-License-Identifier: MIT */
/*
 * results-svg: HTML page frame and SVG charts for `kprof report` and
 * `kprof history dashboard`. Charts are drawn here, in C, into inline SVG
 * (paths, no script), so a page is one self-contained file that renders
 * without network, without JavaScript and identically in every browser;
 * each data point carries a <title> tooltip with its exact value.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "results.h"

static const char *const palette[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
};
#define KU_PAL_N (sizeof(palette) / sizeof(palette[0]))

void kan_html_escape(FILE *f, const char *s)
{
	kan_escape(f, s, KAN_ESC_XML_ATTR); /* valid in text and in attributes */
}

void kan_html_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	kan_html_escape(f, title);
	fputs("</title>\n<style>\n"
	      "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#222;background:#fafafa}\n"
	      "header{background:#263238;color:#eceff1;padding:14px 24px}header h1{margin:0;font-size:20px}\n"
	      "header p{margin:4px 0 0;color:#b0bec5}main{padding:8px 24px 40px;max-width:1200px}\n"
	      "h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\n"
	      "table{border-collapse:collapse;background:#fff;margin:6px 0;font-size:13px}\n"
	      "th,td{border:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top}\n"
	      "th{background:#eceff1}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	      ".charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #e0e0e0}\n"
	      ".reg{color:#c62828;font-weight:600}.imp{color:#2e7d32}.note{color:#6d4c41}\n"
	      "svg text{font:11px system-ui,sans-serif;fill:#333}svg .t{font-size:13px;font-weight:600}\n"
	      "code{background:#eceff1;padding:0 3px}header code{background:#37474f;color:#eceff1}\n"
	      "</style>\n</head>\n<body>\n", f);
}

void kan_html_tail(FILE *f)
{
	fputs("</body>\n</html>\n", f);
}

/* A "nice" step for about n ticks over span. */
static double nice_step(double span, int n)
{
	double raw = span / n, mag = pow(10, floor(log10(raw))), r = raw / mag;

	if (r < 1.5)
		return mag;
	if (r < 3)
		return 2 * mag;
	if (r < 7)
		return 5 * mag;
	return 10 * mag;
}

static void tick_label(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(buf, len, "%gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (a >= 1e3)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

/* Three significant digits with an SI suffix: 1.02M, 45.6k, 0.123. */
static void tick_label3(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(buf, len, "%.3gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (a >= 1e3)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else
		snprintf(buf, len, "%.3g", v);
}

void kan_svg_lines(FILE *f, const char *title, const char *ylabel,
		   const struct kan_series *s, size_t ns)
{
	const double W = 560, H = 250, L = 58, R = 12, T = 28, B = 46;
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY, step;

	for (size_t k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			double x = s[k].x ? s[k].x[i] : (double)i, y = s[k].y[i];

			if (!isfinite(y))
				continue;
			xmin = fmin(xmin, x);
			xmax = fmax(xmax, x);
			ymin = fmin(ymin, y);
			ymax = fmax(ymax, y);
		}
	fprintf(f, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" role=\"img\">\n",
		W, H, W, H);
	fprintf(f, "<text class=\"t\" x=\"%g\" y=\"18\">", L);
	kan_html_escape(f, title);
	fputs("</text>\n", f);
	if (!isfinite(ymin)) {
		fprintf(f, "<text x=\"%g\" y=\"%g\">no data</text>\n</svg>\n", W / 2 - 20, H / 2);
		return;
	}
	/* y from 0 when the data sits well above it: trends read honestly */
	if (ymin > 0 && ymin < ymax * 0.6)
		ymin = 0;
	if (ymax == ymin) {
		double d = ymax != 0 ? fabs(ymax) * 0.1 : 1;

		ymin -= d;
		ymax += d;
	}
	step = nice_step(ymax - ymin, 5);
	ymin = floor(ymin / step) * step;
	ymax = ceil(ymax / step) * step;
	if (xmax == xmin)
		xmax = xmin + 1;
#define KX(x) (L + ((x) - xmin) / (xmax - xmin) * (W - L - R))
#define KY(y) (H - B - ((y) - ymin) / (ymax - ymin) * (H - T - B))
	fprintf(f, "<path d=\"M%g %gH%gM%g %gV%g\" stroke=\"#999\" fill=\"none\"/>\n", L, H - B, W - R, L, T, H - B);
	for (double y = ymin; y <= ymax + step / 2; y += step) {
		char lab[32];

		tick_label(fabs(y) < step * 1e-9 ? 0 : y, lab, sizeof(lab));
		fprintf(f, "<path d=\"M%g %.1fH%g\" stroke=\"#eee\"/><text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			L + 1, KY(y), W - R, L - 4, KY(y) + 4, lab);
	}
	{
		char a[32], b[32];

		tick_label(xmin, a, sizeof(a));
		tick_label(xmax, b, sizeof(b));
		fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"start\">%s</text><text x=\"%g\" y=\"%g\" text-anchor=\"end\">%s</text>\n",
			L, H - B + 13, a, W - R, H - B + 13, b);
	}
	fprintf(f, "<text x=\"12\" y=\"%g\" transform=\"rotate(-90 12 %g)\" text-anchor=\"middle\">", (H - B + T) / 2,
		(H - B + T) / 2);
	kan_html_escape(f, ylabel);
	fputs("</text>\n", f);
	for (size_t k = 0; k < ns; k++) {
		const char *col = palette[k % KU_PAL_N];
		int pen = 0;
		size_t drawn = 0;

		fprintf(f, "<path d=\"");
		for (size_t i = 0; i < s[k].n; i++) {
			double x = s[k].x ? s[k].x[i] : (double)i, y = s[k].y[i];

			if (!isfinite(y)) {
				pen = 0;
				continue;
			}
			fprintf(f, "%c%.1f %.1f", pen ? 'L' : 'M', KX(x), KY(y));
			pen = 1;
			drawn++;
		}
		fprintf(f, "\" stroke=\"%s\" stroke-width=\"1.8\" fill=\"none\"/>\n", col);
		for (size_t i = 0; i < s[k].n && (s[k].n <= 120 || (s[k].marks && s[k].marks[i])); i++) {
			double x = s[k].x ? s[k].x[i] : (double)i, y = s[k].y[i];
			int mark = s[k].marks && s[k].marks[i];

			if (!isfinite(y))
				continue;
			if (s[k].n > 120 && !mark)
				continue;
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"><title>", KX(x), KY(y),
				mark ? "4.5" : "2.5", mark ? "#c62828" : col);
			kan_html_escape(f, s[k].name);
			fprintf(f, " #%zu: %.6g%s</title></circle>\n", i + 1, y, mark ? " (regression)" : "");
		}
		if (s[k].n > 120 && s[k].marks)
			for (size_t i = 0; i < s[k].n; i++)
				if (s[k].marks[i] && isfinite(s[k].y[i]))
					fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#c62828\"><title>regression at #%zu: %.6g</title></circle>\n",
						KX(s[k].x ? s[k].x[i] : (double)i), KY(s[k].y[i]), i + 1, s[k].y[i]);
		/* legend */
		fprintf(f, "<path d=\"M%g %gh14\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%g\" y=\"%g\">",
			L + (double)(k % 3) * 170, H - 24 + (double)(k / 3) * 13, col,
			L + (double)(k % 3) * 170 + 18, H - 20 + (double)(k / 3) * 13);
		kan_html_escape(f, s[k].name);
		fputs("</text>\n", f);
		(void)drawn;
	}
	fputs("</svg>\n", f);
#undef KX
#undef KY
}

void kan_svg_bars(FILE *f, const char *title, const char *metric, const char *unit,
		  const char *const *labels, const double *v, size_t n)
{
	const double R = 100, T = 30, BH = 18, GAP = 5;
	double H = T + (double)n * (BH + GAP) + 12, vmax = 0, vmin = 0, L = 120, W, x0, scale;
	size_t longest = 0;

	/* room for the longest label (about 6 px a character at 11 px) */
	for (size_t i = 0; i < n; i++)
		if (labels[i] && strlen(labels[i]) > longest)
			longest = strlen(labels[i]);
	L = fmax(L, fmin(480, 14 + 6.2 * (double)longest));
	W = L + 330;

	/* signed values grow left and right of a zero line */
	for (size_t i = 0; i < n; i++) {
		if (isfinite(v[i])) {
			vmax = fmax(vmax, v[i]);
			vmin = fmin(vmin, v[i]);
		}
	}
	scale = vmax > vmin ? (W - L - R) / (vmax - vmin) : 0;
	x0 = L - vmin * scale;
	fprintf(f, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" role=\"img\">\n",
		W, H, W, H);
	fprintf(f, "<text class=\"t\" x=\"8\" y=\"18\">");
	kan_html_escape(f, title);
	fputs("</text>\n", f);
	if (!n) {
		fprintf(f, "<text x=\"%g\" y=\"%g\">no data</text>\n</svg>\n", W / 2 - 20, H / 2);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		double y = T + (double)i * (BH + GAP);
		double w = isfinite(v[i]) ? fabs(v[i]) * scale : 0, bx;
		char val[64];

		if (w < 1 && isfinite(v[i]))
			w = 1;
		bx = isfinite(v[i]) && v[i] < 0 ? x0 - w : x0;
		if (!isfinite(v[i]))
			snprintf(val, sizeof(val), "-");
		else if (metric)
			kan_metric_fmt(metric, v[i], val, sizeof(val));
		else
		{
			char num[32];

			tick_label3(v[i], num, sizeof(num));
			snprintf(val, sizeof(val), "%s%s%s", num, unit && *unit ? " " : "", unit ? unit : "");
		}
		fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">", L - 6, y + BH - 5);
		kan_html_escape(f, labels[i]);
		fprintf(f, "</text><path d=\"M%.1f %gh%.1fv%gh%.1fz\" fill=\"%s\"><title>", bx, y, w, BH, -w,
			palette[i % KU_PAL_N]);
		kan_html_escape(f, labels[i]);
		fprintf(f, ": ");
		kan_html_escape(f, val);
		fprintf(f, "</title></path><text x=\"%.1f\" y=\"%g\">", fmax(bx + w, x0) + 4, y + BH - 5);
		kan_html_escape(f, val);
		fputs("</text>\n", f);
	}
	if (vmin < 0)
		fprintf(f, "<path d=\"M%.1f %gV%g\" stroke=\"#555\"/>\n", x0, T - 4, H - 8);
	fputs("</svg>\n", f);
}
