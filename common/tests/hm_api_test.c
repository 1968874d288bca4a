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

/*
 * Is hm_test_malloc(@size) a bad size: beyond the platform's address
 * space, or (kernel) a chunk larger than the page allocator's largest
 * block, aligned as the kernel aligns it (to its largest power-of-two
 * divisor; userspace's chunks have no bound but the first)?
 */
static bool hm_api_too_big(size_t size)
{
	size_t bytes = hm_large_chunk_size(size, size & -size);

	return !bytes || bytes > HM_PLAT_CHUNK_MAX;
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
	/* bad where no chunk of the platform holds it */
	KUNIT_EXPECT_EQ(test, *errors, hm_api_too_big((size_t)1 << 62));
	KUNIT_EXPECT_NULL(test, hm_test_malloc((size_t)-1));
	KUNIT_EXPECT_EQ(test, *errors, 1 + hm_api_too_big((size_t)1 << 62));
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
	void *big = hm_test_malloc(20000);
	long local = 0;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_NOT_NULL(test, big);
	hm_test_free_refused(test, f, HM_ERR_FOREIGN);
	hm_test_free_refused(test, &local, HM_ERR_FOREIGN);
	/* interior of a large object */
	hm_test_free_refused(test, (char *)big + 16, HM_ERR_INTERIOR);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	hm_test_free(big);
	hm_test_free_refused(test, big, HM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, *errors, 4);
	hm_test_foreign_free(f);
}

/* hm_test_usable_size(@p) refuses @p: 0, and one report of kind @e for @p */
static void hm_api_size_refused(struct kunit *test, const void *p, enum hm_error e)
{
	unsigned long seq = hm_test_report_seq(test);
	struct hm_err_entry en;

	KUNIT_EXPECT_EQ(test, hm_test_usable_size(p), 0);
	if (!hm_test_report_since(test, seq, &en))
		return;
	KUNIT_EXPECT_EQ(test, en.kind, e);
	KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
}

/*
 * The usable size of what is no live object is refused with one report
 * each, saying what was wrong: a foreign or interior pointer as its free
 * would be, a freed block or large object as a use after free, never as
 * a double free (nothing was freed).
 */
static void hm_api_usable_size_refused(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	unsigned long dfree = hm_errors(HM_ERR_DOUBLE_FREE);
	void *f = hm_test_foreign_alloc(100);
	char *small = hm_test_malloc(100), *big = hm_test_malloc(20000);
	struct hm_slab *s;
	long local = 0;
	bool exact;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_GE(test, hm_test_usable_size(small), 100);
	KUNIT_EXPECT_EQ(test, hm_test_usable_size(big), 20000);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_api_size_refused(test, f, HM_ERR_FOREIGN);
	hm_api_size_refused(test, &local, HM_ERR_FOREIGN);
	hm_api_size_refused(test, small + 8, HM_ERR_INTERIOR);
	hm_api_size_refused(test, big + 16, HM_ERR_INTERIOR);
	KUNIT_EXPECT_EQ(test, *errors, 4);
	s = hm_ptr_to_slab(small);
	KUNIT_ASSERT_NOT_NULL(test, s);
	/* a free list without checks keeps no state of its blocks: no telling */
	exact = s->mode != HM_MODE_FREELIST || hm_cache_checks_on(s->cache);
	hm_test_free(small);
	if (exact)
		hm_api_size_refused(test, small, HM_ERR_NOT_LIVE);
	hm_test_free(big);
	hm_api_size_refused(test, big, HM_ERR_NOT_LIVE);	/* its chunk kept */
	KUNIT_EXPECT_EQ(test, *errors, exact ? 6 : 5);
	KUNIT_EXPECT_EQ(test, hm_errors(HM_ERR_DOUBLE_FREE), dfree);
	KUNIT_EXPECT_STREQ(test, hm_error_name(HM_ERR_NOT_LIVE), "use after free");
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

/*
 * A large object is resized in place while it fills more than half of
 * its chunk, up to the chunk's end; at half, or past the end, it must move
 * (nothing changes).  One allocated with room grows into it in place.
 */
static void hm_api_large_resize(struct kunit *test)
{
	size_t lo = 40000, hi = 64UL << 20, mid, cap;
	char *p;

	hm_large_trim();	/* a fresh chunk, not a larger one kept */
	p = hm_large_alloc(40000, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, hm_large_resize(p, lo));
	KUNIT_ASSERT_FALSE(test, hm_large_resize(p, hi));
	while (hi - lo > 1) {	/* the room from @p to the chunk's end */
		mid = lo + (hi - lo) / 2;
		if (hm_large_resize(p, mid))
			lo = mid;
		else
			hi = mid;
	}
	cap = lo;
	KUNIT_EXPECT_TRUE(test, hm_large_resize(p, cap));
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), cap);
	KUNIT_EXPECT_FALSE(test, hm_large_resize(p, cap + 1));
	KUNIT_EXPECT_TRUE(test, hm_large_resize(p, cap / 2 + 1));
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), cap / 2 + 1);
	KUNIT_EXPECT_FALSE(test, hm_large_resize(p, cap / 2));
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), cap / 2 + 1);
	hm_free_other(p, 0);

	/*
	 * with room (realloc()'s growth): the object has its size, and grows
	 * in place up to the room, by steps, keeping its contents
	 */
	p = hm_large_alloc_room(40000, 400000, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), 40000);
	hm_memset(p, 7, 40000);
	for (mid = 40000 + 4096; mid <= 400000; mid += 4096) {
		KUNIT_ASSERT_TRUE(test, hm_large_resize(p, mid));
		p[mid - 1] = 8;
	}
	KUNIT_EXPECT_EQ(test, p[0], 7);
	KUNIT_EXPECT_EQ(test, p[39999], 7);
	KUNIT_EXPECT_EQ(test, p[mid - 4096 - 1], 8);
	KUNIT_EXPECT_GE(test, hm_core_usable_size(p), 400000 - 4096);
	hm_free_other(p, 0);
}

