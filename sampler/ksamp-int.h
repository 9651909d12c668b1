/* SPDX-License-Identifier: MIT */
/*
 * ksamp-int.h: what the parts of libksamp.so share. The sample table is
 * written by the SIGPROF handler (handler.c) and read by the writer
 * (writer.c) on a normal thread; the thread registry is written by
 * threads.c (for the thread hooks in ksamp.c and the discovery pass) and
 * read by both. None of it lives in malloc'ed memory.
 */
#ifndef KSAMP_INT_H
#define KSAMP_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "unwind.h"

#define KSAMP__DEPTH_MAX 512	  /* pcs buffer lives on the interrupted stack */
#define KSAMP__THREADS_MAX 4096	  /* threads registered at the same time */
#define KSAMP__NAME_LEN 16	  /* as prctl(PR_GET_NAME) */

enum ksamp__mode { KSAMP__CPU = 0, KSAMP__WALL = 1 };

/* Settings, parsed once from the environment at start-up. */
struct ksamp__config {
	char out[4096];	     /* profile path (KSAMP_OUT, or <out>.<pid> in children) */
	size_t out_default;  /* KSAMP_OUT unset: offset of "ksamp.<pid>.pb.gz" in out, else 0 */
	enum ksamp__mode mode;
	int hz;
	int depth;
	enum ku_unwind_method unwind;
	int toggle_signal;   /* 0: none */
	int start_enabled;
	size_t table_entries; /* power of two */
	size_t arena_pcs;
};

extern struct ksamp__config ksamp__cfg;

/*
 * One distinct (thread, stack) pair. state goes EMPTY -> WRITING -> READY
 * once; count only grows. pcs live in the arena at pcs_off.
 */
struct ksamp__entry {
	_Atomic uint32_t state;
	uint32_t depth;
	uint64_t hash;
	_Atomic uint64_t count; /* timer expirations, overruns included */
	_Atomic uint64_t signals; /* signals handled (count - overruns) */
	pid_t tid;
	uint32_t pcs_off;
	char name[KSAMP__NAME_LEN];
};

enum { KSAMP__EMPTY = 0, KSAMP__WRITING = 1, KSAMP__READY = 2 };

/* The sample table: open addressing, linear probing, never evicts. */
struct ksamp__table {
	struct ksamp__entry *entry;
	size_t mask;
	uintptr_t *arena;
	size_t arena_cap;
	_Atomic size_t arena_used;
	_Atomic uint64_t lost;	   /* samples not stored: table or arena full */
	_Atomic uint64_t truncated; /* stacks cut at the depth limit */
	_Atomic uint64_t handled;   /* signals that produced a sample */
};

extern struct ksamp__table ksamp__tab;

/* Sampling on/off (ksamp_start/stop, the toggle signal); 0 while disabled. */
extern _Atomic int ksamp__enabled;
/* Set forever when the program owns SIGPROF or on an internal failure. */
extern _Atomic int ksamp__dead;

/*
 * How a thread came to be known: the thread that ran the constructor (or
 * the fork child's only thread), the interposed pthread_create,
 * thrd_create and clone, or the discovery pass over /proc/self/task.
 */
enum ksamp__how { KSAMP__HOW_INIT, KSAMP__HOW_PTHREAD, KSAMP__HOW_C11, KSAMP__HOW_CLONE, KSAMP__HOW_SCAN, KSAMP__NHOW };

/* Slot states. FREE -> BUSY (set up or torn down, under the registry
 * lock) -> LIVE <-> ARMING (ksamp__arm_all, lock-free) -> BUSY -> FREE. */
enum { KSAMP__T_FREE = 0, KSAMP__T_BUSY = 1, KSAMP__T_LIVE = 2, KSAMP__T_ARMING = 3 };

/*
 * A registered thread and its timer (threads.c). The timer's sigev_value
 * points at the slot, so the handler knows whose sample it takes without
 * asking the thread's TLS, which a thread made by clone() without
 * CLONE_SETTLS shares with its creator. tid and stack_top are written
 * before the slot goes LIVE and stay until it is freed.
 */
struct ksamp__thread {
	_Atomic int state;
	pid_t tid;
	timer_t timer;
	uintptr_t stack_top;	   /* for the handler's frame-pointer walk; 0: unknown */
	_Atomic uint64_t samples;  /* expirations delivered to this thread */
	uint64_t cpu_before_ns;    /* the thread's CPU time when its timer was made */
	uint64_t cpu_last_ns;	   /* blocked: its CPU time when last looked at */
	uint32_t seen;		   /* discovery generation that last listed it */
	uint8_t how;		   /* enum ksamp__how */
	uint8_t hooked;		   /* runs our wrapper: deletes its own timer at its end */
	uint8_t blocked;	   /* found with SIGPROF blocked */
};

