// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_fit_test.c - the fit policies keep their defining property on every
 * allocation: each case churns a cache at random and, before each
 * allocation, computes by brute force over the context's slabs which block
 * the policy must hand out.  Contiguous runs, the partial-slab choice in
 * every mode, bad input, and switching policies under churn.
 */
#include "hm_test.h"
#include "hm_fit.h"
#include "hm_frag.h"
#include "hm_learn.h"
#include "hm_adapt.h"

KUNIT_ARRAY_PARAM(hm_fit_mode, hm_test_modes, hm_test_mode_desc);

#define SLOTS		3000

/* the end of a churn: valid, every slot of @v freed, valid and empty */
static void hm_fit_free_slots(struct kunit *test, struct hm_cctx *cc, void **v)
{
	struct hm_cache *c = cc->cache;
	unsigned int i;

	HM_EXPECT_VALID(test, c);
	for (i = 0; i < SLOTS; i++)
		if (v[i])
			hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

static bool hm_bit(const unsigned long *b, unsigned int i)
{
	return b[i / HM_BITS_PER_LONG] & (1UL << (i % HM_BITS_PER_LONG));
}

/* the slabs a policy chooses among: @cc's active and partial slabs */
static bool hm_own(struct hm_cctx *cc, struct hm_slab *s)
{
	return s->owner == cc && (s == cc->active || s->list == HM_LIST_PARTIAL);
}

static unsigned long hm_absdiff(unsigned long a, unsigned long b)
{
	return a > b ? a - b : b - a;
}

/*
 * What @fit must hand out next in @cc (bitmap mode), or NULL when the
 * context's slabs have no free block (then any new slab will do).
 */
static void *hm_expect_block(struct hm_cctx *cc, unsigned int fit)
{
	struct hm_cache *c = cc->cache;
	unsigned long best = 0, key = ~0UL;
	struct hm_slab *s;
	unsigned int i;

	for (s = c->all; s; s = s->all_next) {
		if (!hm_own(cc, s))
			continue;
		for (i = 0; i < s->nblocks; i++) {
			unsigned long a = (unsigned long)hm_block_addr(c, s, i);
			unsigned long k, run = 0;

			if (!hm_bit(s->free_bits, i))
				continue;
			switch (fit) {
			case HM_FIT_NEAR:
				k = hm_absdiff(a, cc->fit.last);
				break;
			case HM_FIT_BEST:
				/* only the first block of a run, keyed by its length */
				if (i && hm_bit(s->free_bits, i - 1))
					continue;
				while (i + run < s->nblocks && hm_bit(s->free_bits, i + run))
					run++;
				k = run;
				break;
			default:
				k = 0;	/* first: the lowest address wins */
			}
			if (k < key || (k == key && a < best)) {
				key = k;
				best = a;
			}
		}
	}
	return (void *)best;
}

/*
 * churn @fit over a bitmap cache, checking each allocation against it,
 * with the debug switches @sw on (their route's own common case, the
 * bitmap debug try, is not the policy's: it must not serve)
 */
static void hm_fit_churn_check_sw(struct kunit *test, unsigned int fit, unsigned int sw)
{
	struct hm_cache *c = hm_test_cache_flags(test, 128, 0, HM_MODE_BITMAP,
						 HM_CACHE_FIT(fit));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	unsigned int i, checked = 0, wrong = 0;
	u32 seed = 4242 + fit;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, c->fit, fit);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, sw, HM_GFP_DEFAULT), 0);
	KUNIT_ASSERT_EQ(test, cc->route,
			sw ? HM_ROUTE_DEBUG | HM_MODE_BITMAP : HM_ROUTE_FIT);
	for (i = 0; i < 30000; i++) {
		unsigned int k = hm_test_rand(&seed) % SLOTS;

		if (v[k]) {
			hm_test_free_in(cc, v[k]);
			v[k] = NULL;
		} else {
			void *want = hm_expect_block(cc, fit);

			v[k] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[k]);
			if (want) {
				checked++;
				wrong += v[k] != want;
			}
		}
	}
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_GT(test, checked, 10000);
	KUNIT_EXPECT_GE(test, c->nslabs, 3);	/* the choice spans slabs */
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_fit_free_slots(test, cc, v);
}

static void hm_fit_churn_check(struct kunit *test, unsigned int fit)
{
	hm_fit_churn_check_sw(test, fit, 0);
}

/* each policy keeps its choice with poisoning and tracking on */
static void hm_fit_debug_keeps_policy(struct kunit *test)
{
	static const unsigned int fits[] = { HM_FIT_FIRST, HM_FIT_NEAR, HM_FIT_BEST };
	unsigned int k;

	for (k = 0; k < HM_ARRAY_SIZE(fits); k++)
		hm_fit_churn_check_sw(test, fits[k], HM_DBG_POISON | HM_DBG_TRACK);
}

