/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_user.h - internals shared by the userspace adapter's files.
 */
#ifndef HM_USER_H
#define HM_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

bool hm_user_chunk_fault(void);
bool hm_user_meta_fault(void);
void hm_user_chunk_count(long delta);
void hm_user_ctx_id_reset(void);
void hm_user_error_message(const char *msg);
void hm_user_init(void);		/* the library's initialization, once */
void hm_stats_file_start(void);	/* stats_file.c */
struct hm_cache;
struct hm_printer;
/* hm_stats_dump() to any printer; allocates nothing from the heap */
void hm_stats_dump_pr(struct hm_printer *pr, unsigned int what);
void hm_user_each_cache(void (*fn)(struct hm_cache *c, void *arg), void *arg);
void hm_user_each_cache_split(void (*fn)(struct hm_cache *c, void *arg), void *class_arg,
			      void *cache_arg);
bool hm_user_is_class(const struct hm_cache *c);
bool hm_user_cache_get(struct hm_cache *c, unsigned long ip);	/* a known cache, locked */
void hm_user_cache_put(void);
struct hm_cctx;
/* the hybrid debug route's slow allocation, which the copies of any unit call */
void *hm_user_malloc_debug_slow(struct hm_cctx *cc, unsigned long ip);
/* debug_copies_avx2.c (x86-64): @cc's copies built for AVX2 */
void hm_user_cctx_copies_avx2(struct hm_cctx *cc);
/* the instruction set of the copies contexts get: "avx2", "sse2" or "generic" */
const char *hm_user_debug_isa(void);


/* tests: count errors instead of printing them (NULL: off) */
extern long *volatile hm_user_error_counter;
/* fault injection: fail every Nth chunk request (0: off) */
extern unsigned long hm_user_fail_every;
/* ... and every Nth metadata allocation (contexts, debug memory; 0: off) */
extern unsigned long hm_user_meta_fail_every;
void hm_user_meta_faults(unsigned long every);	/* the same, of this thread, from now */
void hm_user_chunk_faults(unsigned long every);	/* hm_user_fail_every, from now */
/* tests: membarrier() fails (ENOMEM) while set */
extern bool hm_user_sync_fails;
extern long hm_user_chunks_live;
/* released slabs: a batch's wait for the readers, at a point that holds no lock */
void hm_user_retire_poll(bool all);
extern pthread_mutex_t hm_retire_lock;	/* a leaf: taken around fork() */
unsigned long hm_user_chunks_kept_count(void);	/* slab chunks kept for reuse */
unsigned int hm_user_readers_used(void);	/* tests: reader slots held */
void hm_user_tsc_restart(void);		/* tests: the TSC's first pair again */
uint64_t hm_user_tsc_mult(uint64_t dn, uint64_t dt);	/* ns per tick << 32, @dn ns in @dt ticks */
/*
 * The decimal number in environment variable @name, @def when it is unset or
 * empty; a value that is not a number in @min..@max is reported on stderr,
 * and @def used.
 */
unsigned long hm_user_env_num(const char *name, unsigned long min, unsigned long max,
			      unsigned long def);
/*
 * An environment value as a report shows it, in @buf (HM_USER_ENV_SHOW
 * bytes): on one line (a byte that is not printable ASCII as \xNN) and
 * cut after HM_USER_ENV_SHOW_MAX bytes of it ("...").
 */
#define HM_USER_ENV_SHOW_MAX	128
#define HM_USER_ENV_SHOW	(HM_USER_ENV_SHOW_MAX * 4 + 4)
const char *hm_user_env_show(const char *s, char *buf);
/* the value of environment variable @name, NULL when unset or empty; one
 * with a newline (no word nor number of the environment has one) is
 * reported, with @what (the values taken, the fallback), and NULL */
const char *hm_user_env_word(const char *name, const char *what);
/* hm_user_env_num() that reports nothing: for a second reader of a variable */
unsigned long hm_user_env_num_quiet(const char *name, unsigned long min, unsigned long max,
				    unsigned long def);

void *hm_user_malloc(size_t size);
/*
 * hm_malloc() and hm_free() for the library's entry points: a tracking
 * record or a report names @ip, their caller, not the library
 */
