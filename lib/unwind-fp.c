/* SPDX-License-Identifier: MIT */
/*
 * unwind-fp: frame-pointer stack walks (see unwind.h). Each frame on
 * x86-64 and aarch64 starts with the saved caller frame pointer followed by
 * the return address. The walk trusts nothing: a frame must be aligned,
 * strictly above the previous one and below the thread's stack top, so code
 * built without frame pointers (whose %rbp holds arbitrary data) ends the
 * walk instead of making it read unmapped memory. Everything here is
 * async-signal-safe: no allocation, no locks, no system calls, except
 * ku_unwind_stack_top() which says otherwise. ku_unwind_parse() and the
 * dispatcher also live here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#include "cfi.h"
#include "unwind.h"

/* Deepest walk the generic dispatcher does with the CFI tables. */
#define KU__AUTO_MAX 1024

/* A step larger than this ends a walk whose stack top is unknown. */
#define KU__FP_MAX_STEP ((uintptr_t)1 << 20)

int ku_unwind_parse(const char *name, enum ku_unwind_method *out)
{
	if (!name)
		return -EINVAL;
	if (strcmp(name, "auto") == 0)
		*out = ku_cfi_supported() ? KU_UNWIND_AUTO : KU_UNWIND_FP;
	else if (strcmp(name, "fp") == 0)
		*out = KU_UNWIND_FP;
	else if (strcmp(name, "libunwind") == 0)
		*out = KU_UNWIND_LIBUNWIND;
	else
		return -EINVAL;
	return 0;
}

const char *ku_unwind_name(enum ku_unwind_method m)
{
	return m == KU_UNWIND_LIBUNWIND ? "libunwind" : m == KU_UNWIND_AUTO ? "auto" : "fp";
}

uintptr_t ku_unwind_stack_top(void)
{
	pthread_attr_t attr;
	void *addr = NULL;
	size_t size = 0;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	if (pthread_attr_getstack(&attr, &addr, &size) != 0)
		size = 0;
	pthread_attr_destroy(&attr);
	return size ? (uintptr_t)addr + size : 0;
}

/* Set by the dynamic linker: the main thread's stack end at startup. */
extern void *__libc_stack_end;

/* Parse a hexadecimal number at *s, advancing it. */
static uintptr_t parse_hex(const char **s)
{
	uintptr_t v = 0;

	for (;; (*s)++) {
		char c = **s;

		if (c >= '0' && c <= '9')
			v = v << 4 | (uintptr_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uintptr_t)(c - 'a' + 10);
		else
			return v;
	}
}

/* Skip one field and the blanks after it. */
static const char *skip_field(const char *s)
{
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

/*
 * One line of /proc/self/maps ("lo-hi perms offset dev inode [path]"),
 * NUL-terminated, possibly cut short. Returns 1 when it holds sp and
 * fills the bounds, -1 when it holds sp but is no stack, 0 otherwise;
 * *prev_end tracks the end of the mapping before.
 */
static int stack_line(const char *s, uintptr_t sp, uintptr_t *prev_end,
		      uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t a, b;
	const char *p = s, *perms, *inode, *path;

	a = parse_hex(&p);
	if (*p != '-')
		return 0;
	p++;
	b = parse_hex(&p);
	if (sp < a || sp >= b) {
		if (b <= sp)
			*prev_end = b;
		return 0;
	}
	while (*p == ' ')
		p++;
	perms = p;
	inode = skip_field(skip_field(skip_field(perms)));
	path = skip_field(inode);
	if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p')
		return -1;
	if (strncmp(path, "[stack]", 7) == 0) {
		struct rlimit rl;
		uintptr_t room = (uintptr_t)64 << 20, end;

		if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < room)
			room = (uintptr_t)rl.rlim_cur;
		/* Above __libc_stack_end lie argv, the environment and the
		 * auxiliary vector, not frames: end where glibc says the stack
		 * ends, as pthread_getattr_np does. */
		end = ((uintptr_t)__libc_stack_end | 4095) + 1;
		if (end > sp && end < b)
			b = end;
		*lo = b - a > room ? a : b - room;
		if (*lo < *prev_end)
			*lo = *prev_end;
		*hi = b;
		return 1;
	}
	/* Private anonymous memory only: inode 0 and no name. */
	if (inode[0] != '0' || (inode[1] != ' ' && inode[1] != '\0'))
		return -1;
	if (*path)
		return -1;
	*lo = a;
	*hi = b;
	return 1;
}

