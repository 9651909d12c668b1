/* SPDX-License-Identifier: MIT */
/* kalloc.h: per-message accounting API of libkalloc.so (placeholder, owner: preload). */
#ifndef KALLOC_H
#define KALLOC_H
#endif