/* do @n bytes of @p hold hm_api_large_move()'s pattern? */
static bool hm_api_moved_ok(const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (u8)(i / 4096 * 13 + i % 251))
			return false;
	return true;
}

/*
 * hm_large_move(): where the platform moves pages (HM_PLAT_CHUNK_MOVE,
 * userspace's mremap()), a large object grows into a new chunk with room,
 * its bytes there without a copy, counted in hm_large_usage()'s moves; its
 * old address is a gone object (a free of it, a double free) and it grows
 * in place into the room.  The live counts follow the chunk: bytes the new
 * chunk's, span the object's granules.  Where it cannot (the kernel), or
 * for a chunk of one granule, nothing changes and the caller copies.
 */
static void hm_api_large_move(struct kunit *test)
{
	const size_t old = 2UL << 20, size = 3UL << 20, room = 4UL << 20;
	long *errors = hm_test_count_errors(test);
	struct hm_large_use u0, u;
	size_t i;
	u8 *p, *q;

	hm_large_trim();
	p = hm_large_alloc(old, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < old; i++)
		p[i] = (u8)(i / 4096 * 13 + i % 251);
	hm_large_usage(&u0);
	/* no growth, no room, or a room the chunk has: no move */
	KUNIT_EXPECT_NULL(test, hm_large_move(p, old, room, HM_GFP_DEFAULT));
	KUNIT_EXPECT_NULL(test, hm_large_move(p, size, size - 1, HM_GFP_DEFAULT));
	KUNIT_EXPECT_NULL(test, hm_large_move(p, old + 1, old + 1, HM_GFP_DEFAULT));
	q = hm_large_move(p, size, room, HM_GFP_DEFAULT);
	hm_large_usage(&u);
#if HM_PLAT_CHUNK_MOVE
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_EQ(test, u.moves, u0.moves + 1);
	KUNIT_EXPECT_EQ(test, u.objs, u0.objs);
	KUNIT_EXPECT_EQ(test, u.bytes - u0.bytes,
			HM_ALIGN_UP(room + HM_LARGE_HDR, HM_SLAB_SIZE) -
			HM_ALIGN_UP(old + HM_LARGE_HDR, HM_SLAB_SIZE));
	KUNIT_EXPECT_EQ(test, u.span - u0.span,
			HM_ALIGN_UP(size + HM_LARGE_HDR, HM_SLAB_SIZE) -
			HM_ALIGN_UP(old + HM_LARGE_HDR, HM_SLAB_SIZE));
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(q), size);
	KUNIT_EXPECT_TRUE(test, hm_api_moved_ok(q, old));
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), 0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_test_free_refused(test, p, HM_ERR_DOUBLE_FREE);
	/* the new chunk's room: in place, up to it */
	hm_memset(q + old, 0x5a, size - old);
	KUNIT_EXPECT_TRUE(test, hm_large_resize(q, room));
	KUNIT_EXPECT_EQ(test, q[size - 1], 0x5a);
	KUNIT_EXPECT_TRUE(test, hm_api_moved_ok(q, old));
	hm_free_other(q, 0);
