#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the hakmem modules out of tree against one kernel, in a build
# directory of its own, and fail on any compiler or modpost warning.
#
# Usage: kernel/kmod.sh KIND [make arguments...]
#   KIND: distro-6.1 | distro-6.12   Debian headers (tools/vm/distro-kernel.sh)
#         uml | x86_64               cached KUnit kernels (tools/vm/build-kernel.sh)
#         x86_64-kasan               the same with KASAN
#         uml-perf                   UML without debug options (benchmarks)
#         kdir:<path>                any configured kernel tree or headers
# Default make arguments: W=1.  Extra ones (C=2, V=1, ...) are added.
# Prints for eval: KMOD=<dir with the .ko files> KVER=<release> KIND=<kind>
#
# Kbuild writes objects next to the sources (M=); before 6.13 there is no
# separate output directory for external modules, so the sources are
# mirrored as symlinks into build/kmod/<KIND>/ and built there: builds for
# several kernels do not overwrite each other's objects, and the source
# tree stays clean.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VM=$ROOT/tools/vm
[ $# -ge 1 ] || { sed -n '/^# Usage:/,/^# Prints/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
kind=$1
shift

KARCH=x86_64
case $kind in
distro-6.1 | distro-6.12)
	eval "$("$VM/distro-kernel.sh" "${kind#distro-}")" ;;
uml)
	eval "$("$VM/build-kernel.sh" uml)" ;;
uml-perf)
	eval "$("$VM/build-kernel.sh" uml --perf)" ;;
x86_64)
	eval "$("$VM/build-kernel.sh" x86_64)" ;;
x86_64-kasan)
	eval "$("$VM/build-kernel.sh" x86_64 --kasan)" ;;
kdir:*)
	KDIR=${kind#kdir:}
	kind=$(basename "$KDIR")
	KVER=$(make -s -C "$KDIR" kernelrelease 2>/dev/null || echo "$kind") ;;
*)
	echo "kmod.sh: unknown kind '$kind'" >&2
	exit 2 ;;
esac
case $kind in uml | uml-perf) KARCH=um ;; esac

out=$ROOT/build/kmod/$kind
mkdir -p "$out"
# refresh the mirror: drop links (also to deleted files), link again
find "$out" -type l -delete
cp -rs "$ROOT/Kbuild" "$ROOT/common" "$ROOT/kernel" "$out/"

log=$out/build.log
args=(W=1 "$@")
set +e
make -C "$KDIR" ARCH=$KARCH M="$out" "${args[@]}" modules >"$log" 2>&1
rc=$?
set -e
# the 6.1 headers have no vmlinux for BTF: a note, not a warning
grep -v 'Skipping BTF generation' "$log" | grep -E 'warning:|error:|WARNING:|ERROR:' >&2 && rc=${rc/#0/1}
if [ "$rc" != 0 ]; then
	tail -n 30 "$log" >&2
	echo "kmod.sh: $kind: build failed or warned (log $log)" >&2
	exit 1
fi
echo "kmod.sh: $kind: $(cd "$out" && ls ./*.ko | tr '\n' ' ')(${args[*]}, no warnings)" >&2
echo "KMOD=$out"
echo "KVER=$KVER"
echo "KIND=$kind"
