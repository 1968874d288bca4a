// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_stress.c - in-kernel stress test of hakmem_slab: one kthread per
 * online CPU allocating and freeing at random, most frees on the CPU that
 * allocated, a share on another CPU.
 *
 * A module of its own (hakmem_stress.ko), like hakmem_bench.ko: loading it
 * adds /sys/kernel/debug/hakmem/stress to hakmem_slab's directory.
 *
 *   echo "ops=1000000 mode=hybrid" > /sys/kernel/debug/hakmem/stress
 *   cat /sys/kernel/debug/hakmem/stress
 *
 * A write runs the whole test and returns when it is done: 0 (the length
 * written) when every check passed, -EIO when one failed, -EINVAL for text
 * it does not understand (nothing runs), -EBUSY while a run is going on.
 * A read prints the last result ("result=pass ..." or "result=FAIL ...")
 * with one row per kind of object and per CPU, and "# running" during a
 * run.  Words (any subset, any order, blanks or commas between them):
 *
 *   ops=N      allocations + frees in all, split over the CPUs (1000000)
 *   mode=M     bitmap, freelist, hybrid or all: the slab design of the
 *              created caches (all: a set in each design at once); by
 *              default the built-in classes' (hakmem_slab's mode=)
 *   seed=N     the per-CPU random sequences (seed + CPU index); default
 *              random, printed in the result to repeat a run
 *   remote=P   percent of frees handed to another CPU (25)
 *   faults=1   chunk faults are expected (fail_chunk/ set up by the
 *              caller): allocations may return NULL; afterwards fault
 *              injection is switched off and every kind must allocate
 *              again, with new slabs (needs CONFIG_FAULT_INJECTION)
 *   run        nothing but the defaults
 *
 * Each worker keeps a table of HS_SLOTS objects.  A step picks a slot at
 * random: an empty slot gets an object, a full one is freed (checked
 * first), or with probability remote/100 handed to another worker through
 * that worker's llist inbox, carried by a message allocated from a hakmem
 * cache; the receiver checks and frees both (remote frees, from the
 * allocator's point of view).  Objects: the eight built-in classes through
 * hakmem_alloc()/hakmem_free() (sizes uniform over the classes and within
 * each), large objects (1/128 of the allocations, up to 16 KiB), and caches
 * made with hakmem_cache_create() in the mode under test, 8 to 4096 bytes,
 * some aligned, freelist ones partly with HAKMEM_CHECKS; 1/256 of the steps
 * are a bulk allocation of 2-16 objects freed with one bulk free; 1/16 of
 * the allocations ask for __GFP_ZERO, and the object must be zero.  Every
 * object is filled with a pattern from a per-object tag and checked before
 * it is freed.  Every HS_BURST_EVERY steps a worker allocates twice a
 * slab's worth of one kind (at most HS_BURST_MAX) and frees it all, and
 * every HS_SHRINK_EVERY steps the first worker gives the empty slabs back
 * (hakmem_shrink_all(), the shrinker's work): new slabs keep being needed,
 * so fault injection hits slabs, not only large objects.
 *
 * An interrupt share runs beside each worker: a hard-interrupt timer on
 * its CPU every HS_IRQ_PERIOD_NS does HS_IRQ_STEPS steps on a table of its
 * own (classes and caches, GFP_ATOMIC), so the CPUs' interrupt contexts
 * allocate and free while the task contexts are busy, and what the timer
 * leaves is freed by the worker: remote frees from task into interrupt
 * context.  NULLs there count as NULLs, but GFP_ATOMIC may fail without
 * faults=1 too.
 *
 * At the end every worker frees its table and drains its inbox until all
 * are done.  Then the test requires: no pattern mismatch; no NULL unless
 * faults=1; as many frees as allocations of every kind; the caches'
 * allocation failures (alloc_fail) equal to the NULLs seen; no object in
 * use in a class (compared with the start: nothing else may use the
 * classes meanwhile) or cache; hakmem_validate_all() without a problem;
 * no refused operation (errors) in any class or cache; and every cache
 * destroyed with no object left.
 */
#define pr_fmt(fmt) "hakmem_stress: " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "hakmem_cmd.h"
#include "hakmem_internal.h"
#include "hm_stats.h"

#define HS_SLOTS	1024		/* objects a worker keeps at most */
#define HS_MAX_OPS	4000000000UL
#define HS_CMD_MAX	128
#define HS_TEXT_SIZE	(16 * 1024)
#define HS_BULK_MAX	16
#define HS_LARGE_MAX	16384
#define HS_MAX_REPORTS	8		/* mismatches printed per run */
#define HS_RECOVER_MAX	16384		/* objects per kind in recovery */
#define HS_SHRINK_EVERY	4096		/* steps of worker 0 between shrinks */
#define HS_BURST_EVERY	2048		/* steps between bursts */
#define HS_BURST_MAX	512		/* objects in a burst */
#define HS_IRQ_SLOTS	64		/* objects the interrupt share keeps */
#define HS_IRQ_STEPS	4		/* steps per timer interrupt */
#define HS_IRQ_PERIOD_NS	(200 * NSEC_PER_USEC)

/* the created caches of one mode */
static const struct {
	unsigned int size;
	unsigned int align;
	bool checks;		/* HAKMEM_CHECKS, freelist only */
} hs_cache_defs[] = {
	{ 8, 0, false },
	{ 24, 0, false },
	{ 48, 16, false },
	{ 96, 0, true },
	{ 200, 0, false },
	{ 512, 64, false },
	{ 1000, 0, true },
	{ 2048, 0, false },
	{ 4096, 0, false },
};

#define HS_CACHES_PER_MODE	ARRAY_SIZE(hs_cache_defs)
#define HS_MAX_CACHES		(3 * HS_CACHES_PER_MODE)

static const char *const hs_mode_names[] = { "bitmap", "freelist", "hybrid" };
static const unsigned int hs_mode_flags[] = {
	HAKMEM_MODE_BITMAP, HAKMEM_MODE_FREELIST, HAKMEM_MODE_HYBRID,
};

/*
 * Kinds of objects: the classes (one kind each), large objects, then the
 * created caches.  The message cache is counted apart.
 */
enum {
	HS_K_CLASS0,
	HS_K_LARGE = HS_K_CLASS0 + HM_NR_CLASSES,
	HS_K_CACHE0,
	HS_NR_KINDS = HS_K_CACHE0 + HS_MAX_CACHES
};

struct hs_params {
	unsigned long ops;
	u64 seed;
	unsigned int remote;	/* percent */
	int mode;		/* 0..2, or 3: all */
	bool faults;
};

struct hs_obj {
	void *p;
	u32 size;		/* bytes filled */
	u16 kind;
	u32 tag;
};

struct hs_msg {
	struct llist_node node;
	struct hs_obj obj;
};

struct hs_count {
	unsigned long allocs, frees, nulls;
};

struct hs_run;

struct hs_worker {
	struct hs_run *run;
	unsigned int idx, cpu;
	struct task_struct *task;
	struct completion done;
	struct llist_head inbox;
	struct rnd_state rnd;
	struct hs_obj *slots;
	struct hs_obj *rec;	/* objects of a burst or of the recovery */
	unsigned long quota;
	/* results */
	unsigned long ops, handed, received, msg_nulls, bulk, bulk_fails;
	unsigned long zeroed, mismatches, recovered, shrinks, bursts;
	struct hs_count k[HS_NR_KINDS];
	/* the interrupt share: only its timer touches these while it runs */
	struct hrtimer irq_timer;
	struct rnd_state irq_rnd;
	bool irq_stop;
	struct hs_obj irq_slots[HS_IRQ_SLOTS];
	struct hs_count irq_k[HS_NR_KINDS];
	unsigned long irq_ops, irq_mismatches, irq_nulls;
};

struct hs_run {
	struct hs_params p;
	unsigned int nw;
	struct hs_worker *w;
	struct hakmem_cache *caches[HS_MAX_CACHES];
	unsigned int cache_size[HS_MAX_CACHES];
	char cache_name[HS_MAX_CACHES][24];
	unsigned int ncaches;
	struct hakmem_cache *msgc;
	atomic_t finished;	/* workers past their main loop */
	atomic_t reports;
	bool recovery;		/* workers run the recovery phase */
	/* results */
	u64 ns, recover_ns;
	unsigned long injected, recover_slabs, alloc_fail, problems, errors;
	unsigned long live, leaked;
	const char *why;	/* first failed check, NULL: pass */
};

static DEFINE_MUTEX(hs_run_mutex);	/* one run at a time */
static DEFINE_MUTEX(hs_text_mutex);	/* hs_text */
static char *hs_text;
static bool hs_running;
static struct dentry *hs_file;

/* ---- patterns ------------------------------------------------------------ */

static __always_inline u64 hs_word(u32 tag, size_t i)
{
	return ((u64)tag * 0x9e3779b97f4a7c15ULL) ^ ((u64)i * 0xff51afd7ed558ccdULL);
}

static void hs_fill(void *p, size_t n, u32 tag)
{
	u64 *w = p;
	size_t i, words = n / 8;

	for (i = 0; i < words; i++)
		w[i] = hs_word(tag, i);
	for (i = words * 8; i < n; i++)
		((u8 *)p)[i] = (u8)hs_word(tag, i);
}

/* the first byte that differs from the pattern, or -1 */
static long hs_check(const void *p, size_t n, u32 tag)
{
	const u64 *w = p;
	size_t i, words = n / 8;

	for (i = 0; i < words; i++)
		if (unlikely(w[i] != hs_word(tag, i)))
			return i * 8;
	for (i = words * 8; i < n; i++)
		if (unlikely(((const u8 *)p)[i] != (u8)hs_word(tag, i)))
			return i;
	return -1;
}

static bool hs_is_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* ---- one object ----------------------------------------------------------- */

static const char *hs_kind_name(struct hs_run *r, unsigned int k, char *buf, size_t len)
{
	if (k < HS_K_LARGE)
		snprintf(buf, len, "hakmem-%u", hm_class_size(k - HS_K_CLASS0));
	else if (k == HS_K_LARGE)
		snprintf(buf, len, "large");
	else
		snprintf(buf, len, "%s", r->cache_name[k - HS_K_CACHE0]);
	return buf;
}

static void hs_mismatch(struct hs_worker *w, const struct hs_obj *o, long off,
			const char *what)
{
	char name[32];

	w->mismatches++;
	if (atomic_inc_return(&w->run->reports) > HS_MAX_REPORTS)
		return;
	pr_err("cpu%u: %s object %p (%u bytes, kind %s): %s at byte %ld\n",
	       w->cpu, what, o->p, o->size,
	       hs_kind_name(w->run, o->kind, name, sizeof(name)),
	       off < 0 ? "not zeroed" : "pattern broken", off);
}

static unsigned int hs_kinds_used(struct hs_run *r)
{
	return HS_K_CACHE0 + r->ncaches;
}

/* an object of kind @k, its size drawn from @x, and its size in @size */
static void *hs_get(struct hs_run *r, unsigned int k, u32 x, gfp_t gfp, size_t *size)
{
	if (k < HS_K_LARGE) {
		unsigned int hi = hm_class_size(k - HS_K_CLASS0);
		unsigned int lo = k == HS_K_CLASS0 ? 0 : hm_class_size(k - HS_K_CLASS0 - 1);

		*size = lo + 1 + x % (hi - lo);
		return hakmem_alloc(*size, gfp);
	}
	if (k == HS_K_LARGE) {
		*size = HAKMEM_MAX_CLASS_SIZE + 1 + x % (HS_LARGE_MAX - HAKMEM_MAX_CLASS_SIZE);
		return hakmem_alloc(*size, gfp);
	}
	*size = r->cache_size[k - HS_K_CACHE0];
	return hakmem_cache_alloc(r->caches[k - HS_K_CACHE0], gfp);
}

/* free @o by its kind */
static void hs_put(struct hs_run *r, const struct hs_obj *o)
{
	if (o->kind < HS_K_CACHE0)
		hakmem_free(o->p);
	else
		hakmem_cache_free(r->caches[o->kind - HS_K_CACHE0], o->p);
}

/* allocate an object of kind @k into @o; false on NULL */
static bool hs_alloc(struct hs_worker *w, unsigned int k, struct hs_obj *o)
{
	struct hs_run *r = w->run;
	gfp_t gfp = GFP_KERNEL;
	u32 x = prandom_u32_state(&w->rnd);
	size_t size;
	void *p;

	if (!(x & 15))
		gfp |= __GFP_ZERO;
	p = hs_get(r, k, x >> 4, gfp, &size);
	w->ops++;
	if (!p) {
		w->k[k].nulls++;
		return false;
	}
	w->k[k].allocs++;
	o->p = p;
	o->size = size;
	o->kind = k;
	o->tag = prandom_u32_state(&w->rnd);
	if (gfp & __GFP_ZERO) {
		w->zeroed++;
		if (!hs_is_zero(p, size))
			hs_mismatch(w, o, -1, "new");
	}
	hs_fill(p, size, o->tag);
	return true;
}

/* check @o's pattern and free it, on whatever CPU we run */
static void hs_free(struct hs_worker *w, struct hs_obj *o)
{
	struct hs_run *r = w->run;
	long off = hs_check(o->p, o->size, o->tag);

	if (off >= 0)
		hs_mismatch(w, o, off, "freed");
	hs_put(r, o);
	w->k[o->kind].frees++;
	w->ops++;
	o->p = NULL;
}

/* a kind: classes 3/8, large 1/128, caches the rest */
static unsigned int hs_pick_kind(struct hs_worker *w)
{
	u32 x = prandom_u32_state(&w->rnd);

	if (!(x & 127))
		return HS_K_LARGE;
	x >>= 7;
	if (x % 8 < 3)
		return HS_K_CLASS0 + (x >> 3) % HM_NR_CLASSES;
	return HS_K_CACHE0 + (x >> 3) % w->run->ncaches;
}

/* hand @o to worker @to; freed here when no message can be had */
static void hs_hand_over(struct hs_worker *w, struct hs_obj *o, unsigned int to)
{
	struct hs_run *r = w->run;
	struct hs_msg *m = hakmem_cache_alloc(r->msgc, GFP_KERNEL);

	if (!m) {
		w->msg_nulls++;
		hs_free(w, o);
		return;
	}
	m->obj = *o;
	o->p = NULL;
	llist_add(&m->node, &r->w[to].inbox);
	w->handed++;
}

static unsigned int hs_drain(struct hs_worker *w)
{
	struct llist_node *list = llist_del_all(&w->inbox);
	struct hs_msg *m, *t;
	unsigned int n = 0;

	llist_for_each_entry_safe(m, t, list, node) {
		hs_free(w, &m->obj);
		hakmem_cache_free(w->run->msgc, m);
		n++;
	}
	w->received += n;
	return n;
}

/* 2-16 objects of one created cache, all or nothing, freed in one call */
static void hs_bulk(struct hs_worker *w)
{
	struct hs_run *r = w->run;
	u32 x = prandom_u32_state(&w->rnd);
	unsigned int ci = x % r->ncaches, n = 2 + (x >> 8) % (HS_BULK_MAX - 1), i;
	unsigned int size = r->cache_size[ci], k = HS_K_CACHE0 + ci;
	struct hs_obj o = { .size = size, .kind = k };
	void *v[HS_BULK_MAX];
	int got;

	w->bulk++;
	got = hakmem_cache_alloc_bulk(r->caches[ci], GFP_KERNEL, n, v);
	if (!got) {
		w->bulk_fails++;
		w->k[k].nulls++;
		w->ops++;
		return;
	}
	if (got != n) {
		hs_mismatch(w, &o, 0, "bulk count");
		return;
	}
	w->k[k].allocs += n;
	for (i = 0; i < n; i++) {
		o.p = v[i];
		o.tag = (u32)i ^ x;
		hs_fill(o.p, size, o.tag);
	}
	for (i = 0; i < n; i++) {
		long off;

		o.p = v[i];
		o.tag = (u32)i ^ x;
		off = hs_check(o.p, size, o.tag);
		if (off >= 0)
			hs_mismatch(w, &o, off, "bulk");
	}
	hakmem_cache_free_bulk(r->caches[ci], n, v);
	w->k[k].frees += n;
	w->ops += 2 * n;
}

/*
 * Twice a slab's worth of one kind (at most HS_BURST_MAX), then all freed:
 * slabs are created and emptied again.  Stops at the first NULL.
 */
static void hs_burst(struct hs_worker *w)
{
	struct hs_run *r = w->run;
	unsigned int k = hs_pick_kind(w), i, n, size;

	if (k == HS_K_LARGE)
		return;
	size = k < HS_K_LARGE ? hm_class_size(k) : r->cache_size[k - HS_K_CACHE0];
	n = min_t(unsigned int, 2 * HM_SLAB_SIZE / size, HS_BURST_MAX);
	w->bursts++;
	for (i = 0; i < n; i++)
		if (!hs_alloc(w, k, &w->rec[i]))
			break;
	while (i-- > 0)
		hs_free(w, &w->rec[i]);
}

/* ---- workers ------------------------------------------------------------- */

/* the interrupt share, in hard-interrupt context on the worker's CPU */
static enum hrtimer_restart hs_irq_fn(struct hrtimer *t)
{
	struct hs_worker *w = container_of(t, struct hs_worker, irq_timer);
	struct hs_run *r = w->run;
	unsigned int n;

	for (n = 0; n < HS_IRQ_STEPS; n++) {
		u32 x = prandom_u32_state(&w->irq_rnd);
		struct hs_obj *o = &w->irq_slots[x % HS_IRQ_SLOTS];
		unsigned int k;
		size_t size;

		w->irq_ops++;
		x >>= 8;
		if (o->p) {
			if (hs_check(o->p, o->size, o->tag) >= 0)
				w->irq_mismatches++;
			hs_put(r, o);
			w->irq_k[o->kind].frees++;
			o->p = NULL;
			continue;
		}
		/* a class or a created cache: large objects stay in tasks */
		k = x % (HM_NR_CLASSES + r->ncaches);
		k = k < HM_NR_CLASSES ? HS_K_CLASS0 + k : HS_K_CACHE0 + k - HM_NR_CLASSES;
		o->p = hs_get(r, k, x >> 8, GFP_ATOMIC, &size);
		if (!o->p) {
			w->irq_k[k].nulls++;
			w->irq_nulls++;
			continue;
		}
		w->irq_k[k].allocs++;
		o->size = size;
		o->kind = k;
		o->tag = prandom_u32_state(&w->irq_rnd);
		hs_fill(o->p, size, o->tag);
	}
	if (READ_ONCE(w->irq_stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(HS_IRQ_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void hs_irq_start(struct hs_worker *w)
{
	prandom_seed_state(&w->irq_rnd, w->run->p.seed + 0x10000 + w->idx);
	hrtimer_init(&w->irq_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	w->irq_timer.function = hs_irq_fn;
	hrtimer_start(&w->irq_timer, ns_to_ktime(HS_IRQ_PERIOD_NS),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

/*
 * Stop the timer, free what it left (in task context: remote frees into
 * the interrupt context's slabs) and count its work as the worker's.
 */
static void hs_irq_stop(struct hs_worker *w)
{
	unsigned int i, k;

	WRITE_ONCE(w->irq_stop, true);
	hrtimer_cancel(&w->irq_timer);
	for (i = 0; i < HS_IRQ_SLOTS; i++) {
		struct hs_obj *o = &w->irq_slots[i];

		if (!o->p)
			continue;
		if (hs_check(o->p, o->size, o->tag) >= 0)
			w->irq_mismatches++;
		hs_put(w->run, o);
		w->irq_k[o->kind].frees++;
		o->p = NULL;
	}
	for (k = 0; k < HS_NR_KINDS; k++) {
		w->k[k].allocs += w->irq_k[k].allocs;
		w->k[k].frees += w->irq_k[k].frees;
		w->k[k].nulls += w->irq_k[k].nulls;
	}
	w->mismatches += w->irq_mismatches;
	w->ops += w->irq_ops;
}

static void hs_main(struct hs_worker *w)
{
	struct hs_run *r = w->run;
	unsigned int i, step = 0;

	hs_irq_start(w);
	while (w->ops < w->quota) {
		u32 x = prandom_u32_state(&w->rnd);
		struct hs_obj *o = &w->slots[x % HS_SLOTS];

		x >>= 10;
		if (!(++step & 31)) {
			hs_drain(w);
			cond_resched();
		}
		if (!(step & (HS_BURST_EVERY - 1)))
			hs_burst(w);
		/* the shrinker's work meanwhile: new slabs are needed again */
		if (!w->idx && !(step & (HS_SHRINK_EVERY - 1))) {
			hakmem_shrink_all();
			w->shrinks++;
		}
		if (!(x & 255)) {
			hs_bulk(w);
			continue;
		}
		x >>= 8;
		if (!o->p) {
			hs_alloc(w, hs_pick_kind(w), o);
		} else if (r->nw > 1 && x % 100 < r->p.remote) {
			unsigned int to = prandom_u32_state(&w->rnd) % (r->nw - 1);

			hs_hand_over(w, o, (w->idx + 1 + to) % r->nw);
		} else {
			hs_free(w, o);
		}
	}
	hs_irq_stop(w);
	for (i = 0; i < HS_SLOTS; i++)
		if (w->slots[i].p)
			hs_free(w, &w->slots[i]);
	/*
	 * Nothing is sent after this, so once every worker has counted itself
	 * the inboxes only need one more drain.  atomic_inc_return() is fully
	 * ordered: our llist_add()s are visible before the count.
	 */
	(void)atomic_inc_return(&r->finished);
	while (atomic_read_acquire(&r->finished) < r->nw) {
		if (!hs_drain(w))
			schedule_timeout_uninterruptible(1);
	}
	hs_drain(w);
}

/*
 * After faults=1, with fault injection off: every kind, twice a slab's
 * worth (at most HS_RECOVER_MAX; large objects 8), must allocate again.
 * The operations are not counted in the run's.
 */
static void hs_recover(struct hs_worker *w)
{
	struct hs_run *r = w->run;
	unsigned long ops = w->ops;
	unsigned int k, i, n;

	for (k = 0; k < hs_kinds_used(r); k++) {
		if (k == HS_K_LARGE)
			n = 8;
		else if (k < HS_K_LARGE)
			n = 2 * HM_SLAB_SIZE / hm_class_size(k);
		else
			n = 2 * HM_SLAB_SIZE / r->cache_size[k - HS_K_CACHE0];
		n = min_t(unsigned int, n, HS_RECOVER_MAX);
		for (i = 0; i < n; i++) {
			if (!hs_alloc(w, k, &w->rec[i]))
				break;
			w->recovered++;
		}
		/* LIFO, all on the allocating CPU */
		while (i-- > 0)
			hs_free(w, &w->rec[i]);
		cond_resched();
	}
	w->ops = ops;
}

static int hs_thread(void *arg)
{
	struct hs_worker *w = arg;

	if (w->run->recovery)
		hs_recover(w);
	else
		hs_main(w);
	kthread_complete_and_exit(&w->done, 0);
}

/* start one bound kthread per worker and wait for all of them */
static int hs_phase(struct hs_run *r)
{
	unsigned int i, started = 0;
	int ret = 0;

	for (i = 0; i < r->nw; i++) {
		struct hs_worker *w = &r->w[i];

		init_completion(&w->done);
		w->task = kthread_create_on_cpu(hs_thread, w, w->cpu, "hakmem_stress/%u");
		if (IS_ERR(w->task)) {
			ret = PTR_ERR(w->task);
			break;
		}
		started++;
	}
	if (ret) {
		/* none has run: kthread_stop() makes them exit unrun */
		for (i = 0; i < started; i++)
			kthread_stop(r->w[i].task);
		return ret;
	}
	for (i = 0; i < r->nw; i++)
		wake_up_process(r->w[i].task);
	for (i = 0; i < r->nw; i++) {
		/* woken every 10 s: a long run under TCG is no hung task */
		while (!wait_for_completion_timeout(&r->w[i].done, 10 * HZ))
			;
	}
	return 0;
}

/* ---- a run ----------------------------------------------------------------- */

static void hs_fail(struct hs_run *r, const char *why)
{
	if (!r->why)
		r->why = why;
}

static __printf(2, 3) void hs_printk(struct hm_printer *pr, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("validate: %pV", &vaf);
	va_end(args);
}

static struct hm_printer hs_printer = { .printf = hs_printk };

static struct hm_cache *hs_core(struct hs_run *r, unsigned int k)
{
	if (k < HS_K_LARGE)
		return hakmem_classes[k]->c;
	if (k == HS_K_LARGE)
		return NULL;
	return r->caches[k - HS_K_CACHE0]->c;
}

/* counters over the classes, the created caches and the message cache */
struct hs_totals {
	unsigned long inuse[HM_NR_CLASSES];
	unsigned long alloc_fail, slabs_new, errors, live;
};

static void hs_totals(struct hs_run *r, struct hs_totals *t)
{
	struct hm_stats st;
	unsigned int k;

	memset(t, 0, sizeof(*t));
	for (k = 0; k <= hs_kinds_used(r); k++) {
		struct hm_cache *c = k == hs_kinds_used(r) ? (r->msgc ? r->msgc->c : NULL) :
				     hs_core(r, k);

		if (!c)
			continue;
		hm_cache_stats(c, &st);
		if (k < HS_K_LARGE)
			t->inuse[k] = st.objs_inuse;
		else
			t->live += st.objs_inuse;
		t->alloc_fail += st.alloc_fail;
		t->slabs_new += st.slabs_new;
		t->errors += st.errors;
	}
}

static int hs_caches_create(struct hs_run *r)
{
	unsigned int m, i, first = r->p.mode == 3 ? 0 : r->p.mode;
	unsigned int last = r->p.mode == 3 ? 2 : r->p.mode;

	for (m = first; m <= last; m++) {
		for (i = 0; i < HS_CACHES_PER_MODE; i++) {
			unsigned int flags = hs_mode_flags[m], n = r->ncaches;

			if (hs_cache_defs[i].checks && flags == HAKMEM_MODE_FREELIST)
				flags |= HAKMEM_CHECKS;
			snprintf(r->cache_name[n], sizeof(r->cache_name[n]), "stress-%s-%u",
				 hs_mode_names[m], hs_cache_defs[i].size);
			r->caches[n] = hakmem_cache_create(r->cache_name[n], hs_cache_defs[i].size,
							   hs_cache_defs[i].align, flags);
			if (!r->caches[n])
				return -ENOMEM;
			r->cache_size[n] = hs_cache_defs[i].size;
			r->ncaches++;
		}
	}
	r->msgc = hakmem_cache_create("stress-msg", sizeof(struct hs_msg), 0,
				      hs_mode_flags[first]);
	return r->msgc ? 0 : -ENOMEM;
}

static void hs_caches_destroy(struct hs_run *r)
{
	unsigned int i;

	for (i = 0; i < r->ncaches; i++)
		r->leaked += hakmem_cache_destroy(r->caches[i]);
	r->leaked += hakmem_cache_destroy(r->msgc);
}

static void hs_check_run(struct hs_run *r, const struct hs_totals *t0,
			 const struct hs_totals *t1)
{
	unsigned long mism = 0, nulls = 0, msg_nulls = 0, irq_nulls = 0;
	unsigned int i, k;

	for (i = 0; i < r->nw; i++) {
		mism += r->w[i].mismatches;
		msg_nulls += r->w[i].msg_nulls;
		irq_nulls += r->w[i].irq_nulls;
		for (k = 0; k < HS_NR_KINDS; k++)
			nulls += r->w[i].k[k].nulls;
	}
	for (k = 0; k < hs_kinds_used(r); k++) {
		unsigned long a = 0, f = 0;

		for (i = 0; i < r->nw; i++) {
			a += r->w[i].k[k].allocs;
			f += r->w[i].k[k].frees;
		}
		if (a != f)
			hs_fail(r, "frees != allocations of a kind");
	}
	if (mism)
		hs_fail(r, "pattern mismatch");
	/* a run longer than a few timer periods must have had interrupts */
	for (i = 0, k = 0; i < r->nw; i++)
		k += !r->w[i].irq_ops;
	if (k && r->ns > 100 * NSEC_PER_MSEC)
		hs_fail(r, "the interrupt share never ran on a CPU");
	/* GFP_ATOMIC, in the interrupt share, may fail without faults=1 */
	if ((nulls - irq_nulls || msg_nulls) && !r->p.faults)
		hs_fail(r, "an allocation returned NULL without faults=1");
	/* every NULL of a class or cache is one alloc_fail; large ones none */
	r->alloc_fail = t1->alloc_fail - t0->alloc_fail;
	for (i = 0; i < r->nw; i++)
		nulls -= r->w[i].k[HS_K_LARGE].nulls;
	if (r->alloc_fail != nulls + msg_nulls)
		hs_fail(r, "alloc_fail counters != NULLs seen");
	r->errors = t1->errors - t0->errors;
	if (r->errors)
		hs_fail(r, "hakmem reported refused operations");
	r->live = t1->live;
	for (k = 0; k < HM_NR_CLASSES; k++)
		r->live += t1->inuse[k] - t0->inuse[k];
	if (r->live)
		hs_fail(r, "objects left in use");
	if (r->problems)
		hs_fail(r, "validate found problems");
}

static unsigned long hs_nulls(struct hs_run *r)
{
	unsigned long n = 0;
	unsigned int i, k;

	for (i = 0; i < r->nw; i++) {
		n += r->w[i].msg_nulls;
		for (k = 0; k < HS_NR_KINDS; k++)
			n += r->w[i].k[k].nulls;
	}
	return n;
}

static int hs_execute(struct hs_run *r)
{
	struct hs_totals t0, t1, t2;
	unsigned long inj0, nulls;
	unsigned int i, cpu;
	u64 t;
	int ret;

	ret = hs_caches_create(r);
	if (ret)
		goto out;
	cpus_read_lock();
	r->nw = num_online_cpus();
	r->w = kcalloc(r->nw, sizeof(*r->w), GFP_KERNEL);
	if (!r->w) {
		cpus_read_unlock();
		ret = -ENOMEM;
		goto out;
	}
	i = 0;
	for_each_online_cpu(cpu) {
		struct hs_worker *w = &r->w[i];

		if (i == r->nw)
			break;
		w->run = r;
		w->idx = i;
		w->cpu = cpu;
		w->quota = div_u64(r->p.ops + r->nw - 1, r->nw);
		init_llist_head(&w->inbox);
		prandom_seed_state(&w->rnd, r->p.seed + i);
		i++;
	}
	cpus_read_unlock();
	for (i = 0; i < r->nw; i++) {
		r->w[i].slots = kvcalloc(HS_SLOTS, sizeof(struct hs_obj), GFP_KERNEL);
		r->w[i].rec = kvcalloc(HS_RECOVER_MAX, sizeof(struct hs_obj), GFP_KERNEL);
		if (!r->w[i].slots || !r->w[i].rec) {
			ret = -ENOMEM;
			goto out;
		}
	}

	hs_totals(r, &t0);
	inj0 = hakmem_chunk_faults_injected();
	t = ktime_get_ns();
	ret = hs_phase(r);
	r->ns = ktime_get_ns() - t;
	if (ret)
		goto out;
	r->injected = hakmem_chunk_faults_injected() - inj0;

	if (r->p.faults) {
		/* memory is back: every kind must allocate, on new slabs too */
		hakmem_fail_chunk_off();
		hakmem_shrink_all();
		nulls = hs_nulls(r);
		hs_totals(r, &t1);
		inj0 = hakmem_chunk_faults_injected();
		r->recovery = true;
		t = ktime_get_ns();
		ret = hs_phase(r);
		r->recover_ns = ktime_get_ns() - t;
		if (ret)
			goto out;
		hs_totals(r, &t2);
		r->recover_slabs = t2.slabs_new - t1.slabs_new;
		if (hakmem_chunk_faults_injected() != inj0)
			hs_fail(r, "faults injected after fail_chunk was switched off");
		if (hs_nulls(r) != nulls || t2.alloc_fail != t1.alloc_fail)
			hs_fail(r, "an allocation failed with fault injection off");
		if (!r->recover_slabs)
			hs_fail(r, "no new slab in the recovery phase");
	}

	r->problems = hakmem_validate_all(NULL, &hs_printer);
	hs_totals(r, &t1);
	hs_check_run(r, &t0, &t1);
out:
	hs_caches_destroy(r);
	if (r->leaked)
		hs_fail(r, "a cache was destroyed with objects left");
	return ret;
}

/* ---- the result text -------------------------------------------------------- */

static size_t hs_render(struct hs_run *r, char *buf, size_t size)
{
	unsigned long ops = 0, handed = 0, received = 0, nulls = 0, bulk = 0;
	unsigned long bulk_fails = 0, zeroed = 0, mism = 0, recovered = 0;
	unsigned long msg_nulls = 0, shrinks = 0, bursts = 0, irq_ops = 0, irq_nulls = 0;
	size_t len = 0;
	unsigned int i, k;
	u64 ms = div_u64(r->ns, NSEC_PER_MSEC);

	for (i = 0; i < r->nw; i++) {
		struct hs_worker *w = &r->w[i];

		ops += w->ops;
		handed += w->handed;
		received += w->received;
		bulk += w->bulk;
		bulk_fails += w->bulk_fails;
		zeroed += w->zeroed;
		mism += w->mismatches;
		recovered += w->recovered;
		msg_nulls += w->msg_nulls;
		shrinks += w->shrinks;
		bursts += w->bursts;
		irq_ops += w->irq_ops;
		irq_nulls += w->irq_nulls;
		for (k = 0; k < HS_NR_KINDS; k++)
			nulls += w->k[k].nulls;
	}
	len += scnprintf(buf + len, size - len,
			 "result=%s ops=%lu cpus=%u ms=%llu ops_per_s=%llu mismatches=%lu errors=%lu live=%lu leaked=%lu problems=%lu nulls=%lu msg_nulls=%lu injected=%lu alloc_fail=%lu recovered=%lu recover_slabs=%lu recover_ms=%llu irq_ops=%lu irq_nulls=%lu\n",
			 r->why ? "FAIL" : "pass", ops, r->nw, ms,
			 ms ? div_u64((u64)ops * 1000, ms) : 0, mism, r->errors, r->live,
			 r->leaked, r->problems, nulls, msg_nulls, r->injected, r->alloc_fail,
			 recovered, r->recover_slabs, div_u64(r->recover_ns, NSEC_PER_MSEC),
			 irq_ops, irq_nulls);
	if (r->why)
		len += scnprintf(buf + len, size - len, "# failed: %s\n", r->why);
	len += scnprintf(buf + len, size - len,
			 "# ops=%lu mode=%s seed=%llu remote=%u faults=%d; classes in mode %s\n",
			 r->p.ops, r->p.mode == 3 ? "all" : hs_mode_names[r->p.mode], r->p.seed,
			 r->p.remote, r->p.faults,
			 hm_mode_name(hakmem_classes[0]->c->mode));
	len += scnprintf(buf + len, size - len,
			 "# handed to another CPU %lu, received %lu; bulk calls %lu (%lu failed whole); __GFP_ZERO checked %lu; shrinks %lu; bursts %lu\n",
			 handed, received, bulk, bulk_fails, zeroed, shrinks, bursts);
	len += scnprintf(buf + len, size - len, "%-22s %10s %10s %8s\n",
			 "kind", "allocs", "frees", "nulls");
	for (k = 0; k < hs_kinds_used(r); k++) {
		struct hs_count c = { };
		char name[32];

		for (i = 0; i < r->nw; i++) {
			c.allocs += r->w[i].k[k].allocs;
			c.frees += r->w[i].k[k].frees;
			c.nulls += r->w[i].k[k].nulls;
		}
		len += scnprintf(buf + len, size - len, "%-22s %10lu %10lu %8lu\n",
				 hs_kind_name(r, k, name, sizeof(name)), c.allocs, c.frees,
				 c.nulls);
	}
	len += scnprintf(buf + len, size - len, "%-22s %10s %10s %10s\n",
			 "worker", "ops", "handed", "received");
	for (i = 0; i < r->nw; i++)
		len += scnprintf(buf + len, size - len, "cpu%-19u %10lu %10lu %10lu\n",
				 r->w[i].cpu, r->w[i].ops, r->w[i].handed, r->w[i].received);
	return len;
}

static void hs_run_free(struct hs_run *r)
{
	unsigned int i;

	if (r->w) {
		for (i = 0; i < r->nw; i++) {
			kvfree(r->w[i].slots);
			kvfree(r->w[i].rec);
		}
		kfree(r->w);
	}
	kfree(r);
}

static int hs_run(const struct hs_params *p)
{
	struct hs_run *r;
	char *text;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	text = kvmalloc(HS_TEXT_SIZE, GFP_KERNEL);
	if (!r || !text) {
		kfree(r);
		kvfree(text);
		return -ENOMEM;
	}
	r->p = *p;
	atomic_set(&r->finished, 0);
	atomic_set(&r->reports, 0);
	ret = hs_execute(r);
	if (!ret) {
		hs_render(r, text, HS_TEXT_SIZE);
		pr_info("%.*s", (int)strcspn(text, "\n") + 1, text);
		if (r->why) {
			pr_err("failed: %s\n", r->why);
			ret = -EIO;
		}
		mutex_lock(&hs_text_mutex);
		swap(text, hs_text);
		mutex_unlock(&hs_text_mutex);
	}
	kvfree(text);
	hs_run_free(r);
	return ret;
}

/* ---- debugfs ----------------------------------------------------------------- */

/* 0..2 for bitmap, freelist, hybrid, 3 for all, or -1 */
static int hs_mode_index(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hs_mode_names); i++)
		if (!strcmp(name, hs_mode_names[i]))
			return i;
	return strcmp(name, "all") ? -1 : 3;
}

static int hs_parse(char *text, struct hs_params *out)
{
	struct hs_params p = {
		.ops = 1000000, .remote = 25, .mode = -1,
		.seed = get_random_u64(),
	};
	unsigned int words = 0, seen = 0, faults = 0;
	char *tok, *val;
	int ret;

	while ((ret = hakmem_cmd_next_kv(&text, &tok, &val, &words)) > 0) {
		int err;

		/* each key once */
		if (!strcmp(tok, "ops")) {
			err = !hakmem_cmd_once(&seen, BIT(0)) ||
			      hakmem_cmd_ulong(val, &p.ops) || !p.ops || p.ops > HS_MAX_OPS;
		} else if (!strcmp(tok, "seed")) {
			/* decimal, 0x hex or 0 octal: a seed is a bit pattern */
			err = !hakmem_cmd_once(&seen, BIT(1)) || !isdigit(*val) ||
			      kstrtou64(val, 0, &p.seed);
		} else if (!strcmp(tok, "remote")) {
			err = !hakmem_cmd_once(&seen, BIT(2)) ||
			      hakmem_cmd_uint(val, &p.remote) || p.remote > 100;
		} else if (!strcmp(tok, "faults")) {
			err = !hakmem_cmd_once(&seen, BIT(3)) ||
			      hakmem_cmd_uint(val, &faults) || faults > 1;
		} else if (!strcmp(tok, "mode")) {
			p.mode = hs_mode_index(val);
			err = !hakmem_cmd_once(&seen, BIT(4)) || p.mode < 0;
		} else {
			err = 1;
		}
		if (err)
			return -EINVAL;
	}
	if (ret)
		return ret;
	if (p.mode < 0)
		p.mode = hs_mode_index(hm_mode_name(hakmem_classes[0]->c->mode));
	p.faults = faults;
	*out = p;
	return 0;
}

/* a command written to the stress file: parse it, then one run at a time */
static int hs_cmd(char *text)
{
	struct hs_params p;
	int ret;

	ret = hs_parse(text, &p);
	if (ret)
		return ret;
	if (p.faults && !IS_ENABLED(CONFIG_FAULT_INJECTION)) {
		pr_err("faults=1: this kernel has no CONFIG_FAULT_INJECTION\n");
		return -EOPNOTSUPP;
	}
	if (!mutex_trylock(&hs_run_mutex))
		return -EBUSY;
	WRITE_ONCE(hs_running, true);
	ret = hs_run(&p);
	WRITE_ONCE(hs_running, false);
	mutex_unlock(&hs_run_mutex);
	return ret;
}

static int hs_show(struct seq_file *m, void *v)
{
	if (READ_ONCE(hs_running))
		seq_puts(m, "# running\n");
	mutex_lock(&hs_text_mutex);
	seq_puts(m, hs_text ? hs_text :
		 "# no results yet: echo \"ops=1000000 mode=hybrid\" > this file\n");
	mutex_unlock(&hs_text_mutex);
	return 0;
}

DEFINE_HAKMEM_CMD_FOPS(hs, HS_CMD_MAX, HS_TEXT_SIZE + 64);

static int __init hs_init(void)
{
	hs_file = hakmem_debugfs_add_file("stress", &hs_fops);
	return PTR_ERR_OR_ZERO(hs_file);
}

static void __exit hs_exit(void)
{
	debugfs_remove(hs_file);
	kvfree(hs_text);
}

module_init(hs_init);
module_exit(hs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stress test of hakmem_slab: random allocations and cross-CPU frees on every CPU");
MODULE_IMPORT_NS(HAKMEM_NS);
