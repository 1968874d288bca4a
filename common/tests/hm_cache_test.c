// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_cache_test.c - one context allocating and freeing in a cache, in each
 * mode: exhausting many slabs, free orders, bulk, alignment, overlap,
 * hysteresis, bad frees, destroy with live objects.
 */
#include "hm_test.h"
#include "hm_debug_hooks.h"
#include "hm_fit.h"

KUNIT_ARRAY_PARAM(hm_mode, hm_test_modes, hm_test_mode_desc);

/* Fill each object with a pattern derived from its address and index. */
static void hm_fill(void *p, unsigned int size, unsigned int i)
{
	unsigned char *b = p;
	unsigned int k;

	for (k = 0; k < size; k++)
		b[k] = (unsigned char)(i * 31 + k);
}

static bool hm_check(const void *p, unsigned int size, unsigned int i)
{
	const unsigned char *b = p;
	unsigned int k;

	for (k = 0; k < size; k++)
		if (b[k] != (unsigned char)(i * 31 + k))
			return false;
	return true;
}

/* Allocate @n objects, check alignment, fill them. */
static void **hm_alloc_n(struct kunit *test, struct hm_cctx *cc, unsigned int n)
{
	void **v = kunit_kmalloc_array(test, n, sizeof(void *), GFP_KERNEL);
	unsigned int i, size = cc->cache->obj_size;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)v[i] % cc->cache->align, 0);
		hm_fill(v[i], size, i);
	}
	return v;
}

/* Every object still holds its pattern: no two live objects overlap. */
static void hm_expect_intact(struct kunit *test, struct hm_cctx *cc, void **v,
			     unsigned int n)
{
	unsigned int i, bad = 0;

	for (i = 0; i < n; i++)
		if (v[i])
			bad += !hm_check(v[i], cc->cache->obj_size, i);
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* exhaust many slabs, free everything, allocate it all again */
static void hm_exhaust_and_refill(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks * 5 + 7, i;
	void **v = hm_alloc_n(test, cc, n);

	KUNIT_EXPECT_GE(test, c->nslabs, 6);
	hm_expect_intact(test, cc, v, n);
	HM_EXPECT_VALID(test, c);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		hm_fill(v[i], c->obj_size, i);
	}
	hm_expect_intact(test, cc, v, n);
	HM_EXPECT_VALID(test, c);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	/* the empty slabs: the active one, the reserve, then the pool */
	if (MODE(test) != HM_MODE_HYBRID) {	/* (no block in a magazine) */
		KUNIT_EXPECT_EQ(test, hm_cctx_nempty(cc), c->max_empty);
		KUNIT_EXPECT_EQ(test, c->npool, c->max_pool);
	}
	hm_cctx_flush(cc);
	HM_EXPECT_VALID(test, c);
	/* empty slabs beyond the pool bound went back to the platform */
	KUNIT_EXPECT_EQ(test, hm_cctx_nempty(cc), 0);
	KUNIT_EXPECT_EQ(test, c->npool, c->max_pool);
	KUNIT_EXPECT_EQ(test, c->nslabs, c->max_pool);
}

/*
 * hm_cache_trim_reserves() takes each context's empty reserve slab once,
 * to the pool: the count of reserves follows, and the owners, which find
 * no reserve any more, allocate on from the pool.  A second take finds
 * nothing (the exchange: hm_cctx_reserve_take()).
 */
static void hm_trim_reserves_once(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc[2] = { hm_test_cctx(test, c), hm_test_cctx(test, c) };
	unsigned int n = c->nblocks * 2 + 1, i, k;
	unsigned long slabs, pooled, released;
	void **v[2];

	for (k = 0; k < 2; k++) {
		v[k] = hm_alloc_n(test, cc[k], n);
		for (i = 0; i < n; i++)
			hm_test_free_in(cc[k], v[k][i]);
		/* the magazine's blocks back in their slabs, the reserve kept */
		if (cc[k]->mag_count)
			hm_hybrid_flush(cc[k], cc[k]->mag_count);
		KUNIT_EXPECT_EQ(test, hm_cctx_nempty(cc[k]), 1);
	}
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nreserve), 2);
	HM_EXPECT_VALID(test, c);
	slabs = c->nslabs;
	pooled = c->npool;
	KUNIT_EXPECT_EQ(test, hm_cache_trim_reserves(c, &released), 2);
	/* each went to the pool, or back to the platform (the pool full) */
	KUNIT_EXPECT_EQ(test, released + c->npool - pooled, 2);
	KUNIT_EXPECT_EQ(test, c->nslabs, slabs - released);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->nreserve), 0);
	KUNIT_EXPECT_EQ(test, hm_cctx_nempty(cc[0]) + hm_cctx_nempty(cc[1]), 0);
	KUNIT_EXPECT_NULL(test, hm_cctx_reserve_take(cc[0]));
	KUNIT_EXPECT_EQ(test, hm_cache_trim_reserves(c, &released), 0);
	KUNIT_EXPECT_EQ(test, released, 0);
	HM_EXPECT_VALID(test, c);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < n; i++) {
			v[k][i] = hm_test_alloc(cc[k]);
			KUNIT_ASSERT_NOT_NULL(test, v[k][i]);
		}
	}
	HM_EXPECT_VALID(test, c);
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			hm_test_free_in(cc[k], v[k][i]);
	HM_EXPECT_VALID(test, c);
}

enum hm_order { HM_LIFO, HM_FIFO, HM_RANDOM };

static void hm_free_order(struct kunit *test, enum hm_order order)
{
	struct hm_cache *c = hm_test_cache(test, 32, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks * 3 + 100, i, j;
	void **v = hm_alloc_n(test, cc, n);
	unsigned int *idx = kunit_kmalloc_array(test, n, sizeof(*idx), GFP_KERNEL);
	u32 seed = 12345;

	KUNIT_ASSERT_NOT_NULL(test, idx);
	for (i = 0; i < n; i++)
		idx[i] = order == HM_LIFO ? n - 1 - i : i;
	if (order == HM_RANDOM) {
		for (i = n - 1; i > 0; i--) {
			unsigned int t;

			j = hm_test_rand(&seed) % (i + 1);
			t = idx[i];
			idx[i] = idx[j];
			idx[j] = t;
		}
	}
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, hm_check(v[idx[i]], c->obj_size, idx[i]));
		hm_test_free_in(cc, v[idx[i]]);
		v[idx[i]] = NULL;
		if (i % 1000 == 999)
			HM_EXPECT_VALID(test, c);
	}
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

static void hm_free_lifo(struct kunit *test)
{
	hm_free_order(test, HM_LIFO);
}

static void hm_free_fifo(struct kunit *test)
{
	hm_free_order(test, HM_FIFO);
}

static void hm_free_random(struct kunit *test)
{
	hm_free_order(test, HM_RANDOM);
}

