// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_debug_test.c - the observatory: each detection provoked, its report
 * counted, and nothing corrupted; tracking, the call-site profile,
 * cross-owner frees, fragmentation figures, switching under load.
 */
#include "hm_test.h"
#include "hm_frag.h"

KUNIT_ARRAY_PARAM(hm_mode, hm_test_modes, hm_test_mode_desc);

/* the modes whose remote frees wait in remote_bits for the owner */
static const enum hm_mode hm_bitmap_modes[] = { HM_MODE_BITMAP, HM_MODE_HYBRID };
KUNIT_ARRAY_PARAM(hm_bitmap_mode, hm_bitmap_modes, hm_test_mode_desc);

/* the modes whose owner frees into a slab, not into a magazine */
static const enum hm_mode hm_slab_free_modes[] = { HM_MODE_BITMAP, HM_MODE_FREELIST };
KUNIT_ARRAY_PARAM(hm_slab_free_mode, hm_slab_free_modes, hm_test_mode_desc);

/* fill @v with @n allocations; how many of them are @victim */
static unsigned int hm_alloc_count(struct kunit *test, struct hm_cctx *cc,
				   void **v, unsigned int n, const void *victim)
{
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		hits += v[i] == victim;
	}
	return hits;
}

/*
 * @cc's @n blocks in @v freed, a slab's worth allocated again, none of them
 * @victim (quarantined), and freed again
 */
static void hm_cycle_without(struct kunit *test, struct hm_cctx *cc, void **v,
			     unsigned int n, const void *victim)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	KUNIT_EXPECT_EQ(test, hm_alloc_count(test, cc, v, n, victim), 0);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
}

/*
 * The one report since @seq: a write after free of @victim in @c, first
 * changed byte at @off, with the block's slab.
 */
static void hm_expect_uaf(struct kunit *test, unsigned long seq, const struct hm_cache *c,
			  const void *victim, unsigned int off)
{
	struct hm_err_entry en;

	if (!hm_test_report_since(test, seq, &en))
		return;
	KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_USE_AFTER_FREE);
	KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)victim);
	KUNIT_EXPECT_STREQ(test, en.cache, c->name);
	KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)hm_ptr_slab(victim));
	KUNIT_EXPECT_EQ(test, en.offset, off);
}

/* a write after free is reported once and the block never handed out */
static void hm_debug_poison_catches_uaf(struct kunit *test)
{
	struct hm_cache *c = hm_core_cache_create("hm-uaf", 64, 0, MODE(test), 0,
						  HM_GFP_DEFAULT);
	long *errors = hm_test_count_errors(test);
	unsigned long before = hm_errors(HM_ERR_USE_AFTER_FREE), seq;
	unsigned int n;
	struct hm_cctx *cc;
	void **v, *victim;

	KUNIT_ASSERT_NOT_NULL(test, c);
	n = c->nblocks;
	v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	cc = hm_test_cctx(test, c);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	victim = hm_test_alloc(cc);
	KUNIT_ASSERT_NOT_NULL(test, victim);
	hm_test_free_in(cc, victim);
	KUNIT_EXPECT_EQ(test, hm_test_peek(victim, 20), HM_POISON_FREE);
	hm_test_poke(victim, 20, 0x42);		/* the bug */
	seq = hm_test_report_seq(test);
	/* a slab's worth of allocations reaches the victim in every mode */
	KUNIT_EXPECT_EQ(test, hm_alloc_count(test, cc, v, n, victim), 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_errors(HM_ERR_USE_AFTER_FREE), before + 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_USE_AFTER_FREE]), 1);
	hm_expect_uaf(test, seq, c, victim, 20);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
	/* the quarantined block counts as live forever: validate agrees */
	HM_EXPECT_VALID(test, c);
	/* clean blocks pass the check: no false reports on reuse */
	hm_cycle_without(test, cc, v, n, victim);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);	/* the victim */
	/* destroy reports the quarantined block and keeps its slab */
	KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 1);
	KUNIT_EXPECT_EQ(test, *errors, 2);
}

/*
 * Every one of a run of freed blocks written after its free is caught,
 * not only the first handed out.  Freed in turn with clean ones, the
 * written blocks come after clean ones: in the freelist mode the head of
 * a list collected from the local frees goes the full path, which stops
 * at the first clean block, and the written one after it the debug
 * route's common case (hm_freelist_alloc_debug_try()); the hybrid's
 * magazine hands them out in the same order, the bitmap mode from the
 * lowest index, a written block first.  Each written block (at its own
 * offset past the link) reported once, as itself, and quarantined, none
 * handed out; with tracking on too.
 */
static void hm_debug_poison_catches_many(struct kunit *test)
{
	static const unsigned int sws[] = { HM_DBG_POISON, HM_DBG_POISON | HM_DBG_TRACK };
	enum { K = 8 };
	long *errors = hm_test_count_errors(test);
	unsigned int j, i, k, n, hits, seen;

	for (j = 0; j < HM_ARRAY_SIZE(sws); j++) {
		struct hm_cache *c = hm_core_cache_create("hm-uafs", 64, 0, MODE(test), 0,
							  HM_GFP_DEFAULT);
		struct hm_cctx *cc;
		void *b[2 * K], **v;

		KUNIT_ASSERT_NOT_NULL(test, c);
		cc = hm_test_cctx(test, c);
		KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, sws[j], HM_GFP_DEFAULT), 0);
		n = 2 * c->nblocks;
		v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, v);
		hm_alloc_count(test, cc, b, 2 * K, NULL);
		for (k = 0; k < 2 * K; k++)
			hm_test_free_in(cc, b[k]);
		/* the even ones written: each handed out after an odd one */
		for (k = 0; k < 2 * K; k += 2) {
			KUNIT_EXPECT_EQ(test, hm_test_peek(b[k], 8 + 3 * k), HM_POISON_FREE);
			hm_test_poke(b[k], 8 + 3 * k, 0x42);	/* the bugs */
		}
		*errors = 0;
		seen = 0;
		for (i = 0, hits = 0; i < n && *errors < K; i++) {
			unsigned long seq = hm_test_report_seq(test);
			long was = *errors;
			struct hm_err_entry en;

			v[i] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[i]);
			for (k = 0; k < 2 * K; k += 2)
				hits += v[i] == b[k];
			if (*errors == was || !hm_test_report_since(test, seq, &en))
				continue;
			/* the report names a written block, at its offset, once */
			for (k = 0; k < 2 * K && en.ptr != (unsigned long)b[k]; k += 2)
				;
			KUNIT_EXPECT_TRUE_MSG(test, k < 2 * K && en.kind == HM_ERR_USE_AFTER_FREE &&
					      en.offset == 8 + 3 * k && !(seen & (1U << k)),
					      "switches %u: report %u of %#lx at offset %u",
					      sws[j], en.kind, en.ptr, en.offset);
			if (k < 2 * K)
				seen |= 1U << k;
		}
		KUNIT_EXPECT_TRUE_MSG(test, hits == 0 && *errors == K,
				      "switches %u: %u written blocks handed out, %ld reports of %d",
				      sws[j], hits, *errors, K);
		KUNIT_EXPECT_EQ(test, seen, 0x5555U);	/* each written block */
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), K);
		HM_EXPECT_VALID(test, c);
		n = i;
		for (i = 0; i < n; i++)
			hm_test_free_in(cc, v[i]);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), K);	/* the written */
		/* destroy reports the quarantined blocks and keeps their slabs */
		KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), K);
		*errors = 0;
	}
}

/*
 * The freelist mode clears a block's poisoned bit as it hands the block
 * out, and the bit of a remote free (its collection of remote frees moves
 * no bit): a bit that outlived the handing out would call the block
 * written after a later free that did not fill it.  Blocks freed by the
 * owner and by another context in turn, then handed out again, most of
 * them by the debug route's common case (hm_freelist_alloc_debug_try(),
 * which leaves a remote free's block to the full path): each one's two
 * bits clear once it is out, and nothing reported.
 */
