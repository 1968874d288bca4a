// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_posix.c - the rest of the C and POSIX allocation calls over
 * hm_malloc(): calloc, realloc, reallocarray, the aligned family.
 *
 * Alignment: a built-in class's blocks up to 4 KiB are aligned to their
 * size (the classes are created with align == size, and a slab's first
 * block is rounded up to it), so a small aligned request is a plain
 * hm_malloc() of max(size, align); up to 4 KiB, one of two caches of 2 and
 * 4 KiB blocks so aligned.  The medium classes past 4 KiB (4608 to 10816
 * bytes) are aligned to less than their size, 512 to 64 bytes
 * (hm_user_class_align()): such a request goes to one only when that
 * alignment is enough.  Larger alignments get a large object that starts
 * at its alignment (hm_large_alloc_aligned()).
 *
 * Sizes no allocation can satisfy fail with ENOMEM and no report, as
 * glibc's do: programs probe with them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "hakmem.h"
#include "hm_cache.h"
#include "hm_user.h"

/*
 * No request above this can be met: glibc's limit, less two granules of
 * headroom for a large object's header and rounding, or the address
 * space's (HM_LARGE_MAX), which hm_malloc() would report.  Here, as in
 * glibc, it is ENOMEM and no report.
 */
#define HM_USER_MAX_ALLOC	HM_MIN((size_t)PTRDIFF_MAX - (2UL << 16), (size_t)HM_LARGE_MAX)

static inline bool hm_pow2(size_t a)
{
	return a && !(a & (a - 1));
}

static inline void *hm_enomem(void *p)
{
	if (!p)
		errno = ENOMEM;
	return p;
}

/*
 * hm_malloc(), with ENOMEM and no report for what cannot fit the address
 * space.  A tail call: hm_malloc()'s caller, which tracking records as the
 * call site, stays the program's (the preload library's malloc()).
 */
