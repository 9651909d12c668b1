# SPDX-License-Identifier: MIT
# tests/corpus/: real programs and program shapes under both interposers.
# outdir.sh checks where the files go when the program drops privileges;
# corpus.sh runs the corpus (programs below and installed tools), each
# plain and under libkalloc and libksamp, and compares everything.
KCORPUS_BINS = tests/corpus/dropprivs
check_PROGRAMS += $(KCORPUS_BINS)
tests_corpus_dropprivs_SOURCES = tests/corpus/dropprivs.c
tests_corpus_dropprivs_CFLAGS = $(AM_CFLAGS) -g -O2
tests_corpus_dropprivs_LDFLAGS = $(AM_LDFLAGS) -no-install

TESTS += tests/corpus/outdir.sh
EXTRA_DIST += tests/corpus/outdir.sh
