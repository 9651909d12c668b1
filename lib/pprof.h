/* SPDX-License-Identifier: MIT */
/* pprof: placeholder until its owner lands it. */
#ifndef KU_PPROF_H
#define KU_PPROF_H
#endif
