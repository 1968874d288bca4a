// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hakmem-stress - libhakmem under an io_uring workload.
 *
 * Each worker thread allocates I/O buffers of mixed sizes (all eight
 * classes and some large objects), fills them with a seeded pattern and a
 * checksum, and sends them through its own io_uring: a write linked to a
 * read, to a temporary file, a pipe or a unix socket pair.  On completion
 * the data read back is compared with the data written and the buffers
 * (and the job descriptor, from a created cache) are freed, most of them
 * by a random other worker that gets them through a lock-free inbox: the
 * allocating thread is rarely the one that frees.  Between I/Os each
 * worker churns a table of short-lived objects the same way.
 *
 * Reports throughput, allocation and free latency percentiles, the share
 * of remote frees and the allocator's stats; exits non-zero on a checksum
 * mismatch, an allocator error report, a validation problem, a failed
 * allocation, an I/O error or timeout, or an object still live at the end.
 * --allocator=system runs the same load on malloc/free.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hakmem.h"
#include "stress-args.h"
#include "stress-rand.h"

#define STRESS_CACHE_CHECKS	0x2U	/* HM_CACHE_CHECKS (common/hm_types.h) */

#define MAX_THREADS	64
#define MAX_QD		48
#define HELD		256		/* churn objects per worker */
#define SPAN		(64 * 1024)	/* file bytes per I/O slot */
#define MAX_IO		16384		/* largest I/O buffer */
#define MAX_LARGE	32768		/* largest churn object */
#define MAX_RESUBMIT	64		/* short reads/writes per job */
#define IO_TIMEOUT_NS	(20ULL * 1000000000ULL)
#define INBOX_MAX	8192		/* then the sender frees itself */
#define HIST_N		400
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum kind { K_FILE, K_PIPE, K_SOCK, K_CHURN };
static const char *const kind_name[] = { "file", "pipe", "socket", "churn" };

struct hist {
	uint64_t b[HIST_N];
	uint64_t n, max, sum;
};

/* One I/O (or a handed-off churn object); allocated from the job cache. */
struct job {
	struct job *next;		/* inbox link */
	unsigned char *wbuf, *rbuf;
	size_t len, wdone, rdone;
	uint64_t sum, seed, t0;
	unsigned int owner, slot, kind, pending, resubmits;
	bool failed;
};

struct slot {
	struct job *job;
	int wfd, rfd;
	off_t off;
	unsigned int kind;
};

struct held {
	unsigned char *p;
	size_t len;
	uint64_t sum;
};

#define CACHELINE	__attribute__((aligned(64)))

struct worker {
	/* written by other workers: a cache line of their own */
	CACHELINE struct job *inbox;	/* MPSC stack */
	unsigned long inbox_len;	/* about how many are on it */

	CACHELINE pthread_t th;
	unsigned int id;
	uint64_t rng;
	struct io_uring ring;
	bool ring_ok;
	int file_fd;
	unsigned int nslots, inflight;
	struct slot slot[MAX_QD];
	struct held held[HELD];
	/* [0]: objects up to 1024 bytes, [1]: larger */
	struct hist h_alloc[2], h_free_local[2], h_free_remote[2];
	uint64_t quota;		/* allocations to do; UINT64_MAX: no --ops */
	uint64_t allocs, frees, frees_remote, handoffs, backpressure, io_jobs, io_bytes;
	uint64_t churn_ops, verified;
	uint64_t t_produced, t_drained, t_done;	/* wind-down, ns */
};

/* ---- configuration and global state --------------------------------- */

static unsigned int nthreads = 4, qd = 12, remote_pct = 75, large_pct = 4;
static double seconds = 5;
static uint64_t total_ops;
static uint64_t seed0 = 1;
static bool use_system, quiet, verbose;
static bool sync_io;		/* no io_uring here: read(2)/write(2) */
static const char *debug_switches;	/* --debug: hm_set_debug() at start */
static unsigned int flip_ms;		/* --debug-flip: switch every flip_ms */
static unsigned long flips;
static const char *mode_name = "hybrid";
static const char *tmpdir;
static struct hm_cache *job_cache;

static struct worker *workers;
static uint64_t t_start, t_deadline, t_hard;
static unsigned int done_producing, done_all;
static pthread_barrier_t start_barrier;

static uint64_t n_mismatch, n_alloc_null, n_io_errors, n_hm_reports, n_fatal;
static uint64_t n_track;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t get(uint64_t *ctr)
{
	return __atomic_load_n(ctr, __ATOMIC_ACQUIRE);
}

