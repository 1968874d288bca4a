// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_client.c - an example client of hakmem_slab.ko, used by the VM
 * smoke scenario (kernel/scenarios/smoke.sh).
 *
 * At load it creates one cache per slab design and runs a workload on
 * every online CPU: each CPU allocates a batch from each cache and from
 * the built-in classes (every other one of those grown by
 * hakmem_realloc()), and the next CPU frees it (cross-CPU frees; one
 * object in four with hakmem_free_rcu()).  It
 * keeps @keep objects of each cache allocated until it is unloaded, so the
 * debugfs files show live objects, and hakmem_slab cannot be unloaded
 * while this module holds references to its symbols.
 *
 * /sys/kernel/debug/hakmem/client runs the workload again: writing N (1 to
 * 100) runs N more rounds, -EIO if an allocation failed or an object was
 * found changed, -EINVAL for anything else; reading prints the totals of
 * those runs.  The smoke scenario uses it to allocate with debug switches
 * turned on after the load.
 */
#define pr_fmt(fmt) "hakmem_client: " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "hakmem_cmd.h"
#include "hakmem_slab.h"

static unsigned int rounds = 8;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "workload rounds over all CPUs (default 8)");

static unsigned int batch = 2000;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "objects per cache a CPU allocates in a round (default 2000)");

static unsigned int keep = 100;
module_param(keep, uint, 0444);
MODULE_PARM_DESC(keep, "objects per cache kept allocated until unload (default 100)");

static unsigned int bench;
module_param(bench, uint, 0444);
MODULE_PARM_DESC(bench, "if set, time this many alloc+free pairs per cache against kmem_cache (default 0)");

#define HC_CACHES	3
#define HC_MAX_BATCH	100000
#define HC_MAX_ROUNDS	100	/* a write to the client file */
#define HC_CMD_MAX	16

static const struct {
	const char *name;
	unsigned int size;
	unsigned int flags;
} hc_defs[HC_CACHES] = {
	{ "client-bitmap", 24, HAKMEM_MODE_BITMAP },
	{ "client-freelist", 72, HAKMEM_MODE_FREELIST | HAKMEM_CHECKS },
	{ "client-hybrid", 200, HAKMEM_MODE_HYBRID },
};

static struct hakmem_cache *hc_caches[HC_CACHES];
static void **hc_kept[HC_CACHES];

/* the client file and the totals of the runs written to it */
static struct dentry *hc_file;
static DEFINE_MUTEX(hc_mutex);
static unsigned int hc_file_rounds;
static unsigned long hc_file_fails, hc_file_corrupt;

struct hc_batch {
	void **obj[HC_CACHES];
	void **kobj;		/* hakmem_alloc() objects */
	unsigned int n;
	unsigned long fails;
	unsigned long corrupt;
};

static size_t hc_ksize(unsigned int i)
{
	return 1 + (i * 37) % 1500;	/* classes and a few large objects */
}

/*
 * A hakmem_alloc() object of @size bytes of @c: every other one grown to
 * its size by hakmem_realloc() from half of it, whose bytes it keeps.
 */
static void *hc_kalloc(size_t size, int c)
{
	size_t half = size / 2 + 1;
	void *p, *q;

	if (size < 2 || (size & 2))
		half = size;
	p = hakmem_alloc(half, GFP_KERNEL);
	if (!p)
		return NULL;
	memset(p, c, half);
	if (half == size)
		return p;
	q = hakmem_realloc(p, size, GFP_KERNEL);
	if (!q) {
		hakmem_free(p);
		return NULL;
	}
	memset((char *)q + half, c, size - half);
	return q;
}

static long hc_alloc_batch(void *arg)
{
	struct hc_batch *b = arg;
	unsigned int c, i;

	for (i = 0; i < b->n; i++) {
		for (c = 0; c < HC_CACHES; c++) {
			b->obj[c][i] = hakmem_cache_alloc(hc_caches[c], GFP_KERNEL);
			if (!b->obj[c][i])
				b->fails++;
			else
				memset(b->obj[c][i], (int)(i & 0xff), hc_defs[c].size);
		}
		b->kobj[i] = hc_kalloc(hc_ksize(i), (int)(i & 0xff));
		if (!b->kobj[i])
			b->fails++;
	}
	return 0;
}

