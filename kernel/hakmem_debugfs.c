// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_debugfs.c - /sys/kernel/debug/hakmem/
 *
 *   stats     one row per cache (the built-in classes, then created caches)
 *   cpus      one row per (cache, CPU) that allocated or freed anything
 *   slabs     every slab: owner CPU, use, and a map of its blocks
 *   validate  reading it checks every cache with all CPUs stopped
 *   shrink    writing 1 gives empty slabs back to the page allocator
 *   errors    refused operations by kind, and the last reports (top
 *             level: how many reports the rate limit kept out of the log)
 *   sites     top allocation call sites by live objects and by allocations
 *   frag      utilisation, slabs by fullness, longest free runs (and in a
 *             cache's directory each slab's)
 *   debug     the debug switches: read them, or write "poison=1 track=1"
 *   policy    the fit policy: read it, or write first|next|near|best|default
 *             (top level: for the caches created later too)
 *   learn     the policy learner: state, choice, ratings; write on [SEED],
 *             freeze or off (bitmap-mode caches)
 *   adaptive  hybrid caches: adaptive or not, contexts by path, switches;
 *             write 1 or 0
 *   <cache>/  the same files for one cache made by hakmem_cache_create()
 *
 * Readers run while other CPUs allocate.  Counters are read with READ_ONCE
 * (common/hm_stats.c), so a row is a few operations behind at worst.  The
 * slab walks (slabs, frag) hold the cache lock for one slab at a time,
 * which keeps that slab's memory alive while its map is read, and print
 * without it (hm_frag_walk()); the owner-private words they read (free
 * bitmaps, free lists) may be changing underneath and are only displayed,
 * never acted upon, and list walks are bounded by the slab's block count.
 */
#define pr_fmt(fmt) "hakmem: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "hakmem_cmd.h"
#include "hakmem_internal.h"
#include "hm_debug.h"
#include "hm_fit.h"
#include "hm_learn.h"
#include "hm_adapt.h"
#include "hm_frag.h"
#include "hm_report.h"
#include "hm_stats.h"

static struct dentry *hakmem_dir;

struct hm_seq_printer {
	struct hm_printer pr;
	struct seq_file *m;
};

static __printf(2, 3) void hm_seq_printf(struct hm_printer *pr, const char *fmt, ...)
{
	struct hm_seq_printer *sp = container_of(pr, struct hm_seq_printer, pr);
	va_list ap;

	va_start(ap, fmt);
	seq_vprintf(sp->m, fmt, ap);
	va_end(ap);
}

#define HM_SEQ_PRINTER(seq)	{ .pr = { .printf = hm_seq_printf }, .m = (seq) }

/* The cache a file is about, or NULL for the top-level files (all). */
static struct hakmem_cache *hakmem_file_cache(struct seq_file *m)
{
	return m->private;
}

/* ---- stats, cpus ----------------------------------------------------- */

/*
 * The name column is as wide as the longest label the file shows
 * (hm_stats_name_width()), 16 at least: the labels are read before the
 * header under the same hold of hakmem_list_lock, which keeps the list
 * (or of hakmem_mutex: the slabs file).  The slabs, debug, policy,
 * learn and adaptive files have no header; their name column is the cache names'.
 * A cache's name never changes; a row of cpus is "<name>@cpu<n>[-irq]",
 * and its column is as wide as the longest such label of the caches
 * listed, of the highest possible CPU, row or not: a context whose first
 * allocation comes between the two passes has its room too.
 */
static unsigned int hakmem_stats_width(struct hakmem_cache *only, bool cpus)
{
	struct hakmem_cache *hc;
	unsigned int width = 0;
	char label[HM_NAME_LEN + 24];

	list_for_each_entry(hc, &hakmem_caches, list) {
		if (only && hc != only)
			continue;
		if (cpus)
			snprintf(label, sizeof(label), "%s@cpu%u-irq", hc->c->name,
				 nr_cpu_ids - 1);
		else
			strscpy(label, hc->c->name, sizeof(label));
		width = hm_stats_name_width(width, label);
	}
	return width;
}

/* what hakmem_show_lines() prints */
#define HAKMEM_TABLE		1	/* the stats table's header first */
#define HAKMEM_CPU_ROWS		2	/* rows of "<name>@cpu<n>[-irq]" labels */

/*
 * The files of a line (or a few) per cache: @line prints @only's, or at
 * the top level every cache's in list order, under hakmem_list_lock, in
 * a name column as wide as the labels (hakmem_stats_width()), 16 at
 * least.  Return: that width, for a line the caller adds.
 */
