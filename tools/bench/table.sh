#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# table.sh - print hakmem-bench results as reST (default) or markdown tables.
#
# usage: tools/bench/table.sh [-m] [-k KIND] [DIR]     (DIR: build/bench)
#   KIND  ns      ns/op, median [min-max], per size        (results.tsv)
#         alloc   ns per allocation and per free in b, c, d (results.tsv)
#         rss     workload f: ns/op, peak RSS, live bytes   (results.tsv)
#         instr   instructions/op (harness included)       (callgrind.tsv)
#         net     instructions/op of the allocator alone   (callgrind.tsv)
#         d1      D1 misses/op (read + write)               (callgrind.tsv)
#         bm      branch mispredicts/op                     (callgrind.tsv)
#         lines   cache lines touched per alloc and free    (lines.tsv)
#         geometry  slab metadata per class and mode        (geometry.tsv)
#         all     every one of them whose input exists
#   -m    markdown instead of reST
set -eu -o pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
md=0
kind=ns
while getopts mk: opt; do
	case $opt in
	m) md=1 ;;
	k) kind=$OPTARG ;;
	*) bench_usage 6,17 ;;
	esac
done
shift $((OPTIND - 1))
dir=${1:-build/bench}

# the allocators in a fixed order, those present only
order="hm-bitmap hm-freelist hm-hybrid cache-bitmap cache-freelist cache-hybrid glibc mimalloc jemalloc tcmalloc null"

# awk library: collect cells with cell(row, col, text), then emit(title)
awklib='
function fmtn(fmt, x,    s) { s = sprintf(fmt, x); if (s ~ /^-0\.0*$/) s = substr(s, 2); return s }
function cell(r, c, t) {
	if (!(r in rseen)) { rseen[r] = 1; rows[++nr] = r }
	if (!(c in cseen)) { cseen[c] = 1; cols[++nc] = c }
	v[r, c] = t
}
function rule(    i, s) {
	s = ""
	for (i = 0; i <= nc; i++) s = s (i ? "  " : "") dashes(w[i])
	print s
}
function dashes(n,    s) { s = ""; while (n-- > 0) s = s "="; return s }
function pad(s, n) { while (length(s) < n) s = s " "; return s }
function emit(title, corner,    i, j, s, t) {
	if (!nr) return
	w[0] = length(corner)
	for (i = 1; i <= nr; i++) if (length(rows[i]) > w[0]) w[0] = length(rows[i])
	for (j = 1; j <= nc; j++) {
		w[j] = length(cols[j])
		for (i = 1; i <= nr; i++) if (length(v[rows[i], cols[j]]) > w[j]) w[j] = length(v[rows[i], cols[j]])
	}
	print ""
	print title
	print ""
	if (md) {
		s = "| " pad(corner, w[0])
		for (j = 1; j <= nc; j++) s = s " | " pad(cols[j], w[j])
		print s " |"
		s = "|" sprintf("%" w[0] + 2 "s", ""); gsub(/ /, "-", s)
		for (j = 1; j <= nc; j++) { t = sprintf("%" w[j] + 2 "s", ""); gsub(/ /, "-", t); s = s "|" t }
		print s "|"
		for (i = 1; i <= nr; i++) {
			s = "| " pad(rows[i], w[0])
			for (j = 1; j <= nc; j++) s = s " | " pad((rows[i], cols[j]) in v ? v[rows[i], cols[j]] : "-", w[j])
			print s " |"
		}
	} else {
		rule()
		s = pad(corner, w[0])
		for (j = 1; j <= nc; j++) s = s "  " pad(cols[j], w[j])
		print s
		rule()
		for (i = 1; i <= nr; i++) {
			s = pad(rows[i], w[0])
			for (j = 1; j <= nc; j++) s = s "  " pad((rows[i], cols[j]) in v ? v[rows[i], cols[j]] : "-", w[j])
			print s
		}
		rule()
	}
	nr = nc = 0
	split("", rows); split("", cols); split("", rseen); split("", cseen); split("", v)
}
'

# sorts a TSV (header kept) by the allocator order
sorted() {
	awk -F'\t' -v order="$order" 'BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i }
		NR == 1 { next } { print rank[$2] + 0 "\t" $0 }' "$1" | sort -s -t"$(printf '\t')" -k1,1n | cut -f2-
}

have() { [ -f "$dir/$1" ] || { echo "table.sh: $dir/$1 missing" >&2; return 1; }; }

