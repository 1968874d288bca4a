// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_frag_test.c - the fragmentation walk (common/hm_frag.c): its figures
 * against layouts built on purpose, in every mode; the cache lock held for
 * one slab at a time; slabs released while a walk is paused next to them;
 * walks while other contexts allocate, free and release slabs.
 */
#include "hm_test.h"
#include "hm_frag.h"

struct hm_frag_param {
	enum hm_mode mode;
	unsigned int flags;
	const char *name;
};

static const struct hm_frag_param hm_frag_params[] = {
	{ HM_MODE_BITMAP, 0, "bitmap" },
	{ HM_MODE_FREELIST, 0, "freelist" },
	{ HM_MODE_HYBRID, 0, "hybrid" },
	{ HM_MODE_FREELIST, HM_CACHE_CHECKS, "freelist-checks" },
};

/*
 * Under load: not the freelist mode without checks, whose maps come from
 * free lists read while their owners write them (approximate, and a data
 * race by the book that ThreadSanitizer would rightly report).
 */
static const struct hm_frag_param hm_frag_load_params[] = {
	{ HM_MODE_BITMAP, 0, "bitmap" },
	{ HM_MODE_HYBRID, 0, "hybrid" },
	{ HM_MODE_FREELIST, HM_CACHE_CHECKS, "freelist-checks" },
};

static void hm_frag_param_desc(const struct hm_frag_param *p, char *desc)
{
	hm_strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hm_frag, hm_frag_params, hm_frag_param_desc);
KUNIT_ARRAY_PARAM(hm_frag_load, hm_frag_load_params, hm_frag_param_desc);

#define PARAM(test)	((const struct hm_frag_param *)(test)->param_value)
#define HM_FRAG_SLABS_MAX	8

static struct hm_cache *hm_frag_cache(struct kunit *test, unsigned int size)
{
	return hm_test_cache_flags(test, size, 0, PARAM(test)->mode, PARAM(test)->flags);
}

/*
 * Leave exactly @want slabs in @c, every block of each allocated by @cc:
 * slab k in @sl[k], its block i in @v[k * nblocks + i].
 */
static void hm_frag_full_slabs(struct kunit *test, struct hm_cache *c, struct hm_cctx *cc,
			       unsigned int want, struct hm_slab **sl, void **v)
{
	unsigned int n = c->nblocks, total = (want + 2) * n, i, k, got = 0;
	void **all = kunit_kmalloc_array(test, total, sizeof(void *), GFP_KERNEL);
	struct hm_slab *s;

	KUNIT_ASSERT_NOT_NULL(test, all);
	for (i = 0; i < total; i++) {
		all[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, all[i]);
	}
	/* the test is alone with @c: its list is still */
	for (s = c->all; s && got < want; s = s->all_next) {
		unsigned int mine = 0;

		for (i = 0; i < total; i++)
			mine += hm_ptr_slab(all[i]) == s;
		if (mine == n)
			sl[got++] = s;
	}
	KUNIT_ASSERT_EQ(test, got, want);
	for (i = 0; i < total; i++) {
		s = hm_ptr_slab(all[i]);
		for (k = 0; k < want && sl[k] != s; k++)
			;
		if (k < want)
			v[k * n + hm_block_index(c, s, all[i])] = all[i];
		else
			hm_test_free_in(cc, all[i]);
	}
	/* the magazine back, empty slabs to the pool, the pool released */
	hm_cctx_flush(cc);
	hm_cache_shrink(c);
	KUNIT_ASSERT_EQ(test, c->nslabs, want);
}

/* free what is left of @v (NULL entries were freed already) */
static void hm_frag_free_rest(struct hm_cctx *cc, void **v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i])
			hm_test_free_in(cc, v[i]);
}

static void hm_frag_free_one(struct hm_cctx *cc, void **v, unsigned int i)
{
	hm_test_free_in(cc, v[i]);
	v[i] = NULL;
}

/* what a walk showed of each slab, by position */
struct hm_frag_seen {
	struct hm_slab *slab[HM_FRAG_SLABS_MAX];	/* from @held */
	struct hm_frag_slab fs[HM_FRAG_SLABS_MAX];	/* from @fn */
	struct hm_slab *a;		/* whose map @held copies to amap */
	char *amap;
	unsigned int held, fns;
};

