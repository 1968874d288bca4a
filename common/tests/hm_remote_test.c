// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_remote_test.c - several contexts: frees into slabs another context
 * owns, full slabs that remote frees wake up, contexts that exit with
 * cached objects and are adopted, and real threads doing it concurrently.
 */
#include "hm_test.h"
#include "hm_stats.h"

KUNIT_ARRAY_PARAM(hm_mode, hm_test_modes, hm_test_mode_desc);

/* A allocates, B frees everything: remote frees, then A reuses the blocks */
static void hm_remote_free_reuse(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	unsigned int n = c->nblocks * 3, i;
	void **v = kunit_kmalloc_array(test, n, sizeof(void *), GFP_KERNEL);
	unsigned long created;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	created = c->slabs_created;
	for (i = 0; i < n; i++)
		hm_test_free_in(b, v[i]);
	KUNIT_EXPECT_EQ(test, b->st.remote_frees, n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	/* the full slabs were queued to A, which allocates from them again */
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_EXPECT_EQ(test, c->slabs_created, created);
	HM_EXPECT_VALID(test, c);
	for (i = 0; i < n; i++)
		hm_test_free_in(i % 2 ? a : b, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* the slabs on @cc's partial list */
static unsigned int hm_remote_npartial(const struct hm_cctx *cc)
{
	const struct hm_slab *s;
	unsigned int n = 0;

	for (s = cc->partial; s; s = s->next)
		n++;
	return n;
}

/*
 * A context left alone (a CPU gone offline) parks its slabs: every remote
 * free into one of them then wakes it, and the cache's nwoken counts the
 * slabs woken, which a flush collects and the unpark takes back into use.
 */
static void hm_remote_park(struct hm_cache *c, struct kunit *test)
{
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	unsigned int n = c->nblocks * 2 + c->nblocks / 2, i;
	void **v = kunit_kmalloc_array(test, n, sizeof(void *), GFP_KERNEL);
	struct hm_slab *s0, *s1, *half;
	unsigned long created;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	/* two full slabs, watched, and half of the active one */
	s0 = hm_ptr_slab(v[0]);
	s1 = hm_ptr_slab(v[c->nblocks]);
	half = hm_ptr_slab(v[n - 1]);
	KUNIT_ASSERT_TRUE(test, s0 != s1 && s1 != half && half == a->active);
	/* all of s0 but v[0] freed remotely: the first free woke it */
	for (i = 1; i < c->nblocks; i++)
		hm_test_free_in(b, v[i]);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 1);
	HM_EXPECT_VALID(test, c);
	/* the flush collects it (partial now), the park watches every slab */
	hm_cctx_flush(a);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 0);
	KUNIT_EXPECT_PTR_EQ(test, a->partial, s0);
	KUNIT_EXPECT_EQ(test, hm_cctx_park(a), 0);
	KUNIT_EXPECT_NULL(test, a->active);
	KUNIT_EXPECT_NULL(test, a->partial);
	/* parked, on its own list (s1 was full already: it stays so) */
	KUNIT_EXPECT_EQ(test, half->list, HM_LIST_PARKED);
	KUNIT_EXPECT_EQ(test, s0->list, HM_LIST_PARKED);
	KUNIT_EXPECT_EQ(test, s1->list, HM_LIST_FULL);
	HM_EXPECT_VALID(test, c);
	/* a remote free into any slab now wakes it, once */
	hm_test_free_in(b, v[n - 1]);
	hm_test_free_in(b, v[n - 2]);
	hm_test_free_in(b, v[c->nblocks]);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 2);
	hm_test_free_in(b, v[0]);	/* the last object of s0 */
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 3);
	HM_EXPECT_VALID(test, c);
	/* the next flush gives s0 up, and the park watches the others again */
	created = c->nslabs;
	hm_cctx_flush(a);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 0);
	KUNIT_EXPECT_EQ(test, hm_cctx_park(a), 0);
	KUNIT_EXPECT_EQ(test, s0->list, HM_LIST_POOL);
	KUNIT_EXPECT_EQ(test, s1->list, HM_LIST_PARKED);
	KUNIT_EXPECT_EQ(test, half->list, HM_LIST_PARKED);
	KUNIT_EXPECT_EQ(test, c->nslabs, created);
	HM_EXPECT_VALID(test, c);
	/* unparked, the two slabs with free blocks serve @a first */
	hm_cctx_unpark(a);
	KUNIT_EXPECT_EQ(test, hm_remote_npartial(a), 2);
	HM_EXPECT_VALID(test, c);
	created = c->slabs_created;
	v[0] = hm_test_alloc(a);
	KUNIT_ASSERT_NOT_NULL(test, v[0]);
	KUNIT_EXPECT_TRUE(test, hm_ptr_slab(v[0]) == s1 || hm_ptr_slab(v[0]) == half);
	KUNIT_EXPECT_EQ(test, c->slabs_created, created);
	hm_test_free_in(a, v[0]);
	for (i = c->nblocks + 1; i < n - 2; i++)
		hm_test_free_in(i % 2 ? a : b, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 0);
}

