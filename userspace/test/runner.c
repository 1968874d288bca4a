// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * runner.c - runs the shared KUnit suites in userspace and prints KTAP.
 *
 * Usage: hakmem-test [suite-glob...]     (default: every suite)
 *        hakmem-test suite.case-glob...  (those cases of that suite only)
 * Ends with the line "N passed, N failed" (and ", N skipped").
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdarg.h>
#include <string.h>

#include "hm_test.h"

extern struct kunit_suite hm_user_suite;	/* userspace adapter only */
extern struct kunit_suite hm_posix_suite;	/* hm_calloc, hm_realloc, ... */
int hm_user_abort_child(const char *what);	/* hm_user_test.c */
int hm_user_env_child(const char *what);
int hm_user_fork_child(void);

static struct kunit_suite *const suites[] = { HM_TEST_SUITES, &hm_user_suite,
					      &hm_posix_suite };
static unsigned int passed, failed, skipped;

struct hm_action {
	void (*fn)(void *);
	void *arg;
};

struct kunit_priv {
	struct hm_action actions[32];
	unsigned int nactions;
	long errors;
};

void kunit_fail_at(struct kunit *test, const char *file, int line,
		   const char *fmt, ...)
{
	va_list ap;

	test->failed = true;
	printf("    # %s: %s:%d: ", test->name, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void kunit_abort(struct kunit *test)
{
	longjmp(test->abort, 1);
}

void kunit_info(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	printf("    # %s: ", test->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void *kunit_kzalloc(struct kunit *test, size_t size, unsigned int gfp)
{
	void *p = calloc(1, size ? size : 1);
	void **na;

	(void)gfp;
	if (!p)
		return NULL;
	na = realloc(test->allocs, (test->nallocs + 1) * sizeof(void *));
	if (!na) {
		free(p);
		return NULL;
	}
	test->allocs = na;
	test->allocs[test->nallocs++] = p;
	return p;
}

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, unsigned int gfp)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kunit_kzalloc(test, n * size, gfp);
}

int kunit_add_action_or_reset(struct kunit *test, void (*fn)(void *), void *arg)
{
	struct kunit_priv *kp = test->priv;

	if (kp->nactions == HM_ARRAY_SIZE(kp->actions)) {
		fn(arg);
		return -1;
	}
	kp->actions[kp->nactions].fn = fn;
	kp->actions[kp->nactions++].arg = arg;
	return 0;
}

long *hm_test_count_errors(struct kunit *test)
{
	struct kunit_priv *kp = test->priv;

	hm_user_error_counter = &kp->errors;
	return &kp->errors;
}

/* One run of a case (one parameter); returns 1 pass, 0 fail, 2 skip. */
static int run_one(struct kunit_suite *suite, struct kunit_case *tc,
		   const void *param)
{
	struct kunit_priv kp = { .nactions = 0 };
	struct kunit test = { .name = tc->name, .param_value = param, .priv = &kp };
	size_t i;

	if (!setjmp(test.abort)) {
		if (!suite->init || !suite->init(&test))
			tc->run_case(&test);
	}
	if (suite->exit)
		suite->exit(&test);
	hm_user_error_counter = NULL;
	while (kp.nactions) {
		kp.nactions--;
		kp.actions[kp.nactions].fn(kp.actions[kp.nactions].arg);
	}
	for (i = 0; i < test.nallocs; i++)
		free(test.allocs[i]);
	free(test.allocs);
	if (test.skipped) {
		printf("    # SKIP %s\n", test.skip_msg);
		return 2;
	}
	return test.failed ? 0 : 1;
}

static bool run_case(struct kunit_suite *suite, struct kunit_case *tc, unsigned int n)
{
	bool ok = true;
	int r;

	if (!tc->generate_params) {
		r = run_one(suite, tc, NULL);
		printf("    %s %u %s%s\n", r ? "ok" : "not ok", n, tc->name,
		       r == 2 ? " # SKIP" : "");
		passed += r == 1;
		failed += r == 0;
		skipped += r == 2;
		return r != 0;
	} else {
		char desc[KUNIT_PARAM_DESC_SIZE];
		const void *param = NULL;
		unsigned int k = 0;

		printf("        KTAP version 1\n        # Subtest: %s\n", tc->name);
		while ((desc[0] = 0, param = tc->generate_params(param, desc))) {
			r = run_one(suite, tc, param);
			printf("        %s %u %s%s\n", r ? "ok" : "not ok", ++k, desc,
			       r == 2 ? " # SKIP" : "");
			passed += r == 1;
			failed += r == 0;
			skipped += r == 2;
			ok &= r != 0;
		}
		printf("        1..%u\n", k);
		printf("    %s %u %s\n", ok ? "ok" : "not ok", n, tc->name);
	}
	return ok;
}

/*
 * An argument: a suite glob (a prefix of suite names selects them too),
 * or "suite.case-glob", some cases of one suite named in full; or
 * "!suite.case-glob", cases left out, which selects nothing.
 */
struct hm_select {
	const char *suite;	/* the argument, after a '!' */
	size_t len;		/* of its suite part */
	const char *cases;	/* after the first dot; NULL: every case */
	bool exclude;		/* a '!' argument */
};

static struct hm_select *sel;
static unsigned int nsel;

static bool parse_args(int argc, char **argv)
{
	int i;

	sel = calloc(argc, sizeof(*sel));
	if (!sel)
		return false;
	for (i = 1; i < argc; i++) {
		bool exclude = argv[i][0] == '!';
		const char *arg = argv[i] + exclude, *dot = strchr(arg, '.');

		if (exclude && !dot)
			continue;	/* a case glob is what it leaves out */
		sel[nsel].suite = arg;
		sel[nsel].len = dot ? (size_t)(dot - arg) : strlen(arg);
		sel[nsel].cases = dot ? dot + 1 : NULL;
		sel[nsel++].exclude = exclude;
	}
	return true;
}

static bool names_suite(const struct hm_select *s, const char *name)
{
	if (s->cases)
		return strlen(name) == s->len && !strncmp(s->suite, name, s->len);
	return !fnmatch(s->suite, name, 0) || !strncmp(s->suite, name, s->len);
}

static bool selected(const char *name)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < nsel; i++) {
		if (sel[i].exclude)
			continue;
		any = true;
		if (names_suite(&sel[i], name))
			return true;
	}
	return !any;
}

