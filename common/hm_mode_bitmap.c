// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_mode_bitmap.c - slow paths of the bitmap mode, and the remote-free
 * protocol that bitmap and hybrid slabs share.
 *
 * Another context frees into a slab by setting the block's bit in
 * remote_bits with one atomic OR (sbitmap's deferred clear, turned around:
 * here it is a deferred set).  The owner folds remote_bits into free_bits
 * word by word when it runs out of blocks, so a remote free never takes a
 * lock and never writes into the freed block.
 */
#include "hm_mode.h"

/**
 * hm_bitmap_refuse_late() - refuse remote frees found double when taken
 * @s: their slab
 * @i: their word of the remote bitmap, which no longer has them
 * @bad: their bits (each freed a block free already)
 * @report: report the first (once per slab is enough for a release)
 *
 * Their freers counted them as frees: they were not (late_refused).  The
 * fill they marked belongs to no free (hm_dbg_refused()).
 */
void hm_bitmap_refuse_late(struct hm_slab *s, unsigned int i, unsigned long bad, bool report)
{
	struct hm_cache *c = s->cache;

	if (report)
		hm_report_double_free(c, s, hm_block_addr(c, s, i * HM_BPL + hm_ctz(bad)), 0);
	hm_atomic_fetch_add(&c->late_refused, hm_popcount(bad));
	hm_dbg_refused(s, i, bad);
}

/**
 * hm_bitmap_collect() - fold remote frees into the owner's free bitmap
 * @s: a bitmap or hybrid slab, owned by the caller
 *
 * A bit that is set remotely while the owner also has the block free (or,
 * in hybrid mode, not live) is a double free that raced past the free-time
 * check: it is reported and dropped here.
 *
 * Return: blocks that became free.
 */
unsigned int hm_bitmap_collect(struct hm_slab *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nwords; i++) {
		unsigned long r, bad;

		if (!hm_atomic_read(&s->remote_bits[i]))
			continue;
		r = hm_atomic_xchg(&s->remote_bits[i], 0);
		bad = r & s->free_bits[i];
		if (s->live_bits)
			bad |= r & ~s->live_bits[i];
		if (unlikely(bad)) {
			hm_bitmap_refuse_late(s, i, bad, true);
			r &= ~bad;
		}
		if (!r)
			continue;
		hm_dbg_collected(s, i, r);
		if (s->live_bits)
			HM_WRITE_ONCE(s->live_bits[i], s->live_bits[i] & ~r);
		HM_WRITE_ONCE(s->free_bits[i], s->free_bits[i] | r);
		if (i < s->hint)
			s->hint = (u16)i;
		n += hm_popcount(r);
	}
	s->nfree += n;
	return n;
}

/*
 * The flight of a remote free of block @idx of @s, whose cache and index
 * are checked: publish it in the remote bitmap, or refuse a double free.
 * @dbg: the debug hook may run (a constant at each call site).
 */
static __always_inline void hm_bitmap_remote_land(struct hm_cctx *cc, struct hm_slab *s,
						  void *p, unsigned long idx,
						  unsigned long ip, bool dbg)
{
	struct hm_cache *c = s->cache;
	unsigned long i = idx / HM_BPL;
	unsigned long bit = 1UL << (idx % HM_BPL);
	unsigned long *live;
	bool free_already;

	/*
	 * From here on the header must stay mapped: once the free is
	 * published the owner may empty and release the slab, but not while
	 * a remote freer is in flight (hm_slab_to_pool()).
	 */
	hm_atomic_fetch_add(&s->inflight, 1);
	/*
	 * racy reads: a correct program's block is stably allocated here; the
	 * live bitmap itself may come or go (adaptive mode, hm_adapt.c)
	 */
	live = HM_READ_ONCE(s->live_bits);
	if (live)
		free_already = !(HM_READ_ONCE(live[i]) & bit);
	else
		free_already = HM_READ_ONCE(s->free_bits[i]) & bit;
	free_already |= !!(hm_atomic_read(&s->remote_bits[i]) & bit);
	if (unlikely(free_already)) {
		hm_slab_remote_refused(c, s, p, ip);
		return;
	}
	/*
	 * before the bit publishes the block: the owner may reuse it at once
	 * (init_on_free: only the slow path, @dbg, runs with it on)
	 */
	if (dbg) {
		hm_obj_wipe(p, c->size);
		hm_remote_debug_hook(cc, s, p, idx, ip);
	}
	hm_obj_freed(p, c->size);
	if (unlikely(hm_atomic_fetch_or(&s->remote_bits[i], bit) & bit)) {
		/* a racing double free: the block was free already */
		hm_slab_remote_refused(c, s, p, ip);
		return;
	}
	hm_slab_remote_freed(cc, s);	/* and the flight ends */
}

/* hm_bitmap_free_remote() with everything its common case leaves out */
static noinline void hm_bitmap_free_remote_slow(struct hm_cctx *cc, struct hm_slab *s,
						void *p, unsigned long ip)
{
	unsigned long idx;

	if (hm_remote_checks(cc, s, p, ip, &idx))
		hm_bitmap_remote_land(cc, s, p, idx, ip, true);
}

/**
 * hm_bitmap_free_remote() - free a block of a slab another context owns
 * @cc: the freeing context (for its counters), or NULL for a caller
 *      without one (hm_cache_free_nocctx())
 * @s: the block's slab
 * @p: the block
 * @ip: caller, for reports
 *
 * The common case (a context of the slab's cache, a block start, no debug
 * switch) calls nothing but, as tail calls, the end of the flight or a
 * refusal; every other case goes to hm_bitmap_free_remote_slow().
 */
void hm_bitmap_free_remote(struct hm_cctx *cc, struct hm_slab *s, void *p,
			   unsigned long ip)
{
	struct hm_cache *c = s->cache;
	unsigned long idx = hm_block_start(c->recip, s, p);

	if (unlikely(!hm_remote_plain(cc, c, s, idx))) {
		hm_bitmap_free_remote_slow(cc, s, p, ip);
		return;
	}
	hm_bitmap_remote_land(cc, s, p, idx, ip, false);
}

/* Search the active slab, then the next slab, for a free bit. */
void *hm_bitmap_alloc_slow(struct hm_cctx *cc)
{
	cc->st.alloc_slow++;
	for (;;) {
		struct hm_slab *s = cc->active;

		if (s && s->nfree)
			return hm_bitmap_alloc(cc);
		if (s) {
			hm_cctx_retire_active(cc);
			if (cc->active)
				continue;
		}
		if (!hm_cctx_take_slab(cc))
			return NULL;
	}
}
