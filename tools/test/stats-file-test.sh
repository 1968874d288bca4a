#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/test/stats-file-test.sh - HAKMEM_STATS_FILE's writer where the
# process around it does something other than run and exit (make
# test-stats-file): each case failed before its fix.
#  - fork(): with "%p", a child writes its own file at its exit;
#  - a file size limit (ulimit -f): the final write fails with a message,
#    the program exits as it would have (it was killed by SIGXFSZ);
#  - a link planted at the temporary file's name is not followed (where
#    the program cannot remove it);
#  - dlclose() of libhakmem.so while its writer runs (the writer woke in
#    unmapped code: SIGSEGV);
#  - a relative path, then a chdir() (the file followed the program);
#  - a program whose only allocations are large (the library never started);
#  - a path too long, or with a newline, named on one line (it was not
#    named, or the message was split);
#  - a set-user-ID program ignores the variable (it wrote a root-only file
#    for any user); run as root only, where /tmp allows set-user-ID.
#
# Usage: stats-file-test.sh BUILD_DIR  (holds libhakmem.so, libhakmem-preload.so)
set -eu

OUT=$(cd "$1" && pwd)
PRE=$OUT/libhakmem-preload.so
SO=$OUT/libhakmem.so
CC=${CC:-gcc}
NAME=stats-file
tmp=$(mktemp -d /tmp/hakmem-sf.XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
if [ ! -f "$PRE" ] || [ ! -f "$SO" ]; then
	fail "$OUT: libhakmem.so or libhakmem-preload.so missing"
fi

cat >"$tmp/forkc.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	char *volatile p = malloc(10);	/* volatile: not elided with its free */
	char *volatile q;
	pid_t c = fork();

	if (!c) {
		q = malloc(100);
		free(q);
		exit(0);
	}
	waitpid(c, NULL, 0);
	printf("%d %d\n", (int)getpid(), (int)c);
	free(p);
	return 0;
}
EOF
# one allocation; unlike ls, stderr stays open for the final write's message
printf '%s\n' '#include <stdlib.h>' \
	'int main(void) { char *volatile p = malloc(64); p[0] = 1; free(p); return 0; }' >"$tmp/one.c"
printf '%s\n' '#include <stdlib.h>' '#include <unistd.h>' \
	'int main(int argc, char **argv) { char *volatile p = malloc(64); p[0] = 1;' \
	'if (argc < 2 || chdir(argv[1])) return 2; usleep(50000); free(p); return 0; }' >"$tmp/cd.c"
cat >"$tmp/dl.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	void *(*m)(size_t);
	void (*f)(void *);

	if (argc < 2 || !h)
		return 2;
	m = (void *(*)(size_t))dlsym(h, "hm_malloc");
	f = (void (*)(void *))dlsym(h, "hm_free");
	if (!m || !f)
		return 3;
	f(m(64));
	if (dlclose(h))
		return 4;
	usleep(200000);		/* twenty of the writer's intervals */
	puts("survived");
	return 0;
}
EOF
$CC -O2 -o "$tmp/forkc" "$tmp/forkc.c"
$CC -O2 -o "$tmp/dl" "$tmp/dl.c" -ldl
$CC -O2 -o "$tmp/one" "$tmp/one.c"
$CC -O2 -o "$tmp/cd" "$tmp/cd.c"

# fork(): one file per process
read -r parent child < <(HAKMEM_STATS_FILE="$tmp/sf.%p" LD_PRELOAD=$PRE "$tmp/forkc")
[ -s "$tmp/sf.$parent" ] || fail "fork: no file for the parent ($parent)"
[ -s "$tmp/sf.$child" ] || fail "fork: no file for the child ($child): $(ls "$tmp")"
head -n 1 "$tmp/sf.$child" | grep -q "pid $child seq 1 .* final$" ||
	fail "fork: the child's file: $(head -n 1 "$tmp/sf.$child")"
echo "$NAME: fork with %p: the parent's file and the child's (written at its exit): PASS"

# a file size limit: a message, the program's own exit status, nothing left
rc=0
(ulimit -f 1; HAKMEM_STATS_FILE=$tmp/fs LD_PRELOAD=$PRE "$tmp/one" 2>"$tmp/fs.err") || rc=$?
[ "$rc" = 0 ] || fail "ulimit -f 1: the program exited $rc ($(cat "$tmp/fs.err"))"
grep -q "HAKMEM_STATS_FILE=$tmp/fs: File too large (not written)" "$tmp/fs.err" ||
	fail "ulimit -f 1: said '$(cat "$tmp/fs.err")'"
left=$(find "$tmp" -name 'fs.tmp.*')
[ -z "$left" ] || fail "ulimit -f 1: a temporary file was left: $left"
echo "$NAME: ulimit -f 1: the writes fail with a message, the program exits 0: PASS"

# a link at the temporary name, in a directory the program cannot write
# (root's), so that it cannot unlink the link either: it must not open
# through it (the old fopen("w") wrote the victim, then failed the rename)
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "$NAME: a link at the temporary name: skipped (needs root and setpriv)"
else
	mkdir -m 755 "$tmp/ro" && mkdir -m 777 "$tmp/open"
	cp "$PRE" "$tmp/preload.so"	# readable by uid 65534 wherever the build is
	sh -c 'ln -s "$1/open/victim" "$1/ro/ln.tmp.$$" &&
		exec setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HAKMEM_STATS_FILE="$1/ro/ln" LD_PRELOAD="$1/preload.so" "$1/one"' sh "$tmp" \
		2>"$tmp/ln.err" || fail "a link at the temporary name: the program failed"
	[ ! -e "$tmp/open/victim" ] || fail "a link at the temporary name was followed"
	grep -q "HAKMEM_STATS_FILE=$tmp/ro/ln: File exists (not written)" "$tmp/ln.err" ||
		fail "a link at the temporary name: said '$(cat "$tmp/ln.err")'"
	echo "$NAME: a link at the temporary name: not followed (File exists): PASS"
