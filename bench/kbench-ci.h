/* SPDX-License-Identifier: MIT */
/*
 * kbench-ci: the CI reports of a kbench run (kbench run --ci-reports):
 * the leak reports of every case (OUT/CASE/leaks.json) through `kprof
 * leaks` into OUT/leaks.sarif (SARIF 2.1.0, for code scanning) and
 * OUT/leaks.junit.xml (JUnit XML, one test suite per case), next to
 * results.json. Formats in kprof-formats(7).
 */
#ifndef KB_KBENCH_CI_H
#define KB_KBENCH_CI_H

/* kprof: the kprof binary; out: the run directory; source_root: passed as
 * --source-root (NULL: kprof's default, the current directory). Returns
 * the number of reports written (0..2); says why on stderr when one
 * could not be. */
int kb_ci_reports(const char *kprof, const char *out, const char *source_root);

#endif