static void hm_frag_seen_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			      const char *map, void *arg)
{
	struct hm_frag_seen *seen = arg;

	if (nr < HM_FRAG_SLABS_MAX)
		seen->slab[nr] = s;
	if (s == seen->a)
		hm_memcpy(seen->amap, map, s->nblocks);
	seen->held++;
}

static void hm_frag_seen_fn(struct hm_cache *c, const struct hm_frag_slab *fs,
			    const char *map, void *arg)
{
	struct hm_frag_seen *seen = arg;

	if (fs->nr < HM_FRAG_SLABS_MAX)
		seen->fs[fs->nr] = *fs;
	seen->fns++;
}

/* the position @s had in the walk, or HM_FRAG_SLABS_MAX */
static unsigned int hm_frag_pos(const struct hm_frag_seen *seen, const struct hm_slab *s)
{
	unsigned int i;

	for (i = 0; i < HM_FRAG_SLABS_MAX && seen->slab[i] != s; i++)
		;
	return i;
}

/*
 * Three slabs: A with free runs of 4 and 9 blocks and two remote frees,
 * one of them extending the run of 9; B full; C with one live block.  The
 * per-slab figures, A's map and the cache's sums must be exactly those.
 */
static void hm_frag_layout(struct kunit *test)
{
	struct hm_cache *c = hm_frag_cache(test, 256);
	struct hm_cctx *cc = hm_test_cctx(test, c), *other = hm_test_cctx(test, c);
	unsigned int n = c->nblocks, i, a, b, cs, live;
	bool approx = PARAM(test)->mode == HM_MODE_FREELIST &&
		      !(PARAM(test)->flags & HM_CACHE_CHECKS);
	struct hm_frag_seen *seen = kunit_kzalloc(test, sizeof(*seen), GFP_KERNEL);
	void **v = kunit_kzalloc(test, 3 * n * sizeof(void *), GFP_KERNEL);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	char *want = kunit_kzalloc(test, n, GFP_KERNEL);
	struct hm_slab *sl[3];
	struct hm_frag f;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, map);
	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_GT(test, n, 64);	/* A stays in the 76-99% bucket */
	seen->amap = kunit_kzalloc(test, n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen->amap);
	hm_frag_full_slabs(test, c, cc, 3, sl, v);

	hm_memset(want, HM_MAP_LIVE, n);
	for (i = 3; i < 7; i++) {		/* A: a run of 4 */
		hm_frag_free_one(cc, v, i);
		want[i] = HM_MAP_FREE;
	}
	for (i = 20; i < 29; i++) {		/* and one of 9 */
		hm_frag_free_one(cc, v, i);
		want[i] = HM_MAP_FREE;
	}
	for (i = 1; i < n; i++)			/* C: block 0 stays */
		hm_frag_free_one(cc, v, 2 * n + i);
	hm_cctx_flush(cc);			/* no block cached */
	hm_frag_free_one(other, v, 29);		/* remote: the run is 10 */
	want[29] = HM_MAP_REMOTE;
	hm_frag_free_one(other, v, 0);		/* remote, alone */
	want[0] = HM_MAP_REMOTE;

	seen->a = sl[0];
	KUNIT_EXPECT_EQ(test, hm_frag_walk(c, map, hm_frag_seen_held, hm_frag_seen_fn, seen), 3);
	KUNIT_EXPECT_EQ(test, seen->held, 3);
	KUNIT_EXPECT_EQ(test, seen->fns, 3);
	KUNIT_EXPECT_NULL(test, c->cursors);
	a = hm_frag_pos(seen, sl[0]);
	b = hm_frag_pos(seen, sl[1]);
	cs = hm_frag_pos(seen, sl[2]);
	KUNIT_ASSERT_LT(test, a, 3);
	KUNIT_ASSERT_LT(test, b, 3);
	KUNIT_ASSERT_LT(test, cs, 3);
	KUNIT_EXPECT_EQ(test, seen->fs[a].nr, a);
	KUNIT_EXPECT_EQ(test, seen->fs[a].nblocks, n);
	KUNIT_EXPECT_EQ(test, seen->fs[a].live, n - 15);
	KUNIT_EXPECT_EQ(test, seen->fs[a].remote, 2);
	KUNIT_EXPECT_EQ(test, seen->fs[a].cached, 0);
	KUNIT_EXPECT_EQ(test, seen->fs[a].longest, 10);
	KUNIT_EXPECT_EQ(test, seen->fs[a].approx, approx);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, seen->amap[i], want[i]);
	KUNIT_EXPECT_EQ(test, seen->fs[b].live, n);
	KUNIT_EXPECT_EQ(test, seen->fs[b].longest, 0);
	KUNIT_EXPECT_EQ(test, seen->fs[b].approx, approx);
	KUNIT_EXPECT_EQ(test, seen->fs[cs].live, 1);
	KUNIT_EXPECT_EQ(test, seen->fs[cs].longest, n - 1);

	hm_cache_frag(c, &f, map);
	live = (n - 15) + n + 1;
	KUNIT_EXPECT_EQ(test, f.slabs, 3);
	KUNIT_EXPECT_EQ(test, f.partial, 2);
	KUNIT_EXPECT_EQ(test, f.blocks, 3 * n);
	KUNIT_EXPECT_EQ(test, f.live, live);
	KUNIT_EXPECT_EQ(test, f.cached, 0);
	KUNIT_EXPECT_EQ(test, f.remote, 2);
	KUNIT_EXPECT_EQ(test, f.free, 3 * n - live);
	KUNIT_EXPECT_EQ(test, f.util_permille, live * 1000UL / (3 * n));
	KUNIT_EXPECT_EQ(test, f.hist[0], 0);
	KUNIT_EXPECT_EQ(test, f.hist[1], 1);	/* C */
	KUNIT_EXPECT_EQ(test, f.hist[4], 1);	/* A */
	KUNIT_EXPECT_EQ(test, f.hist[HM_FRAG_BUCKETS - 1], 1);	/* B */
	KUNIT_EXPECT_EQ(test, f.longest_run_min, 0);
	KUNIT_EXPECT_EQ(test, f.longest_run_max, n - 1);
	KUNIT_EXPECT_EQ(test, f.longest_run_sum, 10 + n - 1);
	KUNIT_EXPECT_EQ(test, f.approx, approx ? 3 : 0);

	hm_frag_free_rest(cc, v, 3 * n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* a block size whose slabs in the mode of @test hold a multiple of 4 blocks */
static unsigned int hm_frag_size_by_4(struct kunit *test)
{
	unsigned int size;

	for (size = 256; size < 1024; size += 8) {
		struct hm_cache *c = hm_core_cache_create("hm-by4", size, 0, PARAM(test)->mode,
							  PARAM(test)->flags, HM_GFP_DEFAULT);
		unsigned int n;

		KUNIT_ASSERT_NOT_NULL(test, c);
		n = c->nblocks;
		hm_core_cache_destroy(c);
		if (n % 4 == 0)
			return size;
	}
	KUNIT_ASSERT_TRUE(test, false);
	return 0;
}

/*
 * The fullness buckets at their edges: a slab a quarter, a half, three
 * quarters full is in 1-25%, 26-50%, 51-75%; one block more than a
 * quarter is in 26-50%.
 */
static void hm_frag_bucket_edges(struct kunit *test)
{
	struct hm_cache *c = hm_frag_cache(test, hm_frag_size_by_4(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks, keep[4], i, k;
	void **v = kunit_kzalloc(test, 4 * n * sizeof(void *), GFP_KERNEL);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	struct hm_slab *sl[4];
	struct hm_frag f;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, map);
	KUNIT_ASSERT_EQ(test, n % 4, 0);
	keep[0] = n / 4;
	keep[1] = n / 2;
	keep[2] = 3 * n / 4;
	keep[3] = n / 4 + 1;
	hm_frag_full_slabs(test, c, cc, 4, sl, v);
	for (k = 0; k < 4; k++)
		for (i = keep[k]; i < n; i++)
			hm_frag_free_one(cc, v, k * n + i);
	hm_cctx_flush(cc);			/* no block cached */
	hm_cache_frag(c, &f, map);
	KUNIT_EXPECT_EQ(test, f.slabs, 4);
	KUNIT_EXPECT_EQ(test, f.partial, 4);
	KUNIT_EXPECT_EQ(test, f.live, keep[0] + keep[1] + keep[2] + keep[3]);
	KUNIT_EXPECT_EQ(test, f.hist[0], 0);
	KUNIT_EXPECT_EQ(test, f.hist[1], 1);	/* a quarter */
	KUNIT_EXPECT_EQ(test, f.hist[2], 2);	/* a half, a quarter and one */
	KUNIT_EXPECT_EQ(test, f.hist[3], 1);	/* three quarters */
	KUNIT_EXPECT_EQ(test, f.hist[4], 0);
	KUNIT_EXPECT_EQ(test, f.hist[HM_FRAG_BUCKETS - 1], 0);
	hm_frag_free_rest(cc, v, 4 * n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Freelist: checks switched on later keep exact state only for slabs
 * (re)built since; the older slabs' maps come from their lists and are
 * said to be approximate, the new slab's is not.  Both are right here.
 */
static void hm_frag_freelist_exact(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 512, 0, HM_MODE_FREELIST);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks, i, pos;
	struct hm_frag_seen *seen = kunit_kzalloc(test, sizeof(*seen), GFP_KERNEL);
	void **v = kunit_kzalloc(test, 3 * n * sizeof(void *), GFP_KERNEL);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	struct hm_slab *sl[2], *fresh;
	struct hm_frag f;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, map);
	hm_frag_full_slabs(test, c, cc, 2, sl, v);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_CHECKS, HM_GFP_DEFAULT), 0);
	fresh = NULL;
	for (i = 0; i < n; i++) {		/* a third slab, built with checks on */
		void *q = hm_test_alloc(cc);

		KUNIT_ASSERT_NOT_NULL(test, q);
		if (!fresh)
			fresh = hm_ptr_slab(q);
		KUNIT_ASSERT_PTR_EQ(test, hm_ptr_slab(q), fresh);
		v[2 * n + hm_block_index(c, fresh, q)] = q;
	}
	KUNIT_ASSERT_PTR_NE(test, fresh, sl[0]);
	KUNIT_ASSERT_PTR_NE(test, fresh, sl[1]);
	hm_frag_free_one(cc, v, 5);
	hm_frag_free_one(cc, v, 2 * n + 7);
	hm_frag_free_one(cc, v, 2 * n + 8);

	KUNIT_EXPECT_EQ(test, hm_frag_walk(c, map, hm_frag_seen_held, hm_frag_seen_fn, seen), 3);
	pos = hm_frag_pos(seen, fresh);
	KUNIT_ASSERT_LT(test, pos, 3);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, seen->fs[i].approx, i != pos);
	KUNIT_EXPECT_EQ(test, seen->fs[pos].live, n - 2);
	KUNIT_EXPECT_EQ(test, seen->fs[pos].longest, 2);
	KUNIT_EXPECT_EQ(test, seen->fs[hm_frag_pos(seen, sl[0])].live, n - 1);
	hm_cache_frag(c, &f, map);
	KUNIT_EXPECT_EQ(test, f.approx, 2);
	KUNIT_EXPECT_EQ(test, f.live, 3 * n - 3);
	hm_frag_free_rest(cc, v, 3 * n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Freelist without checks: the slabs of a context whose thread exited
 * (abandoned) have exact maps, since only a running owner changes free
 * lists without the lock; once a thread adopts it, approximate again.
 */
static void hm_frag_freelist_abandoned(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 512, 0, HM_MODE_FREELIST);
	struct hm_cctx *cc = hm_test_cctx(test, c), *other = hm_test_cctx(test, c);
	struct hm_frag_seen *seen = kunit_kzalloc(test, sizeof(*seen), GFP_KERNEL);
	void **v = kunit_kzalloc(test, 2 * c->nblocks * sizeof(void *), GFP_KERNEL);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	unsigned int n = c->nblocks, i, a;
	struct hm_slab *sl[2];
	struct hm_frag f;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, map);
	seen->amap = kunit_kzalloc(test, n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen->amap);
	hm_frag_full_slabs(test, c, cc, 2, sl, v);
	for (i = 10; i < 20; i++)		/* a run of 10 in the first */
		hm_frag_free_one(cc, v, i);

	hm_cache_frag(c, &f, map);		/* a running owner's: approximate */
	KUNIT_EXPECT_EQ(test, f.approx, 2);
	hm_cctx_abandon(cc, false);
	hm_frag_free_one(other, v, 30);		/* remote, left for the next owner */
	seen->a = sl[0];
	KUNIT_EXPECT_EQ(test, hm_frag_walk(c, map, hm_frag_seen_held, hm_frag_seen_fn, seen), 2);
	a = hm_frag_pos(seen, sl[0]);
	KUNIT_ASSERT_LT(test, a, 2);
	KUNIT_EXPECT_EQ(test, seen->fs[a].approx, false);
	KUNIT_EXPECT_EQ(test, seen->fs[a].live, n - 11);
	KUNIT_EXPECT_EQ(test, seen->fs[a].remote, 1);
	KUNIT_EXPECT_EQ(test, seen->fs[a].longest, 10);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, seen->amap[i], i == 30 ? HM_MAP_REMOTE :
				i >= 10 && i < 20 ? HM_MAP_FREE : HM_MAP_LIVE);
	KUNIT_EXPECT_EQ(test, seen->fs[1 - a].approx, false);
	KUNIT_EXPECT_EQ(test, seen->fs[1 - a].live, n);
	hm_cache_frag(c, &f, map);
	KUNIT_EXPECT_EQ(test, f.approx, 0);
	KUNIT_EXPECT_EQ(test, f.live, 2 * n - 11);

	/* adopted: its slabs have a running owner again */
	KUNIT_ASSERT_PTR_EQ(test, hm_cctx_adopt(c, 7777, 0), cc);
	hm_cache_frag(c, &f, map);
	KUNIT_EXPECT_EQ(test, f.approx, 2);
	hm_frag_free_rest(cc, v, 2 * n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* a walk's two callbacks alternate, one slab each: a step out of turn is counted */
struct hm_frag_steps {
	unsigned int phase;		/* 1: in @held, 0: after @fn */
	unsigned long out_of_step;
};

static void hm_frag_step(struct hm_frag_steps *st, unsigned int from, unsigned int to)
{
	st->out_of_step += st->phase != from;
	st->phase = to;
}

/* a walk's steps, and what another context could do between them */
struct hm_frag_hold {
	struct hm_cctx *other;
	void *p;			/* other's allocation, a new slab */
	struct hm_frag_steps steps;
	unsigned int held, fns;
	unsigned int held_lock_free;	/* @held found the lock free */
	unsigned int fn_lock_taken;	/* @fn found it held */
	unsigned long created0;
};

static void hm_frag_hold_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			      const char *map, void *arg)
{
	struct hm_frag_hold *h = arg;

	hm_frag_step(&h->steps, 0, 1);
	h->held++;
	h->held_lock_free += hm_test_lock_free(&c->lock);
}