static long hc_free_batch(void *arg)
{
	struct hc_batch *b = arg;
	unsigned int c, i;

	for (i = 0; i < b->n; i++) {
		for (c = 0; c < HC_CACHES; c++) {
			unsigned char *p = b->obj[c][i];

			if (p && (p[0] != (i & 0xff) || p[hc_defs[c].size - 1] != (i & 0xff)))
				b->corrupt++;
			/* one in four after a grace period, the rcu_head at its start */
			if (p && i % 4 == 0)
				hakmem_free_rcu(p, (struct rcu_head *)p);
			else
				hakmem_cache_free(hc_caches[c], p);
		}
		if (b->kobj[i] && memchr_inv(b->kobj[i], (int)(i & 0xff), hc_ksize(i)))
			b->corrupt++;
		if (b->kobj[i] && i % 4 == 1 && hc_ksize(i) >= sizeof(struct rcu_head))
			hakmem_free_rcu(b->kobj[i], (struct rcu_head *)b->kobj[i]);
		else
			hakmem_free(b->kobj[i]);
	}
	return 0;
}

/* ns per alloc+free pair of a hakmem cache and of a kmem_cache of that size */
static long hc_bench(void *arg)
{
	/* calls into other modules: nothing here can be optimised away */
	unsigned int c, i;
	void *sink;

	for (c = 0; c < HC_CACHES; c++) {
		struct kmem_cache *kc = kmem_cache_create("hc_bench", hc_defs[c].size, 0, 0, NULL);
		u64 t0, t1, t2;

		if (!kc)
			return -ENOMEM;
		for (i = 0; i < 1000; i++) {	/* warm both up */
			sink = hakmem_cache_alloc(hc_caches[c], GFP_KERNEL);
			hakmem_cache_free(hc_caches[c], sink);
			sink = kmem_cache_alloc(kc, GFP_KERNEL);
			kmem_cache_free(kc, sink);
		}
		t0 = ktime_get_ns();
		for (i = 0; i < bench; i++) {
			sink = hakmem_cache_alloc(hc_caches[c], GFP_KERNEL);
			hakmem_cache_free(hc_caches[c], sink);
		}
		t1 = ktime_get_ns();
		for (i = 0; i < bench; i++) {
			sink = kmem_cache_alloc(kc, GFP_KERNEL);
			kmem_cache_free(kc, sink);
		}
		t2 = ktime_get_ns();
		kmem_cache_destroy(kc);
		pr_info("bench %s (%u B): hakmem %llu ns/pair, kmem_cache %llu ns/pair (%u pairs)\n",
			hc_defs[c].name, hc_defs[c].size, div_u64(t1 - t0, bench),
			div_u64(t2 - t1, bench), bench);
	}
	return 0;
}

/*
 * @nr rounds over the online CPUs: each allocates a batch from every cache
 * and from the classes, the next CPU checks and frees it.  Adds to @fails
 * and @corrupt.  Return: 0, or -ENOMEM for the batch arrays.
 */
static int hc_workload(unsigned int nr, unsigned long *fails, unsigned long *corrupt)
{
	struct hc_batch b = { .n = min(batch, HC_MAX_BATCH) };
	unsigned int c, r, cpu, next;
	int ret = -ENOMEM;

	for (c = 0; c < HC_CACHES; c++) {
		b.obj[c] = kvcalloc(b.n, sizeof(void *), GFP_KERNEL);
		if (!b.obj[c])
			goto out;
	}
	b.kobj = kvcalloc(b.n, sizeof(void *), GFP_KERNEL);
	if (!b.kobj)
		goto out;
	for (r = 0; r < nr; r++) {
		for_each_online_cpu(cpu) {
			next = cpumask_next(cpu, cpu_online_mask);
			if (next >= nr_cpu_ids)
				next = cpumask_first(cpu_online_mask);
			work_on_cpu(cpu, hc_alloc_batch, &b);
			work_on_cpu(next, hc_free_batch, &b);
		}
	}
	/* the frees hakmem_free_rcu() deferred are done before anyone counts */
	rcu_barrier();
	*fails += b.fails;
	*corrupt += b.corrupt;
	ret = 0;
out:
	for (c = 0; c < HC_CACHES; c++)
		kvfree(b.obj[c]);
	kvfree(b.kobj);
	return ret;
}

