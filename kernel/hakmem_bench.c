// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_bench.c - in-kernel benchmark: hakmem_slab against SLUB, and the
 * cost of the primitives a per-CPU fast path can be built on.
 *
 * A module of its own (hakmem_bench.ko): it uses only hakmem_slab's exported
 * API and SLUB's, so the allocator carries no benchmark code, and its
 * debugfs file lives here too: loading it adds /sys/kernel/debug/hakmem/bench
 * to hakmem_slab's directory (hakmem_debugfs_add_file()).
 *
 *   echo "ops=20000 reps=21 cpu=0" > /sys/kernel/debug/hakmem/bench
 *   cat /sys/kernel/debug/hakmem/bench
 *
 * A write runs the whole benchmark (synchronously) in a kthread bound to
 * one CPU and returns when it is done; a read prints the last results.  An
 * unknown key or a value out of range: -EINVAL, and nothing runs.  For a
 * profile of one row, "size=64 work=pair alloc=hm-hybrid" runs only the
 * rows named (see hb_parse()).
 *
 * For each object size (16, 64, 256 bytes), workload and allocator, one
 * untimed warm-up run, then @reps timed runs of @ops objects, interleaved
 * over the allocators (rep 1 of each, rep 2 of each, ...) so that a drift
 * of the machine hits all of them alike.  The defaults, 21 reps of 20000
 * objects, keep a rep well under a host scheduler slice (UML and QEMU are
 * host processes on a shared machine): most reps run undisturbed and the
 * median is theirs.  The unit is nanoseconds per object: one allocation
 * plus its free.  Workloads:
 *
 *   pair       alloc + free in a loop
 *   lifo1000   1000 allocations, freed last-in first-out
 *   fifo1000   1000 allocations, freed first-in first-out
 *   bulk64     one alloc_bulk of 64 objects and one free_bulk
 *   bulk1000   the same with 1000
 *
 * Allocators: hakmem_cache_alloc/free in each mode (hm-bitmap, hm-freelist
 * without HAKMEM_CHECKS, hm-hybrid) on caches of the size; only when named
 * (alloc=), the same with poisoning and tracking on (hm-bitmap-dbg,
 * hm-freelist-dbg, hm-hybrid-dbg: "poison=1 track=1" written to the
 * cache's debug file, hakmem_debugfs_write()); SLUB's
 * kmem_cache_alloc/free on a cache of the size (slub; SLAB_NO_MERGE where
 * it exists); kmalloc/kfree of the size (kmalloc).  The bulk workloads
 * compare hakmem_cache_alloc_bulk/free_bulk with kmem_cache_alloc_bulk/
 * free_bulk.  The ratio column divides by the slub row of the same size
 * and workload.
 *
 * Then the primitives, per operation (one protected section): nothing,
 * preempt_disable/enable, local_lock/unlock, local_irq_save/restore,
 * local_lock_irqsave/irqrestore (each around four per-CPU word updates),
 * this_cpu_cmpxchg of one word, the two-word per-CPU cmpxchg SLUB's fast
 * path uses (cmpxchg16b on x86_64, the generic irq-save fallback on UML),
 * and a locked cmpxchg.
 */
#define pr_fmt(fmt) "hakmem_bench: " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/local_lock.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>

#include "hakmem_cmd.h"
#include "hakmem_internal.h"
#include "hakmem_slab.h"

#define HB_MAX_OPS	100000000UL
#define HB_MAX_REPS	99U
#define HB_MAX_BATCH	1000U
#define HB_TEXT_SIZE	(32 * 1024)
#define HB_CMD_MAX	192	/* every allocator named with alloc=: 150 */

/* a SLUB cache of its own, not merged into kmalloc-<size> (6.5+) */
#ifdef SLAB_NO_MERGE
#define HB_SLUB_FLAGS	SLAB_NO_MERGE
#define HB_NO_MERGE	"y"
#else
#define HB_SLUB_FLAGS	0
#define HB_NO_MERGE	"n"
#endif

enum hb_alloc {
	HB_HM_BITMAP,
	HB_HM_FREELIST,
	HB_HM_HYBRID,
	HB_SLUB,
	HB_KMALLOC,
	/* the debug switches' cost: only when named (not in HB_ALLOCS_DEFAULT) */
	HB_HM_BITMAP_DBG,
	HB_HM_FREELIST_DBG,
	HB_HM_HYBRID_DBG,
	HB_NR_ALLOC
};

#define HB_ALLOCS_DEFAULT	(BIT(HB_KMALLOC + 1) - 1)
#define HB_DBG_SWITCHES		"poison=1 track=1"

static const char *const hb_alloc_names[HB_NR_ALLOC] = {
	[HB_HM_BITMAP] = "hm-bitmap",
	[HB_HM_FREELIST] = "hm-freelist",
	[HB_HM_HYBRID] = "hm-hybrid",
	[HB_SLUB] = "slub",
	[HB_KMALLOC] = "kmalloc",
	[HB_HM_BITMAP_DBG] = "hm-bitmap-dbg",
	[HB_HM_FREELIST_DBG] = "hm-freelist-dbg",
	[HB_HM_HYBRID_DBG] = "hm-hybrid-dbg",
};

static const unsigned int hb_hm_flags[HB_NR_ALLOC] = {
	[HB_HM_BITMAP] = HAKMEM_MODE_BITMAP,
	[HB_HM_FREELIST] = HAKMEM_MODE_FREELIST,
	[HB_HM_HYBRID] = HAKMEM_MODE_HYBRID,
	[HB_HM_BITMAP_DBG] = HAKMEM_MODE_BITMAP,
	[HB_HM_FREELIST_DBG] = HAKMEM_MODE_FREELIST,
	[HB_HM_HYBRID_DBG] = HAKMEM_MODE_HYBRID,
};

/* a hakmem cache's row (its mode: hb_hm_flags[]) */
static bool hb_is_hakmem(enum hb_alloc a)
{
	return hb_hm_flags[a] != 0;
}

static bool hb_is_debug(enum hb_alloc a)
{
	return a >= HB_HM_BITMAP_DBG;
}

enum hb_work {
	HB_PAIR,
	HB_LIFO,
	HB_FIFO,
	HB_BULK64,
	HB_BULK1000,
	HB_NR_WORK
};

static const struct {
	const char *name;
	unsigned int batch;	/* objects per round; 1 for pair */
	bool bulk;		/* kmalloc has no bulk API: no kmalloc row */
} hb_works[HB_NR_WORK] = {
	[HB_PAIR] = { "pair", 1, false },
	[HB_LIFO] = { "lifo1000", 1000, false },
	[HB_FIFO] = { "fifo1000", 1000, false },
	[HB_BULK64] = { "bulk64", 64, true },
	[HB_BULK1000] = { "bulk1000", 1000, true },
};

static const unsigned int hb_sizes[] = { 16, 64, 256 };

enum hb_prim {
	HB_P_NONE,
	HB_P_PREEMPT,
	HB_P_LOCAL_LOCK,
	HB_P_IRQ_SAVE,
	HB_P_LOCAL_LOCK_IRQ,
	HB_P_CMPXCHG,
	HB_P_CMPXCHG2,
	HB_P_LOCKED_CMPXCHG,
	HB_NR_PRIM
};

static const struct {
	const char *name;
	const char *irqsafe;	/* may a hardirq on this CPU interleave? */
	unsigned int words;	/* per-CPU words the section updates */
} hb_prims[HB_NR_PRIM] = {
	[HB_P_NONE] = { "none", "no", 4 },
	[HB_P_PREEMPT] = { "preempt_disable", "no", 4 },
	[HB_P_LOCAL_LOCK] = { "local_lock", "no", 4 },
	[HB_P_IRQ_SAVE] = { "local_irq_save", "yes", 4 },
	[HB_P_LOCAL_LOCK_IRQ] = { "local_lock_irqsave", "yes", 4 },
	[HB_P_CMPXCHG] = { "this_cpu_cmpxchg", "yes", 1 },
	[HB_P_CMPXCHG2] = { "this_cpu_cmpxchg128", "yes", 2 },
	[HB_P_LOCKED_CMPXCHG] = { "cmpxchg(locked)", "yes", 1 },
};

#define HB_NR_ROWS	(ARRAY_SIZE(hb_sizes) * HB_NR_WORK * HB_NR_ALLOC + HB_NR_PRIM)

struct hb_params {
	unsigned long ops;	/* objects (primitives: sections) per rep */
	unsigned int reps;
	unsigned int cpu;
	/* rows to run: bit i of each mask selects hb_sizes[i], work i, ... */
	unsigned int sizes, works, allocs;
	bool prims;
};

/* One row of the results: per-rep picoseconds per object. */
struct hb_row {
	bool used;
	bool prim;
	u16 size;
	u8 work;
	u8 alloc;
	u64 ps[HB_MAX_REPS];
	u64 median, min, max;
};

struct hb_run {
	struct hb_params p;
	struct hb_row *rows;
	void **ptrs;
	int ret;
	struct completion done;
};

/* ---- per-CPU data of the primitives ----------------------------------- */

struct hb_pcpu {
	local_lock_t lock;
	unsigned long w[4];
};

static DEFINE_PER_CPU(struct hb_pcpu, hb_pcpu) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

#if defined(CONFIG_X86_64) && !defined(CONFIG_UML)
/*
 * cmpxchg16b without a lock prefix, the instruction this_cpu_cmpxchg128()
 * (6.6+) and this_cpu_cmpxchg_double() (before) emit on x86_64.  Their
 * ALTERNATIVE() also names this_cpu_cmpxchg16b_emu, which is not exported,
 * so a module cannot use them: the same instruction on this CPU's copy,
 * addressed without %gs (a bound kthread does not migrate).
 */
#define HB_CMPXCHG2_HOW	"cmpxchg16b (as this_cpu_cmpxchg128)"
struct hb_dw {
	u64 lo, hi;
} __aligned(16);

static DEFINE_PER_CPU_ALIGNED(struct hb_dw, hb_dw);

static bool hb_have_cmpxchg2(void)
{
	return boot_cpu_has(X86_FEATURE_CX16);
}

static __always_inline bool hb_cmpxchg2(struct hb_dw *d, u64 olo, u64 ohi,
					u64 nlo, u64 nhi)
{
	bool ok;

	asm volatile("cmpxchg16b %[m]" CC_SET(z)
		     : CC_OUT(z) (ok), [m] "+m" (*d), "+a" (olo), "+d" (ohi)
		     : "b" (nlo), "c" (nhi)
		     : "memory");
	return ok;
}

static noinline void hb_prim_cmpxchg2(unsigned long n)
{
	struct hb_dw *d = raw_cpu_ptr(&hb_dw);
	unsigned long i;

	for (i = 0; i < n; i++) {
		u64 lo = READ_ONCE(d->lo), hi = READ_ONCE(d->hi);

		hb_cmpxchg2(d, lo, hi, lo + 1, hi + i);
	}
}
#elif defined(this_cpu_cmpxchg128) && defined(__SIZEOF_INT128__)
/* UML: the generic this_cpu_cmpxchg128(), interrupts off around it */
#define HB_CMPXCHG2_HOW	"this_cpu_cmpxchg128 (generic: local irq save/restore)"
static DEFINE_PER_CPU_ALIGNED(u128, hb_dw);

static bool hb_have_cmpxchg2(void)
{
	return true;
}

static noinline void hb_prim_cmpxchg2(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		u128 old = *raw_cpu_ptr(&hb_dw);

		this_cpu_cmpxchg128(hb_dw, old, old + 1 + ((u128)i << 64));
	}
}
#else
#define HB_CMPXCHG2_HOW	"none"
static bool hb_have_cmpxchg2(void)
{
	return false;
}

