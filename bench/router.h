/* SPDX-License-Identifier: MIT */
/*
 * router: MQTT-style topic filters, used by the memory broker to route
 * and by bench_core to measure matching. Levels are separated by '/';
 * '+' matches exactly one level, '#' (last level only) matches the parent
 * level and any number of further levels, as in MQTT 3.1.1 section 4.7.
 */
#ifndef KB_ROUTER_H
#define KB_ROUTER_H

#include <stdbool.h>

/* true when filter is well-formed ('+' and '#' alone in their level, '#'
   last, non-empty). */
bool kb_filter_valid(const char *filter);
/* true when topic (no wildcards) matches filter. */
bool kb_topic_match(const char *filter, const char *topic);

#endif
