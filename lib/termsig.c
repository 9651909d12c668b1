/* SPDX-License-Identifier: MIT */
/*
 * termsig: see termsig.h. This file holds signal-handler code: the
 * handler, ku_termsig_pending() and ku_termsig_done() are
 * async-signal-safe (sem_post, nanosleep, sigaction, kill, getpid); they
 * touch only the static words below.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "termsig.h"

static const int termsig_sigs[3] = {SIGTERM, SIGINT, SIGHUP};
static sem_t *termsig_wake;
static int termsig_sig;  /* first signal received, atomic */
static int termsig_fin;  /* set by ku_termsig_done, atomic */
static int termsig_mine[3];
static void (*termsig_next[3])(int); /* the other library's handler */
static int (*termsig_busy)(void);
static int termsig_waiting; /* handlers waiting, atomic */

static int termsig_index(int signo)
{
	int i;

	for (i = 0; i < 3; i++)
		if (termsig_sigs[i] == signo)
			return i;
	return -1;
}

/* Async-signal-safe. */
static void termsig_handler(int signo)
{
	struct sigaction sa;
	struct timespec ts = {0, 10 * 1000 * 1000};
	int i, k = termsig_index(signo), e = errno;

	if (termsig_busy && termsig_busy()) {
		/* Inside the library, perhaps holding a lock the writer needs:
		 * let the program run on; ku_termsig_done() sends the signal
		 * again once the files are written. */
		if (__atomic_exchange_n(&termsig_sig, signo, __ATOMIC_SEQ_CST) == 0 && termsig_wake)
			sem_post(termsig_wake);
		errno = e;
		return;
	}
	__atomic_fetch_add(&termsig_waiting, 1, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&termsig_sig, signo, __ATOMIC_SEQ_CST) == 0 && termsig_wake)
		sem_post(termsig_wake);
	for (i = 0; i < KU_TERMSIG_WAIT_MS / 10 && !__atomic_load_n(&termsig_fin, __ATOMIC_SEQ_CST); i++)
		nanosleep(&ts, NULL);
	if (k >= 0 && termsig_next[k]) {
		termsig_next[k](signo); /* the other library raises */
	} else {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(signo, &sa, NULL);
		/* To the process: this may be a thread that blocks it (the
		 * other library's writer, calling us from ku_termsig_done). */
		kill(getpid(), signo);
	}
	errno = e;
}

/* A handler installed by the other kprof library (its file name says so). */
static int termsig_peer(void (*h)(int))
{
	Dl_info info;
	const char *b;

	if (h == SIG_DFL || h == SIG_IGN || !dladdr((void *)h, &info) || !info.dli_fname)
		return 0;
	b = strrchr(info.dli_fname, '/');
	b = b ? b + 1 : info.dli_fname;
	return strncmp(b, "libkalloc", 9) == 0 || strncmp(b, "libksamp", 8) == 0;
}

int ku_termsig_install(sem_t *wake, int skip, int (*busy)(void))
{
	struct sigaction sa, old;
	int i, n = 0;

	termsig_wake = wake;
	termsig_busy = busy;
	for (i = 0; i < 3; i++) {
		int s = termsig_sigs[i];

		if (s == skip || sigaction(s, NULL, &old) != 0)
			continue;
		if (old.sa_flags & SA_SIGINFO)
			continue;
		if (old.sa_handler != SIG_DFL && !termsig_peer(old.sa_handler))
			continue;
		termsig_next[i] = old.sa_handler == SIG_DFL ? NULL : old.sa_handler;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = termsig_handler;
		sa.sa_flags = SA_NODEFER | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(s, &sa, NULL) == 0) {
			termsig_mine[i] = 1;
			n++;
		}
	}
	return n;
}

int ku_termsig_pending(void)
{
	return __atomic_load_n(&termsig_sig, __ATOMIC_SEQ_CST);
}

void ku_termsig_done(void)
{
	int signo = __atomic_load_n(&termsig_sig, __ATOMIC_SEQ_CST), k = termsig_index(signo);
	struct sigaction sa;

	__atomic_store_n(&termsig_fin, 1, __ATOMIC_SEQ_CST);
	if (!signo || __atomic_load_n(&termsig_waiting, __ATOMIC_SEQ_CST))
		return; /* a waiting handler raises it */
	if (k >= 0 && termsig_next[k]) {
		termsig_next[k](signo); /* the other library writes, then raises */
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(signo, &sa, NULL);
	kill(getpid(), signo);
}

void ku_termsig_uninstall(void)
{
	struct sigaction sa, old;
	int i;

	for (i = 0; i < 3; i++) {
		if (!termsig_mine[i] || sigaction(termsig_sigs[i], NULL, &old) != 0)
			continue;
		if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == termsig_handler) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = termsig_next[i] ? termsig_next[i] : SIG_DFL;
			sigemptyset(&sa.sa_mask);
			sigaction(termsig_sigs[i], &sa, NULL);
		}
		termsig_mine[i] = 0;
	}
}
