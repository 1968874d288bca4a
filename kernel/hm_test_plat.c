// SPDX-License-Identifier: GPL-2.0
/*
 * hm_test_plat.c - the kernel half of the test platform (common/tests/
 * hm_test.h) for hakmem_slab_test.ko.
 */
#define pr_fmt(fmt) "hakmem_test: " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "hm_test.h"
#include "hakmem_internal.h"

struct hm_test_thread {
	void (*fn)(void *arg, unsigned int i);
	void *arg;
	unsigned int i;
	struct task_struct *task;
	struct completion done;
	struct kunit *test;	/* the case: its errors counted, not printed */
};

static int hm_test_thread_fn(void *data)
{
	struct hm_test_thread *t = data;

	current->kunit_test = t->test;
	t->fn(t->arg, t->i);
	current->kunit_test = NULL;
	complete(&t->done);
	return 0;
}

/**
 * hm_test_run_threads() - run @fn(@arg, i) in @n kthreads at once
 * @n: number of threads; thread i is bound to the (i mod N)-th online CPU
 * @fn: the work
 * @arg: its argument
 *
 * All threads are created before any is woken, so they start together.
 *
 * Return: 0 after all finished, or -1 when they could not be created.
 */
int hm_test_run_threads(unsigned int n, void (*fn)(void *arg, unsigned int i),
			void *arg)
{
	struct hm_test_thread *t = kcalloc(n, sizeof(*t), GFP_KERNEL);
	unsigned int i, cpu = nr_cpu_ids;

	if (!t)
		return -1;
	for (i = 0; i < n; i++) {
		t[i] = (struct hm_test_thread){ .fn = fn, .arg = arg, .i = i,
						.test = current->kunit_test };
		init_completion(&t[i].done);
		t[i].task = kthread_create(hm_test_thread_fn, &t[i], "hm_test/%u", i);
		if (IS_ERR(t[i].task)) {
			/* never woken: kthread_stop() makes them exit unrun */
			while (i--)
				kthread_stop(t[i].task);
			kfree(t);
			return -1;
		}
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		kthread_bind(t[i].task, cpu);
	}
	for (i = 0; i < n; i++)
		wake_up_process(t[i].task);
	for (i = 0; i < n; i++)
		wait_for_completion(&t[i].done);
	kfree(t);
	return 0;
}

bool hm_test_retire_waits(void)
{
	return true;
}

void hm_test_retire_barrier(void)
{
	rcu_barrier();
}

/* as local_lock() without PREEMPT_RT: preemption off, an RCU read side */
void hm_test_ctx_enter(void)
{
	preempt_disable();
}

void hm_test_ctx_exit(void)
{
	preempt_enable();
}

void hm_test_relax(void)
{
	cond_resched();
}

void hm_test_sleep_ms(unsigned int ms)
{
	msleep(ms);
}

/*
 * The stamps' own clock, jiffies in nanoseconds: it moves only with the
 * tick, so it lags ktime_get_ns() by up to a tick plus the tick's
 * lateness (a loaded QEMU or UML host delays the tick interrupt by
 * milliseconds).  Read around an event, it brackets the event's stamp
 * exactly, whatever that lag.
 */
u64 hm_test_now_ns(void)
{
	return jiffies64_to_nsecs(get_jiffies_64());
}

/*
 * The cases check every NULL themselves, and some (hm_lrace_thread())
 * take one as their end: the page allocator's warning of a failed
 * high-order chunk, a splat on the console, would fail the run for it.
 */
void *hm_test_malloc(size_t size)
{
	return hakmem_alloc(size, GFP_KERNEL | __GFP_NOWARN);
}

void hm_test_free(void *p)
{
	hakmem_free(p);
}

size_t hm_test_usable_size(const void *p)
{
	return hakmem_ksize(p);
}

/*
 * kmalloc()'s, but none at the address of a large object whose chunk went
 * back lately (hm_large_was_gone(): its free would be that one's double
 * free), which a page given back and taken by the slab allocator can be
 */