#else
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, u.moves, u0.moves);
	KUNIT_EXPECT_EQ(test, u.bytes, u0.bytes);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), old);
	KUNIT_EXPECT_TRUE(test, hm_api_moved_ok(p, old));
	hm_free_other(p, 0);
#endif
	/* a chunk of one granule: copied, not moved */
	p = hm_large_alloc(1000, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, hm_large_move(p, old, room, HM_GFP_DEFAULT));
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), 1000);
	hm_free_other(p, 0);
	hm_large_trim();
	hm_large_usage(&u);
	KUNIT_EXPECT_EQ(test, u.objs, u0.objs - 1);
	/* the kernel's 2 MiB: its header out of line, its chunk 2 MiB */
	KUNIT_EXPECT_EQ(test, u.span, u0.span - hm_large_chunk_size(old, HM_LARGE_HDR));
	KUNIT_EXPECT_EQ(test, *errors, q ? 1 : 0);	/* the double free */
}

/* a freed large chunk is kept and reused; a second free is refused */
static void hm_api_large_reuse(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry e;
	unsigned long seq;
	void *p, *q;

	hm_test_hold_reclaim(test);	/* the kept chunk stays kept */
	hm_large_trim();
	p = hm_test_malloc(20000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_memset(p, 1, 20000);
	hm_test_free(p);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), 0);
	hm_test_free(p);			/* kept: a double free */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	q = hm_test_malloc(24000);		/* the same chunk size: reused */
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 0);
	KUNIT_EXPECT_GE(test, hm_core_usable_size(q), 24000);
	hm_memset(q, 2, 24000);
	hm_test_free(q);
	KUNIT_EXPECT_EQ(test, hm_large_trim(), 1);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 0);
	seq = hm_test_report_seq(test);
	hm_test_free(q);			/* given back: still a double free */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	KUNIT_ASSERT_TRUE(test, hm_test_report_since(test, seq, &e));
	KUNIT_EXPECT_EQ(test, e.kind, HM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_PTR_EQ(test, (void *)e.ptr, q);
}

/*
 * A large object too big to keep goes back at its free: a second free
 * was reported as a pointer hakmem never handed out.  The smallest size
 * not kept differs (1 MiB in the kernel, 64 MiB where address space is
 * kept without its pages): found by trying.
 */
