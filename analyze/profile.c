/* SPDX-License-Identifier: MIT */
/*
 * profile: the in-memory profile model (see profile.h): its strings (an
 * arena), the appending builders, frame assignment with symbolization of
 * address-only locations, distinct stacks, and value formatting. Reading
 * files is load.c's (with the decoders in pprof-read.c and legacy.c),
 * writing them pprof-write.c's: the model calls neither.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "ku.h"
#include "profile.h"
#include "symbolize.h"

int kan_profile_new(struct kan_profile **out)
{
	struct kan_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	*out = p;
	return 0;
}

void kan_profile_free(struct kan_profile *p)
{
	if (!p)
		return;
	free(p->sample_types);
	free(p->samples);
	free(p->values);
	free(p->sample_locs);
	free(p->labels);
	free(p->mappings);
	free(p->locations);
	free(p->lines);
	free(p->functions);
	free(p->comments);
	free(p->frame_names);
	free(p->frame_kind);
	free(p->loc_frames);
	free(p->loc_frame_off);
	ku_arena_free(&p->strings);
	free(p);
}

const char *kan_profile_strdup(struct kan_profile *p, const char *s, size_t len)
{
	return ku_arena_strndup(&p->strings, s, len);
}

const char *kan_profile_strdup_nul(struct kan_profile *p, const char *s, size_t len)
{
	size_t nul = 0, k = 0;

	for (size_t i = 0; i < len; i++)
		nul += s[i] == 0;
	if (len > SIZE_MAX - 1 - nul)
		return NULL;
	char *d = ku_arena_alloc(&p->strings, len + nul + 1, 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i]) {
			d[k++] = s[i];
		} else {
			d[k++] = (char)0xC0;
			d[k++] = (char)0x80;
		}
	}
	d[k] = '\0';
	return d;
}

/* Grow *arr (element size es) to hold at least need elements. */
static int grow(void *arrp, size_t *cap, size_t need, size_t es)
{
	void **arr = arrp;

	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / es)
			return -ENOMEM;
		ncap *= 2;
	}
	void *n = realloc(*arr, ncap * es);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* Capacities are kept beside the model in this private struct hung off
 * nothing: we recompute them as the next power of two of the count,
 * which is what grow() allocates. */
static size_t cap_for(size_t n)
{
	if (n == 0)
		return 0;
	if (n <= 16)
		return 16;
	return (size_t)1 << (64 - __builtin_clzll((unsigned long long)(n - 1)));
}

#define KAN__PUSH(p, arr, n, extra)                                                                    \
	({                                                                                             \
		size_t kan__c = cap_for((p)->n);                                                      \
		grow(&(p)->arr, &kan__c, (p)->n + (extra), sizeof(*(p)->arr));                    \
	})

int kan_profile_add_sample_type(struct kan_profile *p, const char *type, const char *unit)
{
	if (p->nsamples)
		return -EINVAL;
	if (p->nsample_types >= KAN_MAX_SAMPLE_TYPES)
		return -E2BIG;
	if (KAN__PUSH(p, sample_types, nsample_types, 1))
		return -ENOMEM;
	p->sample_types[p->nsample_types].type = type ? type : "";
	p->sample_types[p->nsample_types].unit = unit ? unit : "";
	p->nsample_types++;
	return 0;
}

long kan_profile_add_function(struct kan_profile *p, uint64_t id, const char *name, const char *system_name,
			      const char *filename, int64_t start_line)
{
	if (KAN__PUSH(p, functions, nfunctions, 1))
		return -ENOMEM;
	struct kan_function *f = &p->functions[p->nfunctions];
	f->id = id ? id : p->nfunctions + 1;
	f->name = name ? name : "";
	f->system_name = system_name ? system_name : "";
	f->filename = filename ? filename : "";
	f->start_line = start_line;
	return (long)p->nfunctions++;
}

long kan_profile_add_mapping(struct kan_profile *p, const struct kan_mapping *m)
{
	if (KAN__PUSH(p, mappings, nmappings, 1))
		return -ENOMEM;
	p->mappings[p->nmappings] = *m;
	if (!p->mappings[p->nmappings].id)
		p->mappings[p->nmappings].id = p->nmappings + 1;
	if (!p->mappings[p->nmappings].file)
		p->mappings[p->nmappings].file = "";
	if (!p->mappings[p->nmappings].build_id)
		p->mappings[p->nmappings].build_id = "";
	return (long)p->nmappings++;
}

