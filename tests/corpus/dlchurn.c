/* SPDX-License-Identifier: MIT */
/*
 * dlchurn: dlopen/dlclose of a library with allocating constructors, 300
 * times from two threads; blocks allocated inside the library are freed
 * after it was unloaded (their allocation stacks point into code that is
 * gone). Usage: dlchurn PATH-TO-libchurn.so
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static const char *lib;

static void *loop(void *arg)
{
	long good = 0;

	(void)arg;
	for (int i = 0; i < 150; i++) {
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		int (*value)(void);
		char *(*dup)(const char *);
		char *s = NULL;

		if (!h)
			continue;
		value = (int (*)(void))dlsym(h, "churn_value");
		dup = (char *(*)(const char *))dlsym(h, "churn_strdup");
		if (value && value() == 3)
			good++;
		if (dup)
			s = dup("made inside the library");
		dlclose(h);
		free(s);
	}
	return (void *)good;
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	void *ra, *rb;

	if (argc != 2) {
		fprintf(stderr, "usage: dlchurn LIB\n");
		return 2;
	}
	lib = argv[1];
	pthread_create(&a, NULL, loop, NULL);
	pthread_create(&b, NULL, loop, NULL);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	printf("good loads %ld\n", (long)ra + (long)rb);
	return 0;
}
