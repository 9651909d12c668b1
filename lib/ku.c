/* SPDX-License-Identifier: MIT */
/* ku: small helpers shared by every part (see ku.h). */
#include "config.h"

#include <string.h>
#include <time.h>

#include "ku.h"

const char *ku_strerror(int err)
{
	if (err < 0)
		err = -err;
	return strerror(err);
}

uint64_t ku_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
