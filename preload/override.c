/* SPDX-License-Identifier: MIT */
/*
 * override: the entry points libkalloc.so interposes (malloc and its
 * family, the C++ operators new and delete) and the kalloc_v1_* functions
 * <kalloc.h> finds at run time. Not compiled alone: kalloc.c includes it
 * at its end, so that the fast gate and the counters of its hot path are
 * inlined into every entry point (mimalloc does the same with
 * alloc-override.c). Its statics are kalloc.c's.
 */

/* ---- entry points ------------------------------------------------------------ */

KALLOC__EXPORT void *malloc(size_t size)
{
	int track = kalloc__enter();
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, 16);
	p = kalloc__real.malloc(size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void free(void *p)
{
	if (!p)
		return;
	if (KU_UNLIKELY(kalloc__is_boot(p)))
		return;
	if (kalloc__enter() && !kalloc__untrack(p, "free"))
		return;
	kalloc__real.free(p);
}

KALLOC__EXPORT void *calloc(size_t n, size_t size)
{
	int track = kalloc__enter();
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (kalloc__booting())
		return kalloc__boot_alloc(total, 16);
	p = kalloc__real.calloc(n, size);
	if (track && p)
		KALLOC__TRACK(p, total);
	return p;
}

KALLOC__EXPORT void *realloc(void *old, size_t size)
{
	int track;
	void *p;

	if (KU_UNLIKELY(old && kalloc__is_boot(old))) {
		size_t os = kalloc__boot_size(old);

		p = malloc(size);
		if (p)
			memcpy(p, old, os < size ? os : size);
		return p;
	}
	track = kalloc__enter();
	if (kalloc__booting())
		return kalloc__boot_alloc(size, 16);
	if (!track)
		return kalloc__real.realloc(old, size);
	if (old) {
		size_t osize = 0;
		uint32_t oid = 0;
		int known = 1, mode = kalloc__mode;
		int64_t ous = mode == KALLOC_MODE_FULL ? 0 : (int64_t)kalloc__usable(old);

		kalloc__guard_enter(); /* no tracking from signal handlers meanwhile */
		if (mode == KALLOC_MODE_FULL) {
			known = kalloc__table_remove((uintptr_t)old, &osize, &oid);
			if (known)
				kalloc__tl_free(&kalloc__t, (uintptr_t)old, osize, oid);
			ous = (int64_t)osize;
			if (!known) {
				__atomic_fetch_add(&kalloc__unknown_frees, 1, __ATOMIC_RELAXED);
				kalloc__warn(&kalloc__unknown_once,
					     "realloc(%p): pointer not allocated by malloc or already freed; passed on",
					     old);
			}
		} else if (mode == KALLOC_MODE_SAMPLE && kalloc__table_maybe((uintptr_t)old)) {
			known = kalloc__table_remove((uintptr_t)old, &osize, &oid) ? 2 : 1;
		}
		kalloc__guard_leave();
		p = kalloc__real.realloc(old, size);
		if (!p && size) {
			/* Failed: the old block is still live. */
			kalloc__guard_enter();
			if ((known && mode == KALLOC_MODE_FULL) || known == 2)
				kalloc__table_insert((uintptr_t)old, osize, oid);
			if (known && mode == KALLOC_MODE_FULL && oid)
				kalloc__tl_site_alloc(oid, osize);
			kalloc__guard_leave();
			return NULL;
		}
		{
			struct kalloc__thread *t = &kalloc__t;

			if (t->registered == 1) {
				t->frees++;
				t->live_delta -= ous;
			} else {
				__atomic_fetch_add(&kalloc__retired.frees, 1, __ATOMIC_RELAXED);
				__atomic_fetch_sub(&kalloc__live, ous, __ATOMIC_RELAXED);
			}
		}
		if (!p)
			return NULL; /* realloc(p, 0) freed it */
	} else {
		p = kalloc__real.realloc(NULL, size);
		if (!p)
			return NULL;
	}
	KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, total);
}

KALLOC__EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int track = kalloc__enter(), r;

	if (kalloc__booting()) {
		if (align < sizeof(void *) || (align & (align - 1)))
			return EINVAL;
		*out = kalloc__boot_alloc(size, align);
		return *out ? 0 : ENOMEM;
	}
	r = kalloc__real.posix_memalign(out, align, size);
	if (track && r == 0 && *out)
		KALLOC__TRACK(*out, size);
	return r;
}

