/* SPDX-License-Identifier: MIT */
/*
 * cfi: the object list, the rule palette, the memory and the look-up of
 * the compact unwind tables (see cfi.h); cfi-build.c compiles one
 * object's .eh_frame into its table.
 *
 * Building (normal context, under the builder lock): each object the
 * dynamic linker reports is read in place, in its own loaded segments.
 * Nothing here calls malloc: libkalloc builds tables from inside malloc.
 *
 * Reading (ku_cfi_find, async-signal-safe): a word-sized direct-mapped
 * cache, then a binary search over the objects of the current snapshot
 * and one over that object's rows. Snapshots, tables and palette entries
 * are written once, published with release stores and never freed.
 *
 * The maths and the rule set are documented in man/libkalloc.7
 * ("UNWINDING") and doc/unwinding.md.
 */
#include "config.h"

#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include "cfi-int.h"
#include "cfi.h"
#include "ku.h"
#include "procmaps.h"

/* ---- memory ------------------------------------------------------------- */

#define KU__CFI_RESERVE ((size_t)1 << 30)   /* address space for everything */
#define KU__CFI_RULES_MAX 65536u	    /* palette (indices fit 16 bits) */
#define KU__CFI_RULE_SLOTS (2 * KU__CFI_RULES_MAX)
#define KU__CFI_KNOWN_MAX 8192u		    /* tables kept for reuse */
#define KU__CFI_IMAGES_MAX 64u

struct ku__cfi_obj {
	uintptr_t lo, hi; /* code [lo, hi); rows are relative to lo */
	const struct ku__cfi_row *rows;
	uint32_t nrows;
};

struct ku__cfi_snap {
	uint32_t n;  /* objects, sorted by lo */
	uint32_t nx; /* other executable ranges (JIT), sorted */
	const struct ku__cfi_obj *obj;
	const uintptr_t *x; /* nx pairs lo, hi */
};

/* A table kept so that an object loaded again reuses it. */
struct ku__cfi_known {
	uint64_t key;
	const struct ku__cfi_row *rows;
	uint32_t nrows;
};

static struct {
	int ready;
	int lock; /* builder lock: never taken by readers */
	uint8_t *mem;
	size_t used; /* bump pointer into mem (after the fixed areas) */
	size_t fixed;
	struct ku_cfi_rule *rule;     /* palette */
	uint32_t *rule_slot;	      /* palette hash: index + 1, 0 empty */
	uint32_t nrules;
	uint64_t *cache;	      /* pc << 16 | rule index, 0 empty */
	struct ku__cfi_known *known;
	uint32_t nknown;
	struct ku__cfi_snap *snap;    /* published */
	struct ku__cfi_obj image[KU__CFI_IMAGES_MAX];
	uint32_t nimages;	      /* published */
	uint64_t gen;
	struct ku_cfi_stats st;
} cfi;

/* Published once by ku_cfi_init for the inline probe in cfi.h. */
uint64_t *ku__cfi_cache;
const struct ku_cfi_rule *ku__cfi_rules;

int ku_cfi_supported(void)
{
#if defined(__x86_64__)
	return 1;
#else
	return 0;
#endif
}