long kan_profile_add_location(struct kan_profile *p, uint64_t id, uint32_t mapping, uint64_t address,
			      const struct kan_line *lines, uint32_t nlines)
{
	if (KAN__PUSH(p, locations, nlocations, 1) || KAN__PUSH(p, lines, nlines, nlines))
		return -ENOMEM;
	struct kan_location *l = &p->locations[p->nlocations];
	l->id = id ? id : p->nlocations + 1;
	l->address = address;
	l->mapping = mapping;
	l->nlines = nlines;
	l->line_off = p->nlines;
	if (nlines)
		memcpy(p->lines + p->nlines, lines, nlines * sizeof(*lines));
	p->nlines += nlines;
	return (long)p->nlocations++;
}

int kan_profile_set_roots(struct kan_profile *p, const uint32_t *root)
{
	size_t n = p->nsample_locs + p->nsamples, cap = cap_for(n), k = 0;
	uint32_t *sl;

	if (p->loc_frame_off)
		return -EINVAL;
	sl = malloc((cap ? cap : 1) * sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct kan_sample *s = &p->samples[i];

		memcpy(sl + k, p->sample_locs + s->loc_off, s->nlocs * sizeof(*sl));
		s->loc_off = k;
		k += s->nlocs;
		sl[k++] = root[i];
		s->nlocs++;
	}
	free(p->sample_locs);
	p->sample_locs = sl;
	p->nsample_locs = k;
	return 0;
}

