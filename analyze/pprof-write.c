/* SPDX-License-Identifier: MIT */
/*
 * pprof-write: write a struct kan_profile as profile.proto (optionally
 * gzipped), for `kprof convert` and `kprof merge`. The encoding is the
 * one the interposers use (lib/pprof.h); this file only copies the
 * analyzer's model into that builder, in verbatim mode so that locations
 * and samples stay one for one with the input (functions that are equal
 * in every field become one). Labels without a key carry nothing pprof
 * can show and are left out. A profile without sample types cannot be
 * written (-EINVAL), as pprof could not read it back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pprof.h"
#include "pprof-write.h"

/* NULL strings stay unset (index 0), as in the input. */
static const char *s(const char *s)
{
	return s ? s : "";
}

static int copy_tables(const struct kan_profile *p, struct ku_pprof *w, uint64_t *func_ids)
{
	struct ku_pprof_line *lines = NULL;
	size_t maxlines = 0;
	uint64_t id;
	int r = 0;

	for (size_t i = 0; i < p->nmappings && !r; i++) {
		const struct kan_mapping *m = &p->mappings[i];
		struct ku_pprof_mapping km = {
			.start = m->start, .limit = m->limit, .offset = m->offset,
			.filename = m->file, .build_id = m->build_id, .has_functions = m->has_functions != 0,
		};
		r = ku_pprof_mapping(w, &km, &id);
	}
	for (size_t i = 0; i < p->nfunctions && !r; i++) {
		const struct kan_function *f = &p->functions[i];
		r = ku_pprof_function(w, s(f->name), s(f->system_name), f->filename, f->start_line,
				      &func_ids[i]);
	}
	for (size_t i = 0; i < p->nlocations && !r; i++) {
		const struct kan_location *l = &p->locations[i];
		if (l->nlines > maxlines) {
			struct ku_pprof_line *nl = realloc(lines, l->nlines * sizeof(*nl));
			if (!nl) {
				r = -ENOMEM;
				break;
			}
			lines = nl;
			maxlines = l->nlines;
		}
		for (uint32_t k = 0; k < l->nlines; k++) {
			lines[k].function_id = func_ids[p->lines[l->line_off + k].function];
			lines[k].line = p->lines[l->line_off + k].line;
		}
		r = ku_pprof_location(w, l->mapping, l->address, lines, l->nlines, &id);
	}
	free(lines);
	return r;
}

static int copy_samples(const struct kan_profile *p, struct ku_pprof *w)
{
	uint64_t *locs = NULL;
	struct ku_pprof_label *labs = NULL;
	size_t maxlocs = 0, maxlabs = 0;
	int r = 0;

	for (size_t i = 0; i < p->nsamples && !r; i++) {
		const struct kan_sample *s = &p->samples[i];
		size_t nl = 0;
		if (s->nlocs > maxlocs) {
			uint64_t *n = realloc(locs, s->nlocs * sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				break;
			}
			locs = n;
			maxlocs = s->nlocs;
		}
		if (s->nlabels > maxlabs) {
			struct ku_pprof_label *n = realloc(labs, s->nlabels * sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				break;
			}
			labs = n;
			maxlabs = s->nlabels;
		}
		for (uint32_t k = 0; k < s->nlocs; k++)
			locs[k] = (uint64_t)p->sample_locs[s->loc_off + k] + 1;
		for (uint32_t k = 0; k < s->nlabels; k++) {
			const struct kan_label *l = &p->labels[s->label_off + k];
			if (!l->key || !*l->key)
				continue;
			labs[nl++] = (struct ku_pprof_label){ l->key, l->str, l->num, l->num_unit };
		}
		r = ku_pprof_sample(w, locs, s->nlocs, p->values + i * p->nsample_types, labs, nl);
	}
	free(locs);
	free(labs);
	return r;
}

static int build(const struct kan_profile *p, struct ku_pprof **out)
{
	struct ku_pprof_value_type *types = calloc(p->nsample_types + 1, sizeof(*types));
	struct ku_pprof_value_type period_type = { p->period_type.type, p->period_type.unit };
	uint64_t *func_ids = calloc(p->nfunctions + 1, sizeof(*func_ids));
	struct ku_pprof *w = NULL;
	int r = -ENOMEM;

	if (!types || !func_ids)
		goto out;
	for (size_t i = 0; i < p->nsample_types; i++)
		types[i] = (struct ku_pprof_value_type){ p->sample_types[i].type, p->sample_types[i].unit };
	r = ku_pprof_new(&w, types, p->nsample_types,
			 p->period_type.type || p->period ? &period_type : NULL, p->period);
	if (r)
		goto out;
	ku_pprof_set_verbatim(w, true);
	ku_pprof_set_time(w, p->time_nanos, p->duration_nanos);
	r = copy_tables(p, w, func_ids);
	if (!r)
		r = copy_samples(p, w);
	for (size_t i = 0; i < p->ncomments && !r; i++)
		if (p->comments[i] && *p->comments[i])
			r = ku_pprof_comment(w, p->comments[i]);
	if (!r)
		r = ku_pprof_drop_frames(w, p->drop_frames);
	if (!r)
		r = ku_pprof_keep_frames(w, p->keep_frames);
	if (!r)
		r = ku_pprof_default_sample_type(w, p->default_sample_type);
out:
	free(types);
	free(func_ids);
	if (r) {
		ku_pprof_free(w);
		return r;
	}
	*out = w;
	return 0;
}

int kan_pprof_write(const struct kan_profile *p, const char *path, int gzip)
{
	struct ku_pprof *w;
	int r = build(p, &w);

	if (r)
		return r;
	int fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (fd < 0) {
		r = -errno;
	} else {
		r = gzip ? ku_pprof_write_fd(w, fd) : ku_pprof_write_raw_fd(w, fd);
		if (fd != 1 && close(fd) != 0 && !r)
			r = -errno;
	}
	ku_pprof_free(w);
	return r;
}
