/* SPDX-License-Identifier: MIT */
/*
 * svg: the flame graph renderer (see svg.h). Layout is a depth-first walk
 * of the name-sorted tree: a frame's x is its parent's x plus the widths
 * of its earlier siblings, its width its share of the total. Frames
 * narrower than the minimum width are not drawn (nor their children, which
 * are narrower still) and are counted in the subtitle, which bounds the
 * output size whatever the number of distinct stacks. Colours depend on
 * the frame's kind (palette) and on a hash of its name (shade), so a
 * function keeps its colour across graphs.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "profile.h"
#include "svg.h"

#define KAN_FH 16.0      /* frame height */
#define KAN_PAD 10.0     /* left/right padding */
#define KAN_TOP 66.0     /* room for title, subtitle, legend, buttons */
#define KAN_BOTTOM 34.0  /* room for the status line */
#define KAN_FONTW 7.0    /* average glyph width at 12px (for text fitting) */

/* Names come from binaries: ill-formed UTF-8 and characters XML forbids
 * must not make the SVG unreadable (ci.h). */
static void xml(FILE *f, const char *s)
{
	kan_xml_attr(f, s);
}

/* Same as xml but at most n bytes of s, then "..". */
static void xml_fit(FILE *f, const char *s, double width)
{
	long chars = (long)((width - 6.0) / KAN_FONTW);
	size_t len = strlen(s);
	char buf[512];

	if (chars < 3)
		return;
	if ((size_t)chars >= len) {
		xml(f, s);
		return;
	}
	size_t n = (size_t)chars - 2;
	if (n >= sizeof(buf) - 3)
		n = sizeof(buf) - 3;
	/* do not cut a UTF-8 sequence in half */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "..", 3);
	xml(f, buf);
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct kan__rgb {
	int r, g, b;
};

static const struct {
	const char *label;
	int r0, g0, b0, r1, g1, b1; /* base colour and the range the shade spans */
} kan__palette[KAN_NKINDS] = {
	[KAN_KIND_UNKNOWN] = { "unknown", 170, 170, 170, 40, 40, 40 },
	[KAN_KIND_C] = { "C", 205, 50, 30, 50, 80, 30 },
	[KAN_KIND_CXX] = { "C++", 210, 175, 40, 45, 55, 40 },
	[KAN_KIND_LIB] = { "library", 80, 130, 220, 50, 50, 35 },
	[KAN_KIND_KERNEL] = { "kernel", 100, 185, 180, 40, 40, 40 },
	[KAN_KIND_GO] = { "Go", 60, 175, 80, 60, 60, 50 },
	[KAN_KIND_RUNTIME] = { "runtime/libc", 165, 115, 210, 40, 45, 40 },
};

static struct kan__rgb color(const struct kan_tree *t, const struct kan_node *n, const struct kan_svg_opts *o,
				  double maxdelta)
{
	struct kan__rgb c;

	if (o->diff) {
		double d0 = t->total[0] > 0 ? (double)n->self[0] / (double)t->total[0] : 0;
		double d1 = t->total[1] > 0 ? (double)n->self[1] / (double)t->total[1] : 0;
		double d = maxdelta > 0 ? (d1 - d0) / maxdelta : 0;
		/* square root: small changes stay visible next to big ones */
		double k = sqrt(fabs(d));
		/* strongest is (255,90,90) / (90,90,255): black text stays legible */
		int fade = (int)(255.0 - 165.0 * (k > 1 ? 1 : k) + 0.5);
		if (d > 0)
			c = (struct kan__rgb){ 255, fade, fade };
		else if (d < 0)
			c = (struct kan__rgb){ fade, fade, 255 };
		else
			c = (struct kan__rgb){ 250, 250, 250 };
		return c;
	}
	int kind = t->kinds[n->name] < KAN_NKINDS ? t->kinds[n->name] : KAN_KIND_UNKNOWN;
	uint32_t h = name_hash(t->names[n->name]);
	double v1 = (double)(h & 0xff) / 255.0, v2 = (double)((h >> 8) & 0xff) / 255.0;
	c.r = kan__palette[kind].r0 + (int)(kan__palette[kind].r1 * v1);
	c.g = kan__palette[kind].g0 + (int)(kan__palette[kind].g1 * v2);
	c.b = kan__palette[kind].b0 + (int)(kan__palette[kind].b1 * v1);
	c.r = c.r > 255 ? 255 : c.r;
	c.g = c.g > 255 ? 255 : c.g;
	c.b = c.b > 255 ? 255 : c.b;
	return c;
}

