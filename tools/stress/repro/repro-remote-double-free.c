// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * repro-remote-double-free - a double free by a slab's owner after another
 * thread freed the same object is not refused, and the object is then
 * handed out twice.  Exits 1 while the bug is present (each mode).
 *
 *   x = alloc (main owns the slab); thread T: free(x) (remote: the bit
 *   goes to remote_bits, live/free state unchanged); main: free(x) again.
 * The local free checks only free_bits / live_bits (hm_mode.h, the
 * *_free_local fast paths), not remote_bits or xthread_free, so it is
 * accepted; the next allocation returns x, and when the owner folds the
 * remote bit in, x is free while the user still holds it.
 *
 * Fixed in 85b5dfc; kept as a regression check (make stress-repro).
 */
#include <pthread.h>
#include <stdio.h>

#include "hakmem.h"

#define CACHE_CHECKS	0x2U	/* HM_CACHE_CHECKS: freelist double-free checks */

static void *remote_free(void *p)
{
	hm_free(p);
	return NULL;
}

static void *more[4096];

static int one(enum hm_mode mode)
{
	struct hm_cache *c = hm_cache_create("repro", 64, 0, mode, CACHE_CHECKS);
	unsigned long e0, refused;
	void *x, *y, *z;
	int i, again = 0;
	pthread_t t;
	long problems;

	x = hm_cache_alloc(c);
	pthread_create(&t, NULL, remote_free, x);
	pthread_join(t, NULL);
	e0 = hm_error_count();
	hm_cache_free(c, x);			/* the double free */
	refused = hm_error_count() - e0;
	y = hm_cache_alloc(c);
	hm_thread_flush();			/* the owner collects remote frees */
	z = hm_cache_alloc(c);
	/* y and z are live: no later allocation may return them */
	for (i = 0; i < 4096; i++) {
		more[i] = hm_cache_alloc(c);
		again += more[i] == y || more[i] == z;
	}
	problems = hm_validate(c);
	printf("%-8s double free refused: %s; y=%p z=%p (x=%p)%s, handed out again %d times; validate: %ld problems\n",
	       hm_mode_str(mode), refused ? "yes" : "NO", y, z, x,
	       y == z ? " (the same)" : "", again, problems);
	return !refused || y == z || again || problems;
}

int main(void)
{
	int bad = 0;

	hm_set_error_handler(NULL, NULL);
	bad |= one(HM_MODE_BITMAP);
	bad |= one(HM_MODE_FREELIST);
	bad |= one(HM_MODE_HYBRID);
	printf("repro-remote-double-free: %s\n", bad ? "BUG present" : "fixed");
	return bad;
}
