// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * preload-reenter.c - malloc_info() into a stream that calls back into
 * the heap, for the preload tests (tools/test/preload-test.sh).  The
 * stream is a fopencookie() one, unbuffered, whose every write allocates
 * sizes its thread (a fresh one) has not used and asks mallinfo2() and
 * malloc_trim() for the heap's figures, as a log that reports memory
 * might.  libhakmem once wrote it holding its lock of the caches, and
 * the callback's mallinfo2() waited on that lock for ever.  The output
 * is what holds on any allocator: the same on glibc and hakmem.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct text {
	unsigned long writes;
	size_t len;
	char buf[1 << 16];
};

static ssize_t reenter_write(void *cookie, const char *buf, size_t size)
{
	struct text *t = cookie;
	struct mallinfo2 mi = mallinfo2();
	char *p = malloc(24UL << (t->writes++ % 9));	/* 24 B .. 6 KiB */

	if (p)
		memset(p, 1, 24);
	free(p);
	(void)mi;
	malloc_trim(0);
	if (t->len + size < sizeof(t->buf)) {
		memcpy(t->buf + t->len, buf, size);
		t->len += size;
	}
	return (ssize_t)size;
}

static void *dump(void *arg)
{
	cookie_io_functions_t io = { .write = reenter_write };
	struct text *t = arg;
	FILE *f = fopencookie(t, "w", io);

	if (!f)
		return NULL;
	setvbuf(f, NULL, _IONBF, 0);
	if (malloc_info(0, f))
		t->writes = 0;
	fclose(f);
	return NULL;
}

int main(void)
{
	struct text *t = calloc(1, sizeof(*t));
	void *keep[64];
	pthread_t th;
	int i;

	if (!t)
		return 1;
	for (i = 0; i < 64; i++)	/* blocks of a few sizes, some free */
		keep[i] = malloc(16 + 40 * (i % 8));
	for (i = 0; i < 64; i += 2)
		free(keep[i]);
	alarm(20);
	if (pthread_create(&th, NULL, dump, t) || pthread_join(th, NULL))
		return 1;
	t->buf[t->len] = '\0';
	printf("malloc_info into a stream that calls mallinfo2(): %s\n",
	       t->writes && !strncmp(t->buf, "<malloc version=\"1\">", 20) &&
	       strstr(t->buf, "</malloc>\n") ? "complete" : "incomplete");
	for (i = 1; i < 64; i += 2)
		free(keep[i]);
	free(t);
	return 0;
}