static void hb_prim_cmpxchg2(unsigned long n)
{
}
#endif

/* the section's work: four words, as a fast path that updates 2-4 words */
static __always_inline void hb_touch(struct hb_pcpu *pc, unsigned long i)
{
	WRITE_ONCE(pc->w[0], pc->w[0] + 1);
	WRITE_ONCE(pc->w[1], i);
	WRITE_ONCE(pc->w[2], pc->w[2] ^ i);
	WRITE_ONCE(pc->w[3], pc->w[3] + i);
}

static noinline void hb_prim_none(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		hb_touch(raw_cpu_ptr(&hb_pcpu), i);
		barrier();
	}
}

static noinline void hb_prim_preempt(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		preempt_disable();
		hb_touch(this_cpu_ptr(&hb_pcpu), i);
		preempt_enable();
	}
}

static noinline void hb_prim_local_lock(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		local_lock(&hb_pcpu.lock);
		hb_touch(this_cpu_ptr(&hb_pcpu), i);
		local_unlock(&hb_pcpu.lock);
	}
}

static noinline void hb_prim_irq_save(unsigned long n)
{
	unsigned long i, flags;

	for (i = 0; i < n; i++) {
		local_irq_save(flags);
		hb_touch(this_cpu_ptr(&hb_pcpu), i);
		local_irq_restore(flags);
	}
}