/* first few of each kind of failure go to stderr */
static void complain(uint64_t *ctr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(uint64_t *ctr, const char *fmt, ...)
{
	uint64_t n = __atomic_add_fetch(ctr, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (n > 10)
		return;
	va_start(ap, fmt);
	fputs("hakmem-stress: FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void on_hm_error(const char *msg, void *arg)
{
	(void)arg;
	complain(&n_hm_reports, "allocator reported: %s", msg);
}

/* ---- random numbers, patterns, checksums ---------------------------- */

static uint64_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001B3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ULL;
	return h ^ (h >> 31);
}

static uint64_t fill(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	for (; i < n; i++)
		p[i] = (unsigned char)(x >> (8 * (i % 8)));
	return checksum(p, n);
}

/* a size in one of the eight classes, or (large_pct%) above 1024 */
static size_t pick_size(struct worker *w, size_t max_large, bool io)
{
	uint64_t r = rnd(&w->rng);
	unsigned int cls;
	size_t lo, hi;

	if (r % 100 < large_pct)
		return 1025 + (r >> 8) % (max_large - 1024);
	cls = (unsigned int)((r >> 8) % 8);
	hi = 8U << cls;
	lo = cls ? (hi / 2) + 1 : (io ? 1 : 0);
	return lo + (r >> 16) % (hi - lo + 1);
}

/* ---- histograms: 8 sub-buckets per power of two of nanoseconds ------ */

static unsigned int hist_idx(uint64_t v)
{
	unsigned int e;

	if (v < 16)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v);
	v = 16 + (e - 4) * 8 + ((v >> (e - 3)) & 7);
	return v < HIST_N ? (unsigned int)v : HIST_N - 1;
}

/* the middle of bucket @i */
static uint64_t hist_val(unsigned int i)
{
	unsigned int e, sub;
	uint64_t lo;

	if (i < 16)
		return i;
	e = (i - 16) / 8 + 4;
	sub = (i - 16) % 8;
	lo = (uint64_t)(8 + sub) << (e - 3);
	return lo + ((1ULL << (e - 3)) >> 1);
}

static void hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_idx(v)]++;
	h->n++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

static void hist_merge(struct hist *to, const struct hist *from)
{
	unsigned int i;

	for (i = 0; i < HIST_N; i++)
		to->b[i] += from->b[i];
	to->n += from->n;
	to->sum += from->sum;
	if (from->max > to->max)
		to->max = from->max;
}

static uint64_t hist_pct(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n), acc = 0;
	unsigned int i;

	if (!h->n)
		return 0;
	if (want >= h->n)
		want = h->n - 1;
	for (i = 0; i < HIST_N; i++) {
		acc += h->b[i];
		if (acc > want)
			return hist_val(i);
	}
	return h->max;
}

static void hist_print(const char *what, const struct hist *h)
{
	printf("  %-12s n=%-10llu p50=%-6llu p99=%-6llu p999=%-7llu max=%-9llu mean=%.1f ns\n",
	       what, (unsigned long long)h->n,
	       (unsigned long long)hist_pct(h, 0.50), (unsigned long long)hist_pct(h, 0.99),
	       (unsigned long long)hist_pct(h, 0.999), (unsigned long long)h->max,
	       h->n ? (double)h->sum / (double)h->n : 0.0);
}

/*
 * --track: a set of every live object, outside the allocator under test.
 * An allocation that returns an object already live (handed out twice)
 * or a free of one not live is a failure.  Sharded, one mutex a shard.
 */
#define TRACK_SHARDS	1024
#define TRACK_BUCKETS	256

struct tnode {
	uintptr_t p;
	size_t len;
	unsigned int worker;
	struct tnode *next;
};

struct tshard {
	pthread_mutex_t lock;
	struct tnode *bucket[TRACK_BUCKETS];
};

static struct tshard *track;

static struct tshard *track_shard(uintptr_t p, struct tnode ***head)
{
	uint64_t h = (uint64_t)p * 0x9E3779B97F4A7C15ULL;
	struct tshard *sh = &track[(h >> 54) % TRACK_SHARDS];

	*head = &sh->bucket[(h >> 40) % TRACK_BUCKETS];
	return sh;
}

static void track_add(struct worker *w, const void *ptr, size_t len)
{
	uintptr_t p = (uintptr_t)ptr;
	struct tnode **head, *n, *it;
	struct tshard *sh;

	if (!track)
		return;
	n = malloc(sizeof(*n));
	if (!n)
		abort();
	n->p = p;
	n->len = len;
	n->worker = w->id;
	sh = track_shard(p, &head);
	pthread_mutex_lock(&sh->lock);
	for (it = *head; it && it->p != p; it = it->next)
		;
	if (!it) {
		n->next = *head;
		*head = n;
	}
	pthread_mutex_unlock(&sh->lock);
	if (it) {
		complain(&n_track, "worker %u: allocation of %zu bytes returned %p, live since worker %u allocated it (%zu bytes)\n",
			 w->id, len, ptr, it->worker, it->len);
		free(n);
	}
}

/* before the free: afterwards another thread may get the object */
static void track_del(struct worker *w, const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	struct tnode **head, **pp, *it = NULL;
	struct tshard *sh;

	if (!track)
		return;
	sh = track_shard(p, &head);
	pthread_mutex_lock(&sh->lock);
	for (pp = head; *pp; pp = &(*pp)->next)
		if ((*pp)->p == p) {
			it = *pp;
			*pp = it->next;
			break;
		}
	pthread_mutex_unlock(&sh->lock);
	if (!it)
		complain(&n_track, "worker %u: free of %p, which is not live\n", w->id, ptr);
	free(it);
}

static void track_init(void)
{
	unsigned int i;

	track = calloc(TRACK_SHARDS, sizeof(*track));
	if (!track)
		abort();
	for (i = 0; i < TRACK_SHARDS; i++)
		pthread_mutex_init(&track[i].lock, NULL);
}

/* ---- the allocator under test, timed -------------------------------- */

static void *t_alloc(struct worker *w, size_t n)
{
	uint64_t t = now_ns();
	void *p = use_system ? malloc(n) : hm_malloc(n);

	hist_add(&w->h_alloc[n > 1024], now_ns() - t);
	if (!p) {
		complain(&n_alloc_null, "worker %u: allocation of %zu bytes returned NULL\n",
			 w->id, n);
		return NULL;
	}
	w->allocs++;
	track_add(w, p, n);
	return p;
}

static void t_free_stat(struct worker *w, size_t n, unsigned int owner, uint64_t t)
{
	w->frees++;
	if (owner == w->id) {
		hist_add(&w->h_free_local[n > 1024], t);
	} else {
		hist_add(&w->h_free_remote[n > 1024], t);
		w->frees_remote++;
	}
}

static void t_free(struct worker *w, void *p, size_t n, unsigned int owner)
{
	uint64_t t;

	track_del(w, p);
	t = now_ns();
	if (use_system)
		free(p);
	else
		hm_free(p);
	t_free_stat(w, n, owner, now_ns() - t);
}

