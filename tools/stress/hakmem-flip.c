// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hakmem-flip - the debug switches flipped under load.
 *
 * Worker threads allocate from three caches of one mode (24, 64 and 200
 * bytes; freelist ones with checks unless -n) and with hm_malloc(), stamp
 * each object (address, cache, size; first and last word), free their own
 * and, through a table of slots, each other's, while a switcher thread
 * calls hm_set_debug() in a tight loop: poison, track, checks, off (and
 * xowner, all with -X) on one cache, a class or (NULL) every one.
 * Options add deliberate bad frees (-x: double, interior, wrong cache, not
 * from hakmem, and remote interior and wrong-cache frees), each of which
 * must be reported exactly once; writes after free under a poisoning that
 * stays on (-U), or after a phase of flips (-Z); threads that exit and
 * are replaced (-l), cache create/destroy churn (-c), fit policies flipped
 * too (-P), adaptive caches (-A), contiguous runs (-K), bulk calls (-B),
 * fork() (-F), an error handler that allocates and switches (-H).
 *
 * Fails (exit 1) on any report not asked for (xowner's aside), a bad free
 * or write after free not reported exactly once, a live object written by
 * anyone else, a quarantined block handed out again, and, once the threads
 * are done and the switches off: a live object, a stats row whose allocs
 * and frees differ, a tracking record left, hm_validate() problems, an
 * error count other than the reports, a destroy finding objects other than
 * the quarantined ones.  Built with the internal headers: it reads
 * track_bytes and quarantined.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>

#include "hakmem.h"
#include "stress-args.h"
#include "hm_cache.h"
#include "hm_debug.h"

#define NCACHE	3
#define HELD	64
#define NSLOT	256
#define MAXT	16
#define MALLOC_IDX	0xff

static const unsigned int csize[NCACHE] = { 24, 64, 200 };
static const size_t msize[] = { 16, 24, 32, 48, 64, 96, 128, 200, 256, 512, 1024 };
static struct hm_cache *cache[NCACHE];
static enum hm_mode mode = HM_MODE_HYBRID;
static const char *class_mode;	/* HAKMEM_MODE */
static unsigned int nthreads = 3, seconds = 3, pause_us, lifetime_ops;
static bool global_flip = true, cache_flip = true, bad_frees, use_xowner, churn;
static bool handler_heavy, forker, zmode;
static atomic_bool uaf_on, sw_hold, sw_held;
#define uaf atomic_load_explicit(&uaf_on, memory_order_relaxed)
static bool no_checks_flag;
static atomic_ulong n_uaf_ok, n_uaf_missed, n_leakrep;
static bool adaptive, policy_flip, contig, bulk;
static _Atomic(uintptr_t) slots[NSLOT];
static atomic_int stop;
static atomic_ulong n_fatal, n_false, n_xowner, n_bad_ok, n_bad_missed, n_ops, n_flips,
	n_refused, n_churn, n_mismatch;

#define QSET (1 << 20)
static _Atomic(uintptr_t) qset[QSET];
static void q_add(uintptr_t p)
{
	unsigned long h = (p >> 3) * 0x9e3779b97f4a7c15ULL >> 44;

	for (;; h = (h + 1) % QSET) {
		uintptr_t z = 0;

		if (atomic_compare_exchange_strong(&qset[h], &z, p) || z == p)
			return;
	}
}
static bool q_has(uintptr_t p)
{
	unsigned long h = (p >> 3) * 0x9e3779b97f4a7c15ULL >> 44;

	for (;; h = (h + 1) % QSET) {
		uintptr_t z = atomic_load_explicit(&qset[h], memory_order_relaxed);

		if (!z)
			return false;
		if (z == p)
			return true;
	}
}
static atomic_ulong n_requar;

static __thread const char *tl_expect;
static __thread unsigned int tl_got;
static __thread uintptr_t tl_block;	/* the block a write after free names */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void handler(const char *msg, void *arg)
{
	static atomic_ulong hn;
	(void)arg;
	if (handler_heavy) {
		unsigned long k = atomic_fetch_add(&hn, 1);
		void *q = hm_malloc(32 + k % 300);

		if (q)
			memset(q, 1, 32);
		hm_free(q);
		if (k % 16 == 0)
			hm_set_debug(k % 32 ? NULL : hm_class_cache(64),
				     k % 3 ? "track=1" : k % 5 ? "poison=0" : "off");
	}
	if (tl_expect && !strncmp(msg, tl_expect, strlen(tl_expect))) {
		const char *b = strstr(msg, "block 0x");

		if (b && !strncmp(msg, "BUG", 3)) {
			tl_block = strtoul(b + 6, NULL, 16);
			q_add(tl_block);
		}
		tl_got++;
		return;
	}
	if (uaf && strstr(msg, "destroyed with")) {
		atomic_fetch_add(&n_leakrep, 1);
		return;
	}
	if (strstr(msg, "freed by another owner")) {
		atomic_fetch_add(&n_xowner, 1);
		return;
	}
	if (atomic_fetch_add(&n_false, 1) < 10)
		fprintf(stderr, "FALSE REPORT (expect %s): %s", tl_expect ? tl_expect : "-", msg);
}

/* object header: word 0 = ptr ^ K, word 1 = idx << 32 | size; last word */
#define K 0x5a5aa5a5deadbeefULL

static void *obj_new(uint64_t *r, unsigned int *idxp)
{
	unsigned int idx = rnd(r) % (NCACHE + 2);
	size_t size;
	uint64_t *p;

	if (idx >= NCACHE) {
		size = msize[rnd(r) % (sizeof(msize) / sizeof(msize[0]))];
		p = hm_malloc(size);
		idx = MALLOC_IDX;
	} else {
		size = csize[idx];
		p = hm_cache_alloc(cache[idx]);
	}
	if (uaf && p && q_has((uintptr_t)p)) {
		if (atomic_fetch_add(&n_requar, 1) < 10)
			fprintf(stderr, "QUARANTINED BLOCK HANDED OUT %p idx %u size %zu\n", (void *)p, idx, size);
	}
	if (!p) {
		fprintf(stderr, "allocation failed\n");
		atomic_fetch_add(&n_fatal, 1);
		return NULL;
	}
	p[0] = (uint64_t)(uintptr_t)p ^ K;
	p[1] = (uint64_t)idx << 32 | size;
	if (size >= 24)
		p[size / 8 - 1] = (uint64_t)(uintptr_t)p ^ ~K;
	if (idxp)
		*idxp = idx;
	return p;
}

static bool obj_check(uint64_t *p, unsigned int *idx, size_t *size)
{
	*idx = p[1] >> 32;
	*size = (uint32_t)p[1];
	if (p[0] != ((uint64_t)(uintptr_t)p ^ K) || (*idx != MALLOC_IDX && *idx >= NCACHE) ||
	    *size < 16 || *size > 1024 ||
	    (*size >= 24 && p[*size / 8 - 1] != ((uint64_t)(uintptr_t)p ^ ~K))) {
		if (atomic_fetch_add(&n_mismatch, 1) < 10)
			fprintf(stderr, "CORRUPT live object %p: %llx %llx\n", (void *)p,
				(unsigned long long)p[0], (unsigned long long)p[1]);
		return false;
	}
	return true;
}

static void obj_free(uint64_t *p)
{
	unsigned int idx;
	size_t size;

	if (!obj_check(p, &idx, &size))
		return;		/* leaked: not ours to free */
	p[0] = 0;
	if (idx == MALLOC_IDX)
		hm_free(p);
	else
		hm_cache_free(cache[idx], p);
}

static void expect(const char *kind, void (*fn)(void *, void *), void *a, void *b)
{
	tl_expect = kind;
	tl_got = 0;
	fn(a, b);
	tl_expect = NULL;
	if (tl_got == 1) {
		atomic_fetch_add(&n_bad_ok, 1);
	} else {
		if (atomic_fetch_add(&n_bad_missed, 1) < 10)
			fprintf(stderr, "MISSED/EXTRA (%u reports) %s of %p\n", tl_got, kind, a);
	}
}

static void do_free_any(void *p, void *c)
{
	if (c)
		hm_cache_free(c, p);
	else
		hm_free(p);
}

static void do_free_interior(void *p, void *c)
{
	do_free_any((char *)p + 8, c);
}

static bool double_free_ok(unsigned int idx)
{
	enum hm_mode m = mode;

	if (idx == MALLOC_IDX) {
		if (!class_mode || !strcmp(class_mode, "hybrid"))
			return true;
		return strcmp(class_mode, "freelist") != 0;
	}
	(void)m;
	return !(no_checks_flag && mode == HM_MODE_FREELIST);
}

static void uaf_op(uint64_t *r)
{
	unsigned int idx = rnd(r) % NCACHE, n;
	struct hm_cache *c = cache[idx];
	unsigned char *p = hm_cache_alloc(c), *q;
	void *v[4096];

	if (!p)
		return;
	hm_cache_free(c, p);
	p[20] = 0x41;	/* the write after free */
	tl_expect = "BUG ";
	tl_got = 0;
	tl_block = 0;
	for (n = 0; n < 4096 && !tl_got;) {
		q = hm_cache_alloc(c);
		v[n++] = q;
		if (q == p)
			break;
	}
	tl_expect = NULL;
	if (tl_got == 1 && v[n - 1] != p && tl_block == (uintptr_t)p) {
		atomic_fetch_add(&n_uaf_ok, 1);
	} else if (atomic_fetch_add(&n_uaf_missed, 1) < 10) {
		fprintf(stderr, "UAF MISSED: got %u reports after %u allocations, p %p last %p\n",
			tl_got, n, (void *)p, v[n - 1]);
	}
	while (n--)
		hm_cache_free(c, v[n]);
}

static void bad_free(uint64_t *r)
{
	if (uaf && rnd(r) % 2) {
		uaf_op(r);
		return;
	}
	{
	unsigned int idx, k = rnd(r) % 4;
	uint64_t *p = obj_new(r, &idx);
	void *c;
	long stackv;

	if (!p)
		return;
	c = idx == MALLOC_IDX ? NULL : cache[idx];
	switch (k) {
	case 0:
		expect("interior pointer", do_free_interior, p, c);
		obj_free(p);
		break;
	case 1:
		if (!double_free_ok(idx)) {
			obj_free(p);
			break;
		}
		obj_free(p);
		expect("double free", do_free_any, p, c);
		break;
	case 2: {
		/* wrong cache: a cache of another size */
		void *other = cache[(idx == MALLOC_IDX ? 0 : idx + 1) % NCACHE];

		expect("free to the wrong cache", do_free_any, p, other);
		obj_free(p);
		break;
	}
	case 3:
		expect("pointer not from hakmem", do_free_any, &stackv, c);
		obj_free(p);
		break;
	}
	}
}

static void fill(uint64_t *p, unsigned int idx)
{
	size_t size = csize[idx];

	p[0] = (uint64_t)(uintptr_t)p ^ K;
	p[1] = (uint64_t)idx << 32 | size;
	if (size >= 24)
		p[size / 8 - 1] = (uint64_t)(uintptr_t)p ^ ~K;
}

static void contig_op(uint64_t *r)
{
	unsigned int idx = rnd(r) % NCACHE, n = 1 + rnd(r) % 8, k;
	struct hm_cache *c = cache[idx];
	char *p = hm_cache_alloc_contig(c, n);
	unsigned int dummy;
	size_t sz;

	if (!p) {
		atomic_fetch_add(&n_fatal, 1);
		fprintf(stderr, "contig failed\n");
		return;
	}
	for (k = 0; k < n; k++)
		fill((uint64_t *)(p + k * (size_t)c->size), idx);
	for (k = 0; k < n; k++)
		obj_check((uint64_t *)(p + k * (size_t)c->size), &dummy, &sz);
	if (rnd(r) % 2) {
		hm_cache_free_contig(c, p, n);
	} else {
		for (k = 0; k < n; k++)
			hm_cache_free(c, p + k * (size_t)c->size);
	}
}

static void bulk_op(uint64_t *r)
{
	unsigned int idx = rnd(r) % NCACHE, n = 1 + rnd(r) % 32, k;
	void *v[32];
	unsigned int dummy;
	size_t sz;

	if (hm_cache_alloc_bulk(cache[idx], n, v) != n) {
		atomic_fetch_add(&n_fatal, 1);
		fprintf(stderr, "bulk failed\n");
		return;
	}
	for (k = 0; k < n; k++)
		fill(v[k], idx);
	for (k = 0; k < n; k++)
		obj_check(v[k], &dummy, &sz);
	hm_cache_free_bulk(cache[idx], n, v);
}

struct worker {
	pthread_t th;
	unsigned int id;
	bool done;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint64_t r = 0x9e3779b97f4a7c15ULL * (w->id + 1) + (uint64_t)time(NULL);
	uint64_t *held[HELD] = { 0 };
	unsigned long ops = 0;
	unsigned int i, qi;
	size_t qs;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t x = rnd(&r);

		i = x % HELD;
		if (bad_frees && (x >> 20) % 512 == 0) {
			bad_free(&r);
			continue;
		}
		if (contig && mode != HM_MODE_FREELIST && (x >> 30) % 64 == 0) {
			contig_op(&r);
			continue;
		}
		if (bulk && (x >> 30) % 64 == 1) {
			bulk_op(&r);
			continue;
		}
		if (!held[i]) {
			held[i] = obj_new(&r, NULL);
		} else if ((x >> 8) % 4 == 0) {
			obj_free(held[i]);
			held[i] = NULL;
		} else {
			/* hand it to whoever takes the slot; free what was there */
			uint64_t *q = (uint64_t *)atomic_exchange(&slots[(x >> 12) % NSLOT],
								   (uintptr_t)held[i]);

			held[i] = NULL;
			if (q && (x >> 40) % 64 == 0 && obj_check(q, &qi, &qs)) {
				void *qc = qi == MALLOC_IDX ? NULL : cache[qi];

				if ((x >> 46) % 2)
					expect("interior pointer", do_free_interior, q, qc);
				else
					expect("free to the wrong cache", do_free_any, q,
					       cache[(qi == MALLOC_IDX ? 0 : qi + 1) % NCACHE]);
			}
			if (q)
				obj_free(q);
		}
		if ((++ops & 1023) == 0) {
			atomic_fetch_add(&n_ops, 1024);
			if (lifetime_ops && ops >= lifetime_ops)
				break;
		}
	}
	for (i = 0; i < HELD; i++)
		if (held[i])
			obj_free(held[i]);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void *churner(void *arg)
{
	uint64_t r = 77;
	void *v[40];

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct hm_cache *c = hm_cache_create("churn", 16 + rnd(&r) % 200, 0, mode,
						     mode == HM_MODE_FREELIST ? HM_CACHE_CHECKS : 0);
		unsigned int i, n = rnd(&r) % 40;

		if (!c) {
			atomic_fetch_add(&n_fatal, 1);
			continue;
		}
		for (i = 0; i < n; i++)
			v[i] = hm_cache_alloc(c);
		for (i = 0; i < n; i++)
			hm_cache_free(c, v[i]);
		if (hm_cache_destroy(c)) {
			fprintf(stderr, "churn: destroy found live objects\n");
			atomic_fetch_add(&n_fatal, 1);
		}
		atomic_fetch_add(&n_churn, 1);
	}
	return NULL;
}

