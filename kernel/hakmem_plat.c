// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_plat.c - the kernel's implementation of the platform contract
 * (common/hm_platform.h), and the exports of the core's internals for the
 * KUnit module.
 */
#define pr_fmt(fmt) "hakmem: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#if IS_ENABLED(CONFIG_KUNIT)
#include <kunit/resource.h>
#include <kunit/test.h>
#endif

#include "hakmem_internal.h"
#include "hm_adapt.h"
#include "hm_debug.h"
#include "hm_fit.h"
#include "hm_frag.h"
#include "hm_learn.h"
#include "hm_report.h"
#include "hm_stats.h"
#include "hm_validate.h"

/* 6.8 renamed the exclusive MAX_ORDER to the inclusive MAX_PAGE_ORDER */
#ifdef MAX_PAGE_ORDER
#define HM_MAX_CHUNK_ORDER	MAX_PAGE_ORDER
#else
#define HM_MAX_CHUNK_ORDER	(MAX_ORDER - 1)
#endif

/* fault injection for the tests: every Nth chunk request fails (0: none) */
static unsigned long hm_chunk_fail_every;
static atomic_long_t hm_chunk_requests;

/**
 * hakmem_chunk_faults() - make every @every-th chunk request fail
 * @every: the period, 0 to turn failures off
 *
 * Deterministic, unlike the page allocator's fail_page_alloc, so a test
 * knows exactly which allocation runs out of memory.
 */
void hakmem_chunk_faults(unsigned long every)
{
	atomic_long_set(&hm_chunk_requests, 0);
	WRITE_ONCE(hm_chunk_fail_every, every);
}
EXPORT_SYMBOL_NS_GPL(hakmem_chunk_faults, HAKMEM_NS);

/**
 * hm_plat_chunk_alloc() - pages for a slab or a large object
 * @size: a multiple of HM_SLAB_SIZE
 * @gfp: the caller's allocation flags
 *
 * A buddy block of order n is aligned to PAGE_SIZE << n in physical memory
 * and therefore in the direct map, so an order >= HM_SLAB_SHIFT - PAGE_SHIFT
 * block is a naturally aligned chunk.  Sizes that are not a power of two
 * take the next order.  __GFP_COMP makes the chunk one folio, so hardened
 * usercopy checks copies from objects against the chunk's bounds.
 *
 * Return: the chunk's address in the direct map, or NULL.
 */
