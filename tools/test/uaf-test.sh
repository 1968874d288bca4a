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
# And a local double free in the freelist mode (uaf freelist 0 double):
# with checks off, the second free stores the link word into the block,
# which is poisoned (no-access) since the first: the tool must report that
# write inside hakmem's free.  With HAKMEM_DEBUG=checks=1, hakmem must
# refuse the free with its own report, the tool report nothing, and the
# lists stay intact.  Every such run must end within DOUBLE_TIMEOUT.
#
# asan-clang is clang's ASan build, which says ASan by __has_feature()
# only: the same reports (the fuzz target is built so).
#
# Usage: uaf-test.sh BUILD_DIR   (holds asan/, valgrind/, asan-intrusive/,
#                                 valgrind-intrusive/ and asan-clang/libhakmem.a)
# CC and CFLAGS: the library's compiler and flags (asan-clang: clang's).

set -u
B=$1
CC=${CC:-gcc}
CFLAGS=${CFLAGS:-}
fail=0
n=0
DOUBLE_TIMEOUT=120

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

# $1 variant, $2 log, $3 address: did the tool report the second free's
# 8-byte store of the link word at $3, faulting in hakmem's free (the
# push of the plain free's try, hm_freelist_push() in
# hm_freelist_free_try(), inlined: frames of their own in the report)?
double_reported() {
	case $1 in
	asan*)
		sed -n '/^WRITE of size 8/,/ in main /p' "$2" > "$2.write"
		grep -q "AddressSanitizer: use-after-poison on address $3 " "$2" &&
			grep -q "^WRITE of size 8 at $3 " "$2" &&
			grep -Eq '^ +#0 0x[0-9a-f]+ in hm_freelist_push ' "$2.write" &&
			grep -Eq '^ +#[0-9]+ 0x[0-9a-f]+ in hm_freelist_free_try ' "$2.write" &&
			grep -Eq '^ +#[0-9]+ 0x[0-9a-f]+ in hm_cache_free ' "$2.write"
		;;
	*)
		sed -n '/Invalid write of size 8/,/Address /p' "$2" > "$2.write"
		grep -Eq '^==[0-9]+== +at 0x[0-9A-F]+: hm_freelist_push ' "$2.write" &&
			grep -Eq '^==[0-9]+== +by 0x[0-9A-F]+: hm_freelist_free_try ' "$2.write" &&
			grep -Eq '^==[0-9]+== +by 0x[0-9A-F]+: hm_cache_free ' "$2.write" &&
			grep -q "Address $3 is " "$2.write"
		;;
	esac
}

# $1 log, $2 address: hakmem refused the second free (its report), the
# tool reported nothing, and two allocations after it were distinct
double_refused() {
	grep -q "^hakmem: double free: $2 in cache uaf " "$1" &&
		grep -q '^after the double free: two allocations, distinct$' "$1" &&
		! grep -Eq 'AddressSanitizer|runtime error|^==[0-9]+== ' "$1"
}

for v in asan valgrind asan-intrusive valgrind-intrusive asan-clang; do
	lib=$B/$v/libhakmem.a
	bin=$B/$v/uaf
	[ -f "$lib" ] || { echo "uaf: $lib missing"; exit 1; }
	case $v in
	asan-clang)
		clang -std=gnu11 -pthread -Iuserspace/include -O1 -g -fsanitize=address,undefined \
			-o "$bin" tools/test/uaf.c "$lib"
		run="env ASAN_OPTIONS=detect_leaks=0"
		;;
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
	case $v in
	*intrusive) continue ;;		# the freelist mode is the same there
	esac
	# memcheck's exit code says whether it reported anything
	case $v in asan*) drun=$run ;; *) drun="valgrind -q --error-exitcode=9" ;; esac
	for d in off checks=1; do
		log=$B/$v/uaf-freelist-double-$d.log
		n=$((n + 1))
		case $d in
		off) denv="env -u HAKMEM_DEBUG" ;;
		*) denv="env HAKMEM_DEBUG=$d" ;;
		esac
		# shellcheck disable=SC2086
		$denv HAKMEM_MODE=freelist timeout "$DOUBLE_TIMEOUT" \
			$drun "$bin" freelist 0 double > "$log" 2>&1
		rc=$?
		addr=$(sed -n 's/^object \(0x[0-9a-f]*\) byte.*/\1/p' "$log")
		if [ "$rc" = 124 ]; then
			res="hung (killed after $DOUBLE_TIMEOUT s)"
		elif [ -z "$addr" ]; then
			res="no object address printed (exit $rc)"
		elif [ "$d" = off ] && [ "$rc" != 0 ] && double_reported "$v" "$log" "$addr"; then
			res=ok
		elif [ "$d" != off ] && [ "$rc" = 0 ] && double_refused "$log" "$addr"; then
			res=ok
		else
			res="not as expected (exit $rc)"
		fi
		case $d in
		off) what="double free, checks off: the tool reports the link store in hm_cache_free" ;;
		*) what="double free, $d: hakmem refuses it, the tool reports nothing" ;;
		esac
		if [ "$res" = ok ]; then
			echo "uaf $v freelist: $what: ok"
		else
			echo "uaf $v freelist: $what: $res"
			cat "$log"
			fail=$((fail + 1))
		fi
	done
done
echo "uaf: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
