/* SPDX-License-Identifier: MIT */
/*
 * signal: KALLOC_SIGNAL snapshots. This file holds signal-handler code.
 * The handler only posts a semaphore (sem_post is async-signal-safe) and
 * restores errno; a dedicated thread, created at start-up with the guard
 * set for its whole life, waits on the semaphore and writes the snapshot
 * <prefix>.<n>.* on a normal stack, where locks and allocation are fine.
 * The thread does not survive fork: the child creates its own.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kalloc-internal.h"

int kalloc_v1_snapshot(void);

/* The snapshot thread, which the leak scan leaves out (it holds no roots). */
pid_t kalloc__snapshot_tid;
static sem_t sem;
static int snap_signo;
static int sem_ok;

/* Async-signal-safe: sem_post only; errno preserved. */
static void on_signal(int signo)
{
	int e = errno;

	(void)signo;
	if (sem_ok)
		sem_post(&sem);
	errno = e;
}

static void *snapshot_thread(void *arg)
{
	(void)arg;
	kalloc__guard_enter(); /* nothing this thread allocates is tracked */
	__atomic_store_n(&kalloc__snapshot_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
	for (;;) {
		if (sem_wait(&sem) != 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		kalloc_v1_snapshot();
	}
	return NULL;
}

static int start_thread(void)
{
	pthread_t th;
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The snapshot thread must never take the program's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&th, &attr, snapshot_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -err;
}

int kalloc__signal_setup(int signo)
{
	struct sigaction sa;
	int err;

	if (sem_init(&sem, 0, 0) != 0)
		return -errno;
	sem_ok = 1;
	err = start_thread();
	if (err) {
		kalloc__warn(NULL, "cannot start the snapshot thread (%s); KALLOC_SIGNAL ignored", strerror(-err));
		return err;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) != 0) {
		err = -errno;
		kalloc__warn(NULL, "cannot install the handler for signal %d (%s); KALLOC_SIGNAL ignored", signo,
			     strerror(errno));
		return err;
	}
	snap_signo = signo;
	return 0;
}

void kalloc__signal_after_fork(void)
{
	if (!snap_signo)
		return;
	sem_destroy(&sem);
	if (sem_init(&sem, 0, 0) != 0 || start_thread() != 0)
		sem_ok = 0;
}
