#!/bin/sh
# SPDX-License-Identifier: MIT
# run-preloaded.sh: LOG_COMPILER for tests/kalloc/*.kalloc. A test named
# dir/foo.kalloc runs the program dir/foo (built next to it) with
# LD_PRELOAD=libkalloc.so and its output in a private directory.
set -u
test=$1
prog=${test%.kalloc}
case $prog in
/*) ;;
*) prog=${top_builddir:-.}/${prog#${top_srcdir:-.}/} ;;
esac
prog=${top_builddir:-.}/tests/kalloc/$(basename "$prog")
if [ ! -f "${KPROF_LIBKALLOC:-}" ]; then
	echo "Bail out! libkalloc.so is missing (${KPROF_LIBKALLOC:-KPROF_LIBKALLOC unset}); make check builds it"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kalloc-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
KALLOC_OUT=$tmp/out KALLOC_QUIET=1 LD_PRELOAD=$KPROF_LIBKALLOC "$prog"
