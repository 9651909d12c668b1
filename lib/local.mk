# SPDX-License-Identifier: MIT
# lib/: code shared by two or more parts, built twice: libku.la for the
# analyzer, drivers and tests (sanitizers allowed), libku_inject.la for the
# interposers (hidden visibility, never sanitized). Both symbolize with
# libdw: the interposers only at exit, on a normal thread. The arena and
# the hash table are in both, for the symbolizer's interned names.
KU_INJECT_SOURCES = \
	lib/unwind.h lib/unwind-fp.c lib/unwind-libunwind.c \
	lib/cfi.h lib/cfi-int.h lib/cfi.c lib/cfi-build.c lib/unwind-cfi.c \
	lib/procmaps.h lib/procmaps.c \
	lib/pprof.h lib/pprof.c \
	lib/symbolize.h lib/symbolize.c lib/elfplt.h lib/elfplt.c \
	lib/arena.h lib/arena.c lib/hmap.h lib/hmap.c \
	lib/termsig.h lib/termsig.c lib/svcthread.h lib/svcthread.c \
	lib/json.h lib/json-write.c lib/json-parse.c \
	lib/ku.h lib/ku.c \
	lib/signame.h lib/signame.c \
	lib/outdir.h lib/outdir.c
KU_SOURCES = $(KU_INJECT_SOURCES) \
	lib/hist.h lib/hist.c

noinst_LTLIBRARIES += lib/libku.la lib/libku_inject.la
lib_libku_la_SOURCES = $(KU_SOURCES)
lib_libku_la_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(ZLIB_CFLAGS) $(LIBUNWIND_CFLAGS) $(LIBDW_CFLAGS)
lib_libku_la_LIBADD = $(ZLIB_LIBS) $(LIBUNWIND_LIBS) $(LIBDW_LIBS)
lib_libku_inject_la_SOURCES = $(KU_INJECT_SOURCES)
lib_libku_inject_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden -fno-omit-frame-pointer $(ZLIB_CFLAGS) $(LIBUNWIND_CFLAGS) $(LIBDW_CFLAGS)
lib_libku_inject_la_LIBADD = $(ZLIB_LIBS) $(LIBUNWIND_LIBS) $(LIBDW_LIBS)
