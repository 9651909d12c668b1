/* SPDX-License-Identifier: MIT */
/*
 * writer: turns the sample table into a pprof CPU or wall profile on a
 * normal thread (at exit, ksamp_flush, before exec). Every distinct
 * address is symbolized once (function, file, line, inlined frames) in the
 * mapping it belongs to, so the profile carries names and needs no binary
 * to be read. Return addresses are looked up and recorded as pc - 1 so
 * that the line is the call's, not the next statement's.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <link.h>
#include <sys/auxv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cfi.h"
#include "ksamp-int.h"
#include "ku.h"
#include "outdir.h"
#include "pprof.h"
#include "procmaps.h"
#include "symbolize.h"

/* Address -> location id cache (open addressing). */
struct ksamp__pcmap {
	uint64_t *key, *val;
	size_t cap, n;
};

static uint64_t *pcmap_slot(struct ksamp__pcmap *m, uint64_t pc)
{
	size_t mask = m->cap - 1, i = (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 20) & mask;

	while (m->key[i] && m->key[i] != pc)
		i = (i + 1) & mask;
	return &m->key[i];
}

static int pcmap_put(struct ksamp__pcmap *m, uint64_t pc, uint64_t id)
{
	uint64_t *k;

	if ((m->n + 1) * 2 > m->cap) {
		struct ksamp__pcmap g = {calloc(m->cap * 2, 8), calloc(m->cap * 2, 8), m->cap * 2, 0};

		if (!g.key || !g.val) {
			free(g.key);
			free(g.val);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i]) {
				k = pcmap_slot(&g, m->key[i]);
				*k = m->key[i];
				g.val[k - g.key] = m->val[i];
				g.n++;
			}
		free(m->key);
		free(m->val);
		*m = g;
	}
	k = pcmap_slot(m, pc);
	if (!*k)
		m->n++;
	*k = pc;
	m->val[k - m->key] = id;
	return 0;
}

struct ksamp__wctx {
	struct ku_pprof *prof;
	struct ku_maps maps;
	uint64_t *map_ids; /* pprof mapping id per maps entry, 0 = not yet */
	struct ksamp__pcmap pcs;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int mapping_id_of(struct ksamp__wctx *w, const struct ku_map *m, uint64_t *id)
{
	return ku_pprof_map(w->prof, &w->maps, m, w->map_ids, true, id);
}

/*
 * Name of the vDSO function containing addr (clock_gettime and friends,
 * where a program that reads clocks in a loop spends its time). The vDSO
 * has no file to open; its ELF image, section headers included, is mapped
 * at AT_SYSINFO_EHDR, so its dynamic symbol table is read in place.
 */
static const char *vdso_name(uint64_t addr)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
	const ElfW(Shdr) *sh;
	uintptr_t base;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || !eh->e_shoff || eh->e_shentsize != sizeof(ElfW(Shdr)))
		return NULL;
	base = (uintptr_t)eh;
	sh = (const ElfW(Shdr) *)(base + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const ElfW(Sym) *sym;
		const char *str;
		size_t n;

		if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum || !sh[i].sh_entsize)
			continue;
		sym = (const ElfW(Sym) *)(base + sh[i].sh_offset);
		str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		n = sh[i].sh_size / sh[i].sh_entsize;
		for (size_t k = 0; k < n; k++)
			if (ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC && sym[k].st_size &&
			    addr - base >= sym[k].st_value && addr - base < sym[k].st_value + sym[k].st_size)
				return str + sym[k].st_name;
	}
	return NULL;
}

/*
 * Symbolization survives between writes: one symbolizer for the process
 * (its strings stay valid while it lives) and a cache of the frames found
 * for each (address, file) pair, so a program that calls ksamp_flush()
 * periodically pays for each address once, not once per flush. Only used
 * under the write lock.
 */
