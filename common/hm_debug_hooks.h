/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_debug_hooks.h - the common case of the debug hooks, inlined into the
 * copies of the mode paths that run while a switch is on (hm_debug.c):
 * check and clear the poison of a block handed out, fill it when freed,
 * write the block's tracking record, count its call site.  The count of
 * a context's current site stays in the context (cc->site_allocs) until it
 * moves to another site: hm_sites_top() adds it, and counts live objects
 * from the records.
 *
 * Nothing here allocates, locks or loops over a slab: a poison hit, a new
 * switch generation, a call site not yet seen and a cross-owner report are
 * out of line in hm_debug.c.
 */
#ifndef HM_DEBUG_HOOKS_H
#define HM_DEBUG_HOOKS_H

#include "hm_slab.h"
#include "hm_debug.h"

void hm_debug_new_gen(struct hm_cache *c, struct hm_slab_dbg *d, u32 gen);
struct hm_site *hm_debug_site(struct hm_cctx *cc, unsigned long ip);
void hm_debug_poison_hit(struct hm_cctx *cc, struct hm_slab *s, void *p, unsigned long ip);
void hm_debug_xowner(struct hm_cache *c, unsigned int sw, const struct hm_slab *s,
		     void *p, unsigned long ip, const struct hm_track *t);

static __always_inline struct hm_slab_dbg *hm_dbg(const struct hm_slab *s)
{
	return (struct hm_slab_dbg *)hm_atomic_read(&s->dbg);
}

/*
 * Are @d's quarantine marks true now: of the generations @c is in, with
 * the switch that made them still on (poisoning; or the freelist checks,
 * whose broken links withhold blocks too)?  Once it went off, the plain
 * route may take a marked block back unseen, and a mark would refuse the
 * free of its next holder: the marks go with it, for good.
 */
static inline bool hm_dbg_quarantine_current(const struct hm_cache *c,
					     const struct hm_slab_dbg *d)
{
	return HM_READ_ONCE(d->q_poison_gen) == HM_READ_ONCE(c->poison_gen) &&
	       HM_READ_ONCE(d->q_checks_gen) == HM_READ_ONCE(c->checks_gen) &&
	       ((HM_READ_ONCE(c->debug) & HM_DBG_POISON) ||
		(c->mode == HM_MODE_FREELIST && hm_cache_checks_on(c)));
}

/* Is block @idx of the slab of @d, of cache @c, withheld for good (d->quarantine)? */
static __always_inline bool hm_dbg_quarantined(const struct hm_cache *c,
					       const struct hm_slab_dbg *d, unsigned long idx)
{
	const unsigned long *q = HM_READ_ONCE(d->quarantine);

	return unlikely(q) && ((HM_READ_ONCE(q[idx / HM_BPL]) >> (idx % HM_BPL)) & 1) &&
	       hm_dbg_quarantine_current(c, d);
}

/* ... of @s, which may have no debug memory: then it is not */
static __always_inline bool hm_slab_quarantined(const struct hm_slab *s, unsigned long idx)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	return d && hm_dbg_quarantined(s->cache, d, idx);
}

/*
 * The owner withholds blocks @mask of word @i of the slab of @d, of cache
 * @c, for good; marks of earlier generations go first.  A free racing it
 * (a double free racing the allocation that found the write) may miss
 * the mark: it is a free of a block the mode still calls allocated, as
 * it was before.
 */
static inline void hm_dbg_quarantine_word(struct hm_cache *c, struct hm_slab_dbg *d,
					  unsigned int i, unsigned long mask)
{
	unsigned long *q = hm_dbg_quarantine_bits(d, c->nwords);

	if (!hm_dbg_quarantine_current(c, d)) {
		hm_memset(q, 0, c->nwords * sizeof(*q));
		HM_WRITE_ONCE(d->q_poison_gen, HM_READ_ONCE(c->poison_gen));
		HM_WRITE_ONCE(d->q_checks_gen, HM_READ_ONCE(c->checks_gen));
	}
	HM_WRITE_ONCE(q[i], q[i] | mask);
	HM_WRITE_ONCE(d->quarantine, q);
}

/* ... block @idx */
static inline void hm_dbg_quarantine(struct hm_cache *c, struct hm_slab_dbg *d,
				     unsigned long idx)
{
	hm_dbg_quarantine_word(c, d, idx / HM_BPL, 1UL << (idx % HM_BPL));
}

