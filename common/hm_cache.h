/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_cache.h - the core's interface to the adapters: caches, contexts,
 * allocation and free in a given context, large objects, shrinking.
 *
 * The adapter owns the mapping "current CPU/thread -> struct hm_cctx" and
 * the exclusion that makes a context single-user (local_lock, TLS).  The
 * core never allocates platform memory on the fast path: when a context
 * needs a fresh slab, hm_cctx_alloc() returns NULL and the adapter calls
 * hm_cache_chunk_get() outside its per-CPU section, then hm_cctx_add_chunk().
 */
#ifndef HM_CACHE_H
#define HM_CACHE_H

#include "hm_mode.h"
#include "hm_slabmap.h"
#include "hm_debug.h"

#define HM_LARGE_HDR	64	/* large objects start this far into their chunk */

/* which of hm_core_cache_create()'s arguments is at fault (HM_ARG_OK: none) */
enum hm_cache_arg { HM_ARG_OK, HM_ARG_MODE, HM_ARG_FLAGS, HM_ARG_SIZE, HM_ARG_ALIGN };
enum hm_cache_arg hm_cache_arg_bad(unsigned long size, unsigned long align,
				   unsigned int mode, unsigned int flags);

/* ... and its value, for the report */
static inline unsigned long hm_cache_arg_value(enum hm_cache_arg a, unsigned long size,
					       unsigned long align, unsigned int mode,
					       unsigned int flags)
{
	return a == HM_ARG_MODE ? mode : a == HM_ARG_FLAGS ? flags : a == HM_ARG_SIZE ? size :
	       align;
}

struct hm_cache *hm_core_cache_create(const char *name, unsigned int size,
				      unsigned int align, enum hm_mode mode,
				      unsigned int flags, hm_gfp_t gfp);
struct hm_cache *hm_core_medium_create(const char *name, unsigned int size,
				       unsigned int align, enum hm_mode mode, hm_gfp_t gfp);
unsigned long hm_core_cache_destroy(struct hm_cache *c);
void *hm_cache_chunk_get(struct hm_cache *c, hm_gfp_t gfp);
void *hm_cctx_add_chunk(struct hm_cctx *cc, void *chunk, unsigned long ip);
struct hm_slab *hm_cctx_link_chunk(struct hm_cctx *cc, void *chunk);
unsigned long hm_cache_trim_reserves(struct hm_cache *c, unsigned long *released);
unsigned long hm_cache_shrink(struct hm_cache *c);
bool hm_mode_parse(const char *str, enum hm_mode *mode);
int hm_name_lookup(const char *str, const char *const *names, unsigned int n);
const char *hm_mode_name(enum hm_mode mode);

size_t hm_cctx_size(const struct hm_cache *c);
void hm_cctx_init(struct hm_cctx *cc, struct hm_cache *c, u32 ctx_id);
void hm_cctx_register(struct hm_cctx *cc);
struct hm_cctx *hm_cctx_new(struct hm_cache *c, u32 ctx_id, u32 key_id, hm_gfp_t gfp);
struct hm_cctx *hm_cctx_adopt(struct hm_cache *c, u32 ctx_id, u32 key_id);
void hm_cctx_rekey(struct hm_cctx *cc, u32 ctx_id, u32 key_id);
unsigned int hm_cctx_flush(struct hm_cctx *cc);
unsigned int hm_cctx_drop_reserve(struct hm_cctx *cc);
void hm_cctx_abandon(struct hm_cctx *cc, bool key_live);
unsigned int hm_cctx_alloc_bulk(struct hm_cctx *cc, unsigned int n, void **p,
				unsigned long ip);
unsigned int hm_cctx_free_bulk(struct hm_cctx *cc, unsigned int n, void **p,
			       unsigned long ip);

void hm_cctx_switches(struct hm_cctx *cc, unsigned int flags);
void *hm_cctx_alloc_debug(struct hm_cctx *cc, unsigned long ip);
void *hm_cctx_alloc_debug_slow(struct hm_cctx *cc, unsigned long ip);
void hm_cctx_free_local_debug(struct hm_cctx *cc, struct hm_slab *s, void *p,
			      unsigned long ip);
void hm_cctx_free_debug_slow(struct hm_cctx *cc, struct hm_slab *s, void *p,
			     unsigned long ip);