static void hm_api_large_gone_double_free(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry e;
	unsigned long seq;
	size_t size, off;
	void *p = NULL;

	hm_large_trim();
	for (size = 2UL << 20; size <= 128UL << 20; size *= 4) {
		p = hm_test_malloc(size);
		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_test_free(p);
		if (!hm_large_kept())
			break;
		hm_large_trim();
	}
	KUNIT_ASSERT_LE(test, size, 128UL << 20);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	seq = hm_test_report_seq(test);
	hm_test_free(p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_ASSERT_TRUE(test, hm_test_report_since(test, seq, &e));
	KUNIT_EXPECT_EQ(test, e.kind, HM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_PTR_EQ(test, (void *)e.ptr, p);
	/*
	 * an address next to it is still no object of hakmem's, unless one
	 * gone lately was there (a CI run's kernel: an object with its header
	 * in the same chunk, at 64): the first of those that was none
	 */
	for (off = 64; off < 128 * 64 && hm_large_was_gone((char *)p + off); off += 64)
		;
	KUNIT_ASSERT_LT(test, off, 128 * 64);
	if (off > 64)
		kunit_info(test, "%zu bytes past it: an object gone lately was %zu bytes past",
			   off, (size_t)64);
	seq = hm_test_report_seq(test);
	hm_test_free((char *)p + off);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	KUNIT_ASSERT_TRUE(test, hm_test_report_since(test, seq, &e));
	KUNIT_EXPECT_EQ(test, e.kind, HM_ERR_FOREIGN);
	KUNIT_EXPECT_PTR_EQ(test, (void *)e.ptr, (char *)p + off);
}

/*
 * A second free, or the usable size, of a large object racing another
 * thread's free that gives its chunk back (hm_large_trim() here): the
 * racer may have found the chunk (its map bit) just before it went, and
 * read the magic just after, cleared, or looked for it in the ring of
 * gone objects before it was noted there.  It reported a pointer not
 * from hakmem; a double free, or a use after free, is what it is.  The
 * racer is done with the object before the next one is allocated: its
 * address may be reused.
 */
#define HM_LRACE_NS	(1500ULL * 1000 * 1000)

struct hm_lrace {
	hm_atomic_t obj;	/* the object of the current round */
	hm_atomic_t round;	/* the current round's, once obj is set */
	hm_atomic_t gone;	/* ... once its chunk is given back */
	hm_atomic_t done;	/* ... once the racer is done with obj */
	hm_atomic_t stop;
	hm_atomic_t bad;
	hm_atomic_t rounds;
	size_t size;		/* of the objects */
};

static void hm_lrace_thread(void *arg, unsigned int id)
{
	struct hm_lrace *x = arg;
	u64 end = hm_test_now_ns() + HM_LRACE_NS;
	unsigned long r;
	bool gone;
	void *p;

	for (r = 1; id == 0; r++) {
		/*
		 * the freer.  A chunk the page allocator did not have is asked
		 * again, and the first rounds run whatever the clock says (a
		 * stalled guest)
		 */
		p = hm_test_malloc_retry(x->size);
		if (!p || (r > 8 && hm_test_now_ns() > end)) {
			if (p)
				hm_test_free(p);
			hm_atomic_set(&x->stop, 1);
			return;
		}
		hm_atomic_set(&x->obj, (unsigned long)p);
		hm_atomic_set(&x->round, r);
		hm_test_free(p);
		hm_large_trim();
		hm_atomic_set(&x->gone, r);
		while (hm_atomic_read(&x->done) != r)
			hm_test_relax();
		hm_atomic_fetch_add(&x->rounds, 1);
	}
	for (r = 1;; r++) {
		/* the racer: frees in odd rounds, asks the size in even ones */
		while (hm_atomic_read(&x->round) != r) {
			if (hm_atomic_read(&x->stop))
				return;
			hm_test_relax();
		}
		p = (void *)hm_atomic_read(&x->obj);
		do {
			gone = hm_atomic_read(&x->gone) == r;
			if (r & 2)
				hm_test_free(p);
			else if (hm_test_usable_size(p) && gone)
				hm_atomic_fetch_add(&x->bad, 1);
		} while (!gone);
		hm_atomic_set(&x->done, r);
	}
}

/* reports of every kind so far */
static unsigned long hm_lrace_reports(void)
{
	unsigned long n = 0;
	int e;

	for (e = 0; e < HM_ERR_NR; e++)
		n += hm_errors(e);
	return n;
}

static void hm_lrace_run(struct kunit *test, size_t size)
{
	struct hm_lrace *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	unsigned long foreign = hm_errors(HM_ERR_FOREIGN);
	unsigned long interior = hm_errors(HM_ERR_INTERIOR);
	unsigned long dfree = hm_errors(HM_ERR_DOUBLE_FREE);
	unsigned long dead = hm_errors(HM_ERR_NOT_LIVE);
	unsigned long all = hm_lrace_reports();
	struct hm_large_use u0, u;

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->size = size;
	hm_large_trim();
	hm_large_usage(&u0);
	hm_test_tools_quiet(true);
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(2, hm_lrace_thread, x), 0);
	hm_test_tools_quiet(false);
	if (!hm_atomic_read(&x->rounds) && !*errors)
		kunit_skip(test, "no chunk for a %zu-byte object in 200 ms", size);
	KUNIT_EXPECT_GT(test, hm_atomic_read(&x->rounds), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->bad), 0);
	KUNIT_EXPECT_EQ(test, hm_errors(HM_ERR_FOREIGN) - foreign, 0);
	KUNIT_EXPECT_EQ(test, hm_errors(HM_ERR_INTERIOR) - interior, 0);
	/* every report a double free or a use after free */
	KUNIT_EXPECT_EQ(test, hm_lrace_reports() - all, hm_errors(HM_ERR_DOUBLE_FREE) - dfree +
			hm_errors(HM_ERR_NOT_LIVE) - dead);
	/* every one counted for the case, whichever thread made it */
	KUNIT_EXPECT_GT(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, *errors, hm_lrace_reports() - all);
	/* each object freed once: none left counted live, none kept */
	hm_large_trim();
	hm_large_usage(&u);
	KUNIT_EXPECT_EQ(test, u.objs, u0.objs);
	KUNIT_EXPECT_EQ(test, u.bytes, u0.bytes);
	KUNIT_EXPECT_EQ(test, u.kept, 0);
}

