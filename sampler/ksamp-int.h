/* SPDX-License-Identifier: MIT */
/*
 * ksamp-int.h: what the parts of libksamp.so share. The sample table is
 * written by the SIGPROF handler (handler.c) and read by the writer
 * (writer.c) on a normal thread; the thread registry is written by the
 * thread hooks (ksamp.c) and read by both. All of it lives in memory
 * mapped once at start-up, never in malloc'ed memory.
 */
#ifndef KSAMP_INT_H
#define KSAMP_INT_H

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

/* A registered thread and its timer. */
struct ksamp__thread {
	_Atomic int state; /* 0 free, 1 claimed, 2 live */
	pid_t tid;
	timer_t timer;
};

extern struct ksamp__thread ksamp__threads[KSAMP__THREADS_MAX];

/* handler.c (async-signal-safe) */
void ksamp__on_sigprof(int sig, siginfo_t *si, void *uc);
void ksamp__on_toggle(int sig, siginfo_t *si, void *uc);
void ksamp__set_stack_top(uintptr_t top);
int ksamp__arm_all(int on);
void ksamp__timer_spec(struct itimerspec *its, int on, uint64_t seed);
/* Map the table and arena; 0 or -errno. Not async-signal-safe. */
int ksamp__table_init(void);
/* Drop every sample (fork child). */
void ksamp__table_reset(void);

/* writer.c (normal threads only; allocates) */
int ksamp__write(const char *path, uint64_t start_realtime_ns, uint64_t start_mono_ns);

/* ksamp.c */
void ksamp__warn(const char *msg, const char *detail);
/* Write the profile so far to path (normal threads only); 0 or -errno. */
int ksamp__write_to(const char *path);

/* service.c: interval profiles and the final profile on SIGTERM/SIGINT/
 * SIGHUP (skip_signal: the toggle signal, never taken over). */
void ksamp__service_start(int skip_signal);
uint64_t ksamp__unsampled_threads(void);
/* The exported API (ksamp.h declares inline look-up wrappers instead). */
int ksamp_start(void);
int ksamp_stop(void);
int ksamp_flush(void);

#endif