/* random interleaving of allocations and frees, with a shadow of contents */
static void hm_random_churn(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 48, 16, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int slots = 3000, i, live = 0;
	void **v = kunit_kzalloc(test, slots * sizeof(void *), GFP_KERNEL);
	u32 seed = 777;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 60000; i++) {
		unsigned int k = hm_test_rand(&seed) % slots;

		if (v[k]) {
			KUNIT_EXPECT_TRUE(test, hm_check(v[k], c->obj_size, k));
			hm_test_free_in(cc, v[k]);
			v[k] = NULL;
			live--;
		} else {
			v[k] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[k]);
			KUNIT_EXPECT_EQ(test, (unsigned long)v[k] % 16, 0);
			hm_fill(v[k], c->obj_size, k);
			live++;
		}
	}
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), live);
	for (i = 0; i < slots; i++)
		if (v[i])
			hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
}

/* bulk allocation and free through the context */
static void hm_bulk(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks * 2 + 3, got = 0;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	while (got < n) {
		got += hm_cctx_alloc_bulk(cc, n - got, v + got, 0);
		if (got < n) {
			v[got] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[got]);
			got++;
		}
	}
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), n);
	KUNIT_EXPECT_EQ(test, hm_cctx_free_bulk(cc, n, v, 0), n);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* several sizes and alignments at once, objects never overlap */
static void hm_mixed_sizes(struct kunit *test)
{
	static const unsigned int sizes[] = { 8, 24, 64, 100, 256, 1024, 3000 };
	struct hm_cache *c[HM_ARRAY_SIZE(sizes)];
	struct hm_cctx *cc[HM_ARRAY_SIZE(sizes)];
	void *(*v)[200] = kunit_kzalloc(test, sizeof(*v) * HM_ARRAY_SIZE(sizes), GFP_KERNEL);
	unsigned int i, k;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
		c[i] = hm_test_cache(test, sizes[i], i % 2 ? 64 : 0, MODE(test));
		cc[i] = hm_test_cctx(test, c[i]);
	}
	for (k = 0; k < 200; k++) {
		for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
			v[i][k] = hm_test_alloc(cc[i]);
			KUNIT_ASSERT_NOT_NULL(test, v[i][k]);
			KUNIT_EXPECT_EQ(test, (unsigned long)v[i][k] % c[i]->align, 0);
			hm_fill(v[i][k], sizes[i], k + i);
		}
	}
	for (k = 0; k < 200; k++)
		for (i = 0; i < HM_ARRAY_SIZE(sizes); i++)
			KUNIT_EXPECT_TRUE(test, hm_check(v[i][k], sizes[i], k + i));
	for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
		for (k = 0; k < 200; k++)
			hm_test_free_in(cc[i], v[i][k]);
		HM_EXPECT_VALID(test, c[i]);
	}
}

/* an alloc/free pair in a loop never creates or releases a slab */
static void hm_pair_hysteresis(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 16, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int i;

	for (i = 0; i < 100000; i++) {
		void *p = hm_test_alloc(cc);

		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_test_free_in(cc, p);
	}
	KUNIT_EXPECT_EQ(test, c->slabs_created, 1);
	KUNIT_EXPECT_EQ(test, c->slabs_released, 0);
	HM_EXPECT_VALID(test, c);
}

/* crossing a slab boundary back and forth does not thrash either */
static void hm_boundary_hysteresis(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 512, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks, i, round;
	void **v = hm_alloc_n(test, cc, n);

	for (round = 0; round < 2000; round++) {
		void *p = hm_test_alloc(cc);	/* needs a second slab */

		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_test_free_in(cc, p);
	}
	KUNIT_EXPECT_LE(test, c->slabs_created, 2);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
}

/* a call site for each bad free below, named explicitly: reports carry it */
#define HM_BAD_SITE	0x7000UL

/* the counts a refused operation of kind @e must move, before it */
struct hm_before {
	unsigned long seq;	/* the last report's */
	unsigned long all;	/* hm_errors(e) */
	unsigned long kind;	/* the named cache's errors[e] */
	unsigned long sum;	/* ... of every kind */
};

static unsigned long hm_cache_errors_sum(const struct hm_cache *c)
{
	unsigned long n = 0;
	unsigned int e;

	for (e = 0; e < HM_ERR_NR; e++)
		n += hm_atomic_read(&c->errors[e]);
	return n;
}

static void hm_before(struct kunit *test, struct hm_before *b, const struct hm_cache *c,
		      enum hm_error e)
{
	b->seq = hm_test_report_seq(test);
	b->all = hm_errors(e);
	b->kind = c ? hm_atomic_read(&c->errors[e]) : 0;
	b->sum = c ? hm_cache_errors_sum(c) : 0;
}

/*
 * Since @b: one refusal of kind @e, counted once globally and in @c (the
 * cache the report names, NULL: none), and one report of pointer @p in
 * @c, slab @slab, from call site @ip.
 */
static void hm_expect_refused(struct kunit *test, const struct hm_before *b, enum hm_error e,
			      const void *p, const struct hm_cache *c, const void *slab,
			      unsigned long ip)
{
	struct hm_err_entry en;

	KUNIT_EXPECT_EQ(test, hm_errors(e), b->all + 1);
	if (c) {
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[e]), b->kind + 1);
		KUNIT_EXPECT_EQ(test, hm_cache_errors_sum(c), b->sum + 1);
	}
	if (!hm_test_expect_report(test, b->seq, e, p, c, slab, ip, &en))
		return;
	KUNIT_EXPECT_EQ(test, en.offset, 0);
	KUNIT_EXPECT_EQ(test, en.alloc_ip, 0);	/* no tracking */
}

/* hm_test_free_in_ip() of @p, expected refused as above */
static void hm_free_refused(struct kunit *test, struct hm_cctx *cc, void *p, unsigned long ip,
			    enum hm_error e, const struct hm_cache *c, const void *slab)
{
	struct hm_before b;

	hm_before(test, &b, c, e);
	hm_test_free_in_ip(cc, p, ip);
	hm_expect_refused(test, &b, e, p, c, slab, ip);
}

/*
 * Double, foreign, interior and wrong-cache frees: each refused, counted
 * once and reported once with pointer, cache, slab and call site, and
 * nothing corrupted.  Bitmap and hybrid modes detect them always, so their
 * caches have no checks; freelist mode detects double frees only with
 * HM_CACHE_CHECKS.
 */
