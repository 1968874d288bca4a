// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_frag.c - the per-block picture of a cache: each slab's block map
 * (allocated / cached / free / freed remotely), fragmentation figures, and
 * the call-site profile of tracking.
 *
 * The map is read while the owner may allocate: bitmaps are read word by
 * word with HM_READ_ONCE, free lists are walked with every link checked to
 * stay inside the slab and the walk bounded by the block count, so a map
 * is never unsafe, only possibly a few operations stale; it is exact when
 * the slab's owner is quiet.  Freelist slabs with checks on keep exact
 * state bitmaps beside their lists (hm_fl_state()): their maps come from
 * those; the others' are marked approximate, unless no running context
 * owns them (the pool's, an abandoned context's).  (Stopping the owner for one
 * slab, e.g. by an IPI, would not do in the kernel: task contexts run
 * under a preemption-only local lock that an interrupt does not exclude.)
 *
 * A walk of a cache's slabs holds the cache lock for one slab at a time,
 * which other contexts' slow paths need (new chunks, the pool, releases):
 * see hm_frag_walk().
 */
#include "hm_frag.h"
#include "hm_cache.h"
#include "hm_debug.h"

/* Mark the blocks of free list @head in @map with @ch. */
static void hm_map_list(struct hm_cache *c, struct hm_slab *s, char *map,
			void *head, char ch)
{
	unsigned int steps = 0;
	void *b = head;

	while (b && steps++ < s->nblocks) {
		unsigned int idx;

		if (hm_ptr_slab(b) != s)
			return;
		idx = hm_block_index(c, s, b);
		if (!hm_block_valid(c, s, b, idx))
			return;
		map[idx] = ch;
		b = hm_plat_link_read_once(b);
	}
}

/* freelist, checks on: blocks on the owner's lists, and freed remotely */
static void hm_map_fl_state(const struct hm_slab *s, const struct hm_slab_dbg *d,
			    char *map)
{
	unsigned int i;

	for (i = 0; i < s->nblocks; i++) {
		unsigned long bit = 1UL << (i % HM_BITS_PER_LONG);
		unsigned int w = i / HM_BITS_PER_LONG;

		/* a collect sets the free bit before it clears the remote one */
		if (HM_READ_ONCE(d->fl_free[w]) & bit)
			map[i] = HM_MAP_FREE;
		else if (hm_atomic_read(&d->fl_remote[w]) & bit)
			map[i] = HM_MAP_REMOTE;
	}
}

/* hm_slab_map() but the count, and whether the map is approximate */
static void hm_slab_map_read(struct hm_cache *c, struct hm_slab *s, char *map, bool *approx)
{
	unsigned int i;

	*approx = false;
	hm_memset(map, HM_MAP_LIVE, s->nblocks);
	if (s->mode == HM_MODE_FREELIST) {
		struct hm_slab_dbg *d = hm_fl_state(c, s);

		if (d) {
			hm_map_fl_state(s, d, map);
		} else {
			struct hm_cctx *owner = HM_READ_ONCE(s->owner);

			hm_map_list(c, s, map, HM_READ_ONCE(s->free), HM_MAP_FREE);
			hm_map_list(c, s, map, HM_READ_ONCE(s->local_free), HM_MAP_FREE);
			hm_map_list(c, s, map, (void *)hm_atomic_read(&s->xthread_free),
				    HM_MAP_REMOTE);
			/*
			 * Only a running owner changes the lists without the
			 * lock: the pool's slabs have none, an abandoned
			 * context's wait (adoption and reaping take the lock)
			 */
			*approx = owner && !owner->abandoned;
		}
	} else {
		unsigned long *live_bits = HM_READ_ONCE(s->live_bits);

		for (i = 0; i < s->nblocks; i++) {
			unsigned long bit = 1UL << (i % HM_BITS_PER_LONG);
			unsigned int w = i / HM_BITS_PER_LONG;

			if (HM_READ_ONCE(s->free_bits[w]) & bit)
				map[i] = HM_MAP_FREE;
			else if (hm_atomic_read(&s->remote_bits[w]) & bit)
				map[i] = HM_MAP_REMOTE;
			else if (live_bits && !(HM_READ_ONCE(live_bits[w]) & bit))
				map[i] = HM_MAP_CACHED;
		}
	}
}

