// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_hakmem - libFuzzer target for the libhakmem API.
 *
 * An input is a sequence of operations: hm_malloc of any size (0, edges,
 * large, huge), hm_free of live, freed, foreign and interior pointers,
 * created caches in each mode (alloc, free, bulk, wrong-cache frees,
 * destroy with and without live objects), hm_trim, hm_thread_flush,
 * helper threads that allocate and free remotely, and fault injection.
 * A reference model knows which objects are live, their sizes, caches and
 * fill patterns; every result is checked against it: addresses, alignment,
 * usable sizes, patterns, per-class and per-cache live counts, and the
 * exact number of refused operations each call reports.  Each input ends
 * with everything freed and hm_validate(NULL) == 0.
 *
 * Built with -DFUZZ_STANDALONE it is its own driver instead (replays files
 * and random inputs, writes the seed corpus): for compilers without
 * libFuzzer, and for gcc's sanitizers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hakmem.h"
#include "hm_user.h"		/* hm_user_fail_every: fault injection */

#define FZ_CACHE_CHECKS	0x2U	/* HM_CACHE_CHECKS (common/hm_types.h) */
#define GRANULE		65536UL
#define LARGE_HDR	64UL
#define MAX_CLASS	((unsigned long)HM_USER_MAX_CLASS)	/* malloc's classes */
#define NCLASS		HM_USER_CLASSES

#define MAX_OBJS	512	/* live and orphaned objects */
#define MAX_CACHES	8
#define MAX_CREATES	32	/* per input: keeps cache ids apart mod 64 */
#define MAX_STALE	64
#define MAX_HELPERS	3	/* threads per input: each costs ~1 ms */
#define MAX_GRAN	2048
#define MAX_OPS		4096
#define MAX_BULK	64
#define FILL_SPAN	512	/* bytes checked at each end of an object */
#define ORPHAN_BUDGET	4096	/* orphaned slabs per process (never freed) */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * FUZZ_NO_PIN (0 or 1) and FUZZ_VERBOSE (0 to 2), as libhakmem reads its
 * variables: unset or empty is 0; another value is said on stderr and 0
 * used (atoi() took "x" for 0 and "1x" for 1, unsaid; FUZZ_NO_PIN=0
 * left the CPU alone as 1 did).
 */
static int fuzz_env_num(const char *name, int max)
{
	const char *s = getenv(name);

	if (!s || !*s)
		return 0;
	if (s[0] >= '0' && s[0] <= '0' + max && !s[1])
		return s[0] - '0';
	fprintf(stderr, "fuzz_hakmem: %s=%s: not 0..%d; using 0\n", name, s, max);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- the model -------------------------------------------------------- */

struct obj {
	unsigned char *p;
	size_t size;		/* asked for */
	size_t usable;		/* expected hm_malloc_usable_size() */
	int cache;		/* model cache, or -1 for hm_malloc */
	int cls;		/* built-in class, or -1 */
	uint64_t seed;
	bool orphan;		/* its cache was destroyed with it live */
	unsigned int thread;	/* 0: main, else the helper that made it */
};

struct mcache {
	struct hm_cache *c;
	char name[48];
	enum hm_mode mode;
	unsigned int flags;
	size_t stride, align;
	bool tainted;		/* a helper thread used it */
};

enum gkind { G_NONE, G_CLASS, G_CACHE, G_LARGE_HEAD, G_LARGE_TAIL, G_GONE, G_ORPHAN };

/* what the model last saw in a 64 KiB granule */
struct gran {
	uintptr_t base;
	enum gkind kind;
	int cache;		/* G_CACHE: model cache */
};

struct stale {
	unsigned char *p;
};

static struct {
	struct obj obj[MAX_OBJS];
	unsigned int nobj;
	struct mcache cache[MAX_CACHES];
	unsigned int ncache, creates;
	struct stale stale[MAX_STALE];
	unsigned int nstale, stale_next;
	struct gran gran[MAX_GRAN];
	unsigned int ngran;
	bool uncertain;		/* a slab may have changed hands unseen */
	bool debug;		/* hm_set_debug() used: checks may be off */
	bool faults;
	uint64_t seq;
	unsigned long allocs, frees, skipped;	/* for FUZZ_VERBOSE */
	unsigned int helpers;
	long expect_errors;	/* refused operations so far in this input */
} m;

static enum hm_mode class_mode;
static unsigned long err_base, handler_base, handler_calls, orphan_slabs;
static int verbose;
static char static_area[256];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_hakmem: FAIL (classes %s, op %llu): ", hm_mode_str(class_mode),
		(unsigned long long)m.seq);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void on_error(const char *msg, void *arg)
{
	(void)arg;
	__atomic_add_fetch(&handler_calls, 1, __ATOMIC_RELAXED);
	if (verbose)
		fprintf(stderr, "  hakmem: %s", msg);
}

/* every call checks that exactly the expected refusals were reported */
static void expect_errors(long delta, const char *what)
{
	long got, calls;

	m.expect_errors += delta;
	got = (long)(hm_error_count() - err_base);
	calls = (long)(__atomic_load_n(&handler_calls, __ATOMIC_RELAXED) - handler_base);
	if (got != m.expect_errors || calls != m.expect_errors)
		fail("%s: %ld refused operations counted, %ld handler calls, expected %ld",
		     what, got, calls, m.expect_errors);
}

/* ---- input ------------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t n, i;
};

static unsigned int u8(struct rd *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

static unsigned int u16(struct rd *r)
{
	unsigned int v = u8(r);

	return v | (u8(r) << 8);
}

/* ---- patterns ---------------------------------------------------------- */

static unsigned char pat(uint64_t seed, size_t i)
{
	uint64_t x = (seed + i) * 0x9E3779B97F4A7C15ULL;

	return (unsigned char)(x >> 56);
}

static void fill_range(struct obj *o, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		o->p[i] = pat(o->seed, i);
}

static bool check_range(const struct obj *o, size_t from, size_t to, size_t *bad)
{
	size_t i;

	for (i = from; i < to; i++)
		if (o->p[i] != pat(o->seed, i)) {
			*bad = i;
			return false;
		}
	return true;
}

/* objects up to 2 * FILL_SPAN are filled whole, larger ones at both ends */
static void obj_fill(struct obj *o)
{
	size_t n = o->usable;

	if (n <= 2 * FILL_SPAN) {
		fill_range(o, 0, n);
	} else {
		fill_range(o, 0, FILL_SPAN);
		fill_range(o, n - FILL_SPAN, n);
	}
}

