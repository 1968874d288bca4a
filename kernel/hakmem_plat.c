// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_plat.c - the kernel's implementation of the platform contract
 * (common/hm_platform.h), and the exports of the core's internals for the
 * KUnit module.
 */
#define pr_fmt(fmt) "hakmem: " fmt

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#if IS_ENABLED(CONFIG_KUNIT)
#include <kunit/resource.h>
#include <kunit/test.h>
#endif

#include "hakmem_internal.h"
#include "hm_adapt.h"
#include "hm_debug.h"
#include "hm_fit.h"
#include "hm_frag.h"
#include "hm_learn.h"
#include "hm_report.h"
#include "hm_stats.h"
#include "hm_validate.h"

/*
 * Chunk fault injection, two ways:
 *
 * - hakmem_chunk_faults(N): every Nth chunk request fails, deterministic,
 *   for the KUnit cases (which must know exactly which allocation fails);
 * - the fault-injection framework (Documentation/fault-injection/): the
 *   fault_attr "fail_chunk", set at load with fail_chunk=<interval>,
 *   <probability>,<space>,<times> (the failslab= syntax) and at run time
 *   under /sys/kernel/debug/hakmem/fail_chunk/.  Only with
 *   CONFIG_FAULT_INJECTION (the debugfs files: _DEBUG_FS); otherwise none
 *   of it is compiled.
 *
 * Both fail the page source of slabs and large objects,
 * hm_plat_chunk_alloc(), which every allocation that needs memory goes
 * through; fail_chunk/injected counts the failures of both.
 */
static unsigned long hm_chunk_fail_every;
static atomic_long_t hm_chunk_requests;
static atomic_long_t hm_chunk_injected;

/**
 * hakmem_chunk_faults() - make every @every-th chunk request fail
 * @every: the period, 0 to turn failures off
 *
 * Deterministic, unlike the page allocator's fail_page_alloc, so a test
 * knows exactly which allocation runs out of memory.
 */
void hakmem_chunk_faults(unsigned long every)
{
	atomic_long_set(&hm_chunk_requests, 0);
	WRITE_ONCE(hm_chunk_fail_every, every);
}
EXPORT_SYMBOL_NS_GPL(hakmem_chunk_faults, HAKMEM_NS);

/**
 * hakmem_chunk_faults_injected() - chunk requests failed on purpose
 *
 * Return: the number of chunk requests that hakmem_chunk_faults() or the
 * fail_chunk fault attribute made fail since the module was loaded.
 */
unsigned long hakmem_chunk_faults_injected(void)
{
	return atomic_long_read(&hm_chunk_injected);
}
EXPORT_SYMBOL_NS_GPL(hakmem_chunk_faults_injected, HAKMEM_NS);

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(hakmem_fail_chunk);

static char hakmem_fail_chunk_param[64];
module_param_string(fail_chunk, hakmem_fail_chunk_param,
		    sizeof(hakmem_fail_chunk_param), 0444);
MODULE_PARM_DESC(fail_chunk, "fault injection on chunk requests from the start: <interval>,<probability>,<space>,<times> (as failslab=)");

/**
 * hakmem_fail_chunk_init() - the fail_chunk fault attribute at load
 *
 * Quiet by default (verbose=0): the framework's default of 2 prints a
 * stack trace per injected failure.
 *
 * Return: 0, or -EINVAL for a fail_chunk= parameter it cannot parse.
 */
int hakmem_fail_chunk_init(void)
{
	hakmem_fail_chunk.verbose = 0;
	if (hakmem_fail_chunk_param[0] &&
	    !setup_fault_attr(&hakmem_fail_chunk, hakmem_fail_chunk_param)) {
		pr_err("fail_chunk=%s: not <interval>,<probability>,<space>,<times>\n",
		       hakmem_fail_chunk_param);
		return -EINVAL;
	}
	return 0;
}

/**
 * hakmem_fail_chunk_off() - stop the fail_chunk fault injection
 *
 * The same as writing 0 to /sys/kernel/debug/hakmem/fail_chunk/probability
 * (and it stops hakmem_chunk_faults() too): for a test that must show the
 * caches recover once memory is back.
 *
 * Return: true; false when the module has no fault injection compiled in.
 */
