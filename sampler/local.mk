# SPDX-License-Identifier: MIT
# sampler/: libksamp.so, the signal-driven per-thread stack sampler
# (LD_PRELOAD). Only the ksamp.h API and the interposed libc functions are
# exported; everything else, lib/ included, is hidden.
lib_LTLIBRARIES += sampler/libksamp.la
include_HEADERS += sampler/ksamp.h
sampler_libksamp_la_SOURCES = sampler/ksamp-int.h sampler/ksamp.c sampler/threads.c sampler/handler.c sampler/writer.c \
	sampler/service.c
sampler_libksamp_la_CPPFLAGS = $(KU_CPPFLAGS)
sampler_libksamp_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden -fno-omit-frame-pointer $(LIBUNWIND_CFLAGS)
sampler_libksamp_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-export-symbols-regex '^(ksamp_(start|stop|flush)|pthread_create|thrd_create|clone|sigaction|signal|execve|execvpe|fexecve|execv|execvp|execl|execlp|execle|dlopen|dlclose)$$'
sampler_libksamp_la_LIBADD = lib/libku_inject.la $(ZLIB_LIBS) $(LIBUNWIND_LIBS) $(LIBDW_LIBS)
dist_man7_MANS += man/libksamp.7
dist_man3_MANS += man/ksamp.3
