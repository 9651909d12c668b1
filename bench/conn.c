/* SPDX-License-Identifier: MIT */
/*
 * conn: the error text every connection carries (backend-internal.h).
 * Apart from the registry in backend.c, which names the backends, so that
 * the backends calling kb__conn_seterr never call back into it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "backend-internal.h"

const char *kb_conn_error(struct kb_conn *c)
{
	const struct kb_conn_base *b = (const struct kb_conn_base *)c;

	return b->err[0] ? b->err : "no error";
}

void kb__conn_seterr(struct kb_conn *c, const char *fmt, ...)
{
	struct kb_conn_base *b = (struct kb_conn_base *)c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
}
