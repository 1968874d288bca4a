// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_main.c - the hakmem_slab module: per-CPU contexts over the common
 * core, the exported API, the built-in size classes, CPU hotplug and the
 * shrinker.
 *
 * Each cache has one struct hakmem_pcpu per possible CPU: the core's
 * context (struct hm_cctx) and a local_lock_t.  The fast paths take only
 * that local lock (interrupts off on this CPU, no atomic instruction, no
 * shared cache line) and run the core's inlined mode code; a free into a
 * slab that another CPU owns is the core's single atomic operation.  When
 * the context needs memory, the lock is dropped, a chunk is allocated with
 * the caller's gfp (so GFP_KERNEL may sleep in the page allocator), and the
 * chunk is handed to whatever CPU the task runs on after relocking.
 *
 * A local lock rather than a this_cpu_cmpxchg() transaction (SLUB's
 * classic fast path): the three modes change two to four words per
 * operation (bitmap word + counters, magazine slot + live bit), which no
 * single cmpxchg covers.  Allocation may be called from interrupts, so
 * each CPU has two contexts per cache: tasks use one under local_lock()
 * (preemption off, no interrupt save and restore, the expensive part of
 * local_lock_irqsave()), hardirq and softirq handlers the other with
 * interrupts off.  An interrupt thus never finds the context it uses
 * half-changed.  Frees between the two are remote frees, as between CPUs.
 * On PREEMPT_RT the local locks become per-CPU spinlocks, which keeps the
 * code correct there as well.
 */
#define pr_fmt(fmt) "hakmem: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/workqueue.h>

#include "hakmem_internal.h"
#include "hm_fit.h"

/* serializes cache creation and destruction (debugfs directory names) */
DEFINE_MUTEX(hakmem_mutex);
/* protects hakmem_caches; never held while sleeping (see hakmem_internal.h) */
DEFINE_SPINLOCK(hakmem_list_lock);
/* every cache: the built-in classes first, then created caches */
LIST_HEAD(hakmem_caches);
struct hakmem_cache *hakmem_classes[HM_NR_CLASSES];
enum hm_mode hakmem_default_mode = HM_MODE_DEFAULT;
/* the top-level debug file's switches, which caches created later get */
unsigned int hakmem_debug_global;
/* the top-level policy file's fit policy (enum hm_fit), the same way */
unsigned int hakmem_policy_global;

static char *hakmem_mode_param = "hybrid";
module_param_named(mode, hakmem_mode_param, charp, 0444);
MODULE_PARM_DESC(mode, "slab design of the built-in size classes and of caches created with HAKMEM_MODE_DEFAULT: bitmap, freelist or hybrid (default)");

static enum cpuhp_state hakmem_cpuhp_state;

/* ---- caches and their per-CPU contexts ------------------------------ */

static struct hakmem_cache *hakmem_cache_new(const char *name, unsigned int size,
					     unsigned int align, enum hm_mode mode,
					     unsigned int hm_flags)
{
	struct hakmem_cache *hc;
	unsigned int cpu;

	hc = kzalloc(sizeof(*hc), GFP_KERNEL);
	if (!hc)
		return NULL;
	INIT_LIST_HEAD(&hc->list);
	hc->c = hm_core_cache_create(name, size, align, mode, hm_flags, GFP_KERNEL);
	if (!hc->c)
		goto fail;
	/* hakmem_free_rcu()'s callback finds the cache of a block by it */
	hc->c->adapter = hc;
	/* zeroed memory, as hm_cctx_init() wants */
	hc->pcpu = __alloc_percpu(offsetof(struct hakmem_pcpu, cc) + hm_cctx_size(hc->c),
				  __alignof__(struct hakmem_pcpu));
	hc->pcpu_irq = __alloc_percpu(offsetof(struct hakmem_pcpu, cc) + hm_cctx_size(hc->c),
				      __alignof__(struct hakmem_pcpu));
	if (!hc->pcpu || !hc->pcpu_irq)
		goto fail_pcpu;
	for_each_possible_cpu(cpu) {
		struct hakmem_pcpu *pc = per_cpu_ptr(hc->pcpu, cpu);
		struct hakmem_pcpu *pi = per_cpu_ptr(hc->pcpu_irq, cpu);

		local_lock_init(&pc->lock);
		hm_cctx_init(&pc->cc, hc->c, cpu);
		hm_cctx_register(&pc->cc);
		local_lock_init(&pi->lock);
		hm_cctx_init(&pi->cc, hc->c, cpu | HAKMEM_CTX_IRQ);
		hm_cctx_register(&pi->cc);
	}
	return hc;

fail_pcpu:
	free_percpu(hc->pcpu);
	free_percpu(hc->pcpu_irq);
	hm_core_cache_destroy(hc->c);
fail:
	kfree(hc);
	return NULL;
}

static void hakmem_cache_publish(struct hakmem_cache *hc)
{
	spin_lock(&hakmem_list_lock);
	list_add_tail(&hc->list, &hakmem_caches);
	spin_unlock(&hakmem_list_lock);
}

static unsigned long hakmem_cache_free_all(struct hakmem_cache *hc)
{
	unsigned long leaked;

	spin_lock(&hakmem_list_lock);
	list_del_init(&hc->list);
	spin_unlock(&hakmem_list_lock);
	/* waits until no debugfs reader looks at the cache any more */
	hakmem_debugfs_remove(hc);
	/* flushes every context, reports and keeps slabs with live objects */
	leaked = hm_core_cache_destroy(hc->c);
	free_percpu(hc->pcpu);
	free_percpu(hc->pcpu_irq);
	kfree(hc);
	return leaked;
}

/*
 * This CPU's context for the current execution context, locked: see the
 * top of this file.  in_task() is the same at lock and unlock.
 */
static __always_inline struct hm_cctx *hakmem_lock(struct hakmem_cache *hc,
						   unsigned long *flags)
{
	if (likely(in_task())) {
		local_lock(&hc->pcpu->lock);
		return &this_cpu_ptr(hc->pcpu)->cc;
	}
	local_lock_irqsave(&hc->pcpu_irq->lock, *flags);
	return &this_cpu_ptr(hc->pcpu_irq)->cc;
}

static __always_inline void hakmem_unlock(struct hakmem_cache *hc,
					  unsigned long flags)
{
	if (likely(in_task()))
		local_unlock(&hc->pcpu->lock);
	else
		local_unlock_irqrestore(&hc->pcpu_irq->lock, flags);
}

/*
 * Slow path: the context of this CPU has no free block.  Called with no
 * lock held; the chunk is allocated as the caller allows (sleeping for
 * GFP_KERNEL) and added to the context of the CPU we run on afterwards.
 * With __GFP_NOFAIL and a gfp that may sleep it never gives up: it waits
 * as the page allocator's retry loops do (memalloc_retry_wait()) and asks
 * again, whatever failed (the page allocator, the slab map's or the debug
 * records' memory, fault injection).
 */
static noinline void *hakmem_refill(struct hakmem_cache *hc, gfp_t gfp,
				    unsigned long ip)
{
	bool nofail = (gfp & __GFP_NOFAIL) && gfpflags_allow_blocking(gfp);
	unsigned long flags;
	unsigned int tries;
	void *p = NULL;

	for (tries = 0; tries < 4 || nofail; tries++) {
		void *chunk = hm_cache_chunk_get(hc->c, gfp);

		if (!chunk) {
			if (!nofail)
				break;
			memalloc_retry_wait(gfp);
			continue;
		}
		/*
		 * kmemleak: the slab header up to the first block, the only
		 * pointer to the slab's debug records, is scanned and never
		 * reported (min_count 0); the objects are kmemleak's objects
		 * of their own (hm_plat_obj_alloc()).  Taken off when the
		 * chunk goes back (hm_plat_chunk_free()).
		 */
		kmemleak_alloc(chunk, hc->c->first_off, 0, gfp);
		/* never wasted: an unneeded chunk becomes a reserve slab */
		p = hm_cctx_add_chunk(hakmem_lock(hc, &flags), chunk, ip);
		hakmem_unlock(hc, flags);
		if (p)
			return p;
	}
	hakmem_lock(hc, &flags)->st.alloc_fail++;
	hakmem_unlock(hc, flags);
	return NULL;
}

/*
 * The hybrid debug route's copies (common/hm_debug_copies.h), under the
 * local lock as the rest; the first row (HM_SPAN_ANY) for the sizes of no
 * span, with memchr_inv() and memset().  The slow paths below reach a
 * context's pair through cc->debug_alloc and cc->debug_free, an indirect
 * tail call inside the section; what the try leaves, the copy's slow path
 * does, as before: NULL still means a refill, after the unlock.
 */
#define HM_DEBUG_COPY_ALLOC_SLOW(cc, ip)	hm_cctx_alloc_debug_slow(cc, ip)
#define HM_DEBUG_COPY_FREE_SLOW(cc, s, p, ip)	hm_cctx_free_debug_slow(cc, s, p, ip)
#include "hm_debug_copies.h"

