// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_slabmap.c - registering and unregistering chunks in the slab map.
 */
#include "hm_slabmap.h"

#define HM_SLABMAP_MID		HM_BIT(HM_SLABMAP_MID_BITS)
#define HM_SLABMAP_LEAF_LONGS	(HM_BIT(HM_SLABMAP_LEAF_BITS) / HM_BITS_PER_LONG)

struct hm_slabmap_top hm_slabmap[HM_SLABMAP_TOPS];
HM_DEFINE_LOCK(hm_slabmap_lock);	/* also taken around fork() in userspace */

#ifdef HM_PLAT_FLATMAP_BITS
struct hm_flatmap hm_flatmap;
static hm_atomic_t hm_flatmap_tried;

/*
 * Reserve the flat bitmap once, before the first chunk is registered, so
 * that no granule ever moves between bitmap and tree.  When the
 * reservation fails (an address-space limit) the limit stays 0 and every
 * granule is the tree's.
 */
static void hm_flatmap_setup(void)
{
	unsigned long flags;
	hm_atomic_t *bits;

	if (hm_atomic_read(&hm_flatmap_tried))
		return;
	hm_lock(&hm_slabmap_lock, flags);
	if (!hm_atomic_read(&hm_flatmap_tried)) {
		bits = hm_plat_map_reserve(HM_FLATMAP_GRANULES / 8);
		if (bits) {
			hm_flatmap.bits = bits;
			hm_atomic_set(&hm_flatmap.limit, HM_FLATMAP_GRANULES);
		}
		hm_atomic_set(&hm_flatmap_tried, 1);
	}
	hm_unlock(&hm_slabmap_lock, flags);
}

/* The word of the flat bitmap holding @a's granule, or NULL: the tree's. */
static hm_atomic_t *hm_flatmap_word(unsigned long a)
{
	unsigned long g = a >> HM_SLAB_SHIFT;

	if (g >= hm_atomic_read(&hm_flatmap.limit))
		return NULL;
	return &hm_flatmap.bits[g / HM_BITS_PER_LONG];
}

/*
 * Make the unit of the bitmap that holds @w writable, once: the first
 * chunk in each 32 GiB of address space pays one mprotect().
 */
static int hm_flatmap_commit(hm_atomic_t *w)
{
	unsigned long u = ((char *)w - (char *)hm_flatmap.bits) / HM_FLATMAP_UNIT;
	hm_atomic_t *cw = &hm_flatmap.committed[u / HM_BITS_PER_LONG];
	unsigned long bit = HM_BIT(u % HM_BITS_PER_LONG);
	unsigned long flags;
	int ret = 0;

	if (hm_atomic_read(cw) & bit)
		return 0;
	hm_lock(&hm_slabmap_lock, flags);
	if (!(hm_atomic_read(cw) & bit)) {
		ret = hm_plat_map_commit((char *)hm_flatmap.bits + u * HM_FLATMAP_UNIT,
					 HM_FLATMAP_UNIT);
		if (!ret)
			hm_atomic_fetch_or(cw, bit);
	}
	hm_unlock(&hm_slabmap_lock, flags);
	return ret;
}
#else
static void hm_flatmap_setup(void)
{
}

static hm_atomic_t *hm_flatmap_word(unsigned long a)
{
	return NULL;
}

static int hm_flatmap_commit(hm_atomic_t *w)
{
	return 0;
}
#endif

static struct hm_slabmap_top *hm_slabmap_top_get(unsigned long hi, hm_gfp_t gfp)
{
	struct hm_slabmap_top *t, *found = NULL;
	unsigned long flags;
	hm_atomic_t *mid;
	unsigned int i;

	for (i = 0; i < HM_SLABMAP_TOPS; i++)
		if (hm_atomic_read(&hm_slabmap[i].hi) == hi)
			return &hm_slabmap[i];

