/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_learn.h - online choice of a cache's fit policy: ELO ratings from
 * measured cost, a bounded learning phase, then frozen (see hm_learn.c).
 */
#ifndef HM_LEARN_H
#define HM_LEARN_H

#include "hm_fit.h"
#include "hm_stats.h"

#define HM_LEARN_EPOCH		128	/* allocations per epoch, cache-wide */
#define HM_LEARN_ROUNDS		2	/* epochs per policy before freezing */
#define HM_LEARN_FLUSH		32	/* a context reports this often */
#define HM_LEARN_LOOK		256	/* slabs an epoch's end looks at, at most */
#define HM_ELO_START		1500
#define HM_ELO_K		32

enum hm_learn_state {
	HM_LEARN_OFF,
	HM_LEARN_ON,		/* policies take turns, one epoch each */
	HM_LEARN_FROZEN,	/* the best-rated policy, no more epochs */
};

struct hm_learn {
	u32 state;
	u32 seed0;		/* as given */
	u32 seed;		/* xorshift32 state: the order of the turns */
	u32 epoch;		/* epochs played */
	u32 serial;		/* tag of the reports taken: new each epoch and run */
	u32 turn;		/* policy of the running epoch */
	u32 order[HM_FIT_NR];	/* one round's order, reshuffled per round */
	unsigned long ops, work;	/* of the running epoch */
	s64 rating[HM_FIT_NR];
	unsigned long cost[HM_FIT_NR];	/* mean score: work per op, frag-weighted */
	unsigned long cost_sum[HM_FIT_NR];
	unsigned long played[HM_FIT_NR];
	u32 choice;		/* the frozen choice */
	unsigned long looked;	/* slabs the last epoch's end looked at */
};

/* hm_cache_learn() and hm_learn_all() refuse with one of these */
#define HM_LEARN_REFUSED	(-1)	/* mode, state, or a freeze with no learner */
#define HM_LEARN_NOMEM		(-2)

/* @fn(c, fn_arg) on every cache of a set, @each_arg saying which set */
typedef void (*hm_cache_walk_t)(void (*fn)(struct hm_cache *c, void *fn_arg), void *fn_arg,
				void *each_arg);

int hm_cache_learn(struct hm_cache *c, enum hm_learn_state state, u32 seed);
int hm_learn_all(hm_cache_walk_t each, void *each_arg, enum hm_learn_state state, u32 seed);
bool hm_learn_parse(const char *str, enum hm_learn_state *state, u32 *seed);
void hm_learn_report(struct hm_cctx *cc);
void hm_learn_destroy(struct hm_cache *c);
int hm_elo_expect(s64 ra, s64 rb);
bool hm_learn_snapshot(struct hm_cache *c, struct hm_learn *out);
void hm_learn_print(struct hm_cache *c, struct hm_printer *pr, unsigned int width);
const char *hm_learn_state_name(unsigned int state);

/* a context's work since its last report; reported every HM_LEARN_FLUSH */
static inline void hm_learn_tick(struct hm_cctx *cc, unsigned int work)
{
	cc->fit.work += work;
	if (++cc->fit.ops >= HM_LEARN_FLUSH)
		hm_learn_report(cc);
}

#endif /* HM_LEARN_H */
