/* SPDX-License-Identifier: MIT */
/*
 * history-nopg: the PostgreSQL backend of a kprof built without libpq
 * (configure found no libpq): every postgresql:// history is refused with
 * one line that says so, instead of being taken for an SQLite path.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "history.h"

static int nopg_open(const char *uri, enum kan_hmode mode, struct kan_hstore **out, char *err, size_t len)
{
	(void)uri;
	(void)mode;
	*out = NULL;
	snprintf(err, len, "this kprof was built without PostgreSQL support (no libpq at configure time): "
		 "only SQLite files can be used");
	return -ENOTSUP;
}

const struct kan_hstore_ops kan__hpg_ops = {
	.name = "PostgreSQL (not built)",
	.open = nopg_open,
};
