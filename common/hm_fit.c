// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_fit.c - fit policies, per cache: which free block a bitmap slab hands
 * out, and which partial slab of its owner a context allocates from next.
 *
 *   default  the inline fast path: within a slab the lowest free word at
 *            or above a hint that frees lower (so first-fit inside the
 *            active slab), across slabs the partial list LIFO
 *   first    the lowest free address of the context's slabs
 *   next     next-fit (sbitmap's per-CPU hint): a per-context cursor
 *            where the last search ended, wrapping at the slab's end; a
 *            spent slab hands over to the next partial slab by address
 *   near     the free block nearest to the context's last allocation or
 *            free (locality), the lower one on a tie
 *   best     a block of the smallest free run: long runs stay whole for
 *            hm_cctx_alloc_contig()
 *
 * "The context's slabs" are its active slab and its partial slabs: the
 * blocks it may hand out without taking a slab from elsewhere.  A policy
 * other than default sends bitmap-mode contexts off the inline fast path
 * (cc->route = HM_ROUTE_FIT) into hm_fit_alloc(): every choice is exact,
 * and costs a walk of the context's slabs.  Hybrid and free-list contexts
 * keep their fast paths (the magazine or the list decides the block); the
 * policy picks only the partial slab that refills them (hm_fit_partial()).
 *
 * Every choice only clears free bits and moves slabs through the owner's
 * lists with hm_slab.c's helpers, so the default path's invariants (words
 * below the hint are zero) hold whenever the policy changes.
 */
#include "hm_fit.h"
#include "hm_learn.h"
#include "hm_debug_hooks.h"

static const char *const hm_fit_names[HM_FIT_NR] = {
	[HM_FIT_DEFAULT]	= "default",
	[HM_FIT_FIRST]		= "first",
	[HM_FIT_NEXT]		= "next",
	[HM_FIT_NEAR]		= "near",
	[HM_FIT_BEST]		= "best",
};

const char *hm_fit_name(unsigned int fit)
{
	return fit < HM_FIT_NR ? hm_fit_names[fit] : "?";
}

/**
 * hm_fit_parse() - policy from its name
 * @str: "default", "first", "next", "near" or "best", optionally followed
 *	by a newline
 * @fit: result
 *
 * Return: true when @str names a policy.
 */
bool hm_fit_parse(const char *str, enum hm_fit *fit)
{
	int f = hm_name_lookup(str, hm_fit_names, HM_FIT_NR);

	if (f < 0)
		return false;
	*fit = (enum hm_fit)f;
	return true;
}

/**
 * hm_cache_set_fit() - change the policy of @c
 * @c: the cache
 * @fit: enum hm_fit
 *
 * Safe while other contexts allocate: each sees its new route at its next
 * operation, and both routes keep the same slab invariants.
 *
 * Return: 0, or -1 for an unknown policy (nothing changes).
 */
int hm_cache_set_fit(struct hm_cache *c, unsigned int fit)
{
	unsigned long flags;

	if (fit >= HM_FIT_NR)
		return -1;
	hm_lock(&c->lock, flags);
	/* a policy set by hand ends learning (its ratings stay to be read) */
	if (c->learn && c->learn->state == HM_LEARN_ON)
		c->learn->state = HM_LEARN_OFF;
	HM_WRITE_ONCE(c->learning, 0);
	hm_cache_fit_locked(c, fit);
	hm_unlock(&c->lock, flags);
	return 0;
}

/* Publish @fit and every context's route; c->lock held. */
void hm_cache_fit_locked(struct hm_cache *c, unsigned int fit)
{
	struct hm_cctx *cc;

	HM_WRITE_ONCE(c->fit, (u8)fit);
	for (cc = c->cctxs; cc; cc = cc->next)
		HM_WRITE_ONCE(cc->route, hm_cctx_route(cc, c, c->debug));
}

/* ---- bitmap searches (owner-private words: plain reads) --------------- */

/* lowest bit >= @from that is set (@set) or clear in @b; @n when none */
static unsigned int hm_find(const unsigned long *b, unsigned int n,
			    unsigned int from, bool set)
{
	unsigned int i = from / HM_BPL, nw = HM_BITS_TO_LONGS(n);
	unsigned long w;

	if (from >= n)
		return n;
	w = (set ? b[i] : ~b[i]) & (~0UL << (from % HM_BPL));
	while (!w) {
		if (++i >= nw)
			return n;
		w = set ? b[i] : ~b[i];
	}
	return HM_MIN(i * HM_BPL + hm_ctz(w), n);
}

/* index of the highest set bit of @w (w != 0), without a clz builtin */
static unsigned int hm_fls(unsigned long w)
{
	unsigned int r = 0, k;

	for (k = HM_BPL / 2; k; k /= 2) {
		if (w >> k) {
			w >>= k;
			r += k;
		}
	}
	return r;
}

/* highest set bit <= @from in @b, or -1 */
static int hm_find_prev(const unsigned long *b, unsigned int from)
{
	unsigned int i = from / HM_BPL;
	/* 2UL << 63 wraps to 0, and 0 - 1 is the full mask */
	unsigned long w = b[i] & ((2UL << (from % HM_BPL)) - 1);

	while (!w) {
		if (!i--)
			return -1;
		w = b[i];
	}
	return (int)(i * HM_BPL + hm_fls(w));
}

/*
 * The smallest run of at least @n free blocks in @s, the lowest on a tie.
 * Return: its first block, or s->nblocks; its length in *@len.
 */
static unsigned int hm_best_run(const struct hm_slab *s, unsigned int n,
				unsigned int *len)
{
	unsigned int nb = s->nblocks, i = 0, best = nb, blen = ~0U;

	while ((i = hm_find(s->free_bits, nb, i, true)) < nb) {
		unsigned int e = hm_find(s->free_bits, nb, i, false);

		if (e - i >= n && e - i < blen) {
			best = i;
			blen = e - i;
			if (blen == n)		/* nothing fits tighter */
				break;
		}
		i = e;
	}
	*len = blen;
	return best;
}

static unsigned long hm_dist(unsigned long a, unsigned long b)
{
	return a > b ? a - b : b - a;
}

/* distance from address @a to the blocks of @s: a bound for any of them */
static unsigned long hm_range_dist(const struct hm_cache *c,
				   const struct hm_slab *s, unsigned long a)
{
	unsigned long lo = (unsigned long)s->blocks;
	unsigned long hi = lo + (unsigned long)(s->nblocks - 1) * c->size;

	return a < lo ? lo - a : a > hi ? a - hi : 0;
}

/* the free block of @s nearest to address @a, the lower on a tie */
static int hm_nearest(const struct hm_cache *c, const struct hm_slab *s,
		      unsigned long a)
{
	unsigned long lo = (unsigned long)s->blocks;
	unsigned int t, up;
	int down;

	if (a <= lo)
		t = 0;
	else if (a >= lo + (unsigned long)s->nblocks * c->size)
		t = s->nblocks - 1;
	else
		t = hm_block_index(c, s, (void *)a);
	up = hm_find(s->free_bits, s->nblocks, t, true);
	down = hm_find_prev(s->free_bits, t);
	if (up >= s->nblocks)
		return down;
	if (down < 0)
		return (int)up;
	return hm_dist((unsigned long)hm_block_addr(c, s, down), a) <=
	       hm_dist((unsigned long)hm_block_addr(c, s, up), a) ? down : (int)up;
}

/* ---- choosing --------------------------------------------------------- */

/*
 * near, the common case: the last block is in the active slab and a free
 * block there is nearer than the slab's edges, beyond which every other
 * slab's blocks lie.  Then no walk of the other slabs is needed.
 */
static bool hm_near_active(struct hm_cctx *cc, unsigned int *idx)
{
	struct hm_slab *s = cc->active;
	unsigned long a = cc->fit.last, base = (unsigned long)s, edge, d;
	int near;

	if (!s || !s->nfree || hm_ptr_slab((void *)a) != s)
		return false;
	near = hm_nearest(cc->cache, s, a);
	if (near < 0)
		return false;
	d = hm_dist((unsigned long)hm_block_addr(cc->cache, s, near), a);
	edge = HM_MIN(a - base, base + HM_SLAB_SIZE - a);
	if (d >= edge)
		return false;
	*idx = (unsigned int)near;
	return true;
}

/* the context's slabs it can allocate from at once: active, then partial */
static struct hm_slab *hm_own_first(struct hm_cctx *cc)
{
	return cc->active ? cc->active : cc->partial;
}

static struct hm_slab *hm_own_next(struct hm_cctx *cc, struct hm_slab *s)
{
	return s == cc->active ? cc->partial : s->next;
}

/*
 * Hand out @n blocks from @idx on in @s, owned and chosen by the caller:
 * clear their free bits (hybrid: set their live bits).  Clearing bits
 * keeps every other path's hint valid.
 */
static void *hm_fit_take(struct hm_cctx *cc, struct hm_slab *s,
			 unsigned int idx, unsigned int n)
{
	struct hm_cache *c = cc->cache;
	unsigned int k;
	void *p = hm_block_addr(c, s, idx);

	for (k = idx; k < idx + n; k++) {
		unsigned long bit = 1UL << (k % HM_BPL);
		unsigned int w = k / HM_BPL;

		HM_WRITE_ONCE(s->free_bits[w], s->free_bits[w] & ~bit);
		if (s->live_bits)
			HM_WRITE_ONCE(s->live_bits[w], s->live_bits[w] | bit);
	}
	s->nfree -= n;
	cc->st.allocs += n;
	cc->fit.last = (unsigned long)hm_block_addr(c, s, idx + n - 1);
	hm_plat_mark_alloc(p, (size_t)n * c->size);
	return p;
}

/* next-fit: the cursor in the active slab, else the next slab by address */
static struct hm_slab *hm_pick_next(struct hm_cctx *cc, unsigned int *idx)
{
	struct hm_slab *s = cc->active, *it, *up = NULL, *low = NULL;

	if (s && s->nfree) {
		if ((unsigned long)s != cc->fit.cur) {
			cc->fit.cur = (unsigned long)s;
			cc->fit.cursor = 0;
		}
		*idx = hm_find(s->free_bits, s->nblocks, cc->fit.cursor, true);
		if (*idx >= s->nblocks)		/* wrap */
			*idx = hm_find(s->free_bits, s->nblocks, 0, true);
		return s;
	}
	for (it = cc->partial; it; it = it->next) {
		if ((unsigned long)it > cc->fit.cur && (!up || it < up))
			up = it;
		if (!low || it < low)
			low = it;
	}
	s = up ? up : low;
	if (s) {
		cc->fit.cur = (unsigned long)s;
		*idx = hm_find(s->free_bits, s->nblocks, 0, true);
	}
	return s;
}

/*
 * The slab and block the policy hands out next, among the context's slabs
 * with a free block.  Return: the slab, or NULL when they have none.
 */
static struct hm_slab *hm_fit_pick(struct hm_cctx *cc, unsigned int fit,
				   unsigned int *idx, unsigned int *work)
{
	struct hm_cache *c = cc->cache;
	struct hm_slab *s, *best = NULL;
	unsigned long bdist = ~0UL;
	unsigned int blen = ~0U;

	if (fit == HM_FIT_NEXT)
		return hm_pick_next(cc, idx);
	if (fit == HM_FIT_NEAR && hm_near_active(cc, idx))
		return cc->active;
	for (s = hm_own_first(cc); s; s = hm_own_next(cc, s)) {
		unsigned int i, len;
		unsigned long d;
		int near;

		*work += HM_FIT_WORK_SLAB;
		if (!s->nfree)
			continue;
		switch (fit) {
		case HM_FIT_NEAR:
			/* no block of @s can be nearer than its range */
			d = hm_range_dist(c, s, cc->fit.last);
			if (best && (d > bdist || (d == bdist && s > best)))
				break;
			near = hm_nearest(c, s, cc->fit.last);
			if (near < 0)
				break;
			d = hm_dist((unsigned long)hm_block_addr(c, s, near), cc->fit.last);
			if (d < bdist || (d == bdist && s < best)) {
				best = s;
				bdist = d;
				*idx = (unsigned int)near;
			}
			break;
		case HM_FIT_BEST:
			if (best && blen == 1 && s > best)	/* cannot win */
				break;
			i = hm_best_run(s, 1, &len);
			*work += HM_FIT_WORK_WORD * s->nwords;
			if (i < s->nblocks && (len < blen || (len == blen && s < best))) {
				best = s;
				blen = len;
				*idx = i;
			}
			break;
		default:	/* first */
			if (!best || s < best) {
				best = s;
				*idx = hm_find(s->free_bits, s->nblocks, s->hint * HM_BPL, true);
			}
		}
	}
	return best;
}

static void *hm_fit_alloc_policy(struct hm_cctx *cc, unsigned int fit,
				 unsigned int *work)
{
	for (;;) {
		unsigned int idx = 0;
		struct hm_slab *s = hm_fit_pick(cc, fit, &idx, work);

		if (s) {
			if (s != cc->active)
				*work += HM_FIT_WORK_SWITCH;
			hm_cctx_set_active(cc, s);
			if (fit == HM_FIT_NEXT)
				cc->fit.cursor = idx + 1;
			return hm_fit_take(cc, s, idx, 1);
		}
		/* the slab lists: collect remote frees, take another slab */
		cc->st.alloc_slow++;
		if (cc->active) {
			hm_cctx_retire_active(cc);
			if (cc->active)
				continue;
		}
		if (!hm_cctx_take_slab(cc))
			return NULL;
	}
}

/**
 * hm_fit_alloc() - allocate one block by the cache's policy (bitmap mode)
 * @cc: the caller's context, route HM_ROUTE_FIT or debugging
 *
 * While the learner runs, default is one of the policies taking turns: it
 * is the inline path, called from here; and the work is reported.
 *
 * Return: the block, or NULL when the context needs a new chunk.
 */
void *hm_fit_alloc(struct hm_cctx *cc)
{
	unsigned int fit = HM_READ_ONCE(cc->cache->fit);
	unsigned int work = HM_FIT_WORK_OP;
	void *p;

	if (fit == HM_FIT_DEFAULT) {
		p = hm_bitmap_alloc(cc);
	} else {
		work += HM_FIT_WORK_ROUTE;
		p = hm_fit_alloc_policy(cc, fit, &work);
	}
	if (unlikely(HM_READ_ONCE(cc->cache->learning)) && p)
		hm_learn_tick(cc, work);
	return p;
}

/**
 * hm_fit_partial() - the partial slab a context refills from next
 * @cc: the owner, whose active slab was retired; cc->partial is not empty
 *
 * first: the lowest address; next: the next address above the last one
 * chosen, wrapping; near: the nearest to the context's last block (or
 * last slab); best: the fullest (fewest free blocks), so the others may
 * drain and go back.
 *
 * Return: a slab on cc->partial.
 */
struct hm_slab *hm_fit_partial(struct hm_cctx *cc)
{
	unsigned int fit = HM_READ_ONCE(cc->cache->fit);
	unsigned long ref = cc->fit.last ? cc->fit.last : cc->fit.cur;
	struct hm_slab *s, *pick = NULL, *low = NULL;
	unsigned long bd = ~0UL;
	unsigned int free = ~0U;

	for (s = cc->partial; s; s = s->next) {
		unsigned long a = (unsigned long)s;
		unsigned long d = ref < a ? a - ref :
				  ref < a + HM_SLAB_SIZE ? 0 : ref - a - HM_SLAB_SIZE + 1;

		if (!low || s < low)
			low = s;
		switch (fit) {
		case HM_FIT_NEXT:
			if (a > cc->fit.cur && (!pick || s < pick))
				pick = s;
			break;
		case HM_FIT_NEAR:
			if (d < bd || (d == bd && s < pick)) {
				bd = d;
				pick = s;
			}
			break;
		case HM_FIT_BEST:
			if (hm_slab_free_count(s) < free ||
			    (hm_slab_free_count(s) == free && s < pick)) {
				free = hm_slab_free_count(s);
				pick = s;
			}
			break;
		default:
			break;
		}
	}
	if (!pick)	/* first, or next wrapping around */
		pick = low;
	cc->fit.cur = (unsigned long)pick;
	return pick;
}

/* ---- contiguous runs -------------------------------------------------- */

/* Each block of a run is an object to the sanitizers: freed one by one. */
static void *hm_contig_objects(struct hm_cctx *cc, void *p, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		hm_plat_obj_alloc((char *)p + (size_t)k * cc->cache->size,
				  cc->cache->obj_size);
	return p;
}

/* A block of a broken run goes back as its caller would free it. */
static void hm_contig_give_back(struct hm_cctx *cc, struct hm_slab *s, void *p,
				unsigned long ip)
{
	hm_plat_obj_alloc(p, cc->cache->obj_size);
	hm_cctx_free(cc, s, p, ip);
}

/*
 * The run of @n blocks from @idx in @s, just taken: each block's poison
 * checked and its allocation recorded while a switch is on, as a single
 * allocation's (hm_debug_on_alloc()).  A block written after its free is
 * reported and quarantined (stays allocated, never handed out); the run
 * is broken then: its other blocks go back, and false asks for another.
 * They were never handed out: the records and the site's count are the
 * run's only once every block of it is checked.
 */
static bool hm_contig_debug(struct hm_cctx *cc, struct hm_slab *s, unsigned int idx,
			    unsigned int n, unsigned long ip)
{
	unsigned int sw = HM_READ_ONCE(cc->debug);
	struct hm_slab_dbg *d = hm_dbg(s);
	struct hm_cache *c = cc->cache;
	bool broken = false;
	unsigned int k, j;

	if (!sw || !d)
		return true;
	for (k = idx; k < idx + n; k++) {
		void *p = hm_block_addr(c, s, k);

		if (hm_debug_alloc_poison(cc, s, d, sw, p, k, ip)) {
			if (broken)
				hm_contig_give_back(cc, s, p, ip);
			continue;
		}
		for (j = idx; !broken && j < k; j++)
			hm_contig_give_back(cc, s, hm_block_addr(c, s, j), ip);
		broken = true;
	}
	if (broken)
		return false;
	for (k = idx; k < idx + n; k++)
		hm_debug_alloc_track(cc, d, sw, k, ip);
	return true;
}

/* best fit over the context's slabs and its empty reserve */
static struct hm_slab *hm_contig_pick(struct hm_cctx *cc, unsigned int n,
				      unsigned int *idx)
{
	struct hm_slab *s, *best = NULL;
	unsigned int blen = ~0U, i, len;

	for (s = hm_own_first(cc); s; s = hm_own_next(cc, s)) {
		if (s->nfree < n)
			continue;
		i = hm_best_run(s, n, &len);
		if (i < s->nblocks && (len < blen || (len == blen && s < best))) {
			best = s;
			blen = len;
			*idx = i;
		}
	}
	/* an empty slab is one run of all its blocks: the last resort */
	if (!best) {
		best = hm_cctx_reserve_take(cc);
		*idx = 0;
	}
	return best;
}

/*
 * No run fits: take back what the context's slabs have out, before the
 * pool or a new chunk.  Cached blocks (hybrid) go back to their slabs;
 * the remote frees of the active and partial slabs are collected (a slab
 * emptied so goes to the reserve or the pool), and the full slabs remote
 * frees woke up come back to the lists.  A single allocation collects a
 * slab when it is exhausted; a run skips a slab with too few free blocks,
 * so without this a context that allocates runs others free never got
 * its slabs back and took a new chunk each time.
 * Return: whether anything came back.
 */
static bool hm_contig_reclaim(struct hm_cctx *cc)
{
	struct hm_slab *s, *next;
	bool more = false;

	if (cc->mode == HM_MODE_HYBRID && cc->mag_count) {
		hm_hybrid_flush(cc, cc->mag_count);
		more = true;
	}
	if (hm_atomic_read(&cc->notify)) {
		hm_cctx_drain_notify(cc);
		more = true;
	}
	if (cc->active && hm_slab_collect(cc->active))
		more = true;
	for (s = cc->partial; s; s = next) {
		next = s->next;		/* settling may unlist @s */
		if (hm_slab_remote_pending(s) && hm_slab_collect(s)) {
			hm_slab_settle(cc, s);
			more = true;
		}
	}
	return more;
}

/**
 * hm_contig_free_check() - may the run of @n blocks at @first be freed?
 * @c: the cache the run came from (hm_cctx_alloc_contig())
 * @s: hm_ptr_to_slab(@first), in the platform's read bracket
 * @first: the run's first block
 * @n: how many blocks
 * @ip: the caller, for the report
 *
 * The whole run is checked before any of it is freed, so that a run that
 * reaches past what was allocated frees nothing, not another object: the
 * slab is @c's, @first starts a block, the @n blocks end inside the slab
 * and every one is live.  The first fault is reported, once: a wrong
 * cache, an interior pointer, HM_ERR_BAD_SIZE for @n of 0 or past the
 * slab's end or a free-list slab (which has no runs), a double free for a
 * block not live.
 *
 * Return: true when the caller may free the @n blocks.
 */
bool hm_contig_free_check(struct hm_cache *c, struct hm_slab *s, const void *first,
			  size_t n, unsigned long ip)
{
	unsigned int idx = hm_block_index(c, s, first);
	size_t i;

	if (s->cache != c) {
		hm_report_block(c, HM_ERR_WRONG_CACHE, s, first, ip);
		return false;
	}
	if (!hm_block_valid(c, s, first, idx)) {	/* as a free reports it */
		hm_report_bad_block(c, s, first, ip);
		return false;
	}
	/*
	 * free-list mode makes no runs (hm_cctx_alloc_contig()), and without
	 * checks it cannot tell a free block from a live one: the blocks
	 * after @first were freed whatever they were, a listed one twice
	 */
	if (!n || n > s->nblocks - idx || s->mode == HM_MODE_FREELIST) {
		hm_report(c, HM_ERR_BAD_SIZE, (void *)n, ip);
		return false;
	}
	for (i = 0; i < n; i++) {
		const char *p = (const char *)first + i * c->size;

		if (!hm_block_live(c, s, p)) {
			hm_report_block(c, HM_ERR_DOUBLE_FREE, s, p, ip);
			return false;
		}
	}
	return true;
}

/**
 * hm_cctx_alloc_contig() - @n adjacent blocks of one slab
 * @cc: the caller's context (bitmap or hybrid mode)
 * @n: how many, 1..blocks per slab
 * @need_chunk: set when only a new chunk can serve (then call
 *	hm_cctx_add_chunk_contig()), cleared otherwise
 * @ip: the caller, for the reports and the tracking records
 *
 * Best fit: the smallest free run of at least @n blocks among the
 * context's slabs (active, partial, then its empty reserve), the lowest
 * address on a tie; else an empty slab of the cache's pool.  The blocks
 * are @n ordinary objects, each freed on its own (or all at once after
 * hm_contig_free_check()); together they are @n times the block stride.
 * That slab becomes the active one.  @n of 0 or above a slab's blocks,
 * and free-list mode (no bitmap to search), are refused as
 * HM_ERR_BAD_SIZE.
 *
 * Return: the first block, or NULL.
 */
void *hm_cctx_alloc_contig(struct hm_cctx *cc, unsigned int n, bool *need_chunk,
			   unsigned long ip)
{
	struct hm_cache *c = cc->cache;
	unsigned int idx = 0;
	struct hm_slab *s;
	void *p;

	*need_chunk = false;
	if (unlikely(!n || n > c->nblocks || cc->mode == HM_MODE_FREELIST)) {
		hm_report(c, HM_ERR_BAD_SIZE, (void *)(unsigned long)n, ip);
		return NULL;
	}
	do {	/* a quarantined block breaks its run: each retry has one less */
		s = hm_contig_pick(cc, n, &idx);
		if (!s && hm_contig_reclaim(cc))
			s = hm_contig_pick(cc, n, &idx);
		if (!s) {	/* an empty slab of the pool before a new chunk */
			s = hm_cctx_pool_slab(cc);
			idx = 0;
		}
		if (!s) {
			*need_chunk = true;
			return NULL;
		}
		hm_cctx_set_active(cc, s);
		p = hm_fit_take(cc, s, idx, n);
	} while (unlikely(!hm_contig_debug(cc, s, idx, n, ip)));
	return hm_contig_objects(cc, p, n);
}

/**
 * hm_cctx_add_chunk_contig() - a new slab for hm_cctx_alloc_contig()
 * @cc: the caller's context
 * @chunk: from hm_cache_chunk_get()
 * @n: as accepted by hm_cctx_alloc_contig()
 * @ip: the caller, as for hm_cctx_alloc_contig()
 *
 * Return: the first of @n blocks at the start of the new slab.
 */
void *hm_cctx_add_chunk_contig(struct hm_cctx *cc, void *chunk, unsigned int n,
			       unsigned long ip)
{
	struct hm_slab *s = hm_cctx_link_chunk(cc, chunk);
	void *p;

	s->list = HM_LIST_NONE;
	hm_cctx_set_active(cc, s);
	p = hm_fit_take(cc, s, 0, n);
	if (unlikely(!hm_contig_debug(cc, s, 0, n, ip))) {
		bool need;

		/* a chunk kept with its marks: the rest of the slab is free again */
		return hm_cctx_alloc_contig(cc, n, &need, ip);
	}
	return hm_contig_objects(cc, p, n);
}
