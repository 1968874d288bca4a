// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_mode_hybrid.c - refill and flush of the hybrid mode's magazine.
 *
 * Both move whole bitmap words: a refill takes every free bit of a word in
 * one store and expands it into pointers; a flush groups the returned
 * blocks by (slab, word) and sets each group's bits in one store.
 */
#include "hm_mode.h"

/*
 * The intrusive variant keeps its entries in a list; slow paths copy them
 * into cc->mag[] (bottom = oldest) and back.  No-ops for the array.
 */
void hm_mag_to_array(struct hm_cctx *cc)
{
#ifdef HM_MAG_INTRUSIVE
	void **p = cc->mag_head;
	u32 i;

	for (i = cc->mag_count; i; i--, p = hm_plat_link_read(p))
		cc->mag[i - 1] = p;
	cc->mag_head = NULL;
#else
	(void)cc;
#endif
}

void hm_mag_from_array(struct hm_cctx *cc)
{
#ifdef HM_MAG_INTRUSIVE
	u32 i;

	cc->mag_head = NULL;
	for (i = 0; i < cc->mag_count; i++) {
		hm_plat_link_write(cc->mag[i], cc->mag_head);
		cc->mag_head = cc->mag[i];
	}
#else
	(void)cc;
#endif
}

/*
 * Move free words of @s into the magazine until it is half full.  A word
 * is taken whole when it fits; otherwise its lowest bits fill the rest.
 */
static void hm_hybrid_refill(struct hm_cctx *cc, struct hm_slab *s)
{
	struct hm_cache *c = cc->cache;
	u32 n = cc->mag_count;
	u32 target = HM_MAX(cc->mag_cap / 2, 1U);
	unsigned int i = s->hint;

	while (s->nfree && n < target) {
		unsigned long w, take;
		unsigned int k, j;
		void **slot;
		char *base;

		while (!(w = s->free_bits[i]))
			i++;
		take = w;
		k = hm_popcount(w);
		if (k > cc->mag_cap - n) {
			k = cc->mag_cap - n;
			for (take = 0, j = 0; j < k; j++) {
				take |= w & -w;
				w &= w - 1;
			}
		}
		HM_WRITE_ONCE(s->free_bits[i], s->free_bits[i] & ~take);
		s->nfree -= k;
		/* highest block at the bottom: pops return low addresses first */
		base = hm_block_addr(c, s, i * HM_BPL);
		slot = &cc->mag[n + k];
		n += k;
		while (take) {
			*--slot = base + (unsigned long)hm_ctz(take) * c->size;
			take &= take - 1;
		}
	}
	s->hint = (u16)i;
	cc->mag_count = n;
	hm_mag_from_array(cc);
	cc->st.refills++;
}

void *hm_hybrid_alloc_slow(struct hm_cctx *cc)
{
	cc->st.alloc_slow++;
	for (;;) {
		struct hm_slab *s = cc->active;

		if (s && s->nfree) {
			hm_hybrid_refill(cc, s);
			return hm_hybrid_alloc(cc);
		}
		if (s) {
			hm_cctx_retire_active(cc);
			if (cc->active)
				continue;
		}
		if (!hm_cctx_take_slab(cc))
			return NULL;
	}
}

/**
 * hm_hybrid_flush() - return the @n oldest magazine entries to their slabs
 * @cc: the owner; every block in its magazine is from a slab it owns
 * @n: entries to return, at most cc->mag_count
 *
 * Return: the new magazine count.
 */
u32 hm_hybrid_flush(struct hm_cctx *cc, u32 n)
{
	struct hm_cache *c = cc->cache;
	u32 i = 0, rest = cc->mag_count - n;

	hm_mag_to_array(cc);
	while (i < n) {
		struct hm_slab *s = hm_ptr_slab(cc->mag[i]);
		unsigned int idx = hm_block_index(c, s, cc->mag[i]);
		unsigned int w = idx / HM_BPL, k = 0;
		unsigned long mask = 0;

		/* the run of entries in one word of one slab */
		do {
			mask |= 1UL << (idx % HM_BPL);
			k++;
			if (++i == n || hm_ptr_slab(cc->mag[i]) != s)
				break;
			idx = hm_block_index(c, s, cc->mag[i]);
		} while (idx / HM_BPL == w);
		HM_WRITE_ONCE(s->free_bits[w], s->free_bits[w] | mask);
		if (w < s->hint)
			s->hint = (u16)w;
		/* k bits: a block is in a magazine once (its live bit) */
		s->nfree += k;
		hm_slab_settle(cc, s);
	}
	hm_memmove(cc->mag, cc->mag + n, rest * sizeof(void *));
	cc->mag_count = rest;
	hm_mag_from_array(cc);
	cc->st.flushes++;
	return rest;
}
