#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# real-programs.sh - unmodified programs timed on glibc's malloc and, through
# LD_PRELOAD, on libhakmem-preload.so (each mode) and on mimalloc, jemalloc
# and tcmalloc where their libraries are installed (make bench-real).
#
# usage: tools/bench/real-programs.sh [-r REPS] [-o OUTDIR]
# Each program runs REPS times (default 3) per allocator, allocators in
# turn within a rep, so a slow spell of a shared machine spreads over all
# of them; the table gives the median wall time and its ratio to glibc.
# Output: OUTDIR/real.tsv (program, allocator, median s, ratio).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
reps=3
out=$top/build/bench
while getopts r:o: opt; do
	case $opt in
	r) reps=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n '8,12s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
	echo "real-programs.sh: unexpected argument '$1'" >&2
	sed -n '8,12s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
lib=$top/build/release/libhakmem-preload.so
sys=/usr/lib/x86_64-linux-gnu
w=$out/real
mkdir -p "$w"
[ -f "$lib" ] || { echo "real-programs: $lib missing (make lib)" >&2; exit 1; }

awk 'BEGIN { for (i = 0; i < 600000; i++)
	printf "%08d line %d of the %s\n", (i * 7919) % 1000003, i, i % 3 ? "input" : "test" }' \
	> "$w/big.txt"

# name|command, run by sh -c in $w
progs=(
	"python3|python3 -c 'd = {str(i): [i] * (i % 7) for i in range(150000)}
s = sorted(d.items(), key=lambda kv: len(kv[1]))
print(len(s), sum(len(v) for k, v in s))'"
	"sort|sort big.txt > /dev/null"
	"perl|perl -ne '\$w{\$_}++ for split; END { print scalar(keys %w), \"\\n\" }' big.txt"
	"gcc|${CC:-gcc} -std=gnu11 -O2 -I$top/common -I$top/userspace -I$top/userspace/include -c $top/common/hm_cache.c -o /dev/null"
)

# allocator name and its LD_PRELOAD value (empty: glibc)
allocs=("glibc|" "hm-hybrid|$lib" "hm-bitmap|$lib" "hm-freelist|$lib")
for peer in mimalloc:libmimalloc.so.2 jemalloc:libjemalloc.so.2 tcmalloc:libtcmalloc_minimal.so.4; do
	[ -f "$sys/${peer#*:}" ] && allocs+=("${peer%%:*}|$sys/${peer#*:}")
done

now() { date +%s.%N; }
raw=$w/raw.tsv
: > "$raw"
for p in "${progs[@]}"; do
	name=${p%%|*}
	for ((r = 0; r < reps; r++)); do
		for a in "${allocs[@]}"; do
			an=${a%%|*} pre=${a#*|} mode=hybrid
			case $an in hm-*) mode=${an#hm-} ;; esac
			t0=$(now)
			(cd "$w" && HAKMEM_MODE=$mode LD_PRELOAD=$pre sh -c "${p#*|}" > /dev/null)
			printf '%s\t%s\t%s\n' "$name" "$an" "$(echo "$(now) - $t0" | bc)" >> "$raw"
		done
	done
done

# medians, and the ratio to glibc's
sort -k1,1 -k2,2 -k3,3n "$raw" | awk -F'\t' '
	{ k = $1 "\t" $2; v[k, ++n[k]] = $3; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
	END {
		for (i = 1; i <= m; i++) {
			k = order[i]; c = n[k]
			med[k] = c % 2 ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2
		}
		for (i = 1; i <= m; i++) {
			k = order[i]; split(k, f, "\t")
			printf "%s\t%s\t%.3f\t%.2f\n", f[1], f[2], med[k], med[k] / med[f[1] "\tglibc"]
		}
	}' > "$out/real.tsv"
printf '%-8s %-12s %9s %8s\n' program allocator median-s vs-glibc
awk -F'\t' '{ printf "%-8s %-12s %9.3f %7.2fx\n", $1, $2, $3, $4 }' "$out/real.tsv"