#include <sys/wait.h>
static atomic_ulong n_forks;
static void *fork_thread(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		pid_t pid = fork();

		if (pid == 0) {
			void *v[100];
			int i, rc = 0;

			for (i = 0; i < 100; i++)
				v[i] = hm_malloc(16 + i * 8);
			for (i = 0; i < 100; i++)
				hm_free(v[i]);
			if (hm_set_debug(NULL, "track=1 poison=1") || hm_set_debug(NULL, "off"))
				rc = 3;
			for (i = 0; i < 100; i++)
				v[i] = hm_cache_alloc(cache[i % NCACHE]);
			for (i = 0; i < 100; i++)
				hm_cache_free(cache[i % NCACHE], v[i]);
			_exit(rc);
		}
		if (pid > 0) {
			int st;
			struct timespec ts0, ts1;

			clock_gettime(CLOCK_MONOTONIC, &ts0);
			for (;;) {
				if (waitpid(pid, &st, WNOHANG) == pid)
					break;
				clock_gettime(CLOCK_MONOTONIC, &ts1);
				if (ts1.tv_sec - ts0.tv_sec > 5) {
					fprintf(stderr, "FORK CHILD HUNG %d\n", pid);
					atomic_fetch_add(&n_fatal, 1);
					kill(pid, 9);
					waitpid(pid, &st, 0);
					break;
				}
				usleep(1000);
			}
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "FORK CHILD status %x\n", st);
				atomic_fetch_add(&n_fatal, 1);
			}
			atomic_fetch_add(&n_forks, 1);
		}
		usleep(2000);
	}
	return NULL;
}

