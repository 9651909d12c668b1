/* SPDX-License-Identifier: MIT */
/*
 * pprof: builds a profile.proto message (github.com/google/pprof,
 * proto/profile.proto, fields 1-14 only) in memory and writes it gzipped.
 * Used by both interposers at exit/flush time and by the analyzer when it
 * writes profiles. The encoder guarantees what the pprof tool insists on:
 * string_table[0] is "", every id is unique and starts at 1, every sample
 * carries exactly as many values as there are sample types, time_nanos is
 * written once, default_sample_type is left unset (speedscope misreads it).
 *
 * Threading: a builder is used by one thread at a time. It allocates with
 * malloc, so the interposers call it only with their re-entrancy guard set
 * (never from a signal handler).
 *
 * Errors: every int function returns 0 or a negative errno (-ENOMEM,
 * -EINVAL for a bad argument such as an unknown id or a wrong value count,
 * -ENOSPC/-EIO/... from writing). ku_strerror() names it.
 */
#ifndef KU_PPROF_H
#define KU_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ku_pprof;

/* A sample or period type: e.g. {"cpu", "nanoseconds"}. Strings are copied. */
struct ku_pprof_value_type {
	const char *type;
	const char *unit;
};

/* One loaded object. Strings are copied; NULL means "". */
struct ku_pprof_mapping {
	uint64_t start;  /* first address of the executable segment */
	uint64_t limit;  /* one past its last address */
	uint64_t offset; /* file offset that start maps */
	const char *filename;
	const char *build_id; /* hex string, as pprof prints it, or NULL */
	bool has_functions;   /* set when locations carry symbolized lines */
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

/* One source line of a location; function_id from ku_pprof_function(). */
struct ku_pprof_line {
	uint64_t function_id;
	int64_t line; /* 0 when unknown */
};

/*
 * A sample label: a string label when str != NULL, else a numeric one
 * (num, with num_unit or NULL). Strings are copied.
 */
struct ku_pprof_label {
	const char *key;
	const char *str;
	int64_t num;
	const char *num_unit;
};

/*
 * Create a builder. sample_types[0..n_types) are the value columns of every
 * sample (n_types >= 1); period_type may be NULL (then period is ignored).
 * On success *out owns the builder (free with ku_pprof_free).
 */
int ku_pprof_new(struct ku_pprof **out, const struct ku_pprof_value_type *sample_types,
		 size_t n_types, const struct ku_pprof_value_type *period_type, int64_t period);
void ku_pprof_free(struct ku_pprof *p);

/*
 * Verbatim mode, for copying a profile that already has its final shape
 * (kprof convert, merge): while on, every ku_pprof_location() call adds a
 * new location and every ku_pprof_sample() call a new sample, nothing is
 * looked up or merged, so the output keeps the input's locations and
 * samples one for one. Off by default.
 */
void ku_pprof_set_verbatim(struct ku_pprof *p, bool on);

/*
 * Intern a string; returns its index in string_table (>= 0; "" and NULL are
 * 0) or a negative errno. Identical strings share one index.
 */
int64_t ku_pprof_string(struct ku_pprof *p, const char *s);

/* Add a mapping; *id receives its id (1, 2, ...). Not deduplicated. */
int ku_pprof_mapping(struct ku_pprof *p, const struct ku_pprof_mapping *m, uint64_t *id);

/*
 * The mapping of m, an entry of the snapshot maps (lib/procmaps.h): its
 * addresses, file, offset and build id; symbolized says whether the
 * locations carry functions, files, lines and inline frames. ids has
 * maps->n slots, zero at first: a mapping is added once and its id kept
 * there. 0 or a negative errno.
 */
struct ku_map;
struct ku_maps;
int ku_pprof_map(struct ku_pprof *p, const struct ku_maps *maps, const struct ku_map *m, uint64_t *ids,
		 bool symbolized, uint64_t *id);

/*
 * Add or find a function. Functions with equal (name, system_name,
 * filename, start_line) share one id. system_name NULL means "same as name"
 * (the mangled name when name is demangled); filename NULL means unknown.
 */
int ku_pprof_function(struct ku_pprof *p, const char *name, const char *system_name,
		      const char *filename, int64_t start_line, uint64_t *id);

/*
 * Add or find a location for address (an absolute runtime address, as
 * pprof expects) in mapping_id (0: no mapping). Locations are deduplicated
 * by (mapping_id, address): a second call returns the first id and ignores
 * its lines. lines[0] is the innermost (inlined) function, the last one
 * the caller that contains the address; nlines may be 0 (unsymbolized).
 */
int ku_pprof_location(struct ku_pprof *p, uint64_t mapping_id, uint64_t address,
		      const struct ku_pprof_line *lines, size_t nlines, uint64_t *id);

/*
 * Add a sample. locs[0] is the leaf (the pc that was executing), locs[n-1]
 * the outermost caller; values has exactly n_types entries. Samples with
 * the same locations and the same labels (same order) are merged: their
 * values are summed, so callers can add raw events one by one.
 */
int ku_pprof_sample(struct ku_pprof *p, const uint64_t *locs, size_t nlocs, const int64_t *values,
		    const struct ku_pprof_label *labels, size_t nlabels);

/* Append a comment line (profile.proto field 13). */
int ku_pprof_comment(struct ku_pprof *p, const char *text);

/* Regular expressions pprof uses to drop/keep frames (fields 7, 8). */
int ku_pprof_drop_frames(struct ku_pprof *p, const char *regex);
int ku_pprof_keep_frames(struct ku_pprof *p, const char *regex);

/*
 * default_sample_type (field 14): the type name viewers show first. The
 * interposers leave it unset (speedscope misreads it); the analyzer copies
 * it from its input. NULL or "" unsets it.
 */
int ku_pprof_default_sample_type(struct ku_pprof *p, const char *type);

/* Wall-clock start of the profile and its duration, in nanoseconds. */
void ku_pprof_set_time(struct ku_pprof *p, int64_t time_nanos, int64_t duration_nanos);

/* Number of distinct samples so far (after merging). */
size_t ku_pprof_sample_count(const struct ku_pprof *p);

/*
 * Encode without compression into a malloc'd buffer (*buf, *len; the
 * caller frees it). Encoding does not change the builder.
 */
int ku_pprof_encode(const struct ku_pprof *p, uint8_t **buf, size_t *len);

/*
 * Encode, gzip and write. ku_pprof_write_fd writes to an open descriptor
 * (not closed); ku_pprof_write_raw_fd writes the same without gzip.
 * ku_pprof_write_gz writes to path through a temporary file in the same
 * directory renamed into place, so a reader never sees a partial profile;
 * on any error (-ENOSPC included) nothing is left behind.
 */
int ku_pprof_write_fd(const struct ku_pprof *p, int fd);
int ku_pprof_write_raw_fd(const struct ku_pprof *p, int fd);
int ku_pprof_write_gz(const struct ku_pprof *p, const char *path);

#endif
