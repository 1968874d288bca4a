#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make test-heatmap: hakmem-heatmap on a known dump (rows, cells per row,
# cells per state, age shading), its errors, and on real runs of the
# larson-like workload in each mode (the SVG has one row per slab of the
# dump, one cell per block, exactly the workload's live objects, and the
# ages hm_frag_dump() adds with tracking on).
#
# Usage: tools/heatmap/test-heatmap.sh WORKLOAD   (heatmap-workload.c, built)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
HM=$HERE/hakmem-heatmap
CHECK=$HERE/check-svg.py
known=$HERE/testdata/known.slabs
wl=$1
tmp=$(mktemp -d /tmp/hakmem-heatmap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
NAME=test-heatmap
# shellcheck source=tools/test/lib.sh
. "$HERE/../test/lib.sh"

# ---- the known dump (kernel format: testdata/known.slabs) ----------------

"$HM" "$known" -c alpha -o "$tmp/alpha.svg"
r=$("$CHECK" "$tmp/alpha.svg" 3 70 live=104 cached=2 free=39 remote=65) || fail "alpha: $r"
echo "test-heatmap: known dump, alpha: $r"
"$HM" -c beta --age "$known" >"$tmp/beta.svg"
r=$("$CHECK" "$tmp/beta.svg" 1 10 live=4 cached=1 free=4 remote=1) || fail "beta: $r"
# ages 5 10 20 40 ms: the youngest is the ramp's first colour, the oldest its last
grep -q 'class="live" style="fill:#fed976"' "$tmp/beta.svg" || fail "beta --age: no youngest shade"
grep -q 'class="live" style="fill:#bd0026"' "$tmp/beta.svg" || fail "beta --age: no oldest shade"
grep -q 'by age 5..40 ms' "$tmp/beta.svg" || fail "beta --age: no age legend"
# a count of one is singular: "1 slab", in the title as in -l
grep -q '>beta (hybrid): 1 slab, 10 blocks each<' "$tmp/beta.svg" || fail "beta: title not '1 slab'"
grep -q '>alpha (bitmap): 3 slabs, 70 blocks each<' "$tmp/alpha.svg" || fail "alpha: title not '3 slabs'"
echo "test-heatmap: known dump, beta --age: $r, shaded 5..40 ms"
[ "$("$HM" -l "$known")" = "alpha bitmap 3 slabs
beta hybrid 1 slab" ] || fail "-l"
# names the dumps print as they are: a space (the name ended at it:
# "not a hakmem slabs dump" or "unknown block state"), a leading '#' (a
# comment: its map went to the cache above, "more blocks than")
sed -e 's/^alpha           /two words       /' -e 's/^beta            /#beta           /' \
	"$known" >"$tmp/names"
[ "$("$HM" -l "$tmp/names" 2>&1)" = "two words bitmap 3 slabs
#beta hybrid 1 slab" ] || fail "names with a space, a '#': $("$HM" -l "$tmp/names" 2>&1)"
"$HM" -c "two words" "$tmp/names" | sed 's/two words/alpha/' | cmp -s - "$tmp/alpha.svg" ||
	fail "-c 'two words': not alpha's picture"
"$HM" -c "#beta" "$tmp/names" >"$tmp/hash.svg" || fail "-c '#beta'"
r=$("$CHECK" "$tmp/hash.svg" 1 10 live=4 cached=1 free=4 remote=1) || fail "#beta: $r"
echo "test-heatmap: names 'two words' and '#beta': alpha's and beta's pictures"
mkdir "$tmp/debugfs" && cp "$known" "$tmp/debugfs/slabs"
"$HM" -c alpha "$tmp/debugfs" | cmp -s - "$tmp/alpha.svg" || fail "a directory: not its slabs file"

# ---- errors ---------------------------------------------------------------

expect_rc 1 "pick one with -c" "$HM" "$known"
expect_rc 1 "no cache 'gamma'" "$HM" -c gamma "$known"
expect_rc 1 "No such file" "$HM" "$tmp/none"
echo "hello" >"$tmp/junk"
expect_rc 1 "not a hakmem slabs dump" "$HM" "$tmp/junk"
sed '4d' "$known" >"$tmp/short"
expect_rc 1 "map has 64 blocks, header says 70" "$HM" -c alpha "$tmp/short"
sed '3 s/X/Q/' "$known" >"$tmp/badch"
expect_rc 1 "unknown block state 'Q'" "$HM" -c alpha "$tmp/badch"
sed 's/age-ms 5 10/age-ms 5/' "$known" >"$tmp/badage"
expect_rc 1 "9 ages for 10 blocks" "$HM" -c beta "$tmp/badage"
expect_rc 2 "wants 1..64" "$HM" --cell 0 "$known"
# bytes that are not UTF-8 were a UnicodeDecodeError traceback
printf '\377\376\000\001 binary\n' >"$tmp/binary"
expect_rc 1 "not a hakmem slabs dump" "$HM" "$tmp/binary"
! grep -q Traceback "$tmp/err" || fail "a binary file: a traceback"
expect_rc 1 "not a hakmem slabs dump" "$HM" - <"$tmp/binary"
# input without end (a device) was read until memory ran out; a dump of
# exactly --max-input MiB is read, one byte more is refused
expect_rc 1 "/dev/zero: larger than 1 MiB, not read whole" timeout 20 "$HM" --max-input 1 /dev/zero
expect_rc 1 "<stdin>: larger than 256 MiB" timeout 60 "$HM" - </dev/zero
{ cat "$known"; yes '# padding to the limit' | head -c $((1048576 - $(wc -c <"$known") - 1)); echo; } >"$tmp/1mib"
[ "$(wc -c <"$tmp/1mib")" = 1048576 ] || fail "1mib: $(wc -c <"$tmp/1mib") bytes"
"$HM" --max-input 1 -c alpha "$tmp/1mib" | cmp -s - "$tmp/alpha.svg" || fail "exactly 1 MiB: not alpha's picture"
echo >>"$tmp/1mib"
expect_rc 1 "1mib: larger than 1 MiB" "$HM" --max-input 1 -c alpha "$tmp/1mib"
expect_rc 2 "wants 1..1048576 MiB" "$HM" --max-input 0 "$known"
# a name's Latin-1 byte (the dump prints a name's bytes as they are)
sed 's/^beta  /bet\xe9 /' "$known" >"$tmp/latin1"
"$HM" -l "$tmp/latin1" | grep -q '^bet. hybrid 1 slab$' || fail "a Latin-1 name: $("$HM" -l "$tmp/latin1" 2>&1)"
# a full stdout blamed the input file ("known.slabs: No space left on
# device"), or, for -l, was Python's notice at exit with status 120
for a in "-c alpha" -l; do
	rc=0
	# shellcheck disable=SC2086 # two words, or one
	"$HM" $a "$known" >/dev/full 2>"$tmp/full.err" || rc=$?
	if [ "$rc" != 1 ] || grep -q -e Traceback -e 'Exception ignored' -e known.slabs "$tmp/full.err" ||
		! grep -q '<stdout>: write error: No space left on device' "$tmp/full.err"; then
		fail "$a >/dev/full: exit $rc: $(cat "$tmp/full.err")"
	fi
done
expect_rc 1 "/dev/full: write error: No space left on device" "$HM" -c alpha -o /dev/full "$known"
# a reader that stopped: ended as cat would be (SIGPIPE), not a message
# blaming the input file with exit 1
{ sleep 0.5; rc=0; "$HM" -c alpha "$known" 2>"$tmp/pipe.err" || rc=$?; echo $rc >"$tmp/pipe.rc"; } | true
[ ! -s "$tmp/pipe.err" ] || fail "into a closed pipe: $(tail -n 1 "$tmp/pipe.err")"
case $(cat "$tmp/pipe.rc") in 0 | 141) ;; *) fail "into a closed pipe: exit $(cat "$tmp/pipe.rc")" ;; esac

# ---- real runs: the larson-like workload in each mode -------------------

slots=1500
for m in bitmap freelist hybrid; do
	"$wl" $m 50000 $slots 256 >"$tmp/$m.slabs" || fail "workload $m"
	n=$(grep -c " slab " "$tmp/$m.slabs")
	"$HM" --age "$tmp/$m.slabs" -o "$tmp/$m.svg"
	# every slot holds one object when the threads stop: $slots live
	r=$("$CHECK" "$tmp/$m.svg" "$n" - live=$slots) || fail "$m: $r"
	# tracking is on: every slab has its ages, and the picture is by age
	[ "$(grep -c '^  age-ms ' "$tmp/$m.slabs")" = "$n" ] || fail "$m: not every slab has ages"
	grep -q 'allocated, by age [0-9]*\.\.[0-9]* ms' "$tmp/$m.svg" || fail "$m: not shaded by age"
	echo "test-heatmap: $m: $n slabs in the dump; svg $r"
done
echo "test-heatmap: PASS"
