// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * platform.c - userspace implementation of the platform contract.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hm_platform.h"
#include "hm_debug.h"
#include "hm_user.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/* chunks hold the only pointers to some metadata: LeakSanitizer scans them */
#define hm_lsan_root(p, n)	__lsan_register_root_region((p), (n))
#define hm_lsan_unroot(p, n)	__lsan_unregister_root_region((p), (n))
#else
#define hm_lsan_root(p, n)	do { (void)(p); (void)(n); } while (0)
#define hm_lsan_unroot(p, n)	do { (void)(p); (void)(n); } while (0)
#endif

/* mmap twice the size and trim, so the chunk is aligned to HM_SLAB_SIZE */
void *hm_plat_chunk_alloc(size_t size, hm_gfp_t gfp)
{
	const size_t align = 1UL << 16;
	size_t span;
	char *raw, *p;

	(void)gfp;
	if (hm_user_chunk_fault())
		return NULL;
	if (size > SIZE_MAX / 2 - align)
		return NULL;
	span = size + align;
	raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (p != raw)
		munmap(raw, (size_t)(p - raw));
	if (p + size != raw + span)
		munmap(p + size, (size_t)(raw + span - (p + size)));
	hm_user_chunk_count(1);
	/* a new mapping at a recycled address must not keep old poison */
	hm_plat_mark_alloc(p, size);
	hm_lsan_root(p, size);
	return p;
}

void hm_plat_chunk_free(void *p, size_t size)
{
	hm_lsan_unroot(p, size);
	munmap(p, size);
	hm_user_chunk_count(-1);
}

void *hm_plat_meta_alloc(size_t size, hm_gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (hm_user_meta_fault())
		return NULL;
	if (size >= 4096) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	return calloc(1, size);
}

void hm_plat_meta_free(void *p, size_t size)
{
	if (size >= 4096)
		munmap(p, size);
	else
		free(p);
}

/*
 * Address space only: MAP_NORESERVE takes no commit charge, pages are
 * backed when first written.  Fails under a tight RLIMIT_AS, or with
 * HM_FLATMAP=0 in the environment (to test the tree on its own).
 */
void *hm_plat_map_reserve(size_t size)
{
	const char *env = getenv("HM_FLATMAP");
	void *p;

	if (env && !strcmp(env, "0"))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void hm_strscpy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i];
	if (n)
		dst[i] = '\0';
}

u32 hm_plat_ctx_id(void)
{
	static __thread u32 tid;

	if (!tid)
		tid = (u32)syscall(SYS_gettid);
	return tid;
}

/*
 * Tracking timestamps.  clock_gettime() costs about 20 instructions a call
 * through the vDSO, twice per allocation and free while tracking is on;
 * the time-stamp counter costs one, and its ticks are kept as they are:
 * only a report or a dump turns a difference into nanoseconds.  It is
 * calibrated against CLOCK_MONOTONIC (10 ms) the first time a debug switch
 * goes on, before any stamp is taken, and only where the CPU says it runs at
 * a constant rate whatever the power state; elsewhere the clock is read.
 */
u64 hm_user_tsc_mult;		/* ns per tick << 32; 0: not calibrated */

u64 hm_user_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

#if defined(__x86_64__)
static bool hm_tsc_invariant(void)
{
	char line[4096];
	bool constant = false, nonstop = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}

/* The TSC between two clock reads: their midpoint, and how far apart. */
static u64 hm_tsc_sample(u64 *ns, u64 *width)
{
	u64 a = hm_user_clock_ns(), t = __builtin_ia32_rdtsc(), b = hm_user_clock_ns();

	*ns = a + (b - a) / 2;
	*width = b - a;
	return t;
}

/*
 * Ticks against nanoseconds over 10 ms, each end bracketed by two clock
 * reads.  A read may be slow (preemption, valgrind): the result is kept
 * only when both brackets together are under 0.5% of the window, so ages
 * are good to 0.5%; after three tries the clock is read instead.
 */
static void hm_tsc_calibrate(void)
{
	u64 t0, n0, w0, t1, n1, w1;
	unsigned int tries;

	if (!hm_tsc_invariant())
		return;
	for (tries = 0; tries < 3; tries++) {
		t0 = hm_tsc_sample(&n0, &w0);
		do
			t1 = hm_tsc_sample(&n1, &w1);
		while (n1 - n0 < 10000000);
		if (t1 > t0 && w0 + w1 < (n1 - n0) / 200) {
			__atomic_store_n(&hm_user_tsc_mult, ((n1 - n0) << 32) / (t1 - t0),
					 __ATOMIC_RELEASE);
			return;
		}
	}
}
#else
static void hm_tsc_calibrate(void)
{
}
#endif

/* what hm_plat_mem_is() compares with: every byte HM_POISON_FREE */
_Static_assert(HM_USER_PATTERN == HM_POISON_FREE, "the pattern is the poison");
const unsigned char hm_user_poison_pattern[HM_USER_PATTERN_BYTES] = {
	[0 ... HM_USER_PATTERN_BYTES - 1] = HM_POISON_FREE
};

/* Stamps are ticks once calibrated, nanoseconds before and elsewhere. */
u64 hm_plat_stamp_ns(u64 d)
{
	u64 mult = __atomic_load_n(&hm_user_tsc_mult, __ATOMIC_RELAXED);

	/* another CPU's counter may be a little behind: a negative age is 0 */
	if ((s64)d <= 0)
		return 0;
	return mult ? (u64)(((unsigned __int128)d * mult) >> 32) : d;
}

void hm_user_debug_ref(long delta)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (delta > 0)
		pthread_once(&once, hm_tsc_calibrate);
}

void hm_plat_err(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hm_user_error_message(msg);
}

void hm_plat_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("hakmem: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