static void cfi_lock(void)
{
	while (__atomic_exchange_n(&cfi.lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static int cfi_trylock(void)
{
	return !__atomic_exchange_n(&cfi.lock, 1, __ATOMIC_ACQUIRE);
}

static void cfi_unlock(void)
{
	__atomic_store_n(&cfi.lock, 0, __ATOMIC_RELEASE);
}

void ku_cfi_after_fork_child(void)
{
	/* A fork while another thread built tables: that thread is gone. */
	cfi.lock = 0;
}

/* Bump allocation from the reservation; NULL when it is exhausted. */
void *ku__cfi_alloc(size_t len)
{
	size_t at = (cfi.used + 15) & ~(size_t)15;

	if (at > KU__CFI_RESERVE || len > KU__CFI_RESERVE - at)
		return NULL;
	cfi.used = at + len;
	return cfi.mem + at;
}

int ku_cfi_init(void)
{
	static const struct ku_cfi_rule fixed[] = {
		{0, 0, KU_CFA_NONE, KU_FP_SAME},
		{0, 0, KU_CFA_UNSUP, KU_FP_SAME},
		{0, 0, KU_CFA_END, KU_FP_SAME},
		{0, 0, KU_CFA_SIGNAL, KU_FP_SAME},
	};
	void *m;
	size_t off = 0;

	if (__atomic_load_n(&cfi.ready, __ATOMIC_ACQUIRE))
		return 0;
	cfi_lock();
	if (cfi.ready) {
		cfi_unlock();
		return 0;
	}
	m = mmap(NULL, KU__CFI_RESERVE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (m == MAP_FAILED) {
		int e = -errno;

		cfi_unlock();
		return e;
	}
	cfi.mem = m;
	cfi.rule = (struct ku_cfi_rule *)(cfi.mem + off);
	off += KU__CFI_RULES_MAX * sizeof(struct ku_cfi_rule);
	cfi.rule_slot = (uint32_t *)(cfi.mem + off);
	off += KU__CFI_RULE_SLOTS * sizeof(uint32_t);
	cfi.cache = (uint64_t *)(cfi.mem + off);
	off += ((size_t)1 << KU__CFI_CACHE_BITS) * sizeof(uint64_t);
	cfi.known = (struct ku__cfi_known *)(cfi.mem + off);
	off += KU__CFI_KNOWN_MAX * sizeof(struct ku__cfi_known);
	cfi.used = cfi.fixed = off;
	for (size_t i = 0; i < KU_ARRAY_SIZE(fixed); i++)
		ku__cfi_intern(&fixed[i]);
	ku__cfi_rules = cfi.rule;
	__atomic_store_n(&ku__cfi_cache, cfi.cache, __ATOMIC_RELEASE);
	__atomic_store_n(&cfi.ready, 1, __ATOMIC_RELEASE);
	cfi_unlock();
	return 0;
}

/* ---- the rule palette (builder lock held) ------------------------------- */

static uint32_t cfi_rule_hash(const struct ku_cfi_rule *r)
{
	uint64_t v;

	memcpy(&v, r, sizeof(v));
	v *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(v >> 40);
}

/* Index of rule r in the palette, added if new; the UNSUP index (1) when
 * the palette is full. */
uint32_t ku__cfi_intern(const struct ku_cfi_rule *r)
{
	uint32_t i = cfi_rule_hash(r) & (KU__CFI_RULE_SLOTS - 1), s;

	while ((s = cfi.rule_slot[i]) != 0) {
		if (!memcmp(&cfi.rule[s - 1], r, sizeof(*r)))
			return s - 1;
		i = (i + 1) & (KU__CFI_RULE_SLOTS - 1);
	}
	if (cfi.nrules >= KU__CFI_RULES_MAX - 1)
		return 1;
	cfi.rule[cfi.nrules] = *r;
	/* Entries are complete before any row that names them is published
	 * (the snapshot's release store orders both). */
	cfi.rule_slot[i] = ++cfi.nrules;
	return cfi.nrules - 1;
}

void ku__cfi_trim(const void *end)
{
	cfi.used = (size_t)((const uint8_t *)end - cfi.mem);
}

/* ---- look-up (async-signal-safe) ---------------------------------------- */

static const struct ku__cfi_obj *obj_find(const struct ku__cfi_obj *o, uint32_t n, uintptr_t pc)
{
	uint32_t a = 0, z = n;

	while (a < z) {
		uint32_t m = a + (z - a) / 2;

		if (o[m].lo <= pc)
			a = m + 1;
		else
			z = m;
	}
	if (a == 0 || pc >= o[a - 1].hi)
		return NULL;
	return &o[a - 1];
}

static uint32_t row_find(const struct ku__cfi_obj *o, uintptr_t pc)
{
	uint32_t off = (uint32_t)(pc - o->lo), a = 0, z = o->nrows;

	while (a < z) {
		uint32_t m = a + (z - a) / 2;

		if (o->rows[m].off <= off)
			a = m + 1;
		else
			z = m;
	}
	return a ? o->rows[a - 1].rule : 0;
}

static inline size_t cache_slot(uintptr_t pc)
{
	return (size_t)(((uint64_t)pc * 0x9e3779b97f4a7c15ull) >> (64 - KU__CFI_CACHE_BITS));
}

int ku_cfi_find(uintptr_t pc, struct ku_cfi_rule *rule)
{
	const struct ku__cfi_snap *s;
	const struct ku__cfi_obj *o;
	uint64_t *slot, v;
	uint32_t idx, ni;

	if (KU_UNLIKELY(!cfi.cache))
		return 0;
	slot = &cfi.cache[cache_slot(pc)];
	v = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (KU_LIKELY(v && (v >> 16) == (uint64_t)pc)) {
		*rule = cfi.rule[v & 0xffff];
		return 1;
	}
	s = __atomic_load_n(&cfi.snap, __ATOMIC_ACQUIRE);
	o = s ? obj_find(s->obj, s->n, pc) : NULL;
	if (!o && (ni = __atomic_load_n(&cfi.nimages, __ATOMIC_ACQUIRE)) != 0)
		o = obj_find(cfi.image, ni, pc);
	if (o) {
		idx = row_find(o, pc);
		*rule = cfi.rule[idx];
		if ((uint64_t)pc >> 47 == 0)
			__atomic_store_n(slot, (uint64_t)pc << 16 | idx, __ATOMIC_RELAXED);
		return 1;
	}
	if (s && s->nx) {
		uint32_t a = 0, z = s->nx;

		while (a < z) {
			uint32_t m = a + (z - a) / 2;

			if (s->x[2 * m] <= pc)
				a = m + 1;
			else
				z = m;
		}
		if (a && pc < s->x[2 * (a - 1) + 1]) {
			*rule = cfi.rule[0];
			return 2;
		}
	}
	return 0;
}

/* ---- the object list ---------------------------------------------------- */

struct ku__sync {
	struct ku__cfi_obj *obj;
	uint32_t n, cap;
	const struct ku__cfi_snap *old;
	int removed_unknown;
};

static uint64_t obj_key(const char *name, uintptr_t hdr_vaddr, uintptr_t text_size)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; name && *name; name++) {
		h ^= (uint8_t)*name;
		h *= 0x100000001b3ull;
	}
	h ^= hdr_vaddr * 0x9e3779b97f4a7c15ull;
	h ^= text_size << 17;
	return h ? h : 1;
}

static int sync_one(struct dl_phdr_info *info, size_t size, void *data)
{
	struct ku__sync *sy = data;
	uintptr_t text_lo = UINTPTR_MAX, text_hi = 0, mem_lo = 0, mem_hi = 0, hdr = 0, hdr_vaddr = 0;
	struct ku__cfi_obj *o;
	const struct ku__cfi_row *rows = NULL;
	uint64_t key;
	long nrows = 0;
	int bad = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && ph->p_memsz) {
			uintptr_t a = info->dlpi_addr + ph->p_vaddr;

			if (a < text_lo)
				text_lo = a;
			if (a + ph->p_memsz > text_hi)
				text_hi = a + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_EH_FRAME) {
			hdr = info->dlpi_addr + ph->p_vaddr;
			hdr_vaddr = ph->p_vaddr;
		}
	}
	if (text_hi <= text_lo)
		return 0; /* no code */
	if (sy->n >= sy->cap)
		return 1;
	/* Still loaded where it was: keep its entry. */
	if (sy->old) {
		const struct ku__cfi_obj *p = obj_find(sy->old->obj, sy->old->n, text_lo);

		if (p && p->lo == text_lo && p->hi == text_hi) {
			sy->obj[sy->n++] = *p;
			return 0;
		}
	}
	if (!hdr) {
		cfi.st.objects_nocfi++;
		goto add;
	}
	/* The segment holding .eh_frame_hdr (and, in practice, .eh_frame). */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && hdr >= a && hdr < a + ph->p_memsz) {
			mem_lo = a;
			mem_hi = a + ph->p_filesz;
		}
	}
	if (!mem_hi || hdr >= mem_hi) {
		cfi.st.objects_bad++;
		goto add;
	}
	key = obj_key(info->dlpi_name, hdr_vaddr, text_hi - text_lo);
	for (uint32_t i = 0; i < cfi.nknown; i++)
		if (cfi.known[i].key == key) {
			rows = cfi.known[i].rows;
			nrows = cfi.known[i].nrows;
			goto add;
		}
	nrows = ku__cfi_build((const uint8_t *)hdr, mem_lo, mem_hi, text_lo, text_hi, &rows, &bad, &cfi.st.fdes, &cfi.st.unsup_rows);
	if (bad)
		cfi.st.objects_bad++;
	if (nrows < 0) {
		if (nrows != -ENOMEM && !bad)
			cfi.st.objects_bad++;
		rows = NULL;
		nrows = 0;
		goto add;
	}
	if (cfi.nknown < KU__CFI_KNOWN_MAX) {
		cfi.known[cfi.nknown].key = key;
		cfi.known[cfi.nknown].rows = rows;
		cfi.known[cfi.nknown].nrows = (uint32_t)nrows;
		cfi.nknown++;
	}
