// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_slabmap_test.c - the slab map: registered chunks are found, nothing
 * else is, and slab headers are initialised as each mode needs.
 */
#include "hm_test.h"

/* Register the granule at @g: it is found, its neighbours are not. */
static void hm_slabmap_expect_set(struct kunit *test, char *g)
{
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(g));
	hm_slabmap_set(g, true);
	KUNIT_EXPECT_TRUE(test, hm_slabmap_test(g));
	KUNIT_EXPECT_TRUE(test, hm_slabmap_test(g + HM_SLAB_SIZE - 1));
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(g + HM_SLAB_SIZE));
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(g - 1));
}

static void hm_slabmap_register(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_HYBRID);
	char *chunk = hm_cache_chunk_get(c, HM_GFP_DEFAULT);
	long local;

	KUNIT_ASSERT_NOT_NULL(test, chunk);
	KUNIT_EXPECT_EQ(test, (unsigned long)chunk % HM_SLAB_SIZE, 0);
	hm_slabmap_expect_set(test, chunk);
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(&local));
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(NULL));
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test((void *)~0UL));
	hm_slabmap_set(chunk, false);
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(chunk));
	hm_plat_chunk_free(chunk, HM_SLAB_SIZE);
}

/*
 * A granule far from any chunk (bit 47 flipped: in userspace above the
 * flat bitmap, so in the tree; in the kernel another mid entry).  The map
 * never dereferences what it registers, so an address nothing is mapped
 * at is a fair test of the level that holds it.
 */
static void hm_slabmap_far(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_HYBRID);
	char *chunk = hm_cache_chunk_get(c, HM_GFP_DEFAULT);
	char *far;

	KUNIT_ASSERT_NOT_NULL(test, chunk);
	far = (char *)((unsigned long)chunk ^ HM_BIT(47));
	KUNIT_ASSERT_EQ(test, hm_slabmap_prepare(far, HM_GFP_DEFAULT), 0);
	hm_slabmap_expect_set(test, far);
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(chunk));
	hm_slabmap_set(chunk, true);
	hm_slabmap_set(far, false);
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(far));
	KUNIT_EXPECT_TRUE(test, hm_slabmap_test(chunk));
	hm_slabmap_set(chunk, false);
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test(chunk));
	/* the edges of the flat bitmap and the top of the address space */
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test((void *)(HM_BIT(47) - 1)));
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test((void *)HM_BIT(47)));
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test((void *)(~0UL - HM_SLAB_SIZE)));
	hm_plat_chunk_free(chunk, HM_SLAB_SIZE);
}

static void hm_slab_init_modes(struct kunit *test)
{
	unsigned int m;

	for (m = 0; m < HM_MODE_NR; m++) {
		struct hm_cache *c = hm_test_cache(test, 24, 8, (enum hm_mode)m);
		void *chunk = hm_cache_chunk_get(c, HM_GFP_DEFAULT);
		struct hm_slab *s;

		KUNIT_ASSERT_NOT_NULL(test, chunk);
		s = hm_slab_init(c, chunk);
		KUNIT_EXPECT_EQ(test, s->magic, HM_MAGIC_SLAB);
		KUNIT_EXPECT_EQ(test, s->nblocks, c->nblocks);
		KUNIT_EXPECT_EQ(test, hm_slab_free_count(s), c->nblocks);
		KUNIT_EXPECT_TRUE(test, hm_slab_is_empty(s));
		KUNIT_EXPECT_FALSE(test, hm_slab_remote_pending(s));
		KUNIT_EXPECT_EQ(test, (char *)s->blocks - (char *)s, c->first_off);
		KUNIT_EXPECT_EQ(test, m == HM_MODE_HYBRID, !!s->live_bits);
		KUNIT_EXPECT_EQ(test, m == HM_MODE_FREELIST, !s->free_bits);
		hm_plat_chunk_free(chunk, HM_SLAB_SIZE);
	}
}

static struct kunit_case hm_slab_cases[] = {
	KUNIT_CASE(hm_slabmap_register),
	KUNIT_CASE(hm_slabmap_far),
	KUNIT_CASE(hm_slab_init_modes),
	{}
};

struct kunit_suite hm_slab_suite = {
	.name = "hakmem_slab",
	.test_cases = hm_slab_cases,
};
