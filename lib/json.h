/* SPDX-License-Identifier: MIT */
/* json: placeholder until its owner lands it. */
#ifndef KU_JSON_H
#define KU_JSON_H
#endif