static void *switcher(void *arg)
{
	static const char *const sw[] = {
		"poison=1", "poison=0", "track=1", "track=0", "checks=1", "checks=0", "off",
		"poison=1 track=1", "track=1 poison=0", "poison=1 checks=1",
		"xowner=1 track=1", "xowner=0", "all=1",
	};
	unsigned int nsw = use_xowner ? 13 : 10;
	uint64_t r = 1234;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t x = rnd(&r);
		static const char *const usw[] = { "track=1", "track=0", "checks=1", "checks=0", "xowner=1 track=1", "xowner=0" };
		const char *s = uaf ? usw[x % (use_xowner ? 6 : 4)] : sw[x % nsw];
		struct hm_cache *c = NULL;
		bool g = global_flip && (!cache_flip || (x >> 16) % 2);

		if (!g) {
			unsigned int k = (x >> 20) % (NCACHE + 2);

			c = k < NCACHE ? cache[k] : hm_class_cache(msize[(x >> 24) % 11]);
		}
		if (policy_flip && (x >> 40) % 3 == 0) {
			static const char *const pol[] = { "default", "first", "next", "near", "best" };

			hm_cache_set_policy((x >> 44) % 2 ? NULL : cache[(x >> 45) % NCACHE], pol[(x >> 48) % 5]);
		}
		if (atomic_load(&sw_hold)) {
			atomic_store(&sw_held, true);
			usleep(1000);
			continue;
		}
		if (hm_set_debug(c, s))
			atomic_fetch_add(&n_refused, 1);
		atomic_fetch_add(&n_flips, 1);
		if (pause_us)
			usleep(pause_us);
		else if ((x >> 30) % 4 == 0)
			sched_yield();
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hakmem-flip [options]\n"
		"  -m MODE    bitmap, freelist or hybrid: the caches' mode (hybrid)\n"
		"  -t N       worker threads (3)\n"
		"  -s SEC     seconds (3)\n"
		"  -p US      sleep between two switches (0: a tight loop)\n"
		"  -G / -C    global switches only / per cache (and class) only\n"
		"  -X         xowner and all too (cross-thread frees are reported)\n"
		"  -x         bad frees, each reported exactly once\n"
		"  -U         poison=1 on the caches for good, writes after free too\n"
		"  -Z         flips for half the time, then poison=1 track=1 for good\n"
		"             and writes after free\n"
		"  -l OPS     each worker exits after OPS operations, replaced\n"
		"  -c         a thread creates and destroys caches meanwhile\n"
		"  -P         fit policies flipped too\n"
		"  -A         adaptive caches (hybrid)\n"
		"  -K / -B    contiguous runs / bulk calls too\n"
		"  -F         a thread forks; each child allocates and switches\n"
		"  -H         the error handler allocates and switches (not with -U, -Z)\n"
		"  -n         freelist caches without HM_CACHE_CHECKS (no double frees)\n"
		"The built-in classes run in HAKMEM_MODE's mode; HAKMEM_TEST_SWITCH_PAUSE\n"
		"stretches each switch.\n");
}

