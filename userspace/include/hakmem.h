/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hakmem.h - libhakmem, the userspace build of the hakmem-slab allocator.
 *
 * Objects up to 10816 bytes come from nineteen size classes (8, 16, ...
 * 4096 bytes, then 4608, 4992, 5376, 5888, 6464, 7232, 8128, 9280 and
 * 10816) with per-thread caches in front; larger ones get chunks of their
 * own.  Each class and each cache runs in one of three modes, chosen at
 * creation (for the built-in classes by HAKMEM_MODE=bitmap|freelist|hybrid
 * in the environment, default hybrid).  Thread-safe; any thread may free
 * any object.  Bad frees are refused and reported, never acted on.
 */
#ifndef HAKMEM_H
#define HAKMEM_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef HM_MODE_DEFINED
#define HM_MODE_DEFINED
enum hm_mode {
	HM_MODE_BITMAP,		/* bitmap slabs, no per-thread cache */
	HM_MODE_FREELIST,	/* mimalloc-style sharded free lists */
	HM_MODE_HYBRID,		/* per-thread magazines over bitmap slabs */
	HM_MODE_NR,
	HM_MODE_DEFAULT = HM_MODE_HYBRID,
};
#endif

/* malloc-like: any size; size 0 returns a unique minimal object */
void *hm_malloc(size_t size);
void hm_free(void *ptr);
/*
 * The usable size of a live object, 0 for NULL; what is no live object is
 * 0 and reported (a pointer not from hakmem, an interior pointer, a use
 * after free for a freed one), as its free would be
 */
size_t hm_malloc_usable_size(const void *ptr);

/*
 * The rest of the C and POSIX family, with their errno (EINVAL, ENOMEM)
 * and glibc's edge cases: realloc(p, 0) frees and returns NULL, memalign()
 * rounds an alignment up to a power of two.  realloc stays in place while
 * the new size fits and fills more than half the block.  Alignments are
 * powers of two, any up to half the address space; an over-aligned
 * object is freed by hm_free() like any other.  (hm_posix.c)
 */
void *hm_calloc(size_t n, size_t size);
void *hm_realloc(void *ptr, size_t size);
void *hm_reallocarray(void *ptr, size_t n, size_t size);
void *hm_aligned_alloc(size_t align, size_t size);
int hm_posix_memalign(void **memptr, size_t align, size_t size);
void *hm_memalign(size_t align, size_t size);
void *hm_valloc(size_t size);
void *hm_pvalloc(size_t size);

/* hm_cache_create() flags */
#define HM_CACHE_CHECKS		0x2U	/* freelist mode: detect double frees */
/* hybrid mode: each thread switches between the magazine and the bitmap
 * path by the churn it measures (Documentation/research.rst); for the
 * classes HAKMEM_ADAPTIVE=1 in the environment (with HAKMEM_MODE hybrid).
 * Mode switches are counted in hm_stats_dump(HM_STATS_DIAG) and the JSON */
#define HM_CACHE_ADAPTIVE	0x10U

/* caches of one object size.  A NULL cache is refused: an allocation is
 * reported as a pointer not from hakmem, NULL or 0 returned with errno
 * EINVAL; a free to it as a free to the wrong cache (a bulk free: its
 * first object), nothing freed.  A NULL @ptrs with n > 0 is refused as a
 * pointer not from hakmem.  hm_cache_destroy(NULL) does nothing (as kmem_cache_destroy()).
 * hm_cache_create() refuses a bad size, alignment, mode or flag: NULL,
 * errno EINVAL, reported as a bad size with the value at fault (ENOMEM
 * without memory).  @name (NULL: "hakmem") is copied, cut to 31 bytes, a
 * control byte as '?', so that tables, dumps and reports show one line. */
struct hm_cache;
struct hm_cache *hm_cache_create(const char *name, size_t size, size_t align,
				 enum hm_mode mode, unsigned int flags);
void *hm_cache_alloc(struct hm_cache *c);
void hm_cache_free(struct hm_cache *c, void *ptr);
/* all or nothing: returns n, or 0 with nothing allocated */
size_t hm_cache_alloc_bulk(struct hm_cache *c, size_t n, void **ptrs);
void hm_cache_free_bulk(struct hm_cache *c, size_t n, void **ptrs);
/* returns the number of objects still live (reported, memory kept); a
 * pointer that is no live cache of hm_cache_create() (a built-in class,
 * a cache destroyed already) is refused: reported as a pointer not from
 * hakmem, 0 returned, nothing changed */