static void hm_debug_freelist_bits_cleared(struct kunit *test)
{
	enum { K = 16 };
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_FREELIST);
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int i, k, n, again = 0;
	void *x[K], **v;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	n = 2 * c->nblocks;
	v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	hm_alloc_count(test, a, x, K, NULL);
	for (k = 0; k < K; k++) {
		if (k % 2)
			hm_cctx_free(b, hm_ptr_slab(x[k]), x[k], HM_RET_IP);	/* remote */
		else
			hm_test_free_in(a, x[k]);
	}
	for (i = 0; i < n && again < K; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		for (k = 0; k < K; k++) {
			struct hm_slab *s = hm_ptr_slab(x[k]);
			struct hm_slab_dbg *d = hm_dbg(s);
			unsigned long idx = hm_block_start(c->recip, s, x[k]);
			unsigned long bit = 1UL << (idx % HM_BPL);

			if (v[i] != x[k])
				continue;
			again++;
			KUNIT_ASSERT_NOT_NULL(test, d);
			KUNIT_EXPECT_TRUE_MSG(test, !(hm_dbg_poisoned(d)[idx / HM_BPL] & bit),
					      "block %u (freed %s): poisoned bit left", k,
					      k % 2 ? "remotely" : "locally");
			KUNIT_EXPECT_TRUE_MSG(test,
					      !(hm_atomic_read(&d->rpoisoned[idx / HM_BPL]) & bit),
					      "block %u (freed %s): remote poisoned bit left", k,
					      k % 2 ? "remotely" : "locally");
		}
	}
	KUNIT_EXPECT_EQ(test, again, K);	/* every one handed out again */
	KUNIT_EXPECT_EQ(test, *errors, 0);
	n = i;
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A quarantined block (written after its free) stays allocated as far as
 * its slab goes, but nobody holds it: a free of it, by its owner or by
 * another context, is its second free.  Reported as a double free, and
 * refused: the block stays quarantined, never handed out, and the counts
 * agree with the slab.  With tracking on too (the free's try, which a
 * record of the block's last life sends to the full path, or not).
 */
static void hm_debug_quarantine_double_free(struct kunit *test)
{
	static const unsigned int sws[] = { HM_DBG_POISON, HM_DBG_POISON | HM_DBG_TRACK };
	long *errors = hm_test_count_errors(test);
	unsigned int j, i, k, n;

	for (j = 0; j < HM_ARRAY_SIZE(sws); j++) {
		struct hm_cache *c = hm_core_cache_create("hm-qdf", 64, 0, MODE(test), 0,
							  HM_GFP_DEFAULT);
		struct hm_cctx *a, *b;
		void **v, **w, *victim;
		unsigned long seq;

		KUNIT_ASSERT_NOT_NULL(test, c);
		n = c->nblocks;
		v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, v);
		a = hm_test_cctx(test, c);
		b = hm_test_cctx(test, c);
		KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, sws[j], HM_GFP_DEFAULT), 0);
		victim = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, victim);
		hm_test_free_in(a, victim);
		hm_test_poke(victim, 20, 0x42);		/* the bug */
		*errors = 0;
		KUNIT_EXPECT_EQ(test, hm_alloc_count(test, a, v, n, victim), 0);
		KUNIT_ASSERT_EQ(test, *errors, 1);
		KUNIT_ASSERT_EQ(test, hm_atomic_read(&c->quarantined), 1);
		/* no live object: no usable size, as of a free block */
		hm_test_ctx_enter();
		KUNIT_EXPECT_EQ(test, hm_core_usable_size(victim), 0);
		hm_test_ctx_exit();
		/* the owner frees it again, then another context */
		seq = hm_test_report_seq(test);
		hm_test_free_in_ip(a, victim, 0x4100UL);
		KUNIT_EXPECT_EQ(test, *errors, 2);
		hm_test_expect_report(test, seq, HM_ERR_DOUBLE_FREE, victim, c,
				      hm_ptr_slab(victim), 0x4100UL, NULL);
		seq = hm_test_report_seq(test);
		hm_test_free_in_ip(b, victim, 0x4200UL);	/* remote: not b's slab */
		KUNIT_EXPECT_EQ(test, *errors, 3);
		hm_test_expect_report(test, seq, HM_ERR_DOUBLE_FREE, victim, c,
				      hm_ptr_slab(victim), 0x4200UL, NULL);
		HM_EXPECT_VALID(test, c);
		/* still quarantined: a slab's worth more never reaches it */
		hm_cycle_without(test, a, v, n, victim);
		KUNIT_EXPECT_EQ(test, *errors, 3);
		HM_EXPECT_VALID(test, c);
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);	/* the victim */
		/*
		 * Poisoning off: the marks go with it (the plain route takes
		 * blocks back unseen).  The victim's free is taken, the block
		 * handed out again, and its new holder's free, poisoning on
		 * again, is no double free.
		 */
		KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
		hm_test_tools_quiet(true);	/* the program's double free, taken */
		hm_test_free_in(a, victim);
		hm_test_tools_quiet(false);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
		w = kunit_kzalloc(test, 4 * n * sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w);
		for (i = 0, k = 4 * n; i < 4 * n && k == 4 * n; i++) {
			w[i] = hm_test_alloc(a);
			KUNIT_ASSERT_NOT_NULL(test, w[i]);
			if (w[i] == victim)
				k = i;
		}
		KUNIT_EXPECT_LT(test, k, 4 * n);	/* in use again */
		KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, sws[j], HM_GFP_DEFAULT), 0);
		while (i--)	/* the victim's too, by its owner or another */
			hm_test_free_in(i % 2 ? b : a, w[i]);
		KUNIT_EXPECT_EQ(test, *errors, 3);
		HM_EXPECT_VALID(test, c);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
		KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 0);
		*errors = 0;
	}
}

/*
 * The hybrid debug route's try functions check and poison inline: sizes
 * they cannot (8 bytes, over 256 in userspace) take a route without them.
 * Either way a write after free is caught, and a block freed before the
 * switch went on (never poisoned, so not intact) is handed out unreported.
 */
static void hm_debug_poison_sizes(struct kunit *test)
{
	static const unsigned int sizes[] = { 8, 64, 512 };
	long *errors = hm_test_count_errors(test);
	unsigned int k, i, n;
	unsigned long seq;

	for (k = 0; k < HM_ARRAY_SIZE(sizes); k++) {
		struct hm_cache *c = hm_core_cache_create("hm-psize", sizes[k], 0,
							  HM_MODE_HYBRID, 0, HM_GFP_DEFAULT);
		struct hm_cctx *cc;
		void **v, *old, *victim;
		bool inl;

		KUNIT_ASSERT_NOT_NULL(test, c);
		n = c->nblocks;
		v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, v);
		cc = hm_test_cctx(test, c);
		old = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, old);
		hm_memset(old, 0x11, c->size);
		hm_test_free_in(cc, old);	/* switches off: not poisoned */
		KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON | HM_DBG_TRACK,
							 HM_GFP_DEFAULT), 0);
		inl = hm_dbg_poison_inline(c->size) && hm_plat_stamp_inline();
		KUNIT_EXPECT_EQ(test, cc->route,
				inl ? HM_ROUTE_DEBUG_HYBRID : HM_ROUTE_DEBUG_CALLS);
		/* the magazine's top: the old block, unchecked, not reported */
		KUNIT_EXPECT_PTR_EQ(test, hm_test_alloc(cc), old);
		KUNIT_EXPECT_EQ(test, *errors, 0);
		if (c->size <= HM_MAG_LINK) {
			/* an intrusive magazine's link is all of it: nothing to poison */
			hm_test_free_in(cc, old);
			HM_EXPECT_VALID(test, c);
			KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 0);
			continue;
		}
		victim = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, victim);
		hm_test_free_in(cc, victim);
		KUNIT_EXPECT_EQ(test, hm_test_peek(victim, c->size - 1), HM_POISON_FREE);
		hm_test_poke(victim, c->size - 1, 0x42);	/* the bug, last byte */
		seq = hm_test_report_seq(test);
		KUNIT_EXPECT_EQ(test, hm_alloc_count(test, cc, v, n, victim), 0);
		KUNIT_EXPECT_EQ(test, *errors, 1);
		hm_expect_uaf(test, seq, c, victim, c->size - 1);
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
		for (i = 0; i < n; i++)
			hm_test_free_in(cc, v[i]);
		hm_test_free_in(cc, old);
		HM_EXPECT_VALID(test, c);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);	/* the victim */
		KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 1);
		KUNIT_EXPECT_EQ(test, *errors, 2);
		*errors = 0;
	}
}

/*
 * The hybrid debug route's check and fill as the core's try functions run
 * them (the adapters' copies per span: hm_user_malloc_poison_spans,
 * hakmem_kapi_debug_copies), for sizes of each span, with and without
 * tracking: a freed block is poison from its first byte (past an
 * intrusive magazine's link) to its last, and one byte written after the
 * free at any offset is caught there, the block quarantined and the next
 * one handed out.
 */
static void hm_debug_poison_spans(struct kunit *test)
{
	static const unsigned int sizes[] = { 16, 24, 32, 48, 64, 96, 128, 192, 256 };
	static const unsigned int sws[] = { HM_DBG_POISON, HM_DBG_POISON | HM_DBG_TRACK };
	long *errors = hm_test_count_errors(test);
	unsigned int k, j, off, bad;
	unsigned long seq;
	bool ok;

	for (k = 0; k < HM_ARRAY_SIZE(sizes); k++) {
		for (j = 0; j < HM_ARRAY_SIZE(sws); j++) {
			struct hm_cache *c = hm_core_cache_create("hm-pspan", sizes[k], 0,
								  HM_MODE_HYBRID, 0,
								  HM_GFP_DEFAULT);
			struct hm_cctx *cc;
			void *victim, *p;
			long want = 0;

			KUNIT_ASSERT_NOT_NULL(test, c);
			KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, sws[j], HM_GFP_DEFAULT), 0);
			cc = hm_test_cctx(test, c);
			/* an intrusive magazine's link is no poison: not written */
			for (off = HM_MAG_LINK; off < c->size; off++) {
				victim = hm_test_alloc(cc);
				KUNIT_ASSERT_NOT_NULL(test, victim);
				hm_test_free_in(cc, victim);
				for (bad = off; off == HM_MAG_LINK && bad < c->size; bad++)
					if (hm_test_peek(victim, bad) != HM_POISON_FREE)
						break;
				KUNIT_EXPECT_TRUE_MSG(test, off != HM_MAG_LINK || bad == c->size,
						      "size %u: byte %u of a freed block not poison",
						      c->size, bad);
				hm_test_poke(victim, off, 0x42);
				seq = hm_test_report_seq(test);
				p = hm_test_alloc(cc);
				KUNIT_ASSERT_NOT_NULL(test, p);
				ok = p != victim && *errors == ++want;
				KUNIT_EXPECT_TRUE_MSG(test, ok,
						      "size %u, switches %u, a write at offset %u: block %s, %ld reports of %ld",
						      c->size, sws[j], off,
						      p == victim ? "handed out" : "kept",
						      *errors, want);
				hm_expect_uaf(test, seq, c, victim, off);
				hm_test_free_in(cc, p);
				if (!ok)
					break;
			}
			KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), off - HM_MAG_LINK);
			HM_EXPECT_VALID(test, c);
			KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), off - HM_MAG_LINK);
			KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), off - HM_MAG_LINK);
			*errors = 0;
		}
	}
}

