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
 * the slab's owner is quiet.  (Stopping the owner for one slab, e.g. by
 * an IPI, would not do in the kernel: task contexts run under a
 * preemption-only local lock that an interrupt does not exclude.)
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
		b = HM_READ_ONCE(*(void **)b);
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
 * collected.  Free-list slabs are reconstructed from their lists (a shadow
 * bitmap of a design that keeps none).
 *
 * Return: the number of allocated blocks.
 */
unsigned int hm_slab_map(struct hm_cache *c, struct hm_slab *s, char *map)
{
	unsigned int i, live = 0;

	hm_memset(map, HM_MAP_LIVE, s->nblocks);
	if (s->mode == HM_MODE_FREELIST) {
		hm_map_list(c, s, map, HM_READ_ONCE(s->free), HM_MAP_FREE);
		hm_map_list(c, s, map, HM_READ_ONCE(s->local_free), HM_MAP_FREE);
		hm_map_list(c, s, map, (void *)hm_atomic_read(&s->xthread_free),
			    HM_MAP_REMOTE);
	} else {
		for (i = 0; i < s->nblocks; i++) {
			unsigned long bit = 1UL << (i % HM_BITS_PER_LONG);
			unsigned int w = i / HM_BITS_PER_LONG;

			if (HM_READ_ONCE(s->free_bits[w]) & bit)
				map[i] = HM_MAP_FREE;
			else if (hm_atomic_read(&s->remote_bits[w]) & bit)
				map[i] = HM_MAP_REMOTE;
			else if (s->live_bits && !(HM_READ_ONCE(s->live_bits[w]) & bit))
				map[i] = HM_MAP_CACHED;
		}
	}
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

/* fullness bucket of a slab: empty, 1-25%, 26-50%, 51-75%, 76-99%, full */
static unsigned int hm_frag_bucket(unsigned int live, unsigned int n)
{
	if (!live)
		return 0;
	if (live == n)
		return HM_FRAG_BUCKETS - 1;
	return 1 + (live * 4 - 1) / n;
}

/**
 * hm_cache_frag() - fragmentation figures of @c
 * @c: the cache
 * @f: result
 * @map: scratch of HM_SLAB_SIZE / HM_MIN_OBJ_SIZE characters
 *
 * Walks every slab under c->lock, one map at a time.
 */
void hm_cache_frag(struct hm_cache *c, struct hm_frag *f, char *map)
{
	unsigned long flags;
	struct hm_slab *s;

	hm_memset(f, 0, sizeof(*f));
	hm_lock(&c->lock, flags);
	for (s = c->all; s; s = s->all_next) {
		unsigned int live = hm_slab_map(c, s, map);
		unsigned int run = hm_map_longest_free(map, s->nblocks);
		unsigned int i;

		f->slabs++;
		f->blocks += s->nblocks;
		f->live += live;
		for (i = 0; i < s->nblocks; i++) {
			f->cached += map[i] == HM_MAP_CACHED;
			f->remote += map[i] == HM_MAP_REMOTE;
		}
		f->hist[hm_frag_bucket(live, s->nblocks)]++;
		f->longest_run_sum += run;
		f->longest_run_min = f->slabs == 1 ? run : HM_MIN(f->longest_run_min, run);
		if (live && live < s->nblocks)
			f->partial++;
	}
	hm_unlock(&c->lock, flags);
	f->free = f->blocks - f->live - f->cached;
	f->util_permille = f->blocks ? f->live * 1000 / f->blocks : 0;
}

static const char *const hm_bucket_names[HM_FRAG_BUCKETS] = {
	"empty", "1-25%", "26-50%", "51-75%", "76-99%", "full",
};

/**
 * hm_frag_print() - fragmentation of @c, and with @maps every slab's map
 * @c: the cache
 * @pr: where to print
 * @map: scratch, as for hm_cache_frag()
 * @maps: also print each slab's block map, 64 blocks a row
 */
void hm_frag_print(struct hm_cache *c, struct hm_printer *pr, char *map, bool maps)
{
	struct hm_frag f;
	unsigned long flags;
	struct hm_slab *s;
	unsigned int i, nr = 0;

	hm_cache_frag(c, &f, map);
	hm_print(pr, "%s (%s, %u bytes): %lu slabs, %lu partial, util %lu.%lu%%,",
		 c->name, hm_mode_name(c->mode), c->obj_size, f.slabs, f.partial,
		 f.util_permille / 10, f.util_permille % 10);
	hm_print(pr, " live %lu cached %lu free %lu remote %lu\n",
		 f.live, f.cached, f.free, f.remote);
	hm_print(pr, "  slabs by fullness:");
	for (i = 0; i < HM_FRAG_BUCKETS; i++)
		hm_print(pr, " %s %lu", hm_bucket_names[i], f.hist[i]);
	hm_print(pr, "\n  longest free run: min %lu avg %lu blocks\n",
		 f.longest_run_min, f.slabs ? f.longest_run_sum / f.slabs : 0);
	if (!maps)
		return;
	hm_lock(&c->lock, flags);
	for (s = c->all; s; s = s->all_next, nr++) {
		unsigned int live = hm_slab_map(c, s, map);

		hm_print(pr, "  slab %u: %u/%u live, longest free run %u\n", nr, live,
			 s->nblocks, hm_map_longest_free(map, s->nblocks));
		for (i = 0; i < s->nblocks; i += 64)
			hm_print(pr, "    %.*s\n", (int)HM_MIN(64U, s->nblocks - i), map + i);
	}
	hm_unlock(&c->lock, flags);
}

/* add the counts that contexts hold for @site (c->lock held) */
static void hm_sites_add_held(struct hm_cache *c, struct hm_site *site,
			      struct hm_site_stat *e)
{
	struct hm_cctx *cc;

	for (cc = c->cctxs; cc; cc = cc->next) {
		if (HM_READ_ONCE(cc->site) != site)
			continue;
		e->allocs += HM_READ_ONCE(cc->site_allocs);
		e->live += HM_READ_ONCE(cc->site_live);
	}
}

/**
 * hm_sites_top() - the call sites with most allocations (or live objects)
 * @c: the cache
 * @out: room for @max entries, sorted descending
 * @max: how many at most
 * @by_live: sort by objects still live instead of total allocations
 *
 * Return: how many entries were filled (0 when tracking never was on).
 */
unsigned int hm_sites_top(struct hm_cache *c, struct hm_site_stat *out,
			  unsigned int max, bool by_live)
{
	struct hm_site *sites = HM_READ_ONCE(c->sites);
	unsigned long held[HM_SITES / HM_BITS_PER_LONG] = { 0 };
	unsigned int i, n = 0, k;
	struct hm_cctx *cc;
	unsigned long flags;

	if (!sites)
		return 0;
	/*
	 * The contexts' own counts (see hm_debug_site()): exact when quiet.
	 * Each context holds counts for one site at most: mark those sites,
	 * so that only they walk the contexts.
	 */
	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next) {
		struct hm_site *cs = HM_READ_ONCE(cc->site);

		if (cs >= sites && cs < sites + HM_SITES)
			held[(cs - sites) / HM_BITS_PER_LONG] |=
				HM_BIT((cs - sites) % HM_BITS_PER_LONG);
	}
	for (i = 0; i < HM_SITES; i++) {
		struct hm_site_stat e;
		unsigned long key;

		e.site = hm_atomic_read(&sites[i].site);
		if (!e.site)
			continue;
		e.allocs = hm_atomic_read(&sites[i].allocs);
		e.live = (long)hm_atomic_read(&sites[i].live);
		if (held[i / HM_BITS_PER_LONG] & HM_BIT(i % HM_BITS_PER_LONG))
			hm_sites_add_held(c, &sites[i], &e);
		key = by_live ? (unsigned long)(e.live > 0 ? e.live : 0) : e.allocs;
		/* insertion into the sorted top @max */
		for (k = n; k > 0; k--) {
			unsigned long prev = by_live ?
				(unsigned long)(out[k - 1].live > 0 ? out[k - 1].live : 0) :
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
	return n;
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
				 top[i].live, top[i].allocs, (void *)top[i].site);
	}
}
