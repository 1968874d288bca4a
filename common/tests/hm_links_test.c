// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_links_test.c - free-list links broken under the allocator: a write
 * after free to a block's first word (which poisoning cannot cover) and a
 * remote double free without checks.  Each is reported, no allocated
 * block is handed out, nothing hangs, and the lists are mended.
 */
#include "hm_test.h"
#include "hm_report.h"

/* what the write after free puts in the victim's link word */
enum hm_link_kind {
	HM_LINK_LIVE,		/* an allocated block of the slab */
	HM_LINK_LISTED,		/* a free block listed before it: a cycle */
	HM_LINK_SELF,		/* itself */
	HM_LINK_NULL,		/* the end of the list: the rest lost */
	HM_LINK_INTERIOR,	/* inside a block */
	HM_LINK_FOREIGN,	/* another cache's block */
	HM_LINK_WILD,		/* no slab at all */
	HM_LINK_NR,
};

static const char *const hm_link_names[HM_LINK_NR] = {
	"live", "listed", "self", "null", "interior", "foreign", "wild",
};

static const enum hm_link_kind hm_link_kinds[] = {
	HM_LINK_LIVE, HM_LINK_LISTED, HM_LINK_SELF, HM_LINK_NULL,
	HM_LINK_INTERIOR, HM_LINK_FOREIGN, HM_LINK_WILD,
};