/* first-fit: every allocation is the lowest free address of the context */
static void hm_fit_first_lowest(struct kunit *test)
{
	hm_fit_churn_check(test, HM_FIT_FIRST);
}

/* near: every allocation is the free block nearest the last in or out */
static void hm_fit_near_closest(struct kunit *test)
{
	hm_fit_churn_check(test, HM_FIT_NEAR);
}

/*
 * near: free blocks in two slabs equally far from the last block in or
 * out (the active slab full): the lower address is handed out.
 */
static void hm_fit_near_tie(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache_flags(test, 128, 0, HM_MODE_BITMAP,
						 HM_CACHE_FIT(HM_FIT_NEAR));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = 3 * c->nblocks, i;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	struct hm_slab *a, *b, *t;
	void *x, *y, *p;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_ASSERT_EQ(test, c->nslabs, 3);
	a = hm_ptr_slab(v[0]);
	b = hm_ptr_slab(v[c->nblocks]);
	KUNIT_ASSERT_PTR_NE(test, a, b);
	KUNIT_ASSERT_PTR_NE(test, a, cc->active);
	KUNIT_ASSERT_PTR_NE(test, b, cc->active);
	KUNIT_ASSERT_EQ(test, cc->active->nfree, 0);
	if (b < a) {
		t = a;
		a = b;
		b = t;
	}
	x = hm_block_addr(c, a, c->nblocks - 1);	/* the top of the lower slab */
	y = hm_block_addr(c, b, 0);			/* the bottom of the upper */
	hm_test_free_in(cc, x);
	hm_test_free_in(cc, y);
	cc->fit.last = (unsigned long)x + ((unsigned long)y - (unsigned long)x) / 2;
	p = hm_test_alloc(cc);
	KUNIT_EXPECT_PTR_EQ(test, p, x);
	for (i = 0; i < n; i++)
		if (v[i] != x && v[i] != y)
			hm_test_free_in(cc, v[i]);
	if (p)
		hm_test_free_in(cc, p);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* best: every allocation starts the smallest free run */
static void hm_fit_best_smallest_run(struct kunit *test)
{
	hm_fit_churn_check(test, HM_FIT_BEST);
}

/* next-fit: the cursor moves on past freed blocks and wraps at the end */
static void hm_fit_next_cursor(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache_flags(test, 256, 0, HM_MODE_BITMAP,
						 HM_CACHE_FIT(HM_FIT_NEXT));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks, i, order = 0;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 10; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		if (i)
			KUNIT_EXPECT_PTR_EQ(test, v[i], (char *)v[i - 1] + c->size);
	}
	hm_test_free_in(cc, v[2]);
	hm_test_free_in(cc, v[5]);
	/* not back to the freed blocks: on from the cursor to the slab's end */
	for (i = 10; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		order += v[i] != (char *)v[0] + (unsigned long)i * c->size;
	}
	KUNIT_EXPECT_EQ(test, order, 0);
	/* then it wraps: the freed blocks, in address order */
	KUNIT_EXPECT_PTR_EQ(test, hm_test_alloc(cc), v[2]);
	KUNIT_EXPECT_PTR_EQ(test, hm_test_alloc(cc), v[5]);
	KUNIT_EXPECT_EQ(test, c->nslabs, 1);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* hm_cctx_alloc_contig() the way an adapter calls it, from call site @ip */
static void *hm_test_contig_ip(struct hm_cctx *cc, unsigned int n, unsigned long ip)
{
	bool need;
	void *p = hm_cctx_alloc_contig(cc, n, &need, ip);

	if (!p && need) {
		void *chunk = hm_cache_chunk_get(cc->cache, HM_GFP_DEFAULT);

		if (chunk)
			p = hm_cctx_add_chunk_contig(cc, chunk, n, ip);
	}
	return p;
}

static void *hm_test_contig(struct hm_cctx *cc, unsigned int n)
{
	return hm_test_contig_ip(cc, n, HM_RET_IP);
}

/* @v: every block of the cache's one slab, in address order, from site @ip */
static void hm_fill_one_slab(struct kunit *test, struct hm_cctx *cc, void **v,
			     unsigned long ip)
{
	unsigned int i;

	for (i = 0; i < cc->cache->nblocks; i++) {
		v[i] = hm_test_alloc_ip(cc, ip);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_ASSERT_EQ(test, cc->cache->nslabs, 1);
}

/* best fit of runs: the smallest hole that holds n; bad n is refused */
static void hm_fit_contig_best(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int n = c->nblocks, i;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	void *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, v);
	if (MODE(test) == HM_MODE_FREELIST) {
		/* no bitmap to search: refused, counted, nothing allocated */
		KUNIT_EXPECT_NULL(test, hm_test_contig(cc, 2));
		KUNIT_EXPECT_EQ(test, *errors, 1);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
		return;
	}
	hm_fill_one_slab(test, cc, v, HM_RET_IP);
	/* one slab, v[] in address order: holes of 5, 2 and 3 blocks */
	for (i = 10; i < 15; i++)
		hm_test_free_in(cc, v[i]);
	for (i = 20; i < 22; i++)
		hm_test_free_in(cc, v[i]);
	for (i = 30; i < 33; i++)
		hm_test_free_in(cc, v[i]);
	KUNIT_EXPECT_PTR_EQ(test, hm_test_contig(cc, 2), v[20]);
	KUNIT_EXPECT_PTR_EQ(test, hm_test_contig(cc, 3), v[30]);
	KUNIT_EXPECT_PTR_EQ(test, hm_test_contig(cc, 4), v[10]);
	KUNIT_EXPECT_EQ(test, c->nslabs, 1);
	hm_memset(v[10], 0x5a, 4 * c->size);	/* one region of n blocks */
	/* a run as long as a slab: a new slab, from its first block */
	p = hm_test_contig(cc, n);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, c->nslabs, 2);
	KUNIT_EXPECT_PTR_EQ(test, p, hm_ptr_slab(p)->blocks);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 2 * n - 1);
	HM_EXPECT_VALID(test, c);
	/* more than a slab, or none: NULL and counted, nothing changes */
	KUNIT_EXPECT_NULL(test, hm_test_contig(cc, n + 1));
	KUNIT_EXPECT_NULL(test, hm_test_contig(cc, 0));
	KUNIT_EXPECT_NULL(test, hm_test_contig(cc, ~0U));
	KUNIT_EXPECT_EQ(test, *errors, 3);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 2 * n - 1);
	/* each block of a run is an object: freed one by one */
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, (char *)p + (unsigned long)i * c->size);
	q = hm_test_contig(cc, 1);	/* the one free block left: v[14] */
	KUNIT_EXPECT_PTR_EQ(test, q, v[14]);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A run freed as one is checked whole first: one that reaches past its
 * slab, holds a block not live, or does not start a block of this cache
 * is reported once and frees nothing; in free-list mode every run is.
 */
