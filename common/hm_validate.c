// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_validate.c - check that every slab, list and counter of a cache agree.
 *
 * For each slab: allocated + cached + free == capacity, where "cached" is
 * counted from the contexts' magazines, bitmaps do not overlap, free lists
 * hold each block at most once and only blocks of their slab, and the slab
 * sits on the list its state asks for.  For the cache: the objects found
 * allocated equal the sum of allocations minus frees over all contexts.
 *
 * The result is exact only while no context allocates or frees in the
 * cache; the kernel adapter runs it under stop_machine(), tests run it
 * after their threads are joined.
 */
#include "hm_cache.h"
#include "hm_validate.h"

/* a problem's line as the log gets it (longer ones are cut) */
#define HM_VLINE	192

struct hm_vstate {
	struct hm_cache *c;
	struct hm_printer *pr;
	long problems;
	unsigned long *seen;	/* one bit per block of the slab at hand */
	/* no printer: the first HM_VALIDATE_LOG_MAX problems' lines, kept */
	char (*lines)[HM_VLINE];
	unsigned int nlines;
};

/*
 * One problem: counted always; printed to the printer at once, or kept
 * for the log, which gets at most HM_VALIDATE_LOG_MAX of them after the
 * cache lock is dropped (hm_vlog()).
 */
#define hm_vfail(v, ...)						\
	do {								\
		struct hm_vstate *hm_v = (v);				\
									\
		hm_v->problems++;					\
		if (hm_v->pr)						\
			hm_print(hm_v->pr, __VA_ARGS__);		\
		else if (hm_v->nlines < HM_VALIDATE_LOG_MAX)		\
			hm_snprintf(hm_v->lines[hm_v->nlines++], HM_VLINE, \
				    __VA_ARGS__);			\
	} while (0)

/*
 * a kept line of @c to @log, or to the platform's error log (@log NULL),
 * through @c's rate limit of HM_MSG_VALIDATE: a cache validated again
 * and again does not flood the kernel log
 */
static void hm_vlog_line(struct hm_cache *c, struct hm_printer *log, const char *line)
{
	if (log)
		hm_print(log, "%s", line);
	else if (hm_plat_err_ratelimit(c, HM_MSG_VALIDATE))
		hm_plat_err("%s", line);
}

/*
 * The kept lines of @v, and one line for the problems past them, to @log
 * (NULL: the platform's error log): no lock held, HM_VALIDATE_LOG_MAX + 1
 * lines at most however many problems there were.
 */
static void hm_vlog(struct hm_vstate *v, struct hm_printer *log)
{
	char more[HM_NAME_LEN + 48];
	unsigned int i;

	for (i = 0; i < v->nlines; i++)
		hm_vlog_line(v->c, log, v->lines[i]);
	if (v->problems > v->nlines) {
		hm_snprintf(more, sizeof(more), "%s: ... %ld more problems\n",
			    v->c->name, v->problems - (long)v->nlines);
		hm_vlog_line(v->c, log, more);
	}
}

/* Mark block @p of @s in v->seen; false if it is not a block or seen. */
static bool hm_vmark(struct hm_vstate *v, struct hm_slab *s, const void *p,
		     const char *where)
{
	unsigned int idx = hm_block_index(v->c, s, p);
	unsigned long bit = 1UL << (idx % HM_BPL);

	if (hm_ptr_slab(p) != s || !hm_block_valid(v->c, s, p, idx)) {
		hm_vfail(v, "%s: slab %p: %s holds %p, not a block of it\n",
			 v->c->name, (void *)s, where, p);
		return false;
	}
	if (v->seen[idx / HM_BPL] & bit) {
		hm_vfail(v, "%s: slab %p: block %u twice (%s)\n",
			 v->c->name, (void *)s, idx, where);
		return false;
	}
	v->seen[idx / HM_BPL] |= bit;
	return true;
}