static noinline void hb_prim_local_lock_irq(unsigned long n)
{
	unsigned long i, flags;

	for (i = 0; i < n; i++) {
		local_lock_irqsave(&hb_pcpu.lock, flags);
		hb_touch(this_cpu_ptr(&hb_pcpu), i);
		local_unlock_irqrestore(&hb_pcpu.lock, flags);
	}
}

static noinline void hb_prim_cmpxchg(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned long old = this_cpu_read(hb_pcpu.w[0]);

		this_cpu_cmpxchg(hb_pcpu.w[0], old, old + 1);
	}
}

static noinline void hb_prim_locked_cmpxchg(unsigned long n)
{
	unsigned long *w = &raw_cpu_ptr(&hb_pcpu)->w[1];
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned long old = READ_ONCE(*w);

		cmpxchg(w, old, old + 1);
	}
}

/* the calls are outside the timed loops: a table is fine */
static void (*const hb_prim_fns[HB_NR_PRIM])(unsigned long n) = {
	[HB_P_NONE] = hb_prim_none,
	[HB_P_PREEMPT] = hb_prim_preempt,
	[HB_P_LOCAL_LOCK] = hb_prim_local_lock,
	[HB_P_IRQ_SAVE] = hb_prim_irq_save,
	[HB_P_LOCAL_LOCK_IRQ] = hb_prim_local_lock_irq,
	[HB_P_CMPXCHG] = hb_prim_cmpxchg,
	[HB_P_CMPXCHG2] = hb_prim_cmpxchg2,
	[HB_P_LOCKED_CMPXCHG] = hb_prim_locked_cmpxchg,
};

