// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hakmem.c - libhakmem: per-thread contexts over the common core.
 *
 * Each thread finds its context for a cache in thread-local storage: a
 * direct slot for the eight built-in classes, a small table keyed by the
 * cache's unique id for caches created through the API.  A thread's
 * contexts are flushed and abandoned when it exits (a pthread key
 * destructor); the next new thread adopts them with their slabs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>

#include "hakmem.h"
#include "hm_cache.h"
#include "hm_validate.h"
#include "hm_frag.h"
#include "hm_fit.h"
#include "hm_learn.h"
#include "hm_adapt.h"
#include "hm_user.h"
#include "hm_user_text.h"

#define HM_TLS_SLOTS	64	/* per-thread table of created caches */

struct hm_tls_slot {
	u64 id;
	struct hm_cctx *cc;
};

struct hm_tls {
	struct hm_cctx *cls[HM_USER_CLASSES];
	u32 tid;		/* == ctx_id of every context this thread uses */
	u32 key_id;		/* its unique slab key (hm_key_new()), or 0: tid */
	u64 slab_key;		/* hm_slab_key() of either, 0 when not attached */
	bool key_set;
	/*
	 * Its exit destructor ran: a free attaches no context now, since it
	 * may come after the destructors' last round (glibc frees a thread's
	 * strerror() and dlerror() buffers then), and nothing would ever
	 * abandon that context.  An allocation still attaches (and re-arms
	 * the destructor).  Its reader slot goes back too, for good
	 * (hm_user_reader_exit_thread()).
	 */
	bool exited;
	struct hm_thread_note *note;	/* while it holds contexts: hm_thread_note() */
	bool caches_held;	/* it holds hm_caches_lock: reports wait (hm_caches_take()) */
	/*
	 * What a free in its bracket leaves for after it (hm_free_unowned()):
	 * a cache to attach a context for (and the free to make again), or
	 * HM_FREE_OTHER; NULL: nothing.  Not return values: the free paths
	 * stay tail calls, and nothing is kept across them.
	 */
	struct hm_cache *after_bracket;
	void *after_ptr;
	unsigned long after_ip;
	struct hm_tls_slot slot[HM_TLS_SLOTS];
};

/*
 * What hm_tls.cls[] holds for a class the thread has no context for yet
 * (mimalloc's empty heap): its route is no mode and none of the special
 * ones, so hm_cctx_alloc_try() gives up on it and hm_malloc() needs no
 * NULL test.  Never written.
 */
#define HM_ROUTE_NONE	0x10
_Static_assert(HM_ROUTE_NONE >= HM_MODE_NR && !(HM_ROUTE_NONE & HM_ROUTES_SPECIAL),
	       "hm_cctx_none's route is no other");
static struct hm_cctx hm_cctx_none = { .route = HM_ROUTE_NONE };

/*
 * malloc's classes: the core's eight, 8 to 1024 bytes, and eleven medium
 * ones (hm_user.h): 2 and 4 KiB, 31 and 15 blocks to a 64 KiB slab, and
 * nine from 4608 to 10816 bytes, 14 down to 6 to a slab.  As large
 * objects, each of those took a 64 KiB chunk of its own: twice the memory
 * up to 4 KiB, a mapping each (100 000 objects of 2 KiB reached
 * vm.max_map_count) and system calls; past 4 KiB the pages through the
 * object's end and its header: 1.8 times glibc's memory at 4608 bytes,
 * 1.5 at 8 KiB (three pages).  Past 10816 bytes a slab holds five blocks
 * at most, 13 107 bytes each, more than the three pages of a large object
 * up to 12 224 bytes: objects stay large from there.  hm_malloc()'s fast
 * path indexes the core's table; the medium classes take its slow path.
 */
_Static_assert(HM_USER_CLASSES == HM_NR_CLASSES + HM_USER_MEDIUM &&
	       HM_USER_MAX_CLASS <= HM_MAX_SLAB_OBJ_SIZE && HM_USER_MAX_CLASS % 64 == 0 &&
	       HM_USER_MAX_ALIGN == HM_MAX_OBJ_SIZE,
	       "the medium classes are slab classes");
/* each medium size: past the core's classes, a multiple of 64 bytes */
#define HM_MEDIUM_CHECK(a, size)	&& (size) > HM_MAX_CLASS_SIZE && (size) % 64 == 0
_Static_assert(1 HM_USER_MEDIUM_SIZES(HM_MEDIUM_CHECK, ), "a medium size is a slab class's");

/*
 * A medium size's class, by its size in 64-byte units rounded up:
 * hm_medium_class_table[k] is the core's eight classes and each medium
 * one smaller than 64 * k bytes (HM_USER_MEDIUM_SIZES is in ascending
 * order), from class 8 for 1025..2048 bytes to 18 for 9281..10816.  The
 * entries of 1024 bytes and less, and past HM_USER_MAX_CLASS, are never
 * read (hm_user_class()).  HM_MEDIUM_T<n>(k): the entries k to k + n - 1.
 */
#define HM_MEDIUM_BELOW(k, size)	+ ((size) < 64 * (k))
#define HM_MEDIUM_T1(k)		(HM_NR_CLASSES HM_USER_MEDIUM_SIZES(HM_MEDIUM_BELOW, k)),
#define HM_MEDIUM_T2(k)		HM_MEDIUM_T1(k) HM_MEDIUM_T1((k) + 1)
#define HM_MEDIUM_T4(k)		HM_MEDIUM_T2(k) HM_MEDIUM_T2((k) + 2)
#define HM_MEDIUM_T8(k)		HM_MEDIUM_T4(k) HM_MEDIUM_T4((k) + 4)
#define HM_MEDIUM_T16(k)	HM_MEDIUM_T8(k) HM_MEDIUM_T8((k) + 8)
#define HM_MEDIUM_T32(k)	HM_MEDIUM_T16(k) HM_MEDIUM_T16((k) + 16)
#define HM_MEDIUM_T64(k)	HM_MEDIUM_T32(k) HM_MEDIUM_T32((k) + 32)
#define HM_MEDIUM_T128(k)	HM_MEDIUM_T64(k) HM_MEDIUM_T64((k) + 64)
#define HM_MEDIUM_T256(k)	HM_MEDIUM_T128(k) HM_MEDIUM_T128((k) + 128)
_Static_assert(HM_USER_MAX_CLASS / 64 < 256, "hm_medium_class_table[] spans the classes");
static const u8 hm_medium_class_table[256] = { HM_MEDIUM_T256(0) };

/* the class of an object of @size <= HM_USER_MAX_CLASS bytes */
static __always_inline unsigned int hm_user_class(size_t size)
{
	if (size <= HM_MAX_CLASS_SIZE)
		return hm_size_to_class(size);
	return hm_medium_class_table[(size + 63) / 64];
}

unsigned int hm_user_size_class(size_t size)
{
	return hm_user_class(size);
}

/*
 * initial-exec: one %fs-relative access, in libhakmem.so too, instead of a
 * call to __tls_get_addr per malloc (mimalloc does the same).  The price:
 * a dlopen()ed libhakmem.so needs this much of glibc's static TLS surplus.
 */
static __thread struct hm_tls hm_tls __attribute__((tls_model("initial-exec"))) = {
	.cls = { [0 ... HM_USER_CLASSES - 1] = &hm_cctx_none },
};
static pthread_once_t hm_once = PTHREAD_ONCE_INIT;
/*
 * Held through hm_init(): a fork() waits for a set-up another thread is
 * in the middle of (hm_fork_prepare()), whose locks the child would find
 * taken, and whose pthread_once() it would run again.  First in the lock
 * order.
 */
static pthread_mutex_t hm_init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t hm_exit_key;
static pthread_mutex_t hm_caches_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hm_cache *hm_classes[HM_USER_CLASSES];
static struct hm_cache *hm_caches;	/* created through the API */
/* serializes switch changes; taken before hm_caches_lock */
static pthread_mutex_t hm_debug_lock = PTHREAD_MUTEX_INITIALIZER;
/* the switches of hm_set_debug(NULL, ...): caches created later get them */
static unsigned int hm_debug_global;
static enum hm_mode hm_mode_default = HM_MODE_DEFAULT;
static hm_error_handler_t hm_err_fn;
static void *hm_err_arg;
static bool hm_abort_on_error;

long *volatile hm_user_error_counter;
unsigned long hm_user_fail_every;
unsigned long hm_user_meta_fail_every;
long hm_user_chunks_live;
static unsigned long hm_chunk_requests;
static unsigned long hm_meta_requests;

/* ---- platform hooks -------------------------------------------------- */

/* Is this request, counted in @requests, one that @every says must fail? */
static bool hm_user_fault(const unsigned long *every_p, unsigned long *requests)
{
	unsigned long every = __atomic_load_n(every_p, __ATOMIC_RELAXED);

	return every && (__atomic_add_fetch(requests, 1, __ATOMIC_RELAXED) % every) == 0;
}

bool hm_user_chunk_fault(void)
{
	return hm_user_fault(&hm_user_fail_every, &hm_chunk_requests);
}

/* hm_user_meta_faults()'s thread, whose requests alone count (0: every thread's) */
static pid_t hm_meta_fault_tid;

bool hm_user_meta_fault(void)
{
	pid_t only = __atomic_load_n(&hm_meta_fault_tid, __ATOMIC_RELAXED);

	if (likely(!__atomic_load_n(&hm_user_meta_fail_every, __ATOMIC_RELAXED)) ||
	    (only && only != gettid()))
		return false;
	return hm_user_fault(&hm_user_meta_fail_every, &hm_meta_requests);
}

/* tests: every @every-th metadata request of this thread fails, counted from now */
void hm_user_meta_faults(unsigned long every)
{
	__atomic_store_n(&hm_user_meta_fail_every, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm_meta_requests, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm_meta_fault_tid, every ? gettid() : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm_user_meta_fail_every, every, __ATOMIC_RELAXED);
}

/* tests: every @every-th chunk request fails, counted from now */
void hm_user_chunk_faults(unsigned long every)
{
	__atomic_store_n(&hm_user_fail_every, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm_chunk_requests, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm_user_fail_every, every, __ATOMIC_RELAXED);
}

/*
 * HAKMEM_TEST_SWITCH_PAUSE=us: hm_set_debug() sleeps between the steps in
 * which it changes each context's switches, so that threads running
 * meanwhile see them half changed, as they rarely would otherwise.
 */
static unsigned int hm_user_switch_pause_us;

const char *hm_user_env_show(const char *s, char *buf)
{
	size_t i, k = 0;

	for (i = 0; s[i] && i < HM_USER_ENV_SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			k += (size_t)snprintf(buf + k, HM_USER_ENV_SHOW - k, "\\x%02x", c);
		else
			buf[k++] = (char)c;
	}
	if (s[i])
		memcpy(buf + k, "...", 3), k += 3;
	buf[k] = '\0';
	return buf;
}

/* "hakmem: NAME=value: what", the value on one line (hm_user_env_show()) */
static void hm_user_env_refused(const char *name, const char *s, const char *what)
{
	char show[HM_USER_ENV_SHOW];

	fprintf(stderr, "hakmem: %s=%s: %s\n", name, hm_user_env_show(s, show), what);
}

const char *hm_user_env_word(const char *name, const char *what)
{
	const char *s = secure_getenv(name);

	if (!s || !*s)
		return NULL;
	if (!strchr(s, '\n'))
		return s;
	hm_user_env_refused(name, s, what);
	return NULL;
}

static unsigned long hm_user_env_parse(const char *name, unsigned long min, unsigned long max,
					unsigned long def, bool report)
{
	const char *s = secure_getenv(name);
	int saved = errno;	/* read at a first malloc(): errno is the program's */
	char show[HM_USER_ENV_SHOW];
	unsigned long v;
	bool bad;
	char *end;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 10);	/* decimal: "010" is ten, not octal eight */
	bad = *s < '0' || *s > '9' || *end || errno || v < min || v > max;
	if (bad && report)
		fprintf(stderr, "hakmem: %s=%s: not %lu..%lu; using %lu\n", name,
			hm_user_env_show(s, show), min, max, def);
	errno = saved;
	return bad ? def : v;
}

unsigned long hm_user_env_num(const char *name, unsigned long min, unsigned long max,
			      unsigned long def)
{
	return hm_user_env_parse(name, min, max, def, true);
}

unsigned long hm_user_env_num_quiet(const char *name, unsigned long min, unsigned long max,
				    unsigned long def)
{
	return hm_user_env_parse(name, min, max, def, false);
}

void hm_user_switch_step(void)
{
	if (unlikely(hm_user_switch_pause_us))
		usleep(hm_user_switch_pause_us);
}

