// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_debug.c - run-time switches, poisoning with quarantine, per-block
 * tracking and the call-site profile (see hm_debug.h).
 */
#include "hm_debug.h"
#include "hm_cache.h"
#include "hm_report.h"
#include "hm_fit.h"
#include "hm_adapt.h"

#define HM_DUMP_BYTES	32	/* bytes shown around a poison hit */

static struct hm_slab_dbg *hm_dbg(const struct hm_slab *s)
{
	return (struct hm_slab_dbg *)hm_atomic_read(&s->dbg);
}

/* Link word a mode keeps inside free blocks: never poisoned, never checked. */
static unsigned int hm_link_bytes(const struct hm_cache *c)
{
	if (c->mode == HM_MODE_FREELIST)
		return sizeof(void *);
	return c->mode == HM_MODE_HYBRID ? HM_MAG_LINK : 0;
}

/**
 * hm_slab_debug_alloc() - give @s the per-slab debug memory @c needs now
 * @c: the cache
 * @s: one of its slabs, or a chunk not yet initialised (see hm_slab_init())
 * @gfp: allocation flags
 *
 * Return: 0, or -1 when memory could not be had (the slab then goes
 * unchecked and untracked; nothing else changes).
 */
int hm_slab_debug_alloc(struct hm_cache *c, struct hm_slab *s, hm_gfp_t gfp)
{
	struct hm_slab_dbg *d = hm_dbg(s);
	size_t tbytes = (size_t)c->nblocks * sizeof(struct hm_track);
	struct hm_track *t;

	if (!d) {
		d = hm_plat_meta_alloc(sizeof(*d) + c->nwords * sizeof(hm_atomic_t), gfp);
		if (!d)
			return -1;
		d->poisoned = (hm_atomic_t *)(d + 1);
		d->poison_gen = HM_READ_ONCE(c->debug_gen);
		hm_atomic_set(&s->dbg, (unsigned long)d);	/* publish */
	}
	if ((HM_READ_ONCE(c->debug) & HM_DBG_TRACK) && !hm_atomic_read(&d->track)) {
		t = hm_plat_meta_alloc(tbytes, gfp);
		if (!t)
			return -1;
		hm_atomic_set(&d->track, (unsigned long)t);
	}
	return 0;
}

/* @s is released or its cache destroyed: nobody uses its debug memory. */
void hm_slab_debug_free(struct hm_cache *c, struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);
	void *t;

	if (!d)
		return;
	t = (void *)hm_atomic_read(&d->track);
	if (t)
		hm_plat_meta_free(t, (size_t)c->nblocks * sizeof(struct hm_track));
	hm_plat_meta_free(d, sizeof(*d) + c->nwords * sizeof(hm_atomic_t));
	hm_atomic_set(&s->dbg, 0);
}

/* The first slab of @c without the debug memory it needs, or NULL. */
static struct hm_slab *hm_slab_needing_dbg(struct hm_cache *c, struct hm_slab *after)
{
	struct hm_slab *s;
	unsigned long flags;

	hm_lock(&c->lock, flags);
	for (s = c->all; s; s = s->all_next) {
		struct hm_slab_dbg *d = hm_dbg(s);

		if (after) {		/* resume where we gave up on one */
			if (s == after)
				after = NULL;
			continue;
		}
		if (!d || ((c->debug & HM_DBG_TRACK) && !hm_atomic_read(&d->track)))
			break;
	}
	hm_unlock(&c->lock, flags);
	return s;
}

/*
 * Debug memory for a slab found under the lock is allocated without it;
 * the slab may go away meanwhile, so it is attached only if still listed.
 */
static void hm_cache_debug_slabs(struct hm_cache *c, hm_gfp_t gfp)
{
	struct hm_slab *s, *failed = NULL;
	unsigned int rounds = 0;

	while ((s = hm_slab_needing_dbg(c, failed)) && rounds++ < 1000000) {
		struct hm_slab tmp;
		struct hm_slab *it;
		unsigned long flags;
		bool listed = false;

		hm_memset(&tmp, 0, sizeof(tmp));
		hm_atomic_set(&tmp.dbg, hm_atomic_read(&s->dbg));
		if (hm_slab_debug_alloc(c, &tmp, gfp)) {
			failed = s;
			continue;
		}
		hm_lock(&c->lock, flags);
		for (it = c->all; it; it = it->all_next)
			listed |= it == s;
		if (listed)
			hm_atomic_set(&s->dbg, hm_atomic_read(&tmp.dbg));
		hm_unlock(&c->lock, flags);
		if (!listed)
			hm_slab_debug_free(c, &tmp);
	}
}

