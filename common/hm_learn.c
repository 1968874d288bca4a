// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_learn.c - online choice of a bitmap cache's fit policy, after the
 * original hakmem's ELO selector: the policies take turns for an epoch
 * each (HM_LEARN_EPOCH allocations, all contexts together), each epoch is
 * scored, every score plays a match against the other policies' latest
 * scores (the lower cost wins), and after HM_LEARN_ROUNDS turns each the
 * cache freezes on the best-rated policy.  Frozen on default, the cache is
 * back on the inline fast path and the learner costs nothing.
 *
 * The choice is the best-rated policy among those whose mean cost is
 * within 5% of the cheapest: the guarantee against a fixed policy.
 *
 * Cost: work per allocation, a proxy for instructions that hm_fit.c counts
 * as it chooses (slabs looked at, words scanned, active-slab switches;
 * HM_FIT_WORK_*), weighted by fragmentation: the share of the cache's
 * slabs that are partial (HM_LEARN_FRAG_W at 100%), of its newest
 * HM_LEARN_LOOK slabs at most.  Both are
 * deterministic, so one seed gives one sequence of choices for one
 * sequence of operations: the tests rely on it.  The seed orders the
 * turns of each round (xorshift32).
 *
 * Integer only (kernel): the ELO expectation comes from a table.
 */
#include "hm_learn.h"

#define HM_LEARN_FRAG_W	250	/* permille of cost added at 100% partial */
#define HM_LEARN_SLACK	5	/* percent: a choice is never dearer than this */

static const char *const hm_learn_states[] = {
	[HM_LEARN_OFF]		= "off",
	[HM_LEARN_ON]		= "learning",
	[HM_LEARN_FROZEN]	= "frozen",
};

const char *hm_learn_state_name(unsigned int state)
{
	return state < HM_ARRAY_SIZE(hm_learn_states) ? hm_learn_states[state] : "?";
}

/* 1000 / (1 + 10^(d / 400)) for d = 0, 50, ... 400 */
static const u16 hm_elo_table[] = { 500, 429, 360, 297, 240, 192, 151, 117, 91 };

/**
 * hm_elo_expect() - the expected score of a player rated @ra against @rb
 * @ra: rating of the player
 * @rb: rating of the opponent
 *
 * Return: permille, interpolated between steps of 50 points, clamped at
 * a difference of 400.
 */
int hm_elo_expect(s64 ra, s64 rb)
{
	s64 d = rb - ra;
	bool neg = d < 0;
	unsigned int i, f;
	int e;

	if (neg)
		d = -d;
	if (d >= 400) {
		e = hm_elo_table[8];
	} else {
		i = (unsigned int)d / 50;
		f = (unsigned int)d % 50;
		e = hm_elo_table[i] - (int)((hm_elo_table[i] - hm_elo_table[i + 1]) * f / 50);
	}
	return neg ? 1000 - e : e;
}

/* one match: @a scored @ca, @b @cb (lower wins); zero-sum */
static void hm_elo_match(struct hm_learn *l, unsigned int a, unsigned int b)
{
	int s = l->cost[a] < l->cost[b] ? 1000 : l->cost[a] > l->cost[b] ? 0 : 500;
	s64 delta = (s64)HM_ELO_K * (s - hm_elo_expect(l->rating[a], l->rating[b])) / 1000;

	l->rating[a] += delta;
	l->rating[b] -= delta;
}

static u32 hm_learn_rand(struct hm_learn *l)
{
	u32 x = l->seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	l->seed = x;
	return x;
}

/* a new order of turns for the next round */
static void hm_learn_shuffle(struct hm_learn *l)
{
	unsigned int i, j, t;

	for (i = 0; i < HM_FIT_NR; i++)
		l->order[i] = i;
	for (i = HM_FIT_NR - 1; i > 0; i--) {
		j = hm_learn_rand(l) % (i + 1);
		t = l->order[i];
		l->order[i] = l->order[j];
		l->order[j] = t;
	}
}

/*
 * Has @s free blocks and allocated ones?  By its free bits, which owners
 * store with HM_WRITE_ONCE for other contexts to read: its free count is
 * the owner's private word (a snapshot either way).
 */
static bool hm_learn_slab_partial(const struct hm_slab *s)
{
	unsigned int i, tail = s->nblocks % HM_BITS_PER_LONG;
	bool some_free = false, some_used = false;

	for (i = 0; i < s->nwords && !(some_free && some_used); i++) {
		unsigned long all = i == s->nwords - 1U && tail ? (1UL << tail) - 1 : ~0UL;
		unsigned long w = HM_READ_ONCE(s->free_bits[i]);

		some_free |= w != 0;
		some_used |= w != all;
	}
	return some_free && some_used;
}

