// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * platform.c - userspace implementation of the platform contract.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hm_platform.h"
#include "hm_cache.h"
#include "hm_debug.h"
#include "hm_user.h"

#ifdef HM_USER_ASAN	/* hm_plat.h: gcc's or clang's */
#include <sanitizer/lsan_interface.h>
/* chunks hold the only pointers to some metadata: LeakSanitizer scans them */
#define hm_lsan_root(p, n)	__lsan_register_root_region((p), (n))
#define hm_lsan_unroot(p, n)	__lsan_unregister_root_region((p), (n))
#else
#define hm_lsan_root(p, n)	do { (void)(p); (void)(n); } while (0)
#define hm_lsan_unroot(p, n)	do { (void)(p); (void)(n); } while (0)
#endif

/*
 * Slab chunks given back keep their address range, their pages returned
 * (MADV_DONTNEED), for the next slab chunk: hm_free() reads a slab's
 * header before it knows the slab is alive, and a stale pointer must find
 * memory there, never a hole (jemalloc's "retain").  The first page stays
 * as it is, linked through the header's retire field: its key (a released
 * slab's: magic 0, owner HM_CTX_NONE; a large chunk's) matches no
 * thread's, not even 0, the key of a thread that never attached.  A large
 * chunk keeps its first granule so, the rest is unmapped; the next large
 * chunk maps its own rest right after such a granule where that range is
 * still free (hm_user_chunk_extend()), or every large free would leave one
 * more granule mapped for good, a mapping of its own, until the process
 * reached vm.max_map_count.
 */
pthread_mutex_t hm_retire_lock = PTHREAD_MUTEX_INITIALIZER;
static bool hm_user_membarrier_usable(void);

/*
 * A list of chunks under hm_retire_lock, its length and bytes also read
 * without the lock (a hint: the caller takes the lock to be sure).
 */
struct hm_user_rlist {
	hm_plat_retire_t *head;
	unsigned long n, bytes;
};

/* Push the chain @first .. @last of @n chunks, @bytes in all, onto @l. */
static void hm_rlist_push(struct hm_user_rlist *l, hm_plat_retire_t *first,
			  hm_plat_retire_t *last, unsigned long n, unsigned long bytes)
{
	pthread_mutex_lock(&hm_retire_lock);
	last->next = l->head;
	l->head = first;
	__atomic_store_n(&l->n, l->n + n, __ATOMIC_RELAXED);
	__atomic_store_n(&l->bytes, l->bytes + bytes, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&hm_retire_lock);
}

/*
 * Take @l's first chunk (@all false; its bytes are not counted) or the
 * whole chain, with its length and bytes in *@n and *@bytes.
 */