static void hm_bad_frees_refused(struct kunit *test)
{
	unsigned int flags = hm_test_exact_flags(MODE(test));
	struct hm_cache *c = hm_test_cache_named(test, "hm-bad", 64, 0, MODE(test), flags);
	struct hm_cache *other = hm_test_cache_named(test, "hm-other", 64, 0, MODE(test), 0);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_cctx *occ = hm_test_cctx(test, other);
	long *errors = hm_test_count_errors(test);
	void *foreign = hm_test_foreign_alloc(64);
	void **v = hm_alloc_n(test, cc, 10);
	void *o = hm_test_alloc(occ);
	unsigned long other_errors;
	struct hm_before b;
	void *large;

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_EXPECT_EQ(test, c->debug, 0);	/* no switch: detection is always on */
	other_errors = hm_cache_errors_sum(other);
	hm_test_free_in(cc, v[3]);
	hm_free_refused(test, cc, v[3], HM_BAD_SITE, HM_ERR_DOUBLE_FREE, c, hm_ptr_slab(v[3]));
	/* memory hakmem never handed out: no cache, no slab */
	hm_free_refused(test, cc, foreign, HM_BAD_SITE + 1, HM_ERR_FOREIGN, NULL, NULL);
	hm_free_refused(test, cc, (char *)v[4] + 8, HM_BAD_SITE + 2, HM_ERR_INTERIOR, c,
			hm_ptr_slab(v[4]));
	hm_free_refused(test, cc, hm_ptr_slab(v[4]), HM_BAD_SITE + 3, HM_ERR_FOREIGN, c,
			hm_ptr_slab(v[4]));		/* the slab header */
	/* the core's remote path refuses it, in the cache the caller named */
	hm_free_refused(test, cc, o, HM_BAD_SITE + 4, HM_ERR_WRONG_CACHE, c, hm_ptr_slab(o));
	KUNIT_EXPECT_EQ(test, hm_cache_errors_sum(other), other_errors);
	KUNIT_EXPECT_EQ(test, *errors, 5);
	large = hm_large_alloc(5000, HM_GFP_DEFAULT);	/* belongs to no cache */
	KUNIT_ASSERT_NOT_NULL(test, large);
	hm_before(test, &b, c, HM_ERR_WRONG_CACHE);
	hm_free_other_cache(c, large, HM_BAD_SITE + 5);
	hm_expect_refused(test, &b, HM_ERR_WRONG_CACHE, large, c, NULL, HM_BAD_SITE + 5);
	KUNIT_EXPECT_EQ(test, *errors, 6);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(large), 5000);
	hm_free_other(large, 0);			/* the right way */
	HM_EXPECT_VALID(test, c);
	HM_EXPECT_VALID(test, other);
	/* nothing was corrupted: the survivors are intact and still free fine */
	v[3] = NULL;
	hm_expect_intact(test, cc, v, 10);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 9);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(other), 1);
	KUNIT_EXPECT_EQ(test, hm_cctx_free_bulk(cc, 10, v, 0), 9);
	hm_test_free_in(occ, o);
	KUNIT_EXPECT_EQ(test, *errors, 6);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(other), 0);
	HM_EXPECT_VALID(test, c);
	HM_EXPECT_VALID(test, other);
	hm_test_foreign_free(foreign);
}

/*
 * The report log keeps the last HM_ERR_LOG reports, oldest first: after
 * more than it holds, a copy has exactly HM_ERR_LOG of them, numbered one
 * after the other, the newest last.
 */
static void hm_report_log_last(struct kunit *test)
{
	struct hm_err_entry *log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	void *foreign = hm_test_foreign_alloc(64);
	unsigned int i, n, more = HM_ERR_LOG + 3;

	KUNIT_ASSERT_NOT_NULL(test, log);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	for (i = 0; i < more; i++)
		hm_free_other(foreign, HM_BAD_SITE + i);
	KUNIT_EXPECT_EQ(test, *errors, more);
	n = hm_report_log_copy(log);
	KUNIT_ASSERT_EQ(test, n, HM_ERR_LOG);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, log[i].seq, log[n - 1].seq - (n - 1 - i));
		KUNIT_EXPECT_EQ(test, log[i].kind, HM_ERR_FOREIGN);
		KUNIT_EXPECT_EQ(test, log[i].ptr, (unsigned long)foreign);
		KUNIT_EXPECT_EQ(test, log[i].ip, HM_BAD_SITE + more - HM_ERR_LOG + i);
	}
	hm_test_foreign_free(foreign);
}

/*
 * The usable size of a block is its stride while it is live; 0 for a
 * pointer into it but not at its start (the caller would write past the
 * block), for the slab header, and for a block freed locally or by
 * another context (freelist mode knows that with checks on).
 */
static void hm_usable_size_live_only(struct kunit *test)
{
	unsigned int flags = hm_test_exact_flags(MODE(test));
	struct hm_cache *c = hm_test_cache_flags(test, 64, 0, MODE(test), flags);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_cctx *other = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void **v = hm_alloc_n(test, cc, 3);

	KUNIT_EXPECT_EQ(test, hm_core_usable_size(v[0]), c->size);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size((char *)v[0] + 8), 0);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size((char *)v[0] + c->size - 1), 0);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(hm_ptr_slab(v[0])), 0);
	hm_test_free_in(cc, v[1]);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(v[1]), 0);
	hm_test_free_in(other, v[2]);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(v[2]), 0);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(v[0]), c->size);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_expect_intact(test, cc, v, 1);
	hm_test_free_in(cc, v[0]);
	HM_EXPECT_VALID(test, c);
}

/*
 * hm_core_obj_of() maps any pointer into a block of a live slab to the
 * block, live or free (the kernel's hakmem_free_rcu() callback finds its
 * object from the struct rcu_head inside it), and one into a live large
 * object to the object; a slab's header, a pointer past a large object's
 * size and a freed large object map to none.  hm_core_free_size() is the
 * usable size with a free's reports: a free block is a double free,
 * nothing is freed.
 */
