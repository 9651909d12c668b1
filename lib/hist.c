/* SPDX-License-Identifier: MIT */
/* placeholder until its owner lands it. */
#include "config.h"
#include "hist.h"
typedef int ku__placeholder_hist;