bool hakmem_fail_chunk_off(void)
{
	WRITE_ONCE(hakmem_fail_chunk.probability, 0);
	hakmem_chunk_faults(0);
	return true;
}
EXPORT_SYMBOL_NS_GPL(hakmem_fail_chunk_off, HAKMEM_NS);

/**
 * hakmem_fail_chunk_set() - set fail_chunk as its debugfs files would
 * @probability: percent of the eligible chunk requests that fail
 * @interval: only every @interval-th request is eligible (1: all)
 * @times: failures at most, -1 for no limit
 *
 * For the KUnit cases, which cannot write debugfs files.  Not while
 * another CPU requests chunks (the framework's fields are plain).
 *
 * Return: 0, or -EOPNOTSUPP without CONFIG_FAULT_INJECTION.
 */
int hakmem_fail_chunk_set(unsigned long probability, unsigned long interval, int times)
{
	hakmem_fail_chunk.interval = interval;
	hakmem_fail_chunk.count = 0;
	atomic_set(&hakmem_fail_chunk.times, times);
	atomic_set(&hakmem_fail_chunk.space, 0);
	WRITE_ONCE(hakmem_fail_chunk.probability, probability);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(hakmem_fail_chunk_set, HAKMEM_NS);

static bool hakmem_fail_chunk_should(size_t size, gfp_t gfp)
{
	return !(gfp & __GFP_NOFAIL) && should_fail(&hakmem_fail_chunk, size);
}
#else
int hakmem_fail_chunk_init(void)
{
	return 0;
}

bool hakmem_fail_chunk_off(void)
{
	hakmem_chunk_faults(0);
	return false;
}
EXPORT_SYMBOL_NS_GPL(hakmem_fail_chunk_off, HAKMEM_NS);

int hakmem_fail_chunk_set(unsigned long probability, unsigned long interval, int times)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(hakmem_fail_chunk_set, HAKMEM_NS);

static bool hakmem_fail_chunk_should(size_t size, gfp_t gfp)
{
	return false;
}
#endif

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static int hakmem_injected_get(void *data, u64 *val)
{
	*val = atomic_long_read(&hm_chunk_injected);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(hakmem_injected_fops, hakmem_injected_get, NULL, "%llu\n");

/**
 * hakmem_fail_chunk_debugfs() - /sys/kernel/debug/hakmem/fail_chunk/
 * @parent: hakmem's debugfs directory
 *
 * The framework's files (probability, interval, times, space, verbose,
 * task-filter, ...) and "injected", the count of failed chunk requests.
 */
void hakmem_fail_chunk_debugfs(struct dentry *parent)
{
	struct dentry *dir = fault_create_debugfs_attr("fail_chunk", parent,
							&hakmem_fail_chunk);

	if (IS_ERR(dir)) {
		pr_warn("no debugfs files for fail_chunk (%ld)\n", PTR_ERR(dir));
		return;
	}
	debugfs_create_file_unsafe("injected", 0444, dir, NULL, &hakmem_injected_fops);
}
#else
void hakmem_fail_chunk_debugfs(struct dentry *parent)
{
}
#endif

static bool hm_chunk_should_fail(size_t size, gfp_t gfp)
{
	unsigned long every = READ_ONCE(hm_chunk_fail_every);

	if ((unlikely(every) && atomic_long_inc_return(&hm_chunk_requests) % every == 0) ||
	    hakmem_fail_chunk_should(size, gfp)) {
		atomic_long_inc(&hm_chunk_injected);
		return true;
	}
	return false;
}

/**
 * hm_plat_chunk_alloc() - pages for a slab or a large object
 * @size: a multiple of HM_SLAB_SIZE
 * @gfp: the caller's allocation flags
 *
 * A buddy block of order n is aligned to PAGE_SIZE << n in physical memory
 * and therefore in the direct map, so an order >= HM_SLAB_SHIFT - PAGE_SHIFT
 * block is a naturally aligned chunk.  Sizes that are not a power of two
 * take the next order.  __GFP_COMP makes the chunk one folio, so hardened
 * usercopy checks copies from objects against the chunk's bounds.
 *
 * Return: the chunk's address in the direct map, or NULL.
 */
void *hm_plat_chunk_alloc(size_t size, hm_gfp_t gfp)
{
	unsigned int order = get_order(size);
	struct page *page;
	void *p;

	if (unlikely(hm_chunk_should_fail(size, gfp)))
		return NULL;
	if (order > HM_MAX_CHUNK_ORDER)
		return NULL;
	/* slabs are addressed through the direct map and never move */
	gfp &= ~(__GFP_ZERO | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_DMA | __GFP_DMA32);
	page = alloc_pages(gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	p = page_address(page);
	if (WARN_ON_ONCE((unsigned long)p & (HM_SLAB_SIZE - 1))) {
		__free_pages(page, order);
		return NULL;
	}
	return p;
}

void hm_plat_chunk_free(void *p, size_t size)
{
	/* a slab's header, if hakmem_refill() registered it; else nothing */
	kmemleak_free(p);
	__free_pages(virt_to_page(p), get_order(size));
}

static unsigned long hm_meta_fail_every;
static atomic_long_t hm_meta_requests;
static struct task_struct *hm_meta_fail_task;

/**
 * hakmem_meta_faults() - make every @every-th metadata request of this task fail
 * @every: the period, counted from this call; 0 to turn failures off
 *
 * For the KUnit cases: contexts, learners, debug records and the like
 * (hm_plat_meta_alloc()) running out of memory at a known request.  Only
 * the calling task's requests count and fail: another CPU's work at the
 * same moment neither shifts the count nor gets a failure it did not ask for.
 */
void hakmem_meta_faults(unsigned long every)
{
	WRITE_ONCE(hm_meta_fail_every, 0);
	atomic_long_set(&hm_meta_requests, 0);
	WRITE_ONCE(hm_meta_fail_task, every ? current : NULL);
	WRITE_ONCE(hm_meta_fail_every, every);
}
EXPORT_SYMBOL_NS_GPL(hakmem_meta_faults, HAKMEM_NS);

/*
 * Metadata: caches, dynamic contexts, slab map levels.  Only the slab
 * map's 512 KiB top level is large enough for vmalloc; it is allocated
 * with GFP_KERNEL at module load (kvzalloc() falls back to kmalloc for
 * atomic flags).
 */
void *hm_plat_meta_alloc(size_t size, hm_gfp_t gfp)
{
	unsigned long every = READ_ONCE(hm_meta_fail_every);

	if (unlikely(every) && current == READ_ONCE(hm_meta_fail_task) &&
	    atomic_long_inc_return(&hm_meta_requests) % every == 0)
		return NULL;
	return kvzalloc(size, gfp);
}

/*
 * Debug metadata (tracking records: 56 bytes a block, 437 KiB for a slab
 * of 8-byte blocks) may come from vmalloc, and is freed when its slab is
 * released, which can happen under a local lock or a spinlock, where
 * vfree() must not sleep; vfree_atomic() is not exported.  Such frees go
 * to a list a work item empties, as vfree_atomic() does.
 */
static LLIST_HEAD(hm_meta_deferred);

static void hm_meta_free_work(struct work_struct *work)
{
	struct llist_node *n = llist_del_all(&hm_meta_deferred), *next;

	for (; n; n = next) {
		next = n->next;
		vfree(n);
	}
}

static DECLARE_WORK(hm_meta_work, hm_meta_free_work);

void hm_plat_meta_free(void *p, size_t size)
{
	if (p && is_vmalloc_addr(p) && (!preemptible() || irqs_disabled())) {
		if (llist_add((struct llist_node *)p, &hm_meta_deferred))
			schedule_work(&hm_meta_work);
		return;
	}
	kvfree(p);
}

/* At module exit: the deferred frees are done. */
void hm_plat_meta_flush(void)
{
	flush_work(&hm_meta_work);
	hm_meta_free_work(NULL);
}

/**
 * hm_plat_error_hook() - let a KUnit test count a refused operation
 * @e: enum hm_error
 *
 * The pattern of lib/slub_kunit.c and mm/slub.c's slab_add_kunit_errors():
 * a test that expects errors adds a named resource "hakmem_errors" (a
 * long); while it runs, errors increment it instead of being printed.
 *
 * Return: true when the error was counted and must not be printed.
 */
bool hm_plat_error_hook(int e)
{
#if IS_ENABLED(CONFIG_KUNIT)
	struct kunit_resource *res;
	long *count, old;

	if (!current->kunit_test)
		return false;
	res = kunit_find_named_resource(current->kunit_test, "hakmem_errors");
	if (!res)
		return false;
	/*
	 * The case's threads (on other CPUs) and interrupts count too; the
	 * shared cases read and reset a plain long, as in userspace.
	 */
	count = res->data;
	old = READ_ONCE(*count);
	while (!try_cmpxchg(count, &old, old + 1))
		;
	kunit_put_resource(res);
	return true;
#else
	return false;
#endif
}

/*
 * Reports are printed ratelimited, each cache and each kind on its own (a
 * flood of one cache's double frees silences neither another cache nor
 * the one write after free), as printk_ratelimited(): by default a burst
 * of 10 per 5 seconds, the report_interval_ms and report_burst
 * parameters (writable in /sys/module/hakmem_slab/parameters/).  What a
 * limit holds back is counted, and the first message of its cache and
 * kind printed after it says how many were not ("<cache>: <N> <kind>
 * reports suppressed"), or the cache's destroy does.  The core counts and
 * logs every report before it asks (hm_report_count()), so the errors
 * files stay exact.  Reports of no cache have a limit per kind.
 */
static unsigned int hakmem_report_interval_ms = 5000;	/* DEFAULT_RATELIMIT_INTERVAL */
module_param_named(report_interval_ms, hakmem_report_interval_ms, uint, 0644);
MODULE_PARM_DESC(report_interval_ms,
		 "period of the kernel log's rate limit of reports, per cache and kind, in ms (default 5000; 0: no limit)");

static unsigned int hakmem_report_burst = DEFAULT_RATELIMIT_BURST;
module_param_named(report_burst, hakmem_report_burst, uint, 0644);
MODULE_PARM_DESC(report_burst,
		 "reports of a cache and kind printed per period (default 10; 0: none, all counted)");

/* the totals since load, of every cache (destroyed ones too) and of none */
static struct {
	atomic_long_t printed;
	atomic_long_t limited;
	atomic_long_t announced;	/* said in "<N> ... reports suppressed" */
} hakmem_report_totals[HM_MSG_NR];

/* reports of no cache (a NULL or dead cache, a foreign pointer, a size) */
static struct hakmem_ratelimit hakmem_report_limits[HM_ERR_NR] = {
	/* the count is ours ("reports suppressed"), not ___ratelimit()'s */
	[0 ... HM_ERR_NR - 1] = {
		.rs = RATELIMIT_STATE_INIT_FLAGS(hakmem_report_limits,
						 DEFAULT_RATELIMIT_INTERVAL,
						 DEFAULT_RATELIMIT_BURST,
						 RATELIMIT_MSG_ON_RELEASE),
	},
};

/*
 * The parameters' values, in @rs's units.  Written as the printk sysctls
 * write theirs, while it is in use; a period under way keeps its start.
 */
static void hakmem_ratelimit_params(struct ratelimit_state *rs)
{
	/* ___ratelimit() adds the interval (an int) to a jiffies value */
	int interval = min_t(unsigned long,
			     msecs_to_jiffies(READ_ONCE(hakmem_report_interval_ms)),
			     INT_MAX / 2);
	int burst = min_t(unsigned int, READ_ONCE(hakmem_report_burst), INT_MAX);

	if (READ_ONCE(rs->interval) != interval)
		WRITE_ONCE(rs->interval, interval);
	if (READ_ONCE(rs->burst) != burst)
		WRITE_ONCE(rs->burst, burst);
}

/**
 * hm_plat_ratelimit_init() - set up one rate limit of a new cache
 * @rl: the cache's (zeroed)
 */
void hm_plat_ratelimit_init(struct hakmem_ratelimit *rl)
{
	ratelimit_state_init(&rl->rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);
	/* the count is ours, not ___ratelimit()'s */
	ratelimit_set_flags(&rl->rs, RATELIMIT_MSG_ON_RELEASE);
	hakmem_ratelimit_params(&rl->rs);
}

/**
 * hakmem_report_limit_set() - change the rate limit of every cache and kind
 * @interval_ms: its period in milliseconds (0: no limit)
 * @burst: messages of a cache and kind printed per period
 *
 * As a write of the report_interval_ms and report_burst parameters: each
 * limit takes the new values at its next message.
 */
void hakmem_report_limit_set(unsigned int interval_ms, unsigned int burst)
{
	WRITE_ONCE(hakmem_report_interval_ms, interval_ms);
	WRITE_ONCE(hakmem_report_burst, burst);
}
EXPORT_SYMBOL_NS_GPL(hakmem_report_limit_set, HAKMEM_NS);

/**
 * hakmem_report_limit_get() - the rate limit of every cache and kind
 * @interval_ms: its period in milliseconds
 * @burst: messages of a cache and kind printed per period
 */
void hakmem_report_limit_get(unsigned int *interval_ms, unsigned int *burst)
{
	*interval_ms = READ_ONCE(hakmem_report_interval_ms);
	*burst = READ_ONCE(hakmem_report_burst);
}
EXPORT_SYMBOL_NS_GPL(hakmem_report_limit_get, HAKMEM_NS);

/**
 * hakmem_report_counts() - what the rate limits let through and held back
 * @e: a kind (enum hm_error or enum hm_msg), or -1 for every kind of
 *     report (enum hm_error) together
 * @rc: the counts since load, of every cache (destroyed ones too) and of
 *      reports of none
 */
void hakmem_report_counts(int e, struct hakmem_report_counts *rc)
{
	unsigned int k;

	memset(rc, 0, sizeof(*rc));
	for (k = 0; k < HM_MSG_NR; k++) {
		if (e >= 0 ? k != (unsigned int)e : k >= HM_ERR_NR)
			continue;
		rc->printed += atomic_long_read(&hakmem_report_totals[k].printed);
		rc->limited += atomic_long_read(&hakmem_report_totals[k].limited);
		rc->pending += atomic_long_read(&hakmem_report_totals[k].limited) -
			       atomic_long_read(&hakmem_report_totals[k].announced);
	}
}
EXPORT_SYMBOL_NS_GPL(hakmem_report_counts, HAKMEM_NS);

/**
 * hakmem_cache_report_counts() - what the rate limits of one cache let
 * through and held back
 * @hc: the cache
 * @e: a kind (enum hm_error or enum hm_msg), or -1 for every kind of
 *     report (enum hm_error) together
 * @rc: the counts since the cache's creation
 */
void hakmem_cache_report_counts(struct hakmem_cache *hc, int e,
				struct hakmem_report_counts *rc)
{
	unsigned int k;

	memset(rc, 0, sizeof(*rc));
	for (k = 0; k < HM_MSG_NR; k++) {
		struct hakmem_ratelimit *rl = &hc->c->report_rl[k];

		if (e >= 0 ? k != (unsigned int)e : k >= HM_ERR_NR)
			continue;
		rc->printed += atomic_long_read(&rl->printed);
		rc->limited += atomic_long_read(&rl->limited);
		rc->pending += atomic_long_read(&rl->pending);
	}
}
EXPORT_SYMBOL_NS_GPL(hakmem_cache_report_counts, HAKMEM_NS);

/* Say how many messages of kind @k of @c (NULL: none) @rl held back since it last did. */
static void hakmem_ratelimit_announce(const struct hm_cache *c, int k,
				      struct hakmem_ratelimit *rl)
{
	long missed = atomic_long_xchg(&rl->pending, 0);

	if (!missed)
		return;
	atomic_long_add(missed, &hakmem_report_totals[k].announced);
	if (c)
		pr_err("%s: %ld %s reports suppressed\n", c->name, missed, hm_msg_name(k));
	else
		pr_err("%ld %s reports suppressed\n", missed, hm_msg_name(k));
}

/**
 * hm_plat_err_ratelimit() - may a message of kind @k about cache @c be
 * printed now?
 * @c: the cache, or NULL for a report of none
 * @k: enum hm_error, or enum hm_msg (a message that is no report)
 *
 * Asked once per message that no test counts (hm_report_count()), in any
 * context but NMI: ___ratelimit() only trylocks.  When a message may be
 * printed after others of its cache and kind were held back, says how
 * many first.
 *
 * Return: true when the caller prints the message.
 */
bool hm_plat_err_ratelimit(struct hm_cache *c, int k)
{
	struct hakmem_ratelimit *rl;

	if (k < 0 || k >= (c ? HM_MSG_NR : HM_ERR_NR))
		return true;
	rl = c ? &c->report_rl[k] : &hakmem_report_limits[k];
	hakmem_ratelimit_params(&rl->rs);
	if (!__ratelimit(&rl->rs)) {
		atomic_long_inc(&rl->limited);
		atomic_long_inc(&rl->pending);
		atomic_long_inc(&hakmem_report_totals[k].limited);
		return false;
	}
	atomic_long_inc(&rl->printed);
	atomic_long_inc(&hakmem_report_totals[k].printed);
	hakmem_ratelimit_announce(c, k, rl);
	return true;
}

/**
 * hm_plat_ratelimit_exit() - a cache is destroyed: say what its rate
 * limits held back since they last did
 * @c: the cache, after its last report
 */
void hm_plat_ratelimit_exit(struct hm_cache *c)
{
	int k;

	for (k = 0; k < HM_MSG_NR; k++)
		hakmem_ratelimit_announce(c, k, &c->report_rl[k]);
}

DEFINE_STATIC_KEY_FALSE(hm_debug_key);

/*
 * On when the kernel zeroes what is freed (init_on_free=1,
 * CONFIG_INIT_ON_FREE_DEFAULT_ON): set once at load (hakmem_init()) from
 * want_init_on_free(), which the kernel fixes at boot.  A key of the
 * module's own rather than the kernel's init_on_free: the KUnit case
 * turns it on for itself, where turning the kernel's on at run time would
 * make the page allocator skip zeroing __GFP_ZERO pages freed before.
 */
DEFINE_STATIC_KEY_FALSE(hm_init_on_free_key);

/**
 * hm_plat_debug_ref() - count the caches that have a debug switch on
 * @delta: +1 when a cache's switches go from all off to some on, -1 back
 *
 * The static key that gates every debug hook is on while the count is
 * positive: with no switch on anywhere, the fast paths carry a patched-out
 * jump instead of the test.  Process context (the key's update takes
 * cpus_read_lock()); called with no hakmem spinlock held.
 */
void hm_plat_debug_ref(int delta)
{
	if (delta > 0)
		static_branch_inc(&hm_debug_key);
	else if (delta < 0)
		static_branch_dec(&hm_debug_key);
}

/*
 * The core's internals, for the shared test cases in hakmem_slab_test.ko
 * (common/tests/).  A namespace keeps them out of reach of clients, which
 * would have to import HAKMEM_INTERNAL explicitly.  The test module links
 * against these instead of carrying a second copy of the core, whose slab
 * map would not know this module's chunks.
 */
#define HM_EXPORT(sym)	EXPORT_SYMBOL_NS_GPL(sym, HAKMEM_NS)

HM_EXPORT(hm_plat_chunk_alloc);
HM_EXPORT(hm_plat_chunk_free);
HM_EXPORT(hm_plat_meta_alloc);
HM_EXPORT(hm_plat_meta_free);
HM_EXPORT(hm_plat_error_hook);
HM_EXPORT(hm_core_cache_create);
HM_EXPORT(hm_core_medium_create);
HM_EXPORT(hm_core_cache_destroy);
HM_EXPORT(hm_cache_chunk_get);
HM_EXPORT(hm_cctx_add_chunk);
HM_EXPORT(hm_cache_shrink);
HM_EXPORT(hm_cache_trim_reserves);
HM_EXPORT(hm_slabs_retiring);
HM_EXPORT(hm_mode_parse);
HM_EXPORT(hm_mode_name);
HM_EXPORT(hm_cctx_size);
HM_EXPORT(hm_cctx_init);
HM_EXPORT(hm_cctx_register);
HM_EXPORT(hm_cctx_switches);
HM_EXPORT(hm_adapt_tick);
HM_EXPORT(hm_adapt_sum);
HM_EXPORT(hm_adapt_print);
HM_EXPORT(hm_slab_lacks_dbg);
HM_EXPORT(hm_cctx_new);
HM_EXPORT(hm_cctx_adopt);
HM_EXPORT(hm_cctx_flush);
HM_EXPORT(hm_cctx_park);
HM_EXPORT(hm_cctx_unpark);
HM_EXPORT(hm_cctx_drain_woken);
HM_EXPORT(hm_cctx_drain_notify);
HM_EXPORT(hm_cache_woken_yield);
HM_EXPORT(hm_cache_reclaimable);
HM_EXPORT(hm_cctx_abandon);
HM_EXPORT(hm_cctx_alloc_bulk);
HM_EXPORT(hm_cctx_free_bulk);
HM_EXPORT(hm_large_alloc);
HM_EXPORT(hm_large_alloc_aligned);
HM_EXPORT(hm_large_alloc_room);
HM_EXPORT(hm_large_chunk_size);
HM_EXPORT(hm_large_usage);
HM_EXPORT(hm_large_was_gone);
HM_EXPORT(hm_free_other);
HM_EXPORT(hm_free_other_cache);
HM_EXPORT(hm_cache_free_nocctx);
HM_EXPORT(hm_large_resize);
HM_EXPORT(hm_large_move);
HM_EXPORT(hm_core_usable_size);
HM_EXPORT(hm_core_usable_size_ip);
HM_EXPORT(hm_core_free_size);
HM_EXPORT(hm_core_obj_of);
HM_EXPORT(hm_bitmap_alloc_slow);
HM_EXPORT(hm_bitmap_free_remote);
HM_EXPORT(hm_bitmap_collect);
HM_EXPORT(hm_freelist_alloc_slow);
HM_EXPORT(hm_freelist_free_remote);
HM_EXPORT(hm_freelist_is_free);
HM_EXPORT(hm_hybrid_alloc_slow);
HM_EXPORT(hm_hybrid_flush);
HM_EXPORT(hm_cache_geometry);
HM_EXPORT(hm_slab_init);
HM_EXPORT(hm_slab_collect);
HM_EXPORT(hm_slab_remote_pending);
HM_EXPORT(hm_slab_free_count);
HM_EXPORT(hm_slab_is_empty);
HM_EXPORT(hm_slab_settle_list);
HM_EXPORT(hm_cctx_reserve_take);
HM_EXPORT(hm_slabmap);
HM_EXPORT(hm_slabmap_prepare);
HM_EXPORT(hm_slabmap_set);
HM_EXPORT(hm_size_class_table);
HM_EXPORT(hm_errors_total);
HM_EXPORT(hm_error_name);
HM_EXPORT(hm_msg_name);
HM_EXPORT(hm_report);
HM_EXPORT(hm_report_bad_block);
HM_EXPORT(hm_cache_validate);
HM_EXPORT(hm_cache_validate_log);
HM_EXPORT(hm_cache_live_objects);
HM_EXPORT(hm_debug_key);
HM_EXPORT(hm_init_on_free_key);
HM_EXPORT(hm_plat_debug_ref);
HM_EXPORT(hm_cache_set_debug);
HM_EXPORT(hm_debug_parse);
HM_EXPORT(hm_debug_new_gen);
HM_EXPORT(hm_debug_site);
HM_EXPORT(hm_site_find);
HM_EXPORT(hm_debug_poison_hit);
HM_EXPORT(hm_debug_xowner);
HM_EXPORT(hm_cctx_alloc_debug);
HM_EXPORT(hm_cctx_free_local_debug);
HM_EXPORT(hm_debug_track);
HM_EXPORT(hm_debug_block_track);
HM_EXPORT(hm_report_log_copy);
HM_EXPORT(hm_report_double_free);
HM_EXPORT(hm_large_trim);
HM_EXPORT(hm_large_kept);
HM_EXPORT(hm_slab_map);
HM_EXPORT(hm_map_longest_free);
HM_EXPORT(hm_cache_frag);
HM_EXPORT(hm_cache_frag_each);
HM_EXPORT(hm_frag_walk);
HM_EXPORT(hm_frag_print);
HM_EXPORT(hm_sites_top);
HM_EXPORT(hm_sites_print);
HM_EXPORT(hm_debug_counts_print);
HM_EXPORT(hm_cctx_stats);
HM_EXPORT(hm_cache_stats);
HM_EXPORT(hm_stats_print_header);
HM_EXPORT(hm_stats_print);
HM_EXPORT(hm_fit_parse);
HM_EXPORT(hm_fit_name);
HM_EXPORT(hm_cache_set_fit);
HM_EXPORT(hm_cctx_alloc_contig);
HM_EXPORT(hm_contig_free_check);
HM_EXPORT(hm_cctx_add_chunk_contig);
HM_EXPORT(hm_cache_learn);
HM_EXPORT(hm_learn_parse);
HM_EXPORT(hm_learn_all);
HM_EXPORT(hm_elo_expect);
HM_EXPORT(hm_cache_set_adaptive);
HM_EXPORT(hakmem_mutex);
HM_EXPORT(hakmem_list_lock);
HM_EXPORT(hakmem_caches);
HM_EXPORT(hakmem_classes);
