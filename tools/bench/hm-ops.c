// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm-ops - run N operations of one workload on one allocator, for
 * instruction counting under callgrind (run at N and at 0; the difference
 * divided by N is the cost of one operation with the harness subtracted).
 *
 * usage: hm-ops WORKLOAD ALLOC SIZE N
 *   WORKLOAD  a: alloc+free pair   g: pair with one object kept live
 *             b: 1000 allocs, free LIFO   d: 1000 allocs, free FIFO
 *   ALLOC     bitmap | freelist | hybrid (an hm_cache) | malloc-hm (hm_malloc) | libc
 * One op = one allocation plus its free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hakmem.h"

static struct hm_cache *cache;
static int use;	/* 0 cache, 1 hm_malloc, 2 libc */
static size_t objsize;

static inline void *xalloc(void)
{
	if (use == 0)
		return hm_cache_alloc(cache);
	if (use == 1)
		return hm_malloc(objsize);
	return malloc(objsize);
}

static inline void xfree(void *p)
{
	if (use == 0)
		hm_cache_free(cache, p);
	else if (use == 1)
		hm_free(p);
	else
		free(p);
}

int main(int argc, char **argv)
{
	static void *v[1000];
	unsigned long n, i, k;
	void *keep;
	char w;

	if (argc != 5) {
		fprintf(stderr, "usage: hm-ops a|g|b|d bitmap|freelist|hybrid|malloc-hm|libc SIZE N\n");
		return 2;
	}
	w = argv[1][0];
	objsize = strtoul(argv[3], NULL, 0);
	n = strtoul(argv[4], NULL, 0);
	if (!strcmp(argv[2], "malloc-hm")) {
		use = 1;
	} else if (!strcmp(argv[2], "libc")) {
		use = 2;
	} else {
		enum hm_mode m = !strcmp(argv[2], "bitmap") ? HM_MODE_BITMAP :
				 !strcmp(argv[2], "freelist") ? HM_MODE_FREELIST : HM_MODE_HYBRID;

		cache = hm_cache_create("bench", objsize, 0, m, 0);
		if (!cache)
			return 1;
	}
	/* warm-up outside the counted part: slabs exist before N ops */
	for (i = 0; i < 1000; i++)
		v[i] = xalloc();
	for (i = 0; i < 1000; i++)
		xfree(v[i]);
	keep = w == 'g' ? xalloc() : NULL;

	switch (w) {
	case 'a':
	case 'g':
		for (i = 0; i < n; i++) {
			void *p = xalloc();

			__asm__ volatile("" : : "r"(p) : "memory");
			xfree(p);
		}
		break;
	case 'b':
	case 'd':
		for (i = 0; i < n; i += 1000) {
			unsigned long m = n - i < 1000 ? n - i : 1000;

			for (k = 0; k < m; k++)
				v[k] = xalloc();
			for (k = 0; k < m; k++)
				xfree(v[w == 'b' ? m - 1 - k : k]);
		}
		break;
	default:
		return 2;
	}
	xfree(keep);
	return 0;
}