/**
 * hm_slab_map() - one character per block of @s
 * @c: its cache
 * @s: the slab (its memory must stay alive: hold c->lock)
 * @map: s->nblocks characters
 *
 * HM_MAP_LIVE allocated, HM_MAP_FREE free in the slab, HM_MAP_CACHED in a
 * magazine (hybrid), HM_MAP_REMOTE freed by another context and not yet
 * collected.  Free-list slabs are reconstructed from their exact state
 * bitmaps when checks keep them, else from their lists (a shadow bitmap of
 * a design that keeps none).
 *
 * Return: the number of allocated blocks.
 */
unsigned int hm_slab_map(struct hm_cache *c, struct hm_slab *s, char *map)
{
	unsigned int i, live = 0;
	bool approx;

	hm_slab_map_read(c, s, map, &approx);
	for (i = 0; i < s->nblocks; i++)
		live += map[i] == HM_MAP_LIVE;
	return live;
}

/* Longest run of blocks free in the slab (or freed remotely). */
unsigned int hm_map_longest_free(const char *map, unsigned int n)
{
	unsigned int i, run = 0, best = 0;

	for (i = 0; i < n; i++) {
		run = (map[i] == HM_MAP_FREE || map[i] == HM_MAP_REMOTE) ? run + 1 : 0;
		best = HM_MAX(best, run);
	}
	return best;
}

/* the figures of one slab's map, the lock dropped */
static void hm_frag_slab_count(struct hm_frag_slab *fs, const char *map)
{
	unsigned int i;

	fs->live = 0;
	fs->cached = 0;
	fs->remote = 0;
	for (i = 0; i < fs->nblocks; i++) {
		fs->live += map[i] == HM_MAP_LIVE;
		fs->cached += map[i] == HM_MAP_CACHED;
		fs->remote += map[i] == HM_MAP_REMOTE;
	}
	fs->longest = hm_map_longest_free(map, fs->nblocks);
}

/**
 * hm_frag_cursors_skip() - @s leaves the slab list: walks about to visit it
 * go on with the slab after it
 * @c: the cache, whose lock the caller holds
 * @s: the slab being unlisted (hm_slab_release())
 */
void hm_frag_cursors_skip(struct hm_cache *c, struct hm_slab *s)
{
	struct hm_frag_cursor *cur;

	for (cur = c->cursors; cur; cur = cur->link)
		if (cur->next == s)
			cur->next = s->all_next;
}

/**
 * hm_frag_walk() - map every slab of @c, the cache lock held for one at a time
 * @c: the cache
 * @map: scratch of HM_MAP_MAX characters, each slab's map in turn
 * @held: called for each slab with c->lock held, @s alive (may be NULL);
 *	  must not sleep: for what a caller reads of the slab itself
 * @fn: called for each slab with the lock dropped (may be NULL)
 * @arg: passed to both
 *
 * For each slab the lock is taken, the map read and @held run; then the
 * lock is dropped before the map is counted and @fn runs.  So other
 * contexts' slow paths, which need the lock, never wait longer than one
 * slab's map, however big the cache.  Between two slabs the walk's cursor
 * on c->cursors holds the slab it visits next; hm_slab_release() moves a
 * cursor on from the slab it unlists, so no slab is touched after it was
 * released and none is kept from being released.  New slabs are listed at
 * the head and not visited: each slab listed when the walk began and
 * still listed when the walk gets to it is visited, once.
 *
 * Return: the slabs visited.
 */