void hm_user_chunk_count(long delta)
{
	__atomic_add_fetch(&hm_user_chunks_live, delta, __ATOMIC_RELAXED);
}

bool hm_plat_error_hook(int e)
{
	long *counter = hm_user_error_counter;

	(void)e;
	if (!counter)
		return false;
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
	return true;
}

/* Reports come from free() too, which must leave errno alone. */
/*
 * A report made inside a bracket (hm_plat_read_begin()) reaches the error
 * handler when the thread's last bracket closes: the handler is the
 * program's code, which may wait for a lock whose holder waits, in
 * hakmem, for that bracket (retiring memory, hm_plat_read_sync()).  The
 * messages wait in order, copied; without memory for a copy, or to abort,
 * the handler gets it at once.
 */
struct hm_user_msg {
	struct hm_user_msg *next;
	size_t size;
	char text[];
};

__thread struct hm_user_msg *hm_user_msgs_waiting
	__attribute__((tls_model("initial-exec")));

static bool hm_user_in_bracket(void)
{
	return hm_user_reader_self &&
	       (hm_atomic_read(&hm_user_reader_self->word) & HM_USER_READ_OPEN);
}

static bool hm_user_msg_defer(const char *msg)
{
	size_t size = sizeof(struct hm_user_msg) + strlen(msg) + 1;
	struct hm_user_msg *m, **pp;

	if (!hm_tls.caches_held && !hm_user_in_bracket())
		return false;
	m = hm_plat_meta_alloc(size, HM_GFP_DEFAULT);
	if (!m)
		return false;
	m->size = size;
	memcpy(m->text, msg, size - sizeof(*m));
	for (pp = &hm_user_msgs_waiting; *pp; pp = &(*pp)->next)
		;
	*pp = m;
	return true;
}

/* its last bracket closed, or hm_caches_lock went: the handler gets what waited */
void hm_user_msgs_deliver(void)
{
	struct hm_user_msg *m;
	int saved_errno = errno;

	if (hm_tls.caches_held || hm_user_in_bracket())
		return;		/* the other one's end delivers */
	while ((m = hm_user_msgs_waiting)) {
		hm_user_msgs_waiting = m->next;
		if (hm_err_fn)
			hm_err_fn(m->text, hm_err_arg);
		else
			fprintf(stderr, "hakmem: %s", m->text);
		hm_plat_meta_free(m, m->size);
	}
	errno = saved_errno;
}

void hm_user_error_message(const char *msg)
{
	int saved_errno = errno;

	/* under hm_caches_lock stderr waits too: it may be a stream that calls in */
	if ((hm_err_fn || hm_tls.caches_held) && !hm_abort_on_error && hm_user_msg_defer(msg))
		return;
	if (hm_err_fn)
		hm_err_fn(msg, hm_err_arg);
	else
		fprintf(stderr, "hakmem: %s", msg);
	if (hm_abort_on_error)
		abort();
	errno = saved_errno;
}

void hm_set_error_handler(hm_error_handler_t fn, void *arg)
{
	hm_err_arg = arg;
	hm_err_fn = fn;
}

unsigned long hm_error_count(void)
{
	unsigned long n = 0;
	unsigned int e;

	for (e = 0; e < HM_ERR_NR; e++)
		n += hm_errors(e);
	return n;
}

/* ---- setup and thread exit ------------------------------------------ */

static void hm_thread_exit(void *unused);
static void hm_fork_prepare(void);
static void hm_fork_release(void);
static void hm_fork_child(void);
static int hm_set_debug_locked(struct hm_cache *c, const char *switches, unsigned long ip);
static void hm_dump_diag(struct hm_printer *pr);
static void hm_research_init(void);

/*
 * The fork handlers are registered once: at load for libhakmem.so and
 * libhakmem.a, else (the preload library, which has no constructor, see
 * preload.c) at set-up.  They act once the set-up has made the classes
 * (hm_fork_live); a fork() before that takes no lock, as before they
 * were registered at all.
 */
static bool hm_fork_live;
static bool hm_fork_registered;

static void hm_fork_register(void)
{
	if (!__atomic_exchange_n(&hm_fork_registered, true, __ATOMIC_ACQ_REL))
		pthread_atfork(hm_fork_prepare, hm_fork_release, hm_fork_child);
}

/*
 * glibc runs prepare handlers in the reverse order of their registration,
 * parent and child ones in that order.  Registered at load, before any the
 * program or a library using libhakmem registers (the constructors of a
 * library's users run after its own), libhakmem's prepare handler runs
 * after theirs, which may therefore allocate, as with glibc's malloc.
 * Registered at the first hm_* call, it ran before a handler registered
 * earlier, took every lock, and that handler's hm_malloc() waited for
 * ever.  The first priority a program may use (101): linked from
 * libhakmem.a, this constructor is one of the program's, and the linker
 * runs those in the order of their objects, main()'s first; prioritized
 * ones come before all others (in libhakmem.so it changes nothing).
 */
__attribute__((constructor(101))) static void hm_fork_register_at_load(void)
{
	if (!hm_user_preload)
		hm_fork_register();
}

static void hm_init_locked(void);

/*
 * The set-up ran (under hm_init_lock).  pthread_once() marks it done only
 * after hm_init() returns: a fork() in between (the prepare handler took
 * hm_init_lock once the set-up let it go) left the child's pthread_once()
 * in progress in the parent's fork generation, which glibc's runs again.
 * The child then made a second set of classes, leaking the first, and
 * started a second stats writer and exit hook.
 */
static bool hm_init_done;

/*
 * HAKMEM_TEST_INIT_PAUSE=us: the set-up sleeps this long once it is done
 * but before pthread_once() marks it so, for a test to fork() meanwhile
 */
static unsigned int hm_user_init_pause_us;

static void hm_init(void)
{
	bool ran = false;

	pthread_mutex_lock(&hm_init_lock);
	if (!hm_init_done) {
		hm_init_locked();
		hm_init_done = ran = true;
	}
	pthread_mutex_unlock(&hm_init_lock);
	if (unlikely(ran && hm_user_init_pause_us)) {
		int saved = errno;

		usleep(hm_user_init_pause_us);
		errno = saved;
	}
}

/* what a bad value of HAKMEM_DEBUG, HAKMEM_POLICY is not, and what comes of it */
#define HM_DEBUG_ENV_BAD	"expected poison=0|1 track=0|1 xowner=0|1 checks=0|1 (each once), " \
				"all=0|1 or off (alone), xowner=1 with track=1; ignored"
#define HM_POLICY_ENV_BAD	"not default, first, next, near, best or learn; ignored"

static void hm_init_locked(void)
{
	int saved = errno;	/* a first malloc() that succeeds leaves the program's */
	char name[16], what[64];
	const char *env, *dbg;
	enum hm_mode mode;
	unsigned int i;

	snprintf(what, sizeof(what), "not bitmap, freelist or hybrid; using %s",
		 hm_mode_name(hm_mode_default));
	env = hm_user_env_word("HAKMEM_MODE", what);
	if (env) {
		if (hm_mode_parse(env, &mode))
			hm_mode_default = mode;
		else
			hm_user_env_refused("HAKMEM_MODE", env, what);
	}
	dbg = hm_user_env_word("HAKMEM_DEBUG", HM_DEBUG_ENV_BAD);
	/* read where the flat bitmap is set up, maybe before: reported here */
	hm_user_env_num("HM_FLATMAP", 0, 1, 1);
	hm_abort_on_error = hm_user_env_num("HAKMEM_ABORT_ON_ERROR", 0, 1, 0);
	hm_user_fail_every = hm_user_env_num("HAKMEM_FAIL_EVERY", 0, ULONG_MAX, 0);
	/* a second at most: it runs for every context of every switch change */
	hm_user_switch_pause_us = (unsigned int)hm_user_env_num("HAKMEM_TEST_SWITCH_PAUSE", 0,
								1000000, 0);
	hm_user_init_pause_us = (unsigned int)hm_user_env_num("HAKMEM_TEST_INIT_PAUSE", 0,
							      1000000, 0);
	pthread_key_create(&hm_exit_key, hm_thread_exit);
	hm_user_readers_init();
	for (i = 0; i < HM_USER_CLASSES; i++) {
		unsigned int size = hm_user_class_size(i), align = hm_user_class_align(i);

		snprintf(name, sizeof(name), "hm-%u", size);
		hm_classes[i] = size <= HM_MAX_OBJ_SIZE ?
				hm_core_cache_create(name, size, align, hm_mode_default, 0,
						     HM_GFP_DEFAULT) :
				hm_core_medium_create(name, size, align, hm_mode_default,
						      HM_GFP_DEFAULT);
		if (!hm_classes[i]) {
			fprintf(stderr, "hakmem: cannot create class %s\n", name);
			abort();
		}
	}
	/* the classes exist: the fork handlers take and give back their locks */
	__atomic_store_n(&hm_fork_live, true, __ATOMIC_RELEASE);
	hm_fork_register();
	if (dbg && hm_set_debug_locked(NULL, dbg, 0))
		hm_user_env_refused("HAKMEM_DEBUG", dbg, HM_DEBUG_ENV_BAD);
	hm_research_init();	/* HAKMEM_POLICY */
	hm_stats_file_start();		/* HAKMEM_STATS_FILE */
	errno = saved;		/* a warning to a closed stderr set it */
}

/*
 * The library's initialization, for paths that attach no context (large
 * objects): a program whose only allocations are large still gets its
 * fork handlers, HAKMEM_DEBUG and HAKMEM_STATS_FILE.
 */
void hm_user_init(void)
{
	pthread_once(&hm_once, hm_init);
}

/*
 * hm_caches_lock, taken and let go by these.  A report made meanwhile (a
 * double free found as hm_thread_flush(), hm_trim() or a thread's exit
 * collects remote frees) reaches the error handler, or stderr, once it is
 * let go: the handler may call back in (hm_frag_info(), a dump) and take
 * it, and would wait for ever.  fork()'s handlers take it as it is.
 */
static void hm_caches_take(void)
{
	pthread_mutex_lock(&hm_caches_lock);
	hm_tls.caches_held = true;
}

static bool hm_caches_try(void)
{
	if (pthread_mutex_trylock(&hm_caches_lock))
		return false;
	hm_tls.caches_held = true;
	return true;
}

static void hm_caches_give(void)
{
	hm_tls.caches_held = false;
	pthread_mutex_unlock(&hm_caches_lock);
	if (unlikely(hm_user_msgs_waiting))
		hm_user_msgs_deliver();
}

/*
 * Is the created cache with unique id @id still alive?  Caller holds
 * hm_caches_lock.  Asked by id, so a slot whose cache was destroyed (and
 * whose context was freed with it) is never dereferenced.
 */
static bool hm_cache_id_alive(u64 id)
{
	const struct hm_cache *it;

	for (it = hm_caches; it; it = it->next)
		if (it->id == id)
			return true;
	return false;
}

/*
 * Give back the context in @sl if its cache still exists; clear @sl when
 * @abandon.  @key_live: the thread goes on (see hm_cctx_abandon()).
 */
static void hm_slot_release(struct hm_tls_slot *sl, bool abandon, bool key_live)
{
	if (sl->cc && hm_cache_id_alive(sl->id)) {
		if (abandon)
			hm_cctx_abandon(sl->cc, key_live);
		else
			hm_cctx_flush(sl->cc);
	}
	if (abandon) {
		sl->cc = NULL;
		sl->id = 0;
	}
}

/*
 * ---- threads that attach after their destructors' last round ----------
 *
 * hm_thread_exit() gives a thread's contexts back from libhakmem's key
 * destructor.  A key destructor that runs after it, or in a later round,
 * and allocates attaches contexts again and sets libhakmem's key: glibc
 * runs the destructor another round, unless that was the last of its
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds, and then nothing gives them back
 * (a slab each, adopted by no later thread).  A thread whose first
 * allocation is in that round is the same case, and cannot be told from
 * any other first allocation.  So each thread that sets the key is noted
 * (its tid and unique slab key, which its contexts carry) until its
 * destructor runs; threads that are gone (tgkill() says ESRCH) with a
 * note left have their contexts abandoned, as the destructor would have,
 * by hm_trim() and whenever the notes have doubled since the last look
 * (a syscall a note then: two per new note at most).
 *
 * The notes have a lock of their own, after hm_caches_lock: a thread's
 * first allocation may come while it holds hm_caches_lock (the preload's
 * stdio buffer in a dump), so noting takes only hm_notes_lock, and its
 * look happens only if hm_caches_lock is free.
 */
struct hm_thread_note {
	struct hm_thread_note *next, **pprev;
	u32 tid;
	u32 key_id;
};