static void hm_frag_hold_fn(struct hm_cache *c, const struct hm_frag_slab *fs,
			    const char *map, void *arg)
{
	struct hm_frag_hold *h = arg;

	hm_frag_step(&h->steps, 1, 0);
	h->fns++;
	if (!hm_test_lock_free(&c->lock)) {
		h->fn_lock_taken++;
		return;
	}
	/* slow paths that take the lock: a new chunk, a shrink */
	if (!h->p)
		h->p = hm_test_alloc(h->other);
	hm_cache_shrink(c);
}

/*
 * The walk takes the cache lock once per slab and drops it before going
 * on: between two slabs it is free, and another context's slow path (a
 * new chunk, a shrink) gets it.  The slab that context added is not
 * visited.
 */
static void hm_frag_one_slab_per_hold(struct kunit *test)
{
	struct hm_cache *c = hm_frag_cache(test, 1024);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_frag_hold h = { .other = hm_test_cctx(test, c) };
	unsigned int n = c->nblocks;
	void **v = kunit_kzalloc(test, 4 * n * sizeof(void *), GFP_KERNEL);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	struct hm_slab *sl[4];

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, map);
	hm_frag_full_slabs(test, c, cc, 4, sl, v);
	h.created0 = c->slabs_created;
	KUNIT_EXPECT_EQ(test, hm_frag_walk(c, map, hm_frag_hold_held, hm_frag_hold_fn, &h), 4);
	KUNIT_EXPECT_EQ(test, h.held, 4);
	KUNIT_EXPECT_EQ(test, h.fns, 4);
	KUNIT_EXPECT_EQ(test, h.steps.out_of_step, 0);
	KUNIT_EXPECT_EQ(test, h.held_lock_free, 0);
	KUNIT_EXPECT_EQ(test, h.fn_lock_taken, 0);
	KUNIT_ASSERT_NOT_NULL(test, h.p);
	KUNIT_EXPECT_EQ(test, c->slabs_created, h.created0 + 1);	/* during the walk */
	KUNIT_EXPECT_EQ(test, c->nslabs, 5);
	KUNIT_EXPECT_NULL(test, c->cursors);
	hm_test_free_in(h.other, h.p);
	hm_frag_free_rest(cc, v, 4 * n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Paused after its first slab X, a walk (or two: @nested) has X's
 * successor Y next; X and Y are released meanwhile.  The walk goes on
 * after Y without touching it (its memory is gone: ASan, KASAN), the
 * other slabs are all visited, and both slabs really went back.
 */
struct hm_frag_pause {
	struct kunit *test;
	struct hm_cctx *cc;
	struct hm_slab **sl;
	void **v;
	char *map2;
	bool nested;
	struct hm_slab *x, *y;		/* X, and Y read under the lock */
	struct hm_slab *seen[HM_FRAG_SLABS_MAX];
	unsigned int visits, inner_visits;
	unsigned long released, inner_walked;
};

static void hm_frag_release_xy(struct hm_frag_pause *p)
{
	struct hm_cache *c = p->cc->cache;
	unsigned int n = c->nblocks, k, i;
	unsigned long before = c->slabs_released;

	for (k = 0; k < 5; k++) {
		if (p->sl[k] != p->x && p->sl[k] != p->y)
			continue;
		for (i = 0; i < n; i++)
			hm_frag_free_one(p->cc, p->v, k * n + i);
	}
	hm_cctx_flush(p->cc);
	hm_cache_shrink(c);
	p->released = c->slabs_released - before;
}

static void hm_frag_pause_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			       const char *map, void *arg)
{
	struct hm_frag_pause *p = arg;

	if (p->visits < HM_FRAG_SLABS_MAX)
		p->seen[p->visits] = s;
	p->visits++;
	if (nr == 0) {
		p->x = s;
		p->y = s->all_next;
	}
}

