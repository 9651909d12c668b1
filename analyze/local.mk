# SPDX-License-Identifier: MIT
# analyze/: the kprof CLI. Files: one per subcommand (see kprof.h), plus the
# profile model (profile.h), its loader with the readers (load.h) and its
# writer (pprof-write.h), the call tree and the SVG renderer.
KAN_CORE_SOURCES = \
	analyze/profile.h analyze/profile.c analyze/load.h analyze/load.c \
	analyze/pprof-read.c analyze/compact.c analyze/pprof-write.h analyze/pprof-write.c analyze/legacy.c \
	analyze/tree.h analyze/tree.c analyze/escape.h analyze/escape.c
bin_PROGRAMS += analyze/kprof
analyze_kprof_SOURCES = analyze/kprof.h analyze/main.c analyze/die.c \
	$(KAN_CORE_SOURCES) analyze/cli.h analyze/cli.c analyze/folded.h \
	analyze/threads.h analyze/threads.c analyze/top.c analyze/flame.c analyze/svg.h analyze/svg.c analyze/folded.c analyze/leaks.h analyze/leaks.c \
	analyze/leaks-ci.c analyze/ci.h analyze/ci.c \
	analyze/convert.c analyze/merge.c \
	analyze/compare.c analyze/report.c \
	analyze/history.h analyze/history.c analyze/history-store.c analyze/history-text.c \
	analyze/strmap.h analyze/strmap.c \
	analyze/history-dashboard.c \
	analyze/history-sqlite.c \
	analyze/timeline.h analyze/timeline-load.c analyze/timeline-svg.c analyze/mem.c
# The PostgreSQL history store when configure found libpq; otherwise a
# stand-in that refuses postgresql:// URIs with one clear line.
if HAVE_LIBPQ
analyze_kprof_SOURCES += analyze/history-pg.c
else
analyze_kprof_SOURCES += analyze/history-nopg.c
endif
EXTRA_analyze_kprof_SOURCES = analyze/history-pg.c analyze/history-nopg.c
analyze_kprof_CPPFLAGS = $(KU_CPPFLAGS)
analyze_kprof_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(LIBDW_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
analyze_kprof_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
analyze_kprof_LDADD = lib/libku.la $(ZLIB_LIBS) $(LIBDW_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS) -lm
dist_man1_MANS += man/kprof.1
dist_man7_MANS += man/kprof-formats.7
