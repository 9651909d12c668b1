/* SPDX-License-Identifier: MIT */
/* placeholder until its owner lands it. */
#include "config.h"
#include "unwind.h"
typedef int ku__placeholder_unwind_libunwind;