static void hm_fit_contig_free_check(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cache *other = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int n = c->nblocks;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	static const struct {
		int first;		/* below 0: from the slab's end */
		unsigned int n, bad;	/* bad: the block reported free */
		u32 kind;
	} refused[] = {
		{ 10, 0, 0, HM_ERR_BAD_SIZE },		/* an empty run */
		{ -4, 5, 0, HM_ERR_BAD_SIZE },		/* past the slab's end */
		{ 0, ~0U, 0, HM_ERR_BAD_SIZE },
		{ 8, 4, 9, HM_ERR_DOUBLE_FREE },	/* v[9] free */
		{ 9, 1, 9, HM_ERR_DOUBLE_FREE },
	};
	struct hm_err_entry en;
	unsigned long seq;
	struct hm_slab *s;
	unsigned int i;
	void *q;

	KUNIT_ASSERT_NOT_NULL(test, v);
	if (MODE(test) == HM_MODE_FREELIST) {
		/*
		 * no runs, and without checks no block state: each block was
		 * taken for live, a free one freed again (a block handed out
		 * twice after); refused as the allocation is
		 */
		q = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, q);
		seq = hm_test_report_seq(test);
		KUNIT_EXPECT_FALSE(test, hm_contig_free_check(c, hm_ptr_slab(q), q, 2, HM_RET_IP));
		if (hm_test_report_since(test, seq, &en))
			KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_BAD_SIZE);
		KUNIT_EXPECT_FALSE(test, hm_contig_free_check(c, hm_ptr_slab(q), q, 1, HM_RET_IP));
		KUNIT_EXPECT_EQ(test, *errors, 2);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);
		hm_test_free_in(cc, q);
		KUNIT_EXPECT_EQ(test, *errors, 2);
		HM_EXPECT_VALID(test, c);
		return;
	}
	hm_fill_one_slab(test, cc, v, HM_RET_IP);
	KUNIT_ASSERT_GE(test, n, 16);
	s = hm_ptr_slab(v[0]);
	hm_test_free_in(cc, v[9]);
	KUNIT_EXPECT_TRUE(test, hm_contig_free_check(c, s, v[10], 8, HM_RET_IP));
	KUNIT_EXPECT_TRUE(test, hm_contig_free_check(c, s, v[0], 9, HM_RET_IP));
	KUNIT_EXPECT_TRUE(test, hm_contig_free_check(c, s, v[n - 1], 1, HM_RET_IP));
	KUNIT_EXPECT_EQ(test, *errors, 0);
	for (i = 0; i < HM_ARRAY_SIZE(refused); i++) {
		unsigned int first = refused[i].first < 0 ? n + refused[i].first :
				     (unsigned int)refused[i].first;

		seq = hm_test_report_seq(test);
		KUNIT_EXPECT_FALSE(test, hm_contig_free_check(c, s, v[first], refused[i].n,
							      HM_RET_IP));
		KUNIT_EXPECT_EQ(test, *errors, i + 1);
		if (hm_test_report_since(test, seq, &en)) {
			KUNIT_EXPECT_EQ(test, en.kind, refused[i].kind);
			if (refused[i].kind == HM_ERR_DOUBLE_FREE)
				KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)v[refused[i].bad]);
		}
	}
	/* not a block's start (inside one; in the header), a run of another cache */
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_FALSE(test, hm_contig_free_check(c, s, (char *)v[3] + 8, 1, HM_RET_IP));
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_INTERIOR);
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_FALSE(test, hm_contig_free_check(c, s, (char *)s + 8, 1, HM_RET_IP));
	if (hm_test_report_since(test, seq, &en))	/* as a free reports it */
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_FOREIGN);
	KUNIT_EXPECT_FALSE(test, hm_contig_free_check(other, s, v[3], 1, HM_RET_IP));
	KUNIT_EXPECT_EQ(test, *errors, HM_ARRAY_SIZE(refused) + 3);
	/* nothing was freed: all but v[9] still live */
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), n - 1);
	q = hm_test_alloc(cc);
	KUNIT_EXPECT_PTR_EQ(test, q, v[9]);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	KUNIT_EXPECT_EQ(test, *errors, HM_ARRAY_SIZE(refused) + 3);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A run is checked and recorded as single allocations are: a block of it
 * written after its free is reported and quarantined, the run is taken
 * elsewhere, the broken run's clean blocks go back and are handed out
 * later unreported; each block of a run has its own tracking record.
 */
