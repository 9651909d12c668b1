/* SPDX-License-Identifier: MIT */
/*
 * ksamp: set-up and life cycle of libksamp.so. The constructor reads the
 * KSAMP_* variables, maps the sample table, installs the SIGPROF handler,
 * gives the main thread its timer and looks for threads that exist
 * already. pthread_create and thrd_create are interposed so that every
 * new thread makes its own timer (threads.c: timer_create with
 * SIGEV_THREAD_ID on its CPU clock, or CLOCK_MONOTONIC in wall mode)
 * before the program's function runs, and deletes it on the way out;
 * clone() with CLONE_THREAD is interposed so that the parent gives the
 * child its timer; threads made any other way are found by threads.c's
 * discovery pass. thrd_create needs its own wrapper: glibc implements it
 * with an internal call that never reaches the pthread_create symbol,
 * and librdkafka makes every one of its threads with it. The exec family is interposed to stop every
 * timer and discard a pending SIGPROF before the new image starts (a
 * SIGPROF arriving after exec would kill it); fork gives the child a
 * fresh table and the output <out>.<pid>. A program that installs its own
 * SIGPROF handler shares the signal: it gets every SIGPROF our timers did
 * not send. The profile
 * is written at exit, on ksamp_flush(), and before a successful exec.
 *
 * Why one file of this size: the constructor, the interposed thread creators
 * and the exec family are one life cycle over the same configuration and
 * timer helpers; threads.c, handler.c, writer.c and service.c are the rest.
 */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "cfi.h"
#include "ksamp-int.h"
#include "ku.h"
#include "outdir.h"
#include "signame.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define KSAMP__EXPORT __attribute__((visibility("default")))

struct ksamp__config ksamp__cfg;

int ksamp__ready;			/* constructor finished successfully */
static int child;		/* forked or exec'd from a profiled process */
static pid_t owner_pid;		/* process that owns the timers and table */
static uint64_t t0_real, t0_mono;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

int (*ksamp__real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static int (*real_thrd_create)(thrd_t *, thrd_start_t, void *);
static int (*real_clone)(int (*)(void *), void *, int, void *, ...);
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static sighandler_t (*ksamp__real_signal)(int, sighandler_t);
static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_fexecve)(int, char *const[], char *const[]);

/* ---- messages (no stdio buffers: write(2) only) ------------------------ */

void ksamp__warn(const char *msg, const char *detail)
{
	char buf[2048]; /* room for a path or two */
	size_t n = 0;

#define KSAMP__APPEND(s)                                                   \
	do {                                                               \
		const char *s_ = (s);                                      \
		size_t l_ = strlen(s_);                                    \
		if (l_ > sizeof(buf) - 2 - n)                              \
			l_ = sizeof(buf) - 2 - n;                          \
		memcpy(buf + n, s_, l_);                                   \
		n += l_;                                                   \
	} while (0)
	KSAMP__APPEND("libksamp: ");
	KSAMP__APPEND(msg);
	if (detail) {
		KSAMP__APPEND(": ");
		KSAMP__APPEND(detail);
	}
	buf[n++] = '\n';
	if (ku_stderr_usable() && write(STDERR_FILENO, buf, n) < 0)
		return;
#undef KSAMP__APPEND
}

/* ---- configuration ----------------------------------------------------- */

static int parse_int(const char *name, int def, int lo, int hi)
{
	const char *s = secure_getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s=%s is not an integer in [%d, %d], using %d", name, s, lo, hi, def);
		ksamp__warn(msg, NULL);
		return def;
	}
	return (int)v;
}


/* KSAMP_SIGNAL may not name the sampling signal itself. */
static const int own_signals[] = {SIGPROF};

