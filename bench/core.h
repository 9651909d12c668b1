/* SPDX-License-Identifier: MIT */
/* core: the run of bench_core (see core.c). */
#ifndef KB_CORE_H
#define KB_CORE_H

#include "flags.h"

/* 0, or 2 when the result could not be written. */
int kb_core_run(struct kb_cfg *c);

#endif
