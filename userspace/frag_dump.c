// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * frag_dump.c - hm_frag_dump(): every slab's block map, in the format of
 * the kernel's /sys/kernel/debug/hakmem/slabs, so that one parser
 * (tools/heatmap/hakmem-heatmap) reads both:
 *
 *   # X allocated, . free, c cached in a magazine, r freed remotely (...)
 *   hm-64            hybrid   slab 0    owner thread3   inuse   812/1022  active
 *     XXXXXXXX..cc....   (64 blocks a row)
 *     age-ms 12 12 - - ...   (tracking on: the age of each allocated block
 *                             in milliseconds, - for no record)
 *
 * Maps are read as the kernel's are: under the cache lock, bitmaps word by
 * word, lists bounded; exact when no other thread allocates.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hakmem.h"
#include "hm_cache.h"
#include "hm_debug.h"
#include "hm_frag.h"
#include "hm_user.h"

#define HM_DUMP_COLS	64U

static const char *const hm_list_names[] = {
	[HM_LIST_NONE] = "none", [HM_LIST_ACTIVE] = "active",
	[HM_LIST_PARTIAL] = "partial", [HM_LIST_FULL] = "full",
	[HM_LIST_EMPTY] = "empty", [HM_LIST_POOL] = "pool",
};

/*
 * While tracking is on: the age of each allocated block.  A record counts
 * only if it is of the current switch generation (as for the sites' live
 * counts): a block allocated while tracking was off has none.
 */
static void hm_dump_ages(FILE *out, struct hm_cache *c, struct hm_slab *s,
			 const char *map, u64 now)
{
	u32 gen = HM_READ_ONCE(c->debug_gen);
	unsigned int i;

	if (!(HM_READ_ONCE(c->debug) & HM_DBG_TRACK) || !hm_debug_track(s, 0))
		return;
	fprintf(out, "  age-ms");
	for (i = 0; i < s->nblocks; i++) {
		const struct hm_track *t = hm_debug_track(s, i);

		if (map[i] == HM_MAP_LIVE && t && t->site && t->gen == gen)
			fprintf(out, " %llu",
				(unsigned long long)(hm_plat_stamp_ns(now - t->when) / 1000000));
		else
			fprintf(out, " -");
	}
	fprintf(out, "\n");
}

static void hm_dump_cache(struct hm_cache *c, void *arg)
{
	FILE *out = arg;
	char *map = malloc(HM_MAP_MAX);
	unsigned int nr = 0, i;
	unsigned long flags;
	struct hm_slab *s;
	u64 now = hm_plat_stamp();

	if (!map)
		return;
	hm_lock(&c->lock, flags);
	for (s = c->all; s; s = s->all_next, nr++) {
		struct hm_cctx *owner = HM_READ_ONCE(s->owner);
		unsigned int list = HM_READ_ONCE(s->list);
		unsigned int inuse = hm_slab_map(c, s, map);

		fprintf(out, "%-16s %-8s slab %-4u owner ", c->name, hm_mode_name(c->mode), nr);
		if (owner)
			fprintf(out, "thread%-4u", HM_READ_ONCE(owner->ctx_id));
		else
			fprintf(out, "-         ");
		fprintf(out, " inuse %5u/%-5u %s\n", inuse, s->nblocks,
			list < HM_ARRAY_SIZE(hm_list_names) ? hm_list_names[list] : "?");
		for (i = 0; i < s->nblocks; i += HM_DUMP_COLS)
			fprintf(out, "  %.*s\n", (int)HM_MIN(HM_DUMP_COLS, s->nblocks - i), map + i);
		hm_dump_ages(out, c, s, map, now);
	}
	hm_unlock(&c->lock, flags);
	free(map);
}

void hm_frag_dump(FILE *out, struct hm_cache *c)
{
	fprintf(out, "# X allocated, . free, c cached in a magazine, r freed remotely (not yet collected)\n");
	if (c)
		hm_dump_cache(c, out);
	else
		hm_user_each_cache(hm_dump_cache, out);
}
