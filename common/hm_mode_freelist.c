// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_mode_freelist.c - slow paths of the free-list mode (mimalloc's free
 * list sharding): building a slab's list, folding local and remote frees
 * back into the allocation list, and the remote push.
 */
#include "hm_mode.h"

/*
 * @s was just (re)built, every block free: its state bitmaps say so, in
 * the checks generation read before checks were seen on (a switch in
 * between leaves them stale: not used).
 */
static void hm_fl_state_build(struct hm_cache *c, struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);
	u32 gen = HM_READ_ONCE(c->checks_gen);
	unsigned int i;

	if (!d || !d->fl_free)
		return;
	HM_WRITE_ONCE(d->checks_gen, 0);
	if (!hm_cache_checks_on(c))
		return;
	for (i = 0; i < c->nwords; i++) {
		HM_WRITE_ONCE(d->fl_free[i], ~0UL);
		hm_atomic_set(&d->fl_remote[i], 0);
	}
	if (c->nblocks % HM_BPL)
		HM_WRITE_ONCE(d->fl_free[c->nwords - 1], (1UL << (c->nblocks % HM_BPL)) - 1);
	HM_WRITE_ONCE(d->checks_gen, gen);
}

/* Link every block of @s, lowest address first, onto s->free. */
void hm_freelist_build(struct hm_cache *c, struct hm_slab *s)
{
	unsigned int i;

	for (i = 0; i < c->nblocks; i++) {
		void **b = hm_block_addr(c, s, i);

		*b = i + 1 < c->nblocks ? hm_block_addr(c, s, i + 1) : NULL;
		hm_plat_mark_free(b, c->size);
	}
	s->free = s->blocks;
	s->local_free = NULL;
	s->used = 0;
	hm_fl_state_build(c, s);
}

/* An empty slab leaves its owner: rebuild one list in address order. */
void hm_freelist_reset(struct hm_cache *c, struct hm_slab *s)
{
	hm_plat_mark_alloc(s->blocks, (size_t)c->nblocks * c->size);
	hm_freelist_build(c, s);
}

/*
 * A remote free of block @p came home: on the owner's lists now.  The
 * free bit first, so that no other free finds neither bit set.  A block
 * a broken remote list's mend withheld while its free was in flight
 * (hm_fl_remote_mend()) is in use again: no mark.
 */
static void hm_fl_state_collected(struct hm_cache *c, struct hm_slab *s,
				  struct hm_slab_dbg *d, void *p)
{
	unsigned long idx = hm_block_index_recip(c->recip, s, p);

	hm_dbg_unquarantine(d, idx);
	hm_fl_state_set(d, idx, true);
	hm_atomic_fetch_and(&d->fl_remote[idx / HM_BPL], ~(1UL << (idx % HM_BPL)));
}

/*
 * @n blocks of @s leave use for good: quarantined, allocated as far as
 * the counters go (so that they agree with the slab), as a poison hit's.
 */
static void hm_fl_withhold(struct hm_cache *c, struct hm_slab *s, unsigned int n)
{
	struct hm_cctx *owner = HM_READ_ONCE(s->owner);

	hm_atomic_fetch_add(&c->quarantined, n);
	if (owner)
		owner->st.allocs += n;
}

/*
 * The owner's lists of @s broke (a link written after free): make them
 * good again.  With exact state @d, both become one list of the blocks
 * fl_free names, and nothing is lost.  Without it, nothing on them can be
 * trusted: their blocks are withheld (stay allocated, never handed out,
 * counted as quarantined).
 *
 * Return: the blocks withheld.
 */
static unsigned int hm_fl_lists_rebuild(struct hm_cache *c, struct hm_slab *s,
					struct hm_slab_dbg *d)
{
	unsigned int i = c->nblocks, n = 0, withheld = 0;

	s->free = NULL;
	s->local_free = NULL;
	while (d && i--) {
		void **b = hm_block_addr(c, s, i);

		if (!hm_fl_listed(d, i))
			continue;
		hm_plat_link_write(b, s->free);
		s->free = b;
		n++;
	}
	if (!d)
		withheld = c->nblocks - s->used;
	s->used = c->nblocks - n;
	hm_fl_withhold(c, s, withheld);
	return withheld;
}