struct ksamp__symc {
	uint64_t addr, ino; /* ino + 1, so that 0 marks an empty slot */
	uint32_t n;
	struct ku_sym_frame *fr;
};

static struct ku_sym *symbolizer;
static struct ksamp__symc *symc;
static size_t symc_cap, symc_n;

static struct ksamp__symc *symc_slot(struct ksamp__symc *t, size_t cap, uint64_t addr, uint64_t ino)
{
	size_t mask = cap - 1, i = (size_t)(((addr ^ (ino * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull) >> 17) & mask;

	while (t[i].ino && !(t[i].addr == addr && t[i].ino == ino))
		i = (i + 1) & mask;
	return &t[i];
}

static int symbolize(const struct ku_map *m, uint64_t addr, struct ku_sym_frame *fr, size_t max, size_t *n)
{
	char hex[2 * KU_BUILD_ID_MAX + 1];
	struct ksamp__symc *c;
	uint64_t ino = m->inode + 1;
	int rc;

	*n = 0;
	if (!symbolizer && (rc = ku_sym_new(&symbolizer, 0)) < 0)
		return rc;
	if ((symc_n + 1) * 2 > symc_cap) {
		size_t ncap = symc_cap ? symc_cap * 2 : 4096;
		struct ksamp__symc *nt = calloc(ncap, sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		for (size_t i = 0; i < symc_cap; i++)
			if (symc[i].ino)
				*symc_slot(nt, ncap, symc[i].addr, symc[i].ino) = symc[i];
		free(symc);
		symc = nt;
		symc_cap = ncap;
	}
	c = symc_slot(symc, symc_cap, addr, ino);
	if (!c->ino) {
		size_t k = 0;

		if (ku_sym_lookup_addr(symbolizer, m->path,
				       m->build_id_len ? ku_procmaps_build_id_hex(m->build_id, m->build_id_len, hex) : NULL,
				       addr, m->start, m->offset, fr, max, &k) < 0)
			k = 0;
		c->fr = k ? malloc(k * sizeof(*fr)) : NULL;
		if (k && !c->fr)
			return -ENOMEM;
		if (k)
			memcpy(c->fr, fr, k * sizeof(*fr));
		c->addr = addr;
		c->ino = ino;
		c->n = (uint32_t)k;
		symc_n++;
	}
	if (c->n > max)
		return -EINVAL;
	if (c->n)
		memcpy(fr, c->fr, c->n * sizeof(*fr));
	*n = c->n;
	return 0;
}

/* Location id for addr (already pc - 1 for return addresses). */
static int location(struct ksamp__wctx *w, uint64_t addr, uint64_t *id)
{
	struct ku_sym_frame fr[KU_SYM_CHAIN_MAX];
	struct ku_pprof_line lines[KU_SYM_CHAIN_MAX];
	const struct ku_map *m;
	uint64_t *slot, mid = 0;
	size_t n = 0;
	char fallback[160];
	int rc;

	slot = pcmap_slot(&w->pcs, addr);
	if (*slot) {
		*id = w->pcs.val[slot - w->pcs.key];
		return 0;
	}
	if (addr == KSAMP__PC_THREAD_END) {
		/* Not code: the leaf of expirations that were due when a thread
		 * ended (threads.c). */
		if ((rc = ku_pprof_function(w->prof, "[sample due at thread end]", NULL, NULL, 0,
					    &lines[0].function_id)) < 0)
			return rc;
		lines[0].line = 0;
		if ((rc = ku_pprof_location(w->prof, 0, addr, lines, 1, id)) < 0)
			return rc;
		return pcmap_put(&w->pcs, addr, *id);
	}
	m = ku_procmaps_find(&w->maps, (uintptr_t)addr);
	if (m) {
		if ((rc = mapping_id_of(w, m, &mid)) < 0)
			return rc;
		if (m->path[0] == '/' && symbolize(m, addr, fr, KU_ARRAY_SIZE(fr), &n) < 0)
			n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = fr[i].function;

		if (!name) {
			snprintf(fallback, sizeof(fallback), "%s+0x%" PRIx64, base_name(m->path),
				 addr - m->start + m->offset);
			name = fallback;
		}
		if ((rc = ku_pprof_function(w->prof, name, NULL, fr[i].file, 0, &lines[i].function_id)) < 0)
			return rc;
		lines[i].line = fr[i].line;
	}
	if (!n && m && !strcmp(m->path, "[vdso]")) {
		const char *name = vdso_name(addr);

		if (name) {
			if ((rc = ku_pprof_function(w->prof, name, NULL, "[vdso]", 0, &lines[0].function_id)) < 0)
				return rc;
			lines[0].line = 0;
			n = 1;
		}
	}
	if (!n) {
		if (m && m->path[0])
			snprintf(fallback, sizeof(fallback), "%s+0x%" PRIx64, base_name(m->path),
				 addr - m->start + m->offset);
		else
			snprintf(fallback, sizeof(fallback), "0x%" PRIx64, addr);
		if ((rc = ku_pprof_function(w->prof, fallback, NULL, NULL, 0, &lines[0].function_id)) < 0)
			return rc;
		lines[0].line = 0;
		n = 1;
	}
	if ((rc = ku_pprof_location(w->prof, mid, addr, lines, n, id)) < 0)
		return rc;
	return pcmap_put(&w->pcs, addr, *id);
}

/* The main executable's mapping goes first: pprof names the profile by it. */
static void main_mapping_first(struct ksamp__wctx *w)
{
	char exe[PATH_MAX];
	/* thread-self: /proc/self is empty once main called pthread_exit. */
	ssize_t k = readlink("/proc/thread-self/exe", exe, sizeof(exe) - 1);
	if (k <= 0)
		k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	uint64_t id;

	if (k <= 0)
		return;
	exe[k] = 0;
	for (size_t i = 0; i < w->maps.n; i++)
		if ((w->maps.map[i].prot & KU_MAP_X) && !strcmp(w->maps.map[i].path, exe)) {
			mapping_id_of(w, &w->maps.map[i], &id);
			return;
		}
}

/*
 * Samples of the table into the profile; *total gets the sum of their
 * counts and *threads the number of distinct thread ids among them.
 */
static int fill(struct ksamp__wctx *w, int64_t period, uint64_t *total, uint64_t *threads)
{
	pid_t seen[1024];
	size_t nseen = 0, more = 0;
	struct ksamp__table *t = &ksamp__tab;
	uint64_t locs[KSAMP__DEPTH_MAX];
	int rc;

	for (size_t i = 0; i <= t->mask; i++) {
		struct ksamp__entry *e = &t->entry[i];
		struct ku_pprof_label lab[2];
		char name[KSAMP__NAME_LEN + 1];
		int64_t vals[2];
		uint64_t count;
		size_t nl = 0;

		if (atomic_load_explicit(&e->state, memory_order_acquire) != KSAMP__READY)
			continue;
		count = atomic_load(&e->count);
		if (!count)
			continue;
		*total += count;
		{
			size_t k = 0;

			while (k < nseen && seen[k] != e->tid)
				k++;
			if (k == nseen) {
				if (nseen < KU_ARRAY_SIZE(seen))
					seen[nseen++] = e->tid;
				else
					more++; /* an upper bound past 1024 threads */
			}
		}
		for (uint32_t j = 0; j < e->depth; j++) {
			uint64_t pc = t->arena[e->pcs_off + j];

			if ((rc = location(w, j ? pc - 1 : pc, &locs[j])) < 0)
				return rc;
		}
		memcpy(name, e->name, KSAMP__NAME_LEN);
		name[KSAMP__NAME_LEN] = 0;
		lab[nl++] = (struct ku_pprof_label){"thread_id", NULL, e->tid, NULL};
		if (name[0])
			lab[nl++] = (struct ku_pprof_label){"thread_name", name, 0, NULL};
		vals[0] = (int64_t)count;
		vals[1] = (int64_t)count * period;
		if ((rc = ku_pprof_sample(w->prof, locs, e->depth, vals, lab, nl)) < 0)
			return rc;
	}
	*threads = nseen + more;
	return 0;
}

static int write_pprof(const char *path, void *prof)
{
	return ku_pprof_write_gz(prof, path);
}

int ksamp__write(const char *path, struct ku_outdir *od, uint64_t start_realtime_ns, uint64_t start_mono_ns)
{
	const char *kind = ksamp__cfg.mode == KSAMP__WALL ? "wall" : "cpu";
	struct ku_pprof_value_type types[2] = {{"samples", "count"}, {kind, "nanoseconds"}};
	int64_t period = 1000000000LL / ksamp__cfg.hz;
	struct ksamp__wctx w;
	struct ksamp__census cen;
	struct rusage ru;
	uint64_t total = 0, sampled = 0, proc_ns = 0, seen = 0, untimed;
	char line[512];
	int rc;

	memset(&w, 0, sizeof(w));
	if ((rc = ku_pprof_new(&w.prof, types, 2, &types[1], period)) < 0)
		return rc;
	if ((rc = ku_procmaps_read(0, KU_PROCMAPS_BUILD_IDS, &w.maps)) < 0)
		goto out;
	w.map_ids = calloc(w.maps.n + 1, sizeof(uint64_t));
	w.pcs.cap = 1024;
	w.pcs.key = calloc(w.pcs.cap, 8);
	w.pcs.val = calloc(w.pcs.cap, 8);
	if (!w.map_ids || !w.pcs.key || !w.pcs.val) {
		rc = -ENOMEM;
		goto out;
	}
	main_mapping_first(&w);
	ksamp__threads_census(&cen);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		proc_ns = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
			  ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
	if ((rc = fill(&w, period, &total, &sampled)) < 0)
		goto out;
	snprintf(line, sizeof(line), "libksamp: mode=%s hz=%d unwind=%s depth=%d", kind, ksamp__cfg.hz,
		 ku_unwind_name(ksamp__cfg.unwind), ksamp__cfg.depth);
	ku_pprof_comment(w.prof, line);
	if (ksamp__cfg.unwind == KU_UNWIND_AUTO) {
		struct ku_cfi_stats cs;
		struct ku_unwind_counts uc;

		ku_cfi_stats_get(&cs);
		ku_unwind_counts_get(&uc);
		snprintf(line, sizeof(line),
			 "unwind tables: %" PRIu64 " objects, %" PRIu64 " rows, %" PRIu64 " KiB, built in %.1f ms"
			 " (%" PRIu64 " objects without CFI, %" PRIu64 " malformed)",
			 cs.objects, cs.rows, cs.bytes / 1024, (double)cs.build_ns / 1e6, cs.objects_nocfi,
			 cs.objects_bad);
		ku_pprof_comment(w.prof, line);
		snprintf(line, sizeof(line),
			 "unwind walks: %" PRIu64 " frame-pointer steps (%" PRIu64 " where CFI is not compact), "
			 "%" PRIu64 " ended outside code, %" PRIu64 " at unreadable memory, %" PRIu64
			 " signal frames crossed",
			 uc.fp_steps, uc.unsup_steps, uc.not_code, uc.unreadable, uc.signal_frames);
		ku_pprof_comment(w.prof, line);
	}
	snprintf(line, sizeof(line), "lost samples: %" PRIu64, atomic_load(&ksamp__tab.lost));
	ku_pprof_comment(w.prof, line);
	untimed = cen.a.no_slot + cen.a.timer_failed + cen.a.ended_early + cen.untimed;
	snprintf(line, sizeof(line), "signals handled: %" PRIu64 ", truncated stacks: %" PRIu64
		 ", threads without a timer: %" PRIu64,
		 atomic_load(&ksamp__tab.handled), atomic_load(&ksamp__tab.truncated), untimed);
	ku_pprof_comment(w.prof, line);
	for (int i = 0; i < KSAMP__NHOW; i++)
		seen += cen.a.seen[i];
	snprintf(line, sizeof(line),
		 "threads sampled: %" PRIu64 " of %" PRIu64 " seen (the first %" PRIu64 ", pthread_create %" PRIu64
		 ", thrd_create %" PRIu64 ", clone %" PRIu64 ", found in /proc/self/task %" PRIu64 ")",
		 sampled, seen + cen.untimed, cen.a.seen[KSAMP__HOW_INIT], cen.a.seen[KSAMP__HOW_PTHREAD],
		 cen.a.seen[KSAMP__HOW_C11], cen.a.seen[KSAMP__HOW_CLONE], cen.a.seen[KSAMP__HOW_SCAN] + cen.untimed);
	ku_pprof_comment(w.prof, line);
	snprintf(line, sizeof(line),
		 "threads without a timer, why: registry full %" PRIu64 ", timer_create failed %" PRIu64
		 "%s%s%s, ended before it was made %" PRIu64 ", not found before this write %" PRIu64,
		 cen.a.no_slot, cen.a.timer_failed, cen.a.timer_failed ? " (" : "",
		 cen.a.timer_failed ? strerror(cen.a.timer_errno) : "", cen.a.timer_failed ? ")" : "",
		 cen.a.ended_early, cen.untimed);
	ku_pprof_comment(w.prof, line);
	snprintf(line, sizeof(line),
		 "threads with SIGPROF blocked (timer set, signals held back, not sampled): %" PRIu64,
		 cen.a.blocked + cen.live_blocked);
	ku_pprof_comment(w.prof, line);
	if (ksamp__cfg.mode == KSAMP__CPU) {
		double ms = 1e-6, cov = (double)total * (double)period;

		snprintf(line, sizeof(line),
			 "cpu time: samples cover %.1f ms of %.1f ms process CPU time (getrusage RUSAGE_SELF), %.1f%%",
			 cov * ms, (double)proc_ns * ms, proc_ns ? 100.0 * cov / (double)proc_ns : 0.0);
		ku_pprof_comment(w.prof, line);
		snprintf(line, sizeof(line),
			 "cpu time not sampled: %.1f ms before threads had a timer, %.1f ms in threads with SIGPROF "
			 "blocked, %.1f ms in threads without a timer, %.1f ms while sampling was off, %.1f ms in "
			 "libksamp's discovery thread and the service threads",
			 (double)cen.a.before_ns * ms, (double)(cen.a.blocked_cpu_ns + cen.live_blocked_cpu_ns) * ms,
			 (double)cen.untimed_cpu_ns * ms, (double)cen.off_ns * ms, (double)cen.helper_cpu_ns * ms);
		ku_pprof_comment(w.prof, line);
	} else {
		snprintf(line, sizeof(line), "wall time: samples cover %.1f ms over all threads; process CPU time %.1f ms",
			 (double)total * (double)period * 1e-6, (double)proc_ns * 1e-6);
		ku_pprof_comment(w.prof, line);
	}
	snprintf(line, sizeof(line), "samples due at thread end, recorded then: %" PRIu64 "; discovery passes: %" PRIu64,
		 cen.a.exit_due, cen.a.scans);
	ku_pprof_comment(w.prof, line);
	ku_pprof_set_time(w.prof, (int64_t)start_realtime_ns, (int64_t)(ku_now_ns() - start_mono_ns));
	rc = ku_outdir_write(od, path, "profile", write_pprof, w.prof, NULL, 0);
out:
	free(w.map_ids);
	free(w.pcs.key);
	free(w.pcs.val);
	ku_procmaps_free(&w.maps);
	ku_pprof_free(w.prof);
	return rc;
}