add:
	o = &sy->obj[sy->n++];
	o->lo = text_lo;
	o->hi = text_hi;
	o->rows = rows;
	o->nrows = (uint32_t)nrows;
	return 0;
}

static int count_one(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	(*(uint32_t *)data)++;
	return 0;
}

/* The dynamic linker's load and unload counters (glibc >= 2.4). */
static int adds_subs(struct dl_phdr_info *info, size_t size, void *data)
{
	uint64_t *v = data;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		v[0] = info->dlpi_adds;
		v[1] = info->dlpi_subs;
	}
	return 1; /* the first object is enough */
}

static uint64_t seen_adds_subs[2];

static int obj_cmp_swap(struct ku__cfi_obj *o, uint32_t n)
{
	/* Insertion sort: a few dozen objects, mostly in order already. */
	for (uint32_t i = 1; i < n; i++) {
		struct ku__cfi_obj t = o[i];
		uint32_t j = i;

		while (j > 0 && o[j - 1].lo > t.lo) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = t;
	}
	return 0;
}

/* Executable mappings no object covers (JIT code, trampolines). */
static uint32_t exec_ranges(const struct ku__cfi_obj *o, uint32_t n, uintptr_t **out)
{
	struct ku_maps m;
	uint32_t k = 0;
	uintptr_t *x;

	*out = NULL;
	if (ku_procmaps_read(0, 0, &m) < 0)
		return 0;
	x = ku__cfi_alloc(m.n * 2 * sizeof(uintptr_t) + 16);
	if (x) {
		for (size_t i = 0; i < m.n; i++) {
			const struct ku_map *e = &m.map[i];
			const struct ku__cfi_obj *p;

			if (!(e->prot & KU_MAP_X) || !strcmp(e->path, "[vsyscall]"))
				continue;
			p = obj_find(o, n, e->start);
			if (p && e->end <= p->hi)
				continue;
			x[2 * k] = e->start;
			x[2 * k + 1] = e->end;
			k++;
		}
		*out = x;
	}
	ku_procmaps_free(&m);
	return k;
}

