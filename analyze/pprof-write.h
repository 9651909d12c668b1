/* SPDX-License-Identifier: MIT */
/*
 * pprof-write: the model (profile.h) out as profile.proto, fields 1-14,
 * as the pprof tool reads it (string_table[0] empty, ids from 1, one
 * value per sample type).
 */
#ifndef KAN_PPROF_WRITE_H
#define KAN_PPROF_WRITE_H

#include "profile.h"

/* Writes p, gzipped when gzip != 0, to path ("-" = stdout); 0 or -errno. */
int kan_pprof_write(const struct kan_profile *p, const char *path, int gzip);

#endif