static hm_plat_retire_t *hm_rlist_take(struct hm_user_rlist *l, bool all, unsigned long *n,
				       unsigned long *bytes)
{
	hm_plat_retire_t *r;

	pthread_mutex_lock(&hm_retire_lock);
	r = l->head;
	*n = r ? (all ? l->n : 1) : 0;
	*bytes = all ? l->bytes : 0;
	if (r) {
		l->head = all ? NULL : r->next;
		__atomic_store_n(&l->n, l->n - *n, __ATOMIC_RELAXED);
		__atomic_store_n(&l->bytes, l->bytes - *bytes, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&hm_retire_lock);
	return r;
}

/*
 * The chunks given back, their address range kept for the next ones; a
 * large chunk's rest could not be mapped after those in hm_chunks_stuck
 * (the range is taken), which serve only as slab chunks, first.
 */
static struct hm_user_rlist hm_chunks_kept, hm_chunks_stuck;
/*
 * The first granules of chunks that held an object at their start (its
 * header out of line), never registered in the slab map: only such
 * chunks take them (hm_plat_chunk_alloc_fresh())
 */
static struct hm_user_rlist hm_chunks_fresh;

unsigned long hm_user_chunks_kept_count(void)
{
	return __atomic_load_n(&hm_chunks_kept.n, __ATOMIC_RELAXED) +
	       __atomic_load_n(&hm_chunks_stuck.n, __ATOMIC_RELAXED) +
	       __atomic_load_n(&hm_chunks_fresh.n, __ATOMIC_RELAXED);
}

size_t hm_user_page;	/* the same whoever sets it first */

/* the page size, read once: hm_user_page */
size_t hm_user_page_init(void)
{
	size_t p = (size_t)sysconf(_SC_PAGESIZE);

	__atomic_store_n(&hm_user_page, p, __ATOMIC_RELAXED);
	return p;
}

/* the bytes at a kept chunk's start whose pages stay: its first page */
static size_t hm_user_kept_head(void)
{
	size_t p = __atomic_load_n(&hm_user_page, __ATOMIC_RELAXED);

	return p ? p : hm_user_page_init();
}

/* The kept granule @r as a chunk's first: it reads as a fresh one. */
static char *hm_user_kept_ready(hm_plat_retire_t *r)
{
	char *p = (char *)r - offsetof(struct hm_slab, retire);

	hm_plat_mark_alloc(p, HM_SLAB_SIZE);
	/* reads as zeroes (HM_PLAT_CHUNK_ZEROED) but for the key, which the user's part never is */
	memset(p + sizeof(u64), 0, HM_MIN(hm_user_kept_head(), (size_t)HM_SLAB_SIZE) - sizeof(u64));
	return p;
}

static void *hm_user_chunk_reuse(void)
{
	unsigned long n, bytes;
	hm_plat_retire_t *r;

	if (!hm_user_chunks_kept_count())
		return NULL;
	r = hm_rlist_take(&hm_chunks_stuck, false, &n, &bytes);
	if (!r)
		r = hm_rlist_take(&hm_chunks_kept, false, &n, &bytes);
	return r ? hm_user_kept_ready(r) : NULL;
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

/*
 * A large chunk of @size bytes whose first granule is a kept one: its
 * rest mapped right after it, where the rest of the large chunk given
 * back last most likely was.  A few granules are tried; those whose next
 * range is taken go to hm_chunks_stuck.  NULL: none would do.  From
 * hm_chunks_kept, or @from.
 */
static void *hm_user_chunk_extend(size_t size, struct hm_user_rlist *from)
{
	size_t rest = size - HM_SLAB_SIZE;
	int saved_errno = errno;	/* a try that fails is no failure of malloc() */
	unsigned long n, bytes;
	unsigned int tries;
	hm_plat_retire_t *r;
	char *p, *q;

	for (tries = 0; tries < 4; tries++, errno = saved_errno) {
		if (!__atomic_load_n(&from->n, __ATOMIC_RELAXED))
			return NULL;
		r = hm_rlist_take(from, false, &n, &bytes);
		if (!r)
			return NULL;
		p = (char *)r - offsetof(struct hm_slab, retire);
		q = mmap(p + HM_SLAB_SIZE, rest, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (q == p + HM_SLAB_SIZE)
			return hm_user_kept_ready(r);
		if (q != MAP_FAILED)	/* a kernel before 4.17 took the address as a hint */
			munmap(q, rest);
		hm_rlist_push(&hm_chunks_stuck, r, r, 1, 0);
	}
	return NULL;
}

/*
 * A chunk of @size whose first granule held an object at its start before
 * (hm_chunks_fresh), or NULL; its first word cleared too: no free reads it
 * as a key.
 */
static char *hm_user_chunk_fresh(size_t size)
{
	unsigned long n, bytes;
	hm_plat_retire_t *r;
	char *p = NULL;

	if (!__atomic_load_n(&hm_chunks_fresh.n, __ATOMIC_RELAXED))
		return NULL;
	if (size == HM_SLAB_SIZE) {
		r = hm_rlist_take(&hm_chunks_fresh, false, &n, &bytes);
		if (r)
			p = hm_user_kept_ready(r);
	} else if (size <= SIZE_MAX / 2) {
		p = hm_user_chunk_extend(size, &hm_chunks_fresh);
	}
	if (p)
		memset(p, 0, sizeof(u64));
	return p;
}

/*
 * Freed large chunks kept for reuse hold address space and commit charge,
 * up to 1 GiB (hm_large.c): where the system refuses a mapping
 * (RLIMIT_AS, vm.overcommit_memory=2) they go back before a chunk fails,
 * and the caller tries again.  False: none was kept.
 */
static bool hm_user_give_kept(void)
{
	if (!hm_large_kept() || !hm_large_trim())
		return false;
	hm_user_retire_poll(true);
	return true;
}

/*
 * The kept granules themselves, all but their first page unmapped, where
 * the system refuses a mapping even without the kept large chunks: under
 * RLIMIT_AS the slab chunks of a program's peak held all of its address
 * space for good, and once it had freed them every object above the
 * medium classes failed (none of the granules abuts a free range a large
 * chunk could extend into).  The first page stays, for good, with the key
 * a free reads without a bracket (hm_free(): a stale free may have read
 * the slab map just before the slab went): no new mapping can start where
 * a slab was, so an object at its chunk's start never lands there
 * (hm_plat_chunk_alloc_fresh()), and a stale free reads a dead key as
 * before.  The granules of hm_chunks_fresh were never a slab's: unmapped
 * whole.  A granule whose unmapping fails (vm.max_map_count: the page
 * left splits a mapping) goes back to its list.  Callers may hold
 * hakmem's locks but hm_retire_lock.  False: none was given back.
 */
static bool hm_user_give_granules(void)
{
	struct hm_user_rlist *lists[] = { &hm_chunks_stuck, &hm_chunks_kept, &hm_chunks_fresh };
	size_t head = HM_MIN(hm_user_kept_head(), (size_t)HM_SLAB_SIZE);
	hm_plat_retire_t *r, *next;
	unsigned long n, bytes;
	bool gave = false;
	unsigned int i;

	if (!hm_user_chunks_kept_count())
		return false;
	for (i = 0; i < HM_ARRAY_SIZE(lists); i++) {
		size_t keep = lists[i] == &hm_chunks_fresh ? 0 : head;

		if (keep == HM_SLAB_SIZE)	/* pages of a granule's size: nothing to give */
			continue;
		for (r = hm_rlist_take(lists[i], true, &n, &bytes); r; r = next) {
			char *p = (char *)r - offsetof(struct hm_slab, retire);

			next = r->next;
			if (munmap(p + keep, HM_SLAB_SIZE - keep))
				hm_rlist_push(lists[i], r, r, 1, 0);
			else
				gave = true;
		}
	}
	return gave;
}

/* mmap() of a fresh read-write private mapping, the kept granules given back if need be */
static void *hm_user_mmap(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED && hm_user_give_granules())
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p;
}

/*
 * mmap twice the size and trim, so the chunk is aligned to HM_SLAB_SIZE.
 * Not MAP_NORESERVE: the kernel's overcommit heuristic refuses a chunk
 * beyond the machine's memory and swap, and malloc() returns NULL as on
 * glibc, not memory the program is killed for when it touches it.
 * NULL with errno ENOMEM when there is none.  Every caller holds none of
 * hakmem's locks: the chunks given back a batch ago are finished here
 * first (hm_user_retire_poll()), and the kept large ones when the mapping
 * fails (hm_user_give_kept()).  @fresh: a new range, or one of
 * hm_chunks_fresh (hm_plat_chunk_alloc_fresh()).
 */
static void *hm_user_chunk_alloc(size_t size, bool fresh)
{
	const size_t align = 1UL << 16;
	size_t span;
	char *raw, *p;

	if (hm_user_chunk_fault())
		goto fail;
	hm_user_retire_poll(false);
	if (fresh)
		p = hm_user_chunk_fresh(size);
	else if (size == HM_SLAB_SIZE)
		p = hm_user_chunk_reuse();
	else if (size > HM_SLAB_SIZE && size <= SIZE_MAX / 2)
		p = hm_user_chunk_extend(size, &hm_chunks_kept);
	else
		p = NULL;
	if (p) {
		hm_user_chunk_count(1);
		hm_plat_mark_alloc(p, size);
		hm_lsan_root(p, size);
		return p;
	}
	if (size > SIZE_MAX / 2 - align)
		goto fail;
	span = size + align;
	raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED && hm_user_give_kept())
		raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		hm_user_retire_poll(true);	/* those waiting become kept granules */
		raw = hm_user_mmap(span);
	}
	if (raw == MAP_FAILED)
		goto fail;
	/*
	 * The aligned chunk at the top of the span: mmap places mappings top
	 * down, so it abuts the chunk mapped before and the kernel merges the
	 * two into one mapping.  At the bottom, a 64 KiB hole parted every two
	 * chunks: a mapping each, and vm.max_map_count (65 530) capped slab
	 * memory at 4 GiB.
	 */
	p = (char *)(((uintptr_t)raw + span - size) & ~(uintptr_t)(align - 1));
	if (p != raw)
		munmap(raw, (size_t)(p - raw));
	if (p + size != raw + span)
		munmap(p + size, (size_t)(raw + span - (p + size)));
	hm_user_chunk_count(1);
	/* a new mapping at a recycled address must not keep old poison */
	hm_plat_mark_alloc(p, size);
	hm_lsan_root(p, size);
	return p;
fail:
	/* malloc()'s ENOMEM, whatever mmap said (memcheck: EINVAL for a huge one) */
	errno = ENOMEM;
	return NULL;
}

