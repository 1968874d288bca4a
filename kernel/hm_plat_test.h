/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hm_plat_test.h - the kernel's KUnit for the shared test cases in
 * common/tests/: the real <kunit/test.h>.  The userspace twin of this file
 * (userspace/test/hm_plat_test.h) implements the same subset of its API.
 */
#ifndef HM_PLAT_TEST_KERNEL_H
#define HM_PLAT_TEST_KERNEL_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/slab.h>

#endif /* HM_PLAT_TEST_KERNEL_H */
