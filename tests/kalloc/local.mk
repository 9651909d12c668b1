# SPDX-License-Identifier: MIT
# tests/kalloc/: libkalloc.so. The leak corpus (programs with exactly
# known leaks, built as programs are: plain -O2 -g, no frame pointers;
# allocation sites are named non-inlined functions), helper programs,
# unit tests of lib/unwind and lib/procmaps,
# and TAP scripts. In-process tests named *.kalloc run the program of the
# same name under LD_PRELOAD=libkalloc.so through run-preloaded.sh.
KALLOC_CORPUS_FLAGS = -g -O2
noinst_HEADERS += tests/kalloc/corpus/corpus.h

tests_kalloc_corpus_leak_malloc_SOURCES = tests/kalloc/corpus/leak-malloc.c
tests_kalloc_corpus_leak_malloc_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_malloc_LDFLAGS = $(AM_LDFLAGS) -no-install

KALLOC_CORPUS = tests/kalloc/corpus/leak-malloc \
	tests/kalloc/corpus/leak-calloc \
	tests/kalloc/corpus/leak-realloc \
	tests/kalloc/corpus/leak-aligned \
	tests/kalloc/corpus/leak-strdup \
	tests/kalloc/corpus/leak-thread \
	tests/kalloc/corpus/leak-indirect \
	tests/kalloc/corpus/leak-fork \
	tests/kalloc/corpus/clean \
	tests/kalloc/corpus/leak-new \
	tests/kalloc/corpus/cleanxx \
	tests/kalloc/corpus/reach-threads
check_PROGRAMS += $(KALLOC_CORPUS)

