/* SPDX-License-Identifier: MIT */
/*
 * procmaps: a snapshot of a process's memory mappings (/proc/PID/maps),
 * with the GNU build ID of each mapped ELF file on request. Used to fill
 * pprof Mapping records (start, limit, offset, file, build id) and to
 * find memory regions (stacks, writable data) when scanning for leaks.
 *
 * The snapshot never calls malloc: its storage is mmap'ed, so code inside
 * an allocation interposer can take one at any time. Reading is done with
 * open/read/close only (async-signal-safe system calls), but the function
 * as a whole is not meant for signal handlers (it may take milliseconds).
 * A snapshot is immutable once taken and may be shared between threads.
 * Errors: 0 or a negative errno, as everywhere in lib/ (ku_strerror).
 */
#ifndef KU_PROCMAPS_H
#define KU_PROCMAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KU_MAP_R 1u
#define KU_MAP_W 2u
#define KU_MAP_X 4u
#define KU_MAP_SHARED 8u /* 's' in the perms column; else private */

#define KU_BUILD_ID_MAX 64

struct ku_map {
	uintptr_t start;    /* first byte */
	uintptr_t end;      /* one past the last byte */
	uint64_t offset;    /* file offset of start */
	uint64_t inode;     /* 0 for anonymous mappings */
	unsigned prot;      /* KU_MAP_* bits */
	const char *path;   /* "" when anonymous; "[stack]", "[heap]", "[vdso]"... */
	/* GNU build ID, filled by ku_procmaps_read with KU_PROCMAPS_BUILD_IDS */
	unsigned build_id_len; /* 0 when none */
	uint8_t build_id[KU_BUILD_ID_MAX];
};

struct ku_maps {
	size_t n;	    /* entries in map[], ordered by start */
	struct ku_map *map;
	/* private: the mmap'ed block holding everything */
	void *ku__mem;
	size_t ku__len;
};

#define KU_PROCMAPS_BUILD_IDS 1u /* read the build id note of each file */

/*
 * Take a snapshot of /proc/<pid>/maps (pid 0 = self) into *out.
 * Returns 0, -ENOMEM, or the errno of open/read as a negative number.
 * On error *out is left zeroed and needs no ku_procmaps_free().
 */
int ku_procmaps_read(pid_t pid, unsigned flags, struct ku_maps *out);

/* Release a snapshot (munmap). Safe on a zeroed struct. */
void ku_procmaps_free(struct ku_maps *m);

/* The mapping containing addr, or NULL. O(log n). */
const struct ku_map *ku_procmaps_find(const struct ku_maps *m, uintptr_t addr);

/*
 * Read the GNU build ID (NT_GNU_BUILD_ID note) of the ELF file at path
 * into id (cap bytes). Returns its length (> 0), -ENOENT when the file has
 * no such note, -ENOEXEC when it is not ELF, or another negative errno.
 * Uses open/pread/close only; never allocates.
 */
int ku_procmaps_build_id(const char *path, uint8_t *id, size_t cap);

/* Lower-case hex of a build id into buf (2*len+1 bytes); returns buf. */
char *ku_procmaps_build_id_hex(const uint8_t *id, size_t len, char *buf);

#endif
