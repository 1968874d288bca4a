#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# annotate.sh - where hakmem's instructions per op go: runs hm-ops-hakmem
# under callgrind counting only the measured ops (--toggle-collect=
# bench_reps, after the warm-up), and divides callgrind_annotate's
# per-function and per-source-line counts by N.
#
# usage: tools/bench/annotate.sh [-r] [-n N] [-b BINDIR] [-o OUTDIR] [-s SIZE]
#                                [CONFIG...]     CONFIG: ALLOC:WL, default
#        cache-hybrid:g cache-hybrid:b hm-hybrid:g hm-hybrid:b
#   -r   reuse the callgrind output already in OUTDIR (no new run)
# Output per CONFIG in OUTDIR: ALLOC-WL-SIZE.txt (callgrind_annotate, raw),
# ALLOC-WL-SIZE.lines (Ir per op for every source line >= 0.1 per op,
# inlined lines under the header they come from, and the same per function).
set -eu

# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
out=
n=100000
size=64
reuse=0

while getopts rn:b:o:s: opt; do
	case $opt in
	r) reuse=1 ;;
	s) size=$OPTARG ;;
	*) bench_opt "$opt" "${OPTARG:-}" || bench_usage 9,12 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- cache-hybrid:g cache-hybrid:b hm-hybrid:g hm-hybrid:b
[ -n "$out" ] || out=$bindir/annotate
mkdir -p "$out"

for cfg in "$@"; do
	a=${cfg%%:*} wl=${cfg#*:}
	base=$out/$a-$wl-$size
	if [ "$reuse" = 0 ] || [ ! -f "$base.cg" ]; then
		valgrind --tool=callgrind --toggle-collect=bench_reps --dump-instr=yes \
			--callgrind-out-file="$base.cg" "$bindir/hm-ops-hakmem" -c -s "$size" "$a" "$wl" "$n" \
			> /dev/null 2> "$base.err" || { cat "$base.err" >&2; exit 1; }
	fi
	callgrind_annotate --inclusive=no --auto=yes --context=0 --threshold=100 "$base.cg" \
		> "$base.txt" 2> /dev/null
	ops=$n
	case $wl in b | c | d | e) ops=$(((n + 999) / 1000 * 1000)) ;; esac
	awk -v ops="$ops" -v cfg="$a $wl size $size, N=$ops" '
	function num(s) { gsub(",", "", s); return s + 0 }
	function rel(f) { if (match(f, /(common|userspace|tools)\/.*$/)) f = substr(f, RSTART); return f }
	/^-- Auto-annotated source: / { file = rel($4); insrc = 1; ln = 1; next }
	/^-- line [0-9]+ -/ { ln = $3; next }
	!insrc && /^ *[0-9,]+ \(.*\)  [^ ]+:[^ ]+/ {
		fn = $0; sub(/^ *[0-9,]+ \([^)]*\)  /, "", fn); sub(/ \[.*/, "", fn)
		fn = rel(fn)
		fns[++nf] = sprintf("%8.2f  %s", num($1) / ops, fn)
		next
	}
	insrc && /=> |events annotated/ { next }	# a call line or the summary
	insrc && /^ *[0-9,]+ +\(/ {
		v = num($1) / ops
		src = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\)  /, "", src); gsub(/\t/, " ", src)
		gsub(/  +/, " ", src)
		if (v >= 0.1) lines[++nl] = sprintf("%8.2f  %s:%d  %s", v, file, ln, src)
		tot += v
		ln++
		next
	}
	insrc && /^ *\. / { ln++; next }
	END {
		printf "# %s: instructions per op, measured ops only\n", cfg
		printf "# per function (inlined code shown as file:caller)\n"
		for (i = 1; i <= nf; i++) print fns[i]
		printf "# per source line (>= 0.1 per op); total in annotated files %.2f\n", tot
		for (i = 1; i <= nl; i++) print lines[i]
	}' "$base.txt" > "$base.lines"
	echo "annotate: $base.lines" >&2
done
