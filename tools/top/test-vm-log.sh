#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hakmem-top -o on a real VM's debugfs, read from the guest's log: the
# guest (busybox, no python) prints /sys/kernel/debug/hakmem/stats and each
# created cache's stats in the smoke scenario (dump_file, "@@ FILE path"),
# this copies them back into a directory tree of the same shape and runs
# hakmem-top -o -D on it.  Checks that every row hakmem-top prints has the
# log's slabs, inuse, total and errors, that the rows match the file's, and
# the smoke scenario's known figures: the client's three caches keep 100
# objects each, all their frees remote (freed on another CPU), no errors.
#
# Usage: tools/top/test-vm-log.sh LOG   (build/vm/smoke-<kind>.log)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOP=$ROOT/tools/top/hakmem-top
log=${1:?usage: test-vm-log.sh build/vm/smoke-KIND.log}
[ -f "$log" ] || { echo "test-vm-log: no log $log (run make test-vm first)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hakmem-top-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-vm-log: FAIL: $*" >&2; exit 1; }

H=/sys/kernel/debug/hakmem
# the first copy of every ".../stats" file in the log (serial: strip CRs)
tr -d '\r' <"$log" | awk -v h="$H" -v out="$tmp/hakmem" '
	/^@@ FILE / {
		f = ""
		p = $3
		if (index(p, h "/") == 1 && p ~ /\/(stats|slabs)$/ && NF == 3 && !(p in seen)) {
			seen[p] = 1
			f = out substr(p, length(h) + 1)
			d = f; sub(/\/[^\/]*$/, "", d)
			system("mkdir -p \"" d "\"")
		}
		next
	}
	/^@@ / || /^== / { f = ""; next }
	f != "" { print > f }
'
[ -s "$tmp/hakmem/stats" ] || fail "no $H/stats in $log"
out=$("$TOP" -o -D "$tmp/hakmem" -s name) || fail "hakmem-top -o -D failed"
echo "$out" | sed 's/^/  /'
rows=$(($(wc -l <"$tmp/hakmem/stats") - 1))
shown=$(echo "$out" | awk 'NR > 3' | wc -l)
[ "$shown" = "$rows" ] || fail "hakmem-top shows $shown rows, the file has $rows"
# name slabs inuse total errors: the file's columns 1 4 5 6 16, ours 1 4 5 6 12
diff <(awk 'NR > 1 { print $1, $4, $5, $6, $16 }' "$tmp/hakmem/stats" | sort) \
	<(echo "$out" | awk 'NR > 3 { print $1, $4, $5, $6, $12 }' | sort) >&2 ||
	fail "hakmem-top's rows differ from the file's (above)"
for c in 8 16 32 64 128 256 512 1024; do
	echo "$out" | grep -q "^hakmem-$c " || fail "no row for class hakmem-$c"
done
for c in client-bitmap client-freelist client-hybrid; do
	line=$(echo "$out" | awk -v c="$c" '$1 == c')
	[ -n "$line" ] || fail "no row for $c"
	# shellcheck disable=SC2086 # the row's fields
	set -- $line
	[ "$5" = 100 ] || fail "$c: $5 in use, the client keeps 100"
	[ "${10}" = 100.0 ] || fail "$c: remote share ${10}, the client frees on another CPU"
	[ "${12}" = 0 ] || fail "$c: ${12} errors"
	sub=$("$TOP" -o -D "$tmp/hakmem/$c" | awk 'NR > 3')
	[ "$(echo "$sub" | wc -l)" = 1 ] && [ "$(echo "$sub" | awk '{ print $1, $5 }')" = "$c 100" ] ||
		fail "$H/$c/stats: '$sub'"
done
# the client-hybrid cache's whole block map (smoke.sh prints it): one SVG
# row per slab of its stats row, a cell per block of its total, its 100
# objects as allocated cells and its magazines' objects as cached ones
s=$tmp/hakmem/client-hybrid/slabs
if [ -s "$s" ]; then
	HM=$ROOT/tools/heatmap/hakmem-heatmap
	"$HM" "$tmp/hakmem/client-hybrid" -o "$tmp/client-hybrid.svg" ||
		fail "hakmem-heatmap on the guest's client-hybrid/slabs"
	read -r slabs total cached <<<"$(awk 'NR == 2 { print $4, $6, $15 }' \
		"$tmp/hakmem/client-hybrid/stats")"
	r=$("$ROOT/tools/heatmap/check-svg.py" "$tmp/client-hybrid.svg" "$slabs" - \
		live=100 cached="$cached") || fail "heatmap of client-hybrid: $r"
	case $r in *" cells $total "*) ;; *) fail "heatmap of client-hybrid: $r, want $total cells" ;; esac
	echo "test-vm-log: hakmem-heatmap on the guest's client-hybrid/slabs: $r"
else
	echo "test-vm-log: no client-hybrid/slabs in $(basename "$log") (older log): heatmap not checked"
fi
echo "test-vm-log: hakmem-top -o on $(basename "$log")'s debugfs copy: $rows rows match, client caches 100 in use, 100% remote, no errors: PASS"