static void config_read(void)
{
	struct ksamp__config *c = &ksamp__cfg;
	const char *s;

	char name[64];

	s = secure_getenv("KSAMP_OUT");
	snprintf(name, sizeof(name), "ksamp.%ld.pb.gz", (long)getpid());
	if (s && strlen(s) >= sizeof(c->out) - 2100) {
		ksamp__warn("KSAMP_OUT is too long, using ksamp.<pid>.pb.gz", NULL);
		s = NULL;
	}
	c->out_default = 0;
	if (!s || !*s) {
		s = name;
		c->out_default = 1;
	}
	if (s[0] != '/') {
		/* Relative to where the program started, even if it chdirs. */
		char cwd[2048];

		if (getcwd(cwd, sizeof(cwd)))
			snprintf(c->out, sizeof(c->out), "%s/%s", cwd, s);
		else
			snprintf(c->out, sizeof(c->out), "%s", s);
	} else {
		snprintf(c->out, sizeof(c->out), "%s", s);
	}
	if (c->out_default)
		c->out_default = strlen(c->out) - strlen(name);

	c->mode = KSAMP__CPU;
	s = secure_getenv("KSAMP_MODE");
	if (s && *s) {
		if (!strcmp(s, "wall"))
			c->mode = KSAMP__WALL;
		else if (strcmp(s, "cpu"))
			ksamp__warn("KSAMP_MODE must be cpu or wall, using cpu", s);
	}
	c->hz = parse_int("KSAMP_HZ", 99, 1, 1000);
	c->depth = parse_int("KSAMP_DEPTH", 128, 1, KSAMP__DEPTH_MAX);
	ku_unwind_parse("auto", &c->unwind);
	s = secure_getenv("KSAMP_UNWIND");
	if (s && *s && ku_unwind_parse(s, &c->unwind) < 0)
		ksamp__warn("KSAMP_UNWIND must be auto, fp or libunwind, using auto", s);
	c->toggle_signal = 0;
	s = secure_getenv("KSAMP_SIGNAL");
	if (s && *s && (c->toggle_signal = ku_signal_parse(s, own_signals, 1)) < 0) {
		ksamp__warn("KSAMP_SIGNAL is not a usable signal name (e.g. USR1), no toggle", s);
		c->toggle_signal = 0;
	}
	c->start_enabled = parse_int("KSAMP_START", 1, 0, 1);
	c->table_entries = 1u << 16;
	c->arena_pcs = (size_t)4 << 20;
}

/* ---- per-thread timers ------------------------------------------------- */

/* Set by the dynamic loader: just above main's frames (argv, environ). */
extern void *__libc_stack_end;

/*
 * Upper bound of the calling thread's stack for the frame-pointer walk,
 * without pthread_getattr_np: that takes the thread's lock and may call
 * malloc (reading /proc/self/maps for the main thread), which deadlocks
 * under an allocation interposer that asks the same question from inside
 * malloc. glibc places a thread's descriptor at the top of its stack
 * block (its own or a caller-supplied one), so every frame of a
 * non-initial thread lies below pthread_self(); the main thread's frames
 * lie below __libc_stack_end.
 */
static uintptr_t own_stack_top(void)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), top;

	if ((pid_t)syscall(SYS_gettid) == getpid())
		top = (uintptr_t)__libc_stack_end;
	else
		top = (uintptr_t)pthread_self();
	return top > here && top - here < ((uintptr_t)1 << 30) ? top : 0;
}