/* is @s on @cc's partial list (a pointer compared, @s not read) */
static bool hm_on_partial(const struct hm_cctx *cc, const struct hm_slab *s)
{
	const struct hm_slab *x;

	for (x = cc->partial; x; x = x->next)
		if (x == s)
			return true;
	return false;
}

/*
 * The bitmap and freelist debug routes' common frees
 * (hm_bitmap_free_debug_try(), hm_freelist_free_debug_try()) move no slab
 * between lists: the first free into a full slab puts it on the partial
 * list, the last one takes it off (to the reserve or the pool), with both
 * switches on as with none.
 */
static void hm_debug_slab_lists(struct kunit *test)
{
	static const unsigned int sws[] = { 0, HM_DBG_POISON | HM_DBG_TRACK };
	unsigned int j, i, n;

	for (j = 0; j < HM_ARRAY_SIZE(sws); j++) {
		struct hm_cache *c = hm_test_cache(test, 128, 0, MODE(test));
		struct hm_cctx *cc = hm_test_cctx(test, c);
		struct hm_slab *a;
		void **v;

		KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, sws[j], HM_GFP_DEFAULT), 0);
		n = 3 * c->nblocks;
		v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, v);
		hm_alloc_count(test, cc, v, n, NULL);
		a = hm_ptr_slab(v[0]);
		KUNIT_ASSERT_PTR_NE(test, a, cc->active);
		KUNIT_ASSERT_EQ(test, a->list, HM_LIST_FULL);
		hm_test_free_in(cc, v[c->nblocks / 2]);
		KUNIT_EXPECT_TRUE_MSG(test, a->list == HM_LIST_PARTIAL, "switches %u: list %u",
				      sws[j], a->list);
		KUNIT_EXPECT_TRUE(test, hm_on_partial(cc, a));
		HM_EXPECT_VALID(test, c);
		for (i = 0; i < c->nblocks; i++)
			if (i != c->nblocks / 2 && hm_ptr_slab(v[i]) == a)
				hm_test_free_in(cc, v[i]);
		KUNIT_EXPECT_FALSE(test, hm_on_partial(cc, a));
		HM_EXPECT_VALID(test, c);
		for (i = c->nblocks; i < n; i++)
			hm_test_free_in(cc, v[i]);
		HM_EXPECT_VALID(test, c);
		KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	}
}

/*
 * The same for a block another context freed: its poison is marked in the
 * remote bitmap, which the owner checks and clears when it takes the block.
 */
static void hm_debug_poison_remote_uaf(struct kunit *test)
{
	struct hm_cache *c = hm_core_cache_create("hm-ruaf", 64, 0, MODE(test), 0,
						  HM_GFP_DEFAULT);
	long *errors = hm_test_count_errors(test);
	unsigned int i, n, hits = 0;
	struct hm_cctx *a, *b;
	void **v, *victim;
	unsigned long seq;

	KUNIT_ASSERT_NOT_NULL(test, c);
	n = 3 * c->nblocks;
	v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	a = hm_test_cctx(test, c);
	b = hm_test_cctx(test, c);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	victim = hm_test_alloc(a);
	KUNIT_ASSERT_NOT_NULL(test, victim);
	hm_cctx_free(b, hm_ptr_slab(victim), victim, HM_RET_IP);	/* remote */
	KUNIT_EXPECT_EQ(test, hm_test_peek(victim, 40), HM_POISON_FREE);
	hm_test_poke(victim, 40, 0x42);		/* the bug */
	seq = hm_test_report_seq(test);
	/* until the owner has collected the remote free and reached it */
	for (i = 0; i < n && !*errors; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		hits += v[i] == victim;
	}
	KUNIT_EXPECT_EQ(test, hits, 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	hm_expect_uaf(test, seq, c, victim, 40);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
	HM_EXPECT_VALID(test, c);
	n = i;
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);	/* the victim */
	KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 1);
	KUNIT_EXPECT_EQ(test, *errors, 2);
}

/*
 * A block's poisoned bit outlives the block's handing out (the hybrid
 * debug route keeps it): it must give way when the block leaves use again
 * unfilled.  Poisoned, handed out, written as live, then freed by a
 * context that has not seen poisoning go on yet (so, unfilled): once its
 * owner has collected that free, the block is handed out again with no
 * report, as a block never poisoned.
 */
static void hm_debug_poison_bit_outlived(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int i, n = 3 * c->nblocks, again = 0;
	void **v, *x;
	u8 seen;

	v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	x = hm_test_alloc(a);
	KUNIT_ASSERT_NOT_NULL(test, x);
	hm_test_free_in(a, x);				/* filled */
	KUNIT_ASSERT_TRUE(test, hm_test_alloc(a) == x);	/* the magazine's top */
	for (i = 0; i < 64; i++)
		hm_test_poke(x, i, 0x5a);		/* the owner's data */
	seen = HM_READ_ONCE(b->debug);
	HM_WRITE_ONCE(b->debug, 0);			/* b lags behind the switch */
	hm_cctx_free(b, hm_ptr_slab(x), x, HM_RET_IP);	/* remote: unfilled */
	HM_WRITE_ONCE(b->debug, seen);
	for (i = 0; i < n && !again && !*errors; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		again += v[i] == x;
	}
	KUNIT_EXPECT_EQ(test, again, 1);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 0);
	n = i;
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	HM_EXPECT_VALID(test, c);
}

/*
 * @cc's switches made @flags, as hm_set_debug() leaves a context it has
 * not reached yet (it updates them one after the other)
 */
static void hm_test_switches_as(struct hm_cctx *cc, unsigned int flags)
{
	unsigned long lflags;

	hm_lock(&cc->cache->lock, lflags);
	hm_cctx_switches(cc, flags);
	hm_unlock(&cc->cache->lock, lflags);
}

/*
 * Allocate from @cc until @x comes back (true), at most @n times, into
 * @v; *@got: how many.  (hm_alloc_count() allocates all @n and counts.)
 */
static bool hm_alloc_until(struct kunit *test, struct hm_cctx *cc, void **v,
			   unsigned int n, const void *x, unsigned int *got)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		if (v[i] == x)
			break;
	}
	*got = i < n ? i + 1 : n;
	return i < n;
}

/*
 * @cc, whose switches lag behind the cache's, hands @x out on its plain
 * route (allocating at most @n times into @v), writes it and takes
 * everything back; then its switches catch up, and @x comes back with no
 * report, nothing quarantined, nothing left live.
 */
static void hm_lagged_reuse(struct kunit *test, struct hm_cctx *cc, void **v,
			    unsigned int n, void *x, long *errors)
{
	struct hm_cache *c = cc->cache;
	unsigned int i, got;

	KUNIT_ASSERT_TRUE(test, hm_alloc_until(test, cc, v, n, x, &got));
	hm_memset(x, 0x5a, c->size);			/* live data */
	for (i = 0; i < got; i++)
		hm_test_free_in(cc, v[i]);		/* plain route: unfilled */
	hm_test_switches_as(cc, c->debug);		/* it catches up */
	KUNIT_EXPECT_TRUE(test, hm_alloc_until(test, cc, v, n, x, &got));
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 0);
	for (i = 0; i < got; i++)
		hm_test_free_in(cc, v[i]);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	HM_EXPECT_VALID(test, c);
}

/*
 * @flags go on in a cache of @mode while the owner's own switches are
 * still off, and the owner makes a slab meanwhile.  Poisoning: the slab starts in no generation
 * (hm_slab_debug_adopt()), so a remote free of one of its blocks leaves
 * it unfilled and unmarked.  The owner collects it, hands it out and
 * takes it back on its plain route, written as live; once its switches
 * catch up, the block comes back with no report.  With the slab in the
 * new generation from the start, the remote free filled and marked the
 * block, and the collection (by the cache's switches) kept the mark over
 * the owner's data: one run in 100 of stress-asan's flip mix.
 */
static void hm_debug_owner_lags(struct kunit *test, enum hm_mode mode, unsigned int flags)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, mode);
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int n = 3 * c->nblocks;
	void **v, *x;

	v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, flags, HM_GFP_DEFAULT), 0);
	hm_test_switches_as(a, 0);			/* a lags behind */
	x = hm_test_alloc(a);				/* a new slab */
	KUNIT_ASSERT_NOT_NULL(test, x);
	hm_memset(x, 0x11, c->size);		/* (a reused chunk may hold poison) */
	hm_cctx_free(b, hm_ptr_slab(x), x, HM_RET_IP);	/* remote */
	KUNIT_EXPECT_EQ(test, *errors, 0);		/* a free, not a double one */
	/* unfilled: the data it had, zeroes where the platform zeroes a free */
	KUNIT_EXPECT_EQ(test, hm_test_peek(x, 20), hm_plat_init_on_free() ? 0 : 0x11);
	hm_lagged_reuse(test, a, v, n, x, errors);	/* a collects it */
}

static void hm_debug_poison_owner_lags(struct kunit *test)
{
	hm_debug_owner_lags(test, MODE(test), HM_DBG_POISON);
}

/*
 * The same for freelist checks: they go on while the owner's switches are
 * still off, and the owner makes a slab meanwhile, whose exact free state
 * (built by the cache's switch) its plain route would not keep: the block
 * it hands out stays free there.  Then a remote free of it, from a context
 * whose checks are on, was refused as a double free, and the block lost.
 */