unsigned long hm_frag_walk(struct hm_cache *c, char *map, hm_frag_held_fn *held,
			   hm_frag_slab_fn *fn, void *arg)
{
	struct hm_frag_cursor cur, **pp;
	struct hm_frag_slab fs;
	unsigned long flags;
	struct hm_slab *s;
	unsigned int nr = 0;

	hm_lock(&c->lock, flags);
	cur.next = c->all;
	cur.link = c->cursors;
	c->cursors = &cur;
	while ((s = cur.next)) {
		fs.nr = nr++;
		fs.nblocks = s->nblocks;
		hm_slab_map_read(c, s, map, &fs.approx);
		if (held)
			held(c, s, fs.nr, map, arg);
		cur.next = s->all_next;
		hm_unlock(&c->lock, flags);
		hm_lock_yield();	/* a waiting slow path goes first */

		hm_frag_slab_count(&fs, map);
		if (fn)
			fn(c, &fs, map, arg);
		hm_lock(&c->lock, flags);
	}
	for (pp = &c->cursors; *pp != &cur; pp = &(*pp)->link)
		;
	*pp = cur.link;
	hm_unlock(&c->lock, flags);
	return nr;
}

/* fullness bucket of a slab: empty, 1-25%, 26-50%, 51-75%, 76-99%, full */
static unsigned int hm_frag_bucket(unsigned int live, unsigned int n)
{
	if (!live)
		return 0;
	if (live == n)
		return HM_FRAG_BUCKETS - 1;
	return 1 + (live * 4 - 1) / n;
}

struct hm_frag_sum {
	struct hm_frag *f;
	hm_frag_slab_fn *fn;
	void *arg;
};

static void hm_frag_add(struct hm_cache *c, const struct hm_frag_slab *fs,
			const char *map, void *arg)
{
	struct hm_frag_sum *sum = arg;
	struct hm_frag *f = sum->f;

	f->slabs++;
	f->blocks += fs->nblocks;
	f->live += fs->live;
	f->cached += fs->cached;
	f->remote += fs->remote;
	f->hist[hm_frag_bucket(fs->live, fs->nblocks)]++;
	f->longest_run_sum += fs->longest;
	f->longest_run_min = f->slabs == 1 ? fs->longest : HM_MIN(f->longest_run_min,
								   (unsigned long)fs->longest);
	f->longest_run_max = HM_MAX(f->longest_run_max, (unsigned long)fs->longest);
	f->approx += fs->approx;
	if (fs->live && fs->live < fs->nblocks)
		f->partial++;
	if (sum->fn)
		sum->fn(c, fs, map, sum->arg);
}

/**
 * hm_cache_frag_each() - fragmentation figures of @c, and each slab's
 * @c: the cache
 * @f: result
 * @map: scratch of HM_MAP_MAX characters
 * @fn: called for each slab with its figures and map (may be NULL)
 * @arg: for @fn
 *
 * One hm_frag_walk(): the cache lock is held for one slab at a time, and
 * not while @fn runs.
 */
void hm_cache_frag_each(struct hm_cache *c, struct hm_frag *f, char *map,
			hm_frag_slab_fn *fn, void *arg)
{
	struct hm_frag_sum sum = { .f = f, .fn = fn, .arg = arg };

	hm_memset(f, 0, sizeof(*f));
	hm_frag_walk(c, map, NULL, hm_frag_add, &sum);
	f->free = f->blocks - f->live - f->cached;
	f->util_permille = f->blocks ? f->live * 1000 / f->blocks : 0;
}

/**
 * hm_cache_frag() - fragmentation figures of @c
 * @c: the cache
 * @f: result
 * @map: scratch of HM_SLAB_SIZE / HM_MIN_OBJ_SIZE characters
 */
void hm_cache_frag(struct hm_cache *c, struct hm_frag *f, char *map)
{
	hm_cache_frag_each(c, f, map, NULL, NULL);
}

static const char *const hm_bucket_names[HM_FRAG_BUCKETS] = {
	"empty", "1-25%", "26-50%", "51-75%", "76-99%", "full",
};

static void hm_frag_print_slab(struct hm_cache *c, const struct hm_frag_slab *fs,
			       const char *map, void *arg)
{
	hm_print((struct hm_printer *)arg, "  slab %u: %u/%u live, longest free run %u%s\n",
		 fs->nr, fs->live, fs->nblocks, fs->longest, fs->approx ? " (approximate)" : "");
}