static void pct_line(FILE *f, int64_t v, int64_t total, const char *unit)
{
	char a[40];

	kan_format_value(v, unit, a, sizeof(a));
	fprintf(f, "%s%s, %.2f%%", a, !unit || !*unit || !strcmp(unit, "count") ? " samples" : "",
		total > 0 ? 100.0 * (double)v / (double)total : 0.0);
}

static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';\n"
	"var svg, frames = [], details, matchedtxt, unzoombtn, resetbtn, W, PAD, FH, Y0, inverted, zoomed = null;\n"
	"function $(id) { return document.getElementById(id); }\n"
	"function init() {\n"
	"  svg = document.documentElement;\n"
	"  W = +svg.getAttribute('width'); PAD = +svg.getAttribute('data-pad'); FH = +svg.getAttribute('data-fh');\n"
	"  Y0 = +svg.getAttribute('data-y0'); inverted = svg.getAttribute('data-inverted') === '1';\n"
	"  details = $('details').firstChild; matchedtxt = $('matched');\n"
	"  unzoombtn = $('unzoom'); resetbtn = $('resetsearch');\n"
	"  var gs = $('frames').getElementsByTagName('g');\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i], r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('text')[0];\n"
	"    var title = g.getElementsByTagName('title')[0].textContent;\n"
	"    var nl = title.indexOf('\\n');\n"
	"    var y = +r.getAttribute('y');\n"
	"    var f = { g: g, r: r, t: t, x: +r.getAttribute('x'), w: +r.getAttribute('width'),\n"
	"      d: Math.round(inverted ? (y - Y0) / FH : (Y0 - y) / FH),\n"
	"      name: nl < 0 ? title : title.substring(0, nl), info: title.replace('\\n', ' \\u2014 '),\n"
	"      fill: r.getAttribute('fill') };\n"
	"    g.setAttribute('data-i', i);\n"
	"    frames.push(f);\n"
	"  }\n"
	"  $('frames').addEventListener('click', function (e) {\n"
	"    var f = hit(e); if (f) zoom(f);\n"
	"  });\n"
	"  $('frames').addEventListener('mouseover', function (e) {\n"
	"    var f = hit(e); if (f) details.nodeValue = f.info;\n"
	"  });\n"
	"  $('frames').addEventListener('mouseout', function () { details.nodeValue = ' '; });\n"
	"  unzoombtn.addEventListener('click', unzoom);\n"
	"  $('search').addEventListener('click', askSearch);\n"
	"  resetbtn.addEventListener('click', resetSearch);\n"
	"  window.addEventListener('keydown', function (e) {\n"
	"    if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) { e.preventDefault(); askSearch(); }\n"
	"    else if (e.keyCode === 27) { resetSearch(); unzoom(); }\n"
	"  });\n"
	"  var q = (location.search || '') + '&' + (location.hash || '').replace(/^#/, '');\n"
	"  var m = /[?&]z=([^&]*)/.exec(q);\n"
	"  if (m) {\n"
	"    var name = decodeURIComponent(m[1].replace(/\\+/g, ' ')), best = null;\n"
	"    frames.forEach(function (f) { if (f.name === name && (!best || f.w > best.w)) best = f; });\n"
	"    if (best) zoom(best);\n"
	"  }\n"
	"  m = /[?&]s=([^&]*)/.exec(q);\n"
	"  if (m) search(decodeURIComponent(m[1].replace(/\\+/g, ' ')));\n"
	"}\n"
	"function hit(e) {\n"
	"  for (var n = e.target; n && n !== svg; n = n.parentNode)\n"
	"    if (n.nodeName === 'g' && n.hasAttribute('data-i')) return frames[+n.getAttribute('data-i')];\n"
	"  return null;\n"
	"}\n"
	"function fit(f, x, w) {\n"
	"  f.r.setAttribute('x', x.toFixed(3)); f.r.setAttribute('width', w.toFixed(3));\n"
	"  f.t.setAttribute('x', (x + 3).toFixed(3));\n"
	"  var chars = Math.floor((w - 6) / 7), s = f.name;\n"
	"  if (chars < 3) s = ''; else if (s.length > chars) s = s.substring(0, chars - 2) + '..';\n"
	"  f.t.textContent = s;\n"
	"}\n"
	"function zoom(z) {\n"
	"  var scale = (W - 2 * PAD) / z.w, eps = 1e-6;\n"
	"  frames.forEach(function (f) {\n"
	"    if (f.d < z.d) {\n"
	"      if (f.x <= z.x + eps && f.x + f.w >= z.x + z.w - eps) { f.g.style.display = ''; f.g.style.opacity = 0.5; fit(f, PAD, W - 2 * PAD); }\n"
	"      else f.g.style.display = 'none';\n"
	"    } else if (f.x >= z.x - eps && f.x + f.w <= z.x + z.w + eps) {\n"
	"      f.g.style.display = ''; f.g.style.opacity = ''; fit(f, PAD + (f.x - z.x) * scale, f.w * scale);\n"
	"    } else f.g.style.display = 'none';\n"
	"  });\n"
	"  zoomed = z;\n"
	"  unzoombtn.style.opacity = 1;\n"
	"  svg.setAttribute('data-zoom', z.name);\n"
	"  svg.setAttribute('data-zoom-width', (z.w * scale).toFixed(1));\n"
	"}\n"
	"function unzoom() {\n"
	"  frames.forEach(function (f) { f.g.style.display = ''; f.g.style.opacity = ''; fit(f, f.x, f.w); });\n"
	"  zoomed = null; unzoombtn.style.opacity = 0; svg.removeAttribute('data-zoom');\n"
	"  svg.removeAttribute('data-zoom-width');\n"
	"}\n"
	"function askSearch() {\n"
	"  var term = prompt('Search (regular expression or text):', '');\n"
	"  if (term) search(term);\n"
	"}\n"
	"function search(term) {\n"
	"  var re = null;\n"
	"  try { re = new RegExp(term); } catch (e) { re = null; }\n"
	"  var spans = [], root = frames.length ? frames[0] : null, total = 0, n = 0;\n"
	"  frames.forEach(function (f) {\n"
	"    if (f.d === 0) total = Math.max(total, f.w);\n"
	"    var hit = re ? re.test(f.name) : f.name.indexOf(term) >= 0;\n"
	"    f.r.setAttribute('fill', hit ? 'rgb(230,0,230)' : f.fill);\n"
	"    if (hit) { spans.push([f.x, f.x + f.w]); n++; }\n"
	"  });\n"
	"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"  var covered = 0, end = -1;\n"
	"  spans.forEach(function (s) {\n"
	"    if (s[1] <= end) return;\n"
	"    covered += s[1] - Math.max(s[0], end); end = s[1];\n"
	"  });\n"
	"  var pct = total > 0 ? 100 * covered / total : 0;\n"
	"  matchedtxt.textContent = 'Matched: ' + pct.toFixed(1) + '% (' + n + ' frames)';\n"
	"  svg.setAttribute('data-matched', pct.toFixed(2));\n"
	"  svg.setAttribute('data-matched-frames', n);\n"
	"  svg.setAttribute('data-search', term);\n"
	"  resetbtn.style.opacity = 1;\n"
	"}\n"
	"function resetSearch() {\n"
	"  frames.forEach(function (f) { f.r.setAttribute('fill', f.fill); });\n"
	"  matchedtxt.textContent = ' '; resetbtn.style.opacity = 0;\n"
	"  svg.removeAttribute('data-matched'); svg.removeAttribute('data-matched-frames'); svg.removeAttribute('data-search');\n"
	"}\n"
	"window.addEventListener('load', init);\n"
	"]]></script>\n";