static void hm_debug_checks_owner_lags(struct kunit *test)
{
	hm_debug_owner_lags(test, HM_MODE_FREELIST, HM_DBG_CHECKS);
}

/*
 * checks=1 on a free-list slab older than the switch: a local free whose
 * first word looks like a link is looked up in the lists (mimalloc's
 * heuristic, no exact state).  A double free made before, with checks
 * off, left a cycle there (p -> p, as in mimalloc): the lookup ends all
 * the same (it went round the cycle for ever), reports the lists as a
 * cycle and withholds them; the free goes on, and so do the checks.
 */
static void hm_debug_checks_heuristic_cycle(struct kunit *test)
{
	struct hm_cache *c = hm_core_cache_create("hm-cycle", 64, 0, HM_MODE_FREELIST, 0,
						  HM_GFP_DEFAULT);
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	struct hm_cctx *cc;
	unsigned long seq;
	void *p, *q, *r;
	u32 used, live;

	KUNIT_ASSERT_NOT_NULL(test, c);
	cc = hm_test_cctx(test, c);
	p = hm_test_alloc(cc);
	q = hm_test_alloc(cc);
	r = hm_test_alloc(cc);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, r);
	hm_test_free_in(cc, p);
	/* checks off: not seen, a cycle; the tools would stop it (KASAN, ASan) */
	hm_test_tools_quiet(true);
	hm_plat_mark_alloc(p, c->size);
	hm_test_free_in(cc, p);
	hm_test_tools_quiet(false);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_CHECKS, HM_GFP_DEFAULT), 0);
	KUNIT_ASSERT_NULL(test, hm_fl_state(c, hm_ptr_slab(q)));	/* the heuristic's */
	used = hm_ptr_slab(q)->used;
	seq = hm_test_report_seq(test);
	hm_test_free_in(cc, q);		/* q's first word: a link's (no checks then) */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_CORRUPT);
		KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)hm_ptr_slab(q));
	}
	/* every block on the lists withheld; q freed */
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), c->nblocks - used);
	KUNIT_EXPECT_EQ(test, hm_ptr_slab(q)->used, c->nblocks - 1);
	seq = hm_test_report_seq(test);
	hm_test_free_in(cc, q);		/* on the list again: found */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_DOUBLE_FREE);
	hm_test_free_in(cc, r);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	HM_EXPECT_VALID(test, c);
	/* the double free counted p free twice: one block less than withheld */
	live = c->nblocks - used - 1;
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), live);
	hm_test_tools_quiet(true);
	KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), live);
	hm_test_tools_quiet(false);
}

/*
 * The same for a slab handed over through the pool: its blocks, filled
 * by their last owner, whose switches were on, go to a context whose
 * switches are still off.  It hands one out and takes it back, written;
 * once its switches catch up, the block comes back with no report.
 */
static void hm_debug_poison_adopter_lags(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int i, n = c->nblocks;
	void **v, *x;

	v = kunit_kzalloc(test, 3 * n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	x = v[0];
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);		/* filled, marked */
	hm_cctx_flush(a);				/* the empty slab: to the pool */
	KUNIT_ASSERT_GT(test, HM_READ_ONCE(c->npool), 0);
	hm_test_switches_as(b, 0);			/* b lags behind */
	hm_lagged_reuse(test, b, v, 3 * n, x, errors);	/* b adopts the slab */
}

/* two call sites, named explicitly: compilers may tail-call helpers */
#define HM_SITE_A	0x1000UL
#define HM_SITE_B	0x2000UL
#define HM_SITE_C	0x3000UL

/* tracking records owner and site; the profile counts allocs and live */
static void hm_debug_track_sites(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 32, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_site_stat top[4];
	void *a[30], *b[10];
	unsigned int i, n;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	for (i = 0; i < 30; i++)
		a[i] = hm_test_alloc_ip(cc, HM_SITE_A);
	for (i = 0; i < 10; i++)
		b[i] = hm_test_alloc_ip(cc, HM_SITE_B);
	for (i = 0; i < 30; i++) {
		const struct hm_track *t;

		KUNIT_ASSERT_NOT_NULL(test, a[i]);
		t = hm_debug_track(hm_ptr_slab(a[i]),
				   hm_block_index(c, hm_ptr_slab(a[i]), a[i]));
		KUNIT_ASSERT_NOT_NULL(test, t);
		KUNIT_EXPECT_EQ(test, t->owner, cc->ctx_id);
		KUNIT_EXPECT_EQ(test, t->site, HM_SITE_A);
	}
	n = hm_sites_top(c, top, 4, false);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, top[0].site, HM_SITE_A);
	KUNIT_EXPECT_EQ(test, top[0].allocs, 30);
	KUNIT_EXPECT_EQ(test, top[1].site, HM_SITE_B);
	KUNIT_EXPECT_EQ(test, top[1].allocs, 10);
	/* a look-up of a site never seen finds no entry, and makes none */
	KUNIT_EXPECT_NULL(test, hm_site_find(c->sites, HM_SITE_C));
	KUNIT_EXPECT_EQ(test, hm_sites_top(c, top, 4, false), 2);
	for (i = 0; i < 25; i++)
		hm_test_free_in(cc, a[i]);
	n = hm_sites_top(c, top, 4, true);	/* by live: b (10) before a (5) */
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, top[0].live, 10);
	KUNIT_EXPECT_EQ(test, top[1].live, 5);
	KUNIT_EXPECT_EQ(test, top[1].allocs, 30);
	for (i = 25; i < 30; i++)
		hm_test_free_in(cc, a[i]);
	for (i = 0; i < 10; i++)
		hm_test_free_in(cc, b[i]);
	HM_EXPECT_VALID(test, c);
}

/* The live objects of @site in @c's profile, or -1 when it has no entry. */
static long hm_site_live(struct hm_cache *c, unsigned long site, unsigned long *allocs)
{
	struct hm_site_stat top[4];
	unsigned int n = hm_sites_top(c, top, 4, false), i;

	for (i = 0; i < n; i++)
		if (top[i].site == site) {
			*allocs = top[i].allocs;
			return top[i].live;
		}
	return -1;
}

/*
 * Live objects are counted from the records of this tracking period:
 * blocks freed while tracking was off are not live any more, those
 * allocated before it went on again are not counted, and poisoning going
 * on meanwhile changes neither the count nor a report's history.
 */
static void hm_debug_sites_live_periods(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 32, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	unsigned long allocs = 0, seq;
	void *a[30], *b[5];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK | HM_DBG_CHECKS,
						 HM_GFP_DEFAULT), 0);
	for (i = 0; i < 30; i++) {
		a[i] = hm_test_alloc_ip(cc, HM_SITE_A);
		KUNIT_ASSERT_NOT_NULL(test, a[i]);
	}
	KUNIT_EXPECT_EQ(test, hm_site_live(c, HM_SITE_A, &allocs), 30);
	KUNIT_EXPECT_EQ(test, allocs, 30);
	/* off: 20 freed untracked; on again: the 10 left are of another period */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_CHECKS, HM_GFP_DEFAULT), 0);
	for (i = 0; i < 20; i++)
		hm_test_free_in(cc, a[i]);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK | HM_DBG_CHECKS,
						 HM_GFP_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, hm_site_live(c, HM_SITE_A, &allocs), 0);
	for (i = 0; i < 5; i++) {
		b[i] = hm_test_alloc_ip(cc, HM_SITE_A);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	KUNIT_EXPECT_EQ(test, hm_site_live(c, HM_SITE_A, &allocs), 5);
	KUNIT_EXPECT_EQ(test, allocs, 35);	/* allocations: every period's */

	/* poisoning on: the records stay this period's */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_ALL, HM_GFP_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, hm_site_live(c, HM_SITE_A, &allocs), 5);
	KUNIT_EXPECT_NOT_NULL(test, hm_debug_block_track(hm_ptr_slab(b[0]), b[0]));
	hm_test_free_in(cc, b[0]);
	KUNIT_EXPECT_EQ(test, hm_site_live(c, HM_SITE_A, &allocs), 4);
	seq = hm_test_report_seq(test);
	hm_test_free_in(cc, b[0]);	/* a double free: its history is there */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_DOUBLE_FREE);
		KUNIT_EXPECT_EQ(test, en.alloc_ip, HM_SITE_A);
		KUNIT_EXPECT_NE(test, en.free_ip, 0);
	}
	for (i = 1; i < 5; i++)
		hm_test_free_in(cc, b[i]);
	for (i = 20; i < 30; i++)
		hm_test_free_in(cc, a[i]);
	KUNIT_EXPECT_EQ(test, hm_site_live(c, HM_SITE_A, &allocs), 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A full site table: the sites it cannot hold are not profiled (their live
 * objects counted at no entry), and what a context counted for no entry
 * is not carried over to the next site.
 */
static void hm_debug_sites_table_full(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 32, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, (HM_SITES + 8) * sizeof(void *), GFP_KERNEL);
	struct hm_site_stat *all = kunit_kzalloc(test, HM_SITES * sizeof(*all), GFP_KERNEL);
	struct hm_site_stat top[2];
	unsigned int i, n = 0, k;
	long live = 0;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, all);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	for (i = 0; i < HM_SITES; i++)		/* one object per site: full */
		v[n++] = hm_test_alloc_ip(cc, HM_SITE_A + 16 * i);
	for (i = 0; i < 3; i++)			/* a site without an entry */
		v[n++] = hm_test_alloc_ip(cc, HM_SITE_B + 16 * HM_SITES);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	k = hm_sites_top(c, all, HM_SITES, true);
	KUNIT_EXPECT_EQ(test, k, HM_SITES);
	for (i = 0; i < k; i++)
		live += all[i].live;
	KUNIT_EXPECT_EQ(test, live, (long)HM_SITES);	/* not the three without */
	for (i = 0; i < 3; i++)
		hm_test_free_in(cc, v[--n]);
	v[n++] = hm_test_alloc_ip(cc, HM_SITE_A);	/* the first site again */
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	KUNIT_ASSERT_EQ(test, hm_sites_top(c, top, 2, true), 2);
	KUNIT_EXPECT_EQ(test, top[0].site, HM_SITE_A);
	KUNIT_EXPECT_EQ(test, top[0].live, 2);
	KUNIT_EXPECT_EQ(test, top[0].allocs, 2);
	KUNIT_EXPECT_EQ(test, top[1].live, 1);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
}

