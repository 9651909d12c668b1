/* SPDX-License-Identifier: MIT */
/* router: MQTT-style topic filter validation and matching (see router.h). */
#include "config.h"

#include <string.h>

#include "router.h"

bool kb_filter_valid(const char *f)
{
	const char *lvl = f;

	if (!f || !*f)
		return false;
	for (const char *p = f;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - lvl);

			if ((memchr(lvl, '+', n) && n != 1) || (memchr(lvl, '#', n) && (n != 1 || *p != '\0')))
				return false;
			if (*p == '\0')
				return true;
			lvl = p + 1;
		}
	}
}

bool kb_topic_match(const char *f, const char *t)
{
	for (;;) {
		if (f[0] == '#' && f[1] == '\0')
			return true;
		if (f[0] == '+' && (f[1] == '/' || f[1] == '\0')) {
			while (*t && *t != '/')
				t++;
			f++;
		} else {
			while (*f && *f != '/' && *f == *t) {
				f++;
				t++;
			}
			if ((*f && *f != '/') || (*t && *t != '/'))
				return false;
		}
		/* both at a level end */
		if (*f == '\0' && *t == '\0')
			return true;
		if (*f == '\0')
			return false;
		if (*t == '\0')
			/* "a/#" matches "a": the parent level */
			return f[0] == '/' && f[1] == '#' && f[2] == '\0';
		f++;
		t++;
	}
}
