// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm-rss.c - resident memory of N live objects of one size, under whichever
 * malloc the process has (glibc's, or libhakmem-preload.so through
 * LD_PRELOAD): what a program that keeps many 4-16 KiB objects pays.
 *
 * usage: hm-rss [-n N] [-c] SIZE...
 *   for each SIZE: N objects (default 10000) allocated and written in full,
 *   RSS measured, then all freed (and malloc_trim(0)) before the next size.
 *   -c: the churn workload of Documentation/userspace.rst's Limits instead:
 *   100 rounds of 64 objects of 60 000 bytes written and freed, then 64 of
 *   SIZE kept (6400 in all).
 * Output: TSV, one line per size: size, n, rss_kb (the growth from the
 * start), bytes per object, and the ratio to the bytes asked for.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void **keep;

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
	unsigned long n = 10000, i, got;
	int opt, a, churning = 0;

	while ((opt = getopt(argc, argv, "n:c")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			churning = 1;
			break;
		default:
			fprintf(stderr, "usage: hm-rss [-n N] [-c] SIZE...\n");
			return 2;
		}
	}
	if (optind == argc || !n) {
		fprintf(stderr, "usage: hm-rss [-n N] [-c] SIZE...\n");
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
