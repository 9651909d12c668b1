/* SPDX-License-Identifier: MIT */
/*
 * threads: per-thread views of a profile for kprof top, flame and folded
 * (--thread REGEX, --by-thread). A sample's thread is its thread_name
 * label (libksamp, Go's runtime/pprof with labels, pprof -tagroot
 * conventions), or "thread <id>" from its thread_id label when it has no
 * name, or "[no thread label]".
 *
 * Both functions change the profile in place and must run before
 * kan_profile_frames() (that is, right after loading). Errors are printed
 * through kan_die(); the functions return its status (2) or 0.
 */
#ifndef KAN_THREADS_H
#define KAN_THREADS_H

#include <stddef.h>

#include "profile.h"

/* The thread key of sample i (see above), in buf. */
const char *kan_thread_of(const struct kan_profile *p, size_t i, char *buf, size_t size);

/* Keep only the samples whose thread matches the POSIX extended regular
 * expression re (anywhere in the name, as grep does): the others get
 * all-zero values. No match at all is an error naming the threads there
 * are. what: the command, for messages. */
int kan_thread_filter(struct kan_profile *p, const char *re, const char *what);

/* Give every sample a root frame naming its thread ("thread NAME"). */
int kan_thread_roots(struct kan_profile *p, const char *what);

#endif
