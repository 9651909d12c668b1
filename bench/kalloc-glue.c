/* SPDX-License-Identifier: MIT */
/*
 * kalloc-glue: the drivers' view of libkalloc.so. The drivers are never
 * linked with it: when it is preloaded its public functions are found with
 * dlsym(RTLD_DEFAULT) (the same no-link rule as kalloc.h), otherwise every
 * call here is a no-op. Phases: "warmup" before warm-up, "steady" for the
 * measured part; kalloc_messages(n) after each measured batch, so its
 * stats.json gives allocations and bytes per message per phase. For the
 * figures in the driver's own result JSON the driver reads the running
 * totals at the phase boundaries (kalloc_totals, when the library has it).
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>

#include "driver.h"

static void (*kb__messages)(unsigned long long);
static void (*kb__phase)(const char *);
static int (*kb__totals)(unsigned long long *, unsigned long long *);
static pthread_once_t kb__once = PTHREAD_ONCE_INIT;

static void kb__lookup(void)
{
	*(void **)&kb__messages = dlsym(RTLD_DEFAULT, "kalloc_v1_messages");
	*(void **)&kb__phase = dlsym(RTLD_DEFAULT, "kalloc_v1_phase");
	*(void **)&kb__totals = dlsym(RTLD_DEFAULT, "kalloc_totals");
}

bool kb_kalloc_loaded(void)
{
	pthread_once(&kb__once, kb__lookup);
	return kb__phase != NULL;
}

void kb_kalloc_phase(const char *name)
{
	if (kb_kalloc_loaded())
		kb__phase(name);
}

void kb_kalloc_messages(uint64_t n)
{
	if (kb_kalloc_loaded() && kb__messages)
		kb__messages((unsigned long long)n);
}

bool kb_kalloc_totals(uint64_t *allocs, uint64_t *bytes)
{
	unsigned long long a, b;

	if (!kb_kalloc_loaded() || !kb__totals || kb__totals(&a, &b) != 0)
		return false;
	*allocs = a;
	*bytes = b;
	return true;
}