int main(int argc, char **argv)
{
	const char *prog = "hakmem-flip";
	struct worker w[MAXT];
	pthread_t sw, ch, fk;
	struct timespec t0, t1;
	unsigned int i, started;
	unsigned long leaked = 0, tb = 0, quar = 0;
	long bad;
	int opt;

	while ((opt = getopt(argc, argv, "m:t:s:p:GCxXcl:APKBHFUnZh")) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "bitmap"))
				mode = HM_MODE_BITMAP;
			else if (!strcmp(optarg, "freelist"))
				mode = HM_MODE_FREELIST;
			else if (!strcmp(optarg, "hybrid"))
				mode = HM_MODE_HYBRID;
			else {
				fprintf(stderr, "%s: bad mode '%s'\n", prog, optarg);
				return 2;
			}
			break;
		case 't': nthreads = (unsigned int)stress_num_range(prog, optarg, "thread count", 1, MAXT); break;
		case 's': seconds = (unsigned int)stress_num_range(prog, optarg, "seconds", 1, 3600); break;
		case 'p': pause_us = (unsigned int)stress_num(prog, optarg, "pause", 1000000); break;
		case 'G': cache_flip = false; break;	/* global only */
		case 'C': global_flip = false; break;	/* per cache only */
		case 'x': bad_frees = true; break;
		case 'X': use_xowner = true; break;
		case 'c': churn = true; break;
		case 'l': lifetime_ops = (unsigned int)stress_num(prog, optarg, "lifetime", 1U << 30); break;
		case 'A': adaptive = true; break;
		case 'H': handler_heavy = true; break;
		case 'n': no_checks_flag = true; break;
		case 'U': atomic_store(&uaf_on, true); global_flip = false; bad_frees = true; break;
		case 'Z': zmode = true; bad_frees = true; break;
		case 'F': forker = true; break;
		case 'P': policy_flip = true; break;
		case 'K': contig = true; break;
		case 'B': bulk = true; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (nthreads > MAXT)
		nthreads = MAXT;
	class_mode = getenv("HAKMEM_MODE");
	hm_set_error_handler(handler, NULL);
	for (i = 0; i < NCACHE; i++)
		cache[i] = hm_cache_create("flip", csize[i], 0, mode,
					   (mode == HM_MODE_FREELIST && !no_checks_flag ? HM_CACHE_CHECKS : 0) |
					   (adaptive && mode == HM_MODE_HYBRID ? HM_CACHE_ADAPTIVE : 0));
	if (uaf)
		for (i = 0; i < NCACHE; i++)
			hm_set_debug(cache[i], "poison=1");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nthreads; i++) {
		w[i].id = i;
		w[i].done = false;
		pthread_create(&w[i].th, NULL, worker, &w[i]);
	}
	started = nthreads;
	pthread_create(&sw, NULL, switcher, NULL);
	if (churn)
		pthread_create(&ch, NULL, churner, NULL);
	if (forker)
		pthread_create(&fk, NULL, fork_thread, NULL);
	for (;;) {
		usleep(20000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec >= (long)seconds)
			break;
		if (zmode && !uaf && (t1.tv_sec - t0.tv_sec) * 2 >= (long)seconds) {
			atomic_store(&sw_hold, true);
			while (!atomic_load(&sw_held))
				usleep(1000);
			if (hm_set_debug(NULL, "xowner=0") || hm_set_debug(NULL, "poison=1 track=1"))
				atomic_fetch_add(&n_fatal, 1);
			atomic_store(&uaf_on, true);
			printf("phase 2: poison and track on for good\n");
		}
		for (i = 0; i < nthreads; i++)
			if (__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE)) {
				pthread_join(w[i].th, NULL);
				w[i].done = false;
				w[i].id = started++;
				pthread_create(&w[i].th, NULL, worker, &w[i]);
			}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].th, NULL);
	pthread_join(sw, NULL);
	if (churn)
		pthread_join(ch, NULL);
	if (forker)
		pthread_join(fk, NULL);
	printf("forks %lu uaf ok %lu missed %lu\n", n_forks, n_uaf_ok, n_uaf_missed);
	for (i = 0; i < NSLOT; i++) {
		uint64_t *q = (uint64_t *)atomic_exchange(&slots[i], 0);

		if (q)
			obj_free(q);
	}
	if (hm_set_debug(NULL, "off"))
		atomic_fetch_add(&n_fatal, 1);
	hm_thread_flush();
	bad = hm_validate(NULL);
	for (i = 0; i < NCACHE; i++) {
		tb += hm_atomic_read(&cache[i]->track_bytes);
		quar += hm_atomic_read(&cache[i]->quarantined);
	}
	for (i = 0; i < 8; i++) {
		struct hm_cache *c = hm_class_cache(msize[i]);

		tb += hm_atomic_read(&c->track_bytes) + hm_atomic_read(&c->quarantined);
	}
	{
		struct hm_stat_row rows[64];
		size_t nr = hm_stats_snapshot(rows, 64, HM_STATS_CLASSES | HM_STATS_CACHES), k;
		struct hm_frag_info fi;

		for (k = 0; k < nr && k < 64; k++) {
			if (uaf && !strcmp(rows[k].name, "flip"))
				continue;
			if (rows[k].objs_inuse || rows[k].allocs != rows[k].frees) {
				fprintf(stderr, "COUNTS %s: inuse %lu allocs %lu frees %lu errors %lu\n",
					rows[k].name, rows[k].objs_inuse, rows[k].allocs, rows[k].frees,
					rows[k].errors);
				bad++;
			}
		}
		hm_frag_info(NULL, &fi);
		if (fi.live) {
			fprintf(stderr, "frag: classes live %lu\n", fi.live);
			bad++;
		}
		for (i = 0; i < NCACHE; i++) {
			hm_frag_info(cache[i], &fi);
			if (fi.live != hm_atomic_read(&cache[i]->quarantined)) {
				fprintf(stderr, "frag: cache %u live %lu\n", i, fi.live);
				bad++;
			}
		}
		if (hm_error_count() != n_bad_ok + n_xowner + n_uaf_ok) {
			fprintf(stderr, "error count %lu, reports %lu\n", hm_error_count(),
				n_bad_ok + n_xowner);
			bad++;
		}
	}
	for (i = 0; i < NCACHE; i++)
		leaked += hm_cache_destroy(cache[i]);
	printf("mode %d threads %u: ops %lu flips %lu (refused %lu) churn %lu, bad frees ok %lu missed %lu, xowner %lu, false %lu, mismatch %lu, fatal %lu, validate %ld, leaked %lu, track/quarantine left %lu, threads %u\n",
	       mode, nthreads, n_ops, n_flips, n_refused, n_churn, n_bad_ok, n_bad_missed,
	       n_xowner, n_false, n_mismatch, n_fatal, bad, leaked, tb, started);
	if (quar != n_uaf_ok || leaked != quar) {
		fprintf(stderr, "quarantined %lu, leaked %lu, uaf reported %lu\n", quar, leaked, n_uaf_ok);
		bad++;
	}
	return (n_false || n_uaf_missed || n_requar || n_bad_missed || n_mismatch || n_fatal || bad || tb) ? 1 : 0;
}