/* the spans' words: every block is word aligned, a whole number of words */
static_assert(HM_MIN_OBJ_SIZE % sizeof(long) == 0, "blocks of whole words");
#if HM_PLAT_KASAN
/* KASAN's poisoning: every block whole granules (hm_plat_mark_free()) */
static_assert(HM_MIN_OBJ_SIZE % HM_KASAN_GRANULE == 0, "blocks of whole KASAN granules");
static_assert(HM_LARGE_HDR % HM_KASAN_GRANULE == 0, "large objects granule aligned");
#endif

void hakmem_cctx_copies(struct hm_cctx *cc)
{
	hm_debug_copies_set(cc);
}

/*
 * The full paths under the local lock, out of line: the inlined fast paths
 * (hm_cctx_alloc_try(), hm_cctx_free_try()) then need no saved registers.
 * On the hybrid debug route they go to the context's copy at once, an
 * indirect tail call, no frame: the entry points stay as they were, and
 * with every switch off run not one instruction more.
 */
static noinline void *hakmem_alloc_locked_slow(struct hm_cctx *cc,
					       unsigned long ip)
{
	void *(*copy)(struct hm_cctx *cc, unsigned long ip);

	if (hm_cctx_debug_hybrid(cc)) {
		copy = READ_ONCE(cc->debug_alloc);
		return copy(cc, ip);
	}
	return hm_cctx_alloc_ip(cc, ip);
}

/* hm_cctx_free() inlined, a frame of six saved registers: not in the copy's way */
static noinline void hakmem_free_locked_full(struct hm_cctx *cc,
					     struct hm_slab *s, void *ptr,
					     unsigned long ip)
{
	hm_cctx_free(cc, s, ptr, ip);
}

static noinline void hakmem_free_locked_slow(struct hm_cctx *cc,
					     struct hm_slab *s, void *ptr,
					     unsigned long ip)
{
	void (*copy)(struct hm_cctx *cc, struct hm_slab *s, void *p, unsigned long ip);

	if (s->owner == cc && hm_cctx_debug_hybrid(cc)) {
		copy = READ_ONCE(cc->debug_free);
		copy(cc, s, ptr, ip);
	} else {
		hakmem_free_locked_full(cc, s, ptr, ip);
	}
}

/*
 * Zones of memory that hakmem has none of: its chunks come from the
 * direct map, wherever the page allocator puts them.  kmalloc() has
 * caches for GFP_DMA and fixes __GFP_DMA32 up (with a warning); an object
 * handed out for either would be a buffer a device cannot reach, so such
 * a call is refused.  __GFP_HIGHMEM is met by any memory.
 */
#define HAKMEM_GFP_REFUSED	(__GFP_DMA | __GFP_DMA32)

static void hakmem_refuse_gfp(gfp_t gfp, unsigned long ip);

/* Is @gfp refused (HAKMEM_GFP_REFUSED)?  Then reported for caller @ip. */
static __always_inline bool hakmem_gfp_refused(gfp_t gfp, unsigned long ip)
{
	if (likely(!(gfp & HAKMEM_GFP_REFUSED)))
		return false;
	hakmem_refuse_gfp(gfp, ip);
	return true;
}

static __always_inline void hakmem_cache_free_one(struct hakmem_cache *hc,
						  struct hm_slab *s, void *ptr,
						  unsigned long ip);

/*
 * Object @p of @hc, allocated for a call whose @gfp asks for more than an
 * object (__GFP_ZERO, a zone hakmem has no memory of), or on a kernel
 * that initialises every allocation (init_on_alloc=1, the default with
 * CONFIG_INIT_ON_ALLOC_DEFAULT_ON, as Debian's): zeroed, or freed again
 * and the call refused.  Out of line: the fast path pays its test only.
 */
static noinline void *hakmem_alloc_init(struct hakmem_cache *hc, void *p, gfp_t gfp,
					unsigned long ip)
{
	if (hakmem_gfp_refused(gfp, ip)) {
		hakmem_cache_free_one(hc, hm_ptr_to_slab(p), p, ip);
		return NULL;
	}
	/* the whole block: hakmem_ksize() lets the caller use it all */
	memset(p, 0, hc->c->size);
	return p;
}

static __always_inline void *hakmem_cache_alloc_one(struct hakmem_cache *hc,
						    gfp_t gfp)
{
	unsigned long flags;
	struct hm_cctx *cc;
	void *p;

	might_alloc(gfp);
	cc = hakmem_lock(hc, &flags);
	if (unlikely(!hm_cctx_alloc_try(cc, &p)))
		p = hakmem_alloc_locked_slow(cc, _RET_IP_);
	hakmem_unlock(hc, flags);
	if (unlikely(!p)) {
		p = hakmem_refill(hc, gfp, _RET_IP_);
		if (!p)
			return NULL;
	}
	/* a static branch, then the one test of gfp there was for __GFP_ZERO */
	if (want_init_on_alloc(0) || unlikely(gfp & (__GFP_ZERO | HAKMEM_GFP_REFUSED)))
		return hakmem_alloc_init(hc, p, gfp, _RET_IP_);
	return p;
}

/* @s is the live slab of @ptr and belongs to @hc's cache */
static __always_inline void hakmem_cache_free_one(struct hakmem_cache *hc,
						  struct hm_slab *s, void *ptr,
						  unsigned long ip)
{
	unsigned long flags;
	struct hm_cctx *cc;

	cc = hakmem_lock(hc, &flags);
	if (unlikely(s->owner != cc || !hm_cctx_free_try(cc, s, ptr)))
		hakmem_free_locked_slow(cc, s, ptr, ip);
	hakmem_unlock(hc, flags);
}

/* ---- bad input ------------------------------------------------------- */

/*
 * A call refused for its arguments: counted and logged as @e with @p, of
 * cache @c (NULL: none), as the core's reports are (the errors files, the
 * tests' count), and, unless a test counts it or the rate limit of kind @e
 * holds it back (hm_report_count()), printed with the arguments' values,
 * which the core's report would show as a hashed pointer, and the caller
 * @ip.
 */
static __cold __printf(5, 6) void hakmem_refuse(struct hm_cache *c, enum hm_error e,
					      const void *p, unsigned long ip,
					      const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!hm_report_count(c, e, NULL, p, 0, ip, NULL))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("%pV, caller %pS\n", &vaf, (void *)ip);
	va_end(args);
}

/*
 * @cache, named by the call @fn, is no live cache (NULL, or destroyed
 * already): refused as a pointer not from hakmem, as userspace's
 * hm_cache_destroy() refuses one.  Out of line, so that the callers' test
 * of @cache is all the fast path pays.
 */
static noinline __cold void hakmem_refuse_cache(const char *fn, const void *cache,
						unsigned long ip)
{
	hakmem_refuse(NULL, HM_ERR_FOREIGN, cache, ip, "%s: %p is not a live cache", fn, cache);
}

/* An allocation refused for its gfp: HAKMEM_GFP_REFUSED, counted as a bad size. */
static noinline __cold void hakmem_refuse_gfp(gfp_t gfp, unsigned long ip)
{
	hakmem_refuse(NULL, HM_ERR_BAD_SIZE, (void *)(__force unsigned long)gfp, ip,
		      "gfp %#x (%pGg): hakmem has no DMA or DMA32 memory",
		      (__force unsigned int)gfp, &gfp);
}

/*
 * A bulk call @fn of @nr objects given no array (NULL): nothing allocated
 * or freed, refused as a pointer not from hakmem, as userspace's
 * hm_cache_alloc_bulk() and hm_cache_free_bulk() refuse it.
 */
static noinline __cold void hakmem_refuse_array(const char *fn, size_t nr, unsigned long ip)
{
	hakmem_refuse(NULL, HM_ERR_FOREIGN, NULL, ip, "%s: no array for %zu objects", fn, nr);
}

/*
 * A bulk call @fn of @nr objects, more than INT_MAX (the int the
 * allocation returns; a negative count cast to size_t): nothing allocated
 * or freed, no entry of the array read, counted as a bad size of @cache
 * (or of none) with @nr.
 */
static noinline __cold void hakmem_refuse_nr(struct hakmem_cache *cache, const char *fn,
					     size_t nr, unsigned long ip)
{
	hakmem_refuse(cache ? cache->c : NULL, HM_ERR_BAD_SIZE, (void *)nr, ip,
		      "%s: %zu objects (%zd as signed) of cache %s, more than INT_MAX: refused, nothing done",
		      fn, nr, (ssize_t)nr, cache ? cache->c->name : "-");
}

/*
 * A free to no cache (a NULL cache) of @ptrs: the first that is not NULL
 * refused and reported (hm_free_no_cache()), nothing freed.
 */
static noinline __cold void hakmem_free_no_cache(void *const *ptrs, size_t n, unsigned long ip)
{
	/* a stale pointer's slab, released meanwhile, stays until the unlock */
	rcu_read_lock();
	hm_free_no_cache(ptrs, n, ip);
	rcu_read_unlock();
}

