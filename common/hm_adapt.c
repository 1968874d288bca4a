// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_adapt.c - the adaptive mode.  A hybrid cache created with
 * HM_CACHE_ADAPTIVE (or switched on before use) lets each context choose
 * its fast path by measured churn:
 *
 *   hybrid  the magazine, a LIFO stack of block pointers (the free-list
 *           style path): best while the working set swings less than the
 *           magazine holds (pairs, short bursts)
 *   bitmap  find-first-set in the slab: best when the magazine turns over
 *           (batches larger than it), where every block goes through a
 *           refill and a flush as well
 *
 * Churn is measured per window of HM_ADAPT_WINDOW allocations: the blocks
 * moved back to their slabs by magazine flushes per allocation (permille).
 * Refills alone are no sign (a producer whose blocks are freed remotely
 * refills and never flushes, and the magazine serves it well); a random
 * walk of the working set flushes rarely; a batch larger than half the
 * magazine flushes about every block it frees.  Over
 * HM_ADAPT_HIGH for HM_ADAPT_CONFIRM windows in a row: switch to bitmap.
 * The bitmap path cannot see magazine churn, so it goes back to hybrid to
 * measure again after a hold of windows that doubles with each return to
 * bitmap (from HM_ADAPT_HOLD_MIN up to HM_ADAPT_HOLD_MAX) and resets when
 * a probe finds the churn
 * low: hysteresis both ways.  What the bitmap path does see is how often
 * its active slab drains empty (hm_slab_settle() runs then): once per
 * HM_ADAPT_DRAIN allocations or more means a working set that keeps
 * draining, the magazine's case, and it probes at once.
 *
 * Where it runs: hm_adapt_tick() is called at the end of hm_slab_settle(),
 * which both paths reach periodically under churn (magazine flushes; slab
 * transitions).  It only decides: a switch is made at the start of the
 * context's next operation (cc->route = HM_ROUTE_ADAPT sends it out of
 * line), never inside a refill or a flush.
 *
 * A switch keeps every block's state exact.  To bitmap: the magazine is
 * flushed, and the context's slabs drop their live bitmap (live_bits =
 * NULL makes them plain bitmap slabs to every other path: remote frees,
 * collection, maps, validation).  To hybrid: each slab's live bits are
 * rebuilt as "not free" (blocks freed remotely and not yet collected stay
 * live until collected, as hm_bitmap_collect() expects), then published.
 * Slabs a context takes later (the pool, new chunks) are put in its
 * current shape by hm_adapt_own().  The slabs keep the hybrid layout
 * (three bitmaps) throughout.
 */
#include "hm_adapt.h"
#include "hm_stats.h"
#include "hm_fit.h"

/* The slab layout's live bitmap of @s (hybrid geometry: the first one). */
static unsigned long *hm_live_area(struct hm_slab *s)
{
	return hm_slab_live_bits(s);
}

/* @s, owned by @cc, in the shape of @mode; c->lock held or @s private */
static void hm_adapt_shape(struct hm_slab *s, unsigned int mode)
{
	unsigned long *live = hm_live_area(s);
	unsigned int i;

	if (mode == HM_MODE_BITMAP) {
		HM_WRITE_ONCE(s->live_bits, NULL);
		return;
	}
	if (s->live_bits)
		return;
	for (i = 0; i < s->nwords; i++)
		HM_WRITE_ONCE(live[i], ~s->free_bits[i]);
	if (s->nblocks % HM_BPL)
		live[s->nwords - 1] &= (1UL << (s->nblocks % HM_BPL)) - 1;
	/* the words before the pointer, for remote freers that read them */
	hm_atomic_fetch_add(&s->inflight, 0);
	HM_WRITE_ONCE(s->live_bits, live);
}

/**
 * hm_adapt_own() - a slab @cc just took: in the shape of its mode
 * @cc: the owner
 * @s: the slab (from the pool, the reserve, or a new chunk)
 */
void hm_adapt_own(struct hm_cctx *cc, struct hm_slab *s)
{
	hm_adapt_shape(s, cc->mode);
}