static void hm_link_desc(const enum hm_link_kind *k, char *desc)
{
	hm_strscpy(desc, hm_link_names[*k], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hm_link, hm_link_kinds, hm_link_desc);

/* the call sites the victim's history names */
#define HM_LINK_ALLOC_SITE	0x3000UL
#define HM_LINK_FREE_SITE	0x3100UL

/* the bug: write @v over the first word of the free block @p */
static void hm_link_write(void *p, const void *v)
{
	unsigned long x = (unsigned long)v;
	unsigned int i;

	for (i = 0; i < sizeof(x); i++)
		hm_test_poke(p, i, (unsigned char)(x >> (8 * i)));
}

/* @n blocks allocated in @cc, in a test-owned array */
static void **hm_link_fill(struct kunit *test, struct hm_cctx *cc, unsigned int n)
{
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc_ip(cc, HM_LINK_ALLOC_SITE);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	return v;
}

static bool hm_in(void *const *v, unsigned int n, const void *p)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/*
 * A slab full of blocks, three freed (v[5], v[7], v[9]: the owner's list
 * runs 9, 7, 5), and the middle one's link written.  The next
 * allocations hand out only 9 and 5, in some order: the victim is
 * quarantined, no allocated block comes back, the list is mended whole
 * (exact state: nothing else lost), and one report names the victim and,
 * tracked, its history.
 */
static void hm_link_written_local(struct kunit *test)
{
	enum hm_link_kind kind = *(const enum hm_link_kind *)test->param_value;
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_FREELIST);
	struct hm_cache *o = hm_test_cache(test, 64, 0, HM_MODE_FREELIST);
	struct hm_cctx *cc = hm_test_cctx(test, c), *oc = hm_test_cctx(test, o);
	long *errors = hm_test_count_errors(test);
	unsigned long uaf = hm_atomic_read(&c->errors[HM_ERR_USE_AFTER_FREE]);
	unsigned int n, i, got = 0;
	struct hm_err_entry *log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);
	void **v, **w, *other, *link = NULL;
	unsigned long seq;

	/* poisoning brings the checks' exact state to slabs built from now */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON | HM_DBG_TRACK,
						 HM_GFP_DEFAULT), 0);
	n = c->nblocks;
	w = kunit_kzalloc(test, 2 * n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, log);
	v = hm_link_fill(test, cc, n);
	KUNIT_ASSERT_TRUE(test, hm_ptr_slab(v[0]) == hm_ptr_slab(v[n - 1]));
	KUNIT_ASSERT_NOT_NULL(test, hm_fl_state(c, hm_ptr_slab(v[0])));
	other = hm_test_alloc(oc);
	KUNIT_ASSERT_NOT_NULL(test, other);
	hm_test_free_in(cc, v[5]);
	hm_test_free_in_ip(cc, v[7], HM_LINK_FREE_SITE);
	hm_test_free_in(cc, v[9]);
	switch (kind) {
	case HM_LINK_LIVE:
		link = v[1];
		break;
	case HM_LINK_LISTED:
		link = v[9];
		break;
	case HM_LINK_SELF:
		link = v[7];
		break;
	case HM_LINK_NULL:
		link = NULL;
		break;
	case HM_LINK_INTERIOR:
		link = (char *)v[1] + 8;
		break;
	case HM_LINK_FOREIGN:
		link = other;
		break;
	default:
		link = (void *)0xdeadbeef0UL;
	}
	hm_link_write(v[7], link);

	/* two good blocks, then a new slab: never an allocated one, never twice */
	for (i = 0; i < 2 * n; i++) {
		w[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, w[i]);
		KUNIT_EXPECT_FALSE(test, hm_in(w, i, w[i]));
		if (hm_in(v, n, w[i])) {
			KUNIT_EXPECT_TRUE(test, w[i] == v[5] || w[i] == v[9]);
			got++;
		}
	}
	KUNIT_EXPECT_EQ(test, got, 2);
	KUNIT_EXPECT_FALSE(test, hm_in(w, 2 * n, v[7]));
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_USE_AFTER_FREE]), uaf + 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
	i = hm_report_log_copy(log);
	KUNIT_ASSERT_GT(test, i, 0U);
	KUNIT_EXPECT_EQ(test, log[i - 1].kind, (u32)HM_ERR_USE_AFTER_FREE);
	KUNIT_EXPECT_EQ(test, log[i - 1].ptr, (unsigned long)v[7]);
	KUNIT_EXPECT_EQ(test, log[i - 1].alloc_ip, HM_LINK_ALLOC_SITE);
	KUNIT_EXPECT_EQ(test, log[i - 1].free_ip, HM_LINK_FREE_SITE);
	HM_EXPECT_VALID(test, c);

	/* everything back: only the victim stays out, nothing else reported */
	for (i = 0; i < n; i++)
		if (i != 5 && i != 7 && i != 9)
			hm_test_free_in(cc, v[i]);
	for (i = 0; i < 2 * n; i++)
		hm_test_free_in(cc, w[i]);
	hm_test_free_in(oc, other);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);
	HM_EXPECT_VALID(test, c);
	HM_EXPECT_VALID(test, o);
	/* the victim's second free: a double free, refused, still withheld */
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(cc, v[7], HM_LINK_FREE_SITE + 1);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	hm_test_expect_report(test, seq, HM_ERR_DOUBLE_FREE, v[7], c, hm_ptr_slab(v[7]),
			      HM_LINK_FREE_SITE + 1, NULL);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);
	HM_EXPECT_VALID(test, c);
}

/*
 * The same write to a block freed by another context, before its owner
 * collects it: the remote list breaks there.  The blocks before it are
 * collected; the victim and the block behind it (which the state still
 * names) are quarantined; no allocated block is handed out.  The report
 * has the victim's history: the remote free is its last.
 */