static struct job *job_alloc(struct worker *w)
{
	uint64_t t = now_ns();
	struct job *j = use_system ? malloc(sizeof(*j)) : hm_cache_alloc(job_cache);

	hist_add(&w->h_alloc[0], now_ns() - t);
	if (!j) {
		complain(&n_alloc_null, "worker %u: job allocation returned NULL\n", w->id);
		return NULL;
	}
	w->allocs++;
	track_add(w, j, sizeof(*j));
	memset(j, 0, sizeof(*j));
	j->owner = w->id;
	return j;
}

static void job_free(struct worker *w, struct job *j)
{
	unsigned int owner = j->owner;
	uint64_t t;

	memset(j, 0x6b, sizeof(*j));	/* a stale use shows */
	track_del(w, j);
	t = now_ns();
	if (use_system)
		free(j);
	else
		hm_cache_free(job_cache, j);
	t_free_stat(w, sizeof(*j), owner, now_ns() - t);
}

/* ---- handing objects to other workers ------------------------------- */

static void inbox_push(struct worker *to, struct job *j)
{
	struct job *head = __atomic_load_n(&to->inbox, __ATOMIC_RELAXED);

	__atomic_add_fetch(&to->inbox_len, 1, __ATOMIC_RELAXED);
	do {
		j->next = head;
	} while (!__atomic_compare_exchange_n(&to->inbox, &head, j, true,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* a random other worker to free the next object, or NULL: free it here */
static struct worker *pick_other(struct worker *w)
{
	struct worker *to;
	unsigned int t;

	if (nthreads < 2 || rnd(&w->rng) % 100 >= remote_pct)
		return NULL;
	t = (unsigned int)(rnd(&w->rng) % (nthreads - 1));
	to = &workers[t >= w->id ? t + 1 : t];
	/* a starved worker's inbox must not grow without bound */
	if (__atomic_load_n(&to->inbox_len, __ATOMIC_RELAXED) > INBOX_MAX) {
		w->backpressure++;
		return NULL;
	}
	return to;
}

static void verify(struct worker *w, const struct job *j, const unsigned char *p,
		   const char *what)
{
	uint64_t s = checksum(p, j->len);

	w->verified++;
	if (s != j->sum)
		complain(&n_mismatch, "worker %u: %s %s buffer %p (%zu bytes, from worker %u) checksum %016llx, expected %016llx\n",
			 w->id, kind_name[j->kind], what, (const void *)p, j->len, j->owner,
			 (unsigned long long)s, (unsigned long long)j->sum);
}

/* Check and free everything a finished job holds (any worker). */
static void job_retire(struct worker *w, struct job *j)
{
	verify(w, j, j->wbuf, "written");
	if (j->rbuf) {
		verify(w, j, j->rbuf, "read");
		t_free(w, j->rbuf, j->len, j->owner);
	}
	t_free(w, j->wbuf, j->len, j->owner);
	job_free(w, j);
}

/* Free locally, or (remote_pct%) hand to a random other worker. */
static void job_finish(struct worker *w, struct job *j)
{
	struct worker *to = pick_other(w);

	if (to) {
		w->handoffs++;
		inbox_push(to, j);
	} else {
		job_retire(w, j);
	}
}

static unsigned int inbox_drain(struct worker *w)
{
	struct job *j = __atomic_exchange_n(&w->inbox, NULL, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (j) {
		struct job *next = j->next;

		job_retire(w, j);
		j = next;
		n++;
	}
	if (n)
		__atomic_sub_fetch(&w->inbox_len, n, __ATOMIC_RELAXED);
	return n;
}

/* ---- churn: a table of short-lived objects -------------------------- */

static void held_drop(struct worker *w, unsigned int i)
{
	struct held *h = &w->held[i];
	uint64_t s = checksum(h->p, h->len);
	struct worker *to;
	struct job *j;

	w->verified++;
	if (s != h->sum)
		complain(&n_mismatch, "worker %u: churn object %p (%zu bytes) checksum %016llx, expected %016llx\n",
			 w->id, (void *)h->p, h->len, (unsigned long long)s,
			 (unsigned long long)h->sum);
	to = pick_other(w);
	j = to ? job_alloc(w) : NULL;
	if (j) {
		j->kind = K_CHURN;
		j->wbuf = h->p;
		j->len = h->len;
		j->sum = h->sum;
		w->handoffs++;
		inbox_push(to, j);
	} else {
		t_free(w, h->p, h->len, w->id);
	}
	h->p = NULL;
}

static void churn(struct worker *w, bool produce)
{
	unsigned int i = (unsigned int)(rnd(&w->rng) % HELD);
	struct held *h = &w->held[i];

	w->churn_ops++;
	if (h->p)
		held_drop(w, i);
	if (!produce)
		return;
	h->len = pick_size(w, MAX_LARGE, false);
	h->p = t_alloc(w, h->len);
	if (h->p)
		h->sum = fill(h->p, h->len, rnd(&w->rng));
}

/* ---- io_uring ------------------------------------------------------- */

static void fatal_io(struct worker *w, const char *what, int err)
{
	complain(&n_io_errors, "worker %u: %s: %s\n", w->id, what, strerror(err));
}

static void io_submit_job(struct worker *w, struct job *j)
{
	struct slot *sl = &w->slot[j->slot];
	struct io_uring_sqe *sqe;
	off_t base = sl->kind == K_FILE ? sl->off : 0;

	if (j->wdone < j->len) {
		sqe = io_uring_get_sqe(&w->ring);
		if (!sqe)
			goto full;
		io_uring_prep_write(sqe, sl->wfd, j->wbuf + j->wdone,
				    (unsigned int)(j->len - j->wdone),
				    sl->kind == K_FILE ? (uint64_t)(base + (off_t)j->wdone) : 0);
		/* the read starts when the write is done (a short write cancels it) */
		if (j->rdone < j->len)
			sqe->flags |= IOSQE_IO_LINK;
		io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)j);
		j->pending++;
	}
	if (j->rdone < j->len) {
		sqe = io_uring_get_sqe(&w->ring);
		if (!sqe)
			goto full;
		io_uring_prep_read(sqe, sl->rfd, j->rbuf + j->rdone,
				   (unsigned int)(j->len - j->rdone),
				   sl->kind == K_FILE ? (uint64_t)(base + (off_t)j->rdone) : 0);
		io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)j | 1);
		j->pending++;
	}
	return;
full:
	/* cannot happen: the ring has two entries per slot */
	fatal_io(w, "submission queue full", EBUSY);
	abort();
}

