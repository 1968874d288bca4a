// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_cache.c - cache and context lifecycle: create, destroy, contexts that
 * come and go with threads or CPUs, new chunks, bulk calls, shrinking.
 */
#include "hm_cache.h"
#include "hm_fit.h"
#include "hm_learn.h"
#include "hm_adapt.h"

static hm_atomic_t hm_cache_ids;

static const char *const hm_mode_names[HM_MODE_NR] = {
	[HM_MODE_BITMAP]	= "bitmap",
	[HM_MODE_FREELIST]	= "freelist",
	[HM_MODE_HYBRID]	= "hybrid",
};

const char *hm_mode_name(enum hm_mode mode)
{
	return mode < HM_MODE_NR ? hm_mode_names[mode] : "?";
}

/**
 * hm_name_lookup() - index of @str in @names, sysfs_streq() style
 * @str: a name, optionally followed by a newline (a debugfs write)
 * @names: the names, NULL entries skipped
 * @n: how many
 *
 * Return: the index, or -1 when @str names none of them.
 */
int hm_name_lookup(const char *str, const char *const *names, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *a = str, *b = names[i];

		if (!b)
			continue;
		while (*b && *a == *b) {
			a++;
			b++;
		}
		if (!*b && (!*a || (*a == '\n' && !a[1])))
			return (int)i;
	}
	return -1;
}

/**
 * hm_mode_parse() - mode from its name
 * @str: "bitmap", "freelist" or "hybrid", optionally followed by a newline
 * @mode: result
 *
 * Return: true when @str names a mode.
 */
bool hm_mode_parse(const char *str, enum hm_mode *mode)
{
	int m = hm_name_lookup(str, hm_mode_names, HM_MODE_NR);

	if (m < 0)
		return false;
	*mode = (enum hm_mode)m;
	return true;
}

/**
 * hm_cache_arg_bad() - which of hm_core_cache_create()'s arguments is bad
 * @size: object size, 1..HM_MAX_OBJ_SIZE
 * @align: 0, or a power of two up to HM_MAX_OBJ_SIZE
 * @mode: an enum hm_mode
 * @flags: HM_CACHE_* flags (HM_CACHE_ADAPTIVE in hybrid mode only)
 *
 * In this order: the first at fault is named.  Every size and alignment
 * let through has a slab geometry in every mode (a slab holds at least 15
 * blocks of HM_MAX_OBJ_SIZE).  For the adapters, which report a refusal
 * in their own words (the kernel's values and caller, userspace's errno),
 * and for hm_core_cache_create().
 *
 * Return: HM_ARG_OK, or the argument at fault.
 */
enum hm_cache_arg hm_cache_arg_bad(unsigned long size, unsigned long align,
				   unsigned int mode, unsigned int flags)
{
	unsigned int fit = (flags & HM_CACHE_FIT_MASK) >> HM_CACHE_FIT_SHIFT;

	if (mode >= HM_MODE_NR)
		return HM_ARG_MODE;
	if ((flags & ~HM_CACHE_FLAGS) || fit >= HM_FIT_NR ||
	    ((flags & HM_CACHE_ADAPTIVE) && mode != HM_MODE_HYBRID))
		return HM_ARG_FLAGS;
	if (!size || size > HM_MAX_OBJ_SIZE)
		return HM_ARG_SIZE;
	if ((align & (align - 1)) || align > HM_MAX_OBJ_SIZE)
		return HM_ARG_ALIGN;
	return HM_ARG_OK;
}

/*
 * A cache's name, as every report, table, dump and debugfs directory shows
 * it: one line, so a control byte is copied as '?' (a name is not refused
 * for it, as the kernel's kmem_cache_create() does not).
 */
static void hm_name_copy(char *dst, const char *name, unsigned int n)
{
	unsigned int i;

	hm_strscpy(dst, name ? name : "hakmem", n);
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = '?';
}

