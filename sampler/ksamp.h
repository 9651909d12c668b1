/* SPDX-License-Identifier: MIT */
/* ksamp.h: start/stop/flush API of libksamp.so (placeholder, owner: sampler). */
#ifndef KSAMP_H
#define KSAMP_H
#endif
