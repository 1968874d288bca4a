/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_plat.h - the Linux kernel side of the platform contract of the
 * hakmem-slab core (see common/hm_platform.h for the list).
 *
 * Atomics are atomic_long_t with the orderings the contract names; the lock
 * is an irq-safe spinlock, because remote frees and refills may run in
 * hardirq context; chunks come from the buddy allocator, whose blocks of
 * order n are naturally aligned to PAGE_SIZE << n, which gives the 64 KiB
 * alignment of a slab for free.
 */
#ifndef HM_PLAT_KERNEL_H
#define HM_PLAT_KERNEL_H

#ifndef pr_fmt
#define pr_fmt(fmt) "hakmem: " fmt
#endif

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/ktime.h>
#include <linux/mmzone.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>

#define HM_BITS_PER_LONG	BITS_PER_LONG
#define HM_PRINTF(fmt, args)	__printf(fmt, args)

#define HM_READ_ONCE(x)		READ_ONCE(x)
#define HM_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)
/* a read that races on purpose: plain, and no report from KCSAN */
#define HM_DATA_RACE(x)		data_race(x)
/* pairs: a context's switches, written in order (hm_cctx_switches()) ... */
#define hm_smp_wmb()		smp_wmb()
/* ... and read in order by its owner (hm_dbg_view_poisons()) */
#define hm_smp_rmb()		smp_rmb()

/* the contract's types are the kernel's own: aliases, not new typedefs */
#define hm_atomic_t		atomic_long_t
#define HM_ATOMIC_INIT(v)	ATOMIC_LONG_INIT(v)

static __always_inline unsigned long hm_atomic_read(const hm_atomic_t *a)
{
	return (unsigned long)atomic_long_read_acquire(a);
}

static __always_inline void hm_atomic_set(hm_atomic_t *a, unsigned long v)
{
	atomic_long_set_release(a, (long)v);
}

static __always_inline unsigned long hm_atomic_fetch_or(hm_atomic_t *a,
							unsigned long v)
{
	return (unsigned long)atomic_long_fetch_or((long)v, a);
}

static __always_inline unsigned long hm_atomic_fetch_and(hm_atomic_t *a,
							 unsigned long v)
{
	return (unsigned long)atomic_long_fetch_and((long)v, a);
}

static __always_inline unsigned long hm_atomic_fetch_add(hm_atomic_t *a,
							 unsigned long v)
{
	return (unsigned long)atomic_long_fetch_add((long)v, a);
}

static __always_inline unsigned long hm_atomic_xchg(hm_atomic_t *a,
						    unsigned long v)
{
	return (unsigned long)atomic_long_xchg(a, (long)v);
}

static __always_inline bool hm_atomic_try_cmpxchg(hm_atomic_t *a,
						  unsigned long *old,
						  unsigned long new)
{
	return atomic_long_try_cmpxchg(a, (long *)old, (long)new);
}

static __always_inline unsigned int hm_ctz(unsigned long w)
{
	return (unsigned int)__ffs(w);
}

static __always_inline unsigned int hm_popcount(unsigned long w)
{
	return (unsigned int)hweight_long(w);
}

/*
 * Interrupts off, not just preemption: the per-CPU local lock of the
 * adapter disables interrupts, and a free from hardirq context may take
 * the cache lock to pool an empty slab.
 */
#define hm_lock_t		spinlock_t
#define HM_DEFINE_LOCK(name)	DEFINE_SPINLOCK(name)
#define hm_lock_init(l)		spin_lock_init(l)
#define hm_lock(l, flags)	spin_lock_irqsave(l, flags)
#define hm_unlock(l, flags)	spin_unlock_irqrestore(l, flags)
/* queued spinlocks hand over to a waiter: nothing to do */
#define hm_lock_yield()		cpu_relax()

#define hm_gfp_t		gfp_t
#define HM_GFP_DEFAULT	GFP_KERNEL
#define HM_GFP_ATOMIC	GFP_ATOMIC

/* 6.8 renamed the exclusive MAX_ORDER to the inclusive MAX_PAGE_ORDER */
#ifdef MAX_PAGE_ORDER
#define HM_MAX_CHUNK_ORDER	MAX_PAGE_ORDER
#else
#define HM_MAX_CHUNK_ORDER	(MAX_ORDER - 1)
#endif
/* a chunk is one buddy block: no larger than the page allocator's largest */
#define HM_PLAT_CHUNK_MAX	(PAGE_SIZE << HM_MAX_CHUNK_ORDER)

/* a chunk is the buddy block of its order: all of it, aligned to its size */
#define HM_PLAT_CHUNK_COST	1
static inline size_t hm_plat_chunk_cost(size_t bytes, size_t end)
{
	return PAGE_SIZE << get_order(bytes);
}

