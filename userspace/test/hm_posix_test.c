// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_posix_test.c - the C and POSIX calls of hm_posix.c: calloc of
 * recycled blocks, realloc in place and moving, every alignment, errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "hakmem.h"
#include "hm_test.h"
#include "hm_user.h"

static bool hm_all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* blocks freed dirty come back zeroed, small and large (a kept chunk) */
static void hm_posix_calloc_recycled(struct kunit *test)
{
	static const size_t sizes[] = { 1, 24, 1000, 1024, 5000, 10816, 20000, 70000 };
	unsigned int i;

	for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
		unsigned char *p = hm_malloc(sizes[i]), *q;

		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xa5, sizes[i]);
		hm_free(p);
		q = hm_calloc(1, sizes[i]);
		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_TRUE(test, hm_all_zero(q, sizes[i]));
		hm_free(q);
	}
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_calloc(SIZE_MAX / 2, 3));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_calloc(1, SIZE_MAX - 10));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_reallocarray(NULL, SIZE_MAX / 4, 8));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
}

static void hm_posix_realloc(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	char *p, *q;
	size_t i;

	p = hm_realloc(NULL, 40);		/* malloc */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 64);
	memset(p, 'a', 40);
	KUNIT_EXPECT_PTR_EQ(test, hm_realloc(p, 64), p);	/* grow in the block */
	KUNIT_EXPECT_PTR_EQ(test, hm_realloc(p, 33), p);	/* shrink in the block */
	q = hm_realloc(p, 32);			/* half the block: to the class of 32 */
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 32);
	p = hm_realloc(q, 33);				/* back up: moves */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 64);
	memset(p + 32, 'a', 1);
	q = hm_realloc(p, 500);				/* grow: moves */
	KUNIT_ASSERT_NOT_NULL(test, q);
	for (i = 0; i < 33; i++)
		KUNIT_EXPECT_EQ(test, q[i], 'a');
	p = hm_realloc(q, 10);				/* far smaller: moves */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 16);
	KUNIT_EXPECT_EQ(test, p[9], 'a');

	/* medium: a block of 2 or 4 KiB, aligned to it; in place within it */
	q = hm_realloc(p, 1500);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 2048);
	KUNIT_EXPECT_EQ(test, (unsigned long)q % 2048, 0);
	KUNIT_EXPECT_EQ(test, q[9], 'a');
	p = hm_realloc(q, 3000);			/* moves up */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 4096);
	KUNIT_EXPECT_PTR_EQ(test, hm_realloc(p, 4096), p);
	KUNIT_EXPECT_EQ(test, p[9], 'a');

	/*
	 * large: in place while it fills over half the chunk (a fresh
	 * one: a chunk kept from an earlier test's larger object may be
	 * taken, and 40000 would not fill half of that)
	 */
	hm_trim();
	q = hm_realloc(p, 20000);
	KUNIT_ASSERT_NOT_NULL(test, q);
	memset(q, 'b', 3000);
	KUNIT_EXPECT_PTR_EQ(test, hm_realloc(q, 40000), q);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 40000);
	KUNIT_EXPECT_EQ(test, q[2999], 'b');
	p = hm_realloc(q, 200000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p[0], 'b');
	KUNIT_EXPECT_EQ(test, p[2999], 'b');
	p[199999] = 'c';
	q = hm_reallocarray(p, 100, 10);		/* down to a class */
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 1024);
	KUNIT_EXPECT_EQ(test, q[999], 'b');

	/* glibc: realloc(p, 0) frees and gives NULL */
	KUNIT_EXPECT_NULL(test, hm_realloc(q, 0));
	errno = 0;
	p = hm_malloc(8);
	KUNIT_EXPECT_NULL(test, hm_realloc(p, SIZE_MAX));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	hm_free(p);					/* untouched */
	KUNIT_EXPECT_EQ(test, *errors, 0);

	/* a pointer hakmem never handed out is refused, not copied */
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_realloc(&i, 100));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	KUNIT_EXPECT_EQ(test, *errors, 1);
}

