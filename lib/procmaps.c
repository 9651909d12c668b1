/* SPDX-License-Identifier: MIT */
/*
 * procmaps: snapshots of /proc/PID/maps and GNU build IDs (see procmaps.h).
 * All storage comes from mmap so that the allocation interposer can use
 * this module while it holds its own locks and while malloc is unusable.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procmaps.h"

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Read a whole (proc) file into an mmap'ed buffer, NUL-terminated. */
static int slurp(const char *path, char **buf, size_t *len, size_t *cap)
{
	size_t c = 1 << 16, n = 0;
	char *b;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = map_anon(c);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= c) {
			void *nb = mremap(b, c, c * 2, MREMAP_MAYMOVE);

			if (nb == MAP_FAILED) {
				munmap(b, c);
				close(fd);
				return -ENOMEM;
			}
			b = nb;
			c *= 2;
		}
		r = read(fd, b + n, c - n - 1);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			munmap(b, c);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	*cap = c;
	return 0;
}

static uint64_t hex(const char **s)
{
	uint64_t v = 0;
	const char *p = *s;

	for (;; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		v = v << 4 | d;
	}
	*s = p;
	return v;
}

static uint64_t dec(const char **s)
{
	uint64_t v = 0;
	const char *p = *s;

	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	*s = p;
	return v;
}

/* Parse one maps line [p, eol) into m; path copied to *strp. 0 or -EINVAL. */
static int parse_line(const char *p, const char *eol, struct ku_map *m, char **strp)
{
	const char *q;
	size_t plen;

	m->start = (uintptr_t)hex(&p);
	if (*p++ != '-')
		return -EINVAL;
	m->end = (uintptr_t)hex(&p);
	if (*p++ != ' ' || eol - p < 5)
		return -EINVAL;
	m->prot = (p[0] == 'r' ? KU_MAP_R : 0) | (p[1] == 'w' ? KU_MAP_W : 0) |
		  (p[2] == 'x' ? KU_MAP_X : 0) | (p[3] == 's' ? KU_MAP_SHARED : 0);
	p += 4;
	if (*p++ != ' ')
		return -EINVAL;
	m->offset = hex(&p);
	if (*p++ != ' ')
		return -EINVAL;
	hex(&p); /* major */
	if (*p++ != ':')
		return -EINVAL;
	hex(&p); /* minor */
	if (*p++ != ' ')
		return -EINVAL;
	m->inode = dec(&p);
	while (p < eol && *p == ' ')
		p++;
	q = eol;
	plen = (size_t)(q - p);
	memcpy(*strp, p, plen);
	(*strp)[plen] = '\0';
	m->path = *strp;
	*strp += plen + 1;
	m->build_id_len = 0;
	return m->end > m->start ? 0 : -EINVAL;
}

int ku_procmaps_read(pid_t pid, unsigned flags, struct ku_maps *out)
{
	char path[64];
	char *buf = NULL, *str;
	size_t len = 0, cap = 0, lines = 0, need, i;
	const char *p;
	struct ku_map *v;
	int err;

	memset(out, 0, sizeof(*out));
	/* Our own maps through the calling thread: once the main thread has
	 * called pthread_exit, /proc/self (the main thread) has no memory
	 * map any more and reads as empty. /proc/self is the fallback for
	 * kernels before 3.17. */
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/thread-self/maps");
	else
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	err = slurp(path, &buf, &len, &cap);
	if (err && pid == 0)
		err = slurp("/proc/self/maps", &buf, &len, &cap);
	if (err)
		return err;
	for (p = buf; *p; p++)
		lines += *p == '\n';
	lines++;
	need = lines * sizeof(struct ku_map) + len + lines + 16;
	need = (need + 4095) & ~(size_t)4095;
	v = map_anon(need);
	if (!v) {
		munmap(buf, cap);
		return -ENOMEM;
	}
	str = (char *)(v + lines);
	i = 0;
	for (p = buf; *p;) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if (eol > p && parse_line(p, eol, &v[i], &str) == 0)
			i++;
		p = *eol ? eol + 1 : eol;
	}
	munmap(buf, cap);
	if (flags & KU_PROCMAPS_BUILD_IDS) {
		size_t j;

		for (j = 0; j < i; j++) {
			int r;

			if (v[j].inode == 0 || v[j].path[0] != '/')
				continue;
			/* Reuse the id of an earlier mapping of the same file. */
			if (j > 0 && strcmp(v[j - 1].path, v[j].path) == 0) {
				v[j].build_id_len = v[j - 1].build_id_len;
				memcpy(v[j].build_id, v[j - 1].build_id, v[j].build_id_len);
				continue;
			}
			r = ku_procmaps_build_id(v[j].path, v[j].build_id, KU_BUILD_ID_MAX);
			if (r > 0)
				v[j].build_id_len = (unsigned)r;
		}
	}
	out->n = i;
	out->map = v;
	out->ku__mem = v;
	out->ku__len = need;
	return 0;
}

