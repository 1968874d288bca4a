/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_plat.h - the userspace side of the platform contract (see
 * common/hm_platform.h): C11-style atomics through GCC builtins, pthread
 * mutexes, mmap'd chunks, and ASan/Valgrind client requests.
 */
#ifndef HM_PLAT_USER_H
#define HM_PLAT_USER_H

#include <assert.h>	/* static_assert(), as the kernel's */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#ifndef __always_inline
#define __always_inline	inline __attribute__((always_inline))
#endif
#ifndef noinline
#define noinline	__attribute__((noinline))
#endif
#ifndef __maybe_unused
#define __maybe_unused	__attribute__((unused))
#endif

#define HM_BITS_PER_LONG	64

#define HM_READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define HM_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

typedef struct { unsigned long counter; } hm_atomic_t;
#define HM_ATOMIC_INIT(v)	{ (v) }

static inline unsigned long hm_atomic_read(const hm_atomic_t *a)
{
	return __atomic_load_n(&a->counter, __ATOMIC_ACQUIRE);
}

static inline void hm_atomic_set(hm_atomic_t *a, unsigned long v)
{
	__atomic_store_n(&a->counter, v, __ATOMIC_RELEASE);
}

static inline unsigned long hm_atomic_fetch_or(hm_atomic_t *a, unsigned long v)
{
	return __atomic_fetch_or(&a->counter, v, __ATOMIC_SEQ_CST);
}

static inline unsigned long hm_atomic_fetch_and(hm_atomic_t *a, unsigned long v)
{
	return __atomic_fetch_and(&a->counter, v, __ATOMIC_SEQ_CST);
}

static inline unsigned long hm_atomic_fetch_add(hm_atomic_t *a, unsigned long v)
{
	return __atomic_fetch_add(&a->counter, v, __ATOMIC_SEQ_CST);
}

static inline unsigned long hm_atomic_xchg(hm_atomic_t *a, unsigned long v)
{
	return __atomic_exchange_n(&a->counter, v, __ATOMIC_SEQ_CST);
}

static inline bool hm_atomic_try_cmpxchg(hm_atomic_t *a, unsigned long *old,
					 unsigned long new)
{
	return __atomic_compare_exchange_n(&a->counter, old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE);
}

static inline unsigned int hm_ctz(unsigned long w)
{
	return (unsigned int)__builtin_ctzl(w);
}

/*
 * Without -mpopcnt (x86-64's baseline) the builtin is a call to libgcc's
 * __popcountdi2, about 20 instructions with the call: the magazine refill
 * counts a word each time.  The SWAR sum inline is 12, no call.
 */