static unsigned int hakmem_show_lines(struct seq_file *m, unsigned int flags,
				      void (*line)(struct hakmem_cache *hc, struct hm_printer *pr,
						   unsigned int width))
{
	struct hakmem_cache *only = hakmem_file_cache(m), *hc;
	struct hm_seq_printer sp = HM_SEQ_PRINTER(m);
	unsigned int width;

	spin_lock(&hakmem_list_lock);
	width = hakmem_stats_width(only, flags & HAKMEM_CPU_ROWS);
	width = hm_stats_name_width(width, NULL);
	if (flags & HAKMEM_TABLE)
		hm_stats_print_header(&sp.pr, width);
	list_for_each_entry(hc, &hakmem_caches, list)
		if (!only || hc == only)
			line(hc, &sp.pr, width);
	spin_unlock(&hakmem_list_lock);
	return width;
}

static void hakmem_stats_line(struct hakmem_cache *hc, struct hm_printer *pr,
			      unsigned int width)
{
	struct hm_stats st;

	hm_cache_stats(hc->c, &st);
	hm_stats_print(pr, width, hc->c->name, hm_mode_name(hc->c->mode),
		       hc->c->obj_size, &st);
}

static int hakmem_stats_show(struct seq_file *m, void *v)
{
	hakmem_show_lines(m, HAKMEM_TABLE, hakmem_stats_line);
	return 0;
}

static void hakmem_cpus_line(struct hakmem_cache *hc, struct hm_printer *pr,
			     unsigned int width)
{
	struct hm_stats st;
	unsigned int cpu, i;

	for (i = 0; i < 2 * nr_cpu_ids; i++) {
		char label[HM_NAME_LEN + 24];
		bool irq = i % 2;

		cpu = i / 2;
		if (!cpu_possible(cpu))
			continue;
		hm_cctx_stats(hakmem_cpu_cctx(hc, cpu, irq), &st);
		if (!st.allocs && !st.frees)
			continue;
		/*
		 * A context's allocations minus its frees; negative
		 * (shown as 0) where it freed what others allocated.
		 */
		st.objs_inuse = st.allocs > st.frees ? st.allocs - st.frees : 0;
		snprintf(label, sizeof(label), "%s@cpu%u%s", hc->c->name, cpu,
			 irq ? "-irq" : "");
		hm_stats_print(pr, width, label, hm_mode_name(hc->c->mode),
			       hc->c->obj_size, &st);
	}
}

static int hakmem_cpus_show(struct seq_file *m, void *v)
{
	hakmem_show_lines(m, HAKMEM_TABLE | HAKMEM_CPU_ROWS, hakmem_cpus_line);
	return 0;
}

/* ---- slabs ----------------------------------------------------------- */

#define HM_MAP_COLS	64

static const char *const hakmem_list_names[] = {
	[HM_LIST_NONE] = "none", [HM_LIST_ACTIVE] = "active",
	[HM_LIST_PARTIAL] = "partial", [HM_LIST_FULL] = "full",
	[HM_LIST_EMPTY] = "empty", [HM_LIST_POOL] = "pool",
	[HM_LIST_PARKED] = "parked",
};

/* what the walk reads of a slab under the cache lock, printed without it */
struct hakmem_slab_line {
	struct seq_file *m;
	bool owned;
	u32 owner_id;
	unsigned int list;
	unsigned int width;	/* the name column's */
};

static void hakmem_slab_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			     const char *map, void *arg)
{
	struct hakmem_slab_line *l = arg;
	struct hm_cctx *owner = READ_ONCE(s->owner);

	l->owned = owner;
	l->owner_id = owner ? READ_ONCE(owner->ctx_id) : 0;
	l->list = READ_ONCE(s->list);
}

static void hakmem_slab_print(struct hm_cache *c, const struct hm_frag_slab *fs,
			      const char *map, void *arg)
{
	struct hakmem_slab_line *l = arg;
	struct seq_file *m = l->m;
	unsigned int i;

	/* slabs are numbered in list order: addresses would be hashed */
	seq_printf(m, "%-*s %-8s slab %-4u owner ", (int)l->width, c->name,
		   hm_mode_name(c->mode), fs->nr);
	if (l->owned)
		seq_printf(m, "%-8s", HM_CTX(l->owner_id));
	else
		seq_puts(m, "-      ");
	seq_printf(m, " inuse %5u/%-5u %s\n", fs->live, fs->nblocks,
		   l->list < ARRAY_SIZE(hakmem_list_names) ? hakmem_list_names[l->list] : "?");
	for (i = 0; i < fs->nblocks; i += HM_MAP_COLS) {
		int cols = min_t(int, HM_MAP_COLS, fs->nblocks - i);

		seq_printf(m, "  %.*s\n", cols, map + i);
	}
}

