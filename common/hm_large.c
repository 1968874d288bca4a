// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_large.c - objects larger than the biggest class, and every free that
 * is not a block of a live slab.
 *
 * A large object gets chunks of its own, HM_SLAB_SIZE aligned, with a
 * header in the first HM_LARGE_HDR bytes and the object right after, so
 * the slab map and one header read route its free like any slab's.
 *
 * Over-aligned objects (hm_large_alloc_aligned()) start further in: at
 * their alignment, inside the header's granule, below HM_SLAB_SIZE; at or
 * above it they start a granule of their own, which is not registered,
 * and their header fills the whole granule before them.  No other object
 * starts a granule (slab blocks follow the slab header) but those whose
 * header is out of line (below).  Only a chunk's header granule is
 * registered: a pointer in no registered granule looks back to the
 * nearest registered one, as far as a chunk reaches (hm_large_of()), whose
 * header tells whether its chunk holds the pointer (an aligned object, or
 * an interior pointer).
 *
 * An object whose header in its chunk would cost memory the object alone
 * does not (hm_large_plan()) starts its chunk, with its header out of line,
 * in the platform's metadata: a page more where chunks are backed as they
 * are touched (userspace: an object of 12 KiB took 4 pages, 3 now; one of
 * 64 KiB a second granule too), a larger block of the page allocator in
 * the kernel (64 KiB took 128 KiB, 1 MiB took 2 MiB), or a chunk larger
 * than the platform's largest (HM_PLAT_CHUNK_MAX: the kernel's page
 * allocator's largest block, which kmalloc() fills with an object of
 * KMALLOC_MAX_SIZE).  Such a chunk is not in the slab map, where a
 * registered granule starts with a header: a map of pointers by granule
 * (hm_oolmap), read where the slab map finds nothing, holds its header at
 * its first granule (hm_large_of()).  Kept as other chunks are, but only
 * for objects whose header is out of line too.
 *
 * Freed chunks up to HM_LARGE_KEEP_MAX bytes are kept, HM_LARGE_KEEP of
 * them and HM_LARGE_KEEP_BYTES in all, still registered in the slab map
 * with the magic HM_MAGIC_LARGE_FREE: the next large allocation that needs
 * half the chunk or more takes one back without a trip to the page
 * allocator (mmap/munmap in userspace cost microseconds: programs that
 * allocate a few kilobytes at a time ran several times slower than on
 * glibc), and a second free of a kept chunk is reported as the double
 * free it is.  hm_large_trim()
 * gives them all back (trim, the shrinker, exit).  A second free of an
 * object whose chunk went back is still called a double free while its
 * address is among the last HM_LARGE_GONE given back (hm_large_gone[]);
 * one of the object a kept chunk held before it was taken back at another
 * offset, while it is that chunk's last (struct hm_large's prev).
 */
#include "hm_cache.h"

/* kept with their pages: reused at once, no fault */
#define HM_LARGE_RESIDENT	64
#define HM_LARGE_RESIDENT_MAX	(16 * HM_SLAB_SIZE)	/* 1 MiB */
#define HM_LARGE_RESIDENT_BYTES	(256 * HM_SLAB_SIZE)	/* 16 MiB */

#ifdef HM_PLAT_CHUNK_DECOMMIT
/*
 * Where the platform can give a kept chunk's pages back and keep its
 * address range (userspace), many more are kept, the rest decommitted:
 * they cost address space and the header's page, not their memory.  A
 * chunk given back instead leaves its first granule mapped for good (a
 * stale pointer must find memory there), a mapping of its own: a program
 * whose large sizes vary, in several threads, otherwise reached
 * vm.max_map_count (65 530 mappings: four threads, 16 objects each of
 * 5 KB to 3 MiB, 800 000 frees), and mapped and unmapped at nearly every
 * allocation.
 */
#define HM_LARGE_DECOMMIT	1
#define HM_LARGE_KEEP		1024
#define HM_LARGE_KEEP_MAX	(1024 * HM_SLAB_SIZE)	/* 64 MiB */
#define HM_LARGE_KEEP_BYTES	(16384 * HM_SLAB_SIZE)	/* 1 GiB */
#else
#define HM_LARGE_DECOMMIT	0
#define hm_plat_chunk_decommit(p, size)	((void)(p), (size_t)(size))
#define HM_LARGE_KEEP		HM_LARGE_RESIDENT
#define HM_LARGE_KEEP_MAX	HM_LARGE_RESIDENT_MAX
#define HM_LARGE_KEEP_BYTES	HM_LARGE_RESIDENT_BYTES
#endif

/*
 * The smallest chunk hm_large_move() moves: below it a copy costs no more
 * than the mappings a move makes and gives back, and a copy may take a
 * kept chunk, where a move always maps a new one
 */
#define HM_LARGE_MOVE_MIN	(16 * HM_SLAB_SIZE)	/* 1 MiB */

/* within HM_LARGE_HDR bytes (56 on 64-bit), before the object */
struct hm_large {
	u32 magic;		/* HM_MAGIC_LARGE, or _LARGE_FREE while kept */
	u32 off;		/* the object starts this far after the header */
	bool resident;		/* kept with its pages (else decommitted, but for its head) */
	bool ool;		/* the header is out of line (hm_oolmap), the object at base */
	/* taken back kept at another offset: its old object's off (no object), else 0 */
	u32 prev;
	/*
	 * The write extent: bytes from the header on that objects may have
	 * written (their ends, at most) since the chunk was mapped or its
	 * pages given back; zeroes, or pages never touched, past it (all of
	 * a fresh chunk where the platform's are not zeroed)
	 */
	size_t dirty;		/* from hm_large_org() */
	size_t size;		/* bytes of chunk memory, from base */
	size_t user;		/* bytes asked for */
	/* the chunk: the header itself, unless aligned to HM_SLAB_SIZE or more (never kept) */
	void *base;
	/* given back: a stale pointer's reader may still have it (hm_large_give()) */
	hm_plat_retire_t retire;
};

static_assert(sizeof(struct hm_large) <= HM_LARGE_HDR, "the header before the object");

/*
 * Where @h's off, prev and dirty count from: the header in its chunk, or
 * the chunk's start for a header out of line (whose object starts there)
 */
static char *hm_large_org(const struct hm_large *h)
{
	return h->ool ? (char *)h->base : (char *)h;
}

/* the bytes @h's chunk has before its object's origin: its header, if inline */
static size_t hm_large_hdr(const struct hm_large *h)
{
	return h->ool ? 0 : HM_LARGE_HDR;
}

/* the bytes of @h's chunk written past its object: 0 but for a chunk reused or shrunk */
static size_t hm_large_past(const struct hm_large *h)
{
	size_t end = (size_t)h->off + h->user;

	return h->dirty > end ? h->dirty - end : 0;
}

#if HM_LARGE_DECOMMIT
/*
 * Pages past a live object that an object before it wrote: a kept chunk
 * taken back for a smaller object (4 KiB to 64 KiB share one chunk size,
 * and a chunk is taken by objects down to half its size), an object
 * shrunk in place.  Up to HM_LARGE_SLACK_BYTES of them, in all live
 * objects, stay, so that a program whose large sizes vary does not fault
 * in again what it just wrote; beyond that they go back (a program that
 * wrote 64 objects of 60 KB and freed them, then kept 5 KB ones, had 64
 * KiB resident for each of them: 386 MB for 31 MB live, glibc 33 MB).
 * No lock: an object keeps its pages only if the sum its own atomic add
 * made is within the bound, and one whose add went over gives all of
 * them back before it takes them off the sum, so what is kept never
 * exceeds the bound while threads race (but for the bytes to each
 * object's next page boundary and locked pages); a race only makes a
 * thread that sees another's pages on their way back give back its own.
 */