/*
 * Permille of the cache's slabs that are partial, of the newest
 * HM_LEARN_LOOK at most (new slabs are listed first); c->lock held.  The
 * bound keeps an epoch's end, which holds the lock with interrupts off in
 * the kernel, to a fixed time however big the cache.  The newest slabs
 * are those the running policy filled last; a cache of more slabs gets a
 * sample, still one result for one sequence of operations.
 */
static unsigned long hm_learn_partial(struct hm_cache *c, struct hm_learn *l)
{
	unsigned long n = 0, partial = 0;
	struct hm_slab *s;

	for (s = c->all; s && n < HM_LEARN_LOOK; s = s->all_next) {
		n++;
		partial += hm_learn_slab_partial(s);
	}
	l->looked = n;
	return n ? partial * 1000 / n : 0;
}

/*
 * The choice: the best-rated of the policies whose mean cost is within
 * HM_LEARN_SLACK of the cheapest (ratings carry the order in which the
 * matches came, so they alone could prefer a dearer policy); ties: the
 * cheaper, then the lower number.  Unplayed policies are not candidates.
 */
static unsigned int hm_learn_best(const struct hm_learn *l)
{
	unsigned long min = ~0UL;
	unsigned int f, best = HM_FIT_NR;

	for (f = 0; f < HM_FIT_NR; f++)
		if (l->played[f])
			min = HM_MIN(min, l->cost[f]);
	for (f = 0; f < HM_FIT_NR; f++) {
		if (!l->played[f] || l->cost[f] * 100 > min * (100 + HM_LEARN_SLACK))
			continue;
		if (best == HM_FIT_NR || l->rating[f] > l->rating[best] ||
		    (l->rating[f] == l->rating[best] && l->cost[f] < l->cost[best]))
			best = f;
	}
	return best == HM_FIT_NR ? HM_FIT_DEFAULT : best;
}

static void hm_learn_freeze(struct hm_cache *c, struct hm_learn *l)
{
	l->state = HM_LEARN_FROZEN;
	l->choice = hm_learn_best(l);
	HM_WRITE_ONCE(c->learning, 0);
	hm_cache_fit_locked(c, l->choice);
}

/* score the epoch that just ended, play it, start the next; lock held */
static void hm_learn_epoch_end(struct hm_cache *c, struct hm_learn *l)
{
	unsigned int t = l->turn, f;
	unsigned long cost = l->work * 16 / l->ops;	/* 1/16 units per op */

	cost += cost * HM_LEARN_FRAG_W * hm_learn_partial(c, l) / 1000000;
	l->played[t]++;
	l->cost_sum[t] += cost;
	/* this epoch against the others' means; then its own mean */
	l->cost[t] = cost;
	for (f = 0; f < HM_FIT_NR; f++)
		if (f != t && l->played[f])
			hm_elo_match(l, t, f);
	l->cost[t] = l->cost_sum[t] / l->played[t];
	l->epoch++;
	l->serial++;
	l->ops = 0;
	l->work = 0;
	if (l->epoch >= HM_LEARN_ROUNDS * HM_FIT_NR) {
		hm_learn_freeze(c, l);
		return;
	}
	if (l->epoch % HM_FIT_NR == 0)
		hm_learn_shuffle(l);
	l->turn = l->order[l->epoch % HM_FIT_NR];
	hm_cache_fit_locked(c, l->turn);
}

/**
 * hm_learn_report() - a context hands in its allocations and their work
 * @cc: the context (its owner)
 *
 * Counts measured under an earlier epoch's policy, or in an earlier run
 * of the learner, are dropped (the epoch's serial tags them).
 */
void hm_learn_report(struct hm_cctx *cc)
{
	struct hm_cache *c = cc->cache;
	unsigned long flags;
	struct hm_learn *l;

	hm_lock(&c->lock, flags);
	l = c->learn;
	if (l && l->state == HM_LEARN_ON && cc->fit.epoch == l->serial) {
		l->ops += cc->fit.ops;
		l->work += cc->fit.work;
		if (l->ops >= HM_LEARN_EPOCH)
			hm_learn_epoch_end(c, l);
	}
	cc->fit.epoch = l ? l->serial : 0;
	cc->fit.ops = 0;
	cc->fit.work = 0;
	hm_unlock(&c->lock, flags);
}

/* @c's learner set to @state; @fresh, when @c has none, becomes it */
static int hm_cache_learn_with(struct hm_cache *c, enum hm_learn_state state, u32 seed,
			       struct hm_learn **fresh)
{
	struct hm_learn *l;
	unsigned long flags;
	unsigned int f;
	u32 serial = 0;