/* CPU time of this thread: what building costs, whatever the load. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int sync_locked(void)
{
	struct ku__sync sy;
	struct ku__cfi_snap *s;
	uint32_t count = 0;
	uint64_t t0 = cpu_ns();
	uintptr_t *x;
	int shrunk = 0;

	dl_iterate_phdr(adds_subs, seen_adds_subs);
	dl_iterate_phdr(count_one, &count);
	memset(&sy, 0, sizeof(sy));
	sy.cap = count + 8;
	sy.old = cfi.snap;
	s = ku__cfi_alloc(sizeof(*s));
	sy.obj = ku__cfi_alloc(sy.cap * sizeof(*sy.obj));
	if (!s || !sy.obj)
		return -ENOMEM;
	dl_iterate_phdr(sync_one, &sy);
	obj_cmp_swap(sy.obj, sy.n);
	/* Overlapping ranges would break the search: drop the later one. */
	for (uint32_t i = 1; i < sy.n; i++)
		if (sy.obj[i].lo < sy.obj[i - 1].hi) {
			memmove(&sy.obj[i], &sy.obj[i + 1], (sy.n - i - 1) * sizeof(*sy.obj));
			sy.n--;
			i--;
		}
	if (sy.old) {
		/* Any object gone? Then cached rules may name its addresses. */
		for (uint32_t i = 0; i < sy.old->n && !shrunk; i++) {
			const struct ku__cfi_obj *p = obj_find(sy.obj, sy.n, sy.old->obj[i].lo);

			if (!p || p->lo != sy.old->obj[i].lo || p->hi != sy.old->obj[i].hi)
				shrunk = 1;
		}
	}
	s->n = sy.n;
	s->obj = sy.obj;
	s->nx = exec_ranges(sy.obj, sy.n, &x);
	s->x = x;
	__atomic_store_n(&cfi.snap, s, __ATOMIC_RELEASE);
	if (shrunk)
		for (size_t i = 0; i < ((size_t)1 << KU__CFI_CACHE_BITS); i++)
			__atomic_store_n(&cfi.cache[i], 0, __ATOMIC_RELAXED);
	cfi.st.objects = 0;
	cfi.st.rows = 0;
	for (uint32_t i = 0; i < sy.n; i++)
		if (sy.obj[i].rows) {
			cfi.st.objects++;
			cfi.st.rows += sy.obj[i].nrows;
		}
	cfi.st.build_ns += cpu_ns() - t0;
	cfi.st.syncs++;
	__atomic_store_n(&cfi.gen, cfi.gen + 1, __ATOMIC_RELEASE);
	return 0;
}