void hm_cctx_free_debug_hybrid(struct hm_cctx *cc, struct hm_slab *s, void *p,
			       unsigned long ip);

void *hm_large_alloc(size_t size, hm_gfp_t gfp);
/*
 * The core's global locks, leaves, for an adapter's fork(), taken in this
 * order: hm_large_lock, hm_slabmap_lock (hm_slabmap.h), hm_err_lock
 * (hm_report.h).
 */
extern hm_lock_t hm_large_lock;
/*
 * The largest size hm_large_alloc*() try: more cannot fit the platform's
 * address space (HM_PLAT_ADDR_BITS, else half the size_t range, so that
 * sums with it cannot wrap) and is reported as HM_ERR_BAD_SIZE.
 */
#ifdef HM_PLAT_ADDR_BITS
#define HM_LARGE_MAX	(HM_BIT(HM_PLAT_ADDR_BITS) - HM_SLAB_SIZE)
#else
#define HM_LARGE_MAX	(((size_t)-1 >> 1) - HM_SLAB_SIZE)
#endif
void *hm_large_alloc_aligned(size_t size, size_t align, bool zero, hm_gfp_t gfp);
size_t hm_large_chunk_size(size_t size, size_t align);
void *hm_large_alloc_room(size_t size, size_t room, hm_gfp_t gfp);
bool hm_large_resize(void *p, size_t size);
void *hm_large_move(void *p, size_t size, size_t room, hm_gfp_t gfp);
unsigned long hm_large_trim(void);
unsigned long hm_large_kept(void);

struct hm_large_use {
	unsigned long objs, bytes;	/* live large objects, their chunks */
	unsigned long span;		/* of bytes, up to the objects' ends (hblkhd) */
	unsigned long moves;		/* objects moved without a copy, ever */
	unsigned long kept, kept_bytes;	/* chunks kept for the next ones */
	unsigned long kept_resident;	/* of kept_bytes, in memory */
};

void hm_large_usage(struct hm_large_use *u);
bool hm_large_was_gone(const void *p);
void hm_large_exit(void);
void hm_free_other(void *p, unsigned long ip);
void hm_free_other_cache(struct hm_cache *c, void *p, unsigned long ip);
void hm_free_no_cache(void *const *ptrs, size_t n, unsigned long ip);
void hm_cache_free_nocctx(struct hm_cache *c, struct hm_slab *s, void *p,
			  unsigned long ip);
size_t hm_core_usable_size(const void *p);
size_t hm_core_usable_size_ip(const void *p, unsigned long ip);
size_t hm_core_free_size(const void *p, unsigned long ip);
void *hm_core_obj_of(const void *p, size_t *size);
bool hm_block_live(struct hm_cache *c, struct hm_slab *s, const void *p);

/* The mode's allocation, without the debug hook. */
static __always_inline void *hm_cctx_alloc_raw(struct hm_cctx *cc)
{
	switch (cc->mode) {
	case HM_MODE_HYBRID:
		return hm_hybrid_alloc(cc);
	case HM_MODE_BITMAP:
		return hm_bitmap_alloc(cc);
	default:
		return hm_freelist_alloc(cc);
	}
}

/**
 * hm_cctx_alloc_try() - the mode's common case of an allocation, only
 * @cc: the caller's context for the cache
 * @pp: where the object goes
 *
 * Calls nothing, so an adapter's entry point built on it needs no stack
 * frame (mimalloc's shape): the rest, including debugging, is
 * hm_cctx_alloc_ip()'s, which the caller runs when this gives up.
 *
 * Return: true with the object in *@pp, or false having changed nothing.
 */
static __always_inline bool hm_cctx_alloc_try_route(struct hm_cctx *cc, u8 route,
						    void **pp);

static __always_inline bool hm_cctx_alloc_try(struct hm_cctx *cc, void **pp)
{
	return hm_cctx_alloc_try_route(cc, HM_READ_ONCE(cc->route), pp);
}

/*
 * hm_cctx_alloc_try() with @cc's route read by the caller, which tests it
 * again when this gives up (one load).
 */
