// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_slab.c - slab geometry, initialisation, and moving slabs between an
 * owner's lists: active, partial, full (watched for remote frees), parked
 * (watched too, of a context nobody uses), empty reserve, and the
 * cache-wide pool of empty slabs.
 *
 * Remote frees and full slabs (the only cross-context protocol):
 * a context retiring its active slab as full sets slab->notify to WATCH
 * (a full barrier) and then looks for pending remote frees once more.  A
 * remote freer publishes its free (full barrier) and then reads notify; on
 * WATCH it wins the WATCH -> QUEUED exchange and pushes the slab onto the
 * owner's notify stack.  One of the two always sees the other, so a full
 * slab that gains free blocks is never lost to its owner.  The owner pops
 * the whole stack with one exchange (single consumer: no ABA).
 */
#include "hm_slab.h"
#include "hm_slabmap.h"
#include "hm_mode.h"
#include "hm_debug.h"
#include "hm_fit.h"
#include "hm_adapt.h"
#include "hm_frag.h"

static unsigned int hm_mode_bitmaps(unsigned int mode)
{
	switch (mode) {
	case HM_MODE_BITMAP:
		return 2;	/* free, remote */
	case HM_MODE_HYBRID:
		return 3;	/* free, remote, live */
	default:
		return 0;
	}
}

/* words of s->bits[] a slab of @mode takes, for bitmaps of @words words */
static unsigned long hm_slab_bitmap_words(unsigned int mode, unsigned long words)
{
	unsigned int nb = hm_mode_bitmaps(mode);

	return nb ? HM_SLAB_BITS_SKIP + nb * HM_BITMAP_STRIDE(words) : 0;
}

/**
 * hm_cache_geometry() - lay out the slabs of @c
 * @c: cache with ->mode set
 * @size: object size
 * @align: required alignment, a power of two (0: natural up to 8)
 *
 * Return: 0, or -1 when the size or alignment cannot be served.
 */
int hm_cache_geometry(struct hm_cache *c, unsigned int size, unsigned int align)
{
	unsigned int stride, n, hdr, first, words;

	if (!size || size > HM_MAX_SLAB_OBJ_SIZE)
		return -1;
	if (align & (align - 1))
		return -1;
	align = HM_MAX(align, HM_MIN_OBJ_SIZE);
	if (align > HM_MAX_OBJ_SIZE)
		return -1;
	stride = HM_ALIGN_UP(HM_MAX(size, HM_MIN_OBJ_SIZE), align);

	for (n = HM_SLAB_SIZE / stride; n; n--) {
		words = HM_BITS_TO_LONGS(n);
		hdr = sizeof(struct hm_slab) + hm_slab_bitmap_words(c->mode, words) *
		      sizeof(unsigned long);
		first = HM_ALIGN_UP(hdr, align);
		if (first + n * stride <= HM_SLAB_SIZE)
			break;
	}
	if (n < HM_MIN_SLAB_BLOCKS || n > 0xffff)
		return -1;
	c->obj_size = size;
	c->size = stride;
	c->align = align;
	c->nblocks = n;
	c->nwords = HM_BITS_TO_LONGS(n);
	c->first_off = first;
	c->recip = (u32)(((1ULL << 32) + stride - 1) / stride);
	return 0;
}

/**
 * hm_slab_init() - turn a fresh chunk into an all-free slab of @c
 * @c: the cache
 * @chunk: HM_SLAB_SIZE bytes aligned to HM_SLAB_SIZE
 *
 * Return: the slab header, at @chunk.
 */
struct hm_slab *hm_slab_init(struct hm_cache *c, void *chunk)
{
	struct hm_slab *s = chunk;
	unsigned int nb = hm_mode_bitmaps(c->mode);
	unsigned long stride = HM_BITMAP_STRIDE(c->nwords), *bm = &s->bits[HM_SLAB_BITS_SKIP];
	/* hm_cache_chunk_get() may have attached debug memory already */
	unsigned long dbg = hm_atomic_read(&s->dbg);
	unsigned int i;