static void hm_frag_inner_fn(struct hm_cache *c, const struct hm_frag_slab *fs,
			     const char *map, void *arg)
{
	struct hm_frag_pause *p = arg;

	p->inner_visits++;
	if (fs->nr == 0)
		hm_frag_release_xy(p);
}

static void hm_frag_pause_fn(struct hm_cache *c, const struct hm_frag_slab *fs,
			     const char *map, void *arg)
{
	struct hm_frag_pause *p = arg;

	if (fs->nr != 0)
		return;
	if (p->nested)		/* a second walk, paused at X too, releases */
		p->inner_walked = hm_frag_walk(c, p->map2, NULL, hm_frag_inner_fn, p);
	else
		hm_frag_release_xy(p);
}

static void hm_frag_release_paused_one(struct kunit *test, bool nested)
{
	struct hm_cache *c = hm_frag_cache(test, 1024);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks, i;
	struct hm_frag_pause *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	void **v = kunit_kzalloc(test, 5 * n * sizeof(void *), GFP_KERNEL);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	struct hm_slab *sl[5];
	unsigned long released0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, map);
	p->map2 = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p->map2);
	hm_frag_full_slabs(test, c, cc, 5, sl, v);
	*p = (struct hm_frag_pause){ .test = test, .cc = cc, .sl = sl, .v = v,
				     .map2 = p->map2, .nested = nested };
	released0 = c->slabs_released;

	KUNIT_EXPECT_EQ(test, hm_frag_walk(c, map, hm_frag_pause_held, hm_frag_pause_fn, p), 4);
	KUNIT_EXPECT_EQ(test, p->released, 2);
	KUNIT_EXPECT_EQ(test, c->slabs_released, released0 + 2);
	KUNIT_EXPECT_EQ(test, c->nslabs, 3);
	KUNIT_EXPECT_NULL(test, c->cursors);
	KUNIT_ASSERT_NOT_NULL(test, p->y);
	/* X, then the three after Y; the inner walk likewise */
	KUNIT_EXPECT_EQ(test, p->visits, 4);
	KUNIT_EXPECT_EQ(test, p->inner_walked, nested ? 4 : 0);
	KUNIT_EXPECT_EQ(test, p->inner_visits, nested ? 4 : 0);
	for (i = 1; i < 4; i++) {
		KUNIT_EXPECT_PTR_NE(test, p->seen[i], p->x);
		KUNIT_EXPECT_PTR_NE(test, p->seen[i], p->y);
	}
	hm_frag_free_rest(cc, v, 5 * n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

static void hm_frag_release_paused(struct kunit *test)
{
	hm_frag_release_paused_one(test, false);
}

static void hm_frag_release_paused_nested(struct kunit *test)
{
	hm_frag_release_paused_one(test, true);
}

/* ---- under load -------------------------------------------------------- */

#define HM_FRAG_WORKERS		3
#define HM_FRAG_MAIL		16
#define HM_FRAG_WALKS		200	/* at least, and until the workers did */
#define HM_FRAG_ROUNDS		120	/* rounds, a quarter of them releasing */
#define HM_FRAG_BALLAST		16	/* full slabs: walks long enough to meet releases */

struct hm_frag_load {
	struct hm_cache *c;
	char *map;
	hm_atomic_t stop;
	hm_atomic_t bad;		/* a figure a walk cannot have */
	hm_atomic_t failed;		/* a worker could not allocate */
	hm_atomic_t mail[HM_FRAG_MAIL];	/* objects handed over for remote frees */
	hm_atomic_t released;		/* by the workers' shrinks */
	hm_atomic_t rounds;		/* the workers' */
	unsigned long walks, visits;
	struct hm_frag_steps steps;
};

static void hm_frag_load_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			      const char *map, void *arg)
{
	struct hm_frag_load *x = arg;

	hm_frag_step(&x->steps, 0, 1);
}

