/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_slab.h - slab geometry and the pointer arithmetic every path shares.
 *
 * A slab is an HM_SLAB_SIZE chunk aligned to its size, so the slab of any
 * block is one mask.  A block's index is one multiply and one shift by the
 * cache's reciprocal (jemalloc's trick): for offsets below 2^16 and strides
 * up to HM_MAX_SLAB_OBJ_SIZE (below 2^14), (off * ceil(2^32 / size)) >> 32
 * equals off / size exactly.
 */
#ifndef HM_SLAB_H
#define HM_SLAB_H

#include "hm_types.h"

static __always_inline struct hm_slab *hm_ptr_slab(const void *p)
{
	return (struct hm_slab *)((unsigned long)p & HM_SLAB_MASK);
}

/* The first word of a live slab owned by context @id (struct hm_slab.key). */
static __always_inline u64 hm_slab_key(u32 id)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (u64)HM_MAGIC_SLAB << 32 | id;
#else
	return (u64)id << 32 | HM_MAGIC_SLAB;
#endif
}

/*
 * Give @s to @cc (NULL: to nobody).  Frees compare s->key with their
 * thread's hm_slab_key(), so owner_id follows s->owner: @cc's key_id.  A
 * context that changes hands (abandon, adopt) either walks its slabs
 * (hm_cctx_rekey()) or, with a unique key, leaves them carrying its old
 * key, which no thread presents any more: its new thread's frees miss and
 * set the new key here, one slab at a time.
 */
static __always_inline void hm_slab_set_owner(struct hm_slab *s, struct hm_cctx *cc)
{
	HM_WRITE_ONCE(s->owner, cc);
	HM_WRITE_ONCE(s->owner_id, cc ? HM_READ_ONCE(cc->key_id) : HM_CTX_NONE);
}

/* Index of the block holding @p (which may point inside the block). */
static __always_inline unsigned int hm_block_index_recip(u32 recip,
							 const struct hm_slab *s,
							 const void *p)
{
	unsigned long off = (unsigned long)((const char *)p - s->blocks);

	return (unsigned int)(((u64)off * recip) >> 32);
}

static __always_inline unsigned int hm_block_index(const struct hm_cache *c,
						   const struct hm_slab *s, const void *p)
{
	return hm_block_index_recip(c->recip, s, p);
}

static __always_inline void *hm_block_addr(const struct hm_cache *c,
					   const struct hm_slab *s, unsigned int idx)
{
	return s->blocks + (unsigned long)idx * c->size;
}

/*
 * Is @p the start of a block of @s?  A pointer below the first block wraps
 * to a huge offset and fails the range check, so headers are refused too.
 */
static __always_inline bool hm_block_valid(const struct hm_cache *c,
					   const struct hm_slab *s, const void *p,
					   unsigned int idx)
{
	return idx < s->nblocks && hm_block_addr(c, s, idx) == p;
}

/*
 * hm_block_start() - index of the block of @s that starts at @p, or an
 * index >= s->nblocks when none does (interior pointer, header, tail).
 * @recip: the cache's ceil(2^32 / size)
 *
 * No multiply back: with recip = (2^32 + e) / size (0 <= e < size), off *
 * recip = q * 2^32 + q * e + r * recip for off = q * size + r, and while
 * (q + 1) * e < recip (true for off < HM_SLAB_SIZE and size <=
 * HM_MAX_SLAB_OBJ_SIZE: (q + 1) * e < 2^16 + size, recip >= 2^32 / size)
 * nothing carries: the low 32 bits are below recip exactly when r == 0.
 * A pointer below block 0 wraps to a huge q.
 */
static __always_inline unsigned long hm_block_start(u32 recip,
						    const struct hm_slab *s,
						    const void *p)
{
	u64 prod = (u64)((const char *)p - s->blocks) * recip;

	return (u32)prod < recip ? (unsigned long)(prod >> 32) : ~0UL;
}