	/*
	 * All but the key, which a stale pointer's free may read meanwhile
	 * (hm_plat_chunk_free()): it goes from the kept chunk's to this
	 * slab's, never through 0, which a thread without a key matches.
	 */
	hm_memset((char *)s + sizeof(s->key), 0, sizeof(*s) - sizeof(s->key) +
		  hm_slab_bitmap_words(c->mode, c->nwords) * sizeof(unsigned long));
	hm_atomic_set(&s->dbg, dbg);
	s->magic = HM_MAGIC_SLAB;
	s->owner_id = HM_CTX_NONE;
	s->mode = c->mode;
	s->nblocks = (u16)c->nblocks;
	s->nwords = (u16)c->nwords;
	s->cache = c;
	s->blocks = (char *)chunk + c->first_off;
	if (nb) {
		/* live bits first: hm_slab_live_bits() */
		if (nb == 3)
			s->live_bits = bm;
		s->free_bits = bm + (nb - 2) * stride;
		s->remote_bits = (hm_atomic_t *)(bm + (nb - 1) * stride);
		for (i = 0; i < c->nwords; i++)
			s->free_bits[i] = ~0UL;
		if (c->nblocks % HM_BITS_PER_LONG)
			s->free_bits[c->nwords - 1] =
				(1UL << (c->nblocks % HM_BITS_PER_LONG)) - 1;
		s->nfree = c->nblocks;
		hm_plat_mark_free(s->blocks, (size_t)c->nblocks * c->size);
	} else {
		hm_freelist_build(c, s);
	}
	return s;
}

/* Free blocks in @s as its owner sees them (remote frees not collected). */
unsigned int hm_slab_free_count(const struct hm_slab *s)
{
	return s->mode == HM_MODE_FREELIST ? s->nblocks - s->used : s->nfree;
}

bool hm_slab_is_empty(const struct hm_slab *s)
{
	return hm_slab_free_count(s) == s->nblocks;
}

bool hm_slab_remote_pending(const struct hm_slab *s)
{
	unsigned int i;

	if (s->mode == HM_MODE_FREELIST)
		return hm_atomic_read(&s->xthread_free) != 0;
	for (i = 0; i < s->nwords; i++)
		if (hm_atomic_read(&s->remote_bits[i]))
			return true;
	return false;
}

/**
 * hm_slab_collect() - take the remote frees of @s into its owner's state
 * @s: slab owned by the caller (or unowned, under the cache lock)
 *
 * Return: number of blocks collected.
 */
unsigned int hm_slab_collect(struct hm_slab *s)
{
	if (s->mode == HM_MODE_FREELIST)
		return hm_freelist_collect(s);
	return hm_bitmap_collect(s);
}

/* ---- owner lists ---------------------------------------------------- */

/* Push @s on the owner list at @head (doubly linked through prev/next). */
static void hm_owner_list_add(struct hm_slab **head, struct hm_slab *s,
			      enum hm_slab_list list)
{
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
	s->list = list;
}

/* Take @s off the owner list at @head. */
static void hm_owner_list_del(struct hm_slab **head, struct hm_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = NULL;
	s->next = NULL;
	s->list = HM_LIST_NONE;
}

static void hm_partial_add(struct hm_cctx *cc, struct hm_slab *s)
{
	hm_owner_list_add(&cc->partial, s, HM_LIST_PARTIAL);
}

static void hm_partial_del(struct hm_cctx *cc, struct hm_slab *s)
{
	hm_owner_list_del(&cc->partial, s);
}

/*
 * The parked slabs of @cc (hm_cctx_park()), linked as the partial list
 * is, so that hm_cctx_unpark() visits those and no other slab of the
 * cache.
 */
static void hm_parked_add(struct hm_cctx *cc, struct hm_slab *s)
{
	hm_owner_list_add(&cc->parked, s, HM_LIST_PARKED);
}

static void hm_parked_del(struct hm_cctx *cc, struct hm_slab *s)
{
	hm_owner_list_del(&cc->parked, s);
}

/* Take @s off whatever owner list it is on. */
static void hm_slab_unlist(struct hm_cctx *cc, struct hm_slab *s)
{
	if (s->list == HM_LIST_PARTIAL)
		hm_partial_del(cc, s);
	else if (s->list == HM_LIST_PARKED)
		hm_parked_del(cc, s);
	s->list = HM_LIST_NONE;
}

/* slabs released whose memory waits for the readers (hm_slab_release()) */
hm_atomic_t hm_slabs_retiring;

/* The wait is over: no stale pointer's reader has @r's slab any more. */
static void hm_slab_retired(hm_plat_retire_t *r)
{
	struct hm_slab *s = (struct hm_slab *)((char *)r - offsetof(struct hm_slab, retire));

	hm_slab_debug_drop(s);
	hm_plat_chunk_free(s, HM_SLAB_SIZE);
	hm_atomic_fetch_add(&hm_slabs_retiring, (unsigned long)-1);
}