static pthread_mutex_t hm_notes_lock = PTHREAD_MUTEX_INITIALIZER;
/* under hm_notes_lock; unlinked by others than their thread under hm_caches_lock too */
static struct hm_thread_note *hm_notes;
static unsigned long hm_notes_nr, hm_notes_looked;	/* now, after the last look */

static void hm_notes_look(void);

/* hm_attach() gave the thread its key: note it */
static void hm_thread_note(void)
{
	struct hm_thread_note *n;
	bool look;

	if (!hm_tls.key_id)	/* keyed by tid: its contexts are not told apart */
		return;
	n = hm_plat_meta_alloc(sizeof(*n), HM_GFP_DEFAULT);
	if (!n)
		return;		/* no memory: given back at exit only, as before */
	n->tid = hm_tls.tid;
	n->key_id = hm_tls.key_id;
	pthread_mutex_lock(&hm_notes_lock);
	n->next = hm_notes;
	if (n->next)
		n->next->pprev = &n->next;
	n->pprev = &hm_notes;
	hm_notes = n;
	hm_tls.note = n;
	look = ++hm_notes_nr >= 2 * hm_notes_looked && hm_notes_nr >= 64;
	pthread_mutex_unlock(&hm_notes_lock);
	if (look && hm_caches_try()) {
		hm_notes_look();
		hm_caches_give();
	}
}

/* under hm_notes_lock */
static void hm_note_unlink(struct hm_thread_note *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	hm_notes_nr--;
}

/* its destructor ran: no note; caller holds hm_caches_lock */
static void hm_thread_unnote(void)
{
	if (!hm_tls.note)
		return;
	pthread_mutex_lock(&hm_notes_lock);
	hm_note_unlink(hm_tls.note);
	pthread_mutex_unlock(&hm_notes_lock);
	hm_plat_meta_free(hm_tls.note, sizeof(*hm_tls.note));
	hm_tls.note = NULL;
}

/* abandon @c's live context keyed @key_id, if any; under hm_caches_lock */
static void hm_note_abandon(struct hm_cache *c, u32 key_id)
{
	unsigned long flags;
	struct hm_cctx *cc;

	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next)
		if (!cc->abandoned && cc->key_unique && cc->key_id == key_id)
			break;
	hm_unlock(&c->lock, flags);
	/* its thread is gone: nobody uses it, nobody adopts it before this */
	if (cc)
		hm_cctx_abandon(cc, false);
}

/*
 * Give back the contexts of noted threads that are gone; the caller holds
 * hm_caches_lock, so no note goes meanwhile (hm_thread_unnote()).
 */
static void hm_notes_look(void)
{
	struct hm_thread_note *n, *next, *gone = NULL;
	int saved_errno = errno;
	pid_t pid = getpid();
	struct hm_cache *c;
	unsigned int i;

	pthread_mutex_lock(&hm_notes_lock);
	for (n = hm_notes; n; n = next) {
		next = n->next;
		/* running (its last rounds, or its tid is another's now) */
		if (n == hm_tls.note || !hm_user_tid_gone(pid, n->tid))
			continue;
		hm_note_unlink(n);
		n->next = gone;
		gone = n;
	}
	hm_notes_looked = hm_notes_nr;
	pthread_mutex_unlock(&hm_notes_lock);
	for (n = gone; n; n = next) {
		next = n->next;
		for (i = 0; i < HM_USER_CLASSES; i++)
			hm_note_abandon(hm_classes[i], n->key_id);
		for (c = hm_caches; c; c = c->next)
			hm_note_abandon(c, n->key_id);
		hm_plat_meta_free(n, sizeof(*n));
	}
	/* their reader slots too: a first bracket may come in that round */
	hm_user_readers_reap();
	errno = saved_errno;
}

/*
 * In a fork() child: the notes of the parent's other threads go (their
 * contexts stay as they are, see hm_fork_child()); the forking thread's
 * stays, with its new tid.  Every lock is held, or (before the set-up)
 * none is needed: the child has one thread.
 */
static void hm_notes_fork_child(void)
{
	hm_notes = hm_tls.note;
	hm_notes_nr = hm_notes_looked = hm_notes ? 1 : 0;
	if (hm_notes) {
		hm_notes->next = NULL;
		hm_notes->pprev = &hm_notes;
		hm_notes->tid = hm_plat_ctx_id();
	}
}

static void hm_thread_exit(void *unused)
{
	unsigned int i;

	(void)unused;
	hm_caches_take();
	for (i = 0; i < HM_USER_CLASSES; i++) {
		if (hm_tls.cls[i] != &hm_cctx_none)
			hm_cctx_abandon(hm_tls.cls[i], false);
		hm_tls.cls[i] = &hm_cctx_none;
	}
	for (i = 0; i < HM_TLS_SLOTS; i++)
		hm_slot_release(&hm_tls.slot[i], true, false);
	/*
	 * The key is retired: the abandoned contexts' slabs keep it, and no
	 * thread presents it again, this one included.  A later key
	 * destructor may allocate again: its attach takes a new key, and
	 * pthreads runs this destructor another round.
	 */
	hm_tls.key_set = false;
	hm_tls.key_id = 0;
	hm_tls.slab_key = 0;
	hm_tls.exited = true;
	hm_thread_unnote();
	hm_caches_give();
	hm_user_reader_exit_thread();
}

void hm_thread_flush(void)
{
	unsigned int i;

	for (i = 0; i < HM_USER_CLASSES; i++)
		if (hm_tls.cls[i] != &hm_cctx_none)
			hm_cctx_flush(hm_tls.cls[i]);
	hm_caches_take();
	for (i = 0; i < HM_TLS_SLOTS; i++)
		hm_slot_release(&hm_tls.slot[i], false, true);
	hm_caches_give();
}

/*
 * Threads' slab keys: a serial each, never handed out twice, so that a
 * thread's exit and the adoption of its contexts walk no slab list (see
 * hm_cctx_rekey()).  Serials start above every tid (PID_MAX_LIMIT is
 * 2^22): once the 32-bit ones run out, after 4 billion threads, new
 * threads present their tid instead, which walks as before and never
 * equals a serial.
 */
#define HM_KEY_FIRST	(1UL << 22)
static hm_atomic_t hm_key_next = HM_ATOMIC_INIT(HM_KEY_FIRST);

static u32 hm_key_new(void)
{
	unsigned long k = hm_atomic_fetch_add(&hm_key_next, 1);

	return k < HM_CTX_NONE ? (u32)k : 0;
}

static struct hm_cctx *hm_attach(struct hm_cache *c)
{
	struct hm_cctx *cc;

	if (!hm_tls.key_set) {
		pthread_once(&hm_once, hm_init);
		/* any non-NULL value makes the destructor run at exit */
		pthread_setspecific(hm_exit_key, &hm_tls);
		hm_tls.tid = hm_plat_ctx_id();
		hm_tls.key_id = hm_key_new();
		hm_tls.slab_key = hm_slab_key(hm_tls.key_id ? hm_tls.key_id : hm_tls.tid);
		hm_tls.key_set = true;
		hm_thread_note();
	}
	cc = hm_cctx_new(c, hm_tls.tid, hm_tls.key_id, HM_GFP_DEFAULT);
	if (!cc)
		errno = ENOMEM;
	return cc;
}

static noinline struct hm_cctx *hm_class_cctx_slow(unsigned int cls)
{
	pthread_once(&hm_once, hm_init);
	struct hm_cctx *cc;

	cc = hm_attach(hm_classes[cls]);
	hm_tls.cls[cls] = cc ? cc : &hm_cctx_none;
	return cc;
}

static __always_inline struct hm_cctx *hm_class_cctx(unsigned int cls)
{
	struct hm_cctx *cc = hm_tls.cls[cls];

	return likely(cc != &hm_cctx_none) ? cc : hm_class_cctx_slow(cls);
}

static noinline struct hm_cctx *hm_cache_cctx_slow(struct hm_cache *c);

/* @c's index when it is one of the built-in classes, else -1 */
static __always_inline int hm_cache_class(const struct hm_cache *c)
{
	unsigned int cls;

	if (c->obj_size > HM_USER_MAX_CLASS)
		return -1;
	cls = hm_user_class(c->obj_size);
	return hm_classes[cls] == c ? (int)cls : -1;
}

/*
 * The calling thread's context for @c (a class or a created cache) if it
 * has one, else NULL.  The classes are not in the slot table: looking
 * them up there would miss every time (a remote free of hm_malloc()'s
 * objects comes here).
 */
static __always_inline struct hm_cctx *hm_cache_cctx_peek(struct hm_cache *c)
{
	struct hm_tls_slot *sl = &hm_tls.slot[c->id % HM_TLS_SLOTS];
	int cls;

	if (likely(sl->id == c->id))
		return sl->cc;
	cls = hm_cache_class(c);
	if (cls >= 0 && hm_tls.cls[cls] != &hm_cctx_none)
		return hm_tls.cls[cls];
	return NULL;
}

/* The same, attaching a context at first use; NULL without memory. */
static __always_inline struct hm_cctx *hm_cache_cctx(struct hm_cache *c)
{
	struct hm_cctx *cc = hm_cache_cctx_peek(c);

	return likely(cc) ? cc : hm_cache_cctx_slow(c);
}

static struct hm_cctx *hm_cache_cctx_slow(struct hm_cache *c)
{
	struct hm_tls_slot *sl = &hm_tls.slot[c->id % HM_TLS_SLOTS];
	int cls = hm_cache_class(c);

	if (cls >= 0)
		return hm_class_cctx_slow((unsigned int)cls);
	if (sl->cc) {
		/* slot taken by another cache: give that context back */
		hm_caches_take();
		hm_slot_release(sl, true, true);
		hm_caches_give();
	}
	sl->cc = hm_attach(c);
	if (sl->cc)
		sl->id = c->id;
	return sl->cc;
}

/* ---- allocation ------------------------------------------------------ */

/*
 * A NULL cache given to the cache API: refused and reported as a pointer
 * not from hakmem (as hm_cache_destroy() reports a cache it does not
 * know), errno EINVAL.  Off the fast paths: a frame of its own.
 */
static noinline void hm_cache_null(unsigned long ip)
{
	hm_report(NULL, HM_ERR_FOREIGN, NULL, ip);
	errno = EINVAL;
}

/* Slow path: the context needs a new slab. */
static void *hm_alloc_refill(struct hm_cache *c, struct hm_cctx *cc, unsigned long ip)
{
	unsigned int tries;

	for (tries = 0; tries < 4; tries++) {
		void *chunk = hm_cache_chunk_get(c, HM_GFP_DEFAULT);
		void *p;

		if (!chunk)
			break;
		p = hm_cctx_add_chunk(cc, chunk, ip);
		if (p)
			return p;
	}
	cc->st.alloc_fail++;
	errno = ENOMEM;
	return NULL;
}

/* hm_malloc() on a special route but the hybrid debug one: no try */
noinline void *hm_user_malloc_debug_slow(struct hm_cctx *cc, unsigned long ip)
{
	void *p = hm_cctx_alloc_debug_slow(cc, ip);

	return likely(p) ? p : hm_alloc_refill(cc->cache, cc, ip);
}

/*
 * The hybrid debug route's copies (common/hm_debug_copies.h): hm_malloc()
 * and hm_cache_alloc() allocate with them (their slow paths are the same
 * for a context of any cache), hm_free() and hm_cache_free() free.  Each
 * copy tests its switches as constants: 19 instructions a pair less than
 * reading them, at 64 bytes with both on.
 */
#define HM_DEBUG_COPY_ALLOC_SLOW(cc, ip)	hm_user_malloc_debug_slow(cc, ip)
#define HM_DEBUG_COPY_FREE_SLOW(cc, s, p, ip)	hm_cctx_free_debug_slow(cc, s, p, ip)
#include "hm_debug_copies.h"

/*
 * Does the CPU run the AVX2 copies (debug_copies_avx2.c)?  Asked once, at
 * the first context; HAKMEM_ISA=sse2 keeps the SSE2 ones (tests of both
 * on one machine, and their comparison), avx2 asks for them.
 */
#ifdef __x86_64__
static bool hm_user_isa_avx2;

static void hm_user_isa_init(void)
{
	int saved = errno;	/* at a first malloc(): errno is the program's */
	const char *isa = hm_user_env_word("HAKMEM_ISA", "not a word; using the CPU's");
	bool avx2;

	__builtin_cpu_init();
	avx2 = __builtin_cpu_supports("avx2");
	if (isa && !strcmp(isa, "sse2"))
		avx2 = false;
	else if (isa && strcmp(isa, "avx2"))
		hm_user_env_refused("HAKMEM_ISA", isa, avx2 ? "not sse2 or avx2; using avx2" :
							      "not sse2 or avx2; using sse2");
	else if (isa && !avx2)
		hm_user_env_refused("HAKMEM_ISA", isa, "no AVX2 on this CPU; using sse2");
	hm_user_isa_avx2 = avx2;
	errno = saved;
}
#endif

