#!/bin/sh
# SPDX-License-Identifier: MIT
# libksamp end-to-end: the 'forkexec' scenario of ksamp-e2e (see ksamp-e2e.c).
# With gperftools installed, the same exec under libprofiler.so is shown
# for contrast (diagnostic only).
set -u
for f in /usr/lib/*/libprofiler.so.0 /usr/lib/libprofiler.so.0; do
	[ -z "${GPERF_PROFILER:-}" ] && [ -r "$f" ] && GPERF_PROFILER=$f && export GPERF_PROFILER
done
exec "$top_builddir/tests/ksamp/ksamp-e2e" forkexec
