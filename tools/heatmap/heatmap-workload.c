// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * heatmap-workload.c - a larson-like run on one cache, then its block map.
 *
 * Usage: heatmap-workload MODE [OPS] [SLOTS] [SIZE]
 *   MODE  bitmap | freelist | hybrid
 * Two threads share SLOTS slots (default 3000) of SIZE-byte objects
 * (default 128) in a cache "larson-MODE" with tracking on; each op
 * allocates an object and swaps it into a random slot, freeing what was
 * there, so about half the frees are of the other thread's objects
 * (remote).  The ops come in rounds of about SLOTS/2 per thread with a
 * 5 ms pause after each, so that objects of many ages survive (with
 * tracking on, the dump has each one's age).  After OPS ops per thread
 * (default 50000) both threads stop at a barrier, still alive with their magazines, and the main thread
 * prints hm_frag_dump() of the cache on stdout (the input of
 * tools/heatmap/hakmem-heatmap); then everything is freed and checked.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hakmem.h>

#define THREADS	2

static struct hm_cache *cache;
static void **slots;
static unsigned long nslots, nops;
static pthread_barrier_t stopped, dumped;

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *worker(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (uintptr_t)arg + 1;
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	unsigned long i, round = nslots / 2 ? nslots / 2 : 1;

	for (i = 0; i < nops; i++) {
		if (i && i % round == 0)
			nanosleep(&pause, NULL);
		void *p = hm_cache_alloc(cache), *old;

		if (!p)
			abort();
		old = __atomic_exchange_n(&slots[xorshift(&seed) % nslots], p, __ATOMIC_ACQ_REL);
		if (old)
			hm_cache_free(cache, old);
	}
	pthread_barrier_wait(&stopped);
	pthread_barrier_wait(&dumped);
	return NULL;
}

int main(int argc, char **argv)
{
	enum hm_mode mode = HM_MODE_NR;
	unsigned long size = 128, i;
	pthread_t t[THREADS];
	char name[32];

	for (i = 0; i < HM_MODE_NR; i++)
		if (argc > 1 && !strcmp(argv[1], hm_mode_str((enum hm_mode)i)))
			mode = (enum hm_mode)i;
	nops = argc > 2 ? strtoul(argv[2], NULL, 0) : 50000;
	nslots = argc > 3 ? strtoul(argv[3], NULL, 0) : 3000;
	size = argc > 4 ? strtoul(argv[4], NULL, 0) : size;
	if (mode == HM_MODE_NR || !nops || !nslots || !size || size > 4096 || argc > 5) {
		fprintf(stderr, "usage: heatmap-workload bitmap|freelist|hybrid [OPS] [SLOTS] [SIZE]\n");
		return 2;
	}
	slots = calloc(nslots, sizeof(*slots));
	snprintf(name, sizeof(name), "larson-%s", argv[1]);
	cache = hm_cache_create(name, size, 8, mode, 0);
	if (!slots || !cache || hm_set_debug(cache, "track=1"))
		return 1;
	pthread_barrier_init(&stopped, NULL, THREADS + 1);
	pthread_barrier_init(&dumped, NULL, THREADS + 1);
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i))
			return 1;
	pthread_barrier_wait(&stopped);
	hm_frag_dump(stdout, cache);
	fflush(stdout);
	pthread_barrier_wait(&dumped);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < nslots; i++)
		hm_cache_free(cache, slots[i]);
	if (hm_validate(cache) || hm_cache_destroy(cache) || hm_error_count()) {
		fprintf(stderr, "heatmap-workload: validation failed or objects left\n");
		return 1;
	}
	free(slots);
	return 0;
}
