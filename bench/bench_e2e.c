/* SPDX-License-Identifier: MIT */
/* bench_e2e: publish-to-consume latency on a constant-rate schedule (see bench_e2e(1)). */
#include "config.h"

#include "driver.h"

int main(int argc, char **argv)
{
	return kb_driver_main(KB_MODE_E2E, argc, argv);
}