static void hm_frag_load_fn(struct hm_cache *c, const struct hm_frag_slab *fs,
			    const char *map, void *arg)
{
	struct hm_frag_load *x = arg;

	hm_frag_step(&x->steps, 1, 0);
	x->visits++;
	if (fs->nblocks != c->nblocks || fs->live + fs->cached + fs->remote > fs->nblocks ||
	    fs->longest > fs->nblocks - fs->live - fs->cached)
		hm_atomic_fetch_add(&x->bad, 1);
}

/* HM_FRAG_WALKS walks, and more until the workers did their rounds */
static bool hm_frag_load_more(struct hm_frag_load *x)
{
	return x->walks < HM_FRAG_WALKS ||
	       (hm_atomic_read(&x->rounds) < HM_FRAG_ROUNDS && !hm_atomic_read(&x->failed));
}

static void hm_frag_load_walker(struct hm_frag_load *x)
{
	struct hm_frag f;

	while (hm_frag_load_more(x)) {
		x->walks++;
		hm_frag_walk(x->c, x->map, hm_frag_load_held, hm_frag_load_fn, x);
		hm_cache_frag(x->c, &f, x->map);
		if (f.blocks != f.slabs * x->c->nblocks || f.longest_run_max > x->c->nblocks ||
		    f.live + f.cached + f.free != f.blocks || f.partial > f.slabs)
			hm_atomic_fetch_add(&x->bad, 1);
		hm_test_relax();
	}
	hm_atomic_set(&x->stop, 1);
}