	mid = hm_plat_meta_alloc(HM_SLABMAP_MID * sizeof(*mid), gfp);
	if (!mid)
		return NULL;
	hm_lock(&hm_slabmap_lock, flags);
	for (i = 0; i < HM_SLABMAP_TOPS && !found; i++) {
		t = &hm_slabmap[i];
		if (hm_atomic_read(&t->hi) == hi) {
			found = t;
		} else if (!hm_atomic_read(&t->hi)) {
			t->mid = mid;
			mid = NULL;
			hm_atomic_set(&t->hi, hi);	/* publishes t->mid */
			found = t;
		}
	}
	hm_unlock(&hm_slabmap_lock, flags);
	if (mid)
		hm_plat_meta_free(mid, HM_SLABMAP_MID * sizeof(*mid));
	return found;
}

/**
 * hm_slabmap_prepare() - make sure @chunk can be registered without memory
 * @chunk: HM_SLAB_SIZE-aligned address
 * @gfp: how the levels may be allocated
 *
 * Return: 0, or -1 when a level could not be allocated or the flat
 * bitmap's unit could not be made writable (the commit limit).
 */
int hm_slabmap_prepare(const void *chunk, hm_gfp_t gfp)
{
	unsigned long a = (unsigned long)chunk;
	struct hm_slabmap_top *t;
	hm_atomic_t *slot, *leaf;
	unsigned long expected = 0;

	hm_flatmap_setup();
	leaf = hm_flatmap_word(a);
	if (leaf)	/* the flat bitmap needs no levels, only to be writable */
		return hm_flatmap_commit(leaf) ? -1 : 0;
	t = hm_slabmap_top_get((a >> 48) + 1, gfp);
	if (!t)
		return -1;
	slot = &t->mid[(a >> 32) & 0xffff];
	if (hm_atomic_read(slot))
		return 0;
	leaf = hm_plat_meta_alloc(HM_SLABMAP_LEAF_LONGS * sizeof(*leaf), gfp);
	if (!leaf)
		return -1;
	if (!hm_atomic_try_cmpxchg(slot, &expected, (unsigned long)leaf))
		hm_plat_meta_free(leaf, HM_SLABMAP_LEAF_LONGS * sizeof(*leaf));
	return 0;
}

/**
 * hm_slabmap_set() - register or unregister a prepared chunk
 * @chunk: HM_SLAB_SIZE-aligned address passed to hm_slabmap_prepare()
 * @on: true to register
 */
void hm_slabmap_set(const void *chunk, bool on)
{
	unsigned long a = (unsigned long)chunk;
	unsigned long bit = (a >> HM_SLAB_SHIFT) & 0xffff;
	unsigned long mask = 1UL << (bit % HM_BITS_PER_LONG);
	unsigned long hi = (a >> 48) + 1;
	hm_atomic_t *leaf = hm_flatmap_word(a);
	unsigned int i;

	if (leaf)
		bit %= HM_BITS_PER_LONG;	/* the flat word itself, same mask */
	for (i = 0; i < HM_SLABMAP_TOPS && !leaf; i++)
		if (hm_atomic_read(&hm_slabmap[i].hi) == hi)
			leaf = (hm_atomic_t *)
				hm_atomic_read(&hm_slabmap[i].mid[(a >> 32) & 0xffff]);
	if (!leaf)
		return;		/* not prepared: nothing was registered */
	if (on)
		hm_atomic_fetch_or(&leaf[bit / HM_BITS_PER_LONG], mask);
	else
		hm_atomic_fetch_and(&leaf[bit / HM_BITS_PER_LONG], ~mask);
}

/* Free every level; only when no chunk is registered any more. */
void hm_slabmap_exit(void)
{
	unsigned int i;
	unsigned long j;

	for (i = 0; i < HM_SLABMAP_TOPS; i++) {
		struct hm_slabmap_top *t = &hm_slabmap[i];

		if (!hm_atomic_read(&t->hi))
			continue;
		for (j = 0; j < HM_SLABMAP_MID; j++) {
			void *leaf = (void *)hm_atomic_read(&t->mid[j]);

			if (leaf)
				hm_plat_meta_free(leaf,
						  HM_SLABMAP_LEAF_LONGS * sizeof(hm_atomic_t));
		}
		hm_plat_meta_free(t->mid, HM_SLABMAP_MID * sizeof(hm_atomic_t));
		t->mid = NULL;
		hm_atomic_set(&t->hi, 0);
	}
}