/*
 * Remote frees into @s, empty and released, that no collection took: each
 * raced a free of its block that made the slab empty (a double free), and
 * its freer counted it.  Reported, and no longer counted.  No remote free
 * is in flight (s->inflight).
 */
static void hm_slab_release_late(struct hm_slab *s)
{
	bool reported = false;
	unsigned int i;

	if (s->mode == HM_MODE_FREELIST)
		return;
	for (i = 0; i < s->nwords; i++) {
		unsigned long r = hm_atomic_xchg(&s->remote_bits[i], 0);

		if (r) {
			hm_bitmap_refuse_late(s, i, r, !reported);
			reported = true;
		}
	}
}

/**
 * hm_slab_release() - give an empty, ownerless slab back to the platform
 * @c: its cache
 * @s: the slab, on no list
 *
 * A stale pointer (a double free, a free racing with this one) may still
 * be read by a free path that found the slab before it left the slab
 * map.  Those paths read inside a bracket (hm_plat_read_begin()), so the
 * header and the debug memory go only when the brackets open now have
 * closed (hm_plat_retire()); until then the header reads as a released
 * slab's (magic 0).  No lookup finds the slab meanwhile.
 */
void hm_slab_release(struct hm_cache *c, struct hm_slab *s)
{
	unsigned long flags;

	hm_lock(&c->lock, flags);
	/* a walk about to visit @s goes on with the slab after it */
	if (unlikely(c->cursors))
		hm_frag_cursors_skip(c, s);
	if (s->all_prev)
		s->all_prev->all_next = s->all_next;
	else
		c->all = s->all_next;
	if (s->all_next)
		s->all_next->all_prev = s->all_prev;
	c->nslabs--;
	c->slabs_released++;
	hm_unlock(&c->lock, flags);

	hm_slab_release_late(s);
	hm_slabmap_set(s, false);
	HM_WRITE_ONCE(s->magic, 0);
	hm_slab_debug_retire(c, s);
	hm_plat_mark_alloc(s->blocks, (size_t)c->nblocks * c->size);
	hm_atomic_fetch_add(&hm_slabs_retiring, 1);
	hm_plat_retire(&s->retire, hm_slab_retired, HM_SLAB_SIZE);
}

/**
 * hm_slab_to_pool() - an empty slab leaves its owner for the cache pool,
 * or for the platform when the pool holds c->max_pool slabs already
 * @c: its cache
 * @s: the slab, on no owner list
 *
 * Return: true when @s went back to the platform.
 */
bool hm_slab_to_pool(struct hm_cache *c, struct hm_slab *s)
{
	unsigned long flags;
	bool pooled = false;

	hm_lock(&c->lock, flags);
	/*
	 * Under the lock: a fragmentation walk (hm_frag_walk()) reads the
	 * lists, or the state bitmaps the rebuild resets, of the slab it
	 * holds the lock for; it must not see them half rebuilt.
	 */
	if (s->mode == HM_MODE_FREELIST)
		hm_freelist_reset(c, s);
	/* a remote freer still reading the header keeps the memory mapped */
	if (c->npool < c->max_pool || hm_atomic_read(&s->inflight)) {
		hm_slab_set_owner(s, NULL);
		s->list = HM_LIST_POOL;
		s->next = c->pool;
		c->pool = s;
		HM_WRITE_ONCE(c->npool, c->npool + 1);	/* read unlocked */
		pooled = true;
	}
	hm_unlock(&c->lock, flags);
	if (!pooled) {
		hm_slab_set_owner(s, NULL);
		s->list = HM_LIST_NONE;
		hm_slab_release(c, s);
	}
	return !pooled;
}

/**
 * hm_cctx_slab_to_pool() - hm_slab_to_pool() for an empty slab of @cc
 * @cc: its owner, which the caller uses (nobody else does)
 * @s: the slab, on no owner list
 *
 * Every slab that leaves a context's lists for the pool goes this way, so
 * that cc->released counts each one that went back to the platform
 * instead: what a call of @cc's released is the difference of cc->released
 * before and after it, however deep in the call the release was (a
 * magazine flush's settles, an adaptive tick's), and no release of
 * another context is in it, as it would be in the cache-wide
 * slabs_released.
 *
 * Return: true when @s went back to the platform.
 */
