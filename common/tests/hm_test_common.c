// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hm_test_common.c - helpers the shared test cases use in both worlds.
 */
#include "hm_test.h"

const enum hm_mode hm_test_modes[HM_MODE_NR] = {
	HM_MODE_BITMAP, HM_MODE_FREELIST, HM_MODE_HYBRID,
};

const struct hm_test_medium hm_test_medium[HM_TEST_MEDIUM] = {
	{ 4608, 512, 14 }, { 4992, 128, 13 }, { 5376, 256, 12 }, { 5888, 256, 11 },
	{ 6464, 64, 10 }, { 7232, 64, 9 }, { 8128, 64, 8 }, { 9280, 64, 7 },
	{ 10816, 64, 6 },
};

void hm_test_mode_desc(const enum hm_mode *m, char *desc)
{
	hm_strscpy(desc, hm_mode_name(*m), 32);
}

/*
 * Allocate in @cc for call site @ip, adding a chunk when needed: the try
 * path first, then the full one, as the adapters do.
 */
void *hm_test_alloc_ip(struct hm_cctx *cc, unsigned long ip)
{
	unsigned int tries;
	void *p;

	hm_test_ctx_enter();
	if (!hm_cctx_alloc_try(cc, &p))
		p = hm_cctx_alloc_ip(cc, ip);
	hm_test_ctx_exit();

	for (tries = 0; !p && tries < 4; tries++) {
		void *chunk = hm_cache_chunk_get(cc->cache, HM_GFP_DEFAULT);

		if (!chunk)
			return NULL;
		hm_test_ctx_enter();
		p = hm_cctx_add_chunk(cc, chunk, ip);
		hm_test_ctx_exit();
	}
	return p;
}

void *hm_test_malloc_retry(size_t size)
{
	unsigned int tries;
	void *p;

	for (tries = 0; !(p = hm_test_malloc(size)) && tries < 10; tries++)
		hm_test_sleep_ms(20);
	return p;
}

/* Allocate in @cc the way an adapter does, with the caller as site. */
void *hm_test_alloc(struct hm_cctx *cc)
{
	return hm_test_alloc_ip(cc, HM_RET_IP);
}

/*
 * Free @p in @cc the way an adapter's free does.  A block of another
 * cache is left to the core to refuse: its slab is not @cc's, so the free
 * takes the remote path, whose checks report the wrong cache.
 */
void hm_test_free_in(struct hm_cctx *cc, void *p)
{
	hm_test_free_in_ip(cc, p, HM_RET_IP);
}

/* ... with @ip as the call site, which reports name */
void hm_test_free_in_ip(struct hm_cctx *cc, void *p, unsigned long ip)
{
	struct hm_slab *s;

	/*
	 * The lookup inside the bracket, as the adapters' is (the kernel's
	 * under rcu_read_lock()): a slab another thread of the case releases
	 * meanwhile stays until the bracket ends.
	 */
	hm_test_ctx_enter();
	s = hm_ptr_to_slab(p);
	if (!s) {
		hm_test_ctx_exit();
		hm_free_other(p, ip);
		return;
	}
	/* the try path first, as the adapters' frees do */
	if (!(s->owner == cc && hm_cctx_free_try(cc, s, p)))
		hm_cctx_free(cc, s, p, ip);
	hm_test_ctx_exit();
}

static struct hm_err_entry *hm_test_log(struct kunit *test, unsigned int *n)
{
	struct hm_err_entry *log = kunit_kzalloc(test, HM_ERR_LOG * sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	*n = hm_report_log_copy(log);
	return log;
}

unsigned long hm_test_report_seq(struct kunit *test)
{
	unsigned int n;
	struct hm_err_entry *log = hm_test_log(test, &n);

	return n ? log[n - 1].seq : 0;
}

bool hm_test_report_since(struct kunit *test, unsigned long seq, struct hm_err_entry *out)
{
	unsigned int n;
	struct hm_err_entry *log = hm_test_log(test, &n);

	KUNIT_EXPECT_GE(test, n, 1);
	if (!n)
		return false;
	/* one report, no more: the last is the one after @seq */
	KUNIT_EXPECT_EQ(test, log[n - 1].seq, seq + 1);
	*out = log[n - 1];
	return log[n - 1].seq == seq + 1;
}

bool hm_test_expect_report(struct kunit *test, unsigned long seq, enum hm_error e,
			   const void *p, const struct hm_cache *c, const void *slab,
			   unsigned long ip, struct hm_err_entry *out)
{
	struct hm_err_entry en;

	if (!hm_test_report_since(test, seq, &en))
		return false;
	KUNIT_EXPECT_EQ(test, en.kind, e);
	KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
	KUNIT_EXPECT_STREQ(test, en.cache, c ? c->name : "-");
	KUNIT_EXPECT_EQ(test, en.slab, (unsigned long)slab);
	KUNIT_EXPECT_EQ(test, en.ip, ip);
	if (out)
		*out = en;
	return true;
}

void hm_test_free_refused(struct kunit *test, void *p, enum hm_error e)
{
	unsigned long seq = hm_test_report_seq(test);
	struct hm_err_entry en;

	hm_test_free(p);
	if (!hm_test_report_since(test, seq, &en))
		return;
	KUNIT_EXPECT_EQ(test, en.kind, e);
	KUNIT_EXPECT_EQ(test, en.ptr, (unsigned long)p);
	KUNIT_EXPECT_EQ(test, en.slab, 0);
}

static void hm_test_cache_release(void *c)
{
	hm_core_cache_destroy(c);
}

/* A cache destroyed when the case ends (objects left live are reported). */
struct hm_cache *hm_test_cache(struct kunit *test, unsigned int size,
			       unsigned int align, enum hm_mode mode)
{
	return hm_test_cache_flags(test, size, align, mode, 0);
}

struct hm_cache *hm_test_cache_flags(struct kunit *test, unsigned int size,
				     unsigned int align, enum hm_mode mode,
				     unsigned int flags)
{
	return hm_test_cache_named(test, "hm-test", size, align, mode, flags);
}

/* ... named @name, for reports that must tell two caches apart */
struct hm_cache *hm_test_cache_named(struct kunit *test, const char *name,
				     unsigned int size, unsigned int align,
				     enum hm_mode mode, unsigned int flags)
{
	struct hm_cache *c = hm_core_cache_create(name, size, align, mode,
						  flags, HM_GFP_DEFAULT);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hm_test_cache_release, c), 0);
	return c;
}