static void obj_check(const struct obj *o, const char *when)
{
	size_t n = o->usable, bad = 0;
	bool ok;

	if (n <= 2 * FILL_SPAN)
		ok = check_range(o, 0, n, &bad);
	else
		ok = check_range(o, 0, FILL_SPAN, &bad) &&
		     check_range(o, n - FILL_SPAN, n, &bad);
	if (!ok)
		fail("%s: object %p (%zu bytes, cache %d) byte %zu is %02x, expected %02x",
		     when, (void *)o->p, o->size, o->cache, bad, o->p[bad], pat(o->seed, bad));
}

/* ---- granules ---------------------------------------------------------- */

static struct gran *gran_find(const void *p)
{
	uintptr_t b = (uintptr_t)p & ~(GRANULE - 1);
	unsigned int i;

	for (i = 0; i < m.ngran; i++)
		if (m.gran[i].base == b)
			return &m.gran[i];
	return NULL;
}

static struct gran *gran_get(const void *p)
{
	struct gran *g = gran_find(p);

	if (g)
		return g;
	if (m.ngran == MAX_GRAN) {
		m.uncertain = true;	/* forget: stale frees off from here */
		m.ngran = 0;
	}
	g = &m.gran[m.ngran++];
	memset(g, 0, sizeof(*g));
	g->base = (uintptr_t)p & ~(GRANULE - 1);
	return g;
}

static void gran_note(const struct obj *o)
{
	struct gran *g = gran_get(o->p);

	if (o->cache < 0 && o->size > MAX_CLASS) {
		uintptr_t end = (uintptr_t)o->p + o->size, a;	/* chunk + 64 */

		g->kind = G_LARGE_HEAD;
		for (a = g->base + GRANULE; a < end; a += GRANULE)
			gran_get((void *)a)->kind = G_LARGE_TAIL;
		return;
	}
	g->kind = o->cache < 0 ? G_CLASS : G_CACHE;
	g->cache = o->cache;
}

/* ---- expected geometry ------------------------------------------------- */

/* malloc's class for @n bytes: the smallest that holds them (hm_user.h's sizes) */
static int size_class(size_t n)
{
	unsigned int c = 0;

	while (hm_user_class_size(c) < n)
		c++;
	return (int)c;
}

static bool overlaps(const unsigned char *p, size_t n, int skip)
{
	unsigned int i;

	for (i = 0; i < m.nobj; i++) {
		const struct obj *o = &m.obj[i];

		if ((int)i != skip && p < o->p + o->usable && o->p < p + n)
			return true;
	}
	return false;
}

/*
 * May a large object of @size start its chunk, its header out of line?
 * Only where the header inline would cost a page the object alone does
 * not, in a chunk below 1 MiB (hm_large_plan(): larger ones move by
 * pages and keep theirs inline).
 */
static bool large_ool_may(size_t size)
{
	static size_t page;

	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return size < (1UL << 20) &&
	       (size + LARGE_HDR + page - 1) / page > (size + page - 1) / page;
}

/* record a new object and check what the allocator promised about it */
static struct obj *obj_add(void *p, size_t size, int cache, unsigned int thread)
{
	struct obj *o;
	size_t usable, align, got;

	if (cache >= 0) {
		usable = m.cache[cache].stride;
		align = m.cache[cache].align;
	} else if (size <= MAX_CLASS) {
		/* aligned to their size up to 4 KiB, to less past it */
		usable = hm_user_class_size((unsigned int)size_class(size));
		align = hm_user_class_align((unsigned int)size_class(size));
	} else {
		usable = size;
		align = LARGE_HDR;
		/*
		 * after its header, or at its chunk's start (the header out of
		 * line) where the header would have cost a page more
		 */
		if ((uintptr_t)p % GRANULE == 0 ? !large_ool_may(size) :
		    (uintptr_t)p % GRANULE != LARGE_HDR)
			fail("large object %p of %zu bytes not %lu bytes into its chunk, nor at its start",
			     p, size, LARGE_HDR);
	}
	if ((uintptr_t)p % align)
		fail("object %p of %zu bytes (cache %d) not aligned to %zu", p, size, cache, align);
	got = hm_malloc_usable_size(p);
	if (got != usable)
		fail("usable size of %p (%zu bytes, cache %d) is %zu, expected %zu",
		     p, size, cache, got, usable);
	if (overlaps(p, usable, -1))
		fail("new object %p (%zu bytes, cache %d) overlaps a live one", p, size, cache);
	if (m.nobj == MAX_OBJS)
		fail("model full");	/* callers check room first */
	o = &m.obj[m.nobj++];
	o->p = p;
	o->size = size;
	o->usable = usable;
	o->cache = cache;
	o->cls = cache < 0 && size <= MAX_CLASS ? size_class(size) : -1;
	o->seed = ++m.seq * 0x100000001B3ULL;
	o->orphan = false;
	o->thread = thread;
	m.allocs++;
	obj_fill(o);
	gran_note(o);
	return o;
}

static void obj_del(unsigned int i)
{
	struct stale *s = &m.stale[m.stale_next];

	s->p = m.obj[i].p;
	m.frees++;
	m.stale_next = (m.stale_next + 1) % MAX_STALE;
	if (m.nstale < MAX_STALE)
		m.nstale++;
	m.obj[i] = m.obj[--m.nobj];
}

static int obj_find(const void *p)
{
	unsigned int i;

	for (i = 0; i < m.nobj; i++)
		if (m.obj[i].p == p)
			return (int)i;
	return -1;
}

/* a live object chosen by the input, or -1 */
/* every operation reads the same bytes whatever the state: stable inputs */
static int pick_obj(struct rd *r, bool orphans_too)
{
	unsigned int i, k = u16(r);

	if (!m.nobj)
		return -1;
	k %= m.nobj;
	for (i = 0; i < m.nobj; i++) {
		unsigned int j = (k + i) % m.nobj;

		if (orphans_too || !m.obj[j].orphan)
			return (int)j;
	}
	return -1;
}

static int pick_cache(struct rd *r)
{
	unsigned int k = u8(r);

	return m.ncache ? (int)(k % m.ncache) : -1;
}

/* ---- operations -------------------------------------------------------- */

enum op {
	OP_MALLOC, OP_MALLOC_ODD, OP_FREE, OP_FREE_STALE, OP_FREE_FOREIGN,
	OP_FREE_INTERIOR, OP_CACHE_CREATE, OP_CACHE_ALLOC, OP_FREE_WRONG,
	OP_BULK_ALLOC, OP_BULK_FREE, OP_CACHE_DESTROY, OP_TRIM, OP_FLUSH,
	OP_VALIDATE, OP_CHECK, OP_THREAD, OP_FAULTS, OP_DEBUG, OP_NR
};

