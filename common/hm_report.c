// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_report.c - counting and printing refused operations.
 */
#include "hm_report.h"
#include "hm_slab.h"
#include "hm_debug.h"

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
	[HM_ERR_NOT_LIVE]	= "use after free",
};

const char *hm_error_name(enum hm_error e)
{
	return e < HM_ERR_NR ? hm_error_names[e] : "unknown";
}

/**
 * hm_msg_name() - what a rate limit's messages are, for "<N> <name>
 * reports suppressed"
 * @k: enum hm_error or enum hm_msg
 *
 * Return: the kind's name (hm_error_name()), "validation", "tracking" or
 * "debug memory".
 */
const char *hm_msg_name(int k)
{
	if (k == HM_MSG_VALIDATE)
		return "validation";
	if (k == HM_MSG_TRACK)
		return "tracking";
	if (k == HM_MSG_DEBUG_MEM)
		return "debug memory";
	return hm_error_name((enum hm_error)k);
}

/**
 * hm_report() - count and report a refused operation
 * @c: the cache concerned, or NULL
 * @e: what was wrong
 * @p: the pointer (or size, cast) involved
 * @ip: the caller's return address, or 0
 *
 * For a pointer into no slab (a large object, memory hakmem never handed
 * out, a size): the report names no slab.
 */
void hm_report(struct hm_cache *c, enum hm_error e, const void *p,
	       unsigned long ip)
{
	hm_report_track(c, e, NULL, p, ip, NULL);
}

/* "<kind>: <p> in cache <c> (slab <s>[ of cache <other>]), caller <ip>" */
#define HM_REPORT_FMT	"%s: %p in cache %s (slab %p%s%s), caller " HM_SYM_FMT "\n"

/**
 * hm_report_track() - hm_report() with the block's slab and tracking record
 * @c: the cache concerned (the one the caller named), or NULL
 * @e: what was wrong
 * @s: the live slab @p points into, or NULL
 * @p: the pointer
 * @ip: the caller
 * @t: the record of the block @p points into (hm_debug_block_track()), or
 *     NULL
 *
 * With a record, the report says who allocated the block and, when it was
 * freed, who freed it, and how long ago: KASAN's "Allocated by / Freed
 * by".  One message, however many lines: an error handler sees one call.
 */
void hm_report_track(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		     const void *p, unsigned long ip, const struct hm_track *t)
{
	/* a slab of another cache than the one named (a wrong-cache free) */
	const struct hm_cache *of = s && c && s->cache != c ? s->cache : NULL;
	const char *name = c ? c->name : "-", *kind = hm_error_name(e);
	const char *of_txt = of ? " of cache " : "", *of_name = of ? of->name : "";
	struct hm_track tr;
	u64 now;

	if (t)
		hm_track_snapshot(&tr, t);	/* the owner may rewrite it meanwhile */
	t = t && tr.site ? &tr : NULL;
	if (!hm_report_count(c, e, s, p, 0, ip, t))
		return;
	if (!t) {
		hm_plat_err(HM_REPORT_FMT, kind, p, name, (const void *)s, of_txt, of_name,
			    HM_SYM(ip));
		return;
	}
	now = hm_plat_stamp();
	if (!t->free_site) {
		hm_plat_err(HM_REPORT_FMT
			    "  allocated by " HM_CTX_FMT " at " HM_SYM_FMT ", %llu ns ago\n",
			    kind, p, name, (const void *)s, of_txt, of_name, HM_SYM(ip),
			    HM_CTX(t->owner), HM_SYM(t->site),
			    (unsigned long long)hm_plat_stamp_ns(now - t->when));
		return;
	}
	hm_plat_err(HM_REPORT_FMT
		    "  allocated by " HM_CTX_FMT " at " HM_SYM_FMT ", %llu ns ago\n"
		    "  freed by " HM_CTX_FMT " at " HM_SYM_FMT ", %llu ns ago\n",
		    kind, p, name, (const void *)s, of_txt, of_name, HM_SYM(ip),
		    HM_CTX(t->owner), HM_SYM(t->site),
		    (unsigned long long)hm_plat_stamp_ns(now - t->when),
		    HM_CTX(t->free_owner), HM_SYM(t->free_site),
		    (unsigned long long)hm_plat_stamp_ns(now - t->free_when));
}

/**
 * hm_report_block() - report a refused operation on a pointer into slab @s
 * @c: the cache concerned (the one the caller named)
 * @e: what was wrong
 * @s: the live slab @p points into
 * @p: the pointer: a block start, or inside a block
 * @ip: the caller
 *
 * With tracking on in @s's cache, the report carries the record of the
 * block @p points into: where it was allocated, by whom, and its free.
 */
