#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bench tools' command lines (make bench-smoke): hm-ops refuses a
# number that is not a whole decimal number in its range, and every
# script refuses a stray argument, exit 2 and the usage, before anything
# runs.
#
# Usage: tools/bench/test-args.sh BINDIR   (build/bench, hm-ops-hakmem built)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
hm=$1/hm-ops-hakmem
tmp=$(mktemp -d /tmp/hakmem-bench-args.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
NAME=test-bench-args
# shellcheck source=tools/test/lib.sh
. "$here/../test/lib.sh"

# atoi()/strtoul() took "abc" as 0 (a row of no operations), "1e6" as 1,
# "64k" as 64, "3x" as 3
expect_rc 2 "bad N 'abc'" "$hm" hm-hybrid a abc
expect_rc 2 "bad N '1e6'" "$hm" hm-hybrid a 1e6
expect_rc 2 "bad SIZE '64k'" "$hm" -s 64k hm-hybrid a 10
expect_rc 2 "bad SIZE '0'" "$hm" -s 0 hm-hybrid a 10
expect_rc 2 "bad SIZE '65537'" "$hm" -s 65537 hm-hybrid a 10
expect_rc 2 "bad REPS '3x'" "$hm" -r 3x hm-hybrid a 10
expect_rc 2 "bad WARMUP_OPS 'abc'" "$hm" -W abc hm-hybrid a 10
expect_rc 2 "bad WARMUP_OPS '-1'" "$hm" -W -1 hm-hybrid a 10
# the numbers asked for are the numbers run
row=$("$hm" -r 2 -W 0 -s 32 hm-hybrid a 100) || fail "a good command line: $row"
case $row in
"hakmem	hm-hybrid	a	32	100	2	"*) ;;
*) fail "-r 2 -s 32 ... 100: row '$row'" ;;
esac
echo "$NAME: hm-ops-hakmem -r 2 -W 0 -s 32 hm-hybrid a 100: the row says so"
# a medium class through hm_malloc(): 5000 bytes, a block of hm-5376
row=$("$hm" -c -s 5000 hm-hybrid g 100) || fail "-s 5000 hm-hybrid g: $row"
case $row in
"hakmem	hm-hybrid	g	5000	100	"*) ;;
*) fail "-s 5000 hm-hybrid g 100: row '$row'" ;;
esac
echo "$NAME: hm-ops-hakmem -c -s 5000 hm-hybrid g 100: the row says so"

# hm-rss's threads: a bad count, or sizes with -t, is the usage
rss=$1/hm-rss
expect_rc 2 "usage: hm-rss" "$rss" -t 0
expect_rc 2 "usage: hm-rss" "$rss" -t 2 5000
expect_rc 2 "usage: hm-rss" "$rss" -t 2 -c
row=$("$rss" -t 2 -n 8 -r 100 | tail -n 1) || fail "hm-rss -t 2 -n 8 -r 100: $row"
case $row in
"2	16	"*) ;;
*) fail "hm-rss -t 2 -n 8 -r 100: row '$row'" ;;
esac
echo "$NAME: hm-rss -t 2 -n 8 -r 100: the row says so"

# a stray word was ignored: hakmem-bench ran the whole sweep
for s in hakmem-bench callgrind-ops.sh debug-cost.sh debug-floor.sh lines.sh research.sh; do
	expect_rc 2 "unexpected argument 'stray'" \
		timeout 60 "$here/$s" -b "$tmp/none" -o "$tmp/out" stray
done
expect_rc 2 "unexpected argument 'stray'" timeout 60 "$here/real-programs.sh" -o "$tmp/out" stray
echo "$NAME: PASS"
