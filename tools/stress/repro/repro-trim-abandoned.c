// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * repro-trim-abandoned - hm_trim() keeps a slab that remote frees emptied
 * after its thread exited.  Exits 1 while the slab is kept.
 *
 * A thread allocates 100 objects of 64 bytes (one slab, its active one)
 * and exits: its context is flushed and abandoned with that slab.  Main
 * frees the objects: remote frees, into remote_bits; the slab is not
 * full, so nothing is queued on the context's notify stack.
 * hm_cache_shrink() only flushes abandoned contexts with notify pending,
 * so the empty slab stays until a new thread adopts the context.
 * (Memory is kept, no object is lost: validation is clean.)
 *
 * Fixed in 85b5dfc; kept as a regression check (make stress-repro).
 */
#include <pthread.h>
#include <stdio.h>

#include "hakmem.h"
#include "hm_user.h"		/* hm_user_chunks_live */

enum { N = 100 };
static void *obj[N];

static void *alloc_and_exit(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < N; i++)
		obj[i] = hm_malloc(64);
	return NULL;
}

int main(void)
{
	long before, after;
	pthread_t t;
	int i;

	hm_free(hm_malloc(64));		/* main's own context first */
	hm_trim();
	before = hm_user_chunks_live;
	pthread_create(&t, NULL, alloc_and_exit, NULL);
	pthread_join(t, NULL);
	for (i = 0; i < N; i++)
		hm_free(obj[i]);
	hm_trim();
	after = hm_user_chunks_live;
	printf("chunks before %ld, after all frees and hm_trim() %ld; validate %ld problems\n",
	       before, after, hm_validate(NULL));
	printf("repro-trim-abandoned: %s\n", after == before ? "fixed" : "slab kept");
	return after != before;
}
