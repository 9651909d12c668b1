/* SPDX-License-Identifier: MIT */
/*
 * msglog: --log, one line per published and per consumed message, for the
 * drivers' producer and consumer threads. Each thread opens its own log
 * (one buffer, one O_APPEND descriptor: no lock between threads); lines
 * are formatted by hand and written in 64 KiB blocks.
 *
 *   SECONDS.MICROS LEVEL PROG[TID] WHAT id=UUID producer=N seq=N bytes=N topic=T
 *
 * The driver logs at "info": --log info writes every line, --log debug and
 * trace measure the cost of a filtered call, --log off (the default) opens
 * nothing and kb_log_open() returns NULL.
 */
#ifndef KB_MSGLOG_H
#define KB_MSGLOG_H

#include <stddef.h>
#include <stdint.h>

#include "flags.h"

struct kb_log;

/* A log for the calling thread (formats its PROG[TID] once); NULL when
 * --log is off or --log-file cannot be opened. */
struct kb_log *kb_log_open(const struct kb_cfg *c);
/* One line about the message data/len ("publish", "consume"); mono_ns is
 * the caller's CLOCK_MONOTONIC time, written as wall-clock time. */
void kb_log_msg(const struct kb_cfg *c, struct kb_log *lg, const char *what, const void *data, size_t len,
		uint64_t mono_ns);
/* Flushes and closes (NULL is fine). */
void kb_log_close(struct kb_log *lg);

#endif
