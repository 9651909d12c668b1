/* SPDX-License-Identifier: MIT */
/*
 * svcthread: the background thread of a preloaded library (libkalloc's
 * timeline and snapshots, libksamp's interval profiles and its thread
 * discovery). Such a thread belongs to the library, not to the program,
 * and must behave as if it were not there:
 *
 * - It is created with the C library's own pthread_create (found in
 *   libc.so.6, past every interposer: libksamp's wrapper never gives it a
 *   timer), detached, with every signal blocked, and it names itself
 *   KU_SVC_PREFIX "<what>" before ku_svc_start() returns. Every kprof
 *   library tells such threads from the program's by that name
 *   (ku_svc_is_service): libksamp's discovery neither times nor counts
 *   them, whichever library made them.
 * - It never keeps the process alive. glibc ends the process when its last
 *   thread ends, and a service thread is a thread: when main has called
 *   pthread_exit and every other thread left is a service thread,
 *   ku_svc_wait() returns KU_SVC_ALONE and the thread function must
 *   return. The last one to end then runs exit(0) (glibc does that for
 *   the last thread), so the libraries' destructors write the final files
 *   as they do at any exit. Main's end is noticed at once (a thread-
 *   specific key's destructor, which glibc runs in main's pthread_exit,
 *   posts the thread), otherwise within KU_SVC_CHECK_MS; once main has
 *   ended, the rest of the program's threads are looked for every 5 ms
 *   at first, backing off to every 200 ms.
 *
 * One struct ku_svc per thread, in static storage. Not for signal
 * handlers except ku_svc_post(). Each preloaded library links its own
 * copy of this file; the thread name is what they share.
 */
#ifndef KU_SVCTHREAD_H
#define KU_SVCTHREAD_H

#include <semaphore.h>
#include <stdint.h>
#include <sys/types.h>

#define KU_SVC_PREFIX "kprof/"	/* comm of every service thread starts so */
#define KU_SVC_CHECK_MS 1000	/* is main still there: at most this late */

struct ku_svc {
	sem_t wake;		/* posted to wake the thread (ku_svc_post) */
	int wake_ok;		/* wake is initialised */
	int running;		/* the thread was started and has not ended */
	pid_t tid;		/* the thread's tid once started, else 0 */
	void (*fn)(struct ku_svc *); /* the thread's body */
	char name[16];		/* its comm: KU_SVC_PREFIX + what */
	/* internal: when to look at main / the other threads next */
	uint64_t check_ns;
	unsigned alone_ms;
	int started;
};

enum { KU_SVC_WOKEN = 0, KU_SVC_TIMEOUT = 1, KU_SVC_ALONE = 2 };

/* Start fn on a new service thread named KU_SVC_PREFIX what (at most 9
 * characters kept) and wait until it runs and has its name. 0 or a
 * negative errno. Normal context (a constructor, an atfork child
 * handler). */
int ku_svc_start(struct ku_svc *s, const char *what, void (*fn)(struct ku_svc *));

/* Wake the thread. Async-signal-safe (sem_post). */
void ku_svc_post(struct ku_svc *s);

/* In the service thread: sleep until deadline_ns (ku_now_ns() clock;
 * UINT64_MAX: none) or a post. KU_SVC_WOKEN, KU_SVC_TIMEOUT, or
 * KU_SVC_ALONE: the program has no thread left; return from fn. */
int ku_svc_wait(struct ku_svc *s, uint64_t deadline_ns);

/* In the child of fork (atfork child handler): the thread does not exist
 * there; the state is reset (a fresh semaphore, running 0, tid 0), and the
 * caller starts a new one with ku_svc_start if it wants one. */
void ku_svc_after_fork(struct ku_svc *s);

/* 1 when thread tid of this process is a service thread of a kprof
 * library (its name starts with KU_SVC_PREFIX), else 0. */
int ku_svc_is_service(pid_t tid);

/* 1 when the program has no thread left: the main thread has ended and
 * every other thread is a service thread. */
int ku_svc_alone(void);

#endif