void *hm_plat_chunk_alloc(size_t size, hm_gfp_t gfp)
{
	(void)gfp;
	return hm_user_chunk_alloc(size, false);
}

/*
 * A kept granule's first word is a key no thread has (a released slab's,
 * a large chunk's header): a free's fast path reads it without a bracket,
 * and may have found the granule registered just before it went.  An
 * object at a chunk's start (its header out of line) writes that word:
 * its chunk is a new range, where no chunk was ever registered (ranges
 * unmapped were never a chunk's first granule), or one whose first
 * granule only such chunks had (hm_plat_chunk_free_fresh()).
 */
void *hm_plat_chunk_alloc_fresh(size_t size, hm_gfp_t gfp)
{
	(void)gfp;
	return hm_user_chunk_alloc(size, true);
}

/*
 * free() leaves errno alone (POSIX; glibc since 2.33): the calls here may
 * fail without that being a failure of the caller's, e.g. madvise() of
 * locked pages (mlockall()): errno is kept, as in every platform call a
 * free() may reach.
 */
static void hm_user_chunk_free(void *p, size_t size, struct hm_user_rlist *to)
{
	hm_plat_retire_t *r = &((struct hm_slab *)p)->retire;
	size_t head = hm_user_kept_head();
	int saved_errno = errno;

	hm_lsan_unroot(p, size);
	hm_user_chunk_count(-1);
	if (size > HM_SLAB_SIZE)	/* a large chunk: its first granule stays */
		munmap((char *)p + HM_SLAB_SIZE, size - HM_SLAB_SIZE);
	if (head < HM_SLAB_SIZE &&
	    madvise((char *)p + head, HM_SLAB_SIZE - head, MADV_DONTNEED)) {
		/* locked pages stay as they were: the next chunk here reads as fresh */
		hm_plat_mark_alloc((char *)p + head, HM_SLAB_SIZE - head);
		memset((char *)p + head, 0, HM_SLAB_SIZE - head);
	}
	errno = saved_errno;
	hm_rlist_push(to, r, r, 1, 0);
}

void hm_plat_chunk_free(void *p, size_t size)
{
	hm_user_chunk_free(p, size, &hm_chunks_kept);
}

/* a chunk of hm_plat_chunk_alloc_fresh(): its first granule for such chunks only */
void hm_plat_chunk_free_fresh(void *p, size_t size)
{
	hm_user_chunk_free(p, size, &hm_chunks_fresh);
}