static inline unsigned int hm_popcount(unsigned long w)
{
#if defined(__POPCNT__) || !defined(__x86_64__)
	return (unsigned int)__builtin_popcountl(w);
#else
	w -= (w >> 1) & 0x5555555555555555UL;
	w = (w & 0x3333333333333333UL) + ((w >> 2) & 0x3333333333333333UL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fUL;
	return (unsigned int)((w * 0x0101010101010101UL) >> 56);
#endif
}

typedef pthread_mutex_t hm_lock_t;
#define HM_DEFINE_LOCK(name)	hm_lock_t name = PTHREAD_MUTEX_INITIALIZER
#define hm_lock_init(l)		pthread_mutex_init((l), NULL)
#define hm_lock(l, flags)	do { (void)(flags); pthread_mutex_lock(l); } while (0)
#define hm_unlock(l, flags)	do { (void)(flags); pthread_mutex_unlock(l); } while (0)
/*
 * A mutex is not fair: a walk that drops the lock between steps would
 * take it again before a waiter, just woken, could.  Let the waiter run.
 */
#define hm_lock_yield()		sched_yield()

typedef unsigned int hm_gfp_t;
#define HM_GFP_DEFAULT	0U
#define HM_GFP_ATOMIC	1U

void *hm_plat_chunk_alloc(size_t size, hm_gfp_t gfp);
#define HM_PLAT_CHUNK_FRESH	1
void *hm_plat_chunk_alloc_fresh(size_t size, hm_gfp_t gfp);
void hm_plat_chunk_free_fresh(void *p, size_t size);
/* fresh anonymous mappings: calloc() need not clear them */
#define HM_PLAT_CHUNK_ZEROED	1
void hm_plat_chunk_free(void *p, size_t size);
#define HM_PLAT_CHUNK_DECOMMIT	1
size_t hm_plat_chunk_decommit(void *p, size_t size);
/* the pages a chunk's first @end bytes take, faulted in as they are written */
#define HM_PLAT_CHUNK_COST	1
extern size_t hm_user_page;
size_t hm_user_page_init(void);
static inline size_t hm_plat_chunk_cost(size_t bytes, size_t end)
{
	size_t page = __atomic_load_n(&hm_user_page, __ATOMIC_RELAXED);

	(void)bytes;
	if (__builtin_expect(!page, 0))
		page = hm_user_page_init();
	return (end + page - 1) & ~(page - 1);
}

#define hm_plat_chunk_align(bytes)	((void)(bytes), (size_t)HM_SLAB_SIZE)
#define HM_PLAT_CHUNK_MOVE	1	/* mremap() */
bool hm_plat_chunk_move(void *to, void *from, size_t size);
void *hm_plat_meta_alloc(size_t size, hm_gfp_t gfp);
void hm_plat_meta_free(void *p, size_t size);
/*
 * The slab map's flat bitmap over the user half (x86-64: 47 bits, 2^31
 * granules, 256 MiB reserved read-only, 64 KiB made writable per 32 GiB
 * of address space that holds chunks, a page backed per 2 GiB).
 */
#define HM_PLAT_FLATMAP_BITS	47
/*
 * A process's mappings, unless it asks for higher addresses (hakmem does
 * not): below 2^47 on x86-64 (also with 5-level paging), 2^48 on arm64
 */
#if defined(__x86_64__)
#define HM_PLAT_ADDR_BITS	47
#elif defined(__aarch64__)
#define HM_PLAT_ADDR_BITS	48
#endif
void *hm_plat_map_reserve(size_t size);
int hm_plat_map_commit(void *p, size_t size);

#define hm_memset	memset
#define hm_memcpy	memcpy
#define hm_memmove	memmove
#define hm_strlen	strlen
void hm_strscpy(char *dst, const char *src, size_t n);

u32 hm_plat_ctx_id(void);
/* tracking stamps: the TSC's ticks, or the clock's ns (platform.c) */
extern u64 hm_user_tsc_ticks;
u64 hm_user_clock_ns(void);
u64 hm_plat_stamp_ns(u64 d);

/* set once, before the first switch goes on (hm_plat_debug_ref()) */
static __always_inline bool hm_plat_stamp_inline(void)
{
#if defined(__x86_64__)
	return __builtin_expect(__atomic_load_n(&hm_user_tsc_ticks, __ATOMIC_RELAXED) != 0, 1);
#else
	return false;
#endif
}

static __always_inline u64 hm_plat_stamp_raw(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#else
	return hm_user_clock_ns();
#endif
}

static __always_inline u64 hm_plat_stamp(void)
{
	return hm_plat_stamp_inline() ? hm_plat_stamp_raw() : hm_user_clock_ns();
}

/*
 * The poison check and fill.  libc's memcmp (against a block of the
 * pattern) and memset are vectorised for the CPU they run on, but for a
 * small block the call and their size dispatch cost more than the work:
 * with SSE2, blocks of 16 to 256 bytes are done inline, in 16-byte loads
 * or stores that overlap at the end instead of a loop over the tail, and
 * blocks of 8 bytes in one word.
 */
#define HM_USER_PATTERN		0x6b	/* HM_POISON_FREE (checked in platform.c) */
bool hm_user_mem_is(const void *p, unsigned char c, size_t n);

#ifdef __SSE2__
#include <emmintrin.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

/* 16 <= @n <= 256: the vector cases; and 8, one word */
#define hm_user_vec_size(n)	((n) - 16 <= 256 - 16)
#define hm_plat_mem_inline(n)	(hm_user_vec_size(n) || (n) == 8)
#define HM_USER_WORD(c)		(0x0101010101010101ULL * (unsigned char)(c))

static __always_inline __m128i hm_user_diff(const unsigned char *b, size_t at, __m128i v)
{
	return _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(b + at)), v);
}