/* Give the calling thread a timer (normal context). */
static void thread_start(enum ksamp__how how)
{
	uintptr_t top = own_stack_top();
	uint64_t cpu;
	struct timespec ts;

	ksamp__set_stack_top(top);
	if (atomic_load(&ksamp__dead) || !ksamp__ready)
		return;
	/*
	 * Threads often start with every signal blocked (librdkafka, for one,
	 * blocks them all around thrd_create so that the application's
	 * handlers never run on its threads): their samples would stay
	 * pending forever. SIGPROF is ours, so let it through.
	 */
	{
		sigset_t prof;

		sigemptyset(&prof);
		sigaddset(&prof, SIGPROF);
		pthread_sigmask(SIG_UNBLOCK, &prof, NULL);
	}
	cpu = clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0
		      ? (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec
		      : 0;
	ksamp__thread_add((pid_t)syscall(SYS_gettid), how, top, 1, cpu, 0);
}

/*
 * Record the expirations that were due when the thread ended (see
 * ksamp__thread_end). Where the thread was then is no longer known; its
 * start routine and the frames above it are, so the sample goes there
 * under a leaf that says so ("[sample due at thread end]").
 */
static __attribute__((noinline)) void end_sample(void *fn, uint64_t due)
{
	uintptr_t pcs[KSAMP__DEPTH_MAX];
	int n, max = ksamp__cfg.depth;

	pcs[0] = KSAMP__PC_THREAD_END;
	n = 1;
	if (max > 1) {
		pcs[n++] = (uintptr_t)fn + 1; /* read as a return address: pc - 1 is in fn */
		/* Skip ku_unwind's caller (this) and ours: from the wrapper up. */
		if (max > 2) {
			int k = ku_unwind(ksamp__cfg.unwind, pcs + n, max - n, 2, own_stack_top());

			n += k > 0 ? k : 0;
		}
	}
	ksamp__record((pid_t)syscall(SYS_gettid), pcs, n, due);
	__asm__ volatile("" ::: "memory");
}

/* Delete the calling thread's timer (normal context); fn: its start routine. */
static __attribute__((noinline)) void thread_stop(void *fn)
{
	sigset_t prof, old;
	uint64_t due;

	if (!ksamp__ready)
		return;
	/* Blocked for good: the thread is ending, and a SIGPROF arriving
	 * now would sample our own frames. */
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &prof, &old);
	due = ksamp__thread_end((pid_t)syscall(SYS_gettid), sigismember(&old, SIGPROF));
	if (due && atomic_load(&ksamp__enabled) && !atomic_load(&ksamp__dead))
		end_sample(fn, due);
	__asm__ volatile("" ::: "memory");
}

struct ksamp__start_arg {
	void *(*fn)(void *);
	void *arg;
};

static void cleanup(void *fn)
{
	thread_stop(fn);
}

/* The start routines of the threads libksamp makes keep the part prefix
 * though static (HACKING.md, Names): they are a frame of every such
 * thread's stack, so users see them in their profiles. */
static void *ksamp__thread_main(void *p)
{
	struct ksamp__start_arg a = *(struct ksamp__start_arg *)p;
	void *ret;

	free(p);
	thread_start(KSAMP__HOW_PTHREAD);
	pthread_cleanup_push(cleanup, (void *)a.fn);
	ret = a.fn(a.arg);
	pthread_cleanup_pop(0);
	thread_stop((void *)a.fn);
	return ret;
}

KSAMP__EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct ksamp__start_arg *a;

	if (!ksamp__real_pthread_create) {
		ksamp__real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
		if (!ksamp__real_pthread_create)
			return EAGAIN;
	}
	if (!ksamp__ready || atomic_load(&ksamp__dead) || !(a = malloc(sizeof(*a))))
		return ksamp__real_pthread_create(th, attr, fn, arg);
	ksamp__discovery_start();
	a->fn = fn;
	a->arg = arg;
	int rc = ksamp__real_pthread_create(th, attr, ksamp__thread_main, a);
	if (rc)
		free(a);
	return rc;
}

/* C11 threads: the same, with an int result (thrd_exit unwinds like
 * pthread_exit, so the cleanup handler runs for it as well). */
struct ksamp__c11_arg {
	thrd_start_t fn;
	void *arg;
};

static int ksamp__c11_main(void *p)
{
	struct ksamp__c11_arg a = *(struct ksamp__c11_arg *)p;
	int ret;

	free(p);
	thread_start(KSAMP__HOW_C11);
	pthread_cleanup_push(cleanup, (void *)a.fn);
	ret = a.fn(a.arg);
	pthread_cleanup_pop(0);
	thread_stop((void *)a.fn);
	return ret;
}

KSAMP__EXPORT int thrd_create(thrd_t *th, thrd_start_t fn, void *arg)
{
	struct ksamp__c11_arg *a;

	if (!real_thrd_create) {
		real_thrd_create = dlsym(RTLD_NEXT, "thrd_create");
		if (!real_thrd_create)
			return thrd_error;
	}
	if (!ksamp__ready || atomic_load(&ksamp__dead) || !(a = malloc(sizeof(*a))))
		return real_thrd_create(th, fn, arg);
	ksamp__discovery_start();
	a->fn = fn;
	a->arg = arg;
	int rc = real_thrd_create(th, ksamp__c11_main, a);
	if (rc != thrd_success)
		free(a);
	return rc;
}