static inline size_t hm_plat_chunk_align(size_t bytes)
{
	return PAGE_SIZE << get_order(bytes);
}

void *hm_plat_chunk_alloc(size_t size, hm_gfp_t gfp);
void hm_plat_chunk_free(void *p, size_t size);

/* a chunk is the page allocator's block: its pages cannot move, a realloc copies */
static inline bool hm_plat_chunk_move(void *to, void *from, size_t size)
{
	return false;
}

/*
 * A released slab goes after a grace period: every path that may read it
 * through a stale pointer runs under rcu_read_lock() or a local lock
 * (hakmem_main.c).  The module's exit waits for the callbacks.
 */
#define hm_plat_retire_t	struct rcu_head

static inline void hm_plat_retire(struct rcu_head *r, rcu_callback_t fn, size_t bytes)
{
	call_rcu(r, fn);
}

void *hm_plat_meta_alloc(size_t size, hm_gfp_t gfp);
void hm_plat_meta_free(void *p, size_t size);
void hm_plat_meta_flush(void);

#define hm_memset	memset
#define hm_memcpy	memcpy
#define hm_memmove	memmove
#define hm_strlen	strlen
#define hm_strscpy(dst, src, n)	((void)strscpy(dst, src, n))

#define hm_plat_ctx_id()	((u32)raw_smp_processor_id())
/* tracking stamps: jiffies, as SLUB's; the coarse clock moves with them, one load */
#define hm_plat_stamp()		get_jiffies_64()
#define hm_plat_stamp_inline()	true	/* a call is no cost worth a detour here */
#define hm_plat_stamp_raw()	hm_plat_stamp()
#define hm_plat_mem_inline(n)	((void)(n), true)
#define hm_plat_mem_is(p, c, n)	(!memchr_inv(p, c, n))
#define hm_plat_mem_fill(p, c, n)	memset(p, c, n)

/*
 * The same for @n bytes, @span / 2 < @n <= @span, where @span is a
 * constant power of two from 16 to HM_PLAT_MEM_SPAN_MAX (and 8 <= @n for
 * 16), as userspace's: the words that start at 0 cover the first half of
 * @span, those that end at @n the rest (overlapping when @n < @span), and
 * nothing tests @n.  Plain word loads and stores, no SIMD in the kernel:
 * @p and @n are multiples of the word, as every block is (HM_MIN_OBJ_SIZE
 * alignment and stride).  The differences or'ed together, one test at
 * the end, the loops unrolled (HM_PLAT_MEM_SPAN_MAX / 16 steps at most).
 * The hybrid debug route has a copy of its common case per span
 * and per combination of the poison and track switches (hakmem_main.c).
 */
#define HM_PLAT_MEM_SPAN_MAX	256
#define HM_PLAT_WORD(c)		(~0UL / 0xff * (unsigned char)(c))

static __always_inline bool hm_plat_mem_is_span(const void *p, unsigned char c, size_t n,
						size_t span)
{
	const unsigned long *lo = p, *hi = (const void *)((const char *)p + n - span / 2);
	unsigned long v = HM_PLAT_WORD(c), acc = 0;
	size_t i;

#pragma GCC unroll 16
	for (i = 0; i < span / 2 / sizeof(long); i++)
		acc |= (lo[i] ^ v) | (hi[i] ^ v);
	return !acc;
}

static __always_inline void hm_plat_mem_fill_span(void *p, unsigned char c, size_t n,
						  size_t span)
{
	unsigned long *lo = p, *hi = (void *)((char *)p + n - span / 2);
	unsigned long v = HM_PLAT_WORD(c);
	size_t i;

#pragma GCC unroll 16
	for (i = 0; i < span / 2 / sizeof(long); i++) {
		lo[i] = v;
		hi[i] = v;
	}
}

/* a context's copies of the hybrid debug route, for its size and switches */
struct hm_cctx;
void hakmem_cctx_copies(struct hm_cctx *cc);
#define hm_plat_cctx_copies(cc)	hakmem_cctx_copies(cc)
#define HM_RET_IP		_RET_IP_

/* a difference of two stamps, jiffies, in nanoseconds (0 if negative) */
static inline u64 hm_plat_stamp_ns(u64 d)
{
	return (s64)d > 0 ? jiffies64_to_nsecs(d) : 0;
}

#define hm_plat_err(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define hm_plat_info(fmt, ...)	pr_info(fmt, ##__VA_ARGS__)
#define HM_SYM_FMT		"%pS"
#define HM_SYM(ip)		((void *)(ip))
/* a CPU's interrupt context: the CPU with this bit (HAKMEM_CTX_IRQ) */
#define HM_PLAT_CTX_IRQ		0x80000000U
#define HM_CTX_LEN		20