long kan_profile_add_sample(struct kan_profile *p, const uint32_t *locs, uint32_t nlocs, const int64_t *values,
			    const struct kan_label *labels, uint32_t nlabels)
{
	size_t nt = p->nsample_types;

	if (KAN__PUSH(p, samples, nsamples, 1) || KAN__PUSH(p, sample_locs, nsample_locs, nlocs) ||
	    KAN__PUSH(p, labels, nlabels, nlabels))
		return -ENOMEM;
	/* values grows in step with samples */
	size_t vcap = cap_for(p->nsamples) * nt;
	size_t vneed = (p->nsamples + 1) * nt;
	if (nt && vneed > vcap) {
		size_t ncap = cap_for(p->nsamples + 1) * nt;
		int64_t *nv = realloc(p->values, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->values = nv;
	}
	struct kan_sample *s = &p->samples[p->nsamples];
	s->nlocs = nlocs;
	s->loc_off = p->nsample_locs;
	s->nlabels = nlabels;
	s->label_off = p->nlabels;
	if (nlocs)
		memcpy(p->sample_locs + p->nsample_locs, locs, nlocs * sizeof(*locs));
	p->nsample_locs += nlocs;
	if (nlabels)
		memcpy(p->labels + p->nlabels, labels, nlabels * sizeof(*labels));
	p->nlabels += nlabels;
	if (nt)
		memcpy(p->values + p->nsamples * nt, values, nt * sizeof(*values));
	return (long)p->nsamples++;
}

int kan_profile_sample_index(const struct kan_profile *p, const char *type)
{
	if (p->nsample_types == 0)
		return -1;
	if (!type) {
		if (p->default_sample_type)
			for (size_t i = 0; i < p->nsample_types; i++)
				if (!strcmp(p->sample_types[i].type, p->default_sample_type))
					return (int)i;
		return (int)p->nsample_types - 1;
	}
	for (size_t i = 0; i < p->nsample_types; i++)
		if (!strcmp(p->sample_types[i].type, type))
			return (int)i;
	/* also accept a bare index */
	char *end;
	long v = strtol(type, &end, 10);
	if (*type && !*end && v >= 0 && (size_t)v < p->nsample_types)
		return (int)v;
	return -1;
}

/* ---- frames ------------------------------------------------------------ */

struct frame_probe {
	const struct kan_profile *p;
	const char *name;
};

static int frame_eq(const void *ctx, uint32_t id)
{
	const struct frame_probe *f = ctx;

	return !strcmp(f->p->frame_names[id], f->name);
}

/* Returns the frame id for name, adding it when new; -1 on ENOMEM. m
 * holds name hashes and frame ids. */
static long frame_id(struct kan_profile *p, struct ku_hmap *m, const char *name, enum kan_kind kind)
{
	struct frame_probe probe = { p, name };
	uint64_t h = ku_hash_bytes(name, strlen(name));
	uint32_t id;
	size_t slot;
	int r = ku_hmap_find_hashed(m, h, frame_eq, &probe, &id, &slot);

	if (r)
		return r > 0 ? (long)id : -1;
	size_t fcap = cap_for(p->nframes);
	if (grow(&p->frame_names, &fcap, p->nframes + 1, sizeof(*p->frame_names)))
		return -1;
	fcap = cap_for(p->nframes);
	if (grow(&p->frame_kind, &fcap, p->nframes + 1, sizeof(*p->frame_kind)))
		return -1;
	p->frame_names[p->nframes] = name;
	p->frame_kind[p->nframes] = (uint8_t)kind;
	ku_hmap_set(m, slot, h, (uint32_t)p->nframes);
	return (long)p->nframes++;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int is_runtime_lib(const char *base)
{
	static const char *const libs[] = { "libc.so", "libc-", "ld-linux", "libstdc++", "libpthread", "libm.so",
					    "libgcc_s", "libdl.so", "librt.so", "ld-2." };

	for (size_t i = 0; i < KU_ARRAY_SIZE(libs); i++)
		if (!strncmp(base, libs[i], strlen(libs[i])))
			return 1;
	return 0;
}

static enum kan_kind classify(const struct kan_profile *p, const struct kan_location *l, const char *name,
				   int resolved)
{
	const struct kan_mapping *m = l->mapping ? &p->mappings[l->mapping - 1] : NULL;
	const char *file = m ? m->file : "";
	const char *base = base_of(file);
	size_t nl = strlen(name);

	if (!resolved)
		return KAN_KIND_UNKNOWN;
	if ((nl > 4 && !strcmp(name + nl - 4, "_[k]")) || strstr(file, "kernel") || !strncmp(file, "[vdso]", 6) ||
	    !strncmp(name, "__x64_sys_", 10) || !strncmp(name, "entry_SYSCALL", 13))
		return KAN_KIND_KERNEL;
	if (m && *base && is_runtime_lib(base))
		return KAN_KIND_RUNTIME;
	if (strstr(name, "::") || strchr(name, '<') || !strncmp(name, "operator ", 9))
		return KAN_KIND_CXX;
	if (m && strstr(base, ".so") && l->mapping != 1)
		return KAN_KIND_LIB;
	/* Go and similar: "pkg.Func", "net/http.(*conn).serve"; but not GCC's
	 * clones of C functions ("f.cold", "f.part.0", "f.isra.0"). */
	const char *dot = strchr(name, '.');
	if (dot && dot != name && !strchr(name, ' ') && !strstr(name, ".cold") && !strstr(name, ".part.") &&
	    !strstr(name, ".isra.") && !strstr(name, ".constprop.") && !strstr(name, ".lto_priv.")) {
		if (!strncmp(name, "runtime.", 8) || !strncmp(name, "syscall.", 8))
			return KAN_KIND_RUNTIME;
		return KAN_KIND_GO;
	}
	return KAN_KIND_C;
}

/* Symbolize an address-only location from its mapping; appends functions
 * and lines to the profile so writers keep the result. */
static void symbolize_loc(struct kan_profile *p, struct ku_sym *sym, size_t li)
{
	struct kan_location *l = &p->locations[li];
	const struct kan_mapping *m = l->mapping ? &p->mappings[l->mapping - 1] : NULL;
	struct ku_sym_frame fr[KU_SYM_CHAIN_MAX];
	struct kan_line lines[KU_SYM_CHAIN_MAX];
	size_t n = 0;

	if (!m || !m->file[0] || m->file[0] == '[' || !sym)
		return;
	if (l->address < m->start || (m->limit && l->address >= m->limit))
		return;
	if (ku_sym_lookup_addr(sym, m->file, m->build_id[0] ? m->build_id : NULL, l->address, m->start, m->offset,
			       fr, KU_ARRAY_SIZE(fr), &n) != 0)
		return;
	uint32_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!fr[i].function)
			continue;
		const char *name = kan_profile_strdup(p, fr[i].function, strlen(fr[i].function));
		const char *file = fr[i].file ? kan_profile_strdup(p, fr[i].file, strlen(fr[i].file)) : "";
		long fi = kan_profile_add_function(p, 0, name, name, file, 0);
		if (fi < 0 || !name)
			return;
		lines[k].function = (uint32_t)fi;
		lines[k].line = fr[i].line;
		k++;
	}
	if (!k)
		return;
	size_t cap = cap_for(p->nlines);
	if (grow(&p->lines, &cap, p->nlines + k, sizeof(*p->lines)))
		return;
	l = &p->locations[li];
	/* written profiles then say no binary is needed for this object */
	p->mappings[l->mapping - 1].has_functions = 1;
	memcpy(p->lines + p->nlines, lines, k * sizeof(*lines));
	l->line_off = p->nlines;
	l->nlines = k;
	p->nlines += k;
}

