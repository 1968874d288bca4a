#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rss.sh - resident memory of 10 000 live objects of each size from 4097
# bytes to 16 KiB (the medium classes and past them) and of 32 and 64 KiB
# (large objects), on glibc's malloc and on libhakmem-preload.so (make
# bench-rss), one process per size and allocator; then the churn workload
# of Documentation/userspace.rst's Limits (hm-rss -c 5000); then 1, 4 and
# 8 threads each keeping 256 objects of 4097 to 10816 bytes and churning
# them (hm-rss -t T).
#
# usage: tools/bench/rss.sh [-o OUTDIR]
# Output: OUTDIR/rss.tsv (allocator, size, n, rss_kb, bytes_per_obj, ratio
# to the bytes asked for), and a table of both side by side on stdout;
# OUTDIR/rss-threads.tsv (allocator, threads, n, peak_kb, live_kb, ratio,
# seconds, kept_kb, trimmed_kb) and its table.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/bench
while getopts o: opt; do
	case $opt in
	o) out=$OPTARG ;;
	*) sed -n '12,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "rss.sh: unexpected argument '$1'" >&2; exit 2; }
lib=$top/build/release/libhakmem-preload.so
bin=$out/hm-rss
for f in "$lib" "$bin"; do
	[ -f "$f" ] || { echo "rss.sh: $f missing (make bench-bins lib)" >&2; exit 1; }
done

tsv=$out/rss.tsv
: > "$tsv"
for size in 4097 4608 5000 6144 7168 8192 9280 10000 10816 12288 16384 32768 65536 churn-5000; do
	for a in glibc hakmem; do
		pre=
		[ $a = hakmem ] && pre=$lib
		if [ "$size" = churn-5000 ]; then
			row=$(env -u HAKMEM_MODE LD_PRELOAD="$pre" "$bin" -c 5000 | tail -1)
			row="churn-5000	${row#*	}"
		else
			row=$(env -u HAKMEM_MODE LD_PRELOAD="$pre" "$bin" -n 10000 "$size" | tail -1)
		fi
		printf '%s\t%s\n' "$a" "$row" >> "$tsv"
	done
done
awk -F'\t' '
	{ kb[$1, $2] = $4; r[$1, $2] = $6; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		printf "%-10s  %12s  %6s  %12s  %6s\n", "size", "glibc_kb", "ratio", "hakmem_kb", "ratio"
		for (i = 1; i <= n; i++) {
			s = order[i]
			printf "%-10s  %12s  %6s  %12s  %6s\n", s, kb["glibc", s], r["glibc", s],
			       kb["hakmem", s], r["hakmem", s]
		}
	}' "$tsv"

mt=$out/rss-threads.tsv
: > "$mt"
for t in 1 4 8; do
	for a in glibc hakmem; do
		pre=
		[ $a = hakmem ] && pre=$lib
		row=$(env -u HAKMEM_MODE LD_PRELOAD="$pre" "$bin" -t "$t" | tail -1)
		printf '%s\t%s\n' "$a" "$row" >> "$mt"
	done
done
echo
awk -F'\t' '
	{ pk[$1, $2] = $4; r[$1, $2] = $6; s[$1, $2] = $7; k[$1, $2] = $8; tr[$1, $2] = $9
	  if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		printf "%-7s  %9s  %5s  %6s  %8s  %7s  %9s  %5s  %6s  %8s  %7s\n", "threads",
		       "glibc_kb", "ratio", "s", "kept_kb", "trim_kb",
		       "hakmem_kb", "ratio", "s", "kept_kb", "trim_kb"
		for (i = 1; i <= n; i++) {
			t = order[i]
			printf "%-7s  %9s  %5s  %6s  %8s  %7s  %9s  %5s  %6s  %8s  %7s\n", t,
			       pk["glibc", t], r["glibc", t], s["glibc", t], k["glibc", t],
			       tr["glibc", t], pk["hakmem", t], r["hakmem", t], s["hakmem", t],
			       k["hakmem", t], tr["hakmem", t]
		}
	}' "$mt"
