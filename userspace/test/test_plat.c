// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_plat.c - the userspace half of the test platform (hm_test.h).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "hakmem.h"
#include "hm_debug.h"
#include "hm_mode.h"
#include "hm_test.h"
#include "hm_user.h"

struct hm_thread_arg {
	void (*fn)(void *arg, unsigned int i);
	void *arg;
	unsigned int i;
};

static void *hm_thread_main(void *p)
{
	struct hm_thread_arg *ta = p;

	ta->fn(ta->arg, ta->i);
	return NULL;
}

int hm_test_run_threads(unsigned int n, void (*fn)(void *arg, unsigned int i),
			void *arg)
{
	pthread_t *t = calloc(n, sizeof(*t));
	struct hm_thread_arg *ta = calloc(n, sizeof(*ta));
	unsigned int i, started = 0;
	int ret = 0;

	if (!t || !ta) {
		free(t);
		free(ta);
		return -1;
	}
	for (i = 0; i < n; i++) {
		ta[i] = (struct hm_thread_arg){ fn, arg, i };
		if (pthread_create(&t[i], NULL, hm_thread_main, &ta[i])) {
			ret = -1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	free(ta);
	return ret;
}

bool hm_test_retire_waits(void)
{
	return hm_plat_read_can_sync();
}

void hm_test_retire_barrier(void)
{
	hm_user_retire_poll(true);
}

void hm_test_ctx_enter(void)
{
}

void hm_test_ctx_exit(void)
{
}

void hm_test_relax(void)
{
	sched_yield();
}

void hm_test_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts))
		;
}

/* the clock itself, never the TSC that hm_plat_stamp() may read */
u64 hm_test_now_ns(void)
{
	return hm_user_clock_ns();
}

void *hm_test_malloc(size_t size)
{
	return hm_malloc(size);
}

void hm_test_free(void *p)
{
	hm_free(p);
}

size_t hm_test_usable_size(const void *p)
{
	return hm_malloc_usable_size(p);
}

void *hm_test_foreign_alloc(size_t size)
{
	return malloc(size);
}

void hm_test_foreign_free(void *p)
{
	free(p);
}

/* LeakSanitizer scans hakmem's chunks as roots (hm_lsan_root()): nothing to say */
void hm_test_leak_on_purpose(const void *p)
{
	(void)p;
}

bool hm_test_lock_free(hm_lock_t *l)
{
	if (pthread_mutex_trylock(l))
		return false;
	pthread_mutex_unlock(l);
	return true;
}

void hm_test_chunk_faults(unsigned long every)
{
	hm_user_chunk_faults(every);
}

void hm_test_meta_faults(unsigned long every)
{
	hm_user_meta_faults(every);
}

void hm_test_tools_quiet(bool quiet)
{
#ifdef HM_VALGRIND
	if (quiet)
		VALGRIND_DISABLE_ERROR_REPORTING;
	else
		VALGRIND_ENABLE_ERROR_REPORTING;
#else
	(void)quiet;
#endif
}

/* nothing gives kept memory back behind a case's back in userspace */
void hm_test_hold_reclaim(struct kunit *test)
{
	(void)test;
}

void hm_test_release_reclaim(struct kunit *test)
{
	(void)test;
}

void hm_test_poke(void *p, size_t off, unsigned char v)
{
	unsigned char *b = (unsigned char *)p + off;

	hm_plat_mark_alloc(b, 1);
	*(volatile unsigned char *)b = v;
	hm_plat_mark_free(b, 1);
}

unsigned char hm_test_peek(const void *p, size_t off)
{
	const unsigned char *b = (const unsigned char *)p + off;
	unsigned char v;

	hm_plat_mark_alloc((void *)b, 1);
	v = *(const volatile unsigned char *)b;
	hm_plat_mark_free((void *)b, 1);
	return v;
}

struct hm_test_sw {
	struct hm_cache *c;
	unsigned int debug;
};

static void hm_test_sw_restore(void *p)
{
	struct hm_test_sw *sw = p;

	hm_cache_set_debug(sw->c, sw->debug, HM_GFP_DEFAULT);
}

/*
 * A case that makes a bad free on the free-list cache @c (a built-in
 * class when HAKMEM_MODE=freelist) and expects it refused and reported
 * needs the checks there (Documentation/diagnostics.rst: without them it
 * corrupts the lists, as in mimalloc).  Turns them on, for @c only and
 * only in freelist mode, until the case ends, whatever fails; the other
 * modes run the case as they always did.
 */
void hm_test_checks_for(struct kunit *test, struct hm_cache *c)
{
	struct hm_test_sw *sw;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (c->mode != HM_MODE_FREELIST)
		return;
	sw = kunit_kzalloc(test, sizeof(*sw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sw);
	sw->c = c;
	sw->debug = HM_READ_ONCE(c->debug);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hm_test_sw_restore, sw), 0);
	KUNIT_ASSERT_EQ(test, hm_cache_set_debug(c, sw->debug | HM_DBG_CHECKS, HM_GFP_DEFAULT),
			0);
}

/*
 * hm_malloc(@size), a block whose double free, remote or local, and whose
 * liveness its slab tells exactly in every mode: in freelist mode, with
 * the class's checks on (hm_test_checks_for()), from a slab built since
 * (slabs older than the switch cannot tell: they are allocated from, and
 * those blocks freed again, until one built since hands a block out).
 */
void *hm_test_malloc_checked(struct kunit *test, size_t size)
{
	struct hm_cache *c = hm_class_cache(size);
	unsigned int n = 0, max;
	void **held, *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (c->mode != HM_MODE_FREELIST)
		return hm_malloc(size);
	hm_test_checks_for(test, c);
	max = 64 * c->nblocks;
	held = kunit_kmalloc_array(test, max, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	for (;;) {
		p = hm_malloc(size);
		KUNIT_ASSERT_NOT_NULL(test, p);
		if (hm_fl_state(c, hm_ptr_slab(p)))
			break;
		KUNIT_ASSERT_LT(test, n, max);
		held[n++] = p;
	}
	while (n)
		hm_free(held[--n]);
	return p;
}
