// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * preload-mt.c - a multithreaded program for the preload tests (run by
 * tools/test/preload-test.sh with and without libhakmem-preload.so; its
 * output must not depend on the allocator):
 *  - threads allocate with every call of the family and free each
 *    other's objects through a shared ring (remote frees);
 *  - short-lived threads whose key destructor, which runs after hakmem's,
 *    allocates and frees (thread exit);
 *  - fork() while the other threads allocate: the child allocates and
 *    exits (no lock may be left held in it).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS		4
#define ROUNDS		10000
#define RING		256

static void *ring[RING];
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t late_key;
static volatile int stop;
static int errors;

static void fail(const char *what)
{
	__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "preload-mt: %s\n", what);
}

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* one object of a random size by a random call, filled with its size */
static unsigned char *one(uint32_t *s, size_t *n)
{
	size_t size = next(s) % 16 ? next(s) % 1100 : next(s) % 300000;
	unsigned char *p = NULL;
	size_t align = 1UL << (next(s) % 17);

	switch (next(s) % 10) {
	case 0 ... 3:
		p = malloc(size);
		break;
	case 4 ... 5:
		p = calloc(1, size);
		if (p)
			for (size_t i = 0; i < size; i++)
				if (p[i])
					fail("calloc not zeroed");
		break;
	case 6 ... 7:
		p = realloc(malloc(size / 2 + 1), size);
		break;
	case 8:
		if (posix_memalign((void **)&p, align < sizeof(void *) ? sizeof(void *) : align,
				   size))
			p = NULL;
		else if ((uintptr_t)p % align)
			fail("posix_memalign misaligned");
		break;
	default:
		p = aligned_alloc(align, size);
		if (p && (uintptr_t)p % align)
			fail("aligned_alloc misaligned");
	}
	if (!p && size)
		fail("allocation failed");
	if (p && malloc_usable_size(p) < size)
		fail("usable size too small");
	if (p)
		memset(p, (int)(size & 0xff), size);
	*n = size;
	return p;
}

static void *worker(void *arg)
{
	uint32_t s = (uint32_t)(uintptr_t)arg * 2654435761U + 1;
	unsigned int r;

	for (r = 0; r < ROUNDS; r++) {
		size_t n;
		unsigned char *p = one(&s, &n), *old;
		unsigned int slot = next(&s) % RING;

		if (p && n && p[n - 1] != (unsigned char)(n & 0xff))
			fail("object overwritten");
		pthread_mutex_lock(&ring_lock);
		old = ring[slot];
		ring[slot] = p;
		pthread_mutex_unlock(&ring_lock);
		free(old);		/* most likely another thread's */
	}
	return NULL;
}

/* runs after hakmem's own destructor (its key was created first) */
static void late_destructor(void *p)
{
	char *q = malloc(100);

	free(p);
	if (q)
		strcpy(q, "late");
	free(q);
}

static void *short_lived(void *arg)
{
	void *p = malloc(64);

	(void)arg;
	pthread_setspecific(late_key, malloc(48));
	free(p);
	return NULL;
}

static void *forker(void *arg)
{
	int i, status, bad = 0;

	(void)arg;
	for (i = 0; i < 20; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			char *p = malloc(1000), *q = strdup("child");

			free(p);
			p = realloc(q, 200000);
			free(p);
			_exit(p ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	}
	if (bad)
		fail("a forked child failed");
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS], f, c;
	unsigned int i;

	pthread_key_create(&late_key, late_destructor);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	pthread_create(&f, NULL, forker, NULL);
	for (i = 0; i < 300; i++) {
		pthread_create(&c, NULL, short_lived, NULL);
		pthread_join(c, NULL);
	}
	pthread_join(f, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	stop = 1;
	for (i = 0; i < RING; i++)
		free(ring[i]);
	printf("preload-mt: %d threads x %d rounds, 300 short-lived, 20 forks: %s\n",
	       THREADS, ROUNDS, errors ? "FAILED" : "ok");
	return errors != 0;
}