/* hm_core_cache_create() and hm_core_medium_create() once the arguments are good */
static struct hm_cache *hm_cache_new(const char *name, unsigned int size, unsigned int align,
				     enum hm_mode mode, unsigned int flags, hm_gfp_t gfp)
{
	struct hm_cache *c;
	unsigned int i;

	c = hm_plat_meta_alloc(HM_CACHE_BYTES, gfp);
	if (!c)
		return NULL;
	c->mode = (u8)mode;
	/* bytes of a free block the mode writes: the rest can be poisoned */
	if (mode == HM_MODE_FREELIST)
		c->link_bytes = sizeof(void *);
	else
		c->link_bytes = mode == HM_MODE_HYBRID ? HM_MAG_LINK : 0;
	c->fit = (u8)((flags & HM_CACHE_FIT_MASK) >> HM_CACHE_FIT_SHIFT);
	if (hm_cache_geometry(c, size, align)) {
		hm_plat_meta_free(c, HM_CACHE_BYTES);
		hm_report(NULL, HM_ERR_BAD_SIZE, (void *)(unsigned long)size, HM_RET_IP);
		return NULL;
	}
	hm_name_copy(c->name, name, sizeof(c->name));
	c->flags = flags;
	c->checks_gen = 1;	/* never 0: hm_slab_dbg's "none" */
	/* about 8 KiB of cached objects per context, 16..128 of them */
	c->mag_cap = HM_MIN(HM_MAX(8192U / c->size, 16U), 128U);
	c->max_empty = 1;
	c->max_pool = 4;
	/* no drain measured yet: every woken slab may have emptied */
	hm_atomic_set(&c->woken_yield, HM_YIELD_ONE);
	c->id = hm_atomic_fetch_add(&hm_cache_ids, 1) + 1;
	hm_lock_init(&c->lock);
	for (i = 0; i < HM_MSG_NR; i++)
		hm_plat_ratelimit_init(&c->report_rl[i]);
	return c;
}

/**
 * hm_core_cache_create() - create a cache of objects of one size
 * @name: for reports and stats (copied, truncated to HM_NAME_LEN - 1, a
 *        control byte as '?'), NULL for "hakmem"
 * @size: object size, 1..HM_MAX_OBJ_SIZE
 * @align: alignment, a power of two, 0 for the default of 8
 * @mode: bitmap, freelist or hybrid
 * @flags: HM_CACHE_* flags
 * @gfp: how to allocate the cache structure
 *
 * Return: the cache, or NULL for a bad size, alignment, mode or flags
 * (reported as HM_ERR_BAD_SIZE with the value at fault) or when memory is
 * exhausted.
 */
struct hm_cache *hm_core_cache_create(const char *name, unsigned int size,
				      unsigned int align, enum hm_mode mode,
				      unsigned int flags, hm_gfp_t gfp)
{
	enum hm_cache_arg bad = hm_cache_arg_bad(size, align, mode, flags);

	if (bad != HM_ARG_OK) {
		hm_report(NULL, HM_ERR_BAD_SIZE,
			  (void *)hm_cache_arg_value(bad, size, align, mode, flags), HM_RET_IP);
		return NULL;
	}
	/* never refused by hm_cache_geometry(), by hm_cache_arg_bad() */
	return hm_cache_new(name, size, align, mode, flags, gfp);
}

/**
 * hm_core_medium_create() - create a cache of blocks over HM_MAX_OBJ_SIZE
 * @name: as hm_core_cache_create()'s
 * @size: object size, up to HM_MAX_SLAB_OBJ_SIZE
 * @align: alignment, a power of two up to HM_MAX_OBJ_SIZE, 0 for 8
 * @mode: bitmap, freelist or hybrid
 * @gfp: how to allocate the cache structure
 *
 * For an adapter's own classes (libhakmem's malloc classes of 4.5 to 10.6
 * KiB), not for its API, whose caches stay within HM_MAX_OBJ_SIZE: a
 * slab holds HM_MIN_SLAB_BLOCKS to 14 such blocks.  No flags.
 *
 * Return: the cache, or NULL for a size or alignment no slab geometry
 * takes (fewer than HM_MIN_SLAB_BLOCKS blocks a slab in @mode), a bad
 * mode (each reported as HM_ERR_BAD_SIZE), or when memory is exhausted.
 */
