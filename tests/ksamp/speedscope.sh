#!/bin/sh
# SPDX-License-Identifier: MIT
# A libksamp profile opens in speedscope (its pprof importer), rendered by
# headless Chromium: the page title becomes "<file> - speedscope" and the
# sandwich view lists the sampled functions by name. A truncated copy of
# the same profile must be refused with speedscope's own message (so the
# checks can fail, and an empty page from Chromium is no pass). Needs $CHROMIUM
# and speedscope's release build (npm package "speedscope": found through
# $SPEEDSCOPE_HTML, node_modules in the build or source tree, or npm's
# global root); says SKIP without them.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir
html=${SPEEDSCOPE_HTML:-}
for d in "$top_builddir/node_modules" "$top_srcdir/node_modules" "$(npm root -g 2>/dev/null)"; do
	[ -z "$html" ] && [ -f "$d/speedscope/dist/release/index.html" ] && html=$d/speedscope/dist/release/index.html
done
if [ -z "${CHROMIUM:-}" ] || [ -z "$html" ]; then
	echo "1..0 # SKIP needs chromium and speedscope (npm install -g speedscope)"
	exit 0
fi

# open_in_speedscope FILE [SECONDS]: dump speedscope's DOM after loading
# FILE. An import error makes speedscope call alert(), which would hold
# the headless page until the time limit: the loader turns it into a
# <pre id="kprof-alert"> element of the DOM instead.
open_in_speedscope() {
	name=$(basename "$1")
	{
		echo 'window.alert = function (m) { var e = document.createElement("pre"); e.id = "kprof-alert";'
		echo '	e.textContent = String(m); document.body.appendChild(e); };'
		printf 'speedscope.loadFileFromBase64("%s", "%s")\n' "$name" "$(base64 -w0 "$1")"
	} >"$TAP_TMP/load-$name.js"
	mkdir -p "$TAP_TMP/profile-$name"
	timeout "${2:-90}" "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TAP_TMP/profile-$name" --allow-file-access-from-files \
		--virtual-time-budget=15000 --dump-dom \
		"file://$html#localProfilePath=$TAP_TMP/load-$name.js&view=sandwich" 2>/dev/null
}

if KSAMP_HZ=250 KSAMP_OUT="$TAP_TMP/cpu.pb.gz" LD_PRELOAD="$KPROF_LIBKSAMP" \
	"$top_builddir/tests/ksamp/workload" burn 0.4 && [ -s "$TAP_TMP/cpu.pb.gz" ]; then
	ok "workload profiled"
else
	not_ok "workload profiled"
fi
open_in_speedscope "$TAP_TMP/cpu.pb.gz" >"$TAP_TMP/dom.html"
check "speedscope loads the profile (title)" grep -q '<title>cpu.pb.gz - speedscope</title>' "$TAP_TMP/dom.html"
check "speedscope shows function names (busy_part)" grep -q 'busy_part' "$TAP_TMP/dom.html"
check "speedscope raised no import error" sh -c "! grep -q 'kprof-alert' '$TAP_TMP/dom.html'"

# A truncated profile is refused: speedscope rendered its page (the DOM
# is there, titled plainly "speedscope"), said why, and shows none of
# the profile's functions. The cut is inside the first field, whose
# length then runs past the end: no protobuf reader accepts that (a cut
# that happens to fall between two fields leaves a valid, smaller
# profile, which speedscope rightly opens).
gzip -dc "$TAP_TMP/cpu.pb.gz" >"$TAP_TMP/raw.pb"
head -c 3 "$TAP_TMP/raw.pb" | gzip >"$TAP_TMP/cut.pb.gz"
open_in_speedscope "$TAP_TMP/cut.pb.gz" 60 >"$TAP_TMP/cut.html"
alert=$(sed -n 's/.*<pre id="kprof-alert">\([^<]*\)<\/pre>.*/\1/p' "$TAP_TMP/cut.html")
if grep -q '<title>speedscope</title>' "$TAP_TMP/cut.html" && [ -n "$alert" ] &&
	! grep -q 'busy_part' "$TAP_TMP/cut.html"; then
	ok "a truncated profile does not load: $alert"
else
	not_ok "a truncated profile does not load, with speedscope's reason"
	diag "alert: '$alert'" "$(head -c 600 "$TAP_TMP/cut.html")"
fi
done_testing