#ifdef __AVX2__
/*
 * The poison in a ymm register, loaded: one instruction, where
 * _mm256_set1_epi8() of the constant (and a load the compiler sees
 * through) is three.
 */
static __always_inline __m256i hm_user_pattern32(unsigned char c)
{
	static const u64 poison[4] __attribute__((aligned(32))) = {
		HM_USER_WORD(HM_USER_PATTERN), HM_USER_WORD(HM_USER_PATTERN),
		HM_USER_WORD(HM_USER_PATTERN), HM_USER_WORD(HM_USER_PATTERN),
	};
	__m256i w;

	if (!__builtin_constant_p(c) || c != HM_USER_PATTERN)
		return _mm256_set1_epi8((char)c);
	__asm__("vmovdqa %1, %0" : "=x"(w) : "m"(poison));
	return w;
}

static __always_inline __m256i hm_user_diff32(const unsigned char *b, size_t at, __m256i v)
{
	return _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(b + at)), v);
}
#endif

static __always_inline bool hm_plat_mem_is(const void *p, unsigned char c, size_t n)
{
	const unsigned char *b = (const unsigned char *)p;
	__m128i v = _mm_set1_epi8((char)c), acc;
	size_t i;

	if (unlikely(!hm_user_vec_size(n))) {
		u64 w;

		if (n != 8)
			return hm_user_mem_is(p, c, n);
		memcpy(&w, p, sizeof(w));
		return w == HM_USER_WORD(c);
	}
	/* the differences or'ed together, one test at the end */
	acc = _mm_or_si128(hm_user_diff(b, 0, v), hm_user_diff(b, n - 16, v));
	if (n > 32)
		acc = _mm_or_si128(acc, _mm_or_si128(hm_user_diff(b, 16, v),
						     hm_user_diff(b, n - 32, v)));
	for (i = 32; i + 32 < n; i += 32)
		acc = _mm_or_si128(acc, _mm_or_si128(hm_user_diff(b, i, v),
						     hm_user_diff(b, i + 16, v)));
	return _mm_movemask_epi8(_mm_cmpeq_epi8(acc, _mm_setzero_si128())) == 0xffff;
}

static __always_inline void hm_plat_mem_fill(void *p, unsigned char c, size_t n)
{
	unsigned char *b = (unsigned char *)p;
	__m128i v = _mm_set1_epi8((char)c);
	size_t i;

	if (unlikely(!hm_user_vec_size(n))) {
		u64 w = HM_USER_WORD(c);

		if (n == 8)
			memcpy(p, &w, sizeof(w));
		else
			memset(p, c, n);
		return;
	}
	_mm_storeu_si128((__m128i *)(void *)b, v);
	_mm_storeu_si128((__m128i *)(void *)(b + n - 16), v);
	if (n > 32) {
		_mm_storeu_si128((__m128i *)(void *)(b + 16), v);
		_mm_storeu_si128((__m128i *)(void *)(b + n - 32), v);
	}
	for (i = 32; i + 32 < n; i += 32) {
		__asm__("" : "+r"(i));	/* a loop, not a call to memset */
		_mm_storeu_si128((__m128i *)(void *)(b + i), v);
		_mm_storeu_si128((__m128i *)(void *)(b + i + 16), v);
	}
}

/*
 * The same for @n bytes, @span / 2 < @n <= @span, where @span is a
 * constant power of two from 16 to HM_PLAT_MEM_SPAN_MAX (and 8 <= @n for
 * 16): the loads or stores that start at 0 cover the first half of @span,
 * those that end at @n the rest, and nothing tests @n.  The hybrid debug
 * route has a copy of its common case per span (hm_dbg_span_of()).
 */
