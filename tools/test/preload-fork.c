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
 *
 * Each prints one line and exits 0; one that hangs is killed by the
 * caller's timeout.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	/* before main(): no malloc() has been made, libhakmem is not set up */
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

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "atfork"))
		return run_atfork();
	fprintf(stderr, "usage: preload-fork atfork\n");
	return 2;
}