/*
 * A kept large chunk's pages from the first page boundary at or after @p
 * on: the range stays; the bytes before that boundary keep theirs.
 * madvise() refuses locked pages (mlock(), mlockall(MCL_FUTURE)), which
 * keep their bytes: @size then, errno kept.
 */
size_t hm_plat_chunk_decommit(void *p, size_t size)
{
	size_t page = hm_user_kept_head();
	char *from = (char *)(((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1));
	size_t head = (size_t)(from - (char *)p);
	int saved_errno = errno;

	if (head >= size || madvise(from, size - head, MADV_DONTNEED)) {
		errno = saved_errno;
		return size;
	}
	return head;
}

/*
 * The large chunk @from's pages past its first granule go to the same
 * offsets of the fresh chunk @to: mremap() moves the page tables, no byte
 * is copied (glibc's realloc() of an mmapped chunk).  The first granule
 * stays mapped, as every given-back large chunk's does, for a stale
 * pointer's reader; the rest of @from is unmapped at once, so it is given
 * back as a chunk of HM_SLAB_SIZE.  False, errno kept: nothing moved
 * (vm.max_map_count, no memory for the page tables).
 */
bool hm_plat_chunk_move(void *to, void *from, size_t size)
{
	char *src = (char *)from + HM_SLAB_SIZE, *dst = (char *)to + HM_SLAB_SIZE;
	int saved_errno = errno;

	if (size <= HM_SLAB_SIZE)
		return false;
	if (mremap(src, size - HM_SLAB_SIZE, size - HM_SLAB_SIZE,
		   MREMAP_MAYMOVE | MREMAP_FIXED, dst) != (void *)dst) {
		errno = saved_errno;
		return false;
	}
	hm_lsan_unroot(from, size);
	hm_lsan_root(from, HM_SLAB_SIZE);
	return true;
}

/*
 * Released slabs wait here, a batch at a time, for the readers that may
 * still have them (hm_plat_read_sync()): a free path that found the slab
 * before its release reads it inside a bracket.  Without membarrier
 * there is no waiting: the slab goes at once, as before.
 */
#define HM_RETIRE_BATCH		16		/* chunks, or ... */
#define HM_RETIRE_BATCH_BYTES	(4UL << 20)	/* ... bytes waiting */

static struct hm_user_rlist hm_retiring;

void hm_plat_retire(hm_plat_retire_t *r, void (*fn)(hm_plat_retire_t *r), size_t bytes)
{
	r->fn = fn;
	if (!hm_user_membarrier_usable()) {
		fn(r);
		return;
	}
	hm_rlist_push(&hm_retiring, r, r, 1, bytes);
}

/*
 * Finish a batch of released slabs and large chunks (@all: whatever
 * waits), if the caller may wait for readers: it holds none of hakmem's
 * locks (hm_plat_chunk_alloc(), hm_trim()) and is in no bracket.
 */
void hm_user_retire_poll(bool all)
{
	hm_plat_retire_t *r, *next, *last;
	unsigned long n = __atomic_load_n(&hm_retiring.n, __ATOMIC_RELAXED), bytes;

	if (!n || (!all && n < HM_RETIRE_BATCH &&
		   __atomic_load_n(&hm_retiring.bytes, __ATOMIC_RELAXED) < HM_RETIRE_BATCH_BYTES) ||
	    !hm_plat_read_can_sync())
		return;
	r = hm_rlist_take(&hm_retiring, true, &n, &bytes);
	if (!r)
		return;
	if (!hm_plat_read_sync()) {	/* no memory for the wait: later */
		for (last = r; last->next; last = last->next)
			;
		hm_rlist_push(&hm_retiring, r, last, n, bytes);
		return;
	}
	for (; r; r = next) {
		next = r->next;
		r->fn(r);
	}
}

/*
 * Metadata below a page: calloc() in the library, where sanitizers and
 * memcheck see it.  Where libhakmem is the process's malloc, calloc()
 * would come back into it, inside its initialisation or under its locks:
 * there it comes from this arena, power-of-two blocks of 16 bytes to a
 * page carved from 64 KiB mappings, recycled by size.
 */
bool hm_user_preload __attribute__((weak));

#define HM_META_MIN_SHIFT	4
#define HM_META_CLASSES		9	/* 16 .. 4096 bytes */
#define HM_META_MAP		(64UL << 10)

pthread_mutex_t hm_meta_lock = PTHREAD_MUTEX_INITIALIZER;
static void *hm_meta_freelist[HM_META_CLASSES];
static char *hm_meta_cur;
static size_t hm_meta_left;

static unsigned int hm_meta_class(size_t size)
{
	unsigned int c = 0;

	while ((1UL << (c + HM_META_MIN_SHIFT)) < size)
		c++;
	return c;
}

static void *hm_meta_arena_alloc(size_t size)
{
	unsigned int c = hm_meta_class(size);
	size_t bytes = 1UL << (c + HM_META_MIN_SHIFT);
	void **p;

	pthread_mutex_lock(&hm_meta_lock);
	p = hm_meta_freelist[c];
	if (p) {
		hm_meta_freelist[c] = *p;
	} else {
		if (hm_meta_left < bytes) {
			/* the old mapping's tail (under a page) is left unused */
			char *m = hm_user_mmap(HM_META_MAP);

			if (m == MAP_FAILED) {
				pthread_mutex_unlock(&hm_meta_lock);
				return NULL;
			}
			hm_meta_cur = m;
			hm_meta_left = HM_META_MAP;
		}
		p = (void **)hm_meta_cur;
		hm_meta_cur += bytes;
		hm_meta_left -= bytes;
	}
	pthread_mutex_unlock(&hm_meta_lock);
	memset(p, 0, size);
	return p;
}

static void hm_meta_arena_free(void *p, size_t size)
{
	unsigned int c = hm_meta_class(size);

	pthread_mutex_lock(&hm_meta_lock);
	*(void **)p = hm_meta_freelist[c];
	hm_meta_freelist[c] = p;
	pthread_mutex_unlock(&hm_meta_lock);
}

void *hm_plat_meta_alloc(size_t size, hm_gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (hm_user_meta_fault())
		return NULL;
	if (size >= 4096) {
		p = hm_user_mmap(size);
		if (p == MAP_FAILED)
			return NULL;
		/*
		 * scanned by LeakSanitizer, as chunks are: the map of large
		 * objects' headers out of line holds the only pointers to them
		 */
		hm_lsan_root(p, size);
		return p;
	}
	if (hm_user_preload)
		return hm_meta_arena_alloc(size);
	return calloc(1, size);
}

void hm_plat_meta_free(void *p, size_t size)
{
	if (size >= 4096) {
		hm_lsan_unroot(p, size);
		munmap(p, size);
	} else if (hm_user_preload) {
		hm_meta_arena_free(p, size);
	} else {
		free(p);
	}
}

/*
 * Address space only.  Read-only, so that it takes no commit charge even
 * under vm.overcommit_memory=2, where MAP_NORESERVE is ignored: reads of
 * pages never written map the zero page.  hm_plat_map_commit() makes the
 * parts that get bits writable, and only those are charged.  Not made
 * under an RLIMIT_AS less than 8 times @size (2 GiB): the limit counts
 * the reservation in full, and under ulimit -v 400000 a program got 142
 * MB of objects instead of glibc's 414 (its first chunk's reservation
 * took 256 MiB of the 390).  Fails under a tighter limit anyway, or with
 * HM_FLATMAP=0 in the environment (to test the tree on its own; 0 or 1,
 * as the set-up reads it and reports another value, maybe after this).
 */
#define HM_USER_MAP_RESERVE_SHARE	8	/* at most 1/8 of RLIMIT_AS */

void *hm_plat_map_reserve(size_t size)
{
	struct rlimit as;
	void *p;

	if (!hm_user_env_num_quiet("HM_FLATMAP", 0, 1, 1))
		return NULL;
	if (!getrlimit(RLIMIT_AS, &as) && as.rlim_cur != RLIM_INFINITY &&
	    as.rlim_cur / HM_USER_MAP_RESERVE_SHARE < size)
		return NULL;
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* fails when the commit limit (overcommit_memory=2) or RLIMIT_DATA says no */
int hm_plat_map_commit(void *p, size_t size)
{
	return mprotect(p, size, PROT_READ | PROT_WRITE) ? -1 : 0;
}

void hm_strscpy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i];
	if (n)
		dst[i] = '\0';
}

