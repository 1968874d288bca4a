// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * debug_copies_avx2.c - the hybrid debug route's copies
 * (common/hm_debug_copies.h) once more, built with -mavx2: their poison
 * checks and fills of 32 to 256 bytes in 32-byte loads and stores
 * (hm_plat_mem_is_span(), hm_plat_mem_fill_span()), half of SSE2's.
 * hm_user_cctx_copies() gives a context these where the CPU has AVX2
 * (and HAKMEM_ISA does not say sse2): 34 instructions a pair less at 256
 * bytes with poison=1 track=1, 4 at 64.  Built on x86-64 only; elsewhere
 * this unit is empty and the SSE2 or generic copies serve.
 */
#include "hm_user.h"

#ifdef __x86_64__
#ifndef __AVX2__
#error "debug_copies_avx2.c is built with -mavx2 (Makefile)"
#endif
#include "hm_cache.h"

#define HM_DEBUG_COPY_ISA			_avx2
#define HM_DEBUG_COPY_ALLOC_SLOW(cc, ip)	hm_user_malloc_debug_slow(cc, ip)
#define HM_DEBUG_COPY_FREE_SLOW(cc, s, p, ip)	hm_cctx_free_debug_slow(cc, s, p, ip)
#include "hm_debug_copies.h"

void hm_user_cctx_copies_avx2(struct hm_cctx *cc)
{
	hm_debug_copies_set(cc);
}
#endif