/*
 * @cc's reserve, its empty slab or NULL: owner-private but for the
 * exchange of hm_cctx_reserve_take(), which another thread's trim makes
 * too.  The cache counts the reserves (nreserve), so that a shrinker
 * counts them without reading any context's fields.
 */
static inline struct hm_slab *hm_cctx_reserve(const struct hm_cctx *cc)
{
	return (struct hm_slab *)hm_atomic_read(&cc->reserve);
}

/* empty slabs in @cc's reserve: 0 or 1 */
static inline unsigned int hm_cctx_nempty(const struct hm_cctx *cc)
{
	return hm_atomic_read(&cc->reserve) != 0;
}

/* slab lifecycle and list management (hm_slab.c) */
struct hm_slab *hm_cctx_reserve_take(struct hm_cctx *cc);
int hm_cache_geometry(struct hm_cache *c, unsigned int size, unsigned int align);
struct hm_slab *hm_slab_init(struct hm_cache *c, void *chunk);
unsigned int hm_slab_collect(struct hm_slab *s);
bool hm_slab_remote_pending(const struct hm_slab *s);
unsigned int hm_slab_free_count(const struct hm_slab *s);
bool hm_slab_is_empty(const struct hm_slab *s);
bool hm_slab_settle_list(struct hm_cctx *cc, struct hm_slab *s);
void hm_slab_notify_owner(struct hm_slab *s);
void hm_slab_remote_freed(struct hm_cctx *cc, struct hm_slab *s);
void hm_slab_remote_refused(struct hm_cache *c, struct hm_slab *s, void *p,
			    unsigned long ip);
struct hm_slab *hm_cctx_take_slab(struct hm_cctx *cc);
struct hm_slab *hm_cctx_pool_slab(struct hm_cctx *cc);
void hm_cctx_retire_active(struct hm_cctx *cc);
void hm_cctx_set_active(struct hm_cctx *cc, struct hm_slab *s);
/* what hm_cctx_drain_woken() found: slabs woken, and of those the empty */
struct hm_drain {
	unsigned int woken;
	unsigned int emptied;
};

/* hm_cache.woken_yield's unit, and its floor */
#define HM_YIELD_ONE	1024UL
#define HM_YIELD_MIN	(HM_YIELD_ONE / 64)

unsigned int hm_cctx_drain_woken(struct hm_cctx *cc, struct hm_drain *d);
unsigned int hm_cctx_drain_notify(struct hm_cctx *cc);
void hm_cache_woken_yield(struct hm_cache *c, const struct hm_drain *d);
unsigned long hm_cache_reclaimable(struct hm_cache *c);
unsigned int hm_cctx_park(struct hm_cctx *cc);
void hm_cctx_unpark(struct hm_cctx *cc);
void hm_slab_release(struct hm_cache *c, struct hm_slab *s);
extern hm_atomic_t hm_slabs_retiring;
bool hm_slab_to_pool(struct hm_cache *c, struct hm_slab *s);
bool hm_cctx_slab_to_pool(struct hm_cctx *cc, struct hm_slab *s);

/**
 * hm_slab_settle() - put an owned slab on the list its free count asks for
 * @cc: the owner
 * @s: a slab of @cc whose free count just changed in a slow path
 *
 * Inline for its common case (a pair on the active slab, or a slab that
 * is already on the empty list: two loads), as a magazine flush settles
 * once for each bitmap word it touches.  Both fast paths come here
 * periodically under churn: the adaptive mode measures then (it only
 * decides in hm_slab_settle_list(); hm_adapt.c).
 *
 * Return: true when @s went back to the platform (it emptied, and the
 * reserve and the pool were full).
 */
static inline bool hm_slab_settle(struct hm_cctx *cc, struct hm_slab *s)
{
	if ((s == cc->active || s->list == HM_LIST_EMPTY) &&
	    likely(!HM_READ_ONCE(cc->adapt.on)))
		return false;
	return hm_slab_settle_list(cc, s);
}

#endif /* HM_SLAB_H */
