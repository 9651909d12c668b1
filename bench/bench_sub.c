/* SPDX-License-Identifier: MIT */
/* bench_sub: consumer throughput (see bench_sub(1)). */
#include "config.h"

#include "driver.h"

int main(int argc, char **argv)
{
	return kb_driver_main(KB_MODE_SUB, argc, argv);
}
