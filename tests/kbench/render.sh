#!/bin/sh
# SPDX-License-Identifier: MIT
# The report and the dashboard render in headless Chromium with no console
# messages (errors, failed loads), their charts are in the rendered DOM as
# non-empty SVG paths, and a screenshot shows chart-coloured pixels. A
# control page with a script error proves the console check can fail.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
cd "$TAP_TMP" || exit 1
if [ -z "$CHROMIUM" ] || ! [ -x "$CHROMIUM" ]; then
	skip "chromium not installed: pages not rendered"
	done_testing
fi
data=$top_srcdir/tests/kbench/data

chrome() { # chrome OUTFLAGS... URL: one headless run, private profile
	prof=$(mktemp -d "$TAP_TMP/prof.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 "$@"
	st=$?
	rm -rf "$prof"
	return $st
}

# count_pixels PNG: pixels in the chart palette's first two colours
count_pixels() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, t = struct.unpack('>I4s', data[pos:pos + 8])
    c = data[pos + 8:pos + 8 + n]
    if t == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', c[:10])
        bpp = {2: 3, 6: 4}[ctype]
    elif t == b'IDAT':
        idat += c
    pos += 12 + n
raw, stride, prev, out, i = zlib.decompress(idat), w * bpp, None, 0, 0
targets = {(31, 119, 180), (255, 127, 14)}
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    p = prev or bytearray(stride)
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, cc = p[x], (p[x - bpp] if x >= bpp else 0)
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - cc), abs(a - cc), abs(a + b - 2 * cc)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else cc)) & 255
    prev = line
    for x in range(0, stride, bpp):
        if tuple(line[x:x + 3]) in targets: out += 1
print(out)
PY
}

# control: the console check sees a script error
printf '<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>\n' >control.html
chrome --dump-dom "file://$TAP_TMP/control.html" >control.dom 2>control.log
grep -q 'CONSOLE.*undefinedFunction' control.log
check "control page: the console error is detected" test $? -eq 0

# the pages under test
mkdir run
cp "$data/new.json" run/results.json
"$KPROF_BIN" report run -o run/report.html 2>/dev/null
is "$?" 0 "kprof report of a results directory"
"$KPROF_BIN" history add h.db "$data/base.json" "$data/new.json" >/dev/null
"$KPROF_BIN" history dashboard h.db -o dashboard.html 2>/dev/null
is "$?" 0 "kprof history dashboard"

for page in run/report.html dashboard.html; do
	url="file://$TAP_TMP/$page"
	chrome --dump-dom "$url" >dom.html 2>log.txt
	is "$?" 0 "$page: chromium rendered it"
	n=$(grep -c 'CONSOLE' log.txt)
	is "$n" 0 "$page: no console messages"
	[ "$n" -eq 0 ] || diag "$(grep CONSOLE log.txt | head -5)"
	grep -q '</html>' dom.html && grep -q '<svg' dom.html
	check "$page: rendered DOM holds the SVG charts" test $? -eq 0
	paths=$(grep -o '<path d="M[0-9][^"]*[0-9hvzHVLz][^"]*"' dom.html | wc -l)
	empty=$(grep -c '<path d=""' dom.html)
	check "$page: $paths non-empty SVG paths, $empty empty" test "$paths" -ge 6 -a "$empty" -eq 0
	if command -v python3 >/dev/null 2>&1; then
		bad=$(python3 - "$page" <<'PY'
import re, sys, xml.etree.ElementTree as ET
blocks = re.findall(r'<svg.*?</svg>', open(sys.argv[1]).read(), re.S)
bad = 0
for b in blocks:
    try:
        ET.fromstring(b)
    except ET.ParseError as e:
        bad += 1
        print("#", e, file=sys.stderr)
print("%d/%d" % (bad, len(blocks)))
PY
)
		# "0/N" with N charts found; anything else (bad charts, none,
		# or no output because python failed) is a failure
		case $bad in 0/[1-9]*) ok "$page: every chart is well-formed SVG ($bad bad)" ;;
		*) not_ok "$page: every chart is well-formed SVG ('$bad' bad)" ;; esac
		chrome --screenshot="$TAP_TMP/shot.png" --window-size=1000,1200 "$url" >/dev/null 2>&1
		if [ -s shot.png ]; then
			px=$(count_pixels shot.png)
			check "$page: screenshot shows the charts ($px chart-coloured pixels)" test "${px:-0}" -ge 600
		else
			not_ok "$page: screenshot written"
		fi
	else
		skip "python3 missing: screenshot pixels not counted"
	fi
done
done_testing
