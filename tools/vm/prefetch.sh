#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Warm the kernel cache in the background while the userspace tests run.
#
# Usage: tools/vm/prefetch.sh {start|wait|stop}
#   start  if a kernel that the kernel tests need is not cached yet, build
#          and download them (UML and x86_64 KUnit kernels, Debian 6.1 and
#          6.12) at nice 19 in the background; log build/vm/prefetch.log
#   wait   wait for that to end, at nice 0 from now on (as root); exit 0.
#          A failure is only reported: the kernel tests run the same
#          scripts again and fail with their own message.
#   stop   end it (the builds resume from their stamps next time)
#   run    the work itself, what start runs in the background
#
# Why: most of the userspace tests run on one core (valgrind, the
# sanitizer suites), so a cold cache's kernel builds, 15-25 minutes on 2
# cores, mostly fit in the other core's idle time instead of after the
# userspace half.  The builders' own locks keep this and the kernel tests
# from building the same tree twice.
set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

top=$(dirname "$TOOLS_DIR")
# HM_PREFETCH_DIR: another place for the pid, rc and log files (the test)
dir=${HM_PREFETCH_DIR:-$top/build/vm}
pidf=$dir/prefetch.pid rcf=$dir/prefetch.rc log=$dir/prefetch.log

# Is the background run still going?  Not whenever its pid is alive: pids
# wrap (32768 by default) during a long make test, and the pid of a run
# that ended may name another process, even a group leader, which wait
# would wait for and renice and stop would kill.  So: the run has not
# written its rc (its last act), and the pid is still the run's (its
# command line: "sh .../prefetch.sh run"; a zombie's is empty).
running() {
	[ -f "$pidf" ] && [ ! -f "$rcf" ] || return 1
	cmd=$( (tr '\0' ' ' <"/proc/$(cat "$pidf")/cmdline") 2>/dev/null ) || return 1
	case $cmd in
	*prefetch.sh\ run*) return 0 ;;
	*) return 1 ;;
	esac
}

work() {
	# the distro kernels are downloads: alongside the compiles
	( "$VM_DIR/distro-kernel.sh" 6.1 && "$VM_DIR/distro-kernel.sh" 6.12 ) >/dev/null &
	dpid=$!
	rc=0
	"$VM_DIR/build-kernel.sh" uml >/dev/null || rc=1
	"$VM_DIR/build-kernel.sh" x86_64 >/dev/null || rc=1
	wait $dpid || rc=1
	return $rc
}

case ${1:-} in
start)
	mkdir -p "$dir"
	rm -f "$rcf"
	running && exit 0
	# every package first, in the foreground: one apt run, none racing
	# (failed, say without a network: the userspace half runs all the
	# same, and the kernel targets fail on their own deps.sh)
	if ! "$TOOLS_DIR/deps.sh" vm kunit lint; then
		msg "packages not installed: no prefetch"
		exit 0
	fi
	# setsid: its own process group, which stop kills whole.  With a warm
	# cache each script finds its stamps and the run ends in seconds.
	setsid nice -n 19 "$0" run >"$log" 2>&1 </dev/null &
	echo $! >"$pidf"
	msg "kernel cache: building what is missing in the background at nice 19 (log $log)"
	;;
run)
	t0=$(now_s) rc=0
	work || rc=$?
	msg "prefetch ended: rc=$rc after $(elapsed "$t0") s"
	echo $rc >"$rcf"
	;;
wait)
	[ -f "$pidf" ] || exit 0
	if running; then
		msg "waiting for the kernel prefetch (log $log)"
		# nothing of ours competes now: full priority (root only; new
		# compilers inherit it from their make)
		renice -n 0 -g "$(cat "$pidf")" >/dev/null 2>&1 || true
		while running; do sleep 5; done
	fi
	rm -f "$pidf"
	rc=$(cat "$rcf" 2>/dev/null || echo 1)
	tail -n 1 "$log" >&2
	[ "$rc" = 0 ] || { msg "prefetch failed (rc=$rc): the kernel tests retry"; tail -n 20 "$log" >&2; }
	exit 0
	;;
stop)
	if running; then
		kill -- "-$(cat "$pidf")" 2>/dev/null || true
		msg "kernel prefetch stopped"
	fi
	rm -f "$pidf"
	;;
*)
	echo "usage: $0 {start|wait|stop}" >&2
	exit 2
	;;
esac
