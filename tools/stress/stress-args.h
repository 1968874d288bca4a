/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * stress-args.h - the number arguments of hakmem-stress, hakmem-faults and
 * the bench tools' hm-ops: a whole unsigned decimal number within bounds,
 * or a message and exit 2.
 * strtoul() alone takes "abc" as 0 (a run of nothing) and "-5" as
 * ULONG_MAX - 4; with base 0 it took "010" as 8 and refused "08".
 */
#ifndef STRESS_ARGS_H
#define STRESS_ARGS_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * @s as a number from @min to @max; else "@prog: bad @what '@s'" (and the
 * range, when it is not all of unsigned long) and exit 2
 */
static inline unsigned long stress_num_range(const char *prog, const char *s, const char *what,
					     unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || strchr(s, '-') || v < min || v > max) {
		if (min || max != ULONG_MAX)
			fprintf(stderr, "%s: bad %s '%s' (%lu..%lu)\n", prog, what, s, min, max);
		else
			fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

/* stress_num_range() from 0 */
static inline unsigned long stress_num(const char *prog, const char *s, const char *what,
				       unsigned long max)
{
	return stress_num_range(prog, s, what, 0, max);
}

/*
 * 0 if everything printed reached stdout; else "@prog: FAIL: write error
 * on stdout" and -1.  printf()'s errors are sticky and silent: a run
 * into a full disk (>/dev/full) printed nothing and exited 0.
 */
static inline int stress_stdout_check(const char *prog)
{
	int err = fflush(stdout) ? errno : 0;

	if (!err && !ferror(stdout))
		return 0;
	fprintf(stderr, "%s: FAIL: write error on stdout%s%s\n", prog,
		err ? ": " : "", err ? strerror(err) : "");
	return -1;
}

#endif /* STRESS_ARGS_H */
