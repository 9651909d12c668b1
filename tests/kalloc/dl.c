/* SPDX-License-Identifier: MIT */
/* dl: dlopen/dlclose in a loop from two threads while allocating, plus a
 * signal handler that runs while the threads allocate; prints a result
 * that does not depend on timing. */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t hits;

static void on_alarm(int sig)
{
	(void)sig;
	hits++;
}

static void *worker(void *arg)
{
	const char *lib = arg;
	int i, found = 0;

	for (i = 0; i < 50; i++) {
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		char *p = malloc(100 + (size_t)i);

		if (h) {
			found += dlsym(h, "zlibVersion") != NULL || dlsym(h, "cos") != NULL;
			dlclose(h);
		}
		memset(p, i, 100);
		free(p);
		raise(SIGUSR1);
	}
	return (void *)(long)found;
}

int main(void)
{
	pthread_t a, b;
	void *ra, *rb;

	signal(SIGUSR1, on_alarm);
	pthread_create(&a, NULL, worker, "libz.so.1");
	pthread_create(&b, NULL, worker, "libm.so.6");
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	printf("symbols found %ld %ld, signals %d\n", (long)ra, (long)rb, (int)hits);
	return 0;
}