tests_kalloc_corpus_reach_threads_SOURCES = tests/kalloc/corpus/reach-threads.c
tests_kalloc_corpus_reach_threads_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_reach_threads_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_calloc_SOURCES = tests/kalloc/corpus/leak-calloc.c
tests_kalloc_corpus_leak_calloc_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_calloc_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_realloc_SOURCES = tests/kalloc/corpus/leak-realloc.c
tests_kalloc_corpus_leak_realloc_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_realloc_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_aligned_SOURCES = tests/kalloc/corpus/leak-aligned.c
tests_kalloc_corpus_leak_aligned_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_aligned_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_strdup_SOURCES = tests/kalloc/corpus/leak-strdup.c
tests_kalloc_corpus_leak_strdup_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_strdup_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_thread_SOURCES = tests/kalloc/corpus/leak-thread.c
tests_kalloc_corpus_leak_thread_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_thread_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_indirect_SOURCES = tests/kalloc/corpus/leak-indirect.c
tests_kalloc_corpus_leak_indirect_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_indirect_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_fork_SOURCES = tests/kalloc/corpus/leak-fork.c
tests_kalloc_corpus_leak_fork_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_fork_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_clean_SOURCES = tests/kalloc/corpus/clean.c
tests_kalloc_corpus_clean_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_clean_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_leak_new_SOURCES = tests/kalloc/corpus/leak-new.cc
tests_kalloc_corpus_leak_new_CXXFLAGS = $(AM_CXXFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_leak_new_LDFLAGS = $(AM_LDFLAGS) -no-install

tests_kalloc_corpus_cleanxx_SOURCES = tests/kalloc/corpus/cleanxx.cc
tests_kalloc_corpus_cleanxx_CXXFLAGS = $(AM_CXXFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_corpus_cleanxx_LDFLAGS = $(AM_LDFLAGS) -no-install

EXTRA_DIST += $(KALLOC_CORPUS:=.exp) tests/kalloc/corpus/leak-fork.child.exp

# Helper programs for the end-to-end scripts.
check_PROGRAMS += tests/kalloc/mt tests/kalloc/forkexec tests/kalloc/badfree tests/kalloc/msgs tests/kalloc/dl
tests_kalloc_dl_SOURCES = tests/kalloc/dl.c
tests_kalloc_dl_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_mt_SOURCES = tests/kalloc/mt.cc
tests_kalloc_mt_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_forkexec_SOURCES = tests/kalloc/forkexec.c
tests_kalloc_forkexec_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_badfree_SOURCES = tests/kalloc/badfree.c
tests_kalloc_badfree_CFLAGS = $(AM_CFLAGS) -fno-builtin
tests_kalloc_badfree_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_msgs_SOURCES = tests/kalloc/msgs.c
tests_kalloc_msgs_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/preload
# msgs counts allocations the compiler would otherwise fold away.
tests_kalloc_msgs_CFLAGS = $(AM_CFLAGS) -g -O2 -fno-builtin
tests_kalloc_msgs_LDFLAGS = $(AM_LDFLAGS) -no-install

# In-process tests: TAP programs run under the preload by the wrapper.
TEST_EXTENSIONS += .kalloc
KALLOC_LOG_DRIVER = $(LOG_DRIVER)
KALLOC_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/kalloc/run-preloaded.sh
check_PROGRAMS += tests/kalloc/api tests/kalloc/stress tests/kalloc/sigmalloc tests/kalloc/getattr
tests_kalloc_getattr_SOURCES = tests/kalloc/getattr.c
tests_kalloc_getattr_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_sigmalloc_SOURCES = tests/kalloc/sigmalloc.c
tests_kalloc_sigmalloc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/preload
tests_kalloc_sigmalloc_CFLAGS = $(AM_CFLAGS) -fno-builtin
tests_kalloc_sigmalloc_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_api_SOURCES = tests/kalloc/api.c
tests_kalloc_api_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/preload
tests_kalloc_api_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_stress_SOURCES = tests/kalloc/stress.c
tests_kalloc_stress_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/preload
tests_kalloc_stress_CFLAGS = $(AM_CFLAGS) -fno-builtin
tests_kalloc_stress_LDFLAGS = $(AM_LDFLAGS) -no-install
KALLOC_PRELOAD_TESTS = tests/kalloc/api.kalloc tests/kalloc/stress.kalloc tests/kalloc/sigmalloc.kalloc \
	tests/kalloc/getattr.kalloc
EXTRA_DIST += tests/kalloc/run-preloaded.sh $(KALLOC_PRELOAD_TESTS)

# Unit tests of lib/unwind and lib/procmaps (no preload).
check_PROGRAMS += tests/kalloc/unwind-unit tests/kalloc/procmaps-unit tests/kalloc/unwind-memo-unit \
	tests/kalloc/signame-unit
tests_kalloc_signame_unit_SOURCES = tests/kalloc/signame-unit.c
tests_kalloc_signame_unit_CPPFLAGS = $(KU_CPPFLAGS)
tests_kalloc_signame_unit_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/tests
tests_kalloc_signame_unit_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_signame_unit_LDADD = lib/libku.la
# Plain -O2 without frame pointers: the memo must be exact on such code.
tests_kalloc_unwind_memo_unit_SOURCES = tests/kalloc/unwind-memo-unit.c
tests_kalloc_unwind_memo_unit_CPPFLAGS = $(KU_CPPFLAGS)
tests_kalloc_unwind_memo_unit_CFLAGS = $(AM_CFLAGS) -O2 -fomit-frame-pointer -I$(srcdir)/tests
tests_kalloc_unwind_memo_unit_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_unwind_memo_unit_LDADD = lib/libku_inject.la
tests_kalloc_unwind_unit_SOURCES = tests/kalloc/unwind-unit.c
tests_kalloc_unwind_unit_CPPFLAGS = $(KU_CPPFLAGS)
tests_kalloc_unwind_unit_CFLAGS = $(AM_CFLAGS) -fno-omit-frame-pointer -fno-optimize-sibling-calls
tests_kalloc_unwind_unit_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_kalloc_unwind_unit_LDADD = lib/libku_inject.la
tests_kalloc_procmaps_unit_SOURCES = tests/kalloc/procmaps-unit.c
tests_kalloc_procmaps_unit_CPPFLAGS = $(KU_CPPFLAGS)
tests_kalloc_procmaps_unit_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_kalloc_procmaps_unit_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
tests_kalloc_procmaps_unit_LDADD = lib/libku.la

KALLOC_SH_TESTS = tests/kalloc/corpus.sh tests/kalloc/real.sh tests/kalloc/badinput.sh \
	tests/kalloc/features.sh tests/kalloc/pprof.sh tests/kalloc/debuginfo.sh tests/kalloc/compose.sh
TESTS += tests/kalloc/unwind-unit tests/kalloc/procmaps-unit tests/kalloc/unwind-memo-unit tests/kalloc/signame-unit $(KALLOC_SH_TESTS) $(KALLOC_PRELOAD_TESTS)
EXTRA_DIST += $(KALLOC_SH_TESTS) tests/kalloc/lib.sh

# Overhead benchmark: built by make check, run by hand (tests/kalloc/perf/run.sh).
check_PROGRAMS += tests/kalloc/perf/malloc_bench
tests_kalloc_perf_malloc_bench_SOURCES = tests/kalloc/perf/malloc_bench.c
tests_kalloc_perf_malloc_bench_CFLAGS = $(AM_CFLAGS) -fno-builtin -fomit-frame-pointer
tests_kalloc_perf_malloc_bench_LDFLAGS = $(AM_LDFLAGS) -no-install
EXTRA_DIST += tests/kalloc/perf/run.sh

# Memory over time: timeline, peak attribution, temporary allocations,
# heaptrack agreement, services (interval snapshots, termination signals),
# per-message figures of kprof mem and kprof timeline.
check_PROGRAMS += tests/kalloc/memtime
tests_kalloc_memtime_SOURCES = tests/kalloc/memtime.c
tests_kalloc_memtime_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/preload
tests_kalloc_memtime_CFLAGS = $(AM_CFLAGS) $(KALLOC_CORPUS_FLAGS)
tests_kalloc_memtime_LDFLAGS = $(AM_LDFLAGS) -no-install
# termwait: how a program stopped by a signal ended, as waitpid says.
check_PROGRAMS += tests/kalloc/termwait
tests_kalloc_termwait_SOURCES = tests/kalloc/termwait.c
tests_kalloc_termwait_LDFLAGS = $(AM_LDFLAGS) -no-install
KALLOC_MEMTIME_TESTS = tests/kalloc/timeline.sh tests/kalloc/heaptrack.sh tests/kalloc/services.sh \
	tests/kalloc/svcexit.sh tests/kalloc/fulldisk.sh tests/kalloc/permsg.sh
TESTS += $(KALLOC_MEMTIME_TESTS)
EXTRA_DIST += $(KALLOC_MEMTIME_TESTS)