/* with the header in the chunk: a size it costs nothing more in */
static void hm_api_large_free_race(struct kunit *test)
{
	hm_lrace_run(test, 3 * HM_SLAB_SIZE - 1000);
}

/* with the header out of line (hm_oolmap): a granule multiple */
static void hm_api_large_free_race_ool(struct kunit *test)
{
	hm_lrace_run(test, 4 * HM_SLAB_SIZE);
}

/*
 * The first byte past a large object's one-granule chunk, where nothing
 * of hakmem's is, is refused as a pointer not from hakmem, by a free and
 * by a size: its granule's lookup falls back to the granule before, the
 * chunk's header, which once made it an interior pointer of that object
 * (and would have made a double free of a gone object there one too).
 */
static void hm_api_past_chunk(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	void *v[16];
	char *past = NULL;
	unsigned int i, n;

	KUNIT_EXPECT_EQ(test, hm_large_chunk_size(20000, 8), HM_SLAB_SIZE);
	/*
	 * one whose next granule is in no chunk: most are.  Nor where an
	 * object whose chunk went back lately was: a free there is the double
	 * free of that one (what a CI run's kernel reported here, where a
	 * chunk given back lately was next to the one handed out, it seems)
	 */
	for (n = 0; n < HM_ARRAY_SIZE(v) && !past; n++) {
		v[n] = hm_test_malloc(20000);
		KUNIT_ASSERT_NOT_NULL(test, v[n]);
		past = (char *)v[n] - HM_LARGE_HDR + HM_SLAB_SIZE;
		if (hm_slabmap_test(past) || hm_large_was_gone(past))
			past = NULL;
	}
	if (past) {
		hm_test_free_refused(test, past, HM_ERR_FOREIGN);
		hm_api_size_refused(test, past, HM_ERR_FOREIGN);
		KUNIT_EXPECT_EQ(test, *errors, 2);
	}
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, hm_test_usable_size(v[i]), 20000);
		hm_test_free(v[i]);
	}
	KUNIT_EXPECT_EQ(test, *errors, past ? 2 : 0);
	if (!past)
		kunit_skip(test, "each chunk was followed by another or by a gone object");
}

/*
 * The other side of hm_api_past_chunk(): where the granule past a chunk
 * held an object whose chunk went back lately, a free there finds the
 * chunk below (the granule before), is no part of it, and is that gone
 * object's double free; its size a use after free.  Neither touches the
 * chunk below, whose object stays whole.
 */
static void hm_api_past_chunk_gone(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	char *v[64], *below = NULL, *gone = NULL;
	unsigned int i, j;

	for (i = 0; i < HM_ARRAY_SIZE(v); i++) {
		v[i] = hm_test_malloc(20000);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		hm_memset(v[i], 0x5a, 20000);
	}
	/* two chunks next to one another, among 64 */
	for (i = 0; i < HM_ARRAY_SIZE(v) && !gone; i++)
		for (j = 0; j < HM_ARRAY_SIZE(v) && !gone; j++)
			if (v[j] == v[i] + HM_SLAB_SIZE) {
				below = v[i];
				gone = v[j];
			}
	if (gone) {
		for (j = 0; v[j] != gone; j++)
			;
		hm_test_free(gone);
		v[j] = NULL;
		hm_large_trim();	/* its chunk goes back */
		KUNIT_EXPECT_FALSE(test, hm_slabmap_test(gone));
		KUNIT_EXPECT_TRUE(test, hm_large_was_gone(gone));
		hm_test_free_refused(test, gone, HM_ERR_DOUBLE_FREE);
		hm_api_size_refused(test, gone, HM_ERR_NOT_LIVE);
		KUNIT_EXPECT_EQ(test, *errors, 2);
		KUNIT_EXPECT_EQ(test, hm_test_usable_size(below), 20000);
		for (i = 0; i < 20000 && below[i] == 0x5a; i++)
			;
		KUNIT_EXPECT_EQ(test, i, 20000);
	}
	for (i = 0; i < HM_ARRAY_SIZE(v); i++)
		hm_test_free(v[i]);
	KUNIT_EXPECT_EQ(test, *errors, gone ? 2 : 0);
	if (!gone)
		kunit_skip(test, "no two chunks were next to one another");
}

