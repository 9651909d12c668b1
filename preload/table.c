/* SPDX-License-Identifier: MIT */
/*
 * table: the live-block table of libkalloc.so, address -> (size, stack id).
 * 256 shards chosen by a hash of the address's 1 MiB region, each with
 * its own spinlock on its own cache line and an open-addressing table (linear probing,
 * backward-shift deletion, so no tombstones) on memory mapped with mmap.
 * A shard doubles when half full (short probe chains keep free() cheap),
 * so an entry of 16 bytes costs 32 to 64 bytes of table per live block. Sample mode also keeps a counting filter
 * (one byte per 16K buckets) so that free() of an unsampled block, the
 * common case, is answered without taking any lock.
 *
 * Sharding by region rather than by address keeps each thread on its own
 * few shards (allocators hand each thread memory from its own arena), so
 * a shard's lock and slots stay in the cache of the core that uses them
 * instead of bouncing between cores on every malloc and free.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "kalloc-internal.h"

#define KALLOC__SHARDS 256
#define KALLOC__SHARD_MIN 256
#define KALLOC__FILTER (1u << KALLOC__FILTER_BITS)

struct kalloc__entry {
	uintptr_t key; /* 0: empty */
	uint64_t val;  /* size << 24 | stack id */
};

struct kalloc__shard {
	kalloc__lock_t lock;
	uint32_t count;
	size_t cap; /* power of two, 0 before first use */
	unsigned shift; /* 64 - log2(cap): slot = hash >> shift */
	struct kalloc__entry *e;
} __attribute__((aligned(KALLOC__CACHELINE)));

static struct kalloc__shard *shards;
uint8_t *kalloc__filter;
static size_t footprint;

#define KALLOC__ID_BITS 24
#define KALLOC__ID_MASK ((1u << KALLOC__ID_BITS) - 1)
#define KALLOC__SIZE_MAX (((uint64_t)1 << (64 - KALLOC__ID_BITS)) - 1)


static inline unsigned shard_of(uintptr_t p)
{
	uint64_t r = (uint64_t)p >> 20;

	r *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(r >> 56) & (KALLOC__SHARDS - 1);
}

int kalloc__table_init(void)
{
	shards = kalloc__map(sizeof(struct kalloc__shard) * KALLOC__SHARDS);
	kalloc__filter = kalloc__map(KALLOC__FILTER);
	if (!shards || !kalloc__filter)
		return -ENOMEM;
	footprint = sizeof(struct kalloc__shard) * KALLOC__SHARDS + KALLOC__FILTER;
	return 0;
}

static void place(struct kalloc__entry *e, size_t mask, unsigned shift, uintptr_t key, uint64_t val)
{
	size_t i = (size_t)(kalloc__hash(key) >> shift);

	while (e[i].key)
		i = (i + 1) & mask;
	e[i].key = key;
	e[i].val = val;
}

static int grow(struct kalloc__shard *s)
{
	size_t ncap = s->cap ? s->cap * 2 : KALLOC__SHARD_MIN, i;
	unsigned nshift = 64 - (unsigned)__builtin_ctzll(ncap);
	struct kalloc__entry *ne = kalloc__map(ncap * sizeof(*ne));

	if (!ne)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->e[i].key)
			place(ne, ncap - 1, nshift, s->e[i].key, s->e[i].val);
	if (s->e) {
		kalloc__unmap(s->e, s->cap * sizeof(*s->e));
		__atomic_fetch_sub(&footprint, s->cap * sizeof(*s->e), __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&footprint, ncap * sizeof(*ne), __ATOMIC_RELAXED);
	s->e = ne;
	s->cap = ncap;
	s->shift = nshift;
	return 0;
}