/**
 * hm_cache_set_debug() - switch poisoning, tracking and checks of @c
 * @c: the cache
 * @flags: the new set of HM_DBG_* switches (0: all off)
 * @gfp: how to allocate the debug memory (may sleep: process context)
 *
 * Safe while other contexts allocate and free.  Callers serialize changes
 * of switches (the kernel adapter holds its cache mutex): the platform's
 * count of caches with a switch on must not go below zero.
 *
 * Return: 0, or -1 for unknown flags (nothing changed).
 */
int hm_cache_set_debug(struct hm_cache *c, unsigned int flags, hm_gfp_t gfp)
{
	unsigned int newly = flags & ~HM_READ_ONCE(c->debug);
	struct hm_site *sites = NULL;
	unsigned long lflags;
	struct hm_cctx *cc;
	int ref;

	if (flags & ~HM_DBG_ALL)
		return -1;
	if ((flags & HM_DBG_TRACK) && !c->sites)
		sites = hm_plat_meta_alloc(HM_SITES * sizeof(*sites), gfp);
	hm_lock(&c->lock, lflags);
	if (sites && !c->sites) {
		HM_WRITE_ONCE(c->sites, sites);
		sites = NULL;
	}
	if (newly & (HM_DBG_POISON | HM_DBG_TRACK))
		HM_WRITE_ONCE(c->debug_gen, c->debug_gen + 1);
	ref = (flags != 0) - (c->debug != 0);
	HM_WRITE_ONCE(c->debug, flags);
	for (cc = c->cctxs; cc; cc = cc->next) {
		HM_WRITE_ONCE(cc->checks, !!((c->flags & HM_CACHE_CHECKS) ||
					     (flags & HM_DBG_CHECKS)));
		HM_WRITE_ONCE(cc->debug, (u8)flags);
		HM_WRITE_ONCE(cc->route, hm_cctx_route(cc, c, flags));
	}
	hm_unlock(&c->lock, lflags);
	if (sites)
		hm_plat_meta_free(sites, HM_SITES * sizeof(*sites));
	if (flags & (HM_DBG_POISON | HM_DBG_TRACK | HM_DBG_FLAG_XOWNER))
		hm_cache_debug_slabs(c, gfp);
	if (ref)	/* the kernel's static key counts caches with a switch on */
		hm_plat_debug_ref(ref);
	return 0;
}

/**
 * hm_debug_parse() - switches from text such as "poison=1 track=0"
 * @str: space- or comma-separated NAME=0|1 (poison, track, xowner,
 *	 checks, all), or "off"; a trailing newline is fine
 * @cur: the switches now
 * @ok: set to false when @str has anything else
 *
 * Return: the new switches (@cur when !*ok).
 */
unsigned int hm_debug_parse(const char *str, unsigned int cur, bool *ok)
{
	static const struct { const char *name; unsigned int flag; } names[] = {
		{ "poison", HM_DBG_POISON }, { "track", HM_DBG_TRACK },
		{ "xowner", HM_DBG_FLAG_XOWNER }, { "checks", HM_DBG_CHECKS },
		{ "all", HM_DBG_ALL },
	};
	unsigned int flags = cur, i, words = 0;
	const char *p = str;

	*ok = false;
	while (*p) {
		const char *w = p;
		unsigned int len = 0;

		while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ' && *p != ',' && *p != '\t' && *p != '\n')
			p++, len++;
		if (len == 3 && w[0] == 'o' && w[1] == 'f' && w[2] == 'f') {
			flags = 0;
			words++;
			continue;
		}
		for (i = 0; i < HM_ARRAY_SIZE(names); i++) {
			unsigned int n = 0;

			while (names[i].name[n] && n < len && w[n] == names[i].name[n])
				n++;
			if (names[i].name[n] || n + 2 != len || w[n] != '=' ||
			    (w[n + 1] != '0' && w[n + 1] != '1'))
				continue;
			if (w[n + 1] == '1')
				flags |= names[i].flag;
			else
				flags &= ~names[i].flag;
			break;
		}
		if (i == HM_ARRAY_SIZE(names))
			return cur;
		words++;
	}
	*ok = words > 0;
	return *ok ? flags : cur;
}