static void hb_prim_run(enum hb_prim p, unsigned long n)
{
	hb_prim_fns[p](n);
}

/* ---- the allocation loops --------------------------------------------- */

/*
 * Each allocator gets its own copy of the loops (the kind is a constant in
 * an always-inline function), so every call in a timed loop is a direct
 * call, as in a real user of the API.
 */
enum hb_kind { HB_K_HAKMEM, HB_K_SLUB, HB_K_KMALLOC };

struct hb_env {
	struct hakmem_cache *hc;
	struct kmem_cache *kc;
	size_t size;
	void **ptrs;
};

static void *hb_sink;

static __always_inline void *hb_alloc1(struct hb_env *e, const enum hb_kind k)
{
	switch (k) {
	case HB_K_HAKMEM:
		return hakmem_cache_alloc(e->hc, GFP_KERNEL);
	case HB_K_SLUB:
		return kmem_cache_alloc(e->kc, GFP_KERNEL);
	default:
		return kmalloc(e->size, GFP_KERNEL);
	}
}

static __always_inline void hb_free1(struct hb_env *e, const enum hb_kind k, void *p)
{
	switch (k) {
	case HB_K_HAKMEM:
		hakmem_cache_free(e->hc, p);
		break;
	case HB_K_SLUB:
		kmem_cache_free(e->kc, p);
		break;
	default:
		kfree(p);
		break;
	}
}

/* @n objects through @w; returns 0 or -ENOMEM (everything freed again) */
static __always_inline int hb_loop(struct hb_env *e, const enum hb_kind k,
				   enum hb_work w, unsigned long n)
{
	unsigned int b = hb_works[w].batch;
	void **v = e->ptrs;
	unsigned long r;
	unsigned int i;

	if (w == HB_PAIR) {
		for (r = 0; r < n; r++) {
			void *p = hb_alloc1(e, k);

			if (unlikely(!p))
				return -ENOMEM;
			WRITE_ONCE(hb_sink, p);
			hb_free1(e, k, p);
		}
		return 0;
	}
	for (r = 0; r < n / b; r++) {
		if (hb_works[w].bulk) {
			int got = k == HB_K_HAKMEM ?
				hakmem_cache_alloc_bulk(e->hc, GFP_KERNEL, b, v) :
				kmem_cache_alloc_bulk(e->kc, GFP_KERNEL, b, v);

			if (unlikely(got != (int)b))
				return -ENOMEM;
			WRITE_ONCE(hb_sink, v[b - 1]);
			if (k == HB_K_HAKMEM)
				hakmem_cache_free_bulk(e->hc, b, v);
			else
				kmem_cache_free_bulk(e->kc, b, v);
			continue;
		}
		for (i = 0; i < b; i++) {
			v[i] = hb_alloc1(e, k);
			if (unlikely(!v[i]))
				goto fail;
		}
		WRITE_ONCE(hb_sink, v[b - 1]);
		if (w == HB_LIFO)
			for (i = b; i-- > 0;)
				hb_free1(e, k, v[i]);
		else
			for (i = 0; i < b; i++)
				hb_free1(e, k, v[i]);
	}
	return 0;
fail:
	while (i-- > 0)
		hb_free1(e, k, v[i]);
	return -ENOMEM;
}

static noinline int hb_loop_hakmem(struct hb_env *e, enum hb_work w, unsigned long n)
{
	return hb_loop(e, HB_K_HAKMEM, w, n);
}

