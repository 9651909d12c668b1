# SPDX-License-Identifier: MIT
# chains.awk: compares inline chains, one address per input line:
#   kind <TAB> ours <TAB> addr2line's <TAB> llvm-symbolizer's (or empty)
# where kind is "call" (a return address - 1) or "insn" (an instruction
# start) and each chain is "0xADDR | function | file:line | function |
# file:line ...", innermost frame first, as addr2line -a -f -i prints it.
#
# Per address:
#   exact  - ours equals addr2line -C's, every name and every file:line;
#   frames - same number of frames and the same file:line for each;
#   agree  - some reference (addr2line, else llvm-symbolizer) has the same
#            frames and file:lines and, frame by frame, the same function
#            printed alike: equal after dropping what demanglers print
#            differently (clone suffixes, lambda spelling, spaces and
#            punctuation; LLVM's demangler also prints some parameter
#            lists of lambda-taking templates as "(auto, auto)", so names
#            equal without their parameter lists count too), or, against
#            addr2line, its bare DW_AT_name ("__introsort_loop<...>")
#            found as that function in ours.
# Prints one "fail" line per address that agrees with no reference, then a
# summary line: "total N call C exact E frames F agree A callagree CA
# deep D maxdepth M" (deep: addresses whose chain has >= 3 frames).
function unclone(s) {
	gsub(/ \[clone [^]]*\]/, "", s)
	gsub(/ \(\.[a-z_.0-9]+\)/, "", s)
	return s
}
# without the parameter list that ends the name ("f<T>(int) const" -> "f<T>")
function noparams(s,  i, d, c) {
	s = unclone(s)
	sub(/ const$/, "", s)
	if (substr(s, length(s), 1) != ")")
		return s
	d = 0
	for (i = length(s); i > 0; i--) {
		c = substr(s, i, 1)
		if (c == ")")
			d++
		else if (c == "(" && --d == 0)
			return substr(s, 1, i - 1)
	}
	return s
}
function norm(s) {
	s = unclone(s)
	gsub(/\{lambda\([^)]*\)#[0-9]+\}/, "lambda", s)
	gsub(/'lambda[0-9]*'\([^)]*\)/, "lambda", s)
	gsub(/auto:[0-9]+/, "auto", s)
	gsub(/[^A-Za-z0-9_]/, "", s)
	return s
}
# the function a bare DW_AT_name names: "__introsort_loop<...>" -> "__introsort_loop"
function ident(s,  i) {
	i = index(s, "<")
	if (i > 1)
		s = substr(s, 1, i - 1)
	i = index(s, "(")
	if (i > 1)
		s = substr(s, 1, i - 1)
	return s
}
function same_name(ours, ref, isa2l,  id) {
	if (ours == ref || norm(ours) == norm(ref) || norm(noparams(ours)) == norm(noparams(ref)))
		return 1
	id = ident(ref)
	if (!isa2l || id ~ /::/ || id ~ / /)
		return 0
	return id != "" && (index(ours, id "<") == 1 || index(ours, id "(") == 1 || index(ours, "::" id "<") ||
			    index(ours, "::" id "(") || index(ours, " " id "<") || index(ours, " " id "("))
}
# 1 when ref has ours' frames and lines and names alike
function agrees(ref, isa2l,  n, m, i) {
	if (ref == "")
		return 0
	n = split(ours_rec, O, / \| /)
	m = split(ref, R, / \| /)
	if (n != m)
		return 0
	for (i = 3; i <= n; i += 2)
		if (O[i] != R[i])
			return 0
	for (i = 2; i <= n; i += 2)
		if (!same_name(O[i], R[i], isa2l))
			return 0
	return 1
}
function frames_equal(a, b,  n, m, i) {
	n = split(a, X, / \| /)
	m = split(b, Y, / \| /)
	if (n != m)
		return 0
	for (i = 3; i <= n; i += 2)
		if (X[i] != Y[i])
			return 0
	return 1
}
BEGIN { FS = "\t" }
{
	kind = $1; ours_rec = $2; a2l = $3; llv = $4
	total++
	if (kind == "call")
		call++
	if (ours_rec == a2l)
		exact++
	if (frames_equal(ours_rec, a2l))
		frames++
	nf = (split(ours_rec, F, / \| /) - 1) / 2
	if (nf >= 3)
		deep++
	if (nf > maxdepth)
		maxdepth = nf
	if (agrees(a2l, 1) || agrees(llv, 0)) {
		agree++
		if (kind == "call")
			callagree++
	} else {
		print "fail ours: " ours_rec
		print "fail addr2line: " a2l
		if (llv != "")
			print "fail llvm-symbolizer: " llv
	}
}
END {
	printf "total %d call %d exact %d frames %d agree %d callagree %d deep %d maxdepth %d\n", total, call, exact,
		frames, agree, callagree, deep, maxdepth
}