int ku_unwind_stack_bounds(uintptr_t sp, uintptr_t *lo, uintptr_t *hi)
{
	char buf[4096], line[512];
	size_t len = 0;
	uintptr_t prev_end = 0;
	int fd, found = 0, err = 0;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		ssize_t i;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		/* A last line without a newline is handled as if it had one. */
		if (r == 0) {
			if (len == 0)
				break;
			buf[0] = '\n';
			r = 1;
		}
		for (i = 0; i < r && !found; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = 0;
			len = 0;
			found = stack_line(line, sp, &prev_end, lo, hi);
		}
		if (found)
			break;
	}
	close(fd);
	if (err)
		return err;
	return found == 1 ? 0 : -ENOENT;
}

/*
 * Walk from frame pointer fp, which must be above floor. Frames are
 * {saved fp, return address}. Async-signal-safe.
 */
static int fp_walk(uintptr_t fp, uintptr_t floor, uintptr_t top,
		   uintptr_t *pcs, int n, int max, int skip)
{
	while (n < max) {
		uintptr_t next, ret;

		if (fp <= floor || (fp & (sizeof(uintptr_t) - 1)) != 0)
			break;
		/* Written so that no sum can wrap around. */
		if (top ? fp >= top || top - fp < 2 * sizeof(uintptr_t)
			: fp - floor > KU__FP_MAX_STEP)
			break;
		next = ((const uintptr_t *)fp)[0];
		ret = ((const uintptr_t *)fp)[1];
		if (ret < 4096)
			break;
		if (skip > 0)
			skip--;
		else
			pcs[n++] = ret;
		floor = fp;
		fp = next;
	}
	return n;
}

__attribute__((noinline)) int ku_unwind_fp(uintptr_t *pcs, int max, int skip,
					   uintptr_t stack_top)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);

	if (max <= 0)
		return 0;
	/* Our own frame is the first link; its return address is our caller. */
	return fp_walk(fp, fp - 1, stack_top, pcs, 0, max, skip);
}

int ku_unwind_fp_context(const void *ucontext, uintptr_t *pcs, int max,
			 uintptr_t stack_top)
{
	const ucontext_t *uc = ucontext;
	uintptr_t pc, fp, sp;

	if (max <= 0)
		return 0;
#if defined(__x86_64__)
	pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
	sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	pc = (uintptr_t)uc->uc_mcontext.pc;
	fp = (uintptr_t)uc->uc_mcontext.regs[29];
	sp = (uintptr_t)uc->uc_mcontext.sp;
#else
	(void)uc;
	(void)stack_top;
	return -ENOTSUP;
#endif
	pcs[0] = pc;
	return fp_walk(fp, sp ? sp - 1 : 0, stack_top, pcs, 1, max, 0);
}

__attribute__((noinline)) int ku_unwind(enum ku_unwind_method m, uintptr_t *pcs,
					int max, int skip, uintptr_t stack_top)
{
	int n;

	if (m == KU_UNWIND_LIBUNWIND) {
		/* One more frame to skip: this dispatcher. */
		n = ku_unwind_libunwind(pcs, max, skip + 1);
	} else if (max <= 0) {
		n = 0;
	} else if (m == KU_UNWIND_AUTO) {
		/* Our own frame (forced by __builtin_frame_address) gives the
		 * caller's registers at its return address. */
		const uintptr_t *f = __builtin_frame_address(0);
		uintptr_t here = (uintptr_t)f, tmp[KU__AUTO_MAX];
		struct ku_unwind_regs r = {f[1], here + 2 * sizeof(uintptr_t), f[0], 0};
		struct ku_unwind_stacks st;
		int want = max + skip < KU__AUTO_MAX ? max + skip : KU__AUTO_MAX;

		st.n = 0;
		if (stack_top > here) {
			st.r[0].lo = here;
			st.r[0].hi = stack_top;
			st.n = 1;
		}
		n = ku_unwind_cfi(&r, &st, tmp, want);
		n = n > skip ? n - skip : 0;
		for (int i = 0; i < n; i++)
			pcs[i] = tmp[skip + i];
	} else if (max <= 0) {
		n = 0;
	} else {
		/* Walk from our own frame (which __builtin_frame_address forces
		 * to exist even where frame pointers are otherwise omitted). */
		uintptr_t fp = (uintptr_t)__builtin_frame_address(0);

		n = fp_walk(fp, fp - 1, stack_top, pcs, 0, max, skip);
	}
	/* Keep the call above from becoming a tail call (it would drop us). */
	__asm__ volatile("" ::: "memory");
	return n;
}
