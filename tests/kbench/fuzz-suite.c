/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the kbench suite parser and matrix expansion
 * (bench/kbench-suite.c) on arbitrary bytes, through a memfd.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kbench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.suite", 0);
	char path[64], err[512];
	struct kb_suite s;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (kb_suite_load(path, &s, err, sizeof(err)) == 0) {
			struct kb_case *c = NULL;
			size_t n = 0;

			/* cap the matrix: 16^5 cases would only test memory size */
			if (kb_suite_cases(&s, "memory,kafka", 2, NULL, &c, &n) == 0)
				kb_cases_free(c, n);
			kb_suite_free(&s);
		}
	}
	close(fd);
	return 0;
}
