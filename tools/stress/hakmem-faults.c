// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hakmem-faults - libhakmem with every Nth chunk request failing.
 *
 * For each N given, a child process starts with HAKMEM_FAIL_EVERY=N and
 * runs threads that allocate (every class, large objects, a created cache
 * in each mode, bulk) and free, locally and through a shared exchange, so
 * that other threads free remotely.  Allocations may return NULL; a bulk
 * allocation returns all or nothing.  Nothing may crash, no object may be
 * lost or refused, and patterns must survive.  Then fault injection is
 * switched off (hm_user_fail_every, the variable HAKMEM_FAIL_EVERY sets)
 * and new threads check that every kind of allocation succeeds again.
 * At the end every object is freed: hm_validate() must be clean, no object
 * live in any class or cache, and the caches destroy with none left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hakmem.h"
#include "stress-args.h"
#include "stress-rand.h"
#include "hm_user.h"		/* hm_user_fail_every, hm_user_chunks_live */

#define FAULTS_CACHE_CHECKS	0x2U	/* HM_CACHE_CHECKS (common/hm_types.h) */
#define MAX_THREADS	16
#define HOLD		512	/* live objects per thread */
#define XCHG		1024	/* objects waiting for another thread */
#define BULK		32
#define NCACHES		3
#define RETRIES		256	/* allocations after a NULL before giving up */

struct item {
	unsigned char *p;
	size_t len;
	int cache;		/* -1: hm_malloc */
	uint64_t seed;
};

struct tstate {
	pthread_t th;
	unsigned int id;
	uint64_t rng;
	struct item hold[HOLD];
	unsigned int nhold;
	unsigned long calls, nulls, bulk_calls, bulk_fail, recovered, remote;
};

static const char *mode = "hybrid";
static unsigned int nthreads = 4;
static unsigned long ops = 20000;
static unsigned int timeout_s = 120;
static bool child_verbose;

static struct hm_cache *caches[NCACHES];
static struct item xchg[XCHG];
static unsigned int nxchg;
static pthread_mutex_t xlock = PTHREAD_MUTEX_INITIALIZER;
static bool faults_on;
static unsigned long failures, reports;

#define FAIL(...)							\
	do {								\
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);	\
		fprintf(stderr, "hakmem-faults: FAIL: " __VA_ARGS__);	\
	} while (0)

static void on_error(const char *msg, void *arg)
{
	(void)arg;
	__atomic_add_fetch(&reports, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "hakmem-faults: FAIL: allocator reported: %s", msg);
}

static unsigned char pat(uint64_t seed, size_t i)
{
	return (unsigned char)(((seed + i) * 0x9E3779B97F4A7C15ULL) >> 56);
}

/* whole objects up to 2 KiB, both ends of larger ones */
static void pattern(struct item *it, bool check)
{
	size_t n = it->len, i;

	for (i = 0; i < n; i++) {
		if (i == 1024 && n > 2048)
			i = n - 1024;
		if (!check) {
			it->p[i] = pat(it->seed, i);
		} else if (it->p[i] != pat(it->seed, i)) {
			FAIL("object %p (%zu bytes) corrupt at byte %zu\n", (void *)it->p, n, i);
			return;
		}
	}
}

static void item_free(struct item *it)
{
	pattern(it, true);
	if (it->cache >= 0)
		hm_cache_free(caches[it->cache], it->p);
	else
		hm_free(it->p);
}

static bool keep(struct tstate *t, void *p, size_t len, int cache)
{
	struct item *it;

	if (t->nhold == HOLD) {
		/* full: free the oldest half locally */
		unsigned int i;

		for (i = 0; i < HOLD / 2; i++)
			item_free(&t->hold[i]);
		memmove(t->hold, t->hold + HOLD / 2, (HOLD - HOLD / 2) * sizeof(t->hold[0]));
		t->nhold = HOLD - HOLD / 2;
	}
	it = &t->hold[t->nhold++];
	it->p = p;
	it->len = len;
	it->cache = cache;
	it->seed = rnd(&t->rng);
	pattern(it, false);
	return true;
}

static size_t cache_size(int c)
{
	static const size_t sz[NCACHES] = { 48, 200, 1000 };

	return sz[c];
}

