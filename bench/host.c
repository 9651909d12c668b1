/* SPDX-License-Identifier: MIT */
/* host: the "host" object of result documents (see host.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "host.h"

void kb_host_json(struct ku_json_writer *w)
{
	char model[256] = "unknown", host[256] = "unknown", line[512];
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
				snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	ku_json_key(w, "host");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "hostname", host);
	ku_json_kv_int(w, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	ku_json_kv_string(w, "model", model);
	ku_json_kv_string(w, "kernel", u.release);
	ku_json_object_end(w);
}
