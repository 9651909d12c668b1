/* SPDX-License-Identifier: MIT */
/* msgs: known per-message allocation behaviour for stats.json.
 * warmup: 100 messages, each allocating 3 blocks of 64 bytes and keeping
 * one (live growth); steady: 1000 messages, each allocating 2 blocks of
 * 100 bytes from handle_message() and freeing both; bulk: 3 messages of
 * one 1234567-byte block each (figures of 7 digits must stay exact);
 * third: 3 messages and one 100-byte block in all (ratios of 1/3);
 * cleanup frees what warmup kept. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "kalloc.h"

#define NOINLINE __attribute__((noinline))

static void *kept[100];
static volatile int nbulk = 3; /* not a constant: the loop must not be unrolled */

static NOINLINE void warm_message(int i)
{
	void *a = malloc(64), *b = malloc(64);

	kept[i] = malloc(64);
	memset(kept[i], 0, 64);
	free(a);
	free(b);
}

static NOINLINE void handle_message(void)
{
	char *a = malloc(100), *b = malloc(100);

	memset(a, 1, 100);
	memset(b, 2, 100);
	free(a);
	free(b);
}

static NOINLINE void bulk_message(void)
{
	char *p = malloc(1234567);

	if (p)
		memset(p, 3, 1234567);
	free(p);
}

int main(void)
{
	int i;

	/* The environment's locale (LC_NUMERIC may have a decimal comma):
	 * the files libkalloc writes must not depend on it. */
	setlocale(LC_ALL, "");
	kalloc_phase("warmup");
	for (i = 0; i < 100; i++) {
		warm_message(i);
		kalloc_messages(1);
	}
	kalloc_phase("steady");
	for (i = 0; i < 1000; i++) {
		handle_message();
		kalloc_messages(1);
	}
	kalloc_phase("bulk");
	for (i = 0; i < nbulk; i++) {
		bulk_message();
		kalloc_messages(1);
	}
	kalloc_phase("third");
	free(malloc(100));
	kalloc_messages(3);
	kalloc_phase("cleanup");
	for (i = 0; i < 100; i++)
		free(kept[i]);
	return 0;
}