static void hm_frag_load_thread(void *arg, unsigned int id)
{
	struct hm_frag_load *x = arg;
	u32 seed = 0x9e3779b9U * (id + 1);
	unsigned int i, round = 0;
	struct hm_cctx *cc;
	void *v[128] = { NULL };

	if (id == 0) {
		hm_frag_load_walker(x);
		return;
	}
	cc = hm_cctx_new(x->c, 4000 + id, 0, HM_GFP_DEFAULT);
	if (!cc) {
		hm_atomic_fetch_add(&x->failed, 1);
		return;
	}
	while (!hm_atomic_read(&x->stop)) {
		for (i = 0; i < 128; i++) {
			unsigned int r = hm_test_rand(&seed);

			if (!v[i]) {
				v[i] = hm_test_alloc(cc);
				if (!v[i])
					hm_atomic_fetch_add(&x->failed, 1);
				continue;
			}
			if (r % 4 == 0) {	/* hand it over; free what was there */
				void *q = (void *)hm_atomic_xchg(&x->mail[r / 4 % HM_FRAG_MAIL],
								 (unsigned long)v[i]);

				if (q)
					hm_test_free_in(cc, q);
			} else {
				hm_test_free_in(cc, v[i]);
			}
			v[i] = NULL;
		}
		/* now and then everything back, and empty slabs released */
		if (++round % 4 == 0) {
			for (i = 0; i < 128; i++) {
				if (v[i])
					hm_test_free_in(cc, v[i]);
				v[i] = NULL;
			}
			hm_cctx_flush(cc);
			hm_atomic_fetch_add(&x->released, hm_cache_shrink(x->c));
		}
		hm_atomic_fetch_add(&x->rounds, 1);
		hm_test_relax();
	}
	for (i = 0; i < 128; i++)
		if (v[i])
			hm_test_free_in(cc, v[i]);
	hm_cctx_abandon(cc, false);
}