static void hm_obj_of_interior(struct kunit *test)
{
	unsigned int flags = hm_test_exact_flags(MODE(test));
	struct hm_cache *c = hm_test_cache_flags(test, 64, 0, MODE(test), flags);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void **v = hm_alloc_n(test, cc, 2);
	struct hm_err_entry en;
	unsigned long seq;
	size_t n = 0;
	char *large;

	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of(v[0], &n), v[0]);
	KUNIT_EXPECT_EQ(test, n, c->size);
	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of((char *)v[0] + 8, &n), v[0]);
	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of((char *)v[0] + c->size - 1, &n), v[0]);
	KUNIT_EXPECT_NULL(test, hm_core_obj_of(hm_ptr_slab(v[0]), &n));
	KUNIT_EXPECT_EQ(test, hm_core_free_size(v[0], 0), c->size);
	hm_test_free_in(cc, v[1]);
	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of((char *)v[1] + 16, &n), v[1]);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	if (MODE(test) != HM_MODE_FREELIST || (flags & HM_CACHE_CHECKS)) {
		seq = hm_test_report_seq(test);
		KUNIT_EXPECT_EQ(test, hm_core_free_size(v[1], 0), 0);
		if (hm_test_report_since(test, seq, &en))
			KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_DOUBLE_FREE);
		KUNIT_EXPECT_EQ(test, *errors, 1);
	}

	large = hm_large_alloc(5000, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, large);
	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of(large + 4000, &n), large);
	KUNIT_EXPECT_EQ(test, n, 5000);
	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of(large, &n), large);
	KUNIT_EXPECT_NULL(test, hm_core_obj_of(large + 5000, &n));
	KUNIT_EXPECT_NULL(test, hm_core_obj_of(large - 8, &n));
	hm_free_other(large, 0);
	KUNIT_EXPECT_NULL(test, hm_core_obj_of(large + 4000, &n));
	/* one at its chunk's start, its header out of line (hm_large_plan()) */
	large = hm_large_alloc(HM_SLAB_SIZE, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, large);
	KUNIT_EXPECT_EQ(test, (uintptr_t)large % HM_SLAB_SIZE, 0);
	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of(large + HM_SLAB_SIZE - 1, &n), large);
	KUNIT_EXPECT_EQ(test, n, HM_SLAB_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, hm_core_obj_of(large, &n), large);
	KUNIT_EXPECT_EQ(test, hm_core_free_size(large, 0), HM_SLAB_SIZE);
	hm_free_other(large, 0);
	KUNIT_EXPECT_NULL(test, hm_core_obj_of(large + 4000, &n));
	hm_expect_intact(test, cc, v, 1);
	hm_test_free_in(cc, v[0]);
	HM_EXPECT_VALID(test, c);
}

/*
 * The contexts' counters are read one after another while they run, so a
 * sum can hold an allocation whose free in another context was read
 * before it: in use never exceeds what the slabs hold, nor goes below 0
 * (mallinfo()'s free blocks, total - in use, wrapped to 2^64 - 88658).
 */
static void hm_stats_within_bounds(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_cctx *other = hm_test_cctx(test, c);
	void **v = hm_alloc_n(test, cc, 3);
	struct hm_stats st;

	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.objs_inuse, 3);
	KUNIT_EXPECT_EQ(test, st.bytes_inuse, 3 * c->obj_size);
	/* as read halfway through other frees: allocations far ahead */
	cc->st.allocs += 10 * c->nblocks;
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.objs_inuse, st.objs_total);
	KUNIT_EXPECT_LE(test, st.util_permille, 1000);
	cc->st.allocs -= 10 * c->nblocks;
	/* and frees ahead of their allocations */
	other->st.frees += 5;
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.objs_inuse, 0);
	other->st.frees -= 5;
	hm_test_free_in(cc, v[0]);
	hm_test_free_in(cc, v[1]);
	hm_test_free_in(cc, v[2]);
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.objs_inuse, 0);
	HM_EXPECT_VALID(test, c);
}

/*
 * An allocation that needs a new chunk is one slow-path allocation: its
 * slow path finds no slab, the adapter adds a chunk and allocates from it.
 * Hybrid counted it twice (its magazine, still empty when the chunk came,
 * took the slow path again to refill), so one allocation showed
 * alloc_slow 2 and alloc_fast 0, and every new chunk took one allocation
 * from alloc_fast.  Over three chunks: a slow allocation per new slab
 * (bitmap, freelist), per refill (hybrid).
 */
static void hm_stats_slow_once(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int i, n = 2 * c->nblocks + 1;
	struct hm_stats st;
	void **first, **v;

	first = hm_alloc_n(test, cc, 1);
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.allocs, 1);
	KUNIT_EXPECT_EQ(test, st.alloc_slow, 1);
	KUNIT_EXPECT_EQ(test, st.alloc_fast, 0);

	/* no free meanwhile: freelist's slow path would take it back */
	v = hm_alloc_n(test, cc, n);
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.allocs, n + 1);
	KUNIT_EXPECT_EQ(test, st.alloc_fast + st.alloc_slow, st.allocs);
	if (MODE(test) == HM_MODE_HYBRID)
		KUNIT_EXPECT_EQ(test, st.alloc_slow, st.refills);
	else
		KUNIT_EXPECT_EQ(test, st.alloc_slow, 3);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	hm_test_free_in(cc, first[0]);
	HM_EXPECT_VALID(test, c);
}

/*
 * Hybrid: a refill is counted once per trip to the slab, and the blocks
 * cached are those of every context's magazine.
 */
static void hm_stats_magazines(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_HYBRID);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_cctx *other = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, (c->mag_cap + 2) * sizeof(void *), GFP_KERNEL);
	unsigned int i, cached;
	struct hm_stats st;
	void *o;

	KUNIT_ASSERT_NOT_NULL(test, v);
	v[0] = hm_test_alloc(cc);	/* a new slab, one refill */
	KUNIT_ASSERT_NOT_NULL(test, v[0]);
	cached = cc->mag_count;
	KUNIT_ASSERT_GT(test, cached, 0);
	KUNIT_ASSERT_LE(test, cached, c->mag_cap);
	KUNIT_ASSERT_LT(test, cached + 1, c->nblocks);	/* the slab has more */
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.refills, 1);
	KUNIT_EXPECT_EQ(test, st.flushes, 0);
	KUNIT_EXPECT_EQ(test, st.objs_cached, cached);
	for (i = 1; i <= cached; i++) {	/* the magazine, emptied */
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.refills, 1);
	KUNIT_EXPECT_EQ(test, st.objs_cached, 0);
	v[cached + 1] = hm_test_alloc(cc);	/* the next refill */
	KUNIT_ASSERT_NOT_NULL(test, v[cached + 1]);
	o = hm_test_alloc(other);
	KUNIT_ASSERT_NOT_NULL(test, o);
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.refills, 3);	/* cc's two, other's first */
	KUNIT_EXPECT_GT(test, other->mag_count, 0);
	KUNIT_EXPECT_EQ(test, st.objs_cached, cc->mag_count + other->mag_count);
	for (i = 0; i < cached + 2; i++)
		hm_test_free_in(cc, v[i]);
	hm_test_free_in(other, o);
	hm_cache_stats(c, &st);
	KUNIT_EXPECT_EQ(test, st.objs_inuse, 0);
	KUNIT_EXPECT_EQ(test, st.objs_cached, cc->mag_count + other->mag_count);
	HM_EXPECT_VALID(test, c);
}

/*
 * A flood of one caller's double frees into one cache, more than the
 * report log holds: every one refused and counted (the cache's counter,
 * the total, the test's count), the log's last HM_ERR_LOG entries are
 * the last of them in order, and another cache's report after the flood
 * is counted and logged as its own.  Counting and logging do not depend
 * on printing: the kernel's rate limit (per cache and kind) only decides
 * what reaches the log's printer.
 */
