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
#define HM_DUMP_LINE	96	/* room for one line of them: "Object <addr>: <hex>" */
#define HM_INFO_LINE	192	/* room for "INFO: last freed at <symbol> by <ctx>" */

/*
 * struct hm_slab_dbg with its three bitmaps, five in the freelist mode,
 * for a slab of @nwords bitmap words (a slab knows it, after its cache is
 * gone)
 */
static size_t hm_dbg_bytes(bool freelist, unsigned int nwords)
{
	return sizeof(struct hm_slab_dbg) + nwords * sizeof(unsigned long) +
	       (freelist ? 2 : 1) * nwords * (sizeof(unsigned long) + sizeof(hm_atomic_t));
}

static size_t hm_slab_dbg_bytes(const struct hm_cache *c)
{
	return hm_dbg_bytes(c->mode == HM_MODE_FREELIST, c->nwords);
}

/* Does @c need per-slab debug memory?  A switch, or checks in the freelist mode */
bool hm_cache_needs_dbg(const struct hm_cache *c)
{
	return hm_debug_on(HM_READ_ONCE(c->debug)) ||
	       (c->mode == HM_MODE_FREELIST && hm_cache_checks_on(c));
}

/* The bytes of a slab's tracking records. */
static size_t hm_track_bytes(const struct hm_cache *c)
{
	return (size_t)c->nblocks * sizeof(struct hm_track);
}

/* Does debug memory @d lack the tracking records its cache's switches want? */
static bool hm_dbg_wants_track(const struct hm_cache *c, struct hm_slab_dbg *d)
{
	return (HM_READ_ONCE(c->debug) & HM_DBG_TRACK) && !hm_atomic_read(&d->track);
}

/* Records @t for @d, counted in track_bytes. */
static void hm_track_attach(struct hm_cache *c, struct hm_slab_dbg *d, void *t)
{
	hm_atomic_fetch_add(&c->track_bytes, hm_track_bytes(c));
	hm_atomic_set(&d->track, (unsigned long)t);	/* publish */
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
	struct hm_track *t;

	if (!d) {
		d = hm_plat_meta_alloc(hm_slab_dbg_bytes(c), gfp);
		if (!d)
			return -1;
		d->rpoisoned = (hm_atomic_t *)(hm_dbg_poisoned(d) + c->nwords);
		if (c->mode == HM_MODE_FREELIST) {
			/* exact from the slab's next (re)build: hm_fl_state_build() */
			d->fl_free = hm_dbg_quarantine_bits(d, c->nwords) + c->nwords;
			d->fl_remote = (hm_atomic_t *)(d->fl_free + c->nwords);
		}
		d->poison_gen = HM_READ_ONCE(c->poison_gen);
		hm_atomic_set(&s->dbg, (unsigned long)d);	/* publish */
	}
	if (hm_dbg_wants_track(c, d)) {
		t = hm_plat_meta_alloc(hm_track_bytes(c), gfp);
		if (!t)
			return -1;
		hm_track_attach(c, d, t);
	}
	return 0;
}

/* @t, tracking records of a slab of @c, once no reader can have them */
void hm_track_free(struct hm_cache *c, void *t)
{
	hm_plat_meta_free(t, hm_track_bytes(c));
	hm_atomic_fetch_add(&c->track_bytes, -(unsigned long)hm_track_bytes(c));
}

/**
 * hm_slab_track_unseen() - records of a slab being listed, tracking off
 * @c: the cache, whose lock the caller holds
 * @s: a slab not yet listed nor in the slab map (hm_cctx_link_chunk())
 *
 * Its chunk got records while tracking was on (hm_cache_chunk_get()),
 * and tracking went off meanwhile: the switch's retire did not see the
 * slab, and nobody can read the records yet.
 *
 * Return: the records, detached, for hm_track_free() once the lock is
 * dropped; NULL when there are none or tracking is on.
 */
void *hm_slab_track_unseen(struct hm_cache *c, struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	if (!d || (c->debug & HM_DBG_TRACK))
		return NULL;
	return (void *)hm_atomic_xchg(&d->track, 0);
}

/*
 * @s is being released: its debug memory, still attached, no longer
 * counts in @c; hm_slab_debug_drop() frees it once no stale pointer's
 * reader can have it.
 */
void hm_slab_debug_retire(struct hm_cache *c, struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	if (d && hm_atomic_read(&d->track))
		hm_atomic_fetch_add(&c->track_bytes, -(unsigned long)hm_track_bytes(c));
}

/* @s's debug memory @d and its records, for @nblocks blocks, freed */
static void hm_dbg_free(struct hm_slab *s, struct hm_slab_dbg *d, bool freelist,
			unsigned int nblocks, unsigned int nwords)
{
	void *t = (void *)hm_atomic_read(&d->track);

	if (t)
		hm_plat_meta_free(t, (size_t)nblocks * sizeof(struct hm_track));
	hm_plat_meta_free(d, hm_dbg_bytes(freelist, nwords));
	hm_atomic_set(&s->dbg, 0);
}