/* each alignment, small and large sizes, is met and freed like any object */
static void hm_posix_alignment(struct kunit *test)
{
	static const size_t sizes[] = { 0, 1, 24, 1000, 3000, 100000 };
	long *errors = hm_test_count_errors(test);
	size_t align, i;

	for (align = 1; align <= (1UL << 20); align <<= 1) {
		for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
			size_t n = sizes[i];
			void *p = NULL, *q, *r;

			if (align >= sizeof(void *))
				KUNIT_ASSERT_EQ(test, hm_posix_memalign(&p, align, n), 0);
			else
				p = hm_memalign(align, n);
			q = hm_aligned_alloc(align, n);
			r = hm_memalign(align, n);
			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_ASSERT_NOT_NULL(test, q);
			KUNIT_ASSERT_NOT_NULL(test, r);
			KUNIT_EXPECT_EQ(test, (uintptr_t)p % align, 0);
			KUNIT_EXPECT_EQ(test, (uintptr_t)q % align, 0);
			KUNIT_EXPECT_EQ(test, (uintptr_t)r % align, 0);
			KUNIT_EXPECT_GE(test, hm_malloc_usable_size(p), n);
			KUNIT_EXPECT_GE(test, hm_malloc_usable_size(q), n);
			if (n)
				memset(q, 0x5a, n);
			hm_free(p);
			hm_free(q);
			hm_free(r);
		}
	}
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

/* do @n bytes of @p hold the pattern hm_posix_realloc_grows() writes? */
static bool hm_grown_ok(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i / 4096 * 7 + 1))
			return false;
	return true;
}

/*
 * realloc() by 4 KiB steps: each step past a granule moved the object to
 * a chunk of just the new size and copied it (to 40 MiB: 647 moves and
 * two minutes; 200 MiB took more than nine).  A large object that grows
 * now moves to a chunk with half its new size again as room: a few dozen
 * moves to 32 MiB, each one counted as the pointer changes (not timed).
 * The contents follow every move and shrink; a grow that fails (no chunk
 * to be had, a size no address space holds) returns NULL with ENOMEM and
 * leaves the object as it was.
 */
static void hm_posix_realloc_grows(struct kunit *test)
{
	const size_t step = 4096, max = 32UL << 20;
	long *errors = hm_test_count_errors(test);
	unsigned char *p = NULL, *q;
	unsigned int moves = 0;
	size_t n, last = 0;

	hm_trim();
	/* more than 64 moves is the old behaviour: stop there */
	for (n = step; n <= max && moves <= 64; n += step) {
		q = hm_realloc(p, n);
		KUNIT_ASSERT_NOT_NULL(test, q);
		moves += q != p;
		p = q;
		memset(p + n - step, (int)(unsigned char)((n - step) / step * 7 + 1), step);
		last = n;
	}
	kunit_info(test, "by 4 KiB to %zu KiB: %u moves", last >> 10, moves);
	KUNIT_EXPECT_EQ(test, last, max);
	KUNIT_EXPECT_LE(test, moves, 40U);
	KUNIT_EXPECT_TRUE(test, hm_grown_ok(p, last));

	/* no chunk to be had: NULL, ENOMEM, the object as it was */
	hm_trim();
	hm_test_chunk_faults(1);
	errno = 0;
	q = hm_realloc(p, 2 * max);
	hm_test_chunk_faults(0);
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), last);
	KUNIT_EXPECT_TRUE(test, hm_grown_ok(p, last));
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_realloc(p, SIZE_MAX / 2));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	KUNIT_EXPECT_TRUE(test, hm_grown_ok(p, last));

	/* shrinks, in place or not, and a grow again keep what fits */
	q = hm_realloc(p, max / 3);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, hm_grown_ok(q, max / 3));
	p = hm_realloc(q, 100000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, hm_grown_ok(p, 100000));
	q = hm_realloc(p, 5UL << 20);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, hm_grown_ok(q, 100000));
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 5UL << 20);
	hm_free(q);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_trim();
}

/*
 * realloc() of a large object of a megabyte or more that must move moves
 * its pages (hm_large_move(), mremap()), as glibc's does an mmapped
 * chunk's: by 64 KiB steps from 1 MiB to 64 MiB, every change of the
 * pointer is one such move in hm_large_usage(), none a copy (to 200 MiB
 * by 4 KiB the copies took 7.2 s, glibc 1.05 s).  The contents follow,
 * and a free of an old pointer is a double free.
 */