static void hm_remote_park_unpark(struct kunit *test)
{
	hm_remote_park(hm_test_cache(test, 64, 0, MODE(test)), test);
}

/* @n objects allocated by @cc, in a test-managed array */
static void **hm_remote_alloc(struct kunit *test, struct hm_cctx *cc, unsigned int n)
{
	void **v = kunit_kmalloc_array(test, n, sizeof(void *), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	return v;
}

/* the slabs on @cc's list of parked slabs */
static unsigned int hm_remote_nparked(const struct hm_cctx *cc)
{
	const struct hm_slab *s;
	unsigned int n = 0;

	for (s = cc->parked; s; s = s->next)
		n++;
	return n;
}

/*
 * hm_cctx_unpark() runs at CPU bringup with nothing else to do it: it
 * visits the slabs that were parked, not every slab of the cache.  Here
 * three parked slabs of @a among some twenty of @b's.
 */
static void hm_remote_unpark_bounded(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	unsigned int na = c->nblocks * 3 + 1, nb = c->nblocks * 20, i;
	void **vb = hm_remote_alloc(test, b, nb);
	void **va = hm_remote_alloc(test, a, na);
	unsigned long visits;

	/* a block of each full slab freed remotely: partial after the flush */
	for (i = 0; i < 3; i++) {
		hm_test_free_in(b, va[i * c->nblocks]);
		va[i * c->nblocks] = NULL;
	}
	hm_cctx_flush(a);
	KUNIT_EXPECT_EQ(test, hm_cctx_park(a), 0);
	/* the three, and the active slab with its one object */
	KUNIT_EXPECT_EQ(test, hm_remote_nparked(a), 4);
	KUNIT_EXPECT_GE(test, c->nslabs, 24);
	HM_EXPECT_VALID(test, c);
	visits = hm_atomic_read(&c->unpark_visits);
	hm_cctx_unpark(a);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->unpark_visits) - visits, 4);
	KUNIT_EXPECT_EQ(test, hm_remote_npartial(a), 4);
	KUNIT_EXPECT_NULL(test, a->parked);
	HM_EXPECT_VALID(test, c);
	for (i = 0; i < na; i++)
		if (va[i])
			hm_test_free_in(i % 2 ? a : b, va[i]);
	for (i = 0; i < nb; i++)
		hm_test_free_in(b, vb[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * hm_cctx_drain_notify() returns the slabs that its own settles gave
 * back to the platform, as hm_cctx_drop_reserve() does: of the woken
 * slabs remote frees emptied, those that neither the reserve nor the pool
 * took.  A reclaimer sums these (the kernel's drain items) instead of
 * reading the cache-wide slabs_released before and after, which other
 * contexts move too.
 */
static void hm_remote_drain_count(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	unsigned int k = c->max_pool + c->max_empty + 3;
	unsigned int n = c->nblocks * (k + 1) + 1, i, room, got;
	void **v = hm_remote_alloc(test, a, n);
	unsigned long released;

	/* @k full slabs of @a, emptied remotely (the next one, full too, kept) */
	for (i = 0; i < c->nblocks * k; i++) {
		hm_test_free_in(b, v[i]);
		v[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), k);
	room = c->max_empty - hm_cctx_nempty(a) + c->max_pool - c->npool;
	released = c->slabs_released;
	got = hm_cctx_drain_notify(a);
	KUNIT_EXPECT_EQ(test, got, k - room);
	KUNIT_EXPECT_EQ(test, got, c->slabs_released - released);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 0);
	/* nothing woken: nothing released */
	KUNIT_EXPECT_EQ(test, hm_cctx_drain_notify(a), 0);
	HM_EXPECT_VALID(test, c);
	for (i = c->nblocks * k; i < n; i++)
		hm_test_free_in(i % 2 ? a : b, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * hm_cctx_flush() of @c's context after this: @k slabs of it hold one
 * block each, the rest free, and (hybrid) those @k blocks sit in its
 * magazine, so that its flush empties them.  Return: what the flush
 * returned, which must be the rise of slabs_released it caused.
 */
static unsigned int hm_flush_count_run(struct kunit *test, struct hm_cache *c)
{
	struct hm_cctx *a = hm_test_cctx(test, c);
	unsigned int k = c->max_pool + c->max_empty + 3;
	unsigned int n = c->nblocks * k + 1, i, got;
	void **v = hm_remote_alloc(test, a, n);
	unsigned long released, want;

	/* @k full slabs, each down to its first block; the last block kept */
	for (i = 0; i < c->nblocks * k; i++) {
		if (i % c->nblocks) {
			hm_test_free_in(a, v[i]);
			v[i] = NULL;
		}
	}
	hm_cctx_flush(a);
	KUNIT_EXPECT_EQ(test, a->mag_count, 0);
	/* hybrid: the @k blocks into the magazine, which holds them all */
	KUNIT_ASSERT_LT(test, k, a->mag_cap ? a->mag_cap : k + 1);
	for (i = 0; i < k; i++) {
		KUNIT_EXPECT_PTR_NE(test, hm_ptr_slab(v[i * c->nblocks]), hm_ptr_slab(v[n - 1]));
		hm_test_free_in(a, v[i * c->nblocks]);
		v[i * c->nblocks] = NULL;
	}
	/* the emptied slabs fill the reserve, then the pool; the reserve follows */
	want = k + hm_cctx_nempty(a) - (c->max_pool - c->npool);
	released = c->slabs_released;
	got = hm_cctx_flush(a);
	KUNIT_EXPECT_EQ(test, got, c->slabs_released - released);
	if (a->mode == HM_MODE_HYBRID && !a->adapt.on)
		KUNIT_EXPECT_EQ(test, got, want);
	KUNIT_EXPECT_EQ(test, a->mag_count, 0);
	KUNIT_EXPECT_EQ(test, hm_cctx_nempty(a), 0);
	/* nothing left to release: nothing counted */
	released = c->slabs_released;
	KUNIT_EXPECT_EQ(test, hm_cctx_flush(a), 0);
	KUNIT_EXPECT_EQ(test, c->slabs_released, released);
	HM_EXPECT_VALID(test, c);
	hm_test_free_in(a, v[n - 1]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	return got;
}

/*
 * hm_cctx_flush() returns the slabs it gave back to the platform: every
 * one, those its magazine flush emptied beyond the reserve and a full
 * pool too, not only those of its own settles and reserve.  A reclaimer
 * (the kernel's offline CPUs, hm_cache_shrink()'s exited threads) sums
 * these.  In hybrid mode the flush empties slabs it cannot keep; in an
 * adaptive cache each settle of the flush ticks the adaptive mode too.
 */
static void hm_flush_count(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));

	if (MODE(test) == HM_MODE_HYBRID)
		KUNIT_EXPECT_GE(test, hm_flush_count_run(test, c), 1);
	else
		hm_flush_count_run(test, c);
	if (MODE(test) == HM_MODE_HYBRID) {
		c = hm_test_cache_flags(test, 64, 0, HM_MODE_HYBRID, HM_CACHE_ADAPTIVE);
		hm_flush_count_run(test, c);
	}
}

/*
 * A woken slab (a full one a remote free woke) holds one free block at
 * least, all of them only when every other object went too.  The count a
 * shrinker reads (hm_cache_reclaimable()) takes the woken slabs at the
 * share that drains for reclaim found empty lately: every one in a new
 * cache, half after a drain that found none empty, more again after one
 * that found all.
 */
static void hm_remote_woken_estimate(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	unsigned int n = c->nblocks * 8 + 1, i, j;
	void **v = hm_remote_alloc(test, a, n);
	struct hm_drain d = { };
	unsigned long base;

	base = hm_cache_reclaimable(c);
	/* one block of each of the eight full slabs: eight woken */
	for (i = 0; i < 8; i++) {
		hm_test_free_in(b, v[i * c->nblocks + 1]);
		v[i * c->nblocks + 1] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 8);
	KUNIT_EXPECT_EQ(test, hm_cache_reclaimable(c), base + 8);
	/* a drain for reclaim finds none empty: the count expects half */
	KUNIT_EXPECT_EQ(test, hm_cctx_drain_woken(a, &d), 0);
	KUNIT_EXPECT_EQ(test, d.woken, 8);
	KUNIT_EXPECT_EQ(test, d.emptied, 0);
	hm_cache_woken_yield(c, &d);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->woken_yield), HM_YIELD_ONE / 2);
	/* parked (partial now, watched again) and woken again */
	hm_cctx_flush(a);
	hm_cctx_park(a);
	base = hm_cache_reclaimable(c);
	for (i = 0; i < 8; i++) {
		hm_test_free_in(b, v[i * c->nblocks + 2]);
		v[i * c->nblocks + 2] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 8);
	KUNIT_EXPECT_EQ(test, hm_cache_reclaimable(c), base + 4);
	/* every object of the eight freed: a drain finds them all empty */
	for (i = 0; i < 8; i++)
		for (j = 0; j < c->nblocks; j++) {
			if (v[i * c->nblocks + j])
				hm_test_free_in(b, v[i * c->nblocks + j]);
			v[i * c->nblocks + j] = NULL;
		}
	d = (struct hm_drain){ };
	hm_cctx_drain_woken(a, &d);
	KUNIT_EXPECT_EQ(test, d.woken, 8);
	KUNIT_EXPECT_EQ(test, d.emptied, 8);
	hm_cache_woken_yield(c, &d);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->woken_yield), HM_YIELD_ONE * 3 / 4);
	HM_EXPECT_VALID(test, c);
	hm_cctx_unpark(a);
	for (i = c->nblocks * 8; i < n; i++)
		hm_test_free_in(a, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Park and unpark a context over and over while other threads free its
 * objects remotely (a CPU going offline and coming back while the others
 * free what it allocated): thread 0 does what the hotplug callbacks and
 * the shrinker do to the context, the others free.  Nothing may be lost,
 * nwoken must come back to 0, and the cache must stay consistent.
 */
struct hm_parkrace {
	struct hm_cache *c;
	struct hm_cctx *a;
	void **v;
	unsigned int n;
	hm_atomic_t next;	/* next object to free */
	hm_atomic_t freers;	/* freeing threads still at it */
	hm_atomic_t fails;
};

static void hm_parkrace_worker(void *arg, unsigned int id)
{
	struct hm_parkrace *r = arg;
	struct hm_cctx *cc;
	unsigned long i;

	if (!id) {
		unsigned int round = 0, k;
		void *mine[8];

		while (hm_atomic_read(&r->freers)) {
			/* the shrinker: flush a woken context, park it again */
			if (hm_atomic_read(&r->a->notify)) {
				hm_cctx_flush(r->a);
				hm_cctx_park(r->a);
			}
			/*
			 * Let the freers run: where threads take turns (valgrind),
			 * this loop spun through its whole turns while they waited
			 * (7 minutes of memcheck's run for this case alone).
			 */
			hm_test_relax();
			if (++round % 16)
				continue;
			/* the CPU comes back, allocates and frees, goes again */
			hm_cctx_unpark(r->a);
			for (k = 0; k < 8; k++)
				mine[k] = hm_test_alloc(r->a);
			for (k = 0; k < 8; k++)
				hm_test_free_in(r->a, mine[k]);
			hm_cctx_flush(r->a);
			hm_cctx_park(r->a);
		}
		return;
	}
	cc = hm_cctx_new(r->c, 3000 + id, 0, HM_GFP_DEFAULT);
	if (!cc) {
		hm_atomic_fetch_add(&r->fails, 1);
	} else {
		while ((i = hm_atomic_fetch_add(&r->next, 1)) < r->n) {
			hm_test_free_in(cc, r->v[i]);
			if (!(i % 64))
				hm_test_relax();
		}
		hm_cctx_abandon(cc, false);
	}
	hm_atomic_fetch_add(&r->freers, (unsigned long)-1);
}

static void hm_remote_park_race(struct kunit *test)
{
	struct hm_parkrace *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct hm_cache *c;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	c = hm_test_cache(test, 64, 0, MODE(test));
	r->c = c;
	r->a = hm_test_cctx(test, c);
	r->n = c->nblocks * 24 + c->nblocks / 3;
	r->v = kunit_kmalloc_array(test, r->n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->v);
	for (i = 0; i < r->n; i++) {
		r->v[i] = hm_test_alloc(r->a);
		KUNIT_ASSERT_NOT_NULL(test, r->v[i]);
	}
	/* the objects in an order that spreads the frees over the slabs */
	for (i = 0; i < r->n; i++) {
		unsigned int j = (i * 7919u) % r->n;
		void *t = r->v[i];

		r->v[i] = r->v[j];
		r->v[j] = t;
	}
	hm_cctx_flush(r->a);
	hm_cctx_park(r->a);
	hm_atomic_set(&r->freers, 3);
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(4, hm_parkrace_worker, r), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&r->fails), 0);
	hm_cctx_flush(r->a);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 0);
	HM_EXPECT_VALID(test, c);
	hm_cctx_unpark(r->a);
	hm_cctx_flush(r->a);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nwoken), 0);
}