void *hm_test_foreign_alloc(size_t size)
{
	void *tried[8], *p;
	unsigned int n = 0;

	for (;;) {
		p = kmalloc(size, GFP_KERNEL);
		if (!p || !hm_large_was_gone(p) || n == ARRAY_SIZE(tried))
			break;
		tried[n++] = p;
	}
	while (n)
		kfree(tried[--n]);
	return p;
}

void hm_test_foreign_free(void *p)
{
	kfree(p);
}

/* hakmem's objects are kmemleak objects (hm_plat_obj_alloc()) */
void hm_test_leak_on_purpose(const void *p)
{
	kmemleak_not_leak(p);
}

/*
 * KASAN (HM_PLAT_KASAN: free blocks poisoned, see hm_plat.h): a bug made
 * on purpose in between is not reported, as memcheck's in userspace
 * (kasan_disable_current(): this task's reports only).  Elsewhere the
 * calls are empty.
 */
void hm_test_tools_quiet(bool quiet)
{
	if (quiet)
		kasan_disable_current();
	else
		kasan_enable_current();
}

static void hm_test_reclaim_release(void *unused)
{
	hakmem_shrink_hold(false);
}

void hm_test_hold_reclaim(struct kunit *test)
{
	hakmem_shrink_hold(true);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hm_test_reclaim_release, NULL), 0);
}

void hm_test_release_reclaim(struct kunit *test)
{
	kunit_release_action(test, hm_test_reclaim_release, NULL);
}

/* a byte of a block, free or live, unchecked: KASAN's shadow left as it is */
static __no_kasan_or_inline void hm_test_poke_byte(unsigned char *b, unsigned char v)
{
	WRITE_ONCE(*b, v);
}

static __no_kasan_or_inline unsigned char hm_test_peek_byte(const unsigned char *b)
{
	return READ_ONCE(*b);
}

void hm_test_poke(void *p, size_t off, unsigned char v)
{
	hm_test_poke_byte((unsigned char *)p + off, v);
}

unsigned char hm_test_peek(const void *p, size_t off)
{
	return hm_test_peek_byte((const unsigned char *)p + off);
}

/*
 * SMP: a trylock, irqs off as the core's holders have them.  UP: nobody
 * but us can hold it, and a failed trylock is reported as a bug: ask
 * lockdep (UP without lockdep has no lock state to ask).
 */
bool hm_test_lock_free(hm_lock_t *l)
{
	unsigned long flags;

	if (!IS_ENABLED(CONFIG_SMP)) {
#ifdef CONFIG_DEBUG_LOCK_ALLOC
		return !lockdep_is_held(l);
#else
		return true;
#endif
	}
	local_irq_save(flags);
	if (!spin_trylock(l)) {
		local_irq_restore(flags);
		return false;
	}
	spin_unlock_irqrestore(l, flags);
	return true;
}

void hm_test_chunk_faults(unsigned long every)
{
	hakmem_chunk_faults(every);
}

void hm_test_meta_faults(unsigned long every)
{
	hakmem_meta_faults(every);
}

struct hm_test_errors {
	struct kunit_resource res;
	long count;
};

/**
 * hm_test_count_errors() - count refused operations until the case ends
 * @test: the running case
 *
 * Adds the named resource "hakmem_errors" that hm_plat_error_hook() looks
 * for (the slub_kunit "slab_errors" pattern).  The resource lives in
 * kunit_kzalloc() memory added before it, so KUnit's cleanup (reverse
 * order) removes the resource first and frees its memory after.
 *
 * Return: the counter.
 */
long *hm_test_count_errors(struct kunit *test)
{
	struct kunit_resource *found;
	struct hm_test_errors *e;
	long *count;

	found = kunit_find_named_resource(test, "hakmem_errors");
	if (found) {
		count = found->data;
		kunit_put_resource(found);
		return count;
	}
	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_ASSERT_EQ(test, kunit_add_named_resource(test, NULL, NULL, &e->res,
						       "hakmem_errors", &e->count), 0);
	return &e->count;
}

/* the shared suites; the kernel adapter's own are in hakmem_kunit.c */
kunit_test_suites(HM_TEST_SUITES);
