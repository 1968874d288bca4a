/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_report.h - refused operations: counted, reported once, never acted on.
 *
 * A bad free (double free, foreign or interior pointer, wrong cache) is
 * refused before it touches any state, so nothing is corrupted and nothing
 * is lost.  Each refusal increments a per-cache and a global counter, is
 * logged in a ring (hm_report_log_copy()) and printed as one message, one
 * hm_plat_err() call however many lines it has, unless the platform says
 * a test is counting errors (hm_plat_error_hook(), the slub_kunit
 * "slab_errors" pattern) or its rate limit holds the report back
 * (hm_plat_err_ratelimit(), the kernel's, per cache and kind: counted and
 * logged all the same).
 */
#ifndef HM_REPORT_H
#define HM_REPORT_H

#include "hm_types.h"

#define HM_ERR_LOG	16

struct hm_err_entry {
	unsigned long seq;	/* 1 for the first report since load */
	unsigned long ptr;
	unsigned long slab;	/* the slab @ptr points into, 0: none known */
	unsigned long ip;
	u32 kind;		/* enum hm_error */
	u32 ctx;		/* who made the call: hm_plat_report_ctx() */
	u32 offset;		/* write after free: the first changed byte, else 0 */
	char cache[HM_NAME_LEN];
	u64 cache_id;		/* the cache's unique id (names repeat), 0: none */
	/* the block's history, when tracking recorded one (else 0) */
	unsigned long alloc_ip, free_ip;
	u32 alloc_ctx, free_ctx;
	u64 alloc_age_ns, free_age_ns;	/* how long before the report */
};

extern hm_atomic_t hm_errors_total[HM_ERR_NR];

bool hm_report_note(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		    const void *p, unsigned int off, unsigned long ip,
		    const struct hm_track *t);
bool hm_report_count(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		     const void *p, unsigned int off, unsigned long ip,
		     const struct hm_track *t);
unsigned int hm_report_log_copy(struct hm_err_entry *out);

const char *hm_error_name(enum hm_error e);
const char *hm_msg_name(int k);
/* the report log's lock; also taken around fork() in userspace */
extern hm_lock_t hm_err_lock;

void hm_report(struct hm_cache *c, enum hm_error e, const void *p,
	       unsigned long ip);
void hm_report_track(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		     const void *p, unsigned long ip, const struct hm_track *t);
void hm_report_block(struct hm_cache *c, enum hm_error e, const struct hm_slab *s,
		     const void *p, unsigned long ip);
void hm_report_leak(struct hm_cache *c, const struct hm_slab *s, unsigned int live);
void hm_report_bad_link(struct hm_cache *c, const struct hm_slab *s, const void *p,
			const void *link, enum hm_error e, unsigned int withheld);
void hm_report_bad_block(struct hm_cache *c, const struct hm_slab *s,
			 const void *p, unsigned long ip);

static inline unsigned long hm_errors(enum hm_error e)
{
	return hm_atomic_read(&hm_errors_total[e]);
}

#endif /* HM_REPORT_H */