/* freed remotely, then again by the owner: refused, never handed out twice */
static void hm_remote_then_local_double_free(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache_flags(test, 64, 0, MODE(test), HM_CACHE_CHECKS);
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int i, n = c->nblocks, again = 0;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	void *x = hm_test_alloc(a);

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, x);
	hm_test_free_in(b, x);		/* remote: pending in a's slab */
	hm_test_free_in(a, x);		/* the owner frees it again */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	for (i = 0; i < n; i++) {	/* x comes back at most once */
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		again += v[i] == x;
	}
	KUNIT_EXPECT_LE(test, again, 1);
	HM_EXPECT_VALID(test, c);
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A remote double free is refused like a local one: always in the bitmap
 * and hybrid modes, with checks on in the freelist mode (its state
 * bitmaps; without them, a second push of a block would corrupt the
 * remote list).  Remote after remote, remote after local, and reuse.
 */
static void hm_remote_double_free(struct kunit *test)
{
	unsigned int flags = hm_test_exact_flags(MODE(test));
	struct hm_cache *c = hm_test_cache_flags(test, 32, 0, MODE(test), flags);
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void *p = hm_test_alloc(a), *q = hm_test_alloc(a), *r = NULL;
	void **v = kunit_kzalloc(test, c->nblocks * sizeof(void *), GFP_KERNEL);
	unsigned int i, n;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	hm_test_free_in(b, p);
	hm_test_free_in(b, p);		/* pending: not collected yet */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	hm_test_free_in(a, q);
	hm_test_free_in(b, q);		/* on the owner's lists */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	/* collected and handed out again: a remote free is no double free */
	for (n = 0; n < c->nblocks && r != p && r != q; n++) {
		v[n] = hm_test_alloc(a);
		r = v[n];
		KUNIT_ASSERT_NOT_NULL(test, r);
	}
	KUNIT_ASSERT_TRUE(test, r == p || r == q);
	hm_test_free_in(b, r);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	hm_test_free_in(b, r);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	for (i = 0; i + 1 < n; i++)
		hm_test_free_in(a, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Checks switched on at run time: slabs built since are checked at once,
 * and switching off and on again leaves no stale state behind (no false
 * report of a legitimate remote free).
 */
static void hm_remote_double_free_switched(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_FREELIST);
	struct hm_cctx *a = hm_test_cctx(test, c);
	struct hm_cctx *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void *v[16];
	unsigned int i, round;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_CHECKS, HM_GFP_DEFAULT), 0);
	v[0] = hm_test_alloc(a);
	KUNIT_ASSERT_NOT_NULL(test, v[0]);
	KUNIT_EXPECT_NOT_NULL(test, hm_fl_state(c, hm_ptr_slab(v[0])));
	hm_test_free_in(b, v[0]);
	hm_test_free_in(b, v[0]);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	HM_EXPECT_VALID(test, c);
	for (round = 0; round < 4; round++) {
		/* off: the state is not kept; on again: the old one is not used */
		KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, round % 2 ? HM_DBG_CHECKS : 0,
							 HM_GFP_DEFAULT), 0);
		for (i = 0; i < HM_ARRAY_SIZE(v); i++) {
			v[i] = hm_test_alloc(a);
			KUNIT_ASSERT_NOT_NULL(test, v[i]);
		}
		for (i = 0; i < HM_ARRAY_SIZE(v); i++)
			hm_test_free_in(i % 2 ? a : b, v[i]);
		KUNIT_EXPECT_EQ(test, *errors, 1);
		HM_EXPECT_VALID(test, c);
	}
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* the call site of each remote bad free below: reports carry it */
#define HM_REMOTE_SITE	0x7100UL

