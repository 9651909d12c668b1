/* SPDX-License-Identifier: MIT */
/* backend: the registry of built backends (their error text: conn.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backend-internal.h"

static const struct kb_backend *const backends[] = {
	&kb_backend_memory,
#if KB_HAVE_KAFKA
	&kb_backend_kafka,
#endif
#if KB_HAVE_AMQP
	&kb_backend_amqp,
#endif
#if KB_HAVE_MQTT
	&kb_backend_mqtt,
#endif
};

const struct kb_backend *kb_backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (name && !strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

const char *kb_backend_list(void)
{
	static char list[64];

	if (!list[0])
		for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
			if (i)
				strcat(list, " ");
			strcat(list, backends[i]->name);
		}
	return list;
}

void kb_backend_shutdown_all(void)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i]->shutdown)
			backends[i]->shutdown();
}