/**
 * hakmem_cache_create() - create a cache of objects of one size
 * @name: name in reports and under /sys/kernel/debug/hakmem/ (copied, cut
 *        to 31 bytes, a control byte as '?')
 * @size: object size, 1 to 4096 bytes
 * @align: required alignment, a power of two up to 4096, or 0 (8 bytes)
 * @flags: HAKMEM_MODE_* (the slab design; HAKMEM_MODE_DEFAULT is the
 *         module's mode= parameter), optionally | HAKMEM_CHECKS
 *
 * A size, alignment or flag outside these is refused: nothing is created,
 * and the call is counted as a ``bad size`` in the errors file and
 * reported in the kernel log (ratelimited) with the values and the caller.
 *
 * Context: process context, may sleep.
 * Return: the cache, or NULL for a bad size, alignment or flag, or when
 * memory is exhausted.
 */
struct hakmem_cache *hakmem_cache_create(const char *name, unsigned int size,
					 unsigned int align, unsigned int flags)
{
	static const enum hm_mode modes[] = {
		[HAKMEM_MODE_BITMAP] = HM_MODE_BITMAP,
		[HAKMEM_MODE_FREELIST] = HM_MODE_FREELIST,
		[HAKMEM_MODE_HYBRID] = HM_MODE_HYBRID,
	};
	const unsigned int known = HAKMEM_MODE_MASK | HAKMEM_CHECKS;
	unsigned int m = flags & HAKMEM_MODE_MASK;
	struct hakmem_cache *hc;
	enum hm_cache_arg bad;

	might_sleep();
	if (unlikely(flags & ~known)) {
		hakmem_refuse(NULL, HM_ERR_BAD_SIZE, (void *)(unsigned long)flags, _RET_IP_,
			      "cache %s: unknown flags %#x", name, flags & ~known);
		return NULL;
	}
	/*
	 * The core refuses these too, but its report shows the value hashed
	 * (%p) and names none of this call's values, nor its caller.
	 */
	bad = hm_cache_arg_bad(size, align, HM_MODE_BITMAP, 0);
	if (unlikely(bad != HM_ARG_OK)) {
		hakmem_refuse(NULL, HM_ERR_BAD_SIZE,
			      (void *)hm_cache_arg_value(bad, size, align, 0, 0), _RET_IP_,
			      "cache %s: size %u, align %u: not 1 to %lu bytes aligned to 0 or a power of two up to %lu",
			      name, size, align, HM_MAX_OBJ_SIZE, HM_MAX_OBJ_SIZE);
		return NULL;
	}
	hc = hakmem_cache_new(name, size, align,
			      m ? modes[m] : hakmem_default_mode,
			      flags & HAKMEM_CHECKS ? HM_CACHE_CHECKS : 0);
	if (!hc)
		return NULL;
	mutex_lock(&hakmem_mutex);
	/* under the mutex: no global switch changes before the cache is listed */
	if (hakmem_debug_global)
		hm_cache_set_debug(hc->c, hakmem_debug_global, GFP_KERNEL);
	if (hakmem_policy_global)
		hm_cache_set_fit(hc->c, hakmem_policy_global);
	hakmem_debugfs_add(hc);
	hakmem_cache_publish(hc);
	mutex_unlock(&hakmem_mutex);
	return hc;
}
EXPORT_SYMBOL_GPL(hakmem_cache_create);

/* Is @cache on the list of caches?  Compared, never read.  hakmem_mutex held. */
static bool hakmem_cache_listed(const struct hakmem_cache *cache)
{
	struct hakmem_cache *hc;
	bool found = false;

	lockdep_assert_held(&hakmem_mutex);
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		if (hc == cache) {
			found = true;
			break;
		}
	}
	spin_unlock(&hakmem_list_lock);
	return found;
}

/**
 * hakmem_cache_destroy() - destroy a cache
 * @cache: the cache, or NULL; nobody may use it any more
 *
 * Objects still allocated are reported in the kernel log, one line per
 * slab that holds them, and their memory is kept (never freed under a
 * user); a later free of one of them is refused and reported.
 *
 * Only a live cache of hakmem_cache_create() is destroyed.  Anything else,
 * a cache destroyed already or one of the built-in classes, is refused
 * and nothing changes: @cache is looked up among the live caches before it
 * is read, and the call is counted as a ``pointer not from hakmem`` in the
 * errors file and reported in the kernel log (ratelimited) with @cache and
 * the caller.  (A destroyed cache's memory that a later
 * hakmem_cache_create() was given is that new cache.)
 *
 * Context: process context, may sleep.
 * Return: the number of objects that were still allocated; 0 for NULL and
 * for what is refused.
 */
unsigned long hakmem_cache_destroy(struct hakmem_cache *cache)
{
	unsigned long leaked;

	if (!cache)
		return 0;
	might_sleep();
	mutex_lock(&hakmem_mutex);
	/* a destroyed cache's memory may be gone: nothing is read before this */
	if (!hakmem_cache_listed(cache)) {
		mutex_unlock(&hakmem_mutex);
		hakmem_refuse_cache(__func__, cache, _RET_IP_);
		return 0;
	}
	if (unlikely(cache->builtin)) {
		mutex_unlock(&hakmem_mutex);
		hakmem_refuse(NULL, HM_ERR_FOREIGN, cache, _RET_IP_,
			      "%s: %p is the built-in class %s", __func__, cache,
			      cache->c->name);
		return 0;
	}
	/*
	 * hakmem_free_rcu() callbacks of the cache's objects run first: they
	 * free into the cache, which must still be there (acquire: what they
	 * freed is seen, as the decrement comes after it)
	 */
	if (atomic_long_read_acquire(&cache->rcu_pending))
		rcu_barrier();
	leaked = hakmem_cache_free_all(cache);
	mutex_unlock(&hakmem_mutex);
	return leaked;
}
EXPORT_SYMBOL_GPL(hakmem_cache_destroy);

/**
 * hakmem_cache_alloc() - allocate an object from a cache
 * @cache: a live cache: NULL is refused, a destroyed cache or an ERR_PTR()
 *         is the caller's bug and not checked (as for kmem_cache_alloc())
 * @gfp: GFP_KERNEL (may sleep), GFP_ATOMIC or GFP_NOWAIT (any context),
 *       optionally | __GFP_ZERO, __GFP_NOWARN, __GFP_NOFAIL
 *
 * The fast path takes this CPU's local lock only: no shared lock, no atomic
 * instruction.  A NULL @cache is refused: counted as a ``pointer not from
 * hakmem`` in the errors file and reported in the kernel log (ratelimited)
 * with the caller.
 *
 * The object is zeroed for __GFP_ZERO, and always when the kernel
 * initialises every allocation (init_on_alloc=1).  __GFP_NOFAIL with a
 * gfp that may sleep never returns NULL (the slow path retries until it
 * gets memory); with GFP_ATOMIC or GFP_NOWAIT it is the page allocator's
 * illegal combination and may fail.  __GFP_NOWARN reaches the page
 * allocator, the only place that warns of a failure.  GFP_DMA and
 * __GFP_DMA32 are refused (hakmem has no memory of those zones): NULL,
 * counted as a ``bad size`` and reported with the flags and the caller.
 *
 * Context: any context but NMI with GFP_ATOMIC or GFP_NOWAIT; might_alloc()
 * checks that a sleeping @gfp comes from where it may sleep.
 * Return: the object, aligned as the cache was created, or NULL.
 */
void *hakmem_cache_alloc(struct hakmem_cache *cache, gfp_t gfp)
{
	/* here, not in hakmem_cache_alloc_one(): hakmem_alloc()'s are never NULL */
	if (unlikely(!cache)) {
		hakmem_refuse_cache(__func__, cache, _RET_IP_);
		return NULL;
	}
	return hakmem_cache_alloc_one(cache, gfp);
}
EXPORT_SYMBOL_GPL(hakmem_cache_alloc);

/**
 * hakmem_cache_free() - free an object to its cache
 * @cache: the cache @ptr was allocated from (NULL is refused; a destroyed
 *         cache or an ERR_PTR() is the caller's bug and not checked)
 * @ptr: the object, or NULL
 *
 * A free on the CPU that owns the object's slab changes only that CPU's
 * state under its local lock; a free on another CPU is one atomic OR
 * (bitmap, hybrid) or compare-and-exchange (freelist) on the slab.  Double
 * frees, foreign or interior pointers and frees to the wrong cache are
 * refused before they change anything, and reported.  So is a free of a
 * non-NULL @ptr to a NULL @cache: a free to the wrong cache, naming none.
 *
 * Context: any context but NMI.
 */