static void hm_link_written_remote(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_FREELIST);
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int n, i, got = 0;
	struct hm_err_entry en;
	unsigned long seq;
	void **v, **w;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON | HM_DBG_TRACK,
						 HM_GFP_DEFAULT), 0);
	seq = hm_test_report_seq(test);
	n = c->nblocks;
	w = kunit_kzalloc(test, 2 * n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	v = hm_link_fill(test, a, n);
	hm_test_free_in(b, v[5]);
	hm_test_free_in_ip(b, v[7], HM_LINK_FREE_SITE);
	hm_test_free_in(b, v[9]);	/* the remote list runs 9, 7, 5 */
	hm_link_write(v[7], v[1]);
	for (i = 0; i < 2 * n; i++) {
		w[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, w[i]);
		KUNIT_EXPECT_FALSE(test, hm_in(w, i, w[i]));
		if (hm_in(v, n, w[i])) {
			/* 9 only: 5 was behind the broken link */
			KUNIT_EXPECT_TRUE(test, w[i] == v[9]);
			got++;
		}
	}
	KUNIT_EXPECT_EQ(test, got, 1);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, (u32)HM_ERR_USE_AFTER_FREE);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)v[7]);
		KUNIT_EXPECT_EQ(test, en.alloc_ip, HM_LINK_ALLOC_SITE);
		KUNIT_EXPECT_EQ(test, en.free_ip, HM_LINK_FREE_SITE);
	}
	/* the victim, and the block the broken link hid (claimed, on no list) */
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 2);
	HM_EXPECT_VALID(test, c);
	for (i = 0; i < n; i++)
		if (i != 5 && i != 7 && i != 9)
			hm_test_free_in(a, v[i]);
	for (i = 0; i < 2 * n; i++)
		hm_test_free_in(i % 2 ? a : b, w[i]);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 2);
	HM_EXPECT_VALID(test, c);
	/* their second frees, remote and the owner's: double frees, refused */
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(b, v[7], HM_LINK_FREE_SITE + 1);
	hm_test_expect_report(test, seq, HM_ERR_DOUBLE_FREE, v[7], c, hm_ptr_slab(v[7]),
			      HM_LINK_FREE_SITE + 1, NULL);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(a, v[5], HM_LINK_FREE_SITE + 2);
	hm_test_expect_report(test, seq, HM_ERR_DOUBLE_FREE, v[5], c, hm_ptr_slab(v[5]),
			      HM_LINK_FREE_SITE + 2, NULL);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 2);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 2);
	HM_EXPECT_VALID(test, c);
}

/*
 * Without checks, a remote double free pushes a block twice: the remote
 * list becomes a cycle.  The owner's walk is bounded: it reports the
 * list, withholds it, and goes on; it does not loop forever.
 */
static void hm_link_remote_cycle(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_FREELIST);
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned long corrupt = hm_atomic_read(&c->errors[HM_ERR_CORRUPT]);
	unsigned int n, i;
	void **v, **w;

	n = c->nblocks;
	w = kunit_kzalloc(test, 2 * n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	v = hm_link_fill(test, a, n);
	hm_test_free_in(b, v[3]);
	hm_test_tools_quiet(true);
	hm_test_free_in(b, v[3]);	/* unchecked: pushed again, a cycle */
	hm_test_tools_quiet(false);
	for (i = 0; i < 2 * n; i++) {
		w[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, w[i]);
		KUNIT_EXPECT_FALSE(test, hm_in(w, i, w[i]));
		KUNIT_EXPECT_FALSE(test, hm_in(v, n, w[i]));
	}
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_CORRUPT]), corrupt + 1);
	for (i = 0; i < n; i++)
		if (i != 3)
			hm_test_free_in(a, v[i]);
	for (i = 0; i < 2 * n; i++)
		hm_test_free_in(a, w[i]);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	/*
	 * The broken list's block stays out, and its slab, still counted
	 * in use, is not released under it.  (The counters count both
	 * frees: without checks the second is not known as a double free.)
	 */
	KUNIT_EXPECT_EQ(test, hm_ptr_slab(v[3])->used, 1U);
}

static struct kunit_case hm_links_cases[] = {
	KUNIT_CASE_PARAM(hm_link_written_local, hm_link_gen_params),
	KUNIT_CASE(hm_link_written_remote),
	KUNIT_CASE(hm_link_remote_cycle),
	{}
};

struct kunit_suite hm_links_suite = {
	.name = "hakmem_links",
	.test_cases = hm_links_cases,
};
