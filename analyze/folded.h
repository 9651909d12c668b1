/* SPDX-License-Identifier: MIT */
/* folded: the folded-stack writer shared by `folded` and `convert`. */
#ifndef KAN_FOLDED_H
#define KAN_FOLDED_H

#include <stdio.h>

#include "profile.h"

/* Write p's stacks for sample type si; 0, -ENOMEM or -EIO. */
int kan_folded_write(struct kan_profile *p, int si, FILE *out);

#endif