void hakmem_cache_free(struct hakmem_cache *cache, void *ptr)
{
	unsigned long ip = _RET_IP_;
	unsigned long flags;
	struct hm_cctx *cc;
	struct hm_slab *s;

	if (unlikely(!ptr || !cache)) {
		if (ptr)
			hakmem_free_no_cache(&ptr, 1, ip);
		return;
	}
	/*
	 * The lookup under the local lock, an RCU read side: a stale
	 * pointer's slab, released meanwhile, stays until the unlock
	 * (hm_slab_release()).
	 */
	cc = hakmem_lock(cache, &flags);
	s = hm_ptr_to_slab(ptr);
	if (unlikely(!s))
		hm_free_other_cache(cache->c, ptr, ip);
	else if (unlikely(s->cache != cache->c))
		hm_report_block(cache->c, HM_ERR_WRONG_CACHE, s, ptr, ip);
	else if (unlikely(s->owner != cc || !hm_cctx_free_try(cc, s, ptr)))
		hakmem_free_locked_slow(cc, s, ptr, ip);
	hakmem_unlock(cache, flags);
}
EXPORT_SYMBOL_GPL(hakmem_cache_free);

#define HAKMEM_BULK_BATCH	64	/* objects per interrupts-off section */

/**
 * hakmem_cache_alloc_bulk() - allocate several objects at once
 * @cache: the cache
 * @gfp: as for hakmem_cache_alloc()
 * @nr: number of objects
 * @ptrs: array of @nr pointers to fill
 *
 * All or nothing, like kmem_cache_alloc_bulk(): on failure the objects
 * already allocated are freed again.  A NULL @cache or a NULL @ptrs with
 * @nr objects (counted as a ``pointer not from hakmem``), an @nr above
 * INT_MAX (a ``bad size`` of @cache) and GFP_DMA or __GFP_DMA32 (a ``bad
 * size``) are refused, reported, and @ptrs is left as it was.
 *
 * Context: as hakmem_cache_alloc(): any context but NMI with GFP_ATOMIC or
 * GFP_NOWAIT.
 * Return: @nr, or 0 on failure.
 */
int hakmem_cache_alloc_bulk(struct hakmem_cache *cache, gfp_t gfp, size_t nr,
			    void **ptrs)
{
	unsigned long flags;
	size_t done = 0;

	might_alloc(gfp);
	if (unlikely(!cache)) {
		hakmem_refuse_cache(__func__, cache, _RET_IP_);
		return 0;
	}
	if (unlikely(!ptrs && nr)) {
		hakmem_refuse_array(__func__, nr, _RET_IP_);
		return 0;
	}
	if (unlikely(nr > INT_MAX)) {
		hakmem_refuse_nr(cache, __func__, nr, _RET_IP_);
		return 0;
	}
	if (hakmem_gfp_refused(gfp, _RET_IP_))
		return 0;
	while (done < nr) {
		unsigned int want = min_t(size_t, nr - done, HAKMEM_BULK_BATCH);
		unsigned int got;

		got = hm_cctx_alloc_bulk(hakmem_lock(cache, &flags), want, ptrs + done,
					 _RET_IP_);
		hakmem_unlock(cache, flags);
		done += got;
		if (got == want)
			continue;
		ptrs[done] = hakmem_refill(cache, gfp, _RET_IP_);
		if (!ptrs[done]) {
			hakmem_cache_free_bulk(cache, done, ptrs);
			return 0;
		}
		done++;
	}
	if (want_init_on_alloc(gfp))
		for (done = 0; done < nr; done++)
			memset(ptrs[done], 0, cache->c->size);
	return (int)nr;
}
EXPORT_SYMBOL_GPL(hakmem_cache_alloc_bulk);

/**
 * hakmem_cache_free_bulk() - free several objects of one cache
 * @cache: the cache
 * @nr: number of objects
 * @ptrs: the objects; NULL entries are skipped
 *
 * Each object is checked as hakmem_cache_free() checks it: the good ones
 * are freed, each bad one is refused and reported (and stays as it was).
 * With a NULL @cache none is freed, and the call is reported once, as a
 * free of its first non-NULL object to the wrong cache (naming none).  A
 * NULL @ptrs with @nr objects frees nothing and is reported as a
 * ``pointer not from hakmem``.  An @nr above INT_MAX (as
 * hakmem_cache_alloc_bulk() refuses; a negative count cast to size_t)
 * frees nothing, reads no entry of @ptrs, and is reported as a ``bad
 * size`` of @cache.
 *
 * Context: any context but NMI.
 */
void hakmem_cache_free_bulk(struct hakmem_cache *cache, size_t nr, void **ptrs)
{
	unsigned long flags;
	struct hm_cctx *cc;
	size_t i, j;

	if (unlikely(!ptrs && nr)) {
		hakmem_refuse_array(__func__, nr, _RET_IP_);
		return;
	}
	/* before the NULL cache's search of @ptrs, which reads up to @nr too */
	if (unlikely(nr > INT_MAX)) {
		hakmem_refuse_nr(cache, __func__, nr, _RET_IP_);
		return;
	}
	if (unlikely(!cache)) {
		hakmem_free_no_cache(ptrs, nr, _RET_IP_);
		return;
	}
	for (i = 0; i < nr; i += HAKMEM_BULK_BATCH) {
		size_t end = min_t(size_t, nr, i + HAKMEM_BULK_BATCH);

		cc = hakmem_lock(cache, &flags);
		for (j = i; j < end; j++) {
			struct hm_slab *s;

			if (!ptrs[j])
				continue;
			s = hm_ptr_to_slab(ptrs[j]);
			if (unlikely(!s))
				hm_free_other_cache(cache->c, ptrs[j], _RET_IP_);
			else if (unlikely(s->cache != cache->c))
				hm_report_block(cache->c, HM_ERR_WRONG_CACHE, s, ptrs[j],
						_RET_IP_);
			else
				hm_cctx_free(cc, s, ptrs[j], _RET_IP_);
		}
		hakmem_unlock(cache, flags);
	}
}
EXPORT_SYMBOL_GPL(hakmem_cache_free_bulk);

/*
 * hakmem_alloc(@size) of caller @ip needs a chunk of @bytes (0: beyond the
 * address space), more than the page allocator's largest block: refused,
 * counted as a bad size, and printed unless the caller said __GFP_NOWARN
 * (a kvmalloc()-like caller that falls back), and always with
 * __GFP_NOFAIL, which it cannot honour.
 */
static noinline __cold void hakmem_refuse_large(size_t size, size_t bytes, gfp_t gfp,
						unsigned long ip)
{
	if (!hm_report_note(NULL, HM_ERR_BAD_SIZE, NULL, (void *)size, 0, ip, NULL))
		return;
	if ((gfp & __GFP_NOWARN) && !(gfp & __GFP_NOFAIL))
		return;
	if (hm_plat_err_ratelimit(NULL, HM_ERR_BAD_SIZE))
		pr_err("hakmem_alloc: size %zu (gfp %pGg) needs a chunk of %zu bytes, more than the largest, %lu bytes%s, caller %pS\n",
		       size, &gfp, bytes, HM_PLAT_CHUNK_MAX,
		       gfp & __GFP_NOFAIL ? ": __GFP_NOFAIL cannot be honoured" : "",
		       (void *)ip);
}

/* every size kmalloc() serves fits a chunk, header out of line or not */
static_assert(HM_PLAT_CHUNK_MAX >= KMALLOC_MAX_SIZE);

/*
 * A large object for hakmem_alloc().  No more pages than at HM_LARGE_HDR:
 * the chunk rounds up to them anyway.  From 64 KiB alignment on, freed
 * chunks are not kept.  __GFP_NOFAIL with a @gfp that may sleep waits and
 * asks again whatever failed, as hakmem_refill() does for a slab: the page
 * allocator, the slab map's memory, fault injection.
 */
static noinline void *hakmem_alloc_large(size_t size, gfp_t gfp, unsigned long ip)
{
	bool nofail = (gfp & __GFP_NOFAIL) && gfpflags_allow_blocking(gfp);
	size_t align = size & -size, bytes = hm_large_chunk_size(size, align);
	void *p;

	if (unlikely(!bytes || bytes > HM_PLAT_CHUNK_MAX)) {
		hakmem_refuse_large(size, bytes, gfp, ip);
		return NULL;
	}
	for (;;) {
		p = hm_large_alloc_aligned(size, align, want_init_on_alloc(gfp),
					   gfp & ~__GFP_ZERO);
		if (p || !nofail)
			break;
		memalloc_retry_wait(gfp);
	}
	/* a kmemleak object, as kmalloc()'s large ones are */
	kmemleak_alloc(p, size, 1, gfp);
	return p;
}

/* hakmem_alloc(), inlined: its _RET_IP_ is its caller's caller (hakmem_realloc()) */
static __always_inline void *hakmem_alloc_inl(size_t size, gfp_t gfp)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (likely(size <= HM_MAX_CLASS_SIZE))
		return hakmem_cache_alloc_one(hakmem_classes[hm_size_to_class(size)], gfp);
	might_alloc(gfp);
	if (hakmem_gfp_refused(gfp, _RET_IP_))
		return NULL;
	return hakmem_alloc_large(size, gfp, _RET_IP_);
}

