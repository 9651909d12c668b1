/* SPDX-License-Identifier: MIT */
/*
 * termsig: final files when a preloaded library's process is stopped the
 * normal way (SIGTERM, SIGINT, SIGHUP). For each of the three signals
 * whose disposition is still SIG_DFL, ku_termsig_install() installs a
 * handler; a signal the program ignores or handles itself is left alone
 * (its own exit path writes the files, through the library's destructor).
 *
 * Protocol: the handler (async-signal-safe: sem_post, nanosleep,
 * sigaction, kill) records the signal, posts the caller's semaphore so
 * that the library's own thread wakes, and waits until that thread calls
 * ku_termsig_done() (at most KU_TERMSIG_WAIT_MS), then restores SIG_DFL
 * and sends the signal to the process again: the process dies of it, with the exit
 * status it would have had without the library. The handler is installed
 * with SA_NODEFER, so the raised signal is not blocked in the thread that
 * runs it.
 *
 * A thread interrupted inside the library itself (busy() says so) may
 * hold a lock the writer needs: there the handler does not wait but
 * returns at once, the program runs on while the files are written, and
 * ku_termsig_done() then restores SIG_DFL and sends the signal to the
 * process again.
 *
 * When libkalloc.so and libksamp.so are both preloaded, the second to
 * start finds the first's handler in place and chains to it: its handler
 * waits for its own writer, then calls the first's, which waits for its
 * writer and raises. Handlers of anything else are never chained to or
 * replaced.
 *
 * State is per copy of this file (each preloaded library links its own).
 */
#ifndef KU_TERMSIG_H
#define KU_TERMSIG_H

#include <semaphore.h>

#define KU_TERMSIG_WAIT_MS 10000

/* Install the handlers; wake is posted on a signal; skip: a signal the
 * library uses for something else (0: none); busy (may be NULL; called
 * in the handler, must be async-signal-safe): 1 when the interrupted
 * thread is inside the library. Returns how many of the three were
 * installed. Not async-signal-safe; call from a constructor. */
int ku_termsig_install(sem_t *wake, int skip, int (*busy)(void));
/* The signal received, or 0 (async-signal-safe). */
int ku_termsig_pending(void);
/* The writer has finished: the waiting handler may raise; when no
 * handler waits (the busy case), the signal is sent again from here. */
void ku_termsig_done(void);
/* Remove our handlers again (SIG_DFL where ours is still installed). */
void ku_termsig_uninstall(void);

#endif
