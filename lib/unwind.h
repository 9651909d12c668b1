/* SPDX-License-Identifier: MIT */
/* unwind: placeholder until its owner lands it. */
#ifndef KU_UNWIND_H
#define KU_UNWIND_H
#endif