/* ... and gone, with its cache perhaps: sizes from the slab's own header */
void hm_slab_debug_drop(struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	if (d)
		hm_dbg_free(s, d, s->mode == HM_MODE_FREELIST, s->nblocks, s->nwords);
}

/**
 * hm_slab_debug_adopt() - @cc takes @s, a new slab or another context's
 * @cc: the new owner
 * @s: the slab, all free (new, or from the pool)
 *
 * What the slab's debug memory says was written by the cache's switches
 * (a new slab's, the pool's rebuild) or the last owner's: true for a
 * context whose switches are as those were.  @cc's may not be, yet:
 * hm_cache_set_debug() updates contexts one after the other, and @cc's plain
 * route would leave the marks and the free-state bits as they are.
 * Unless @cc may keep poisoned marks in the slab's generation
 * (hm_dbg_view_poisons()), they go: generation 0 is no period's, so its
 * first check resets them and remote frees leave blocks unfilled
 * meanwhile.  Unless @cc's freelist checks are on, the exact free state
 * goes too (checks generation 0: none), or its allocations would not
 * clear the bits a remote free checks (hm_fl_remote_double()).
 */
void hm_slab_debug_adopt(struct hm_cctx *cc, struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	if (!d)
		return;
	if (!hm_dbg_view_poisons(cc, d))
		HM_WRITE_ONCE(d->poison_gen, 0);
	if (d->fl_free && !HM_READ_ONCE(cc->checks))
		HM_WRITE_ONCE(d->checks_gen, 0);
}

/* @s's cache is destroyed, or @s is a stand-in: nobody uses its debug memory. */
void hm_slab_debug_free(struct hm_cache *c, struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	if (!d)
		return;
	hm_slab_debug_retire(c, s);
	hm_dbg_free(s, d, c->mode == HM_MODE_FREELIST, c->nblocks, c->nwords);
}

/**
 * hm_slab_lacks_dbg() - does @s lack debug memory the switches of @c need?
 * @c: the cache, whose lock the caller holds (the switches cannot change)
 * @s: one of its slabs, or one about to be listed (hm_cctx_link_chunk())
 *
 * Return: true when @s has no debug memory and @c needs some, or has no
 * tracking records and @c tracks.
 */
bool hm_slab_lacks_dbg(struct hm_cache *c, const struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_dbg(s);

	return d ? hm_dbg_wants_track(c, d) : hm_cache_needs_dbg(c);
}

/**
 * hm_debug_nomem() - @n slabs of @c went without the debug memory they need
 * @c: the cache
 * @n: how many (the allocations failed)
 *
 * Counted per attempt: a slab that a later switch fails to give it to
 * again counts again (the count says how often, not how many lack it).
 *
 * Their blocks go unpoisoned and untracked, which would otherwise be
 * silent: counted (debug_nomem in the debug counts) and said, through the
 * cache's rate limit.  Writing the switches again gives debug memory to
 * the slabs that still lack it (hm_cache_set_debug()).
 */
void hm_debug_nomem(struct hm_cache *c, unsigned long n)
{
	hm_atomic_fetch_add(&c->debug_nomem, n);
	if (hm_plat_err_ratelimit(c, HM_MSG_DEBUG_MEM))
		hm_plat_err("%s: no memory for the debug memory of %lu slabs: their blocks go unchecked (set the switches again to retry)\n",
			    c->name, n);
}

/*
 * The first slab of @c without the debug memory it needs, or NULL; *@has_dbg
 * says whether it lacks only its tracking records.
 */
static struct hm_slab *hm_slab_needing_dbg(struct hm_cache *c, struct hm_slab *after,
					   bool *has_dbg)
{
	struct hm_slab *s;
	unsigned long flags;

	hm_lock(&c->lock, flags);
	for (s = c->all; s; s = s->all_next) {
		if (after) {		/* resume where we gave up on one */
			if (s == after)
				after = NULL;
			continue;
		}
		if (hm_slab_lacks_dbg(c, s))
			break;
	}
	*has_dbg = s && hm_dbg(s);
	hm_unlock(&c->lock, flags);
	return s;
}

/*
 * Debug memory for a slab found under the lock is allocated without it.
 * The slab may be released meanwhile, its debug memory with it, and
 * another slab listed at its address: nothing of it is read or written
 * without the lock, and what was allocated goes to whatever slab is
 * listed there then if it still lacks it, else back.
 */
