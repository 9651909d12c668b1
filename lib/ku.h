/* SPDX-License-Identifier: MIT */
/*
 * ku: small helpers every part uses. Error convention for all of lib/:
 * functions return 0 or a negative errno; ku_strerror() names it.
 */
#ifndef KU_H
#define KU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KU_LIKELY(x) __builtin_expect(!!(x), 1)
#define KU_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Text of a negative errno returned by lib/ (thread-safe, static storage). */
const char *ku_strerror(int err);

/* Monotonic clock in nanoseconds. Async-signal-safe. */
uint64_t ku_now_ns(void);

/* UTF-8 well-formedness (Unicode 15, table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF), for writers of formats that must be
 * valid UTF-8 (JSON, XML, SARIF) fed with names from binaries, which can
 * be any bytes. Returns the length (1..4) of the well-formed sequence at
 * s[0..n), or 0 when it is ill-formed; then *bad (may be NULL) gets the
 * length of its maximal subpart (1..3), the bytes one U+FFFD replaces
 * ("U+FFFD substitution of maximal subparts", as the WHATWG decoder and
 * Python's errors="replace" do). n must be > 0. Async-signal-safe. */
size_t ku_utf8_seq(const char *s, size_t n, size_t *bad);

/* Calls fn for every thread of this process that /proc/self/task lists
 * (getdents64 into a buffer on the stack: no allocation, no lock). Returns
 * how many, or -1 when the directory cannot be read. */
int ku_each_task(void (*fn)(pid_t tid, void *arg), void *arg);

/* The locale's decimal point (LC_NUMERIC) when it is not ".", else NULL:
 * printf and strtod use it, formats such as JSON never do. */
const char *ku_decimal_point(void);

/* Reads a small file (/proc/self/stat, /proc/PID/task/TID/status...) into
 * buf, at most cap - 1 bytes, NUL-terminated: the bytes read, or -1 when
 * it cannot be opened. open/read/close only: no allocation, no lock, so
 * the interposers' service threads may call it anywhere. */
ssize_t ku_read_small(const char *path, char *buf, size_t cap);

/*
 * Standard error for an interposer's own messages. A program may close
 * fd 2 and open a file that gets the number (coreutils' close_stdout
 * closes stderr at exit, daemons close every descriptor): a message
 * written to fd 2 then would land in the program's data. ku_stderr_remember()
 * notes which file fd 2 is when the interposer starts; ku_stderr_usable()
 * says whether a message may be written now: fd 2 is open and is that same
 * file, or is no regular file (a terminal, pipe or socket the program put
 * there), or a regular file opened for appending (a log, as freopen(..,
 * "a", stderr) makes). fstat and fcntl only: async-signal-safe.
 */
void ku_stderr_remember(void);
int ku_stderr_usable(void);

/* UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER, 3 bytes. */
#define KU_UTF8_REPLACEMENT "\xEF\xBF\xBD"

#endif