static bool hm_user_avx2(void)
{
#ifdef __x86_64__
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, hm_user_isa_init);
	return hm_user_isa_avx2;
#else
	return false;
#endif
}

const char *hm_user_debug_isa(void)
{
#ifdef __x86_64__
	return hm_user_avx2() ? "avx2" : "sse2";
#else
	return HM_PLAT_MEM_SPAN_MAX ? "sse2" : "generic";
#endif
}

void hm_user_cctx_copies(struct hm_cctx *cc)
{
	if (hm_user_avx2())
		hm_user_cctx_copies_avx2(cc);
	else
		hm_debug_copies_set(cc);
}

/*
 * Everything hm_malloc()'s fast path leaves: large, first use, refill,
 * debugging.  @cc is the thread's context for the size, or hm_cctx_none.
 */
static noinline void *hm_malloc_slow(size_t size, struct hm_cctx *cc,
				     unsigned long ip)
{
	void *p;

	if (unlikely(cc == &hm_cctx_none)) {	/* medium, large, or first use */
		if (unlikely(size > HM_USER_MAX_CLASS)) {
			hm_user_init();
			p = hm_large_alloc(size, HM_GFP_DEFAULT);
			if (unlikely(!p))	/* also a size past the address space */
				errno = ENOMEM;
			return p;
		}
		cc = hm_class_cctx(hm_user_class(size));
		if (unlikely(!cc))
			return NULL;
	}
	p = hm_cctx_alloc_ip(cc, ip);
	if (unlikely(!p))
		p = hm_alloc_refill(cc->cache, cc, ip);
	return p;
}

/*
 * The call site a report or a tracking record names: @ip, or with @ip 0
 * (a constant) the caller's return address, read only on the paths that
 * need it (passed in as HM_RET_IP, it was read on entry: 3 instructions
 * more per pair).
 */
#define HM_IP_OR_RET(ip)	((ip) ? (ip) : HM_RET_IP)

/*
 * The fast paths below call nothing but, as a tail call, their slow path:
 * no stack frame, no saved registers (see hm_cctx_alloc_try()).
 */
static __always_inline void *hm_malloc_ip(size_t size, unsigned long ip)
{
	struct hm_cctx *cc = &hm_cctx_none;

	if (likely(size <= HM_MAX_CLASS_SIZE)) {
		void *p;
		u8 route;

		/* hm_cctx_none before the first use: the slow path attaches */
		cc = hm_tls.cls[hm_size_to_class(size)];
		route = HM_READ_ONCE(cc->route);
		if (likely(hm_cctx_alloc_try_route(cc, route, &p)))
			return p;
		/*
		 * A switch on (never hm_cctx_none): one frame less.  Tested
		 * after the modes, which this test would cost two more.
		 */
		if (route == HM_ROUTE_DEBUG_HYBRID)
			return HM_READ_ONCE(cc->debug_alloc)(cc, HM_IP_OR_RET(ip));
		if (route & HM_ROUTES_SPECIAL)
			return hm_user_malloc_debug_slow(cc, HM_IP_OR_RET(ip));
	}
	return hm_malloc_slow(size, cc, HM_IP_OR_RET(ip));
}

void *hm_malloc(size_t size)
{
	return hm_malloc_ip(size, 0);
}

/* hm_malloc() for the library's entry points: tracking records @ip, their caller */
void *hm_user_malloc_ip(size_t size, unsigned long ip)
{
	return hm_malloc_ip(size, ip);
}

/*
 * Is @s a live slab (magic) owned by the calling thread (owner_id)?  Then
 * its context is s->owner, and no lookup is needed: the common case of a
 * free, one compare.  Unowned slabs and those of abandoned contexts have
 * owner_id HM_CTX_NONE, which no thread has; a thread that never attached
 * has key 0, which no slab has.
 */
static __always_inline bool hm_slab_mine(const struct hm_slab *s)
{
	return likely(HM_READ_ONCE(s->key) == hm_tls.slab_key);
}

/*
 * A slab of the caller's own context that does not carry its key: the
 * context was adopted (hm_cctx_rekey()).  Claim it; the free is local.
 */
static noinline void hm_free_claim(struct hm_cctx *cc, struct hm_slab *s,
				   void *ptr, unsigned long ip)
{
	hm_slab_set_owner(s, cc);
	hm_cctx_free_local(cc, s, ptr, ip);
}

/* The free of hm_free_foreign_slab() in the caller's context @cc. */
static __always_inline void hm_free_foreign_in(struct hm_cctx *cc, struct hm_slab *s,
					       void *ptr, unsigned long ip)
{
	if (likely(HM_READ_ONCE(s->owner) != cc))
		hm_cctx_free_remote(cc, s, ptr, ip);
	else
		hm_free_claim(cc, s, ptr, ip);
}

/*
 * A free into a slab this thread does not own, in its own context for
 * the cache.  A thread with none yet leaves @c in hm_tls.after_bracket:
 * it attaches one outside the bracket (hm_free_unowned()), since
 * attaching takes hm_caches_lock, which a switch that waits for the
 * brackets to close may hold.
 */
static noinline void hm_free_foreign_slab(struct hm_cache *c, struct hm_slab *s,
					  void *ptr, unsigned long ip)
{
	struct hm_cctx *cc;

	if (unlikely(s->cache != c)) {
		hm_report_block(c, HM_ERR_WRONG_CACHE, s, ptr, ip);
		return;
	}
	cc = hm_cache_cctx_peek(c);
	if (unlikely(!cc)) {
		hm_tls.after_bracket = c;
		hm_tls.after_ptr = ptr;
		hm_tls.after_ip = ip;
	} else {
		hm_free_foreign_in(cc, s, ptr, ip);
	}
}

/* A local free that hm_cctx_free_try() left: reports, lists. */
static noinline void hm_free_local_slow(struct hm_cctx *cc, struct hm_slab *s,
					void *ptr, unsigned long ip)
{
	hm_cctx_free_local(cc, s, ptr, ip);
}

/*
 * The free of a block of the caller's own slab @s: the mode's try, else a
 * tail call: the hybrid debug route's copy directly (one frame less while
 * a switch is on; tested after the modes, as in hm_malloc()), the other
 * special routes' debug path, or the slow path (reports, lists).  The
 * call site is HM_IP_OR_RET(@ip), read where needed: no register kept.
 */
static __always_inline void hm_free_mine(struct hm_slab *s, void *ptr, unsigned long ip)
{
	struct hm_cctx *cc = HM_READ_ONCE(s->owner);
	u8 route = HM_READ_ONCE(cc->route);

	if (likely(hm_cctx_free_try_route(cc, route, s, ptr)))
		return;
	if (route == HM_ROUTE_DEBUG_HYBRID)
		HM_READ_ONCE(cc->debug_free)(cc, s, ptr, HM_IP_OR_RET(ip));
	else if (route & HM_ROUTES_SPECIAL)
		hm_cctx_free_local_debug(cc, s, ptr, HM_IP_OR_RET(ip));
	else
		hm_free_local_slow(cc, s, ptr, HM_IP_OR_RET(ip));
}

/* a pointer into no live slab, of cache @c (NULL: any) */
static __always_inline void hm_free_other_any(struct hm_cache *c, void *ptr, unsigned long ip)
{
	if (c)
		hm_free_other_cache(c, ptr, ip);
	else
		hm_free_other(ptr, ip);
}

/*
 * Not a block of a live slab: NULL, a large object, or a bad pointer.  A
 * large chunk found in the slab map may be given back meanwhile (a racing
 * second free): read in a bracket, as hm_free_unowned() reads a slab.
 * A large free may leave chunks waiting for the readers: finished here,
 * outside the bracket, once enough wait (hm_user_retire_poll()).
 */
static noinline void hm_free_nonslab(struct hm_cache *c, void *ptr, unsigned long ip)
{
	bool in;

	if (!ptr)
		return;
	in = hm_plat_read_begin();
	hm_free_other_any(c, ptr, ip);
	if (in)
		hm_plat_read_end();
	hm_user_retire_poll(false);
}

/*
 * A free into the registered granule @s that is not a slab of this
 * thread's: another thread's slab (or a wrong cache, for @c), else not a
 * live slab at all (a large object, an orphan, a bad pointer).
 */
/* hm_tls.after_bracket after a pointer into no slab: a large free's chunk may wait */
static char hm_free_was_other;
#define HM_FREE_OTHER	((struct hm_cache *)&hm_free_was_other)

/* In the bracket; what is left for after it goes to hm_tls.after_bracket. */
static noinline void hm_free_unowned_in(struct hm_cache *c, struct hm_slab *s,
					void *ptr, unsigned long ip)
{
	if (HM_READ_ONCE(s->magic) != HM_MAGIC_SLAB) {
		hm_free_other_any(c, ptr, ip);
		hm_tls.after_bracket = HM_FREE_OTHER;
	} else {
		hm_free_foreign_slab(c ? c : s->cache, s, ptr, ip);
	}
}

static void hm_free_unowned(struct hm_cache *c, struct hm_slab *s, void *ptr,
			    unsigned long ip);

/*
 * What hm_free_unowned()'s bracket left (hm_tls.after_bracket): a large
 * free's chunk may wait for the readers; or the free needs a context for
 * its cache first: attached outside the bracket (free() leaves errno
 * alone), then the free is looked up again, the slab may have gone
 * meanwhile.  Without memory for a context, or in a thread whose exit
 * destructor ran (hm_tls.exited), it is made without one, in a bracket of
 * its own.
 */
static noinline void hm_free_after_bracket(void)
{
	struct hm_cache *c = hm_tls.after_bracket;
	void *ptr = hm_tls.after_ptr;
	unsigned long ip = hm_tls.after_ip;
	struct hm_slab *s = hm_ptr_slab(ptr);
	struct hm_cctx *cc;
	int saved_errno;
	bool in;

	hm_tls.after_bracket = NULL;
	if (c == HM_FREE_OTHER) {
		hm_user_retire_poll(false);
		return;
	}
	saved_errno = errno;
	cc = likely(!hm_tls.exited) ? hm_cache_cctx_slow(c) : NULL;
	errno = saved_errno;
	if (!hm_slabmap_test(ptr)) {
		hm_free_nonslab(c, ptr, ip);
		return;
	}
	if (likely(cc)) {
		hm_free_unowned(c, s, ptr, ip);	/* now with a context: no attach */
		return;
	}
	in = hm_plat_read_begin();
	if (HM_READ_ONCE(s->magic) != HM_MAGIC_SLAB)
		hm_free_other_any(c, ptr, ip);
	else if (s->cache != c)
		hm_report_block(c, HM_ERR_WRONG_CACHE, s, ptr, ip);
	else
		hm_cache_free_nocctx(c, s, ptr, ip);
	if (in)
		hm_plat_read_end();
}

/*
 * In a bracket: @s, found before it left the slab map, may be released
 * meanwhile (a stale pointer); its header and debug memory stay until the
 * bracket closes (hm_slab_release()).  Without a thread slot (no memory),
 * as before: unbracketed.  The common case opens it with one instruction
 * and keeps nothing across the call (the slot is looked up again): this
 * is every remote free's path.
 */
static noinline void hm_free_unowned(struct hm_cache *c, struct hm_slab *s,
				     void *ptr, unsigned long ip)
{
	struct hm_user_reader *r = hm_user_reader_self;

	if (unlikely(!r)) {
		bool in = hm_plat_read_begin();	/* the thread's first: a slot */

		hm_free_unowned_in(c, s, ptr, ip);
		if (in)
			hm_plat_read_end();
	} else {
		hm_plat_own_inc(&r->word.counter);	/* hm_plat_read_begin() */
		hm_free_unowned_in(c, s, ptr, ip);
		hm_plat_read_end();
	}
	if (unlikely(hm_tls.after_bracket))
		hm_free_after_bracket();	/* outside the bracket */
}

/*
 * The slow paths are tail calls with what the fast path found (slab,
 * context), so none of them looks it up again.  NULL needs no test of its
 * own here: the granule at address 0 is never a chunk (mmap does not hand
 * it out), so it is not a slab's.
 */
static __always_inline void hm_free_ip(void *ptr, unsigned long ip)
{
	struct hm_slab *s = hm_ptr_slab(ptr);

	if (unlikely(!hm_slabmap_test(ptr))) {
		hm_free_nonslab(NULL, ptr, HM_IP_OR_RET(ip));
		return;
	}
	if (unlikely(!hm_slab_mine(s))) {
		hm_free_unowned(NULL, s, ptr, HM_IP_OR_RET(ip));
		return;
	}
	hm_free_mine(s, ptr, ip);
}

