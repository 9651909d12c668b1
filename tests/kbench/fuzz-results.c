/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the kprof-bench/1 loader behind compare, history and
 * report (analyze/results-load.c), followed by the comparison of every
 * metric with itself, on arbitrary bytes. Input goes through a memfd so
 * the loader runs exactly as on a file.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "results.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("results.json", 0);
	char path[64], err[512];
	struct kan_run *r = NULL;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (kan_run_load(path, &r, err, sizeof(err)) == 0) {
			for (size_t i = 0; i < r->nb; i++) {
				const struct kan_bench *b = &r->b[i];

				if (kan_run_find(r, b->key) == NULL)
					__builtin_trap();
				for (size_t j = 0; j < b->nm; j++) {
					struct kan_cmp c;
					char buf[64];

					if (b->m[j].nreps)
						kan_stats_compare(b->m[j].reps, b->m[j].nreps, b->m[j].reps, b->m[j].nreps,
								  kan_stats_direction(b->m[j].name), 0.05, 0.05, &c);
					kan_metric_fmt(b->m[j].name, b->m[j].value, buf, sizeof(buf));
				}
			}
			kan_run_free(r);
		}
	}
	close(fd);
	return 0;
}