/**
 * hakmem_alloc() - kmalloc() over the eight built-in size classes
 * @size: bytes; 0 gives ZERO_SIZE_PTR, sizes above HAKMEM_MAX_CLASS_SIZE
 *        get pages of their own
 * @gfp: as for hakmem_cache_alloc()
 *
 * Aligned as kmalloc() promises: a power-of-two @size on a multiple of
 * itself (the classes' objects are naturally aligned, a large object
 * starts at its alignment in its chunk), any other @size at least on its
 * largest power-of-two divisor, and never less than 8 bytes.
 *
 * A large object's chunk (its size, a header and its alignment's slack)
 * is one block of the page allocator; one that would be larger than its
 * largest block, KMALLOC_MAX_SIZE (4 MiB with 4 KiB pages: 4 MiB, or
 * 4 MiB less 1 to 63 bytes), fills such a block alone, its header out of
 * line (hm_large.c): every size kmalloc() serves is served.  A larger
 * @size is refused: NULL, counted as a ``bad size`` and reported with the
 * size, the flags and the caller (not printed with __GFP_NOWARN, unless
 * with __GFP_NOFAIL, which it cannot honour).  Any other large allocation
 * with __GFP_NOFAIL and a @gfp that may sleep never returns NULL, as
 * hakmem_cache_alloc().
 *
 * Context: as hakmem_cache_alloc(): any context but NMI with GFP_ATOMIC or
 * GFP_NOWAIT.
 * Return: the object, ZERO_SIZE_PTR, or NULL.
 */
void *hakmem_alloc(size_t size, gfp_t gfp)
{
	return hakmem_alloc_inl(size, gfp);
}
EXPORT_SYMBOL_GPL(hakmem_alloc);

/* What is no block of a live slab, for caller @ip: a large object freed, else refused. */
static void hakmem_free_other_ip(void *p, unsigned long ip)
{
	/* a live large object's kmemleak object; not a refused pointer's */
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && hm_core_usable_size(p))
		kmemleak_free(p);
	hm_free_other(p, ip);
}

/* The class whose cache is @c, or NULL (a cache of hakmem_cache_create()). */
static __always_inline struct hakmem_cache *hakmem_class_of(const struct hm_cache *c)
{
	unsigned int size = c->obj_size;
	struct hakmem_cache *hc;

	hc = likely(size <= HM_MAX_CLASS_SIZE) ? hakmem_classes[hm_size_to_class(size)] : NULL;
	return likely(hc && hc->c == c) ? hc : NULL;
}

/* hakmem_free() for caller @ip */
static __always_inline void hakmem_free_ip(const void *ptr, unsigned long ip)
{
	void *p = (void *)ptr;
	struct hakmem_cache *hc;
	struct hm_slab *s;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	/* a stale pointer's slab, released meanwhile, stays until the unlock */
	rcu_read_lock();
	s = hm_ptr_to_slab(p);
	if (unlikely(!s)) {
		hakmem_free_other_ip(p, ip);
		goto out;
	}
	hc = hakmem_class_of(s->cache);
	if (unlikely(!hc)) {
		hm_report_block(s->cache, HM_ERR_WRONG_CACHE, s, p, ip);
		goto out;
	}
	hakmem_cache_free_one(hc, s, p, ip);
out:
	rcu_read_unlock();
}

/**
 * hakmem_free() - free an object of hakmem_alloc()
 * @ptr: the object, NULL or ZERO_SIZE_PTR
 *
 * Objects of caches made with hakmem_cache_create() are refused (reported
 * as a free to the wrong cache): free them with hakmem_cache_free().
 *
 * Context: any context but NMI.
 */
