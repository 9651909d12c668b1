/* SPDX-License-Identifier: MIT */
/*
 * ku: small helpers every part uses. Error convention for all of lib/:
 * functions return 0 or a negative errno; ku_strerror() names it.
 */
#ifndef KU_H
#define KU_H

#include <stddef.h>
#include <stdint.h>

#define KU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KU_LIKELY(x) __builtin_expect(!!(x), 1)
#define KU_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Text of a negative errno returned by lib/ (thread-safe, static storage). */
const char *ku_strerror(int err);

/* Monotonic clock in nanoseconds. Async-signal-safe. */
uint64_t ku_now_ns(void);

#endif