/* the cache lock is held for one slab at a time (hm_frag_walk()) */
static void hakmem_slabs_one(struct seq_file *m, struct hakmem_cache *hc, char *map,
			     unsigned int width)
{
	struct hakmem_slab_line l = { .m = m, .width = width };

	hm_frag_walk(hc->c, map, hakmem_slab_held, hakmem_slab_print, &l);
}

/*
 * A walk of slabs, for @only or for every cache: it may take a while, so
 * not under hakmem_list_lock, a spinlock.  The top level holds
 * hakmem_mutex, which keeps the list as it is and lets the walk be
 * preempted.  A cache's own file needs neither: its cache lives until the
 * read ends (hakmem_debugfs_remove() waits for it), and hakmem_mutex
 * there would deadlock with a destroy that holds it and waits so.
 */
static void hakmem_walk_caches(struct hakmem_cache *only,
			       void (*fn)(struct hakmem_cache *hc, void *arg), void *arg)
{
	struct hakmem_cache *hc;

	if (only) {
		fn(only, arg);
		return;
	}
	mutex_lock(&hakmem_mutex);
	list_for_each_entry(hc, &hakmem_caches, list)
		fn(hc, arg);
	mutex_unlock(&hakmem_mutex);
}

struct hakmem_walk_arg {
	struct seq_file *m;
	struct hm_seq_printer *sp;
	char *map;
	struct hm_site_stat *top;
	bool slabs;
	unsigned int width;	/* the slabs file's name column; 0: not yet */
};

/*
 * The name column is the names' (hakmem_stats_width()) of the caches the
 * walk goes through: found on the first, at the top level under the
 * walk's hakmem_mutex, which keeps the list as it is until the last.
 */
static void hakmem_slabs_each(struct hakmem_cache *hc, void *arg)
{
	struct hakmem_walk_arg *a = arg;

	if (!a->width)
		a->width = hakmem_file_cache(a->m) ? hm_stats_name_width(0, hc->c->name) :
			   hakmem_stats_width(NULL, false);
	hakmem_slabs_one(a->m, hc, a->map, a->width);
}

static int hakmem_slabs_show(struct seq_file *m, void *v)
{
	struct hakmem_walk_arg a = { .m = m };

	/* at most HM_SLAB_SIZE / HM_MIN_OBJ_SIZE blocks in a slab */
	a.map = kmalloc(HM_MAP_MAX, GFP_KERNEL);
	if (!a.map)
		return -ENOMEM;
	seq_puts(m, "# X allocated, . free, c cached in a magazine, r freed remotely (not yet collected)\n");
	hakmem_walk_caches(hakmem_file_cache(m), hakmem_slabs_each, &a);
	kfree(a.map);
	return 0;
}

/* ---- validate -------------------------------------------------------- */

static int hakmem_validate_show(struct seq_file *m, void *v)
{
	struct hm_seq_printer sp = HM_SEQ_PRINTER(m);
	long problems;

	problems = hakmem_validate_all(hakmem_file_cache(m), &sp.pr);
	if (problems)
		seq_printf(m, "%ld problems\n", problems);
	else
		seq_puts(m, "ok\n");
	return 0;
}

/* ---- shrink ---------------------------------------------------------- */

static unsigned long hakmem_last_shrunk;

/* at the top level every cache's, in a cache's directory its own */
static int hakmem_shrink_show(struct seq_file *m, void *v)
{
	struct hakmem_cache *hc = hakmem_file_cache(m);

	seq_printf(m, "%lu slabs released by the last write, %lu reclaimable now\n",
		   hc ? READ_ONCE(hc->last_shrunk) : READ_ONCE(hakmem_last_shrunk),
		   hc ? READ_ONCE(hc->c->npool) + hm_atomic_read(&hc->c->nreserve) :
		   hakmem_reclaimable());
	return 0;
}

/*
 * Only "1" (with an optional newline) is accepted; anything else, "+1" and
 * "01" too (which kstrtouint() takes): -EINVAL.
 */
static int hakmem_shrink_cmd(struct hakmem_cache *only, const char *text)
{
	if (!sysfs_streq(text, "1"))
		return -EINVAL;
	if (only)
		WRITE_ONCE(only->last_shrunk, hm_cache_shrink(only->c));
	else
		WRITE_ONCE(hakmem_last_shrunk, hakmem_shrink_all());
	return 0;
}

/* ---- errors, sites, frag, debug --------------------------------------- */