static void hm_posix_realloc_moves_pages(struct kunit *test)
{
	const size_t step = 64UL << 10, max = 64UL << 20;
	long *errors = hm_test_count_errors(test);
	unsigned char *p, *q, *first;
	unsigned int changes = 0;
	struct hm_large_use u0, u;
	size_t n, i;

	hm_trim();
	hm_large_usage(&u0);
	p = hm_malloc(1UL << 20);
	KUNIT_ASSERT_NOT_NULL(test, p);
	first = p;
	for (n = 0; n < 1UL << 20; n += 4096)
		memset(p + n, (int)(unsigned char)(n / 4096 * 7 + 1), 4096);
	for (n = (1UL << 20) + step; n <= max; n += step) {
		q = hm_realloc(p, n);
		KUNIT_ASSERT_NOT_NULL(test, q);
		changes += q != p;
		p = q;
		for (i = n - step; i < n; i += 4096)
			memset(p + i, (int)(unsigned char)(i / 4096 * 7 + 1), 4096);
	}
	hm_large_usage(&u);
	kunit_info(test, "1 to 64 MiB by 64 KiB: %u moves, %lu of them without a copy",
		   changes, u.moves - u0.moves);
	KUNIT_EXPECT_GT(test, changes, 0U);
	KUNIT_EXPECT_EQ(test, u.moves - u0.moves, (unsigned long)changes);
	KUNIT_EXPECT_TRUE(test, hm_grown_ok(p, max));
	KUNIT_EXPECT_EQ(test, hm_core_usable_size(first), 0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_test_free_refused(test, first, HM_ERR_DOUBLE_FREE);
	hm_free(p);
	hm_trim();
}

/*
 * realloc() of a pointer into a block of a slab but not at its start, or
 * of a freed block: refused with EINVAL and one report, like a large
 * object's; never resized in place over the next block, and the block
 * untouched.  malloc_usable_size() of either is 0, and reported: an
 * interior pointer, a use after free (it frees nothing: no double free).
 */
static void hm_posix_realloc_interior(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	char *p = hm_malloc(64), *q;
	unsigned long seq;
	struct hm_err_entry en;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, 64);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p + 8), 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_realloc(p + 8, 60));	/* would fit in place */
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_realloc(p + 8, 10));	/* would move */
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 64);
	KUNIT_EXPECT_EQ(test, p[0], 0x5a);
	KUNIT_EXPECT_EQ(test, p[63], 0x5a);
	q = hm_test_malloc_checked(test, 64);	/* freelist: a slab that tells it free */
	KUNIT_ASSERT_NOT_NULL(test, q);
	hm_free(q);
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 0);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_NOT_LIVE);
	errno = 0;
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_NULL(test, hm_realloc(q, 64));		/* freed: a double free */
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	if (hm_test_report_since(test, seq, &en))	/* one report: the probe makes none */
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, *errors, 5);
	hm_free(p);
	KUNIT_EXPECT_EQ(test, *errors, 5);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

/*
 * Each allocating entry point from a call site of its own, a small
 * function (the call no tail call): its record's site must lie in there.
 */
#define HM_POSIX_AT(name, call)							\
static noinline void *hm_posix_at_##name(void *old)				\
{										\
	void *r = (call);							\
										\
	__asm__ volatile("" : : "r"(r), "r"(old) : "memory");			\
	return r;								\
}
HM_POSIX_AT(calloc, hm_calloc(3, 20))
HM_POSIX_AT(realloc_null, hm_realloc(NULL, 60))
HM_POSIX_AT(realloc_move, hm_realloc(old, 60))		/* 16 to 64 bytes */
HM_POSIX_AT(aligned_alloc, hm_aligned_alloc(64, 60))
HM_POSIX_AT(memalign, hm_memalign(48, 60))		/* rounded up to 64 */
HM_POSIX_AT(reallocarray, hm_reallocarray(NULL, 6, 10))

static noinline void *hm_posix_at_posix_memalign(void *old)
{
	void *r = NULL;

	if (hm_posix_memalign(&r, 32, 60))
		r = NULL;
	__asm__ volatile("" : : "r"(r), "r"(old) : "memory");
	return r;
}

/*
 * With tracking on, a block's record names the program's call of calloc,
 * realloc and the aligned calls, as malloc's: they were all inside
 * hm_posix.c, one site each for the whole program.  So does the free
 * site of the block a realloc() moved from.
 */