struct hm_cache *hm_core_medium_create(const char *name, unsigned int size,
				       unsigned int align, enum hm_mode mode, hm_gfp_t gfp)
{
	if (mode >= HM_MODE_NR) {
		hm_report(NULL, HM_ERR_BAD_SIZE, (void *)(unsigned long)mode, HM_RET_IP);
		return NULL;
	}
	return hm_cache_new(name, size, align, mode, 0, gfp);
}

size_t hm_cctx_size(const struct hm_cache *c)
{
	return sizeof(struct hm_cctx) + c->mag_cap * sizeof(void *);
}

/**
 * hm_cctx_init() - set up a context in memory the adapter provides
 * @cc: hm_cctx_size() bytes, zeroed
 * @c: its cache
 * @ctx_id: CPU or thread it serves
 */
void hm_cctx_init(struct hm_cctx *cc, struct hm_cache *c, u32 ctx_id)
{
	cc->cache = c;
	cc->mode = c->mode;
	/* debug switches: hm_cctx_register() copies them under the lock */
	cc->route = c->mode;
	cc->mag_cap = c->mode == HM_MODE_HYBRID ? c->mag_cap : 0;
	cc->ctx_id = ctx_id;
	cc->key_id = ctx_id;
	cc->recip = c->recip;
	cc->size = c->size;
	cc->adapt.on = !!(c->flags & HM_CACHE_ADAPTIVE);	/* hm_adapt.c */
	cc->adapt.backoff = 4;		/* HM_ADAPT_HOLD_MIN */
	hm_plat_cctx_copies(cc);
}

/* between two steps of hm_cctx_switches(): the order, and the tests' pause */
static void hm_cctx_switch_step(const struct hm_cctx *cc)
{
	hm_smp_wmb();
	/* only a registered context runs meanwhile */
	if (cc->registered)
		hm_plat_switch_step();
}

/**
 * hm_cctx_switches() - copy the cache's debug switches @flags into @cc
 * @cc: a context of the cache, whose lock the caller holds
 * @flags: HM_DBG_* (c->debug)
 *
 * With its debug generation: the tag of the tracking records @cc writes.
 * @cc's thread reads them meanwhile, one field at a time.  Whatever it
 * does after reading a switch on must take the debug route: a block it
 * marks poisoned and that the plain route then handed out and took back
 * would keep the mark over its new contents, a false write after free
 * (hm_dbg_view_poisons()).  So the route goes to debug before the
 * switches and back after them, and the generations come before the
 * switches they belong to.
 */
void hm_cctx_switches(struct hm_cctx *cc, unsigned int flags)
{
	struct hm_cache *c = cc->cache;
	u8 route = hm_cctx_route(cc, c, flags);

	if (route & HM_ROUTE_DEBUG) {
		HM_WRITE_ONCE(cc->route, route);
		hm_cctx_switch_step(cc);
	}
	HM_WRITE_ONCE(cc->checks, hm_debug_checks(c, flags));
	HM_WRITE_ONCE(cc->track_tag, hm_track_tag(cc->ctx_id, c->track_gen));
	HM_WRITE_ONCE(cc->poison_gen, c->poison_gen);
	hm_cctx_switch_step(cc);
	HM_WRITE_ONCE(cc->debug, (u8)flags);
	/* its route's copies for these switches: as the switches, one write */
	hm_plat_cctx_copies(cc);
	if (!(route & HM_ROUTE_DEBUG)) {
		hm_cctx_switch_step(cc);
		HM_WRITE_ONCE(cc->route, route);
	}
}

