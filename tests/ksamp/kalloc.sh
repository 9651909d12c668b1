#!/bin/sh
# SPDX-License-Identifier: MIT
# libksamp end-to-end: the 'kalloc' scenario of ksamp-e2e (both interposers).
set -u
exec "$top_builddir/tests/ksamp/ksamp-e2e" kalloc
