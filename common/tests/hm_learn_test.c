// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_learn_test.c - the policy learner: its ELO arithmetic, its commands,
 * a learning run that must end frozen on its cheapest policy (within 5%
 * by its own measure) with the ratings summing to their start, the same
 * choices from the same seed, and the freeze switch.
 */
#include "hm_test.h"
#include "hm_learn.h"

#define SLOTS	3000

static void hm_learn_elo_math(struct kunit *test)
{
	s64 a, b;

	KUNIT_EXPECT_EQ(test, hm_elo_expect(1500, 1500), 500);
	KUNIT_EXPECT_EQ(test, hm_elo_expect(1500, 1900), 91);
	KUNIT_EXPECT_EQ(test, hm_elo_expect(1900, 1500), 909);
	KUNIT_EXPECT_EQ(test, hm_elo_expect(1000, 3000), 91);	/* clamped */
	for (a = 1300; a <= 1700; a += 37) {
		int prev = 1001;

		for (b = 1000; b <= 2000; b += 13) {
			int e = hm_elo_expect(a, b);

			KUNIT_EXPECT_EQ(test, e + hm_elo_expect(b, a), 1000);
			KUNIT_EXPECT_LE(test, e, prev);	/* a stronger opponent */
			prev = e;
		}
	}
}

static void hm_learn_commands(struct kunit *test)
{
	static const char *const bad[] = { "", "on ", "on x", "on 4294967296", "onn",
					   "freeze now", "ON", "off\n\n", "on -1" };
	struct hm_cache *hy = hm_test_cache(test, 64, 0, HM_MODE_HYBRID);
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	enum hm_learn_state st;
	unsigned int i;
	u32 seed;

	KUNIT_EXPECT_TRUE(test, hm_learn_parse("on", &st, &seed));
	KUNIT_EXPECT_EQ(test, st, HM_LEARN_ON);
	KUNIT_EXPECT_EQ(test, seed, 1);
	KUNIT_EXPECT_TRUE(test, hm_learn_parse("on 4294967295\n", &st, &seed));
	KUNIT_EXPECT_EQ(test, seed, 4294967295U);
	KUNIT_EXPECT_TRUE(test, hm_learn_parse("freeze", &st, &seed));
	KUNIT_EXPECT_EQ(test, st, HM_LEARN_FROZEN);
	KUNIT_EXPECT_TRUE(test, hm_learn_parse("off\n", &st, &seed));
	KUNIT_EXPECT_EQ(test, st, HM_LEARN_OFF);
	for (i = 0; i < HM_ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE(test, hm_learn_parse(bad[i], &st, &seed));
	/* only bitmap caches learn; nothing to freeze before a start */
	KUNIT_EXPECT_EQ(test, hm_cache_learn(hy, HM_LEARN_ON, 1), HM_LEARN_REFUSED);
	KUNIT_EXPECT_NULL(test, hy->learn);
	KUNIT_EXPECT_EQ(test, hm_cache_learn(c, HM_LEARN_FROZEN, 1), HM_LEARN_REFUSED);
	KUNIT_EXPECT_EQ(test, c->fit, HM_FIT_DEFAULT);
}

/* random churn: @n allocations (and about as many frees) in @cc */
static void hm_churn(struct kunit *test, struct hm_cctx *cc, void **v,
		     unsigned int n, u32 *seed)
{
	unsigned int allocs = 0;

	while (allocs < n) {
		unsigned int k = hm_test_rand(seed) % SLOTS;

		if (v[k]) {
			hm_test_free_in(cc, v[k]);
			v[k] = NULL;
		} else {
			v[k] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[k]);
			allocs++;
		}
	}
}

static void hm_free_all(struct hm_cctx *cc, void **v)
{
	unsigned int i;

	for (i = 0; i < SLOTS; i++)
		if (v[i])
			hm_test_free_in(cc, v[i]);
}