#define HM_SITE_RUN	0x2000UL	/* a made-up call site */

/* A broken-run case's start: poison and tracking on, @v the whole slab from @ip. */
static void hm_contig_debug_start(struct kunit *test, struct hm_cctx *cc, void **v,
				  unsigned long ip)
{
	KUNIT_ASSERT_NOT_NULL(test, v);
	if (MODE(test) == HM_MODE_FREELIST)
		kunit_skip(test, "no runs in free-list mode (hm_fit_contig_best)");
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(cc->cache, HM_DBG_POISON | HM_DBG_TRACK,
						 HM_GFP_DEFAULT), 0);
	hm_fill_one_slab(test, cc, v, ip);
}

/*
 * ... and its end: the run @p of 8 freed, and @v but v[@lo] to v[@hi]
 * (free already, or the one quarantined block): one report in all.
 */
static void hm_contig_debug_end(struct kunit *test, struct hm_cctx *cc, char *p, void **v,
				unsigned int lo, unsigned int hi, long *errors)
{
	struct hm_cache *c = cc->cache;
	unsigned int i;

	for (i = 0; i < 8; i++)
		hm_test_free_in(cc, p + i * c->size);
	for (i = 0; i < c->nblocks; i++)
		if (i < lo || i > hi)
			hm_test_free_in(cc, v[i]);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);	/* the quarantined block */
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
}

static void hm_fit_contig_debug(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int n = c->nblocks, i;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	struct hm_err_entry en;
	unsigned long seq;
	char *p, *q;

	hm_contig_debug_start(test, cc, v, HM_RET_IP);
	/* one hole of 8 blocks, v[10] to v[17]; the bug in v[13] */
	for (i = 10; i < 18; i++)
		hm_test_free_in(cc, v[i]);
	hm_test_poke(v[13], 20, 0x42);
	seq = hm_test_report_seq(test);
	p = hm_test_contig_ip(cc, 8, HM_SITE_RUN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_USE_AFTER_FREE);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)v[13]);
		KUNIT_EXPECT_EQ(test, en.offset, 20);
	}
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
	/* the hole is broken: a new slab's first blocks */
	KUNIT_EXPECT_EQ(test, c->nslabs, 2);
	KUNIT_EXPECT_PTR_EQ(test, p, hm_ptr_slab(p)->blocks);
	for (i = 0; i < 8; i++) {
		const struct hm_track *t;
		struct hm_slab *s = hm_ptr_slab(p);

		t = hm_debug_block_track(s, p + i * c->size);
		KUNIT_ASSERT_NOT_NULL(test, t);
		KUNIT_EXPECT_EQ(test, t->site, HM_SITE_RUN);
		KUNIT_EXPECT_EQ(test, t->owner, cc->ctx_id);
		KUNIT_EXPECT_EQ(test, t->free_site, 0);
	}
	/* 7 of 8 back, poisoned: the longest part, v[14..17], unreported */
	q = hm_test_contig(cc, 4);
	KUNIT_EXPECT_PTR_EQ(test, q, v[14]);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), n - 3 + 8);
	HM_EXPECT_VALID(test, c);
	hm_contig_debug_end(test, cc, p, v, 10, 13, errors);
}

/*
 * The blocks of a broken run never reach the caller: their tracking
 * records keep the life they last had (allocated and freed by the test,
 * not by the run's site), and the run's site counts only the blocks it
 * was handed.
 */
#define HM_SITE_FILL	0x3000UL
#define HM_SITE_FREE	0x4000UL

