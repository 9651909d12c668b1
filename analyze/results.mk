# SPDX-License-Identifier: MIT
# analyze/results.mk: compare, history, report (bench results side of kprof).
