// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_user_test.c - the userspace adapter's own suite (the kernel adapter
 * has its counterparts in kernel/): real threads through the public API,
 * thread exit, per-thread context slots, stats rows.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hakmem.h"
#include "hm_frag.h"
#include "hm_learn.h"
#include "hm_test.h"
#include "hm_user.h"

/* the sum of one column over the class rows of a stats snapshot */
static unsigned long hm_class_total(size_t offset)
{
	struct hm_stat_row rows[64];
	size_t n = hm_stats_snapshot(rows, 64, HM_STATS_CLASSES), i;
	unsigned long sum = 0;

	for (i = 0; i < n && i < 64; i++)
		sum += *(const unsigned long *)((const char *)&rows[i] + offset);
	return sum;
}

#define hm_cached_total()	hm_class_total(offsetof(struct hm_stat_row, cached))
#define hm_inuse_total()	hm_class_total(offsetof(struct hm_stat_row, objs_inuse))

struct hm_exit_arg {
	void *keep[64];
};

static void *hm_exit_worker(void *p)
{
	struct hm_exit_arg *a = p;
	void *tmp[200];
	unsigned int i;

	for (i = 0; i < 200; i++)
		tmp[i] = hm_malloc(8 + i % 500);
	for (i = 0; i < 64; i++)
		a->keep[i] = hm_malloc(64);
	for (i = 0; i < 200; i++)
		hm_free(tmp[i]);	/* cached in this thread's magazines */
	return NULL;			/* exit: contexts flushed and abandoned */
}

/* objects cached by a thread go back to their slabs when it exits */
static void hm_user_thread_exit_flushes(struct kunit *test)
{
	struct hm_exit_arg a;
	unsigned long inuse = hm_inuse_total();
	pthread_t t;
	unsigned int i;

	hm_thread_flush();
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_exit_worker, &a), 0);
	pthread_join(t, NULL);
	hm_thread_flush();
	KUNIT_EXPECT_EQ(test, hm_cached_total(), 0);
	KUNIT_EXPECT_EQ(test, hm_inuse_total(), inuse + 64);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
	for (i = 0; i < 64; i++)	/* frees into the exited thread's slabs */
		hm_free(a.keep[i]);
	KUNIT_EXPECT_EQ(test, hm_inuse_total(), inuse);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

/* sizes of all built-in classes, first used in a thread's key destructor */
static const size_t hm_late_sizes[] = { 8, 16, 32, 64, 128, 256, 512, 1024 };
static void *hm_late_keep[HM_ARRAY_SIZE(hm_late_sizes)];

static void hm_late_destructor(void *unused)
{
	void *tmp[HM_ARRAY_SIZE(hm_late_sizes)];
	unsigned int i;

	(void)unused;
	for (i = 0; i < HM_ARRAY_SIZE(hm_late_sizes); i++) {
		tmp[i] = hm_malloc(hm_late_sizes[i]);
		hm_late_keep[i] = hm_malloc(hm_late_sizes[i]);
	}
	for (i = 0; i < HM_ARRAY_SIZE(hm_late_sizes); i++)
		hm_free(tmp[i]);	/* cached in the late contexts */
}

struct hm_late_arg {
	pthread_key_t key;
	bool used_before;	/* attach before the destructors run */
};

static void *hm_late_worker(void *p)
{
	struct hm_late_arg *a = p;

	if (a->used_before)
		hm_free(hm_malloc(24));
	pthread_setspecific(a->key, a);
	return NULL;
}

/* a class's contexts that a live thread holds (not abandoned) */
static unsigned int hm_live_cctxs(struct hm_cache *c)
{
	unsigned long flags;
	struct hm_cctx *cc;
	unsigned int n = 0;

	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next)
		n += !cc->abandoned;
	hm_unlock(&c->lock, flags);
	return n;
}

static pthread_key_t hm_freeres_key;

struct hm_freeres_arg {
	void *obj;		/* another thread's, freed after the last round */
	unsigned int round;
};

/* re-armed each round; in the last one, frees as __libc_thread_freeres() */
static void hm_freeres_destructor(void *p)
{
	struct hm_freeres_arg *a = p;

	if (++a->round < PTHREAD_DESTRUCTOR_ITERATIONS) {
		pthread_setspecific(hm_freeres_key, a);
		return;
	}
	hm_free(a->obj);
}

static void *hm_freeres_worker(void *p)
{
	hm_free(hm_malloc(64));
	hm_free(hm_malloc(100));
	pthread_setspecific(hm_freeres_key, p);
	return NULL;
}

/*
 * The numbers of the environment (HAKMEM_FAIL_EVERY, _TEST_SWITCH_PAUSE,
 * _LEARN_SEED, _STATS_INTERVAL_MS): anything but a number in range is
 * the default, not strtoul()'s reading of it ("-1" as 2^64 - 1: a pause
 * of 71 minutes at every switch step).
 */
static void hm_user_env_numbers(struct kunit *test)
{
	static const struct {
		const char *text;
		unsigned long want;
	} cases[] = {
		{ "12", 12 }, { "010", 10 }, { "1000", 1000 }, { "10", 10 }, { "0x10", 7 },
		{ "-1", 7 }, { "x", 7 }, { "12x", 7 }, { " 12", 7 }, { "+12", 7 },
		{ "9", 7 }, { "1001", 7 }, { "99999999999999999999999", 7 }, { "", 7 },
	};
	const char *name = "HAKMEM_TEST_ENV_NUMBER";
	unsigned int i;

	unsetenv(name);
	KUNIT_EXPECT_EQ(test, hm_user_env_num(name, 10, 1000, 7), 7);
	for (i = 0; i < HM_ARRAY_SIZE(cases); i++) {
		setenv(name, cases[i].text, 1);
		errno = 42;	/* the program's, read at its first malloc(): kept */
		KUNIT_EXPECT_TRUE_MSG(test, hm_user_env_num(name, 10, 1000, 7) == cases[i].want,
				      "%s='%s'", name, cases[i].text);
		KUNIT_EXPECT_EQ(test, errno, 42);
	}
	unsetenv(name);
}

/*
 * An environment value in a report: one line, whatever bytes it holds (a
 * newline made two, an escape sequence reached the terminal), and cut
 * after HM_USER_ENV_SHOW_MAX bytes (a megabyte value was a megabyte line).
 */
static void hm_user_env_shown(struct kunit *test)
{
	char buf[HM_USER_ENV_SHOW], *big, want[HM_USER_ENV_SHOW_MAX + 4];

	KUNIT_EXPECT_STREQ(test, hm_user_env_show("", buf), "");
	KUNIT_EXPECT_STREQ(test, hm_user_env_show("bitmap", buf), "bitmap");
	KUNIT_EXPECT_STREQ(test, hm_user_env_show("a\nb\033[0m\\\xe9", buf),
			   "a\\x0ab\\x1b[0m\\x5c\\xe9");
	big = kunit_kzalloc(test, 4096, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	memset(big, 'a', 4095);
	memset(want, 'a', HM_USER_ENV_SHOW_MAX);
	strcpy(want + HM_USER_ENV_SHOW_MAX, "...");
	KUNIT_EXPECT_STREQ(test, hm_user_env_show(big, buf), want);
	big[HM_USER_ENV_SHOW_MAX] = '\0';	/* exactly the most: whole */
	KUNIT_EXPECT_EQ(test, strlen(hm_user_env_show(big, buf)), HM_USER_ENV_SHOW_MAX);
	/* the longest: every byte escaped, then the dots */
	memset(big, '\n', 4095);
	KUNIT_EXPECT_EQ(test, strlen(hm_user_env_show(big, buf)), HM_USER_ENV_SHOW - 1);
}

/*
 * glibc frees a thread's strerror(), strsignal() and dlerror() buffers
 * after the key destructors' last round (__libc_thread_freeres()); a free
 * there must attach no context nor reader slot, which nothing would give
 * back: every such thread once left one of each behind (LD_PRELOAD: 6 KiB
 * a thread that called strerror() of an unknown error, and each exit
 * slower than the one before).
 */
static void hm_user_free_after_last_round(struct kunit *test)
{
	struct hm_cache *c = hm_class_cache(64);
	unsigned int i, cctxs, readers;
	struct hm_freeres_arg a;
	pthread_t t;

#if defined(__SANITIZE_THREAD__)
	/* its own thread state is gone by then: nothing instrumented may run */
	kunit_skip(test, "ThreadSanitizer finishes a thread in the last round");
#endif
	KUNIT_ASSERT_EQ(test, pthread_key_create(&hm_freeres_key, hm_freeres_destructor), 0);
	hm_free(hm_malloc(64));		/* hakmem's keys come first */
	for (i = 0; i < 4; i++) {	/* adoptable contexts to start from */
		a.obj = hm_malloc(64);
		a.round = 0;
		KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_freeres_worker, &a), 0);
		pthread_join(t, NULL);
	}
	cctxs = hm_live_cctxs(c);
	readers = hm_user_readers_used();
	for (i = 0; i < 32; i++) {
		a.obj = hm_malloc(64);
		a.round = 0;
		KUNIT_ASSERT_NOT_NULL(test, a.obj);
		KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_freeres_worker, &a), 0);
		pthread_join(t, NULL);
		KUNIT_EXPECT_EQ(test, a.round, PTHREAD_DESTRUCTOR_ITERATIONS);
	}
	kunit_info(test, "live contexts %u -> %u, reader slots %u -> %u", cctxs,
		   hm_live_cctxs(c), readers, hm_user_readers_used());
	KUNIT_EXPECT_LE(test, hm_live_cctxs(c), cctxs + 1);
	KUNIT_EXPECT_LE(test, hm_user_readers_used(), readers + 1);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	pthread_key_delete(hm_freeres_key);
}

static pthread_key_t hm_lastround_key;

struct hm_lastround_arg {
	void *obj;		/* allocated in the last round, kept */
	unsigned int round;
	bool used_before;	/* or the thread's first allocation is there */
};

/* re-armed each round; in the last one, allocates (after libhakmem's ran) */
static void hm_lastround_destructor(void *p)
{
	struct hm_lastround_arg *a = p;

	if (++a->round < PTHREAD_DESTRUCTOR_ITERATIONS) {
		pthread_setspecific(hm_lastround_key, a);
		return;
	}
	a->obj = hm_malloc(64);
	hm_free(hm_malloc(64));		/* and one cached in the context */
}

static void *hm_lastround_worker(void *p)
{
	struct hm_lastround_arg *a = p;

	if (a->used_before)
		hm_free(hm_malloc(64));
	pthread_setspecific(hm_lastround_key, p);
	return NULL;
}

/* the calling thread's live context of @c, or NULL */
static struct hm_cctx *hm_my_cctx(struct hm_cache *c)
{
	unsigned long flags;
	struct hm_cctx *cc, *mine = NULL;

	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next)
		if (!cc->abandoned && cc->ctx_id == hm_plat_ctx_id())
			mine = cc;
	hm_unlock(&c->lock, flags);
	return mine;
}

typedef void *(*hm_stale_alloc_t)(struct hm_cctx *cc, unsigned long ip);
typedef void (*hm_stale_free_t)(struct hm_cctx *cc, struct hm_slab *s, void *p, unsigned long ip);

/*
 * A thread may run the hybrid debug route's copy of the switches before a
 * change for one more operation (hm_user_cctx_copies()): it read the copy's
 * pointer, then the switch changed.  Emulated by calling the copies taken
 * before the change: the on-copy after the switch went off (the records
 * retired, the poison fill of a block the plain route then hands out and
 * takes back), the off-copy after it went on again (a new generation).
 * No report, no lost block, and ASan sees no use of retired records.
 */
static void hm_user_stale_copy(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("stale", 64, 0, HM_MODE_HYBRID, 0);
	unsigned long errs = hm_error_count();
	hm_stale_alloc_t sa;
	hm_stale_free_t sf;
	struct hm_cctx *cc;
	void *p[64], *q;
	unsigned int i, round;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (round = 0; round < 3; round++) {
		static const char *const on[] = { "track=1", "poison=1", "poison=1 track=1" };
		static const char *const off[] = { "track=0", "poison=0", "off" };

		/* A: the on-copy, after the switch went off (records retired) */
		KUNIT_ASSERT_EQ(test, hm_set_debug(c, on[round]), 0);
		for (i = 0; i < 64; i++)
			p[i] = hm_cache_alloc(c);
		for (i = 0; i < 64; i++)
			hm_cache_free(c, p[i]);
		for (i = 0; i < 8; i++)
			hm_cache_free(c, hm_cache_alloc(c));
		cc = hm_my_cctx(c);
		KUNIT_ASSERT_NOT_NULL(test, cc);
		sa = HM_READ_ONCE(cc->debug_alloc);
		sf = HM_READ_ONCE(cc->debug_free);
		KUNIT_ASSERT_EQ(test, hm_set_debug(c, off[round]), 0);
		KUNIT_EXPECT_TRUE(test, sa != HM_READ_ONCE(cc->debug_alloc));
		KUNIT_EXPECT_EQ(test, (unsigned int)cc->route, (unsigned int)HM_MODE_HYBRID);
		q = sa(cc, 0x1234);
		KUNIT_ASSERT_NOT_NULL(test, q);
		memset(q, 0x5a, 64);
		sf(cc, hm_ptr_slab(q), q, 0x1234);	/* filled under off */
		q = hm_cache_alloc(c);			/* the same block, plain */
		memset(q, 0x11, 64);
		hm_cache_free(c, q);
		/* on again, a new generation: no false report */
		KUNIT_ASSERT_EQ(test, hm_set_debug(c, on[round]), 0);
		for (i = 0; i < 64; i++)
			p[i] = hm_cache_alloc(c);
		for (i = 0; i < 64; i++)
			hm_cache_free(c, p[i]);
		/* B: the off-copy after the switch went on */
		KUNIT_ASSERT_EQ(test, hm_set_debug(c, off[round]), 0);
		q = hm_cache_alloc(c);
		hm_cache_free(c, q);
		/* route plain: copies are the _0 ones; take them, then on */
		sa = HM_READ_ONCE(cc->debug_alloc);
		sf = HM_READ_ONCE(cc->debug_free);
		KUNIT_ASSERT_EQ(test, hm_set_debug(c, on[round]), 0);
		KUNIT_EXPECT_TRUE(test, sa != HM_READ_ONCE(cc->debug_alloc));
		q = sa(cc, 0x4321);
		KUNIT_ASSERT_NOT_NULL(test, q);
		memset(q, 0x77, 64);
		sf(cc, hm_ptr_slab(q), q, 0x4321);	/* not filled under on */
		for (i = 0; i < 64; i++)
			p[i] = hm_cache_alloc(c);
		for (i = 0; i < 64; i++)
			hm_cache_free(c, p[i]);
		KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
		KUNIT_ASSERT_EQ(test, hm_set_debug(c, "off"), 0);
		KUNIT_EXPECT_TRUE_MSG(test, hm_error_count() == errs, "round %u: %lu errors",
				      round, hm_error_count() - errs);
		errs = hm_error_count();
	}
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/* a thread holding a reader slot until told to go; it then exits as usual */
struct hm_reap_arg {
	struct hm_user_reader *slot;
	unsigned long tid;
	int go;			/* 1: took its slot, 2: told to exit */
	pthread_t thread;
	/* the live thread that takes the slot meanwhile, and what it saw */
	unsigned long taker;
	bool taken;
};

static void *hm_reap_holder(void *p)
{
	struct hm_reap_arg *a = p;

	if (hm_plat_read_begin())
		hm_plat_read_end();
	a->slot = hm_user_reader_self;
	a->tid = hm_plat_ctx_id();
	__atomic_store_n(&a->go, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&a->go, __ATOMIC_ACQUIRE) != 2)
		usleep(100);
	return NULL;	/* its key destructor detaches the slot */
}

static struct hm_reap_arg *hm_reap_arg;

/*
 * Called by hm_user_readers_reap() after it read the holder's tid from
 * its slot: the holder detaches and dies, and a live thread takes the
 * slot and opens a bracket in it, as its hm_user_reader_attach() and
 * hm_plat_read_begin() would (claim 'used' from 0 to its tid, then the
 * word up by one).
 */
static void hm_reap_hook(struct hm_user_reader *r)
{
	struct hm_reap_arg *a = hm_reap_arg;
	unsigned long zero = 0;
	unsigned int i;

	if (r != a->slot || a->taken)
		return;
	__atomic_store_n(&a->go, 2, __ATOMIC_RELEASE);
	pthread_join(a->thread, NULL);
	/* gone from the kernel a little after the join */
	for (i = 0; i < 1000 && !(syscall(SYS_tgkill, getpid(), (pid_t)a->tid, 0) &&
				  errno == ESRCH); i++)
		usleep(1000);
	a->taken = hm_atomic_try_cmpxchg(&r->used, &zero, a->taker);
	if (a->taken)
		hm_atomic_set(&r->word, hm_atomic_read(&r->word) + 1);
}

/*
 * The reap reads a slot's tid, then asks whether that thread is gone: a
 * slot whose thread detached and died in between may be another live
 * thread's by then, in a bracket.  The reap closed that bracket under it
 * (a retire would then free what it reads) and, the tid not matching,
 * left the slot to it with its word broken.
 */
static void hm_user_reap_stale_tid(struct kunit *test)
{
	struct hm_reap_arg a = { .taker = hm_plat_ctx_id() };
	struct hm_user_reader *r;
	unsigned long w;

	hm_reap_arg = &a;
	KUNIT_ASSERT_EQ(test, pthread_create(&a.thread, NULL, hm_reap_holder, &a), 0);
	while (!__atomic_load_n(&a.go, __ATOMIC_ACQUIRE))
		usleep(100);
	r = a.slot;
	if (!r) {
		__atomic_store_n(&a.go, 2, __ATOMIC_RELEASE);
		pthread_join(a.thread, NULL);
		kunit_skip(test, "no reader slot");
	}
	__atomic_store_n(&hm_user_reap_test_hook, hm_reap_hook, __ATOMIC_RELAXED);
	hm_user_readers_reap();
	__atomic_store_n(&hm_user_reap_test_hook, NULL, __ATOMIC_RELAXED);
	if (!a.taken) {
		/* the holder's detach raced the hook: not the case asked for */
		kunit_skip(test, "the slot was taken by another thread");
	}
	w = hm_atomic_read(&r->word);
	/* the taker's bracket is still open, the slot still its own */
	KUNIT_EXPECT_EQ(test, w & HM_USER_READ_OPEN, 1UL);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&r->used), a.taker);
	/* the taker closes its bracket and detaches */
	hm_atomic_set(&r->word, (w & ~HM_USER_READ_OPEN) + HM_USER_READ_CLOSED);
	__atomic_store_n(&r->used.counter, 0, __ATOMIC_RELEASE);
}

/*
 * A key destructor that allocates in glibc's last round attaches a
 * context that no destructor round gives back: each such thread kept one
 * (a slab per class it used; 10 000 threads held 655 MB of address
 * space), whether it had allocated before or not.  Once the thread is
 * gone, hm_trim() (or the notes doubling) abandons them, and later
 * threads adopt them.
 */
static void hm_user_alloc_after_last_round(struct kunit *test)
{
	struct hm_cache *c = hm_class_cache(64);
	unsigned long inuse = hm_inuse_total();
	struct hm_lastround_arg a[32];
	unsigned int i, cctxs, readers, tries;
	pthread_t t;

#if defined(__SANITIZE_THREAD__)
	kunit_skip(test, "ThreadSanitizer finishes a thread in the last round");
#endif
	KUNIT_ASSERT_EQ(test, pthread_key_create(&hm_lastround_key, hm_lastround_destructor), 0);
	hm_free(hm_malloc(64));		/* hakmem's key comes first */
	hm_trim();
	cctxs = hm_live_cctxs(c);
	readers = hm_user_readers_used();
	for (i = 0; i < HM_ARRAY_SIZE(a); i++) {
		a[i].obj = NULL;
		a[i].round = 0;
		a[i].used_before = i & 1;
		KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_lastround_worker, &a[i]), 0);
		pthread_join(t, NULL);
		KUNIT_EXPECT_EQ(test, a[i].round, PTHREAD_DESTRUCTOR_ITERATIONS);
		KUNIT_EXPECT_NOT_NULL(test, a[i].obj);
	}
	/* the last thread may not be gone from the kernel at once after join */
	for (tries = 0; tries < 1000 && hm_live_cctxs(c) > cctxs; tries++) {
		hm_trim();
		usleep(1000);
	}
	kunit_info(test, "live contexts %u -> %u (%u trims)", cctxs, hm_live_cctxs(c), tries);
	KUNIT_EXPECT_LE(test, hm_live_cctxs(c), cctxs);
	KUNIT_EXPECT_EQ(test, hm_inuse_total(), inuse + HM_ARRAY_SIZE(a));
	for (i = 0; i < HM_ARRAY_SIZE(a); i++)
		hm_free(a[i].obj);	/* into the abandoned (adopted) slabs */
	/* without hm_trim(): a look each time the notes double, from 64 */
	for (i = 0; i < 320; i++) {
		struct hm_lastround_arg *b = &a[i % HM_ARRAY_SIZE(a)];

		b->round = 0;
		KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_lastround_worker, b), 0);
		pthread_join(t, NULL);
		hm_free(b->obj);
	}
	kunit_info(test, "320 threads more: live contexts %u, reader slots %u -> %u",
		   hm_live_cctxs(c), readers, hm_user_readers_used());
	KUNIT_EXPECT_LE(test, hm_live_cctxs(c), cctxs + 65);
	/* the looks' own slots, in threads that then died, went at the next */
	KUNIT_EXPECT_LE(test, hm_user_readers_used(), readers + 1);
	KUNIT_EXPECT_EQ(test, hm_inuse_total(), inuse);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
	pthread_key_delete(hm_lastround_key);
}

/*
 * A thread whose first allocations come from a key destructor, possibly
 * after hakmem's own one ran: the contexts it attaches then are
 * abandoned (flushed) as well, and its objects stay good.
 */
static void hm_user_first_use_in_destructor(struct kunit *test)
{
	unsigned long inuse = hm_inuse_total();
	struct hm_late_arg a;
	unsigned int i, round;
	pthread_t t;

	for (round = 0; round < 2; round++) {
		a.used_before = round;
		hm_thread_flush();
		KUNIT_ASSERT_EQ(test, pthread_key_create(&a.key, hm_late_destructor), 0);
		KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_late_worker, &a), 0);
		pthread_join(t, NULL);
		pthread_key_delete(a.key);
		hm_thread_flush();
		KUNIT_EXPECT_EQ(test, hm_cached_total(), 0);
		KUNIT_EXPECT_EQ(test, hm_inuse_total(),
				inuse + HM_ARRAY_SIZE(hm_late_sizes));
		for (i = 0; i < HM_ARRAY_SIZE(hm_late_sizes); i++) {
			KUNIT_EXPECT_NOT_NULL(test, hm_late_keep[i]);
			hm_free(hm_late_keep[i]);
		}
		KUNIT_EXPECT_EQ(test, hm_inuse_total(), inuse);
		KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
	}
}

/*
 * The per-cache calls that are not fast paths refuse a pointer that is no
 * built-in class or live cache (a destroyed cache, or never one): each is
 * reported once as not from hakmem, and nothing reads it (ASan: reading
 * the destroyed cache was a heap-use-after-free).
 */
static void hm_user_stale_cache(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("stale", 64, 0, HM_MODE_BITMAP, 0);
	struct hm_cache *never = (struct hm_cache *)HM_BIT(40);	/* unmapped */
	struct hm_cache *cls = hm_class_cache(64);
	long *errors = hm_test_count_errors(test);
	struct hm_frag_info fi;
	FILE *out = fopen("/dev/null", "w");

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_EQ(test, hm_cache_destroy(c), 0);
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "poison=1"), -1);
	KUNIT_EXPECT_EQ(test, hm_validate(c), -1);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(c, "first"), -EINVAL);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(c, "learn"), -EINVAL);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(c, "on"), -EINVAL);
	KUNIT_EXPECT_STREQ(test, hm_cache_policy(c), "?");
	fi.slabs = 42;
	hm_frag_info(c, &fi);
	KUNIT_EXPECT_EQ(test, fi.slabs, 0);
	hm_frag_dump(out, c);
	KUNIT_EXPECT_EQ(test, *errors, 8);
	KUNIT_EXPECT_EQ(test, hm_set_debug(never, "off"), -1);
	KUNIT_EXPECT_EQ(test, hm_validate(never), -1);
	KUNIT_EXPECT_EQ(test, *errors, 10);
	/* a class is known, and so is a live cache */
	KUNIT_EXPECT_EQ(test, hm_set_debug(cls, "off"), 0);
	KUNIT_EXPECT_EQ(test, hm_validate(cls), 0);
	KUNIT_EXPECT_STREQ(test, hm_cache_policy(cls), "default");
	c = hm_cache_create("live", 64, 0, HM_MODE_BITMAP, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(c, "best"), 0);
	KUNIT_EXPECT_STREQ(test, hm_cache_policy(c), "best");
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(c, "on"), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(c, "off"), 0);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	KUNIT_EXPECT_EQ(test, *errors, 10);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
	fclose(out);
}

/*
 * Pointers at and past the end of the slab map's flat bitmap (47 bits),
 * where the tree answers: refused as foreign, never read.  Each is freed
 * through both entry points.
 */
static void hm_user_free_out_of_range(struct kunit *test)
{
	static const unsigned long bad[] = {
		HM_BIT(47) - 8, HM_BIT(47), HM_BIT(47) + HM_SLAB_SIZE,
		HM_BIT(48) + 64, ~0UL - HM_SLAB_SIZE + 8, ~0UL & ~7UL,
	};
	long *errors = hm_test_count_errors(test);
	struct hm_cache *c = hm_cache_create("oor", 64, 0, HM_MODE_HYBRID, 0);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	hm_free(hm_malloc(64));		/* the map is set up */
	for (i = 0; i < HM_ARRAY_SIZE(bad); i++) {
		hm_free((void *)bad[i]);
		hm_cache_free(c, (void *)bad[i]);
	}
	KUNIT_EXPECT_EQ(test, *errors, 2 * (long)HM_ARRAY_SIZE(bad));
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * Bytes of the flat slab-map bitmap that are writable (committed memory),
 * from /proc/self/maps; the whole reservation must be mapped.
 */
static unsigned long hm_flatmap_writable(struct kunit *test)
{
	unsigned long lo = (unsigned long)hm_flatmap.bits;
	unsigned long hi = lo + HM_FLATMAP_GRANULES / 8;
	unsigned long a, b, w = 0, all = 0;
	char perm[8], line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	KUNIT_ASSERT_NOT_NULL(test, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perm) != 3 || b <= lo || a >= hi)
			continue;
		a = HM_MAX(a, lo);
		b = HM_MIN(b, hi);
		all += b - a;
		if (perm[1] == 'w')
			w += b - a;
	}
	fclose(f);
	KUNIT_EXPECT_EQ(test, all, hi - lo);
	return w;
}

/*
 * The flat bitmap is reserved read-only and made writable a unit (64 KiB,
 * 32 GiB of address space) at a time, when the unit's first chunk comes:
 * writable private memory is committed (charged under overcommit_memory=2
 * even if never written), so only units that hold chunks may be.  A
 * granule in a unit of its own commits exactly one more, once.
 */
static void hm_user_flatmap_committed(struct kunit *test)
{
	unsigned long far, u, w0, w1;
	void *p = hm_malloc(64);

	KUNIT_ASSERT_NOT_NULL(test, p);
	if (!hm_atomic_read(&hm_flatmap.limit)) {
		hm_free(p);
		kunit_skip(test, "no flat bitmap (HM_FLATMAP=0)");
	}
	w0 = hm_flatmap_writable(test);
	KUNIT_EXPECT_GE(test, w0, HM_FLATMAP_UNIT);
	KUNIT_EXPECT_EQ(test, w0 % HM_FLATMAP_UNIT, 0);
	KUNIT_EXPECT_LE(test, w0, 8 * HM_FLATMAP_UNIT);
	/* the second granule of the first unit no chunk has made writable */
	for (u = 0; u < HM_FLATMAP_UNITS; u++)
		if (!(hm_atomic_read(&hm_flatmap.committed[u / HM_BITS_PER_LONG]) &
		      HM_BIT(u % HM_BITS_PER_LONG)))
			break;
	KUNIT_ASSERT_LT(test, u, HM_FLATMAP_UNITS);
	far = (u * HM_FLATMAP_UNIT * 8 + 1) << HM_SLAB_SHIFT;
	KUNIT_ASSERT_EQ(test, hm_slabmap_prepare((void *)far, HM_GFP_DEFAULT), 0);
	w1 = hm_flatmap_writable(test);
	KUNIT_EXPECT_EQ(test, w1, w0 + HM_FLATMAP_UNIT);
	hm_slabmap_set((void *)far, true);
	KUNIT_EXPECT_TRUE(test, hm_slabmap_test((void *)far));
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test((void *)(far - 1)));
	hm_slabmap_set((void *)far, false);
	KUNIT_EXPECT_FALSE(test, hm_slabmap_test((void *)far));
	/* once per unit */
	KUNIT_ASSERT_EQ(test, hm_slabmap_prepare((void *)(far + HM_SLAB_SIZE),
						 HM_GFP_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, hm_flatmap_writable(test), w1);
	hm_free(p);
}