/**
 * hm_frag_print() - fragmentation of @c, and with @slabs each slab's
 * @c: the cache
 * @pr: where to print
 * @map: scratch, as for hm_cache_frag()
 * @slabs: a line per slab: its live blocks and its longest free run
 *
 * The cache's name, the slabs' lines, then the figures of the same walk
 * (the slabs file and hm_frag_dump() show the maps).
 */
void hm_frag_print(struct hm_cache *c, struct hm_printer *pr, char *map, bool slabs)
{
	struct hm_frag f;
	unsigned int i;

	hm_print(pr, "%s (%s, %u bytes)\n", c->name, hm_mode_name(c->mode), c->obj_size);
	hm_cache_frag_each(c, &f, map, slabs ? hm_frag_print_slab : NULL, pr);
	hm_print(pr, "  %lu slabs, %lu partial, util %lu.%lu%%,", f.slabs, f.partial,
		 f.util_permille / 10, f.util_permille % 10);
	hm_print(pr, " live %lu cached %lu free %lu remote %lu\n",
		 f.live, f.cached, f.free, f.remote);
	hm_print(pr, "  slabs by fullness:");
	for (i = 0; i < HM_FRAG_BUCKETS; i++)
		hm_print(pr, " %s %lu", hm_bucket_names[i], f.hist[i]);
	hm_print(pr, "\n  longest free run per slab: min %lu avg %lu max %lu blocks\n",
		 f.longest_run_min, f.slabs ? f.longest_run_sum / f.slabs : 0,
		 f.longest_run_max);
	if (f.approx)
		hm_print(pr, "  approximate maps: %lu slabs %s\n", f.approx,
			 "(free lists read while their owners run)");
}

/* the live objects of each call site, counted in the records of the slabs */
struct hm_sites_live {
	struct hm_site *sites;
	u32 gen;		/* tracking's generation: older records are not counted */
	long *live;		/* per entry of sites */
};

/* (c->lock held: the records cannot be retired meanwhile) */
static void hm_sites_live_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			       const char *map, void *arg)
{
	struct hm_sites_live *l = arg;
	const struct hm_track *t;
	unsigned int i;

	if (!s)
		return;
	t = hm_debug_track(s, 0);
	for (i = 0; t && i < s->nblocks; i++, t++) {
		struct hm_site *e;
		struct hm_track r;

		if (map[i] != HM_MAP_LIVE)
			continue;
		hm_track_snapshot(&r, t);
		/* a record of this period, of a block allocated now ... */
		if (r.gen != l->gen || !r.site || r.free_site)
			continue;
		e = hm_site_find(l->sites, r.site);	/* ... at a profiled site */
		if (e)
			l->live[e - l->sites]++;
	}
}

/**
 * hm_sites_top() - the call sites with most allocations (or live objects)
 * @c: the cache
 * @out: room for @max entries, sorted descending
 * @max: how many at most
 * @by_live: sort by objects still live instead of total allocations
 *
 * Allocations are counted as they happen (a context adds its current
 * site's count when it moves on: exact when quiet).  Live objects are
 * counted now in the records of the blocks allocated, a slab at a time as
 * hm_frag_walk() goes (SLUB's alloc_traces does the same): exact for a
 * quiet cache whatever happened before, tracking switched off and on or
 * poisoning switched meanwhile.  Sleeps for memory (process context);
 * without it, live is -1 and the order is by allocations.
 *
 * Return: how many entries were filled (0 when tracking never was on).
 */
