# SPDX-License-Identifier: MIT
# preload/: libkalloc.so, the allocation interposer (LD_PRELOAD). Built as
# a module so the file is exactly libkalloc.so; only the allocation
# functions and kalloc_* are exported. Frame pointers are kept and sibling
# calls disabled so that the frame-pointer walk can skip kalloc's own
# frames by count.
lib_LTLIBRARIES += preload/libkalloc.la
include_HEADERS += preload/kalloc.h
preload_libkalloc_la_SOURCES = \
	preload/kalloc-internal.h preload/kalloc.c preload/config.c preload/threads.c preload/table.c \
	preload/stacks.c preload/leaks.c preload/report-internal.h preload/report.c preload/stats.c \
	preload/symtab.c preload/signal.c \
	preload/timeline.h preload/timeline.c
# override.c is not compiled alone: kalloc.c includes it (see its top).
EXTRA_DIST += preload/override.c
preload_libkalloc_la_CPPFLAGS = $(KU_CPPFLAGS)
preload_libkalloc_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden -fno-omit-frame-pointer \
	-fno-optimize-sibling-calls $(KALLOC_NOICF_CFLAGS) -fno-builtin-malloc -fno-builtin-free -ftls-model=initial-exec
preload_libkalloc_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-export-symbols-regex '^(malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|malloc_usable_size|strdup|strndup|_Zn[wa]m.*|_Zd[la]Pv.*|kalloc_.*)$$'
preload_libkalloc_la_LIBADD = lib/libku_inject.la -lm
dist_man7_MANS += man/libkalloc.7
dist_man3_MANS += man/kalloc.3