/* lines of /proc/self/maps: the process's mappings */
static unsigned int hm_maps_count(struct kunit *test)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned int n = 0;
	int ch;

	KUNIT_ASSERT_NOT_NULL(test, f);
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

#if defined(__SANITIZE_THREAD__)
#define HM_TEST_TSAN	1
#else
#define HM_TEST_TSAN	0
#endif

/* under valgrind, whose preload the client sees */
static bool hm_user_on_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return pre && strstr(pre, "vgpreload");
}

/*
 * Chunks mapped one after the other abut (the aligned chunk at the top of
 * each over-sized mapping, which mmap places top down): the kernel merges
 * them, so 64 chunks are a few mappings, not 64 (vm.max_map_count would
 * cap slab memory at 4 GiB).  Where mmap does not place top down
 * (memcheck's own address-space manager) only a bound on what was
 * mapped is checked.
 */
static void hm_user_chunks_merge(struct kunit *test)
{
	void *c[64];
	unsigned int i, before, after;

	before = hm_maps_count(test);
	for (i = 0; i < HM_ARRAY_SIZE(c); i++) {
		c[i] = hm_plat_chunk_alloc(HM_SLAB_SIZE, HM_GFP_DEFAULT);
		KUNIT_ASSERT_NOT_NULL(test, c[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)c[i] % HM_SLAB_SIZE, 0);
	}
	after = hm_maps_count(test);
	if (hm_user_on_valgrind())
		KUNIT_EXPECT_LE(test, after, before + HM_ARRAY_SIZE(c) + 4);
	else	/* ThreadSanitizer maps shadow beside new mappings: some more */
		KUNIT_EXPECT_LE(test, after, before + (HM_TEST_TSAN ? 32 : 8));
	for (i = 0; i < HM_ARRAY_SIZE(c); i++)
		hm_plat_chunk_free(c[i], HM_SLAB_SIZE);
}

#ifdef HM_COVERAGE
void __gcov_dump(void);		/* libgcov's: write the counts now */
#endif

/*
 * A forked child's end.  _exit() writes no gcov counts: make coverage
 * (-DHM_COVERAGE) writes them first, or the child's lines count as never
 * run.
 */
static __attribute__((noreturn)) void hm_child_exit(int code)
{
#ifdef HM_COVERAGE
	__gcov_dump();
#endif
	_exit(code);
}

/*
 * After fork() the child's thread has a tid of its own: its contexts
 * report it, its slabs keep its unique key (a serial above every tid, no
 * walk), and its frees of objects from before the fork are still its own.
 * The parent's contexts keep the parent's tid.  Exit status bits say
 * which check failed in the child.
 */
static void hm_user_fork_rekeys(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("fork", 48, 0, HM_MODE_HYBRID, 0);
	void *p = hm_malloc(64), *q = c ? hm_cache_alloc(c) : NULL;
	u32 key;
	int status = -1;
	pid_t pid;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	key = hm_ptr_slab(p)->owner_id;
	KUNIT_EXPECT_GE(test, key, 1U << 22);
	KUNIT_EXPECT_EQ(test, hm_ptr_slab(q)->owner_id, key);
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		u32 tid = (u32)syscall(SYS_gettid);
		int bad = 0;

		bad |= hm_plat_ctx_id() != tid;
		bad |= (hm_ptr_slab(p)->owner->ctx_id != tid) << 1;
		bad |= (hm_ptr_slab(q)->owner->ctx_id != tid) << 2;
		bad |= (hm_ptr_slab(p)->owner_id != key) << 5;
		hm_free(p);
		hm_cache_free(c, q);
		bad |= (hm_validate(c) != 0) << 3;
		bad |= (hm_cache_live_objects(c) != 0) << 4;
		hm_child_exit(bad);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_EXPECT_TRUE(test, WIFEXITED(status));
	KUNIT_EXPECT_EQ(test, WEXITSTATUS(status), 0);
	KUNIT_EXPECT_EQ(test, hm_ptr_slab(p)->owner->ctx_id, hm_plat_ctx_id());
	KUNIT_EXPECT_EQ(test, hm_plat_ctx_id(), (u32)syscall(SYS_gettid));
	hm_free(p);
	hm_cache_free(c, q);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

static void *hm_user_alloc_thread(void *p)
{
	struct hm_cache **c = p;

	c[1] = hm_cache_alloc(c[0]);	/* on a context of this thread's */
	return NULL;
}

/*
 * fork() while another thread is inside a context's route bracket (its
 * read_seq odd, as hm_plat_read_ctx_begin() leaves it): that thread does
 * not exist in the child, so the child's tracking going off must not wait
 * for it, and gives the records back.  The bracket is opened here by hand
 * on the other thread's context, which is what a fork at that instant
 * leaves behind.  Exit status 9: the child hung (alarm).
 */
static void hm_user_fork_track_retire(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("fork-retire", 48, 0, HM_MODE_HYBRID, 0);
	void *arg[2] = { c, NULL };
	struct hm_cctx *cc;
	int status = -1;
	pthread_t t;
	pid_t pid;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (!hm_plat_read_can_sync())
		kunit_skip(test, "no membarrier(): records are never retired");
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_alloc_thread, arg), 0);
	pthread_join(t, NULL);
	KUNIT_ASSERT_NOT_NULL(test, arg[1]);
	cc = hm_ptr_slab(arg[1])->owner;
	KUNIT_ASSERT_NOT_NULL(test, cc);
	KUNIT_ASSERT_GT(test, hm_atomic_read(&c->track_bytes), 0);
	hm_plat_read_ctx_begin(&cc->read_seq);	/* that thread, mid-route */
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		int bad = 0;

		signal(SIGALRM, SIG_DFL);
		alarm(10);
		bad |= hm_set_debug(c, "track=0") != 0;
		bad |= (hm_atomic_read(&c->track_bytes) != 0) << 1;
		bad |= (hm_validate(c) != 0) << 2;
		hm_child_exit(bad);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	hm_plat_read_ctx_end(&cc->read_seq);
	KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status), "child killed by signal %d",
			      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	KUNIT_EXPECT_EQ(test, WEXITSTATUS(status), 0);
	/* the parent's wait is for a thread that exists: it closed, records go */
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "track=0"), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), 0);
	hm_cache_free(c, arg[1]);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

struct hm_keys_arg {
	struct hm_cache *c;
	void *v[16];
	u32 key;		/* the slabs' key the worker saw */
	bool claimed;		/* the worker's free claimed the old slab */
	struct hm_cctx *owner;
};

static void *hm_keys_first(void *p)
{
	struct hm_keys_arg *a = p;
	unsigned int i;

	for (i = 0; i < HM_ARRAY_SIZE(a->v); i++)
		a->v[i] = hm_cache_alloc(a->c);
	a->key = hm_ptr_slab(a->v[0])->owner_id;
	a->owner = hm_ptr_slab(a->v[0])->owner;
	return NULL;
}

static void *hm_keys_second(void *p)
{
	struct hm_keys_arg *a = p;
	struct hm_slab *s = hm_ptr_slab(a->v[0]);
	void *q = hm_cache_alloc(a->c);	/* adopts the first's context */
	unsigned int i;

	a->claimed = hm_ptr_slab(q)->owner == a->owner && s->owner_id == a->key;
	hm_cache_free(a->c, a->v[0]);
	a->claimed = a->claimed && s->owner == a->owner && s->owner_id != a->key &&
		     s->owner_id >= (1U << 22);
	for (i = 1; i < HM_ARRAY_SIZE(a->v); i++)
		hm_cache_free(a->c, a->v[i]);
	hm_cache_free(a->c, q);
	return NULL;
}

/*
 * A thread's exit and the adoption of its context walk no slab list: its
 * slabs keep the exited thread's key (a serial nobody presents again)
 * until the adopting thread's first free into each claims it.
 */
static void hm_user_exit_adopt_no_walk(struct kunit *test)
{
	struct hm_keys_arg a = { .c = hm_cache_create("keys", 64, 0, HM_MODE_HYBRID, 0) };
	unsigned long walks;
	pthread_t t;

	KUNIT_ASSERT_NOT_NULL(test, a.c);
	walks = a.c->rekey_walks;
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_keys_first, &a), 0);
	pthread_join(t, NULL);
	KUNIT_EXPECT_GE(test, a.key, 1U << 22);
	KUNIT_EXPECT_EQ(test, hm_ptr_slab(a.v[0])->owner_id, a.key);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_keys_second, &a), 0);
	pthread_join(t, NULL);
	KUNIT_EXPECT_TRUE(test, a.claimed);
	KUNIT_EXPECT_EQ(test, a.c->rekey_walks, walks);
	KUNIT_EXPECT_EQ(test, hm_validate(a.c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(a.c), 0);
}

static void hm_errno_clobber(const char *msg, void *arg)
{
	(void)msg;
	(*(long *)arg)++;
	errno = EIO;
}

struct hm_errno_arg {
	void *p;
	int after;
};

static void *hm_errno_worker(void *p)
{
	struct hm_errno_arg *a = p;

	errno = EDOM;
	hm_free(a->p);		/* the thread's first call: attaches a context */
	a->after = errno;
	return NULL;
}

/*
 * free() leaves errno alone (POSIX.1-2024): a remote free that attaches
 * the thread's first context, and a refused double free whose report
 * handler sets errno itself.
 */
static void hm_user_free_keeps_errno(struct kunit *test)
{
	struct hm_errno_arg a = { .p = hm_malloc(64) };
	long reports = 0;
	pthread_t t;
	void *q;

	KUNIT_ASSERT_NOT_NULL(test, a.p);
	hm_test_checks_for(test, hm_class_cache(64));	/* the double free below */
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_errno_worker, &a), 0);
	pthread_join(t, NULL);
	KUNIT_EXPECT_EQ(test, a.after, EDOM);
	q = hm_malloc(64);
	KUNIT_ASSERT_NOT_NULL(test, q);
	hm_free(q);
	hm_set_error_handler(hm_errno_clobber, &reports);
	errno = EDOM;
	hm_free(q);			/* a double free: refused, reported */
	KUNIT_EXPECT_EQ(test, errno, EDOM);
	hm_set_error_handler(NULL, NULL);
	KUNIT_EXPECT_EQ(test, reports, 1);
}

/*
 * The same with the memory locked (mlockall(MCL_FUTURE): real-time and
 * key-holding programs): madvise() refuses locked pages, and its EINVAL
 * came out of free() (a large object past the 64 kept with their pages,
 * decommitted) and of malloc() (released slabs finished at the next
 * chunk).  In a child: the lock stays with the process.
 */
static void hm_user_free_keeps_errno_locked(struct kunit *test)
{
	static const size_t sizes[] = { 100, 5000, 200000 };
	int status = -1;
	pid_t pid;

#ifdef HM_USER_ASAN
	kunit_skip(test, "ASan's shadow, locked");
#endif
	if (hm_user_on_valgrind() || HM_TEST_TSAN)
		kunit_skip(test, "the tool's own mappings, locked");
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		void **v = mmap(NULL, 20000 * sizeof(*v), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned int round, s, i, n, bad = 0;

		if (v == MAP_FAILED)
			hm_child_exit(3);
		if (mlockall(MCL_FUTURE))
			hm_child_exit(4);	/* RLIMIT_MEMLOCK: not tested */
		for (round = 0; round < 2; round++) {
			for (s = 0; s < HM_ARRAY_SIZE(sizes); s++) {
				n = sizes[s] > 10000 ? 200 : 20000;
				for (i = 0; i < n; i++) {
					errno = EDOM;
					v[i] = hm_malloc(sizes[s]);
					if (!v[i])
						hm_child_exit(4);
					bad += errno != EDOM;
				}
				for (i = 0; i < n; i++) {
					errno = EDOM;
					hm_free(v[i]);
					bad += errno != EDOM;
				}
			}
		}
		munlockall();
		hm_child_exit(bad ? 1 : 0);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_ASSERT_TRUE(test, WIFEXITED(status));
	if (WEXITSTATUS(status) == 4)
		kunit_skip(test, "mlockall() or memory under RLIMIT_MEMLOCK refused");
	KUNIT_EXPECT_EQ(test, WEXITSTATUS(status), 0);
}

static void *hm_trim_worker(void *p)
{
	void **keep = p;
	unsigned int i;

	for (i = 0; i < 100; i++)
		keep[i] = hm_malloc(64);
	return NULL;			/* exits with its slab holding them */
}

/* objects of an exited thread freed by others: hm_trim() gets the slab */
static void hm_user_trim_after_exit(struct kunit *test)
{
	void *keep[100];
	long chunks;
	pthread_t t;
	unsigned int i;

	hm_trim();
	chunks = __atomic_load_n(&hm_user_chunks_live, __ATOMIC_RELAXED);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_trim_worker, keep), 0);
	pthread_join(t, NULL);
	for (i = 0; i < 100; i++)
		hm_free(keep[i]);	/* remote frees into an abandoned slab */
	hm_trim();
	KUNIT_EXPECT_LE(test, __atomic_load_n(&hm_user_chunks_live, __ATOMIC_RELAXED),
			chunks);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

struct hm_slot_arg {
	struct hm_cache *c;
	void *obj;
	pthread_barrier_t *bar;
};

static void *hm_slot_worker(void *p)
{
	struct hm_slot_arg *a = p;

	a->obj = hm_cache_alloc(a->c);	/* this thread now has a slot */
	hm_cache_free(a->c, a->obj);
	pthread_barrier_wait(a->bar);	/* main destroys the cache */
	pthread_barrier_wait(a->bar);
	a->obj = hm_cache_alloc(a->c);	/* a new cache, maybe same slot */
	hm_cache_free(a->c, a->obj);
	return NULL;
}

/* a cache destroyed while another thread holds a context slot for it */
static void hm_user_destroy_with_thread_slot(struct kunit *test)
{
	pthread_barrier_t bar;
	struct hm_slot_arg a = { .bar = &bar };
	pthread_t t;
	unsigned int i;

	pthread_barrier_init(&bar, NULL, 2);
	a.c = hm_cache_create("slot-a", 40, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, a.c);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_slot_worker, &a), 0);
	pthread_barrier_wait(&bar);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(a.c), 0);
	/* enough new caches that one lands in the worker's old slot */
	for (i = 0; i < 70; i++) {
		struct hm_cache *c = hm_cache_create("slot-b", 40, 0, HM_MODE_BITMAP, 0);

		KUNIT_ASSERT_NOT_NULL(test, c);
		if (i < 69)
			KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
		else
			a.c = c;
	}
	pthread_barrier_wait(&bar);
	pthread_join(t, NULL);
	KUNIT_EXPECT_EQ(test, hm_validate(a.c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(a.c), 0);
	pthread_barrier_destroy(&bar);
}

/*
 * hm_cache_destroy() of what is no live created cache: a built-in class
 * (it would free the class under hm_malloc()'s objects) and a cache
 * destroyed already (a second free of its memory) are refused, one report
 * each, and nothing changes.
 */
static void hm_user_destroy_refuses_non_caches(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	struct hm_cache *cls = hm_class_cache(64), *c;
	void *p = hm_malloc(64), *q;

	KUNIT_ASSERT_NOT_NULL(test, cls);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(cls), 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_TRUE(test, hm_class_cache(64) == cls);
	q = hm_malloc(64);
	KUNIT_ASSERT_NOT_NULL(test, q);
	hm_free(q);
	hm_free(p);
	KUNIT_EXPECT_EQ(test, hm_validate(cls), 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);

	c = hm_cache_create("twice", 48, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	p = hm_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);	/* no second free */
	KUNIT_EXPECT_EQ(test, *errors, 2);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

/* per-thread stats rows name their thread; class rows add up */
static void hm_user_stats_rows(struct kunit *test)
{
	struct hm_stat_row rows[256];
	void *p = hm_malloc(100);
	size_t n, i;
	bool found = false;

	KUNIT_ASSERT_NOT_NULL(test, p);
	n = hm_stats_snapshot(rows, 256, HM_STATS_CLASSES | HM_STATS_THREADS);
	KUNIT_ASSERT_LE(test, n, 256);
	for (i = 0; i < n; i++)
		found |= rows[i].thread != 0 && rows[i].size == 128 && rows[i].allocs > 0;
	KUNIT_EXPECT_TRUE(test, found);
	KUNIT_EXPECT_EQ(test, hm_stats_snapshot(NULL, 0, HM_STATS_CLASSES), HM_USER_CLASSES);
	hm_free(p);
}

/* @f's text, NUL-terminated, by @dump */
static char *hm_user_capture(struct kunit *test, void (*dump)(FILE *f, void *arg), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	KUNIT_ASSERT_NOT_NULL(test, f);
	dump(f, arg);
	fclose(f);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	return buf;
}

static void hm_user_dump_json(FILE *f, void *arg)
{
	hm_stats_dump_json(f);
}

static void hm_user_dump_diag(FILE *f, void *arg)
{
	hm_stats_dump(f, HM_STATS_CACHES | HM_STATS_DIAG);
}

/* hm_stats_dump() of what *@what says */
static void hm_user_dump_what(FILE *f, void *what)
{
	hm_stats_dump(f, *(unsigned int *)what);
}

static void hm_user_dump_malloc_info(FILE *f, void *arg)
{
	*(int *)arg = hm_malloc_info(f);
}

/*
 * malloc_info()'s XML of hakmem's memory: a <size> line per class with
 * its blocks not in use, large objects as the "mmap" total.
 */
static void hm_user_malloc_info(struct kunit *test)
{
	char *big = hm_malloc(1 << 20), *p = hm_malloc(100), *text, want[96];
	struct hm_mallinfo mi;
	int ret = -1;

	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_mallinfo(&mi);
	text = hm_user_capture(test, hm_user_dump_malloc_info, &ret);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, strncmp(text, "<malloc version=\"1\">\n<heap nr=\"0\">\n", 34), 0);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "  <size from=\"128\" to=\"128\" total=\""));
	KUNIT_EXPECT_NULL(test, strstr(text, " count=\"0\"/>"));	/* sizes with none free */
	snprintf(want, sizeof(want), "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>",
		 mi.hblks, mi.hblkhd);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, want));
	/* large objects apart from "system", as glibc's */
	snprintf(want, sizeof(want), "<system type=\"current\" size=\"%zu\"/>\n<system", mi.arena);
	KUNIT_EXPECT_NOT_NULL(test, strstr(strstr(text, "</heap>"), want));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "</heap>\n"));
	KUNIT_EXPECT_EQ(test, strcmp(text + strlen(text) - 10, "</malloc>\n"), 0);
	free(text);
	errno = 0;
	KUNIT_EXPECT_EQ(test, hm_malloc_info(NULL), -1);
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	hm_free(p);
	hm_free(big);
}

/*
 * A dump's FILE may call back into hakmem from its write: a fopencookie()
 * stream that logs the heap's figures, a log that allocates.  No dump may
 * write to it while it holds hm_caches_lock (or a cache's lock): the
 * callback's hm_frag_info() or hm_mallinfo() would wait for ever on the
 * lock its own thread holds.  Each dump runs in a child, on a fresh
 * thread (no context yet), into an unbuffered cookie stream whose every
 * write allocates a size that thread has not used and asks for the heap's
 * figures; a hang is killed by the alarm.  hm_validate() writes to
 * stderr, which the child points at the stream; a context's count bumped
 * by one gives it a problem to print (the child's copy only).
 */
enum {
	HM_RE_FRAG_ONE, HM_RE_FRAG_ALL, HM_RE_DIAG, HM_RE_JSON, HM_RE_INFO,
	HM_RE_VALIDATE_ONE, HM_RE_VALIDATE_ALL, HM_RE_NR
};

static const char *const hm_re_names[HM_RE_NR] = {
	"hm_frag_dump(c)", "hm_frag_dump(NULL)", "hm_stats_dump(DIAG)",
	"hm_stats_dump_json()", "hm_malloc_info()", "hm_validate(c)", "hm_validate(NULL)",
};

struct hm_reenter {
	struct hm_cache *c;
	int which;
	unsigned long writes;
	long ret;
	size_t len;
	char text[1 << 16];
};

static ssize_t hm_reenter_write(void *cookie, const char *buf, size_t size)
{
	struct hm_reenter *r = cookie;
	struct hm_frag_info fi;
	struct hm_mallinfo mi;
	void *p = hm_malloc(24UL << (r->writes++ % 9));	/* 24 B .. 6 KiB */

	hm_free(p);
	hm_frag_info(r->c, &fi);
	hm_mallinfo(&mi);
	if (r->len + size < sizeof(r->text)) {
		memcpy(r->text + r->len, buf, size);
		r->len += size;
	}
	return (ssize_t)size;
}

static void *hm_reenter_thread(void *arg)
{
	cookie_io_functions_t io = { .write = hm_reenter_write };
	struct hm_reenter *r = arg;
	FILE *f = fopencookie(r, "w", io);

	if (!f)
		return NULL;
	setvbuf(f, NULL, _IONBF, 0);	/* every write reaches the callback */
	switch (r->which) {
	case HM_RE_FRAG_ONE:
		hm_frag_dump(f, r->c);
		break;
	case HM_RE_FRAG_ALL:
		hm_frag_dump(f, NULL);
		break;
	case HM_RE_DIAG:
		hm_stats_dump(f, HM_STATS_CACHES | HM_STATS_DIAG);
		break;
	case HM_RE_JSON:
		hm_stats_dump_json(f);
		break;
	case HM_RE_INFO:
		r->ret = hm_malloc_info(f);
		break;
	default: {
		FILE *saved = stderr;

		stderr = f;
		r->ret = hm_validate(r->which == HM_RE_VALIDATE_ONE ? r->c : NULL);
		stderr = saved;		/* _exit() flushes it under TSan */
		break;
	}
	}
	fclose(f);
	return NULL;
}

static int hm_reenter_child(struct hm_cache *c, void *obj, int which)
{
	struct hm_reenter *r = calloc(1, sizeof(*r));
	pthread_t t;

	signal(SIGALRM, SIG_DFL);
	alarm(20);
	if (!r)
		return 2;
	r->c = c;
	r->which = which;
	if (which >= HM_RE_VALIDATE_ONE)
		hm_ptr_slab(obj)->owner->st.allocs++;	/* one problem to print */
	if (pthread_create(&t, NULL, hm_reenter_thread, r) || pthread_join(t, NULL))
		return 3;
	r->text[r->len] = '\0';
	if (!r->writes || !strstr(r->text, which == HM_RE_INFO ? "</malloc>\n" : "reenter"))
		return 4;
	if (which == HM_RE_INFO && r->ret)
		return 5;
	if (which >= HM_RE_VALIDATE_ONE && r->ret != 1)
		return 6;
	return 0;
}

static void hm_user_dump_reenter(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("reenter", 200, 0, HM_MODE_BITMAP, 0);
	void *obj[20];
	unsigned int i;
	int which;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < 20; i++) {
		obj[i] = hm_cache_alloc(c);
		KUNIT_ASSERT_NOT_NULL(test, obj[i]);
	}
	fflush(NULL);	/* nothing of the parent's written twice */
	for (which = 0; which < HM_RE_NR; which++) {
		int status = -1;
		pid_t pid = fork();

		KUNIT_ASSERT_GE(test, pid, 0);
		if (pid == 0)
			hm_child_exit(hm_reenter_child(c, obj[0], which));
		KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
		KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status) && !WEXITSTATUS(status),
				      "%s: child exit %d, killed by signal %d (14: hung)",
				      hm_re_names[which],
				      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	for (i = 0; i < 20; i++)
		hm_cache_free(c, obj[i]);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * The error handler is called with no lock of hakmem's held: it may call
 * back in (hm_frag_info(), a dump).  A report made while hm_caches_lock
 * is held (a double free found when hm_thread_flush() collects a created
 * cache's remote frees) reaches it once the lock is let go.  The race is
 * made by hand: a free block's remote bit set, as a remote free that
 * raced its local free leaves it.  In a child: a hang is killed by the
 * alarm (exit status 14 as a signal).
 */
struct hm_handler_reenter {
	struct hm_cache *c;
	unsigned int calls;
	unsigned long slabs;	/* hm_frag_info()'s, from the handler */
};

static void hm_reenter_handler(const char *msg, void *arg)
{
	struct hm_handler_reenter *h = arg;
	struct hm_frag_info fi;

	h->calls++;
	hm_frag_info(h->c, &fi);
	h->slabs = fi.slabs;
}

/* without a handler, stderr: a stream whose write does the same */
static ssize_t hm_reenter_stderr(void *cookie, const char *buf, size_t size)
{
	hm_reenter_handler(buf, cookie);
	return (ssize_t)size;
}

static int hm_handler_race_at(struct hm_cache *c, bool flush);

/* a double free of a free block of @c, found when the context is flushed */
static int hm_handler_race(struct hm_cache *c)
{
	return hm_handler_race_at(c, true);
}

/* ... or, without @flush, when the thread exits */
static int hm_handler_race_at(struct hm_cache *c, bool flush)
{
	struct hm_slab *s;
	unsigned int idx;
	void *a = hm_cache_alloc(c), *b = hm_cache_alloc(c);

	if (!a || !b)
		return 2;
	s = hm_ptr_slab(a);
	idx = hm_block_index(c, s, a);
	hm_cache_free(c, a);
	if (!(s->free_bits[idx / HM_BPL] & (1UL << (idx % HM_BPL))))
		return 3;	/* not free in the slab: no race to make */
	hm_atomic_fetch_or(&s->remote_bits[idx / HM_BPL], 1UL << (idx % HM_BPL));
	if (flush)
		hm_thread_flush();	/* the slot's context, under hm_caches_lock */
	return 0;
}

static int hm_handler_reenter_child(struct hm_cache *c)
{
	cookie_io_functions_t io = { .write = hm_reenter_stderr };
	struct hm_handler_reenter h = { .c = c }, e = { .c = c };
	FILE *f = fopencookie(&e, "w", io), *saved = stderr;
	int r;

	signal(SIGALRM, SIG_DFL);
	alarm(20);
	if (!f)
		return 2;
	hm_set_error_handler(hm_reenter_handler, &h);
	r = hm_handler_race(c);
	hm_set_error_handler(NULL, NULL);
	if (r)
		return r;
	if (h.calls != 1 || !h.slabs)
		return 4;
	setvbuf(f, NULL, _IONBF, 0);
	stderr = f;
	r = hm_handler_race(c);
	stderr = saved;
	fclose(f);
	if (r)
		return r + 8;
	return e.calls && e.slabs ? 0 : 5;
}

/*
 * @child(a bitmap cache of 64 bytes) in a child process, whose alarm
 * turns a hang into SIGALRM: exit 0 expected
 */
static void hm_handler_in_child(struct kunit *test, const char *name,
				int (*child)(struct hm_cache *c))
{
	struct hm_cache *c = hm_cache_create(name, 64, 0, HM_MODE_BITMAP, 0);
	int status = -1;
	pid_t pid;

	KUNIT_ASSERT_NOT_NULL(test, c);
	fflush(NULL);
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0)
		hm_child_exit(child(c));
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status) && !WEXITSTATUS(status),
			      "child exit %d, killed by signal %d (14: hung)",
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

static void hm_user_handler_outside_caches_lock(struct kunit *test)
{
	hm_handler_in_child(test, "handler-lock", hm_handler_reenter_child);
}

/* the same race found by a thread's exit (hm_thread_exit() collects) */
static void *hm_handler_exit_thread(void *c)
{
	return (void *)(long)hm_handler_race_at(c, false);
}

static int hm_handler_exit_child(struct hm_cache *c)
{
	struct hm_handler_reenter h = { .c = c };
	pthread_t t;
	void *r;

	signal(SIGALRM, SIG_DFL);
	alarm(20);
	hm_set_error_handler(hm_reenter_handler, &h);
	if (pthread_create(&t, NULL, hm_handler_exit_thread, c))
		return 2;
	pthread_join(t, &r);
	hm_set_error_handler(NULL, NULL);
	if (r)
		return (int)(long)r;
	return h.calls == 1 && h.slabs ? 0 : 4;
}

static void hm_user_handler_thread_exit(struct kunit *test)
{
	hm_handler_in_child(test, "handler-exit", hm_handler_exit_child);
}

static void *hm_rows_thread(void *c)
{
	hm_cache_free(c, hm_cache_alloc(c));
	return NULL;
}

/*
 * A thread that exited keeps its row, marked as such: it was thread 0,
 * which hm_stats_dump() printed as the bare cache name, a second total.
 */
