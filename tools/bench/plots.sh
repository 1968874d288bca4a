#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# plots.sh - PNG plots of hakmem-bench results with gnuplot (plots.gp):
# ns/op (median, min-max bars; log scale) and instructions/op (net: the
# allocator's alone) per workload and allocator, one plot per object size.  f (random 8..256 bytes) joins
# the 64-byte plots.  The null allocator (harness only) is left out.
#
# usage: tools/bench/plots.sh [DIR]      (DIR: build/bench; writes DIR/plots/)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-build/bench}
out=$dir/plots
mkdir -p "$out"
command -v gnuplot >/dev/null || { echo "plots.sh: gnuplot not installed (tools/deps.sh bench)" >&2; exit 1; }

order="hm-bitmap hm-freelist hm-hybrid cache-bitmap cache-freelist cache-hybrid glibc mimalloc jemalloc tcmalloc"

# data: one row per workload, for each allocator present VAL [LO HI]
# $1 tsv  $2 size  $3 value column  $4 lo column (0: none)  $5 hi column
mkdata() {
	awk -F'\t' -v order="$order" -v size="$2" -v vc="$3" -v lc="$4" -v hc="$5" '
	BEGIN { na = split(order, o, " "); nw = split("a g b c d e f", wls, " ") }
	NR == 1 { next }
	($3 != "f" && $4 == size) || ($3 == "f" && size == 64) {
		have[$2] = 1
		val[$2, $3] = $vc; lo[$2, $3] = lc ? $lc : 0; hi[$2, $3] = hc ? $hc : 0
		seen[$3] = 1
	}
	END {
		names = ""
		for (i = 1; i <= na; i++) if (o[i] in have) names = names (names ? " " : "") o[i]
		print "# " names
		for (w = 1; w <= nw; w++) {
			if (!(wls[w] in seen)) continue
			s = wls[w] == "f" ? "f (8-256)" : wls[w]
			s = "\"" s "\""
			for (i = 1; i <= na; i++) {
				if (!(o[i] in have)) continue
				k = (o[i] SUBSEP wls[w])
				if (k in val) s = s " " val[k] (lc ? " " lo[k] " " hi[k] : "")
				else s = s (lc ? " NaN NaN NaN" : " NaN")
			}
			print s
		}
	}' "$1"
}

plot() {	# data title ylabel logy errors png
	local names
	[ "$(wc -l < "$1")" -gt 1 ] || { echo "plots.sh: no data for $6" >&2; return 0; }
	names=$(sed -n '1s/^# //p' "$1")
	gnuplot -e "datafile='$1'; names='$names'; ttl='$2'; ylab='$3'; logy=$4; errors=$5; out='$6'" \
		"$here/plots.gp"
	echo "plots.sh: $6" >&2
}

wl_note="a pair, g pair + 1 live, b/c/d 1000 then LIFO/random/FIFO, e producer->consumer, f larson-like"
if [ -f "$dir/results.tsv" ]; then
	for size in 16 64 256; do
		mkdata "$dir/results.tsv" "$size" 7 8 9 > "$out/ns-$size.dat"
		plot "$out/ns-$size.dat" "ns per op (alloc + free), $size-byte objects: median, min-max bars ($wl_note)" \
			"ns/op (log scale)" 1 1 "$out/ns-$size.png"
	done
fi
if [ -f "$dir/callgrind.tsv" ]; then
	for size in 16 64 256; do
		mkdata "$dir/callgrind.tsv" "$size" 14 0 0 > "$out/instr-$size.dat"
		plot "$out/instr-$size.dat" "instructions per op (alloc + free), allocator only (harness subtracted), $size-byte objects, callgrind" \
			"instructions/op" 0 0 "$out/instr-$size.png"
	done
fi