static noinline int hb_loop_slub(struct hb_env *e, enum hb_work w, unsigned long n)
{
	return hb_loop(e, HB_K_SLUB, w, n);
}

static noinline int hb_loop_kmalloc(struct hb_env *e, enum hb_work w, unsigned long n)
{
	return hb_loop(e, HB_K_KMALLOC, w, n);
}

/* ---- one run ----------------------------------------------------------- */

/* objects a workload really runs for @ops: whole rounds, at least one */
static unsigned long hb_objects(enum hb_work w, unsigned long ops)
{
	unsigned int b = hb_works[w].batch;

	return max_t(unsigned long, ops / b, 1) * b;
}

static int hb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void hb_summarize(struct hb_row *row, unsigned int reps)
{
	u64 s[HB_MAX_REPS];

	memcpy(s, row->ps, reps * sizeof(s[0]));
	sort(s, reps, sizeof(s[0]), hb_cmp_u64, NULL);
	row->min = s[0];
	row->max = s[reps - 1];
	row->median = reps & 1 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
	row->used = true;
}

static struct hb_row *hb_row(struct hb_run *r, unsigned int si, enum hb_work w,
			     enum hb_alloc a)
{
	return &r->rows[(si * HB_NR_WORK + w) * HB_NR_ALLOC + a];
}

static bool hb_row_exists(struct hb_run *r, enum hb_work w, enum hb_alloc a)
{
	return !(hb_works[w].bulk && a == HB_KMALLOC) &&
	       (r->p.works & BIT(w)) && (r->p.allocs & BIT(a));
}

/* one timed (or warm-up) run of one allocator: ps per object, or -errno */
static s64 hb_time_one(struct hb_env *env, enum hb_alloc a, enum hb_work w,
		       unsigned long ops)
{
	struct hb_env e = env[a];
	unsigned long n = hb_objects(w, ops);
	u64 t0, t1;
	int ret;

	t0 = ktime_get_ns();
	if (a == HB_SLUB)
		ret = hb_loop_slub(&e, w, n);
	else if (a == HB_KMALLOC)
		ret = hb_loop_kmalloc(&e, w, n);
	else
		ret = hb_loop_hakmem(&e, w, n);
	t1 = ktime_get_ns();
	if (ret)
		return ret;
	return div64_u64((t1 - t0) * 1000, n);
}

static int hb_size(struct hb_run *r, unsigned int si)
{
	unsigned int size = hb_sizes[si], pass;
	struct hb_env env[HB_NR_ALLOC] = { };
	char name[32];
	enum hb_alloc a;
	enum hb_work w;
	int ret = 0;

	for (a = 0; a < HB_NR_ALLOC; a++) {
		if (!hb_is_hakmem(a) || !(r->p.allocs & BIT(a)))
			continue;
		snprintf(name, sizeof(name), "bench-%s-%u", hb_alloc_names[a] + 3, size);
		env[a].hc = hakmem_cache_create(name, size, 0, hb_hm_flags[a]);
		if (!env[a].hc)
			ret = -ENOMEM;
		else if (hb_is_debug(a))
			ret = hakmem_debugfs_write(env[a].hc, "debug", HB_DBG_SWITCHES) ?: ret;
	}
	snprintf(name, sizeof(name), "hakmem_bench_%u", size);
	env[HB_SLUB].kc = kmem_cache_create(name, size, 0, HB_SLUB_FLAGS, NULL);
	if (!env[HB_SLUB].kc)
		ret = -ENOMEM;
	for (a = 0; a < HB_NR_ALLOC; a++) {
		env[a].size = size;
		env[a].ptrs = r->ptrs;
	}

	for (w = 0; w < HB_NR_WORK && !ret; w++) {
		/* pass 0 is the warm-up, each allocator once, untimed; then the reps */
		for (pass = 0; pass <= r->p.reps && !ret; pass++) {
			for (a = 0; a < HB_NR_ALLOC && !ret; a++) {
				s64 ps;

				if (!hb_row_exists(r, w, a))
					continue;
				ps = hb_time_one(env, a, w, r->p.ops);
				if (ps < 0)
					ret = (int)ps;
				else if (pass)
					hb_row(r, si, w, a)->ps[pass - 1] = ps;
				cond_resched();
			}
		}
		for (a = 0; a < HB_NR_ALLOC && !ret; a++) {
			struct hb_row *row = hb_row(r, si, w, a);

			if (!hb_row_exists(r, w, a))
				continue;
			row->size = size;
			row->work = w;
			row->alloc = a;
			hb_summarize(row, r->p.reps);
		}
	}

	for (a = 0; a < HB_NR_ALLOC; a++) {
		if (env[a].hc && hakmem_cache_destroy(env[a].hc)) {
			pr_err("%s: objects left in the %u-byte cache\n", hb_alloc_names[a], size);
			ret = ret ?: -EIO;
		}
	}
	kmem_cache_destroy(env[HB_SLUB].kc);
	return ret;
}

