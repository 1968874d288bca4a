/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_slabmap.h - which HM_SLAB_SIZE granules of the address space are
 * chunks that hakmem handed out.
 *
 * Freeing a pointer must never dereference memory hakmem does not own, so
 * every free asks the map first: three dependent loads and a bit test, no
 * lock.  A radix tree over address bits: a short array for bits 48..63 (one
 * entry in practice: the user half, or the kernel's direct map), a 64 Ki
 * pointer table for bits 32..47, and 8 KiB leaf bitmaps for bits 16..31.
 * Levels are only ever added, never freed, so lock-free readers are safe.
 *
 * A platform that can reserve lazily backed memory (HM_PLAT_FLATMAP_BITS,
 * see hm_platform.h) gets a flat bitmap in front of the tree: one bit per
 * granule of the low HM_PLAT_FLATMAP_BITS bits of the address space, one
 * compare and one load.  It is set up by the first hm_slabmap_prepare(),
 * before any chunk is registered, and never changes after: granules below
 * hm_flatmap.limit live in the bitmap, all others (and all of them when
 * the reservation failed, limit 0) in the tree.  The reservation is
 * read-only; hm_slabmap_prepare() makes each HM_FLATMAP_UNIT of it
 * writable when its first chunk comes, so only those are committed memory.
 */
#ifndef HM_SLABMAP_H
#define HM_SLABMAP_H

#include "hm_types.h"

#define HM_SLABMAP_TOPS		4
#define HM_SLABMAP_MID_BITS	16
#define HM_SLABMAP_LEAF_BITS	16

struct hm_slabmap_top {
	hm_atomic_t hi;		/* address bits 48..63, + 1 (0 = unused) */
	hm_atomic_t *mid;	/* HM_SLABMAP_MID entries: leaf pointers */
};

extern struct hm_slabmap_top hm_slabmap[HM_SLABMAP_TOPS];

#ifdef HM_PLAT_FLATMAP_BITS
#define HM_FLATMAP_GRANULES	HM_BIT(HM_PLAT_FLATMAP_BITS - HM_SLAB_SHIFT)
/* bytes of the bitmap made writable at once: 32 GiB of address space */
#define HM_FLATMAP_UNIT		65536UL
#define HM_FLATMAP_UNITS	(HM_FLATMAP_GRANULES / 8 / HM_FLATMAP_UNIT)

struct hm_flatmap {
	hm_atomic_t limit;	/* granules covered: 0 or HM_FLATMAP_GRANULES */
	hm_atomic_t *bits;	/* one bit per granule, valid once limit is set */
	/* one bit per HM_FLATMAP_UNIT of bits[]: made writable */
	hm_atomic_t committed[HM_FLATMAP_UNITS / HM_BITS_PER_LONG];
};

extern struct hm_flatmap hm_flatmap;
#endif

/* writers of the map's levels; also taken around fork() in userspace */
extern hm_lock_t hm_slabmap_lock;

int hm_slabmap_prepare(const void *chunk, hm_gfp_t gfp);
void hm_slabmap_set(const void *chunk, bool on);
void hm_slabmap_exit(void);

/* hm_slabmap_test() in the radix tree */
static __always_inline bool hm_slabmap_tree_test(const void *p)
{
	unsigned long a = (unsigned long)p;
	unsigned long hi = (a >> 48) + 1;
	const struct hm_slabmap_top *t = &hm_slabmap[0];
	const hm_atomic_t *leaf;
	unsigned long bit;

	if (unlikely(hm_atomic_read(&t->hi) != hi)) {
		unsigned int i;

		for (i = 1; i < HM_SLABMAP_TOPS; i++)
			if (hm_atomic_read(&hm_slabmap[i].hi) == hi)
				break;
		if (i == HM_SLABMAP_TOPS)
			return false;
		t = &hm_slabmap[i];
	}
	leaf = (const hm_atomic_t *)hm_atomic_read(&t->mid[(a >> 32) & 0xffff]);
	if (unlikely(!leaf))
		return false;
	bit = (a >> HM_SLAB_SHIFT) & 0xffff;
	return (hm_atomic_read(&leaf[bit / HM_BITS_PER_LONG]) >> (bit % HM_BITS_PER_LONG)) & 1;
}

/**
 * hm_slabmap_test() - is @p inside a chunk hakmem owns?
 * @p: any pointer value
 *
 * Return: true when the HM_SLAB_SIZE granule holding @p is registered.
 */
static __always_inline bool hm_slabmap_test(const void *p)
{
#ifdef HM_PLAT_FLATMAP_BITS
	unsigned long g = (unsigned long)p >> HM_SLAB_SHIFT;

	/* acquire: the bitmap is published before the limit */
	if (likely(g < hm_atomic_read(&hm_flatmap.limit))) {
		const hm_atomic_t *bits = hm_flatmap.bits;

		return hm_atomic_read(&bits[g / HM_BITS_PER_LONG]) &
		       HM_BIT(g % HM_BITS_PER_LONG);
	}
#endif
	return hm_slabmap_tree_test(p);
}

#endif /* HM_SLABMAP_H */
