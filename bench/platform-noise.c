/* SPDX-License-Identifier: MIT */
/*
 * platform-noise: how much of a CPU a spinning thread really gets. One
 * thread per allowed CPU (up to 64), each pinned to its CPU and, when
 * permitted, SCHED_FIFO, reads the monotonic clock in a loop for SECONDS
 * and counts the gaps between consecutive reads: every gap is time the
 * thread did not run (interrupts, the hypervisor taking the virtual CPU,
 * real-time throttling). Prints per CPU
 *   cpuN: gaps >1us G1, >10us G10, >100us G100, max M us, time lost P%
 * This bounds what bench_e2e --realtime can reach: when more than 1% of a
 * CPU's time is lost in gaps longer than X, a p99 latency from the
 * intended send time below X is out of reach for any sender on it.
 * Usage: platform-noise [SECONDS] (default 0.5, at most 10).
 */
#include "config.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct probe {
	pthread_t th;
	int cpu;
	double secs;
	int fifo;
	uint64_t n1, n10, n100, max, lost, span;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *probe_main(void *arg)
{
	struct probe *p = arg;
	struct sched_param sp = { .sched_priority = 10 };
	cpu_set_t one;
	uint64_t t0, prev, end;

	CPU_ZERO(&one);
	CPU_SET(p->cpu, &one);
	pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
	p->fifo = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
	t0 = prev = now_ns();
	end = t0 + (uint64_t)(p->secs * 1e9);
	for (;;) {
		uint64_t t = now_ns(), g = t - prev;

		prev = t;
		if (g > 1000) {
			p->lost += g;
			p->n1++;
			p->n10 += g > 10000;
			p->n100 += g > 100000;
			if (g > p->max)
				p->max = g;
		}
		if (t >= end)
			break;
	}
	p->span = prev - t0;
	return NULL;
}

int main(int argc, char **argv)
{
	struct probe pr[64];
	cpu_set_t allowed;
	double secs = 0.5;
	char *end;
	int n = 0;

	if (argc > 2 || (argc == 2 && ((secs = strtod(argv[1], &end)), *end || secs <= 0 || secs > 10))) {
		fprintf(stderr, "usage: platform-noise [SECONDS]  (0 < SECONDS <= 10)\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		perror("platform-noise: sched_getaffinity");
		return 2;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE && n < 64; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		memset(&pr[n], 0, sizeof(pr[n]));
		pr[n].cpu = cpu;
		pr[n].secs = secs;
		if (pthread_create(&pr[n].th, NULL, probe_main, &pr[n]) != 0) {
			fprintf(stderr, "platform-noise: cannot start a thread\n");
			return 2;
		}
		n++;
	}
	for (int i = 0; i < n; i++)
		pthread_join(pr[i].th, NULL);
	for (int i = 0; i < n; i++)
		printf("cpu%d: gaps >1us %llu, >10us %llu, >100us %llu, max %llu us, time lost %.2f%%%s\n", pr[i].cpu,
		       (unsigned long long)pr[i].n1, (unsigned long long)pr[i].n10, (unsigned long long)pr[i].n100,
		       (unsigned long long)(pr[i].max / 1000), 100.0 * (double)pr[i].lost / (double)pr[i].span,
		       pr[i].fifo ? "" : " (normal scheduling: SCHED_FIFO refused)");
	return 0;
}
