# SPDX-License-Identifier: MIT
# analyze/: the kprof CLI. Files: one per subcommand (see kprof.h).
bin_PROGRAMS += analyze/kprof
analyze_kprof_SOURCES = analyze/kprof.h analyze/main.c \
	analyze/top.c analyze/flame.c analyze/folded.c analyze/leaks.c \
	analyze/convert.c analyze/merge.c \
	analyze/compare.c analyze/history.c analyze/report.c
analyze_kprof_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(LIBDW_CFLAGS) $(SQLITE_CFLAGS)
analyze_kprof_LDFLAGS = $(AM_LDFLAGS) $(SAN_CFLAGS) -no-install
analyze_kprof_LDADD = lib/libku.la $(ZLIB_LIBS) $(LIBDW_LIBS) $(SQLITE_LIBS) -lm
