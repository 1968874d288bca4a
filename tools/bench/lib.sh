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
#   bench_no_operands LINES ARG...
#                       after the options (shift $((OPTIND - 1))): any
#                       ARG left is refused, with the usage (exit 2); a
#                       stray word once ran the whole sweep, ignored
#   bin_of ALLOC [SUF]  the hm-ops binary that runs allocator ALLOC (the
#                       SUF build of it: -trace)
#   per_op BIN MODE SIZE SWITCHES N WARM
#                       instructions per op of BIN's hm-MODE pairs
#                       (workload g) of SIZE bytes under HAKMEM_DEBUG=
#                       SWITCHES: callgrind's total at N ops less that at
#                       0 (the same WARM warm-up), over N
#   debug_bins_ready TARGET
#                       valgrind, and BINDIR's hm-ops-hakmem and
#                       hm-ops-hakmem-nodebug (make TARGET builds them),
#                       or a message and exit 1

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

bench_no_operands() {
	local lines=$1

	shift
	[ $# -eq 0 ] && return 0
	echo "$(basename "$0"): unexpected argument '$1'" >&2
	bench_usage "$lines"
}

bin_of() {
	case $1 in
	hm-* | cache-*) echo "$bindir/hm-ops-hakmem${2:-}" ;;
	null) echo "$bindir/hm-ops-glibc${2:-}" ;;
	*) echo "$bindir/hm-ops-$1${2:-}" ;;
	esac
}

per_op() {
	local bin=$1 mode=$2 size=$3 dbg=$4 n=$5 warm=$6 cnt ir a b

	for cnt in "$n" 0; do
		if ! ir=$(HAKMEM_DEBUG="$dbg" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			"$bin" -c -W "$warm" -s "$size" "hm-$mode" g "$cnt" 2>&1 >/dev/null |
			awk '/refs:/ { gsub(",", "", $NF); print $NF }') || [ -z "$ir" ]; then
			echo "$(basename "$0"): FAILED: $mode $size [$dbg] at $cnt" >&2
			return 1
		fi
		if [ "$cnt" = 0 ]; then b=$ir; else a=$ir; fi
	done
	awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.1f\n", (a - b) / n }'
}

debug_bins_ready() {
	local me b

	me=$(basename "$0" .sh)
	command -v valgrind >/dev/null || { echo "$me: valgrind not installed (tools/deps.sh bench)" >&2; exit 1; }
	for b in hm-ops-hakmem hm-ops-hakmem-nodebug; do
		[ -x "$bindir/$b" ] || { echo "$me: $bindir/$b not built (make $1)" >&2; exit 1; }
	done
}