static const char *const op_name[OP_NR] = {
	"malloc", "malloc-odd", "free", "free-stale", "free-foreign", "free-interior",
	"cache-create", "cache-alloc", "free-wrong-cache", "bulk-alloc", "bulk-free",
	"cache-destroy", "trim", "flush", "validate", "check", "thread", "faults",
	"debug",
};

static void do_malloc(size_t size)
{
	/*
	 * sizes the implementation refuses up front (reported as bad): more
	 * than a process's 47-bit address space holds (userspace/hm_plat.h)
	 */
	bool refused = size > (1ULL << 47) - GRANULE;
	void *p;

	if (m.nobj == MAX_OBJS)
		return;
	p = hm_malloc(size);
	expect_errors(refused ? 1 : 0, "hm_malloc");
	if (refused) {
		if (p)
			fail("hm_malloc(%zu) returned %p", size, p);
		return;
	}
	if (!p) {
		if (!m.faults)
			fail("hm_malloc(%zu) returned NULL without fault injection", size);
		return;
	}
	obj_add(p, size, -1, 0);
}

static void op_malloc_odd(struct rd *r)
{
	static const size_t edge[] = {
		0, 1, 7, 8, 9, 1023, 1024, 1025, 2048, 2049, 4096, 4097, 8128, 8129,
		MAX_CLASS, MAX_CLASS + 1, GRANULE - LARGE_HDR,
		GRANULE - LARGE_HDR + 1, 2 * GRANULE, SIZE_MAX, SIZE_MAX >> 1,
		(SIZE_MAX >> 1) - GRANULE, (SIZE_MAX >> 1) - GRANULE + 1,
		1ULL << 48, 1ULL << 62,
	};
	unsigned int sel = u8(r), v = u16(r);

	switch (sel % 4) {
	case 0:
		do_malloc(edge[(sel / 4) % ARRAY_SIZE(edge)]);
		break;
	case 1:
		do_malloc(1025 + v);
		break;
	case 2:
		do_malloc(GRANULE + v * 3UL);
		break;
	default:
		do_malloc(v % 16);
		break;
	}
}

/* free a live object (or an orphan: refused) the right way */
static void free_obj(unsigned int i, bool via_cache)
{
	struct obj *o = &m.obj[i];

	obj_check(o, "before free");
	if (o->orphan) {
		hm_free(o->p);
		expect_errors(1, "free of an object of a destroyed cache");
		obj_check(o, "after refused free");
		return;
	}
	if (via_cache && o->cache >= 0)
		hm_cache_free(m.cache[o->cache].c, o->p);
	else
		hm_free(o->p);
	expect_errors(0, "free of a live object");
	obj_del(i);
}

static void op_free(struct rd *r)
{
	int i = pick_obj(r, true);
	unsigned int how = u8(r);

	if (i >= 0)
		free_obj((unsigned int)i, how & 1);
}

/* may the model free @p, not live, and expect exactly one refusal? */
static bool stale_free_safe(const unsigned char *p)
{
	const struct gran *g = gran_find(p);

	if (m.uncertain || !g)
		return false;
	switch (g->kind) {
	case G_LARGE_HEAD:
	case G_LARGE_TAIL:
	case G_GONE:
	case G_ORPHAN:
		return true;
	case G_CLASS:
		/* freelist classes have no double-free checks */
		if (class_mode == HM_MODE_FREELIST)
			return false;
		break;
	case G_CACHE: {
		const struct mcache *mc = &m.cache[g->cache];

		if (mc->mode == HM_MODE_FREELIST &&
		    (!(mc->flags & FZ_CACHE_CHECKS) || mc->tainted || m.debug))
			return false;	/* documented: no or only local checks */
		break;
	}
	default:
		return false;
	}
	return true;
}

static void op_free_stale(struct rd *r)
{
	unsigned int k = u8(r), how = u8(r), i;
	unsigned char *p;
	int live;

	if (!m.nstale)
		return;
	p = m.stale[k % m.nstale].p;
	live = obj_find(p);
	if (live >= 0) {		/* the address was handed out again */
		free_obj((unsigned int)live, how & 1);
		return;
	}
	if (!overlaps(p, 1, -1) && !stale_free_safe(p)) {
		m.skipped++;
		return;
	}
	hm_free(p);
	expect_errors(1, "double free");
	for (i = 0; i < m.nobj; i++)
		if (p >= m.obj[i].p && p < m.obj[i].p + m.obj[i].usable)
			obj_check(&m.obj[i], "after a refused interior free");
}

static void op_free_foreign(struct rd *r)
{
	unsigned int sel = u8(r), via = u8(r), v = u16(r);
	int i = pick_obj(r, true), c = pick_cache(r);
	unsigned char stack[64];
	void *p = NULL, *sys = NULL;
	long errs = 1;

	stack[0] = 1;
	switch (sel % 8) {
	case 0:
		errs = 0;
		break;
	case 1:
		p = stack + (sel >> 3) % 64;
		break;
	case 2:
		p = static_area + (sel >> 3) % 256;
		break;
	case 3:
		sys = malloc(1 + (sel >> 3));
		p = sys;
		break;
	case 4:		/* the header of a live object's slab or chunk */
		if (i < 0)
			return;
		p = (void *)(((uintptr_t)m.obj[i].p & ~(GRANULE - 1)) + (sel >> 3) % 8 * 8);
		break;
	case 5:
		p = (void *)0xffff888000000000UL;
		break;
	case 6:
		p = (void *)(uintptr_t)(4096 * (1 + (sel >> 3)));
		break;
	default:
		p = (void *)(uintptr_t)(0x7f0000000000UL + ((uintptr_t)v << 16));
		if (gran_find(p) || overlaps(p, 1, -1))
			return;		/* might be ours after all */
		break;
	}
	if ((via & 1) && c >= 0)
		hm_cache_free(m.cache[c].c, p);
	else
		hm_free(p);
	expect_errors(errs, "free of a foreign pointer");
	free(sys);
	if (stack[0] != 1)
		fail("stack memory changed by a refused free");
}

