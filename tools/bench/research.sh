#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# research.sh - the fit policies (and later research features) on the
# workloads that tell them apart: f (larson-like, 2 threads) and l
# (long-lived mixed lifetimes), for every policy in the modes given.
# Three measures per configuration:
#   callgrind.tsv  instructions per op (callgrind-ops.sh: N and 0 ops)
#   timing.tsv     ns per op, median [min-max] of REPS repetitions
#   frag.tsv       fragmentation after the ops (hm-ops -F): slabs,
#                  partial slabs, utilisation, longest free run
# and tables.rst, the three as reST tables.
#
# usage: tools/bench/research.sh [-b BINDIR] [-o OUTDIR] [-n CG_OPS] [-t TIME_OPS]
#                                [-r REPS] [-j JOBS] [-m "MODES"] [-p "POLICIES"]
#                                [-w "WORKLOADS"] [-k] [-C]
#   -k: tables only; -C: no callgrind (keep OUTDIR/callgrind.tsv), timing
#   and fragmentation only
set -eu

# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
out=$top/build/bench/research
cgn=100000
tn=1000000
reps=5
jobs=1
modes="bitmap hybrid freelist"
policies="default first next near best"
wls="f l"
tables_only=0
no_cg=0

while getopts b:o:n:t:r:j:m:p:w:kC opt; do
	case $opt in
	n) cgn=$OPTARG ;;
	t) tn=$OPTARG ;;
	r) reps=$OPTARG ;;
	m) modes=$OPTARG ;;
	p) policies=$OPTARG ;;
	k) tables_only=1 ;;
	C) no_cg=1 ;;
	*) bench_opt "$opt" "${OPTARG:-}" || bench_usage 14,19 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands 14,19 "$@"
mkdir -p "$out"
bin=$bindir/hm-ops-hakmem

allocs=
for m in $modes; do
	for p in $policies; do
		allocs="$allocs hm-$m:$p"
	done
done

if [ "$tables_only" = 0 ]; then
	[ -x "$bin" ] || { echo "research: $bin missing (make bench-bins)" >&2; exit 1; }
	{
		echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "commit: $(git -C "$top" rev-parse --short HEAD)"
		echo "callgrind ops: $cgn timing ops: $tn reps: $reps load: $(cut -d' ' -f1-3 /proc/loadavg)"
	} > "$out/meta.txt"
	[ "$no_cg" = 1 ] ||
		"$here/callgrind-ops.sh" -n "$cgn" -j "$jobs" -b "$bindir" -a "$allocs" -w "$wls" -z 64 -o "$out" >/dev/null
	: > "$out/timing.tsv"
	: > "$out/frag.tsv"
	for wl in $wls; do
		for a in $allocs; do
			# timing: the median of $reps; the frag line from the same process
			"$bin" -F -V -r "$reps" "$a" "$wl" "$tn" >> "$out/timing.tsv" 2>> "$out/frag.tsv"
		done
	done
fi

# ---- tables --------------------------------------------------------------
{
	echo "instructions per op (callgrind, net of the harness), ns per op (median [min-max]),"
	echo "and fragmentation after the ops:"
	echo
	for wl in $wls; do
		echo "workload $wl:"
		echo
		awk -F'\t' -v wl="$wl" '
		FILENAME ~ /callgrind/ && $3 == wl { ir[$2] = $14 }
		FILENAME ~ /timing/ && $3 == wl { ns[$2] = sprintf("%.1f [%.1f-%.1f]", $7, $8, $9) }
		FILENAME ~ /frag/ && $3 == wl {
			for (i = 4; i <= NF; i++) { split($i, kv, " "); fr[$2, kv[1]] = kv[2] }
			order[++n] = $2
		}
		END {
			fmt = "%-22s %10s %20s %6s %8s %8s %10s %10s\n"
			line = sprintf(fmt, "======================", "==========", "====================",
				       "======", "========", "========", "==========", "==========")
			gsub(/ /, " ", line)
			printf "%s", line
			printf fmt, "allocator:policy", "instr/op", "ns/op", "slabs", "partial", "util", "run avg", "run min"
			printf "%s", line
			for (k = 1; k <= n; k++) {
				a = order[k]
				printf fmt, a, ir[a], ns[a], fr[a, "slabs"], fr[a, "partial"], fr[a, "util"],
					fr[a, "longest_run_avg"], fr[a, "longest_run_min"]
			}
			printf "%s\n", line
		}' "$out/callgrind.tsv" "$out/timing.tsv" "$out/frag.tsv"
	done
} > "$out/tables.rst"
cat "$out/tables.rst"
