/* SPDX-License-Identifier: MIT */
/* symbolize: placeholder until its owner lands it. */
#ifndef KU_SYMBOLIZE_H
#define KU_SYMBOLIZE_H
#endif
