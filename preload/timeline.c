/* SPDX-License-Identifier: MIT */
/*
 * timeline: memory over time in libkalloc.so. Four jobs, all off the hot
 * path (the inline pieces the entry points use are in timeline.h):
 *
 * - Peak attribution. The global live-byte figure reaches a new peak in
 *   kalloc__live_flush (a thread's flush threshold is the headroom to the
 *   peak, so for one thread every new peak is seen exactly). Who held the
 *   memory at that moment is kept lazily, in O(1) per change: every stack
 *   has its folded live bytes and a stamp; before a stack's live bytes
 *   change, a stamp older than the current peak number means the value
 *   about to be overwritten is the one it had at that peak, and it is
 *   saved. A new peak folds the flushing thread's own pending live bytes
 *   and increments the peak number: at that moment every stack's folded
 *   live bytes are its share of the peak. Exact for single-threaded
 *   programs; other threads contribute as of their last fold.
 * - The time series: a thread samples live bytes, allocations, temporary
 *   allocations, RSS and messages every KALLOC_TIMELINE milliseconds
 *   (default 10) into a fixed array of KALLOC__TL_POINTS points. When the
 *   array is full, every four points become two (the lowest and highest
 *   live bytes among them, in time order) and the period doubles: the
 *   memory used never grows and peaks and valleys survive.
 * - Services: the same thread writes numbered snapshots every
 *   KALLOC_INTERVAL seconds, keeping KALLOC_KEEP of them, and those that
 *   KALLOC_SIGNAL asks for (signal.c), and writes the final files when
 *   SIGTERM, SIGINT or SIGHUP (at their default disposition) stop the
 *   process (lib/termsig.h). It is libkalloc's one service thread
 *   (lib/svcthread.h): never one of the program's threads for libksamp,
 *   and it leaves when the program's last thread has ended, so that it
 *   never keeps the process alive.
 * - <prefix>.timeline.json (kprof-formats(7)).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "kalloc-internal.h"
#include "ku.h"
#include "report-internal.h"
#include "svcthread.h"
#include "termsig.h"
#include "timeline.h"

#define KALLOC__TL_POINTS 4096 /* 4096 x 48 bytes = 192 KiB, for any run length */
#define KALLOC__TL_PHASES 256

int kalloc_v1_snapshot(void);

struct kalloc__tl_point {
	uint64_t t_ns;
	int64_t live;
	uint64_t allocs, temps, rss, messages;
};

struct kalloc__tl_phase {
	char name[64];
	uint64_t t_ns, messages;
};

static struct {
	kalloc__lock_t lock; /* the series, phases and peak record */
	struct kalloc__tl_point *pt;
	uint32_t n;
	uint32_t coarsened; /* times the series was halved */
	uint64_t step_ns;   /* current sampling period */
	uint64_t t0_ns, t0_unix_ns;
	struct kalloc__tl_phase *ph;
	uint32_t nph;
	/* the peak */
	int64_t peak_live;
	uint64_t peak_no;
	uint64_t peak_t_ns;
	/* exited threads */
	uint64_t retired_temps;
	uint64_t retired_hist[KALLOC__HIST];
	/* service thread (lib/svcthread.h) */
	struct ku_svc svc;
	int snap_asked; /* KALLOC_SIGNAL arrived (atomic) */
	unsigned pruned; /* interval snapshots up to this number are removed */
} kalloc__tl;

static kalloc__lock_t kalloc__tl_site_lock; /* stacks' live/peak fields */

/* ---- peak attribution --------------------------------------------------- */

/* Change stack id's folded live bytes by delta; the site lock is held. */
static void kalloc__tl_live_add(uint32_t id, int64_t delta)
{
	struct kalloc__stack *s = kalloc__stack_get(id);
	uint64_t no = __atomic_load_n(&kalloc__tl.peak_no, __ATOMIC_RELAXED);

	if (s->peak_stamp != no) {
		s->peak_live = s->live;
		s->peak_stamp = no;
	}
	s->live += delta;
}

void kalloc__tl_fold(struct kalloc__pending *e)
{
	if (!e->id || e->id > kalloc__stack_count()) {
		e->live = 0;
		e->temps = 0;
		return;
	}
	if (e->temps)
		__atomic_fetch_add(&kalloc__stack_get(e->id)->temps, e->temps, __ATOMIC_RELAXED);
	if (e->live) {
		kalloc__lock(&kalloc__tl_site_lock);
		kalloc__tl_live_add(e->id, e->live);
		kalloc__unlock(&kalloc__tl_site_lock);
	}
	__atomic_store_n(&e->live, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->temps, 0, __ATOMIC_RELAXED);
}

