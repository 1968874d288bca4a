// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm-rss.c - resident memory of N live objects of one size, under whichever
 * malloc the process has (glibc's, or libhakmem-preload.so through
 * LD_PRELOAD): what a program that keeps many 4-16 KiB objects pays.
 *
 * usage: hm-rss [-n N] [-c] SIZE...
 *        hm-rss -t T [-n N] [-r R]
 *   for each SIZE: N objects (default 10000) allocated and written in full,
 *   RSS measured, then all freed (and malloc_trim(0)) before the next size.
 *   -c: the churn workload of Documentation/userspace.rst's Limits instead:
 *   100 rounds of 64 objects of 60 000 bytes written and freed, then 64 of
 *   SIZE kept (6400 in all).
 *   -t T: T threads, each keeping N objects (default 256) of mixed sizes,
 *   4097 to 10816 bytes (the medium classes), all written, then R times
 *   (default 200 000) freeing one at random and putting one of another
 *   size in its place; the peak RSS (VmHWM) over the start, and the time;
 *   then each frees all its objects and the RSS is read again, all threads
 *   still alive (what their caches keep), and once more after
 *   malloc_trim(0) from the main thread, the others waiting on a barrier.
 * Output: TSV, one line per size: size, n, rss_kb (the growth from the
 * start), bytes per object, and the ratio to the bytes asked for; with -t:
 * threads, n (objects live, all threads), peak_kb (VmHWM's growth from the
 * start), live_kb (the bytes asked for, live at the end), the ratio of the
 * two, seconds, kept_kb (the RSS's growth once all is freed) and
 * trimmed_kb (the same after malloc_trim(0)).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &pages, &rss) != 2) {
		perror("hm-rss: /proc/self/statm");
		exit(1);
	}
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* VmHWM, the peak resident set, in KiB */
static long hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f) {
		perror("hm-rss: /proc/self/status");
		exit(1);
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	if (kb < 0) {
		fprintf(stderr, "hm-rss: no VmHWM\n");
		exit(1);
	}
	return kb;
}

static void **keep;

struct mt_arg {
	unsigned long n, rounds, seed;
	unsigned long live;	/* bytes asked for, live at the end */
	pthread_barrier_t *start;
};