KALLOC__EXPORT void *aligned_alloc(size_t align, size_t size)
{
	int track = kalloc__enter();
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, align);
	p = kalloc__real.aligned_alloc ? kalloc__real.aligned_alloc(align, size)
				       : kalloc__real.memalign(align, size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *memalign(size_t align, size_t size)
{
	int track = kalloc__enter();
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, align);
	p = kalloc__real.memalign(align, size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *valloc(size_t size)
{
	int track = kalloc__enter();
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(size, (size_t)pg);
	p = kalloc__real.valloc ? kalloc__real.valloc(size) : kalloc__real.memalign((size_t)pg, size);
	if (track && p)
		KALLOC__TRACK(p, size);
	return p;
}

KALLOC__EXPORT void *pvalloc(size_t size)
{
	int track = kalloc__enter();
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded = size ? (size + pg - 1) & ~(pg - 1) : pg;
	void *p;

	if (kalloc__booting())
		return kalloc__boot_alloc(rounded, pg);
	p = kalloc__real.pvalloc ? kalloc__real.pvalloc(size) : kalloc__real.memalign(pg, rounded);
	if (track && p)
		KALLOC__TRACK(p, rounded);
	return p;
}

KALLOC__EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (kalloc__is_boot(p))
		return kalloc__boot_size(p);
	if (kalloc__booting() || !kalloc__real.malloc_usable_size)
		return 0;
	return kalloc__real.malloc_usable_size(p);
}

/*
 * strdup and strndup are interposed too: glibc's versions are built
 * without frame pointers, so a frame-pointer walk from malloc would skip
 * their caller, which is the allocation site the user wants to see.
 */
KALLOC__EXPORT char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	int track = kalloc__enter();
	char *p;

	if (kalloc__booting())
		p = kalloc__boot_alloc(n, 16);
	else
		p = kalloc__real.malloc(n);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	if (track && !kalloc__booting())
		KALLOC__TRACK(p, n);
	return p;
}

KALLOC__EXPORT char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	int track = kalloc__enter();
	char *p;

	if (kalloc__booting())
		p = kalloc__boot_alloc(n + 1, 16);
	else
		p = kalloc__real.malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	if (track && !kalloc__booting())
		KALLOC__TRACK(p, n + 1);
	return p;
}

/* ---- C++ operators ------------------------------------------------------------
 * Interposed for the same reason as strdup: libstdc++'s operator new has
 * no frame pointer, so the walk would lose the line that called new. On
 * failure the throwing forms defer to the real operator so that the
 * new-handler loop and std::bad_alloc behave exactly as without kalloc.
 */
typedef void *(*kalloc__new_fn)(size_t);
typedef void *(*kalloc__new_al_fn)(size_t, size_t);

static void *kalloc__new_failed(const char *sym, size_t size)
{
	kalloc__new_fn f = (kalloc__new_fn)dlsym(RTLD_NEXT, sym);

	if (!f) {
		kalloc__warn(NULL, "out of memory in operator new(%zu) and no C++ runtime found", size);
		abort();
	}
	return f(size);
}

static void *kalloc__new_al_failed(const char *sym, size_t size, size_t al)
{
	kalloc__new_al_fn f = (kalloc__new_al_fn)dlsym(RTLD_NEXT, sym);

	if (!f) {
		kalloc__warn(NULL, "out of memory in operator new(%zu) and no C++ runtime found", size);
		abort();
	}
	return f(size, al);
}

#define KALLOC__NEW(sym, nothrow)                                                     \
	KALLOC__EXPORT void *sym(size_t size);                                        \
	KALLOC__EXPORT void *sym(size_t size)                                         \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p = kalloc__booting() ? kalloc__boot_alloc(size, 16)            \
					    : kalloc__real.malloc(size ? size : 1);   \
		if (!p)                                                               \
			return nothrow ? NULL : kalloc__new_failed(#sym, size);       \
		if (track && !kalloc__booting())                                      \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}
#define KALLOC__NEW_NT(sym)                                                           \
	KALLOC__EXPORT void *sym(size_t size, const void *nt);                        \
	KALLOC__EXPORT void *sym(size_t size, const void *nt)                         \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p;                                                              \
		(void)nt;                                                             \
		p = kalloc__booting() ? kalloc__boot_alloc(size, 16)                  \
				      : kalloc__real.malloc(size ? size : 1);         \
		if (p && track && !kalloc__booting())                                 \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}
#define KALLOC__NEW_AL(sym, nothrow)                                                  \
	KALLOC__EXPORT void *sym(size_t size, size_t al);                             \
	KALLOC__EXPORT void *sym(size_t size, size_t al)                              \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p = NULL;                                                       \
		if (kalloc__booting())                                                \
			p = kalloc__boot_alloc(size, al);                             \
		else if (kalloc__real.posix_memalign(&p, al < sizeof(void *) ? sizeof(void *) : al, \
						     size ? size : 1) != 0)           \
			p = NULL;                                                     \
		if (!p)                                                               \
			return nothrow ? NULL : kalloc__new_al_failed(#sym, size, al); \
		if (track && !kalloc__booting())                                      \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}