void hm_free(void *ptr)
{
	hm_free_ip(ptr, 0);
}

/* hm_free() for the library's entry points: reports name @ip, their caller */
void hm_user_free(void *ptr, unsigned long ip)
{
	hm_free_ip(ptr, ip);
}

/*
 * The usable size of @ptr, 0 for NULL; what is no live object is 0 too,
 * reported for caller @ip when @report (hm_core_usable_size_ip()).
 */
size_t hm_user_usable_size(const void *ptr, unsigned long ip, bool report)
{
	bool in;
	size_t n;

	if (!ptr)
		return 0;
	in = hm_plat_read_begin();	/* a stale @ptr's slab: see hm_free_unowned() */
	n = report ? hm_core_usable_size_ip(ptr, ip) : hm_core_usable_size(ptr);
	if (in)
		hm_plat_read_end();
	return n;
}

size_t hm_malloc_usable_size(const void *ptr)
{
	return hm_user_usable_size(ptr, HM_RET_IP, true);
}

struct hm_cache *hm_cache_create(const char *name, size_t size, size_t align,
				 enum hm_mode mode, unsigned int flags)
{
	enum hm_cache_arg bad = hm_cache_arg_bad(size, align, mode, flags);
	struct hm_cache *c;

	pthread_once(&hm_once, hm_init);
	if (bad != HM_ARG_OK) {	/* with the program's call site, and errno */
		hm_report(NULL, HM_ERR_BAD_SIZE,
			  (void *)hm_cache_arg_value(bad, size, align, mode, flags), HM_RET_IP);
		errno = EINVAL;
		return NULL;
	}
	c = hm_core_cache_create(name, (unsigned int)size, (unsigned int)align,
				 mode, flags, HM_GFP_DEFAULT);
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	/* no global switch may change between its reading and the listing */
	pthread_mutex_lock(&hm_debug_lock);
	if (hm_debug_global)
		hm_cache_set_debug(c, hm_debug_global, HM_GFP_DEFAULT);
	hm_caches_take();
	c->next = hm_caches;
	hm_caches = c;
	hm_caches_give();
	pthread_mutex_unlock(&hm_debug_lock);
	return c;
}

static noinline void *hm_cache_alloc_slow(struct hm_cache *c, unsigned long ip)
{
	struct hm_cctx *cc;
	void *p;

	if (unlikely(!c)) {
		hm_cache_null(ip);
		return NULL;
	}
	cc = hm_cache_cctx(c);
	if (unlikely(!cc))
		return NULL;
	p = hm_cctx_alloc_ip(cc, ip);
	if (unlikely(!p))
		p = hm_alloc_refill(c, cc, ip);
	return p;
}

void *hm_cache_alloc(struct hm_cache *c)
{
	struct hm_tls_slot *sl;
	struct hm_cctx *cc;
	void *p;
	u8 route;

	if (unlikely(!c))	/* a tail call: no frame on the fast path */
		return hm_cache_alloc_slow(c, HM_RET_IP);
	sl = &hm_tls.slot[c->id % HM_TLS_SLOTS];
	if (unlikely(sl->id != c->id))
		return hm_cache_alloc_slow(c, HM_RET_IP);
	cc = sl->cc;
	route = HM_READ_ONCE(cc->route);
	if (likely(hm_cctx_alloc_try_route(cc, route, &p)))
		return p;
	/* as in hm_malloc(): the hybrid debug route's copy for the block size */
	if (route == HM_ROUTE_DEBUG_HYBRID)
		return HM_READ_ONCE(cc->debug_alloc)(cc, HM_RET_IP);
	return hm_cache_alloc_slow(c, HM_RET_IP);
}

/* hm_free_no_cache() of @ptrs in a bracket: a stale pointer's slab (hm_free_unowned()) */
static noinline void hm_cache_free_none(void *const *ptrs, size_t n, unsigned long ip)
{
	bool in = hm_plat_read_begin();

	hm_free_no_cache(ptrs, n, ip);
	if (in)
		hm_plat_read_end();
}

/* hm_cache_free()'s other cases: not a slab's block, another thread's or cache's, no cache */
static noinline void hm_cache_free_slow(struct hm_cache *c, struct hm_slab *s, void *ptr,
					unsigned long ip)
{
	if (unlikely(!c))
		hm_cache_free_none(&ptr, 1, ip);
	else if (!hm_slabmap_test(ptr)) {
		hm_free_nonslab(c, ptr, ip);
	} else {
		hm_free_unowned(c, s, ptr, ip);
	}
}

/* As hm_free(), and a block of another cache is refused. */
void hm_cache_free(struct hm_cache *c, void *ptr)
{
	struct hm_slab *s = hm_ptr_slab(ptr);

	if (unlikely(!hm_slabmap_test(ptr) || !hm_slab_mine(s) || s->cache != c)) {
		hm_cache_free_slow(c, s, ptr, HM_RET_IP);
		return;
	}
	hm_free_mine(s, ptr, 0);
}

size_t hm_cache_alloc_bulk(struct hm_cache *c, size_t n, void **ptrs)
{
	struct hm_cctx *cc;
	size_t done = 0;

	if (unlikely(!c || (n && !ptrs))) {
		hm_cache_null(HM_RET_IP);
		return 0;
	}
	cc = hm_cache_cctx(c);
	if (unlikely(!cc))
		return 0;
	while (done < n) {
		done += hm_cctx_alloc_bulk(cc, (unsigned int)(n - done), ptrs + done,
					   HM_RET_IP);
		if (done < n) {
			ptrs[done] = hm_alloc_refill(c, cc, HM_RET_IP);
			if (!ptrs[done]) {
				hm_cctx_free_bulk(cc, (unsigned int)done, ptrs, HM_RET_IP);
				return 0;
			}
			done++;
		}
	}
	return n;
}

void hm_cache_free_bulk(struct hm_cache *c, size_t n, void **ptrs)
{
	size_t i;

	if (unlikely(n && !ptrs)) {
		hm_report(c, HM_ERR_FOREIGN, NULL, HM_RET_IP);
		return;
	}
	if (unlikely(!c)) {	/* once, for the first object: none is freed */
		hm_cache_free_none(ptrs, n, HM_RET_IP);
		return;
	}
	for (i = 0; i < n; i++)
		hm_cache_free(c, ptrs[i]);
}

/*
 * Is @c a built-in class or a live cache of hm_cache_create()?  The caller
 * holds hm_caches_lock, and keeps it while it uses @c (a destroy waits).
 * Asked before anything reads @c: a destroyed cache's memory may be gone.
 */
static bool hm_cache_known(const struct hm_cache *c)
{
	const struct hm_cache *it;
	unsigned int i;

	for (i = 0; i < HM_USER_CLASSES; i++)
		if (hm_classes[i] == c)
			return true;
	for (it = hm_caches; it; it = it->next)
		if (it == c)
			return true;
	return false;
}

/*
 * For the per-cache calls that are not fast paths (debug switches,
 * validation, dumps, policies): true with hm_caches_lock held, to be let
 * go with hm_user_cache_put(), when @c is known; else @c is reported as
 * not from hakmem (at @ip, the call's caller) and nothing is locked.
 */
bool hm_user_cache_get(struct hm_cache *c, unsigned long ip)
{
	pthread_once(&hm_once, hm_init);
	hm_caches_take();
	if (likely(hm_cache_known(c)))
		return true;
	hm_caches_give();
	hm_report(NULL, HM_ERR_FOREIGN, c, ip);
	return false;
}

void hm_user_cache_put(void)
{
	hm_caches_give();
}

/*
 * Only a live cache of hm_cache_create() is destroyed: a built-in class
 * (hm_class_cache()) or a cache destroyed already is refused, reported
 * without reading it (its memory may be gone), and nothing changes.
 */
unsigned long hm_cache_destroy(struct hm_cache *c)
{
	struct hm_cache **pp;
	bool live;

	if (!c)
		return 0;
	hm_caches_take();
	for (pp = &hm_caches; *pp && *pp != c; pp = &(*pp)->next)
		;
	live = *pp;
	if (live)
		*pp = c->next;
	hm_caches_give();
	if (!live) {
		hm_report(NULL, HM_ERR_FOREIGN, c, HM_RET_IP);
		return 0;
	}
	if (hm_tls.slot[c->id % HM_TLS_SLOTS].id == c->id) {
		hm_tls.slot[c->id % HM_TLS_SLOTS].id = 0;
		hm_tls.slot[c->id % HM_TLS_SLOTS].cc = NULL;
	}
	return hm_core_cache_destroy(c);
}

enum hm_mode hm_default_mode(void)
{
	pthread_once(&hm_once, hm_init);
	return hm_mode_default;
}

const char *hm_mode_str(enum hm_mode mode)
{
	return hm_mode_name(mode);
}

/* ---- stats, validation, trimming ------------------------------------ */

/*
 * No dump writes to its caller's FILE (or printer) while it holds
 * hm_caches_lock or a cache's lock: the write may allocate (stdio's
 * buffer; a created cache's first use on a taken slot locks
 * hm_caches_lock) or call back in (a fopencookie() stream whose write
 * asks hm_frag_info() or mallinfo2(), stderr pointed at one), and would
 * wait for ever on the lock its own thread holds.  What is read under
 * the lock is printed into an hm_user_text, written once it is let go.
 * Its pages are metadata of a page or more, mmap()ed (platform.c): no
 * lock, no malloc(), nothing in the heap figures the dump reports.
 */
#define HM_TEXT_MIN	16384UL

void hm_user_text_printf(struct hm_printer *pr, const char *fmt, ...)
{
	struct hm_user_text *t = (struct hm_user_text *)pr;
	size_t size;
	va_list ap;
	char *buf;
	int n;

	if (t->lost)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->lost = true;
		return;
	}
	if ((size_t)n >= t->size - t->len) {	/* did not fit: a buffer twice the size */
		for (size = HM_MAX(2 * t->size, HM_TEXT_MIN); size - t->len <= (size_t)n;)
			size *= 2;
		buf = hm_plat_meta_alloc(size, HM_GFP_DEFAULT);
		if (!buf) {
			t->lost = true;
			return;
		}
		if (t->buf) {
			memcpy(buf, t->buf, t->len);
			hm_plat_meta_free(t->buf, t->size);
		}
		t->buf = buf;
		t->size = size;
		va_start(ap, fmt);
		vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
		va_end(ap);
	}
	t->len += (size_t)n;
}

/* @t's memory goes; what was lost (no memory) leaves errno ENOMEM */
static void hm_user_text_done(struct hm_user_text *t)
{
	if (t->buf)
		hm_plat_meta_free(t->buf, t->size);
	t->buf = NULL;
	t->len = t->size = 0;
	if (t->lost)
		errno = ENOMEM;
}

/* what @t holds, to @out; no lock of hakmem's is held */
void hm_user_text_write(struct hm_user_text *t, FILE *out)
{
	if (t->len)
		fwrite(t->buf, 1, t->len, out);
	hm_user_text_done(t);
}

/* the same to @pr, a line a call (the stats file's takes lines of < 4 KiB) */
void hm_user_text_print(struct hm_user_text *t, struct hm_printer *pr)
{
	size_t off, n;
	char *nl;

	for (off = 0; off < t->len; off += n) {
		nl = memchr(t->buf + off, '\n', t->len - off);
		n = nl ? (size_t)(nl - t->buf) + 1 - off : t->len - off;
		hm_print(pr, "%.*s", (int)n, t->buf + off);
	}
	hm_user_text_done(t);
}

void hm_file_printf(struct hm_printer *pr, const char *fmt, ...)
{
	struct hm_file_printer *fp = (struct hm_file_printer *)pr;
	va_list ap;

	va_start(ap, fmt);
	vfprintf(fp->out, fmt, ap);
	va_end(ap);
}

static void hm_row(struct hm_stat_row *r, const char *name, const struct hm_cache *c,
		   const struct hm_stats *st, unsigned long thread)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->mode, sizeof(r->mode), "%s", hm_mode_name(c->mode));
	r->size = c->obj_size;
	r->thread = thread;
	r->slabs = st->slabs;
	r->objs_inuse = st->objs_inuse;
	r->objs_total = st->objs_total;
	r->bytes_inuse = st->bytes_inuse;
	r->util_permille = st->util_permille;
	r->allocs = st->allocs;
	r->frees = st->frees;
	r->alloc_fast = st->alloc_fast;
	r->alloc_slow = st->alloc_slow;
	r->free_fast = st->free_fast;
	r->free_slow = st->free_slow;
	r->remote_frees = st->remote_frees;
	r->cached = st->objs_cached;
	r->errors = st->errors;
}