/* start a new window */
static void hm_adapt_window(struct hm_cctx *cc)
{
	cc->adapt.w_allocs = cc->st.allocs;
	cc->adapt.w_flushes = cc->st.flushes;
	cc->adapt.ticks = 0;
}

/**
 * hm_adapt_switch() - make the switch hm_adapt_tick() decided
 * @cc: the owner, at the start of an operation (route HM_ROUTE_ADAPT)
 */
void hm_adapt_switch(struct hm_cctx *cc)
{
	struct hm_cache *c = cc->cache;
	unsigned int mode = cc->adapt.pending ? cc->adapt.pending - 1U : cc->mode;
	unsigned long flags;
	struct hm_slab *s;
	bool switched = false;

	cc->adapt.pending = 0;
	/* switched off since the tick decided: no switch to bitmap */
	if (mode == HM_MODE_BITMAP && HM_READ_ONCE(cc->adapt.on) != 1)
		mode = cc->mode;
	if (mode != cc->mode && mode == HM_MODE_BITMAP && cc->mag_count)
		hm_hybrid_flush(cc, cc->mag_count);
	/*
	 * hm_cache_set_adaptive() writes adapt.on by the mode it reads under
	 * c->lock: decided under it too, a context never ends in bitmap mode
	 * with its ticks off (on 0), nor loses an "on" written meanwhile.
	 */
	hm_lock(&c->lock, flags);
	if (mode == HM_MODE_BITMAP && cc->adapt.on != 1)
		mode = cc->mode;
	if (mode == HM_MODE_HYBRID && cc->adapt.on == HM_ADAPT_OFF_PENDING)
		HM_WRITE_ONCE(cc->adapt.on, 0);	/* switched off, back in hybrid */
	if (mode != cc->mode) {
		for (s = c->all; s; s = s->all_next)
			if (HM_READ_ONCE(s->owner) == cc)
				hm_adapt_shape(s, mode);
		cc->mode = (u8)mode;
		switched = true;
	}
	/* the debug switches are read under the lock */
	HM_WRITE_ONCE(cc->route, hm_cctx_route(cc, c, c->debug));
	hm_unlock(&c->lock, flags);
	if (switched) {
		HM_WRITE_ONCE(cc->adapt.switches, cc->adapt.switches + 1);
		cc->adapt.fresh = 1;
		hm_adapt_window(cc);	/* a probe counts its flushes from here */
	}
}

/**
 * hm_adapt_tick() - measure, and decide whether to switch
 * @cc: an adaptive context, in any slow path (it only decides)
 */
void hm_adapt_tick(struct hm_cctx *cc)
{
	struct hm_adapt_state *a = &cc->adapt;
	unsigned long allocs = cc->st.allocs - a->w_allocs;
	unsigned int want = cc->mode;
	bool draining;

	if (a->pending) {
		/* the route was recomputed meanwhile (debug switches): cancelled */
		if (HM_READ_ONCE(cc->route) == HM_ROUTE_ADAPT)
			return;
		a->pending = 0;
	}
	/*
	 * A probe fails at its second flush: the magazine overflowed twice
	 * (pairs never flush); waiting for a whole window would cost more.
	 */
	if (a->probing && cc->mode == HM_MODE_HYBRID &&
	    cc->st.flushes - a->w_flushes >= 2 && a->fresh) {
		a->fresh = 0;
		a->probing = 0;
		hm_adapt_window(cc);
		want = HM_MODE_BITMAP;
		a->hold = a->backoff;
		a->backoff = HM_MIN(a->backoff * 2, (u32)HM_ADAPT_HOLD_MAX);
		goto decided;
	}
	/* the active slab just drained (bitmap: settle runs at nfree == nblocks) */
	if (cc->active && cc->active->nfree == cc->active->nblocks)
		a->ticks++;
	if (allocs < HM_ADAPT_WINDOW)
		return;
	a->churn = (cc->st.flushes - a->w_flushes) * (cc->cache->mag_cap / 2) * 1000 / allocs;
	draining = (unsigned long)a->ticks * HM_ADAPT_DRAIN >= allocs;
	hm_adapt_window(cc);
	if (a->fresh) {
		/* the first window after a switch only fills or empties the magazine */
		a->fresh = 0;
		return;
	}
	if (HM_READ_ONCE(a->on) != 1) {
		want = HM_MODE_HYBRID;	/* switched off: back to the cache's mode */
	} else if (cc->mode == HM_MODE_HYBRID) {
		if (a->churn <= HM_ADAPT_HIGH) {
			a->high = 0;
			if (a->probing)
				a->backoff = HM_ADAPT_HOLD_MIN;	/* the probe stays */
			a->probing = 0;
		} else if (++a->high >= (a->probing ? 1 : HM_ADAPT_CONFIRM)) {
			want = HM_MODE_BITMAP;
			a->high = 0;
			a->hold = a->backoff;
			a->backoff = HM_MIN(a->backoff * 2, (u32)HM_ADAPT_HOLD_MAX);
		}
	} else if (a->hold && !draining) {
		a->hold--;
	} else {
		want = HM_MODE_HYBRID;	/* a probe */
		a->probing = 1;
	}
decided:
	if (want != cc->mode) {
		a->pending = (u8)(want + 1);
		HM_WRITE_ONCE(cc->route, HM_ROUTE_ADAPT);
	}
}