#define HM_LARGE_SLACK_BYTES	(256 * HM_SLAB_SIZE)	/* 16 MiB */
static hm_atomic_t hm_large_slack = HM_ATOMIC_INIT(0);

/*
 * @h's object, live and the caller's alone, has its new end (off, user),
 * and was hm_large_past() @was bytes ago: its write extent reaches that
 * end, and pages past it beyond the bound go back.
 */
static void hm_large_settle(struct hm_large *h, size_t was)
{
	size_t end = (size_t)h->off + h->user, past, head;

	h->dirty = HM_MAX(h->dirty, end);
	past = hm_large_past(h);
	if (hm_atomic_fetch_add(&hm_large_slack, (unsigned long)(past - was)) + past - was <=
	    HM_LARGE_SLACK_BYTES || !past)
		return;
	/* pages that stayed (locked) keep the extent, and count */
	head = hm_plat_chunk_decommit(hm_large_org(h) + end, past);
	if (head >= past)
		return;
	h->dirty = end + head;
	hm_atomic_fetch_add(&hm_large_slack, (unsigned long)(head - past));
}

/* @h's object is freed: the pages past it count no longer */
static void hm_large_unsettle(const struct hm_large *h)
{
	hm_atomic_fetch_add(&hm_large_slack, -(unsigned long)hm_large_past(h));
}
#else
/* the kernel's chunks keep every page while they are allocated */
static void hm_large_settle(struct hm_large *h, size_t was)
{
	h->dirty = HM_MAX(h->dirty, (size_t)h->off + h->user);
}

static void hm_large_unsettle(const struct hm_large *h)
{
}
#endif

/*
 * The headers out of line, by the first granule of their chunks: a radix
 * tree of pointers as the slab map's (hm_slabmap.h), address bits 48..63
 * matched in a few tops, 36..47, 28..35 and 16..27 indexing levels of 32
 * KiB, 2 KiB and 32 KiB (the leaves: 256 MiB of address space each).
 * Levels are only added (their pointers set by a compare and exchange,
 * once), freed at exit; readers take no lock.  Entries are set and
 * cleared under hm_large_lock; a header is freed after the readers that
 * may have found it (hm_large_give()).
 */
#define HM_OOLMAP_TOPS		4
#define HM_OOLMAP_L1_SHIFT	36
#define HM_OOLMAP_L1		HM_BIT(12)
#define HM_OOLMAP_L2_SHIFT	28
#define HM_OOLMAP_L2		HM_BIT(8)
#define HM_OOLMAP_L3		HM_BIT(12)

static struct {
	hm_atomic_t hi;		/* address bits 48..63, + 1 (0 = unused) */
	hm_atomic_t l1;		/* HM_OOLMAP_L1 entries, each a level of HM_OOLMAP_L2 */
} hm_oolmap[HM_OOLMAP_TOPS];
static unsigned long hm_large_nool;	/* headers out of line: a hint read without the lock */

/*
 * The level @slot points to, of @n entries, made when @gfp allows (!@make:
 * a reader, which makes nothing); NULL when there is none
 */
static hm_atomic_t *hm_oolmap_level(hm_atomic_t *slot, unsigned long n, bool make,
				    hm_gfp_t gfp)
{
	hm_atomic_t *l = (hm_atomic_t *)hm_atomic_read(slot);
	unsigned long expected = 0;

	if (l || !make)
		return l;
	l = hm_plat_meta_alloc(n * sizeof(*l), gfp);
	if (!l)
		return NULL;
	if (!hm_atomic_try_cmpxchg(slot, &expected, (unsigned long)l)) {
		hm_plat_meta_free(l, n * sizeof(*l));
		l = (hm_atomic_t *)expected;
	}
	return l;
}

/*
 * The entry of the granule at @a; NULL where a level is missing and not
 * @make, or could not be made
 */
static hm_atomic_t *hm_oolmap_slot(uintptr_t a, bool make, hm_gfp_t gfp)
{
	unsigned long hi = (unsigned long)(a >> 48) + 1, t;
	hm_atomic_t *l;
	unsigned int i;

	for (i = 0; i < HM_OOLMAP_TOPS; i++) {
		t = hm_atomic_read(&hm_oolmap[i].hi);
		if (t == hi || (!t && make &&
				(hm_atomic_try_cmpxchg(&hm_oolmap[i].hi, &t, hi) || t == hi)))
			break;
	}
	if (i == HM_OOLMAP_TOPS)
		return NULL;
	l = hm_oolmap_level(&hm_oolmap[i].l1, HM_OOLMAP_L1, make, gfp);
	if (l)
		l = hm_oolmap_level(&l[(a >> HM_OOLMAP_L1_SHIFT) % HM_OOLMAP_L1],
				    HM_OOLMAP_L2, make, gfp);
	if (l)
		l = hm_oolmap_level(&l[(a >> HM_OOLMAP_L2_SHIFT) % HM_OOLMAP_L2],
				    HM_OOLMAP_L3, make, gfp);
	return l ? &l[(a >> HM_SLAB_SHIFT) % HM_OOLMAP_L3] : NULL;
}

/*
 * The header out of line of the chunk starting at the granule @g, or NULL:
 * hm_oolmap_slot() for a reader, unrolled (a free of such an object)
 */
static __always_inline struct hm_large *hm_oolmap_get(uintptr_t g)
{
	unsigned long hi = (unsigned long)(g >> 48) + 1;
	const hm_atomic_t *l;
	unsigned int i = 0;

	while (hm_atomic_read(&hm_oolmap[i].hi) != hi)
		if (++i == HM_OOLMAP_TOPS)
			return NULL;
	l = (const hm_atomic_t *)hm_atomic_read(&hm_oolmap[i].l1);
	if (likely(l))
		l = (const hm_atomic_t *)hm_atomic_read(&l[(g >> HM_OOLMAP_L1_SHIFT) %
							  HM_OOLMAP_L1]);
	if (likely(l))
		l = (const hm_atomic_t *)hm_atomic_read(&l[(g >> HM_OOLMAP_L2_SHIFT) %
							  HM_OOLMAP_L2]);
	/* an acquire: the header was written before its entry */
	return likely(l) ? (struct hm_large *)hm_atomic_read(&l[(g >> HM_SLAB_SHIFT) %
								HM_OOLMAP_L3]) : NULL;
}

/**
 * hm_large_exit() - free the map of headers out of line
 *
 * Only when no large object is live or kept (after hm_large_trim()) and
 * what went back has been given back.
 */
