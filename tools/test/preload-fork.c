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
 *   hm-fork setup         (-DHM_API only) fork() while another thread
 *                         makes libhakmem's set-up (its first hm_*
 *                         call), at 1000 moments into it: the fork
 *                         waits for the set-up (hm_init_lock), and the
 *                         child's hm_malloc() goes on; one child that
 *                         hangs fails.
 *   hm-fork setup-end     (-DHM_API only) fork() once another thread's
 *                         set-up is done but before its pthread_once()
 *                         marks it so (HAKMEM_TEST_INIT_PAUSE): glibc's
 *                         pthread_once() in the child runs the set-up
 *                         again, which made a second set of classes (the
 *                         HAKMEM_MODE warning, printed by each set-up,
 *                         came twice); once only.
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
#include <fcntl.h>
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
static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Forks no more past the deadline: on a loaded machine a fork and its
 * child's exit take longer than the timer's period, the next signal is
 * pending when the handler returns, and the program would run handlers
 * only (it ran 60 s and more, on glibc too, for a 2 s loop).
 */
static void tick(int sig)
{
	pid_t pid;

	(void)sig;
	if (now() >= deadline)	/* clock_gettime(): async-signal-safe */
		return;
	pid = fork();
	if (!pid)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		fork_failures++;
	else
		forks++;
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
	end = now() + 2;
	deadline = end;
	setitimer(ITIMER_REAL, &it, NULL);
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

#ifdef HM_API
static int setup_state;	/* 1: the first call began, 2: it returned */

static void *first_call(void *arg)
{
	__atomic_store_n(&setup_state, 1, __ATOMIC_RELEASE);
	free(fresh(48));
	free(fresh(300000));
	__atomic_store_n(&setup_state, 2, __ATOMIC_RELEASE);
	return arg;
}

/* spins of about @n * 2 ns: a moment in the other thread's set-up */
static void spin(unsigned int n)
{
	volatile unsigned int i;

	for (i = 0; i < n; i++)
		;
}

/*
 * One process, new from the untouched parent, so libhakmem is not set up:
 * a thread's first call sets it up while this thread forks @delay spins
 * after the call began.
 * The grandchild allocates (set-up, classes, a large chunk) with 10 s to
 * do it; a hang is a SIGALRM.  Exit 0, or 100 when fork() was called
 * while the first call ran.
 */
static int setup_once(unsigned int delay)
{
	pthread_t t;
	pid_t pid;
	int st, during;

	if (pthread_create(&t, NULL, first_call, NULL))
		return 10;
	while (!__atomic_load_n(&setup_state, __ATOMIC_ACQUIRE))
		;
	spin(delay);
	during = __atomic_load_n(&setup_state, __ATOMIC_ACQUIRE) == 1;
	pid = fork();
	if (pid < 0)
		return 11;
	if (!pid) {
		alarm(10);
		free(fresh(48));
		free(fresh(100));
		free(fresh(300000));
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return 12;
	pthread_join(t, NULL);
	if (WIFSIGNALED(st))
		return 20 + WTERMSIG(st) % 64;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 13;
	return during ? 100 : 0;
}

/*
 * 1000 forks at moments from 0 to about 150 us into the first call, the
 * set-up.  How many come during it depends on the machine's load (on
 * one CPU, the other thread may run it whole before this one looks):
 * counted, not required.  Before hm_init_lock, 1 to 10 of 1000 children
 * hung with HAKMEM_DEBUG set (hm_debug_lock taken between the prepare
 * handler's look and the fork).
 */
static int run_setup(void)
{
	unsigned int k, bad = 0, during = 0;
	pid_t pid;
	int st;

	for (k = 0; k < 1000; k++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			_exit(setup_once(k % 200 * 1000));
		if (waitpid(pid, &st, 0) != pid)
			return 1;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 100)
			during++;
		else if ((!WIFEXITED(st) || WEXITSTATUS(st)) && bad++ < 5)
			printf("setup: fork at moment %u: status %#x\n", k % 200, st);
	}
	if (bad) {
		printf("setup: %u of %u forks failed, %u during the set-up\n", bad, k, during);
		return 1;
	}
	printf("setup: %u forks, %u during another thread's set-up, went on\n", k, during);
	return 0;
}

/*
 * The set-up warns of HAKMEM_MODE=bogus once, into a pipe that is stderr;
 * this thread forks while the other's set-up pauses, done but not marked
 * (HAKMEM_TEST_INIT_PAUSE=1 s), and the child makes its first call.  The
 * warning must come once: a second set-up in the child prints it again.
 */
static int run_setup_end(void)
{
	char buf[4096], *at;
	int fds[2], st, n = 0;
	ssize_t len = 0, r;
	pthread_t t;
	pid_t pid;

	setenv("HAKMEM_MODE", "bogus", 1);
	setenv("HAKMEM_TEST_INIT_PAUSE", "1000000", 1);
	if (pipe(fds) || dup2(fds[1], 2) < 0)
		return 1;
	close(fds[1]);
	if (pthread_create(&t, NULL, first_call, NULL))
		return 1;
	/* the warning is the set-up's first step: then it is done in far less */
	while (len < (ssize_t)sizeof(buf) - 1 && !memchr(buf, '\n', (size_t)len)) {
		r = read(fds[0], buf + len, sizeof(buf) - 1 - (size_t)len);
		if (r <= 0)
			return 1;
		len += r;
	}
	usleep(300000);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		alarm(10);
		free(fresh(48));
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("setup-end: the child failed, status %#x\n", st);
		return 1;
	}
	pthread_join(t, NULL);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(fds[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += r;
	buf[len] = 0;
	for (at = buf; (at = strstr(at, "HAKMEM_MODE=bogus")); at++)
		n++;
	if (n != 1) {
		printf("setup-end: the set-up ran %d times, the child's after the parent's\n", n);
		return 1;
	}
	printf("setup-end: a fork() between the set-up and its pthread_once()'s end: set up once\n");
	return 0;
}
#endif

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "atfork"))
		return run_atfork();
	if (argc == 2 && !strcmp(argv[1], "signal"))
		return run_signal();
#ifdef HM_API
	if (argc == 2 && !strcmp(argv[1], "setup"))
		return run_setup();
	if (argc == 2 && !strcmp(argv[1], "setup-end"))
		return run_setup_end();
#endif
	fprintf(stderr, "usage: preload-fork atfork|signal|setup|setup-end\n");
	return 2;
}