static void hm_posix_track_names_caller(struct kunit *test)
{
	static void *(*const at[])(void *) = {
		hm_posix_at_calloc, hm_posix_at_realloc_null, hm_posix_at_realloc_move,
		hm_posix_at_aligned_alloc, hm_posix_at_memalign, hm_posix_at_reallocarray,
		hm_posix_at_posix_memalign,
	};
	struct hm_cache *c = hm_class_cache(64), *c16 = hm_class_cache(16);
	unsigned int k;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, c16);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
	KUNIT_EXPECT_EQ(test, hm_set_debug(c16, "track=1"), 0);
	for (k = 0; k < HM_ARRAY_SIZE(at); k++) {
		unsigned long site = (unsigned long)at[k];
		void *old = at[k] == hm_posix_at_realloc_move ? hm_malloc(16) : NULL;
		void *p = at[k](old);
		const struct hm_track *t;

		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			continue;
		KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 64);
		t = hm_debug_block_track(hm_ptr_slab(p), p);
		KUNIT_EXPECT_NOT_NULL(test, t);
		/* in the caller, not past its end (a few hundred bytes under ASan) */
		if (t)
			KUNIT_EXPECT_TRUE_MSG(test, t->site > site && t->site < site + 512,
					      "case %u: site %#lx, the call in %#lx", k, t->site,
					      site);
		t = old ? hm_debug_block_track(hm_ptr_slab(old), old) : NULL;
		if (t)	/* where realloc() freed the old block: the same call */
			KUNIT_EXPECT_TRUE_MSG(test, t->free_site > site && t->free_site < site + 512,
					      "case %u: free site %#lx, the call in %#lx", k,
					      t->free_site, site);
		KUNIT_EXPECT_TRUE(test, !old || t);
		hm_free(p);
	}
	KUNIT_EXPECT_EQ(test, hm_set_debug(c16, "off"), 0);
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "off"), 0);
}

/* hm_realloc() from a call site of its own: not a tail call, so that the return is here */
static noinline void *hm_posix_realloc_site(void *p, size_t size)
{
	void *r = hm_realloc(p, size);

	__asm__ volatile("" : : "r"(r) : "memory");
	return r;
}

/*
 * A refused realloc() names its caller, not hm_realloc(): it reported
 * the free it made inside.  Each kind of refusal: an interior pointer, a
 * block freed already (a local double free), a large object freed
 * already, a pointer hakmem never gave; and the free of realloc(p, 0).
 */
static void hm_posix_realloc_names_caller(struct kunit *test)
{
	unsigned long site = (unsigned long)hm_posix_realloc_site;
	char *p = hm_malloc(64), *q = hm_test_malloc_checked(test, 64), *big = hm_malloc(100000);
	long *errors = hm_test_count_errors(test);
	char *bad[] = { p + 8, q, big, (char *)&site, q };
	size_t size[] = { 60, 60, 60, 60, 0 };
	struct hm_err_entry en;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, big);
	hm_free(q);
	hm_free(big);
	for (i = 0; i < HM_ARRAY_SIZE(bad); i++) {
		unsigned long seq = hm_test_report_seq(test);

		KUNIT_EXPECT_NULL(test, hm_posix_realloc_site(bad[i], size[i]));
		KUNIT_EXPECT_EQ(test, *errors, i + 1);
		if (hm_test_report_since(test, seq, &en))
			KUNIT_EXPECT_TRUE_MSG(test, en.ip > site && en.ip < site + 64,
					      "case %u: ip %#lx, the call in %#lx", i, en.ip, site);
	}
	hm_free(p);
	KUNIT_EXPECT_EQ(test, *errors, HM_ARRAY_SIZE(bad));
}

/* an over-aligned large object: interior frees refused, usable size kept */
static void hm_posix_aligned_large(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	char *p, *q, *r;

	hm_trim();	/* fresh chunks, for the realloc in place (hm_posix_realloc) */
	p = hm_aligned_alloc(1UL << 16, 200000);
	q = hm_aligned_alloc(4096, 5000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 200000);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 5000);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p + 65536), 0);	/* interior */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	memset(p, 1, 200000);
	hm_free(p + 64);			/* interior */
	hm_free(p + 65536);			/* interior, granule-aligned */
	KUNIT_EXPECT_EQ(test, *errors, 3);
	r = hm_realloc(q, 40000);		/* in place, still aligned */
	KUNIT_EXPECT_PTR_EQ(test, r, q);
	hm_free(p);
	hm_free(r);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	hm_free(p);				/* double free, refused */
	KUNIT_EXPECT_EQ(test, *errors, 4);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 0);	/* refused too */
	KUNIT_EXPECT_EQ(test, *errors, 5);
}