/* a whole run: frozen in bounded time on its cheapest policy */
static void hm_learn_run_freezes(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, HM_MODE_BITMAP);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	unsigned long min = ~0UL;
	unsigned int f, rounds = 0;
	struct hm_learn *l;
	s64 sum = 0;
	u32 seed = 31;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 7), 0);
	l = c->learn;
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_EXPECT_EQ(test, cc->route, HM_ROUTE_FIT);
	/* every policy's epochs, plus the reports of one context in flight */
	while (l->state == HM_LEARN_ON && rounds++ < 40) {
		hm_churn(test, cc, v, HM_LEARN_EPOCH, &seed);
		/* the policy in use is the running epoch's */
		if (l->state == HM_LEARN_ON)
			KUNIT_EXPECT_EQ(test, c->fit, l->turn);
	}
	KUNIT_EXPECT_EQ(test, l->state, HM_LEARN_FROZEN);
	KUNIT_EXPECT_LE(test, rounds, HM_LEARN_ROUNDS * HM_FIT_NR + 2);
	KUNIT_EXPECT_EQ(test, l->epoch, HM_LEARN_ROUNDS * HM_FIT_NR);
	for (f = 0; f < HM_FIT_NR; f++) {
		KUNIT_EXPECT_EQ(test, l->played[f], HM_LEARN_ROUNDS);
		KUNIT_EXPECT_LE(test, l->rating[f], l->rating[l->choice]);
		KUNIT_EXPECT_GT(test, l->cost[f], 0);
		min = HM_MIN(min, l->cost[f]);
		sum += l->rating[f];
	}
	KUNIT_EXPECT_EQ(test, sum, (s64)HM_ELO_START * HM_FIT_NR);	/* zero-sum */
	KUNIT_EXPECT_LE(test, l->cost[l->choice] * 100, min * 105);
	KUNIT_EXPECT_EQ(test, c->fit, l->choice);
	KUNIT_EXPECT_EQ(test, c->learning, 0);
	KUNIT_EXPECT_EQ(test, cc->route,
			l->choice == HM_FIT_DEFAULT ? HM_MODE_BITMAP : HM_ROUTE_FIT);
	HM_EXPECT_VALID(test, c);
	hm_free_all(cc, v);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A run with a debug switch on (poisoning): every policy's turn is
 * counted, default's too, and the run freezes as without it.  Default's
 * turn was not counted on the debug route, and the run stalled there for
 * as long as the switch stayed on.
 */
static void hm_learn_run_debug(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 128, 0, HM_MODE_BITMAP);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	unsigned int f, rounds = 0;
	struct hm_learn *l;
	u32 seed = 17;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON, HM_GFP_DEFAULT), 0);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 7), 0);
	l = c->learn;
	KUNIT_ASSERT_NOT_NULL(test, l);
	while (l->state == HM_LEARN_ON && rounds++ < 40)
		hm_churn(test, cc, v, HM_LEARN_EPOCH, &seed);
	KUNIT_EXPECT_EQ(test, l->state, HM_LEARN_FROZEN);
	KUNIT_EXPECT_EQ(test, l->epoch, HM_LEARN_ROUNDS * HM_FIT_NR);
	for (f = 0; f < HM_FIT_NR; f++)
		KUNIT_EXPECT_EQ(test, l->played[f], HM_LEARN_ROUNDS);
	hm_free_all(cc, v);
	KUNIT_EXPECT_EQ(test, hm_cache_set_debug(c, 0, HM_GFP_DEFAULT), 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * An epoch's end looks at HM_LEARN_LOOK slabs at most, with the cache
 * lock held (interrupts off in the kernel): it walked every slab of the
 * cache, a time without bound.  A small cache is looked at whole.
 */
static void hm_learn_look_bounded(struct kunit *test)
{
	struct hm_cache *small = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	struct hm_cctx *scc = hm_test_cctx(test, small), *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	unsigned long nkeep = (HM_LEARN_LOOK + 8) * (unsigned long)c->nblocks, i;
	void **keep = kunit_kzalloc(test, nkeep * sizeof(void *), GFP_KERNEL);
	u32 seed = 11;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(small, HM_LEARN_ON, 3), 0);
	hm_churn(test, scc, v, HM_LEARN_EPOCH + HM_LEARN_FLUSH, &seed);
	KUNIT_ASSERT_EQ(test, small->learn->epoch, 1);
	KUNIT_EXPECT_EQ(test, small->learn->looked, small->nslabs);	/* whole */
	hm_free_all(scc, v);
	memset(v, 0, SLOTS * sizeof(void *));

	for (i = 0; i < nkeep; i++) {
		keep[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, keep[i]);
	}
	KUNIT_ASSERT_GT(test, c->nslabs, HM_LEARN_LOOK);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 3), 0);
	hm_churn(test, cc, v, HM_LEARN_EPOCH + HM_LEARN_FLUSH, &seed);
	KUNIT_ASSERT_EQ(test, c->learn->epoch, 1);
	KUNIT_EXPECT_EQ(test, c->learn->looked, HM_LEARN_LOOK);
	for (i = 0; i < nkeep; i++)
		hm_test_free_in(cc, keep[i]);
	hm_free_all(cc, v);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* one seed, one sequence of operations: one sequence of choices */