bool hm_cctx_slab_to_pool(struct hm_cctx *cc, struct hm_slab *s)
{
	bool released = hm_slab_to_pool(cc->cache, s);

	cc->released += released;
	return released;
}

/*
 * An empty slab: the owner's reserve (hysteresis), else the pool.
 * Return: true when it went back to the platform (the pool was full).
 */
static bool hm_slab_retire_empty(struct hm_cctx *cc, struct hm_slab *s)
{
	struct hm_cache *c = cc->cache;

	/* only the owner fills it: empty now, empty until the set below */
	if (!hm_atomic_read(&cc->reserve) && c->max_empty && !cc->abandoned) {
		s->next = NULL;
		s->list = HM_LIST_EMPTY;
		/* counted first: a trim's take never brings the count below 0 */
		hm_atomic_fetch_add(&c->nreserve, 1);
		hm_atomic_set(&cc->reserve, (unsigned long)s);	/* release */
		return false;
	}
	return hm_cctx_slab_to_pool(cc, s);
}

/**
 * hm_cctx_reserve_take() - take @cc's empty reserve slab
 * @cc: the context: its owner on a slow path, or any thread that keeps
 *	@cc registered meanwhile (a trim, under the cache lock)
 *
 * An exchange, so that the owner and another thread never both get the
 * slab: the owner touches its reserve on slow paths only, with this and
 * hm_slab_retire_empty()'s set, and its fast paths never read it (they
 * allocate from the active slab or the magazine, and free only blocks
 * that are live, none of which is in an empty slab).
 *
 * Return: the slab, on no list (still @cc's: the caller makes it active
 * or hands it to the pool), or NULL.
 */
struct hm_slab *hm_cctx_reserve_take(struct hm_cctx *cc)
{
	struct hm_slab *s;

	if (!hm_atomic_read(&cc->reserve))
		return NULL;
	s = (struct hm_slab *)hm_atomic_xchg(&cc->reserve, 0);
	if (!s)
		return NULL;
	hm_atomic_fetch_add(&cc->cache->nreserve, -1UL);
	s->list = HM_LIST_NONE;
	return s;
}

/*
 * Park a full slab: from now on remote freers queue it on the owner's
 * notify stack.  Return: true when remote frees were already pending and
 * the slab was taken back instead (then the caller collects them).
 */
static bool hm_slab_watch(struct hm_slab *s)
{
	unsigned long watch = HM_NOTIFY_WATCH;

	hm_atomic_xchg(&s->notify, HM_NOTIFY_WATCH);
	return hm_slab_remote_pending(s) &&
	       hm_atomic_try_cmpxchg(&s->notify, &watch, HM_NOTIFY_OFF);
}

/*
 * Stop remote freers from queueing a full slab.  False when one already
 * queued it: then the drain of the notify stack settles the slab.
 */
static bool hm_slab_unwatch(struct hm_slab *s)
{
	unsigned long v = hm_atomic_read(&s->notify);

	if (v == HM_NOTIFY_WATCH &&
	    hm_atomic_try_cmpxchg(&s->notify, &v, HM_NOTIFY_OFF))
		return true;
	return v == HM_NOTIFY_OFF;
}

/*
 * hm_slab_settle()'s other cases: a slab that may change lists, or
 * adapting.  Return: true when @s went back to the platform.
 */
bool hm_slab_settle_list(struct hm_cctx *cc, struct hm_slab *s)
{
	bool released = false;

	if (s == cc->active || s->list == HM_LIST_EMPTY)
		goto tick;
	if (s->list == HM_LIST_FULL || s->list == HM_LIST_PARKED) {
		/* still full after a drain: watch again, or take what came */
		while (!hm_slab_free_count(s) &&
		       hm_atomic_read(&s->notify) == HM_NOTIFY_OFF &&
		       hm_slab_watch(s))
			hm_slab_collect(s);
		if (!hm_slab_free_count(s) || !hm_slab_unwatch(s))
			return false;
		hm_slab_unlist(cc, s);
	}
	if (hm_slab_is_empty(s)) {
		hm_slab_unlist(cc, s);
		released = hm_slab_retire_empty(cc, s);
	} else if (s->list == HM_LIST_NONE) {
		hm_partial_add(cc, s);
	}
tick:
	if (unlikely(HM_READ_ONCE(cc->adapt.on)))
		hm_adapt_tick(cc);
	return released;
}