static void hm_cache_debug_slabs(struct hm_cache *c, hm_gfp_t gfp)
{
	struct hm_slab *s, *failed = NULL;
	unsigned long nomem = 0;
	unsigned int rounds = 0;
	bool has_dbg;

	while ((s = hm_slab_needing_dbg(c, failed, &has_dbg)) && rounds++ < 1000000) {
		struct hm_slab tmp;	/* a new struct hm_slab_dbg, records or not */
		struct hm_slab_dbg *d;
		unsigned long flags;
		struct hm_slab *it;
		void *t = NULL;		/* records for the one @s has */
		bool listed = false;

		hm_memset(&tmp, 0, sizeof(tmp));
		if (has_dbg)
			t = hm_plat_meta_alloc(hm_track_bytes(c), gfp);
		if (has_dbg ? !t : hm_slab_debug_alloc(c, &tmp, gfp)) {
			hm_slab_debug_free(c, &tmp);
			failed = s;
			nomem++;
			continue;
		}
		hm_lock(&c->lock, flags);
		for (it = c->all; it; it = it->all_next)
			listed |= it == s;
		d = listed ? hm_dbg(s) : NULL;
		if (!has_dbg && listed && !d) {
			hm_atomic_set(&s->dbg, hm_atomic_read(&tmp.dbg));
			hm_atomic_set(&tmp.dbg, 0);
		} else if (t && d && hm_dbg_wants_track(c, d)) {
			hm_track_attach(c, d, t);
			t = NULL;
		}
		hm_unlock(&c->lock, flags);
		hm_slab_debug_free(c, &tmp);	/* not needed any more: given back */
		if (t)
			hm_plat_meta_free(t, hm_track_bytes(c));
	}
	if (nomem)
		hm_debug_nomem(c, nomem);
}

#define HM_RETIRE_SMALL	16	/* records detached per wait, without memory for more */

/*
 * The wait for readers failed (no memory): @n detached arrays, which a
 * reader may still hold, go back to slabs that lack records, any of them
 * (tracking is off: their contents are of another period); they stay
 * until the next switch off or their slab's release.  One left over, when
 * slabs went meanwhile, cannot be freed safely: it is reported, and stays
 * counted in track_bytes.
 */
static void hm_track_unretire(struct hm_cache *c, void **batch, unsigned long n)
{
	unsigned long flags;
	struct hm_slab *s;

	hm_lock(&c->lock, flags);
	for (s = c->all; s && n; s = s->all_next) {
		struct hm_slab_dbg *d = hm_dbg(s);

		if (d && !hm_atomic_read(&d->track))
			hm_atomic_set(&d->track, (unsigned long)batch[--n]);
	}
	hm_unlock(&c->lock, flags);
	if (hm_plat_err_ratelimit(c, HM_MSG_TRACK))
		hm_plat_err("%s: tracking records kept, no memory to wait for their readers (%lu unattached)\n",
			    c->name, n);
}

/*
 * Tracking went off: give its records back.  Readers use them in brackets
 * (hm_plat_read_begin()), so they are detached under the lock, and freed
 * once every bracket open meanwhile has closed: all of them after one
 * wait (synchronize_rcu() is milliseconds), in a vector as long as the
 * cache has slabs, or HM_RETIRE_SMALL a wait without memory for it.
 * Where the platform cannot wait for readers (hm_plat_read_can_sync()),
 * the records stay until their slabs go.  Records of the generation that
 * ended are of no use: hm_track_current() and the routes look at the
 * current one only.
 */
static void hm_cache_track_retire(struct hm_cache *c, hm_gfp_t gfp)
{
	void *small[HM_RETIRE_SMALL], **batch;
	unsigned long flags, cap;
	struct hm_cctx *cc;
	struct hm_slab *s;
	unsigned long n, i;

	if (!hm_plat_read_can_sync())
		return;
	hm_lock(&c->lock, flags);
	cap = c->nslabs + 1;	/* slabs made meanwhile: another round */
	hm_unlock(&c->lock, flags);
	batch = hm_plat_meta_alloc(cap * sizeof(*batch), gfp);
	if (!batch) {
		batch = small;
		cap = HM_RETIRE_SMALL;
	}
	do {
		n = 0;
		hm_lock(&c->lock, flags);
		for (s = c->all; s && n < cap; s = s->all_next) {
			struct hm_slab_dbg *d = hm_dbg(s);

			if (d && hm_atomic_read(&d->track))
				batch[n++] = (void *)hm_atomic_xchg(&d->track, 0);
		}
		if (n) {
			/* the lock keeps the contexts; their routes take none */
			hm_unlock(&c->lock, flags);
			if (!hm_plat_read_sync()) {
				hm_track_unretire(c, batch, n);
				break;
			}
			hm_lock(&c->lock, flags);
			for (cc = c->cctxs; cc; cc = cc->next)
				hm_plat_read_sync_ctx(&cc->read_seq);
		}
		hm_unlock(&c->lock, flags);
		for (i = 0; i < n; i++)
			hm_track_free(c, batch[i]);
	} while (n == cap);
	if (batch != small)
		hm_plat_meta_free(batch, cap * sizeof(*batch));
}

/* The generation after @gen: never 0, which means "none" (hm_slab_dbg) */
static u32 hm_gen_next(u32 gen)
{
	return gen + 1 ? gen + 1 : 1;
}

