/* SPDX-License-Identifier: MIT */
/*
 * signame: the one parser of signal names for the KALLOC_SIGNAL and
 * KSAMP_SIGNAL variables. Accepts a name with or without "SIG" (USR1,
 * SIGUSR2, TERM...), RTMIN+N / RTMAX-N, or a number. Signals a library
 * must never take are refused for every caller: KILL and STOP (cannot be
 * caught) and the synchronous fault signals (SEGV, BUS, FPE, ILL, ABRT,
 * TRAP, SYS); a caller adds its own (libksamp refuses PROF, its sampling
 * signal). Plain C, no allocation; any context.
 */
#ifndef KU_SIGNAME_H
#define KU_SIGNAME_H

#include <stddef.h>

/* The signal number, or -EINVAL (unknown, out of range, or refused). */
int ku_signal_parse(const char *s, const int *deny, size_t ndeny);

#endif
