// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm-geometry.c - metadata overhead of hakmem's slabs, per class and mode,
 * from the geometry the core computes (struct hm_cache: nblocks, first_off,
 * nwords): header and bitmaps per 64 KiB slab, padding (bitmaps to cache
 * lines, the first block to its alignment),
 * the unusable tail, and the per-thread context (hybrid: its magazine).
 * Builds against the internal headers (-Icommon -Iuserspace); creates one
 * cache per class and mode with the built-in classes' natural alignment.
 *
 * Output: TSV, one line per (mode, size).
 */
#include <stdio.h>

#include "hakmem.h"
#include "hm_types.h"

int main(void)
{
	static const char *const modes[] = { "bitmap", "freelist", "hybrid" };
	unsigned int m, size;

	printf("mode\tsize\tnblocks\tideal\tfirst_off\thdr_bytes\tbitmap_bytes\tpad_bytes\t"
	       "tail_bytes\tmeta_pct\tlost_pct\tmag_cap\tcctx_bytes\n");
	for (m = 0; m < 3; m++) {
		for (size = 8; size <= 1024; size *= 2) {
			struct hm_cache *c = hm_cache_create("geometry", size, size,
							     (enum hm_mode)m, 0);
			unsigned int nbm = m == HM_MODE_BITMAP ? 2 : m == HM_MODE_HYBRID ? 3 : 0;
			unsigned long hdr, bm, pad, tail, cctx;

			if (!c) {
				fprintf(stderr, "hm-geometry: cannot create %u/%s\n", size, modes[m]);
				return 1;
			}
			hdr = sizeof(struct hm_slab);
			bm = (unsigned long)nbm * c->nwords * sizeof(unsigned long);
			pad = c->first_off - hdr - bm;
			tail = HM_SLAB_SIZE - c->first_off - (unsigned long)c->nblocks * c->size;
			cctx = sizeof(struct hm_cctx) +
			       (m == HM_MODE_HYBRID ? c->mag_cap * sizeof(void *) : 0);
			/* meta: header + bitmaps; lost: every byte not in a block */
			printf("%s\t%u\t%u\t%lu\t%u\t%lu\t%lu\t%lu\t%lu\t%.3f\t%.3f\t%u\t%lu\n",
			       modes[m], size, c->nblocks, HM_SLAB_SIZE / c->size, c->first_off,
			       hdr, bm, pad, tail, 100.0 * (double)(hdr + bm) / HM_SLAB_SIZE,
			       100.0 * (double)(HM_SLAB_SIZE - (unsigned long)c->nblocks * c->size) /
			       HM_SLAB_SIZE,
			       m == HM_MODE_HYBRID ? c->mag_cap : 0, cctx);
			hm_cache_destroy(c);
		}
	}
	return 0;
}
