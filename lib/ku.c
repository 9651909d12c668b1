/* SPDX-License-Identifier: MIT */
/* ku: small helpers shared by every part (see ku.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ku.h"

const char *ku_strerror(int err)
{
	if (err < 0)
		err = -err;
	return strerror(err);
}

uint64_t ku_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

size_t ku_utf8_seq(const char *s, size_t n, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xC2 && u[0] <= 0xDF)
		need = 2;
	else if (u[0] >= 0xE0 && u[0] <= 0xEF)
		need = 3;
	else if (u[0] >= 0xF0 && u[0] <= 0xF4)
		need = 4;
	else
		goto ill; /* continuation byte, C0, C1, F5..FF */
	/* the second byte's range excludes overlongs, surrogates, > U+10FFFF */
	if (u[0] == 0xE0)
		lo = 0xA0;
	else if (u[0] == 0xED)
		hi = 0x9F;
	else if (u[0] == 0xF0)
		lo = 0x90;
	else if (u[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i < need; i++) {
		if (i >= n || u[i] < lo || u[i] > hi) {
			if (bad)
				*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need;
ill:
	if (bad)
		*bad = 1;
	return 0;
}

ssize_t ku_read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, r;

	if (fd < 0)
		return -1;
	while ((size_t)n < cap - 1 && (r = read(fd, buf + n, cap - 1 - (size_t)n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += r;
	}
	close(fd);
	buf[n] = 0;
	return n;
}

const char *ku_decimal_point(void)
{
	const char *dp = localeconv()->decimal_point;

	return dp && dp[0] && strcmp(dp, ".") ? dp : NULL;
}

/* The record getdents64 fills (not in glibc's headers). */
struct ku__dirent {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int ku_each_task(void (*fn)(pid_t tid, void *arg), void *arg)
{
	char buf[4096];
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (long off = 0; off < got;) {
			struct ku__dirent *d = (struct ku__dirent *)(buf + off);
			char *end;
			long tid = strtol(d->d_name, &end, 10);

			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9' || *end || tid <= 0)
				continue;
			n++;
			fn((pid_t)tid, arg);
		}
	}
	close(fd);
	return n;
}

static struct {
	int known;
	dev_t dev;
	ino_t ino;
} stderr_at_start;

void ku_stderr_remember(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) == 0) {
		stderr_at_start.dev = st.st_dev;
		stderr_at_start.ino = st.st_ino;
		stderr_at_start.known = 1;
	}
}

int ku_stderr_usable(void)
{
	struct stat st;
	int fl;

	if ((fl = fcntl(STDERR_FILENO, F_GETFL)) < 0 || fstat(STDERR_FILENO, &st) != 0)
		return 0;
	if (stderr_at_start.known && st.st_dev == stderr_at_start.dev && st.st_ino == stderr_at_start.ino)
		return 1;
	return !S_ISREG(st.st_mode) || (fl & O_APPEND);
}
