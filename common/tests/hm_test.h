/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_test.h - what the shared test cases need beyond KUnit itself.
 *
 * The cases are written against the KUnit API.  The adapter's
 * "hm_plat_test.h" provides it: <kunit/test.h> in the kernel, a
 * compatible subset in userspace.  The hm_test_* functions below are the
 * test half of the platform contract, implemented once per adapter.
 */
#ifndef HM_TEST_H
#define HM_TEST_H

#include "hm_plat_test.h"
#include "hm_cache.h"
#include "hm_validate.h"
#include "hm_report.h"

/*
 * Run fn(arg, i) for i = 0..n-1 at the same time, each in its own thread
 * (userspace) or kthread on CPU i % online CPUs (kernel); wait for all.
 * Return: 0, or -1 when the threads could not be started.
 */
int hm_test_run_threads(unsigned int n, void (*fn)(void *arg, unsigned int i),
			void *arg);

/*
 * Around an operation of a context, what an adapter holds around it: the
 * kernel's local_lock keeps preemption off, an RCU read side
 * (hm_plat_read_ctx_begin()); nothing in userspace.
 */
void hm_test_ctx_enter(void);
void hm_test_ctx_exit(void);

/*
 * Released slabs and large chunks wait for the readers (hm_plat_retire()):
 * does the platform wait (kernel: always; userspace: with membarrier()),
 * and wait until everything released so far is given back (rcu_barrier()
 * / hm_user_retire_poll()).
 */
bool hm_test_retire_waits(void);
void hm_test_retire_barrier(void);

/* Let other threads run while spinning (cond_resched / sched_yield). */
void hm_test_relax(void);

/* Sleep at least @ms milliseconds (msleep / nanosleep). */
void hm_test_sleep_ms(unsigned int ms);

/*
 * A monotonic clock in nanoseconds whose readings around an event bracket
 * the event's hm_plat_stamp(): the stamps' own clock in nanoseconds where
 * it moves by whole ticks (kernel: jiffies), a clock independent of the
 * stamps where they are finer ticks (userspace: CLOCK_MONOTONIC, never the
 * TSC); either way the conversion of stamps to nanoseconds is what a test
 * checks.
 */
u64 hm_test_now_ns(void);

/* The adapter's kmalloc-like API over the built-in classes. */
void *hm_test_malloc(size_t size);
void hm_test_free(void *p);
/*
 * hm_test_malloc() asked again, up to 10 times 20 ms apart: a large
 * object's chunk of a high order that a guest short of memory may lack
 * for a while (reclaim may find it).  NULL after 200 ms.
 */
void *hm_test_malloc_retry(size_t size);
/* ... and its usable size (kernel: hakmem_ksize(), userspace: hm_malloc_usable_size()) */
size_t hm_test_usable_size(const void *p);

/* Memory hakmem never handed out, and its release. */
void *hm_test_foreign_alloc(size_t size);
void hm_test_foreign_free(void *p);

/*
 * @p, an object a test leaves live on purpose (in a destroyed cache): not
 * to be reported by the platform's leak detector (kernel: kmemleak).
 */
void hm_test_leak_on_purpose(const void *p);

/* Write @v at @p + @off even though @p is free (sanitizers look away). */
void hm_test_poke(void *p, size_t off, unsigned char v);

/* Read the byte at @p + @off even though @p is free. */
unsigned char hm_test_peek(const void *p, size_t off);

/*
 * A bug a test makes on purpose, which the memory tools would rightly
 * report (memcheck: a free of a freed block; KASAN: an access to a free
 * block), runs between
 * hm_test_tools_quiet(true) and (false).
 */
void hm_test_tools_quiet(bool quiet);

/*
 * No reclaim gives back what hakmem keeps for reuse (the large chunks
 * kept, the reserves) until the case ends: the kernel's shrinker is held
 * off (hakmem_shrink_hold()), as reclaim in a guest short of memory can
 * run it between a case's steps.  Nothing does so in userspace.
 */
void hm_test_hold_reclaim(struct kunit *test);
/* ... or until now: the hold of hm_test_hold_reclaim() dropped */
void hm_test_release_reclaim(struct kunit *test);

/*
 * Is @l free?  Takes and releases it if nobody holds it; never waits
 * (spin_trylock_irqsave / pthread_mutex_trylock).
 */
bool hm_test_lock_free(hm_lock_t *l);

/* Make every @every-th request for a chunk fail, counted from now (0: none fail). */
void hm_test_chunk_faults(unsigned long every);
/*
 * ... and for metadata (hm_plat_meta_alloc(): contexts, learners, records),
 * of the calling thread or task only.
 */