void hm_large_exit(void)
{
	hm_atomic_t *l1, *l2;
	unsigned int i, j, k;

	for (i = 0; i < HM_OOLMAP_TOPS; i++) {
		l1 = (hm_atomic_t *)hm_atomic_read(&hm_oolmap[i].l1);
		for (j = 0; l1 && j < HM_OOLMAP_L1; j++) {
			l2 = (hm_atomic_t *)hm_atomic_read(&l1[j]);
			for (k = 0; l2 && k < HM_OOLMAP_L2; k++)
				if (hm_atomic_read(&l2[k]))
					hm_plat_meta_free((void *)hm_atomic_read(&l2[k]),
							  HM_OOLMAP_L3 * sizeof(hm_atomic_t));
			if (l2)
				hm_plat_meta_free(l2, HM_OOLMAP_L2 * sizeof(hm_atomic_t));
		}
		if (l1)
			hm_plat_meta_free(l1, HM_OOLMAP_L1 * sizeof(hm_atomic_t));
		hm_atomic_set(&hm_oolmap[i].l1, 0);
		hm_atomic_set(&hm_oolmap[i].hi, 0);
	}
}

/* the object of @h: where its header's chunk starts, for one out of line */
static void *hm_large_obj(const struct hm_large *h)
{
	/* a kept chunk's off changes as it is taken (hm_large_take()) */
	return h->ool ? h->base : (char *)h + HM_READ_ONCE(h->off);
}

static void hm_large_retired(hm_plat_retire_t *r)
{
	struct hm_large *h = (struct hm_large *)((char *)r - offsetof(struct hm_large, retire));
	bool ool = h->ool;	/* else the header is the chunk's */

	if (ool) {
		hm_plat_chunk_free_fresh(h->base, h->size);
		hm_plat_meta_free(h, sizeof(*h));
	} else {
		hm_plat_chunk_free(h->base, h->size);
	}
}

/* the first granule of @r's chunk, whose other pages moved (hm_large_move()) */
static void hm_large_retired_head(hm_plat_retire_t *r)
{
	hm_plat_chunk_free((char *)r - offsetof(struct hm_large, retire), HM_SLAB_SIZE);
}

/*
 * Give @h's chunk back, off the slab map already: after the brackets open
 * now have closed, as a slab's (hm_slab_release()), since a free of a
 * stale pointer may have found the chunk in the map and still read @h.
 */
static void hm_large_give(struct hm_large *h)
{
	hm_plat_retire(&h->retire, hm_large_retired, h->size);
}

/*
 * The kept chunks, under hm_large_lock (also every large free's state
 * change); hm_large_nkept is read without it too, as a hint.
 */
static struct hm_large *hm_large_keep[HM_LARGE_KEEP];
/* their sizes: a search reads these, not a header in each chunk */
static size_t hm_large_keep_size[HM_LARGE_KEEP];
static unsigned int hm_large_nkept, hm_large_nresident;
static size_t hm_large_kept_bytes, hm_large_resident_bytes;
static size_t hm_large_dirty_bytes;	/* the decommitted ones' heads, still in memory */
HM_DEFINE_LOCK(hm_large_lock);	/* also taken around fork() in userspace */

/*
 * The objects whose chunks went back last, a ring under hm_large_lock,
 * read without it by a free that found no chunk, or its magic cleared
 * by a free giving it back meanwhile (hm_large_was_gone()): such a free
 * is a double free, not a pointer from elsewhere.  A range
 * the platform hands out again is found live first (the slab map).
 */
#define HM_LARGE_GONE	64
static unsigned long hm_large_gone[HM_LARGE_GONE];
static unsigned int hm_large_gone_next;

/*
 * @h's chunk leaves the slab map for good, to be given back: no free
 * finds it now, and its object's address is noted; under hm_large_lock
 */
static void hm_large_unmap(struct hm_large *h)
{
	/*
	 * noted first: a free or a size that finds the chunk gone, or finds
	 * it and then its magic cleared, reads the ring after (hm_other_kind())
	 */
	HM_WRITE_ONCE(hm_large_gone[hm_large_gone_next], (unsigned long)hm_large_obj(h));
	hm_large_gone_next = (hm_large_gone_next + 1) % HM_LARGE_GONE;
	hm_smp_wmb();
	if (h->ool) {
		/* a reader that found it reads it until a grace period has passed */
		hm_atomic_set(hm_oolmap_slot((uintptr_t)h->base, false, HM_GFP_ATOMIC), 0);
		HM_WRITE_ONCE(hm_large_nool, hm_large_nool - 1);
	} else {
		hm_slabmap_set(h, false);
	}
	HM_WRITE_ONCE(h->magic, 0);
}

/**
 * hm_large_was_gone() - is @p among the large objects whose chunks went
 * back last?
 * @p: any pointer
 *
 * A free of such a pointer that finds no chunk is a double free, not a
 * foreign pointer.  After the look that found its chunk gone or its magic
 * cleared: the ring is read after it, as it was written before
 * (hm_large_unmap()); only off the live objects' path.
 *
 * Return: true if @p is in the ring.
 */
bool hm_large_was_gone(const void *p)
{
	unsigned int i;

	hm_smp_rmb();
	for (i = 0; i < HM_LARGE_GONE; i++)
		if (HM_READ_ONCE(hm_large_gone[i]) == (unsigned long)p)
			return true;
	return false;
}

/*
 * The farthest any registered chunk reaches past its header's start: how
 * far back an interior pointer's header can be (hm_large_of()); only grows
 */
static size_t hm_large_reach;

/*
 * The live objects, their chunks' bytes and their spans, and the objects
 * moved without a copy (hm_large_usage())
 */
static hm_atomic_t hm_large_live_objs = HM_ATOMIC_INIT(0);
static hm_atomic_t hm_large_live_bytes = HM_ATOMIC_INIT(0);
static hm_atomic_t hm_large_live_span = HM_ATOMIC_INIT(0);
static hm_atomic_t hm_large_moves = HM_ATOMIC_INIT(0);

/*
 * @h's chunk from its start through its object's end, in whole granules:
 * the chunk the object would have alone, without the room a growing one
 * gets (hm_large_alloc_room()) or the rest of a larger kept chunk
 */
static size_t hm_large_span(const struct hm_large *h)
{
	size_t end = (size_t)((char *)hm_large_obj(h) + h->user - (char *)h->base);

	return HM_MIN(h->size, HM_ALIGN_UP(end, HM_SLAB_SIZE));
}

/* @h is handed out (@n 1) or freed (@n -1) */
static void hm_large_count(const struct hm_large *h, long n)
{
	hm_atomic_fetch_add(&hm_large_live_objs, (unsigned long)n);
	hm_atomic_fetch_add(&hm_large_live_bytes, (unsigned long)n * h->size);
	hm_atomic_fetch_add(&hm_large_live_span, (unsigned long)n * hm_large_span(h));
}

/**
 * hm_large_usage() - what large objects take now
 * @u: filled: live objects, their chunks' bytes and their spans (each
 *     chunk through its object's end, in granules: not the room a
 *     growing object has past it), the objects moved without a copy
 *     since the start (hm_large_move()), and the chunks kept for reuse,
 *     their bytes and of those the bytes still in memory (a kept chunk
 *     whose pages were given back holds only its head); a few operations
 *     behind while others run
 */
void hm_large_usage(struct hm_large_use *u)
{
	unsigned long flags;

	u->objs = hm_atomic_read(&hm_large_live_objs);
	u->bytes = hm_atomic_read(&hm_large_live_bytes);
	u->span = hm_atomic_read(&hm_large_live_span);
	u->moves = hm_atomic_read(&hm_large_moves);
	hm_lock(&hm_large_lock, flags);
	u->kept = hm_large_nkept;
	u->kept_bytes = hm_large_kept_bytes;
	u->kept_resident = hm_large_resident_bytes + hm_large_dirty_bytes;
	hm_unlock(&hm_large_lock, flags);
}

