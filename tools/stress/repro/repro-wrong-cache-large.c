// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * repro-wrong-cache-large - hm_cache_free(c, p) with p a large object of
 * hm_malloc() frees p instead of refusing a free to the wrong cache.
 * Exits 1 while the bug is present.
 *
 * hm_cache_free() (userspace/hakmem.c) hands every pointer that is not a
 * block of a live slab to hm_free_other(), which frees large objects
 * whatever cache the caller named.  A small object is refused correctly.
 *
 * Fixed in 85b5dfc; kept as a regression check (make stress-repro).
 */
#include <stdio.h>

#include "hakmem.h"

int main(void)
{
	struct hm_cache *c = hm_cache_create("repro", 64, 0, HM_MODE_HYBRID, 0);
	void *small = hm_malloc(100), *big = hm_malloc(4000);
	unsigned long e0, small_refused, big_refused;
	size_t big_usable;

	hm_set_error_handler(NULL, NULL);
	e0 = hm_error_count();
	hm_cache_free(c, small);
	small_refused = hm_error_count() - e0;
	e0 = hm_error_count();
	hm_cache_free(c, big);
	big_refused = hm_error_count() - e0;
	big_usable = hm_malloc_usable_size(big);	/* 0: it was freed */
	printf("wrong-cache free of a 100-byte object: %s\n", small_refused ? "refused" : "NOT refused");
	printf("wrong-cache free of a 4000-byte object: %s (usable size after: %zu)\n",
	       big_refused ? "refused" : "NOT refused, freed", big_usable);
	hm_free(small);
	if (big_usable)
		hm_free(big);
	printf("repro-wrong-cache-large: %s\n", big_refused && small_refused ? "fixed" : "BUG present");
	return !(big_refused && small_refused);
}