/*
 * hm_freelist_alloc_try() with checks on.
 * @cc: the owner's context
 * @s: cc->active, with a free list
 * @pp: where the block goes
 *
 * Each block is checked before it is handed out, and its link before it
 * is followed.  A block the exact state does not call free (listed twice:
 * a link broke before) or a link to no free block of the slab is a write
 * after free: reported, the block written withheld (quarantined, as a
 * poison hit), and the lists rebuilt.
 *
 * Return: true with a block in *@pp; false when the lists are empty.
 */
static bool hm_freelist_alloc_checked(struct hm_cctx *cc, struct hm_slab *s, void **pp)
{
	struct hm_cache *c = cc->cache;
	struct hm_slab_dbg *d = hm_fl_state(c, s);
	void **b;

	while ((b = s->free)) {
		unsigned long idx = hm_block_index_recip(c->recip, s, b);
		void *next;

		next = hm_plat_link_read(b);
		/* @b came from a checked link: in the slab, a block start */
		if (unlikely(d && !hm_fl_listed(d, idx))) {
			hm_report_bad_link(c, s, b, b, HM_ERR_USE_AFTER_FREE,
					   hm_fl_lists_rebuild(c, s, d));
			continue;
		}
		/* a link written after free (hm_fl_next_ok()) */
		if (unlikely(!hm_fl_next_ok(c, s, d, b, next))) {
			if (d) {	/* off the lists, as the rebuild leaves it */
				hm_fl_state_set(d, idx, false);
				hm_dbg_quarantine(c, d, idx);
				hm_fl_withhold(c, s, 1);
			}
			hm_report_bad_link(c, s, b, next, HM_ERR_USE_AFTER_FREE,
					   hm_fl_lists_rebuild(c, s, d) + !!d);
			continue;
		}
		s->free = next;
		/* no link: the next free of this block must not take it for a listed one */
		hm_plat_link_write(b, HM_FREELIST_ALLOCATED);
		if (d)
			hm_fl_state_set(d, idx, false);
		s->used++;
		cc->st.allocs++;
		hm_plat_mark_alloc(b, c->size);
		*pp = b;
		return true;
	}
	return false;
}

/*
 * The remote list @b of @s, taken off the slab: move it onto s->free.
 * It holds at most s->used blocks: a longer walk is a cycle, which a
 * remote double free without checks makes.  With checks, each link is
 * checked before it is followed.  A bad link ends the walk.
 *
 * Return: blocks moved; *@bad the block with the bad link (else NULL).
 */
static unsigned int hm_fl_remote_walk(struct hm_cache *c, struct hm_slab *s,
				      struct hm_slab_dbg *d, void **b, void ***bad)
{
	bool checks = hm_cache_checks_on(c);
	unsigned int k = 0, max = s->used;
	void **tail, **last = NULL;

	*bad = NULL;
	for (tail = b; tail; tail = hm_plat_link_read(tail)) {
		if (unlikely(k == max ||
			     (checks && !hm_fl_link_ok(c, s, d, hm_plat_link_read(tail), true)))) {
			if (k == max)
				hm_report_bad_link(c, s, tail, NULL, HM_ERR_CORRUPT, 0);
			else
				hm_report_bad_link(c, s, tail, hm_plat_link_read(tail),
						   HM_ERR_USE_AFTER_FREE, 1);
			*bad = tail;
			/* without exact state the blocks walked may repeat: none is taken */
			if (!d)
				return 0;
			break;
		}
		if (d)
			hm_fl_state_collected(c, s, d, tail);
		last = tail;
		k++;
	}
	if (!last)
		return 0;
	hm_plat_link_write(last, s->free);
	s->free = b;
	s->used -= k;
	return k;
}

/*
 * A bad link at @bad broke the remote list of @s, which has exact state
 * @d: the blocks behind it are claimed in fl_remote but on no list.  The
 * list pushed since is collected first; every claim left is then such a
 * block (or, rarely, a remote free still in flight: miscounted), and
 * leaves use with @bad.
 *
 * Return: blocks collected.
 */
static unsigned int hm_fl_remote_mend(struct hm_cache *c, struct hm_slab *s,
				      struct hm_slab_dbg *d, void **bad)
{
	unsigned long idx = hm_block_index_recip(c->recip, s, bad);
	unsigned int n = 0, lost = 0, i;
	void **again;