/* context id @id as "cpu<N>" or, its interrupt context, "cpu<N>-irq" */
static inline const char *hm_plat_ctx_name(u32 id, char *buf)
{
	snprintf(buf, HM_CTX_LEN, "cpu%u%s", id & ~HM_PLAT_CTX_IRQ,
		 id & HM_PLAT_CTX_IRQ ? "-irq" : "");
	return buf;
}

#define HM_CTX_FMT		"%s"
#define HM_CTX(id)		hm_plat_ctx_name(id, (char [HM_CTX_LEN]) { 0 })

/*
 * The context a report names: the CPU, with HM_PLAT_CTX_IRQ out of task
 * context (hardirq, softirq, NMI), as hakmem_main.c picks the CPU's
 * interrupt context for an allocation or a free.
 */
static inline u32 hm_plat_report_ctx(void)
{
	u32 cpu = raw_smp_processor_id();

	return in_task() ? cpu : cpu | HM_PLAT_CTX_IRQ;
}

#define hm_plat_report_ctx	hm_plat_report_ctx

bool hm_plat_error_hook(int e);

/*
 * The kernel log's rate limit of one kind of message about one cache: the
 * kernel's ratelimit_state, and what it let through and held back
 * (hakmem_plat.c).  Counted atomically: any context but NMI asks.
 */
struct hakmem_ratelimit {
	struct ratelimit_state rs;
	atomic_long_t printed;		/* messages printed */
	atomic_long_t limited;		/* held back, in all */
	atomic_long_t pending;		/* of those, not announced yet */
};

#define hm_plat_ratelimit_t	struct hakmem_ratelimit

struct hm_cache;
void hm_plat_ratelimit_init(struct hakmem_ratelimit *rl);
bool hm_plat_err_ratelimit(struct hm_cache *c, int k);
void hm_plat_ratelimit_exit(struct hm_cache *c);

/* patched out while no cache has a debug switch on (hakmem_plat.c) */
DECLARE_STATIC_KEY_FALSE(hm_debug_key);
#define HM_DEBUG_ACTIVE()	static_branch_unlikely(&hm_debug_key)
void hm_plat_debug_ref(int delta);
/*
 * init_on_free=1: each free that passes its checks zeroes its block
 * (hm_obj_wipe()).  The module's own key, set at load from
 * want_init_on_free(), which is fixed at boot: hakmem_kapi_init_on_free
 * turns this key alone on (hakmem_plat.c).
 */
DECLARE_STATIC_KEY_FALSE(hm_init_on_free_key);
#define hm_plat_init_on_free()	static_branch_unlikely(&hm_init_on_free_key)
#define hm_plat_switch_step()	do { } while (0)
#define hm_snprintf		snprintf

/* retired tracking records: RCU (readers run with interrupts on or off) */
static __always_inline bool hm_plat_read_begin(void)
{
	rcu_read_lock();
	__release(RCU);	/* sparse: the core pairs them across branches */
	return true;
}

static __always_inline void hm_plat_read_end(void)
{
	__acquire(RCU);
	rcu_read_unlock();
}

/* a count its context writes under its local_lock, which others read */
static __always_inline void hm_plat_own_inc(unsigned long *p)
{
	WRITE_ONCE(*p, *p + 1);
}

/*
 * A context's own routes run under its local_lock (hakmem_main.c): an RCU
 * read side already, preemption off (PREEMPT_RT: a spinlock_t, which
 * takes rcu_read_lock()).  Its count is not needed.
 */
static __always_inline void hm_plat_read_ctx_begin(hm_atomic_t *seq)
{
}

static __always_inline void hm_plat_read_ctx_end(hm_atomic_t *seq)
{
}

/* switches change in process context (debugfs, a module's call): it may wait */
#define hm_plat_read_can_sync()	true
static inline bool hm_plat_read_sync(void)
{
	synchronize_rcu();
	return true;
}

static inline void hm_plat_read_sync_ctx(hm_atomic_t *seq)
{
	/* hm_plat_read_sync() waited for the contexts' brackets too */
}