static __always_inline bool hm_cctx_alloc_try_route(struct hm_cctx *cc, u8 route,
						    void **pp)
{
	bool ok;

	/* tests in order of likelihood: the default mode first */
	if (likely(route == HM_MODE_HYBRID))
		ok = hm_hybrid_alloc_try(cc, pp);
	else if (route == HM_MODE_BITMAP)
		ok = hm_bitmap_alloc_try(cc, pp);
	else if (route == HM_MODE_FREELIST)
		ok = hm_freelist_alloc_try(cc, pp);
	else
		return false;
	if (ok)
		hm_plat_obj_alloc(*pp, cc->cache->obj_size);
	return ok;
}

/*
 * Is @cc on the debug route in the hybrid mode?  Then the common case of
 * an operation is hm_cctx_alloc_debug_try()'s or the hybrid free's try;
 * everything else, and the other modes, go to the *_debug_slow() paths.
 */
static __always_inline bool hm_cctx_debug_hybrid(const struct hm_cctx *cc)
{
	return HM_READ_ONCE(cc->route) == HM_ROUTE_DEBUG_HYBRID;
}

/**
 * hm_cctx_alloc_debug_try() - the common case of an allocation on the
 * hybrid debug route, only
 * @cc: the caller's context for the cache, hm_cctx_debug_hybrid()
 * @ip: the allocation call site
 * @pp: where the object goes
 * @span: HM_SPAN_ANY, or (a constant) the span of @cc's block size where
 *        it has one: HM_SPAN_BYTES(hm_dbg_span_of(@cc->size)), not 0
 * @sw: HM_DBG_SW_CTX, or (a constant) @cc's HM_DBG_POISON and HM_DBG_TRACK
 *      as the copy the caller is was chosen for (hm_plat_cctx_copies())
 *
 * For an adapter that calls hm_cctx_alloc_debug_slow() itself when this
 * gives up (one call less than hm_cctx_alloc_debug()).
 *
 * Return: true with the object in *@pp, or false having changed nothing.
 */
static __always_inline bool hm_cctx_alloc_debug_try(struct hm_cctx *cc, unsigned long ip,
						    void **pp, unsigned int span,
						    unsigned int sw)
{
	if (likely(hm_hybrid_alloc_debug_try(cc, ip, pp, span, sw))) {
		hm_plat_obj_alloc(*pp, cc->cache->obj_size);
		return true;
	}
	return false;
}

/**
 * hm_cctx_free_debug_try() - the common case of a local free on the hybrid
 * debug route, only
 * @cc: the caller's context, s->owner, hm_cctx_debug_hybrid()
 * @s: hm_ptr_slab(@p), a live slab
 * @p: the object
 * @ip: the caller
 * @span: as hm_cctx_alloc_debug_try()'s
 * @sw: as hm_cctx_alloc_debug_try()'s
 *
 * For an adapter that calls hm_cctx_free_debug_slow() itself when this
 * gives up.
 *
 * Return: true when @p is freed, or false having changed nothing.
 */
static __always_inline bool hm_cctx_free_debug_try(struct hm_cctx *cc, struct hm_slab *s,
						   void *p, unsigned long ip, unsigned int span,
						   unsigned int sw)
{
	return hm_hybrid_free_debug_try(cc, s, p, ip, span, sw);
}

/**
 * hm_cctx_free_try() - the mode's common case of a local free, only
 * @cc: the caller's context, s->owner
 * @s: hm_ptr_slab(@p), a live slab
 * @p: the object
 *
 * Return: true when @p is freed; false, having changed nothing, when
 * hm_cctx_free_local() must run (reports, debugging, list changes,
 * init_on_free).
 */
static __always_inline bool hm_cctx_free_try_route(struct hm_cctx *cc, u8 route,
						   struct hm_slab *s, void *p);

static __always_inline bool hm_cctx_free_try(struct hm_cctx *cc, struct hm_slab *s,
					     void *p)
{
	return hm_cctx_free_try_route(cc, HM_READ_ONCE(cc->route), s, p);
}

/* hm_cctx_free_try() with @cc's route read by the caller, as for the alloc */
static __always_inline bool hm_cctx_free_try_route(struct hm_cctx *cc, u8 route,
						   struct hm_slab *s, void *p)
{
	/* init_on_free: the full path zeroes the block (hm_obj_wipe()) */
	if (hm_plat_init_on_free())
		return false;
	if (likely(route == HM_MODE_HYBRID))
		return hm_hybrid_free_try(cc, s, p);
	if (route == HM_MODE_BITMAP)
		return hm_bitmap_free_try(cc, s, p);
	if (route == HM_MODE_FREELIST)
		return hm_freelist_free_try(cc, s, p);
	return false;
}

