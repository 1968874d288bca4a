// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm-ops.c - the workload program of hakmem-bench: run N operations of
 * one workload on one allocator, timed (median and min-max over
 * repetitions) or once for instruction counting under callgrind (run at N
 * and at 0 ops; the difference over N is one operation, harness set-up
 * subtracted).
 *
 * One source, one binary per allocator (the peers all define malloc/free):
 *   hm-ops-hakmem    hm-bitmap, hm-freelist, hm-hybrid (hm_malloc/hm_free,
 *                    HAKMEM_MODE set here) and cache-bitmap, cache-freelist,
 *                    cache-hybrid (an hm_cache of the fixed size)
 *   hm-ops-glibc     glibc, and null (a call that returns one static buffer:
 *                    the harness's own cost per op)
 *   hm-ops-mimalloc, hm-ops-jemalloc, hm-ops-tcmalloc
 *
 * One op is one allocation plus its free.  Workloads:
 *   a  alloc+free pair in a loop
 *   g  the same with one extra object kept live (the slab never empties)
 *   b  allocate 1000, free them LIFO
 *   c  allocate 1000, free them in a precomputed random order
 *   d  allocate 1000, free them FIFO
 *   e  a producer thread allocates batches of 1000 and hands them through a
 *      ring to a consumer thread that frees them (every free is remote)
 *   f  larson-like: 2 threads, 10000 slots each; each op frees a random
 *      slot and allocates a random size 8..256 into it (first and last byte
 *      written, so every page an object spans is resident)
 *   l  long-lived mixed lifetimes, one thread: 16000 long-lived slots,
 *      4000 medium and a ring of 64 short-lived ones, all filled first;
 *      each op replaces one: 70% the oldest short-lived, 25% a random
 *      medium, 5% a random long-lived one (sizes 8..256 for hm-*, the
 *      fixed size for cache-*)
 *   p  phases of 50000 ops: pairs as in a, then batches as in c, in turn
 *      (the adaptive mode's case: each phase has a different best path)
 * b..e round N up to a multiple of 1000.  In e and f, ns/op is wall time
 * over all ops of both threads.
 *
 * Harness memory (slot tables, rings) is mmap'd before the baseline RSS is
 * read, so "peak RSS - baseline" is the allocator's and its objects'.
 * Output: one TSV line (see usage()); -H prints the header first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../stress/stress-args.h"

#ifdef BENCH_HAKMEM
#include "hakmem.h"
#endif

#ifndef BENCH_LIB
#define BENCH_LIB "glibc"
#endif

#define BATCH		1000	/* b..e: objects per round or batch */
#define RING		16	/* e: batches in flight */
#define F_THREADS	2
#define F_SLOTS		10000
#define F_MIN		8
#define F_MAX		256
#define MAX_REPS	64
#define L_LONG		16000	/* l: long-lived slots */
#define L_MED		4000	/* l: medium */
#define L_RING		64	/* l: short-lived, replaced oldest first */
#define L_SLOTS		(L_LONG + L_MED + L_RING)
#define P_PHASE		50000	/* p: ops per phase */

#define always_inline	inline __attribute__((always_inline))
#define noinline	__attribute__((noinline))

enum api { API_MALLOC, API_HM, API_CACHE, API_NULL };

struct job {
	enum api api;
	char wl;
	size_t size;
	unsigned long n;	/* ops */
	int phases;		/* b..d: time the alloc and free phases */
	double t_alloc, t_free;	/* ns, summed over the run */
	unsigned long live;	/* f: bytes live at the end of the ops */
	int frag;		/* -F: hakmem's fragmentation after the ops */
};

static const char *alloc_name;
/*
 * The cache of the cache-* allocators: every loop copies it into a local
 * first, so that it is held in a register as a real user would hold it.
 */
static void *bench_cache;

/* ---- the allocators ----------------------------------------------------- */

static unsigned char null_buf[F_MAX] __attribute__((aligned(64)));

static noinline void *null_alloc(size_t size)
{
	void *p = null_buf;

	(void)size;
	__asm__ volatile("" : "+r"(p));
	return p;
}

static noinline void null_free(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* api is a constant in every inlined copy: the switch folds away */
static always_inline void *x_alloc(enum api api, size_t size, void *hc)
{
	switch (api) {
#ifdef BENCH_HAKMEM
	case API_HM:
		return hm_malloc(size);
	case API_CACHE:
		return hm_cache_alloc(hc);
#else
	case API_MALLOC:
		return malloc(size);
#endif
	default:
		(void)hc;
		return null_alloc(size);
	}
}

static always_inline void x_free(enum api api, void *p, void *hc)
{
	switch (api) {
#ifdef BENCH_HAKMEM
	case API_HM:
		hm_free(p);
		return;
	case API_CACHE:
		hm_cache_free(hc, p);
		return;
#else
	case API_MALLOC:
		free(p);
		return;
#endif
	default:
		(void)hc;
		null_free(p);
	}
}

/*
 * Trace builds (-DBENCH_TRACE, for valgrind --tool=lackey) store to a
 * marker line before each allocation and free and after each: lines.sh
 * counts the cache lines touched in between.
 */
#ifdef BENCH_TRACE
/* lines 0..2: before alloc, before free, after either; line 3: the switch */
static volatile unsigned char bench_mark[4 * 64] __attribute__((aligned(64)));
#define bench_tracing	bench_mark[3 * 64]
#define MARK(i)	do { if (bench_tracing) bench_mark[(i) * 64] = 1; } while (0)
#else
#define MARK(i)	do { } while (0)
#endif

static always_inline void *t_alloc(enum api api, size_t size, void *hc)
{
	void *p;

	MARK(0);
	p = x_alloc(api, size, hc);
	MARK(2);
	if (!p) {
		fprintf(stderr, "hm-ops: %s: allocation of %zu bytes failed\n", alloc_name, size);
		exit(1);
	}
	return p;
}

static always_inline void t_free(enum api api, void *p, void *hc)
{
	MARK(1);
	x_free(api, p, hc);
	MARK(2);
}

/* ---- helpers ------------------------------------------------------------ */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)	/* xorshift64* */
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static void *harness_mem(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		perror("hm-ops: mmap");
		exit(1);
	}
	memset(p, 0, bytes);
	return p;
}

static long status_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* ---- single-threaded workloads ------------------------------------------ */

static void *bench_v[BATCH];
static unsigned short bench_perm[BATCH];

static always_inline void run_pairs(enum api api, struct job *j)
{
	void *hc = bench_cache;
	void *keep = j->wl == 'g' ? t_alloc(api, j->size, hc) : NULL;
	unsigned long i;

	for (i = 0; i < j->n; i++) {
		void *p = t_alloc(api, j->size, hc);

		__asm__ volatile("" : "+r"(p));
		t_free(api, p, hc);
	}
	if (keep)
		t_free(api, keep, hc);
}

static always_inline void run_batch(enum api api, struct job *j);

/* p: a-phases and c-phases in turn */
static always_inline void run_phases(enum api api, struct job *j)
{
	unsigned long done = 0, i;
	void *hc = bench_cache;
	unsigned int k, ph;

	for (ph = 0; done < j->n; ph++) {
		unsigned long n = j->n - done < P_PHASE ? j->n - done : P_PHASE;

		if (ph % 2 == 0) {
			for (i = 0; i < n; i++) {
				void *p = t_alloc(api, j->size, hc);

				__asm__ volatile("" : "+r"(p));
				t_free(api, p, hc);
			}
		} else {
			for (i = 0; i < n; i += BATCH) {
				for (k = 0; k < BATCH; k++)
					bench_v[k] = t_alloc(api, j->size, hc);
				for (k = 0; k < BATCH; k++)
					t_free(api, bench_v[bench_perm[k]], hc);
			}
		}
		done += n;
	}
}

static always_inline void run_batch(enum api api, struct job *j)
{
	void *hc = bench_cache;
	unsigned long i;
	unsigned int k;
	double t0 = 0, t1 = 0, t2;

	for (i = 0; i < j->n; i += BATCH) {
		if (j->phases)
			t0 = now_ns();
		for (k = 0; k < BATCH; k++)
			bench_v[k] = t_alloc(api, j->size, hc);
		if (j->phases)
			t1 = now_ns();
		switch (j->wl) {
		case 'b':
			for (k = BATCH; k-- > 0;)
				t_free(api, bench_v[k], hc);
			break;
		case 'c':
			for (k = 0; k < BATCH; k++)
				t_free(api, bench_v[bench_perm[k]], hc);
			break;
		default:
			for (k = 0; k < BATCH; k++)
				t_free(api, bench_v[k], hc);
		}
		if (j->phases) {
			t2 = now_ns();
			j->t_alloc += t1 - t0;
			j->t_free += t2 - t1;
		}
	}
}

/* ---- e: producer and consumer through a ring ---------------------------- */

struct ring {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* head or tail moved */
	unsigned long head, tail, nbatches;
	void **slot[RING];
	struct job *job;
};

static struct ring bench_ring = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static void **ring_batches;	/* RING * BATCH pointers, harness memory */

static always_inline void consumer_loop(enum api api, struct ring *r)
{
	void *hc = bench_cache;
	unsigned long b;
	unsigned int k;

	for (b = 0; b < r->nbatches; b++) {
		void **v;

		pthread_mutex_lock(&r->mu);
		while (r->tail == r->head)
			pthread_cond_wait(&r->cv, &r->mu);
		pthread_mutex_unlock(&r->mu);
		v = r->slot[b % RING];
		for (k = 0; k < BATCH; k++)
			t_free(api, v[k], hc);
		pthread_mutex_lock(&r->mu);
		r->tail++;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
}

static always_inline void producer_loop(enum api api, struct ring *r)
{
	void *hc = bench_cache;
	size_t size = r->job->size;
	unsigned long b;
	unsigned int k;

	for (b = 0; b < r->nbatches; b++) {
		void **v = r->slot[b % RING];

		pthread_mutex_lock(&r->mu);
		while (r->head - r->tail == RING)
			pthread_cond_wait(&r->cv, &r->mu);
		pthread_mutex_unlock(&r->mu);
		for (k = 0; k < BATCH; k++)
			v[k] = t_alloc(api, size, hc);
		pthread_mutex_lock(&r->mu);
		r->head++;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
}

/* ---- f: larson-like ----------------------------------------------------- */

struct fthread {
	void **slots;
	unsigned short *sizes;
	uint64_t seed;
	unsigned long n;
	unsigned long live;
	pthread_barrier_t *start, *stop, *report;
	pthread_t tid;
};

static struct fthread bench_f[F_THREADS];
static pthread_barrier_t bench_f_start, bench_f_stop, bench_f_report;

static always_inline void larson_loop(enum api api, struct fthread *t)
{
	void *hc = bench_cache;
	uint64_t s = t->seed;
	unsigned long i, live = 0;

	for (i = 0; i < F_SLOTS; i++) {
		uint64_t r = rng_next(&s);
		size_t sz = F_MIN + (size_t)(((r & 0xffffffffU) * (F_MAX - F_MIN + 1)) >> 32);
		char *p = t_alloc(api, sz, hc);

		p[0] = 1;
		p[sz - 1] = 1;
		t->slots[i] = p;
		t->sizes[i] = (unsigned short)sz;
	}
	pthread_barrier_wait(t->start);
	for (i = 0; i < t->n; i++) {
		uint64_t r = rng_next(&s);
		unsigned int idx = (unsigned int)(((r >> 32) * F_SLOTS) >> 32);
		size_t sz = F_MIN + (size_t)(((r & 0xffffffffU) * (F_MAX - F_MIN + 1)) >> 32);
		char *p;

		t_free(api, t->slots[idx], hc);
		p = t_alloc(api, sz, hc);
		p[0] = 1;
		p[sz - 1] = 1;
		t->slots[idx] = p;
		t->sizes[idx] = (unsigned short)sz;
	}
	pthread_barrier_wait(t->stop);
	pthread_barrier_wait(t->report);	/* -F looks at the heap now */
	for (i = 0; i < F_SLOTS; i++) {
		live += t->sizes[i];
		t_free(api, t->slots[i], hc);
	}
	t->live = live;
	t->seed = s;
}

/* ---- fragmentation (-F): after the ops, before the teardown -------------- */

static void bench_frag(struct job *j)
{
#ifdef BENCH_HAKMEM
	struct hm_frag_info f;

	if (!j->frag)
		return;
	j->frag = 0;	/* the last repetition's state only */
	hm_frag_info(j->api == API_CACHE ? bench_cache : NULL, &f);
	fprintf(stderr, "frag\t%s\t%c\tslabs %lu\tpartial %lu\tutil %lu.%lu%%\t"
		"longest_run_avg %lu\tlongest_run_min %lu\tlive %lu\tfree %lu\tcached %lu\n",
		alloc_name, j->wl, f.slabs, f.partial, f.util_permille / 10,
		f.util_permille % 10, f.longest_run_avg, f.longest_run_min, f.live,
		f.free, f.cached);
#else
	(void)j;
#endif
}

/* ---- l: long-lived mixed lifetimes -------------------------------------- */

static void **l_slots;		/* L_SLOTS pointers, harness memory */
static unsigned short *l_sizes;

static always_inline size_t l_size(enum api api, struct job *j, uint64_t r)
{
	if (api == API_CACHE)
		return j->size;
	return F_MIN + (size_t)(((r & 0xffffffffU) * (F_MAX - F_MIN + 1)) >> 32);
}

static always_inline void *l_alloc(enum api api, size_t sz, void *hc)
{
	char *p = t_alloc(api, sz, hc);

	p[0] = 1;
	p[sz - 1] = 1;
	return p;
}

/* the caller times from *t0 on: ops only, not fill or teardown */
static always_inline void longlived_loop(enum api api, struct job *j, double *t_ops)
{
	void *hc = bench_cache;
	uint64_t s = 0x5851f42d4c957f2dULL;
	unsigned long i, ring = 0;
	double t0 = 0;

	for (i = 0; i < L_SLOTS; i++) {
		size_t sz = l_size(api, j, rng_next(&s));

		l_slots[i] = l_alloc(api, sz, hc);
		l_sizes[i] = (unsigned short)sz;
	}
	if (t_ops)
		t0 = now_ns();
	for (i = 0; i < j->n; i++) {
		uint64_t r = rng_next(&s);
		unsigned int pick = (unsigned int)((r >> 40) % 100), idx;
		size_t sz = l_size(api, j, r);

		if (pick < 70)
			idx = L_LONG + L_MED + (unsigned int)(ring++ % L_RING);
		else if (pick < 95)
			idx = L_LONG + (unsigned int)(((r >> 8) & 0xffffffU) % L_MED);
		else
			idx = (unsigned int)(((r >> 8) & 0xffffffU) % L_LONG);
		t_free(api, l_slots[idx], hc);
		l_slots[idx] = l_alloc(api, sz, hc);
		l_sizes[idx] = (unsigned short)sz;
	}
	if (t_ops)
		*t_ops = now_ns() - t0;
	bench_frag(j);
	for (i = 0; i < L_SLOTS; i++)
		t_free(api, l_slots[i], hc);
}

/* ---- one instantiation per API ------------------------------------------ */

#define INSTANTIATE(name, API)							\
static noinline void ops_##name(struct job *j)					\
{										\
	if (j->wl == 'a' || j->wl == 'g')					\
		run_pairs(API, j);						\
	else if (j->wl == 'p')							\
		run_phases(API, j);						\
	else									\
		run_batch(API, j);						\
}										\
static noinline void *consumer_##name(void *arg)				\
{										\
	consumer_loop(API, arg);						\
	return NULL;								\
}										\
static noinline void producer_##name(struct ring *r)				\
{										\
	producer_loop(API, r);							\
}										\
static noinline void *larson_##name(void *arg)				\
{										\
	larson_loop(API, arg);							\
	return NULL;								\
}										\
static noinline void longlived_##name(struct job *j, double *t_ops)		\
{										\
	longlived_loop(API, j, t_ops);						\
}

#ifdef BENCH_HAKMEM
INSTANTIATE(hm, API_HM)
INSTANTIATE(cache, API_CACHE)
#else
INSTANTIATE(malloc, API_MALLOC)
INSTANTIATE(null, API_NULL)
#endif

struct api_ops {
	void (*ops)(struct job *j);
	void *(*consumer)(void *arg);
	void (*producer)(struct ring *r);
	void *(*larson)(void *arg);
	void (*longlived)(struct job *j, double *t_ops);
};

#define API_OPS(name)	{ ops_##name, consumer_##name, producer_##name, larson_##name, \
			  longlived_##name }

static struct api_ops bench_api;

static void start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int e = pthread_create(t, NULL, fn, arg);

	if (e) {
		errno = e;
		perror("hm-ops: pthread_create");
		exit(1);
	}
}

static void run_e(struct job *j)
{
	struct ring *r = &bench_ring;
	pthread_t t;
	unsigned int i;

	r->head = r->tail = 0;
	r->nbatches = j->n / BATCH;
	r->job = j;
	for (i = 0; i < RING; i++)
		r->slot[i] = ring_batches + (size_t)i * BATCH;
	start_thread(&t, bench_api.consumer, r);
	bench_api.producer(r);
	pthread_join(t, NULL);
}

/* the caller times from start to stop: ops only, not fill or teardown */
static void run_f(struct job *j, double *t_ops)
{
	static uint64_t seeds[F_THREADS] = { 0x9e3779b97f4a7c15ULL, 0xd1b54a32d192ed03ULL };
	unsigned int i;
	double t0;

	pthread_barrier_init(&bench_f_start, NULL, F_THREADS + 1);
	pthread_barrier_init(&bench_f_stop, NULL, F_THREADS + 1);
	pthread_barrier_init(&bench_f_report, NULL, F_THREADS + 1);
	for (i = 0; i < F_THREADS; i++) {
		struct fthread *t = &bench_f[i];

		t->seed = seeds[i];
		t->n = j->n / F_THREADS + (i < j->n % F_THREADS);
		t->start = &bench_f_start;
		t->stop = &bench_f_stop;
		t->report = &bench_f_report;
		start_thread(&t->tid, bench_api.larson, t);
	}
	pthread_barrier_wait(&bench_f_start);
	t0 = now_ns();
	pthread_barrier_wait(&bench_f_stop);
	*t_ops = now_ns() - t0;
	bench_frag(j);
	pthread_barrier_wait(&bench_f_report);
	j->live = 0;
	for (i = 0; i < F_THREADS; i++) {
		pthread_join(bench_f[i].tid, NULL);
		j->live += bench_f[i].live;
	}
	pthread_barrier_destroy(&bench_f_start);
	pthread_barrier_destroy(&bench_f_stop);
	pthread_barrier_destroy(&bench_f_report);
}

/* one run of the workload; returns its wall time in ns */
static double run_once(struct job *j)
{
	double t0 = now_ns(), t_ops = 0;

	j->t_alloc = j->t_free = 0;
	switch (j->wl) {
	case 'e':
		run_e(j);
		break;
	case 'f':
		run_f(j, &t_ops);
		return t_ops;
	case 'l':
		bench_api.longlived(j, &t_ops);
		return t_ops;
	default:
		bench_api.ops(j);
	}
	return now_ns() - t0;
}

/*
 * The measured repetitions, after the warm-up: a function of its own so
 * that callgrind can count it alone (--toggle-collect=bench_reps).
 */
static noinline unsigned long bench_reps(struct job *j, int reps, double *ns,
					 double *na, double *nf)
{
	unsigned long live = 0;
	int r;

	for (r = 0; r < reps; r++) {
		double t = run_once(j);
		double n = j->n ? (double)j->n : 1;

		ns[r] = t / n;
		na[r] = j->t_alloc / n;
		nf[r] = j->t_free / n;
		live = j->live;
	}
	return live;
}

/* ---- main --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double vmin(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double vmax(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hm-ops-" BENCH_LIB " [-c] [-H] [-V] [-r REPS] [-W WARMUP_OPS] [-s SIZE] ALLOC WORKLOAD N\n"
		"  ALLOC     "
#ifdef BENCH_HAKMEM
		"hm-bitmap|hm-freelist|hm-hybrid|cache-bitmap|cache-freelist|cache-hybrid\n"
		"            hm-adaptive|cache-adaptive (hybrid, HM_CACHE_ADAPTIVE)\n"
#else
		BENCH_LIB "|null\n"
#endif
		"  WORKLOAD  a|g|b|c|d|e|f|l|p  N  operations (one alloc + its free)\n"
		"  ALLOC may end in :POLICY (hakmem: default|first|next|near|best)\n"
		"  -s SIZE   object size for a..e, 1..65536 (default 64; f draws 8..256;\n"
		"            cache-*: up to 4096, hm-*: the medium classes past 1024)\n"
		"  -r REPS   timed repetitions after the warm-up (default 5)\n"
		"  -W OPS    warm-up operations (default N; -c: 10000)\n"
		"  -c        count mode, for callgrind: warm-up, one run, no clocks in loops\n"
		"  -H        print the TSV header first\n"
		"  -V        hakmem: hm_validate() everything at the end\n"
		"  -F        hakmem: fragmentation after the ops (last rep) on stderr\n"
		"  -S        hakmem: the stats dump with diagnostics on stderr at the end\n"
		"output columns: lib alloc wl size ops reps ns_med ns_min ns_max\n"
		"  alloc_ns_med free_ns_med (b..d) rss_base_kb rss_peak_kb live_bytes ns_reps\n");
	exit(2);
}

/*
 * @s as a whole decimal number from @min to @max, or a message and exit 2:
 * atoi() and strtoul() alone took "abc" as 0 (N: a row of no operations),
 * "-5" as a huge N, "64k" as 64.
 */
static unsigned long num(const char *s, const char *what, unsigned long min,
			 unsigned long max)
{
	return stress_num_range("hm-ops-" BENCH_LIB, s, what, min, max);
}

static void setup_alloc(const char *name, struct job *j)
{
#ifdef BENCH_HAKMEM
	static const char *const modes[] = { "bitmap", "freelist", "hybrid" };
	const char *policy = strchr(name, ':');
	unsigned int m, adaptive = 0;
	char a[64];

	/* ALLOC:POLICY, the fit policy of the classes or the cache */
	snprintf(a, sizeof(a), "%.*s", policy ? (int)(policy - name) : (int)strlen(name), name);
	if (policy)
		setenv("HAKMEM_POLICY", policy + 1, 1);
	/* adaptive: hybrid, with HM_CACHE_ADAPTIVE (HAKMEM_ADAPTIVE for hm-) */
	if (!strcmp(a, "hm-adaptive") || !strcmp(a, "cache-adaptive")) {
		adaptive = 1;
		setenv("HAKMEM_ADAPTIVE", "1", 1);
		memcpy(strchr(a, '-') + 1, "hybrid", 7);
	}
	for (m = 0; m < 3; m++) {
		if (!strncmp(a, "hm-", 3) && !strcmp(a + 3, modes[m])) {
			/* read once, at the first hm_malloc() */
			setenv("HAKMEM_MODE", modes[m], 1);
			j->api = API_HM;
			bench_api = (struct api_ops)API_OPS(hm);
			return;
		}
		if (!strncmp(a, "cache-", 6) && !strcmp(a + 6, modes[m])) {
			if (j->wl == 'f') {
				fprintf(stderr, "hm-ops: f draws sizes 8..256: not for one cache\n");
				exit(2);
			}
			bench_cache = hm_cache_create("bench", j->size, 0, (enum hm_mode)m,
						      adaptive ? HM_CACHE_ADAPTIVE : 0);
			if (!bench_cache) {
				fprintf(stderr, "hm-ops: hm_cache_create(%zu, %s) failed\n",
					j->size, modes[m]);
				exit(1);
			}
			if (policy && hm_cache_set_policy(bench_cache, policy + 1)) {
				fprintf(stderr, "hm-ops: unknown policy '%s'\n", policy + 1);
				exit(2);
			}
			j->api = API_CACHE;
			bench_api = (struct api_ops)API_OPS(cache);
			return;
		}
	}
#else
	const char *a = name;

	if (!strcmp(a, BENCH_LIB)) {
		j->api = API_MALLOC;
		bench_api = (struct api_ops)API_OPS(malloc);
		return;
	}
	if (!strcmp(a, "null")) {
		j->api = API_NULL;
		bench_api = (struct api_ops)API_OPS(null);
		return;
	}
#endif
	fprintf(stderr, "hm-ops-%s: unknown allocator '%s'\n", BENCH_LIB, name);
	usage();
}

int main(int argc, char **argv)
{
	struct job j = { .size = 64 };
	double ns[MAX_REPS], na[MAX_REPS], nf[MAX_REPS];
	int reps = 5, count = 0, header = 0, validate = 0, frag = 0, dump = 0, opt, r, i;
	long warm = -1, base_kb, peak_kb;
	unsigned long live = 0;
	uint64_t s = 0x2545f4914f6cdd1dULL;

	while ((opt = getopt(argc, argv, "cFHSVr:W:s:")) != -1) {
		switch (opt) {
		case 'S':
			dump = 1;
			break;
		case 'F':
			frag = 1;
			break;
		case 'V':
			validate = 1;
			break;
		case 'c':
			count = 1;
			break;
		case 'H':
			header = 1;
			break;
		case 'r':
			reps = (int)num(optarg, "REPS", 1, MAX_REPS);
			break;
		case 'W':
			warm = (long)num(optarg, "WARMUP_OPS", 0, LONG_MAX);
			break;
		case 's':
			j.size = num(optarg, "SIZE", 1, 65536);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3 || reps < 1 || reps > MAX_REPS || !j.size || j.size > 65536)
		usage();
	alloc_name = argv[optind];
	j.wl = argv[optind + 1][0];
	j.n = num(argv[optind + 2], "N", 0, ULONG_MAX);
	if (!strchr("agbcdeflp", j.wl) || argv[optind + 1][1])
		usage();
	if (j.wl == 'f')
		j.size = 0;
	if (strchr("bcdep", j.wl))
		j.n = (j.n + BATCH - 1) / BATCH * BATCH;
	if (count)
		reps = 1;
	if (warm < 0)
		warm = count ? 10000 : (long)j.n;

	/* harness memory first, so that the baseline RSS includes it */
	for (i = BATCH - 1; i >= 0; i--)
		bench_perm[i] = (unsigned short)i;
	for (i = BATCH - 1; i > 0; i--) {	/* Fisher-Yates, fixed seed */
		unsigned int k = (unsigned int)(rng_next(&s) % (uint64_t)(i + 1));
		unsigned short t = bench_perm[i];

		bench_perm[i] = bench_perm[k];
		bench_perm[k] = t;
	}
	ring_batches = harness_mem(sizeof(void *) * RING * BATCH);
	for (i = 0; i < F_THREADS; i++) {
		bench_f[i].slots = harness_mem(sizeof(void *) * F_SLOTS);
		bench_f[i].sizes = harness_mem(sizeof(unsigned short) * F_SLOTS);
	}
	l_slots = harness_mem(sizeof(void *) * L_SLOTS);
	l_sizes = harness_mem(sizeof(unsigned short) * L_SLOTS);
	base_kb = status_kb("VmRSS");

	setup_alloc(alloc_name, &j);
	if (warm > 0) {
		struct job w = j;

		w.n = strchr("bcdep", j.wl) ? ((unsigned long)warm + BATCH - 1) / BATCH * BATCH :
					     (unsigned long)warm;
		run_once(&w);
	}
	j.phases = !count && strchr("bcd", j.wl) != NULL;
	j.frag = frag;
#ifdef BENCH_TRACE
	bench_tracing = 1;
	fprintf(stderr, "hm-ops: stack=%p marks=%p\n", (void *)&j, (void *)bench_mark);
#endif
	live = bench_reps(&j, reps, ns, na, nf);
#ifdef BENCH_TRACE
	bench_tracing = 0;
#endif
	peak_kb = status_kb("VmHWM");

	if (header)
		printf("lib\talloc\twl\tsize\tops\treps\tns_med\tns_min\tns_max\t"
		       "alloc_ns_med\tfree_ns_med\trss_base_kb\trss_peak_kb\tlive_bytes\tns_reps\n");
	printf("%s\t%s\t%c\t%zu\t%lu\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%ld\t%ld\t%lu\t",
	       BENCH_LIB, alloc_name, j.wl, j.size, j.n, reps,
	       median(ns, reps), vmin(ns, reps), vmax(ns, reps),
	       j.phases ? median(na, reps) : 0.0, j.phases ? median(nf, reps) : 0.0,
	       base_kb, peak_kb, live);
	for (r = 0; r < reps; r++)
		printf("%s%.3f", r ? "," : "", ns[r]);
	printf("\n");
#ifdef BENCH_HAKMEM
	if (dump)
		hm_stats_dump(stderr, HM_STATS_CLASSES | HM_STATS_CACHES | HM_STATS_DIAG);
	if (validate && hm_validate(NULL)) {
		fprintf(stderr, "hm-ops: hm_validate() found problems\n");
		return 1;
	}
	if (hm_error_count()) {
		fprintf(stderr, "hm-ops: hakmem reported %lu errors\n", hm_error_count());
		return 1;
	}
#else
	(void)validate;
	(void)dump;
#endif
	return 0;
}
