// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * preload.c - libhakmem-preload.so: libhakmem as the process's malloc,
 * for unmodified programs (LD_PRELOAD=.../libhakmem-preload.so prog).
 *
 * Each call is the hm_* one (hm_posix.c, hakmem.c); what is particular to
 * being the process's malloc is here:
 *  - ld.so and libc allocate before any constructor runs, so there is no
 *    constructor: the first call initialises libhakmem.
 *  - libhakmem's initialisation itself calls into libc (atexit,
 *    pthread_create of HAKMEM_STATS_FILE's writer), which may allocate: a
 *    thread that is initialising gets those from a static bootstrap area,
 *    whose blocks are never freed (free() ignores them).
 *  - libhakmem's own metadata comes from platform.c's arena, never from
 *    calloc() (hm_user_preload below).
 *  - fork() and thread exit are handled in hakmem.c for every user of
 *    the library (pthread_atfork, a re-armed thread key); a program's
 *    pthread_atfork() initialises libhakmem first (__register_atfork
 *    below), so that its fork handlers run as glibc's malloc's do.
 * Only these symbols are exported (preload.map), and libhakmem's own
 * calls bind inside the library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hakmem.h"
#include "hm_cache.h"
#include "hm_user.h"

/* the strong definition: platform.c's metadata arena is on */
bool hm_user_preload = true;

static int hm_pl_ready;		/* libhakmem's initialisation is done */
static __thread bool hm_pl_initing __attribute__((tls_model("initial-exec")));

/* allocations made while this thread initialises libhakmem */
#define HM_PL_BOOT_SIZE		(256U << 10)
#define HM_PL_BOOT_HDR		16U	/* the block's size, before it */
static char hm_pl_boot_area[HM_PL_BOOT_SIZE] __attribute__((aligned(4096)));
static size_t hm_pl_boot_used;

static inline bool hm_pl_is_boot(const void *p)
{
	return (uintptr_t)p - (uintptr_t)hm_pl_boot_area < HM_PL_BOOT_SIZE;
}

static size_t hm_pl_boot_size(const void *p)
{
	return *(const size_t *)((const char *)p - HM_PL_BOOT_HDR);
}

/* zeroed (the area is never reused); @align a power of two */
static void *hm_pl_boot_alloc(size_t align, size_t size)
{
	size_t used, off;

	align = HM_MAX(align, (size_t)HM_PL_BOOT_HDR);
	used = __atomic_load_n(&hm_pl_boot_used, __ATOMIC_RELAXED);
	do {
		off = HM_ALIGN_UP(used + HM_PL_BOOT_HDR, align);
		if (size > HM_PL_BOOT_SIZE || off > HM_PL_BOOT_SIZE - size) {
			errno = ENOMEM;
			return NULL;
		}
	} while (!__atomic_compare_exchange_n(&hm_pl_boot_used, &used, off + size, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*(size_t *)(hm_pl_boot_area + off - HM_PL_BOOT_HDR) = size;
	return hm_pl_boot_area + off;
}

/*
 * Before the first allocation is served: true when the caller is inside
 * libhakmem's initialisation and must use the bootstrap area.  Another
 * thread waits in pthread_once() until the initialisation is done.
 */
static noinline bool hm_pl_boot_needed(void)
{
	if (hm_pl_initing)
		return true;
	hm_pl_initing = true;
	(void)hm_default_mode();	/* pthread_once(hm_init) */
	hm_pl_initing = false;
	__atomic_store_n(&hm_pl_ready, 1, __ATOMIC_RELEASE);
	return false;
}

static inline bool hm_pl_boot(void)
{
	return unlikely(!__atomic_load_n(&hm_pl_ready, __ATOMIC_ACQUIRE)) && hm_pl_boot_needed();
}

/*
 * glibc's fork() takes its malloc's locks after every prepare handler and
 * releases them before every parent and child handler, so handlers may
 * allocate.  libhakmem's are pthread_atfork() handlers, run in the order of
 * registration (prepare ones in reverse): one registered before libhakmem
 * initialised (a library's constructor, before the first malloc()) had
 * its prepare handler run with every libhakmem lock taken, and its
 * malloc() waited for ever.  pthread_atfork() is __register_atfork() in
 * libc_nonshared.a, linked into each caller: libhakmem initialises here
 * first, registering its own handlers before the caller's.  Within that
 * initialisation (hakmem.c's own registration) hm_pl_boot() is true at
 * once.
 */
typedef int (*hm_pl_atfork_fn)(void (*)(void), void (*)(void), void (*)(void), void *);
int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
		      void *dso);

int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
		      void *dso)
{
	static hm_pl_atfork_fn next;
	hm_pl_atfork_fn fn = __atomic_load_n(&next, __ATOMIC_ACQUIRE);

	(void)hm_pl_boot();
	if (!fn) {
		fn = (hm_pl_atfork_fn)dlsym(RTLD_NEXT, "__register_atfork");
		if (!fn)
			return ENOMEM;	/* what glibc's returns without memory */
		__atomic_store_n(&next, fn, __ATOMIC_RELEASE);
	}
	return fn(prepare, parent, child, dso);
}

void *malloc(size_t size)
{
	if (hm_pl_boot())
		return hm_pl_boot_alloc(16, size);
	return hm_user_malloc(size);
}