/*
 * A kept chunk taken back for an object at another offset (another
 * alignment, its header still inline): a second free of its old object is
 * a double free, and its size a use after free, not an interior pointer of
 * the new object, which neither frees nor touches.
 */
static void hm_api_large_reuse_moved(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	char *p, *q;
	size_t i;

	hm_test_hold_reclaim(test);	/* the kept chunk stays kept */
	hm_large_trim();
	p = hm_large_alloc(20000, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_free_other(p, 0);
	KUNIT_ASSERT_EQ(test, hm_large_kept(), 1);
	/* at 4 KiB its header would cost a page: out of line, another chunk */
	q = hm_large_alloc_aligned(20000, 256, false, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 0);
	KUNIT_EXPECT_PTR_EQ(test, hm_ptr_slab(q), hm_ptr_slab(p));
	KUNIT_EXPECT_PTR_NE(test, q, p);
	memset(q, 0x5e, 20000);
	hm_test_free_refused(test, p, HM_ERR_DOUBLE_FREE);
	hm_api_size_refused(test, p, HM_ERR_NOT_LIVE);
	/* an address inside it that was never an object's still is interior */
	hm_test_free_refused(test, q + 8, HM_ERR_INTERIOR);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(q), 20000);
	for (i = 0; i < 20000 && q[i] == 0x5e; i++)
		;
	KUNIT_EXPECT_EQ(test, i, 20000);
	hm_free_other(q, 0);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	hm_large_trim();
}

/*
 * A pointer into the second or a later granule of a large object, freed
 * or asked its size, is refused as the interior pointer it is: only a
 * chunk's first granule is in the slab map, and such a pointer was taken
 * for one not from hakmem.  So too in an object aligned to 128 KiB,
 * whose header's granule is one before it.  The objects stay whole.
 */
static void hm_api_large_interior(struct kunit *test)
{
	const size_t n = 5 * HM_SLAB_SIZE + 100, align = 2 * HM_SLAB_SIZE;
	const size_t in[] = { HM_SLAB_SIZE, HM_SLAB_SIZE + 8, 3 * HM_SLAB_SIZE - 8,
			      4 * HM_SLAB_SIZE + 4096, n - 1 };
	long *errors = hm_test_count_errors(test);
	char *p = hm_test_malloc(n);
	char *q = hm_large_alloc_aligned(n, align, false, HM_GFP_DEFAULT);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, (uintptr_t)q % align, 0);
	memset(p, 0x6b, n);
	memset(q, 0x6c, n);
	for (i = 0; i < HM_ARRAY_SIZE(in); i++) {
		hm_test_free_refused(test, p + in[i], HM_ERR_INTERIOR);
		hm_api_size_refused(test, p + in[i], HM_ERR_INTERIOR);
		hm_test_free_refused(test, q + in[i], HM_ERR_INTERIOR);
		hm_api_size_refused(test, q + in[i], HM_ERR_INTERIOR);
	}
	KUNIT_EXPECT_EQ(test, *errors, 4 * HM_ARRAY_SIZE(in));
	KUNIT_EXPECT_EQ(test, hm_test_usable_size(p), n);
	KUNIT_EXPECT_EQ(test, hm_test_usable_size(q), n);
	for (i = 0; i < n; i++)
		if (p[i] != 0x6b || q[i] != 0x6c)
			break;
	KUNIT_EXPECT_EQ(test, i, n);
	hm_test_free(p);
	hm_free_other(q, 0);
	KUNIT_EXPECT_EQ(test, *errors, 4 * HM_ARRAY_SIZE(in));
}

#define HM_REFUSED_EACH	4000

static void hm_refused_thread(void *arg, unsigned int i)
{
	long local = i;
	int n;

	for (n = 0; n < HM_REFUSED_EACH; n++)
		hm_test_free(&local);
}

/*
 * Refusals made at once on two CPUs (threads) are each counted: in the
 * case's counter (the kernel's KUnit resource is added to from every
 * thread of the case) and in the global counter of their kind.
 */
static void hm_api_refused_counted_threads(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	unsigned long foreign = hm_errors(HM_ERR_FOREIGN);

	KUNIT_ASSERT_EQ(test, hm_test_run_threads(2, hm_refused_thread, NULL), 0);
	KUNIT_EXPECT_EQ(test, *errors, 2 * HM_REFUSED_EACH);
	KUNIT_EXPECT_EQ(test, hm_errors(HM_ERR_FOREIGN) - foreign, 2 * HM_REFUSED_EACH);
}