static void op_free_interior(struct rd *r)
{
	int i = pick_obj(r, true);
	unsigned int off = u16(r), via = u8(r);
	struct obj *o;
	unsigned char *p;

	if (i < 0)
		return;
	o = &m.obj[i];
	if (off % 5 == 0)
		p = o->p - 1;
	else if (o->usable > 1)
		p = o->p + 1 + off % (o->usable - 1);
	else
		return;
	if ((via & 1) && o->cache >= 0 && !o->orphan)
		hm_cache_free(m.cache[o->cache].c, p);
	else
		hm_free(p);
	expect_errors(1, "free of an interior pointer");
	obj_check(o, "after a refused interior free");
}

static void op_cache_create(struct rd *r)
{
	static const size_t sizes[] = { 0, 1, 7, 8, 24, 63, 64, 100, 1000, 4095, 4096, 4097, 100000 };
	unsigned int sel = u8(r), mode = u8(r) % 4, asel = u8(r), flags = u8(r) & 3;
	unsigned int v = u16(r), badmode = u8(r);
	size_t size, align, a;
	struct mcache *mc;
	struct hm_cache *c;
	bool valid;

	if (m.ncache == MAX_CACHES || m.creates == MAX_CREATES)
		return;
	size = sel & 1 ? sizes[(sel >> 1) % ARRAY_SIZE(sizes)] : 1 + v % 4096;
	if (asel % 16 < 14)
		align = asel % 16 == 0 ? 0 : 1UL << (asel % 16 - 1);	/* 0, 1 .. 4096 */
	else
		align = asel % 16 == 14 ? 24 : 8192;
	if (badmode % 16 == 15)
		mode = 7;
	valid = size >= 1 && size <= 4096 && mode < HM_MODE_NR &&
		!(align & (align - 1)) && align <= 4096;
	mc = &m.cache[m.ncache];
	memset(mc, 0, sizeof(*mc));
	if (m.creates % 5 == 4)	/* a name beyond the 31 characters kept */
		snprintf(mc->name, sizeof(mc->name), "fz%u-%s", m.creates,
			 "a-long-cache-name-truncated-to-31");
	else
		snprintf(mc->name, sizeof(mc->name), "fz%u", m.creates);
	c = hm_cache_create(mc->name, size, align, (enum hm_mode)mode, flags);
	expect_errors(valid ? 0 : 1, "hm_cache_create");
	if (!valid) {
		if (c)
			fail("hm_cache_create(%zu, %zu, mode %u) accepted", size, align, mode);
		return;
	}
	if (!c)
		fail("hm_cache_create(%zu, %zu, mode %u) failed", size, align, mode);
	m.creates++;
	a = align < 8 ? 8 : align;
	mc->c = c;
	mc->mode = (enum hm_mode)mode;
	mc->flags = flags;
	mc->align = a;
	mc->stride = ((size < 8 ? 8 : size) + a - 1) & ~(a - 1);
	m.ncache++;
}

static void do_cache_alloc(int ci)
{
	void *p;

	if (ci < 0 || m.nobj == MAX_OBJS)
		return;
	p = hm_cache_alloc(m.cache[ci].c);
	expect_errors(0, "hm_cache_alloc");
	if (!p) {
		if (!m.faults)
			fail("hm_cache_alloc(%s) returned NULL", m.cache[ci].name);
		return;
	}
	obj_add(p, m.cache[ci].stride, ci, 0);
}

static void op_free_wrong(struct rd *r)
{
	int i = pick_obj(r, false), c = pick_cache(r);
	struct obj *o;

	if (i < 0 || c < 0)
		return;
	o = &m.obj[i];
	if (o->cache == c) {
		if (m.ncache < 2)
			return;
		c = (c + 1) % (int)m.ncache;
	}
	hm_cache_free(m.cache[c].c, o->p);
	expect_errors(1, "free to the wrong cache");
	obj_check(o, "after a refused wrong-cache free");
}

static void op_bulk_alloc(struct rd *r)
{
	int ci = pick_cache(r);
	void *ptrs[MAX_BULK + 1];
	size_t n = u8(r) % (MAX_BULK + 1), got, i;

	if (ci < 0)
		return;
	if (n > MAX_OBJS - m.nobj)
		n = MAX_OBJS - m.nobj;
	ptrs[n] = (void *)0x5a5a;
	got = hm_cache_alloc_bulk(m.cache[ci].c, n, ptrs);
	expect_errors(0, "hm_cache_alloc_bulk");
	if (ptrs[n] != (void *)0x5a5a)
		fail("hm_cache_alloc_bulk wrote past %zu entries", n);
	if (got != n) {
		if (got || !m.faults)
			fail("hm_cache_alloc_bulk(%zu) returned %zu", n, got);
		m.uncertain = true;	/* rolled back: slabs it took are unseen */
		return;
	}
	for (i = 0; i < n; i++)
		obj_add(ptrs[i], m.cache[ci].stride, ci, 0);
}

static void op_bulk_free(struct rd *r)
{
	int ci = pick_cache(r);
	unsigned int k = u8(r) % 33, nulls = u8(r), bad = u8(r), n = 0, i, j;
	void *ptrs[2 * 33 + 2];
	unsigned char foreign[8];
	long errs = 0;

	if (ci < 0)
		return;
	for (i = 0; i < m.nobj && n < k; i++) {
		struct obj *o = &m.obj[i];

		if (o->cache != ci || o->orphan)
			continue;
		obj_check(o, "before bulk free");
		ptrs[n++] = o->p;
		if (nulls & (1U << (n % 8)))
			ptrs[n++] = NULL;
	}
	if (bad % 8 == 0) {
		ptrs[n++] = foreign;
		errs = 1;
	}
	hm_cache_free_bulk(m.cache[ci].c, n, ptrs);
	expect_errors(errs, "hm_cache_free_bulk");
	for (j = 0; j < n; j++) {
		int at = ptrs[j] && ptrs[j] != (void *)foreign ? obj_find(ptrs[j]) : -1;

		if (at >= 0)
			obj_del((unsigned int)at);
	}
}