static void hb_prims_run(struct hb_run *r)
{
	struct hb_row *base = &r->rows[HB_NR_ROWS - HB_NR_PRIM];
	unsigned long n = r->p.ops;
	unsigned int rep;
	enum hb_prim p;

	for (p = 0; p < HB_NR_PRIM; p++)
		if (p != HB_P_CMPXCHG2 || hb_have_cmpxchg2())
			hb_prim_run(p, n);	/* warm-up */
	for (rep = 0; rep < r->p.reps; rep++) {
		for (p = 0; p < HB_NR_PRIM; p++) {
			u64 t0, t1;

			if (p == HB_P_CMPXCHG2 && !hb_have_cmpxchg2())
				continue;
			t0 = ktime_get_ns();
			hb_prim_run(p, n);
			t1 = ktime_get_ns();
			base[p].ps[rep] = div64_u64((t1 - t0) * 1000, n);
		}
		cond_resched();
	}
	for (p = 0; p < HB_NR_PRIM; p++) {
		if (p == HB_P_CMPXCHG2 && !hb_have_cmpxchg2())
			continue;
		base[p].prim = true;
		base[p].alloc = p;
		hb_summarize(&base[p], r->p.reps);
	}
}

static int hb_thread(void *arg)
{
	struct hb_run *r = arg;
	unsigned int si;
	int ret = 0;

	for (si = 0; si < ARRAY_SIZE(hb_sizes) && !ret; si++)
		if (r->p.sizes & BIT(si))
			ret = hb_size(r, si);
	if (!ret && r->p.prims)
		hb_prims_run(r);
	r->ret = ret;
	kthread_complete_and_exit(&r->done, 0);
}

/* ---- the results table -------------------------------------------------- */

static DEFINE_MUTEX(hb_mutex);		/* one run at a time; hb_text */
static char *hb_text;			/* the last results, kvmalloc'ed */
static struct dentry *hb_file;

/* "12.3": picoseconds as nanoseconds with one decimal, in @buf */
static const char *hb_ns(char *buf, size_t size, u64 ps)
{
	u64 tenths = div_u64(ps + 50, 100);

	snprintf(buf, size, "%llu.%llu", div_u64(tenths, 10), tenths % 10);
	return buf;
}

static size_t hb_render_header(struct hb_run *r, char *buf, size_t size)
{
	size_t len = 0;

	len += scnprintf(buf + len, size - len,
			 "# hakmem_bench: ops=%lu reps=%u cpu=%u: ns per object (alloc + free), median [min max] over reps; ratio = median / slub median\n",
			 r->p.ops, r->p.reps, r->p.cpu);
	if (r->p.sizes != BIT(ARRAY_SIZE(hb_sizes)) - 1 || r->p.works != BIT(HB_NR_WORK) - 1 ||
	    r->p.allocs != HB_ALLOCS_DEFAULT || !r->p.prims)
		len += scnprintf(buf + len, size - len,
				 "# filtered: sizes 0x%x works 0x%x allocs 0x%x prims %d\n",
				 r->p.sizes, r->p.works, r->p.allocs, r->p.prims);
	len += scnprintf(buf + len, size - len,
			 "# kernel %s %s, %u CPUs online; preempt_count %s, lockdep %s, kasan %s, init_on_alloc %d, init_on_free %d\n",
			 init_utsname()->release, IS_ENABLED(CONFIG_UML) ? "um" : "x86_64",
			 num_online_cpus(), IS_ENABLED(CONFIG_PREEMPT_COUNT) ? "y" : "n",
			 IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) ? "y" : "n",
			 IS_ENABLED(CONFIG_KASAN) ? "y" : "n",
			 want_init_on_alloc(GFP_KERNEL), want_init_on_free());
	len += scnprintf(buf + len, size - len,
			 "# slub: fast path this_cpu_try_cmpxchg %s; cpu partial %s, freelist hardened %s, random %s, mem alloc profiling %s, no-merge %s\n",
			 IS_ENABLED(CONFIG_UML) ?
			 "(generic: local irq save/restore)" : "(cmpxchg16b)",
			 IS_ENABLED(CONFIG_SLUB_CPU_PARTIAL) ? "y" : "n",
			 IS_ENABLED(CONFIG_SLAB_FREELIST_HARDENED) ? "y" : "n",
			 IS_ENABLED(CONFIG_SLAB_FREELIST_RANDOM) ? "y" : "n",
			 IS_ENABLED(CONFIG_MEM_ALLOC_PROFILING) ? "y" : "n",
			 HB_NO_MERGE);
	len += scnprintf(buf + len, size - len,
			 "# hakmem: fast path local_lock (tasks), local_lock_irqsave (interrupts); two-word cmpxchg row: %s\n",
			 HB_CMPXCHG2_HOW);
	if (r->p.allocs & ~HB_ALLOCS_DEFAULT)
		len += scnprintf(buf + len, size - len, "# -dbg rows: debug switches %s\n",
				 HB_DBG_SWITCHES);
	return len;
}