/* per cache: quarantined blocks, cross-owner frees, tracking memory */
static void hakmem_errors_line(struct hakmem_cache *hc, struct hm_printer *pr,
			       unsigned int width)
{
	hm_debug_counts_print(hc->c, pr);
}

static int hakmem_errors_show(struct seq_file *m, void *v)
{
	struct hakmem_cache *only = hakmem_file_cache(m);
	struct hakmem_report_counts rc;
	struct hm_err_entry *log;
	unsigned int e, n, i;

	for (e = 0; e < HM_ERR_NR; e++)
		seq_printf(m, "%-28s %lu\n", hm_error_name(e),
			   only ? hm_atomic_read(&only->c->errors[e]) : hm_errors(e));
	hakmem_show_lines(m, 0, hakmem_errors_line);
	/* the kernel log's rate limits: the cache's, or every cache's (the top level) */
	if (only)
		hakmem_cache_report_counts(only, -1, &rc);
	else
		hakmem_report_counts(-1, &rc);
	seq_printf(m, "# reports printed %lu, not printed (rate limit) %lu, not announced yet %lu\n",
		   rc.printed, rc.limited, rc.pending);
	log = kmalloc_array(HM_ERR_LOG, sizeof(*log), GFP_KERNEL);
	if (!log)
		return -ENOMEM;
	n = hm_report_log_copy(log);
	seq_puts(m, "# last reports: seq kind cache pointer slab cpu caller\n");
	for (i = 0; i < n; i++) {
		if (only && log[i].cache_id != only->c->id)
			continue;
		seq_printf(m, "%lu %s %s ", log[i].seq, hm_error_name(log[i].kind),
			   log[i].cache);
		/* a bad size's "pointer" is the value at fault: not hashed */
		if (log[i].kind == HM_ERR_BAD_SIZE)
			seq_printf(m, "%lu", log[i].ptr);
		else
			seq_printf(m, "%p", (void *)log[i].ptr);
		seq_printf(m, " %p " HM_CTX_FMT " %pS\n", (void *)log[i].slab,
			   HM_CTX(log[i].ctx), (void *)log[i].ip);
		if (log[i].kind == HM_ERR_USE_AFTER_FREE)
			seq_printf(m, "  first changed byte at offset %u\n", log[i].offset);
		/* tracking's history of the block, when it was on: context ids */
		if (log[i].alloc_ip)
			seq_printf(m, "  allocated " HM_CTX_FMT " %pS %llu ns before\n",
				   HM_CTX(log[i].alloc_ctx), (void *)log[i].alloc_ip,
				   log[i].alloc_age_ns);
		if (log[i].free_ip)
			seq_printf(m, "  freed " HM_CTX_FMT " %pS %llu ns before\n",
				   HM_CTX(log[i].free_ctx), (void *)log[i].free_ip,
				   log[i].free_age_ns);
	}
	kfree(log);
	return 0;
}

static void hakmem_sites_each(struct hakmem_cache *hc, void *arg)
{
	struct hakmem_walk_arg *a = arg;

	hm_sites_print(hc->c, &a->sp->pr, a->top);
}

/* live objects are counted in the records: a walk of the slabs */
static int hakmem_sites_show(struct seq_file *m, void *v)
{
	struct hm_seq_printer sp = HM_SEQ_PRINTER(m);
	struct hakmem_walk_arg a = { .m = m, .sp = &sp };

	a.top = kmalloc_array(HM_SITES_TOP, sizeof(*a.top), GFP_KERNEL);
	if (!a.top)
		return -ENOMEM;
	hakmem_walk_caches(hakmem_file_cache(m), hakmem_sites_each, &a);
	kfree(a.top);
	return 0;
}

static void hakmem_frag_each(struct hakmem_cache *hc, void *arg)
{
	struct hakmem_walk_arg *a = arg;

	hm_frag_print(hc->c, &a->sp->pr, a->map, a->slabs);
}

static int hakmem_frag_show(struct seq_file *m, void *v)
{
	struct hakmem_cache *only = hakmem_file_cache(m);
	struct hm_seq_printer sp = HM_SEQ_PRINTER(m);
	/* a cache's own file: a line per slab; the top level: the figures */
	struct hakmem_walk_arg a = { .m = m, .sp = &sp, .slabs = !!only };

	a.map = kmalloc(HM_MAP_MAX, GFP_KERNEL);
	if (!a.map)
		return -ENOMEM;
	hakmem_walk_caches(only, hakmem_frag_each, &a);
	kfree(a.map);
	return 0;
}

