/* SPDX-License-Identifier: MIT */
/* Corpus: four threads each leak one 64-byte block from the same site
 * (256 bytes in 4 blocks) and free everything else they allocate. */
#include <pthread.h>
#include <stdlib.h>
#include "corpus.h"

static NOINLINE void thread_leak(void)
{
	volatile char *p = malloc(64);

	p[0] = 1;
}

static void *worker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		free(malloc((size_t)(i % 200) + 1));
	thread_leak();
	SCRUB();
	return NULL;
}

int main(void)
{
	pthread_t th[4];
	int i;

	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 1;
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	SCRUB();
	return 0;
}