/*
 * clone(): the child of a CLONE_THREAD clone runs the caller's function
 * directly, and may share its creator's TLS (no CLONE_SETTLS): nothing of
 * ours can run in it. The parent gives it its timer from outside, aimed at
 * the new tid, with the stack the caller gave it as the bound of the
 * frame-pointer walk. Anything else (processes, vfork) passes untouched.
 */
KSAMP__EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	pid_t *ptid;
	void *tls;
	pid_t *ctid;
	int rc, saved;

	/* The optional arguments are read whether given or not, as glibc's
	 * own wrapper does; they are only used when the flags say so. */
	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (!real_clone) {
		real_clone = dlsym(RTLD_NEXT, "clone");
		if (!real_clone) {
			errno = ENOSYS;
			return -1;
		}
	}
	rc = real_clone(fn, stack, flags, arg, ptid, tls, ctid);
	if (rc > 0 && (flags & CLONE_THREAD) && ksamp__ready && !atomic_load(&ksamp__dead)) {
		sigset_t cur;

		saved = errno;
		/* The child was born with our signal mask. */
		pthread_sigmask(SIG_BLOCK, NULL, &cur);
		ksamp__thread_add(rc, KSAMP__HOW_CLONE, (uintptr_t)stack, 0, ksamp__thread_cpu_ns(rc),
				  sigismember(&cur, SIGPROF) == 1);
		ksamp__discovery_start();
		errno = saved;
	}
	return rc;
}

/* ---- dlopen and dlclose: the unwind tables follow the object list ------- */

static void *(*real_dlopen)(const char *, int);
static int (*real_dlclose)(void *);

KSAMP__EXPORT void *dlopen(const char *file, int mode)
{
	void *h;

	if (!real_dlopen && !(real_dlopen = dlsym(RTLD_NEXT, "dlopen")))
		return NULL;
	h = real_dlopen(file, mode);
	if (h && ksamp__ready && ksamp__cfg.unwind == KU_UNWIND_AUTO)
		ku_cfi_sync();
	return h;
}

KSAMP__EXPORT int dlclose(void *h)
{
	int rc;

	if (!real_dlclose && !(real_dlclose = dlsym(RTLD_NEXT, "dlclose")))
		return -1;
	rc = real_dlclose(h);
	if (rc == 0 && ksamp__ready && ksamp__cfg.unwind == KU_UNWIND_AUTO)
		ku_cfi_sync();
	return rc;
}

/* ---- the program's own SIGPROF handler --------------------------------- */

static int is_ours(const struct sigaction *act)
{
	return (act->sa_flags & SA_SIGINFO) && act->sa_sigaction == ksamp__on_sigprof;
}

/*
 * SIGPROF is shared with the program rather than given up: many programs
 * install a SIGPROF handler without ever profiling (coreutils' sort, bash
 * and make treat it as one more terminating signal to clean up on; the Go
 * runtime installs one for its own profiler), and some run their own
 * profiler (gperftools, ITIMER_PROF). The program's action is kept, not
 * installed, and reported back as the current one; our handler passes it
 * every SIGPROF that our timers did not send. Resetting to SIG_DFL is
 * recorded the same way: the default action must not let the next
 * sample kill the program.
 */
KSAMP__EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev;

	if (!real_sigaction)
		real_sigaction = dlsym(RTLD_NEXT, "sigaction");
	if (sig == SIGPROF && ksamp__ready && !(act && is_ours(act))) {
		ksamp__prog_prof_get(&prev);
		if (act)
			ksamp__prog_prof_set(act);
		if (old)
			*old = prev;
		return 0;
	}
	return real_sigaction(sig, act, old);
}

