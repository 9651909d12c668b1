/* SPDX-License-Identifier: MIT */
/*
 * leaks: classify every live block by reachability, as LeakSanitizer and
 * memcheck do. Roots are the writable PT_LOAD segments of every loaded
 * object except libkalloc.so itself, the stack of the calling thread from
 * its stack pointer up (callee-saved registers are spilled there first),
 * the whole recorded stack of every other registered thread (their
 * registers cannot be read, so this is conservative), and each thread's
 * static TLS block and thread descriptor (thread-specific data, the DTV
 * that points to dynamic TLS). Threads that never allocated are in no
 * registry (made by thrd_create, clone(), or by anything else, they never
 * went through malloc): /proc/self/task lists them, and each one's stack
 * from the stack pointer its /proc/self/task/<tid>/syscall file shows (the
 * thread is blocked in the kernel) up to the end of that mapping is a root,
 * with the registers that file gives; for a glibc thread that mapping also
 * holds its TLS and descriptor. A thread that stays running while it is
 * asked for cannot be read and is counted in the report. Any pointer-aligned word whose value lies
 * inside a live block (interior pointers count) makes it reachable; blocks
 * reachable from roots are "still reachable", blocks reachable only from
 * unreachable blocks are "indirectly lost", the rest "definitely lost".
 *
 * Memory of other threads is read with process_vm_readv, so a stack that
 * disappears under us yields EFAULT instead of a crash. While scanning,
 * every shard of the live-block table is locked: other threads that call
 * malloc or free wait, so no block is freed while it is being read.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "kalloc-internal.h"
#include "ku.h"
#include "timeline.h"

struct kalloc__scan {
	struct kalloc__block *b;
	size_t n;
	uintptr_t lo, hi; /* address range of all blocks */
	uint32_t *work;	  /* indices to visit */
	size_t nwork;
	uint8_t mark; /* mark given to blocks found now */
	const void *self_base;
	uintptr_t ld_lo, ld_hi; /* executable segment of the dynamic linker */
	const void *alloc_base; /* object of the allocator below (libc) */
	int in_alloc;		/* scanning that object's data now */
};

static void kalloc__collect(uintptr_t p, size_t size, uint32_t stack, void *arg)
{
	struct kalloc__scan *sc = arg;
	struct kalloc__block *b = &sc->b[sc->n++];

	b->p = p;
	b->size = size;
	b->kind = 0;
	b->stack = stack;
}

static int kalloc__block_cmp(const void *a, const void *b)
{
	uintptr_t x = ((const struct kalloc__block *)a)->p, y = ((const struct kalloc__block *)b)->p;

	return x < y ? -1 : x > y;
}

/* Index of the block containing address v, or -1. */
static inline long kalloc__find(const struct kalloc__scan *sc, uintptr_t v)
{
	size_t lo = 0, hi = sc->n;

	if (v < sc->lo || v >= sc->hi)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sc->b[mid].p <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	lo--;
	if (v < sc->b[lo].p + (sc->b[lo].size ? sc->b[lo].size : 1))
		return (long)lo;
	return -1;
}

/*
 * The allocator below keeps its free lists in its own data (glibc's
 * main_arena): pointers to free chunks, i.e. to their headers. The header
 * of the chunk after a block in use lies in that block's last word
 * (glibc: at p + malloc_usable_size(p) - sizeof(size_t)), so such a list
 * pointer looks like a pointer into the block and would keep a leaked
 * block "reachable", depending only on the heap's layout. In the
 * allocator's data, a pointer at exactly that word is not a reference.
 */
static int kalloc__chunk_header(const struct kalloc__block *b, uintptr_t v)
{
	size_t usable;

	if (!kalloc__real.malloc_usable_size || v == b->p)
		return 0;
	usable = kalloc__real.malloc_usable_size((void *)b->p);
	return usable >= sizeof(size_t) && v == b->p + usable - sizeof(size_t);
}