/* A context of @c, as a new thread or CPU would have; freed with @c. */
struct hm_cctx *hm_test_cctx(struct kunit *test, struct hm_cache *c)
{
	static hm_atomic_t ids = HM_ATOMIC_INIT(1000);
	struct hm_cctx *cc;

	cc = hm_cctx_new(c, (u32)hm_atomic_fetch_add(&ids, 1), 0, HM_GFP_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, cc);
	return cc;
}

/* the length of the line at @p, without its newline */
static size_t hm_test_line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? (size_t)(nl - p) : strlen(p);
}

/*
 * hm_stats_print()'s table in @text: its header, the first line that
 * begins with "name ", and the rows after it, up to an empty line, a
 * comment or the end.  In line: every row is as long as the header, its
 * mode starts where the header's "mode" does with a blank before it (so
 * the name ended in its column), and each number ends where its header
 * word does (they are right-aligned), a blank after it.
 *
 * Return: 0 when every row is in line, the number of the first row that
 * is not (1 for the first after the header), or -1 without a header.
 */
int hm_test_table_misaligned(const char *text)
{
	const char *head = text, *p, *row;
	size_t len, mode, end[24], i;
	unsigned int nend = 0;
	int nr = 0;

	while (head && strncmp(head, "name ", 5)) {
		head = strchr(head, '\n');
		if (head)
			head++;
	}
	if (!head)
		return -1;
	len = hm_test_line_len(head);
	p = strstr(head, " mode ");
	if (!p || (size_t)(p - head) >= len)
		return -1;
	mode = (size_t)(p - head) + 1;
	/* the ends of the right-aligned words after "mode" */
	for (i = mode + 4; i < len && nend < HM_ARRAY_SIZE(end); i++)
		if (head[i] != ' ' && (i + 1 == len || head[i + 1] == ' '))
			end[nend++] = i + 1;
	for (row = head + len; *row == '\n' && row[1] && row[1] != '\n' && row[1] != '#';
	     row += hm_test_line_len(row + 1) + 1) {
		const char *r = row + 1;

		nr++;
		if (hm_test_line_len(r) != len || r[mode - 1] != ' ' || r[mode] == ' ')
			return nr;
		for (i = 0; i < nend; i++)
			if (r[end[i] - 1] == ' ' || (end[i] < len && r[end[i]] != ' '))
				return nr;
	}
	return 0;
}

/* where @r's second word begins: past its first word and the blanks after it */
static size_t hm_test_second_word(const char *r)
{
	size_t c;

	for (c = 0; r[c] && r[c] != '\n' && r[c] != ' '; c++)
		;
	while (r[c] == ' ')
		c++;
	return c;
}

/*
 * A file of rows without a header (the debugfs slabs, debug, policy and
 * adaptive files): a row is a line that begins with neither a blank nor
 * '#' (a slab's map, a comment), its first column a name.  The column
 * after the name begins where any row's second word begins furthest (a
 * name may hold a blank: "(new caches)").  In line: every row has a blank
 * there, then a word: the names ended in their column, and what follows
 * each is where a shorter name's is.
 *
 * Return: 0 when every row is in line, the number of the first row that
 * is not (1 for the first), or -1 without a row.
 */
int hm_test_rows_misaligned(const char *text)
{
	size_t col = 0, len;
	const char *r;
	int nr = 0;

	for (r = text; r && *r; r = strchr(r, '\n'), r = r ? r + 1 : NULL)
		if (*r != ' ' && *r != '#' && *r != '\n')
			col = HM_MAX(col, hm_test_second_word(r));
	for (r = text; r && *r; r = strchr(r, '\n'), r = r ? r + 1 : NULL) {
		if (*r == ' ' || *r == '#' || *r == '\n')
			continue;
		nr++;
		len = hm_test_line_len(r);
		if (col < 1 || col >= len || r[col - 1] != ' ' || r[col] == ' ')
			return nr;
	}
	return nr ? 0 : -1;
}