void *hm_plat_chunk_alloc(size_t size, hm_gfp_t gfp)
{
	unsigned int order = get_order(size);
	struct page *page;
	unsigned long every = READ_ONCE(hm_chunk_fail_every);
	void *p;

	if (unlikely(every) && atomic_long_inc_return(&hm_chunk_requests) % every == 0)
		return NULL;
	if (order > HM_MAX_CHUNK_ORDER)
		return NULL;
	/* slabs are addressed through the direct map and never move */
	gfp &= ~(__GFP_ZERO | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_DMA | __GFP_DMA32);
	page = alloc_pages(gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	p = page_address(page);
	if (WARN_ON_ONCE((unsigned long)p & (HM_SLAB_SIZE - 1))) {
		__free_pages(page, order);
		return NULL;
	}
	return p;
}

void hm_plat_chunk_free(void *p, size_t size)
{
	__free_pages(virt_to_page(p), get_order(size));
}

/*
 * Metadata: caches, dynamic contexts, slab map levels.  Only the slab
 * map's 512 KiB top level is large enough for vmalloc; it is allocated
 * with GFP_KERNEL at module load (kvzalloc() falls back to kmalloc for
 * atomic flags).
 */
void *hm_plat_meta_alloc(size_t size, hm_gfp_t gfp)
{
	return kvzalloc(size, gfp);
}

void hm_plat_meta_free(void *p, size_t size)
{
	kvfree(p);
}

/**
 * hm_plat_error_hook() - let a KUnit test count a refused operation
 * @e: enum hm_error
 *
 * The pattern of lib/slub_kunit.c and mm/slub.c's slab_add_kunit_errors():
 * a test that expects errors adds a named resource "hakmem_errors" (a
 * long); while it runs, errors increment it instead of being printed.
 *
 * Return: true when the error was counted and must not be printed.
 */
bool hm_plat_error_hook(int e)
{
#if IS_ENABLED(CONFIG_KUNIT)
	struct kunit_resource *res;
	unsigned long flags;

	if (!current->kunit_test)
		return false;
	res = kunit_find_named_resource(current->kunit_test, "hakmem_errors");
	if (!res)
		return false;
	/* an interrupt of the test task could report too */
	local_irq_save(flags);
	(*(long *)res->data)++;
	local_irq_restore(flags);
	kunit_put_resource(res);
	return true;
#else
	return false;
#endif
}

DEFINE_STATIC_KEY_FALSE(hm_debug_key);

/**
 * hm_plat_debug_ref() - count the caches that have a debug switch on
 * @delta: +1 when a cache's switches go from all off to some on, -1 back
 *
 * The static key that gates every debug hook is on while the count is
 * positive: with no switch on anywhere, the fast paths carry a patched-out
 * jump instead of the test.  Process context (the key's update takes
 * cpus_read_lock()); called with no hakmem spinlock held.
 */
void hm_plat_debug_ref(int delta)
{
	if (delta > 0)
		static_branch_inc(&hm_debug_key);
	else if (delta < 0)
		static_branch_dec(&hm_debug_key);
}

/*
 * The core's internals, for the shared test cases in hakmem_slab_test.ko
 * (common/tests/).  A namespace keeps them out of reach of clients, which
 * would have to import HAKMEM_INTERNAL explicitly.  The test module links
 * against these instead of carrying a second copy of the core, whose slab
 * map would not know this module's chunks.
 */
#define HM_EXPORT(sym)	EXPORT_SYMBOL_NS_GPL(sym, HAKMEM_NS)

HM_EXPORT(hm_plat_chunk_alloc);
HM_EXPORT(hm_plat_chunk_free);
HM_EXPORT(hm_plat_meta_alloc);
HM_EXPORT(hm_plat_meta_free);
HM_EXPORT(hm_plat_error_hook);
HM_EXPORT(hm_core_cache_create);
HM_EXPORT(hm_core_cache_destroy);
HM_EXPORT(hm_cache_chunk_get);
HM_EXPORT(hm_cctx_add_chunk);
HM_EXPORT(hm_cache_shrink);
HM_EXPORT(hm_mode_parse);
HM_EXPORT(hm_mode_name);
HM_EXPORT(hm_cctx_size);
HM_EXPORT(hm_cctx_init);
HM_EXPORT(hm_cctx_register);
HM_EXPORT(hm_cctx_new);
HM_EXPORT(hm_cctx_adopt);
HM_EXPORT(hm_cctx_flush);
HM_EXPORT(hm_cctx_abandon);
HM_EXPORT(hm_cctx_alloc_bulk);
HM_EXPORT(hm_cctx_free_bulk);
HM_EXPORT(hm_large_alloc);
HM_EXPORT(hm_free_other);
HM_EXPORT(hm_free_other_cache);
HM_EXPORT(hm_core_usable_size);
HM_EXPORT(hm_bitmap_alloc_slow);
HM_EXPORT(hm_bitmap_free_remote);
HM_EXPORT(hm_bitmap_collect);
HM_EXPORT(hm_freelist_alloc_slow);
HM_EXPORT(hm_freelist_free_remote);
HM_EXPORT(hm_freelist_is_free);
HM_EXPORT(hm_hybrid_alloc_slow);
HM_EXPORT(hm_hybrid_flush);
HM_EXPORT(hm_cache_geometry);
HM_EXPORT(hm_slab_init);
HM_EXPORT(hm_slab_collect);
HM_EXPORT(hm_slab_remote_pending);
HM_EXPORT(hm_slab_free_count);
HM_EXPORT(hm_slab_is_empty);
HM_EXPORT(hm_slab_settle);
HM_EXPORT(hm_slabmap);
HM_EXPORT(hm_slabmap_prepare);
HM_EXPORT(hm_slabmap_set);
HM_EXPORT(hm_errors_total);
HM_EXPORT(hm_error_name);
HM_EXPORT(hm_report);
HM_EXPORT(hm_report_bad_block);
HM_EXPORT(hm_cache_validate);
HM_EXPORT(hm_cache_live_objects);
HM_EXPORT(hm_debug_key);
HM_EXPORT(hm_plat_debug_ref);
HM_EXPORT(hm_cache_set_debug);
HM_EXPORT(hm_debug_parse);
HM_EXPORT(hm_debug_on_alloc);
HM_EXPORT(hm_cctx_alloc_debug);
HM_EXPORT(hm_cctx_free_local_debug);
HM_EXPORT(hm_debug_on_free);
HM_EXPORT(hm_debug_track);
HM_EXPORT(hm_report_log);
HM_EXPORT(hm_report_log_copy);
HM_EXPORT(hm_slab_map);
HM_EXPORT(hm_map_longest_free);
HM_EXPORT(hm_cache_frag);
HM_EXPORT(hm_frag_print);
HM_EXPORT(hm_sites_top);
HM_EXPORT(hm_sites_print);
HM_EXPORT(hm_cctx_stats);
HM_EXPORT(hm_cache_stats);
HM_EXPORT(hm_stats_print_header);
HM_EXPORT(hm_stats_print);
HM_EXPORT(hm_fit_parse);
HM_EXPORT(hm_fit_name);
HM_EXPORT(hm_cache_set_fit);
HM_EXPORT(hm_cctx_alloc_contig);
HM_EXPORT(hm_cctx_add_chunk_contig);
HM_EXPORT(hm_cache_learn);
HM_EXPORT(hm_learn_parse);
HM_EXPORT(hm_elo_expect);
HM_EXPORT(hm_cache_set_adaptive);
HM_EXPORT(hakmem_mutex);
HM_EXPORT(hakmem_list_lock);
HM_EXPORT(hakmem_caches);
HM_EXPORT(hakmem_classes);
