/* SPDX-License-Identifier: MIT */
/*
 * service: libksamp.so in long-running programs. A service thread
 * (lib/svcthread.h: no timer, never sampled nor counted, all signals
 * blocked, and it leaves when the program's last thread has ended, so
 * that it never keeps the process alive) writes a numbered profile every
 * KSAMP_INTERVAL seconds, <out>.<n>.pb.gz (a trailing ".pb.gz" of the
 * output name moves after the number), each one cumulative since start
 * and written atomically (temporary file, rename), keeping the newest
 * KSAMP_KEEP (default 10, 0: all). The same thread writes the final
 * profile when SIGTERM, SIGINT or SIGHUP, left at their default
 * disposition by the program, stop the process; the signal is then raised
 * again so the exit status is the signal's (lib/termsig.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ksamp-int.h"
#include "ku.h"
#include "svcthread.h"
#include "termsig.h"

static struct {
	uint64_t interval_ns;
	int keep;
	struct ku_svc thread;
	unsigned n, pruned;
	char base[4200]; /* out without a trailing ".pb.gz" */
} svc_state;

static void svc_config(void)
{
	const char *s = secure_getenv("KSAMP_INTERVAL");
	char *end;
	size_t n;

	svc_state.keep = 10;
	svc_state.interval_ns = 0;
	if (s && *s) {
		double d;

		errno = 0;
		d = strtod(s, &end);
		if (errno == 0 && end != s && *end == '\0' && d >= 0.01 && d <= 31536000.0)
			svc_state.interval_ns = (uint64_t)(d * 1e9);
		else
			ksamp__warn("KSAMP_INTERVAL is not a number of seconds from 0.01 to 31536000, no interval profiles", s);
	}
	s = secure_getenv("KSAMP_KEEP");
	if (s && *s) {
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno == 0 && end != s && *end == '\0' && v >= 0 && v <= 1000000)
			svc_state.keep = (int)v;
		else
			ksamp__warn("KSAMP_KEEP is not a number from 0 (all) to 1000000, using 10", s);
	}
	snprintf(svc_state.base, sizeof(svc_state.base), "%s", ksamp__cfg.out);
	n = strlen(svc_state.base);
	if (n > 6 && strcmp(svc_state.base + n - 6, ".pb.gz") == 0)
		svc_state.base[n - 6] = '\0';
}

static void svc_path(char *buf, size_t size, unsigned n)
{
	snprintf(buf, size, "%s.%u.pb.gz", svc_state.base, n);
}

static void svc_snapshot(void)
{
	char path[4300];
	int rc;

	svc_path(path, sizeof(path), ++svc_state.n);
	rc = ksamp__write_to(path);
	if (rc == -ECANCELED) {
		svc_state.n--; /* exiting: not written */
		return;
	}
	if (rc < 0) {
		static int once;

		if (!once++)
			ksamp__warn("cannot write an interval profile (later failures are not shown)", ku_strerror(rc));
		return;
	}
	while (svc_state.keep > 0 && svc_state.pruned + (unsigned)svc_state.keep < svc_state.n) {
		svc_path(path, sizeof(path), ++svc_state.pruned);
		unlink(path);
	}
}

static void svc_thread(struct ku_svc *svc)
{
	uint64_t next = UINT64_MAX;

	if (svc_state.interval_ns)
		next = ku_now_ns() + svc_state.interval_ns;
	for (;;) {
		uint64_t now;

		if (ku_svc_wait(svc, next) == KU_SVC_ALONE)
			break; /* the program has ended: its exit writes the profile */
		if (ku_termsig_pending()) {
			ksamp_stop();
			ksamp_flush();
			ku_termsig_done();
			break;
		}
		now = ku_now_ns();
		if (now >= next) {
			svc_snapshot();
			next += svc_state.interval_ns;
			now = ku_now_ns();
			if (next <= now)
				next = now + svc_state.interval_ns;
		}
	}
}

static void svc_after_fork(void)
{
	if (!svc_state.thread.running)
		return;
	ku_svc_after_fork(&svc_state.thread);
	/* The child profiles into <out>.<pid>: its own numbered files. */
	svc_config();
	svc_state.n = svc_state.pruned = 0;
	ku_svc_start(&svc_state.thread, "ksamp", svc_thread);
}

void ksamp__service_start(int skip_signal)
{
	int err;

	svc_config();
	err = ku_svc_start(&svc_state.thread, "ksamp", svc_thread);
	if (err) {
		ksamp__warn("cannot start the service thread: no interval profiles, no profile on SIGTERM",
			    ku_strerror(err));
		return;
	}
	pthread_atfork(NULL, NULL, svc_after_fork);
	ku_termsig_install(&svc_state.thread.wake, skip_signal, NULL);
}