/*
 * Bad frees on the remote path (a block of a slab another context owns):
 * an interior pointer, the slab header, a double free of a block freed
 * remotely and not collected, a block of another cache, and from a caller
 * without a context the last and the first.  Each is refused,
 * counted once in the cache the freer named, and reported once with its
 * kind, pointer, slab and call site; nothing changes.
 */
static void hm_remote_bad_frees_refused(struct kunit *test)
{
	unsigned int flags = hm_test_exact_flags(MODE(test));
	struct hm_cache *c = hm_test_cache_named(test, "hm-rbad", 64, 0, MODE(test), flags);
	struct hm_cache *other = hm_test_cache_named(test, "hm-rother", 64, 0, MODE(test), 0);
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	struct hm_cctx *o = hm_test_cctx(test, other);
	long *errors = hm_test_count_errors(test);
	void *p = hm_test_alloc(a), *q = hm_test_alloc(a), *x = hm_test_alloc(o);
	struct hm_slab *s;
	unsigned long seq;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, x);
	s = hm_ptr_slab(p);
	KUNIT_ASSERT_PTR_EQ(test, s->owner, a);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(b, (char *)p + 8, HM_REMOTE_SITE);
	hm_test_expect_report(test, seq, HM_ERR_INTERIOR, (char *)p + 8, c, s, HM_REMOTE_SITE,
			      NULL);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(b, s, HM_REMOTE_SITE + 1);	/* the slab header */
	hm_test_expect_report(test, seq, HM_ERR_FOREIGN, s, c, s, HM_REMOTE_SITE + 1, NULL);
	hm_test_free_in_ip(b, q, HM_REMOTE_SITE + 2);	/* a good one */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(b, q, HM_REMOTE_SITE + 3);	/* pending: not collected */
	hm_test_expect_report(test, seq, HM_ERR_DOUBLE_FREE, q, c, s, HM_REMOTE_SITE + 3, NULL);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(b, x, HM_REMOTE_SITE + 4);
	hm_test_expect_report(test, seq, HM_ERR_WRONG_CACHE, x, c, hm_ptr_slab(x),
			      HM_REMOTE_SITE + 4, NULL);
	/* the same from a caller without a context (no memory for one) */
	seq = hm_test_report_seq(test);
	hm_test_ctx_enter();
	hm_cache_free_nocctx(c, hm_ptr_slab(x), x, HM_REMOTE_SITE + 5);
	hm_test_ctx_exit();
	hm_test_expect_report(test, seq, HM_ERR_WRONG_CACHE, x, c, hm_ptr_slab(x),
			      HM_REMOTE_SITE + 5, NULL);
	seq = hm_test_report_seq(test);
	hm_test_ctx_enter();
	hm_cache_free_nocctx(c, s, (char *)p + 1, HM_REMOTE_SITE + 6);
	hm_test_ctx_exit();
	hm_test_expect_report(test, seq, HM_ERR_INTERIOR, (char *)p + 1, c, s, HM_REMOTE_SITE + 6,
			      NULL);
	KUNIT_EXPECT_EQ(test, *errors, 6);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_INTERIOR]), 2);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_FOREIGN]), 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_DOUBLE_FREE]), 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_WRONG_CACHE]), 2);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nocctx_frees), 0);
	KUNIT_EXPECT_EQ(test, b->st.remote_frees, 1);
	KUNIT_EXPECT_EQ(test, b->st.frees, 1);
	/* nothing changed: p and x are live and free fine */
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);
	hm_test_free_in(a, p);
	hm_test_free_in(o, x);
	KUNIT_EXPECT_EQ(test, *errors, 6);
	HM_EXPECT_VALID(test, c);
	HM_EXPECT_VALID(test, other);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(other), 0);
}