/*
 * A context keeps the counts of its current site until it moves on; the
 * profile adds them, also those of two contexts at one site and of frees
 * by a context that did not allocate.
 */
static void hm_debug_sites_two_contexts(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 32, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	struct hm_site_stat top[4];
	void *va[10], *vb[5], *y;
	unsigned int i, n;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	for (i = 0; i < 10; i++) {
		va[i] = hm_test_alloc_ip(a, HM_SITE_A);
		KUNIT_ASSERT_NOT_NULL(test, va[i]);
	}
	for (i = 0; i < 5; i++) {
		vb[i] = hm_test_alloc_ip(b, HM_SITE_A);
		KUNIT_ASSERT_NOT_NULL(test, vb[i]);
	}
	for (i = 0; i < 3; i++)		/* b frees a's: b's count goes below 0 */
		hm_cctx_free(b, hm_ptr_slab(va[i]), va[i], HM_SITE_B);
	n = hm_sites_top(c, top, 4, false);
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, top[0].site, HM_SITE_A);
	KUNIT_EXPECT_EQ(test, top[0].allocs, 15);
	KUNIT_EXPECT_EQ(test, top[0].live, 12);
	/* a moves to another site: its counts for A go to the entry */
	y = hm_test_alloc_ip(a, HM_SITE_B);
	KUNIT_ASSERT_NOT_NULL(test, y);
	n = hm_sites_top(c, top, 4, false);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, top[0].allocs, 15);
	KUNIT_EXPECT_EQ(test, top[0].live, 12);
	KUNIT_EXPECT_EQ(test, top[1].site, HM_SITE_B);
	KUNIT_EXPECT_EQ(test, top[1].allocs, 1);
	for (i = 3; i < 10; i++)
		hm_cctx_free(a, hm_ptr_slab(va[i]), va[i], HM_SITE_B);
	for (i = 0; i < 5; i++)
		hm_cctx_free(a, hm_ptr_slab(vb[i]), vb[i], HM_SITE_B);
	hm_cctx_free(b, hm_ptr_slab(y), y, HM_SITE_B);
	n = hm_sites_top(c, top, 4, true);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, top[0].live, 0);
	KUNIT_EXPECT_EQ(test, top[1].live, 0);
	KUNIT_EXPECT_EQ(test, top[0].allocs + top[1].allocs, 16);
	HM_EXPECT_VALID(test, c);
}

/* frees by a context other than the allocating one: counted, flaggable */
static void hm_debug_cross_owner(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	unsigned long seq;
	void *v[20];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	for (i = 0; i < 20; i++) {
		v[i] = hm_test_alloc_ip(a, HM_SITE_A);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	for (i = 0; i < 10; i++)
		hm_test_free_in(b, v[i]);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->xowner_frees), 10);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK | HM_DBG_FLAG_XOWNER,
						 HM_GFP_DEFAULT), 0);
	for (i = 10; i < 14; i++)
		hm_test_free_in(b, v[i]);
	/* the report names the block, its slab and its allocation */
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(b, v[14], HM_SITE_B);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_XOWNER);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)v[14]);
		KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)hm_ptr_slab(v[14]));
		KUNIT_EXPECT_EQ(test, en.ip, HM_SITE_B);
		KUNIT_EXPECT_EQ(test, en.alloc_ip, HM_SITE_A);
		KUNIT_EXPECT_EQ(test, en.alloc_ctx, a->ctx_id);
		KUNIT_EXPECT_EQ(test, en.free_ip, 0);	/* not freed before */
	}
	for (i = 15; i < 20; i++)
		hm_test_free_in(a, v[i]);	/* the owner: not flagged */
	KUNIT_EXPECT_EQ(test, *errors, 5);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_XOWNER]), 5);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A context another thread or CPU adopted (its first one exited) frees on
 * its local path what the first one allocated: frees by another owner
 * too, counted and, with xowner on, reported with the allocation's
 * context; the adopter's own allocations are not flagged.
 */
static void hm_debug_cross_owner_adopted(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, MODE(test));
	struct hm_cctx *a = hm_test_cctx(test, c), *b;
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	unsigned long seq;
	void *v[8], *w;
	unsigned int i;
	u32 first;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK | HM_DBG_FLAG_XOWNER,
						 HM_GFP_DEFAULT), 0);
	for (i = 0; i < 8; i++) {
		v[i] = hm_test_alloc_ip(a, HM_SITE_A);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	first = a->ctx_id;
	hm_cctx_abandon(a, false);
	b = hm_test_cctx(test, c);
	KUNIT_ASSERT_PTR_EQ(test, b, a);	/* adopted, with its slabs */
	KUNIT_ASSERT_NE(test, b->ctx_id, first);
	w = hm_test_alloc_ip(b, HM_SITE_B);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_EXPECT_PTR_EQ(test, hm_ptr_slab(v[0])->owner, b);	/* a local free */
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(b, v[0], HM_SITE_C);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_XOWNER);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)v[0]);
		KUNIT_EXPECT_EQ(test, en.ip, HM_SITE_C);
		KUNIT_EXPECT_EQ(test, en.alloc_ip, HM_SITE_A);
		KUNIT_EXPECT_EQ(test, en.alloc_ctx, first);
	}
	for (i = 1; i < 8; i++)
		hm_test_free_in(b, v[i]);
	hm_test_free_in(b, w);			/* its own */
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->xowner_frees), 8);
	KUNIT_EXPECT_EQ(test, *errors, 8);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_XOWNER]), 8);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * xowner reports what tracking records: without tracking it is refused,
 * and nothing changes, whether asked for alone or left on alone.
 */
static void hm_debug_xowner_needs_track(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	bool ok;
	void *p;

	KUNIT_EXPECT_FALSE(test, hm_debug_flags_valid(HM_DBG_FLAG_XOWNER));
	KUNIT_EXPECT_FALSE(test, hm_debug_flags_valid(HM_DBG_FLAG_XOWNER | HM_DBG_POISON));
	KUNIT_EXPECT_TRUE(test, hm_debug_flags_valid(HM_DBG_FLAG_XOWNER | HM_DBG_TRACK));
	KUNIT_EXPECT_TRUE(test, hm_debug_flags_valid(HM_DBG_ALL));
	KUNIT_EXPECT_FALSE(test, hm_debug_flags_valid(HM_DBG_ALL + 1));
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(c, HM_DBG_FLAG_XOWNER, HM_GFP_DEFAULT), -1);
	KUNIT_EXPECT_EQ(test, c->debug, 0);
	KUNIT_EXPECT_EQ(test, cc->debug, 0);
	KUNIT_EXPECT_EQ(test, cc->route, MODE(test));	/* not the debug route */
	KUNIT_EXPECT_EQ(test, c->track_gen, 0);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK | HM_DBG_FLAG_XOWNER,
						 HM_GFP_DEFAULT), 0);
	/* switching tracking off but leaving xowner on: refused too */
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(c, hm_debug_parse("track=0", c->debug, &ok),
						 HM_GFP_DEFAULT), -1);
	KUNIT_EXPECT_TRUE(test, ok);	/* the text is fine; the result is not */
	KUNIT_EXPECT_EQ(test, c->debug, HM_DBG_TRACK | HM_DBG_FLAG_XOWNER);
	p = hm_test_alloc_ip(cc, HM_SITE_A);	/* still tracked */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_debug_block_track(hm_ptr_slab(p), p)->site, HM_SITE_A);
	hm_test_free_in(cc, p);
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* switch names, and junk that changes nothing */
static void hm_debug_parse_switches(struct kunit *test)
{
	static const struct {
		const char *str;
		unsigned int cur, want;
	} good[] = {
		{ "poison=1 track=1\n", 0, HM_DBG_POISON | HM_DBG_TRACK },
		{ "track=0,xowner=0", HM_DBG_ALL, HM_DBG_POISON | HM_DBG_CHECKS },
		{ "off", HM_DBG_ALL, 0 },
		/* each once, in any order */
		{ "checks=1,xowner=0 track=1\tpoison=0", 0, HM_DBG_CHECKS | HM_DBG_TRACK },
		{ "all=1\n", 0, HM_DBG_ALL },
		/* blanks and commas around the words */
		{ " ,poison=1\t,\t\n", 0, HM_DBG_POISON },
	};
	static const char *const bad[] = {
		"poison=2", "poison=1 junk", "", "poisonous=1",
		/* a switch named twice: refused, not the last word taken */
		"poison=1 poison=0", "track=1,track=1",
		/* "all" and "off" name every switch */
		"all=1 track=0", "poison=1 off", "off checks=1", "off,off",
		/* one line: a newline only as the last byte */
		"poison=1\n\n", "poison=1\ntrack=1", "poison=1\ntrack=1\n", "\npoison=1",
		"poison=1\n ", "\n",
	};
	unsigned int i, got;
	bool ok;

	for (i = 0; i < HM_ARRAY_SIZE(good); i++) {
		got = hm_debug_parse(good[i].str, good[i].cur, &ok);
		KUNIT_EXPECT_TRUE_MSG(test, ok && got == good[i].want, "'%s': %#x, ok %d",
				      good[i].str, got, ok);
	}
	/* refused: the switches as they were */
	for (i = 0; i < HM_ARRAY_SIZE(bad); i++) {
		got = hm_debug_parse(bad[i], 5, &ok);
		KUNIT_EXPECT_TRUE_MSG(test, !ok && got == 5, "'%s': %#x, ok %d", bad[i], got, ok);
	}
}