/**
 * hm_slab_notify_owner() - after a remote free, wake a full slab's owner
 * @s: slab that just received a remote free
 */
void hm_slab_notify_owner(struct hm_slab *s)
{
	unsigned long watch = HM_NOTIFY_WATCH;
	struct hm_cctx *owner;
	unsigned long head;

	if (hm_atomic_read(&s->notify) != HM_NOTIFY_WATCH)
		return;
	if (!hm_atomic_try_cmpxchg(&s->notify, &watch, HM_NOTIFY_QUEUED))
		return;
	/* before the push: the count is never below the slabs on the stacks */
	hm_atomic_fetch_add(&s->cache->nwoken, 1);
	owner = HM_READ_ONCE(s->owner);
	head = hm_atomic_read(&owner->notify);
	do {
		s->notify_next = (struct hm_slab *)head;
	} while (!hm_atomic_try_cmpxchg(&owner->notify, &head, (unsigned long)s));
}

/**
 * hm_slab_remote_refused() - a remote free in flight found a double free
 * @c: the cache
 * @s: the slab, whose inflight count the free holds
 * @p: the block
 * @ip: caller, for reports
 *
 * Reports it and ends the flight; nothing was published.
 */
void hm_slab_remote_refused(struct hm_cache *c, struct hm_slab *s, void *p,
			    unsigned long ip)
{
	hm_report_double_free(c, s, p, ip);
	hm_atomic_fetch_add(&s->inflight, (unsigned long)-1);
}

/**
 * hm_slab_remote_freed() - count a published remote free, wake the owner
 * @cc: the freeing context, or NULL: then the cache counts it
 * @s: slab that just received the free
 *
 * The last the free does with @s: it ends its flight (s->inflight, taken
 * before it read the header), so the remote free paths end in a tail call.
 */
void hm_slab_remote_freed(struct hm_cctx *cc, struct hm_slab *s)
{
	if (cc) {
		cc->st.frees++;
		cc->st.free_slow++;
		cc->st.remote_frees++;
	} else {
		hm_atomic_fetch_add(&s->cache->nocctx_frees, 1);
	}
	hm_slab_notify_owner(s);
	hm_atomic_fetch_add(&s->inflight, (unsigned long)-1);
}

/**
 * hm_cctx_drain_woken() - collect every slab that remote frees woke up
 * @cc: the owner
 * @d: where the slabs woken and those found empty are added, or NULL
 *
 * Return: the slabs that went back to the platform (emptied with the
 * reserve and the pool full): those its own settles released (the rise
 * of cc->released: hm_cctx_slab_to_pool()), not a difference of the
 * cache-wide slabs_released, which other contexts move meanwhile.
 */
unsigned int hm_cctx_drain_woken(struct hm_cctx *cc, struct hm_drain *d)
{
	struct hm_slab *s = (struct hm_slab *)hm_atomic_xchg(&cc->notify, 0);
	unsigned long n = 0, released = cc->released;
	unsigned int emptied = 0;

	while (s) {
		struct hm_slab *next = s->notify_next;

		s->notify_next = NULL;
		hm_atomic_set(&s->notify, HM_NOTIFY_OFF);
		hm_slab_collect(s);
		emptied += hm_slab_is_empty(s);
		hm_slab_settle(cc, s);
		s = next;
		n++;
	}
	if (n)
		hm_atomic_fetch_add(&cc->cache->nwoken, -n);
	if (d) {
		d->woken += n;
		d->emptied += emptied;
	}
	return (unsigned int)(cc->released - released);
}

/**
 * hm_cctx_drain_notify() - collect every slab that remote frees woke up
 * @cc: the owner
 *
 * Return: the slabs its settles gave back to the platform
 * (hm_cctx_drain_woken()), as hm_cctx_drop_reserve() returns its own.
 */
unsigned int hm_cctx_drain_notify(struct hm_cctx *cc)
{
	return hm_cctx_drain_woken(cc, NULL);
}

/**
 * hm_cache_woken_yield() - what reclaim's drains of woken slabs freed
 * @c: the cache
 * @d: what drains for reclaim found, hm_cctx_drain_woken()'s sums
 *
 * A woken slab is a full one that a remote free woke: one free block at
 * least, all of them free only when every other object went too.  A
 * shrinker that counted each as a slab to free would send drains that
 * free little (a slab with one free block stays).  So the share of the
 * woken slabs that reclaim's drains found empty is kept, an average
 * halving the weight of the past at each drain, never below
 * HM_YIELD_MIN (a woken slab stays visible to the count); a cache
 * starts at HM_YIELD_ONE.  Racy: drains on several CPUs may lose one
 * another's update, which an estimate can afford.
 */
