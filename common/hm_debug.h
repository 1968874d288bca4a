/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_debug.h - the observatory, switchable at run time: poisoning, per-block
 * tracking (owner, time, call site), call-site profile, cross-owner frees.
 *
 * Off, it costs nothing on the local fast paths: they switch on cc->route,
 * the mode, with HM_ROUTE_DEBUG while a switch is on, a byte they read anyway
 * to pick the mode.  The remote-free paths test HM_DEBUG_ACTIVE(), which
 * the kernel turns into a static key patched out while no cache has a
 * switch on.
 *
 * Switching is safe while other contexts allocate: the cache's switches
 * are copied into each context, which sees them at its next operation.  A
 * block freed before poisoning was on is never checked (a per-slab bitmap
 * says which blocks were poisoned, in this generation of the switch); a
 * block allocated before tracking was on has no record.  Per-slab debug
 * memory is allocated when a switch goes on and lives until its slab is
 * released or its cache destroyed.
 */
#ifndef HM_DEBUG_H
#define HM_DEBUG_H

#include "hm_types.h"

/* hm_cache_set_debug() switches */
#define HM_DBG_POISON		0x1U	/* poison free blocks, check on alloc */
#define HM_DBG_TRACK		0x2U	/* owner, time, site of each block */
/*
 * The hybrid debug route's try functions take their poison and track
 * switches as a constant (a copy per combination: hm_plat_cctx_copies(),
 * no test of a switch read at run time), or this: read cc->debug.
 */
#define HM_DBG_SW_CTX		(~0U)
#define HM_DBG_FLAG_XOWNER	0x4U	/* report frees by a non-owner; needs TRACK */
#define HM_DBG_CHECKS		0x8U	/* freelist: detect double frees */
#define HM_DBG_ALL		0xfU

#define HM_POISON_FREE		0x6b	/* SLUB's POISON_FREE */
#define HM_SITES		256	/* call sites tracked per cache */

struct hm_site {
	hm_atomic_t site;	/* return address, 0: free slot */
	hm_atomic_t allocs;	/* allocations from this site */
};

/* per slab, while a switch is on (slab->dbg) */
struct hm_slab_dbg {
	u32 poison_gen;		/* generation the bitmaps below belong to */
	/* freelist, checks on: the c->checks_gen fl_free[] is exact for, 0: none */
	u32 checks_gen;
	/* the cache's poison and checks generations the quarantine marks are of */
	u32 q_poison_gen, q_checks_gen;
	hm_atomic_t *rpoisoned;	/* 1 = poisoned when freed by another context */
	/*
	 * 1 = withheld for good (a poison hit, a broken link): allocated as
	 * far as the slab goes, never handed out, and a free of it is a
	 * double free (its free came before the write).  Set by the owner;
	 * true while the cache's poison and checks generations are those of
	 * the marks (q_*_gen): once a switch went off, the plain route may
	 * have taken the block back unseen, and a mark would refuse its next
	 * holder's free.  NULL until the slab's first (hm_dbg_quarantine()):
	 * then the free's test of a slab with none is one load.
	 */
	unsigned long *quarantine;
	hm_atomic_t track;	/* struct hm_track[nblocks], or 0 */
	/*
	 * Freelist slabs of a cache with checks on: 1 = on the owner's lists
	 * (only the owner writes it), and 1 = freed by another context, not
	 * collected yet (set atomically by that free, cleared by the owner's
	 * collect): bitmap mode's free_bits and remote_bits, kept beside the
	 * lists so that a double free, local or remote, is found in O(1).
	 */
	unsigned long *fl_free;
	hm_atomic_t *fl_remote;
	/*
	 * Follows: the bitmap of blocks poisoned when freed by the owner,
	 * which only the owner writes (hm_dbg_poisoned()), then rpoisoned's,
	 * quarantine's, then fl_free's and fl_remote's.
	 */
};

static inline unsigned long *hm_dbg_poisoned(struct hm_slab_dbg *d)
{
	return (unsigned long *)(d + 1);
}

/* the quarantine bitmap's place, after rpoisoned's (@nwords: the slab's) */
static inline unsigned long *hm_dbg_quarantine_bits(struct hm_slab_dbg *d, unsigned int nwords)
{
	return (unsigned long *)(d->rpoisoned + nwords);
}

/* bytes of a cached hybrid block the magazine uses (see hm_mag_push()) */
#ifdef HM_MAG_INTRUSIVE
#define HM_MAG_LINK	sizeof(void *)
#else
#define HM_MAG_LINK	0
#endif

/*
 * Can a cache's switches be @flags?  Known bits only, and xowner only with
 * tracking: the owner it compares is what tracking records, so without
 * it xowner would be on and report nothing.
 */
static inline bool hm_debug_flags_valid(unsigned int flags)
{
	return !(flags & ~HM_DBG_ALL) &&
	       (!(flags & HM_DBG_FLAG_XOWNER) || (flags & HM_DBG_TRACK));
}

/* Do the switches @flags take the debug route? */
static inline bool hm_debug_on(unsigned int flags)
{
	return flags & (HM_DBG_POISON | HM_DBG_TRACK | HM_DBG_FLAG_XOWNER);
}