static void hm_fit_contig_debug_history(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int n = c->nblocks, i, k;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	struct hm_site_stat top[4];
	char *p;

	hm_contig_debug_start(test, cc, v, HM_SITE_FILL);
	for (i = 10; i < 18; i++)
		hm_test_free_in_ip(cc, v[i], HM_SITE_FREE);
	hm_test_poke(v[13], 20, 0x42);
	p = hm_test_contig_ip(cc, 8, HM_SITE_RUN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, c->nslabs, 2);
	for (i = 10; i < 18; i++) {
		const struct hm_track *t;

		if (i == 13)
			continue;
		t = hm_debug_block_track(hm_ptr_slab(v[i]), v[i]);
		KUNIT_ASSERT_NOT_NULL(test, t);
		KUNIT_EXPECT_EQ(test, t->site, HM_SITE_FILL);
		KUNIT_EXPECT_EQ(test, t->free_site, HM_SITE_FREE);
	}
	/* one allocation of @n at the fill site first, so the run's count is added */
	hm_test_free_in(cc, hm_test_alloc_ip(cc, HM_SITE_FILL));
	k = hm_sites_top(c, top, 4, false);
	for (i = 0; i < k; i++)
		if (top[i].site == HM_SITE_RUN)
			break;
	KUNIT_ASSERT_LT(test, i, k);
	KUNIT_EXPECT_EQ(test, top[i].allocs, 8);
	KUNIT_EXPECT_EQ(test, top[i].live, 8);
	hm_contig_debug_end(test, cc, p, v, 10, 17, errors);
}

/* Free the first block of @s among @v; hybrid: back to the slab itself. */
static void hm_free_one_of(struct hm_cctx *cc, void **v, unsigned int n,
			   struct hm_slab *s)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (v[i] && hm_ptr_slab(v[i]) == s) {
			hm_test_free_in(cc, v[i]);
			v[i] = NULL;
			return;
		}
	}
}

/*
 * In every mode the policy picks the partial slab to refill from: first
 * the lowest, best the fullest.  Four full slabs; blocks come back to the
 * three that are not active (3 to the lowest, 2 to the middle one, 1 to
 * the highest, highest first: LIFO would pick the lowest second); the
 * next allocation must come from the slab the policy names.
 */
static void hm_fit_partial_choice(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 512, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = 4 * c->nblocks, i, k;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	struct hm_slab *sl[4] = { NULL }, *t;
	void *p, *more[3];

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		for (k = 0; k < 4 && sl[k] && sl[k] != hm_ptr_slab(v[i]); k++)
			;
		KUNIT_ASSERT_LE(test, k, 3);
		sl[k] = hm_ptr_slab(v[i]);
	}
	KUNIT_ASSERT_EQ(test, c->nslabs, 4);
	/* the three that are not the active one, by address */
	for (i = 0, k = 0; i < 4; i++)
		if (sl[i] != cc->active)
			sl[k++] = sl[i];
	KUNIT_ASSERT_EQ(test, k, 3);
	for (i = 0; i < 3; i++)
		for (k = i + 1; k < 3; k++)
			if (sl[k] < sl[i]) {
				t = sl[i];
				sl[i] = sl[k];
				sl[k] = t;
			}
	hm_free_one_of(cc, v, n, sl[2]);
	for (i = 0; i < 2; i++)
		hm_free_one_of(cc, v, n, sl[1]);
	for (i = 0; i < 3; i++)
		hm_free_one_of(cc, v, n, sl[0]);
	if (MODE(test) == HM_MODE_HYBRID)
		hm_cctx_flush(cc);	/* the magazine back to the slabs */
	KUNIT_ASSERT_EQ(test, hm_cache_set_fit(c, HM_FIT_FIRST), 0);
	p = hm_test_alloc(cc);
	KUNIT_EXPECT_PTR_EQ(test, hm_ptr_slab(p), sl[0]);
	hm_test_free_in(cc, p);
	if (MODE(test) == HM_MODE_HYBRID)
		hm_cctx_flush(cc);
	/* the lowest slab's three free blocks, and it is full again */
	for (i = 0; i < 3; i++) {
		more[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, more[i]);
		KUNIT_EXPECT_PTR_EQ(test, hm_ptr_slab(more[i]), sl[0]);
	}
	/* best: the fullest partial slab, the highest one here (1 free) */
	KUNIT_ASSERT_EQ(test, hm_cache_set_fit(c, HM_FIT_BEST), 0);
	p = hm_test_alloc(cc);
	KUNIT_EXPECT_PTR_EQ(test, hm_ptr_slab(p), sl[2]);
	hm_test_free_in(cc, p);
	for (i = 0; i < 3; i++)
		hm_test_free_in(cc, more[i]);
	for (i = 0; i < n; i++)
		if (v[i])
			hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* names; bad ones change nothing */
