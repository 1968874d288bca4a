// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * preload-mallinfo.c - glibc's heap-watching calls for the preload tests
 * (tools/test/preload-test.sh): mallinfo2(), mallinfo(), malloc_trim(),
 * malloc_info() and malloc_stats() must tell about the allocator that
 * serves malloc().
 * Under libhakmem-preload.so they once went to glibc, which spoke of its
 * idle arenas: nothing allocated, nothing to trim.  Each line checks what
 * holds on any allocator, so the output is the same on glibc and hakmem.
 * preload-test.sh runs it with HAKMEM_STATS_FILE's writer every 10 ms:
 * the writer's own work must not show in the program's figures.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N	1000

static const char *names[16];
static int oks[16], nchecks;

/* printed at the end: stdio's own buffers would count in the figures */
static void check(const char *what, int ok)
{
	names[nchecks] = what;
	oks[nchecks++] = ok;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the figures stay put while the program allocates nothing (250 ms) */
static int quiet(void)
{
	struct mallinfo2 a = mallinfo2(), b;
	double end = now() + 0.25;

	do {
		b = mallinfo2();
		if (b.uordblks != a.uordblks || b.hblks != a.hblks || b.arena != a.arena)
			return 0;
	} while (now() < end);
	return 1;
}

int main(void)
{
	static void *v[N];
	void (*fs)(void *, size_t);
	void (*fas)(void *, size_t, size_t);
	struct mallinfo2 a, b, b2, c;
	struct mallinfo old;
	char *volatile big;	/* not optimised away with its free */
	int i, fd[2], saved;
	ssize_t n;
	char buf[64];
	static char xml[16384];
	const char *at;
	FILE *mf;

	check("nothing allocates behind the program", quiet());
	a = mallinfo2();
	for (i = 0; i < N; i++)
		v[i] = malloc(64);
	big = malloc(4 << 20);
	big[0] = 1;
	b = mallinfo2();
	old = mallinfo();
	b2 = mallinfo2();
	check("small objects in use", b.uordblks >= a.uordblks + N * 64);
	check("a large object mapped", b.hblks == a.hblks + 1 && b.hblkhd >= a.hblkhd + (4 << 20));
	check("mallinfo() as mallinfo2()", (size_t)old.hblks == b2.hblks &&
	      (size_t)old.uordblks == b2.uordblks && (size_t)old.arena == b2.arena);
	for (i = 0; i < N; i++)
		free(v[i]);
	free(big);
	c = mallinfo2();
	check("freed", c.hblks == a.hblks && c.uordblks + N * 64 <= b.uordblks);
	i = malloc_trim(0);
	check("malloc_trim() says 0 or 1", i == 0 || i == 1);
	/* C23's sized free, where the C library has one (glibc 2.39) or hakmem */
	fs = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
	if (fs) {
		a = mallinfo2();
		for (i = 0; i < N; i++)
			v[i] = malloc(64);
		for (i = 0; i < N; i++)
			fs(v[i], 64);
		b = mallinfo2();
	}
	check("free_sized() frees", !fs || b.uordblks <= a.uordblks + 64);
	fas = (void (*)(void *, size_t, size_t))dlsym(RTLD_DEFAULT, "free_aligned_sized");
	if (fas) {
		a = mallinfo2();
		for (i = 0; i < N; i++)
			v[i] = aligned_alloc(256, 256);
		for (i = 0; i < N; i++)
			fas(v[i], 256, 256);
		b = mallinfo2();
	}
	check("free_aligned_sized() frees", !fas || b.uordblks <= a.uordblks + 256);
	/* malloc_info(): XML whose mmap count is mallinfo2()'s large objects */
	big = malloc(4 << 20);
	big[0] = 1;
	b = mallinfo2();
	mf = fmemopen(xml, sizeof(xml) - 1, "w");
	if (!mf)
		return 1;
	i = malloc_info(0, mf);
	fclose(mf);
	at = strstr(xml, "<total type=\"mmap\" count=\"");
	check("malloc_info() is glibc's XML", !i && !strncmp(xml, "<malloc version=\"1\">", 20) &&
	      strstr(xml, "</malloc>\n") && at && strtoul(at + 26, NULL, 10) == b.hblks);
	free(big);
	check("malloc_info(1) returns EINVAL", malloc_info(1, stdout) == EINVAL);
	/* malloc_stats() writes to stderr: a pipe here */
	if (pipe(fd))
		return 1;
	saved = dup(2);
	dup2(fd[1], 2);
	malloc_stats();
	fflush(stderr);
	dup2(saved, 2);
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf));
	check("malloc_stats() prints", n > 0);
	for (i = 0; i < nchecks; i++)
		printf("%s: %s\n", names[i], oks[i] ? "ok" : "WRONG");
	return 0;
}
