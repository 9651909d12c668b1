/* SPDX-License-Identifier: MIT */
/*
 * driver: the drivers' main (see driver.h): the program name from argv[0],
 * the flags, the run of the mode, and the backends stopped at the end (or
 * on any fatal error, through kb_die's cleanup).
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "backend.h"
#include "core.h"
#include "die.h"
#include "driver.h"
#include "messaging.h"

int kb_driver_main(enum kb_mode mode, int argc, char **argv)
{
	struct kb_cfg c = { .mode = mode };
	const char *slash = strrchr(argv[0], '/');
	int rc;

	c.prog = slash ? slash + 1 : argv[0];
	kb_die_init(c.prog, kb_backend_shutdown_all);
	signal(SIGPIPE, SIG_IGN);
	kb_flags_parse(&c, argc, argv);
	if (mode == KB_MODE_CORE)
		rc = kb_core_run(&c);
	else
		rc = kb_messaging_run(&c);
	kb_backend_shutdown_all();
	return rc;
}