void kalloc__tl_site_alloc(uint32_t id, size_t size)
{
	kalloc__lock(&kalloc__tl_site_lock);
	kalloc__tl_live_add(id, (int64_t)size);
	kalloc__unlock(&kalloc__tl_site_lock);
}

void kalloc__tl_free_slow(struct kalloc__thread *t, uint32_t id, size_t size, uint64_t tmp)
{
	if (id && id <= kalloc__stack_count()) {
		if (tmp)
			__atomic_fetch_add(&kalloc__stack_get(id)->temps, 1, __ATOMIC_RELAXED);
		kalloc__lock(&kalloc__tl_site_lock);
		kalloc__tl_live_add(id, -(int64_t)size);
		kalloc__unlock(&kalloc__tl_site_lock);
	}
	if (t->registered == 1)
		__atomic_store_n(&t->temps, t->temps + tmp, __ATOMIC_RELAXED);
	else if (tmp)
		__atomic_fetch_add(&kalloc__tl.retired_temps, 1, __ATOMIC_RELAXED);
}

void kalloc__tl_thread_exit(struct kalloc__thread *t)
{
	size_t i;

	__atomic_fetch_add(&kalloc__tl.retired_temps, t->temps, __ATOMIC_RELAXED);
	t->temps = 0;
	for (i = 0; i < KALLOC__HIST; i++) {
		if (t->hist[i])
			__atomic_fetch_add(&kalloc__tl.retired_hist[i], t->hist[i], __ATOMIC_RELAXED);
		t->hist[i] = 0;
	}
}

uint64_t kalloc__tl_retired_temps(void)
{
	return __atomic_load_n(&kalloc__tl.retired_temps, __ATOMIC_RELAXED);
}

int64_t kalloc__tl_flush_at(int64_t now, uint64_t peak, int64_t max)
{
	int64_t room;

	/* Count and sample modes keep the constant threshold: the exact
	 * peak would cost them a flush at nearly every allocation of a
	 * program that hovers at its peak (their live bytes are usable
	 * sizes anyway); their peak is within 64 KiB per thread, as before. */
	if (kalloc__cfg.mode != KALLOC_MODE_FULL)
		return max;
	if (now < 0 || peak > (uint64_t)INT64_MAX)
		return max;
	room = (int64_t)peak - now;
	return room < 0 ? 0 : room < max ? room : max;
}

void kalloc__tl_peak(struct kalloc__thread *t, int64_t now)
{
	uint64_t used;

	kalloc__lock(&kalloc__tl.lock);
	if (now <= kalloc__tl.peak_live) {
		kalloc__unlock(&kalloc__tl.lock);
		return;
	}
	if (kalloc__mode == KALLOC_MODE_FULL && t->registered == 1) {
		/* This thread's own share, up to this very allocation. */
		used = t->pending_used;
		while (used) {
			int i = __builtin_ctzll(used);
			struct kalloc__pending *e = &t->pending[i];

			used &= used - 1;
			if (e->id && e->live) {
				kalloc__lock(&kalloc__tl_site_lock);
				kalloc__tl_live_add(e->id, e->live);
				kalloc__unlock(&kalloc__tl_site_lock);
				__atomic_store_n(&e->live, 0, __ATOMIC_RELAXED);
			}
		}
	}
	kalloc__lock(&kalloc__tl_site_lock);
	__atomic_store_n(&kalloc__tl.peak_no, kalloc__tl.peak_no + 1, __ATOMIC_RELAXED);
	kalloc__unlock(&kalloc__tl_site_lock);
	kalloc__tl.peak_live = now;
	/* Not the messages or allocations at the peak: kalloc__totals takes
	 * the registry lock, which a thread registering right now may hold
	 * while it allocates. kalloc__tl_write takes them from the series. */
	/* Before the constructor ran (another library's constructor
	 * allocating) the clock has no origin yet: time 0. */
	kalloc__tl.peak_t_ns = kalloc__tl.t0_ns ? ku_now_ns() - kalloc__tl.t0_ns : 0;
	kalloc__unlock(&kalloc__tl.lock);
}