/* The owner takes block @idx of the slab of @d back into use: no mark. */
static inline void hm_dbg_unquarantine(struct hm_slab_dbg *d, unsigned long idx)
{
	unsigned long *q = d->quarantine;

	if (q && (q[idx / HM_BPL] & 1UL << (idx % HM_BPL)))
		HM_WRITE_ONCE(q[idx / HM_BPL], q[idx / HM_BPL] & ~(1UL << (idx % HM_BPL)));
}

/*
 * poisoned[] bits of another switch generation than its owner @cc's
 * (cc->poison_gen, read after the switch that sent @cc here) mean nothing
 */
static __always_inline void hm_dbg_sync_gen(struct hm_cctx *cc, struct hm_slab_dbg *d)
{
	u32 gen;

	hm_smp_rmb();	/* the generation of that switch: hm_cctx_switches() */
	gen = HM_READ_ONCE(cc->poison_gen);
	if (unlikely(HM_READ_ONCE(d->poison_gen) != gen))
		hm_debug_new_gen(cc->cache, d, gen);
}

/*
 * May @cc, the owner of the slab of @d, mark blocks poisoned in @d now?
 * Only while its own switches, not just the cache's, have poisoning on, in
 * the generation of @d: then all it does later takes the debug route
 * (hm_cctx_switches()), which keeps the marks true.  The plain route keeps
 * them as they are: a block marked, handed out and freed by it would be
 * called written after its free (hm_debug_on_alloc()), its new contents
 * not the poison.  Slabs of other contexts are handed over the same way
 * (hm_slab_debug_adopt()).
 */
static inline bool hm_dbg_view_poisons(const struct hm_cctx *cc, const struct hm_slab_dbg *d)
{
	bool on = HM_READ_ONCE(cc->debug) & HM_DBG_POISON;

	hm_smp_rmb();	/* the generation of that switch, and its route after */
	return on && HM_READ_ONCE(d->poison_gen) == HM_READ_ONCE(cc->poison_gen);
}

/*
 * The remote frees @r of word @i of @s, collected by its owner: their
 * poisoned bits become the owner's, which the hybrid debug route does not
 * clear when it hands a block out.  So the bit of a block's earlier life
 * goes here, set again only when its remote free filled it (rpoisoned)
 * and the owner may keep the mark (hm_dbg_view_poisons()).  An unowned
 * slab (collected under the cache lock) keeps none.
 */
static inline void hm_dbg_collected(struct hm_slab *s, unsigned int i, unsigned long r)
{
	struct hm_slab_dbg *d = hm_dbg(s);
	struct hm_cctx *owner = HM_READ_ONCE(s->owner);
	unsigned long filled = 0;

	if (!d)
		return;
	if (hm_atomic_read(&d->rpoisoned[i]) & r)
		filled = hm_atomic_fetch_and(&d->rpoisoned[i], ~r) & r;
	if (!owner || !hm_dbg_view_poisons(owner, d))
		filled = 0;
	hm_dbg_poisoned(d)[i] = (hm_dbg_poisoned(d)[i] & ~r) | filled;
}

/*
 * The remote frees @bad of word @i of @s, refused when collected (double
 * frees): the fill they marked belongs to no free, and must not outlive
 * it into the block's next life.
 */
static inline void hm_dbg_refused(struct hm_slab *s, unsigned int i, unsigned long bad)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	if (d && (hm_atomic_read(&d->rpoisoned[i]) & bad))
		hm_atomic_fetch_and(&d->rpoisoned[i], ~bad);
}

/* Is the poison of block @p of @c intact (its link bytes aside)? */
static __always_inline bool hm_dbg_poison_intact(const struct hm_cache *c, void *p)
{
	unsigned int link = c->link_bytes;

	return hm_plat_mem_is((char *)p + link, HM_POISON_FREE, c->size - link);
}

/* Poison block @p of @c, freed; the caller sets its poisoned bit. */
static __always_inline void hm_dbg_poison_fill(const struct hm_cache *c, void *p)
{
	hm_plat_mark_alloc(p, c->size);
	hm_plat_mem_fill(p, HM_POISON_FREE, c->size);
}