static void hm_posix_errno(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	void *p = &p;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *v;

	KUNIT_EXPECT_EQ(test, hm_posix_memalign(&p, 0, 8), EINVAL);
	KUNIT_EXPECT_EQ(test, hm_posix_memalign(&p, 24, 8), EINVAL);
	KUNIT_EXPECT_EQ(test, hm_posix_memalign(&p, 4, 8), EINVAL);	/* < sizeof(void *) */
	KUNIT_EXPECT_PTR_EQ(test, p, &p);				/* untouched */
	/* no place for the result was a SIGSEGV, after the allocation */
	KUNIT_EXPECT_EQ(test, hm_posix_memalign(NULL, 64, 8), EINVAL);
	KUNIT_EXPECT_EQ(test, hm_posix_memalign(NULL, 4096, 100000), EINVAL);
	KUNIT_EXPECT_EQ(test, hm_posix_memalign(&p, 64, SIZE_MAX - 100), ENOMEM);
	KUNIT_EXPECT_EQ(test, hm_posix_memalign(&p, 1UL << 62, 10), ENOMEM);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_aligned_alloc(48, 8));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_aligned_alloc(0, 8));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_aligned_alloc(64, SIZE_MAX));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	/* glibc: an alignment past the largest power of two is EINVAL; that one, ENOMEM */
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_memalign((SIZE_MAX >> 1) + 2, 8));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_memalign((SIZE_MAX >> 1) + 1, 8));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	p = hm_memalign(48, 8);				/* glibc: rounded up to 64 */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, (uintptr_t)p % 64, 0);
	hm_free(p);
	v = hm_valloc(10);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, (uintptr_t)v % page, 0);
	/* a 4 KiB block of a slab, not a 64 KiB chunk (page of 4 KiB) */
	if (page == 4096)
		KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(v), 4096);
	hm_free(v);
	v = hm_aligned_alloc(2048, 1500);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, (uintptr_t)v % 2048, 0);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(v), 2048);
	KUNIT_EXPECT_PTR_EQ(test, hm_realloc(v, 1800), v);	/* in its block */
	hm_free(v);
	v = hm_pvalloc(page + 1);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, (uintptr_t)v % page, 0);
	KUNIT_EXPECT_GE(test, hm_malloc_usable_size(v), 2 * page);
	hm_free(v);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_user_malloc(SIZE_MAX - 4096));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	KUNIT_EXPECT_EQ(test, *errors, 0);			/* no reports */
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(NULL), 0);
}

/*
 * Under the kernel's default overcommit heuristic a request for more than
 * the machine's memory and swap fails, as on glibc: malloc(64 GiB) on a
 * box of 23 GiB returned a pointer (chunks were mapped MAP_NORESERVE,
 * which skips the heuristic), and the program was killed once it used it
 * instead of handling NULL.
 */
static void hm_posix_more_than_memory(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	unsigned long long total;
	struct sysinfo si;
	size_t size;
	FILE *f;
	int mode = -1;

	f = fopen("/proc/sys/vm/overcommit_memory", "r");
	if (f) {
		if (fscanf(f, "%d", &mode) != 1)
			mode = -1;
		fclose(f);
	}
	if (mode != 0)
		kunit_skip(test, "vm.overcommit_memory is not 0 (the heuristic)");
	KUNIT_ASSERT_EQ(test, sysinfo(&si), 0);
	total = ((unsigned long long)si.totalram + si.totalswap) * si.mem_unit;
	if (total > (1ULL << 42))
		kunit_skip(test, "more memory than the test asks for");
	size = (size_t)total * 4;
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_user_malloc(size));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_calloc(4, (size_t)total));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_aligned_alloc(1UL << 20, size));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	KUNIT_EXPECT_EQ(test, *errors, 0);
}

/*
 * Objects of 4097 to 10816 bytes are blocks of the medium classes (they
 * were large objects, two pages and a header each up to 8128 bytes, three
 * pages past it): the smallest class that holds them, as many blocks to
 * a 64 KiB slab as the class says, each aligned as hm_user_class_align()
 * says, its usable size the class's; 10817 bytes is a large object.  The
 * sizes, alignments and blocks a slab derived from HM_USER_MEDIUM_SIZES
 * are those pinned in hm_test_medium[]; 2 and 4 KiB: aligned to their
 * size, 31 and 15 blocks a slab.
 */