int kalloc__tl_sites_get(struct kalloc__tl_sites *s)
{
	struct kalloc__thread *t;
	uint32_t id;
	uint64_t no;
	size_t i;

	s->n = kalloc__stack_count();
	s->len = ((size_t)(s->n + 1) * 2 * sizeof(uint64_t) + 4095) & ~(size_t)4095;
	s->temps = kalloc__map(s->len);
	if (!s->temps)
		return -ENOMEM;
	s->peak = s->temps + s->n + 1;
	kalloc__lock(&kalloc__tl_site_lock);
	no = kalloc__tl.peak_no;
	for (id = 1; id <= s->n; id++) {
		const struct kalloc__stack *st = kalloc__stack_get(id);
		int64_t v = no == 0 ? 0 : st->peak_stamp == no ? st->peak_live : st->live;

		s->temps[id] = __atomic_load_n(&st->temps, __ATOMIC_RELAXED);
		s->peak[id] = v > 0 ? (uint64_t)v : 0;
	}
	kalloc__unlock(&kalloc__tl_site_lock);
	kalloc__lock(&kalloc__threads_lock);
	for (t = kalloc__threads; t; t = t->next)
		for (i = 0; i < KU_ARRAY_SIZE(t->pending); i++) {
			uint32_t pid = __atomic_load_n(&t->pending[i].id, __ATOMIC_RELAXED);

			if (pid && pid <= s->n)
				s->temps[pid] += __atomic_load_n(&t->pending[i].temps, __ATOMIC_RELAXED);
		}
	kalloc__unlock(&kalloc__threads_lock);
	return 0;
}

void kalloc__tl_sites_free(struct kalloc__tl_sites *s)
{
	kalloc__unmap(s->temps, s->len);
	s->temps = s->peak = NULL;
}

/* ---- the time series ----------------------------------------------------- */

static uint64_t kalloc__tl_rss(void)
{
	char buf[128];
	unsigned long long size = 0, res = 0;
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &res) != 2)
		return 0;
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void kalloc__tl_now(struct kalloc__tl_point *p)
{
	struct kalloc__totals tot;

	/* The time first: every figure of the point was read at or after
	 * it. Stamped after the reads, a sampling thread preempted between
	 * them would date old figures late (a point "after" the program
	 * reached a plateau that does not show it). */
	p->t_ns = ku_now_ns() - kalloc__tl.t0_ns;
	kalloc__totals(&tot);
	p->live = tot.live;
	p->allocs = tot.allocs;
	p->temps = tot.temps;
	p->messages = tot.messages;
	p->rss = kalloc__tl_rss();
}

/* Every four points become two, the lowest and the highest live bytes in
 * time order; the lock is held. */
static void kalloc__tl_coarsen(void)
{
	struct kalloc__tl_point *p = kalloc__tl.pt;
	uint32_t i, j = 0;

	for (i = 0; i + 3 < kalloc__tl.n; i += 4) {
		uint32_t lo = i, hi = i, k;

		for (k = i + 1; k < i + 4; k++) {
			if (p[k].live < p[lo].live)
				lo = k;
			if (p[k].live > p[hi].live)
				hi = k;
		}
		if (lo == hi)
			hi = i + 3;
		p[j++] = p[lo < hi ? lo : hi];
		p[j++] = p[lo < hi ? hi : lo];
	}
	for (; i < kalloc__tl.n; i++)
		p[j++] = p[i];
	kalloc__tl.n = j;
	kalloc__tl.step_ns *= 2;
	kalloc__tl.coarsened++;
}

static void kalloc__tl_sample(void)
{
	struct kalloc__tl_point p;

	kalloc__tl_now(&p);
	kalloc__lock(&kalloc__tl.lock);
	/* The sampling thread and a kalloc_phase() caller may race here:
	 * keep the series in time order. */
	if (kalloc__tl.n && p.t_ns < kalloc__tl.pt[kalloc__tl.n - 1].t_ns)
		p.t_ns = kalloc__tl.pt[kalloc__tl.n - 1].t_ns;
	if (kalloc__tl.pt) {
		if (kalloc__tl.n == KALLOC__TL_POINTS)
			kalloc__tl_coarsen();
		kalloc__tl.pt[kalloc__tl.n++] = p;
	}
	kalloc__unlock(&kalloc__tl.lock);
}

