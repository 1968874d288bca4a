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
 * Maps are read as the kernel's are (hm_frag_walk()): the cache lock held
 * for one slab at a time, bitmaps word by word, lists bounded; exact when
 * no other thread allocates.  Printing waits until the lock is dropped,
 * and writing to @out until hm_caches_lock is too: the slabs are printed
 * into library memory (hm_user_text), and the maps' scratch is allocated
 * before the lock is taken, so that nothing under it calls malloc() or
 * the caller's FILE (whose write may call back into hakmem).
 */
#include <stdio.h>
#include <stdlib.h>

#include "hakmem.h"
#include "hm_cache.h"
#include "hm_debug.h"
#include "hm_frag.h"
#include "hm_user.h"
#include "hm_user_text.h"

#define HM_DUMP_COLS	64U

static const char *const hm_list_names[] = {
	[HM_LIST_NONE] = "none", [HM_LIST_ACTIVE] = "active",
	[HM_LIST_PARTIAL] = "partial", [HM_LIST_FULL] = "full",
	[HM_LIST_EMPTY] = "empty", [HM_LIST_POOL] = "pool",
	[HM_LIST_PARKED] = "parked",
};

/* what the walk reads of a slab under the cache lock, printed without it */
struct hm_dump {
	struct hm_printer *pr;
	char *map;		/* HM_MAP_MAX entries */
	u64 now;
	u32 gen;
	bool ages;		/* tracking on: age[] holds this slab's */
	bool owned;
	u32 owner_id;
	unsigned int list;
	long *age;		/* ms, -1: no record (HM_MAP_MAX entries) */
};

/*
 * While tracking is on: the age of each allocated block.  A record counts
 * only if it is of the current switch generation (as for the sites' live
 * counts): a block allocated while tracking was off has none.
 */
static void hm_dump_held(struct hm_cache *c, struct hm_slab *s, unsigned int nr,
			 const char *map, void *arg)
{
	struct hm_dump *d = arg;
	struct hm_cctx *owner = HM_READ_ONCE(s->owner);
	unsigned int i;

	d->owned = owner;
	d->owner_id = owner ? HM_READ_ONCE(owner->ctx_id) : 0;
	d->list = HM_READ_ONCE(s->list);
	/* tracking going off retires the records: read in a bracket */
	if (!hm_plat_read_begin()) {
		d->ages = false;
		return;
	}
	d->ages = (HM_READ_ONCE(c->debug) & HM_DBG_TRACK) && hm_debug_track(s, 0);
	for (i = 0; d->ages && i < s->nblocks; i++) {
		const struct hm_track *t = hm_debug_track(s, i);
		struct hm_track r = { 0 };

		if (t && map[i] == HM_MAP_LIVE)
			hm_track_snapshot(&r, t);
		d->age[i] = r.site && r.gen == d->gen ?
			    (long)(hm_plat_stamp_ns(d->now - r.when) / 1000000) : -1;
	}
	hm_plat_read_end();
}

static void hm_dump_slab(struct hm_cache *c, const struct hm_frag_slab *fs,
			 const char *map, void *arg)
{
	struct hm_dump *d = arg;
	struct hm_printer *pr = d->pr;
	unsigned int i;

	hm_print(pr, "%-16s %-8s slab %-4u owner ", c->name, hm_mode_name(c->mode), fs->nr);
	if (d->owned)
		hm_print(pr, "thread%-4u", d->owner_id);
	else
		hm_print(pr, "-         ");
	hm_print(pr, " inuse %5u/%-5u %s\n", fs->live, fs->nblocks,
		d->list < HM_ARRAY_SIZE(hm_list_names) ? hm_list_names[d->list] : "?");
	for (i = 0; i < fs->nblocks; i += HM_DUMP_COLS)
		hm_print(pr, "  %.*s\n", (int)HM_MIN(HM_DUMP_COLS, fs->nblocks - i), map + i);
	if (!d->ages)
		return;
	hm_print(pr, "  age-ms");
	for (i = 0; i < fs->nblocks; i++) {
		if (d->age[i] >= 0)
			hm_print(pr, " %ld", d->age[i]);
		else
			hm_print(pr, " -");
	}
	hm_print(pr, "\n");
}

/* a class as is, a created cache under hm_caches_lock */
static void hm_dump_cache(struct hm_cache *c, void *arg)
{
	struct hm_dump *d = arg;

	if (!d->map || !d->age)
		return;
	d->now = hm_plat_stamp();
	d->gen = HM_READ_ONCE(c->track_gen);
	hm_frag_walk(c, d->map, hm_dump_held, hm_dump_slab, d);
}

void hm_frag_dump(FILE *out, struct hm_cache *c)
{
	struct hm_file_printer fp = { { hm_file_printf }, out };
	struct hm_user_text t = HM_USER_TEXT_INIT;
	struct hm_dump direct = { .pr = &fp.pr }, held = { .pr = &t.pr };

	if (!out) {
		errno = EINVAL;
		return;
	}
	fprintf(out, "# X allocated, . free, c cached in a magazine, r freed remotely (not yet collected)\n");
	direct.map = held.map = malloc(HM_MAP_MAX);
	direct.age = held.age = malloc(HM_MAP_MAX * sizeof(*held.age));
	/* a class stays: printed as walked, as a malloc() heap may be large */
	if (c && hm_user_is_class(c)) {
		hm_dump_cache(c, &direct);
	} else if (c) {
		if (hm_user_cache_get(c, HM_RET_IP)) {
			hm_dump_cache(c, &held);
			hm_user_cache_put();
		}
	} else {
		hm_user_each_cache_split(hm_dump_cache, &direct, &held);
	}
	free(held.age);
	free(held.map);
	hm_user_text_write(&t, out);
}
