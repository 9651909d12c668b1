/* SPDX-License-Identifier: MIT */
/*
 * stacks: deduplicated allocation stacks. A program has few distinct
 * allocation stacks and allocates from them millions of times, so the
 * common case, "this stack is known", is a lock-free look-up: a hash of
 * the program counters indexes an open-addressing array of stack ids that
 * is only ever appended to (an id, once published with a release store,
 * never moves). Inserting takes one lock. Everything lives in address
 * space reserved up front with MAP_NORESERVE, committed page by page as it
 * is used, so nothing ever moves and readers never need the lock.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "kalloc-internal.h"

#define KALLOC__STACKS_MAX (1u << 20)		   /* ids 1..MAX-1 */
#define KALLOC__SLOTS (KALLOC__STACKS_MAX * 2)	   /* load <= 1/2 */
#define KALLOC__PCS_MAX ((size_t)1 << 25)	   /* 256 MiB of pcs */

static uint32_t *slots;		   /* id or 0 */
static struct kalloc__stack *stackv; /* [id] */
static uintptr_t *pc_pool;
static uint32_t nstacks; /* highest id in use, published */
static size_t npcs;
static kalloc__lock_t stacks_lk;
static int full_once;

int kalloc__stacks_init(void)
{
	slots = kalloc__map(sizeof(uint32_t) * KALLOC__SLOTS);
	stackv = kalloc__map(sizeof(struct kalloc__stack) * KALLOC__STACKS_MAX);
	pc_pool = kalloc__map(sizeof(uintptr_t) * KALLOC__PCS_MAX);
	if (!slots || !stackv || !pc_pool)
		return -ENOMEM;
	return 0;
}

static inline uint64_t stack_hash(const uintptr_t *pcs, int n)
{
	uint64_t h = 0x84222325cbf29ce4ull ^ (uint64_t)n;
	int i;

	for (i = 0; i < n; i++) {
		h ^= pcs[i];
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 31;
	}
	return h ? h : 1;
}

static inline int stack_eq(const struct kalloc__stack *s, uint64_t h, const uintptr_t *pcs, int n)
{
	const uintptr_t *q;
	int i;

	if (s->hash != h || s->depth != (uint32_t)n)
		return 0;
	/* Stacks are short: an inline loop beats a call to memcmp. */
	q = pc_pool + s->off;
	for (i = 0; i < n; i++)
		if (q[i] != pcs[i])
			return 0;
	return 1;
}

uint32_t kalloc__stack_intern(const uintptr_t *pcs, int n)
{
	uint64_t h = stack_hash(pcs, n);
	size_t mask = KALLOC__SLOTS - 1, i = (size_t)h & mask;
	uint32_t id;

	/* Lock-free look-up. */
	for (;;) {
		id = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
		if (!id)
			break;
		if (stack_eq(&stackv[id], h, pcs, n))
			return id;
		i = (i + 1) & mask;
	}
	kalloc__lock(&stacks_lk);
	/* Someone may have inserted it meanwhile: continue the probe. */
	for (;;) {
		id = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
		if (!id)
			break;
		if (stack_eq(&stackv[id], h, pcs, n)) {
			kalloc__unlock(&stacks_lk);
			return id;
		}
		i = (i + 1) & mask;
	}
	if (nstacks + 1 >= KALLOC__STACKS_MAX || npcs + (size_t)n > KALLOC__PCS_MAX) {
		kalloc__unlock(&stacks_lk);
		kalloc__warn(&full_once, "stack table full; new allocation stacks are not recorded");
		return 0;
	}
	id = nstacks + 1;
	memcpy(pc_pool + npcs, pcs, (size_t)n * sizeof(uintptr_t));
	stackv[id].hash = h;
	stackv[id].off = (uint32_t)npcs;
	stackv[id].depth = (uint32_t)n;
	npcs += (size_t)n;
	__atomic_store_n(&nstacks, id, __ATOMIC_RELEASE);
	__atomic_store_n(&slots[i], id, __ATOMIC_RELEASE);
	kalloc__unlock(&stacks_lk);
	return id;
}

struct kalloc__stack *kalloc__stack_get(uint32_t id)
{
	return &stackv[id];
}

const uintptr_t *kalloc__stack_pcs(const struct kalloc__stack *s)
{
	return pc_pool + s->off;
}

uint32_t kalloc__stack_count(void)
{
	return __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE);
}

void kalloc__stacks_lock(void)
{
	kalloc__lock(&stacks_lk);
}

void kalloc__stacks_unlock(void)
{
	kalloc__unlock(&stacks_lk);
}

void kalloc__stacks_reset_lock(void)
{
	stacks_lk.v = 0;
}

size_t kalloc__stacks_footprint(void)
{
	uint32_t n = kalloc__stack_count();

	return (size_t)(n + 1) * sizeof(struct kalloc__stack) + npcs * sizeof(uintptr_t) +
	       (size_t)n * 2 * sizeof(uint32_t);
}