static void destroy_cache(int ci, bool allow_orphans)
{
	struct mcache *mc = &m.cache[ci];
	uintptr_t slabs[MAX_OBJS];
	unsigned long live = 0, got, nslabs = 0;
	unsigned int i, k;

	if (!allow_orphans || orphan_slabs >= ORPHAN_BUDGET) {
		for (i = m.nobj; i-- > 0;)
			if (m.obj[i].cache == ci && !m.obj[i].orphan)
				free_obj(i, true);
	}
	for (i = 0; i < m.nobj; i++) {
		uintptr_t s = (uintptr_t)m.obj[i].p & ~(GRANULE - 1);

		if (m.obj[i].cache != ci || m.obj[i].orphan)
			continue;
		live++;
		for (k = 0; k < nslabs && slabs[k] != s; k++)
			;
		if (k == nslabs)
			slabs[nslabs++] = s;
	}
	got = hm_cache_destroy(mc->c);
	/* one report per slab kept for its live objects */
	expect_errors((long)nslabs, "hm_cache_destroy");
	if (got != live)
		fail("hm_cache_destroy(%s) found %lu live objects, expected %lu", mc->name, got, live);
	orphan_slabs += nslabs;
	/* its slabs are gone, or kept for the orphans */
	for (i = 0; i < m.ngran; i++)
		if (m.gran[i].kind == G_CACHE && m.gran[i].cache == ci)
			m.gran[i].kind = G_GONE;
	for (i = 0; i < m.nobj; i++) {
		struct obj *o = &m.obj[i];

		if (o->cache != ci)
			continue;
		if (!o->orphan) {
			o->orphan = true;
			gran_get(o->p)->kind = G_ORPHAN;
		}
		o->cache = -2;	/* no model cache any more */
	}
	/* the last cache takes the destroyed one's index */
	if (ci != (int)m.ncache - 1) {
		int last = (int)m.ncache - 1;

		m.cache[ci] = m.cache[last];
		for (i = 0; i < m.nobj; i++)
			if (m.obj[i].cache == last)
				m.obj[i].cache = ci;
		for (i = 0; i < m.ngran; i++)
			if (m.gran[i].kind == G_CACHE && m.gran[i].cache == last)
				m.gran[i].cache = ci;
	}
	m.ncache--;
}

static void op_cache_destroy(struct rd *r)
{
	unsigned int how = u8(r);
	int ci = pick_cache(r);

	if (how % 8 == 0) {
		if (hm_cache_destroy(NULL))
			fail("hm_cache_destroy(NULL) returned non-zero");
		expect_errors(0, "hm_cache_destroy(NULL)");
		return;
	}
	if (ci >= 0)
		destroy_cache(ci, how & 1);
}

/* the model's live counts against the allocator's stats rows */
static void check_stats(void)
{
	static struct hm_stat_row rows[NCLASS + MAX_CACHES + 8];
	unsigned long want[NCLASS] = { 0 }, cwant[MAX_CACHES] = { 0 };
	size_t n, i, c;
	unsigned int k;

	for (k = 0; k < m.nobj; k++) {
		const struct obj *o = &m.obj[k];

		if (o->cls >= 0)
			want[o->cls]++;
		else if (o->cache >= 0)
			cwant[o->cache]++;
	}
	n = hm_stats_snapshot(rows, ARRAY_SIZE(rows),
			      HM_STATS_CLASSES | HM_STATS_CACHES);
	if (n < NCLASS || n != NCLASS + m.ncache)
		fail("stats: %zu rows, expected %u", n, NCLASS + m.ncache);
	for (i = 0; i < NCLASS; i++)
		if (rows[i].objs_inuse != want[i] || rows[i].size != hm_user_class_size(i))
			fail("stats: class %s (%u) has %lu in use, expected %lu",
			     rows[i].name, rows[i].size, rows[i].objs_inuse, want[i]);
	for (c = 0; c < m.ncache; c++) {
		for (i = NCLASS; i < n; i++)
			if (!strncmp(rows[i].name, m.cache[c].name, sizeof(rows[i].name) - 1))
				break;
		if (i == n)
			fail("stats: no row for cache %s", m.cache[c].name);
		if (rows[i].objs_inuse != cwant[c])
			fail("stats: cache %s has %lu in use, expected %lu",
			     m.cache[c].name, rows[i].objs_inuse, cwant[c]);
		if (strcmp(rows[i].mode, hm_mode_str(m.cache[c].mode)))
			fail("stats: cache %s in mode %s, expected %s", m.cache[c].name,
			     rows[i].mode, hm_mode_str(m.cache[c].mode));
	}
}

static void check_valid(const char *when)
{
	long problems = hm_validate(NULL);

	if (problems)
		fail("%s: hm_validate found %ld problems", when, problems);
	expect_errors(0, "hm_validate");
	check_stats();
}

static void op_check(void)
{
	unsigned int i;

	for (i = 0; i < m.nobj; i++) {
		const struct obj *o = &m.obj[i];
		size_t got = hm_malloc_usable_size(o->p);

		obj_check(o, "check");
		if (got != (o->orphan ? 0 : o->usable))
			fail("usable size of %p is %zu, expected %zu", (void *)o->p, got,
			     o->orphan ? 0 : o->usable);
		/* an object of a destroyed cache is no live object: reported */
		expect_errors(o->orphan ? 1 : 0, "hm_malloc_usable_size");
	}
	if (hm_malloc_usable_size(NULL))
		fail("usable size of NULL is not 0");
	expect_errors(0, "hm_malloc_usable_size(NULL)");
	if (hm_malloc_usable_size(static_area))
		fail("usable size of a foreign pointer is not 0");
	expect_errors(1, "hm_malloc_usable_size of a foreign pointer");
}

/* ---- helper threads: allocations and remote frees ---------------------- */

struct plan {
	unsigned int nalloc, nfree;
	int acache[16];		/* -1: hm_malloc(asize) */
	size_t asize[16];
	void *got[16];
	unsigned int fidx[16];
	void *fptr[16];
	bool flush;
};

static void *helper(void *arg)
{
	struct plan *pl = arg;
	unsigned int i;

	for (i = 0; i < pl->nalloc; i++)
		pl->got[i] = pl->acache[i] >= 0 ? hm_cache_alloc(m.cache[pl->acache[i]].c)
						: hm_malloc(pl->asize[i]);
	for (i = 0; i < pl->nfree; i++) {
		const struct obj *o = &m.obj[pl->fidx[i]];

		if (o->cache >= 0 && (i & 1))
			hm_cache_free(m.cache[o->cache].c, pl->fptr[i]);
		else
			hm_free(pl->fptr[i]);
	}
	if (pl->flush)
		hm_thread_flush();
	return NULL;	/* exit: the thread's contexts are abandoned */
}