/* Blocks of @s cached in any magazine; marks them in v->seen. */
static unsigned int hm_vcached(struct hm_vstate *v, struct hm_slab *s)
{
	struct hm_cctx *cc;
	unsigned int n = 0;
	u32 i;

	for (cc = v->c->cctxs; cc; cc = cc->next) {
		hm_mag_to_array(cc);	/* quiescent: nobody uses cc */
		for (i = 0; i < cc->mag_count; i++) {
			if (hm_ptr_slab(cc->mag[i]) != s)
				continue;
			if (cc != s->owner)
				hm_vfail(v,
					 "%s: slab %p: cached by a context that does not own it\n",
					 v->c->name, (void *)s);
			n += hm_vmark(v, s, cc->mag[i], "magazine");
		}
		hm_mag_from_array(cc);
	}
	return n;
}

static unsigned long hm_vbitmap(struct hm_vstate *v, struct hm_slab *s,
				unsigned int cached)
{
	unsigned int i, nfree = 0, remote = 0, live = 0;
	unsigned long pad = 0;

	if (s->nblocks % HM_BPL)
		pad = ~0UL << (s->nblocks % HM_BPL);
	for (i = 0; i < s->nwords; i++) {
		unsigned long f = s->free_bits[i];
		unsigned long r = hm_atomic_read(&s->remote_bits[i]);
		unsigned long l = s->live_bits ? s->live_bits[i] : 0;
		unsigned long m = v->seen[i];

		if (i == s->nwords - 1u && ((f | r | l | m) & pad))
			hm_vfail(v, "%s: slab %p: bits set past the last block\n",
				 v->c->name, (void *)s);
		if ((f & r) || (f & m) || (f & l) || (l & m) || (r & m))
			hm_vfail(v,
				 "%s: slab %p word %u: block in two states (free %lx remote %lx live %lx cached %lx)\n",
				 v->c->name, (void *)s, i, f, r, l, m);
		if (s->live_bits && (r & ~l))
			hm_vfail(v, "%s: slab %p word %u: remote free of a block not live\n",
				 v->c->name, (void *)s, i);
		nfree += hm_popcount(f);
		remote += hm_popcount(r);
		live += hm_popcount(l);
	}
	if (nfree != s->nfree)
		hm_vfail(v, "%s: slab %p: nfree %u but %u free bits\n",
			 v->c->name, (void *)s, s->nfree, nfree);
	if (!s->live_bits && cached)
		hm_vfail(v, "%s: slab %p: bitmap slab has cached blocks\n",
			 v->c->name, (void *)s);
	if (s->live_bits && live + nfree + cached != s->nblocks)
		hm_vfail(v, "%s: slab %p: live %u + free %u + cached %u != %u\n",
			 v->c->name, (void *)s, live, nfree, cached, s->nblocks);
	return s->nblocks - nfree - cached - remote;
}

static unsigned int hm_vlist(struct hm_vstate *v, struct hm_slab *s,
			     void *head, const char *where)
{
	unsigned int n = 0;
	void **b;

	for (b = head; b; b = hm_plat_link_read(b)) {
		if (!hm_vmark(v, s, b, where))
			break;	/* a bad link: do not follow it */
		n++;
	}
	return n;
}

/*
 * With checks on, a freelist slab's exact state (hm_fl_state()) must be
 * its lists: fl_free the blocks on s->free and local_free, fl_remote those
 * on the remote list (v->seen holds all of them), never both.
 */
static void hm_vfl_state(struct hm_vstate *v, struct hm_slab *s)
{
	struct hm_slab_dbg *d = hm_fl_state(v->c, s);
	unsigned int i;

	for (i = 0; d && i < v->c->nwords; i++) {
		unsigned long f = HM_READ_ONCE(d->fl_free[i]);
		unsigned long r = hm_atomic_read(&d->fl_remote[i]);

		if ((f | r) != v->seen[i] || (f & r))
			hm_vfail(v, "%s: slab %p word %u: state free %lx remote %lx, lists %lx\n",
				 v->c->name, (void *)s, i, f, r, v->seen[i]);
	}
}