static void hm_report_flood_counted(struct kunit *test)
{
	unsigned int flags = hm_test_exact_flags(MODE(test));
	struct hm_cache *c = hm_test_cache_named(test, "hm-flood", 64, 0, MODE(test), flags);
	struct hm_cache *other = hm_test_cache_named(test, "hm-flood-other", 64, 0, MODE(test),
						     flags);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_cctx *occ = hm_test_cctx(test, other);
	long *errors = hm_test_count_errors(test);
	const unsigned int n = 3 * HM_ERR_LOG + 5;
	unsigned long total = hm_errors(HM_ERR_DOUBLE_FREE);
	void *p = hm_test_alloc(cc), *o = hm_test_alloc(occ);
	struct hm_err_entry *log;
	unsigned int i, got;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, o);
	log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	hm_test_free_in(cc, p);
	hm_test_free_in(occ, o);
	for (i = 0; i < n; i++)
		hm_test_free_in_ip(cc, p, HM_BAD_SITE + i);
	KUNIT_EXPECT_EQ(test, *errors, n);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_DOUBLE_FREE]), n);
	KUNIT_EXPECT_EQ(test, hm_errors(HM_ERR_DOUBLE_FREE) - total, n);
	got = hm_report_log_copy(log);
	KUNIT_ASSERT_EQ(test, got, HM_ERR_LOG);
	for (i = 0; i < HM_ERR_LOG; i++) {
		KUNIT_EXPECT_EQ(test, log[i].kind, HM_ERR_DOUBLE_FREE);
		KUNIT_EXPECT_EQ(test, log[i].cache_id, c->id);
		KUNIT_EXPECT_EQ(test, log[i].ptr, (unsigned long)p);
		KUNIT_EXPECT_EQ(test, log[i].ip, HM_BAD_SITE + n - HM_ERR_LOG + i);
		KUNIT_EXPECT_EQ(test, log[i].seq, log[0].seq + i);
	}
	/* the other cache: its own count, its report the newest */
	KUNIT_EXPECT_EQ(test, hm_cache_errors_sum(other), 0);
	hm_test_free_in_ip(occ, o, HM_BAD_SITE);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&other->errors[HM_ERR_DOUBLE_FREE]), 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_DOUBLE_FREE]), n);
	KUNIT_EXPECT_EQ(test, *errors, n + 1);
	got = hm_report_log_copy(log);
	KUNIT_ASSERT_EQ(test, got, HM_ERR_LOG);
	KUNIT_EXPECT_EQ(test, log[HM_ERR_LOG - 1].cache_id, other->id);
	KUNIT_EXPECT_EQ(test, log[HM_ERR_LOG - 1].seq, log[HM_ERR_LOG - 2].seq + 1);
	KUNIT_EXPECT_EQ(test, log[HM_ERR_LOG - 2].ip, HM_BAD_SITE + n - 1);
	HM_EXPECT_VALID(test, c);
	HM_EXPECT_VALID(test, other);
}

/* a printer that counts the problems hm_cache_validate() prints */
struct hm_count_printer {
	struct hm_printer pr;
	unsigned int lines;
};

static void hm_count_printf(struct hm_printer *pr, const char *fmt, ...)
{
	((struct hm_count_printer *)pr)->lines++;
}

/* hm_cache_validate() of @c: its problems, each printed once */
static long hm_problems(struct kunit *test, struct hm_cache *c)
{
	struct hm_count_printer cp = { .pr.printf = hm_count_printf };
	long n = hm_cache_validate(c, &cp.pr);

	KUNIT_EXPECT_EQ(test, cp.lines, n);
	return n;
}

/* what hm_cache_validate_log() gives the log: lines, and the last one's count */
struct hm_log_printer {
	struct hm_printer pr;
	unsigned int lines;
	long more;		/* "... <n> more problems" of the last line, or -1 */
};

/* the log gets each line as "%s" (hm_vlog_line()) */
static void hm_log_printf(struct hm_printer *pr, const char *fmt, ...)
{
	struct hm_log_printer *lp = (struct hm_log_printer *)pr;
	const char *line = NULL, *more;
	va_list ap;

	lp->lines++;
	lp->more = -1;
	va_start(ap, fmt);
	if (!strcmp(fmt, "%s"))
		line = va_arg(ap, const char *);
	va_end(ap);
	more = line ? strstr(line, ": ... ") : NULL;
	if (more && sscanf(more, ": ... %ld more problems", &lp->more) != 1)
		lp->more = -1;
}

/*
 * With no printer, the problems go to the platform's log (the kernel's,
 * with every CPU stopped): there the first HM_VALIDATE_LOG_MAX and one
 * line that counts the rest, however many there are, and still every one
 * counted in the return.  Here a dozen slabs' free counts are off.
 */
static void hm_validate_log_bounded(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 1024, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int nslabs = HM_VALIDATE_LOG_MAX + 4, n = c->nblocks * nslabs, i;
	void **v = hm_alloc_n(test, cc, n);
	struct hm_log_printer lp = { .pr.printf = hm_log_printf };
	bool fl = MODE(test) == HM_MODE_FREELIST;
	long all;

	for (i = 0; i < n; i += c->nblocks) {
		struct hm_slab *s = hm_ptr_slab(v[i]);

		if (fl)
			s->used++;
		else
			s->nfree++;
	}
	all = hm_problems(test, c);
	KUNIT_EXPECT_GT(test, all, HM_VALIDATE_LOG_MAX);
	KUNIT_EXPECT_EQ(test, hm_cache_validate_log(c, &lp.pr), all);
	KUNIT_EXPECT_EQ(test, lp.lines, HM_VALIDATE_LOG_MAX + 1);
	KUNIT_EXPECT_EQ(test, lp.more, all - HM_VALIDATE_LOG_MAX);
	/* the same check to the log: the same count */
	KUNIT_EXPECT_EQ(test, hm_cache_validate(c, NULL), all);
	for (i = 0; i < n; i += c->nblocks) {
		struct hm_slab *s = hm_ptr_slab(v[i]);

		if (fl)
			s->used--;
		else
			s->nfree--;
	}
	/* a few problems: each on its line, no count line */
	cc->st.allocs++;
	lp.lines = 0;
	KUNIT_EXPECT_EQ(test, hm_cache_validate_log(c, &lp.pr), 1);
	KUNIT_EXPECT_EQ(test, lp.lines, 1);
	KUNIT_EXPECT_EQ(test, lp.more, -1);
	cc->st.allocs--;
	lp.lines = 0;
	KUNIT_EXPECT_EQ(test, hm_cache_validate_log(c, &lp.pr), 0);
	KUNIT_EXPECT_EQ(test, lp.lines, 0);
	hm_cctx_free_bulk(cc, n, v, 0);
	HM_EXPECT_VALID(test, c);
}