/* Take kept chunk @i out of the cache, under hm_large_lock. */
static void hm_large_unkeep(unsigned int i)
{
	struct hm_large *h = hm_large_keep[i];

	hm_large_keep[i] = hm_large_keep[hm_large_nkept - 1];
	hm_large_keep_size[i] = hm_large_keep_size[hm_large_nkept - 1];
	HM_WRITE_ONCE(hm_large_nkept, hm_large_nkept - 1);
	hm_large_kept_bytes -= h->size;
	if (h->resident) {
		hm_large_nresident--;
		hm_large_resident_bytes -= h->size;
	} else {
		hm_large_dirty_bytes -= h->dirty;
	}
}

/*
 * Is @h a chunk kept chunks may hold (its header at its start, inline or
 * out of line), with a slot free?  Under hm_large_lock.
 */
static bool hm_large_may_keep(const struct hm_large *h)
{
	return (h->base == h || h->ool) && h->size <= HM_LARGE_KEEP_MAX &&
	       hm_large_nkept < HM_LARGE_KEEP;
}

static bool hm_large_fits(const struct hm_large *h)
{
	return hm_large_may_keep(h) && hm_large_kept_bytes + h->size <= HM_LARGE_KEEP_BYTES;
}

/* Put the freed chunk @h in the cache, which has room for it, under hm_large_lock. */
static void hm_large_put(struct hm_large *h)
{
	hm_large_keep[hm_large_nkept] = h;
	/* a multiple of HM_SLAB_SIZE: its low bit tells a header out of line */
	hm_large_keep_size[hm_large_nkept] = h->size | h->ool;
	HM_WRITE_ONCE(hm_large_nkept, hm_large_nkept + 1);
	hm_large_kept_bytes += h->size;
	if (h->resident) {
		hm_large_nresident++;
		hm_large_resident_bytes += h->size;
	} else {
		hm_large_dirty_bytes += h->dirty;
	}
}

/*
 * The smallest kept chunk of @bytes to twice that, its header out of line
 * if @ool (and then @off 0), taken out of the cache, or NULL.  Not only
 * exact sizes: programs whose large sizes vary (a parser's buffers, a
 * sort's runs) otherwise map and unmap, and fault in, a fresh chunk for
 * nearly every object.
 */
static __always_inline struct hm_large *hm_large_take(size_t bytes, u32 off, bool ool)
{
	struct hm_large *h = NULL;
	size_t size, fit = 0;
	unsigned long flags;
	unsigned int i, j, best = 0;

	if (!HM_READ_ONCE(hm_large_nkept))
		return NULL;
	hm_lock(&hm_large_lock, flags);
	for (j = 0; j < hm_large_nkept; j++) {
		/*
		 * by the thousand: newest first, where a program that frees
		 * and allocates one size finds its chunk at once
		 */
		i = HM_LARGE_DECOMMIT ? hm_large_nkept - 1 - j : j;
		size = hm_large_keep_size[i];
		if ((size & 1) != ool)
			continue;
		size &= ~(size_t)1;
		if (size < bytes || size / 2 > bytes || (fit && size >= fit))
			continue;
		fit = size;
		best = i;
		if (size == bytes)
			break;
	}
	if (fit) {
		h = hm_large_keep[best];
		hm_plat_mark_alloc(hm_large_org(h) + hm_large_hdr(h), h->size - hm_large_hdr(h));
		hm_large_unkeep(best);
		HM_WRITE_ONCE(h->magic, HM_MAGIC_LARGE);
		HM_WRITE_ONCE(h->prev, h->off != off ? h->off : 0);
		h->off = off;
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
			hm_large_unkeep(hm_large_nkept - 1);
			hm_large_unmap(h);
		}
		hm_unlock(&hm_large_lock, flags);
		if (!h)
			return n;
		hm_plat_mark_alloc(h->base, h->size);	/* the next user of the range */
		hm_large_give(h);
		n++;
	}
}

/* Register a fresh chunk span at @base, header @h, object @off after it. */
static void *hm_large_init(struct hm_large *h, void *base, size_t bytes,
			   u32 off, size_t size, hm_gfp_t gfp)
{
	/* a kept chunk once at this address left it marked free */
	size_t reach = (size_t)((char *)base + bytes - (char *)h);
	unsigned long flags;

	hm_plat_mark_alloc((char *)h + HM_LARGE_HDR, reach - HM_LARGE_HDR);
	if (hm_slabmap_prepare(h, gfp)) {
		hm_plat_chunk_free(base, bytes);
		return NULL;
	}
	if (reach > HM_READ_ONCE(hm_large_reach)) {
		hm_lock(&hm_large_lock, flags);
		if (reach > hm_large_reach)
			HM_WRITE_ONCE(hm_large_reach, reach);
		hm_unlock(&hm_large_lock, flags);
	}
	h->magic = HM_MAGIC_LARGE;
	h->off = off;
	h->prev = 0;
	h->ool = false;
	h->size = bytes;
	h->user = size;
	/* a fresh chunk of the kernel's holds what its pages held */
	h->dirty = HM_PLAT_CHUNK_ZEROED ? (size_t)off + size : reach;
	h->base = base;
	hm_slabmap_set(h, true);
	hm_large_count(h, 1);
	return (char *)h + off;
}

/*
 * Is @size or @align (at least HM_LARGE_HDR) what hm_large_alloc_aligned()
 * refuses: beyond HM_LARGE_MAX, or no power of two?  Both below half the
 * address space, the sums on them cannot wrap.
 */
static bool hm_large_bad(size_t size, size_t align)
{
	return size > HM_LARGE_MAX || align > HM_LARGE_MAX || (align & (align - 1));
}

/*
 * The chunk of hm_large_alloc_span(): its bytes for an object of @size,
 * @room in all, aligned to @align (at least HM_LARGE_HDR), and whether
 * its header goes out of line (*@ool), which it does where the platform
 * holds the object at a chunk's start (hm_plat_chunk_align()) and either
 *  - the chunk with the header inline would exceed the platform's
 *    largest, where one of the object alone does not, or
 *  - the header inline would cost memory (hm_plat_chunk_cost(): a page
 *    more where pages come as they are touched, a larger block of the
 *    page allocator) and the object gets no room to grow: a header out of
 *    line costs a look-up in the map (hm_oolmap) at each free.
 * Where the platform moves a chunk's pages (hm_large_move(), from 1 MiB),
 * a chunk that large keeps its header inline: a page in 256 or more.
 */
static __always_inline size_t hm_large_plan(size_t size, size_t room, size_t align, bool *ool)
{
	size_t off = HM_MIN(align, (size_t)HM_SLAB_SIZE);
	size_t bytes = HM_ALIGN_UP(room + off, HM_SLAB_SIZE) +
		       (align < HM_SLAB_SIZE ? 0 : align - HM_SLAB_SIZE);
	size_t own = HM_ALIGN_UP(size, HM_SLAB_SIZE);

	*ool = (bytes > HM_PLAT_CHUNK_MAX ||
		(room == size && (!HM_PLAT_CHUNK_MOVE || own < HM_LARGE_MOVE_MIN) &&
		 hm_plat_chunk_cost(own, size) < hm_plat_chunk_cost(bytes, off + size))) &&
	       own <= HM_PLAT_CHUNK_MAX && align <= hm_plat_chunk_align(own);
	return *ool ? own : bytes;
}

