/* SPDX-License-Identifier: MIT */
/*
 * stats: the phase bookkeeping behind kalloc_phase() (totals at each
 * boundary, the top allocation sites of each phase) and
 * <prefix>.stats.json, which reports them per message, with the totals
 * and the unwinder's figures. Format in kprof-formats(7).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfi.h"
#include "ku.h"
#include "report-internal.h"

#define KALLOC__TOP_SITES 10
#define KALLOC__MAX_PHASES 256

/* ---- phases -------------------------------------------------------------- */

struct kalloc__site {
	uint32_t stack;
	double allocs, bytes;
};

struct kalloc__phase {
	char name[64];
	uint64_t t0, t1;
	struct kalloc__totals start, end;
	uint64_t peak;
	int closed;
	int ntop;
	struct kalloc__site top[KALLOC__TOP_SITES];
};

static struct kalloc__phase *kalloc__phases;
static int kalloc__nphases;
static kalloc__lock_t kalloc__phase_lock;
static int kalloc__phase_once;


static void kalloc__eff_add(uint32_t id, uint64_t n, uint64_t bytes, void *arg)
{
	struct kalloc__eff *e = arg;

	if (id <= e->n) {
		e->allocs[id] += n;
		e->bytes[id] += bytes;
	}
}

int kalloc__eff_get(struct kalloc__eff *e)
{
	uint32_t id;

	e->n = kalloc__stack_count();
	e->len = ((size_t)(e->n + 1) * 2 * sizeof(uint64_t) + 4095) & ~(size_t)4095;
	e->allocs = kalloc__map(e->len);
	if (!e->allocs)
		return -1;
	e->bytes = e->allocs + e->n + 1;
	for (id = 1; id <= e->n; id++) {
		const struct kalloc__stack *s = kalloc__stack_get(id);

		e->allocs[id] = __atomic_load_n(&s->allocs, __ATOMIC_RELAXED);
		e->bytes[id] = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
	}
	kalloc__pending_each(kalloc__eff_add, e);
	return 0;
}

void kalloc__eff_free(struct kalloc__eff *e)
{
	kalloc__unmap(e->allocs, e->len);
	e->allocs = e->bytes = NULL;
}

static double kalloc__stack_allocs(const struct kalloc__stack *s, const struct kalloc__eff *e, uint32_t id)
{
	return kalloc__mode == KALLOC_MODE_SAMPLE ? s->est_allocs - s->base_est_allocs
						  : (double)(e->allocs[id] - s->base_allocs);
}

static double kalloc__stack_bytes(const struct kalloc__stack *s, const struct kalloc__eff *e, uint32_t id)
{
	return kalloc__mode == KALLOC_MODE_SAMPLE ? s->est_bytes - s->base_est_bytes
						  : (double)(e->bytes[id] - s->base_bytes);
}

/* Close phase ph at the current totals: its top sites by bytes. */
static void kalloc__phase_close(struct kalloc__phase *ph, int rebase)
{
	struct kalloc__eff eff;
	uint32_t id, n;

	if (kalloc__eff_get(&eff) != 0)
		eff.n = 0;
	n = eff.n;
	kalloc__totals(&ph->end);
	ph->t1 = ku_now_ns();
	ph->peak = kalloc__phase_peak_swap((uint64_t)ph->end.live);
	if ((uint64_t)ph->end.live > ph->peak)
		ph->peak = (uint64_t)ph->end.live;
	if ((uint64_t)ph->start.live > ph->peak)
		ph->peak = (uint64_t)ph->start.live;
	ph->ntop = 0;
	for (id = 1; id <= n; id++) {
		struct kalloc__stack *s = kalloc__stack_get(id);
		double b = kalloc__stack_bytes(s, &eff, id), a = kalloc__stack_allocs(s, &eff, id);
		int k;

		if (a <= 0)
			goto rebase;
		if (ph->ntop == KALLOC__TOP_SITES && b <= ph->top[ph->ntop - 1].bytes)
			goto rebase;
		k = ph->ntop < KALLOC__TOP_SITES ? ph->ntop++ : ph->ntop - 1;
		while (k > 0 && ph->top[k - 1].bytes < b) {
			ph->top[k] = ph->top[k - 1];
			k--;
		}
		ph->top[k].stack = id;
		ph->top[k].allocs = a;
		ph->top[k].bytes = b;
rebase:
		if (rebase) {
			s->base_allocs = eff.allocs[id];
			s->base_bytes = eff.bytes[id];
			s->base_est_allocs = s->est_allocs;
			s->base_est_bytes = s->est_bytes;
		}
	}
	kalloc__eff_free(&eff);
	ph->closed = 1;
}

