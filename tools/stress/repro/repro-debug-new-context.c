// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * repro-debug-new-context - a context created while hm_set_debug() runs
 * keeps the switches of before.  Exits 1 while the bug is present.
 *
 * hm_cctx_new() sets a context up with hm_cctx_init(), which reads
 * c->debug without the cache lock, and only then registers it under the
 * lock; hm_cache_set_debug() writes c->debug and updates the registered
 * contexts.  A thread attaching in between misses the switch.
 *
 * Here a new thread's first hm_cache_alloc() on a freelist cache without
 * HM_CACHE_CHECKS is held at the registration's lock (this program,
 * linked against libhakmem.so, interposes pthread_mutex_lock) while the
 * main thread switches "checks=1" on.  The thread then frees an object
 * twice: with the switch applied that double free is refused.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "hakmem.h"

static __thread int armed, locks;
static int parked, go_on;
static struct hm_cache *cache;

int pthread_mutex_lock(pthread_mutex_t *m)
{
	static int (*real)(pthread_mutex_t *);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_mutex_lock");
	/* the adoption attempt takes the cache lock first, registration next */
	if (armed && ++locks == 2) {
		armed = 0;
		__atomic_store_n(&parked, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&go_on, __ATOMIC_SEQ_CST))
			usleep(1000);
	}
	return real(m);
}

static void *attach_then_double_free(void *arg)
{
	unsigned long before;
	void *x;

	(void)arg;
	armed = 1;
	x = hm_cache_alloc(cache);	/* creates this thread's context */
	armed = 0;
	hm_cache_free(cache, x);
	before = hm_error_count();
	hm_cache_free(cache, x);	/* double free: refused with checks=1 */
	return (void *)(hm_error_count() - before);
}

int main(void)
{
	void *refused = NULL;
	pthread_t t;
	int i;

	if (!dlsym(RTLD_NEXT, "pthread_mutex_lock")) {
		printf("repro-debug-new-context: cannot interpose pthread_mutex_lock\n");
		return 2;
	}
	hm_set_error_handler(NULL, NULL);
	cache = hm_cache_create("repro", 64, 0, HM_MODE_FREELIST, 0);
	pthread_create(&t, NULL, attach_then_double_free, NULL);
	for (i = 0; i < 5000 && !__atomic_load_n(&parked, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	if (!__atomic_load_n(&parked, __ATOMIC_SEQ_CST)) {
		printf("repro-debug-new-context: the thread never reached the registration (inconclusive)\n");
		__atomic_store_n(&go_on, 1, __ATOMIC_SEQ_CST);
		pthread_join(t, NULL);
		return 2;
	}
	if (hm_set_debug(cache, "checks=1"))
		printf("hm_set_debug refused \"checks=1\"\n");
	__atomic_store_n(&go_on, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, &refused);
	printf("checks=1 switched on while a thread attached; its double free: %s\n",
	       refused ? "refused" : "NOT refused");
	printf("repro-debug-new-context: %s\n", refused ? "fixed" : "BUG present");
	return refused ? 0 : 1;
}
