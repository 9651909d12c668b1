#!/bin/sh
# SPDX-License-Identifier: MIT
# Flame graphs: well-formed XML (xmllint), self-contained (no external
# references), the frames present with their counts, --title, --inverted
# layout, differential colours; then the embedded script in headless
# Chromium: a search given in the URL highlights matches and reports the
# matched share, a zoom given in the URL widens the frame to full width.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
G=$top_srcdir/tests/kprof/golden
T=$TAP_TMP

"$KPROF_BIN" flame "$G/go.cpu.pb.gz" -o "$T/go.svg" --title 'Go & <CPU>'
is "$?" 0 "flame exits 0"
if [ -n "$XMLLINT" ]; then
	check "flame SVG is well-formed XML" "$XMLLINT" --noout "$T/go.svg"
else
	skip "xmllint not installed"
fi
check "title is escaped" grep -q '<text id="title"[^>]*>Go &amp; &lt;CPU&gt;</text>' "$T/go.svg"
check "frame with its count and self part" grep -q '<title>main.hashLoop&#10;530ms, 51.96%; self 500ms, 49.02%</title>' "$T/go.svg"
check "cumulative frame" grep -q '<title>runtime.main&#10;1s, 98.04%</title>' "$T/go.svg"
check "no external resources" sh -c "! grep -Eq '(href|src)=\"(https?:)?//' '$T/go.svg'"
check "Go frames coloured as Go" grep -q '>Go</text>' "$T/go.svg"
n=$(grep -c '<g><title>' "$T/go.svg")
# all frames of the tree are drawn: nodes = distinct (path) prefixes + root
want=$(awk '{ n = split($0, a, " "); s = substr($0, 1, length($0) - length(a[n]) - 1); k = split(s, f, ";"); p = "";
	for (i = 1; i <= k; i++) { p = p ";" f[i]; seen[p] = 1 } } END { c = 1; for (x in seen) c++; print c }' "$G/go.cpu.folded")
is "$n" "$want" "one frame per call-tree node (from the folded file)"

# inverted: the root "all" is at the top (smallest y of all frames)
"$KPROF_BIN" flame "$G/go.cpu.pb.gz" -o "$T/ice.svg" --inverted
ally=$(sed -n 's/.*<title>all.*<rect x="[^"]*" y="\([0-9]*\)".*/\1/p' "$T/ice.svg")
miny=$(sed -n 's/.*<g><title>.*<rect x="[^"]*" y="\([0-9]*\)".*/\1/p' "$T/ice.svg" | sort -n | head -1)
is "$ally" "$miny" "--inverted puts the root at the top"
check "--inverted default title" grep -q '>Icicle Graph</text>' "$T/ice.svg"
ally=$(sed -n 's/.*<title>all.*<rect x="[^"]*" y="\([0-9]*\)".*/\1/p' "$T/go.svg")
maxy=$(sed -n 's/.*<g><title>.*<rect x="[^"]*" y="\([0-9]*\)".*/\1/p' "$T/go.svg" | sort -n | tail -1)
is "$ally" "$maxy" "flame puts the root at the bottom"

# differential: growth red, shrink blue, widths from NEW
"$KPROF_BIN" diff "$G/go.cpu.pb.gz" "$G/go.cpu.b.pb.gz" -o "$T/diff.svg"
is "$?" 0 "diff exits 0"
[ -n "$XMLLINT" ] && check "diff SVG is well-formed XML" "$XMLLINT" --noout "$T/diff.svg" || skip "xmllint not installed"
check "diff tooltips give base and new" grep -q '<title>main.routeMessages&#10;new [0-9.]*ms ([0-9.]*%), base 240ms (23.53%)' "$T/diff.svg"
check "diff subtitle counts frames only in BASE" grep -Eq 'id="subtitle".* [0-9]+ frames? only in BASE' "$T/diff.svg"
# runtime.sweepone only appears in NEW: fully red
check "new-only frame is red" grep -q '<title>runtime.sweepone.*fill="rgb(255,' "$T/diff.svg"
# runtime.memclrNoHeapPointers shrank (11.76% -> 7.07%): blue
check "shrinking frame is blue" sh -c "grep '<title>runtime.memclrNoHeapPointers' '$T/diff.svg' | grep -q 'fill=\"rgb([0-9]*,[0-9]*,255)\"'"

# frames narrower than --minwidth (one 10 ms sample is 11.6 px) are elided,
# and the subtitle says how many
"$KPROF_BIN" flame "$G/go.cpu.pb.gz" -o "$T/narrow.svg" --minwidth 20
check "elided frames are counted in the subtitle" grep -Eq '[0-9]+ frames narrower than 20 px not drawn' "$T/narrow.svg"

# headless Chromium runs the script
if [ -z "$CHROMIUM" ]; then
	skip "chromium not installed"
	skip "chromium not installed"
	skip "chromium not installed"
else
	dump() {
		timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$T/chromium" --dump-dom "$1" 2>/dev/null
	}
	dump "file://$T/go.svg?s=hash" >"$T/dom1"
	m=$(sed -n 's/.*data-matched="\([0-9.]*\)".*/\1/p' "$T/dom1" | head -1)
	is "$m" "75.49" "search 'hash' matches 75.49% (main.hashLoop's cum share)"
	check "matched frames are highlighted" grep -q 'fill="rgb(230,0,230)"' "$T/dom1"
	dump "file://$T/go.svg?z=main.routeMessages&s=%5Emain%5C.(encode%7Croute)" >"$T/dom2"
	zw=$(sed -n 's/.*data-zoom-width="\([0-9.]*\)".*/\1/p' "$T/dom2" | head -1)
	zm=$(sed -n 's/.*data-matched="\([0-9.]*\)".*/\1/p' "$T/dom2" | head -1)
	if [ "$zw" = "1180.0" ] && [ "$zm" = "75.49" ]; then
		ok "zoom to main.routeMessages fills the width; regex search overlaps counted once"
	else
		not_ok "zoom/regex search: zoom width '$zw', matched '$zm'"
	fi
fi
done_testing