static void hm_fit_names(struct kunit *test)
{
	static const char *const bad[] = { "", "firs", "firstt", "FIRST", "best\n\n",
					   " near", "next ", "defaul" };
	struct hm_cache *c = hm_test_cache(test, 32, 0, HM_MODE_BITMAP);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	enum hm_fit f = HM_FIT_NR;
	unsigned int i;

	for (i = 0; i < HM_FIT_NR; i++) {
		KUNIT_EXPECT_TRUE(test, hm_fit_parse(hm_fit_name(i), &f));
		KUNIT_EXPECT_EQ(test, f, i);
	}
	KUNIT_EXPECT_TRUE(test, hm_fit_parse("near\n", &f));
	KUNIT_EXPECT_EQ(test, f, HM_FIT_NEAR);
	for (i = 0; i < HM_ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE(test, hm_fit_parse(bad[i], &f));
	KUNIT_EXPECT_EQ(test, cc->route, HM_MODE_BITMAP);
	KUNIT_EXPECT_EQ(test, hm_cache_set_fit(c, HM_FIT_BEST), 0);
	KUNIT_EXPECT_EQ(test, cc->route, HM_ROUTE_FIT);
	KUNIT_EXPECT_EQ(test, hm_cache_set_fit(c, HM_FIT_NR), -1);
	KUNIT_EXPECT_EQ(test, c->fit, HM_FIT_BEST);
	KUNIT_EXPECT_EQ(test, hm_cache_set_fit(c, HM_FIT_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, cc->route, HM_MODE_BITMAP);
	/* a bad policy in the creation flags: no cache */
	KUNIT_EXPECT_NULL(test, hm_core_cache_create("hm-bad", 32, 0, HM_MODE_BITMAP,
						     HM_CACHE_FIT(HM_FIT_NR), HM_GFP_DEFAULT));
	KUNIT_EXPECT_EQ(test, *errors, 1);
}

/* policies switched every few operations, and debugging on and off */
static void hm_fit_switch_churn(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 48, 16, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	unsigned int i, live = 0;
	u32 seed = 99;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 40000; i++) {
		unsigned int k = hm_test_rand(&seed) % SLOTS;

		if (i % 97 == 0)
			KUNIT_ASSERT_EQ(test, hm_cache_set_fit(c, hm_test_rand(&seed) % HM_FIT_NR),
					0);
		if (i % 5000 == 0)
			hm_cache_set_debug(c, (i / 5000) % 2 ? HM_DBG_POISON : 0, HM_GFP_DEFAULT);
		if (v[k]) {
			hm_test_free_in(cc, v[k]);
			v[k] = NULL;
			live--;
		} else {
			v[k] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[k]);
			KUNIT_EXPECT_EQ(test, (unsigned long)v[k] % 16, 0);
			live++;
		}
	}
	hm_cache_set_debug(c, 0, HM_GFP_DEFAULT);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), live);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	for (i = 0; i < SLOTS; i++)
		if (v[i])
			hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
}

/*
 * Two threads on one cache allocate singles and runs, free half of them
 * themselves and hand half to each other (remote frees), while a third
 * changes the policy, the learner (bitmap) or the adaptive mode (hybrid)
 * as fast as it can: no error, nothing lost, the cache validates.
 */
struct hm_fthreads {
	struct hm_cache *c;
	unsigned int rounds;
	void **box;		/* per thread: HM_FHALF handoff slots */
	void **local;		/* per thread: HM_FHALF own objects */
	hm_atomic_t fails, done;
};

#define HM_FHALF	200

/* a run of @n blocks in @cc, @n's first block or NULL (free-list: NULL) */
static void *hm_fthread_contig(struct hm_cctx *cc, unsigned int n)
{
	void *p;
	bool need;

	hm_test_ctx_enter();
	p = hm_cctx_alloc_contig(cc, n, &need, HM_RET_IP);
	hm_test_ctx_exit();
	if (!p && need) {
		void *chunk = hm_cache_chunk_get(cc->cache, HM_GFP_DEFAULT);

		if (chunk) {
			hm_test_ctx_enter();
			p = hm_cctx_add_chunk_contig(cc, chunk, n, HM_RET_IP);
			hm_test_ctx_exit();
		}
	}
	return p;
}

