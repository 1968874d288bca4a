#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The stress tools' command lines (make stress-smoke, stress-faults,
# fuzz-standalone): bad arguments are refused with a message and exit 2
# before anything runs, and the bounds asked for are the bounds kept.
#
# Usage: tools/stress/test-args.sh stress|faults|fuzz BINARY
set -eu

kind=$1 bin=$2
tmp=$(mktemp -d /tmp/hakmem-stress-args.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
NAME=test-args
# shellcheck source=tools/test/lib.sh
. "$(dirname "$0")/../test/lib.sh"

# full_stdout ARGS...: the run into /dev/full exits 1 and says so (it
# printed nothing, RESULT line and all, and exited 0)
full_stdout() {
	local rc=0

	"$bin" "$@" >/dev/full 2>"$tmp/full.err" || rc=$?
	if [ "$rc" != 1 ] || ! grep -q 'write error on stdout' "$tmp/full.err"; then
		fail "'$*' >/dev/full: exit $rc: $(tail -n 3 "$tmp/full.err")"
	fi
	echo "$NAME: '$*' >/dev/full -> exit 1: $(tail -n 1 "$tmp/full.err")"
}

case $kind in
stress)
	expect_rc 2 "bad op count '-5'" "$bin" --ops -5
	expect_rc 2 "bad op count 'x'" "$bin" --ops x
	expect_rc 2 "bad seed '-1'" "$bin" --seed -1
	# NaN passed every comparison and the run never ended
	expect_rc 2 "bad seconds 'nan'" "$bin" --seconds nan --ops 1000
	expect_rc 2 "bad seconds ''" "$bin" --seconds= --ops 1000
	# refused with the usage alone, no word of why
	expect_rc 2 "unexpected argument 'extra'" "$bin" --ops 100 extra
	expect_rc 2 "unexpected argument 'extra'" "$bin" --ops 100 -- extra
	expect_rc 2 "bad thread count '0'" "$bin" --threads 0
	expect_rc 2 "bad queue depth '0'" "$bin" --qd 0
	expect_rc 2 "no end: --ops 0 and --seconds 0" "$bin" --ops 0 --seconds 0
	"$bin" --help | grep -q '^  -h, --help' || fail "--help does not list itself"
	# numbers are decimal: base 0 took "010" as 8 threads and refused "08"
	expect_rc 2 "bad thread count '0x4'" "$bin" --threads 0x4 --ops 100
	out=$("$bin" --threads 010 --ops 100 --quiet) || fail "--threads 010: $out"
	echo "$out" | grep -q '^RESULT .* threads=10 ' ||
		fail "--threads 010 ran $(echo "$out" | grep -o 'threads=[0-9]*' | head -n 1), not 10"
	echo "$NAME: --threads 010: 10 threads"
	full_stdout --ops 200 --threads 2 --quiet
	# fewer ops than threads: the workers with none to do must not run
	# until --seconds (a quota of 0 used to mean no limit)
	out=$(timeout 60 "$bin" --ops 3 --threads 8 --seconds 50 --quiet) ||
		fail "--ops 3 --threads 8 failed: $out"
	s=$(echo "$out" | sed -n 's/^RESULT .* seconds=\([0-9.]*\) .*/\1/p')
	awk -v s="$s" 'BEGIN { exit !(s != "" && s < 10) }' ||
		fail "--ops 3 --threads 8 --seconds 50 ran ${s:-?} s, not until its 3 ops"
	echo "$NAME: --ops 3 --threads 8: done in $s s"
	;;
faults)
	expect_rc 2 "bad fault interval 'abc'" "$bin" --every abc
	expect_rc 2 "bad fault interval ''" "$bin" --every 1,,2
	expect_rc 2 "bad fault interval '-1'" "$bin" --every -1
	expect_rc 2 "bad fault interval ''" "$bin" --every 2,
	expect_rc 2 "no fault interval" "$bin" --every ''
	expect_rc 2 "bad op count 'x'" "$bin" --ops x
	expect_rc 2 "bad op count '0'" "$bin" --ops 0
	expect_rc 2 "bad thread count '0'" "$bin" --threads 0
	expect_rc 2 "bad timeout '-1'" "$bin" --timeout -1
	expect_rc 2 "mode is bitmap, freelist or hybrid" "$bin" --mode junk
	expect_rc 2 "unexpected argument" "$bin" extra
	# numbers are decimal: base 0 took "017" as 15 threads, within the 16
	expect_rc 2 "bad thread count '017'" "$bin" --threads 017 --every 0 --ops 10
	# each N whole: one cut to 31 bytes was 31 zeros, a run without faults
	expect_rc 2 "bad fault interval '00000000000000000000000000000001x'" \
		"$bin" --every 00000000000000000000000000000001x --ops 10 --threads 1
	full_stdout --every 0 --ops 10 --threads 1
	"$bin" --help | grep -q '^usage: hakmem-faults' || fail "--help"
	# a run that fails its last check (one op: no fault can hit) must not
	# say ok on its summary line
	expect_rc 1 "no allocation failed" "$bin" --every 16 --ops 1 --threads 1
	grep -q 'HAKMEM_FAIL_EVERY=16 .*: FAIL$' "$tmp/out" ||
		fail "a failed run's summary line: $(grep FAIL_EVERY "$tmp/out")"
	;;