static void io_complete(struct worker *w, struct job *j);

/* the fallback without io_uring: the same transfers, one at a time */
static void io_sync(struct worker *w, struct job *j)
{
	struct slot *sl = &w->slot[j->slot];
	ssize_t n;

	while (!j->failed && j->wdone < j->len && j->resubmits++ < MAX_RESUBMIT) {
		n = sl->kind == K_FILE ?
		    pwrite(sl->wfd, j->wbuf + j->wdone, j->len - j->wdone, sl->off + (off_t)j->wdone) :
		    write(sl->wfd, j->wbuf + j->wdone, j->len - j->wdone);
		if (n > 0) {
			j->wdone += (size_t)n;
		} else if (n < 0 && errno != EINTR) {
			fatal_io(w, "write", errno);
			j->failed = true;
		}
	}
	while (!j->failed && j->rdone < j->len && j->resubmits++ < MAX_RESUBMIT) {
		n = sl->kind == K_FILE ?
		    pread(sl->rfd, j->rbuf + j->rdone, j->len - j->rdone, sl->off + (off_t)j->rdone) :
		    read(sl->rfd, j->rbuf + j->rdone, j->len - j->rdone);
		if (n > 0) {
			j->rdone += (size_t)n;
		} else if (!n || errno != EINTR) {
			fatal_io(w, "read", n ? errno : EPIPE);
			j->failed = true;
		}
	}
	if (!j->failed && (j->wdone < j->len || j->rdone < j->len)) {
		j->failed = true;
		fatal_io(w, "too many short transfers", EIO);
	}
	if (j->failed)
		memcpy(j->rbuf, j->wbuf, j->len);
	io_complete(w, j);
}

static void slot_start(struct worker *w, unsigned int s)
{
	struct slot *sl = &w->slot[s];
	struct job *j;
	size_t len;

	j = job_alloc(w);
	if (!j)
		return;
	len = pick_size(w, MAX_IO, true);
	j->wbuf = t_alloc(w, len);
	j->rbuf = j->wbuf ? t_alloc(w, len) : NULL;
	if (!j->rbuf) {
		if (j->wbuf)
			t_free(w, j->wbuf, len, w->id);
		job_free(w, j);
		return;
	}
	j->len = len;
	j->kind = sl->kind;
	j->slot = s;
	j->seed = rnd(&w->rng);
	j->sum = fill(j->wbuf, len, j->seed);
	memset(j->rbuf, 0xa5, len);
	j->t0 = now_ns();
	sl->job = j;
	w->inflight++;
	if (sync_io)
		io_sync(w, j);
	else
		io_submit_job(w, j);
}

static void io_complete(struct worker *w, struct job *j)
{
	struct slot *sl = &w->slot[j->slot];

	sl->job = NULL;
	w->inflight--;
	if (j->failed) {
		job_retire(w, j);	/* checks the written buffer only too */
		return;
	}
	w->io_jobs++;
	w->io_bytes += j->len;
	if (memcmp(j->wbuf, j->rbuf, j->len))
		complain(&n_mismatch, "worker %u: %s slot %u: %zu bytes read back differ from those written\n",
			 w->id, kind_name[j->kind], j->slot, j->len);
	job_finish(w, j);
}

static void io_cqe(struct worker *w, struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	struct job *j = (struct job *)(uintptr_t)(ud & ~1ULL);
	bool is_read = ud & 1;
	int res = cqe->res;

	j->pending--;
	if (is_read) {
		if (res > 0) {
			j->rdone += (size_t)res;
		} else if (res != -ECANCELED) {
			/* cancelled: the linked write was short, see below */
			j->failed = true;
			fatal_io(w, "read", res ? -res : EPIPE);
		}
	} else if (res > 0) {
		j->wdone += (size_t)res;
	} else {
		j->failed = true;
		fatal_io(w, "write", res ? -res : EPIPE);
	}
	if (j->pending)
		return;
	if (!j->failed && (j->wdone < j->len || j->rdone < j->len)) {
		if (++j->resubmits > MAX_RESUBMIT) {
			j->failed = true;
			fatal_io(w, "too many short transfers", EIO);
		} else {
			io_submit_job(w, j);
			return;
		}
	}
	/* the rbuf must hold the written data only after a clean transfer */
	if (j->failed)
		memcpy(j->rbuf, j->wbuf, j->len);
	io_complete(w, j);
}

/* Reap completions; wait up to @wait_us for the first one. */
static unsigned int io_reap(struct worker *w, unsigned int wait_us)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;
	int ret;

	if (!w->inflight || sync_io)
		return 0;
	if (io_uring_submit(&w->ring) < 0)
		fatal_io(w, "io_uring_submit", errno);
	if (wait_us) {
		struct __kernel_timespec ts = {
			.tv_sec = wait_us / 1000000,
			.tv_nsec = (long long)(wait_us % 1000000) * 1000,
		};

		ret = io_uring_wait_cqe_timeout(&w->ring, &cqe, &ts);
	} else {
		ret = io_uring_peek_cqe(&w->ring, &cqe);
	}
	while (ret == 0 && n < 2 * MAX_QD) {
		io_cqe(w, cqe);
		io_uring_cqe_seen(&w->ring, cqe);
		n++;
		ret = io_uring_peek_cqe(&w->ring, &cqe);
	}
	if (ret < 0 && ret != -EAGAIN && ret != -ETIME && ret != -EINTR)
		fatal_io(w, "io_uring_wait_cqe", -ret);
	return n;
}

