/* SPDX-License-Identifier: MIT */
/*
 * svg: render a call tree (tree.h) as a self-contained interactive flame
 * graph: no external resources, embedded JavaScript for click-to-zoom,
 * reset, search (regular expression, or substring when the text is not a
 * valid one) with highlighted matches and the matched share, tooltips and
 * a status line. Differential mode takes widths from slot 1 (NEW) and the
 * colour from the change in each frame's self share between slot 0 (BASE)
 * and slot 1: red grew, blue shrank, white unchanged.
 *
 * The script also obeys the document URL, which makes it testable and
 * linkable: "graph.svg?s=REGEX" runs a search on load and "?z=NAME" zooms
 * to the first (widest) frame called NAME; results are mirrored into the
 * root element's data-matched and data-zoom attributes.
 */
#ifndef KAN_SVG_H
#define KAN_SVG_H

#include <stdio.h>

#include "tree.h"

struct kan_svg_opts {
	const char *title;
	const char *subtitle;
	const char *unit;   /* unit of the values, for tooltips */
	int inverted;       /* icicle: root at the top */
	int diff;           /* differential: slot 0 = base, slot 1 = new */
	double width;       /* image width in px (default 1200) */
	double min_width;   /* frames narrower than this (px) are elided (0.1) */
};

/* 0 or a negative errno (-EIO on write errors). */
int kan_svg_write(const struct kan_tree *t, const struct kan_svg_opts *o, FILE *out);

#endif