static size_t hm_cache_rows(struct hm_cache *c, struct hm_stat_row *rows,
			    size_t max, size_t n, unsigned int what, bool is_class)
{
	struct hm_stats st;

	if (what & (is_class ? HM_STATS_CLASSES : HM_STATS_CACHES)) {
		hm_cache_stats(c, &st);
		if (n < max)
			hm_row(&rows[n], c->name, c, &st, 0);
		n++;
	}
	if (what & HM_STATS_THREADS) {
		unsigned long flags;
		struct hm_cctx *cc;

		hm_lock(&c->lock, flags);
		for (cc = c->cctxs; cc; cc = cc->next) {
			hm_cctx_stats(cc, &st);
			if (!st.allocs && !st.frees)
				continue;
			if (n < max)
				hm_row(&rows[n], c->name, c, &st,
				       cc->abandoned ? HM_STAT_THREAD_EXITED :
				       HM_READ_ONCE(cc->ctx_id));
			n++;
		}
		hm_unlock(&c->lock, flags);
	}
	return n;
}

/* the HM_STATS_* bits hm_stats_snapshot() and hm_stats_dump() take */
#define HM_STATS_ALL	(HM_STATS_CLASSES | HM_STATS_CACHES | HM_STATS_THREADS | HM_STATS_DIAG)

size_t hm_stats_snapshot(struct hm_stat_row *rows, size_t max, unsigned int what)
{
	struct hm_cache *c;
	unsigned int i;
	size_t n = 0;

	if (what & ~HM_STATS_ALL) {	/* a bit of no HM_STATS_*: as hm_cache_create()'s flags */
		errno = EINVAL;
		return 0;
	}
	if (!rows)	/* only the count */
		max = 0;

	pthread_once(&hm_once, hm_init);
	for (i = 0; i < HM_USER_CLASSES; i++)
		n = hm_cache_rows(hm_classes[i], rows, max, n, what, true);
	hm_caches_take();
	for (c = hm_caches; c; c = c->next)
		n = hm_cache_rows(c, rows, max, n, what, false);
	hm_caches_give();
	return n;
}

/*
 * The rows are taken first and printed after, so that no cache lock is held
 * while @pr writes.  Their buffer is library metadata, not a malloc(): where
 * libhakmem is the process's malloc, the stats writer's dumps must not show
 * in the figures they report (mallinfo2() of the program it watches).
 */
/* a row's label: the cache's name, and @thread, or @exited, for a thread's */
#define HM_STAT_LABEL_LEN	(HM_NAME_LEN + 24)

static void hm_stat_label(char *label, const struct hm_stat_row *row)
{
	if (row->thread == HM_STAT_THREAD_EXITED)
		snprintf(label, HM_STAT_LABEL_LEN, "%s@exited", row->name);
	else if (row->thread)
		snprintf(label, HM_STAT_LABEL_LEN, "%s@%lu", row->name, row->thread);
	else
		snprintf(label, HM_STAT_LABEL_LEN, "%s", row->name);
}

void hm_stats_dump_pr(struct hm_printer *pr, unsigned int what)
{
	struct hm_stat_row *rows;
	unsigned int width = 0;
	struct hm_stats st;
	size_t n, i, bytes;

	n = HM_MAX(hm_stats_snapshot(NULL, 0, what), (size_t)1);
	bytes = n * sizeof(*rows);
	rows = hm_plat_meta_alloc(bytes, HM_GFP_DEFAULT);
	if (!rows)
		return;
	n = HM_MIN(n, hm_stats_snapshot(rows, n, what));
	/* the name column as wide as the longest label: the columns in line */
	for (i = 0; i < n; i++) {
		char label[HM_STAT_LABEL_LEN];

		hm_stat_label(label, &rows[i]);
		width = hm_stats_name_width(width, label);
	}
	hm_stats_print_header(pr, width);
	for (i = 0; i < n; i++) {
		char label[HM_STAT_LABEL_LEN];

		memset(&st, 0, sizeof(st));
		st.slabs = rows[i].slabs;
		st.objs_inuse = rows[i].objs_inuse;
		st.objs_total = rows[i].objs_total;
		st.util_permille = rows[i].util_permille;
		st.allocs = rows[i].allocs;
		st.frees = rows[i].frees;
		st.alloc_fast = rows[i].alloc_fast;
		st.alloc_slow = rows[i].alloc_slow;
		st.free_fast = rows[i].free_fast;
		st.free_slow = rows[i].free_slow;
		st.remote_frees = rows[i].remote_frees;
		st.objs_cached = rows[i].cached;
		st.errors = rows[i].errors;
		hm_stat_label(label, &rows[i]);
		hm_stats_print(pr, width, label, rows[i].mode, rows[i].size, &st);
	}
	hm_plat_meta_free(rows, bytes);
	if (what & HM_STATS_DIAG)
		hm_dump_diag(pr);
}

void hm_stats_dump(FILE *out, unsigned int what)
{
	struct hm_file_printer fp = { { hm_file_printf }, out };

	if (!out || (what & ~HM_STATS_ALL)) {
		errno = EINVAL;
		return;
	}
	hm_stats_dump_pr(&fp.pr, what);
}

/* problems are found under the cache's lock: printed to stderr after */
long hm_validate(struct hm_cache *c)
{
	struct hm_user_text t = HM_USER_TEXT_INIT;
	long problems = 0, r;
	unsigned int i;

	pthread_once(&hm_once, hm_init);
	if (c) {
		if (!hm_user_cache_get(c, HM_RET_IP))
			return -1;
		r = hm_cache_validate(c, &t.pr);
		hm_user_cache_put();
		hm_user_text_write(&t, stderr);
		return r;
	}
	for (i = 0; i < HM_USER_CLASSES; i++) {
		r = hm_cache_validate(hm_classes[i], &t.pr);
		problems += r < 0 ? 1 : r;
	}
	hm_caches_take();
	for (c = hm_caches; c; c = c->next) {
		r = hm_cache_validate(c, &t.pr);
		problems += r < 0 ? 1 : r;
	}
	hm_caches_give();
	hm_user_text_write(&t, stderr);
	return problems;
}

/* @c's reserves taken from their contexts, then its pool: the slabs released */
static unsigned long hm_trim_cache(struct hm_cache *c)
{
	unsigned long released;

	hm_cache_trim_reserves(c, &released);
	return released + hm_cache_shrink(c);
}

unsigned long hm_trim(void)
{
	unsigned long n = 0;
	struct hm_cache *c;
	unsigned int i;

	pthread_once(&hm_once, hm_init);
	hm_caches_take();
	hm_notes_look();
	hm_caches_give();
	hm_thread_flush();
	/* other threads' reserves: their magazines and active slabs stay theirs */
	for (i = 0; i < HM_USER_CLASSES; i++)
		n += hm_trim_cache(hm_classes[i]);
	hm_caches_take();
	for (c = hm_caches; c; c = c->next)
		n += hm_trim_cache(c);
	hm_caches_give();
	n += hm_large_trim();
	hm_user_retire_poll(true);	/* what was just given back, its pages too */
	return n;
}

/* @fn on every class, then every created cache; the caller holds hm_caches_lock */
static void hm_walk_locked(void (*fn)(struct hm_cache *c, void *arg), void *arg, void *unused)
{
	struct hm_cache *c;
	unsigned int i;

	for (i = 0; i < HM_USER_CLASSES; i++)
		fn(hm_classes[i], arg);
	for (c = hm_caches; c; c = c->next)
		fn(c, arg);
}

/* @fn on every class, then every created cache (under hm_caches_lock) */
void hm_user_each_cache(void (*fn)(struct hm_cache *c, void *arg), void *arg)
{
	pthread_once(&hm_once, hm_init);
	hm_caches_take();
	hm_walk_locked(fn, arg, NULL);
	hm_caches_give();
}

/*
 * The same, the classes (which are never destroyed) with @class_arg and
 * no lock, then the created caches with @cache_arg under hm_caches_lock
 */
void hm_user_each_cache_split(void (*fn)(struct hm_cache *c, void *arg), void *class_arg,
			      void *cache_arg)
{
	struct hm_cache *c;
	unsigned int i;

	pthread_once(&hm_once, hm_init);
	for (i = 0; i < HM_USER_CLASSES; i++)
		fn(hm_classes[i], class_arg);
	hm_caches_take();
	for (c = hm_caches; c; c = c->next)
		fn(c, cache_arg);
	hm_caches_give();
}

/* Is @c one of the built-in classes (read with no lock: they stay)? */
bool hm_user_is_class(const struct hm_cache *c)
{
	unsigned int i;

	pthread_once(&hm_once, hm_init);
	for (i = 0; i < HM_USER_CLASSES; i++)
		if (hm_classes[i] == c)
			return true;
	return false;
}

/* ---- diagnostics ----------------------------------------------------- */

/*
 * fork(): another thread may hold any of hakmem's locks, and the child
 * would wait on it for ever; so the forking thread takes them all first,
 * in the lock order (each cache's lock is a leaf, the core's globals
 * after), and both sides release them.
 */
static void hm_fork_each(bool lock)
{
	hm_lock_t *core[] = { &hm_large_lock, &hm_slabmap_lock, &hm_err_lock, &hm_meta_lock,
			      &hm_retire_lock };
	struct hm_cache *c;
	unsigned int i;

	for (i = 0; i < HM_USER_CLASSES; i++)
		lock ? pthread_mutex_lock(&hm_classes[i]->lock) :
		       pthread_mutex_unlock(&hm_classes[i]->lock);
	for (c = hm_caches; c; c = c->next)
		lock ? pthread_mutex_lock(&c->lock) : pthread_mutex_unlock(&c->lock);
	for (i = 0; i < HM_ARRAY_SIZE(core); i++)
		lock ? pthread_mutex_lock(core[i]) : pthread_mutex_unlock(core[i]);
}

/*
 * A process of one thread forks with no lock taken, as glibc's malloc
 * does: no other thread can hold one, and the forking one holds one only
 * when fork() is called from a signal handler that interrupted it inside
 * libhakmem, where taking it would wait for ever (a large malloc() under
 * hm_large_lock, interrupted by a handler that forks, hung).  Such a
 * child finds that lock taken and must not need it (POSIX allows it only
 * async-signal-safe calls).  Set and read by the forking thread only.
 */
static bool hm_fork_unlocked;

/*
 * hm_fork_live was false at prepare: the handlers take no lock, and the
 * child only forgets the parent's tid (see hm_fork_child())
 */
static bool hm_fork_idle;

/*
 * With other threads, one of them may be in the set-up: waited for, or
 * the child found hm_fork_live false here, and then the set-up's locks
 * taken (hm_debug_lock, for HAKMEM_DEBUG), and its set-up waited for
 * them for ever.  Once hm_init_lock is held, the set-up is done or not
 * begun.
 */
static bool hm_fork_init_locked;

static void hm_fork_prepare(void)
{
	hm_fork_init_locked = !__libc_single_threaded;
	if (hm_fork_init_locked)
		pthread_mutex_lock(&hm_init_lock);
	hm_fork_idle = !__atomic_load_n(&hm_fork_live, __ATOMIC_ACQUIRE);
	hm_fork_unlocked = hm_fork_idle || __libc_single_threaded;
	if (hm_fork_unlocked)
		return;
	pthread_mutex_lock(&hm_sf_lock);
	pthread_mutex_lock(&hm_debug_lock);
	pthread_mutex_lock(&hm_caches_lock);
	pthread_mutex_lock(&hm_notes_lock);
	hm_fork_each(true);
}

static void hm_fork_release(void)
{
	if (!hm_fork_unlocked) {
		hm_fork_each(false);
		pthread_mutex_unlock(&hm_notes_lock);
		pthread_mutex_unlock(&hm_caches_lock);
		pthread_mutex_unlock(&hm_debug_lock);
		pthread_mutex_unlock(&hm_sf_lock);
	}
	if (hm_fork_init_locked)
		pthread_mutex_unlock(&hm_init_lock);
}

/*
 * The parent's other threads are gone, maybe inside a context's route
 * bracket (its read_seq odd): closed here, or tracking going off in the
 * child would wait for them for ever (hm_plat_read_sync_ctx()), with the
 * cache lock held.  The forking thread is in fork(), in no bracket.
 */
static void hm_fork_close_brackets(struct hm_cache *c)
{
	struct hm_cctx *cc;

	for (cc = c->cctxs; cc; cc = cc->next)
		if (hm_atomic_read(&cc->read_seq) & 1)
			hm_plat_read_ctx_end(&cc->read_seq);
}