/* Make @cc visible to stats, validation and destroy. */
void hm_cctx_register(struct hm_cctx *cc)
{
	struct hm_cache *c = cc->cache;
	unsigned long flags;

	hm_lock(&c->lock, flags);
	/* the switches as of now: hm_cache_set_debug() updates registered ones */
	hm_cctx_switches(cc, c->debug);
	/* adaptive as of now: hm_cache_set_adaptive() updates registered ones */
	HM_WRITE_ONCE(cc->adapt.on, !!(c->flags & HM_CACHE_ADAPTIVE));
	cc->next = c->cctxs;
	c->cctxs = cc;
	cc->registered = true;
	hm_unlock(&c->lock, flags);
}

/**
 * hm_cctx_rekey() - @cc now serves @ctx_id, its slabs carry @key_id
 * @cc: the context
 * @ctx_id: its new CPU or thread id (or HM_CTX_NONE)
 * @key_id: a slab key its thread alone will ever present (unique), or 0:
 *          the key is @ctx_id
 *
 * With a unique key nothing else is touched: slabs that still carry an
 * older key, which nobody presents any more, get the new one from the
 * next free of their new thread (hm_slab_set_owner()).  Otherwise the
 * owner_id of each of @cc's slabs becomes @ctx_id now, since a later
 * thread may get the old id back: a walk of the cache's slabs
 * (rekey_walks counts them).  Caller holds the cache lock, which keeps
 * the slab list.
 */
void hm_cctx_rekey(struct hm_cctx *cc, u32 ctx_id, u32 key_id)
{
	struct hm_slab *s;

	HM_WRITE_ONCE(cc->ctx_id, ctx_id);
	HM_WRITE_ONCE(cc->track_tag, hm_track_tag(ctx_id, HM_READ_ONCE(cc->cache->track_gen)));
	cc->key_unique = !!key_id;
	if (key_id) {
		HM_WRITE_ONCE(cc->key_id, key_id);
		return;
	}
	HM_WRITE_ONCE(cc->key_id, ctx_id);
	cc->cache->rekey_walks++;
	for (s = cc->cache->all; s; s = s->all_next)
		if (HM_READ_ONCE(s->owner) == cc)
			HM_WRITE_ONCE(s->owner_id, ctx_id);
}

/**
 * hm_cctx_adopt() - take over the context of a thread that exited
 * @c: the cache
 * @ctx_id: the adopting thread
 * @key_id: its unique slab key, or 0 (see hm_cctx_rekey())
 *
 * Return: an abandoned context with its slabs, or NULL.
 */
struct hm_cctx *hm_cctx_adopt(struct hm_cache *c, u32 ctx_id, u32 key_id)
{
	struct hm_cctx *cc;
	unsigned long flags;

	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next) {
		if (cc->abandoned) {
			cc->abandoned = false;
			hm_cctx_rekey(cc, ctx_id, key_id);
			break;
		}
	}
	hm_unlock(&c->lock, flags);
	return cc;
}

/**
 * hm_cctx_new() - a registered context for a new thread
 * @c: the cache
 * @ctx_id: the thread
 * @key_id: its unique slab key, or 0 (see hm_cctx_rekey())
 * @gfp: allocation flags
 *
 * Return: an adopted or new context, or NULL when memory is exhausted.
 */
struct hm_cctx *hm_cctx_new(struct hm_cache *c, u32 ctx_id, u32 key_id, hm_gfp_t gfp)
{
	struct hm_cctx *cc = hm_cctx_adopt(c, ctx_id, key_id);

	if (cc)
		return cc;
	cc = hm_plat_meta_alloc(hm_cctx_size(c), gfp);
	if (!cc)
		return NULL;
	hm_cctx_init(cc, c, ctx_id);
	if (key_id) {
		cc->key_id = key_id;
		cc->key_unique = true;
	}
	cc->dynamic = true;
	hm_cctx_register(cc);
	return cc;
}