/*
 * A large object of @size at the start of a chunk of @bytes, its header
 * out of line, as hm_large_plan() chose.  NULL with *@inline_ok set when
 * the header or the map had no memory (an interrupt's allocation): the
 * caller may try the chunk with the header inline.
 */
static void *hm_large_alloc_ool(size_t bytes, size_t size, bool zero, hm_gfp_t gfp,
				bool *inline_ok)
{
	struct hm_large *h = NULL;
	hm_atomic_t *e;
	unsigned long flags;
	char *base;

	*inline_ok = false;
	if (bytes <= HM_LARGE_KEEP_MAX)
		h = hm_large_take(bytes, 0, true);
	if (h) {
		base = h->base;
		h->user = size;
		hm_large_count(h, 1);
		if (zero && h->dirty)
			hm_memset(base, 0, HM_MIN(size, h->dirty));
		hm_large_settle(h, 0);
		return base;
	}
	h = hm_plat_meta_alloc(sizeof(*h), gfp);
	if (!h) {
		*inline_ok = true;
		return NULL;
	}
	/* its first word the object's: no granule a stale free may read */
	base = hm_plat_chunk_alloc_fresh(bytes, gfp);
	if (!base) {
		hm_plat_meta_free(h, sizeof(*h));
		return NULL;
	}
	/* the entry's levels now: none can be made under the lock */
	e = hm_oolmap_slot((uintptr_t)base, true, gfp);
	if (!e) {
		hm_plat_chunk_free_fresh(base, bytes);
		hm_plat_meta_free(h, sizeof(*h));
		*inline_ok = true;
		return NULL;
	}
	hm_plat_mark_alloc(base, bytes);
	if (zero && !HM_PLAT_CHUNK_ZEROED)
		hm_memset(base, 0, size);
	h->magic = HM_MAGIC_LARGE;
	h->off = 0;
	h->prev = 0;
	h->resident = false;
	h->dirty = HM_PLAT_CHUNK_ZEROED ? size : bytes;
	h->ool = true;
	h->size = bytes;
	h->user = size;
	h->base = base;
	hm_lock(&hm_large_lock, flags);
	/* an interior pointer's look back reaches it (hm_large_of()) */
	if (bytes > hm_large_reach)
		HM_WRITE_ONCE(hm_large_reach, bytes);
	hm_atomic_set(e, (unsigned long)h);	/* a release: the header first */
	HM_WRITE_ONCE(hm_large_nool, hm_large_nool + 1);
	hm_unlock(&hm_large_lock, flags);
	hm_large_count(h, 1);
	return base;
}

/*
 * hm_large_alloc_aligned() of a good @size, @align (at least
 * HM_LARGE_HDR), in a chunk that holds @room bytes: @size itself, or
 * more for an alignment below HM_SLAB_SIZE in a chunk that stays below
 * the platform's largest (hm_large_alloc_room() checks)
 */
static void *hm_large_alloc_span(size_t size, size_t room, size_t align, bool zero,
				 hm_gfp_t gfp)
{
	size_t bytes, slack = 0;
	struct hm_large *h;
	bool ool, inline_ok;
	char *base;
	void *p;
	u32 off;

	off = (u32)HM_MIN(align, (size_t)HM_SLAB_SIZE);
	bytes = HM_ALIGN_UP(room + off, HM_SLAB_SIZE);
	if (align >= HM_SLAB_SIZE)
		slack = align - HM_SLAB_SIZE;
	hm_large_plan(size, room, align, &ool);
	if (ool) {
		p = hm_large_alloc_ool(HM_ALIGN_UP(size, HM_SLAB_SIZE), size, zero, gfp,
				       &inline_ok);
		if (p || !inline_ok || bytes + slack > HM_PLAT_CHUNK_MAX)
			return p;
	}
	if (align < HM_SLAB_SIZE) {
		h = hm_large_take(bytes, off, false);
		if (h) {
			h->user = size;
			hm_large_count(h, 1);
			/* old contents up to its write extent (decommitted: the header's page) */
			if (zero && h->dirty > off)
				hm_memset((char *)h + off, 0, HM_MIN(size, h->dirty - off));
			hm_large_settle(h, 0);
			return (char *)h + off;
		}
	}
	base = hm_plat_chunk_alloc(bytes + slack, gfp);
	if (!base)
		return NULL;
	/* the object at the first @align boundary past the header granule */
	h = (struct hm_large *)(HM_ALIGN_UP((uintptr_t)base + off, align) - off);
	if (zero && !HM_PLAT_CHUNK_ZEROED)
		hm_memset((char *)h + off, 0, size);
	return hm_large_init(h, base, bytes + slack, off, size, gfp);
}

/**
 * hm_large_alloc_aligned() - a large object aligned to @align
 * @size: bytes
 * @align: a power of two; up to HM_LARGE_HDR is hm_large_alloc()
 * @zero: the object must read as zeroes (calloc): a kept chunk is
 *	cleared, a fresh one only where the platform's are not zeroed
 * @gfp: allocation flags
 *
 * Below HM_SLAB_SIZE the object starts @align into its chunk; from
 * HM_SLAB_SIZE on, the chunk is over-allocated by @align - HM_SLAB_SIZE
 * and the object starts the first granule so aligned after the header's.
 * Where that chunk would be larger than the platform's largest and the
 * object alone is not, or where the header would cost memory the object
 * alone does not (hm_large_plan()), the object starts its chunk, its
 * header out of line.
 *
 * Return: the object, or NULL (sizes beyond the address space are
 * reported as HM_ERR_BAD_SIZE).
 */
void *hm_large_alloc_aligned(size_t size, size_t align, bool zero, hm_gfp_t gfp)
{
	align = HM_MAX(align, (size_t)HM_LARGE_HDR);
	if (hm_large_bad(size, align)) {
		hm_report(NULL, HM_ERR_BAD_SIZE, (void *)size, HM_RET_IP);
		return NULL;
	}
	return hm_large_alloc_span(size, size, align, zero, gfp);
}

/**
 * hm_large_chunk_size() - the chunk hm_large_alloc_aligned() asks for
 * @size: bytes
 * @align: the alignment, a power of two (less than HM_LARGE_HDR counts
 *	   as HM_LARGE_HDR)
 *
 * So that an adapter can tell a size that no chunk of its platform holds
 * (HM_PLAT_CHUNK_MAX) before it asks for one.
 *
 * Return: the bytes of the chunk, header, object and alignment slack, or
 * the object's alone, in whole granules, where its header goes out of
 * line (hm_large_plan()); 0 for what hm_large_alloc_aligned() refuses as a
 * bad size (beyond HM_LARGE_MAX, or @align no power of two).
 */
size_t hm_large_chunk_size(size_t size, size_t align)
{
	bool ool;

	align = HM_MAX(align, (size_t)HM_LARGE_HDR);
	if (hm_large_bad(size, align))
		return 0;
	return hm_large_plan(size, size, align, &ool);
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
	return hm_large_alloc_aligned(size, HM_LARGE_HDR, false, gfp);
}