static unsigned long hm_vfreelist(struct hm_vstate *v, struct hm_slab *s,
				  unsigned int cached)
{
	unsigned int nfree, remote;

	nfree = hm_vlist(v, s, s->free, "free list");
	nfree += hm_vlist(v, s, s->local_free, "local free list");
	remote = hm_vlist(v, s, (void *)hm_atomic_read(&s->xthread_free), "remote list");
	hm_vfl_state(v, s);
	if (cached)
		hm_vfail(v, "%s: slab %p: free-list slab has cached blocks\n",
			 v->c->name, (void *)s);
	if (nfree != s->nblocks - s->used || remote > s->used)
		hm_vfail(v, "%s: slab %p: used %u, but %u free and %u remote\n",
			 v->c->name, (void *)s, s->used, nfree, remote);
	return s->used - remote;
}

static bool hm_on_list(const struct hm_slab *head, const struct hm_slab *s)
{
	for (; head; head = head->next)
		if (head == s)
			return true;
	return false;
}

static void hm_vplace(struct hm_vstate *v, struct hm_slab *s)
{
	struct hm_cctx *cc = s->owner;
	bool ok;

	switch (s->list) {
	case HM_LIST_ACTIVE:
		ok = cc && cc->active == s;
		break;
	case HM_LIST_PARTIAL:
		ok = cc && hm_on_list(cc->partial, s) && hm_slab_free_count(s);
		break;
	case HM_LIST_FULL:
		ok = cc && hm_atomic_read(&s->notify) != HM_NOTIFY_OFF;
		break;
	case HM_LIST_PARKED:
		ok = cc && hm_on_list(cc->parked, s) &&
		     hm_atomic_read(&s->notify) != HM_NOTIFY_OFF;
		break;
	case HM_LIST_EMPTY:
		ok = cc && hm_cctx_reserve(cc) == s && hm_slab_is_empty(s);
		break;
	case HM_LIST_POOL:
		ok = !cc && hm_on_list(v->c->pool, s) && hm_slab_is_empty(s);
		break;
	default:
		ok = false;
	}
	if (!ok)
		hm_vfail(v, "%s: slab %p: not where its list state %u says\n",
			 v->c->name, (void *)s, s->list);
	if (cc) {
		struct hm_cctx *r;

		for (r = v->c->cctxs; r && r != cc; r = r->next)
			;
		if (!r)
			hm_vfail(v, "%s: slab %p: owner %p is not a context of the cache\n",
				 v->c->name, (void *)s, (void *)cc);
	}
}

/*
 * hm_cache_validate() with @pr, or with @log as the log: see
 * hm_cache_validate() and hm_cache_validate_log().
 */