/**
 * hm_cctx_flush() - return everything @cc caches to its slabs
 * @cc: a context nobody else uses right now
 *
 * Empties the magazine, collects remote frees, and hands empty slabs on
 * to the cache pool.  Slabs with live objects stay with @cc.
 *
 * Return: the slabs that went back to the platform at once (the pool
 * full), every one this call released and no other: those the
 * magazine's flush emptied beyond the reserve too (the rise of
 * cc->released, hm_cctx_slab_to_pool()).
 */
unsigned int hm_cctx_flush(struct hm_cctx *cc)
{
	unsigned long released = cc->released;
	struct hm_slab *s, *next;

	if (cc->mag_count)
		hm_hybrid_flush(cc, cc->mag_count);
	hm_cctx_drain_notify(cc);
	/* remote frees into partial slabs: fold them in, release the empty */
	for (s = cc->partial; s; s = next) {
		next = s->next;
		if (hm_slab_collect(s))
			hm_slab_settle(cc, s);
	}
	s = cc->active;
	if (s) {
		hm_slab_collect(s);
		if (hm_slab_is_empty(s)) {
			cc->active = NULL;
			s->list = HM_LIST_NONE;
			hm_slab_settle(cc, s);
		}
	}
	hm_cctx_drop_reserve(cc);
	return (unsigned int)(cc->released - released);
}

/**
 * hm_cctx_drop_reserve() - hand @cc's reserve of empty slabs to the pool
 * @cc: a context nobody else uses right now
 *
 * For a shrinker: the pool is what hm_cache_shrink() gives back; a slab
 * that does not fit in the pool goes back to the platform at once.
 *
 * Return: slabs that went back to the platform at once.
 */
unsigned int hm_cctx_drop_reserve(struct hm_cctx *cc)
{
	unsigned int n = 0;
	struct hm_slab *s;

	s = hm_cctx_reserve_take(cc);
	if (s)
		n += hm_cctx_slab_to_pool(cc, s);
	return n;
}

/**
 * hm_cctx_abandon() - the thread of @cc exits, or gives @cc up
 * @cc: its context
 * @key_live: the thread goes on presenting @cc's slab key (it lives on)
 *
 * The context keeps its slabs with live objects and waits, registered,
 * for the next thread to adopt it.  Its slabs must not match any key a
 * thread presents from now on: a unique key of an exiting thread matches
 * nothing already, every other key is replaced in each slab.
 */
void hm_cctx_abandon(struct hm_cctx *cc, bool key_live)
{
	struct hm_cache *c = cc->cache;
	unsigned long flags;

	hm_cctx_flush(cc);
	hm_lock(&c->lock, flags);
	cc->abandoned = true;
	/* a new thread may get the exiting one's id: it must not match */
	hm_cctx_rekey(cc, HM_CTX_NONE, cc->key_unique && !key_live ? cc->key_id : 0);
	hm_unlock(&c->lock, flags);
}

/**
 * hm_cache_chunk_get() - a new chunk for @c, registered in the slab map
 * @c: the cache
 * @gfp: allocation flags; called outside any per-CPU section
 *
 * Return: the chunk, or NULL when memory is exhausted.
 */
void *hm_cache_chunk_get(struct hm_cache *c, hm_gfp_t gfp)
{
	void *chunk = hm_plat_chunk_alloc(HM_SLAB_SIZE, gfp);
	struct hm_slab *s = chunk;

	if (!chunk)
		return NULL;
	if (hm_slabmap_prepare(chunk, gfp)) {
		hm_plat_chunk_free(chunk, HM_SLAB_SIZE);
		return NULL;
	}
	/* debug memory now, while sleeping may still be allowed */
	hm_atomic_set(&s->dbg, 0);
	if (hm_cache_needs_dbg(c))
		hm_slab_debug_alloc(c, s, gfp);
	return chunk;
}

/**
 * hm_cctx_link_chunk() - turn @chunk into a slab of @cc, on no list yet
 * @cc: the caller's context
 * @chunk: from hm_cache_chunk_get()
 *
 * Return: the slab, all free, known to the cache and the slab map.
 */