/* A new switch generation: poisoned bits of the old one mean nothing. */
static void hm_dbg_reset_gen(struct hm_cache *c, struct hm_slab_dbg *d, u32 gen)
{
	unsigned int i;

	for (i = 0; i < c->nwords; i++)
		hm_atomic_set(&d->poisoned[i], 0);
	HM_WRITE_ONCE(d->poison_gen, gen);
}

static __always_inline void hm_dbg_sync_gen(struct hm_cache *c, struct hm_slab_dbg *d)
{
	u32 gen = HM_READ_ONCE(c->debug_gen);

	if (unlikely(HM_READ_ONCE(d->poison_gen) != gen))
		hm_dbg_reset_gen(c, d, gen);
}

static struct hm_site *hm_site_get(struct hm_cache *c, unsigned long ip)
{
	struct hm_site *sites = HM_READ_ONCE(c->sites);
	unsigned int i, h;

	if (!sites || !ip)
		return NULL;
	h = (unsigned int)((ip >> 2) * 2654435761UL) % HM_SITES;
	for (i = 0; i < HM_SITES; i++) {
		struct hm_site *e = &sites[(h + i) % HM_SITES];
		unsigned long cur = hm_atomic_read(&e->site);

		if (cur == ip)
			return e;
		if (!cur && hm_atomic_try_cmpxchg(&e->site, &cur, ip))
			return e;
		if (cur == ip)
			return e;
	}
	return NULL;	/* table full: the site is not profiled */
}

/*
 * Where the poison of @p (size @n, link bytes @skip) was overwritten:
 * a word at a time (blocks and link are multiples of 8 bytes), then the
 * byte within the first bad word.
 */
static long hm_poison_bad(const unsigned char *p, unsigned int n, unsigned int skip)
{
	const unsigned long pattern = ~0UL / 0xff * HM_POISON_FREE;
	const unsigned long *w = (const unsigned long *)(p + skip);
	unsigned long diff = 0;
	unsigned int i, words = (n - skip) / sizeof(long);

	/* no branch per word, four words a round: 4 instructions a word, not 7 */
	for (i = 0; i + 4 <= words; i += 4)
		diff |= (w[i] ^ pattern) | (w[i + 1] ^ pattern) |
			(w[i + 2] ^ pattern) | (w[i + 3] ^ pattern);
	for (; i < words; i++)
		diff |= w[i] ^ pattern;
	if (!diff)
		return -1;
	for (i = skip; i < n; i++)
		if (p[i] != HM_POISON_FREE)
			return i;
	return -1;
}

static void hm_report_uaf(struct hm_cctx *cc, struct hm_slab *s, unsigned int idx,
			  const unsigned char *p, long off, unsigned long ip)
{
	struct hm_cache *c = cc->cache;
	const struct hm_track *t = hm_debug_track(s, idx);
	unsigned int from = (unsigned int)off & ~15U, i, k;

	hm_atomic_fetch_add(&hm_errors_total[HM_ERR_USE_AFTER_FREE], 1);
	hm_atomic_fetch_add(&c->errors[HM_ERR_USE_AFTER_FREE], 1);
	if (t && !t->site)
		t = NULL;
	hm_report_log(c, HM_ERR_USE_AFTER_FREE, p, ip, t);
	if (hm_plat_error_hook(HM_ERR_USE_AFTER_FREE))
		return;
	hm_plat_err("BUG %s: write after free: block %p (slab %p, %u bytes): byte %ld is 0x%02x, not 0x%02x\n",
		    c->name, (const void *)p, (void *)s, c->obj_size, off, p[off],
		    HM_POISON_FREE);
	if (t)
		hm_plat_err("INFO: last allocated at " HM_SYM_FMT " by %u\n",
			    (void *)t->site, t->owner);
	if (t && t->free_site)
		hm_plat_err("INFO: last freed at " HM_SYM_FMT " by %u\n",
			    (void *)t->free_site, t->free_owner);
	for (i = from; i < from + HM_DUMP_BYTES && i < c->size; i += 16) {
		char line[16 * 3 + 1];

		for (k = 0; k < 16 && i + k < c->size; k++)
			hm_snprintf(line + 3 * k, 4, "%02x ", p[i + k]);
		line[3 * k] = '\0';
		hm_plat_err("Object %p: %s\n", (const void *)(p + i), line);
	}
	hm_plat_err("FIX %s: block %p quarantined, not handed out again\n",
		    c->name, (const void *)p);
}

