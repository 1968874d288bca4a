/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_slab.h - public interface of the hakmem_slab module: a slab
 * allocator for tiny objects with three interchangeable slab designs.
 *
 * Client modules include this header and call the functions below; they
 * are exported with EXPORT_SYMBOL_GPL.  Linking against them makes the
 * module loader record a dependency (the client's module references
 * hakmem_slab), so hakmem_slab cannot be unloaded while any client is
 * loaded: a client's caches and objects never outlive the allocator.
 *
 * Context rules, as for kmem_cache_alloc()/kmem_cache_free():
 *  - hakmem_cache_alloc(), hakmem_cache_alloc_bulk() and hakmem_alloc() may
 *    be called from any context but NMI when @gfp does not allow blocking
 *    (GFP_ATOMIC, GFP_NOWAIT), hardirq included; with GFP_KERNEL they may
 *    sleep to get memory.
 *    hakmem_zalloc(), hakmem_cache_zalloc() and hakmem_realloc() are the
 *    same (hakmem_realloc() allocates with @gfp only when it must move).
 *  - hakmem_cache_free(), hakmem_cache_free_bulk(), hakmem_free(),
 *    hakmem_free_rcu() and hakmem_ksize() never sleep and may be called
 *    from any context except NMI, on any CPU.  hakmem_free_rcu()'s
 *    callback frees in softirq context (or an rcuo kthread), after a
 *    grace period; until then the object's struct rcu_head is RCU's.
 *  - hakmem_cache_create() and hakmem_cache_destroy() sleep;
 *    hakmem_cache_destroy() waits (rcu_barrier()) for the
 *    hakmem_free_rcu() callbacks of the cache's objects first.
 *
 * Bad input is refused before it changes anything, counted in debugfs
 * hakmem/errors and reported in the kernel log: bad create arguments, a
 * NULL cache to an allocation or free, a destroy of a cache destroyed
 * already, bad pointers to a free or to hakmem_ksize(), sizes and gfp
 * flags hakmem cannot serve, an rcu_head outside its object given to
 * hakmem_free_rcu(), a dead or foreign object given to hakmem_realloc()
 * (see each function's kernel-doc in hakmem_main.c).
 *
 * Not checked, as with kmem_cache_alloc() and kmem_cache_free(): a cache
 * pointer that is neither NULL nor a live cache (an ERR_PTR(), a cache
 * destroyed already) given to an allocation or free.  The fast paths
 * use it without looking it up (only hakmem_cache_destroy() does, under
 * its mutex); using a cache after its destroy is the caller's bug, and
 * undefined.
 */
#ifndef HAKMEM_SLAB_H
#define HAKMEM_SLAB_H

#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/types.h>

struct hakmem_cache;

/* hakmem_cache_create() flags: the slab design (two bits) ... */
#define HAKMEM_MODE_DEFAULT	0x0U	/* the module's mode= parameter */
#define HAKMEM_MODE_BITMAP	0x1U	/* bitmap slabs, no per-CPU cache */
#define HAKMEM_MODE_FREELIST	0x2U	/* sharded free lists (mimalloc) */
#define HAKMEM_MODE_HYBRID	0x3U	/* per-CPU magazines over bitmaps */
#define HAKMEM_MODE_MASK	0x3U
/* ... and options */
#define HAKMEM_CHECKS		0x4U	/* freelist mode: detect double frees */

/* objects up to this size come from the eight built-in classes */
#define HAKMEM_MAX_CLASS_SIZE	1024

struct hakmem_cache *hakmem_cache_create(const char *name, unsigned int size,
					 unsigned int align, unsigned int flags);
unsigned long hakmem_cache_destroy(struct hakmem_cache *cache);
void *hakmem_cache_alloc(struct hakmem_cache *cache, gfp_t gfp);
void hakmem_cache_free(struct hakmem_cache *cache, void *ptr);
int hakmem_cache_alloc_bulk(struct hakmem_cache *cache, gfp_t gfp, size_t nr,
			    void **ptrs);
void hakmem_cache_free_bulk(struct hakmem_cache *cache, size_t nr, void **ptrs);
void *hakmem_alloc(size_t size, gfp_t gfp);
void hakmem_free(const void *ptr);
void hakmem_free_rcu(const void *ptr, struct rcu_head *head);
void * __must_check hakmem_realloc(const void *ptr, size_t new_size, gfp_t gfp);
size_t hakmem_ksize(const void *objp);

/**
 * hakmem_zalloc() - hakmem_alloc() of zeroed memory, as kzalloc()
 * @size: bytes, as for hakmem_alloc()
 * @gfp: as for hakmem_alloc(); __GFP_ZERO is added
 *
 * Context: as hakmem_alloc().
 * Return: the object, zeroed, ZERO_SIZE_PTR, or NULL.
 */
static inline void *hakmem_zalloc(size_t size, gfp_t gfp)
{
	return hakmem_alloc(size, gfp | __GFP_ZERO);
}

/**
 * hakmem_cache_zalloc() - hakmem_cache_alloc() of a zeroed object, as
 * kmem_cache_zalloc()
 * @cache: as for hakmem_cache_alloc()
 * @gfp: as for hakmem_cache_alloc(); __GFP_ZERO is added
 *
 * Context: as hakmem_cache_alloc().
 * Return: the object, zeroed (its whole block), or NULL.
 */
static inline void *hakmem_cache_zalloc(struct hakmem_cache *cache, gfp_t gfp)
{
	return hakmem_cache_alloc(cache, gfp | __GFP_ZERO);
}

/* for companion modules (bench, stress): a file of their own in hakmem/ */
struct dentry *hakmem_debugfs_add_file(const char *name,
				       const struct file_operations *fops);

#endif /* HAKMEM_SLAB_H */
