// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * top-workload.c - a process whose numbers tools/top/test-top.sh knows,
 * for checking hakmem-top against a live HAKMEM_STATS_FILE.
 *
 * Usage: top-workload SECONDS
 *   "top-fixed" (48 bytes, bitmap): 1000 objects allocated by the main
 *   thread, 300 freed by it, 200 freed by another thread (remote), one
 *   double free refused (1 error); then left alone: 500 in use, rates 0.
 *   "top-busy" (128 bytes, hybrid): 100 allocations and 100 frees every
 *   10 ms for SECONDS seconds (at most 10000 a second each), 0 left.
 * Prints "ready" once top-fixed is set up, "done" at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <hakmem.h>

#define FIXED_N		1000
#define FIXED_LOCAL	300
#define FIXED_REMOTE	200
#define BUSY_BATCH	100

static struct hm_cache *fixed;
static void *obj[FIXED_N];

static void *remote_free(void *unused)
{
	int i;

	(void)unused;
	for (i = FIXED_LOCAL; i < FIXED_LOCAL + FIXED_REMOTE; i++)
		hm_cache_free(fixed, obj[i]);
	return NULL;
}

static void quiet(const char *msg, void *arg)
{
	(void)msg;
	++*(int *)arg;
}

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 }, t0, now;
	struct hm_cache *busy;
	void *b[BUSY_BATCH];
	int i, seconds, reported = 0;
	pthread_t t;

	if (argc != 2 || (seconds = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: top-workload SECONDS\n");
		return 2;
	}
	fixed = hm_cache_create("top-fixed", 48, 8, HM_MODE_BITMAP, 0);
	busy = hm_cache_create("top-busy", 128, 8, HM_MODE_HYBRID, 0);
	if (!fixed || !busy)
		return 1;
	for (i = 0; i < FIXED_N; i++)
		if (!(obj[i] = hm_cache_alloc(fixed)))
			return 1;
	for (i = 0; i < FIXED_LOCAL; i++)
		hm_cache_free(fixed, obj[i]);
	if (pthread_create(&t, NULL, remote_free, NULL) || pthread_join(t, NULL))
		return 1;
	hm_set_error_handler(quiet, &reported);
	hm_cache_free(fixed, obj[0]);		/* double free: refused */
	if (reported != 1) {
		fprintf(stderr, "top-workload: the double free was not reported\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (hm_cache_alloc_bulk(busy, BUSY_BATCH, b) != BUSY_BATCH)
			return 1;
		hm_cache_free_bulk(busy, BUSY_BATCH, b);
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < seconds);
	printf("done\n");
	return 0;
}