/*
 * The child's one thread has a new tid: its contexts take it (reports,
 * tracking) while every lock is still held.  Its slab key is a serial,
 * which the child's later threads never get (the counter goes on from
 * here), so its slabs keep it; only a thread keyed by tid (serials run
 * out) rekeys them, since a later thread may get the parent's tid back
 * and match.  The contexts of the parent's other threads stay as they
 * are: those threads are gone, maybe in the middle of a fast path, so
 * nothing adopts their contexts (their objects stay valid, and can be
 * freed as remote frees).
 */
static void hm_fork_child(void)
{
	struct hm_cache *c;
	unsigned int i;
	u32 tid;

	/*
	 * Before the set-up too: a report made then (hm_cache_destroy() or
	 * hm_free() of a stranger) remembered the thread's tid and may have
	 * taken a reader slot with it.  Left as they were, the child's thread
	 * would attach with the parent's tid, which no thread of the child
	 * has: a look from another thread (hm_trim(), the notes doubling)
	 * took it for gone, abandoned its live contexts, which others then
	 * adopted while it used them, and closed its reader slot.  Nothing
	 * here needs a lock: the child has one thread.
	 */
	hm_user_ctx_id_reset();
	hm_notes_fork_child();
	hm_user_readers_fork_child();
	if (hm_fork_idle) {
		hm_fork_release();	/* hm_init_lock */
		return;
	}
	for (i = 0; i < HM_USER_CLASSES; i++)
		hm_fork_close_brackets(hm_classes[i]);
	for (c = hm_caches; c; c = c->next)
		hm_fork_close_brackets(c);
	if (hm_tls.key_set) {
		tid = hm_plat_ctx_id();
		for (i = 0; i < HM_USER_CLASSES; i++)
			if (hm_tls.cls[i] != &hm_cctx_none)
				hm_cctx_rekey(hm_tls.cls[i], tid, hm_tls.key_id);
		for (i = 0; i < HM_TLS_SLOTS; i++)
			if (hm_tls.slot[i].cc && hm_cache_id_alive(hm_tls.slot[i].id))
				hm_cctx_rekey(hm_tls.slot[i].cc, tid, hm_tls.key_id);
		hm_tls.tid = tid;
		if (!hm_tls.key_id)
			hm_tls.slab_key = hm_slab_key(tid);
	}
	hm_fork_release();
}

/*
 * @switches (valid text) applied to @c when @set, else only checked: can
 * @c have the result (hm_debug_flags_valid())?  Return: 0, or -1.
 */
static int hm_debug_one(struct hm_cache *c, const char *switches, bool set)
{
	bool ok;
	unsigned int flags = hm_debug_parse(switches, c->debug, &ok);

	if (!set)
		return hm_debug_flags_valid(flags) ? 0 : -1;
	return hm_cache_set_debug(c, flags, HM_GFP_DEFAULT);
}

/* hm_debug_one() on @c, or (NULL) every class and cache; under hm_caches_lock */
static int hm_debug_each(struct hm_cache *c, const char *switches, bool set)
{
	struct hm_cache *it;
	unsigned int i;

	if (c)
		return hm_debug_one(c, switches, set);
	for (i = 0; i < HM_USER_CLASSES; i++)
		if (hm_debug_one(hm_classes[i], switches, set))
			return -1;
	for (it = hm_caches; it; it = it->next)
		if (hm_debug_one(it, switches, set))
			return -1;
	return 0;
}

static int hm_set_debug_locked(struct hm_cache *c, const char *switches, unsigned long ip)
{
	unsigned int global;
	bool ok;
	int ret;

	hm_debug_parse(switches, 0, &ok);
	if (!ok)
		return -1;
	pthread_mutex_lock(&hm_debug_lock);	/* switch changes are serialized */
	hm_caches_take();
	if (c && !hm_cache_known(c)) {
		pthread_mutex_unlock(&hm_debug_lock);
		hm_caches_give();
		hm_report(NULL, HM_ERR_FOREIGN, c, ip);
		return -1;
	}
	/* global: the default of caches created later changes too */
	global = c ? hm_debug_global : hm_debug_parse(switches, hm_debug_global, &ok);
	/* all or nothing: a cache left with xowner but no tracking refuses */
	ret = hm_debug_flags_valid(global) ? hm_debug_each(c, switches, false) : -1;
	if (!ret)
		ret = hm_debug_each(c, switches, true);
	if (!ret)
		hm_debug_global = global;
	pthread_mutex_unlock(&hm_debug_lock);	/* first: a report waiting may switch */
	hm_caches_give();
	return ret;
}

int hm_set_debug(struct hm_cache *c, const char *switches)
{
	pthread_once(&hm_once, hm_init);
	return switches ? hm_set_debug_locked(c, switches, HM_RET_IP) : -1;
}

static void hm_print_errors(struct hm_printer *pr)
{
	struct hm_err_entry log[HM_ERR_LOG];
	unsigned int e, n, i;

	hm_print(pr, "errors:");
	for (e = 0; e < HM_ERR_NR; e++)
		hm_print(pr, " %s=%lu", hm_error_name(e), hm_errors(e));
	hm_print(pr, "\n");
	n = hm_report_log_copy(log);
	for (i = 0; i < n; i++) {
		hm_print(pr, "  #%lu %s: %p in %s (slab %p), thread %u, caller " HM_SYM_FMT "\n",
			 log[i].seq, hm_error_name(log[i].kind), (void *)log[i].ptr, log[i].cache,
			 (void *)log[i].slab, log[i].ctx, HM_SYM(log[i].ip));
		if (log[i].kind == HM_ERR_USE_AFTER_FREE)
			hm_print(pr, "    first changed byte at offset %u\n", log[i].offset);
		if (log[i].alloc_ip)
			hm_print(pr, "    allocated by thread %u at " HM_SYM_FMT ", %llu ns before\n",
				 log[i].alloc_ctx, HM_SYM(log[i].alloc_ip),
				 (unsigned long long)log[i].alloc_age_ns);
		if (log[i].free_ip)
			hm_print(pr, "    freed by thread %u at " HM_SYM_FMT ", %llu ns before\n",
				 log[i].free_ctx, HM_SYM(log[i].free_ip),
				 (unsigned long long)log[i].free_age_ns);
	}
}

/*
 * The observatory's sections of the dump: errors, sites, fragmentation.
 * The created caches' are printed under hm_caches_lock: to @pr after.
 */
static void hm_dump_diag(struct hm_printer *pr)
{
	struct hm_site_stat top[HM_SITES_TOP];
	char *map = hm_plat_meta_alloc(HM_MAP_MAX, HM_GFP_DEFAULT);
	struct hm_user_text t = HM_USER_TEXT_INIT;
	struct hm_cache *c;
	unsigned int i;

	hm_print_errors(pr);
	if (!map)
		return;
	for (i = 0; i < HM_USER_CLASSES; i++) {
		hm_debug_counts_print(hm_classes[i], pr);
		hm_frag_print(hm_classes[i], pr, map, false);
		if (hm_classes[i]->sites)
			hm_sites_print(hm_classes[i], pr, top);
		if (hm_classes[i]->learn)
			hm_learn_print(hm_classes[i], pr, 0);
		if (hm_classes[i]->flags & HM_CACHE_ADAPTIVE)
			hm_adapt_print(hm_classes[i], pr, 0);
	}
	hm_caches_take();
	for (c = hm_caches; c; c = c->next) {
		hm_debug_counts_print(c, &t.pr);
		hm_frag_print(c, &t.pr, map, false);
		if (c->sites)
			hm_sites_print(c, &t.pr, top);
		if (c->learn)
			hm_learn_print(c, &t.pr, 0);
		if (c->flags & HM_CACHE_ADAPTIVE)
			hm_adapt_print(c, &t.pr, 0);
	}
	hm_caches_give();
	hm_user_text_print(&t, pr);
	hm_plat_meta_free(map, HM_MAP_MAX);
}

/* "learn": the learner's state, choice and ratings, once it ran */
static void hm_json_learn(struct hm_printer *pr, struct hm_cache *c)
{
	struct hm_learn l;
	unsigned int f;

	if (!hm_learn_snapshot(c, &l))
		return;
	hm_print(pr, "     \"learn\": {\"state\": \"%s\", \"epoch\": %u, \"seed\": %u, "
		"\"choice\": \"%s\", \"ratings\": {", hm_learn_state_name(l.state), l.epoch,
		l.seed0, hm_fit_name(l.state == HM_LEARN_FROZEN ? l.choice : l.turn));
	for (f = 0; f < HM_FIT_NR; f++)
		hm_print(pr, "%s\"%s\": %lld", f ? ", " : "", hm_fit_name(f),
			 (long long)l.rating[f]);
	hm_print(pr, "}, \"cost\": {");
	for (f = 0; f < HM_FIT_NR; f++)
		hm_print(pr, "%s\"%s\": %lu", f ? ", " : "", hm_fit_name(f), l.cost[f]);
	hm_print(pr, "}},\n");
}

/* "longest_runs": the longest free run of each slab, in list order */
static void hm_json_run(struct hm_cache *c, const struct hm_frag_slab *fs,
			const char *map, void *arg)
{
	hm_print((struct hm_printer *)arg, "%s%u", fs->nr ? ", " : "", fs->longest);
}

/* room for a cache name in JSON: every byte may become \u00XX */
#define HM_JSON_NAME	(6 * HM_NAME_LEN + 1)
/* and for a code address as the text dump names it (hm_user_sym()) */
#define HM_JSON_SYM	(6 * HM_USER_SYM_LEN + 1)

/* The length of the valid UTF-8 sequence at @s (RFC 3629), 0 if not one. */
static unsigned int hm_utf8_len(const unsigned char *s)
{
	unsigned int n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * @s as a JSON string's contents: quotes, backslashes and control bytes
 * escaped; a byte that is not part of valid UTF-8 (a name cut inside a
 * character, or in another encoding) as \u00XX, so the dump stays JSON.
 */
static const char *hm_json_str_n(const char *s, char *buf, size_t size)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int n;
	size_t k = 0;

	for (; *u && k + 7 <= size; u++) {
		if (*u == '"' || *u == '\\') {
			buf[k++] = '\\';
			buf[k++] = (char)*u;
		} else if (*u < 0x20 || (*u >= 0x80 && !(n = hm_utf8_len(u)))) {
			k += (size_t)snprintf(buf + k, size - k, "\\u%04x", *u);
		} else if (*u < 0x80) {
			buf[k++] = (char)*u;
		} else {
			memcpy(buf + k, u, n);
			k += n;
			u += n - 1;
		}
	}
	buf[k] = '\0';
	return buf;
}

static const char *hm_json_str(const char *s, char *buf)
{
	return hm_json_str_n(s, buf, HM_JSON_NAME);
}

/*
 * A code address as the text dump and the reports name it, "symbol+0xoff
 * (file+0xoff)" or "0xaddr (file+0xoff)": the file offset is what
 * addr2line takes after the process is gone, which the bare address (its
 * "site", "caller", ...) is not once the mapping is randomized.
 */
static const char *hm_json_sym(unsigned long ip, char *buf)
{
	char sym[HM_USER_SYM_LEN];

	return hm_json_str_n(hm_user_sym(ip, sym), buf, HM_JSON_SYM);
}

