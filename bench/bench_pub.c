/* SPDX-License-Identifier: MIT */
/* bench_pub: publisher throughput and publish/confirm latency (see bench_pub(1)). */
#include "config.h"

#include "driver.h"

int main(int argc, char **argv)
{
	return kb_driver_main(KB_MODE_PUB, argc, argv);
}