void *hm_user_malloc_ip(size_t size, unsigned long ip);
void hm_user_free(void *ptr, unsigned long ip);
/* hm_malloc_usable_size(); @report: what is no live object reported for @ip */
size_t hm_user_usable_size(const void *ptr, unsigned long ip, bool report);

/*
 * malloc's classes (hakmem.c): the core's eight, 8 to 1024 bytes, and eleven
 * medium ones (hm_core_medium_create() past 4 KiB): 2 and 4 KiB, blocks
 * aligned to their size, and nine of 14 down to 6 blocks a 64 KiB slab,
 * each the largest multiple of 64 bytes that many fill beside the slab's
 * header, aligned to the largest power of two that divides it (512 for
 * 4608 bytes ... 64 from 6464 on).
 *
 * HM_USER_MEDIUM_SIZES is the one list of the medium classes' sizes, in
 * ascending order, the last HM_USER_MAX_CLASS: X(a, size) for each.  All
 * else is derived from it: their number, their alignments (below), the
 * size-to-class table (hakmem.c) and, by the core's hm_cache_geometry()
 * when hm_core_medium_create() makes them, how many blocks a slab holds.
 * The tests pin what that gives (hm_test_medium[], common/tests).
 */
#define HM_USER_MAX_CLASS	10816U
#define HM_USER_MEDIUM_SIZES(X, a) \
	X(a, 2048) X(a, 4096) X(a, 4608) X(a, 4992) X(a, 5376) X(a, 5888) \
	X(a, 6464) X(a, 7232) X(a, 8128) X(a, 9280) X(a, HM_USER_MAX_CLASS)
/* the alignments' cap: the core's HM_MAX_OBJ_SIZE (asserted in hakmem.c) */
#define HM_USER_MAX_ALIGN	4096U
/* the largest power of two that divides @size, at most HM_USER_MAX_ALIGN */
#define HM_USER_ALIGN_OF(size) \
	(((size) & -(size)) < HM_USER_MAX_ALIGN ? (size) & -(size) : HM_USER_MAX_ALIGN)

#define HM_USER_X_ONE(a, size)		+ 1
#define HM_USER_X_SIZE(a, size)		(size),
#define HM_USER_X_ALIGN(a, size)	HM_USER_ALIGN_OF(size),
#define HM_USER_MEDIUM		(0 HM_USER_MEDIUM_SIZES(HM_USER_X_ONE, ))
#define HM_USER_CLASSES		(8 + HM_USER_MEDIUM)

/* the block size of class @cls (0 to HM_USER_CLASSES - 1) */
static inline unsigned int hm_user_class_size(unsigned int cls)
{
	static const unsigned int medium[HM_USER_MEDIUM] = {
		HM_USER_MEDIUM_SIZES(HM_USER_X_SIZE, )
	};

	return cls < 8 ? 8U << cls : medium[cls - 8];
}

/* the alignment its blocks have (a power of two, at most its size) */
static inline unsigned int hm_user_class_align(unsigned int cls)
{
	static const unsigned int medium[HM_USER_MEDIUM] = {
		HM_USER_MEDIUM_SIZES(HM_USER_X_ALIGN, )
	};

	return cls < 8 ? 8U << cls : medium[cls - 8];
}
/* the class of an object of 1..HM_USER_MAX_CLASS bytes (hakmem.c) */
unsigned int hm_user_size_class(size_t size);

#include <errno.h>
/* *bytes = n * size; false, with errno ENOMEM, when that overflows */
static inline bool hm_user_array(size_t n, size_t size, size_t *bytes)
{
	if (!__builtin_mul_overflow(n, size, bytes))
		return true;
	errno = ENOMEM;
	return false;
}

/*
 * Set (a strong definition) where libhakmem is the process's malloc
 * (preload.c): metadata then comes from platform.c's own arena, never
 * from calloc(), which would come back into libhakmem.
 */
extern bool hm_user_preload;

/* fork(): every lock taken before, released after in parent and child */
extern pthread_mutex_t hm_sf_lock;	/* stats_file.c */
extern pthread_mutex_t hm_meta_lock;	/* platform.c */

#endif /* HM_USER_H */