static void hm_posix_medium_classes(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	unsigned int cls, i, k;
	void *v[16];

	KUNIT_ASSERT_EQ(test, HM_USER_CLASSES, HM_NR_CLASSES + 2 + HM_TEST_MEDIUM);
	for (cls = HM_NR_CLASSES; cls < HM_NR_CLASSES + 2; cls++) {
		unsigned int size = hm_user_class_size(cls);

		KUNIT_EXPECT_EQ(test, size, 2048U << (cls - HM_NR_CLASSES));
		KUNIT_EXPECT_EQ(test, hm_user_class_align(cls), size);
		KUNIT_ASSERT_NOT_NULL(test, hm_class_cache(size));
		KUNIT_EXPECT_EQ(test, hm_class_cache(size)->nblocks, cls == HM_NR_CLASSES ? 31 : 15);
	}
	for (cls = HM_NR_CLASSES + 2; cls < HM_USER_CLASSES; cls++) {
		const struct hm_test_medium *want = &hm_test_medium[cls - HM_NR_CLASSES - 2];
		unsigned int size = hm_user_class_size(cls), align = hm_user_class_align(cls);
		unsigned int below = hm_user_class_size(cls - 1) + 1;
		unsigned int n = want->n;
		struct hm_cache *c = hm_class_cache(size);
		char name[16];

		KUNIT_EXPECT_EQ(test, size, want->size);
		KUNIT_EXPECT_EQ(test, align, want->align);
		KUNIT_ASSERT_NOT_NULL(test, c);
		snprintf(name, sizeof(name), "hm-%u", size);
		KUNIT_EXPECT_STREQ(test, c->name, name);
		KUNIT_EXPECT_PTR_EQ(test, hm_class_cache(below), c);
		KUNIT_EXPECT_EQ(test, c->nblocks, n);
		KUNIT_EXPECT_EQ(test, align & (align - 1), 0);
		KUNIT_EXPECT_EQ(test, size % align, 0);
		/* more than a slab's worth: every block, two slabs at least */
		for (i = 0; i <= n; i++) {
			v[i] = hm_malloc(i % 2 ? size : below);
			KUNIT_ASSERT_NOT_NULL(test, v[i]);
			KUNIT_EXPECT_TRUE_MSG(test, (uintptr_t)v[i] % align == 0,
					      "%u bytes: block %u at %p", size, i, v[i]);
			KUNIT_EXPECT_PTR_EQ(test, hm_ptr_to_slab(v[i]) ?
					    hm_ptr_to_slab(v[i])->cache : NULL, c);
			KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(v[i]), size);
			memset(v[i], (int)i, size);
		}
		for (i = 0; i <= n; i++) {
			for (k = 0; k < size; k += 511)
				if (((unsigned char *)v[i])[k] != (unsigned char)i)
					break;
			KUNIT_EXPECT_TRUE_MSG(test, k >= size, "%u bytes: block %u overwritten",
					      size, i);
		}
		for (i = 0; i <= n; i++)
			hm_free(v[i]);
		KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	}
	/* every size to the smallest class that holds it (the table against a loop) */
	for (k = 1; k <= HM_USER_MAX_CLASS; k++) {
		for (cls = 0; hm_user_class_size(cls) < k; cls++)
			;
		if (hm_user_size_class(k) != cls)
			break;
	}
	KUNIT_EXPECT_EQ(test, k, HM_USER_MAX_CLASS + 1);
	v[0] = hm_malloc(HM_USER_MAX_CLASS + 1);
	KUNIT_ASSERT_NOT_NULL(test, v[0]);
	KUNIT_EXPECT_NULL(test, hm_ptr_to_slab(v[0]));
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(v[0]), HM_USER_MAX_CLASS + 1);
	hm_free(v[0]);
	KUNIT_EXPECT_NULL(test, hm_class_cache(HM_USER_MAX_CLASS + 1));
	KUNIT_EXPECT_EQ(test, *errors, 0);
}

/*
 * Many objects of 5000 bytes, written in full, take the pages of about
 * 5461 bytes each (twelve blocks of hm-5376 to a 64 KiB slab): as large
 * objects they took two pages each (1.64 times the bytes; glibc's heap
 * 1.00).  The pages counted are those the objects span, told apart.
 */