static void hm_user_stats_rows_exited(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-rows", 40, 0, HM_MODE_HYBRID, 0);
	unsigned int what = HM_STATS_CACHES | HM_STATS_THREADS, exited = 0, totals = 0;
	struct hm_stat_row rows[256];
	size_t n, i;
	pthread_t t;
	char *text;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_rows_thread, c), 0);
	pthread_join(t, NULL);
	n = hm_stats_snapshot(rows, 256, what);
	KUNIT_ASSERT_LE(test, n, 256);
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].name, "u-rows"))
			continue;
		totals += !rows[i].thread;
		exited += rows[i].thread == HM_STAT_THREAD_EXITED && rows[i].allocs == 1;
	}
	KUNIT_EXPECT_EQ(test, totals, 1);
	KUNIT_EXPECT_EQ(test, exited, 1);
	text = hm_user_capture(test, hm_user_dump_what, &what);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\nu-rows@exited "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\nu-rows "));
	free(text);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/* a row is one line: a cache named with a newline split its row in two */
static void hm_user_stats_rows_one_line(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-two\nlines\t", 40, 0, HM_MODE_HYBRID, 0);
	unsigned int what = HM_STATS_CACHES;
	char *text;

	KUNIT_ASSERT_NOT_NULL(test, c);
	text = hm_user_capture(test, hm_user_dump_what, &what);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\nu-two?lines? "));
	KUNIT_EXPECT_NULL(test, strstr(text, "\nlines"));
	free(text);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * The table's name column widens to its longest label: a long cache name
 * and a thread's row of it ("<name>@<thread id>") keep every column in
 * line under the header, and the label whole.
 */
static void hm_user_stats_long_name(struct kunit *test)
{
	static const char name[] = "u-a-rather-long-cache-name-31ch";
	struct hm_cache *c = hm_cache_create(name, 40, 0, HM_MODE_HYBRID, 0);
	unsigned int what = HM_STATS_CLASSES | HM_STATS_CACHES | HM_STATS_THREADS;
	char *text, row[64];
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, strlen(name), HM_NAME_LEN - 1);
	p = hm_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, p);
	text = hm_user_capture(test, hm_user_dump_what, &what);
	KUNIT_EXPECT_EQ(test, hm_test_table_misaligned(text), 0);
	snprintf(row, sizeof(row), "\n%s ", name);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, row));
	snprintf(row, sizeof(row), "\n%s@", name);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, row));
	free(text);
	hm_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

static void hm_count_errors(const char *msg, void *arg)
{
	(void)msg;
	(*(long *)arg)++;
}

/* what an error handler was given: how many calls, the last message */
struct hm_capture {
	long calls;
	char msg[2048];
};

static void hm_capture_error(const char *msg, void *arg)
{
	struct hm_capture *cap = arg;

	cap->calls++;
	snprintf(cap->msg, sizeof(cap->msg), "%s", msg);
}

/* @cap's message has the text @fmt makes */
static void hm_expect_in_msg(struct kunit *test, const struct hm_capture *cap,
			     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void hm_expect_in_msg(struct kunit *test, const struct hm_capture *cap,
			     const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(cap->msg, want), "no \"%s\" in the report:\n%s",
			      want, cap->msg);
}

/*
 * Allocates from @c (hm_malloc() of @size when NULL) after the block @p
 * was written after free and freed: at least @min blocks, and on until
 * the write is reported (hm_error_count() passes @before).  Freelist mode
 * hands a freed block out again only once the slab's allocation list is
 * used up and its local frees are folded back in (as mimalloc): there up
 * to as many blocks as a slab holds and one; the other modes check the
 * block on the next allocation, and stop at @min.  None may be @p; the
 * caller checks the count.
 * Return: the last block allocated, live; the others are freed.
 */
static void *hm_user_uaf_reuse(struct kunit *test, struct hm_cache *c, void *p, size_t size,
			       unsigned long before, unsigned int min)
{
	struct hm_cache *oc = c ? c : hm_class_cache(size);
	unsigned int k, n = 0, most = min;
	bool seen = false;
	void **held, *q;

	if (oc && oc->mode == HM_MODE_FREELIST && oc->nblocks >= min)
		most = oc->nblocks + 1;
	held = kunit_kmalloc_array(test, most, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	do {
		q = c ? hm_cache_alloc(c) : hm_malloc(size);
		KUNIT_ASSERT_NOT_NULL(test, q);
		seen |= q == p;
		held[n++] = q;
	} while (n < most && (n < min || hm_error_count() == before));
	KUNIT_EXPECT_TRUE_MSG(test, !seen, "size %zu: written block handed out", size);
	for (k = 0; k + 1 < n; k++) {
		if (c)
			hm_cache_free(c, held[k]);
		else
			hm_free(held[k]);
	}
	return q;
}

/*
 * Switches through the public API; a write after free through hm_malloc,
 * reported to the error handler in one call with all of SLUB's report:
 * block, cache, offset and byte, history, a hexdump from the byte's line.
 */
static void hm_user_set_debug(struct kunit *test)
{
	unsigned long before = hm_error_count();
	struct hm_capture cap = { 0 };
	struct hm_err_entry log[HM_ERR_LOG];
	void *victim, *last;
	const char *name;
	unsigned int n;

	KUNIT_EXPECT_EQ(test, hm_set_debug(NULL, "poison=yes"), -1);
	KUNIT_EXPECT_EQ(test, hm_set_debug(NULL, "junk"), -1);
	KUNIT_EXPECT_EQ(test, hm_error_count(), before);
	hm_set_error_handler(hm_capture_error, &cap);
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "poison=1 track=1"), 0);
	victim = hm_malloc(40);
	KUNIT_ASSERT_NOT_NULL(test, victim);
	name = hm_ptr_slab(victim)->cache->name;
	hm_free(victim);
	hm_test_poke(victim, 33, 0);
	/* 64 blocks, none the victim; in freelist mode on until reported */
	last = hm_user_uaf_reuse(test, NULL, victim, 40, before, 64);
	KUNIT_EXPECT_EQ(test, hm_error_count(), before + 1);
	KUNIT_EXPECT_EQ(test, cap.calls, 1);	/* one report, one message */
	hm_expect_in_msg(test, &cap, "BUG %s: write after free: block %p (slab %p,", name,
			 victim, (void *)hm_ptr_slab(victim));
	hm_expect_in_msg(test, &cap, "byte 33 is 0x00, not 0x6b\n");
	hm_expect_in_msg(test, &cap, "INFO: last allocated at ");
	hm_expect_in_msg(test, &cap, "INFO: last freed at ");
	/* both by this thread, named as one (HM_CTX_FMT) */
	hm_expect_in_msg(test, &cap, " by thread %u\nINFO: last freed at ", hm_plat_ctx_id());
	hm_expect_in_msg(test, &cap, " by thread %u\n", hm_plat_ctx_id());
	hm_expect_in_msg(test, &cap, "Object %p: 6b 00 6b 6b", (char *)victim + 32);
	hm_expect_in_msg(test, &cap, "FIX %s: block %p quarantined", name, victim);
	n = hm_report_log_copy(log);
	KUNIT_ASSERT_GE(test, n, 1);
	KUNIT_EXPECT_EQ(test, log[n - 1].kind, HM_ERR_USE_AFTER_FREE);
	KUNIT_EXPECT_EQ(test, log[n - 1].offset, 33);
	hm_free(last);
	KUNIT_EXPECT_EQ(test, hm_set_debug(NULL, "off"), 0);
	hm_set_error_handler(NULL, NULL);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

/* what the handler saw: called, and with a reader bracket open or not */
struct hm_bracket_seen {
	long calls;
	long in_bracket;
};

static void hm_handler_sees_bracket(const char *msg, void *arg)
{
	struct hm_bracket_seen *b = arg;

	(void)msg;
	b->calls++;
	b->in_bracket += hm_user_reader_self &&
			 (hm_atomic_read(&hm_user_reader_self->word) & HM_USER_READ_OPEN);
}

static void *hm_user_free_elsewhere(void *p)
{
	hm_free(p);	/* another thread's block: the remote path, in a bracket */
	return NULL;
}

/*
 * A report made while hakmem reads inside a bracket (a remote double
 * free) reaches the error handler once the bracket has closed, and before
 * the free returns: the handler may take the program's locks, which a
 * thread waiting in hakmem for the bracket may hold.
 */
static void hm_user_handler_outside_bracket(struct kunit *test)
{
	struct hm_bracket_seen seen = { 0 };
	void *p = hm_test_malloc_checked(test, 48);	/* freelist: checks on */
	pthread_t t;

	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_set_error_handler(hm_handler_sees_bracket, &seen);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_free_elsewhere, p), 0);
	pthread_join(t, NULL);
	KUNIT_EXPECT_EQ(test, seen.calls, 0);	/* a correct remote free */
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_free_elsewhere, p), 0);
	pthread_join(t, NULL);			/* the double free: reported by now */
	hm_set_error_handler(NULL, NULL);
	KUNIT_EXPECT_EQ(test, seen.calls, 1);
	KUNIT_EXPECT_EQ(test, seen.in_bracket, 0);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

/*
 * The freelist mode's write after free to a free block's link word (which
 * poisoning cannot cover), reported as a poison hit is: one message with
 * the block's history and a hexdump of its first bytes, the link among
 * them, read without tripping the tools that see the block free.
 */
static void hm_user_bad_link_report(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-link", 64, 0, HM_MODE_FREELIST, 0);
	struct hm_capture cap = { 0 };
	unsigned long before = hm_error_count();
	struct hm_err_entry log[HM_ERR_LOG];
	unsigned int i, n, k;
	void **v, *victim;

	KUNIT_ASSERT_NOT_NULL(test, c);
	k = 2 * c->nblocks;	/* the victim's slab, used up: its local list reached */
	v = kunit_kzalloc(test, k * sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "poison=1 track=1"), 0);
	hm_set_error_handler(hm_capture_error, &cap);
	victim = hm_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, victim);
	hm_cache_free(c, victim);
	for (i = 0; i < 8; i++)		/* a wild link: 0x4141414141414141 */
		hm_test_poke(victim, i, 0x41);
	for (i = 0; i < k; i++) {
		v[i] = hm_cache_alloc(c);
		KUNIT_EXPECT_TRUE(test, v[i] && v[i] != victim);
	}
	KUNIT_EXPECT_EQ(test, hm_error_count(), before + 1);
	KUNIT_EXPECT_EQ(test, cap.calls, 1);
	hm_expect_in_msg(test, &cap, "BUG u-link: write after free: free list of slab %p broken at block %p",
			 (void *)hm_ptr_slab(victim), victim);
	hm_expect_in_msg(test, &cap, "INFO: last allocated at ");
	hm_expect_in_msg(test, &cap, "INFO: last freed at ");
	hm_expect_in_msg(test, &cap, "Object %p: 41 41 41 41 41 41 41 41 6b 6b", victim);
	hm_expect_in_msg(test, &cap, "FIX u-link: lists mended, 1 blocks withheld\n");
	n = hm_report_log_copy(log);
	KUNIT_ASSERT_GE(test, n, 1);
	KUNIT_EXPECT_EQ(test, log[n - 1].kind, HM_ERR_USE_AFTER_FREE);
	KUNIT_EXPECT_NE(test, log[n - 1].alloc_ip, 0);
	KUNIT_EXPECT_NE(test, log[n - 1].free_ip, 0);
	for (i = 0; i < k; i++)
		hm_cache_free(c, v[i]);
	hm_set_error_handler(NULL, NULL);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	hm_cache_destroy(c);	/* the quarantined block: reported, slab kept */
}

/*
 * A global switch reaches caches created after it (HAKMEM_DEBUG and
 * hm_set_debug(NULL, ...) are for the whole process), its words applied
 * as to every cache: track=0 leaves poison on.  A write after free in
 * such a cache is caught.
 */
static void hm_user_global_debug_new_caches(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	struct hm_cache *a, *b, *z;
	void *p, *q;

	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "poison=1 track=1"), 0);
	a = hm_cache_create("global-a", 48, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, a->debug, HM_DBG_POISON | HM_DBG_TRACK);
	p = hm_cache_alloc(a);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_cache_free(a, p);
	hm_test_poke(p, 20, 0x42);
	q = hm_cache_alloc(a);	/* the magazine's top: @p, checked */
	KUNIT_EXPECT_TRUE(test, q != p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "track=0"), 0);
	b = hm_cache_create("global-b", 48, 0, HM_MODE_FREELIST, 0);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, b->debug, HM_DBG_POISON);
	KUNIT_EXPECT_EQ(test, a->debug, HM_DBG_POISON);
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "off"), 0);
	z = hm_cache_create("global-z", 48, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_EQ(test, z->debug, 0U);
	/* a refused global write changes nothing, for later caches either */
	KUNIT_EXPECT_EQ(test, hm_set_debug(NULL, "poison=2"), -1);
	hm_cache_destroy(z);
	z = hm_cache_create("global-z", 48, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_EQ(test, z->debug, 0U);
	hm_cache_free(a, q);
	KUNIT_EXPECT_EQ(test, hm_validate(a), 0);
	hm_cache_destroy(z);
	hm_cache_destroy(b);
	hm_cache_destroy(a);	/* the quarantined block: reported, slab kept */
}

/*
 * xowner=1 needs track=1, for the whole request: text that would leave any
 * cache with xowner alone is refused, and no class or cache changes.
 */
static void hm_user_xowner_needs_track(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("xowner", 48, 0, HM_MODE_HYBRID, 0);
	struct hm_cache *cls = hm_class_cache(64);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "xowner=1"), -1);
	KUNIT_EXPECT_EQ(test, c->debug, 0);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1 xowner=1"), 0);
	/* the classes could, the created cache could not: nothing changes */
	KUNIT_EXPECT_EQ(test, hm_set_debug(NULL, "poison=1 track=0"), -1);
	KUNIT_EXPECT_EQ(test, cls->debug, 0);
	KUNIT_EXPECT_EQ(test, c->debug, HM_DBG_TRACK | HM_DBG_FLAG_XOWNER);
	KUNIT_EXPECT_EQ(test, hm_set_debug(NULL, "poison=1 track=0 xowner=0"), 0);
	KUNIT_EXPECT_EQ(test, cls->debug, HM_DBG_POISON);
	KUNIT_EXPECT_EQ(test, c->debug, HM_DBG_POISON);
	KUNIT_EXPECT_EQ(test, hm_set_debug(NULL, "off"), 0);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * The child of hm_user_abort_on_error(), run as "hakmem-test --abort-child
 * WHAT" with HAKMEM_ABORT_ON_ERROR=1: a double free, or a write after
 * free, which must abort.  Returns (1) only if it did not.
 */
int hm_user_abort_child(const char *what);	/* called by runner.c's main() */
int hm_user_abort_child(const char *what)
{
	struct hm_cache *c = hm_cache_create("abort", 64, 0, HM_MODE_HYBRID, 0);
	unsigned int i;
	void *p;

	if (!c)
		return 2;
	if (!strcmp(what, "uaf") && hm_set_debug(c, "poison=1 track=1"))
		return 2;
	p = hm_cache_alloc(c);
	if (!p)
		return 2;
	hm_cache_free(c, p);
	if (!strcmp(what, "double")) {
		hm_cache_free(c, p);
		return 1;
	}
	hm_test_poke(p, 33, 0);
	for (i = 0; i < 256; i++)	/* reaches the block: the report */
		if (!hm_cache_alloc(c))
			return 2;
	return 1;
}

static void *hm_fork_child_trim(void *unused)
{
	(void)unused;
	hm_trim();
	return NULL;
}

/*
 * The child of hm_user_fork_before_setup(), a fresh process: a report
 * before libhakmem's set-up, then fork(); the fork's child attaches, and
 * another of its threads calls hm_trim().  Exit 0: the first thread's
 * context and reader slot are still its own; 3: its context was
 * abandoned; 4: its slot was reaped; 2: the set-up went wrong.
 */
int hm_user_fork_child(void);	/* called by runner.c's main() */
int hm_user_fork_child(void)
{
	static int stranger;
	int status = 0;
	pid_t pid;

	/* reported before the set-up: the tid is remembered */
	hm_cache_destroy((struct hm_cache *)&stranger);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		struct hm_cache *c;
		unsigned int cctxs;
		pthread_t t;
		void *p = hm_malloc(64);

		c = hm_class_cache(64);
		if (!p || !c || !hm_plat_read_begin())
			hm_child_exit(2);
		hm_plat_read_end();
		hm_free(p);
		cctxs = hm_live_cctxs(c);
		if (pthread_create(&t, NULL, hm_fork_child_trim, NULL))
			hm_child_exit(2);
		pthread_join(t, NULL);
		if (hm_live_cctxs(c) != cctxs)
			hm_child_exit(3);
		if (hm_atomic_read(&hm_user_reader_self->used) != (unsigned long)syscall(SYS_gettid))
			hm_child_exit(4);
		hm_child_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 2;
	return WEXITSTATUS(status);
}

/*
 * Run this program again as "SELF ARG WHAT" with the environment variables
 * @env ("NAME=value" pairs, NULL-terminated) set: its stdout and stderr go
 * to @out (@size bytes, a string); returns its wait status.
 */
static int hm_user_run_child(struct kunit *test, const char *arg, const char *what,
			     const char *const *env, char *out, size_t size)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1), r;
	int fds[2], status = 0;
	size_t len = 0;
	pid_t pid;

	KUNIT_ASSERT_GT(test, n, 0);
	self[n] = '\0';
	KUNIT_ASSERT_EQ(test, pipe(fds), 0);
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		for (; *env; env++)
			putenv((char *)*env);
		execl(self, self, arg, what, (char *)NULL);
		hm_child_exit(127);
	}
	close(fds[1]);
	while (len < size - 1 && (r = read(fds[0], out + len, size - 1 - len)) > 0)
		len += (size_t)r;
	out[len] = '\0';
	close(fds[0]);
	KUNIT_EXPECT_EQ(test, waitpid(pid, &status, 0), pid);
	return status;
}

/*
 * A fork() before libhakmem's set-up leaves its handlers idle, and the
 * child kept the tid a report had remembered in the parent: its first
 * thread attached with the parent's tid, and a look from another thread
 * took that thread for gone (tgkill() ESRCH), abandoning its live context
 * for others to adopt (false double frees, slabs that no longer add up)
 * and reaping its reader slot.
 */
static void hm_user_fork_before_setup(struct kunit *test)
{
	static const char *const env[] = { NULL };
	char out[4096];
	int st = hm_user_run_child(test, "--fork-child", "x", env, out, sizeof(out));

	KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "status %#x: %s", st, out);
}

static unsigned int hm_user_count_msgs(const char *out)
{
	unsigned int msgs = 0;

	for (; (out = strstr(out, "hakmem: ")); out++)
		msgs++;
	return msgs;
}

/*
 * HAKMEM_ABORT_ON_ERROR=1: the first report aborts the program, after the
 * whole report is out (a write after free's hexdump too), in a child that
 * starts afresh with the variable set.  Another value is not 1: it is
 * reported and the program goes on (1junk once aborted, true did not).
 */
static void hm_user_abort_on_error(struct kunit *test)
{
	static const char *const what[] = { "double", "uaf", "double" };
	static const char *const env[][2] = {
		{ "HAKMEM_ABORT_ON_ERROR=1" }, { "HAKMEM_ABORT_ON_ERROR=1" },
		{ "HAKMEM_ABORT_ON_ERROR=1junk" },
	};
	static const char *const want[] = {
		"double free: ", "quarantined, not handed out",
		"HAKMEM_ABORT_ON_ERROR=1junk: not 0..1; using 0",
	};
	char out[4096];
	unsigned int k;

	for (k = 0; k < HM_ARRAY_SIZE(what); k++) {
		int status = hm_user_run_child(test, "--abort-child", what[k], env[k], out,
					       sizeof(out));

		KUNIT_EXPECT_TRUE_MSG(test, strstr(out, want[k]), "%s: no \"%s\" in:\n%s",
				      what[k], want[k], out);
		if (k == 2) {	/* the warning, the report, no abort */
			KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status) && WEXITSTATUS(status) == 1,
					      "status 0x%x, output:\n%s", status, out);
			KUNIT_EXPECT_EQ(test, hm_user_count_msgs(out), 2);
			continue;
		}
		KUNIT_EXPECT_TRUE_MSG(test, WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
				      "%s: status 0x%x, output:\n%s", what[k], status, out);
		/* one report, then the abort */
		KUNIT_EXPECT_EQ(test, hm_user_count_msgs(out), 1);
	}
}

/*
 * The child of hm_user_env_switches(): the 64-byte class's learner and
 * adaptive flag; with @what "errno", whether a first hm_malloc() whose
 * warnings cannot be written (stderr closed) keeps the program's errno.
 */
int hm_user_env_child(const char *what);	/* called by runner.c's main() */
int hm_user_env_child(const char *what)
{
	struct hm_cache *c;
	void *p;

	if (what && !strcmp(what, "errno")) {
		close(STDERR_FILENO);
		errno = EDOM;
		p = hm_malloc(8);
		printf("%s errno %s\n", p ? "allocated" : "no memory",
		       errno == EDOM ? "kept" : strerror(errno));
		return 0;
	}
	c = hm_class_cache(64);
	if (what && !strcmp(what, "isa")) {
		p = hm_malloc(64);	/* the thread's first context */
		printf("isa %s\n", hm_user_debug_isa());
		hm_free(p);
		return 0;
	}
	printf("learner %s adaptive %d\n", c->learn ? "on" : "off",
	       !!(c->flags & HM_CACHE_ADAPTIVE));
	return 0;
}

/*
 * Case @k: the child of hm_user_env_child(@what) under @env (NULL-ended)
 * exits 0 and prints @want, the "hakmem: " of a first message aside.
 */
static void hm_user_env_case(struct kunit *test, unsigned int k, const char *what,
			     const char *const *env, const char *want)
{
	char out[4096];
	int status = hm_user_run_child(test, "--env-child", what, env, out, sizeof(out));
	const char *got = strstr(out, "hakmem: ") ? out + strlen("hakmem: ") : out;

	KUNIT_EXPECT_TRUE_MSG(test, WIFEXITED(status) && !WEXITSTATUS(status),
			      "case %u: status 0x%x", k, status);
	KUNIT_EXPECT_TRUE_MSG(test, !strcmp(got, want), "case %u: got:\n%s\nwant:\n%s", k, out,
			      want);
}

/*
 * HAKMEM_ISA picks the hybrid debug route's copies on x86-64: sse2 always
 * can, avx2 where the CPU has it; a CPU without it, or another word, is
 * said and the CPU's best taken.
 */
static void hm_user_env_isa(struct kunit *test)
{
#ifdef __x86_64__
	bool avx2 = __builtin_cpu_supports("avx2");
	const char *best = avx2 ? "isa avx2\n" : "isa sse2\n";
	const char *want_avx2 = avx2 ? "isa avx2\n" :
		"HAKMEM_ISA=avx2: no AVX2 on this CPU; using sse2\nisa sse2\n";
	const char *bogus = avx2 ?
		"HAKMEM_ISA=simd: not sse2 or avx2; using avx2\nisa avx2\n" :
		"HAKMEM_ISA=simd: not sse2 or avx2; using sse2\nisa sse2\n";
	const struct {
		const char *env[2];
		const char *want;
	} cases[] = {
		{ { "HAKMEM_ISA=sse2" }, "isa sse2\n" },
		{ { "HAKMEM_ISA=avx2" }, want_avx2 },
		{ { "HAKMEM_ISA=simd" }, bogus },
		{ { "HAKMEM_ISA=" }, best },	/* empty: as unset */
	};
	unsigned int k;

	for (k = 0; k < HM_ARRAY_SIZE(cases); k++)
		hm_user_env_case(test, k, "isa", cases[k].env, cases[k].want);
#else
	kunit_skip(test, "HAKMEM_ISA is read on x86-64 only");
#endif
}

/*
 * The class switches of the environment: one that cannot apply says why
 * (HAKMEM_POLICY=learn in hybrid mode once did nothing, unsaid), a value
 * that is not 0 or 1 is reported (HAKMEM_ADAPTIVE=1x once turned it on),
 * a HAKMEM_DEBUG refused for a switch named twice says that is the rule.
 */
static void hm_user_env_switches(struct kunit *test)
{
	static const struct {
		const char *env[4];
		const char *what, *want;
	} cases[] = {
		{ { "HAKMEM_MODE=hybrid", "HAKMEM_POLICY=learn" },
		  NULL, "HAKMEM_POLICY=learn needs HAKMEM_MODE=bitmap; ignored\n"
		  "learner off adaptive 0\n" },
		{ { "HAKMEM_MODE=bitmap", "HAKMEM_POLICY=learn" },
		  NULL, "learner on adaptive 0\n" },
		{ { "HAKMEM_MODE=hybrid", "HAKMEM_ADAPTIVE=1x" },
		  NULL, "HAKMEM_ADAPTIVE=1x: not 0..1; using 0\n"
		  "learner off adaptive 0\n" },
		{ { "HAKMEM_MODE=hybrid", "HAKMEM_ADAPTIVE=1" },
		  NULL, "learner off adaptive 1\n" },
		/* a switch named twice: the warning says each once */
		{ { "HAKMEM_MODE=hybrid", "HAKMEM_DEBUG=all=1 xowner=0" },
		  NULL, "HAKMEM_DEBUG=all=1 xowner=0: expected poison=0|1 track=0|1 "
		  "xowner=0|1 checks=0|1 (each once), all=0|1 or off (alone), xowner=1 "
		  "with track=1; ignored\nlearner off adaptive 0\n" },
		/* the warnings to a closed stderr set errno (EBADF) */
		{ { "HAKMEM_MODE=nope", "HAKMEM_DEBUG=bogus", "HAKMEM_POLICY=bogus" },
		  "errno", "allocated errno kept\n" },
		/* the same for a word's newline (hm_user_env_word()) */
		{ { "HAKMEM_MODE=bitmap\n", "HAKMEM_POLICY=learn\n" },
		  "errno", "allocated errno kept\n" },
		/* ... and HAKMEM_ISA's, read at the first context (x86-64) */
		{ { "HAKMEM_ISA=bogus" }, "errno", "allocated errno kept\n" },
		{ { "HAKMEM_ISA=x\n" }, "errno", "allocated errno kept\n" },
		/* HM_FLATMAP=junk was taken as 1, unsaid */
		{ { "HAKMEM_MODE=hybrid", "HM_FLATMAP=junk" },
		  NULL, "HM_FLATMAP=junk: not 0..1; using 1\nlearner off adaptive 0\n" },
		/*
		 * a value's newline and escape were written as they are, the
		 * message on two lines; a word's trailing newline was taken
		 * (HAKMEM_POLICY=learn\n), a number's not
		 */
		{ { "HAKMEM_MODE=x\n\033[31my" },
		  NULL, "HAKMEM_MODE=x\\x0a\\x1b[31my: not bitmap, freelist or hybrid; using hybrid\n"
		  "learner off adaptive 0\n" },
		{ { "HAKMEM_MODE=bitmap", "HAKMEM_POLICY=learn\n" },
		  NULL, "HAKMEM_POLICY=learn\\x0a: not default, first, next, near, best or learn; "
		  "ignored\nlearner off adaptive 0\n" },
	};
	unsigned int k;

	for (k = 0; k < HM_ARRAY_SIZE(cases); k++)
		hm_user_env_case(test, k, cases[k].what, cases[k].env, cases[k].want);
}

/* a static function: no dynamic symbol, only its file and offset */
static noinline void *hm_user_sym_site(struct hm_cache *c)
{
	return hm_cache_alloc(c);
}

/*
 * Code addresses in reports and site tables: a dynamic symbol by name, and
 * always the file and the offset that addr2line takes (this program is a
 * PIE, so the offset is the address less its load base).
 */