void hakmem_free(const void *ptr)
{
	hakmem_free_ip(ptr, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_free);

/**
 * hakmem_ksize() - the usable size of a live hakmem object, as ksize()
 * @objp: an object of hakmem_cache_alloc() or hakmem_alloc(), NULL or
 *        ZERO_SIZE_PTR
 *
 * The caller may use every byte of it: the block of the object's cache or
 * class (hakmem_alloc(200) is a 256-byte block), or a large object's size.
 * __GFP_ZERO and init_on_alloc=1 zero that much, init_on_free=1 and the
 * poison debug switch fill that much at the free.
 *
 * A pointer hakmem did not hand out, an interior pointer and a free
 * object are refused: 0, counted in the errors file and reported in the
 * kernel log with the caller: the first two as hakmem_free() would report
 * them (a ``pointer not from hakmem``, an ``interior pointer``), a free
 * object, a freed large object or an object of a destroyed cache as a
 * ``use after free`` (nothing is freed: not a ``double free``).  A
 * free-list cache without HAKMEM_CHECKS keeps no state of its free
 * blocks: a free object of one reads as live.
 *
 * Context: any context but NMI.
 * Return: the usable size in bytes; 0 for NULL, ZERO_SIZE_PTR and what is
 * refused.
 */
size_t hakmem_ksize(const void *objp)
{
	size_t n;

	if (unlikely(ZERO_OR_NULL_PTR(objp)))
		return 0;
	/* a stale pointer's slab, released meanwhile, stays until the unlock */
	rcu_read_lock();
	n = hm_core_usable_size_ip(objp, _RET_IP_);
	rcu_read_unlock();
	return n;
}
EXPORT_SYMBOL_GPL(hakmem_ksize);

/**
 * hakmem_realloc() - krealloc() for objects of hakmem_alloc()
 * @ptr: an object of hakmem_alloc(), NULL or ZERO_SIZE_PTR
 * @new_size: bytes wanted; 0 frees @ptr
 * @gfp: as for hakmem_alloc(); it applies to a new object only
 *
 * As krealloc() of Linux 6.12: a NULL (or ZERO_SIZE_PTR) @ptr is
 * hakmem_alloc(@new_size); a @new_size of 0 frees @ptr (hakmem_free())
 * and returns ZERO_SIZE_PTR.  An object whose usable size, hakmem_ksize(),
 * is at least @new_size stays where it is (a shrink too: its block does
 * not change, nor a large object's chunk), and the bytes from @new_size
 * to the usable size are zeroed when @gfp has __GFP_ZERO or the kernel
 * initialises every allocation (init_on_alloc=1).  Else a new object of
 * @new_size bytes is allocated with @gfp, the old one's usable size
 * copied into it, and the old one freed; when that allocation fails, NULL
 * is returned and @ptr is left as it was.  The contents are kept up to
 * the lesser of the two sizes.  As with krealloc(), __GFP_ZERO gives
 * zeroes past the old contents only if every allocation and reallocation
 * of the object asked for it.
 *
 * A @ptr that is no live object of hakmem_alloc() is refused before
 * anything changes: NULL, counted in the errors file and reported in the
 * kernel log with the caller as a free of it would be (a ``double free``
 * for an object freed already, a ``pointer not from hakmem``, an
 * ``interior pointer``, a ``free to the wrong cache`` for an object of a
 * cache of hakmem_cache_create()).
 *
 * Context: as hakmem_alloc() for @gfp; any context but NMI.
 * Return: the object (@ptr or a new one), ZERO_SIZE_PTR for a @new_size
 * of 0, or NULL (@ptr untouched).
 */
void *hakmem_realloc(const void *ptr, size_t new_size, gfp_t gfp)
{
	unsigned long ip = _RET_IP_;
	void *p = (void *)ptr, *q;
	struct hm_slab *s;
	size_t ks;

	if (unlikely(!new_size)) {
		hakmem_free_ip(ptr, ip);
		return ZERO_SIZE_PTR;
	}
	if (ZERO_OR_NULL_PTR(ptr))
		return hakmem_alloc_inl(new_size, gfp);
	/* a stale pointer's slab, released meanwhile, stays until the unlock */
	rcu_read_lock();
	s = hm_ptr_to_slab(p);
	if (unlikely(s && !hakmem_class_of(s->cache))) {
		hm_report_block(s->cache, HM_ERR_WRONG_CACHE, s, p, ip);
		ks = 0;
	} else {
		ks = hm_core_free_size(p, ip);
	}
	rcu_read_unlock();
	if (unlikely(!ks))
		return NULL;
	if (ks >= new_size) {
		if (want_init_on_alloc(gfp))
			memset((char *)p + new_size, 0, ks - new_size);
		return p;
	}
	q = hakmem_alloc_inl(new_size, gfp);
	if (unlikely(!q))
		return NULL;
	memcpy(q, p, ks);
	hakmem_free_ip(p, ip);
	return q;
}
EXPORT_SYMBOL_GPL(hakmem_realloc);

/*
 * The free hakmem_free_rcu() deferred, of the object whose memory holds
 * @head, by the normal path: the checks of a free (double free, a slab
 * gone) are made now.  @head is never read.  Return: the created cache
 * the object was of, or NULL (a class, a large object, none).
 */
static struct hakmem_cache *hakmem_free_head(struct rcu_head *head, unsigned long ip)
{
	struct hakmem_cache *hc = NULL;
	struct hm_slab *s = NULL;
	size_t n;
	void *p;

	rcu_read_lock();
	p = hm_core_obj_of(head, &n);
	if (p)
		s = hm_ptr_to_slab(p);
	if (s) {
		hc = s->cache->adapter;
		hakmem_cache_free_one(hc, s, p, ip);
	} else {
		/* a large object, or no object any more: refused as its free */
		hakmem_free_other_ip(p ? p : head, ip);
	}
	rcu_read_unlock();
	return hc && !hc->builtin ? hc : NULL;
}

static void hakmem_free_rcu_cb(struct rcu_head *head)
{
	struct hakmem_cache *hc = hakmem_free_head(head, _THIS_IP_);

	/* the last look at the cache: hakmem_cache_destroy() may free it now */
	if (hc)
		atomic_long_dec_return_release(&hc->rcu_pending);
}

/**
 * hakmem_free_rcu_now() - the free a hakmem_free_rcu() callback makes, now
 * @head: a struct rcu_head inside an object, never queued
 *
 * For the tests: what the callback does when its object was freed
 * meanwhile, without an RCU callback list in freed memory.
 */
void hakmem_free_rcu_now(struct rcu_head *head)
{
	hakmem_free_head(head, _RET_IP_);
}
EXPORT_SYMBOL_NS_GPL(hakmem_free_rcu_now, HAKMEM_NS);

/**
 * hakmem_free_rcu() - free an object after an RCU grace period, as kfree_rcu()
 * @ptr: an object of hakmem_alloc() or of a cache, NULL or ZERO_SIZE_PTR
 * @head: a struct rcu_head inside the object, which the grace period uses
 *
 * kfree_rcu() frees with kfree(), which cannot take a hakmem object: this
 * queues @head with call_rcu(), and the callback frees the object after
 * a grace period, as hakmem_free() or hakmem_cache_free() would (its
 * cache is the block's).  The callback finds the object from @head alone
 * (the object whose memory holds it), never reading it, and the free it
 * makes is checked as any free is: a double free found then is refused
 * and reported, with the callback as the caller.  The caller must not
 * touch the object after this call, as after kfree_rcu().
 *
 * Checked now, before anything is queued: @ptr must be a live object (else
 * refused as its free would be: a ``double free``, a ``pointer not from
 * hakmem``, an ``interior pointer``) and @head must lie wholly inside its
 * usable size (hakmem_ksize()); a @head outside it is refused as a
 * ``pointer not from hakmem`` of the object's cache.  A refusal queues
 * nothing, frees nothing, and is counted in the errors file and reported
 * in the kernel log with the caller.  A free-list cache without
 * HAKMEM_CHECKS keeps no state of its free blocks: there a freed object
 * reads as live, and neither the call nor the callback can tell.  Two
 * calls for one object within one grace period with the same @head
 * corrupt RCU's list, as with kfree_rcu() (CONFIG_DEBUG_OBJECTS_RCU_HEAD
 * catches it); with two heads in the object, the second callback finds a
 * freed object and reports it.
 *
 * hakmem_cache_destroy() waits for the callbacks of a cache's objects
 * (rcu_barrier()) before it destroys the cache, and so does the module's
 * exit for every callback.  A function, not a macro over the object's
 * member as kfree_rcu(): hakmem_free_rcu(p, &p->rcu) names both.
 *
 * Context: any context but NMI; never sleeps.  The callback runs in
 * softirq context (or an rcuo kthread), where frees may run.
 */
void hakmem_free_rcu(const void *ptr, struct rcu_head *head)
{
	unsigned long ip = _RET_IP_, off = (unsigned long)head - (unsigned long)ptr;
	struct hakmem_cache *hc = NULL;
	struct hm_slab *s;
	size_t n;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	/* a stale pointer's slab, released meanwhile, stays until the unlock */
	rcu_read_lock();
	n = hm_core_free_size(ptr, ip);
	if (unlikely(!n))
		goto refused;
	s = hm_ptr_to_slab(ptr);
	if (unlikely(n < sizeof(*head) || off > n - sizeof(*head))) {
		hakmem_refuse(s ? s->cache : NULL, HM_ERR_FOREIGN, head, ip,
			      "%s: rcu_head %p at %+ld bytes from object %p of %zu bytes is not inside it: nothing queued",
			      __func__, head, (long)off, ptr, n);
		goto refused;
	}
	if (s) {
		hc = s->cache->adapter;
		if (!hc->builtin)
			atomic_long_inc(&hc->rcu_pending);
	}
	rcu_read_unlock();
	call_rcu(head, hakmem_free_rcu_cb);
	return;

refused:
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(hakmem_free_rcu);

/* ---- reclaim, validation -------------------------------------------- */

/*
 * Each context keeps a reserve of empty slabs (hysteresis against
 * allocating a chunk at every slab turnover), and slabs that remote frees
 * woke (full slabs, queued on its notify stack) wait until its CPU next
 * allocates; a CPU that goes idle after other CPUs freed its objects
 * would keep those slabs, emptied, for good.  Both are the context's own,
 * so they are handed to the pool on its CPU, under its local lock, by a
 * work item bound to that CPU (lru_add_drain_all()'s shape): it collects
 * the woken slabs as the allocation slow path does (hm_cctx_take_slab()),
 * and the slabs that emptied join the reserve it hands on.  A CPU that
 * goes offline meanwhile runs its item elsewhere, where it drains that
 * CPU's contexts instead: harmless, and the CPU-dead callback has flushed
 * the offline CPU's own.  Items are queued only on CPUs whose contexts
 * hold a reserve or a woken slab, and the items waited for are those
 * queued (hakmem_reserve_cpus), hotplug or not: a shrink with nothing to
 * take queues nothing and waits for no CPU.  Remote frees into a
 * context's active or partial slabs wake nothing (the owner looks at
 * those anyway when it allocates): an idle CPU keeps them, and at most
 * its active slab and magazine of each cache.
 */
static struct workqueue_struct *hakmem_wq;	/* WQ_MEM_RECLAIM: the shrinker waits on it */
static DEFINE_PER_CPU(struct work_struct, hakmem_reserve_work);
/* one drain at a time; the two below are the running drain's */
static DEFINE_MUTEX(hakmem_reserve_mutex);
static struct cpumask hakmem_reserve_cpus;	/* where it queued its items */
static atomic_long_t hakmem_reserve_released;	/* slabs released at once (full pool) */
static atomic_long_t hakmem_reserve_items;	/* drain items run since load */
/*
 * CPUs the CPU-dead callback ran for and that have not come up again:
 * written under the hotplug lock (hakmem_cpu_dead(), hakmem_cpu_prepare()),
 * read under it too.
 */
static struct cpumask hakmem_dead_cpus;

/*
 * @cc, this CPU's context, under its local lock: the slabs remote frees
 * woke are collected (what was found is added to @d), and the reserve,
 * with those they emptied, goes to the pool.  Return: the slabs that
 * went back to the page allocator at once (beyond a full pool), the ones
 * this drain released and no other: each call counts its own.
 */
static unsigned int hakmem_cctx_drain(struct hm_cctx *cc, struct hm_drain *d)
{
	unsigned int n = 0;

	if (hm_atomic_read(&cc->notify))
		n = hm_cctx_drain_woken(cc, d);
	return n + hm_cctx_drop_reserve(cc);
}

static void hakmem_reserve_drain_fn(struct work_struct *unused)
{
	struct hakmem_cache *hc;
	unsigned long flags;
	long n = 0;

	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		struct hm_drain d = { };

		local_lock(&hc->pcpu->lock);
		n += hakmem_cctx_drain(&this_cpu_ptr(hc->pcpu)->cc, &d);
		local_unlock(&hc->pcpu->lock);
		local_lock_irqsave(&hc->pcpu_irq->lock, flags);
		n += hakmem_cctx_drain(&this_cpu_ptr(hc->pcpu_irq)->cc, &d);
		local_unlock_irqrestore(&hc->pcpu_irq->lock, flags);
		/* what the count may expect of the next woken slabs */
		hm_cache_woken_yield(hc->c, &d);
	}
	spin_unlock(&hakmem_list_lock);
	atomic_long_add(n, &hakmem_reserve_released);
	atomic_long_inc(&hakmem_reserve_items);
}

/**
 * hakmem_reserve_drain_items() - reserve drain work items run since load
 *
 * Return: how many CPUs hakmem_shrink_all() has sent a drain to, in sum.
 */
unsigned long hakmem_reserve_drain_items(void)
{
	return atomic_long_read(&hakmem_reserve_items);
}
EXPORT_SYMBOL_NS_GPL(hakmem_reserve_drain_items, HAKMEM_NS);

/**
 * hakmem_cpu_dead_kept() - is @cpu among the offline CPUs the shrinker flushes?
 * @cpu: a CPU
 *
 * Return: whether the CPU-dead callback ran for @cpu and it has not been
 * brought up again since.
 */
bool hakmem_cpu_dead_kept(unsigned int cpu)
{
	return cpumask_test_cpu(cpu, &hakmem_dead_cpus);
}
EXPORT_SYMBOL_NS_GPL(hakmem_cpu_dead_kept, HAKMEM_NS);

/*
 * Does a context of @cpu keep empty slabs, or slabs that remote frees
 * woke?  Racy reads of the owner's count and notify word: what comes
 * after them waits for the next shrink.
 */
static bool hakmem_cpu_has_reserve(unsigned int cpu)
{
	struct hakmem_cache *hc;
	bool any = false;

	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		struct hm_cctx *cc = hakmem_cpu_cctx(hc, cpu, false);
		struct hm_cctx *ci = hakmem_cpu_cctx(hc, cpu, true);

		if (hm_cctx_nempty(cc) || hm_cctx_nempty(ci) ||
		    hm_atomic_read(&cc->notify) || hm_atomic_read(&ci->notify)) {
			any = true;
			break;
		}
	}
	spin_unlock(&hakmem_list_lock);
	return any;
}