static void kalloc__phase_open(const char *name)
{
	struct kalloc__phase *ph = &kalloc__phases[kalloc__nphases++];

	memset(ph, 0, sizeof(*ph));
	snprintf(ph->name, sizeof(ph->name), "%s", name);
	kalloc__totals(&ph->start);
	ph->t0 = ku_now_ns();
	kalloc__phase_peak_swap((uint64_t)ph->start.live);
}

static int kalloc__phases_ready(void)
{
	if (kalloc__phases)
		return 1;
	kalloc__phases = kalloc__map(sizeof(struct kalloc__phase) * KALLOC__MAX_PHASES);
	if (!kalloc__phases)
		return 0;
	/* The implicit first phase runs from start-up to the first call. */
	memset(&kalloc__phases[0], 0, sizeof(kalloc__phases[0]));
	snprintf(kalloc__phases[0].name, sizeof(kalloc__phases[0].name), "main");
	kalloc__phases[0].t0 = ku_now_ns();
	kalloc__nphases = 1;
	return 1;
}

void kalloc__phase_init(void)
{
	kalloc__lock(&kalloc__phase_lock);
	kalloc__phases_ready();
	kalloc__unlock(&kalloc__phase_lock);
}

void kalloc__phase_begin(const char *name)
{
	struct kalloc__phase *cur;

	kalloc__lock(&kalloc__phase_lock);
	if (!kalloc__phases_ready()) {
		kalloc__unlock(&kalloc__phase_lock);
		return;
	}
	if (kalloc__nphases >= KALLOC__MAX_PHASES) {
		kalloc__unlock(&kalloc__phase_lock);
		kalloc__warn(&kalloc__phase_once, "more than %d phases; \"%s\" and later ones are counted in the last",
			     KALLOC__MAX_PHASES, name);
		return;
	}
	cur = &kalloc__phases[kalloc__nphases - 1];
	kalloc__phase_close(cur, 1);
	/* An implicit first phase in which nothing happened is dropped. */
	if (kalloc__nphases == 1 && cur->end.allocs == 0 && cur->end.messages == 0)
		kalloc__nphases = 0;
	kalloc__phase_open(name);
	kalloc__unlock(&kalloc__phase_lock);
}

/* ---- stats.json ------------------------------------------------------------- */

/*
 * "unwind": which unwinder, what its tables cost (memory, build time) and
 * how walks ended. Written inside the top-level object, before "phases".
 */
static void kalloc__write_unwind_stats(struct ku_json_writer *w)
{
	struct ku_cfi_stats cs;
	struct ku_unwind_counts uc;

	ku_cfi_stats_get(&cs);
	ku_unwind_counts_get(&uc);
	ku_json_key(w, "unwind");
	ku_json_object_begin(w);
	ku_json_kv_string(w, "method", ku_unwind_name(kalloc__cfg.unwind));
	ku_json_key(w, "tables");
	ku_json_object_begin(w);
	ku_json_kv_uint(w, "objects", cs.objects);
	ku_json_kv_uint(w, "objects_without_cfi", cs.objects_nocfi);
	ku_json_kv_uint(w, "objects_malformed", cs.objects_bad);
	ku_json_kv_uint(w, "fdes", cs.fdes);
	ku_json_kv_uint(w, "rows", cs.rows);
	ku_json_kv_uint(w, "rules", cs.rules);
	ku_json_kv_uint(w, "bytes", cs.bytes);
	ku_json_kv_uint(w, "build_ns", cs.build_ns);
	ku_json_kv_uint(w, "syncs", cs.syncs);
	ku_json_object_end(w);
	ku_json_key(w, "walks");
	ku_json_object_begin(w);
	ku_json_kv_uint(w, "fp_steps", uc.fp_steps);
	ku_json_kv_uint(w, "unsupported_steps", uc.unsup_steps);
	ku_json_kv_uint(w, "ended_outside_code", uc.not_code);
	ku_json_kv_uint(w, "ended_unreadable", uc.unreadable);
	ku_json_kv_uint(w, "ended_no_progress", uc.no_progress);
	ku_json_kv_uint(w, "signal_frames", uc.signal_frames);
	ku_json_kv_uint(w, "unknown_stack", uc.unknown_stack);
	ku_json_kv_uint(w, "truncated", uc.truncated);
	ku_json_object_end(w);
	ku_json_object_end(w);
}

/* The verbose form of the summary (KALLOC_QUIET=verbose): the unwinder. */
void kalloc__summary_unwind(void)
{
	struct ku_cfi_stats cs;
	struct ku_unwind_counts uc;

	if (kalloc__cfg.unwind != KU_UNWIND_AUTO)
		return;
	ku_cfi_stats_get(&cs);
	ku_unwind_counts_get(&uc);
	kalloc__warn(NULL,
		     "unwind tables: %llu objects, %llu rows, %llu KiB, built in %.1f ms (%llu syncs); walks: %llu "
		     "frame-pointer steps, %llu ended outside code, %llu at unreadable memory, %llu truncated",
		     (unsigned long long)cs.objects, (unsigned long long)cs.rows, (unsigned long long)(cs.bytes / 1024),
		     (double)cs.build_ns / 1e6, (unsigned long long)cs.syncs, (unsigned long long)uc.fp_steps,
		     (unsigned long long)uc.not_code, (unsigned long long)uc.unreadable,
		     (unsigned long long)uc.truncated);
}

