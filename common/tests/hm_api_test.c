// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_api_test.c - the adapter's kmalloc-like API over the built-in
 * classes (hm_malloc/hm_free in userspace, hakmem_alloc/hakmem_free in the
 * kernel): edge sizes, large objects, foreign pointers, NULL.
 */
#include "hm_test.h"

static void hm_api_edge_sizes(struct kunit *test)
{
	static const size_t sizes[] = { 1, 7, 8, 9, 16, 100, 512, 1023, 1024,
					1025, 4096, 70000, 300000 };
	void *p[HM_ARRAY_SIZE(sizes)];
	unsigned int i;

	for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
		p[i] = hm_test_malloc(sizes[i]);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)p[i] % 8, 0);
		if (sizes[i] <= HM_MAX_CLASS_SIZE)
			/* classes are naturally aligned, like kmalloc */
			KUNIT_EXPECT_EQ(test, (unsigned long)p[i] %
					hm_class_size(hm_size_to_class(sizes[i])), 0);
		KUNIT_EXPECT_GE(test, hm_core_usable_size(p[i]), sizes[i]);
		hm_memset(p[i], 0xa5, sizes[i]);
	}
	for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_EQ(test, ((unsigned char *)p[i])[sizes[i] - 1], 0xa5);
		hm_test_free(p[i]);
	}
}

/* size 0 and NULL behave as documented; huge sizes fail cleanly */
static void hm_api_zero_null_huge(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	void *p;

	hm_test_free(NULL);
	p = hm_test_malloc(0);
	/* userspace: a unique minimal object; kernel: ZERO_SIZE_PTR */
	hm_test_free(p);
	KUNIT_EXPECT_NULL(test, hm_test_malloc((size_t)1 << 62));
	/* bad where it exceeds the platform's address space */
	KUNIT_EXPECT_EQ(test, *errors, ((size_t)1 << 62) > HM_LARGE_MAX);
	KUNIT_EXPECT_NULL(test, hm_test_malloc((size_t)-1));
	KUNIT_EXPECT_EQ(test, *errors, 1 + (((size_t)1 << 62) > HM_LARGE_MAX));
#ifdef HM_PLAT_ADDR_BITS
	/* the edge: the largest size tried, then the smallest reported */
	*errors = 0;
	KUNIT_EXPECT_NULL(test, hm_test_malloc(HM_LARGE_MAX));
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_NULL(test, hm_test_malloc(HM_LARGE_MAX + 1));
	KUNIT_EXPECT_EQ(test, *errors, 1);
#endif
}

/* pointers hakmem never handed out are refused without being touched */
static void hm_api_foreign(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	void *f = hm_test_foreign_alloc(100);
	void *big = hm_test_malloc(5000);
	long local = 0;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_NOT_NULL(test, big);
	hm_test_free(f);
	hm_test_free(&local);
	hm_test_free((char *)big + 16);		/* interior of a large object */
	KUNIT_EXPECT_EQ(test, *errors, 3);
	hm_test_free(big);
	hm_test_free(big);			/* double free of a large object */
	KUNIT_EXPECT_EQ(test, *errors, 4);
	hm_test_foreign_free(f);
}

/* many objects of every class at once, all distinct and intact */
static void hm_api_all_classes(struct kunit *test)
{
	unsigned int cls, i, n = 500, bad = 0;
	void **v = kunit_kmalloc_array(test, n * HM_NR_CLASSES, sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (cls = 0; cls < HM_NR_CLASSES; cls++) {
		for (i = 0; i < n; i++) {
			void *p = hm_test_malloc(hm_class_size(cls));

			KUNIT_ASSERT_NOT_NULL(test, p);
			hm_memset(p, (int)(cls * 16 + i % 16), hm_class_size(cls));
			v[cls * n + i] = p;
		}
	}
	for (cls = 0; cls < HM_NR_CLASSES; cls++) {
		for (i = 0; i < n; i++) {
			unsigned char *p = v[cls * n + i];

			bad += p[0] != (unsigned char)(cls * 16 + i % 16) ||
			       p[hm_class_size(cls) - 1] != (unsigned char)(cls * 16 + i % 16);
			hm_test_free(p);
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* a freed large chunk is kept and reused; a second free is refused */
static void hm_api_large_reuse(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	void *p, *q;

	hm_large_trim();
	p = hm_test_malloc(5000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_memset(p, 1, 5000);
	hm_test_free(p);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), 0);
	hm_test_free(p);			/* kept: a double free */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	q = hm_test_malloc(6000);		/* the same chunk size: reused */
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 0);
	KUNIT_EXPECT_GE(test, hm_core_usable_size(q), 6000);
	hm_memset(q, 2, 6000);
	hm_test_free(q);
	KUNIT_EXPECT_EQ(test, hm_large_trim(), 1);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 0);
	hm_test_free(q);			/* given back: not hakmem's now */
	KUNIT_EXPECT_EQ(test, *errors, 2);
}

static struct kunit_case hm_api_cases[] = {
	KUNIT_CASE(hm_api_edge_sizes),
	KUNIT_CASE(hm_api_zero_null_huge),
	KUNIT_CASE(hm_api_foreign),
	KUNIT_CASE(hm_api_all_classes),
	KUNIT_CASE(hm_api_large_reuse),
	{}
};

struct kunit_suite hm_api_suite = {
	.name = "hakmem_api",
	.test_cases = hm_api_cases,
};
