/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_mode.h - the fast paths of the three modes, inlined into callers.
 *
 * Every function here runs in the owning context (the adapter guarantees
 * that: a per-CPU local lock in the kernel, thread-local storage in
 * userspace), so it uses no atomic read-modify-write.  Words that other
 * contexts read for double-free checks are stored with HM_WRITE_ONCE.
 *
 *  bitmap:   find-first-set in the active slab's free bitmap; nothing is
 *            ever written into a free block.
 *  freelist: mimalloc's sharded intrusive lists: pop slab->free, push
 *            slab->local_free; other contexts push slab->xthread_free.
 *  hybrid:   a LIFO array of block pointers per context (the magazine) in
 *            front of bitmap slabs; refill and flush move whole bitmap
 *            words.  The slab's live bitmap keeps the exact state of each
 *            block: live (user's), cached (in a magazine), free (in slab).
 */
#ifndef HM_MODE_H
#define HM_MODE_H

#include "hm_slab.h"
#include "hm_report.h"

#define HM_BPL	HM_BITS_PER_LONG

#include "hm_debug_hooks.h"

/* first word of a freelist block just handed out (checks on): not a link */
#define HM_FREELIST_ALLOCATED	((void *)0xa110ca7edUL)

/*
 * Before a checked block becomes free: poisoning and tracking.  @dbg is a
 * constant at every call site: the local fast paths are compiled twice,
 * without (false) and, out of line, with the hook (see hm_cctx_route).
 */
static __always_inline void hm_debug_free_hook(struct hm_cctx *cc,
					       struct hm_slab *s, void *p,
					       unsigned long idx,
					       unsigned long ip, bool dbg)
{
	if (dbg)
		hm_debug_on_free(cc, s, p, (unsigned int)idx, ip, false);
}

/*
 * The same before a remote free publishes a block: @cc's route decides,
 * or the cache's switches for a caller without a context (@cc NULL).
 */
static __always_inline void hm_remote_debug_hook(struct hm_cctx *cc,
						 struct hm_slab *s, void *p,
						 unsigned long idx, unsigned long ip)
{
	if (!HM_DEBUG_ACTIVE())
		return;
	if (cc ? HM_READ_ONCE(cc->route) & HM_ROUTE_DEBUG :
	    hm_debug_on(HM_READ_ONCE(s->cache->debug)))
		hm_debug_on_free_remote(cc, s, p, (unsigned int)idx, ip);
}

/*
 * A remote free's common case, which its mode handles without a call but
 * the tail ones: a context (@cc) of the slab's cache @c, @idx a block
 * start of @s, no debug switch on, no init_on_free (hm_obj_wipe()).
 */
static __always_inline bool hm_remote_plain(struct hm_cctx *cc, struct hm_cache *c,
					    struct hm_slab *s, unsigned long idx)
{
	return likely(cc && c == cc->cache && idx < s->nblocks &&
		      !(HM_DEBUG_ACTIVE() && (HM_READ_ONCE(cc->route) & HM_ROUTE_DEBUG)) &&
		      !hm_plat_init_on_free());
}

/*
 * The checks a remote free's slow path adds: a block of another cache
 * than @cc's, not a block start, or quarantined (a double free), is
 * reported (false); else *@idx is the block's index.
 */
static __always_inline bool hm_remote_checks(struct hm_cctx *cc, struct hm_slab *s,
					     void *p, unsigned long ip, unsigned long *idx)
{
	struct hm_cache *c = s->cache;

	*idx = hm_block_start(c->recip, s, p);
	if (unlikely(cc && c != cc->cache)) {
		hm_report_block(cc->cache, HM_ERR_WRONG_CACHE, s, p, ip);
		return false;
	}
	if (unlikely(*idx >= s->nblocks)) {
		hm_report_bad_block(c, s, p, ip);
		return false;
	}
	if (unlikely(hm_slab_quarantined(s, *idx))) {	/* freed before it was written */
		hm_report_double_free(c, s, p, ip);
		return false;
	}
	return true;
}

/*
 * The allocator is done writing into a freed block of @size bytes with
 * plain stores: the object ends for the sanitizers, the whole block, so
 * that a user's access to its link word is reported too.  From here on
 * the allocator reads and writes a link only with hm_plat_link_read()
 * and hm_plat_link_write().  Always before the block is published as
 * free, since its next owner may hand it out at once.
 */
static __always_inline void hm_obj_freed(void *p, unsigned int size)
{
	hm_plat_mark_free(p, size);
	hm_plat_obj_free(p);
}

/*
 * A free of block @p of @size bytes passed its checks: with the
 * platform's init_on_free on, its bytes are zeroed, as SLUB zeroes an
 * object at its free.  Before the debug hook and the mode's link store,
 * which write over the zeroes: a poisoned block keeps its pattern, a
 * free list its link.  Only the full paths call it: while it is on, the
 * fast paths give up at once (hm_cctx_free_try_route(),
 * hm_remote_plain(), hm_hybrid_free_debug_try()), so that off it costs
 * them a static branch and no call, no saved register.
 */
static __always_inline void hm_obj_wipe(void *p, unsigned int size)
{
	if (hm_plat_init_on_free())
		hm_memset(p, 0, size);
}

/* slow paths, one file per mode */
void *hm_bitmap_alloc_slow(struct hm_cctx *cc);
void hm_bitmap_free_remote(struct hm_cctx *cc, struct hm_slab *s, void *p,
			   unsigned long ip);
unsigned int hm_bitmap_collect(struct hm_slab *s);
void hm_bitmap_refuse_late(struct hm_slab *s, unsigned int i, unsigned long bad, bool report);

void *hm_freelist_alloc_slow(struct hm_cctx *cc);
void hm_freelist_free_remote(struct hm_cctx *cc, struct hm_slab *s, void *p,
			     unsigned long ip);
bool hm_freelist_is_free(struct hm_slab *s, const void *p);
void hm_freelist_build(struct hm_cache *c, struct hm_slab *s);
void hm_freelist_reset(struct hm_cache *c, struct hm_slab *s);
unsigned int hm_freelist_collect(struct hm_slab *s);

void *hm_hybrid_alloc_slow(struct hm_cctx *cc);
u32 hm_hybrid_flush(struct hm_cctx *cc, u32 n);

/* ---- bitmap ---------------------------------------------------------- */

/*
 * The *_alloc_try() fast paths say whether they allocated and pass the
 * object in *@pp: their callers then branch on a value known on each
 * path, not on the pointer (one test less after inlining).
 */
static __always_inline bool hm_bitmap_alloc_try(struct hm_cctx *cc, void **pp)
{
	struct hm_slab *s = cc->active;
	unsigned long *fb, w;
	unsigned int i;
	void *p;

	if (unlikely(!s || !s->nfree))
		return false;
	/* words below the hint are all zero, and one above is not */
	fb = s->free_bits;
	i = s->hint;
	w = fb[i];
	if (unlikely(!w)) {
		do
			w = fb[++i];
		while (!w);
		s->hint = (u16)i;
	}
	HM_WRITE_ONCE(fb[i], w & (w - 1));
	s->nfree--;
	cc->st.allocs++;
	p = s->blocks + (unsigned long)(i * HM_BPL + hm_ctz(w)) * cc->size;
	hm_plat_mark_alloc(p, cc->cache->size);
	*pp = p;
	return true;
}

static __always_inline void *hm_bitmap_alloc(struct hm_cctx *cc)
{
	void *p;

	return likely(hm_bitmap_alloc_try(cc, &p)) ? p : hm_bitmap_alloc_slow(cc);
}

/*
 * The common local free and nothing else: false, having changed nothing,
 * for a bad pointer, a double free or a slab that changes lists (full ->
 * partial, -> empty: what hm_slab_settle() would do).
 * hm_bitmap_free_local() does all of it.
 */
/*
 * May a fast path free block @bit of word @i of @s (read into *@w): it is
 * allocated, no remote free took it, and its free moves @s to no other
 * list (hm_bitmap_free_try(), hm_bitmap_free_debug_try()).
 */
static __always_inline bool hm_bitmap_free_stays(struct hm_cctx *cc, struct hm_slab *s,
						 unsigned long i, unsigned long bit,
						 unsigned long *w)
{
	u32 nfree = s->nfree + 1;

	*w = s->free_bits[i];
	if (unlikely((*w | hm_atomic_read(&s->remote_bits[i])) & bit))
		return false;
	/*
	 * A slab that changes lists; the active one never does, but the
	 * adaptive mode measures there (hm_slab_settle()).  adapt.on is read
	 * plainly here, unlike elsewhere (hm_cache_set_adaptive() writes it):
	 * a marked load costs this path an instruction, and a stale value
	 * only one tick more or less, or one free on the full path.  The race
	 * is meant: HM_DATA_RACE() says so to ThreadSanitizer and KCSAN.
	 */
	return !unlikely((nfree == 1 || nfree == s->nblocks) &&
			 (s != cc->active || HM_DATA_RACE(cc->adapt.on)));
}

/* ... and that free of @p, its bit @bit in word @i, @w the word before */
static __always_inline void hm_bitmap_freed(struct hm_cctx *cc, struct hm_slab *s, void *p,
					    unsigned long i, unsigned long bit, unsigned long w)
{
	hm_obj_freed(p, cc->cache->size);
	HM_WRITE_ONCE(s->free_bits[i], w | bit);
	if (i < s->hint)
		s->hint = (u16)i;
	s->nfree++;
	cc->st.frees++;
}

static __always_inline bool hm_bitmap_free_try(struct hm_cctx *cc, struct hm_slab *s,
					       void *p)
{
	unsigned long idx = hm_block_start(cc->recip, s, p);
	unsigned long i = idx / HM_BPL, bit = 1UL << (idx % HM_BPL), w;

	if (unlikely(idx >= s->nblocks) || !hm_bitmap_free_stays(cc, s, i, bit, &w))
		return false;
	hm_bitmap_freed(cc, s, p, i, bit, w);
	return true;
}

static __always_inline void hm_bitmap_free_local(struct hm_cctx *cc, struct hm_slab *s,
						 void *p, unsigned long ip,
						 bool dbg)
{
	struct hm_cache *c = cc->cache;
	unsigned long idx = hm_block_start(cc->recip, s, p);
	unsigned long i = idx / HM_BPL;
	unsigned long bit = 1UL << (idx % HM_BPL);
	unsigned long w;

	if (unlikely(idx >= s->nblocks)) {
		hm_report_bad_block(c, s, p, ip);
		return;
	}
	w = s->free_bits[i];
	/* free in the slab, or freed by another context and not collected */
	if (unlikely((w | hm_atomic_read(&s->remote_bits[i])) & bit) ||
	    unlikely(hm_slab_quarantined(s, idx))) {
		hm_report_double_free(c, s, p, ip);
		return;
	}
	hm_obj_wipe(p, c->size);
	hm_debug_free_hook(cc, s, p, idx, ip, dbg);
	hm_obj_freed(p, c->size);
	HM_WRITE_ONCE(s->free_bits[i], w | bit);
	if (i < s->hint)
		s->hint = (u16)i;
	cc->st.frees++;
	s->nfree++;
	if (unlikely(s->nfree == 1 || s->nfree == s->nblocks))
		hm_slab_settle(cc, s);
}

/* ---- freelist -------------------------------------------------------- */

/*
 * With checks on, a freelist slab's state bitmaps (struct hm_slab_dbg:
 * fl_free, fl_remote), when they are exact: kept since the slab was
 * (re)built, every block free, in this generation of the checks switch.
 * NULL otherwise (a slab older than the switch): then only its lists tell.
 */
static __always_inline struct hm_slab_dbg *hm_fl_state(const struct hm_cache *c,
						       const struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	return d && d->fl_free &&
	       HM_READ_ONCE(d->checks_gen) == HM_READ_ONCE(c->checks_gen) ? d : NULL;
}

/* Is block @idx on the owner's lists, or freed remotely and not collected? */
static __always_inline bool hm_fl_state_free(const struct hm_slab_dbg *d, unsigned long idx)
{
	unsigned long bit = 1UL << (idx % HM_BPL);

	return ((HM_READ_ONCE(d->fl_free[idx / HM_BPL]) |
		 hm_atomic_read(&d->fl_remote[idx / HM_BPL])) & bit) != 0;
}

/* The owner sets (@free) or clears block @idx's bit in fl_free. */
static __always_inline void hm_fl_state_set(struct hm_slab_dbg *d, unsigned long idx, bool free)
{
	unsigned long *w = &d->fl_free[idx / HM_BPL], bit = 1UL << (idx % HM_BPL);

	HM_WRITE_ONCE(*w, free ? *w | bit : *w & ~bit);
}

/* Is block @idx on the owner's lists of @s by the exact state @d? */
static __always_inline bool hm_fl_listed(const struct hm_slab_dbg *d, unsigned long idx)
{
	return (HM_READ_ONCE(d->fl_free[idx / HM_BPL]) >> (idx % HM_BPL)) & 1;
}

/*
 * Is @next, read from the link of a block on a list of @s, a link that
 * list can hold: NULL, or the start of a block of @s that is on it by the
 * exact state @d when there is one (fl_remote for the remote list,
 * fl_free for the owner's)?  A write after free to a free block's first
 * word, or a remote double free without checks, breaks a link.
 */
static __always_inline bool hm_fl_link_ok(struct hm_cache *c, struct hm_slab *s,
					  struct hm_slab_dbg *d, const void *next, bool remote)
{
	unsigned long idx;

	if (!next)
		return true;
	idx = hm_block_start(c->recip, s, next);
	if (hm_ptr_slab(next) != s || idx >= s->nblocks)
		return false;
	if (!d)
		return true;
	if (remote)
		return (hm_atomic_read(&d->fl_remote[idx / HM_BPL]) >> (idx % HM_BPL)) & 1;
	return hm_fl_listed(d, idx);
}

/*
 * May the owner follow @next, the link of @b, the head of its s->free?
 * To another listed block of @s, or NULL; a NULL that ends the owner's
 * last list must leave nothing behind (then the lists, all but @b, hold
 * nblocks - used - 1): a NULL written after free would lose the rest.
 */
static __always_inline bool hm_fl_next_ok(struct hm_cache *c, struct hm_slab *s,
					  struct hm_slab_dbg *d, void **b, const void *next)
{
	if (next == b || !hm_fl_link_ok(c, s, d, next, false))
		return false;
	return next || !d || s->local_free || s->used + 1 >= s->nblocks;
}

/*
 * Take @b, the head of s->free, with checks on: its common case, with
 * exact state and every link good, calling nothing.  Good: @b is listed,
 * and its link is NULL or another listed block of @s; a NULL that ends
 * the owner's last list leaves nothing behind.  False, having changed
 * nothing, for the rest, which the caller checks and mends.
 */
static __always_inline bool hm_freelist_pop_checked(struct hm_cctx *cc, struct hm_slab *s,
						    void **b, void **pp)
{
	struct hm_slab_dbg *d = hm_fl_state(cc->cache, s);
	unsigned long idx;
	void *next;

	if (unlikely(!d))
		return false;
	idx = hm_block_index_recip(cc->recip, s, b);
	next = hm_plat_link_read(b);
	if (unlikely(!hm_fl_listed(d, idx) || !hm_fl_next_ok(cc->cache, s, d, b, next)))
		return false;
	s->free = next;
	/* no link: the next free of this block must not take it for a listed one */
	hm_plat_link_write(b, HM_FREELIST_ALLOCATED);
	hm_fl_state_set(d, idx, false);
	s->used++;
	cc->st.allocs++;
	hm_plat_mark_alloc(b, cc->cache->size);
	*pp = b;
	return true;
}

/* Take @b, the head of s->free, without checks: its link followed as it is. */
static __always_inline void hm_freelist_pop(struct hm_cctx *cc, struct hm_slab *s,
					    void **b, void **pp)
{
	s->free = hm_plat_link_read(b);
	s->used++;
	cc->st.allocs++;
	hm_plat_mark_alloc(b, cc->cache->size);
	*pp = b;
}

static __always_inline bool hm_freelist_alloc_try(struct hm_cctx *cc, void **pp)
{
	struct hm_slab *s = cc->active;

	if (unlikely(!s || !s->free))
		return false;
	/* checks on: the slow path checks the link before it follows it */
	if (unlikely(HM_READ_ONCE(cc->checks)))
		return false;
	hm_freelist_pop(cc, s, s->free, pp);
	return true;
}

static __always_inline void *hm_freelist_alloc(struct hm_cctx *cc)
{
	void *p;

	if (likely(hm_freelist_alloc_try(cc, &p)))
		return p;
	/* checks on: the common case here, for the slow paths that call this */
	if (HM_READ_ONCE(cc->checks) && cc->active && cc->active->free &&
	    hm_freelist_pop_checked(cc, cc->active, cc->active->free, &p))
		return p;
	return hm_freelist_alloc_slow(cc);
}

/* Put @p, a live block of @s, on its local list; @used: s->used after. */
static __always_inline void hm_freelist_push(struct hm_cctx *cc, struct hm_slab *s, void *p,
					     u32 used)
{
	*(void **)p = s->local_free;	/* a live block: a plain store */
	s->local_free = p;
	hm_obj_freed(p, cc->cache->size);
	s->used = used;
	cc->st.frees++;
}

/* Does a free that leaves @used blocks in @s move it between lists? */
static __always_inline bool hm_freelist_settles(const struct hm_cctx *cc,
						const struct hm_slab *s, u32 used)
{
	return (used == 0 || used == (u32)s->nblocks - 1) && s != cc->active;
}

/* As hm_bitmap_free_try(); with checks on, always the full path. */
static __always_inline bool hm_freelist_free_try(struct hm_cctx *cc, struct hm_slab *s,
						 void *p)
{
	unsigned long idx = hm_block_start(cc->recip, s, p);
	u32 used = s->used - 1;

	if (unlikely(idx >= s->nblocks || HM_READ_ONCE(cc->checks)))
		return false;
	if (unlikely(hm_freelist_settles(cc, s, used)))
		return false;
	hm_freelist_push(cc, s, p, used);
	return true;
}

static __always_inline void hm_freelist_free_local(struct hm_cctx *cc, struct hm_slab *s,
						   void *p, unsigned long ip,
						 bool dbg)
{
	struct hm_cache *c = cc->cache;
	unsigned long idx = hm_block_start(cc->recip, s, p);
	struct hm_slab_dbg *d;
	void *next;

	if (unlikely(idx >= s->nblocks)) {
		hm_report_bad_block(c, s, p, ip);
		return;
	}
	if (unlikely(hm_slab_quarantined(s, idx))) {	/* freed before it was written */
		hm_report_double_free(c, s, p, ip);
		return;
	}
	if (unlikely(HM_READ_ONCE(cc->checks))) {
		d = hm_fl_state(c, s);
		/*
		 * Exact state: O(1).  Without it, a block whose first word
		 * could be a link (into its own slab, or the NULL that ends a
		 * list) may be on a free list already: only then walk the
		 * lists (mimalloc's heuristic, O(n)).
		 */
		next = hm_plat_link_read(p);	/* live, or free (a double free) */
		if (d ? hm_fl_state_free(d, idx) :
		    (!next || hm_ptr_slab(next) == s) && hm_freelist_is_free(s, p)) {
			hm_report_double_free(c, s, p, ip);
			return;
		}
		if (d)
			hm_fl_state_set(d, idx, true);	/* ours: on the list below */
	}
	hm_obj_wipe(p, c->size);
	hm_debug_free_hook(cc, s, p, idx, ip, dbg);
	hm_freelist_push(cc, s, p, s->used - 1);
	if (unlikely(s->used == 0 || s->used == (u32)s->nblocks - 1))
		hm_slab_settle(cc, s);
}

/* ---- hybrid ---------------------------------------------------------- */

/*
 * The magazine is an array of pointers in the context (SLAB's array_cache,
 * jemalloc's cache_bin).  Built with -DHM_MAG_INTRUSIVE it is instead a
 * list threaded through the cached blocks, as in the freelist mode: a
 * research variant kept to measure the two against each other (see
 * Documentation/results.rst).  Slow paths see the array either way:
 * hm_mag_to_array() and hm_mag_from_array() convert around them.
 */
#ifdef HM_MAG_INTRUSIVE
static __always_inline void *hm_mag_pop(struct hm_cctx *cc, u32 n)
{
	void **p = cc->mag_head;

	(void)n;
	cc->mag_head = hm_plat_link_read(p);
	return p;
}

/* the top of a magazine of @n > 0 entries, left there */
static __always_inline void *hm_mag_peek(struct hm_cctx *cc, u32 n)
{
	(void)n;
	return cc->mag_head;
}

/* @p is still live: a plain store (hm_obj_freed() follows) */
static __always_inline void hm_mag_push(struct hm_cctx *cc, u32 n, void *p)
{
	(void)n;
	*(void **)p = cc->mag_head;
	cc->mag_head = p;
}
#else
static __always_inline void *hm_mag_pop(struct hm_cctx *cc, u32 n)
{
	return cc->mag[n];
}

static __always_inline void *hm_mag_peek(struct hm_cctx *cc, u32 n)
{
	return cc->mag[n - 1];
}

static __always_inline void hm_mag_push(struct hm_cctx *cc, u32 n, void *p)
{
	cc->mag[n] = p;
}
#endif
void hm_mag_to_array(struct hm_cctx *cc);
void hm_mag_from_array(struct hm_cctx *cc);

/* the hybrid slab's live bitmap: the first, at a fixed offset: no pointer to load */
static __always_inline unsigned long *hm_slab_live_bits(struct hm_slab *s)
{
	return s->bits + HM_SLAB_BITS_SKIP;
}

/* @p, block @idx of @s, was hm_mag_peek(@cc, @n): take it, mark it live */
static __always_inline void hm_hybrid_taken(struct hm_cctx *cc, u32 n, struct hm_slab *s,
					    void *p, unsigned long idx)
{
	unsigned long *lw = &hm_slab_live_bits(s)[idx / HM_BPL];

	hm_mag_pop(cc, --n);
	cc->mag_count = n;
	HM_WRITE_ONCE(*lw, *lw | (1UL << (idx % HM_BPL)));
	cc->st.allocs++;
	hm_plat_mark_alloc(p, cc->cache->size);
}

/*
 * Take the top of the magazine, which holds @n > 0 entries, and mark it
 * live; its slab and index go to *@sp and *@idxp (the debug route's hooks
 * use them: nothing computed twice).
 */
static __always_inline void *hm_hybrid_take(struct hm_cctx *cc, u32 n,
					    struct hm_slab **sp, unsigned long *idxp)
{
	void *p = hm_mag_peek(cc, n);
	struct hm_slab *s = hm_ptr_slab(p);
	unsigned long idx = hm_block_index_recip(cc->recip, s, p);

	hm_hybrid_taken(cc, n, s, p, idx);
	*sp = s;
	*idxp = idx;
	return p;
}

static __always_inline bool hm_hybrid_alloc_try(struct hm_cctx *cc, void **pp)
{
	u32 n = cc->mag_count;
	struct hm_slab *s;
	unsigned long idx;

	if (unlikely(!n))
		return false;
	*pp = hm_hybrid_take(cc, n, &s, &idx);
	return true;
}

static __always_inline void *hm_hybrid_alloc(struct hm_cctx *cc)
{
	void *p;

	return likely(hm_hybrid_alloc_try(cc, &p)) ? p : hm_hybrid_alloc_slow(cc);
}

/*
 * The try functions' poison check, fill and stamp, by @span (a constant,
 * HM_SPAN_*).  Inline (not HM_SPAN_CALLS), they call nothing, where the
 * check and fill are false for a size not hm_dbg_poison_inline() (which
 * the route keeps from them), so that the compiler sees no call either;
 * with HM_SPAN_CALLS, the hooks' own, with calls.
 */
static __always_inline bool hm_dbg_try_intact(struct hm_cctx *cc, void *p, unsigned int span)
{
	size_t n = cc->size - HM_MAG_LINK;

	if (span == HM_SPAN_CALLS)
		return hm_dbg_poison_intact(cc->cache, p);
	if (span != HM_SPAN_ANY)	/* no link then: hm_dbg_span_of() */
		return hm_plat_mem_is_span(p, HM_POISON_FREE, n, span);
	return hm_plat_mem_inline(n) && hm_plat_mem_is((char *)p + HM_MAG_LINK, HM_POISON_FREE, n);
}

static __always_inline bool hm_dbg_try_fill(struct hm_cctx *cc, void *p, unsigned int span)
{
	size_t n = cc->size;

	if (span == HM_SPAN_CALLS) {
		hm_dbg_poison_fill(cc->cache, p);
		return true;
	}
	hm_plat_mark_alloc(p, n);
	if (span != HM_SPAN_ANY) {
		hm_plat_mem_fill_span(p, HM_POISON_FREE, n, span);
		return true;
	}
	if (!hm_plat_mem_inline(n))
		return false;
	hm_plat_mem_fill(p, HM_POISON_FREE, n);
	return true;
}

static __always_inline u64 hm_dbg_try_stamp(unsigned int span)
{
	return span != HM_SPAN_CALLS ? hm_plat_stamp_raw() : hm_plat_stamp();
}

/*
 * The try functions' tracking: the records' bracket opened and *@tp the
 * records (NULL with tracking off, in @sw), for an allocation at @ip;
 * false, the bracket closed, when the try cannot write them (no records,
 * or a call site not the context's last: site_ip is set only with its
 * profile entry).  The records may be retired once tracking is off.
 */
static __always_inline bool hm_dbg_try_track_open(struct hm_cctx *cc, struct hm_slab_dbg *d,
						  unsigned int sw, unsigned long ip,
						  struct hm_track **tp)
{
	*tp = NULL;
	if (!(sw & HM_DBG_TRACK))
		return true;
	hm_plat_read_ctx_begin(&cc->read_seq);
	*tp = (struct hm_track *)hm_atomic_read(&d->track);
	if (unlikely(!*tp || cc->site_ip != ip)) {
		hm_plat_read_ctx_end(&cc->read_seq);
		return false;
	}
	return true;
}

/* ... block @idx's record written (@t from it, not NULL), the bracket closed */
static __always_inline void hm_dbg_try_track_alloc(struct hm_cctx *cc, struct hm_track *t,
						   unsigned long idx, unsigned long ip,
						   unsigned int span)
{
	hm_dbg_track_alloc(t + idx, ip, HM_READ_ONCE(cc->track_tag), hm_dbg_try_stamp(span));
	hm_plat_read_ctx_end(&cc->read_seq);
	hm_dbg_site_alloc(cc);
}

/*
 * The free of block @idx of the slab of @d at @ip, tracking on: its
 * record's free half, when it is a live record of this context in this
 * generation; anything else (another's free, to be counted; a block from
 * before tracking went on) is the slow path's: false.
 */
static __always_inline bool hm_dbg_try_track_free(struct hm_cctx *cc, struct hm_slab_dbg *d,
						  unsigned long idx, unsigned long ip,
						  unsigned int span)
{
	/* this context's id and tracking's generation, as a record has them */
	u64 tag = HM_READ_ONCE(cc->track_tag);
	struct hm_track *t;

	hm_plat_read_ctx_begin(&cc->read_seq);	/* see the allocation's */
	t = (struct hm_track *)hm_atomic_read(&d->track);
	if (unlikely(!t || t[idx].tag != tag || t[idx].free_site)) {
		hm_plat_read_ctx_end(&cc->read_seq);
		return false;
	}
	hm_dbg_track_free(t + idx, ip, hm_track_tag_owner(tag), hm_dbg_try_stamp(span));
	hm_plat_read_ctx_end(&cc->read_seq);
	return true;
}

/*
 * A free the try functions leave to the full path, which reports it: of
 * a quarantined block (a double free).  With tracking on, the record's
 * test does it already: a quarantined block's record is of its last
 * life, freed (the hit comes before the allocation's record), or of an
 * older generation.
 */
static __always_inline bool hm_dbg_try_quarantined(const struct hm_cctx *cc,
						   const struct hm_slab_dbg *d,
						   unsigned int sw, unsigned long idx)
{
	return !(sw & HM_DBG_TRACK) && hm_dbg_quarantined(cc->cache, d, idx);
}

/* A free in an older switch generation than @cc's, poisoning on: the slow path's. */
static __always_inline bool hm_dbg_try_gen_old(const struct hm_cctx *cc,
					       const struct hm_slab_dbg *d, unsigned int sw)
{
	return (sw & HM_DBG_POISON) &&
	       unlikely(HM_READ_ONCE(d->poison_gen) != HM_READ_ONCE(cc->poison_gen));
}

/*
 * The debug route's common allocation: the top of a hybrid magazine, from
 * the call site of the context's last allocation, its poison intact.
 * Intact, the block needs no look at its poisoned bits: poisoned or not,
 * nothing wrote it.  Nor does it clear its bit: while the block is live
 * the bit means nothing, and each way out of use sets it anew (the
 * owner's free, as it fills; a remote free's, when the owner collects it:
 * hm_dbg_collected()).  False, having changed nothing, for anything else:
 * the slow path sorts out a block never poisoned from one written after
 * its free.  @span (a constant, HM_SPAN_*): calling nothing, a leaf
 * without a frame (HM_ROUTE_DEBUG_HYBRID), or with the platform's calls
 * for the check and the stamp (HM_SPAN_CALLS: HM_ROUTE_DEBUG_CALLS, from
 * the slow path).
 */
static __always_inline bool hm_hybrid_alloc_debug_try(struct hm_cctx *cc, unsigned long ip,
						      void **pp, unsigned int span,
						      unsigned int swc)
{
	unsigned int sw = swc == HM_DBG_SW_CTX ? HM_READ_ONCE(cc->debug) : swc;
	u32 n = cc->mag_count;
	struct hm_slab_dbg *d;
	struct hm_track *t;
	struct hm_slab *s;
	unsigned long idx;
	void *p;

	if (unlikely(!n))
		return false;
	p = hm_mag_peek(cc, n);
	s = hm_ptr_slab(p);
	d = hm_dbg(s);
	if (unlikely(!d) || !hm_dbg_try_track_open(cc, d, sw, ip, &t))
		return false;
	if (sw & HM_DBG_POISON) {
		/* the sanitizers' view first: hm_hybrid_taken() would do it */
		hm_plat_mark_alloc(p, cc->size);
		if (unlikely(!hm_dbg_try_intact(cc, p, span))) {
			if (t)
				hm_plat_read_ctx_end(&cc->read_seq);
			return false;
		}
	}
	idx = hm_block_index_recip(cc->recip, s, p);
	hm_hybrid_taken(cc, n, s, p, idx);
	if (t)
		hm_dbg_try_track_alloc(cc, t, idx, ip, span);
	*pp = p;
	return true;
}

/*
 * Not live (free or cached), or freed by another context already: a
 * double free.  @bit is in word @i of the live bitmap word @w.
 */
static __always_inline bool hm_hybrid_not_live(struct hm_slab *s, unsigned long i,
					       unsigned long w, unsigned long bit)
{
	return !(w & bit) || (hm_atomic_read(&s->remote_bits[i]) & bit);
}

/* @p, freed and no longer live, on top of @cc's magazine of @n < cap entries */
static __always_inline void hm_hybrid_cache(struct hm_cctx *cc, u32 n, void *p)
{
	hm_mag_push(cc, n, p);
	hm_obj_freed(p, cc->cache->size);
	cc->mag_count = n + 1;
	cc->st.frees++;
}

/* As hm_bitmap_free_try(), and false when the magazine is full. */
static __always_inline bool hm_hybrid_free_try(struct hm_cctx *cc, struct hm_slab *s,
					       void *p)
{
	unsigned long idx = hm_block_start(cc->recip, s, p);
	unsigned long i = idx / HM_BPL, bit = 1UL << (idx % HM_BPL), w;
	unsigned long *lw = &hm_slab_live_bits(s)[i];
	u32 n = cc->mag_count;

	if (unlikely(idx >= s->nblocks || n == cc->mag_cap))
		return false;
	w = *lw;
	if (unlikely(hm_hybrid_not_live(s, i, w, bit)))
		return false;
	HM_WRITE_ONCE(*lw, w & ~bit);
	hm_hybrid_cache(cc, n, p);
	return true;
}

static __always_inline void hm_hybrid_free_local(struct hm_cctx *cc, struct hm_slab *s,
						 void *p, unsigned long ip,
						 bool dbg)
{
	struct hm_cache *c = cc->cache;
	unsigned long idx = hm_block_start(cc->recip, s, p);
	unsigned long i = idx / HM_BPL, bit = 1UL << (idx % HM_BPL), w;
	unsigned long *lw = &hm_slab_live_bits(s)[i];
	u32 n;

	if (unlikely(idx >= s->nblocks)) {
		hm_report_bad_block(c, s, p, ip);
		return;
	}
	w = *lw;
	if (unlikely(hm_hybrid_not_live(s, i, w, bit) || hm_slab_quarantined(s, idx))) {
		hm_report_double_free(c, s, p, ip);
		return;
	}
	hm_obj_wipe(p, c->size);
	hm_debug_free_hook(cc, s, p, idx, ip, dbg);
	HM_WRITE_ONCE(*lw, w & ~bit);
	n = cc->mag_count;
	if (unlikely(n == cc->mag_cap))
		n = hm_hybrid_flush(cc, cc->mag_cap / 2);
	hm_hybrid_cache(cc, n, p);
}

/*
 * As hm_hybrid_free_try() on the debug route: the owner's free of a block
 * it allocated, from the call site of its last allocation, in its slab's
 * switch generation.  False, having changed nothing, for anything else.
 * @span: as hm_hybrid_alloc_debug_try()'s.
 */
static __always_inline bool hm_hybrid_free_debug_try(struct hm_cctx *cc, struct hm_slab *s,
						     void *p, unsigned long ip, unsigned int span,
						     unsigned int swc)
{
	unsigned long idx = hm_block_start(cc->recip, s, p);
	unsigned int sw = swc == HM_DBG_SW_CTX ? HM_READ_ONCE(cc->debug) : swc;
	struct hm_slab_dbg *d = hm_dbg(s);

	/* init_on_free: the full path zeroes the block (hm_obj_wipe()) */
	if (unlikely(idx >= s->nblocks || cc->mag_count == cc->mag_cap || !d ||
		     hm_plat_init_on_free() || hm_dbg_try_quarantined(cc, d, sw, idx)))
		return false;
	if (unlikely(hm_hybrid_not_live(s, idx / HM_BPL, hm_slab_live_bits(s)[idx / HM_BPL],
					1UL << (idx % HM_BPL))))
		return false;
	if (hm_dbg_try_gen_old(cc, d, sw) ||
	    ((sw & HM_DBG_TRACK) && !hm_dbg_try_track_free(cc, d, idx, ip, span)))
		return false;
	/* poisoned only if filled (inline: hm_dbg_poison_inline() sizes) */
	if (sw & HM_DBG_POISON) {
		unsigned long *pw = &hm_dbg_poisoned(d)[idx / HM_BPL];

		if (likely(hm_dbg_try_fill(cc, p, span)))
			*pw |= 1UL << (idx % HM_BPL);
		else	/* the bit of the block's last life goes (alloc keeps it) */
			*pw &= ~(1UL << (idx % HM_BPL));
	}
	HM_WRITE_ONCE(hm_slab_live_bits(s)[idx / HM_BPL],
		      hm_slab_live_bits(s)[idx / HM_BPL] & ~(1UL << (idx % HM_BPL)));
	hm_hybrid_cache(cc, cc->mag_count, p);
	return true;
}

/*
 * The bitmap mode's common case on the debug route, as the hybrid's above
 * with calls (HM_SPAN_CALLS), in frames of their own before the full
 * hooks (hm_cctx_alloc_debug_bitmap(), hm_cctx_free_debug_bitmap()): the first free
 * block of the active slab's hint word, for the call site of the
 * context's last allocation, its poison intact (its poisoned bit left as
 * it is, as the hybrid's).  False, having changed nothing (but the
 * sanitizers' view of the block, given back), for anything else, which
 * the full path does: an empty hint word, a block written after free or
 * never poisoned, a new call site, records not there.  Only for the
 * default fit: a policy picks its own block (hm_fit_alloc_raw()).
 */
static __always_inline bool hm_bitmap_alloc_debug_try(struct hm_cctx *cc, unsigned long ip,
						      void **pp)
{
	unsigned int sw = HM_READ_ONCE(cc->debug);
	struct hm_slab *s = cc->active;
	struct hm_slab_dbg *d;
	unsigned long w, idx;
	struct hm_track *t;
	unsigned int i;
	void *p;

	if (unlikely(!s || !s->nfree))
		return false;
	d = hm_dbg(s);
	i = s->hint;
	w = s->free_bits[i];
	if (unlikely(!d || !w) || !hm_dbg_try_track_open(cc, d, sw, ip, &t))
		return false;
	idx = (unsigned long)i * HM_BPL + hm_ctz(w);
	p = s->blocks + idx * cc->size;
	/* the sanitizers' view first: the check reads the free block */
	hm_plat_mark_alloc(p, cc->cache->size);
	if ((sw & HM_DBG_POISON) && unlikely(!hm_dbg_try_intact(cc, p, HM_SPAN_CALLS))) {
		if (t)
			hm_plat_read_ctx_end(&cc->read_seq);
		hm_plat_mark_free(p, cc->cache->size);
		return false;
	}
	HM_WRITE_ONCE(s->free_bits[i], w & (w - 1));
	s->nfree--;
	cc->st.allocs++;
	if (t)
		hm_dbg_try_track_alloc(cc, t, idx, ip, HM_SPAN_CALLS);
	*pp = p;
	return true;
}

/*
 * ... and its free: the owner's free of a block it allocated, in its
 * slab's switch generation, that changes no list (as hm_bitmap_free_try());
 * the record's free half, the fill and the poisoned bit, as the hybrid's.
 * False, having changed nothing, for anything else.
 */
static __always_inline bool hm_bitmap_free_debug_try(struct hm_cctx *cc, struct hm_slab *s,
						     void *p, unsigned long ip)
{
	unsigned long idx = hm_block_start(cc->recip, s, p);
	unsigned long i = idx / HM_BPL, bit = 1UL << (idx % HM_BPL), w;
	unsigned int sw = HM_READ_ONCE(cc->debug);
	struct hm_slab_dbg *d = hm_dbg(s);

	/* init_on_free: the full path zeroes the block (hm_obj_wipe()) */
	if (unlikely(idx >= s->nblocks || !d || hm_plat_init_on_free() ||
		     hm_dbg_try_quarantined(cc, d, sw, idx)) ||
	    !hm_bitmap_free_stays(cc, s, i, bit, &w))
		return false;
	if (hm_dbg_try_gen_old(cc, d, sw) ||
	    ((sw & HM_DBG_TRACK) && !hm_dbg_try_track_free(cc, d, idx, ip, HM_SPAN_CALLS)))
		return false;
	if (sw & HM_DBG_POISON) {
		hm_dbg_try_fill(cc, p, HM_SPAN_CALLS);
		hm_dbg_poisoned(d)[i] |= bit;
	}
	hm_bitmap_freed(cc, s, p, i, bit, w);
	return true;
}

/*
 * The freelist mode's common case on the debug route, as the bitmap's
 * (calls, frames of their own: hm_cctx_alloc_debug_freelist(),
 * hm_cctx_free_debug_freelist()): the head of the active slab's list, for
 * the call site of the context's last allocation, in the slab's switch
 * generation; with poisoning on, a block the owner filled (its poisoned
 * bit, cleared here as the full path does) whose poison is intact around
 * the link; with checks on, taken as hm_freelist_pop_checked() takes it.
 * False, having changed nothing (but the sanitizers' view of the block,
 * given back), for anything else, which the full path does: a block never
 * poisoned or freed remotely, written after its free, a link that fails
 * its checks, a new call site, records not there.
 */
static __always_inline bool hm_freelist_alloc_debug_try(struct hm_cctx *cc, unsigned long ip,
							void **pp)
{
	unsigned int sw = HM_READ_ONCE(cc->debug);
	struct hm_slab *s = cc->active;
	unsigned long idx, bit, *pw;
	struct hm_slab_dbg *d;
	struct hm_track *t;
	void **b;

	if (unlikely(!s || !s->free))
		return false;
	b = s->free;
	d = hm_dbg(s);
	if (unlikely(!d) || hm_dbg_try_gen_old(cc, d, sw))
		return false;
	idx = hm_block_index_recip(cc->recip, s, b);
	pw = &hm_dbg_poisoned(d)[idx / HM_BPL];
	bit = 1UL << (idx % HM_BPL);
	if ((sw & HM_DBG_POISON) && !(*pw & bit))
		return false;
	if (!hm_dbg_try_track_open(cc, d, sw, ip, &t))
		return false;
	/* the sanitizers' view first: the check reads the free block */
	hm_plat_mark_alloc(b, cc->cache->size);
	if ((sw & HM_DBG_POISON) && unlikely(!hm_dbg_try_intact(cc, b, HM_SPAN_CALLS)))
		goto fail;
	if (!HM_READ_ONCE(cc->checks))
		hm_freelist_pop(cc, s, b, pp);
	else if (!hm_freelist_pop_checked(cc, s, b, pp))
		goto fail;
	if (sw & HM_DBG_POISON)
		*pw &= ~bit;
	if (t)
		hm_dbg_try_track_alloc(cc, t, idx, ip, HM_SPAN_CALLS);
	return true;
fail:
	if (t)
		hm_plat_read_ctx_end(&cc->read_seq);
	hm_plat_mark_free(b, cc->cache->size);
	return false;
}

/*
 * ... and its free: the owner's free (with tracking on, of a block it
 * allocated), in its slab's switch generation, that moves the slab
 * between no lists (as hm_freelist_free_try()); with checks on, the
 * slab's state exact and the block not free by it (else a double free,
 * which the full path reports); the record's free half, the fill and the
 * poisoned bit, as the hybrid's.  False, having changed nothing, for
 * anything else.
 */
static __always_inline bool hm_freelist_free_debug_try(struct hm_cctx *cc, struct hm_slab *s,
						       void *p, unsigned long ip)
{
	unsigned long idx = hm_block_start(cc->recip, s, p);
	unsigned int sw = HM_READ_ONCE(cc->debug);
	bool checks = HM_READ_ONCE(cc->checks);
	struct hm_slab_dbg *d = hm_dbg(s);
	u32 used = s->used - 1;

	/* init_on_free: the full path zeroes the block (hm_obj_wipe()) */
	if (unlikely(idx >= s->nblocks || !d || hm_plat_init_on_free() ||
		     hm_dbg_try_quarantined(cc, d, sw, idx) || hm_freelist_settles(cc, s, used)))
		return false;
	if (checks && (hm_fl_state(cc->cache, s) != d || hm_fl_state_free(d, idx)))
		return false;
	if (hm_dbg_try_gen_old(cc, d, sw) ||
	    ((sw & HM_DBG_TRACK) && !hm_dbg_try_track_free(cc, d, idx, ip, HM_SPAN_CALLS)))
		return false;
	if (checks)
		hm_fl_state_set(d, idx, true);	/* ours: on the list below */
	if (sw & HM_DBG_POISON) {
		hm_dbg_try_fill(cc, p, HM_SPAN_CALLS);
		hm_dbg_poisoned(d)[idx / HM_BPL] |= 1UL << (idx % HM_BPL);
	}
	hm_freelist_push(cc, s, p, used);
	return true;
}

#endif /* HM_MODE_H */