static void hm_learn_deterministic(struct kunit *test)
{
	struct hm_cache *c[2];
	struct hm_cctx *cc[2];
	void **v[2];
	unsigned int i, k, f;
	u32 seed[2] = { 5, 5 };

	for (i = 0; i < 2; i++) {
		c[i] = hm_test_cache(test, 96, 0, HM_MODE_BITMAP);
		cc[i] = hm_test_cctx(test, c[i]);
		v[i] = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
		KUNIT_ASSERT_EQ(test, hm_cache_learn(c[i], HM_LEARN_ON, 1234), 0);
	}
	for (k = 0; k < 6; k++) {	/* half the run, then compare */
		for (i = 0; i < 2; i++)
			hm_churn(test, cc[i], v[i], HM_LEARN_EPOCH, &seed[i]);
		KUNIT_EXPECT_EQ(test, c[0]->learn->epoch, c[1]->learn->epoch);
		KUNIT_EXPECT_EQ(test, c[0]->fit, c[1]->fit);
	}
	for (f = 0; f < HM_FIT_NR; f++) {
		KUNIT_EXPECT_EQ(test, c[0]->learn->rating[f], c[1]->learn->rating[f]);
		KUNIT_EXPECT_EQ(test, c[0]->learn->cost[f], c[1]->learn->cost[f]);
	}
	KUNIT_EXPECT_GT(test, c[0]->learn->epoch, 3);
	for (i = 0; i < 2; i++) {
		hm_free_all(cc[i], v[i]);
		HM_EXPECT_VALID(test, c[i]);
	}
}

/* freeze: at once, on the best so far, and nothing moves after it */
static void hm_learn_freeze_switch(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	s64 rating[HM_FIT_NR];
	unsigned int f, epoch;
	u32 seed = 3;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 99), 0);
	hm_churn(test, cc, v, 3 * HM_LEARN_EPOCH + 100, &seed);
	KUNIT_EXPECT_EQ(test, c->learn->state, HM_LEARN_ON);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_FROZEN, 0), 0);
	KUNIT_EXPECT_EQ(test, c->learn->state, HM_LEARN_FROZEN);
	KUNIT_EXPECT_EQ(test, c->fit, c->learn->choice);
	epoch = c->learn->epoch;
	for (f = 0; f < HM_FIT_NR; f++)
		rating[f] = c->learn->rating[f];
	hm_churn(test, cc, v, 8 * HM_LEARN_EPOCH, &seed);
	KUNIT_EXPECT_EQ(test, c->learn->epoch, epoch);
	KUNIT_EXPECT_EQ(test, c->fit, c->learn->choice);
	for (f = 0; f < HM_FIT_NR; f++)
		KUNIT_EXPECT_EQ(test, c->learn->rating[f], rating[f]);
	/* a policy set by hand ends a learning run too */
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 99), 0);
	KUNIT_ASSERT_EQ(test, hm_cache_set_fit(c, HM_FIT_FIRST), 0);
	KUNIT_EXPECT_EQ(test, c->learn->state, HM_LEARN_OFF);
	KUNIT_EXPECT_EQ(test, c->learning, 0);
	/* off: back to the inline path */
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_OFF, 0), 0);
	KUNIT_EXPECT_EQ(test, c->fit, HM_FIT_DEFAULT);
	KUNIT_EXPECT_EQ(test, cc->route, HM_MODE_BITMAP);
	hm_free_all(cc, v);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A run started again (off, then on): what a context counted in the
 * earlier run and never reported belongs to another run's policy, and is
 * dropped, not counted in the new run's first epoch.
 */