	hm_lock(&c->lock, flags);
	if (!c->learn && state == HM_LEARN_ON) {
		c->learn = *fresh;
		*fresh = NULL;
	} else if (c->learn) {
		/* a new run: what contexts hold unreported is the last run's */
		serial = c->learn->serial + 1;
	}
	l = c->learn;
	switch (state) {
	case HM_LEARN_ON:
		hm_memset(l, 0, sizeof(*l));
		l->serial = serial;
		l->seed = seed ? seed : 1;
		l->seed0 = l->seed;
		for (f = 0; f < HM_FIT_NR; f++)
			l->rating[f] = HM_ELO_START;
		hm_learn_shuffle(l);
		l->turn = l->order[0];
		l->state = HM_LEARN_ON;
		HM_WRITE_ONCE(c->learning, 1);
		hm_cache_fit_locked(c, l->turn);
		break;
	case HM_LEARN_FROZEN:
		if (!l) {
			hm_unlock(&c->lock, flags);
			return HM_LEARN_REFUSED;
		}
		hm_learn_freeze(c, l);
		break;
	default:
		if (l)
			l->state = HM_LEARN_OFF;
		HM_WRITE_ONCE(c->learning, 0);
		hm_cache_fit_locked(c, HM_FIT_DEFAULT);
	}
	hm_unlock(&c->lock, flags);
	return 0;
}

/**
 * hm_cache_learn() - start, freeze or stop the learner of @c
 * @c: a bitmap-mode cache (the only mode whose block choice it changes)
 * @state: HM_LEARN_ON (from fresh ratings), HM_LEARN_FROZEN (now, on the
 *	best-rated policy so far) or HM_LEARN_OFF (back to default)
 * @seed: the order of turns, for HM_LEARN_ON (0 is taken as 1)
 *
 * Return: 0; HM_LEARN_REFUSED for another mode, state, or a freeze with no
 * learner; HM_LEARN_NOMEM for no memory.  Nothing changes on either.
 */
int hm_cache_learn(struct hm_cache *c, enum hm_learn_state state, u32 seed)
{
	struct hm_learn *fresh = NULL;
	int ret;

	if (c->mode != HM_MODE_BITMAP || state > HM_LEARN_FROZEN)
		return HM_LEARN_REFUSED;
	if (state == HM_LEARN_ON && !HM_READ_ONCE(c->learn)) {
		fresh = hm_plat_meta_alloc(sizeof(*fresh), HM_GFP_DEFAULT);
		if (!fresh)
			return HM_LEARN_NOMEM;
	}
	ret = hm_cache_learn_with(c, state, seed, &fresh);
	if (fresh)
		hm_plat_meta_free(fresh, sizeof(*fresh));
	return ret;
}

/* one command for many caches: what the two walks of hm_learn_all() share */
struct hm_learn_batch {
	enum hm_learn_state state;
	u32 seed;
	bool refused;		/* a freeze where a cache never learned */
	unsigned int n, used;	/* learners set aside, taken */
	struct hm_learn **fresh;
};

static void hm_learn_batch_check(struct hm_cache *c, void *arg)
{
	struct hm_learn_batch *b = arg;

	if (c->mode != HM_MODE_BITMAP || HM_READ_ONCE(c->learn))
		return;
	if (b->state == HM_LEARN_FROZEN)
		b->refused = true;
	else if (b->state == HM_LEARN_ON)
		b->n++;
}

static void hm_learn_batch_apply(struct hm_cache *c, void *arg)
{
	struct hm_learn_batch *b = arg;
	struct hm_learn *none = NULL;

	if (c->mode != HM_MODE_BITMAP)
		return;
	if (b->state == HM_LEARN_ON && !HM_READ_ONCE(c->learn)) {
		if (b->used < b->n)	/* else a cache the first walk did not see */
			hm_cache_learn_with(c, b->state, b->seed, &b->fresh[b->used++]);
		return;
	}
	hm_cache_learn_with(c, b->state, b->seed, &none);
}

/* the new learners the first walk counted; false when one is not to be had */
static bool hm_learn_batch_prepare(struct hm_learn_batch *b)
{
	unsigned int i;

	if (!b->n)
		return true;
	b->fresh = hm_plat_meta_alloc(b->n * sizeof(*b->fresh), HM_GFP_DEFAULT);
	if (!b->fresh)
		return false;
	for (i = 0; i < b->n; i++) {
		b->fresh[i] = hm_plat_meta_alloc(sizeof(**b->fresh), HM_GFP_DEFAULT);
		if (!b->fresh[i])
			return false;
	}
	return true;
}

