#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tools/test/uaf-test.sh - a use after free of a hakmem object is reported
# by ASan and by memcheck (make test-tool-uaf): tools/test/uaf.c, linked
# with each tool's build of libhakmem, reads byte 20 of a freed object,
# then reads and writes byte 0 (the link word of a free-list block, and
# of a block in the hybrid mode's intrusive magazine), the object freed by
# its owner or by another thread, in each mode.  Each run must be reported
# as an invalid access of that byte.
#
# Usage: uaf-test.sh BUILD_DIR   (holds asan/, valgrind/, asan-intrusive/
#                                 and valgrind-intrusive/libhakmem.a)
# CC and CFLAGS: the library's compiler and flags.

set -u
B=$1
CC=${CC:-gcc}
CFLAGS=${CFLAGS:-}
fail=0
n=0

# $1 variant, $2 log: did the tool report the $5 (read|write) of byte $3, at $4?
reported() {
	case $1 in
	asan*)
		case $5 in read) op=READ ;; *) op=WRITE ;; esac
		grep -q "AddressSanitizer: use-after-poison on address $4 " "$2" &&
			grep -q "^$op of size 1 at $4 " "$2"
		;;
	*)
		# memcheck may describe the address by a neighbour: not asserted
		grep -q "Invalid $5 of size 1" "$2" && grep -q "Address $4 is " "$2"
		;;
	esac
}

for v in asan valgrind asan-intrusive valgrind-intrusive; do
	lib=$B/$v/libhakmem.a
	bin=$B/$v/uaf
	[ -f "$lib" ] || { echo "uaf: $lib missing"; exit 1; }
	case $v in
	asan*)
		# shellcheck disable=SC2086
		$CC $CFLAGS -O1 -fsanitize=address,undefined -o "$bin" tools/test/uaf.c "$lib"
		run="env ASAN_OPTIONS=detect_leaks=0"
		;;
	*)
		# shellcheck disable=SC2086
		$CC $CFLAGS -DHM_VALGRIND -o "$bin" tools/test/uaf.c "$lib"
		run="valgrind -q"
		;;
	esac || exit 1
	case $v in
	*intrusive) modes=hybrid ;;		# the other modes have no magazine
	*) modes="bitmap freelist hybrid" ;;
	esac
	for m in $modes; do
		for c in "20 read local" "0 read local" "0 write local" \
			 "0 read remote" "0 write remote"; do
			# shellcheck disable=SC2086
			set -- $c
			log=$B/$v/uaf-$m-$1-$2-$3.log
			n=$((n + 1))
			$run "$bin" "$m" "$1" "$2" "$3" > "$log" 2>&1
			addr=$(sed -n 's/^object \(0x[0-9a-f]*\) byte.*/\1/p' "$log")
			what="$2 of byte $1 after a $3 free"
			if [ -n "$addr" ] && reported "$v" "$log" "$1" "$addr" "$2"; then
				echo "uaf $v $m: $what: reported"
			else
				echo "uaf $v $m: $what: NOT reported"
				cat "$log"
				fail=$((fail + 1))
			fi
		done
	done
done
echo "uaf: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