/* I/Os older than IO_TIMEOUT_NS: the run is stuck. */
static void io_check_timeouts(struct worker *w, uint64_t now)
{
	unsigned int s;

	for (s = 0; s < w->nslots; s++)
		if (w->slot[s].job && now - w->slot[s].job->t0 > IO_TIMEOUT_NS) {
			complain(&n_io_errors, "worker %u: %s I/O in slot %u stuck for %llu s\n",
				 w->id, kind_name[w->slot[s].kind], s,
				 (unsigned long long)((now - w->slot[s].job->t0) / 1000000000ULL));
			w->slot[s].job->t0 = now;	/* report once per period */
		}
}

static int worker_setup(struct worker *w)
{
	char path[4096];
	unsigned int s;
	int fds[2];

	w->file_fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (w->file_fd < 0) {
		snprintf(path, sizeof(path), "%s/hakmem-stress.XXXXXX", tmpdir);
		w->file_fd = mkstemp(path);
		if (w->file_fd < 0) {
			fprintf(stderr, "hakmem-stress: temporary file in %s: %s\n", tmpdir, strerror(errno));
			return -1;
		}
		unlink(path);
	}
	if (ftruncate(w->file_fd, (off_t)qd * SPAN)) {
		perror("hakmem-stress: ftruncate");
		return -1;
	}
	w->nslots = qd;
	for (s = 0; s < qd; s++) {
		struct slot *sl = &w->slot[s];

		sl->kind = s % 3;
		sl->off = (off_t)s * SPAN;
		if (sl->kind == K_FILE) {
			sl->wfd = sl->rfd = w->file_fd;
			continue;
		}
		if (sl->kind == K_PIPE ? pipe2(fds, O_CLOEXEC) :
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)) {
			perror("hakmem-stress: pipe/socketpair");
			return -1;
		}
		/* write into [1], read from [0]: pipe order, fine for the pair */
		sl->wfd = fds[1];
		sl->rfd = fds[0];
	}
	if (sync_io)
		return 0;
	if (io_uring_queue_init(2 * MAX_QD + 8, &w->ring, 0)) {
		fprintf(stderr, "hakmem-stress: io_uring_queue_init failed\n");
		return -1;
	}
	w->ring_ok = true;
	return 0;
}

static void worker_teardown(struct worker *w)
{
	unsigned int s;

	if (w->ring_ok)
		io_uring_queue_exit(&w->ring);
	for (s = 0; s < w->nslots; s++)
		if (w->slot[s].kind != K_FILE) {
			close(w->slot[s].wfd);
			close(w->slot[s].rfd);
		}
	if (w->file_fd >= 0)
		close(w->file_fd);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	/* --ops below the thread count leaves some workers nothing to do */
	bool produce = w->quota > 0;
	unsigned int s, i;
	uint64_t now;

	pthread_barrier_wait(&start_barrier);
	/* produce: keep every slot busy and churn, until the quota or time */
	while (produce) {
		bool idle = true;

		inbox_drain(w);
		for (s = 0; s < w->nslots; s++)
			if (!w->slot[s].job) {
				slot_start(w, s);
				idle = false;
			}
		for (i = 0; i < 8; i++)
			churn(w, true);
		io_reap(w, idle ? 200 : 0);
		now = now_ns();
		if (w->allocs >= w->quota || now >= t_deadline ||
		    get(&n_fatal) || get(&n_io_errors) > 100)
			produce = false;
		else if ((w->churn_ops & 1023) == 0)
			io_check_timeouts(w, now);
	}
	w->t_produced = now_ns();
	/* wind down: the churn table, then every I/O in flight */
	for (i = 0; i < HELD; i++)
		if (w->held[i].p)
			held_drop(w, i);
	while (w->inflight) {
		inbox_drain(w);
		io_reap(w, 1000);
		now = now_ns();
		io_check_timeouts(w, now);
		if (now > t_hard) {
			complain(&n_fatal, "worker %u: %u I/Os never completed\n", w->id, w->inflight);
			break;
		}
	}
	w->t_drained = now_ns();
	/* everything this worker hands out is pushed before this store */
	__atomic_add_fetch(&done_producing, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&done_producing, __ATOMIC_SEQ_CST) < nthreads) {
		if (!inbox_drain(w))
			sched_yield();
		if (now_ns() > t_hard) {
			complain(&n_fatal, "worker %u: others never finished\n", w->id);
			break;
		}
	}
	inbox_drain(w);
	if (!use_system)
		hm_thread_flush();
	w->t_done = now_ns();
	__atomic_add_fetch(&done_all, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * --debug-flip: the documented claim is that hm_set_debug() is safe while
 * other threads allocate.  Switch poisoning, tracking and the freelist
 * checks on and off under the load (not xowner: remote frees are the
 * load, it would report every one of them).
 */
static void debug_flip(void)
{
	static const char *const sw[] = {
		"poison=1 track=1 checks=1", "off", "poison=1", "track=1 checks=1", "off",
	};

	const char *now = sw[flips++ % ARRAY_SIZE(sw)];

	if (hm_set_debug(NULL, now))
		complain(&n_fatal, "hm_set_debug refused '%s'\n", now);
}

/* ---- reporting ------------------------------------------------------ */

static uint64_t timer_overhead(void)
{
	struct hist h;
	unsigned int i;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < 100000; i++) {
		uint64_t t = now_ns();

		hist_add(&h, now_ns() - t);
	}
	return hist_pct(&h, 0.5);
}

