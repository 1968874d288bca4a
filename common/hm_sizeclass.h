/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_sizeclass.h - the eight built-in size classes, 8 to 1024 bytes.
 *
 * Class i holds objects of 8 << i bytes.  Mapping a size to its class is
 * one table load indexed by the size in 8-byte units (129 bytes, two cache
 * lines; mimalloc's size-to-bin is the same idea): three instructions on
 * the fast path, against six for the count-leading-zeros formula, which
 * the tests keep as the reference.
 */
#ifndef HM_SIZECLASS_H
#define HM_SIZECLASS_H

#include "hm_platform.h"

#define HM_NR_CLASSES		8
#define HM_MIN_CLASS_SHIFT	3
#define HM_MAX_CLASS_SIZE	(8U << (HM_NR_CLASSES - 1))	/* 1024 */

static inline unsigned int hm_class_size(unsigned int cls)
{
	return 8U << cls;
}

extern const u8 hm_size_class_table[HM_MAX_CLASS_SIZE / 8 + 1];

/**
 * hm_size_to_class() - size class of a small allocation
 * @size: requested size, at most HM_MAX_CLASS_SIZE; 0 is class 0
 */
static inline unsigned int hm_size_to_class(size_t size)
{
	return hm_size_class_table[(size + 7) / 8];
}

#endif /* HM_SIZECLASS_H */
