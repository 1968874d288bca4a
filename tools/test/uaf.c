// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * uaf - a deliberate use after free of hakmem objects, in each mode.  Run
 * from the ASan and the Valgrind builds of libhakmem, it must be reported
 * (make test-tool-uaf checks that it is); elsewhere it exits 0.
 */
#include <stdio.h>
#include <string.h>

#include "hakmem.h"

int main(int argc, char **argv)
{
	enum hm_mode mode = argc > 1 && !strcmp(argv[1], "bitmap") ? HM_MODE_BITMAP :
			    argc > 1 && !strcmp(argv[1], "freelist") ? HM_MODE_FREELIST :
			    HM_MODE_HYBRID;
	struct hm_cache *c = hm_cache_create("uaf", 48, 0, mode, 0);
	volatile char *p;
	char *keep;

	if (!c)
		return 2;
	keep = hm_cache_alloc(c);	/* the slab stays alive */
	p = hm_cache_alloc(c);
	if (!p || !keep)
		return 2;
	p[20] = 'x';
	hm_cache_free(c, (void *)p);
	printf("read after free: %c\n", p[20]);	/* the bug */
	return 0;
}
