# SPDX-License-Identifier: MIT
# analyze/results.mk: compare, history, report (bench results side of kprof).
# stats.c holds the Mann-Whitney maths, results-load.c reads kprof-bench/1,
# results-svg.c draws the charts of the report and the dashboard,
# results-merge.c merges result files (kprof merge).
analyze_kprof_SOURCES += analyze/stats.h analyze/stats.c \
	analyze/results.h analyze/results-load.c analyze/results-svg.c \
	analyze/results-merge.c