struct hm_slab *hm_cctx_link_chunk(struct hm_cctx *cc, void *chunk)
{
	struct hm_cache *c = cc->cache;
	struct hm_slab *s = hm_slab_init(c, chunk);
	unsigned int tries = 0;
	unsigned long flags;
	bool nomem;
	void *late;

	hm_slab_set_owner(s, cc);
	hm_lock(&c->lock, flags);
	/*
	 * A switch made since the chunk was got (hm_cache_chunk_get()) gave
	 * debug memory to the listed slabs only: the slab gets what it needs
	 * before it is listed, or it would go unpoisoned and untracked for
	 * good.  Nobody else sees it yet; the caller cannot sleep.  Under the
	 * lock, the switches cannot change between the test and the listing.
	 */
	while (unlikely(hm_slab_lacks_dbg(c, s)) && tries++ < 2) {
		hm_unlock(&c->lock, flags);
		hm_slab_debug_alloc(c, s, HM_GFP_ATOMIC);	/* -1: goes without */
		hm_lock(&c->lock, flags);
	}
	nomem = unlikely(tries) && hm_slab_lacks_dbg(c, s);
	hm_slab_debug_adopt(cc, s);	/* before any free can reach the slab */
	/* records of a chunk got just before tracking went off */
	late = hm_slab_track_unseen(c, s);
	s->all_next = c->all;
	if (c->all)
		c->all->all_prev = s;
	c->all = s;
	c->nslabs++;
	c->slabs_created++;
	hm_unlock(&c->lock, flags);
	if (unlikely(late))
		hm_track_free(c, late);
	if (unlikely(nomem))
		hm_debug_nomem(c, 1);
	hm_slabmap_set(s, true);
	cc->st.slabs_new++;
	/* a bitmap-mode context: no live bitmap */
	if (unlikely(HM_READ_ONCE(cc->adapt.on)))
		hm_adapt_own(cc, s);
	return s;
}

/**
 * hm_cctx_add_chunk() - turn @chunk into a slab of @cc and allocate
 * @cc: the caller's context (in its per-CPU section again)
 * @chunk: from hm_cache_chunk_get()
 * @ip: the allocation call site
 *
 * Return: an object, or NULL if others took the new slab meanwhile.
 */
void *hm_cctx_add_chunk(struct hm_cctx *cc, void *chunk, unsigned long ip)
{
	struct hm_slab *s = hm_cctx_link_chunk(cc, chunk);
	unsigned long slow = cc->st.alloc_slow;
	void *p;

	if (!cc->active) {
		s->list = HM_LIST_ACTIVE;
		cc->active = s;
	} else {
		s->list = HM_LIST_NONE;
		hm_slab_settle(cc, s);
	}
	p = hm_cctx_alloc_ip(cc, ip);
	/*
	 * One allocation, counted slow already: the slow path that found no
	 * slab (each mode's, and the fit policies', count before they look)
	 * sent the caller here.  Hybrid's empty magazine takes it again to
	 * refill from @chunk: not a second allocation.
	 */
	HM_WRITE_ONCE(cc->st.alloc_slow, slow);
	return p;
}

/**
 * hm_cache_free_nocctx() - free @p when the caller has no context for @c
 * @c: the cache @p is freed to
 * @s: hm_ptr_slab(@p), a live slab
 * @p: the object
 * @ip: caller, for reports
 *
 * For an adapter that could not get the caller a context (no memory for
 * one): a free must not be lost for that.  A slab the caller owns needs
 * its context, so @s is another's and the free is a remote one, with the
 * same checks; it is counted in the cache (nocctx_frees).
 */
void hm_cache_free_nocctx(struct hm_cache *c, struct hm_slab *s, void *p,
			  unsigned long ip)
{
	if (unlikely(s->cache != c)) {
		hm_report_block(c, HM_ERR_WRONG_CACHE, s, p, ip);
		return;
	}
	if (s->mode == HM_MODE_FREELIST)
		hm_freelist_free_remote(NULL, s, p, ip);
	else
		hm_bitmap_free_remote(NULL, s, p, ip);
}