/**
 * hm_cache_set_debug() - switch poisoning, tracking and checks of @c
 * @c: the cache
 * @flags: the new set of HM_DBG_* switches (0: all off)
 * @gfp: how to allocate the debug memory (may sleep: process context)
 *
 * Safe while other contexts allocate and free.  Callers serialize changes
 * of switches (the kernel adapter: hakmem_debug_mutex, or hakmem_mutex
 * for a cache not yet listed; userspace: hm_debug_lock): the platform's
 * count of caches with a switch on must not go below zero.  Tracking
 * going off gives its records back, after waiting for their readers
 * (hm_cache_track_retire()).
 *
 * Return: 0, or -1 for switches a cache cannot have (unknown flags, or
 * xowner without tracking: hm_debug_flags_valid()); nothing changed then.
 */
int hm_cache_set_debug(struct hm_cache *c, unsigned int flags, hm_gfp_t gfp)
{
	unsigned int newly = flags & ~HM_READ_ONCE(c->debug);
	bool checks = hm_cache_checks_on(c);
	struct hm_site *sites = NULL;
	unsigned long lflags;
	struct hm_cctx *cc;
	int ref;

	if (!hm_debug_flags_valid(flags))
		return -1;
	if ((flags & HM_DBG_TRACK) && !c->sites)
		sites = hm_plat_meta_alloc(HM_SITES * sizeof(*sites), gfp);
	/* callers serialize changes: c->debug cannot change under us */
	ref = (flags != 0) - (HM_READ_ONCE(c->debug) != 0);
	/* before any stamp or check: the clock is set up (userspace) */
	if (ref > 0)
		hm_plat_debug_ref(ref);
	hm_lock(&c->lock, lflags);
	if (sites && !c->sites) {
		HM_WRITE_ONCE(c->sites, sites);
		sites = NULL;
	}
	/*
	 * bits and records of an earlier period describe other lives; no
	 * period has poisoning generation 0 (hm_slab_debug_adopt())
	 */
	if (newly & HM_DBG_POISON)
		HM_WRITE_ONCE(c->poison_gen, hm_gen_next(c->poison_gen));
	if (newly & HM_DBG_TRACK)
		HM_WRITE_ONCE(c->track_gen, c->track_gen + 1);
	HM_WRITE_ONCE(c->debug, flags);
	/* freelist state bitmaps kept while checks were off mean nothing */
	if (hm_cache_checks_on(c) != checks)
		HM_WRITE_ONCE(c->checks_gen, hm_gen_next(c->checks_gen));
	for (cc = c->cctxs; cc; cc = cc->next)
		hm_cctx_switches(cc, flags);
	hm_unlock(&c->lock, lflags);
	if (sites)
		hm_plat_meta_free(sites, HM_SITES * sizeof(*sites));
	if (hm_cache_needs_dbg(c))
		hm_cache_debug_slabs(c, gfp);
	if (!(flags & HM_DBG_TRACK) && hm_atomic_read(&c->track_bytes))
		hm_cache_track_retire(c, gfp);
	/* the kernel's static key counts caches with a switch on */
	if (ref < 0)
		hm_plat_debug_ref(ref);
	return 0;
}