/*
 * The oracle of most cases finds what it is there for: a slab's free
 * count that its bitmap or lists do not bear out, counters that disagree
 * with the slabs, a slab off the list its state names.  Each is found,
 * and the cache is consistent again once it is undone.
 */
static void hm_validate_finds_problems(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = hm_alloc_n(test, cc, 10);
	struct hm_slab *s = hm_ptr_slab(v[0]);
	bool fl = MODE(test) == HM_MODE_FREELIST;

	KUNIT_ASSERT_PTR_EQ(test, cc->active, s);
	KUNIT_EXPECT_EQ(test, hm_problems(test, c), 0);
	/* free-list mode: its lists and the objects counted disagree */
	if (fl)
		s->used++;
	else
		s->nfree++;
	KUNIT_EXPECT_EQ(test, hm_problems(test, c), fl ? 2 : 1);
	if (fl)
		s->used--;
	else
		s->nfree--;
	cc->st.allocs++;
	KUNIT_EXPECT_EQ(test, hm_problems(test, c), 1);
	cc->st.allocs--;
	s->list = HM_LIST_PARTIAL;	/* the slab's and its context's view */
	KUNIT_EXPECT_EQ(test, hm_problems(test, c), 2);
	s->list = HM_LIST_ACTIVE;
	KUNIT_EXPECT_EQ(test, hm_problems(test, c), 0);
	hm_cctx_free_bulk(cc, 10, v, 0);
	HM_EXPECT_VALID(test, c);
}

/* hm_cache_validate()'s lines of one kind: their format has @want */
struct hm_find_printer {
	struct hm_printer pr;
	const char *want;
	unsigned int lines;
	unsigned int found;
};

static void hm_find_printf(struct hm_printer *pr, const char *fmt, ...)
{
	struct hm_find_printer *fp = (struct hm_find_printer *)pr;

	fp->lines++;
	fp->found += !!strstr(fmt, fp->want);
}

/* @c has @n problems, @want's among them (@want's count if @found) */
static void hm_expect_problem(struct kunit *test, struct hm_cache *c, const char *want,
			      long n, unsigned int *found)
{
	struct hm_find_printer fp = { .pr.printf = hm_find_printf, .want = want };
	long got = hm_cache_validate(c, &fp.pr);

	KUNIT_EXPECT_TRUE_MSG(test, got == n && fp.lines == n && fp.found,
			      "\"%s\": %ld problems, %u lines, %u of them; expected %ld",
			      want, got, fp.lines, fp.found, n);
	if (found)
		*found = fp.found;
}

/*
 * Every problem the oracle knows is found, each once, and nothing else
 * with it but what follows from it (named where it is one more): a
 * corrupt header, counters against the slabs, slabs on the wrong lists
 * or of no context, bits past a slab's last block or in two states,
 * blocks a magazine caches for a slab its context does not own, free
 * lists with a foreign or a repeated block.  The state is made by hand
 * on a quiet cache (slab a full, b the active one), and undone each time:
 * a check that never fires cannot be told from one that works.
 */
static void hm_validate_finds_each(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks + 1, i, last, cached;
	void **v = hm_alloc_n(test, cc, n);
	struct hm_slab *a = hm_ptr_slab(v[0]), *b = hm_ptr_slab(v[n - 1]);
	struct hm_cctx *fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	bool hybrid = MODE(test) == HM_MODE_HYBRID;
	struct hm_slab *save;
	void *head;

	KUNIT_ASSERT_NOT_NULL(test, fake);
	KUNIT_ASSERT_PTR_NE(test, a, b);
	KUNIT_ASSERT_PTR_EQ(test, cc->active, b);
	KUNIT_ASSERT_EQ(test, a->list, HM_LIST_FULL);
	KUNIT_ASSERT_EQ(test, hm_cache_validate(c, NULL), 0);

	/* a's objects go uncounted with its header: the total is off too */
	a->magic ^= 1;
	hm_expect_problem(test, c, "bad header", 2, NULL);
	a->magic ^= 1;
	c->nslabs++;
	hm_expect_problem(test, c, "slabs on the list", 1, NULL);
	c->nslabs--;
	hm_atomic_fetch_add(&c->nreserve, 1);
	hm_expect_problem(test, c, "reserve slabs in contexts", 1, NULL);
	hm_atomic_fetch_add(&c->nreserve, -1UL);
	hm_atomic_fetch_add(&c->nwoken, 1);
	hm_expect_problem(test, c, "slabs on notify stacks", 1, NULL);
	hm_atomic_fetch_add(&c->nwoken, -1UL);

	/* the active slab on the partial, then the parked list */
	save = b->next;
	b->next = cc->partial;
	cc->partial = b;
	hm_expect_problem(test, c, "partial slab %p misplaced", 1, NULL);
	cc->partial = b->next;
	b->next = cc->parked;
	cc->parked = b;
	hm_expect_problem(test, c, "parked slab %p misplaced", 1, NULL);
	cc->parked = b->next;
	b->next = save;

	/* a full slab of a context the cache does not have */
	a->owner = fake;
	hm_expect_problem(test, c, "is not a context of the cache", 1, NULL);
	a->owner = cc;
	KUNIT_EXPECT_EQ(test, hm_cache_validate(c, NULL), 0);

	if (MODE(test) == HM_MODE_FREELIST) {
		/* an interior pointer on b's free list: b's count is off too */
		head = b->free;
		KUNIT_ASSERT_NOT_NULL(test, head);
		b->free = (char *)head + 1;
		hm_expect_problem(test, c, "not a block of it", 2, NULL);
		/* the local list starts with a block of the free list */
		KUNIT_ASSERT_NULL(test, b->local_free);
		b->free = head;
		b->local_free = head;
		hm_expect_problem(test, c, "twice", 1, NULL);
		b->local_free = NULL;
		goto out;
	}

	/* bitmap, hybrid: a bit past b's last block, counted free */
	last = b->nwords - 1;
	if (b->nblocks % HM_BPL) {
		b->free_bits[last] |= 1UL << (HM_BPL - 1);
		b->nfree++;
		/* one object less found; hybrid: the states' sum is off */
		hm_expect_problem(test, c, "bits set past the last block", hybrid ? 3 : 2, NULL);
		b->nfree--;
		b->free_bits[last] &= ~(1UL << (HM_BPL - 1));
	}
	/* a's first block (live) freed remotely and free at once */
	hm_atomic_fetch_or(&a->remote_bits[0], 1);
	a->free_bits[0] |= 1;
	a->nfree++;
	/* and two objects less found; hybrid: its sum is off too */
	hm_expect_problem(test, c, "block in two states", hybrid ? 3 : 2, NULL);
	a->nfree--;
	a->free_bits[0] &= ~1UL;
	hm_atomic_fetch_and(&a->remote_bits[0], ~1UL);
	if (!hybrid)
		goto out;
	/* a free block of b freed remotely: in two states, and not live */
	i = b->nblocks - 1;
	KUNIT_ASSERT_TRUE(test, b->free_bits[i / HM_BPL] & (1UL << (i % HM_BPL)));
	hm_atomic_fetch_or(&b->remote_bits[i / HM_BPL], 1UL << (i % HM_BPL));
	hm_expect_problem(test, c, "remote free of a block not live", 3, NULL);
	hm_atomic_fetch_and(&b->remote_bits[i / HM_BPL], ~(1UL << (i % HM_BPL)));
	/* a live block of a that is neither live, free nor cached */
	a->live_bits[0] &= ~1UL;
	hm_expect_problem(test, c, "live %u + free %u + cached %u", 1, NULL);
	a->live_bits[0] |= 1;
	/* b, whose blocks cc's magazine caches, given to another context */
	KUNIT_ASSERT_GT(test, cc->mag_count, 0);
	fake->active = b;
	b->owner = fake;
	/* and cc's active slab is not its own, nor fake a context */
	hm_expect_problem(test, c, "cached by a context that does not own it",
			  cc->mag_count + 2, &cached);
	KUNIT_EXPECT_EQ(test, cached, cc->mag_count);
	b->owner = cc;
out:
	KUNIT_EXPECT_EQ(test, hm_cache_validate(c, NULL), 0);
	hm_cctx_free_bulk(cc, n, v, 0);
	HM_EXPECT_VALID(test, c);
}