/* the fragmentation figures of a layout built on purpose */
static void hm_debug_frag_figures(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 512, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	unsigned int n = c->nblocks, i;
	void **v = kunit_kzalloc(test, 2 * n * sizeof(void *), GFP_KERNEL);
	struct hm_frag f;

	KUNIT_ASSERT_NOT_NULL(test, map);
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 2 * n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	/* slab of v[0]: every other block freed; the other slab stays full */
	for (i = 0; i < 2 * n; i++)
		if (hm_ptr_slab(v[i]) == hm_ptr_slab(v[0]) && i % 2)
			hm_test_free_in(cc, v[i]);
	hm_cctx_flush(cc);	/* magazines back: only live and free remain */
	hm_cache_frag(c, &f, map);
	KUNIT_EXPECT_EQ(test, f.slabs, 2);
	KUNIT_EXPECT_EQ(test, f.hist[HM_FRAG_BUCKETS - 1], 1);	/* full */
	KUNIT_EXPECT_EQ(test, f.partial, 1);
	KUNIT_EXPECT_EQ(test, f.live, n + (n + 1) / 2);
	KUNIT_EXPECT_EQ(test, f.cached, 0);
	KUNIT_EXPECT_EQ(test, f.longest_run_min, 0);	/* the full slab */
	KUNIT_EXPECT_EQ(test, f.longest_run_sum, 1);	/* runs of one */
	KUNIT_EXPECT_EQ(test, hm_slab_map(c, hm_ptr_slab(v[0]), map), (n + 1) / 2);
	KUNIT_EXPECT_EQ(test, map[0], HM_MAP_LIVE);
	KUNIT_EXPECT_EQ(test, map[1], HM_MAP_FREE);
	for (i = 0; i < 2 * n; i++)
		if (hm_ptr_slab(v[i]) != hm_ptr_slab(v[0]) || !(i % 2))
			hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
}

/* hybrid: blocks in the magazine show as cached, exactly */
static void hm_debug_map_cached(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_HYBRID);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	void *v[10];
	struct hm_frag f;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, map);
	for (i = 0; i < 10; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	for (i = 0; i < 4; i++)
		hm_test_free_in(cc, v[i]);
	hm_cache_frag(c, &f, map);
	KUNIT_EXPECT_EQ(test, f.live, 6);
	KUNIT_EXPECT_EQ(test, f.cached, cc->mag_count);
	KUNIT_EXPECT_EQ(test, f.live + f.cached + f.free, f.blocks);
	for (i = 4; i < 10; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
}

/*
 * The switcher of the tests under load: @rounds switches of @c, cycling
 * through @sets, then @stop set for the workers.  With @sites, the call-site
 * profile is read after each: its walk reads records their owners write.
 */
static void hm_switcher(struct hm_cache *c, hm_atomic_t *stop, unsigned int rounds,
			const unsigned int *sets, unsigned int n, bool sites)
{
	struct hm_site_stat top[4];
	unsigned int round;

	for (round = 0; round < rounds; round++) {
		hm_cache_set_debug(c, sets[round % n], HM_GFP_DEFAULT);
		if (sites)
			hm_sites_top(c, top, 4, true);
		hm_test_relax();
	}
	hm_atomic_set(stop, 1);
}

/* switches flipped while threads allocate: no false report, no damage */
struct hm_flip {
	struct hm_cache *c;
	hm_atomic_t stop;
	hm_atomic_t bad;
};

static void hm_flip_worker(void *arg, unsigned int id)
{
	static const unsigned int sets[] = {
		0, HM_DBG_POISON, HM_DBG_POISON | HM_DBG_TRACK, HM_DBG_TRACK
	};
	struct hm_flip *x = arg;
	struct hm_cctx *cc;
	void *v[64];
	unsigned int i;

	if (id == 0) {
		hm_switcher(x->c, &x->stop, 200, sets, HM_ARRAY_SIZE(sets), false);
		return;
	}
	cc = hm_cctx_new(x->c, 3000 + id, 0, HM_GFP_DEFAULT);
	if (!cc) {
		hm_atomic_fetch_add(&x->bad, 1);
		return;
	}
	while (!hm_atomic_read(&x->stop)) {
		for (i = 0; i < 64; i++) {
			v[i] = hm_test_alloc(cc);
			if (v[i])
				hm_memset(v[i], (int)id, 48);
		}
		for (i = 0; i < 64; i++) {
			if (!v[i] || ((unsigned char *)v[i])[47] != (unsigned char)id)
				hm_atomic_fetch_add(&x->bad, 1);
			hm_test_free_in(cc, v[i]);
		}
		hm_test_relax();
	}
	hm_cctx_abandon(cc, false);
}

static void hm_debug_switch_under_load(struct kunit *test)
{
	struct hm_flip *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = hm_test_cache(test, 48, 0, MODE(test));
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(3, hm_flip_worker, x), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->bad), 0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->c->quarantined), 0);
	hm_cache_set_debug(x->c, 0, HM_GFP_DEFAULT);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
}

/*
 * Tracking going off gives its records back, all of them (more slabs than
 * one batch of hm_cache_track_retire()), and nothing else changes: the
 * blocks stay usable, and tracking on again tracks anew.
 */
static void hm_debug_track_retired(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 1024, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	size_t per_slab = (size_t)c->nblocks * sizeof(struct hm_track);
	unsigned int i, n = 0, slabs = 0, max = 100 * c->nblocks;
	void **v = kunit_kzalloc(test, max * sizeof(*v), GFP_KERNEL);
	struct hm_slab *last = NULL;
	const struct hm_track *t;
	void *p, *chunk;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	while (slabs < 70 && n < max) {
		v[n] = hm_test_alloc_ip(cc, HM_SITE_A);
		KUNIT_ASSERT_NOT_NULL(test, v[n]);
		slabs += hm_ptr_slab(v[n]) != last;
		last = hm_ptr_slab(v[n++]);
	}
	KUNIT_ASSERT_GE(test, slabs, 70);
	KUNIT_EXPECT_GE(test, hm_atomic_read(&c->track_bytes), slabs * per_slab);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes) % per_slab, 0);

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
	if (hm_plat_read_can_sync()) {
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), 0);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_NULL(test, hm_debug_track(hm_ptr_slab(v[i]), 0));
	}
	/* the blocks allocated while tracked: freed untracked, half of them */
	for (i = 0; i < n / 2; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);

	/* on again: records for every slab, the new life tracked */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	KUNIT_EXPECT_GT(test, hm_atomic_read(&c->track_bytes), 0);
	p = hm_test_alloc_ip(cc, HM_SITE_B);
	KUNIT_ASSERT_NOT_NULL(test, p);
	t = hm_debug_block_track(hm_ptr_slab(p), p);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->site, HM_SITE_B);
	/* a block of the last life has no record of this one */
	KUNIT_EXPECT_NULL(test, hm_debug_block_track(hm_ptr_slab(v[n - 1]), v[n - 1]));
	hm_test_free_in(cc, p);
	for (i = n / 2; i < n; i++)
		hm_test_free_in(cc, v[i]);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
	if (hm_plat_read_can_sync())
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), 0);

	/* a chunk got while tracking was on, listed after it went off */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	chunk = hm_cache_chunk_get(c, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, chunk);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
	if (hm_plat_read_can_sync())
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), per_slab);
	hm_test_ctx_enter();
	p = hm_cctx_add_chunk(cc, chunk, HM_SITE_C);
	hm_test_ctx_exit();
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), 0);
	KUNIT_EXPECT_NULL(test, hm_debug_track(hm_ptr_slab(p), 0));
	hm_test_free_in(cc, p);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Tracking switched off and on while threads allocate and free each
 * other's blocks: the records retired under the readers (the owners'
 * routes, remote frees, reports) are never used after they are freed
 * (the sanitizer builds and KASAN watch), and no report is false.
 */
#define HM_RETIRE_WORKERS	3
#define HM_RETIRE_HELD		32

struct hm_retire {
	struct hm_cache *c;
	hm_atomic_t stop;
	hm_atomic_t bad;
	hm_atomic_t handoff[HM_RETIRE_WORKERS][HM_RETIRE_HELD];	/* for the next worker */
};

static void hm_retire_worker(void *arg, unsigned int id)
{
	static const unsigned int sets[] = { HM_DBG_TRACK, HM_DBG_TRACK | HM_DBG_POISON, 0 };
	struct hm_retire *x = arg;
	unsigned int i, next = id % HM_RETIRE_WORKERS + 1;
	struct hm_cctx *cc;
	void *p;

	if (id == 0) {
		/* not freelist maps without checks: read from lists, racy by design */
		hm_switcher(x->c, &x->stop, 60, sets, HM_ARRAY_SIZE(sets),
			    x->c->mode != HM_MODE_FREELIST);
		return;
	}
	cc = hm_cctx_new(x->c, 4000 + id, 0, HM_GFP_DEFAULT);
	if (!cc) {
		hm_atomic_fetch_add(&x->bad, 1);
		return;
	}
	while (!hm_atomic_read(&x->stop)) {
		for (i = 0; i < HM_RETIRE_HELD; i++) {
			/* one for the next worker to free (remote), one freed here */
			hm_atomic_t *slot = &x->handoff[next - 1][i];

			p = hm_test_alloc(cc);
			if (p) {
				hm_memset(p, (int)id, 40);
				p = (void *)hm_atomic_xchg(slot, (unsigned long)p);
			}
			if (p)
				hm_test_free_in(cc, p);
			p = (void *)hm_atomic_xchg(&x->handoff[id - 1][i], 0);
			if (p && ((unsigned char *)p)[39] != (unsigned char)(id == 1 ?
					HM_RETIRE_WORKERS : id - 1))
				hm_atomic_fetch_add(&x->bad, 1);
			if (p)
				hm_test_free_in(cc, p);
		}
		hm_test_relax();
	}
	hm_cctx_abandon(cc, false);
}