unsigned long hm_cache_destroy(struct hm_cache *c);

/* the mode of the built-in classes, and its name */
enum hm_mode hm_default_mode(void);
const char *hm_mode_str(enum hm_mode mode);

/* one row of a stats snapshot */
struct hm_stat_row {
	char name[32];		/* class "hm-64" or cache name (per thread
				 * too: the thread is in .thread) */
	char mode[12];
	unsigned int size;	/* object size */
	unsigned long thread;	/* thread id for per-thread rows, else 0;
				 * HM_STAT_THREAD_EXITED: threads gone */
	unsigned long slabs, objs_inuse, objs_total, bytes_inuse;
	unsigned long util_permille;
	unsigned long allocs, frees, alloc_fast, alloc_slow;
	unsigned long free_fast, free_slow, remote_frees;
	unsigned long cached, errors;
};

/* a per-thread row of a context whose thread exited (its counts stay) */
#define HM_STAT_THREAD_EXITED	(~0UL)

#define HM_STATS_CLASSES	0x1U	/* one row per built-in class */
#define HM_STATS_CACHES		0x2U	/* one row per created cache */
#define HM_STATS_THREADS	0x4U	/* one row per (thread, class) */
#define HM_STATS_DIAG		0x8U	/* dump: errors, fragmentation, sites */

/* fills up to max rows; returns the number of rows available.  Counters
 * are read while their threads go on: a row may be a few operations
 * behind (exact when the process is quiet) */
size_t hm_stats_snapshot(struct hm_stat_row *rows, size_t max, unsigned int what);
/* this and the dumps below, hm_mallinfo() and hm_frag_info(): a NULL
 * output writes nothing and sets errno EINVAL (rows NULL: the count);
 * so does a @what with a bit of no HM_STATS_* (0 rows).
 * The dumps (hm_validate()'s stderr too) write with no lock of hakmem's
 * held: the stream's write may allocate or call hakmem (fopencookie()) */
void hm_stats_dump(FILE *out, unsigned int what);

/* the same as JSON: every class and cache with its fragmentation and top
 * call sites, error counters and the last reports; each code address also
 * as "where", "symbol+0xoff (file+0xoff)" as the text dump names it
 * (Documentation/userspace.rst) */
void hm_stats_dump_json(FILE *out);

/* every slab's block map of cache @c (NULL: every class and cache), in
 * the format of the kernel's debugfs "slabs" file: X allocated, . free,
 * c cached in a magazine, r freed remotely; with tracking on, the age of
 * each allocated block ("age-ms" lines).  Exact when no other thread
 * allocates.  tools/heatmap/hakmem-heatmap draws it. */
void hm_frag_dump(FILE *out, struct hm_cache *c);

/* debug switches, as text: "poison=1 track=1 xowner=0 checks=0", "all=1"
 * or "off", for cache @c or (NULL) every class and cache; also from
 * HAKMEM_DEBUG in the environment at start.  Safe while other threads
 * allocate.  Returns 0, or -1 for text it does not accept, that names a
 * switch twice ("all" and "off" name every switch: they stand alone) or
 * that would leave a cache with xowner=1 but track=0 (nothing changes).  poison: free
 * blocks are filled with 0x6b and checked when handed out again; a write
 * after free is reported and the block withheld.  track: owner thread,
 * time and call site of each block, and a per-cache profile of call
 * sites.  xowner: report frees by a thread other than the allocating one
 * (needs track, which records the owner).  checks: freelist-mode
 * double-free detection. */
int hm_set_debug(struct hm_cache *c, const char *switches);

/* consistency check of every slab (NULL: all classes and caches);
 * exact when no other thread allocates; returns problems found */
long hm_validate(struct hm_cache *c);

/* errors: handler gets one message per refused operation, one call (a
 * write after free's has several lines: block, history, hexdump; default:
 * stderr); HAKMEM_ABORT_ON_ERROR=1 in the environment aborts after it */
typedef void (*hm_error_handler_t)(const char *msg, void *arg);
void hm_set_error_handler(hm_error_handler_t fn, void *arg);
unsigned long hm_error_count(void);

/* flush the calling thread's caches, then give pooled empty slabs and
 * kept large chunks back to the system; returns how many of both.  Also
 * gives back the contexts of threads that are gone without their exit
 * destructor having run after their last allocation (one made in the
 * last round of key destructors) */
unsigned long hm_trim(void);

/* the memory figures of glibc's mallinfo2() (what the preload library's
 * mallinfo2() and mallinfo() return): a few operations behind while
 * other threads run */
