/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_adapt.h - the adaptive mode: each context of a hybrid cache switches
 * between the magazine (a LIFO pointer stack, free-list style) and the
 * bitmap fast path by the churn it measures (see hm_adapt.c).
 */
#ifndef HM_ADAPT_H
#define HM_ADAPT_H

#include "hm_cache.h"
#include "hm_stats.h"

#define HM_ADAPT_WINDOW		1024	/* allocations per measurement */
#define HM_ADAPT_HIGH		500	/* churn (permille) that favours bitmap */
#define HM_ADAPT_CONFIRM	2	/* high windows in a row before a switch */
#define HM_ADAPT_HOLD_MIN	4	/* bitmap windows before the first probe */
#define HM_ADAPT_HOLD_MAX	64	/* bitmap windows between probes, at most */
/* bitmap: the active slab drained once per this many allocations: probe */
#define HM_ADAPT_DRAIN		64
#define HM_ADAPT_OFF_PENDING	2	/* cc->adapt.on: off, not back in hybrid yet */

void hm_adapt_tick(struct hm_cctx *cc);
void hm_adapt_switch(struct hm_cctx *cc);
void hm_adapt_own(struct hm_cctx *cc, struct hm_slab *s);
int hm_cache_set_adaptive(struct hm_cache *c, bool on);
void hm_adapt_print(struct hm_cache *c, struct hm_printer *pr, unsigned int width);

struct hm_adapt_sum {
	unsigned long contexts, hybrid, bitmap, switches;
};

void hm_adapt_sum(struct hm_cache *c, struct hm_adapt_sum *sum);

#endif /* HM_ADAPT_H */