static void op_thread(struct rd *r)
{
	struct plan pl;
	unsigned int i, j, id = ++m.helpers;
	pthread_t t;

	memset(&pl, 0, sizeof(pl));
	pl.nalloc = u8(r) % 17;
	for (i = 0; i < pl.nalloc; i++) {
		unsigned int sel = u8(r), v = u16(r);

		pl.acache[i] = -1;
		if (sel % 3 == 0 && m.ncache)
			pl.acache[i] = (int)((sel / 3) % m.ncache);
		else
			pl.asize[i] = sel % 3 == 1 ? v % 1025 : 1025 + v % 8192;
	}
	pl.nfree = u8(r) % 17;
	for (i = j = 0; i < pl.nfree; i++) {
		int k = pick_obj(r, false);
		unsigned int x;

		if (k < 0)
			continue;
		for (x = 0; x < j && pl.fidx[x] != (unsigned int)k; x++)
			;
		if (x < j)
			continue;	/* once each */
		obj_check(&m.obj[k], "before a remote free");
		pl.fidx[j] = (unsigned int)k;
		pl.fptr[j] = m.obj[k].p;
		j++;
	}
	pl.nfree = j;
	pl.flush = u8(r) & 1;
	if (m.helpers > MAX_HELPERS)
		return;
	if (m.nobj + pl.nalloc > MAX_OBJS)
		pl.nalloc = MAX_OBJS - m.nobj;
	if (pthread_create(&t, NULL, helper, &pl))
		return;
	pthread_join(t, NULL);
	expect_errors(0, "helper thread");

	for (i = 0; i < pl.nalloc; i++)
		if (pl.acache[i] >= 0)
			m.cache[pl.acache[i]].tainted = true;
	for (i = 0; i < pl.nfree; i++)
		if (m.obj[pl.fidx[i]].cache >= 0)
			m.cache[m.obj[pl.fidx[i]].cache].tainted = true;
	/* drop the freed ones, highest index first (obj_del moves the last) */
	for (i = 0; i < pl.nfree; i++)
		for (j = i + 1; j < pl.nfree; j++)
			if (pl.fidx[j] > pl.fidx[i]) {
				unsigned int x = pl.fidx[i];

				pl.fidx[i] = pl.fidx[j];
				pl.fidx[j] = x;
			}
	for (i = 0; i < pl.nfree; i++)
		obj_del(pl.fidx[i]);
	for (i = 0; i < pl.nalloc; i++) {
		if (!pl.got[i]) {
			if (!m.faults)
				fail("helper allocation %u returned NULL", i);
			continue;
		}
		if (pl.acache[i] >= 0)
			obj_add(pl.got[i], m.cache[pl.acache[i]].stride, pl.acache[i], id);
		else
			obj_add(pl.got[i], pl.asize[i], -1, id);
	}
}

static void op_faults(struct rd *r)
{
	unsigned int v = u8(r);

	m.faults = v % 4 != 0;
	__atomic_store_n(&hm_user_fail_every, m.faults ? 1 + v % 8 : 0, __ATOMIC_RELAXED);
}

/*
 * The run-time debug switches (hm_set_debug): poisoning and tracking must
 * change no result; text it does not know is refused with -1.  xowner is
 * left alone (it reports every remote free); "off" may also switch off a
 * freelist cache's checks, so freelist double frees stop being generated.
 */
static void op_debug(struct rd *r)
{
	static const char *const sw[] = {
		"poison=1", "track=1", "poison=1 track=1", "checks=1", "off",
		"poison=0 track=0", "bogus=1", "poison=1 frobnicate=1",
	};
	unsigned int sel = u8(r) % 8;
	int c = pick_cache(r), ret;

	ret = hm_set_debug(c >= 0 && (sel & 1) ? m.cache[c].c : NULL, sw[sel]);
	expect_errors(0, "hm_set_debug");
	if (ret != (sel >= 6 ? -1 : 0))
		fail("hm_set_debug(\"%s\") returned %d", sw[sel], ret);
	m.debug = true;
}

/* ---- one input --------------------------------------------------------- */

static void reset_model(void)
{
	memset(&m, 0, sizeof(m));
	err_base = hm_error_count();
	handler_base = __atomic_load_n(&handler_calls, __ATOMIC_RELAXED);
}

static void cleanup(void)
{
	unsigned int i;

	__atomic_store_n(&hm_user_fail_every, 0, __ATOMIC_RELAXED);
	m.faults = false;
	if (m.debug && hm_set_debug(NULL, "off"))
		fail("hm_set_debug(NULL, \"off\") refused");
	for (i = m.nobj; i-- > 0;)
		if (!m.obj[i].orphan)
			free_obj(i, i & 1);
	while (m.ncache)
		destroy_cache((int)m.ncache - 1, false);
	m.nobj = 0;		/* orphans: their memory is kept for good */
	hm_thread_flush();
	check_valid("end of input");
	hm_trim();
	expect_errors(0, "cleanup");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size, 0 };
	unsigned int ops = 0;

	reset_model();
	while (r.i < r.n && ops < MAX_OPS) {
		enum op op = (enum op)(u8(&r) % OP_NR);

		ops++;
		m.seq++;
		if (verbose > 1)
			fprintf(stderr, "op %u: %s (objects %u, caches %u, refused so far %ld)\n",
				ops, op_name[op], m.nobj, m.ncache, m.expect_errors);
		switch (op) {
		case OP_MALLOC:
			do_malloc(u16(&r) % (MAX_CLASS + 1));
			break;
		case OP_MALLOC_ODD:
			op_malloc_odd(&r);
			break;
		case OP_FREE:
			op_free(&r);
			break;
		case OP_FREE_STALE:
			op_free_stale(&r);
			break;
		case OP_FREE_FOREIGN:
			op_free_foreign(&r);
			break;
		case OP_FREE_INTERIOR:
			op_free_interior(&r);
			break;
		case OP_CACHE_CREATE:
			op_cache_create(&r);
			break;
		case OP_CACHE_ALLOC:
			do_cache_alloc(pick_cache(&r));
			break;
		case OP_FREE_WRONG:
			op_free_wrong(&r);
			break;
		case OP_BULK_ALLOC:
			op_bulk_alloc(&r);
			break;
		case OP_BULK_FREE:
			op_bulk_free(&r);
			break;
		case OP_CACHE_DESTROY:
			op_cache_destroy(&r);
			break;
		case OP_TRIM:
			hm_trim();
			expect_errors(0, "hm_trim");
			break;
		case OP_FLUSH:
			hm_thread_flush();
			expect_errors(0, "hm_thread_flush");
			break;
		case OP_VALIDATE:
			check_valid("validate op");
			break;
		case OP_CHECK:
			op_check();
			break;
		case OP_THREAD:
			op_thread(&r);
			break;
		case OP_FAULTS:
			op_faults(&r);
			break;
		case OP_DEBUG:
			op_debug(&r);
			break;
		default:
			break;
		}
	}
	cleanup();
	if (verbose)
		fprintf(stderr, "fuzz_hakmem: %zu bytes, %u ops: %lu allocations, %lu frees, %ld refused as expected, %u caches, %u threads, %lu double frees skipped\n",
			size, ops, m.allocs, m.frees, m.expect_errors, m.creates, m.helpers, m.skipped);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/*
	 * One CPU for the process: helper threads start and exit at once and
	 * munmap needs no TLB shootdown; in a small VM this is 5x the
	 * executions a second.  FUZZ_NO_PIN=1 leaves the affinity alone.
	 */
	if (!fuzz_env_num("FUZZ_NO_PIN", 1)) {
		cpu_set_t set;
		int cpu = sched_getcpu();

		CPU_ZERO(&set);
		CPU_SET(cpu < 0 ? 0 : cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	unsetenv("HAKMEM_ABORT_ON_ERROR");
	unsetenv("HAKMEM_FAIL_EVERY");
	verbose = fuzz_env_num("FUZZ_VERBOSE", 2);
	hm_set_error_handler(on_error, NULL);
	class_mode = hm_default_mode();
	return 0;
}

#ifdef FUZZ_STANDALONE
/*
 * The driver: fuzz_hakmem [-n N] [-s SEED] [--mkcorpus DIR] [FILE|DIR]...
 * replays every file given (a directory: each file in it), then runs N
 * random inputs.
 */
#include <dirent.h>
#include <sys/stat.h>

/* a file replayed whole, as libFuzzer replays it (it was cut at 64 KiB) */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *more;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	do {			/* a short read is the end, or an error */
		cap = cap ? 2 * cap : 1 << 16;
		more = realloc(buf, cap);
		if (!more) {
			fprintf(stderr, "%s: no memory for %zu bytes\n", path, cap);
			ret = -1;
			break;
		}
		buf = more;
		n += fread(buf + n, 1, cap - n, f);
	} while (n == cap);
	if (!ret && ferror(f)) {
		perror(path);
		ret = -1;
	}
	fclose(f);
	if (!ret)
		LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return ret;
}