	hm_atomic_fetch_and(&d->fl_remote[idx / HM_BPL], ~(1UL << (idx % HM_BPL)));
	if (hm_atomic_read(&s->xthread_free))
		n = hm_fl_remote_walk(c, s, d, (void **)hm_atomic_xchg(&s->xthread_free, 0),
				      &again);
	hm_dbg_quarantine(c, d, idx);
	for (i = 0; i < c->nwords; i++) {
		unsigned long w = hm_atomic_fetch_and(&d->fl_remote[i], 0);

		hm_dbg_quarantine_word(c, d, i, w);
		lost += hm_popcount(w);
	}
	hm_fl_withhold(c, s, lost + 1);
	return n;
}

/**
 * hm_freelist_collect() - make local and remote frees allocatable
 * @s: a free-list slab owned by the caller
 *
 * Return: blocks moved onto s->free.
 */
unsigned int hm_freelist_collect(struct hm_slab *s)
{
	struct hm_cache *c = s->cache;
	unsigned int n = 0;

	if (!s->free && s->local_free) {
		/* the owner's blocks, all on local_free: no walk to count them */
		n = s->nblocks - s->used;
		s->free = s->local_free;
		s->local_free = NULL;
	}
	if (hm_atomic_read(&s->xthread_free)) {
		struct hm_slab_dbg *d = hm_fl_state(c, s);
		void **bad;

		n += hm_fl_remote_walk(c, s, d, (void **)hm_atomic_xchg(&s->xthread_free, 0),
				       &bad);
		if (unlikely(bad && d))
			n += hm_fl_remote_mend(c, s, d, bad);
	}
	return n;
}

/*
 * With checks on, is this remote free of block @idx a double free?  The
 * block is on the owner's lists, or another remote free claimed it (the
 * claim, a bit in fl_remote, is this free's otherwise).  Without exact
 * state (see hm_fl_state()), or when checks were switched meanwhile,
 * nothing is known: no.
 */
static bool hm_fl_remote_double(struct hm_cache *c, struct hm_slab *s, unsigned long idx)
{
	struct hm_slab_dbg *d = hm_fl_state(c, s);
	unsigned long bit = 1UL << (idx % HM_BPL);
	u32 gen;

	/* exact state means checks on: every switch of them changes the generation */
	if (!d)
		return false;
	gen = HM_READ_ONCE(d->checks_gen);
	/* listed: fl_remote stays as it is (the owner clears only what it collects) */
	if (!hm_fl_listed(d, idx) &&
	    !(hm_atomic_fetch_or(&d->fl_remote[idx / HM_BPL], bit) & bit))
		return false;
	return HM_READ_ONCE(c->checks_gen) == gen;
}

/*
 * Is @p on the list @head of @s?  A list holds at most nblocks blocks: a
 * longer walk went round a cycle, which a double free made while checks
 * were off (p -> p on local_free, as in mimalloc).
 *
 * Return: 1 found, 0 not, -1 a cycle (*@at: a block on it).
 */
static int hm_list_has(const struct hm_slab *s, void *head, const void *p, void ***at)
{
	unsigned int k = 0;
	void **b;

	for (b = head; b; b = hm_plat_link_read(b)) {
		if (b == p)
			return 1;
		if (unlikely(++k > s->nblocks)) {
			*at = b;
			return -1;
		}
	}
	return 0;
}

/**
 * hm_freelist_is_free() - is @p on one of the lists of @s?
 * @s: a free-list slab, owned by the caller
 * @p: block of @s
 *
 * O(n); only called, checks on, on a slab without exact state, when the
 * block's first word looks like a link.  A cycle on the owner's lists
 * (a double free made while checks were off) ends the walk: reported, and
 * the lists withheld whole, as a bad link found without exact state is
 * (nothing tells which of their blocks are free); @p is then on none.
 *
 * Return: true when @p is on one, or freed remotely and not collected.
 */
bool hm_freelist_is_free(struct hm_slab *s, const void *p)
{
	struct hm_cache *c = s->cache;
	void **at = NULL;
	int r;

	r = hm_list_has(s, s->free, p, &at);
	if (!r)
		r = hm_list_has(s, s->local_free, p, &at);
	if (unlikely(r < 0)) {
		hm_report_bad_link(c, s, at, hm_plat_link_read(at), HM_ERR_CORRUPT,
				   hm_fl_lists_rebuild(c, s, NULL));
		return false;
	}
	/*
	 * Remote pushes only add at the head: the walk sees a list, which a
	 * remote double free may have made a cycle: the owner's collect
	 * reports that one (hm_fl_remote_walk()); here it is just not found.
	 */
	return r || hm_list_has(s, (void *)hm_atomic_read(&s->xthread_free), p, &at) > 0;
}