static __thread u32 hm_tid;

u32 hm_plat_ctx_id(void)
{
	if (!hm_tid)
		hm_tid = (u32)syscall(SYS_gettid);
	return hm_tid;
}

/* in a fork() child: the thread has a new tid */
void hm_user_ctx_id_reset(void)
{
	hm_tid = 0;
}

/* ---- readers of retirable memory (hm_plat_read_begin()) --------------- */

__thread struct hm_user_reader *hm_user_reader_self __attribute__((tls_model("initial-exec")));
static struct hm_user_reader *hm_user_readers;	/* pushed, never unlinked */
static pthread_once_t hm_user_readers_once = PTHREAD_ONCE_INIT;
static pthread_key_t hm_user_reader_key;	/* gives a slot back at thread exit */

/*
 * Set when the thread's slot went back at its exit: a read after that may
 * come after the key destructors' last round (glibc's own frees of the
 * thread's buffers), where a slot taken would never be given back; it
 * goes without a bracket, as without memory for a slot.
 */
static __thread bool hm_user_reader_gone __attribute__((tls_model("initial-exec")));

/* the thread exits: its slot goes back, and it takes none again */
void hm_user_reader_exit_thread(void)
{
	hm_user_reader_detach();
	hm_user_reader_gone = true;
}

static void hm_user_reader_exit(void *unused)
{
	(void)unused;
	hm_user_reader_exit_thread();
}

static void hm_user_readers_key(void)
{
	pthread_key_create(&hm_user_reader_key, hm_user_reader_exit);
}

/*
 * Early (libhakmem's set-up): a key made among the first 32 is stored
 * without allocating, as its first hm_plat_read_begin() in a thread needs.
 */
void hm_user_readers_init(void)
{
	pthread_once(&hm_user_readers_once, hm_user_readers_key);
}

/*
 * The calling thread's slot: a free one, or a new one; NULL without
 * memory, or once the thread's own slot went back at its exit.  Slots
 * are never freed, so a sync may walk them while threads come and go.
 */
struct hm_user_reader *hm_user_reader_attach(void)
{
	unsigned long zero = 0, tid = hm_plat_ctx_id();
	struct hm_user_reader *r;

