// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_large.c - objects larger than the biggest class, and every free that
 * is not a block of a live slab.
 *
 * A large object gets chunks of its own, HM_SLAB_SIZE aligned, with a
 * header in the first HM_LARGE_HDR bytes and the object right after, so
 * the slab map and one header read route its free like any slab's.
 *
 * Freed chunks up to HM_LARGE_KEEP_MAX bytes are kept, HM_LARGE_KEEP of
 * them and HM_LARGE_KEEP_BYTES in all, still registered in the slab map
 * with the magic HM_MAGIC_LARGE_FREE: the next large allocation of the same
 * size takes one back without a trip to the page allocator (mmap/munmap
 * in userspace cost microseconds: programs that allocate a few kilobytes
 * at a time ran several times slower than on glibc), and a second free of
 * a kept chunk is reported as the double free it is.  hm_large_trim()
 * gives them all back (trim, the shrinker, exit).
 */
#include "hm_cache.h"

#define HM_LARGE_KEEP		64
#define HM_LARGE_KEEP_MAX	(16 * HM_SLAB_SIZE)	/* 1 MiB */
#define HM_LARGE_KEEP_BYTES	(256 * HM_SLAB_SIZE)	/* 16 MiB */

struct hm_large {
	u32 magic;		/* HM_MAGIC_LARGE, or _LARGE_FREE while kept */
	u32 pad;
	size_t size;		/* bytes of chunk memory */
	size_t user;		/* bytes asked for */
};

/*
 * The kept chunks, under hm_large_lock (also every large free's state
 * change); hm_large_nkept is read without it too, as a hint.
 */
static struct hm_large *hm_large_keep[HM_LARGE_KEEP];
static unsigned int hm_large_nkept;
static size_t hm_large_kept_bytes;
static HM_DEFINE_LOCK(hm_large_lock);

/* A kept chunk of exactly @bytes, taken out of the cache, or NULL. */
static struct hm_large *hm_large_take(size_t bytes)
{
	struct hm_large *h = NULL;
	unsigned long flags;
	unsigned int i;

	if (!HM_READ_ONCE(hm_large_nkept))
		return NULL;
	hm_lock(&hm_large_lock, flags);
	for (i = 0; i < hm_large_nkept; i++) {
		if (hm_large_keep[i]->size != bytes)
			continue;
		h = hm_large_keep[i];
		hm_plat_mark_alloc((char *)h + HM_LARGE_HDR, bytes - HM_LARGE_HDR);
		hm_large_keep[i] = hm_large_keep[hm_large_nkept - 1];
		HM_WRITE_ONCE(hm_large_nkept, hm_large_nkept - 1);
		hm_large_kept_bytes -= bytes;
		h->magic = HM_MAGIC_LARGE;
		break;
	}
	hm_unlock(&hm_large_lock, flags);
	return h;
}

/* How many freed large chunks are kept for reuse. */
unsigned long hm_large_kept(void)
{
	return HM_READ_ONCE(hm_large_nkept);
}

/**
 * hm_large_trim() - give every kept large chunk back to the platform
 *
 * Return: the number of chunks given back.
 */
unsigned long hm_large_trim(void)
{
	struct hm_large *h;
	unsigned long flags, n = 0;

	for (;;) {
		hm_lock(&hm_large_lock, flags);
		h = hm_large_nkept ? hm_large_keep[hm_large_nkept - 1] : NULL;
		if (h) {
			HM_WRITE_ONCE(hm_large_nkept, hm_large_nkept - 1);
			hm_large_kept_bytes -= h->size;
			hm_slabmap_set(h, false);
			h->magic = 0;
		}
		hm_unlock(&hm_large_lock, flags);
		if (!h)
			return n;
		hm_plat_mark_alloc(h, h->size);	/* the next user of the range */
		hm_plat_chunk_free(h, h->size);
		n++;
	}
}

/**
 * hm_large_alloc() - allocate an object of any size from its own chunk
 * @size: bytes
 * @gfp: allocation flags
 *
 * Return: the object, aligned to HM_LARGE_HDR, or NULL (size too large
 * for the address space is reported as HM_ERR_BAD_SIZE).
 */