struct hm_mallinfo {
	size_t arena;		/* bytes of the slabs of every class and cache */
	size_t ordblks;		/* their blocks not in use (free or cached) */
	size_t hblks;		/* large objects (over 10816 bytes) */
	size_t hblkhd;		/* bytes of their chunks */
	size_t uordblks;	/* bytes of the slabs' objects in use */
	size_t fordblks;	/* arena - uordblks */
	size_t keepcost;	/* memory hm_trim() would give back now: pooled
				 * slabs, kept large chunks (one already
				 * decommitted: its head only) */
};
void hm_mallinfo(struct hm_mallinfo *mi);
/* the same and each class's and cache's blocks not in use, as glibc's
 * malloc_info() XML (one heap; large objects are its "mmap" total, apart
 * from "system").  Returns 0, or -1 with errno EINVAL for a NULL @out */
int hm_malloc_info(FILE *out);

/* flush the calling thread's caches (also done at thread exit) */
void hm_thread_flush(void);

/* ---- research: fit policies (Documentation/research.rst) ------------ */

/* the built-in class serving @size (1..10816: hm-8 to hm-10816), for the
 * calls below and every other call that takes a cache; NULL for another
 * size */
struct hm_cache *hm_class_cache(size_t size);

/* Which free block and which partial slab a cache hands out next:
 * "default" (the fast path), "first" (lowest free address), "next"
 * (next-fit from a per-thread cursor), "near" (nearest to the thread's last
 * allocation or free), "best" (from the smallest free run).  Block choice
 * applies in bitmap mode, slab choice in every mode.  @c NULL: every class
 * and cache; HAKMEM_POLICY=<name> in the environment sets the classes at
 * start.  "learn" starts the learner (hm_cache_set_learner()).  Returns 0,
 * or -EINVAL for another name (nothing changes). */
int hm_cache_set_policy(struct hm_cache *c, const char *policy);
const char *hm_cache_policy(struct hm_cache *c);
/* hm_cache_create() flags: the policy from the start; one of these, the
 * values of a field, not bits to combine (FIRST | NEXT is NEAR) */
#define HM_CACHE_POLICY_FIRST	0x100U
#define HM_CACHE_POLICY_NEXT	0x200U
#define HM_CACHE_POLICY_NEAR	0x300U
#define HM_CACHE_POLICY_BEST	0x400U

/* n adjacent blocks of one slab (bitmap and hybrid mode), best fit: the
 * smallest free run that holds them.  They are n objects of the cache,
 * each freed by hm_cache_free() or all by hm_cache_free_contig().  NULL
 * with errno EINVAL (and an error counted) when n is 0, more than a slab
 * holds, or the cache is in freelist mode; ENOMEM when memory runs out.
 * hm_cache_free_contig() checks the whole run first: one that reaches
 * past its slab, holds a block not in use, or is not this cache's is
 * reported once and nothing of it is freed; so is any in freelist mode,
 * which makes no runs (free its objects with hm_cache_free()). */
void *hm_cache_alloc_contig(struct hm_cache *c, size_t n);
void hm_cache_free_contig(struct hm_cache *c, void *first, size_t n);

/* The policy learner (bitmap mode): the policies take turns for an epoch
 * of 128 allocations each, twice, rated ELO-style by their measured cost
 * (work per allocation, weighted by the share of partial slabs); then the
 * cache freezes on the best-rated one.  @cmd: "on", "on SEED", "freeze"
 * (now, on the best so far), "off" (back to default); @c NULL: every
 * class and cache in bitmap mode.  hm_cache_set_policy(c, "learn") is
 * "on", with HAKMEM_LEARN_SEED (default 1); HAKMEM_POLICY=learn starts it
 * for the classes.  Ratings and choice: hm_stats_dump() with
 * HM_STATS_DIAG, and the JSON dump.  Returns 0, or -EINVAL (a bad @cmd,
 * @c not in bitmap mode, a freeze where a cache never learned), or with
 * @c NULL -ENOMEM (no memory for the learners); then nothing changed. */
int hm_cache_set_learner(struct hm_cache *c, const char *cmd);

/* fragmentation of a cache (NULL: the built-in classes summed) */
struct hm_frag_info {
	unsigned long slabs, partial, blocks, live, cached, free;
	unsigned long util_permille;		/* live / blocks */
	unsigned long longest_run_min, longest_run_avg;	/* free blocks */
};
void hm_frag_info(struct hm_cache *c, struct hm_frag_info *f);

#ifdef __cplusplus
}
#endif

#endif /* HAKMEM_H */