static int run_path(const char *path, unsigned long *files)
{
	struct stat st;
	struct dirent *de;
	char sub[4096];
	DIR *d;
	int ret = 0;

	if (stat(path, &st)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*files)++;
		return run_file(path);
	}
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (!stat(sub, &st) && S_ISREG(st.st_mode)) {
			(*files)++;
			ret |= run_file(sub);
		}
	}
	closedir(d);
	return ret;
}

/* ---- the seed corpus: a few hand-written operation sequences ---------- */

struct wr {
	uint8_t b[4096];
	size_t n;
};

static void put(struct wr *w, unsigned int n, ...)
{
	va_list ap;

	va_start(ap, n);
	while (n--) {
		unsigned int v = va_arg(ap, unsigned int);

		if (w->n < sizeof(w->b))
			w->b[w->n++] = (uint8_t)v;
	}
	va_end(ap);
}

static int save(const char *dir, const char *name, const struct wr *w)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(w->b, 1, w->n, f) != w->n) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

/* encoders, one per operation the seeds use (see the decoders above) */
static void e_create(struct wr *w, unsigned int size_idx, unsigned int mode,
		     unsigned int align_sel, unsigned int flags)
{
	put(w, 8, OP_CACHE_CREATE, 1 + 2 * size_idx, mode, align_sel, flags, 0, 0, 0);
}

static void e_u16(struct wr *w, unsigned int op, unsigned int v)
{
	put(w, 3, op, v & 0xff, v >> 8);
}

static void e_free(struct wr *w, unsigned int idx, unsigned int how)
{
	put(w, 4, OP_FREE, idx & 0xff, idx >> 8, how);
}

