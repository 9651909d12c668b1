/* SPDX-License-Identifier: MIT */
/* placeholder until its owner lands it. */
#include "config.h"
#include "symbolize.h"
typedef int ku__placeholder_symbolize;
