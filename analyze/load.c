/* SPDX-License-Identifier: MIT */
/*
 * load: profiles from files and memory (see load.h). Read the bytes (a
 * size cap against hostile input), gunzip when they start with the gzip
 * magic (concatenated members too), pick the reader from the table below
 * by sniffing, decode into a new struct kan_profile. The decoders
 * (pprof-read.c, legacy.c) fill the model through its builders; the
 * model never calls back here.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ku.h"
#include "load.h"

int kan_read_file(const char *path, uint8_t **data, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd)
			close(fd);
		return -EISDIR;
	}
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 16;
			uint8_t *nb;

			if (ncap > KAN_MAX_INPUT_BYTES + 1)
				ncap = KAN_MAX_INPUT_BYTES + 1;
			if (ncap == cap) {
				free(buf);
				if (fd)
					close(fd);
				return -EFBIG;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				if (fd)
					close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(buf);
			if (fd)
				close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (fd)
		close(fd);
	*data = buf;
	*len = n;
	return 0;
}

int kan_gunzip(const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen, size_t cap)
{
	z_stream zs;
	uint8_t *buf = NULL;
	size_t bcap = inlen * 4 + 4096, n = 0;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -ENOMEM;
	if (bcap > cap)
		bcap = cap;
	zs.next_in = (Bytef *)in;
	buf = malloc(bcap ? bcap : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (n == bcap) {
			size_t nc = bcap * 2;
			if (bcap >= cap) {
				ret = -EFBIG;
				goto out;
			}
			if (nc > cap)
				nc = cap;
			uint8_t *nb = realloc(buf, nc);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
			bcap = nc;
		}
		/* zlib counts in uInt: feed at most 1 GiB at a time */
		size_t inleft = inlen - (size_t)(zs.next_in - in);
		zs.avail_in = inleft > (1u << 30) ? (1u << 30) : (uInt)inleft;
		size_t room = bcap - n;
		zs.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
		zs.next_out = buf + n;
		uInt before = zs.avail_out;
		int zr = inflate(&zs, Z_NO_FLUSH);
		n += before - zs.avail_out;
		if (zr == Z_STREAM_END) {
			/* concatenated gzip members: continue with the next one */
			size_t used = (size_t)(zs.next_in - in);
			if (used < inlen && inlen - used >= 2 && in[used] == 0x1f && in[used + 1] == 0x8b) {
				inflateReset(&zs);
				continue;
			}
			break;
		}
		if (zr == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out != 0) {
			ret = -EINVAL; /* truncated */
			goto out;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			ret = zr == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
			goto out;
		}
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
	ret = 0;
out:
	inflateEnd(&zs);
	free(buf);
	return ret;
}

static size_t max_inflate; /* 0: KPROF_MAX_INFLATE or the default */

void kan_set_max_inflate(size_t bytes)
{
	max_inflate = bytes;
}

int kan_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v, mul = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (mul > 1 && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end)
		return -EINVAL;
	if (v == 0 || v > KAN_MAX_INPUT_BYTES / mul)
		return -ERANGE;
	*out = (size_t)(v * mul);
	return 0;
}

/* The cap for an input of len bytes, and in why how it was chosen. */
static int inflate_cap(size_t len, size_t *cap, char *why, size_t whylen)
{
	const char *env = getenv("KPROF_MAX_INFLATE");

	if (max_inflate) {
		*cap = max_inflate;
		snprintf(why, whylen, "--max-inflate");
		return 0;
	}
	if (env && *env) {
		int r = kan_parse_size(env, cap);
		if (r) {
			snprintf(why, whylen, "KPROF_MAX_INFLATE='%.40s' is not a size from 1 to 2G (e.g. 512M)", env);
			return -EINVAL;
		}
		snprintf(why, whylen, "KPROF_MAX_INFLATE");
		return 0;
	}
	*cap = len > KAN_MAX_INPUT_BYTES / KAN_INFLATE_RATIO ? KAN_MAX_INPUT_BYTES : len * KAN_INFLATE_RATIO;
	if (*cap < KAN_INFLATE_MIN)
		*cap = KAN_INFLATE_MIN;
	snprintf(why, whylen, "%dx the input, at least %zu MiB; raise it with --max-inflate or KPROF_MAX_INFLATE",
		 KAN_INFLATE_RATIO, KAN_INFLATE_MIN >> 20);
	return 0;
}

static void size_text(size_t n, char *buf, size_t len)
{
	if (n >= (1u << 30) && n % (1u << 30) == 0)
		snprintf(buf, len, "%zu GiB", n >> 30);
	else if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n >= (1u << 20))
		snprintf(buf, len, "%.1f MiB", (double)n / (1u << 20));
	else
		snprintf(buf, len, "%zu bytes", n);
}