/**
 * hm_large_alloc_room() - a large object with room to grow in place
 * @size: bytes
 * @room: the bytes its chunk should hold, more than @size: what
 *	  hm_large_resize() may grow it to without a move
 * @gfp: allocation flags
 *
 * For an object that grows by steps (realloc()): a move to a chunk of
 * just the new size, at each step past a granule, copied the object
 * again and again (by 4 KiB to 40 MiB: 647 moves, two minutes; glibc 0.4 s).
 * The room is address space: its pages are not touched.  Where a chunk
 * with that room cannot be had (no such size, the platform's largest, or
 * no memory for it), the object gets a chunk of its own size.
 *
 * Return: the object, aligned to HM_LARGE_HDR, of @size bytes, or NULL
 * (a size too large for the address space is reported as HM_ERR_BAD_SIZE).
 */
void *hm_large_alloc_room(size_t size, size_t room, hm_gfp_t gfp)
{
	void *p;

	if (room <= size || room > HM_LARGE_MAX ||
	    HM_ALIGN_UP(room + HM_LARGE_HDR, HM_SLAB_SIZE) > HM_PLAT_CHUNK_MAX)
		return hm_large_alloc(size, gfp);
	p = hm_large_alloc_span(size, room, HM_LARGE_HDR, false, gfp);
	return p ? p : hm_large_alloc(size, gfp);
}

/* Free the large object @p of chunk @h: keep the chunk, or give it back. */
static void hm_large_free(struct hm_large *h, void *p, unsigned long ip)
{
	/* a chunk aligned to HM_SLAB_SIZE or more has its base before its header */
	size_t tail = (size_t)((char *)h->base + h->size - (char *)p), head, hdr;
	unsigned long flags;
	bool keep, decommit, wiped = false;

	hm_lock(&hm_large_lock, flags);
	if (h->magic != HM_MAGIC_LARGE) {	/* a racing second free */
		hm_unlock(&hm_large_lock, flags);
		hm_report(NULL, HM_ERR_DOUBLE_FREE, p, ip);
		return;
	}
	hm_large_count(h, -1);
	hm_large_unsettle(h);
	HM_WRITE_ONCE(h->magic, HM_MAGIC_LARGE_FREE);	/* a racing second free is reported */
	/*
	 * init_on_free: a chunk hakmem may keep is zeroed before another can
	 * take it (one given back is the page allocator's to zero), out of
	 * the lock, which keeps interrupts off in the kernel (1 MiB under
	 * QEMU: a median 200 us off, 5 us now).  Until it is kept the chunk
	 * is this free's alone: on no list, and a second free finds it freed.
	 * Only when the cache has room now: with it full, the zeroing would
	 * be for nothing; a chunk not zeroed is not kept.
	 */
	if (hm_plat_init_on_free() && hm_large_may_keep(h)) {
		hm_unlock(&hm_large_lock, flags);
		hm_memset(p, 0, h->user);
		hm_lock(&hm_large_lock, flags);
		wiped = true;
	}
	h->resident = h->size <= HM_LARGE_RESIDENT_MAX &&
		      hm_large_nresident < HM_LARGE_RESIDENT &&
		      hm_large_resident_bytes + h->size <= HM_LARGE_RESIDENT_BYTES;
	keep = h->resident && hm_large_fits(h);
	decommit = !keep && HM_LARGE_DECOMMIT && hm_large_may_keep(h);
	if (hm_plat_init_on_free() && !wiped) {
		keep = false;
		decommit = false;
	}
	if (keep) {
		/* a use after free of the object stays visible to the sanitizers */
		hm_plat_mark_free(p, tail);
		hm_large_put(h);
	} else if (!decommit) {
		/* given back: out of the map in this locked step, not a second one */
		hm_large_unmap(h);
	}
	hm_unlock(&hm_large_lock, flags);
	if (keep)
		return;
	if (!decommit) {
		hm_large_give(h);
		return;
	}
	/*
	 * decommitted and kept (userspace): its pages first, while no one can
	 * take it; pages that stayed (locked) keep old bytes calloc() would
	 * hand out
	 */
	h->resident = false;
	hdr = hm_large_hdr(h);
	head = hm_plat_chunk_decommit(hm_large_org(h) + hdr, h->size - hdr);
	if (head < h->size - hdr) {
		h->dirty = hdr + head;
		hm_plat_mark_free(p, tail);
		hm_lock(&hm_large_lock, flags);
		keep = hm_large_fits(h);
		if (keep)
			hm_large_put(h);
		hm_unlock(&hm_large_lock, flags);
		if (keep)
			return;
		hm_plat_mark_alloc(p, tail);	/* the next user of the range */
	}
	hm_lock(&hm_large_lock, flags);
	hm_large_unmap(h);
	hm_unlock(&hm_large_lock, flags);
	hm_large_give(h);
}

/*
 * The header of a chunk starting at the granule @g: in it, registered in
 * the slab map, or out of line (hm_oolmap, looked at only if @ool: some
 * header is); NULL when no chunk starts there
 */
static struct hm_large *hm_large_at(uintptr_t g, bool ool)
{
	if (hm_slabmap_test((void *)g))
		return (struct hm_large *)g;
	/* a chunk with its header out of line has no granule registered */
	return ool ? hm_oolmap_get(g) : NULL;
}

/*
 * The header of the large chunk @p would be in: its granule's, inline or
 * out of line (hm_oolmap), or else the nearest registered granule's below
 * @p's, no farther than a chunk reaches (*@before set): a chunk's other
 * granules are not registered, so that is the only header of one holding
 * @p (an object aligned to HM_SLAB_SIZE or more starts a granule after its
 * header's; an interior pointer may be any granule in).  NULL when there
 * is none.  The caller checks the magic, that @p is inside the chunk when
 * *@before, and whether the object starts at @p.
 */
static struct hm_large *hm_large_of(const void *p, bool *before)
{
	uintptr_t g = (uintptr_t)hm_ptr_slab(p), back, reach;
	bool ool = HM_READ_ONCE(hm_large_nool);
	struct hm_large *h = hm_large_at(g, ool);

	if (h)
		return h;
	/* as integers: the granule before address 64 KiB is address 0 */
	reach = HM_READ_ONCE(hm_large_reach);
	for (back = HM_SLAB_SIZE; back < reach && back <= g; back += HM_SLAB_SIZE) {
		h = hm_large_at(g - back, ool);
		if (h) {
			*before = true;
			return h;
		}
	}
	return NULL;
}

/*
 * What a free of @p, no block of a live slab, finds: its chunk's header
 * read once, so that a chunk reused meanwhile by another thread cannot
 * turn a refusal into a free halfway.  HM_ERR_NR: the live large object
 * starting at @p, whose header goes to *@hp; else the report to make.
 */
static enum hm_error hm_other_kind(const void *p, struct hm_large **hp)
{
	bool before = false;
	struct hm_large *h = hm_large_of(p, &before);
	u32 magic, prev;

