#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lines.sh - distinct cache lines (64 B) an allocation and a free touch,
# stack excluded: the trace builds of hm-ops (hm-ops-LIB-trace) store to a
# marker before and after each call, valgrind --tool=lackey --trace-mem=yes
# prints every data access, and the accesses between the markers are
# counted by line.  Averaged over all calls after the warm-up.
#
# usage: tools/bench/lines.sh [-n N] [-b BINDIR] [-o OUTDIR] [-a "ALLOC..."]
#                             [-w "WL..."] [-z "SIZE..."]
# Output: OUTDIR/lines.tsv: lib alloc wl size allocs lines_alloc frees
# lines_free lines_op.  Single-threaded workloads only (a, g, b, c, d).
set -eu

# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
out=
n=4000
allocs="hm-bitmap hm-freelist hm-hybrid cache-bitmap cache-freelist cache-hybrid glibc mimalloc jemalloc tcmalloc"
wls="g b"
sizes="64"

while getopts n:b:o:a:w:z: opt; do
	bench_opt "$opt" "${OPTARG:-}" || bench_usage 10,11
done
shift $((OPTIND - 1))
bench_no_operands 10,11 "$@"
[ -n "$out" ] || out=$bindir
mkdir -p "$out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
res=$out/lines.tsv
printf 'lib\talloc\twl\tsize\tallocs\tlines_alloc\tfrees\tlines_free\tlines_op\n' > "$res"
for wl in $wls; do
	for size in $sizes; do
		for a in $allocs; do
			bin=$(bin_of "$a" -trace)
			[ -x "$bin" ] || { echo "lines.sh: $bin not built, skipped" >&2; continue; }
			valgrind --tool=lackey --trace-mem=yes --log-file="$tmp/trace" \
				"$bin" -c -W 2000 -s "$size" "$a" "$wl" "$n" > "$tmp/out" 2> "$tmp/err" ||
				{ cat "$tmp/err" >&2; exit 1; }
			stack=$(sed -n 's/.*stack=0x\([0-9a-f]*\).*/\1/p' "$tmp/err")
			marks=$(sed -n 's/.*marks=0x\([0-9a-f]*\).*/\1/p' "$tmp/err")
			awk -v OFS='\t' -v stack="$stack" -v marks="$marks" -v lib="$(cut -f1 "$tmp/out")" \
			    -v a="$a" -v wl="$wl" -v size="$size" '
			function hex(s,    i, v) {
				v = 0
				s = tolower(s)
				for (i = 1; i <= length(s); i++)
					v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
				return v
			}
			BEGIN {
				sp = hex(stack); mk = hex(marks)
				lo = sp - 8 * 1024 * 1024; hi = sp + 65536	# the stack
			}
			/^ [LSM] / {
				split($2, f, ",")
				ad = hex(f[1])
				if (ad >= mk && ad < mk + 256) {		# a marker
					if ($1 == "L")
						next
					m = int((ad - mk) / 64)
					if (m == 2 && state) {
						cnt[state] += nl; calls[state]++
						state = 0
					} else if (m < 2) {
						state = m + 1; nl = 0
						delete seen
					}
					next
				}
				if (!state || (ad >= lo && ad < hi))
					next
				for (l = int(ad / 64); l <= int((ad + f[2] - 1) / 64); l++)
					if (!(l in seen)) { seen[l] = 1; nl++ }
			}
			END {
				la = calls[1] ? cnt[1] / calls[1] : 0
				lf = calls[2] ? cnt[2] / calls[2] : 0
				printf "%s\t%s\t%s\t%s\t%d\t%.2f\t%d\t%.2f\t%.2f\n", lib, a, wl, size,
					calls[1], la, calls[2], lf, la + lf
			}' "$tmp/trace" | tee -a "$res"
		done
	done
done
