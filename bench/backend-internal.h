/* SPDX-License-Identifier: MIT */
/*
 * backend-internal: what the backends (backend-*.c) share with conn.c
 * and nobody else: the common head of every connection, which carries its
 * last error text, and the setter of that text.
 */
#ifndef KB_BACKEND_INTERNAL_H
#define KB_BACKEND_INTERNAL_H

#include "backend.h"

/* Every connection starts with this so error text is common. */
struct kb_conn_base {
	const struct kb_backend *be;
	char err[256];
};

/* Formats the connection's error text (kb_conn_error() returns it). */
void kb__conn_seterr(struct kb_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