const char *kalloc__mode_name(void)
{
	switch (kalloc__mode) {
	case KALLOC_MODE_FULL:
		return "full";
	case KALLOC_MODE_SAMPLE:
		return "sample";
	case KALLOC_MODE_COUNT:
		return "count";
	default:
		return "off";
	}
}

static double kalloc__per(double v, uint64_t msgs)
{
	return msgs ? v / (double)msgs : 0.0;
}

void kalloc__write_stats(const char *prefix, struct kalloc__symtab *st, int final)
{
	struct ku_json_writer w;
	struct kalloc__totals tot;
	struct kalloc__phase *ph, last;
	int i, j, n;

	kalloc__lock(&kalloc__phase_lock);
	if (!kalloc__phases_ready()) {
		kalloc__unlock(&kalloc__phase_lock);
		return;
	}
	/* Close the running phase into a copy (a snapshot must not end it). */
	n = kalloc__nphases;
	last = kalloc__phases[n - 1];
	kalloc__phase_close(&last, 0);
	if (!final)
		kalloc__phase_peak_swap(last.peak); /* keep the running phase's peak */
	kalloc__totals(&tot);
	ku_json_writer_init(&w, 0);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-stats/1");
	ku_json_kv_int(&w, "pid", (int64_t)getpid());
	ku_json_kv_string(&w, "mode", kalloc__mode_name());
	ku_json_kv_uint(&w, "total_allocs", tot.allocs);
	ku_json_kv_uint(&w, "total_bytes", tot.bytes);
	ku_json_kv_uint(&w, "total_frees", tot.frees);
	ku_json_kv_uint(&w, "peak_live_bytes", tot.peak);
	ku_json_kv_int(&w, "live_bytes", tot.live);
	ku_json_kv_uint(&w, "messages", tot.messages);
	ku_json_kv_uint(&w, "unknown_frees", kalloc__unknown_free_count());
	ku_json_kv_uint(&w, "total_temporary", tot.temps);
	kalloc__write_unwind_stats(&w);
	ku_json_newline(&w, "");
	ku_json_key(&w, "phases");
	ku_json_array_begin(&w);
	for (i = 0; i < n; i++) {
		uint64_t msgs, allocs, bytes;
		int64_t growth;

		ph = i == n - 1 ? &last : &kalloc__phases[i];
		msgs = ph->end.messages - ph->start.messages;
		allocs = ph->end.allocs - ph->start.allocs;
		bytes = ph->end.bytes - ph->start.bytes;
		growth = ph->end.live - ph->start.live;
		ku_json_newline(&w, "");
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "name", ph->name);
		ku_json_kv_uint(&w, "messages", msgs);
		ku_json_kv_uint(&w, "allocs", allocs);
		ku_json_kv_uint(&w, "bytes", bytes);
		ku_json_kv_double(&w, "allocs_per_msg", kalloc__per((double)allocs, msgs));
		ku_json_kv_double(&w, "bytes_per_msg", kalloc__per((double)bytes, msgs));
		ku_json_kv_double(&w, "live_growth_per_msg", kalloc__per((double)growth, msgs));
		ku_json_kv_int(&w, "live_start_bytes", ph->start.live);
		ku_json_kv_int(&w, "live_end_bytes", ph->end.live);
		ku_json_kv_uint(&w, "peak_live_bytes", ph->peak);
		ku_json_kv_uint(&w, "duration_ns", ph->t1 - ph->t0);
		ku_json_key(&w, "top_sites");
		ku_json_array_begin(&w);
		for (j = 0; j < ph->ntop; j++) {
			/* counts: exact in full mode, estimates in sample mode */
			ku_json_newline(&w, " ");
			ku_json_object_begin(&w);
			ku_json_key(&w, "allocs");
			ku_json_whole(&w, ph->top[j].allocs);
			ku_json_key(&w, "bytes");
			ku_json_whole(&w, ph->top[j].bytes);
			ku_json_kv_double(&w, "allocs_per_msg", kalloc__per(ph->top[j].allocs, msgs));
			ku_json_kv_double(&w, "bytes_per_msg", kalloc__per(ph->top[j].bytes, msgs));
			ku_json_key(&w, "stack");
			kalloc__print_stack_json(&w, st, ph->top[j].stack);
			ku_json_object_end(&w);
		}
		ku_json_array_end(&w);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);
	kalloc__unlock(&kalloc__phase_lock);
	kalloc__save_json(prefix, "stats.json", &w);
	ku_json_writer_free(&w);
}