/**
 * hm_cctx_alloc_bulk() - allocate @n objects into @p
 * @cc: the context
 * @n: how many
 * @p: array of @n pointers to fill
 * @ip: the bulk call's caller, the site tracking records for each object
 *
 * Return: how many were allocated from slabs already present; the adapter
 * adds chunks and calls again for the rest.
 */
unsigned int hm_cctx_alloc_bulk(struct hm_cctx *cc, unsigned int n, void **p,
				unsigned long ip)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		p[i] = hm_cctx_alloc_ip(cc, ip);
		if (!p[i])
			break;
	}
	return i;
}

/**
 * hm_cctx_free_bulk() - free @n objects of the cache of @cc
 * @cc: the context
 * @n: how many
 * @p: the objects; NULL entries are skipped
 * @ip: caller, for reports
 *
 * Return: how many were freed (refused ones are reported, not counted).
 */
unsigned int hm_cctx_free_bulk(struct hm_cctx *cc, unsigned int n, void **p,
			       unsigned long ip)
{
	unsigned int i, done = 0;

	for (i = 0; i < n; i++) {
		struct hm_slab *s;
		unsigned long before = cc->st.frees;

		if (!p[i])
			continue;
		s = hm_ptr_to_slab(p[i]);
		if (!s) {
			hm_free_other(p[i], ip);
			continue;
		}
		hm_cctx_free(cc, s, p[i], ip);
		done += cc->st.frees != before;
	}
	return done;
}

/**
 * hm_cache_trim_reserves() - take every context's empty reserve slab
 * @c: the cache
 * @released: set to those of them that went back to the platform at once
 *            (the pool full); the others are in the pool
 *
 * For a trim from one thread: the reserves of the others, which keep
 * them until their next slow path, go to the pool (hm_cache_shrink()
 * gives it back).  Race-free against owners that run meanwhile: each
 * slab is taken with the exchange their slow paths make too
 * (hm_cctx_reserve_take()), and the cache lock keeps the registry.
 * Nothing else of another context is touched: its magazine and active
 * slab are its fast paths' own.
 *
 * Return: the reserves taken: exactly those this call took from their
 * contexts, an owner that took its own meanwhile keeping it.
 */
unsigned long hm_cache_trim_reserves(struct hm_cache *c, unsigned long *released)
{
	struct hm_slab *s, *taken = NULL;
	unsigned long n = 0, flags;
	struct hm_cctx *cc;

	*released = 0;
	if (!hm_atomic_read(&c->nreserve))
		return 0;
	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next) {
		s = hm_cctx_reserve_take(cc);
		if (s) {
			s->next = taken;
			taken = s;
		}
	}
	hm_unlock(&c->lock, flags);
	while (taken) {
		s = taken;
		taken = s->next;
		s->next = NULL;
		*released += hm_slab_to_pool(c, s);
		n++;
	}
	return n;
}

/**
 * hm_cache_shrink() - give empty slabs back to the platform
 * @c: the cache
 *
 * Releases the pool and the empty slabs of abandoned contexts, collecting
 * their remote frees first.  Safe while other contexts allocate.
 *
 * Return: slabs released.
 */
