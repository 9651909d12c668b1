/* SPDX-License-Identifier: MIT */
/*
 * ksamp.h: control of the libksamp.so stack sampler from the profiled
 * program. No link is needed: each function looks the preloaded library up
 * at run time (dlsym RTLD_DEFAULT) and does nothing when it is not loaded,
 * so a program can call them unconditionally (link with -ldl on glibc
 * older than 2.34). libksamp.so exports the real functions under the same
 * names; these inline wrappers are never exported by the program.
 *
 * Everything else is configured through KSAMP_* environment variables; see
 * libksamp(7).
 */
#ifndef KSAMP_H
#define KSAMP_H

#include <dlfcn.h>

/* RTLD_DEFAULT needs _GNU_SOURCE; its value is 0 on every glibc target. */
#ifdef RTLD_DEFAULT
#define KSAMP__DEFAULT RTLD_DEFAULT
#else
#define KSAMP__DEFAULT ((void *)0)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Resume / pause sampling of every thread (sampling starts enabled unless
 * KSAMP_START=0). Return 0, or -1 when libksamp.so is not loaded or
 * sampling is disabled (e.g. the program owns SIGPROF).
 */
static inline int ksamp_start(void)
{
	int (*f)(void);

	/* The POSIX idiom: no object-to-function pointer cast. */
	*(void **)(&f) = dlsym(KSAMP__DEFAULT, "ksamp_start");
	return f ? f() : -1;
}

static inline int ksamp_stop(void)
{
	int (*f)(void);

	/* The POSIX idiom: no object-to-function pointer cast. */
	*(void **)(&f) = dlsym(KSAMP__DEFAULT, "ksamp_stop");
	return f ? f() : -1;
}

/*
 * Write the samples collected so far to KSAMP_OUT now (the profile is
 * rewritten, cumulatively, at exit). Not async-signal-safe: call it from a
 * normal thread. Returns 0, or a negative errno, or -1 without libksamp.so.
 */
static inline int ksamp_flush(void)
{
	int (*f)(void);

	/* The POSIX idiom: no object-to-function pointer cast. */
	*(void **)(&f) = dlsym(KSAMP__DEFAULT, "ksamp_flush");
	return f ? f() : -1;
}

#ifdef __cplusplus
}
#endif

#endif
