// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_adapt_test.c - the adaptive mode: batches larger than the magazine
 * switch a context to the bitmap path, pairs bring it back (after a
 * probe), pairs alone never switch it; remote frees and validation stay
 * exact across switches in both directions; bad input is refused.
 */
#include "hm_test.h"
#include "hm_adapt.h"

#define BATCH	1000

static struct hm_cache *hm_adaptive_cache(struct kunit *test, unsigned int size)
{
	struct hm_cache *c = hm_test_cache_flags(test, size, 0, HM_MODE_HYBRID,
						 HM_CACHE_ADAPTIVE);

	KUNIT_ASSERT_EQ(test, c->flags & HM_CACHE_ADAPTIVE, HM_CACHE_ADAPTIVE);
	return c;
}

/* @rounds batches: BATCH allocations, freed in a shuffled order */
static void hm_batches(struct kunit *test, struct hm_cctx *cc, void **v,
		       unsigned int rounds, u32 *seed)
{
	unsigned int r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < BATCH; i++) {
			v[i] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[i]);
		}
		for (i = BATCH - 1; i > 0; i--) {
			unsigned int j = hm_test_rand(seed) % (i + 1);
			void *t = v[i];

			v[i] = v[j];
			v[j] = t;
		}
		for (i = 0; i < BATCH; i++)
			hm_test_free_in(cc, v[i]);
	}
}

static void hm_pairs(struct kunit *test, struct hm_cctx *cc, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = hm_test_alloc(cc);

		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_test_free_in(cc, p);
	}
}

/* every slab of @cc in the shape of its mode */
static unsigned int hm_misshapen(struct hm_cctx *cc)
{
	struct hm_slab *s;
	unsigned int bad = 0;

	for (s = cc->cache->all; s; s = s->all_next)
		if (s->owner == cc)
			bad += !s->live_bits != (cc->mode == HM_MODE_BITMAP);
	return bad;
}

/* batches switch to bitmap, pairs switch back after a probe */
static void hm_adapt_batches_then_pairs(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, BATCH * sizeof(void *), GFP_KERNEL);
	u32 seed = 8;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_HYBRID);
	hm_batches(test, cc, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_BITMAP);
	KUNIT_EXPECT_EQ(test, cc->adapt.switches, 1);
	KUNIT_EXPECT_GT(test, cc->st.flushes, 0);
	KUNIT_EXPECT_EQ(test, cc->mag_count, 0);
	KUNIT_EXPECT_EQ(test, hm_misshapen(cc), 0);
	HM_EXPECT_VALID(test, c);
	/* more batches: probes find churn again and go straight back */
	hm_batches(test, cc, v, 40, &seed);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_BITMAP);
	KUNIT_EXPECT_GE(test, cc->adapt.switches, 3);
	KUNIT_EXPECT_EQ(test, cc->adapt.switches % 2, 1);
	HM_EXPECT_VALID(test, c);
	/* pairs: the next probe stays in hybrid */
	hm_pairs(test, cc, (HM_ADAPT_HOLD_MAX + 3) * HM_ADAPT_WINDOW);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_HYBRID);
	KUNIT_EXPECT_EQ(test, cc->adapt.switches % 2, 0);
	KUNIT_EXPECT_LE(test, cc->adapt.churn, HM_ADAPT_HIGH);
	KUNIT_EXPECT_EQ(test, hm_misshapen(cc), 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* the workload the magazine is made for never switches */
static void hm_adapt_pairs_stay(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void *keep = hm_test_alloc(cc);

	KUNIT_ASSERT_NOT_NULL(test, keep);
	hm_pairs(test, cc, 20 * HM_ADAPT_WINDOW);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_HYBRID);
	KUNIT_EXPECT_EQ(test, cc->adapt.switches, 0);
	hm_test_free_in(cc, keep);
	HM_EXPECT_VALID(test, c);
}

/* a printer that keeps what it is given, as one line */
struct hm_line_printer {
	struct hm_printer pr;
	char line[256];
	size_t len;
};