struct kan__walk {
	uint32_t node;
	double x; /* in value units */
};

int kan_svg_write(const struct kan_tree *t, const struct kan_svg_opts *o, FILE *f)
{
	const int slot = o->diff ? 1 : 0;
	double W = o->width > 100 ? o->width : 1200;
	double minw = o->min_width >= 0 ? o->min_width : 0.1;
	double total = t->nodes[0].cum[slot] > 0 ? (double)t->nodes[0].cum[slot] : 0;
	double scale = total > 0 ? (W - 2 * KAN_PAD) / total : 0;
	struct kan__walk *st;
	size_t sp = 0, drawn = 0, elided = 0;
	uint32_t max_depth = 0;
	double maxdelta = 0;
	int kinds_seen[KAN_NKINDS] = { 0 };

	/* pass 1: depth actually drawn, kinds used, largest share change */
	st = malloc((t->nnodes + 1) * sizeof(*st));
	if (!st)
		return -ENOMEM;
	st[sp++] = (struct kan__walk){ 0, 0 };
	while (sp) {
		struct kan__walk w = st[--sp];
		const struct kan_node *n = &t->nodes[w.node];
		if (n->cum[slot] <= 0 || (double)n->cum[slot] * scale < minw) {
			elided++;
			continue;
		}
		drawn++;
		if (n->depth > max_depth)
			max_depth = n->depth;
		if (w.node)
			kinds_seen[t->kinds[n->name] < KAN_NKINDS ? t->kinds[n->name] : 0] = 1;
		if (o->diff && w.node) {
			double d0 = t->total[0] > 0 ? (double)n->self[0] / (double)t->total[0] : 0;
			double d1 = t->total[1] > 0 ? (double)n->self[1] / (double)t->total[1] : 0;
			if (fabs(d1 - d0) > maxdelta)
				maxdelta = fabs(d1 - d0);
		}
		for (uint32_t c = n->child; c; c = t->nodes[c].sibling)
			st[sp++] = (struct kan__walk){ c, 0 };
	}
	/* elided counts subtree roots only; count their descendants too, and
	 * in a diff tell frames that vanished from those too narrow to draw */
	size_t gone = 0;
	if (o->diff)
		for (size_t i = 1; i < t->nnodes; i++)
			if (t->nodes[i].cum[1] <= 0 && t->nodes[i].cum[0] > 0)
				gone++;
	elided = t->nnodes - drawn - gone;

	double H = KAN_TOP + (double)(max_depth + 1) * KAN_FH + KAN_BOTTOM;
	double y0 = o->inverted ? KAN_TOP : H - KAN_BOTTOM - KAN_FH; /* y of depth 0 */

	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\" data-pad=\"%.0f\" data-fh=\"%.0f\" data-y0=\"%.0f\" data-inverted=\"%d\">\n",
		W, H, W, H, KAN_PAD, KAN_FH, y0, o->inverted ? 1 : 0);
	fputs("<style type=\"text/css\">\n"
	      "text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
	      "#title { text-anchor: middle; font-size: 17px; }\n"
	      "#subtitle { text-anchor: middle; fill: rgb(90,90,90); }\n"
	      "#frames > g:hover > rect { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
	      "#frames text { pointer-events: none; }\n"
	      ".button { cursor: pointer; fill: rgb(0,0,160); }\n"
	      ".button:hover { text-decoration: underline; }\n"
	      "#unzoom, #resetsearch { opacity: 0; }\n"
	      "</style>\n",
	      f);
	fputs(script, f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"rgb(248,248,240)\"/>\n", W, H);
	fprintf(f, "<text id=\"title\" x=\"%.1f\" y=\"22\">", W / 2);
	xml(f, o->title ? o->title : o->diff ? "Differential Flame Graph" : o->inverted ? "Icicle Graph" : "Flame Graph");
	fputs("</text>\n", f);
	fprintf(f, "<text id=\"subtitle\" x=\"%.1f\" y=\"40\">", W / 2);
	if (o->subtitle)
		xml(f, o->subtitle);
	if (elided)
		fprintf(f, "%s%zu frame%s narrower than %.2g px not drawn", o->subtitle ? " \xe2\x80\x94 " : "", elided,
			elided == 1 ? "" : "s", minw);
	if (gone)
		fprintf(f, "%s%zu frame%s only in BASE", o->subtitle || elided ? " \xe2\x80\x94 " : "", gone,
			gone == 1 ? "" : "s");
	fputs("</text>\n", f);
	/* legend */
	double lx = KAN_PAD;
	if (o->diff) {
		fprintf(f, "<g id=\"legend\"><rect x=\"%.1f\" y=\"48\" width=\"10\" height=\"10\" fill=\"rgb(255,80,80)\"/>"
			   "<text x=\"%.1f\" y=\"57\">grew</text>"
			   "<rect x=\"%.1f\" y=\"48\" width=\"10\" height=\"10\" fill=\"rgb(80,80,255)\"/>"
			   "<text x=\"%.1f\" y=\"57\">shrank (share of total, widths from NEW)</text></g>\n",
			lx, lx + 14, lx + 60, lx + 74);
	} else {
		fputs("<g id=\"legend\">", f);
		for (int k = 0; k < KAN_NKINDS; k++) {
			if (!kinds_seen[k])
				continue;
			fprintf(f, "<rect x=\"%.1f\" y=\"48\" width=\"10\" height=\"10\" fill=\"rgb(%d,%d,%d)\"/>"
				   "<text x=\"%.1f\" y=\"57\">%s</text>",
				lx, kan__palette[k].r0 + kan__palette[k].r1 / 2, kan__palette[k].g0 + kan__palette[k].g1 / 2,
				kan__palette[k].b0 + kan__palette[k].b1 / 2, lx + 14, kan__palette[k].label);
			lx += 14 + 8 * (double)strlen(kan__palette[k].label) + 16;
		}
		fputs("</g>\n", f);
	}
	fprintf(f, "<text id=\"unzoom\" class=\"button\" x=\"%.1f\" y=\"22\">Reset Zoom</text>\n", KAN_PAD);
	fprintf(f, "<text id=\"search\" class=\"button\" x=\"%.1f\" y=\"22\" text-anchor=\"end\">Search</text>\n",
		W - KAN_PAD - 110);
	fprintf(f, "<text id=\"resetsearch\" class=\"button\" x=\"%.1f\" y=\"22\" text-anchor=\"end\">Reset Search</text>\n",
		W - KAN_PAD);
	fprintf(f, "<text id=\"details\" x=\"%.1f\" y=\"%.1f\"> </text>\n", KAN_PAD, H - 12);
	fprintf(f, "<text id=\"matched\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"> </text>\n", W - KAN_PAD, H - 12);

	/* pass 2: frames, depth first in name order (parents before children) */
	fputs("<g id=\"frames\">\n", f);
	sp = 0;
	st[sp++] = (struct kan__walk){ 0, 0 };
	uint32_t *kids = NULL;
	size_t capkids = 0;
	int rc = 0;
	while (sp) {
		struct kan__walk w = st[--sp];
		const struct kan_node *n = &t->nodes[w.node];
		double fw = (double)n->cum[slot] * scale;
		if (n->cum[slot] <= 0 || fw < minw)
			continue;
		double x = KAN_PAD + w.x * scale;
		double y = o->inverted ? y0 + n->depth * KAN_FH : y0 - n->depth * KAN_FH;
		const char *name = w.node ? t->names[n->name] : "all";
		struct kan__rgb c = w.node ? color(t, n, o, maxdelta) : (struct kan__rgb){ 200, 200, 200 };
		fputs("<g><title>", f);
		xml(f, name);
		fputs("&#10;", f); /* one frame per line of the file */
		if (o->diff) {
			char a[40], b[40];
			kan_format_value(n->cum[0], o->unit, a, sizeof(a));
			kan_format_value(n->cum[1], o->unit, b, sizeof(b));
			double p0 = t->total[0] > 0 ? 100.0 * (double)n->cum[0] / (double)t->total[0] : 0;
			double p1 = t->total[1] > 0 ? 100.0 * (double)n->cum[1] / (double)t->total[1] : 0;
			double s0 = t->total[0] > 0 ? 100.0 * (double)n->self[0] / (double)t->total[0] : 0;
			double s1 = t->total[1] > 0 ? 100.0 * (double)n->self[1] / (double)t->total[1] : 0;
			fprintf(f, "new %s (%.2f%%), base %s (%.2f%%), total %+.2f%%, self %+.2f%%", b, p1, a, p0, p1 - p0,
				s1 - s0);
		} else {
			pct_line(f, n->cum[0], t->total[0], o->unit);
			if (n->self[0] && n->child) {
				fputs("; self ", f);
				pct_line(f, n->self[0], t->total[0], o->unit);
			}
		}
		fprintf(f, "</title><rect x=\"%.3f\" y=\"%.0f\" width=\"%.3f\" height=\"%.0f\" fill=\"rgb(%d,%d,%d)\" "
			   "rx=\"2\"/><text x=\"%.3f\" y=\"%.1f\">",
			x, y, fw, KAN_FH - 1, c.r, c.g, c.b, x + 3, y + 11.5);
		xml_fit(f, name, fw);
		fputs("</text></g>\n", f);
		/* children in name order: push in reverse */
		size_t nk = 0;
		for (uint32_t ch = n->child; ch; ch = t->nodes[ch].sibling) {
			if (nk == capkids) {
				size_t ncap = capkids ? capkids * 2 : 64;
				uint32_t *nkids = realloc(kids, ncap * sizeof(*nkids));
				if (!nkids) {
					rc = -ENOMEM;
					goto out;
				}
				kids = nkids;
				capkids = ncap;
			}
			kids[nk++] = ch;
		}
		double cx = w.x;
		/* x positions in order, then push reversed so the first pops first */
		size_t base = sp;
		for (size_t k = 0; k < nk; k++) {
			const struct kan_node *cn = &t->nodes[kids[k]];
			st[base + nk - 1 - k] = (struct kan__walk){ kids[k], cx };
			if (cn->cum[slot] > 0)
				cx += (double)cn->cum[slot];
		}
		sp += nk;
	}
	fputs("</g>\n</svg>\n", f);
out:
	free(kids);
	free(st);
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}
