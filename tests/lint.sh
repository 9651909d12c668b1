#!/bin/sh
# SPDX-License-Identifier: MIT
# The shell scripts of the tree (tests, scripts/, bench/perf/, .ci/) keep
# the rules that let a check fail when it should:
#  1. $? is never read after a command substitution in the same command:
#     `check "msg: $(cat f)" test $? -eq 0` tests the status of the cat
#     (bash, which configure picks as SHELL here, sets $? from the
#     substitution). Let check run the command, or capture $? first.
#  2. every script runs under `set -u` (a misspelt variable is an error,
#     not an empty string that makes a comparison pass);
#  3. no `|| true` (or `|| :`) in tests: a status a check depends on must
#     not be thrown away;
#  4. a test never skips because a part make check builds is missing
#     (libkalloc.so, libksamp.so, kprof, anything under $top_builddir):
#     that is a broken build, so need_built bails out instead. Parts
#     built only when an optional library is present (kb-mockcluster,
#     with librdkafka) may still skip.
# A control file with one violation of each rule proves the lint can fail.
set -u
. "$top_srcdir/tests/tap.sh"
tap_tmpdir

# lint FILE...: one line "FILE:LINE: rule" per violation; status 1 if any.
lint() {
	local f t rc=0
	for f in "$@"; do
		case $f in
		tests/* | */tests/*) t=1 ;;
		*) t=0 ;;
		esac
		"$AWK" -v in_tests="$t" -f "$LINT_AWK" "$f" || rc=1
	done
	return $rc
}
LINT_AWK=$TAP_TMP/lint.awk
cat >"$LINT_AWK" <<'AWK'
# A tiny shell tokenizer: quotes, command substitutions ($(...) and
# backquotes), arithmetic $((...)), comments, here-documents and the
# command separators: enough to know which command a $? belongs to.
function flag(what) { printf "%s:%d: %s\n", FILENAME, FNR, what; bad = 1 }
function push(t) { ctx[++depth] = t; if (t == "sub" || t == "bq") sub_seen[++lvl] = 0 }
function pop() { if (ctx[depth] == "sub" || ctx[depth] == "bq") lvl--; depth-- }
function scan(s,    i, n, c, c2, c3, t, m) {
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1); c2 = substr(s, i, 2); c3 = substr(s, i, 3); t = ctx[depth]
		if (t == "sq") {
			if (c == "\047")
				pop()
			continue
		}
		if (c == "\\") {
			i++
			continue
		}
		if (t == "arith" || t == "aparen") {
			if (c2 == "$(" && c3 != "$((") {
				sub_seen[lvl] = 1; push("sub"); i++
			} else if (c == "(") {
				push("aparen")
			} else if (t == "arith" && c2 == "))") {
				pop(); i++
			} else if (t == "aparen" && c == ")") {
				pop()
			}
			continue
		}
		if (c2 == "$?") {
			if (sub_seen[lvl])
				flag("$? read after a command substitution in the same command")
			i++
			continue
		}
		if (c3 == "$((") {
			push("arith"); i += 2
			continue
		}
		if (c2 == "$(") {
			sub_seen[lvl] = 1; push("sub"); i++
			continue
		}
		if (c == "`") {
			if (t == "bq") {
				pop()
			} else {
				sub_seen[lvl] = 1; push("bq")
			}
			continue
		}
		if (t == "dq") {
			if (c == "\"")
				pop()
			continue
		}
		# top, sub, bq, paren: shell words
		if (c == "\047") {
			push("sq")
			continue
		}
		if (c == "\"") {
			push("dq")
			continue
		}
		if (c == "#" && (i == 1 || substr(s, i - 1, 1) ~ /[ \t;(]/))
			break
		if (c == "(") {
			push("paren")
			continue
		}
		if (c == ")") {
			if (t == "sub" || t == "paren")
				pop()
			continue
		}
		if (c2 == "||") {
			m = substr(s, i + 2)
			sub(/^[ \t]+/, "", m)
			if (in_tests && m ~ /^(true|:)([ \t;)&|]|$)/)
				flag("|| true throws a status away")
			sub_seen[lvl] = 0; i++
			continue
		}
		if (c == ";" || c == "&" || c == "|") {
			sub_seen[lvl] = 0
			continue
		}
		if (c2 == "<<" && c3 != "<<<") {
			m = substr(s, i + 2)
			hd_strip = (substr(m, 1, 1) == "-")
			if (hd_strip)
				m = substr(m, 2)
			sub(/^[ \t]*/, "", m)
			gsub(/[\047"\\]/, "", m)
			if (match(m, /^[A-Za-z_][A-Za-z0-9_]*/))
				hd_pending = substr(m, 1, RLENGTH)
			i++
			continue
		}
	}
	# a newline outside quotes, not after a backslash, ends a command
	if (ctx[depth] != "sq" && ctx[depth] != "dq" && substr(s, n, 1) != "\\")
		sub_seen[lvl] = 0
}
BEGIN { depth = 0; ctx[0] = "top"; lvl = 0; sub_seen[0] = 0 }
FNR == 1 { shebang = ($0 ~ /^#!/); guard = 0 }
/^[ \t]*set[ \t]+-[a-zA-Z]*u/ || /^[ \t]*set[ \t]+-o[ \t]+nounset/ { set_u = 1 }
{
	if (heredoc != "") {
		line = $0
		if (heredoc_strip)
			sub(/^\t+/, "", line)
		if (line == heredoc)
			heredoc = ""
		next
	}
	# rule 4: a SKIP within three lines of a test for a built part
	if ($0 ~ /\[[ \t]+![ \t]+-[efx][ \t]+"?\$\{?(KPROF_LIBKALLOC|KPROF_LIBKSAMP|KPROF_BIN|top_builddir)/ &&
	    $0 !~ /mockcluster/)
		guard = FNR
	else if ($0 ~ /mockcluster/)
		guard = 0
	if (in_tests && guard && FNR - guard <= 3 && $0 ~ /SKIP/)
		flag("skips on a part make check builds (need_built)")
	scan($0)
	if (hd_pending != "") {
		heredoc = hd_pending; heredoc_strip = hd_strip; hd_pending = ""
	}
}
END {
	if (shebang && !set_u) {
		printf "%s:1: no set -u\n", FILENAME; bad = 1
	}
	exit bad
}
AWK

# The control: one violation of each rule, and the allowed forms beside them.
cat >"$TAP_TMP/control.sh" <<'EOF'
#!/bin/sh
. "$top_srcdir/tests/tap.sh"
grep -q x f
check "says: $(cat f)" test $? -eq 0
is "$?" 0 "status first, then a substitution: $(cat f)"
out=$(cmd); st=$?
port=$(start)
case $? in 0) ;; esac
awk '{ print $(NF) }' f; echo '$?'
n=$(($(wc -c <f) / 2))
echo "$(grep -c x f)" || true
if [ ! -f "$KPROF_LIBKSAMP" ]; then
	echo "1..0 # SKIP libksamp.so not built"
fi
[ -x "$top_builddir/bench/kb-mockcluster" ] || echo "1..0 # SKIP no librdkafka"
EOF
mkdir -p "$TAP_TMP/tests"
mv "$TAP_TMP/control.sh" "$TAP_TMP/tests/control.sh"
lint "$TAP_TMP/tests/control.sh" >"$TAP_TMP/control.out"
printf '%s\n' "$TAP_TMP/tests/control.sh:1: no set -u" \
	"$TAP_TMP/tests/control.sh:4: \$? read after a command substitution in the same command" \
	"$TAP_TMP/tests/control.sh:11: || true throws a status away" \
	"$TAP_TMP/tests/control.sh:13: skips on a part make check builds (need_built)" | sort >"$TAP_TMP/control.want"
sort "$TAP_TMP/control.out" >"$TAP_TMP/control.got"
if cmp -s "$TAP_TMP/control.want" "$TAP_TMP/control.got"; then
	ok "control file: each rule found its violation, the allowed forms passed"
else
	not_ok "control file: each rule found its violation, the allowed forms passed"
	diag "$(diff -u "$TAP_TMP/control.want" "$TAP_TMP/control.got")"
fi

# The tree's scripts: tests/ (every .sh and every script with #!),
# scripts/, bench/perf/, .ci/.
cd "$top_srcdir" || bail_out "cannot enter $top_srcdir"
: >"$TAP_TMP/files"
for d in tests scripts bench/perf .ci; do
	[ -d "$d" ] || continue
	find "$d" -type f ! -path '*/node_modules/*' | sort | while read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*) head -n 1 "$f" | grep -q '^#!.*\(/\|env \)\(ba\)\?sh$' && echo "$f" ;;
		esac
	done >>"$TAP_TMP/files"
done
nfiles=$(wc -l <"$TAP_TMP/files")
check "found the scripts to lint ($nfiles)" test "$nfiles" -ge 40
# shellcheck disable=SC2046
lint $(cat "$TAP_TMP/files") >"$TAP_TMP/tree.out"
if [ -s "$TAP_TMP/tree.out" ]; then
	not_ok "no script breaks a rule"
	diag "$(cat "$TAP_TMP/tree.out")"
else
	ok "no script breaks a rule ($nfiles files)"
fi
done_testing