/*
 * Would hm_large_alloc(@size) have its header out of line: does the
 * header inline cost memory the object alone does not (a page, a larger
 * block of the page allocator), in a chunk no move takes?
 */
static bool hm_api_ool(size_t size)
{
	size_t own = HM_ALIGN_UP(size, HM_SLAB_SIZE);

	return (!HM_PLAT_CHUNK_MOVE || own < 16 * HM_SLAB_SIZE) &&
	       hm_plat_chunk_cost(own, size) <
	       hm_plat_chunk_cost(HM_ALIGN_UP(size + HM_LARGE_HDR, HM_SLAB_SIZE),
				  size + HM_LARGE_HDR);
}

/*
 * A large object whose header in its chunk would cost a page more (or a
 * larger block of the page allocator, or a granule) than the object alone
 * starts its chunk, its header out of line: its chunk and span count no
 * more than the object's granules.  A granule multiple always does: 64 KiB
 * took two granules (and in the kernel, 128 KiB of the page allocator).
 * Its usable size, interior pointers, a free to no cache, a second free
 * while its chunk is kept and once it went back: as any large object's.
 */
static void hm_api_large_ool(struct kunit *test)
{
	static const size_t sizes[] = {
		12224, 12225, 12288, 16384, 16383, 32768, 40000, 65536, 65472, 131072,
		3 * 65536, 1 << 20,
	};
	long *errors = hm_test_count_errors(test);
	struct hm_large_use u0, u;
	size_t size, want;
	unsigned int i;
	long n = 0;
	bool ool;
	char *p;

	hm_test_hold_reclaim(test);	/* each chunk kept stays kept */
	KUNIT_EXPECT_TRUE(test, hm_api_ool(HM_SLAB_SIZE));
	KUNIT_EXPECT_TRUE(test, hm_api_ool(2 * HM_SLAB_SIZE));
	KUNIT_EXPECT_FALSE(test, hm_api_ool(40000));
	for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
		size = sizes[i];
		ool = hm_api_ool(size);
		want = HM_ALIGN_UP(size + (ool ? 0 : HM_LARGE_HDR), HM_SLAB_SIZE);
		hm_large_trim();
		hm_large_usage(&u0);
		KUNIT_EXPECT_EQ(test, hm_large_chunk_size(size, 8), want);
		p = hm_large_alloc(size, HM_GFP_DEFAULT);
		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_large_usage(&u);
		KUNIT_EXPECT_EQ(test, (uintptr_t)p % HM_SLAB_SIZE,
				(ool ? 0 : (uintptr_t)HM_LARGE_HDR));
		KUNIT_EXPECT_EQ(test, u.objs - u0.objs, 1);
		KUNIT_EXPECT_EQ(test, u.bytes - u0.bytes, want);
		KUNIT_EXPECT_EQ(test, u.span - u0.span, want);
		KUNIT_EXPECT_EQ(test, hm_core_usable_size(p), size);
		hm_memset(p, 0x3c, size);
		hm_test_free_refused(test, p + 8, HM_ERR_INTERIOR);
		hm_test_free_refused(test, p + size - 1, HM_ERR_INTERIOR);
		hm_api_size_refused(test, p + 64, HM_ERR_INTERIOR);
		n += 3;
		if (size > HM_SLAB_SIZE) {
			/* a granule of the chunk past its first: found looking back */
			hm_test_free_refused(test, p + HM_SLAB_SIZE, HM_ERR_INTERIOR);
			n++;
		}
		hm_free_other_cache(NULL, p, 0);	/* to a cache: refused */
		n++;
		KUNIT_EXPECT_EQ(test, *errors, n);
		KUNIT_EXPECT_EQ(test, (unsigned char)p[size - 1], 0x3c);
		hm_test_free(p);
		hm_large_usage(&u);
		KUNIT_EXPECT_EQ(test, u.objs, u0.objs);
		KUNIT_EXPECT_EQ(test, u.span, u0.span);
		KUNIT_EXPECT_EQ(test, u.kept, 1);	/* 1 MiB too: the kernel keeps up to it */
		hm_test_free_refused(test, p, HM_ERR_DOUBLE_FREE);	/* kept */
		hm_api_size_refused(test, p, HM_ERR_NOT_LIVE);
		KUNIT_EXPECT_EQ(test, hm_large_trim(), 1);
		hm_test_free_refused(test, p, HM_ERR_DOUBLE_FREE);	/* gone */
		n += 3;
		KUNIT_EXPECT_EQ(test, *errors, n);
	}
}

