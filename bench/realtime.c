/* SPDX-License-Identifier: MIT */
/*
 * realtime: --realtime for a driver thread (see messaging-internal.h).
 * The process-wide part, mlockall, is messaging.c's.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "messaging-internal.h"

/* --realtime: the calling producer/consumer thread goes to SCHED_FIFO
   and, when the process may run on 2+ CPUs, onto a CPU of its own
   (producer i on the (2i)-th allowed CPU, its consumer on the next one),
   so that a spinning sender and a busy-polling consumer never share a
   CPU or wait behind ordinary tasks. Returns 0 or -errno; a thread that
   may not use SCHED_FIFO keeps running with normal scheduling and the
   driver says so once (the JSON records "realtime": false then). */
int kb__realtime_thread(struct kb_run *run, unsigned slot)
{
	const struct kb_cfg *c = run->cfg;
	struct sched_param sp = { .sched_priority = 10 };
	cpu_set_t allowed, one;
	int rc, n, want, seen = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && (n = CPU_COUNT(&allowed)) >= 2) {
		want = (int)(slot % (unsigned)n);
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &allowed))
				continue;
			if (seen++ == want) {
				CPU_ZERO(&one);
				CPU_SET(cpu, &one);
				pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
				break;
			}
		}
	}
	rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (rc && atomic_exchange(&run->rt_refused, 1) == 0 && !c->quiet)
		fprintf(stderr, "%s: --realtime: SCHED_FIFO refused (%s); normal scheduling\n", c->prog, strerror(rc));
	return -rc;
}
