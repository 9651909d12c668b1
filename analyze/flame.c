/* SPDX-License-Identifier: MIT */
/* placeholder until its owner lands it. */
#include "config.h"

#include "kprof.h"

int kan_cmd_flame(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return kan_die("flame: not built yet");
}

int kan_cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return kan_die("diff: not built yet");
}