/*
 * One allocation of kind @k (0..7 class sizes, 8 large, 9..11 a cache,
 * 12 bulk).  Returns false when it failed.
 */
static bool alloc_one(struct tstate *t, unsigned int k)
{
	uint64_t r = rnd(&t->rng);
	void *ptrs[BULK];
	size_t len, n, got, i;
	void *p;

	t->calls++;
	if (k < 8) {
		len = (8U << k) - (size_t)(r % (k ? 4U << k : 9));
		p = hm_malloc(len);
	} else if (k == 8) {
		len = 1025 + (size_t)(r % 100000);
		p = hm_malloc(len);
	} else if (k < 12) {
		len = cache_size((int)k - 9);
		p = hm_cache_alloc(caches[k - 9]);
	} else {
		int c = (int)(r % NCACHES);

		n = 1 + (size_t)((r >> 8) % BULK);
		memset(ptrs, 0, sizeof(ptrs));
		t->bulk_calls++;
		got = hm_cache_alloc_bulk(caches[c], n, ptrs);
		if (got != n) {
			if (got)
				FAIL("hm_cache_alloc_bulk(%zu) returned %zu: not all or nothing\n", n, got);
			t->bulk_fail++;
			t->nulls++;
			return false;
		}
		for (i = 0; i < n; i++) {
			if (!ptrs[i])
				FAIL("hm_cache_alloc_bulk gave a NULL entry\n");
			else
				keep(t, ptrs[i], cache_size(c), c);
		}
		return true;
	}
	if (!p) {
		t->nulls++;
		return false;
	}
	keep(t, p, len, k < 9 ? -1 : (int)k - 9);
	return true;
}

static void give_away(struct tstate *t)
{
	struct item it;

	if (!t->nhold)
		return;
	it = t->hold[--t->nhold];
	pthread_mutex_lock(&xlock);
	if (nxchg < XCHG) {
		xchg[nxchg++] = it;
		it.p = NULL;
	}
	pthread_mutex_unlock(&xlock);
	if (it.p)
		item_free(&it);
}

static void take_one(struct tstate *t)
{
	struct item it = { 0 };

	pthread_mutex_lock(&xlock);
	if (nxchg) {
		unsigned int i = (unsigned int)(rnd(&t->rng) % nxchg);

		it = xchg[i];
		xchg[i] = xchg[--nxchg];
	}
	pthread_mutex_unlock(&xlock);
	if (it.p) {
		item_free(&it);
		t->remote++;
	}
}

/* phase 1: mixed work while chunk requests fail */
static void *phase_faults(void *arg)
{
	struct tstate *t = arg;
	unsigned long i;

	for (i = 0; i < ops; i++) {
		unsigned int a = (unsigned int)(rnd(&t->rng) % 10);

		if (a < 5) {
			if (!alloc_one(t, (unsigned int)(rnd(&t->rng) % 13)) &&
			    __atomic_load_n(&hm_user_fail_every, __ATOMIC_RELAXED) > 1) {
				/* every Nth request fails: one of the next ones works */
				unsigned int k = (unsigned int)(rnd(&t->rng) % 13), tries;

				for (tries = 0; tries < RETRIES && !alloc_one(t, k); tries++)
					;
				if (tries == RETRIES)
					FAIL("kind %u never recovered after %u tries\n", k, RETRIES);
				else
					t->recovered++;
			}
		} else if (a < 7 && t->nhold) {
			unsigned int j = (unsigned int)(rnd(&t->rng) % t->nhold);

			item_free(&t->hold[j]);
			t->hold[j] = t->hold[--t->nhold];
		} else if (a < 9) {
			give_away(t);
		} else {
			take_one(t);
		}
	}
	while (t->nhold)
		give_away(t);
	return NULL;
}

/* phase 2: faults are off; every kind of allocation must succeed */
static void *phase_recover(void *arg)
{
	struct tstate *t = arg;
	unsigned int round, k;

	for (round = 0; round < 64; round++) {
		for (k = 0; k < 13; k++)
			if (!alloc_one(t, k))
				FAIL("recovery: allocation kind %u failed with faults off\n", k);
		while (t->nhold > 16)
			give_away(t);
		take_one(t);
	}
	while (t->nhold)
		give_away(t);
	while (1) {
		unsigned int left;

		pthread_mutex_lock(&xlock);
		left = nxchg;
		pthread_mutex_unlock(&xlock);
		if (!left)
			break;
		take_one(t);
	}
	return NULL;
}