/**
 * hm_debug_on_alloc() - checks and records of an allocation, switches on
 * @cc: the allocating context
 * @p: the block the mode just handed out
 * @ip: the caller
 *
 * A block whose poison was overwritten is reported and quarantined (it
 * stays allocated, counted in c->quarantined, and is never handed out);
 * another block is taken instead.
 *
 * Return: the block to hand out, or NULL when the context needs a chunk.
 */
void *hm_debug_on_alloc(struct hm_cctx *cc, void *p, unsigned long ip)
{
	struct hm_cache *c = cc->cache;
	unsigned int sw = HM_READ_ONCE(cc->debug);

	while (p) {
		struct hm_slab *s = hm_ptr_slab(p);
		struct hm_slab_dbg *d = hm_dbg(s);
		unsigned int idx = hm_block_index(c, s, p);
		unsigned long bit = 1UL << (idx % HM_BPL);
		struct hm_track *t;

		if (!d)
			return p;
		if (sw & HM_DBG_POISON) {
			hm_dbg_sync_gen(c, d);
			if (hm_atomic_fetch_and(&d->poisoned[idx / HM_BPL], ~bit) & bit) {
				long off = hm_poison_bad(p, c->size, hm_link_bytes(c));

				if (off >= 0) {
					hm_report_uaf(cc, s, idx, p, off, ip);
					hm_atomic_fetch_add(&c->quarantined, 1);
					p = hm_cctx_alloc_raw(cc);
					continue;
				}
			}
		}
		t = (struct hm_track *)hm_atomic_read(&d->track);
		if ((sw & HM_DBG_TRACK) && t) {
			struct hm_site *site;

			/* loops allocate from one site: skip the hash then */
			if (cc->site_ip != ip || !cc->site) {
				cc->site = hm_site_get(c, ip);
				cc->site_ip = ip;
			}
			site = cc->site;

			t += idx;
			t->site = ip;
			t->when_ns = hm_plat_now_ns();
			t->owner = HM_READ_ONCE(cc->ctx_id);
			t->gen = HM_READ_ONCE(c->debug_gen);
			t->prof = site;
			t->free_site = 0;
			if (site) {
				hm_atomic_fetch_add(&site->allocs, 1);
				hm_atomic_fetch_add(&site->live, 1);
			}
		}
		return p;
	}
	return NULL;
}

/**
 * hm_debug_on_free() - records and poisoning of a free, switches on
 * @cc: the freeing context, or NULL for a caller without one (then the
 *      cache's switches and the caller's hm_plat_ctx_id() are used)
 * @s: the block's slab
 * @p: the block, already checked to be a live block of @s
 * @ip: the caller
 */