/* Scan words in [from, to) that are directly readable. */
static void kalloc__scan_words(struct kalloc__scan *sc, uintptr_t from, uintptr_t to, long self)
{
	uintptr_t a = (from + sizeof(uintptr_t) - 1) & ~(sizeof(uintptr_t) - 1);

	for (; a + sizeof(uintptr_t) <= to; a += sizeof(uintptr_t)) {
		uintptr_t v = *(const uintptr_t *)a;
		long i;

		if (v < sc->lo || v >= sc->hi)
			continue;
		i = kalloc__find(sc, v);
		if (i < 0 || i == self || sc->b[i].kind)
			continue;
		if (sc->in_alloc && kalloc__chunk_header(&sc->b[i], v))
			continue;
		sc->b[i].kind = sc->mark;
		sc->work[sc->nwork++] = (uint32_t)i;
	}
}

/* Scan memory that may vanish: copy it with process_vm_readv first. */
static void kalloc__scan_remote(struct kalloc__scan *sc, uintptr_t from, uintptr_t to)
{
	static uintptr_t buf[8192];
	pid_t pid = getpid();

	from &= ~(sizeof(uintptr_t) - 1);
	while (from < to) {
		size_t len = to - from < sizeof(buf) ? to - from : sizeof(buf);
		struct iovec local = {buf, len}, remote = {(void *)from, len};
		ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);

		if (r > 0)
			kalloc__scan_words(sc, (uintptr_t)buf, (uintptr_t)buf + (size_t)r, -1);
		/* On a fault skip to the next page. */
		if (r <= 0)
			len = 4096 - (from & 4095);
		else
			len = (size_t)r;
		from += len;
	}
}

static void kalloc__drain(struct kalloc__scan *sc)
{
	while (sc->nwork) {
		uint32_t i = sc->work[--sc->nwork];

		kalloc__scan_words(sc, sc->b[i].p, sc->b[i].p + sc->b[i].size, (long)i);
	}
}

/*
 * Writable segments are collected before any table lock is taken:
 * dl_iterate_phdr takes the dynamic linker's lock, and a thread inside
 * dlopen may hold that lock while it waits in malloc for a table lock.
 */
#define KALLOC__MAX_SEGS 4096
static struct {
	uintptr_t lo, hi;
	int alloc; /* a data segment of the allocator below */
} kalloc__segs[KALLOC__MAX_SEGS];
static int kalloc__nsegs;

static int kalloc__phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct kalloc__scan *sc = arg;
	int i;

	(void)size;
	if (info->dlpi_name && (strstr(info->dlpi_name, "/ld-linux") || strstr(info->dlpi_name, "/ld.so") ||
				strstr(info->dlpi_name, "/ld64.so"))) {
		for (i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

			if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
				sc->ld_lo = info->dlpi_addr + ph->p_vaddr;
				sc->ld_hi = sc->ld_lo + ph->p_memsz;
			}
		}
	}
	if ((const void *)info->dlpi_addr == sc->self_base && sc->self_base)
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		lo = info->dlpi_addr + ph->p_vaddr;
		hi = lo + ph->p_memsz;
		if (kalloc__nsegs < KALLOC__MAX_SEGS) {
			kalloc__segs[kalloc__nsegs].lo = lo;
			kalloc__segs[kalloc__nsegs].hi = hi;
			kalloc__segs[kalloc__nsegs].alloc =
				sc->alloc_base && (const void *)info->dlpi_addr == sc->alloc_base;
			kalloc__nsegs++;
		}
	}
	return 0;
}