/* the same block handed out twice would be caught here */
static void hm_no_duplicate_blocks(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 8, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = c->nblocks + 50, i, dups = 0;
	void **v = hm_alloc_n(test, cc, n);
	unsigned long *map = kunit_kzalloc(test, 2 * HM_SLAB_SIZE / 8 / 8, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, map);
	/* shadow map: one bit per 8-byte granule of the two slabs */
	for (i = 0; i < n; i++) {
		struct hm_slab *s = hm_ptr_slab(v[i]);
		unsigned long g = ((unsigned long)v[i] - (unsigned long)s) / 8;

		g += s == hm_ptr_slab(v[0]) ? 0 : HM_SLAB_SIZE / 8;
		if (map[g / HM_BITS_PER_LONG] & (1UL << (g % HM_BITS_PER_LONG)))
			dups++;
		map[g / HM_BITS_PER_LONG] |= 1UL << (g % HM_BITS_PER_LONG);
	}
	KUNIT_EXPECT_EQ(test, dups, 0);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
}

/* destroy reports live objects and keeps their memory */
static void hm_destroy_with_live(struct kunit *test)
{
	struct hm_cache *c = hm_core_cache_create("hm-leaky", 256, 0, MODE(test),
						  0, HM_GFP_DEFAULT);
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	struct hm_cctx *cc;
	unsigned long seq;
	unsigned int i;
	void **v;

	KUNIT_ASSERT_NOT_NULL(test, c);
	cc = hm_test_cctx(test, c);
	v = hm_alloc_n(test, cc, 300);
	hm_test_free_in(cc, v[0]);
	KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 299);
	for (i = 1; i < 300; i++)
		hm_test_leak_on_purpose(v[i]);
	KUNIT_EXPECT_GE(test, *errors, 1);
	/* the objects are still usable memory */
	KUNIT_EXPECT_TRUE(test, hm_check(v[299], 256, 299));
	/* a free into the destroyed cache is refused, not acted on */
	*errors = 0;
	seq = hm_test_report_seq(test);
	hm_free_other(v[5], 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_DESTROYED);
	KUNIT_EXPECT_NULL(test, hm_ptr_to_slab(v[5]));
	/* its usable size: none, and a use after free, not a free */
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size_ip(v[6], 0), 0);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_NOT_LIVE);
	KUNIT_EXPECT_TRUE(test, hm_check(v[6], 256, 6));
}

/* memory runs out: NULL, nothing lost, and the cache recovers */
static void hm_chunk_exhaustion(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 256, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = 0, cap = c->nblocks * 3, i;
	void **v = kunit_kzalloc(test, cap * sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	v[n++] = hm_test_alloc(cc);		/* one slab exists */
	KUNIT_ASSERT_NOT_NULL(test, v[0]);
	hm_test_chunk_faults(1);		/* from now on every chunk fails */
	while (n < cap && (v[n] = hm_test_alloc(cc)))
		n++;
	hm_test_chunk_faults(0);
	/* exactly the blocks of the slab that existed were handed out */
	KUNIT_EXPECT_EQ(test, n, c->nblocks);
	KUNIT_EXPECT_EQ(test, c->nslabs, 1);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), n);
	for (i = 0; i < c->nblocks; i++) {	/* memory is back */
		v[n] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[n]);
		n++;
	}
	HM_EXPECT_VALID(test, c);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A released slab's header and debug memory outlive the release while a
 * reader that may have found the slab before it is inside its bracket (a
 * free of a stale pointer, racing with the release): it reads a released
 * slab's header (magic 0), never memory given back.  They go once the
 * brackets have closed.
 */
static void hm_release_waits_for_readers(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 256, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned long released, track;
	struct hm_slab_dbg *d;
	struct hm_slab *s;
	unsigned int i, n;
	void **v;
	bool in;

	if (!hm_test_retire_waits())
		kunit_skip(test, "released slabs go at once here (no membarrier())");
	/* hm_slabs_retiring counts every cache's: no shrink releases one meanwhile */
	hm_test_hold_reclaim(test);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	n = c->nblocks;
	v = kunit_kzalloc(test, n * sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	s = hm_ptr_slab(v[0]);
	KUNIT_ASSERT_TRUE(test, s == hm_ptr_slab(v[n - 1]));
	d = hm_dbg(s);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_NE(test, hm_atomic_read(&d->track), 0);
	track = hm_atomic_read(&c->track_bytes);
	released = c->slabs_released;

	/* the reader: no assertion may leave the case inside it */
	in = hm_plat_read_begin();
	KUNIT_EXPECT_TRUE(test, in);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	hm_test_ctx_enter();
	hm_cctx_flush(cc);
	hm_test_ctx_exit();
	hm_cache_shrink(c);
	KUNIT_EXPECT_EQ(test, c->slabs_released, released + 1);
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(v[0]));
	/* released, and still there: a released slab's header, its records */
	KUNIT_EXPECT_EQ(test, HM_READ_ONCE(s->magic), 0);
	KUNIT_EXPECT_EQ(test, s->nblocks, n);
	KUNIT_EXPECT_PTR_EQ(test, hm_dbg(s), d);
	KUNIT_EXPECT_NE(test, hm_atomic_read(&d->track), 0);
	KUNIT_EXPECT_GE(test, hm_atomic_read(&hm_slabs_retiring), 1);
	/* no longer the cache's memory */
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes),
			track - (unsigned long)n * sizeof(struct hm_track));
	if (in)
		hm_plat_read_end();
	hm_test_retire_barrier();
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&hm_slabs_retiring), 0);
}

