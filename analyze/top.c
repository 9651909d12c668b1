/* SPDX-License-Identifier: MIT */
/* placeholder until its owner lands it. */
#include "config.h"

#include "kprof.h"

int kan_cmd_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return kan_die("top: not built yet");
}
