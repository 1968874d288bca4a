/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_internal.h - what the files of the kernel adapter share, and what
 * the KUnit module (hakmem_slab_test.ko) may look at.
 *
 * Lock order (outermost first):
 *   hakmem_mutex          create/destroy of caches, debugfs directories;
 *                         the top-level slabs and frag files' walks, the
 *                         top-level debug and policy writes (the switches
 *                         and policy new caches get); never
 *                         taken by a cache's own debugfs files (destroy
 *                         holds it while it waits for their users)
 *   hakmem_debug_mutex    changes of the debug switches (hakmem_debugfs.c)
 *   cpu_hotplug_lock      (the CPU-dead callback runs under it)
 *   hakmem_reserve_mutex  hakmem_shrink_all()'s drain of the reserves
 *                         (reclaim may enter it under the locks above);
 *                         held while the per-CPU work items, which take
 *                         the locks below, run
 *   hakmem_list_lock      the list of caches; a spinlock, so a holder is
 *                         never preempted and stop_machine() callbacks
 *                         always see a consistent list
 *   per-CPU local lock    struct hakmem_pcpu::lock, two per (cache, CPU):
 *                         task and interrupt contexts, never nested
 *   hm_cache::lock        slab lists of one cache (common/hm_types.h)
 *   hm_slabmap_lock       slab map levels (common/hm_slabmap.c)
 * stop_machine() (which takes cpu_hotplug_lock) is called with no hakmem
 * lock held.
 */
#ifndef HAKMEM_INTERNAL_H
#define HAKMEM_INTERNAL_H

#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "hm_cache.h"
#include "hm_validate.h"
#include "hakmem_slab.h"

/*
 * The core's internals are exported in a namespace for the KUnit module
 * only; clients use hakmem_slab.h.  6.13 turned the namespace argument of
 * EXPORT_SYMBOL_NS_GPL()/MODULE_IMPORT_NS() into a string literal; Kbuild
 * defines HAKMEM_NS_STRING for those kernels.
 */
#ifdef HAKMEM_NS_STRING
#define HAKMEM_NS	"HAKMEM_INTERNAL"
#else
#define HAKMEM_NS	HAKMEM_INTERNAL
#endif

/*
 * Two per (cache, CPU): the core's context for task context and the one
 * for interrupts (hardirq and softirq), each with the local lock that
 * makes it single-user.  The context ends in the hybrid magazine, a
 * flexible array, so it comes last.
 */
struct hakmem_pcpu {
	local_lock_t lock;
	struct hm_cctx cc;
};

struct hakmem_cache {
	struct hm_cache *c;
	struct hakmem_pcpu __percpu *pcpu;	/* tasks: local_lock() */
	struct hakmem_pcpu __percpu *pcpu_irq;	/* interrupts: ..._irqsave() */
	struct list_head list;		/* hakmem_caches, hakmem_list_lock */
	struct dentry *dir;		/* debugfs, NULL for the classes */
	unsigned long last_shrunk;	/* by the last write of its shrink file */
	/* hakmem_free_rcu() callbacks queued and not run yet (not for the classes) */
	atomic_long_t rcu_pending;
	bool builtin;			/* one of the eight size classes */
};

extern struct mutex hakmem_mutex;
extern unsigned int hakmem_debug_global;	/* under hakmem_mutex */
extern unsigned int hakmem_policy_global;	/* under hakmem_mutex */
extern spinlock_t hakmem_list_lock;
extern struct list_head hakmem_caches;
extern struct hakmem_cache *hakmem_classes[HM_NR_CLASSES];
extern enum hm_mode hakmem_default_mode;

/*
 * ctx_id of a CPU's interrupt context: the CPU with this bit, so that
 * tracking tells the two contexts of a CPU apart (cross-owner frees).
 */
#define HAKMEM_CTX_IRQ	HM_PLAT_CTX_IRQ

/* the task context of @cpu (@irq false) or its interrupt context */
static inline struct hm_cctx *hakmem_cpu_cctx(struct hakmem_cache *hc,
					      unsigned int cpu, bool irq)
{
	return &per_cpu_ptr(irq ? hc->pcpu_irq : hc->pcpu, cpu)->cc;
}

struct dentry;

void hakmem_chunk_faults(unsigned long every);
void hakmem_meta_faults(unsigned long every);
unsigned long hakmem_reserve_drain_items(void);
bool hakmem_cpu_dead_kept(unsigned int cpu);
unsigned long hakmem_chunk_faults_injected(void);
int hakmem_fail_chunk_init(void);
bool hakmem_fail_chunk_off(void);
int hakmem_fail_chunk_set(unsigned long probability, unsigned long interval, int times);
void hakmem_fail_chunk_debugfs(struct dentry *parent);
void hakmem_free_rcu_now(struct rcu_head *head);
unsigned long hakmem_reclaimable(void);
unsigned long hakmem_shrink_all(void);
void hakmem_shrink_hold(bool hold);
struct shrinker;
struct shrink_control;
unsigned long hakmem_shrink_count(struct shrinker *sh, struct shrink_control *sc);
unsigned long hakmem_shrink_scan(struct shrinker *sh, struct shrink_control *sc);
long hakmem_validate_all(struct hakmem_cache *only, struct hm_printer *pr);

/* the rate limits of the kernel log's reports, per cache and kind (hakmem_plat.c) */
struct hakmem_report_counts {
	unsigned long printed;	/* reports printed */
	unsigned long limited;	/* held back by the rate limit */
	unsigned long pending;	/* of those, not yet announced as suppressed */
};

void hakmem_report_limit_set(unsigned int interval_ms, unsigned int burst);
void hakmem_report_limit_get(unsigned int *interval_ms, unsigned int *burst);
void hakmem_report_counts(int e, struct hakmem_report_counts *rc);
void hakmem_cache_report_counts(struct hakmem_cache *hc, int e,
				struct hakmem_report_counts *rc);

int hakmem_debugfs_init(void);
void hakmem_debugfs_exit(void);
void hakmem_debugfs_add(struct hakmem_cache *hc);
void hakmem_debugfs_remove(struct hakmem_cache *hc);
ssize_t hakmem_debugfs_read(struct hakmem_cache *hc, const char *name, char *buf,
			    size_t size);
int hakmem_debugfs_write(struct hakmem_cache *hc, const char *name, const char *text);

#endif /* HAKMEM_INTERNAL_H */