KSAMP__EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	if (!ksamp__real_signal)
		ksamp__real_signal = dlsym(RTLD_NEXT, "signal");
	if (sig == SIGPROF && ksamp__ready) {
		struct sigaction sa, prev;

		if (h == SIG_ERR) {
			errno = EINVAL;
			return SIG_ERR;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = h;
		sa.sa_flags = SA_RESTART; /* glibc's signal(): BSD semantics */
		sigemptyset(&sa.sa_mask);
		ksamp__prog_prof_get(&prev);
		ksamp__prog_prof_set(&sa);
		return prev.sa_handler; /* shares its storage with sa_sigaction */
	}
	return ksamp__real_signal(sig, h);
}

/* ---- exec and fork ----------------------------------------------------- */

/*
 * Before exec: write what this image sampled (the original process only),
 * stop every timer and throw
 * away a SIGPROF that may already be pending (setting SIG_IGN discards
 * it), so the new image, whose SIGPROF action is the default "terminate",
 * never receives one. A vfork child (pid differs, no atfork handler ran)
 * shares our memory but owns no timer: leave everything alone.
 */
static int before_exec(void)
{
	struct sigaction ign;
	int was_on;

	if (!ksamp__ready || getpid() != owner_pid)
		return -1;
	/* Not counted as "sampling off": the image is ending. */
	was_on = atomic_exchange(&ksamp__enabled, 0);
	ksamp__arm_all(0);
	/* A child's few samples between fork and exec are dropped: the new
	 * image, if it preloads us again, writes <out>.<pid> itself. */
	if (!child)
		ksamp_flush();
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (!atomic_load(&ksamp__dead))
		real_sigaction(SIGPROF, &ign, NULL);
	return was_on;
}

/* exec failed: carry on sampling as before. */
static void after_exec_failed(int was_on)
{
	struct sigaction sa;
	int saved = errno;

	if (was_on < 0)
		return;
	if (!atomic_load(&ksamp__dead)) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = ksamp__on_sigprof;
		sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		real_sigaction(SIGPROF, &sa, NULL);
	}
	if (was_on && !atomic_load(&ksamp__dead)) {
		atomic_store(&ksamp__enabled, 1);
		ksamp__arm_all(1);
	}
	errno = saved;
}

#define KSAMP__RESOLVE(var, name)                            \
	do {                                                 \
		if (!(var))                                  \
			(var) = dlsym(RTLD_NEXT, name);      \
		if (!(var)) {                                \
			errno = ENOSYS;                      \
			return -1;                           \
		}                                            \
	} while (0)

KSAMP__EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	int w, rc;

	KSAMP__RESOLVE(real_execve, "execve");
	w = before_exec();
	rc = real_execve(path, argv, envp);
	after_exec_failed(w);
	return rc;
}

KSAMP__EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	int w, rc;

	KSAMP__RESOLVE(real_execvpe, "execvpe");
	w = before_exec();
	rc = real_execvpe(file, argv, envp);
	after_exec_failed(w);
	return rc;
}

KSAMP__EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	int w, rc;

	KSAMP__RESOLVE(real_fexecve, "fexecve");
	w = before_exec();
	rc = real_fexecve(fd, argv, envp);
	after_exec_failed(w);
	return rc;
}

KSAMP__EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

KSAMP__EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* The list forms collect their arguments into an argv on the stack. */
#define KSAMP__COLLECT(argv, arg0, ap, envp_out)                              \
	size_t n_ = 1;                                                        \
	va_start(ap, arg0);                                                   \
	while (va_arg(ap, char *))                                            \
		n_++;                                                         \
	va_end(ap);                                                           \
	char *argv[n_ + 1];                                                   \
	argv[0] = (char *)(arg0);                                             \
	va_start(ap, arg0);                                                   \
	for (size_t i_ = 1; i_ <= n_; i_++)                                   \
		argv[i_] = i_ < n_ ? va_arg(ap, char *) : (va_arg(ap, char *), NULL); \
	envp_out;                                                             \
	va_end(ap)

KSAMP__EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	KSAMP__COLLECT(argv, arg, ap, (void)0);
	return execve(path, argv, environ);
}

KSAMP__EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	KSAMP__COLLECT(argv, arg, ap, (void)0);
	return execvpe(file, argv, environ);
}

