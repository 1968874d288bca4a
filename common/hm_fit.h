/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_fit.h - fit policies: which free block of a bitmap slab is handed
 * out, and which of its owner's partial slabs a context allocates from
 * next (see hm_fit.c); and contiguous runs of blocks.
 */
#ifndef HM_FIT_H
#define HM_FIT_H

#include "hm_cache.h"

enum hm_fit {
	HM_FIT_DEFAULT,	/* the inline fast path: hint word, partial slabs LIFO */
	HM_FIT_FIRST,	/* lowest free address of the context's slabs */
	HM_FIT_NEXT,	/* next-fit from a per-context cursor, wrapping */
	HM_FIT_NEAR,	/* nearest free block to the last one in or out */
	HM_FIT_BEST,	/* a block of the smallest free run */
	HM_FIT_NR,
};

/* hm_core_cache_create() flags: the policy from the start */
#define HM_CACHE_FIT_SHIFT	8
#define HM_CACHE_FIT_MASK	(0x7U << HM_CACHE_FIT_SHIFT)
#define HM_CACHE_FIT(f)		((unsigned int)(f) << HM_CACHE_FIT_SHIFT)
#define HM_CACHE_FLAGS		(HM_CACHE_FLAGS_BASE | HM_CACHE_FIT_MASK)

/* Does a fit policy or the learner pick @c's bitmap blocks (not the slab's first free)? */
static inline bool hm_fit_chooses(const struct hm_cache *c)
{
	return HM_READ_ONCE(c->fit) != HM_FIT_DEFAULT || HM_READ_ONCE(c->learning);
}

/* the fast-path route of @cc (of cache @c) with debug switches @debug */
static inline u8 hm_cctx_route(const struct hm_cctx *cc, const struct hm_cache *c,
			       unsigned int debug)
{
	u8 r = hm_debug_route(cc->mode, debug, c->size);	/* an adaptive context's own */

	return r == HM_MODE_BITMAP && hm_fit_chooses(c) ? HM_ROUTE_FIT : r;
}

bool hm_fit_parse(const char *str, enum hm_fit *fit);
const char *hm_fit_name(unsigned int fit);
int hm_cache_set_fit(struct hm_cache *c, unsigned int fit);
void hm_cache_fit_locked(struct hm_cache *c, unsigned int fit);

/*
 * The learner's proxy for instructions per allocation and its free
 * (hm_learn.c), calibrated with callgrind on workloads f and l
 * (Documentation/research.rst): the inline pair, the out-of-line route's
 * extra, a slab looked at, a bitmap word scanned, an active-slab switch.
 */
#define HM_FIT_WORK_OP		160
#define HM_FIT_WORK_ROUTE	100
#define HM_FIT_WORK_SLAB	12
#define HM_FIT_WORK_WORD	3
#define HM_FIT_WORK_SWITCH	60

void *hm_fit_alloc(struct hm_cctx *cc);
struct hm_slab *hm_fit_partial(struct hm_cctx *cc);

void *hm_cctx_alloc_contig(struct hm_cctx *cc, unsigned int n, bool *need_chunk,
			   unsigned long ip);
bool hm_contig_free_check(struct hm_cache *c, struct hm_slab *s, const void *first,
			  size_t n, unsigned long ip);
void *hm_cctx_add_chunk_contig(struct hm_cctx *cc, void *chunk, unsigned int n,
			       unsigned long ip);

/*
 * the mode's allocation with the cache's policy, for the debug route;
 * while the learner runs, default's turn is counted there too
 */
static inline void *hm_fit_alloc_raw(struct hm_cctx *cc)
{
	if (cc->mode == HM_MODE_BITMAP && hm_fit_chooses(cc->cache))
		return hm_fit_alloc(cc);
	return hm_cctx_alloc_raw(cc);
}

#endif /* HM_FIT_H */