void *hm_user_malloc(size_t size)
{
	if (unlikely(size > HM_USER_MAX_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return hm_malloc(size);		/* sets ENOMEM when it fails */
}

/* The same for the call site @ip: the program's call of an entry point here. */
static void *hm_user_malloc_at(size_t size, unsigned long ip)
{
	if (unlikely(size > HM_USER_MAX_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return hm_user_malloc_ip(size, ip);
}

void *hm_calloc(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (!hm_user_array(n, size, &bytes))
		return NULL;
	if (bytes > HM_USER_MAX_ALLOC) {
		errno = ENOMEM;
		return NULL;
	}
	/* a fresh large chunk is zero already: only a reused one is cleared */
	if (bytes > HM_USER_MAX_CLASS) {
		hm_user_init();
		return hm_enomem(hm_large_alloc_aligned(bytes, HM_LARGE_HDR, true,
							HM_GFP_DEFAULT));
	}
	p = hm_user_malloc_ip(bytes, HM_RET_IP);
	if (likely(p))
		memset(p, 0, bytes);	/* what was asked for, not the block */
	return hm_enomem(p);
}

/*
 * In place: a large object while it fills more than half its chunk
 * (hm_large_resize()), a block of a slab while the size is more than half
 * the block (a shrink to much less moves to a smaller class).  A large
 * object that grows moves to a chunk with half its new size again as
 * room (hm_large_alloc_room()): growth by steps is amortised, a move per
 * 1.5 times the size, not one per granule.  A large one of a megabyte or
 * more moves with its pages, not copied (hm_large_move(): mremap()).
 */
static void *hm_realloc_ip(void *ptr, size_t size, unsigned long ip)
{
	size_t old;
	bool large;
	void *p;

	if (!ptr)
		return hm_user_malloc_at(size, ip);
	if (!size) {			/* glibc: free, and NULL */
		hm_user_free(ptr, ip);
		return NULL;
	}
	if (size > HM_USER_MAX_ALLOC) {
		errno = ENOMEM;
		return NULL;
	}
	old = hm_user_usable_size(ptr, ip, false);
	if (!old) {
		/* not a live object: a free refuses it with the right report */
		hm_user_free(ptr, ip);
		errno = EINVAL;
		return NULL;
	}
	large = !hm_ptr_to_slab(ptr);
	if (!large) {
		if (size <= old && (size > old / 2 || old <= HM_MIN_OBJ_SIZE))
			return ptr;
	} else if (hm_large_resize(ptr, size)) {
		return ptr;
	}
	if (size > old && size > HM_USER_MAX_CLASS) {
		hm_user_init();
		p = large ? hm_large_move(ptr, size, size + size / 2, HM_GFP_DEFAULT) : NULL;
		if (p)
			return p;
		p = hm_enomem(hm_large_alloc_room(size, size + size / 2, HM_GFP_DEFAULT));
	} else {
		p = hm_user_malloc_at(size, ip);
	}
	if (!p)
		return NULL;		/* @ptr is untouched */
	memcpy(p, ptr, HM_MIN(old, size));
	hm_user_free(ptr, ip);		/* its record's free site: the program's too */
	return p;
}

void *hm_realloc(void *ptr, size_t size)
{
	return hm_realloc_ip(ptr, size, HM_RET_IP);
}

void *hm_reallocarray(void *ptr, size_t n, size_t size)
{
	size_t bytes;

	return hm_user_array(n, size, &bytes) ? hm_realloc_ip(ptr, bytes, HM_RET_IP) : NULL;
}

/* @align a power of two; @ip: the program's call site */
static void *hm_aligned(size_t align, size_t size, unsigned long ip)
{
	if (size > HM_USER_MAX_ALLOC || align > HM_USER_MAX_ALLOC - size) {
		errno = ENOMEM;
		return NULL;
	}
	if (align <= HM_MIN_OBJ_SIZE)
		return hm_user_malloc_at(size, ip);
	/*
	 * the class of max(size, align): up to 4 KiB aligned to its size, >=
	 * align; past it, to what hm_user_class_align() says
	 */
	if (size <= HM_USER_MAX_CLASS && align <= HM_USER_MAX_CLASS &&
	    hm_user_class_align(hm_user_size_class(HM_MAX(size, align))) >= align)
		return hm_enomem(hm_user_malloc_ip(HM_MAX(size, align), ip));
	/* size 0 too gets an object of its own, told apart from a foreign one */
	hm_user_init();
	return hm_enomem(hm_large_alloc_aligned(size ? size : 1, align, false,
						HM_GFP_DEFAULT));
}

void *hm_aligned_alloc(size_t align, size_t size)
{
	if (!hm_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return hm_aligned(align, size, HM_RET_IP);
}

int hm_posix_memalign(void **memptr, size_t align, size_t size)
{
	int saved = errno;
	void *p;

	/* no place for the pointer: refused before anything is allocated */
	if (!memptr || !hm_pow2(align) || align % sizeof(void *))
		return EINVAL;
	p = hm_aligned(align, size, HM_RET_IP);
	errno = saved;			/* POSIX: the result says it, not errno */
	if (!p)
		return ENOMEM;
	*memptr = p;
	return 0;
}

/* glibc's memalign: an alignment that is no power of two is rounded up */
void *hm_memalign(size_t align, size_t size)
{
	size_t a = HM_MIN_OBJ_SIZE;

	if (align > (SIZE_MAX >> 1) + 1) {
		errno = EINVAL;
		return NULL;
	}
	while (a < align)
		a <<= 1;
	return hm_aligned(a, size, HM_RET_IP);
}

static size_t hm_page_size(void)
{
	static size_t page;

	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

void *hm_valloc(size_t size)
{
	return hm_aligned(hm_page_size(), size, HM_RET_IP);
}

/* valloc() of the size rounded up to whole pages (0: one page) */
void *hm_pvalloc(size_t size)
{
	size_t page = hm_page_size();

	if (size > HM_USER_MAX_ALLOC) {
		errno = ENOMEM;
		return NULL;
	}
	return hm_aligned(page, size ? HM_ALIGN_UP(size, page) : page, HM_RET_IP);
}
