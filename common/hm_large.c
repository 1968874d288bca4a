// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_large.c - objects larger than the biggest class, and every free that
 * is not a block of a live slab.
 *
 * A large object gets chunks of its own, HM_SLAB_SIZE aligned, with a
 * header in the first HM_LARGE_HDR bytes and the object right after, so
 * the slab map and one header read route its free like any slab's.
 */
#include "hm_cache.h"

struct hm_large {
	u32 magic;		/* HM_MAGIC_LARGE */
	u32 pad;
	size_t size;		/* bytes of chunk memory */
	size_t user;		/* bytes asked for */
};

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
	h = hm_plat_chunk_alloc(bytes, gfp);
	if (!h)
		return NULL;
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
		hm_slabmap_set(h, false);
		h->magic = 0;
		hm_plat_chunk_free(h, h->size);
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
