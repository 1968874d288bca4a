// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_sizeclass_test.c - size classes and block-index arithmetic.
 */
#include "hm_test.h"

/* hm_size_to_class() against the obvious loop, for every small size */
static void hm_size_to_class_all_sizes(struct kunit *test)
{
	unsigned int size, want;

	for (size = 0; size <= HM_MAX_CLASS_SIZE; size++) {
		for (want = 0; hm_class_size(want) < size; want++)
			;
		KUNIT_EXPECT_EQ(test, hm_size_to_class(size), want);
		KUNIT_EXPECT_GE(test, hm_class_size(hm_size_to_class(size)), size);
	}
	KUNIT_EXPECT_EQ(test, hm_size_to_class(0), 0);
	KUNIT_EXPECT_EQ(test, hm_size_to_class(1024), HM_NR_CLASSES - 1);
}

/* the reciprocal gives off / size exactly for every offset in a slab */
static void hm_block_index_exact(struct kunit *test)
{
	static const unsigned int strides[] = {
		8, 16, 24, 32, 48, 64, 96, 128, 200, 256, 512, 1000, 1024, 4096,
		/* the medium blocks (hm_core_medium_create()) */
		4608, 4992, 5376, 5888, 6464, 7232, 8128, 9280, 10816, HM_MAX_SLAB_OBJ_SIZE,
	};
	unsigned int i, bad = 0;
	unsigned long off;

	for (i = 0; i < HM_ARRAY_SIZE(strides); i++) {
		u32 recip = (u32)(((1ULL << 32) + strides[i] - 1) / strides[i]);

		for (off = 0; off < HM_SLAB_SIZE; off++)
			bad += ((off * recip) >> 32) != off / strides[i];
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * hm_block_start() finds exactly the block starts, with no multiply back:
 * every offset from a header's length below block 0 to the slab's end.
 */
static void hm_block_start_exact(struct kunit *test)
{
	static const unsigned int strides[] = {
		8, 16, 24, 40, 64, 96, 128, 200, 256, 1000, 1024, 3000, 4096,
		4608, 4992, 5376, 5888, 6464, 7232, 8128, 9280, 10816, HM_MAX_SLAB_OBJ_SIZE,
	};
	unsigned int i, bad = 0;
	long off;

	for (i = 0; i < HM_ARRAY_SIZE(strides); i++) {
		unsigned int size = strides[i];
		struct hm_slab s = { .blocks = (char *)HM_SLAB_SIZE + 4096 };
		u32 recip = (u32)(((1ULL << 32) + size - 1) / size);
		unsigned long nblocks = (HM_SLAB_SIZE - 4096) / size;

		s.nblocks = (u16)nblocks;
		for (off = -4096; off < (long)(HM_SLAB_SIZE - 4096); off++) {
			unsigned long idx = hm_block_start(recip, &s, s.blocks + off);
			bool start = off >= 0 && off % size == 0 &&
				     (unsigned long)off / size < nblocks;

			if (start)
				bad += idx != (unsigned long)off / size;
			else
				bad += idx < nblocks;
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* geometry: blocks fit, are aligned, and the header stays out of them */
static void hm_geometry_layout(struct kunit *test)
{
	unsigned int m, cls;

	for (m = 0; m < HM_MODE_NR; m++) {
		for (cls = 0; cls < HM_NR_CLASSES; cls++) {
			struct hm_cache c = { .mode = (u8)m };
			unsigned int size = hm_class_size(cls);

			KUNIT_ASSERT_EQ(test, hm_cache_geometry(&c, size, size), 0);
			KUNIT_EXPECT_EQ(test, c.size, size);
			KUNIT_EXPECT_EQ(test, c.first_off % size, 0);
			KUNIT_EXPECT_GE(test, c.first_off, sizeof(struct hm_slab));
			KUNIT_EXPECT_LE(test, c.first_off + c.nblocks * c.size, HM_SLAB_SIZE);
			/* not one block more would fit */
			KUNIT_EXPECT_GT(test, c.first_off + (c.nblocks + 1) * c.size, HM_SLAB_SIZE);
		}
	}
}

static void hm_geometry_rejects(struct kunit *test)
{
	struct hm_cache c = { .mode = HM_MODE_HYBRID };

	KUNIT_EXPECT_NE(test, hm_cache_geometry(&c, 0, 0), 0);
	KUNIT_EXPECT_NE(test, hm_cache_geometry(&c, HM_MAX_SLAB_OBJ_SIZE + 1, 0), 0);
	KUNIT_EXPECT_NE(test, hm_cache_geometry(&c, 64, 2 * HM_MAX_OBJ_SIZE), 0);
	KUNIT_EXPECT_NE(test, hm_cache_geometry(&c, 64, 48), 0);	/* not a power of 2 */
	KUNIT_EXPECT_EQ(test, hm_cache_geometry(&c, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, c.size, HM_MIN_OBJ_SIZE);
	KUNIT_EXPECT_EQ(test, hm_cache_geometry(&c, 100, 64), 0);
	KUNIT_EXPECT_EQ(test, c.size, 128);
}

/*
 * Blocks past HM_MAX_OBJ_SIZE, up to HM_MAX_SLAB_OBJ_SIZE: at least
 * HM_MIN_SLAB_BLOCKS a slab in every mode, aligned as asked, clear of the
 * header; one byte more than the largest is refused.  libhakmem's medium
 * malloc classes (4608 to 10816 bytes, 14 to 6 a slab: hm_test_medium[])
 * are such blocks.
 */
static void hm_geometry_medium(struct kunit *test)
{
	const struct hm_test_medium *medium = hm_test_medium;
	struct hm_cache h = { .mode = HM_MODE_HYBRID };
	unsigned int m, i;

	for (m = 0; m < HM_MODE_NR; m++) {
		for (i = 0; i < HM_TEST_MEDIUM; i++) {
			struct hm_cache c = { .mode = (u8)m };

			KUNIT_ASSERT_EQ(test, hm_cache_geometry(&c, medium[i].size,
								medium[i].align), 0);
			KUNIT_EXPECT_EQ(test, c.nblocks, medium[i].n);
			KUNIT_EXPECT_GE(test, c.nblocks, HM_MIN_SLAB_BLOCKS);
			KUNIT_EXPECT_EQ(test, c.first_off % c.align, 0);
			KUNIT_EXPECT_EQ(test, c.size % c.align, 0);
			KUNIT_EXPECT_GE(test, c.first_off, sizeof(struct hm_slab));
			KUNIT_EXPECT_LE(test, c.first_off + c.nblocks * c.size, HM_SLAB_SIZE);
		}
	}
	/* six of 64 bytes more do not fit beside a hybrid slab's header: five */
	KUNIT_EXPECT_NE(test, hm_cache_geometry(&h, 10816 + 64, 64), 0);
}

static struct kunit_case hm_sizeclass_cases[] = {
	KUNIT_CASE(hm_size_to_class_all_sizes),
	KUNIT_CASE(hm_block_index_exact),
	KUNIT_CASE(hm_block_start_exact),
	KUNIT_CASE(hm_geometry_layout),
	KUNIT_CASE(hm_geometry_rejects),
	KUNIT_CASE(hm_geometry_medium),
	{}
};

struct kunit_suite hm_sizeclass_suite = {
	.name = "hakmem_sizeclass",
	.test_cases = hm_sizeclass_cases,
};