static void hm_learn_restart_drops(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, SLOTS * sizeof(void *), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 5), 0);
	for (i = 0; i < HM_LEARN_FLUSH / 2; i++) {	/* counted, not reported */
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_EXPECT_EQ(test, c->learn->ops, 0);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_OFF, 0), 0);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 6), 0);
	/* one epoch's allocations less what was left over: not an epoch yet */
	for (; i < HM_LEARN_EPOCH; i++) {
		v[i] = hm_test_alloc(cc);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_EXPECT_EQ(test, c->learn->epoch, 0);
	KUNIT_EXPECT_LE(test, c->learn->ops, HM_LEARN_EPOCH - HM_LEARN_FLUSH);
	hm_free_all(cc, v);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* every policy of @l played once, at cost @cost and rating HM_ELO_START */
static void hm_learn_played(struct hm_learn *l, unsigned long cost)
{
	unsigned int f;

	for (f = 0; f < HM_FIT_NR; f++) {
		l->played[f] = 1;
		l->cost[f] = cost;
		l->rating[f] = HM_ELO_START;
	}
}

/*
 * The choice a freeze makes: the best rated of the policies played whose
 * cost is within HM_LEARN_SLACK of the cheapest; on equal ratings the
 * cheaper, then the lower number; none played: the default.
 */
static void hm_learn_choice_rules(struct kunit *test)
{
	struct hm_cache *c = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	struct hm_learn *l;

	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 1), 0);
	l = c->learn;
	KUNIT_ASSERT_NOT_NULL(test, l);
	hm_learn_played(l, 100);	/* all alike: the lowest number */
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_FROZEN, 0), 0);
	KUNIT_EXPECT_EQ(test, l->choice, HM_FIT_DEFAULT);
	KUNIT_EXPECT_EQ(test, c->fit, HM_FIT_DEFAULT);

	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 1), 0);
	hm_learn_played(l, 100);	/* equal ratings: the cheaper, the lower */
	l->cost[HM_FIT_NEAR] = 99;
	l->cost[HM_FIT_BEST] = 99;
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_FROZEN, 0), 0);
	KUNIT_EXPECT_EQ(test, l->choice, HM_FIT_NEAR);
	KUNIT_EXPECT_EQ(test, c->fit, HM_FIT_NEAR);

	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 1), 0);
	hm_learn_played(l, 100);	/* the best rated within the slack */
	l->rating[HM_FIT_NEXT] = HM_ELO_START + 10;
	l->cost[HM_FIT_FIRST] = 200;
	l->rating[HM_FIT_FIRST] = HM_ELO_START + 100;
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_FROZEN, 0), 0);
	KUNIT_EXPECT_EQ(test, l->choice, HM_FIT_NEXT);
	KUNIT_EXPECT_EQ(test, c->fit, HM_FIT_NEXT);

	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_ON, 1), 0);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_FROZEN, 0), 0);
	KUNIT_EXPECT_EQ(test, l->choice, HM_FIT_DEFAULT);	/* none played */
	KUNIT_EXPECT_EQ(test, c->fit, HM_FIT_DEFAULT);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c, HM_LEARN_OFF, 0), 0);
}

struct hm_cache_set {
	struct hm_cache **c;
	unsigned int n;
};

static void hm_set_walk(void (*fn)(struct hm_cache *c, void *fn_arg), void *fn_arg, void *arg)
{
	struct hm_cache_set *set = arg;
	unsigned int i;

	for (i = 0; i < set->n; i++)
		fn(set->c[i], fn_arg);
}

/* hm_learn_all() over the @n caches @c */
static int hm_learn_set(struct hm_cache **c, unsigned int n, enum hm_learn_state st, u32 seed)
{
	struct hm_cache_set set = { c, n };

	return hm_learn_all(hm_set_walk, &set, st, seed);
}

