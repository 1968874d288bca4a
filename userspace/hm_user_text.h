/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_user_text.h - the dumps' printers (hakmem.c): to a FILE as printed,
 * or to memory while a lock is held.  Apart from hm_user.h, which the
 * tools include: this one brings the core's types (hm_stats.h).
 */
#ifndef HM_USER_TEXT_H
#define HM_USER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hm_stats.h"

/*
 * A dump's text, printed while a lock of hakmem's is held and written to
 * the caller's FILE or printer once none is (hakmem.c): in pages of the
 * library's own, so printing takes no lock and calls no malloc().
 */
struct hm_user_text {
	struct hm_printer pr;
	char *buf;
	size_t len, size;
	bool lost;		/* no memory for more: the rest is dropped */
};

void hm_user_text_printf(struct hm_printer *pr, const char *fmt, ...) HM_PRINTF(2, 3);
#define HM_USER_TEXT_INIT	{ .pr = { hm_user_text_printf } }

/* a printer to a FILE, written as printed (no lock of hakmem's held) */
struct hm_file_printer {
	struct hm_printer pr;
	FILE *out;
};

void hm_file_printf(struct hm_printer *pr, const char *fmt, ...) HM_PRINTF(2, 3);
void hm_user_text_write(struct hm_user_text *t, FILE *out);
void hm_user_text_print(struct hm_user_text *t, struct hm_printer *pr);

#endif /* HM_USER_TEXT_H */