void hm_cache_woken_yield(struct hm_cache *c, const struct hm_drain *d)
{
	unsigned long y;

	if (!d->woken)
		return;
	y = hm_atomic_read(&c->woken_yield);
	y = (y + (unsigned long)d->emptied * HM_YIELD_ONE / d->woken) / 2;
	hm_atomic_set(&c->woken_yield, HM_MAX(y, HM_YIELD_MIN));
}

/**
 * hm_cache_reclaimable() - empty slabs a reclaim of @c may give back
 * @c: the cache
 *
 * The pool, the contexts' reserves, and of the woken slabs the share
 * that reclaim's drains found empty lately (hm_cache_woken_yield()),
 * rounded up.  Four counters, no walk: a shrinker counts often.
 *
 * Return: the estimate, in slabs.
 */
unsigned long hm_cache_reclaimable(struct hm_cache *c)
{
	unsigned long woken = hm_atomic_read(&c->nwoken);

	return HM_READ_ONCE(c->npool) + hm_atomic_read(&c->nreserve) +
	       (woken * hm_atomic_read(&c->woken_yield) + HM_YIELD_ONE - 1) /
	       HM_YIELD_ONE;
}

/*
 * Park @s, a slab of @cc on no list, as a full one (watched): the next
 * remote free into it queues it on cc->notify.  Remote frees that came
 * before the watch are collected first; a slab they empty goes to the
 * pool, as the context is not used (hm_cctx_park()).  Return: true when
 * it went back to the platform.
 */
static bool hm_slab_park(struct hm_cctx *cc, struct hm_slab *s)
{
	for (;;) {
		if (hm_slab_is_empty(s))
			return hm_cctx_slab_to_pool(cc, s);
		/* false: watched, or queued by a remote free already */
		if (!hm_slab_watch(s))
			break;
		hm_slab_collect(s);
	}
	hm_parked_add(cc, s);
	return false;
}

/**
 * hm_cctx_park() - watch every slab of @cc for remote frees
 * @cc: a context nobody uses for a while (a CPU gone offline), flushed
 *	(hm_cctx_flush()): its magazine is empty
 *
 * Its active and partial slabs are parked as full slabs are, watched, on
 * its list of parked slabs (HM_LIST_PARKED): from now on the first remote
 * free into any of its slabs queues that slab on cc->notify and counts
 * it in the cache's nwoken.  So a reclaimer learns
 * from one counter, without a walk of the slabs, that a flush of @cc may
 * find slabs emptied; the flush (which drains the notify stack) and
 * hm_cctx_unpark() take the slabs out of the parking again.
 *
 * Return: slabs that went back to the platform at once.
 */
unsigned int hm_cctx_park(struct hm_cctx *cc)
{
	unsigned long released = cc->released;
	struct hm_slab *s = cc->active;

	if (s) {
		cc->active = NULL;
		s->list = HM_LIST_NONE;
		hm_slab_park(cc, s);
	}
	while ((s = cc->partial)) {
		hm_partial_del(cc, s);
		hm_slab_park(cc, s);
	}
	return (unsigned int)(cc->released - released);
}

/**
 * hm_cctx_unpark() - take back into use the slabs hm_cctx_park() parked
 * @cc: a context nobody uses right now, about to be used again
 *
 * Its parked slabs with free blocks go back on its partial list; a really
 * full one stays watched, a full slab as any other; one that a remote
 * free queued meanwhile too, for the drain of cc->notify, which settles
 * it.  It walks @cc's own list of parked slabs, no lock taken (the list
 * is the owner's): the cost is the slabs parked, not the cache's.
 */
void hm_cctx_unpark(struct hm_cctx *cc)
{
	struct hm_slab *s;

	while ((s = cc->parked)) {
		hm_atomic_fetch_add(&cc->cache->unpark_visits, 1);
		hm_parked_del(cc, s);
		if (hm_slab_free_count(s) && hm_slab_unwatch(s))
			hm_partial_add(cc, s);
		else
			s->list = HM_LIST_FULL;
	}
}