static unsigned long xorshift(unsigned long *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* 4097 to 10816 bytes: the medium classes past 4 KiB */
static size_t mt_size(unsigned long *x)
{
	return 4097 + xorshift(x) % (10816 - 4097 + 1);
}

static void *mt_thread(void *p)
{
	struct mt_arg *a = p;
	void **objs = calloc(a->n, sizeof(*objs));
	size_t *sizes = calloc(a->n, sizeof(*sizes));
	unsigned long x = a->seed, i, r;

	if (!objs || !sizes)
		exit(1);
	pthread_barrier_wait(a->start);
	for (i = 0; i < a->n; i++) {
		sizes[i] = mt_size(&x);
		objs[i] = malloc(sizes[i]);
		if (!objs[i])
			exit(1);
		memset(objs[i], (int)i, sizes[i]);
	}
	for (r = 0; r < a->rounds; r++) {
		i = xorshift(&x) % a->n;
		free(objs[i]);
		sizes[i] = mt_size(&x);
		objs[i] = malloc(sizes[i]);
		if (!objs[i])
			exit(1);
		memset(objs[i], (int)r, sizes[i]);
	}
	/* every thread still holds its objects when VmHWM is read */
	pthread_barrier_wait(a->start);
	for (i = 0, a->live = 0; i < a->n; i++)
		a->live += sizes[i];
	pthread_barrier_wait(a->start);
	for (i = 0; i < a->n; i++)
		free(objs[i]);
	/* all freed, the thread alive: what its caches keep is read */
	pthread_barrier_wait(a->start);
	pthread_barrier_wait(a->start);
	free(objs);
	free(sizes);
	return NULL;
}

static int threads_run(unsigned long t, unsigned long n, unsigned long rounds)
{
	pthread_t *tid = calloc(t, sizeof(*tid));
	struct mt_arg *args = calloc(t, sizeof(*args));
	pthread_barrier_t start;
	struct timespec t0, t1;
	unsigned long i, live = 0;
	long before, peak, kept, trimmed;

	if (!tid || !args || pthread_barrier_init(&start, NULL, (unsigned int)t + 1))
		return 1;
	before = rss_kb();
	for (i = 0; i < t; i++) {
		args[i] = (struct mt_arg){ .n = n, .rounds = rounds, .seed = 88172645463325252UL + i,
					   .start = &start };
		if (pthread_create(&tid[i], NULL, mt_thread, &args[i])) {
			perror("hm-rss: pthread_create");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_barrier_wait(&start);
	pthread_barrier_wait(&start);	/* all done churning, all live */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	peak = hwm_kb();
	pthread_barrier_wait(&start);
	pthread_barrier_wait(&start);	/* all freed, the threads alive */
	kept = rss_kb();
	malloc_trim(0);		/* from this thread, the others idle */
	trimmed = rss_kb();
	pthread_barrier_wait(&start);
	for (i = 0; i < t; i++) {
		pthread_join(tid[i], NULL);
		live += args[i].live;
	}
	printf("threads\tn\tpeak_kb\tlive_kb\tratio\tseconds\tkept_kb\ttrimmed_kb\n");
	printf("%lu\t%lu\t%ld\t%lu\t%.2f\t%.3f\t%ld\t%ld\n", t, t * n, peak - before, live / 1024,
	       (peak - before) * 1024.0 / live,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, kept - before,
	       trimmed - before);
	free(tid);
	free(args);
	return 0;
}

static unsigned long churn(size_t size)
{
	void *tmp[64];
	unsigned long n = 0;
	int r, i;

	for (r = 0; r < 100; r++) {
		for (i = 0; i < 64; i++) {
			tmp[i] = malloc(60000);
			if (!tmp[i])
				exit(1);
			memset(tmp[i], r, 60000);
		}
		for (i = 0; i < 64; i++)
			free(tmp[i]);
		for (i = 0; i < 64; i++, n++) {
			keep[n] = malloc(size);
			if (!keep[n])
				exit(1);
			memset(keep[n], r, size);
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	unsigned long n = 0, i, got, threads = 0, rounds = 200000;
	int opt, a, churning = 0;

	while ((opt = getopt(argc, argv, "n:ct:r:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			if (!n)
				goto usage;
			break;
		case 'c':
			churning = 1;
			break;
		case 't':
			threads = strtoul(optarg, NULL, 10);
			if (!threads || threads > 1024)
				goto usage;
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (threads) {
		if (optind != argc || churning)
			goto usage;
		return threads_run(threads, n ? n : 256, rounds);
	}
	if (!n)
		n = 10000;
	if (optind == argc) {
usage:
		fprintf(stderr, "usage: hm-rss [-n N] [-c] SIZE...\n"
				"       hm-rss -t THREADS [-n N] [-r ROUNDS]\n");
		return 2;
	}
	keep = calloc(churning ? 6400 : n, sizeof(*keep));
	if (!keep)
		return 1;
	printf("size\tn\trss_kb\tbytes_per_obj\tratio\n");
	for (a = optind; a < argc; a++) {
		size_t size = strtoul(argv[a], NULL, 10);
		long before = rss_kb(), after;

		if (churning) {
			got = churn(size);
		} else {
			for (got = 0; got < n; got++) {
				keep[got] = malloc(size);
				if (!keep[got])
					return 1;
				memset(keep[got], (int)got, size);
			}
		}
		after = rss_kb();
		printf("%zu\t%lu\t%ld\t%.0f\t%.2f\n", size, got, after - before,
		       (after - before) * 1024.0 / got, (after - before) * 1024.0 / got / size);
		fflush(stdout);
		for (i = 0; i < got; i++)
			free(keep[i]);
		malloc_trim(0);
	}
	return 0;
}
