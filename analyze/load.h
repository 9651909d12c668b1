/* SPDX-License-Identifier: MIT */
/*
 * load: reading profiles into the model (profile.h). Every input format
 * (profile.proto, gzipped or not; gperftools' legacy CPU format) comes in
 * through kan_profile_parse(), which gunzips, sniffs the format and calls
 * its decoder; the decoders are declared here because they are the rows
 * of its readers table (load.c). Readers never trust lengths, counts or
 * ids from the file: bad input gives -EINVAL (or -ENOMEM, -EFBIG beyond
 * the limits of profile.h) and a one-line reason in the caller's errbuf.
 */
#ifndef KAN_LOAD_H
#define KAN_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* Reads any supported format from memory (gzip detected by magic). */
int kan_profile_parse(const void *data, size_t len, struct kan_profile **out, char *err, size_t errlen);
/* Reads a file ("-" = stdin). err gets "PATH: reason". */
int kan_profile_load(const char *path, struct kan_profile **out, char *err, size_t errlen);

/* Decompressed size cap (kprof(1), "LIMITS"): a gzip bomb of a few MB can
 * inflate to gigabytes, and the decoder's memory grows with the inflated
 * size, so gzipped input may inflate to at most KAN_INFLATE_RATIO times its
 * own size, and never less than KAN_INFLATE_MIN, unless the cap is set:
 * kan_set_max_inflate() (the --max-inflate option), else the environment
 * variable KPROF_MAX_INFLATE. Either takes a size ("512M", "2G", bytes)
 * from 1 byte to KAN_MAX_INPUT_BYTES. Beyond the cap the load fails with
 * -EFBIG and a line naming the cap and how to raise it. */
#define KAN_INFLATE_RATIO 64
#define KAN_INFLATE_MIN ((size_t)64 << 20)
void kan_set_max_inflate(size_t bytes); /* 0: back to the default */
/* "123", "64k", "64M", "2G" (also "64MiB", "64MB": powers of 1024) into
 * *out; 0, or -EINVAL (garbage) or -ERANGE (0 or above KAN_MAX_INPUT_BYTES). */
int kan_parse_size(const char *s, size_t *out);

/* As kan_profile_load(), for commands that add values per stack (top,
 * flame, diff, folded): samples with the same locations, labels and
 * value count are merged into one as the file is read (compact.c), with
 * gzip inflated as a stream, so memory grows with the distinct samples,
 * not with the sample count or the file's size. Errors as
 * kan_profile_load(). */
int kan_profile_load_merged(const char *path, struct kan_profile **out, char *err, size_t errlen);

/* Sample compaction (compact.c): feed profile.proto bytes in chunks of
 * any size, then take the compacted message (malloc'ed). 0 or -ENOMEM.
 * *nsamples and *nmerged (may be NULL) get the Sample messages read and
 * kept. */
struct kan_compact;
int kan_compact_new(struct kan_compact **c);
int kan_compact_feed(struct kan_compact *c, const uint8_t *p, size_t n);
int kan_compact_finish(struct kan_compact *c, uint8_t **out, size_t *outlen, size_t *nsamples, size_t *nmerged);
void kan_compact_free(struct kan_compact *c);

/* Load a whole file into memory (malloc'ed); 0 or -errno. */
int kan_read_file(const char *path, uint8_t **data, size_t *len);
/* gunzip with a size cap; 0, -EINVAL (corrupt), -EFBIG, -ENOMEM. */
int kan_gunzip(const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen, size_t cap);

/* The readers (no gzip): profile.proto (pprof-read.c) and gperftools'
 * legacy CPU format (legacy.c), with its sniffer (1 when data starts like
 * a legacy CPU profile). */
int kan_pprof_decode(const uint8_t *data, size_t len, struct kan_profile *p, char *err, size_t errlen);
int kan_legacy_decode(const uint8_t *data, size_t len, struct kan_profile *p, char *err, size_t errlen);
int kan_legacy_sniff(const uint8_t *data, size_t len);

#endif
