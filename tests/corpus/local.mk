# SPDX-License-Identifier: MIT
# tests/corpus/: real programs and program shapes under both interposers.
# outdir.sh checks where the files go when the program drops privileges;
# corpus.sh runs the corpus (the programs below, installed tools, a Go
# program built at test time, the benchmark drivers on every backend),
# each plain and under libkalloc (full, sample, count) and libksamp (cpu,
# wall), and compares status, stdout and stderr. Built as programs are:
# -O2 -g, no frame pointers.
KCORPUS_FLAGS = -g -O2
KCORPUS_BINS = tests/corpus/dropprivs tests/corpus/cxx-async tests/corpus/aligned \
	tests/corpus/forkmt tests/corpus/sigjmp tests/corpus/dlchurn tests/corpus/ending \
	tests/corpus/spawn tests/corpus/threads300 tests/corpus/ownprof tests/corpus/reusefd2
check_PROGRAMS += $(KCORPUS_BINS)
tests_corpus_dropprivs_SOURCES = tests/corpus/dropprivs.c
tests_corpus_dropprivs_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_dropprivs_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_corpus_cxx_async_SOURCES = tests/corpus/cxx-async.cc
tests_corpus_cxx_async_CXXFLAGS = $(AM_CXXFLAGS) $(KCORPUS_FLAGS)
tests_corpus_cxx_async_LDFLAGS = $(AM_LDFLAGS) -no-install -pthread
tests_corpus_aligned_SOURCES = tests/corpus/aligned.c
tests_corpus_aligned_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_aligned_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_corpus_forkmt_SOURCES = tests/corpus/forkmt.c
tests_corpus_forkmt_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_forkmt_LDFLAGS = $(AM_LDFLAGS) -no-install -pthread
tests_corpus_sigjmp_SOURCES = tests/corpus/sigjmp.c
tests_corpus_sigjmp_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_sigjmp_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_corpus_dlchurn_SOURCES = tests/corpus/dlchurn.c
tests_corpus_dlchurn_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_dlchurn_LDFLAGS = $(AM_LDFLAGS) -no-install -pthread
tests_corpus_dlchurn_LDADD = -ldl
tests_corpus_ending_SOURCES = tests/corpus/ending.c
tests_corpus_ending_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_ending_LDFLAGS = $(AM_LDFLAGS) -no-install -pthread
tests_corpus_spawn_SOURCES = tests/corpus/spawn.c
tests_corpus_spawn_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_spawn_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_corpus_threads300_SOURCES = tests/corpus/threads300.c
tests_corpus_threads300_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_threads300_LDFLAGS = $(AM_LDFLAGS) -no-install -pthread
tests_corpus_reusefd2_SOURCES = tests/corpus/reusefd2.c
tests_corpus_reusefd2_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_reusefd2_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_corpus_ownprof_SOURCES = tests/corpus/ownprof.c
tests_corpus_ownprof_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_ownprof_LDFLAGS = $(AM_LDFLAGS) -no-install

# The library dlchurn loads and unloads (its constructor allocates).
check_LTLIBRARIES += tests/corpus/libchurn.la
tests_corpus_libchurn_la_SOURCES = tests/corpus/churnlib.c
tests_corpus_libchurn_la_CFLAGS = $(AM_CFLAGS) $(KCORPUS_FLAGS)
tests_corpus_libchurn_la_LDFLAGS = -module -avoid-version -shared -rpath $(abs_builddir)/tests/corpus

TESTS += tests/corpus/outdir.sh tests/corpus/corpus.sh
EXTRA_DIST += tests/corpus/outdir.sh tests/corpus/corpus.sh tests/corpus/go/main.go
# corpus.sh keeps the Go build cache of its Go program here between runs
clean-local: corpus-gocache-clean
corpus-gocache-clean:
	-chmod -R u+w tests/corpus/gocache 2>/dev/null; rm -rf tests/corpus/gocache
.PHONY: corpus-gocache-clean