static int mkcorpus(const char *dir)
{
	struct wr w;
	unsigned int i, mode;
	int ret = 0;

	/* every class and its edges, then all freed, validated */
	memset(&w, 0, sizeof(w));
	for (i = 0; i < 8; i++) {
		e_u16(&w, OP_MALLOC, 8U << i);
		e_u16(&w, OP_MALLOC, (4U << i) + 1);
	}
	for (i = 0; i < 17; i++)
		put(&w, 4, OP_MALLOC_ODD, i * 4, 0, 0);
	put(&w, 2, OP_VALIDATE, OP_CHECK);
	for (i = 0; i < 20; i++)
		e_free(&w, i, i & 1);
	put(&w, 1, OP_VALIDATE);
	ret |= save(dir, "seed-classes", &w);

	/* a cache in each mode (64 bytes, align 16; freelist with checks) */
	memset(&w, 0, sizeof(w));
	for (mode = 0; mode < 3; mode++) {
		e_create(&w, 6, mode, 5, mode == 1 ? 2 : 0);
		put(&w, 2, OP_CACHE_ALLOC, mode);
		put(&w, 3, OP_BULK_ALLOC, mode, 40);
		put(&w, 2, OP_CACHE_ALLOC, mode);
	}
	put(&w, 2, OP_VALIDATE, OP_CHECK);
	for (mode = 0; mode < 3; mode++)
		put(&w, 5, OP_BULK_FREE, mode, 20, 0x55, 1);
	put(&w, 4, OP_TRIM, OP_FLUSH, OP_VALIDATE, OP_CHECK);
	ret |= save(dir, "seed-caches", &w);

	/* refused frees: double, foreign, interior, wrong cache; bad creates */
	memset(&w, 0, sizeof(w));
	e_create(&w, 7, 0, 0, 0);		/* bitmap, 100 bytes */
	e_create(&w, 4, 2, 4, 0);		/* hybrid, 24 bytes, align 8 */
	e_create(&w, 6, 1, 3, 2);		/* freelist with checks, 64 */
	e_create(&w, 0, 0, 0, 0);		/* size 0: refused */
	e_create(&w, 11, 2, 0, 0);		/* 4097: refused */
	e_create(&w, 3, 0, 14, 0);		/* align 24: refused */
	for (i = 0; i < 12; i++) {
		e_u16(&w, OP_MALLOC, 10 + 40 * i);
		put(&w, 2, OP_CACHE_ALLOC, i % 3);
	}
	for (i = 0; i < 8; i++) {
		e_free(&w, 3 * i, i & 1);
		put(&w, 3, OP_FREE_STALE, i, 0);
		put(&w, 8, OP_FREE_FOREIGN, i + 8 * i, i & 1, 0, 0, i, 0, i % 3);
		put(&w, 6, OP_FREE_INTERIOR, i, 0, 6 + i, 0, i & 1);
		put(&w, 6, OP_FREE_INTERIOR, i, 0, 10, 0, 1);
		put(&w, 4, OP_FREE_WRONG, i + 1, 0, i % 3);
	}
	put(&w, 2, OP_VALIDATE, OP_CHECK);
	ret |= save(dir, "seed-bad-frees", &w);

	/* helper threads: remote frees, abandoned and adopted contexts */
	memset(&w, 0, sizeof(w));
	e_create(&w, 6, 1, 0, 2);
	e_create(&w, 5, 2, 0, 0);
	for (i = 0; i < 16; i++) {
		e_u16(&w, OP_MALLOC, 30 * i);
		put(&w, 2, OP_CACHE_ALLOC, i % 2);
	}
	for (i = 0; i < 4; i++) {
		put(&w, 2, OP_THREAD, 6);		/* six allocations: */
		put(&w, 3, 1, 100, 0);			/* class, 100 bytes */
		put(&w, 3, 0, 0, 0);			/* cache 0 */
		put(&w, 3, 3, 0, 0);			/* cache 1 */
		put(&w, 3, 2, 0x40, 0);			/* large */
		put(&w, 3, 1, 8, 0);
		put(&w, 3, 1, 200, 3);
		put(&w, 11, 5, 0, 0, 3, 0, 6, 0, 9, 0, 12, 0);	/* five frees */
		put(&w, 1, i & 1);			/* flush */
		e_free(&w, 0, 1);
		put(&w, 3, OP_FREE_STALE, 0, 0);
	}
	put(&w, 4, OP_TRIM, OP_VALIDATE, OP_CHECK, OP_FLUSH);
	ret |= save(dir, "seed-threads", &w);

	/* destroy with live objects, then frees of the orphans */
	memset(&w, 0, sizeof(w));
	for (mode = 0; mode < 3; mode++) {
		e_create(&w, 8, mode, 6, 0);
		put(&w, 3, OP_BULK_ALLOC, 0, 30);
		put(&w, 3, OP_CACHE_DESTROY, 1, 0);	/* keeps live objects */
		e_free(&w, 0, 0);
		put(&w, 6, OP_FREE_INTERIOR, 1, 0, 9, 0, 0);
	}
	put(&w, 5, OP_CACHE_DESTROY, 0, 0, OP_VALIDATE, OP_CHECK);
	ret |= save(dir, "seed-destroy", &w);

	/* fault injection on and off, bulk all-or-nothing, recovery */
	memset(&w, 0, sizeof(w));
	e_create(&w, 9, 2, 0, 0);
	for (i = 1; i < 9; i++) {
		put(&w, 2, OP_FAULTS, i);
		put(&w, 3, OP_BULK_ALLOC, 0, 64);
		put(&w, 4, OP_MALLOC_ODD, 1, 0x10, 0);
		e_u16(&w, OP_MALLOC, 0x3ff);
		e_free(&w, i, 0);
	}
	put(&w, 2, OP_FAULTS, 0);
	put(&w, 3, OP_BULK_ALLOC, 0, 64);
	put(&w, 2, OP_VALIDATE, OP_CHECK);
	ret |= save(dir, "seed-faults", &w);

	/* debug switches flipped between allocations and bad frees */
	memset(&w, 0, sizeof(w));
	e_create(&w, 6, 0, 0, 0);
	e_create(&w, 6, 2, 0, 0);
	for (i = 0; i < 8; i++) {
		put(&w, 3, OP_DEBUG, i, i % 2);
		e_u16(&w, OP_MALLOC, 24 + 100 * i);
		put(&w, 2, OP_CACHE_ALLOC, i % 2);
		put(&w, 3, OP_BULK_ALLOC, i % 2, 10);
		e_free(&w, i, i & 1);
		put(&w, 3, OP_FREE_STALE, 0, 0);
		put(&w, 6, OP_FREE_INTERIOR, i, 0, 3, 0, 0);
	}
	put(&w, 3, OP_VALIDATE, OP_CHECK, OP_TRIM);
	ret |= save(dir, "seed-debug", &w);
	return ret;
}

/* a whole unsigned decimal number, or exit 2: "abc" must not be 0 runs */
static uint64_t num(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = s ? strtoull(s, &end, 10) : 0;
	if (!s || errno || end == s || *end || strchr(s, '-')) {
		fprintf(stderr, "fuzz_hakmem: %s wants a number, not '%s'\n", opt, s ? s : "");
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long random_runs = 0, files = 0, i;
	uint64_t seed = 1;
	int a, ret = 0, dashdash = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (a = 1; a < argc; a++) {
		if (dashdash) {
			/* after --, every word is a path: "-n" and "-x" too */
			ret |= run_path(argv[a], &files);
		} else if (!strcmp(argv[a], "--mkcorpus")) {
			if (a + 1 >= argc) {
				fprintf(stderr, "fuzz_hakmem: --mkcorpus wants a directory\n");
				return 2;
			}
			return mkcorpus(argv[++a]) ? 1 : 0;
		} else if (!strcmp(argv[a], "-n")) {
			random_runs = (unsigned long)num("-n", argv[++a]);
		} else if (!strcmp(argv[a], "-s")) {
			seed = num("-s", argv[++a]);
			/* xorshift stays at 0: every input would be one zero byte */
			if (!seed) {
				fprintf(stderr, "fuzz_hakmem: -s wants a seed other than 0\n");
				return 2;
			}
		} else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			puts("usage: fuzz_hakmem [-n N] [-s SEED] [--mkcorpus DIR] [--] [PATH]...");
			return 0;
		} else if (!strcmp(argv[a], "--")) {
			dashdash = 1;
		} else if (argv[a][0] == '-' && argv[a][1]) {
			/* was a file of that name: "No such file", exit 1 */
			fprintf(stderr, "fuzz_hakmem: unknown option '%s'\n", argv[a]);
			return 2;
		} else {
			ret |= run_path(argv[a], &files);
		}
	}
	for (i = 0; i < random_runs; i++) {
		static uint8_t buf[2048];
		size_t n, k;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		n = 1 + seed % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			buf[k] = (uint8_t)(seed >> 24);
		}
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("fuzz_hakmem (standalone, classes %s): %lu files, %lu random inputs: %s\n",
	       hm_mode_str(class_mode), files, random_runs,
	       ret ? "FAIL (a file or directory could not be read)" : "ok");
	/* a summary that never arrived is not a pass (>/dev/full: exit 0) */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "fuzz_hakmem: FAIL: write error on stdout\n");
		return 1;
	}
	return ret ? 1 : 0;
}
#endif /* FUZZ_STANDALONE */