/* the modes whose remote frees wait in remote_bits for the owner */
static const enum hm_mode hm_bitmap_modes[] = { HM_MODE_BITMAP, HM_MODE_HYBRID };
KUNIT_ARRAY_PARAM(hm_bitmap_mode, hm_bitmap_modes, hm_test_mode_desc);

/*
 * A remote free that raced the owner's own free of the same block: it
 * found the block live, the owner's free then made it free (bitmap) or
 * cached (hybrid), and its bit landed in remote_bits after.  The owner
 * refuses it when it collects the slab: one report of a double free of
 * the block (no caller to name), counted in late_refused and no longer
 * as a free, and the block is free or cached once, not twice.  The race
 * is made by hiding the owner's free from the remote free's check.
 */
static void hm_remote_raced_double_free(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void *p = hm_test_alloc(a), *q = hm_test_alloc(a);
	unsigned long seq, idx, bit, *w;
	struct hm_stats st;
	struct hm_slab *s;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	s = hm_ptr_slab(p);
	idx = hm_block_index(c, s, p);
	bit = 1UL << (idx % HM_BITS_PER_LONG);
	/* the word the remote check reads: live bits (hybrid), free bits */
	w = s->live_bits ? &s->live_bits[idx / HM_BITS_PER_LONG] :
	    &s->free_bits[idx / HM_BITS_PER_LONG];
	hm_test_free_in(a, p);
	*w ^= bit;			/* as the remote free read it: live */
	hm_test_tools_quiet(true);	/* memcheck: a free of a freed block */
	hm_test_free_in(b, p);		/* passes its check: the bit lands */
	hm_test_tools_quiet(false);
	*w ^= bit;
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, b->st.remote_frees, 1);
	seq = hm_test_report_seq(test);
	hm_test_ctx_enter();
	KUNIT_EXPECT_EQ(test, hm_slab_collect(s), 0);	/* nothing became free */
	hm_test_ctx_exit();
	hm_test_expect_report(test, seq, HM_ERR_DOUBLE_FREE, p, c, s, 0, NULL);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->late_refused), 1);
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.frees, 1);		/* the owner's */
	KUNIT_EXPECT_EQ(test, st.objs_inuse, 1);	/* q */
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);
	hm_test_free_in(a, q);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Unique slab keys (userspace threads): abandoning at exit and adopting
 * walk no slab list; a slab keeps the old key, which no thread presents
 * any more, until its new thread claims it (hm_slab_set_owner(), on that
 * thread's first free into it).  A thread that gives a context up and
 * lives on still presents its key: that abandon takes it off every slab.
 */
static void hm_adopt_unique_key(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, MODE(test));
	struct hm_cctx *a = hm_cctx_new(c, 41, 0x40000001, HM_GFP_DEFAULT);
	unsigned long walks = c->rekey_walks;
	struct hm_slab *s;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, a);
	p = hm_test_alloc(a);
	KUNIT_ASSERT_NOT_NULL(test, p);
	s = hm_ptr_slab(p);
	KUNIT_EXPECT_EQ(test, s->owner_id, 0x40000001);
	hm_cctx_abandon(a, false);		/* the thread exits */
	KUNIT_EXPECT_EQ(test, a->ctx_id, HM_CTX_NONE);
	KUNIT_EXPECT_EQ(test, s->owner_id, 0x40000001);
	KUNIT_EXPECT_PTR_EQ(test, hm_cctx_adopt(c, 42, 0x40000002), a);
	KUNIT_EXPECT_EQ(test, c->rekey_walks, walks);
	KUNIT_EXPECT_EQ(test, s->owner_id, 0x40000001);
	hm_slab_set_owner(s, a);		/* the new thread's claim */
	KUNIT_EXPECT_EQ(test, s->owner_id, 0x40000002);
	hm_test_free_in(a, p);
	/* given up by a thread that lives on: walked, on every slab */
	p = hm_test_alloc(a);
	KUNIT_ASSERT_NOT_NULL(test, p);
	s = hm_ptr_slab(p);
	hm_cctx_abandon(a, true);
	KUNIT_EXPECT_EQ(test, c->rekey_walks, walks + 1);
	KUNIT_EXPECT_EQ(test, s->owner_id, HM_CTX_NONE);
	KUNIT_EXPECT_PTR_EQ(test, hm_cctx_adopt(c, 43, 0), a);
	KUNIT_EXPECT_EQ(test, c->rekey_walks, walks + 2);
	KUNIT_EXPECT_EQ(test, s->owner_id, 43);
	hm_test_free_in(a, p);
	hm_cctx_flush(a);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* a context exits with objects cached and live; another adopts it */