/* Can the hybrid debug route's try functions poison @size-byte blocks inline? */
static __always_inline bool hm_dbg_poison_inline(size_t size)
{
	return hm_plat_mem_inline(size) && hm_plat_mem_inline(size - HM_MAG_LINK);
}

/*
 * The poison spans of the hybrid debug route's try functions (their @span
 * argument): HM_SPAN_CALLS, with the platform's calls; HM_SPAN_ANY, inline
 * for any size the platform does inline; or a constant power of two s from
 * 16 to HM_PLAT_MEM_SPAN_MAX, for blocks of s / 2 < size <= s bytes (8 for
 * 16), where the check and the fill test no size: an adapter may keep a
 * copy per span, and give a context the one of its block size
 * (hm_dbg_span_of(), hm_plat_cctx_copies()).
 */
#define HM_SPAN_CALLS	0
#define HM_SPAN_ANY	1
#define HM_SPAN_BYTES(i)	(8U << (i))	/* of hm_dbg_span_of() i > 0 */

/* The span of blocks of @size: 0 for HM_SPAN_ANY, else i of HM_SPAN_BYTES(i). */
static inline u8 hm_dbg_span_of(u32 size)
{
	u8 i;

	if (HM_MAG_LINK || size < 8)	/* the check starts after a link */
		return 0;
	for (i = 1; HM_SPAN_BYTES(i) <= HM_PLAT_MEM_SPAN_MAX; i++)
		if (size <= HM_SPAN_BYTES(i))
			return i;
	return 0;
}

/*
 * The fast-path route of a context of mode @mode, block size @size, with
 * switches @flags.  The hybrid debug route's leaf try functions poison
 * inline and stamp records with hm_plat_stamp_raw(): where they cannot,
 * the slow paths run their copies with calls (HM_ROUTE_DEBUG_CALLS).
 */
static inline u8 hm_debug_route(unsigned int mode, unsigned int flags, u32 size)
{
	if (!hm_debug_on(flags))
		return (u8)mode;
	if (mode == HM_MODE_HYBRID &&
	    (((flags & HM_DBG_TRACK) && !hm_plat_stamp_inline()) ||
	     ((flags & HM_DBG_POISON) && !hm_dbg_poison_inline(size))))
		return HM_ROUTE_DEBUG_CALLS;
	return (u8)(HM_ROUTE_DEBUG | mode);
}

/*
 * Checks on: by the cache's flags, or its switches.  Poisoning brings
 * them: a free-list block's link word cannot be poisoned, and only the
 * exact state that checks keep tells a link written after free from a
 * listed block.
 */
static inline bool hm_debug_checks(const struct hm_cache *c, unsigned int flags)
{
	return (c->flags & HM_CACHE_CHECKS) || (flags & (HM_DBG_CHECKS | HM_DBG_POISON));
}

static inline bool hm_cache_checks_on(const struct hm_cache *c)
{
	return hm_debug_checks(c, HM_READ_ONCE(c->debug));
}

int hm_cache_set_debug(struct hm_cache *c, unsigned int flags, hm_gfp_t gfp);
bool hm_cache_needs_dbg(const struct hm_cache *c);
unsigned int hm_debug_parse(const char *str, unsigned int cur, bool *ok);
int hm_slab_debug_alloc(struct hm_cache *c, struct hm_slab *s, hm_gfp_t gfp);
void hm_slab_debug_free(struct hm_cache *c, struct hm_slab *s);
void hm_slab_debug_retire(struct hm_cache *c, struct hm_slab *s);
void hm_slab_debug_drop(struct hm_slab *s);
void hm_slab_debug_adopt(struct hm_cctx *cc, struct hm_slab *s);
void *hm_slab_track_unseen(struct hm_cache *c, struct hm_slab *s);
bool hm_slab_lacks_dbg(struct hm_cache *c, const struct hm_slab *s);
void hm_debug_nomem(struct hm_cache *c, unsigned long n);
void hm_track_free(struct hm_cache *c, void *t);
const struct hm_track *hm_debug_track(const struct hm_slab *s, unsigned int idx);
struct hm_site *hm_site_find(struct hm_site *sites, unsigned long ip);

/*
 * A copy of record @t, which its block's owner or a remote free may be
 * writing: field by field, as they are written (hm_dbg_track_alloc()).
 */
static inline void hm_track_snapshot(struct hm_track *dst, const struct hm_track *t)
{
	dst->site = HM_READ_ONCE(t->site);
	dst->when = HM_READ_ONCE(t->when);
	dst->tag = HM_READ_ONCE(t->tag);
	dst->free_site = HM_READ_ONCE(t->free_site);
	dst->free_when = HM_READ_ONCE(t->free_when);
	dst->free_owner = HM_READ_ONCE(t->free_owner);
}

const struct hm_track *hm_debug_block_track(const struct hm_slab *s, const void *p);
const struct hm_track *hm_debug_block_track_copy(const struct hm_slab *s, const void *p,
						 struct hm_track *out);
void hm_report_double_free(struct hm_cache *c, struct hm_slab *s, const void *p,
			   unsigned long ip);

#endif /* HM_DEBUG_H */
