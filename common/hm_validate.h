/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_validate.h - consistency check of a cache (see hm_validate.c).
 */
#ifndef HM_VALIDATE_H
#define HM_VALIDATE_H

#include "hm_stats.h"

/* problems hm_cache_validate(c, NULL) prints to the log, at most (then a count) */
#define HM_VALIDATE_LOG_MAX	8

long hm_cache_validate(struct hm_cache *c, struct hm_printer *pr);
long hm_cache_validate_log(struct hm_cache *c, struct hm_printer *log);
unsigned long hm_cache_live_objects(struct hm_cache *c);

#endif /* HM_VALIDATE_H */