static void hakmem_debug_line(struct hakmem_cache *hc, struct hm_printer *pr,
			      unsigned int width)
{
	unsigned int d = READ_ONCE(hc->c->debug);

	hm_print(pr, "%-*s poison=%u track=%u xowner=%u checks=%u\n", (int)width,
		 hc->c->name, !!(d & HM_DBG_POISON), !!(d & HM_DBG_TRACK),
		 !!(d & HM_DBG_FLAG_XOWNER), !!(d & HM_DBG_CHECKS));
}

static int hakmem_debug_show(struct seq_file *m, void *v)
{
	hakmem_show_lines(m, 0, hakmem_debug_line);
	return 0;
}

/*
 * Serializes changes of the debug switches, as hm_cache_set_debug()
 * wants.  A cache's own debug file takes this mutex only, never
 * hakmem_mutex: a destroy holds that one while it waits for the users of
 * the cache's files (hakmem_debugfs_remove()).  The top-level file takes
 * hakmem_mutex first (the list, hakmem_debug_global), then this one.
 */
static DEFINE_MUTEX(hakmem_debug_mutex);

/*
 * The words of @text applied to @hc's switches; with @set false, only
 * checked: -EINVAL if the cache would be left with a bad set (xowner
 * without track).  Context: hakmem_debug_mutex held.
 */
static int hakmem_debug_one(struct hakmem_cache *hc, const char *text, bool set)
{
	unsigned int flags;
	bool ok;

	lockdep_assert_held(&hakmem_debug_mutex);
	flags = hm_debug_parse(text, READ_ONCE(hc->c->debug), &ok);
	if (!hm_debug_flags_valid(flags))
		return -EINVAL;
	if (set && hm_cache_set_debug(hc->c, flags, GFP_KERNEL))
		return -EINVAL;
	return 0;
}

/* hakmem_debug_one() on every cache.  Context: both mutexes held. */
static int hakmem_debug_each(const char *text, bool set)
{
	struct hakmem_cache *hc;
	int ret = 0;

	lockdep_assert_held(&hakmem_mutex);
	list_for_each_entry(hc, &hakmem_caches, list) {
		ret = hakmem_debug_one(hc, text, set) ? : ret;
		if (ret && !set)
			break;
	}
	return ret;
}

/*
 * "poison=1 track=0 xowner=1 checks=0" in any order and subset, each
 * switch once, or "all=0|1" or "off" alone; at the top level for every
 * cache.  Text with anything else, a switch named twice, or that would
 * leave a cache with xowner but not track: -EINVAL, nothing changed.
 * Sleeps (debug memory, the static key).
 */
static int hakmem_debug_cmd(struct hakmem_cache *only, const char *text)
{
	unsigned int global;
	bool ok;
	int ret;

	hm_debug_parse(text, 0, &ok);
	if (!ok)
		return -EINVAL;
	if (only) {
		mutex_lock(&hakmem_debug_mutex);
		ret = hakmem_debug_one(only, text, true);
		mutex_unlock(&hakmem_debug_mutex);
		return ret;
	}
	mutex_lock(&hakmem_mutex);	/* keeps the list as it is */
	mutex_lock(&hakmem_debug_mutex);
	/* for caches created from now on too */
	global = hm_debug_parse(text, hakmem_debug_global, &ok);
	/* all or nothing: checked in every cache first */
	ret = hm_debug_flags_valid(global) ? hakmem_debug_each(text, false) : -EINVAL;
	if (!ret) {
		ret = hakmem_debug_each(text, true);
		hakmem_debug_global = global;
	}
	mutex_unlock(&hakmem_debug_mutex);
	mutex_unlock(&hakmem_mutex);
	return ret;
}

/* ---- policy ---------------------------------------------------------- */

static void hakmem_policy_line(struct hakmem_cache *hc, struct hm_printer *pr,
			       unsigned int width)
{
	hm_print(pr, "%-*s %-8s %s\n", (int)width, hc->c->name, hm_mode_name(hc->c->mode),
		 hm_fit_name(READ_ONCE(hc->c->fit)));
}

/*
 * A line per cache; at the top level, last, the policy new caches get
 * (its label is narrower than the column's 16 at least).
 */
static int hakmem_policy_show(struct seq_file *m, void *v)
{
	unsigned int width = hakmem_show_lines(m, 0, hakmem_policy_line);

	if (!hakmem_file_cache(m))
		seq_printf(m, "%-*s %-8s %s\n", (int)width, "(new caches)", "-",
			   hm_fit_name(READ_ONCE(hakmem_policy_global)));
	return 0;
}