/* check the allocator after all threads exited; returns failures */
static int hakmem_final_checks(double *remote_share, unsigned long *live_out)
{
	struct hm_stat_row *rows;
	unsigned long frees = 0, remote = 0, live = 0, left;
	int fails = 0;
	size_t n, i;
	long problems;

	problems = hm_validate(NULL);
	if (problems) {
		fprintf(stderr, "hakmem-stress: FAIL: hm_validate found %ld problems\n", problems);
		fails++;
	}
	n = hm_stats_snapshot(NULL, 0, HM_STATS_CLASSES | HM_STATS_CACHES);
	rows = calloc(n + 1, sizeof(*rows));
	if (!rows)
		return fails + 1;
	n = hm_stats_snapshot(rows, n, HM_STATS_CLASSES | HM_STATS_CACHES);
	for (i = 0; i < n; i++) {
		frees += rows[i].frees;
		remote += rows[i].remote_frees;
		live += rows[i].objs_inuse;
		if (rows[i].objs_inuse)
			fprintf(stderr, "hakmem-stress: FAIL: %s: %lu objects still live\n",
				rows[i].name, rows[i].objs_inuse);
	}
	free(rows);
	if (live)
		fails++;
	*live_out = live;
	*remote_share = frees ? (double)remote / (double)frees : 0;
	if (!quiet) {
		printf("\nallocator stats (classes and caches):\n");
		hm_stats_dump(stdout, HM_STATS_CLASSES | HM_STATS_CACHES);
	}
	left = hm_cache_destroy(job_cache);
	job_cache = NULL;
	if (left) {
		fprintf(stderr, "hakmem-stress: FAIL: job cache destroyed with %lu live\n", left);
		fails++;
	}
	hm_trim();
	return fails;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hakmem-stress [options]\n"
		"  -t, --threads N       worker threads (default 4, max %d)\n"
		"  -n, --ops N           stop after N allocations in all (0: time only)\n"
		"  -s, --seconds S       stop after S seconds (default 5; 0: ops only)\n"
		"  -m, --mode M          bitmap | freelist | hybrid (built-in classes)\n"
		"  -a, --allocator A     hakmem (default) | system\n"
		"  -q, --qd N            I/O slots per worker (default 12, max %d)\n"
		"  -r, --remote PCT      share of buffers freed by another worker (75)\n"
		"  -l, --large PCT       share of allocations above 1024 bytes (4)\n"
		"      --seed N          random seed (default 1)\n"
		"  -d, --dir DIR         directory for the temporary files ($TMPDIR, /tmp)\n"
		"      --quiet           no stats dump\n"
		"      --verbose         per-worker figures\n"
		"      --track           check no live object is handed out twice (slower)\n"
		"      --sync-io         read(2)/write(2) instead of io_uring (the fallback)\n"
		"      --debug SWITCHES  hm_set_debug(NULL, SWITCHES) first (\"poison=1 track=1\")\n"
		"      --debug-flip MS   switch the debug options on and off every MS ms\n"
		"  -h, --help            this text\n",
		MAX_THREADS, MAX_QD);
}

static unsigned long num(const char *s, const char *what, unsigned long max)
{
	return stress_num("hakmem-stress", s, what, max);
}