static void hm_json_cache(struct hm_printer *pr, struct hm_cache *c, bool first, char *map)
{
	char name[HM_JSON_NAME], sym[HM_JSON_SYM];
	struct hm_site_stat top[HM_SITES_TOP];
	struct hm_stats st;
	struct hm_frag f;
	unsigned int i, n;

	hm_cache_stats(c, &st);
	hm_print(pr, "%s\n    {\"name\": \"%s\", \"mode\": \"%s\", \"size\": %u, "
		"\"slabs\": %lu, \"inuse\": %lu, \"total\": %lu, \"util_permille\": %lu, "
		"\"allocs\": %lu, \"frees\": %lu, \"alloc_fast\": %lu, \"alloc_slow\": %lu, "
		"\"free_fast\": %lu, \"free_slow\": %lu, \"remote_frees\": %lu, "
		"\"cached\": %lu, \"errors\": %lu, \"quarantined\": %lu, "
		"\"xowner_frees\": %lu, \"nocctx_frees\": %lu, \"track_bytes\": %lu, "
		"\"debug_nomem\": %lu, \"debug\": %u, \"checks\": %s, \"policy\": \"%s\",\n"
		"     \"frag\": {\"longest_runs\": [",
		first ? "" : ",", hm_json_str(c->name, name), hm_mode_name(c->mode), c->obj_size,
		st.slabs,
		st.objs_inuse, st.objs_total, st.util_permille, st.allocs, st.frees,
		st.alloc_fast, st.alloc_slow, st.free_fast, st.free_slow, st.remote_frees,
		st.objs_cached, st.errors, hm_atomic_read(&c->quarantined),
		hm_atomic_read(&c->xowner_frees), hm_atomic_read(&c->nocctx_frees),
		hm_atomic_read(&c->track_bytes), hm_atomic_read(&c->debug_nomem), c->debug,
		hm_cache_checks_on(c) ? "true" : "false", hm_fit_name(c->fit));
	/* one walk: the per-slab runs and the figures agree */
	hm_cache_frag_each(c, &f, map, hm_json_run, pr);
	hm_print(pr, "], \"partial\": %lu, \"live\": %lu, \"cached\": %lu, \"free\": %lu, "
		"\"remote\": %lu, \"longest_run_min\": %lu, \"longest_run_avg\": %lu, "
		"\"longest_run_max\": %lu, \"approximate\": %lu, \"by_fullness\": [",
		f.partial, f.live, f.cached, f.free, f.remote, f.longest_run_min,
		f.slabs ? f.longest_run_sum / f.slabs : 0, f.longest_run_max, f.approx);
	for (i = 0; i < HM_FRAG_BUCKETS; i++)
		hm_print(pr, "%s%lu", i ? ", " : "", f.hist[i]);
	hm_print(pr, "]},\n");
	hm_json_learn(pr, c);
	if (c->flags & HM_CACHE_ADAPTIVE) {
		struct hm_adapt_sum as;

		hm_adapt_sum(c, &as);
		hm_print(pr, "     \"adaptive\": {\"contexts\": %lu, \"hybrid\": %lu, \"bitmap\": %lu, "
			"\"switches\": %lu},\n", as.contexts, as.hybrid, as.bitmap, as.switches);
	}
	hm_print(pr, "     \"sites\": [");
	n = hm_sites_top(c, top, HM_SITES_TOP, false);
	for (i = 0; i < n; i++)
		hm_print(pr, "%s{\"site\": \"%p\", \"where\": \"%s\", \"allocs\": %lu, "
			"\"live\": %ld}", i ? ", " : "", (void *)top[i].site,
			hm_json_sym(top[i].site, sym), top[i].allocs, top[i].live);
	hm_print(pr, "]}");
}

/* the created caches' are printed under hm_caches_lock: to @out after */
void hm_stats_dump_json(FILE *out)
{
	struct hm_file_printer fp = { { hm_file_printf }, out };
	struct hm_user_text t = HM_USER_TEXT_INIT;
	struct hm_err_entry log[HM_ERR_LOG];
	char *map, name[HM_JSON_NAME], sym[HM_JSON_SYM];
	struct hm_cache *c;
	unsigned int i, n, e;
	bool first = true;

	if (!out) {
		errno = EINVAL;
		return;
	}
	pthread_once(&hm_once, hm_init);
	map = hm_plat_meta_alloc(HM_MAP_MAX, HM_GFP_DEFAULT);
	if (!map)
		return;
	fprintf(out, "{\"mode\": \"%s\", \"caches\": [", hm_mode_name(hm_mode_default));
	for (i = 0; i < HM_USER_CLASSES; i++, first = false)
		hm_json_cache(&fp.pr, hm_classes[i], first, map);
	hm_caches_take();
	for (c = hm_caches; c; c = c->next, first = false)
		hm_json_cache(&t.pr, c, first, map);
	hm_caches_give();
	hm_user_text_write(&t, out);
	fprintf(out, "\n  ],\n  \"errors\": {");
	for (e = 0; e < HM_ERR_NR; e++)
		fprintf(out, "%s\"%s\": %lu", e ? ", " : "", hm_error_name(e), hm_errors(e));
	fprintf(out, "},\n  \"last_reports\": [");
	n = hm_report_log_copy(log);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{\"seq\": %lu, \"kind\": \"%s\", \"ptr\": \"%p\", \"cache\": \"%s\", "
			"\"slab\": \"%p\", \"offset\": %u, "
			"\"thread\": %u, \"caller\": \"%p\", ",
			i ? ", " : "", log[i].seq,
			hm_error_name(log[i].kind), (void *)log[i].ptr, hm_json_str(log[i].cache, name),
			(void *)log[i].slab, log[i].offset, log[i].ctx, (void *)log[i].ip);
		fprintf(out, "\"caller_where\": \"%s\", ", hm_json_sym(log[i].ip, sym));
		fprintf(out, "\"alloc_thread\": %u, \"alloc_site\": \"%p\", ",
			log[i].alloc_ctx, (void *)log[i].alloc_ip);
		fprintf(out, "\"alloc_where\": \"%s\", ", hm_json_sym(log[i].alloc_ip, sym));
		fprintf(out, "\"free_thread\": %u, \"free_site\": \"%p\", ",
			log[i].free_ctx, (void *)log[i].free_ip);
		fprintf(out, "\"free_where\": \"%s\"}", hm_json_sym(log[i].free_ip, sym));
	}
	fprintf(out, "]\n}\n");
	hm_plat_meta_free(map, HM_MAP_MAX);
}

/* ---- research: fit policies, contiguous runs, fragmentation ---------- */

/* every built-in class, the medium ones (hm-2048 to hm-10816) too */
struct hm_cache *hm_class_cache(size_t size)
{
	pthread_once(&hm_once, hm_init);
	if (!size || size > HM_USER_MAX_CLASS)
		return NULL;
	return hm_classes[hm_user_class(size)];
}

static u32 hm_learn_seed(void)
{
	return (u32)hm_user_env_num("HAKMEM_LEARN_SEED", 0, UINT32_MAX, 1);
}

static bool hm_is_learn(const char *policy)
{
	return !strcmp(policy, "learn") || !strcmp(policy, "learn\n");
}

static void hm_research_init(void)
{
	const char *pol = hm_user_env_word("HAKMEM_POLICY", HM_POLICY_ENV_BAD);
	enum hm_fit fit;
	unsigned int i;
	u32 seed;

	if (hm_user_env_num("HAKMEM_ADAPTIVE", 0, 1, 0)) {
		if (hm_mode_default != HM_MODE_HYBRID)
			fprintf(stderr, "hakmem: HAKMEM_ADAPTIVE=1 needs HAKMEM_MODE=hybrid; ignored\n");
		for (i = 0; i < HM_USER_CLASSES && hm_mode_default == HM_MODE_HYBRID; i++)
			hm_cache_set_adaptive(hm_classes[i], true);
	}
	if (!pol)
		return;
	if (hm_is_learn(pol)) {	/* the learner picks bitmap mode's block choice */
		if (hm_mode_default != HM_MODE_BITMAP) {
			fprintf(stderr, "hakmem: HAKMEM_POLICY=learn needs HAKMEM_MODE=bitmap; ignored\n");
			return;
		}
		seed = hm_learn_seed();
		for (i = 0; i < HM_USER_CLASSES; i++)
			if (hm_cache_learn(hm_classes[i], HM_LEARN_ON, seed))
				fprintf(stderr, "hakmem: HAKMEM_POLICY=learn: no memory for %s's learner\n",
					hm_classes[i]->name);
		return;
	}
	if (!hm_fit_parse(pol, &fit)) {
		hm_user_env_refused("HAKMEM_POLICY", pol, HM_POLICY_ENV_BAD);
		return;
	}
	for (i = 0; i < HM_USER_CLASSES; i++)
		hm_cache_set_fit(hm_classes[i], fit);
}

int hm_cache_set_learner(struct hm_cache *c, const char *cmd)
{
	enum hm_learn_state st;
	u32 seed;
	int r;

	pthread_once(&hm_once, hm_init);
	if (!cmd || !hm_learn_parse(cmd, &st, &seed))
		return -EINVAL;
	if (c) {
		if (!hm_user_cache_get(c, HM_RET_IP))
			return -EINVAL;
		r = hm_cache_learn(c, st, seed);
		hm_user_cache_put();
	} else {
		/* every class and cache, all or none: no cache comes or goes meanwhile */
		hm_caches_take();
		r = hm_learn_all(hm_walk_locked, NULL, st, seed);
		hm_caches_give();
	}
	return r == HM_LEARN_NOMEM ? -ENOMEM : r ? -EINVAL : 0;
}

int hm_cache_set_policy(struct hm_cache *c, const char *policy)
{
	struct hm_cache *it;
	enum hm_fit fit;
	unsigned int i;

	pthread_once(&hm_once, hm_init);
	if (policy && hm_is_learn(policy)) {
		char cmd[24];

		snprintf(cmd, sizeof(cmd), "on %u", hm_learn_seed());
		return hm_cache_set_learner(c, cmd);
	}
	if (!policy || !hm_fit_parse(policy, &fit))
		return -EINVAL;
	if (c) {
		int r;

		if (!hm_user_cache_get(c, HM_RET_IP))
			return -EINVAL;
		r = hm_cache_set_fit(c, fit) ? -EINVAL : 0;
		hm_user_cache_put();
		return r;
	}
	for (i = 0; i < HM_USER_CLASSES; i++)
		hm_cache_set_fit(hm_classes[i], fit);
	hm_caches_take();
	for (it = hm_caches; it; it = it->next)
		hm_cache_set_fit(it, fit);
	hm_caches_give();
	return 0;
}

const char *hm_cache_policy(struct hm_cache *c)
{
	const char *name;

	if (!c || !hm_user_cache_get(c, HM_RET_IP))
		return "?";
	name = hm_fit_name(HM_READ_ONCE(c->fit));
	hm_user_cache_put();
	return name;
}

void *hm_cache_alloc_contig(struct hm_cache *c, size_t n)
{
	struct hm_cctx *cc;
	unsigned int tries;
	bool need;
	void *p;

	if (unlikely(!c)) {
		hm_cache_null(HM_RET_IP);
		return NULL;
	}
	if (unlikely(n > c->nblocks)) {	/* the count as asked, not cut to 32 bits */
		hm_report(c, HM_ERR_BAD_SIZE, (void *)n, HM_RET_IP);
		errno = EINVAL;
		return NULL;
	}
	cc = hm_cache_cctx(c);
	if (unlikely(!cc))
		return NULL;
	p = hm_cctx_alloc_contig(cc, (unsigned int)n, &need, HM_RET_IP);
	for (tries = 0; !p && need && tries < 4; tries++) {
		void *chunk = hm_cache_chunk_get(c, HM_GFP_DEFAULT);

		if (!chunk) {
			cc->st.alloc_fail++;
			errno = ENOMEM;
			return NULL;
		}
		p = hm_cctx_add_chunk_contig(cc, chunk, (unsigned int)n, HM_RET_IP);
	}
	if (!p)
		errno = EINVAL;
	return p;
}

void hm_cache_free_contig(struct hm_cache *c, void *first, size_t n)
{
	struct hm_slab *s;
	bool in, ok;
	size_t i;

	if (!first)
		return;
	if (unlikely(!c)) {
		hm_cache_free_none(&first, 1, HM_RET_IP);
		return;
	}
	in = hm_plat_read_begin();	/* a stale @first's slab: see hm_free_unowned() */
	s = hm_ptr_to_slab(first);
	ok = s && hm_contig_free_check(c, s, first, n, HM_RET_IP);
	if (in)
		hm_plat_read_end();
	if (!s)		/* no block of a slab: reported as its free would */
		hm_free_nonslab(c, first, HM_RET_IP);
	if (!ok)
		return;
	for (i = 0; i < n; i++)
		hm_cache_free(c, (char *)first + i * c->size);
}

static void hm_frag_add(struct hm_cache *c, struct hm_frag_info *f, char *map)
{
	struct hm_frag one;

	hm_cache_frag(c, &one, map);
	if (one.slabs)
		f->longest_run_min = f->slabs ? HM_MIN(f->longest_run_min, one.longest_run_min) :
				     one.longest_run_min;
	f->slabs += one.slabs;
	f->partial += one.partial;
	f->blocks += one.blocks;
	f->live += one.live;
	f->cached += one.cached;
	f->free += one.free;
	f->longest_run_avg += one.longest_run_sum;	/* a sum until the end */
}

void hm_frag_info(struct hm_cache *c, struct hm_frag_info *f)
{
	char *map;
	unsigned int i;

	if (!f) {
		errno = EINVAL;
		return;
	}
	memset(f, 0, sizeof(*f));
	map = malloc(HM_MAP_MAX);
	if (!map)
		return;
	pthread_once(&hm_once, hm_init);
	if (c) {
		if (hm_user_cache_get(c, HM_RET_IP)) {
			hm_frag_add(c, f, map);
			hm_user_cache_put();
		}
	} else {
		for (i = 0; i < HM_USER_CLASSES; i++)
			hm_frag_add(hm_classes[i], f, map);
	}
	free(map);
	f->longest_run_avg = f->slabs ? f->longest_run_avg / f->slabs : 0;
	f->util_permille = f->blocks ? f->live * 1000 / f->blocks : 0;
}