static void hm_user_sym_names(struct kunit *test)
{
	char buf[HM_USER_SYM_LEN], want[HM_USER_SYM_LEN], *dump = NULL;
	struct hm_cache *c;
	size_t len = 0;
	Dl_info di;
	FILE *f;
	void *p;

	KUNIT_EXPECT_STREQ(test, hm_user_sym(0, buf), "0");
	/* a dynamic symbol (libc's, or a sanitizer's interceptor), exactly */
	KUNIT_ASSERT_TRUE(test, dladdr((void *)&fprintf, &di) && di.dli_sname && di.dli_fname);
	snprintf(want, sizeof(want), "%s+0x2 (%s+%#lx)", di.dli_sname,
		 strrchr(di.dli_fname, '/') ? strrchr(di.dli_fname, '/') + 1 : di.dli_fname,
		 (unsigned long)di.dli_saddr + 2 - (unsigned long)di.dli_fbase);
	KUNIT_EXPECT_STREQ(test, hm_user_sym((unsigned long)di.dli_saddr + 2, buf), want);
	KUNIT_ASSERT_TRUE(test, dladdr((void *)&hm_user_sym_site, &di) && di.dli_fname);
	snprintf(want, sizeof(want), "+%#lx)",
		 (unsigned long)&hm_user_sym_site + 1 - (unsigned long)di.dli_fbase);
	hm_user_sym((unsigned long)&hm_user_sym_site + 1, buf);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, want));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "hakmem-test+"));

	/* the site table names the allocating function's file and offset */
	c = hm_cache_create("sym", 32, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
	p = hm_user_sym_site(c);
	KUNIT_ASSERT_NOT_NULL(test, p);
	f = open_memstream(&dump, &len);
	KUNIT_ASSERT_NOT_NULL(test, f);
	hm_stats_dump(f, HM_STATS_DIAG);
	fclose(f);
	KUNIT_EXPECT_NOT_NULL(test, strstr(dump, "(hakmem-test+0x"));
	free(dump);
	hm_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * hm_class_cache() serves every built-in class: the medium ones, hm-2048
 * to hm-10816, which the stats list as classes, were out of reach of the
 * per-cache calls (it returned NULL above 1024 bytes).
 */
static void hm_user_class_cache_medium(struct kunit *test)
{
	static const struct {
		size_t size;
		const char *name;
	} cases[] = {
		{ 1, "hm-8" }, { 1024, "hm-1024" }, { 1025, "hm-2048" },
		{ 2048, "hm-2048" }, { 2049, "hm-4096" }, { 4096, "hm-4096" },
		{ 4097, "hm-4608" }, { 5000, "hm-5376" }, { 8128, "hm-8128" },
		{ 8129, "hm-9280" }, { 10816, "hm-10816" },
	};
	long *errors = hm_test_count_errors(test);
	struct hm_cache *c;
	size_t i;
	void *p;

	for (i = 0; i < HM_ARRAY_SIZE(cases); i++) {
		c = hm_class_cache(cases[i].size);
		KUNIT_EXPECT_TRUE_MSG(test, c, "size %zu: no class", cases[i].size);
		if (!c)
			continue;
		KUNIT_EXPECT_STREQ(test, c->name, cases[i].name);
		KUNIT_EXPECT_TRUE(test, hm_user_is_class(c));
	}
	KUNIT_EXPECT_NULL(test, hm_class_cache(0));
	KUNIT_EXPECT_NULL(test, hm_class_cache(10817));

	/* a per-cache call on it: the one hm_malloc(3000) allocates from */
	c = hm_class_cache(3000);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(c, "first"), 0);
	KUNIT_EXPECT_STREQ(test, hm_cache_policy(c), "first");
	p = hm_malloc(3000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, hm_ptr_slab(p)->cache == c);
	hm_free(p);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(c, "default"), 0);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);	/* refused, reported */
	KUNIT_EXPECT_EQ(test, *errors, 1);
}

/* hm_cache_alloc_bulk() from a call site of its own (no tail call) */
static noinline size_t hm_user_at_bulk(struct hm_cache *c, size_t n, void **v)
{
	size_t r = hm_cache_alloc_bulk(c, n, v);

	__asm__ volatile("" : : "r"(r) : "memory");
	return r;
}

/*
 * With tracking on, every object of a bulk allocation names the caller of
 * hm_cache_alloc_bulk() as its site, as hm_cache_alloc() names its
 * caller: the objects from the context's slabs named a line of
 * hm_cache_alloc_bulk() itself, only the refills' the caller.
 */
static void hm_user_bulk_sites(struct kunit *test)
{
	unsigned long at = (unsigned long)hm_user_at_bulk;
	unsigned int k;

	for (k = 0; k < HM_ARRAY_SIZE(hm_test_modes); k++) {
		struct hm_cache *c = hm_cache_create("u-bulk-site", 64, 0, hm_test_modes[k], 0);
		unsigned int n, i, wrong = 0;
		void **v;

		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
		n = c->nblocks + 10;	/* the slab, a refill, the new slab */
		v = kunit_kzalloc(test, n * sizeof(*v), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, v);
		KUNIT_ASSERT_EQ(test, hm_user_at_bulk(c, n, v), n);
		for (i = 0; i < n; i++) {
			const struct hm_track *t = hm_debug_block_track(hm_ptr_slab(v[i]), v[i]);

			/* in the caller, not past its end (a few hundred bytes under ASan) */
			if (t && t->site > at && t->site < at + 512)
				continue;
			if (!wrong++)
				kunit_info(test, "%s: object %u of %u: site %#lx, the call in %#lx",
					   hm_mode_name(hm_test_modes[k]), i, n, t ? t->site : 0, at);
		}
		KUNIT_EXPECT_EQ(test, wrong, 0);
		hm_cache_free_bulk(c, n, v);
		KUNIT_EXPECT_EQ(test, hm_set_debug(c, "off"), 0);
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
	}
}

/*
 * The JSON dump names code addresses as the text dump does: next to each
 * bare address ("site", "caller", "alloc_site", "free_site", meaningless
 * once the randomized process is gone) its "where", the symbol and the
 * file offset that addr2line takes.  It had the bare addresses only.
 */
static void hm_user_json_where(struct kunit *test)
{
	struct hm_site_stat top[HM_SITES_TOP];
	char sym[HM_USER_SYM_LEN], want[3 * HM_USER_SYM_LEN], *buf, *at;
	struct hm_err_entry log[HM_ERR_LOG];
	long *errors = hm_test_count_errors(test);
	struct hm_cache *c;
	unsigned int n;
	char *p;

	c = hm_cache_create("u-json-where", 32, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
	p = hm_user_sym_site(c);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_cache_free(c, p + 1);	/* interior: a report with its history */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	n = hm_sites_top(c, top, HM_SITES_TOP, false);
	KUNIT_ASSERT_EQ(test, n, 1);
	hm_user_sym(top[0].site, sym);
	KUNIT_EXPECT_NOT_NULL(test, strstr(sym, "(hakmem-test+0x"));

	buf = hm_user_capture(test, hm_user_dump_json, NULL);
	at = strstr(buf, "\"name\": \"u-json-where\"");
	KUNIT_ASSERT_NOT_NULL(test, at);
	snprintf(want, sizeof(want), "\"sites\": [{\"site\": \"%p\", \"where\": \"%s\", "
		 "\"allocs\": 1, \"live\": 1}]", (void *)top[0].site, sym);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(at, want), "no '%s' in the JSON", want);

	n = hm_report_log_copy(log);
	KUNIT_ASSERT_GE(test, n, 1);
	KUNIT_ASSERT_EQ(test, log[n - 1].kind, HM_ERR_INTERIOR);
	KUNIT_EXPECT_EQ(test, log[n - 1].alloc_ip, top[0].site);
	snprintf(want, sizeof(want), "\"caller\": \"%p\", \"caller_where\": \"%s\", ",
		 (void *)log[n - 1].ip, hm_user_sym(log[n - 1].ip, sym));
	KUNIT_EXPECT_TRUE_MSG(test, strstr(buf, want), "no '%s' in the JSON", want);
	snprintf(want, sizeof(want), "\"alloc_site\": \"%p\", \"alloc_where\": \"%s\", ",
		 (void *)log[n - 1].alloc_ip, hm_user_sym(log[n - 1].alloc_ip, sym));
	KUNIT_EXPECT_TRUE_MSG(test, strstr(buf, want), "no '%s' in the JSON", want);
	/* never freed: no free site, "0" as the text dump prints it */
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"free_where\": \"0\"}"));
	free(buf);
	hm_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * An adaptive cache in both dumps: its line in the text dump's
 * diagnostics (hm_adapt_print()) and its "adaptive" object in the JSON,
 * the one context it has counted in hybrid; a plain cache has neither.
 */
static void hm_user_adaptive_dumps(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-adaptive", 64, 0, HM_MODE_HYBRID,
					     HM_CACHE_ADAPTIVE);
	struct hm_cache *plain = hm_cache_create("u-not-adaptive", 64, 0, HM_MODE_HYBRID, 0);
	const char *want = "\"adaptive\": {\"contexts\": 1, \"hybrid\": 1, \"bitmap\": 0, "
			   "\"switches\": 0}";
	char *buf, *at, *end;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	hm_cache_free(c, hm_cache_alloc(c));		/* its context */
	hm_cache_free(plain, hm_cache_alloc(plain));
	buf = hm_user_capture(test, hm_user_dump_diag, NULL);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(buf, "u-adaptive       hybrid   adaptive=1 contexts 1: "
					   "hybrid 1 bitmap 0, switches 0\n"), "%s", buf);
	KUNIT_EXPECT_NULL(test, strstr(buf, "u-not-adaptive   hybrid   adaptive="));
	free(buf);
	buf = hm_user_capture(test, hm_user_dump_json, NULL);
	at = strstr(buf, "\"name\": \"u-adaptive\"");
	KUNIT_ASSERT_NOT_NULL(test, at);
	at = strstr(at, "\"adaptive\": ");
	KUNIT_ASSERT_NOT_NULL(test, at);
	KUNIT_EXPECT_EQ(test, strncmp(at, want, strlen(want)), 0);
	/* the plain cache's object ends (its last member, "sites") with none */
	at = strstr(buf, "\"name\": \"u-not-adaptive\"");
	KUNIT_ASSERT_NOT_NULL(test, at);
	end = strstr(at, "\"sites\": ");
	KUNIT_ASSERT_NOT_NULL(test, end);
	at = strstr(at, "\"adaptive\": ");
	KUNIT_EXPECT_TRUE(test, !at || at > end);
	free(buf);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(plain), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

#define HM_NOCCTX_OBJS	64

struct hm_nocctx_arg {
	struct hm_cache *c;
	void *obj[HM_NOCCTX_OBJS];
	bool double_free;	/* free obj[0] twice (not freelist: see below) */
	void *no_alloc;		/* what hm_cache_alloc() gave without a context */
	int alloc_errno;
	int errno_after;	/* errno after the frees: left alone */
};

/* every metadata allocation fails in here: no context for a->c */
static void *hm_nocctx_worker(void *p)
{
	struct hm_nocctx_arg *a = p;
	unsigned int i;

	a->no_alloc = hm_cache_alloc(a->c);
	a->alloc_errno = errno;
	errno = 0;
	for (i = 0; i < HM_NOCCTX_OBJS; i++) {
		if (i % 2)
			hm_free(a->obj[i]);
		else
			hm_cache_free(a->c, a->obj[i]);
	}
	a->errno_after = errno;
	if (a->double_free)
		hm_cache_free(a->c, a->obj[0]);	/* refused */
	return NULL;
}

/* the stats row of the created cache named @name, or false */
static bool hm_cache_row(const char *name, struct hm_stat_row *row)
{
	struct hm_stat_row rows[64];
	size_t n = hm_stats_snapshot(rows, 64, HM_STATS_CACHES), i;

	for (i = 0; i < n && i < 64; i++) {
		if (!strcmp(rows[i].name, name)) {
			*row = rows[i];
			return true;
		}
	}
	return false;
}

/*
 * A thread that cannot get a context for a cache (no memory) still frees
 * into it, with the checks of a remote free: in each mode, with and
 * without poisoning and tracking.  A remote double free into an owned
 * freelist slab is not detected, with or without a context (modes.rst).
 */
static void hm_user_free_without_context(struct kunit *test)
{
	long chunks = __atomic_load_n(&hm_user_chunks_live, __ATOMIC_RELAXED);
	unsigned int m, i;

	for (m = 0; m < 2 * HM_ARRAY_SIZE(hm_test_modes); m++) {
		struct hm_nocctx_arg a = { 0 };
		struct hm_stat_row row;
		long reported = 0;
		pthread_t t;

		a.c = hm_cache_create("nocctx", 48, 0, hm_test_modes[m / 2], 0);
		a.double_free = hm_test_modes[m / 2] != HM_MODE_FREELIST;
		KUNIT_ASSERT_NOT_NULL(test, a.c);
		if (m % 2)
			KUNIT_ASSERT_EQ(test, hm_set_debug(a.c, "poison=1 track=1"), 0);
		for (i = 0; i < HM_NOCCTX_OBJS; i++) {
			a.obj[i] = hm_cache_alloc(a.c);
			KUNIT_ASSERT_NOT_NULL(test, a.obj[i]);
		}
		hm_set_error_handler(hm_count_errors, &reported);
		__atomic_store_n(&hm_user_meta_fail_every, 1, __ATOMIC_RELAXED);
		KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_nocctx_worker, &a), 0);
		pthread_join(t, NULL);
		__atomic_store_n(&hm_user_meta_fail_every, 0, __ATOMIC_RELAXED);
		hm_set_error_handler(NULL, NULL);

		KUNIT_EXPECT_NULL(test, a.no_alloc);
		KUNIT_EXPECT_EQ(test, a.alloc_errno, ENOMEM);
		KUNIT_EXPECT_EQ(test, a.errno_after, 0);
		KUNIT_EXPECT_EQ(test, reported > 0, a.double_free);
		KUNIT_ASSERT_TRUE(test, hm_cache_row("nocctx", &row));
		KUNIT_EXPECT_EQ(test, row.objs_inuse, 0);
		KUNIT_EXPECT_EQ(test, row.remote_frees, HM_NOCCTX_OBJS);
		/* the owner takes the blocks back: the slab empties */
		hm_thread_flush();
		KUNIT_EXPECT_EQ(test, hm_validate(a.c), 0);
		/* counted from the slabs' bitmaps and lists, not the counters */
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(a.c), 0);
	}
	KUNIT_EXPECT_EQ(test, __atomic_load_n(&hm_user_chunks_live, __ATOMIC_RELAXED),
			chunks);
}

/* the JSON form of the dump is one balanced object with the caches */
static void hm_user_json(struct kunit *test)
{
	/* a name JSON must escape: a quote, a backslash (a tab is a '?') */
	struct hm_cache *c = hm_cache_create("q\"uo\\te\t", 32, 0, HM_MODE_HYBRID, 0);
	const char *esc = "\"q\\\"uo\\\\te?\"", *at;
	long *errors = hm_test_count_errors(test);
	unsigned int seen = 0;
	char *buf = NULL, *p;
	size_t len = 0, i;
	long depth = 0;
	FILE *f;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = hm_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_cache_free(c, p + 1);	/* interior: a report naming the cache */
	KUNIT_EXPECT_EQ(test, *errors, 1);
	f = open_memstream(&buf, &len);
	KUNIT_ASSERT_NOT_NULL(test, f);
	hm_stats_dump_json(f);
	fclose(f);
	for (at = buf; (at = strstr(at, esc)); at++)
		seen++;
	KUNIT_EXPECT_EQ(test, seen, 2);		/* its cache entry, its report */
	hm_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
	KUNIT_ASSERT_GT(test, len, 10);
	KUNIT_EXPECT_EQ(test, buf[0], '{');
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"caches\""));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"hm-64\""));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"by_fullness\""));
	for (i = 0; i < len; i++) {
		depth += buf[i] == '{' || buf[i] == '[';
		depth -= buf[i] == '}' || buf[i] == ']';
	}
	KUNIT_EXPECT_EQ(test, depth, 0);
	KUNIT_EXPECT_EQ(test, buf[len - 2], '}');	/* then a newline */
	free(buf);
}

/*
 * Names that are not UTF-8 (another encoding, or cut inside a character)
 * made the dump bytes a JSON parser refuses (python3: can't decode byte
 * 0xff); valid characters pass as they are.
 */
static void hm_user_json_utf8(struct kunit *test)
{
	static const struct {
		const char *name, *json;
	} cases[] = {
		{ "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80", "\"caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80\"" },
		{ "bad\xff\xfe", "\"bad\\u00ff\\u00fe\"" },
		{ "cut\xe2\x82", "\"cut\\u00e2\\u0082\"" },
		{ "long\xc0\xaf-sur\xed\xa0\x80", "\"long\\u00c0\\u00af-sur\\u00ed\\u00a0\\u0080\"" },
	};
	struct hm_cache *c[HM_ARRAY_SIZE(cases)];
	size_t i;
	char *buf;

	for (i = 0; i < HM_ARRAY_SIZE(cases); i++) {
		c[i] = hm_cache_create(cases[i].name, 32, 0, HM_MODE_HYBRID, 0);
		KUNIT_ASSERT_NOT_NULL(test, c[i]);
	}
	buf = hm_user_capture(test, hm_user_dump_json, NULL);
	for (i = 0; i < HM_ARRAY_SIZE(cases); i++) {
		KUNIT_EXPECT_NOT_NULL(test, strstr(buf, cases[i].json));
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(c[i]), 0);
	}
	free(buf);
}

static void *hm_user_free_thread(void *p)
{
	struct hm_cache **c = p;

	hm_cache_free(c[0], c[1]);	/* another thread: a cross-owner free */
	return NULL;
}

static void hm_user_dump_json(FILE *f, void *arg);
static void hm_user_dump_diag(FILE *f, void *arg);
static char *hm_user_capture(struct kunit *test, void (*dump)(FILE *f, void *arg), void *arg);

/*
 * The per-cache counts in both dumps: a cross-owner free counted while
 * tracking is on, the tracking records' bytes, and 0 of them once
 * tracking is off (given back).
 */
static void hm_user_debug_counts(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-counts", 48, 0, HM_MODE_HYBRID, 0);
	char want[160], *buf;
	void *arg[2];
	pthread_t t;
	unsigned long tb;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
	arg[0] = c;
	arg[1] = hm_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, arg[1]);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_free_thread, arg), 0);
	pthread_join(t, NULL);
	tb = hm_atomic_read(&c->track_bytes);
	KUNIT_EXPECT_EQ(test, tb, (unsigned long)c->nblocks * sizeof(struct hm_track));

	snprintf(want, sizeof(want),
		 "u-counts: quarantined=0 xowner_frees=1 nocctx_frees=0 track_bytes=%lu "
		 "debug_nomem=0\n", tb);
	buf = hm_user_capture(test, hm_user_dump_diag, NULL);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(buf, want), "no '%s' in the dump", want);
	free(buf);
	snprintf(want, sizeof(want), "\"xowner_frees\": 1, \"nocctx_frees\": 0, "
		 "\"track_bytes\": %lu, \"debug_nomem\": 0,", tb);
	buf = hm_user_capture(test, hm_user_dump_json, NULL);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(buf, want), "no '%s' in the JSON", want);
	free(buf);

	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=0"), 0);
	buf = hm_user_capture(test, hm_user_dump_diag, NULL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "u-counts: quarantined=0 xowner_frees=1 "
					   "nocctx_frees=0 track_bytes=0 debug_nomem=0\n"));
	free(buf);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/* the "debug" and "checks" fields of cache @name's object in JSON dump @buf */
static bool hm_user_json_checks(const char *buf, const char *name, const char *want)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), "\"name\": \"%s\"", name);
	at = strstr(buf, key);
	return at && (at = strstr(at, "\"debug\": ")) && !strncmp(at, want, strlen(want));
}

/*
 * The JSON dump says whether a cache's checks are on: its "debug" field is
 * the switches as set, and checks also come from HM_CACHE_CHECKS and from
 * poisoning, which that field does not show.
 */
static void hm_user_json_checks_on(struct kunit *test)
{
	static const struct {
		const char *name;
		unsigned int flags;
		const char *debug, *want;
	} cases[] = {
		{ "u-chk-plain", 0, NULL, "\"debug\": 0, \"checks\": false," },
		{ "u-chk-flag", HM_CACHE_CHECKS, NULL, "\"debug\": 0, \"checks\": true," },
		{ "u-chk-poison", 0, "poison=1", "\"debug\": 1, \"checks\": true," },
		{ "u-chk-switch", 0, "checks=1", "\"debug\": 8, \"checks\": true," },
		{ "u-chk-track", 0, "track=1", "\"debug\": 2, \"checks\": false," },
	};
	struct hm_cache *c[HM_ARRAY_SIZE(cases)];
	unsigned int i;
	char *buf;

	for (i = 0; i < HM_ARRAY_SIZE(cases); i++) {
		c[i] = hm_cache_create(cases[i].name, 64, 0, HM_MODE_FREELIST, cases[i].flags);
		KUNIT_ASSERT_NOT_NULL(test, c[i]);
		if (cases[i].debug)
			KUNIT_ASSERT_EQ(test, hm_set_debug(c[i], cases[i].debug), 0);
	}
	buf = hm_user_capture(test, hm_user_dump_json, NULL);
	for (i = 0; i < HM_ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_TRUE_MSG(test, hm_user_json_checks(buf, cases[i].name, cases[i].want),
				      "%s: no '%s' in the JSON", cases[i].name, cases[i].want);
	free(buf);
	/* switched off, poisoning's checks go with it; the flag's stay */
	KUNIT_ASSERT_EQ(test, hm_set_debug(c[2], "off"), 0);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c[1], "off"), 0);
	buf = hm_user_capture(test, hm_user_dump_json, NULL);
	KUNIT_EXPECT_TRUE(test, hm_user_json_checks(buf, "u-chk-poison",
						    "\"debug\": 0, \"checks\": false,"));
	KUNIT_EXPECT_TRUE(test, hm_user_json_checks(buf, "u-chk-flag",
						    "\"debug\": 0, \"checks\": true,"));
	free(buf);
	for (i = 0; i < HM_ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(c[i]), 0);
}

/*
 * Tracking off without memory for the vector of records to retire: they
 * go back all the same, HM_RETIRE_SMALL slabs a wait, none lost.
 */
static void hm_user_track_retire_no_memory(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-retire", 1024, 0, HM_MODE_HYBRID, 0);
	unsigned int i, n = 0, slabs = 0;
	struct hm_slab *last = NULL;
	void *v[3000];

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
	while (slabs < 40 && n < 3000) {
		v[n] = hm_cache_alloc(c);
		KUNIT_ASSERT_NOT_NULL(test, v[n]);
		slabs += hm_ptr_slab(v[n]) != last;
		last = hm_ptr_slab(v[n++]);
	}
	KUNIT_ASSERT_GE(test, slabs, 40);
	KUNIT_EXPECT_GE(test, hm_atomic_read(&c->track_bytes),
			slabs * c->nblocks * sizeof(struct hm_track));
	__atomic_store_n(&hm_user_meta_fail_every, 1, __ATOMIC_RELAXED);
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "track=0"), 0);
	__atomic_store_n(&hm_user_meta_fail_every, 0, __ATOMIC_RELAXED);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), 0);
	for (i = 0; i < n; i++)
		hm_cache_free(c, v[i]);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/* Allocate up to @max blocks of @c into @v.  Return: how many. */
static unsigned int hm_user_fill(struct hm_cache *c, void **v, unsigned int max)
{
	unsigned int n;

	for (n = 0; n < max && (v[n] = hm_cache_alloc(c)); n++)
		;
	return n;
}

/* ... and free them, emptying their slabs for hm_trim() to release */
static void hm_user_empty(struct hm_cache *c, void **v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hm_cache_free(c, v[i]);
}

#define HM_RELEASE_BLOCKS	2048	/* 8 slabs of 256-byte blocks */

struct hm_release_race {
	struct hm_cache *c;
	int phase;		/* 0: helper fills, 1: switch on, 2: switched */
	int stop;
};

/* a thread whose slabs empty and go back while the switch gives them records */
static void *hm_user_release_helper(void *p)
{
	static void *v[HM_RELEASE_BLOCKS];
	struct hm_release_race *r = p;
	unsigned int n;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		n = hm_user_fill(r->c, v, HM_RELEASE_BLOCKS);
		__atomic_store_n(&r->phase, 1, __ATOMIC_RELEASE);
		hm_user_empty(r->c, v, n);
		hm_trim();	/* the empty slabs are released */
		while (__atomic_load_n(&r->phase, __ATOMIC_ACQUIRE) != 2)
			if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
				return NULL;
		__atomic_store_n(&r->phase, 0, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Tracking switched on gives the listed slabs records, allocated without
 * the cache lock, while their owner empties them and they are released
 * with their debug memory: the records go to no released slab's memory
 * (before: written into the freed struct hm_slab_dbg and freed a second
 * time, which ASan reports and glibc aborts on), and none is lost.
 */
static void hm_user_track_on_release_race(struct kunit *test)
{
	struct hm_release_race r = { .c = hm_cache_create("u-relrace", 256, 0,
							  HM_MODE_HYBRID, 0) };
	unsigned int i, rounds = hm_user_on_valgrind() ? 50 : 1500;
	pthread_t t;

	KUNIT_ASSERT_NOT_NULL(test, r.c);
	if (!hm_plat_read_can_sync())
		kunit_skip(test, "no membarrier(): records are never retired");
	KUNIT_ASSERT_EQ(test, hm_set_debug(r.c, "poison=1"), 0);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_release_helper, &r), 0);
	for (i = 0; i < rounds; i++) {
		while (__atomic_load_n(&r.phase, __ATOMIC_ACQUIRE) != 1)
			sched_yield();
		/* each slab lacks its records: the helper's were made with tracking off */
		KUNIT_ASSERT_EQ(test, hm_set_debug(r.c, "poison=1 track=1"), 0);
		KUNIT_ASSERT_EQ(test, hm_set_debug(r.c, "track=0"), 0);
		__atomic_store_n(&r.phase, 2, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&r.c->track_bytes), 0);
	KUNIT_EXPECT_EQ(test, hm_validate(r.c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(r.c), 0);
}

#define HM_STALE_BLOCKS	600	/* a few slabs of 256 bytes */

struct hm_stale_race {
	struct hm_cache *c;
	void *freed[HM_STALE_BLOCKS];	/* the owner's last round, all freed */
	unsigned int nfreed;
	unsigned int rounds;
	unsigned long stale;	/* the freeing thread's count so far */
	int stop;
};

/* the owner: fills slabs, empties them, and releases them (hm_trim()) */
static void *hm_user_stale_owner(void *p)
{
	struct hm_stale_race *r = p;
	void *v[HM_STALE_BLOCKS];
	unsigned int i, n, k;

	for (k = 0; k < r->rounds; k++) {
		n = hm_user_fill(r->c, v, HM_STALE_BLOCKS);
		hm_user_empty(r->c, v, n);
		for (i = 0; i < n; i++)
			__atomic_store_n(&r->freed[i], v[i], __ATOMIC_RELAXED);
		__atomic_store_n(&r->nfreed, n, __ATOMIC_RELEASE);
		/* a loaded machine may run all rounds before the freer starts */
		while (!k && !__atomic_load_n(&r->stale, __ATOMIC_ACQUIRE))
			sched_yield();
		hm_trim();	/* the empty slabs are released */
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Frees of stale pointers (double frees) racing with the release of their
 * slabs: each is refused and reported, none crashes the process or
 * corrupts a slab, the counters stay exact, nothing is left live.  (The
 * window where a free had found the slab and the release unmapped it is
 * too narrow to hit this way; hm_release_waits_for_readers holds it open.)
 * A stale pointer into a slab made anew in the same chunk frees a block
 * of the new slab: the owner's own free of it is then the double free, as
 * with any allocator.  This found the counters off by the remote double
 * frees that raced a local free of the same block: counted as frees, and
 * found when the slab was collected or released (late_refused).
 */
static void hm_user_stale_free_vs_release(struct kunit *test)
{
	struct hm_stale_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	unsigned long stale = 0, x = 1;
	pthread_t t;

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (!hm_plat_read_can_sync() || hm_user_on_valgrind() || HM_TEST_TSAN)
		kunit_skip(test, "released slabs go at once here, or the tool sees the stale reads");
	r->c = hm_cache_create("u-stale", 256, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, r->c);
	r->rounds = 300;
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_stale_owner, r), 0);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned int n = __atomic_load_n(&r->nfreed, __ATOMIC_ACQUIRE);

		if (!n) {
			sched_yield();
			continue;
		}
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		hm_cache_free(r->c, __atomic_load_n(&r->freed[(x >> 33) % n], __ATOMIC_RELAXED));
		__atomic_store_n(&r->stale, ++stale, __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
	/*
	 * A stale free after the owner's last trim may have raced a free of
	 * the same block: found when its slab is collected (late_refused),
	 * which the owner, gone, leaves to the next shrink.
	 */
	hm_trim();
	KUNIT_EXPECT_GT(test, stale, 0);
	KUNIT_EXPECT_GT(test, *errors, 0);
	kunit_info(test, "%lu stale frees, %ld refused and reported", stale, *errors);
	KUNIT_EXPECT_EQ(test, hm_validate(r->c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(r->c), 0);
}

/* ---- stale pointers and the memory given back (review findings) ---- */

struct hm_user_slot {
	void *large;
	unsigned long word_after;
	bool had_slot_before, can_sync_after;
};

/*
 * hm_free_unowned()'s bracket cannot get a reader slot (no memory), the
 * nested one in hm_free_nonslab() can: the outer end must not close a
 * bracket it never opened (it did once: the slot read open for ever, and
 * the next wait for readers, hm_trim()'s, hung).
 */
static void *hm_user_slot_worker(void *p)
{
	struct hm_user_slot *a = p;
	void *m;

	a->had_slot_before = hm_user_reader_self != NULL;
	/* parity: the next metadata request fails, the one after succeeds */
	__atomic_store_n(&hm_user_meta_fail_every, 2, __ATOMIC_RELAXED);
	while (!(m = hm_plat_meta_alloc(16, HM_GFP_DEFAULT)))
		;
	hm_plat_meta_free(m, 16);
	hm_free(a->large);	/* slab map: yes; key: no; magic LARGE */
	__atomic_store_n(&hm_user_meta_fail_every, 0, __ATOMIC_RELAXED);
	a->word_after = hm_user_reader_self ? hm_atomic_read(&hm_user_reader_self->word) : 0;
	a->can_sync_after = hm_plat_read_can_sync();
	return NULL;
}

static void hm_user_bracket_balanced(struct kunit *test)
{
	struct hm_user_slot a = { 0 };
	long *errors = hm_test_count_errors(test);
	pthread_t t;

	a.large = hm_malloc(3 * HM_SLAB_SIZE);	/* never kept: given back */
	KUNIT_ASSERT_NOT_NULL(test, a.large);
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_slot_worker, &a), 0);
	pthread_join(t, NULL);
	kunit_info(test, "slot before %d, word after %#lx, can_sync %d, errors %ld",
		   a.had_slot_before, a.word_after, a.can_sync_after, *errors);
	KUNIT_EXPECT_FALSE(test, a.had_slot_before);
	KUNIT_EXPECT_EQ(test, a.word_after & HM_USER_READ_OPEN, 0UL);
	KUNIT_EXPECT_TRUE(test, a.can_sync_after);
}

/*
 * A slab chunk given back and kept must not read key 0, the slab key of
 * every thread that never attached: a stale free from such a thread that
 * passed hm_slabmap_test() before the release would take the slab for
 * its own (hm_slab_mine()) and free through s->owner == NULL.  The
 * window is held open in a child, which sets the slab's map bit again.
 */
static void *hm_user_key_worker(void *p)
{
	const struct hm_slab *s = p;

	/* what hm_slab_mine() compares, in a thread that never attached */
	return (void *)(unsigned long)(HM_READ_ONCE(s->key) == 0 && !s->owner);
}

static void *hm_user_free_worker(void *p)
{
	hm_free(p);
	return NULL;
}

static void hm_user_kept_chunk_key(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-kept-key", 256, 0, HM_MODE_HYBRID, 0);
	void *x, *res;
	struct hm_slab *s;
	pthread_t t;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (!hm_plat_read_can_sync())
		kunit_skip(test, "no membarrier");
	x = hm_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, x);
	s = hm_ptr_slab(x);
	hm_cache_free(c, x);
	KUNIT_ASSERT_EQ(test, hm_cache_destroy(c), 0);
	hm_trim();			/* released, waited for, kept */
	KUNIT_ASSERT_FALSE(test, hm_slabmap_test(x));
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_user_key_worker, s), 0);
	pthread_join(t, &res);
	kunit_info(test, "kept chunk key %#llx owner %p", (unsigned long long)s->key, (void *)s->owner);
	KUNIT_EXPECT_FALSE(test, res != NULL);	/* "mine", with no owner */
	{
		/* the window, held open: hm_slabmap_test() saw the slab, then it went */
		pid_t pid = fork();
		int st = 0;

		if (!pid) {
			hm_slabmap_set(s, true);
			pthread_create(&t, NULL, hm_user_free_worker, x);
			pthread_join(t, NULL);
			hm_child_exit(0);
		}
		waitpid(pid, &st, 0);
		kunit_info(test, "child: %s %d", WIFSIGNALED(st) ? "signal" : "exit",
			   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		KUNIT_EXPECT_FALSE(test, WIFSIGNALED(st));
	}
}

