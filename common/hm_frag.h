/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_frag.h - block maps, fragmentation and the call-site profile
 * (see hm_frag.c).
 */
#ifndef HM_FRAG_H
#define HM_FRAG_H

#include "hm_stats.h"

#define HM_MAP_LIVE	'X'
#define HM_MAP_FREE	'.'
#define HM_MAP_CACHED	'c'
#define HM_MAP_REMOTE	'r'
#define HM_MAP_MAX	(HM_SLAB_SIZE / HM_MIN_OBJ_SIZE)	/* scratch size */
#define HM_FRAG_BUCKETS	6
#define HM_SITES_TOP	10

struct hm_frag {
	unsigned long slabs, partial;
	unsigned long blocks, live, cached, free, remote;
	unsigned long util_permille;
	unsigned long hist[HM_FRAG_BUCKETS];	/* slabs by fullness */
	unsigned long longest_run_min;		/* blocks */
	unsigned long longest_run_max;
	unsigned long longest_run_sum;
	unsigned long approx;	/* slabs whose map is approximate */
};

/* One slab as hm_frag_walk() saw it. */
struct hm_frag_slab {
	unsigned int nr;	/* position in the walk, from 0 */
	unsigned int nblocks, live, cached, remote;
	unsigned int longest;	/* longest free run, blocks */
	/* from free lists read while the owner may run (freelist, checks off) */
	bool approx;
};

/* Where a walk stands between two slabs: on c->cursors, under c->lock. */
struct hm_frag_cursor {
	struct hm_slab *next;		/* the slab to visit next, or NULL */
	struct hm_frag_cursor *link;
};

/* called with c->lock held, @s alive; must not sleep */
typedef void hm_frag_held_fn(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			     const char *map, void *arg);
/* called with the lock dropped: @fs and @map are copies */
typedef void hm_frag_slab_fn(struct hm_cache *c, const struct hm_frag_slab *fs,
			     const char *map, void *arg);

struct hm_site_stat {
	unsigned long site;
	unsigned long allocs;
	long live;
};

unsigned int hm_slab_map(struct hm_cache *c, struct hm_slab *s, char *map);
unsigned int hm_map_longest_free(const char *map, unsigned int n);
unsigned long hm_frag_walk(struct hm_cache *c, char *map, hm_frag_held_fn *held,
			   hm_frag_slab_fn *fn, void *arg);
void hm_frag_cursors_skip(struct hm_cache *c, struct hm_slab *s);
void hm_cache_frag_each(struct hm_cache *c, struct hm_frag *f, char *map,
			hm_frag_slab_fn *fn, void *arg);
void hm_cache_frag(struct hm_cache *c, struct hm_frag *f, char *map);
void hm_frag_print(struct hm_cache *c, struct hm_printer *pr, char *map, bool slabs);
unsigned int hm_sites_top(struct hm_cache *c, struct hm_site_stat *out,
			  unsigned int max, bool by_live);
void hm_debug_counts_print(struct hm_cache *c, struct hm_printer *pr);
void hm_sites_print(struct hm_cache *c, struct hm_printer *pr,
		    struct hm_site_stat *top);

#endif /* HM_FRAG_H */