static void hm_exit_with_cached(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *again;
	struct hm_cctx *b = hm_test_cctx(test, c);
	unsigned int n = c->nblocks + 20, i;
	void **v = kunit_kmalloc_array(test, n, sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	for (i = 0; i < n; i += 2)	/* half back into a's magazine/lists */
		hm_test_free_in(a, v[i]);
	hm_cctx_abandon(a, false);		/* "thread exit" */
	KUNIT_EXPECT_EQ(test, a->mag_count, 0);
	HM_EXPECT_VALID(test, c);
	for (i = 1; i < n; i += 2)	/* the rest freed by a survivor */
		hm_test_free_in(b, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	/* a new thread gets the abandoned context, with its slabs */
	again = hm_cctx_adopt(c, 42, 0);
	KUNIT_EXPECT_PTR_EQ(test, again, a);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	hm_cctx_flush(a);
	HM_EXPECT_VALID(test, c);
	hm_cache_shrink(c);
	KUNIT_EXPECT_EQ(test, c->npool, 0);
	KUNIT_EXPECT_EQ(test, c->nslabs, c->slabs_created - c->slabs_released);
	KUNIT_EXPECT_LE(test, c->nslabs, 1);	/* only a's active slab */
}

/*
 * Slabs of @c owned by @cc whose owner_id is not @id (and whose first
 * word is not hm_slab_key(@id)), plus pooled slabs whose owner_id is set.
 */
static unsigned int hm_owner_id_wrong(struct hm_cache *c, struct hm_cctx *cc, u32 id)
{
	unsigned int wrong = 0;
	struct hm_slab *s;

	for (s = c->all; s; s = s->all_next) {
		if (s->owner == cc)
			wrong += s->owner_id != id || s->key != hm_slab_key(id);
		else if (!s->owner)
			wrong += s->owner_id != HM_CTX_NONE;
	}
	return wrong;
}

/* the owner id in the slab header follows the owner through exit/adoption */
static void hm_owner_id_follows(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *again;
	unsigned int n = 2 * c->nblocks + 20, i;
	void **v = kunit_kmalloc_array(test, n, sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_EXPECT_EQ(test, hm_owner_id_wrong(c, a, a->ctx_id), 0);
	KUNIT_EXPECT_TRUE(test, ((struct hm_slab *)hm_ptr_slab(v[0]))->owner == a);
	hm_cctx_abandon(a, false);
	KUNIT_EXPECT_EQ(test, hm_owner_id_wrong(c, a, HM_CTX_NONE), 0);
	again = hm_cctx_adopt(c, 42, 0);
	KUNIT_EXPECT_PTR_EQ(test, again, a);
	KUNIT_EXPECT_EQ(test, hm_owner_id_wrong(c, a, 42), 0);
	for (i = 0; i < n; i++)		/* empty slabs go to the pool: unowned */
		hm_test_free_in(a, v[i]);
	hm_cctx_flush(a);
	KUNIT_EXPECT_EQ(test, hm_owner_id_wrong(c, a, 42), 0);
	for (i = 0; i < n; i++) {	/* and come back from it owned */
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_EXPECT_EQ(test, hm_owner_id_wrong(c, a, 42), 0);
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	HM_EXPECT_VALID(test, c);
}

/* threads: each allocates, hands half to its neighbour, frees the rest */
struct hm_xfer {
	struct hm_cache *c;
	unsigned int nthreads;
	unsigned int rounds;
	void **box;		/* nthreads * batch handoff slots */
	hm_atomic_t ready;	/* rounds published */
	hm_atomic_t done;	/* threads finished */
	hm_atomic_t fails;
};

#define HM_XFER_BATCH	256

static void hm_xfer_worker(void *arg, unsigned int id)
{
	struct hm_xfer *x = arg;
	struct hm_cctx *cc = hm_cctx_new(x->c, 2000 + id, 0, HM_GFP_DEFAULT);
	void **mine = x->box + id * HM_XFER_BATCH;
	unsigned int r, i;
	void *local[HM_XFER_BATCH / 2];

	if (!cc) {
		hm_atomic_fetch_add(&x->fails, 1);
		hm_atomic_fetch_add(&x->done, 1);
		return;
	}
	for (r = 0; r < x->rounds; r++) {
		unsigned int peer = (id + 1) % x->nthreads;
		void **theirs = x->box + peer * HM_XFER_BATCH;

		/* wait until my slots are empty (peer consumed them) */
		while (hm_atomic_read((hm_atomic_t *)&mine[0]))
			hm_test_relax();
		for (i = 0; i < HM_XFER_BATCH / 2; i++) {
			local[i] = hm_test_alloc(cc);
			mine[HM_XFER_BATCH - 1 - i] = hm_test_alloc(cc);
			if (!local[i] || !mine[HM_XFER_BATCH - 1 - i])
				hm_atomic_fetch_add(&x->fails, 1);
			else
				*(unsigned long *)local[i] = id;
		}
		/* publish: slot 0 last, release */
		hm_atomic_set((hm_atomic_t *)&mine[0], (unsigned long)mine[HM_XFER_BATCH - 1]);
		for (i = 0; i < HM_XFER_BATCH / 2; i++) {
			if (local[i] && *(unsigned long *)local[i] != id)
				hm_atomic_fetch_add(&x->fails, 1);
			hm_test_free_in(cc, local[i]);
		}
		/* consume the peer's batch: remote frees */
		if (x->nthreads > 1) {
			while (!hm_atomic_read((hm_atomic_t *)&theirs[0]))
				hm_test_relax();
			for (i = HM_XFER_BATCH / 2; i < HM_XFER_BATCH - 1; i++)
				hm_test_free_in(cc, theirs[i]);
			hm_test_free_in(cc, (void *)hm_atomic_read((hm_atomic_t *)&theirs[0]));
			hm_atomic_set((hm_atomic_t *)&theirs[0], 0);
		}
	}
	hm_cctx_abandon(cc, false);
	hm_atomic_fetch_add(&x->done, 1);
}

static void hm_threads_handoff(struct kunit *test)
{
	struct hm_xfer *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = hm_test_cache(test, 64, 0, MODE(test));
	x->nthreads = 4;
	x->rounds = 200;
	x->box = kunit_kzalloc(test, x->nthreads * HM_XFER_BATCH * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->box);
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(x->nthreads, hm_xfer_worker, x), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->done), x->nthreads);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->fails), 0);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
}

static struct kunit_case hm_remote_cases[] = {
	KUNIT_CASE_PARAM(hm_remote_free_reuse, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_double_free, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_park_unpark, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_park_race, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_unpark_bounded, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_drain_count, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_flush_count, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_woken_estimate, hm_mode_gen_params),
	KUNIT_CASE(hm_remote_double_free_switched),
	KUNIT_CASE_PARAM(hm_remote_then_local_double_free, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_bad_frees_refused, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_remote_raced_double_free, hm_bitmap_mode_gen_params),
	KUNIT_CASE_PARAM(hm_exit_with_cached, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_adopt_unique_key, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_owner_id_follows, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_threads_handoff, hm_mode_gen_params),
	{}
};

struct kunit_suite hm_remote_suite = {
	.name = "hakmem_remote",
	.test_cases = hm_remote_cases,
};