extern struct ksamp__thread ksamp__threads[KSAMP__THREADS_MAX];

/*
 * What the thread registry counted (threads.c, under its lock). CPU times
 * in nanoseconds. Threads "without a timer" are those that never got one;
 * threads with SIGPROF blocked have a timer whose signals cannot arrive.
 */
struct ksamp__acct {
	uint64_t seen[KSAMP__NHOW]; /* threads known, by how they came */
	uint64_t no_slot;	    /* registry full */
	uint64_t timer_failed;	    /* timer_create refused (timer_errno) */
	int timer_errno;
	uint64_t ended_early;	    /* gone before a timer could be made for them */
	uint64_t blocked;	    /* ended with SIGPROF blocked */
	uint64_t blocked_cpu_ns;    /* their CPU time, where known */
	uint64_t before_ns;	    /* CPU time threads used before their timer existed */
	uint64_t exit_due;	    /* expirations due at a thread's end, recorded then */
	uint64_t helper_cpu_ns;	    /* the discovery thread's, once it stopped */
	uint64_t scans;		    /* discovery passes */
};

/* The registry's figures at write time, with a last look at /proc/self/task. */
struct ksamp__census {
	struct ksamp__acct a;
	uint64_t live_blocked, live_blocked_cpu_ns; /* live threads with SIGPROF blocked now */
	uint64_t untimed, untimed_cpu_ns;	    /* live threads without a timer */
	uint64_t helper_cpu_ns;			    /* discovery and service threads, total */
	uint64_t off_ns;			    /* process CPU time while sampling was off */
};

/* A pc that no code has: the leaf of a sample recorded at a thread's end
 * (writer.c names it). */
#define KSAMP__PC_THREAD_END ((uintptr_t)0x10)

/* handler.c (async-signal-safe) */
void ksamp__on_sigprof(int sig, siginfo_t *si, void *uc);
/* The program's own SIGPROF action, kept by the interposed sigaction and
 * signal (ksamp.c) instead of being installed: the handler passes every
 * SIGPROF that none of our timers sent (the program's ITIMER_PROF, a
 * kill) to it. Set from normal context only. */
void ksamp__prog_prof_set(const struct sigaction *act);
void ksamp__prog_prof_get(struct sigaction *act);
void ksamp__on_toggle(int sig, siginfo_t *si, void *uc);
void ksamp__set_stack_top(uintptr_t top);
int ksamp__arm_all(int on);
/* Turn sampling on or off everywhere, keeping count of the process CPU
 * time spent with it off. */
void ksamp__set_sampling(int on);
uint64_t ksamp__off_ns(void);
void ksamp__timer_spec(struct itimerspec *its, int on, uint64_t seed);
/* Store one sample taken in normal context (SIGPROF blocked). */
void ksamp__record(pid_t tid, const uintptr_t *pcs, int n, uint64_t weight);
/* Map the table and arena; 0 or -errno. Not async-signal-safe. */
int ksamp__table_init(void);
/* Drop every sample (fork child). */
void ksamp__table_reset(void);

/* writer.c (normal threads only; allocates) */
struct ku_outdir;
/* Writes the profile to path, or where od's policy sends it (lib/outdir.h;
 * od records the outcome under the name "profile"). */
int ksamp__write(const char *path, struct ku_outdir *od, uint64_t start_realtime_ns, uint64_t start_mono_ns);

/* threads.c (normal context; see the file's comment) */
struct ksamp__thread *ksamp__thread_add(pid_t tid, enum ksamp__how how, uintptr_t stack_top, int self,
					uint64_t cpu_before_ns, int blocked);
uint64_t ksamp__thread_end(pid_t tid, int was_blocked);
void ksamp__discover_now(void);
void ksamp__discovery_start(void);
void ksamp__discovery_stop(void);
void ksamp__threads_atfork(int phase); /* 0 prepare, 1 parent, 2 child */
void ksamp__threads_census(struct ksamp__census *c);
uint64_t ksamp__thread_cpu_ns(pid_t tid);

/* ksamp.c */
void ksamp__warn(const char *msg, const char *detail);
/* Write the profile so far to path (normal threads only); 0 or -errno. */
int ksamp__write_to(const char *path);

/* service.c: interval profiles and the final profile on SIGTERM/SIGINT/
 * SIGHUP (skip_signal: the toggle signal, never taken over). */
void ksamp__service_start(int skip_signal);
extern int ksamp__ready;
extern int (*ksamp__real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
/* The exported API (ksamp.h declares inline look-up wrappers instead). */
int ksamp_start(void);
int ksamp_stop(void);
int ksamp_flush(void);

#endif
