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
		hm_plat_mark_free((char *)b + sizeof(void *), c->size - sizeof(void *));
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
 * free bit first, so that no other free finds neither bit set.
 */
static void hm_fl_state_collected(struct hm_cache *c, struct hm_slab *s,
				  struct hm_slab_dbg *d, void *p)
{
	unsigned long idx = hm_block_index_recip(c->recip, s, p);

	hm_fl_state_set(d, idx, true);
	hm_atomic_fetch_and(&d->fl_remote[idx / HM_BPL], ~(1UL << (idx % HM_BPL)));
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
	void **b, **tail = NULL;

	if (!s->free && s->local_free) {
		for (b = s->local_free; b; b = *b)
			n++;
		s->free = s->local_free;
		s->local_free = NULL;
	}
	if (hm_atomic_read(&s->xthread_free)) {
		struct hm_slab_dbg *d = hm_fl_state(c, s);
		unsigned int k = 0;

		b = (void **)hm_atomic_xchg(&s->xthread_free, 0);
		for (tail = b; ; tail = *tail) {
			if (d)
				hm_fl_state_collected(c, s, d, tail);
			if (!*tail)
				break;
			k++;
		}
		*tail = s->free;
		s->free = b;
		s->used -= k + 1;
		n += k + 1;
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
	if (!(HM_READ_ONCE(d->fl_free[idx / HM_BPL]) & bit) &&
	    !(hm_atomic_fetch_or(&d->fl_remote[idx / HM_BPL], bit) & bit))
		return false;
	return HM_READ_ONCE(c->checks_gen) == gen;
}

static bool hm_list_has(void *head, const void *p)
{
	void **b;

	for (b = head; b; b = *b)
		if (b == p)
			return true;
	return false;
}

/**
 * hm_freelist_is_free() - is @p on one of the lists of @s?
 * @s: a free-list slab
 * @p: block of @s
 *
 * O(n); only called when the block's first word looks like a link, or,
 * for the remote list, is that of a link (freed remotely, not collected).
 */
bool hm_freelist_is_free(const struct hm_slab *s, const void *p)
{
	/* remote pushes only add at the head: the walk sees a valid list */
	return hm_list_has(s->free, p) || hm_list_has(s->local_free, p) ||
	       hm_list_has((void *)hm_atomic_read(&s->xthread_free), p);
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
	if (dbg)
		hm_remote_debug_hook(cc, s, p, idx, ip);
	/* before the push publishes the block: the owner may reuse it at once */
	hm_obj_freed(p, c->size, sizeof(void *));
	head = hm_atomic_read(&s->xthread_free);
	do {
		*(void **)p = (void *)head;
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
	cc->st.alloc_slow++;
	for (;;) {
		struct hm_slab *s = cc->active;

		if (s && (s->free || hm_freelist_collect(s)))
			return hm_freelist_alloc(cc);
		if (s) {
			hm_cctx_retire_active(cc);
			if (cc->active)
				continue;
		}
		if (!hm_cctx_take_slab(cc))
			return NULL;
	}
}