static size_t kalloc__static_tls(void)
{
	void (*info)(size_t *, size_t *) =
		(void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
	size_t size = 0, align = 0;

	if (info)
		info(&size, &align);
	return size ? size : 4096;
}


/*
 * Stack pointer and argument registers of thread tid, from
 * /proc/self/task/<tid>/syscall ("nr a1..a6 sp pc" while it is in a system
 * call, "-1 sp pc" while it is in the kernel for another reason,
 * "running" while it runs: then asked again a few times). 0 or -1.
 */
static int kalloc__task_regs(pid_t tid, uintptr_t *sp, uintptr_t *regs, size_t *nregs)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	for (int tries = 0; tries < 20; tries++) {
		uintptr_t v[9];
		size_t n = 0;
		char *p = buf, *end;

		if (ku_read_small(path, buf, sizeof(buf)) <= 0)
			return -1;
		if (strncmp(buf, "running", 7)) {
			while (n < 9) {
				unsigned long long x = strtoull(p, &end, 0);

				if (end == p)
					break;
				v[n++] = (uintptr_t)x;
				p = end;
			}
			if (n < 3)
				return -1;
			*sp = v[n - 2];
			*nregs = n - 3; /* the arguments; not the number, sp or pc */
			memcpy(regs, v + 1, *nregs * sizeof(*regs));
			return 0;
		}
		/* Running: it will block or be preempted soon. */
		struct timespec ts = {0, 1000000};

		nanosleep(&ts, NULL);
	}
	return -1;
}

struct kalloc__unreg {
	struct kalloc__scan *sc;
	pid_t self;
	uint64_t unread;
};

/* One thread /proc/self/task lists: its roots, unless the registry knows
 * it (its stack is scanned with the registry) or it is this thread or
 * libkalloc's service thread (it holds none of the program's pointers). */
static void kalloc__scan_task(pid_t tid, void *arg)
{
	struct kalloc__unreg *u = arg;
	struct kalloc__thread *t;
	uintptr_t sp, lo, hi, regs[8];
	size_t nregs = 0;

	if (tid == u->self || tid == kalloc__tl_tid())
		return;
	for (t = kalloc__threads; t && t->tid != tid; t = t->next)
		;
	if (t)
		return;
	if (kalloc__task_regs(tid, &sp, regs, &nregs) < 0) {
		u->unread++;
		return;
	}
	kalloc__scan_words(u->sc, (uintptr_t)regs, (uintptr_t)(regs + nregs), -1);
	/* From just below sp (the red zone) to the end of its mapping; a
	 * stack carved out of a heap block is scanned with that block when
	 * it is reachable. */
	if (ku_unwind_stack_bounds(sp, &lo, &hi) == 0)
		kalloc__scan_remote(u->sc, sp - 128 > lo ? sp - 128 : lo, hi);
	kalloc__drain(u->sc);
}

/*
 * Roots of the threads of this process that the registry does not know
 * (registry lock held). Returns how many could not be read.
 */
static uint64_t kalloc__scan_unregistered(struct kalloc__scan *sc)
{
	struct kalloc__unreg u = {sc, (pid_t)syscall(SYS_gettid), 0};

	ku_each_task(kalloc__scan_task, &u);
	return u.unread;
}

