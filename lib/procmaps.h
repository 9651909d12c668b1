/* SPDX-License-Identifier: MIT */
/* procmaps: placeholder until its owner lands it. */
#ifndef KU_PROCMAPS_H
#define KU_PROCMAPS_H
#endif