static void parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "ops", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "allocator", required_argument, NULL, 'a' },
		{ "qd", required_argument, NULL, 'q' },
		{ "remote", required_argument, NULL, 'r' },
		{ "large", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 'S' },
		{ "dir", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "track", no_argument, NULL, 'T' },
		{ "sync-io", no_argument, NULL, 'Y' },
		{ "debug", required_argument, NULL, 'D' },
		{ "debug-flip", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "t:n:s:m:a:q:r:l:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			nthreads = (unsigned int)num(optarg, "thread count", MAX_THREADS);
			break;
		case 'n':
			total_ops = num(optarg, "op count", ~0UL);
			break;
		case 's':
			seconds = strtod(optarg, &end);
			/* the negated test refuses NaN too, which never ends */
			if (end == optarg || *end || !(seconds >= 0 && seconds <= 86400)) {
				fprintf(stderr, "hakmem-stress: bad seconds '%s'\n", optarg);
				exit(2);
			}
			break;
		case 'm':
			mode_name = optarg;
			break;
		case 'a':
			if (!strcmp(optarg, "system")) {
				use_system = true;
			} else if (strcmp(optarg, "hakmem")) {
				fprintf(stderr, "hakmem-stress: allocator is hakmem or system\n");
				exit(2);
			}
			break;
		case 'q':
			qd = (unsigned int)num(optarg, "queue depth", MAX_QD);
			break;
		case 'r':
			remote_pct = (unsigned int)num(optarg, "remote share", 100);
			break;
		case 'l':
			large_pct = (unsigned int)num(optarg, "large share", 100);
			break;
		case 'S':
			seed0 = num(optarg, "seed", ~0UL);
			break;
		case 'd':
			tmpdir = optarg;
			break;
		case 'Q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'T':
			track_init();
			break;
		case 'Y':
			sync_io = true;
			break;
		case 'D':
			debug_switches = optarg;
			break;
		case 'F':
			flip_ms = (unsigned int)num(optarg, "flip period", 60000);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	/* each refusal says why (the usage alone left one guessing) */
	if (optind < argc || !nthreads || !qd || (!total_ops && seconds <= 0)) {
		if (optind < argc)
			fprintf(stderr, "hakmem-stress: unexpected argument '%s'\n", argv[optind]);
		else if (!nthreads || !qd)
			fprintf(stderr, "hakmem-stress: bad %s '0'\n",
				!nthreads ? "thread count" : "queue depth");
		else
			fprintf(stderr, "hakmem-stress: no end: --ops 0 and --seconds 0\n");
		usage(stderr);
		exit(2);
	}
	if (use_system && (debug_switches || flip_ms)) {
		fprintf(stderr, "hakmem-stress: --debug and --debug-flip are for hakmem\n");
		exit(2);
	}
	if (strcmp(mode_name, "bitmap") && strcmp(mode_name, "freelist") &&
	    strcmp(mode_name, "hybrid")) {
		fprintf(stderr, "hakmem-stress: mode is bitmap, freelist or hybrid\n");
		exit(2);
	}
	if (!tmpdir)
		tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)nthreads * (qd + 4) * 2 + 64;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < need && rl.rlim_max >= need) {
		rl.rlim_cur = need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	/* [0] up to 1024 bytes, [1] larger, [2] all */
	struct hist h_alloc[3], h_local[3], h_remote[3], h_free[3];
	uint64_t allocs = 0, frees = 0, frees_remote = 0, handoffs = 0, backpressure = 0;
	uint64_t io_jobs = 0, io_bytes = 0, verified = 0, t_end;
	double elapsed, remote_share = 0;
	unsigned long live = 0;
	unsigned long hm_errs = 0;
	struct utsname un;
	struct rusage ru;
	int fails = 0;
	unsigned int i, k;

	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!use_system) {
		/* before the library's first call: it reads the mode once */
		setenv("HAKMEM_MODE", mode_name, 1);
		hm_set_error_handler(on_hm_error, NULL);
		if (strcmp(hm_mode_str(hm_default_mode()), mode_name)) {
			fprintf(stderr, "hakmem-stress: library runs %s, not %s (initialised too early?)\n",
				hm_mode_str(hm_default_mode()), mode_name);
			return 1;
		}
		job_cache = hm_cache_create("stress-job", sizeof(struct job), 0,
					    hm_default_mode(),
					    !strcmp(mode_name, "freelist") ? STRESS_CACHE_CHECKS : 0);
		if (!job_cache) {
			fprintf(stderr, "hakmem-stress: hm_cache_create failed\n");
			return 1;
		}
		if (debug_switches && hm_set_debug(NULL, debug_switches)) {
			fprintf(stderr, "hakmem-stress: hm_set_debug refused '%s'\n", debug_switches);
			return 2;
		}
	}
	raise_fd_limit();
	if (!sync_io) {
		/* containers often forbid io_uring: fall back, and say so */
		struct io_uring probe;
		int err = io_uring_queue_init(8, &probe, 0);

		if (err) {
			fprintf(stderr, "hakmem-stress: WARNING: io_uring unavailable (%s): synchronous I/O instead\n",
				strerror(-err));
			sync_io = true;
		} else {
			io_uring_queue_exit(&probe);
		}
	}
	uname(&un);
	printf("=== hakmem-stress: allocator %s%s%s, %u threads, %s qd %u, %.1f s, ops %llu, remote %u%%, large %u%%, seed %llu (%s %s, %ld cpus)\n",
	       use_system ? "system" : "hakmem", use_system ? "" : " mode ",
	       use_system ? "" : mode_name, nthreads, sync_io ? "sync I/O" : "io_uring", qd, seconds,
	       (unsigned long long)total_ops, remote_pct, large_pct,
	       (unsigned long long)seed0, un.sysname, un.release, sysconf(_SC_NPROCESSORS_ONLN));

	if (posix_memalign((void **)&workers, 64, nthreads * sizeof(*workers)))
		return 1;
	memset(workers, 0, nthreads * sizeof(*workers));
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->rng = (seed0 + 1) * 0x9E3779B97F4A7C15ULL + i * 0xD1B54A32D192ED03ULL;
		w->file_fd = -1;
		w->quota = total_ops ? total_ops / nthreads + (i < total_ops % nthreads) :
			   UINT64_MAX;
		if (worker_setup(w))
			return 1;
	}
	pthread_barrier_init(&start_barrier, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i])) {
			perror("hakmem-stress: pthread_create");
			return 1;
		}
	t_start = now_ns();
	t_deadline = seconds > 0 ? t_start + (uint64_t)(seconds * 1e9) : ~0ULL;
	/* the hard limit: twice the time asked for, plus a minute */
	t_hard = t_start + (uint64_t)((seconds > 0 ? 2 * seconds : 600) * 1e9) + 60000000000ULL;
	pthread_barrier_wait(&start_barrier);
	/* watchdog: threads that never finish cannot be joined */
	while (__atomic_load_n(&done_all, __ATOMIC_SEQ_CST) < nthreads) {
		struct timespec ts = { 0, (long)(flip_ms ? flip_ms : 20) * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (flip_ms)
			debug_flip();
		if (now_ns() > t_hard + 10000000000ULL) {
			fprintf(stderr, "hakmem-stress: FAIL: watchdog: workers stuck, giving up\n");
			fflush(NULL);
			_exit(3);
		}
	}
	t_end = now_ns();
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].th, NULL);
	elapsed = (double)(t_end - t_start) / 1e9;

	memset(h_alloc, 0, sizeof(h_alloc));
	memset(h_local, 0, sizeof(h_local));
	memset(h_remote, 0, sizeof(h_remote));
	memset(h_free, 0, sizeof(h_free));
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		for (k = 0; k < 2; k++) {
			hist_merge(&h_alloc[k], &w->h_alloc[k]);
			hist_merge(&h_local[k], &w->h_free_local[k]);
			hist_merge(&h_remote[k], &w->h_free_remote[k]);
			hist_merge(&h_alloc[2], &w->h_alloc[k]);
			hist_merge(&h_local[2], &w->h_free_local[k]);
			hist_merge(&h_remote[2], &w->h_free_remote[k]);
		}
		allocs += w->allocs;
		frees += w->frees;
		frees_remote += w->frees_remote;
		handoffs += w->handoffs;
		backpressure += w->backpressure;
		io_jobs += w->io_jobs;
		io_bytes += w->io_bytes;
		verified += w->verified;
		if (verbose)
			printf("  worker %2u: allocs %llu, I/O %llu, churn %llu, handoffs %llu; produced until %.3f s, I/O drained %.3f s, done %.3f s\n",
			       i, (unsigned long long)w->allocs, (unsigned long long)w->io_jobs,
			       (unsigned long long)w->churn_ops, (unsigned long long)w->handoffs,
			       (double)(w->t_produced - t_start) / 1e9,
			       (double)(w->t_drained - t_start) / 1e9,
			       (double)(w->t_done - t_start) / 1e9);
		worker_teardown(w);
	}
	for (k = 0; k < 3; k++) {
		hist_merge(&h_free[k], &h_local[k]);
		hist_merge(&h_free[k], &h_remote[k]);
	}

	if (allocs != frees) {
		fprintf(stderr, "hakmem-stress: FAIL: %llu allocations but %llu frees\n",
			(unsigned long long)allocs, (unsigned long long)frees);
		fails++;
	}
	if (!use_system) {
		fails += hakmem_final_checks(&remote_share, &live);
		hm_errs = hm_error_count();
	}

	printf("\nresults (%s %s, %u threads, %.2f s):\n", use_system ? "system" : "hakmem",
	       use_system ? "malloc" : mode_name, nthreads, elapsed);
	printf("  allocations  %llu (%.0f/s), frees %llu, by another thread %llu (%.1f%%)\n",
	       (unsigned long long)allocs, (double)allocs / elapsed, (unsigned long long)frees,
	       (unsigned long long)frees_remote,
	       frees ? 100.0 * (double)frees_remote / (double)frees : 0.0);
	printf("  I/O          %llu write+read pairs (%.0f/s, %.1f MB/s), handoffs %llu (%llu kept: inbox full), checks %llu\n",
	       (unsigned long long)io_jobs, (double)io_jobs / elapsed,
	       (double)io_bytes / elapsed / 1e6, (unsigned long long)handoffs,
	       (unsigned long long)backpressure, (unsigned long long)verified);
	printf("  latency (ns; log buckets of 1/8 octave, timer overhead ~%llu ns included):\n",
	       (unsigned long long)timer_overhead());
	hist_print("alloc", &h_alloc[2]);
	hist_print("alloc <=1K", &h_alloc[0]);
	hist_print("alloc >1K", &h_alloc[1]);
	hist_print("free", &h_free[2]);
	hist_print("free <=1K", &h_free[0]);
	hist_print(" local", &h_local[0]);
	hist_print(" remote", &h_remote[0]);
	hist_print("free >1K", &h_free[1]);
	if (!use_system)
		printf("  allocator    remote frees %.1f%% of frees, live at end %lu, error reports %lu%s%s, debug switched %lu times\n",
		       100.0 * remote_share, live, hm_errs, debug_switches ? ", debug " : "",
		       debug_switches ? debug_switches : "", flips);
	if (!getrusage(RUSAGE_SELF, &ru))
		printf("  process      peak RSS %.1f MB, user %.2f s, system %.2f s\n",
		       (double)ru.ru_maxrss / 1024.0,
		       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	printf("  failures     mismatches %llu, NULL allocations %llu, I/O errors %llu, allocator reports %llu, %s%llu, other %llu\n",
	       (unsigned long long)n_mismatch, (unsigned long long)n_alloc_null,
	       (unsigned long long)n_io_errors, (unsigned long long)n_hm_reports,
	       track ? "objects handed out twice " : "(no --track) ",
	       (unsigned long long)n_track, (unsigned long long)n_fatal);
	if (n_mismatch || n_alloc_null || n_io_errors || n_hm_reports || n_fatal || hm_errs || n_track)
		fails++;
	printf("RESULT allocator=%s mode=%s threads=%u seconds=%.2f allocs=%llu allocs_per_s=%.0f io_pairs=%llu "
	       "alloc_p50=%llu alloc_p99=%llu alloc_p999=%llu free_p50=%llu free_p99=%llu free_p999=%llu "
	       "small_alloc_p99=%llu small_free_p99=%llu "
	       "remote_pct=%.1f live=%lu errors=%llu status=%s\n",
	       use_system ? "system" : "hakmem", use_system ? "-" : mode_name, nthreads, elapsed,
	       (unsigned long long)allocs, (double)allocs / elapsed, (unsigned long long)io_jobs,
	       (unsigned long long)hist_pct(&h_alloc[2], 0.5), (unsigned long long)hist_pct(&h_alloc[2], 0.99),
	       (unsigned long long)hist_pct(&h_alloc[2], 0.999), (unsigned long long)hist_pct(&h_free[2], 0.5),
	       (unsigned long long)hist_pct(&h_free[2], 0.99), (unsigned long long)hist_pct(&h_free[2], 0.999),
	       (unsigned long long)hist_pct(&h_alloc[0], 0.99), (unsigned long long)hist_pct(&h_free[0], 0.99),
	       use_system ? 100.0 * (double)frees_remote / (double)(frees ? frees : 1) : 100.0 * remote_share,
	       live,
	       (unsigned long long)(n_mismatch + n_alloc_null + n_io_errors + n_hm_reports + n_fatal +
				    n_track + hm_errs),
	       fails ? "FAIL" : "ok");
	free(workers);
	if (stress_stdout_check("hakmem-stress"))
		fails++;
	return fails ? 1 : 0;
}