#define HM_PLAT_MEM_SPAN_MAX	256

static __always_inline bool hm_plat_mem_is_span(const void *p, unsigned char c, size_t n,
						size_t span)
{
	const unsigned char *b = (const unsigned char *)p;
	__m128i v = _mm_set1_epi8((char)c), acc = _mm_setzero_si128();
	size_t i;

#ifdef __AVX2__
	if (span >= 64) {	/* the AVX2 copies (debug_copies_avx2.c): 32 bytes at a time */
		__m256i w = hm_user_pattern32(c), a = _mm256_setzero_si256();

#pragma GCC unroll 4
		for (i = 0; i < span / 2; i += 32)
			a = _mm256_or_si256(a, _mm256_or_si256(hm_user_diff32(b, i, w),
							       hm_user_diff32(b, n - span / 2 + i, w)));
		return _mm256_testz_si256(a, a);
	}
#endif
	if (span <= 16) {	/* two words, overlapping when @n < 16 */
		u64 w0, w1;

		memcpy(&w0, b, sizeof(w0));
		memcpy(&w1, b + n - 8, sizeof(w1));
		return ((w0 ^ HM_USER_WORD(c)) | (w1 ^ HM_USER_WORD(c))) == 0;
	}
#pragma GCC unroll 8
	for (i = 0; i < span / 2; i += 16)
		acc = _mm_or_si128(acc, _mm_or_si128(hm_user_diff(b, i, v),
						     hm_user_diff(b, n - span / 2 + i, v)));
	return _mm_movemask_epi8(_mm_cmpeq_epi8(acc, _mm_setzero_si128())) == 0xffff;
}

static __always_inline void hm_plat_mem_fill_span(void *p, unsigned char c, size_t n,
						  size_t span)
{
	unsigned char *b = (unsigned char *)p;
	__m128i v = _mm_set1_epi8((char)c);
	size_t i;

#ifdef __AVX2__
	if (span >= 64) {
		__m256i w = hm_user_pattern32(c);

#pragma GCC unroll 4
		for (i = 0; i < span / 2; i += 32) {
			_mm256_storeu_si256((__m256i *)(void *)(b + i), w);
			_mm256_storeu_si256((__m256i *)(void *)(b + n - span / 2 + i), w);
		}
		return;
	}
#endif
	if (span <= 16) {
		u64 w = HM_USER_WORD(c);

		memcpy(b, &w, sizeof(w));
		memcpy(b + n - 8, &w, sizeof(w));
		return;
	}
#pragma GCC unroll 8
	for (i = 0; i < span / 2; i += 16) {
		_mm_storeu_si128((__m128i *)(void *)(b + i), v);
		_mm_storeu_si128((__m128i *)(void *)(b + n - span / 2 + i), v);
	}
}
#else
#define hm_plat_mem_inline(n)		((void)(n), false)
#define hm_plat_mem_is(p, c, n)		hm_user_mem_is((p), (c), (n))
#define hm_plat_mem_fill(p, c, n)	memset((p), (c), (n))
#define HM_PLAT_MEM_SPAN_MAX		0	/* no copies per span */
#define hm_plat_mem_is_span(p, c, n, span)	hm_plat_mem_is((p), (c), (n))
#define hm_plat_mem_fill_span(p, c, n, span)	hm_plat_mem_fill((p), (c), (n))
#endif

#define HM_RET_IP	((unsigned long)__builtin_return_address(0))

/* a context's copies of the hybrid debug route: hm_malloc()'s, per span */
struct hm_cctx;
void hm_user_cctx_copies(struct hm_cctx *cc);
#define hm_plat_cctx_copies(cc)	hm_user_cctx_copies(cc)

void hm_plat_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hm_plat_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A code address as "symbol+0xoff (file+0xoff)" (dladdr; the file offset
 * is what addr2line -e file takes for a PIE or a shared object), in a
 * buffer that lives as long as the statement's block.
 */