static HM_PRINTF(2, 3) void hm_line_printf(struct hm_printer *pr, const char *fmt, ...)
{
	struct hm_line_printer *lp = (struct hm_line_printer *)pr;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(lp->line + lp->len, sizeof(lp->line) - lp->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		lp->len = HM_MIN(lp->len + n, sizeof(lp->line) - 1);
}

/*
 * What the dumps show of an adaptive cache (hm_adapt_sum(), and its line
 * in the userspace dump and debugfs "adaptive"): the contexts in each
 * shape and their switches, one context moved to bitmap by batches, one
 * kept in hybrid by pairs; and once the cache is turned off, each context
 * back in hybrid with the switch counted.
 */
static void hm_adapt_sum_counts(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *batcher = hm_test_cctx(test, c), *pairs = hm_test_cctx(test, c);
	void **v = kunit_kzalloc(test, BATCH * sizeof(void *), GFP_KERNEL);
	struct hm_line_printer lp = { .pr.printf = hm_line_printf };
	struct hm_adapt_sum sum;
	const char *want_off;
	char want[128];
	u32 seed = 3;

	KUNIT_ASSERT_NOT_NULL(test, v);
	hm_adapt_sum(c, &sum);
	KUNIT_EXPECT_EQ(test, sum.contexts, 2);
	KUNIT_EXPECT_EQ(test, sum.hybrid, 2);
	KUNIT_EXPECT_EQ(test, sum.bitmap + sum.switches, 0);
	hm_batches(test, batcher, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	hm_pairs(test, pairs, 6 * HM_ADAPT_WINDOW);
	KUNIT_ASSERT_EQ(test, batcher->mode, HM_MODE_BITMAP);
	KUNIT_ASSERT_EQ(test, pairs->mode, HM_MODE_HYBRID);
	hm_adapt_sum(c, &sum);
	KUNIT_EXPECT_EQ(test, sum.contexts, 2);
	KUNIT_EXPECT_EQ(test, sum.hybrid, 1);
	KUNIT_EXPECT_EQ(test, sum.bitmap, 1);
	KUNIT_EXPECT_EQ(test, sum.switches, batcher->adapt.switches);
	KUNIT_EXPECT_EQ(test, sum.switches, 1);
	/* the dump's line: the name padded to the width asked, then the sums */
	hm_adapt_print(c, &lp.pr, 24);
	snprintf(want, sizeof(want), "%-24s %-8s %s\n", c->name, hm_mode_name(c->mode),
		 "adaptive=1 contexts 2: hybrid 1 bitmap 1, switches 1");
	KUNIT_EXPECT_STREQ(test, lp.line, want);
	KUNIT_EXPECT_EQ(test, hm_cache_set_adaptive(c, false), 0);
	/* back to hybrid at its next window */
	hm_batches(test, batcher, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	KUNIT_ASSERT_EQ(test, batcher->mode, HM_MODE_HYBRID);
	hm_adapt_sum(c, &sum);
	KUNIT_EXPECT_EQ(test, sum.hybrid, 2);
	KUNIT_EXPECT_EQ(test, sum.bitmap, 0);
	KUNIT_EXPECT_EQ(test, sum.switches, 2);
	lp.len = 0;
	hm_adapt_print(c, &lp.pr, 0);
	want_off = " adaptive=0 contexts 2: hybrid 2 bitmap 0, switches 2\n";
	KUNIT_EXPECT_TRUE_MSG(test, strstr(lp.line, want_off), "%s", lp.line);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * One measurement window of @cc as a workload leaves it: HM_ADAPT_WINDOW
 * allocations, each a block flushed back to its slab (@high churn) or
 * none; then the tick at its end.
 */
static void hm_window(struct hm_cctx *cc, bool high)
{
	cc->st.allocs += HM_ADAPT_WINDOW;
	if (high)
		cc->st.flushes += HM_ADAPT_WINDOW;
	hm_adapt_tick(cc);
}

/*
 * The hysteresis window by window: HM_ADAPT_CONFIRM windows of high churn
 * in a row, and not fewer, decide the switch to bitmap; a window of low
 * churn between them starts the count again.
 */
static void hm_adapt_confirm_windows(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void *keep = hm_test_alloc(cc);
	unsigned int i, high = 0, windows = 0;

	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_EQ(test, cc->adapt.pending, 0);
	hm_window(cc, true);
	hm_window(cc, false);
	windows += 2;
	high++;
	for (i = 1; i < HM_ADAPT_CONFIRM; i++) {
		hm_window(cc, true);
		windows++;
		high++;
		KUNIT_EXPECT_EQ(test, cc->adapt.pending, 0);
		KUNIT_EXPECT_NE(test, cc->route, HM_ROUTE_ADAPT);
	}
	hm_window(cc, true);			/* the last one */
	windows++;
	high++;
	KUNIT_EXPECT_EQ(test, cc->adapt.pending, HM_MODE_BITMAP + 1);
	KUNIT_EXPECT_EQ(test, cc->route, HM_ROUTE_ADAPT);
	/* the counters as they were; the next operation switches */
	cc->st.allocs -= windows * HM_ADAPT_WINDOW;
	cc->st.flushes -= high * HM_ADAPT_WINDOW;
	hm_test_free_in(cc, keep);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_BITMAP);
	KUNIT_EXPECT_EQ(test, cc->adapt.switches, 1);
	KUNIT_EXPECT_EQ(test, hm_misshapen(cc), 0);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * A probe's outcome, window by window: low churn keeps the hybrid path and
 * starts the backoff over; high churn goes back to bitmap at once, to hold
 * there for the backoff, which doubles.
 */
static void hm_adapt_probe_outcomes(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	void *keep = hm_test_alloc(cc);

	KUNIT_ASSERT_NOT_NULL(test, keep);
	cc->adapt.probing = 1;
	cc->adapt.backoff = 4 * HM_ADAPT_HOLD_MIN;
	hm_window(cc, false);
	KUNIT_EXPECT_EQ(test, cc->adapt.probing, 0);
	KUNIT_EXPECT_EQ(test, cc->adapt.backoff, HM_ADAPT_HOLD_MIN);
	KUNIT_EXPECT_EQ(test, cc->adapt.pending, 0);
	cc->adapt.probing = 1;
	cc->adapt.backoff = 2 * HM_ADAPT_HOLD_MIN;
	hm_window(cc, true);
	KUNIT_EXPECT_EQ(test, cc->adapt.pending, HM_MODE_BITMAP + 1);
	KUNIT_EXPECT_EQ(test, cc->adapt.hold, 2 * HM_ADAPT_HOLD_MIN);
	KUNIT_EXPECT_EQ(test, cc->adapt.backoff, 4 * HM_ADAPT_HOLD_MIN);
	/* the counters as they were; the next operation switches */
	cc->st.allocs -= 2 * HM_ADAPT_WINDOW;
	cc->st.flushes -= HM_ADAPT_WINDOW;
	hm_test_free_in(cc, keep);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_BITMAP);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/* make @cc switch to @mode at its next operation, as a tick would */
static void hm_force(struct hm_cctx *cc, unsigned int mode)
{
	cc->adapt.pending = (u8)(mode + 1);
	cc->route = HM_ROUTE_ADAPT;
}

/*
 * Remote frees across switches both ways: a block freed remotely while
 * its owner is in bitmap mode, and one freed before a switch to hybrid
 * and collected after it; double frees still refused in both shapes.
 */
static void hm_adapt_remote_across(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 128);
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	unsigned int n = 3 * c->nblocks, i, live = 0;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	void *gone3, *gone4;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	gone3 = v[3];
	gone4 = v[4];
	for (i = 0; i < n; i += 3) {		/* remote, owner in hybrid */
		hm_test_free_in(b, v[i]);
		v[i] = NULL;
	}
	hm_force(a, HM_MODE_BITMAP);
	hm_test_free_in(a, v[1]);		/* the switch, then a free */
	v[1] = NULL;
	KUNIT_EXPECT_EQ(test, a->mode, HM_MODE_BITMAP);
	KUNIT_EXPECT_EQ(test, hm_misshapen(a), 0);
	HM_EXPECT_VALID(test, c);
	for (i = 4; i < n; i += 3) {		/* remote, owner in bitmap */
		hm_test_free_in(b, v[i]);
		v[i] = NULL;
	}
	hm_test_free_in(b, gone3);		/* freed before: refused */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	for (i = 0; i < c->nblocks; i++) {	/* collects in bitmap mode */
		void *p = hm_test_alloc(a);

		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_test_free_in(a, p);
	}
	HM_EXPECT_VALID(test, c);
	hm_force(a, HM_MODE_HYBRID);
	KUNIT_ASSERT_NOT_NULL(test, v[2]);
	hm_test_free_in(a, v[2]);		/* the switch back, then a free */
	v[2] = NULL;
	KUNIT_EXPECT_EQ(test, a->mode, HM_MODE_HYBRID);
	KUNIT_EXPECT_EQ(test, hm_misshapen(a), 0);
	HM_EXPECT_VALID(test, c);
	hm_test_free_in(a, gone4);		/* freed remotely before: refused */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	for (i = 0; i < n; i++) {
		if (!v[i])
			continue;
		hm_test_free_in(i % 2 ? a : b, v[i]);
		live++;
	}
	KUNIT_EXPECT_GT(test, live, n / 4);
	hm_cctx_flush(a);
	hm_cctx_flush(b);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
	KUNIT_EXPECT_EQ(test, a->adapt.switches, 2);
}

/* only hybrid caches adapt; switched off, a context comes back */
static void hm_adapt_bad_and_off(struct kunit *test)
{
	struct hm_cache *bm = hm_test_cache(test, 64, 0, HM_MODE_BITMAP);
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *cc = hm_test_cctx(test, c);
	long *errors = hm_test_count_errors(test);
	void **v = kunit_kzalloc(test, BATCH * sizeof(void *), GFP_KERNEL);
	u32 seed = 1;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_NULL(test, hm_core_cache_create("hm-bad", 64, 0, HM_MODE_BITMAP,
						     HM_CACHE_ADAPTIVE, HM_GFP_DEFAULT));
	KUNIT_EXPECT_NULL(test, hm_core_cache_create("hm-bad", 64, 0, HM_MODE_FREELIST,
						     HM_CACHE_ADAPTIVE, HM_GFP_DEFAULT));
	KUNIT_EXPECT_EQ(test, *errors, 2);
	KUNIT_EXPECT_EQ(test, hm_cache_set_adaptive(bm, true), -1);
	hm_batches(test, cc, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	KUNIT_ASSERT_EQ(test, cc->mode, HM_MODE_BITMAP);
	KUNIT_EXPECT_EQ(test, hm_cache_set_adaptive(c, false), 0);
	hm_batches(test, cc, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_HYBRID);
	KUNIT_EXPECT_EQ(test, cc->adapt.on, 0);
	hm_batches(test, cc, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	KUNIT_EXPECT_EQ(test, cc->mode, HM_MODE_HYBRID);	/* stays off */
	KUNIT_EXPECT_EQ(test, hm_misshapen(cc), 0);
	HM_EXPECT_VALID(test, c);
}

/*
 * Two threads on one adaptive cache: each allocates batches larger than
 * its magazine (so it switches to bitmap and probes back), frees half
 * itself in shuffled order and hands half to the other, which frees them
 * remotely while their owner switches; every fourth round forces a switch.
 */
struct hm_athreads {
	struct hm_cache *c;
	unsigned int rounds;
	void **box;		/* per thread: HM_AHALF handoff slots */
	void **local;		/* per thread: HM_AHALF own objects */
	hm_atomic_t fails, switches, done;
};

#define HM_AHALF	300

static void hm_athread(void *arg, unsigned int id)
{
	struct hm_athreads *x = arg;
	struct hm_cctx *cc = hm_cctx_new(x->c, 3000 + id, 0, HM_GFP_DEFAULT);
	void **mine = x->box + id * HM_AHALF, **theirs = x->box + (1 - id) * HM_AHALF;
	void **local = x->local + id * HM_AHALF;
	unsigned int r, i;
	u32 seed = 77 + id;

	if (!cc) {
		hm_atomic_fetch_add(&x->fails, 1);
		hm_atomic_fetch_add(&x->done, 1);
		return;
	}
	for (r = 0; r < x->rounds; r++) {
		while (hm_atomic_read((hm_atomic_t *)&mine[0]))
			hm_test_relax();
		if (r % 4 == 3 && !cc->adapt.pending)
			hm_force(cc, cc->mode == HM_MODE_BITMAP ? HM_MODE_HYBRID :
				 HM_MODE_BITMAP);
		/* slots 1.. carry objects, slot 0 says they are there */
		for (i = 0; i < HM_AHALF; i++) {
			local[i] = hm_test_alloc(cc);
			if (i)
				mine[i] = hm_test_alloc(cc);
			if (!local[i] || (i && !mine[i]))
				hm_atomic_fetch_add(&x->fails, 1);
		}
		hm_atomic_set((hm_atomic_t *)&mine[0], 1);
		for (i = HM_AHALF - 1; i > 0; i--) {
			unsigned int j = hm_test_rand(&seed) % (i + 1);
			void *t = local[i];

			local[i] = local[j];
			local[j] = t;
		}
		for (i = 0; i < HM_AHALF; i++)
			hm_test_free_in(cc, local[i]);
		while (!hm_atomic_read((hm_atomic_t *)&theirs[0]))
			hm_test_relax();
		for (i = 1; i < HM_AHALF; i++)
			hm_test_free_in(cc, theirs[i]);
		hm_atomic_set((hm_atomic_t *)&theirs[0], 0);
	}
	hm_atomic_fetch_add(&x->switches, cc->adapt.switches);
	hm_cctx_abandon(cc, false);
	hm_atomic_fetch_add(&x->done, 1);
}

/* the shared state of the threaded cases, on a 64-byte adaptive cache */
static struct hm_athreads *hm_athreads_new(struct kunit *test)
{
	struct hm_athreads *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = hm_adaptive_cache(test, 64);
	x->rounds = 60;
	x->box = kunit_kzalloc(test, 2 * HM_AHALF * sizeof(void *), GFP_KERNEL);
	x->local = kunit_kzalloc(test, 2 * HM_AHALF * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->box);
	KUNIT_ASSERT_NOT_NULL(test, x->local);
	return x;
}

static void hm_adapt_threads(struct kunit *test)
{
	struct hm_athreads *x = hm_athreads_new(test);
	long *errors = hm_test_count_errors(test);

	KUNIT_ASSERT_EQ(test, hm_test_run_threads(2, hm_athread, x), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->done), 2);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->fails), 0);
	KUNIT_EXPECT_GE(test, hm_atomic_read(&x->switches), 2 * 10);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
}

/*
 * A context set up while the adaptive mode is switched off (between
 * hm_cctx_init() and hm_cctx_register(), as a thread's first allocation
 * may meet a write to <cache>/adaptive): it is not adaptive, and one set
 * up while it is switched on is.
 */
static void hm_adapt_off_before_register(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *cc = hm_plat_meta_alloc(hm_cctx_size(c), HM_GFP_DEFAULT);
	struct hm_cctx *on = hm_plat_meta_alloc(hm_cctx_size(c), HM_GFP_DEFAULT);

	KUNIT_ASSERT_NOT_NULL(test, cc);
	KUNIT_ASSERT_NOT_NULL(test, on);
	hm_cctx_init(cc, c, 4000);
	cc->dynamic = true;			/* freed with the cache */
	KUNIT_ASSERT_EQ(test, hm_cache_set_adaptive(c, false), 0);
	hm_cctx_init(on, c, 4001);
	on->dynamic = true;
	KUNIT_ASSERT_EQ(test, hm_cache_set_adaptive(c, true), 0);
	hm_cctx_register(on);
	KUNIT_EXPECT_EQ(test, on->adapt.on, 1);
	KUNIT_ASSERT_EQ(test, hm_cache_set_adaptive(c, false), 0);
	hm_cctx_register(cc);
	KUNIT_EXPECT_EQ(test, cc->adapt.on, 0);
	KUNIT_ASSERT_EQ(test, hm_cache_set_adaptive(c, true), 0);
	KUNIT_EXPECT_EQ(test, cc->adapt.on, 1);
	KUNIT_EXPECT_EQ(test, on->adapt.on, 1);
}

/*
 * The same two threads while a third switches the adaptive mode on and
 * off as fast as it can (the kernel's <cache>/adaptive written during
 * use): no error, nothing lost, and the slabs are in their owners' shape.
 */
static void hm_athread_toggle(void *arg, unsigned int id)
{
	struct hm_athreads *x = arg;
	unsigned int k = 0;

	if (id < 2) {
		hm_athread(arg, id);
		return;
	}
	while (hm_atomic_read(&x->done) < 2) {
		if (hm_cache_set_adaptive(x->c, ++k % 2))
			hm_atomic_fetch_add(&x->fails, 1);
		hm_test_relax();
	}
}

static void hm_adapt_toggle_threads(struct kunit *test)
{
	struct hm_athreads *x = hm_athreads_new(test);
	long *errors = hm_test_count_errors(test);

	KUNIT_ASSERT_EQ(test, hm_test_run_threads(3, hm_athread_toggle, x), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->done), 2);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->fails), 0);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
}