/*
 * One policy name (common/hm_fit.c); anything else: -EINVAL, no change.
 * At the top level for every cache and for the caches created from now
 * on: under hakmem_mutex, which hakmem_cache_create() holds from the
 * policy it gives a cache until the cache is listed, so none is missed.
 * A cache's own file must not take it (see hakmem_debug_mutex).
 */
static int hakmem_policy_cmd(struct hakmem_cache *only, const char *text)
{
	struct hakmem_cache *hc;
	enum hm_fit fit;

	if (!hm_fit_parse(text, &fit))
		return -EINVAL;
	if (only) {
		hm_cache_set_fit(only->c, fit);
		return 0;
	}
	mutex_lock(&hakmem_mutex);
	WRITE_ONCE(hakmem_policy_global, fit);
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list)
		hm_cache_set_fit(hc->c, fit);
	spin_unlock(&hakmem_list_lock);
	mutex_unlock(&hakmem_mutex);
	return 0;
}

static void hakmem_learn_line(struct hakmem_cache *hc, struct hm_printer *pr,
			      unsigned int width)
{
	hm_learn_print(hc->c, pr, width);
}

static int hakmem_learn_show(struct seq_file *m, void *v)
{
	hakmem_show_lines(m, 0, hakmem_learn_line);
	return 0;
}

/* every cache, for hm_learn_all(); the caller holds hakmem_mutex */
static void hakmem_learn_walk(void (*fn)(struct hm_cache *c, void *fn_arg), void *fn_arg,
			      void *unused)
{
	struct hakmem_cache *hc;

	list_for_each_entry(hc, &hakmem_caches, list)
		fn(hc->c, fn_arg);
}

/*
 * "on", "on SEED", "freeze" or "off"; at the top level for every cache in
 * bitmap mode, all or none.  Anything else, a cache in another mode, or a
 * freeze where a cache never learned: -EINVAL; no memory for the new
 * learners (or a cache's own): -ENOMEM; nothing changed.  Sleeps (the
 * learners' memory), so the top level walks the list under hakmem_mutex;
 * a cache's own file must not take it (see hakmem_debug_mutex), and needs
 * no lock: hm_cache_learn() takes the cache's.
 */
static int hakmem_learn_cmd(struct hakmem_cache *only, const char *text)
{
	enum hm_learn_state st;
	u32 seed;
	int r;

	if (!hm_learn_parse(text, &st, &seed))
		return -EINVAL;
	if (only) {
		r = hm_cache_learn(only->c, st, seed);
	} else {
		mutex_lock(&hakmem_mutex);
		r = hm_learn_all(hakmem_learn_walk, NULL, st, seed);
		mutex_unlock(&hakmem_mutex);
	}
	return r == HM_LEARN_NOMEM ? -ENOMEM : r ? -EINVAL : 0;
}

static void hakmem_adaptive_line(struct hakmem_cache *hc, struct hm_printer *pr,
				 unsigned int width)
{
	hm_adapt_print(hc->c, pr, width);
}

static int hakmem_adaptive_show(struct seq_file *m, void *v)
{
	hakmem_show_lines(m, 0, hakmem_adaptive_line);
	return 0;
}

/*
 * "1" or "0" (with an optional newline); at the top level for every hybrid
 * cache.  Else, "+1" and "01" too: -EINVAL.
 */
static int hakmem_adaptive_cmd(struct hakmem_cache *only, const char *text)
{
	struct hakmem_cache *hc;
	bool val;
	int ret = 0;

	if (sysfs_streq(text, "1"))
		val = true;
	else if (sysfs_streq(text, "0"))
		val = false;
	else
		return -EINVAL;
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		if (only ? hc != only : hc->c->mode != HM_MODE_HYBRID)
			continue;
		if (hm_cache_set_adaptive(hc->c, val))
			ret = -EINVAL;
	}
	spin_unlock(&hakmem_list_lock);
	return ret;
}

/* ---- the files -------------------------------------------------------- */

struct hakmem_dbg_file {
	const char *name;
	int (*show)(struct seq_file *m, void *v);
	int (*cmd)(struct hakmem_cache *only, const char *text);
};

static const struct hakmem_dbg_file hakmem_dbg_files[] = {
	{ "stats", hakmem_stats_show },
	{ "cpus", hakmem_cpus_show },
	{ "slabs", hakmem_slabs_show },
	{ "validate", hakmem_validate_show },
	{ "shrink", hakmem_shrink_show, hakmem_shrink_cmd },
	{ "errors", hakmem_errors_show },
	{ "sites", hakmem_sites_show },
	{ "frag", hakmem_frag_show },
	{ "debug", hakmem_debug_show, hakmem_debug_cmd },
	{ "policy", hakmem_policy_show, hakmem_policy_cmd },
	{ "learn", hakmem_learn_show, hakmem_learn_cmd },
	{ "adaptive", hakmem_adaptive_show, hakmem_adaptive_cmd },
};