/*
 * A cache is not created with a bad size, alignment, mode or flag, and
 * the report names the value at fault (it once named the size for all).
 */
static void hm_cache_create_refused(struct kunit *test)
{
	static const struct {
		unsigned int size, align, mode, flags;
		unsigned long bad;
	} bad[] = {
		{ 0, 0, HM_MODE_BITMAP, 0, 0 },
		{ HM_MAX_OBJ_SIZE + 1, 0, HM_MODE_HYBRID, 0, HM_MAX_OBJ_SIZE + 1 },
		{ 64, 3, HM_MODE_BITMAP, 0, 3 },
		{ 64, 2 * HM_MAX_OBJ_SIZE, HM_MODE_BITMAP, 0, 2 * HM_MAX_OBJ_SIZE },
		{ 64, 0, HM_MODE_NR, 0, HM_MODE_NR },
		{ 64, 0, HM_MODE_FREELIST, 0x8000, 0x8000 },
		{ 64, 0, HM_MODE_BITMAP, HM_CACHE_FIT(7), HM_CACHE_FIT(7) },
		{ 64, 0, HM_MODE_BITMAP, HM_CACHE_ADAPTIVE, HM_CACHE_ADAPTIVE },
		/* a flag that is right: the size or alignment is at fault */
		{ 0, 0, HM_MODE_HYBRID, HM_CACHE_ADAPTIVE, 0 },
		{ 64, 3, HM_MODE_HYBRID, HM_CACHE_ADAPTIVE, 3 },
	};
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	struct hm_cache *c;
	unsigned int i;

	for (i = 0; i < HM_ARRAY_SIZE(bad); i++) {
		unsigned long seq = hm_test_report_seq(test);

		KUNIT_EXPECT_NULL(test, hm_core_cache_create("hm-bad", bad[i].size, bad[i].align,
							     bad[i].mode, bad[i].flags,
							     HM_GFP_DEFAULT));
		KUNIT_EXPECT_EQ(test, *errors, i + 1);
		if (hm_test_report_since(test, seq, &en)) {
			KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_BAD_SIZE);
			KUNIT_EXPECT_EQ(test, en.ptr, bad[i].bad);
		}
	}
	/* every flag there is: created */
	c = hm_core_cache_create("hm-flags", 64, 0, HM_MODE_HYBRID,
				 HM_CACHE_FLAGS & ~HM_CACHE_FIT_MASK, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 0);
	/* the largest size and alignment, in every mode: created */
	for (i = 0; i < HM_MODE_NR; i++) {
		c = hm_core_cache_create("hm-max", HM_MAX_OBJ_SIZE, HM_MAX_OBJ_SIZE, i, 0,
					 HM_GFP_DEFAULT);
		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_EXPECT_EQ(test, c->size, HM_MAX_OBJ_SIZE);
		KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 0);
	}
	KUNIT_EXPECT_EQ(test, *errors, HM_ARRAY_SIZE(bad));
	/* past HM_MAX_OBJ_SIZE only through hm_core_medium_create(), six a slab at most */
	for (i = 0; i < HM_MODE_NR; i++) {
		c = hm_core_medium_create("hm-10816", 10816, 64, i, HM_GFP_DEFAULT);
		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_EXPECT_EQ(test, c->size, 10816);
		KUNIT_EXPECT_EQ(test, c->nblocks, 6);
		KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 0);
	}
	KUNIT_EXPECT_EQ(test, *errors, HM_ARRAY_SIZE(bad));
	KUNIT_EXPECT_NULL(test, hm_core_medium_create("hm-bad", HM_MAX_SLAB_OBJ_SIZE + 1, 0,
						      HM_MODE_HYBRID, HM_GFP_DEFAULT));
	KUNIT_EXPECT_NULL(test, hm_core_medium_create("hm-bad", 8000, 0, HM_MODE_NR,
						      HM_GFP_DEFAULT));
	KUNIT_EXPECT_EQ(test, *errors, HM_ARRAY_SIZE(bad) + 2);
}

/*
 * A name is one line wherever it is shown (the tables, the dumps, the
 * reports, the kernel's debugfs directory): a control byte is a '?'; the
 * rest is kept, cut to HM_NAME_LEN - 1 bytes.
 */
static void hm_cache_name_printable(struct kunit *test)
{
	static const char *const name[][2] = {
		{ "a\nb\tc\x7f d\x01", "a?b?c? d?" },
		{ "0123456789abcdef0123456789abcdefXYZ", "0123456789abcdef0123456789abcde" },
		{ "\n", "?" },
		{ NULL, "hakmem" },
	};
	long *errors = hm_test_count_errors(test);
	unsigned int i;

	for (i = 0; i < HM_ARRAY_SIZE(name); i++) {
		struct hm_cache *c = hm_test_cache_named(test, name[i][0], 64, 0,
							 HM_MODE_HYBRID, 0);
		struct hm_cctx *cc = hm_test_cctx(test, c);
		unsigned long seq = hm_test_report_seq(test);
		struct hm_err_entry en;
		void *p = hm_test_alloc(cc);

		KUNIT_EXPECT_STREQ(test, c->name, name[i][1]);
		/* and a report names it so */
		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_test_free_in(cc, (char *)p + 1);
		if (hm_test_report_since(test, seq, &en))
			KUNIT_EXPECT_STREQ(test, en.cache, name[i][1]);
		hm_test_free_in(cc, p);
	}
	KUNIT_EXPECT_EQ(test, *errors, HM_ARRAY_SIZE(name));
}

static struct kunit_case hm_cache_cases[] = {
	KUNIT_CASE_PARAM(hm_exhaust_and_refill, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_trim_reserves_once, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_free_lifo, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_free_fifo, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_free_random, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_random_churn, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_bulk, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_mixed_sizes, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_pair_hysteresis, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_boundary_hysteresis, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_bad_frees_refused, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_report_flood_counted, hm_mode_gen_params),
	KUNIT_CASE(hm_cache_create_refused),
	KUNIT_CASE(hm_cache_name_printable),
	KUNIT_CASE(hm_report_log_last),
	KUNIT_CASE_PARAM(hm_usable_size_live_only, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_obj_of_interior, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_stats_within_bounds, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_stats_slow_once, hm_mode_gen_params),
	KUNIT_CASE(hm_stats_magazines),
	KUNIT_CASE_PARAM(hm_validate_finds_problems, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_validate_log_bounded, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_validate_finds_each, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_no_duplicate_blocks, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_destroy_with_live, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_chunk_exhaustion, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_release_waits_for_readers, hm_mode_gen_params),
	{}
};

struct kunit_suite hm_cache_suite = {
	.name = "hakmem_cache",
	.test_cases = hm_cache_cases,
};
