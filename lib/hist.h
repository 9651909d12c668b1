/* SPDX-License-Identifier: MIT */
/* hist: placeholder until its owner lands it. */
#ifndef KU_HIST_H
#define KU_HIST_H
#endif
