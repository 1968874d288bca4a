// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * repro-remote-free-release - a remote free reads the slab header after it
 * has published the free; by then the owner may have released the slab.
 * Exits 1 while the bug is present (each mode).
 *
 * hm_bitmap_free_remote() / hm_freelist_free_remote() publish the free
 * (fetch_or on remote_bits / CAS onto xthread_free) and then call
 * hm_slab_notify_owner(s), which reads s->notify.  Between the two the
 * owner can collect the free, find the slab empty and release it
 * (hm_thread_flush + hm_trim here; a full pool does it too), so the
 * freer reads unmapped memory (SIGSEGV), or a new chunk mapped there.
 *
 * The window is a few instructions; this program widens it without
 * touching the library: linked against libhakmem.so, it interposes
 * hm_slab_notify_owner() (called through the PLT) and holds the remote
 * freer there while the owner trims.  Each mode runs in a child process.
 *
 * Fixed in 85b5dfc; kept as a regression check (make stress-repro).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hakmem.h"

struct hm_slab;
void hm_slab_notify_owner(struct hm_slab *s);

static __thread int hold_here;
static int published, go_on;

/* the library's remote frees call this right after publishing */
void hm_slab_notify_owner(struct hm_slab *s)
{
	static void (*real)(struct hm_slab *);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "hm_slab_notify_owner");
	if (hold_here) {
		__atomic_store_n(&published, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&go_on, __ATOMIC_SEQ_CST))
			usleep(1000);
	}
	real(s);
}

static void *remote_free(void *p)
{
	hold_here = 1;
	hm_free(p);
	return NULL;
}

static int child(const char *mode)
{
	pthread_t t;
	void *x;
	int i;

	setenv("HAKMEM_MODE", mode, 1);
	x = hm_malloc(64);			/* main owns the slab */
	pthread_create(&t, NULL, remote_free, x);
	for (i = 0; i < 5000 && !__atomic_load_n(&published, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	/* the free is published; the freer has not yet looked at the slab */
	printf("  %s: slabs released by hm_trim() meanwhile: %lu\n", mode, hm_trim());
	fflush(stdout);
	__atomic_store_n(&go_on, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	return 0;
}

int main(void)
{
	static const char *const modes[] = { "bitmap", "freelist", "hybrid" };
	int bad = 0, st;
	unsigned int m;

	if (!dlsym(RTLD_NEXT, "hm_slab_notify_owner")) {
		printf("repro-remote-free-release: needs libhakmem.so (interposes a library call)\n");
		return 2;
	}
	for (m = 0; m < 3; m++) {
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (!pid) {
			alarm(20);
			_exit(child(modes[m]));
		}
		waitpid(pid, &st, 0);
		if (WIFSIGNALED(st)) {
			printf("  %s: the remote freer died of signal %d (%s) reading the released slab\n",
			       modes[m], WTERMSIG(st), strsignal(WTERMSIG(st)));
			bad = 1;
		} else {
			printf("  %s: survived\n", modes[m]);
		}
	}
	printf("repro-remote-free-release: %s\n", bad ? "BUG present" : "fixed");
	return bad;
}
