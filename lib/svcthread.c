/* SPDX-License-Identifier: MIT */
/*
 * svcthread: see svcthread.h. Nothing here allocates through malloc or
 * takes a lock of the program's; ku_svc_post() and the key destructor
 * only post semaphores.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ku.h"
#include "svcthread.h"

#define ALONE_MIN_MS 5	  /* first look for the rest once main has ended */
#define ALONE_MAX_MS 200  /* and at most this far apart while they run */
#define SVC_MAX 4	  /* service threads of one library */

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static create_fn real_create;
static struct ku_svc *svcs[SVC_MAX];
static pthread_key_t main_key;
static int main_key_ok;
static int hint[SVC_MAX]; /* main is ending: look soon (atomic) */

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The C library's own pthread_create, past any interposer (libksamp's
 * wraps it to give every new thread a timer). */
static create_fn find_create(void)
{
	if (!real_create) {
		void *h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

		if (h) {
			real_create = (create_fn)dlsym(h, "pthread_create");
			dlclose(h);
		}
		if (!real_create)
			real_create = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	}
	return real_create;
}

static int slot_of(const struct ku_svc *s)
{
	for (int i = 0; i < SVC_MAX; i++)
		if (svcs[i] == s)
			return i;
	return -1;
}

/* Runs in main's pthread_exit (glibc frees main's thread-specific data
 * there): wake every service thread, so that it looks for the program's
 * threads soon. Posts only. */
static void main_ending(void *v)
{
	(void)v;
	if (gettid_() != getpid())
		return;
	for (int i = 0; i < SVC_MAX; i++)
		if (svcs[i] && svcs[i]->wake_ok) {
			__atomic_store_n(&hint[i], 1, __ATOMIC_RELAXED);
			sem_post(&svcs[i]->wake);
		}
}

static void *trampoline(void *arg)
{
	struct ku_svc *s = arg;

	prctl(PR_SET_NAME, (unsigned long)s->name, 0, 0, 0);
	__atomic_store_n(&s->tid, gettid_(), __ATOMIC_RELAXED);
	__atomic_store_n(&s->started, 1, __ATOMIC_RELEASE);
	s->fn(s);
	__atomic_store_n(&s->running, 0, __ATOMIC_RELAXED);
	return NULL;
}

int ku_svc_start(struct ku_svc *s, const char *what, void (*fn)(struct ku_svc *))
{
	create_fn create = find_create();
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int err, i;

	if (!create)
		return -ENOSYS;
	if (!s->wake_ok) {
		if (sem_init(&s->wake, 0, 0) != 0)
			return -errno;
		s->wake_ok = 1;
	}
	snprintf(s->name, sizeof(s->name), "%s%s", KU_SVC_PREFIX, what);
	s->fn = fn;
	s->tid = 0;
	s->started = 0;
	s->check_ns = 0;
	s->alone_ms = 0;
	if ((i = slot_of(s)) < 0)
		for (i = 0; i < SVC_MAX && svcs[i]; i++)
			;
	if (i < SVC_MAX) {
		svcs[i] = s;
		hint[i] = 0;
	}
	if (!main_key_ok && pthread_key_create(&main_key, main_ending) == 0)
		main_key_ok = 1;
	if (main_key_ok && gettid_() == getpid())
		pthread_setspecific(main_key, (void *)1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	/* Born with every signal blocked: the program's process-directed
	 * signals never land on it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = create(&th, &attr, trampoline, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	s->running = 1;
	/* Until it has its name, another library's discovery could take it
	 * for one of the program's threads: wait (1 s at most). */
	for (int n = 0; n < 10000 && !__atomic_load_n(&s->started, __ATOMIC_ACQUIRE); n++) {
		struct timespec ts = {0, 100000};

		nanosleep(&ts, NULL);
	}
	return 0;
}

void ku_svc_post(struct ku_svc *s)
{
	if (s->wake_ok)
		sem_post(&s->wake);
}

static int leader_gone(void)
{
	char buf[1024], *p;

	if (ku_read_small("/proc/self/stat", buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')))
		return 0;
	return p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* 1: a service thread; 0: not; -1: unknown (gone, or no descriptor). */
static int is_service(pid_t tid)
{
	char path[64], buf[32];

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	if (ku_read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strncmp(buf, KU_SVC_PREFIX, sizeof(KU_SVC_PREFIX) - 1) == 0;
}

int ku_svc_is_service(pid_t tid)
{
	return is_service(tid) == 1;
}

struct census {
	pid_t leader;
	int program; /* threads of the program's seen */
};

static void count_one(pid_t tid, void *arg)
{
	struct census *c = arg;
	int r;

	if (tid == c->leader || c->program)
		return;
	r = is_service(tid);
	if (r == 0 || (r < 0 && !(syscall(SYS_tgkill, c->leader, tid, 0) != 0 && errno == ESRCH)))
		c->program++;
}

int ku_svc_alone(void)
{
	struct census c = {getpid(), 0};

	if (!leader_gone())
		return 0;
	if (ku_each_task(count_one, &c) < 0)
		return 0;
	return c.program == 0;
}

/* Time for a look at main and the rest: returns 1 when the program has
 * no thread left, else schedules the next look. */
static int look(struct ku_svc *s, uint64_t now)
{
	int i = slot_of(s);

	if (i >= 0 && __atomic_exchange_n(&hint[i], 0, __ATOMIC_RELAXED))
		s->alone_ms = 1; /* main is in pthread_exit: it ends in a moment */
	else if (now < s->check_ns)
		return 0;
	else if (leader_gone()) {
		if (ku_svc_alone())
			return 1;
		s->alone_ms = s->alone_ms < ALONE_MIN_MS ? ALONE_MIN_MS : s->alone_ms * 2;
	} else if (s->alone_ms) {
		s->alone_ms *= 2; /* hinted, and main is not gone yet */
	}
	if (s->alone_ms > ALONE_MAX_MS)
		s->alone_ms = ALONE_MAX_MS;
	s->check_ns = now + (uint64_t)(s->alone_ms ? s->alone_ms : KU_SVC_CHECK_MS) * 1000000u;
	return 0;
}

int ku_svc_wait(struct ku_svc *s, uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = ku_now_ns(), until;
		struct timespec ts;

		if (look(s, now))
			return KU_SVC_ALONE;
		if (now >= deadline_ns)
			return KU_SVC_TIMEOUT;
		until = deadline_ns < s->check_ns ? deadline_ns : s->check_ns;
		ts.tv_sec = (time_t)(until / 1000000000u);
		ts.tv_nsec = (long)(until % 1000000000u);
		if (sem_clockwait(&s->wake, CLOCK_MONOTONIC, &ts) == 0) {
			int i = slot_of(s);

			if (i >= 0 && __atomic_load_n(&hint[i], __ATOMIC_RELAXED))
				continue; /* main's end only: look, then sleep on */
			return KU_SVC_WOKEN;
		}
		if (errno != ETIMEDOUT && errno != EINTR) {
			struct timespec pause = {0, 10000000}; /* never spin */

			nanosleep(&pause, NULL);
			return KU_SVC_WOKEN;
		}
	}
}

void ku_svc_after_fork(struct ku_svc *s)
{
	int i = slot_of(s);

	if (s->wake_ok)
		sem_destroy(&s->wake);
	s->wake_ok = sem_init(&s->wake, 0, 0) == 0;
	s->running = 0;
	s->tid = 0;
	s->started = 0;
	s->check_ns = 0;
	s->alone_ms = 0;
	if (i >= 0)
		hint[i] = 0;
}