static void run_threads(struct tstate *ts, void *(*fn)(void *))
{
	unsigned int i;

	for (i = 0; i < nthreads; i++)
		if (pthread_create(&ts[i].th, NULL, fn, &ts[i])) {
			FAIL("pthread_create\n");
			exit(1);
		}
	for (i = 0; i < nthreads; i++)
		pthread_join(ts[i].th, NULL);
}

static int child(unsigned long every)
{
	static const enum hm_mode cm[NCACHES] = { HM_MODE_BITMAP, HM_MODE_FREELIST, HM_MODE_HYBRID };
	static struct tstate ts[MAX_THREADS];
	unsigned long calls = 0, nulls = 0, bulk = 0, bulk_fail = 0, recovered = 0;
	unsigned long remote = 0, live = 0, chunks_end, n, i;
	struct hm_stat_row rows[32];
	char name[32];
	long problems;

	hm_set_error_handler(on_error, NULL);
	if (strcmp(hm_mode_str(hm_default_mode()), mode))
		FAIL("library runs %s, not %s\n", hm_mode_str(hm_default_mode()), mode);
	if (hm_user_fail_every != every)
		FAIL("HAKMEM_FAIL_EVERY=%lu not in effect (%lu)\n", every, hm_user_fail_every);
	for (i = 0; i < NCACHES; i++) {
		snprintf(name, sizeof(name), "faults-%s", hm_mode_str(cm[i]));
		caches[i] = hm_cache_create(name, cache_size((int)i), 0, cm[i],
					    cm[i] == HM_MODE_FREELIST ? FAULTS_CACHE_CHECKS : 0);
		if (!caches[i]) {
			FAIL("hm_cache_create(%s) failed\n", name);
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		ts[i].id = (unsigned int)i;
		ts[i].rng = 0x9E3779B97F4A7C15ULL * (every + 1) + i * 7919;
	}
	faults_on = every != 0;
	run_threads(ts, phase_faults);
	for (i = 0; i < nthreads; i++) {
		calls += ts[i].calls;
		nulls += ts[i].nulls;
		bulk += ts[i].bulk_calls;
		bulk_fail += ts[i].bulk_fail;
		recovered += ts[i].recovered;
		remote += ts[i].remote;
		memset(&ts[i].calls, 0, sizeof(ts[i]) - offsetof(struct tstate, calls));
	}
	if (hm_validate(NULL))
		FAIL("hm_validate after the faulty phase\n");

	/* faults off: everything must work again, in fresh threads */
	__atomic_store_n(&hm_user_fail_every, 0, __ATOMIC_RELAXED);
	run_threads(ts, phase_recover);
	for (i = 0; i < nthreads; i++) {
		if (ts[i].nulls)
			FAIL("thread %lu: %lu allocations failed with faults off\n", i, ts[i].nulls);
		remote += ts[i].remote;
	}

	hm_thread_flush();
	problems = hm_validate(NULL);
	if (problems)
		FAIL("hm_validate found %ld problems\n", problems);
	n = hm_stats_snapshot(rows, 32, HM_STATS_CLASSES | HM_STATS_CACHES);
	for (i = 0; i < n && i < 32; i++) {
		live += rows[i].objs_inuse;
		if (rows[i].objs_inuse)
			FAIL("%s: %lu objects live after all were freed\n", rows[i].name,
			     rows[i].objs_inuse);
	}
	if (child_verbose)
		hm_stats_dump(stdout, HM_STATS_CLASSES | HM_STATS_CACHES);
	for (i = 0; i < NCACHES; i++) {
		unsigned long left = hm_cache_destroy(caches[i]);

		if (left)
			FAIL("cache %lu destroyed with %lu objects live\n", i, left);
	}
	hm_trim();
	chunks_end = (unsigned long)__atomic_load_n(&hm_user_chunks_live, __ATOMIC_RELAXED);
	/* every chunk back: slabs, large objects, and what waited for readers */
	if (chunks_end)
		FAIL("%lu chunks still held after destroy and hm_trim()\n", chunks_end);
	if (hm_error_count() || reports)
		FAIL("%lu refused operations reported\n", hm_error_count());
	/* before the summary line, whose verdict must include it */
	if (every && every <= 16 && !nulls)
		FAIL("no allocation failed with HAKMEM_FAIL_EVERY=%lu\n", every);
	printf("  HAKMEM_FAIL_EVERY=%-3lu %s: %lu allocation calls, %lu NULL (%.1f%%), bulk %lu (%lu failed whole), "
	       "recovered after NULL %lu, remote frees %lu, live %lu, validate %ld, errors %lu, chunks kept %lu: %s\n",
	       every, mode, calls, nulls, calls ? 100.0 * (double)nulls / (double)calls : 0.0,
	       bulk, bulk_fail, recovered, remote, live, problems, hm_error_count(), chunks_end,
	       failures ? "FAIL" : "ok");
	if (stress_stdout_check("hakmem-faults"))
		return 1;
	return failures ? 1 : 0;
}

static int run_child(unsigned long every)
{
	char buf[32];
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		/* before the library's first call in this process */
		snprintf(buf, sizeof(buf), "%lu", every);
		setenv("HAKMEM_FAIL_EVERY", buf, 1);
		setenv("HAKMEM_MODE", mode, 1);
		unsetenv("HAKMEM_ABORT_ON_ERROR");
		alarm(timeout_s);
		_exit(child(every));
	}
	if (waitpid(pid, &st, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "hakmem-faults: FAIL: HAKMEM_FAIL_EVERY=%lu: child killed by signal %d%s\n",
			every, WTERMSIG(st), WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
		return 1;
	}
	return WEXITSTATUS(st) ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hakmem-faults [--mode M] [--threads T] [--ops N] [--every N,N,...] [--timeout S] [--verbose]\n");
}

/* "abc" must not be 0, a run without faults (stress-args.h) */
static unsigned long num(const char *s, const char *what, unsigned long max)
{
	return stress_num("hakmem-faults", s, what, max);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "ops", required_argument, NULL, 'n' },
		{ "every", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *every = "1,2,3,5,8,13,64";
	unsigned long *list;
	const char *p;
	int c, fails = 0, runs = 0, n, i;

	while ((c = getopt_long(argc, argv, "m:t:n:e:T:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 't':
			nthreads = (unsigned int)num(optarg, "thread count", MAX_THREADS);
			break;
		case 'n':
			ops = num(optarg, "op count", ~0UL);
			break;
		case 'e':
			every = optarg;
			break;
		case 'T':
			timeout_s = (unsigned int)num(optarg, "timeout", 86400);
			break;
		case 'v':
			child_verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hakmem-faults: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!nthreads || !ops || !timeout_s) {
		fprintf(stderr, "hakmem-faults: bad %s '0'\n",
			!nthreads ? "thread count" : !ops ? "op count" : "timeout");
		return 2;
	}
	/* the library would warn and run hybrid: every run a FAIL, not a usage error */
	if (strcmp(mode, "bitmap") && strcmp(mode, "freelist") && strcmp(mode, "hybrid")) {
		fprintf(stderr, "hakmem-faults: mode is bitmap, freelist or hybrid\n");
		return 2;
	}
	/* every N checked before the first run, none empty */
	list = calloc(strlen(every) + 1, sizeof(*list));
	if (!list)
		return 1;
	for (n = 0, p = every; *p; n++) {
		size_t len = strcspn(p, ",");
		/* the whole token: one cut to 31 bytes was another number */
		char *tok = strndup(p, len);

		if (!tok) {
			free(list);
			return 1;
		}
		list[n] = num(tok, "fault interval", ~0UL);
		free(tok);
		p += len;
		if (*p == ',' && !*++p)
			num("", "fault interval", 0);
	}
	if (!n) {
		fprintf(stderr, "hakmem-faults: no fault interval in --every '%s'\n", every);
		free(list);
		return 2;
	}
	printf("=== hakmem-faults: mode %s, %u threads, %lu ops per thread and N\n", mode, nthreads, ops);
	for (i = 0; i < n; i++) {
		fails += run_child(list[i]);
		runs++;
	}
	free(list);
	printf("hakmem-faults: %d of %d runs failed\n", fails, runs);
	if (stress_stdout_check("hakmem-faults"))
		return 1;
	return fails ? 1 : 0;
}
