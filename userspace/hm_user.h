/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_user.h - internals shared by the userspace adapter's files.
 */
#ifndef HM_USER_H
#define HM_USER_H

#include <stdbool.h>

bool hm_user_chunk_fault(void);
bool hm_user_meta_fault(void);
void hm_user_chunk_count(long delta);
void hm_user_error_message(const char *msg);
void hm_stats_file_start(void);	/* stats_file.c */
struct hm_cache;
void hm_user_each_cache(void (*fn)(struct hm_cache *c, void *arg), void *arg);

/* tests: count errors instead of printing them (NULL: off) */
extern long *volatile hm_user_error_counter;
/* fault injection: fail every Nth chunk request (0: off) */
extern unsigned long hm_user_fail_every;
/* ... and every Nth metadata allocation (contexts, debug memory; 0: off) */
extern unsigned long hm_user_meta_fail_every;
extern long hm_user_chunks_live;

#endif /* HM_USER_H */
