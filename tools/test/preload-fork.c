// SPDX-License-Identifier: GPL-2.0
/*
 * preload-fork.c - fork() as programs make it, for make test-preload:
 *
 *   preload-fork atfork   fork handlers registered before the process's
 *                         first malloc() (a constructor), which allocate
 *                         in each of their three calls, in a program with
 *                         a second thread: glibc's malloc locks around
 *                         every handler; libhakmem's prepare handler ran
 *                         before it, and its malloc() waited for ever.
 *   preload-fork signal   a program of one thread whose timer signal's
 *                         handler forks, for 2 s, while the program
 *                         allocates and frees: one that interrupted a
 *                         large malloc() waited for hm_large_lock in
 *                         libhakmem's prepare handler for ever.  The child
 *                         calls only async-signal-safe functions.  Run
 *                         without HAKMEM_STATS_FILE, whose writer thread
 *                         makes two.
 *
 * Each prints one line and exits 0; one that hangs is killed by the
 * caller's timeout.
 *
 * Built with -DHM_API and linked with libhakmem.so, the program calls
 * hm_malloc()/hm_free() instead (malloc() stays glibc's): "atfork" then
 * has its handlers registered before the first hm_* call, where
 * libhakmem registered its own, so its prepare handler ran first, took
 * every lock, and the program's hm_malloc() waited for ever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HM_API
#include "hakmem.h"
#define malloc(n)	hm_malloc(n)
#define free(p)		hm_free(p)
#endif

static void *kept;
static int handler_calls;

/* sizes of classes nothing used yet, and a large one: the slow paths */
static void *fresh(size_t size)
{
	char *p = malloc(size);

	if (!p) {
		perror("malloc");
		_exit(2);
	}
	memset(p, 0x11, size);
	return p;
}

static void prepare(void)
{
	kept = fresh(3000);
	free(fresh(200000));
	handler_calls++;
}

static void parent(void)
{
	free(kept);
	free(fresh(1500));
	handler_calls++;
}

static void child(void)
{
	free(kept);
	free(fresh(700));
	free(fresh(300000));
	handler_calls++;
}

static int atfork_registered;

/* glibc gives the program's constructors main()'s arguments */
__attribute__((constructor)) static void early(int argc, char **argv)
{
	/* before main(): no malloc() (hm_malloc()) has been made, libhakmem is not set up */
	if (argc == 2 && !strcmp(argv[1], "atfork"))
		atfork_registered = !pthread_atfork(prepare, parent, child);
}

static void *idle(void *arg)
{
	return arg;
}

static int run_atfork(void)
{
	void *volatile p = malloc(10);	/* libhakmem's set-up, its handlers */
	pthread_t t;
	pid_t pid;
	int st;

	free(p);
	if (!atfork_registered || pthread_create(&t, NULL, idle, NULL))
		return 1;
	pthread_join(t, NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid)
		_exit(handler_calls == 2 ? 0 : 3);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("atfork: child status %#x\n", st);
		return 1;
	}
	if (handler_calls != 2) {
		printf("atfork: %d handler calls in the parent\n", handler_calls);
		return 1;
	}
	puts("atfork: handlers that allocate ran");
	return 0;
}

static volatile sig_atomic_t forks, fork_failures;

static void tick(int sig)
{
	pid_t pid;

	(void)sig;
	pid = fork();
	if (!pid)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		fork_failures++;
	else
		forks++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_signal(void)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	struct sigaction sa;
	unsigned long i;
	double end;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	end = now() + 2;
	for (i = 0; now() < end; i++) {
		void *p = malloc(i & 1 ? 100000 : i % 1500 + 1);

		free(p);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	if (fork_failures || !forks) {
		printf("signal: %d forks, %d failed\n", forks, fork_failures);
		return 1;
	}
	puts("signal: forks from a handler returned");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "atfork"))
		return run_atfork();
	if (argc == 2 && !strcmp(argv[1], "signal"))
		return run_signal();
	fprintf(stderr, "usage: preload-fork atfork|signal\n");
	return 2;
}