unsigned long hm_cache_shrink(struct hm_cache *c)
{
	unsigned long n = 0, flags;
	unsigned int rounds = 0;
	struct hm_cctx *cc;
	struct hm_slab *s;

	/*
	 * Abandoned contexts may have slabs that remote frees emptied since
	 * their thread exited.  Adoption needs the cache lock, so a context
	 * taken off the registry's abandoned state here is ours alone.
	 */
	while (rounds++ < 4096) {	/* bounded: contexts may come and go */
		hm_lock(&c->lock, flags);
		for (cc = c->cctxs; cc; cc = cc->next)
			if (cc->abandoned && !cc->reaped)
				break;
		if (cc)
			cc->abandoned = false;
		hm_unlock(&c->lock, flags);
		if (!cc)
			break;
		n += hm_cctx_flush(cc);
		hm_lock(&c->lock, flags);
		cc->abandoned = true;
		cc->reaped = true;	/* once per shrink */
		hm_unlock(&c->lock, flags);
	}
	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next)
		cc->reaped = false;
	hm_unlock(&c->lock, flags);

	for (;;) {
		struct hm_slab **pp;

		hm_lock(&c->lock, flags);
		/* not a slab a remote freer is still reading (see inflight) */
		for (pp = &c->pool; *pp && hm_atomic_read(&(*pp)->inflight);
		     pp = &(*pp)->next)
			;
		s = *pp;
		if (s) {
			*pp = s->next;
			HM_WRITE_ONCE(c->npool, c->npool - 1);
		}
		hm_unlock(&c->lock, flags);
		if (!s)
			break;
		s->list = HM_LIST_NONE;
		hm_slab_release(c, s);
		n++;
	}
	return n;
}

/* Count the objects of @s that are neither free nor cached. */
static unsigned int hm_slab_live(const struct hm_slab *s)
{
	unsigned int i, live = 0;

	if (s->mode == HM_MODE_FREELIST)
		return s->used;
	for (i = 0; i < s->nwords; i++)
		live += hm_popcount(s->live_bits ? s->live_bits[i] :
				    ~s->free_bits[i]);
	if (!s->live_bits && s->nblocks % HM_BPL)
		live -= HM_BPL - s->nblocks % HM_BPL;
	return live;
}

/**
 * hm_core_cache_destroy() - destroy a cache nobody uses any more
 * @c: the cache; no context may allocate or free concurrently
 *
 * Slabs that still hold live objects are reported (one line each, and
 * HM_ERR_LEAK) and kept: their memory is never freed under the objects,
 * and a later free of one of them is refused as HM_ERR_DESTROYED.
 *
 * Return: the number of live objects found.
 */
unsigned long hm_core_cache_destroy(struct hm_cache *c)
{
	unsigned long leaked = 0;
	struct hm_cctx *cc, *next;
	struct hm_slab *s, *snext;

	if (!c)
		return 0;
	for (cc = c->cctxs; cc; cc = cc->next) {
		hm_cctx_flush(cc);
		if (cc->active) {
			hm_slab_collect(cc->active);
			cc->active->list = HM_LIST_NONE;
			cc->active = NULL;
		}
	}
	for (s = c->all; s; s = snext) {
		unsigned int live;

		snext = s->all_next;
		hm_slab_collect(s);
		live = hm_slab_live(s);
		if (!live) {
			hm_slabmap_set(s, false);
			HM_WRITE_ONCE(s->magic, 0);	/* a kept chunk: no slab */
			hm_slab_debug_free(c, s);
			hm_plat_mark_alloc(s->blocks, (size_t)c->nblocks * c->size);
			hm_plat_chunk_free(s, HM_SLAB_SIZE);
			continue;
		}
		leaked += live;
		hm_report_leak(c, s, live);
		hm_slab_debug_free(c, s);	/* an orphan is never used again */
		s->magic = HM_MAGIC_ORPHAN;
		s->cache = NULL;
		hm_slab_set_owner(s, NULL);
	}
	for (cc = c->cctxs; cc; cc = next) {
		next = cc->next;
		if (cc->dynamic)
			hm_plat_meta_free(cc, hm_cctx_size(c));
	}
	if (c->sites)
		hm_plat_meta_free(c->sites, HM_SITES * sizeof(*c->sites));
	if (c->debug)
		hm_plat_debug_ref(-1);
	hm_learn_destroy(c);
	/* after the last report: what its rate limits held back, said */
	hm_plat_ratelimit_exit(c);
	hm_plat_meta_free(c, HM_CACHE_BYTES);
	return leaked;
}