/*
 * One command for many caches changes all or none: a freeze where one
 * bitmap cache never learned, or memory running out at any of the
 * learners' requests, leaves every cache as it was (and leaks nothing:
 * the memory tools and kmemleak see the set-aside learners freed).
 */
static void hm_learn_all_or_none(struct kunit *test)
{
	struct hm_cache *c[4];
	unsigned int i, every;

	c[0] = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	c[1] = hm_test_cache(test, 64, 0, HM_MODE_HYBRID);	/* not a learner's */
	c[2] = hm_test_cache(test, 128, 0, HM_MODE_BITMAP);
	c[3] = hm_test_cache(test, 32, 0, HM_MODE_BITMAP);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c[0], HM_LEARN_ON, 3), 0);
	KUNIT_ASSERT_EQ(test, hm_cache_learn(c[0], HM_LEARN_OFF, 0), 0);
	/* c[2] and c[3] never learned: a freeze of all is refused */
	KUNIT_EXPECT_EQ(test, hm_learn_set(c, 4, HM_LEARN_FROZEN, 0), HM_LEARN_REFUSED);
	KUNIT_EXPECT_EQ(test, c[0]->learn->state, HM_LEARN_OFF);
	/* "on" needs two new learners and their list: each request fails in turn */
	for (every = 1; every <= 3; every++) {
		hm_test_meta_faults(every);
		KUNIT_EXPECT_EQ(test, hm_learn_set(c, 4, HM_LEARN_ON, 5), HM_LEARN_NOMEM);
		hm_test_meta_faults(0);
		KUNIT_EXPECT_EQ(test, c[0]->learn->state, HM_LEARN_OFF);
		KUNIT_EXPECT_EQ(test, c[0]->learning, 0);
		KUNIT_EXPECT_NULL(test, c[2]->learn);
		KUNIT_EXPECT_NULL(test, c[3]->learn);
	}
	/* one cache's own learner: no memory is said as such */
	hm_test_meta_faults(1);
	KUNIT_EXPECT_EQ(test, hm_cache_learn(c[2], HM_LEARN_ON, 5), HM_LEARN_NOMEM);
	hm_test_meta_faults(0);
	KUNIT_EXPECT_NULL(test, c[2]->learn);
	KUNIT_EXPECT_EQ(test, hm_learn_set(c, 4, HM_LEARN_ON, 5), 0);
	for (i = 0; i < 4; i++) {
		if (i == 1) {
			KUNIT_EXPECT_NULL(test, c[i]->learn);
			continue;
		}
		KUNIT_ASSERT_NOT_NULL(test, c[i]->learn);
		KUNIT_EXPECT_EQ(test, c[i]->learn->state, HM_LEARN_ON);
		KUNIT_EXPECT_EQ(test, c[i]->learn->seed0, 5);
		KUNIT_EXPECT_EQ(test, c[i]->learning, 1);
	}
	KUNIT_EXPECT_EQ(test, hm_learn_set(c, 4, HM_LEARN_FROZEN, 0), 0);
	for (i = 0; i < 4; i++)
		if (i != 1)
			KUNIT_EXPECT_EQ(test, c[i]->learn->state, HM_LEARN_FROZEN);
}

static struct kunit_case hm_learn_cases[] = {
	KUNIT_CASE(hm_learn_elo_math),
	KUNIT_CASE(hm_learn_commands),
	KUNIT_CASE(hm_learn_run_freezes),
	KUNIT_CASE(hm_learn_run_debug),
	KUNIT_CASE(hm_learn_look_bounded),
	KUNIT_CASE(hm_learn_deterministic),
	KUNIT_CASE(hm_learn_freeze_switch),
	KUNIT_CASE(hm_learn_restart_drops),
	KUNIT_CASE(hm_learn_choice_rules),
	KUNIT_CASE(hm_learn_all_or_none),
	{}
};

struct kunit_suite hm_learn_suite = {
	.name = "hakmem_learn",
	.test_cases = hm_learn_cases,
};
