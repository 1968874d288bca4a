// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_test_common.c - helpers the shared test cases use in both worlds.
 */
#include "hm_test.h"

const enum hm_mode hm_test_modes[HM_MODE_NR] = {
	HM_MODE_BITMAP, HM_MODE_FREELIST, HM_MODE_HYBRID,
};

void hm_test_mode_desc(const enum hm_mode *m, char *desc)
{
	hm_strscpy(desc, hm_mode_name(*m), 32);
}

/*
 * Allocate in @cc for call site @ip, adding a chunk when needed: the try
 * path first, then the full one, as the adapters do.
 */
void *hm_test_alloc_ip(struct hm_cctx *cc, unsigned long ip)
{
	unsigned int tries;
	void *p;

	hm_test_ctx_enter();
	if (!hm_cctx_alloc_try(cc, &p))
		p = hm_cctx_alloc_ip(cc, ip);
	hm_test_ctx_exit();

	for (tries = 0; !p && tries < 4; tries++) {
		void *chunk = hm_cache_chunk_get(cc->cache, HM_GFP_DEFAULT);

		if (!chunk)
			return NULL;
		hm_test_ctx_enter();
		p = hm_cctx_add_chunk(cc, chunk, ip);
		hm_test_ctx_exit();
	}
	return p;
}

/* Allocate in @cc the way an adapter does, with the caller as site. */
void *hm_test_alloc(struct hm_cctx *cc)
{
	return hm_test_alloc_ip(cc, HM_RET_IP);
}

/*
 * Free @p in @cc the way an adapter's free does.  A block of another
 * cache is left to the core to refuse: its slab is not @cc's, so the free
 * takes the remote path, whose checks report the wrong cache.
 */
void hm_test_free_in(struct hm_cctx *cc, void *p)
{
	hm_test_free_in_ip(cc, p, HM_RET_IP);
}

/* ... with @ip as the call site, which reports name */
void hm_test_free_in_ip(struct hm_cctx *cc, void *p, unsigned long ip)
{
	struct hm_slab *s = hm_ptr_to_slab(p);

	if (!s) {
		hm_free_other(p, ip);
		return;
	}
	/* the try path first, as the adapters' frees do */
	hm_test_ctx_enter();
	if (!(s->owner == cc && hm_cctx_free_try(cc, s, p)))
		hm_cctx_free(cc, s, p, ip);
	hm_test_ctx_exit();
}

static struct hm_err_entry *hm_test_log(struct kunit *test, unsigned int *n)
{
	struct hm_err_entry *log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	*n = hm_report_log_copy(log);
	return log;
}

unsigned long hm_test_report_seq(struct kunit *test)
{
	unsigned int n;
	struct hm_err_entry *log = hm_test_log(test, &n);

	return n ? log[n - 1].seq : 0;
}

bool hm_test_report_since(struct kunit *test, unsigned long seq, struct hm_err_entry *out)
{
	unsigned int n;
	struct hm_err_entry *log = hm_test_log(test, &n);

	KUNIT_EXPECT_GE(test, n, 1);
	if (!n)
		return false;
	/* one report, no more: the last is the one after @seq */
	KUNIT_EXPECT_EQ(test, log[n - 1].seq, seq + 1);
	*out = log[n - 1];
	return log[n - 1].seq == seq + 1;
}

bool hm_test_expect_report(struct kunit *test, unsigned long seq, enum hm_error e,
			   const void *p, const struct hm_cache *c, const void *slab,
			   unsigned long ip, struct hm_err_entry *out)
{
	struct hm_err_entry en;

	if (!hm_test_report_since(test, seq, &en))
		return false;
	KUNIT_EXPECT_EQ(test, en.kind, e);
	KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
	KUNIT_EXPECT_STREQ(test, en.cache, c ? c->name : "-");
	KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)slab);
	KUNIT_EXPECT_EQ(test, en.ip, ip);
	if (out)
		*out = en;
	return true;
}

void hm_test_free_refused(struct kunit *test, void *p, enum hm_error e)
{
	unsigned long seq = hm_test_report_seq(test);
	struct hm_err_entry en;

	hm_test_free(p);
	if (!hm_test_report_since(test, seq, &en))
		return;
	KUNIT_EXPECT_EQ(test, en.kind, e);
	KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
	KUNIT_EXPECT_EQ(test, en.slab, 0);
}

static void hm_test_cache_release(void *c)
{
	hm_core_cache_destroy(c);
}

/* A cache destroyed when the case ends (objects left live are reported). */
struct hm_cache *hm_test_cache(struct kunit *test, unsigned int size,
			       unsigned int align, enum hm_mode mode)
{
	return hm_test_cache_flags(test, size, align, mode, 0);
}

struct hm_cache *hm_test_cache_flags(struct kunit *test, unsigned int size,
				     unsigned int align, enum hm_mode mode,
				     unsigned int flags)
{
	return hm_test_cache_named(test, "hm-test", size, align, mode, flags);
}

/* ... named @name, for reports that must tell two caches apart */
struct hm_cache *hm_test_cache_named(struct kunit *test, const char *name,
				     unsigned int size, unsigned int align,
				     enum hm_mode mode, unsigned int flags)
{
	struct hm_cache *c = hm_core_cache_create(name, size, align, mode,
						  flags, HM_GFP_DEFAULT);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hm_test_cache_release, c), 0);
	return c;
}

/* A context of @c, as a new thread or CPU would have; freed with @c. */
struct hm_cctx *hm_test_cctx(struct kunit *test, struct hm_cache *c)
{
	static hm_atomic_t ids = HM_ATOMIC_INIT(1000);
	struct hm_cctx *cc;

	cc = hm_cctx_new(c, (u32)hm_atomic_fetch_add(&ids, 1), 0, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, cc);
	return cc;
}