/*
 * The flight of a remote free of block @idx of @s, whose cache and index
 * are checked: push it on the slab's xthread_free list, or refuse a free
 * into an unowned (pooled, all free) slab.  @dbg: the slow path's, where
 * the checks of the state bitmaps and the debug hook may run.
 */
static __always_inline void hm_freelist_remote_land(struct hm_cctx *cc, struct hm_slab *s,
						    void *p, unsigned long idx,
						    unsigned long ip, bool dbg)
{
	struct hm_cache *c = s->cache;
	unsigned long head;

	hm_atomic_fetch_add(&s->inflight, 1);	/* see hm_bitmap_remote_land() */
	/* a slab without owner is empty, in the pool: every block is free */
	if (unlikely(!HM_READ_ONCE(s->owner)) ||
	    (dbg && unlikely(hm_fl_remote_double(c, s, idx)))) {
		hm_slab_remote_refused(c, s, p, ip);
		return;
	}
	/* init_on_free: only the slow path, @dbg, runs with it on */
	if (dbg) {
		hm_obj_wipe(p, c->size);
		hm_remote_debug_hook(cc, s, p, idx, ip);
	}
	/* before the push publishes the block: the owner may reuse it at once */
	hm_obj_freed(p, c->size);
	head = hm_atomic_read(&s->xthread_free);
	do {
		hm_plat_link_write(p, (void *)head);
	} while (!hm_atomic_try_cmpxchg(&s->xthread_free, &head, (unsigned long)p));
	hm_slab_remote_freed(cc, s);	/* and the flight ends */
}

/* hm_freelist_free_remote() with everything its common case leaves out */
static noinline void hm_freelist_free_remote_slow(struct hm_cctx *cc, struct hm_slab *s,
						  void *p, unsigned long ip)
{
	unsigned long idx;

	if (hm_remote_checks(cc, s, p, ip, &idx))
		hm_freelist_remote_land(cc, s, p, idx, ip, true);
}

/**
 * hm_freelist_free_remote() - push a block onto its slab's remote list
 * @cc: the freeing context, or NULL for a caller without one
 * @s: the block's slab, owned by another context
 * @p: the block
 * @ip: caller, for reports
 *
 * As hm_bitmap_free_remote(): the common case calls nothing but the end
 * of the flight or a refusal; the rest is hm_freelist_free_remote_slow().
 */
void hm_freelist_free_remote(struct hm_cctx *cc, struct hm_slab *s, void *p,
			     unsigned long ip)
{
	struct hm_cache *c = s->cache;
	unsigned long idx = hm_block_start(c->recip, s, p);

	/* checks on: the slow path, which looks at the state bitmaps */
	if (unlikely(!hm_remote_plain(cc, c, s, idx) || HM_READ_ONCE(cc->checks))) {
		hm_freelist_free_remote_slow(cc, s, p, ip);
		return;
	}
	hm_freelist_remote_land(cc, s, p, idx, ip, false);
}

void *hm_freelist_alloc_slow(struct hm_cctx *cc)
{
	void *p;

	/* checks on: the common case first, in this frame */
	if (HM_READ_ONCE(cc->checks) && cc->active && cc->active->free &&
	    (hm_freelist_pop_checked(cc, cc->active, cc->active->free, &p) ||
	     hm_freelist_alloc_checked(cc, cc->active, &p)))
		return p;
	cc->st.alloc_slow++;
	for (;;) {
		struct hm_slab *s = cc->active;

		if (s && (s->free || hm_freelist_collect(s))) {
			if (!HM_READ_ONCE(cc->checks))
				return hm_freelist_alloc(cc);
			if (hm_freelist_alloc_checked(cc, s, &p))
				return p;
			continue;	/* lists rebuilt empty: collect or retire */
		}
		if (s) {
			hm_cctx_retire_active(cc);
			if (cc->active)
				continue;
		}
		if (!hm_cctx_take_slab(cc))
			return NULL;
	}
}