fi

# a relative path is the starting directory's, whatever chdir() comes after
mkdir "$tmp/sub"
(cd "$tmp" && HAKMEM_STATS_FILE=rel HAKMEM_STATS_INTERVAL_MS=10 LD_PRELOAD=$PRE ./cd sub) ||
	fail "relative path: the program failed"
[ ! -e "$tmp/sub/rel" ] || fail "relative path: written in the directory chdir() went to"
head -n 1 "$tmp/rel" | grep -q " final$" || fail "relative path: no final snapshot in $tmp/rel"
# a "%p" in the working directory's name is a name, not the process id
mkdir "$tmp/a%pb"
(cd "$tmp/a%pb" && HAKMEM_STATS_FILE=rel LD_PRELOAD=$PRE ../one 2>"$tmp/pct.err") ||
	fail "relative path under a%pb: the program failed"
[ -s "$tmp/a%pb/rel" ] || fail "relative path under a%pb: no file ($(cat "$tmp/pct.err"))"
echo "$NAME: a relative path and a chdir(), a %p in the directory's name: the file stays where it was named: PASS"

# dlclose() while the writer runs
out=$(HAKMEM_STATS_FILE=$tmp/dl HAKMEM_STATS_INTERVAL_MS=10 "$tmp/dl" "$SO" 2>&1) ||
	fail "dlclose with the writer running: exit $?, '$out'"
[ "$out" = survived ] || fail "dlclose: printed '$out'"
echo "$NAME: dlclose() of libhakmem.so with the writer running: PASS"

# a program whose only allocation is large still starts the library (its
# fork handlers, HAKMEM_DEBUG, this file): a large hm_malloc(), hm_calloc()
# or hm_aligned_alloc() skipped the initialization
printf '%s\n' '#include <stddef.h>' '#include <string.h>' \
	'void *hm_malloc(size_t); void *hm_calloc(size_t, size_t);' \
	'void *hm_aligned_alloc(size_t, size_t); void hm_free(void *);' \
	'int main(int argc, char **argv) { void *p = argc < 2 ? NULL :' \
	'!strcmp(argv[1], "malloc") ? hm_malloc(1 << 20) : !strcmp(argv[1], "calloc") ?' \
	'hm_calloc(1, 1 << 20) : hm_aligned_alloc(8192, 1 << 20);' \
	'if (!p) return 2; hm_free(p); return 0; }' >"$tmp/large.c"
$CC -O2 -o "$tmp/large" "$tmp/large.c" "$OUT/libhakmem.a" -pthread
for how in malloc calloc aligned; do
	HAKMEM_STATS_FILE=$tmp/large-$how "$tmp/large" $how || fail "large only ($how): exit $?"
	head -n 1 "$tmp/large-$how" 2>/dev/null | grep -q " final$" ||
		fail "large only ($how): the library never started (no stats file)"
done
echo "$NAME: a program whose only allocation is large (malloc, calloc, aligned): the library starts: PASS"

# a path too long, with a newline: one line naming it, cut and escaped
# (it said "HAKMEM_STATS_FILE is too long", not which; a newline in a path
# the writer could not open split its message)
long=$(printf 'x%.0s' $(seq 5000))
HAKMEM_STATS_FILE=$long LD_PRELOAD=$PRE "$tmp/one" 2>"$tmp/long.err" || fail "a long path: exit $?"
want="hakmem: HAKMEM_STATS_FILE=$(printf 'x%.0s' $(seq 128))...: too long; not written"
[ "$(cat "$tmp/long.err")" = "$want" ] || fail "a long path: '$(head -c 300 "$tmp/long.err")'"
HAKMEM_STATS_FILE="$tmp/no/such"$'\n'"dir" LD_PRELOAD=$PRE "$tmp/one" 2>"$tmp/nl.err" ||
	fail "a newline in the path: exit $?"
if [ "$(wc -l <"$tmp/nl.err")" != 1 ] ||
	! grep -qF 'no/such\x0adir: No such file or directory (not written)' "$tmp/nl.err"; then
	fail "a newline in the path: '$(cat "$tmp/nl.err")'"
fi
echo "$NAME: a path too long, one with a newline: named on one line: PASS"

# set-user-ID: the caller's HAKMEM_STATS_FILE is not the program's
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "$NAME: set-user-ID: skipped (needs root and setpriv)"
elif findmnt -no OPTIONS -T "$tmp" | grep -qw nosuid; then
	echo "$NAME: set-user-ID: skipped ($tmp is on a nosuid mount)"
else
	mkdir -m 700 "$tmp/root-only"
	# LD_PRELOAD is not honoured for set-user-ID programs: libhakmem linked in
	cp "$tmp/large" "$tmp/suid"
	chmod 4755 "$tmp/suid"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env \
		HAKMEM_STATS_FILE="$tmp/root-only/conf" "$tmp/suid" malloc 2>&1) ||
		fail "set-user-ID program: exit $?, '$out'"
	[ -z "$(ls -A "$tmp/root-only")" ] ||
		fail "a set-user-ID program wrote $(ls "$tmp/root-only") for uid 65534"
	echo "$NAME: set-user-ID program run by uid 65534: HAKMEM_STATS_FILE ignored: PASS"
fi