void *hm_large_alloc(size_t size, hm_gfp_t gfp)
{
	struct hm_large *h;
	size_t bytes;

	if (size > ((size_t)-1 >> 1) - HM_SLAB_SIZE) {
		hm_report(NULL, HM_ERR_BAD_SIZE, (void *)size, HM_RET_IP);
		return NULL;
	}
	bytes = HM_ALIGN_UP(size + HM_LARGE_HDR, HM_SLAB_SIZE);
	h = hm_large_take(bytes);
	if (h) {
		h->user = size;
		return (char *)h + HM_LARGE_HDR;
	}
	h = hm_plat_chunk_alloc(bytes, gfp);
	if (!h)
		return NULL;
	/* a kept chunk once at this address left it marked free */
	hm_plat_mark_alloc((char *)h + HM_LARGE_HDR, bytes - HM_LARGE_HDR);
	if (hm_slabmap_prepare(h, gfp)) {
		hm_plat_chunk_free(h, bytes);
		return NULL;
	}
	h->magic = HM_MAGIC_LARGE;
	h->size = bytes;
	h->user = size;
	hm_slabmap_set(h, true);
	return (char *)h + HM_LARGE_HDR;
}

/* Free the large object @p of chunk @h: keep the chunk, or give it back. */
static void hm_large_free(struct hm_large *h, void *p, unsigned long ip)
{
	unsigned long flags;
	bool keep;

	hm_lock(&hm_large_lock, flags);
	if (h->magic != HM_MAGIC_LARGE) {	/* a racing second free */
		hm_unlock(&hm_large_lock, flags);
		hm_report(NULL, HM_ERR_DOUBLE_FREE, p, ip);
		return;
	}
	keep = h->size <= HM_LARGE_KEEP_MAX && hm_large_nkept < HM_LARGE_KEEP &&
	       hm_large_kept_bytes + h->size <= HM_LARGE_KEEP_BYTES;
	if (keep) {
		/* a use after free of the object stays visible to the sanitizers */
		hm_plat_mark_free(p, h->size - HM_LARGE_HDR);
		h->magic = HM_MAGIC_LARGE_FREE;
		hm_large_keep[hm_large_nkept] = h;
		HM_WRITE_ONCE(hm_large_nkept, hm_large_nkept + 1);
		hm_large_kept_bytes += h->size;
	} else {
		hm_slabmap_set(h, false);
		h->magic = 0;
	}
	hm_unlock(&hm_large_lock, flags);
	if (!keep)
		hm_plat_chunk_free(h, h->size);
}

/**
 * hm_free_other() - free what hm_ptr_to_slab() did not recognise
 * @p: a non-NULL pointer
 * @ip: caller, for reports
 *
 * Large objects are freed; pointers into slabs of destroyed caches and
 * pointers hakmem never handed out are refused and reported.
 */
void hm_free_other(void *p, unsigned long ip)
{
	struct hm_large *h = (struct hm_large *)hm_ptr_slab(p);

	if (!hm_slabmap_test(p)) {
		hm_report(NULL, HM_ERR_FOREIGN, p, ip);
		return;
	}
	if (h->magic == HM_MAGIC_LARGE) {
		if (p != (char *)h + HM_LARGE_HDR) {
			hm_report(NULL, HM_ERR_INTERIOR, p, ip);
			return;
		}
		hm_large_free(h, p, ip);
		return;
	}
	if (h->magic == HM_MAGIC_LARGE_FREE) {
		hm_report(NULL, HM_ERR_DOUBLE_FREE, p, ip);
		return;
	}
	if (h->magic == HM_MAGIC_ORPHAN) {
		hm_report(NULL, HM_ERR_DESTROYED, p, ip);
		return;
	}
	hm_report(NULL, HM_ERR_FOREIGN, p, ip);
}

/* Usable size of any object hakmem handed out, 0 if unknown. */
size_t hm_core_usable_size(const void *p)
{
	struct hm_slab *s = hm_ptr_to_slab(p);

	if (s)
		return s->cache->size;
	if (hm_slabmap_test(p) && ((struct hm_large *)hm_ptr_slab(p))->magic == HM_MAGIC_LARGE)
		return ((struct hm_large *)hm_ptr_slab(p))->user;
	return 0;
}

/**
 * hm_free_other_cache() - hm_free_other() for a free to cache @c
 * @c: the cache the caller names
 * @p: a non-NULL pointer that is not a block of a live slab
 * @ip: caller, for reports
 *
 * A large object belongs to no cache: freeing one to @c is refused.
 */
void hm_free_other_cache(struct hm_cache *c, void *p, unsigned long ip)
{
	if (hm_slabmap_test(p) &&
	    ((struct hm_large *)hm_ptr_slab(p))->magic == HM_MAGIC_LARGE) {
		hm_report(c, HM_ERR_WRONG_CACHE, p, ip);
		return;
	}
	hm_free_other(p, ip);
}
