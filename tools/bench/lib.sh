# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - what the scripts of tools/bench/ share; sourced, never run:
#   . "$(dirname "$0")/lib.sh"
# Sets here (tools/bench), top (the tree) and bindir (build/bench, the
# default of -b), and defines:
#   bench_opt OPT ARG   the options every script means the same by: -n N,
#                       -j JOBS, -b BINDIR, -o OUTDIR, -a ALLOCS, -w WLS,
#                       -z SIZES (n jobs bindir out allocs wls sizes);
#                       false for any other
#   bench_usage LINES   the script's usage, lines LINES (sed's "A,B") of
#                       its header, on stderr; exits 2
#   bin_of ALLOC [SUF]  the hm-ops binary that runs allocator ALLOC (the
#                       SUF build of it: -trace)

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bindir=$top/build/bench

# shellcheck disable=SC2034 # the variables are the sourcing script's
bench_opt() {
	case $1 in
	n) n=$2 ;;
	j) jobs=$2 ;;
	b) bindir=$2 ;;
	o) out=$2 ;;
	a) allocs=$2 ;;
	w) wls=$2 ;;
	z) sizes=$2 ;;
	*) return 1 ;;
	esac
}

bench_usage() {
	sed -n "$1s/^# \{0,1\}//p" "$0" >&2
	exit 2
}

bin_of() {
	case $1 in
	hm-* | cache-*) echo "$bindir/hm-ops-hakmem${2:-}" ;;
	null) echo "$bindir/hm-ops-glibc${2:-}" ;;
	*) echo "$bindir/hm-ops-$1${2:-}" ;;
	esac
}