int kalloc__table_insert(uintptr_t p, size_t size, uint32_t stack)
{
	uint64_t h = kalloc__hash(p);
	struct kalloc__shard *s = &shards[shard_of(p)];
	uint64_t val = ((uint64_t)(size > KALLOC__SIZE_MAX ? KALLOC__SIZE_MAX : size) << KALLOC__ID_BITS) |
		       (stack & KALLOC__ID_MASK);
	size_t mask, i;

	kalloc__lock(&s->lock);
	if ((s->count + 1) * 2 > s->cap && grow(s) != 0) {
		kalloc__unlock(&s->lock);
		return -ENOMEM;
	}
	mask = s->cap - 1;
	i = (size_t)(h >> s->shift);
	while (s->e[i].key && s->e[i].key != p)
		i = (i + 1) & mask;
	if (!s->e[i].key)
		s->count++;
	s->e[i].key = p;
	s->e[i].val = val;
	kalloc__unlock(&s->lock);
	if (kalloc__mode == KALLOC_MODE_SAMPLE) {
		uint8_t *f = &kalloc__filter[h >> (64 - KALLOC__FILTER_BITS)];
		uint8_t c = __atomic_load_n(f, __ATOMIC_RELAXED);

		while (c != 255 && !__atomic_compare_exchange_n(f, &c, c + 1, 1, __ATOMIC_RELAXED,
								__ATOMIC_RELAXED))
			;
	}
	return 0;
}

int kalloc__table_remove(uintptr_t p, size_t *size, uint32_t *stack)
{
	uint64_t h = kalloc__hash(p);
	struct kalloc__shard *s = &shards[shard_of(p)];
	size_t mask, i, j;

	kalloc__lock(&s->lock);
	if (!s->cap) {
		kalloc__unlock(&s->lock);
		return 0;
	}
	mask = s->cap - 1;
	i = (size_t)(h >> s->shift);
	while (s->e[i].key != p) {
		if (!s->e[i].key) {
			kalloc__unlock(&s->lock);
			return 0;
		}
		i = (i + 1) & mask;
	}
	*size = (size_t)(s->e[i].val >> KALLOC__ID_BITS);
	*stack = (uint32_t)(s->e[i].val & KALLOC__ID_MASK);
	/* Backward-shift deletion keeps every probe chain unbroken. */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!s->e[j].key)
			break;
		home = (size_t)(kalloc__hash(s->e[j].key) >> s->shift);
		/* Move e[j] into the hole at i unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			s->e[i] = s->e[j];
			i = j;
		}
	}
	s->e[i].key = 0;
	s->e[i].val = 0;
	s->count--;
	kalloc__unlock(&s->lock);
	if (kalloc__mode == KALLOC_MODE_SAMPLE) {
		uint8_t *f = &kalloc__filter[h >> (64 - KALLOC__FILTER_BITS)];
		uint8_t c = __atomic_load_n(f, __ATOMIC_RELAXED);

		while (c != 0 && c != 255 && !__atomic_compare_exchange_n(f, &c, c - 1, 1, __ATOMIC_RELAXED,
									   __ATOMIC_RELAXED))
			;
	}
	return 1;
}

void kalloc__table_lock_all(void)
{
	int i;

	for (i = 0; i < KALLOC__SHARDS; i++)
		kalloc__lock(&shards[i].lock);
}

void kalloc__table_unlock_all(void)
{
	int i;

	for (i = KALLOC__SHARDS - 1; i >= 0; i--)
		kalloc__unlock(&shards[i].lock);
}

void kalloc__table_reset_locks(void)
{
	int i;

	for (i = 0; i < KALLOC__SHARDS; i++)
		shards[i].lock.v = 0;
}

size_t kalloc__table_count(void)
{
	size_t n = 0;
	int i;

	for (i = 0; i < KALLOC__SHARDS; i++)
		n += shards[i].count;
	return n;
}

void kalloc__table_each(void (*fn)(uintptr_t p, size_t size, uint32_t stack, void *arg), void *arg)
{
	int i;

	for (i = 0; i < KALLOC__SHARDS; i++) {
		struct kalloc__shard *s = &shards[i];
		size_t j;

		for (j = 0; j < s->cap; j++)
			if (s->e[j].key)
				fn(s->e[j].key, (size_t)(s->e[j].val >> KALLOC__ID_BITS),
				   (uint32_t)(s->e[j].val & KALLOC__ID_MASK), arg);
	}
}

size_t kalloc__table_footprint(void)
{
	return __atomic_load_n(&footprint, __ATOMIC_RELAXED);
}