static int hm_cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static void hm_posix_medium_footprint(struct kunit *test)
{
	const size_t n = 2000, size = 5000, page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t *pages;
	struct hm_mallinfo before, after;
	size_t i, np = 0, distinct = 0;
	char **v;

	v = kunit_kzalloc(test, n * sizeof(*v), GFP_KERNEL);
	pages = kunit_kzalloc(test, n * (size / page + 2) * sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	hm_mallinfo(&before);
	for (i = 0; i < n; i++) {
		uintptr_t a;

		v[i] = hm_malloc(size);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		memset(v[i], 0x5a, size);
		for (a = (uintptr_t)v[i] & ~(page - 1); a < (uintptr_t)v[i] + size; a += page)
			pages[np++] = a;
	}
	hm_mallinfo(&after);
	qsort(pages, np, sizeof(*pages), hm_cmp_ptr);
	for (i = 0; i < np; i++)
		distinct += !i || pages[i] != pages[i - 1];
	kunit_info(test, "%zu objects of %zu bytes: %zu pages, %zu bytes each", n, size,
		   distinct, distinct * page / n);
	/* none is a large object; the pages they span hold them within 10% */
	KUNIT_EXPECT_EQ(test, after.hblks, before.hblks);
	KUNIT_EXPECT_LE(test, distinct * page, n * size * 11 / 10);
	for (i = 0; i < n; i++)
		hm_free(v[i]);
}

/*
 * realloc() across the medium classes' boundaries keeps the bytes: up a
 * class when the block is outgrown, in place while the size fills more
 * than half the block, down a class below that, out to a large object
 * past the last one and back.
 */
static void hm_posix_medium_realloc(struct kunit *test)
{
	static const struct {
		size_t size, usable;
		bool moves;
	} steps[] = {
		{ 4000, 4096, true }, { 4097, 4608, true }, { 4608, 4608, false },
		{ 5000, 5376, true }, { 3000, 5376, false }, { 2600, 4096, true },
		{ 9000, 9280, true }, { 9281, 10816, true }, { 10816, 10816, false },
		{ 10817, 10817, true }, { 6000, 6464, true }, { 8128, 8128, true },
	};
	long *errors = hm_test_count_errors(test);
	unsigned char *p = NULL, *q;
	size_t i, k, filled = 0;

	for (i = 0; i < HM_ARRAY_SIZE(steps); i++) {
		q = hm_realloc(p, steps[i].size);
		KUNIT_ASSERT_NOT_NULL(test, q);
		if (p)
			KUNIT_EXPECT_TRUE_MSG(test, (q != p) == steps[i].moves,
					      "step %zu: %zu bytes", i, steps[i].size);
		KUNIT_EXPECT_TRUE_MSG(test, hm_malloc_usable_size(q) == steps[i].usable,
				      "step %zu: %zu bytes, usable %zu", i, steps[i].size,
				      hm_malloc_usable_size(q));
		for (k = 0; k < HM_MIN(filled, steps[i].size); k++)
			if (q[k] != (unsigned char)(k % 251))
				break;
		KUNIT_EXPECT_TRUE_MSG(test, k == HM_MIN(filled, steps[i].size), "step %zu", i);
		for (k = 0; k < steps[i].size; k++)
			q[k] = (unsigned char)(k % 251);
		filled = steps[i].size;
		p = q;
	}
	hm_free(p);
	KUNIT_EXPECT_EQ(test, *errors, 0);
}

/*
 * aligned_alloc() and the rest take a medium class only for an alignment
 * its blocks have (512 bytes for hm-4608, 64 for hm-8128): a larger one
 * is a large object that starts at it.  valloc() of 5000 bytes is never a
 * block of 5376 (aligned to 256 only).
 */
static void hm_posix_medium_alignment(struct kunit *test)
{
	static const struct {
		size_t align, size;
		unsigned int cls_size;	/* 0: a large object */
	} cases[] = {
		{ 512, 4500, 4608 }, { 1024, 4500, 0 }, { 128, 4700, 4992 }, { 256, 4700, 0 },
		{ 256, 5000, 5376 }, { 512, 5000, 0 }, { 64, 8000, 8128 }, { 128, 8000, 0 },
		{ 64, 10816, 10816 }, { 4096, 5000, 0 }, { 32, 9000, 9280 },
	};
	long *errors = hm_test_count_errors(test);
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
	void *p;

	for (i = 0; i < HM_ARRAY_SIZE(cases); i++) {
		p = NULL;
		KUNIT_ASSERT_EQ(test, hm_posix_memalign(&p, cases[i].align, cases[i].size), 0);
		KUNIT_EXPECT_TRUE_MSG(test, (uintptr_t)p % cases[i].align == 0, "case %zu", i);
		KUNIT_EXPECT_TRUE_MSG(test, !hm_ptr_to_slab(p) == !cases[i].cls_size,
				      "case %zu: %p", i, p);
		KUNIT_EXPECT_TRUE_MSG(test, hm_malloc_usable_size(p) ==
				      (cases[i].cls_size ? cases[i].cls_size : cases[i].size),
				      "case %zu: usable %zu", i, hm_malloc_usable_size(p));
		memset(p, 1, cases[i].size);
		hm_free(p);
	}
	p = hm_valloc(5000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, (uintptr_t)p % page, 0);
	hm_free(p);
	p = hm_aligned_alloc(512, 100);		/* a small one: hm-512, as before */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 512);
	hm_free(p);
	KUNIT_EXPECT_EQ(test, *errors, 0);
}

/*
 * A medium block freed twice, or freed at an interior address, is refused
 * and reported as a block of its slab (a large object's second free was
 * reported too, as no slab's); a free list tells a double free with
 * checks on, as for any class (HAKMEM_MODE=freelist: turned on for it).
 */