/*
 * Record @t of a block handed out to call site @ip at @when by the
 * context and in the generation of @tag (hm_track_tag()); the caller
 * counts it at the site's profile entry when there is one.  The walk that
 * counts live objects per site finds the entry from @ip (hm_site_find()).
 */
static __always_inline void hm_dbg_track_alloc(struct hm_track *t, unsigned long ip,
					       u64 tag, u64 when)
{
	/* read meanwhile by walks and reports (hm_track_snapshot()) */
	HM_WRITE_ONCE(t->site, ip);
	HM_WRITE_ONCE(t->when, when);
	HM_WRITE_ONCE(t->tag, tag);
	HM_WRITE_ONCE(t->free_site, 0);
}

/*
 * ... the context's own count of its current site, no locked operation;
 * live objects are counted from the records when asked (hm_sites_top())
 */
static __always_inline void hm_dbg_site_alloc(struct hm_cctx *cc)
{
	hm_plat_own_inc(&cc->site_allocs);	/* hm_sites_top() reads it */
}

/*
 * Does @t record the life of a live block, written in generation @gen?
 * Records are written while tracking is on, after a switch went on: @gen
 * is never 0 then, so a record never written (zeroed) does not match.
 */
static __always_inline bool hm_dbg_track_live(const struct hm_track *t, u32 gen)
{
	return t->gen == gen && !t->free_site;
}

/* Record @t's block freed at @ip by context @me at @when: kept for reports. */
static __always_inline void hm_dbg_track_free(struct hm_track *t, unsigned long ip, u32 me,
					      u64 when)
{
	HM_WRITE_ONCE(t->free_site, ip);
	HM_WRITE_ONCE(t->free_when, when);
	HM_WRITE_ONCE(t->free_owner, me);
}

/*
 * hm_debug_on_alloc()'s poison half, with @cc's switches @sw and @s's
 * debug memory @d (not NULL): false when @p was written after its free,
 * reported and counted quarantined.
 */
static __always_inline bool hm_debug_alloc_poison(struct hm_cctx *cc, struct hm_slab *s,
						  struct hm_slab_dbg *d, unsigned int sw,
						  void *p, unsigned long idx, unsigned long ip)
{
	if (sw & HM_DBG_POISON) {
		unsigned long *pw = &hm_dbg_poisoned(d)[idx / HM_BPL];
		hm_atomic_t *rw = &d->rpoisoned[idx / HM_BPL];
		unsigned long bit = 1UL << (idx % HM_BPL);
		bool poisoned = true;

		hm_dbg_sync_gen(cc, d);
		/*
		 * The owner's bit is its own; a remote free's is cleared
		 * atomically, only when set (a free sets it, and @p is not
		 * free: a plain read decides).
		 */
		if (*pw & bit)
			*pw &= ~bit;
		else if (unlikely(hm_atomic_read(rw) & bit))
			hm_atomic_fetch_and(rw, ~bit);
		else
			poisoned = false;
		if (poisoned && unlikely(!hm_dbg_poison_intact(cc->cache, p))) {
			hm_debug_poison_hit(cc, s, p, ip);
			return false;
		}
	}
	return true;
}

/*
 * hm_debug_on_alloc()'s tracking half, as hm_debug_alloc_poison()'s
 * arguments: the record of block @idx, handed out to @ip, and its count.
 */
static __always_inline void hm_debug_alloc_track(struct hm_cctx *cc, struct hm_slab_dbg *d,
						 unsigned int sw, unsigned long idx,
						 unsigned long ip)
{
	struct hm_cache *c = cc->cache;
	struct hm_track *t;

	if (!(sw & HM_DBG_TRACK))
		return;
	/* records are retired when tracking goes off: the owner's bracket */
	hm_plat_read_ctx_begin(&cc->read_seq);
	t = (struct hm_track *)hm_atomic_read(&d->track);
	if (t) {
		/* loops allocate from one site: no hash lookup then */
		struct hm_site *site = likely(cc->site_ip == ip && cc->site) ?
				       cc->site : hm_debug_site(cc, ip);
		u64 tag = hm_track_tag(HM_READ_ONCE(cc->ctx_id), HM_READ_ONCE(c->track_gen));

		hm_dbg_track_alloc(t + idx, ip, tag, hm_plat_stamp());
		if (likely(site))
			hm_dbg_site_alloc(cc);
	}
	hm_plat_read_ctx_end(&cc->read_seq);
}

