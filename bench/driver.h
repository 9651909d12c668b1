/* SPDX-License-Identifier: MIT */
/*
 * driver: what bench_pub, bench_sub, bench_e2e and bench_core share. Each
 * program's main() is one call to kb_driver_main().
 *
 * Inside, the arrows run one way: driver.c (flags, then the run of the
 * mode) -> messaging.c (with producer.c, consumer.c, realtime.c, msglog.c)
 * or core.c -> result.c and flags.c (and die.c, host.c, backend.c below
 * them). Nothing below calls back up.
 *
 * Exit status: 0 success; 1 the run completed but messages were lost,
 * duplicated or corrupted (integrity failure); 2 bad flags, unknown
 * backend, unreachable broker, or a run that could not complete (broker
 * died, no progress within --timeout).
 */
#ifndef KB_DRIVER_H
#define KB_DRIVER_H

#include "flags.h"

int kb_driver_main(enum kb_mode mode, int argc, char **argv);

#endif
