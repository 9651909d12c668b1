/* SPDX-License-Identifier: MIT */
/*
 * aligned: the aligned-allocation family, good calls and error cases.
 * Prints what each call returned (status, NULL or not, alignment kept),
 * so a run under an interposer must print the same as a plain run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile size_t huge = SIZE_MAX - 100; /* past the compiler's checks */

static void show(const char *what, void *p, size_t align)
{
	printf("%-34s %s%s\n", what, p ? "ok" : "NULL",
	       p && align && ((uintptr_t)p % align) ? " MISALIGNED" : "");
}

int main(void)
{
	static const size_t aligns[] = {8, 16, 64, 4096, 65536};
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char what[64];
	void *p;
	int rc;

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		p = NULL;
		rc = posix_memalign(&p, aligns[i], 100);
		snprintf(what, sizeof(what), "posix_memalign(%zu, 100) = %d", aligns[i], rc);
		show(what, p, aligns[i]);
		if (p)
			memset(p, 1, 100);
		free(p);
		p = aligned_alloc(aligns[i], aligns[i] * 2);
		snprintf(what, sizeof(what), "aligned_alloc(%zu)", aligns[i]);
		show(what, p, aligns[i]);
		free(p);
		p = memalign(aligns[i], 33);
		snprintf(what, sizeof(what), "memalign(%zu, 33)", aligns[i]);
		show(what, p, aligns[i]);
		free(p);
	}
	p = (void *)1;
	rc = posix_memalign(&p, 3, 100);
	printf("posix_memalign(3) = %s, p %s\n", rc == EINVAL ? "EINVAL" : "?", p == (void *)1 ? "untouched" : "changed");
	rc = posix_memalign(&p, sizeof(void *) / 2, 100);
	printf("posix_memalign(sizeof(void *)/2) = %s\n", rc == EINVAL ? "EINVAL" : "?");
	rc = posix_memalign(&p, 0, 100);
	printf("posix_memalign(0) = %s\n", rc == EINVAL ? "EINVAL" : "?");
	rc = posix_memalign(&p, 64, huge);
	printf("posix_memalign(64, huge) = %s\n", rc == ENOMEM ? "ENOMEM" : "?");
	errno = 0;
	p = memalign(64, huge);
	printf("memalign(64, huge) = %s errno %s\n", p ? "ok" : "NULL", errno == ENOMEM ? "ENOMEM" : "?");
	errno = 0;
	p = aligned_alloc(64, huge);
	printf("aligned_alloc(64, huge) = %s errno %s\n", p ? "ok" : "NULL", errno == ENOMEM ? "ENOMEM" : "?");
	/* Not a power of two: glibc 2.38 and later fail with EINVAL, older
	 * ones round up; print what this libc does, the same either way. */
	errno = 0;
	p = aligned_alloc(24, 48);
	printf("aligned_alloc(24, 48) = %s errno %d\n", p ? "ok" : "NULL", errno);
	free(p);
	errno = 0;
	p = memalign(24, 48);
	printf("memalign(24, 48) = %s\n", p ? "ok" : "NULL");
	free(p);
	p = valloc(10);
	show("valloc(10)", p, page);
	printf("valloc usable >= 10: %s\n", p && malloc_usable_size(p) >= 10 ? "yes" : "no");
	free(p);
	p = pvalloc(10);
	show("pvalloc(10)", p, page);
	printf("pvalloc usable >= page: %s\n", p && malloc_usable_size(p) >= page ? "yes" : "no");
	free(p);
	p = pvalloc(0);
	show("pvalloc(0)", p, page);
	free(p);
	errno = 0;
	p = valloc(huge);
	printf("valloc(huge) = %s errno %s\n", p ? "ok" : "NULL", errno == ENOMEM ? "ENOMEM" : "?");
	errno = 0;
	p = pvalloc(huge);
	printf("pvalloc(huge) = %s errno %s\n", p ? "ok" : "NULL", errno == ENOMEM ? "ENOMEM" : "?");
	/* realloc of an aligned block keeps the contents. */
	rc = posix_memalign(&p, 4096, 64);
	memset(p, 7, 64);
	p = realloc(p, 100000);
	printf("realloc of aligned keeps contents: %s\n", p && ((char *)p)[63] == 7 ? "yes" : "no");
	free(p);
	return 0;
}