/**
 * hm_cctx_retire_active() - the active slab has no free block left
 * @cc: the owner
 *
 * Collects remote frees first; only a slab that is still full is parked
 * with its notify flag set.  On return cc->active is NULL, or a slab that
 * got blocks back.
 */
void hm_cctx_retire_active(struct hm_cctx *cc)
{
	struct hm_slab *s = cc->active;

	if (!s)
		return;
	if (hm_slab_collect(s))
		return;
	if (hm_slab_watch(s)) {
		hm_slab_collect(s);
		return;
	}
	s->list = HM_LIST_FULL;
	cc->active = NULL;
}

/**
 * hm_cctx_set_active() - make @s, a slab of @cc, the one it allocates from
 * @cc: the owner
 * @s: its active slab already, a partial slab, or a slab on no list
 *
 * The previous active slab goes where its free count says: partial,
 * parked full (watched for remote frees), or empty.  For the fit policies
 * (hm_fit.c), which choose among all of a context's slabs.
 */
void hm_cctx_set_active(struct hm_cctx *cc, struct hm_slab *s)
{
	struct hm_slab *old = cc->active;

	if (old == s)
		return;
	if (s->list == HM_LIST_PARTIAL)
		hm_partial_del(cc, s);
	s->list = HM_LIST_ACTIVE;
	if (old) {
		if (!hm_slab_free_count(old))
			hm_cctx_retire_active(cc);	/* parks it, or collects */
		if (cc->active == old) {
			cc->active = NULL;
			old->list = HM_LIST_NONE;
			hm_slab_settle(cc, old);
		}
	}
	cc->active = s;
}

/*
 * A slab @cc just took, in its shape: a pool slab may have another, a
 * context of an adaptive cache in bitmap mode released it without live
 * bits, perhaps before the mode was switched off; a hybrid context needs
 * them.
 */
static void hm_slab_shape(struct hm_cctx *cc, struct hm_slab *s)
{
	if (unlikely(HM_READ_ONCE(cc->adapt.on)) ||
	    unlikely(cc->mode == HM_MODE_HYBRID && !s->live_bits))
		hm_adapt_own(cc, s);
}

/* Adopt an empty slab from the cache pool. */
static struct hm_slab *hm_pool_take(struct hm_cctx *cc)
{
	struct hm_cache *c = cc->cache;
	struct hm_slab *s;
	unsigned long flags;

	if (!HM_READ_ONCE(c->npool))
		return NULL;
	hm_lock(&c->lock, flags);
	s = c->pool;
	if (s) {
		c->pool = s->next;
		HM_WRITE_ONCE(c->npool, c->npool - 1);
		s->next = NULL;
		hm_slab_set_owner(s, cc);
		hm_slab_debug_adopt(cc, s);
	}
	hm_unlock(&c->lock, flags);
	return s;
}

/**
 * hm_cctx_take_slab() - find the next slab for @cc to allocate from
 * @cc: the owner, whose active slab is exhausted and retired
 *
 * Return: a slab with free blocks, now @cc's active slab, or NULL when a
 * new chunk is needed (see hm_cctx_add_chunk()).
 */
struct hm_slab *hm_cctx_take_slab(struct hm_cctx *cc)
{
	struct hm_slab *s;

	if (hm_atomic_read(&cc->notify))
		hm_cctx_drain_notify(cc);
	s = cc->partial;
	if (s) {
		if (HM_READ_ONCE(cc->cache->fit))	/* hm_fit.c */
			s = hm_fit_partial(cc);
		hm_partial_del(cc, s);
	} else {
		s = hm_cctx_reserve_take(cc);
		if (!s)
			s = hm_pool_take(cc);
		if (!s)
			return NULL;
	}
	s->list = HM_LIST_ACTIVE;
	cc->active = s;
	hm_slab_shape(cc, s);
	return s;
}

/**
 * hm_cctx_pool_slab() - an empty slab of the cache's pool for @cc
 * @cc: the taker, which needs an empty slab and has none of its own
 *	(hm_cctx_alloc_contig()): before a new chunk, as hm_cctx_take_slab()
 *
 * Return: the slab, @cc's now, on no list and in its shape; or NULL when
 * the pool is empty.
 */
struct hm_slab *hm_cctx_pool_slab(struct hm_cctx *cc)
{
	struct hm_slab *s = hm_pool_take(cc);

	if (s) {
		s->list = HM_LIST_NONE;
		hm_slab_shape(cc, s);
	}
	return s;
}
