// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mallinfo.c - hakmem's memory in glibc's figures: hm_mallinfo() (what
 * mallinfo2() and mallinfo() return under the preload library) and
 * hm_malloc_info() (malloc_info()'s XML).  The slab classes and caches
 * are glibc's arena, large objects its mmapped chunks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hakmem.h"
#include "hm_cache.h"
#include "hm_stats.h"
#include "hm_user.h"
#include "hm_user_text.h"

static void hm_mallinfo_add(struct hm_cache *c, void *arg)
{
	struct hm_mallinfo *mi = arg;
	struct hm_stats st;

	hm_cache_stats(c, &st);
	mi->arena += st.slabs * (size_t)HM_SLAB_SIZE;
	mi->ordblks += st.objs_total - st.objs_inuse;
	mi->uordblks += st.bytes_inuse;
	mi->keepcost += st.slabs_pool * (size_t)HM_SLAB_SIZE;
}

void hm_mallinfo(struct hm_mallinfo *mi)
{
	struct hm_large_use large;

	if (!mi) {
		errno = EINVAL;
		return;
	}
	memset(mi, 0, sizeof(*mi));
	hm_user_each_cache(hm_mallinfo_add, mi);
	hm_large_usage(&large);
	mi->hblks = large.objs;
	/*
	 * glibc's bytes of mmapped chunks, each just its object (mremap()
	 * by realloc()): a chunk through its object's end, not the room of
	 * a growing one past it nor the rest of a larger kept one taken
	 */
	mi->hblkhd = large.span;
	mi->fordblks = mi->arena - HM_MIN(mi->uordblks, mi->arena);
	mi->keepcost += large.kept_resident;	/* memory, as glibc's: not address space */
}

/*
 * one <size> per class and cache: its blocks not in use, as glibc's free
 * chunks; under hm_caches_lock, so into @pr's memory, written after
 */
static void hm_malloc_info_size(struct hm_cache *c, void *pr)
{
	struct hm_stats st;
	unsigned long idle;

	hm_cache_stats(c, &st);
	idle = st.objs_total - st.objs_inuse;
	if (!idle)
		return;		/* as glibc's, which lists only sizes it has free */
	hm_print((struct hm_printer *)pr,
		 "  <size from=\"%u\" to=\"%u\" total=\"%lu\" count=\"%lu\"/>\n",
		 c->obj_size, c->obj_size, idle * c->obj_size, idle);
}

/* the lines a heap and the whole end with: fast, rest[, mmap], system, aspace */
static void hm_malloc_info_totals(FILE *out, const struct hm_mallinfo *mi, bool mmap)
{
	fprintf(out, "<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
		"<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n", mi->ordblks, mi->fordblks);
	if (mmap)
		fprintf(out, "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n",
			mi->hblks, mi->hblkhd);
	fprintf(out, "<system type=\"current\" size=\"%zu\"/>\n<system type=\"max\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n<aspace type=\"mprotect\" size=\"%zu\"/>\n",
		mi->arena, mi->arena, mi->arena, mi->arena);
}

/*
 * glibc's malloc_info() XML, of hakmem's memory: one heap, whose <size>
 * lines are the classes and caches with blocks not in use; large objects
 * are glibc's mmapped chunks, counted apart from "system" as glibc counts
 * them.  No maximum is kept: "max" is the current figure.  0 always, as
 * glibc's, but for a NULL @out (glibc's would crash).
 */
int hm_malloc_info(FILE *out)
{
	struct hm_user_text t = HM_USER_TEXT_INIT;
	struct hm_mallinfo mi;

	if (!out) {
		errno = EINVAL;
		return -1;
	}
	hm_mallinfo(&mi);
	fprintf(out, "<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n");
	hm_user_each_cache(hm_malloc_info_size, &t.pr);
	hm_user_text_write(&t, out);
	fprintf(out, "</sizes>\n");
	hm_malloc_info_totals(out, &mi, false);
	fprintf(out, "</heap>\n");
	hm_malloc_info_totals(out, &mi, true);
	fprintf(out, "</malloc>\n");
	return 0;
}