static void hm_fthread_work(struct hm_fthreads *x, unsigned int id)
{
	struct hm_cctx *cc = hm_cctx_new(x->c, 5000 + id, 0, HM_GFP_DEFAULT);
	void **mine = x->box + id * HM_FHALF, **theirs = x->box + (1 - id) * HM_FHALF;
	void **local = x->local + id * HM_FHALF;
	bool runs = x->c->mode != HM_MODE_FREELIST;
	unsigned int r, i, k;
	u32 seed = 31 + id;

	if (!cc) {
		hm_atomic_fetch_add(&x->fails, 1);
		return;
	}
	for (r = 0; r < x->rounds; r++) {
		while (hm_atomic_read((hm_atomic_t *)&mine[0]))
			hm_test_relax();
		/* slots 1.. carry objects, slot 0 says they are there */
		for (i = 0; i < HM_FHALF; i++) {
			local[i] = NULL;
			if (i)
				mine[i] = NULL;
		}
		for (i = 0; i < HM_FHALF; i += k) {
			k = runs ? 1 + hm_test_rand(&seed) % 4 : 1;
			k = HM_MIN(k, HM_FHALF - i);
			if (k > 1) {
				char *p = hm_fthread_contig(cc, k);
				unsigned int j;

				if (!p) {
					hm_atomic_fetch_add(&x->fails, 1);
					continue;
				}
				for (j = 0; j < k; j++)
					local[i + j] = p + (unsigned long)j * x->c->size;
			} else {
				local[i] = hm_test_alloc(cc);
				if (!local[i])
					hm_atomic_fetch_add(&x->fails, 1);
			}
		}
		for (i = 1; i < HM_FHALF; i++) {
			mine[i] = hm_test_alloc(cc);
			if (!mine[i])
				hm_atomic_fetch_add(&x->fails, 1);
		}
		/* half of the own ones to the other thread, in place of its own */
		for (i = 1; i < HM_FHALF; i += 2) {
			void *t = mine[i];

			mine[i] = local[i];
			local[i] = t;
		}
		hm_atomic_set((hm_atomic_t *)&mine[0], 1);
		for (i = HM_FHALF - 1; i > 0; i--) {
			unsigned int j = hm_test_rand(&seed) % (i + 1);
			void *t = local[i];

			local[i] = local[j];
			local[j] = t;
		}
		for (i = 0; i < HM_FHALF; i++)
			if (local[i])
				hm_test_free_in(cc, local[i]);
		while (!hm_atomic_read((hm_atomic_t *)&theirs[0]))
			hm_test_relax();
		for (i = 1; i < HM_FHALF; i++)
			if (theirs[i])
				hm_test_free_in(cc, theirs[i]);
		hm_atomic_set((hm_atomic_t *)&theirs[0], 0);
	}
	hm_cctx_abandon(cc, false);
}

static void hm_fthread(void *arg, unsigned int id)
{
	static const char *const learn[] = { "on 7", "freeze", "off", "on 9" };
	struct hm_fthreads *x = arg;
	unsigned int k = 0;
	u32 seed = 5;

	if (id < 2) {
		hm_fthread_work(x, id);
		hm_atomic_fetch_add(&x->done, 1);
		return;
	}
	while (hm_atomic_read(&x->done) < 2) {
		enum hm_learn_state st;
		u32 ls;

		if (hm_cache_set_fit(x->c, hm_test_rand(&seed) % HM_FIT_NR))
			hm_atomic_fetch_add(&x->fails, 1);
		if (x->c->mode == HM_MODE_BITMAP && k % 3 == 0 &&
		    (!hm_learn_parse(learn[(k / 3) % 4], &st, &ls) ||
		     hm_cache_learn(x->c, st, ls)))
			hm_atomic_fetch_add(&x->fails, 1);
		if (x->c->mode == HM_MODE_HYBRID && hm_cache_set_adaptive(x->c, k % 2))
			hm_atomic_fetch_add(&x->fails, 1);
		k++;
		hm_test_relax();
	}
}

static void hm_fit_switch_threads(struct kunit *test)
{
	struct hm_fthreads *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = hm_test_cache_flags(test, 64, 0, MODE(test),
				   MODE(test) == HM_MODE_HYBRID ? HM_CACHE_ADAPTIVE : 0);
	x->rounds = 150;
	x->box = kunit_kzalloc(test, 2 * HM_FHALF * sizeof(void *), GFP_KERNEL);
	x->local = kunit_kzalloc(test, 2 * HM_FHALF * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->box);
	KUNIT_ASSERT_NOT_NULL(test, x->local);
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(3, hm_fthread, x), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->done), 2);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->fails), 0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
}

/* the run hm_cctx_alloc_contig() must hand out: best fit over @cc's slabs */
static void *hm_expect_run(struct hm_cctx *cc, unsigned int n)
{
	struct hm_cache *c = cc->cache;
	unsigned long best = 0, blen = ~0UL;
	struct hm_slab *s;
	unsigned int i;

	for (s = c->all; s; s = s->all_next) {
		if (!hm_own(cc, s))
			continue;
		for (i = 0; i < s->nblocks; i++) {
			unsigned long a = (unsigned long)hm_block_addr(c, s, i), run = 0;

			if (!hm_bit(s->free_bits, i) || (i && hm_bit(s->free_bits, i - 1)))
				continue;
			while (i + run < s->nblocks && hm_bit(s->free_bits, i + run))
				run++;
			if (run >= n && (run < blen || (run == blen && a < best))) {
				blen = run;
				best = a;
			}
		}
	}
	return (void *)best;
}