	if (h) {
		magic = HM_READ_ONCE(h->magic);
		/*
		 * a granule below @p's is @p's chunk only if a large one
		 * reaching @p (an object aligned to HM_SLAB_SIZE or more, or
		 * @p inside a chunk of several granules); else @p is past it
		 * (a slab's, a shorter chunk's, below a gone object or a
		 * chunk of HM_PLAT_CHUNK_MAX): in none
		 */
		if (before && ((magic != HM_MAGIC_LARGE && magic != HM_MAGIC_LARGE_FREE) ||
			       (uintptr_t)p - (uintptr_t)h->base >= h->size))
			h = NULL;
	}
	if (!h)
		return hm_large_was_gone(p) ? HM_ERR_DOUBLE_FREE : HM_ERR_FOREIGN;
	*hp = h;
	if (magic == HM_MAGIC_LARGE) {
		if (p == hm_large_obj(h))
			return HM_ERR_NR;
		/* the object its kept chunk held before it was taken at another offset */
		prev = HM_READ_ONCE(h->prev);
		return prev && p == hm_large_org(h) + prev ? HM_ERR_DOUBLE_FREE : HM_ERR_INTERIOR;
	}
	if (magic == HM_MAGIC_LARGE_FREE)
		return HM_ERR_DOUBLE_FREE;
	if (magic == HM_MAGIC_ORPHAN)
		return HM_ERR_DESTROYED;
	/* cleared since the chunk was found: a free gave it back meanwhile */
	return hm_large_was_gone(p) ? HM_ERR_DOUBLE_FREE : HM_ERR_FOREIGN;
}

/* The live large object starting at @p, or NULL. */
static struct hm_large *hm_large_live(const void *p)
{
	struct hm_large *h = NULL;

	return hm_other_kind(p, &h) == HM_ERR_NR ? h : NULL;
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
	struct hm_large *h = NULL;
	enum hm_error e = hm_other_kind(p, &h);

	if (e == HM_ERR_NR)
		hm_large_free(h, p, ip);	/* which checks again, locked */
	else
		hm_report(NULL, e, p, ip);
}

/*
 * Is @p a live block of @s: the start of a block, neither free nor freed
 * remotely, nor cached in a magazine, nor quarantined (nobody holds it)?
 * Read as hm_frag.c reads a map, word by word while the owner may run.  A
 * free-list slab keeps no state of its blocks without checks: there only
 * the start is checked.  In the platform's read bracket, or on a slab
 * that cannot go meanwhile.
 */
bool hm_block_live(struct hm_cache *c, struct hm_slab *s, const void *p)
{
	unsigned int idx = hm_block_index(c, s, p);
	unsigned long bit = 1UL << (idx % HM_BPL), *live;
	unsigned int w = idx / HM_BPL;
	struct hm_slab_dbg *d;

	if (!hm_block_valid(c, s, p, idx) || hm_slab_quarantined(s, idx))
		return false;
	if (s->mode == HM_MODE_FREELIST) {
		d = hm_fl_state(c, s);
		return !d || !hm_fl_state_free(d, idx);
	}
	if ((HM_READ_ONCE(s->free_bits[w]) | hm_atomic_read(&s->remote_bits[w])) & bit)
		return false;
	live = HM_READ_ONCE(s->live_bits);
	return !live || (HM_READ_ONCE(live[w]) & bit);
}

/* how hm_usable_size() reports what is no live object */
enum hm_usable_how {
	HM_USABLE_QUIET,	/* not at all */
	HM_USABLE_SIZE,		/* a dead object as a use after free */
	HM_USABLE_FREE,		/* as a free of it would be: a dead one as a double free */
};

/*
 * Usable size of object @p; 0 for what is no object, reported for caller
 * @ip as @how says: a pointer that is no object's start as a free of it
 * would be; a free block, a freed large object and an object of a
 * destroyed cache, for HM_USABLE_SIZE, as a use after free (the caller
 * uses what is dead; it frees nothing: neither a double free nor a free
 * into the cache), for HM_USABLE_FREE as the free it is (a double free,
 * a free into a destroyed cache).
 */
static size_t hm_usable_size(const void *p, unsigned long ip, enum hm_usable_how how)
{
	struct hm_slab *s = hm_ptr_to_slab(p);
	struct hm_large *h = NULL;
	struct hm_cache *c;
	enum hm_error e;

	if (s) {
		c = s->cache;
		if (hm_block_live(c, s, p))
			return c->size;
		if (how == HM_USABLE_QUIET)
			return 0;
		if (hm_block_valid(c, s, p, hm_block_index(c, s, p)))
			hm_report_block(c, how == HM_USABLE_FREE ? HM_ERR_DOUBLE_FREE :
					HM_ERR_NOT_LIVE, s, p, ip);
		else
			hm_report_bad_block(c, s, p, ip);
		return 0;
	}
	e = hm_other_kind(p, &h);
	if (e == HM_ERR_NR)
		return h->user;
	if (how == HM_USABLE_SIZE && (e == HM_ERR_DOUBLE_FREE || e == HM_ERR_DESTROYED))
		e = HM_ERR_NOT_LIVE;
	if (how != HM_USABLE_QUIET)
		hm_report(NULL, e, p, ip);
	return 0;
}

/*
 * Usable size of any object hakmem handed out, 0 if unknown: a pointer
 * into a block but not at its start, or a block that is free (as far as
 * its slab tells), is no object.
 */
size_t hm_core_usable_size(const void *p)
{
	return hm_usable_size(p, 0, HM_USABLE_QUIET);
}

/**
 * hm_core_usable_size_ip() - hm_core_usable_size() that reports a refusal
 * @p: a non-NULL pointer, in the platform's read bracket
 * @ip: caller, for reports
 *
 * What is no live object is reported: a free block, a freed large object
 * or an object of a destroyed cache as a use after free (HM_ERR_NOT_LIVE);
 * a pointer that is no object's start as its free would be: a pointer not
 * from hakmem, an interior pointer.
 *
 * Return: the usable size, or 0.
 */
size_t hm_core_usable_size_ip(const void *p, unsigned long ip)
{
	return hm_usable_size(p, ip, HM_USABLE_SIZE);
}

/**
 * hm_core_free_size() - the usable size of @p, which the caller means to free
 * @p: a non-NULL pointer, in the platform's read bracket
 * @ip: caller, for reports
 *
 * For a free that is deferred (the kernel's hakmem_free_rcu()): what is
 * no live object is reported as its free would be, now: a free block or a
 * freed large object as a double free, an object of a destroyed cache as
 * a free into it, a pointer not from hakmem, an interior pointer.
 * Nothing is freed.
 *
 * Return: the usable size, or 0.
 */
size_t hm_core_free_size(const void *p, unsigned long ip)
{
	return hm_usable_size(p, ip, HM_USABLE_FREE);
}

/**
 * hm_core_obj_of() - the object whose memory holds @p
 * @p: any pointer, in the platform's read bracket; never read
 * @size: set to the object's usable size when one is found
 *
 * Maps an interior pointer (a member of an object, such as the kernel's
 * struct rcu_head) to its object: the block of a live slab @p points
 * into, free or not (the free that follows tells), or the live large
 * object whose first h->user bytes hold @p.
 *
 * Return: the object's start, or NULL: @p is in no block of a live slab
 * (a header, the tail past the last block) and in no live large object.
 */