int kan_profile_frames(struct kan_profile *p)
{
	struct ku_hmap map = { 0 };
	struct ku_sym *sym = NULL;
	size_t total = 0;
	int r = -ENOMEM;

	if (p->loc_frame_off)
		return 0;
	/* KPROF_NO_SYMBOLIZE=1: keep address-only frames as object+offset
	 * (reproducible output whatever is installed on this machine) */
	const char *nosym = getenv("KPROF_NO_SYMBOLIZE");
	int symbolize = !nosym || !*nosym || !strcmp(nosym, "0");
	for (size_t i = 0; i < p->nlocations; i++) {
		if (p->locations[i].nlines == 0 && symbolize) {
			if (!sym && ku_sym_new(&sym, 0) != 0)
				sym = NULL;
			symbolize_loc(p, sym, i);
		}
		total += p->locations[i].nlines ? p->locations[i].nlines : 1;
	}
	ku_sym_free(sym);
	p->loc_frame_off = malloc((p->nlocations + 1) * sizeof(*p->loc_frame_off));
	p->loc_frames = malloc((total ? total : 1) * sizeof(*p->loc_frames));
	if (!p->loc_frame_off || !p->loc_frames)
		goto fail;
	size_t k = 0;
	for (size_t i = 0; i < p->nlocations; i++) {
		const struct kan_location *l = &p->locations[i];
		p->loc_frame_off[i] = k;
		for (uint32_t j = 0; j < l->nlines; j++) {
			const struct kan_function *f = &p->functions[p->lines[l->line_off + j].function];
			const char *name = f->name[0] ? f->name : f->system_name[0] ? f->system_name : NULL;
			char buf[64];
			if (!name) {
				snprintf(buf, sizeof(buf), "0x%" PRIx64, l->address);
				name = kan_profile_strdup(p, buf, strlen(buf));
				if (!name)
					goto fail;
			}
			long id = frame_id(p, &map, name, classify(p, l, name, 1));
			if (id < 0)
				goto fail;
			p->loc_frames[k++] = (uint32_t)id;
		}
		if (l->nlines == 0) {
			const struct kan_mapping *m = l->mapping ? &p->mappings[l->mapping - 1] : NULL;
			char buf[512];
			if (m && m->file[0] && l->address >= m->start)
				snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, base_of(m->file),
					 l->address - m->start + m->offset);
			else
				snprintf(buf, sizeof(buf), "0x%" PRIx64, l->address);
			const char *name = kan_profile_strdup(p, buf, strlen(buf));
			long id = name ? frame_id(p, &map, name, KAN_KIND_UNKNOWN) : -1;
			if (id < 0)
				goto fail;
			p->loc_frames[k++] = (uint32_t)id;
		}
	}
	p->loc_frame_off[p->nlocations] = k;
	r = 0;
fail:
	ku_hmap_free(&map);
	if (r) {
		free(p->loc_frame_off);
		free(p->loc_frames);
		p->loc_frame_off = NULL;
		p->loc_frames = NULL;
	}
	return r;
}

/* ---- distinct stacks ------------------------------------------------------ */