/**
 * hm_debug_on_alloc() - checks and records of block @p being handed out
 * @cc: the allocating context
 * @s: hm_ptr_slab(@p)
 * @p: the block the mode just took
 * @idx: its index in @s
 * @ip: the caller
 *
 * Return: false when the poison of @p was overwritten: it is reported and
 * quarantined (stays allocated, never handed out), and the caller takes
 * another block.
 */
static __always_inline bool hm_debug_on_alloc(struct hm_cctx *cc, struct hm_slab *s,
					      void *p, unsigned long idx,
					      unsigned long ip)
{
	struct hm_slab_dbg *d = hm_dbg(s);
	unsigned int sw = HM_READ_ONCE(cc->debug);

	if (unlikely(!d))
		return true;
	if (!hm_debug_alloc_poison(cc, s, d, sw, p, idx, ip))
		return false;
	hm_debug_alloc_track(cc, d, sw, idx, ip);
	return true;
}

/**
 * hm_debug_on_free() - records and poisoning of a free, switches on
 * @cc: the freeing context, or NULL for a caller without one (then the
 *      cache's switches and the caller's hm_plat_ctx_id() are used)
 * @s: the block's slab
 * @p: the block, already checked to be a live block of @s
 * @idx: its index in @s
 * @ip: the caller
 * @remote: @cc is not the owner of @s (a constant at each call site)
 *
 * Runs before the block is published as free: its next owner may take it
 * at once.
 */
static __always_inline void hm_debug_on_free(struct hm_cctx *cc, struct hm_slab *s,
					     void *p, unsigned int idx, unsigned long ip,
					     bool remote)
{
	struct hm_cache *c = s->cache;
	struct hm_slab_dbg *d = hm_dbg(s);
	unsigned int sw;
	struct hm_track *t;

	if (unlikely(!d))
		return;
	sw = cc ? HM_READ_ONCE(cc->debug) : HM_READ_ONCE(c->debug);
	if (sw & HM_DBG_TRACK) {
		/* a context of the cache: the bracket the retiring waits on */
		bool mine = cc && cc->cache == c, begun = true;
		struct hm_track was;
		bool xowner = false;

		/* records are retired when tracking goes off: read in a bracket */
		if (mine)
			hm_plat_read_ctx_begin(&cc->read_seq);
		else
			begun = hm_plat_read_begin();	/* false: no memory */
		t = begun ? (struct hm_track *)hm_atomic_read(&d->track) : NULL;
		/* a record of this life: written since the switch last went on */
		if (t && hm_dbg_track_live(&t[idx], HM_READ_ONCE(c->track_gen))) {
			u32 me = cc ? HM_READ_ONCE(cc->ctx_id) : hm_plat_ctx_id();

			t += idx;
			if (unlikely(t->owner != me)) {
				hm_track_snapshot(&was, t);	/* reported outside the bracket */
				xowner = true;
			}
			hm_dbg_track_free(t, ip, me, hm_plat_stamp());	/* not counted any more */
		}
		if (mine)
			hm_plat_read_ctx_end(&cc->read_seq);
		else if (begun)
			hm_plat_read_end();
		/* an error handler may allocate: no bracket is open around it */
		if (unlikely(xowner))
			hm_debug_xowner(c, sw, s, p, ip, &was);
	}
	if (!(sw & HM_DBG_POISON))
		return;
	/*
	 * only the owner starts a generation, its own (hm_dbg_view_poisons());
	 * a remote free's block goes unchecked meanwhile
	 */
	if (!remote)
		hm_dbg_sync_gen(cc, d);
	else if (HM_READ_ONCE(d->poison_gen) != HM_READ_ONCE(c->poison_gen))
		return;
	hm_dbg_poison_fill(c, p);
	if (remote)
		hm_atomic_fetch_or(&d->rpoisoned[idx / HM_BPL], 1UL << (idx % HM_BPL));
	else
		hm_dbg_poisoned(d)[idx / HM_BPL] |= 1UL << (idx % HM_BPL);
}

/* hm_debug_on_free() of a remote free, out of line: the remote paths stay small */
void hm_debug_on_free_remote(struct hm_cctx *cc, struct hm_slab *s, void *p,
			     unsigned int idx, unsigned long ip);

#endif /* HM_DEBUG_HOOKS_H */