#define HM_ATTACH_N	20000

struct hm_user_attach {
	struct hm_cache *a, *b;
	void **va, **vb;
	unsigned long progress;
	int stop;
};

/* remote frees into two caches whose thread slots collide: each attaches */
static void *hm_user_attach_freer(void *p)
{
	struct hm_user_attach *r = p;
	unsigned int i;

	for (i = 0; i < HM_ATTACH_N; i++) {
		hm_cache_free(r->a, r->va[i]);
		hm_cache_free(r->b, r->vb[i]);
		__atomic_store_n(&r->progress, i + 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* tracking on and off: off waits for the readers under hm_caches_lock */
static void *hm_user_attach_switcher(void *p)
{
	struct hm_user_attach *r = p;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		hm_set_debug(r->a, "track=1");
		hm_set_debug(r->a, "track=0");
	}
	return NULL;
}

/*
 * A thread's first free into a cache whose thread slot another cache
 * holds attaches a context, which takes hm_caches_lock.  Tracking going
 * off holds that lock while it waits for the readers' brackets to close:
 * the attach must happen outside the free's bracket (it did not, once,
 * and the two waited for each other for ever).
 */
static void hm_user_attach_outside_bracket(struct kunit *test)
{
	struct hm_user_attach *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct hm_cache *extra[64];
	unsigned long last = 0, now;
	unsigned int i, n = 0, idle = 0;
	pthread_t t1, t2;

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (!hm_plat_read_can_sync() || hm_user_on_valgrind() || HM_TEST_TSAN)
		kunit_skip(test, "no membarrier(), or the tool too slow for its 5 s watchdog");
	r->a = hm_cache_create("u-attach-a", 64, 0, HM_MODE_HYBRID, 0);
	for (n = 0; n < 63; n++)
		extra[n] = hm_cache_create("u-attach-x", 64, 0, HM_MODE_HYBRID, 0);
	r->b = hm_cache_create("u-attach-b", 64, 0, HM_MODE_HYBRID, 0);
	KUNIT_ASSERT_NOT_NULL(test, r->b);
	r->va = malloc(HM_ATTACH_N * sizeof(void *));
	r->vb = malloc(HM_ATTACH_N * sizeof(void *));
	for (i = 0; i < HM_ATTACH_N; i++) {
		r->va[i] = hm_cache_alloc(r->a);
		r->vb[i] = hm_cache_alloc(r->b);
	}
	pthread_create(&t1, NULL, hm_user_attach_freer, r);
	pthread_create(&t2, NULL, hm_user_attach_switcher, r);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) && idle < 50) {
		usleep(100000);
		now = __atomic_load_n(&r->progress, __ATOMIC_RELAXED);
		idle = now == last ? idle + 1 : 0;
		last = now;
	}
	kunit_info(test, "progress %lu of %u, stalled for %u00 ms", last, HM_ATTACH_N, idle);
	KUNIT_ASSERT_LT(test, idle, 50U);	/* else: deadlocked, the threads are left */
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	KUNIT_EXPECT_EQ(test, hm_validate(r->a), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(r->a), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(r->b), 0);
	while (n)
		hm_cache_destroy(extra[--n]);
	free(r->va);
	free(r->vb);
}

static long hm_user_rss_mb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE) >> 20;
}

/*
 * A large object's chunk waits for the readers before it is unmapped; a
 * free of a big one must not leave its memory held until 16 more wait or
 * hm_trim() (it did once: 256 MiB stayed resident).  The wait is finished
 * right after the free once 4 MiB wait.
 */
static void hm_user_large_free_returns_memory(struct kunit *test)
{
	size_t size = 64UL << 20;
	long before, live, after;
	char *p;

	if (!hm_plat_read_can_sync() || hm_user_on_valgrind())
		kunit_skip(test, "no membarrier(), or too slow under memcheck");
	before = hm_user_rss_mb();
	p = hm_malloc(size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 1, size);
	live = hm_user_rss_mb();
	hm_free(p);
	after = hm_user_rss_mb();
	kunit_info(test, "RSS MiB: before %ld, live %ld, after free %ld", before, live, after);
	KUNIT_EXPECT_GE(test, live, before + 48);
	KUNIT_EXPECT_LT(test, after, live - 48);
}

/*
 * hm_mallinfo(), what the preload library's mallinfo2() returns: slab
 * bytes and the bytes of their objects in use, large objects and their
 * chunks, and what hm_trim() would give back (a kept large chunk).
 */
static void hm_user_mallinfo(struct kunit *test)
{
	struct hm_mallinfo a, b, c, d;
	const size_t big = 3UL << 20, mid = 512UL << 10;
	void *v[100], *p, *q;
	unsigned int i;

	hm_trim();
	hm_mallinfo(&a);
	for (i = 0; i < HM_ARRAY_SIZE(v); i++)
		v[i] = hm_malloc(64);
	p = hm_malloc(big);
	q = hm_malloc(mid);
	KUNIT_ASSERT_TRUE(test, p && q);
	hm_mallinfo(&b);
	KUNIT_EXPECT_EQ(test, b.uordblks, a.uordblks + 6400);
	KUNIT_EXPECT_EQ(test, b.hblks, a.hblks + 2);
	KUNIT_EXPECT_GE(test, b.hblkhd, a.hblkhd + big + mid);
	KUNIT_EXPECT_LE(test, b.hblkhd, a.hblkhd + big + mid + 2 * HM_SLAB_SIZE);
	KUNIT_EXPECT_EQ(test, b.arena % HM_SLAB_SIZE, 0);
	KUNIT_EXPECT_GE(test, b.arena, b.uordblks);
	KUNIT_EXPECT_EQ(test, b.fordblks, b.arena - b.uordblks);
	KUNIT_EXPECT_GE(test, b.ordblks * 64, b.fordblks / 2);
	for (i = 0; i < HM_ARRAY_SIZE(v); i++)
		hm_free(v[i]);
	hm_free(p);
	hm_free(q);	/* up to 1 MiB: kept for the next one */
	hm_mallinfo(&c);
	KUNIT_EXPECT_EQ(test, c.uordblks, a.uordblks);
	KUNIT_EXPECT_EQ(test, c.hblks, a.hblks);
	KUNIT_EXPECT_EQ(test, c.hblkhd, a.hblkhd);
	KUNIT_EXPECT_GE(test, c.keepcost, a.keepcost + mid);
	KUNIT_EXPECT_GT(test, hm_trim(), 0);
	hm_mallinfo(&d);
	KUNIT_EXPECT_LE(test, d.keepcost + mid, c.keepcost);
}

/* what hm_mallinfo()'s hblkhd counts of an object of @size: its granules */
static size_t hm_user_hblk(size_t size)
{
	return HM_ALIGN_UP(size + HM_LARGE_HDR, HM_SLAB_SIZE);
}

/*
 * hblkhd is glibc's bytes in mmapped chunks, which hold their objects and
 * no more (a realloc() mremap()s to the new size): a large object counts
 * its chunk up to its end, in granules.  Not the room a growing object's
 * chunk has past it (half its size again, address space not touched),
 * nor the rest of a larger kept chunk it took: counted, they made 300 000
 * bytes reallocated 512 KiB, 3 MiB 4.5.  The figure follows the object as
 * it grows into its room, and goes when it is freed.
 */
static void hm_user_mallinfo_room(struct kunit *test)
{
	struct hm_mallinfo a, b;
	void *p, *q, *r;

	hm_trim();
	hm_mallinfo(&a);
	/* 256 KiB, then 300 000 bytes in a chunk of 512 KiB: copied */
	p = hm_malloc(200000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	q = hm_realloc(p, 300000);
	KUNIT_ASSERT_NOT_NULL(test, q);
	/* 2 MiB, then 3 MiB in a chunk of 4.5 MiB: moved */
	p = hm_malloc(2UL << 20);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p = hm_realloc(p, 3UL << 20);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hm_mallinfo(&b);
	KUNIT_EXPECT_EQ(test, b.hblks, a.hblks + 2);
	KUNIT_EXPECT_EQ(test, b.hblkhd, a.hblkhd + hm_user_hblk(300000) + hm_user_hblk(3UL << 20));
	/* into the room, in place */
	KUNIT_EXPECT_PTR_EQ(test, hm_realloc(p, 4UL << 20), p);
	hm_mallinfo(&b);
	KUNIT_EXPECT_EQ(test, b.hblkhd, a.hblkhd + hm_user_hblk(300000) + hm_user_hblk(4UL << 20));
	/* the kept 256 KiB chunk of 200 000 bytes, taken for 130 000 */
	r = hm_malloc(200000);
	KUNIT_ASSERT_NOT_NULL(test, r);
	hm_free(r);
	r = hm_malloc(130000);
	KUNIT_ASSERT_NOT_NULL(test, r);
	hm_mallinfo(&b);
	KUNIT_EXPECT_EQ(test, b.hblkhd, a.hblkhd + hm_user_hblk(300000) +
			hm_user_hblk(4UL << 20) + hm_user_hblk(130000));
	hm_free(r);
	hm_free(q);
	hm_free(p);
	hm_mallinfo(&b);
	KUNIT_EXPECT_EQ(test, b.hblks, a.hblks);
	KUNIT_EXPECT_EQ(test, b.hblkhd, a.hblkhd);
	hm_trim();
}

/*
 * A large object's chunk, given back, keeps its first granule mapped
 * (hm_plat_chunk_free()): a program that mallocs and frees a big buffer
 * over and over must get those granules back, not leave one more island
 * mapping per cycle.  It once did: after 65 000 cycles of 2 MiB the
 * process was at vm.max_map_count, pthread_create() failed with EAGAIN,
 * large mallocs with ENOMEM, and 4 KiB stayed resident per cycle.
 */
static void hm_user_large_cycles_reuse(struct kunit *test)
{
	size_t sizes[] = { 2UL << 20, 300000, 1UL << 20, 5UL << 20 };
	unsigned int i, before, after;
	char *p;

	if (hm_user_on_valgrind())
		kunit_skip(test, "memcheck places mappings itself");
	hm_trim();
	before = hm_maps_count(test);
	for (i = 0; i < 2000; i++) {
		p = hm_malloc(sizes[i % HM_ARRAY_SIZE(sizes)]);
		KUNIT_ASSERT_NOT_NULL(test, p);
		p[0] = 1;
		hm_free(p);
	}
	hm_user_retire_poll(true);
	after = hm_maps_count(test);
	kunit_info(test, "mappings: %u before, %u after 2000 cycles", before, after);
	KUNIT_EXPECT_LE(test, after, before + (HM_TEST_TSAN ? 64 : 16));
}

/* hm_user_large_varied_threads()'s worker: 16 large objects of varied sizes */
static void *hm_large_varied_worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg, i, k;
	long nulls = 0;
	char *keep[16] = { NULL };

	for (i = 0; i < 5000; i++) {
		seed = seed * 1103515245 + 12345;
		k = (seed >> 4) % 16;
		hm_free(keep[k]);
		keep[k] = hm_malloc(5000 + (seed >> 8) % (3UL << 20));
		if (keep[k])
			keep[k][0] = 1;
		else
			nulls++;
	}
	for (k = 0; k < 16; k++)
		hm_free(keep[k]);
	return (void *)nulls;
}

/*
 * Threads freeing large objects of varied sizes: each chunk given back
 * left its first granule as a mapping of its own, where the next chunk
 * could not follow (another thread's took the range).  Four threads, 16
 * objects each of 5 KB to 3 MiB, 20 000 frees: 1 100 mappings more (800
 * 000 frees reached vm.max_map_count, and malloc() failed).  Now freed
 * chunks are kept, their pages given back: the mappings stay put.
 */
static void hm_user_large_varied_threads(struct kunit *test)
{
	unsigned int i, before, after;
	pthread_t t[4];
	void *nulls;

	if (hm_user_on_valgrind())
		kunit_skip(test, "memcheck places mappings itself");
	hm_trim();
	before = hm_maps_count(test);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, pthread_create(&t[i], NULL, hm_large_varied_worker,
						     (void *)(uintptr_t)(i + 1)), 0);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, pthread_join(t[i], &nulls), 0);
		KUNIT_EXPECT_EQ(test, (long)nulls, 0);
	}
	hm_user_retire_poll(true);
	after = hm_maps_count(test);
	kunit_info(test, "mappings: %u before, %u after 20000 frees, %lu chunks kept",
		   before, after, hm_large_kept());
	KUNIT_EXPECT_LE(test, after, before + (HM_TEST_TSAN ? 512 : 64));	/* TSan maps its own */
	hm_trim();
}

/*
 * The bytes of the whole pages from @p (rounded up to a page) to @end that
 * are in memory (mincore()); the case fails if it cannot tell.
 */
static size_t hm_resident_bytes(struct kunit *test, const void *p, const void *end)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n, i, resident = 0;
	uintptr_t from = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
	unsigned char *vec;
	int rc;

	if (from >= (uintptr_t)end)
		return 0;
	n = ((uintptr_t)end - from) / page;
	vec = calloc(n + 1, 1);
	KUNIT_ASSERT_NOT_NULL(test, vec);
	rc = mincore((void *)from, n * page, vec);
	for (i = 0; i < n && !rc; i++)
		resident += vec[i] & 1;
	free(vec);
	KUNIT_ASSERT_EQ(test, rc, 0);
	return resident * page;
}

/*
 * A freed large chunk kept for reuse keeps its pages only while it is
 * small and few are kept; a bigger one keeps its range, not its memory.
 */
static void hm_user_large_kept_decommitted(struct kunit *test)
{
	size_t size = 8UL << 20, page = (size_t)sysconf(_SC_PAGESIZE), i;
	struct hm_mallinfo mi;
	unsigned char *p, *q;

	hm_trim();
	p = hm_malloc(size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, size);
	/* its pages past its header's (the first granule's stayed, 60 KiB a chunk, once) */
	q = (unsigned char *)((uintptr_t)p & ~(uintptr_t)(HM_SLAB_SIZE - 1)) + page;
	hm_free(p);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 1UL);
	/* the chunk: the object's size, and its header's granule */
	KUNIT_EXPECT_EQ(test, hm_resident_bytes(test, q, q - page + size + HM_SLAB_SIZE), 0UL);
	/* what a trim would give back is memory, as glibc's keepcost: its head's page */
	hm_mallinfo(&mi);
	KUNIT_EXPECT_EQ(test, mi.keepcost % page, 0UL);
	KUNIT_EXPECT_LE(test, mi.keepcost, 4 * page);
	KUNIT_EXPECT_GE(test, mi.keepcost, page);
	/* calloc clears only the header's page of a decommitted chunk: the rest reads 0 */
	p = hm_calloc(1, size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, hm_large_kept(), 0UL);
	for (i = 0; i < size && !p[i]; i++)
		;
	KUNIT_EXPECT_EQ(test, i, size);
	hm_free(p);
	hm_trim();
}

/*
 * A kept chunk taken back for a smaller object kept every page the one
 * before had written: 4 KiB to 64 KiB objects share one chunk size, and
 * a chunk is taken by objects down to half its size.  Rounds of 64
 * objects of 60 000 bytes written and freed, then 64 of 5000 kept: each
 * of these held 64 KiB resident (100 rounds: 386 MB for 31 MB live, glibc
 * 33 MB).  Now the pages past live objects that earlier ones wrote stay
 * only up to 16 MiB in all (HM_LARGE_SLACK_BYTES); the rest go back as
 * the chunk is taken.  A calloc() of such a chunk still reads zeroes.
 * (5000 bytes is a block of hm-5376 now: the kept objects are of 20 000,
 * large, one granule as 5000 was.)
 */
static void hm_user_large_kept_small_reuse(struct kunit *test)
{
	const size_t big = 60000, small = 20000, rounds = 10, n = 64;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), past = 0, i, r;
	unsigned char **live, *p[64], *q;

	live = kunit_kzalloc(test, rounds * n * sizeof(*live), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	hm_trim();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			p[i] = hm_malloc(big);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
			memset(p[i], 0x5a, big);
		}
		for (i = 0; i < n; i++)
			hm_free(p[i]);
		for (i = 0; i < n; i++) {
			q = hm_malloc(small);
			KUNIT_ASSERT_NOT_NULL(test, q);
			memset(q, 0x33, small);
			live[r * n + i] = q;
		}
	}
	/* each small object's chunk: one granule, the object 64 bytes in */
	for (i = 0; i < rounds * n; i++) {
		q = live[i];
		KUNIT_EXPECT_EQ(test, (uintptr_t)q % HM_SLAB_SIZE, (uintptr_t)HM_LARGE_HDR);
		past += hm_resident_bytes(test, q + small, q - HM_LARGE_HDR + HM_SLAB_SIZE);
	}
	kunit_info(test, "%zu objects of %zu bytes: %zu KiB resident past them",
		   rounds * n, small, past >> 10);
	/* most chunks were taken back: 28 MiB past them if every page stayed */
	KUNIT_EXPECT_LE(test, past, (16UL << 20) + rounds * n * page);
	for (i = 0; i < rounds * n; i++) {
		KUNIT_EXPECT_EQ(test, live[i][0], 0x33);
		KUNIT_EXPECT_EQ(test, live[i][small - 1], 0x33);
		hm_free(live[i]);
	}
	/* a chunk whose tail went back, or not, reads zeroes through calloc */
	for (i = 0; i < n; i++) {
		p[i] = hm_calloc(1, big);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		for (r = 0; r < big && !p[i][r]; r++)
			;
		KUNIT_EXPECT_EQ(test, r, big);
	}
	for (i = 0; i < n; i++)
		hm_free(p[i]);
	hm_trim();
}

#define HM_SLACK_THREADS	4
#define HM_SLACK_ROUNDS		5

struct hm_slack_run {
	unsigned char *live[HM_SLACK_THREADS][HM_SLACK_ROUNDS * 64];
};

/* hm_user_large_kept_small_reuse()'s rounds, in thread @t */
static void hm_slack_thread(void *arg, unsigned int t)
{
	struct hm_slack_run *x = arg;
	unsigned char *p[64], *q;
	size_t i, r;

	for (r = 0; r < HM_SLACK_ROUNDS; r++) {
		for (i = 0; i < 64; i++) {
			p[i] = hm_malloc(60000);
			if (p[i])
				memset(p[i], 0x5a, 60000);
		}
		for (i = 0; i < 64; i++)
			hm_free(p[i]);
		for (i = 0; i < 64; i++) {
			q = hm_malloc(20000);
			if (q)
				memset(q, 0x33, 20000);
			x->live[t][r * 64 + i] = q;
		}
	}
}

/*
 * The bound on pages past live large objects (HM_LARGE_SLACK_BYTES) under
 * threads that take kept chunks for smaller objects at once: each adds
 * its pages to one atomic count and keeps them only if the sum it made
 * is within the bound, else gives them all back; a thread that found the
 * sum over it while another's pages were on their way back gives back
 * more than it had to, never keeps more.  Once they are done, the pages
 * past 1280 objects of 20 000 bytes (56 MiB if every page stayed) are at
 * most 16 MiB, with a page each for the rounding of the measure.
 */
static void hm_user_large_slack_threads(struct kunit *test)
{
	struct hm_slack_run *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	const size_t n = HM_SLACK_ROUNDS * 64;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), past = 0, i, t;
	unsigned char *q;

	KUNIT_ASSERT_NOT_NULL(test, x);
	hm_trim();
	KUNIT_ASSERT_EQ(test, hm_test_run_threads(HM_SLACK_THREADS, hm_slack_thread, x), 0);
	for (t = 0; t < HM_SLACK_THREADS; t++)
		for (i = 0; i < n; i++) {
			q = x->live[t][i];
			KUNIT_ASSERT_NOT_NULL(test, q);
			past += hm_resident_bytes(test, q + 20000, q - HM_LARGE_HDR + HM_SLAB_SIZE);
		}
	kunit_info(test, "%zu objects in %d threads: %zu KiB resident past them",
		   HM_SLACK_THREADS * n, HM_SLACK_THREADS, past >> 10);
	KUNIT_EXPECT_LE(test, past, (16UL << 20) + HM_SLACK_THREADS * n * page);
	for (t = 0; t < HM_SLACK_THREADS; t++)
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, x->live[t][i][19999], 0x33);
			hm_free(x->live[t][i]);
		}
	hm_trim();
}

/*
 * A large object shrunk in place (realloc() to more than half its chunk)
 * kept the pages past its new end: glibc's mremap() gives them back.
 * Beyond the bound on such pages (HM_LARGE_SLACK_BYTES) they go back now;
 * the object keeps its contents, and grows in place again.
 */
static void hm_user_large_shrink_gives_back(struct kunit *test)
{
	const size_t size = 48UL << 20, less = 25UL << 20;
	unsigned char *p, *q;
	size_t i;

	hm_trim();
	p = hm_malloc(size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(i >> 12);
	q = hm_realloc(p, less);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), less);
	KUNIT_EXPECT_LE(test, hm_resident_bytes(test, p + less, p + size), 16UL << 20);
	for (i = 0; i < less && p[i] == (unsigned char)(i >> 12); i++)
		;
	KUNIT_EXPECT_EQ(test, i, less);
	q = hm_realloc(p, size);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	for (i = 0; i < less && p[i] == (unsigned char)(i >> 12); i++)
		;
	KUNIT_EXPECT_EQ(test, i, less);
	memset(p + less, 1, size - less);
	hm_free(p);
	hm_trim();
}

/* nanoseconds of @n large allocations and frees of @size bytes */
/* this thread's CPU time: what waiting for a CPU on a loaded machine is not */
static long hm_user_large_cycles_ns(size_t size, unsigned int n)
{
	struct timespec a, b;
	char *p;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	while (n--) {
		p = hm_malloc(size);
		if (p)
			p[0] = 1;
		hm_free(p);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
}

/* the least of three: a time slice lost to another process counts once */
static long hm_user_large_cycles_min_ns(size_t size, unsigned int n)
{
	long t, best = LONG_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		t = hm_user_large_cycles_ns(size, n);
		best = t < best ? t : best;
	}
	return best;
}

/*
 * A thousand kept chunks cost each large allocation no more than a few:
 * the search read every kept chunk's header, each in a chunk of its own
 * and all on one cache set, under the lock: with 1000 kept, a malloc()
 * and free() of 5000 bytes took 5.7 us where it takes 50 ns.  (5000 bytes
 * is a block of hm-5376 now: 20 000, large, one granule as 5000 was.)
 */
static void hm_user_large_take_many_kept(struct kunit *test)
{
	const unsigned int n = 1000, rounds = 20000;
	long base, many;
	void **v;
	unsigned int i;

	if (hm_user_on_valgrind() || HM_TEST_TSAN)
		kunit_skip(test, "timing under a tool");
	v = kunit_kzalloc(test, n * sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	hm_trim();
	hm_user_large_cycles_ns(20000, 1000);	/* warm */
	base = hm_user_large_cycles_min_ns(20000, rounds);
	for (i = 0; i < n; i++) {
		v[i] = hm_malloc(100000);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	for (i = 0; i < n; i++)
		hm_free(v[i]);
	KUNIT_EXPECT_GE(test, hm_large_kept(), (unsigned long)n);
	many = hm_user_large_cycles_min_ns(20000, rounds);
	kunit_info(test, "ns per malloc+free of 20000 bytes: %ld, with %lu kept %ld",
		   base / rounds, hm_large_kept(), many / rounds);
	KUNIT_EXPECT_LE(test, many, 4 * base + 20000000L);
	hm_trim();
}

/*
 * A freed large chunk whose pages madvise() cannot give back (locked:
 * mlock(), mlockall(MCL_FUTURE)) keeps its contents: kept as
 * decommitted, calloc() of it cleared only its first granule and handed
 * out the old bytes past it.
 */
static void hm_user_large_kept_locked(struct kunit *test)
{
	size_t size = 4UL << 20, i, bad = 0;
	unsigned char *p;

	hm_trim();
	p = hm_malloc(size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, size);
	if (mlock(p + size / 2, 1UL << 20)) {
		hm_free(p);
		kunit_skip(test, "mlock: %s", strerror(errno));
	}
	hm_free(p);
	p = hm_calloc(1, size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < size; i++)
		bad += p[i] != 0;
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	hm_free(p);
	hm_trim();
}

/*
 * A large chunk given back keeps its first granule for the next chunk,
 * its pages past the first given back with madvise(); locked ones stay
 * (madvise() refuses them): the next chunk there, which reads as fresh
 * (HM_PLAT_CHUNK_ZEROED), handed calloc() the old bytes.
 */
static void hm_user_kept_granule_locked(struct kunit *test)
{
	size_t size = 65UL << 20, page = (size_t)sysconf(_SC_PAGESIZE), i, bad = 0;
	unsigned char *p, *lock;

	if (!hm_plat_read_can_sync())
		kunit_skip(test, "no membarrier");
	hm_trim();
	p = hm_malloc(size);		/* above what is kept: given back */
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, HM_SLAB_SIZE - HM_LARGE_HDR);
	lock = (unsigned char *)((uintptr_t)p & ~(uintptr_t)(page - 1)) + 2 * page;
	if (mlock(lock, page)) {
		hm_free(p);
		kunit_skip(test, "mlock: %s", strerror(errno));
	}
	hm_free(p);
	hm_user_retire_poll(true);	/* its granule kept, the rest unmapped */
	p = hm_calloc(1, 1UL << 20);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < (1UL << 20); i++)
		bad += p[i] != 0;
	kunit_info(test, "calloc %s the locked granule", p + 2 * page - HM_LARGE_HDR == lock ?
		   "reused" : "did not reuse");
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	munlock(lock, page);
	hm_free(p);
	hm_trim();
}