void free(void *ptr)
{
	if (unlikely(hm_pl_is_boot(ptr)))
		return;
	hm_free(ptr);
}

/*
 * C23's sized frees: glibc 2.39's call its own free() inside libc, which
 * would take a hakmem object for a corrupt chunk.  The size and alignment
 * are hints C23 lets a free ignore (a wrong one is undefined behaviour).
 * Declared here: glibc before 2.39 has no prototypes.
 */
void free_sized(void *ptr, size_t size);
void free_aligned_sized(void *ptr, size_t align, size_t size);

void free_sized(void *ptr, size_t size)
{
	(void)size;
	free(ptr);
}

void free_aligned_sized(void *ptr, size_t align, size_t size)
{
	(void)align;
	(void)size;
	free(ptr);
}

void *calloc(size_t n, size_t size)
{
	if (hm_pl_boot()) {
		size_t bytes;

		return hm_user_array(n, size, &bytes) ? hm_pl_boot_alloc(16, bytes) : NULL;
	}
	return hm_calloc(n, size);
}

/* a bootstrap block moves into libhakmem at its first realloc */
static void *hm_pl_boot_realloc(void *ptr, size_t size)
{
	void *p;

	if (!size)
		return NULL;
	p = malloc(size);
	if (p)
		memcpy(p, ptr, HM_MIN(size, hm_pl_boot_size(ptr)));
	return p;
}

void *realloc(void *ptr, size_t size)
{
	if (!ptr)
		return malloc(size);
	if (unlikely(hm_pl_is_boot(ptr)))
		return hm_pl_boot_realloc(ptr, size);
	return hm_realloc(ptr, size);
}

void *reallocarray(void *ptr, size_t n, size_t size)
{
	size_t bytes;

	return hm_user_array(n, size, &bytes) ? realloc(ptr, bytes) : NULL;
}

int posix_memalign(void **memptr, size_t align, size_t size)
{
	if (hm_pl_boot()) {
		if (!align || (align & (align - 1)) || align % sizeof(void *))
			return EINVAL;
		*memptr = hm_pl_boot_alloc(align, size);
		return *memptr ? 0 : ENOMEM;
	}
	return hm_posix_memalign(memptr, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	if (hm_pl_boot()) {
		if (!align || (align & (align - 1))) {
			errno = EINVAL;
			return NULL;
		}
		return hm_pl_boot_alloc(align, size);
	}
	return hm_aligned_alloc(align, size);
}

void *memalign(size_t align, size_t size)
{
	if (hm_pl_boot())
		return align & (align - 1) ? NULL : hm_pl_boot_alloc(align, size);
	return hm_memalign(align, size);
}

void *valloc(size_t size)
{
	if (hm_pl_boot())
		return hm_pl_boot_alloc(4096, size);
	return hm_valloc(size);
}

void *pvalloc(size_t size)
{
	if (hm_pl_boot())
		return hm_pl_boot_alloc(4096, HM_ALIGN_UP(size ? size : 1, (size_t)4096));
	return hm_pvalloc(size);
}

size_t malloc_usable_size(void *ptr)
{
	if (unlikely(hm_pl_is_boot(ptr)))
		return hm_pl_boot_size(ptr);
	return hm_user_usable_size(ptr, HM_RET_IP, true);
}

/*
 * The rest of glibc's malloc API that programs call to watch or trim the
 * heap, about hakmem's (glibc's own would speak of its unused arenas).
 * mallopt() stays glibc's: its settings are about its arenas, which serve
 * nothing here.
 */

/* the pooled empty slabs and kept large chunks back; 1 when any went */
int malloc_trim(size_t pad)
{
	(void)pad;
	if (hm_pl_boot())
		return 0;
	return hm_trim() ? 1 : 0;
}

struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 r = { 0 };
	struct hm_mallinfo mi;

	if (hm_pl_boot())
		return r;
	hm_mallinfo(&mi);
	r.arena = mi.arena;
	r.ordblks = mi.ordblks;
	r.hblks = mi.hblks;
	r.hblkhd = mi.hblkhd;
	r.uordblks = mi.uordblks;
	r.fordblks = mi.fordblks;
	r.keepcost = mi.keepcost;
	return r;
}

/* glibc's older form: ints, which cut figures over 2 GiB, so clamped */
static int hm_pl_int(size_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

struct mallinfo mallinfo(void)
{
	struct mallinfo2 m = mallinfo2();
	struct mallinfo r = { 0 };

	r.arena = hm_pl_int(m.arena);
	r.ordblks = hm_pl_int(m.ordblks);
	r.hblks = hm_pl_int(m.hblks);
	r.hblkhd = hm_pl_int(m.hblkhd);
	r.uordblks = hm_pl_int(m.uordblks);
	r.fordblks = hm_pl_int(m.fordblks);
	r.keepcost = hm_pl_int(m.keepcost);
	return r;
}

/* glibc's XML, of hakmem's memory; @options must be 0 (glibc returns EINVAL) */
int malloc_info(int options, FILE *fp)
{
	if (options)
		return EINVAL;
	if (hm_pl_boot())
		return 0;
	return hm_malloc_info(fp);
}

/* glibc prints its arenas' totals to stderr: here the classes and caches */
void malloc_stats(void)
{
	if (!hm_pl_boot())
		hm_stats_dump(stderr, HM_STATS_CLASSES | HM_STATS_CACHES);
}
