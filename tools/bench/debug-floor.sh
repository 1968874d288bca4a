#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-floor.sh - the least that poison=1 track=1 can cost on the hybrid
# fast path, to weigh issue #5's 1.5x target against: a copy of the tree
# with debug-floor.patch, whose hybrid try functions check the 64-byte
# block's poison and write its record (site, time, owner) at allocation,
# and compare the owner and fill the poison at free, inline, with no
# switch, no route, no report and no bookkeeping (a never-poisoned block
# passes unchecked).  Anything that does what the issue asks does at least
# this.  A second build of it (-DHM_DEBUG_FLOOR_FIXED) finds the records at
# a fixed place, the granule after the slab's (every slab mapped with one
# more granule), instead of through the slab's debug memory: what another
# layout would save.  Compared, in instructions per op of hm_malloc/hm_free
# pairs (workload g, 64 bytes, as debug-cost.sh), with the build without
# diagnostic code and with the real debug route's SSE2 copies
# (HAKMEM_ISA=sse2: the floors are SSE2, as the library's plain route);
# where the CPU has AVX2, a third floor built with -mavx2 beside the
# route's AVX2 copies.
#
# usage: tools/bench/debug-floor.sh [-n N] [-b BINDIR] [-o OUTDIR]
# Needs BINDIR's hm-ops-hakmem and hm-ops-hakmem-nodebug (make
# bench-debug-floor builds them).  Output: OUTDIR/debug-floor.tsv (build
# ir_op ratio) and the table on stdout.
set -eu

# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
out=
n=100000
warm=10000

while getopts n:b:o: opt; do
	bench_opt "$opt" "${OPTARG:-}" || bench_usage 15,18
done
shift $((OPTIND - 1))
bench_no_operands 15,18 "$@"
[ -n "$out" ] || out=$bindir
mkdir -p "$out"
debug_bins_ready bench-debug-floor

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
# the working tree as it is, edits included; the patch must apply
tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf -
patch -s -d "$tree" -p1 < "$here/debug-floor.patch" ||
	{ echo "debug-floor: debug-floor.patch no longer applies: update it" >&2; exit 1; }
# floor_build VARIANT CFLAGS: $tree/hm-ops-VARIANT on that build of the copy
floor_build() {
	make -s -C "$tree" --no-print-directory VARIANT="$1" EXTRA_CFLAGS="$2" lib >&2
	${CC:-cc} -std=gnu11 -O2 -g -pthread -I"$tree/userspace/include" -DBENCH_HAKMEM \
		-DBENCH_LIB='"hakmem"' -o "$tree/hm-ops-$1" "$here/hm-ops.c" "$tree/build/$1/libhakmem.a"
}
floor_build floor -DHM_DEBUG_FLOOR
floor_build floorfixed "-DHM_DEBUG_FLOOR -DHM_DEBUG_FLOOR_FIXED"
# the floors' check and fill are on the plain route, SSE2 as the library
# is built; the route is measured with its SSE2 copies to match, and with
# its AVX2 ones where the CPU has them, beside a floor built all AVX2
avx2=
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
	floor_build flooravx2 "-DHM_DEBUG_FLOOR -mavx2"
	avx2=$(per_op "$tree/hm-ops-flooravx2" hybrid 64 "poison=1 track=1" "$n" "$warm")
	real_avx2=$(HAKMEM_ISA=avx2 per_op "$bindir/hm-ops-hakmem" hybrid 64 "poison=1 track=1" \
		"$n" "$warm")
fi

base=$(per_op "$bindir/hm-ops-hakmem-nodebug" hybrid 64 "" "$n" "$warm")
floor=$(per_op "$tree/hm-ops-floor" hybrid 64 "poison=1 track=1" "$n" "$warm")
fixed=$(per_op "$tree/hm-ops-floorfixed" hybrid 64 "poison=1 track=1" "$n" "$warm")
real=$(HAKMEM_ISA=sse2 per_op "$bindir/hm-ops-hakmem" hybrid 64 "poison=1 track=1" "$n" "$warm")

res=$out/debug-floor.tsv
awk -v OFS='\t' -v b="$base" -v f="$floor" -v x="$fixed" -v r="$real" -v fa="$avx2" \
	-v ra="${real_avx2:-}" 'BEGIN {
	print "build", "ir_op", "ratio"
	print "nodebug", b, "1.00"
	print "floor", f, sprintf("%.2f", f / b)
	print "floor_fixed_records", x, sprintf("%.2f", x / b)
	print "route_sse2", r, sprintf("%.2f", r / b)
	if (fa != "") {
		print "floor_avx2", fa, sprintf("%.2f", fa / b)
		print "route_avx2", ra, sprintf("%.2f", ra / b)
	}
	}' > "$res"
column -t -s "$(printf '\t')" "$res"
# the floors' code must have run: each is more than the build without it
for f in "$floor" "$fixed" $avx2; do
	if awk -v b="$base" -v f="$f" 'BEGIN { exit !(f < b + 20) }'; then
		echo "debug-floor: a floor ($f) is no more than the base ($base): its code did not run" >&2
		exit 1
	fi
done
echo "debug-floor: N=$n, 1.5x of $base is $(awk -v b="$base" 'BEGIN { print b * 1.5 }'), -> $res" >&2