int kalloc__leaks_scan(struct kalloc__leakset *ls, const struct kalloc__roots *roots)
{
	struct kalloc__scan sc;
	struct kalloc__thread *t, *me = kalloc__self();
	size_t n, i, maplen, tls = kalloc__static_tls();
	Dl_info di;
	uintptr_t mytop;

	memset(ls, 0, sizeof(*ls));
	memset(&sc, 0, sizeof(sc));
	if (dladdr((void *)kalloc__leaks_scan, &di) && di.dli_fbase)
		sc.self_base = di.dli_fbase;
	if (kalloc__real.malloc && dladdr((void *)kalloc__real.malloc, &di) && di.dli_fbase)
		sc.alloc_base = di.dli_fbase;
	mytop = me->stack_hi ? me->stack_hi : ku_unwind_stack_top();
	kalloc__nsegs = 0;
	dl_iterate_phdr(kalloc__phdr_cb, &sc);

	kalloc__lock(&kalloc__threads_lock);
	kalloc__table_lock_all();
	n = kalloc__table_count();
	maplen = (n + 1) * (sizeof(struct kalloc__block) + sizeof(uint32_t));
	maplen = (maplen + 4095) & ~(size_t)4095;
	sc.b = kalloc__map(maplen);
	if (!sc.b) {
		kalloc__table_unlock_all();
		kalloc__unlock(&kalloc__threads_lock);
		return -ENOMEM;
	}
	sc.work = (uint32_t *)(sc.b + n + 1);
	kalloc__table_each(kalloc__collect, &sc);
	qsort(sc.b, sc.n, sizeof(*sc.b), kalloc__block_cmp);
	if (sc.n) {
		sc.lo = sc.b[0].p;
		for (i = 0; i < sc.n; i++)
			if (sc.b[i].p + sc.b[i].size + 1 > sc.hi)
				sc.hi = sc.b[i].p + sc.b[i].size + 1;
	}

	/* Roots. */
	sc.mark = KALLOC_REACHABLE;
	for (i = 0; i < (size_t)kalloc__nsegs; i++) {
		sc.in_alloc = kalloc__segs[i].alloc;
		kalloc__scan_remote(&sc, kalloc__segs[i].lo, kalloc__segs[i].hi);
		sc.in_alloc = 0;
		kalloc__drain(&sc);
	}
	/*
	 * Blocks the dynamic linker allocated (thread DTVs, dynamic TLS) are
	 * referenced from thread descriptors of exited threads that glibc
	 * caches outside any root: count them as roots, as LeakSanitizer does.
	 */
	for (i = 0; sc.ld_hi && i < sc.n; i++) {
		const struct kalloc__stack *s = sc.b[i].stack ? kalloc__stack_get(sc.b[i].stack) : NULL;
		uintptr_t pc = s && s->depth ? kalloc__stack_pcs(s)[0] : 0;

		if (pc >= sc.ld_lo && pc < sc.ld_hi && !sc.b[i].kind) {
			sc.b[i].kind = KALLOC_REACHABLE;
			sc.work[sc.nwork++] = (uint32_t)i;
		}
	}
	kalloc__drain(&sc);
	if (roots && roots->sp && mytop > roots->sp) {
		kalloc__scan_words(&sc, roots->sp, mytop, -1);
		kalloc__scan_words(&sc, (uintptr_t)roots->regs, (uintptr_t)(roots->regs + roots->nregs), -1);
		kalloc__drain(&sc);
	}
	for (t = kalloc__threads; t; t = t->next) {
		if (t != me && t->stack_hi > t->stack_lo)
			kalloc__scan_remote(&sc, t->stack_lo, t->stack_hi);
		if (t->tp)
			kalloc__scan_remote(&sc, t->tp - tls, t->tp + 4096);
		kalloc__drain(&sc);
	}
	if (me->registered != 1 && me->tp == 0) {
		uintptr_t tp = (uintptr_t)pthread_self();

		kalloc__scan_remote(&sc, tp - tls, tp + 4096);
		kalloc__drain(&sc);
	}
	ls->unread_threads = kalloc__scan_unregistered(&sc);

	/* Whatever an unreachable block points to is indirectly lost. */
	sc.mark = KALLOC_INDIRECT;
	for (i = 0; i < sc.n; i++) {
		if (sc.b[i].kind == KALLOC_REACHABLE)
			continue;
		kalloc__scan_words(&sc, sc.b[i].p, sc.b[i].p + sc.b[i].size, (long)i);
		kalloc__drain(&sc);
	}
	kalloc__table_unlock_all();
	kalloc__unlock(&kalloc__threads_lock);

	for (i = 0; i < sc.n; i++) {
		struct kalloc__block *b = &sc.b[i];

		if (!b->kind)
			b->kind = KALLOC_DEFINITE;
		ls->blocks[b->kind]++;
		ls->bytes[b->kind] += b->size;
	}
	ls->b = sc.b;
	ls->n = sc.n;
	ls->maplen = maplen;
	return 0;
}

void kalloc__leaks_free(struct kalloc__leakset *ls)
{
	kalloc__unmap(ls->b, ls->maplen);
	memset(ls, 0, sizeof(*ls));
}