/* VmSize of this process, in bytes */
static size_t hm_user_vm_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmSize:", 7))
			sscanf(line + 7, "%zu", &kb);
	fclose(f);
	return kb << 10;
}

/*
 * A case whose child runs under RLIMIT_AS: skipped where the limit would
 * count a tool's own mappings (ASan's shadow, TSan's, memcheck's).
 */
static void hm_user_skip_under_limit(struct kunit *test)
{
#ifdef HM_USER_ASAN
	kunit_skip(test, "ASan's shadow under RLIMIT_AS");
#endif
	if (hm_user_on_valgrind() || HM_TEST_TSAN)
		kunit_skip(test, "the tool's own mappings under RLIMIT_AS");
}

/*
 * Kept chunks are address space (and commit charge) the program freed:
 * where the system refuses more (RLIMIT_AS, vm.overcommit_memory=2), an
 * allocation that fails must have them given back first.  15 objects of
 * 60 MiB freed, then 1 GiB under a limit with room for one or the other.
 * The limit is set once the first chunk has reserved the flat slab map
 * (256 MiB of address space): run on its own, as the case's first
 * allocation, the reservation took that room and the case failed.
 */
static void hm_user_large_kept_given_under_limit(struct kunit *test)
{
	int status = -1;
	pid_t pid;

	hm_user_skip_under_limit(test);
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		struct rlimit r;
		void *v[15], *big;
		unsigned int i;

		hm_free(hm_malloc(1UL << 20));	/* the slab map's reservation before the limit */
		hm_trim();
		r.rlim_cur = r.rlim_max = hm_user_vm_bytes() + (1280UL << 20);
		if (setrlimit(RLIMIT_AS, &r))
			hm_child_exit(3);
		for (i = 0; i < HM_ARRAY_SIZE(v); i++)
			if (!(v[i] = hm_malloc(60UL << 20)))
				hm_child_exit(2);
		for (i = 0; i < HM_ARRAY_SIZE(v); i++)
			hm_free(v[i]);
		big = hm_malloc(1UL << 30);
		hm_child_exit(!big);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_EXPECT_TRUE(test, WIFEXITED(status));
	KUNIT_EXPECT_EQ(test, WEXITSTATUS(status), 0);
}

/*
 * The flat bitmap's 256 MiB are address space, which RLIMIT_AS counts in
 * full: under ulimit -v 400000 (390 MiB) a program got 142 MB of objects
 * where glibc gave it 414.  Under a limit less than 8 times its size the
 * reservation is not made (the tree serves); without a limit it is.  In a
 * child: the limit stays with the process.  Against the limit, not the
 * room left under it: the test process has its own bitmap already.
 */
static void hm_user_flatmap_not_under_limit(struct kunit *test)
{
	const size_t size = HM_FLATMAP_GRANULES / 8;
	int status = -1;
	pid_t pid;

	hm_user_skip_under_limit(test);
	if (!hm_user_env_num_quiet("HM_FLATMAP", 0, 1, 1))
		kunit_skip(test, "no flat bitmap (HM_FLATMAP=0)");
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		struct rlimit r;
		void *p = hm_plat_map_reserve(size);

		if (!p)
			hm_child_exit(2);	/* no limit: reserved */
		munmap(p, size);
		/* just below 8 times: the reservation would fit, and take 1/8 */
		r.rlim_cur = r.rlim_max = 8 * size - HM_SLAB_SIZE;
		if (hm_user_vm_bytes() + 2 * size > r.rlim_cur)
			hm_child_exit(4);
		if (setrlimit(RLIMIT_AS, &r))
			hm_child_exit(3);
		p = hm_plat_map_reserve(size);
		hm_child_exit(p ? 1 : 0);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_ASSERT_TRUE(test, WIFEXITED(status));
	if (WEXITSTATUS(status) == 4)
		kunit_skip(test, "the process takes more than 3/4 of the limit already");
	KUNIT_EXPECT_EQ(test, WEXITSTATUS(status), 0);
}

/*
 * The granules slab chunks keep once given back are address space too: a
 * program that filled a limit of 96 MiB more with objects of 1 KiB and
 * freed them could not get one of 64 MiB (every large object failed for
 * good once small ones had filled the limit).  Where the system refuses a
 * mapping the kept granules go back before a chunk (or metadata) fails:
 * all but the first page of each, which keeps the key a stale free reads
 * (a whole granule given back could be mapped again as an object at its
 * chunk's start, whose first word is the user's).
 */
static void hm_user_kept_granules_given_under_limit(struct kunit *test)
{
	int status = -1;
	pid_t pid;

	hm_user_skip_under_limit(test);
	pid = fork();
	KUNIT_ASSERT_GE(test, pid, 0);
	if (pid == 0) {
		/* room for the granules earlier cases kept, which come first */
		const size_t n = (1UL << 30) / 1024;
		void **v = mmap(NULL, n * sizeof(*v), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		const size_t page = (size_t)sysconf(_SC_PAGESIZE);
		struct rlimit r;
		size_t i, m, tails;
		void *big;

		if (v == MAP_FAILED)
			hm_child_exit(4);
		hm_free(hm_malloc(1UL << 20));	/* the slab map's reservation before the limit */
		hm_trim();
		r.rlim_cur = r.rlim_max = hm_user_vm_bytes() + (96UL << 20);
		if (setrlimit(RLIMIT_AS, &r))
			hm_child_exit(3);
		for (m = 0; m < n; m++)		/* till the limit */
			if (!(v[m] = hm_malloc(1024)))
				break;
		if (m == n)
			hm_child_exit(2);
		for (i = 0; i < m; i++)
			hm_free(v[i]);
		hm_trim();		/* the slabs released: their granules kept */
		big = hm_malloc(64UL << 20);
		if (!big)
			hm_child_exit(hm_user_chunks_kept_count() ? 1 : 5);
		/*
		 * Each slab's granule keeps its first page, with the key a stale
		 * free reads: no new mapping starts where a slab was.  Its rest
		 * went back (msync() of what is not mapped: ENOMEM).
		 */
		for (i = 0, tails = 0; i < m; i++) {
			char *g = (char *)((uintptr_t)v[i] & ~(uintptr_t)(HM_SLAB_SIZE - 1));

			if (msync(g, page, MS_ASYNC))
				hm_child_exit(6);
			tails += msync(g + page, page, MS_ASYNC) && errno == ENOMEM;
		}
		hm_child_exit(tails ? 0 : 7);
	}
	KUNIT_ASSERT_EQ(test, waitpid(pid, &status, 0), pid);
	KUNIT_EXPECT_TRUE(test, WIFEXITED(status));
	KUNIT_EXPECT_EQ(test, WEXITSTATUS(status), 0);
}

/*
 * calloc() of a large object from a kept slab chunk: fresh chunks read as
 * zeroes (HM_PLAT_CHUNK_ZEROED), and a kept one must too, though its first
 * page carried the list link and the old header (once, 5 bytes did not).
 */
static void hm_user_kept_chunk_calloc(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-kept-calloc", 256, 0, HM_MODE_HYBRID, 0);
	size_t size = HM_SLAB_SIZE - HM_LARGE_HDR, i, bad = 0;
	void *v[1024];
	unsigned int n;
	unsigned char *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (!hm_plat_read_can_sync())
		kunit_skip(test, "no membarrier");
	hm_large_trim();
	n = hm_user_fill(c, v, 1024);	/* a few slabs */
	hm_user_empty(c, v, n);
	KUNIT_ASSERT_EQ(test, hm_cache_destroy(c), 0);
	hm_trim();		/* released, waited for: kept */
	kunit_info(test, "chunks kept %lu", hm_user_chunks_kept_count());
	KUNIT_ASSERT_GT(test, hm_user_chunks_kept_count(), 1UL);
	p = hm_calloc(1, size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < size; i++)
		if (p[i] && !bad++)
			kunit_info(test, "calloc'd byte %zu is %#x", i, p[i]);
	hm_free(p);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
}

/*
 * Tracking off when the wait for readers fails (membarrier() without
 * memory): the switch still goes off, the records stay attached and
 * counted, nothing is freed under a reader; on again, they tell no
 * block's history (neither the live objects of a site nor a report);
 * the next off gives them back.
 */
static void hm_user_track_retire_sync_fails(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-nosync", 64, 0, HM_MODE_HYBRID, 0);
	struct hm_site_stat top[HM_SITES_TOP];
	unsigned long tb, seq;
	struct hm_err_entry en;
	long *errors;
	void *v[64];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (!hm_plat_read_can_sync())
		kunit_skip(test, "no membarrier(): records are never retired");
	KUNIT_ASSERT_EQ(test, hm_set_debug(c, "track=1"), 0);
	for (i = 0; i < 64; i++) {
		v[i] = hm_cache_alloc(c);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	tb = hm_atomic_read(&c->track_bytes);
	KUNIT_EXPECT_GT(test, tb, 0);
	__atomic_store_n(&hm_user_sync_fails, true, __ATOMIC_RELAXED);
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "track=0"), 0);
	__atomic_store_n(&hm_user_sync_fails, false, __ATOMIC_RELAXED);
	KUNIT_EXPECT_EQ(test, c->debug, 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), tb);
	KUNIT_EXPECT_NOT_NULL(test, hm_debug_track(hm_ptr_slab(v[0]), 0));
	/*
	 * On again: the records kept are of the earlier period, no block's
	 * history now; the 64 blocks live are none the site has allocated
	 * since, and a double free's report names no allocation.
	 */
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "track=1"), 0);
	KUNIT_EXPECT_EQ(test, hm_sites_top(c, top, HM_SITES_TOP, true), 1);
	KUNIT_EXPECT_EQ(test, top[0].allocs, 64);
	KUNIT_EXPECT_EQ(test, top[0].live, 0);
	for (i = 0; i < 64; i++)
		hm_cache_free(c, v[i]);
	KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
	errors = hm_test_count_errors(test);
	seq = hm_test_report_seq(test);
	hm_cache_free(c, v[0]);		/* freed already */
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_DOUBLE_FREE);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)v[0]);
		KUNIT_EXPECT_EQ(test, en.alloc_ip, 0);
		KUNIT_EXPECT_EQ(test, en.free_ip, 0);
	}
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_set_debug(c, "track=0"), 0);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&c->track_bytes), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * The longest free run of each slab: in the JSON dump, in list order, with
 * the longest of them; the text dump's summary has it too.  Two slabs of a
 * bitmap cache: one full, one with a run of 37 blocks and a shorter one.
 */
static void hm_user_frag_runs(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-frag-runs", 256, 0, HM_MODE_BITMAP, 0);
	unsigned int n, i, k = 0, run[2];
	char want[64], *buf, *s;
	struct hm_slab *sl, *part;
	void **v;

	KUNIT_ASSERT_NOT_NULL(test, c);
	n = c->nblocks;
	v = calloc(2 * n, sizeof(*v));
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 2 * n; i++) {
		v[i] = hm_cache_alloc(c);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	part = hm_ptr_slab(v[0]);
	for (i = 0; i < 2 * n; i++) {
		unsigned int idx = hm_block_index(c, hm_ptr_slab(v[i]), v[i]);

		if (hm_ptr_slab(v[i]) == part &&
		    ((idx >= 50 && idx < 87) || (idx >= 100 && idx < 110))) {
			hm_cache_free(c, v[i]);
			v[i] = NULL;
		}
	}
	KUNIT_ASSERT_EQ(test, c->nslabs, 2);
	for (sl = c->all; sl; sl = sl->all_next)	/* quiet: the list stands still */
		run[k++] = sl == part ? 37 : 0;
	snprintf(want, sizeof(want), "\"longest_runs\": [%u, %u], ", run[0], run[1]);

	buf = hm_user_capture(test, hm_user_dump_json, NULL);
	s = strstr(buf, "\"name\": \"u-frag-runs\"");
	KUNIT_ASSERT_NOT_NULL(test, s);
	s = strstr(s, "\"frag\": {");
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, strncmp(s + strlen("\"frag\": {"), want, strlen(want)), 0);
	KUNIT_EXPECT_NOT_NULL(test, strstr(s, "\"longest_run_min\": 0, \"longest_run_avg\": 18, "
					   "\"longest_run_max\": 37, \"approximate\": 0"));
	free(buf);

	buf = hm_user_capture(test, hm_user_dump_diag, NULL);
	s = strstr(buf, "u-frag-runs (bitmap, 256 bytes)\n");
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_NOT_NULL(test, strstr(s, "  longest free run per slab: min 0 avg 18 max 37 blocks\n"));
	free(buf);

	for (i = 0; i < 2 * n; i++)
		hm_cache_free(c, v[i]);
	free(v);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/* a walker and a thread whose slow path waits for the cache lock */
struct hm_waiter {
	struct hm_cache *c;
	unsigned int go;		/* atomic: the round the walker asks for */
	unsigned int waiting;		/* atomic: the round about to take the lock */
	unsigned int done;		/* atomic: the round that had it */
	unsigned int late;		/* rounds not done by the walker's next slab */
	unsigned int rounds;
};

static void hm_waiter_cpu(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(t, sizeof(set), &set);
}

static void *hm_waiter_thread(void *p)
{
	struct hm_waiter *w = p;
	unsigned int round = 0;

	for (;;) {
		while (__atomic_load_n(&w->go, __ATOMIC_ACQUIRE) == round)
			sched_yield();
		round = __atomic_load_n(&w->go, __ATOMIC_ACQUIRE);
		if (round == ~0U)
			return NULL;
		__atomic_store_n(&w->waiting, round, __ATOMIC_RELEASE);
		hm_cache_shrink(w->c);		/* a slow path: takes the cache lock */
		__atomic_store_n(&w->done, round, __ATOMIC_RELEASE);
	}
}

/*
 * At each slab, under the lock: was the round asked for at the slab
 * before done in between?  Then ask for the next one and wait (a second
 * at most) until its thread is about to take the lock (on one CPU:
 * blocked on it while we hold it).  A round not done is late, and its
 * thread blocked on the lock already: no new one is asked for, as its
 * thread could not start it before we drop the lock (a wait for it used
 * to spin out a million yields).
 */
static void hm_waiter_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			   const char *map, void *arg)
{
	struct hm_waiter *w = arg;
	unsigned int want = __atomic_load_n(&w->go, __ATOMIC_ACQUIRE);
	u64 end = hm_user_clock_ns() + 1000000000ULL;

	w->rounds++;
	if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) != want) {
		w->late++;
		return;
	}
	__atomic_store_n(&w->go, want + 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&w->waiting, __ATOMIC_ACQUIRE) != want + 1 &&
	       hm_user_clock_ns() < end)
		sched_yield();
}

/*
 * A slow path that waits for the cache lock while a walk maps a slab gets
 * it before the walk's next slab, at (nearly) every slab: the walk never
 * holds the lock across two.  Both threads on one CPU: the waiter is surely blocked
 * on the lock when the walk drops it, and runs (woken, or by the walk's
 * hm_lock_yield()) before the walk takes it again.
 */
static void hm_user_frag_lets_waiter_in(struct kunit *test)
{
	struct hm_waiter w = { .c = hm_cache_create("u-frag-wait", 1024, 0, HM_MODE_BITMAP, 0) };
	unsigned int i, n;
	char *map = malloc(HM_MAP_MAX);
	cpu_set_t old;
	pthread_t t;
	void **v;

	KUNIT_ASSERT_NOT_NULL(test, w.c);
	KUNIT_ASSERT_NOT_NULL(test, map);
	n = 8 * w.c->nblocks;		/* 8 full slabs */
	v = calloc(n, sizeof(*v));
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < n; i++) {
		v[i] = hm_cache_alloc(w.c);
		KUNIT_ASSERT_NOT_NULL(test, v[i]);
	}
	KUNIT_ASSERT_EQ(test, pthread_getaffinity_np(pthread_self(), sizeof(old), &old), 0);
	hm_waiter_cpu(pthread_self(), sched_getcpu());
	KUNIT_ASSERT_EQ(test, pthread_create(&t, NULL, hm_waiter_thread, &w), 0);
	hm_waiter_cpu(t, sched_getcpu());
	KUNIT_EXPECT_EQ(test, hm_frag_walk(w.c, map, hm_waiter_held, NULL, &w), 8);
	while (__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) != __atomic_load_n(&w.go, __ATOMIC_ACQUIRE))
		sched_yield();
	__atomic_store_n(&w.go, ~0U, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
	KUNIT_EXPECT_EQ(test, w.rounds, 8);
	kunit_info(test, "%u of 8 slabs found the round asked for late", w.late);
	/*
	 * The scheduler may still run the walk first now and then on a
	 * loaded machine (seen once in a CI run: one round late); a walk that
	 * kept the lock across slabs would be late in all 7.
	 */
	KUNIT_EXPECT_LE(test, w.late, 2);
	KUNIT_EXPECT_NULL(test, w.c->cursors);
	for (i = 0; i < n; i++)
		hm_cache_free(w.c, v[i]);
	free(v);
	free(map);
	KUNIT_EXPECT_EQ(test, hm_validate(w.c), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(w.c), 0);
}

/* hm_cache_create() from a call site of its own (not a tail call) */
static noinline struct hm_cache *hm_user_create_at(enum hm_mode mode, unsigned int flags)
{
	struct hm_cache *c = hm_cache_create("u-at", 64, 0, mode, flags);

	__asm__ volatile("" : : "r"(c) : "memory");
	return c;
}

/*
 * A free-list cache makes no runs (hm_cache_alloc_contig() refuses it), and
 * without checks it cannot tell a free block from a live one: a "run"
 * freed there was freed whole, unsaid, the free blocks after the first a
 * second time, and the next allocations handed one block out twice.  Now
 * refused as the allocation is, nothing freed.
 */
static void hm_user_contig_freelist(struct kunit *test)
{
	struct hm_cache *fl = hm_cache_create("u-fl-run", 32, 0, HM_MODE_FREELIST, 0);
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	unsigned long seq;
	unsigned int i, j;
	void *q, *r[6];

	KUNIT_ASSERT_NOT_NULL(test, fl);
	q = hm_cache_alloc(fl);
	KUNIT_ASSERT_NOT_NULL(test, q);
	seq = hm_test_report_seq(test);
	hm_cache_free_contig(fl, q, 3);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_BAD_SIZE);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(q), 32);	/* still live */
	for (i = 0; i < HM_ARRAY_SIZE(r); i++) {
		r[i] = hm_cache_alloc(fl);
		KUNIT_ASSERT_NOT_NULL(test, r[i]);
		KUNIT_EXPECT_PTR_NE(test, r[i], q);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, r[i], r[j]);
	}
	KUNIT_EXPECT_EQ(test, hm_validate(fl), 0);
	for (i = 0; i < HM_ARRAY_SIZE(r); i++)
		hm_cache_free(fl, r[i]);
	hm_cache_free(fl, q);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(fl), 0);
}

/* the research API: policies, contiguous runs, learner, adaptive flag */
static void hm_user_research_api(struct kunit *test)
{
	struct hm_cache *bm = hm_cache_create("u-fit", 64, 0, HM_MODE_BITMAP,
					      HM_CACHE_POLICY_BEST);
	struct hm_cache *fl = hm_cache_create("u-fl", 64, 0, HM_MODE_FREELIST, 0), *ok;
	long *errors = hm_test_count_errors(test);
	struct hm_frag_info fi;
	struct hm_err_entry en;
	unsigned long seq;
	char *p, *q;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, bm);
	KUNIT_ASSERT_NOT_NULL(test, fl);
	KUNIT_EXPECT_EQ(test, strcmp(hm_cache_policy(bm), "best"), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(bm, "first"), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(bm, "fist"), -EINVAL);
	KUNIT_EXPECT_EQ(test, hm_cache_set_policy(bm, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, strcmp(hm_cache_policy(bm), "first"), 0);
	p = hm_cache_alloc_contig(bm, 8);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, 8 * 64);			/* one region */
	q = hm_cache_alloc(bm);
	KUNIT_EXPECT_TRUE(test, q < p || q >= p + 8 * 64);
	hm_cache_free(bm, q);
	/*
	 * A run freed past its end (the block after it is free), or into
	 * another cache, is refused whole: it once freed the run first.
	 */
	hm_cache_free_contig(bm, p, 9);
	hm_cache_free_contig(fl, p, 8);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p + i * 64), 64);
	hm_cache_free_contig(bm, p, 8);
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 0);	/* a use after free */
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_NOT_LIVE);
	KUNIT_EXPECT_EQ(test, *errors, 3);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_cache_alloc_contig(bm, 0));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_NULL(test, hm_cache_alloc_contig(bm, (size_t)1 << 32));
	/* the count as asked: it was cut to 0 */
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.ptr, (size_t)1 << 32);
	KUNIT_EXPECT_NULL(test, hm_cache_alloc_contig(fl, 2));
	KUNIT_EXPECT_EQ(test, *errors, 6);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(bm, "on 5"), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(fl, "on 5"), -EINVAL);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(bm, "on five"), -EINVAL);
	for (i = 0; i < 5000; i++)
		hm_cache_free(bm, hm_cache_alloc(bm));
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(bm, "freeze"), 0);
	/* a bad flag: errno, and the report names this call, not the library */
	seq = hm_test_report_seq(test);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_user_create_at(HM_MODE_BITMAP, HM_CACHE_ADAPTIVE));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_TRUE_MSG(test, en.ip > (unsigned long)hm_user_create_at &&
				      en.ip < (unsigned long)hm_user_create_at + 256,
				      "ip %#lx, the call in %p", en.ip, hm_user_create_at);
	/* a good create leaves errno as it was */
	errno = EDOM;
	ok = hm_user_create_at(HM_MODE_HYBRID, HM_CACHE_ADAPTIVE);
	KUNIT_EXPECT_NOT_NULL(test, ok);
	KUNIT_EXPECT_EQ(test, errno, EDOM);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(ok), 0);
	/* a size past 32 bits is named as asked (the value at fault) */
	seq = hm_test_report_seq(test);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_cache_create("u-bad", (size_t)1 << 40, 0, HM_MODE_BITMAP, 0));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	if (hm_test_report_since(test, seq, &en))
		KUNIT_EXPECT_EQ(test, en.ptr, (size_t)1 << 40);
	KUNIT_EXPECT_EQ(test, *errors, 8);
	hm_frag_info(bm, &fi);
	KUNIT_EXPECT_GE(test, fi.slabs, 1);
	KUNIT_EXPECT_EQ(test, fi.live, 0);
	KUNIT_EXPECT_EQ(test, hm_validate(bm), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(bm), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(fl), 0);
}

/*
 * The cache API's refusals, each in its own words: a block of another
 * cache freed to a cache (the wrong cache, counted in the one named, the
 * block untouched), a cache destroyed twice (a pointer not from hakmem:
 * the cache is not read), an allocation no chunk can serve (ENOMEM, and
 * a failure the cache counts, no report).
 */
static void hm_user_cache_refusals(struct kunit *test)
{
	struct hm_cache *a = hm_cache_create("u-ref-a", 64, 0, HM_MODE_BITMAP, 0);
	struct hm_cache *b = hm_cache_create("u-ref-b", 64, 0, HM_MODE_BITMAP, 0);
	struct hm_cache *d = hm_cache_create("u-ref-d", 256, 0, HM_MODE_HYBRID, 0);
	long *errors = hm_test_count_errors(test);
	struct hm_err_entry en;
	struct hm_stats st;
	unsigned long seq;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, d);
	p = hm_cache_alloc(b);
	KUNIT_ASSERT_NOT_NULL(test, p);
	seq = hm_test_report_seq(test);
	hm_cache_free(a, p);
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_WRONG_CACHE);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
		KUNIT_EXPECT_STREQ(test, en.cache, "u-ref-a");
		KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)hm_ptr_slab(p));
	}
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&a->errors[HM_ERR_WRONG_CACHE]), 1);
	KUNIT_EXPECT_EQ(test, hm_atomic_read(&b->errors[HM_ERR_WRONG_CACHE]), 0);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 64);	/* still live */
	hm_cache_free(b, p);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(a), 0);
	seq = hm_test_report_seq(test);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(a), 0);		/* again */
	if (hm_test_report_since(test, seq, &en)) {
		KUNIT_EXPECT_EQ(test, en.kind, HM_ERR_FOREIGN);
		KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)a);
		KUNIT_EXPECT_STREQ(test, en.cache, "-");
	}
	KUNIT_EXPECT_EQ(test, *errors, 2);
	hm_test_chunk_faults(1);
	errno = 0;
	p = hm_cache_alloc(d);
	hm_test_chunk_faults(0);
	KUNIT_EXPECT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	hm_cache_stats(d, &st);
	KUNIT_EXPECT_EQ(test, st.alloc_fail, 1);
	KUNIT_EXPECT_EQ(test, st.allocs, 0);
	KUNIT_EXPECT_EQ(test, *errors, 2);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(b), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(d), 0);
}

/*
 * NULL where a cache or an output belongs: refused, nothing freed or
 * changed.  A NULL cache is reported (as hm_cache_destroy() reports a
 * cache it does not know); hm_cache_free(NULL, p) once freed @p to
 * whichever cache it was, unreported.  The calls below crashed, but the
 * frees and hm_stats_snapshot(NULL, n > 0).  hm_malloc() of a size past
 * the address space left errno alone.
 */
static void hm_user_null_args(struct kunit *test)
{
	struct hm_cache *c = hm_cache_create("u-null", 64, 0, HM_MODE_HYBRID, 0);
	long *errors = hm_test_count_errors(test);
	void *v[4], *p, *big = hm_malloc(100000);
	struct hm_err_entry log[HM_ERR_LOG];
	struct hm_frag_info fi;
	unsigned long seq;
	unsigned int i, n;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, big);
	p = hm_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, p);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_cache_alloc(NULL));
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	errno = 0;
	KUNIT_EXPECT_EQ(test, hm_cache_alloc_bulk(NULL, 4, v), 0);
	KUNIT_EXPECT_EQ(test, errno, EINVAL);
	KUNIT_EXPECT_EQ(test, hm_cache_alloc_bulk(c, 4, NULL), 0);
	KUNIT_EXPECT_NULL(test, hm_cache_alloc_contig(NULL, 2));
	KUNIT_EXPECT_EQ(test, *errors, 4);
	/* a free to no cache: the wrong cache, as in the kernel */
	seq = hm_test_report_seq(test);
	hm_cache_free(NULL, p);
	hm_cache_free(NULL, big);
	hm_cache_free(NULL, NULL);		/* nothing to free: no report */
	hm_cache_free_bulk(NULL, 1, &p);	/* once, for the first object */
	hm_cache_free_bulk(NULL, 0, NULL);
	hm_cache_free_contig(NULL, p, 1);
	KUNIT_EXPECT_EQ(test, *errors, 8);
	n = hm_report_log_copy(log);
	for (i = 0; i < n; i++)
		if (log[i].seq > seq)
			KUNIT_EXPECT_EQ(test, log[i].kind, HM_ERR_WRONG_CACHE);
	hm_cache_free_bulk(c, 1, NULL);
	KUNIT_EXPECT_EQ(test, *errors, 9);
	KUNIT_EXPECT_EQ(test, hm_malloc_usable_size(p), 64);
	KUNIT_EXPECT_GE(test, hm_malloc_usable_size(big), 100000);
	/* no output: nothing written, errno EINVAL, nothing counted */
#define HM_EXPECT_EINVAL(call) do { errno = 0; call; KUNIT_EXPECT_EQ(test, errno, EINVAL); } while (0)
	HM_EXPECT_EINVAL(hm_stats_dump(NULL, HM_STATS_CLASSES | HM_STATS_DIAG));
	HM_EXPECT_EINVAL(hm_stats_dump_json(NULL));
	HM_EXPECT_EINVAL(hm_frag_dump(NULL, c));
	HM_EXPECT_EINVAL(hm_mallinfo(NULL));
	HM_EXPECT_EINVAL(hm_frag_info(c, NULL));
#undef HM_EXPECT_EINVAL
	KUNIT_EXPECT_EQ(test, hm_stats_snapshot(NULL, 4, HM_STATS_CACHES),
			hm_stats_snapshot(NULL, 0, HM_STATS_CACHES));
	KUNIT_EXPECT_GE(test, hm_stats_snapshot(NULL, 4, HM_STATS_CACHES), 1);
	hm_frag_info(c, &fi);
	KUNIT_EXPECT_EQ(test, fi.live, 1);
	errno = 0;
	KUNIT_EXPECT_NULL(test, hm_malloc(SIZE_MAX));
	KUNIT_EXPECT_EQ(test, errno, ENOMEM);
	KUNIT_EXPECT_EQ(test, *errors, 10);	/* that size's report */
	hm_cache_free(c, p);
	hm_free(big);
	KUNIT_EXPECT_EQ(test, *errors, 10);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
}