static void hb_render(struct hb_run *r, char *buf, size_t size)
{
	size_t len = hb_render_header(r, buf, size);
	unsigned int i;

	len += scnprintf(buf + len, size - len, "%-5s %-9s %-15s %8s %8s %8s %6s\n",
			 "size", "work", "allocator", "median", "min", "max", "ratio");
	for (i = 0; i < HB_NR_ROWS - HB_NR_PRIM; i++) {
		struct hb_row *row = &r->rows[i], *ref;
		char med[24], lo[24], hi[24];
		u64 ratio;

		if (!row->used)
			continue;
		ref = &r->rows[i - row->alloc + HB_SLUB];
		len += scnprintf(buf + len, size - len, "%-5u %-9s %-15s %8s %8s %8s ",
				 row->size, hb_works[row->work].name, hb_alloc_names[row->alloc],
				 hb_ns(med, sizeof(med), row->median),
				 hb_ns(lo, sizeof(lo), row->min), hb_ns(hi, sizeof(hi), row->max));
		if (ref->used && ref->median) {
			ratio = div64_u64(row->median * 100 + ref->median / 2, ref->median);
			len += scnprintf(buf + len, size - len, "%3llu.%02llu\n",
					 div_u64(ratio, 100), ratio % 100);
		} else {
			len += scnprintf(buf + len, size - len, "%6s\n", "-");
		}
	}
	len += scnprintf(buf + len, size - len,
			 "# primitives: ns per section, median [min max] over reps; irqsafe: a hardirq on this CPU cannot interleave; words: per-CPU words updated\n");
	len += scnprintf(buf + len, size - len, "%-5s %-20s %8s %8s %8s %7s %5s\n",
			 "prim", "primitive", "median", "min", "max", "irqsafe", "words");
	for (i = HB_NR_ROWS - HB_NR_PRIM; i < HB_NR_ROWS; i++) {
		struct hb_row *row = &r->rows[i];
		char med[24], lo[24], hi[24];

		if (!row->used)
			continue;
		len += scnprintf(buf + len, size - len, "%-5s %-20s %8s %8s %8s %7s %5u\n", "prim",
				 hb_prims[row->alloc].name, hb_ns(med, sizeof(med), row->median),
				 hb_ns(lo, sizeof(lo), row->min), hb_ns(hi, sizeof(hi), row->max),
				 hb_prims[row->alloc].irqsafe, hb_prims[row->alloc].words);
	}
}

/* Run the benchmark with @p; on success the results replace hb_text. */
static int hb_run(const struct hb_params *p)
{
	struct task_struct *t;
	struct hb_run *r;
	char *text;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	text = kvmalloc(HB_TEXT_SIZE, GFP_KERNEL);
	if (!r || !text) {
		ret = -ENOMEM;
		goto out;
	}
	r->p = *p;
	r->rows = kvcalloc(HB_NR_ROWS, sizeof(*r->rows), GFP_KERNEL);
	r->ptrs = kvcalloc(HB_MAX_BATCH, sizeof(void *), GFP_KERNEL);
	if (!r->rows || !r->ptrs) {
		ret = -ENOMEM;
		goto out;
	}
	init_completion(&r->done);
	t = kthread_create_on_cpu(hb_thread, r, p->cpu, "hakmem_bench/%u");
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto out;
	}
	wake_up_process(t);
	/* woken every 10 s: a long run under TCG is no hung task */
	while (!wait_for_completion_timeout(&r->done, 10 * HZ))
		;
	ret = r->ret;
	if (ret)
		goto out;
	hb_render(r, text, HB_TEXT_SIZE);
	swap(text, hb_text);
out:
	kvfree(text);
	if (r) {
		kvfree(r->rows);
		kvfree(r->ptrs);
	}
	kfree(r);
	return ret;
}

/* the index of @val in @names (@n of them) as a mask bit, or 0 */
static unsigned int hb_pick(const char *val, const char *const *names, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(val, names[i]))
			return BIT(i);
	return 0;
}