/* N rounds written to the client file */
static int hc_file_cmd(char *text)
{
	unsigned long fails = 0, corrupt = 0;
	unsigned int nr;
	int ret;

	if (hakmem_cmd_uint(text, &nr) || !nr || nr > HC_MAX_ROUNDS)
		return -EINVAL;
	ret = mutex_lock_interruptible(&hc_mutex);
	if (ret)
		return ret;
	ret = hc_workload(nr, &fails, &corrupt);
	if (!ret) {
		hc_file_rounds += nr;
		hc_file_fails += fails;
		hc_file_corrupt += corrupt;
		if (fails || corrupt)
			ret = -EIO;
	}
	mutex_unlock(&hc_mutex);
	return ret;
}

static int hc_file_show(struct seq_file *m, void *v)
{
	int ret = mutex_lock_interruptible(&hc_mutex);

	if (ret)
		return ret;
	seq_printf(m, "%u rounds run by writes, %lu failures, %lu corrupt\n",
		   hc_file_rounds, hc_file_fails, hc_file_corrupt);
	mutex_unlock(&hc_mutex);
	return 0;
}

/* PAGE_SIZE: what seq_read() gives a single_open() file on its first read */
DEFINE_HAKMEM_CMD_FOPS(hc_file, HC_CMD_MAX, PAGE_SIZE);

static void hc_cleanup(void)
{
	unsigned int c, i;

	for (c = 0; c < HC_CACHES; c++) {
		if (hc_kept[c]) {
			for (i = 0; i < keep; i++)
				hakmem_cache_free(hc_caches[c], hc_kept[c][i]);
			kvfree(hc_kept[c]);
			hc_kept[c] = NULL;
		}
		if (hc_caches[c] && hakmem_cache_destroy(hc_caches[c]))
			pr_err("%s: objects left at destroy\n", hc_defs[c].name);
		hc_caches[c] = NULL;
	}
}

static int __init hc_init(void)
{
	unsigned int c, i, cpus = num_online_cpus();
	unsigned long fails = 0, corrupt = 0;
	int ret = -ENOMEM;

	for (c = 0; c < HC_CACHES; c++) {
		hc_caches[c] = hakmem_cache_create(hc_defs[c].name, hc_defs[c].size, 0,
						   hc_defs[c].flags);
		hc_kept[c] = kvcalloc(keep, sizeof(void *), GFP_KERNEL);
		if (!hc_caches[c] || !hc_kept[c])
			goto out;
	}
	ret = hc_workload(rounds, &fails, &corrupt);
	if (ret)
		goto out;
	if (bench)
		work_on_cpu(cpumask_first(cpu_online_mask), hc_bench, NULL);
	for (c = 0; c < HC_CACHES; c++)
		for (i = 0; i < keep; i++)
			hc_kept[c][i] = hakmem_cache_alloc(hc_caches[c], GFP_KERNEL);
	pr_info("%u rounds x %u CPUs x %u objects x %u caches + kmalloc-like: %lu failures, %lu corrupt; keeping %u per cache\n",
		rounds, cpus, min(batch, HC_MAX_BATCH), HC_CACHES + 1, fails, corrupt, keep);
	ret = fails || corrupt ? -EIO : 0;
	/* without hakmem's debugfs the workload just cannot be run again */
	if (!ret)
		hc_file = hakmem_debugfs_add_file("client", &hc_file_fops);
out:
	if (ret)
		hc_cleanup();
	return ret;
}

static void __exit hc_exit(void)
{
	/* waits until no write runs the workload */
	debugfs_remove(hc_file);
	hc_cleanup();
	pr_info("unloaded\n");
}

module_init(hc_init);
module_exit(hc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Example client of hakmem_slab: a cross-CPU workload");
