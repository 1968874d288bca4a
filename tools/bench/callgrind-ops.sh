#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# callgrind-ops.sh - instructions, D1 misses and branch mispredicts per op
# of every workload/size/allocator, harness set-up subtracted: each
# configuration runs under valgrind --tool=callgrind --cache-sim=yes
# --branch-sim=yes at N ops and at 0 ops (hm-ops -c: the same warm-up,
# no clocks in the loops); per op = (count at N - count at 0) / N.
#
# usage: tools/bench/callgrind-ops.sh [-n N] [-j JOBS] [-b BINDIR] [-o OUTDIR]
#                                     [-a "ALLOC..."] [-w "WL..."] [-z "SIZE..."]
#   -n  ops per run (default 100000)   -j  parallel valgrinds (default nproc)
# Output: OUTDIR/callgrind.tsv, columns lib alloc wl size ops ir_op d1mr_op
# d1mw_op d1m_op bcm_op bim_op bm_op harness_op net_op ir_n ir_0: harness_op
# is what the functions of hm-ops.c itself execute per op (the loops, the
# calls, the checks), net_op = ir_op - harness_op is the allocator's own
# (plus the PLT stub of a shared peer).  Instruction counts do not
# depend on the load of the machine; the cache and branch figures are
# callgrind's simulation (the caches given below, a 2-bit branch predictor
# per conditional branch, a BTB for indirect ones), not the hardware's.
set -eu

# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
out=
n=100000
jobs=$(nproc)
warm=10000
allocs="hm-bitmap hm-freelist hm-hybrid cache-bitmap cache-freelist cache-hybrid glibc mimalloc jemalloc tcmalloc null"
wls="a g b c d e f"
sizes="16 64 256"
# fixed simulated caches (this machine's L1s; LL as a 32 MiB L3) so runs compare
cachecfg="--I1=32768,8,64 --D1=49152,12,64 --LL=33554432,16,64"

# one configuration: prints its TSV line
one() {
	local a=$1 wl=$2 size=$3 tmp cnt ops
	tmp=$(mktemp -d)
	for cnt in "$n" 0; do
		# shellcheck disable=SC2086
		if ! valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes $cachecfg \
			--callgrind-out-file="$tmp/cg.$cnt" "$(bin_of "$a")" -c -W "$warm" -s "$size" \
			"$a" "$wl" "$cnt" > "$tmp/out.$cnt" 2> "$tmp/err.$cnt"; then
			echo "callgrind-ops: FAILED: $a $wl $size $cnt" >&2
			cat "$tmp/err.$cnt" >&2
			rm -rf "$tmp"
			return 1
		fi
	done
	ops=$(cut -f5 "$tmp/out.$n")
	# the harness's own instructions: functions of hm-ops.c (loops inlined)
	for cnt in "$n" 0; do
		callgrind_annotate --inclusive=no --auto=no --threshold=100 --show=Ir "$tmp/cg.$cnt" 2>/dev/null |
			awk '/hm-ops\.c:/ { gsub(",", "", $1); h += $1 } END { print h + 0 }' > "$tmp/h.$cnt"
	done
	awk -v OFS='\t' -v a="$a" -v wl="$wl" -v size="$size" -v ops="$ops" -v lib="$(cut -f1 "$tmp/out.$n")" \
	    -v hn="$(cat "$tmp/h.$n")" -v h0="$(cat "$tmp/h.0")" '
	FNR == 1 { f++ }
	/^events:/ { for (i = 2; i <= NF; i++) col[f, $i] = i - 1 }
	/^summary:/ { for (i = 2; i <= NF; i++) v[f, i - 1] = $i }
	function d(ev,    x) {
		x = (v[1, col[1, ev]] - v[2, col[2, ev]]) / ops
		return x < 0.005 && x > -0.005 ? 0 : x
	}
	END {
		if (wl == "f") size = 0
		printf "%s\t%s\t%s\t%s\t%d\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%.2f\t%d\t%d\n",
			lib, a, wl, size, ops, d("Ir"), d("D1mr"), d("D1mw"), d("D1mr") + d("D1mw"),
			d("Bcm"), d("Bim"), d("Bcm") + d("Bim"), (hn - h0) / ops,
			d("Ir") - (hn - h0) / ops, v[1, col[1, "Ir"]], v[2, col[2, "Ir"]]
	}' "$tmp/cg.$n" "$tmp/cg.0"
	rm -rf "$tmp"
}

# xargs worker: --one ALLOC WL SIZE; N, the warm-up and BINDIR come in the
# environment, as xargs would split a BINDIR with a space
if [ "${1:-}" = --one ]; then
	n=$CG_N warm=$CG_WARM bindir=$CG_BINDIR
	one "$2" "$3" "$4"
	exit
fi

while getopts n:j:b:o:a:w:z: opt; do
	bench_opt "$opt" "${OPTARG:-}" || bench_usage 10,12
done
shift $((OPTIND - 1))
bench_no_operands 10,12 "$@"
[ -n "$out" ] || out=$bindir
mkdir -p "$out"
command -v valgrind >/dev/null || { echo "callgrind-ops: valgrind not installed (tools/deps.sh bench)" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
for wl in $wls; do
	if [ "$wl" = f ]; then wsizes=64; else wsizes=$sizes; fi
	for size in $wsizes; do
		for a in $allocs; do
			case "$a:$wl" in cache-*:f) continue ;; esac
			if [ ! -x "$(bin_of "$a")" ]; then
				[ "$wl$size" = a16 ] && echo "callgrind-ops: $a not built, skipped" >&2
				continue
			fi
			echo "$a $wl $size"
		done
	done
done > "$list"

start=$(date +%s)
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "ops: $n warm-up: $warm jobs: $jobs"
	echo "valgrind: $(valgrind --version) $cachecfg"
	echo "gcc: $(${CC:-gcc} --version | head -1)"
	echo "commit: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$top" diff --quiet HEAD -- common userspace 2>/dev/null || echo ' (+ uncommitted changes in common/ or userspace/)')"
} > "$out/callgrind-meta.txt"
res=$out/callgrind.tsv
printf 'lib\talloc\twl\tsize\tops\tir_op\td1mr_op\td1mw_op\td1m_op\tbcm_op\tbim_op\tbm_op\tharness_op\tnet_op\tir_n\tir_0\n' > "$res"
# shellcheck disable=SC2086
CG_N=$n CG_WARM=$warm CG_BINDIR=$bindir xargs -P "$jobs" -L 1 "$here/callgrind-ops.sh" --one < "$list" > "$res.tmp" || { echo "callgrind-ops: some runs failed" >&2; exit 1; }
# back into the order of the list
while read -r a wl size; do
	[ "$wl" = f ] && size=0
	awk -F'\t' -v a="$a" -v wl="$wl" -v s="$size" '$2 == a && $3 == wl && $4 == s' "$res.tmp"
done < "$list" >> "$res"
rm -f "$res.tmp"
echo "seconds: $(($(date +%s) - start))" >> "$out/callgrind-meta.txt"
echo "callgrind-ops: $(($(wc -l < "$res") - 1)) configurations, N=$n, in $(($(date +%s) - start)) s -> $res" >&2
