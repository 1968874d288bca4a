/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_sizeclass.h - the eight built-in size classes, 8 to 1024 bytes.
 *
 * Class i holds objects of 8 << i bytes.  Mapping a size to its class is
 * one count-leading-zeros: sizes 0..8 map to class 0, and for larger sizes
 * the class is the bit length of (size - 1), minus 3.
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

/**
 * hm_size_to_class() - size class of a small allocation, without a loop
 * @size: requested size, at most HM_MAX_CLASS_SIZE
 *
 * (size - 1) | 7 keeps every size up to 8 in class 0; size 0 is taken as 1
 * (a conditional move, not a branch) so that it lands in class 0 too.
 */
static inline unsigned int hm_size_to_class(size_t size)
{
	unsigned long v = ((unsigned long)(size ? size : 1) - 1) | 7UL;

	return (unsigned int)(HM_BITS_PER_LONG - __builtin_clzl(v)) - HM_MIN_CLASS_SHIFT;
}

#endif /* HM_SIZECLASS_H */