fuzz)
	expect_rc 2 "-n wants a number, not 'abc'" "$bin" -n abc
	expect_rc 2 "-n wants a number, not ''" "$bin" -n
	expect_rc 2 "-s wants a number, not '-1'" "$bin" -s -1
	expect_rc 2 "-s wants a seed other than 0" "$bin" -s 0 -n 3
	expect_rc 2 "--mkcorpus wants a directory" "$bin" --mkcorpus
	# numbers are decimal: base 0 took "010" as 8 random inputs
	expect_rc 2 "-n wants a number, not '0x3'" "$bin" -n 0x3
	out=$("$bin" -n 010) || fail "-n 010: $out"
	echo "$out" | grep -q ' 10 random inputs: ok$' || fail "-n 010: $out"
	full_stdout -n 3
	# an option it does not know was a file name: "No such file", exit 1
	expect_rc 2 "unknown option '-x'" "$bin" -x
	expect_rc 2 "unknown option '--runs=5'" "$bin" --runs=5
	"$bin" --help | grep -q '^usage: fuzz_hakmem' || fail "--help"
	# after --, a path is a path
	cp "$(dirname "$0")/corpus/seed-classes" "$tmp/-x"
	abs=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	(cd "$tmp" && "$abs" -- -x) | grep -q ': 1 files, 0 random inputs: ok$' ||
		fail "-- -x: not the file -x"
	# the driver's own options too: after --, "-n" and "-h" were options
	cp "$tmp/-x" "$tmp/-n"
	cp "$tmp/-x" "$tmp/-h"
	(cd "$tmp" && "$abs" -- -n -h) | grep -q ': 2 files, 0 random inputs: ok$' ||
		fail "-- -n -h: not the files -n and -h"
	echo "$NAME: -- -x, -- -n -h: files"
	# a file over 64 KiB is replayed whole: it was cut at 64 KiB, silently
	head -c 70001 /dev/zero >"$tmp/big"
	out=$(FUZZ_VERBOSE=1 "$bin" "$tmp/big" 2>&1) || fail "a 70001-byte file: $out"
	# (its ops stop at MAX_OPS, 4096: the count said 4097)
	echo "$out" | grep -q '^fuzz_hakmem: 70001 bytes, 4096 ops: ' || fail "a 70001-byte file: $out"
	echo "$NAME: a 70001-byte file replayed whole"
	# its variables as libhakmem's: a bad value said, 0 used (atoi() took
	# "x" for 0 and "1x" for 1, unsaid; FUZZ_NO_PIN=0 was FUZZ_NO_PIN=1)
	for v in FUZZ_VERBOSE=x FUZZ_VERBOSE=1x FUZZ_VERBOSE=3 FUZZ_NO_PIN=yes FUZZ_NO_PIN=2; do
		out=$(env "$v" "$bin" "$tmp/big" 2>&1) || fail "$v: $out"
		echo "$out" | grep -qx "fuzz_hakmem: $v: not 0\.\.[12]; using 0" || fail "$v: not said: $out"
		! echo "$out" | grep -q ' ops: ' || fail "$v: taken for verbose: $out"
	done
	echo "$NAME: FUZZ_VERBOSE=x, FUZZ_NO_PIN=yes: said, 0 used"
	# an unreadable input fails, and the last line does not say ok
	expect_rc 1 "No such file" "$bin" "$tmp/none"
	grep -q ': FAIL' "$tmp/out" || fail "an unreadable input: $(cat "$tmp/out")"
	;;
*)
	echo "usage: $0 stress|faults|fuzz BINARY" >&2
	exit 2
	;;
esac
echo "$NAME: $kind: PASS"