void hm_report_block(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		     const void *p, unsigned long ip)
{
	struct hm_track tr;

	hm_report_track(c, e, s, p, ip, hm_debug_block_track_copy(s, p, &tr));
}

/* @p is inside slab @s of @c but is not a valid block start. */
void hm_report_bad_block(struct hm_cache *c, const struct hm_slab *s,
			 const void *p, unsigned long ip)
{
	unsigned long off = (unsigned long)((const char *)p - (const char *)s);

	if (off < c->first_off)
		hm_report_track(c, HM_ERR_FOREIGN, s, p, ip, NULL);
	else
		hm_report_block(c, HM_ERR_INTERIOR, s, p, ip);
}

/* Remember a report in the ring of the last HM_ERR_LOG. */
static void hm_report_log(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
			  const void *p, unsigned int off, unsigned long ip,
			  const struct hm_track *t)
{
	u64 now = t ? hm_plat_stamp() : 0;
	struct hm_err_entry *en;
	unsigned long flags;

	hm_lock(&hm_err_lock, flags);
	en = &hm_err_log[hm_err_seq++ % HM_ERR_LOG];
	en->seq = hm_err_seq;
	en->kind = e;
	en->ptr = (unsigned long)p;
	en->slab = (unsigned long)s;
	en->offset = off;
	en->ip = ip;
	en->ctx = hm_plat_report_ctx();
	hm_strscpy(en->cache, c ? c->name : "-", sizeof(en->cache));
	en->cache_id = c ? c->id : 0;
	en->alloc_ip = t ? t->site : 0;
	en->alloc_ctx = t ? t->owner : 0;
	en->alloc_age_ns = t ? hm_plat_stamp_ns(now - t->when) : 0;
	en->free_ip = t ? t->free_site : 0;
	en->free_ctx = t && t->free_site ? t->free_owner : 0;
	en->free_age_ns = t && t->free_site ? hm_plat_stamp_ns(now - t->free_when) : 0;
	hm_unlock(&hm_err_lock, flags);
}

/**
 * hm_report_note() - count and log a report, whether or not it is printed
 * @c: the cache concerned, or NULL
 * @e: what was wrong
 * @s: the slab the pointer is in, or NULL
 * @p: the pointer
 * @off: a write after free: the offset of the first changed byte; else 0
 * @ip: the caller
 * @t: the block's tracking record, or NULL
 *
 * For a caller that may not print the report for reasons of its own (the
 * kernel's __GFP_NOWARN): when it does print, it asks
 * hm_plat_err_ratelimit(@c, @e) first.
 *
 * Return: false when a test counts it (hm_plat_error_hook()): not to be
 * printed; else true.
 */
bool hm_report_note(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		    const void *p, unsigned int off, unsigned long ip,
		    const struct hm_track *t)
{
	hm_atomic_fetch_add(&hm_errors_total[e], 1);
	if (c)
		hm_atomic_fetch_add(&c->errors[e], 1);
	hm_report_log(c, e, s, p, off, ip, t);
	return !hm_plat_error_hook(e);
}

/**
 * hm_report_count() - count and log a report, before it is printed
 * @c: the cache concerned, or NULL
 * @e: what was wrong
 * @s: the slab the pointer is in, or NULL
 * @p: the pointer
 * @off: a write after free: the offset of the first changed byte; else 0
 * @ip: the caller
 * @t: the block's tracking record, or NULL
 *
 * Every report is counted and logged, printed or not.
 *
 * Return: true when the caller prints the report (in one hm_plat_err()
 * call); false when a test counts it (hm_plat_error_hook()) or the
 * platform's rate limit for kind @e of cache @c holds it back
 * (hm_plat_err_ratelimit(): the kernel's, one per cache and kind, so that
 * a flood of one cache's reports silences neither another cache nor
 * another kind; userspace prints every report).
 */
bool hm_report_count(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		     const void *p, unsigned int off, unsigned long ip,
		     const struct hm_track *t)
{
	return hm_report_note(c, e, s, p, off, ip, t) && hm_plat_err_ratelimit(c, e);
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
	if (hm_plat_error_hook(HM_ERR_LEAK) || !hm_plat_err_ratelimit(c, HM_ERR_LEAK))
		return;
	hm_plat_err("cache %s destroyed with %u live objects of %u bytes in slab %p: slab kept\n",
		    c->name, live, c->obj_size, (const void *)s);
}
