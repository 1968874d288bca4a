// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_report.c - counting and printing refused operations.
 */
#include "hm_report.h"
#include "hm_slab.h"

hm_atomic_t hm_errors_total[HM_ERR_NR];

/* the last HM_ERR_LOG reports, for debugfs "errors" and the stats dump */
static struct hm_err_entry hm_err_log[HM_ERR_LOG];
static unsigned long hm_err_seq;
HM_DEFINE_LOCK(hm_err_lock);	/* also taken around fork() in userspace */

static const char *const hm_error_names[HM_ERR_NR] = {
	[HM_ERR_DOUBLE_FREE]	= "double free",
	[HM_ERR_FOREIGN]	= "pointer not from hakmem",
	[HM_ERR_INTERIOR]	= "interior pointer",
	[HM_ERR_WRONG_CACHE]	= "free to the wrong cache",
	[HM_ERR_DESTROYED]	= "free into a destroyed cache",
	[HM_ERR_BAD_SIZE]	= "bad size",
	[HM_ERR_LEAK]		= "objects live at destroy",
	[HM_ERR_CORRUPT]	= "metadata corrupt",
	[HM_ERR_USE_AFTER_FREE]	= "write after free",
	[HM_ERR_XOWNER]		= "freed by another owner",
};

const char *hm_error_name(enum hm_error e)
{
	return e < HM_ERR_NR ? hm_error_names[e] : "unknown";
}

/**
 * hm_report() - count and report a refused operation
 * @c: the cache concerned, or NULL
 * @e: what was wrong
 * @p: the pointer (or size, cast) involved
 * @ip: the caller's return address, or 0
 */
void hm_report(struct hm_cache *c, enum hm_error e, const void *p,
	       unsigned long ip)
{
	hm_report_track(c, e, p, ip, NULL);
}

/**
 * hm_report_track() - hm_report() with the block's tracking record
 * @c: cache, or NULL
 * @e: what was wrong
 * @p: the pointer
 * @ip: the caller
 * @t: the block's record (hm_debug_track()), or NULL
 *
 * With a record, the report says who allocated the block and, for a
 * double free, who freed it first, and how long ago: KASAN's "Allocated
 * by / Freed by".
 */
void hm_report_track(struct hm_cache *c, enum hm_error e, const void *p,
		     unsigned long ip, const struct hm_track *t)
{
	u64 now;

	hm_atomic_fetch_add(&hm_errors_total[e], 1);
	if (c)
		hm_atomic_fetch_add(&c->errors[e], 1);
	if (t && !t->site)
		t = NULL;
	hm_report_log(c, e, p, ip, t);
	if (hm_plat_error_hook(e))
		return;
	/* one message per report: the user's error handler sees one call */
	if (!t) {
		hm_plat_err("%s: %p in cache %s (slab %p), caller " HM_SYM_FMT "\n",
			    hm_error_name(e), p, c ? c->name : "-",
			    c ? (void *)hm_ptr_slab(p) : NULL, (void *)ip);
		return;
	}
	now = hm_plat_stamp();
	hm_plat_err("%s: %p in cache %s (slab %p), caller " HM_SYM_FMT "\n"
		    "  allocated by %u at " HM_SYM_FMT ", %llu ns ago\n"
		    "  freed by %u at " HM_SYM_FMT ", %llu ns ago\n",
		    hm_error_name(e), p, c ? c->name : "-",
		    c ? (void *)hm_ptr_slab(p) : NULL, (void *)ip,
		    t->owner, (void *)t->site, (unsigned long long)hm_plat_stamp_ns(now - t->when),
		    t->free_owner, (void *)t->free_site,
		    (unsigned long long)(t->free_site ? hm_plat_stamp_ns(now - t->free_when) : 0));
}

/**
 * hm_report_bad_link() - a free list of @s broke at block @p
 * @c: its cache
 * @s: the slab
 * @p: the block whose link is bad, or that a link reached but is not free
 * @link: the link found in @p
 * @e: HM_ERR_USE_AFTER_FREE for a link written after free (poisoning
 *     cannot cover a free-list block's first word), HM_ERR_CORRUPT for a
 *     list that a double free without checks made a cycle
 * @withheld: blocks taken out of use because of it
 *
 * Found at allocation or collection: there is no caller to name.
 */
