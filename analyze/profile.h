/* SPDX-License-Identifier: MIT */
/*
 * profile: the analyzer's in-memory model of a profile. Every input format
 * is read into a struct kan_profile (load.h), whose references are plain
 * indices that were checked at load time: code that walks a loaded
 * profile never needs bounds or id checks. Writing it out is
 * pprof-write.h's. The model knows neither: readers and writer call it.
 *
 * Ownership: a profile owns all its strings (an arena) and arrays;
 * kan_profile_free() releases everything.
 *
 * Frames: a location expands into one or more frames (its lines, innermost
 * first, as in profile.proto). kan_profile_frames() assigns each distinct
 * function name a dense frame id and gives each sample its frame stack,
 * leaf first. Address-only locations are symbolized from their mapping
 * when the object exists locally (lib/symbolize.h).
 */
#ifndef KAN_PROFILE_H
#define KAN_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"

/* Limits against hostile input (the reader refuses bigger inputs). */
#define KAN_MAX_INPUT_BYTES ((size_t)2 << 30)   /* decompressed profile size */
#define KAN_MAX_SAMPLE_TYPES 64

struct kan_value_type {
	const char *type, *unit;
};

struct kan_label {
	const char *key;
	const char *str; /* NULL for numeric labels */
	int64_t num;
	const char *num_unit; /* NULL when unset */
};

struct kan_mapping {
	uint64_t id, start, limit, offset;
	const char *file, *build_id;
	int has_functions;
};

struct kan_function {
	uint64_t id;
	const char *name, *system_name, *filename;
	int64_t start_line;
};

struct kan_line {
	uint32_t function; /* index into functions */
	int64_t line;
};

struct kan_location {
	uint64_t id, address;
	uint32_t mapping; /* index + 1 into mappings; 0 = none */
	uint32_t nlines;
	size_t line_off; /* into lines[] */
};

struct kan_sample {
	uint32_t nlocs;
	uint32_t nlabels;
	size_t loc_off;   /* into sample_locs[]: location indices, leaf first */
	size_t label_off; /* into labels[] */
	/* values: values[i * nsample_types ...] */
};

struct kan_profile {
	struct kan_value_type *sample_types;
	size_t nsample_types;
	struct kan_sample *samples;
	size_t nsamples;
	int64_t *values; /* nsamples * nsample_types */
	uint32_t *sample_locs;
	size_t nsample_locs;
	struct kan_label *labels;
	size_t nlabels;
	struct kan_mapping *mappings;
	size_t nmappings;
	struct kan_location *locations;
	size_t nlocations;
	struct kan_line *lines;
	size_t nlines;
	struct kan_function *functions;
	size_t nfunctions;
	const char **comments;
	size_t ncomments;
	const char *drop_frames, *keep_frames;
	int64_t time_nanos, duration_nanos, period;
	struct kan_value_type period_type; /* type NULL when absent */
	const char *default_sample_type;   /* NULL when absent */
	const char *format;                /* "pprof", "pprof (gzip)", "gperftools-cpu" */

	/* Filled by kan_profile_frames(). */
	const char **frame_names; /* frame id -> display name */
	uint8_t *frame_kind;      /* frame id -> enum kan_kind */
	size_t nframes;
	uint32_t *loc_frames;     /* per location: frames, innermost first */
	size_t *loc_frame_off;    /* per location: offset into loc_frames (n+1 entries) */

	struct ku_arena strings; /* private: every string of the profile */
};

/* What a frame is, for colours. */
enum kan_kind {
	KAN_KIND_UNKNOWN, /* address only */
	KAN_KIND_C,       /* C function in the main program */
	KAN_KIND_CXX,     /* C++ */
	KAN_KIND_LIB,     /* function in a shared library */
	KAN_KIND_KERNEL,
	KAN_KIND_GO,      /* Go or another dotted-package language */
	KAN_KIND_RUNTIME, /* libc, libstdc++, dynamic linker, Go runtime */
	KAN_NKINDS
};

int kan_profile_new(struct kan_profile **out);
void kan_profile_free(struct kan_profile *p);

/* Strings live as long as the profile. */
const char *kan_profile_strdup(struct kan_profile *p, const char *s, size_t len);
/* Strings of the model are C strings; a NUL byte inside one (a name
 * holding NUL in a profile.proto string table, which carries lengths) is
 * kept as the two bytes C0 80, as Java's modified UTF-8 does, so the name
 * stays whole. C0 80 is never well-formed UTF-8, so no real name is taken
 * for one; the escapers (escape.h, lib/json-write.c) write it as the NUL
 * their format allows (\0, \u0000, '?', U+FFFD), and a profile that kprof
 * writes back keeps C0 80. s[0..len) may hold NULs. */
#define KAN_NUL_IN_NAME "\xC0\x80"
const char *kan_profile_strdup_nul(struct kan_profile *p, const char *s, size_t len);

/* Index of the sample type named `type` (NULL: the default one, as pprof
 * chooses: default_sample_type, else the last). -1 when not found. */
int kan_profile_sample_index(const struct kan_profile *p, const char *type);

/* Symbolize address-only locations and assign frame ids (idempotent). */
int kan_profile_frames(struct kan_profile *p);

/* Distinct stacks of p (samples with equal location lists are one stack):
 * *rep gets, per stack, the index of one sample having it, and *sum the
 * sum of sample type si over all its samples (saturating). Stacks whose sum
 * is 0 are left out. Profiles from writers that do not aggregate (one
 * Sample message per tick) shrink by orders of magnitude here, so every
 * per-stack walk that follows is cheap. Returns the count, or -ENOMEM. */
long kan_profile_stacks(const struct kan_profile *p, int si, uint32_t **rep, int64_t **sum);

/* Frames of location i: *n entries starting at the returned pointer. */
static inline const uint32_t *kan_loc_frames(const struct kan_profile *p, size_t loc, size_t *n)
{
	*n = p->loc_frame_off[loc + 1] - p->loc_frame_off[loc];
	return p->loc_frames + p->loc_frame_off[loc];
}

/* Appending builders (used by readers, merge and convert). Each returns
 * the new index or a negative errno. */
long kan_profile_add_function(struct kan_profile *p, uint64_t id, const char *name, const char *system_name,
			      const char *filename, int64_t start_line);
long kan_profile_add_mapping(struct kan_profile *p, const struct kan_mapping *m);
/* lines: function indices + line numbers, innermost first. */
long kan_profile_add_location(struct kan_profile *p, uint64_t id, uint32_t mapping, uint64_t address,
			      const struct kan_line *lines, uint32_t nlines);
long kan_profile_add_sample(struct kan_profile *p, const uint32_t *locs, uint32_t nlocs, const int64_t *values,
			    const struct kan_label *labels, uint32_t nlabels);
int kan_profile_add_sample_type(struct kan_profile *p, const char *type, const char *unit);
/* Append location root[i] to the stack of sample i, as its outermost
 * frame. Only before kan_profile_frames(). 0 or -ENOMEM (p unchanged). */
int kan_profile_set_roots(struct kan_profile *p, const uint32_t *root);

/* Format a value of the given unit like pprof ("1.50s", "12MB", "340"). */
void kan_format_value(int64_t v, const char *unit, char *buf, size_t size);

#endif