/**
 * hm_cache_set_adaptive() - switch the adaptive mode of @c on or off
 * @c: a hybrid cache
 * @on: whether its contexts may switch to bitmap
 *
 * Off, a context in bitmap mode goes back to hybrid at its next window.
 *
 * Return: 0, or -1 for a cache in another mode.
 */
int hm_cache_set_adaptive(struct hm_cache *c, bool on)
{
	unsigned long flags;
	struct hm_cctx *cc;

	if (c->mode != HM_MODE_HYBRID)
		return -1;
	hm_lock(&c->lock, flags);
	HM_WRITE_ONCE(c->flags, on ? c->flags | HM_CACHE_ADAPTIVE :
		      c->flags & ~HM_CACHE_ADAPTIVE);
	/* a context off in bitmap mode keeps ticking until it is back */
	for (cc = c->cctxs; cc; cc = cc->next)
		HM_WRITE_ONCE(cc->adapt.on, on ? 1 : cc->mode == HM_MODE_BITMAP ?
			      HM_ADAPT_OFF_PENDING : 0);
	hm_unlock(&c->lock, flags);
	return 0;
}

/*
 * contexts, of them in hybrid and in bitmap mode now (a free-list cache's
 * are in neither), and switches, over all contexts
 */
void hm_adapt_sum(struct hm_cache *c, struct hm_adapt_sum *sum)
{
	unsigned long flags;
	struct hm_cctx *cc;

	hm_memset(sum, 0, sizeof(*sum));
	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next) {
		u8 mode = HM_READ_ONCE(cc->mode);

		sum->contexts++;
		sum->hybrid += mode == HM_MODE_HYBRID;
		sum->bitmap += mode == HM_MODE_BITMAP;
		sum->switches += HM_READ_ONCE(cc->adapt.switches);
	}
	hm_unlock(&c->lock, flags);
}

/**
 * hm_adapt_print() - one line: adaptive or not, contexts by mode, switches
 * @c: the cache
 * @pr: where to print
 * @width: the name column's: hm_stats_name_width() of the names of every
 *         line printed under one another (16 at least), or 0 for a line
 *         without others (16: userspace's dump)
 */
void hm_adapt_print(struct hm_cache *c, struct hm_printer *pr, unsigned int width)
{
	struct hm_adapt_sum sum;

	width = hm_stats_name_width(width, NULL);
	hm_adapt_sum(c, &sum);
	hm_print(pr, "%-*s %-8s adaptive=%u contexts %lu: hybrid %lu bitmap %lu, switches %lu\n",
		 (int)width, c->name, hm_mode_name(c->mode),
		 !!(HM_READ_ONCE(c->flags) & HM_CACHE_ADAPTIVE),
		 sum.contexts, sum.hybrid, sum.bitmap, sum.switches);
}
