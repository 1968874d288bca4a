// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_stats.c - summing counters and printing them in stable columns.
 */
#include "hm_stats.h"

/* Counters of one context (fast = all - slow). */
void hm_cctx_stats(const struct hm_cctx *cc, struct hm_stats *st)
{
	hm_memset(st, 0, sizeof(*st));
	st->allocs = HM_READ_ONCE(cc->st.allocs);
	st->frees = HM_READ_ONCE(cc->st.frees);
	st->alloc_slow = HM_READ_ONCE(cc->st.alloc_slow);
	st->free_slow = HM_READ_ONCE(cc->st.free_slow);
	st->remote_frees = HM_READ_ONCE(cc->st.remote_frees);
	st->refills = HM_READ_ONCE(cc->st.refills);
	st->flushes = HM_READ_ONCE(cc->st.flushes);
	st->alloc_fail = HM_READ_ONCE(cc->st.alloc_fail);
	st->slabs_new = HM_READ_ONCE(cc->st.slabs_new);
	st->alloc_fast = st->allocs > st->alloc_slow ? st->allocs - st->alloc_slow : 0;
	st->free_fast = st->frees > st->free_slow ? st->frees - st->free_slow : 0;
	st->objs_cached = HM_READ_ONCE(cc->mag_count);
}

/* Sum over the contexts of @c, plus the slab-level figures. */
void hm_cache_stats(struct hm_cache *c, struct hm_stats *st)
{
	struct hm_cctx *cc;
	struct hm_stats one;
	unsigned long flags, nocctx;
	unsigned int e;

	hm_memset(st, 0, sizeof(*st));
	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next) {
		hm_cctx_stats(cc, &one);
		st->allocs += one.allocs;
		st->frees += one.frees;
		st->alloc_fast += one.alloc_fast;
		st->alloc_slow += one.alloc_slow;
		st->free_fast += one.free_fast;
		st->free_slow += one.free_slow;
		st->remote_frees += one.remote_frees;
		st->refills += one.refills;
		st->flushes += one.flushes;
		st->alloc_fail += one.alloc_fail;
		st->slabs_new += one.slabs_new;
		st->objs_cached += one.objs_cached;
		st->contexts++;
	}
	st->slabs = c->nslabs;
	st->slabs_pool = c->npool;
	hm_unlock(&c->lock, flags);
	/* remote frees of callers without a context (hm_cache_free_nocctx()) */
	nocctx = hm_atomic_read(&c->nocctx_frees);
	st->frees += nocctx;
	st->free_slow += nocctx;
	st->remote_frees += nocctx;
	/* racing double frees, refused when collected (hm_bitmap_collect()) */
	st->frees -= HM_MIN(st->frees, hm_atomic_read(&c->late_refused));

	st->objs_total = st->slabs * c->nblocks;
	/*
	 * The contexts are read one after another while they run: a free may
	 * be counted before its alloc, an alloc after a free read earlier.
	 * Neither bound is crossed at any instant (mallinfo()'s free blocks,
	 * objs_total - objs_inuse, wrapped to 2^64 - 88658).
	 */
	st->objs_inuse = st->allocs > st->frees ? st->allocs - st->frees : 0;
	st->objs_inuse = HM_MIN(st->objs_inuse, st->objs_total);
	st->bytes_inuse = st->objs_inuse * c->obj_size;
	st->util_permille = st->objs_total ? st->objs_inuse * 1000 / st->objs_total : 0;
	for (e = 0; e < HM_ERR_NR; e++)
		st->errors += hm_atomic_read(&c->errors[e]);
}

/**
 * hm_stats_name_width() - the name column's width, with @name in it too
 * @width: the width so far (0 to start with)
 * @name: a label of a row (NULL: none)
 *
 * The column is HM_STATS_NAME_MIN wide, or as wide as its longest label,
 * so that the other columns stay in line under the header.
 *
 * Return: the width.
 */
unsigned int hm_stats_name_width(unsigned int width, const char *name)
{
	unsigned int len = name ? (unsigned int)hm_strlen(name) : 0;

	width = HM_MAX(width, len);
	return HM_MAX(width, (unsigned int)HM_STATS_NAME_MIN);
}

/**
 * hm_stats_print_header() - the header of the table hm_stats_print() fills
 * @pr: where to print
 * @width: the name column's (hm_stats_name_width() of every row's label)
 */
void hm_stats_print_header(struct hm_printer *pr, unsigned int width)
{
	width = hm_stats_name_width(width, NULL);
	hm_print(pr,
		 "%-*s %-8s %5s %6s %10s %10s %5s %12s %12s %12s %10s %12s %10s %10s %8s %6s\n",
		 (int)width, "name", "mode", "size", "slabs", "inuse", "total", "util%",
		 "allocs", "frees", "alloc_fast", "alloc_slow", "free_fast",
		 "free_slow", "remote", "cached", "errors");
}

/**
 * hm_stats_print() - one row under hm_stats_print_header()
 * @pr: where to print
 * @width: the name column's, the header's
 * @name: row label (cache, class or context; a cache's has no control
 *        byte: hm_core_cache_create()); "" prints as "-"
 * @mode: mode name
 * @size: object size
 * @st: the figures
 */
void hm_stats_print(struct hm_printer *pr, unsigned int width, const char *name,
		    const char *mode, unsigned int size, const struct hm_stats *st)
{
	width = hm_stats_name_width(width, NULL);
	hm_print(pr,
		 "%-*s %-8s %5u %6lu %10lu %10lu %3lu.%lu %12lu %12lu %12lu %10lu %12lu %10lu %10lu %8lu %6lu\n",
		 (int)width, name[0] ? name : "-", mode, size, st->slabs, st->objs_inuse,
		 st->objs_total, st->util_permille / 10, st->util_permille % 10,
		 st->allocs, st->frees, st->alloc_fast, st->alloc_slow,
		 st->free_fast, st->free_slow, st->remote_frees,
		 st->objs_cached, st->errors);
}