static void hm_debug_track_retire_under_load(struct kunit *test)
{
	struct hm_retire *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	struct hm_cctx *cc;
	unsigned int w, i;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = hm_test_cache(test, 40, 0, MODE(test));
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(HM_RETIRE_WORKERS + 1, hm_retire_worker, x), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->bad), 0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	cc = hm_test_cctx(test, x->c);
	for (w = 0; w < HM_RETIRE_WORKERS; w++)
		for (i = 0; i < HM_RETIRE_HELD; i++) {
			p = (void *)hm_atomic_xchg(&x->handoff[w][i], 0);
			if (p)
				hm_test_free_in(cc, p);
		}
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(x->c, 0, HM_GFP_DEFAULT), 0);
	if (hm_plat_read_can_sync())
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->c->track_bytes), 0);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
}

/*
 * A switch made while a context holds a chunk it has got but not yet
 * listed (hm_cache_chunk_get(), then hm_cctx_add_chunk(): the kernel
 * adapter drops its CPU section between the two): the switch's walk of
 * the cache's slabs cannot see the chunk, yet its slab must get what the
 * new switches need.  Poisoning: the slab's blocks poisoned and checked,
 * a write after free caught; tracking: its blocks recorded.
 */
/* the slabs of @c that lack the debug memory its switches need */
static unsigned int hm_lacking_dbg(struct hm_cache *c)
{
	unsigned int n = 0;
	struct hm_slab *s;

	for (s = c->all; s; s = s->all_next)
		n += hm_slab_lacks_dbg(c, s);
	return n;
}

/*
 * A switch made without memory for every slab's debug memory (every other
 * metadata request fails): the slabs that went without are counted, none
 * else, and their blocks go unpoisoned; the rest work.  Setting the
 * switches again, memory back, gives it to them, and every block freed is
 * poisoned.  A slab listed when its debug memory cannot be had (tracking
 * on, no memory at all) is counted the same way.  Nothing is lost.
 */
static void hm_debug_switch_nomem(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	unsigned int n = 4 * c->nblocks, i, lacking, poisoned;
	void **v = kunit_kzalloc(test, (n + 1) * sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		hm_test_poke(v[i], 20, 0);	/* not the poison of a slab's earlier life */
	}
	KUNIT_ASSERT_GE(test, c->nslabs, 4);
	hm_test_meta_faults(2);
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	hm_test_meta_faults(0);
	lacking = hm_lacking_dbg(c);
	KUNIT_EXPECT_GT(test, lacking, 0);
	KUNIT_EXPECT_LT(test, lacking, c->nslabs);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->debug_nomem), lacking);
	/* the others poison what is freed; theirs is left as it was */
	poisoned = 0;
	for (i = 0; i < n; i++) {
		bool has = hm_dbg(hm_ptr_slab(v[i]));

		hm_test_free_in(cc, v[i]);
		poisoned += has && hm_test_peek(v[i], 20) == HM_POISON_FREE;
		KUNIT_EXPECT_TRUE(test, has || hm_test_peek(v[i], 20) != HM_POISON_FREE);
	}
	KUNIT_EXPECT_GT(test, poisoned, 0);
	HM_EXPECT_VALID(test, c);
	/* again, with memory: all of them have it now, none counted */
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, hm_lacking_dbg(c), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->debug_nomem), lacking);
	for (i = 0; i < n; i++)
		v[i] = hm_test_alloc(cc);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		hm_test_free_in(cc, v[i]);
		KUNIT_EXPECT_EQ(test, hm_test_peek(v[i], 20), HM_POISON_FREE);
	}
	HM_EXPECT_VALID(test, c);
	/* tracking on, then a new slab with no memory for anything: it goes without */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON | HM_DBG_TRACK,
						 HM_GFP_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, hm_lacking_dbg(c), 0);
	for (i = 0; i <= n; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		if (i == n - 1)
			hm_test_meta_faults(1);	/* for the slab of the last */
	}
	hm_test_meta_faults(0);
	KUNIT_EXPECT_EQ(test, hm_lacking_dbg(c), 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->debug_nomem), lacking + 1);
	for (i = 0; i <= n; i++)
		hm_test_free_in(cc, v[i]);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

static void hm_debug_switch_chunk_in_flight(struct kunit *test)
{
	struct hm_cache *c = hm_core_cache_create("hm-uaf", 64, 0, MODE(test), 0,
						  HM_GFP_DEFAULT);
	struct hm_cache *c2 = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc, *cc2 = hm_test_cctx(test, c2);
	long *errors = hm_test_count_errors(test);
	const struct hm_track *t;
	void *chunk, *victim, *p;
	unsigned int i, n;
	void **v;

	KUNIT_ASSERT_NOT_NULL(test, c);
	n = c->nblocks;
	v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	cc = hm_test_cctx(test, c);
	/* no switch on when the chunk is got: it has no debug memory */
	chunk = hm_cache_chunk_get(c, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, chunk);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	hm_test_ctx_enter();
	victim = hm_cctx_add_chunk(cc, chunk, HM_SITE_A);
	hm_test_ctx_exit();
	KUNIT_ASSERT_NOT_NULL(test, victim);
	KUNIT_EXPECT_NOT_NULL(test, hm_dbg(hm_ptr_slab(victim)));
	hm_test_free_in(cc, victim);
	KUNIT_EXPECT_EQ(test, hm_test_peek(victim, 20), HM_POISON_FREE);
	hm_test_poke(victim, 20, 0x42);		/* the bug */
	KUNIT_EXPECT_EQ(test, hm_alloc_count(test, cc, v, n, victim), 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->quarantined), 1);
	for (i = 0; i < n; i++)
		hm_test_free_in(cc, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 1);	/* the victim */

	/* tracking goes on while a chunk with debug memory but no records is in flight */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c2, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	chunk = hm_cache_chunk_get(c2, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, chunk);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c2, HM_DBG_POISON | HM_DBG_TRACK,
						 HM_GFP_DEFAULT), 0);
	hm_test_ctx_enter();
	p = hm_cctx_add_chunk(cc2, chunk, HM_SITE_B);
	hm_test_ctx_exit();
	KUNIT_ASSERT_NOT_NULL(test, p);
	t = hm_debug_block_track(hm_ptr_slab(p), p);
	KUNIT_EXPECT_NOT_NULL(test, t);
	if (t)
		KUNIT_EXPECT_EQ(test, t->site, HM_SITE_B);
	hm_test_free_in(cc2, p);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c2, 0, HM_GFP_DEFAULT), 0);
	if (hm_plat_read_can_sync())
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&c2->track_bytes), 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	HM_EXPECT_VALID(test, c2);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c2), 0);
	/* destroy reports the quarantined block and keeps its slab */
	KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 1);
	KUNIT_EXPECT_EQ(test, *errors, 2);
}

/* the last reports are kept for the errors file and the stats dump */
static void hm_debug_error_log(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 16, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_err_entry *log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);
	void *p = hm_test_alloc(cc);
	unsigned int n;

	KUNIT_ASSERT_NOT_NULL(test, log);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_test_count_errors(test);
	hm_test_free_in(cc, (char *)p + 4);
	n = hm_report_log_copy(log);
	KUNIT_ASSERT_GE(test, n, 1);
	KUNIT_EXPECT_EQ(test, log[n - 1].kind, HM_ERR_INTERIOR);
	KUNIT_EXPECT_EQ(test, log[n - 1].ptr, (unsigned long)p + 4);
	hm_test_free_in(cc, p);
	HM_EXPECT_VALID(test, c);
}

/*
 * Tracking stamps are platform ticks (the TSC in userspace): a report's
 * ages must still come out in nanoseconds, within the intervals a clock of
 * the test's own measured around each event (hm_test_now_ns(): in the
 * kernel the jiffies the stamps read, in nanoseconds, which bracket them
 * exactly however late the tick that moves them; a precise clock's
 * bracket missed them by the tick's lag, more than a tick on a loaded
 * host).
 */
