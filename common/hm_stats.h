/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_stats.h - counters of a context or a cache, and their text form.
 *
 * Counters are written by their owning context without atomics and read by
 * anyone with HM_READ_ONCE: a snapshot may be a few operations behind, but
 * every number in it was true at some moment.
 */
#ifndef HM_STATS_H
#define HM_STATS_H

#include "hm_types.h"

struct hm_printer {
	void (*printf)(struct hm_printer *pr, const char *fmt, ...) HM_PRINTF(2, 3);
};

#define hm_print(pr, ...)						\
	({ struct hm_printer *hm_pr = (pr); hm_pr->printf(hm_pr, __VA_ARGS__); })

struct hm_stats {
	unsigned long allocs;
	unsigned long frees;
	unsigned long alloc_fast;
	unsigned long alloc_slow;
	unsigned long free_fast;
	unsigned long free_slow;
	unsigned long remote_frees;
	unsigned long refills;
	unsigned long flushes;
	unsigned long alloc_fail;
	unsigned long slabs_new;
	/* cache level only */
	unsigned long slabs;		/* slabs the cache holds */
	unsigned long slabs_pool;	/* of them, empty in the pool */
	unsigned long objs_total;	/* slabs * blocks per slab */
	unsigned long objs_inuse;	/* allocs - frees */
	unsigned long objs_cached;	/* in magazines */
	unsigned long bytes_inuse;	/* objs_inuse * object size */
	unsigned long util_permille;	/* objs_inuse / objs_total */
	unsigned long contexts;
	unsigned long errors;		/* refused operations, all kinds */
};

void hm_cctx_stats(const struct hm_cctx *cc, struct hm_stats *st);
void hm_cache_stats(struct hm_cache *c, struct hm_stats *st);
/* the name column of hm_stats_print()'s table, at least (then its longest label) */
#define HM_STATS_NAME_MIN	16

unsigned int hm_stats_name_width(unsigned int width, const char *name);
void hm_stats_print_header(struct hm_printer *pr, unsigned int width);
void hm_stats_print(struct hm_printer *pr, unsigned int width, const char *name,
		    const char *mode, unsigned int size, const struct hm_stats *st);

#endif /* HM_STATS_H */
