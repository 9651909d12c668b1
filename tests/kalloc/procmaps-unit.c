/* SPDX-License-Identifier: MIT */
/* procmaps-unit: lib/procmaps on this very process: the mapping of main()
 * is executable and is this program, the stack is found, look-ups outside
 * every mapping fail, build IDs agree with the ELF note, bad input errors. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "procmaps.h"
#include "../tap.h"

int main(void)
{
	struct ku_maps m;
	const struct ku_map *me, *st;
	char exe[4096], hex[2 * KU_BUILD_ID_MAX + 1];
	uint8_t id[KU_BUILD_ID_MAX];
	ssize_t n;
	size_t i;
	int r, sorted = 1;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	tap_is_int(ku_procmaps_read(0, KU_PROCMAPS_BUILD_IDS, &m), 0, "read /proc/self/maps");
	tap_ok(m.n > 5, "several mappings (%zu)", m.n);
	for (i = 1; i < m.n; i++)
		if (m.map[i].start < m.map[i - 1].end)
			sorted = 0;
	tap_ok(sorted, "mappings are ordered and disjoint");
	me = ku_procmaps_find(&m, (uintptr_t)main);
	tap_ok(me != NULL, "main() lies in a mapping");
	tap_ok(me && (me->prot & KU_MAP_X) && !(me->prot & KU_MAP_W), "that mapping is r-x");
	tap_is_str(me ? me->path : "", exe, "that mapping is this program");
	st = ku_procmaps_find(&m, (uintptr_t)&m);
	tap_is_str(st ? st->path : "", "[stack]", "a local variable lies in [stack]");
	tap_ok(ku_procmaps_find(&m, 16) == NULL, "address 16 is in no mapping");
	r = ku_procmaps_build_id(exe, id, sizeof(id));
	tap_ok(r > 0, "this program has a build id (%d bytes)", r);
	tap_ok(me && r > 0 && me->build_id_len == (unsigned)r && memcmp(me->build_id, id, (size_t)r) == 0,
	       "snapshot build id equals the ELF note");
	tap_is_int(strlen(ku_procmaps_build_id_hex(id, r > 0 ? (size_t)r : 0, hex)), 2 * (r > 0 ? r : 0),
		   "hex build id has two digits per byte");
	tap_is_int(ku_procmaps_build_id("/nonexistent/file", id, sizeof(id)), -ENOENT, "missing file: -ENOENT");
	tap_is_int(ku_procmaps_build_id("/proc/self/maps", id, sizeof(id)), -ENOEXEC, "not ELF: -ENOEXEC");
	ku_procmaps_free(&m);
	tap_ok(m.n == 0 && m.map == NULL, "free clears the snapshot");
	ku_procmaps_free(&m);
	tap_is_int(ku_procmaps_read(999999999, 0, &m), -ENOENT, "no such process: -ENOENT");
	return tap_done();
}