KSAMP__EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **envp;
	KSAMP__COLLECT(argv, arg, ap, envp = va_arg(ap, char **));
	return execve(path, argv, envp);
}

/*
 * A fork never happens in the middle of a write on another thread: the
 * child would inherit a held lock and half-updated symbol caches.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&write_lock);
	ksamp__threads_atfork(0);
}

static void atfork_parent(void)
{
	ksamp__threads_atfork(1);
	pthread_mutex_unlock(&write_lock);
}

/* Child of fork: only this thread exists; its own profile <out>.<pid>. */
static void atfork_child(void)
{
	size_t n = strlen(ksamp__cfg.out);
	char num[24];
	int k = 0;
	long pid = (long)getpid();

	/* Timers are not inherited: the registry forgets every thread. */
	ksamp__threads_atfork(2);
	pthread_mutex_unlock(&write_lock);
	ku_cfi_after_fork_child();
	owner_pid = (pid_t)pid;
	child = 1;
	ksamp__table_reset();
	do
		num[k++] = (char)('0' + pid % 10);
	while ((pid /= 10) && k < 20);
	if (ksamp__cfg.out_default) {
		/* The default name already carries the pid: renew it. */
		static const char pre[] = "ksamp.", suf[] = ".pb.gz";

		n = ksamp__cfg.out_default;
		memcpy(ksamp__cfg.out + n, pre, sizeof(pre) - 1);
		n += sizeof(pre) - 1;
		while (k)
			ksamp__cfg.out[n++] = num[--k];
		memcpy(ksamp__cfg.out + n, suf, sizeof(suf));
	} else if (n + (size_t)k + 2 < sizeof(ksamp__cfg.out)) {
		ksamp__cfg.out[n++] = '.';
		while (k)
			ksamp__cfg.out[n++] = num[--k];
		ksamp__cfg.out[n] = 0;
	}
	t0_mono = ku_now_ns();
	thread_start(KSAMP__HOW_INIT);
}

/* ---- API (exported; see ksamp.h) --------------------------------------- */

/* Start (on = 1) or stop sampling in every thread; -1 when the sampler is
 * not running in this process. */
static int set_enabled(int on)
{
	if (!ksamp__ready || atomic_load(&ksamp__dead))
		return -1;
	ksamp__set_sampling(on);
	return 0;
}

KSAMP__EXPORT int ksamp_start(void)
{
	return set_enabled(1);
}

KSAMP__EXPORT int ksamp_stop(void)
{
	return set_enabled(0);
}

static int final; /* the exit flush has begun: no more snapshots */

/* Says once per process that snapshots went to the fallback directory
 * (failures are the caller's to report: rc < 0). */
static int moved_once;

int ksamp__write_to(const char *path)
{
	struct ku_outdir od;
	char msg[KU_OUTDIR_MAX + 64];
	int rc;

	if (!ksamp__ready)
		return -ENOSYS;
	ku_outdir_init(&od, "ksamp");
	pthread_mutex_lock(&write_lock);
	rc = __atomic_load_n(&final, __ATOMIC_RELAXED) ? -ECANCELED
							     : ksamp__write(path, &od, t0_real, t0_mono);
	pthread_mutex_unlock(&write_lock);
	if (rc == 0 && od.moved && !__atomic_exchange_n(&moved_once, 1, __ATOMIC_RELAXED))
		ksamp__warn(ku_outdir_message(&od, msg, sizeof(msg)), NULL);
	return rc;
}

KSAMP__EXPORT int ksamp_flush(void)
{
	struct ku_outdir od;
	char msg[KU_OUTDIR_MAX + 64];
	int rc;

	if (!ksamp__ready)
		return -1;
	ku_outdir_init(&od, "ksamp");
	pthread_mutex_lock(&write_lock);
	rc = ksamp__write(ksamp__cfg.out, &od, t0_real, t0_mono);
	pthread_mutex_unlock(&write_lock);
	/* One line: where the profile went instead, or why it was lost. */
	if (od.refused) {
		ksamp__warn(ku_outdir_message(&od, msg, sizeof(msg)), NULL);
	} else if (rc < 0) {
		snprintf(msg, sizeof(msg), "cannot write the profile %s", ksamp__cfg.out);
		ksamp__warn(msg, ku_strerror(rc));
	}
	return rc;
}

