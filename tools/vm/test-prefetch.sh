#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prefetch.sh's wait and stop (make test-vm-args) know the background run
# from its pid file and its rc file only, in a scratch directory
# (HM_PREFETCH_DIR); nothing is built.  The pid of a run that ended, or
# died, names another process once pids wrapped (32768 by default, in
# one make test): wait must not wait for it, stop must not kill its
# process group.  A run still going is waited for and stopped.
#
# Usage: tools/vm/test-prefetch.sh
set -eu

tmp=$(mktemp -d /tmp/hakmem-prefetch.XXXXXX)
others=
cleanup() {
	local g
	for g in $others; do kill -- "-$g" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
NAME=test-prefetch
# shellcheck source=tools/test/lib.sh
. "$(dirname "$0")/../test/lib.sh"
P=$HM_TEST_ROOT/tools/vm/prefetch.sh
export HM_PREFETCH_DIR=$tmp

# a process group of its own, leader $!, that lives a minute
group() {
	setsid "$@" </dev/null >/dev/null 2>&1 &
	others="$others $!"
	last=$!
}

# quick ACTION: prefetch.sh ACTION exits 0 within 15 s
quick() {
	local rc=0
	timeout 15 "$P" "$@" 2>"$tmp/err" || rc=$?
	[ "$rc" = 0 ] || fail "prefetch.sh $* exited $rc (124: still waiting): $(cat "$tmp/err")"
}

echo "prefetch ended: rc=0 after 1.0 s" >"$tmp/prefetch.log"

# the run ended, its rc written; its pid now another process's
group sleep 60
echo "$last" >"$tmp/prefetch.pid"
echo 0 >"$tmp/prefetch.rc"
quick wait
[ ! -f "$tmp/prefetch.pid" ] || fail "wait left the pid file"
echo "$NAME: wait after the run's end, its pid reused: returned"

# the run died without its rc (killed); its pid another group leader's
echo "$last" >"$tmp/prefetch.pid"
rm -f "$tmp/prefetch.rc"
quick stop
kill -0 "$last" 2>/dev/null || fail "stop killed process group $last, not a prefetch run"
echo "$last" >"$tmp/prefetch.pid"
quick wait
grep -q "prefetch failed" "$tmp/err" || fail "wait without an rc did not report a failure"
kill -0 "$last" 2>/dev/null || fail "wait's process group $last is gone"
echo "$NAME: stop and wait, the pid reused by another group: left alone"

# a run still going (its command line, no rc): stop ends its group
group bash -c 'sleep 60; :' sh "$P" run
run=$last
echo "$run" >"$tmp/prefetch.pid"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "prefetch.sh" "/proc/$run/cmdline" 2>/dev/null && break
	sleep 0.1
done
quick stop
for _ in 1 2 3 4 5 6 7 8 9 10; do
	kill -0 "$run" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$run" 2>/dev/null || fail "stop left the run $run going"
echo "$NAME: stop of a run going: ended its group"
echo "$NAME: PASS"
