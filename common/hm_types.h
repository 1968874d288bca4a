/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_types.h - the core's data structures: slab, per-context cache, cache.
 *
 * Ownership (the rule every other file follows):
 *  - A slab is a naturally aligned HM_SLAB_SIZE chunk with its header at the
 *    start.  It belongs to one context (struct hm_cctx: a CPU in the kernel,
 *    a thread in userspace) from its first allocation until it is empty
 *    again.  Only the owner touches the slab's plain fields; every other
 *    context frees into it through one atomic operation on remote_bits
 *    (bitmap, hybrid) or xthread_free (freelist).
 *  - Contexts are never freed while their cache lives: a thread that exits
 *    flushes and abandons its context, and the next new thread adopts it
 *    with all its slabs.  So a remote free may always dereference
 *    slab->owner.
 *  - The cache lock guards the list of all slabs, the pool of empty slabs
 *    and the context registry.  Fast paths never take it.  A walk of the
 *    slab list that drops it between slabs leaves a cursor (hm_frag.c),
 *    which hm_slab_release() moves past the slab it unlists.
 *
 * Lock order: cache->lock is a leaf (no other hakmem lock is taken under
 * it; the adapter's per-CPU local lock may be held around it).
 */
#ifndef HM_TYPES_H
#define HM_TYPES_H

#include "hm_platform.h"
#include "hm_sizeclass.h"

#define HM_SLAB_SHIFT		16
#define HM_SLAB_SIZE		HM_BIT(HM_SLAB_SHIFT)
#define HM_SLAB_MASK		(~(HM_SLAB_SIZE - 1))
#define HM_MIN_OBJ_SIZE		8U
#define HM_MAX_OBJ_SIZE		(HM_SLAB_SIZE / 16)	/* at least 15 blocks a slab */
/*
 * The fewest blocks a slab holds, and so the largest block of any slab
 * geometry: an adapter's own classes above HM_MAX_OBJ_SIZE
 * (hm_core_medium_create(): libhakmem's malloc classes up to 10816 bytes,
 * six to a slab).  Caches of the API stay within HM_MAX_OBJ_SIZE.
 */
#define HM_MIN_SLAB_BLOCKS	6U
/* a bound: the header leaves room for fewer (10816 bytes, six, in any mode) */
#define HM_MAX_SLAB_OBJ_SIZE	(HM_SLAB_SIZE / HM_MIN_SLAB_BLOCKS)
#define HM_NAME_LEN		32

/* also in the userspace public header hakmem.h: keep both the same */
#ifndef HM_MODE_DEFINED
#define HM_MODE_DEFINED
enum hm_mode {
	HM_MODE_BITMAP,		/* bitmap slabs, no per-context cache */
	HM_MODE_FREELIST,	/* mimalloc-style sharded free lists */
	HM_MODE_HYBRID,		/* per-context magazines over bitmap slabs */
	HM_MODE_NR,
	HM_MODE_DEFAULT = HM_MODE_HYBRID,
};
#endif

/* First word of every chunk hakmem hands out: what the chunk is. */
enum hm_chunk_magic {
	HM_MAGIC_SLAB	= 0x42414c53,	/* "SLAB" */
	HM_MAGIC_LARGE	= 0x4752414c,	/* "LARG" */
	HM_MAGIC_ORPHAN	= 0x4e50524f,	/* "ORPN": slab of a destroyed cache */
	HM_MAGIC_LARGE_FREE = 0x45455246,	/* "FREE": large chunk kept for reuse */
};

/* Which list of its owner a slab is on (owner-private). */
enum hm_slab_list {
	HM_LIST_NONE,
	HM_LIST_ACTIVE,		/* the owner allocates from it */
	HM_LIST_PARTIAL,	/* has free blocks, owner's partial list */
	HM_LIST_FULL,		/* no free blocks; remote frees notify */
	HM_LIST_EMPTY,		/* all blocks free, owner's reserve */
	HM_LIST_POOL,		/* all blocks free, cache-wide pool, no owner */
	/* as FULL, of a context nobody uses: on its parked list (hm_cctx_park()) */
	HM_LIST_PARKED,
};

/* slab->notify: does a remote free have to tell the owner? */
enum hm_notify {
	HM_NOTIFY_OFF,		/* no: the owner looks at the slab anyway */
	HM_NOTIFY_WATCH,	/* yes: slab is full, owner is not looking */
	HM_NOTIFY_QUEUED,	/* already on the owner's notify stack */
};

struct hm_cache;
struct hm_cctx;
struct hm_site;
struct hm_learn;
struct hm_frag_cursor;

struct hm_slab {
	/* read by every free (first cache line) */
	union {
		struct {
			u32 magic;
			/* owner->ctx_id, or HM_CTX_NONE: hm_slab_set_owner() */
			u32 owner_id;
		};
		u64 key;	/* both: one compare with hm_slab_key() */
	};
	u8 mode;
	u8 list;		/* enum hm_slab_list, owner-private */
	u16 nblocks;
	u16 hint;		/* bitmap: word to search first (owner's) */
	u16 nwords;
	struct hm_cctx *owner;
	char *blocks;		/* address of block 0 */
	unsigned long *free_bits;	/* bitmap, hybrid: 1 = free in slab */
	hm_atomic_t *remote_bits;	/* bitmap, hybrid: 1 = freed remotely */
	u32 nfree;		/* bitmap, hybrid: bits set in free_bits (owner's) */
	u32 used;		/* freelist: blocks not on free/local_free (owner's) */
	struct hm_cache *cache;
	unsigned long *live_bits;	/* hybrid: 1 = handed to the user */

	/* owner-private state */
	void *free;		/* freelist: allocation list */
	void *local_free;	/* freelist: owner's frees */
	union {
		struct {
			struct hm_slab *prev, *next;	/* owner's list, or the pool */
		};
		/*
		 * Released (on no list): waiting until no stale pointer's
		 * reader can have the header (hm_slab_release())
		 */
		hm_plat_retire_t retire;
	};

	/* shared with remote freers */
	hm_atomic_t xthread_free;	/* freelist: remote frees (a stack) */
	hm_atomic_t notify;		/* enum hm_notify */
	hm_atomic_t inflight;		/* remote frees still reading the header */
	struct hm_slab *notify_next;	/* link on owner->notify */

	/* cache-wide list of all slabs, under cache->lock */
	struct hm_slab *all_prev, *all_next;
	hm_atomic_t dbg;		/* struct hm_slab_dbg *, debug switches */

	/*
	 * The mode's own bitmap first, at a fixed offset (no pointer load on
	 * the fast path): hybrid live_bits, free_bits, remote_bits; bitmap
	 * free_bits, remote_bits.  Each starts on a cache line, after
	 * HM_SLAB_BITS_SKIP words, HM_BITMAP_STRIDE() words apart.
	 */
	unsigned long bits[];
};

/*
 * The owner writes the live bits at every allocation and other CPUs the
 * remote bits at every remote free: in one cache line (all three bitmaps
 * of a 256-byte class share one) the line would move between CPUs at
 * every operation.  So each bitmap fills whole lines of HM_CACHELINE
 * bytes; a wrong guess of the line size costs padding, nothing else.
 */
#define HM_CACHELINE		64UL
#define HM_LINE_WORDS		(HM_CACHELINE / sizeof(unsigned long))
#define HM_BITMAP_STRIDE(words)	(((words) + HM_LINE_WORDS - 1) & ~(HM_LINE_WORDS - 1))
#define HM_SLAB_WORDS		(sizeof(struct hm_slab) / sizeof(unsigned long))
#define HM_SLAB_BITS_SKIP	(HM_BITMAP_STRIDE(HM_SLAB_WORDS) - HM_SLAB_WORDS)

struct hm_cctx_stats {
	unsigned long allocs;		/* objects handed out */
	unsigned long frees;		/* objects taken back */
	unsigned long alloc_slow;	/* allocations that missed the fast path */
	unsigned long free_slow;	/* frees that missed the fast path */
	unsigned long remote_frees;	/* frees into another context's slab */
	unsigned long refills;		/* hybrid: magazine refills */
	unsigned long flushes;		/* hybrid: magazine flushes */
	unsigned long alloc_fail;	/* allocations that returned NULL */
	unsigned long slabs_new;	/* slabs this context took from outside */
};

/* per-context state of the fit policies (hm_fit.c) */
struct hm_fit_state {
	unsigned long last;	/* near: address of the last block in or out */
	unsigned long cur;	/* next: address of the slab the cursor is in */
	u32 cursor;		/* next: block index the next search starts at */
	u32 ops, work;		/* learner: allocations and work not reported */
	u32 epoch;		/* learner: the epoch they belong to (its serial) */
};

/* per-context state of the adaptive mode (hm_adapt.c), owner-private */
struct hm_adapt_state {
	u8 on;			/* the cache is adaptive: this context may switch */
	u8 pending;		/* 1 + the mode to switch to at the next operation */
	u8 high;		/* windows of high churn in a row */
	u8 probing;		/* back in hybrid mode to measure again */
	u8 fresh;		/* just switched: the next window does not count */
	u32 hold;		/* bitmap phase: windows left before a probe */
	u32 backoff;		/* hold after the next switch to bitmap */
	u32 ticks;		/* bitmap: the active slab drained, this window */
	unsigned long w_allocs, w_flushes;	/* the window's start */
	unsigned long churn;	/* last window: permille of blocks through slow paths */
	unsigned long switches;	/* mode switches done */
};

/*
 * One per (context, cache).  Hot fields first; the hybrid magazine's
 * entries trail the structure.
 */
struct hm_cctx {
	struct hm_cache *cache;
	struct hm_slab *active;
	u32 mag_count;			/* hybrid: entries in mag[] */
	u32 mag_cap;
	u8 mode;			/* = cache->mode, one load less */
	u8 route;			/* fast-path switch: mode, or with HM_ROUTE_DEBUG */
	u8 checks;			/* HM_CACHE_CHECKS is set */
	u8 debug;			/* HM_DBG_* switches, from the cache */
	u32 ctx_id;			/* CPU or thread using it, or HM_CTX_NONE */
	u32 recip;			/* = cache->recip, one load less */
	u32 size;			/* = cache->size, likewise */
	u32 key_id;			/* owner_id of its slabs: ctx_id, or unique */
	void *mag_head;			/* HM_MAG_INTRUSIVE builds only */
	struct hm_cctx_stats st;

	struct hm_slab *partial;	/* doubly linked, owner-private */
	/*
	 * The reserve: one empty slab (c->max_empty is 1), or 0.  Taken
	 * with an exchange, by the owner on its slow paths and by another
	 * thread's trim (hm_cache_trim_reserves()); set by the owner alone.
	 */
	hm_atomic_t reserve;
	/*
	 * slabs that went back to the platform from this context's lists
	 * (hm_cctx_slab_to_pool()), owner-private: what one of its calls
	 * released is the difference of two reads
	 */
	unsigned long released;
	struct hm_slab *parked;		/* doubly linked: hm_cctx_park()'s slabs */
	hm_atomic_t notify;		/* stack of slabs with remote frees */
	struct hm_cctx *next;		/* cache registry, under cache->lock */
	bool abandoned;			/* its thread exited; may be adopted */
	bool key_unique;		/* key_id is never presented by another thread */
	bool reaped;			/* hm_cache_shrink() flushed it already */
	u64 track_tag;			/* tracking: hm_track_tag(ctx_id, cache's gen) */
	u32 poison_gen;			/* = cache->poison_gen, one load less */
	hm_atomic_t read_seq;		/* ... odd while its hybrid route reads records */
	unsigned long site_ip;		/* ... last call site looked up */
	struct hm_site *site;		/* ... and its profile entry */
	unsigned long site_allocs;	/* ... and its count not yet added */
	/*
	 * The adapter's copies of the hybrid debug route's common case for
	 * the block size (hm_plat_cctx_copies()), or NULL without any.
	 */
	void *(*debug_alloc)(struct hm_cctx *cc, unsigned long ip);
	void (*debug_free)(struct hm_cctx *cc, struct hm_slab *s, void *p, unsigned long ip);
	bool registered;
	bool dynamic;			/* allocated by hm_cctx_new() */
	struct hm_fit_state fit;	/* fit policies (hm_fit.c), owner-private */
	struct hm_adapt_state adapt;	/* adaptive mode (hm_adapt.c) */

	void *mag[];
};

#define HM_CTX_NONE	0xffffffffU	/* ctx_id of an abandoned context */
#define HM_ROUTE_DEBUG	0x80		/* | the mode: cctx->route while debugging */
#define HM_ROUTE_DEBUG_HYBRID	(HM_ROUTE_DEBUG | HM_MODE_HYBRID)
/* hybrid, debugging, blocks or stamps the leaf try functions cannot do inline */
#define HM_ROUTE_DEBUG_CALLS	(HM_ROUTE_DEBUG | HM_MODE_NR)
#define HM_ROUTE_FIT	0x40		/* bitmap mode with a fit policy (hm_fit.c) */
#define HM_ROUTE_ADAPT	0x20		/* a mode switch is due (hm_adapt.c) */
#define HM_ROUTES_SPECIAL	(HM_ROUTE_DEBUG | HM_ROUTE_FIT | HM_ROUTE_ADAPT)

/* Tracking record of one block (hm_debug.c), while tracking is on. */
struct hm_track {
	unsigned long site;	/* allocation call site, 0: no record */
	u64 when;		/* allocation time, hm_plat_stamp() */
	union {
		struct {
			u32 owner;	/* ctx_id (CPU or thread) that allocated */
			u32 gen;	/* switch generation the record is from */
		};
		u64 tag;	/* both: one store, one compare (hm_track_tag()) */
	};
	unsigned long free_site;	/* last free's call site, 0: live */
	u64 free_when;		/* ... its time */
	u32 free_owner;		/* ... and the context that made it */
};

/* hm_track's owner and gen as one word */
static inline u64 hm_track_tag(u32 owner, u32 gen)
{
	struct hm_track t;

	t.owner = owner;
	t.gen = gen;
	return t.tag;
}

/* the owner in a tag of hm_track_tag() */
static inline u32 hm_track_tag_owner(u64 tag)
{
	struct hm_track t;

	t.tag = tag;
	return t.owner;
}

/* Counters of refused operations (see hm_report.h). */
enum hm_error {
	HM_ERR_DOUBLE_FREE,
	HM_ERR_FOREIGN,		/* not a pointer hakmem handed out */
	HM_ERR_INTERIOR,	/* points inside a block, not at its start */
	HM_ERR_WRONG_CACHE,	/* freed to a cache it does not belong to */
	HM_ERR_DESTROYED,	/* freed into a cache that was destroyed */
	HM_ERR_BAD_SIZE,	/* size zero or too large where refused */
	HM_ERR_LEAK,		/* live objects found at destroy */
	HM_ERR_CORRUPT,		/* metadata failed validation */
	HM_ERR_USE_AFTER_FREE,	/* poison overwritten: block quarantined */
	HM_ERR_XOWNER,		/* freed by another owner (when flagged) */
	HM_ERR_NOT_LIVE,	/* a live object's size asked of a dead one */
	HM_ERR_NR,
};

/*
 * The kernel log's rate limits of a cache (hm_plat_err_ratelimit()): one
 * per kind of report, and one for each kind of message that is no report
 * (not counted in errors[]).
 */
enum hm_msg {
	HM_MSG_VALIDATE = HM_ERR_NR,	/* a problem hm_cache_validate() printed */
	HM_MSG_TRACK,			/* tracking records kept (hm_debug.c) */
	HM_MSG_DEBUG_MEM,		/* slabs without their debug memory (ditto) */
	HM_MSG_NR,
};

struct hm_cache {
	char name[HM_NAME_LEN];
	u8 mode;
	u32 flags;
	u32 obj_size;		/* what the user asked for */
	u32 size;		/* block stride */
	u32 align;
	u32 first_off;		/* offset of block 0 in the slab */
	u32 nblocks;		/* blocks per slab */
	u32 nwords;		/* bitmap words per bitmap */
	u32 recip;		/* ceil(2^32 / size): offset -> index */
	u32 mag_cap;		/* hybrid magazine capacity */
	u32 max_pool;		/* empty slabs kept cache-wide */
	u32 max_empty;		/* empty slabs kept per context */
	u64 id;			/* unique, never reused */

	hm_lock_t lock;
	struct hm_slab *all;	/* every slab of the cache */
	unsigned long nslabs;
	struct hm_slab *pool;	/* empty slabs without owner */
	u32 npool;
	struct hm_cctx *cctxs;	/* registry of contexts */
	unsigned long slabs_created;
	unsigned long slabs_released;
	unsigned long rekey_walks;	/* hm_cctx_rekey() walks of the slab list */
	hm_atomic_t errors[HM_ERR_NR];
	u32 debug;		/* HM_DBG_* switches */
	u8 fit;			/* enum hm_fit: block and slab choice (hm_fit.c) */
	u8 learning;		/* the learner is choosing fit (hm_learn.c) */
	struct hm_learn *learn;	/* its state, once it was on */
	u32 poison_gen;		/* bumped whenever poisoning goes on */
	u32 track_gen;		/* ... and tracking: records of another mean nothing */
	u32 checks_gen;		/* bumped whenever checks go on or off */
	u8 link_bytes;		/* of a free block, the mode's: never poisoned */
	struct hm_site *sites;	/* call-site profile, once tracking was on */
	hm_atomic_t quarantined;	/* blocks withheld after a poison hit */
	hm_atomic_t xowner_frees;	/* frees by another than the allocator */
	hm_atomic_t nocctx_frees;	/* remote frees by callers without a context */
	/* remote frees their freer counted, found double when collected */
	hm_atomic_t late_refused;
	hm_atomic_t track_bytes;	/* tracking records allocated now */
	/* times a slab went without the debug memory the switches need */
	hm_atomic_t debug_nomem;
	hm_atomic_t nreserve;	/* empty slabs in contexts' reserves */
	/* slabs on contexts' notify stacks: remote frees woke them (hm_slab.c) */
	hm_atomic_t nwoken;
	/*
	 * Of the woken slabs that reclaim drained lately, the share found
	 * empty, in 1/HM_YIELD_ONE (hm_cache_woken_yield())
	 */
	hm_atomic_t woken_yield;
	hm_atomic_t unpark_visits;	/* slabs hm_cctx_unpark() looked at */
	struct hm_cache *next;	/* global list of caches (adapter's) */
	void *adapter;		/* the adapter's own cache (the kernel's struct hakmem_cache) */
	/* walks of the slab list under way, each between two slabs (hm_frag.c) */
	struct hm_frag_cursor *cursors;	/* under lock */
	/*
	 * The kernel log's rate limits, one per enum hm_msg (the platform's),
	 * allocated with the cache (HM_CACHE_BYTES): none in a cache on a
	 * test's stack, which only lays out slabs
	 */
	hm_plat_ratelimit_t report_rl[];
};

/* what hm_core_cache_create() allocates: the cache and its rate limits */
#define HM_CACHE_BYTES	(sizeof(struct hm_cache) + HM_MSG_NR * sizeof(hm_plat_ratelimit_t))

/* hm_core_cache_create() flags */
#define HM_CACHE_NO_MERGE	0x1U	/* reserved, caches never merge */
#define HM_CACHE_CHECKS		0x2U	/* freelist: detect double frees (O(n)) */
#define HM_CACHE_ADAPTIVE	0x10U	/* hybrid: contexts switch to bitmap and back */
/* with HM_CACHE_FIT_MASK (hm_fit.h), every flag there is; others are refused */
#define HM_CACHE_FLAGS_BASE	(HM_CACHE_NO_MERGE | HM_CACHE_CHECKS | HM_CACHE_ADAPTIVE)

#endif /* HM_TYPES_H */