/*
 * @cc, the context of an offline CPU (nobody uses it): flushed, unless
 * @dead is false and no remote free woke one of its slabs since the last
 * time, and its slabs with live objects parked (hm_cctx_park()), so that
 * the next remote free into any of them shows in its notify word and in
 * the cache's nwoken, which the shrinker's count reads instead of walking
 * the slabs.  The woken slabs are drained first, what they held added to
 * @d.  Return: the slabs this gave back to the page allocator at once.
 */
static unsigned int hakmem_offline_park(struct hm_cctx *cc, bool dead, struct hm_drain *d)
{
	unsigned int n;

	if (!dead && !hm_atomic_read(&cc->notify))
		return 0;
	n = hm_cctx_drain_woken(cc, d);
	n += hm_cctx_flush(cc);
	return n + hm_cctx_park(cc);
}

/*
 * The contexts of the CPUs that are offline since the CPU-dead callback
 * ran for them (hakmem_dead_cpus; a CPU never online has nothing).  It
 * flushed them and parked their slabs, but remote frees go on into those,
 * and no owner collects them until the CPU comes back, perhaps never (SMT
 * turned off, a CPU unplugged): the shrink does, as the core's reaps the
 * context of a thread that exited (hm_cache_shrink()), and the slabs they
 * emptied go to the pool.  A parked slab's first remote free queues it on
 * the context's notify stack, so only a context with a non-empty stack is
 * flushed, and parked again.  Only while no CPU can come online: the
 * hotplug lock is tried, never waited for (reclaim may run inside a
 * hotplug operation, which holds it), and a shrink that finds it taken
 * leaves the contexts to the next.  Each context is flushed by one at a
 * time: under hakmem_reserve_mutex, and hakmem_list_lock keeps it from
 * the hotplug callbacks.  Return: the slabs that went back to the page
 * allocator at once.
 */
static unsigned long hakmem_offline_flush(void)
{
	struct hakmem_cache *hc;
	unsigned long n = 0;
	unsigned int cpu;

	lockdep_assert_held(&hakmem_reserve_mutex);
	if (!cpus_read_trylock())
		return 0;
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		struct hm_drain d = { };

		for_each_cpu(cpu, &hakmem_dead_cpus) {
			if (cpu_online(cpu))
				continue;
			/* beyond a full pool, given back at once */
			n += hakmem_offline_park(hakmem_cpu_cctx(hc, cpu, false), false, &d);
			n += hakmem_offline_park(hakmem_cpu_cctx(hc, cpu, true), false, &d);
		}
		hm_cache_woken_yield(hc->c, &d);
	}
	spin_unlock(&hakmem_list_lock);
	cpus_read_unlock();
	return n;
}

/*
 * Every online CPU that keeps a reserve or a woken slab hands them to the
 * pools; waits for those.  The offline CPUs' woken contexts are flushed
 * first.  Return: the slabs that went back to the page allocator at once.
 */
static unsigned long hakmem_reserve_drain_all(void)
{
	unsigned long offline;
	unsigned int cpu;
	long n;

	mutex_lock(&hakmem_reserve_mutex);
	offline = hakmem_offline_flush();
	atomic_long_set(&hakmem_reserve_released, 0);
	cpumask_clear(&hakmem_reserve_cpus);
	for_each_online_cpu(cpu)
		if (hakmem_cpu_has_reserve(cpu))
			cpumask_set_cpu(cpu, &hakmem_reserve_cpus);
	for_each_cpu(cpu, &hakmem_reserve_cpus)
		queue_work_on(cpu, hakmem_wq, per_cpu_ptr(&hakmem_reserve_work, cpu));
	for_each_cpu(cpu, &hakmem_reserve_cpus)
		flush_work(per_cpu_ptr(&hakmem_reserve_work, cpu));
	n = atomic_long_read(&hakmem_reserve_released);
	mutex_unlock(&hakmem_reserve_mutex);
	return n + offline;
}

/*
 * Empty slabs that hakmem_shrink_all() would give back right now, and of
 * the slabs that remote frees woke, online and offline CPUs' alike, those
 * it may find emptied: their number times the share of woken slabs that
 * the shrinks' drains found empty lately (hm_cache_reclaimable()), not
 * every woken slab, most of which hold one free block (list_lru
 * shrinkers count only what a scan can free; zswap's count scales its
 * entries by the measured compression ratio likewise).  Four counters a
 * cache: the shrinker counts often, and this reads no context and no slab.
 */
unsigned long hakmem_reclaimable(void)
{
	struct hakmem_cache *hc;
	unsigned long n = 0;

	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list)
		n += hm_cache_reclaimable(hc->c);
	spin_unlock(&hakmem_list_lock);
	return n + hm_large_kept();
}
EXPORT_SYMBOL_NS_GPL(hakmem_reclaimable, HAKMEM_NS);

/*
 * Give the empty slabs of every cache back to the page allocator: the
 * pools, the contexts' reserves, and what remote frees emptied of the
 * slabs they woke, on idle CPUs and offline ones.
 *
 * Context: process context, may sleep (it waits for every online CPU).
 */
unsigned long hakmem_shrink_all(void)
{
	struct hakmem_cache *hc;
	unsigned long n;

	n = hakmem_reserve_drain_all();
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list)
		n += hm_cache_shrink(hc->c);
	spin_unlock(&hakmem_list_lock);
	return n + hm_large_trim();
}
EXPORT_SYMBOL_NS_GPL(hakmem_shrink_all, HAKMEM_NS);

struct hakmem_validate_arg {
	struct hakmem_cache *only;
	struct hm_printer *pr;
	long problems;
};

static int hakmem_validate_fn(void *data)
{
	struct hakmem_validate_arg *va = data;
	struct hakmem_cache *hc;

	/*
	 * Every other CPU spins with interrupts off, and none is inside a
	 * local-lock section: task sections run with preemption off and
	 * interrupt sections with interrupts off, and the stopper can start
	 * in neither, so every context is quiescent.  (On PREEMPT_RT the
	 * local locks are preemptible and this does not hold.)
	 */
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		long r;

		if (va->only && va->only != hc)
			continue;
		r = hm_cache_validate(hc->c, va->pr);
		va->problems += r < 0 ? 1 : r;
	}
	spin_unlock(&hakmem_list_lock);
	return 0;
}

/**
 * hakmem_validate_all() - check caches while every CPU is stopped
 * @only: one cache, or NULL for all
 * @pr: where the problems are printed
 *
 * Context: process context, no hakmem lock held (stop_machine() takes the
 * CPU hotplug lock, which the CPU-dead callback holds around ours).
 * Return: the number of problems found.
 */
long hakmem_validate_all(struct hakmem_cache *only, struct hm_printer *pr)
{
	struct hakmem_validate_arg va = { .only = only, .pr = pr };

	stop_machine(hakmem_validate_fn, &va, NULL);
	return va.problems;
}
EXPORT_SYMBOL_NS_GPL(hakmem_validate_all, HAKMEM_NS);

/* ---- CPU hotplug ----------------------------------------------------- */

/*
 * Runs on a surviving CPU after @cpu is dead: nothing can use its contexts
 * now, so their magazines and empty slabs go back to the caches.  Slabs
 * with live objects stay with the context, parked: the first remote free
 * into one queues it on the context's notify stack, where the shrinker
 * finds it (hakmem_offline_flush()).
 */
static int hakmem_cpu_dead(unsigned int cpu)
{
	struct hakmem_cache *hc;

	/* the shrinker flushes them again while the CPU stays offline */
	cpumask_set_cpu(cpu, &hakmem_dead_cpus);
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		hakmem_offline_park(hakmem_cpu_cctx(hc, cpu, false), true, NULL);
		hakmem_offline_park(hakmem_cpu_cctx(hc, cpu, true), true, NULL);
	}
	spin_unlock(&hakmem_list_lock);
	return 0;
}

/*
 * Runs before @cpu comes up (the prepare stage, on a CPU that is up):
 * nothing uses its contexts yet.  The slabs hakmem_cpu_dead() parked go
 * back on their partial lists, and @cpu leaves hakmem_dead_cpus.  Neither
 * races: the hotplug lock is held for writing around this and the dead
 * callback, and the shrinker touches the dead CPUs' contexts and reads
 * the mask only while it holds it for reading (cpus_read_trylock()).  A
 * bringup that fails later runs the dead callback, which parks them again.
 */
