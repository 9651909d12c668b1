/* SPDX-License-Identifier: MIT */
/* threads300: 300 threads alive at once, each allocating and freeing,
 * some blocks freed by other threads; then all joined. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 300

static pthread_barrier_t all_up;
static void *handoff[N];

static void *worker(void *arg)
{
	long id = (long)arg;
	long sum = 0;

	for (int i = 0; i < 200; i++) {
		char *p = malloc(32 + (size_t)(i % 50));
		p[0] = (char)i;
		sum += p[0];
		free(p);
	}
	handoff[id] = malloc(128);
	pthread_barrier_wait(&all_up); /* all 300 threads alive here */
	free(handoff[(id + 1) % N]);   /* a block another thread allocated */
	return (void *)sum;
}

int main(void)
{
	pthread_t t[N];
	long total = 0;
	int made = 0;

	pthread_barrier_init(&all_up, NULL, N);
	for (long i = 0; i < N; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) == 0)
			made++;
	for (int i = 0; i < made; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (long)r;
	}
	printf("threads %d sum %ld\n", made, total);
	return made == N ? 0 : 1;
}
