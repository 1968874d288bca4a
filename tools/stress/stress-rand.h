/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * stress-rand.h - the xorshift64* generator the stress tools share:
 * deterministic from a seed, cheap enough for a per-operation draw.
 */
#ifndef STRESS_RAND_H
#define STRESS_RAND_H

#include <stdint.h>

static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

#endif /* STRESS_RAND_H */