/*
 * A slab a bitmap-mode context released to the pool has no live bits; a
 * hybrid context that takes it, even one of a cache whose adaptive mode
 * was switched off since, gets them back: a remote double free of a
 * block in its magazine is refused, not handed out twice.
 */
static void hm_adapt_pool_shape(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *a = hm_test_cctx(test, c), *b;
	unsigned int i, n = 4 * c->nblocks;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	struct hm_slab *s;
	u32 seed = 3;

	KUNIT_ASSERT_NOT_NULL(test, v);
	hm_batches(test, a, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	KUNIT_ASSERT_EQ(test, a->mode, HM_MODE_BITMAP);
	/* four slabs' worth, then all freed: beyond a's reserve, the pool */
	for (i = 0; i < n; i++) {
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	for (i = 0; i < n; i++)
		hm_test_free_in(a, v[i]);
	KUNIT_ASSERT_GT(test, c->npool, 0);
	for (s = c->pool; s; s = s->next)
		KUNIT_EXPECT_NULL(test, s->live_bits);
	KUNIT_ASSERT_EQ(test, hm_cache_set_adaptive(c, false), 0);
	b = hm_test_cctx(test, c);
	KUNIT_EXPECT_EQ(test, b->mode, HM_MODE_HYBRID);
	KUNIT_EXPECT_EQ(test, b->adapt.on, 0);
	for (i = 0; i < n / 2; i++) {
		v[i] = hm_test_alloc(b);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_EXPECT_EQ(test, hm_misshapen(b), 0);
	hm_test_free_in(b, v[0]);		/* into b's magazine */
	hm_test_free_in(a, v[0]);		/* a remote double free */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	for (i = 1; i < n / 2; i++)
		hm_test_free_in(b, v[i]);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * Switched off between a decided switch to bitmap and the operation that
 * makes it: the switch is cancelled (the context stays hybrid), not made
 * with ticks off for good.  Made, the context stayed in bitmap mode for
 * ever and its new slabs kept their live bits, which its bitmap path
 * never sets: a remote free of a block from one was refused as a double
 * free.
 */
static void hm_adapt_off_while_pending(struct kunit *test)
{
	struct hm_cache *c = hm_adaptive_cache(test, 64);
	struct hm_cctx *a = hm_test_cctx(test, c), *b = hm_test_cctx(test, c);
	unsigned int i, n = 3 * c->nblocks;
	void **v = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	u32 seed = 5;

	KUNIT_ASSERT_NOT_NULL(test, v);
	hm_force(a, HM_MODE_BITMAP);		/* as a tick decides it */
	KUNIT_ASSERT_EQ(test, hm_cache_set_adaptive(c, false), 0);
	for (i = 0; i < n; i++) {		/* new slabs */
		v[i] = hm_test_alloc(a);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_EXPECT_EQ(test, hm_misshapen(a), 0);
	for (i = 0; i < n; i++)
		hm_test_free_in(b, v[i]);	/* remote frees */
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_batches(test, a, v, 6 * HM_ADAPT_WINDOW / BATCH + 4, &seed);
	KUNIT_EXPECT_EQ(test, a->mode, HM_MODE_HYBRID);
	KUNIT_EXPECT_EQ(test, a->adapt.on, 0);
	KUNIT_EXPECT_EQ(test, a->route & HM_ROUTE_ADAPT, 0);
	hm_cctx_flush(a);
	hm_cctx_flush(b);
	HM_EXPECT_VALID(test, c);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(c), 0);
}

/*
 * The adaptive mode switched on and off (<cache>/adaptive) while the
 * owner frees in bitmap mode: the free's try path reads adapt.on, which
 * hm_cache_set_adaptive() writes from another thread without the owner's
 * lock.  A plain read there was a data race (ThreadSanitizer, KCSAN).
 */
struct hm_aflip {
	struct hm_cache *c;
	struct hm_cctx *cc;
	hm_atomic_t done, fails, rounds, bitmap_frees, toggles;
};

/*
 * Off: wait for the toggler's next switch (one second at most).  Under
 * memcheck, which runs one thread at a time, an owner that only spins can
 * keep winning the CPU back while the adaptive mode stays off: a CI run
 * saw no free in bitmap mode in 2000000 rounds.
 */
static void hm_aflip_wait(struct hm_aflip *x)
{
	unsigned long t = hm_atomic_read(&x->toggles);
	u64 end = hm_test_now_ns() + 1000000000ULL;

	while (hm_atomic_read(&x->toggles) == t && hm_test_now_ns() < end)
		hm_test_relax();
}

static void hm_aflip_thread(void *arg, unsigned int id)
{
	struct hm_aflip *x = arg;
	unsigned int i, k = 0;

	if (id) {
		while (!hm_atomic_read(&x->done)) {
			if (hm_cache_set_adaptive(x->c, ++k % 2))
				hm_atomic_fetch_add(&x->fails, 1);
			hm_atomic_fetch_add(&x->toggles, 1);
			hm_test_relax();
		}
		return;
	}
	/*
	 * Until some frees were made in bitmap mode: an allocation while the
	 * adaptive mode is off takes the context back to hybrid, and where
	 * threads take long turns (memcheck runs one at a time) all 20000
	 * could fall in the other thread's "off".
	 */
	for (i = 0; i < 20000 || (hm_atomic_read(&x->bitmap_frees) < 100 && i < 2000000); i++) {
		void *p;

		if (x->cc->mode != HM_MODE_BITMAP)
			hm_force(x->cc, HM_MODE_BITMAP);
		p = hm_test_alloc(x->cc);
		if (!p) {
			hm_atomic_fetch_add(&x->fails, 1);
			break;
		}
		if (x->cc->mode == HM_MODE_BITMAP)
			hm_atomic_fetch_add(&x->bitmap_frees, 1);
		hm_test_free_in(x->cc, p);	/* the try path, on the active slab */
		if (x->cc->mode != HM_MODE_BITMAP)
			hm_aflip_wait(x);
	}
	hm_atomic_set(&x->rounds, i);
	hm_atomic_set(&x->done, 1);
}

static void hm_adapt_toggle_bitmap_free(struct kunit *test)
{
	struct hm_aflip *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = hm_adaptive_cache(test, 64);
	x->cc = hm_test_cctx(test, x->c);
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(2, hm_aflip_thread, x), 0);
	kunit_info(test, "%lu of %lu frees in bitmap mode, %lu switches",
		   hm_atomic_read(&x->bitmap_frees), hm_atomic_read(&x->rounds),
		   hm_atomic_read(&x->toggles));
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->fails), 0);
	KUNIT_EXPECT_GE(test, hm_atomic_read(&x->bitmap_frees), 100);
	KUNIT_EXPECT_EQ(test, *errors, 0);
	hm_cctx_flush(x->cc);
	HM_EXPECT_VALID(test, x->c);
	KUNIT_EXPECT_EQ(test, hm_cache_live_objects(x->c), 0);
}

static struct kunit_case hm_adapt_cases[] = {
	KUNIT_CASE(hm_adapt_batches_then_pairs),
	KUNIT_CASE(hm_adapt_toggle_bitmap_free),
	KUNIT_CASE(hm_adapt_pairs_stay),
	KUNIT_CASE(hm_adapt_sum_counts),
	KUNIT_CASE(hm_adapt_confirm_windows),
	KUNIT_CASE(hm_adapt_probe_outcomes),
	KUNIT_CASE(hm_adapt_remote_across),
	KUNIT_CASE(hm_adapt_bad_and_off),
	KUNIT_CASE(hm_adapt_off_before_register),
	KUNIT_CASE(hm_adapt_threads),
	KUNIT_CASE(hm_adapt_toggle_threads),
	KUNIT_CASE(hm_adapt_pool_shape),
	KUNIT_CASE(hm_adapt_off_while_pending),
	{}
};

struct kunit_suite hm_adapt_suite = {
	.name = "hakmem_adapt",
	.test_cases = hm_adapt_cases,
};
