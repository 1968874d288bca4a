// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * example.c - a tiny program outside the tree, built against an installed
 * libhakmem with `pkg-config --cflags --libs hakmem` (make test-pkg).
 * Prints "example: <mode> inuse <n>" and exits 0 when the numbers match.
 */
#include <stdio.h>
#include <string.h>
#include <hakmem.h>

int main(void)
{
	struct hm_cache *c = hm_cache_create("example", 40, 8, HM_MODE_BITMAP, 0);
	struct hm_stat_row rows[16];
	void *p[100];
	size_t n, i;
	char *s;

	s = hm_malloc(32);
	if (!c || !s)
		return 1;
	strcpy(s, "hakmem");
	for (i = 0; i < 100; i++)
		if (!(p[i] = hm_cache_alloc(c)))
			return 1;
	for (i = 0; i < 40; i++)
		hm_cache_free(c, p[i]);
	n = hm_stats_snapshot(rows, 16, HM_STATS_CACHES);
	if (n != 1 || strcmp(rows[0].name, "example") || rows[0].objs_inuse != 60) {
		fprintf(stderr, "example: want one cache row with 60 in use\n");
		return 1;
	}
	printf("example: %s %s inuse %lu\n", s, rows[0].mode, rows[0].objs_inuse);
	hm_free(s);
	for (i = 40; i < 100; i++)
		hm_cache_free(c, p[i]);
	return hm_cache_destroy(c) == 0 && hm_validate(NULL) == 0 ? 0 : 1;
}
