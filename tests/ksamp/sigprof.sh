#!/bin/sh
# SPDX-License-Identifier: MIT
# libksamp end-to-end: the 'sigprof' scenario of ksamp-e2e (see ksamp-e2e.c).
set -u
exec "$top_builddir/tests/ksamp/ksamp-e2e" sigprof
