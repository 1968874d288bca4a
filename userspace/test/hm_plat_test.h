/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hm_plat_test.h - a userspace KUnit: the subset of <kunit/test.h> that the
 * shared test cases use, with the same names and meanings, so one source
 * compiles into the kernel's KUnit module and into the userspace runner.
 *
 * Expectations record a failure and go on; assertions end the case
 * (longjmp back to the runner, where KUnit returns from the case thread).
 * The runner prints KTAP version 1, which kunit.py parse reads.
 */
#ifndef HM_PLAT_TEST_H
#define HM_PLAT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KUNIT_PARAM_DESC_SIZE	128

struct kunit {
	const char *name;
	bool failed;
	bool skipped;
	char skip_msg[128];
	const void *param_value;
	void *priv;
	jmp_buf abort;
	void **allocs;		/* kunit_kzalloc() memory, freed after the case */
	size_t nallocs;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
};

struct kunit_suite {
	const char name[256];
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn)		{ .run_case = fn, .name = #fn }
#define KUNIT_CASE_SLOW(fn)	KUNIT_CASE(fn)
#define KUNIT_CASE_PARAM(fn, gen) \
	{ .run_case = fn, .name = #fn, .generate_params = gen }

#define KUNIT_ARRAY_PARAM(name, array, get_desc)				\
	static const void *name##_gen_params(const void *prev, char *desc)	\
	{									\
		__typeof__((array)[0]) *__next = prev ?				\
			((__typeof__((array)[0]) *)prev) + 1 : (array);		\
		if (__next - (array) < (long)(sizeof(array) / sizeof((array)[0]))) { \
			void (*__get_desc)(__typeof__(__next), char *) = get_desc; \
			if (__get_desc)						\
				__get_desc(__next, desc);			\
			return __next;						\
		}								\
		return NULL;							\
	}

void kunit_fail_at(struct kunit *test, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void kunit_abort(struct kunit *test) __attribute__((noreturn));
void *kunit_kzalloc(struct kunit *test, size_t size, unsigned int gfp);
void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, unsigned int gfp);
void kunit_info(struct kunit *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kunit_add_action_or_reset(struct kunit *test, void (*fn)(void *), void *arg);

/* userspace only: bad frees on a free-list class need its checks (test_plat.c) */
struct hm_cache;
void hm_test_checks_for(struct kunit *test, struct hm_cache *c);
void *hm_test_malloc_checked(struct kunit *test, size_t size);

/* userspace only: where hm_test_count_errors() points the adapter */
extern long *volatile hm_user_error_counter;
#define GFP_KERNEL	0U

#define kunit_skip(test, ...)							\
	do {									\
		(test)->skipped = true;						\
		snprintf((test)->skip_msg, sizeof((test)->skip_msg), __VA_ARGS__); \
		kunit_abort(test);						\
	} while (0)

#define KUNIT_BINARY(test, a, op, b, fatal)					\
	do {									\
		long long __a = (long long)(a), __b = (long long)(b);		\
		if (!(__a op __b)) {						\
			kunit_fail_at(test, __FILE__, __LINE__,			\
				"Expected %s %s %s, but %s == %lld, %s == %lld",\
				#a, #op, #b, #a, __a, #b, __b);			\
			if (fatal)						\
				kunit_abort(test);				\
		}								\
	} while (0)

#define KUNIT_BINARY_PTR(test, a, op, b, fatal)					\
	do {									\
		const void *__a = (const void *)(a), *__b = (const void *)(b);	\
		if (!(__a op __b)) {						\
			kunit_fail_at(test, __FILE__, __LINE__,			\
				"Expected %s %s %s, but %s == %p, %s == %p",	\
				#a, #op, #b, #a, __a, #b, __b);			\
			if (fatal)						\
				kunit_abort(test);				\
		}								\
	} while (0)

#define KUNIT_EXPECT_EQ(t, a, b)	KUNIT_BINARY(t, a, ==, b, 0)
#define KUNIT_EXPECT_NE(t, a, b)	KUNIT_BINARY(t, a, !=, b, 0)
#define KUNIT_EXPECT_LT(t, a, b)	KUNIT_BINARY(t, a, <, b, 0)
#define KUNIT_EXPECT_LE(t, a, b)	KUNIT_BINARY(t, a, <=, b, 0)
#define KUNIT_EXPECT_GT(t, a, b)	KUNIT_BINARY(t, a, >, b, 0)
#define KUNIT_EXPECT_GE(t, a, b)	KUNIT_BINARY(t, a, >=, b, 0)
#define KUNIT_EXPECT_TRUE(t, c)		KUNIT_BINARY(t, !!(c), ==, 1, 0)
#define KUNIT_EXPECT_FALSE(t, c)	KUNIT_BINARY(t, !!(c), ==, 0, 0)
#define KUNIT_EXPECT_PTR_EQ(t, a, b)	KUNIT_BINARY_PTR(t, a, ==, b, 0)
#define KUNIT_EXPECT_PTR_NE(t, a, b)	KUNIT_BINARY_PTR(t, a, !=, b, 0)
#define KUNIT_EXPECT_NULL(t, p)		KUNIT_BINARY_PTR(t, p, ==, NULL, 0)
#define KUNIT_EXPECT_NOT_NULL(t, p)	KUNIT_BINARY_PTR(t, p, !=, NULL, 0)
#define KUNIT_ASSERT_EQ(t, a, b)	KUNIT_BINARY(t, a, ==, b, 1)
#define KUNIT_ASSERT_NE(t, a, b)	KUNIT_BINARY(t, a, !=, b, 1)
#define KUNIT_ASSERT_LT(t, a, b)	KUNIT_BINARY(t, a, <, b, 1)
#define KUNIT_ASSERT_LE(t, a, b)	KUNIT_BINARY(t, a, <=, b, 1)
#define KUNIT_ASSERT_GE(t, a, b)	KUNIT_BINARY(t, a, >=, b, 1)
#define KUNIT_ASSERT_GT(t, a, b)	KUNIT_BINARY(t, a, >, b, 1)
#define KUNIT_ASSERT_TRUE(t, c)		KUNIT_BINARY(t, !!(c), ==, 1, 1)
#define KUNIT_ASSERT_FALSE(t, c)	KUNIT_BINARY(t, !!(c), ==, 0, 1)
#define KUNIT_ASSERT_PTR_EQ(t, a, b)	KUNIT_BINARY_PTR(t, a, ==, b, 1)
#define KUNIT_ASSERT_PTR_NE(t, a, b)	KUNIT_BINARY_PTR(t, a, !=, b, 1)
#define KUNIT_ASSERT_NOT_NULL(t, p)	KUNIT_BINARY_PTR(t, p, !=, NULL, 1)
#define KUNIT_ASSERT_NULL(t, p)		KUNIT_BINARY_PTR(t, p, ==, NULL, 1)
#define KUNIT_EXPECT_STREQ(test, a, b)						\
	do {									\
		const char *__a = (a), *__b = (b);				\
		if (strcmp(__a, __b))						\
			kunit_fail_at(test, __FILE__, __LINE__,			\
				"Expected %s == %s, but %s == \"%s\", %s == \"%s\"", \
				#a, #b, #a, __a, #b, __b);			\
	} while (0)
#define KUNIT_EXPECT_TRUE_MSG(t, c, ...)					\
	do {									\
		if (!(c))							\
			kunit_fail_at(t, __FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

#endif /* HM_PLAT_TEST_H */