int ku_cfi_sync(void)
{
	int rc;

	if (!ku_cfi_supported())
		return -ENOTSUP;
	if ((rc = ku_cfi_init()) < 0)
		return rc;
	cfi_lock();
	rc = sync_locked();
	cfi_unlock();
	return rc;
}

int ku_cfi_sync_try(void)
{
	int rc;

	if (!ku_cfi_supported() || !__atomic_load_n(&cfi.ready, __ATOMIC_ACQUIRE))
		return -ENOTSUP;
	if (!cfi_trylock())
		return -EBUSY;
	rc = sync_locked();
	cfi_unlock();
	return rc;
}

int ku_cfi_sync_if_changed(void)
{
	uint64_t now[2] = {0, 0};
	int rc;

	if (!__atomic_load_n(&cfi.ready, __ATOMIC_ACQUIRE))
		return 0;
	dl_iterate_phdr(adds_subs, now);
	if (now[0] == __atomic_load_n(&seen_adds_subs[0], __ATOMIC_RELAXED) &&
	    now[1] == __atomic_load_n(&seen_adds_subs[1], __ATOMIC_RELAXED))
		return 0;
	rc = ku_cfi_sync_try();
	return rc == 0 ? 1 : rc;
}

uint64_t ku_cfi_generation(void)
{
	return __atomic_load_n(&cfi.gen, __ATOMIC_ACQUIRE);
}

void ku_cfi_stats_get(struct ku_cfi_stats *st)
{
	*st = cfi.st;
	st->rules = cfi.nrules;
	if (!__atomic_load_n(&cfi.ready, __ATOMIC_ACQUIRE)) {
		st->bytes = 0;
		return;
	}
	/* What was written; the rest of the reservation is never touched. */
	st->bytes = cfi.used - cfi.fixed + cfi.nrules * sizeof(struct ku_cfi_rule) +
		    ((size_t)1 << KU__CFI_CACHE_BITS) * sizeof(uint64_t) +
		    cfi.nknown * sizeof(struct ku__cfi_known);
}

long ku_cfi_add_image(const uint8_t *hdr, uintptr_t mem_lo, uintptr_t mem_hi, uintptr_t text_lo,
		      uintptr_t text_hi)
{
	const struct ku__cfi_row *rows;
	long n;
	int bad, rc;

	if ((rc = ku_cfi_init()) < 0)
		return rc;
	cfi_lock();
	if (cfi.nimages >= KU__CFI_IMAGES_MAX ||
	    (cfi.nimages && cfi.image[cfi.nimages - 1].hi > text_lo)) {
		cfi_unlock();
		return -ENOSPC;
	}
	n = ku__cfi_build(hdr, mem_lo, mem_hi, text_lo, text_hi, &rows, &bad, &cfi.st.fdes, &cfi.st.unsup_rows);
	if (n >= 0) {
		struct ku__cfi_obj *o = &cfi.image[cfi.nimages];

		o->lo = text_lo;
		o->hi = text_hi;
		o->rows = rows;
		o->nrows = (uint32_t)n;
		__atomic_store_n(&cfi.nimages, cfi.nimages + 1, __ATOMIC_RELEASE);
		if (bad)
			cfi.st.objects_bad++;
	}
	cfi_unlock();
	return n >= 0 && bad ? -EINVAL : n;
}

void ku_cfi_forget_images(void)
{
	cfi_lock();
	__atomic_store_n(&cfi.nimages, 0, __ATOMIC_RELEASE);
	if (cfi.cache)
		for (size_t i = 0; i < ((size_t)1 << KU__CFI_CACHE_BITS); i++)
			__atomic_store_n(&cfi.cache[i], 0, __ATOMIC_RELAXED);
	cfi.used = cfi.fixed + 0; /* tests only: drop everything built */
	cfi.nknown = 0;
	__atomic_store_n(&cfi.snap, NULL, __ATOMIC_RELEASE);
	cfi_unlock();
}