void hm_debug_on_free(struct hm_cctx *cc, struct hm_slab *s, void *p,
		      unsigned long ip)
{
	struct hm_cache *c = s->cache;
	struct hm_slab_dbg *d = hm_dbg(s);
	unsigned int sw = cc ? HM_READ_ONCE(cc->debug) : HM_READ_ONCE(c->debug);
	u32 me = cc ? HM_READ_ONCE(cc->ctx_id) : hm_plat_ctx_id();
	unsigned int idx = hm_block_index(c, s, p);
	struct hm_track *t;

	if (!d)
		return;
	t = (struct hm_track *)hm_atomic_read(&d->track);
	if (t && t[idx].site && !t[idx].free_site &&
	    t[idx].gen == HM_READ_ONCE(c->debug_gen)) {
		/* the entry found at allocation: no second hash lookup */
		struct hm_site *site = t[idx].prof;

		if (site)
			hm_atomic_fetch_add(&site->live, (unsigned long)-1);
		if (t[idx].owner != me) {
			hm_atomic_fetch_add(&c->xowner_frees, 1);
			if (sw & HM_DBG_FLAG_XOWNER)
				hm_report(c, HM_ERR_XOWNER, p, ip);
		}
		/* freed: kept for reports, not counted */
		t[idx].free_site = ip;
		t[idx].free_ns = hm_plat_now_ns();
		t[idx].free_owner = me;
	}
	if (sw & HM_DBG_POISON) {
		hm_dbg_sync_gen(c, d);
		hm_plat_mark_alloc(p, c->size);
		hm_memset(p, HM_POISON_FREE, c->size);
		hm_atomic_fetch_or(&d->poisoned[idx / HM_BPL], 1UL << (idx % HM_BPL));
	}
}

/* The tracking record of block @idx of @s, or NULL. */
const struct hm_track *hm_debug_track(const struct hm_slab *s, unsigned int idx)
{
	struct hm_slab_dbg *d = hm_dbg(s);
	const struct hm_track *t;

	if (!d)
		return NULL;
	t = (const struct hm_track *)hm_atomic_read(&d->track);
	return t ? &t[idx] : NULL;
}

/**
 * hm_report_double_free() - report a double free of block @p of @s
 * @c: its cache
 * @s: its slab
 * @p: a block start of @s
 * @ip: the caller
 *
 * With tracking on, the report names the allocation and the first free.
 */
void hm_report_double_free(struct hm_cache *c, struct hm_slab *s, const void *p,
			   unsigned long ip)
{
	const struct hm_track *t = hm_debug_track(s, hm_block_index(c, s, p));

	/* a record from before the switch last went on describes another life */
	if (t && (!(HM_READ_ONCE(c->debug) & HM_DBG_TRACK) ||
		  t->gen != HM_READ_ONCE(c->debug_gen)))
		t = NULL;
	hm_report_track(c, HM_ERR_DOUBLE_FREE, p, ip, t);
}

/*
 * Out of line: allocation while a switch or a fit policy is on, or a mode
 * switch is due (cc->route).
 */
void *hm_cctx_alloc_debug(struct hm_cctx *cc, unsigned long ip)
{
	void *p;

	if (HM_READ_ONCE(cc->route) == HM_ROUTE_ADAPT) {	/* a mode switch first */
		hm_adapt_switch(cc);
		return hm_cctx_alloc_ip(cc, ip);
	}
	if (HM_READ_ONCE(cc->route) == HM_ROUTE_FIT)	/* no switch on */
		p = hm_fit_alloc(cc);
	else
		p = hm_debug_on_alloc(cc, hm_fit_alloc_raw(cc), ip);
	if (p)
		hm_plat_obj_alloc(p, cc->cache->obj_size);
	return p;
}

/*
 * Out of line: a local free while a switch or a fit policy is on, or a
 * mode switch is due (cc->route).
 */
void hm_cctx_free_local_debug(struct hm_cctx *cc, struct hm_slab *s, void *p,
			      unsigned long ip)
{
	if (HM_READ_ONCE(cc->route) == HM_ROUTE_ADAPT) {	/* a mode switch first */
		hm_adapt_switch(cc);
		hm_cctx_free_local(cc, s, p, ip);
		return;
	}
	switch (cc->mode) {
	case HM_MODE_HYBRID:
		hm_hybrid_free_local(cc, s, p, ip, true);
		return;
	case HM_MODE_BITMAP:
		/* HM_ROUTE_FIT: a fit policy, every debug switch off */
		if (HM_READ_ONCE(cc->route) == HM_ROUTE_FIT)
			hm_bitmap_free_local(cc, s, p, ip, false);
		else
			hm_bitmap_free_local(cc, s, p, ip, true);
		cc->fit.last = (unsigned long)p;	/* the near policy's hint */
		return;
	default:
		hm_freelist_free_local(cc, s, p, ip, true);
	}
}