/*
 * A "what" with a bit of no HM_STATS_* is refused, as hm_cache_create()
 * refuses such flags: errno EINVAL, no row, nothing written.  It was
 * taken for the bits it had (HM_STATS_CLASSES | 0x10: the classes) or
 * none (0x100: a dump of the header alone), unsaid.
 */
static void hm_user_stats_bad_what(struct kunit *test)
{
	static const unsigned int bad[] = { 0x10, HM_STATS_CLASSES | 0x10, 0x100, ~0U };
	struct hm_stat_row rows[4];
	char *dump = NULL;
	unsigned int i;
	size_t len = 0;
	FILE *f;

	for (i = 0; i < HM_ARRAY_SIZE(bad); i++) {
		memset(rows, 0x5a, sizeof(rows));
		errno = 0;
		KUNIT_EXPECT_TRUE_MSG(test, hm_stats_snapshot(rows, 4, bad[i]) == 0, "what %#x", bad[i]);
		KUNIT_EXPECT_TRUE_MSG(test, errno == EINVAL, "what %#x", bad[i]);
		KUNIT_EXPECT_EQ(test, (unsigned char)rows[0].name[0], 0x5a);
		errno = 0;
		KUNIT_EXPECT_EQ(test, hm_stats_snapshot(NULL, 0, bad[i]), 0);
		KUNIT_EXPECT_EQ(test, errno, EINVAL);
		f = open_memstream(&dump, &len);
		KUNIT_ASSERT_NOT_NULL(test, f);
		errno = 0;
		hm_stats_dump(f, bad[i]);
		KUNIT_EXPECT_TRUE_MSG(test, errno == EINVAL, "what %#x", bad[i]);
		fclose(f);
		KUNIT_EXPECT_TRUE_MSG(test, len == 0, "what %#x: wrote '%s'", bad[i], dump);
		free(dump);
		dump = NULL;
	}
	/* every good bit, and none (no rows): taken */
	KUNIT_EXPECT_EQ(test, hm_stats_snapshot(NULL, 0, HM_STATS_CLASSES | HM_STATS_DIAG),
			HM_USER_CLASSES);
	KUNIT_EXPECT_EQ(test, hm_stats_snapshot(rows, 4, 0), 0);
}

struct hm_stale_arg {
	void *stale;
	int stop;
	unsigned long tries;
	unsigned long rounds;
};

/*
 * memcheck runs one thread at a time, and a yield may give its lock
 * straight back (a CI run saw no stale free in 10 s): either side sleeps
 * when the other one has not moved since its last look.
 */
static void hm_stale_let_other_run(unsigned long *other, unsigned long *seen)
{
	unsigned long now = __atomic_load_n(other, __ATOMIC_RELAXED);

	if (now == *seen)
		hm_test_sleep_ms(1);
	*seen = now;
}

static void *hm_stale_freer(void *arg)
{
	struct hm_stale_arg *a = arg;
	unsigned long seen = 0;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		hm_cache_free(NULL, a->stale);
		__atomic_store_n(&a->tries, a->tries + 1, __ATOMIC_RELAXED);
		if (!(a->tries % 1024))
			hm_stale_let_other_run(&a->rounds, &seen);
	}
	return NULL;
}

/*
 * Frees to no cache of a stale large pointer while this thread takes its
 * chunk again and again: each is refused (a double free while the chunk
 * is kept, a wrong cache while it is this thread's object), none frees
 * this thread's object.  The refusal looked at the chunk twice, as live,
 * then as anything else to free: a chunk taken between the two looks was
 * freed under its new owner.
 */
static void hm_user_wrong_cache_free_race(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	struct hm_stale_arg a = { NULL, 0, 0, 0 };
	unsigned long lost = 0, rounds = 0, seen = 0;
	struct timespec t0, t;
	long ns;
	pthread_t th;

#if defined(__SANITIZE_THREAD__)
	/* a stale pointer's chunk header is read as its new owner writes it, by design */
	kunit_skip(test, "ThreadSanitizer reports the stale pointer's header read");
#endif
	hm_trim();	/* the chunk below is the one kept, and taken back */
	a.stale = hm_malloc(256 << 10);
	KUNIT_ASSERT_NOT_NULL(test, a.stale);
	hm_free(a.stale);
	KUNIT_ASSERT_EQ(test, pthread_create(&th, NULL, hm_stale_freer, &a), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		void *p = hm_malloc(256 << 10);

		KUNIT_ASSERT_NOT_NULL(test, p);
		if (hm_malloc_usable_size(p))
			hm_free(p);
		else
			lost++;		/* freed by the other thread's refused free */
		__atomic_store_n(&a.rounds, ++rounds, __ATOMIC_RELAXED);
		if (!(rounds % 1024))
			hm_stale_let_other_run(&a.tries, &seen);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ns = (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec);
		/* 0.3 s and a thousand stale frees, 10 s at most */
	} while ((ns < 300000000L || __atomic_load_n(&a.tries, __ATOMIC_RELAXED) < 1000) &&
		 ns < 10000000000L);
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELEASE);
	KUNIT_ASSERT_EQ(test, pthread_join(th, NULL), 0);
	kunit_info(test, "%lu rounds, %lu stale frees refused, %lu objects lost",
		   rounds, a.tries, lost);
	KUNIT_EXPECT_EQ(test, lost, 0);
	KUNIT_EXPECT_EQ(test, *errors, (long)a.tries);	/* each one refused, nothing else */
	KUNIT_EXPECT_GT(test, a.tries, 0);
}

/*
 * hm_cache_set_learner(NULL, ...) changes every bitmap cache or none: a
 * freeze froze the caches that had learned, then said -EINVAL for one
 * that never had; "on" without memory for every learner said -ENOMEM
 * after starting some.
 */
static void hm_user_learner_all_or_none(struct kunit *test)
{
	struct hm_cache *a = hm_cache_create("u-learn-a", 64, 0, HM_MODE_BITMAP, 0);
	struct hm_cache *b = hm_cache_create("u-learn-b", 96, 0, HM_MODE_BITMAP, 0);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(a, "on 3"), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(NULL, "freeze"), -EINVAL);
	KUNIT_ASSERT_NOT_NULL(test, a->learn);
	KUNIT_EXPECT_EQ(test, a->learn->state, HM_LEARN_ON);
	KUNIT_EXPECT_NULL(test, b->learn);
	hm_test_meta_faults(1);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(NULL, "on 7"), -ENOMEM);
	hm_test_meta_faults(0);
	KUNIT_EXPECT_EQ(test, a->learn->seed0, 3);
	KUNIT_EXPECT_NULL(test, b->learn);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(NULL, "on 7"), 0);
	KUNIT_EXPECT_EQ(test, a->learn->seed0, 7);
	KUNIT_ASSERT_NOT_NULL(test, b->learn);
	KUNIT_EXPECT_EQ(test, b->learn->state, HM_LEARN_ON);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(NULL, "freeze"), 0);
	KUNIT_EXPECT_EQ(test, b->learn->state, HM_LEARN_FROZEN);
	KUNIT_EXPECT_EQ(test, hm_cache_set_learner(NULL, "off"), 0);
	KUNIT_EXPECT_EQ(test, a->learning, 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(a), 0);
	KUNIT_EXPECT_EQ(test, hm_cache_destroy(b), 0);
}

/* CPU time of the calling thread, in ns */
static u64 hm_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/*
 * The first switch starts the TSC's stamps without waiting: its rate is
 * measured when a difference is first turned into nanoseconds, 10 ms or
 * more after.  The 10 ms it once waited at the switch cost every process
 * run with HAKMEM_DEBUG 10 ms of CPU (LD_PRELOAD 'ls': 12 ms, not 1.4).
 */
static void hm_user_tsc_start_no_wait(struct kunit *test)
{
	u64 cpu, s0, t0, n0a, n0, nd, t1, n1a, n1, ns, d, call;

	if (!hm_plat_stamp_inline())
		kunit_skip(test, "stamps are the clock's here");
	s0 = hm_user_clock_ns();	/* before the first pair, which is taken inside */
	cpu = hm_thread_cpu_ns();
	hm_user_tsc_restart();
	cpu = hm_thread_cpu_ns() - cpu;
	KUNIT_EXPECT_LT(test, cpu, 5000000ULL);
	/*
	 * Each stamp lies between two clock reads, so that a time slice lost
	 * between a stamp and its clock read widens the bounds, not the error.
	 * A difference right away waits for the rest of the 10 ms after the
	 * first pair (the same clock), once.
	 */
	n0a = hm_user_clock_ns();
	t0 = hm_plat_stamp();
	n0 = hm_user_clock_ns();
	d = hm_plat_stamp() - t0;
	nd = hm_user_clock_ns();
	ns = hm_plat_stamp_ns(d);
	KUNIT_EXPECT_GE(test, hm_user_clock_ns() - s0, 10000000ULL);
	KUNIT_EXPECT_LE(test, ns, nd - n0a + 1000000ULL);
	/*
	 * then no wait: the wait spins, so the next call's CPU time shows one,
	 * and a time slice lost meanwhile does not; and 50 ms of ticks come out
	 * as 50 ms
	 */
	hm_test_sleep_ms(50);
	n1a = hm_user_clock_ns();
	t1 = hm_plat_stamp();
	n1 = hm_user_clock_ns();
	call = hm_thread_cpu_ns();
	ns = hm_plat_stamp_ns(t1 - t0);
	call = hm_thread_cpu_ns() - call;
	KUNIT_EXPECT_LT(test, call, 1000000ULL);
	/* within 0.5% and the clock's slack of the clock's bounds */
	KUNIT_EXPECT_GE(test, ns + 2000000, n1a - n0);
	KUNIT_EXPECT_LE(test, ns, n1 - n0a + 2000000);
	kunit_info(test, "start: %llu us of CPU", (unsigned long long)cpu / 1000);
}

/*
 * The TSC's rate comes from the first switch's pair to the pair of the
 * first age asked for, which may be hours later: (ns << 32) overflowed
 * 64 bits past 4.3 s, and ages came out 3 to 20 times too small
 * (valgrind's hm_debug_report_ages, under load).  5 ns in 13 ticks (2.6 GHz) over
 * 10 ms, 5 s and an hour give the same rate, 5/13 << 32.
 */
static void hm_user_tsc_mult_long_window(struct kunit *test)
{
	static const u64 ns[] = { 10000000ULL, 5000000000ULL, 3600000000000ULL };
	unsigned int i;

	for (i = 0; i < HM_ARRAY_SIZE(ns); i++)
		KUNIT_EXPECT_TRUE_MSG(test, hm_user_tsc_mult(ns[i], ns[i] / 5 * 13) == 1651910498ULL,
				      "a window of %llu ns", (unsigned long long)ns[i]);
	/* a tick a nanosecond: 1 << 32 */
	KUNIT_EXPECT_EQ(test, hm_user_tsc_mult(5000000000ULL, 5000000000ULL), 1ULL << 32);
}

/*
 * Without a calibrated TSC a stamp needs a call: a hybrid context takes
 * the try functions' copy with calls (HM_ROUTE_DEBUG_CALLS), records carry
 * the clock's nanoseconds, and poisoning still catches a write after free.
 */
static void hm_user_stamps_without_tsc(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	const struct hm_track *t;
	struct hm_cache *c;
	struct hm_cctx *cc;
	u64 before, after, ticks;
	void *p, *q, *r;

	/* on already (the first switch does it once), then off */
	hm_user_debug_ref(1);
	ticks = __atomic_load_n(&hm_user_tsc_ticks, __ATOMIC_RELAXED);
	__atomic_store_n(&hm_user_tsc_ticks, 0, __ATOMIC_RELAXED);
	c = hm_core_cache_create("hm-notsc", 64, 0, HM_MODE_HYBRID, 0, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, c);
	cc = hm_test_cctx(test, c);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, HM_DBG_POISON | HM_DBG_TRACK,
						 HM_GFP_DEFAULT), 0);
	KUNIT_EXPECT_EQ(test, cc->route, HM_ROUTE_DEBUG_CALLS);
	before = hm_user_clock_ns();
	p = hm_test_alloc_ip(cc, 0x1000);
	q = hm_test_alloc_ip(cc, 0x1000);	/* the site known: the try's work */
	after = hm_user_clock_ns();
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	t = hm_debug_track(hm_ptr_slab(q), hm_block_index(c, hm_ptr_slab(q), q));
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->site, 0x1000);
	KUNIT_EXPECT_EQ(test, t->owner, cc->ctx_id);
	KUNIT_EXPECT_TRUE(test, t->when >= before && t->when <= after);
	hm_test_free_in(cc, q);
	KUNIT_EXPECT_NE(test, t->free_site, 0);
	KUNIT_EXPECT_TRUE(test, t->free_when >= after && t->free_when <= hm_user_clock_ns());
	KUNIT_EXPECT_EQ(test, hm_test_peek(q, 63), HM_POISON_FREE);
	hm_test_poke(q, 63, 0x42);		/* the bug */
	r = hm_test_alloc_ip(cc, 0x1000);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_PTR_NE(test, r, q);
	KUNIT_EXPECT_EQ(test, *errors, 1);
	hm_test_free_in(cc, r);
	hm_test_free_in(cc, p);
	HM_EXPECT_VALID(test, c);
	__atomic_store_n(&hm_user_tsc_ticks, ticks, __ATOMIC_RELAXED);
	KUNIT_EXPECT_EQ(test, hm_core_cache_destroy(c), 1);	/* q, quarantined */
}

/*
 * Bytes of [@p, @p + @n) the memory tool sees as free (ASan: poisoned;
 * memcheck: no-access), asked without an access; -1 without a tool.
 */
static int hm_tool_free_bytes(const void *p, size_t n)
{
#if defined(HM_USER_ASAN) || defined(HM_VALGRIND)
	const char *b = p;
	int k = 0;
	size_t i;

#ifdef HM_VALGRIND
	unsigned char v;

	if (!RUNNING_ON_VALGRIND)
		return -1;
	for (i = 0; i < n; i++)
		k += VALGRIND_GET_VBITS(b + i, &v, 1) == 3;
#else
	for (i = 0; i < n; i++)
		k += __asan_address_is_poisoned(b + i);
#endif
	return k;
#else
	(void)p;
	(void)n;
	return -1;
#endif
}

#define HM_TOOL_SIZE	48
#define HM_TOOL_N	16

/*
 * The memory tools see a free block whole, its link word included (the
 * free lists', the remote list's), in every mode: after local and remote
 * frees, after the allocator's own walks of the lists (validation, the
 * block maps, with checks a refused double free) and collection; and a
 * block handed out again is whole the user's.
 */
static void hm_user_tool_marks_links(struct kunit *test)
{
	static const struct { enum hm_mode mode; unsigned int flags; } runs[] = {
		{ HM_MODE_BITMAP, 0 }, { HM_MODE_HYBRID, 0 },
		{ HM_MODE_FREELIST, 0 }, { HM_MODE_FREELIST, HM_CACHE_CHECKS },
	};
	char *map = kunit_kzalloc(test, HM_MAP_MAX, GFP_KERNEL);
	long *errors = hm_test_count_errors(test);
	unsigned int r, i;

	KUNIT_ASSERT_NOT_NULL(test, map);
	if (hm_tool_free_bytes(map, 1) < 0)
		kunit_skip(test, "built without ASan or not under memcheck");
	for (r = 0; r < HM_ARRAY_SIZE(runs); r++) {
		struct hm_cache *c = hm_test_cache_flags(test, HM_TOOL_SIZE, 0, runs[r].mode,
							 runs[r].flags);
		struct hm_cctx *cc = hm_test_cctx(test, c), *rc = hm_test_cctx(test, c);
		void *v[HM_TOOL_N], **again;
		unsigned int back = 0, n = 0;
		struct hm_frag f;

		KUNIT_ASSERT_NOT_NULL(test, cc);
		KUNIT_ASSERT_NOT_NULL(test, rc);
		again = kunit_kzalloc(test, c->nblocks * sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, again);
		for (i = 0; i < HM_TOOL_N; i++) {
			v[i] = hm_test_alloc(cc);
			KUNIT_ASSERT_NOT_NULL(test, v[i]);
			KUNIT_EXPECT_EQ(test, hm_tool_free_bytes(v[i], HM_TOOL_SIZE), 0);
		}
		/* 1..7 freed by the owner, 8..14 by another context */
		for (i = 1; i < HM_TOOL_N - 1; i++)
			hm_test_free_in(i < 8 ? cc : rc, v[i]);
		if (runs[r].flags & HM_CACHE_CHECKS) {
			hm_test_free_in(cc, v[3]);	/* a double free: reads the link */
			KUNIT_EXPECT_EQ(test, *errors, 1);
		}
		HM_EXPECT_VALID(test, c);
		hm_cache_frag(c, &f, map);
		KUNIT_EXPECT_EQ(test, f.live, 2UL);
		KUNIT_EXPECT_EQ(test, f.remote, 7UL);
		for (i = 1; i < HM_TOOL_N - 1; i++)
			KUNIT_EXPECT_TRUE_MSG(test, hm_tool_free_bytes(v[i], HM_TOOL_SIZE) ==
					      HM_TOOL_SIZE, "mode %d flags %u: block %u not free whole",
					      runs[r].mode, runs[r].flags, i);
		KUNIT_EXPECT_EQ(test, hm_tool_free_bytes(v[0], HM_TOOL_SIZE), 0);
		KUNIT_EXPECT_EQ(test, hm_tool_free_bytes(v[HM_TOOL_N - 1], HM_TOOL_SIZE), 0);
		/* until every freed block came back, remote ones collected */
		while (back < HM_TOOL_N - 2 && n < c->nblocks) {
			void *p = hm_test_alloc(cc);

			KUNIT_ASSERT_NOT_NULL(test, p);
			again[n++] = p;
			KUNIT_EXPECT_EQ(test, hm_tool_free_bytes(p, HM_TOOL_SIZE), 0);
			memset(p, 0x5a, HM_TOOL_SIZE);
			for (i = 1; i < HM_TOOL_N - 1; i++)
				back += p == v[i];
		}
		KUNIT_EXPECT_EQ(test, back, HM_TOOL_N - 2);
		HM_EXPECT_VALID(test, c);
		while (n)
			hm_test_free_in(cc, again[--n]);
		hm_test_free_in(cc, v[0]);
		hm_test_free_in(cc, v[HM_TOOL_N - 1]);
		HM_EXPECT_VALID(test, c);
		KUNIT_EXPECT_EQ(test, *errors, runs[r].flags & HM_CACHE_CHECKS ? 1 : 0);
		*errors = 0;
	}
}

/*
 * An object aligned to 128 KiB has its chunk over-allocated by 64 KiB,
 * its header at the chunk's start or 64 KiB in: its free must mark for
 * the memory tool the chunk's range, not h->size bytes from the header,
 * which ran up to 64 KiB past the chunk into the next one (a kept chunk
 * there read as allocated: its use after free unseen).
 */
static void hm_user_tool_large_aligned_free(struct kunit *test)
{
	const size_t size = 4 * HM_SLAB_SIZE, n = 4096;
	char *a = NULL, *b = NULL, *v[3 * 32];
	unsigned int i, k = 0;

	if (hm_tool_free_bytes(&k, 1) < 0)
		kunit_skip(test, "built without ASan or not under memcheck");
	hm_trim();
	/* a large object whose chunk starts where the aligned one's ends */
	while (k + 3 <= HM_ARRAY_SIZE(v) && !b) {
		v[k] = hm_malloc(100000);
		v[k + 1] = hm_aligned_alloc(2 * HM_SLAB_SIZE, size);
		v[k + 2] = hm_malloc(100000);
		KUNIT_ASSERT_TRUE(test, v[k] && v[k + 1] && v[k + 2]);
		a = v[k + 1];
		for (i = k; i < k + 3; i += 2)
			if (v[i] - HM_LARGE_HDR == a + size)
				b = v[i];
		k += 3;
	}
	if (!b) {
		while (k)
			hm_free(v[--k]);
		kunit_skip(test, "no chunk placed after an aligned one's");
	}
	hm_free(b);				/* kept: free to the tool */
	KUNIT_EXPECT_EQ(test, hm_tool_free_bytes(b, n), (int)n);
	hm_free(a);
	KUNIT_EXPECT_EQ(test, hm_tool_free_bytes(b, n), (int)n);
	while (k--)
		if (v[k] != a && v[k] != b)
			hm_free(v[k]);
	hm_trim();
}

/* the poison check and fill at every size up to past the inline ones */
static void hm_user_poison_sizes(struct kunit *test)
{
	static unsigned char buf[8 + 300 + 1];
	unsigned char *b = buf + 8;
	bool ok = true;
	size_t n, at;

	for (n = 0; n <= 300; n++) {
		memset(buf, 0, sizeof(buf));
		hm_plat_mem_fill(b, HM_POISON_FREE, n);
		ok &= hm_plat_mem_is(b, HM_POISON_FREE, n);
		ok &= !buf[7];			/* nothing outside */
		for (at = n; at < sizeof(buf) - 8; at++)
			ok &= !b[at];
		for (at = 0; at < n; at++) {
			b[at] ^= 1;
			ok &= !hm_plat_mem_is(b, HM_POISON_FREE, n);
			b[at] ^= 1;
		}
	}
	KUNIT_EXPECT_TRUE(test, ok);
}

/*
 * The same for the hybrid debug route's copies per span: every size of
 * each span (hm_dbg_span_of() puts each size in one), every byte.
 */
static void hm_user_poison_spans(struct kunit *test)
{
	static unsigned char buf[8 + HM_PLAT_MEM_SPAN_MAX + 1];
	unsigned char *b = buf + 8;
	unsigned int i, spans = 0;
	bool ok = true;
	size_t n, at;

	for (n = 0; n <= HM_PLAT_MEM_SPAN_MAX + 8; n++) {
		u8 k = hm_dbg_span_of((u32)n);
		size_t span = HM_SPAN_BYTES(k);

		if (!k) {
			ok &= HM_MAG_LINK || n < 8 || n > HM_PLAT_MEM_SPAN_MAX;
			continue;
		}
		ok &= n <= span && (n > span / 2 || (span == 16 && n >= 8));
		spans |= 1U << k;
		memset(buf, 0, sizeof(buf));
		hm_plat_mem_fill_span(b, HM_POISON_FREE, n, span);
		ok &= hm_plat_mem_is_span(b, HM_POISON_FREE, n, span);
		ok &= !buf[7];
		for (at = n; at < sizeof(buf) - 8; at++)	/* nothing past the block */
			ok &= !b[at];
		for (at = 0; at < n; at++) {
			ok &= b[at] == HM_POISON_FREE;
			b[at] ^= 1;
			ok &= !hm_plat_mem_is_span(b, HM_POISON_FREE, n, span);
			b[at] ^= 1;
		}
	}
	KUNIT_EXPECT_TRUE(test, ok);
	/* every span has its sizes, unless the platform keeps no copies */
	for (i = 1; HM_SPAN_BYTES(i) <= HM_PLAT_MEM_SPAN_MAX; i++)
		KUNIT_EXPECT_TRUE_MSG(test, HM_MAG_LINK || (spans & (1U << i)), "span %u", i);
}

/* every switch off again, whatever failed (kunit_add_action_or_reset()) */
static void hm_user_debug_off(void *unused)
{
	hm_set_debug(NULL, "off");
}

/*
 * Writes after free into the block @p of @size bytes, at each checked
 * byte in turn (of cache @c), or at its first, middle and last (of
 * hm_malloc() of @size, @c NULL: the classes keep what is quarantined
 * for the rest of the run), each freed and allocated again: each is
 * reported once (*@want more) and the block is not handed out again.  A
 * free-list link's first byte only: the rest of it can point at another
 * listed block, which only a slab made after the switch tells
 * (diagnostics.rst, poison), and the classes served earlier cases.
 * Return: the block allocated last, live.
 */
static void *hm_user_uaf_rounds(struct kunit *test, struct hm_cache *c, void *p, size_t size,
				long *want)
{
	struct hm_cache *oc = c ? c : hm_class_cache(size);
	long *errors = hm_test_count_errors(test);
	size_t off, mid = HM_MAG_LINK + (size - HM_MAG_LINK) / 2;

	/* an intrusive magazine's link is no poison: not written */
	for (off = HM_MAG_LINK; off < size; off++) {
		unsigned long before = hm_error_count();

		if ((off && off < oc->link_bytes) ||
		    (!c && off != HM_MAG_LINK && off != mid && off != size - 1))
			continue;

		if (c)
			hm_cache_free(c, p);
		else
			hm_free(p);
		hm_test_poke(p, off, 0x42);
		p = hm_user_uaf_reuse(test, c, p, size, before, 1);
		(*want)++;
		if (*errors != *want) {
			KUNIT_EXPECT_TRUE_MSG(test, false, "size %zu offset %zu: %ld reports of %ld",
					      size, off, *errors, *want);
			break;
		}
	}
	return p;
}

/*
 * Writes after free caught by the hybrid debug route's copies per span:
 * hm_malloc()'s size classes (each the size of its span) and past them,
 * and at every byte, caches of every size of 8 to 264 bytes in steps of 8
 * (most of them inside their span, where the loads overlap), through
 * hm_cache_alloc() and hm_cache_free().  poison=1 alone: its route is the
 * copies' whether or not the TSC is calibrated (tracking's is not).  The
 * copies of the CPU's instruction set (hm_user_debug_isa(): make test-unit
 * runs it once more with HAKMEM_ISA=sse2).
 */
static void hm_user_malloc_poison_spans(struct kunit *test)
{
	long *errors = hm_test_count_errors(test);
	long want = 0;
	size_t n;

	kunit_info(test, "copies: %s", hm_user_debug_isa());
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hm_user_debug_off, NULL), 0);
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "poison=1"), 0);
	for (n = 8; n <= HM_PLAT_MEM_SPAN_MAX + 72; n += 8) {
		void *p = hm_malloc(n);

		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_free(hm_user_uaf_rounds(test, NULL, p, hm_malloc_usable_size(p), &want));
	}
	for (n = 8; n <= HM_PLAT_MEM_SPAN_MAX + 8; n += 8) {
		struct hm_cache *c = hm_cache_create("u-span", n, 0, HM_MODE_HYBRID, 0);
		void *p;

		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_EXPECT_EQ(test, c->size, (u32)n);
		p = hm_cache_alloc(c);
		KUNIT_ASSERT_NOT_NULL(test, p);
		hm_cache_free(c, hm_user_uaf_rounds(test, c, p, n, &want));
		KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
		/*
		 * the blocks written after free stay allocated, quarantined:
		 * reported, once a slab that holds some
		 */
		hm_test_tools_quiet(true);
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), n - HM_MAG_LINK);
		hm_test_tools_quiet(false);
		KUNIT_EXPECT_GE(test, *errors, want + (n > HM_MAG_LINK));
		want = *errors;
	}
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "off"), 0);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
}

/*
 * The switches flipped in a tight loop, per cache and globally (poison,
 * track, xowner, checks, off), while threads allocate in every mode and
 * free their own blocks and each other's (a slot exchange), threads come
 * and go, and each thread makes bad frees of its own blocks: a double
 * free, an interior pointer, a free to the wrong cache, a pointer not from
 * hakmem.  Each bad free is reported once and nothing else is (but
 * xowner's reports of the cross-thread frees), no live block is written by
 * anyone else, and with the threads done every count is exact: no live
 * object, no tracking record, nothing quarantined, hm_validate() clean,
 * each report counted.  Then poisoning goes on for good: a write after
 * free is caught in every cache, in the slabs of a thread that exited
 * while the switches flipped (adopted), and the block is kept out of use.
 */
#define HM_FLIP_CACHES	3
#define HM_FLIP_SLOTS	64
#define HM_FLIP_HELD	32
#define HM_FLIP_THREADS	3
#define HM_FLIP_UAF	8	/* writes after free per cache, at the end */
#define HM_FLIP_NOHM	((unsigned int)-1)	/* hm_malloc(), not a cache */

struct hm_flip {
	struct hm_cache *c[HM_FLIP_CACHES];
	unsigned long slot[HM_FLIP_SLOTS];	/* objects handed between threads */
	int stop, hold, held;
	unsigned long ops, flips, bad_ok, bad_wrong, xowner, false_reports, corrupt;
	unsigned long uaf_ok, uaf_wrong;
};