/*
 * A kept chunk whose header was out of line serves only objects whose
 * header goes out of line too (another would start further in, and a
 * second free of the old object would find the new one's header), and
 * one whose header was inline only those with theirs inline.
 */
static void hm_api_large_ool_keep(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	char *p, *q, *r;

	hm_test_hold_reclaim(test);	/* the kept chunk stays kept */
	hm_large_trim();
	p = hm_large_alloc(HM_SLAB_SIZE, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, (uintptr_t)p % HM_SLAB_SIZE, 0);
	hm_test_free(p);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	q = hm_large_alloc(40000, HM_GFP_DEFAULT);	/* one granule, header inline */
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	KUNIT_EXPECT_PTR_NE(test, hm_ptr_slab(q), hm_ptr_slab(p));
	r = hm_large_alloc(HM_SLAB_SIZE, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_PTR_EQ(test, r, p);		/* taken back */
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 0);
	hm_test_free(q);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	p = hm_large_alloc(HM_SLAB_SIZE, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_NE(test, hm_ptr_slab(p), hm_ptr_slab(q));
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1);
	hm_test_free_refused(test, q, HM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	hm_test_free(p);
	hm_test_free(r);
	hm_large_trim();
}

/*
 * Resized in place, or moved to a new object and copied where it does not
 * fit (realloc()), across the sizes where the header goes out of line and
 * back: the contents stay.
 */
static void hm_api_large_ool_resize(struct kunit *test)
{
	static const size_t steps[] = {
		12224, 12288, 16384, 20000, 16384, 12225, 65536, 65472, 40000, 131072,
		65536, 12288, 12224, 131072 - HM_LARGE_HDR, 131072, 5 * 65536, 12288,
	};
	size_t size = 0, n, i, j, bad = 0;
	char *p = NULL, *q;

	hm_large_trim();
	for (i = 0; i < HM_ARRAY_SIZE(steps); i++) {
		n = steps[i];
		if (p && hm_large_resize(p, n)) {
			q = p;
		} else {
			q = hm_large_alloc(n, HM_GFP_DEFAULT);
			KUNIT_ASSERT_NOT_NULL(test, q);
			if (p) {
				hm_memcpy(q, p, HM_MIN(size, n));
				hm_test_free(p);
			}
		}
		for (j = 0; j < HM_MIN(size, n); j++)
			bad += (unsigned char)q[j] != (unsigned char)(j * 7 + j / 4096);
		for (j = size; j < n; j++)
			q[j] = (char)(j * 7 + j / 4096);
		KUNIT_EXPECT_EQ(test, hm_core_usable_size(q), n);
		p = q;
		size = n;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	hm_test_free(p);
	hm_large_trim();
}

static struct kunit_case hm_api_cases[] = {
	KUNIT_CASE(hm_api_edge_sizes),
	KUNIT_CASE(hm_api_zero_null_huge),
	KUNIT_CASE(hm_api_foreign),
	KUNIT_CASE(hm_api_usable_size_refused),
	KUNIT_CASE(hm_api_all_classes),
	KUNIT_CASE(hm_api_large_reuse),
	KUNIT_CASE(hm_api_large_resize),
	KUNIT_CASE(hm_api_large_move),
	KUNIT_CASE(hm_api_large_gone_double_free),
	KUNIT_CASE(hm_api_large_interior),
	KUNIT_CASE(hm_api_large_reuse_moved),
	KUNIT_CASE(hm_api_past_chunk),
	KUNIT_CASE(hm_api_past_chunk_gone),
	KUNIT_CASE(hm_api_large_free_race),
	KUNIT_CASE(hm_api_large_free_race_ool),
	KUNIT_CASE(hm_api_large_ool),
	KUNIT_CASE(hm_api_large_ool_keep),
	KUNIT_CASE(hm_api_large_ool_resize),
	KUNIT_CASE(hm_api_refused_counted_threads),
	{}
};

struct kunit_suite hm_api_suite = {
	.name = "hakmem_api",
	.test_cases = hm_api_cases,
};