void kalloc__tl_phase(const char *name)
{
	struct kalloc__totals tot;

	if (!kalloc__tl.ph)
		return;
	kalloc__totals(&tot);
	kalloc__lock(&kalloc__tl.lock);
	if (kalloc__tl.nph < KALLOC__TL_PHASES) {
		struct kalloc__tl_phase *ph = &kalloc__tl.ph[kalloc__tl.nph++];

		snprintf(ph->name, sizeof(ph->name), "%s", name);
		ph->t_ns = ku_now_ns() - kalloc__tl.t0_ns;
		ph->messages = tot.messages;
	}
	kalloc__unlock(&kalloc__tl.lock);
	if (kalloc__tl.svc.running)
		kalloc__tl_sample();
}

/* ---- services -------------------------------------------------------------- */

static void kalloc__tl_prune(unsigned n)
{
	static const char *const sfx[] = {"heap.pb.gz", "leaks.txt", "leaks.json", "stats.json", "timeline.json"};
	char path[sizeof(kalloc__cfg.prefix) + 64];
	size_t i;

	while (kalloc__cfg.keep > 0 && kalloc__tl.pruned + (unsigned)kalloc__cfg.keep < n) {
		unsigned m = ++kalloc__tl.pruned;

		for (i = 0; i < KU_ARRAY_SIZE(sfx); i++) {
			snprintf(path, sizeof(path), "%s.%u.%s", kalloc__cfg.prefix, m, sfx[i]);
			unlink(path);
		}
	}
}


static int kalloc__tl_written(unsigned n)
{
	char path[sizeof(kalloc__cfg.prefix) + 64];

	snprintf(path, sizeof(path), "%s.%u.timeline.json", kalloc__cfg.prefix, n);
	return access(path, F_OK) == 0;
}

static void kalloc__tl_thread(struct ku_svc *svc)
{
	uint64_t next_sample, next_snap, now;

	kalloc__guard_enter(); /* nothing this thread allocates is tracked */
	now = ku_now_ns();
	next_sample = now + kalloc__tl.step_ns;
	next_snap = kalloc__cfg.interval_ns ? now + kalloc__cfg.interval_ns : UINT64_MAX;
	for (;;) {
		uint64_t due = kalloc__cfg.timeline_ms ? next_sample : UINT64_MAX;

		if (next_snap < due)
			due = next_snap;
		/* The program has no thread left (main called pthread_exit,
		 * the others ended): leave, so that the process exits as it
		 * would without kalloc, and the destructor writes the files. */
		if (ku_svc_wait(svc, due) == KU_SVC_ALONE)
			break;
		if (ku_termsig_pending()) {
			if (kalloc__cfg.timeline_ms)
				kalloc__tl_sample();
			kalloc__final_report();
			ku_termsig_done();
			break;
		}
		if (kalloc__mode == KALLOC_MODE_OFF)
			break; /* the destructor ran */
		if (__atomic_exchange_n(&kalloc__tl.snap_asked, 0, __ATOMIC_RELAXED))
			kalloc_v1_snapshot(); /* KALLOC_SIGNAL */
		now = ku_now_ns();
		if (kalloc__cfg.timeline_ms && now >= next_sample) {
			kalloc__tl_sample();
			next_sample += kalloc__tl.step_ns;
			if (next_sample <= now)
				next_sample = now + kalloc__tl.step_ns;
		}
		if (now >= next_snap) {
			int n = kalloc_v1_snapshot();

			/* a snapshot refused because the process is exiting
			 * wrote nothing: then keep the older ones */
			if (n > 0 && kalloc__tl_written((unsigned)n))
				kalloc__tl_prune((unsigned)n);
			next_snap += kalloc__cfg.interval_ns;
			now = ku_now_ns();
			if (next_snap <= now)
				next_snap = now + kalloc__cfg.interval_ns;
		}
	}
	kalloc__guard_leave();
}

/* Async-signal-safe (an atomic store and sem_post): ask the service
 * thread for a snapshot <prefix>.<n>.*. */
void kalloc__tl_ask_snapshot(void)
{
	__atomic_store_n(&kalloc__tl.snap_asked, 1, __ATOMIC_RELAXED);
	ku_svc_post(&kalloc__tl.svc);
}

int kalloc__tl_running(void)
{
	return kalloc__tl.svc.running;
}