/* what was set aside and not taken */
static void hm_learn_batch_end(struct hm_learn_batch *b)
{
	unsigned int i;

	if (!b->fresh)
		return;
	for (i = 0; i < b->n; i++)
		if (b->fresh[i])
			hm_plat_meta_free(b->fresh[i], sizeof(**b->fresh));
	hm_plat_meta_free(b->fresh, b->n * sizeof(*b->fresh));
}

/**
 * hm_learn_all() - one learner command for every bitmap-mode cache, all or none
 * @each: calls its first argument on every cache, with its second, in the
 *	same order each time; the caller holds whatever keeps that set of
 *	caches from changing between the two walks
 * @each_arg: @each's third argument
 * @state: as hm_cache_learn()'s
 * @seed: as hm_cache_learn()'s
 *
 * Two walks: the first checks every cache and counts the learners to make,
 * which are then allocated; the second applies.  A freeze where a cache
 * never learned, or too little memory, refuses before any cache changed.
 *
 * Return: 0, HM_LEARN_REFUSED or HM_LEARN_NOMEM (nothing changed).
 */
int hm_learn_all(hm_cache_walk_t each, void *each_arg, enum hm_learn_state state, u32 seed)
{
	struct hm_learn_batch b = { .state = state, .seed = seed };
	int ret = 0;

	if (state > HM_LEARN_FROZEN)
		return HM_LEARN_REFUSED;
	each(hm_learn_batch_check, &b, each_arg);
	if (b.refused)
		ret = HM_LEARN_REFUSED;
	else if (!hm_learn_batch_prepare(&b))
		ret = HM_LEARN_NOMEM;
	else
		each(hm_learn_batch_apply, &b, each_arg);
	hm_learn_batch_end(&b);
	return ret;
}

/**
 * hm_learn_parse() - a learner command
 * @str: "on", "on SEED" (decimal), "freeze" or "off", optionally followed
 *	by a newline
 * @state: the state it asks for
 * @seed: SEED, or 1
 *
 * Return: true when @str is one of them.
 */
bool hm_learn_parse(const char *str, enum hm_learn_state *state, u32 *seed)
{
	static const char *const words[] = { "off", "on", "freeze" };
	unsigned int w, digits = 0;
	u64 v = 0;

	for (w = 0; w < HM_ARRAY_SIZE(words); w++) {
		const char *a = str, *b = words[w];

		while (*b && *a == *b) {
			a++;
			b++;
		}
		if (*b)
			continue;
		if (w == HM_LEARN_ON && *a == ' ') {
			for (a++; *a >= '0' && *a <= '9' && v <= 0xffffffffULL; a++, digits++)
				v = v * 10 + (u64)(*a - '0');
			if (!digits || v > 0xffffffffULL)
				return false;
		}
		if (*a && !(*a == '\n' && !a[1]))
			return false;
		*state = (enum hm_learn_state)w;
		*seed = digits ? (u32)v : 1;
		return true;
	}
	return false;
}

/* At destroy: no context runs any more. */
void hm_learn_destroy(struct hm_cache *c)
{
	if (c->learn)
		hm_plat_meta_free(c->learn, sizeof(*c->learn));
	c->learn = NULL;
}

/**
 * hm_learn_snapshot() - a consistent copy of @c's learner
 * @c: the cache
 * @out: the copy
 *
 * Return: false when the learner never ran (no copy).
 */
bool hm_learn_snapshot(struct hm_cache *c, struct hm_learn *out)
{
	unsigned long flags;
	bool ran;

	hm_lock(&c->lock, flags);
	ran = c->learn;
	if (ran)
		*out = *c->learn;
	hm_unlock(&c->lock, flags);
	return ran;
}

/**
 * hm_learn_print() - the learner's state, choice and ratings, one line
 * @c: the cache
 * @pr: where to print
 * @width: the name column's: hm_stats_name_width() of the names of every
 *         line printed under one another (16 at least), or 0 for a line
 *         without others (16: userspace's dump)
 */
void hm_learn_print(struct hm_cache *c, struct hm_printer *pr, unsigned int width)
{
	struct hm_learn l;
	unsigned int f;

	width = hm_stats_name_width(width, NULL);
	if (!hm_learn_snapshot(c, &l)) {
		hm_print(pr, "%-*s policy %s, learner never ran\n", (int)width, c->name,
			 hm_fit_name(HM_READ_ONCE(c->fit)));
		return;
	}
	hm_print(pr, "%-*s policy %s, learner %s, epoch %u, seed %u:", (int)width, c->name,
		 hm_fit_name(HM_READ_ONCE(c->fit)), hm_learn_state_name(l.state),
		 l.epoch, l.seed0);
	for (f = 0; f < HM_FIT_NR; f++)
		hm_print(pr, " %s=%lld/%lu", hm_fit_name(f), (long long)l.rating[f],
			 l.cost[f]);
	hm_print(pr, "\n");
}