/* The readers, tried in order on the (gunzipped) bytes: the first whose
 * sniff accepts them decodes them, as pprof's Parse does. profile.proto
 * has no magic number, so its decoder is the last row and takes whatever
 * the others left (its errors then say "not a pprof profile"). A new
 * format is a new row. */
static const struct reader {
	const char *format, *format_gz; /* kan_profile.format, plain and gzipped */
	int (*sniff)(const uint8_t *data, size_t len); /* NULL: accepts anything */
	int (*decode)(const uint8_t *data, size_t len, struct kan_profile *p, char *err, size_t errlen);
} readers[] = {
	{ "gperftools-cpu", "gperftools-cpu", kan_legacy_sniff, kan_legacy_decode },
	{ "pprof", "pprof (gzip)", NULL, kan_pprof_decode },
};

/* Sniff and decode d[0..len) (not gzipped, or gunzipped already: gz). */
static int decode_plain(const uint8_t *d, size_t len, int gz, struct kan_profile **out, char *err, size_t errlen)
{
	const struct reader *rd = NULL;
	struct kan_profile *p;
	int r = kan_profile_new(&p);

	if (r) {
		snprintf(err, errlen, "out of memory");
		return r;
	}
	for (size_t i = 0; i < KU_ARRAY_SIZE(readers) && !rd; i++)
		if (!readers[i].sniff || readers[i].sniff(d, len))
			rd = &readers[i];
	r = rd->decode(d, len, p, err, errlen);
	p->format = gz ? rd->format_gz : rd->format;
	if (r) {
		kan_profile_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int kan_profile_parse(const void *data, size_t len, struct kan_profile **out, char *err, size_t errlen)
{
	const uint8_t *d = data;
	uint8_t *plain = NULL;
	size_t plen = len;
	int gz = 0, r;

	if (len == 0) {
		snprintf(err, errlen, "empty file");
		return -EINVAL;
	}
	if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b) {
		size_t cap;
		char why[160], capt[32];

		if (inflate_cap(len, &cap, why, sizeof(why))) {
			snprintf(err, errlen, "%s", why);
			return -EINVAL;
		}
		r = kan_gunzip(d, len, &plain, &plen, cap);
		if (r == -EFBIG) {
			size_text(cap, capt, sizeof(capt));
			snprintf(err, errlen, "gzip data inflates beyond the cap of %s (%s)", capt, why);
			return r;
		}
		if (r) {
			snprintf(err, errlen, "%s", r == -EINVAL ? "corrupt or truncated gzip data" : ku_strerror(r));
			return r;
		}
		d = plain;
		gz = 1;
		if (plen == 0) {
			free(plain);
			snprintf(err, errlen, "empty profile inside gzip data");
			return -EINVAL;
		}
	}
	r = decode_plain(d, plen, gz, out, err, errlen);
	free(plain);
	return r;
}

int kan_profile_load(const char *path, struct kan_profile **out, char *err, size_t errlen)
{
	uint8_t *data;
	size_t len;
	char why[200];
	int r = kan_read_file(path, &data, &len);

	if (r) {
		snprintf(err, errlen, "%s: %s", path, r == -EFBIG ? "file larger than 2 GiB" : ku_strerror(r));
		return r;
	}
	why[0] = '\0';
	r = kan_profile_parse(data, len, out, why, sizeof(why));
	free(data);
	if (r)
		snprintf(err, errlen, "%s: %s", path, why[0] ? why : ku_strerror(r));
	return r;
}


/* ---- streaming load with sample compaction (kan_profile_load_merged) ---- */

#define KAN_CHUNK ((size_t)1 << 20)

/* Inflate the gzip stream whose first n bytes are in buf (size KAN_CHUNK)
 * and whose rest comes from fd, into the compactor: 0, or an error with
 * err set as kan_profile_parse() words it. */
static int inflate_stream(int fd, uint8_t *buf, size_t n, size_t file_size, struct kan_compact *c, size_t *total,
			  char *err, size_t errlen)
{
	uint8_t *ob = malloc(KAN_CHUNK);
	z_stream zs;
	size_t in_total = n, cap = 0;
	char why[160], capt[32];
	int eof = 0, r = 0;

	memset(&zs, 0, sizeof(zs));
	if (!ob || inflateInit2(&zs, 15 + 32) != Z_OK) {
		free(ob);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	zs.next_in = buf;
	zs.avail_in = (uInt)n;
	*total = 0;
	for (;;) {
		if (zs.avail_in < 2 && !eof) {
			/* refill, keeping an unread byte (a member's magic may straddle) */
			size_t keep = zs.avail_in;
			memmove(buf, zs.next_in, keep);
			ssize_t got = read(fd, buf + keep, KAN_CHUNK - keep);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				r = -errno;
				snprintf(err, errlen, "%s", ku_strerror(r));
				goto out;
			}
			eof = got == 0;
			in_total += (size_t)got;
			zs.next_in = buf;
			zs.avail_in = (uInt)(keep + (size_t)got);
		}
		zs.next_out = ob;
		zs.avail_out = (uInt)KAN_CHUNK;
		int zr = inflate(&zs, Z_NO_FLUSH);
		size_t got = KAN_CHUNK - zs.avail_out;
		*total += got;
		if ((r = inflate_cap(file_size ? file_size : in_total, &cap, why, sizeof(why)))) {
			snprintf(err, errlen, "%s", why);
			goto out;
		}
		if (*total > cap) {
			size_text(cap, capt, sizeof(capt));
			snprintf(err, errlen, "gzip data inflates beyond the cap of %s (%s)", capt, why);
			r = -EFBIG;
			goto out;
		}
		if (got && (r = kan_compact_feed(c, ob, got))) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (zr == Z_STREAM_END) {
			/* concatenated gzip members: continue with the next one */
			if (zs.avail_in < 2 && !eof)
				continue; /* refill first: the check below needs 2 bytes */
			if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
				inflateReset(&zs);
				continue;
			}
			break;
		}
		if (zr == Z_BUF_ERROR && zs.avail_in == 0 && eof) {
			r = -EINVAL; /* truncated */
			snprintf(err, errlen, "corrupt or truncated gzip data");
			goto out;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			r = zr == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
			snprintf(err, errlen, "%s", r == -EINVAL ? "corrupt or truncated gzip data" : "out of memory");
			goto out;
		}
		if (zr == Z_OK && got == 0 && zs.avail_in == 0 && eof) {
			r = -EINVAL;
			snprintf(err, errlen, "corrupt or truncated gzip data");
			goto out;
		}
	}
out:
	inflateEnd(&zs);
	free(ob);
	return r;
}

