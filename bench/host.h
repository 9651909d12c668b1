/* SPDX-License-Identifier: MIT */
/*
 * host: the "host" object of a kprof-bench/1 result document, written the
 * same way by every C program that writes one (the drivers, kbench,
 * bench_connect): hostname, cpus (online), model (the first "model name"
 * of /proc/cpuinfo), kernel (the release, as uname -r says; readers print
 * it after "Linux"). A field that cannot be read is "unknown".
 */
#ifndef KB_HOST_H
#define KB_HOST_H

#include "json.h"

/* Writes the key "host" and its object into the open object of w. */
void kb_host_json(struct ku_json_writer *w);

#endif