static int hakmem_cpu_prepare(unsigned int cpu)
{
	struct hakmem_cache *hc;

	if (!cpumask_test_and_clear_cpu(cpu, &hakmem_dead_cpus))
		return 0;	/* not offline since the module was loaded */
	spin_lock(&hakmem_list_lock);
	list_for_each_entry(hc, &hakmem_caches, list) {
		hm_cctx_unpark(hakmem_cpu_cctx(hc, cpu, false));
		hm_cctx_unpark(hakmem_cpu_cctx(hc, cpu, true));
	}
	spin_unlock(&hakmem_list_lock);
	return 0;
}

/* ---- shrinker -------------------------------------------------------- */

/*
 * Holds taken (hakmem_shrink_hold()), and scans running: a hold waits for
 * the scans that did not see it.  Each side writes its own count, then
 * reads the other's: one of them sees the other.
 */
static atomic_t hakmem_shrink_holds = ATOMIC_INIT(0);
static atomic_t hakmem_shrink_scans = ATOMIC_INIT(0);

/**
 * hakmem_shrink_hold() - keep the shrinker from giving anything back
 * @hold: true takes a hold, false drops one taken before
 *
 * While a hold is taken the shrinker counts nothing and scans nothing;
 * a hold returns once no scan that began before it still runs.  For tests
 * that check what hakmem keeps for reuse (the large chunks kept, the
 * reserves) across steps, which reclaim in a guest short of memory would
 * otherwise give back between them.  hakmem_shrink_all() and the debugfs
 * ``shrink`` files still work.
 *
 * Context: process context, may sleep (@hold true).
 */
void hakmem_shrink_hold(bool hold)
{
	if (!hold) {
		atomic_dec(&hakmem_shrink_holds);
		return;
	}
	might_sleep();	/* not only when a scan runs: every caller checked */
	atomic_inc(&hakmem_shrink_holds);
	smp_mb__after_atomic();	/* the hold before the scans are read: pairs with the scan's */
	while (atomic_read(&hakmem_shrink_scans))
		usleep_range(100, 200);
}
EXPORT_SYMBOL_NS_GPL(hakmem_shrink_hold, HAKMEM_NS);

/**
 * hakmem_shrink_count() - the shrinker's count: what a scan could give back
 * @sh: the shrinker (unused)
 * @sc: the reclaim's control (unused: hakmem's memory is in no node or memcg)
 *
 * Return: hakmem_reclaimable(), or 0 while a hold is taken.
 */
unsigned long hakmem_shrink_count(struct shrinker *sh, struct shrink_control *sc)
{
	if (atomic_read(&hakmem_shrink_holds))
		return 0;
	return hakmem_reclaimable();
}
EXPORT_SYMBOL_NS_GPL(hakmem_shrink_count, HAKMEM_NS);

/**
 * hakmem_shrink_scan() - the shrinker's scan: hakmem_shrink_all()
 * @sh: the shrinker (unused)
 * @sc: the reclaim's control (unused: everything empty goes)
 *
 * Context: process context, may sleep.
 * Return: the slabs and chunks given back, or SHRINK_STOP for none or
 * while a hold is taken.
 */
unsigned long hakmem_shrink_scan(struct shrinker *sh, struct shrink_control *sc)
{
	unsigned long n = 0;

	atomic_inc(&hakmem_shrink_scans);
	smp_mb__after_atomic();	/* the scan before the holds are read: pairs with the hold's */
	if (!atomic_read(&hakmem_shrink_holds))
		n = hakmem_shrink_all();
	atomic_dec(&hakmem_shrink_scans);
	return n ? n : SHRINK_STOP;
}
EXPORT_SYMBOL_NS_GPL(hakmem_shrink_scan, HAKMEM_NS);

#ifdef SHRINKER_ALLOCATED	/* 6.7: shrinkers are allocated */
static struct shrinker *hakmem_shrinker;

static int hakmem_shrinker_init(void)
{
	hakmem_shrinker = shrinker_alloc(0, "hakmem");
	if (!hakmem_shrinker)
		return -ENOMEM;
	hakmem_shrinker->count_objects = hakmem_shrink_count;
	hakmem_shrinker->scan_objects = hakmem_shrink_scan;
	shrinker_register(hakmem_shrinker);
	return 0;
}

static void hakmem_shrinker_exit(void)
{
	shrinker_free(hakmem_shrinker);
}
#else
static struct shrinker hakmem_shrinker = {
	.count_objects = hakmem_shrink_count,
	.scan_objects = hakmem_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

static int hakmem_shrinker_init(void)
{
	return register_shrinker(&hakmem_shrinker, "hakmem");
}

static void hakmem_shrinker_exit(void)
{
	unregister_shrinker(&hakmem_shrinker);
}
#endif

/* ---- module ---------------------------------------------------------- */

static void hakmem_destroy_all(void)
{
	struct hakmem_cache *hc;

	mutex_lock(&hakmem_mutex);
	for (;;) {
		spin_lock(&hakmem_list_lock);
		hc = list_first_entry_or_null(&hakmem_caches, struct hakmem_cache, list);
		spin_unlock(&hakmem_list_lock);
		if (!hc)
			break;
		if (!hc->builtin)
			pr_warn("cache %s was never destroyed\n", hc->c->name);
		hakmem_cache_free_all(hc);
	}
	mutex_unlock(&hakmem_mutex);
	memset(hakmem_classes, 0, sizeof(hakmem_classes));
}

static int __init hakmem_init(void)
{
	unsigned int i, cpu;
	int ret;

	if (!hm_mode_parse(hakmem_mode_param, &hakmem_default_mode)) {
		pr_err("mode=%s: not bitmap, freelist or hybrid\n", hakmem_mode_param);
		return -EINVAL;
	}
	ret = hakmem_fail_chunk_init();
	if (ret)
		return ret;
	/* fixed at boot: the free paths test a key of the module's (hm_plat.h) */
	if (want_init_on_free())
		static_branch_enable(&hm_init_on_free_key);
	hakmem_wq = alloc_workqueue("hakmem", WQ_MEM_RECLAIM, 0);
	if (!hakmem_wq)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(&hakmem_reserve_work, cpu), hakmem_reserve_drain_fn);
	/*
	 * The slab map's 512 KiB top level for the direct map, allocated here
	 * where we may sleep, so that allocations in atomic context only ever
	 * need an 8 KiB leaf.
	 */
	if (hm_slabmap_prepare((void *)PAGE_OFFSET, GFP_KERNEL)) {
		destroy_workqueue(hakmem_wq);
		return -ENOMEM;
	}
	hakmem_debugfs_init();
	for (i = 0; i < HM_NR_CLASSES; i++) {
		char name[HM_NAME_LEN];
		struct hakmem_cache *hc;

		snprintf(name, sizeof(name), "hakmem-%u", hm_class_size(i));
		hc = hakmem_cache_new(name, hm_class_size(i), hm_class_size(i),
				      hakmem_default_mode, 0);
		if (!hc) {
			ret = -ENOMEM;
			goto fail;
		}
		hc->builtin = true;
		hakmem_classes[i] = hc;
		hakmem_cache_publish(hc);
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "mm/hakmem:dead",
					hakmem_cpu_prepare, hakmem_cpu_dead);
	if (ret < 0)
		goto fail;
	hakmem_cpuhp_state = ret;
	ret = hakmem_shrinker_init();
	if (ret)
		goto fail_cpuhp;
	pr_info("loaded: %u size classes, mode %s, %u possible CPUs\n",
		HM_NR_CLASSES, hm_mode_name(hakmem_default_mode), num_possible_cpus());
	return 0;

fail_cpuhp:
	cpuhp_remove_state_nocalls(hakmem_cpuhp_state);
fail:
	hakmem_destroy_all();
	hakmem_debugfs_exit();
	hm_large_trim();
	rcu_barrier();		/* what went back waits for a grace period */
	hm_large_exit();
	hm_slabmap_exit();
	hm_plat_meta_flush();
	destroy_workqueue(hakmem_wq);
	return ret;
}

static void __exit hakmem_exit(void)
{
	/*
	 * hakmem_free_rcu() callbacks still queued (a client's, of classes or
	 * large objects, whose module is gone) run now, into live caches and
	 * while their code is here
	 */
	rcu_barrier();
	hakmem_shrinker_exit();
	cpuhp_remove_state_nocalls(hakmem_cpuhp_state);
	hakmem_destroy_all();
	hakmem_debugfs_exit();
	hm_large_trim();
	rcu_barrier();		/* what went back waits for a grace period */
	hm_large_exit();
	hm_slabmap_exit();
	hm_plat_meta_flush();
	destroy_workqueue(hakmem_wq);
	pr_info("unloaded\n");
}

module_init(hakmem_init);
module_exit(hakmem_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("hakmem-slab developers");
MODULE_DESCRIPTION("Slab allocator for tiny objects: bitmap, free-list and hybrid slabs");