/* random singles, runs and frees (bitmap): every run the best fit */
static void hm_fit_contig_churn(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 256, 0, HM_MODE_BITMAP);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	unsigned int i, j, checked = 0, wrong = 0, split = 0;
	u32 seed = 777;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 20000; i++) {
		unsigned int k = hm_test_rand(&seed) % SLOTS;
		unsigned int n = 1 + hm_test_rand(&seed) % 8;

		if (v[k]) {
			hm_test_free_in(cc, v[k]);
			v[k] = NULL;
		} else if (k + n <= SLOTS && hm_test_rand(&seed) % 4 == 0) {
			void *want;
			char *p;

			for (j = 0; j < n && !v[k + j]; j++)
				;
			if (j < n)
				continue;
			want = hm_expect_run(cc, n);
			p = hm_test_contig(cc, n);
			KUNIT_ASSERT_NOT_NULL(test, p);
			if (want) {
				checked++;
				wrong += p != want;
			}
			split += hm_ptr_slab(p) != hm_ptr_slab(p + (n - 1) * c->size);
			for (j = 0; j < n; j++)
				v[k + j] = p + (unsigned long)j * c->size;
		} else {
			v[k] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[k]);
		}
	}
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_EQ(test, split, 0);
	KUNIT_EXPECT_GT(test, checked, 500);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_fit_free_slots(test, cc, v);
}

/*
 * A run that fits none of the context's slabs takes an empty slab of the
 * cache's pool before a new chunk, as a single allocation does.
 */
static void hm_fit_contig_pool(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	unsigned int i, n = 4 * c->nblocks, slabs, pooled;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	char *p[2];

	KUNIT_ASSERT_NOT_NULL(test, v);
	if (MODE(test) == HM_MODE_FREELIST)
		return;
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	hm_cctx_flush(a);
	slabs = c->nslabs;
	pooled = c->npool;
	KUNIT_ASSERT_GE(test, pooled, 2);
	for (i = 0; i < 2; i++) {
		p[i] = hm_test_contig(b, c->nblocks);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	KUNIT_EXPECT_EQ(test, c->nslabs, slabs);	/* no new chunk */
	KUNIT_EXPECT_EQ(test, c->npool, pooled - 2);
	for (i = 0; i < c->nblocks; i++) {
		hm_test_free_in(b, p[0] + (unsigned long)i * c->size);
		hm_test_free_in(b, p[1] + (unsigned long)i * c->size);
	}
	KUNIT_EXPECT_EQ(test, *errors, 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A producer of runs whose consumer frees them remotely: the producer's
 * slabs come back (remote frees collected, its woken full slabs taken
 * back) and the cache stays as large as the runs in flight need.
 */
static void hm_fit_contig_remote(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	unsigned int r, i, j, q = c->nblocks / 4;
	long *errors = hm_test_count_errors(test);
	char *p[8];

	if (MODE(test) == HM_MODE_FREELIST)
		return;
	for (r = 0; r < 20; r++) {
		for (i = 0; i < 8; i++) {	/* two slabs' worth of runs */
			p[i] = hm_test_contig(a, q);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
		}
		for (i = 0; i < 8; i++)		/* all freed by the other */
			for (j = 0; j < q; j++)
				hm_test_free_in(b, p[i] + (unsigned long)j * c->size);
	}
	KUNIT_EXPECT_LE(test, c->nslabs, 4);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_cctx_flush(a);
	hm_cctx_flush(b);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

static struct kunit_case hm_fit_cases[] = {
	KUNIT_CASE(hm_fit_names),
	KUNIT_CASE(hm_fit_first_lowest),
	KUNIT_CASE(hm_fit_next_cursor),
	KUNIT_CASE(hm_fit_near_closest),
	KUNIT_CASE(hm_fit_near_tie),
	KUNIT_CASE(hm_fit_best_smallest_run),
	KUNIT_CASE(hm_fit_debug_keeps_policy),
	KUNIT_CASE_PARAM(hm_fit_contig_best, hm_fit_mode_gen_params),
	KUNIT_CASE(hm_fit_contig_churn),
	KUNIT_CASE_PARAM(hm_fit_contig_pool, hm_fit_mode_gen_params),
	KUNIT_CASE_PARAM(hm_fit_contig_remote, hm_fit_mode_gen_params),
	KUNIT_CASE_PARAM(hm_fit_contig_free_check, hm_fit_mode_gen_params),
	KUNIT_CASE_PARAM(hm_fit_contig_debug, hm_fit_mode_gen_params),
	KUNIT_CASE_PARAM(hm_fit_contig_debug_history, hm_fit_mode_gen_params),
	KUNIT_CASE_PARAM(hm_fit_partial_choice, hm_fit_mode_gen_params),
	KUNIT_CASE_PARAM(hm_fit_switch_churn, hm_fit_mode_gen_params),
	KUNIT_CASE_PARAM(hm_fit_switch_threads, hm_fit_mode_gen_params),
	{}
};

struct kunit_suite hm_fit_suite = {
	.name = "hakmem_fit",
	.test_cases = hm_fit_cases,
};