pid_t kalloc__tl_tid(void)
{
	return __atomic_load_n(&kalloc__tl.svc.tid, __ATOMIC_RELAXED);
}

/* Async-signal-safe: is the interrupted thread inside kalloc? */
static int kalloc__tl_busy(void)
{
	return kalloc__self()->guard > 0;
}

void kalloc__tl_start(void)
{
	struct timespec ts;
	int err;

	kalloc__tl.t0_ns = ku_now_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	kalloc__tl.t0_unix_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	kalloc__tl.step_ns = (uint64_t)(kalloc__cfg.timeline_ms ? kalloc__cfg.timeline_ms : 10) * 1000000u;
	if (kalloc__cfg.timeline_ms) {
		kalloc__tl.pt = kalloc__map(sizeof(struct kalloc__tl_point) * KALLOC__TL_POINTS);
		kalloc__tl.ph = kalloc__map(sizeof(struct kalloc__tl_phase) * KALLOC__TL_PHASES);
		if (!kalloc__tl.pt || !kalloc__tl.ph) {
			kalloc__warn(NULL, "cannot map memory for the timeline; no time series");
			kalloc__unmap(kalloc__tl.pt, sizeof(struct kalloc__tl_point) * KALLOC__TL_POINTS);
			kalloc__unmap(kalloc__tl.ph, sizeof(struct kalloc__tl_phase) * KALLOC__TL_PHASES);
			kalloc__tl.pt = NULL;
			kalloc__tl.ph = NULL;
			kalloc__cfg.timeline_ms = 0;
		} else {
			snprintf(kalloc__tl.ph[0].name, sizeof(kalloc__tl.ph[0].name), "main");
			kalloc__tl.nph = 1;
			kalloc__tl_sample();
		}
	}
	err = ku_svc_start(&kalloc__tl.svc, "kalloc", kalloc__tl_thread);
	if (err) {
		kalloc__warn(NULL, "cannot start the timeline thread (%s); no time series, interval snapshots,"
				   " KALLOC_SIGNAL or files on SIGTERM", strerror(-err));
		return;
	}
	ku_termsig_install(&kalloc__tl.svc.wake, kalloc__cfg.signo, kalloc__tl_busy);
}

void kalloc__tl_after_fork(void)
{
	/* Only this thread exists now; another may have held these. */
	kalloc__tl.lock.v = 0;
	kalloc__tl_site_lock.v = 0;
	__atomic_store_n(&kalloc__tl.snap_asked, 0, __ATOMIC_RELAXED);
	if (!kalloc__tl.svc.running)
		return;
	ku_svc_after_fork(&kalloc__tl.svc);
	kalloc__tl.pruned = 0;
	ku_svc_start(&kalloc__tl.svc, "kalloc", kalloc__tl_thread);
}

/* ---- timeline.json ----------------------------------------------------------- */