static const unsigned int hm_flip_size[HM_FLIP_CACHES] = { 24, 64, 200 };
static const enum hm_mode hm_flip_mode[HM_FLIP_CACHES] = {
	HM_MODE_BITMAP, HM_MODE_FREELIST, HM_MODE_HYBRID
};

/* the report a thread's bad free expects now, and how many it got */
static __thread const char *hm_flip_expect;
static __thread unsigned int hm_flip_got;

static void hm_flip_handler(const char *msg, void *arg)
{
	struct hm_flip *x = arg;

	if (hm_flip_expect && !strncmp(msg, hm_flip_expect, strlen(hm_flip_expect)))
		hm_flip_got++;
	else if (strstr(msg, "freed by another owner"))
		__atomic_add_fetch(&x->xowner, 1, __ATOMIC_RELAXED);
	else if (__atomic_add_fetch(&x->false_reports, 1, __ATOMIC_RELAXED) < 4)
		fprintf(stderr, "unexpected report: %s", msg);
}

static u64 hm_flip_rand(u64 *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* an object stamped with its address, its cache and its size, first and last word */
static unsigned long *hm_flip_new(struct hm_flip *x, u64 *r)
{
	unsigned int k = (unsigned int)(hm_flip_rand(r) % (HM_FLIP_CACHES + 1));
	size_t size = k < HM_FLIP_CACHES ? hm_flip_size[k] : 16 + hm_flip_rand(r) % 8 * 64;
	unsigned long *p = k < HM_FLIP_CACHES ? hm_cache_alloc(x->c[k]) : hm_malloc(size);

	if (!p) {
		__atomic_add_fetch(&x->corrupt, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	p[0] = (unsigned long)p;
	p[1] = (unsigned long)(k < HM_FLIP_CACHES ? k : HM_FLIP_NOHM) << 16 | size;
	if (size >= 24)
		p[size / 8 - 1] = ~(unsigned long)p;
	return p;
}

/* free @p, after checking that nobody wrote it while it was live */
static void hm_flip_free(struct hm_flip *x, unsigned long *p)
{
	unsigned int k = (unsigned int)(p[1] >> 16);
	size_t size = p[1] & 0xffff;

	if (p[0] != (unsigned long)p || (k != HM_FLIP_NOHM && k >= HM_FLIP_CACHES) ||
	    (size >= 24 && p[size / 8 - 1] != ~(unsigned long)p)) {
		__atomic_add_fetch(&x->corrupt, 1, __ATOMIC_RELAXED);
		return;		/* not freed: whose is it? */
	}
	p[0] = 0;
	if (k == HM_FLIP_NOHM)
		hm_free(p);
	else
		hm_cache_free(x->c[k], p);
}

/* @p freed into @c (NULL: hm_free()), where a report of @kind is due */
static void hm_flip_bad(struct hm_flip *x, const char *kind, struct hm_cache *c, void *p)
{
	hm_flip_expect = kind;
	hm_flip_got = 0;
	hm_test_tools_quiet(true);
	if (c)
		hm_cache_free(c, p);
	else
		hm_free(p);
	hm_test_tools_quiet(false);
	hm_flip_expect = NULL;
	if (hm_flip_got == 1)
		__atomic_add_fetch(&x->bad_ok, 1, __ATOMIC_RELAXED);
	else if (__atomic_add_fetch(&x->bad_wrong, 1, __ATOMIC_RELAXED) < 4)
		fprintf(stderr, "%s of %p: %u reports\n", kind, p, hm_flip_got);
}

static void hm_flip_bad_free(struct hm_flip *x, u64 *r)
{
	unsigned long *p = hm_flip_new(x, r);
	unsigned int k;
	long local;
	struct hm_cache *c;

	if (!p)
		return;
	k = (unsigned int)(p[1] >> 16);
	c = k == HM_FLIP_NOHM ? NULL : x->c[k];
	switch (hm_flip_rand(r) % 4) {
	case 0:
		hm_flip_bad(x, "interior pointer", c, (char *)p + 8);
		break;
	case 1:
		hm_flip_bad(x, "free to the wrong cache", x->c[(k + 1) % HM_FLIP_CACHES], p);
		break;
	case 2:
		hm_flip_bad(x, "pointer not from hakmem", c, &local);
		break;
	default:
		/*
		 * the freelist cache has checks on: double frees are caught in
		 * every cache.  Not in a free-list class (HAKMEM_MODE=freelist),
		 * whose checks the switcher turns off at times: there a double
		 * free would corrupt the lists, as in mimalloc (not made)
		 */
		if (!c && hm_class_cache(p[1] & 0xffff)->mode == HM_MODE_FREELIST) {
			hm_flip_bad(x, "interior pointer", c, (char *)p + 8);
			break;
		}
		hm_flip_free(x, p);
		hm_flip_bad(x, "double free", c, p);
		return;
	}
	hm_flip_free(x, p);
}

static void *hm_flip_worker(void *arg)
{
	struct hm_flip *x = arg;
	unsigned long *held[HM_FLIP_HELD] = { NULL };
	u64 r = (u64)(unsigned long)&r | 1;
	unsigned long ops;
	unsigned int i;

	/* a while, then exit: its contexts are adopted by the next thread */
	for (ops = 0; ops < 20000 && !__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE); ops++) {
		u64 v = hm_flip_rand(&r);

		i = (unsigned int)(v % HM_FLIP_HELD);
		if ((v >> 20) % 256 == 0) {
			hm_flip_bad_free(x, &r);
		} else if (!held[i]) {
			held[i] = hm_flip_new(x, &r);
		} else if ((v >> 8) % 4 == 0) {
			hm_flip_free(x, held[i]);
			held[i] = NULL;
		} else {
			/* to whichever thread takes the slot; free what was there */
			unsigned long *q = (unsigned long *)__atomic_exchange_n(
				&x->slot[(v >> 12) % HM_FLIP_SLOTS], (unsigned long)held[i],
				__ATOMIC_ACQ_REL);

			held[i] = NULL;
			if (q)
				hm_flip_free(x, q);
		}
	}
	for (i = 0; i < HM_FLIP_HELD; i++)
		if (held[i])
			hm_flip_free(x, held[i]);
	__atomic_add_fetch(&x->ops, ops, __ATOMIC_RELAXED);
	return NULL;
}

static void *hm_flip_switcher(void *arg)
{
	static const char *const sets[] = {
		"poison=1", "poison=0", "track=1", "track=0", "checks=1", "checks=0", "off",
		"poison=1 track=1", "xowner=1 track=1", "xowner=0", "all=1",
	};
	struct hm_flip *x = arg;
	u64 r = 0x2545f4914f6cdd1dULL;

	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		u64 v = hm_flip_rand(&r);
		struct hm_cache *c = NULL;

		if (__atomic_load_n(&x->hold, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&x->held, 1, __ATOMIC_RELEASE);
			usleep(100);
			continue;
		}
		/* a cache, a class or every one; a refusal (xowner left alone) is fine */
		if (v % 3 == 1)
			c = x->c[(v >> 8) % HM_FLIP_CACHES];
		else if (v % 3 == 2)
			c = hm_class_cache(16 + (v >> 8) % 8 * 64);
		hm_set_debug(c, sets[(v >> 16) % HM_ARRAY_SIZE(sets)]);
		x->flips++;
		if ((v >> 32) % 8 == 0)
			sched_yield();
	}
	return NULL;
}

/* a write after free in a block of @c: caught once, the block kept out of use */
static void hm_flip_uaf(struct hm_flip *x, struct hm_cache *c, void **v, unsigned int max)
{
	unsigned char *p = hm_cache_alloc(c);
	unsigned int n = 0;

	if (!p)
		return;
	hm_cache_free(c, p);
	hm_test_poke(p, c->size - 1, 0x42);	/* past any link word */
	hm_flip_expect = "BUG ";
	hm_flip_got = 0;
	/* the block comes back within a slab's allocations, in every mode */
	while (n < max && !hm_flip_got && (!n || v[n - 1] != p))
		v[n++] = hm_cache_alloc(c);
	hm_flip_expect = NULL;
	if (hm_flip_got == 1 && n && v[n - 1] != p)
		x->uaf_ok++;
	else
		x->uaf_wrong++;
	while (n--)
		hm_cache_free(c, v[n]);
}

static void *hm_flip_uaf_thread(void *arg)
{
	struct hm_flip *x = arg;
	unsigned int k, i, max = 4096;
	void **v = malloc(max * sizeof(*v));

	/* an exited worker's contexts and slabs: adopted here */
	for (k = 0; v && k < HM_FLIP_CACHES; k++)
		for (i = 0; i < HM_FLIP_UAF; i++)
			hm_flip_uaf(x, x->c[k], v, max);
	free(v);
	return NULL;
}

static void hm_user_switch_flip_under_load(struct kunit *test)
{
	struct hm_flip *x = calloc(1, sizeof(*x));
	unsigned long errs0, live0, ops_min = 60000, quarantined = 0;
	pthread_t sw, th[HM_FLIP_THREADS], uaf;
	struct hm_frag_info fi;
	struct timespec t0, t;
	unsigned int i, started = 0;
	long ns;

	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hm_user_debug_off, NULL), 0);
	for (i = 0; i < HM_FLIP_CACHES; i++) {
		x->c[i] = hm_cache_create("u-flip", hm_flip_size[i], 0, hm_flip_mode[i],
					  hm_flip_mode[i] == HM_MODE_FREELIST ? HM_CACHE_CHECKS : 0);
		KUNIT_ASSERT_NOT_NULL(test, x->c[i]);
	}
	hm_thread_flush();
	hm_frag_info(NULL, &fi);
	live0 = fi.live;
	errs0 = hm_error_count();
	hm_set_error_handler(hm_flip_handler, x);
	KUNIT_ASSERT_EQ(test, pthread_create(&sw, NULL, hm_flip_switcher, x), 0);
	for (i = 0; i < HM_FLIP_THREADS; i++, started++)
		KUNIT_ASSERT_EQ(test, pthread_create(&th[i], NULL, hm_flip_worker, x), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {	/* each thread's successor once it exits */
		for (i = 0; i < HM_FLIP_THREADS; i++, started++) {
			KUNIT_ASSERT_EQ(test, pthread_join(th[i], NULL), 0);
			KUNIT_ASSERT_EQ(test, pthread_create(&th[i], NULL, hm_flip_worker, x), 0);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		ns = (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec);
		/* 0.5 s and enough operations; 10 s at most (memcheck) */
	} while ((ns < 500000000L || __atomic_load_n(&x->ops, __ATOMIC_RELAXED) < ops_min) &&
		 ns < 10000000000L);
	__atomic_store_n(&x->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < HM_FLIP_THREADS; i++)
		KUNIT_ASSERT_EQ(test, pthread_join(th[i], NULL), 0);
	KUNIT_ASSERT_EQ(test, pthread_join(sw, NULL), 0);
	for (i = 0; i < HM_FLIP_SLOTS; i++)
		if (x->slot[i])
			hm_flip_free(x, (unsigned long *)x->slot[i]);
	kunit_info(test, "%u threads, %lu operations, %lu switches, %lu bad frees, %lu xowner reports",
		   started, x->ops, x->flips, x->bad_ok, x->xowner);
	KUNIT_EXPECT_EQ(test, x->false_reports, 0);
	KUNIT_EXPECT_EQ(test, x->bad_wrong, 0);
	KUNIT_EXPECT_EQ(test, x->corrupt, 0);
	KUNIT_EXPECT_GT(test, x->bad_ok, 0);
	KUNIT_EXPECT_EQ(test, hm_error_count() - errs0, x->bad_ok + x->xowner);

	/* quiet: every count exact, every record given back */
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "off"), 0);
	hm_thread_flush();
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
	hm_frag_info(NULL, &fi);
	KUNIT_EXPECT_EQ(test, fi.live, live0);
	for (i = 0; i < HM_FLIP_CACHES; i++) {
		hm_frag_info(x->c[i], &fi);
		KUNIT_EXPECT_EQ(test, fi.live, 0);
		KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->c[i]->quarantined), 0);
		if (hm_plat_read_can_sync())
			KUNIT_EXPECT_EQ(test, hm_atomic_read(&x->c[i]->track_bytes), 0);
	}

	/* poisoning on for good: every write after free caught */
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "poison=1"), 0);
	KUNIT_ASSERT_EQ(test, pthread_create(&uaf, NULL, hm_flip_uaf_thread, x), 0);
	KUNIT_ASSERT_EQ(test, pthread_join(uaf, NULL), 0);
	hm_set_error_handler(NULL, NULL);
	KUNIT_EXPECT_EQ(test, x->uaf_ok, HM_FLIP_CACHES * HM_FLIP_UAF);
	KUNIT_EXPECT_EQ(test, x->uaf_wrong, 0);
	KUNIT_EXPECT_EQ(test, x->false_reports, 0);
	KUNIT_ASSERT_EQ(test, hm_set_debug(NULL, "off"), 0);
	KUNIT_EXPECT_EQ(test, hm_validate(NULL), 0);
	hm_test_count_errors(test);	/* the destroys report the quarantined blocks */
	for (i = 0; i < HM_FLIP_CACHES; i++) {
		unsigned long q = hm_atomic_read(&x->c[i]->quarantined);

		quarantined += q;
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(x->c[i]), q);
	}
	KUNIT_EXPECT_EQ(test, quarantined, x->uaf_ok);
	free(x);
}

#define HM_TRIM_THREADS	4

struct hm_trim_arg {
	struct hm_cache *c;
	pthread_barrier_t *bar;
	unsigned int id, rounds;
	bool *stop;
	unsigned long bad;	/* blocks found with another's tag: handed out twice */
	unsigned long nulls;	/* allocations that failed: a trim must cause none */
	bool finished;		/* its rounds done (or stopped) */
	bool *quiet;		/* the main thread calls hm_trim() no more */
};

/*
 * Allocate three slabs' worth and free them all: the thread keeps its
 * active slab (and magazine) and one empty slab in reserve.  The idle
 * worker then waits on the barrier while the main thread trims.
 */
static void hm_trim_leave_reserve(struct hm_trim_arg *a)
{
	unsigned int n = 3 * a->c->nblocks, i;
	void **v = calloc(n, sizeof(*v));

	a->nulls += !v;
	for (i = 0; v && i < n; i++) {
		v[i] = hm_cache_alloc(a->c);
		a->nulls += !v[i];
	}
	for (i = 0; v && i < n; i++)
		hm_cache_free(a->c, v[i]);
	free(v);
}

static void *hm_trim_idle_worker(void *p)
{
	struct hm_trim_arg *a = p;

	hm_trim_leave_reserve(a);
	pthread_barrier_wait(a->bar);	/* all freed */
	pthread_barrier_wait(a->bar);	/* the main thread trimmed */
	return NULL;
}

/*
 * HM_TRIM_THREADS threads of @fn on @c, each with its @a, @rounds and
 * @stop; they and the caller meet at @bar (hm_trim_join() ends them)
 */
static void hm_trim_start(struct kunit *test, struct hm_trim_arg *a, pthread_t *t,
			  pthread_barrier_t *bar, struct hm_cache *c, void *(*fn)(void *),
			  unsigned int rounds, bool *stop)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, pthread_barrier_init(bar, NULL, HM_TRIM_THREADS + 1), 0);
	for (i = 0; i < HM_TRIM_THREADS; i++) {
		a[i] = (struct hm_trim_arg){ .c = c, .bar = bar, .id = i, .rounds = rounds,
					     .stop = stop };
		KUNIT_ASSERT_EQ(test, pthread_create(&t[i], NULL, fn, &a[i]), 0);
	}
}

/* the threads' last meeting at @bar: then they return, and are joined */
static void hm_trim_join(pthread_barrier_t *bar, pthread_t *t)
{
	unsigned int i;

	pthread_barrier_wait(bar);
	for (i = 0; i < HM_TRIM_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(bar);
}

/*
 * hm_trim() from one thread takes the empty reserve slab of every other
 * thread's context (hm_cache_trim_reserves()), the owners alive and idle:
 * before it, only the caller's own were given back and each idle thread
 * kept its reserve until it ran again.  What stays is each thread's
 * active slab and what its magazine pins, its fast paths' own.
 */
static void hm_user_trim_idle_threads(struct kunit *test)
{
	struct hm_trim_arg a[HM_TRIM_THREADS];
	pthread_t t[HM_TRIM_THREADS];
	pthread_barrier_t bar;
	unsigned long slabs, reserves;
	unsigned int m;

	for (m = 0; m < HM_ARRAY_SIZE(hm_test_modes); m++) {
		struct hm_cache *c = hm_cache_create("trim-idle", 256, 0, hm_test_modes[m], 0);

		KUNIT_ASSERT_NOT_NULL(test, c);
		hm_trim_start(test, a, t, &bar, c, hm_trim_idle_worker, 0, NULL);
		pthread_barrier_wait(&bar);
		reserves = hm_atomic_read(&c->nreserve);
		slabs = c->nslabs;
		/* each thread emptied two slabs: one is its reserve */
		KUNIT_EXPECT_TRUE_MSG(test, reserves == HM_TRIM_THREADS, "mode %s: %lu reserves",
				      hm_mode_name(hm_test_modes[m]), reserves);
		hm_trim();
		KUNIT_EXPECT_TRUE_MSG(test, !hm_atomic_read(&c->nreserve), "mode %s: %lu reserves",
				      hm_mode_name(hm_test_modes[m]), hm_atomic_read(&c->nreserve));
		/* the pool went too: what is left is the threads' active slabs */
		KUNIT_EXPECT_TRUE_MSG(test, c->nslabs <= slabs - reserves, "mode %s: %lu of %lu slabs",
				      hm_mode_name(hm_test_modes[m]), c->nslabs, slabs);
		KUNIT_EXPECT_EQ(test, c->npool, 0);
		KUNIT_EXPECT_EQ(test, hm_validate(c), 0);
		hm_trim_join(&bar, t);
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
	}
}

/*
 * Owners allocate a slab's worth and more, tag each block, check the tag
 * and free them all, round after round: their slow paths take the reserve
 * and put it back all the time, while the main thread trims.  Then, once
 * hm_trim() runs no more, each leaves a reserve for the trimmer to find.
 */
static void *hm_trim_busy_worker(void *p)
{
	struct hm_trim_arg *a = p;
	unsigned int n = a->c->nblocks + a->c->nblocks / 2 + a->id, i, r;
	unsigned long tag;
	void **v = calloc(n, sizeof(*v));

	a->nulls += !v;
	pthread_barrier_wait(a->bar);
	for (r = 0; v && r < a->rounds && !__atomic_load_n(a->stop, __ATOMIC_RELAXED); r++) {
		for (i = 0; i < n; i++) {
			v[i] = hm_cache_alloc(a->c);
			a->nulls += !v[i];
			if (v[i])
				memcpy((char *)v[i] + 16, &(unsigned long){ a->id + 1 }, sizeof(tag));
		}
		for (i = 0; i < n; i++) {
			if (!v[i])
				continue;
			memcpy(&tag, (char *)v[i] + 16, sizeof(tag));
			a->bad += tag != a->id + 1;
			hm_cache_free(a->c, v[i]);
		}
	}
	free(v);
	__atomic_store_n(&a->finished, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(a->quiet, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(a->stop, __ATOMIC_RELAXED))
		sched_yield();
	hm_trim_leave_reserve(a);
	pthread_barrier_wait(a->bar);	/* done: idle while checked */
	pthread_barrier_wait(a->bar);
	return NULL;
}

/* how many of the owners of @a have done their rounds? */
static unsigned int hm_trim_finished(const struct hm_trim_arg *a)
{
	unsigned int i, n = 0;

	for (i = 0; i < HM_TRIM_THREADS; i++)
		n += __atomic_load_n(&a[i].finished, __ATOMIC_ACQUIRE);
	return n;
}

/*
 * The concurrent case: owners at work, hm_trim() and the reserves' own
 * trim over and over from another thread.  No block is handed out twice
 * (tags), none lost: the stats and slabs add up (hm_validate()), every
 * allocation has its free, and the cache is destroyed without leaks.
 */
static void hm_user_trim_concurrent(struct kunit *test)
{
	struct hm_trim_arg a[HM_TRIM_THREADS];
	pthread_t t[HM_TRIM_THREADS];
	bool stop = false, quiet, memcheck = hm_user_on_valgrind();
	pthread_barrier_t bar;
	unsigned long taken, trims, released, n;
	unsigned int m, i, finished;
	u64 t0, now, last;

	for (m = 0; m < HM_ARRAY_SIZE(hm_test_modes); m++) {
		struct hm_cache *c = hm_cache_create("trim-busy", 64, 0, hm_test_modes[m], 0);
		struct hm_stats st;

		KUNIT_ASSERT_NOT_NULL(test, c);
		__atomic_store_n(&stop, false, __ATOMIC_RELAXED);
		quiet = false;
		hm_trim_start(test, a, t, &bar, c, hm_trim_busy_worker, 400, &stop);
		for (i = 0; i < HM_TRIM_THREADS; i++)
			a[i].quiet = &quiet;	/* read after the barrier */
		pthread_barrier_wait(&bar);
		/*
		 * The reserves taken from under the owners, which race for
		 * them, and hm_trim() every millisecond (which takes them
		 * too, uncounted) until one owner is done.  Then the owners
		 * leave a reserve each: at least one is taken here.  Not a
		 * count of trims: a starved trimmer could do them all before
		 * the owners' first reserve, or after their last.  20 s at
		 * most (a hm_trim() under memcheck can take seconds).
		 */
		taken = 0;
		t0 = last = hm_user_clock_ns();
		for (trims = 0;; trims++) {
			now = hm_user_clock_ns();
			finished = hm_trim_finished(a);
			if ((taken && finished == HM_TRIM_THREADS) || now - t0 > 20000000000ULL)
				break;
			if (!quiet && finished)
				__atomic_store_n(&quiet, true, __ATOMIC_RELEASE);
			if (!quiet && now - last >= 1000000) {
				hm_trim();
				last = now;
			}
			n = hm_cache_trim_reserves(c, &released);
			/* one a context at most, and released only what it took */
			KUNIT_EXPECT_LE(test, n, HM_TRIM_THREADS);
			KUNIT_EXPECT_LE(test, released, n);
			taken += n;
			if (memcheck)
				sched_yield();	/* memcheck runs one thread at a time */
		}
		__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
		pthread_barrier_wait(&bar);
		KUNIT_EXPECT_TRUE_MSG(test, taken > 0, "mode %s: no reserve taken in %lu trims",
				      hm_mode_name(hm_test_modes[m]), trims);
		kunit_info(test, "%s: %lu trims took %lu reserves", hm_mode_name(hm_test_modes[m]),
			   trims, taken);
		for (i = 0; i < HM_TRIM_THREADS; i++) {
			KUNIT_EXPECT_EQ(test, a[i].bad, 0);
			KUNIT_EXPECT_EQ(test, a[i].nulls, 0);
		}
		KUNIT_EXPECT_TRUE_MSG(test, hm_validate(c) == 0, "mode %s", hm_mode_name(hm_test_modes[m]));
		hm_cache_stats(c, &st);
		KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
		hm_trim_join(&bar, t);
		KUNIT_EXPECT_EQ(test, hm_cache_destroy(c), 0);
	}
}

static struct kunit_case hm_user_cases[] = {
	KUNIT_CASE(hm_user_bulk_sites),
	KUNIT_CASE(hm_user_poison_sizes),
	KUNIT_CASE(hm_user_poison_spans),
	KUNIT_CASE(hm_user_malloc_poison_spans),
	KUNIT_CASE(hm_user_tool_marks_links),
	KUNIT_CASE(hm_user_tool_large_aligned_free),
	KUNIT_CASE(hm_user_stamps_without_tsc),
	KUNIT_CASE(hm_user_tsc_start_no_wait),
	KUNIT_CASE(hm_user_tsc_mult_long_window),
	KUNIT_CASE(hm_user_thread_exit_flushes),
	KUNIT_CASE(hm_user_trim_after_exit),
	KUNIT_CASE(hm_user_first_use_in_destructor),
	KUNIT_CASE(hm_user_alloc_after_last_round),
	KUNIT_CASE(hm_user_reap_stale_tid),
	KUNIT_CASE(hm_user_fork_before_setup),
	KUNIT_CASE(hm_user_stale_copy),
	KUNIT_CASE(hm_user_stale_cache),
	KUNIT_CASE(hm_user_free_after_last_round),
	KUNIT_CASE(hm_user_env_numbers),
	KUNIT_CASE(hm_user_env_shown),
	KUNIT_CASE(hm_user_json_checks_on),
	KUNIT_CASE(hm_user_stats_bad_what),
	KUNIT_CASE(hm_user_contig_freelist),
	KUNIT_CASE(hm_user_env_switches),
	KUNIT_CASE(hm_user_env_isa),
	KUNIT_CASE(hm_user_free_out_of_range),
	KUNIT_CASE(hm_user_flatmap_committed),
	KUNIT_CASE(hm_user_flatmap_not_under_limit),
	KUNIT_CASE(hm_user_chunks_merge),
	KUNIT_CASE(hm_user_fork_rekeys),
	KUNIT_CASE(hm_user_fork_track_retire),
	KUNIT_CASE(hm_user_exit_adopt_no_walk),
	KUNIT_CASE(hm_user_free_keeps_errno),
	KUNIT_CASE(hm_user_free_keeps_errno_locked),
	KUNIT_CASE(hm_user_destroy_with_thread_slot),
	KUNIT_CASE(hm_user_destroy_refuses_non_caches),
	KUNIT_CASE(hm_user_stats_rows),
	KUNIT_CASE(hm_user_stats_rows_exited),
	KUNIT_CASE(hm_user_stats_rows_one_line),
	KUNIT_CASE(hm_user_stats_long_name),
	KUNIT_CASE(hm_user_malloc_info),
	KUNIT_CASE(hm_user_dump_reenter),
	KUNIT_CASE(hm_user_handler_outside_caches_lock),
	KUNIT_CASE(hm_user_handler_thread_exit),
	KUNIT_CASE(hm_user_set_debug),
	KUNIT_CASE(hm_user_bad_link_report),
	KUNIT_CASE(hm_user_handler_outside_bracket),
	KUNIT_CASE(hm_user_global_debug_new_caches),
	KUNIT_CASE(hm_user_sym_names),
	KUNIT_CASE(hm_user_xowner_needs_track),
	KUNIT_CASE(hm_user_abort_on_error),
	KUNIT_CASE(hm_user_json),
	KUNIT_CASE(hm_user_json_utf8),
	KUNIT_CASE(hm_user_json_where),
	KUNIT_CASE(hm_user_class_cache_medium),
	KUNIT_CASE(hm_user_debug_counts),
	KUNIT_CASE(hm_user_track_retire_no_memory),
	KUNIT_CASE(hm_user_track_retire_sync_fails),
	KUNIT_CASE(hm_user_track_on_release_race),
	KUNIT_CASE(hm_user_stale_free_vs_release),
	KUNIT_CASE(hm_user_bracket_balanced),
	KUNIT_CASE(hm_user_kept_chunk_key),
	KUNIT_CASE(hm_user_kept_chunk_calloc),
	KUNIT_CASE(hm_user_large_cycles_reuse),
	KUNIT_CASE(hm_user_large_varied_threads),
	KUNIT_CASE(hm_user_large_kept_decommitted),
	KUNIT_CASE(hm_user_large_kept_small_reuse),
	KUNIT_CASE(hm_user_large_slack_threads),
	KUNIT_CASE(hm_user_large_shrink_gives_back),
	KUNIT_CASE(hm_user_large_take_many_kept),
	KUNIT_CASE(hm_user_large_kept_locked),
	KUNIT_CASE(hm_user_kept_granule_locked),
	KUNIT_CASE(hm_user_large_kept_given_under_limit),
	KUNIT_CASE(hm_user_kept_granules_given_under_limit),
	KUNIT_CASE(hm_user_mallinfo),
	KUNIT_CASE(hm_user_mallinfo_room),
	KUNIT_CASE(hm_user_large_free_returns_memory),
	KUNIT_CASE(hm_user_attach_outside_bracket),
	KUNIT_CASE(hm_user_frag_runs),
	KUNIT_CASE(hm_user_frag_lets_waiter_in),
	KUNIT_CASE(hm_user_research_api),
	KUNIT_CASE(hm_user_null_args),
	KUNIT_CASE(hm_user_cache_refusals),
	KUNIT_CASE(hm_user_wrong_cache_free_race),
	KUNIT_CASE(hm_user_switch_flip_under_load),
	KUNIT_CASE(hm_user_learner_all_or_none),
	KUNIT_CASE(hm_user_free_without_context),
	KUNIT_CASE(hm_user_trim_idle_threads),
	KUNIT_CASE(hm_user_trim_concurrent),
	KUNIT_CASE(hm_user_adaptive_dumps),
	{}
};

struct kunit_suite hm_user_suite = {
	.name = "hakmem_user",
	.test_cases = hm_user_cases,
};