#define HM_USER_SYM_LEN	128
const char *hm_user_sym(unsigned long ip, char *buf);
#define HM_SYM_FMT	"%s"
#define HM_SYM(ip)	hm_user_sym((unsigned long)(ip), (char [HM_USER_SYM_LEN]){ 0 })
/* a context id: the thread's (hm_plat_ctx_id()) */
#define HM_CTX_FMT	"thread %u"
#define HM_CTX(id)	(id)

/* debug switches: one byte test per operation, no patching in userspace */
#ifdef HM_NO_DEBUG		/* the baseline the cost of the switches is measured against */
#define HM_DEBUG_ACTIVE()	0
#else
#define HM_DEBUG_ACTIVE()	1
#endif
void hm_user_debug_ref(long delta);	/* calibrates the TSC once */
#define hm_plat_debug_ref(delta)	hm_user_debug_ref(delta)
/* no init_on_free in userspace: freed blocks keep their bytes */
#define hm_plat_init_on_free()		false
void hm_user_switch_step(void);		/* HAKMEM_TEST_SWITCH_PAUSE */
#define hm_plat_switch_step()		hm_user_switch_step()
#define hm_snprintf		snprintf

/*
 * Readers of memory that may be retired (tracking records), as liburcu's
 * membarrier flavour: a thread's brackets are plain stores to its slot,
 * and hm_plat_read_sync() makes every running thread pass a full barrier
 * (membarrier(2)) before it looks at the slots (platform.c).  One word a
 * slot: brackets open (low half) and outermost brackets closed (high).
 */
struct hm_user_reader {
	hm_atomic_t word;	/* written by its thread only */
	hm_atomic_t used;	/* the tid of the thread that has it, or 0 */
	struct hm_user_reader *next;	/* every slot ever made; never freed */
};

#define HM_USER_READ_SHIFT	(HM_BITS_PER_LONG / 2)
#define HM_USER_READ_OPEN	((1UL << HM_USER_READ_SHIFT) - 1)	/* brackets open */
#define HM_USER_READ_CLOSED	(1UL << HM_USER_READ_SHIFT)	/* one outermost closed */
/* 'used' while hm_user_readers_reap() looks at a slot: no tid, no attach takes it */
#define HM_USER_READER_REAPING	(~0UL)

extern __thread struct hm_user_reader *hm_user_reader_self
	__attribute__((tls_model("initial-exec")));
void hm_user_readers_init(void);
struct hm_user_reader *hm_user_reader_attach(void);
void hm_user_reader_detach(void);
void hm_user_reader_exit_thread(void);
void hm_user_readers_fork_child(void);
unsigned int hm_user_readers_reap(void);
bool hm_user_tid_gone(pid_t pid, unsigned long tid);
extern void (*hm_user_reap_test_hook)(struct hm_user_reader *r);
bool hm_plat_read_can_sync(void);
bool hm_plat_read_sync(void);
void hm_plat_read_sync_ctx(hm_atomic_t *seq);