void *hm_core_obj_of(const void *p, size_t *size)
{
	struct hm_slab *s = hm_ptr_to_slab(p);
	struct hm_large *h;
	bool before = false;
	struct hm_cache *c;
	unsigned long idx;
	char *obj;

	if (s) {
		c = s->cache;
		if ((const char *)p < s->blocks)
			return NULL;
		idx = hm_block_index(c, s, p);
		if (idx >= s->nblocks)
			return NULL;
		*size = c->size;
		return hm_block_addr(c, s, idx);
	}
	h = hm_large_of(p, &before);
	if (!h || HM_READ_ONCE(h->magic) != HM_MAGIC_LARGE)
		return NULL;
	if (before && (uintptr_t)p - (uintptr_t)h->base >= h->size)
		return NULL;
	obj = hm_large_obj(h);
	if ((const char *)p < obj || (size_t)((const char *)p - obj) >= h->user)
		return NULL;
	*size = h->user;
	return obj;
}

/**
 * hm_large_resize() - resize the large object @p in place, if it may
 * @p: a live large object
 * @size: the new size
 *
 * In place while @size fits the chunk: a growth always, a shrink while
 * @size still fills more than half of it (a shrink to much less moves,
 * so the chunk's memory goes back).  An object that grows by steps gets
 * a chunk with room when it must move (hm_large_alloc_room()), so that it
 * grows in place most of the time.  The pages a shrink leaves past the
 * object stay while few such pages do (hm_large_settle()).
 *
 * Return: true when @p now has @size bytes; false: not a live large
 * object, or it must move (nothing changed).
 */
bool hm_large_resize(void *p, size_t size)
{
	struct hm_large *h = hm_large_live(p);
	size_t cap, was, span;

	if (!h)
		return false;
	cap = (size_t)((char *)h->base + h->size - (char *)p);
	if (size > cap || (size < h->user && size <= cap / 2))
		return false;
	was = hm_large_past(h);
	span = hm_large_span(h);
	h->user = size;
	hm_atomic_fetch_add(&hm_large_live_span, (unsigned long)(hm_large_span(h) - span));
	hm_large_settle(h, was);
	return true;
}

/**
 * hm_large_move() - grow the large object @p into a new chunk, not copied
 * @p: a live large object, the caller's
 * @size: its new size, more than it has
 * @room: the bytes the new chunk should hold, at least @size: what
 *	  hm_large_resize() may grow it to afterwards without a move
 * @gfp: allocation flags
 *
 * Where the platform moves a chunk's pages (hm_plat_chunk_move(): mremap()
 * in userspace), the object goes to a fresh chunk of @room with its pages,
 * only its chunk's first granule copied (header and object's head), as
 * glibc's realloc() moves its mmapped chunks: growing by steps to 200 MiB
 * copied 400 MiB and faulted it in.  The old chunk's first granule, off the
 * slab map (a free of @p is now a double free), is given back after the
 * readers that may have found it, as a given-back chunk's is; its other
 * pages are gone at once.  The write extent, the pages past the object
 * that count against HM_LARGE_SLACK_BYTES and the object's offset go with
 * it.  Counted in hm_large_usage()'s moves.
 *
 * Return: the object at its new place, of @size bytes, or NULL with
 * nothing changed: the platform moves no pages (the kernel), @p is no
 * object a move takes (a chunk below HM_LARGE_MOVE_MIN, aligned to
 * HM_SLAB_SIZE or more, or with its header out of line), @room fits its
 * chunk already or no chunk of @room is to be had; the caller copies.
 */
void *hm_large_move(void *p, size_t size, size_t room, hm_gfp_t gfp)
{
	struct hm_large *h = hm_large_live(p), *n;
	size_t bytes, was, span;
	unsigned long flags;

	if (!HM_PLAT_CHUNK_MOVE || !h || h->base != h || h->ool || h->size < HM_LARGE_MOVE_MIN ||
	    size <= h->user || room < size || room > HM_LARGE_MAX)
		return NULL;
	bytes = HM_ALIGN_UP(room + h->off, HM_SLAB_SIZE);
	if (bytes <= h->size || bytes > HM_PLAT_CHUNK_MAX)
		return NULL;
	n = hm_plat_chunk_alloc(bytes, gfp);
	if (!n)
		return NULL;
	if (hm_slabmap_prepare(n, gfp) || !hm_plat_chunk_move(n, h, h->size)) {
		hm_plat_chunk_free(n, bytes);
		return NULL;
	}
	/* the header and what the object wrote of the first granule */
	hm_memcpy(n, h, HM_MIN(h->dirty, (size_t)HM_SLAB_SIZE));
	n->prev = 0;
	n->base = n;
	n->size = bytes;
	if (bytes > HM_READ_ONCE(hm_large_reach)) {
		hm_lock(&hm_large_lock, flags);
		if (bytes > hm_large_reach)
			HM_WRITE_ONCE(hm_large_reach, bytes);
		hm_unlock(&hm_large_lock, flags);
	}
	hm_atomic_fetch_add(&hm_large_live_bytes, (unsigned long)(bytes - h->size));
	hm_lock(&hm_large_lock, flags);
	hm_large_unmap(h);
	hm_slabmap_set(n, true);
	hm_unlock(&hm_large_lock, flags);
	hm_plat_retire(&h->retire, hm_large_retired_head, HM_SLAB_SIZE);
	/* as hm_large_resize() grows it */
	was = hm_large_past(n);
	span = hm_large_span(n);
	n->user = size;
	hm_atomic_fetch_add(&hm_large_live_span, (unsigned long)(hm_large_span(n) - span));
	hm_large_settle(n, was);
	hm_atomic_fetch_add(&hm_large_moves, 1);
	return (char *)n + n->off;
}

/**
 * hm_free_other_cache() - hm_free_other() for a free to cache @c
 * @c: the cache the caller names
 * @p: a non-NULL pointer that is not a block of a live slab
 * @ip: caller, for reports
 *
 * A large object belongs to no cache: freeing one to @c is refused, and
 * nothing is ever freed here.  It once looked at @p twice, as live, then
 * as anything else to free: a stale @p whose chunk another thread took
 * between the two looks had that thread's object freed.
 */
void hm_free_other_cache(struct hm_cache *c, void *p, unsigned long ip)
{
	struct hm_large *h = NULL;
	enum hm_error e = hm_other_kind(p, &h);

	if (e == HM_ERR_NR)
		hm_report(c, HM_ERR_WRONG_CACHE, p, ip);
	else
		hm_report(NULL, e, p, ip);
}

/**
 * hm_free_no_cache() - refuse a free to no cache (a NULL cache)
 * @ptrs: the objects, of which the first that is not NULL is reported
 * @n: how many
 * @ip: caller, for the report
 *
 * Where a free's NULL cache would mean "any cache" and free: refused as a
 * free to the wrong cache, with the block's slab when it has one, else as
 * any pointer that is no block of a slab (hm_free_other_cache()); one
 * report for a bulk free, nothing freed.  In the platform's read bracket.
 */
void hm_free_no_cache(void *const *ptrs, size_t n, unsigned long ip)
{
	struct hm_slab *s;
	size_t i;

	for (i = 0; i < n && !ptrs[i]; i++)
		;
	if (i == n)
		return;
	s = hm_ptr_to_slab(ptrs[i]);
	if (s)
		hm_report_block(NULL, HM_ERR_WRONG_CACHE, s, ptrs[i], ip);
	else
		hm_free_other_cache(NULL, ptrs[i], ip);
}