static void hm_debug_report_ages(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c);
	struct hm_err_entry *log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);
	/* the TSC's conversion (0.5%), another CPU's counter being behind */
	const u64 slack = 10000000;
	u64 t0, t1, t2, t3, t4, t5;
	unsigned int n;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, log);
	hm_test_count_errors(test);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK | HM_DBG_CHECKS,
						 HM_GFP_DEFAULT), 0);
	t0 = hm_test_now_ns();
	p = hm_test_alloc_ip(cc, HM_SITE_A);
	t1 = hm_test_now_ns();
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_test_sleep_ms(60);
	t2 = hm_test_now_ns();
	hm_cctx_free(cc, hm_ptr_slab(p), p, HM_SITE_B);
	t3 = hm_test_now_ns();
	hm_test_sleep_ms(60);
	t4 = hm_test_now_ns();
	hm_cctx_free(cc, hm_ptr_slab(p), p, HM_SITE_B + 8);
	t5 = hm_test_now_ns();
	n = hm_report_log_copy(log);
	KUNIT_ASSERT_GE(test, n, 1);
	KUNIT_ASSERT_EQ(test, log[n - 1].kind, HM_ERR_DOUBLE_FREE);
	/* allocated in [t0, t1], reported in [t4, t5] */
	KUNIT_EXPECT_GE(test, log[n - 1].alloc_age_ns + slack, t4 - t1);
	KUNIT_EXPECT_LE(test, log[n - 1].alloc_age_ns, t5 - t0 + slack);
	/* freed in [t2, t3] */
	KUNIT_EXPECT_GE(test, log[n - 1].free_age_ns + slack, t4 - t3);
	KUNIT_EXPECT_LE(test, log[n - 1].free_age_ns, t5 - t2 + slack);
	HM_EXPECT_VALID(test, c);
}

/* with tracking on, a double free's report names the allocation and first free */
static void hm_debug_double_free_history(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 48, 0, MODE(test));
	struct hm_cctx *cc = hm_test_cctx(test, c), *other = hm_test_cctx(test, c);
	struct hm_err_entry *log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	unsigned int n;
	void *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, log);
	/* checks: the freelist mode detects double frees only with them */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK | HM_DBG_CHECKS,
						 HM_GFP_DEFAULT), 0);
	p = hm_test_alloc_ip(cc, HM_SITE_A);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_cctx_free(cc, hm_ptr_slab(p), p, HM_SITE_B);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_cctx_free(cc, hm_ptr_slab(p), p, HM_SITE_B + 8);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->errors[HM_ERR_DOUBLE_FREE]), 1);
	n = hm_report_log_copy(log);
	KUNIT_ASSERT_GE(test, n, 1);
	KUNIT_EXPECT_EQ(test, log[n - 1].kind, HM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, log[n - 1].ptr, (unsigned long)p);
	KUNIT_EXPECT_EQ(test, log[n - 1].ip, HM_SITE_B + 8);
	KUNIT_EXPECT_EQ(test, log[n - 1].alloc_ip, HM_SITE_A);
	KUNIT_EXPECT_EQ(test, log[n - 1].alloc_ctx, cc->ctx_id);
	KUNIT_EXPECT_EQ(test, log[n - 1].free_ip, HM_SITE_B);
	KUNIT_EXPECT_EQ(test, log[n - 1].free_ctx, cc->ctx_id);
	KUNIT_EXPECT_GE(test, log[n - 1].alloc_age_ns, log[n - 1].free_age_ns);
	/* reallocated: the record is live again, no free in it */
	q = hm_test_alloc_ip(cc, HM_SITE_B);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, hm_debug_track(hm_ptr_slab(q),
					     hm_block_index(c, hm_ptr_slab(q), q))->free_site, 0);
	hm_test_free_in(cc, q);
	/* freed by another context first: the report names that free's */
	q = hm_test_alloc_ip(cc, HM_SITE_A);
	KUNIT_ASSERT_NOT_NULL(test, q);
	hm_test_free_in_ip(other, q, HM_SITE_C);	/* remote */
	hm_test_free_in_ip(other, q, HM_SITE_C + 8);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	n = hm_report_log_copy(log);
	KUNIT_EXPECT_EQ(test, log[n - 1].kind, HM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, log[n - 1].ip, HM_SITE_C + 8);
	KUNIT_EXPECT_EQ(test, log[n - 1].alloc_ip, HM_SITE_A);
	KUNIT_EXPECT_EQ(test, log[n - 1].alloc_ctx, cc->ctx_id);
	KUNIT_EXPECT_EQ(test, log[n - 1].free_ip, HM_SITE_C);
	KUNIT_EXPECT_EQ(test, log[n - 1].free_ctx, other->ctx_id);
	/* without tracking a report has no history */
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_CHECKS, HM_GFP_DEFAULT), 0);
	p = hm_test_alloc(cc);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_test_free_in(cc, p);
	hm_test_free_in(cc, p);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	n = hm_report_log_copy(log);
	KUNIT_EXPECT_EQ(test, log[n - 1].alloc_ip, 0);
	KUNIT_EXPECT_EQ(test, log[n - 1].free_ip, 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * The report since @seq: kind @e of @p from @ip, in slab @s, naming the
 * allocation at @alloc_ip by @alloc_ctx and the free at @free_ip (0: none).
 */
static void hm_expect_history(struct kunit *test, unsigned long seq, enum hm_error e,
			      const void *p, const void *s, unsigned long ip,
			      unsigned long alloc_ip, u32 alloc_ctx, unsigned long free_ip)
{
	struct hm_err_entry en;

	if (!hm_test_report_since(test, seq, &en))
		return;
	KUNIT_EXPECT_EQ(test, en.kind, e);
	KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
	KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)s);
	KUNIT_EXPECT_EQ(test, en.ip, ip);
	KUNIT_EXPECT_EQ(test, en.alloc_ip, alloc_ip);
	KUNIT_EXPECT_EQ(test, en.alloc_ctx, alloc_ip ? alloc_ctx : 0);
	KUNIT_EXPECT_EQ(test, en.free_ip, free_ip);
}

/*
 * With tracking on, a bad free that points into a block names the block's
 * allocation and, freed, its free: an interior pointer into a live or a
 * freed block, and a block of another cache (its record, in its cache).
 * A pointer into no block (a slab header) has no record.
 */
static void hm_debug_bad_free_history(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache_named(test, "hm-hist", 64, 0, MODE(test), 0);
	struct hm_cache *other = hm_test_cache_named(test, "hm-hist2", 64, 0, MODE(test), 0);
	struct hm_cctx *cc = hm_test_cctx(test, c), *occ = hm_test_cctx(test, other);
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	unsigned long seq;
	void *p, *q, *o;

	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(other, HM_DBG_TRACK, HM_GFP_DEFAULT), 0);
	p = hm_test_alloc_ip(cc, HM_SITE_A);
	q = hm_test_alloc_ip(cc, HM_SITE_A + 8);
	o = hm_test_alloc_ip(occ, HM_SITE_B);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, o);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(cc, (char *)p + 8, HM_SITE_C);
	hm_expect_history(test, seq, HM_ERR_INTERIOR, (char *)p + 8, hm_ptr_slab(p), HM_SITE_C,
			  HM_SITE_A, cc->ctx_id, 0);
	hm_test_free_in_ip(cc, q, HM_SITE_B + 8);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(cc, (char *)q + 1, HM_SITE_C);
	hm_expect_history(test, seq, HM_ERR_INTERIOR, (char *)q + 1, hm_ptr_slab(q), HM_SITE_C,
			  HM_SITE_A + 8, cc->ctx_id, HM_SITE_B + 8);
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(cc, o, HM_SITE_C + 8);
	hm_expect_history(test, seq, HM_ERR_WRONG_CACHE, o, hm_ptr_slab(o), HM_SITE_C + 8,
			  HM_SITE_B, occ->ctx_id, 0);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_STREQ(test, en.cache, "hm-hist");	/* the cache named */
	seq = hm_test_report_seq(test);
	hm_test_free_in_ip(cc, hm_ptr_slab(p), HM_SITE_C);
	hm_expect_history(test, seq, HM_ERR_FOREIGN, hm_ptr_slab(p), hm_ptr_slab(p), HM_SITE_C,
			  0, 0, 0);
	KUNIT_EXPECT_EQ(test, *errors, 4);
	/* nothing changed: p and o are live and free fine */
	hm_test_free_in(cc, p);
	hm_test_free_in(occ, o);
	KUNIT_EXPECT_EQ(test, *errors, 4);
	HM_EXPECT_VALID(test, c);
	HM_EXPECT_VALID(test, other);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(other), 0);
}

static struct kunit_case hm_debug_cases[] = {
	KUNIT_CASE_PARAM(hm_debug_poison_catches_uaf, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_poison_remote_uaf, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_poison_bit_outlived, hm_bitmap_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_poison_owner_lags, hm_mode_gen_params),
	KUNIT_CASE(hm_debug_checks_owner_lags),
	KUNIT_CASE(hm_debug_checks_heuristic_cycle),
	KUNIT_CASE_PARAM(hm_debug_poison_adopter_lags, hm_bitmap_mode_gen_params),
	KUNIT_CASE(hm_debug_poison_sizes),
	KUNIT_CASE(hm_debug_poison_spans),
	KUNIT_CASE_PARAM(hm_debug_slab_lists, hm_slab_free_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_poison_catches_many, hm_mode_gen_params),
	KUNIT_CASE(hm_debug_freelist_bits_cleared),
	KUNIT_CASE_PARAM(hm_debug_quarantine_double_free, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_track_sites, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_sites_live_periods, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_sites_two_contexts, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_sites_table_full, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_cross_owner, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_cross_owner_adopted, hm_mode_gen_params),
	KUNIT_CASE(hm_debug_parse_switches),
	KUNIT_CASE_PARAM(hm_debug_xowner_needs_track, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_frag_figures, hm_mode_gen_params),
	KUNIT_CASE(hm_debug_map_cached),
	KUNIT_CASE_PARAM(hm_debug_switch_under_load, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_track_retired, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_track_retire_under_load, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_switch_chunk_in_flight, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_switch_nomem, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_error_log, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_report_ages, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_double_free_history, hm_mode_gen_params),
	KUNIT_CASE_PARAM(hm_debug_bad_free_history, hm_mode_gen_params),
	{}
};

struct kunit_suite hm_debug_suite = {
	.name = "hakmem_debug",
	.test_cases = hm_debug_cases,
};