void ku_procmaps_free(struct ku_maps *m)
{
	if (m->ku__mem)
		munmap(m->ku__mem, m->ku__len);
	memset(m, 0, sizeof(*m));
}

const struct ku_map *ku_procmaps_find(const struct ku_maps *m, uintptr_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->map[mid].start)
			hi = mid;
		else if (addr >= m->map[mid].end)
			lo = mid + 1;
		else
			return &m->map[mid];
	}
	return NULL;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t n = 0;

	while (n < len) {
		ssize_t r = pread(fd, (char *)buf + n, len - n, off + (off_t)n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ENOEXEC;
		n += (size_t)r;
	}
	return 0;
}

/* Scan a note area [off, off+size) for NT_GNU_BUILD_ID. */
static int scan_notes(int fd, off_t off, uint64_t size, uint8_t *id, size_t cap)
{
	uint8_t buf[4096];
	size_t len = size > sizeof(buf) ? sizeof(buf) : (size_t)size, p = 0;
	int err = pread_all(fd, buf, len, off);

	if (err)
		return err;
	while (p + sizeof(Elf64_Nhdr) <= len) {
		Elf64_Nhdr nh;
		size_t nsz, dsz;

		memcpy(&nh, buf + p, sizeof(nh));
		nsz = (nh.n_namesz + 3) & ~3u;
		dsz = (nh.n_descsz + 3) & ~3u;
		p += sizeof(nh);
		if (p + nsz + dsz > len)
			break;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(buf + p, "GNU", 4) == 0 && nh.n_descsz > 0) {
			size_t n = nh.n_descsz < cap ? nh.n_descsz : cap;

			memcpy(id, buf + p + nsz, n);
			return (int)n;
		}
		p += nsz + dsz;
	}
	return -ENOENT;
}

int ku_procmaps_build_id(const char *path, uint8_t *id, size_t cap)
{
	Elf64_Ehdr eh;
	int fd, err, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = pread_all(fd, &eh, sizeof(eh), 0);
	if (err || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr)) {
		close(fd);
		return err && err != -ENOEXEC ? err : -ENOEXEC;
	}
	err = -ENOENT;
	for (i = 0; i < eh.e_phnum && i < 256; i++) {
		Elf64_Phdr ph;

		if (pread_all(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))))
			break;
		if (ph.p_type != PT_NOTE)
			continue;
		err = scan_notes(fd, (off_t)ph.p_offset, ph.p_filesz, id, cap);
		if (err > 0)
			break;
	}
	close(fd);
	return err;
}

char *ku_procmaps_build_id_hex(const uint8_t *id, size_t len, char *buf)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		buf[2 * i] = hx[id[i] >> 4];
		buf[2 * i + 1] = hx[id[i] & 15];
	}
	buf[2 * len] = '\0';
	return buf;
}