/* The rest of fd after the *n bytes of *buf (capacity *cap), growing it;
 * 0, -EFBIG beyond KAN_MAX_INPUT_BYTES, -ENOMEM or -errno. */
static int read_rest(int fd, uint8_t **buf, size_t *n, size_t *cap)
{
	for (;;) {
		if (*n == *cap) {
			size_t nc = *cap * 2 > KAN_MAX_INPUT_BYTES + 1 ? KAN_MAX_INPUT_BYTES + 1 : *cap * 2;
			if (nc == *cap)
				return -EFBIG;
			uint8_t *nb = realloc(*buf, nc);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = nc;
		}
		ssize_t got = read(fd, *buf + *n, *cap - *n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 0;
		*n += (size_t)got;
	}
}

int kan_profile_load_merged(const char *path, struct kan_profile **out, char *err, size_t errlen)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	struct kan_compact *c = NULL;
	uint8_t *buf = NULL, *plain = NULL;
	size_t n = 0, plen = 0, file_size = 0;
	char why[300];
	struct stat st;
	int r;

	why[0] = '\0';
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, ku_strerror(r));
		return r;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		file_size = (size_t)st.st_size;
	if (!(buf = malloc(KAN_CHUNK)) || (r = kan_compact_new(&c))) {
		r = -ENOMEM;
		goto out;
	}
	/* the first bytes say whether it is gzip */
	while (n < 2) {
		ssize_t got = read(fd, buf + n, KAN_CHUNK - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n < 2 || buf[0] != 0x1f || buf[1] != 0x8b) {
		/* not gzipped: read it whole (as kan_profile_load does), then
		   compact it unless it is in the legacy format */
		size_t cap = KAN_CHUNK;
		if ((r = read_rest(fd, &buf, &n, &cap)))
			goto out;
		if (n == 0 || kan_legacy_sniff(buf, n)) {
			r = kan_profile_parse(buf, n, out, why, sizeof(why));
			goto out;
		}
		r = kan_compact_feed(c, buf, n);
		free(buf);
		buf = NULL;
		if (!r)
			r = kan_compact_finish(c, &plain, &plen, NULL, NULL);
		if (r)
			snprintf(why, sizeof(why), "out of memory");
		else
			r = decode_plain(plain, plen, 0, out, why, sizeof(why));
		goto out;
	}
	r = inflate_stream(fd, buf, n, file_size, c, &plen, why, sizeof(why));
	if (r)
		goto out;
	if (plen == 0) {
		snprintf(why, sizeof(why), "empty profile inside gzip data");
		r = -EINVAL;
		goto out;
	}
	free(buf);
	buf = NULL;
	if ((r = kan_compact_finish(c, &plain, &plen, NULL, NULL))) {
		snprintf(why, sizeof(why), "out of memory");
		goto out;
	}
	kan_compact_free(c);
	c = NULL;
	r = decode_plain(plain, plen, 1, out, why, sizeof(why));
out:
	if (fd > 0)
		close(fd);
	free(buf);
	free(plain);
	kan_compact_free(c);
	if (r)
		snprintf(err, errlen, "%s: %s", path,
			 why[0] ? why : r == -EFBIG ? "file larger than 2 GiB" : ku_strerror(r));
	return r;
}