static __always_inline bool hm_plat_read_begin(void)
{
	struct hm_user_reader *r = hm_user_reader_self;

	if (unlikely(!r) && !(r = hm_user_reader_attach()))
		return false;
	__atomic_store_n(&r->word.counter, __atomic_load_n(&r->word.counter, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	/* the load of what is read comes after: membarrier orders the rest */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return true;
}

/* reports made inside a bracket, for the error handler once it closes */
struct hm_user_msg;
extern __thread struct hm_user_msg *hm_user_msgs_waiting
	__attribute__((tls_model("initial-exec")));
void hm_user_msgs_deliver(void);

static __always_inline void hm_plat_read_end(void)
{
	struct hm_user_reader *r = hm_user_reader_self;
	unsigned long w = __atomic_load_n(&r->word.counter, __ATOMIC_RELAXED) - 1;

	if (!(w & HM_USER_READ_OPEN))
		w += HM_USER_READ_CLOSED;
	/* release: what was read is done with before the slot says so */
	__atomic_store_n(&r->word.counter, w, __ATOMIC_RELEASE);
	if (unlikely(hm_user_msgs_waiting) && !(w & HM_USER_READ_OPEN))
		hm_user_msgs_deliver();
}

/*
 * hm_plat_retire(): a released slab waits in a batch until every bracket
 * open at its release has closed (platform.c, hm_user_retire_poll())
 */
typedef struct hm_plat_retire {
	struct hm_plat_retire *next;
	void (*fn)(struct hm_plat_retire *r);
} hm_plat_retire_t;
void hm_plat_retire(hm_plat_retire_t *r, void (*fn)(hm_plat_retire_t *r), size_t bytes);

/*
 * hm_plat_own_inc(): one more on a count that only the calling thread
 * writes and others read, a compiler barrier on both sides.  On x86-64 it
 * is one instruction, an "inc" of the memory word, where the C atomics
 * take a load, an add and a store: the hybrid debug route's brackets and
 * site count, 8 instructions a pair (tools/bench/debug-cost.sh).  The
 * store is single-copy atomic, and TSO keeps it after what came before
 * (a release); ThreadSanitizer, which does not see inside asm, gets the
 * atomics.
 */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HM_USER_TSAN	1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define HM_USER_TSAN	1
#endif

/*
 * HM_DATA_RACE(): a read that races with HM_WRITE_ONCE() on purpose, on a
 * fast path where a marked load costs an instruction (hm_bitmap_free_try()
 * reads adapt.on so).  A plain load in the library; ThreadSanitizer gets
 * the atomic, as the kernel's data_race() tells KCSAN.
 */
#ifdef HM_USER_TSAN
#define HM_DATA_RACE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#else
#define HM_DATA_RACE(x)		(x)
#endif

/*
 * ThreadSanitizer does not take fences (GCC warns, -Wtsan): there they
 * only keep the compiler from moving the accesses, which TSO then keeps.
 */
#ifdef HM_USER_TSAN
#define hm_smp_wmb()	__atomic_signal_fence(__ATOMIC_SEQ_CST)
#define hm_smp_rmb()	__atomic_signal_fence(__ATOMIC_SEQ_CST)
#else
#define hm_smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define hm_smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

#if defined(__x86_64__) && !defined(HM_USER_TSAN)
static __always_inline void hm_plat_own_inc(unsigned long *p)
{
	__asm__ volatile("incq %0" : "+m" (*p) : : "memory", "cc");
}
#else
static __always_inline void hm_plat_own_inc(unsigned long *p)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}
#endif

/*
 * A context's hybrid routes: its own count, no thread slot (a load and a
 * null test less); hm_cache_track_retire() waits for an odd one to move.
 * Membarrier orders the begin before what is read (hm_plat_read_sync()).
 */
static __always_inline void hm_plat_read_ctx_begin(hm_atomic_t *seq)
{
	hm_plat_own_inc(&seq->counter);
}

static __always_inline void hm_plat_read_ctx_end(hm_atomic_t *seq)
{
	hm_plat_own_inc(&seq->counter);
}

/* hm_error is an enum of the core; the hook only needs its value */
bool hm_plat_error_hook(int e);

/* every report reaches the error handler: no rate limit in userspace */
typedef struct {
	char none;
} hm_plat_ratelimit_t;

struct hm_cache;

static inline void hm_plat_ratelimit_init(hm_plat_ratelimit_t *rl)
{
	(void)rl;
}

static inline bool hm_plat_err_ratelimit(struct hm_cache *c, int k)
{
	(void)c;
	(void)k;
	return true;
}

static inline void hm_plat_ratelimit_exit(struct hm_cache *c)
{
	(void)c;
}

/* gcc says ASan by __SANITIZE_ADDRESS__, clang by __has_feature() only */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HM_USER_ASAN	1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HM_USER_ASAN	1
#endif

#ifdef HM_USER_ASAN
#include <sanitizer/asan_interface.h>
#define hm_plat_mark_free(p, n)		ASAN_POISON_MEMORY_REGION((p), (n))
#define hm_plat_mark_alloc(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define hm_plat_obj_alloc(p, n)		do { (void)(p); (void)(n); } while (0)
#define hm_plat_obj_free(p)		do { (void)(p); } while (0)
/*
 * The allocator's own accesses to the link word of a free block, which
 * stays poisoned whole: unchecked, the shadow left as it is.  Opening the
 * word around the access instead would race with a reader on another
 * thread (hm_slab_map()) and could leave a block handed out meanwhile
 * half poisoned.  (Calls: a function without checks is not inlined into
 * one with them.)
 */
static inline __attribute__((no_sanitize_address)) void *
hm_user_link_read(const void *b)
{
	return *(void *const *)b;
}

static inline __attribute__((no_sanitize_address)) void *
hm_user_link_read_once(const void *b)
{
	return __atomic_load_n((void *const *)b, __ATOMIC_RELAXED);
}

static inline __attribute__((no_sanitize_address)) void
hm_user_link_write(void *b, void *v)
{
	*(void **)b = v;
}

#define HM_USER_LINKS
#elif defined(HM_VALGRIND)
#include <valgrind/memcheck.h>
/*
 * Objects are described to memcheck as heap blocks, so its reports of a
 * use after free name the allocation and the free; the ranges a slab
 * keeps free are no-access between the two.
 */
#define hm_plat_mark_free(p, n)		VALGRIND_MAKE_MEM_NOACCESS((p), (n))
#define hm_plat_mark_alloc(p, n)	VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define hm_plat_obj_alloc(p, n)		VALGRIND_MALLOCLIKE_BLOCK((p), (n), 0, 0)
#define hm_plat_obj_free(p)		VALGRIND_FREELIKE_BLOCK((p), 0)
/*
 * The allocator's own accesses to the link word of a free block, which
 * stays no-access: with this thread's error reporting off, the A and V
 * bits left as they are (memcheck lets the store through), so no other
 * thread's view of the block moves.  A value read is defined: a link, or
 * the first word of a block being freed, which the user need not have
 * written (the freelist mode's double-free check reads it).
 */
static inline void *hm_user_link_read(const void *b)
{
	void *v;

	VALGRIND_DISABLE_ERROR_REPORTING;
	v = *(void *const *)b;
	VALGRIND_ENABLE_ERROR_REPORTING;
	VALGRIND_MAKE_MEM_DEFINED(&v, sizeof(v));
	return v;
}

static inline void *hm_user_link_read_once(const void *b)
{
	void *v;

	VALGRIND_DISABLE_ERROR_REPORTING;
	v = __atomic_load_n((void *const *)b, __ATOMIC_RELAXED);
	VALGRIND_ENABLE_ERROR_REPORTING;
	VALGRIND_MAKE_MEM_DEFINED(&v, sizeof(v));
	return v;
}

static inline void hm_user_link_write(void *b, void *v)
{
	VALGRIND_DISABLE_ERROR_REPORTING;
	*(void **)b = v;
	VALGRIND_ENABLE_ERROR_REPORTING;
}

#define HM_USER_LINKS
#else
#define hm_plat_mark_free(p, n)		do { (void)(p); (void)(n); } while (0)
#define hm_plat_mark_alloc(p, n)	do { (void)(p); (void)(n); } while (0)
#define hm_plat_obj_alloc(p, n)		do { (void)(p); (void)(n); } while (0)
#define hm_plat_obj_free(p)		do { (void)(p); } while (0)
#endif

#ifdef HM_USER_LINKS
#define hm_plat_link_read(b)		hm_user_link_read(b)
#define hm_plat_link_read_once(b)	hm_user_link_read_once(b)
#define hm_plat_link_write(b, v)	hm_user_link_write((b), (v))
#endif

#endif /* HM_PLAT_USER_H */