#define KALLOC__NEW_AL_NT(sym)                                                        \
	KALLOC__EXPORT void *sym(size_t size, size_t al, const void *nt);             \
	KALLOC__EXPORT void *sym(size_t size, size_t al, const void *nt)              \
	{                                                                             \
		int track = kalloc__enter();                                          \
		void *p = NULL;                                                       \
		(void)nt;                                                             \
		if (kalloc__booting())                                                \
			p = kalloc__boot_alloc(size, al);                             \
		else if (kalloc__real.posix_memalign(&p, al < sizeof(void *) ? sizeof(void *) : al, \
						     size ? size : 1) != 0)           \
			p = NULL;                                                     \
		if (p && track && !kalloc__booting())                                 \
			KALLOC__TRACK(p, size);                                       \
		return p;                                                             \
	}

KALLOC__NEW(_Znwm, 0)
KALLOC__NEW(_Znam, 0)
KALLOC__NEW_NT(_ZnwmRKSt9nothrow_t)
KALLOC__NEW_NT(_ZnamRKSt9nothrow_t)
KALLOC__NEW_AL(_ZnwmSt11align_val_t, 0)
KALLOC__NEW_AL(_ZnamSt11align_val_t, 0)
KALLOC__NEW_AL_NT(_ZnwmSt11align_val_tRKSt9nothrow_t)
KALLOC__NEW_AL_NT(_ZnamSt11align_val_tRKSt9nothrow_t)

#define KALLOC__DELETE(sym, ...)                                                      \
	KALLOC__EXPORT void sym(void *p, ##__VA_ARGS__);                              \
	KALLOC__EXPORT void sym(void *p, ##__VA_ARGS__)                               \
	{                                                                             \
		free(p);                                                              \
	}
KALLOC__DELETE(_ZdlPv)
KALLOC__DELETE(_ZdaPv)
KALLOC__DELETE(_ZdlPvm, size_t s)
KALLOC__DELETE(_ZdaPvm, size_t s)
KALLOC__DELETE(_ZdlPvRKSt9nothrow_t, const void *nt)
KALLOC__DELETE(_ZdaPvRKSt9nothrow_t, const void *nt)
KALLOC__DELETE(_ZdlPvSt11align_val_t, size_t al)
KALLOC__DELETE(_ZdaPvSt11align_val_t, size_t al)
KALLOC__DELETE(_ZdlPvmSt11align_val_t, size_t s, size_t al)
KALLOC__DELETE(_ZdaPvmSt11align_val_t, size_t s, size_t al)
KALLOC__DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, size_t al, const void *nt)
KALLOC__DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, size_t al, const void *nt)

/* ---- per-message API (found by <kalloc.h> with dlsym) ------------------------- */

KALLOC__EXPORT void kalloc_v1_messages(uint64_t n);
KALLOC__EXPORT void kalloc_v1_messages(uint64_t n)
{
	__atomic_fetch_add(&kalloc__messages, n, __ATOMIC_RELAXED);
}

KALLOC__EXPORT void kalloc_v1_phase(const char *name);
KALLOC__EXPORT void kalloc_v1_phase(const char *name)
{
	if (kalloc__mode == KALLOC_MODE_OFF)
		return;
	kalloc__guard_enter();
	kalloc__phase_begin(name ? name : "");
	kalloc__tl_phase(name ? name : "");
	kalloc__guard_leave();
}

/* Running totals: allocations and bytes allocated so far, all threads. */
KALLOC__EXPORT int kalloc_v1_totals(uint64_t *allocs, uint64_t *bytes);
KALLOC__EXPORT int kalloc_v1_totals(uint64_t *allocs, uint64_t *bytes)
{
	struct kalloc__totals t;

	if (kalloc__mode == KALLOC_MODE_OFF)
		return -1;
	kalloc__totals(&t);
	if (allocs)
		*allocs = t.allocs;
	if (bytes)
		*bytes = t.bytes;
	return 0;
}

static unsigned kalloc__snapshots;

/* Write <prefix>.<n>.* now; returns n, or -1 when tracking is off. */
KALLOC__EXPORT int kalloc_v1_snapshot(void);
KALLOC__EXPORT int kalloc_v1_snapshot(void)
{
	char prefix[sizeof(kalloc__cfg.prefix) + 16];
	struct kalloc__roots roots;
	unsigned n;

	KALLOC__SAVE_REGS(&roots);
	/* Called by the program: its frames start above ours. A call from the
	 * service thread (guard set) has no program frames at all. */
	roots.sp = kalloc__t.guard ? 0 : (uintptr_t)__builtin_frame_address(0);
	if (kalloc__mode == KALLOC_MODE_OFF)
		return -1;
	n = __atomic_add_fetch(&kalloc__snapshots, 1, __ATOMIC_RELAXED);
	snprintf(prefix, sizeof(prefix), "%s.%u", kalloc__cfg.prefix, n);
	kalloc__guard_enter();
	kalloc__report(prefix, 0, &roots);
	kalloc__guard_leave();
	return (int)n;
}
