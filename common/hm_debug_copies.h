/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_debug_copies.h - the hybrid debug route's copies, for an adapter
 *
 * The common cases of the hybrid debug route (cc->route
 * HM_ROUTE_DEBUG_HYBRID) in frames of their own: a pair per span of block
 * sizes (hm_dbg_span_of(): the poison check and fill touch a fixed span,
 * no size is tested; HM_SPAN_ANY for the sizes of none) and per
 * combination of the poison and track switches, which the try functions
 * test as constants.  Each copy is a leaf; what its try leaves is a tail
 * call to the adapter's slow path.  An adapter reaches a context's pair
 * through cc->debug_alloc and cc->debug_free, which hm_debug_copies_set()
 * picks (its hm_plat_cctx_copies()).
 *
 * Included once per translation unit, by the adapter's file that defines
 * first:
 *   HM_DEBUG_COPY_ALLOC_SLOW(cc, ip)       the allocation the try left
 *   HM_DEBUG_COPY_FREE_SLOW(cc, s, p, ip)  the free the try left
 * and optionally HM_DEBUG_COPY_ISA, a suffix of the copies' names for a
 * unit built for another instruction set (userspace's AVX2 copies).
 * The copies are hm_debug_alloc_<span>_<switches><isa> and
 * hm_debug_free_..., the switches 0, p, t or pt.
 */
#ifndef HM_DEBUG_COPIES_H
#define HM_DEBUG_COPIES_H

#include "hm_cache.h"

#ifndef HM_DEBUG_COPY_ISA
#define HM_DEBUG_COPY_ISA
#endif
/* hm_debug_<what><isa>, HM_DEBUG_COPY_ISA expanded first */
#define HM_DEBUG_COPY_NAME(what)		HM_DEBUG_COPY_NAME_(what, HM_DEBUG_COPY_ISA)
#define HM_DEBUG_COPY_NAME_(what, isa)		HM_DEBUG_COPY_NAME__(what, isa)
#define HM_DEBUG_COPY_NAME__(what, isa)		hm_debug_##what##isa

#define HM_DEBUG_COPY_SPAN_any	HM_SPAN_ANY
#define HM_DEBUG_COPY_SPAN_16	16
#define HM_DEBUG_COPY_SPAN_32	32
#define HM_DEBUG_COPY_SPAN_64	64
#define HM_DEBUG_COPY_SPAN_128	128
#define HM_DEBUG_COPY_SPAN_256	256
#define HM_DEBUG_COPY_SW_0	0
#define HM_DEBUG_COPY_SW_p	HM_DBG_POISON
#define HM_DEBUG_COPY_SW_t	HM_DBG_TRACK
#define HM_DEBUG_COPY_SW_pt	(HM_DBG_POISON | HM_DBG_TRACK)

/* the pair of span @span and switches @sw */
#define HM_DEBUG_COPY(span, sw)							\
static noinline void *HM_DEBUG_COPY_NAME(alloc_##span##_##sw)(struct hm_cctx *cc,	\
							 unsigned long ip)	\
{										\
	void *p;								\
										\
	if (likely(hm_cctx_alloc_debug_try(cc, ip, &p, HM_DEBUG_COPY_SPAN_##span,	\
					   HM_DEBUG_COPY_SW_##sw)))		\
		return p;							\
	return HM_DEBUG_COPY_ALLOC_SLOW(cc, ip);				\
}										\
										\
static noinline void HM_DEBUG_COPY_NAME(free_##span##_##sw)(struct hm_cctx *cc,	\
						       struct hm_slab *s, void *p,	\
						       unsigned long ip)	\
{										\
	if (likely(hm_cctx_free_debug_try(cc, s, p, ip, HM_DEBUG_COPY_SPAN_##span,	\
					  HM_DEBUG_COPY_SW_##sw)))		\
		return;								\
	HM_DEBUG_COPY_FREE_SLOW(cc, s, p, ip);					\
}

/* the row of the table: the four combinations of one span */
#define HM_DEBUG_COPY_PAIR(span_sw)						\
	{ HM_DEBUG_COPY_NAME(alloc_##span_sw), HM_DEBUG_COPY_NAME(free_##span_sw) }
#define HM_DEBUG_COPY_ROW(span) {						\
	HM_DEBUG_COPY_PAIR(span##_0), HM_DEBUG_COPY_PAIR(span##_p),		\
	HM_DEBUG_COPY_PAIR(span##_t), HM_DEBUG_COPY_PAIR(span##_pt) }

HM_DEBUG_COPY(any, 0)
HM_DEBUG_COPY(any, p)
HM_DEBUG_COPY(any, t)
HM_DEBUG_COPY(any, pt)
#if HM_PLAT_MEM_SPAN_MAX
HM_DEBUG_COPY(16, 0)
HM_DEBUG_COPY(16, p)
HM_DEBUG_COPY(16, t)
HM_DEBUG_COPY(16, pt)
HM_DEBUG_COPY(32, 0)
HM_DEBUG_COPY(32, p)
HM_DEBUG_COPY(32, t)
HM_DEBUG_COPY(32, pt)
HM_DEBUG_COPY(64, 0)
HM_DEBUG_COPY(64, p)
HM_DEBUG_COPY(64, t)
HM_DEBUG_COPY(64, pt)
HM_DEBUG_COPY(128, 0)
HM_DEBUG_COPY(128, p)
HM_DEBUG_COPY(128, t)
HM_DEBUG_COPY(128, pt)
HM_DEBUG_COPY(256, 0)
HM_DEBUG_COPY(256, p)
HM_DEBUG_COPY(256, t)
HM_DEBUG_COPY(256, pt)
#endif

/*
 * By hm_dbg_span_of() (the copies of span HM_SPAN_BYTES(i) at i,
 * HM_SPAN_ANY at 0), then by the switches poison and track (bits 0, 1).
 */
struct hm_debug_copy {
	void *(*alloc)(struct hm_cctx *cc, unsigned long ip);
	void (*free)(struct hm_cctx *cc, struct hm_slab *s, void *p, unsigned long ip);
};

static const struct hm_debug_copy hm_debug_copies[][4] = {
	HM_DEBUG_COPY_ROW(any),
#if HM_PLAT_MEM_SPAN_MAX
	HM_DEBUG_COPY_ROW(16),
	HM_DEBUG_COPY_ROW(32),
	HM_DEBUG_COPY_ROW(64),
	HM_DEBUG_COPY_ROW(128),
	HM_DEBUG_COPY_ROW(256),
#endif
};

static_assert(!HM_PLAT_MEM_SPAN_MAX || HM_SPAN_BYTES(5) == HM_PLAT_MEM_SPAN_MAX,
	      "the spans are 16 to 256 bytes");
static_assert(HM_ARRAY_SIZE(hm_debug_copies) == (HM_PLAT_MEM_SPAN_MAX ? 6 : 1),
	      "a row per span");
static_assert(HM_DBG_POISON == 1 && HM_DBG_TRACK == 2, "a column per combination");

/*
 * @cc's pair, from hm_cctx_init() and after each switch change (its
 * cache's lock held): in the context, the route is one indirect jump, as
 * many instructions as a direct one (a table would cost three more).  A
 * context may run the copy of the switches before a change for one more
 * operation, as it could have read those switches just before the change
 * (hm_cctx_switches()).
 */
static inline void hm_debug_copies_set_from(struct hm_cctx *cc,
					    const struct hm_debug_copy (*copies)[4])
{
	unsigned int sw = HM_READ_ONCE(cc->debug) & (HM_DBG_POISON | HM_DBG_TRACK);
	const struct hm_debug_copy *cp = &copies[hm_dbg_span_of(cc->size)][sw];

	HM_WRITE_ONCE(cc->debug_alloc, cp->alloc);
	HM_WRITE_ONCE(cc->debug_free, cp->free);
}

/* ... from this unit's copies */
static inline void hm_debug_copies_set(struct hm_cctx *cc)
{
	hm_debug_copies_set_from(cc, hm_debug_copies);
}

#endif /* HM_DEBUG_COPIES_H */