static const struct hakmem_dbg_file *hakmem_dbg_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hakmem_dbg_files); i++)
		if (!strcmp(hakmem_dbg_files[i].name, name))
			return &hakmem_dbg_files[i];
	return NULL;
}

static int hakmem_dbg_open(struct inode *inode, struct file *file)
{
	const struct hakmem_dbg_file *f = hakmem_dbg_find(file->f_path.dentry->d_name.name);

	if (!f)
		return -ENOENT;
	return single_open(file, f->show, inode->i_private);
}

#define HAKMEM_CMD_MAX	64

static ssize_t hakmem_dbg_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	const struct hakmem_dbg_file *f = hakmem_dbg_find(file->f_path.dentry->d_name.name);
	struct seq_file *m = file->private_data;
	char text[HAKMEM_CMD_MAX];
	int ret;

	if (!f || !f->cmd)
		return -EINVAL;
	ret = hakmem_cmd_copy(text, sizeof(text), ubuf, len, *ppos);
	if (ret)
		return ret;
	ret = f->cmd(m->private, text);
	return ret ? ret : len;
}

static const struct file_operations hakmem_dbg_ro_fops = {
	.owner = THIS_MODULE,
	.open = hakmem_dbg_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations hakmem_dbg_rw_fops = {
	.owner = THIS_MODULE,
	.open = hakmem_dbg_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = hakmem_dbg_write,
	.release = single_release,
};

/**
 * hakmem_debugfs_read() - render a debugfs file into a buffer
 * @hc: the cache of a per-cache file, or NULL for the top-level file
 * @name: the name of a file of hakmem_dbg_files[] ("stats", "errors", ...)
 * @buf: where to put the text, NUL-terminated
 * @size: bytes at @buf
 *
 * The same code a read(2) of the file runs, without the VFS: kernel_read()
 * cannot read debugfs files (their proxy has no ->read_iter), so the KUnit
 * cases use this.  Context: may sleep (validate stops the machine).
 * Return: the length of the text, or a negative errno: -EINVAL for a
 * NULL, ERR_PTR() or unknown @name (as hakmem_debugfs_add_file()), a
 * NULL @buf or a zero @size; -EOVERFLOW when @size is too small.
 */
ssize_t hakmem_debugfs_read(struct hakmem_cache *hc, const char *name, char *buf,
			    size_t size)
{
	struct seq_file m = { .buf = buf, .size = size, .private = hc };
	const struct hakmem_dbg_file *f;
	int ret;

	if (IS_ERR_OR_NULL(name) || !buf || !size)
		return -EINVAL;
	f = hakmem_dbg_find(name);
	if (!f)
		return -EINVAL;
	ret = f->show(&m, NULL);
	if (ret)
		return ret;
	if (m.count >= size)
		return -EOVERFLOW;
	buf[m.count] = '\0';
	return m.count;
}
EXPORT_SYMBOL_NS_GPL(hakmem_debugfs_read, HAKMEM_NS);

/**
 * hakmem_debugfs_write() - what a write(2) of @text to a debugfs file does
 * @hc: the cache of a per-cache file, or NULL for the top-level file
 * @name: the file
 * @text: NUL-terminated, as written
 *
 * Return: 0, or -EINVAL for a NULL, ERR_PTR() or unknown @name (as
 * hakmem_debugfs_add_file()), a read-only file, a NULL or ERR_PTR()
 * @text, or text the file does not accept, or the command's own error
 * (learn: -ENOMEM); nothing changed on any error.
 */
int hakmem_debugfs_write(struct hakmem_cache *hc, const char *name, const char *text)
{
	const struct hakmem_dbg_file *f;

	if (IS_ERR_OR_NULL(name) || IS_ERR_OR_NULL(text))
		return -EINVAL;
	f = hakmem_dbg_find(name);
	if (!f || !f->cmd || strlen(text) >= HAKMEM_CMD_MAX)
		return -EINVAL;
	return f->cmd(hc, text);
}
EXPORT_SYMBOL_NS_GPL(hakmem_debugfs_write, HAKMEM_NS);

/* ---- directories ----------------------------------------------------- */

static void hakmem_debugfs_files(struct dentry *dir, struct hakmem_cache *hc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hakmem_dbg_files); i++) {
		const struct hakmem_dbg_file *f = &hakmem_dbg_files[i];

		debugfs_create_file(f->name, f->cmd ? 0644 : 0444, dir, hc,
				    f->cmd ? &hakmem_dbg_rw_fops : &hakmem_dbg_ro_fops);
	}
}

