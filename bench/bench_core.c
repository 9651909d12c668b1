/* SPDX-License-Identifier: MIT */
/* bench_core: cost of the message model's core operations (no broker) (see bench_core(1)). */
#include "config.h"

#include "driver.h"

int main(int argc, char **argv)
{
	return kb_driver_main(KB_MODE_CORE, argc, argv);
}