/*
 * "suite.case-glob" arguments name cases, a bare suite name takes them
 * all, "!suite.case-glob" leaves cases out
 */
static bool case_selected(const char *suite, const char *name)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < nsel; i++)
		if (sel[i].exclude && names_suite(&sel[i], suite) &&
		    !fnmatch(sel[i].cases, name, 0))
			return false;
	for (i = 0; i < nsel; i++) {
		if (sel[i].exclude || !names_suite(&sel[i], suite))
			continue;
		if (!sel[i].cases)
			return true;
		any = true;
		if (!fnmatch(sel[i].cases, name, 0))
			return true;
	}
	return !any;
}

int main(int argc, char **argv)
{
	unsigned int i, n = 0, k;

	/* the child of hm_user_abort_on_error() */
	if (argc == 3 && !strcmp(argv[1], "--abort-child"))
		return hm_user_abort_child(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "--env-child"))
		return hm_user_env_child(argc > 2 ? argv[2] : NULL);
	if (argc >= 2 && !strcmp(argv[1], "--fork-child"))
		return hm_user_fork_child();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!parse_args(argc, argv)) {
		printf("hakmem-test: out of memory\n");
		return 1;
	}
	for (i = 0; i < HM_ARRAY_SIZE(suites); i++)
		n += selected(suites[i]->name);
	printf("KTAP version 1\n1..%u\n", n);
	for (i = 0, k = 0; i < HM_ARRAY_SIZE(suites); i++) {
		struct kunit_suite *s = suites[i];
		struct kunit_case *tc;
		unsigned int c = 0;
		bool ok = true;

		if (!selected(s->name))
			continue;
		printf("    KTAP version 1\n    # Subtest: %s\n", s->name);
		for (tc = s->test_cases; tc->run_case; tc++)
			c++;
		printf("    1..%u\n", c);
		if (s->suite_init && s->suite_init(s)) {
			printf("not ok %u %s # suite_init failed\n", ++k, s->name);
			failed++;
			continue;
		}
		for (c = 0, tc = s->test_cases; tc->run_case; tc++) {
			c++;
			if (case_selected(s->name, tc->name))
				ok &= run_case(s, tc, c);
		}
		if (s->suite_exit)
			s->suite_exit(s);
		printf("%s %u %s\n", ok ? "ok" : "not ok", ++k, s->name);
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	free(sel);
	return failed ? 1 : 0;
}