	if (hm_user_reader_gone)
		return NULL;
	for (r = __atomic_load_n(&hm_user_readers, __ATOMIC_ACQUIRE); r; r = r->next)
		if (hm_atomic_try_cmpxchg(&r->used, &zero, tid))
			goto out;
		else
			zero = 0;
	r = hm_plat_meta_alloc(sizeof(*r), HM_GFP_DEFAULT);
	if (!r)
		return NULL;	/* the caller goes without the records */
	hm_atomic_set(&r->used, tid);
	r->next = __atomic_load_n(&hm_user_readers, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&hm_user_readers, &r->next, r, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
out:
	hm_user_reader_self = r;
	hm_user_readers_init();
	/* a thread that exits or detaches and reads again: another round */
	pthread_setspecific(hm_user_reader_key, r);
	return r;
}

/* tests: the reader slots threads hold */
unsigned int hm_user_readers_used(void)
{
	struct hm_user_reader *r;
	unsigned int n = 0;

	for (r = __atomic_load_n(&hm_user_readers, __ATOMIC_ACQUIRE); r; r = r->next)
		n += hm_atomic_read(&r->used) != 0;
	return n;
}

/* no bracket is open at exit; were one left, no wait would end */
static void hm_user_reader_close(struct hm_user_reader *r)
{
	if (hm_atomic_read(&r->word) & HM_USER_READ_OPEN)
		hm_atomic_set(&r->word, (hm_atomic_read(&r->word) & ~HM_USER_READ_OPEN) +
			      HM_USER_READ_CLOSED);
}

/* the thread exits (no bracket open): its slot goes to the next thread */
void hm_user_reader_detach(void)
{
	struct hm_user_reader *r = hm_user_reader_self;

	if (!r)
		return;
	hm_user_reader_close(r);
	hm_user_reader_self = NULL;
	hm_atomic_set(&r->used, 0);
}

/* tests: between the reap's read of a slot's tid and its look at that thread */
void (*hm_user_reap_test_hook)(struct hm_user_reader *r);

/*
 * Is no thread of process @pid (getpid()) @tid now?  tgkill() says ESRCH;
 * any other answer (alive, or a sandbox refusing the call) is not gone.
 * errno kept.
 */
bool hm_user_tid_gone(pid_t pid, unsigned long tid)
{
	int saved_errno = errno;
	bool gone = syscall(SYS_tgkill, pid, (pid_t)tid, 0) && errno == ESRCH;

	errno = saved_errno;
	return gone;
}

/*
 * The slots of threads that are gone without detaching: a thread whose
 * first bracket came in its key destructors' last round, after which no
 * destructor runs (hakmem.c: the notes).  tgkill() says ESRCH for a tid
 * no thread of the process has.  The tid read may be stale: its thread
 * detached and died since, and another took the slot and may be in a
 * bracket, which closing the slot would end under it (a retire would
 * free what it reads, and its own close would underflow the word).  So
 * the slot is claimed first (its 'used' from that tid to
 * HM_USER_READER_REAPING, which no attach takes), and closed only if the
 * tid is still gone then; a thread that got the same tid back and the
 * slot keeps it.  Return: how many went back.
 */
unsigned int hm_user_readers_reap(void)
{
	void (*hook)(struct hm_user_reader *r) = __atomic_load_n(&hm_user_reap_test_hook,
								 __ATOMIC_RELAXED);
	pid_t pid = getpid();
	struct hm_user_reader *r;
	unsigned int n = 0;
	unsigned long tid;

	for (r = __atomic_load_n(&hm_user_readers, __ATOMIC_ACQUIRE); r; r = r->next) {
		tid = hm_atomic_read(&r->used);
		if (!tid || tid == HM_USER_READER_REAPING || r == hm_user_reader_self)
			continue;
		if (unlikely(hook))
			hook(r);
		if (!hm_user_tid_gone(pid, tid) ||
		    !hm_atomic_try_cmpxchg(&r->used, &tid, HM_USER_READER_REAPING))
			continue;
		if (!hm_user_tid_gone(pid, tid)) {
			/* the tid came back, to the thread that took the slot */
			hm_atomic_set(&r->used, tid);
			continue;
		}
		hm_user_reader_close(r);
		__atomic_store_n(&r->used.counter, 0, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

/* in a fork() child only this thread runs: the others' brackets are gone */
void hm_user_readers_fork_child(void)
{
	struct hm_user_reader *r;

	for (r = hm_user_readers; r; r = r->next) {
		if (r == hm_user_reader_self) {
			hm_atomic_set(&r->used, hm_plat_ctx_id());	/* its new tid */
			continue;
		}
		hm_atomic_set(&r->word, 0);
		hm_atomic_set(&r->used, 0);
	}
}

/*
 * Retiring waits with membarrier(); without it (before Linux 4.14, or
 * filtered) nothing is retired, nor from inside a bracket (an error
 * handler's switch), whose reads go on.
 */
static bool hm_user_membarrier_usable(void)
{
	static int usable;	/* 0: not asked yet, 1: yes, -1: no */
	int u = __atomic_load_n(&usable, __ATOMIC_ACQUIRE);

	if (!u) {
		int saved_errno = errno;	/* filtered or too old: no failure of free() */

		u = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) ? -1 : 1;
		errno = saved_errno;
		__atomic_store_n(&usable, u, __ATOMIC_RELEASE);
	}
	return u > 0;
}

bool hm_plat_read_can_sync(void)
{
	return hm_user_membarrier_usable() &&
	       !(hm_user_reader_self &&
		 (hm_atomic_read(&hm_user_reader_self->word) & HM_USER_READ_OPEN));
}

/*
 * Wait for every bracket open now to close.  The caller retired the
 * memory already (its pointer cleared); membarrier() makes each running
 * thread pass a full barrier, so a thread either shows its bracket in its
 * slot or reads the cleared pointer.
 */
bool hm_user_sync_fails;

/*
 * membarrier() may still fail once registered: ENOMEM where the kernel
 * allocates its CPU mask.  Retried for about a second, then false.
 */
static bool hm_user_membarrier(void)
{
	int saved_errno = errno;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		if (!__atomic_load_n(&hm_user_sync_fails, __ATOMIC_RELAXED) &&
		    !syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
			break;
		usleep(i < 8 ? 1000 : 16000);
	}
	errno = saved_errno;
	return i < 64;
}

bool hm_plat_read_sync(void)
{
	struct hm_user_reader *r;

	if (!hm_user_membarrier())
		return false;
	for (r = __atomic_load_n(&hm_user_readers, __ATOMIC_ACQUIRE); r; r = r->next) {
		unsigned long w = hm_atomic_read(&r->word), now = w;

		if (r == hm_user_reader_self)
			continue;	/* in no bracket: hm_plat_read_can_sync() */
		/* until none is open, or the count of closed ones moved */
		while ((now & HM_USER_READ_OPEN) &&
		       (now >> HM_USER_READ_SHIFT) == (w >> HM_USER_READ_SHIFT)) {
			sched_yield();
			now = hm_atomic_read(&r->word);
		}
	}
	return true;
}

/* a context's hybrid route reading (odd @seq) when hm_plat_read_sync() ran */
void hm_plat_read_sync_ctx(hm_atomic_t *seq)
{
	unsigned long v = hm_atomic_read(seq);

	while ((v & 1) && hm_atomic_read(seq) == v)
		sched_yield();
}

/*
 * Tracking timestamps.  clock_gettime() costs about 20 instructions a call
 * through the vDSO, twice per allocation and free while tracking is on;
 * the time-stamp counter costs one, and its ticks are kept as they are:
 * only a report or a dump turns a difference into nanoseconds.  The
 * counter is used where the CPU says it runs at a constant rate whatever
 * the power state; elsewhere the clock is read.  Its rate is measured
 * against CLOCK_MONOTONIC over 10 ms or more: a first (ticks, ns) pair
 * when a debug switch first goes on, the second when a difference is
 * first turned into nanoseconds, mostly long after.  A wait of 10 ms at
 * the switch cost every process run with HAKMEM_DEBUG 10 ms of CPU ('ls'
 * took 12 ms instead of 1.4).
 */
u64 hm_user_tsc_ticks;		/* stamps are the counter's ticks */
static u64 hm_tsc_t0, hm_tsc_n0, hm_tsc_w0;	/* the first pair, its uncertainty */
static u64 hm_tsc_mult;		/* ns per tick << 32; 0: not measured yet */

u64 hm_user_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/*
 * ns per tick << 32, from @dn ns over @dt ticks.  In 128 bits: the window
 * runs from the first switch to the first age asked for, and (dn << 32)
 * overflowed 64 bits past 2^32 ns (4.3 s): every age after came out
 * wrong (3 to 20 times too small in the valgrind runs that showed it).
 */
uint64_t hm_user_tsc_mult(uint64_t dn, uint64_t dt)
{
	return (u64)(((unsigned __int128)dn << 32) / dt);
}

#if defined(__x86_64__)
/*
 * The first "flags" line of /proc/cpuinfo, read with open() and read():
 * stdio would allocate, and this runs inside the library's initialisation
 * (HAKMEM_DEBUG), where libhakmem may be the process's malloc.
 */
static bool hm_tsc_invariant(void)
{
	char buf[8192], *line, *nl;
	bool constant = false, nonstop = false;
	ssize_t n, got = 0;
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (got < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	for (line = buf; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "flags", 5))
			continue;
		/* a line cut off by the buffer's end: not known, not invariant */
		constant = nl && strstr(line, " constant_tsc") != NULL;
		nonstop = nl && strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	return constant && nonstop;
}

/*
 * A (ticks, ns) pair read together: of eight tries, the one whose two
 * counter reads around the clock are closest, so that no preemption (a
 * loaded machine) or code translation (valgrind) falls between them.
 * Return: how far apart those two counter reads were, in ticks.
 */
static u64 hm_tsc_pair(u64 *tick, u64 *ns)
{
	u64 best = ~0ULL, a, b, c;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		a = __builtin_ia32_rdtsc();
		c = hm_user_clock_ns();
		b = __builtin_ia32_rdtsc();
		if (b - a < best) {
			best = b - a;
			*tick = a + (b - a) / 2;
			*ns = c;
		}
	}
	return best;
}

/* The first pair, then stamps are ticks: before the first switch is on. */
static void hm_tsc_start(void)
{
	if (!hm_tsc_invariant())
		return;
	hm_tsc_w0 = hm_tsc_pair(&hm_tsc_t0, &hm_tsc_n0);
	__atomic_store_n(&hm_user_tsc_ticks, 1, __ATOMIC_RELEASE);
}

/*
 * The rate, from the first pair to one taken now, at least 10 ms later
 * (a report that soon waits the rest): kept once the two pairs'
 * uncertainty is under 0.5% of the window, so ages are good to 0.5%, or
 * after 100 ms whatever it is.  Threads that ask at once may each measure;
 * the first stored stays.
 */
static u64 hm_tsc_rate(void)
{
	u64 mult = __atomic_load_n(&hm_tsc_mult, __ATOMIC_ACQUIRE), t1 = 0, n1 = 0, w, want = 0;

	while (!mult) {
		want += 10000000;	/* 10 ms more */
		while (hm_user_clock_ns() - hm_tsc_n0 < want)
			;
		w = hm_tsc_w0 + hm_tsc_pair(&t1, &n1);
		want = n1 - hm_tsc_n0;
		if (t1 <= hm_tsc_t0) {	/* a counter that went back: ticks as ns */
			mult = 1ULL << 32;
		} else if (w < (t1 - hm_tsc_t0) / 200 || want >= 100000000) {
			mult = hm_user_tsc_mult(n1 - hm_tsc_n0, t1 - hm_tsc_t0);
		}
		if (mult) {
			if (!__atomic_compare_exchange_n(&hm_tsc_mult, &(u64){ 0 }, mult, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				mult = __atomic_load_n(&hm_tsc_mult, __ATOMIC_ACQUIRE);
		}
	}
	return mult;
}
#else
static void hm_tsc_start(void)
{
}

static u64 hm_tsc_rate(void)
{
	return 0;
}
#endif

/* what hm_plat_mem_is() compares with: every byte HM_POISON_FREE */
_Static_assert(HM_USER_PATTERN == HM_POISON_FREE, "the pattern is the poison");
#define HM_USER_PATTERN_BYTES	256
static const unsigned char hm_user_poison_pattern[HM_USER_PATTERN_BYTES] = {
	[0 ... HM_USER_PATTERN_BYTES - 1] = HM_POISON_FREE
};

/* hm_plat_mem_is() of blocks it does not do inline: libc's memcmp */
bool hm_user_mem_is(const void *p, unsigned char c, size_t n)
{
	const unsigned char *b = (const unsigned char *)p;

	if (c != HM_USER_PATTERN) {
		for (; n; n--, b++)
			if (*b != c)
				return false;
		return true;
	}
	for (; n > HM_USER_PATTERN_BYTES; n -= HM_USER_PATTERN_BYTES, b += HM_USER_PATTERN_BYTES)
		if (memcmp(b, hm_user_poison_pattern, HM_USER_PATTERN_BYTES))
			return false;
	return !memcmp(b, hm_user_poison_pattern, n);
}

/* Stamps are ticks once calibrated, nanoseconds before and elsewhere. */
u64 hm_plat_stamp_ns(u64 d)
{
	/* another CPU's counter may be a little behind: a negative age is 0 */
	if ((s64)d <= 0)
		return 0;
	if (!__atomic_load_n(&hm_user_tsc_ticks, __ATOMIC_ACQUIRE))
		return d;
	return (u64)(((unsigned __int128)d * hm_tsc_rate()) >> 32);
}

void hm_user_debug_ref(long delta)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (delta > 0)
		pthread_once(&once, hm_tsc_start);
}

/* tests: the first pair again, the rate to be measured anew */
void hm_user_tsc_restart(void)
{
	__atomic_store_n(&hm_tsc_mult, 0, __ATOMIC_RELEASE);
	hm_tsc_start();
}

/**
 * hm_user_sym() - a code address, as reports and the site tables print it
 * @ip: the address
 * @buf: HM_USER_SYM_LEN bytes
 *
 * "symbol+0xoff (file+0xoff)" when dladdr knows a dynamic symbol, else
 * "0xaddr (file+0xoff)": addr2line -e file 0xoff names the line of a PIE
 * or a shared object either way (a static function has no dynamic
 * symbol).  dladdr allocates nothing, so it is safe in a malloc.
 *
 * Return: @buf.
 */
const char *hm_user_sym(unsigned long ip, char *buf)
{
	const char *file;
	Dl_info di;

	if (!ip || !dladdr((void *)ip, &di) || !di.dli_fname) {
		snprintf(buf, HM_USER_SYM_LEN, "%#lx", ip);
		return buf;
	}
	file = strrchr(di.dli_fname, '/');
	file = file ? file + 1 : di.dli_fname;
	if (!*file)
		file = "?";
	if (di.dli_sname && di.dli_saddr)
		snprintf(buf, HM_USER_SYM_LEN, "%s+%#lx (%s+%#lx)", di.dli_sname,
			 ip - (unsigned long)di.dli_saddr, file, ip - (unsigned long)di.dli_fbase);
	else
		snprintf(buf, HM_USER_SYM_LEN, "%#lx (%s+%#lx)", ip, file,
			 ip - (unsigned long)di.dli_fbase);
	return buf;
}

/* one report, all its lines (a write after free's hexdump too): one message */
void hm_plat_err(const char *fmt, ...)
{
	char msg[1024];
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