static void hm_posix_medium_double_free(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	struct hm_slab *s;
	unsigned long seq;
	char *p, *q;

	p = hm_test_malloc_checked(test, 7000);
	q = hm_malloc(7000);			/* the slab stays: not emptied */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	s = hm_ptr_to_slab(p);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_STREQ(test, s->cache->name, "hm-7232");
	seq = hm_test_report_seq(test);
	hm_free(p + 64);			/* interior */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_INTERIOR);
		KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)s);
	}
	hm_free(p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	seq = hm_test_report_seq(test);
	hm_free(p);				/* freed already */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_DOUBLE_FREE);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
		KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)s);
	}
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 0);	/* dead */
	hm_free(q);
	KUNIT_EXPECT_EQ(test, hm_validate(s->cache), 0);
}

/* the bytes of the pages of [@p, @p + @len) in memory */
static size_t hm_posix_resident(struct kunit *test, const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = len / page, i, resident = 0;
	unsigned char vec[64];
	int rc;

	KUNIT_ASSERT_LE(test, n, sizeof(vec));
	rc = mincore((void *)p, n * page, vec);
	KUNIT_ASSERT_EQ(test, rc, 0);
	for (i = 0; i < n; i++)
		resident += vec[i] & 1;
	return resident * page;
}

/*
 * An object of 12 KiB is 3 pages in memory, not 4: its header is out of
 * line, the object at its chunk's start (it was 64 bytes in, and wrote a
 * fourth page); 64 KiB takes one granule.  realloc() across the sizes
 * where the header goes out of line and back keeps the contents.
 */
static void hm_posix_large_ool(struct kunit *test)
{
	static const size_t steps[] = {
		12224, 12288, 16384, 65536, 12288, 12225, 200000, 65536, 65472, 4000, 12288,
	};
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size = 0, n, i, j, bad = 0;
	char *p, *q, *g;

	hm_trim();
	p = hm_malloc(12288);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, (uintptr_t)p % HM_SLAB_SIZE, 0);
	memset(p, 0x11, 12288);
	if (page == 4096)
		KUNIT_EXPECT_EQ(test, hm_posix_resident(test, p, HM_SLAB_SIZE), 12288);
	q = hm_malloc(65536);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, (uintptr_t)q % HM_SLAB_SIZE, 0);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 65536);
	hm_free(q);
	hm_free(p);
	/*
	 * Not in a granule kept after a chunk registered there went back: a
	 * free's fast path may read its first word, the object's now, as a
	 * slab's key (hm_plat_chunk_alloc_fresh()).  A chunk of one granule
	 * takes the kept one first.
	 */
	p = hm_malloc(20000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	g = (char *)hm_ptr_slab(p);
	hm_free(p);
	hm_trim();
	hm_test_retire_barrier();
	q = hm_malloc(65536);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, g);
	hm_free(q);
	p = NULL;
	for (i = 0; i < HM_ARRAY_SIZE(steps); i++) {
		n = steps[i];
		q = hm_realloc(p, n);
		KUNIT_ASSERT_NOT_NULL(test, q);
		for (j = 0; j < HM_MIN(size, n); j++)
			bad += (unsigned char)q[j] != (unsigned char)(j * 13 + j / 4096);
		for (j = size; j < n; j++)
			q[j] = (char)(j * 13 + j / 4096);
		KUNIT_EXPECT_GE(test, hm_malloc_usable_size(q), n);
		p = q;
		size = n;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	hm_free(p);
}

static struct kunit_case hm_posix_cases[] = {
	KUNIT_CASE(hm_posix_calloc_recycled),
	KUNIT_CASE(hm_posix_realloc),
	KUNIT_CASE(hm_posix_large_ool),
	KUNIT_CASE(hm_posix_realloc_grows),
	KUNIT_CASE(hm_posix_realloc_moves_pages),
	KUNIT_CASE(hm_posix_realloc_interior),
	KUNIT_CASE(hm_posix_realloc_names_caller),
	KUNIT_CASE(hm_posix_track_names_caller),
	KUNIT_CASE(hm_posix_alignment),
	KUNIT_CASE(hm_posix_aligned_large),
	KUNIT_CASE(hm_posix_errno),
	KUNIT_CASE(hm_posix_more_than_memory),
	KUNIT_CASE(hm_posix_medium_classes),
	KUNIT_CASE(hm_posix_medium_footprint),
	KUNIT_CASE(hm_posix_medium_realloc),
	KUNIT_CASE(hm_posix_medium_alignment),
	KUNIT_CASE(hm_posix_medium_double_free),
	{}
};

struct kunit_suite hm_posix_suite = {
	.name = "hakmem_posix",
	.test_cases = hm_posix_cases,
};