unsigned int hm_sites_top(struct hm_cache *c, struct hm_site_stat *out,
			  unsigned int max, bool by_live)
{
	struct hm_sites_live l = { .sites = HM_READ_ONCE(c->sites) };
	unsigned long held[HM_SITES / HM_BITS_PER_LONG] = { 0 };
	unsigned int i, n = 0, k;
	struct hm_cctx *cc;
	unsigned long flags;
	char *map;

	if (!l.sites)
		return 0;
	l.live = hm_plat_meta_alloc(HM_SITES * sizeof(*l.live), HM_GFP_DEFAULT);
	map = hm_plat_meta_alloc(HM_MAP_MAX, HM_GFP_DEFAULT);
	if (l.live && map && (HM_READ_ONCE(c->debug) & HM_DBG_TRACK)) {
		l.gen = HM_READ_ONCE(c->track_gen);
		hm_frag_walk(c, map, hm_sites_live_held, NULL, &l);
	}
	by_live &= l.live && map;
	/*
	 * The contexts' own counts (see hm_debug_site()): each holds one for
	 * a site at most; marked, only those sites walk the contexts.
	 */
	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next) {
		struct hm_site *cs = HM_READ_ONCE(cc->site);

		if (cs >= l.sites && cs < l.sites + HM_SITES)
			held[(cs - l.sites) / HM_BITS_PER_LONG] |=
				HM_BIT((cs - l.sites) % HM_BITS_PER_LONG);
	}
	for (i = 0; i < HM_SITES; i++) {
		struct hm_site_stat e;
		unsigned long key;

		e.site = hm_atomic_read(&l.sites[i].site);
		if (!e.site)
			continue;
		e.allocs = hm_atomic_read(&l.sites[i].allocs);
		if (held[i / HM_BITS_PER_LONG] & HM_BIT(i % HM_BITS_PER_LONG))
			for (cc = c->cctxs; cc; cc = cc->next)
				if (HM_READ_ONCE(cc->site) == &l.sites[i])
					e.allocs += HM_READ_ONCE(cc->site_allocs);
		e.live = l.live && map ? l.live[i] : -1;
		key = by_live ? (unsigned long)e.live : e.allocs;
		/* insertion into the sorted top @max */
		for (k = n; k > 0; k--) {
			unsigned long prev = by_live ? (unsigned long)out[k - 1].live :
					     out[k - 1].allocs;

			if (prev >= key)
				break;
			if (k < max)
				out[k] = out[k - 1];
		}
		if (k < max) {
			out[k] = e;
			if (n < max)
				n++;
		}
	}
	hm_unlock(&c->lock, flags);
	if (l.live)
		hm_plat_meta_free(l.live, HM_SITES * sizeof(*l.live));
	if (map)
		hm_plat_meta_free(map, HM_MAP_MAX);
	return n;
}

/**
 * hm_debug_counts_print() - the per-cache counts of the debug switches
 * @c: the cache
 * @pr: where to print: one line, "name: key=value..."
 *
 * Blocks withheld after a write after free, frees by another CPU or
 * thread than the allocating one (counted while tracking is on), remote
 * frees by callers without a context, the bytes of tracking records held
 * now (0 once tracking is off and they were given back), and the times a
 * slab went without its debug memory, no memory for it, each attempt
 * that failed (hm_debug_nomem()).
 */
void hm_debug_counts_print(struct hm_cache *c, struct hm_printer *pr)
{
	hm_print(pr,
		 "%s: quarantined=%lu xowner_frees=%lu nocctx_frees=%lu track_bytes=%lu debug_nomem=%lu\n",
		 c->name, hm_atomic_read(&c->quarantined), hm_atomic_read(&c->xowner_frees),
		 hm_atomic_read(&c->nocctx_frees), hm_atomic_read(&c->track_bytes),
		 hm_atomic_read(&c->debug_nomem));
}

/**
 * hm_sites_print() - the top allocation sites of @c, by live and by total
 * @c: the cache
 * @pr: where to print
 * @top: scratch for HM_SITES_TOP entries
 */
void hm_sites_print(struct hm_cache *c, struct hm_printer *pr,
		    struct hm_site_stat *top)
{
	unsigned int n, i, pass;

	for (pass = 0; pass < 2; pass++) {
		n = hm_sites_top(c, top, HM_SITES_TOP, pass == 0);
		hm_print(pr, "%s: top sites by %s\n", c->name,
			 pass == 0 ? "live objects" : "allocations");
		if (!n)
			hm_print(pr, "  (tracking is off or nothing was tracked)\n");
		for (i = 0; i < n; i++)
			hm_print(pr, "  %10ld live %12lu allocs  " HM_SYM_FMT "\n",
				 top[i].live, top[i].allocs, HM_SYM(top[i].site));
	}
}
