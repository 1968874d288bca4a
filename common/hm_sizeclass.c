// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_sizeclass.c - the size-to-class table (see hm_sizeclass.h).
 */
#include "hm_sizeclass.h"

/* index: size in 8-byte units, rounded up; class i holds 8 << i bytes */
const u8 hm_size_class_table[HM_MAX_CLASS_SIZE / 8 + 1] = {
	[0 ... 1] = 0,		/*    0..8    bytes */
	[2] = 1,		/*    9..16   */
	[3 ... 4] = 2,		/*   17..32   */
	[5 ... 8] = 3,		/*   33..64   */
	[9 ... 16] = 4,		/*   65..128  */
	[17 ... 32] = 5,	/*  129..256  */
	[33 ... 64] = 6,	/*  257..512  */
	[65 ... 128] = 7,	/*  513..1024 */
};
