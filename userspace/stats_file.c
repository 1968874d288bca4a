// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * stats_file.c - HAKMEM_STATS_FILE=path: the process's stats, for
 * tools/top/hakmem-top and scripts, as a file rewritten periodically.
 *
 * Started by the library's initialization (the first allocation or API
 * call) when HAKMEM_STATS_FILE is set: a background thread rewrites the
 * file every HAKMEM_STATS_INTERVAL_MS (default 1000, at least 10), and an
 * atexit handler writes it a last time.  Each write goes to path.tmp.<pid>
 * and is renamed over path, so a reader sees a whole file or the previous
 * one, never a partial one.  The content is one comment line, then the
 * table of hm_stats_dump() for the classes and the created caches (the
 * same columns as /sys/kernel/debug/hakmem/stats):
 *
 *   # libhakmem stats: pid 1234 seq 7 mono 5123.004211 interval_ms 1000 [final]
 *   name mode size slabs inuse total util% allocs frees ...
 *
 * mono is CLOCK_MONOTONIC in seconds at the snapshot, so a reader can
 * compute rates from two files without guessing when each was written.
 * "%p" in the path is the process id (a file per process); a child after
 * fork() then writes its own file once, at exit.  Without "%p" the file
 * belongs to the parent, and a child does not write.
 *
 * Read with secure_getenv(): a set-user-ID program does not write where its
 * caller says.  The temporary file is created anew (O_EXCL, O_NOFOLLOW), so
 * a link planted under its name is not followed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hakmem.h"
#include "hm_stats.h"
#include "hm_user.h"

#define HM_STATS_FILE_MIN_MS	10
#define HM_STATS_FILE_DEF_MS	1000

pthread_mutex_t hm_sf_lock = PTHREAD_MUTEX_INITIALIZER;
static char hm_sf_path[PATH_MAX];
static char hm_sf_template[PATH_MAX];	/* as given, absolute, with its "%p" */
static size_t hm_sf_cwd_len;		/* of it, the working directory's name */
static bool hm_sf_per_process;		/* the template has a "%p" */
static unsigned int hm_sf_interval_ms = HM_STATS_FILE_DEF_MS;
static unsigned long hm_sf_seq;
static pid_t hm_sf_pid;
static bool hm_sf_stopped, hm_sf_warned;

/*
 * The writer's printer: formatted into a buffer on its stack, written to a
 * file descriptor.  A FILE would be malloc()ed, and where libhakmem is the
 * process's malloc the writer's allocations would show in the program's own
 * heap figures (mallinfo2()) at random moments.
 */
struct hm_sf_printer {
	struct hm_printer pr;
	int fd;
	int err;		/* the first failure's errno; 0: none */
	size_t used;
	char buf[4096];
};

static void hm_sf_fail(struct hm_sf_printer *p, int err)
{
	if (!p->err)
		p->err = err ? err : EIO;
}

static void hm_sf_flush(struct hm_sf_printer *p)
{
	size_t off = 0;
	ssize_t w;

	while (off < p->used && !p->err) {
		w = write(p->fd, p->buf + off, p->used - off);
		if (w > 0)
			off += (size_t)w;
		else if (!w)
			hm_sf_fail(p, ENOSPC);	/* nothing written: no progress to wait for */
		else if (errno != EINTR)
			hm_sf_fail(p, errno);
	}
	p->used = 0;
}

static void hm_sf_printf(struct hm_printer *pr, const char *fmt, ...)
{
	struct hm_sf_printer *p = (struct hm_sf_printer *)pr;
	size_t room = sizeof(p->buf) - p->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->used, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		hm_sf_fail(p, errno);
		return;
	}
	if ((size_t)n >= room) {		/* did not fit: again in an empty buffer */
		hm_sf_flush(p);
		va_start(ap, fmt);
		n = vsnprintf(p->buf, sizeof(p->buf), fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= sizeof(p->buf)) {
			hm_sf_fail(p, EOVERFLOW);	/* a line of 4 KiB: not one of ours */
			return;
		}
	}
	p->used += (size_t)n;
}

static bool hm_sf_expand(pid_t pid);

/*
 * The snapshot into @tmp.  SIGXFSZ (a file size limit) is held off, as the
 * writer thread holds every signal: the final write runs in the program's
 * thread, and the limit must fail the write (EFBIG), not kill the program.
 * The signal our failed write raised is sent to this thread, and taken
 * before any the process has pending; none is taken unless a write failed
 * so (another, the program's own, is left to it).
 */
static int hm_sf_fill(const char *tmp, bool final)
{
	struct hm_sf_printer p = { .pr = { hm_sf_printf } };
	struct timespec ts, zero = { 0, 0 };
	sigset_t xfsz, old;

	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, &old);
	unlink(tmp);
	/* 0666 less the umask, as fopen()'s */
	p.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (p.fd < 0) {
		hm_sf_fail(&p, errno);
	} else {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		hm_print(&p.pr,
			 "# libhakmem stats: pid %d seq %lu mono %ld.%06ld interval_ms %u%s\n",
			 (int)hm_sf_pid, ++hm_sf_seq, (long)ts.tv_sec, ts.tv_nsec / 1000,
			 hm_sf_interval_ms, final ? " final" : "");
		hm_stats_dump_pr(&p.pr, HM_STATS_CLASSES | HM_STATS_CACHES);
		hm_sf_flush(&p);
		if (close(p.fd))
			hm_sf_fail(&p, errno);
		if (p.err)
			unlink(tmp);
	}
	if (p.err == EFBIG)
		sigtimedwait(&xfsz, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p.err;
}