void kalloc__tl_write(const char *prefix)
{
	struct ku_json_writer w;
	struct kalloc__totals tot;
	struct kalloc__tl_point last;
	struct kalloc__thread *t;
	uint64_t hist[KALLOC__HIST];
	int full = kalloc__mode == KALLOC_MODE_FULL;
	uint32_t i;

	kalloc__tl_now(&last);
	kalloc__totals(&tot);
	for (i = 0; i < KALLOC__HIST; i++)
		hist[i] = __atomic_load_n(&kalloc__tl.retired_hist[i], __ATOMIC_RELAXED);
	kalloc__lock(&kalloc__threads_lock);
	for (t = kalloc__threads; t; t = t->next)
		for (i = 0; i < KALLOC__HIST; i++)
			hist[i] += __atomic_load_n(&t->hist[i], __ATOMIC_RELAXED);
	kalloc__unlock(&kalloc__threads_lock);

	ku_json_writer_init(&w, 0);
	ku_json_object_begin(&w);
	ku_json_kv_string(&w, "schema", "kprof-timeline/1");
	ku_json_kv_int(&w, "pid", (int64_t)getpid());
	ku_json_kv_string(&w, "mode", kalloc__mode_name());
	ku_json_kv_uint(&w, "start_unix_ns", kalloc__tl.t0_unix_ns);
	ku_json_kv_uint(&w, "duration_ns", last.t_ns);
	kalloc__lock(&kalloc__tl.lock);
	if (kalloc__tl.n && last.t_ns < kalloc__tl.pt[kalloc__tl.n - 1].t_ns)
		last.t_ns = kalloc__tl.pt[kalloc__tl.n - 1].t_ns; /* sampled meanwhile */
	ku_json_kv_uint(&w, "interval_ns", kalloc__cfg.timeline_ms ? kalloc__tl.step_ns : 0);
	ku_json_kv_uint(&w, "budget_points", KALLOC__TL_POINTS);
	ku_json_kv_uint(&w, "coarsened", kalloc__tl.coarsened);

	ku_json_key(&w, "totals");
	ku_json_object_begin(&w);
	ku_json_kv_uint(&w, "allocs", tot.allocs);
	ku_json_kv_uint(&w, "bytes", tot.bytes);
	ku_json_kv_uint(&w, "frees", tot.frees);
	ku_json_key(&w, "temporary");
	if (full)
		ku_json_uint(&w, tot.temps);
	else
		ku_json_null(&w);
	ku_json_kv_int(&w, "live_bytes", tot.live);
	ku_json_kv_uint(&w, "peak_live_bytes", tot.peak);
	ku_json_kv_uint(&w, "messages", tot.messages);
	ku_json_object_end(&w);

	ku_json_key(&w, "peak");
	ku_json_object_begin(&w);
	ku_json_kv_uint(&w, "live_bytes", kalloc__tl.peak_live > 0 ? (uint64_t)kalloc__tl.peak_live : 0);
	ku_json_kv_uint(&w, "t_ns", kalloc__tl.peak_t_ns);
	{
		/* messages at the peak: those of the last sample at or before it */
		uint64_t m = 0;

		for (i = 0; i < kalloc__tl.n && kalloc__tl.pt[i].t_ns <= kalloc__tl.peak_t_ns; i++)
			m = kalloc__tl.pt[i].messages;
		ku_json_kv_uint(&w, "messages", m);
	}
	ku_json_object_end(&w);

	ku_json_key(&w, "columns");
	ku_json_array_begin(&w);
	ku_json_string(&w, "t_ns");
	ku_json_string(&w, "live_bytes");
	ku_json_string(&w, "allocs");
	ku_json_string(&w, "temporary");
	ku_json_string(&w, "rss_bytes");
	ku_json_string(&w, "messages");
	ku_json_array_end(&w);
	ku_json_key(&w, "samples");
	ku_json_array_begin(&w);
	for (i = 0; i <= kalloc__tl.n && kalloc__cfg.timeline_ms; i++) {
		const struct kalloc__tl_point *p = i < kalloc__tl.n ? &kalloc__tl.pt[i] : &last;

		ku_json_array_begin(&w);
		ku_json_uint(&w, p->t_ns);
		ku_json_int(&w, p->live);
		ku_json_uint(&w, p->allocs);
		ku_json_uint(&w, p->temps);
		ku_json_uint(&w, p->rss);
		ku_json_uint(&w, p->messages);
		ku_json_array_end(&w);
	}
	ku_json_array_end(&w);

	ku_json_key(&w, "phases");
	ku_json_array_begin(&w);
	for (i = 0; i < kalloc__tl.nph; i++) {
		ku_json_object_begin(&w);
		ku_json_kv_string(&w, "name", kalloc__tl.ph[i].name);
		ku_json_kv_uint(&w, "t_ns", kalloc__tl.ph[i].t_ns);
		ku_json_kv_uint(&w, "messages", kalloc__tl.ph[i].messages);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	kalloc__unlock(&kalloc__tl.lock);

	ku_json_key(&w, "size_histogram");
	ku_json_array_begin(&w);
	for (i = 0; i < KALLOC__HIST && full; i++) {
		if (!hist[i])
			continue;
		ku_json_object_begin(&w);
		ku_json_kv_uint(&w, "min", i ? (uint64_t)1 << (i - 1) : 0);
		ku_json_kv_uint(&w, "max", i == 0 ? 0 : i == 64 ? UINT64_MAX : ((uint64_t)1 << i) - 1);
		ku_json_kv_uint(&w, "count", hist[i]);
		ku_json_object_end(&w);
	}
	ku_json_array_end(&w);
	ku_json_object_end(&w);

	kalloc__save_json(prefix, "timeline.json", &w); /* where and why not: report.c */
	ku_json_writer_free(&w);
}
