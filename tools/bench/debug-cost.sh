#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-cost.sh - what the debug switches cost, in instructions per op of
# hm_malloc/hm_free pairs (workload g), against the same fast path built
# without any diagnostic code (-DHM_NO_DEBUG: hm-ops-hakmem-nodebug): the
# table of Documentation/diagnostics.rst and issue #5's two targets, off
# within 2% and poison=1 track=1 within 1.5x.  Each row runs under
# callgrind at N ops and at 0 ops (the same warm-up); per op = difference/N.
#
# usage: tools/bench/debug-cost.sh [-n N] [-j JOBS] [-b BINDIR] [-o OUTDIR]
#                                  [-a "MODE..."] [-z "SIZE..."]
#   MODE: hybrid bitmap freelist (default all); SIZE: the sizes at which
#   the hybrid's poison=1 track=1 row repeats (default "8 16 256")
# Output: OUTDIR/debug-cost.tsv (mode size switches ir_op base_op ratio
# target verdict) and the table on stdout.
set -eu

# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
out=
n=100000
jobs=$(nproc)
allocs="hybrid bitmap freelist"
sizes="8 16 256"
warm=10000

# xargs worker: --one BUILD MODE SIZE [SWITCHES]; N and BINDIR come in the
# environment, as xargs would split a BINDIR with a space
if [ "${1:-}" = --one ]; then
	n=$DC_N bindir=$DC_BINDIR
	bin=$bindir/hm-ops-hakmem
	[ "$2" = nodebug ] && bin=$bindir/hm-ops-hakmem-nodebug
	dbg="${*:5}"	# xargs split the switches into words
	printf '%s\t%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "$dbg" "$(per_op "$bin" "$3" "$4" "$dbg" "$n" "$warm")"
	exit
fi

while getopts n:j:b:o:a:z: opt; do
	bench_opt "$opt" "${OPTARG:-}" || bench_usage 11,15
done
shift $((OPTIND - 1))
bench_no_operands 11,15 "$@"
[ -n "$out" ] || out=$bindir
mkdir -p "$out"
debug_bins_ready bench-debug-cost

# the rows: each mode's switches at 64 bytes, the hybrid's both at more sizes
list=$(mktemp)
trap 'rm -f "$list" "$list.res"' EXIT
for mode in $allocs; do
	echo "nodebug $mode 64"
	for dbg in off poison=1 track=1 "poison=1 track=1"; do
		echo "debug $mode 64 $dbg"
	done
	[ "$mode" = hybrid ] || continue
	for size in $sizes; do
		echo "nodebug $mode $size"
		echo "debug $mode $size poison=1 track=1"
	done
done > "$list"

start=$(date +%s)
# shellcheck disable=SC2086
DC_N=$n DC_BINDIR=$bindir xargs -P "$jobs" -L 1 "$here/debug-cost.sh" --one < "$list" > "$list.res" ||
	{ echo "debug-cost: some runs failed" >&2; exit 1; }

# each row against the build without diagnostics, same mode and size, in
# the order of the list
res=$out/debug-cost.tsv
awk -v OFS='\t' '
	FNR == 1 { f++ }
	f == 1 { split($0, c, "\t"); ir[c[1], c[2], c[3], c[4]] = c[5]; next }
	FNR == 1 { print "mode", "size", "switches", "ir_op", "nodebug_op", "ratio", "target", "verdict" }
	{
		sw = $4; for (i = 5; i <= NF; i++) sw = sw " " $i
		if ($1 == "nodebug") next
		x = ir["debug", $2, $3, sw]; b = ir["nodebug", $2, $3, ""]
		t = sw == "off" ? 1.02 : sw == "poison=1 track=1" ? 1.5 : 0
		if (x == "" || b == "") { print "debug-cost: no result for " $2 " " $3 " " sw > "/dev/stderr"; bad = 1; next }
		r = x / b
		print $2, $3, sw, x, b, sprintf("%.2f", r), t ? t "x" : "-", \
			t == 0 ? "-" : r <= t ? "met" : "not met"
	}
	END { exit bad
	}' "$list.res" "$list" > "$res"
column -t -s "$(printf '\t')" "$res"
echo "debug-cost: $(($(wc -l < "$res") - 1)) rows, N=$n, $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), in $(($(date +%s) - start)) s -> $res" >&2