static uint64_t stack_hash(const uint32_t *l, uint32_t n)
{
	uint64_t h = 0x84222325cbf29ce4ull ^ n;

	for (uint32_t i = 0; i < n; i++) {
		h ^= l[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

struct stack_probe {
	const struct kan_profile *p;
	const uint32_t *rep; /* stack number -> sample having it */
	const struct kan_sample *s;
};

static int stack_eq(const void *ctx, uint32_t k)
{
	const struct stack_probe *sp = ctx;
	const struct kan_profile *p = sp->p;
	const struct kan_sample *o = &p->samples[sp->rep[k]], *s = sp->s;

	return o->nlocs == s->nlocs &&
	       (!s->nlocs || !memcmp(p->sample_locs + o->loc_off, p->sample_locs + s->loc_off, s->nlocs * sizeof(uint32_t)));
}

long kan_profile_stacks(const struct kan_profile *p, int si, uint32_t **rep, int64_t **sum)
{
	struct ku_hmap stacks = { 0 }; /* stack hash -> stack number */
	long n = 0;

	*rep = malloc((p->nsamples + 1) * sizeof(**rep));
	*sum = malloc((p->nsamples + 1) * sizeof(**sum));
	if (!*rep || !*sum || ku_hmap_reserve(&stacks, p->nsamples + 1))
		goto nomem;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct kan_sample *s = &p->samples[i];
		struct stack_probe probe = { p, *rep, s };
		int64_t v = p->values[i * p->nsample_types + (size_t)si];
		uint64_t h = stack_hash(s->nlocs ? p->sample_locs + s->loc_off : NULL, s->nlocs);
		uint32_t k;
		size_t slot;
		int r = ku_hmap_find_hashed(&stacks, h, stack_eq, &probe, &k, &slot);

		if (r < 0)
			goto nomem;
		if (r) {
			int64_t t;

			if (__builtin_add_overflow((*sum)[k], v, &t))
				t = v > 0 ? INT64_MAX : INT64_MIN;
			(*sum)[k] = t;
		} else {
			(*rep)[n] = (uint32_t)i;
			(*sum)[n] = v;
			ku_hmap_set(&stacks, slot, h, (uint32_t)n++);
		}
	}
	ku_hmap_free(&stacks);
	/* drop zero stacks */
	long k = 0;
	for (long i = 0; i < n; i++)
		if ((*sum)[i]) {
			(*rep)[k] = (*rep)[i];
			(*sum)[k++] = (*sum)[i];
		}
	return k;
nomem:
	ku_hmap_free(&stacks);
	free(*rep);
	free(*sum);
	*rep = NULL;
	*sum = NULL;
	return -ENOMEM;
}

/* ---- value formatting ---------------------------------------------------- */

static void fmt_scaled(double v, const char *suffix, char *buf, size_t size)
{
	if (v == (double)(int64_t)v)
		snprintf(buf, size, "%" PRId64 "%s", (int64_t)v, suffix);
	else
		snprintf(buf, size, "%.2f%s", v, suffix);
}

void kan_format_value(int64_t v, const char *unit, char *buf, size_t size)
{
	double a = v < 0 ? -(double)v : (double)v;

	if (!unit)
		unit = "";
	if (v == 0) {
		snprintf(buf, size, "0");
	} else if (!strcmp(unit, "nanoseconds")) {
		if (a >= 1e9)
			fmt_scaled((double)v / 1e9, "s", buf, size);
		else if (a >= 1e6)
			fmt_scaled((double)v / 1e6, "ms", buf, size);
		else if (a >= 1e3)
			fmt_scaled((double)v / 1e3, "us", buf, size);
		else
			fmt_scaled((double)v, "ns", buf, size);
	} else if (!strcmp(unit, "microseconds")) {
		kan_format_value(v > INT64_MAX / 1000 ? INT64_MAX : v < INT64_MIN / 1000 ? INT64_MIN : v * 1000,
				 "nanoseconds", buf, size);
	} else if (!strcmp(unit, "bytes")) {
		if (a >= 1024.0 * 1024 * 1024)
			fmt_scaled((double)v / (1024.0 * 1024 * 1024), "GB", buf, size);
		else if (a >= 1024.0 * 1024)
			fmt_scaled((double)v / (1024.0 * 1024), "MB", buf, size);
		else if (a >= 1024.0)
			fmt_scaled((double)v / 1024.0, "kB", buf, size);
		else
			fmt_scaled((double)v, "B", buf, size);
	} else {
		snprintf(buf, size, "%" PRId64, v);
	}
}