/*
 * "ops=N reps=N cpu=N" (any subset, any order; words separated by blanks
 * or commas), or "run": the defaults.  Filters for profiling one row:
 * size=16|64|256, work=<workload>, alloc=<allocator> (each may repeat;
 * without any, all rows but the -dbg ones run), prims=0|1 (default 1, 0
 * once a filter is given).
 */
static int hb_parse(char *text, struct hb_params *out)
{
	static const char *const size_names[] = { "16", "64", "256" };
	const char *work_names[HB_NR_WORK];
	struct hb_params p = {
		.ops = 20000, .reps = 21, .cpu = cpumask_first(cpu_online_mask),
	};
	unsigned int words = 0, seen = 0, i, bit, prims = 2;
	char *tok, *val;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(size_names) != ARRAY_SIZE(hb_sizes));
	for (i = 0; i < HB_NR_WORK; i++)
		work_names[i] = hb_works[i].name;
	while ((ret = hakmem_cmd_next_kv(&text, &tok, &val, &words)) > 0) {
		int err;

		/* ops, reps, cpu and prims once each; size, work, alloc may repeat */
		if (!strcmp(tok, "ops")) {
			err = !hakmem_cmd_once(&seen, BIT(0)) ||
			      hakmem_cmd_ulong(val, &p.ops) || !p.ops || p.ops > HB_MAX_OPS;
		} else if (!strcmp(tok, "reps")) {
			err = !hakmem_cmd_once(&seen, BIT(1)) ||
			      hakmem_cmd_uint(val, &p.reps) || !p.reps || p.reps > HB_MAX_REPS;
		} else if (!strcmp(tok, "cpu")) {
			err = !hakmem_cmd_once(&seen, BIT(2)) ||
			      hakmem_cmd_uint(val, &p.cpu) || p.cpu >= nr_cpu_ids ||
			      !cpu_online(p.cpu);
		} else if (!strcmp(tok, "prims")) {
			err = !hakmem_cmd_once(&seen, BIT(3)) ||
			      hakmem_cmd_uint(val, &prims) || prims > 1;
		} else if (!strcmp(tok, "size")) {
			bit = hb_pick(val, size_names, ARRAY_SIZE(size_names));
			p.sizes |= bit;
			err = !bit;
		} else if (!strcmp(tok, "work")) {
			bit = hb_pick(val, work_names, HB_NR_WORK);
			p.works |= bit;
			err = !bit;
		} else if (!strcmp(tok, "alloc")) {
			bit = hb_pick(val, hb_alloc_names, HB_NR_ALLOC);
			p.allocs |= bit;
			err = !bit;
		} else {
			err = 1;
		}
		if (err)
			return -EINVAL;
	}
	if (ret)
		return ret;
	if (prims == 2)
		prims = !(p.sizes | p.works | p.allocs);
	p.prims = prims;
	p.sizes = p.sizes ?: BIT(ARRAY_SIZE(hb_sizes)) - 1;
	p.works = p.works ?: BIT(HB_NR_WORK) - 1;
	p.allocs = p.allocs ?: HB_ALLOCS_DEFAULT;
	*out = p;
	return 0;
}

/* a command written to the bench file: parse it, then run the table */
static int hb_cmd(char *text)
{
	struct hb_params p;
	int ret;

	ret = hb_parse(text, &p);
	if (ret)
		return ret;
	ret = mutex_lock_interruptible(&hb_mutex);
	if (ret)
		return ret;
	ret = hb_run(&p);
	mutex_unlock(&hb_mutex);
	return ret;
}

static int hb_show(struct seq_file *m, void *v)
{
	int ret = mutex_lock_interruptible(&hb_mutex);

	if (ret)
		return ret;
	seq_puts(m, hb_text ? hb_text :
		 "# no results yet: echo \"ops=20000 reps=21\" > this file\n");
	mutex_unlock(&hb_mutex);
	return 0;
}

DEFINE_HAKMEM_CMD_FOPS(hb, HB_CMD_MAX, HB_TEXT_SIZE);

static int __init hb_init(void)
{
	hb_file = hakmem_debugfs_add_file("bench", &hb_fops);
	return PTR_ERR_OR_ZERO(hb_file);
}

static void __exit hb_exit(void)
{
	debugfs_remove(hb_file);
	kvfree(hb_text);
}

module_init(hb_init);
module_exit(hb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Benchmark of hakmem_slab against SLUB, and of per-CPU fast-path primitives");
MODULE_IMPORT_NS(HAKMEM_NS);