/**
 * hm_cctx_alloc_ip() - allocate one object in context @cc
 * @cc: the caller's context for the cache
 * @ip: the allocation call site, for tracking
 *
 * Return: the object, or NULL when the context needs a new chunk.
 */
static __always_inline void *hm_cctx_alloc_ip(struct hm_cctx *cc, unsigned long ip)
{
	void *p;

	/*
	 * cc->route is the mode, or HM_ROUTE_DEBUG while a debug switch is
	 * on: the switch that picks the fast path also catches debugging,
	 * so with every switch off the hooks cost nothing.
	 */
	switch (HM_READ_ONCE(cc->route)) {
	case HM_MODE_HYBRID:
		p = hm_hybrid_alloc(cc);
		break;
	case HM_MODE_BITMAP:
		p = hm_bitmap_alloc(cc);
		break;
	case HM_MODE_FREELIST:
		p = hm_freelist_alloc(cc);
		break;
	default:
		return hm_cctx_alloc_debug(cc, ip);
	}
	if (p)
		hm_plat_obj_alloc(p, cc->cache->obj_size);
	return p;
}

/* hm_cctx_alloc_ip() with the caller of the inlining function as site */
#define hm_cctx_alloc(cc)	hm_cctx_alloc_ip((cc), HM_RET_IP)

/**
 * hm_cctx_free() - free @p, a block of slab @s, in context @cc
 * @cc: the caller's context for the cache @p is freed to
 * @s: hm_ptr_slab(@p), already checked to be a live slab
 * @p: the object
 * @ip: caller, for reports
 */
static __always_inline void hm_cctx_free_local(struct hm_cctx *cc, struct hm_slab *s,
					       void *p, unsigned long ip);

/* hm_cctx_free() into a slab @cc does not own */
static __always_inline void hm_cctx_free_remote(struct hm_cctx *cc, struct hm_slab *s,
						void *p, unsigned long ip)
{
	if (cc->mode == HM_MODE_FREELIST)
		hm_freelist_free_remote(cc, s, p, ip);
	else
		hm_bitmap_free_remote(cc, s, p, ip);
}

static __always_inline void hm_cctx_free(struct hm_cctx *cc, struct hm_slab *s,
					 void *p, unsigned long ip)
{
	if (unlikely(s->owner != cc)) {
		hm_cctx_free_remote(cc, s, p, ip);
		return;
	}
	hm_cctx_free_local(cc, s, p, ip);
}

/**
 * hm_cctx_free_local() - free @p into its own slab @s, owned by @cc
 * @cc: the caller's context, s->owner
 * @s: hm_ptr_slab(@p)
 * @p: the object
 * @ip: caller, for reports
 */
static __always_inline void hm_cctx_free_local(struct hm_cctx *cc, struct hm_slab *s,
					       void *p, unsigned long ip)
{
	switch (HM_READ_ONCE(cc->route)) {
	case HM_MODE_HYBRID:
		hm_hybrid_free_local(cc, s, p, ip, false);
		return;
	case HM_MODE_BITMAP:
		hm_bitmap_free_local(cc, s, p, ip, false);
		return;
	case HM_MODE_FREELIST:
		hm_freelist_free_local(cc, s, p, ip, false);
		return;
	default:
		hm_cctx_free_local_debug(cc, s, p, ip);
	}
}

/**
 * hm_ptr_to_slab() - the live slab holding @p, or NULL
 * @p: a pointer to free
 *
 * NULL for pointers hakmem did not hand out from a slab (foreign, large,
 * or from a destroyed cache): the caller passes those to hm_free_other().
 */
static __always_inline struct hm_slab *hm_ptr_to_slab(const void *p)
{
	struct hm_slab *s;

	if (unlikely(!hm_slabmap_test(p)))
		return NULL;
	s = hm_ptr_slab(p);
	/* a large chunk's magic may change meanwhile (hm_large_free()) */
	return likely(HM_READ_ONCE(s->magic) == HM_MAGIC_SLAB) ? s : NULL;
}

#endif /* HM_CACHE_H */
