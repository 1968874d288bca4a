/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_platform.h - the platform contract of the hakmem-slab core.
 *
 * Everything in common/ is plain C that compiles unchanged in the Linux
 * kernel and in userspace.  Whatever differs between the two worlds is
 * provided by the adapter's "hm_plat.h" (kernel/hm_plat.h or
 * userspace/hm_plat.h), found through the include path.  This file is the
 * only place common/ pulls it in, and it lists what an adapter must provide,
 * so a port to a third world reads this file and nothing else.
 *
 * Types:       u8 u16 u32 u64 s64, size_t, uintptr_t, bool, NULL
 * Compiler:    likely(x), unlikely(x), __always_inline, noinline,
 *              __maybe_unused, static_assert(expr, msg),
 *              HM_PRINTF(fmt, args) (optional: printf-format attribute)
 * Relaxed:     HM_READ_ONCE(x), HM_WRITE_ONCE(x, v)   (plain fields that
 *              observers on other CPUs/threads read while the owner writes)
 *              hm_smp_wmb(), hm_smp_rmb()  order such stores, or loads,
 *              among themselves (smp_wmb(), smp_rmb())
 * Atomics:     hm_atomic_t (one unsigned long), with
 *                unsigned long hm_atomic_read(const hm_atomic_t *a)   acquire
 *                void hm_atomic_set(hm_atomic_t *a, unsigned long v) release
 *                unsigned long hm_atomic_fetch_or(hm_atomic_t *, ul)  full
 *                unsigned long hm_atomic_fetch_add(hm_atomic_t *, ul) full
 *                unsigned long hm_atomic_fetch_and(hm_atomic_t *, ul) full
 *                unsigned long hm_atomic_xchg(hm_atomic_t *, ul)      full
 *                bool hm_atomic_try_cmpxchg(hm_atomic_t *, ul *old, ul new)
 *              HM_ATOMIC_INIT(v)
 *              void hm_plat_own_inc(unsigned long *p)  one more on a count
 *                  only the caller writes and others read (relaxed)
 * Bits:        unsigned int hm_ctz(unsigned long w)     (w != 0)
 *              unsigned int hm_popcount(unsigned long w)
 *              HM_BITS_PER_LONG
 * Lock:        hm_lock_t, hm_lock_init(l), HM_DEFINE_LOCK(name), hm_lock(l, flags),
 *              hm_unlock(l, flags), with unsigned long flags: an irq-safe
 *              spinlock in the kernel, a mutex in userspace.  Only the slow
 *              paths take it.  hm_lock_yield(): called between two holds
 *              by a walk that takes the lock a step at a time, so that a
 *              waiter gets it in between (nothing for a fair lock)
 * Memory:      void *hm_plat_chunk_alloc(size_t size, hm_gfp_t gfp)
 *                  size a multiple of HM_SLAB_SIZE, result aligned to
 *                  HM_SLAB_SIZE, contents undefined; NULL when exhausted
 *              HM_PLAT_CHUNK_ZEROED  1 where fresh chunks read as zeroes
 *                  (optional, default 0: calloc-style callers clear them)
 *              void hm_plat_chunk_free(void *p, size_t size)  a slab's
 *                  chunk stays readable (zeroes, or a new slab) to a stale
 *                  pointer that has no bracket open: the kernel's direct
 *                  map; userspace keeps the range for its next chunk
 *              optional: HM_PLAT_CHUNK_DECOMMIT and size_t
 *                  hm_plat_chunk_decommit(void *p, size_t size): the pages
 *                  of a chunk's range [p, p + size) go back, the range
 *                  stays mapped and reads as zeroes (userspace: madvise);
 *                  returns how many bytes from p keep theirs (up to the
 *                  first page boundary), @size when the pages could not go
 *                  (locked); freed large chunks are then kept by the
 *                  thousand (hm_large.c)
 *              bool hm_plat_chunk_move(void *to, void *from, size_t size):
 *                  the pages of [from + HM_SLAB_SIZE, from + size), of a
 *                  large chunk of @size, move to the same offsets of the
 *                  chunk @to (hm_plat_chunk_alloc()'s, larger), not copied
 *                  (userspace: mremap()); the first granule of @from stays
 *                  as it was, given back later as a chunk of HM_SLAB_SIZE,
 *                  its other pages are gone.  False: nothing moved (the
 *                  kernel's: never), the caller copies (hm_large_move());
 *                  HM_PLAT_CHUNK_MOVE 1 where it may move (default 0:
 *                  hm_large_move() does not try)
 *              hm_plat_retire_t, void hm_plat_retire(hm_plat_retire_t *r,
 *                  void (*fn)(hm_plat_retire_t *r), size_t bytes): fn(r)
 *                  runs once every bracket (hm_plat_read_begin()) open now
 *                  has closed, in any context, and gives back about @bytes
 *                  (call_rcu(); userspace: a batch waits for readers, see
 *                  hm_plat_read_sync()); r is two pointers
 *              void *hm_plat_meta_alloc(size_t size, hm_gfp_t gfp)  zeroed
 *              void hm_plat_meta_free(void *p, size_t size)
 *              hm_gfp_t, HM_GFP_DEFAULT (may sleep), HM_GFP_ATOMIC
 *              optional: HM_PLAT_ADDR_BITS, the address bits a chunk
 *                  can have: larger objects are reported as bad sizes
 *              optional: HM_PLAT_CHUNK_MAX, the bytes of the largest
 *                  chunk hm_plat_chunk_alloc() can ever give (default:
 *                  no bound but the address space's)
 *              optional: HM_PLAT_CHUNK_FRESH and void *
 *                  hm_plat_chunk_alloc_fresh(size, gfp): a chunk whose
 *                  first word a stale free may not read as a slab's key
 *                  (userspace: a new range, never a kept granule, whose
 *                  first word a free reads without a bracket); for an
 *                  object at its chunk's start, given back by
 *                  hm_plat_chunk_free_fresh() (userspace: its first
 *                  granule kept for such chunks only); default
 *                  hm_plat_chunk_alloc(), hm_plat_chunk_free() (the
 *                  kernel: a grace period covers every free)
 *              optional: HM_PLAT_CHUNK_COST and size_t
 *                  hm_plat_chunk_cost(size_t bytes, size_t end): the
 *                  memory a chunk of @bytes takes whose first @end bytes
 *                  are written (userspace: the pages of @end, as they
 *                  are faulted in; the kernel: the buddy block of
 *                  @bytes); size_t hm_plat_chunk_align(size_t bytes): the
 *                  alignment a chunk of @bytes has (the kernel's buddy
 *                  blocks: their size); defaults @bytes and HM_SLAB_SIZE
 *              optional: HM_PLAT_FLATMAP_BITS, the address bits a flat
 *                  slab-map bitmap covers (hm_slabmap.h), with
 *                  void *hm_plat_map_reserve(size_t size): address space
 *                  that reads as zeroes, not writable, takes no commit
 *                  charge, never freed; NULL on failure; and
 *                  int hm_plat_map_commit(void *p, size_t size): make an
 *                  HM_FLATMAP_UNIT-aligned range of it writable, 0 or -1
 *              hm_memset, hm_memcpy, hm_memmove, hm_strlen,
 *              hm_strscpy(dst, src, n)
 * Identity:    u32 hm_plat_ctx_id(void)        current CPU or thread id
 *              HM_CTX_FMT, HM_CTX(id)          printf format and argument
 *                                              of such an id, in reports
 *              optional: u32 hm_plat_report_ctx(void)  the id a report's
 *                  log entry names its caller by (struct hm_err_entry's
 *                  ctx): the kernel's CPU with HM_PLAT_CTX_IRQ set out of
 *                  task context; default hm_plat_ctx_id()
 *              u64 hm_plat_stamp(void)         a cheap monotonic stamp
 *              bool hm_plat_stamp_inline(void) hm_plat_stamp_raw() may be
 *                                              used: calls nothing (or a
 *                                              call costs nothing worth
 *                                              a detour: the kernel)
 *              u64 hm_plat_stamp_raw(void)     hm_plat_stamp() then
 *              u64 hm_plat_stamp_ns(u64 d)     nanoseconds in the difference
 *                                              d of two stamps (0 if < 0)
 *              HM_RET_IP                       caller's return address
 * Reporting:   hm_plat_err(fmt, ...)           one line, error level
 *              hm_plat_info(fmt, ...)          one line, info level
 *              HM_SYM_FMT, HM_SYM(ip)          printf format and argument
 *                                              for a code address: "%pS" /
 *                                              "%s" of dladdr's name
 *              bool hm_plat_error_hook(e)      true: a test counts report
 *                                              kind e, print nothing
 *              bool hm_plat_err_ratelimit(c, k)  true: print this
 *                  message of kind k (enum hm_error, or enum hm_msg for a
 *                  message that is no report) about cache c (NULL: none);
 *                  asked after the hook; a report is counted and logged
 *                  either way.  The kernel's: a rate limit per cache and
 *                  kind (c->report_rl[k]; per kind where c is NULL),
 *                  which counts what it holds back and says how many
 *                  before the next message it lets through; userspace:
 *                  true
 *              hm_plat_ratelimit_t  one such limit's state (and counts):
 *                  HM_MSG_NR of them at the end of each cache, allocated
 *                  with it (HM_CACHE_BYTES), zeroed
 *              void hm_plat_ratelimit_init(hm_plat_ratelimit_t *rl)  at
 *                  the cache's creation
 *              void hm_plat_ratelimit_exit(struct hm_cache *c)  at its
 *                  destroy, after its last report: say what its limits
 *                  held back and did not say yet
 * Debugging:   HM_DEBUG_ACTIVE()   false while no cache has a debug switch
 *                                  on (a static key in the kernel)
 *              hm_plat_debug_ref(delta)  a cache's switches went from all
 *                                  off to some on (+1) or back (-1)
 *              hm_plat_switch_step()  between the steps in which a
 *                                  context's switches change: nothing,
 *                                  or a pause a test asks for
 *              hm_snprintf(buf, n, fmt, ...)
 *              bool hm_plat_mem_is(p, c, n)  all @n bytes at @p are @c
 *                                  (the poison check; memchr_inv())
 *              hm_plat_mem_fill(p, c, n)  set @n bytes at @p to @c
 *                                  (the poisoning; memset())
 *              bool hm_plat_mem_inline(n)  both of @n bytes call nothing
 *                                  (or, as stamps, a call is fine)
 *              hm_plat_mem_is_span(p, c, n, span), _fill_span(...)  the
 *                                  same for @span / 2 < @n <= @span, a
 *                                  constant power of two up to
 *                                  HM_PLAT_MEM_SPAN_MAX (0: no copies)
 *              hm_plat_cctx_copies(cc)  a context's copies of the
 *                                  hybrid debug route (cc->debug_alloc,
 *                                  debug_free) for its size and switches
 *                                  (cc->debug), at its set-up and after
 *                                  each switch change, or nothing
 * Hardening:   bool hm_plat_init_on_free(void)  every free that passes
 *                  its checks zeroes its block (the kernel's init_on_free=1,
 *                  a static branch there; userspace: false, compiled out):
 *                  hm_obj_wipe(), and the large objects hakmem keeps
 * Retiring:    bool hm_plat_read_begin(), hm_plat_read_end()  bracket a
 *                  use of memory that another context may retire (the
 *                  tracking records); they nest, cost a few plain
 *                  instructions and nothing in between may sleep (RCU read
 *                  side); begin false: not begun (no memory for the
 *                  thread's part), the caller does without the memory
 *              hm_plat_read_ctx_begin(seq), hm_plat_read_ctx_end(seq)
 *                  the same for a context's own hybrid routes, calling
 *                  nothing, never nested: @seq (hm_atomic_t *, the
 *                  context's) may count them, odd while one is open, for
 *                  the core to wait on after hm_plat_read_sync()
 *              bool hm_plat_read_can_sync(void)  the caller may wait for
 *                  readers: the platform knows how, and the caller is in
 *                  no bracket (else the memory is kept)
 *              bool hm_plat_read_sync(void)  then wait until every bracket
 *                  open when it was called has closed; may sleep; false:
 *                  it could not (no memory), having waited for none
 *              void hm_plat_read_sync_ctx(seq)  and after it, for each
 *                  context: until its @seq is even or has moved
 * Sanitizers:  hm_plat_mark_free(p, n), hm_plat_mark_alloc(p, n)  ranges
 *              hm_plat_obj_alloc(p, n), hm_plat_obj_free(p)  once per object
 *              handed out / taken back (Valgrind's MALLOCLIKE/FREELIKE)
 *              (ASan/Valgrind client requests in userspace, KASAN's shadow
 *              in the kernel with generic KASAN, no-ops where there is no
 *              such tool)
 *              optional: hm_plat_link_read(b), hm_plat_link_read_once(b)
 *                  (relaxed), hm_plat_link_write(b, v): the allocator's
 *                  own accesses to the void * link word at @b of a free
 *                  block (free list, intrusive magazine), which stays
 *                  marked free: unchecked, the marks left as they are;
 *                  default plain accesses
 */
#ifndef HM_PLATFORM_H
#define HM_PLATFORM_H

#include "hm_plat.h"

#ifndef HM_PLAT_CHUNK_ZEROED
#define HM_PLAT_CHUNK_ZEROED	0	/* contents undefined: cleared when asked */
#endif

#ifndef HM_PLAT_CHUNK_MOVE
#define HM_PLAT_CHUNK_MOVE	0	/* hm_plat_chunk_move() never moves */
#endif

#ifndef HM_PLAT_CHUNK_FRESH
#define hm_plat_chunk_alloc_fresh(size, gfp)	hm_plat_chunk_alloc(size, gfp)
#define hm_plat_chunk_free_fresh(p, size)	hm_plat_chunk_free(p, size)
#endif

#ifndef HM_PLAT_CHUNK_COST
/* a chunk is all memory as soon as it is had, aligned to a granule */
#define hm_plat_chunk_cost(bytes, end)	((void)(end), (size_t)(bytes))
#define hm_plat_chunk_align(bytes)	((void)(bytes), (size_t)HM_SLAB_SIZE)
#endif

#ifndef HM_PLAT_CHUNK_MAX
#define HM_PLAT_CHUNK_MAX	((size_t)-1)	/* the address space is the bound */
#endif

#ifndef hm_plat_link_read	/* optional: no tool watches the link words */
#define hm_plat_link_read(b)		(*(void *const *)(b))
#define hm_plat_link_read_once(b)	HM_READ_ONCE(*(void **)(b))
#define hm_plat_link_write(b, v)	(*(void **)(b) = (v))
#endif

#ifndef hm_plat_report_ctx	/* optional: a report names its caller's context id */
#define hm_plat_report_ctx()	hm_plat_ctx_id()
#endif

#ifndef HM_PRINTF
#define HM_PRINTF(...)		/* optional: the adapter's printf-format attribute */
#endif

#define HM_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define HM_BIT(n)		(1UL << (n))

/* arguments evaluated once (statement expressions, as the kernel's min()) */
#define HM_ALIGN_UP(x, a)						\
	({								\
		__typeof__(x) hm_au_m = (__typeof__(x))(a) - 1;		\
									\
		((x) + hm_au_m) & ~hm_au_m;				\
	})
#define HM_MIN(a, b)							\
	({								\
		__typeof__(a) hm_min_a = (a);				\
		__typeof__(b) hm_min_b = (b);				\
									\
		hm_min_a < hm_min_b ? hm_min_a : hm_min_b;		\
	})
#define HM_MAX(a, b)							\
	({								\
		__typeof__(a) hm_max_a = (a);				\
		__typeof__(b) hm_max_b = (b);				\
									\
		hm_max_a > hm_max_b ? hm_max_a : hm_max_b;		\
	})
#define HM_BITS_TO_LONGS(n)	(((n) + HM_BITS_PER_LONG - 1) / HM_BITS_PER_LONG)

#endif /* HM_PLATFORM_H */