int hakmem_debugfs_init(void)
{
	hakmem_dir = debugfs_create_dir("hakmem", NULL);
	hakmem_debugfs_files(hakmem_dir, NULL);
	/* fail_chunk/: with CONFIG_FAULT_INJECTION_DEBUG_FS only */
	hakmem_fail_chunk_debugfs(hakmem_dir);
	return 0;
}

void hakmem_debugfs_exit(void)
{
	debugfs_remove_recursive(hakmem_dir);
	hakmem_dir = NULL;
}

/**
 * hakmem_debugfs_add_file() - a companion module's file in hakmem/
 * @name: the file's name under /sys/kernel/debug/hakmem/
 * @fops: its operations (owner set: the file pins its module while open)
 *
 * The caller removes the file with debugfs_remove() before it unloads.
 * A NULL, ERR_PTR() or empty @name is refused with -EINVAL (debugfs
 * would dereference the first two), a name taken (a file or a cache's
 * directory) with debugfs' -EEXIST; nothing is created either way.
 *
 * Return: the file, or an ERR_PTR() (also when debugfs is not there).
 */
struct dentry *hakmem_debugfs_add_file(const char *name,
				       const struct file_operations *fops)
{
	struct dentry *d;

	/* no cache, no report kind: the call site's rate limit */
	if (IS_ERR_OR_NULL(name) || !*name) {
		pr_err_ratelimited("%s: no file name (%p), caller %pS\n", __func__, name,
				   (void *)_RET_IP_);
		return ERR_PTR(-EINVAL);
	}
	if (IS_ERR_OR_NULL(hakmem_dir))
		return ERR_PTR(-ENOENT);
	d = debugfs_create_file(name, 0644, hakmem_dir, NULL, fops);
	if (IS_ERR(d))
		pr_err_ratelimited("cannot create /sys/kernel/debug/hakmem/%s\n", name);
	return d;
}
EXPORT_SYMBOL_GPL(hakmem_debugfs_add_file);

/*
 * The files the companion modules add to hakmem/ when they load
 * (hakmem_debugfs_add_file()): a cache's directory must not take their
 * names meanwhile, or hakmem_bench and hakmem_stress would fail to load
 * (-EEXIST) and hakmem_client would run without its file.
 */
static const char *const hakmem_companion_files[] = { "bench", "client", "stress" };

/*
 * Is @name no directory name of its own in hakmem/ (taken, reserved for a
 * companion module's file, or a dot name)?
 */
static bool hakmem_debugfs_taken(const char *name)
{
	struct dentry *d;

	if (!name[0] || !strcmp(name, ".") || !strcmp(name, ".."))
		return true;
	if (match_string(hakmem_companion_files, ARRAY_SIZE(hakmem_companion_files),
			 name) >= 0)
		return true;
	/* any entry: a cache's directory, a file, fail_chunk/, a module's file */
	d = debugfs_lookup(name, hakmem_dir);
	dput(d);
	return d;
}

/**
 * hakmem_debugfs_add() - the directory of a created cache
 * @hc: the cache, not yet on hakmem_caches
 *
 * Named after the cache ('/' replaced by '_'); when that name is taken in
 * hakmem/ (a namesake, a file) or cannot be one, the cache's unique id is
 * appended, and when that is taken too (a cache named so) a count after
 * it.  Context: hakmem_mutex held.
 */
void hakmem_debugfs_add(struct hakmem_cache *hc)
{
	char name[HM_NAME_LEN + 32];
	unsigned int n;

	lockdep_assert_held(&hakmem_mutex);
	if (IS_ERR_OR_NULL(hakmem_dir))
		return;
	strscpy(name, hc->c->name, sizeof(name));
	strreplace(name, '/', '_');
	for (n = 0; hakmem_debugfs_taken(name) && n < 100; n++) {
		if (n)
			snprintf(name, sizeof(name), "%s-%llu.%u", hc->c->name, hc->c->id, n);
		else
			snprintf(name, sizeof(name), "%s-%llu", hc->c->name, hc->c->id);
		strreplace(name, '/', '_');
	}
	hc->dir = debugfs_create_dir(name, hakmem_dir);
	if (IS_ERR(hc->dir)) {
		hc->dir = NULL;
		return;
	}
	hakmem_debugfs_files(hc->dir, hc);
}

/* Context: hakmem_mutex held; waits until no reader uses the files. */
void hakmem_debugfs_remove(struct hakmem_cache *hc)
{
	debugfs_remove_recursive(hc->dir);
	hc->dir = NULL;
}