t_ns() {
	have results.tsv || return 0
	# shellcheck disable=SC2013
	for size in $(awk -F'\t' 'NR > 1 && $3 != "f" { print $4 }' "$dir/results.tsv" | sort -nu); do
		sorted "$dir/results.tsv" | awk -F'\t' -v md="$md" -v size="$size" "$awklib"'
		$3 != "f" && $4 == size { cell($2, $3, sprintf("%.1f [%.1f-%.1f]", $7, $8, $9)) }
		$3 == "f" { f[$2] = sprintf("%.1f [%.1f-%.1f]", $7, $8, $9) }
		END {
			if (size == 64) for (r in f) cell(r, "f (8-256)", f[r])
			emit("ns per op, " size "-byte objects" (size == 64 ? " (f: random 8..256)" : "") \
			     ": median [min-max]", "allocator")
		}'
	done
}

t_alloc() {
	have results.tsv || return 0
	sorted "$dir/results.tsv" | awk -F'\t' -v md="$md" "$awklib"'
	$3 ~ /^[bcd]$/ && $4 == 64 {
		cell($2, $3 " alloc", sprintf("%.1f", $10)); cell($2, $3 " free", sprintf("%.1f", $11))
	}
	END { emit("ns per allocation and per free (64 B, batches of 1000; median)", "allocator") }'
}

t_rss() {
	have results.tsv || return 0
	sorted "$dir/results.tsv" | awk -F'\t' -v md="$md" "$awklib"'
	$3 == "f" {
		cell($2, "ns/op", sprintf("%.1f [%.1f-%.1f]", $7, $8, $9))
		cell($2, "peak RSS KiB", $13); cell($2, "at start KiB", $12)
		cell($2, "live KiB", sprintf("%.0f", $14 / 1024))
		cell($2, "(peak-start)/live", $2 == "null" ? "-" : sprintf("%.2f", ($13 - $12) * 1024 / $14))
	}
	END { emit("workload f (larson-like, 2 threads x 10000 slots, 8..256 B)", "allocator") }'
}

t_cg() {	# column, title, format
	have callgrind.tsv || return 0
	# shellcheck disable=SC2013
	for size in $(awk -F'\t' 'NR > 1 && $3 != "f" { print $4 }' "$dir/callgrind.tsv" | sort -nu); do
		sorted "$dir/callgrind.tsv" | awk -F'\t' -v md="$md" -v size="$size" -v k="$1" \
			-v title="$2" -v fmt="$3" "$awklib"'
		$3 != "f" && $4 == size { cell($2, $3, fmtn(fmt, $k)) }
		$3 == "f" { f[$2] = fmtn(fmt, $k) }
		END {
			if (size == 64) for (r in f) cell(r, "f (8-256)", f[r])
			emit(title ", " size "-byte objects", "allocator")
		}'
	done
}

t_lines() {
	have lines.tsv || return 0
	sorted "$dir/lines.tsv" | awk -F'\t' -v md="$md" "$awklib"'
	{
		cell($2, $3 " alloc", sprintf("%.1f", $6)); cell($2, $3 " free", sprintf("%.1f", $8))
		cell($2, $3 " op", sprintf("%.1f", $9))
	}
	END { emit("distinct cache lines touched per call, stack excluded (64 B)", "allocator") }'
}

t_geometry() {
	have geometry.tsv || return 0
	awk -F'\t' -v md="$md" "$awklib"'
	NR > 1 {
		r = $2 " B"
		cell(r, $1 " blocks", $3 "/" $4)
		cell(r, $1 " meta", $6 + $7 " B " sprintf("%.2f%%", $10))
	}
	END { emit("per 64 KiB slab: blocks (of size-only ideal), header + bitmap bytes (% of slab)", "class") }' \
		"$dir/geometry.tsv"
}

main() {
case $kind in
ns) t_ns ;;
alloc) t_alloc ;;
rss) t_rss ;;
instr) t_cg 6 "instructions per op (harness included)" "%.1f" ;;
net) t_cg 14 "instructions per op, allocator only (harness_op subtracted)" "%.1f" ;;
d1) t_cg 9 "D1 misses per op (callgrind simulation)" "%.2f" ;;
bm) t_cg 12 "branch mispredicts per op (callgrind simulation)" "%.3f" ;;
lines) t_lines ;;
geometry) t_geometry ;;
all)
	t_ns; t_alloc; t_rss
	t_cg 6 "instructions per op (harness included)" "%.1f"
	t_cg 14 "instructions per op, allocator only (harness_op subtracted)" "%.1f"
	t_cg 9 "D1 misses per op (callgrind simulation)" "%.2f"
	t_cg 12 "branch mispredicts per op (callgrind simulation)" "%.3f"
	t_lines; t_geometry ;;
*) echo "table.sh: unknown kind $kind" >&2; exit 2 ;;
esac
}
main | sed 's/ *$//'
