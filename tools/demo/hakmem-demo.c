// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hakmem-demo - a small workload on libhakmem in the mode HAKMEM_MODE
 * selects: mixed sizes, a producer thread whose objects a consumer thread
 * frees, a churn phase; then the stats dump and a validation.
 *
 * usage: hakmem-demo [--json]
 * Exit 0 when the heap validates, no error was reported and the dump was
 * written; 1 otherwise; 2 for a bad command line.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hakmem.h"

#define RING	4096

static void *ring[RING];
static unsigned long head, tail;	/* producer writes head, consumer tail */

static void *producer(void *arg)
{
	unsigned long i, n = (unsigned long)arg;

	for (i = 0; i < n; i++) {
		void *p = hm_malloc(16 + (i * 37) % 500);

		if (!p)
			abort();
		memset(p, 0x5a, 16);
		while (i - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) >= RING)
			;
		ring[i % RING] = p;
		__atomic_store_n(&head, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	unsigned long i, n = (unsigned long)arg;

	for (i = 0; i < n; i++) {
		while (__atomic_load_n(&head, __ATOMIC_ACQUIRE) <= i)
			;
		hm_free(ring[i % RING]);	/* a remote free */
		__atomic_store_n(&tail, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* the demo's verdict: validation, reports, and the output really written */
static int verdict(long problems)
{
	unsigned long errors = hm_error_count();

	if (fflush(stdout) || ferror(stdout)) {
		perror("hakmem-demo: stdout");
		return 1;
	}
	if (problems || errors) {
		fprintf(stderr, "hakmem-demo: %ld validation problems, %lu errors reported\n",
			problems, errors);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");
	enum { SLOTS = 20000, OPS = 400000 };
	static void *slot[SLOTS];
	unsigned long i, seed = 42, n = 200000;
	pthread_t p, c;
	long problems;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "usage: hakmem-demo [--json]\n");
		return 2;
	}

	if (!json)
		printf("=== hakmem-demo: mode %s ===\n", hm_mode_str(hm_default_mode()));
	/* churn: random frees and allocations of 8..1024 bytes */
	for (i = 0; i < OPS; i++) {
		unsigned long k;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		k = (seed >> 33) % SLOTS;
		if (slot[k]) {
			hm_free(slot[k]);
			slot[k] = NULL;
		} else {
			slot[k] = hm_malloc(8 + (seed >> 20) % 1017);
		}
	}
	/* cross-thread: one thread allocates, another frees */
	if (pthread_create(&p, NULL, producer, (void *)n) ||
	    pthread_create(&c, NULL, consumer, (void *)n)) {
		fprintf(stderr, "hakmem-demo: no thread\n");
		return 1;	/* exit() ends the one that may have started */
	}
	pthread_join(p, NULL);
	pthread_join(c, NULL);

	problems = hm_validate(NULL);
	if (json) {
		hm_stats_dump_json(stdout);
		return verdict(problems);
	}
	hm_stats_dump(stdout, HM_STATS_CLASSES | HM_STATS_DIAG);
	printf("validate: %s (%ld problems), errors reported: %lu\n",
	       problems ? "FAILED" : "ok", problems, hm_error_count());
	for (i = 0; i < SLOTS; i++)
		hm_free(slot[i]);
	printf("trimmed %lu empty slabs\n\n", hm_trim());
	return verdict(problems);
}