void hm_report_bad_link(struct hm_cache *c, const struct hm_slab *s, const void *p,
			const void *link, enum hm_error e, unsigned int withheld)
{
	hm_atomic_fetch_add(&hm_errors_total[e], 1);
	hm_atomic_fetch_add(&c->errors[e], 1);
	hm_report_log(c, e, p, 0, NULL);
	if (hm_plat_error_hook(e))
		return;
	hm_plat_err("BUG %s: %s: free list of slab %p broken at block %p (link %p); lists mended, %u blocks withheld\n",
		    c->name, e == HM_ERR_CORRUPT ? "cycle" : "write after free", (const void *)s,
		    p, link, withheld);
}

/* @p is inside slab @s of @c but is not a valid block start. */
void hm_report_bad_block(struct hm_cache *c, const struct hm_slab *s,
			 const void *p, unsigned long ip)
{
	unsigned long off = (unsigned long)((const char *)p - (const char *)s);

	hm_report(c, off < c->first_off ? HM_ERR_FOREIGN : HM_ERR_INTERIOR, p, ip);
}

/**
 * hm_report_log() - remember a report in the ring of the last HM_ERR_LOG
 * @c: cache, or NULL
 * @e: what was wrong
 * @p: the pointer
 * @ip: the caller
 * @t: the block's tracking record, or NULL
 */
void hm_report_log(struct hm_cache *c, enum hm_error e, const void *p,
		   unsigned long ip, const struct hm_track *t)
{
	u64 now = t ? hm_plat_stamp() : 0;
	struct hm_err_entry *en;
	unsigned long flags;

	hm_lock(&hm_err_lock, flags);
	en = &hm_err_log[hm_err_seq++ % HM_ERR_LOG];
	en->seq = hm_err_seq;
	en->kind = e;
	en->ptr = (unsigned long)p;
	en->ip = ip;
	en->ctx = hm_plat_ctx_id();
	hm_strscpy(en->cache, c ? c->name : "-", sizeof(en->cache));
	en->alloc_ip = t ? t->site : 0;
	en->alloc_ctx = t ? t->owner : 0;
	en->alloc_age_ns = t ? hm_plat_stamp_ns(now - t->when) : 0;
	en->free_ip = t ? t->free_site : 0;
	en->free_ctx = t && t->free_site ? t->free_owner : 0;
	en->free_age_ns = t && t->free_site ? hm_plat_stamp_ns(now - t->free_when) : 0;
	hm_unlock(&hm_err_lock, flags);
}

/**
 * hm_report_log_copy() - the remembered reports, oldest first
 * @out: room for HM_ERR_LOG entries
 *
 * Return: how many were copied.
 */
unsigned int hm_report_log_copy(struct hm_err_entry *out)
{
	unsigned long flags, first;
	unsigned int n = 0;

	hm_lock(&hm_err_lock, flags);
	first = hm_err_seq > HM_ERR_LOG ? hm_err_seq - HM_ERR_LOG : 0;
	for (; first < hm_err_seq; first++)
		out[n++] = hm_err_log[first % HM_ERR_LOG];
	hm_unlock(&hm_err_lock, flags);
	return n;
}

/* Destroy found @live objects in slab @s of @c: the slab is kept. */
void hm_report_leak(struct hm_cache *c, const struct hm_slab *s, unsigned int live)
{
	hm_atomic_fetch_add(&hm_errors_total[HM_ERR_LEAK], 1);
	hm_atomic_fetch_add(&c->errors[HM_ERR_LEAK], 1);
	if (hm_plat_error_hook(HM_ERR_LEAK))
		return;
	hm_plat_err("cache %s destroyed with %u live objects of %u bytes in slab %p: slab kept\n",
		    c->name, live, c->obj_size, (const void *)s);
}