/* ---- start and exit ---------------------------------------------------- */

__attribute__((constructor)) static void ksamp__init(void)
{
	struct sigaction sa;
	struct timespec ts;
	int rc;

	ku_stderr_remember();
	real_sigaction = dlsym(RTLD_NEXT, "sigaction");
	ksamp__real_signal = dlsym(RTLD_NEXT, "signal");
	if (!ksamp__real_pthread_create)
		ksamp__real_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
	if (!real_thrd_create)
		real_thrd_create = dlsym(RTLD_NEXT, "thrd_create");
	if (!real_clone)
		real_clone = dlsym(RTLD_NEXT, "clone");
	if (!real_sigaction) {
		ksamp__warn("cannot find sigaction, sampling disabled", NULL);
		return;
	}
	config_read();
	owner_pid = getpid();
	/* Started by exec from a profiled process: never overwrite its file. */
	if (getenv("KSAMP_ROOT_PID")) {
		size_t n = strlen(ksamp__cfg.out);

		child = 1;
		if (!ksamp__cfg.out_default) /* the default name has the pid already */
			snprintf(ksamp__cfg.out + n, sizeof(ksamp__cfg.out) - n, ".%ld", (long)owner_pid);
	} else {
		char pid[24];

		snprintf(pid, sizeof(pid), "%ld", (long)owner_pid);
		setenv("KSAMP_ROOT_PID", pid, 1);
	}
	if ((rc = ksamp__table_init()) < 0) {
		ksamp__warn("cannot map the sample table, sampling disabled", ku_strerror(rc));
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	t0_real = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	t0_mono = ku_now_ns();

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ksamp__on_sigprof;
	/* On the alternate stack where a thread has one: Go's goroutine
	 * stacks are too small for a handler, and its runtime requires it. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (real_sigaction(SIGPROF, &sa, NULL) != 0) {
		ksamp__warn("cannot install the SIGPROF handler, sampling disabled", ku_strerror(-errno));
		return;
	}
	if (ksamp__cfg.toggle_signal) {
		sa.sa_sigaction = ksamp__on_toggle;
		real_sigaction(ksamp__cfg.toggle_signal, &sa, NULL);
	}
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	/*
	 * libunwind's default global cache takes a lock with signals blocked
	 * (two sigprocmask calls per look-up); a per-thread cache needs no
	 * lock, is safe in a signal handler and is several times faster.
	 */
	if (ksamp__cfg.unwind == KU_UNWIND_LIBUNWIND)
		unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	/* The unwind tables of every object loaded so far, before the first
	 * timer: the handler only reads them. */
	if (ksamp__cfg.unwind == KU_UNWIND_AUTO && (rc = ku_cfi_sync()) < 0) {
		ksamp__warn("cannot build the unwind tables, using frame pointers", ku_strerror(rc));
		ksamp__cfg.unwind = KU_UNWIND_FP;
	}
	ksamp__set_sampling(ksamp__cfg.start_enabled);
	ksamp__ready = 1;
	thread_start(KSAMP__HOW_INIT);
	/* Threads made before we were loaded (other constructors, LD_PRELOAD
	 * neighbours): found now, and the discovery thread starts if any. */
	ksamp__discover_now();
	ksamp__service_start(ksamp__cfg.toggle_signal);
}

__attribute__((destructor)) static void ksamp__fini(void)
{
	if (!ksamp__ready || getpid() != owner_pid)
		return; /* a vfork child exiting (shares our memory): the parent writes */
	ksamp__discovery_stop();
	atomic_store(&ksamp__enabled, 0);
	ksamp__arm_all(0);
	if (child && !atomic_load(&ksamp__tab.handled))
		return; /* no litter from short-lived children */
	__atomic_store_n(&final, 1, __ATOMIC_RELAXED);
	ksamp_flush();
}