/* One snapshot into the file, atomically.  Caller holds hm_sf_lock. */
static int hm_sf_write(bool final)
{
	char tmp[PATH_MAX + 32], show[HM_USER_ENV_SHOW];
	int err;

	if (getpid() != hm_sf_pid) {
		/* a child after fork(): with "%p", its own file at its exit */
		if (!final || !hm_sf_per_process)
			return 0;
		hm_sf_pid = getpid();
		hm_sf_seq = 0;
		hm_sf_warned = false;
		if (!hm_sf_expand(hm_sf_pid))
			return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", hm_sf_path, (int)hm_sf_pid);
	err = hm_sf_fill(tmp, final);
	if (!err && rename(tmp, hm_sf_path)) {
		err = errno;
		unlink(tmp);
	}
	if (!err)
		return 0;
	if (!hm_sf_warned)
		fprintf(stderr, "hakmem: HAKMEM_STATS_FILE=%s: %s (not written)\n",
			hm_user_env_show(hm_sf_path, show), strerror(err));
	hm_sf_warned = true;
	return -1;
}

static void *hm_sf_thread(void *unused)
{
	struct timespec ts = {
		.tv_sec = hm_sf_interval_ms / 1000,
		.tv_nsec = (long)(hm_sf_interval_ms % 1000) * 1000000L,
	};
	bool stop = false;

	(void)unused;
	while (!stop) {
		pthread_mutex_lock(&hm_sf_lock);
		stop = hm_sf_stopped;
		if (!stop)
			hm_sf_write(false);
		pthread_mutex_unlock(&hm_sf_lock);
		if (!stop)
			nanosleep(&ts, NULL);
	}
	return NULL;
}

static void hm_sf_atexit(void)
{
	pthread_mutex_lock(&hm_sf_lock);
	if (!hm_sf_stopped)
		hm_sf_write(true);
	hm_sf_stopped = true;
	pthread_mutex_unlock(&hm_sf_lock);
}

/*
 * hm_sf_path from hm_sf_template, each "%p" the process id (in the part
 * the user gave, not in the working directory's name): one file per process
 * when every process of a pipeline runs on libhakmem (LD_PRELOAD).
 * False when it does not fit.
 */
static bool hm_sf_expand(pid_t pid)
{
	const char *path = hm_sf_template + hm_sf_cwd_len;
	size_t n = hm_sf_cwd_len;	/* the working directory's name, as it is */
	int w;

	memcpy(hm_sf_path, hm_sf_template, n);
	for (; *path; path++) {
		if (path[0] == '%' && path[1] == 'p') {
			w = snprintf(hm_sf_path + n, sizeof(hm_sf_path) - n, "%d", (int)pid);
			if (w < 0 || (size_t)w >= sizeof(hm_sf_path) - n)
				return false;
			n += (size_t)w;
			path++;
		} else if (n + 1 < sizeof(hm_sf_path)) {
			hm_sf_path[n++] = *path;
		} else {
			return false;
		}
	}
	hm_sf_path[n] = '\0';
	return true;
}

/*
 * hm_sf_template from @path, a relative one from the directory the program
 * starts in: its file stays where it was named after a chdir().  False when
 * it does not fit (or the directory cannot be named).
 */
static bool hm_sf_absolute(const char *path)
{
	char show[HM_USER_ENV_SHOW];
	size_t n = 0;

	if (path[0] != '/') {
		if (!getcwd(hm_sf_template, sizeof(hm_sf_template))) {
			fprintf(stderr, "hakmem: HAKMEM_STATS_FILE=%s: the working directory: %s; not written\n",
				hm_user_env_show(path, show), strerror(errno));
			return false;
		}
		n = strlen(hm_sf_template);
		if (n > 1 && n + 1 < sizeof(hm_sf_template))
			hm_sf_template[n++] = '/';
	}
	hm_sf_cwd_len = n;
	if (n + strlen(path) >= sizeof(hm_sf_template)) {
		fprintf(stderr, "hakmem: HAKMEM_STATS_FILE=%s: too long; not written\n",
			hm_user_env_show(path, show));
		return false;
	}
	strcpy(hm_sf_template + n, path);
	return true;
}

/* Called once from the library's initialization. */
void hm_stats_file_start(void)
{
	const char *path = secure_getenv("HAKMEM_STATS_FILE");
	char show[HM_USER_ENV_SHOW];
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;

	if (!path || !*path)
		return;
	hm_sf_pid = getpid();
	if (!hm_sf_absolute(path))
		return;
	if (!hm_sf_expand(hm_sf_pid)) {
		fprintf(stderr, "hakmem: HAKMEM_STATS_FILE=%s: too long; not written\n",
			hm_user_env_show(path, show));
		return;
	}
	hm_sf_per_process = strstr(path, "%p");
	hm_sf_interval_ms = (unsigned int)hm_user_env_num("HAKMEM_STATS_INTERVAL_MS",
							  HM_STATS_FILE_MIN_MS, 3600000UL,
							  hm_sf_interval_ms);
	atexit(hm_sf_atexit);
	/* the writer takes no signals meant for the program */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, hm_sf_thread, NULL))
		fprintf(stderr, "hakmem: HAKMEM_STATS_FILE: no writer thread; written at exit only\n");
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