/*
 * Walks over and over while three contexts allocate, free locally and
 * remotely, and release slabs: nothing is lost or damaged, every figure
 * a walk gives is possible, each step holds one slab.
 */
static void hm_frag_walk_under_load(struct kunit *test)
{
	struct hm_frag_load *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	struct hm_slab *sl[HM_FRAG_BALLAST];
	struct hm_cctx *cc;
	unsigned int i;
	void **v;

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = hm_frag_cache(test, 1024);	/* two slabs and more a worker */
	x->map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->map);
	cc = hm_test_cctx(test, x->c);
	v = kunit_kzalloc(test, HM_FRAG_BALLAST * x->c->nblocks * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	hm_frag_full_slabs(test, x->c, cc, HM_FRAG_BALLAST, sl, v);
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(1 + HM_FRAG_WORKERS, hm_frag_load_thread, x), 0);
	for (i = 0; i < HM_FRAG_MAIL; i++) {
		void *q = (void *)hm_atomic_xchg(&x->mail[i], 0);

		if (q)
			hm_test_free_in(cc, q);
	}
	hm_frag_free_rest(cc, v, HM_FRAG_BALLAST * x->c->nblocks);
	KUNIT_EXPECT_GE(test, x->walks, HM_FRAG_WALKS);
	KUNIT_EXPECT_GE(test, x->visits, x->walks * HM_FRAG_BALLAST);
	KUNIT_EXPECT_GE(test, hm_atomic_read(&x->rounds), HM_FRAG_ROUNDS);
	/*
	 * Releases during the walks depend on the schedule (a worker's slabs
	 * may all hold another's mail): counted, not required.  Release under
	 * a walk is forced in hm_frag_release_paused.
	 */
	kunit_info(test, "%ld slabs released during the walks",
		   (long)hm_atomic_read(&x->released));
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->bad), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->failed), 0);
	KUNIT_EXPECT_EQ(test, x->steps.out_of_step, 0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_NULL(test, x->c->cursors);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
	/* and every empty slab can still go back */
	hm_cctx_flush(cc);
	hm_cache_shrink(x->c);
	KUNIT_EXPECT_EQ(test, x->c->slabs_created - x->c->slabs_released, x->c->nslabs);
}

static struct kunit_case hm_frag_cases[] = {
	KUNIT_CASE_PARAM(hm_frag_layout, hm_frag_gen_params),
	KUNIT_CASE_PARAM(hm_frag_bucket_edges, hm_frag_gen_params),
	KUNIT_CASE(hm_frag_freelist_exact),
	KUNIT_CASE(hm_frag_freelist_abandoned),
	KUNIT_CASE_PARAM(hm_frag_one_slab_per_hold, hm_frag_gen_params),
	KUNIT_CASE_PARAM(hm_frag_release_paused, hm_frag_gen_params),
	KUNIT_CASE_PARAM(hm_frag_release_paused_nested, hm_frag_gen_params),
	KUNIT_CASE_PARAM(hm_frag_walk_under_load, hm_frag_load_gen_params),
	{}
};

struct kunit_suite hm_frag_suite = {
	.name = "hakmem_frag",
	.test_cases = hm_frag_cases,
};