void hm_test_meta_faults(unsigned long every);

/*
 * Count refused operations instead of reporting them, until the case
 * ends (kernel: a named KUnit resource "hakmem_errors").
 */
long *hm_test_count_errors(struct kunit *test);

/*
 * The report log: the sequence number of the last report (0: none), and
 * the one report made since @seq, copied to @out; the case fails when
 * there was not exactly one.
 */
unsigned long hm_test_report_seq(struct kunit *test);
bool hm_test_report_since(struct kunit *test, unsigned long seq, struct hm_err_entry *out);
/*
 * That one report is of kind @e, pointer @p, in cache @c (the one the
 * caller named; NULL: none, "-"), slab @slab, from call site @ip; copied
 * to @out (NULL: not) for more checks.  False when there was none.
 */
bool hm_test_expect_report(struct kunit *test, unsigned long seq, enum hm_error e,
			   const void *p, const struct hm_cache *c, const void *slab,
			   unsigned long ip, struct hm_err_entry *out);
/* hm_test_free() of @p, refused: one report of kind @e, in no slab */
void hm_test_free_refused(struct kunit *test, void *p, enum hm_error e);

/* Test caches and contexts, destroyed/abandoned by the helpers below. */
struct hm_cache *hm_test_cache(struct kunit *test, unsigned int size,
			       unsigned int align, enum hm_mode mode);
struct hm_cache *hm_test_cache_flags(struct kunit *test, unsigned int size,
				     unsigned int align, enum hm_mode mode,
				     unsigned int flags);
struct hm_cache *hm_test_cache_named(struct kunit *test, const char *name,
				     unsigned int size, unsigned int align,
				     enum hm_mode mode, unsigned int flags);
struct hm_cctx *hm_test_cctx(struct kunit *test, struct hm_cache *c);

/* hm_stats_print()'s table in @text: 0 when in line, else the first row out of it */
int hm_test_table_misaligned(const char *text);
/* rows under no header (a name, then columns): 0 when in line, else the first row out of it */
int hm_test_rows_misaligned(const char *text);

/* the flags that make a @mode cache know each block's state: free-list checks */
static inline unsigned int hm_test_exact_flags(enum hm_mode mode)
{
	return mode == HM_MODE_FREELIST ? HM_CACHE_CHECKS : 0;
}

/* one context allocating through the core the way an adapter does */
void *hm_test_alloc(struct hm_cctx *cc);
void *hm_test_alloc_ip(struct hm_cctx *cc, unsigned long ip);
void hm_test_free_in(struct hm_cctx *cc, void *p);
void hm_test_free_in_ip(struct hm_cctx *cc, void *p, unsigned long ip);

static inline u32 hm_test_rand(u32 *state)
{
	u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* the modes, as a KUnit parameter */
extern const enum hm_mode hm_test_modes[HM_MODE_NR];
void hm_test_mode_desc(const enum hm_mode *m, char *desc);
/* the mode of a case run with one of them (KUNIT_ARRAY_PARAM of each file) */
#define MODE(test)	(*(const enum hm_mode *)(test)->param_value)

/*
 * libhakmem's nine medium malloc classes past HM_MAX_OBJ_SIZE as they are:
 * size, alignment, blocks a slab (in every mode).  Pinned here, checked
 * against the core's geometry (hakmem_sizeclass) and against what
 * userspace derives from its one list of sizes (hm_posix_medium_classes).
 */
#define HM_TEST_MEDIUM	9
extern const struct hm_test_medium {
	unsigned int size, align, n;
} hm_test_medium[HM_TEST_MEDIUM];

#define HM_EXPECT_VALID(test, c)	KUNIT_EXPECT_EQ(test, hm_cache_validate(c, NULL), 0)

extern struct kunit_suite hm_sizeclass_suite;
extern struct kunit_suite hm_slab_suite;
extern struct kunit_suite hm_cache_suite;
extern struct kunit_suite hm_remote_suite;
extern struct kunit_suite hm_api_suite;
extern struct kunit_suite hm_debug_suite;
extern struct kunit_suite hm_fit_suite;
extern struct kunit_suite hm_learn_suite;
extern struct kunit_suite hm_adapt_suite;
extern struct kunit_suite hm_links_suite;
extern struct kunit_suite hm_frag_suite;

#define HM_TEST_SUITES	&hm_sizeclass_suite, &hm_slab_suite, &hm_cache_suite, \
			&hm_remote_suite, &hm_api_suite, &hm_debug_suite, \
			&hm_fit_suite, &hm_learn_suite, &hm_adapt_suite, \
			&hm_links_suite, &hm_frag_suite

#endif /* HM_TEST_H */
