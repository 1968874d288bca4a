#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Instructions per op of each workload/allocator, harness subtracted:
# (Ir at N ops - Ir at 0 ops) / N, from valgrind --tool=callgrind.
# usage: tools/bench/callgrind-ops.sh HM_OPS_BINARY [N]
set -eu
bin=$1
n=${2:-200000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ir() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" "$@" >/dev/null 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; exit 1; }
	sed -n 's/^summary: //p' "$tmp/cg"
}

printf '%-4s %-10s %5s %10s\n' wl alloc size instr/op
for wl in a g b d; do
	for a in bitmap freelist hybrid malloc-hm libc; do
		for size in 16 64 256; do
			full=$(ir "$wl" "$a" "$size" "$n")
			zero=$(ir "$wl" "$a" "$size" 0)
			awk -v f="$full" -v z="$zero" -v n="$n" -v wl="$wl" -v a="$a" -v s="$size" \
				'BEGIN { printf "%-4s %-10s %5s %10.1f\n", wl, a, s, (f - z) / n }'
		done
	done
done
