/* SPDX-License-Identifier: MIT */
/*
 * signal: KALLOC_SIGNAL snapshots. This file holds signal-handler code.
 * The handler only asks libkalloc's service thread (timeline.c) for a
 * snapshot (an atomic store and sem_post, async-signal-safe) and
 * restores errno; that thread writes <prefix>.<n>.* on a normal stack,
 * where locks and allocation are fine. After fork the child's own
 * service thread takes the signal's snapshots.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "kalloc-internal.h"
#include "timeline.h"

/* Async-signal-safe: an atomic store and sem_post; errno preserved. */
static void on_signal(int signo)
{
	int e = errno;

	(void)signo;
	kalloc__tl_ask_snapshot();
	errno = e;
}

/* After kalloc__tl_start: the service thread must be running. */
int kalloc__signal_setup(int signo)
{
	struct sigaction sa;
	int err;

	if (!kalloc__tl_running()) {
		kalloc__warn(NULL, "no service thread; KALLOC_SIGNAL ignored");
		return -ESRCH;
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
	return 0;
}