static long hm_validate_to(struct hm_cache *c, struct hm_printer *pr, struct hm_printer *log)
{
	struct hm_vstate v = { .c = c, .pr = pr };
	unsigned long allocated = 0, counted = 0, nslabs = 0, reserve = 0, woken = 0, flags;
	size_t seen_bytes = c->nwords * sizeof(unsigned long);
	size_t bytes = seen_bytes + (pr ? 0 : HM_VALIDATE_LOG_MAX * HM_VLINE);
	struct hm_cctx *cc;
	struct hm_slab *s;

	v.seen = hm_plat_meta_alloc(bytes, HM_GFP_ATOMIC);
	if (!v.seen)
		return -1;
	if (!pr)
		v.lines = (char (*)[HM_VLINE])(v.seen + c->nwords);
	hm_lock(&c->lock, flags);
	for (s = c->all; s; s = s->all_next) {
		unsigned int cached;

		nslabs++;
		if (s->magic != HM_MAGIC_SLAB || s->cache != c || s->mode != c->mode ||
		    s->nblocks != c->nblocks || hm_ptr_slab(s) != s) {
			hm_vfail(&v, "%s: slab %p: bad header\n", c->name, (void *)s);
			continue;
		}
		hm_memset(v.seen, 0, seen_bytes);
		cached = hm_vcached(&v, s);
		if (s->mode == HM_MODE_FREELIST)
			allocated += hm_vfreelist(&v, s, cached);
		else
			allocated += hm_vbitmap(&v, s, cached);
		hm_vplace(&v, s);
		woken += hm_atomic_read(&s->notify) == HM_NOTIFY_QUEUED;
	}
	if (nslabs != c->nslabs)
		hm_vfail(&v, "%s: %lu slabs on the list, %lu counted\n",
			 c->name, nslabs, c->nslabs);
	for (cc = c->cctxs; cc; cc = cc->next) {
		counted += cc->st.allocs - cc->st.frees;
		reserve += hm_cctx_nempty(cc);
		if (cc->active && (cc->active->owner != cc ||
				   cc->active->list != HM_LIST_ACTIVE))
			hm_vfail(&v, "%s: context %u: active slab not its own\n",
				 c->name, cc->ctx_id);
		for (s = cc->partial; s; s = s->next)
			if (s->owner != cc || s->list != HM_LIST_PARTIAL)
				hm_vfail(&v, "%s: context %u: partial slab %p misplaced\n",
					 c->name, cc->ctx_id, (void *)s);
		for (s = cc->parked; s; s = s->next)
			if (s->owner != cc || s->list != HM_LIST_PARKED)
				hm_vfail(&v, "%s: context %u: parked slab %p misplaced\n",
					 c->name, cc->ctx_id, (void *)s);
	}
	counted -= hm_atomic_read(&c->nocctx_frees);
	counted += hm_atomic_read(&c->late_refused);
	if (reserve != hm_atomic_read(&c->nreserve))
		hm_vfail(&v, "%s: %lu reserve slabs in contexts, counter says %lu\n",
			 c->name, reserve, hm_atomic_read(&c->nreserve));
	if (woken != hm_atomic_read(&c->nwoken))
		hm_vfail(&v, "%s: %lu slabs on notify stacks, counter says %lu\n",
			 c->name, woken, hm_atomic_read(&c->nwoken));
	if (allocated != counted)
		hm_vfail(&v, "%s: %lu objects allocated in slabs, counters say %lu\n",
			 c->name, allocated, counted);
	hm_unlock(&c->lock, flags);
	if (!pr)
		hm_vlog(&v, log);
	hm_plat_meta_free(v.seen, bytes);
	return v.problems;
}

/**
 * hm_cache_validate() - check the consistency of a quiescent cache
 * @c: the cache
 * @pr: where to print problems, each on a line, or NULL for the
 *	platform's error log: there at most HM_VALIDATE_LOG_MAX of them and
 *	a line "<cache>: ... <n> more problems" for the rest, printed once
 *	the cache lock is dropped (hm_cache_validate_log()), each line
 *	through the cache's rate limit of HM_MSG_VALIDATE
 *	(hm_plat_err_ratelimit(): a cache validated again and again does
 *	not flood the kernel log)
 *
 * Return: the number of problems found (0: consistent), all of them
 * however many were printed, or -1 when no memory for the check could be
 * had.
 */
long hm_cache_validate(struct hm_cache *c, struct hm_printer *pr)
{
	return hm_validate_to(c, pr, NULL);
}

/**
 * hm_cache_validate_log() - hm_cache_validate(@c, NULL), its log to @log
 * @c: the cache
 * @log: what gets the lines the platform's error log would, or NULL for
 *	 that log
 *
 * The log's bound: at most HM_VALIDATE_LOG_MAX problems, the first
 * found, then one line that counts the others, all after the cache lock
 * is dropped.  A test reads the lines here.
 *
 * Return: as hm_cache_validate()'s.
 */
long hm_cache_validate_log(struct hm_cache *c, struct hm_printer *log)
{
	return hm_validate_to(c, NULL, log);
}

/**
 * hm_cache_live_objects() - objects allocated and not freed, from the slabs
 * @c: a quiescent cache
 *
 * Return: the count, as hm_cache_validate() computes it.
 */
unsigned long hm_cache_live_objects(struct hm_cache *c)
{
	unsigned long n = 0, flags;
	struct hm_cctx *cc;

	hm_lock(&c->lock, flags);
	for (cc = c->cctxs; cc; cc = cc->next)
		n += cc->st.allocs - cc->st.frees;
	hm_unlock(&c->lock, flags);
	return n - hm_atomic_read(&c->nocctx_frees) + hm_atomic_read(&c->late_refused);
}