/**
 * hm_debug_parse() - switches from text such as "poison=1 track=0"
 * @str: NAME=0|1 words (poison, track, xowner, checks, all), or "off",
 *	 with blanks (spaces, tabs) or commas between, before and after them,
 *	 and at most one newline, the last byte
 * @cur: the switches now
 * @ok: set to false when @str has anything else, or names a switch twice
 *	("poison=1 poison=0"; "all" and "off" name every switch): a later
 *	word would silently undo an earlier one
 *
 * Only the text is checked: whether a cache can have the result (xowner
 * needs tracking) is hm_cache_set_debug()'s to say, or the caller's with
 * hm_debug_flags_valid() before it changes anything.
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
	unsigned int flags = cur, named = 0, i, words = 0;
	const char *p = str;

	*ok = false;
	while (*p) {
		const char *w = p;
		unsigned int len = 0;

		/* a newline only as the last byte: one command, one line */
		while (*p == ' ' || *p == ',' || *p == '\t' || (*p == '\n' && !p[1]))
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ' && *p != ',' && *p != '\t' && *p != '\n')
			p++, len++;
		if (len == 3 && w[0] == 'o' && w[1] == 'f' && w[2] == 'f') {
			if (named)
				return cur;
			named = HM_DBG_ALL;
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
			if (named & names[i].flag)
				return cur;
			named |= names[i].flag;
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

/*
 * A new switch generation, @gen: poisoned bits of the old one mean
 * nothing.  Only the slab's owner resets (remote frees skip poisoning
 * meanwhile), so the owner's bitmap stays its own.
 */
void hm_debug_new_gen(struct hm_cache *c, struct hm_slab_dbg *d, u32 gen)
{
	unsigned int i;

	for (i = 0; i < c->nwords; i++) {
		hm_dbg_poisoned(d)[i] = 0;
		hm_atomic_set(&d->rpoisoned[i], 0);
	}
	HM_WRITE_ONCE(d->poison_gen, gen);
}

/*
 * The entry of call site @ip in the table @sites (open addressing, entries
 * never freed), taken for it when it has none and @add.  NULL: none (the
 * table full, or @ip not there and not @add).
 */
static struct hm_site *hm_site_slot(struct hm_site *sites, unsigned long ip, bool add)
{
	unsigned int i, h;

	if (!sites || !ip)
		return NULL;
	h = (unsigned int)((ip >> 2) * 2654435761UL) % HM_SITES;
	for (i = 0; i < HM_SITES; i++) {
		struct hm_site *e = &sites[(h + i) % HM_SITES];
		unsigned long cur = hm_atomic_read(&e->site);

		if (cur == ip)
			return e;
		if (!cur && !add)
			return NULL;
		if (!cur && hm_atomic_try_cmpxchg(&e->site, &cur, ip))
			return e;
		if (cur == ip)
			return e;
	}
	return NULL;	/* table full: the site is not profiled */
}

static struct hm_site *hm_site_get(struct hm_cache *c, unsigned long ip)
{
	return hm_site_slot(HM_READ_ONCE(c->sites), ip, true);
}

/**
 * hm_site_find() - the profile entry of call site @ip in @sites, if any
 * @sites: a cache's site table (c->sites), or NULL
 * @ip: the call site
 *
 * Return: the entry, or NULL when the site has none.
 */
struct hm_site *hm_site_find(struct hm_site *sites, unsigned long ip)
{
	return hm_site_slot(sites, ip, false);
}

/*
 * The profile entry of call site @ip, remembered in @cc for the next one;
 * the counts @cc kept for its last site go to that entry first.
 */
struct hm_site *hm_debug_site(struct hm_cctx *cc, unsigned long ip)
{
	struct hm_site *old = cc->site;

	if (old)
		hm_atomic_fetch_add(&old->allocs, cc->site_allocs);
	/* without an entry (table full) the count is dropped, not carried over */
	HM_WRITE_ONCE(cc->site_allocs, 0);
	HM_WRITE_ONCE(cc->site, hm_site_get(cc->cache, ip));
	/* no entry (table full): looked up again, never matched by the try */
	cc->site_ip = cc->site ? ip : 0;
	return cc->site;
}

void hm_debug_on_free_remote(struct hm_cctx *cc, struct hm_slab *s, void *p,
			     unsigned int idx, unsigned long ip)
{
	hm_debug_on_free(cc, s, p, idx, ip, true);
}

/*
 * A free of block @p of @s that another context allocated (tracking on;
 * @sw: switches; @t: its live record, which the report names).
 */
void hm_debug_xowner(struct hm_cache *c, unsigned int sw, const struct hm_slab *s,
		     void *p, unsigned long ip, const struct hm_track *t)
{
	hm_atomic_fetch_add(&c->xowner_frees, 1);
	if (sw & HM_DBG_FLAG_XOWNER)
		hm_report_track(c, HM_ERR_XOWNER, s, p, ip, t);
}

/* Where the poison of @p (size @n, link bytes @skip) was overwritten. */
static long hm_poison_bad(const unsigned char *p, unsigned int n, unsigned int skip)
{
	unsigned int i;

	for (i = skip; i < n; i++)
		if (p[i] != HM_POISON_FREE)
			return i;
	return -1;
}

/* @t, a record of a block of @c, if it tells of the block's last life */
static const struct hm_track *hm_track_current(const struct hm_cache *c,
					       const struct hm_track *t)
{
	/* a record from before the switch last went on describes another life */
	if (!t || !t->site || !(HM_READ_ONCE(c->debug) & HM_DBG_TRACK) ||
	    t->gen != HM_READ_ONCE(c->track_gen))
		return NULL;
	return t;
}

/*
 * "Object <addr>: <16 bytes in hex>" lines of block @p around @off, into
 * @buf; @bytes holds its bytes (@p itself, or a copy).
 */
static void hm_uaf_dump(const struct hm_cache *c, const unsigned char *p,
			const unsigned char *bytes, unsigned int off, char *buf, unsigned int size)
{
	unsigned int from = off & ~15U, i, k, pos = 0;

	buf[0] = '\0';
	for (i = from; i < from + HM_DUMP_BYTES && i < c->size; i += 16) {
		pos += hm_snprintf(buf + pos, size - pos, "Object %p:", (const void *)(p + i));
		for (k = 0; k < 16 && i + k < c->size && pos < size; k++)
			pos += hm_snprintf(buf + pos, size - pos, " %02x", bytes[i + k]);
		if (pos < size)
			pos += hm_snprintf(buf + pos, size - pos, "\n");
		if (pos >= size)
			break;	/* truncated: never for HM_DUMP_LINE-sized lines */
	}
}

/*
 * SLUB's "INFO:" lines of a block's history, into @buf: where and by whom
 * it was last allocated and, once freed, freed; empty without record @t.
 */
static void hm_track_info(const struct hm_track *t, char *buf, unsigned int size)
{
	unsigned int pos;

	buf[0] = '\0';
	if (!t)
		return;
	pos = hm_snprintf(buf, size, "INFO: last allocated at " HM_SYM_FMT " by " HM_CTX_FMT "\n",
			  HM_SYM(t->site), HM_CTX(t->owner));
	if (t->free_site && pos < size)
		hm_snprintf(buf + pos, size - pos,
			    "INFO: last freed at " HM_SYM_FMT " by " HM_CTX_FMT "\n",
			    HM_SYM(t->free_site), HM_CTX(t->free_owner));
}

/*
 * SLUB's report of a poison overwritten, as one message: the block, the
 * first changed byte, the block's history when tracked, a hexdump around
 * the byte, what was done.
 */
static void hm_report_uaf(struct hm_cctx *cc, struct hm_slab *s, const unsigned char *p,
			  unsigned int off, unsigned long ip)
{
	struct hm_cache *c = cc->cache;
	char dump[HM_DUMP_BYTES / 16 * HM_DUMP_LINE], info[2 * HM_INFO_LINE];
	struct hm_track tr;
	const struct hm_track *t = hm_debug_block_track_copy(s, p, &tr);

	if (!hm_report_count(c, HM_ERR_USE_AFTER_FREE, s, p, off, ip, t))
		return;
	hm_uaf_dump(c, p, p, off, dump, sizeof(dump));
	hm_track_info(t, info, sizeof(info));
	hm_plat_err("BUG %s: write after free: block %p (slab %p, %u bytes): byte %u is 0x%02x, not 0x%02x\n"
		    "%s%sFIX %s: block %p quarantined, not handed out again\n",
		    c->name, (const void *)p, (void *)s, c->obj_size, off, p[off],
		    HM_POISON_FREE, info, dump, c->name, (const void *)p);
}

/**
 * hm_report_bad_link() - a free list of @s broke at block @p
 * @c: its cache
 * @s: the slab
 * @p: the block whose link is bad, or that a link reached but is not free
 * @link: the link found in @p
 * @e: HM_ERR_USE_AFTER_FREE for a link written after free (poisoning
 *     cannot cover a free-list block's first word), HM_ERR_CORRUPT for a
 *     list that a double free without checks made a cycle
 * @withheld: blocks taken out of use because of it
 *
 * Found at allocation or collection: there is no caller to name.  As a
 * poison hit's report, one message: the block's history when tracked
 * (for a cycle, the last free is the double one), and a hexdump of its
 * first bytes, the link among them.
 */
void hm_report_bad_link(struct hm_cache *c, const struct hm_slab *s, const void *p,
			const void *link, enum hm_error e, unsigned int withheld)
{
	char dump[HM_DUMP_BYTES / 16 * HM_DUMP_LINE], info[2 * HM_INFO_LINE];
	/* the block is free, marked so for the tools: read as its link is */
	void *words[HM_DUMP_BYTES / sizeof(void *)];
	struct hm_track tr;
	const struct hm_track *t = hm_debug_block_track_copy(s, p, &tr);
	unsigned int i;

	if (!hm_report_count(c, e, s, p, 0, 0, t))
		return;
	for (i = 0; i < HM_DUMP_BYTES / sizeof(void *) && i * sizeof(void *) < c->size; i++)
		words[i] = hm_plat_link_read((void *const *)p + i);
	hm_uaf_dump(c, p, (const unsigned char *)words, 0, dump, sizeof(dump));
	hm_track_info(t, info, sizeof(info));
	hm_plat_err("BUG %s: %s: free list of slab %p broken at block %p (link %p)\n"
		    "%s%sFIX %s: lists mended, %u blocks withheld\n",
		    c->name, e == HM_ERR_CORRUPT ? "cycle" : "write after free", (const void *)s,
		    p, link, info, dump, c->name, withheld);
}

/**
 * hm_debug_poison_hit() - block @p's poison was overwritten: report it and
 * keep it out of use
 * @cc: the allocating context
 * @s: its slab
 * @p: the block, taken from the mode
 * @ip: the caller
 *
 * The block stays allocated, counted in c->quarantined and marked in its
 * slab's quarantine bitmap, and is never handed out again: a free of it
 * is reported as a double free.
 */
void hm_debug_poison_hit(struct hm_cctx *cc, struct hm_slab *s, void *p, unsigned long ip)
{
	struct hm_cache *c = cc->cache;
	long off = hm_poison_bad(p, c->size, c->link_bytes);

	hm_report_uaf(cc, s, p, off < 0 ? 0 : (unsigned int)off, ip);
	hm_dbg_quarantine(c, hm_dbg(s), hm_block_start(c->recip, s, p));
	hm_atomic_fetch_add(&c->quarantined, 1);
}

/*
 * The tracking record of block @idx of @s, or NULL.  Used inside a bracket
 * (hm_plat_read_begin()): tracking going off retires the records.
 */
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
 * hm_debug_block_track() - the tracking record of the block @p points into
 * @s: a live slab
 * @p: a pointer into @s: a block start, or inside a block
 *
 * Context: inside a bracket (hm_plat_read_begin()), as hm_debug_track().
 * Return: the record, when tracking is on in @s's cache and the record is
 * of the block's current (or, freed, last) life; else NULL.
 */
const struct hm_track *hm_debug_block_track(const struct hm_slab *s, const void *p)
{
	const struct hm_cache *c = s->cache;
	unsigned long idx;

	if ((const char *)p < s->blocks)
		return NULL;	/* the header */
	idx = (unsigned long)((const char *)p - s->blocks) / c->size;
	if (idx >= s->nblocks)
		return NULL;	/* the slab's tail */
	return hm_track_current(c, hm_debug_track(s, (unsigned int)idx));
}

/**
 * hm_debug_block_track_copy() - hm_debug_block_track(), copied in a bracket
 * @s: a live slab
 * @p: a pointer into @s
 * @out: the copy (hm_track_snapshot()): tracking going off retires records
 *
 * Return: @out, or NULL without a record (or a thread slot for the bracket).
 */
const struct hm_track *hm_debug_block_track_copy(const struct hm_slab *s, const void *p,
						 struct hm_track *out)
{
	const struct hm_track *t = NULL;

	if (!hm_plat_read_begin())
		return NULL;
	t = hm_debug_block_track(s, p);
	if (t)
		hm_track_snapshot(out, t);
	hm_plat_read_end();
	return t ? out : NULL;
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
	hm_report_block(c, HM_ERR_DOUBLE_FREE, s, p, ip);
}

/* the full allocation of hm_cctx_alloc_debug_slow(), in its own frame */
static noinline void *hm_cctx_alloc_debug_full(struct hm_cctx *cc, unsigned long ip)
{
	u8 route = HM_READ_ONCE(cc->route);
	struct hm_slab *s;
	unsigned long idx;
	void *p;

	if (route == HM_ROUTE_ADAPT) {	/* a mode switch first */
		hm_adapt_switch(cc);
		return hm_cctx_alloc_ip(cc, ip);
	}
	if (route == HM_ROUTE_FIT) {	/* no switch on */
		p = hm_fit_alloc(cc);
		goto out;
	}
	/* hybrid, its blocks or stamps not inline: the try with calls */
	if (route == HM_ROUTE_DEBUG_CALLS &&
	    hm_hybrid_alloc_debug_try(cc, ip, &p, HM_SPAN_CALLS, HM_DBG_SW_CTX))
		goto out;
	/* a quarantined block is not handed out: take the next */
	do {
		p = hm_fit_alloc_raw(cc);
		if (!p)
			return NULL;
		s = hm_ptr_slab(p);
		idx = hm_block_index_recip(cc->recip, s, p);
	} while (unlikely(!hm_debug_on_alloc(cc, s, p, idx, ip)));
out:
	if (p)
		hm_plat_obj_alloc(p, cc->cache->obj_size);
	return p;
}

/*
 * The bitmap mode's debug route: its common case in this frame (the
 * default fit only: a policy picks its own block), the rest in the full
 * one, as a tail call
 */
static noinline void *hm_cctx_alloc_debug_bitmap(struct hm_cctx *cc, unsigned long ip)
{
	struct hm_cache *c = cc->cache;
	void *p;

	if (likely(!hm_fit_chooses(c) && hm_bitmap_alloc_debug_try(cc, ip, &p))) {
		hm_plat_obj_alloc(p, c->obj_size);
		return p;
	}
	return hm_cctx_alloc_debug_full(cc, ip);
}

/* ... the freelist mode's, likewise */
static noinline void *hm_cctx_alloc_debug_freelist(struct hm_cctx *cc, unsigned long ip)
{
	void *p;

	if (likely(hm_freelist_alloc_debug_try(cc, ip, &p))) {
		hm_plat_obj_alloc(p, cc->cache->obj_size);
		return p;
	}
	return hm_cctx_alloc_debug_full(cc, ip);
}

/**
 * hm_cctx_alloc_debug_slow() - hm_cctx_alloc_debug() but for the hybrid
 * mode's common case
 * @cc: the caller's context for the cache
 * @ip: the allocation call site
 *
 * For an adapter that ran hm_cctx_alloc_debug_try() already.  The bitmap
 * and freelist modes' common cases in frames of their own, the rest in
 * the full one.
 *
 * Return: the object, or NULL when the context needs a new chunk.
 */
void *hm_cctx_alloc_debug_slow(struct hm_cctx *cc, unsigned long ip)
{
	u8 route = HM_READ_ONCE(cc->route);

	if (route == (HM_ROUTE_DEBUG | HM_MODE_BITMAP))
		return hm_cctx_alloc_debug_bitmap(cc, ip);
	if (route == (HM_ROUTE_DEBUG | HM_MODE_FREELIST))
		return hm_cctx_alloc_debug_freelist(cc, ip);
	return hm_cctx_alloc_debug_full(cc, ip);
}

/* hm_cctx_alloc_debug() in the hybrid mode: its common case in this frame */
static noinline void *hm_cctx_alloc_debug_hybrid(struct hm_cctx *cc, unsigned long ip)
{
	void *p;

	if (likely(hm_cctx_alloc_debug_try(cc, ip, &p, HM_SPAN_ANY, HM_DBG_SW_CTX)))
		return p;
	return hm_cctx_alloc_debug_slow(cc, ip);
}

/*
 * Out of line: allocation while a switch or a fit policy is on, or a mode
 * switch is due (cc->route).  No frame of its own: the hybrid copy or the
 * rest, as a tail call.
 */
void *hm_cctx_alloc_debug(struct hm_cctx *cc, unsigned long ip)
{
	if (likely(hm_cctx_debug_hybrid(cc)))
		return hm_cctx_alloc_debug_hybrid(cc, ip);
	return hm_cctx_alloc_debug_slow(cc, ip);
}

/**
 * hm_cctx_free_debug_slow() - hm_cctx_free_local_debug() but for the
 * hybrid mode's common case
 * @cc: the caller's context, s->owner
 * @s: hm_ptr_slab(@p), a live slab
 * @p: the object
 * @ip: the caller
 *
 * For an adapter that ran hm_cctx_free_debug_try() already.
 */
noinline void hm_cctx_free_debug_slow(struct hm_cctx *cc, struct hm_slab *s, void *p,
				      unsigned long ip)
{
	u8 route = HM_READ_ONCE(cc->route);

	if (route == HM_ROUTE_ADAPT) {	/* a mode switch first */
		hm_adapt_switch(cc);
		hm_cctx_free_local(cc, s, p, ip);
		return;
	}
	switch (cc->mode) {
	case HM_MODE_HYBRID:
		/* its blocks or stamps not inline: the try with calls first */
		if (route == HM_ROUTE_DEBUG_CALLS &&
		    hm_hybrid_free_debug_try(cc, s, p, ip, HM_SPAN_CALLS, HM_DBG_SW_CTX))
			return;
		hm_hybrid_free_local(cc, s, p, ip, true);
		return;
	case HM_MODE_BITMAP:
		/* HM_ROUTE_FIT: a fit policy, every debug switch off */
		if (route == HM_ROUTE_FIT)
			hm_bitmap_free_local(cc, s, p, ip, false);
		else
			hm_bitmap_free_local(cc, s, p, ip, true);
		cc->fit.last = (unsigned long)p;	/* the near policy's hint */
		return;
	default:
		hm_freelist_free_local(cc, s, p, ip, true);
	}
}

/**
 * hm_cctx_free_debug_hybrid() - hm_cctx_free_local_debug() of a context on
 * the hybrid debug route (route HM_ROUTE_DEBUG_HYBRID): its common case in
 * this frame, the rest as a tail call
 * @cc: the caller's context, s->owner
 * @s: hm_ptr_slab(@p), a live slab
 * @p: the object
 * @ip: the caller
 */
noinline void hm_cctx_free_debug_hybrid(struct hm_cctx *cc, struct hm_slab *s,
					void *p, unsigned long ip)
{
	if (likely(hm_cctx_free_debug_try(cc, s, p, ip, HM_SPAN_ANY, HM_DBG_SW_CTX)))
		return;
	hm_cctx_free_debug_slow(cc, s, p, ip);
}

/* ... of a context on the bitmap mode's debug route, likewise */
static noinline void hm_cctx_free_debug_bitmap(struct hm_cctx *cc, struct hm_slab *s,
					       void *p, unsigned long ip)
{
	if (likely(hm_bitmap_free_debug_try(cc, s, p, ip))) {
		cc->fit.last = (unsigned long)p;	/* the near policy's hint */
		return;
	}
	hm_cctx_free_debug_slow(cc, s, p, ip);
}

/* ... of the freelist mode's, likewise */
static noinline void hm_cctx_free_debug_freelist(struct hm_cctx *cc, struct hm_slab *s,
						 void *p, unsigned long ip)
{
	if (likely(hm_freelist_free_debug_try(cc, s, p, ip)))
		return;
	hm_cctx_free_debug_slow(cc, s, p, ip);
}

/*
 * Out of line: a local free while a switch or a fit policy is on, or a
 * mode switch is due (cc->route).  No frame of its own, as above.
 */
void hm_cctx_free_local_debug(struct hm_cctx *cc, struct hm_slab *s, void *p,
			      unsigned long ip)
{
	u8 route = HM_READ_ONCE(cc->route);

	if (likely(route == HM_ROUTE_DEBUG_HYBRID))
		hm_cctx_free_debug_hybrid(cc, s, p, ip);
	else if (route == (HM_ROUTE_DEBUG | HM_MODE_BITMAP))
		hm_cctx_free_debug_bitmap(cc, s, p, ip);
	else if (route == (HM_ROUTE_DEBUG | HM_MODE_FREELIST))
		hm_cctx_free_debug_freelist(cc, s, p, ip);
	else
		hm_cctx_free_debug_slow(cc, s, p, ip);
}
