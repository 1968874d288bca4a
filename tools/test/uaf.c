// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * uaf - a deliberate use after free of a hakmem object, in each mode.  Run
 * from the ASan and the Valgrind builds of libhakmem, it must be reported
 * (make test-tool-uaf checks that it is); elsewhere it exits 0.
 *
 *	uaf MODE [OFFSET [read|write|double [remote]]]
 *
 * reads (or writes) byte OFFSET (default 20) of a freed 48-byte object,
 * freed by its owner or, with "remote", by another thread (the freelist
 * mode's remote list).  Offset 0 is the free-list link word in the
 * freelist mode and in the hybrid mode's intrusive magazine: poisoned
 * like the rest of the block.  The object's address goes to stdout
 * first, for the test to find in the tool's report.
 *
 * "double" frees the object again, locally (the first free as above):
 * with checks off, the freelist mode's free stores the link word into
 * the poisoned block, which the tool reports; with checks on, hakmem
 * refuses it.  If the program goes on, two allocations follow, and
 * whether they are distinct objects (the lists intact) is printed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hakmem.h"

#define UAF_SIZE	48

struct uaf_free {
	struct hm_cache *c;
	void *p;
};

static void *uaf_free_remote(void *arg)
{
	struct uaf_free *f = arg;

	hm_cache_free(f->c, f->p);
	return NULL;
}

int main(int argc, char **argv)
{
	enum hm_mode mode = argc > 1 && !strcmp(argv[1], "bitmap") ? HM_MODE_BITMAP :
			    argc > 1 && !strcmp(argv[1], "freelist") ? HM_MODE_FREELIST :
			    HM_MODE_HYBRID;
	long off = argc > 2 ? strtol(argv[2], NULL, 10) : 20;
	int write = argc > 3 && !strcmp(argv[3], "write");
	int twice = argc > 3 && !strcmp(argv[3], "double");
	int remote = argc > 4 && !strcmp(argv[4], "remote");
	struct hm_cache *c = hm_cache_create("uaf", UAF_SIZE, 0, mode, 0);
	volatile char *p;
	struct uaf_free f;
	pthread_t t;
	char *keep, *a, *b;

	if (!c || off < 0 || off >= UAF_SIZE)
		return 2;
	keep = hm_cache_alloc(c);	/* the slab stays alive */
	p = hm_cache_alloc(c);
	if (!p || !keep)
		return 2;
	memset((void *)p, 'x', UAF_SIZE);
	f.c = c;
	f.p = (void *)p;
	if (!remote)
		uaf_free_remote(&f);	/* here: a local free */
	else if (pthread_create(&t, NULL, uaf_free_remote, &f) || pthread_join(t, NULL))
		return 2;
	printf("object %p byte %ld\n", (void *)(p + off), off);
	fflush(stdout);
	/* the bug */
	if (twice) {
		hm_cache_free(c, (void *)p);
		a = hm_cache_alloc(c);
		b = hm_cache_alloc(c);
		printf("after the double free: two allocations, %s\n",
		       a && b && a != b ? "distinct" : "the same object or NULL");
	} else if (write)
		p[off] = 'y';
	else
		printf("%s after free: %c\n", "read", p[off]);
	return 0;
}
