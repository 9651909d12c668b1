# SPDX-License-Identifier: MIT
# tests/: shared TAP helpers; each part's tests live in tests/<part>/ and
# are added by tests/<part>/local.mk.
noinst_HEADERS += tests/tap.h
EXTRA_DIST += tests/tap.sh
# The shell scripts keep the rules that let checks fail (see the file).
TESTS += tests/lint.sh
EXTRA_DIST += tests/lint.sh
# The calls between the files of analyze/ and bench/ run one way.
TESTS += tests/arrows.sh
EXTRA_DIST += tests/arrows.sh
include tests/kalloc/local.mk
include tests/ksamp/local.mk
include tests/kprof/local.mk
include tests/symbolize/local.mk
include tests/bench/local.mk
include tests/kbench/local.mk
include tests/clients/local.mk
include tests/unwind/local.mk
include tests/corpus/local.mk