/*
 * KASAN (generic mode): the ranges the core marks free are poisoned in
 * KASAN's shadow as SLUB poisons its freed objects, so that a use after
 * free of a hakmem object is reported at the access; the ranges it marks
 * allocated are unpoisoned whole (the block, not just the size asked
 * for: hakmem_ksize() promises all of it).
 * The core marks: a block at each free, before it is published as free
 * (hm_obj_freed()), and back at each allocation; a new slab's blocks
 * all at once, and all back before its chunk goes back to the page
 * allocator; a large object's chunk hakmem keeps, while kept.
 *
 * kasan_poison() is exported (EXPORT_SYMBOL_GPL, mm/kasan/shadow.c) but
 * declared only in mm/kasan/kasan.h, as are its shadow values: Kbuild
 * defines HM_HAVE_KASAN_POISON when the target kernel has generic KASAN
 * and its Module.symvers (in tree: its source) exports the symbol.  Other
 * kernels keep no-ops: no KASAN, tag-based KASAN (software or hardware
 * tags: a shadow of tags, not of the generic mode's values), or a kernel
 * without the export.  Whole buddy pages back every chunk, so there KASAN
 * still catches an access after a chunk went back to the page allocator.
 *
 * Generic KASAN's shadow byte covers an 8-byte granule: 0 accessible,
 * 0xFB (KASAN_SLAB_FREE) a freed slab object.  Blocks are granules whole
 * (HM_MIN_OBJ_SIZE stride and alignment), large objects HM_LARGE_HDR
 * aligned in page-aligned chunks: a range that is not is a bug of the
 * core, warned about once and left as it was.
 *
 * The core's own accesses to a free block go through the link accessors
 * below (the free-list and intrusive-magazine links, validation, frag
 * walks, reports' hexdumps), which KASAN does not check; poison checks
 * and fills unpoison the block first (hm_dbg_poison_fill(), the route's
 * try); init_on_free's zeroing runs before the block is marked free.
 * kmemleak scans no free block (hm_obj_freed() takes the object off
 * first), and mm/kmemleak.c is built without KASAN's checks anyway.
 */
#if defined(HM_HAVE_KASAN_POISON) && IS_ENABLED(CONFIG_KASAN_GENERIC)
#include <linux/kasan.h>

#define HM_PLAT_KASAN		1
/* mm/kasan/kasan.h's, not in a public header */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
/* mm/kasan/kasan.h's KASAN_SLAB_FREE: reported as a slab-use-after-free */
#define HM_KASAN_FREE		0xFB
/* KASAN_GRANULE_SIZE (mm/kasan/kasan.h) */
#define HM_KASAN_GRANULE	BIT(KASAN_SHADOW_SCALE_SHIFT)

static inline void hm_plat_kasan_mark(const void *p, size_t n, u8 value)
{
	if (WARN_ON_ONCE(((unsigned long)p | n) & (HM_KASAN_GRANULE - 1)))
		return;
	kasan_poison(p, n, value, false);
}

#define hm_plat_mark_free(p, n)		hm_plat_kasan_mark(p, n, HM_KASAN_FREE)
#define hm_plat_mark_alloc(p, n)	hm_plat_kasan_mark(p, n, 0)

/*
 * The core's own accesses to the link word of a free block, which stays
 * poisoned whole: unchecked, the shadow left as it is (unpoisoning the
 * word around the access would race with a reader on another CPU, such
 * as a frag walk, and could leave a block handed out meanwhile half
 * poisoned).  READ_ONCE_NOCHECK() loads; the store is in a function of
 * its own without instrumentation (__no_kasan_or_inline: an unchecked
 * function is not inlined into a checked one).  Without HM_PLAT_KASAN
 * the core's plain accesses.
 */
static __no_kasan_or_inline void hm_kasan_link_write(void *b, void *v)
{
	*(void **)b = v;
}

#define hm_plat_link_read(b)		READ_ONCE_NOCHECK(*(void *const *)(b))
#define hm_plat_link_read_once(b)	READ_ONCE_NOCHECK(*(void *const *)(b))
#define hm_plat_link_write(b, v)	hm_kasan_link_write((b), (v))
#else
#define HM_PLAT_KASAN		0
#define hm_plat_mark_free(p, n)		do { (void)(p); (void)(n); } while (0)
#define hm_plat_mark_alloc(p, n)	do { (void)(p); (void)(n); } while (0)
#endif

/*
 * kmemleak: each object handed out is an object of kmemleak's, as SLUB's
 * are (kmemleak_alloc_recursive()): scanned for pointers while it lives
 * and reported when nothing points to it; its free takes it off before
 * the block is published as free (hm_obj_freed()).  The core calls these
 * under a local lock or the cache lock, where kmemleak's own record needs
 * GFP_ATOMIC.  Without CONFIG_DEBUG_KMEMLEAK both are empty.  (The slab
 * headers and the large objects: hakmem_main.c.)
 */
#define hm_plat_obj_alloc(p, n)		kmemleak_alloc(p, n, 1, GFP_ATOMIC)
#define hm_plat_obj_free(p)		kmemleak_free(p)

#endif /* HM_PLAT_KERNEL_H */
